/**
 * The one retry policy: Retry-After parsing, full-jitter backoff, typed
 * classification, abortable sleeps, the attempt cap and the time budget; and,
 * against a real HTTP server on 127.0.0.1 answering 429/503, that one call costs
 * exactly the policy's attempts in HTTP requests through every SDK path.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Connection, PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GpunetError, isGpunetError } from "../../sdk/src/errors.ts";
import { createJsonRpcCall } from "../../sdk/src/json-rpc.ts";
import { resolvePriorityFee } from "../../sdk/src/priority-fee.ts";
import { heliusPriorityFee } from "../../sdk/src/helius/index.ts";
import {
  abortableSleep,
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryableFailure,
  networkFailureOf,
  parseRetryAfter,
  resolveRetryPolicy,
  SleepAbortedError,
  withRetry,
  type RetryFailure,
} from "../../sdk/src/retry.ts";
import { createRetryingFetch } from "../../sdk/src/retrying-fetch.ts";

describe("Retry-After", () => {
  it("Given delta seconds, an HTTP date or garbage, When parsed, Then ms or null (one parser for the SDK and the indexer)", () => {
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter(" 1.5 ", 0)).toBe(1500);
    expect(parseRetryAfter("0")).toBe(0);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(parseRetryAfter("-1")).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter("")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });
});

describe("backoff", () => {
  const p = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1_000 });
  it("Given full jitter, When the draw is 0, 0.5 or 1, Then the wait spans [0, min(cap, base * 2^retry)]", () => {
    expect(backoffDelayMs(p, 0, undefined, () => 0)).toBe(0);
    expect(backoffDelayMs(p, 0, undefined, () => 1)).toBe(100);
    expect(backoffDelayMs(p, 2, undefined, () => 0.5)).toBe(200);
    expect(backoffDelayMs(p, 3, undefined, () => 1)).toBe(800);
    expect(backoffDelayMs(p, 10, undefined, () => 1)).toBe(1_000);
    expect(backoffDelayMs(p, 2_000, undefined, () => 1)).toBe(1_000);
  });
  it("Given a Retry-After, Then it is the wait (no jitter), capped by maxDelayMs", () => {
    expect(backoffDelayMs(p, 5, 300, () => 0)).toBe(300);
    expect(backoffDelayMs(p, 0, 60_000)).toBe(1_000);
  });
  it("Given a bad policy, Then a RangeError names the field", () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => resolveRetryPolicy({ budgetMs: Number.NaN })).toThrow(/budgetMs/);
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
  });
});

describe("classification (typed fields only)", () => {
  it("Given HTTP statuses, JSON-RPC codes and network codes, Then retryable or not", () => {
    const yes: RetryFailure[] = [
      { kind: "http", status: 429 },
      { kind: "http", status: 503 },
      { kind: "http", status: 502 },
      { kind: "json-rpc", code: -32005 },
      { kind: "json-rpc", code: -32016 },
      { kind: "network", code: "ECONNRESET" },
      { kind: "network" },
      { kind: "timeout" },
    ];
    const no: RetryFailure[] = [
      { kind: "http", status: 400 },
      { kind: "http", status: 401 },
      { kind: "http", status: 404 },
      { kind: "json-rpc", code: -32602 },
      { kind: "json-rpc", code: -32601 },
      { kind: "json-rpc", code: -32002 },
      { kind: "network", code: "ENOTFOUND" },
      { kind: "invalid-response" },
      { kind: "unknown" },
    ];
    for (const f of yes) expect(isRetryableFailure(f), JSON.stringify(f)).toBe(true);
    for (const f of no) expect(isRetryableFailure(f), JSON.stringify(f)).toBe(false);
  });
  it("Given a real refused connection on 127.0.0.1, When fetch rejects, Then the code comes from the error's cause, not its text", async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const e = await fetch(`http://127.0.0.1:${port}`).then(
      () => null,
      (x: unknown) => x,
    );
    expect(networkFailureOf(e)).toEqual({ kind: "network", code: "ECONNREFUSED" });
    // An error whose message names a code but carries none is not that code.
    expect(networkFailureOf(new Error("connect ECONNREFUSED"))).toEqual({ kind: "network" });
  });
});

describe("withRetry", () => {
  const classify = (e: unknown): RetryFailure | null => (e as { failure?: RetryFailure }).failure ?? null;
  const fail = (failure: RetryFailure): Error => Object.assign(new Error("x"), { failure });
  const abortError = (): Error => new Error("aborted");

  it("Given a retryable failure every time, When run, Then maxAttempts attempts and the last error as is", async () => {
    let n = 0;
    const waits: number[] = [];
    const last = fail({ kind: "http", status: 503 });
    await expect(
      withRetry(
        async (a) => {
          n = a;
          throw a === 4 ? last : fail({ kind: "http", status: 503 });
        },
        { policy: { maxAttempts: 4, baseDelayMs: 10 }, classify, abortError, random: () => 1, sleep: async (ms) => void waits.push(ms) },
      ),
    ).rejects.toBe(last);
    expect(n).toBe(4);
    expect(waits).toEqual([10, 20, 40]);
  });
  it("Given a non-retryable failure, Then one attempt", async () => {
    let n = 0;
    await expect(
      withRetry(
        async () => {
          n++;
          throw fail({ kind: "json-rpc", code: -32602 });
        },
        { classify, abortError },
      ),
    ).rejects.toThrow("x");
    expect(n).toBe(1);
  });
  it("Given a Retry-After past the total budget, When the wait would end after it, Then it gives up without waiting", async () => {
    let n = 0;
    let t = 0;
    const waits: number[] = [];
    await expect(
      withRetry(
        async () => {
          n++;
          throw fail({ kind: "http", status: 429, retryAfterMs: 5_000 });
        },
        {
          policy: { maxAttempts: 10, budgetMs: 12_000, maxDelayMs: 60_000 },
          classify,
          abortError,
          now: () => t,
          sleep: async (ms) => {
            waits.push(ms);
            t += ms;
          },
        },
      ),
    ).rejects.toThrow("x");
    expect(waits).toEqual([5_000, 5_000]);
    expect(n).toBe(3);
  });
  it("Given a long wait, When the signal fires, Then the caller's abort error at once", async () => {
    const ac = new AbortController();
    const p = withRetry(
      async () => {
        queueMicrotask(() => ac.abort());
        throw fail({ kind: "http", status: 429, retryAfterMs: 3_600_000 });
      },
      { policy: { maxDelayMs: 3_600_000 }, signal: ac.signal, classify, abortError },
    );
    await expect(p).rejects.toThrow("aborted");
  });
  it("Given an abortable sleep of an hour, When aborted, Then it rejects with SleepAbortedError", async () => {
    const ac = new AbortController();
    const nap = abortableSleep(3_600_000, ac.signal);
    ac.abort();
    await expect(nap).rejects.toBeInstanceOf(SleepAbortedError);
    await expect(abortableSleep(1, ac.signal)).rejects.toBeInstanceOf(SleepAbortedError);
  });
});

describe("one call = at most maxAttempts HTTP requests (real server on 127.0.0.1 answering 429/503)", () => {
  let server: Server;
  let url: string;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on("end", () => {
        // Alternate a rate limit and an outage; Retry-After 0 keeps the test fast.
        res.writeHead(requests % 2 === 1 ? 429 : 503, { "retry-after": "0" });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("Given the retrying fetch under a web3.js Connection, When getSlot fails throughout, Then 5 requests (maxRetries 4) and web3.js adds none", async () => {
    requests = 0;
    const connection = new Connection(url, { fetch: createRetryingFetch({ maxRetries: 4 }) });
    let err: unknown;
    await connection.getSlot().catch((e: unknown) => {
      err = e;
    });
    expect(requests).toBe(5);
    // The typed error passes through web3.js by identity: the fifth answer was a 429.
    expect(isGpunetError(err, "RateLimited")).toBe(true);
    expect((err as GpunetError<"RateLimited">).context).toMatchObject({ httpStatus: 429, retryAfterMs: 0, attempts: 5 });
  });

  it("Given the JSON-RPC caller (helius-sdk's transport), When it fails throughout, Then maxAttempts requests and a typed error", async () => {
    requests = 0;
    const call = createJsonRpcCall({ url, policy: { maxAttempts: 4 } });
    const err = await call("getSlot", []).catch((e: unknown) => e);
    expect(requests).toBe(4);
    expect(isGpunetError(err, "Transport")).toBe(true);
    expect((err as GpunetError<"Transport">).context).toMatchObject({ method: "getSlot", failure: { kind: "http", status: 503 }, attempts: 4 });
  });

  it("Given the Helius priority-fee strategy, When the endpoint fails throughout, Then its retry policy's attempts and no more", async () => {
    requests = 0;
    const err = await resolvePriorityFee(heliusPriorityFee({ url, retry: { maxAttempts: 3 } }), { getRecentPrioritizationFees: async () => [] }, [
      PublicKey.default,
    ]).catch((e: unknown) => e);
    expect(requests).toBe(3);
    expect(isGpunetError(err, ["RateLimited", "Transport"])).toBe(true);
  });
});
