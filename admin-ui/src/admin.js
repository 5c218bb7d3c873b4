// The editor's one script: each admin page says which part it needs in <body data-page>.
import { startList } from "./list.js";
import { startEditor } from "./editor.js";
import { startLogin } from "./login.js";
import { startInvite } from "./invite.js";
import { startPeople } from "./people.js";
import { startAccount } from "./account.js";

const pages = { list: startList, editor: startEditor, login: startLogin, invite: startInvite, people: startPeople, account: startAccount };

function start() {
  const page = document.body.dataset.page;
  const run = pages[page];
  if (run) run();
  document.documentElement.classList.add("js-ready");
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
