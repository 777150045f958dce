// The monitor's lists: data queries by site (oldest first, with their age) and the verification coverage per site.
import { $, h, status } from "./dom.js";
import { api, initHeader } from "./api.js";
import { problemOf } from "./forms.js";

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

async function start() {
  await initHeader();
  $("#query-status").addEventListener("change", () => loadQueries());
  await Promise.all([loadQueries(), loadCoverage()]);
  status("");
}

start().catch((e) => status(String(e.message || e), "error"));
