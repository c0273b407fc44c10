/**
 * The history tables bound to a SQLite writer: what the store calls from its
 * write transactions. Another store (PostgreSQL) drives the same programs
 * (series.ts) with `runAsync` over its own executor.
 */
import type { SqliteHandle } from "../db/client.ts";
import { runAsync, runSync, sqliteExecutor, type AsyncExecutor } from "./executor.ts";
import { historySync, newHistoryNotes, noteRemovedTx, type FedEvent } from "./series.ts";

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

/** The same handle over an asynchronous executor, inside the caller's write transaction (the store's backends). */
export interface StoreHistory {
  noteRemoved(txId: unknown): Promise<void>;
  /** A transaction row was written in the current write transaction. */
  noteTx(txId: number): void;
  /** An event row was written (in write order): the next sync replays it without reading it back. */
  noteEvent(e: FedEvent): void;
  /** The write transaction rolled back: forget what it noted. */
  discard(): void;
  sync(): Promise<void>;
  rebuild(): Promise<void>;
}

/**
 * Binds the history programs to a store backend's executor; the caller runs
 * every call inside its own write transaction.
 *
 * @example
 * ```ts
 * import { createStoreHistory, type AsyncExecutor } from "@gpunet/indexer";
 * declare const exec: AsyncExecutor; // a backend's `sql`, inside a transaction
 * await createStoreHistory(exec).sync();
 * ```
 */
export function createStoreHistory(exec: AsyncExecutor): StoreHistory {
  let notes = newHistoryNotes();
  const sync = async (): Promise<void> => {
    try {
      await runAsync(historySync(notes), exec);
    } finally {
      notes = newHistoryNotes();
    }
  };
  return {
    noteRemoved: (txId) => runAsync(noteRemovedTx(notes, txId), exec),
    noteTx: (txId) => {
      notes.fedTxs.add(txId);
    },
    noteEvent: (e) => {
      notes.fed.push(e);
    },
    discard: () => {
      notes = newHistoryNotes();
    },
    sync,
    rebuild: () => {
      notes.full = true;
      return sync();
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
export { historySync, newHistoryNotes, noteRemovedTx, type FedEvent, type HistoryNotes, type ReputationInputs } from "./series.ts";
export { REPUTATION_FORMULA, reputationScore, scoreNumber } from "./reputation.ts";
