/**
 * `GET /live` (Server-Sent Events) against a real indexer over a real
 * localnet, through a fork switch: a transaction is streamed once when it is
 * indexed; when its fork is dropped and the finality sweep rolls it back, the
 * stream says so in its counters; the next transaction takes the freed row id
 * and is still streamed, and the rolled-back one is never sent again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, type Indexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { until } from "./support/proxy.ts";
import { Workload } from "./support/workload.ts";

const FINALIZED_DEPTH = 4;
type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let w: Workload;
let dir: string;
let ix: Indexer;

type Sse = { event: string; data: { signature?: string; id?: string; events?: string[]; counters?: Record<string, string> } };

/** Every event of the stream, in order, as they arrive. */
function collect(body: ReadableStream<Uint8Array>): Sse[] {
  const out: Sse[] = [];
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  void (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (r.done) return;
      buf += decoder.decode(r.value, { stream: true });
      let end: number;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) out.push({ event, data: JSON.parse(data) as Sse["data"] });
      }
    }
  })();
  return out;
}

async function rpc(method: string, params: unknown[]): Promise<void> {
  const res = await fetch(c.net.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
}

const rowId = (signature: string): bigint | undefined => {
  const db = new Database(join(dir, "live.db"), { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    return (db.prepare("SELECT id FROM txs WHERE signature = ?").get(signature) as { id: bigint } | undefined)?.id;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "live-feed-"));
  c = await localnetChain({ slotMs: 0, finalizedDepth: FINALIZED_DEPTH });
  w = new Workload(c);
  await w.setup(1, 1);
  await w.fund(1_000n);
  c.net.advanceSlots(FINALIZED_DEPTH + 2);
  ix = await createIndexer({
    dbPath: join(dir, "live.db"),
    rpcUrl: c.net.rpcUrl,
    wsUrl: c.net.wsUrl,
    programId: c.programId.toBase58(),
    finalityIntervalMs: 0,
    apiPort: 0,
  });
  await ix.start();
  await ix.backfillNow();
  await until(() => ix.stats().live.connected, 10_000, "live connected");
});
afterAll(async () => {
  await ix?.stop();
  await c?.net.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("/live", () => {
  it("Given a client on /live, When a streamed transaction is rolled back and the next one reuses its row id, Then the next one is streamed and the rolled-back one never again", async () => {
    const ac = new AbortController();
    const res = await fetch(`http://127.0.0.1:${ix.ports.api}/live`, { signal: ac.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = collect(res.body as ReadableStream<Uint8Array>);
    await until(() => events.some((e) => e.event === "stats"), 10_000, "first stats");
    const txs = () => events.filter((e) => e.event === "tx").map((e) => e.data);

    // Given a transaction streamed once indexed
    c.net.advanceSlots(1);
    const parent = c.net.slot;
    c.net.advanceSlots(1);
    const first = await w.fund(111n);
    c.net.advanceSlots(1);
    await until(() => txs().some((t) => t.signature === first), 20_000, "first streamed");
    const firstId = rowId(first);
    expect(txs().find((t) => t.signature === first)?.events).toEqual(expect.arrayContaining(["rewardsFunded"]));

    // When its fork is dropped and the sweep rolls it back
    await rpc("gpunet_switchFork", [{ parentSlot: Number(parent) }]);
    c.net.advanceSlots(FINALIZED_DEPTH + 2);
    let rolled = 0;
    for (let i = 0; i < 10 && rolled === 0; i++) rolled += (await ix.sweepFinality()).rolledBack;
    expect(rolled).toBe(1);
    expect(rowId(first)).toBeUndefined();
    await until(() => events.some((e) => e.event === "stats" && e.data.counters?.rolledBack === "1"), 10_000, "rollback in the stats");

    // And the next transaction lands in the freed row id
    const second = await w.fund(222n);
    c.net.advanceSlots(1);
    await until(() => txs().some((t) => t.signature === second), 20_000, "second streamed");
    expect(rowId(second)).toBe(firstId);

    // Then each signature went out exactly once
    const sent = txs().map((t) => t.signature);
    expect(sent.filter((s) => s === first)).toHaveLength(1);
    expect(sent.filter((s) => s === second)).toHaveLength(1);
    ac.abort();
  });
});
