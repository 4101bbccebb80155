// Business: the numbers the network knows, and for the one picked its offline queue and the
// webhook journal of its coreapp (each POST, its payload, the answer, the retries) with
// "retry now", "redeliver" and "clear".

import * as api from "./api.js";
import { ask, clear, count, debounce, h, phone, stamp, throttle, toast } from "./dom.js";

const JOURNAL = 50;

export class Business {
  constructor(app) {
    this.app = app;
    this.accounts = h("div", { class: "cards accounts" });
    this.queue = h("div", { class: "panel queue" });
    this.journal = h("div", { class: "panel journal" });
    this.root = h(
      "section",
      { class: "business view" },
      h("h2", { text: "Business numbers" }),
      this.accounts,
      this.queue,
      this.journal,
    );
    this.refresh = debounce(() => this.load(), 300);
    this.refreshJournal = throttle(() => this.loadJournal(), 1000);
  }

  show() {
    this.load();
  }

  onEvent(event) {
    if (event.type === "webhooks" && event.business === this.app.business) this.refreshJournal();
    else if (["changed", "reload"].includes(event.type)) this.refresh();
  }

  stateChanged() {
    this.renderAccounts();
  }

  async load() {
    this.renderAccounts();
    await Promise.all([this.loadQueue(), this.loadJournal()]);
  }

  renderAccounts() {
    const online = new Set(this.app.health.sessions.map((s) => s.wa_id).filter(Boolean));
    clear(
      this.accounts,
      this.app.accounts.length === 0
        ? h("p", { class: "muted", text: "No business number yet: register one with POST /v1/account (the README's walkthrough)." })
        : this.app.accounts.map((a) =>
          h(
            "article",
            {
              class: `card${a.wa_id === this.app.business ? " active" : ""}`,
              dataset: { business: a.wa_id },
            },
            h("b", { text: a.vname || "(no display name)" }),
            h("div", { class: "mono", text: phone(a.wa_id) }),
            h(
              "div",
              {},
              h("span", { class: `chip ${a.registered ? "ok" : ""}`, text: a.registered ? "registered" : "not registered" }),
              h("span", { class: `chip ${online.has(a.wa_id) ? "ok" : "off"}`, text: online.has(a.wa_id) ? "coreapp logged in" : "coreapp away" }),
              a.two_step ? h("span", { class: "chip", text: "two-step PIN" }) : null,
              a.code_pending ? h("button", { text: "Show code", onclick: () => this.showCode(a.wa_id) }) : null,
            ),
            a.wa_id === this.app.business
              ? h("small", { class: "muted", text: "shown below" })
              : h("button", { text: "Show", onclick: () => this.app.pick(a.wa_id) }),
          )),
    );
  }

  async showCode(waId) {
    try {
      const found = await api.get(`/accounts/${waId}/code`);
      toast(`Registration code for ${phone(waId)}: ${found.code} (${found.method})`);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async loadQueue() {
    const business = this.app.business;
    if (!business) return clear(this.queue);
    try {
      const state = await api.get(`/accounts/${business}/offline`);
      const backlog = state.backlog;
      clear(
        this.queue,
        h("h3", { text: `Queue of ${phone(business)} at the network` }),
        h(
          "p",
          {},
          `${count(state.queued)} item(s) wait for the coreapp; `,
          state.hold ? "held open" : "not held",
          state.per_second ? `, handed over at ${state.per_second}/s` : ", handed over at once",
          backlog ? `. Its login found ${count(backlog.queued_at_login)}, ${count(backlog.left)} left.` : ".",
        ),
        h("button", { text: "Hold, rate…", onclick: () => this.feed(business, state) }),
      );
    } catch (error) {
      clear(this.queue, h("p", { class: "error", text: error.message }));
    }
  }

  async feed(business, state) {
    const values = await ask(`Offline queue of ${phone(business)}`, [
      ["hold", "Hold the offline phase open (no offline.complete)", { type: "checkbox", value: state.hold }],
      ["per_second", "Items a second (empty: all at once)", { type: "number", min: 0, max: 10000, step: "any", value: state.per_second ?? "" }],
    ], "Apply");
    if (!values) return;
    const body = { hold: values.hold };
    if (values.per_second !== "") body.per_second = Number(values.per_second);
    try {
      await api.put(`/accounts/${business}/offline`, body);
      await this.loadQueue();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async loadJournal() {
    const business = this.app.business;
    if (!business) return clear(this.journal);
    const base = `/businesses/${business}/webhooks`;
    const actions = h(
      "div",
      { class: "toolbar" },
      h("button", { class: "retry", text: "Retry waiting now", onclick: () => this.act(() => api.post(`${base}/retry`), (r) => `${r.retried} notification(s) due now`) }),
      h("button", { class: "clear danger", text: "Clear journal", onclick: () => this.act(() => api.del(`${base}/attempts`), (r) => `${r.cleared} attempt(s) forgotten`) }),
      h("button", { text: "Refresh", onclick: () => this.loadJournal() }),
    );
    let journal;
    try {
      journal = await api.get(`${base}/attempts?limit=${JOURNAL}`);
    } catch (error) {
      clear(this.journal, h("h3", { text: "Webhook deliveries" }), h("p", { class: "muted", text: error.message }));
      return;
    }
    clear(
      this.journal,
      h("h3", { text: "Webhook deliveries" }),
      h(
        "p",
        { class: "pending", dataset: { pending: journal.pending } },
        `${count(journal.pending)} notification(s) waiting in the outbox`,
        journal.next_attempt_at ? `, next attempt ${stamp(journal.next_attempt_at)}` : "",
        ".",
      ),
      actions,
      journal.attempts.length === 0
        ? h("p", { class: "muted", text: "No POST journalled." })
        : h("ol", { class: "attempts" }, journal.attempts.map((a) => this.attempt(base, a))),
    );
  }

  attempt(base, a) {
    const ok = a.error === null;
    return h(
      "li",
      { class: `attempt ${ok ? "ok" : "failed"}`, dataset: { attempt: a.id } },
      h(
        "details",
        {},
        h(
          "summary",
          {},
          h("span", { class: `chip ${ok ? "ok" : "off"}`, text: a.status_code ?? "no answer" }),
          h("time", { text: stamp(a.time) }),
          h("span", { text: ` ${a.events} event(s) · ${a.duration_ms} ms ` }),
          h("span", { class: "mono url", text: a.url }),
          a.error ? h("div", { class: "error", text: a.error }) : null,
          a.next_retry_at ? h("div", { class: "muted", text: `retry at ${stamp(a.next_retry_at)}` }) : null,
          a.given_up ? h("div", { class: "error", text: `${a.given_up} given up (retry horizon)` }) : null,
        ),
        h("pre", { class: "payload", text: JSON.stringify(a.payload, null, 2) }),
        h("button", {
          class: "redeliver",
          text: "Redeliver",
          onclick: () => this.act(() => api.post(`${base}/attempts/${a.id}/redeliver`), () => `POST ${a.id} queued again`),
        }),
      ),
    );
  }

  async act(work, done) {
    try {
      const result = await work();
      toast(done(result));
    } catch (error) {
      toast(error.message, "error");
    }
    await this.loadJournal();
  }
}
