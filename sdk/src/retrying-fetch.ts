/**
 * A `fetch` for web3.js's `Connection` (its `fetch` option) that runs the SDK's
 * retry policy ({@link withRetry}): HTTP 429 honouring `Retry-After`, transient
 * 5xx and network failures backed off with full jitter, then a typed error.
 * web3.js's own 429 loop ignores Retry-After; once this fetch has given up it
 * throws, so web3.js never starts a second loop. web3.js passes the thrown
 * error through as is (the SDK reads it by identity, never by its message).
 */
import { GpunetError } from "./errors.ts";
import { RETRYABLE_HTTP_STATUSES, networkFailureOf, parseRetryAfter, withRetry, type RetryEvent, type RetryFailure, type RetryPolicy } from "./retry.ts";

export { parseRetryAfter } from "./retry.ts";

/** The fetch signature web3.js calls. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link createRetryingFetch}. */
export interface RetryingFetchOptions {
  /** The underlying fetch; default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** The retry policy (attempts, backoff, cap, budget); defaults are {@link DEFAULT_RETRY_POLICY}'s. */
  readonly policy?: Partial<RetryPolicy>;
  /** Retries after the first attempt; shorthand for `policy.maxAttempts - 1`. */
  readonly maxRetries?: number;
  /** Shorthand for `policy.baseDelayMs`. */
  readonly baseDelayMs?: number;
  /** Shorthand for `policy.maxDelayMs`. */
  readonly maxDelayMs?: number;
  /** Also retry 5xx, 408 and network errors (default true); 429 is always retried. */
  readonly retryTransient?: boolean;
  /** Called before each wait (for logs/metrics). */
  readonly onRetry?: (info: { attempt: number; delayMs: number; status: number | null; failure: RetryFailure }) => void;
  /** How to wait; default an abortable setTimeout. Tests may pass a recorder. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source in [0, 1] (default Math.random). */
  readonly random?: () => number;
}

/** The policy an options object asks for. @internal */
export function fetchPolicy(opts: RetryingFetchOptions): Partial<RetryPolicy> {
  return {
    ...opts.policy,
    ...(opts.maxRetries !== undefined ? { maxAttempts: opts.maxRetries + 1 } : {}),
    ...(opts.baseDelayMs !== undefined ? { baseDelayMs: opts.baseDelayMs } : {}),
    ...(opts.maxDelayMs !== undefined ? { maxDelayMs: opts.maxDelayMs } : {}),
  };
}

/**
 * The typed failure of a GpunetError for the retry loop: rate limits and
 * transport failures carry one; everything else is final.
 * @internal
 */
export function retryFailureOf(e: unknown): RetryFailure | null {
  if (!(e instanceof GpunetError)) return null;
  if (e.code === "RateLimited") {
    const c = (e as GpunetError<"RateLimited">).context;
    return { kind: "http", status: 429, ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}) };
  }
  if (e.code === "Transport") return (e as GpunetError<"Transport">).context.failure;
  return null;
}

/**
 * Creates the retrying fetch.
 *
 * @example
 * ```ts
 * import { Connection } from "@solana/web3.js";
 * import { createRetryingFetch } from "@gpunet/sdk";
 * const connection = new Connection("https://api.devnet.solana.com", { fetch: createRetryingFetch({ maxRetries: 4 }), disableRetryOnRateLimit: true });
 * ```
 */
export function createRetryingFetch(opts: RetryingFetchOptions = {}): FetchLike {
  const base = opts.fetch ?? ((i, init) => globalThis.fetch(i, init));
  const retryTransient = opts.retryTransient ?? true;
  const policy = fetchPolicy(opts);
  return (input, init) =>
    withRetry(
      async (attempt) => {
        let res: Response;
        try {
          res = await base(input, init);
        } catch (e) {
          if (init?.signal?.aborted) throw new GpunetError("Aborted", "aborted", {}, { cause: e });
          const failure = retryTransient ? networkFailureOf(e) : { kind: "unknown" as const };
          throw new GpunetError("Transport", `RPC request failed: ${e instanceof Error ? e.message : String(e)}`, { failure, attempts: attempt }, { cause: e });
        }
        if (res.status !== 429 && !(retryTransient && RETRYABLE_HTTP_STATUSES.has(res.status))) return res;
        const retryAfterMs = parseRetryAfter(res.headers.get("retry-after")) ?? undefined;
        // Drain the body so the connection can be reused.
        await res.arrayBuffer().catch(() => undefined);
        if (res.status === 429) {
          throw new GpunetError("RateLimited", `RPC answered 429 (attempt ${attempt})`, {
            httpStatus: 429,
            attempts: attempt,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          });
        }
        throw new GpunetError("Transport", `RPC answered ${res.status} (attempt ${attempt})`, {
          failure: { kind: "http", status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
          httpStatus: res.status,
          attempts: attempt,
        });
      },
      {
        policy,
        ...(init?.signal ? { signal: init.signal } : {}),
        classify: retryFailureOf,
        abortError: () => new GpunetError("Aborted", "aborted", {}),
        ...(opts.onRetry
          ? {
              onRetry: (r: RetryEvent) =>
                opts.onRetry?.({ attempt: r.attempt, delayMs: r.delayMs, status: r.failure.kind === "http" ? r.failure.status : null, failure: r.failure }),
            }
          : {}),
        ...(opts.sleep ? { sleep: opts.sleep } : {}),
        ...(opts.random ? { random: opts.random } : {}),
      },
    );
}
