// A patient's timeline: every entry with its status and history; corrections, voids, adverse-event
// follow-ups, withdrawal and completion from here, each with the reason the registry requires. Data queries show
// beside their entry (the site answers them here); a monitor raises and closes them, verifies entries and locks the record.
import { $, h, status, formatInstant } from "./dom.js";
import { api, uuid, initHeader, patientIdFromPath, loadPatient, SessionEnded } from "./api.js";
import { renderField, showProblem, problemOf } from "./forms.js";
import { loadEntryKinds, KINDS, KIND_NAMES, VOCAB, readEntry, summarise } from "./entry-kinds.js";
import { renderAmendments } from "./amend.js";

const patientId = patientIdFromPath();
let patient = null;
let isSite = false;
let isMonitor = false;
const ctx = { visitDate: "", instruments: [], timeZone: "UTC", catalogue: null };

const row = (label, value) => [h("dt", null, label), h("dd", null, value ?? "–")];

function renderSummary() {
  const p = patient;
  document.title = `${p.subjectCode} · Registry`;
  $("#title").textContent = `Patient ${p.subjectCode}`;
  $("#summary").replaceChildren(
    ...row("Site", p.siteId), ...row("Disease", p.diseaseCode), ...row("Status", p.status), ...row("Enrolled", p.enrolledOn),
    ...row("First dose", p.firstDoseOn), ...row("Last visit", p.lastVisitOn),
    ...row("Regimen", `${p.regimen.inductionDays} induction days, then every ${p.regimen.maintenanceIntervalDays} days`),
    ...row("Year of birth, sex", `${p.birthYear}, ${p.sex}`), ...row("Therapy", `${p.therapyLine}, ${p.setting}`));
  const link = $("#new-visit");
  if (link) link.href = `/site/patients/${patientId}/visit`;
}

function closePanels() {
  document.querySelectorAll("tr.panel").forEach((tr) => tr.remove());
}

/** Opens a panel row under an entry's row; the panel's first control gets the focus. */
function openPanel(after, content, focusTarget) {
  closePanels();
  const tr = h("tr", { class: "panel" }, h("td", { colspan: "6" }, content));
  after.after(tr);
  (focusTarget ? focusTarget(tr) : tr.querySelector("input, select, textarea, button"))?.focus();
  return tr;
}

const labelOf = (kind, field) => KINDS[kind]?.fields.find((f) => f.name === field)?.label || field;
const shown = (value) => (value === null || value === undefined ? "(none)"
  : Array.isArray(value) ? value.join(", ") || "(none)" : String(value));
const unreachable = (e) => ({
  title: e instanceof SessionEnded ? e.message : "The registry could not be reached; nothing was saved. Try again.",
});

async function showHistory(entry, tr) {
  const result = await api("GET", `/api/patients/${patientId}/entries/${entry.entryId}/history`);
  if (!result.ok) { status(`The history could not be read (${result.status}).`, "error"); return; }
  const reasonOf = (v) => [v.reasonCode && v.reasonCode.replace(/-/g, " "), v.reason].filter(Boolean).join(" – ");
  const changesOf = (v) => Object.entries(v.changes).map(([k, x]) => `${labelOf(entry.kind, k)} → ${shown(x)}`).join("; ");
  const items = result.data.versions.map((v) => h("li", null,
    h("strong", null, `Version ${v.number}: ${v.action}`), ` ${formatInstant(v.at, ctx.timeZone)} by ${v.by || "unknown"}`,
    v.reasonCode || v.reason ? h("div", null, `Reason: ${reasonOf(v)}`) : null,
    v.changes ? h("div", null, `Changed: ${changesOf(v)}`) : null,
    h("div", { class: "hint" }, summarise(entry.kind, v.data))));
  const headingId = `history-${entry.entryId}`;
  openPanel(tr, h("section", { "aria-labelledby": headingId, class: "history" },
    h("h3", { id: headingId, tabindex: "-1" }, `History of the ${KIND_NAMES[entry.kind].toLowerCase()} of ${entry.date}`),
    h("ol", null, items),
    h("button", { type: "button", class: "quiet", onclick: () => { closePanels(); tr.querySelector("button")?.focus(); } }, "Close")),
  (panel) => panel.querySelector("h3"));
}

/** A small form in a panel: its fields, a submit button; errors beside the fields. */
function panelForm(title, fields, submitLabel, onSubmit, tr) {
  const headingId = "panel-" + uuid();
  const form = h("form", { novalidate: true, "aria-labelledby": headingId, class: "panel-form" },
    h("h3", { id: headingId }, title),
    h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "grid" }, fields),
    h("button", { type: "submit" }, submitLabel),
    h("button", { type: "button", class: "quiet", onclick: () => { closePanels(); tr.querySelector("button")?.focus(); } }, "Cancel"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await onSubmit(form);
    } catch (e) {
      showProblem(form, unreachable(e));
    } finally {
      button.disabled = false;
    }
  });
  openPanel(tr, form);
  return form;
}

function reasonFields(codes) {
  // Named apart from the entry's own fields (a held dose has a reason too); the paths are the request's.
  const code = { name: "correctionReasonCode", label: "Reason for the correction", type: "select", options: codes };
  const why = codes ? "What was wrong, and where the right value comes from" : "Why the entry is void";
  return [codes ? renderField(code, "reasonCode") : null, renderField({ name: "writeReason", label: why, type: "text" }, "reason")];
}

const text = (form, name) => form.querySelector(`[data-field="${name}"]`).value.trim() || null;

async function afterWrite(form, result, message, mapPath) {
  if (result.status === 201) {
    await load(message);
    return;
  }
  if (result.status === 412) {
    showProblem(form, {
      title: "Someone changed this patient's record since you opened it.",
      detail: "Nothing was saved. Reload the page to see the current values, then try again.",
    });
    return;
  }
  showProblem(form, problemOf(result), mapPath);
}

function correct(entry, tr) {
  const spec = KINDS[entry.kind];
  const fields = spec.fields.map((f) => renderField(f, `changes.${f.name}`, entry.data[f.name], ctx));
  const title = `Correct the ${KIND_NAMES[entry.kind].toLowerCase()} of ${entry.date}`;
  panelForm(title, [...fields, ...reasonFields(VOCAB.correctionReason)], "Save the correction", async (form) => {
    const values = readEntry(entry.kind, form);
    const changes = {};
    for (const f of spec.fields) {
      const before = entry.data[f.name] ?? (f.type === "multi" ? [] : f.type === "check" ? false : null);
      if (JSON.stringify(values[f.name] ?? null) !== JSON.stringify(before)) changes[f.name] = values[f.name];
    }
    const result = await api("POST", `/api/patients/${patientId}/corrections`,
      { entryId: entry.entryId, changes, reasonCode: text(form, "correctionReasonCode"), reason: text(form, "writeReason") },
      { "If-Match": `"${patient.version}"` });
    await afterWrite(form, result, "Correction saved.");
  }, tr);
}

function voidEntry(entry, tr) {
  panelForm(`Void the ${KIND_NAMES[entry.kind].toLowerCase()} of ${entry.date}`, reasonFields(null), "Void the entry", async (form) => {
    const result = await api("POST", `/api/patients/${patientId}/voids`, { entryId: entry.entryId, reason: text(form, "writeReason") },
      { "If-Match": `"${patient.version}"` });
    await afterWrite(form, result, "Entry voided.");
  }, tr);
}

function followUp(entry, tr) {
  const spec = KINDS["ae-follow-up"];
  const fields = spec.fields.map((f) => renderField(f, f.name, f.initial ? f.initial(ctx) : undefined, ctx));
  panelForm(`Follow-up of ${entry.data.term} (onset ${entry.date})`, fields, "Save the follow-up", async (form) => {
    const values = readEntry("ae-follow-up", form);
    if (!values.seriousCriteria.length) delete values.seriousCriteria;
    const result = await api("POST", `/api/patients/${patientId}/adverse-events/${entry.entryId}/follow-ups`, values,
      { "Idempotency-Key": form.dataset.key ||= uuid() });
    await afterWrite(form, result, "Follow-up saved.");
  }, tr);
}

/** A medication stopped: its own event (not a correction), with the date and a reason. */
function stopMedication(entry, tr) {
  const fields = [
    renderField({ name: "stoppedOn", label: "Stopped on", type: "date" }, "stoppedOn", ctx.visitDate),
    renderField({ name: "stopReason", label: "Why it stopped", type: "text" }, "reason"),
  ];
  panelForm(`Record that ${entry.data.drug} stopped`, fields, "Save the stop", async (form) => {
    const body = { entryId: entry.entryId, stoppedOn: text(form, "stoppedOn"), reason: text(form, "stopReason") };
    const result = await api("POST", `/api/patients/${patientId}/medication-stops`, body,
      { "Idempotency-Key": form.dataset.key ||= uuid(), "If-Match": `"${patient.version}"` });
    await afterWrite(form, result, "Medication stop saved.");
  }, tr);
}

function endOfParticipation(kind) {
  const spec = KINDS[kind];
  const holder = $("#end-panel");
  const form = h("form", { novalidate: true, class: "panel-form", "aria-label": spec.title },
    h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "grid" }, spec.fields.map((f) => renderField(f, f.name, f.initial ? f.initial(ctx) : undefined, ctx))),
    h("button", { type: "submit" }, `Save the ${spec.title.toLowerCase()}`));
  const key = uuid();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const url = `/api/patients/${patientId}/${kind === "withdrawal" ? "withdrawal" : "completion"}`;
    let result;
    try {
      result = await api("POST", url, readEntry(kind, form), { "Idempotency-Key": key, "If-Match": `"${patient.version}"` });
    } catch (e) {
      showProblem(form, unreachable(e));
      return;
    }
    if (result.status === 201) { holder.replaceChildren(); await load(`${spec.title} saved.`); return; }
    await afterWrite(form, result, "");
  });
  holder.replaceChildren(form);
  form.querySelector("input, select").focus();
}

/** The lock in force (the site's writes are refused while it holds); a monitor locks and unlocks with a reason. */
function renderLock() {
  const box = $("#lock");
  const lock = patient.lock;
  const parts = [];
  if (lock) {
    parts.push(h("p", { class: "notice", role: "note" },
      `This record is locked by ${lock.by || "a monitor"} since ${formatInstant(lock.at, ctx.timeZone)}: ${lock.reason}. `
      + "Nothing can be recorded or corrected until a monitor unlocks it."));
  }
  if (isMonitor) {
    const headingId = "lock-heading";
    const form = h("form", { novalidate: true, class: "panel-form", "aria-labelledby": headingId },
      h("h2", { id: headingId }, lock ? "Unlock the record" : "Lock the record"),
      h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
      h("div", { class: "grid" },
        renderField({ name: "lockReason", label: lock ? "Why unlock it" : "Why lock it", type: "text" }, "reason")),
      h("button", { type: "submit" }, lock ? "Unlock the record" : "Lock the record"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await api("POST", `/api/patients/${patientId}/${lock ? "unlock" : "lock"}`, { reason: text(form, "lockReason") });
      await afterWrite(form, result, lock ? "Record unlocked." : "Record locked.");
    });
    parts.push(form);
  }
  box.replaceChildren(...parts);
}

const MEANINGS = [
  ["review", "Review: I have reviewed this record"],
  ["approval", "Approval: I approve this record as complete and accurate"],
  ["responsibility", "Responsibility: I take responsibility for this record's data"],
];

/** Signatures of the record (name, date and time, meaning; broken by a later change); an investigator signs here. */
function renderSignatures() {
  const list = patient.signatures || [];
  const items = list.map((s) => h("li", { class: s.brokenAt ? "broken" : "valid" },
    h("strong", null, `${s.name} (${s.by || "unknown"})`), ` signed on ${formatInstant(s.at, ctx.timeZone)} – ${s.meaning}. `,
    s.brokenAt
      ? h("span", { class: "notice" },
        `Broken on ${formatInstant(s.brokenAt, ctx.timeZone)} by a later change (${s.brokenBy.replace(/-/g, " ")}): `
        + "a new signature is needed.")
      : h("span", null, "In force.")));
  const parts = [list.length ? h("ol", null, items) : h("p", null, "Not signed yet.")];
  if (isSite) {
    const headingId = "sign-heading";
    const form = h("form", { novalidate: true, class: "panel-form", "aria-labelledby": headingId },
      h("h3", { id: headingId }, "Sign this record"),
      h("p", { class: "hint" }, "Investigators only. Review the whole record first: your electronic signature is the legally "
        + "binding equivalent of your handwritten signature. Any later change of the record breaks it."),
      h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
      h("div", { class: "grid" },
        renderField({ name: "signatureMeaning", label: "Meaning of the signature", type: "select", options: MEANINGS }, "meaning"),
        renderField({ name: "signaturePassword", label: "Your password, again", type: "password" }, "password")),
      h("button", { type: "submit" }, "Sign the record"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const password = form.querySelector('[data-field="signaturePassword"]');
      const body = { meaning: text(form, "signatureMeaning"), password: password.value };
      password.value = "";
      const result = await api("POST", `/api/patients/${patientId}/signatures`, body);
      await afterWrite(form, result, "Record signed.");
    });
    parts.push(form);
  }
  $("#signature-list").replaceChildren(...parts);
}

function raiseQuery(entry, tr) {
  const spec = KINDS[entry.kind];
  const options = (spec?.fields || []).map((f) => [f.name, f.label]);
  const fields = [
    renderField({ name: "queryField", label: "Field in question", type: "select", options }, "field"),
    renderField({ name: "queryText", label: "Question", type: "text" }, "text"),
  ];
  panelForm(`Raise a query on the ${KIND_NAMES[entry.kind].toLowerCase()} of ${entry.date}`, fields, "Raise the query", async (form) => {
    const field = text(form, "queryField");
    const result = await api("POST", `/api/patients/${patientId}/queries`,
      { entryId: entry.entryId, field: field ? `$.${field}` : null, text: text(form, "queryText") });
    await afterWrite(form, result, "Query raised.");
  }, tr);
}

async function verify(entry) {
  const result = await api("POST", `/api/patients/${patientId}/verifications`, { entryId: entry.entryId, revision: entry.revision });
  if (result.status === 201) {
    await load(`Verified: ${KIND_NAMES[entry.kind].toLowerCase()} of ${entry.date}, revision ${entry.revision}.`);
    return;
  }
  status(problemOf(result).title, "error");
}

/** A query's next step in a panel: the site answers; a monitor closes or re-opens it. */
function queryStep(query, step, tr) {
  const titles = { answers: "Answer the query", closure: "Close the query", reopening: "Re-open the query" };
  const labels = { answers: "Your answer", closure: "A note (optional)", reopening: "What is still in question" };
  panelForm(titles[step], [renderField({ name: "stepText", label: labels[step], type: "text" }, "text")], titles[step], async (form) => {
    // With the record's version: a step taken on what the page shows (an answer that came meanwhile is a 412, not closed unread).
    const result = await api("POST", `/api/patients/${patientId}/queries/${query.queryId}/${step}`, { text: text(form, "stepText") },
      { "If-Match": `"${patient.version}"` });
    await afterWrite(form, result, `${titles[step].replace(" the query", "")}: done.`);
  }, tr);
}

function queryRow(query) {
  const thread = query.thread.map((s) => h("li", null,
    h("strong", null, s.step), ` ${formatInstant(s.at, ctx.timeZone)} by ${s.by || "unknown"}`,
    s.corrected ? " (with a correction)" : "", s.text ? `: ${s.text}` : ""));
  const actions = h("td", { class: "actions" });
  const tr = h("tr", { class: "query " + query.status, id: `query-${query.queryId}` },
    h("td", null), h("th", { scope: "row" }, "Query"),
    h("td", null, h("div", null, `On ${labelOf(query.entryKind, query.field.replace(/^\$\./, ""))}`), h("ol", null, thread)),
    h("td", null, h("span", { class: "flag " + query.status }, query.status)), h("td", null), actions);
  const action = (label, step) => h("button", { type: "button", class: "quiet", onclick: () => queryStep(query, step, tr) }, label);
  if (isSite && query.status === "open") actions.append(action("Answer", "answers"));
  if (isMonitor && query.status !== "closed") actions.append(action("Close", "closure"));
  if (isMonitor && query.status !== "open") actions.append(action("Re-open", "reopening"));
  return tr;
}

function renderTimeline() {
  const body = $("#timeline tbody");
  body.replaceChildren();
  if (!patient.entries.length) {
    body.append(h("tr", null, h("td", { colspan: "6" }, "Nothing recorded yet.")));
    return;
  }
  for (const entry of patient.entries) {
    const name = `${KIND_NAMES[entry.kind] || entry.kind} of ${entry.date}`;
    const actions = h("td", { class: "actions" });
    const tr = h("tr", { "data-entry": entry.entryId, class: entry.status },
      h("td", null, entry.date), h("th", { scope: "row" }, KIND_NAMES[entry.kind] || entry.kind),
      h("td", null, summarise(entry.kind, entry.data)),
      h("td", null, h("span", { class: "flag " + entry.status }, entry.status),
        patient.verified?.[entry.entryId]?.revision === entry.revision ? h("span", { class: "flag verified" }, "verified") : null),
      h("td", null, `${formatInstant(entry.recordedAt, ctx.timeZone)} by ${entry.recordedBy || "unknown"}`), actions);
    const action = (text, label, onclick) => h("button", { type: "button", class: "quiet", "aria-label": label, onclick }, text);
    actions.append(action("History", `History of the ${name.toLowerCase()}`, () => showHistory(entry, tr)));
    if (isMonitor && entry.status !== "voided") {
      actions.append(action("Query", `Raise a query on the ${name.toLowerCase()}`, () => raiseQuery(entry, tr)));
      if (patient.verified?.[entry.entryId]?.revision !== entry.revision) {
        actions.append(action("Verify", `Mark the ${name.toLowerCase()} verified (revision ${entry.revision})`, () => verify(entry)));
      }
    }
    if (isSite && entry.status !== "voided" && !patient.lock) {
      if (KINDS[entry.kind]) actions.append(action("Correct", `Correct the ${name.toLowerCase()}`, () => correct(entry, tr)));
      actions.append(action("Void", `Void the ${name.toLowerCase()}`, () => voidEntry(entry, tr)));
      if (entry.kind === "adverse-event") {
        actions.append(action("Follow-up", `Follow-up of the ${name.toLowerCase()}`, () => followUp(entry, tr)));
      }
      if (entry.kind === "conmed" && !entry.data.stoppedOn) {
        actions.append(action("Stop", `Record that the ${name.toLowerCase()} stopped`, () => stopMedication(entry, tr)));
      }
    }
    body.append(tr);
    for (const query of (patient.queries || []).filter((q) => q.entryId === entry.entryId)) body.append(queryRow(query));
  }
}

async function load(message) {
  // The entry kinds are fetched once (cached): the timeline's words and the correction forms need them.
  const [loaded] = await Promise.all([loadPatient(patientId), loadEntryKinds()]);
  if (!loaded) return;
  patient = loaded;
  if (!ctx.visitDate) {
    const [catalogue, site] = await Promise.all([
      api("GET", "/api/catalogue"), api("GET", `/api/sites/${encodeURIComponent(patient.siteId)}`)]);
    ctx.instruments = catalogue.data.diseases.find((d) => d.code === patient.diseaseCode)?.instruments || [];
    ctx.catalogue = catalogue.data;
    ctx.visitDate = site.ok ? site.data.today : new Date().toISOString().slice(0, 10);
    ctx.timeZone = site.ok ? site.data.timeZone : undefined;
  }
  renderSummary();
  renderLock();
  await renderAmendments($("#amendment-list"), {
    patient, isSite, isMonitor, timeZone: ctx.timeZone, today: ctx.visitDate, catalogue: ctx.catalogue, reload: load });
  renderSignatures();
  renderTimeline();
  $("#patient").hidden = false;
  status(message || "");
}

async function start() {
  const s = await initHeader();
  isSite = s.role === "site";
  isMonitor = s.role === "monitor";
  $("#withdraw")?.addEventListener("click", () => endOfParticipation("withdrawal"));
  $("#complete")?.addEventListener("click", () => endOfParticipation("completion"));
  const saved = new URLSearchParams(location.search).get("saved");
  await load(saved ? `Visit saved: ${saved} ${saved === "1" ? "entry" : "entries"} recorded.` : "");
}

start().catch((e) => status(String(e.message || e), "error"));
