// flexbench serve: the live view of the lab. Plain JavaScript, inline SVG, one event stream
// (/api/events, server-sent events: "campaigns" and "points"; docs/live-view.md). Nothing is loaded
// from anywhere but this server.
"use strict";

// index into a point [t_s, U, f, P, I], label, unit, colour, and the smallest span of the panel's
// y axis (measurement noise on a quiet signal stays a flat line, not a panel-high scribble)
const PANELS = [
  [1, "U L1", "V", "#1f5fa8", 10],
  [2, "f", "Hz", "#8a4fb0", 0.2],
  [3, "P", "W", "#1d8a4b", 100],
  [4, "I L1", "A", "#c0561d", 1],
];
const PLOT = {width: 900, height: 360, left: 78, right: 12, top: 8, bottom: 22, gap: 8};
const STATE_TEXT = {running: "running", stopped: "stopped", finished: "finished", report: "finished"};

const series = new Map();     // campaign key -> {generation, points: [[t, U, f, P, I], ...]}
const cards = new Map();      // campaign key -> article element
let drawPending = new Set();

function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, "0")} s`;
  const minutes = Math.floor((total + 30) / 60);
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

function setText(root, selector, text) {
  const el = root.querySelector(selector);
  if (el.textContent !== text) el.textContent = text;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function cardFor(campaign) {
  let card = cards.get(campaign.key);
  if (!card) {
    card = document.getElementById("campaign-template").content.firstElementChild.cloneNode(true);
    card.dataset.key = campaign.key;
    cards.set(campaign.key, card);
    document.getElementById("campaigns").appendChild(card);
  }
  return card;
}

function showCampaigns(list) {
  const keys = new Set(list.map((c) => c.key));
  for (const [key, card] of cards) {
    if (!keys.has(key)) { card.remove(); cards.delete(key); series.delete(key); }
  }
  document.getElementById("no-campaigns").hidden = list.length > 0;
  for (const c of list) {
    const card = cardFor(c);
    card.dataset.state = c.state;
    setText(card, ".state", STATE_TEXT[c.state] || c.state);
    setText(card, ".dut", c.dut || "(device not yet known)");
    setText(card, ".verdict", c.verdict || "");
    setText(card, ".bench", [c.bench, c.market && `market ${c.market}`, c.clock && `${c.clock} clock`]
      .filter(Boolean).join(", "));
    setText(card, ".requirement", (c.requirements || []).join(", ") || "\u2014");
    setText(card, ".counter", c.index ? c.counter : "");
    setText(card, ".test", c.test || "\u2014");
    setText(card, ".step", c.step || "\u2014");
    const benchTime = card.querySelector(".bench-time");
    benchTime.dataset.benchS = String(c.bench_time_s);
    setText(card, ".bench-time", formatDuration(c.bench_time_s));
    setText(card, ".eta", c.eta_text ? c.eta_text.replace(/^ETA /, "") : "\u2014");
    setText(card, ".folder", c.folder);
    const links = card.querySelector(".links");
    const wanted = c.report ? `${c.report}|${c.pdf}` : "";
    if (links.dataset.wanted !== wanted) {
      links.dataset.wanted = wanted;
      links.replaceChildren();
      if (c.report) links.append(link(c.report, "report (HTML)"), " ", link(c.pdf, "report (PDF)"));
    }
  }
}

function takePoints(message) {
  let s = series.get(message.key);
  if (!s || message.reset) {
    s = {generation: message.generation, points: []};
    series.set(message.key, s);
  }
  s.generation = message.generation;
  for (const p of message.points) s.points.push(p);
  drawPending.add(message.key);
  requestAnimationFrame(drawAll);
}

function drawAll() {
  const keys = drawPending;
  drawPending = new Set();
  for (const key of keys) {
    const card = cards.get(key);
    const s = series.get(key);
    if (card && s) draw(card.querySelector("svg.plot"), s.points);
  }
}

function svgElement(svg, name, attributes, text) {
  const el = document.createElementNS(svg.namespaceURI, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function tickText(value, span) {
  // enough decimals to tell the panel's lowest and highest value apart
  const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(Math.max(span, 1e-9))) + 2));
  return value.toFixed(Math.abs(value) >= 1000 ? 0 : decimals);
}

function draw(svg, points) {
  svg.replaceChildren();
  svg.dataset.points = String(points.length);
  if (points.length === 0) {
    svg.append(svgElement(svg, "text", {x: PLOT.width / 2, y: PLOT.height / 2, "text-anchor": "middle",
      class: "hint"}, "waiting for samples of the running test"));
    return;
  }
  const t0 = points[0][0];
  const t1 = Math.max(points[points.length - 1][0], t0 + 1e-6);
  const innerW = PLOT.width - PLOT.left - PLOT.right;
  const panelH = (PLOT.height - PLOT.top - PLOT.bottom - PLOT.gap * (PANELS.length - 1)) / PANELS.length;
  const x = (t) => PLOT.left + ((t - t0) / (t1 - t0)) * innerW;
  PANELS.forEach(([index, label, unit, colour, minSpan], row) => {
    const top = PLOT.top + row * (panelH + PLOT.gap);
    let lo = Infinity, hi = -Infinity;
    for (const p of points) {
      const v = p[index];
      if (v !== null && v !== undefined) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    svg.append(svgElement(svg, "rect", {x: PLOT.left, y: top, width: innerW, height: panelH, class: "panel"}));
    svg.append(svgElement(svg, "text", {x: PLOT.left - 6, y: top + 12, "text-anchor": "end", class: "label"},
      `${label} ${unit}`));
    if (lo === Infinity) return;
    const span = Math.max(hi - lo, minSpan);
    const middle = (hi + lo) / 2;
    const low = middle - span * 0.58, high = middle + span * 0.58;
    const y = (v) => top + panelH - ((v - low) / (high - low)) * panelH;
    // the lowest and highest value drawn, labelled where they are (one label when they are close)
    const ends = y(lo) - y(hi) < 14 ? [hi] : [lo, hi];
    for (const v of ends) {
      const at = Math.min(Math.max(y(v) + 4, top + 26), top + panelH - 2);   // below the panel's name
      svg.append(svgElement(svg, "text", {x: PLOT.left - 6, y: at, "text-anchor": "end", class: "tick"},
        tickText(v, span)));
    }
    const coords = [];
    for (const p of points) {
      const v = p[index];
      if (v !== null && v !== undefined) coords.push(`${x(p[0]).toFixed(1)},${y(v).toFixed(1)}`);
    }
    svg.append(svgElement(svg, "polyline", {points: coords.join(" "), stroke: colour, class: "trace",
      "data-series": label}));
  });
  const base = PLOT.height - 6;
  svg.append(svgElement(svg, "text", {x: PLOT.left, y: base, class: "tick"}, `${t0.toFixed(1)} s`));
  svg.append(svgElement(svg, "text", {x: PLOT.width - PLOT.right, y: base, "text-anchor": "end", class: "tick"},
    `${t1.toFixed(1)} s bench time`));
}

function connect() {
  const status = document.getElementById("connection");
  const source = new EventSource("/api/events");
  source.addEventListener("open", () => { status.dataset.state = "live"; status.textContent = "live"; });
  source.addEventListener("error", () => {
    status.dataset.state = "reconnecting";
    status.textContent = "reconnecting";
  });
  source.addEventListener("campaigns", (e) => showCampaigns(JSON.parse(e.data).campaigns));
  source.addEventListener("points", (e) => takePoints(JSON.parse(e.data)));
}

// --- the results store -------------------------------------------------------------------------
async function loadResults(form) {
  const status = document.getElementById("results-status");
  const table = document.getElementById("results-table");
  const query = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim()) query.set(k, String(v).trim());
  let body;
  try {
    const response = await fetch(`/api/results?${query}`);
    body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
  } catch (err) {
    status.textContent = `results store: ${err.message}`;
    table.hidden = true;
    return;
  }
  const rows = table.querySelector("tbody");
  rows.replaceChildren();
  for (const r of body.results) {
    const tr = document.createElement("tr");
    const cells = [r.started || "", r.device || "", r.firmware || "",
      [r.bench, r.market].filter(Boolean).join(", "), r.verdict || "",
      r.requirement ? `${r.requirement} ${r.requirement_verdict || ""}` : ""];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    const td = document.createElement("td");
    if (r.report) td.append(link(r.report, "HTML"));
    if (r.pdf) td.append(" ", link(r.pdf, "PDF"));
    tr.append(td);
    rows.append(tr);
  }
  table.hidden = body.results.length === 0;
  status.textContent = body.results.length ? `${body.results.length} campaign(s)` +
    (body.truncated ? " (the newest shown)" : "") : "no campaign matches";
  if (body.store) status.textContent += ` \u2014 ${body.store}`;
}

document.getElementById("results-filter").addEventListener("submit", (e) => {
  e.preventDefault();
  loadResults(e.target);
});
connect();
loadResults(document.getElementById("results-filter"));
