// Answering as the customer: the composer's attachments, the location and contact forms,
// and picking a row of a list message. Mixed into Chats (chats.js): each answer ends in
// ``this.send``, a POST /customers/{wa_id}/messages of the control API.

import { ask, h } from "./dom.js";
import { icon } from "./icons.js";

const FILE_KINDS = [
  ["image", "Photo", "image/jpeg,image/png"],
  ["video", "Video", "video/mp4,video/3gpp"],
  ["audio", "Audio", "audio/*"],
  ["document", "Document", ""],
  ["sticker", "Sticker", "image/webp"],
];
const SAMPLES = ["image", "video", "audio", "voice", "document", "sticker"];

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function mimeOf(kind, file) {
  const type = (file.type || "").toLowerCase();
  if (kind === "audio" && type === "audio/ogg") return "audio/ogg; codecs=opus";
  if (kind === "document" && !type) return "application/octet-stream";
  return type;
}

export const answering = {
  attachMenu() {
    const files = FILE_KINDS.map(([kind, label, accept]) =>
      h(
        "label",
        { class: "button" },
        label,
        h("input", {
          type: "file",
          hidden: true,
          accept: accept || null,
          dataset: { kind },
          onchange: (event) => this.sendFile(kind, event.target),
        }),
      ),
    );
    const samples = SAMPLES.map((kind) =>
      h("button", { dataset: { sample: kind }, text: kind, onclick: () => this.sendSample(kind) }),
    );
    return h(
      "div",
      { class: "attach-menu", hidden: true },
      h("div", { class: "group" }, h("small", { text: "Files" }), files),
      h("div", { class: "group" }, h("small", { text: "Samples" }), samples),
      h(
        "div",
        { class: "group" },
        h("small", { text: "Share" }),
        h("button", { class: "share-location", onclick: () => this.sendLocation() }, icon("pin"), "Location"),
        h("button", { class: "share-contact", onclick: () => this.sendContact() }, icon("person"), "Contact"),
      ),
    );
  },

  takeCaption(kind) {
    const chat = this.chat;
    const caption = chat.text.value.trim();
    if (!caption || !["image", "video", "document"].includes(kind)) return {};
    chat.text.value = "";
    return { caption };
  },

  async sendFile(kind, input) {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) return;
    this.chat.menu.hidden = true;
    const media = { data: await readBase64(file), mime_type: mimeOf(kind, file), ...this.takeCaption(kind) };
    if (kind === "document") media.filename = file.name;
    await this.send({ type: kind, [kind]: media });
  },

  async sendSample(kind) {
    this.chat.menu.hidden = true;
    await this.send({ type: kind, [kind]: this.takeCaption(kind) });
  },

  async sendLocation(about = null) {
    this.chat.menu.hidden = true;
    const values = await ask("Send a location", [
      ["latitude", "Latitude", { type: "number", step: "any", min: -90, max: 90, value: "52.5200", required: true }],
      ["longitude", "Longitude", { type: "number", step: "any", min: -180, max: 180, value: "13.4050", required: true }],
      ["name", "Name", { value: "" }],
      ["address", "Address", { value: "" }],
    ], "Send");
    if (!values) return;
    const place = { latitude: Number(values.latitude), longitude: Number(values.longitude) };
    if (values.name) place.name = values.name;
    if (values.address) place.address = values.address;
    await this.send({ type: "location", location: place }, about);
  },

  async sendContact() {
    this.chat.menu.hidden = true;
    const values = await ask("Share a contact", [
      ["name", "Name", { required: true, value: "" }],
      ["phone", "Phone", { required: true, value: "" }],
      ["wa_id", "WhatsApp id (digits, optional)", { value: "", pattern: "[0-9]{7,15}" }],
    ], "Send");
    if (!values) return;
    const [first, ...rest] = values.name.split(/\s+/);
    const name = { formatted_name: values.name, first_name: first };
    if (rest.length) name.last_name = rest.join(" ");
    const card = { name, phones: [{ phone: values.phone, type: "CELL", ...(values.wa_id ? { wa_id: values.wa_id } : {}) }] };
    await this.send({ type: "contacts", contacts: [card] });
  },

  pickFromList(entry) {
    const action = entry.interactive?.action || {};
    const dialog = h("dialog", { class: "form list-picker" });
    const choose = (row) => {
      dialog.close();
      const reply = { id: row.id, title: row.title };
      if (row.description) reply.description = row.description;
      this.send({ type: "interactive", interactive: { type: "list_reply", list_reply: reply } }, entry);
    };
    dialog.append(
      h("h3", { text: action.button || "Choose" }),
      ...(action.sections || []).map((section) =>
        h(
          "div",
          { class: "section" },
          section.title ? h("small", { text: section.title }) : null,
          ...(section.rows || []).map((row) =>
            h(
              "button",
              { class: "row-pick", dataset: { row: row.id }, onclick: () => choose(row) },
              h("b", { text: row.title }),
              row.description ? h("span", { class: "muted", text: row.description }) : null,
            ),
          ),
        ),
      ),
      h("menu", {}, h("button", { text: "Cancel", onclick: () => dialog.close() })),
    );
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  },
};
