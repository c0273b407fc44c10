/**
 * A `fetch` for web3.js's `Connection` (its `fetch` option) that backs off on HTTP
 * 429, honouring `Retry-After`, and on transient 5xx/network failures, then raises
 * a typed error. web3.js's own 429 loop ignores Retry-After;
 * throwing from here after our retries keeps it from starting a second loop.
 */
import { GpunetError } from "./errors.ts";

/** The fetch signature web3.js calls. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Options of {@link createRetryingFetch}. */
export interface RetryingFetchOptions {
  /** The underlying fetch; default `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Retries after the first attempt (default 5). */
  readonly maxRetries?: number;
  /** First backoff when the server gives no Retry-After (default 250 ms), doubled per retry. */
  readonly baseDelayMs?: number;
  /** Upper bound of any single wait, Retry-After included (default 30 s). */
  readonly maxDelayMs?: number;
  /** Also retry 502/503/504 and network errors (default true). */
  readonly retryTransient?: boolean;
  /** Called before each wait (for logs/metrics). */
  readonly onRetry?: (info: { attempt: number; delayMs: number; status: number | null }) => void;
  /** How to wait; default setTimeout. Tests may pass a recorder. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Parses a Retry-After header (delta seconds or an HTTP date) into ms, or null.
 * @example
 * ```ts
 * parseRetryAfter("2"); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

/**
 * web3.js re-wraps a failed fetch into its own error, keeping only the message. The
 * errors thrown here are remembered (a short window) with a unique tag in their
 * message, so `callRpc` can hand the caller the original typed error and context.
 */
const recentErrors: GpunetError[] = [];
let errorSeq = 0;
function remember(e: GpunetError): GpunetError {
  recentErrors.push(e);
  if (recentErrors.length > 64) recentErrors.shift();
  return e;
}
function tag(): string {
  errorSeq = (errorSeq + 1) % 1_000_000_000;
  return `[gpunet-fetch#${errorSeq}]`;
}

/** The typed error behind a web3.js error message, if the retrying fetch raised it. @internal */
export function recoverFetchError(message: string): GpunetError | undefined {
  for (let i = recentErrors.length - 1; i >= 0; i--) {
    const e = recentErrors[i] as GpunetError;
    if (message.includes(e.message)) return e;
  }
  return undefined;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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
  const maxRetries = opts.maxRetries ?? 5;
  const baseDelay = opts.baseDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 30_000;
  const retryTransient = opts.retryTransient ?? true;
  const sleep = opts.sleep ?? defaultSleep;
  return async (input, init) => {
    let lastRetryAfter: number | undefined;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await base(input, init);
      } catch (e) {
        if (init?.signal?.aborted) throw e;
        if (!retryTransient || attempt >= maxRetries) {
          throw remember(new GpunetError("Transport", `${tag()} RPC request failed: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e }));
        }
        const delayMs = Math.min(maxDelay, baseDelay * 2 ** attempt);
        opts.onRetry?.({ attempt: attempt + 1, delayMs, status: null });
        await sleep(delayMs);
        continue;
      }
      const transient = res.status === 502 || res.status === 503 || res.status === 504;
      if (res.status !== 429 && !(retryTransient && transient)) return res;
      const ra = parseRetryAfter(res.headers.get("retry-after"));
      if (ra !== null) lastRetryAfter = ra;
      if (attempt >= maxRetries) {
        if (res.status === 429) {
          throw remember(
            new GpunetError("RateLimited", `${tag()} RPC answered 429 ${maxRetries + 1} times`, {
              httpStatus: 429,
              ...(lastRetryAfter !== undefined ? { retryAfterMs: lastRetryAfter } : {}),
            }),
          );
        }
        throw remember(new GpunetError("Transport", `${tag()} RPC answered ${res.status} ${maxRetries + 1} times`, { httpStatus: res.status }));
      }
      // Drain the body so the connection can be reused.
      await res.arrayBuffer().catch(() => undefined);
      const delayMs = Math.min(maxDelay, ra ?? baseDelay * 2 ** attempt);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, status: res.status });
      await sleep(delayMs);
    }
  };
}
