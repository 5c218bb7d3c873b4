// The article list: filters and search in the address (so a list can be bookmarked and the
// back button works), the page of rows fetched from the API, paginated by the server.
import { api } from "./api.js";
import { $, h, formatTime } from "./dom.js";

const STATUS_LABELS = {
  draft: "Draft",
  submitted: "In review",
  scheduled: "Scheduled",
  published: "Published",
  retracted: "Retracted",
};

export function statusLabel(status) {
  return STATUS_LABELS[status] || status || "";
}

function currentQuery() {
  const params = new URLSearchParams(window.location.search);
  const query = {};
  for (const key of ["q", "status", "section", "author", "page", "per_page"]) {
    const value = params.get(key);
    if (value) query[key] = value;
  }
  return query;
}

function fillForm(form, query) {
  for (const key of ["q", "status", "section", "author"]) {
    const field = form.elements.namedItem(key);
    if (field) field.value = query[key] || "";
  }
}

function listUrl(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : window.location.pathname;
}

function fillChoices(datalist, values) {
  if (!datalist || !Array.isArray(values)) return;
  datalist.replaceChildren(...values.map((value) => h("option", { value: String(value) })));
}

async function load(query) {
  const tbody = $("#articles tbody");
  const summary = $("#list-summary");
  const pager = $("#pager");
  const params = new URLSearchParams(query);
  summary.textContent = "Loading…";
  let data;
  try {
    data = await api.get(`/admin/api/articles?${params}`);
  } catch (error) {
    summary.textContent = error.message;
    summary.classList.add("error");
    return;
  }
  summary.classList.remove("error");
  const rows = data.articles || [];
  const total = data.total ?? rows.length;
  const page = data.page || 1;
  const perPage = data.per_page || rows.length || 1;
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (total === 0) {
    summary.textContent = query.q || query.status || query.section || query.author
      ? "No article matches these filters."
      : "No articles yet. Start one with “New article”.";
  } else {
    const first = (page - 1) * perPage + 1;
    const last = first + rows.length - 1;
    summary.textContent = `${first}–${last} of ${total} articles`;
  }
  tbody.replaceChildren(
    ...rows.map((article) => {
      const href = `/admin/articles/${encodeURIComponent(article.slug)}`;
      return h(
        "tr",
        { dataset: { slug: article.slug } },
        h("td", { class: "headline" }, h("a", { href, text: article.headline || article.slug })),
        h("td", {}, h("span", { class: `status status-${article.status}`, text: statusLabel(article.status) })),
        h("td", { text: (article.sections || article.categories || []).join(", ") }),
        h("td", { text: (article.authors || []).join(", ") }),
        h("td", { class: "when" }, h("time", { datetime: article.updated || "", text: formatTime(article.updated) })),
      );
    }),
  );
  fillChoices($("#section-choices"), data.sections);
  fillChoices($("#author-choices"), data.authors_known || data.all_authors);
  pager.replaceChildren();
  if (pages > 1) {
    const link = (label, target, rel) =>
      target < 1 || target > pages
        ? h("span", { class: "disabled", text: label })
        : h("a", { href: listUrl({ ...query, page: String(target) }), rel, text: label });
    pager.append(
      link("← Newer", page - 1, "prev"),
      h("span", { class: "where", text: `Page ${page} of ${pages}` }),
      link("Older →", page + 1, "next"),
    );
  }
}

export function startList() {
  const form = $("#filters");
  const query = currentQuery();
  fillForm(form, query);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = {};
    const kept = currentQuery().per_page;
    if (kept) next.per_page = kept;
    for (const key of ["q", "status", "section", "author"]) {
      const value = form.elements.namedItem(key).value.trim();
      if (value) next[key] = value;
    }
    history.pushState(null, "", listUrl(next));
    load(next);
  });
  form.elements.namedItem("status").addEventListener("change", () => form.requestSubmit());
  window.addEventListener("popstate", () => {
    const again = currentQuery();
    fillForm(form, again);
    load(again);
  });
  load(query);
}
