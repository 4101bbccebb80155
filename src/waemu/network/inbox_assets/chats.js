// Chats: the list of conversations (paged, searched on the server) and one conversation as
// the customer's phone shows it, with a composer to answer as the customer. Every answer is
// a POST /customers/{wa_id}/messages of the control API.

import * as api from "./api.js";
import { clear, clock, count, debounce, h, initials, phone, stamp, throttle, toast } from "./dom.js";
import { answering } from "./composer.js";
import { icon } from "./icons.js";
import { message, preview, ticks } from "./render.js";

const PAGE = 50;
const LIVE_LIMIT = 300; // messages a chat following the newest keeps in the page
const TICK_ORDER = { sent: 1, delivered: 2, read: 3 }; // a tick never goes back
const path = (business, customer) =>
  `/conversations/${encodeURIComponent(business)}/${encodeURIComponent(customer)}`;

export class Chats {
  constructor(app) {
    this.app = app;
    this.items = [];
    this.total = 0;
    this.chat = null;
    this.search = h("input", {
      type: "search",
      placeholder: "Search chats by name or number",
      "aria-label": "Search chats",
      oninput: debounce(() => this.loadList(), 250),
    });
    this.info = h("div", { class: "muted small list-info" });
    this.list = h("ul", { class: "chat-list", onscroll: () => this.listScrolled() });
    this.pane = h("div", { class: "chat-pane" });
    this.root = h(
      "section",
      { class: "chats view" },
      h(
        "aside",
        { class: "list-pane" },
        h("div", { class: "list-head" }, this.search, h("a", { class: "button", href: "#/customers", text: "New chat" })),
        this.info,
        this.list,
      ),
      this.pane,
    );
    this.refreshList = throttle(() => this.loadList(), 1000);
  }

  show(args) {
    this.loadList();
    if (args.length >= 2) this.open(args[0], args[1]);
    else if (!this.chat) this.empty();
  }

  empty() {
    this.chat = null;
    clear(
      this.pane,
      h("div", { class: "placeholder-pane" }, h("p", { text: "Pick a chat, or open one from Customers." }),
        this.app.accounts.some((a) => a.registered)
          ? null
          : h("p", { class: "muted", text: "No business number is registered yet: register one with POST /v1/account (README walkthrough)." })),
    );
  }

  // -- the list -----------------------------------------------------------------------------

  async loadList(more = false) {
    const offset = more ? this.items.length : 0;
    if (more && this.loadingMore) return;
    this.loadingMore = more;
    try {
      const found = await api.get(
        `/conversations${api.query({ business: this.app.business || null, q: this.search.value.trim(), offset, limit: PAGE })}`,
      );
      this.total = found.total;
      this.items = more ? [...this.items, ...found.conversations] : found.conversations;
      this.renderList();
    } catch (error) {
      this.info.textContent = error.message;
    } finally {
      this.loadingMore = false;
    }
  }

  listScrolled() {
    const box = this.list;
    if (box.scrollTop + box.clientHeight > box.scrollHeight - 80 && this.items.length < this.total) {
      this.loadList(true);
    }
  }

  renderList() {
    this.info.textContent = `${count(this.total)} chat${this.total === 1 ? "" : "s"}`;
    const open = this.chat;
    clear(
      this.list,
      this.items.map((item) => {
        const last = item.last || {};
        const active = open && open.business === item.business && open.customer === item.customer;
        return h(
          "li",
          {},
          h(
            "a",
            {
              href: `#/chats/${item.business}/${item.customer}`,
              class: `chat-item${active ? " active" : ""}`,
              dataset: { customer: item.customer, business: item.business },
            },
            h("span", { class: "avatar", text: initials(item.name) }),
            h(
              "span",
              { class: "who" },
              h("b", { text: item.name || phone(item.customer) }),
              h(
                "span",
                { class: "last" },
                last.direction === "to_customer" ? ticks(last.status) : null,
                ` ${last.preview || ""}`,
              ),
            ),
            h(
              "span",
              { class: "when" },
              h("time", { text: last.timestamp ? clock(last.timestamp) : "" }),
              item.window.open ? h("span", { class: "dot", title: "24-hour window open" }) : null,
              this.app.accounts.length > 1 ? h("small", { text: phone(item.business) }) : null,
            ),
          ),
        );
      }),
      this.items.length < this.total
        ? h("li", {}, h("button", { class: "more", text: "Load more", onclick: () => this.loadList(true) }))
        : null,
    );
  }

  // -- one conversation ---------------------------------------------------------------------

  async open(business, customer) {
    const chat = {
      business,
      customer,
      entries: new Map(),
      order: [],
      more: false,
      loading: false,
      replyTo: null,
      info: null,
      loaded: false,
      early: [], // events that came while the first page loaded
    };
    this.chat = chat;
    this.renderList();
    chat.head = h("header", { class: "chat-head" });
    chat.box = h("div", { class: "messages", onscroll: () => this.scrolled() });
    chat.older = h("button", { class: "older", hidden: true, text: "Load older messages", onclick: () => this.loadOlder() });
    chat.box.append(chat.older);
    chat.replying = h("div", { class: "replying", hidden: true });
    chat.text = h("textarea", {
      rows: 1,
      name: "text",
      placeholder: "Type a message",
      "aria-label": "Message",
      onkeydown: (event) => {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          this.sendText();
        }
      },
    });
    chat.menu = this.attachMenu();
    clear(
      this.pane,
      h(
        "div",
        { class: "phone", dataset: { business, customer } },
        chat.head,
        chat.box,
        h(
          "footer",
          { class: "composer" },
          chat.replying,
          chat.menu,
          h(
            "div",
            { class: "row" },
            h("button", { class: "attach", title: "Attach", "aria-label": "Attach", onclick: () => { chat.menu.hidden = !chat.menu.hidden; } }, icon("clip")),
            chat.text,
            h("button", { class: "send primary", text: "Send", onclick: () => this.sendText() }),
          ),
        ),
      ),
    );
    try {
      const [info, page] = await Promise.all([
        api.get(path(business, customer)),
        api.get(`${path(business, customer)}/messages?limit=${PAGE}`),
      ]);
      if (this.chat !== chat) return;
      chat.info = info;
      this.renderHead();
      chat.more = page.more;
      for (const entry of page.messages) this.place(entry);
      chat.older.hidden = !chat.more;
      chat.box.scrollTop = chat.box.scrollHeight;
      chat.loaded = true;
      for (const event of chat.early.splice(0)) this.onEvent(event);
      this.fill();
    } catch (error) {
      clear(chat.box, h("p", { class: "error", text: error.message }));
    }
  }

  async refreshHead() {
    const chat = this.chat;
    if (!chat) return;
    try {
      chat.info = await api.get(path(chat.business, chat.customer));
      if (this.chat === chat) this.renderHead();
    } catch {
      // the customer may be gone (deleted, moved): the list tells
    }
  }

  renderHead() {
    const chat = this.chat;
    const info = chat.info;
    const profile = info.profile || {};
    const window = info.window;
    const conversation = info.conversation;
    const flags = [
      profile.on_whatsapp === false ? "not on WhatsApp" : null,
      profile.online === false ? "offline" : null,
      profile.blocked ? "blocked the business" : null,
      profile.reads === false ? "never reads" : null,
      profile.fail_code ? `fails with ${profile.fail_code}` : null,
    ].filter(Boolean);
    chat.text.placeholder = `Type a message as ${profile.name || phone(chat.customer)}`;
    clear(
      chat.head,
      h("span", { class: "avatar", text: initials(profile.name) }),
      h(
        "div",
        { class: "who" },
        h("b", { text: profile.name || phone(chat.customer) }),
        h("small", { text: `${phone(chat.customer)} · with ${phone(chat.business)}` }),
        flags.length ? h("small", { class: "flags", text: flags.join(" · ") }) : null,
      ),
      h(
        "div",
        { class: "window" },
        h("span", {
          class: `badge ${window.open ? "ok" : "off"}`,
          dataset: { window: window.open ? "open" : "closed" },
          text: window.open ? `24-hour window open until ${stamp(window.expires_at)}` : "24-hour window closed: templates only",
          title: window.last_customer_message ? `last customer message ${stamp(window.last_customer_message)}` : "the customer never wrote",
        }),
        conversation
          ? h("small", { class: "muted", text: `conversation ${conversation.id.slice(0, 8)}… ${conversation.origin} until ${stamp(conversation.expires_at)}` })
          : h("small", { class: "muted", text: "no open conversation" }),
      ),
    );
  }

  view() {
    const chat = this.chat;
    return {
      mediaUrl: (id) => api.mediaUrl(chat.business, id),
      find: (id) => chat.entries.get(id),
      preview,
      reply: (entry) => this.setReply(entry),
      tap: (entry, interactive) => this.send({ type: "interactive", interactive }, entry),
      press: (entry, button) => this.send({ type: "button", button }, entry),
      pick: (entry) => this.pickFromList(entry),
      locate: (entry) => this.sendLocation(entry),
    };
  }

  place(entry, { prepend = null } = {}) {
    const chat = this.chat;
    const element = message(entry, this.view());
    const known = chat.entries.has(entry.id);
    chat.entries.set(entry.id, entry);
    if (known) {
      chat.box.querySelector(`.msg[data-id="${CSS.escape(entry.id)}"]`)?.replaceWith(element);
    } else if (prepend) {
      prepend.append(element);
    } else {
      chat.order.push(entry.id);
      chat.box.append(element);
    }
    return element;
  }

  scrolled() {
    const chat = this.chat;
    if (chat && chat.box.scrollTop < 120 && chat.more && !chat.loading) this.loadOlder();
  }

  // Too few messages to scroll: load older ones until the box is full or none are left.
  fill() {
    const chat = this.chat;
    if (chat && chat.more && !chat.loading && chat.box.scrollHeight <= chat.box.clientHeight + 40) {
      this.loadOlder();
    }
  }

  async loadOlder() {
    const chat = this.chat;
    if (!chat || chat.loading || !chat.more || chat.order.length === 0) return;
    chat.loading = true;
    try {
      const page = await api.get(
        `${path(chat.business, chat.customer)}/messages${api.query({ before: chat.order[0], limit: PAGE })}`,
      );
      if (this.chat !== chat) return;
      const height = chat.box.scrollHeight;
      const batch = document.createDocumentFragment();
      const fresh = page.messages.filter((entry) => !chat.entries.has(entry.id));
      for (const entry of fresh) this.place(entry, { prepend: batch });
      chat.order.unshift(...fresh.map((entry) => entry.id));
      chat.older.after(batch);
      chat.box.scrollTop += chat.box.scrollHeight - height;
      chat.more = page.more;
      chat.older.hidden = !chat.more;
    } catch (error) {
      toast(error.message, "error");
    } finally {
      chat.loading = false;
    }
    this.fill();
  }

  // What the stream says; messages of another chat only refresh the list.
  onEvent(event) {
    const chat = this.chat;
    const here = chat && event.customer === chat.customer && event.business === chat.business;
    if (here && !chat.loaded) {
      chat.early.push(event);
      return;
    }
    if (event.type === "message") {
      if (here) this.arrived(event.message);
      this.refreshList();
    } else if (event.type === "status") {
      if (here && chat.entries.has(event.id)) {
        const entry = chat.entries.get(event.id);
        entry.status = event.status;
        if (event.errors) entry.errors = event.errors;
        this.place(entry);
      }
      this.refreshList();
    } else if (event.type === "changed" || event.type === "reload") {
      this.refreshList();
      if (chat) this.refreshHead();
      if (event.type === "reload" && chat) this.catchUp(PAGE);
    }
  }

  arrived(entry) {
    const chat = this.chat;
    const box = chat.box;
    const atBottom = box.scrollTop + box.clientHeight > box.scrollHeight - 120;
    this.place(entry);
    if (atBottom || entry.direction === "to_business") {
      this.trim();
      box.scrollTop = box.scrollHeight;
    }
    if (entry.direction === "to_business" || entry.refused) this.refreshHead();
  }

  // A chat that follows a busy conversation keeps its newest LIVE_LIMIT messages; scrolling
  // up loads the older ones again.
  trim() {
    const chat = this.chat;
    const extra = chat.order.length - LIVE_LIMIT;
    if (extra <= 0) return;
    for (const id of chat.order.splice(0, extra)) {
      chat.entries.delete(id);
      chat.box.querySelector(`.msg[data-id="${CSS.escape(id)}"]`)?.remove();
    }
    chat.more = true;
    chat.older.hidden = false;
  }

  // The newest messages again, in case the stream missed some (it reconnects by itself).
  async catchUp(limit = 20) {
    const chat = this.chat;
    if (!chat) return;
    const page = await api.get(`${path(chat.business, chat.customer)}/messages?limit=${limit}`);
    if (this.chat !== chat) return;
    for (const entry of page.messages) {
      const known = chat.entries.get(entry.id);
      if (!known) {
        this.arrived(entry);
        continue;
      }
      // A tick the stream brought while this page was on its way is newer than the page.
      if ((TICK_ORDER[known.status] || 0) > (TICK_ORDER[entry.status] || 0)) entry.status = known.status;
      this.place(entry);
    }
  }

  // -- answering as the customer --------------------------------------------------------------

  setReply(entry) {
    const chat = this.chat;
    chat.replyTo = entry;
    chat.replying.hidden = !entry;
    if (entry) {
      clear(
        chat.replying,
        h("div", { class: "quote" }, h("b", { text: entry.direction === "to_customer" ? "Business" : "You" }), h("div", { text: preview(entry) })),
        h("button", { class: "cancel", title: "Cancel reply", text: "✕", onclick: () => this.setReply(null) }),
      );
      chat.text.focus();
    }
  }

  async send(content, about = null) {
    const chat = this.chat;
    const quoted = about || chat.replyTo;
    const body = { ...content, business: chat.business };
    if (quoted) {
      body.context = { from: quoted.direction === "to_customer" ? chat.business : chat.customer, id: quoted.id };
    }
    try {
      await api.post(`/customers/${encodeURIComponent(chat.customer)}/messages`, body);
    } catch (error) {
      toast(error.message, "error");
      return false;
    }
    if (!about) this.setReply(null);
    await this.catchUp();
    return true;
  }

  async sendText() {
    const chat = this.chat;
    const text = chat.text.value;
    if (!text.trim()) return;
    if (await this.send({ type: "text", text: { body: text } })) chat.text.value = "";
  }
}

Object.assign(Chats.prototype, answering);
