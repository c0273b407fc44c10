/**
 * The one retry policy of the SDK and the indexer: exponential backoff with full
 * jitter, `Retry-After` honoured (delta seconds or an HTTP date), sleeps that an
 * AbortSignal cuts short, a cap on attempts and a total time budget.
 *
 * Whether a failure is worth another attempt is read from typed fields only (an
 * HTTP status, a JSON-RPC error code, a network error code), never from message
 * text. Exactly one loop retries a given request: layers above it see the final
 * error and do not try again.
 */

/** Why an attempt failed, as far as retrying is concerned. */
export type RetryFailure =
  /** The server answered with a non-success HTTP status. */
  | { readonly kind: "http"; readonly status: number; readonly retryAfterMs?: number }
  /** The server answered a JSON-RPC error object. */
  | { readonly kind: "json-rpc"; readonly code: number }
  /** The request never got an answer; `code` is the socket/DNS error code when the runtime gives one. */
  | { readonly kind: "network"; readonly code?: string }
  /** The per-request timeout fired. */
  | { readonly kind: "timeout" }
  /** The answer was not the JSON-RPC the client expects (not JSON, no result). */
  | { readonly kind: "invalid-response" }
  /** A failure that carries no typed detail (e.g. re-wrapped by a third-party client). */
  | { readonly kind: "unknown" };

/** The retry policy. */
export interface RetryPolicy {
  /** Attempts in all, the first included (>= 1). */
  readonly maxAttempts: number;
  /** Backoff ceiling of the first retry in ms; doubled per retry. */
  readonly baseDelayMs: number;
  /** Cap of any one wait in ms, a server's Retry-After included. */
  readonly maxDelayMs: number;
  /** Total time budget in ms from the first attempt: no wait starts that would end past it. */
  readonly budgetMs: number;
}

/** The defaults: 6 attempts, 250 ms doubling, waits capped at 30 s, 2 minutes in all. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 30_000, budgetMs: 120_000 });

/** HTTP statuses worth another attempt: timeouts, rate limits and transient server failures. */
export const RETRYABLE_HTTP_STATUSES: ReadonlySet<number> = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * JSON-RPC error codes worth another attempt: the node is behind or unhealthy,
 * the block or slot is not there yet, long-term storage is unreachable, or a
 * provider's rate limit expressed as a JSON-RPC error.
 */
export const RETRYABLE_JSON_RPC_CODES: ReadonlySet<number> = new Set([-32004, -32005, -32014, -32016, -32019, -32429]);

/** Socket and DNS error codes (Node's and undici's) worth another attempt. */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/**
 * Whether another attempt may succeed after this failure.
 *
 * @example
 * ```ts
 * isRetryableFailure({ kind: "http", status: 429 }); // true
 * isRetryableFailure({ kind: "json-rpc", code: -32602 }); // false: invalid params stay invalid
 * ```
 */
export function isRetryableFailure(f: RetryFailure): boolean {
  switch (f.kind) {
    case "http":
      return RETRYABLE_HTTP_STATUSES.has(f.status);
    case "json-rpc":
      return RETRYABLE_JSON_RPC_CODES.has(f.code);
    case "network":
      // A browser's fetch rejects with a bare TypeError (no code) for every network failure.
      return f.code === undefined || RETRYABLE_NETWORK_CODES.has(f.code);
    case "timeout":
      return true;
    case "invalid-response":
    case "unknown":
      return false;
  }
}

/**
 * The network failure behind an error a `fetch` rejected with: the first string
 * `code` on the error or its `cause` chain (undici puts the socket error there).
 *
 * @example
 * ```ts
 * networkFailureOf(Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } })); // { kind: "network", code: "ECONNREFUSED" }
 * ```
 */
export function networkFailureOf(e: unknown): RetryFailure {
  let c: unknown = e;
  for (let i = 0; i < 5 && c !== null && typeof c === "object"; i++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string") return { kind: "network", code };
    c = (c as { cause?: unknown }).cause;
  }
  return { kind: "network" };
}

/**
 * A policy with defaults filled in; a bad value is a RangeError.
 *
 * @example
 * ```ts
 * resolveRetryPolicy({ maxAttempts: 3 }).baseDelayMs; // 250
 * ```
 */
export function resolveRetryPolicy(p: Partial<RetryPolicy> = {}): RetryPolicy {
  const r = { ...DEFAULT_RETRY_POLICY, ...p };
  if (!Number.isSafeInteger(r.maxAttempts) || r.maxAttempts < 1) throw new RangeError(`maxAttempts must be an integer >= 1, got ${r.maxAttempts}`);
  for (const k of ["baseDelayMs", "maxDelayMs", "budgetMs"] as const) {
    if (!Number.isFinite(r[k]) || r[k] < 0) throw new RangeError(`${k} must be a finite number >= 0, got ${r[k]}`);
  }
  return r;
}

/**
 * Parses a `Retry-After` header into ms: delta seconds (`"2"`, `"1.5"`) or an
 * HTTP date. Null when absent, negative or unparsable.
 *
 * @example
 * ```ts
 * parseRetryAfter("2"); // 2000
 * parseRetryAfter(new Date(10_000).toUTCString(), 4_000); // 6000
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === "") return null;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  if (/^[+-]?[\d.]+$/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * The wait before retry number `retry` (0 for the first retry): the server's
 * Retry-After when it gave one, else full jitter, a uniform draw in
 * [0, min(maxDelayMs, baseDelayMs * 2^retry)]. Both are capped by `maxDelayMs`.
 *
 * @example
 * ```ts
 * backoffDelayMs(DEFAULT_RETRY_POLICY, 2, undefined, () => 1); // 1000
 * backoffDelayMs(DEFAULT_RETRY_POLICY, 0, 3_000); // 3000
 * ```
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxDelayMs, Math.max(0, retryAfterMs));
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 52));
  return Math.floor(Math.min(1, Math.max(0, random())) * ceiling);
}

/** What an abortable sleep rejects with when its signal fires. */
export class SleepAbortedError extends Error {
  override readonly name = "SleepAbortedError";
}

/**
 * Resolves after `ms`, or rejects with {@link SleepAbortedError} as soon as `signal` fires.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * const nap = abortableSleep(60_000, ac.signal);
 * ac.abort(); // nap rejects now, not in a minute
 * await nap.catch(() => undefined);
 * ```
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new SleepAbortedError("aborted"));
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new SleepAbortedError("aborted"));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Reported before each wait. */
export interface RetryEvent {
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly failure: RetryFailure;
}

/** Options of {@link withRetry}. */
export interface WithRetryOptions {
  readonly policy?: Partial<RetryPolicy>;
  readonly signal?: AbortSignal;
  /**
   * The typed failure behind an error an attempt threw, or null when the error
   * is final (a bad input, a program error): it is rethrown at once.
   */
  readonly classify: (error: unknown) => RetryFailure | null;
  /** The error to throw when `signal` fires (the caller's typed "aborted"). */
  readonly abortError: () => Error;
  readonly onRetry?: (e: RetryEvent) => void;
  /** How to wait (default {@link abortableSleep}). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The jitter source in [0, 1] (default Math.random). */
  readonly random?: () => number;
  /** The clock of the budget (default Date.now). */
  readonly now?: () => number;
}

/**
 * Runs `op` until it resolves, throws a non-retryable error, the attempts or the
 * budget are spent (the last error is thrown as is), or `signal` fires.
 *
 * @example
 * ```ts
 * const slot = await withRetry(
 *   async () => {
 *     const res = await fetch("http://127.0.0.1:8899", { method: "POST", headers: { "content-type": "application/json" }, body: '{"jsonrpc":"2.0","id":1,"method":"getSlot"}' });
 *     if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { failure: { kind: "http", status: res.status } });
 *     return ((await res.json()) as { result: number }).result;
 *   },
 *   { policy: { maxAttempts: 3 }, classify: (e) => (e as { failure?: RetryFailure }).failure ?? null, abortError: () => new Error("aborted") },
 * );
 * ```
 */
export async function withRetry<T>(op: (attempt: number) => Promise<T>, o: WithRetryOptions): Promise<T> {
  const policy = resolveRetryPolicy(o.policy);
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? abortableSleep;
  const deadline = now() + policy.budgetMs;
  for (let attempt = 1; ; attempt++) {
    if (o.signal?.aborted) throw o.abortError();
    try {
      return await op(attempt);
    } catch (e) {
      if (o.signal?.aborted) throw o.abortError();
      const failure = o.classify(e);
      if (failure === null || !isRetryableFailure(failure) || attempt >= policy.maxAttempts) throw e;
      const delayMs = backoffDelayMs(policy, attempt - 1, failure.kind === "http" ? failure.retryAfterMs : undefined, o.random);
      if (now() + delayMs > deadline) throw e;
      o.onRetry?.({ attempt, delayMs, failure });
      try {
        await sleep(delayMs, o.signal);
      } catch (s) {
        if (s instanceof SleepAbortedError || o.signal?.aborted) throw o.abortError();
        throw s;
      }
    }
  }
}
