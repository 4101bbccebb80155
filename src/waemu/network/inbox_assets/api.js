// The control API, from the page: every action of the inbox is one of its requests
// (docs/network.md), and the live events come from its /events stream.

async function request(method, path, body) {
  const options = { method, headers: {} };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) {
    const error = new Error(describe(response.status, data));
    error.status = response.status;
    throw error;
  }
  return data;
}

function describe(status, data) {
  const detail = data && typeof data === "object" ? data.detail : data;
  if (Array.isArray(detail)) {
    return `${status}: ` + detail
      .map((item) => `${(item.loc || []).filter((p) => p !== "body").join(".")}: ${item.msg}`)
      .join("; ");
  }
  return `${status}: ${detail || "request failed"}`;
}

export const get = (path) => request("GET", path);
export const post = (path, body = {}) => request("POST", path, body);
export const put = (path, body = {}) => request("PUT", path, body);
export const patch = (path, body = {}) => request("PATCH", path, body);
export const del = (path) => request("DELETE", path);

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export const mediaUrl = (business, id) =>
  `/businesses/${encodeURIComponent(business)}/media/${encodeURIComponent(id)}`;

// Server-sent events; ``onEvent`` gets every event, ``onState`` true/false as the stream
// opens and drops (the browser reconnects by itself, and "hello" starts every stream).
export function listen(onEvent, onState) {
  const source = new EventSource("/events");
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  source.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    onEvent(event);
  };
  return source;
}
