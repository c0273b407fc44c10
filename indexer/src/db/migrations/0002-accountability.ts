/**
 * Why things ended and on what terms: each job's end reason, the fee and
 * challenge window it keeps and its pause mark; the time the protocol spent
 * paused; each provider's stake locked by live jobs; each slash's reason by
 * name; and escrow rows for tokens swept from a closing escrow to the treasury.
 */
import { sql } from "kysely";
import type { Kysely } from "kysely";
import type { SqlDialect } from "./index.ts";

const STATEMENTS: readonly string[] = [
  `ALTER TABLE jobs ADD COLUMN end_reason TEXT`,
  `ALTER TABLE jobs ADD COLUMN pause_mark INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE config ADD COLUMN paused_at INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE config ADD COLUMN paused_total INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE config ADD COLUMN reward_period INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE providers ADD COLUMN locked_stake TEXT NOT NULL DEFAULT '00000000000000000000'`,
  `ALTER TABLE providers ADD COLUMN live_jobs TEXT NOT NULL DEFAULT '00000000000000000000'`,
  `ALTER TABLE providers ADD COLUMN unlock_pause_mark INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN fee_bps INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN challenge_window INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE slashes ADD COLUMN reason_name TEXT`,
  // SQLite cannot change a CHECK constraint in place: the escrow history is copied over.
  `CREATE TABLE escrow_v2 (
     tx_id INTEGER NOT NULL REFERENCES txs (id) ON DELETE CASCADE,
     event_index INTEGER NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('deposit', 'payout', 'fee', 'refund', 'swept')),
     job INTEGER NOT NULL, provider INTEGER, amount TEXT NOT NULL,
     slot INTEGER NOT NULL, ts INTEGER NOT NULL,
     PRIMARY KEY (tx_id, event_index, kind)
   ) WITHOUT ROWID`,
  `INSERT INTO escrow_v2 (tx_id, event_index, kind, job, provider, amount, slot, ts)
     SELECT tx_id, event_index, kind, job, provider, amount, slot, ts FROM escrow`,
  `DROP TABLE escrow`,
  `ALTER TABLE escrow_v2 RENAME TO escrow`,
  `CREATE INDEX escrow_ts ON escrow (ts)`,
  `DROP VIEW v_jobs`,
  `CREATE VIEW v_jobs AS
     SELECT pk.address AS job, j.job_id, b.address AS buyer, pr.address AS provider, j.price, j.state,
            j.created_at, j.accepted_at, j.deadline, j.submitted_at, j.finished_at,
            j.provider_payout, j.fee, j.refund, j.provider_share_bps, j.closed, j.seq,
            j.end_reason, j.fee_bps, j.challenge_window,
            CASE j.finality WHEN 0 THEN 'processed' WHEN 1 THEN 'confirmed' ELSE 'finalized' END AS finality
     FROM jobs j JOIN pubkeys pk ON pk.id = j.id LEFT JOIN pubkeys b ON b.id = j.buyer LEFT JOIN pubkeys pr ON pr.id = j.provider`,
];

/** PostgreSQL changes a CHECK constraint in place. */
const POSTGRES_STATEMENTS: readonly string[] = [
  `ALTER TABLE jobs ADD COLUMN end_reason TEXT`,
  `ALTER TABLE jobs ADD COLUMN pause_mark BIGINT NOT NULL DEFAULT 0`,
  `ALTER TABLE config ADD COLUMN paused_at BIGINT NOT NULL DEFAULT 0`,
  `ALTER TABLE config ADD COLUMN paused_total BIGINT NOT NULL DEFAULT 0`,
  `ALTER TABLE config ADD COLUMN reward_period BIGINT NOT NULL DEFAULT 0`,
  `ALTER TABLE providers ADD COLUMN locked_stake NUMERIC(20,0) NOT NULL DEFAULT 0`,
  `ALTER TABLE providers ADD COLUMN live_jobs NUMERIC(20,0) NOT NULL DEFAULT 0`,
  `ALTER TABLE providers ADD COLUMN unlock_pause_mark BIGINT NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN fee_bps BIGINT NOT NULL DEFAULT 0`,
  `ALTER TABLE jobs ADD COLUMN challenge_window BIGINT NOT NULL DEFAULT 0`,
  `ALTER TABLE slashes ADD COLUMN reason_name TEXT`,
  `ALTER TABLE escrow DROP CONSTRAINT escrow_kind`,
  `ALTER TABLE escrow ADD CONSTRAINT escrow_kind CHECK (kind IN ('deposit', 'payout', 'fee', 'refund', 'swept'))`,
  `DROP VIEW v_jobs`,
  STATEMENTS[STATEMENTS.length - 1] as string,
];

export async function up(db: Kysely<unknown>, dialect: SqlDialect = "sqlite"): Promise<void> {
  for (const s of dialect === "postgres" ? POSTGRES_STATEMENTS : STATEMENTS) await sql.raw(s).execute(db);
}
