// Accepting an invitation: show who it is for, then set a password and sign in.
import { api } from "./api.js";
import { $ } from "./dom.js";

export async function startInvite() {
  const secret = document.body.dataset.secret;
  const url = `/admin/api/invite/${encodeURIComponent(secret)}`;
  const about = $("#invite-about");
  const problem = $("#invite-error");
  const form = $("#invite-form");
  try {
    const invite = await api.get(url);
    about.textContent = `For ${invite.email}, as ${invite.role}.`;
  } catch (error) {
    about.textContent = "";
    problem.hidden = false;
    problem.textContent = error.message;
    form.querySelector("button").disabled = true;
    return;
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.hidden = true;
    try {
      await api.post(url, {
        password: form.elements.namedItem("password").value,
        name: form.elements.namedItem("name").value.trim() || undefined,
      });
      window.location.assign("/admin/");
    } catch (error) {
      problem.hidden = false;
      problem.textContent = error.message;
    }
  });
}
