/**
 * The pipeline: datasources -> decoder -> processor -> SQLite, one writer loop.
 *
 * Every source pushes into one queue; the loop drains it in batches of whole
 * pushes (up to `batchSize` updates), prepares them (decode; fetch what the
 * source left out: missing logs, truncated-log account snapshots, block
 * positions), then commits each batch in one immediate transaction together
 * with its checkpoint or gap cursor. Side tasks (finality sweep, gap
 * bookkeeping) run through the same queue, so writes never interleave.
 *
 * Errors: transport errors while preparing are retried here with backoff (the
 * only place that decides to retry); anything else fails the pushes of that
 * batch, and the sources carry on.
 */
import { statSync } from "node:fs";
import { openWriteStore, type WriteStore } from "./store/open.ts";
import { backoffDelayMs, resolveRetryPolicy } from "@gpunet/sdk";
import { resumeSlotOf, type Datasource, type DatasourceContext } from "./datasources/datasource.ts";
import { fetchTransactions, listSignatures, rpcTransactionToUpdate, type SignatureInfo } from "./datasources/backfill.ts";
import { resolveIndexerConfig, type IndexerConfig, type ResolvedIndexerConfig } from "./config.ts";
import { decodeUpdate, type DecodedTransaction } from "./decoder.ts";
import { recordStakeMint } from "./api/mint.ts";
import { IndexerError, isIndexerError } from "./errors.ts";
import {
  createIndexStore,
  type AccountSnapshotInput,
  type BatchResult,
  type CheckpointUpdate,
  type GapCursorUpdate,
  type IndexStore,
  type PreparedTransaction,
  type TxRef,
} from "./processors/store.ts";
import { createBackfillProgress, createProgressRenderer, updateRate, type BackfillProgress } from "./progress.ts";
import { createRpcClient, sleep, type RpcClient, type RpcTransaction } from "./rpc.ts";

/** Backoff between failed backfill runs: 1 s doubling to a minute, full jitter. */
const BACKFILL_RESUME_POLICY = resolveRetryPolicy({ baseDelayMs: 1_000, maxDelayMs: 60_000 });
import { startApiServer, type ApiServer } from "./server.ts";
import type { TransactionUpdate } from "./types.ts";

/** Options of one {@link Indexer.ingest} call. */
export interface IngestOptions {
  /** Cursor to advance in the same transaction as these rows. */
  readonly checkpoint?: CheckpointUpdate;
  /** Gap resume point to advance in the same transaction. */
  readonly gapCursor?: GapCursorUpdate;
}

/** Live numbers of a running indexer (also `GET /stats`). */
export interface IndexerStats {
  /** Persisted counters: events, txs, duplicates, failedTxs, deadLetters, truncated, rolledBack, reconnects. */
  readonly counters: Readonly<Record<string, bigint>>;
  readonly eventsPerSecond: number;
  readonly headSlot: bigint;
  readonly indexedSlot: bigint | null;
  /** Slots between the chain head and the point through which the index is complete. */
  readonly lagSlots: bigint;
  readonly reconnects: number;
  /** The live datasources (recovery `backfill` or `replay`) together: connected when every one is; counts summed. */
  readonly live: { readonly enabled: boolean; readonly connected: boolean; readonly notifications: number; readonly watchdogFires: number };
  readonly queueDepth: number;
  readonly gapsOpen: number;
  readonly backfill: Readonly<BackfillProgress>;
  /** Finality sweeps run since start, and what they did to rows. */
  readonly finality: { readonly sweeps: number; readonly finalized: number; readonly rolledBack: number; readonly moved: number };
  /** Why the indexer stopped writing (the database file was deleted or replaced), null while healthy. */
  readonly databaseError: string | null;
}

/** A running (or startable) indexer. */
export interface Indexer {
  readonly config: ResolvedIndexerConfig;
  /** The writer's connection (SQLite file or PostgreSQL session). */
  readonly writer: WriteStore;
  readonly store: IndexStore;
  /** Starts the configured sources, finality sweeps and servers; returns once they run. */
  start(): Promise<void>;
  /** Stops everything, waits for the queue, closes the database. */
  stop(): Promise<void>;
  /** Pushes updates; resolves when they are committed (backpressure for sources). */
  ingest(updates: readonly TransactionUpdate[], opts?: IngestOptions): Promise<BatchResult>;
  /** Fills every open gap now (resolves when none is left). Needs an RPC. */
  backfillNow(): Promise<void>;
  /**
   * One finality pass over the rows at or below the finalized slot: finalize
   * what finalized at the row's slot, move a row whose transaction the cluster
   * now has at another slot (re-fetched and replaced), roll back what never
   * landed.
   */
  sweepFinality(): Promise<{ finalized: number; rolledBack: number; moved: number }>;
  /** Resolves when the queue is empty. */
  idle(): Promise<void>;
  stats(): IndexerStats;
  /** Ports of the servers it started: the API's, and each listening datasource's by its name (`webhook`). */
  readonly ports: { api?: number; webhook?: number; readonly [name: string]: number | undefined };
}

type Op =
  | {
      readonly kind: "ingest";
      readonly updates: readonly TransactionUpdate[];
      readonly opts: IngestOptions;
      resolve(r: BatchResult): void;
      reject(e: unknown): void;
    }
  | { readonly kind: "task"; run(): unknown; resolve(r: unknown): void; reject(e: unknown): void };

const BLOCK_CACHE = 512;

/**
 * Opens the database (as its single writer) and wires the indexer: its
 * datasources push into one queue, the writer commits batches, the RPC (when
 * given) fills gaps and sweeps finality. It knows datasources only through
 * the {@link Datasource} interface.
 *
 * @throws {IndexerError} `WriterLocked` when another indexer writes this file;
 *   `InvalidComposition` for datasources that do not compose (two of one name,
 *   none and no rpc).
 * @example
 * ```ts
 * import { createIndexer, logsSubscribe } from "@gpunet/indexer";
 * const indexer = await createIndexer({
 *   store: "index.db",
 *   rpc: "http://127.0.0.1:8899",
 *   datasources: [logsSubscribe({ wsUrl: "ws://127.0.0.1:8900" })],
 * });
 * await indexer.start();
 * // ... later
 * await indexer.stop();
 * ```
 * The flat form describes the same indexer:
 * ```ts
 * const indexer = await createIndexer({ dbPath: "index.db", rpcUrl: "http://127.0.0.1:8899", wsUrl: "ws://127.0.0.1:8900" });
 * ```
 */
export async function createIndexer(config: IndexerConfig): Promise<Indexer> {
  const cfg = resolveIndexerConfig(config);
  const writer = cfg.store ?? (await openWriteStore(cfg.dbPath));
  let store: IndexStore;
  try {
    store = await createIndexStore(await writer.backend(), { programId: cfg.programId });
  } catch (e) {
    await writer.close();
    throw e;
  }
  const isFile = writer.dialect === "sqlite";
  // The file this writer holds open: if the path stops naming it (deleted, or replaced
  // by another file), every later commit would go to an unlinked inode and vanish at
  // close. Checked before each write and by /health; once gone, nothing more is written.
  const opened = isFile ? statSync(cfg.dbPath) : null;
  let dbGone: IndexerError | null = null;
  const checkDatabase = (): IndexerError | null => {
    if (dbGone) return dbGone;
    if (!opened) {
      // PostgreSQL: the writer's session (and with it the writer lock) is gone.
      const lost = writer.lost();
      if (lost === null) return null;
      dbGone = new IndexerError("DatabaseGone", `${lost} while the indexer ran; it stopped writing (restart it to go on)`, { path: writer.location });
      cfg.log(dbGone.message);
      abort.abort();
      return dbGone;
    }
    let why: string | null = null;
    try {
      const now = statSync(cfg.dbPath);
      if (now.ino !== opened.ino || now.dev !== opened.dev) why = "was replaced by another file";
    } catch (e) {
      why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "was deleted" : `cannot be checked (${String(e)})`;
    }
    if (why === null) return null;
    dbGone = new IndexerError(
      "DatabaseGone",
      `the database file ${cfg.dbPath} ${why} while the indexer ran; it stopped writing (restart it to rebuild the index)`,
      { path: cfg.dbPath },
    );
    cfg.log(dbGone.message);
    // Sources stop feeding; queued and future writes are refused.
    abort.abort();
    return dbGone;
  };
  const health = (): { ok: boolean; error?: string } => {
    const e = checkDatabase();
    return e ? { ok: false, error: e.message } : { ok: true };
  };
  const rpc: RpcClient | undefined = cfg.rpc ?? (cfg.rpcUrl ? createRpcClient({ url: cfg.rpcUrl }) : undefined);
  const abort = new AbortController();
  const queue: Op[] = [];
  let looping = false;
  let idleWaiters: (() => void)[] = [];
  let pendingCounters: Record<string, number> = {};
  let reconnects = 0;
  let headSlot = 0n;
  const progress = createBackfillProgress();
  const renderer = createProgressRenderer();
  const rateSamples: { t: number; events: number }[] = [];
  const sources = cfg.datasources;
  const liveSources = sources.filter((d) => d.recovery !== "none");
  let api: ApiServer | null = null;
  let finalityTimer: NodeJS.Timeout | null = null;
  let backfillWake: (() => void) | null = null;
  const background: Promise<unknown>[] = [];
  const ports: { api?: number; webhook?: number; [name: string]: number | undefined } = {};
  let stopped = false;

  // ---------- preparing a batch (async I/O happens here, never inside the SQLite transaction)
  type BlockInfo = { readonly positions: Map<string, number>; readonly blockTime: bigint | null };
  const blockCache = new Map<bigint, Promise<BlockInfo | null>>();
  const arrival = new Map<bigint, number>();

  const fetchBlock = (slot: bigint): Promise<BlockInfo | null> => {
    const p = (rpc as RpcClient)
      .call<{ signatures?: string[]; blockTime?: number | null }>(
        "getBlock",
        [Number(slot), { transactionDetails: "signatures", commitment: "confirmed", maxSupportedTransactionVersion: 0, rewards: false }],
        abort.signal,
      )
      .then((blk) => ({
        positions: new Map((blk.signatures ?? []).map((s, i) => [s, i] as const)),
        blockTime: typeof blk.blockTime === "number" ? BigInt(blk.blockTime) : null,
      }))
      .catch((e: unknown) => {
        if (isIndexerError(e, "RpcError")) return null; // skipped / not yet available: fall back to arrival order
        blockCache.delete(slot);
        throw e;
      });
    blockCache.set(slot, p);
    if (blockCache.size > BLOCK_CACHE) blockCache.delete(blockCache.keys().next().value as bigint);
    return p;
  };

  /**
   * The block of `slot` as it holds `signature`. A cached block that lacks the
   * signature is from before a fork switch or a node restart (a confirmed block
   * never gains transactions): it is fetched again once.
   */
  const blockOf = async (slot: bigint, signature: string): Promise<BlockInfo | null> => {
    const cached = blockCache.get(slot);
    if (cached) {
      const b = await cached;
      if (b && b.positions.has(signature)) return b;
    }
    return fetchBlock(slot);
  };

  const arrivalIndex = (slot: bigint): number => {
    const i = arrival.get(slot) ?? 0;
    arrival.set(slot, i + 1);
    if (arrival.size > BLOCK_CACHE) arrival.delete(arrival.keys().next().value as bigint);
    return i;
  };

  const fetchTx = async (signature: string): Promise<RpcTransaction | null> =>
    (rpc as RpcClient).call<RpcTransaction | null>(
      "getTransaction",
      [signature, { encoding: "json", commitment: "confirmed", maxSupportedTransactionVersion: 0 }],
      abort.signal,
    );

  const snapshotsFor = async (u: TransactionUpdate): Promise<AccountSnapshotInput[]> => {
    let keys = u.accountKeys;
    if (!keys) {
      const tx = await fetchTx(u.signature);
      keys = tx ? rpcTransactionToUpdate(tx, u.finality, u.source).accountKeys : undefined;
    }
    if (!keys) return [];
    const out: AccountSnapshotInput[] = [];
    for (let i = 0; i < keys.length; i += 100) {
      const chunk = keys.slice(i, i + 100);
      const res = await (rpc as RpcClient).call<{ value: ({ owner: string; data: [string, string] } | null)[] }>(
        "getMultipleAccounts",
        [chunk, { encoding: "base64", commitment: "confirmed" }],
        abort.signal,
      );
      res.value.forEach((acc, k) => {
        if (acc && acc.owner === cfg.programId) out.push({ address: chunk[k] as string, data: new Uint8Array(Buffer.from(acc.data[0], "base64")) });
      });
    }
    return out;
  };

  const prepare = async (updates: readonly TransactionUpdate[]): Promise<PreparedTransaction[]> => {
    const out: PreparedTransaction[] = [];
    for (const u0 of updates) {
      let u = u0;
      let decoded: DecodedTransaction | undefined;
      if (u.logs === null && rpc) {
        const tx = await fetchTx(u.signature);
        if (tx) u = { ...rpcTransactionToUpdate(tx, u.finality, u.source), txIndex: u.txIndex };
      }
      let snapshots: AccountSnapshotInput[] | undefined;
      // Truncation is rare: decode early only then, to know it is ours.
      if (rpc && u.logs?.some((l) => l.startsWith("Log truncated"))) {
        decoded = decodeUpdate(u, cfg.programId);
        if (decoded.truncated && decoded.status === "ok") snapshots = await snapshotsFor(u);
      }
      let txIndex = u.txIndex;
      if ((txIndex === null || u.blockTime === null) && rpc && cfg.resolveTxIndex && u.finality !== "processed" && (u.err === null || u.err === undefined)) {
        // Live notifications carry neither the position nor the block time: the block has both.
        const block = await blockOf(u.slot, u.signature);
        if (block && block.positions.has(u.signature)) {
          txIndex ??= block.positions.get(u.signature) as number;
          // The block's time is the one every transaction of the block shares.
          if (block.blockTime !== null && block.blockTime !== u.blockTime) u = { ...u, blockTime: block.blockTime };
        }
      }
      out.push({ update: u, txIndex: txIndex ?? arrivalIndex(u.slot), ...(decoded ? { decoded } : {}), ...(snapshots ? { snapshots } : {}) });
    }
    return out;
  };

  // ---------- the writer loop
  const kick = (): void => {
    if (looping) return;
    looping = true;
    void loop().finally(() => {
      looping = false;
      if (queue.length > 0) kick();
      else {
        const w = idleWaiters;
        idleWaiters = [];
        for (const f of w) f();
      }
    });
  };

  const loop = async (): Promise<void> => {
    while (queue.length > 0) {
      const head = queue[0] as Op;
      if (head.kind === "task") {
        queue.shift();
        const gone = checkDatabase();
        if (gone) {
          head.reject(gone);
          continue;
        }
        try {
          head.resolve(await head.run());
        } catch (e) {
          head.reject(e);
        }
        continue;
      }
      const ops: Extract<Op, { kind: "ingest" }>[] = [];
      let count = 0;
      while (queue.length > 0) {
        const next = queue[0] as Op;
        if (next.kind !== "ingest") break;
        if (ops.length > 0 && count + next.updates.length > cfg.batchSize) break;
        queue.shift();
        ops.push(next);
        count += next.updates.length;
      }
      const all = ops.flatMap((o) => o.updates);
      let result: BatchResult | null = null;
      let failure: unknown = null;
      // The RPC client is the one loop that retries an RPC call; its final error is
      // final here (a failed live batch reopens a gap for the backfill below).
      try {
        const lost = checkDatabase();
        if (lost) throw lost;
        const prepared = await prepare(all);
        const gone = checkDatabase();
        if (gone) throw gone;
        const counters = pendingCounters;
        pendingCounters = {};
        result = await store.applyBatch({
          txs: prepared,
          checkpoints: ops.flatMap((o) => (o.opts.checkpoint ? [o.opts.checkpoint] : [])),
          gapCursors: ops.flatMap((o) => (o.opts.gapCursor ? [o.opts.gapCursor] : [])),
          counters,
        });
      } catch (e) {
        failure = e;
      }
      if (result) {
        boundWal();
        rateSamples.push({ t: Date.now(), events: result.events });
        while (rateSamples.length > 0 && Date.now() - (rateSamples[0] as { t: number }).t > 10_000) rateSamples.shift();
        for (const o of ops) o.resolve(result);
      } else {
        cfg.log(`batch failed: ${String(failure)}`);
        for (const o of ops) o.reject(failure);
        // Live updates have no other way back: let the backfill fetch them again from
        // the last committed checkpoint (later live commits must not hide the hole).
        if (!dbGone && !abort.signal.aborted && rpc && cfg.backfill && ops.some((o) => o.opts.checkpoint?.name === "live")) {
          void openGap("batch-failed", bestCheckpoint()?.signature ?? null);
        }
      }
    }
  };

  // X12: readers can keep the WAL from being reset by the automatic (PASSIVE)
  // checkpoints; past the limit, a TRUNCATE checkpoint waits (busy_timeout) for
  // readers to move on and shrinks the file. It reports busy instead of failing.
  let walChecks = 0;
  const boundWal = (): void => {
    if (!writer.sqlite || ++walChecks % 8 !== 0) return;
    let size = 0;
    try {
      size = statSync(`${cfg.dbPath}-wal`).size;
    } catch {
      return;
    }
    if (size > cfg.walLimitBytes) writer.sqlite.pragma("wal_checkpoint(TRUNCATE)");
  };

  const ingest = (updates: readonly TransactionUpdate[], opts: IngestOptions = {}): Promise<BatchResult> =>
    new Promise((resolve, reject) => {
      queue.push({ kind: "ingest", updates, opts, resolve, reject });
      kick();
    });

  const task = <T>(run: () => T | Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ kind: "task", run, resolve: resolve as (r: unknown) => void, reject });
      kick();
    });

  const idle = (): Promise<void> => (queue.length === 0 && !looping ? Promise.resolve() : new Promise((r) => idleWaiters.push(r)));

  // ---------- checkpoints and gaps
  const bestCheckpoint = (): CheckpointUpdate | null => {
    const a = store.checkpoint("live");
    const b = store.checkpoint("backfill");
    if (!a) return b;
    if (!b) return a;
    return a.slot >= b.slot ? a : b;
  };

  /** Records a range to backfill, down to `until` (default: the best checkpoint when the task runs). */
  const openGap = (reason: string, fixedUntil?: string | null): Promise<number> =>
    task(async () => {
      const until = fixedUntil !== undefined ? fixedUntil : (bestCheckpoint()?.signature ?? null);
      const same = store.gaps().find((g) => g.until === until && g.before === null);
      const id = same ? same.id : await store.openGap(until, reason);
      backfillWake?.();
      return id;
    });

  // ---------- backfill
  let backfillRunning: Promise<void> | null = null;
  const fillGaps = async (): Promise<void> => {
    if (!rpc) throw new IndexerError("InvalidConfig", "backfill needs rpcUrl");
    for (;;) {
      if (abort.signal.aborted) return;
      const gap = store.gaps()[0];
      if (!gap) break;
      progress.active = true;
      progress.startedAt = progress.startedAt || Date.now();
      const sigs = await listSignatures(rpc, cfg.programId, { before: gap.before, until: gap.until, pageSize: cfg.backfillPageSize, signal: abort.signal });
      const known = await store.knownSignatures(sigs.filter((s) => s.err === null).map((s) => ({ signature: s.signature, slot: BigInt(s.slot) })));
      const todo = sigs.filter((s) => s.err === null && !known.has(s.signature));
      progress.total += todo.length;
      const chunk = Math.max(1, Math.min(cfg.batchSize, 500));
      let pending: Promise<BatchResult> | null = null;
      for (let i = 0; i < todo.length; i += chunk) {
        const part = todo.slice(i, i + chunk);
        const txs = await fetchTransactions(rpc, part, cfg.backfillConcurrency, abort.signal, cfg.programId);
        const updates = txs.filter((t): t is TransactionUpdate => t !== null);
        if (pending) await pending;
        const last = part[part.length - 1] as SignatureInfo;
        pending = ingest(updates, { gapCursor: { gapId: gap.id, before: last.signature } }).then((r) => {
          progress.done += part.length;
          updateRate(progress);
          if (cfg.progress) renderer.draw(progress);
          return r;
        });
      }
      if (pending) await pending;
      const newest = sigs[0];
      await task(async () => {
        if (newest) await store.applyBatch({ txs: [], checkpoints: [{ name: "backfill", slot: BigInt(newest.slot), signature: newest.signature }] });
        await store.closeGap(gap.id);
      });
    }
    if (progress.active) {
      updateRate(progress);
      if (cfg.progress) renderer.draw(progress, true);
      progress.active = false;
    }
  };

  const backfillNow = (): Promise<void> => {
    if (!backfillRunning)
      backfillRunning = fillGaps().finally(() => {
        backfillRunning = null;
      });
    return backfillRunning;
  };

  const backfillWorker = async (): Promise<void> => {
    // Each run resumes the persisted gaps; runs that fail back off by the shared policy.
    let failures = 0;
    while (!abort.signal.aborted) {
      try {
        await backfillNow();
        failures = 0;
      } catch (e) {
        if (abort.signal.aborted) return;
        cfg.log(`backfill failed, resuming from the gap cursor: ${String(e)}`);
        await sleep(backoffDelayMs(BACKFILL_RESUME_POLICY, failures), abort.signal).catch(() => {});
        failures = Math.min(failures + 1, 20);
        continue;
      }
      if (store.gaps().length > 0) continue;
      await new Promise<void>((resolve) => {
        backfillWake = resolve;
        abort.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      backfillWake = null;
    }
  };

  // ---------- finality
  type SweepResult = { finalized: number; rolledBack: number; moved: number };
  let sweeping: Promise<SweepResult> | null = null;
  let mintKnown = false;
  const sweepOnce = async (): Promise<SweepResult> => {
    if (!rpc) return { finalized: 0, rolledBack: 0, moved: 0 };
    // The stake mint's decimals, once, for readers that print human amounts.
    if (!mintKnown) mintKnown = await recordStakeMint(store.withSql, rpc, abort.signal).catch(() => false);
    const finSlot = BigInt(await rpc.call<number>("getSlot", [{ commitment: "finalized" }], abort.signal));
    const head = BigInt(await rpc.call<number>("getSlot", [{ commitment: "processed" }], abort.signal));
    if (head > headSlot) headSlot = head;
    const total: SweepResult = { finalized: 0, rolledBack: 0, moved: 0 };
    for (;;) {
      const rows = await store.unfinalized(finSlot, 256);
      if (rows.length === 0) break;
      const res = await rpc.call<{ value: ({ slot?: number; err: unknown; confirmationStatus?: string | null } | null)[] }>(
        "getSignatureStatuses",
        [rows.map((r) => r.signature), { searchTransactionHistory: true }],
        abort.signal,
      );
      const finalized: TxRef[] = [];
      const dropped: TxRef[] = [];
      const moved: { signature: string; finality: "confirmed" | "finalized" }[] = [];
      rows.forEach((r, i) => {
        const s = res.value[i];
        if (s === null || s === undefined || s.err !== null) dropped.push(r);
        // The same signed bytes landed at another slot after this row's fork was dropped:
        // the row follows the transaction to where the cluster has it now.
        else if (typeof s.slot === "number" && BigInt(s.slot) !== r.slot) {
          if (s.confirmationStatus === "finalized" || s.confirmationStatus === "confirmed")
            moved.push({ signature: r.signature, finality: s.confirmationStatus });
        } else if (s.confirmationStatus === "finalized") finalized.push(r);
      });
      let movedNow = 0;
      if (moved.length > 0) {
        // Blocks cached from the dropped fork would give wrong positions.
        blockCache.clear();
        const updates: TransactionUpdate[] = [];
        for (const m of moved) {
          const tx = await fetchTx(m.signature);
          if (tx && (tx.meta?.err ?? null) === null) updates.push(rpcTransactionToUpdate(tx, m.finality, "backfill"));
        }
        if (updates.length > 0) movedNow = (await ingest(updates)).moved;
      }
      if (dropped.length > 0) blockCache.clear();
      if (finalized.length + dropped.length + movedNow === 0) break;
      const r = finalized.length + dropped.length > 0 ? await task(() => store.applyFinality(finalized, dropped)) : { finalized: 0, rolledBack: 0 };
      total.finalized += r.finalized;
      total.rolledBack += r.rolledBack;
      total.moved += movedNow;
      if (rows.length < 256) break;
    }
    return total;
  };
  const sweepTotals = { sweeps: 0, finalized: 0, rolledBack: 0, moved: 0 };
  const sweepFinality = (): Promise<SweepResult> => {
    if (!sweeping)
      sweeping = sweepOnce()
        .then((r) => {
          sweepTotals.sweeps++;
          sweepTotals.finalized += r.finalized;
          sweepTotals.rolledBack += r.rolledBack;
          sweepTotals.moved += r.moved;
          return r;
        })
        .finally(() => {
          sweeping = null;
        });
    return sweeping;
  };

  // ---------- stats
  const stats = (): IndexerStats => {
    const counters = store.counters();
    const now = Date.now();
    const recent = rateSamples.filter((s) => now - s.t <= 10_000);
    const span = recent.length > 0 ? Math.max(1, now - (recent[0] as { t: number }).t) / 1000 : 1;
    const eventsPerSecond = recent.reduce((a, s) => a + s.events, 0) / Math.max(1, span);
    const liveStats = liveSources.map((d) => d.stats());
    const liveHead = liveStats.reduce((m, s) => (s.headSlot > m ? s.headSlot : m), 0n);
    const head = liveHead > headSlot ? liveHead : headSlot;
    const indexedSlot = store.maxSlot();
    const gapsOpen = store.gaps().length;
    const connected = liveStats.length > 0 && liveStats.every((s) => s.connected);
    const complete = gapsOpen === 0 && connected ? head : (bestCheckpoint()?.slot ?? 0n);
    const lag = head > complete ? head - complete : 0n;
    return {
      counters,
      eventsPerSecond,
      headSlot: head,
      indexedSlot,
      lagSlots: lag,
      reconnects,
      live: {
        enabled: liveStats.length > 0,
        connected,
        notifications: liveStats.reduce((a, s) => a + s.notifications, 0),
        watchdogFires: liveStats.reduce((a, s) => a + s.watchdogFires, 0),
      },
      queueDepth: queue.length,
      gapsOpen,
      backfill: { ...progress },
      finality: { ...sweepTotals },
      databaseError: dbGone === null ? null : (dbGone as IndexerError).message,
    };
  };

  const start = async (): Promise<void> => {
    const gapFill = cfg.backfill && rpc !== undefined;
    // A replaying source's resume point fills what was missed; RPC backfills only what it lost (lagged).
    const backfilling = gapFill && !sources.some((d) => d.recovery === "replay");
    // The startup backfill lists what is confirmed when it runs; a live subscription
    // delivers what confirms after it exists. A transaction confirmed in between would be
    // in neither: so the listing starts once subscribed, and if the first subscription
    // comes only after the listing began (the socket was slow or down), it opens a gap.
    let listingStarted = false;
    const firstSubscriptions: Promise<void>[] = [];
    const resumeSlot = (): Promise<bigint> => resumeSlotOf(store);
    for (const ds of sources) {
      let firstSubscribed: () => void = () => {};
      const subscribedOnce = new Promise<void>((resolve) => {
        firstSubscribed = resolve;
      });
      if (ds.recovery === "backfill") firstSubscriptions.push(subscribedOnce);
      const moves = ds.recovery !== "none";
      const ctx: DatasourceContext = {
        sink: {
          push: async (updates) => {
            const last = updates[updates.length - 1];
            // Live sources move the live cursor with what they commit; a push source's sender retries instead.
            await ingest(updates, moves && last ? { checkpoint: { name: "live", slot: last.slot, signature: last.signature } } : {});
          },
        },
        status: {
          onSubscribed: ({ reconnect }) => {
            firstSubscribed();
            if (reconnect) {
              reconnects++;
              pendingCounters.reconnects = (pendingCounters.reconnects ?? 0) + 1;
            }
            if (ds.recovery !== "backfill") return;
            if (reconnect) cfg.log(`${ds.name}: resubscribed; backfilling the gap`);
            else if (!listingStarted) return;
            if (gapFill) void openGap(reconnect ? "reconnect" : "subscribed");
          },
          onDisconnected: (reason) => cfg.log(`${ds.name}: disconnected (${reason})`),
          onLagged: () =>
            gapFill
              ? void openGap("lagged", bestCheckpoint()?.signature ?? null)
              : cfg.log(`${ds.name}: lagged with no RPC backfill: the missed range stays missing`),
        },
        signal: abort.signal,
        log: cfg.log,
        programId: cfg.programId,
        resumeSlot,
      };
      await startSource(ds, ctx);
    }
    if (backfilling && firstSubscriptions.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(firstSubscriptions),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.min(cfg.watchdogMs, 5_000));
        }),
      ]);
      clearTimeout(timer);
    }
    if (backfilling) {
      listingStarted = true;
      await openGap("startup");
    }
    if (gapFill) background.push(backfillWorker());
    if (cfg.apiPort !== undefined) {
      api = await startApiServer({ dbPath: cfg.dbPath, port: cfg.apiPort, stats, health, log: cfg.log, programId: cfg.programId });
      ports.api = api.port;
    }
    if (rpc && cfg.finalityIntervalMs > 0) {
      finalityTimer = setInterval(() => {
        sweepFinality().catch((e: unknown) => cfg.log(`finality sweep failed: ${String(e)}`));
      }, cfg.finalityIntervalMs);
    }
  };

  const started: Datasource[] = [];
  const startSource = async (ds: Datasource, ctx: DatasourceContext): Promise<void> => {
    started.push(ds);
    await ds.start(ctx);
    const port = ds.stats().port;
    if (port !== undefined) ports[ds.name] = port;
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    abort.abort();
    if (finalityTimer) clearInterval(finalityTimer);
    backfillWake?.();
    await Promise.allSettled(started.filter((d) => d.recovery !== "none").map((d) => d.stop()));
    await Promise.allSettled(background);
    await Promise.allSettled([backfillRunning, sweeping]);
    await idle();
    await Promise.allSettled(started.filter((d) => d.recovery === "none").map((d) => d.stop()));
    await api?.close();
    await writer.close();
  };

  return { config: cfg, writer, store, start, stop, ingest, backfillNow, sweepFinality, idle, stats, ports };
}
