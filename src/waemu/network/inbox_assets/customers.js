// Customers: the virtual customers, searched and paged on the server, with everything the
// control API offers for them as forms.

import * as api from "./api.js";
import { ask, clear, count, debounce, h, phone, toast } from "./dom.js";

const PAGE = 50;

function flags(c) {
  return [
    c.on_whatsapp ? null : "not on WhatsApp",
    c.online ? null : "offline",
    c.blocked ? "blocked" : null,
    c.reads ? null : "never reads",
    c.fail_code ? `fails ${c.fail_code}` : null,
    c.lookup_delay ? `lookup ${c.lookup_delay}s` : null,
    c.delivery_delay !== null ? `delivered after ${c.delivery_delay}s` : null,
    c.read_delay !== null ? `read after ${c.read_delay}s` : null,
  ].filter(Boolean);
}

const optionalNumber = (text) => (text === "" ? null : Number(text));

export class Customers {
  constructor(app) {
    this.app = app;
    this.page = 0;
    this.total = 0;
    this.search = h("input", {
      type: "search",
      placeholder: "Search customers by name or number",
      "aria-label": "Search customers",
      oninput: debounce(() => {
        this.page = 0;
        this.load();
      }, 250),
    });
    this.info = h("span", { class: "muted total" });
    this.pager = h("span", { class: "pager" });
    this.rows = h("tbody");
    this.root = h(
      "section",
      { class: "customers view" },
      h(
        "div",
        { class: "toolbar" },
        this.search,
        h("button", { class: "primary", text: "Add customer", onclick: () => this.add() }),
        this.info,
        this.pager,
      ),
      h(
        "table",
        { class: "grid" },
        h("thead", {}, h("tr", {}, ["Number", "Name", "Behaviour", ""].map((t) => h("th", { text: t })))),
        this.rows,
      ),
    );
    this.refresh = debounce(() => this.load(), 400);
  }

  show() {
    this.load();
  }

  onEvent(event) {
    if (event.type === "changed" || event.type === "reload") this.refresh();
  }

  async load() {
    try {
      const found = await api.get(
        `/customers${api.query({ q: this.search.value.trim(), offset: this.page * PAGE, limit: PAGE })}`,
      );
      this.total = found.total;
      this.render(found.customers);
    } catch (error) {
      this.info.textContent = error.message;
    }
  }

  render(customers) {
    const pages = Math.max(1, Math.ceil(this.total / PAGE));
    this.info.textContent = `${count(this.total)} customer${this.total === 1 ? "" : "s"}`;
    clear(
      this.pager,
      h("button", { text: "‹ Prev", disabled: this.page === 0, onclick: () => { this.page -= 1; this.load(); } }),
      h("span", { text: ` page ${this.page + 1} of ${pages} ` }),
      h("button", { text: "Next ›", disabled: this.page + 1 >= pages, onclick: () => { this.page += 1; this.load(); } }),
    );
    clear(
      this.rows,
      customers.map((c) =>
        h(
          "tr",
          { dataset: { customer: c.wa_id } },
          h("td", { class: "mono", text: phone(c.wa_id) }),
          h("td", { text: c.name }),
          h("td", {}, flags(c).map((f) => h("span", { class: "chip", text: f }))),
          h(
            "td",
            { class: "actions" },
            h("button", {
              text: "Chat",
              disabled: !this.app.business,
              title: this.app.business ? `chat with ${phone(this.app.business)}` : "no business number registered",
              onclick: () => { location.hash = `#/chats/${this.app.business}/${c.wa_id}`; },
            }),
            h("button", { text: "Edit", onclick: () => this.edit(c) }),
            h("button", { text: "New identity", onclick: () => this.rotate(c) }),
            h("button", { text: "Change number", onclick: () => this.renumber(c) }),
            h("button", { class: "danger", text: "Delete", onclick: () => this.remove(c) }),
          ),
        ),
      ),
    );
  }

  async act(work, done) {
    try {
      const result = await work();
      if (done) toast(typeof done === "function" ? done(result) : done);
      await this.load();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async add() {
    const values = await ask("Add a customer", [
      ["wa_id", "WhatsApp id (country code and number)", { required: true, pattern: "[1-9][0-9]{6,14}", value: "" }],
      ["name", "Name", { required: true, value: "" }],
      ["on_whatsapp", "On WhatsApp", { type: "checkbox", value: true }],
      ["lookup_delay", "Contact check takes (seconds)", { type: "number", min: 0, max: 600, step: "any", value: "0" }],
    ], "Add");
    if (!values) return;
    const body = { ...values, lookup_delay: Number(values.lookup_delay || 0) };
    await this.act(() => api.put(`/customers/${values.wa_id}`, body), `Added ${values.name}`);
  }

  async edit(c) {
    const values = await ask(`Edit ${c.name}`, [
      ["name", "Name", { required: true, value: c.name }],
      ["on_whatsapp", "On WhatsApp", { type: "checkbox", value: c.on_whatsapp }],
      ["online", "Online (offline: messages wait)", { type: "checkbox", value: c.online }],
      ["reads", "Reads messages", { type: "checkbox", value: c.reads }],
      ["blocked", "Blocked the business", { type: "checkbox", value: c.blocked }],
      ["lookup_delay", "Contact check takes (seconds)", { type: "number", min: 0, max: 600, step: "any", value: c.lookup_delay }],
      ["delivery_delay", "Delivered after (seconds; empty: realistic)", { type: "number", min: 0, step: "any", value: c.delivery_delay ?? "" }],
      ["read_delay", "Read after (seconds; empty: realistic)", { type: "number", min: 0, step: "any", value: c.read_delay ?? "" }],
      ["fail_code", "Every message fails with code (empty: none)", { type: "number", min: 1, value: c.fail_code ?? "" }],
    ]);
    if (!values) return;
    const body = {
      ...values,
      lookup_delay: Number(values.lookup_delay || 0),
      delivery_delay: optionalNumber(values.delivery_delay),
      read_delay: optionalNumber(values.read_delay),
      fail_code: values.fail_code === "" ? 0 : Number(values.fail_code),
    };
    await this.act(() => api.patch(`/customers/${c.wa_id}`, body), `Saved ${values.name}`);
  }

  async rotate(c) {
    await this.act(
      () => api.post(`/customers/${c.wa_id}/identity/rotate`),
      (result) => `${c.name} has a new identity ${result.identity}`,
    );
  }

  async renumber(c) {
    const values = await ask(`New number for ${c.name}`, [
      ["new_wa_id", "New WhatsApp id", { required: true, pattern: "[1-9][0-9]{6,14}", value: "" }],
    ], "Change");
    if (!values) return;
    await this.act(() => api.post(`/customers/${c.wa_id}/change-number`, values), `${c.name} is now ${phone(values.new_wa_id)}`);
  }

  async remove(c) {
    if (!window.confirm(`Delete ${c.name} (${phone(c.wa_id)})?`)) return;
    await this.act(() => api.del(`/customers/${c.wa_id}`), `Deleted ${c.name}`);
  }
}
