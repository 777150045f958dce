// The cohort page: every disease's Treg responder rate with its Wilson interval (a forest plot drawn here as SVG, and
// the same figures as a table), and per disease stand-alone versus add-on with the Newcombe interval of the difference,
// as known now or at the end of a chosen day (the API's asOf).
import { $, h, status } from "./dom.js";
import { api, initHeader } from "./api.js";
import { problemOf } from "./forms.js";

const SVG = "http://www.w3.org/2000/svg";
const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`);
const num = (x, d = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
const ci = (c) => (c ? ` (${pct(c[0])} to ${pct(c[1])})` : "");

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** A forest plot: one row per disease, the rate as a square, the interval as a line; 0 to 100 % on the axis. */
function forest(cohorts) {
  const width = 640, row = 24, left = 110, right = 90, top = 10;
  const height = top + cohorts.length * row + 30;
  const x = (p) => left + p * (width - left - right);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-label": "Forest plot of Treg responder rates by disease, with 95 % Wilson intervals" });
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    chart.append(svg("line", { x1: x(tick), x2: x(tick), y1: top, y2: height - 22, stroke: "#c8ced6" }),
      svg("text", { x: x(tick), y: height - 8, "text-anchor": "middle" }, `${tick * 100} %`));
  }
  cohorts.forEach((c, i) => {
    const y = top + i * row + 12;
    // The label links to the disease's own page. Out of the tab order: the table below has the same link for the keyboard.
    chart.append(svg("a", { href: `/cohorts/${encodeURIComponent(c.diseaseCode)}`, tabindex: "-1" },
      svg("text", { x: left - 8, y: y + 4, "text-anchor": "end" }, c.diseaseCode)));
    const t = c.treg;
    if (t.responderRate === null) {
      chart.append(svg("text", { x: x(0) + 4, y: y + 4, class: "muted" }, `${t.evaluable} evaluable: too few`));
      return;
    }
    const [lo, hi] = t.responderRateCi95;
    chart.append(svg("line", { x1: x(lo), x2: x(hi), y1: y, y2: y, stroke: "#1b1f24", "stroke-width": 2 }),
      svg("rect", { x: x(t.responderRate) - 5, y: y - 5, width: 10, height: 10, fill: "#0b5cad" }),
      svg("text", { x: width - right + 6, y: y + 4 }, `${pct(t.responderRate)} (n ${t.evaluable})`));
  });
  return chart;
}

function cohortRow(c) {
  const t = c.treg;
  return h("tr", null, h("th", { scope: "row" }, h("a", { href: `/cohorts/${encodeURIComponent(c.diseaseCode)}` }, c.diseaseCode)),
    h("td", { class: "num" }, String(c.enrolled)),
    h("td", { class: "num" }, String(c.treated)), h("td", { class: "num" }, String(t.evaluable)),
    h("td", { class: "num" }, String(t.responders)), h("td", { class: "num" }, pct(t.responderRate) + ci(t.responderRateCi95)),
    h("td", { class: "num" }, t.medianFoldChange === null ? "–" : `${num(t.medianFoldChange)} (${num(t.q1)}–${num(t.q3)})`));
}

function lineRow(label, l) {
  const t = l.treg;
  return h("tr", null, h("th", { scope: "row" }, label), h("td", { class: "num" }, String(l.enrolled)),
    h("td", { class: "num" }, String(l.treated)), h("td", { class: "num" }, String(t.evaluable)),
    h("td", { class: "num" }, String(t.responders)), h("td", { class: "num" }, pct(t.responderRate) + ci(t.responderRateCi95)),
    h("td", { class: "num" }, num(t.medianFoldChange)));
}

/** The day a date input names when it is before today (the end of it, UTC, as the API's asOf), else "" for now. */
function pastDay(input) {
  const today = new Date().toISOString().slice(0, 10);
  const day = input.value && input.value < today ? input.value : "";
  return { day, query: day ? `?asOf=${encodeURIComponent(`${day}T23:59:59Z`)}` : "" };
}

async function compare() {
  const disease = $("#disease").value;
  const { day, query } = pastDay($("#as-of"));
  const result = await api("GET", `/api/cohorts/${encodeURIComponent(disease)}/comparison${query}`);
  if (!result.ok) {
    const problem = problemOf(result);
    status(problem.title + (problem.errors?.asOf ? ` ${problem.errors.asOf[0]}` : ""), "error");
    return;
  }
  const c = result.data;
  $("#as-of-note").textContent = day
    ? `As the registry knew it at the end of ${day} (UTC): every event up to number ${c.asOf.sequence}; later corrections are not in it.`
    : `As of now (event ${c.asOf.sequence}).`;
  $("#comparison tbody").replaceChildren(lineRow("Stand-alone", c.standalone), lineRow("Add-on", c.addon));
  const d = c.tregResponderDifference;
  $("#difference").textContent = d.difference === null
    ? "Difference of responder rates: not shown (fewer evaluable patients than the minimum in a group)."
    : `Difference of responder rates (stand-alone − add-on): ${pct(d.difference)}, `
      + `95 % CI ${pct(d.ci95[0])} to ${pct(d.ci95[1])}. Method: ${d.method}.`;
  $("#concomitants tbody").replaceChildren(...c.addonConcomitants.map((m) =>
    h("tr", null, h("th", { scope: "row" }, m.drugClass.replace(/-/g, " ")), h("td", { class: "num" }, String(m.patients)))));
  if (!c.addonConcomitants.length) $("#concomitants tbody").append(h("tr", null, h("td", { colspan: "2" }, "None recorded.")));
  status("");
}

/** Every disease's figures, now or as known at the end of the chosen day; null when the API refused. */
async function list() {
  const { day, query } = pastDay($("#list-as-of"));
  const result = await api("GET", `/api/cohorts${query}`);
  if (!result.ok) {
    const problem = problemOf(result);
    status(problem.title + (problem.errors?.asOf ? ` ${problem.errors.asOf[0]}` : ""), "error");
    return null;
  }
  const cohorts = result.data;
  $("#list-as-of-note").textContent = day
    ? `As the registry knew it at the end of ${day} (UTC)${cohorts.length ? `: every event up to number ${cohorts[0].asOf.sequence}` : ""}.`
    : "As of now.";
  $("#forest").replaceChildren(forest(cohorts));
  $("#cohorts tbody").replaceChildren(...cohorts.map(cohortRow));
  if (!cohorts.length) $("#cohorts tbody").append(h("tr", null, h("td", { colspan: "7" }, "No cohort then.")));
  return cohorts;
}

async function start() {
  await initHeader();
  const cohorts = await list();
  if (!cohorts) return;
  $("#disease").replaceChildren(...cohorts.map((c) => h("option", { value: c.diseaseCode }, c.diseaseCode)));
  for (const input of [$("#as-of"), $("#list-as-of")]) input.max = new Date().toISOString().slice(0, 10);
  $("#compare-form").addEventListener("submit", (event) => { event.preventDefault(); compare(); });
  $("#list-form").addEventListener("submit", async (event) => { event.preventDefault(); if (await list()) status(""); });
  if (cohorts.length) await compare();
  else status("No cohort yet.");
}

start().catch((e) => status(String(e.message || e), "error"));
