/**
 * Migration 0004: history tables (network and provider series per day and
 * per epoch, GPUs by model and region, reputation), their bookkeeping, and an
 * index of events by timestamp (history recomputes from a bucket start) and
 * of slashes by provider.
 * All of them are derived from the events table (indexer/src/history/).
 * Amount columns are fixed-width digit TEXT like the rest of the schema
 * (u64 values 20 digits, sums of u64 39 digits).
 */
import { sql, type Kysely } from "kysely";
import type { SqlDialect } from "./index.ts";

const statements = (dialect: SqlDialect): readonly string[] => {
  // PostgreSQL: exact NUMERIC amounts (sums of u64 need 39 digits) and 64-bit integers.
  const AMOUNT = dialect === "postgres" ? "NUMERIC(39,0) NOT NULL" : "TEXT NOT NULL";
  const COUNT = dialect === "postgres" ? "BIGINT NOT NULL" : "INTEGER NOT NULL";
  const INT = dialect === "postgres" ? "BIGINT" : "INTEGER";
  return [
    `CREATE INDEX events_ts ON events (ts)`,
    `CREATE TABLE hist_state (name TEXT PRIMARY KEY, value TEXT NOT NULL)`,
    `CREATE TABLE hist_network (
     span TEXT NOT NULL CHECK (span IN ('day', 'epoch')),
     bucket ${INT} NOT NULL,
     active_stake ${AMOUNT}, unbonding_stake ${AMOUNT},
     providers ${COUNT}, providers_active ${COUNT}, gpus ${COUNT},
     jobs_created ${COUNT}, jobs_accepted ${COUNT}, jobs_completed ${COUNT}, jobs_failed ${COUNT},
     jobs_expired ${COUNT}, jobs_disputed ${COUNT}, jobs_cancelled ${COUNT}, events ${COUNT},
     volume ${AMOUNT}, fees ${AMOUNT}, rewards_funded ${AMOUNT}, rewards_claimed ${AMOUNT}, slashed ${AMOUNT},
     staked ${AMOUNT}, unstaked ${AMOUNT}, withdrawn ${AMOUNT},
     PRIMARY KEY (span, bucket)
   )`,
    `CREATE TABLE hist_gpus (
     span TEXT NOT NULL, bucket ${INT} NOT NULL,
     dim TEXT NOT NULL CHECK (dim IN ('model', 'region')), code ${INT} NOT NULL,
     gpus ${COUNT}, providers ${COUNT},
     PRIMARY KEY (span, bucket, dim, code)
   )`,
    `CREATE INDEX hist_gpus_bucket ON hist_gpus (bucket)`,
    `CREATE TABLE hist_provider (
     span TEXT NOT NULL CHECK (span IN ('day', 'epoch')),
     provider ${INT} NOT NULL,
     bucket ${INT} NOT NULL,
     active_stake ${AMOUNT}, unbonding ${AMOUNT},
     status ${COUNT}, registered ${COUNT}, gpu_model ${COUNT}, gpu_count ${COUNT}, region ${COUNT},
     jobs_completed_total ${AMOUNT}, jobs_failed_total ${AMOUNT}, slashed_total ${AMOUNT}, claimed_total ${AMOUNT},
     cum_completed ${COUNT}, cum_failed ${COUNT}, cum_expired ${COUNT}, cum_disputed ${COUNT}, cum_slashes ${COUNT},
     cum_slashed ${AMOUNT}, cum_earnings ${AMOUNT},
     jobs_accepted ${COUNT}, jobs_completed ${COUNT}, jobs_failed ${COUNT}, jobs_expired ${COUNT}, jobs_disputed ${COUNT}, slashes ${COUNT},
     earnings ${AMOUNT}, rewards_claimed ${AMOUNT}, slashed ${AMOUNT}, staked ${AMOUNT},
     PRIMARY KEY (span, provider, bucket)
   )`,
    `CREATE INDEX hist_provider_bucket ON hist_provider (bucket)`,
    `CREATE TABLE reputation (
     provider ${INT} PRIMARY KEY,
     completed ${COUNT}, failed ${COUNT}, expired ${COUNT}, disputed ${COUNT}, slashes ${COUNT},
     slashed_amount ${AMOUNT},
     score ${INT} NOT NULL CHECK (score BETWEEN 0 AND 10000)
   )`,
    `CREATE INDEX reputation_rank ON reputation (score DESC, provider)`,
    `CREATE INDEX slashes_provider ON slashes (provider)`,
  ];
};

/** Creates the history tables (the store fills them from the stored events when it opens). */
export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  for (const s of statements(dialect)) await sql.raw(s).execute(db);
}
