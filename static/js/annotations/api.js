// JSON over fetch, with Django's CSRF token read from its cookie (the page is the same
// for every viewer, so it cannot carry a token of its own).

import { S } from "./store.js";

function cookie(name) {
  const prefix = name + "=";
  for (const part of document.cookie.split(";")) {
    const item = part.trim();
    if (item.startsWith(prefix)) return decodeURIComponent(item.slice(prefix.length));
  }
  return null;
}

export function csrfToken() {
  const token = cookie("csrftoken");
  if (token) return token;
  // Pages rendered with a token in <body hx-headers> (before the cookie is set).
  try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
}

// Resolves with the JSON answer (null for 204); rejects with an Error whose message is the
// server's ``detail`` or a generic "Something went wrong".
export async function api(method, url, body) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const json = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(json.detail || S.failed);
  return json;
}
