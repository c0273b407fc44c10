/**
 * Kysely table types of the index database (migration 0001; SCHEMA.md).
 * Read with `defaultSafeIntegers`: every INTEGER comes back as bigint.
 * u64 amounts are 20-digit TEXT, u128 39-digit TEXT.
 */

/** `txs`: one row per indexed transaction (dedupe key: `signature`, found through `sig_hash`). */
export interface TxsTable {
  id: bigint;
  sig_hash: bigint;
  signature: string;
  slot: bigint;
  tx_index: bigint | null;
  block_time: bigint | null;
  finality: bigint;
  truncated: bigint;
  event_count: bigint;
  source: string;
  indexed_at: bigint;
}

/** `events`: the append-only event log; `payload` is the exact logged bytes. */
export interface EventsTable {
  tx_id: bigint;
  event_index: bigint;
  ix: bigint;
  inner_path: string;
  kind: bigint;
  provider: bigint | null;
  job: bigint | null;
  slot: bigint;
  ts: bigint;
  payload: Uint8Array;
}

export interface PubkeysTable {
  id: bigint;
  key: Uint8Array;
  address: string;
}
export interface EventKindsTable {
  id: bigint;
  name: string;
}
export interface MetaTable {
  key: string;
  value: string;
}

export interface ConfigTable {
  id: bigint;
  address: bigint | null;
  admin: bigint | null;
  slash_authority: bigint | null;
  stake_mint: bigint | null;
  treasury: bigint | null;
  reward_vault: bigint | null;
  min_stake_per_gpu: string;
  unbonding_period: bigint;
  challenge_window: bigint;
  protocol_fee_bps: bigint;
  slash_cap_bps: bigint;
  paused: bigint;
  paused_at: bigint;
  paused_total: bigint;
  reward_period: bigint;
  acc_reward_per_stake: string;
  total_active_stake: string;
  reward_carry: string;
  unallocated_rewards: string;
  total_funded: string;
  total_claimed: string;
  total_slashed: string;
  provider_count: string;
  job_count: string;
  seq: string;
  versions: string;
  finality: bigint;
  last_slot: bigint;
}

export interface ProvidersTable {
  id: bigint;
  owner: bigint | null;
  stake_vault: bigint | null;
  metadata_hash: Uint8Array | null;
  gpu_model: bigint;
  gpu_count: bigint;
  vram_gb: bigint;
  region: bigint;
  status: bigint;
  active_stake: string;
  unbonding_amount: string;
  unbonding_unlock_at: bigint;
  reward_snapshot: string;
  reward_debt: string;
  rewards_owed: string;
  total_claimed: string;
  jobs_completed: string;
  jobs_failed: string;
  slashed_total: string;
  registered_at: bigint;
  updated_at: bigint;
  seq: string;
  versions: string;
  finality: bigint;
  last_slot: bigint;
  locked_stake: string;
  live_jobs: string;
  unlock_pause_mark: bigint;
}

export interface JobsTable {
  id: bigint;
  job_id: string;
  buyer: bigint | null;
  provider: bigint | null;
  escrow: bigint | null;
  price: string;
  max_duration: bigint;
  created_at: bigint;
  accepted_at: bigint;
  deadline: bigint;
  submitted_at: bigint;
  finished_at: bigint;
  provider_payout: string;
  fee: string;
  refund: string;
  spec_hash: Uint8Array | null;
  result_hash: Uint8Array | null;
  dispute_reason_hash: Uint8Array | null;
  min_gpus: bigint;
  gpu_model: bigint;
  min_vram_gb: bigint;
  provider_share_bps: bigint;
  state: bigint;
  seq: string;
  closed: bigint;
  closed_at: bigint | null;
  versions: string;
  finality: bigint;
  last_slot: bigint;
  /** JobEndReason variant (camelCase) once the job ended; null before. */
  end_reason: string | null;
  fee_bps: bigint;
  challenge_window: bigint;
  pause_mark: bigint;
}

export interface StakesTable {
  tx_id: bigint;
  event_index: bigint;
  provider: bigint;
  kind: "stake" | "unstake" | "withdraw";
  amount: string;
  active_after: string;
  unbonding_after: string;
  slot: bigint;
  ts: bigint;
}
export interface EscrowTable {
  tx_id: bigint;
  event_index: bigint;
  kind: "deposit" | "payout" | "fee" | "refund" | "swept";
  job: bigint;
  provider: bigint | null;
  amount: string;
  slot: bigint;
  ts: bigint;
}
export interface RewardsTable {
  tx_id: bigint;
  event_index: bigint;
  funder: bigint;
  source: bigint;
  amount: string;
  total_funded: string;
  acc_reward_per_stake: string;
  slot: bigint;
  ts: bigint;
}
export interface ClaimsTable {
  tx_id: bigint;
  event_index: bigint;
  provider: bigint;
  owner: bigint;
  amount: string;
  total_claimed: string;
  slot: bigint;
  ts: bigint;
}
export interface SlashesTable {
  tx_id: bigint;
  event_index: bigint;
  provider: bigint;
  authority: bigint;
  amount: string;
  from_active: string;
  from_unbonding: string;
  reason: bigint;
  reason_name: string | null;
  evidence_hash: Uint8Array;
  slot: bigint;
  ts: bigint;
}
export interface DeadLettersTable {
  id: bigint;
  signature: string;
  slot: bigint;
  event_index: bigint;
  reason: string;
  payload: string;
  detail: string;
  created_at: bigint;
}
export interface CheckpointsTable {
  name: string;
  slot: bigint;
  signature: string;
  updated_at: bigint;
}
export interface GapsTable {
  id: bigint;
  until_signature: string | null;
  before_signature: string | null;
  reason: string;
  created_at: bigint;
}
export interface CountersTable {
  name: string;
  value: bigint;
}
export interface MigrationsTable {
  name: string;
  applied_at: bigint;
}

/** The whole database, for `Kysely<IndexDatabase>`. */
export interface IndexDatabase {
  meta: MetaTable;
  pubkeys: PubkeysTable;
  event_kinds: EventKindsTable;
  txs: TxsTable;
  events: EventsTable;
  config: ConfigTable;
  providers: ProvidersTable;
  jobs: JobsTable;
  stakes: StakesTable;
  escrow: EscrowTable;
  rewards: RewardsTable;
  claims: ClaimsTable;
  slashes: SlashesTable;
  dead_letters: DeadLettersTable;
  checkpoints: CheckpointsTable;
  gaps: GapsTable;
  counters: CountersTable;
  gpunet_migrations: MigrationsTable;
}
