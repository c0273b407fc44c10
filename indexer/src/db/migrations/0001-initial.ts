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
import type { SqlDialect } from "./index.ts";

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

/**
 * The same schema in PostgreSQL: u64 as NUMERIC(20,0) and u128 as NUMERIC(39,0)
 * (exact, so SQL can sum them), every integer BIGINT, BLOB as BYTEA. Row ids of
 * `txs` and `pubkeys` are given by the single writer; the other ids are identities.
 */
const U64 = "NUMERIC(20,0)";
const U128 = "NUMERIC(39,0)";
const POSTGRES_STATEMENTS: readonly string[] = [
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE pubkeys (
     id BIGINT PRIMARY KEY,
     key BYTEA NOT NULL UNIQUE CHECK (octet_length(key) = 32),
     address TEXT NOT NULL
   )`,
  `CREATE TABLE event_kinds (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE)`,
  `CREATE TABLE txs (
     id BIGINT PRIMARY KEY,
     sig_hash BIGINT NOT NULL,
     signature TEXT NOT NULL CHECK (length(signature) BETWEEN 32 AND 90),
     slot BIGINT NOT NULL,
     tx_index BIGINT,
     block_time BIGINT,
     finality BIGINT NOT NULL CHECK (finality IN (0, 1, 2)),
     truncated BIGINT NOT NULL DEFAULT 0,
     event_count BIGINT NOT NULL,
     source TEXT NOT NULL,
     indexed_at BIGINT NOT NULL,
     UNIQUE (slot, sig_hash)
   )`,
  `CREATE INDEX txs_unfinalized ON txs (slot) WHERE finality < 2`,
  `CREATE TABLE events (
     tx_id BIGINT NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index BIGINT NOT NULL,
     ix BIGINT NOT NULL,
     inner_path TEXT NOT NULL,
     kind BIGINT NOT NULL,
     provider BIGINT,
     job BIGINT,
     slot BIGINT NOT NULL,
     ts BIGINT NOT NULL,
     payload BYTEA NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   )`,
  `CREATE TABLE config (
     id BIGINT PRIMARY KEY CHECK (id = 1),
     address BIGINT, admin BIGINT, slash_authority BIGINT, stake_mint BIGINT, treasury BIGINT, reward_vault BIGINT,
     min_stake_per_gpu ${U64} NOT NULL, unbonding_period BIGINT NOT NULL, challenge_window BIGINT NOT NULL,
     protocol_fee_bps BIGINT NOT NULL, slash_cap_bps BIGINT NOT NULL, paused BIGINT NOT NULL,
     acc_reward_per_stake ${U128} NOT NULL, total_active_stake ${U64} NOT NULL, reward_carry ${U64} NOT NULL,
     unallocated_rewards ${U64} NOT NULL, total_funded ${U64} NOT NULL, total_claimed ${U64} NOT NULL,
     total_slashed ${U64} NOT NULL, provider_count ${U64} NOT NULL, job_count ${U64} NOT NULL, seq ${U64} NOT NULL,
     versions TEXT NOT NULL,
     finality BIGINT NOT NULL, last_slot BIGINT NOT NULL
   )`,
  `CREATE TABLE providers (
     id BIGINT PRIMARY KEY REFERENCES pubkeys (id),
     owner BIGINT, stake_vault BIGINT, metadata_hash BYTEA,
     gpu_model BIGINT NOT NULL, gpu_count BIGINT NOT NULL, vram_gb BIGINT NOT NULL, region BIGINT NOT NULL, status BIGINT NOT NULL,
     active_stake ${U64} NOT NULL, unbonding_amount ${U64} NOT NULL, unbonding_unlock_at BIGINT NOT NULL,
     reward_snapshot ${U128} NOT NULL, reward_debt ${U64} NOT NULL, rewards_owed ${U64} NOT NULL, total_claimed ${U64} NOT NULL,
     jobs_completed ${U64} NOT NULL, jobs_failed ${U64} NOT NULL, slashed_total ${U64} NOT NULL,
     registered_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, seq ${U64} NOT NULL,
     versions TEXT NOT NULL,
     finality BIGINT NOT NULL, last_slot BIGINT NOT NULL
   )`,
  `CREATE INDEX providers_active_stake ON providers (active_stake DESC)`,
  `CREATE INDEX providers_owner ON providers (owner)`,
  `CREATE TABLE jobs (
     id BIGINT PRIMARY KEY REFERENCES pubkeys (id),
     job_id ${U64} NOT NULL, buyer BIGINT, provider BIGINT, escrow BIGINT,
     price ${U64} NOT NULL, max_duration BIGINT NOT NULL,
     created_at BIGINT NOT NULL, accepted_at BIGINT NOT NULL, deadline BIGINT NOT NULL,
     submitted_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,
     provider_payout ${U64} NOT NULL, fee ${U64} NOT NULL, refund ${U64} NOT NULL,
     spec_hash BYTEA, result_hash BYTEA, dispute_reason_hash BYTEA,
     min_gpus BIGINT NOT NULL, gpu_model BIGINT NOT NULL, min_vram_gb BIGINT NOT NULL,
     provider_share_bps BIGINT NOT NULL, state BIGINT NOT NULL, seq ${U64} NOT NULL,
     closed BIGINT NOT NULL, closed_at BIGINT,
     versions TEXT NOT NULL,
     finality BIGINT NOT NULL, last_slot BIGINT NOT NULL
   )`,
  `CREATE INDEX jobs_state ON jobs (state)`,
  `CREATE INDEX jobs_buyer ON jobs (buyer)`,
  `CREATE INDEX jobs_provider ON jobs (provider)`,
  // active_after / unbonding_after are NULL where the event does not carry them (SQLite: '').
  `CREATE TABLE stakes (
     tx_id BIGINT NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index BIGINT NOT NULL,
     provider BIGINT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('stake', 'unstake', 'withdraw')),
     amount ${U64} NOT NULL, active_after ${U64}, unbonding_after ${U64},
     slot BIGINT NOT NULL, ts BIGINT NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   )`,
  `CREATE TABLE escrow (
     tx_id BIGINT NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index BIGINT NOT NULL,
     kind TEXT NOT NULL CONSTRAINT escrow_kind CHECK (kind IN ('deposit', 'payout', 'fee', 'refund')),
     job BIGINT NOT NULL, provider BIGINT, amount ${U64} NOT NULL,
     slot BIGINT NOT NULL, ts BIGINT NOT NULL,
     PRIMARY KEY (tx_id, event_index, kind)
   )`,
  `CREATE INDEX escrow_ts ON escrow (ts)`,
  `CREATE TABLE rewards (
     tx_id BIGINT NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index BIGINT NOT NULL,
     funder BIGINT NOT NULL, source BIGINT NOT NULL, amount ${U64} NOT NULL,
     total_funded ${U64} NOT NULL, acc_reward_per_stake ${U128} NOT NULL,
     slot BIGINT NOT NULL, ts BIGINT NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   )`,
  `CREATE INDEX rewards_ts ON rewards (ts)`,
  `CREATE TABLE claims (
     tx_id BIGINT NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index BIGINT NOT NULL,
     provider BIGINT NOT NULL, owner BIGINT NOT NULL, amount ${U64} NOT NULL, total_claimed ${U64} NOT NULL,
     slot BIGINT NOT NULL, ts BIGINT NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   )`,
  `CREATE INDEX claims_ts ON claims (ts)`,
  `CREATE TABLE slashes (
     tx_id BIGINT NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index BIGINT NOT NULL,
     provider BIGINT NOT NULL, authority BIGINT NOT NULL, amount ${U64} NOT NULL,
     from_active ${U64} NOT NULL, from_unbonding ${U64} NOT NULL, reason BIGINT NOT NULL, evidence_hash BYTEA NOT NULL,
     slot BIGINT NOT NULL, ts BIGINT NOT NULL,
     PRIMARY KEY (tx_id, event_index)
   )`,
  `CREATE TABLE dead_letters (
     id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
     signature TEXT NOT NULL, slot BIGINT NOT NULL, event_index BIGINT NOT NULL,
     reason TEXT NOT NULL, payload TEXT NOT NULL, detail TEXT NOT NULL, created_at BIGINT NOT NULL,
     UNIQUE (signature, event_index)
   )`,
  `CREATE TABLE checkpoints (
     name TEXT PRIMARY KEY, slot BIGINT NOT NULL, signature TEXT NOT NULL, updated_at BIGINT NOT NULL
   )`,
  `CREATE TABLE gaps (
     id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
     until_signature TEXT, before_signature TEXT, reason TEXT NOT NULL, created_at BIGINT NOT NULL
   )`,
  `CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
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
            t.signature, encode(e.payload, 'hex') AS payload_hex,
            CASE t.finality WHEN 0 THEN 'processed' WHEN 1 THEN 'confirmed' ELSE 'finalized' END AS finality
     FROM events e JOIN txs t ON t.id = e.tx_id JOIN event_kinds k ON k.id = e.kind`,
];

/** Creates the v1 schema. */
export async function up(db: Kysely<unknown>, dialect: SqlDialect = "sqlite"): Promise<void> {
  for (const s of dialect === "postgres" ? POSTGRES_STATEMENTS : STATEMENTS) await sql.raw(s).execute(db);
}
