// Small line icons drawn as inline SVG (no icon font, no emoji font needed).

const PATHS = {
  clip: ["M20 11.5l-8.5 8.5a5 5 0 0 1-7-7L13 4.5a3.5 3.5 0 0 1 5 5L9.5 18a2 2 0 0 1-3-3L14 7.5"],
  doc: ["M6 2h9l5 5v15H6z", "M15 2v5h5", "M9 13h8", "M9 17h8"],
  pin: ["M12 22s7-6.5 7-12a7 7 0 0 0-14 0c0 5.5 7 12 7 12z", "M12 12.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5z"],
  person: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21c0-4 3.5-6 8-6s8 2 8 6"],
  list: ["M8 6h13", "M8 12h13", "M8 18h13", "M3.5 6h.5", "M3.5 12h.5", "M3.5 18h.5"],
  reply: ["M9 15l-5-5 5-5", "M4 10h10a6 6 0 0 1 6 6v4"],
  cart: ["M3 4h2.5l2.5 11h10.5l2-8H7", "M9 20h.5", "M17 20h.5"],
  link: ["M14 4h6v6", "M20 4l-9 9", "M18 14v6H4V6h6"],
  phone: ["M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 3 5a2 2 0 0 1 2-2z"],
  clock: ["M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z", "M12 7v5l3 2"],
  trash: ["M4 7h16", "M9 7V4h6v3", "M6 7l1 13h10l1-13"],
  forward: ["M15 5l5 5-5 5", "M20 10H10a6 6 0 0 0-6 6v4"],
};

export function icon(name, label = null) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon icon-${name}`);
  svg.setAttribute("aria-hidden", label ? "false" : "true");
  if (label) svg.setAttribute("aria-label", label);
  for (const d of PATHS[name] || []) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}
