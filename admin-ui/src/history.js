// The draft's history (every save, not public) and its published versions (public).
import { api, articleUrl } from "./api.js";
import { $, h, formatTime } from "./dom.js";
import { notice, readFields, say, state, writeFields } from "./editor.js";
import { schedulePreview } from "./preview.js";

// ---- history -------------------------------------------------------------------------------

export async function loadHistory() {
  if (!state.slug) return;
  const list = $("#history-list");
  let answer;
  try {
    answer = await api.get(articleUrl(state.slug, "revisions"));
  } catch (error) {
    list.replaceChildren(h("li", { class: "error", text: error.message }));
    return;
  }
  const revisions = [...(answer.revisions || [])].sort((a, b) => String(b.saved).localeCompare(String(a.saved)));
  list.replaceChildren(
    ...revisions.map((rev) =>
      h("li", { dataset: { id: String(rev.id) } },
        h("button", { type: "button", class: "link", onclick: () => showRevision(rev) },
          formatTime(rev.saved, true)),
        " ",
        h("span", { class: "who", text: rev.user_id === state.me ? "you" : rev.user_name || "a colleague" }),
        rev.kind === "conflict" ? h("span", { class: "note", text: " (text kept from a refused save)" }) : null),
    ),
  );
  const versions = (state.article && state.article.versions) || [];
  $("#versions").hidden = versions.length === 0;
  $("#versions-list").replaceChildren(
    ...versions.map((v) =>
      h("li", {}, `v${v.number} · ${formatTime(v.time)}`, v.note ? ` · ${v.note}` : "")),
  );
}

async function showRevision(rev) {
  const view = $("#revision-view");
  let article;
  try {
    const answer = await api.get(articleUrl(state.slug, `revisions/${encodeURIComponent(rev.id)}`));
    article = answer.article || answer;
  } catch (error) {
    notice(error.message, "error");
    return;
  }
  view.hidden = false;
  view.dataset.id = String(rev.id);
  $("#revision-title").textContent = `Saved ${formatTime(rev.saved)}${rev.kind === "conflict" ? " (kept from a refused save)" : ""}`;
  $("#revision-text").textContent = article.body || "";
  $("#revision-restore").onclick = () => {
    writeFields({ ...readFields(), ...article, revision: undefined });
    view.hidden = true;
    say("Older version restored into the editor; it is saved like any change", "dirty");
    schedulePreview(0);
  };
}
