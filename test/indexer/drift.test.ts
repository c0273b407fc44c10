/**
 * X10 drift: after a random workload through the real program on the localnet
 * (Anchor Program over HTTP JSON-RPC), the indexer's state equals the
 * program's accounts read back, field by field; on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { chainState, diffStates, indexState } from "./support/compare.ts";
import { STORES, useStores } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

const stores = useStores();

type Net = Awaited<ReturnType<typeof localnetChain>>;

async function programAccounts(c: Net): Promise<Map<string, Uint8Array>> {
  const list = await c.connection.getProgramAccounts(c.programId, { commitment: "confirmed" });
  return new Map(list.map((a) => [a.pubkey.toBase58(), new Uint8Array(a.account.data)]));
}

// One chain for both stores: the first workload lands once, and each store's live
// phase adds its own providers and operations on top.
let c: Net;
let first: Workload;
beforeAll(async () => {
  c = await localnetChain();
  first = new Workload(c);
  await first.setup(5, 3);
  await first.everyPath();
  await first.random(250, 7);
  c.net.advanceSlots(1);
});
afterAll(async () => {
  await c?.net.close();
});

describe.each(STORES.map((kind, i) => [kind, i] as const))("X10 drift: index equals the program's accounts (%s store)", (kind, round) => {
  let db: string;
  beforeAll(async () => {
    db = await stores.fresh(kind);
  });

  it("Given a random workload, When the indexer backfills it, Then every provider, job and the config match field by field", async () => {
    // Given: the random workload on the chain (and, for the second store, the first store's live workload too)
    // When
    const ix = await createIndexer({ dbPath: db, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
    await ix.start();
    await ix.backfillNow();
    await ix.stop();
    // Then
    const diff = diffStates(chainState(await programAccounts(c)), await indexState(db));
    expect(diff).toEqual([]);
    expect(chainState(await programAccounts(c)).providers.size).toBe(5 + 3 * round);
  });

  it("Given the live subscription running while a second workload lands, Then the index still equals the accounts", async () => {
    // Given
    const ix = await createIndexer({
      dbPath: db,
      rpcUrl: c.net.rpcUrl,
      wsUrl: c.net.wsUrl,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
    });
    await ix.start();
    await ix.backfillNow();
    const w = new Workload(c);
    w.adopt(first);
    w.nextJobId += BigInt(round) * 10_000n;
    for (let i = 0; i < 3; i++) await w.addProvider(10 + 3 * round + i);
    // When
    await w.random(150, 11 + round);
    c.net.advanceSlots(1);
    const want = chainState(await programAccounts(c));
    for (let i = 0; i < 200; i++) {
      await ix.idle();
      if (diffStates(want, await indexState(db)).length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await ix.stop();
    // Then
    expect(diffStates(want, await indexState(db))).toEqual([]);
  });
});
