/**
 * Rows that must not depend on how a chain was indexed (real localnet over
 * HTTP and WebSocket, real program, real SQLite and PostgreSQL): a live-indexed transaction
 * carries its block's time like a backfilled one, and a block cached before
 * a fork switch does not give the transactions of the new block at that slot
 * wrong positions.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, type Indexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { canonicalDump } from "./support/compare.ts";
import { startProxy, until } from "./support/proxy.ts";
import { rows as query, STORES, useStores, type StoreKind } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
const FINALIZED_DEPTH = 4;
let c: Net;
let w: Workload;
const stores = useStores();

function txRows(path: string): Promise<{ signature: string; slot: bigint; tx_index: bigint; block_time: bigint | null; source: string }[]> {
  return query(path, "SELECT signature, slot, tx_index, block_time, source FROM txs ORDER BY slot, tx_index");
}

async function sweepAll(ix: Indexer): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const r = await ix.sweepFinality();
    if (r.finalized + r.rolledBack + r.moved === 0) return;
  }
}

async function freshBackfill(kind: StoreKind): Promise<string> {
  const path = await stores.fresh(kind);
  const ix = await createIndexer({ dbPath: path, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
  await ix.start();
  await ix.backfillNow();
  await sweepAll(ix);
  await ix.stop();
  return path;
}

beforeAll(async () => {
  c = await localnetChain({ slotMs: 0, finalizedDepth: FINALIZED_DEPTH });
  w = new Workload(c);
  await w.setup(2, 1);
  c.net.advanceSlots(FINALIZED_DEPTH + 2);
});
afterAll(async () => {
  await c.net.close();
});

describe.each(STORES)("rows independent of the way in (%s store)", (kind) => {
  it("Given transactions heard live, Then each row has its block's time, the same as a backfill stores", async () => {
    const path = await stores.fresh(kind);
    const ix = await createIndexer({
      dbPath: path,
      rpcUrl: c.net.rpcUrl,
      wsUrl: c.net.wsUrl,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
      backfill: false,
    });
    await ix.start();
    await until(() => ix.stats().live.connected, 10_000, "live connected");
    // When
    const sigs = [await w.stake(w.providers[0]!, 500n), await w.fund(9_000n)];
    c.net.advanceSlots(1);
    await until(async () => (await ix.store.knownSignatures(sigs)).size === 2, 10_000, "live rows");
    await ix.stop();
    // Then
    const live = await txRows(path);
    expect(live.map((r) => r.source)).toEqual(["live", "live"]);
    for (const r of live) expect(r.block_time).toBe(BigInt((await c.connection.getBlockTime(Number(r.slot))) as number));
    const byBackfill = new Map((await txRows(await freshBackfill(kind))).map((r) => [r.signature, r]));
    for (const r of live) expect(r.block_time).toBe(byBackfill.get(r.signature)?.block_time);
  });

  it("Given a block cached before a fork switch, When the new fork's block at that slot holds other transactions and they arrive by a gap fill, Then their positions are the new block's", async () => {
    const path = await stores.fresh(kind);
    const proxy = await startProxy(c.net.wsPort);
    const ix = await createIndexer({
      dbPath: path,
      rpcUrl: c.net.rpcUrl,
      wsUrl: proxy.url,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
      reconnectMinMs: 50,
      reconnectMaxMs: 100,
    });
    await ix.start();
    await ix.backfillNow();
    await until(() => ix.stats().live.connected, 10_000, "live connected");
    // Given: a transaction at slot S heard live (the indexer read block S for its position)
    const parent = c.net.slot;
    c.net.advanceSlots(1);
    const s = c.net.slot;
    const dropped = await w.fund(1_111n);
    c.net.advanceSlots(1);
    await until(async () => (await ix.store.knownSignatures([{ signature: dropped, slot: s }])).size === 1, 10_000, "first fork's transaction");
    proxy.cut();
    await until(() => !ix.stats().live.connected, 10_000, "link down");
    // When: its fork is dropped and two other transactions land in the new block S
    const res = await fetch(c.net.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "gpunet_switchFork", params: [{ parentSlot: Number(parent) }] }),
    });
    expect(((await res.json()) as { result: { dropped: string[] } }).result.dropped).toEqual([dropped]);
    c.net.advanceSlots(1);
    const t1 = await w.stake(w.providers[0]!, 7n);
    const t2 = await w.stake(w.providers[1]!, 8n);
    expect(c.net.slot).toBe(s);
    c.net.advanceSlots(1);
    proxy.restore();
    // The gap fill lists newest first: arrival order would be the reverse of the block's.
    await until(
      async () =>
        (
          await ix.store.knownSignatures([
            { signature: t1, slot: s },
            { signature: t2, slot: s },
          ])
        ).size === 2 && ix.stats().gapsOpen === 0,
      30_000,
      "gap filled",
    );
    // Then
    const rows = (await txRows(path)).filter((r) => r.slot === s);
    expect(rows.find((r) => r.signature === t1)?.tx_index).toBe(0n);
    expect(rows.find((r) => r.signature === t2)?.tx_index).toBe(1n);
    c.net.advanceSlots(FINALIZED_DEPTH + 2);
    await sweepAll(ix);
    await ix.stop();
    await proxy.close();
    expect((await txRows(path)).some((r) => r.signature === dropped)).toBe(false);
    expect(await canonicalDump(path)).toBe(await canonicalDump(await freshBackfill(kind)));
  });
});
