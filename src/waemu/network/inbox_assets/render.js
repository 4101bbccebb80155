// One message as the customer's phone shows it: the business's messages on the left (with
// their ticks, for whoever tests the business), the customer's own on the right.

import { clock, formatted, h, stamp } from "./dom.js";
import { icon } from "./icons.js";

const TICKS = { sent: "✓", delivered: "✓✓", read: "✓✓", failed: "!" };

export function ticks(status) {
  const mark = TICKS[status];
  return h(
    "span",
    { class: "ticks", dataset: { status: status || "" }, title: status || "waiting" },
    mark || icon(status === "deleted" ? "trash" : "clock"),
  );
}

function media(kind, object, view, { header = false } = {}) {
  object = object || {};
  const source = object.id ? view.mediaUrl(object.id) : null;
  const caption = !header && object.caption ? h("div", { class: "text caption" }, formatted(object.caption)) : null;
  if (!source) {
    const link = object.link
      ? h("a", { href: object.link, target: "_blank", rel: "noopener noreferrer", text: object.link })
      : "no file";
    return [h("div", { class: `placeholder ${kind}` }, h("b", { text: `[${kind}] ` }), link), caption];
  }
  if (kind === "image") {
    return [h("img", { class: "media", src: source, alt: object.caption || "image", loading: "lazy" }), caption];
  }
  if (kind === "sticker") {
    return [h("img", { class: "sticker", src: source, alt: "sticker", loading: "lazy" })];
  }
  if (kind === "video") {
    return [h("video", { class: "media", src: source, controls: true, preload: "metadata" }), caption];
  }
  if (kind === "audio" || kind === "voice") {
    return [h("audio", { src: source, controls: true, preload: "metadata" })];
  }
  const name = object.filename || "Document";
  return [
    h(
      "a",
      { class: "document", href: source, download: name, target: "_blank", rel: "noopener" },
      icon("doc"),
      h("span", { class: "name", text: name }),
      h("small", { text: object.mime_type || "" }),
    ),
    caption,
  ];
}

function location(object) {
  object = object || {};
  const where = `${object.latitude}, ${object.longitude}`;
  return h(
    "div",
    { class: "location" },
    h("div", { class: "map", "aria-hidden": "true" }, icon("pin")),
    object.name ? h("b", { text: object.name }) : null,
    object.address ? h("div", { text: object.address }) : null,
    h(
      "a",
      {
        href: `https://www.openstreetmap.org/?mlat=${object.latitude}&mlon=${object.longitude}#map=16/${object.latitude}/${object.longitude}`,
        target: "_blank",
        rel: "noopener noreferrer",
        class: "coords",
        text: where,
      },
    ),
  );
}

function contacts(cards) {
  return (cards || []).map((card) =>
    h(
      "div",
      { class: "contact-card" },
      icon("person"),
      h("b", { text: card.name?.formatted_name || "Contact" }),
      ...(card.phones || []).map((p) => h("div", { class: "muted", text: `${p.phone}${p.type ? ` · ${p.type}` : ""}` })),
      ...(card.emails || []).map((e) => h("div", { class: "muted", text: e.email })),
      card.org?.company ? h("div", { class: "muted", text: card.org.company }) : null,
    ),
  );
}

function header(object, view) {
  if (!object) return null;
  if (typeof object === "string") return h("div", { class: "header" }, formatted(object));
  const kind = object.type;
  if (kind === "text") return h("div", { class: "header" }, formatted(object.text));
  if (kind === "location") return location(object.location || object);
  if (["image", "video", "document"].includes(kind)) {
    return h("div", { class: "header-media" }, media(kind, object[kind] || object, view, { header: true }));
  }
  return null;
}

// Business messages: the body, and the buttons the customer can tap under it.
function interactive(entry, view) {
  const object = entry.interactive || {};
  const action = object.action || {};
  const parts = [
    header(object.header, view),
    object.body ? h("div", { class: "text" }, formatted(object.body.text)) : null,
    object.footer ? h("div", { class: "footer", text: object.footer.text }) : null,
  ];
  const buttons = [];
  if (object.type === "button") {
    for (const button of action.buttons || []) {
      const reply = button.reply || {};
      buttons.push(
        h("button", {
          class: "tap",
          dataset: { reply: reply.id },
          text: reply.title,
          onclick: () => view.tap(entry, { type: "button_reply", button_reply: { id: reply.id, title: reply.title } }),
        }),
      );
    }
  } else if (object.type === "list") {
    buttons.push(h("button", { class: "tap list", onclick: () => view.pick(entry) }, icon("list"), action.button || "Choose"));
  } else if (object.type === "location_request_message") {
    buttons.push(h("button", { class: "tap", onclick: () => view.locate(entry) }, icon("pin"), "Send location"));
  } else if (object.type === "product") {
    parts.push(h("div", { class: "product" }, icon("cart"), `${action.product_retailer_id} · catalogue ${action.catalog_id}`));
  } else if (object.type === "product_list") {
    for (const section of action.sections || []) {
      parts.push(h("div", { class: "product" }, h("b", { text: section.title || "Products" }),
        ...(section.product_items || []).map((item) => h("div", { class: "muted" }, icon("cart"), item.product_retailer_id))));
    }
  }
  return { parts, buttons };
}

function template(entry, view) {
  const shown = entry.rendered;
  const name = entry.template?.name || entry.hsm?.element_name || "template";
  if (!shown) {
    return { parts: [h("div", { class: "placeholder", text: `[template ${name}: unknown to the network]` })], buttons: [] };
  }
  const parts = [
    header(shown.header, view),
    h("div", { class: "text" }, formatted(shown.body)),
    shown.footer ? h("div", { class: "footer", text: shown.footer }) : null,
  ];
  const buttons = (shown.buttons || []).map((button) => {
    if (button.type === "URL") {
      return h("a", { class: "tap", href: button.url, target: "_blank", rel: "noopener noreferrer" }, icon("link"), button.text);
    }
    if (button.type === "PHONE_NUMBER") {
      return h("a", { class: "tap", href: `tel:${button.phone_number}` }, icon("phone"), button.text);
    }
    return h("button", {
      class: "tap",
      dataset: { reply: button.payload ?? button.text },
      text: button.text,
      onclick: () => view.press(entry, { payload: button.payload ?? button.text, text: button.text }),
    });
  });
  return { parts, buttons };
}

// The customer's own messages (webhook shapes, spec §11.2).
function customerContent(entry, view) {
  const kind = entry.type;
  const object = entry[kind];
  if (kind === "button") return [h("div", { class: "text" }, object?.text || "")];
  if (kind === "interactive") {
    const reply = object?.button_reply || object?.list_reply || {};
    return [
      h("div", { class: "text" }, reply.title || ""),
      reply.description ? h("div", { class: "footer", text: reply.description }) : null,
    ];
  }
  if (kind === "order") {
    const items = object?.product_items || [];
    const total = items.reduce((sum, item) => sum + item.item_price * item.quantity, 0);
    return [
      h("div", { class: "product" }, icon("cart"), h("b", { text: `${items.length} item(s)` }), ` · ${total} ${items[0]?.currency || ""}`),
      object?.text ? h("div", { class: "text", text: object.text }) : null,
    ];
  }
  if (kind === "unknown") return [h("div", { class: "placeholder", text: "Unsupported message" })];
  return null;
}

function content(entry, view) {
  const kind = entry.type || "text";
  if (kind === "template" || kind === "hsm") return template(entry, view);
  if (kind === "interactive" && entry.direction === "to_customer") return interactive(entry, view);
  const own = entry.direction === "to_business" ? customerContent(entry, view) : null;
  if (own) return { parts: own, buttons: [] };
  if (kind === "text") return { parts: [h("div", { class: "text" }, formatted(entry.text?.body))], buttons: [] };
  if (["image", "video", "audio", "voice", "document", "sticker"].includes(kind)) {
    return { parts: media(kind, entry[kind], view), buttons: [] };
  }
  if (kind === "location") return { parts: [location(entry.location)], buttons: [] };
  if (kind === "contacts") return { parts: contacts(entry.contacts), buttons: [] };
  return { parts: [h("div", { class: "placeholder", text: `[${kind}]` })], buttons: [] };
}

function quote(entry, view) {
  const context = entry.context;
  const quoted = context && (context.id || context.message_id);
  const parts = [];
  if (quoted) {
    const found = view.find(quoted);
    parts.push(
      h(
        "div",
        { class: "quote", dataset: { quoted } },
        h("b", { text: found ? (found.direction === "to_customer" ? "Business" : "You") : "Reply" }),
        h("div", { text: found ? view.preview(found) : "a message not loaded" }),
      ),
    );
  }
  if (context?.forwarded || context?.frequently_forwarded) {
    parts.push(h("div", { class: "muted forwarded" }, icon("forward"), context.frequently_forwarded ? "Forwarded many times" : "Forwarded"));
  }
  if (entry.referral) {
    parts.push(h("div", { class: "quote", text: `From an ${entry.referral.source_type}: ${entry.referral.headline || entry.referral.source_url}` }));
  }
  return parts;
}

function failure(entry) {
  if (entry.status !== "failed" && !entry.errors) return null;
  const errors = entry.errors || [];
  const text = errors.length
    ? errors.map((e) => `${e.code} ${e.title}${e.details ? ` (${e.details})` : ""}`).join("; ")
    : "failed";
  return h("div", { class: "error", text: `${entry.refused ? "Refused by the network" : "Failed"}: ${text}` });
}

export function message(entry, view) {
  if (entry.type === "system") {
    return h("div", { class: "msg system", dataset: { id: entry.id, type: "system" } }, h("span", { text: entry.system?.body || "system message" }));
  }
  const incoming = entry.direction === "to_customer";
  const { parts, buttons } = content(entry, view);
  const bare = entry.type === "sticker";
  const bubble = h(
    "div",
    { class: `bubble${bare ? " bare" : ""}` },
    quote(entry, view),
    parts,
    h("div", { class: "meta" }, h("time", { title: stamp(entry.timestamp), text: clock(entry.timestamp) }), ticks(entry.status)),
  );
  return h(
    "div",
    {
      class: `msg ${incoming ? "in" : "out"}`,
      dataset: { id: entry.id, type: entry.type || "text", status: entry.status || "", direction: entry.direction },
    },
    h("div", { class: "stack" }, bubble, buttons.length ? h("div", { class: "taps" }, buttons) : null, failure(entry)),
    h("button", { class: "reply", title: "Reply", "aria-label": "Reply", onclick: () => view.reply(entry) }, icon("reply")),
  );
}

export function preview(entry) {
  const kind = entry.type || "text";
  if (entry.rendered) return entry.rendered.body || "";
  if (kind === "text") return entry.text?.body || "";
  if (kind === "system") return entry.system?.body || "";
  const object = entry[kind];
  if (kind === "interactive") {
    return object?.body?.text || object?.button_reply?.title || object?.list_reply?.title || "[interactive]";
  }
  if (kind === "button") return object?.text || "";
  if (kind === "contacts") return `[contact] ${(object || [])[0]?.name?.formatted_name || ""}`;
  if (kind === "location") return `[location] ${object?.name || ""}`;
  return `[${kind}] ${object?.caption || object?.filename || ""}`.trim();
}
