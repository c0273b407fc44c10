/**
 * Backfill through Helius' getTransactionsForAddress where the endpoint has it
 * (the localnet does): transactions come 100 a request with their block
 * positions, no getTransaction per signature; against an endpoint without the
 * method (a real HTTP proxy on 127.0.0.1 answering "method not found", as a
 * standard RPC does) it falls back, and both indexes are identical.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, createRpcClient, type RpcClient } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { canonicalDump } from "./support/compare.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let dir: string;
let plain: Server;
let plainUrl: string;

/** An RPC client that counts the methods it is asked for. */
function counting(url: string): { rpc: RpcClient; counts: Map<string, number> } {
  const inner = createRpcClient({ url });
  const counts = new Map<string, number>();
  return {
    counts,
    rpc: {
      stats: inner.stats,
      call<T>(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<T> {
        counts.set(method, (counts.get(method) ?? 0) + 1);
        return inner.call<T>(method, params, signal);
      },
    },
  };
}

async function backfill(url: string, dbPath: string): Promise<Map<string, number>> {
  const { rpc, counts } = counting(url);
  const ix = await createIndexer({ dbPath, rpc, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
  try {
    await ix.start();
    await ix.backfillNow();
    await ix.idle();
  } finally {
    await ix.stop();
  }
  return counts;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gpunet-idx-helius-"));
  c = await localnetChain({ slotMs: 20 });
  const w = new Workload(c);
  await w.setup(3, 2);
  c.net.advanceSlots(40);
  // A standard RPC: everything forwarded, except the Helius extension.
  plain = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (b: Buffer) => chunks.push(b));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const msg = JSON.parse(body.toString("utf8")) as { id: unknown; method: string };
      if (msg.method === "getTransactionsForAddress") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "Method not found" } }));
        return;
      }
      fetch(c.net.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body })
        .then(async (up) => {
          res.writeHead(up.status, { "content-type": "application/json" });
          res.end(Buffer.from(await up.arrayBuffer()));
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", () => r()));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => plain.close(() => r()));
  await c?.net.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("backfill with Helius' getTransactionsForAddress", () => {
  it("Given an endpoint with the extension, When the history is backfilled, Then no getTransaction nor getBlock per signature; Given one without, Then the fallback builds the same index", async () => {
    const withExt = await backfill(c.net.rpcUrl, join(dir, "helius.db"));
    const without = await backfill(plainUrl, join(dir, "plain.db"));
    const signatures = without.get("getTransaction") ?? 0;
    expect(signatures).toBeGreaterThan(1);
    // Without the extension each transaction also costs a getBlock (its position in the block).
    expect(without.get("getBlock")).toBe(signatures);
    expect(withExt.get("getTransaction") ?? 0).toBe(0);
    expect(withExt.get("getBlock") ?? 0).toBe(0);
    expect(withExt.get("getTransactionsForAddress")).toBe(1);
    // Asked once on the plain endpoint, then remembered as missing.
    expect(without.get("getTransactionsForAddress")).toBe(1);
    expect(await canonicalDump(join(dir, "helius.db"))).toBe(await canonicalDump(join(dir, "plain.db")));
  });
});
