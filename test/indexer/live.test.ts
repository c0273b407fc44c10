/**
 * The live source's two ways to lose or churn a link without a fault on the
 * wire (real localnet, real WebSocket through a TCP proxy, real SQLite):
 * a transaction confirmed between the startup backfill's listing and the
 * first subscription, and a process too busy to read its socket for longer
 * than the watchdog.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { startProxy, until } from "./support/proxy.ts";
import { STORES, useStores } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let w: Workload;
const stores = useStores();
/** Blocks this thread (timers, sockets, the in-process localnet) for `ms`. */
const stall = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

beforeAll(async () => {
  c = await localnetChain({ slotMs: 0 });
  w = new Workload(c);
  await w.setup(2, 1);
  c.net.advanceSlots(1);
});
afterAll(async () => {
  await c.net.close();
});

describe.each(STORES)("live source (%s store)", (kind) => {
  it("Given the first subscription completes only after the startup backfill listed the chain, When a transaction confirms in between, Then it is backfilled", async () => {
    const proxy = await startProxy(c.net.wsPort);
    proxy.hold();
    const path = await stores.fresh(kind);
    const ix = await createIndexer({
      dbPath: path,
      rpcUrl: c.net.rpcUrl,
      wsUrl: proxy.url,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
      watchdogMs: 60_000,
    });
    await ix.start();
    await ix.backfillNow();
    expect(ix.stats().live.connected).toBe(false);
    // When: confirmed after the listing, before any subscription exists
    const sig = await w.stake(w.providers[0]!, 21n);
    c.net.advanceSlots(1);
    proxy.restore();
    await until(() => ix.stats().live.connected, 10_000, "first subscription");
    // Then
    await until(async () => (await ix.store.knownSignatures([sig])).size === 1 && ix.stats().gapsOpen === 0, 10_000, "transaction of the window indexed");
    expect(ix.stats().reconnects).toBe(0);
    await ix.stop();
    await proxy.close();
  });

  it("Given a healthy link, When the process stalls for three watchdog periods, Then the watchdog does not fire and the link carries on", async () => {
    const path = await stores.fresh(kind);
    const watchdogMs = 300;
    const ix = await createIndexer({
      dbPath: path,
      rpcUrl: c.net.rpcUrl,
      wsUrl: c.net.wsUrl,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
      watchdogMs,
    });
    await ix.start();
    await ix.backfillNow();
    await until(() => ix.stats().live.connected, 10_000, "live connected");
    // When
    stall(3 * watchdogMs);
    const sig = await w.stake(w.providers[1]!, 22n);
    c.net.advanceSlots(1);
    // Then: delivered on the same subscription
    await until(async () => (await ix.store.knownSignatures([sig])).size === 1, 10_000, "live delivery after the stall");
    expect(ix.stats().live.watchdogFires).toBe(0);
    expect(ix.stats().reconnects).toBe(0);
    expect(ix.stats().live.notifications).toBeGreaterThanOrEqual(1);
    await ix.stop();
  });
});
