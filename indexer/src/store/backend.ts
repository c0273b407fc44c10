/**
 * What the store's processing needs from a database, and nothing more: one
 * implementation per dialect (SQLite through better-sqlite3 prepared
 * statements, PostgreSQL through `pg` with batched writes).
 *
 * The hot path (one call per transaction, event and history row) is
 * synchronous on both. SQLite answers it from prepared statements. PostgreSQL
 * answers it from what {@link StoreBackend.prefetch} loaded for the batch, and
 * buffers the writes, which go out as multi-row INSERTs before the next read
 * and at commit. Rare paths (rollbacks, rebuilds, gap bookkeeping) are async.
 *
 * Column lists are checked against db/schema.ts by the compiler; values are
 * passed in the order of these lists.
 */
import type {
  ClaimsTable,
  ConfigTable,
  DeadLettersTable,
  EscrowTable,
  EventsTable,
  JobsTable,
  ProvidersTable,
  RewardsTable,
  SlashesTable,
  StakesTable,
  TxsTable,
} from "../db/schema.ts";
import type { SqlDialect } from "../db/migrations/index.ts";
import type { AsyncExecutor } from "../history/executor.ts";

/** A row as a driver returns it (integers as bigint). */
export type Row = Record<string, unknown>;

const cols =
  <T>() =>
  <const K extends readonly (keyof T & string)[]>(k: K): K =>
    k;

/** Insert column lists, in the order the store passes values. */
export const COLUMNS = {
  txs: cols<TxsTable>()(["sig_hash", "signature", "slot", "tx_index", "block_time", "finality", "truncated", "event_count", "source", "indexed_at"]),
  events: cols<EventsTable>()(["tx_id", "event_index", "ix", "inner_path", "kind", "provider", "job", "slot", "ts", "payload"]),
  stakes: cols<StakesTable>()(["tx_id", "event_index", "provider", "kind", "amount", "active_after", "unbonding_after", "slot", "ts"]),
  escrow: cols<EscrowTable>()(["tx_id", "event_index", "kind", "job", "provider", "amount", "slot", "ts"]),
  rewards: cols<RewardsTable>()(["tx_id", "event_index", "funder", "source", "amount", "total_funded", "acc_reward_per_stake", "slot", "ts"]),
  claims: cols<ClaimsTable>()(["tx_id", "event_index", "provider", "owner", "amount", "total_claimed", "slot", "ts"]),
  slashes: cols<SlashesTable>()([
    "tx_id",
    "event_index",
    "provider",
    "authority",
    "amount",
    "from_active",
    "from_unbonding",
    "reason",
    "reason_name",
    "evidence_hash",
    "slot",
    "ts",
  ]),
  dead_letters: cols<DeadLettersTable>()(["signature", "slot", "event_index", "reason", "payload", "detail", "created_at"]),
  providers: cols<ProvidersTable>()([
    "id",
    "owner",
    "stake_vault",
    "metadata_hash",
    "gpu_model",
    "gpu_count",
    "vram_gb",
    "region",
    "status",
    "active_stake",
    "unbonding_amount",
    "unbonding_unlock_at",
    "reward_snapshot",
    "reward_debt",
    "rewards_owed",
    "total_claimed",
    "jobs_completed",
    "jobs_failed",
    "slashed_total",
    "registered_at",
    "updated_at",
    "seq",
    "versions",
    "finality",
    "last_slot",
    "locked_stake",
    "live_jobs",
    "unlock_pause_mark",
  ]),
  jobs: cols<JobsTable>()([
    "id",
    "job_id",
    "buyer",
    "provider",
    "escrow",
    "price",
    "max_duration",
    "created_at",
    "accepted_at",
    "deadline",
    "submitted_at",
    "finished_at",
    "provider_payout",
    "fee",
    "refund",
    "spec_hash",
    "result_hash",
    "dispute_reason_hash",
    "min_gpus",
    "gpu_model",
    "min_vram_gb",
    "provider_share_bps",
    "state",
    "seq",
    "closed",
    "closed_at",
    "versions",
    "finality",
    "last_slot",
    "end_reason",
    "fee_bps",
    "challenge_window",
    "pause_mark",
  ]),
  config: cols<ConfigTable>()([
    "id",
    "address",
    "admin",
    "slash_authority",
    "stake_mint",
    "treasury",
    "reward_vault",
    "min_stake_per_gpu",
    "unbonding_period",
    "challenge_window",
    "protocol_fee_bps",
    "slash_cap_bps",
    "paused",
    "acc_reward_per_stake",
    "total_active_stake",
    "reward_carry",
    "unallocated_rewards",
    "total_funded",
    "total_claimed",
    "total_slashed",
    "provider_count",
    "job_count",
    "seq",
    "versions",
    "finality",
    "last_slot",
    "paused_at",
    "paused_total",
    "reward_period",
  ]),
} as const;

/** Tables written one row per history event. */
export type HistoryTable = "stakes" | "escrow" | "rewards" | "claims" | "slashes";

/** The stored row of a transaction, as dedupe and rollbacks need it. */
export interface TxRow {
  readonly id: number;
  readonly signature: string;
  readonly slot: bigint;
  finality: number;
}

/** What a batch will touch, so that PostgreSQL can load it in a few queries. */
export interface BatchPlan {
  /** (slot, signature hash) of every transaction of the batch. */
  readonly txs: readonly { readonly slot: bigint; readonly hash: number }[];
  /** Every 32-byte value the batch's events and snapshots carry (latin1 text of the bytes). */
  readonly keys: ReadonlySet<string>;
  /**
   * No stored transaction row has a higher slot (the store's highest so far):
   * a transaction above it cannot be stored yet, so its (slot, hash) needs no lookup.
   */
  readonly storedUpTo?: bigint;
}

/** The database side of the store; see the module comment. */
export interface StoreBackend {
  readonly dialect: SqlDialect;
  /** Whether the hot path reads what {@link prefetch} loaded (then the store calls it before each batch). */
  readonly prefetches: boolean;
  /** u64 and u128 as this dialect stores them (SQLite: fixed-width text; PostgreSQL: NUMERIC). */
  u64(v: bigint): string;
  u128(v: bigint): string;
  /** What a history column holds where an event does not carry the value. */
  readonly absent: string | null;

  /**
   * Portable SQL (`?` placeholders) inside the current transaction, seeing every
   * write of the batch so far: what the history tables (indexer/src/history) run on.
   */
  readonly sql: AsyncExecutor;

  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;

  // ---- hot path (synchronous; inside a transaction)
  prefetch(plan: BatchPlan): Promise<void>;
  /** Loads the rows of entities the store has no copy of (PostgreSQL); SQLite reads them when asked. */
  prefetchEntities(providers: readonly number[], jobs: readonly number[], config: boolean): Promise<void>;
  /**
   * Called every few hundred transactions of a batch. A backend that talks to a
   * server (PostgreSQL) sends what it has buffered so far and returns a promise
   * that lets the replies arrive, so the server writes while the batch is still
   * being processed; a synchronous backend returns undefined or leaves it out.
   */
  writeBehind?(): Promise<void> | undefined;
  anyUnfinalized(): boolean;
  /** Rows at `slot` whose hash is one of the probe slots `hash .. hash + 7`. */
  findTx(slot: bigint, hash: number): TxRow[];
  /** Rows below finalized whose hash is one of the probe slots of `hash`. */
  findUnfinalizedBySig(hash: number): TxRow[];
  /** The new row's id, or null when (slot, sig_hash) is taken. Values in {@link COLUMNS}.txs order. */
  insertTx(values: readonly unknown[]): number | null;
  setTxFinality(id: number, finality: number): void;
  insertEvent(values: readonly unknown[]): void;
  insertHistory(table: HistoryTable, values: readonly unknown[]): void;
  /** 1 when stored, 0 when that (signature, event index) already has one. */
  insertDeadLetter(values: readonly unknown[]): number;
  pubkeyId(key: Buffer): number | undefined;
  insertPubkey(key: Buffer, address: string): number;
  getProvider(id: number): Row | undefined;
  getJob(id: number): Row | undefined;
  getConfig(): Row | undefined;
  putProvider(values: readonly unknown[]): void;
  putJob(values: readonly unknown[]): void;
  putConfig(values: readonly unknown[]): void;
  putCheckpoint(name: string, slot: bigint, signature: string, now: number): void;
  setGapCursor(gapId: number, before: string): void;
  addCounters(deltas: ReadonlyMap<string, number>): void;

  // ---- rare paths (async)
  findTxAsync(slot: bigint, hash: number): Promise<TxRow[]>;
  /** The rows of many (slot, hash) probes at once. */
  findTxsAsync(probes: readonly { readonly slot: bigint; readonly hash: number }[]): Promise<TxRow[]>;
  findTxBySignature(signature: string): Promise<TxRow | undefined>;
  /** provider, job, kind, payload of a transaction's events. */
  eventsOfTx(id: number): Promise<Row[]>;
  /** signature, event_count, truncated of a transaction row. */
  txCounts(id: number): Promise<Row | undefined>;
  /** Deletes the row (events and history rows go with it). */
  deleteTx(id: number): Promise<void>;
  deleteDeadLetters(signature: string): Promise<number>;
  keyReferenced(id: number): Promise<boolean>;
  deletePubkey(id: number): Promise<void>;
  /** Events (with their transaction's slot, tx_index, finality) in chain order; all of them when `filter` is null. */
  replayEvents(filter: { readonly providers: readonly number[]; readonly jobs: readonly number[]; readonly kinds: readonly number[] } | null): Promise<Row[]>;
  eventsOfKinds(kinds: readonly number[]): Promise<Row[]>;
  deleteEntity(table: "providers" | "jobs", id: number): Promise<void>;
  deleteConfig(): Promise<void>;
  deleteAllEntities(): Promise<void>;
  /** Sets each entity's finality to the lowest among the transactions not yet finalized that touched it. */
  recomputeFinality(): Promise<void>;
  unfinalized(maxSlot: bigint, limit: number): Promise<Row[]>;
  openGap(until: string | null, reason: string, now: number): Promise<number>;
  closeGap(id: number): Promise<void>;
  gaps(): Promise<Row[]>;
  checkpoints(): Promise<Row[]>;
  counters(): Promise<Row[]>;
  maxSlot(): Promise<bigint | null>;
  /** Ids of the event kinds, created when missing. */
  eventKinds(names: readonly string[]): Promise<Map<string, number>>;
}
