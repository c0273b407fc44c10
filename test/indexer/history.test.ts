/**
 * History tables and reputation on real program transactions (LiteSVM,
 * the compiled program) in real SQLite files: they equal a computation from
 * the events table, whatever the delivery order, and survive the rollback of
 * transactions that never finalized.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { decodeEventBytes } from "@gpunet/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, reputationScore, type TransactionUpdate } from "../../indexer/src/index.ts";
import { harnessChain, type RecordedTx } from "./support/chain.ts";
import { rows as storeRows, useStores } from "./support/stores.ts";
import { toUpdate } from "./support/recorded.ts";
import { Workload } from "./support/workload.ts";

const DAY = 86_400n;
let dir: string;
let txs: RecordedTx[];
let pid: string;
let n = 0;
const fresh = (): string => join(dir, `h-${n++}.db`);
const stores = useStores();

async function indexAll(path: string, updates: readonly TransactionUpdate[], batch: number, opts: { reverse?: boolean; gap?: boolean } = {}): Promise<void> {
  const ix = await createIndexer({ dbPath: path, programId: pid, batchSize: batch });
  try {
    const gap = opts.gap ? await ix.store.openGap(null, "test") : null;
    const chunks: TransactionUpdate[][] = [];
    for (let i = 0; i < updates.length; i += batch) chunks.push(updates.slice(i, i + batch));
    if (opts.reverse) chunks.reverse();
    for (const c of chunks) await ix.ingest(c);
    if (gap !== null) await ix.store.closeGap(gap);
  } finally {
    await ix.stop();
  }
}

const open = (path: string): Database.Database => {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  return db;
};

/** The history tables as text, providers by address (row ids depend on arrival). */
function historyDump(path: string): string {
  const db = open(path);
  try {
    const out: string[] = [];
    const rows = (q: string): void => {
      for (const r of db.prepare(q).all()) out.push(JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    };
    rows("SELECT * FROM hist_network ORDER BY span, bucket");
    rows("SELECT * FROM hist_gpus ORDER BY span, bucket, dim, code");
    const cols = (db.prepare("SELECT * FROM hist_provider LIMIT 1").columns() as { name: string }[]).map((c) => c.name).filter((c) => c !== "provider");
    rows(
      `SELECT pk.address, ${cols.map((c) => `h.${c}`).join(", ")} FROM hist_provider h JOIN pubkeys pk ON pk.id = h.provider ORDER BY pk.address, h.span, h.bucket`,
    );
    rows(
      "SELECT pk.address, r.completed, r.failed, r.expired, r.disputed, r.slashes, r.slashed_amount, r.score FROM reputation r JOIN pubkeys pk ON pk.id = r.provider ORDER BY pk.address",
    );
    return out.join("\n");
  } finally {
    db.close();
  }
}

/** The history tables of either store as text: amounts and integers in canonical decimal (SQLite pads u64 text, PostgreSQL has NUMERIC). */
async function portableHistoryDump(location: string): Promise<string> {
  const canon = (_k: string, v: unknown): unknown =>
    typeof v === "bigint" ? v.toString() : typeof v === "number" ? String(v) : typeof v === "string" && /^\d+$/.test(v) ? BigInt(v).toString() : v;
  const out: string[] = [];
  const dump = async (q: string): Promise<void> => {
    for (const r of await storeRows(location, q)) out.push(JSON.stringify(r, canon));
  };
  await dump("SELECT * FROM hist_network ORDER BY span, bucket");
  await dump("SELECT * FROM hist_gpus ORDER BY span, bucket, dim, code");
  await dump(
    "SELECT pk.address, h.span, h.bucket, h.active_stake, h.unbonding, h.status, h.gpu_count, h.cum_completed, h.cum_failed, h.cum_slashed, h.cum_earnings, h.earnings, h.rewards_claimed, h.slashed FROM hist_provider h JOIN pubkeys pk ON pk.id = h.provider ORDER BY pk.address, h.span, h.bucket",
  );
  await dump(
    "SELECT pk.address, r.completed, r.failed, r.expired, r.disputed, r.slashes, r.slashed_amount, r.score FROM reputation r JOIN pubkeys pk ON pk.id = r.provider ORDER BY pk.address",
  );
  return out.join("\n");
}

/**
 * Flows per day and per provider computed straight from the events table
 * (decoding every payload), and the stocks of the state tables: the oracle.
 */
function fromEvents(path: string): {
  perDay: Map<bigint, Record<string, bigint>>;
  perProvider: Map<string, Record<string, bigint>>;
  finalStake: bigint;
  finalGpus: bigint;
  providers: bigint;
} {
  const db = open(path);
  try {
    const perDay = new Map<bigint, Record<string, bigint>>();
    const perProvider = new Map<string, Record<string, bigint>>();
    const bump = (m: Map<string | bigint, Record<string, bigint>>, k: string | bigint, f: string, v = 1n): void => {
      const o = m.get(k) ?? {};
      o[f] = (o[f] ?? 0n) + v;
      m.set(k, o);
    };
    const rows = db
      .prepare(
        `SELECT e.payload, e.ts, pk.address AS provider FROM events e JOIN txs t ON t.id = e.tx_id LEFT JOIN pubkeys pk ON pk.id = e.provider
         JOIN event_kinds k ON k.id = e.kind WHERE k.name NOT LIKE 'account:%' ORDER BY t.slot, t.tx_index, t.id, e.event_index`,
      )
      .all() as { payload: Buffer; ts: bigint; provider: string | null }[];
    for (const r of rows) {
      const d = decodeEventBytes(new Uint8Array(r.payload), "bytes");
      if (!d.ok) continue;
      const day = r.ts - (r.ts % DAY);
      bump(perDay, day, "events");
      const data = d.data as unknown as Record<string, bigint | number | string>;
      const p = r.provider;
      switch (d.name) {
        case "jobCreated":
          bump(perDay, day, "jobs_created");
          bump(perDay, day, "volume", data.price as bigint);
          break;
        case "jobAccepted":
          bump(perDay, day, "jobs_accepted");
          break;
        case "jobCompleted":
          bump(perDay, day, "jobs_completed");
          bump(perDay, day, "fees", data.fee as bigint);
          if (p) bump(perProvider, p, "completed");
          if (p) bump(perProvider, p, "earnings", data.providerPayout as bigint);
          break;
        case "disputeResolved":
          bump(perDay, day, "fees", data.fee as bigint);
          if (p) bump(perProvider, p, "earnings", data.providerPayout as bigint);
          if (p) bump(perProvider, p, "resolved");
          break;
        case "jobDisputed":
          bump(perDay, day, "jobs_disputed");
          if (p) bump(perProvider, p, "disputed");
          break;
        case "jobExpired":
          bump(perDay, day, "jobs_expired");
          if (p) bump(perProvider, p, "expired");
          break;
        case "slashed":
          bump(perDay, day, "slashed", data.amount as bigint);
          if (p) bump(perProvider, p, "slashes");
          if (p) bump(perProvider, p, "slashed", data.amount as bigint);
          break;
        case "rewardsClaimed":
          bump(perDay, day, "rewards_claimed", data.amount as bigint);
          break;
        case "rewardsFunded":
          if (data.source === 0) bump(perDay, day, "rewards_funded", data.amount as bigint);
          break;
        default:
          break;
      }
    }
    const ps = db.prepare("SELECT active_stake, status, gpu_count FROM providers").all() as { active_stake: string; status: bigint; gpu_count: bigint }[];
    return {
      perDay,
      perProvider,
      finalStake: ps.reduce((a, p) => a + BigInt(p.active_stake), 0n),
      finalGpus: ps.filter((p) => p.status === 0n).reduce((a, p) => a + p.gpu_count, 0n),
      providers: BigInt(ps.length),
    };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "idx-hist-"));
  // A workload spread over several days and epochs: the clock moves a day or more between phases.
  const chain = harnessChain();
  const w = new Workload(chain);
  await w.setup(4, 3);
  await chain.warpSeconds(86_400 + 3_600);
  await w.everyPath();
  await chain.warpSeconds(2 * 86_400);
  await w.random(60, 5);
  await chain.warpSeconds(3 * 86_400 + 77);
  await w.random(60, 6);
  pid = chain.programId.toBase58();
  txs = chain.recorded.filter((t) => t.logs.some((l) => l.startsWith(`Program ${pid} invoke`)));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("history series", () => {
  it("Given a workload over several days, When indexed in order, Then every day's flows equal the events table, the last stocks equal the state tables, and reputation follows its formula", async () => {
    const path = fresh();
    await indexAll(
      path,
      txs.map((t) => toUpdate(t)),
      7,
    );
    const oracle = fromEvents(path);
    const db = open(path);
    try {
      const days = db.prepare("SELECT * FROM hist_network WHERE span = 'day' ORDER BY bucket").all() as Record<string, unknown>[];
      expect(days.length).toBeGreaterThanOrEqual(4);
      expect(new Set(days.map((d) => String(d.bucket)))).toEqual(new Set([...oracle.perDay.keys()].map(String)));
      for (const d of days) {
        const o = oracle.perDay.get(d.bucket as bigint) ?? {};
        for (const f of ["events", "jobs_created", "jobs_accepted", "jobs_disputed", "jobs_expired"]) expect([f, d[f]]).toEqual([f, o[f] ?? 0n]);
        for (const f of ["volume", "fees", "rewards_claimed", "rewards_funded", "slashed"]) expect([f, BigInt(d[f] as string)]).toEqual([f, o[f] ?? 0n]);
        // Completions by the buyer or by timeout, plus disputes resolved in the provider's favour.
        expect(d.jobs_completed as bigint).toBeGreaterThanOrEqual(o.jobs_completed ?? 0n);
      }
      const last = days[days.length - 1] as Record<string, unknown>;
      expect(BigInt(last.active_stake as string)).toBe(oracle.finalStake);
      expect(last.gpus).toBe(oracle.finalGpus);
      expect(last.providers).toBe(oracle.providers);
      // Epoch flows are the sums of their days.
      const epochs = db.prepare("SELECT * FROM hist_network WHERE span = 'epoch' ORDER BY bucket").all() as Record<string, unknown>[];
      for (const e of epochs) {
        const inside = days.filter((d) => (d.bucket as bigint) >= (e.bucket as bigint) && (d.bucket as bigint) < (e.bucket as bigint) + 2n * DAY);
        expect(e.jobs_created).toBe(inside.reduce((a, d) => a + (d.jobs_created as bigint), 0n));
        expect(BigInt(e.volume as string)).toBe(inside.reduce((a, d) => a + BigInt(d.volume as string), 0n));
        expect(e.active_stake).toBe(inside[inside.length - 1]?.active_stake);
      }
      // Reputation inputs from the events, the score from the formula.
      const reps = db.prepare("SELECT pk.address, r.* FROM reputation r JOIN pubkeys pk ON pk.id = r.provider").all() as {
        address: string;
        completed: bigint;
        failed: bigint;
        expired: bigint;
        disputed: bigint;
        slashes: bigint;
        slashed_amount: string;
        score: bigint;
      }[];
      expect(reps.length).toBe(Number(oracle.providers));
      let someSlashed = false;
      for (const r of reps) {
        const o = oracle.perProvider.get(r.address) ?? {};
        expect(r.expired).toBe(o.expired ?? 0n);
        expect(r.disputed).toBe(o.disputed ?? 0n);
        expect(r.slashes).toBe(o.slashes ?? 0n);
        expect(BigInt(r.slashed_amount)).toBe(o.slashed ?? 0n);
        expect(r.completed + r.failed).toBe((o.completed ?? 0n) + (o.resolved ?? 0n));
        const inputs = {
          completed: r.completed,
          failed: r.failed,
          expired: r.expired,
          disputed: r.disputed,
          slashes: r.slashes,
          slashedAmount: BigInt(r.slashed_amount),
        };
        expect(Number(r.score)).toBe(reputationScore(inputs));
        if (r.slashes > 0n) someSlashed = true;
        const earnings = db
          .prepare("SELECT earnings FROM hist_provider h JOIN pubkeys pk ON pk.id = h.provider WHERE pk.address = ? AND span = 'day'")
          .all(r.address) as { earnings: string }[];
        expect(earnings.reduce((a, e) => a + BigInt(e.earnings), 0n)).toBe(o.earnings ?? 0n);
      }
      expect(someSlashed).toBe(true);
    } finally {
      db.close();
    }
  });

  it("Given the same transactions, When delivered newest first (with and without a backfill gap open), one by one, or rebuilt, Then the history tables are identical", async () => {
    const updates = txs.map((t) => toUpdate(t));
    const ref = fresh();
    await indexAll(ref, updates, 1_000);
    const want = historyDump(ref);
    expect(want.length).toBeGreaterThan(0);
    const reversedGap = fresh();
    await indexAll(reversedGap, updates, 25, { reverse: true, gap: true });
    expect(historyDump(reversedGap)).toBe(want);
    const reversed = fresh();
    await indexAll(reversed, updates, 40, { reverse: true });
    expect(historyDump(reversed)).toBe(want);
    const single = fresh();
    await indexAll(single, updates, 1);
    expect(historyDump(single)).toBe(want);
    const ix = await createIndexer({ dbPath: single, programId: pid });
    await ix.store.rebuildAll();
    await ix.stop();
    expect(historyDump(single)).toBe(want);
  });

  it("Given transactions indexed at confirmed, When some never finalize and are rolled back, Then the history equals an index of the rest", async () => {
    const path = fresh();
    await indexAll(
      path,
      txs.map((t) => toUpdate(t, "confirmed")),
      50,
    );
    // Roll back every 9th transaction from the middle on (later days included).
    const dropped = txs.filter((_t, i) => i > txs.length / 3 && i % 9 === 0);
    expect(dropped.length).toBeGreaterThan(3);
    const before = historyDump(path);
    const ix = await createIndexer({ dbPath: path, programId: pid });
    const r = await ix.store.applyFinality(
      txs.filter((t) => !dropped.includes(t)).map((t) => ({ signature: t.signature, slot: t.slot })),
      dropped.map((t) => ({ signature: t.signature, slot: t.slot })),
    );
    await ix.stop();
    expect(r.rolledBack).toBe(dropped.length);
    const rest = fresh();
    await indexAll(
      rest,
      txs.filter((t) => !dropped.includes(t)).map((t) => toUpdate(t)),
      50,
    );
    const after = historyDump(path);
    expect(after).not.toBe(before);
    expect(after).toBe(historyDump(rest));
  });
  it("Given the same transactions, When indexed into PostgreSQL and some of them rolled back there, Then its history tables equal SQLite's at each step", async () => {
    const lite = fresh();
    await indexAll(
      lite,
      txs.map((t) => toUpdate(t, "confirmed")),
      50,
    );
    const pg = await stores.fresh("postgres");
    await indexAll(
      pg,
      txs.map((t) => toUpdate(t, "confirmed")),
      50,
    );
    const want = await portableHistoryDump(lite);
    expect(want.split("\n").length).toBeGreaterThan(20);
    expect(await portableHistoryDump(pg)).toBe(want);
    const dropped = txs.filter((_t, i) => i > txs.length / 2 && i % 7 === 0);
    for (const location of [lite, pg]) {
      const ix = await createIndexer({ dbPath: location, programId: pid });
      const r = await ix.store.applyFinality(
        [],
        dropped.map((t) => ({ signature: t.signature, slot: t.slot })),
      );
      await ix.stop();
      expect(r.rolledBack).toBe(dropped.length);
    }
    const afterLite = await portableHistoryDump(lite);
    expect(afterLite).not.toBe(want);
    expect(await portableHistoryDump(pg)).toBe(afterLite);
  }, 120_000);
});
