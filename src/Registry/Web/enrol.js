// The enrolment form: the fields of API.md's enrolment, the server's errors beside them.
import { $, h, status } from "./dom.js";
import { api, initHeader, SessionEnded } from "./api.js";
import { renderField, readField, showProblem, problemOf } from "./forms.js";
import { loadEntryKinds, VOCAB } from "./entry-kinds.js";

const form = $("#enrol");

async function start() {
  const session = await initHeader();
  const [catalogue, sites] = await Promise.all([
    api("GET", "/api/catalogue"),
    Promise.all(session.sites.map((id) => api("GET", `/api/sites/${encodeURIComponent(id)}`))),
    loadEntryKinds(),
  ]);
  const known = sites.filter((s) => s.ok).map((s) => s.data);
  const today = known[0]?.today ?? new Date().toISOString().slice(0, 10);
  const fields = [
    { name: "siteId", label: "Site", type: "select", options: known.map((s) => [s.siteId, `${s.siteId} – ${s.name}`]),
      initial: known.length === 1 ? known[0].siteId : "" },
    { name: "subjectCode", label: "Subject code", type: "text", hint: "The site's own code, e.g. FR01-0007." },
    { name: "diseaseCode", label: "Disease", type: "select", options: catalogue.data.diseases.map((d) => [d.code, d.name]) },
    { name: "birthYear", label: "Year of birth", type: "integer" },
    { name: "sex", label: "Sex", type: "select", options: VOCAB.sex },
    { name: "enrolledOn", label: "Enrolment date", type: "date", initial: today },
    { name: "consentVersion", label: "Consent form version", type: "text" },
    { name: "therapyLine", label: "IL-2 given", type: "select", options: VOCAB.therapyLine },
    { name: "setting", label: "Care setting", type: "select", options: VOCAB.setting },
    { name: "regimen.inductionDays", label: "Induction days", type: "integer", initial: "5", hint: "Daily doses from day 1." },
    { name: "regimen.maintenanceIntervalDays", label: "Maintenance interval (days)", type: "integer", initial: "14",
      hint: "Days between maintenance doses; drives the worklist's due doses." },
  ];
  $("#fields").replaceChildren(...fields.map((f) => renderField(f, f.name, f.initial)));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(fields.map((f) => [f.name, readField(f, form)]));
    const regimen = { inductionDays: values["regimen.inductionDays"], maintenanceIntervalDays: values["regimen.maintenanceIntervalDays"] };
    const request = { ...values, regimen };
    delete request["regimen.inductionDays"];
    delete request["regimen.maintenanceIntervalDays"];
    status("Enrolling…");
    let result;
    try {
      result = await api("POST", "/api/patients", request);
    } catch (e) {
      const title = e instanceof SessionEnded ? e.message : "The registry could not be reached; nothing was saved. Try again.";
      showProblem(form, { title });
      status("Not enrolled.", "error");
      return;
    }
    if (result.status === 201) {
      location.href = `/site/patients/${result.data.patientId}`;
      return;
    }
    const problem = problemOf(result);
    if (result.status === 409 && problem.patientId) {
      showProblem(form, { ...problem, errors: { subjectCode: [problem.detail || problem.title] } });
      const existing = h("a", { href: `/site/patients/${problem.patientId}` }, "Open the patient already enrolled with this code");
      form.querySelector(".error-summary").append(h("p", null, existing));
    } else if (result.status === 403) {
      showProblem(form, { ...problem, errors: { siteId: [problem.detail || problem.title] } });
    } else {
      showProblem(form, problem);
    }
    status("Not enrolled: see the messages on the form.", "error");
  });
  status("");
}

start().catch((e) => status(String(e.message || e), "error"));
