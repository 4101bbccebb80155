// The web inbox of the simulated WhatsApp network (docs/inbox.md): routes, the state every
// view shares (accounts, connections, switches), and the live event stream.

import * as api from "./api.js";
import { Business } from "./business.js";
import { Chats } from "./chats.js";
import { Customers } from "./customers.js";
import { clear, h, phone, throttle, toast } from "./dom.js";
import { Network } from "./network.js";

class App {
  constructor() {
    this.accounts = [];
    this.health = { sessions: [], outage: false };
    this.switchState = null;
    this.business = localStorage.getItem("waemu.business") || "";
    this.views = {
      chats: new Chats(this),
      customers: new Customers(this),
      business: new Business(this),
      network: new Network(this),
    };
    this.current = null;
    this.main = document.getElementById("main");
    this.select = document.getElementById("business");
    this.live = document.getElementById("live");
    this.outage = document.getElementById("outage");
    this.select.addEventListener("change", () => this.pick(this.select.value));
    window.addEventListener("hashchange", () => this.route());
    // Accounts, connections and switches again; then the view redraws what shows them.
    this.refreshState = throttle(async () => {
      try {
        await this.reloadState();
      } catch {
        return; // the stream's next event tries again
      }
      this.current?.stateChanged?.();
    }, 500);
  }

  async start() {
    try {
      await this.reloadState();
    } catch (error) {
      toast(error.message, "error");
    }
    this.route();
    api.listen((event) => this.onEvent(event), (up) => this.setLive(up));
  }

  async reloadState() {
    const [accounts, health, switches] = await Promise.all([
      api.get("/accounts"),
      api.get("/health"),
      api.get("/switches"),
    ]);
    this.accounts = accounts.accounts.sort((a, b) => Number(b.registered) - Number(a.registered));
    this.health = health;
    this.switchState = switches;
    if (!this.accounts.some((a) => a.wa_id === this.business)) {
      this.business = this.accounts[0]?.wa_id || "";
    }
    this.renderTop();
  }

  renderTop() {
    clear(
      this.select,
      this.accounts.length === 0 ? h("option", { value: "", text: "no business number yet" }) : null,
      this.accounts.map((a) =>
        h("option", { value: a.wa_id, text: `${phone(a.wa_id)} · ${a.vname || "?"}${a.registered ? "" : " (not registered)"}` })),
    );
    this.select.value = this.business;
    this.outage.hidden = !this.switchState?.outage;
  }

  pick(waId) {
    this.business = waId;
    localStorage.setItem("waemu.business", waId);
    this.renderTop();
    if (this.current) this.current.show(this.args || []);
  }

  route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    const name = this.views[parts[0]] ? parts[0] : "chats";
    const view = this.views[name];
    if (this.current !== view) {
      this.main.replaceChildren(view.root);
      this.current = view;
    }
    for (const link of document.querySelectorAll("nav a")) {
      link.classList.toggle("active", link.dataset.view === name);
    }
    this.args = parts.slice(1);
    view.show(this.args);
  }

  setLive(up) {
    this.live.dataset.live = String(up);
    this.live.textContent = up ? "● live" : "○ reconnecting";
  }

  onEvent(event) {
    if (event.type === "hello") {
      this.setLive(true);
      event = { type: "reload" }; // a new stream: whatever happened meanwhile is read again
    }
    if (["changed", "health", "reload"].includes(event.type)) this.refreshState();
    this.current?.onEvent(event);
  }
}

new App().start();
