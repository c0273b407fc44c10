/**
 * The gpunet dashboard: one page, three views chosen by the URL hash
 *   #/                   the network: stat cards, charts, leaderboard, recent jobs
 *   #/provider/<address> one provider: stake and earnings history, jobs, slashes
 *   #/job/<address>      one job: its timeline and why it ended
 * Everything comes from this server's read-only API; `/live` (Server-Sent
 * Events) says when new transactions landed, and the view reloads its data.
 *
 * What each chart plots is kept in `window.__gpunetCharts[id]`: the URL it
 * came from, the x values, the exact API values per series and the numbers
 * handed to uPlot, so anyone (and the tests) can check them against the API.
 */
import uPlot from "./uplot.js";
import { count, date, day, enumName, esc, exactTokens, short, tokenNumber, tokens, words } from "./format.js";

const $ = (sel) => document.querySelector(sel);
const main = $("#main");
const charts = new Map();
window.__gpunetCharts = {};
let meta = null;
let loads = 0;

/** GET a JSON route; a failure names the route and the server's message. */
async function api(path) {
  const res = await fetch(path, { headers: { accept: "application/json" } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${path}: not JSON (${res.status})`);
  }
  if (!res.ok) throw new Error(`${path}: ${body.error ?? res.status}`);
  return body;
}

/** A token amount as HTML: human units, the exact base units in the title. */
function amount(raw) {
  const d = meta.decimals;
  // Until the indexer has read the mint, amounts stay in base units, and say so.
  if (d == null)
    return `<span class="amount" title="base units (the mint's decimals are not known yet)" data-raw="${esc(String(raw))}">${esc(count(raw))} units</span>`;
  const sym = meta.symbol ? ` ${esc(meta.symbol)}` : "";
  return `<span class="amount" title="${esc(exactTokens(raw, d))} (${esc(String(raw))} base units)" data-raw="${esc(String(raw))}">${esc(tokens(raw, d))}${sym}</span>`;
}
const when = (unix) => `<time title="${esc(String(unix))}" data-raw="${esc(String(unix))}">${esc(date(unix))}</time>`;
const coded = (table, code) => `<span title="code ${esc(String(code))}" data-raw="${esc(String(code))}">${esc(enumName(table, code))}</span>`;
const providerLink = (a) => `<a href="#/provider/${esc(a)}" title="${esc(a)}" class="addr">${esc(short(a))}</a>`;
const jobLink = (a) => `<a href="#/job/${esc(a)}" title="${esc(a)}" class="addr">${esc(short(a))}</a>`;
const sigText = (s) => `<code title="${esc(s)}">${esc(short(s))}</code>`;

function card(label, valueHtml, note = "", id = "") {
  return `<div class="card"${id ? ` data-card="${esc(id)}"` : ""}><div class="label">${esc(label)}</div><div class="value">${valueHtml}</div>${note ? `<div class="note">${note}</div>` : ""}</div>`;
}

function table(head, rows, empty = "none yet") {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

const DAY_STEPS = [86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400, 91 * 86_400, 365 * 86_400];
const PALETTE = ["#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#ec4899"];

/**
 * Draws (or updates) a time chart. `series`: [{ key, label, tokens }]; values
 * of `points[i][key]` are exact API values (strings); token series are drawn
 * in tokens, counts as numbers.
 */
function timeChart(id, url, points, series) {
  const el = document.getElementById(id);
  if (!el) return;
  const x = points.map((p) => Number(p.t));
  const raw = Object.fromEntries(series.map((s) => [s.key, points.map((p) => String(p[s.key]))]));
  const ys = series.map((s) => points.map((p) => (s.tokens ? tokenNumber(p[s.key], meta.decimals ?? 0) : Number(p[s.key]))));
  const data = [x, ...ys];
  window.__gpunetCharts[id] = { url, x, raw, plotted: data, labels: series.map((s) => s.label) };
  el.dataset.points = String(x.length);
  const width = Math.max(280, el.clientWidth || 480);
  const existing = charts.get(id);
  if (existing && existing.series.length === series.length + 1) {
    existing.setData(data);
    return;
  }
  existing?.destroy();
  const u = new uPlot(
    {
      width,
      height: 220,
      // Room on the right for the last day's label.
      padding: [12, 40, 0, 0],
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [
        // Whole days only: the points are day (or epoch) buckets.
        { stroke: "#9aa4b2", grid: { stroke: "#1f2937" }, incrs: DAY_STEPS, values: (_u, splits) => splits.map((s) => day(s)) },
        { stroke: "#9aa4b2", grid: { stroke: "#1f2937" }, size: 70 },
      ],
      series: [
        { label: "day", value: (_u, v) => (v == null ? "" : day(v)) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 2,
          value: (_u, v) => (v == null ? "" : s.tokens ? v.toLocaleString("en-US", { maximumFractionDigits: 2 }) : v.toLocaleString("en-US")),
        })),
      ],
    },
    data,
    el,
  );
  charts.set(id, u);
}

/** Draws (or updates) a bar chart of categories (GPUs by model / region). */
function barChart(id, url, items, key) {
  const el = document.getElementById(id);
  if (!el) return;
  const labels = items.map((i) => i.name);
  const x = items.map((_, i) => i);
  const y = items.map((i) => Number(i[key]));
  const data = [x, y];
  window.__gpunetCharts[id] = { url, x: labels, raw: { [key]: items.map((i) => String(i[key])) }, plotted: data, labels: [key] };
  el.dataset.points = String(x.length);
  charts.get(id)?.destroy();
  if (items.length === 0) {
    el.innerHTML = `<p class="empty">no active providers</p>`;
    charts.delete(id);
    return;
  }
  el.innerHTML = "";
  const u = new uPlot(
    {
      width: Math.max(240, el.clientWidth || 320),
      height: 200,
      legend: { show: false },
      scales: { x: { time: false, range: [-0.5, items.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { stroke: "#9aa4b2", grid: { show: false }, incrs: [1], values: (_u, splits) => splits.map((s) => labels[s] ?? "") },
        { stroke: "#9aa4b2", grid: { stroke: "#1f2937" } },
      ],
      series: [{}, { label: key, stroke: PALETTE[2], fill: `${PALETTE[2]}aa`, paths: uPlot.paths.bars({ size: [0.6, 60] }) }],
    },
    data,
    el,
  );
  charts.set(id, u);
}

function clearCharts() {
  for (const u of charts.values()) u.destroy();
  charts.clear();
  window.__gpunetCharts = {};
}

// ---------- views

const OVERVIEW = `
  <section class="cards" id="cards"></section>
  <section class="grid2">
    <div class="panel"><h2>Stake over time</h2><div class="chart" id="chart-stake"></div></div>
    <div class="panel"><h2>Jobs per day</h2><div class="chart" id="chart-jobs"></div></div>
    <div class="panel"><h2>Fees and rewards per day</h2><div class="chart" id="chart-fees"></div></div>
    <div class="panel"><h2>GPUs by model</h2><div class="chart" id="chart-gpu-model"></div><h2>GPUs by region</h2><div class="chart" id="chart-gpu-region"></div></div>
  </section>
  <section class="grid2">
    <div class="panel"><h2>Provider leaderboard</h2><p class="hint" id="formula"></p><div id="leaderboard"></div></div>
    <div class="panel"><h2>Recent jobs</h2><div id="recent-jobs"></div></div>
  </section>`;

async function loadOverview() {
  const [totals, network, gpus, rep, providers, jobs, hourly] = await Promise.all([
    api("/totals"),
    api("/series/network?interval=day"),
    api("/series/gpus"),
    api("/reputation?limit=20"),
    api("/providers?limit=10000"),
    api("/jobs?limit=15"),
    api("/rewards?bucket=3600"),
  ]);
  const e = meta.enums;
  // "Now" on the chain: the wall clock, or the newest reward bucket when the chain runs ahead of it.
  const newest = hourly.reduce((m, b) => Math.max(m, Number(b.bucketStart) + 3600), 0);
  const now = Math.max(Math.floor(Date.now() / 1000), newest);
  let rewards24 = 0n;
  for (const b of hourly) if (Number(b.bucketStart) + 3600 > now - 86400) rewards24 += BigInt(b.funded) + BigInt(b.fees);
  const states = Object.entries(totals.jobsByState)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `<span class="pill state-${esc(s)}">${esc(s)} ${count(n)}</span>`)
    .join(" ");
  $("#cards").innerHTML = [
    card("Providers online", count(totals.activeProviders), `of ${count(totals.providers)} registered`, "providers"),
    card("GPUs", count(totals.gpuCount), "on active providers", "gpus"),
    card("Jobs", count(totals.jobs), states || "none yet", "jobs"),
    card("Active stake", amount(totals.activeStake), "", "stake"),
    card("Rewards, last 24 h", amount(rewards24.toString()), "funded directly and from job fees", "rewards24h"),
    card("Protocol revenue", amount(totals.feesCollected), "job fees, all time", "revenue"),
    card("Slashed", amount(totals.totalSlashed), "all time", "slashed"),
  ].join("");
  const pts = network.points;
  timeChart("chart-stake", "/series/network?interval=day", pts, [
    { key: "activeStake", label: "active stake", tokens: true },
    { key: "unbondingStake", label: "unbonding", tokens: true },
  ]);
  timeChart("chart-jobs", "/series/network?interval=day", pts, [
    { key: "jobsCreated", label: "created" },
    { key: "jobsCompleted", label: "completed" },
    { key: "jobsFailed", label: "failed" },
    { key: "jobsDisputed", label: "disputed" },
  ]);
  timeChart("chart-fees", "/series/network?interval=day", pts, [
    { key: "fees", label: "fees", tokens: true },
    { key: "rewardsFunded", label: "rewards funded", tokens: true },
    { key: "rewardsClaimed", label: "rewards claimed", tokens: true },
  ]);
  barChart("chart-gpu-model", "/series/gpus", gpus.byModel, "gpus");
  barChart("chart-gpu-region", "/series/gpus", gpus.byRegion, "gpus");
  const byAddress = new Map(providers.map((p) => [p.address, p]));
  $("#formula").textContent = rep.formula ?? "";
  $("#leaderboard").innerHTML = table(
    ["#", "provider", "score", "completed", "failed", "slashes", "stake", "GPUs", "status"],
    rep.items.map((r) => {
      const p = byAddress.get(r.provider);
      return [
        String(r.rank),
        providerLink(r.provider),
        `<span title="inputs: ${esc(JSON.stringify(r.inputs))}">${esc(Number(r.score).toFixed(4))}</span>`,
        count(r.inputs.completed),
        count(r.inputs.failed),
        count(r.inputs.slashes),
        p ? amount(p.activeStake) : "",
        p ? `${count(p.gpuCount)} × ${coded(e.gpuModel, p.gpuModel)}` : "",
        p ? coded(e.providerStatus, p.status) : "",
      ];
    }),
    "no providers yet",
  );
  $("#recent-jobs").innerHTML = jobsTable(jobs, true);
}

function jobsTable(jobs, withProvider) {
  return table(
    ["job", "state", "price", withProvider ? "provider" : "buyer", "created", "ended"],
    jobs.map((j) => [
      jobLink(j.address),
      `<span class="pill state-${esc(j.state)}">${esc(j.state)}</span>`,
      amount(j.price),
      withProvider ? (j.provider ? providerLink(j.provider) : "—") : j.buyer ? `<code title="${esc(j.buyer)}">${esc(short(j.buyer))}</code>` : "—",
      when(j.createdAt),
      j.finishedAt && j.finishedAt !== "0" ? when(j.finishedAt) : "—",
    ]),
    "no jobs yet",
  );
}

async function loadProvider(address) {
  const [p, series, jobs, slashes, rep] = await Promise.all([
    api(`/providers/${encodeURIComponent(address)}`),
    api(`/series/providers/${encodeURIComponent(address)}?interval=day`),
    api(`/jobs?provider=${encodeURIComponent(address)}&limit=50`),
    api(`/providers/${encodeURIComponent(address)}/slashes`),
    api(`/reputation/${encodeURIComponent(address)}`),
  ]);
  const e = meta.enums;
  $("#title").innerHTML = `Provider <code>${esc(p.address)}</code>`;
  $("#cards").innerHTML = [
    card("Status", coded(e.providerStatus, p.status), `registered ${when(p.registeredAt)}`, "status"),
    card("GPUs", `${count(p.gpuCount)} × ${coded(e.gpuModel, p.gpuModel)}`, `${count(p.vramGb)} GB VRAM, ${coded(e.region, p.region)}`, "gpus"),
    card(
      "Active stake",
      amount(p.activeStake),
      p.unbondingAmount !== "0" ? `unbonding ${amount(p.unbondingAmount)} until ${when(p.unbondingUnlockAt)}` : "",
      "stake",
    ),
    card("Reputation", esc(Number(rep.score).toFixed(4)), `rank ${esc(String(rep.rank))}`, "reputation"),
    card("Jobs", `${count(p.jobsCompleted)} completed`, `${count(p.jobsFailed)} failed`, "jobs"),
    card("Rewards claimed", amount(p.totalClaimed), `owed ${amount(p.rewardsOwed)}`, "claimed"),
    card("Slashed", amount(p.slashedTotal), `${count(slashes.items.length)} slashes`, "slashed"),
  ].join("");
  $("#owner").innerHTML = p.owner ? `owner <code>${esc(p.owner)}</code>` : "";
  const url = `/series/providers/${encodeURIComponent(address)}?interval=day`;
  timeChart("chart-provider-stake", url, series.points, [
    { key: "stake", label: "stake", tokens: true },
    { key: "slashed", label: "slashed", tokens: true },
  ]);
  timeChart("chart-provider-earnings", url, series.points, [
    { key: "earnings", label: "earnings", tokens: true },
    { key: "rewardsClaimed", label: "rewards claimed", tokens: true },
  ]);
  $("#provider-jobs").innerHTML = jobsTable(jobs, false);
  $("#slashes").innerHTML = table(
    ["when", "amount", "reason", "transaction"],
    slashes.items.map((s) => [
      when(s.time),
      amount(s.amount),
      `<span title="code ${esc(String(s.reasonCode))}">${esc(words(s.reason))}</span>`,
      sigText(s.signature),
    ]),
    "never slashed",
  );
}

const PROVIDER = `
  <h1 id="title"></h1><p class="hint" id="owner"></p>
  <section class="cards" id="cards"></section>
  <section class="grid2">
    <div class="panel"><h2>Stake per day</h2><div class="chart" id="chart-provider-stake"></div></div>
    <div class="panel"><h2>Earnings per day</h2><div class="chart" id="chart-provider-earnings"></div></div>
  </section>
  <section class="grid2">
    <div class="panel"><h2>Jobs</h2><div id="provider-jobs"></div></div>
    <div class="panel"><h2>Slashes</h2><div id="slashes"></div></div>
  </section>`;

const JOB = `
  <h1 id="title"></h1>
  <section class="cards" id="cards"></section>
  <section class="panel"><h2>Timeline</h2><div id="timeline"></div></section>`;

async function loadJob(address) {
  const [j, tl] = await Promise.all([api(`/jobs/${encodeURIComponent(address)}`), api(`/jobs/${encodeURIComponent(address)}/timeline`)]);
  const e = meta.enums;
  $("#title").innerHTML = `Job <code>${esc(j.address)}</code>`;
  const ended = tl.endReason ? words(tl.endReason) : j.state === "open" || j.state === "accepted" || j.state === "submitted" ? "still running" : "—";
  $("#cards").innerHTML = [
    card("State", `<span class="pill state-${esc(j.state)}">${esc(j.state)}</span>`, "", "state"),
    card("Why it ended", esc(ended), tl.endReason ? `<code>${esc(tl.endReason)}</code>` : "", "end"),
    card("Price", amount(j.price), `fee ${amount(j.fee)}`, "price"),
    card("Paid to provider", amount(j.providerPayout), `refund ${amount(j.refund)}`, "payout"),
    card(
      "Provider",
      j.provider ? providerLink(j.provider) : "none yet",
      `buyer <code title="${esc(j.buyer ?? "")}">${esc(short(j.buyer ?? ""))}</code>`,
      "provider",
    ),
    card("Needs", `${count(j.minGpus)} × ${coded(e.gpuModel, j.gpuModel)}`, `${count(j.minVramGb)} GB VRAM, up to ${count(j.maxDuration)} s`, "needs"),
  ].join("");
  $("#timeline").innerHTML = `<ol class="timeline">${tl.events
    .map(
      (ev) =>
        `<li data-event="${esc(ev.name)}"><span class="ev">${esc(words(ev.name))}</span> ${when(ev.time)} · slot ${esc(String(ev.slot))} · ${sigText(ev.signature)}<details><summary>fields</summary><pre>${esc(JSON.stringify(ev.fields, null, 2))}</pre></details></li>`,
    )
    .join("")}</ol>`;
}

// ---------- routing, live updates

let current = null;

function parseRoute() {
  const h = location.hash.replace(/^#\/?/, "");
  const [kind, arg] = h.split("/");
  if (kind === "provider" && arg) return { key: `provider/${arg}`, skeleton: PROVIDER, load: () => loadProvider(arg) };
  if (kind === "job" && arg) return { key: `job/${arg}`, skeleton: JOB, load: () => loadJob(arg) };
  return { key: "overview", skeleton: OVERVIEW, load: loadOverview };
}

let loading = null;
let again = false;
/** Loads the current view's data; a second call while loading runs once more after it. */
async function reload() {
  if (loading) {
    again = true;
    return loading;
  }
  const view = current;
  document.body.dataset.state = "loading";
  loading = (meta.decimals == null ? loadMeta() : Promise.resolve())
    .then(() => view.load())
    .then(() => {
      if (view !== current) return;
      $("#error").hidden = true;
      loads++;
      document.body.dataset.loads = String(loads);
      document.body.dataset.view = view.key;
      document.body.dataset.state = "ready";
    })
    .catch((err) => {
      $("#error").hidden = false;
      $("#error").textContent = String(err.message ?? err);
      document.body.dataset.state = "error";
    })
    .finally(() => {
      loading = null;
      if (again) {
        again = false;
        void reload();
      }
    });
  return loading;
}

function show() {
  const view = parseRoute();
  if (current && current.key === view.key) return reload();
  clearCharts();
  current = view;
  main.innerHTML = view.skeleton;
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.getAttribute("href") === `#/${view.key === "overview" ? "" : view.key}`);
  return reload();
}

let pending = null;
function onLive(tx) {
  const list = $("#live");
  const li = document.createElement("li");
  li.dataset.signature = tx.signature;
  li.innerHTML = `${sigText(tx.signature)} <span class="slot">slot ${esc(String(tx.slot))}</span> ${tx.events.map((n) => `<span class="pill">${esc(words(n))}</span>`).join(" ")}`;
  list.prepend(li);
  while (list.children.length > 30) list.lastElementChild.remove();
  $("#live-empty").hidden = true;
  // Many transactions in a burst: one reload after them.
  if (!pending)
    pending = setTimeout(() => {
      pending = null;
      void reload();
    }, 300);
}

function connectLive() {
  const es = new EventSource("/live");
  es.addEventListener("open", () => {
    $("#live-status").textContent = "live";
    $("#live-status").className = "on";
  });
  es.addEventListener("error", () => {
    $("#live-status").textContent = "reconnecting";
    $("#live-status").className = "off";
  });
  es.addEventListener("tx", (m) => onLive(JSON.parse(m.data)));
  es.addEventListener("stats", (m) => {
    const s = JSON.parse(m.data);
    $("#indexed").innerHTML =
      `${count(s.counters?.txs ?? 0)} transactions, ${count(s.counters?.events ?? 0)} events` +
      (s.indexedSlot != null ? `, slot ${esc(String(s.indexedSlot))}` : "") +
      (s.lagSlots != null ? `, lag ${count(s.lagSlots)} slots` : "");
  });
}

async function loadMeta() {
  meta = await api("/meta");
  const token = meta.symbol ? esc(meta.symbol) : meta.mint ? `<code title="${esc(meta.mint)}">${esc(short(meta.mint))}</code>` : "not known yet";
  const decimals = meta.decimals == null ? "" : ` (${esc(String(meta.decimals))} decimals)`;
  $("#network").innerHTML = `program <code title="${esc(meta.programId)}">${esc(short(meta.programId))}</code> · token ${token}${decimals}`;
}

async function boot() {
  await loadMeta();
  window.addEventListener("hashchange", () => void show());
  connectLive();
  await show();
}

boot().catch((err) => {
  $("#error").hidden = false;
  $("#error").textContent = String(err.message ?? err);
  document.body.dataset.state = "error";
});
