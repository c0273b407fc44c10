/**
 * A minimal Solana JSON-RPC client over HTTP: the subset of methods the
 * indexer calls, typed by the shape we read, so any standard RPC, the gpunet
 * localnet or Helius can stand behind it.
 *
 * HTTP 429 and 5xx are retried with exponential backoff that honours a
 * `Retry-After` header (seconds or an HTTP date), then surface as a typed,
 * retryable {@link IndexerError}.
 */
import { IndexerError } from "./errors.ts";

/** What the indexer needs from an RPC; swap in anything with this shape. */
export interface RpcClient {
  call<T>(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<T>;
  /** Requests made and 429 answers seen (for the counters). */
  readonly stats: { requests: number; rateLimited: number; retries: number };
}

/** Options of {@link createRpcClient}. */
export interface RpcClientOptions {
  readonly url: string;
  /** Attempts per call for 429 / 5xx / network errors (default 6). */
  readonly maxAttempts?: number;
  /** First backoff in ms, doubled per attempt (default 250). */
  readonly baseDelayMs?: number;
  /** Cap of one backoff in ms (default 30,000). */
  readonly maxDelayMs?: number;
  /** Per-request timeout in ms (default 30,000). */
  readonly timeoutMs?: number;
  /** Injected fetch (default global fetch). */
  readonly fetch?: typeof fetch;
}

/** Parses a Retry-After header into ms; null when absent or unparsable. */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** Resolves after `ms`, or rejects with `Aborted` when `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new IndexerError("Aborted", "aborted"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new IndexerError("Aborted", "aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

interface JsonRpcReply {
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string };
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
  const maxAttempts = opts.maxAttempts ?? 6;
  const base = opts.baseDelayMs ?? 250;
  const cap = opts.maxDelayMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const doFetch = opts.fetch ?? fetch;
  let nextId = 1;
  const stats = { requests: 0, rateLimited: 0, retries: 0 };

  async function call<T>(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<T> {
    let lastError: IndexerError | null = null;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (signal?.aborted) throw new IndexerError("Aborted", "aborted", { method });
      if (attempt > 0) stats.retries++;
      stats.requests++;
      let delay = Math.min(cap, base * 2 ** attempt);
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        const res = await doFetch(opts.url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
          signal: combined,
        });
        if (res.status === 429) {
          stats.rateLimited++;
          delay = parseRetryAfter(res.headers.get("retry-after")) ?? delay;
          lastError = new IndexerError("RateLimited", `${method}: HTTP 429`, { method, status: 429 });
          await res.body?.cancel();
        } else if (res.status >= 500) {
          lastError = new IndexerError("Transport", `${method}: HTTP ${res.status}`, { method, status: res.status });
          await res.body?.cancel();
        } else if (!res.ok) {
          throw new IndexerError("RpcError", `${method}: HTTP ${res.status}`, { method, status: res.status });
        } else {
          const body = (await res.json()) as JsonRpcReply;
          if (body.error) {
            throw new IndexerError("RpcError", `${method}: ${body.error.message}`, { method, rpcCode: body.error.code });
          }
          return body.result as T;
        }
      } catch (e) {
        if (e instanceof IndexerError) {
          if (e.code === "RpcError") throw e;
        } else if (signal?.aborted) {
          throw new IndexerError("Aborted", "aborted", { method });
        } else {
          lastError = new IndexerError("Transport", `${method}: ${String(e)}`, { method, cause: e });
        }
      }
      if (attempt + 1 < maxAttempts) await sleep(delay, signal);
    }
    throw lastError ?? new IndexerError("Transport", `${method}: failed`, { method });
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
