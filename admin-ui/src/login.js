// The sign-in page is a plain form that works without this script. The script keeps the
// email typed (when the server sends the page back asking for the code, or after a wrong
// password) and puts the cursor where it is needed.
import { $ } from "./dom.js";

const KEY = "permapress-admin-email";

export function startLogin() {
  const form = $("form[action='/admin/login']");
  const email = $("#email");
  const code = $("#totp");
  if (email && !email.value) {
    try {
      email.value = sessionStorage.getItem(KEY) || "";
    } catch {
      // storage may be off: the person types the email again
    }
  }
  if (form && email) {
    form.addEventListener("submit", () => {
      try {
        sessionStorage.setItem(KEY, email.value);
      } catch {
        // as above
      }
    });
  }
  if (code) code.focus();
  else if (email && !email.value) email.focus();
  else if ($("#password")) $("#password").focus();
}
