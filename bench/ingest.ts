/**
 * Indexer ingest benchmark, on recorded REAL gpunet transactions.
 *
 * 1. Record a few thousand transactions of the program in LiteSVM (setup,
 *    every instruction path, then a seeded random mix), and replicate them with
 *    fresh signatures and later slots to ~200k events.
 * 2. A reference run of the indexer (not timed) gives the final rows: every
 *    row of every table it writes, each assigned to the batch that created it
 *    (per-transaction rows by their transaction; entity, pubkey and history
 *    series rows by the batch after which their key first existed).
 * 3. Each round then measures, on the same data, batch by batch (one batch =
 *    --batch transactions, the indexer's default), alternating which goes first:
 *    - gpunet: the indexer's pipeline (SDK decoder + processor + SQLite), end to end;
 *    - ceiling: better-sqlite3 inserting that batch's final rows into a fresh
 *      database with the same schema and indexes, one prepared statement per
 *      table, one transaction per batch, no decoding and no logic; the same
 *      rows in total (checked table by table after each round);
 *    - naive: Anchor's EventParser plus one kysely insert per event
 *      (autocommit), on a prefix of the same data cut into as many slices;
 *    and, against a throwaway PostgreSQL server (default durability), the
 *    same pipeline beside its own ceiling (the reference rows written with
 *    `pg` alone as multi-row INSERTs, one transaction per batch).
 *    A machine shared with other work changes speed within seconds, so each
 *    ratio is taken between adjacent slices (same load) and the median over
 *    all pairs of all rounds is reported with its spread; per-round ratios of
 *    the totals are printed too.
 * 4. One more pass, the indexer with every better-sqlite3 call timed beside a
 *    ceiling, batch by batch: its seconds inside the driver and outside it,
 *    each over the ceiling's, and the ratios they bound.
 * 5. Localnet: latency from a transaction confirmed to its row being queryable
 *    (p50/p99), and backfill throughput over the localnet's HTTP RPC.
 *
 *   npm run bench:ingest [-- --events 200000 --naive-events 20000 --rounds 3 --latency 50 --json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
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
    batch: { type: "string", default: "10000" },
    json: { type: "boolean", default: false },
    "no-postgres": { type: "boolean", default: false },
  },
});
/** Transactions per write transaction for the indexer and its ceilings (the indexer's default), and per timed slice. */
const BATCH = Number(args.batch);
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

type Value = unknown;
/** One table's rows of one batch, in the order written. */
interface TableRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: Value[][];
}
/** The final rows, by the batch that writes them. */
interface FinalRows {
  /** Rows there before the first batch (event kinds...): copied untimed. */
  readonly setup: readonly TableRows[];
  readonly batches: readonly (readonly TableRows[])[];
  /** Rows per table in total. */
  readonly counts: ReadonlyMap<string, number>;
  /** Events per batch. */
  readonly events: readonly number[];
}

/** Tables with one row per transaction, or per event of a transaction. */
const PER_TX = ["events", "stakes", "escrow", "rewards", "claims", "slashes"];
/** Tables the migrations fill. */
const SCHEMA_ONLY = new Set(["gpunet_migrations", "meta"]);

/** What a reference reader needs from one dialect. */
interface RefReader {
  tables(): Promise<string[]>;
  primaryKey(table: string): Promise<string[]>;
  /** Every row, with its column names; ordered by `order`. */
  rows(table: string, order: string): Promise<{ columns: string[]; rows: Value[][] }>;
  close(): Promise<void>;
}

function sqliteReader(path: string): RefReader {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  return {
    tables: async () =>
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name),
    primaryKey: async (t) =>
      (db.prepare(`SELECT name, pk FROM pragma_table_info('${t}') WHERE pk > 0 ORDER BY pk`).all() as { name: string }[]).map((r) => r.name),
    rows: async (t, order) => {
      const st = db.prepare(`SELECT * FROM ${t} ORDER BY ${order}`).raw();
      return { columns: st.columns().map((c) => c.name), rows: st.all() as Value[][] };
    },
    close: async () => {
      db.close();
    },
  };
}

async function pgReader(url: string): Promise<RefReader> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return {
    tables: async () => (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).rows.map((r) => r.tablename as string),
    primaryKey: async (t) =>
      (
        await c.query(
          `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
           WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
          [t],
        )
      ).rows.map((r) => r.attname as string),
    rows: async (t, order) => {
      const r = await c.query({ text: `SELECT * FROM ${t} ORDER BY ${order}`, rowMode: "array" });
      return { columns: r.fields.map((f) => f.name), rows: r.rows as Value[][] };
    },
    close: () => c.end(),
  };
}

/**
 * The reference run: the indexer ingests `updates` batch by batch (not timed);
 * after each batch the keys present in the tables without a transaction id
 * are noted, so each final row is written once, by the batch that created it.
 */
async function referenceRows(location: string, reader: () => Promise<RefReader>, updates: readonly TransactionUpdate[], programId: string): Promise<FinalRows> {
  const ix = await createIndexer({ dbPath: location, programId, batchSize: BATCH });
  const ref = await reader();
  const tables = (await ref.tables()).filter((t) => !SCHEMA_ONLY.has(t));
  const others = tables.filter((t) => t !== "txs" && !PER_TX.includes(t));
  const keys = new Map<string, string[]>();
  for (const t of tables) keys.set(t, await ref.primaryKey(t));
  const orderOf = (t: string): string => {
    const k = keys.get(t) ?? [];
    return k.length > 0 ? k.join(", ") : "rowid";
  };
  const keyOf = (t: string, columns: readonly string[]): ((r: Value[]) => string) => {
    const at = (keys.get(t) ?? []).map((k) => columns.indexOf(k));
    return (r) => JSON.stringify(at.map((i) => String(r[i])));
  };
  /** Key -> the batch after which it first existed (-1: before the first). */
  const firstSeen = new Map<string, Map<string, number>>(others.map((t) => [t, new Map()]));
  const note = async (batch: number): Promise<void> => {
    for (const t of others) {
      const { columns, rows } = await ref.rows(t, orderOf(t));
      const key = keyOf(t, columns);
      const seen = firstSeen.get(t) as Map<string, number>;
      for (const r of rows) {
        const k = key(r);
        if (!seen.has(k)) seen.set(k, batch);
      }
    }
  };
  await note(-1);
  const lastTxId: bigint[] = [];
  const events: number[] = [];
  for (let i = 0; i < updates.length; i += BATCH) {
    const r = await ix.ingest(updates.slice(i, i + BATCH));
    events.push(r.events);
    await note(lastTxId.length);
    const max = (await ref.rows("txs", "id DESC LIMIT 1")).rows[0];
    lastTxId.push(max ? BigInt(String(max[0])) : (lastTxId.at(-1) ?? 0n));
  }
  await ix.stop();
  const nBatches = lastTxId.length;
  const batchOfTx = (id: Value): number => {
    const v = BigInt(String(id));
    let lo = 0;
    let hi = nBatches - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v <= (lastTxId[mid] as bigint)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  const setup: TableRows[] = [];
  const batches: TableRows[][] = Array.from({ length: nBatches }, () => []);
  const counts = new Map<string, number>();
  const split = (table: string, columns: string[], rows: Value[][], batchOf: (r: Value[]) => number): void => {
    counts.set(table, rows.length);
    const parts = new Map<number, Value[][]>();
    for (const r of rows) {
      const b = batchOf(r);
      let list = parts.get(b);
      if (!list) parts.set(b, (list = []));
      list.push(r);
    }
    for (const [b, list] of parts) (b < 0 ? setup : (batches[b] as TableRows[])).push({ table, columns, rows: list });
  };
  for (const t of ["txs", ...PER_TX]) {
    const { columns, rows } = await ref.rows(t, orderOf(t));
    const at = columns.indexOf(t === "txs" ? "id" : "tx_id");
    split(t, columns, rows, (r) => batchOfTx(r[at]));
  }
  for (const t of others) {
    const { columns, rows } = await ref.rows(t, orderOf(t));
    const key = keyOf(t, columns);
    const seen = firstSeen.get(t) as Map<string, number>;
    split(t, columns, rows, (r) => seen.get(key(r)) ?? nBatches - 1);
  }
  await ref.close();
  return { setup, batches, counts, events };
}

/** A timed slice: runs one batch's work and returns its seconds. */
type Slice = (batch: number) => Promise<Seconds>;

/** Seconds of one slice: wall clock, and CPU time of the process (all its threads: GC helpers too). */
interface Seconds {
  readonly wall: number;
  readonly cpu: number;
}
async function timed(run: () => unknown): Promise<Seconds> {
  const c = process.cpuUsage();
  const t = performance.now();
  await run();
  const wall = (performance.now() - t) / 1000;
  const u = process.cpuUsage(c);
  return { wall, cpu: (u.user + u.system) / 1e6 };
}

/** The indexer, one batch of `updates` per slice. */
async function gpunetSlices(
  location: string,
  updates: readonly TransactionUpdate[],
  programId: string,
): Promise<{ slice: Slice; events: () => number; close(): Promise<void> }> {
  const ix = await createIndexer({ dbPath: location, programId, batchSize: BATCH });
  let events = 0;
  return {
    slice: (k) =>
      timed(async () => {
        events += (await ix.ingest(updates.slice(k * BATCH, (k + 1) * BATCH))).events;
      }),
    events: () => events,
    close: () => ix.stop(),
  };
}

const placeholders = (n: number): string => Array(n).fill("?").join(", ");

/**
 * The SQLite write ceiling: a fresh database with the indexer's schema and
 * connection settings; per slice, one immediate transaction inserting that
 * batch's final rows with one prepared statement per table.
 */
async function ceilingSlices(target: string, final: FinalRows): Promise<{ slice: Slice; counts(): Map<string, number>; close(): Promise<void> }> {
  const w = await openWriterDatabase(target);
  const dst = w.sqlite;
  const statements = new Map<string, Database.Statement>();
  const insert = (t: TableRows, verb = "INSERT"): Database.Statement => {
    const k = `${verb} ${t.table} ${t.columns.join(",")}`;
    let st = statements.get(k);
    if (!st) statements.set(k, (st = dst.prepare(`${verb} INTO ${t.table} (${t.columns.join(", ")}) VALUES (${placeholders(t.columns.length)})`)));
    return st;
  };
  dst
    .transaction(() => {
      for (const t of final.setup) {
        const st = insert(t, "INSERT OR IGNORE");
        for (const r of t.rows) st.run(r);
      }
    })
    .immediate();
  for (const b of final.batches) for (const t of b) insert(t);
  const write = dst.transaction((b: readonly TableRows[]) => {
    for (const t of b) {
      const st = insert(t);
      for (const r of t.rows) st.run(r);
    }
  });
  return {
    slice: (k) => timed(() => write.immediate(final.batches[k] as TableRows[])),
    counts: () => tableCounts(dst),
    close: () => w.close(),
  };
}

function tableCounts(db: Database.Database): Map<string, number> {
  const out = new Map<string, number>();
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[])
    if (!SCHEMA_ONLY.has(name)) out.set(name, Number((db.prepare(`SELECT COUNT(*) AS c FROM ${name}`).get() as { c: number }).c));
  return out;
}

async function pgCounts(url: string): Promise<Map<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out = new Map<string, number>();
  for (const r of (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).rows) {
    const t = r.tablename as string;
    if (!SCHEMA_ONLY.has(t)) out.set(t, Number((await c.query(`SELECT COUNT(*) AS c FROM ${t}`)).rows[0].c));
  }
  await c.end();
  return out;
}

/**
 * The PostgreSQL write ceiling: a fresh migrated database; per slice, one
 * transaction inserting that batch's final rows with `pg` alone, as
 * multi-row INSERTs.
 */
async function ceilingPgSlices(target: string, final: FinalRows): Promise<{ slice: Slice; close(): Promise<void> }> {
  const w = await openWriteStore(target);
  await w.close();
  const dst = new pg.Client({ connectionString: target });
  await dst.connect();
  const insert = async (t: TableRows, suffix = ""): Promise<void> => {
    const per = Math.floor(65_000 / t.columns.length);
    for (let i = 0; i < t.rows.length; i += per) {
      const part = t.rows.slice(i, i + per);
      const params: Value[] = [];
      const tuples = part.map((r) => `(${r.map((v) => `$${params.push(v)}`).join(", ")})`);
      await dst.query(`INSERT INTO ${t.table} (${t.columns.join(", ")}) VALUES ${tuples.join(", ")}${suffix}`, params);
    }
  };
  await dst.query("BEGIN");
  for (const t of final.setup) await insert(t, " ON CONFLICT DO NOTHING");
  await dst.query("COMMIT");
  return {
    slice: (k) =>
      timed(async () => {
        await dst.query("BEGIN");
        for (const t of final.batches[k] as TableRows[]) await insert(t);
        await dst.query("COMMIT");
      }),
    close: () => dst.end(),
  };
}

interface NaiveEvents {
  signature: string;
  idx: number;
  name: string;
  data: string;
}

/** The naive way on a prefix of `maxEvents` events, cut into `slices` slices. */
async function naiveSlices(
  path: string,
  updates: readonly TransactionUpdate[],
  programId: string,
  maxEvents: number,
  slices: number,
): Promise<{ slice: Slice; events: () => number; perSlice: readonly number[]; close(): Promise<void> }> {
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  const db = new Kysely<{ events: NaiveEvents }>({ dialect: new SqliteDialect({ database: sqlite }) });
  await sql`CREATE TABLE events (signature TEXT NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (signature, idx))`.execute(db);
  const parser = new EventParser(new PublicKey(programId), new BorshCoder(IDL as unknown as Idl));
  const per = Math.ceil(maxEvents / slices);
  let next = 0;
  let events = 0;
  const perSlice: number[] = [];
  return {
    slice: (k) =>
      timed(async () => {
        let n = 0;
        while (n < per && next < updates.length) {
          const u = updates[next++] as TransactionUpdate;
          let idx = 0;
          for (const e of parser.parseLogs([...(u.logs ?? [])])) {
            await db
              .insertInto("events")
              .values({ signature: u.signature, idx: idx++, name: e.name, data: JSON.stringify(e.data) })
              .execute();
            n++;
          }
        }
        events += n;
        perSlice[k] = n;
      }),
    events: () => events,
    perSlice,
    close: () => db.destroy(),
  };
}

/**
 * Where the indexer's time goes: one more pass (not part of the ratios), the
 * indexer with every better-sqlite3 call it makes timed, alternating batch by
 * batch with a fresh ceiling, so that the seconds inside the driver (what the
 * ceiling also pays) and outside it (decoding, state, history, garbage
 * collection) are each set against the ceiling's seconds for the same batch
 * under the same load. The ceiling's calls go through the same wrapper, so
 * both pay its cost per call.
 */
async function driverSplit(updates: readonly TransactionUpdate[], programId: string, final: FinalRows): Promise<{ inside: number[]; outside: number[] }> {
  type Callable = (...a: unknown[]) => unknown;
  const proto = Database.prototype as unknown as { prepare: Callable; exec: Callable };
  const { prepare, exec } = proto;
  let inside = 0;
  let counting = false;
  const timedCall =
    (f: Callable, self: unknown): Callable =>
    (...a) => {
      const t = performance.now();
      try {
        return f.apply(self, a);
      } finally {
        if (counting) inside += performance.now() - t;
      }
    };
  proto.prepare = function (this: unknown, ...a: unknown[]) {
    const st = prepare.apply(this, a) as Record<"run" | "get" | "all", Callable>;
    for (const m of ["run", "get", "all"] as const) st[m] = timedCall(st[m], st);
    return st;
  };
  proto.exec = function (this: unknown, ...a: unknown[]) {
    return timedCall(exec, this)(...a);
  };
  const out = { inside: [] as number[], outside: [] as number[] };
  // The ceiling's statements go through the same timing wrapper (not counted), so both pay its cost per call.
  const c = await ceilingSlices(join(dir, "split-ceiling.db"), final);
  try {
    const ix = await createIndexer({ dbPath: join(dir, "split.db"), programId, batchSize: BATCH });
    /** Seconds inside the driver per batch, beside the slice's own seconds. */
    const insideOf: number[] = [];
    const indexerSlice: Slice = async (k) => {
      inside = 0;
      counting = true;
      try {
        return await timed(() => ix.ingest(updates.slice(k * BATCH, (k + 1) * BATCH)));
      } finally {
        counting = false;
        insideOf[k] = inside / 1000;
      }
    };
    const [gt, ct] = (await interleave(final.batches.length, 0, [indexerSlice, c.slice])) as [Seconds[], Seconds[]];
    for (let k = 0; k < gt.length; k++) {
      const ceiling = (ct[k] as Seconds).wall;
      out.inside.push((insideOf[k] as number) / ceiling);
      out.outside.push(((gt[k] as Seconds).wall - (insideOf[k] as number)) / ceiling);
    }
    await ix.stop();
  } finally {
    proto.prepare = prepare;
    proto.exec = exec;
    await c.close();
  }
  return out;
}

/** Runs the slices of each batch in turn, rotating which goes first; seconds per measure per batch. */
async function interleave(batches: number, round: number, slices: readonly Slice[]): Promise<Seconds[][]> {
  const out = slices.map(() => [] as Seconds[]);
  collect();
  for (let k = 0; k < batches; k++) {
    for (let j = 0; j < slices.length; j++) {
      const m = (k + round + j) % slices.length;
      (out[m] as Seconds[])[k] = await (slices[m] as Slice)(k);
    }
  }
  return out;
}

const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0);
const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] as number;
};
const median = (xs: readonly number[]): number => quantile(xs, 0.5);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function sameCounts(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>, what: string): void {
  for (const [t, n] of a) if ((b.get(t) ?? 0) !== n) throw new Error(`${what}: table ${t} has ${b.get(t) ?? 0} rows, the indexer's ${n}`);
  for (const [t, n] of b) if (!a.has(t) && n !== 0) throw new Error(`${what}: table ${t} has ${n} rows the indexer did not write`);
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
  const rounds = Number(args.rounds);
  log("reference run (final rows) ...");
  const refPath = join(dir, "reference.db");
  const final = await referenceRows(refPath, async () => sqliteReader(refPath), updates, programId);
  const nb = final.batches.length;
  const totalEvents = sum(final.events);
  log(`${nb} batches of ${BATCH} transactions; final rows: ${[...final.counts].map(([t, n]) => `${t} ${n}`).join(", ")}`);
  const cluster: PgCluster | null = args["no-postgres"] ? null : await startPostgres({ fast: false });
  const pairs: number[] = [];
  /** The same pairs in CPU time of the process (the share of the machine it got does not enter). */
  const cpuPairs: number[] = [];
  const naivePairs: number[] = [];
  const pgPairs: number[] = [];
  const perRound: {
    gpunet: number;
    ceiling: number;
    naive: number;
    ofCeiling: number;
    vsNaive: number;
    pg: number | null;
    pgCeiling: number | null;
    pgOfCeiling: number | null;
  }[] = [];
  let naiveMeasured = 0;
  try {
    let pgFinal: FinalRows | null = null;
    if (cluster) {
      log("PostgreSQL reference run ...");
      const url = await cluster.createDatabase();
      pgFinal = await referenceRows(url, () => pgReader(url), updates, programId);
    }
    for (let r = 0; r < rounds; r++) {
      const g = await gpunetSlices(join(dir, `gpunet-${r}.db`), updates, programId);
      const c = await ceilingSlices(join(dir, `ceiling-${r}.db`), final);
      const nv = await naiveSlices(join(dir, `naive-${r}.db`), updates, programId, Number(args["naive-events"]), nb);
      const [gt, ct, nt] = (await interleave(nb, r, [g.slice, c.slice, nv.slice])) as [Seconds[], Seconds[], Seconds[]];
      const [gs, cs, ns] = [gt, ct, nt].map((xs) => xs.map((x) => x.wall)) as [number[], number[], number[]];
      for (let k = 0; k < nb; k++) cpuPairs.push((ct[k] as Seconds).cpu / (gt[k] as Seconds).cpu);
      sameCounts(final.counts, c.counts(), "ceiling");
      await c.close();
      await g.close();
      const db = new Database(join(dir, `gpunet-${r}.db`), { readonly: true });
      sameCounts(final.counts, tableCounts(db), "indexer");
      db.close();
      for (const f of [`gpunet-${r}.db`, `ceiling-${r}.db`]) for (const x of ["", "-wal", "-shm"]) rmSync(join(dir, f + x), { force: true });
      const nEvents = nv.events();
      naiveMeasured = nEvents;
      await nv.close();
      for (let k = 0; k < nb; k++) {
        pairs.push((cs[k] as number) / (gs[k] as number));
        naivePairs.push((final.events[k] as number) / (gs[k] as number) / ((nv.perSlice[k] as number) / (ns[k] as number)));
      }
      const round = {
        gpunet: g.events() / sum(gs),
        ceiling: totalEvents / sum(cs),
        naive: nEvents / sum(ns),
        ofCeiling: sum(cs) / sum(gs),
        vsNaive: g.events() / sum(gs) / (nEvents / sum(ns)),
        pg: null as number | null,
        pgCeiling: null as number | null,
        pgOfCeiling: null as number | null,
      };
      const rp = pairs.slice(-nb);
      let pgLine = "";
      if (cluster && pgFinal) {
        const url = await cluster.createDatabase();
        const pgx = await gpunetSlices(url, updates, programId);
        const pcUrl = await cluster.createDatabase();
        const pc = await ceilingPgSlices(pcUrl, pgFinal);
        const [pgs, pcs] = (await interleave(pgFinal.batches.length, r, [pgx.slice, pc.slice])).map((xs) => xs.map((x) => x.wall)) as [number[], number[]];
        await pc.close();
        await pgx.close();
        sameCounts(pgFinal.counts, await pgCounts(pcUrl), "PostgreSQL ceiling");
        sameCounts(pgFinal.counts, await pgCounts(url), "PostgreSQL indexer");
        for (let k = 0; k < pgs.length; k++) pgPairs.push((pcs[k] as number) / (pgs[k] as number));
        round.pg = pgx.events() / sum(pgs);
        round.pgCeiling = sum(pgFinal.events) / sum(pcs);
        round.pgOfCeiling = sum(pcs) / sum(pgs);
        pgLine = `; postgres ${round.pg.toFixed(0)} ev/s, its ceiling ${round.pgCeiling.toFixed(0)} ev/s, ${pct(round.pgOfCeiling)}`;
      }
      perRound.push(round);
      log(
        `round ${r + 1}: gpunet ${round.gpunet.toFixed(0)} ev/s, ceiling ${round.ceiling.toFixed(0)} ev/s, ${pct(round.ofCeiling)} ` +
          `(batches: median ${pct(median(rp))}, ${pct(Math.min(...rp))} - ${pct(Math.max(...rp))}; CPU time ${pct(median(cpuPairs.slice(-nb)))}); ` +
          `naive ${round.naive.toFixed(0)} ev/s, ${round.vsNaive.toFixed(1)}x${pgLine}`,
      );
    }
  } finally {
    await cluster?.stop();
  }
  log("where the indexer's time goes (one more run, every better-sqlite3 call timed) ...");
  const split = await driverSplit(updates, programId, final);
  const l = await runLocalnet(Number(args.latency), Number(args["backfill-ops"]));
  const rows = {
    events: totalEvents,
    rounds,
    batches: nb,
    batchTransactions: BATCH,
    loadAverage: loadavg(),
    gpunetEventsPerSec: Math.round(median(perRound.map((x) => x.gpunet))),
    ceilingEventsPerSec: Math.round(median(perRound.map((x) => x.ceiling))),
    naiveEventsPerSec: Math.round(median(perRound.map((x) => x.naive))),
    naiveEventsMeasured: naiveMeasured,
    ofCeiling: median(pairs),
    ofCeilingP10: quantile(pairs, 0.1),
    ofCeilingP90: quantile(pairs, 0.9),
    ofCeilingRounds: perRound.map((x) => x.ofCeiling),
    ofCeilingCpu: median(cpuPairs),
    ofCeilingCpuP10: quantile(cpuPairs, 0.1),
    ofCeilingCpuP90: quantile(cpuPairs, 0.9),
    vsNaive: median(naivePairs),
    vsNaiveP10: quantile(naivePairs, 0.1),
    vsNaiveP90: quantile(naivePairs, 0.9),
    vsNaiveRounds: perRound.map((x) => x.vsNaive),
    postgresEventsPerSec: cluster ? Math.round(median(perRound.map((x) => x.pg as number))) : null,
    postgresCeilingEventsPerSec: cluster ? Math.round(median(perRound.map((x) => x.pgCeiling as number))) : null,
    postgresOfCeiling: cluster ? median(pgPairs) : null,
    postgresOfCeilingP10: cluster ? quantile(pgPairs, 0.1) : null,
    postgresOfCeilingP90: cluster ? quantile(pgPairs, 0.9) : null,
    postgresOfCeilingRounds: cluster ? perRound.map((x) => x.pgOfCeiling as number) : null,
    insideOfCeiling: median(split.inside),
    outsideOfCeiling: median(split.outside),
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
  const rs = (xs: readonly number[], f: (x: number) => string): string => xs.map(f).join(", ");
  const x1 = (x: number): string => `${x.toFixed(1)}x`;
  console.log(`load average at the end: ${rows.loadAverage.map((x) => x.toFixed(2)).join(" ")}`);
  console.log("| measure | value | target | meets |");
  console.log("| --- | ---: | ---: | --- |");
  console.log(
    `| gpunet ingest (events/s, ${rows.events} events, median of ${rows.rounds} rounds) | ${rows.gpunetEventsPerSec} | >= 50,000 | ${ok.eps ? "yes" : "NO"} |`,
  );
  console.log(`| ceiling: same final rows, prepared + batched (events/s) | ${rows.ceilingEventsPerSec} | | |`);
  console.log(`| naive: EventParser + kysely insert per event (events/s, ${rows.naiveEventsMeasured} events) | ${rows.naiveEventsPerSec} | | |`);
  console.log(
    `| gpunet / ceiling (median of ${pairs.length} adjacent batch pairs; p10 - p90 ${pct(rows.ofCeilingP10)} - ${pct(rows.ofCeilingP90)}; rounds ${rs(rows.ofCeilingRounds, pct)}) | ${pct(rows.ofCeiling)} | >= 85% | ${ok.ceiling ? "yes" : "NO"} |`,
  );
  console.log(
    `| gpunet / ceiling in process CPU time (median of ${cpuPairs.length} pairs; p10 - p90 ${pct(rows.ofCeilingCpuP10)} - ${pct(rows.ofCeilingCpuP90)}) | ${pct(rows.ofCeilingCpu)} | | |`,
  );
  console.log(
    `| gpunet / naive (median of ${naivePairs.length} adjacent pairs; p10 - p90 ${x1(rows.vsNaiveP10)} - ${x1(rows.vsNaiveP90)}; rounds ${rs(rows.vsNaiveRounds, x1)}) | ${x1(rows.vsNaive)} | >= 10x | ${ok.naive ? "yes" : "NO"} |`,
  );
  const x2 = (x: number): string => `${x.toFixed(2)}x`;
  console.log(
    `| gpunet's time inside better-sqlite3 calls / the ceiling's for the same batch (median of ${split.inside.length} adjacent pairs) | ${x2(rows.insideOfCeiling)} | | |`,
  );
  console.log(`| gpunet's time outside them / the ceiling's (same pairs) | ${x2(rows.outsideOfCeiling)} | | |`);
  console.log(`| bound on one thread: 1 / (inside + outside) | ${pct(1 / (rows.insideOfCeiling + rows.outsideOfCeiling))} | | |`);
  console.log(
    `| bound on two threads, perfect overlap, free hand-off: 1 / max(inside, outside) | ${pct(1 / Math.max(rows.insideOfCeiling, rows.outsideOfCeiling))} | | |`,
  );
  if (rows.postgresOfCeiling !== null) {
    console.log(`| PostgreSQL: gpunet ingest (events/s) | ${rows.postgresEventsPerSec} | | |`);
    console.log(`| PostgreSQL ceiling: same final rows, multi-row INSERT with pg (events/s) | ${rows.postgresCeilingEventsPerSec} | | |`);
    console.log(
      `| PostgreSQL: gpunet / ceiling (median of ${pgPairs.length} pairs; p10 - p90 ${pct(rows.postgresOfCeilingP10 as number)} - ${pct(rows.postgresOfCeilingP90 as number)}; rounds ${rs(rows.postgresOfCeilingRounds as number[], pct)}) | ${pct(rows.postgresOfCeiling)} | >= 50% | ${ok.postgres ? "yes" : "NO"} |`,
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
