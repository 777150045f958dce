// The entry kinds (their fields, shared by the visit form and the correction form) and the vocabulary,
// both served by the registry, plus the words a nurse reads for an entry.
//
// Contract: GET /api/entry-kinds (any signed-in role; JSON, camelCase) answers
//   { "kinds": [ { "kind": "dose", "list": "doses" | null (kinds not entered with a visit: ae-follow-up,
//                  withdrawal, completion), "title": "Doses", "one": "Dose", "add": "Add a dose" | null,
//                  "fields": [ { "name", "label",
//                    "type": "date" | "partial-date" | "integer" | "decimal" | "text" | "select" | "bool" | "check" | "multi",
//                    "optional": bool, "wide": bool, "hint": text | null,
//                    "options": a vocabulary list's name | null (a bool field's options are yesNo),
//                    "optionsFrom": "instruments" | null (the patient's disease's instruments),
//                    "hintFrom": "instrument" | null (the chosen instrument's range and direction),
//                    "initial": null | { "from": "visit-date" } | { "from": "phase" } | { "value": "text" } } ] } ],
//     "vocabulary": { "<list>": [["value", "label"], ...], ... } }
// Kinds, fields and options come in the order the forms show them. Fetched once per page (cached), then
// turned back into the shapes the forms use: KINDS[kind].fields with initial(ctx), hint(ctx, entry) and
// options(ctx) as functions where the server names a source, and VOCAB[list] as [value, label] pairs.
import { api } from "./api.js";
import { readFields } from "./forms.js";

/** The entry kinds by kind: {list, title, one, add, fields}. Null until loadEntryKinds() has answered. */
export let KINDS = null;

/** The vocabulary by list name: [[value, label], ...]. Null until loadEntryKinds() has answered. */
export let VOCAB = null;

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

// What the server's names stand for. ctx is the form's context: {visitDate, phase, instruments}.
const INITIAL_FROM = { "visit-date": (ctx) => ctx.visitDate, phase: (ctx) => ctx.phase };
const OPTIONS_FROM = { instruments: (ctx) => ctx.instruments.map((i) => [i.code, `${i.name} (${rangeText(i)})`]) };
const HINT_FROM = { instrument: instrumentHint };

function fieldOf(kind, f, vocabulary) {
  const named = (table, key, what) => {
    if (!Object.hasOwn(table, key)) throw new Error(`The entry kinds name an unknown ${what} "${key}" (${kind}, ${f.name}).`);
    return table[key];
  };
  const spec = { name: f.name, label: f.label, type: f.type };
  if (f.optional) spec.optional = true;
  if (f.wide) spec.wide = true;
  if (f.hintFrom) spec.hint = named(HINT_FROM, f.hintFrom, "hint source");
  else if (f.hint) spec.hint = f.hint;
  if (f.optionsFrom) spec.options = named(OPTIONS_FROM, f.optionsFrom, "options source");
  else if (f.options) spec.options = named(vocabulary, f.options, "vocabulary list");
  else if (f.type === "bool") spec.options = named(vocabulary, "yesNo", "vocabulary list");
  if (f.initial && f.initial.from) {
    spec.initial = named(INITIAL_FROM, f.initial.from, "initial value source");
  } else if (f.initial && f.initial.value !== undefined && f.initial.value !== null) {
    const value = String(f.initial.value);
    spec.initial = () => value;
  }
  return spec;
}

async function fetchEntryKinds() {
  const result = await api("GET", "/api/entry-kinds");
  if (!result.ok || !result.data || !Array.isArray(result.data.kinds)) {
    throw new Error(`The entry kinds could not be read: the registry answered ${result.status}.`);
  }
  const vocabulary = result.data.vocabulary || {};
  const kinds = {};
  for (const k of result.data.kinds) {
    kinds[k.kind] = { title: k.title, one: k.one, fields: k.fields.map((f) => fieldOf(k.kind, f, vocabulary)) };
    if (k.list) kinds[k.kind].list = k.list;
    if (k.add) kinds[k.kind].add = k.add;
  }
  VOCAB = vocabulary;
  KINDS = kinds;
  return { KINDS, VOCAB };
}

let loading = null;

/** Loads the entry kinds and the vocabulary once per page: {KINDS, VOCAB}. Pages await it before rendering forms. */
export function loadEntryKinds() {
  loading ||= fetchEntryKinds().catch((e) => { loading = null; throw e; });
  return loading;
}

/** Reads an entry of a kind from the controls under root: {field: value}. */
export const readEntry = (kind, root) => readFields(KINDS[kind].fields, root);

// ---- words for entries ---------------------------------------------------------------------------

export const KIND_NAMES = { dose: "Dose", "dose-held": "Dose held", treg: "Treg result", score: "Score", "adverse-event": "Adverse event",
  "ae-follow-up": "AE follow-up", conmed: "Medication", "not-done": "Not done", withdrawal: "Withdrawal", completion: "Completion" };

const word = (list, value) => (list.find(([v]) => v === String(value)) || [null, value])[1];
const miu = (iu) => `${Number(iu).toLocaleString("en")} IU (${(iu / 1e6).toLocaleString("en", { maximumFractionDigits: 3 })} MIU)`;

/** One line a nurse can read for an entry's values (VOCAB must be loaded). */
export function summarise(kind, d) {
  switch (kind) {
    case "dose":
      return `${miu(d.doseIu)} ${d.route}, ${d.product}${d.lot ? " lot " + d.lot : ""} (${d.phase})` +
        `${d.confirmUnusualDose ? ", unusual dose confirmed" : ""}`;
    case "dose-held": return `Dose held: ${word(VOCAB.holdReason, d.reasonCode)}${d.reason ? " – " + d.reason : ""}`;
    case "treg":
      return `Tregs ${d.tregPercentOfCd4} % of CD4 (${word(VOCAB.gating, d.gating)})` +
        `${d.tregPerUl != null ? `, ${d.tregPerUl}/µL` : ""}${d.lab ? ", " + d.lab : ""}`;
    case "score": return `${d.instrument}: ${d.value}`;
    case "adverse-event": {
      const criteria = d.seriousCriteria?.length ? d.seriousCriteria.map((c) => word(VOCAB.seriousCriteria, c)) : null;
      return `${d.term}, grade ${d.grade}${criteria ? ", SERIOUS (" + criteria.join(", ") + ")" : ""}` +
        `${d.causality ? ", causality " + d.causality : ""}, ${word(VOCAB.outcome, d.outcome)}`;
    }
    case "ae-follow-up":
      return `Follow-up${d.grade ? ", grade " + d.grade : ""}` +
        `${d.seriousCriteria?.length ? ", serious: " + d.seriousCriteria.join(", ") : ""}` +
        `${d.outcome ? ", " + d.outcome : ""}${d.resolvedOn ? ", resolved " + d.resolvedOn : ""}`;
    case "conmed":
      return `${d.drug} (${word(VOCAB.drugClass, d.drugClass)})${d.dose != null ? ` ${d.dose} ${d.unit || ""}` : ""}` +
        `${d.stoppedOn ? ", stopped " + d.stoppedOn : ""}`;
    case "not-done": return `Not done: ${word(VOCAB.notDoneItem, d.item)} due ${d.dueOn} – ${d.reason}`;
    case "withdrawal": return `Withdrawn: ${word(VOCAB.withdrawalReason, d.reasonCode)}${d.reason ? " – " + d.reason : ""}`;
    case "completion": return "Completed the registry follow-up";
    default: return JSON.stringify(d);
  }
}
