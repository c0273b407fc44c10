/**
 * X10 drift: after a random workload through the real program on the localnet
 * (Anchor Program over HTTP JSON-RPC), the indexer's state equals the
 * program's accounts read back, field by field.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { chainState, diffStates, indexState } from "./support/compare.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;

async function programAccounts(c: Net): Promise<Map<string, Uint8Array>> {
  const list = await c.connection.getProgramAccounts(c.programId, { commitment: "confirmed" });
  return new Map(list.map((a) => [a.pubkey.toBase58(), new Uint8Array(a.account.data)]));
}

describe("X10 drift: index equals the program's accounts", () => {
  let c: Net;
  let dir: string;
  let first: Workload | null = null;
  beforeAll(async () => {
    c = await localnetChain();
    dir = mkdtempSync(join(tmpdir(), "gpunet-idx-drift-"));
  });
  afterAll(async () => {
    await c.net.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("Given a random workload, When the indexer backfills it, Then every provider, job and the config match field by field", async () => {
    // Given
    const w = new Workload(c);
    first = w;
    await w.setup(5, 3);
    await w.everyPath();
    await w.random(250, 7);
    c.net.advanceSlots(1);
    // When
    const ix = await createIndexer({ dbPath: join(dir, "a.db"), rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
    await ix.start();
    await ix.backfillNow();
    await ix.stop();
    // Then
    const diff = diffStates(chainState(await programAccounts(c)), indexState(join(dir, "a.db")));
    expect(diff).toEqual([]);
    expect(chainState(await programAccounts(c)).providers.size).toBe(5);
  });

  it("Given the live subscription running while a second workload lands, Then the index still equals the accounts", async () => {
    // Given
    const ix = await createIndexer({
      dbPath: join(dir, "a.db"),
      rpcUrl: c.net.rpcUrl,
      wsUrl: c.net.wsUrl,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
    });
    await ix.start();
    await ix.backfillNow();
    const w = new Workload(c);
    w.adopt(first as Workload);
    for (let i = 0; i < 3; i++) await w.addProvider(10 + i);
    // When
    await w.random(150, 11);
    c.net.advanceSlots(1);
    const want = chainState(await programAccounts(c));
    for (let i = 0; i < 200; i++) {
      await ix.idle();
      if (diffStates(want, indexState(join(dir, "a.db"))).length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await ix.stop();
    // Then
    expect(diffStates(want, indexState(join(dir, "a.db")))).toEqual([]);
  });
});
