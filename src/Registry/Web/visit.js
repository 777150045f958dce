// The visit form: sections for each kind of entry, several entries per section, one POST for the
// whole visit. The server's validation decides; its errors appear beside the fields, nothing typed is lost.
import { $, h, status } from "./dom.js";
import { api, uuid, initHeader, patientIdFromPath, loadPatient, SessionEnded } from "./api.js";
import { renderField, showProblem, problemOf } from "./forms.js";
import { loadEntryKinds, KINDS, readEntry } from "./entry-kinds.js";

const SECTIONS = ["dose", "treg", "score", "adverse-event", "conmed", "dose-held", "not-done"];
const patientId = patientIdFromPath();
const form = $("#visit");
const visitId = uuid(); // one per form: a retry of the same visit is recognised and writes nothing twice
const ctx = { visitDate: "", phase: "induction", instruments: [] };

function reindex(kind) {
  const spec = KINDS[kind];
  const entries = [...form.querySelectorAll(`[data-kind="${kind}"]`)];
  entries.forEach((entry, i) => {
    const title = `${spec.one} ${i + 1}`;
    entry.dataset.entryTitle = title;
    entry.dataset.path = `${spec.list}[${i}]`;
    entry.querySelector(":scope > legend").textContent = title;
    entry.querySelector(":scope > .remove").setAttribute("aria-label", `Remove ${title.toLowerCase()}`);
    entry.querySelectorAll("[data-field]").forEach((control) => {
      const path = `${spec.list}[${i}].${control.dataset.field}`;
      control.dataset.path = path;
      if (control.name !== undefined && control.tagName !== "FIELDSET") control.name = path;
    });
  });
  return entries;
}

function addEntry(kind) {
  const spec = KINDS[kind];
  const list = form.querySelector(`[data-list="${kind}"]`);
  const entry = h("fieldset", { class: "entry", "data-kind": kind }, h("legend", null, spec.one));
  if (kind === "adverse-event") entry.dataset.adverseEventId = uuid(); // the client's id: a retry never records the event twice
  for (const field of spec.fields) entry.append(renderField(field, "", field.initial ? field.initial(ctx) : undefined, ctx, entry));
  entry.append(h("button", { type: "button", class: "quiet remove", onclick: () => {
    entry.remove();
    reindex(kind);
    form.querySelector(`[data-add="${kind}"]`).focus();
  } }, "Remove"));
  list.append(entry);
  // A hint computed from the entry's other values (a score's range, from its instrument) follows them.
  const computed = spec.fields.filter((field) => typeof field.hint === "function");
  if (computed.length) {
    entry.addEventListener("change", () => {
      for (const field of computed) {
        const hint = entry.querySelector(`[data-field="${field.name}"]`)?.closest(".field")?.querySelector(".hint");
        if (hint) hint.textContent = field.hint(ctx, entry);
      }
    });
  }
  reindex(kind);
  entry.querySelector("input, select").focus();
}

function body() {
  const request = { visitId, visitDate: $("#visitDate").value || null };
  for (const kind of SECTIONS) {
    const spec = KINDS[kind];
    const entries = [...form.querySelectorAll(`[data-kind="${kind}"]`)];
    if (!entries.length) continue;
    request[spec.list] = entries.map((entry) => {
      const values = readEntry(kind, entry);
      if (kind === "adverse-event") values.adverseEventId = entry.dataset.adverseEventId;
      return values;
    });
  }
  return request;
}

async function submit(event) {
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  status("Saving…");
  try {
    const result = await api("POST", `/api/patients/${patientId}/visits`, body());
    if (result.status === 201) {
      location.href = `/site/patients/${patientId}?saved=${result.data.entryIds.length}`;
      return;
    }
    showProblem(form, problemOf(result));
    status("Not saved: see the messages on the form.", "error");
  } catch (e) {
    const unreachable = "The registry could not be reached; nothing was saved. Try again: the visit will not be recorded twice.";
    showProblem(form, { title: e instanceof SessionEnded ? e.message : unreachable });
    status("Not saved.", "error");
  } finally {
    button.disabled = false;
  }
}

async function start() {
  await initHeader();
  const [p] = await Promise.all([loadPatient(patientId), loadEntryKinds()]);
  if (!p) return;
  const [catalogue, site] = await Promise.all([
    api("GET", "/api/catalogue"), api("GET", `/api/sites/${encodeURIComponent(p.siteId)}`)]);
  const disease = catalogue.data.diseases.find((d) => d.code === p.diseaseCode);
  ctx.instruments = disease ? disease.instruments : [];
  ctx.visitDate = site.ok ? site.data.today : new Date().toISOString().slice(0, 10);
  // The worklist's rule: induction while the dose's study day is within days 1 to inductionDays.
  const studyDay = p.firstDoseOn ? Math.round((Date.parse(ctx.visitDate) - Date.parse(p.firstDoseOn)) / 86_400_000) + 1 : 1;
  ctx.phase = studyDay <= p.regimen.inductionDays ? "induction" : "maintenance";

  document.title = `Visit for ${p.subjectCode} · Registry`;
  $("#title").textContent = `New visit for ${p.subjectCode}`;
  $("#patient-line").textContent =
    `${disease ? disease.name : p.diseaseCode} · site ${p.siteId} · ${p.status} · enrolled ${p.enrolledOn}` +
    (p.firstDoseOn ? ` · first dose ${p.firstDoseOn}` : " · no dose yet") + ` · site's today ${ctx.visitDate}`;
  $("#visitDate").value = ctx.visitDate;
  $("#visitDate").addEventListener("change", () => { ctx.visitDate = $("#visitDate").value; });
  $("#cancel").href = `/site/patients/${patientId}`;

  const sections = $("#sections");
  for (const kind of SECTIONS) {
    const spec = KINDS[kind];
    const headingId = `section-${kind}`;
    sections.append(h("section", { class: "entries", "aria-labelledby": headingId },
      h("h2", { id: headingId }, spec.title),
      h("div", { "data-list": kind, "data-path": spec.list }),
      h("button", { type: "button", class: "quiet", "data-add": kind, onclick: () => addEntry(kind) }, spec.add)));
  }
  form.addEventListener("submit", submit);
  form.hidden = false;
  status("");
}

start().catch((e) => status(String(e.message || e), "error"));
