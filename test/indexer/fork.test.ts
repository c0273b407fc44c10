/**
 * A signature is one transaction, wherever it lands last. Real localnet
 * (HTTP JSON-RPC + WebSocket), real program, real SQLite and PostgreSQL: a transaction the
 * indexer already stored is dropped by a fork switch (`gpunet_switchFork`:
 * the slots after a parent are abandoned, as when a cluster's fork choice
 * moves), then the same signed bytes are sent again and land at another
 * slot, later or earlier than the first. Whether the indexer hears of the
 * second landing live or only through the finality sweep, it ends with one
 * row at the slot where the transaction finalized, and every table equals a
 * fresh backfill of the same chain.
 */
import anchor from "@coral-xyz/anchor";
import { Transaction, type TransactionInstruction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, type Indexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { canonicalDump, chainState, diffStates, indexState } from "./support/compare.ts";
import { until } from "./support/proxy.ts";
import { rows, STORES, useStores, type StoreKind } from "./support/stores.ts";
import { Workload, type User } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
const FINALIZED_DEPTH = 4;
const { BN } = anchor;

let c: Net;
let w: Workload;
const stores = useStores();

async function rpc<T>(method: string, params: unknown[]): Promise<T> {
  const res = await fetch(c.net.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

async function programAccounts(): Promise<Map<string, Uint8Array>> {
  const list = await c.connection.getProgramAccounts(c.programId, { commitment: "confirmed" });
  return new Map(list.map((a) => [a.pubkey.toBase58(), new Uint8Array(a.account.data)]));
}

/** A funding and a job of a brand-new buyer in one transaction, signed once (its bytes can be sent again). */
async function fundAndCreateJob(buyer: User, blockhash: string): Promise<{ wire: Buffer; signature: string }> {
  const id = w.nextJobId++;
  const idLe = Buffer.alloc(8);
  idLe.writeBigUInt64LE(id);
  const [, jBump] = w.pda("job", buyer.kp.publicKey, idLe);
  const [job] = w.pda("job", buyer.kp.publicKey, idLe);
  const [, eBump] = w.pda("escrow", job);
  const ixs: TransactionInstruction[] = [
    await w.m.fundRewards(new BN(1_000_000)).accounts({ funder: w.funder.kp.publicKey, funderToken: w.funder.ata }).instruction(),
    await w.m
      .createJob(new BN(id.toString()), new BN(40_000_000), new BN(50), 1, 0, 16, Array(32).fill(5), jBump, eBump)
      .accounts({ buyer: buyer.kp.publicKey, buyerToken: buyer.ata, stakeMint: w.mint })
      .instruction(),
  ];
  const tx = new Transaction().add(...ixs);
  tx.feePayer = c.payer.publicKey;
  tx.recentBlockhash = blockhash;
  tx.sign(c.payer, w.funder.kp, buyer.kp);
  return { wire: tx.serialize(), signature: (await import("bs58")).default.encode(tx.signature as Buffer) };
}

const send = (wire: Buffer): Promise<string> => c.connection.sendRawTransaction(wire, { preflightCommitment: "processed" });

/** The rows the index holds for a signature. */
function rowsOf(path: string, signature: string): Promise<{ slot: bigint; finality: bigint }[]> {
  return rows(path, `SELECT slot, finality FROM txs WHERE signature = '${signature}' ORDER BY slot`);
}

/** Sweeps until a pass changes nothing. */
async function sweepAll(ix: Indexer): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const r = await ix.sweepFinality();
    if (r.finalized + r.rolledBack + r.moved === 0) return;
  }
}

/** Finalizes everything on the chain, then compares the index with a fresh backfill and with the accounts. */
async function expectSameAsFreshBackfill(kind: StoreKind, path: string, ix: Indexer): Promise<void> {
  c.net.advanceSlots(FINALIZED_DEPTH + 2);
  await sweepAll(ix);
  await ix.idle();
  const other = await stores.fresh(kind);
  const ref = await createIndexer({ dbPath: other, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
  await ref.start();
  await ref.backfillNow();
  await sweepAll(ref);
  await ref.stop();
  expect(await canonicalDump(path)).toBe(await canonicalDump(other));
  expect(diffStates(chainState(await programAccounts()), await indexState(path))).toEqual([]);
}

beforeAll(async () => {
  c = await localnetChain({ slotMs: 0, finalizedDepth: FINALIZED_DEPTH });
  w = new Workload(c);
  await w.setup(2, 1);
  await w.everyPath();
  c.net.advanceSlots(FINALIZED_DEPTH + 2);
});
afterAll(async () => {
  await c.net.close();
});

describe("the localnet's fork switch", () => {
  it("Given gpunet_switchFork, When the parent is below the finalized slot, not behind the head, or missing, Then it refuses with invalid params and changes nothing", async () => {
    const head = c.net.slot;
    const finalized = BigInt(await c.connection.getSlot("finalized"));
    for (const params of [
      [{ parentSlot: Number(finalized) - 1 }],
      [{ parentSlot: Number(head) }],
      [{ parentSlot: Number(head) + 5 }],
      [{}],
      [{ parentSlot: -1 }],
      [{ parentSlot: "x" }],
    ]) {
      await expect(rpc("gpunet_switchFork", params)).rejects.toThrow(/Invalid params/);
    }
    expect(c.net.slot).toBe(head);
  });
});

describe.each(STORES)("a transaction dropped with its fork and landed again at another slot (%s store)", (kind) => {
  const cases = [
    { order: "later", heardBy: "live" },
    { order: "earlier", heardBy: "live" },
    { order: "later", heardBy: "sweep" },
    { order: "earlier", heardBy: "sweep" },
  ] as const;
  for (const { order, heardBy } of cases) {
    it(`Given it indexed at its first slot, When the same bytes land ${order} and the indexer hears of it by ${heardBy === "live" ? "the live subscription" : "the finality sweep only"}, Then one row at the final slot and every table equals a fresh backfill`, async () => {
      // Given: the indexer in sync, live at confirmed
      const path = await stores.fresh(kind);
      const opts = { dbPath: path, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 };
      let ix = await createIndexer({ ...opts, wsUrl: c.net.wsUrl });
      await ix.start();
      await ix.backfillNow();
      await until(() => ix.stats().live.connected, 10_000, "live connected");
      const buyer = await w.user(10n ** 12n);
      c.net.advanceSlots(1);
      const parent = c.net.slot;
      const { blockhash } = await c.connection.getLatestBlockhash("processed");
      const { wire, signature } = await fundAndCreateJob(buyer, blockhash);
      c.net.advanceSlots(order === "later" ? 1 : 3);
      expect(await send(wire)).toBe(signature);
      const first = c.net.slot;
      c.net.advanceSlots(1);
      await until(async () => (await ix.store.knownSignatures([{ signature, slot: first }])).size === 1, 10_000, "first landing indexed");
      if (heardBy === "sweep") await ix.stop();
      // When: the fork holding it is dropped, and the same signed bytes land again
      const sw = await rpc<{ slot: number; dropped: string[] }>("gpunet_switchFork", [{ parentSlot: Number(parent) }]);
      expect(sw.dropped).toContain(signature);
      expect(await c.connection.getSignatureStatus(signature, { searchTransactionHistory: true })).toMatchObject({ value: null });
      c.net.advanceSlots(order === "later" ? 3 : 1);
      expect(await send(wire)).toBe(signature);
      const second = c.net.slot;
      expect(order === "later" ? second > first : second < first).toBe(true);
      c.net.advanceSlots(1);
      if (heardBy === "live") {
        await until(async () => (await ix.store.knownSignatures([{ signature, slot: second }])).size === 1, 10_000, "second landing indexed");
      } else {
        ix = await createIndexer({ ...opts, backfill: false });
        await ix.start();
      }
      // Then
      await expectSameAsFreshBackfill(kind, path, ix);
      expect(await rowsOf(path, signature)).toEqual([{ slot: second, finality: 2n }]);
      const counters = ix.store.counters();
      expect(counters.moved).toBe(1n);
      await ix.stop();
    });
  }

  it("Given it indexed, When its fork is dropped and it never lands again, Then the sweep rolls it back: its rows, its counts and the addresses only it named are gone", async () => {
    const path = await stores.fresh(kind);
    const ix = await createIndexer({ dbPath: path, rpcUrl: c.net.rpcUrl, wsUrl: c.net.wsUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
    await ix.start();
    await ix.backfillNow();
    await until(() => ix.stats().live.connected, 10_000, "live connected");
    const buyer = await w.user(10n ** 12n);
    c.net.advanceSlots(1);
    const parent = c.net.slot;
    const { blockhash } = await c.connection.getLatestBlockhash("processed");
    const { wire, signature } = await fundAndCreateJob(buyer, blockhash);
    c.net.advanceSlots(1);
    await send(wire);
    const slot = c.net.slot;
    c.net.advanceSlots(1);
    await until(async () => (await ix.store.knownSignatures([{ signature, slot }])).size === 1, 10_000, "indexed");
    const before = ix.store.counters();
    // When
    await rpc("gpunet_switchFork", [{ parentSlot: Number(parent) }]);
    // Then
    await expectSameAsFreshBackfill(kind, path, ix);
    expect(await rowsOf(path, signature)).toEqual([]);
    const after = ix.store.counters();
    expect(after.txs).toBe((before.txs ?? 0n) - 1n);
    expect(after.rolledBack).toBe((before.rolledBack ?? 0n) + 1n);
    await ix.stop();
  });
});
