/**
 * The indexer's one error class. Every error says, from typed fields (HTTP
 * status, JSON-RPC code, network code), whether retrying can help. An RPC call
 * is retried by exactly one loop, the RPC client's (the SDK's retry policy);
 * callers above it take its final error as final for that call.
 */
import { isRetryableFailure, type RetryFailure } from "@gpunet/sdk";

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
  /** Datasources that cannot be composed (nothing to read from, two of one name, a source started twice). */
  | "InvalidComposition"
  /** A query parameter (HTTP API, CLI, query module) is malformed or out of range. */
  | "InvalidParameter"
  /** The database file was deleted or replaced under the running writer; it stopped writing. */
  | "DatabaseGone"
  /** A stream server refused the subscription for good (bad token, filter or request). */
  | "StreamRefused"
  /** An AbortSignal fired. */
  | "Aborted";

/** Context of database and configuration errors. */
export interface StoreErrorContext {
  readonly pid?: number;
  readonly path?: string;
  readonly migration?: string;
  readonly cause?: unknown;
}

/** Context of an RPC failure: the method, the typed failure, the attempts the one retry loop made. */
export interface RpcFailureContext {
  readonly method?: string;
  readonly failure: RetryFailure;
  /** HTTP status, when the failure is an HTTP one. */
  readonly status?: number;
  /** JSON-RPC error code, when the node answered one. */
  readonly rpcCode?: number;
  /** gRPC status code, when a stream server answered one. */
  readonly grpcStatus?: number;
  readonly attempts?: number;
  readonly cause?: unknown;
}

/** The context each code carries. */
export interface IndexerErrorContexts {
  WriterLocked: StoreErrorContext;
  DatabaseUnavailable: StoreErrorContext;
  MigrationFailed: StoreErrorContext;
  SchemaTooNew: StoreErrorContext;
  Transport: RpcFailureContext;
  RateLimited: { readonly method?: string; readonly status: 429; readonly retryAfterMs?: number; readonly attempts?: number };
  RpcError: RpcFailureContext;
  ValueOutOfRange: StoreErrorContext;
  InvalidConfig: StoreErrorContext;
  InvalidComposition: { readonly datasource?: string };
  InvalidParameter: StoreErrorContext;
  DatabaseGone: StoreErrorContext;
  StreamRefused: { readonly grpcStatus?: number; readonly cause?: unknown };
  Aborted: { readonly method?: string; readonly cause?: unknown };
}

type AllKeys = { [C in IndexerErrorCode]: keyof IndexerErrorContexts[C] }[IndexerErrorCode];
type Exclusive<T> = T & { readonly [K in Exclude<AllKeys, keyof T>]?: undefined };

/** The context of any code, a union keyed by the code; a field another code carries reads as `undefined`. */
export type IndexerErrorContext = { [C in IndexerErrorCode]: Exclusive<IndexerErrorContexts[C]> }[IndexerErrorCode];

/** Whether an error of this code and context may pass on a later try: decided from typed fields. */
function isRetryable(code: IndexerErrorCode, context: IndexerErrorContext): boolean {
  if (code === "RateLimited") return true;
  if ((code === "Transport" || code === "RpcError") && context.failure !== undefined) return isRetryableFailure(context.failure);
  return false;
}

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
export class IndexerError<C extends IndexerErrorCode = IndexerErrorCode> extends Error {
  override readonly name = "IndexerError";
  readonly code: C;
  readonly context: C extends IndexerErrorCode ? Exclusive<IndexerErrorContexts[C]> : never;
  readonly retryable: boolean;

  constructor(
    code: C,
    message: string,
    ...rest: C extends IndexerErrorCode
      ? Partial<IndexerErrorContexts[C]> extends IndexerErrorContexts[C]
        ? [context?: IndexerErrorContexts[C]]
        : [context: IndexerErrorContexts[C]]
      : never
  ) {
    const context = (rest[0] ?? {}) as IndexerErrorContext;
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.code = code;
    this.context = context as C extends IndexerErrorCode ? Exclusive<IndexerErrorContexts[C]> : never;
    this.retryable = isRetryable(code, context);
  }
}

/** An {@link IndexerError} of one of the codes `C`, as a union keyed by code. */
export type IndexerErrorOf<C extends IndexerErrorCode = IndexerErrorCode> = { [K in C]: IndexerError<K> }[C];

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
export function isIndexerError<C extends IndexerErrorCode = IndexerErrorCode>(e: unknown, code?: C): e is IndexerErrorOf<C> {
  return e instanceof IndexerError && (code === undefined || e.code === code);
}
