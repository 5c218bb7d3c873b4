// Images: upload into the article's media, the newsroom's media library (insert an image, or
// make it the lead image; an image of another article is copied into this one).
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { fieldElement, notice, save, say, state } from "./editor.js";
import { schedulePreview } from "./preview.js";

// ---- media ---------------------------------------------------------------------------------

export function mediaUrl(name) {
  return `/admin/media/${encodeURIComponent(state.slug)}/${encodeURIComponent(name)}`;
}

// an image of another article is first copied into this one (the server keeps one copy)
async function ownCopy(item) {
  if (item.slug === state.slug) return item;
  const params = new URLSearchParams({ slug: state.slug, from: String(item.id) });
  const copy = await api.upload(`/admin/api/media?${params}`, new Blob([]));
  state.media = [...(state.media || []), copy];
  return copy;
}

function insertImage(item) {
  const alt = (item.name || "image").replace(/\.[a-z0-9]+$/i, "").replace(/[-_]+/g, " ").replace(/[[\]]/g, "");
  const markdown = item.markdown ? item.markdown.replace(/^!\[\]/, `![${alt}]`) : `![${alt}](media/${item.name})`;
  if (state.editor) {
    // an image is a paragraph of its own: after the line the cursor is on (or at the end)
    const editor = state.editor;
    if (!editor.restoreLastSelection()) editor.setSelection({ row: editor.lines.length - 1, col: 0 });
    const at = editor.getSelection() || { row: editor.lines.length - 1, col: 0 };
    const line = editor.lines[at.row] || "";
    editor.setSelection({ row: at.row, col: line.length });
    editor.paste(`${line.trim() ? "\n\n" : ""}${markdown}\n`);
  } else {
    $("#body").value += `\n\n${markdown}\n`;
  }
  schedulePreview();
}

function useAsLead(item) {
  fieldElement("image").value = item.name;
  showLeadImage();
  schedulePreview();
}

export function showLeadImage() {
  const value = fieldElement("image").value.trim();
  const preview = $("#lead-preview");
  preview.replaceChildren();
  if (!value) return;
  if (/^https?:\/\//i.test(value)) {
    preview.append(h("span", { class: "hint", text: "A remote image: it is archived with the article when published." }));
  } else if (state.slug) {
    preview.append(h("img", { src: mediaUrl(value.replace(/^media\//, "")), alt: "" }));
  }
}

async function loadMedia() {
  const grid = $("#media-grid");
  grid.replaceChildren(h("p", { text: "Loading…" }));
  try {
    const answer = await api.get("/admin/api/media?per_page=100");
    state.media = answer.media || [];
  } catch (error) {
    grid.replaceChildren(h("p", { class: "error", text: error.message }));
    return;
  }
  if (state.media.length === 0) {
    grid.replaceChildren(h("p", { text: "No images yet: upload one with “Upload image”." }));
    return;
  }
  grid.replaceChildren(
    ...state.media.map((item) =>
      h("figure", { class: "media-item" },
        h("img", { src: item.url, alt: item.alt || "", loading: "lazy" }),
        h("figcaption", { text: item.slug && item.slug !== state.slug ? `${item.name} (${item.slug})` : item.name || "" }),
        h("div", { class: "media-buttons" },
          h("button", { type: "button", class: "small", text: "Insert", onclick: () => pick(item, insertImage) }),
          h("button", { type: "button", class: "small", text: "Lead image", onclick: () => pick(item, useAsLead) }))),
    ),
  );
}

async function pick(item, use) {
  if (!state.slug && !(await save("before-media"))) return;
  if (!state.slug) {
    notice("Give the article a headline first: images are kept with their article.", "error");
    return;
  }
  try {
    use(await ownCopy(item));
    $("#media-dialog").close();
  } catch (error) {
    notice(error.message, "error");
    $("#media-dialog").close();
  }
}

async function upload(file) {
  if (!file) return;
  if (!(await save("before-upload"))) return;
  if (!state.slug) {
    notice("Give the article a headline first: images are kept with their article.", "error");
    return;
  }
  say(`Uploading ${file.name}…`, "saving");
  try {
    const params = new URLSearchParams({ slug: state.slug, name: file.name });
    const item = await api.upload(`/admin/api/media?${params}`, file);
    state.media = [...(state.media || []), item];
    insertImage(item);
    say(`Uploaded ${file.name}`, "saved");
  } catch (error) {
    say("Upload failed", "error");
    notice(`${file.name}: ${error.message}`, "error");
  }
}

export function wireMedia() {
  const input = $("#media-file");
  $("#media-upload").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    upload(input.files[0]);
    input.value = "";
  });
  const openLibrary = () => {
    $("#media-dialog").showModal();
    loadMedia();
  };
  $("#media-library").addEventListener("click", openLibrary);
  $("#field-image-pick").addEventListener("click", openLibrary);
  $("#media-dialog [data-close]").addEventListener("click", () => $("#media-dialog").close());
  fieldElement("image").addEventListener("change", showLeadImage);
}
