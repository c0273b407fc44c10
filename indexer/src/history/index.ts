/**
 * The history tables bound to a SQLite writer: what the store calls from its
 * write transactions. Another store (PostgreSQL) drives the same programs
 * (series.ts) with `runAsync` over its own executor.
 */
import type { SqliteHandle } from "../db/client.ts";
import { runSync, sqliteExecutor } from "./executor.ts";
import { historySync, newHistoryNotes, noteRemovedTx } from "./series.ts";

/** The store's handle on the history tables. */
export interface SqliteHistory {
  /** Before a transaction row is deleted: remember where its events were. */
  noteRemoved(txId: unknown): void;
  /** Brings the history tables up to date (inside the caller's transaction, or its own). */
  sync(): void;
  /** Recomputes every bucket from the events (rebuildAll). */
  rebuild(): void;
}

/**
 * Binds the history programs to a writer handle.
 *
 * @example
 * ```ts
 * import { createSqliteHistory, openWriterDatabase } from "@gpunet/indexer";
 * const w = await openWriterDatabase("index.db");
 * createSqliteHistory(w.sqlite).rebuild(); // recompute every series from the events table
 * await w.close();
 * ```
 */
export function createSqliteHistory(sqlite: SqliteHandle): SqliteHistory {
  const exec = sqliteExecutor(sqlite);
  let notes = newHistoryNotes();
  const syncTx = sqlite.transaction(() => {
    try {
      runSync(historySync(notes), exec);
    } finally {
      notes = newHistoryNotes();
    }
  });
  return {
    noteRemoved: (txId) => runSync(noteRemovedTx(notes, txId), exec),
    sync: () => syncTx(),
    rebuild: () => {
      notes.full = true;
      syncTx();
    },
  };
}

export { SPANS, SPAN_SECONDS, bucketStart, type Span } from "./buckets.ts";
export {
  all as sqlAll,
  run as sqlRun,
  runSync,
  runAsync,
  sqliteExecutor,
  dollarPlaceholders,
  type AsyncExecutor,
  type SyncExecutor,
  type SqlOp,
  type SqlProgram,
  type SqlRow,
} from "./executor.ts";
export { historySync, newHistoryNotes, noteRemovedTx, type HistoryNotes, type ReputationInputs } from "./series.ts";
export { REPUTATION_FORMULA, reputationScore, scoreNumber } from "./reputation.ts";
