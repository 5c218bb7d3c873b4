// Talking to the admin JSON API from the pages: the session cookie goes along by itself
// (same origin), the CSRF token from the page's <meta> goes in a header on every write.

export class ApiError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// After signing in again (in another tab, once the session had ended) the page's token is the
// old session's: ask the server for the current one (a same-origin read no other site can
// make) and try the request once more.
async function refreshToken() {
  try {
    const response = await fetch("/admin/api/me", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    if (!response.ok) return false;
    const data = await response.json();
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (!meta || !data.csrf_token || data.csrf_token === meta.content) return false;
    meta.content = data.csrf_token;
    for (const field of document.querySelectorAll('input[name="csrf_token"]')) field.value = data.csrf_token;
    return true;
  } catch {
    return false;
  }
}

async function send(method, url, body, isForm, retried) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  let payload;
  if (body !== undefined) {
    if (isForm) {
      payload = body;
      headers["Content-Type"] = body.type || "application/octet-stream";
    } else {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: payload,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "The server could not be reached. Your text is still here; it will be saved when the connection is back.", null);
  }
  let data = null;
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const said = (data && (data.message || data.error)) || "";
    if (response.status === 403 && method !== "GET" && !retried && /csrf/i.test(said) && (await refreshToken())) {
      return send(method, url, body, isForm, true);
    }
    if (response.status === 401 && !url.endsWith("/login")) {
      throw new ApiError(401, "You are signed out (the session expired). Sign in again in another tab, then save: your text is kept here.", data);
    }
    const message = (data && (data.message || data.error)) || `The server answered ${response.status}.`;
    throw new ApiError(response.status, message, data);
  }
  return data;
}

export const api = {
  send: (method, url, body) => send(method, url, body),
  get: (url) => send("GET", url),
  post: (url, body) => send("POST", url, body === undefined ? {} : body),
  put: (url, body) => send("PUT", url, body),
  upload: (url, file) => send("POST", url, file, true),
};

export function articleUrl(slug, tail) {
  return `/admin/api/articles/${encodeURIComponent(slug)}${tail ? "/" + tail : ""}`;
}
