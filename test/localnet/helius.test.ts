/**
 * helius-sdk's own client (createHelius, on the project's @solana/kit 8) against
 * the localnet's Helius methods over 127.0.0.1: getPriorityFeeEstimate computed
 * from the compute-unit prices the node executed, and getTransactionsForAddress
 * with its pagination; a standard Kit method through the same client proves
 * helius-sdk runs on Kit 8.
 */
import { ComputeBudgetProgram, Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction, sendAndConfirmTransaction } from "@solana/web3.js";
import { createHelius } from "helius-sdk";
import type {
  GetTransactionsForAddressResultFull,
  GetTransactionsForAddressResultSignatures,
  TransactionForAddressFull,
  TransactionForAddressSignature,
} from "helius-sdk/types/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { rpc, rpcResult } from "./helpers.ts";

let net: Localnet;
let connection: Connection;
const payer = Keypair.generate();
const hot = Keypair.generate().publicKey;
const cold = Keypair.generate().publicKey;
const hotSignatures: string[] = [];

async function transfer(to: typeof hot, microLamports: number): Promise<string> {
  const tx = new Transaction().add(
    ComputeBudgetProgram.setComputeUnitPrice({ microLamports }),
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 }),
  );
  return sendAndConfirmTransaction(connection, tx, [payer], { commitment: "processed", skipPreflight: true });
}

beforeAll(async () => {
  // A manual clock: slots move only when the test says so, so the fee window is exact.
  net = await createLocalnet({ rpcPort: 0, slotMs: 0, finalizedDepth: 8 });
  connection = new Connection(net.rpcUrl, "processed");
  await rpcResult(net.rpcUrl, "requestAirdrop", [payer.publicKey.toBase58(), 10 * LAMPORTS_PER_SOL]);
  for (const price of [300, 100, 400, 200]) hotSignatures.push(await transfer(hot, price));
  await transfer(cold, 50_000);
  await rpcResult(net.rpcUrl, "gpunet_advanceSlots", [1]);
});
afterAll(async () => {
  await net?.close();
});

describe("getPriorityFeeEstimate through helius-sdk", () => {
  it("Given four write-locks of one account at 100..400 micro-lamports, When helius-sdk asks for all levels over that slot, Then nearest-rank percentiles", async () => {
    const helius = createHelius({ baseUrl: net.rpcUrl });
    const slot = await helius.getSlot({ commitment: "processed" });
    expect(typeof slot).toBe("bigint");
    const r = await helius.getPriorityFeeEstimate({
      accountKeys: [hot.toBase58()],
      options: { includeAllPriorityFeeLevels: true, lookbackSlots: 2, evaluateEmptySlotAsZero: false },
    });
    expect(r.priorityFeeEstimate).toBe(200);
    expect(r.priorityFeeLevels).toEqual({ min: 100, low: 100, medium: 200, high: 300, veryHigh: 400, unsafeMax: 400 });
    const high = await helius.getPriorityFeeEstimate({
      accountKeys: [hot.toBase58()],
      options: { priorityLevel: "High", lookbackSlots: 2, evaluateEmptySlotAsZero: false },
    });
    expect(high.priorityFeeEstimate).toBe(300);
    // The other account's 50,000 does not leak into the hot account's estimate, and is seen for its own.
    const c = await helius.getPriorityFeeEstimate({ accountKeys: [cold.toBase58()], options: { lookbackSlots: 2, evaluateEmptySlotAsZero: false } });
    expect(c.priorityFeeEstimate).toBe(50_000);
  });

  it("Given empty slots in the window, When they count as zero (the default), Then the median falls; recommended floors at 10,000", async () => {
    const helius = createHelius({ baseUrl: net.rpcUrl });
    await rpcResult(net.rpcUrl, "gpunet_advanceSlots", [3]);
    // Window of 5 slots: the transfers' slot, then 4 without a transaction on `hot`: [0,0,0,0,100,200,300,400].
    const r = await helius.getPriorityFeeEstimate({ accountKeys: [hot.toBase58()], options: { lookbackSlots: 5, includeAllPriorityFeeLevels: true } });
    expect(r.priorityFeeLevels).toMatchObject({ min: 0, medium: 0, high: 200, unsafeMax: 400 });
    const rec = await helius.getPriorityFeeEstimate({ accountKeys: [hot.toBase58()], options: { lookbackSlots: 5, recommended: true } });
    expect(rec.priorityFeeEstimate).toBe(10_000);
  });

  it("Given bad options, When called raw, Then JSON-RPC invalid params (-32602), nothing guessed", async () => {
    const bad = await rpc(net.rpcUrl, "getPriorityFeeEstimate", [{ accountKeys: [hot.toBase58()], options: { lookbackSlots: 151 } }]);
    expect((bad.error as { code: number }).code).toBe(-32602);
    const level = await rpc(net.rpcUrl, "getPriorityFeeEstimate", [{ accountKeys: [hot.toBase58()], options: { priorityLevel: "Urgent" } }]);
    expect((level.error as { code: number }).code).toBe(-32602);
    const key = await rpc(net.rpcUrl, "getPriorityFeeEstimate", [{ accountKeys: ["not-a-key"] }]);
    expect((key.error as { code: number }).code).toBe(-32602);
  });
});

describe("getTransactionsForAddress through helius-sdk", () => {
  it("Given four transactions on one account, When paged two at a time oldest first, Then all four in order and a null token after the last page", async () => {
    const helius = createHelius({ baseUrl: net.rpcUrl });
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: GetTransactionsForAddressResultSignatures = await helius.getTransactionsForAddress([
        hot.toBase58(),
        { sortOrder: "asc", limit: 2, ...(token ? { paginationToken: token } : {}) },
      ]);
      seen.push(...page.data.map((d: TransactionForAddressSignature) => d.signature));
      token = page.paginationToken;
      pages++;
    } while (token !== null && pages < 10);
    expect(seen).toEqual(hotSignatures);
    expect(pages).toBe(2);
  });

  it("Given transactionDetails full, newest first, Then getTransaction-shaped entries with their position in the slot", async () => {
    const helius = createHelius({ baseUrl: net.rpcUrl });
    const page: GetTransactionsForAddressResultFull = await helius.getTransactionsForAddress([
      hot.toBase58(),
      { transactionDetails: "full", encoding: "json", maxSupportedTransactionVersion: 0 },
    ]);
    const sigs = page.data.map((d: TransactionForAddressFull) => (d.transaction as { signatures: string[] }).signatures[0]);
    expect(sigs).toEqual([...hotSignatures].reverse());
    // The airdrop that funded the payer is first in the slot; Kit parses integers as bigint.
    expect(page.data.map((d: TransactionForAddressFull) => d.transactionIndex)).toEqual([4n, 3n, 2n, 1n]);
    expect(page.paginationToken).toBeNull();
    const filtered = await helius.getTransactionsForAddress([hot.toBase58(), { filters: { status: "failed" } }]);
    expect(filtered.data).toEqual([]);
  });
});
