// The pages' DOM helpers: $ and h, the live status line, and instants as the site reads them.
// Plain DOM; nothing is fetched from the internet.

export const $ = (selector, root = document) => root.querySelector(selector);

/** Builds an element: h("p", {class: "x"}, "text", child). Text is always set as text, never as HTML. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Shows a message in the page's live status region. */
export function status(text, kind) {
  const el = $("#status");
  el.textContent = text;
  el.className = kind || "";
}

const INSTANT = { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" };

/** An instant as the site reads it: in the site's own time zone, named. */
export const formatInstant = (iso, timeZone) => (iso
  ? new Date(iso).toLocaleString("en-GB", { ...INSTANT, timeZone: timeZone || undefined })
  : "–");
