// The newsroom's people: invite (editors: authors and contributors; admins: anyone), and for
// admins, change a role or remove someone. The server decides; this page follows.
import { api } from "./api.js";
import { $, h } from "./dom.js";

const ROLES = ["contributor", "author", "editor", "admin"];
const armed = new Set(); // people whose Remove was pressed once (kept when the table is redrawn)

function problem(text) {
  const box = $("#people-error");
  box.hidden = !text;
  box.textContent = text || "";
}

async function load() {
  let answer;
  try {
    answer = await api.get("/admin/api/users");
  } catch (error) {
    problem(error.message);
    return;
  }
  const manage = document.body.dataset.manage === "yes";
  const me = document.body.dataset.user;
  $("#people tbody").replaceChildren(
    ...answer.users.map((user) => {
      const cells = [
        h("td", { class: "name", text: user.name || "—" }),
        h("td", { text: user.email }),
        h("td", { text: user.owner ? `${user.role} (owner)` : user.role }),
        h("td", { text: user.status === "invited" ? "invited, not signed in yet" : `active${user.totp ? " · second factor" : ""}` }),
      ];
      if (manage) cells.push(h("td", {}, user.owner || user.id === me ? null : h("div", { class: "row-actions" }, actions(user))));
      return h("tr", { dataset: { id: user.id } }, ...cells);
    }),
  );
}

function actions(user) {
  const select = h("select", { "aria-label": `Role of ${user.email}` },
    ...ROLES.map((role) => h("option", { value: role, selected: role === user.role, text: role })));
  select.addEventListener("change", async () => {
    try {
      await api.post(`/admin/api/users/${encodeURIComponent(user.id)}/role`, { role: select.value });
      problem("");
      load();
    } catch (error) {
      problem(error.message);
      select.value = user.role;
    }
  });
  const label = () => (armed.has(user.id) ? `Remove ${user.email}?` : "Remove");
  const remove = h("button", { type: "button", class: "small danger", text: label() });
  remove.addEventListener("click", async () => {
    if (!armed.has(user.id)) {
      armed.add(user.id);
      remove.textContent = label();
      return;
    }
    armed.delete(user.id);
    try {
      await api.send("DELETE", `/admin/api/users/${encodeURIComponent(user.id)}`);
      problem("");
      load();
    } catch (error) {
      problem(error.message);
    }
  });
  return [select, remove];
}

export function startPeople() {
  const form = $("#invite-new");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = {
      email: form.elements.namedItem("email").value.trim(),
      name: form.elements.namedItem("name").value.trim(),
      role: form.elements.namedItem("role").value,
    };
    try {
      const answer = await api.post("/admin/api/users", values);
      problem("");
      $("#invite-result").hidden = false;
      $("#invite-result-text").textContent = `${values.email} is invited as ${values.role}.`;
      const link = $("#invite-link");
      link.value = answer.invite_url;
      link.focus();
      link.select();
      form.reset();
      load();
    } catch (error) {
      problem(error.message);
    }
  });
  load();
}
