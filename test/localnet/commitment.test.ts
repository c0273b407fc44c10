/**
 * Commitment levels on a manually driven clock (slotMs 0): processed is the
 * current slot, confirmed trails it by 1 slot, finalized by finalizedDepth.
 */
import { Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js";
import bs58 from "bs58";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { openRawWs, rpc, rpcResult, waitFor } from "./helpers.ts";

const DEPTH = 4;
let net: Localnet;

beforeEach(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 0, finalizedDepth: DEPTH });
  net.advanceSlots(10);
});
afterEach(async () => {
  await net.close();
});

type Status = { slot: number; confirmations: number | null; confirmationStatus: string } | null;
const status = async (sig: string): Promise<Status> => (await rpcResult<{ value: Status[] }>(net.rpcUrl, "getSignatureStatuses", [[sig]])).value[0] ?? null;

describe("commitment", () => {
  it("Given a landed transaction, When slots pass, Then its status goes processed -> confirmed -> finalized", async () => {
    const to = Keypair.generate().publicKey.toBase58();
    const sig = net.airdrop(to, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    expect(await status(sig)).toMatchObject({ slot: 10, confirmations: 0, confirmationStatus: "processed" });
    net.advanceSlots(1);
    expect(await status(sig)).toMatchObject({ confirmations: 1, confirmationStatus: "confirmed" });
    net.advanceSlots(DEPTH - 2);
    expect(await status(sig)).toMatchObject({ confirmationStatus: "confirmed" });
    net.advanceSlots(1);
    expect(await status(sig)).toMatchObject({ confirmations: null, confirmationStatus: "finalized" });
  });

  it("Given the same airdrop twice in one slot, When both are requested, Then both land with distinct signatures from the faucet", async () => {
    const to = Keypair.generate().publicKey.toBase58();
    const a = await rpcResult<string>(net.rpcUrl, "requestAirdrop", [to, LAMPORTS_PER_SOL]);
    const b = await rpcResult<string>(net.rpcUrl, "requestAirdrop", [to, LAMPORTS_PER_SOL]);
    expect(a).not.toBe(b);
    expect((await rpcResult<{ value: number }>(net.rpcUrl, "getBalance", [to, { commitment: "processed" }])).value).toBe(2 * LAMPORTS_PER_SOL);
    const tx = await rpcResult<{ transaction: { message: { accountKeys: string[] } } } | null>(net.rpcUrl, "getTransaction", [a, { commitment: "confirmed" }]);
    expect(tx).toBeNull(); // not confirmed yet on the manual clock
    net.advanceSlots(1);
    const landed = await rpcResult<{ transaction: { message: { accountKeys: string[] } } }>(net.rpcUrl, "getTransaction", [b, { commitment: "confirmed" }]);
    expect(landed.transaction.message.accountKeys[0]).toBe(net.node.faucet.address);
  });

  it("Given a new account, When read at each commitment, Then only levels that include its slot see it", async () => {
    const to = Keypair.generate().publicKey.toBase58();
    net.airdrop(to, 5n * BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    const bal = async (commitment: string) => (await rpcResult<{ value: number }>(net.rpcUrl, "getBalance", [to, { commitment }])).value;
    const info = async (commitment: string) =>
      (await rpcResult<{ value: unknown }>(net.rpcUrl, "getAccountInfo", [to, { commitment, encoding: "base64" }])).value;
    expect(await bal("processed")).toBe(5 * LAMPORTS_PER_SOL);
    expect(await bal("confirmed")).toBe(0);
    expect(await info("finalized")).toBeNull();
    net.advanceSlots(1);
    expect(await bal("confirmed")).toBe(5 * LAMPORTS_PER_SOL);
    expect(await info("finalized")).toBeNull();
    // A second change in a later slot: finalized still sees neither, confirmed the first.
    net.airdrop(to, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    expect(await bal("processed")).toBe(6 * LAMPORTS_PER_SOL);
    expect(await bal("confirmed")).toBe(5 * LAMPORTS_PER_SOL);
    net.advanceSlots(DEPTH);
    expect(await bal("finalized")).toBe(6 * LAMPORTS_PER_SOL);
    const multi = await rpcResult<{ value: ({ lamports: number } | null)[] }>(net.rpcUrl, "getMultipleAccounts", [
      [to, Keypair.generate().publicKey.toBase58()],
      { encoding: "base64" },
    ]);
    expect(multi.value.map((v) => v?.lamports ?? null)).toEqual([6 * LAMPORTS_PER_SOL, null]);
  });

  it("Given a transaction in the newest slot, When history is read at confirmed/finalized, Then it is omitted until its slot is reached", async () => {
    const to = Keypair.generate().publicKey.toBase58();
    const older = net.airdrop(to, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    net.advanceSlots(DEPTH);
    const newer = net.airdrop(to, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    const sigs = async (commitment: string) =>
      (await rpcResult<{ signature: string }[]>(net.rpcUrl, "getSignaturesForAddress", [to, { commitment }])).map((s) => s.signature);
    expect(await sigs("finalized")).toEqual([older]);
    expect(await sigs("confirmed")).toEqual([older]);
    expect(await rpcResult(net.rpcUrl, "getTransaction", [newer, { commitment: "confirmed" }])).toBeNull();
    net.advanceSlots(1);
    expect(await sigs("confirmed")).toEqual([newer, older]);
    expect(await rpcResult(net.rpcUrl, "getTransaction", [newer, { commitment: "confirmed" }])).not.toBeNull();
    expect(await rpcResult(net.rpcUrl, "getTransaction", [newer, { commitment: "finalized" }])).toBeNull();
    const slot = async (commitment: string) => rpcResult<number>(net.rpcUrl, "getSlot", [{ commitment }]);
    const processed = await slot("processed");
    expect(await slot("confirmed")).toBe(processed - 1);
    expect(await slot("finalized")).toBe(processed - DEPTH);
    const bh = async (commitment: string) =>
      (await rpcResult<{ value: { blockhash: string } }>(net.rpcUrl, "getLatestBlockhash", [{ commitment }])).value.blockhash;
    expect(await bh("processed")).not.toBe(await bh("finalized"));
  });

  it("Given a blockhash and an account from the newest slot, When preflight runs at finalized, Then it fails as on a cluster; at processed it passes", async () => {
    const payer = Keypair.generate();
    net.airdrop(payer.publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    const { value } = await rpcResult<{ value: { blockhash: string } }>(net.rpcUrl, "getLatestBlockhash", [{ commitment: "processed" }]);
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: value.blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL / 2 }),
    );
    tx.sign(payer);
    const wire = tx.serialize().toString("base64");
    const atFinalized = await rpc(net.rpcUrl, "sendTransaction", [wire, { encoding: "base64" }]);
    expect(atFinalized.error).toMatchObject({ code: -32002, data: { err: "BlockhashNotFound" } });
    // Simulating at finalized with a replaced blockhash: the payer's airdrop is not there yet.
    const sim = await rpcResult<{ value: { err: unknown } }>(net.rpcUrl, "simulateTransaction", [
      wire,
      { encoding: "base64", replaceRecentBlockhash: true, commitment: "finalized" },
    ]);
    expect(sim.value.err).toBe("AccountNotFound");
    const simProcessed = await rpcResult<{ value: { err: unknown } }>(net.rpcUrl, "simulateTransaction", [
      wire,
      { encoding: "base64", commitment: "processed" },
    ]);
    expect(simProcessed.value.err).toBeNull();
    // The rewind for the finalized simulation left the newest state in place.
    expect((await rpcResult<{ value: number }>(net.rpcUrl, "getBalance", [payer.publicKey.toBase58(), { commitment: "processed" }])).value).toBe(
      LAMPORTS_PER_SOL,
    );
    expect(await rpcResult<string>(net.rpcUrl, "sendTransaction", [wire, { encoding: "base64", preflightCommitment: "processed" }])).toBe(
      bs58.encode(tx.signature as Buffer),
    );
  });

  it("Given subscriptions at confirmed and finalized, When a transaction lands, Then each fires only when its level is reached", async () => {
    const ws = await openRawWs(net.wsUrl);
    const to = Keypair.generate().publicKey.toBase58();
    const logsFinal = (await ws.request("logsSubscribe", [{ mentions: [to] }, { commitment: "finalized" }])).result as number;
    const acctConfirmed = (await ws.request("accountSubscribe", [to, { commitment: "confirmed", encoding: "base64" }])).result as number;
    const acctProcessed = (await ws.request("accountSubscribe", [to, { commitment: "processed", encoding: "base64" }])).result as number;
    const sig = net.airdrop(to, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    const sigSub = (await ws.request("signatureSubscribe", [sig, { commitment: "finalized" }])).result as number;
    const of = (id: number) => ws.notifications.filter((n) => (n.params as { subscription: number }).subscription === id);
    await waitFor(() => (of(acctProcessed).length === 1 ? true : undefined));
    expect(of(acctConfirmed)).toHaveLength(0);
    net.advanceSlots(1);
    const confirmed = await waitFor(() => of(acctConfirmed)[0]);
    expect(confirmed).toMatchObject({
      method: "accountNotification",
      params: { result: { context: { slot: 10 }, value: { lamports: LAMPORTS_PER_SOL, owner: "11111111111111111111111111111111", data: ["", "base64"] } } },
    });
    expect(of(logsFinal)).toHaveLength(0);
    net.advanceSlots(DEPTH - 1);
    const logs = await waitFor(() => of(logsFinal)[0]);
    expect(logs).toMatchObject({ method: "logsNotification", params: { result: { context: { slot: 10 }, value: { signature: sig, err: null } } } });
    const sn = await waitFor(() => of(sigSub)[0]);
    expect(sn).toMatchObject({ method: "signatureNotification", params: { result: { value: { err: null } } } });
    // The signature subscription ended with its notification; the others are still live.
    expect((await ws.request("signatureUnsubscribe", [sigSub])).error).toMatchObject({ code: -32602 });
    expect((await ws.request("logsUnsubscribe", [logsFinal])).result).toBe(true);
    await ws.close();
  });

  it("Given a program account created in the newest slot, When getProgramAccounts reads finalized, Then it is not listed yet", async () => {
    const owner = Keypair.generate().publicKey.toBase58();
    const acct = Keypair.generate().publicKey.toBase58();
    net.setAccount(acct, { lamports: 10_000_000n, data: new Uint8Array([1, 2, 3]), owner, executable: false });
    const list = async (commitment: string) =>
      (await rpcResult<{ pubkey: string }[]>(net.rpcUrl, "getProgramAccounts", [owner, { commitment, encoding: "base64" }])).map((a) => a.pubkey);
    expect(await list("processed")).toEqual([acct]);
    expect(await list("finalized")).toEqual([]);
    net.advanceSlots(DEPTH);
    expect(await list("finalized")).toEqual([acct]);
    const b58 = await rpcResult<{ account: { data: unknown } }[]>(net.rpcUrl, "getProgramAccounts", [owner, { encoding: "base58" }]);
    expect(b58[0]?.account.data).toEqual(["Ldp", "base58"]);
    const sliced = await rpcResult<{ account: { data: unknown; space: number } }[]>(net.rpcUrl, "getProgramAccounts", [
      owner,
      { encoding: "base64", dataSlice: { offset: 1, length: 1 } },
    ]);
    expect(sliced[0]?.account).toMatchObject({ data: ["Ag==", "base64"], space: 3 });
    const ctx = await rpcResult<{ context: { slot: number }; value: unknown[] }>(net.rpcUrl, "getProgramAccounts", [
      owner,
      { encoding: "base64", withContext: true, filters: [{ memcmp: { offset: 0, bytes: "AQ==", encoding: "base64" } }] },
    ]);
    expect(ctx.value).toHaveLength(1);
    const none = await rpcResult<unknown[]>(net.rpcUrl, "getProgramAccounts", [
      owner,
      { encoding: "base64", filters: [{ memcmp: { offset: 2, bytes: "AQ==", encoding: "base64" } }] },
    ]);
    expect(none).toEqual([]);
  });
});
