// One disease cohort for researchers, monitors, pv and site users: its figures (for a therapy line, as known now or at
// the end of a chosen day: the API's asOf), each count, median and mean traceable to the patients behind it and to the
// events each one's part was worked out from; and the cohort drawn here as SVG (a waterfall of Treg fold changes, the
// Treg course over study days, the clinical changes, the CGI-I distribution), each plot followed by its data as a table.
// Text is only ever set as text. The chosen figure and the filters are kept in the address's hash, so they can be linked.
import { $, h, status } from "./dom.js";
import { api, initHeader } from "./api.js";
import { problemOf } from "./forms.js";

const SVG = "http://www.w3.org/2000/svg";
const INK = "#1b1f24", GRID = "#c8ced6", RESPONDER = "#0b5cad", OTHER = "#b45309", PATIENT = "#b8c0c8";
const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)} %`);
const num = (x, d = 2) => (x === null || x === undefined ? "–" : Number(x).toFixed(d));
const ci = (c) => (c ? ` (${pct(c[0])} to ${pct(c[1])})` : "");
/** A score or a change: as many decimals as it has, up to two. */
const short = (x) => (x === null || x === undefined ? "–" : String(Number(Number(x).toFixed(2))));
const yesNo = (b) => (b === true ? "yes" : b === false ? "no" : "–");
const LINES = { standalone: "stand-alone", addon: "add-on" };
const CGI = {
  1: "very much improved", 2: "much improved", 3: "minimally improved", 4: "no change",
  5: "minimally worse", 6: "much worse", 7: "very much worse",
};
/** Fold changes the waterfall's log axis may mark. */
const FOLD_TICKS = [0.125, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 16, 32];
/** The figures that are not of a target day. */
const DAYLESS = new Set(["enrolled", "treated", "treg-tconv-baseline"]);

/** The least and the most of many numbers (a spread into Math.min would overflow the stack for a large cohort). */
const least = (xs) => xs.reduce((a, b) => (b < a ? b : a), Infinity);
const most = (xs) => xs.reduce((a, b) => (b > a ? b : a), -Infinity);

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** The disease in the address ("" when there is none, or it is not a well-formed one). */
function diseaseOf(path) {
  try {
    return decodeURIComponent((path.match(/^\/cohorts\/([^/]+)\/?$/) || [])[1] || "");
  } catch {
    return "";
  }
}

const disease = diseaseOf(location.pathname);
const base = `/api/cohorts/${encodeURIComponent(disease)}`;

/**
 * What the page shows: the filters (therapy line, the day the figures are as known at the end of), the point of the log
 * they are as of (pin: the drill-downs ask for that same point, so their patients make exactly the figure shown), the
 * chosen figure, and counters so that an answer to an earlier request never overwrites a later one.
 */
const state = { line: "", day: "", pin: undefined, selection: null, loads: 0, drills: 0, researcher: false, gating: "" };

/** A researcher sees the patients behind figures as of now only: when a pseudonym joined a figure would date it. */
const patientsHidden = () => state.researcher && state.day;
const HIDDEN = "The patients behind the figures, and the plots of each patient, are shown as of now only to researchers: "
  + "when a pseudonym joined a figure would date it. Clear the day to see them.";

const today = () => new Date().toISOString().slice(0, 10);
/** A past day (yyyy-mm-dd), or "" (now): today and the future are now, as on the cohorts page. */
const pastDay = (d) => (/^\d{4}-\d{2}-\d{2}$/.test(d || "") && d < today() ? d : "");

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

const filters = (asOf) => ({ therapyLine: state.line, asOf });

function fromHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const figure = p.get("figure");
  return {
    line: LINES[p.get("therapyLine")] ? p.get("therapyLine") : "",
    day: pastDay(p.get("asOf")),
    selection: figure ? {
      figure,
      targetDay: p.get("targetDay") || undefined,
      instrument: p.get("instrument") || undefined,
      category: p.get("category") || undefined,
    } : null,
  };
}

function hashOf(line, day, selection) {
  const p = new URLSearchParams();
  if (line) p.set("therapyLine", line);
  if (day) p.set("asOf", day);
  for (const k of ["figure", "targetDay", "instrument", "category"]) {
    if (selection && selection[k] !== undefined && selection[k] !== null) p.set(k, String(selection[k]));
  }
  const s = p.toString();
  return s ? `#${s}` : "";
}

const keyOf = (selection) => (selection ? hashOf("", "", selection) : "");

/** Puts the filters and the chosen figure in the address (a new history entry: Back returns to the previous figure). */
function remember() {
  const hash = hashOf(state.line, state.day, state.selection);
  if (hash !== (location.hash === "#" ? "" : location.hash)) history.pushState(null, "", location.pathname + location.search + hash);
}

function figureName(s) {
  const day = s.targetDay ? ` at day ${s.targetDay}` : "";
  switch (s.figure) {
    case "enrolled": return "Enrolled";
    case "treated": return "Treated";
    case "treg-evaluable": return `Treg evaluable${day}`;
    case "treg-responders": return `Treg responders${day}`;
    case "treg-fold-change": return `Median Treg fold change${day}`;
    case "treg-tconv-baseline": return "Median baseline Treg : Tconv ratio";
    case "treg-tconv-change": return `Median fold change of the Treg : Tconv ratio${day}`;
    case "clinical-evaluable": return `${s.instrument} evaluable${day}`;
    case "clinical-responders": return `${s.instrument} responders${day}`;
    case "clinical-with-change": return `${s.instrument} with a change${day}`;
    case "clinical-change": return `Mean ${s.instrument} change${day}`;
    case "cgi-i": return s.category ? `CGI-I ${s.category} (${CGI[s.category] || "?"})${day}` : `CGI-I assessed${day}`;
    case "cgi-i-improved": return `CGI-I improved (1 or 2)${day}`;
    default: return s.figure;
  }
}

/** What a contributor's value is, for the figure's table. */
function valueHeading(figure) {
  if (figure === "treg-tconv-baseline") return "Baseline Treg : Tconv ratio";
  if (figure === "treg-tconv-change") return "Fold change of the ratio";
  if (figure.startsWith("treg-")) return "Treg fold change";
  if (figure.startsWith("cgi-i")) return "CGI-I";
  if (figure.startsWith("clinical-")) return "Change from baseline";
  return "Value";
}

const formatValue = (figure, v) => (figure.startsWith("treg-") ? num(v) : short(v));

/** A figure as a button that shows the patients behind it; its name says which figure and its value. */
function figureButton(selection, text, label) {
  return h("button", {
    type: "button", class: "figure-link", "aria-label": `${label || figureName(selection)}: ${text}`,
    title: "Show the patients behind this figure", onclick: () => choose(selection),
  }, text);
}

const countCell = (selection, n, label) => h("td", { class: "num" }, figureButton(selection, String(n), label));
const summaryCell = (selection, value, extra) =>
  h("td", { class: "num" }, value === null || value === undefined ? "–" : [figureButton(selection, num(value)), extra || ""]);

function renderFigures(c) {
  $("#figures-patients tbody").replaceChildren(h("tr", null,
    countCell({ figure: "enrolled" }, c.enrolled), countCell({ figure: "treated" }, c.treated)));

  const primary = c.treg.targetDay;
  const days = c.byTargetDay && c.byTargetDay.length ? [...c.byTargetDay] : [c.treg];
  if (!days.some((t) => t.targetDay === primary)) days.unshift(c.treg);
  $("#figures-treg tbody").replaceChildren(...days.map((t) => {
    const at = (figure) => ({ figure, targetDay: t.targetDay });
    return h("tr", null,
      h("th", { scope: "row" }, `Day ${t.targetDay}${t.targetDay === primary ? " (primary)" : ""}`),
      countCell(at("treg-evaluable"), t.evaluable),
      countCell(at("treg-responders"), t.responders),
      h("td", { class: "num" }, pct(t.responderRate) + ci(t.responderRateCi95)),
      summaryCell(at("treg-fold-change"), t.medianFoldChange, ` (${num(t.q1)}–${num(t.q3)})`));
  }));

  // Only where sites give conventional T-cell figures: otherwise a table of zeros.
  const r = c.tregTconv && c.tregTconv.withBaselineRatio > 0 ? c.tregTconv : null;
  $("#figures-ratio").closest(".scroll").hidden = !r;
  if (r) {
    const change = { figure: "treg-tconv-change", targetDay: r.targetDay };
    $("#figures-ratio tbody").replaceChildren(h("tr", null,
      h("th", { scope: "row" }, `Day ${r.targetDay}`),
      countCell({ figure: "treg-tconv-baseline" }, r.withBaselineRatio, "Patients with a baseline Treg : Tconv ratio"),
      summaryCell({ figure: "treg-tconv-baseline" }, r.medianBaselineRatio),
      countCell(change, r.withChange, `Patients with a change of the Treg : Tconv ratio at day ${r.targetDay}`),
      summaryCell(change, r.medianRatioFoldChange)));
  }

  $("#figures-clinical tbody").replaceChildren(...c.clinical.map((k) => {
    const of = (figure) => ({ figure, instrument: k.instrument, targetDay: k.targetDay });
    return h("tr", null,
      h("th", { scope: "row" }, k.instrument),
      h("td", { class: "num" }, String(k.targetDay)),
      countCell(of("clinical-evaluable"), k.evaluable),
      countCell(of("clinical-responders"), k.responders),
      h("td", { class: "num" }, pct(k.responderRate)),
      countCell(of("clinical-with-change"), k.withChange),
      summaryCell(of("clinical-change"), k.meanChange));
  }));
  if (!c.clinical.length) {
    $("#figures-clinical tbody").append(h("tr", null, h("td", { colspan: "7" }, "No clinical instrument is recorded for this disease.")));
  }

  const g = c.cgiImprovement;
  $("#figures-cgi-wrap").hidden = !g;
  if (g) {
    $("#figures-cgi tbody").replaceChildren(h("tr", null,
      h("th", { scope: "row" }, `Day ${g.targetDay}`),
      countCell({ figure: "cgi-i", targetDay: g.targetDay }, g.n),
      countCell({ figure: "cgi-i-improved", targetDay: g.targetDay }, g.improved)));
  }
}

/** A plot's data as a table, folded away under the plot. */
function asTable(summary, caption, headings, rows, empty) {
  return h("details", { class: "plot-table" }, h("summary", null, summary),
    h("div", { class: "scroll" }, h("table", null,
      h("caption", null, caption),
      h("thead", null, h("tr", null, headings.map(([text, cls]) => h("th", { scope: "col", class: cls }, text)))),
      h("tbody", null, rows.length ? rows : h("tr", null, h("td", { colspan: String(headings.length) }, empty || "None."))))));
}

function legend(chart, x, y, items) {
  let at = x;
  for (const [colour, label, line] of items) {
    chart.append(line
      ? svg("line", { x1: at, x2: at + 18, y1: y - 4, y2: y - 4, stroke: colour, "stroke-width": line })
      : svg("rect", { x: at, y: y - 10, width: 12, height: 12, fill: colour }),
    svg("text", { x: at + (line ? 22 : 16), y }, label));
    at += (line ? 40 : 34) + label.length * 6.6;
  }
}

/** An axis's range and ticks, at round steps (integer steps only, when asked). */
function niceRange(lo, hi, integer = false, count = 5) {
  if (!(hi > lo)) hi = lo + 1;
  const raw = (hi - lo) / count, mag = 10 ** Math.floor(Math.log10(raw)), f = raw / mag;
  let step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const start = Math.floor(lo / step) * step, end = Math.ceil(hi / step) * step;
  const ticks = [];
  for (let t = start; t <= end + step / 2; t += step) ticks.push(Number(t.toFixed(10)));
  return { lo: start, hi: end, ticks };
}

const patientRow = (c, ...cells) => h("tr", null, h("th", { scope: "row" }, c.patient), h("td", null, c.siteId),
  h("td", null, LINES[c.therapyLine] || c.therapyLine), ...cells);

/** (a) Each evaluable patient's Treg fold change at the primary target day, largest first, on a log2 axis. */
function waterfall(d) {
  const day = d.targetDay;
  $("#waterfall-heading").textContent = `Each patient's Treg fold change at day ${day}`;
  const rows = d.contributors.filter((c) => c.value !== null && c.value !== undefined)
    .sort((a, b) => b.value - a.value || (a.patient < b.patient ? -1 : 1));
  const table = asTable("The waterfall as a table", `Each evaluable patient's Treg fold change from baseline at day ${day}, largest first`,
    [["Patient"], ["Site"], ["Therapy line"], ["Fold change", "num"], ["Responder"]],
    rows.map((c) => patientRow(c, h("td", { class: "num" }, num(c.value)), h("td", null, yesNo(c.responder)))));
  if (!rows.length) return [h("p", { class: "hint" }, `No patient is evaluable at day ${day} yet.`), table];

  const log = (v) => Math.log2(Math.max(v, 1 / 64));
  const logs = rows.map((c) => log(c.value));
  let lo = Math.min(0, least(logs)), hi = Math.max(0, most(logs));
  if (hi - lo < 1) hi = lo + 1;
  const pad = (hi - lo) * 0.06;
  lo -= pad; hi += pad;
  const labels = rows.length <= 30;
  const width = 640, left = 72, right = 12, top = 30, plot = 220, bottom = labels ? 150 : 30;
  const height = top + plot + bottom;
  const y = (v) => top + ((hi - v) / (hi - lo)) * plot;
  const step = (width - left - right) / rows.length, bar = Math.max(1, Math.min(28, step * 0.75));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-label": `Waterfall plot of each evaluable patient's Treg fold change from baseline at day ${day}, largest first, `
      + "on a log scale, with a line at 1 (no change); responders in blue, the others in orange" });
  for (const t of FOLD_TICKS.filter((t) => log(t) >= lo && log(t) <= hi)) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(log(t)), y2: y(log(t)), stroke: GRID }),
      svg("text", { x: left - 6, y: y(log(t)) + 4, "text-anchor": "end" }, String(t)));
  }
  chart.append(svg("text", { x: 14, y: top + plot / 2, transform: `rotate(-90 14 ${top + plot / 2})`, "text-anchor": "middle" },
    "Fold change (log scale)"));
  rows.forEach((c, i) => {
    const cx = left + step * (i + 0.5), v = logs[i];
    chart.append(svg("rect", {
      class: "bar", x: cx - bar / 2, y: Math.min(y(v), y(0)), width: bar, height: Math.max(1, Math.abs(y(v) - y(0))),
      fill: c.responder ? RESPONDER : OTHER,
    }, svg("title", null, `${c.patient}: ${num(c.value)}`)));
    if (labels) {
      const ly = top + plot + 12;
      chart.append(svg("text", { x: cx, y: ly, transform: `rotate(-60 ${cx} ${ly})`, "text-anchor": "end", class: "small" }, c.patient));
    }
  });
  chart.append(svg("line", { class: "reference", x1: left, x2: width - right, y1: y(0), y2: y(0), stroke: INK,
    "stroke-width": 1.5, "stroke-dasharray": "5 3" }));
  legend(chart, left, 16, [[RESPONDER, "Responder"], [OTHER, "Not a responder"], [INK, "No change (1)", 1.5]]);
  return [h("figure", null, chart, h("figcaption", null,
    `${rows.length} evaluable patient${rows.length === 1 ? "" : "s"}; the bars start at 1 (no change).`)), table];
}

/** (b) Each treated patient's Treg % of CD4 over study days (thin, grey), and the cohort's median (thick, dark). */
function course(d) {
  const points = d.patients.flatMap((p) => p.points);
  const medians = d.median.filter((m) => m.median !== null && m.median !== undefined);
  const tables = [
    asTable("The patients' Treg % as a table", "Each treated patient's Treg % of CD4 by study day (1: the first dose)",
      [["Patient"], ["Site"], ["Therapy line"], [`Fold change at day ${d.primaryTargetDay}`, "num"], ["Treg % of CD4 by study day"]],
      d.patients.map((p) => patientRow(p, h("td", { class: "num" }, num(p.foldChange)),
        h("td", null, p.points.map((t) => `day ${t.studyDay}: ${num(t.tregPercentOfCd4)} %`).join("; ") || "–")))),
    asTable("The median as a table", "The cohort's median Treg % of CD4 at baseline (study day 1) and at each target day",
      [["Study day", "num"], ["Patients", "num"], ["Median Treg %", "num"]],
      d.median.map((m) => h("tr", null, h("th", { scope: "row", class: "num" }, String(m.studyDay)),
        h("td", { class: "num" }, String(m.n)), h("td", { class: "num" }, m.median === null ? "–" : `${num(m.median)} %`)))),
  ];
  if (!points.length) return [h("p", { class: "hint" }, "No Treg result of a treated patient yet."), ...tables];

  const days = [...points.map((p) => p.studyDay), ...medians.map((m) => m.studyDay)];
  const x0 = Math.min(1, least(days));
  let x1 = most(days);
  if (x1 <= x0) x1 = x0 + 7;
  const yr = niceRange(0, most([...points.map((p) => p.tregPercentOfCd4), ...medians.map((m) => m.median)]));
  const width = 640, left = 56, right = 16, top = 30, plot = 240, bottom = 46;
  const height = top + plot + bottom;
  const x = (day) => left + ((day - x0) / (x1 - x0)) * (width - left - right);
  const y = (v) => top + ((yr.hi - v) / (yr.hi - yr.lo)) * plot;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-label": "Line plot of each treated patient's Treg % of CD4 over study days, in grey, "
      + "with the cohort's median at baseline and each target day as a thick dark line" });
  for (const t of yr.ticks) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(t), y2: y(t), stroke: GRID }),
      svg("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end" }, `${t} %`));
  }
  let last = -Infinity;
  const ticks = [...new Set([x0, 1, ...d.median.map((m) => m.studyDay)])].filter((t) => t >= x0 && t <= x1).sort((a, b) => a - b);
  for (const t of ticks) {
    if (x(t) - last < 20) continue;
    last = x(t);
    chart.append(svg("line", { x1: x(t), x2: x(t), y1: top + plot, y2: top + plot + 5, stroke: INK }),
      svg("text", { x: x(t), y: top + plot + 18, "text-anchor": "middle" }, String(t)));
  }
  chart.append(svg("line", { x1: left, x2: width - right, y1: top + plot, y2: top + plot, stroke: INK }),
    svg("text", { x: left + (width - left - right) / 2, y: height - 6, "text-anchor": "middle" }, "Study day (1: the first dose)"),
    svg("text", { x: 14, y: top + plot / 2, transform: `rotate(-90 14 ${top + plot / 2})`, "text-anchor": "middle" }, "Treg % of CD4"));
  for (const p of d.patients) {
    if (p.points.length > 1) {
      chart.append(svg("polyline", { class: "patient", fill: "none", stroke: PATIENT, "stroke-width": 1.2,
        points: p.points.map((t) => `${x(t.studyDay)},${y(t.tregPercentOfCd4)}`).join(" ") }));
    } else if (p.points.length === 1) {
      const [only] = p.points;
      chart.append(svg("circle", { class: "patient", cx: x(only.studyDay), cy: y(only.tregPercentOfCd4), r: 2.5, fill: PATIENT }));
    }
  }
  if (medians.length > 1) {
    chart.append(svg("polyline", { class: "median", fill: "none", stroke: INK, "stroke-width": 3,
      points: medians.map((m) => `${x(m.studyDay)},${y(m.median)}`).join(" ") }));
  }
  for (const m of medians) {
    chart.append(svg("circle", { class: "median-point", cx: x(m.studyDay), cy: y(m.median), r: 4, fill: INK },
      svg("title", null, `Median at day ${m.studyDay}: ${num(m.median)} % (${m.n} patients)`)));
  }
  legend(chart, left, 16, [[PATIENT, "Each patient", 2], [INK, "Median at baseline and each target day", 3]]);
  return [h("figure", null, chart, h("figcaption", null,
    `${d.patients.length} treated patient${d.patients.length === 1 ? "" : "s"}; `
      + "a median needs a minimum of patients, so some target days may have none.")),
  ...tables];
}

/** (c) One instrument's change from baseline at the clinical target day: a dot per patient, the mean, the line of no change. */
function clinicalFigure(k, d, missing) {
  const values = d ? d.contributors.filter((c) => c.value !== null && c.value !== undefined) : [];
  const table = asTable(`${k.instrument} as a table`, `Each patient's change in ${k.instrument} from baseline at day ${k.targetDay}`,
    [["Patient"], ["Site"], ["Therapy line"], ["Change", "num"], ["Responder"]],
    values.map((c) => patientRow(c, h("td", { class: "num" }, short(c.value)), h("td", null, yesNo(c.responder)))));
  const title = h("h4", null, k.instrument);
  if (!values.length) {
    return h("div", { class: "instrument" }, title,
      h("p", { class: "hint" }, missing || `No patient has a change at day ${k.targetDay} yet.`));
  }
  const mean = d.value;
  const r = niceRange(Math.min(0, least(values.map((c) => c.value))), Math.max(0, most(values.map((c) => c.value))));
  const width = 640, left = 24, right = 24, top = 34, axis = 92, height = 112;
  const x = (v) => left + ((v - r.lo) / (r.hi - r.lo)) * (width - left - right);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-label": `Dot plot of each patient's change in ${k.instrument} from baseline at day ${k.targetDay}, `
      + `with the line of no change${mean === null ? "" : ` and the mean, ${short(mean)}`}; responders in blue, the others in orange` });
  for (const t of r.ticks) {
    chart.append(svg("line", { x1: x(t), x2: x(t), y1: top, y2: axis, stroke: GRID }),
      svg("text", { x: x(t), y: axis + 14, "text-anchor": "middle" }, String(t)));
  }
  chart.append(svg("line", { x1: left, x2: width - right, y1: axis, y2: axis, stroke: INK }),
    svg("line", { class: "reference", x1: x(0), x2: x(0), y1: top - 4, y2: axis, stroke: INK,
      "stroke-width": 1.5, "stroke-dasharray": "5 3" }));
  values.forEach((c, i) => {
    chart.append(svg("circle", { class: "dot", cx: x(c.value), cy: top + 29 + ((i % 5) - 2) * 7, r: 4.5,
      fill: c.responder ? RESPONDER : OTHER, "fill-opacity": 0.85 }, svg("title", null, `${c.patient}: ${short(c.value)}`)));
  });
  if (mean !== null && mean !== undefined) {
    chart.append(svg("line", { class: "mean", x1: x(mean), x2: x(mean), y1: top - 4, y2: axis, stroke: INK, "stroke-width": 3 }));
  }
  legend(chart, left, 16, [[RESPONDER, "Responder"], [OTHER, "Not a responder or not evaluable"], [INK, "Mean", 3]]);
  return h("div", { class: "instrument" }, title, h("figure", null, chart, h("figcaption", null,
    `${values.length} patient${values.length === 1 ? "" : "s"} with a change; `
      + `mean ${mean === null || mean === undefined ? "not shown (too few patients)" : short(mean)}. `
      + "The dashed line is no change.")), table);
}

/** (d) The CGI-I scores at the clinical target day, 1 (very much improved) to 7 (very much worse). */
function cgi(g) {
  $("#cgi-section").hidden = !g;
  if (!g) return;
  $("#cgi-heading").textContent = `CGI-I at day ${g.targetDay}`;
  const scores = [1, 2, 3, 4, 5, 6, 7];
  const counts = scores.map((k) => g.counts[String(k)] || 0);
  const table = asTable("The CGI-I scores as a table", `Patients by CGI-I score at day ${g.targetDay}`,
    [["Score", "num"], ["Meaning"], ["Patients", "num"]],
    scores.map((k, i) => h("tr", null, h("th", { scope: "row", class: "num" }, String(k)), h("td", null, CGI[k]),
      countCell({ figure: "cgi-i", targetDay: g.targetDay, category: String(k) }, counts[i]))));
  if (!g.n) {
    $("#cgi").replaceChildren(h("p", { class: "hint" }, `No CGI-I assessed at day ${g.targetDay} yet.`), table);
    return;
  }
  const r = niceRange(0, Math.max(1, ...counts) * 1.15, true);
  const width = 640, left = 48, right = 12, top = 30, plot = 180, bottom = 64;
  const height = top + plot + bottom;
  const band = (width - left - right) / scores.length;
  const y = (v) => top + ((r.hi - v) / (r.hi - r.lo)) * plot;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart", role: "img",
    "aria-label": `Bar chart of the patients by CGI-I score at day ${g.targetDay}, from 1 (very much improved) to 7 (very much worse): `
      + scores.map((k, i) => `${k}: ${counts[i]}`).join(", ") });
  for (const t of r.ticks) {
    chart.append(svg("line", { x1: left, x2: width - right, y1: y(t), y2: y(t), stroke: GRID }),
      svg("text", { x: left - 6, y: y(t) + 4, "text-anchor": "end" }, String(t)));
  }
  scores.forEach((k, i) => {
    const cx = left + band * (i + 0.5), w = band * 0.6;
    chart.append(svg("rect", { class: "cgi-bar", x: cx - w / 2, y: y(counts[i]), width: w, height: y(0) - y(counts[i]),
      fill: k <= 2 ? RESPONDER : OTHER }, svg("title", null, `${k} (${CGI[k]}): ${counts[i]}`)),
    svg("text", { x: cx, y: y(counts[i]) - 4, "text-anchor": "middle" }, String(counts[i])),
    svg("text", { x: cx, y: top + plot + 16, "text-anchor": "middle" }, String(k)));
  });
  chart.append(svg("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), stroke: INK }),
    svg("text", { x: left, y: height - 24, class: "small" }, "1 very much improved · 2 much improved · 3 minimally improved · 4 no change"),
    svg("text", { x: left, y: height - 8, class: "small" }, "5 minimally worse · 6 much worse · 7 very much worse"),
    svg("text", { x: 14, y: top + plot / 2, transform: `rotate(-90 14 ${top + plot / 2})`, "text-anchor": "middle" }, "Patients"));
  legend(chart, left, 16, [[RESPONDER, "Improved (1 or 2)"], [OTHER, "Not improved (3 to 7)"]]);
  $("#cgi").replaceChildren(h("figure", null, chart, h("figcaption", null,
    `${g.n} patient${g.n === 1 ? "" : "s"} assessed; ${g.improved} improved.`)), table);
}

function showProblem(result) {
  const problem = problemOf(result);
  const errors = Object.values(problem.errors || {}).flat().join(" ");
  status([problem.title || `The registry answered ${result.status}.`, errors].filter(Boolean).join(" "), "error");
}

/** The events a patient's part in the figure was worked out from; calendar dates only when the API gives them. */
function eventsTable(c) {
  if (!c.events.length) return h("p", null, "No event recorded.");
  const dated = c.events.some((e) => e.date);
  const numbered = c.events.some((e) => e.sequence !== undefined && e.sequence !== null);
  return h("table", { class: "events" },
    h("caption", null, `The events behind ${c.patient}'s part in the figure`),
    h("thead", null, h("tr", null, numbered && h("th", { scope: "col", class: "num" }, "Event"), h("th", { scope: "col" }, "Kind"),
      h("th", { scope: "col" }, "Role"), h("th", { scope: "col", class: "num" }, "Study day"), dated && h("th", { scope: "col" }, "Date"))),
    h("tbody", null, c.events.map((e) => h("tr", null,
      numbered && h("td", { class: "num" }, String(e.sequence)), h("td", null, e.kind), h("td", { class: "role" }, e.role),
      h("td", { class: "num study-day" }, e.studyDay === null || e.studyDay === undefined ? "–" : String(e.studyDay)),
      dated && h("td", null, e.date || "–")))));
}

/** Shows the patients behind the chosen figure, as of the same point as the figures; returns false when refused. */
async function drill(focus) {
  const selection = state.selection;
  const body = $("#contributors-body");
  if (!selection) {
    body.replaceChildren(h("p", { class: "hint" }, "Choose a number among the figures above."));
    return true;
  }
  if (patientsHidden()) {
    body.replaceChildren(h("p", { class: "hint" }, HIDDEN));
    return true;
  }
  const run = ++state.drills;
  body.setAttribute("aria-busy", "true");
  const result = await api("GET", `${base}/contributors${query({ ...selection, ...filters(state.pin) })}`);
  if (run !== state.drills) return true;
  body.removeAttribute("aria-busy");
  if (!result.ok) {
    showProblem(result);
    body.replaceChildren(h("p", { class: "error" }, `The patients behind ${figureName(selection)} cannot be shown.`));
    return false;
  }
  const d = result.data;
  const named = {
    ...selection, targetDay: DAYLESS.has(d.figure) ? undefined : d.targetDay, instrument: d.instrument, category: d.category,
  };
  const value = d.value === null || d.value === undefined ? "– (too few patients to show it)"
    : d.aggregate === "count" ? String(d.value) : num(d.value);
  const heading = h("h3", { id: "contributors-heading", tabindex: "-1" }, `${figureName(named)}: ${value}`);
  const n = d.contributors.length;
  const how = d.aggregate === "count" ? "Each one counts once." : `The figure is the ${d.aggregate} of their values.`;
  const rows = d.contributors.map((c, i) => {
    const id = `events-${run}-${i}`;
    const tr = h("tr", { class: "contributor" });
    const button = h("button", { type: "button", class: "quiet", "aria-expanded": "false", "aria-controls": id },
      "Events", h("span", { class: "visually-hidden" }, ` of ${c.patient}`));
    button.addEventListener("click", () => {
      const open = document.getElementById(id);
      if (open) open.remove();
      else tr.after(h("tr", { class: "panel events", id }, h("td", { colspan: "6" }, eventsTable(c))));
      button.setAttribute("aria-expanded", open ? "false" : "true");
    });
    tr.append(h("th", { scope: "row" }, c.patient), h("td", null, c.siteId), h("td", null, LINES[c.therapyLine] || c.therapyLine),
      h("td", { class: "num" }, formatValue(d.figure, c.value)), h("td", null, yesNo(c.responder)), h("td", { class: "actions" }, button));
    return tr;
  });
  body.replaceChildren(heading,
    h("p", null, `${n} patient${n === 1 ? "" : "s"}. ${how} As of event ${d.asOf.sequence}.`),
    h("div", { class: "scroll" }, h("table", { id: "contributors-table" },
      h("caption", null, `The patients behind ${figureName(named)}, with the events each one's part was worked out from`),
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Patient"), h("th", { scope: "col" }, "Site"),
        h("th", { scope: "col" }, "Therapy line"), h("th", { scope: "col", class: "num" }, valueHeading(d.figure)),
        h("th", { scope: "col" }, "Responder"), h("th", { scope: "col" }, "Events"))),
      h("tbody", null, rows.length ? rows : h("tr", null, h("td", { colspan: "6" }, "No patient."))))));
  if (focus) heading.focus();
  return true;
}

function choose(selection) {
  state.selection = selection;
  remember();
  drill(true).then((ok) => { if (ok) status(""); }).catch(fail);
}

/** Loads the figures and the plots (in parallel), then the clinical plots and the chosen figure's patients. */
async function load(focusDrill) {
  const run = ++state.loads;
  status("Loading…");
  const asOf = state.day ? `${state.day}T23:59:59Z` : undefined;
  const hidden = patientsHidden();
  const none = Promise.resolve(null);
  const [cohort, treg, folds] = await Promise.all([
    api("GET", `${base}${query(filters(asOf))}`),
    hidden ? none : api("GET", `${base}/treg-course${query({ ...filters(asOf), gating: state.gating || undefined })}`),
    hidden ? none : api("GET", `${base}/contributors${query({ figure: "treg-fold-change", ...filters(asOf) })}`),
  ]);
  if (run !== state.loads) return;
  // Without the figures there is nothing to show; a plot that failed says so in its place, the rest still shows.
  if (!cohort.ok) { showProblem(cohort); return; }
  const refused = [treg, folds].find((r) => r && !r.ok);
  const failed = (r, what) => [h("p", { class: "error" }, `The ${what} cannot be shown now (the registry answered ${r.status}).`)];
  const c = cohort.data;
  // Now: the live figures and their patients come from the same facts; at a day, from the log up to its end.
  state.pin = asOf;
  const line = state.line ? `${LINES[state.line][0].toUpperCase()}${LINES[state.line].slice(1)} patients only. ` : "";
  $("#as-of-note").textContent = line + (state.day
    ? `As the registry knew it at the end of ${state.day} (UTC): every event up to number ${c.asOf.sequence}; `
      + "later corrections are not in it."
    : `As of now (event ${c.asOf.sequence}).${c.asOf.complete === false ? " The latest entries may not be in the figures yet." : ""}`);
  renderFigures(c);
  $("#waterfall").replaceChildren(...(hidden ? [h("p", { class: "hint" }, HIDDEN)]
    : folds.ok ? waterfall(folds.data) : failed(folds, "waterfall")));
  $("#treg-course").replaceChildren(...(hidden ? [h("p", { class: "hint" }, HIDDEN)]
    : treg.ok ? [gatingChoice(treg.data), ...course(treg.data)] : failed(treg, "Treg course")));
  cgi(c.cgiImprovement);

  const [drilled, ...changes] = await Promise.all([
    drill(focusDrill),
    ...c.clinical.map((k) => (k.withChange > 0 && !hidden
      ? api("GET", `${base}/contributors${query({ figure: "clinical-change", instrument: k.instrument, ...filters(state.pin) })}`)
      : Promise.resolve(null))),
  ]);
  if (run !== state.loads) return;
  const missing = (r) => (hidden ? HIDDEN
    : r && !r.ok ? `The changes cannot be shown now (the registry answered ${r.status}).` : null);
  $("#clinical").replaceChildren(...c.clinical.map((k, i) =>
    clinicalFigure(k, changes[i] && changes[i].ok ? changes[i].data : null, missing(changes[i]))));
  if (!c.clinical.length) $("#clinical").replaceChildren(h("p", { class: "hint" }, "No clinical instrument is recorded for this disease."));
  const failedChange = refused || changes.find((r) => r && !r.ok);
  if (failedChange) showProblem(failedChange);
  else if (drilled) status("");
}

const fail = (e) => status(String(e.message || e), "error");

/** The gating the Treg course shows (levels of different gatings are never pooled), and a choice of the others. */
function gatingChoice(d) {
  const label = (g) => GATINGS[g] || g;
  if (!d.gating) return h("p", { class: "hint" }, "No treated patient has a baseline Treg result yet.");
  if (d.gatings.length < 2 && d.gatings.some((g) => g.gating === d.gating)) {
    return h("p", { class: "hint" }, `Gating: ${label(d.gating)} (every baseline).`);
  }
  const choices = d.gatings.some((g) => g.gating === d.gating) ? d.gatings : [{ gating: d.gating, patients: 0 }, ...d.gatings];
  const select = h("select", { id: "gating" }, choices.map((g) =>
    h("option", { value: g.gating, selected: g.gating === d.gating }, `${label(g.gating)} (${g.patients} patients)`)));
  select.addEventListener("change", () => { state.gating = select.value; load(false).catch(fail); });
  return h("div", { class: "filters" },
    h("div", null, h("label", { for: "gating" }, "Gating (levels of two gatings are never pooled)"), select));
}

const GATINGS = { "cd4-cd25-foxp3": "CD4+CD25+FOXP3+", "cd4-cd25hi-cd127lo": "CD4+CD25hiCD127lo" };

async function start() {
  state.researcher = (await initHeader()).role === "researcher";
  if (!disease) { status("There is no disease in the address.", "error"); return; }
  $("#title").textContent = `Cohort: ${disease}`;
  document.title = `Cohort: ${disease} · Registry`;
  $("#as-of").max = today();
  Object.assign(state, fromHash());
  $("#therapy-line").value = state.line;
  $("#as-of").value = state.day;
  $("#filters").addEventListener("submit", (event) => {
    event.preventDefault();
    state.line = $("#therapy-line").value;
    state.day = pastDay($("#as-of").value);
    state.gating = "";
    remember();
    load(false).catch(fail);
  });
  // Back, Forward, or a hash typed in: show what the address names.
  window.addEventListener("popstate", () => {
    const next = fromHash();
    const reload = next.line !== state.line || next.day !== state.day;
    const redrill = keyOf(next.selection) !== keyOf(state.selection);
    Object.assign(state, next);
    $("#therapy-line").value = state.line;
    $("#as-of").value = state.day;
    if (reload) load(false).catch(fail);
    else if (redrill) drill(true).then((ok) => { if (ok) status(""); }).catch(fail);
  });
  await load(Boolean(state.selection));
}

start().catch(fail);
