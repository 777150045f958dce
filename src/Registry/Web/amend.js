// Amendments of a patient's enrolment, from the patient's page: the record of them (corrections, transfers, regimen
// changes, a void), and the forms: a site corrects the enrolment with a coded reason, changes the regimen from a date
// and voids a duplicate enrolment; a monitor transfers the patient to another site. Each is one POST with a reason.
import { h, formatInstant } from "./dom.js";
import { api, uuid } from "./api.js";
import { renderField, readField, showProblem, problemOf } from "./forms.js";
import { VOCAB } from "./entry-kinds.js";

const KIND_WORDS = {
  "enrolment-corrected": "Enrolment corrected",
  transferred: "Transferred",
  "regimen-changed": "Regimen changed",
  "enrolment-voided": "Enrolment voided as a duplicate",
};

const shown = (changes) => Object.entries(changes || {}).map(([k, v]) => `${k}: ${v}`).join("; ");

/**
 * A form in the amendments section: its fields, a submit button, errors beside the fields. `send(values)` posts;
 * a 201 reloads the page's record (`done`), anything else shows the problem.
 */
function sectionForm(title, fields, submitLabel, send, done) {
  const headingId = "amend-" + uuid();
  const form = h("form", { novalidate: true, class: "panel-form", "aria-labelledby": headingId },
    h("h3", { id: headingId }, title),
    h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "grid" }, fields.map((f) => renderField(f, f.path || f.name, f.initial))),
    h("button", { type: "submit" }, submitLabel));
  const key = uuid();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(fields.map((f) => [f.name, readField(f, form)]));
    let result;
    try {
      result = await send(values, key);
    } catch {
      showProblem(form, { title: "The registry could not be reached; nothing was saved. Try again." });
      return;
    }
    if (result.status === 201) { await done(`${title}: saved.`); return; }
    showProblem(form, problemOf(result));
  });
  return h("details", { class: "amend" }, h("summary", null, title), form);
}

/** The amendments section of the patient's page. */
export async function renderAmendments(holder, { patient, isSite, isMonitor, timeZone, today, catalogue, reload }) {
  const parts = [];
  if (patient.voidedBecause) {
    parts.push(h("p", { class: "notice", role: "note" },
      `This enrolment was voided as a duplicate: ${patient.voidedBecause}. It counts in no figure, list or export.`));
  }
  const list = patient.amendments || [];
  parts.push(list.length
    ? h("ol", null, list.map((a) => h("li", null,
      h("strong", null, KIND_WORDS[a.kind] || a.kind), ` ${formatInstant(a.at, timeZone)} by ${a.by || "unknown"}`,
      a.reasonCode ? ` (${a.reasonCode.replace(/-/g, " ")})` : "", `: ${a.reason}`,
      a.changes ? h("div", { class: "hint" }, shown(a.changes)) : null)))
    : h("p", null, "No amendment of the enrolment."));

  const url = (path) => `/api/patients/${patient.patientId}/${path}`;
  const headers = (key) => ({ "Idempotency-Key": key, "If-Match": `"${patient.version}"` });
  const writable = !patient.voidedBecause && !patient.lock;
  if (isSite && writable) {
    const diseases = (catalogue?.diseases || []).map((d) => [d.code, d.name]);
    const enrolment = [
      { name: "diseaseCode", path: "changes.diseaseCode", label: "Disease", type: "select", options: diseases,
        initial: patient.diseaseCode },
      { name: "birthYear", path: "changes.birthYear", label: "Year of birth", type: "integer", initial: String(patient.birthYear) },
      { name: "sex", path: "changes.sex", label: "Sex", type: "select", options: VOCAB.sex, initial: patient.sex },
      { name: "enrolledOn", path: "changes.enrolledOn", label: "Enrolment date", type: "date", initial: patient.enrolledOn },
      { name: "consentVersion", path: "changes.consentVersion", label: "Consent form version", type: "text",
        initial: patient.consentVersion },
      { name: "therapyLine", path: "changes.therapyLine", label: "IL-2 given", type: "select", options: VOCAB.therapyLine,
        initial: patient.therapyLine },
      { name: "setting", path: "changes.setting", label: "Care setting", type: "select", options: VOCAB.setting,
        initial: patient.setting },
      { name: "reasonCode", label: "Reason for the correction", type: "select", options: VOCAB.correctionReason },
      { name: "reason", label: "What was wrong, and where the right value comes from", type: "text" },
    ];
    parts.push(sectionForm("Correct the enrolment", enrolment, "Save the correction", (v, key) => {
      // Only what differs from the enrolment goes: the correction names the fields it changes.
      const changes = {};
      for (const f of enrolment.filter((x) => x.path)) {
        const before = f.name === "birthYear" ? patient.birthYear : patient[f.name];
        if (v[f.name] !== null && String(v[f.name]) !== String(before)) changes[f.name] = v[f.name];
      }
      return api("POST", url("enrolment/corrections"), { changes, reasonCode: v.reasonCode, reason: v.reason }, headers(key));
    }, reload));

    const regimen = [
      { name: "inductionDays", label: "Induction days", type: "integer", initial: String(patient.regimen.inductionDays) },
      { name: "maintenanceIntervalDays", label: "Maintenance interval (days)", type: "integer",
        initial: String(patient.regimen.maintenanceIntervalDays) },
      { name: "changedOn", label: "From", type: "date", initial: today },
      { name: "reason", label: "Why the regimen changes", type: "text" },
    ];
    parts.push(sectionForm("Change the regimen", regimen, "Save the regimen",
      (v, key) => api("POST", url("regimen"), v, headers(key)), reload));

    const others = await api("GET", `/api/patients?siteId=${encodeURIComponent(patient.siteId)}`);
    const candidates = (others.ok ? others.data : [])
      .filter((p) => p.patientId !== patient.patientId && p.status !== "voided")
      .map((p) => [p.patientId, p.subjectCode]);
    const duplicate = [
      { name: "duplicateOf", label: "The enrolment that stays (the same patient)", type: "select", options: candidates },
      { name: "reason", label: "Why this enrolment is a duplicate", type: "text" },
    ];
    parts.push(sectionForm("Void this enrolment as a duplicate", duplicate, "Void the enrolment",
      (v, key) => api("POST", url("enrolment/void"), v, headers(key)), reload));
  }
  if (isMonitor && writable) {
    const transfer = [
      { name: "toSiteId", label: "Site the patient moves to", type: "text", hint: "Its id, e.g. DE01." },
      { name: "subjectCode", label: "Subject code at that site", type: "text" },
      { name: "transferredOn", label: "Date of the transfer", type: "date", initial: today },
      { name: "reason", label: "Why the patient moves", type: "text" },
    ];
    parts.push(sectionForm("Transfer to another site", transfer, "Transfer the patient",
      (v, key) => api("POST", url("transfer"), v, headers(key)), reload));
  }
  holder.replaceChildren(...parts);
}
