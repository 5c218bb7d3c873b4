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

async function send(method, url, body, isForm) {
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
