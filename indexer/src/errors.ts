/**
 * The indexer's one error class. Every error says whether retrying can help;
 * only the pipeline loop decides to retry ("errors are
 * retryable or not, and only the pipeline loop decides").
 */

/** Every code an {@link IndexerError} can carry. */
export type IndexerErrorCode =
  /** Another process holds the writer lock on this database. */
  | "WriterLocked"
  /** The database file is missing, unreadable or not a gpunet index. */
  | "DatabaseUnavailable"
  /** A migration failed (its transaction was rolled back: schema unchanged). */
  | "MigrationFailed"
  /** The database was written by a newer indexer (unknown migrations). */
  | "SchemaTooNew"
  /** HTTP / WebSocket / JSON-RPC transport failure (retryable). */
  | "Transport"
  /** The RPC kept answering 429 after the retries (retryable later). */
  | "RateLimited"
  /** The RPC answered with a JSON-RPC error. */
  | "RpcError"
  /** A value does not fit where it must go (e.g. a u64 outside 0..2^64-1). */
  | "ValueOutOfRange"
  /** Bad configuration or command-line input. */
  | "InvalidConfig"
  /** A query parameter (HTTP API, CLI, query module) is malformed or out of range. */
  | "InvalidParameter"
  /** The database file was deleted or replaced under the running writer; it stopped writing. */
  | "DatabaseGone"
  /** A stream server refused the subscription for good (bad token, filter or request). */
  | "StreamRefused"
  /** An AbortSignal fired. */
  | "Aborted";

/** Typed context of an {@link IndexerError}. */
export interface IndexerErrorContext {
  readonly method?: string;
  readonly status?: number;
  readonly rpcCode?: number;
  readonly pid?: number;
  readonly path?: string;
  readonly migration?: string;
  readonly cause?: unknown;
}

const RETRYABLE: ReadonlySet<IndexerErrorCode> = new Set<IndexerErrorCode>(["Transport", "RateLimited", "RpcError"]);

/**
 * An indexer failure with a code; `retryable` says whether the same call may succeed later.
 *
 * @example
 * ```ts
 * try {
 *   await openWriterDatabase("index.db");
 * } catch (e) {
 *   if (isIndexerError(e, "WriterLocked")) console.error("another writer runs, pid", e.context.pid);
 *   else throw e;
 * }
 * ```
 */
export class IndexerError extends Error {
  override readonly name = "IndexerError";
  readonly code: IndexerErrorCode;
  readonly context: IndexerErrorContext;
  readonly retryable: boolean;

  constructor(code: IndexerErrorCode, message: string, context: IndexerErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.context = context;
    this.retryable = RETRYABLE.has(code);
  }
}

/**
 * Narrows `e` to an {@link IndexerError}, optionally of one code.
 *
 * @example
 * ```ts
 * import { setTimeout as sleep } from "node:timers/promises";
 * import { createRpcClient, isIndexerError } from "@gpunet/indexer";
 * const rpc = createRpcClient({ url: "http://127.0.0.1:8899" });
 * const slot = await rpc.call<number>("getSlot", []).catch(async (e: unknown) => {
 *   if (!isIndexerError(e, "RateLimited")) throw e;
 *   await sleep(60_000); // the client's own retries are spent: back off longer
 *   return rpc.call<number>("getSlot", []);
 * });
 * ```
 */
export function isIndexerError(e: unknown, code?: IndexerErrorCode): e is IndexerError {
  return e instanceof IndexerError && (code === undefined || e.code === code);
}
