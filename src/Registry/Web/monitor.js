// The monitor's lists: data queries by site (oldest first, with their age) and the verification coverage per site;
// and the cohort lock for an analysis (POST /api/cohort-locks), its errors beside its fields.
import { $, h, status } from "./dom.js";
import { api, initHeader, uuid } from "./api.js";
import { clearErrors, problemOf, renderField, readField, showProblem } from "./forms.js";

const percent = (share) => (share === null || share === undefined ? "–" : `${Math.round(share * 1000) / 10} %`);

let latest = 0;

async function loadQueries() {
  const chosen = $("#query-status").value;
  // Only the answer to the latest choice is shown: an earlier, slower one never overwrites it.
  const asked = ++latest;
  const result = await api("GET", `/api/queries?status=${encodeURIComponent(chosen)}`);
  if (asked !== latest) return;
  if (!result.ok) { status(problemOf(result).title, "error"); return; }
  const rows = [...result.data].sort((a, b) => a.siteId.localeCompare(b.siteId));
  $("#queries tbody").replaceChildren(...rows.map((q) => h("tr", null,
    h("td", null, q.siteId),
    h("th", { scope: "row" }, h("a", { href: `/site/patients/${q.patientId}#query-${q.queryId}` }, q.subjectCode)),
    h("td", null, `${q.entryKind}: ${q.field.replace(/^\$\./, "")}`),
    h("td", null, h("span", { class: "flag " + q.status }, q.status), q.locked ? " (record locked)" : ""),
    h("td", null, q.ageDays === 1 ? "1 day" : `${q.ageDays} days`),
    h("td", null, `${q.last.step} by ${q.last.by || "–"}${q.last.text ? ": " + q.last.text : ""}`))));
  if (!rows.length) $("#queries tbody").append(h("tr", null, h("td", { colspan: "6" }, "No queries to show.")));
}

async function loadCoverage() {
  const result = await api("GET", "/api/verification");
  if (!result.ok) { status(problemOf(result).title, "error"); return; }
  $("#coverage tbody").replaceChildren(...result.data.sites.map((s) => h("tr", null,
    h("th", { scope: "row" }, s.siteId), h("td", null, String(s.patients)), h("td", null, String(s.entries)),
    h("td", null, String(s.verified)), h("td", null, percent(s.share)))));
  if (!result.data.sites.length) $("#coverage tbody").append(h("tr", null, h("td", { colspan: "5" }, "No patients yet.")));
}

/** The cohort lock's form: one key per form as filled, so a retried send locks once; a new key after a success. */
async function renderCohortLock() {
  const catalogue = await api("GET", "/api/catalogue");
  const diseases = catalogue.ok ? catalogue.data.diseases.map((d) => [d.code, d.name]) : [];
  const fields = [
    { name: "diseaseCode", label: "Disease", type: "select", options: diseases },
    { name: "enrolledTo", label: "Enrolled up to (the cohort's last enrolment date)", type: "date" },
    { name: "siteId", label: "Site", type: "text", optional: true, hint: "Its id, e.g. FR01; every site when empty." },
    { name: "therapyLine", label: "Therapy line", type: "select", optional: true,
      options: [["standalone", "Stand-alone"], ["addon", "Add-on"]] },
    { name: "reason", label: "Why (the analysis)", type: "text", wide: true, hint: "e.g. the 2026 interim analysis." },
  ];
  const form = h("form", { novalidate: true, class: "panel-form", "aria-labelledby": "cohort-lock-heading" },
    h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "grid" }, fields.map((f) => renderField(f, f.name, undefined))),
    h("button", { type: "submit" }, "Lock the cohort"),
    h("p", { class: "result", role: "status", "aria-live": "polite" }));
  let key = uuid();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(fields.map((f) => [f.name, readField(f, form)]));
    for (const optional of ["siteId", "therapyLine"]) if (!values[optional]) delete values[optional];
    let result;
    try {
      result = await api("POST", "/api/cohort-locks", values, { "Idempotency-Key": key });
    } catch {
      showProblem(form, { title: "The registry could not be reached; nothing was locked. Try again." });
      return;
    }
    if (result.status !== 201) { showProblem(form, problemOf(result)); return; }
    clearErrors(form);
    key = uuid();
    const { locked, alreadyLocked } = result.data;
    $(".result", form).textContent = `Cohort locked: ${locked} record${locked === 1 ? "" : "s"} locked now, `
      + `${alreadyLocked} already locked.`;
    await loadQueries();
  });
  $("#cohort-lock").replaceChildren(form);
}

async function start() {
  await initHeader();
  $("#query-status").addEventListener("change", () => loadQueries());
  await Promise.all([loadQueries(), loadCoverage(), renderCohortLock()]);
  status("");
}

start().catch((e) => status(String(e.message || e), "error"));
