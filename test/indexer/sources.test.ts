/**
 * Datasources against the real localnet (HTTP JSON-RPC + WebSocket PubSub on
 * 127.0.0.1) and the real program: X3 live link down (cut and silent) while
 * transactions land, X6 truncated logs recovered from account state, X7 data
 * that never finalizes rolled back by the finality sweep, the Helius webhook
 * source, the read-only HTTP API and CLI query (each on SQLite and on
 * PostgreSQL), and RPC 429 backoff.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, createRpcClient, isIndexerError, parseRetryAfter, runQueryCommand, type Indexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { chainState, diffStates, indexState } from "./support/compare.ts";
import { startProxy, until } from "./support/proxy.ts";
import { STORES, useStores } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
const stores = useStores();

async function programAccounts(c: Net): Promise<Map<string, Uint8Array>> {
  const list = await c.connection.getProgramAccounts(c.programId, { commitment: "confirmed" });
  return new Map(list.map((a) => [a.pubkey.toBase58(), new Uint8Array(a.account.data)]));
}
async function inSync(c: Net, ix: Indexer, path: string): Promise<boolean> {
  await ix.idle();
  return diffStates(chainState(await programAccounts(c)), await indexState(path)).length === 0;
}

describe.each(STORES)("X3 live link down while transactions land (%s store)", (kind) => {
  let c: Net;
  let first: Workload | null = null;
  beforeAll(async () => {
    c = await localnetChain({ slotMs: 20 });
  });
  afterAll(async () => {
    await c.net.close();
  });

  it("Given the WebSocket cut, When transactions land meanwhile, Then after the reconnect the gap is backfilled from the last checkpoint", async () => {
    const proxy = await startProxy(c.net.wsPort);
    const path = await stores.fresh(kind);
    const w = new Workload(c);
    first = w;
    await w.setup(3, 2);
    const ix = await createIndexer({
      dbPath: path,
      rpcUrl: c.net.rpcUrl,
      wsUrl: proxy.url,
      programId: c.programId.toBase58(),
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      watchdogMs: 2_000,
      finalityIntervalMs: 0,
    });
    await ix.start();
    await until(() => ix.stats().live.connected, 10_000, "live connected");
    await w.everyPath();
    await until(() => inSync(c, ix, path), 30_000, "initial sync");
    // When
    proxy.cut();
    await until(() => !ix.stats().live.connected, 10_000, "disconnect seen");
    const sigs = [await w.stake(w.providers[0]!, 777n), await w.fund(4_242n), await w.claim(w.providers[0]!)];
    await new Promise((r) => setTimeout(r, 300));
    proxy.restore();
    // Then
    await until(() => ix.stats().reconnects >= 1 && ix.stats().gapsOpen === 0, 30_000, "reconnect and gap fill");
    await until(() => inSync(c, ix, path), 30_000, "state in sync after gap");
    expect((await ix.store.knownSignatures(sigs)).size).toBe(3);
    expect(ix.store.counters().reconnects).toBeGreaterThanOrEqual(1n);
    await ix.stop();
    await proxy.close();
  });

  it("Given a link that stays open but goes silent, Then the watchdog reconnects and missed transactions are backfilled", async () => {
    const proxy = await startProxy(c.net.wsPort);
    const path = await stores.fresh(kind);
    const w = new Workload(c);
    w.adopt(first as Workload);
    for (let i = 0; i < 2; i++) await w.addProvider(20 + i);
    const ix = await createIndexer({
      dbPath: path,
      rpcUrl: c.net.rpcUrl,
      wsUrl: proxy.url,
      programId: c.programId.toBase58(),
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      watchdogMs: 600,
      finalityIntervalMs: 0,
    });
    await ix.start();
    await until(() => ix.stats().live.connected, 10_000, "live connected");
    await until(() => inSync(c, ix, path), 30_000, "initial sync");
    // When
    const fires = ix.stats().live.watchdogFires;
    proxy.blackhole();
    const sig = await w.stake(w.providers[1]!, 31n);
    await until(() => ix.stats().live.watchdogFires > fires, 10_000, "watchdog");
    proxy.restore();
    // Then
    await until(async () => (await ix.store.knownSignatures([sig])).size === 1 && ix.stats().gapsOpen === 0, 30_000, "missed tx backfilled");
    await until(() => inSync(c, ix, path), 30_000, "in sync");
    await ix.stop();
    await proxy.close();
  });
});

describe.each(STORES)("X6 truncated logs, X7 never-finalized data, Helius webhook, API (%s store)", (kind) => {
  let c: Net;
  let w: Workload;
  beforeAll(async () => {
    c = await localnetChain({ slotMs: 0, finalizedDepth: 32 });
    w = new Workload(c);
    await w.setup(3, 2);
    await w.everyPath();
  });
  afterAll(async () => {
    await c.net.close();
  });

  it("X6: Given a transaction whose logs were truncated, When indexed, Then it is flagged and counted, and the accounts it touched are recovered from account state", async () => {
    const p = w.providers[2]!;
    const ixs = [];
    for (let i = 0; i < 28; i++) ixs.push(await w.stakeIx(p, BigInt(100 + i)));
    const sig = await c.send(ixs, [p.kp]);
    c.net.advanceSlots(1);
    const tx = await c.connection.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
    expect(tx?.meta?.logMessages).toContain("Log truncated");
    // When
    const path = await stores.fresh(kind);
    const ix = await createIndexer({ dbPath: path, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
    await ix.start();
    await ix.backfillNow();
    // Then
    expect(ix.store.counters().truncated).toBe(1n);
    expect(diffStates(chainState(await programAccounts(c)), await indexState(path))).toEqual([]);
    await ix.stop();
  });

  it("X7 + webhook: Given a transaction delivered at confirmed by the Helius webhook that never lands, When the finality sweep passes its slot, Then it is rolled back and the rest is finalized", async () => {
    const path = await stores.fresh(kind);
    const ix = await createIndexer({
      dbPath: path,
      rpcUrl: c.net.rpcUrl,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
      webhookPort: 0,
      webhookAuth: "Bearer s3cret",
      apiPort: 0,
    });
    await ix.start();
    await ix.backfillNow();
    const before = await indexState(path);
    // Given: a real stake, executed by simulation only, delivered like a Helius raw webhook
    const p = w.providers[0]!;
    const t = new Transaction().add(await w.stakeIx(p, 123_456n));
    t.feePayer = c.payer.publicKey;
    t.recentBlockhash = (await c.connection.getLatestBlockhash()).blockhash;
    t.sign(c.payer, p.kp);
    const sim = await c.connection.simulateTransaction(t);
    expect(sim.value.err).toBeNull();
    const sig = (await import("bs58")).default.encode(t.signature!);
    const payload = [
      {
        slot: Number(c.net.slot),
        blockTime: null,
        indexWithinBlock: 0,
        transaction: { signatures: [sig], message: { accountKeys: t.compileMessage().accountKeys.map((k) => k.toBase58()) } },
        meta: { err: null, logMessages: sim.value.logs },
      },
    ];
    const url = `http://127.0.0.1:${ix.ports.webhook}/`;
    const denied = await fetch(url, { method: "POST", body: JSON.stringify(payload), headers: { authorization: "wrong" } });
    expect(denied.status).toBe(401);
    const ok = await fetch(url, { method: "POST", body: JSON.stringify(payload), headers: { authorization: "Bearer s3cret" } });
    expect(ok.status).toBe(200);
    const api = `http://127.0.0.1:${ix.ports.api}`;
    const prov = (await (await fetch(`${api}/providers/${p.provider.toBase58()}`)).json()) as { activeStake: string; finality: string };
    expect(prov.finality).toBe("confirmed");
    expect(BigInt(prov.activeStake)).toBe(BigInt(before.providers.get(p.provider.toBase58())?.activeStake ?? "0") + 123_456n);
    // When
    c.net.advanceSlots(40);
    const r = await ix.sweepFinality();
    // Then
    expect(r.rolledBack).toBe(1);
    expect((await ix.store.knownSignatures([sig])).size).toBe(0);
    expect(diffStates(chainState(await programAccounts(c)), await indexState(path))).toEqual([]);
    const after = (await (await fetch(`${api}/providers/${p.provider.toBase58()}`)).json()) as { finality: string };
    expect(after.finality).toBe("finalized");
    const stats = (await (await fetch(`${api}/stats`)).json()) as { counters: Record<string, string>; lagSlots: string; reconnects: number };
    expect(stats.counters.rolledBack).toBe("1");
    expect(typeof stats.lagSlots).toBe("string");
    await ix.stop();
  });

  it("API and CLI: Given an index, Then providers by stake, jobs by state and buyer, totals and time series come back with exact u64 strings", async () => {
    const path = await stores.fresh(kind);
    const ix = await createIndexer({ dbPath: path, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0, apiPort: 0 });
    await ix.start();
    await ix.backfillNow();
    const api = `http://127.0.0.1:${ix.ports.api}`;
    const providers = (await (await fetch(`${api}/providers?limit=10`)).json()) as { activeStake: string }[];
    expect(providers.length).toBe(3);
    const stakes = providers.map((p) => BigInt(p.activeStake));
    expect([...stakes].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(stakes);
    const completed = (await (await fetch(`${api}/jobs?state=completed`)).json()) as { state: string }[];
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((j) => j.state === "completed")).toBe(true);
    const byBuyer = (await (await fetch(`${api}/jobs?buyer=${w.buyers[0]!.kp.publicKey.toBase58()}`)).json()) as unknown[];
    expect(byBuyer.length).toBeGreaterThanOrEqual(4);
    const totals = (await (await fetch(`${api}/totals`)).json()) as { activeStake: string; gpuCount: string; jobVolume: string; feesCollected: string };
    const cfgAccount = chainState(await programAccounts(c)).config!;
    expect(totals.activeStake).toBe(cfgAccount.totalActiveStake);
    expect(BigInt(totals.feesCollected)).toBeGreaterThan(0n);
    const rewards = (await (await fetch(`${api}/rewards?bucket=3600`)).json()) as { funded: string }[];
    expect(rewards.length).toBeGreaterThan(0);
    expect((await fetch(`${api}/jobs?state=nope`)).status).toBe(400);
    expect((await fetch(`${api}/providers`, { method: "POST" })).status).toBe(405);
    await ix.stop();
    // CLI query, read-only
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s) };
    expect(await runQueryCommand(["totals", "--db", path, "--json"], io)).toBe(0);
    expect(JSON.parse(out.join("")).activeStake).toBe(cfgAccount.totalActiveStake);
    out.length = 0;
    expect(await runQueryCommand(["providers", "--db", path], io)).toBe(0);
    expect(out.join("").split("\n")[0]).toContain("activeStake");
    expect(await runQueryCommand(["bogus", "--db", path], io)).toBe(2);
  });
});

describe("RPC 429 backoff", () => {
  it("Given an RPC answering 429 with Retry-After twice, When called, Then it retries and succeeds; and gives up with a retryable RateLimited error", async () => {
    let hits = 0;
    let limitAll = false;
    const server = createServer((req, res) => {
      hits++;
      req.resume();
      if (limitAll || hits <= 2) {
        res.writeHead(429, { "retry-after": "0" });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: 1, result: 42 }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rpc = createRpcClient({ url, baseDelayMs: 1, maxAttempts: 4 });
    expect(await rpc.call<number>("getSlot", [])).toBe(42);
    expect(rpc.stats.rateLimited).toBe(2);
    limitAll = true;
    let err: unknown = null;
    try {
      await rpc.call("getSlot", []);
    } catch (e) {
      err = e;
    }
    expect(isIndexerError(err, "RateLimited") && err.retryable).toBe(true);
    await new Promise<void>((r) => server.close(() => r()));
    // Retry-After in seconds or as an HTTP date
    expect(parseRetryAfter("3", 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter("soon")).toBeNull();
  });
});
