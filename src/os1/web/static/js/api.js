// The REST API: JSON in and out, the session cookie, and the CSRF token on every change.
const TIMEOUT_MS = 60000;
let csrf = null;

export function setCsrf(token) { csrf = token || null; }

export class ApiError extends Error {
  constructor(status, code, message, hint) {
    super(message);
    this.status = status;
    this.code = code;
    this.hint = hint || "";
  }
}

function describe(detail) {
  if (!Array.isArray(detail)) return String(detail);
  return detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ");
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", signal: AbortSignal.timeout(TIMEOUT_MS),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const e = data && data.error;
    if (e) throw new ApiError(response.status, e.code, e.message, e.hint);
    const message = data && data.detail ? describe(data.detail) : response.statusText;
    throw new ApiError(response.status, `http.${response.status}`, message);
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const del = (path) => api("DELETE", path);

// The message to show for a failed call.
export function explain(err) {
  if (err instanceof ApiError) return err.hint ? `${err.message} (${err.hint})` : err.message;
  if (err && err.name === "TimeoutError") return "The server took too long to answer; try again.";
  return "Could not reach OS1. Is the server running?";
}
