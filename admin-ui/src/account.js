// Your account: turning on the second factor (a TOTP authenticator app).
import { api } from "./api.js";
import { $ } from "./dom.js";

function message(text, kind) {
  const box = $("#account-message");
  box.hidden = !text;
  box.className = `notice ${kind || ""}`;
  box.textContent = text || "";
}

export function startAccount() {
  const start = $("#totp-start");
  const form = $("#totp-confirm");
  if (!start || !form) return;
  let secret = "";
  start.addEventListener("click", async () => {
    try {
      const answer = await api.post("/admin/api/me/totp");
      secret = answer.secret;
      $("#totp-secret").textContent = secret.replace(/(.{4})/g, "$1 ").trim();
      $("#totp-uri").href = answer.uri;
      form.hidden = false;
      start.hidden = true;
      $("#totp-code").focus();
    } catch (error) {
      message(error.message, "error");
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.post("/admin/api/me/totp/confirm", { secret, code: $("#totp-code").value.replace(/\s+/g, "") });
      form.hidden = true;
      $("#totp-state").textContent = "On: signing in asks for a code from your authenticator app.";
      message("The second factor is on. Keep the app: without it you need an admin to reset your account.", "ok");
    } catch (error) {
      message(error.message, "error");
    }
  });
}
