/**
 * Analytics benchmark: history series and the reputation leaderboard through
 * the HTTP API, beside the same answers computed from the events table, on a
 * database of >= 1,000,000 events.
 *
 * 1. Generate a year of synthetic but valid activity (2,000 providers; jobs
 *    created, accepted, completed, disputed, expired; stakes, claims,
 *    fundings, slashes): each event is the program's exact Borsh encoding
 *    (encodeEventPayload), inserted straight into `txs`, `events` and
 *    `pubkeys` as the store would write them. Then the history tables are
 *    rebuilt from the events (timed).
 * 2. Time the API (`/series/network?interval=day` over the whole year,
 *    `/series/providers/:a`, `/reputation?limit=100`: medians of --requests
 *    requests) and the baseline: one pass over the events table in chain
 *    order, decoding every payload, computing the same answer. Ratio = baseline
 *    / API; goal >= 100x. The answers are compared, field by field.
 * 3. EXPLAIN QUERY PLAN of every statement the API ran: none may scan a table
 *    without an index.
 *
 *   npm run bench:analytics [-- --events 1000000 --providers 2000 --requests 20 --json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import bs58 from "bs58";
import {
  camelCase,
  decodeEventBytes,
  GPUNET_EVENT_NAMES,
  GPUNET_IDL,
  GPUNET_PROGRAM_ADDRESS,
  structLayout,
  type GpunetEventName,
  JOB_END_REASON,
  MAX_PROVIDER_SHARE_BPS,
} from "@gpunet/sdk";
import {
  createIndexStore,
  createSqliteHistory,
  encodeEventPayload,
  networkSeriesProgram,
  openReaderDatabase,
  openWriterDatabase,
  providerSeriesProgram,
  reputationPageProgram,
  reputationScore,
  runSync,
  sqliteExecutor,
  startApiServer,
  type SqlRow,
  type SyncExecutor,
} from "../indexer/src/index.ts";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "1000000" },
    providers: { type: "string", default: "2000" },
    requests: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
    "generate-only": { type: "string" },
  },
});
const N = Number(args.events);
const P = Number(args.providers);
const REQUESTS = Number(args.requests);
const DAY = 86_400n;
const T0 = 1_767_225_600n; // 2026-01-01 UTC
const SPAN = 365n * DAY;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const dir = mkdtempSync(join(tmpdir(), "gpunet-bench-analytics-"));
const dbPath = join(dir, "index.db");

const LAYOUTS = new Map(GPUNET_IDL.events.map((e) => [camelCase(e.name), structLayout(e.name)]));
/** The event's bytes as the program logs them; fields not given are zero. */
function encode(name: GpunetEventName, data: Record<string, unknown>): Buffer {
  const full: Record<string, unknown> = { ...data };
  for (const f of LAYOUTS.get(name)?.fields ?? []) {
    if (full[f.name] !== undefined) continue;
    full[f.name] = f.kind === "pubkey" || f.kind === "bytes" ? new Uint8Array(f.size) : f.kind === "bool" ? false : 0n;
  }
  return Buffer.from(encodeEventPayload(name, full));
}

/** xorshift32: deterministic workload. */
let seed = 0x9e3779b9;
const rnd = (): number => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const pick = (n: number): number => Math.floor(rnd() * n);

async function generate(): Promise<{ seconds: number; events: number; providerIds: number[] }> {
  const t = performance.now();
  const w = await openWriterDatabase(dbPath);
  const s = w.sqlite;
  const kind = new Map<string, number>();
  const insKind = s.prepare("INSERT OR IGNORE INTO event_kinds (name) VALUES (?)");
  for (const k of GPUNET_EVENT_NAMES) insKind.run(k);
  for (const r of s.prepare("SELECT id, name FROM event_kinds").all() as { id: bigint; name: string }[]) kind.set(r.name, Number(r.id));
  const insKey = s.prepare("INSERT INTO pubkeys (id, key, address) VALUES (?, ?, ?)");
  const insTx = s.prepare(
    "INSERT INTO txs (id, sig_hash, signature, slot, tx_index, block_time, finality, truncated, event_count, source, indexed_at) VALUES (?, ?, ?, ?, 0, ?, 2, 0, ?, 'replay', 0)",
  );
  const insEv = s.prepare(
    "INSERT INTO events (tx_id, event_index, ix, inner_path, kind, provider, job, slot, ts, payload) VALUES (?, ?, 0, '', ?, ?, ?, ?, ?, ?)",
  );
  let nextKey = 1;
  const newKey = (): { id: number; key: Uint8Array } => {
    const key = new Uint8Array(32);
    new DataView(key.buffer).setUint32(0, nextKey, true);
    key[31] = 7;
    const id = nextKey++;
    insKey.run(id, Buffer.from(key), bs58.encode(key));
    return { id, key };
  };
  interface Prov {
    id: number;
    key: Uint8Array;
    owner: Uint8Array;
    seq: bigint;
    stake: bigint;
    completed: bigint;
    failed: bigint;
    claimed: bigint;
    slashedTotal: bigint;
  }
  const provs: Prov[] = [];
  const buyer = new Uint8Array(32).fill(3);
  let txId = 0;
  let events = 0;
  let totalActive = 0n;
  // One transaction per step; a step's events share it.
  // The Clock never goes backwards along the chain.
  let clock = T0;
  const tx = (at: bigint, evs: { name: GpunetEventName; data: Record<string, unknown>; provider: number | null; job: number | null }[]): void => {
    if (at > clock) clock = at;
    const ts = clock;
    txId++;
    const slot = BigInt(txId);
    insTx.run(txId, txId, `bench${String(txId).padStart(40, "0")}`, slot, ts, evs.length);
    evs.forEach((e, i) => {
      insEv.run(txId, i, kind.get(e.name), e.provider, e.job, slot, ts, encode(e.name, { ...e.data, timestamp: ts }));
      events++;
    });
  };
  const fill = s.transaction(() => {
    for (let i = 0; i < P; i++) {
      const k = newKey();
      const p: Prov = {
        id: k.id,
        key: k.key,
        owner: new Uint8Array(32).fill(i % 250),
        seq: 1n,
        stake: 0n,
        completed: 0n,
        failed: 0n,
        claimed: 0n,
        slashedTotal: 0n,
      };
      provs.push(p);
      const ts = T0 + BigInt(i);
      const amount = BigInt(1_000 + pick(100_000)) * 1_000_000n;
      p.stake = amount;
      totalActive += amount;
      tx(ts, [
        {
          name: "providerRegistered",
          data: {
            seq: p.seq,
            providerCount: BigInt(i + 1),
            provider: p.key,
            owner: p.owner,
            gpuModel: 1 + pick(5),
            gpuCount: 1 + pick(8),
            vramGb: 80,
            region: pick(6),
          },
          provider: p.id,
          job: null,
        },
        {
          name: "staked",
          data: { amount, activeStake: p.stake, totalActiveStake: totalActive, seq: ++p.seq, provider: p.key, owner: p.owner },
          provider: p.id,
          job: null,
        },
      ]);
    }
    let jobId = 0n;
    while (events < N) {
      const ts = T0 + (SPAN * BigInt(events)) / BigInt(N);
      const p = provs[pick(P)] as Prov;
      const r = rnd();
      if (r < 0.7) {
        const j = newKey();
        const price = BigInt(1 + pick(500)) * 1_000_000n;
        const fee = price / 50n;
        tx(ts, [{ name: "jobCreated", data: { jobId: jobId++, price, seq: 1n, job: j.key, buyer, escrow: buyer, feeBps: 200 }, provider: null, job: j.id }]);
        tx(ts + 60n, [
          { name: "jobAccepted", data: { seq: 2n, providerSeq: ++p.seq, job: j.key, buyer, provider: p.key, liveJobs: 1n }, provider: p.id, job: j.id },
        ]);
        const end = rnd();
        if (end < 0.85) {
          p.completed++;
          tx(ts + 600n, [
            {
              name: "jobCompleted",
              data: {
                providerPayout: price - fee,
                fee,
                jobsCompleted: p.completed,
                seq: 3n,
                providerSeq: ++p.seq,
                job: j.key,
                buyer,
                provider: p.key,
                endReason: JOB_END_REASON.completedByBuyer,
              },
              provider: p.id,
              job: j.id,
            },
          ]);
        } else if (end < 0.95) {
          tx(ts + 300n, [{ name: "jobDisputed", data: { seq: 3n, job: j.key, buyer, provider: p.key }, provider: p.id, job: j.id }]);
          const win = rnd() < 0.5;
          if (win) p.completed++;
          else p.failed++;
          tx(ts + 900n, [
            {
              name: "disputeResolved",
              data: {
                providerPayout: win ? price - fee : 0n,
                fee: win ? fee : 0n,
                refund: win ? 0n : price,
                jobsCompleted: p.completed,
                jobsFailed: p.failed,
                seq: 4n,
                providerSeq: ++p.seq,
                job: j.key,
                buyer,
                provider: p.key,
                providerShareBps: win ? MAX_PROVIDER_SHARE_BPS : 0,
                endReason: JOB_END_REASON.disputeResolved,
              },
              provider: p.id,
              job: j.id,
            },
          ]);
        } else {
          p.failed++;
          tx(ts + 7_200n, [
            {
              name: "jobExpired",
              data: {
                refund: price,
                jobsFailed: p.failed,
                seq: 3n,
                providerSeq: ++p.seq,
                job: j.key,
                buyer,
                provider: p.key,
                endReason: JOB_END_REASON.expiredUndelivered,
              },
              provider: p.id,
              job: j.id,
            },
          ]);
        }
      } else if (r < 0.85) {
        const amount = BigInt(1 + pick(1_000)) * 1_000_000n;
        p.stake += amount;
        totalActive += amount;
        tx(ts, [
          {
            name: "staked",
            data: { amount, activeStake: p.stake, totalActiveStake: totalActive, seq: ++p.seq, provider: p.key, owner: p.owner },
            provider: p.id,
            job: null,
          },
        ]);
      } else if (r < 0.95) {
        const amount = BigInt(1 + pick(100_000_000));
        p.claimed += amount;
        tx(ts, [
          { name: "rewardsClaimed", data: { amount, totalClaimed: p.claimed, seq: ++p.seq, provider: p.key, owner: p.owner }, provider: p.id, job: null },
        ]);
      } else if (r < 0.99) {
        tx(ts, [
          {
            name: "rewardsFunded",
            data: { amount: BigInt(1 + pick(1_000)) * 1_000_000n, funder: buyer, source: 0, totalActiveStake: totalActive },
            provider: null,
            job: null,
          },
        ]);
      } else {
        const amount = p.stake / 100n;
        p.stake -= amount;
        p.slashedTotal += amount;
        totalActive -= amount;
        tx(ts, [
          {
            name: "slashed",
            data: {
              amount,
              fromActive: amount,
              activeStake: p.stake,
              totalActiveStake: totalActive,
              slashedTotal: p.slashedTotal,
              seq: ++p.seq,
              provider: p.key,
              owner: p.owner,
              authority: buyer,
              reason: pick(4),
            },
            provider: p.id,
            job: null,
          },
        ]);
      }
    }
    s.prepare("INSERT INTO counters (name, value) VALUES ('events', ?), ('txs', ?)").run(events, txId);
  });
  fill();
  await w.close();
  return { seconds: (performance.now() - t) / 1000, events, providerIds: provs.map((p) => p.id) };
}

/** Every statement a program ran, for EXPLAIN QUERY PLAN. */
function recording(exec: SyncExecutor, into: { sql: string; params: readonly unknown[] }[]): SyncExecutor {
  return {
    all: (sql, params) => {
      into.push({ sql, params });
      return exec.all(sql, params);
    },
    run: exec.run,
  };
}

/** The baseline: one pass over the events table in chain order, decoding every payload. */
function baseline(
  path: string,
  want: "series" | "leaderboard",
): { seconds: number; series?: Map<bigint, Record<string, bigint>>; top?: { provider: number; score: number }[] } {
  const r = openReaderDatabase(path);
  const t = performance.now();
  try {
    const names = new Map((r.sqlite.prepare("SELECT id, name FROM event_kinds").all() as { id: bigint; name: string }[]).map((x) => [Number(x.id), x.name]));
    const stmt = r.sqlite.prepare(
      "SELECT e.kind, e.payload, e.provider, e.ts FROM events e JOIN txs t ON t.id = e.tx_id ORDER BY t.slot, t.tx_index, t.id, e.event_index",
    );
    const days = new Map<bigint, Record<string, bigint>>();
    const stake = new Map<number, bigint>();
    let active = 0n;
    const rep = new Map<number, { c: bigint; f: bigint; e: bigint; d: bigint; s: bigint; completed: bigint; failed: bigint }>();
    for (const row of stmt.iterate() as Iterable<{ kind: bigint; payload: Buffer; provider: bigint | null; ts: bigint }>) {
      const name = names.get(Number(row.kind)) ?? "";
      const dec = decodeEventBytes(new Uint8Array(row.payload), "bytes");
      if (!dec.ok) continue;
      const d = dec.data as unknown as Record<string, bigint>;
      const pid = row.provider === null ? null : Number(row.provider);
      if (want === "series") {
        const day = row.ts - (((row.ts % DAY) + DAY) % DAY);
        let o = days.get(day);
        if (!o) days.set(day, (o = { jobsCreated: 0n, volume: 0n, fees: 0n, activeStake: 0n }));
        const acc = o as { jobsCreated: bigint; volume: bigint; fees: bigint; activeStake: bigint };
        if (name === "jobCreated") {
          acc.jobsCreated++;
          acc.volume += d.price as bigint;
        }
        if (name === "jobCompleted" || name === "disputeResolved") acc.fees += d.fee as bigint;
        if (pid !== null && (name === "staked" || name === "slashed" || name === "unstakeRequested")) {
          active += (d.activeStake as bigint) - (stake.get(pid) ?? 0n);
          stake.set(pid, d.activeStake as bigint);
        }
        o.activeStake = active;
      } else if (pid !== null) {
        let x = rep.get(pid);
        if (!x) rep.set(pid, (x = { c: 0n, f: 0n, e: 0n, d: 0n, s: 0n, completed: 0n, failed: 0n }));
        if (name === "jobCompleted" || name === "disputeResolved") {
          const nc = d.jobsCompleted as bigint;
          if (nc > x.completed) {
            x.c += nc - x.completed;
            x.completed = nc;
          }
        }
        if (name === "disputeResolved" || name === "jobExpired") {
          const nf = d.jobsFailed as bigint;
          if (nf > x.failed) {
            if (name === "disputeResolved") x.f += nf - x.failed;
            x.failed = nf;
          }
        }
        if (name === "jobExpired") x.e++;
        if (name === "jobDisputed") x.d++;
        if (name === "slashed") x.s++;
      }
    }
    if (want === "series") return { seconds: (performance.now() - t) / 1000, series: days };
    const top = [...rep.entries()]
      .map(([provider, x]) => ({
        provider,
        score: reputationScore({ completed: x.c, failed: x.f, expired: x.e, disputed: x.d, slashes: x.s, slashedAmount: 0n }),
      }))
      .sort((a, b) => b.score - a.score || a.provider - b.provider)
      .slice(0, 100);
    return { seconds: (performance.now() - t) / 1000, top };
  } finally {
    void r.close();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

async function timeRoute(base: string, path: string): Promise<{ ms: number; body: unknown }> {
  const times: number[] = [];
  let body: unknown;
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    const res = await fetch(`${base}${path}`);
    body = await res.json();
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  }
  return { ms: median(times), body };
}

async function main(): Promise<void> {
  log(`generating ${N} events for ${P} providers over a year...`);
  const gen = await generate();
  log(`generated ${gen.events} events in ${gen.seconds.toFixed(1)} s`);
  if (args["generate-only"]) {
    // Keeps the generated database (for profiling) and stops.
    const { renameSync } = await import("node:fs");
    renameSync(dbPath, args["generate-only"]);
    rmSync(dir, { recursive: true, force: true });
    return;
  }
  const w = await openWriterDatabase(dbPath);
  // What `gpunet index --rebuild` does: state tables and history tables from the events alone
  // (the history is rebuilt inside it; timed on its own through the hook's counterpart first).
  let t = performance.now();
  createSqliteHistory(w.sqlite).rebuild();
  const historySeconds = (performance.now() - t) / 1000;
  t = performance.now();
  await (await createIndexStore(w.sqlite, { programId: GPUNET_PROGRAM_ADDRESS })).rebuildAll();
  const rebuildSeconds = (performance.now() - t) / 1000;
  await w.close();
  log(`history rebuilt from the events in ${historySeconds.toFixed(1)} s; state and history (gpunet index --rebuild) in ${rebuildSeconds.toFixed(1)} s`);

  const api = await startApiServer({ dbPath, port: 0 });
  const base = `http://127.0.0.1:${api.port}`;
  const probe = gen.providerIds[Math.floor(gen.providerIds.length / 2)] as number;
  const reader = openReaderDatabase(dbPath);
  const probeAddress = (reader.sqlite.prepare("SELECT address FROM pubkeys WHERE id = ?").get(probe) as { address: string }).address;
  const from = T0;
  const to = T0 + SPAN;
  const routes = {
    series: `/series/network?interval=day&from=${from}&to=${to}`,
    provider: `/series/providers/${probeAddress}?interval=day&from=${from}&to=${to}`,
    leaderboard: "/reputation?limit=100",
  };
  const apiSeries = await timeRoute(base, routes.series);
  const apiProvider = await timeRoute(base, routes.provider);
  const apiBoard = await timeRoute(base, routes.leaderboard);
  await api.close();

  const bSeries = baseline(dbPath, "series");
  const bBoard = baseline(dbPath, "leaderboard");

  // Same answers.
  const pts = (apiSeries.body as { points: { t: number; jobsCreated: number; volume: string; fees: string; activeStake: string }[] }).points;
  let mismatches = 0;
  for (const p of pts) {
    const b = bSeries.series?.get(BigInt(p.t));
    if (!b) continue;
    if (BigInt(p.jobsCreated) !== b.jobsCreated || BigInt(p.volume) !== b.volume || BigInt(p.fees) !== b.fees || BigInt(p.activeStake) !== b.activeStake)
      mismatches++;
  }
  const items = (apiBoard.body as { items: { provider: string; score: number }[] }).items;
  const ids = new Map(
    (reader.sqlite.prepare(`SELECT id, address FROM pubkeys WHERE id <= ${P + 1}`).all() as { id: bigint; address: string }[]).map((r) => [
      r.address,
      Number(r.id),
    ]),
  );
  items.forEach((it, i) => {
    const b = bBoard.top?.[i];
    if (!b || b.provider !== ids.get(it.provider) || Math.round(it.score * 10_000) !== b.score) mismatches++;
  });

  // Query plans of every statement the API's programs run.
  const stmts: { sql: string; params: readonly unknown[] }[] = [];
  const exec = recording(sqliteExecutor(reader.sqlite), stmts);
  runSync(networkSeriesProgram({ interval: "day", from, to }), exec);
  runSync(providerSeriesProgram(probe, { interval: "day", from, to }), exec);
  runSync(reputationPageProgram(100), exec);
  const cursor = ((apiBoard.body as { nextCursor: string }).nextCursor ?? "") as string;
  if (cursor) runSync(reputationPageProgram(100, cursor), exec);
  const plans: { sql: string; plan: string[] }[] = [];
  let fullScans = 0;
  for (const s of stmts) {
    const plan = (reader.sqlite.prepare(`EXPLAIN QUERY PLAN ${s.sql}`).all(...(s.params as never[])) as SqlRow[]).map((r) => String(r.detail));
    plans.push({ sql: s.sql.replace(/\s+/g, " "), plan });
    if (plan.some((d) => /^SCAN \S+$/.test(d))) fullScans++;
  }
  await reader.close();

  const result = {
    events: gen.events,
    providers: P,
    generateSeconds: Number(gen.seconds.toFixed(2)),
    rebuildSeconds: Number(rebuildSeconds.toFixed(2)),
    historyRebuildSeconds: Number(historySeconds.toFixed(2)),
    seriesApiMs: Number(apiSeries.ms.toFixed(2)),
    seriesBaselineMs: Number((bSeries.seconds * 1000).toFixed(0)),
    seriesRatio: Math.round((bSeries.seconds * 1000) / apiSeries.ms),
    providerSeriesApiMs: Number(apiProvider.ms.toFixed(2)),
    providerSeriesRatio: Math.round((bSeries.seconds * 1000) / apiProvider.ms),
    leaderboardApiMs: Number(apiBoard.ms.toFixed(2)),
    leaderboardBaselineMs: Number((bBoard.seconds * 1000).toFixed(0)),
    leaderboardRatio: Math.round((bBoard.seconds * 1000) / apiBoard.ms),
    answerMismatches: mismatches,
    statementsWithFullScan: fullScans,
  };
  if (args.json) process.stdout.write(`${JSON.stringify({ ...result, plans }, null, 2)}\n`);
  else {
    for (const p of plans) log(`plan: ${p.sql.slice(0, 110)}...\n      ${p.plan.join(" | ")}`);
    process.stdout.write(
      [
        `analytics on ${result.events.toLocaleString("en-US")} events, ${P} providers, 365 days (generated in ${result.generateSeconds} s; state + history rebuilt in ${result.rebuildSeconds} s, history alone ${result.historyRebuildSeconds} s)`,
        `  network series, day, 365 points: API ${result.seriesApiMs} ms vs events table ${result.seriesBaselineMs} ms = ${result.seriesRatio}x (goal >= 100x)`,
        `  provider series, day:            API ${result.providerSeriesApiMs} ms = ${result.providerSeriesRatio}x the network baseline`,
        `  reputation top 100:              API ${result.leaderboardApiMs} ms vs events table ${result.leaderboardBaselineMs} ms = ${result.leaderboardRatio}x (goal >= 100x)`,
        `  answers equal to the baseline: ${mismatches === 0 ? "yes" : `NO (${mismatches} mismatches)`}; statements scanning a table without an index: ${fullScans}`,
        "",
      ].join("\n"),
    );
  }
  rmSync(dir, { recursive: true, force: true });
  if (mismatches > 0 || fullScans > 0) process.exitCode = 1;
}

await main();
