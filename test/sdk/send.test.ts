/**
 * Sending policy on the real program over localnet: v0 transactions, the compute
 * limit sized from simulation, priority fee strategies (fixed, percentile of the
 * node's recent fees, Helius' estimate over HTTP), and live events over WebSocket.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ComputeBudgetProgram, type Keypair } from "@solana/web3.js";
import { initializeGpunet, keypairWallet, startSdkNet, type SdkNet } from "./localnet-fixture.ts";
import { createGpunetClient, type GpunetClient } from "../../sdk/src/client.ts";
import type { GpunetEvent } from "../../sdk/src/events.ts";
import type { LiveEventContext } from "../../sdk/src/subscribe.ts";
import { findProviderPda } from "../../sdk/src/pdas.ts";
import { percentileOf } from "../../sdk/src/priority-fee.ts";
import { GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";
import { heliusPriorityFee } from "../../sdk/src/helius/index.ts";

let s: SdkNet;
let ownerKp: Keypair;
let owner: GpunetClient;

/** The compute-budget settings of a landed transaction. */
async function budgetOf(signature: string): Promise<{ limit: number | null; price: bigint | null; consumed: number; version: unknown }> {
  const tx = await s.connection.getTransaction(signature, { maxSupportedTransactionVersion: 0, commitment: "confirmed" });
  if (!tx) throw new Error("no tx");
  const keys = tx.transaction.message.staticAccountKeys;
  let limit: number | null = null;
  let price: bigint | null = null;
  for (const ix of tx.transaction.message.compiledInstructions) {
    if (!keys[ix.programIdIndex]?.equals(ComputeBudgetProgram.programId)) continue;
    const d = Buffer.from(ix.data);
    if (d[0] === 2) limit = d.readUInt32LE(1);
    if (d[0] === 3) price = d.readBigUInt64LE(1);
  }
  return { limit, price, consumed: tx.meta?.computeUnitsConsumed ?? 0, version: tx.version };
}

beforeAll(async () => {
  s = await startSdkNet();
  await initializeGpunet(s);
  ownerKp = await s.user(1_000_000n);
  owner = s.client(keypairWallet(ownerKp));
  await owner.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 8, region: REGION.unspecified });
});
afterAll(async () => {
  await s?.close();
});

describe("send policy", () => {
  it("Given no priority fee, Then a v0 transaction whose compute limit covers what it consumed plus about 10%, and no price instruction", async () => {
    const r = await owner.stake({ amount: 10n });
    const b = await budgetOf(r.signature);
    expect(b.version).toBe(0);
    expect(b.price).toBeNull();
    expect(b.limit).toBe(r.computeUnitLimit);
    expect(b.limit).toBeGreaterThanOrEqual(b.consumed);
    expect(b.limit).toBeLessThanOrEqual(Math.ceil(b.consumed * 1.1) + 1_000);
  });

  it("Given a fixed price, Then the transaction carries exactly that price", async () => {
    const r = await owner.stake({ amount: 10n }, { priorityFee: { kind: "fixed", microLamports: 12_345n } });
    expect((await budgetOf(r.signature)).price).toBe(12_345n);
    expect(r.priorityFeeMicroLamports).toBe(12_345n);
  });

  it("Given the percentile strategy, Then the price is that percentile of the node's recent fees for the written accounts", async () => {
    // Recent transactions writing the provider paid 100, 200 and 300.
    for (const p of [100n, 200n, 300n]) await owner.stake({ amount: 1n }, { priorityFee: { kind: "fixed", microLamports: p } });
    const [provider] = findProviderPda(ownerKp.publicKey);
    const fees = await s.connection.getRecentPrioritizationFees({ lockedWritableAccounts: [provider] });
    // The node reports per-slot minimums over recent slots (0 where nothing paid); the maximum is ours.
    const want = percentileOf(
      fees.map((f) => BigInt(f.prioritizationFee)),
      100,
    );
    expect(want).toBeGreaterThanOrEqual(300n);
    const r = await owner.stake({ amount: 1n }, { priorityFee: { kind: "percentile", percentile: 100 } });
    expect(r.priorityFeeMicroLamports).toBe(want);
    expect((await budgetOf(r.signature)).price).toBe(want);
    const capped = await owner.stake({ amount: 1n }, { priorityFee: { kind: "percentile", percentile: 100, maxMicroLamports: 7 } });
    expect(capped.priorityFeeMicroLamports).toBe(7n);
  });

  it("Given a Helius endpoint, Then getPriorityFeeEstimate is called over HTTP with the written accounts and its estimate is used (rounded up)", async () => {
    const bodies: { method: string; params: [{ accountKeys: string[]; options: { priorityLevel: string } }] }[] = [];
    const server: Server = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        bodies.push(JSON.parse(text) as (typeof bodies)[number]);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: "gpunet", result: { priorityFeeEstimate: 4242.5 } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/?api-key=test`;
      const helius = s.client(keypairWallet(ownerKp), { priorityFee: heliusPriorityFee({ url }) });
      const r = await helius.stake({ amount: 1n });
      expect(r.priorityFeeMicroLamports).toBe(4243n);
      expect((await budgetOf(r.signature)).price).toBe(4243n);
      expect(bodies[0]?.method).toBe("getPriorityFeeEstimate");
      expect(bodies[0]?.params[0].accountKeys).toContain(findProviderPda(ownerKp.publicKey)[0].toBase58());
      expect(bodies[0]?.params[0].options.priorityLevel).toBe("Medium");
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it("Given a transaction too large for 1232 bytes, Then TransactionTooLarge before signing", async () => {
    const wallet = keypairWallet(ownerKp);
    const c = s.client(wallet);
    const ixs = await Promise.all(Array.from({ length: 80 }, () => c.instructions.stake({ amount: 1n })));
    await expect(c.sendInstructions(ixs.flat())).rejects.toMatchObject({ code: "TransactionTooLarge" });
    expect(wallet.signCount).toBe(0);
  });
});

describe("wallet refusal", () => {
  it("Given a wallet whose user declines, Then WalletRejected and nothing was sent", async () => {
    const w = keypairWallet(ownerKp);
    const declining = { ...w, publicKey: w.publicKey, signTransaction: async () => Promise.reject(new Error("User rejected the request.")) };
    const c = createGpunetClient({ connection: s.connection, wallet: declining, pollIntervalMs: 10 });
    const before = (await c.fetchProvider()).data.activeStake;
    await expect(c.stake({ amount: 1n })).rejects.toMatchObject({ code: "WalletRejected" });
    expect((await c.fetchProvider()).data.activeStake).toBe(before);
  });
});

describe("a landed transaction whose details the node will not return", () => {
  it("Given getTransaction answering null, When a stake lands, Then the helper still resolves (no retry of a landed write) with eventsComplete false", async () => {
    const conn = new Proxy(s.connection, {
      get(target, prop, receiver) {
        if (prop === "getTransaction") return async () => null;
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const c = createGpunetClient({ connection: conn, wallet: keypairWallet(ownerKp), pollIntervalMs: 10 });
    const before = (await c.fetchProvider()).data.activeStake;
    const r = await c.stake({ amount: 3n });
    expect(r).toMatchObject({ events: [], eventsComplete: false });
    expect((await c.fetchProvider()).data.activeStake).toBe(before + 3n);
  });
});

describe("subscribeEvents over the localnet WebSocket", () => {
  it("Given a subscription, When a stake lands, Then its event arrives once with its signature; after abort, nothing more", async () => {
    const got: { e: GpunetEvent; c: LiveEventContext }[] = [];
    const ac = new AbortController();
    const sub = owner.subscribeEvents({ signal: ac.signal, onEvent: (e, c) => got.push({ e, c }) });
    // The subscription is live once the node acknowledged it; wait for the first event of a stake sent after.
    let r = await owner.stake({ amount: 5n });
    for (let i = 0; i < 200 && !got.some((g) => g.c.signature === r.signature); i++) {
      await new Promise((res) => setTimeout(res, 25));
      if (i === 100) r = await owner.stake({ amount: 5n });
    }
    const mine = got.filter((g) => g.c.signature === r.signature);
    expect(mine.map((g) => g.e.name)).toEqual(["staked"]);
    const e = mine[0]?.e;
    if (e?.name !== "staked") throw new Error("expected staked");
    expect(e.data.amount).toBe(5n);
    ac.abort();
    await sub.closed;
    const n = got.length;
    await owner.stake({ amount: 5n });
    await new Promise((res) => setTimeout(res, 200));
    expect(got.length).toBe(n);
  });
});
