// Forms built from field specifications, their values read back as the request wants them, and the
// server's validation errors shown beside their fields and in the form's error summary. The server's
// validation is the only one: the pages never second-guess it.
import { h } from "./dom.js";

let fieldCounter = 0;

/**
 * Renders one field: label, hint, control. The control carries data-path (the request's JSON path) and data-field.
 * A spec is {name, label, type, optional, wide, hint, options}; hint and options may be functions of (ctx, entry)
 * and (ctx). Field types: date, integer, decimal, text, select, bool (yes / no / not given: its options are the
 * yes / no pair), check (one box), multi (several boxes).
 */
export function renderField(spec, path, value, ctx, entry) {
  const id = "f" + ++fieldCounter;
  const hintText = typeof spec.hint === "function" ? spec.hint(ctx, entry) : spec.hint;
  const hint = hintText ? h("p", { class: "hint", id: id + "-hint" }, hintText) : null;
  const describedBy = hint ? id + "-hint" : null;
  const label = spec.label + (spec.optional ? " (optional)" : "");
  const options = () => (typeof spec.options === "function" ? spec.options(ctx) : spec.options) || [];
  const common = { id, name: path, "data-path": path, "data-field": spec.name, "aria-describedby": describedBy };
  if (spec.type === "multi") {
    const chosen = new Set(Array.isArray(value) ? value : []);
    return h("fieldset", { class: "field multi", "data-path": path, "data-field": spec.name, id, "aria-describedby": describedBy },
      h("legend", null, label), hint,
      options().map(([v, text]) => {
        const boxId = `${id}-${v}`;
        return h("div", { class: "check" },
          h("input", { type: "checkbox", id: boxId, value: v, checked: chosen.has(v) }), h("label", { for: boxId }, text));
      }));
  }
  if (spec.type === "check") {
    return h("div", { class: "field check" },
      h("input", { ...common, type: "checkbox", checked: value === true }), h("label", { for: id }, label), hint);
  }
  let control;
  if (spec.type === "select" || spec.type === "bool") {
    const empty = spec.optional || spec.type === "bool" ? "— not given —" : "— choose —";
    control = h("select", common, h("option", { value: "" }, empty),
      options().map(([v, text]) => h("option", { value: v, selected: String(value ?? "") === v }, text)));
  } else {
    const type = spec.type === "date" || spec.type === "password" ? spec.type : "text";
    const inputmode = spec.type === "integer" ? "numeric" : spec.type === "decimal" ? "decimal" : null;
    const shown = value === null || value === undefined ? "" : String(value);
    const autocomplete = spec.type === "password" ? "current-password" : "off";
    control = h("input", { ...common, type, inputmode, autocomplete, value: shown });
  }
  return h("div", { class: "field" + (spec.wide ? " wide" : "") }, h("label", { for: id }, label), control, hint);
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Reads a field's value as the request wants it; a number that is not one goes as typed, so the server names it. */
export function readField(spec, root) {
  const control = root.querySelector(`[data-field="${spec.name}"]`);
  if (!control) return undefined;
  switch (spec.type) {
    case "multi":
      return [...control.querySelectorAll("input:checked")].map((box) => box.value);
    case "check":
      return control.checked;
    case "bool":
      return control.value === "" ? null : control.value === "true";
    case "integer":
    case "decimal": {
      const text = control.value.trim().replace(/\s/g, "");
      return text === "" ? null : NUMBER.test(text) ? Number(text) : text;
    }
    default: {
      const text = control.value.trim();
      return text === "" ? null : text;
    }
  }
}

/** Reads several fields: {name: value}. */
export function readFields(specs, root) {
  const values = {};
  for (const spec of specs) values[spec.name] = readField(spec, root);
  return values;
}

// ---- errors beside their fields ------------------------------------------------------------------

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => {
    e.removeAttribute("aria-invalid");
    const describedBy = (e.getAttribute("aria-describedby") || "").split(" ").filter((x) => !x.endsWith("-error"));
    e.setAttribute("aria-describedby", describedBy.join(" "));
  });
  const summary = form.querySelector(".error-summary");
  if (summary) { summary.hidden = true; summary.replaceChildren(); }
}

/** The control for a JSON path, or the nearest enclosing entry (doses[0].x → doses[0] → doses). */
function targetOf(form, path, mapPath) {
  let p = mapPath ? mapPath(path) : path;
  while (p) {
    const found = form.querySelector(`[data-path="${CSS.escape(p)}"]`);
    if (found) return found;
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return null;
}

function describe(target) {
  const entry = target.closest("[data-entry-title]");
  const label = target.tagName === "FIELDSET"
    ? target.querySelector("legend")?.textContent
    : target.closest(".field")?.querySelector("label")?.textContent;
  return [entry?.dataset.entryTitle, label].filter(Boolean).join(" – ");
}

/**
 * Shows a problem (RFC 9457) in the form: each validation message beside its field, and a summary at
 * the top with links to them. The values typed stay as they are.
 */
export function showProblem(form, problem, mapPath) {
  clearErrors(form);
  const summary = form.querySelector(".error-summary");
  const items = [];
  const errors = (problem && problem.errors) || {};
  for (const [path, messages] of Object.entries(errors)) {
    const target = targetOf(form, path, mapPath);
    for (const message of messages) {
      if (target) {
        const errorId = `${target.id || "e" + ++fieldCounter}-error-${items.length}`;
        const p = h("p", { class: "field-error", id: errorId }, message);
        const holder = target.tagName === "FIELDSET" ? target : target.closest(".field") || target.parentElement;
        if (target.tagName === "FIELDSET" && target.dataset.entryTitle) target.querySelector("legend").after(p);
        else holder.append(p);
        target.setAttribute("aria-invalid", "true");
        target.setAttribute("aria-describedby", [target.getAttribute("aria-describedby"), errorId].filter(Boolean).join(" "));
        items.push(h("li", null, h("a", { href: "#" + (target.id || "") }, (describe(target) ? describe(target) + ": " : "") + message)));
      } else {
        items.push(h("li", null, message));
      }
    }
  }
  if (!summary) return;
  const title = Object.keys(errors).length
    ? "Nothing was saved: please check the fields below."
    : (problem && problem.title) || "Nothing was saved.";
  summary.replaceChildren(h("h2", null, title));
  if (problem && problem.detail) summary.append(h("p", null, problem.detail));
  if (items.length) summary.append(h("ul", null, items));
  summary.hidden = false;
  summary.focus();
}

/** A problem when the request never got an answer the page understands. */
export const problemOf = (result) => result.data && typeof result.data === "object" ? result.data
  : { title: `The registry answered ${result.status}.` };
