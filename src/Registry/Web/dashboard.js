// The pv safety dashboard: plain DOM and SVG, no framework, nothing from the internet.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { cohort: "", site: "", clocks: new Map(), stale: new Set() };
  const fmt = (n, d = 1) => (n === null || n === undefined ? "–" : Number(n).toFixed(d));
  const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);

  async function get(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      location.href = "/signin?returnUrl=" + encodeURIComponent(location.pathname);
      throw new Error("signed out");
    }
    if (!response.ok) throw new Error(url + " answered " + response.status);
    const body = await response.json();
    // Figures that do not include every committed entry (their projection has stopped or lags): say so.
    const complete = response.headers.get("X-As-Of-Complete") !== "false" && body?.asOf?.complete !== false;
    if (!complete) state.stale.add(url); else state.stale.delete(url);
    $("stale").hidden = state.stale.size === 0;
    return body;
  }

  const query = (extra) => {
    const p = new URLSearchParams(extra || {});
    if (state.cohort) p.set("diseaseCode", state.cohort);
    if (state.site) p.set("siteId", state.site);
    const s = p.toString();
    return s ? "?" + s : "";
  };

  function daysLeft(clock) {
    const due = clock.completeReportDueOn && clock.status === "submitted" && !clock.completeReportOn
      ? clock.completeReportDueOn : clock.regulatoryDueOn;
    if (!due || clock.status === "closed" || (clock.status === "submitted" && !clock.completeReportDueOn)) return "–";
    const days = Math.round((Date.parse(due) - Date.parse(new Date().toISOString().slice(0, 10))) / 86400000);
    return days < 0 ? `${-days} days late` : days === 0 ? "due today" : `${days} days`;
  }

  function clockRow(c, isNew) {
    const flags = [c.overdue ? '<span class="flag overdue">OVERDUE</span>' : "", c.siteLate ? '<span class="flag">site late</span>' : "",
      c.susar ? '<span class="flag">SUSAR</span>' : "", c.downgraded ? '<span class="flag">downgraded</span>' : ""].join(" ");
    const tr = document.createElement("tr");
    tr.dataset.ae = c.adverseEventId;
    if (isNew) tr.className = "new";
    tr.innerHTML = `<td><a href="/safety/cases/${esc(c.adverseEventId)}">${esc(c.subjectCode)}</a></td>` +
      `<td>${esc(c.siteId)}</td><td>${esc(c.diseaseCode)}</td>` +
      `<td>${esc(c.term)} (grade ${c.worstGrade})</td><td>${esc(c.awareOn)}</td><td>${esc(c.status)}</td>` +
      `<td>${esc(c.regulatoryDueOn ?? "–")}</td><td>${daysLeft(c)}</td><td>${flags}</td>`;
    return tr;
  }

  function renderClocks(newId) {
    const rows = [...state.clocks.values()]
      .filter((c) => (!state.cohort || c.diseaseCode === state.cohort) && (!state.site || c.siteId === state.site))
      .sort((a, b) => (a.status === "closed") - (b.status === "closed") ||
        String(a.regulatoryDueOn ?? "9").localeCompare(String(b.regulatoryDueOn ?? "9")));
    const body = $("clocks").tBodies[0];
    body.replaceChildren(...rows.map((c) => clockRow(c, c.adverseEventId === newId)));
    $("tile-saes").textContent = rows.filter((c) => !c.voided).length;
    $("tile-open").textContent = rows.filter((c) => c.status !== "closed" && c.status !== "submitted").length;
    $("tile-overdue").textContent = rows.filter((c) => c.overdue).length;
  }

  function barChart(container, items, label) {
    // items: [{label, value, low, high}] drawn as bars with interval whiskers.
    const width = 640, row = 26, left = 120, right = 20, height = items.length * row + 30;
    const max = Math.max(1, ...items.map((i) => i.high ?? i.value ?? 0));
    const x = (v) => left + (v / max) * (width - left - right);
    const parts = items.map((i, k) => {
      const y = 10 + k * row;
      const bar = i.value == null ? ""
        : `<rect x="${left}" y="${y}" width="${Math.max(0, x(i.value) - left)}" height="14" fill="#0b5cad"></rect>`;
      const tick = (v) => `<line x1="${x(v)}" x2="${x(v)}" y1="${y + 2}" y2="${y + 12}" stroke="#1b1f24"></line>`;
      const whisker = i.low == null ? ""
        : `<line x1="${x(i.low)}" x2="${x(i.high)}" y1="${y + 7}" y2="${y + 7}" stroke="#1b1f24" stroke-width="2"></line>` +
          tick(i.low) + tick(i.high);
      const valueX = Math.min(width - 40, x(i.high ?? i.value ?? 0) + 4);
      return `<text x="${left - 6}" y="${y + 11}" text-anchor="end">${esc(i.label)}</text>${bar}${whisker}` +
        `<text x="${valueX}" y="${y + 11}">${fmt(i.value)}</text>`;
    }).join("");
    container.innerHTML = `<svg role="img" aria-label="${esc(label)}" viewBox="0 0 ${width} ${height}"` +
      ` width="${width}" height="${height}" class="chart">${parts}</svg>`;
  }

  async function loadFigures() {
    const [profile, cohorts, signals] = await Promise.all([
      get("/api/safety/profile" + query()),
      get("/api/cohorts" + (state.site ? "?siteId=" + encodeURIComponent(state.site) : "")),
      get("/api/safety/signals"),
    ]);
    $("tile-exposed").textContent = profile.exposedPatients;
    $("tile-py").textContent = fmt(profile.patientYears, 1);

    const select = $("cohort");
    if (select.options.length === 1) {
      for (const c of cohorts) select.add(new Option(c.diseaseCode, c.diseaseCode));
    }

    const perCohort = await Promise.all(cohorts.filter((c) => !state.cohort || c.diseaseCode === state.cohort)
      .map((c) => get("/api/safety/profile" + query({ diseaseCode: c.diseaseCode }))));
    $("eair").tBodies[0].innerHTML = perCohort.map((p) => `<tr><td>${esc(p.diseaseCode)}</td>` +
      `<td class="num">${p.exposedPatients}</td><td class="num">${fmt(p.patientYears, 2)}</td>` +
      `<td class="num">${p.patientsWithAe}</td><td class="num">${fmt(p.eairPer100Py)}</td>` +
      `<td class="num">${p.eairCi95 ? fmt(p.eairCi95[0]) + "–" + fmt(p.eairCi95[1]) : "–"}</td></tr>`).join("");
    barChart($("eair-chart"),
      perCohort.map((p) => ({ label: p.diseaseCode, value: p.eairPer100Py, low: p.eairCi95?.[0], high: p.eairCi95?.[1] })),
      "EAIR per 100 patient-years by cohort, with 95 % intervals");

    const weeks = Object.entries(profile.timeToOnset.byWeek || {});
    barChart($("onset-chart"), weeks.map(([w, n]) => ({ label: "days " + w, value: n })),
      "Number of treatment-emergent events by week of onset");
    $("onset-caption").textContent = `Treatment-emergent events by week of onset: ${profile.timeToOnset.n} events, ` +
      `median ${fmt(profile.timeToOnset.median, 0)} days after the first dose.`;

    $("soc").tBodies[0].innerHTML = profile.bySoc.flatMap((s) => s.byPt.map((p, k) =>
      `<tr><td>${k === 0 ? esc(s.socCode ?? "uncoded") : ""}</td><td>${esc(p.term)}${p.ptCode ? " (" + esc(p.ptCode) + ")" : ""}</td>` +
      `<td class="num">${p.patients}</td><td class="num">${p.events}</td>` +
      [1, 2, 3, 4, 5].map((g) => `<td class="num">${p.worstGrade[g] ?? 0}</td>`).join("") + "</tr>")).join("");

    $("signals").tBodies[0].innerHTML = signals.filter((s) => !state.cohort || s.diseaseCode === state.cohort).map((s) =>
      `<tr><td>${esc(s.diseaseCode)}</td><td>${esc(s.term)}</td>` +
      `<td class="num">${s.a}</td><td class="num">${s.b}</td><td class="num">${s.c}</td><td class="num">${s.d}</td>` +
      `<td class="num">${fmt(s.prr, 2)}</td>` +
      `<td class="num">${fmt(s.ror, 2)} (${fmt(s.rorCi95?.[0], 2)}–${fmt(s.rorCi95?.[1], 2)})${s.continuityCorrected ? "*" : ""}</td>` +
      `<td class="num">${fmt(s.chi2, 2)}</td><td>${s.flagged ? '<span class="flag overdue">FLAGGED</span>' : ""}</td></tr>`).join("");
  }

  async function loadClocks() {
    const clocks = await get("/api/safety/sae-clocks?status=all");
    state.clocks = new Map(clocks.map((c) => [c.adverseEventId, c]));
    renderClocks();
  }

  function listen() {
    const source = new EventSource("/api/safety/live");
    source.addEventListener("sae", (e) => {
      const clock = JSON.parse(e.data);
      const isNew = !state.clocks.has(clock.adverseEventId);
      state.clocks.set(clock.adverseEventId, clock);
      renderClocks(clock.adverseEventId);
      const what = `${clock.subjectCode}, ${clock.term} (${clock.status})`;
      $("status").textContent = `${isNew ? "New" : "Updated"} serious adverse event: ${what}.`;
    });
    // The figures moved (any entry, not only an SAE): refresh the tiles and tables, at most every 2 s.
    let pending = null;
    source.addEventListener("progress", () => {
      pending ??= setTimeout(() => { pending = null; loadFigures().catch(() => {}); }, 2000);
    });
    // The registry ended the stream: the session ended, or the account no longer sees safety data.
    source.addEventListener("ended", () => {
      source.close();
      location.href = "/signin?returnUrl=" + encodeURIComponent("/dashboard");
    });
    source.onerror = () => { $("status").textContent = "Live updates interrupted; reconnecting…"; };
    source.onopen = () => { $("status").textContent = "Live: new and changed SAEs appear here without reloading."; };
  }

  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    state.cohort = $("cohort").value;
    state.site = $("site").value.trim();
    renderClocks();
    loadFigures().catch((err) => { $("status").textContent = err.message; });
  });

  Promise.all([loadClocks(), loadFigures()])
    .then(() => { $("status").textContent = "Loaded. Connecting to live updates…"; listen(); })
    .catch((err) => { $("status").textContent = "Could not load the dashboard: " + err.message; });
})();
