// The sign-in page is a plain form that works without this script; the script only puts
// the cursor where it is needed (the code field when the server asked for one).
import { $ } from "./dom.js";

export function startLogin() {
  const code = $("#totp");
  const email = $("#email");
  if (code && code.closest("[data-needed]")) code.focus();
  else if (email && !email.value) email.focus();
  else if ($("#password")) $("#password").focus();
}
