// The site's worklist: what is due for each patient (next dose by regimen, the day-8 Treg sample),
// the site's serious adverse events with their 24-hour clock, and every patient.
import { $, h, status, formatInstant } from "./dom.js";
import { api, uuid, initHeader, SessionEnded } from "./api.js";
import { renderField, showProblem, problemOf } from "./forms.js";

const ITEM_NAMES = { dose: "Dose", "treg-sample": "Treg sample" };
const STATE_ORDER = { overdue: 0, due: 1, upcoming: 2 };
// The patients come a page at a time, most urgent first: pages are read until every item due in the next
// seven days is in (the due table is then complete); further pages on request ("Show more patients").
const DUE_HORIZON_DAYS = 7;
let worklist = null;
let nextPage = null;
let siteFilter = "";
let found = null; // the server's answer to a search while not every patient is loaded

function describeItem(item) {
  if (item.item === "dose") return `${ITEM_NAMES.dose} (${item.phase}, study day ${item.studyDay})`;
  if (item.item === "score") return `Day-${item.studyDay} clinical score (window ${item.windowFrom} to ${item.windowTo})`;
  return `Day-${item.studyDay} Treg sample (window ${item.windowFrom} to ${item.windowTo})`;
}

function todayOf(siteId) {
  return worklist.sites.find((s) => s.siteId === siteId)?.today;
}

function zoneOf(siteId) {
  return worklist.sites.find((s) => s.siteId === siteId)?.timeZone;
}

function daysBetween(from, to) {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
}

function notDone(patient, item, tr) {
  document.querySelectorAll("tr.panel").forEach((x) => x.remove());
  const headingId = "nd-" + uuid();
  const reason = renderField(
    { name: "reason", label: "Why it will not happen", type: "text", hint: "e.g. dose held for fever; sample not taken" },
    "notDone[0].reason");
  const form = h("form", { novalidate: true, class: "panel-form", "aria-labelledby": headingId },
    h("h3", { id: headingId }, `Mark not done: ${describeItem(item)} for ${patient.subjectCode}, due ${item.dueOn}`),
    h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
    reason,
    h("button", { type: "submit" }, "Mark not done"),
    h("button", { type: "button", class: "quiet", onclick: () => { panel.remove(); tr.querySelector("button")?.focus(); } }, "Cancel"));
  const visitId = uuid();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const today = todayOf(patient.siteId);
    let result;
    try {
      result = await api("POST", `/api/patients/${patient.patientId}/visits`, {
        visitId, visitDate: today,
        notDone: [{ item: item.item, dueOn: item.dueOn, reason: form.querySelector("[data-field=reason]").value.trim() || null }],
      });
    } catch (e) {
      const title = e instanceof SessionEnded ? e.message : "The registry could not be reached; nothing was saved. Try again.";
      showProblem(form, { title });
      return;
    }
    if (result.status === 201) { await load(`${describeItem(item)} for ${patient.subjectCode} marked not done.`); return; }
    showProblem(form, problemOf(result));
  });
  const panel = h("tr", { class: "panel" }, h("td", { colspan: "5" }, form));
  tr.after(panel);
  form.querySelector("input").focus();
}

function render() {
  const visible = (siteId) => !siteFilter || siteId === siteFilter;
  const patients = worklist.patients.filter((p) => visible(p.siteId));

  const due = [];
  for (const p of patients) {
    const today = todayOf(p.siteId);
    for (const item of p.due) {
      if (item.state === "upcoming" && daysBetween(today, item.dueOn) > 7) continue;
      due.push({ p, item });
    }
  }
  due.sort((a, b) => STATE_ORDER[a.item.state] - STATE_ORDER[b.item.state] || a.item.dueOn.localeCompare(b.item.dueOn) ||
    a.p.subjectCode.localeCompare(b.p.subjectCode));
  const dueBody = $("#due tbody");
  dueBody.replaceChildren(...due.map(({ p, item }) => {
    const tr = h("tr", { class: item.state },
      h("th", { scope: "row" }, h("a", { href: `/site/patients/${p.patientId}` }, p.subjectCode)),
      h("td", null, describeItem(item)), h("td", null, item.dueOn),
      h("td", null, h("span", { class: "flag " + item.state }, item.state)),
      h("td", { class: "actions" }));
    tr.lastChild.append(
      h("a", { class: "button", href: `/site/patients/${p.patientId}/visit` }, "Enter visit"),
      h("button", { type: "button", class: "quiet", "aria-label": `Mark not done: ${describeItem(item)} for ${p.subjectCode}`,
        onclick: () => notDone(p, item, tr) }, "Not done…"));
    return tr;
  }));
  if (!due.length) dueBody.append(h("tr", null, h("td", { colspan: "5" }, "Nothing due in the next seven days.")));

  const queries = (worklist.openQueries || []).filter((q) => visible(q.siteId));
  $("#queries tbody").replaceChildren(...queries.map((q) => h("tr", null,
    h("th", { scope: "row" }, h("a", { href: `/site/patients/${q.patientId}#query-${q.queryId}` }, q.subjectCode)),
    h("td", null, `${q.entryKind}: ${q.field.replace(/^\$\./, "")}`), h("td", null, q.last.text || ""),
    h("td", null, `${formatInstant(q.openedAt, zoneOf(q.siteId))} by ${q.openedBy || "a monitor"}`),
    h("td", null, q.ageDays === 1 ? "1 day" : `${q.ageDays} days`))));
  if (!queries.length) $("#queries tbody").append(h("tr", null, h("td", { colspan: "5" }, "No open queries.")));

  const signatures = (worklist.signaturesDue || []).filter((s) => visible(s.siteId));
  $("#signatures-due tbody").replaceChildren(...signatures.map((s) => h("tr", null,
    h("th", { scope: "row" }, h("a", { href: `/site/patients/${s.patientId}#signatures` }, s.subjectCode)),
    h("td", null, s.reason === "broken" ? "A change after the last signature broke it" : "Follow-up ended; not signed"),
    h("td", null, s.since ? formatInstant(s.since, zoneOf(s.siteId)) : "–"))));
  if (!signatures.length) $("#signatures-due tbody").append(h("tr", null, h("td", { colspan: "3" }, "No signature due.")));

  const owed = (worklist.followUpsOwed || []).filter((f) => visible(f.siteId));
  $("#follow-ups-owed tbody").replaceChildren(...owed.map((f) => h("tr", { class: "overdue" },
    h("th", { scope: "row" }, h("a", { href: `/site/patients/${f.patientId}` }, f.subjectCode)),
    h("td", null, `${f.term}, grade ${f.worstGrade}${f.serious ? " (serious)" : ""}, onset ${f.onsetOn}`),
    h("td", null, f.outcome.replaceAll("-", " ")), h("td", null, f.lastNewsOn), h("td", null, f.dueOn))));
  if (!owed.length) $("#follow-ups-owed tbody").append(h("tr", null, h("td", { colspan: "5" }, "No follow-up owed.")));

  const MISSING = { meddraPtCode: "MedDRA preferred term", causality: "causality", expected: "expectedness" };
  const saes = worklist.seriousAdverseEvents.filter((e) => visible(e.siteId));
  $("#saes tbody").replaceChildren(...saes.map((e) => h("tr", null,
    h("th", { scope: "row" }, h("a", { href: `/site/patients/${e.patientId}` }, e.subjectCode)),
    h("td", null, `${e.term}, grade ${e.worstGrade} (${e.seriousCriteria.join(", ")})`,
      e.missing?.length ? h("div", { class: "notice" }, `Still to give: ${e.missing.map((m) => MISSING[m] || m).join(", ")}`) : null),
    h("td", null, e.awareOn), h("td", null, formatInstant(e.recordedAt, zoneOf(e.siteId))),
    h("td", null, h("span", { class: "flag " + (e.siteLate ? "overdue" : "met") }, e.siteLate ? "late" : "met"),
      ` due by ${formatInstant(e.siteDueAt, zoneOf(e.siteId))}`))));
  if (!saes.length) $("#saes tbody").append(h("tr", null, h("td", { colspan: "5" }, "No serious adverse events.")));

  renderPatients();
}

/** The patients table alone (a search redraws it without touching an open "not done" form above). */
function renderPatients() {
  const visible = (siteId) => !siteFilter || siteId === siteFilter;
  const patients = worklist.patients.filter((p) => visible(p.siteId));
  const find = $("#find").value.trim().toLowerCase();
  const listed = !find ? patients
    : found && found.find === find ? found.patients.filter((p) => visible(p.siteId))
    : patients.filter((p) => p.subjectCode.toLowerCase().includes(find));
  $("#patients tbody").replaceChildren(...listed.map((p) => {
    const dose = p.due.find((i) => i.item === "dose");
    return h("tr", null,
      h("th", { scope: "row" }, h("a", { href: `/site/patients/${p.patientId}` }, p.subjectCode)),
      h("td", null, p.siteId), h("td", null, p.diseaseCode), h("td", null, p.status), h("td", null, p.enrolledOn),
      h("td", null, p.lastVisitOn || "–"), h("td", null, dose ? `${dose.dueOn} (${dose.state})` : "–"),
      h("td", null, p.status === "withdrawn" || p.status === "completed" ? ""
        : h("a", { class: "button", href: `/site/patients/${p.patientId}/visit` }, "Enter visit")));
  }));
  $("#more").hidden = !nextPage || Boolean(find);
  if (!patients.length) {
    const enrol = h("a", { href: "/site/enrol" }, "Enrol a patient");
    $("#patients tbody").append(h("tr", null, h("td", { colspan: "8" }, "No patients yet. ", enrol)));
  } else if (!listed.length) {
    $("#patients tbody").append(h("tr", null, h("td", { colspan: "8" }, `No subject code contains "${find}".`)));
  } else if (found && found.find === find && found.more) {
    $("#patients tbody").append(h("tr", null, h("td", { colspan: "8" },
      `Showing the first ${found.patients.length} subject codes containing "${find}": type more of the code.`)));
  }
}

async function page(after) {
  const result = await api("GET", "/api/worklist" + (after ? `?after=${encodeURIComponent(after)}` : ""));
  if (!result.ok) { status(`The registry answered ${result.status}.`, "error"); return null; }
  return result;
}

function dueSoon(patient) {
  const today = todayOf(patient.siteId);
  return patient.nextDueOn && daysBetween(today, patient.nextDueOn) <= DUE_HORIZON_DAYS;
}

async function load(message) {
  const first = await page(null);
  if (!first) return;
  worklist = first.data;
  nextPage = first.next;
  while (nextPage && worklist.patients.length && dueSoon(worklist.patients[worklist.patients.length - 1])) {
    if (!await more()) return;
  }
  const select = $("#site-filter");
  if (worklist.sites.length > 1 && !select.options.length) {
    select.append(h("option", { value: "" }, "All my sites"),
      ...worklist.sites.map((s) => h("option", { value: s.siteId }, `${s.siteId} – ${s.name}`)));
    select.addEventListener("change", () => { siteFilter = select.value; render(); });
    $("#site-filter-box").hidden = false;
  }
  render();
  const today = worklist.sites.map((s) => `site ${s.siteId}: today is ${s.today} (${s.timeZone})`).join("; ");
  status(message || `${today[0].toUpperCase()}${today.slice(1)}.`);
}

async function more() {
  const next = await page(nextPage);
  if (!next) return false;
  worklist.patients.push(...next.data.patients);
  nextPage = next.next;
  return true;
}

let searching = 0;
async function search() {
  const find = $("#find").value.trim().toLowerCase();
  if (!find || !nextPage) {
    if (found) { found = null; renderPatients(); }
    return;
  }
  const mine = ++searching;
  const result = await api("GET", `/api/worklist?find=${encodeURIComponent(find)}&limit=100`);
  if (mine !== searching) return;
  found = result.ok ? { find, patients: result.data.patients, more: Boolean(result.next) } : null;
  renderPatients();
}

async function start() {
  await initHeader();
  let timer = 0;
  $("#find").addEventListener("input", () => {
    if (!worklist) return;
    renderPatients();
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  $("#more").addEventListener("click", async () => { if (await more()) render(); });
  await load();
}

start().catch((e) => status(String(e.message || e), "error"));
