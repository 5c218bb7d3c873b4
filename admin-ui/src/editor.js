// The article editor: the Markdown body (TinyMDE with its toolbar), the front matter as form
// fields, a live preview from our own renderer, autosave with conflict detection, media,
// the workflow buttons the server allows this user, and the draft history.
import { Editor, CommandBar } from "tiny-markdown-editor";
import { api, articleUrl, ApiError } from "./api.js";
import { $, $$, h, formatTime, splitList, joinList } from "./dom.js";
import { statusLabel } from "./list.js";
import { keepMine, renderDifferences, showConflict, takeTheirs } from "./conflict.js";
import { schedulePreview } from "./preview.js";
import { showLeadImage, wireMedia } from "./media.js";
import { loadHistory } from "./history.js";

const AUTOSAVE_EVERY_MS = 5000; // a change is saved within 5 s (the promise is 10 s)
export const FIELDS = ["headline", "summary", "categories", "tags", "authors", "genre", "image"];
export const LIST_FIELDS = new Set(["categories", "tags", "authors"]);

export const state = {
  slug: "",
  revision: null,
  article: null,
  saved: null, // the fields as last saved (or loaded), to know what changed
  saving: null, // the save under way (a promise)
  conflict: null, // the server's article when a save was refused as a conflict
  editor: null,
  previewTimer: 0,
  previewSeq: 0,
};

// ---- fields --------------------------------------------------------------------------------

export function fieldElement(name) {
  return document.getElementById(`field-${name}`);
}

export function readFields() {
  const fields = { body: state.editor ? state.editor.getContent() : $("#body").value };
  for (const name of FIELDS) {
    const el = fieldElement(name);
    if (!el) continue;
    fields[name] = LIST_FIELDS.has(name) ? splitList(el.value) : el.value.trim();
  }
  if (!fields.image) fields.image = null;
  return fields;
}

export function writeFields(article) {
  for (const name of FIELDS) {
    const el = fieldElement(name);
    if (!el) continue;
    const value = article[name];
    el.value = LIST_FIELDS.has(name) ? joinList(value) : value || "";
  }
  setBody(article.body || "");
  showLeadImage();
}

function setBody(text) {
  if (state.editor) state.editor.setContent(text);
  else $("#body").value = text;
}

function sameFields(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function isDirty() {
  return state.saved !== null && !sameFields(readFields(), state.saved);
}

// ---- status line ---------------------------------------------------------------------------

export function say(text, kind) {
  const line = $("#save-state");
  line.textContent = text;
  line.dataset.kind = kind || "";
}

export function notice(text, kind) {
  const box = $("#notice");
  box.replaceChildren();
  if (!text) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.className = `notice ${kind || ""}`;
  if (text instanceof Node) box.append(text);
  else box.textContent = text;
}

function showStatus() {
  const article = state.article;
  const badge = $("#status");
  badge.textContent = statusLabel(article.status);
  badge.className = `status status-${article.status}`;
  const when = $("#status-detail");
  when.textContent = article.status === "scheduled" && article.publish_at
    ? `publishes ${formatTime(article.publish_at)}`
    : article.status === "published" && article.changed
      ? "changes saved, not yet public"
      : "";
}

// ---- loading and saving --------------------------------------------------------------------

export function applyArticle(article) {
  state.article = article;
  state.revision = article.revision ?? null;
  if (article.slug) state.slug = article.slug;
  document.body.dataset.slug = state.slug;
  writeFields(article);
  state.saved = readFields();
  showStatus();
  showActions();
  const title = article.headline || "New article";
  document.title = `${title} · permapress editor`;
  const link = $("#public-link");
  if (link) {
    link.hidden = !article.ipfs_url;
    if (article.ipfs_url) {
      link.href = article.ipfs_url;
      const cid = article.bundle_cid || "";
      link.textContent = cid ? `ipfs://${cid.slice(0, 10)}…${cid.slice(-6)}` : "Permanent copy";
      link.title = `The published version's permanent copy: ${article.ipfs_url}`;
    }
  }
}

async function load() {
  try {
    const article = await api.get(articleUrl(state.slug));
    applyArticle(article);
    say(article.updated ? `Saved ${formatTime(article.updated)}` : "Opened", "saved");
    schedulePreview(0);
    loadHistory();
  } catch (error) {
    if (!state.article) document.body.classList.add("load-failed");
    notice(error.message, "error");
    say("Could not open the article", "error");
  }
}

// Save what is on the page; resolves true when the server has it. Only one save at a time:
// a second request waits for the first (so the revision it sends is the newest).
export function save(reason) {
  if (state.saving) return state.saving.then(() => (isDirty() ? save(reason) : true));
  if (state.conflict) return Promise.resolve(false);
  const fields = readFields();
  if (state.slug && sameFields(fields, state.saved) && reason !== "force") return Promise.resolve(true);
  if (!state.slug && !fields.headline) {
    say("Give the article a headline and it is saved as a draft", "dirty");
    if (reason !== "auto") fieldElement("headline").focus();
    return Promise.resolve(false);
  }
  say(reason === "auto" ? "Saving…" : "Saving…", "saving");
  state.saving = (async () => {
    try {
      if (!state.slug) {
        const created = await api.post("/admin/api/articles", fields);
        state.slug = created.slug;
        history.replaceState(null, "", `/admin/articles/${encodeURIComponent(created.slug)}`);
        const article = created.body === undefined ? await api.get(articleUrl(created.slug)) : created;
        rememberSaved(article, fields);
      } else {
        const answer = await api.put(articleUrl(state.slug), { ...fields, revision: state.revision });
        rememberSaved(answer || {}, fields);
      }
      // typed on while it was saving: say so (the next save follows)
      if (isDirty()) say("Unsaved changes", "dirty");
      else say(`Saved ${formatTime(new Date().toISOString(), true)}`, "saved");
      notice("");
      loadHistory();
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.data && error.data.current) {
        showConflict(error.data, fields);
        return false;
      }
      say("Not saved", "error");
      if (error instanceof ApiError && error.status === 401) {
        notice(h("span", {},
          "You are signed out (the session ended). ",
          h("a", { href: "/admin/login", target: "_blank", rel: "noopener", text: "Sign in again in a new tab" }),
          ", then save here: your text is kept on this page."), "error");
      } else {
        notice(`${error.message}`, "error");
      }
      return false;
    } finally {
      state.saving = null;
    }
  })();
  return state.saving;
}

function rememberSaved(answer, fields) {
  if (answer.revision !== undefined) state.revision = answer.revision;
  if (answer.status || answer.actions) {
    state.article = { ...state.article, ...answer };
    showStatus();
    showActions();
  }
  state.saved = fields;
}

// ---- workflow ------------------------------------------------------------------------------

function published() {
  const status = state.article && state.article.status;
  return status === "published";
}

// which buttons to show: what the server allows, narrowed to what fits the article's status
function visibleActions() {
  const allowed = new Set((state.article && state.article.actions) || ["save"]);
  const status = (state.article && state.article.status) || "draft";
  const show = new Set();
  if (!state.slug || allowed.has("save")) show.add("save");
  if (status === "retracted") return new Set();
  if (allowed.has("submit") && (status === "draft")) show.add("submit");
  if (allowed.has("publish") && status !== "published") show.add("publish");
  if (allowed.has("schedule") && status !== "published") show.add("schedule");
  if (allowed.has("schedule") && status === "scheduled") show.add("unschedule");
  if (allowed.has("preview_link") && status !== "published") show.add("preview_link");
  if (allowed.has("correct") && status === "published") show.add("correct");
  if (allowed.has("retract") && status === "published") show.add("retract");
  if (allowed.has("upload_media")) show.add("upload_media");
  return show;
}

function showActions() {
  const show = visibleActions();
  for (const button of $$("[data-action]")) {
    const action = button.dataset.action;
    button.hidden = !show.has(action);
  }
  $("#media-upload").hidden = !show.has("upload_media");
  setReadOnly(!show.has("save"));
  const saveButton = $('[data-action="save"]');
  if (saveButton) saveButton.textContent = published() ? "Save changes (not yet public)" : "Save draft";
}

// an article this person may not change (retracted, or published and theirs only to read)
function setReadOnly(readOnly) {
  document.body.classList.toggle("read-only", readOnly);
  for (const name of FIELDS) {
    const el = fieldElement(name);
    if (el) el.disabled = readOnly;
  }
  for (const id of ["field-image-pick", "media-library"]) $(`#${id}`).hidden = readOnly;
  $("#toolbar").hidden = readOnly;
  if (state.editor && state.editor.e) state.editor.e.contentEditable = readOnly ? "false" : "true";
  const banner = $("#read-only");
  const status = state.article && state.article.status;
  banner.hidden = !readOnly;
  banner.textContent = status === "retracted"
    ? "This article is retracted: it stays as it is, on the record."
    : "You can read this article but not change it.";
}

async function act(action, body, doneText) {
  if (!(await save("before-" + action))) return null;
  try {
    const answer = await api.post(articleUrl(state.slug, action), { revision: state.revision, ...body });
    if (answer && (answer.status || answer.revision !== undefined)) {
      state.article = { ...state.article, ...answer };
      if (answer.revision !== undefined) state.revision = answer.revision;
    }
    await load();
    notice(doneText, "ok");
    return answer;
  } catch (error) {
    // the article changed state meanwhile (published by someone else…): show it as it is now;
    // the text was saved just before, so loading loses nothing
    if (error instanceof ApiError && error.status === 409 && !isDirty()) await load();
    notice(error.message, "error");
    return null;
  }
}

function openDialog(id) {
  const dialog = document.getElementById(id);
  const form = $("form", dialog);
  if (form) form.reset();
  $$(".dialog-error", dialog).forEach((el) => (el.textContent = ""));
  dialog.showModal();
  return dialog;
}

function wireWorkflow() {
  const buttons = {
    save: async () => {
      if (await save("button")) notice("Draft saved.", "ok");
    },
    submit: () => act("submit", {}, "Submitted for review: an editor will see it in the list under “In review”."),
    publish: () => act("publish", {}, "Published. The site is rebuilt with this article."),
    schedule: () => openDialog("schedule-dialog"),
    unschedule: () => act("schedule", { publish_at: null }, "No longer scheduled: it waits as a draft until someone publishes or schedules it."),
    preview_link: async () => {
      if (!(await save("before-preview"))) return;
      try {
        const answer = await api.post(articleUrl(state.slug, "preview-link"), {});
        const url = new URL(answer.url, window.location.href).href;
        const box = h("div", {},
          "Preview link (anyone with it can read this draft",
          answer.expires ? ` until ${formatTime(answer.expires)}` : "",
          "): ",
          h("a", { href: url, target: "_blank", rel: "noopener", id: "preview-link", text: url }));
        notice(box, "ok");
      } catch (error) {
        notice(error.message, "error");
      }
    },
    correct: () => openDialog("correct-dialog"),
    retract: () => openDialog("retract-dialog"),
  };
  for (const button of $$("[data-action]")) {
    button.addEventListener("click", () => {
      const run = buttons[button.dataset.action];
      if (run) run();
    });
  }
  dialogForm("schedule-dialog", async (form) => {
    const local = form.elements.namedItem("publish_at").value;
    if (!local) return "Choose the date and time it goes out.";
    const when = new Date(local);
    if (Number.isNaN(when.getTime())) return "That date could not be read.";
    await act("schedule", { publish_at: when.toISOString() }, `Scheduled: it publishes by itself at ${formatTime(when.toISOString())}.`);
    return null;
  });
  dialogForm("correct-dialog", async (form) => {
    const note = form.elements.namedItem("note").value.trim();
    if (!note) return "Say what was corrected: the note is shown to readers with the correction.";
    await act("correct", { note }, "Correction published: the page and its history show it.");
    return null;
  });
  dialogForm("retract-dialog", async (form) => {
    const reason = form.elements.namedItem("reason").value.trim();
    if (!reason) return "Give the reason: readers see it where the article was.";
    await act("retract", { reason }, "Retracted: the article is off the listings, a notice with your reason stands in its place.");
    return null;
  });
}

function dialogForm(id, submit) {
  const dialog = document.getElementById(id);
  const form = $("form", dialog);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = await submit(form);
    if (problem) {
      $(".dialog-error", dialog).textContent = problem;
      return;
    }
    dialog.close();
  });
  for (const cancel of $$("[data-close]", dialog)) cancel.addEventListener("click", () => dialog.close());
}

// ---- start ---------------------------------------------------------------------------------

function onChange() {
  if (state.conflict) renderDifferences(readFields());
  else if (isDirty()) say("Unsaved changes", "dirty");
  schedulePreview();
}

export function startEditor() {
  state.slug = document.body.dataset.slug || "";
  state.me = document.body.dataset.user || "";
  const textarea = $("#body");
  state.editor = new Editor({ textarea, placeholder: "Write the article here. Markdown: **bold**, _italic_, ## heading, - list" });
  new CommandBar({
    element: "toolbar",
    editor: state.editor,
    commands: ["bold", "italic", "strikethrough", "|", "h1", "h2", "|", "ul", "ol", "blockquote", "|", "insertLink", "insertImage", "hr", "|", "undo", "redo"],
  });
  state.editor.addEventListener("change", onChange);
  if (state.editor.e) {
    state.editor.e.setAttribute("role", "textbox");
    state.editor.e.setAttribute("aria-multiline", "true");
    state.editor.e.setAttribute("aria-label", "Text of the article (Markdown)");
  }
  for (const name of FIELDS) {
    const el = fieldElement(name);
    if (el) el.addEventListener("input", onChange);
  }
  $("#conflict-keep-mine").addEventListener("click", keepMine);
  $("#conflict-take-theirs").addEventListener("click", takeTheirs);
  $("#revision-close").addEventListener("click", () => ($("#revision-view").hidden = true));
  wireWorkflow();
  wireMedia();
  setInterval(() => {
    if (isDirty() && !state.conflict && !state.saving) save("auto");
  }, AUTOSAVE_EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden" && isDirty()) save("auto");
  });
  window.addEventListener("beforeunload", (event) => {
    if (isDirty() || state.conflict) event.preventDefault();
  });
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      event.preventDefault();
      save("button");
    }
  });
  if (state.slug) {
    load();
  } else {
    state.article = { status: "draft", actions: ["save", "upload_media"] };
    state.saved = readFields();
    showStatus();
    showActions();
    say("New article: it is saved as a draft as soon as you write", "");
    fieldElement("headline").focus();
  }
}
