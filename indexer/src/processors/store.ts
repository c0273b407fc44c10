/**
 * The processor's write side: applies decoded transactions to the index
 * database (SQLite or PostgreSQL, through a {@link StoreBackend}), all of a
 * batch (transaction rows, events, history rows, entity state, checkpoints,
 * gap cursors, counters) in ONE transaction, so a crash at any point leaves
 * the database at a batch boundary.
 *
 * Hot path, measured by bench/ingest.ts: synchronous calls into the backend
 * (SQLite: better-sqlite3 prepared statements; PostgreSQL: rows loaded before
 * the batch, writes buffered into multi-row INSERTs), dedupe per
 * transaction on a UNIQUE 53-bit signature hash (db/signature-hash.ts), events
 * keyed by (integer tx id, event index), pubkeys interned to integer ids
 * (32-byte BLOBs once), each touched entity written once per batch from an
 * in-memory copy, decoding done inside the loop, and the history series kept
 * from those decoded events at the end of the batch (not read back and
 * decoded again).
 */
import bs58 from "bs58";
import { decodeEventBytes, GPUNET_EVENT_NAMES, SLASH_REASONS, type GpunetEvent } from "@gpunet/sdk";
import type { SqliteHandle } from "../db/client.ts";
import { signatureHash } from "../db/signature-hash.ts";
import type { BatchPlan, Row, StoreBackend, TxRow } from "../store/backend.ts";
import { createSqliteBackend, PROBES } from "../store/sqlite.ts";
import { decodeUpdate, type DecodedTransaction } from "../decoder.ts";
import { FINALITY_CODE, type TransactionUpdate } from "../types.ts";
import { IndexerError } from "../errors.ts";
import type { AsyncExecutor } from "../history/executor.ts";
import { createStoreHistory } from "../history/index.ts";
import { applyConfigSnapshot, applyJobSnapshot, applyProviderSnapshot, decodeGpunetAccount } from "./accounts.ts";
import { applyHandler, HANDLERS, type HandlerContext } from "../handlers/index.ts";
import {
  emptyConfig,
  emptyJob,
  emptyProvider,
  eventJob,
  eventProvider,
  orderKey,
  touchesConfig,
  type ConfigState,
  type JobState,
  type ProviderState,
  type Versions,
} from "./state.ts";

type Ev = GpunetEvent<Uint8Array>;

/** An account read back for a truncated transaction. */
export interface AccountSnapshotInput {
  readonly address: string;
  readonly data: Uint8Array;
}

/**
 * A transaction ready for the store: its order within the slot is settled and
 * anything that needed I/O was fetched. The store decodes it inside the write
 * transaction when `decoded` is absent, so decoded objects die young (holding a
 * whole batch of them costs more in GC than decoding).
 */
export interface PreparedTransaction {
  readonly update: TransactionUpdate;
  readonly decoded?: DecodedTransaction;
  readonly txIndex: number;
  /** Accounts read back when the logs were truncated. */
  readonly snapshots?: readonly AccountSnapshotInput[];
}

/** Advances a named cursor (`live`, `backfill`...) in the same transaction as the rows. */
export interface CheckpointUpdate {
  readonly name: string;
  readonly slot: bigint;
  readonly signature: string;
}

/** Moves a gap's resume point (the oldest signature processed so far). */
export interface GapCursorUpdate {
  readonly gapId: number;
  readonly before: string;
}

/** One unit of work for {@link IndexStore.applyBatch}. */
export interface IngestBatch {
  readonly txs: readonly PreparedTransaction[];
  readonly checkpoints?: readonly CheckpointUpdate[];
  readonly gapCursors?: readonly GapCursorUpdate[];
  /** Runtime counters to add (reconnects...), persisted with the batch. */
  readonly counters?: Readonly<Record<string, number>>;
}

/** A transaction by signature; with its slot the lookup uses the (slot, sig_hash) key, without it a scan. */
export type TxRef = string | { readonly signature: string; readonly slot: bigint };

/** What a batch did. */
export interface BatchResult {
  inserted: number;
  duplicates: number;
  /**
   * Transactions whose earlier row at another slot was replaced: the same
   * signature landed again after its first slot was dropped with its fork.
   */
  moved: number;
  upgraded: number;
  failed: number;
  events: number;
  deadLetters: number;
  truncated: number;
}

/** A backfill range still to fetch: signatures older than `before` and newer than `until`. */
export interface GapRow {
  readonly id: number;
  readonly until: string | null;
  readonly before: string | null;
  readonly reason: string;
}

/**
 * The store; see the module comment. Writes are async (one at a time, in call
 * order); the bookkeeping reads (`gaps`, `checkpoint`, `counters`, `maxSlot`)
 * answer from the single writer's copy of what it committed.
 */
export interface IndexStore {
  /** Runs portable SQL (`?` placeholders) in one write transaction of this store. */
  withSql<T>(run: (sql: AsyncExecutor) => Promise<T>): Promise<T>;
  readonly dialect: StoreBackend["dialect"];
  applyBatch(batch: IngestBatch): Promise<BatchResult>;
  /** Marks transactions finalized; deletes those that never finalized and rebuilds what they touched. */
  applyFinality(finalized: readonly TxRef[], dropped: readonly TxRef[]): Promise<{ finalized: number; rolledBack: number }>;
  /** Transactions not yet finalized at or below `maxSlot`. */
  unfinalized(maxSlot: bigint, limit: number): Promise<{ signature: string; slot: bigint }[]>;
  /** Which of `signatures` are already indexed. */
  knownSignatures(refs: readonly TxRef[]): Promise<Set<string>>;
  openGap(until: string | null, reason: string): Promise<number>;
  closeGap(id: number): Promise<void>;
  gaps(): GapRow[];
  checkpoint(name: string): CheckpointUpdate | null;
  /** Persisted counters (events, txs, duplicates, deadLetters, truncated, rolledBack, reconnects...). */
  counters(): Record<string, bigint>;
  /** Drops all state and rebuilds it from the events table alone. */
  rebuildAll(): Promise<void>;
  /** Highest slot indexed. */
  maxSlot(): bigint | null;
}

const SNAPSHOT_EVENT_BASE = 1_000_000;
const ACCOUNT_KINDS = ["account:config", "account:provider", "account:job"] as const;
const CACHE_LIMIT = 200_000;
/** Transactions between two {@link StoreBackend.writeBehind} calls (a power of two). */
const WRITE_BEHIND_EVERY = 512;

const json = (v: Versions): string => {
  const o: Record<string, string> = {};
  // Sorted keys: the same state always serializes to the same text.
  for (const k of Object.keys(v).sort()) o[k] = (v[k] as bigint).toString();
  return JSON.stringify(o);
};
const unjson = (s: string): Versions => {
  const o = JSON.parse(s) as Record<string, string>;
  const v: Versions = {};
  for (const [k, x] of Object.entries(o)) v[k] = BigInt(x);
  return v;
};
const n = (v: unknown): number => Number(v as bigint);
const b = (v: unknown): bigint => (typeof v === "bigint" ? v : BigInt(v as string));
const nullableId = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v as bigint));
const blob = (v: Uint8Array | null): Buffer | null => (v === null ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
const latin1 = (v: Uint8Array): string => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("latin1");
/** The 32-byte values of a decoded event or account (every key the processing may intern), but those `skip` says to leave out. */
const keysOf = (data: Readonly<Record<string, unknown>>, out: Set<string>, skip?: (key: Uint8Array) => boolean): void => {
  for (const v of Object.values(data)) if (v instanceof Uint8Array && v.length === 32 && !skip?.(v)) out.add(latin1(v));
};
const fromBlob = (v: unknown): Uint8Array | null => (v === null || v === undefined ? null : new Uint8Array(v as Buffer));

/**
 * Creates the store over a writer connection (schema already migrated): a
 * {@link StoreBackend} (SQLite or PostgreSQL, see `openWriteStore`), or a
 * better-sqlite3 handle.
 *
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { createIndexStore, openWriteStore, type TransactionUpdate } from "@gpunet/indexer";
 * declare const update: TransactionUpdate; // from a datasource
 * const w = await openWriteStore("index.db"); // or a postgres:// URL
 * const store = await createIndexStore(await w.backend(), { programId: GPUNET_PROGRAM_ADDRESS });
 * const r = await store.applyBatch({ txs: [{ update, txIndex: 0 }] }); // r.inserted, r.duplicates, r.events, ...
 * await w.close();
 * ```
 */
export async function createIndexStore(target: StoreBackend | SqliteHandle, opts: { readonly programId: string }): Promise<IndexStore> {
  const backend: StoreBackend = "dialect" in target && "insertTx" in target ? target : createSqliteBackend(target as SqliteHandle);
  const U64 = backend.u64;
  const U128 = backend.u128;
  const ABSENT = backend.absent;

  // Event kinds: ids by name, created on first use of this IDL.
  const kindIds = await backend.eventKinds([...GPUNET_EVENT_NAMES, ...ACCOUNT_KINDS]);
  const kindNames = new Map([...kindIds].map(([k, v]) => [v, k]));
  // History tables (indexer/src/history): kept in step inside every write transaction,
  // through the backend's SQL executor (the same programs run on both dialects).
  const history = createStoreHistory(backend.sql);
  /** Kinds whose events change the Config. */
  const configKindList = [
    ...GPUNET_EVENT_NAMES.filter((k) =>
      ["configUpdated", "providerRegistered", "staked", "unstakeRequested", "slashed", "rewardsFunded", "rewardsClaimed", "jobCreated"].includes(k),
    ),
    "account:config",
  ].map((k) => kindIds.get(k) as number);

  // Interned pubkeys.
  const keyIds = new KeyIds();
  const keyId = (key: Uint8Array): number => {
    const hit = keyIds.get(key);
    if (hit !== undefined) return hit;
    const buf = Buffer.from(key.buffer, key.byteOffset, 32);
    const id = backend.pubkeyId(buf) ?? backend.insertPubkey(buf, bs58.encode(buf));
    keyIds.set(key, id);
    return id;
  };

  // Entity caches; `dirty*` are written at the end of the batch.
  let config: ConfigState | null = null;
  let configDirty = false;
  const providers = new Map<number, ProviderState>();
  const jobs = new Map<number, JobState>();
  const dirtyProviders = new Set<ProviderState>();
  const dirtyJobs = new Set<JobState>();

  const loadConfig = (): ConfigState => {
    if (config) return config;
    const r = backend.getConfig();
    config = r ? rowToConfig(r) : emptyConfig();
    return config;
  };
  const loadProvider = (id: number): ProviderState => {
    let p = providers.get(id);
    if (p) return p;
    const r = backend.getProvider(id);
    p = r ? rowToProvider(r) : emptyProvider(id);
    providers.set(id, p);
    return p;
  };
  const loadJob = (id: number): JobState => {
    let j = jobs.get(id);
    if (j) return j;
    const r = backend.getJob(id);
    j = r ? rowToJob(r) : emptyJob(id);
    jobs.set(id, j);
    return j;
  };
  const dropCaches = (): void => {
    config = null;
    configDirty = false;
    providers.clear();
    jobs.clear();
    dirtyProviders.clear();
    dirtyJobs.clear();
  };

  const saveDirty = (): void => {
    if (config && configDirty) {
      const c = config;
      backend.putConfig([
        1,
        c.address,
        c.admin,
        c.slashAuthority,
        c.stakeMint,
        c.treasury,
        c.rewardVault,
        U64(c.minStakePerGpu),
        c.unbondingPeriod,
        c.challengeWindow,
        c.protocolFeeBps,
        c.slashCapBps,
        c.paused ? 1 : 0,
        U128(c.accRewardPerStake),
        U64(c.totalActiveStake),
        U64(c.rewardCarry),
        U64(c.unallocatedRewards),
        U64(c.totalFunded),
        U64(c.totalClaimed),
        U64(c.totalSlashed),
        U64(c.providerCount),
        U64(c.jobCount),
        U64(c.seq),
        json(c.versions),
        c.finality,
        c.lastSlot,
        c.pausedAt,
        c.pausedTotal,
        c.rewardPeriod,
      ]);
    }
    for (const p of dirtyProviders) {
      backend.putProvider([
        p.id,
        p.owner,
        p.stakeVault,
        blob(p.metadataHash),
        p.gpuModel,
        p.gpuCount,
        p.vramGb,
        p.region,
        p.status,
        U64(p.activeStake),
        U64(p.unbondingAmount),
        p.unbondingUnlockAt,
        U128(p.rewardSnapshot),
        U64(p.rewardDebt),
        U64(p.rewardsOwed),
        U64(p.totalClaimed),
        U64(p.jobsCompleted),
        U64(p.jobsFailed),
        U64(p.slashedTotal),
        p.registeredAt,
        p.updatedAt,
        U64(p.seq),
        json(p.versions),
        p.finality,
        p.lastSlot,
        U64(p.lockedStake),
        U64(p.liveJobs),
        p.unlockPauseMark,
      ]);
    }
    for (const j of dirtyJobs) {
      backend.putJob([
        j.id,
        U64(j.jobId),
        j.buyer,
        j.provider,
        j.escrow,
        U64(j.price),
        j.maxDuration,
        j.createdAt,
        j.acceptedAt,
        j.deadline,
        j.submittedAt,
        j.finishedAt,
        U64(j.providerPayout),
        U64(j.fee),
        U64(j.refund),
        blob(j.specHash),
        blob(j.resultHash),
        blob(j.disputeReasonHash),
        j.minGpus,
        j.gpuModel,
        j.minVramGb,
        j.providerShareBps,
        j.state,
        U64(j.seq),
        j.closed ? 1 : 0,
        j.closedAt,
        json(j.versions),
        j.finality,
        j.lastSlot,
        j.endReason,
        j.feeBps,
        j.challengeWindow,
        j.pauseMark,
      ]);
    }
    configDirty = false;
    dirtyProviders.clear();
    dirtyJobs.clear();
  };

  /** Applies one event to entities (and, when `history`, writes its history rows). */
  const applyEvent = (
    e: Ev,
    txId: number,
    slot: bigint,
    txIndex: number,
    finality: number,
    history: boolean,
  ): { provider: number | null; job: number | null } => {
    const pk = eventProvider(e);
    const jk = eventJob(e);
    const providerId = pk ? keyId(pk) : null;
    const jobId = jk ? keyId(jk) : null;
    const ctx: HandlerContext = { keyId, slot, txIndex };
    if (providerId !== null) {
      const p = loadProvider(providerId);
      applyHandler(HANDLERS.provider, p, e, ctx);
      if (finality < p.finality) p.finality = finality;
      if (slot > p.lastSlot) p.lastSlot = slot;
      dirtyProviders.add(p);
    }
    if (jobId !== null) {
      const j = loadJob(jobId);
      applyHandler(HANDLERS.job, j, e, ctx);
      if (finality < j.finality) j.finality = finality;
      if (slot > j.lastSlot) j.lastSlot = slot;
      dirtyJobs.add(j);
    }
    if (touchesConfig(e)) {
      const c = loadConfig();
      applyHandler(HANDLERS.config, c, e, ctx);
      if (finality < c.finality) c.finality = finality;
      if (slot > c.lastSlot) c.lastSlot = slot;
      configDirty = true;
    }
    if (history) writeHistory(e, txId, slot, providerId, jobId);
    return { provider: providerId, job: jobId };
  };

  const writeHistory = (e: Ev, txId: number, slot: bigint, providerId: number | null, jobId: number | null): void => {
    const i = e.eventIndex;
    const ts = e.data.timestamp;
    switch (e.name) {
      case "staked":
        backend.insertHistory("stakes", [txId, i, providerId, "stake", U64(e.data.amount), U64(e.data.activeStake), ABSENT, slot, ts]);
        break;
      case "unstakeRequested":
        backend.insertHistory("stakes", [txId, i, providerId, "unstake", U64(e.data.amount), U64(e.data.activeStake), U64(e.data.unbondingAmount), slot, ts]);
        break;
      case "withdrawn":
        backend.insertHistory("stakes", [txId, i, providerId, "withdraw", U64(e.data.amount), ABSENT, U64(e.data.unbondingAmount), slot, ts]);
        break;
      case "rewardsFunded":
        backend.insertHistory("rewards", [
          txId,
          i,
          keyId(e.data.funder),
          e.data.source,
          U64(e.data.amount),
          U64(e.data.totalFunded),
          U128(e.data.accRewardPerStake),
          slot,
          ts,
        ]);
        break;
      case "rewardsClaimed":
        backend.insertHistory("claims", [txId, i, providerId, keyId(e.data.owner), U64(e.data.amount), U64(e.data.totalClaimed), slot, ts]);
        break;
      case "slashed":
        backend.insertHistory("slashes", [
          txId,
          i,
          providerId,
          keyId(e.data.authority),
          U64(e.data.amount),
          U64(e.data.fromActive),
          U64(e.data.fromUnbonding),
          slashReasonIndex(e.data.reason),
          String(e.data.reason),
          blob(e.data.evidenceHash),
          slot,
          ts,
        ]);
        break;
      case "jobCreated":
        backend.insertHistory("escrow", [txId, i, "deposit", jobId, null, U64(e.data.price), slot, ts]);
        break;
      case "jobCancelled":
        backend.insertHistory("escrow", [txId, i, "refund", jobId, null, U64(e.data.refund), slot, ts]);
        break;
      case "jobCompleted":
        backend.insertHistory("escrow", [txId, i, "payout", jobId, providerId, U64(e.data.providerPayout), slot, ts]);
        if (e.data.fee > 0n) backend.insertHistory("escrow", [txId, i, "fee", jobId, providerId, U64(e.data.fee), slot, ts]);
        break;
      case "disputeResolved":
        if (e.data.providerPayout > 0n) backend.insertHistory("escrow", [txId, i, "payout", jobId, providerId, U64(e.data.providerPayout), slot, ts]);
        if (e.data.fee > 0n) backend.insertHistory("escrow", [txId, i, "fee", jobId, providerId, U64(e.data.fee), slot, ts]);
        if (e.data.refund > 0n) backend.insertHistory("escrow", [txId, i, "refund", jobId, providerId, U64(e.data.refund), slot, ts]);
        break;
      case "jobExpired":
        backend.insertHistory("escrow", [txId, i, "refund", jobId, providerId, U64(e.data.refund), slot, ts]);
        break;
      case "jobClosed":
        if (e.data.swept > 0n) backend.insertHistory("escrow", [txId, i, "swept", jobId, null, U64(e.data.swept), slot, ts]);
        break;
      default:
        break;
    }
  };

  /** Applies an account snapshot; returns the entity ids it touched. */
  const applySnapshot = (
    address: Uint8Array,
    data: Uint8Array,
    slot: bigint,
    txIndex: number,
    finality: number,
  ): { kind: string; provider: number | null; job: number | null } | null => {
    const acc = decodeGpunetAccount(data);
    if (!acc) return null;
    const id = keyId(address);
    if (acc.type === "provider") {
      const p = loadProvider(id);
      applyProviderSnapshot(p, acc.data, keyId);
      if (finality < p.finality) p.finality = finality;
      if (slot > p.lastSlot) p.lastSlot = slot;
      dirtyProviders.add(p);
      return { kind: "account:provider", provider: id, job: null };
    }
    if (acc.type === "job") {
      const j = loadJob(id);
      applyJobSnapshot(j, acc.data, keyId);
      if (finality < j.finality) j.finality = finality;
      if (slot > j.lastSlot) j.lastSlot = slot;
      dirtyJobs.add(j);
      return { kind: "account:job", provider: null, job: id };
    }
    const c = loadConfig();
    applyConfigSnapshot(c, acc.data, id, orderKey(slot, txIndex, 0xfffff), keyId);
    if (finality < c.finality) c.finality = finality;
    if (slot > c.lastSlot) c.lastSlot = slot;
    configDirty = true;
    return { kind: "account:config", provider: null, job: null };
  };

  /** The stored row of a transaction, if indexed (looks at every probe slot: holes left by rollbacks are fine). */
  const findTx = (slot: bigint, hash: number, signature: string): TxRow | undefined => {
    for (const r of backend.findTx(slot, hash)) if (r.signature === signature) return r;
    return undefined;
  };
  const findRef = async (ref: TxRef): Promise<TxRow | undefined> => {
    if (typeof ref === "string") return backend.findTxBySignature(ref);
    for (const r of await backend.findTxAsync(ref.slot, signatureHash(ref.signature))) if (r.signature === ref.signature) return r;
    return undefined;
  };

  let maxSlotSeen = (await backend.maxSlot()) ?? -1n;

  // The single writer's copies of the bookkeeping tables, changed at commit.
  const checkpoints = new Map<string, CheckpointUpdate>();
  for (const r of await backend.checkpoints()) checkpoints.set(r.name as string, { name: r.name as string, slot: b(r.slot), signature: r.signature as string });
  const counterValues = new Map<string, bigint>();
  for (const r of await backend.counters()) counterValues.set(r.name as string, b(r.value));
  let gapList: GapRow[] = (await backend.gaps()).map((r) => ({
    id: n(r.id),
    until: (r.until_signature as string | null) ?? null,
    before: (r.before_signature as string | null) ?? null,
    reason: r.reason as string,
  }));
  // What the open write transaction changes in them.
  let txCounters = new Map<string, number>();
  let txCheckpoints = new Map<string, CheckpointUpdate>();
  let txGapCursors = new Map<number, string>();
  const addCounter = (name: string, v: number): void => {
    txCounters.set(name, (txCounters.get(name) ?? 0) + v);
  };
  const getCheckpoint = (name: string): CheckpointUpdate | null => txCheckpoints.get(name) ?? checkpoints.get(name) ?? null;

  // One operation at a time, in call order: a write transaction never interleaves with another call.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(run: () => Promise<T>): Promise<T> => {
    const p = chain.then(run, run);
    chain = p.catch(() => {});
    return p;
  };
  const transact = <T>(run: () => Promise<T>): Promise<T> =>
    serial(async () => {
      txCounters = new Map();
      txCheckpoints = new Map();
      txGapCursors = new Map();
      let r: T;
      try {
        await backend.begin();
        r = await run();
        backend.addCounters(txCounters);
        await backend.commit();
      } catch (e) {
        await backend.rollback().catch(() => {});
        history.discard();
        // The transaction rolled back: in-memory copies may hold its changes.
        dropCaches();
        keyIds.clear();
        throw e;
      }
      for (const [k, v] of txCounters) if (v !== 0) counterValues.set(k, (counterValues.get(k) ?? 0n) + BigInt(v));
      for (const [k, v] of txCheckpoints) checkpoints.set(k, v);
      if (txGapCursors.size > 0) gapList = gapList.map((g) => (txGapCursors.has(g.id) ? { ...g, before: txGapCursors.get(g.id) as string } : g));
      return r;
    });

  const recomputeFinality = async (): Promise<void> => {
    await backend.recomputeFinality();
    // Cached copies may now be stale in `finality`: reload on next use.
    config = null;
    providers.clear();
    jobs.clear();
  };

  /** What removed transaction rows touched: rebuilt and garbage-collected once per write transaction. */
  interface Rollback {
    readonly providers: Set<number>;
    readonly jobs: Set<number>;
    config: boolean;
    /** Pubkey ids the removed events named: deleted when nothing stored names them any more. */
    readonly keys: Set<number>;
  }
  const newRollback = (): Rollback => ({ providers: new Set(), jobs: new Set(), config: false, keys: new Set() });
  const configKindSet = new Set(configKindList);
  /** Every 32-byte value of a stored event payload (latin1 text of the bytes). */
  const payloadValues = (kind: string, payload: Uint8Array, out: Set<string>): void => {
    if (kind.startsWith("account:")) {
      out.add(latin1(payload.subarray(0, 32)));
      const acc = decodeGpunetAccount(payload.subarray(32));
      if (acc) keysOf(acc.data, out);
    } else {
      const dec = decodeEventBytes(payload, "bytes");
      if (dec.ok) keysOf(dec.data as Record<string, unknown>, out);
    }
  };
  /** The ids of those values that are interned pubkeys. */
  const storedKeyIds = async (values: ReadonlySet<string>, out: Set<number>): Promise<void> => {
    if (backend.prefetches) await backend.prefetch({ txs: [], keys: values });
    for (const k of values) {
      const id = backend.pubkeyId(Buffer.from(k, "latin1"));
      if (id !== undefined) out.add(id);
    }
  };

  /**
   * Removes one transaction row with everything it stored (events and history
   * rows by cascade, its dead letters) and takes its share out of the counters.
   */
  const dropTxRow = async (row: TxRow, acc: Rollback): Promise<void> => {
    const id = row.id;
    const t = await backend.txCounts(id);
    if (!t) return;
    const values = new Set<string>();
    for (const r of await backend.eventsOfTx(id)) {
      if (r.provider !== null) acc.providers.add(n(r.provider));
      if (r.job !== null) acc.jobs.add(n(r.job));
      if (configKindSet.has(n(r.kind))) acc.config = true;
      payloadValues(kindNames.get(n(r.kind)) ?? "", new Uint8Array(r.payload as Buffer), values);
    }
    await storedKeyIds(values, acc.keys);
    const dead = await backend.deleteDeadLetters(t.signature as string);
    await history.noteRemoved(id);
    await backend.deleteTx(id);
    addCounter("txs", -1);
    addCounter("events", -n(t.event_count));
    if (dead > 0) addCounter("deadLetters", -dead);
    if (n(t.truncated) !== 0) addCounter("truncated", -1);
  };

  /** Rebuilds what removed rows touched and deletes pubkeys nothing stored names any more. */
  const finishRollback = async (acc: Rollback): Promise<void> => {
    if (acc.providers.size === 0 && acc.jobs.size === 0 && !acc.config && acc.keys.size === 0) return;
    // A provider's stakes read the Config as it was before each of them: replay it too.
    await rebuild(acc.providers, acc.jobs, acc.config || acc.providers.size > 0);
    saveDirty();
    if (acc.keys.size === 0) return;
    let configKeys: Set<number> | null = null;
    for (const id of acc.keys) {
      if (await backend.keyReferenced(id)) continue;
      // Keys named only by configUpdated events (earlier admins...) stay while such an event does.
      if (configKeys === null) {
        configKeys = new Set();
        const values = new Set<string>();
        const kinds = [kindIds.get("configUpdated"), kindIds.get("account:config")].filter((k): k is number => k !== undefined);
        for (const r of await backend.eventsOfKinds(kinds)) payloadValues(kindNames.get(n(r.kind)) ?? "", new Uint8Array(r.payload as Buffer), values);
        await storedKeyIds(values, configKeys);
      }
      if (configKeys.has(id)) continue;
      await backend.deletePubkey(id);
    }
    keyIds.clear();
  };

  /** PostgreSQL: loads what the batch will read, in a few queries. */
  const knownKey = (k: Uint8Array): number | undefined => keyIds.get(k) ?? backend.pubkeyId(Buffer.from(k.buffer, k.byteOffset, k.byteLength));
  const planBatch = async (txs: readonly PreparedTransaction[], decoded: readonly DecodedTransaction[]): Promise<void> => {
    // Only keys not interned yet need loading.
    const keys = new Set<string>();
    const interned = (k: Uint8Array): boolean => keyIds.get(k) !== undefined;
    const plan: BatchPlan["txs"][number][] = [];
    const snaps: { address: Uint8Array; type: string }[] = [];
    decoded.forEach((d, i) => {
      if (d.status === "failed") return;
      plan.push({ slot: d.update.slot, hash: signatureHash(d.update.signature) });
      for (const e of d.events) keysOf(e.data as Record<string, unknown>, keys, interned);
      if (!d.truncated) return;
      for (const s of (txs[i] as PreparedTransaction).snapshots ?? []) {
        const address = bs58.decode(s.address);
        if (!interned(address)) keys.add(latin1(address));
        const acc = decodeGpunetAccount(s.data);
        if (!acc) continue;
        keysOf(acc.data, keys, interned);
        snaps.push({ address, type: acc.type });
      }
    });
    await backend.prefetch({ txs: plan, keys, storedUpTo: maxSlotSeen });
    const ps = new Set<number>();
    const js = new Set<number>();
    const want = (k: Uint8Array | null, cache: Map<number, unknown>, into: Set<number>): void => {
      if (!k) return;
      const id = knownKey(k);
      if (id !== undefined && !cache.has(id)) into.add(id);
    };
    for (const d of decoded) {
      if (d.status === "failed") continue;
      for (const e of d.events) {
        want(eventProvider(e), providers, ps);
        want(eventJob(e), jobs, js);
      }
    }
    for (const s of snaps) {
      if (s.type === "provider") want(s.address, providers, ps);
      else if (s.type === "job") want(s.address, jobs, js);
    }
    await backend.prefetchEntities([...ps], [...js], config === null);
  };

  /**
   * Rebuilds some entities from the events table alone, replaying their events
   * in chain order through the same code as ingest. One scan of `events` (no
   * per-entity index: it would cost every insert ~15% for a path that runs only
   * when data never finalizes).
   */
  const rebuild = async (providerIds: Iterable<number>, jobIds: Iterable<number>, withConfig: boolean): Promise<void> => {
    const ps = new Set(providerIds);
    const js = new Set(jobIds);
    if (ps.size === 0 && js.size === 0 && !withConfig) return;
    for (const p of [...dirtyProviders]) if (ps.has(p.id)) dirtyProviders.delete(p);
    for (const j of [...dirtyJobs]) if (js.has(j.id)) dirtyJobs.delete(j);
    for (const id of ps) providers.set(id, emptyProvider(id));
    for (const id of js) jobs.set(id, emptyJob(id));
    if (withConfig) config = emptyConfig();
    const rows = await backend.replayEvents({ providers: [...ps], jobs: [...js], kinds: withConfig ? configKindList : [] });
    if (backend.prefetches) {
      const values = new Set<string>();
      for (const r of rows) payloadValues(kindNames.get(n(r.kind)) ?? "", new Uint8Array(r.payload as Buffer), values);
      await backend.prefetch({ txs: [], keys: values });
    }
    const seenP = new Set<number>();
    const seenJ = new Set<number>();
    let seenC = false;
    for (const r of rows) {
      const kind = kindNames.get(n(r.kind)) ?? "";
      const payload = new Uint8Array(r.payload as Buffer);
      const slot = b(r.slot);
      const txIndex = r.tx_index === null ? 0 : n(r.tx_index);
      const finality = n(r.finality);
      const pid = nullableId(r.provider);
      const jid = nullableId(r.job);
      if (kind.startsWith("account:")) {
        const acc = decodeGpunetAccount(payload.subarray(32));
        const wanted =
          acc &&
          ((acc.type === "provider" && pid !== null && ps.has(pid)) ||
            (acc.type === "job" && jid !== null && js.has(jid)) ||
            (acc.type === "config" && withConfig));
        if (wanted) {
          applySnapshot(payload.subarray(0, 32), payload.subarray(32), slot, txIndex, finality);
          if (acc.type === "provider" && pid !== null) seenP.add(pid);
          else if (acc.type === "job" && jid !== null) seenJ.add(jid);
          else seenC = true;
        }
        continue;
      }
      const dec = decodeEventBytes(payload, "bytes");
      if (!dec.ok) continue;
      const e = { name: dec.name, data: dec.data, instructionIndex: n(r.ix), innerPath: [], innerIndex: null, eventIndex: n(r.event_index) } as unknown as Ev;
      const ctx: HandlerContext = { keyId, slot, txIndex };
      if (pid !== null && ps.has(pid)) {
        const p = loadProvider(pid);
        applyHandler(HANDLERS.provider, p, e, ctx);
        if (finality < p.finality) p.finality = finality;
        if (slot > p.lastSlot) p.lastSlot = slot;
        seenP.add(pid);
      }
      if (jid !== null && js.has(jid)) {
        const j = loadJob(jid);
        applyHandler(HANDLERS.job, j, e, ctx);
        if (finality < j.finality) j.finality = finality;
        if (slot > j.lastSlot) j.lastSlot = slot;
        seenJ.add(jid);
      }
      if (withConfig && touchesConfig(e)) {
        const c = loadConfig();
        applyHandler(HANDLERS.config, c, e, ctx);
        if (finality < c.finality) c.finality = finality;
        if (slot > c.lastSlot) c.lastSlot = slot;
        seenC = true;
      }
    }
    for (const id of ps) {
      if (seenP.has(id)) dirtyProviders.add(providers.get(id) as ProviderState);
      else {
        providers.delete(id);
        await backend.deleteEntity("providers", id);
      }
    }
    for (const id of js) {
      if (seenJ.has(id)) dirtyJobs.add(jobs.get(id) as JobState);
      else {
        jobs.delete(id);
        await backend.deleteEntity("jobs", id);
      }
    }
    if (withConfig) {
      if (seenC) configDirty = true;
      else {
        config = null;
        await backend.deleteConfig();
      }
    }
    saveDirty();
  };

  const applyBatchTx = async (batch: IngestBatch): Promise<BatchResult> => {
    const res: BatchResult = { inserted: 0, duplicates: 0, moved: 0, upgraded: 0, failed: 0, events: 0, deadLetters: 0, truncated: 0 };
    const rollback = newRollback();
    const now = Date.now();
    const sorted = [...batch.txs].sort((x, y) => {
      const a = x.update.slot;
      const c = y.update.slot;
      return a < c ? -1 : a > c ? 1 : x.txIndex - y.txIndex;
    });
    // SQLite decodes inside the loop (decoded objects die young); PostgreSQL needs the
    // whole batch decoded first, to load what it names.
    let decodedAll: DecodedTransaction[] | null = null;
    if (backend.prefetches) {
      decodedAll = sorted.map((t) => t.decoded ?? decodeUpdate(t.update, opts.programId));
      await planBatch(sorted, decodedAll);
    }
    // With every stored row finalized (a backfill of old history), nothing can have moved.
    let anyUnfinalized = backend.anyUnfinalized();
    for (let i = 0; i < sorted.length; i++) {
      if ((i & (WRITE_BEHIND_EVERY - 1)) === WRITE_BEHIND_EVERY - 1) {
        const w = backend.writeBehind?.();
        if (w) await w;
      }
      const t = sorted[i] as PreparedTransaction;
      const d = decodedAll ? (decodedAll[i] as DecodedTransaction) : (t.decoded ?? decodeUpdate(t.update, opts.programId));
      const u = d.update;
      if (d.status === "failed") {
        res.failed++;
        continue;
      }
      const hash = signatureHash(u.signature);
      const finality = FINALITY_CODE[u.finality];
      // A signature is one transaction. An unfinalized row of it at another slot is an
      // earlier landing whose fork was dropped: the newer news (same or higher
      // commitment) replaces it; a delivery at lower commitment than that row is stale.
      let stale = false;
      if (anyUnfinalized)
        for (const r of backend.findUnfinalizedBySig(hash)) {
          if (r.signature !== u.signature || r.slot === u.slot) continue;
          if (r.finality > finality) {
            stale = true;
            continue;
          }
          await dropTxRow(r, rollback);
          res.moved++;
        }
      if (stale) {
        res.duplicates++;
        continue;
      }
      if (finality < 2) anyUnfinalized = true;
      // Insert first (the common case is a new transaction); the UNIQUE hash says when it is not.
      const values: unknown[] = [hash, u.signature, u.slot, t.txIndex, u.blockTime, finality, d.truncated ? 1 : 0, d.events.length, u.source, now];
      let txId = backend.insertTx(values);
      if (txId === null) {
        const existing = findTx(u.slot, hash, u.signature);
        if (existing) {
          res.duplicates++;
          if (existing.finality < finality) {
            backend.setTxFinality(existing.id, finality);
            res.upgraded++;
          }
          continue;
        }
        // Another signature with the same hash in this slot (practically never): next free probe slot.
        for (let k = 1; k < PROBES && txId === null; k++) {
          values[0] = hash + k;
          txId = backend.insertTx(values);
        }
        if (txId === null) throw new IndexerError("ValueOutOfRange", `no free signature hash slot for ${u.signature}`);
      }
      if (u.slot > maxSlotSeen) maxSlotSeen = u.slot;
      res.inserted++;
      const txKey = BigInt(txId);
      const txIndexKey = BigInt(t.txIndex);
      history.noteTx(txId);
      for (const e of d.events) {
        const ids = applyEvent(e, txId, u.slot, t.txIndex, finality, true);
        history.noteEvent({
          txId: txKey,
          slot: u.slot,
          txIndex: txIndexKey,
          eventIndex: e.eventIndex,
          ts: e.data.timestamp,
          provider: ids.provider,
          kind: e.name,
          event: e,
          payload: null,
        });
        backend.insertEvent([
          txId,
          e.eventIndex,
          e.instructionIndex,
          e.innerPath.join("."),
          kindIds.get(e.name),
          ids.provider,
          ids.job,
          u.slot,
          e.data.timestamp,
          Buffer.isBuffer(e.payload) ? e.payload : Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength),
        ]);
        res.events++;
      }
      for (const f of d.failures) {
        const detail = JSON.stringify({
          name: f.name ?? null,
          byteLength: f.byteLength ?? null,
          expectedLength: f.expectedLength ?? null,
          instructionIndex: f.instructionIndex,
          innerPath: f.innerPath,
        });
        res.deadLetters += backend.insertDeadLetter([u.signature, u.slot, f.eventIndex, f.reason, f.payload, detail, now]);
      }
      if (d.truncated) {
        res.truncated++;
        let k = 0;
        for (const s of t.snapshots ?? []) {
          const address = bs58.decode(s.address);
          const applied = applySnapshot(address, s.data, u.slot, t.txIndex, finality);
          if (!applied) continue;
          const eventIndex = SNAPSHOT_EVENT_BASE + k++;
          const ts = u.blockTime ?? 0n;
          const payload = Buffer.concat([Buffer.from(address), Buffer.from(s.data)]);
          history.noteEvent({
            txId: txKey,
            slot: u.slot,
            txIndex: txIndexKey,
            eventIndex,
            ts: typeof ts === "bigint" ? ts : BigInt(ts),
            provider: applied.provider,
            kind: applied.kind,
            event: null,
            payload,
          });
          backend.insertEvent([txId, eventIndex, -1, "", kindIds.get(applied.kind), applied.provider, applied.job, u.slot, ts, payload]);
        }
      }
    }
    // Entities the replaced rows touched are rebuilt from the events now stored
    // (this batch's included), exactly as a fresh index would compute them.
    await finishRollback(rollback);
    saveDirty();
    for (const cp of batch.checkpoints ?? []) {
      const cur = getCheckpoint(cp.name);
      if (cur && cur.slot > cp.slot) continue;
      backend.putCheckpoint(cp.name, cp.slot, cp.signature, now);
      txCheckpoints.set(cp.name, cp);
    }
    for (const g of batch.gapCursors ?? []) {
      backend.setGapCursor(g.gapId, g.before);
      txGapCursors.set(g.gapId, g.before);
    }
    for (const [k, v] of Object.entries(batch.counters ?? {})) addCounter(k, v);
    addCounter("txs", res.inserted);
    addCounter("events", res.events);
    addCounter("duplicates", res.duplicates);
    addCounter("failedTxs", res.failed);
    addCounter("deadLetters", res.deadLetters);
    addCounter("truncated", res.truncated);
    addCounter("moved", res.moved);
    if (res.upgraded > 0) await recomputeFinality();
    await history.sync();
    return res;
  };

  const applyFinalityTx = async (finalized: readonly TxRef[], dropped: readonly TxRef[]): Promise<{ finalized: number; rolledBack: number }> => {
    let fin = 0;
    for (const s of finalized) {
      const row = await findRef(s);
      if (row && row.finality < 2) {
        backend.setTxFinality(row.id, 2);
        row.finality = 2;
        fin++;
      }
    }
    const rollback = newRollback();
    let rolled = 0;
    for (const s of dropped) {
      const row = await findRef(s);
      if (!row) continue;
      await dropTxRow(row, rollback);
      rolled++;
    }
    if (rolled > 0) {
      await finishRollback(rollback);
      addCounter("rolledBack", rolled);
    }
    await recomputeFinality();
    await history.sync();
    return { finalized: fin, rolledBack: rolled };
  };

  // One pass over every stored event in chain order, exactly as ingest applies them.
  const rebuildAllTx = async (): Promise<void> => {
    await backend.deleteAllEntities();
    dropCaches();
    const rows = await backend.replayEvents(null);
    if (backend.prefetches) {
      const values = new Set<string>();
      for (const r of rows) payloadValues(kindNames.get(n(r.kind)) ?? "", new Uint8Array(r.payload as Buffer), values);
      await backend.prefetch({ txs: [], keys: values });
    }
    for (const r of rows) {
      const kind = kindNames.get(n(r.kind)) ?? "";
      const payload = new Uint8Array(r.payload as Buffer);
      const slot = b(r.slot);
      const txIndex = r.tx_index === null ? 0 : n(r.tx_index);
      const finality = n(r.finality);
      if (kind.startsWith("account:")) {
        applySnapshot(payload.subarray(0, 32), payload.subarray(32), slot, txIndex, finality);
        continue;
      }
      const dec = decodeEventBytes(payload, "bytes");
      if (!dec.ok) continue;
      const e = { name: dec.name, data: dec.data, instructionIndex: n(r.ix), innerPath: [], innerIndex: null, eventIndex: n(r.event_index) } as unknown as Ev;
      applyEvent(e, n(r.tx_id), slot, txIndex, finality, false);
    }
    saveDirty();
    await history.rebuild();
  };

  const trimCaches = (): void => {
    if (providers.size > CACHE_LIMIT) providers.clear();
    if (jobs.size > CACHE_LIMIT) jobs.clear();
    if (keyIds.size > CACHE_LIMIT) keyIds.clear();
  };

  await transact(() => history.sync());

  return {
    dialect: backend.dialect,
    async applyBatch(batch) {
      const r = await transact(() => applyBatchTx(batch));
      trimCaches();
      return r;
    },
    applyFinality: (finalized, dropped) => transact(() => applyFinalityTx(finalized, dropped)),
    unfinalized: (maxSlot, limit) =>
      serial(async () => (await backend.unfinalized(maxSlot, limit)).map((r) => ({ signature: r.signature as string, slot: b(r.slot) }))),
    knownSignatures: (refs) =>
      serial(async () => {
        const out = new Set<string>();
        const withSlot = refs.filter((r): r is Exclude<TxRef, string> => typeof r !== "string");
        const stored = new Set(
          (await backend.findTxsAsync(withSlot.map((r) => ({ slot: r.slot, hash: signatureHash(r.signature) })))).map((r) => `${r.slot}:${r.signature}`),
        );
        for (const r of withSlot) if (stored.has(`${r.slot}:${r.signature}`)) out.add(r.signature);
        for (const s of refs) if (typeof s === "string" && (await findRef(s))) out.add(s);
        return out;
      }),
    openGap: (until, reason) =>
      serial(async () => {
        const id = await backend.openGap(until, reason, Date.now());
        gapList = [...gapList, { id, until, before: null, reason }];
        return id;
      }),
    closeGap: (id) =>
      serial(async () => {
        await backend.closeGap(id);
        gapList = gapList.filter((g) => g.id !== id);
      }).then(() => transact(() => history.sync())), // a deferred history recompute runs once no gap is left
    gaps: () => [...gapList],
    checkpoint: (name) => checkpoints.get(name) ?? null,
    counters: () => Object.fromEntries(counterValues),
    rebuildAll: () => transact(rebuildAllTx),
    withSql: (run) => transact(() => run(backend.sql)),
    maxSlot: () => (maxSlotSeen < 0n ? null : maxSlotSeen),
  };
}

/** One interned key: its bytes, its id, the next key with the same first bytes. */
interface KeyEntry {
  readonly key: Uint8Array;
  readonly id: number;
  next: KeyEntry | null;
}

/**
 * Pubkey ids by their 32 bytes, looked up without building anything per
 * lookup: chained by the key's first 30 bits (a small integer), then
 * compared byte by byte.
 */
class KeyIds {
  private readonly byPrefix = new Map<number, KeyEntry>();
  size = 0;
  private static prefix(k: Uint8Array): number {
    return (k[0] as number) | ((k[1] as number) << 8) | ((k[2] as number) << 16) | (((k[3] as number) & 0x3f) << 24);
  }
  get(k: Uint8Array): number | undefined {
    for (let e = this.byPrefix.get(KeyIds.prefix(k)) ?? null; e !== null; e = e.next) {
      const a = e.key;
      let i = 4;
      while (i < 32 && a[i] === k[i]) i++;
      if (i === 32 && a[3] === k[3]) return e.id;
    }
    return undefined;
  }
  set(k: Uint8Array, id: number): void {
    const p = KeyIds.prefix(k);
    this.byPrefix.set(p, { key: Uint8Array.from(k.subarray(0, 32)), id, next: this.byPrefix.get(p) ?? null });
    this.size++;
  }
  clear(): void {
    this.byPrefix.clear();
    this.size = 0;
  }
}

function rowToConfig(r: Row): ConfigState {
  return {
    address: nullableId(r.address),
    admin: nullableId(r.admin),
    slashAuthority: nullableId(r.slash_authority),
    stakeMint: nullableId(r.stake_mint),
    treasury: nullableId(r.treasury),
    rewardVault: nullableId(r.reward_vault),
    minStakePerGpu: b(r.min_stake_per_gpu),
    unbondingPeriod: b(r.unbonding_period),
    challengeWindow: b(r.challenge_window),
    protocolFeeBps: n(r.protocol_fee_bps),
    slashCapBps: n(r.slash_cap_bps),
    paused: n(r.paused) !== 0,
    accRewardPerStake: b(r.acc_reward_per_stake),
    totalActiveStake: b(r.total_active_stake),
    rewardCarry: b(r.reward_carry),
    unallocatedRewards: b(r.unallocated_rewards),
    totalFunded: b(r.total_funded),
    totalClaimed: b(r.total_claimed),
    totalSlashed: b(r.total_slashed),
    providerCount: b(r.provider_count),
    jobCount: b(r.job_count),
    seq: b(r.seq),
    versions: unjson(r.versions as string),
    finality: n(r.finality),
    lastSlot: b(r.last_slot),
    pausedAt: b(r.paused_at),
    pausedTotal: b(r.paused_total),
    rewardPeriod: b(r.reward_period),
  };
}

function rowToProvider(r: Row): ProviderState {
  return {
    id: n(r.id),
    owner: nullableId(r.owner),
    stakeVault: nullableId(r.stake_vault),
    metadataHash: fromBlob(r.metadata_hash),
    gpuModel: n(r.gpu_model),
    gpuCount: n(r.gpu_count),
    vramGb: n(r.vram_gb),
    region: n(r.region),
    status: n(r.status),
    activeStake: b(r.active_stake),
    unbondingAmount: b(r.unbonding_amount),
    unbondingUnlockAt: b(r.unbonding_unlock_at),
    rewardSnapshot: b(r.reward_snapshot),
    rewardDebt: b(r.reward_debt),
    rewardsOwed: b(r.rewards_owed),
    totalClaimed: b(r.total_claimed),
    jobsCompleted: b(r.jobs_completed),
    jobsFailed: b(r.jobs_failed),
    slashedTotal: b(r.slashed_total),
    registeredAt: b(r.registered_at),
    updatedAt: b(r.updated_at),
    seq: b(r.seq),
    versions: unjson(r.versions as string),
    finality: n(r.finality),
    lastSlot: b(r.last_slot),
    lockedStake: b(r.locked_stake),
    liveJobs: b(r.live_jobs),
    unlockPauseMark: b(r.unlock_pause_mark),
  };
}

function rowToJob(r: Row): JobState {
  return {
    id: n(r.id),
    jobId: b(r.job_id),
    buyer: nullableId(r.buyer),
    provider: nullableId(r.provider),
    escrow: nullableId(r.escrow),
    price: b(r.price),
    maxDuration: b(r.max_duration),
    createdAt: b(r.created_at),
    acceptedAt: b(r.accepted_at),
    deadline: b(r.deadline),
    submittedAt: b(r.submitted_at),
    finishedAt: b(r.finished_at),
    providerPayout: b(r.provider_payout),
    fee: b(r.fee),
    refund: b(r.refund),
    specHash: fromBlob(r.spec_hash),
    resultHash: fromBlob(r.result_hash),
    disputeReasonHash: fromBlob(r.dispute_reason_hash),
    minGpus: n(r.min_gpus),
    gpuModel: n(r.gpu_model),
    minVramGb: n(r.min_vram_gb),
    providerShareBps: n(r.provider_share_bps),
    state: n(r.state),
    seq: b(r.seq),
    closed: n(r.closed) !== 0,
    closedAt: r.closed_at === null ? null : b(r.closed_at),
    versions: unjson(r.versions as string),
    finality: n(r.finality),
    lastSlot: b(r.last_slot),
    endReason: (r.end_reason as string | null) ?? null,
    feeBps: n(r.fee_bps),
    challengeWindow: b(r.challenge_window),
    pauseMark: b(r.pause_mark),
  };
}

/** SlashReason variants in IDL order: the `reason` column keeps the index the program logged. */
function slashReasonIndex(name: unknown): number | null {
  if (typeof name === "number") return name;
  const i = (SLASH_REASONS as readonly string[]).indexOf(String(name));
  return i < 0 ? null : i;
}
