/**
 * A minimal Solana JSON-RPC client over HTTP: the subset of methods the
 * indexer calls, typed by the shape we read, so any standard RPC, the gpunet
 * localnet or Helius can stand behind it.
 *
 * Each call runs the SDK's one retry policy (`withRetry`): every attempt is one
 * HTTP request; HTTP 429 (honouring `Retry-After`), transient 5xx, retryable
 * JSON-RPC codes and network failures are retried with full-jitter backoff, then
 * surface as a typed {@link IndexerError}. This is the only loop that retries an
 * RPC call: one call costs at most `maxAttempts` requests.
 */
import {
  abortableSleep,
  networkFailureOf,
  parseRetryAfter,
  RETRYABLE_HTTP_STATUSES,
  SleepAbortedError,
  withRetry,
  type RetryFailure,
  type RetryPolicy,
} from "@gpunet/sdk";
import { IndexerError } from "./errors.ts";

export { parseRetryAfter } from "@gpunet/sdk";

/** What the indexer needs from an RPC; swap in anything with this shape. */
export interface RpcClient {
  call<T>(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<T>;
  /** Requests made, 429 answers seen and retries (for the counters). */
  readonly stats: { requests: number; rateLimited: number; retries: number };
}

/** Options of {@link createRpcClient}. */
export interface RpcClientOptions {
  readonly url: string;
  /** The retry policy (defaults: the SDK's `DEFAULT_RETRY_POLICY`). */
  readonly retry?: Partial<RetryPolicy>;
  /** Shorthand for `retry.maxAttempts`. */
  readonly maxAttempts?: number;
  /** Shorthand for `retry.baseDelayMs`. */
  readonly baseDelayMs?: number;
  /** Shorthand for `retry.maxDelayMs`. */
  readonly maxDelayMs?: number;
  /** Per-request timeout in ms (default 30,000). */
  readonly timeoutMs?: number;
  /** Injected fetch (default global fetch). */
  readonly fetch?: typeof fetch;
  /** Jitter source in [0, 1] (default Math.random). */
  readonly random?: () => number;
}

/** Resolves after `ms`, or rejects with `Aborted` when `signal` fires. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await abortableSleep(ms, signal);
  } catch (e) {
    if (e instanceof SleepAbortedError) throw new IndexerError("Aborted", "aborted");
    throw e;
  }
}

interface JsonRpcReply {
  readonly result?: unknown;
  readonly error?: { readonly code?: unknown; readonly message?: unknown };
}

/** The retry loop's view of an indexer error. */
function failureOf(e: unknown): RetryFailure | null {
  if (!(e instanceof IndexerError)) return null;
  if (e.code === "RateLimited") {
    const c = (e as IndexerError<"RateLimited">).context;
    return { kind: "http", status: 429, ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}) };
  }
  if (e.code === "Transport" || e.code === "RpcError") return (e as IndexerError<"Transport">).context.failure;
  return null;
}

/**
 * Creates an HTTP JSON-RPC client.
 *
 * @example
 * ```ts
 * const rpc = createRpcClient({ url: "http://127.0.0.1:8899" });
 * const slot = await rpc.call<number>("getSlot", [{ commitment: "finalized" }]);
 * ```
 */
export function createRpcClient(opts: RpcClientOptions): RpcClient {
  const policy: Partial<RetryPolicy> = {
    ...opts.retry,
    ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
    ...(opts.baseDelayMs !== undefined ? { baseDelayMs: opts.baseDelayMs } : {}),
    ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}),
  };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const doFetch = opts.fetch ?? fetch;
  let nextId = 1;
  const stats = { requests: 0, rateLimited: 0, retries: 0 };

  /** One HTTP request: the result, or a typed error the retry loop classifies. */
  async function attempt<T>(method: string, params: readonly unknown[], n: number, signal?: AbortSignal): Promise<T> {
    stats.requests++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await doFetch(opts.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
        signal: combined,
      });
    } catch (e) {
      if (signal?.aborted) throw new IndexerError("Aborted", "aborted", { method, cause: e });
      const failure: RetryFailure = timeout.aborted ? { kind: "timeout" } : networkFailureOf(e);
      throw new IndexerError("Transport", `${method}: ${String(e)}`, { method, failure, attempts: n, cause: e });
    }
    if (!res.ok) {
      const retryAfterMs = parseRetryAfter(res.headers.get("retry-after")) ?? undefined;
      await res.body?.cancel().catch(() => undefined);
      if (res.status === 429) {
        stats.rateLimited++;
        throw new IndexerError("RateLimited", `${method}: HTTP 429`, {
          method,
          status: 429,
          attempts: n,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      }
      const failure: RetryFailure = { kind: "http", status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      // A 5xx (or 408) is the transport failing; any other status is the RPC refusing the request.
      const code = RETRYABLE_HTTP_STATUSES.has(res.status) ? "Transport" : "RpcError";
      throw new IndexerError(code, `${method}: HTTP ${res.status}`, { method, status: res.status, failure, attempts: n });
    }
    let body: JsonRpcReply;
    try {
      body = (await res.json()) as JsonRpcReply;
    } catch (e) {
      if (signal?.aborted) throw new IndexerError("Aborted", "aborted", { method, cause: e });
      throw new IndexerError("Transport", `${method}: the answer is not JSON`, { method, failure: { kind: "invalid-response" }, attempts: n, cause: e });
    }
    if (body.error !== undefined && body.error !== null) {
      const rpcCode = typeof body.error.code === "number" ? body.error.code : undefined;
      const text = typeof body.error.message === "string" ? body.error.message : "JSON-RPC error";
      throw new IndexerError("RpcError", `${method}: ${text}`, {
        method,
        failure: rpcCode === undefined ? { kind: "invalid-response" } : { kind: "json-rpc", code: rpcCode },
        ...(rpcCode !== undefined ? { rpcCode } : {}),
        attempts: n,
      });
    }
    return body.result as T;
  }

  function call<T>(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<T> {
    return withRetry((n) => attempt<T>(method, params, n, signal), {
      policy,
      ...(signal ? { signal } : {}),
      classify: failureOf,
      abortError: () => new IndexerError("Aborted", "aborted", { method }),
      onRetry: () => {
        stats.retries++;
      },
      ...(opts.random ? { random: opts.random } : {}),
    });
  }
  return { call, stats };
}

/** `getTransaction` result fields the indexer reads (json encoding). */
export interface RpcTransaction {
  readonly slot: number;
  readonly blockTime: number | null;
  readonly transaction: {
    readonly signatures: readonly string[];
    readonly message: { readonly accountKeys: readonly (string | { readonly pubkey: string })[] };
  };
  readonly meta: {
    readonly err: unknown;
    readonly logMessages?: readonly string[] | null;
    readonly loadedAddresses?: { readonly writable: readonly string[]; readonly readonly: readonly string[] } | null;
  } | null;
  /** Helius' raw webhook payload carries this; `getTransaction` does not. */
  readonly indexWithinBlock?: number;
}

/** The account keys of a fetched transaction (static then loaded writable then readonly). */
export function transactionAccountKeys(tx: RpcTransaction): string[] {
  const keys = tx.transaction.message.accountKeys.map((k) => (typeof k === "string" ? k : k.pubkey));
  const loaded = tx.meta?.loadedAddresses;
  if (loaded) keys.push(...loaded.writable, ...loaded.readonly);
  return keys;
}
