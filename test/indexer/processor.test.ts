/**
 * The processor and store on real recorded program transactions, in a real
 * SQLite file and a real PostgreSQL database: X1 duplicates, X4 failed transactions, X7 rollback of data that
 * never finalizes, X8 out-of-order delivery, X9 dead letters; rebuild from
 * events alone; u64 boundaries.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  createIndexer,
  createIndexQueries,
  isIndexerError,
  openReadStore,
  signatureHash,
  u128Text,
  u64Text,
  type TransactionUpdate,
} from "../../indexer/src/index.ts";
import { canonicalDump } from "./support/compare.ts";
import { rows, STORES, useStores } from "./support/stores.ts";
import { recordWorkload, toUpdate } from "./support/recorded.ts";
import { rng } from "./support/workload.ts";
import type { RecordedTx } from "./support/chain.ts";
import type { Workload } from "./support/workload.ts";
import { JOB_STATE } from "../../sdk/src/generated/index.ts";

let txs: RecordedTx[];
let w: Workload;
let pid: string;
const stores = useStores();

async function indexAll(path: string, updates: readonly TransactionUpdate[], batch = 4_000): Promise<void> {
  const ix = await createIndexer({ dbPath: path, programId: pid, batchSize: batch });
  try {
    for (let i = 0; i < updates.length; i += batch) await ix.ingest(updates.slice(i, i + batch));
  } finally {
    await ix.stop();
  }
}

/** State-only dump: entity tables and history, without counters (which count deliveries). */
const stateDump = async (path: string): Promise<string> =>
  (await canonicalDump(path))
    .split("\n")
    .filter((l) => !l.includes('"name":"'))
    .join("\n");

beforeAll(async () => {
  const r = await recordWorkload(150, 9);
  txs = r.txs;
  w = r.workload;
  pid = r.chain.programId.toBase58();
});

describe.each(STORES)("%s store", (kind) => {
  const fresh = (): Promise<string> => stores.fresh(kind);

  describe("X1 duplicates", () => {
    it("Given every transaction indexed, When the same transactions arrive again (live + backfill), Then one row each and the database is unchanged", async () => {
      const path = await fresh();
      await indexAll(
        path,
        txs.map((t) => toUpdate(t, "finalized", "live")),
      );
      const before = await stateDump(path);
      // When
      const ix = await createIndexer({ dbPath: path, programId: pid });
      const r = await ix.ingest(txs.map((t) => toUpdate(t, "finalized", "backfill")));
      await ix.stop();
      // Then
      expect(r.inserted).toBe(0);
      expect(r.duplicates).toBe(txs.length);
      expect(await stateDump(path)).toBe(before);
      expect((await rows<{ c: bigint }>(path, "SELECT count(*) AS c FROM txs"))[0]?.c).toBe(BigInt(txs.length));
    });

    it("Given a transaction delivered twice in one batch, Then it is stored once", async () => {
      const path = await fresh();
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
      const path = await fresh();
      const t = txs.find((x) => x.logs.some((l) => l.startsWith("Program data:")))!;
      // The colliding row is there before the indexer opens the database (it is the only writer while open).
      const setup = await createIndexer({ dbPath: path, programId: pid });
      await setup.writer.db
        .insertInto("txs")
        .values({
          id: 1_000_000n,
          sig_hash: BigInt(signatureHash(t.signature)),
          signature: "1".repeat(64),
          slot: t.slot,
          tx_index: 0n,
          block_time: null,
          finality: 2n,
          truncated: 0n,
          event_count: 0n,
          source: "replay",
          indexed_at: 0n,
        })
        .execute();
      await setup.stop();
      const ix = await createIndexer({ dbPath: path, programId: pid });
      const first = await ix.ingest([toUpdate(t)]);
      const again = await ix.ingest([toUpdate(t)]);
      await ix.stop();
      expect(first.inserted).toBe(1);
      expect(again.duplicates).toBe(1);
      const [row] = await rows<{ sig_hash: bigint }>(path, `SELECT sig_hash FROM txs WHERE signature = '${t.signature}'`);
      expect(row?.sig_hash).toBe(BigInt(signatureHash(t.signature)) + 1n);
    });
  });

  describe("X8 out-of-order delivery", () => {
    it("Given the same transactions shuffled and split across batches, Then the final state equals in-order indexing", async () => {
      const inOrder = await fresh();
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
        const path = await fresh();
        await indexAll(path, shuffled, 7);
        expect(await stateDump(path)).toBe(await stateDump(inOrder));
      }
    });

    it("Given newest-first delivery (how a backfill pages), Then the same state", async () => {
      const inOrder = await fresh();
      await indexAll(
        inOrder,
        txs.map((t) => toUpdate(t)),
      );
      const path = await fresh();
      await indexAll(
        path,
        [...txs].reverse().map((t) => toUpdate(t)),
        13,
      );
      expect(await stateDump(path)).toBe(await stateDump(inOrder));
    });
  });

  describe("X4 failed transactions", () => {
    it("Given a landed-but-failed transaction holding event bytes, When ingested, Then no row changes and it is counted", async () => {
      const path = await fresh();
      await indexAll(
        path,
        txs.map((t) => toUpdate(t)),
      );
      const before = await stateDump(path);
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
      expect(await stateDump(path)).toBe(before);
      expect(counters.failedTxs).toBe(1n);
    });
  });

  describe("X9 dead letters", () => {
    it("Given payloads that do not decode inside gpunet's frame, When ingested, Then dead-letter rows and a counter, and the rest is indexed", async () => {
      const path = await fresh();
      const t = txs.find((x) => x.logs.some((l) => l.startsWith("Program data:")))!;
      const logs = [...t.logs];
      const at = logs.findIndex((l) => l.startsWith("Program data:"));
      logs.splice(at, 0, "Program data: ###", `Program data: ${Buffer.alloc(12, 1).toString("base64")}`);
      const ix = await createIndexer({ dbPath: path, programId: pid });
      const r = await ix.ingest([{ ...toUpdate(t), logs }, ...txs.filter((x) => x !== t).map((x) => toUpdate(x))]);
      await ix.stop();
      expect(r.deadLetters).toBe(2);
      const reader = await openReadStore(path);
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
      const ref = await fresh();
      await indexAll(ref, [...finalPart, ...kept.map((t) => toUpdate(t, "confirmed"))]);
      // Given
      const path = await fresh();
      const ix = await createIndexer({ dbPath: path, programId: pid });
      await ix.ingest(finalPart);
      await ix.ingest(txs.slice(cut).map((t) => toUpdate(t, "confirmed")));
      const reader = await openReadStore(path);
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
      expect((await stateDump(path)).replace(/"name":.*$/gm, "")).toBe((await stateDump(ref)).replace(/"name":.*$/gm, ""));
      await reader.close();
    });

    it("Given confirmed rows, When they finalize, Then txs and entity rows say finalized", async () => {
      const path = await fresh();
      const ix = await createIndexer({ dbPath: path, programId: pid });
      await ix.ingest(txs.map((t) => toUpdate(t, "confirmed")));
      await ix.store.applyFinality(
        txs.map((t) => t.signature),
        [],
      );
      await ix.stop();
      const reader = await openReadStore(path);
      const q = createIndexQueries(reader.db);
      expect((await q.providersByStake()).every((p) => p.finality === "finalized")).toBe(true);
      expect((await q.jobs({ limit: 1000 })).every((j) => j.finality === "finalized")).toBe(true);
      await reader.close();
    });
  });

  describe("rebuild from events alone", () => {
    it("Given an indexed database, When the state tables are rebuilt from the events table, Then nothing changes", async () => {
      const path = await fresh();
      await indexAll(
        path,
        txs.map((t) => toUpdate(t)),
      );
      const before = await stateDump(path);
      const ix = await createIndexer({ dbPath: path, programId: pid });
      await ix.store.rebuildAll();
      await ix.stop();
      expect(await stateDump(path)).toBe(before);
    });
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

describe.each(STORES)("%s store: accountability columns", (kind) => {
  it("Given the recorded workload indexed, Then each ended job has the end reason its event gave, each slash its reason by name, the swept escrow tokens a row, and the paused time is known", async () => {
    // Given every transaction of the scenario (every path: completed, cancelled, resolved, expired accepted and unaccepted, a donation swept at close, a 30 s pause)
    const path = await stores.fresh(kind);
    await indexAll(
      path,
      txs.map((t) => toUpdate(t)),
    );
    // Then
    const reasons = (await rows<{ r: string }>(path, "SELECT DISTINCT end_reason AS r FROM jobs WHERE end_reason IS NOT NULL")).map((x) => x.r).sort();
    expect(reasons).toEqual(expect.arrayContaining(["cancelled", "completedByBuyer", "disputeResolved", "expiredUnaccepted", "expiredUndelivered"]));
    const [live] = await rows<{ c: bigint }>(path, `SELECT count(*) AS c FROM jobs WHERE state < ${JOB_STATE.completed} AND end_reason IS NOT NULL`);
    expect(live?.c).toBe(0n);
    const unaccepted = await rows<{ provider: bigint | null; fee_bps: bigint; challenge_window: bigint }>(
      path,
      "SELECT provider, fee_bps, challenge_window FROM jobs WHERE end_reason = 'expiredUnaccepted'",
    );
    expect(unaccepted.length).toBeGreaterThan(0);
    for (const j of unaccepted) expect(j).toEqual({ provider: null, fee_bps: 400n, challenge_window: 100n }); // the fee set by update_config before the job
    const [slash] = await rows(path, "SELECT reason, reason_name, octet_length(evidence_hash) AS n FROM slashes ORDER BY tx_id LIMIT 1");
    expect(slash).toEqual({ reason: 1n, reason_name: "failedJob", n: 32n });
    const swept = await rows<{ amount: string }>(path, "SELECT amount FROM escrow WHERE kind = 'swept'");
    expect(swept.map((x) => BigInt(x.amount))).toEqual([7n]);
    const [cfg] = await rows(path, "SELECT paused, paused_total, reward_period FROM config");
    expect(cfg).toEqual({ paused: 0n, paused_total: 30n, reward_period: 0n });
  });
});

describe("both stores", () => {
  it("Given the same transactions shuffled into SQLite and into PostgreSQL, Then both hold the same rows, amounts and counters", async () => {
    // Given
    const a = await stores.fresh("sqlite");
    const b = await stores.fresh("postgres");
    const r = rng(5);
    const shuffled = [...txs]
      .map((t) => ({ t, k: r() }))
      .sort((x, y) => x.k - y.k)
      .map((x) => toUpdate(x.t, "confirmed"));
    // When
    await indexAll(a, shuffled, 11);
    await indexAll(b, shuffled, 11);
    // Then
    const dump = await canonicalDump(a);
    expect(dump.split("\n").length).toBeGreaterThan(txs.length);
    expect(await canonicalDump(b)).toBe(dump);
  });
});
