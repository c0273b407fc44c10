/**
 * The processor and store on real recorded program transactions, in a real
 * SQLite file: X1 duplicates, X4 failed transactions, X7 rollback of data that
 * never finalizes, X8 out-of-order delivery, X9 dead letters; rebuild from
 * events alone; u64 boundaries.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIndexer,
  createIndexQueries,
  isIndexerError,
  openReaderDatabase,
  signatureHash,
  u128Text,
  u64Text,
  type TransactionUpdate,
} from "../../indexer/src/index.ts";
import { canonicalDump } from "./support/compare.ts";
import { recordWorkload, toUpdate } from "./support/recorded.ts";
import { rng } from "./support/workload.ts";
import type { RecordedTx } from "./support/chain.ts";
import type { Workload } from "./support/workload.ts";

let dir: string;
let txs: RecordedTx[];
let w: Workload;
let pid: string;
let n = 0;
const fresh = (): string => join(dir, `db-${n++}.db`);

async function indexAll(path: string, updates: readonly TransactionUpdate[], batch = 4_000): Promise<void> {
  const ix = await createIndexer({ dbPath: path, programId: pid, batchSize: batch });
  try {
    for (let i = 0; i < updates.length; i += batch) await ix.ingest(updates.slice(i, i + batch));
  } finally {
    await ix.stop();
  }
}

/** State-only dump: entity tables and history, without counters (which count deliveries). */
const stateDump = (path: string): string =>
  canonicalDump(path)
    .split("\n")
    .filter((l) => !l.includes('"name":"'))
    .join("\n");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gpunet-idx-proc-"));
  const r = await recordWorkload(150, 9);
  txs = r.txs;
  w = r.workload;
  pid = r.chain.programId.toBase58();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("X1 duplicates", () => {
  it("Given every transaction indexed, When the same transactions arrive again (live + backfill), Then one row each and the database is unchanged", async () => {
    const path = fresh();
    await indexAll(
      path,
      txs.map((t) => toUpdate(t, "finalized", "live")),
    );
    const before = stateDump(path);
    // When
    const ix = await createIndexer({ dbPath: path, programId: pid });
    const r = await ix.ingest(txs.map((t) => toUpdate(t, "finalized", "backfill")));
    await ix.stop();
    // Then
    expect(r.inserted).toBe(0);
    expect(r.duplicates).toBe(txs.length);
    expect(stateDump(path)).toBe(before);
    const db = new Database(path, { readonly: true });
    expect((db.prepare("SELECT count(*) AS c FROM txs").get() as { c: number }).c).toBe(txs.length);
    db.close();
  });

  it("Given a transaction delivered twice in one batch, Then it is stored once", async () => {
    const path = fresh();
    const t = txs.find((x) => x.logs.some((l) => l.startsWith("Program data:")))!;
    const ix = await createIndexer({ dbPath: path, programId: pid });
    const r = await ix.ingest([toUpdate(t), toUpdate(t)]);
    await ix.stop();
    expect(r.inserted).toBe(1);
    expect(r.duplicates).toBe(1);
  });
});

describe("signature hash collisions", () => {
  it("Given another signature already holding a transaction's hash, When the transaction is ingested twice, Then it takes the next slot once and is then seen as a duplicate", async () => {
    const path = fresh();
    const t = txs.find((x) => x.logs.some((l) => l.startsWith("Program data:")))!;
    const ix = await createIndexer({ dbPath: path, programId: pid });
    (ix.writer.sqlite as NonNullable<typeof ix.writer.sqlite>)
      .prepare(
        "INSERT INTO txs (sig_hash, signature, slot, tx_index, block_time, finality, truncated, event_count, source, indexed_at) VALUES (?, ?, ?, 0, NULL, 2, 0, 0, 'replay', 0)",
      )
      .run(signatureHash(t.signature), "1".repeat(64), t.slot);
    const first = await ix.ingest([toUpdate(t)]);
    const again = await ix.ingest([toUpdate(t)]);
    await ix.stop();
    expect(first.inserted).toBe(1);
    expect(again.duplicates).toBe(1);
    const db = new Database(path, { readonly: true });
    db.defaultSafeIntegers(true);
    const row = db.prepare("SELECT sig_hash FROM txs WHERE signature = ?").get(t.signature) as { sig_hash: bigint };
    db.close();
    expect(row.sig_hash).toBe(BigInt(signatureHash(t.signature)) + 1n);
  });
});

describe("X8 out-of-order delivery", () => {
  it("Given the same transactions shuffled and split across batches, Then the final state equals in-order indexing", async () => {
    const inOrder = fresh();
    await indexAll(
      inOrder,
      txs.map((t) => toUpdate(t)),
    );
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const shuffled = [...txs]
        .map((t) => ({ t, k: r() }))
        .sort((a, b) => a.k - b.k)
        .map((x) => toUpdate(x.t));
      const path = fresh();
      await indexAll(path, shuffled, 7);
      expect(stateDump(path)).toBe(stateDump(inOrder));
    }
  });

  it("Given newest-first delivery (how a backfill pages), Then the same state", async () => {
    const inOrder = fresh();
    await indexAll(
      inOrder,
      txs.map((t) => toUpdate(t)),
    );
    const path = fresh();
    await indexAll(
      path,
      [...txs].reverse().map((t) => toUpdate(t)),
      13,
    );
    expect(stateDump(path)).toBe(stateDump(inOrder));
  });
});

describe("X4 failed transactions", () => {
  it("Given a landed-but-failed transaction holding event bytes, When ingested, Then no row changes and it is counted", async () => {
    const path = fresh();
    await indexAll(
      path,
      txs.map((t) => toUpdate(t)),
    );
    const before = stateDump(path);
    const p = w.providers[0]!;
    const at = w.chain.recorded.length;
    await w.chain.send([await w.stakeIx(p, 5n), await w.unstakeIx(p, 999_999_999_999n)], [p.kp], { allowFailure: true });
    const failed = w.chain.recorded[at]!;
    expect(failed.logs.some((l) => l.startsWith("Program data:"))).toBe(true);
    // When
    const ix = await createIndexer({ dbPath: path, programId: pid });
    const r = await ix.ingest([toUpdate(failed)]);
    const counters = ix.store.counters();
    await ix.stop();
    // Then
    expect(r.failed).toBe(1);
    expect(stateDump(path)).toBe(before);
    expect(counters.failedTxs).toBe(1n);
  });
});

describe("X9 dead letters", () => {
  it("Given payloads that do not decode inside gpunet's frame, When ingested, Then dead-letter rows and a counter, and the rest is indexed", async () => {
    const path = fresh();
    const t = txs.find((x) => x.logs.some((l) => l.startsWith("Program data:")))!;
    const logs = [...t.logs];
    const at = logs.findIndex((l) => l.startsWith("Program data:"));
    logs.splice(at, 0, "Program data: ###", `Program data: ${Buffer.alloc(12, 1).toString("base64")}`);
    const ix = await createIndexer({ dbPath: path, programId: pid });
    const r = await ix.ingest([{ ...toUpdate(t), logs }, ...txs.filter((x) => x !== t).map((x) => toUpdate(x))]);
    await ix.stop();
    expect(r.deadLetters).toBe(2);
    const reader = openReaderDatabase(path);
    const q = createIndexQueries(reader.db);
    const dl = await q.deadLetters();
    expect(dl.map((d) => d.reason).sort()).toEqual(["badBase64", "unknownDiscriminator"]);
    expect((await q.counters()).deadLetters).toBe(2n);
    expect((await q.counters()).txs).toBe(BigInt(txs.length));
    await reader.close();
  });
});

describe("X7 data that never finalizes", () => {
  it("Given confirmed transactions on top of finalized ones, When some are reported dropped, Then they are rolled back, the state equals never having seen them, and finality shows in rows", async () => {
    const cut = Math.floor(txs.length * 0.7);
    const finalPart = txs.slice(0, cut).map((t) => toUpdate(t, "finalized"));
    const dropped = txs.slice(cut).filter((_t, i) => i % 3 === 0);
    const kept = txs.slice(cut).filter((_t, i) => i % 3 !== 0);
    // Reference: only what survives, kept at confirmed.
    const ref = fresh();
    await indexAll(ref, [...finalPart, ...kept.map((t) => toUpdate(t, "confirmed"))]);
    // Given
    const path = fresh();
    const ix = await createIndexer({ dbPath: path, programId: pid });
    await ix.ingest(finalPart);
    await ix.ingest(txs.slice(cut).map((t) => toUpdate(t, "confirmed")));
    const reader = openReaderDatabase(path);
    const q = createIndexQueries(reader.db);
    const someConfirmed = (await q.providersByStake()).some((p) => p.finality === "confirmed");
    expect(someConfirmed).toBe(true);
    // When
    const r = await ix.store.applyFinality(
      [],
      dropped.map((t) => t.signature),
    );
    await ix.stop();
    // Then
    expect(r.rolledBack).toBe(dropped.length);
    expect(stateDump(path).replace(/"name":.*$/gm, "")).toBe(stateDump(ref).replace(/"name":.*$/gm, ""));
    await reader.close();
  });

  it("Given confirmed rows, When they finalize, Then txs and entity rows say finalized", async () => {
    const path = fresh();
    const ix = await createIndexer({ dbPath: path, programId: pid });
    await ix.ingest(txs.map((t) => toUpdate(t, "confirmed")));
    await ix.store.applyFinality(
      txs.map((t) => t.signature),
      [],
    );
    await ix.stop();
    const reader = openReaderDatabase(path);
    const q = createIndexQueries(reader.db);
    expect((await q.providersByStake()).every((p) => p.finality === "finalized")).toBe(true);
    expect((await q.jobs({ limit: 1000 })).every((j) => j.finality === "finalized")).toBe(true);
    await reader.close();
  });
});

describe("rebuild from events alone", () => {
  it("Given an indexed database, When the state tables are rebuilt from the events table, Then nothing changes", async () => {
    const path = fresh();
    await indexAll(
      path,
      txs.map((t) => toUpdate(t)),
    );
    const before = stateDump(path);
    const ix = await createIndexer({ dbPath: path, programId: pid });
    await ix.store.rebuildAll();
    await ix.stop();
    expect(stateDump(path)).toBe(before);
  });
});

describe("u64 storage", () => {
  it("Given 0, 1, 2^53+1, 2^64-1 and 2^64, Then fixed-width text that sorts, and a typed error past the maximum", () => {
    expect(u64Text(0n)).toBe("00000000000000000000");
    expect(u64Text(1n)).toBe("00000000000000000001");
    expect(u64Text(2n ** 53n + 1n)).toBe("00009007199254740993");
    expect(u64Text(2n ** 64n - 1n)).toBe("18446744073709551615");
    expect([u64Text(10n), u64Text(9n), u64Text(2n ** 64n - 1n)].sort()).toEqual([u64Text(9n), u64Text(10n), u64Text(2n ** 64n - 1n)]);
    expect(() => u64Text(2n ** 64n)).toThrow();
    try {
      u64Text(-1n);
    } catch (e) {
      expect(isIndexerError(e, "ValueOutOfRange")).toBe(true);
    }
    expect(u128Text(2n ** 128n - 1n)).toHaveLength(39);
  });
});

describe("accountability columns", () => {
  it("Given the recorded workload indexed, Then each ended job has the end reason its event gave, each slash its reason by name, the swept escrow tokens a row, and the paused time is known", async () => {
    // Given every transaction of the scenario (every path: completed, cancelled, resolved, expired accepted and unaccepted, a donation swept at close, a 30 s pause)
    const path = fresh();
    await indexAll(
      path,
      txs.map((t) => toUpdate(t)),
    );
    const db = new Database(path, { readonly: true });
    db.defaultSafeIntegers(true);
    try {
      // Then
      const reasons = (db.prepare("SELECT DISTINCT end_reason AS r FROM jobs WHERE end_reason IS NOT NULL").all() as { r: string }[]).map((x) => x.r).sort();
      expect(reasons).toEqual(expect.arrayContaining(["cancelled", "completedByBuyer", "disputeResolved", "expiredUnaccepted", "expiredUndelivered"]));
      const live = db.prepare("SELECT count(*) AS c FROM jobs WHERE state < 4 AND end_reason IS NOT NULL").get() as { c: bigint };
      expect(live.c).toBe(0n);
      const unaccepted = db.prepare("SELECT provider, fee_bps, challenge_window FROM jobs WHERE end_reason = 'expiredUnaccepted'").all() as {
        provider: bigint | null;
        fee_bps: bigint;
        challenge_window: bigint;
      }[];
      expect(unaccepted.length).toBeGreaterThan(0);
      for (const j of unaccepted) expect(j).toEqual({ provider: null, fee_bps: 400n, challenge_window: 100n }); // the fee set by update_config before the job
      const slash = db.prepare("SELECT reason, reason_name, length(evidence_hash) AS n FROM slashes ORDER BY tx_id LIMIT 1").get() as {
        reason: bigint;
        reason_name: string;
        n: bigint;
      };
      expect(slash).toEqual({ reason: 1n, reason_name: "failedJob", n: 32n });
      const swept = db.prepare("SELECT amount FROM escrow WHERE kind = 'swept'").all() as { amount: string }[];
      expect(swept.map((x) => x.amount)).toEqual([u64Text(7n)]);
      const cfg = db.prepare("SELECT paused, paused_total, reward_period FROM config").get() as { paused: bigint; paused_total: bigint; reward_period: bigint };
      expect(cfg).toEqual({ paused: 0n, paused_total: 30n, reward_period: 0n });
    } finally {
      db.close();
    }
  });
});
