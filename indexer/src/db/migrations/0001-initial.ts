/**
 * Migration 0001: the whole v1 schema. See indexer/SCHEMA.md for every column.
 *
 * Storage rules:
 * - u64 amounts are TEXT of exactly 20 digits (zero-padded, so they sort and
 *   compare as text); u128 are 39 digits. Never INTEGER/REAL, which would lose
 *   values above 2^63 / 2^53.
 * - i64 timestamps, slots (< 2^63) and small ints are INTEGER (exact in SQLite).
 * - Pubkeys are interned once in `pubkeys` (32-byte BLOB + base58 text) and
 *   referenced by integer id.
 * - Deduplication is per transaction, on UNIQUE (slot, 53-bit hash of the
 *   signature) (see db/signature-hash.ts for why and how); events and
 *   history rows are keyed by (tx_id, event_index): an integer key that grows
 *   with insertion, so the hot index appends instead of touching a random page.
 */
import { sql, type Kysely } from "kysely";

const STATEMENTS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE pubkeys (
     id INTEGER PRIMARY KEY,
     key BLOB NOT NULL UNIQUE CHECK (length(key) = 32),
     address TEXT NOT NULL
   )`,
  `CREATE TABLE event_kinds (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE txs (
     id INTEGER PRIMARY KEY,
     sig_hash INTEGER NOT NULL,
     signature TEXT NOT NULL CHECK (length(signature) BETWEEN 32 AND 90),
     slot INTEGER NOT NULL,
     tx_index INTEGER,
     block_time INTEGER,
     finality INTEGER NOT NULL CHECK (finality IN (0, 1, 2)),
     truncated INTEGER NOT NULL DEFAULT 0,
     event_count INTEGER NOT NULL,
     source TEXT NOT NULL,
     indexed_at INTEGER NOT NULL,
     UNIQUE (slot, sig_hash)
   )`,
  `CREATE INDEX txs_unfinalized ON txs (slot) WHERE finality < 2`,
  `CREATE TABLE events (
     tx_id INTEGER NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index INTEGER NOT NULL,
     ix INTEGER NOT NULL,
     inner_path TEXT NOT NULL,
     kind INTEGER NOT NULL,
     provider INTEGER,
     job INTEGER,
     slot INTEGER NOT NULL,
     ts INTEGER NOT NULL,
     payload BLOB NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   ) WITHOUT ROWID`,
  `CREATE TABLE config (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     address INTEGER, admin INTEGER, slash_authority INTEGER, stake_mint INTEGER, treasury INTEGER, reward_vault INTEGER,
     min_stake_per_gpu TEXT NOT NULL, unbonding_period INTEGER NOT NULL, challenge_window INTEGER NOT NULL,
     protocol_fee_bps INTEGER NOT NULL, slash_cap_bps INTEGER NOT NULL, paused INTEGER NOT NULL,
     acc_reward_per_stake TEXT NOT NULL, total_active_stake TEXT NOT NULL, reward_carry TEXT NOT NULL,
     unallocated_rewards TEXT NOT NULL, total_funded TEXT NOT NULL, total_claimed TEXT NOT NULL,
     total_slashed TEXT NOT NULL, provider_count TEXT NOT NULL, job_count TEXT NOT NULL, seq TEXT NOT NULL,
     versions TEXT NOT NULL,
     finality INTEGER NOT NULL, last_slot INTEGER NOT NULL
   )`,
  `CREATE TABLE providers (
     id INTEGER PRIMARY KEY REFERENCES pubkeys (id),
     owner INTEGER, stake_vault INTEGER, metadata_hash BLOB,
     gpu_model INTEGER NOT NULL, gpu_count INTEGER NOT NULL, vram_gb INTEGER NOT NULL, region INTEGER NOT NULL, status INTEGER NOT NULL,
     active_stake TEXT NOT NULL, unbonding_amount TEXT NOT NULL, unbonding_unlock_at INTEGER NOT NULL,
     reward_snapshot TEXT NOT NULL, reward_debt TEXT NOT NULL, rewards_owed TEXT NOT NULL, total_claimed TEXT NOT NULL,
     jobs_completed TEXT NOT NULL, jobs_failed TEXT NOT NULL, slashed_total TEXT NOT NULL,
     registered_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, seq TEXT NOT NULL,
     versions TEXT NOT NULL,
     finality INTEGER NOT NULL, last_slot INTEGER NOT NULL
   )`,
  `CREATE INDEX providers_active_stake ON providers (active_stake DESC)`,
  `CREATE INDEX providers_owner ON providers (owner)`,
  `CREATE TABLE jobs (
     id INTEGER PRIMARY KEY REFERENCES pubkeys (id),
     job_id TEXT NOT NULL, buyer INTEGER, provider INTEGER, escrow INTEGER,
     price TEXT NOT NULL, max_duration INTEGER NOT NULL,
     created_at INTEGER NOT NULL, accepted_at INTEGER NOT NULL, deadline INTEGER NOT NULL,
     submitted_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,
     provider_payout TEXT NOT NULL, fee TEXT NOT NULL, refund TEXT NOT NULL,
     spec_hash BLOB, result_hash BLOB, dispute_reason_hash BLOB,
     min_gpus INTEGER NOT NULL, gpu_model INTEGER NOT NULL, min_vram_gb INTEGER NOT NULL,
     provider_share_bps INTEGER NOT NULL, state INTEGER NOT NULL, seq TEXT NOT NULL,
     closed INTEGER NOT NULL, closed_at INTEGER,
     versions TEXT NOT NULL,
     finality INTEGER NOT NULL, last_slot INTEGER NOT NULL
   )`,
  `CREATE INDEX jobs_state ON jobs (state)`,
  `CREATE INDEX jobs_buyer ON jobs (buyer)`,
  `CREATE INDEX jobs_provider ON jobs (provider)`,
  `CREATE TABLE stakes (
     tx_id INTEGER NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index INTEGER NOT NULL,
     provider INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('stake', 'unstake', 'withdraw')),
     amount TEXT NOT NULL, active_after TEXT NOT NULL, unbonding_after TEXT NOT NULL,
     slot INTEGER NOT NULL, ts INTEGER NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   ) WITHOUT ROWID`,
  `CREATE TABLE escrow (
     tx_id INTEGER NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index INTEGER NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('deposit', 'payout', 'fee', 'refund')),
     job INTEGER NOT NULL, provider INTEGER, amount TEXT NOT NULL,
     slot INTEGER NOT NULL, ts INTEGER NOT NULL,
     PRIMARY KEY (tx_id, event_index, kind)
   ) WITHOUT ROWID`,
  `CREATE INDEX escrow_ts ON escrow (ts)`,
  `CREATE TABLE rewards (
     tx_id INTEGER NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index INTEGER NOT NULL,
     funder INTEGER NOT NULL, source INTEGER NOT NULL, amount TEXT NOT NULL,
     total_funded TEXT NOT NULL, acc_reward_per_stake TEXT NOT NULL,
     slot INTEGER NOT NULL, ts INTEGER NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   ) WITHOUT ROWID`,
  `CREATE INDEX rewards_ts ON rewards (ts)`,
  `CREATE TABLE claims (
     tx_id INTEGER NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index INTEGER NOT NULL,
     provider INTEGER NOT NULL, owner INTEGER NOT NULL, amount TEXT NOT NULL, total_claimed TEXT NOT NULL,
     slot INTEGER NOT NULL, ts INTEGER NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   ) WITHOUT ROWID`,
  `CREATE INDEX claims_ts ON claims (ts)`,
  `CREATE TABLE slashes (
     tx_id INTEGER NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index INTEGER NOT NULL,
     provider INTEGER NOT NULL, authority INTEGER NOT NULL, amount TEXT NOT NULL,
     from_active TEXT NOT NULL, from_unbonding TEXT NOT NULL, reason INTEGER NOT NULL, evidence_hash BLOB NOT NULL,
     slot INTEGER NOT NULL, ts INTEGER NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   ) WITHOUT ROWID`,
  `CREATE TABLE dead_letters (
     id INTEGER PRIMARY KEY,
     signature TEXT NOT NULL, slot INTEGER NOT NULL, event_index INTEGER NOT NULL,
     reason TEXT NOT NULL, payload TEXT NOT NULL, detail TEXT NOT NULL, created_at INTEGER NOT NULL,
     UNIQUE (signature, event_index)
   )`,
  `CREATE TABLE checkpoints (
     name TEXT PRIMARY KEY, slot INTEGER NOT NULL, signature TEXT NOT NULL, updated_at INTEGER NOT NULL
   )`,
  `CREATE TABLE gaps (
     id INTEGER PRIMARY KEY,
     until_signature TEXT, before_signature TEXT, reason TEXT NOT NULL, created_at INTEGER NOT NULL
   )`,
  `CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  // Views with base58 addresses, for any SQLite client (SCHEMA.md).
  `CREATE VIEW v_providers AS
     SELECT pk.address AS provider, o.address AS owner, p.status, p.gpu_model, p.gpu_count, p.vram_gb, p.region,
            p.active_stake, p.unbonding_amount, p.unbonding_unlock_at, p.rewards_owed, p.total_claimed,
            p.jobs_completed, p.jobs_failed, p.slashed_total, p.registered_at, p.updated_at, p.seq,
            CASE p.finality WHEN 0 THEN 'processed' WHEN 1 THEN 'confirmed' ELSE 'finalized' END AS finality
     FROM providers p JOIN pubkeys pk ON pk.id = p.id LEFT JOIN pubkeys o ON o.id = p.owner`,
  `CREATE VIEW v_jobs AS
     SELECT pk.address AS job, j.job_id, b.address AS buyer, pr.address AS provider, j.price, j.state,
            j.created_at, j.accepted_at, j.deadline, j.submitted_at, j.finished_at,
            j.provider_payout, j.fee, j.refund, j.provider_share_bps, j.closed, j.seq,
            CASE j.finality WHEN 0 THEN 'processed' WHEN 1 THEN 'confirmed' ELSE 'finalized' END AS finality
     FROM jobs j JOIN pubkeys pk ON pk.id = j.id LEFT JOIN pubkeys b ON b.id = j.buyer LEFT JOIN pubkeys pr ON pr.id = j.provider`,
  `CREATE VIEW v_events AS
     SELECT t.slot, t.tx_index, e.event_index, e.ix, e.inner_path, k.name AS kind, e.ts,
            t.signature, hex(e.payload) AS payload_hex,
            CASE t.finality WHEN 0 THEN 'processed' WHEN 1 THEN 'confirmed' ELSE 'finalized' END AS finality
     FROM events e JOIN txs t ON t.id = e.tx_id JOIN event_kinds k ON k.id = e.kind`,
];

/** Creates the v1 schema. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of STATEMENTS) await sql.raw(s).execute(db);
}
