/**
 * The processor's write side: applies decoded transactions to SQLite, all of a
 * batch (transaction rows, events, history rows, entity state, checkpoints,
 * gap cursors, counters) in ONE immediate transaction, so a crash at any point
 * leaves the database at a batch boundary.
 *
 * Hot path, measured by bench/ingest.ts: prepared statements through
 * better-sqlite3 (kysely re-prepares each query, ~20 us), dedupe per
 * transaction on a UNIQUE 53-bit signature hash (db/signature-hash.ts), events
 * keyed by (integer tx id, event index), pubkeys interned to integer ids
 * (32-byte BLOBs once), each touched entity written once per batch from an
 * in-memory copy, and decoding done inside the loop so decoded objects die
 * young.
 */
import bs58 from "bs58";
import { decodeEventBytes, GPUNET_EVENT_NAMES, type GpunetEvent } from "@gpunet/sdk";
import type { SqliteHandle } from "../db/client.ts";
import { u128Text, u64Text } from "../db/u64.ts";
import { signatureHash } from "../db/signature-hash.ts";
import { decodeUpdate, type DecodedTransaction } from "../decoder.ts";
import { FINALITY_CODE, type TransactionUpdate } from "../types.ts";
import { IndexerError } from "../errors.ts";
import { createSqliteHistory } from "../history/index.ts";
import { applyConfigSnapshot, applyJobSnapshot, applyProviderSnapshot, decodeGpunetAccount } from "./accounts.ts";
import {
  applyToConfig,
  applyToJob,
  applyToProvider,
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
type Row = Record<string, unknown>;

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

/** The store; see the module comment. */
export interface IndexStore {
  applyBatch(batch: IngestBatch): BatchResult;
  /** Marks transactions finalized; deletes those that never finalized and rebuilds what they touched. */
  applyFinality(finalized: readonly TxRef[], dropped: readonly TxRef[]): { finalized: number; rolledBack: number };
  /** Transactions not yet finalized at or below `maxSlot`. */
  unfinalized(maxSlot: bigint, limit: number): { signature: string; slot: bigint }[];
  /** Which of `signatures` are already indexed. */
  knownSignatures(refs: readonly TxRef[]): Set<string>;
  openGap(until: string | null, reason: string): number;
  closeGap(id: number): void;
  gaps(): GapRow[];
  checkpoint(name: string): CheckpointUpdate | null;
  /** Persisted counters (events, txs, duplicates, deadLetters, truncated, rolledBack, reconnects...). */
  counters(): Record<string, bigint>;
  /** Drops all state and rebuilds it from the events table alone. */
  rebuildAll(): void;
  /** Highest slot indexed. */
  maxSlot(): bigint | null;
}

const SNAPSHOT_EVENT_BASE = 1_000_000;
/** Slots a signature may take after its hash on collisions (open addressing in `txs.sig_hash`). */
const PROBES = 8;
const ACCOUNT_KINDS = ["account:config", "account:provider", "account:job"] as const;
const CACHE_LIMIT = 200_000;

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
const fromBlob = (v: unknown): Uint8Array | null => (v === null || v === undefined ? null : new Uint8Array(v as Buffer));

/**
 * Creates the store over a writer connection (schema already migrated).
 *
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { createIndexStore, openWriterDatabase, type TransactionUpdate } from "@gpunet/indexer";
 * declare const update: TransactionUpdate; // from a datasource
 * const w = await openWriterDatabase("index.db");
 * const store = createIndexStore(w.sqlite, { programId: GPUNET_PROGRAM_ADDRESS });
 * const r = store.applyBatch({ txs: [{ update, txIndex: 0 }] }); // r.inserted, r.duplicates, r.events, ...
 * await w.close();
 * ```
 */
export function createIndexStore(sqlite: SqliteHandle, opts: { readonly programId: string }): IndexStore {
  const q = {
    insertTx: sqlite.prepare(
      "INSERT OR IGNORE INTO txs (sig_hash, signature, slot, tx_index, block_time, finality, truncated, event_count, source, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    findTx: sqlite.prepare(`SELECT id, signature, finality FROM txs WHERE slot = ? AND sig_hash BETWEEN ? AND ? + ${PROBES - 1}`),
    findTxBySignature: sqlite.prepare("SELECT id, signature, finality FROM txs WHERE signature = ?"),
    // Partial index txs_unfinalized_sig: only rows below finalized can have landed elsewhere.
    anyUnfinalized: sqlite.prepare("SELECT EXISTS (SELECT 1 FROM txs WHERE finality < 2) AS x"),
    findUnfinalizedBySig: sqlite.prepare(`SELECT id, signature, slot, finality FROM txs WHERE finality < 2 AND sig_hash BETWEEN ? AND ? + ${PROBES - 1}`),
    setTxFinality: sqlite.prepare("UPDATE txs SET finality = ? WHERE id = ?"),
    insertEvent: sqlite.prepare(
      "INSERT INTO events (tx_id, event_index, ix, inner_path, kind, provider, job, slot, ts, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    insertStake: sqlite.prepare(
      "INSERT INTO stakes (tx_id, event_index, provider, kind, amount, active_after, unbonding_after, slot, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    insertEscrow: sqlite.prepare("INSERT INTO escrow (tx_id, event_index, kind, job, provider, amount, slot, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
    insertReward: sqlite.prepare(
      "INSERT INTO rewards (tx_id, event_index, funder, source, amount, total_funded, acc_reward_per_stake, slot, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    insertClaim: sqlite.prepare("INSERT INTO claims (tx_id, event_index, provider, owner, amount, total_claimed, slot, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
    insertSlash: sqlite.prepare(
      "INSERT INTO slashes (tx_id, event_index, provider, authority, amount, from_active, from_unbonding, reason, reason_name, evidence_hash, slot, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    insertDeadLetter: sqlite.prepare(
      "INSERT OR IGNORE INTO dead_letters (signature, slot, event_index, reason, payload, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    pubkeyId: sqlite.prepare("SELECT id FROM pubkeys WHERE key = ?"),
    insertPubkey: sqlite.prepare("INSERT INTO pubkeys (key, address) VALUES (?, ?)"),
    getProvider: sqlite.prepare("SELECT * FROM providers WHERE id = ?"),
    getJob: sqlite.prepare("SELECT * FROM jobs WHERE id = ?"),
    getConfig: sqlite.prepare("SELECT * FROM config WHERE id = 1"),
    putProvider: sqlite.prepare(
      `INSERT OR REPLACE INTO providers (id, owner, stake_vault, metadata_hash, gpu_model, gpu_count, vram_gb, region, status,
        active_stake, unbonding_amount, unbonding_unlock_at, reward_snapshot, reward_debt, rewards_owed, total_claimed, jobs_completed,
        jobs_failed, slashed_total, registered_at, updated_at, seq, versions, finality, last_slot, locked_stake, live_jobs, unlock_pause_mark)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    putJob: sqlite.prepare(
      `INSERT OR REPLACE INTO jobs (id, job_id, buyer, provider, escrow, price, max_duration, created_at, accepted_at, deadline,
        submitted_at, finished_at, provider_payout, fee, refund, spec_hash, result_hash, dispute_reason_hash, min_gpus, gpu_model,
        min_vram_gb, provider_share_bps, state, seq, closed, closed_at, versions, finality, last_slot, end_reason, fee_bps, challenge_window, pause_mark)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    putConfig: sqlite.prepare(
      `INSERT OR REPLACE INTO config (id, address, admin, slash_authority, stake_mint, treasury, reward_vault, min_stake_per_gpu,
        unbonding_period, challenge_window, protocol_fee_bps, slash_cap_bps, paused, acc_reward_per_stake, total_active_stake,
        reward_carry, unallocated_rewards, total_funded, total_claimed, total_slashed, provider_count, job_count, seq, versions,
        finality, last_slot, paused_at, paused_total, reward_period)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    putCheckpoint: sqlite.prepare("INSERT OR REPLACE INTO checkpoints (name, slot, signature, updated_at) VALUES (?, ?, ?, ?)"),
    getCheckpoint: sqlite.prepare("SELECT slot, signature FROM checkpoints WHERE name = ?"),
    setGapCursor: sqlite.prepare("UPDATE gaps SET before_signature = ? WHERE id = ?"),
    addCounter: sqlite.prepare("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value"),
  };

  // Event kinds: ids by name, created on first use of this IDL.
  const kindIds = new Map<string, number>();
  const insertKind = sqlite.prepare("INSERT OR IGNORE INTO event_kinds (name) VALUES (?)");
  for (const name of [...GPUNET_EVENT_NAMES, ...ACCOUNT_KINDS]) insertKind.run(name);
  for (const r of sqlite.prepare("SELECT id, name FROM event_kinds").all() as Row[]) kindIds.set(r.name as string, n(r.id));
  const kindNames = new Map([...kindIds].map(([k, v]) => [v, k]));
  // History tables (indexer/src/history): kept in step in every write transaction.
  const history = createSqliteHistory(sqlite);
  history.sync();

  // Interned pubkeys: the latin1 string of the 32 bytes is a cheap exact map key.
  const keyIds = new Map<string, number>();
  const keyId = (key: Uint8Array): number => {
    const buf = Buffer.from(key.buffer, key.byteOffset, 32);
    const k = buf.toString("latin1");
    const hit = keyIds.get(k);
    if (hit !== undefined) return hit;
    const row = q.pubkeyId.get(buf) as Row | undefined;
    const id = row ? n(row.id) : n(q.insertPubkey.run(buf, bs58.encode(buf)).lastInsertRowid);
    keyIds.set(k, id);
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
    const r = q.getConfig.get() as Row | undefined;
    config = r ? rowToConfig(r) : emptyConfig();
    return config;
  };
  const loadProvider = (id: number): ProviderState => {
    let p = providers.get(id);
    if (p) return p;
    const r = q.getProvider.get(id) as Row | undefined;
    p = r ? rowToProvider(r) : emptyProvider(id);
    providers.set(id, p);
    return p;
  };
  const loadJob = (id: number): JobState => {
    let j = jobs.get(id);
    if (j) return j;
    const r = q.getJob.get(id) as Row | undefined;
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
      q.putConfig.run(
        c.address,
        c.admin,
        c.slashAuthority,
        c.stakeMint,
        c.treasury,
        c.rewardVault,
        u64Text(c.minStakePerGpu),
        c.unbondingPeriod,
        c.challengeWindow,
        c.protocolFeeBps,
        c.slashCapBps,
        c.paused ? 1 : 0,
        u128Text(c.accRewardPerStake),
        u64Text(c.totalActiveStake),
        u64Text(c.rewardCarry),
        u64Text(c.unallocatedRewards),
        u64Text(c.totalFunded),
        u64Text(c.totalClaimed),
        u64Text(c.totalSlashed),
        u64Text(c.providerCount),
        u64Text(c.jobCount),
        u64Text(c.seq),
        json(c.versions),
        c.finality,
        c.lastSlot,
        c.pausedAt,
        c.pausedTotal,
        c.rewardPeriod,
      );
    }
    for (const p of dirtyProviders) {
      q.putProvider.run(
        p.id,
        p.owner,
        p.stakeVault,
        blob(p.metadataHash),
        p.gpuModel,
        p.gpuCount,
        p.vramGb,
        p.region,
        p.status,
        u64Text(p.activeStake),
        u64Text(p.unbondingAmount),
        p.unbondingUnlockAt,
        u128Text(p.rewardSnapshot),
        u64Text(p.rewardDebt),
        u64Text(p.rewardsOwed),
        u64Text(p.totalClaimed),
        u64Text(p.jobsCompleted),
        u64Text(p.jobsFailed),
        u64Text(p.slashedTotal),
        p.registeredAt,
        p.updatedAt,
        u64Text(p.seq),
        json(p.versions),
        p.finality,
        p.lastSlot,
        u64Text(p.lockedStake),
        u64Text(p.liveJobs),
        p.unlockPauseMark,
      );
    }
    for (const j of dirtyJobs) {
      q.putJob.run(
        j.id,
        u64Text(j.jobId),
        j.buyer,
        j.provider,
        j.escrow,
        u64Text(j.price),
        j.maxDuration,
        j.createdAt,
        j.acceptedAt,
        j.deadline,
        j.submittedAt,
        j.finishedAt,
        u64Text(j.providerPayout),
        u64Text(j.fee),
        u64Text(j.refund),
        blob(j.specHash),
        blob(j.resultHash),
        blob(j.disputeReasonHash),
        j.minGpus,
        j.gpuModel,
        j.minVramGb,
        j.providerShareBps,
        j.state,
        u64Text(j.seq),
        j.closed ? 1 : 0,
        j.closedAt,
        json(j.versions),
        j.finality,
        j.lastSlot,
        j.endReason,
        j.feeBps,
        j.challengeWindow,
        j.pauseMark,
      );
    }
    configDirty = false;
    dirtyProviders.clear();
    dirtyJobs.clear();
  };

  /** Applies one event to entities (and, when `history`, writes its history rows). */
  const applyEvent = (
    e: Ev,
    txId: number | bigint,
    slot: bigint,
    txIndex: number,
    finality: number,
    history: boolean,
  ): { provider: number | null; job: number | null } => {
    const pk = eventProvider(e);
    const jk = eventJob(e);
    const providerId = pk ? keyId(pk) : null;
    const jobId = jk ? keyId(jk) : null;
    if (providerId !== null) {
      const p = loadProvider(providerId);
      applyToProvider(p, e, keyId);
      if (finality < p.finality) p.finality = finality;
      if (slot > p.lastSlot) p.lastSlot = slot;
      dirtyProviders.add(p);
    }
    if (jobId !== null) {
      const j = loadJob(jobId);
      applyToJob(j, e, keyId);
      if (finality < j.finality) j.finality = finality;
      if (slot > j.lastSlot) j.lastSlot = slot;
      dirtyJobs.add(j);
    }
    if (touchesConfig(e)) {
      const c = loadConfig();
      applyToConfig(c, e, orderKey(slot, txIndex, e.eventIndex), keyId);
      if (finality < c.finality) c.finality = finality;
      if (slot > c.lastSlot) c.lastSlot = slot;
      configDirty = true;
    }
    if (history) writeHistory(e, txId, slot, providerId, jobId);
    return { provider: providerId, job: jobId };
  };

  const writeHistory = (e: Ev, txId: number | bigint, slot: bigint, providerId: number | null, jobId: number | null): void => {
    const i = e.eventIndex;
    const ts = e.data.timestamp;
    switch (e.name) {
      case "staked":
        q.insertStake.run(txId, i, providerId, "stake", u64Text(e.data.amount), u64Text(e.data.activeStake), "", slot, ts);
        break;
      case "unstakeRequested":
        q.insertStake.run(txId, i, providerId, "unstake", u64Text(e.data.amount), u64Text(e.data.activeStake), u64Text(e.data.unbondingAmount), slot, ts);
        break;
      case "withdrawn":
        q.insertStake.run(txId, i, providerId, "withdraw", u64Text(e.data.amount), "", u64Text(e.data.unbondingAmount), slot, ts);
        break;
      case "rewardsFunded":
        q.insertReward.run(
          txId,
          i,
          keyId(e.data.funder),
          e.data.source,
          u64Text(e.data.amount),
          u64Text(e.data.totalFunded),
          u128Text(e.data.accRewardPerStake),
          slot,
          ts,
        );
        break;
      case "rewardsClaimed":
        q.insertClaim.run(txId, i, providerId, keyId(e.data.owner), u64Text(e.data.amount), u64Text(e.data.totalClaimed), slot, ts);
        break;
      case "slashed":
        q.insertSlash.run(
          txId,
          i,
          providerId,
          keyId(e.data.authority),
          u64Text(e.data.amount),
          u64Text(e.data.fromActive),
          u64Text(e.data.fromUnbonding),
          slashReasonIndex(e.data.reason),
          String(e.data.reason),
          blob(e.data.evidenceHash),
          slot,
          ts,
        );
        break;
      case "jobCreated":
        q.insertEscrow.run(txId, i, "deposit", jobId, null, u64Text(e.data.price), slot, ts);
        break;
      case "jobCancelled":
        q.insertEscrow.run(txId, i, "refund", jobId, null, u64Text(e.data.refund), slot, ts);
        break;
      case "jobCompleted":
        q.insertEscrow.run(txId, i, "payout", jobId, providerId, u64Text(e.data.providerPayout), slot, ts);
        if (e.data.fee > 0n) q.insertEscrow.run(txId, i, "fee", jobId, providerId, u64Text(e.data.fee), slot, ts);
        break;
      case "disputeResolved":
        if (e.data.providerPayout > 0n) q.insertEscrow.run(txId, i, "payout", jobId, providerId, u64Text(e.data.providerPayout), slot, ts);
        if (e.data.fee > 0n) q.insertEscrow.run(txId, i, "fee", jobId, providerId, u64Text(e.data.fee), slot, ts);
        if (e.data.refund > 0n) q.insertEscrow.run(txId, i, "refund", jobId, providerId, u64Text(e.data.refund), slot, ts);
        break;
      case "jobExpired":
        q.insertEscrow.run(txId, i, "refund", jobId, providerId, u64Text(e.data.refund), slot, ts);
        break;
      case "jobClosed":
        if (e.data.swept > 0n) q.insertEscrow.run(txId, i, "swept", jobId, null, u64Text(e.data.swept), slot, ts);
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
  const findTx = (slot: bigint, hash: number, signature: string): Row | undefined => {
    for (const r of q.findTx.all(slot, hash, hash) as Row[]) if (r.signature === signature) return r;
    return undefined;
  };
  const findRef = (ref: TxRef): Row | undefined =>
    typeof ref === "string" ? (q.findTxBySignature.get(ref) as Row | undefined) : findTx(ref.slot, signatureHash(ref.signature), ref.signature);

  let maxSlotSeen = -1n;
  {
    const r = sqlite.prepare("SELECT MAX(slot) AS s FROM txs").get() as Row;
    if (r.s !== null) maxSlotSeen = b(r.s);
  }

  const checkpointCache = new Map<string, CheckpointUpdate>();
  const getCheckpoint = (name: string): CheckpointUpdate | null => {
    const hit = checkpointCache.get(name);
    if (hit) return hit;
    const r = q.getCheckpoint.get(name) as Row | undefined;
    if (!r) return null;
    const cp = { name, slot: b(r.slot), signature: r.signature as string };
    checkpointCache.set(name, cp);
    return cp;
  };

  const recomputeFinality = (): void => {
    // Only transactions not yet finalized can hold an entity below 2: start from them
    // (partial index txs_unfinalized) rather than from each entity's events.
    sqlite.exec(`
      CREATE TEMP TABLE IF NOT EXISTS nonfinal (kind INTEGER, id INTEGER, f INTEGER, PRIMARY KEY (kind, id)) WITHOUT ROWID;
      DELETE FROM temp.nonfinal;
      INSERT INTO temp.nonfinal SELECT 0, e.provider, MIN(t.finality) FROM txs t JOIN events e ON e.tx_id = t.id
        WHERE t.finality < 2 AND e.provider IS NOT NULL GROUP BY e.provider;
      INSERT INTO temp.nonfinal SELECT 1, e.job, MIN(t.finality) FROM txs t JOIN events e ON e.tx_id = t.id
        WHERE t.finality < 2 AND e.job IS NOT NULL GROUP BY e.job;
      UPDATE providers SET finality = COALESCE((SELECT f FROM temp.nonfinal WHERE kind = 0 AND id = providers.id), 2) WHERE finality < 2;
      UPDATE jobs SET finality = COALESCE((SELECT f FROM temp.nonfinal WHERE kind = 1 AND id = jobs.id), 2) WHERE finality < 2;
      UPDATE config SET finality = COALESCE((SELECT MIN(finality) FROM txs WHERE finality < 2), 2) WHERE finality < 2;
    `);
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
  const q2 = {
    eventsOfTx: sqlite.prepare("SELECT provider, job, kind, payload FROM events WHERE tx_id = ?"),
    txCounts: sqlite.prepare("SELECT signature, event_count, truncated FROM txs WHERE id = ?"),
    delTx: sqlite.prepare("DELETE FROM txs WHERE id = ?"),
    delDeadLetters: sqlite.prepare("DELETE FROM dead_letters WHERE signature = ?"),
    keyReferenced: sqlite.prepare(`SELECT
        EXISTS (SELECT 1 FROM providers WHERE id = @id OR owner = @id OR stake_vault = @id)
        OR EXISTS (SELECT 1 FROM jobs WHERE id = @id OR buyer = @id OR provider = @id OR escrow = @id)
        OR EXISTS (SELECT 1 FROM config WHERE @id IN (address, admin, slash_authority, stake_mint, treasury, reward_vault))
        OR EXISTS (SELECT 1 FROM rewards WHERE funder = @id)
        OR EXISTS (SELECT 1 FROM claims WHERE owner = @id)
        OR EXISTS (SELECT 1 FROM slashes WHERE authority = @id) AS used`),
    delPubkey: sqlite.prepare("DELETE FROM pubkeys WHERE id = ?"),
  };
  const configKindIds = (): Set<number> => new Set(configKinds.split(",").map(Number));
  /** Every 32-byte value of a stored event payload that is an interned pubkey. */
  const payloadKeys = (kind: string, payload: Uint8Array, out: Set<number>): void => {
    const values: unknown[] = [];
    if (kind.startsWith("account:")) {
      values.push(payload.subarray(0, 32));
      const acc = decodeGpunetAccount(payload.subarray(32));
      if (acc) values.push(...Object.values(acc.data));
    } else {
      const dec = decodeEventBytes(payload, "bytes");
      if (dec.ok) values.push(...Object.values(dec.data as Record<string, unknown>));
    }
    for (const v of values) {
      if (!(v instanceof Uint8Array) || v.length !== 32) continue;
      const r = q.pubkeyId.get(Buffer.from(v.buffer, v.byteOffset, 32)) as Row | undefined;
      if (r) out.add(n(r.id));
    }
  };

  /**
   * Removes one transaction row with everything it stored (events and history
   * rows by cascade, its dead letters) and takes its share out of the counters.
   */
  const dropTxRow = (row: Row, acc: Rollback): void => {
    const id = row.id;
    const t = q2.txCounts.get(id) as Row | undefined;
    if (!t) return;
    const cfgKinds = configKindIds();
    for (const r of q2.eventsOfTx.all(id) as Row[]) {
      if (r.provider !== null) acc.providers.add(n(r.provider));
      if (r.job !== null) acc.jobs.add(n(r.job));
      if (cfgKinds.has(n(r.kind))) acc.config = true;
      payloadKeys(kindNames.get(n(r.kind)) ?? "", new Uint8Array(r.payload as Buffer), acc.keys);
    }
    const dead = q2.delDeadLetters.run(t.signature).changes;
    history.noteRemoved(id);
    q2.delTx.run(id);
    q.addCounter.run("txs", -1);
    q.addCounter.run("events", -n(t.event_count));
    if (dead > 0) q.addCounter.run("deadLetters", -dead);
    if (n(t.truncated) !== 0) q.addCounter.run("truncated", -1);
  };

  /** Rebuilds what removed rows touched and deletes pubkeys nothing stored names any more. */
  const finishRollback = (acc: Rollback): void => {
    if (acc.providers.size === 0 && acc.jobs.size === 0 && !acc.config && acc.keys.size === 0) return;
    // A provider's stakes read the Config as it was before each of them: replay it too.
    rebuild(acc.providers, acc.jobs, acc.config || acc.providers.size > 0);
    saveDirty();
    if (acc.keys.size === 0) return;
    let configKeys: Set<number> | null = null;
    for (const id of acc.keys) {
      if (n((q2.keyReferenced.get({ id }) as Row).used) !== 0) continue;
      // Keys named only by configUpdated events (earlier admins...) stay while such an event does.
      if (configKeys === null) {
        configKeys = new Set();
        const kinds = [kindIds.get("configUpdated"), kindIds.get("account:config")].join(",");
        for (const r of sqlite.prepare(`SELECT kind, payload FROM events WHERE kind IN (${kinds})`).all() as Row[]) {
          payloadKeys(kindNames.get(n(r.kind)) ?? "", new Uint8Array(r.payload as Buffer), configKeys);
        }
      }
      if (configKeys.has(id)) continue;
      q2.delPubkey.run(id);
    }
    keyIds.clear();
  };

  const applyBatchTx = sqlite.transaction((batch: IngestBatch): BatchResult => {
    const res: BatchResult = { inserted: 0, duplicates: 0, moved: 0, upgraded: 0, failed: 0, events: 0, deadLetters: 0, truncated: 0 };
    const rollback = newRollback();
    // With every stored row finalized (a backfill of old history), nothing can have moved.
    let anyUnfinalized = n((q.anyUnfinalized.get() as Row).x) !== 0;
    const now = Date.now();
    const sorted = [...batch.txs].sort((x, y) => {
      const a = x.update.slot;
      const c = y.update.slot;
      return a < c ? -1 : a > c ? 1 : x.txIndex - y.txIndex;
    });
    for (const t of sorted) {
      const d = t.decoded ?? decodeUpdate(t.update, opts.programId);
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
      // The common answer is none: `get` first, all candidates only when there is one.
      if (anyUnfinalized && q.findUnfinalizedBySig.get(hash, hash) !== undefined)
        for (const r of q.findUnfinalizedBySig.all(hash, hash) as Row[]) {
          if (r.signature !== u.signature || b(r.slot) === u.slot) continue;
          if (n(r.finality) > finality) {
            stale = true;
            continue;
          }
          dropTxRow(r, rollback);
          res.moved++;
        }
      if (stale) {
        res.duplicates++;
        continue;
      }
      if (finality < 2) anyUnfinalized = true;
      // Insert first (the common case is a new transaction); the UNIQUE hash says when it is not.
      let ins = q.insertTx.run(hash, u.signature, u.slot, t.txIndex, u.blockTime, finality, d.truncated ? 1 : 0, d.events.length, u.source, now);
      if (ins.changes === 0) {
        const existing = findTx(u.slot, hash, u.signature);
        if (existing) {
          res.duplicates++;
          if (n(existing.finality) < finality) {
            q.setTxFinality.run(finality, existing.id);
            res.upgraded++;
          }
          continue;
        }
        // Another signature with the same hash in this slot (practically never): next free probe slot.
        for (let k = 1; k < PROBES && ins.changes === 0; k++) {
          ins = q.insertTx.run(hash + k, u.signature, u.slot, t.txIndex, u.blockTime, finality, d.truncated ? 1 : 0, d.events.length, u.source, now);
        }
        if (ins.changes === 0) throw new IndexerError("ValueOutOfRange", `no free signature hash slot for ${u.signature}`);
      }
      if (u.slot > maxSlotSeen) maxSlotSeen = u.slot;
      res.inserted++;
      const txId = ins.lastInsertRowid;
      for (const e of d.events) {
        const ids = applyEvent(e, txId, u.slot, t.txIndex, finality, true);
        q.insertEvent.run(
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
        );
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
        const r = q.insertDeadLetter.run(u.signature, u.slot, f.eventIndex, f.reason, f.payload, detail, now);
        res.deadLetters += r.changes;
      }
      if (d.truncated) {
        res.truncated++;
        let k = 0;
        for (const s of t.snapshots ?? []) {
          const address = bs58.decode(s.address);
          const applied = applySnapshot(address, s.data, u.slot, t.txIndex, finality);
          if (!applied) continue;
          q.insertEvent.run(
            txId,
            SNAPSHOT_EVENT_BASE + k++,
            -1,
            "",
            kindIds.get(applied.kind),
            applied.provider,
            applied.job,
            u.slot,
            u.blockTime ?? 0n,
            Buffer.concat([Buffer.from(address), Buffer.from(s.data)]),
          );
        }
      }
    }
    // Entities the replaced rows touched are rebuilt from the events now stored
    // (this batch's included), exactly as a fresh index would compute them.
    finishRollback(rollback);
    saveDirty();
    for (const cp of batch.checkpoints ?? []) {
      const cur = getCheckpoint(cp.name);
      if (cur && cur.slot > cp.slot) continue;
      q.putCheckpoint.run(cp.name, cp.slot, cp.signature, now);
      checkpointCache.set(cp.name, cp);
    }
    for (const g of batch.gapCursors ?? []) q.setGapCursor.run(g.before, g.gapId);
    const deltas: Record<string, number> = { ...(batch.counters ?? {}) };
    deltas.txs = (deltas.txs ?? 0) + res.inserted;
    deltas.events = (deltas.events ?? 0) + res.events;
    deltas.duplicates = (deltas.duplicates ?? 0) + res.duplicates;
    deltas.failedTxs = (deltas.failedTxs ?? 0) + res.failed;
    deltas.deadLetters = (deltas.deadLetters ?? 0) + res.deadLetters;
    deltas.truncated = (deltas.truncated ?? 0) + res.truncated;
    deltas.moved = (deltas.moved ?? 0) + res.moved;
    for (const [k, v] of Object.entries(deltas)) if (v !== 0) q.addCounter.run(k, v);
    if (res.upgraded > 0) recomputeFinality();
    history.sync();
    return res;
  });

  const EVENT_COLS = "e.kind, e.payload, e.ix, e.event_index, e.provider, e.job, e.tx_id, t.slot, t.tx_index, t.finality";
  const configKinds = [
    ...GPUNET_EVENT_NAMES.filter((k) =>
      ["configUpdated", "providerRegistered", "staked", "unstakeRequested", "slashed", "rewardsFunded", "rewardsClaimed", "jobCreated"].includes(k),
    ),
    "account:config",
  ]
    .map((k) => kindIds.get(k))
    .join(",");

  /**
   * Rebuilds some entities from the events table alone, replaying their events
   * in chain order through the same code as ingest. One scan of `events` (no
   * per-entity index: it would cost every insert ~15% for a path that runs only
   * when data never finalizes).
   */
  const rebuild = (providerIds: Iterable<number>, jobIds: Iterable<number>, withConfig: boolean): void => {
    const ps = new Set(providerIds);
    const js = new Set(jobIds);
    if (ps.size === 0 && js.size === 0 && !withConfig) return;
    for (const p of [...dirtyProviders]) if (ps.has(p.id)) dirtyProviders.delete(p);
    for (const j of [...dirtyJobs]) if (js.has(j.id)) dirtyJobs.delete(j);
    for (const id of ps) providers.set(id, emptyProvider(id));
    for (const id of js) jobs.set(id, emptyJob(id));
    if (withConfig) config = emptyConfig();
    const where = [
      ps.size > 0 ? `e.provider IN (${[...ps].join(",")})` : null,
      js.size > 0 ? `e.job IN (${[...js].join(",")})` : null,
      withConfig ? `e.kind IN (${configKinds})` : null,
    ]
      .filter((x) => x !== null)
      .join(" OR ");
    const rows = sqlite
      .prepare(`SELECT ${EVENT_COLS} FROM events e JOIN txs t ON t.id = e.tx_id WHERE ${where} ORDER BY t.slot, t.tx_index, t.id, e.event_index`)
      .all() as Row[];
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
      if (pid !== null && ps.has(pid)) {
        const p = loadProvider(pid);
        applyToProvider(p, e, keyId);
        if (finality < p.finality) p.finality = finality;
        if (slot > p.lastSlot) p.lastSlot = slot;
        seenP.add(pid);
      }
      if (jid !== null && js.has(jid)) {
        const j = loadJob(jid);
        applyToJob(j, e, keyId);
        if (finality < j.finality) j.finality = finality;
        if (slot > j.lastSlot) j.lastSlot = slot;
        seenJ.add(jid);
      }
      if (withConfig && touchesConfig(e)) {
        const c = loadConfig();
        applyToConfig(c, e, orderKey(slot, txIndex, n(r.event_index)), keyId);
        if (finality < c.finality) c.finality = finality;
        if (slot > c.lastSlot) c.lastSlot = slot;
        seenC = true;
      }
    }
    const delProvider = sqlite.prepare("DELETE FROM providers WHERE id = ?");
    const delJob = sqlite.prepare("DELETE FROM jobs WHERE id = ?");
    for (const id of ps) {
      if (seenP.has(id)) dirtyProviders.add(providers.get(id) as ProviderState);
      else {
        providers.delete(id);
        delProvider.run(id);
      }
    }
    for (const id of js) {
      if (seenJ.has(id)) dirtyJobs.add(jobs.get(id) as JobState);
      else {
        jobs.delete(id);
        delJob.run(id);
      }
    }
    if (withConfig) {
      if (seenC) configDirty = true;
      else {
        config = null;
        sqlite.exec("DELETE FROM config");
      }
    }
    saveDirty();
  };

  const applyFinalityTx = sqlite.transaction((finalized: readonly TxRef[], dropped: readonly TxRef[]) => {
    let fin = 0;
    const setFinal = sqlite.prepare("UPDATE txs SET finality = 2 WHERE id = ? AND finality < 2");
    for (const s of finalized) {
      const row = findRef(s);
      if (row) fin += setFinal.run(row.id).changes;
    }
    const rollback = newRollback();
    let rolled = 0;
    for (const s of dropped) {
      const row = findRef(s);
      if (!row) continue;
      dropTxRow(row, rollback);
      rolled++;
    }
    if (rolled > 0) {
      finishRollback(rollback);
      q.addCounter.run("rolledBack", rolled);
    }
    recomputeFinality();
    history.sync();
    return { finalized: fin, rolledBack: rolled };
  });

  // One pass over every stored event in chain order, exactly as ingest applies them.
  const rebuildAllTx = sqlite.transaction(() => {
    sqlite.exec("DELETE FROM providers; DELETE FROM jobs; DELETE FROM config;");
    dropCaches();
    const rows = sqlite
      .prepare(`SELECT ${EVENT_COLS} FROM events e JOIN txs t ON t.id = e.tx_id ORDER BY t.slot, t.tx_index, t.id, e.event_index`)
      .all() as Row[];
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
      applyEvent(e, r.tx_id as bigint, slot, txIndex, finality, false);
    }
    saveDirty();
    history.rebuild();
  });

  const trimCaches = (): void => {
    if (providers.size > CACHE_LIMIT) providers.clear();
    if (jobs.size > CACHE_LIMIT) jobs.clear();
    if (keyIds.size > CACHE_LIMIT) keyIds.clear();
  };

  return {
    applyBatch(batch) {
      try {
        const r = applyBatchTx.immediate(batch);
        trimCaches();
        return r;
      } catch (e) {
        // The transaction rolled back: in-memory copies may hold its changes.
        dropCaches();
        keyIds.clear();
        checkpointCache.clear();
        throw e;
      }
    },
    applyFinality(finalized, dropped) {
      try {
        return applyFinalityTx.immediate(finalized, dropped);
      } catch (e) {
        dropCaches();
        keyIds.clear();
        throw e;
      }
    },
    unfinalized(maxSlot, limit) {
      const rows = sqlite.prepare("SELECT signature, slot FROM txs WHERE finality < 2 AND slot <= ? ORDER BY slot LIMIT ?").all(maxSlot, limit) as Row[];
      return rows.map((r) => ({ signature: r.signature as string, slot: b(r.slot) }));
    },
    knownSignatures(refs) {
      const out = new Set<string>();
      for (const s of refs) if (findRef(s)) out.add(typeof s === "string" ? s : s.signature);
      return out;
    },
    openGap(until, reason) {
      return n(
        sqlite.prepare("INSERT INTO gaps (until_signature, before_signature, reason, created_at) VALUES (?, NULL, ?, ?)").run(until, reason, Date.now())
          .lastInsertRowid,
      );
    },
    closeGap(id) {
      sqlite.prepare("DELETE FROM gaps WHERE id = ?").run(id);
      history.sync(); // a deferred history recompute runs once no gap is left
    },
    gaps() {
      return (sqlite.prepare("SELECT id, until_signature, before_signature, reason FROM gaps ORDER BY id").all() as Row[]).map((r) => ({
        id: n(r.id),
        until: (r.until_signature as string | null) ?? null,
        before: (r.before_signature as string | null) ?? null,
        reason: r.reason as string,
      }));
    },
    checkpoint: getCheckpoint,
    counters() {
      const out: Record<string, bigint> = {};
      for (const r of sqlite.prepare("SELECT name, value FROM counters").all() as Row[]) out[r.name as string] = b(r.value);
      return out;
    },
    rebuildAll() {
      try {
        rebuildAllTx.immediate();
      } catch (e) {
        dropCaches();
        throw e;
      }
    },
    maxSlot() {
      return maxSlotSeen < 0n ? null : maxSlotSeen;
    },
  };
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
const SLASH_REASONS: readonly string[] = ["downtime", "failedJob", "fraud", "other"];
function slashReasonIndex(name: unknown): number | null {
  if (typeof name === "number") return name;
  const i = SLASH_REASONS.indexOf(String(name));
  return i < 0 ? null : i;
}
