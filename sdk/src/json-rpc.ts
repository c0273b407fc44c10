/**
 * A plain JSON-RPC 2.0 caller over fetch, under the one retry policy: each attempt
 * is one HTTP request; HTTP statuses, JSON-RPC error codes and network error codes
 * decide (typed) whether another attempt follows. It is the `call` function
 * helius-sdk's method factories take, so they run on the SDK's typed errors.
 */
import { GpunetError } from "./errors.ts";
import type { FetchLike } from "./retrying-fetch.ts";
import { retryFailureOf } from "./retrying-fetch.ts";
import { RETRYABLE_HTTP_STATUSES, networkFailureOf, parseRetryAfter, withRetry, type RetryEvent, type RetryPolicy } from "./retry.ts";

/** Options of {@link createJsonRpcCall}. */
export interface JsonRpcCallOptions {
  readonly url: string;
  /** One HTTP request per call; default `globalThis.fetch` (pass a plain fetch: this caller retries). */
  readonly fetch?: FetchLike;
  readonly policy?: Partial<RetryPolicy>;
  readonly signal?: AbortSignal;
  readonly onRetry?: (e: RetryEvent) => void;
  /** Wait and jitter overrides, for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** A JSON-RPC call: `call(method, params)` resolves to the `result` or throws a typed GpunetError. */
export type JsonRpcCall = <P, R>(method: string, params: P) => Promise<R>;

/**
 * Creates a JSON-RPC caller.
 *
 * @example
 * ```ts
 * const call = createJsonRpcCall({ url: "http://127.0.0.1:8899", policy: { maxAttempts: 3 } });
 * const slot = await call<[], number>("getSlot", []);
 * ```
 */
export function createJsonRpcCall(o: JsonRpcCallOptions): JsonRpcCall {
  const f = o.fetch ?? ((i, init) => globalThis.fetch(i, init));
  let id = 0;
  return <P, R>(method: string, params: P): Promise<R> =>
    withRetry(
      async (attempt) => {
        let res: Response;
        try {
          res = await f(o.url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
            ...(o.signal ? { signal: o.signal } : {}),
          });
        } catch (e) {
          if (o.signal?.aborted) throw new GpunetError("Aborted", "aborted", {}, { cause: e });
          throw new GpunetError(
            "Transport",
            `${method}: ${e instanceof Error ? e.message : String(e)}`,
            { method, failure: networkFailureOf(e), attempts: attempt },
            { cause: e },
          );
        }
        if (!res.ok) {
          const retryAfterMs = parseRetryAfter(res.headers.get("retry-after")) ?? undefined;
          await res.arrayBuffer().catch(() => undefined);
          if (res.status === 429) {
            throw new GpunetError("RateLimited", `${method}: HTTP 429 (attempt ${attempt})`, {
              method,
              httpStatus: 429,
              attempts: attempt,
              ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            });
          }
          const retryable = RETRYABLE_HTTP_STATUSES.has(res.status);
          throw new GpunetError("Transport", `${method}: HTTP ${res.status} (attempt ${attempt})`, {
            method,
            failure: { kind: "http", status: res.status, ...(retryable && retryAfterMs !== undefined ? { retryAfterMs } : {}) },
            httpStatus: res.status,
            attempts: attempt,
          });
        }
        let body: unknown;
        try {
          body = await res.json();
        } catch (e) {
          throw new GpunetError(
            "Transport",
            `${method}: the answer is not JSON`,
            { method, failure: { kind: "invalid-response" }, attempts: attempt },
            { cause: e },
          );
        }
        const reply = body as { result?: unknown; error?: { code?: unknown; message?: unknown } } | null;
        if (reply !== null && typeof reply === "object" && reply.error !== undefined && reply.error !== null) {
          const code = typeof reply.error.code === "number" ? reply.error.code : undefined;
          const text = typeof reply.error.message === "string" ? reply.error.message : "JSON-RPC error";
          throw new GpunetError("Transport", `${method}: ${text}`, {
            method,
            failure: code === undefined ? { kind: "invalid-response" } : { kind: "json-rpc", code },
            attempts: attempt,
          });
        }
        if (reply === null || typeof reply !== "object" || !("result" in reply)) {
          throw new GpunetError("Transport", `${method}: the answer has no result`, { method, failure: { kind: "invalid-response" }, attempts: attempt });
        }
        return reply.result as R;
      },
      {
        ...(o.policy ? { policy: o.policy } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        classify: retryFailureOf,
        abortError: () => new GpunetError("Aborted", "aborted", {}),
        ...(o.onRetry ? { onRetry: o.onRetry } : {}),
        ...(o.sleep ? { sleep: o.sleep } : {}),
        ...(o.random ? { random: o.random } : {}),
      },
    );
}
