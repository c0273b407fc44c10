/**
 * The one update type every datasource emits (live and
 * backfill sources emit the same update type; the pipeline does not know
 * which one it came from, except for counters).
 */

/** Commitment of a transaction as the source saw it. Ordered: processed < confirmed < finalized. */
export type Finality = "processed" | "confirmed" | "finalized";

/** Finality as stored in SQLite (`txs.finality`): 0 processed, 1 confirmed, 2 finalized. */
export const FINALITY_CODE: Readonly<Record<Finality, number>> = { processed: 0, confirmed: 1, finalized: 2 };

/** Inverse of {@link FINALITY_CODE}. */
export const FINALITY_NAME: readonly Finality[] = ["processed", "confirmed", "finalized"];

/** Which datasource produced an update (kept for counters and debugging only). */
export type UpdateSource = "live" | "backfill" | "webhook" | "replay";

/** One transaction that mentions the gpunet program. */
export interface TransactionUpdate {
  /** Base58 transaction signature (its first signature). */
  readonly signature: string;
  readonly slot: bigint;
  /**
   * Position of the transaction within its block when the source knows it
   * (backfill resolves it from `getBlock`); null otherwise.
   */
  readonly txIndex: number | null;
  /** Unix seconds of the block, when known. */
  readonly blockTime: bigint | null;
  /** The transaction error (`meta.err`), null when it succeeded. */
  readonly err: unknown;
  /** Log messages; null when the source did not deliver them. */
  readonly logs: readonly string[] | null;
  readonly finality: Finality;
  readonly source: UpdateSource;
  /** The transaction's account keys (static + loaded), when the source had the full transaction. */
  readonly accountKeys?: readonly string[];
}

/**
 * Where datasources push updates; `push` resolves when the pipeline has room
 * again (backpressure), so a source never buffers without bound.
 */
export interface UpdateSink {
  push(updates: readonly TransactionUpdate[]): Promise<void>;
}

/** Connection lifecycle a live datasource reports, so the pipeline can fill gaps. */
export interface LiveStatusListener {
  /** The subscription is (re)established; `reconnect` is false the first time. */
  onSubscribed(info: { readonly reconnect: boolean }): void;
  /** The connection dropped (or the watchdog fired). */
  onDisconnected(reason: string): void;
}
