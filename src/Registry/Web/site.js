// Shared by the site data-entry pages: the session's bearer token, API calls, forms built from field
// specifications, and the server's validation errors shown beside their fields. Plain DOM; nothing is
// fetched from the internet. The server's validation is the only one: the pages never second-guess it.

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

// ---- session and API ---------------------------------------------------------------------------

let session = null;

function signIn() {
  location.href = "/signin?returnUrl=" + encodeURIComponent(location.pathname + location.search);
}

/** Thrown by a write when the sign-in has ended: the page keeps what was typed instead of leaving. */
export class SessionEnded extends Error {
  constructor() {
    super("Your sign-in has ended, so nothing was saved. Sign in again in another tab (/signin), then come back and save: what you typed is still here.");
  }
}

/** The signed-in user and a short-lived bearer token for writes (the sign-in cookie only ever reads). */
export async function currentSession(leaveIfSignedOut = true) {
  if (session && Date.parse(session.expiresAt) - Date.now() > 60_000) return session;
  const response = await fetch("/signin/token", { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (response.status === 401) {
    if (!leaveIfSignedOut) throw new SessionEnded();
    signIn();
    throw new Error("signed out");
  }
  if (!response.ok) throw new Error("The sign-in check answered " + response.status);
  session = await response.json();
  return session;
}

/** Calls the API with the session's token: {status, ok, data, etag}. */
export async function api(method, url, body, headers) {
  for (let attempt = 0; attempt < 2; attempt++) {
    // A write never navigates away: a page with typed values must not lose them to a sign-in.
    const write = method !== "GET";
    const s = await currentSession(!write);
    const init = { method, headers: { Accept: "application/json", Authorization: "Bearer " + s.token, ...(headers || {}) } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (response.status === 401 && attempt === 0) { session = null; continue; }
    if (response.status === 401) {
      if (write) throw new SessionEnded();
      signIn();
      throw new Error("signed out");
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    return { status: response.status, ok: response.ok, data, etag: response.headers.get("ETag") };
  }
  throw new Error("unreachable");
}

/** A version-4 UUID (crypto.randomUUID needs a secure context; a site's intranet may not be one). */
export function uuid() {
  if (window.isSecureContext && crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** Fills the page header with who is signed in; hides links the role cannot use. */
export async function initHeader() {
  const s = await currentSession();
  const who = $("#who");
  if (who) who.textContent = `${s.userId} · ${s.role}${s.sites.length ? " · sites " + s.sites.join(", ") : ""}`;
  if (s.role !== "site") document.querySelectorAll("[data-site-only]").forEach((el) => el.remove());
  return s;
}

/** Shows a message in the page's live status region. */
export function status(text, kind) {
  const el = $("#status");
  el.textContent = text;
  el.className = kind || "";
}

/** The patient's record, or null with the reason shown (another site's patient is the API's 404: "not found"). */
export async function loadPatient(patientId) {
  const result = await api("GET", `/api/patients/${patientId}`);
  if (result.status === 404) {
    $("#title").textContent = "Patient not found";
    status("There is no such patient among your sites' patients.", "error");
    return null;
  }
  if (!result.ok) { status(`The registry answered ${result.status}.`, "error"); return null; }
  return result.data;
}

export const patientIdFromPath = () => (location.pathname.match(/\/site\/patients\/([0-9a-fA-F-]{36})/) || [])[1];

// ---- vocabulary ----------------------------------------------------------------------------------

const pairs = (values) => values.map((v) => (Array.isArray(v) ? v : [v, v.replace(/-/g, " ")]));

export const VOCAB = {
  route: pairs(["subcutaneous", "intravenous", "intramuscular", "other"]),
  phase: pairs(["induction", "maintenance"]),
  gating: pairs([["cd4-cd25-foxp3", "CD4+ CD25+ FOXP3+"], ["cd4-cd25hi-cd127lo", "CD4+ CD25hi CD127low"], ["other", "other gating"]]),
  seriousCriteria: pairs([["death", "Death"], ["life-threatening", "Life-threatening"], ["hospitalisation", "Hospitalisation or its prolongation"],
    ["disability", "Persistent or significant disability"], ["congenital-anomaly", "Congenital anomaly"], ["medically-important", "Other medically important event"]]),
  // CTCAE v5's general meaning of each grade.
  grade: [["1", "1 – Mild: no or mild symptoms, no intervention"], ["2", "2 – Moderate: minimal, local or non-invasive intervention"],
    ["3", "3 – Severe or medically significant, not immediately life-threatening"], ["4", "4 – Life-threatening: urgent intervention"],
    ["5", "5 – Death related to the event"]],
  causality: pairs([["certain", "certain"], ["probable", "probable / likely"], ["possible", "possible"], ["unlikely", "unlikely"],
    ["conditional", "conditional / unclassified"], ["unassessable", "unassessable / unclassifiable"]]),
  outcome: pairs(["recovering", "recovered", "recovered-with-sequelae", "not-recovered", "fatal", "unknown"]),
  actionTaken: pairs([["none", "none"], ["dose-reduced", "dose reduced"], ["interrupted", "interrupted"], ["withdrawn", "IL-2 withdrawn"]]),
  drugClass: pairs([["corticosteroid", "corticosteroid"], ["csdmard", "conventional synthetic DMARD"], ["bdmard", "biologic DMARD"],
    ["jak-inhibitor", "JAK inhibitor"], ["other", "other"]]),
  holdReason: pairs(["adverse-event", "lab-abnormality", "patient-decision", "other"]),
  notDoneItem: pairs([["dose", "dose"], ["treg-sample", "Treg sample"], ["score", "score"]]),
  withdrawalReason: pairs(["adverse-event", "lack-of-efficacy", "patient-decision", "lost-to-follow-up", "death", "other"]),
  correctionReason: pairs([["transcription-error", "transcription error"], ["source-updated", "source document updated"],
    ["unit-conversion", "unit conversion"], ["other", "other"]]),
  yesNo: [["true", "yes"], ["false", "no"]],
};

// ---- field specifications, shared by the visit form and the correction form ---------------------

const today = (ctx) => ctx.visitDate;

/**
 * One entry kind per timeline kind: the visit's list it goes in, and its fields. Field types: date,
 * integer, decimal, text, select, bool (yes / no / not given), check (one box), multi (several boxes).
 */
export const KINDS = {
  dose: { list: "doses", title: "Doses", one: "Dose", add: "Add a dose", fields: [
    { name: "givenOn", label: "Date given", type: "date", initial: today },
    { name: "doseIu", label: "Dose (IU)", type: "integer", hint: "In international units: 1 MIU = 1000000 IU; usual doses 100000 to 6000000.", initial: () => "1000000" },
    { name: "route", label: "Route", type: "select", options: VOCAB.route, initial: () => "subcutaneous" },
    { name: "product", label: "Product", type: "text", initial: () => "aldesleukin" },
    { name: "lot", label: "Lot", type: "text", optional: true },
    { name: "phase", label: "Schedule phase", type: "select", options: VOCAB.phase, initial: (ctx) => ctx.phase },
    { name: "confirmUnusualDose", label: "This unusual dose (outside 0.1 to 6 MIU) is what was given", type: "check" },
  ] },
  treg: { list: "tregs", title: "Treg results", one: "Treg result", add: "Add a Treg result", fields: [
    { name: "sampledOn", label: "Sample date", type: "date", initial: today },
    { name: "tregPercentOfCd4", label: "Tregs, % of CD4+ T cells", type: "decimal", hint: "0 to 100." },
    { name: "gating", label: "Gating", type: "select", options: VOCAB.gating, initial: () => "cd4-cd25-foxp3" },
    { name: "tregPerUl", label: "Tregs per µL", type: "decimal", optional: true },
    { name: "cd4PerUl", label: "CD4+ T cells per µL", type: "decimal", optional: true },
    { name: "tconvPercentOfCd4", label: "Conventional T cells, % of CD4+", type: "decimal", optional: true },
    { name: "lab", label: "Laboratory", type: "text", optional: true },
  ] },
  score: { list: "scores", title: "Disease activity scores", one: "Score", add: "Add a score", fields: [
    { name: "assessedOn", label: "Assessment date", type: "date", initial: today },
    { name: "instrument", label: "Instrument", type: "select", wide: true, options: (ctx) => ctx.instruments.map((i) => [i.code, `${i.name} (${rangeText(i)})`]) },
    { name: "value", label: "Total score", type: "decimal", hint: (ctx, entry) => instrumentHint(ctx, entry) },
  ] },
  "adverse-event": { list: "adverseEvents", title: "Adverse events", one: "Adverse event", add: "Add an adverse event", fields: [
    { name: "term", label: "Event (verbatim term)", type: "text" },
    { name: "onsetOn", label: "Onset date", type: "date", initial: today },
    { name: "awareOn", label: "Date the site became aware", type: "date", initial: today },
    { name: "grade", label: "CTCAE grade", type: "select", options: VOCAB.grade, wide: true },
    { name: "seriousCriteria", label: "Seriousness criteria (none ticked: not serious)", type: "multi", options: VOCAB.seriousCriteria },
    { name: "causality", label: "Causality (WHO-UMC)", type: "select", options: VOCAB.causality, optional: true },
    { name: "expected", label: "Expected (in the reference safety information)", type: "bool", optional: true },
    { name: "outcome", label: "Outcome", type: "select", options: VOCAB.outcome },
    { name: "actionTaken", label: "Action taken with IL-2", type: "select", options: VOCAB.actionTaken, initial: () => "none" },
    { name: "resolvedOn", label: "Resolution date", type: "date", optional: true },
    { name: "meddraPtCode", label: "MedDRA preferred term code", type: "text", optional: true, hint: "8 digits, if coded." },
    { name: "meddraSocCode", label: "MedDRA system organ class code", type: "text", optional: true },
  ] },
  conmed: { list: "conmeds", title: "Concomitant medications", one: "Medication", add: "Add a medication", fields: [
    { name: "drug", label: "Drug", type: "text" },
    { name: "drugClass", label: "Class", type: "select", options: VOCAB.drugClass },
    { name: "dose", label: "Dose", type: "decimal", optional: true },
    { name: "unit", label: "Unit", type: "text", optional: true, hint: "e.g. mg/day" },
    { name: "startedOn", label: "Started on", type: "date", optional: true },
    { name: "stoppedOn", label: "Stopped on", type: "date", optional: true },
  ] },
  "dose-held": { list: "doseHolds", title: "Doses held", one: "Dose held", add: "Add a held dose", fields: [
    { name: "heldOn", label: "Date held", type: "date", initial: today },
    { name: "reasonCode", label: "Reason", type: "select", options: VOCAB.holdReason },
    { name: "reason", label: "Details", type: "text", optional: true },
  ] },
  "not-done": { list: "notDone", title: "Planned items not done", one: "Item not done", add: "Add an item not done", fields: [
    { name: "item", label: "Item", type: "select", options: VOCAB.notDoneItem },
    { name: "dueOn", label: "Date it was due", type: "date", initial: today },
    { name: "reason", label: "Why it will not happen", type: "text" },
  ] },
  "ae-follow-up": { title: "Follow-up", one: "Follow-up", fields: [
    { name: "reportedOn", label: "Date the site learnt the new information", type: "date", initial: today },
    { name: "grade", label: "New CTCAE grade", type: "select", options: VOCAB.grade, optional: true, wide: true },
    { name: "seriousCriteria", label: "Seriousness criteria to add", type: "multi", options: VOCAB.seriousCriteria },
    { name: "outcome", label: "Outcome", type: "select", options: VOCAB.outcome, optional: true },
    { name: "resolvedOn", label: "Resolution date", type: "date", optional: true },
    { name: "causality", label: "Causality (WHO-UMC)", type: "select", options: VOCAB.causality, optional: true },
    { name: "expected", label: "Expected", type: "bool", optional: true },
  ] },
  withdrawal: { title: "Withdrawal", one: "Withdrawal", fields: [
    { name: "withdrawnOn", label: "Date withdrawn", type: "date", initial: today },
    { name: "reasonCode", label: "Reason", type: "select", options: VOCAB.withdrawalReason },
    { name: "reason", label: "Details", type: "text", optional: true },
  ] },
  completion: { title: "Completion", one: "Completion", fields: [
    { name: "completedOn", label: "Date completed", type: "date", initial: today },
  ] },
};

export function rangeText(instrument) {
  const unit = instrument.unit ? " " + instrument.unit : "";
  return `${instrument.min}–${instrument.max}${unit}${instrument.integer ? ", whole numbers" : ""}`;
}

function instrumentHint(ctx, entry) {
  const code = entry && entry.querySelector("[data-field=instrument]")?.value;
  const instrument = ctx.instruments.find((i) => i.code === code);
  if (!instrument) return "Choose the instrument first.";
  return `Range ${rangeText(instrument)}; ${instrument.higherIsWorse ? "higher is worse" : "lower is worse"}.`;
}

let fieldCounter = 0;

/** Renders one field: label, hint, control. The control carries data-path (the request's JSON path) and data-field. */
export function renderField(spec, path, value, ctx, entry) {
  const id = "f" + ++fieldCounter;
  const hintText = typeof spec.hint === "function" ? spec.hint(ctx, entry) : spec.hint;
  const hint = hintText ? h("p", { class: "hint", id: id + "-hint" }, hintText) : null;
  const label = spec.label + (spec.optional ? " (optional)" : "");
  const common = { id, name: path, "data-path": path, "data-field": spec.name, "aria-describedby": hint ? id + "-hint" : null };
  if (spec.type === "multi") {
    const chosen = new Set(Array.isArray(value) ? value : []);
    const group = h("fieldset", { class: "field multi", "data-path": path, "data-field": spec.name, id, "aria-describedby": hint ? id + "-hint" : null },
      h("legend", null, label), hint,
      spec.options.map(([v, text]) => {
        const boxId = `${id}-${v}`;
        return h("div", { class: "check" }, h("input", { type: "checkbox", id: boxId, value: v, checked: chosen.has(v) }), h("label", { for: boxId }, text));
      }));
    return group;
  }
  if (spec.type === "check") {
    return h("div", { class: "field check" }, h("input", { ...common, type: "checkbox", checked: value === true }), h("label", { for: id }, label), hint);
  }
  let control;
  if (spec.type === "select" || spec.type === "bool") {
    const options = spec.type === "bool" ? VOCAB.yesNo : typeof spec.options === "function" ? spec.options(ctx) : spec.options;
    control = h("select", common, h("option", { value: "" }, spec.optional || spec.type === "bool" ? "— not given —" : "— choose —"),
      options.map(([v, text]) => h("option", { value: v, selected: String(value ?? "") === v }, text)));
  } else {
    const type = spec.type === "date" ? "date" : "text";
    const inputmode = spec.type === "integer" ? "numeric" : spec.type === "decimal" ? "decimal" : null;
    control = h("input", { ...common, type, inputmode, autocomplete: "off", value: value === null || value === undefined ? "" : String(value) });
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

export function readEntry(kind, root) {
  const values = {};
  for (const spec of KINDS[kind].fields) values[spec.name] = readField(spec, root);
  return values;
}

// ---- errors beside their fields ------------------------------------------------------------------

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  form.querySelectorAll("[aria-invalid]").forEach((e) => {
    e.removeAttribute("aria-invalid");
    e.setAttribute("aria-describedby", (e.getAttribute("aria-describedby") || "").split(" ").filter((x) => !x.endsWith("-error")).join(" "));
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
  const label = target.tagName === "FIELDSET" ? target.querySelector("legend")?.textContent : target.closest(".field")?.querySelector("label")?.textContent;
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
  const title = Object.keys(errors).length ? "Nothing was saved: please check the fields below." : (problem && problem.title) || "Nothing was saved.";
  summary.replaceChildren(h("h2", null, title));
  if (problem && problem.detail) summary.append(h("p", null, problem.detail));
  if (items.length) summary.append(h("ul", null, items));
  summary.hidden = false;
  summary.focus();
}

/** A problem when the request never got an answer the page understands. */
export const problemOf = (result) => result.data && typeof result.data === "object" ? result.data
  : { title: `The registry answered ${result.status}.` };

// ---- words for entries ---------------------------------------------------------------------------

const word = (list, value) => (list.find(([v]) => v === String(value)) || [null, value])[1];
const miu = (iu) => `${Number(iu).toLocaleString("en")} IU (${(iu / 1e6).toLocaleString("en", { maximumFractionDigits: 3 })} MIU)`;

/** One line a nurse can read for an entry's values. */
export function summarise(kind, d) {
  switch (kind) {
    case "dose": return `${miu(d.doseIu)} ${d.route}, ${d.product}${d.lot ? " lot " + d.lot : ""} (${d.phase})${d.confirmUnusualDose ? ", unusual dose confirmed" : ""}`;
    case "dose-held": return `Dose held: ${word(VOCAB.holdReason, d.reasonCode)}${d.reason ? " – " + d.reason : ""}`;
    case "treg": return `Tregs ${d.tregPercentOfCd4} % of CD4 (${word(VOCAB.gating, d.gating)})${d.tregPerUl != null ? `, ${d.tregPerUl}/µL` : ""}${d.lab ? ", " + d.lab : ""}`;
    case "score": return `${d.instrument}: ${d.value}`;
    case "adverse-event": return `${d.term}, grade ${d.grade}${d.seriousCriteria?.length ? ", SERIOUS (" + d.seriousCriteria.map((c) => word(VOCAB.seriousCriteria, c)).join(", ") + ")" : ""}` +
      `${d.causality ? ", causality " + d.causality : ""}, ${word(VOCAB.outcome, d.outcome)}`;
    case "ae-follow-up": return `Follow-up${d.grade ? ", grade " + d.grade : ""}${d.seriousCriteria?.length ? ", serious: " + d.seriousCriteria.join(", ") : ""}${d.outcome ? ", " + d.outcome : ""}${d.resolvedOn ? ", resolved " + d.resolvedOn : ""}`;
    case "conmed": return `${d.drug} (${word(VOCAB.drugClass, d.drugClass)})${d.dose != null ? ` ${d.dose} ${d.unit || ""}` : ""}${d.stoppedOn ? ", stopped " + d.stoppedOn : ""}`;
    case "not-done": return `Not done: ${word(VOCAB.notDoneItem, d.item)} due ${d.dueOn} – ${d.reason}`;
    case "withdrawal": return `Withdrawn: ${word(VOCAB.withdrawalReason, d.reasonCode)}${d.reason ? " – " + d.reason : ""}`;
    case "completion": return "Completed the registry follow-up";
    default: return JSON.stringify(d);
  }
}

export const KIND_NAMES = { dose: "Dose", "dose-held": "Dose held", treg: "Treg result", score: "Score", "adverse-event": "Adverse event",
  "ae-follow-up": "AE follow-up", conmed: "Medication", "not-done": "Not done", withdrawal: "Withdrawal", completion: "Completion" };

/** An instant as the site reads it: in the site's own time zone, named. */
export const formatInstant = (iso, timeZone) => (iso
  ? new Date(iso).toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZone: timeZone || undefined, timeZoneName: "short" })
  : "–");
