/**
 * Migration 0003: an index of the signatures of transactions not yet
 * finalized. A signature is one transaction: when a delivery names it at
 * another slot (its first landing was dropped with its fork and the same
 * signed bytes landed again), the store finds the earlier row through this
 * index and replaces it. Only rows below finalized can move (a finalized
 * transaction cannot land again), so the index stays as small as the
 * unfinalized window.
 */
import { sql, type Kysely } from "kysely";

/** Adds `txs_unfinalized_sig`. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX txs_unfinalized_sig ON txs (sig_hash) WHERE finality < 2`.execute(db);
}
