// Small DOM helpers: element building, WhatsApp text formatting, times and numbers.
// Text from messages is only ever set as text (never as HTML).

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else if (key === "value" || key === "checked") el[key] = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  add(el, children);
  return el;
}

export function add(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el, ...children) {
  el.replaceChildren();
  return add(el, children);
}

// WhatsApp's formatting: *bold*, _italic_, ~strikethrough~, ```monospace``` and `code`.
// A marker opens after a space or punctuation and closes before one, around non-blank text.
const RULES = [
  { tag: "code", cls: "block", raw: true, re: /(^|[^\p{L}\p{N}`])```([\s\S]+?)```(?=$|[^\p{L}\p{N}`])/u },
  { tag: "code", raw: true, re: /(^|[^\p{L}\p{N}`])`([^`\n]+)`(?=$|[^\p{L}\p{N}`])/u },
  { tag: "strong", re: /(^|[^\p{L}\p{N}*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?=$|[^\p{L}\p{N}*])/u },
  { tag: "em", re: /(^|[^\p{L}\p{N}_])_(?!\s)([^_\n]+?)(?<!\s)_(?=$|[^\p{L}\p{N}_])/u },
  { tag: "del", re: /(^|[^\p{L}\p{N}~])~(?!\s)([^~\n]+?)(?<!\s)~(?=$|[^\p{L}\p{N}~])/u },
];

export function formatted(text) {
  const out = document.createDocumentFragment();
  format(String(text ?? ""), out);
  return out;
}

function format(text, into) {
  while (text) {
    let best = null;
    for (const rule of RULES) {
      const match = rule.re.exec(text);
      if (!match) continue;
      const at = match.index + match[1].length;
      if (best === null || at < best.at) best = { rule, match, at };
    }
    if (best === null) {
      into.append(text);
      return;
    }
    into.append(text.slice(0, best.at));
    const el = document.createElement(best.rule.tag);
    if (best.rule.cls) el.className = best.rule.cls;
    if (best.rule.raw) el.textContent = best.match[2];
    else format(best.match[2], el);
    into.append(el);
    text = text.slice(best.match.index + best.match[0].length);
  }
}

export function seconds(value) {
  const number = Number(value);
  return Number.isFinite(number) ? number : 0;
}

export function clock(timestamp) {
  const when = new Date(seconds(timestamp) * 1000);
  return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function stamp(timestamp) {
  if (timestamp === null || timestamp === undefined) return "";
  const when = typeof timestamp === "string" && !/^\d+$/.test(timestamp)
    ? new Date(timestamp)
    : new Date(seconds(timestamp) * 1000);
  return when.toLocaleString([], { dateStyle: "short", timeStyle: "medium" });
}

export function count(n) {
  return Number(n).toLocaleString("en-US");
}

export function phone(waId) {
  const digits = String(waId ?? "");
  if (digits.length === 11 && digits.startsWith("1")) {
    return `+1 ${digits.slice(1, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`;
  }
  return digits ? `+${digits}` : "";
}

export function initials(name) {
  const words = String(name || "?").trim().split(/\s+/);
  return words.slice(0, 2).map((w) => w[0] || "").join("").toUpperCase() || "?";
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

// At most one call per ``ms``, the last one always made (lists under a stream of events).
export function throttle(fn, ms) {
  let timer = null;
  let again = false;
  const run = () => {
    timer = setTimeout(() => {
      timer = null;
      if (again) {
        again = false;
        run();
      }
    }, ms);
    fn();
  };
  return () => {
    if (timer === null) run();
    else again = true;
  };
}

export function toast(text, kind = "info") {
  const box = document.getElementById("toasts");
  const el = h("div", { class: `toast ${kind}`, role: "status", text });
  box.append(el);
  setTimeout(() => el.remove(), kind === "error" ? 8000 : 3500);
}

// A modal form: fields are [name, label, {type, value, ...attrs}]; resolves to the values
// (strings, or booleans for checkboxes) or null when cancelled.
export function ask(title, fields, submit = "Save") {
  return new Promise((resolve) => {
    const inputs = {};
    const rows = fields.map(([name, label, options = {}]) => {
      const { type = "text", value, hint, ...rest } = options;
      const input = h("input", {
        name,
        type,
        value: type === "checkbox" ? null : value ?? "",
        checked: type === "checkbox" ? Boolean(value) : null,
        ...rest,
      });
      inputs[name] = input;
      const labelled = type === "checkbox"
        ? h("label", { class: "check" }, input, " ", label)
        : h("label", {}, h("span", { text: label }), input);
      return h("div", { class: "field" }, labelled, hint ? h("small", { text: hint }) : null);
    });
    const dialog = h("dialog", { class: "form" });
    const form = h(
      "form",
      { method: "dialog" },
      h("h3", { text: title }),
      rows,
      h(
        "menu",
        {},
        h("button", { type: "button", value: "cancel", onclick: () => dialog.close("cancel") }, "Cancel"),
        h("button", { type: "submit", value: "ok", class: "primary" }, submit),
      ),
    );
    dialog.append(form);
    dialog.addEventListener("close", () => {
      const ok = dialog.returnValue === "ok";
      dialog.remove();
      if (!ok) return resolve(null);
      const values = {};
      for (const [name, input] of Object.entries(inputs)) {
        values[name] = input.type === "checkbox" ? input.checked : input.value.trim();
      }
      resolve(values);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
