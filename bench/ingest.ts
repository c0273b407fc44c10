/**
 * Indexer ingest benchmark, on recorded REAL gpunet transactions.
 *
 * 1. Record a few thousand transactions of the program in LiteSVM (setup,
 *    every instruction path, then a seeded random mix), and replicate them with
 *    fresh signatures and later slots to ~200k events.
 * 2. In one run, on the same data:
 *    - gpunet: the indexer's pipeline (SDK decoder + processor + SQLite), end to end;
 *    - ceiling: better-sqlite3 inserting the same final rows (txs, events, history)
 *      in one prepared statement per table, batched transactions, no decoding;
 *    - naive: Anchor's EventParser plus one kysely insert per event (autocommit),
 *      on a prefix of the same data (it is ~10x slower; --naive-events N).
 *    - PostgreSQL: the same pipeline into a PostgreSQL database (a throwaway
 *      server, default durability), beside its own ceiling: the same final rows
 *      written with `pg` directly by multi-row INSERTs, the same rows per transaction;
 * 3. Localnet: latency from a transaction confirmed to its row being queryable
 *    (p50/p99), and backfill throughput over the localnet's HTTP RPC.
 *
 * The three ingest measures run interleaved for --rounds rounds (default 3) and
 * the medians are reported: a shared machine's load moves single runs by 2-4x.
 *
 *   npm run bench:ingest [-- --events 200000 --naive-events 20000 --rounds 3 --latency 50 --json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import { BorshCoder, EventParser, type Idl } from "@coral-xyz/anchor";
import { PublicKey } from "@solana/web3.js";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { createIndexer, openReaderDatabase, openWriterDatabase, openWriteStore, signatureHash, type TransactionUpdate } from "../indexer/src/index.ts";
import { startPostgres, type PgCluster } from "../test/indexer/support/postgres.ts";
import { harnessChain, IDL, localnetChain } from "../test/indexer/support/chain.ts";
import { replicate, countDataLines } from "../test/indexer/support/replicate.ts";
import { Workload } from "../test/indexer/support/workload.ts";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: "200000" },
    "naive-events": { type: "string", default: "20000" },
    "random-ops": { type: "string", default: "1500" },
    latency: { type: "string", default: "50" },
    "backfill-ops": { type: "string", default: "300" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
    "no-postgres": { type: "boolean", default: false },
  },
});
/** Rows per SQLite transaction for both the indexer and the ceiling (the indexer's default). */
const BATCH = 10_000;
const dir = mkdtempSync(join(tmpdir(), "gpunet-bench-ingest-"));
// A full GC before each timed phase, so no phase pays for the previous one's garbage.
v8.setFlagsFromString("--expose-gc");
const collect = vm.runInNewContext("gc") as () => void;
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

async function record(): Promise<{ updates: TransactionUpdate[]; programId: string; realTxs: number }> {
  const chain = harnessChain();
  const w = new Workload(chain);
  await w.setup(8, 4);
  await w.everyPath();
  await w.random(Number(args["random-ops"]), 42);
  const pid = chain.programId.toBase58();
  const txs = chain.recorded.filter((t) => t.err === null && t.logs.some((l) => l.startsWith(`Program ${pid} invoke`)));
  return { updates: replicate(txs, Number(args.events)), programId: pid, realTxs: txs.length };
}

async function runGpunet(path: string, updates: readonly TransactionUpdate[], programId: string): Promise<{ seconds: number; events: number }> {
  const ix = await createIndexer({ dbPath: path, programId, batchSize: BATCH });
  let events = 0;
  collect();
  const t = performance.now();
  for (let i = 0; i < updates.length; i += BATCH) events += (await ix.ingest(updates.slice(i, i + BATCH))).events;
  const seconds = (performance.now() - t) / 1000;
  await ix.stop();
  return { seconds, events };
}

/**
 * The write ceiling: the indexer's final rows, inserted into a fresh database
 * with the same schema and connection settings, in the same order the indexer
 * writes them (per transaction: its txs row, its events, its history rows;
 * entities and pubkeys once), with one prepared statement per table and the
 * same rows per transaction. No decoding, no logic: only the writes.
 */
async function runCeiling(source: string, target: string): Promise<{ seconds: number; events: number }> {
  const w = await openWriterDatabase(target);
  const dst = w.sqlite;
  const src = new Database(source, { readonly: true });
  src.defaultSafeIntegers(true);
  const all = (t: string, order: string): unknown[][] => src.prepare(`SELECT * FROM ${t} ORDER BY ${order}`).raw().all() as unknown[][];
  const once = ["pubkeys", "providers", "jobs", "config"].map((t) => [t, all(t, "rowid")] as const);
  const txs = all("txs", "id");
  const perTx = ["events", "stakes", "escrow", "rewards", "claims", "slashes"].map((t) => {
    const byTx = new Map<bigint, unknown[][]>();
    for (const r of all(t, "tx_id")) {
      const k = r[0] as bigint;
      let list = byTx.get(k);
      if (!list) byTx.set(k, (list = []));
      list.push(r);
    }
    return { t, byTx };
  });
  src.close();
  const events = [...(perTx[0]?.byTx.values() ?? [])].reduce((a, l) => a + l.length, 0);
  const insert = (t: string, width: number) => dst.prepare(`INSERT INTO ${t} VALUES (${Array(width).fill("?").join(", ")})`);
  const insTx = insert("txs", (txs[0] as unknown[]).length);
  const insPer = perTx.map(({ t, byTx }) => {
    const first = byTx.values().next().value as unknown[][] | undefined;
    return { byTx, st: first ? insert(t, (first[0] as unknown[]).length) : null };
  });
  collect();
  const t0 = performance.now();
  dst
    .transaction(() => {
      for (const [t, rows] of once) {
        if (rows.length === 0) continue;
        const st = insert(t, (rows[0] as unknown[]).length);
        for (const r of rows) st.run(r);
      }
    })
    .immediate();
  const batch = dst.transaction((rows: unknown[][]) => {
    for (const tx of rows) {
      insTx.run(tx);
      const id = tx[0] as bigint;
      for (const { byTx, st } of insPer) {
        const list = st ? byTx.get(id) : undefined;
        if (list) for (const r of list) (st as NonNullable<typeof st>).run(r);
      }
    }
  });
  for (let i = 0; i < txs.length; i += BATCH) batch.immediate(txs.slice(i, i + BATCH));
  const seconds = (performance.now() - t0) / 1000;
  await w.close();
  return { seconds, events };
}

/**
 * The PostgreSQL write ceiling: the indexer's final rows read back from its
 * database, inserted into a fresh migrated one with `pg` alone, in the order the
 * indexer writes them (pubkeys and entities once; then per batch of transactions
 * their txs rows, events and history rows as multi-row INSERTs), one transaction
 * per batch. No decoding, no logic: only the writes.
 */
async function runCeilingPg(source: string, target: string): Promise<{ seconds: number; events: number }> {
  const w = await openWriteStore(target);
  await w.close();
  const src = new pg.Client({ connectionString: source });
  await src.connect();
  const all = async (t: string, order: string): Promise<Record<string, unknown>[]> => (await src.query(`SELECT * FROM ${t} ORDER BY ${order}`)).rows;
  const once: [string, Record<string, unknown>[]][] = [];
  for (const t of ["pubkeys", "providers", "jobs", "config"]) once.push([t, await all(t, "id")]);
  const txs = await all("txs", "id");
  const perTx: { t: string; byTx: Map<string, Record<string, unknown>[]> }[] = [];
  for (const t of ["events", "stakes", "escrow", "rewards", "claims", "slashes"]) {
    const byTx = new Map<string, Record<string, unknown>[]>();
    for (const r of await all(t, "tx_id")) {
      const k = String(r.tx_id);
      let list = byTx.get(k);
      if (!list) byTx.set(k, (list = []));
      list.push(r);
    }
    perTx.push({ t, byTx });
  }
  await src.end();
  const events = [...(perTx[0]?.byTx.values() ?? [])].reduce((a, l) => a + l.length, 0);
  const dst = new pg.Client({ connectionString: target });
  await dst.connect();
  const insert = async (t: string, rows: readonly Record<string, unknown>[]): Promise<void> => {
    if (rows.length === 0) return;
    const cols = Object.keys(rows[0] as object);
    const per = Math.floor(65_000 / cols.length);
    for (let i = 0; i < rows.length; i += per) {
      const part = rows.slice(i, i + per);
      const params: unknown[] = [];
      const tuples = part.map((r) => `(${cols.map((c) => `$${params.push(r[c])}`).join(", ")})`);
      await dst.query(`INSERT INTO ${t} (${cols.join(", ")}) VALUES ${tuples.join(", ")}`, params);
    }
  };
  collect();
  const t0 = performance.now();
  await dst.query("BEGIN");
  for (const [t, rows] of once) await insert(t, rows);
  await dst.query("COMMIT");
  for (let i = 0; i < txs.length; i += BATCH) {
    const part = txs.slice(i, i + BATCH);
    await dst.query("BEGIN");
    await insert("txs", part);
    for (const { t, byTx } of perTx)
      await insert(
        t,
        part.flatMap((tx) => byTx.get(String(tx.id)) ?? []),
      );
    await dst.query("COMMIT");
  }
  const seconds = (performance.now() - t0) / 1000;
  await dst.end();
  return { seconds, events };
}

interface NaiveEvents {
  signature: string;
  idx: number;
  name: string;
  data: string;
}

async function runNaive(
  path: string,
  updates: readonly TransactionUpdate[],
  programId: string,
  maxEvents: number,
): Promise<{ seconds: number; events: number }> {
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<{ events: NaiveEvents }>({ dialect: new SqliteDialect({ database: sqlite }) });
  await sql`CREATE TABLE events (signature TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (signature, idx))`.execute(db);
  const parser = new EventParser(new PublicKey(programId), new BorshCoder(IDL as unknown as Idl));
  let events = 0;
  collect();
  const t = performance.now();
  outer: for (const u of updates) {
    let idx = 0;
    for (const e of parser.parseLogs([...(u.logs ?? [])])) {
      await db
        .insertInto("events")
        .values({ signature: u.signature, idx: idx++, name: e.name, data: JSON.stringify(e.data) })
        .execute();
      if (++events >= maxEvents) break outer;
    }
  }
  const seconds = (performance.now() - t) / 1000;
  await db.destroy();
  return { seconds, events };
}

async function runLocalnet(
  samples: number,
  backfillOps: number,
): Promise<{ p50: number; p99: number; samples: number; backfillTxs: number; backfillSeconds: number; backfillEvents: number }> {
  const c = await localnetChain({ slotMs: 100 });
  try {
    const w = new Workload(c);
    await w.setup(4, 2);
    await w.everyPath();
    await w.random(backfillOps, 5);
    await new Promise((r) => setTimeout(r, 200));
    // Backfill throughput
    const bpath = join(dir, "backfill.db");
    const bix = await createIndexer({ dbPath: bpath, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
    const t = performance.now();
    await bix.start();
    await bix.backfillNow();
    const backfillSeconds = (performance.now() - t) / 1000;
    const counters = bix.store.counters();
    await bix.stop();
    // Latency: confirmed on the localnet -> row visible to a reader
    const lpath = join(dir, "latency.db");
    const ix = await createIndexer({
      dbPath: lpath,
      rpcUrl: c.net.rpcUrl,
      wsUrl: c.net.wsUrl,
      programId: c.programId.toBase58(),
      backfill: false,
      finalityIntervalMs: 0,
    });
    await ix.start();
    const reader = openReaderDatabase(lpath);
    const has = reader.sqlite.prepare("SELECT 1 FROM txs WHERE slot = ? AND sig_hash BETWEEN ? AND ? + 7 AND signature = ?");
    while (!ix.stats().live.connected) await new Promise((r) => setTimeout(r, 10));
    const lat: number[] = [];
    const p = w.providers[0]!;
    for (let i = 0; i < samples; i++) {
      const sig = await w.stake(p, 1n);
      let slot = 0;
      for (;;) {
        const st = await c.connection.getSignatureStatus(sig);
        if (st.value?.confirmationStatus === "confirmed" || st.value?.confirmationStatus === "finalized") {
          slot = st.value.slot;
          break;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
      const key = [slot, signatureHash(sig), signatureHash(sig), sig];
      const t0 = performance.now();
      while (!has.get(...key)) await new Promise((r) => setTimeout(r, 1));
      lat.push(performance.now() - t0);
    }
    await reader.close();
    await ix.stop();
    lat.sort((a, b) => a - b);
    const q = (f: number): number => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))] as number;
    return {
      p50: q(0.5),
      p99: q(0.99),
      samples: lat.length,
      backfillTxs: Number(counters.txs ?? 0n),
      backfillSeconds,
      backfillEvents: Number(counters.events ?? 0n),
    };
  } finally {
    await c.net.close();
  }
}

async function main(): Promise<void> {
  log("recording real program transactions in LiteSVM ...");
  const { updates, programId, realTxs } = await record();
  const dataEvents = countDataLines(updates);
  log(`${realTxs} recorded transactions replicated to ${updates.length} transactions / ${dataEvents} events`);
  const rate = (x: { seconds: number; events: number }): number => x.events / x.seconds;
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const gRates: number[] = [];
  const cRates: number[] = [];
  const nRates: number[] = [];
  const pgRates: number[] = [];
  const pcRates: number[] = [];
  let g = { seconds: 0, events: 0 };
  let n = { seconds: 0, events: 0 };
  const cluster: PgCluster | null = args["no-postgres"] ? null : await startPostgres({ fast: false });
  try {
    for (let r = 0; r < Number(args.rounds); r++) {
      const gp = join(dir, `gpunet-${r}.db`);
      g = await runGpunet(gp, updates, programId);
      const c = await runCeiling(gp, join(dir, `ceiling-${r}.db`));
      n = await runNaive(join(dir, `naive-${r}.db`), updates, programId, Number(args["naive-events"]));
      gRates.push(rate(g));
      cRates.push(rate(c));
      nRates.push(rate(n));
      let pgLine = "";
      if (cluster) {
        const url = await cluster.createDatabase();
        const pgx = await runGpunet(url, updates, programId);
        const pc = await runCeilingPg(url, await cluster.createDatabase());
        pgRates.push(rate(pgx));
        pcRates.push(rate(pc));
        pgLine = `, postgres ${rate(pgx).toFixed(0)} ev/s, postgres ceiling ${rate(pc).toFixed(0)} ev/s`;
      }
      log(`round ${r + 1}: gpunet ${rate(g).toFixed(0)} ev/s, ceiling ${rate(c).toFixed(0)} ev/s, naive ${rate(n).toFixed(0)} ev/s${pgLine}`);
    }
  } finally {
    await cluster?.stop();
  }
  const l = await runLocalnet(Number(args.latency), Number(args["backfill-ops"]));
  const rows = {
    events: g.events,
    rounds: gRates.length,
    gpunetEventsPerSec: Math.round(median(gRates)),
    ceilingEventsPerSec: Math.round(median(cRates)),
    naiveEventsPerSec: Math.round(median(nRates)),
    naiveEventsMeasured: n.events,
    ofCeiling: median(gRates.map((x, i) => x / (cRates[i] as number))),
    vsNaive: median(gRates.map((x, i) => x / (nRates[i] as number))),
    postgresEventsPerSec: pgRates.length > 0 ? Math.round(median(pgRates)) : null,
    postgresCeilingEventsPerSec: pcRates.length > 0 ? Math.round(median(pcRates)) : null,
    postgresOfCeiling: pgRates.length > 0 ? median(pgRates.map((x, i) => x / (pcRates[i] as number))) : null,
    latencyP50Ms: l.p50,
    latencyP99Ms: l.p99,
    latencySamples: l.samples,
    backfillTxsPerSec: l.backfillTxs / l.backfillSeconds,
    backfillEventsPerSec: l.backfillEvents / l.backfillSeconds,
    backfillTxs: l.backfillTxs,
  };
  const ok = {
    eps: rows.gpunetEventsPerSec >= 50_000,
    ceiling: rows.ofCeiling >= 0.85,
    naive: rows.vsNaive >= 10,
    postgres: rows.postgresOfCeiling === null || rows.postgresOfCeiling >= 0.5,
  };
  console.log("| measure | value | target | meets |");
  console.log("| --- | ---: | ---: | --- |");
  console.log(
    `| gpunet ingest (events/s, ${rows.events} events, median of ${rows.rounds}) | ${rows.gpunetEventsPerSec} | >= 50,000 | ${ok.eps ? "yes" : "NO"} |`,
  );
  console.log(`| ceiling: same rows, prepared + batched (events/s) | ${rows.ceilingEventsPerSec} | | |`);
  console.log(`| naive: EventParser + kysely insert per event (events/s, ${rows.naiveEventsMeasured} events) | ${rows.naiveEventsPerSec} | | |`);
  console.log(`| gpunet / ceiling (median of per-round ratios) | ${(rows.ofCeiling * 100).toFixed(1)}% | >= 85% | ${ok.ceiling ? "yes" : "NO"} |`);
  console.log(`| gpunet / naive (median of per-round ratios) | ${rows.vsNaive.toFixed(1)}x | >= 10x | ${ok.naive ? "yes" : "NO"} |`);
  if (rows.postgresOfCeiling !== null) {
    console.log(`| PostgreSQL: gpunet ingest (events/s) | ${rows.postgresEventsPerSec} | | |`);
    console.log(`| PostgreSQL ceiling: same rows, multi-row INSERT with pg (events/s) | ${rows.postgresCeilingEventsPerSec} | | |`);
    console.log(
      `| PostgreSQL: gpunet / ceiling (median of per-round ratios) | ${(rows.postgresOfCeiling * 100).toFixed(1)}% | >= 50% | ${ok.postgres ? "yes" : "NO"} |`,
    );
  }
  console.log(
    `| confirmed -> queryable p50 / p99 (ms, ${rows.latencySamples} txs, localnet) | ${rows.latencyP50Ms.toFixed(1)} / ${rows.latencyP99Ms.toFixed(1)} | | |`,
  );
  console.log(
    `| backfill from localnet (${rows.backfillTxs} txs) | ${rows.backfillTxsPerSec.toFixed(0)} tx/s, ${rows.backfillEventsPerSec.toFixed(0)} ev/s | | |`,
  );
  if (args.json) console.log(JSON.stringify(rows));
  rmSync(dir, { recursive: true, force: true });
  if (!ok.eps || !ok.ceiling || !ok.naive || !ok.postgres) process.exitCode = 1;
}

await main();
