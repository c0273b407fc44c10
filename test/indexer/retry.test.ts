/**
 * Only the outer loop retries: one indexer RPC call, direct or from inside the
 * pipeline's batch preparation (a live update without logs makes the writer fetch
 * the transaction), costs at most the policy's attempts in HTTP requests, counted
 * on a real HTTP server on 127.0.0.1 answering 429 and 503.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, createRpcClient, isIndexerError } from "../../indexer/src/index.ts";
import { DEFAULT_RETRY_POLICY } from "../../sdk/src/retry.ts";

let server: Server;
let url: string;
let requests = 0;
let answer: "limit" | "bad-params" = "limit";
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gpunet-idx-retry-"));
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => {
      if (answer === "bad-params") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32602, message: "Invalid params: transient-sounding text 429 503" } }));
        return;
      }
      res.writeHead(requests % 2 === 1 ? 429 : 503, { "retry-after": "0" });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe("indexer RPC retries", () => {
  it("Given 429/503 forever, When rpc.call runs with 4 attempts, Then exactly 4 requests and a retryable typed error", async () => {
    answer = "limit";
    requests = 0;
    const rpc = createRpcClient({ url, retry: { maxAttempts: 4 } });
    const err = await rpc.call("getSlot", []).catch((e: unknown) => e);
    expect(requests).toBe(4);
    expect(rpc.stats).toMatchObject({ requests: 4, retries: 3, rateLimited: 2 });
    expect(isIndexerError(err, "Transport") && err.retryable).toBe(true);
    if (isIndexerError(err, "Transport")) expect(err.context).toMatchObject({ method: "getSlot", failure: { kind: "http", status: 503 }, attempts: 4 });
  });

  it("Given a JSON-RPC error whose text mentions 429 and 503, When called, Then one request: its code -32602 is final", async () => {
    answer = "bad-params";
    requests = 0;
    const rpc = createRpcClient({ url });
    const err = await rpc.call("getSlot", []).catch((e: unknown) => e);
    expect(requests).toBe(1);
    expect(isIndexerError(err, "RpcError") && !err.retryable && err.context.rpcCode === -32602).toBe(true);
  });

  it("Given a live update without logs, When the writer prepares it against an RPC answering 429/503, Then the default policy's 6 requests, not 6 x 6", async () => {
    answer = "limit";
    requests = 0;
    const ix = await createIndexer({ dbPath: join(dir, "nested.db"), rpcUrl: url, backfill: false, finalityIntervalMs: 0, resolveTxIndex: false });
    try {
      const err = await ix
        .ingest([
          {
            signature: "5".repeat(88),
            slot: 10n,
            txIndex: null,
            blockTime: null,
            err: null,
            logs: null,
            finality: "confirmed",
            source: "webhook",
          },
        ])
        .catch((e: unknown) => e);
      expect(isIndexerError(err)).toBe(true);
      expect(requests).toBe(DEFAULT_RETRY_POLICY.maxAttempts);
    } finally {
      await ix.stop();
    }
  });
});
