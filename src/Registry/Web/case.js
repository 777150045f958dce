// One SAE case for the pv officer (monitors read it): the clock, the actions the case's step allows (each confirmed
// before it is saved, its errors beside its fields), the report downloads (E2B(R3) and CIOMS I, the next report's draft
// and every version sent), the narrative with its versions, and the patient's context around the onset.
import { $, h, status, formatInstant } from "./dom.js";
import { api, uuid, initHeader } from "./api.js";
import { renderField, readField, showProblem, clearErrors, problemOf } from "./forms.js";

const adverseEventId = (location.pathname.match(/\/safety\/cases\/([0-9a-fA-F-]{36})/) || [])[1];
let pv = false;
let current = null;

const words = (v) => (v === null || v === undefined || v === "" ? "–" : String(v).replace(/-/g, " "));
const row = (label, value) => [h("dt", null, label), h("dd", null, value ?? "–")];
const judged = (expected) => (expected === true ? "expected" : expected === false ? "unexpected" : "not assessed");
const KIND = { initial: "Initial", "follow-up": "Follow-up", nullification: "Nullification", amendment: "Amendment" };
const STEP = {
  acknowledged: "Acknowledged", submitted: "Initial report submitted", "complete-report": "Complete report submitted",
  "follow-up-report": "Follow-up report submitted", nullification: "Nullification submitted", narrative: "Narrative written",
  amendment: "Amendment submitted",
};

function renderClock(c, d) {
  document.title = `${c.subjectCode}: ${c.term} · Registry`;
  $("#title").textContent = `SAE case: ${c.term} (${c.subjectCode})`;
  const flags = [c.overdue ? "OVERDUE" : null, c.susar ? "SUSAR" : null, c.downgraded ? "downgraded" : null,
    c.nullifiedOn ? `nullified ${c.nullifiedOn}` : null, d.voided ? "voided by the site" : null].filter(Boolean).join(", ");
  $("#clock").replaceChildren(
    ...row("Step", h("span", { class: "flag " + c.status, id: "case-status" }, words(c.status))),
    ...row("Flags", flags || "none"),
    ...row("Worldwide case id", d.worldwideCaseId),
    ...row("Event", `${c.term}${d.report.meddraPtCode ? ` (MedDRA PT ${d.report.meddraPtCode})` : ""}, grade ${c.worstGrade} at worst`),
    ...row("Seriousness", c.seriousCriteria.map(words).join(", ") || "not serious"),
    ...row("Causality, expectedness", `${words(c.causality)}; ${judged(c.expected)}`),
    ...row("Onset", d.onsetOn === d.imputedOnset ? d.onsetOn : `${d.onsetOn} (imputed ${d.imputedOnset})`),
    ...row("Outcome", words(c.outcome)),
    ...row("Site aware", `${c.awareOn}; recorded ${formatInstant(c.recordedAt, "UTC")} (site ${c.siteLate ? "late" : "on time"})`),
    ...row("Regulatory report due", c.regulatoryDueOn), ...row("Submitted", c.submittedOn),
    ...row("Complete report due", c.completeReportDueOn), ...row("Complete report", c.completeReportOn));
}

/**
 * A confirmed action: a form whose submit first asks "Confirm", then posts; errors beside the fields; a 201 reloads.
 * `draftKind` (a nullification or an amendment): the form also downloads the report it records, with the reason typed.
 */
function actionForm(title, fields, submitLabel, url, shape, draftKind) {
  const headingId = "action-" + uuid();
  const confirm = h("div", { class: "confirm", hidden: true });
  const form = h("form", { novalidate: true, class: "panel-form", "aria-labelledby": headingId },
    h("h3", { id: headingId }, title),
    h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
    fields.length ? h("div", { class: "grid" }, fields.map((f) => renderField(f, f.name, f.initial))) : null,
    h("button", { type: "submit" }, submitLabel + "…"), confirm);
  if (draftKind) {
    const download = (what) => () => {
      const reason = (readField({ name: "reason", type: "text" }, form) || "").trim();
      const query = new URLSearchParams({ kind: draftKind });
      if (reason) query.set("reason", reason);
      location.href = `/api/safety/sae/${adverseEventId}/${what}?${query}`;
    };
    form.append(h("p", { class: "hint" }, "Download the report with the reason typed, send it, then record it here."),
      h("button", { type: "button", class: "quiet", onclick: download("e2b") }, `E2B(R3) XML of the ${draftKind}`),
      h("button", { type: "button", class: "quiet", onclick: download("cioms") }, `CIOMS I PDF of the ${draftKind}`));
  }
  const key = uuid();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(form);
    const values = Object.fromEntries(fields.map((f) => [f.name, readField(f, form)]));
    const body = shape ? shape(values) : values;
    const yes = h("button", { type: "button" }, `Confirm: ${submitLabel.toLowerCase()}`);
    const no = h("button", { type: "button", class: "quiet" }, "Cancel");
    confirm.replaceChildren(h("p", null, `${submitLabel} for ${current.clock.subjectCode}'s ${current.clock.term}?`), yes, no);
    confirm.hidden = false;
    yes.focus();
    no.addEventListener("click", () => { confirm.hidden = true; });
    yes.addEventListener("click", async () => {
      yes.disabled = true;
      let result;
      try {
        result = await api("POST", url, body, { "Idempotency-Key": key });
      } catch {
        confirm.hidden = true;
        showProblem(form, { title: "The registry could not be reached; nothing was saved. Try again." });
        return;
      }
      confirm.hidden = true;
      if (result.status === 201) { await load(`${title}: saved.`); return; }
      showProblem(form, problemOf(result));
    });
  });
  return form;
}

function renderActions(c, d) {
  const today = new Date().toISOString().slice(0, 10);
  const submission = [
    { name: "submittedOn", label: "Date submitted", type: "date", initial: today },
    { name: "authority", label: "Authority", type: "text", hint: "e.g. ANSM, EMA (EudraVigilance), BfArM." },
    { name: "reference", label: "Reference", type: "text", hint: "As the authority acknowledged it." },
  ];
  const base = `/api/safety/sae/${adverseEventId}`;
  const forms = [];
  if (c.status === "awaiting-acknowledgement") {
    forms.push(actionForm("Acknowledge the case", [], "Acknowledge", `${base}/acknowledgement`, () => ({})));
  }
  if (c.status === "awaiting-submission") {
    forms.push(actionForm("Record the submission", submission, "Record the submission", `${base}/submissions`,
      (v) => ({ ...v, kind: "initial" })));
  }
  if (c.status === "submitted" && c.completeReportDueOn && !c.completeReportOn) {
    forms.push(actionForm("Record the complete report", submission, "Record the complete report", `${base}/submissions`,
      (v) => ({ ...v, kind: "complete" })));
  }
  if (c.submittedOn && !c.nullifiedOn) {
    forms.push(actionForm("Add a follow-up report (new information received)",
      [{ name: "receivedOn", label: "Date the new information was received", type: "date", initial: today }, ...submission],
      "Record the follow-up report", `${base}/follow-up-reports`));
  }
  if (c.submittedOn && !c.nullifiedOn && !c.downgraded) {
    forms.push(actionForm("Record an amendment (an earlier report corrected, no new information)", [...submission,
      { name: "reason", label: "What the amendment corrects", type: "text", wide: true }],
    "Record the amendment", `${base}/amendments`, null, "amendment"));
  }
  if (c.submittedOn && c.downgraded && !c.nullifiedOn) {
    forms.push(actionForm("Record the nullification", [...submission,
      { name: "reason", label: "Why the case is nullified", type: "text", wide: true }],
    "Record the nullification", `${base}/nullifications`, null, "nullification"));
  }
  $("#actions").replaceChildren(...(forms.length ? forms : [h("p", null, "No action is due on this case.")]));
}

function downloads(version) {
  const q = version ? `?version=${version}` : "";
  const name = version ? `version ${version}` : "the next report's draft";
  return [
    h("a", { class: "button", href: `/api/safety/sae/${adverseEventId}/e2b${q}`, download: "", "aria-label": `E2B(R3) XML of ${name}` },
      "E2B(R3) XML"),
    " ",
    h("a", { class: "button", href: `/api/safety/sae/${adverseEventId}/cioms${q}`, download: "", "aria-label": `CIOMS I PDF of ${name}` },
      "CIOMS I PDF"),
  ];
}

function renderReports(d) {
  $("#downloads").replaceChildren(d.clock.nullifiedOn
    ? h("p", null, "No further report: the case was nullified.")
    : h("p", null, `Next report: version ${d.nextReport.version}, ${KIND[d.nextReport.kind]}. `, ...downloads(null)));
  $("#reports tbody").replaceChildren(...d.reports.map((r) => h("tr", null,
    h("th", { scope: "row" }, String(r.version)), h("td", null, KIND[r.kind] + (r.reason ? ` (${r.reason})` : "")),
    h("td", null, r.submittedOn || "–"), h("td", null, `${r.authority || "–"}, ${r.reference || "–"}`),
    h("td", null, `${formatInstant(r.at, "UTC")} by ${r.by || "–"}`), h("td", null, ...downloads(r.version)))));
  if (!d.reports.length) $("#reports tbody").append(h("tr", null, h("td", { colspan: "6" }, "No report sent yet.")));
}

function renderNarrative(d) {
  const area = h("textarea", { id: "narrative-text", rows: "10", readonly: !pv, "aria-describedby": "narrative-hint" }, d.narrative);
  const hint = h("p", { class: "hint", id: "narrative-hint" }, d.narrativeIsDraft
    ? "A draft generated from the record (a fixed template). Edit it and save: each save is a version, and the reports carry the latest."
    : `Version ${d.narrativeVersions.length}, by ${d.narrativeVersions.at(-1).by || "–"}.`);
  const parts = [h("div", { class: "field wide" }, h("label", { for: "narrative-text" }, "Case narrative"), area, hint)];
  if (pv) {
    const form = h("form", { novalidate: true, class: "panel-form", "aria-label": "Narrative" },
      h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }), ...parts,
      h("button", { type: "submit" }, "Save the narrative"),
      h("button", { type: "button", class: "quiet", onclick: () => { area.value = d.narrativeDraft; } }, "Start again from the draft"));
    area.dataset.path = "text";
    let key = uuid();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let result;
      try {
        result = await api("POST", `/api/safety/sae/${adverseEventId}/narratives`, { text: area.value }, { "Idempotency-Key": key });
      } catch {
        showProblem(form, { title: "The registry could not be reached; nothing was saved. Try again." });
        return;
      }
      if (result.status === 201) { key = uuid(); await load("Narrative saved."); return; }
      showProblem(form, problemOf(result));
    });
    parts.splice(0, parts.length, form);
  }
  if (d.narrativeVersions.length) {
    parts.push(h("details", null, h("summary", null, `Earlier versions (${d.narrativeVersions.length})`),
      h("ol", null, d.narrativeVersions.map((v) => h("li", null, h("strong", null, `${formatInstant(v.at, "UTC")} by ${v.by || "–"}`),
        h("p", null, v.text))))));
  }
  $("#narrative").replaceChildren(...parts);
}

function renderPatient(d) {
  const p = d.patient;
  $("#patient").replaceChildren(...row("Subject", p.subjectCode), ...row("Site", `${p.siteId}${p.siteName ? ` (${p.siteName})` : ""}`),
    ...row("Disease", p.diseaseName), ...row("Age band at onset", p.ageBand), ...row("Sex", p.sex),
    ...row("Therapy line", p.therapyLine === "standalone" ? "stand-alone" : "add-on"), ...row("Enrolled", p.enrolledOn),
    ...row("First dose", p.firstDoseOn), ...row("Died", p.diedOn));
  const items = [
    ...d.doses.map((x) => ({ on: x.givenOn, from: x.daysFromOnset, day: x.studyDay,
      what: `Dose ${x.doseIu.toLocaleString("en")} IU ${words(x.route)}, ${x.product} (${x.phase})` })),
    ...d.tregs.map((x) => ({ on: x.sampledOn, from: x.daysFromOnset, day: x.studyDay,
      what: `Treg ${x.tregPercentOfCd4} % of CD4${x.tconvPercentOfCd4 !== null ? `, Tconv ${x.tconvPercentOfCd4} %` : ""}` })),
    ...d.scores.map((x) => ({ on: x.assessedOn, from: x.daysFromOnset, day: x.studyDay, what: `${x.instrument} ${x.value}` })),
    { on: d.imputedOnset, from: 0, day: null, what: `Onset of ${d.report.term}` },
  ].sort((a, b) => a.from - b.from);
  $("#around tbody").replaceChildren(...items.map((x) => h("tr", { class: x.from === 0 && x.what.startsWith("Onset") ? "onset" : "" },
    h("td", null, x.on), h("td", null, x.from > 0 ? `+${x.from}` : String(x.from)), h("td", null, x.day === null ? "–" : String(x.day)),
    h("td", null, x.what))));
  $("#conmeds tbody").replaceChildren(...d.conmeds.map((m) => h("tr", null, h("td", null, m.drug), h("td", null, words(m.drugClass)),
    h("td", null, m.dose === null ? "–" : `${m.dose} ${m.unit || ""}`), h("td", null, m.startedOn || "–"),
    h("td", null, m.stoppedOn || "–"))));
  if (!d.conmeds.length) $("#conmeds tbody").append(h("tr", null, h("td", { colspan: "5" }, "None recorded.")));
  $("#versions tbody").replaceChildren(...d.eventVersions.map((v) => h("tr", null,
    h("td", null, formatInstant(v.at, "UTC")), h("td", null, words(v.change) + (v.reportedOn ? ` (reported ${v.reportedOn})` : "")),
    h("td", null, v.now ? `${v.now.grade} (${v.now.worstGrade})` : "–"),
    h("td", null, v.now ? v.now.seriousCriteria.map(words).join(", ") || "not serious" : "voided"),
    h("td", null, v.now ? `${words(v.now.causality)}; ${judged(v.now.expected)}` : "–"),
    h("td", null, v.now ? words(v.now.outcome) : "–"))));
  $("#steps tbody").replaceChildren(...d.steps.map((s) => h("tr", null,
    h("td", null, formatInstant(s.at, "UTC")), h("td", null, STEP[s.kind] || s.kind), h("td", null, s.by || "–"),
    h("td", null, [s.submittedOn && `submitted ${s.submittedOn}`, s.receivedOn && `received ${s.receivedOn}`, s.authority,
      s.reference, s.reason, s.kind === "narrative" ? `${(s.text || "").length} characters` : null].filter(Boolean).join("; ") || "–"))));
  if (!d.steps.length) $("#steps tbody").append(h("tr", null, h("td", { colspan: "4" }, "No step yet.")));
}

async function load(message) {
  const result = await api("GET", `/api/safety/sae/${adverseEventId}`);
  if (result.status === 404) {
    $("#title").textContent = "Case not found";
    status("There is no serious adverse event with this id.", "error");
    return;
  }
  if (!result.ok) { status(problemOf(result).title, "error"); return; }
  current = result.data;
  renderClock(current.clock, current);
  $("#actions-section").hidden = !pv;
  $("#reports-section").hidden = !pv;
  if (pv) { renderActions(current.clock, current); renderReports(current); }
  renderNarrative(current);
  renderPatient(current);
  status(message || "");
}

async function start() {
  const session = await initHeader();
  pv = session.role === "pv";
  await load();
}

start().catch((e) => status(String(e.message || e), "error"));
