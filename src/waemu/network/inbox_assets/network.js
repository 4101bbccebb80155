// Network: the connections and every switch of the simulated network, each bound to the
// control-API endpoint that changes it.

import * as api from "./api.js";
import { clear, h, phone, toast } from "./dom.js";

const TOGGLES = [
  ["outage", "Outage", "every coreapp connection is dropped and refused", (on) => api.put("/outage", { active: on })],
  ["registration_blocked", "Registration blocked", "POST /v1/account answers 403/1005 (the sunset)", (on) => api.put("/registration/blocked", { active: on })],
  ["realistic_statuses", "Realistic statuses", "now and then a repeated receipt or a late delivered", (on) => api.put("/settings", { realistic_statuses: on })],
  ["auto_create_customers", "Unknown numbers become customers", "a contact check of a new number creates it", (on) => api.put("/settings", { auto_create_customers: on })],
  ["templates_unavailable", "Template loads fail", "coreapps logging in stay not ready (2002)", (on) => api.put("/templates/unavailable", { active: on })],
];

export class Network {
  constructor(app) {
    this.app = app;
    this.switches = h("div", { class: "panel switches" });
    this.feeds = h("div", { class: "panel feeds" });
    this.chatter = h("div", { class: "panel chatter" });
    this.sessions = h("div", { class: "panel sessions" });
    this.root = h("section", { class: "network view" }, this.switches, this.feeds, this.chatter, this.sessions);
  }

  show() {
    this.render();
  }

  onEvent() {
    // Everything shown here is the app's shared state: redrawn by stateChanged.
  }

  stateChanged() {
    this.render();
  }

  async act(work) {
    try {
      await work();
    } catch (error) {
      toast(error.message, "error");
    }
    await this.app.reloadState();
    this.render();
  }

  render() {
    const state = this.app.switchState;
    if (!state) return;
    clear(
      this.switches,
      h("h3", { text: "Switches" }),
      TOGGLES.map(([key, label, hint, change]) =>
        h(
          "label",
          { class: "switch", dataset: { switch: key } },
          h("input", {
            type: "checkbox",
            role: "switch",
            checked: Boolean(state[key]),
            onchange: (event) => this.act(() => change(event.target.checked)),
          }),
          h("span", { class: "label", text: label }),
          h("small", { class: "muted", text: hint }),
        ),
      ),
      h(
        "form",
        {
          class: "inline",
          dataset: { switch: "templates_delay" },
          onsubmit: (event) => {
            event.preventDefault();
            const seconds = Number(new FormData(event.target).get("seconds") || 0);
            this.act(() => api.put("/templates/delay", { seconds }));
          },
        },
        h("span", { class: "label", text: "Template loads take" }),
        h("input", { name: "seconds", type: "number", min: 0, max: 600, step: "any", value: state.templates_delay }),
        " s ",
        h("button", { text: "Apply" }),
      ),
    );
    this.renderFeeds(state);
    this.renderChatter(state);
    this.renderSessions();
  }

  renderFeeds(state) {
    clear(
      this.feeds,
      h("h3", { text: "Offline queues" }),
      this.app.accounts.length === 0 ? h("p", { class: "muted", text: "No business number yet." }) : null,
      this.app.accounts.map((a) => {
        const feed = state.offline[a.wa_id] || { hold: false, per_second: null };
        return h(
          "form",
          {
            class: "inline",
            dataset: { business: a.wa_id },
            onsubmit: (event) => {
              event.preventDefault();
              const form = new FormData(event.target);
              const body = { hold: form.get("hold") === "on" };
              if (form.get("per_second")) body.per_second = Number(form.get("per_second"));
              this.act(() => api.put(`/accounts/${a.wa_id}/offline`, body));
            },
          },
          h("span", { class: "mono label", text: phone(a.wa_id) }),
          h("label", { class: "check" }, h("input", { type: "checkbox", name: "hold", checked: feed.hold }), " hold open"),
          h("input", { name: "per_second", type: "number", min: 0, max: 10000, step: "any", placeholder: "all at once", value: feed.per_second ?? "" }),
          " items/s ",
          h("button", { text: "Apply" }),
        );
      }),
    );
  }

  renderChatter(state) {
    const businesses = this.app.accounts.filter((a) => a.registered);
    clear(
      this.chatter,
      h("h3", { text: "Chatter: a customer who keeps writing" }),
      state.chatters.length
        ? h(
          "ul",
          {},
          state.chatters.map((c) =>
            h(
              "li",
              { dataset: { chatter: c.customer } },
              `${phone(c.customer)}: ${c.per_second}/s, ${c.sent} sent${c.count ? ` of ${c.count}` : ""}${c.running ? "" : " (done)"} `,
              h("button", { text: "Stop", onclick: () => this.act(() => api.del(`/customers/${c.customer}/chatter`)) }),
            )),
        )
        : h("p", { class: "muted", text: "Nobody chatters." }),
      h(
        "form",
        {
          class: "inline",
          onsubmit: (event) => {
            event.preventDefault();
            const form = new FormData(event.target);
            const body = { per_second: Number(form.get("per_second")), business: form.get("business") };
            if (form.get("count")) body.count = Number(form.get("count"));
            if (form.get("body")) body.body = form.get("body");
            this.act(() => api.post(`/customers/${form.get("customer")}/chatter`, body));
          },
        },
        h("input", { name: "customer", placeholder: "customer wa_id", required: true, pattern: "[0-9]{7,15}", value: "16315551001" }),
        h("select", { name: "business", required: true }, businesses.map((a) => h("option", { value: a.wa_id, text: phone(a.wa_id) }))),
        h("input", { name: "per_second", type: "number", min: 0.01, max: 100, step: "any", value: 1, required: true }),
        " /s ",
        h("input", { name: "count", type: "number", min: 1, placeholder: "count (empty: until stopped)" }),
        h("input", { name: "body", placeholder: "text (chatter)" }),
        h("button", { text: "Start", disabled: businesses.length === 0 }),
      ),
    );
  }

  renderSessions() {
    const sessions = this.app.health.sessions;
    clear(
      this.sessions,
      h("h3", { text: "Coreapp connections" }),
      sessions.length
        ? h(
          "table",
          { class: "grid" },
          h("tbody", {}, sessions.map((s) => h("tr", {}, h("td", { class: "mono", text: s.client_id }), h("td", { text: s.wa_id ? phone(s.wa_id) : "not logged in" })))),
        )
        : h("p", { class: "muted", text: "No coreapp is connected." }),
      h("button", { text: "Drop every connection", onclick: () => this.act(() => api.post("/connections/drop", {})) }),
    );
  }
}
