// The live preview: the text rendered by the server's own Markdown renderer (sanitised there),
// with the article's images shown from the admin's media address.
import { api } from "./api.js";
import { $, h } from "./dom.js";
import { readFields, state } from "./editor.js";
import { mediaUrl } from "./media.js";

const PREVIEW_AFTER_MS = 400;

// ---- preview -------------------------------------------------------------------------------

const DROP_ELEMENTS = "script, iframe, object, embed, form, base, link, meta, style";

export function cleanPreview(html) {
  // The server's renderer sanitises already; this keeps anything active out of the page
  // even if it did not.
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const el of template.content.querySelectorAll(DROP_ELEMENTS)) el.remove();
  for (const el of template.content.querySelectorAll("*")) {
    for (const attr of Array.from(el.attributes)) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith("on") || value.startsWith("javascript:") || attr.name === "style") {
        el.removeAttribute(attr.name);
      }
    }
  }
  // the article's own images: media/NAME in the text, served to the editor under /admin/media/
  for (const img of template.content.querySelectorAll("img[src^='media/']")) {
    if (state.slug) img.src = mediaUrl(img.getAttribute("src").slice("media/".length));
  }
  return template.content;
}

function showPreviewLead(image) {
  const box = $("#preview-lead");
  box.replaceChildren();
  if (!image || !state.slug || /^[a-z]+:/i.test(image)) return;
  box.append(h("img", { src: mediaUrl(image.replace(/^media\//, "")), alt: "" }));
}

export function schedulePreview(delay) {
  clearTimeout(state.previewTimer);
  state.previewTimer = setTimeout(renderPreview, delay ?? PREVIEW_AFTER_MS);
}

async function renderPreview() {
  const seq = ++state.previewSeq;
  const fields = readFields();
  const target = $("#preview-body");
  try {
    const answer = await api.post("/admin/api/preview", { ...fields, slug: state.slug || null });
    if (seq !== state.previewSeq) return;
    $("#preview-headline").textContent = fields.headline;
    $("#preview-summary").textContent = fields.summary;
    showPreviewLead(fields.image);
    target.replaceChildren(cleanPreview(answer.html || ""));
    target.classList.remove("stale");
  } catch (error) {
    if (seq !== state.previewSeq) return;
    target.classList.add("stale");
    $("#preview-error").textContent = `Preview not updated: ${error.message}`;
    return;
  }
  $("#preview-error").textContent = "";
}
