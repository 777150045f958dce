// The researcher's exports: the saved cohort definitions (shared, versioned: a new version never changes an earlier one)
// with the chosen one's versions; a cohort defined here, saved as a new definition or as the chosen one's next version
// (errors beside their fields); an export requested from a saved definition's version or from the form's cohort, as of
// now, an event number or the end of a day; and the researcher's own exports, refreshed every 2 s while one is queued
// or running, each done one with its files to download and its manifest.
import { $, h, status, formatInstant } from "./dom.js";
import { api, uuid, initHeader, currentSession, SessionEnded } from "./api.js";
import { renderField, readFields, showProblem, clearErrors, problemOf } from "./forms.js";

const LINES = { standalone: "stand-alone", addon: "add-on" };
const FORMATS = { csv: "CSV", parquet: "Parquet", "fhir-ndjson": "FHIR NDJSON" };
const PENDING = new Set(["queued", "running"]);
const POLL_MS = 2000;

/** The define form's fields; `path` is the request's JSON path, where the server's errors name them. */
const DEFINE_FIELDS = [
  { name: "name", path: "name", label: "Name", type: "text", wide: true,
    hint: "e.g. SLE add-on, enrolled in 2026. Unique, ignoring case; a new version keeps its definition's name." },
  { name: "diseaseCodes", path: "cohort.diseaseCodes", label: "Diseases", type: "multi", optional: true,
    hint: "None ticked: every disease.", options: (ctx) => ctx.diseases },
  { name: "siteIds", path: "cohort.siteIds", label: "Site ids", type: "text", optional: true,
    hint: "Comma-separated, e.g. FR01, DE02; every site when empty." },
  { name: "enrolledFrom", path: "cohort.enrolledFrom", label: "Enrolled from", type: "date", optional: true },
  { name: "enrolledTo", path: "cohort.enrolledTo", label: "Enrolled to", type: "date", optional: true },
  { name: "therapyLine", path: "cohort.therapyLine", label: "Therapy line", type: "select",
    options: [["standalone", "Stand-alone"], ["addon", "Add-on"]] },
  { name: "note", path: "note", label: "Note", type: "text", optional: true, wide: true,
    hint: "What this version is for, e.g. first cut, or lupus and RA from now on." },
];

const state = {
  chosen: null, // the chosen saved definition, with every version
  exports: [],
  known: new Map(), // exportId → the status last shown
  rendered: new Map(), // exportId → {key, rows}: a row is rebuilt only when its export changed (an open manifest stays open)
  timer: null,
  listRun: 0,
  chooseRun: 0,
  defineKey: uuid(),
  exportKey: uuid(),
};

const fail = (e) => status(String(e.message || e), "error");
const unreachable = (e, what) => ({
  title: e instanceof SessionEnded ? e.message : `The registry could not be reached; nothing was ${what}. Try again.`,
});

/** A cohort in words: "sle, ra · sites FR01 · enrolled 2026-01-01 to 2026-06-30 · add-on". */
/** How far a running export is: "120 of 646 patients" (nothing before its cohort is known, or once it is done). */
function progressOf(x) {
  const p = x.progress;
  if (x.status !== "running" || !p) return null;
  return ` ${p.patients} of ${p.of ?? "?"} patients`;
}

function describeCohort(c) {
  if (!c) return "every patient";
  const parts = [c.diseaseCodes && c.diseaseCodes.length ? c.diseaseCodes.join(", ") : "every disease"];
  if (c.siteIds && c.siteIds.length) parts.push(`sites ${c.siteIds.join(", ")}`);
  if (c.enrolledFrom && c.enrolledTo) parts.push(`enrolled ${c.enrolledFrom} to ${c.enrolledTo}`);
  else if (c.enrolledFrom) parts.push(`enrolled from ${c.enrolledFrom}`);
  else if (c.enrolledTo) parts.push(`enrolled up to ${c.enrolledTo}`);
  if (c.therapyLine) parts.push(LINES[c.therapyLine] || c.therapyLine);
  return parts.join(" · ");
}

// ---- saved definitions ----------------------------------------------------------------------------

async function loadDefinitions() {
  const result = await api("GET", "/api/cohort-definitions");
  if (!result.ok) { status(problemOf(result).title, "error"); return; }
  const rows = result.data.map((d) => h("tr", { dataset: { definitionId: d.definitionId } },
    h("th", { scope: "row" }, d.name),
    h("td", { class: "num version" }, String(d.latestVersion)),
    h("td", null, d.savedBy || "–"),
    h("td", null, formatInstant(d.savedAt, "UTC")),
    h("td", { class: "actions" }, h("button", {
      type: "button", class: "quiet", "aria-pressed": "false",
      onclick: () => choose(d.definitionId, true).catch(fail),
    }, "Choose", h("span", { class: "visually-hidden" }, ` ${d.name}`)))));
  $("#definitions tbody").replaceChildren(...(rows.length ? rows
    : [h("tr", null, h("td", { colspan: "5" }, "No saved definition yet: define a cohort below and save it."))]));
  markChosen();
}

function markChosen() {
  const id = state.chosen && state.chosen.definitionId;
  document.querySelectorAll("#definitions tbody tr").forEach((tr) => {
    const mine = Boolean(id) && tr.dataset.definitionId === id;
    tr.classList.toggle("chosen", mine);
    const button = tr.querySelector("button");
    if (button) button.setAttribute("aria-pressed", String(mine));
  });
}

/** Chooses a saved definition: its versions, the define form's "next version" button, the export's source. */
async function choose(definitionId, focus) {
  const run = ++state.chooseRun;
  const result = await api("GET", `/api/cohort-definitions/${encodeURIComponent(definitionId)}`);
  if (run !== state.chooseRun) return;
  if (!result.ok) { status(problemOf(result).title, "error"); return; }
  const d = result.data;
  state.chosen = d;
  markChosen();
  const latest = d.versions.length;

  $("#versions").hidden = false;
  $("#versions-heading").textContent = `Versions of ${d.name}`;
  $("#versions-table tbody").replaceChildren(...d.versions.map((v) => h("tr", null,
    h("th", { scope: "row", class: "num" }, String(v.version)),
    h("td", null, describeCohort(v.cohort)),
    h("td", null, v.note || "–"),
    h("td", null, v.savedBy || "–"),
    h("td", null, formatInstant(v.savedAt, "UTC")),
    h("td", { class: "actions" }, h("button", { type: "button", class: "quiet", onclick: () => copyToForm(d, v) },
      "Copy to the form", h("span", { class: "visually-hidden" }, ` (version ${v.version})`))))));

  showSaveVersion();

  $("#source-saved-name").textContent = `: ${d.name}`;
  const saved = $("#source-saved");
  saved.disabled = false;
  saved.checked = true;
  const select = $("#definition-version");
  select.disabled = false;
  select.replaceChildren(h("option", { value: "" }, `Latest (version ${latest} now)`),
    ...d.versions.map((v) => v.version).reverse().map((v) => h("option", { value: String(v) }, `Version ${v}`)));
  select.value = "";
  if (focus) $("#versions-heading").focus();
}

/** The define form's "Save as version n+1 of <name>" button, shown once a definition is chosen. */
function showSaveVersion() {
  const next = $("#save-version");
  if (!next || !state.chosen) return;
  next.textContent = `Save as version ${state.chosen.versions.length + 1} of ${state.chosen.name}`;
  next.hidden = false;
}

/** Puts a version's cohort in the define form, to change it and save the next version. */
function copyToForm(d, v) {
  const form = $("#define-form");
  if (!form) return;
  const c = v.cohort;
  const set = (field, value) => { const el = form.querySelector(`[data-field="${field}"]`); if (el) el.value = value ?? ""; };
  form.querySelectorAll('[data-field="diseaseCodes"] input[type="checkbox"]')
    .forEach((box) => { box.checked = (c.diseaseCodes || []).includes(box.value); });
  set("siteIds", (c.siteIds || []).join(", "));
  set("enrolledFrom", c.enrolledFrom);
  set("enrolledTo", c.enrolledTo);
  set("therapyLine", c.therapyLine);
  set("note", "");
  clearErrors(form);
  status(`Version ${v.version} of “${d.name}” is in the form: change it, then save it as version ${d.versions.length + 1}.`);
  const first = form.querySelector('[data-field="diseaseCodes"] input');
  if (first) first.focus();
}

// ---- defining a cohort --------------------------------------------------------------------------------

function buildDefineForm(diseases) {
  const form = h("form", { id: "define-form", novalidate: true, "aria-labelledby": "define-heading" },
    h("div", { class: "error-summary", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "grid" }, DEFINE_FIELDS.map((f) => renderField(f, f.path, undefined, { diseases }))),
    h("button", { type: "submit", id: "save-new" }, "Save as a new definition"),
    h("button", { type: "button", id: "save-version", class: "quiet", hidden: true }, "Save as a new version"));
  const any = form.querySelector('[data-field="therapyLine"] option[value=""]');
  if (any) any.textContent = "Any";
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveDefinition(form, null).catch(fail);
  });
  $("#save-version", form).addEventListener("click", () => saveDefinition(form, state.chosen).catch(fail));
  $("#define").replaceChildren(form);
  showSaveVersion();
}

/** The define form's values as the API wants them: the name, the note, and the cohort. */
function readDefinition(form) {
  const v = readFields(DEFINE_FIELDS, form);
  const siteIds = (v.siteIds || "").split(",").map((s) => s.trim()).filter(Boolean);
  return {
    name: v.name,
    note: v.note,
    cohort: {
      diseaseCodes: v.diseaseCodes || [], siteIds, enrolledFrom: v.enrolledFrom, enrolledTo: v.enrolledTo, therapyLine: v.therapyLine,
    },
  };
}

/** Saves the form's cohort: a new definition (target null) or the next version of the chosen one. */
async function saveDefinition(form, target) {
  clearErrors(form);
  const { name, note, cohort } = readDefinition(form);
  const url = target ? `/api/cohort-definitions/${encodeURIComponent(target.definitionId)}/versions` : "/api/cohort-definitions";
  const body = target ? { cohort, note } : { name, cohort, note };
  const buttons = [...form.querySelectorAll("button")];
  buttons.forEach((b) => { b.disabled = true; });
  let result;
  try {
    result = await api("POST", url, body, { "Idempotency-Key": state.defineKey });
  } catch (e) {
    showProblem(form, unreachable(e, "saved"));
    return;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  if (result.status === 201) {
    state.defineKey = uuid();
    const saved = result.data;
    await loadDefinitions();
    await choose(saved.definitionId, false);
    status(target ? `Saved version ${saved.version} of “${saved.name}”.`
      : `Saved “${saved.name}” as a new definition, version ${saved.version}.`);
    return;
  }
  const problem = problemOf(result);
  // The name is taken (in any case): said beside the name.
  if (result.status === 409 && !target) {
    showProblem(form, { ...problem, errors: { name: [problem.detail || problem.title] } });
    return;
  }
  showProblem(form, problem);
}

// ---- requesting an export -----------------------------------------------------------------------

/** Where the export form shows an error the server names by a path it has no control for. */
const exportPath = (path) => (path === "cohort" || path.startsWith("cohort.") || path === "cohortDefinition"
  || path.startsWith("cohortDefinition.definitionId") ? "cohortSource" : path);

function readAsOf(form) {
  const when = form.querySelector('input[name="as-of"]:checked').value;
  if (when === "sequence") {
    const text = $("#as-of-sequence").value.trim().replace(/\s/g, "");
    if (!text) return { error: { "asOf.sequence": ["Give the event number, or choose now."] } };
    return { asOf: { sequence: /^\d+$/.test(text) ? Number(text) : text, at: null } };
  }
  if (when === "day") {
    const day = $("#as-of-day").value;
    if (!day) return { error: { "asOf.at": ["Choose the day, or choose now."] } };
    return { asOf: { sequence: null, at: `${day}T23:59:59Z` } };
  }
  return { asOf: { sequence: null, at: null } };
}

async function requestExport(form) {
  clearErrors(form);
  $("#export-result").textContent = "";
  const { asOf, error } = readAsOf(form);
  if (error) { showProblem(form, { errors: error }); return; }
  const body = {
    format: $("#format").value,
    dates: $("#dates").value,
    pseudonymScope: $("#pseudonym-scope").value.trim() || null,
    includeFreeText: $("#include-free-text").checked,
    asOf,
  };
  const source = form.querySelector('input[name="source"]:checked').value;
  let what;
  if (source === "saved") {
    if (!state.chosen) {
      showProblem(form, { errors: { cohortSource: ["Choose a saved definition above, or export the cohort defined in the form."] } });
      return;
    }
    const version = $("#definition-version").value;
    body.cohortDefinition = { definitionId: state.chosen.definitionId, version: version ? Number(version) : null };
    what = `“${state.chosen.name}”, ${version ? `version ${version}` : "its latest version"}`;
  } else {
    const defineForm = $("#define-form");
    body.cohort = defineForm ? readDefinition(defineForm).cohort : {};
    what = describeCohort(body.cohort);
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  let result;
  try {
    result = await api("POST", "/api/exports", body, { "Idempotency-Key": state.exportKey });
  } catch (e) {
    showProblem(form, unreachable(e, "requested"));
    return;
  } finally {
    button.disabled = false;
  }
  if (result.status === 202) {
    state.exportKey = uuid();
    $("#export-result").textContent = `Export requested (${what}, ${FORMATS[body.format] || body.format}): `
      + "it is being built and appears under “Your exports” below.";
    await refreshExports();
    return;
  }
  const problem = problemOf(result);
  // Free text not allowed for this researcher: said beside the box.
  if (result.status === 403) {
    showProblem(form, { ...problem, errors: { includeFreeText: [problem.detail || problem.title] } });
    return;
  }
  showProblem(form, problem, exportPath);
}

function wireExportForm() {
  const form = $("#export-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    requestExport(form).catch(fail);
  });
  // Typing a value picks its option.
  $("#as-of-sequence").addEventListener("input", () => { $("#as-of-by-sequence").checked = true; });
  $("#as-of-day").addEventListener("input", () => { $("#as-of-by-day").checked = true; });
  $("#as-of-day").max = new Date().toISOString().slice(0, 10);
  $("#definition-version").addEventListener("change", () => { if (state.chosen) $("#source-saved").checked = true; });
}

// ---- the researcher's exports ---------------------------------------------------------------------

function cohortCell(x) {
  if (!x.cohortDefinition) return describeCohort(x.cohort);
  return [h("strong", null, `${x.cohortDefinition.name}, version ${x.cohortDefinition.version}`), h("br"),
    h("span", { class: "hint" }, describeCohort(x.cohort))];
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function fileList(x) {
  return h("ul", { class: "files", "aria-label": "Files" }, x.manifest.files.map((f) => h("li", null,
    h("a", { href: `/api/exports/${encodeURIComponent(x.exportId)}/files/${encodeURIComponent(f.name)}`, download: f.name }, f.name),
    ` · ${plural(f.rows, "row")}`)));
}

function manifestDetails(m) {
  const row = (label, ...value) => [h("dt", null, label), h("dd", null, ...value)];
  const locks = m.locks
    ? `${m.locks.locked} of ${plural(m.locks.records, "record")} locked`
      + (m.locks.lockedKeys && m.locks.lockedKeys.length ? `: ${m.locks.lockedKeys.join(", ")}` : "")
    : "not recorded";
  return h("details", { class: "manifest" }, h("summary", null, "Manifest"),
    h("dl", { class: "summary" },
      ...row("Cohort definition", m.cohortDefinition
        ? `${m.cohortDefinition.name}, version ${m.cohortDefinition.version}` : "none: the cohort was given directly"),
      ...row("Cohort", describeCohort(m.cohort)),
      ...row("As of", `event ${m.asOf.sequence}`, m.asOf.at ? `, recorded ${formatInstant(m.asOf.at, "UTC")}` : ""),
      ...row("Format", `${FORMATS[m.format] || m.format}; dates ${m.dates === "year" ? "as calendar years" : "as study days"}`),
      ...row("Pseudonym scope", m.pseudonymScope),
      ...row("Free text", m.includeFreeText ? "included" : "not included"),
      ...row("De-identification", m.deIdentification),
      ...row("Record locks", locks),
      ...row("Software", m.software)),
    h("table", { class: "files" },
      h("caption", null, "Each file and its SHA-256"),
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "File"), h("th", { scope: "col", class: "num" }, "Rows"),
        h("th", { scope: "col" }, "SHA-256"))),
      h("tbody", null, m.files.map((f) => h("tr", null, h("th", { scope: "row" }, f.name),
        h("td", { class: "num" }, String(f.rows)), h("td", null, h("code", { class: "sha256" }, f.sha256)))))));
}

function exportRows(x) {
  const m = x.manifest;
  const main = h("tr", { class: "export", dataset: { exportId: x.exportId } },
    h("th", { scope: "row" }, formatInstant(x.requestedAt, "UTC")),
    h("td", null, cohortCell(x)),
    h("td", null, FORMATS[x.format] || x.format),
    h("td", null, `event ${x.asOfSequence}`,
      m && m.asOf.at ? [h("br"), h("span", { class: "hint" }, formatInstant(m.asOf.at, "UTC"))] : null),
    h("td", { class: "status" }, h("span", { class: `flag ${x.status}` }, x.status), progressOf(x)));
  if (x.status === "done" && m) {
    return [main, h("tr", { class: "panel export-detail" }, h("td", { colspan: "5" }, fileList(x), manifestDetails(m)))];
  }
  if (x.status === "failed") {
    return [main, h("tr", { class: "panel export-detail" }, h("td", { colspan: "5" },
      h("p", { class: "error" }, x.error || "The export could not be built.")))];
  }
  return [main];
}

function renderExports(list) {
  const announcements = [];
  const rendered = new Map();
  const wanted = [];
  for (const x of list) {
    const before = state.known.get(x.exportId);
    if (before && before !== x.status && !PENDING.has(x.status)) {
      const which = `The export requested ${formatInstant(x.requestedAt, "UTC")}`;
      announcements.push(x.status === "done" ? `${which} is done: its files are ready to download.` : `${which} has ${x.status}.`);
    }
    const key = `${x.status}|${x.error || ""}|${x.manifest ? x.manifest.files.length : ""}|${progressOf(x) || ""}`;
    let entry = state.rendered.get(x.exportId);
    if (!entry || entry.key !== key) entry = { key, rows: exportRows(x) };
    rendered.set(x.exportId, entry);
    wanted.push(...entry.rows);
  }
  state.known = new Map(list.map((x) => [x.exportId, x.status]));
  state.rendered = rendered;
  state.exports = list;
  const tbody = $("#exports tbody");
  if (!list.length) {
    tbody.replaceChildren(h("tr", null, h("td", { colspan: "5" }, "No export yet.")));
  } else {
    const current = [...tbody.children];
    if (current.length !== wanted.length || current.some((el, i) => el !== wanted[i])) tbody.replaceChildren(...wanted);
  }
  if (announcements.length) status(announcements.join(" "), announcements.some((a) => a.endsWith("failed.")) ? "error" : "");
}

const pending = () => state.exports.some((x) => PENDING.has(x.status));

function stopPolling() {
  clearTimeout(state.timer);
  state.timer = null;
}

/** Refreshes again in 2 s while an export is queued or running and the page is shown. */
function schedule() {
  stopPolling();
  if (document.hidden || !pending()) return;
  state.timer = setTimeout(() => poll().catch(() => schedule()), POLL_MS);
}

async function refreshExports() {
  const run = ++state.listRun;
  stopPolling();
  const result = await api("GET", "/api/exports");
  if (run !== state.listRun) return;
  if (!result.ok) {
    // Shown, and tried again while an export is still being built (the registry may be busy or restarting).
    status(`${problemOf(result).title}${pending() ? " The list will be asked for again in a moment." : ""}`, "error");
    schedule();
    return;
  }
  renderExports(result.data);
  schedule();
}

async function poll() {
  state.timer = null;
  try {
    // A sign-in that has ended stops the refresh instead of leaving the page (and what was typed in its forms).
    await currentSession(false);
  } catch (e) {
    if (e instanceof SessionEnded) {
      status("Your sign-in has ended, so the list of exports is no longer refreshed: sign in again (/signin), then reload "
        + "this page.", "error");
      return;
    }
    throw e;
  }
  await refreshExports();
}

document.addEventListener("visibilitychange", () => {
  if (document.hidden) stopPolling();
  else if (!state.timer && pending()) poll().catch(() => schedule());
});

async function start() {
  await initHeader();
  wireExportForm();
  const [catalogue] = await Promise.all([api("GET", "/api/catalogue"), loadDefinitions(), refreshExports()]);
  const diseases = catalogue.ok ? catalogue.data.diseases.map((d) => [d.code, `${d.name} (${d.code})`]) : [];
  buildDefineForm(diseases);
  if (!catalogue.ok) { status(`The disease catalogue could not be loaded: ${problemOf(catalogue).title}`, "error"); return; }
  if (!$("#status").classList.contains("error")) status("");
}

start().catch(fail);
