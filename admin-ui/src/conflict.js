// When a save is refused because the article was saved elsewhere in the meantime: what differs
// (fields and a line diff of the text), and the two ways out. Nothing typed is dropped.
import { $, h, formatTime, joinList } from "./dom.js";
import { diffLines } from "./diff.js";
import { FIELDS, LIST_FIELDS, applyArticle, readFields, save, say, state } from "./editor.js";
import { loadHistory } from "./history.js";
import { schedulePreview } from "./preview.js";

// ---- conflicts -----------------------------------------------------------------------------

function theirArticle(data) {
  return data.current || data.article || data;
}

export function showConflict(data, mine) {
  const theirs = theirArticle(data);
  state.conflict = theirs;
  say("Not saved: someone else saved a newer version", "conflict");
  const panel = $("#conflict");
  panel.hidden = false;
  const mine2 = theirs.updated_by && theirs.updated_by === state.me;
  const who = mine2 ? " by you, in another tab or window," : theirs.updated_by_name ? ` by ${theirs.updated_by_name}` : " by someone else";
  $("#conflict-title").textContent = mine2 ? "A newer version was saved in another tab" : "Someone else saved this article";
  const when = theirs.updated ? ` at ${formatTime(theirs.updated)}` : "";
  $("#conflict-message").textContent =
    `This article was saved${who}${when} after you opened it, so your save was refused. ` +
    "Your text is still in the editor and nothing has been lost. Compare the two below, then keep yours or take theirs.";
  renderDifferences(mine);
  panel.scrollIntoView({ block: "start" });
  loadHistory();
}

// theirs (saved) against what this page has now; redrawn as the person keeps typing
export function renderDifferences(mine) {
  const theirs = state.conflict;
  if (!theirs) return;
  const fieldRows = [];
  for (const name of FIELDS) {
    const a = LIST_FIELDS.has(name) ? joinList(theirs[name]) : theirs[name] || "";
    const b = LIST_FIELDS.has(name) ? joinList(mine[name]) : mine[name] || "";
    if (a !== b) {
      fieldRows.push(
        h("tr", {}, h("th", { scope: "row", text: name }), h("td", { class: "theirs", text: a }), h("td", { class: "mine", text: b })),
      );
    }
  }
  const fieldTable = $("#conflict-fields");
  fieldTable.hidden = fieldRows.length === 0;
  $("tbody", fieldTable).replaceChildren(...fieldRows);
  const rows = diffLines(theirs.body || "", mine.body || "");
  $("#conflict-diff").replaceChildren(
    ...rows.map((row) =>
      h("li", { class: `diff-${row.kind}` },
        h("span", { class: "mark", "aria-hidden": "true", text: row.kind === "mine" ? "+" : row.kind === "theirs" ? "−" : " " }),
        h("span", { class: "visually-hidden", text: row.kind === "mine" ? "yours: " : row.kind === "theirs" ? "theirs: " : "" }),
        h("span", { class: "line", text: row.text === "" ? " " : row.text })),
    ),
  );
}

export async function keepMine() {
  const theirs = state.conflict;
  if (!theirs) return;
  state.conflict = null;
  state.revision = theirs.revision ?? state.revision;
  $("#conflict").hidden = true;
  await save("force");
}

export function takeTheirs() {
  const theirs = state.conflict;
  if (!theirs) return;
  const mine = readFields();
  state.conflict = null;
  $("#conflict").hidden = true;
  applyArticle({ ...state.article, ...theirs });
  // keep what this page had, for copying from
  const kept = $("#kept-text");
  kept.hidden = false;
  $("textarea", kept).value = mine.body;
  say("Showing their version; your text is kept below the editor", "saved");
  schedulePreview(0);
}
