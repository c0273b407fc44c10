/**
 * `@gpunet/sdk/helius` send paths against the localnet's Helius Sender route
 * (`POST /fast`) and Helius methods on 127.0.0.1, with the compiled gpunet
 * program: a provider registers and stakes and a buyer creates a job through
 * Sender and through the smart-transaction path (web3.js face), and a Kit app
 * stakes with the Helius estimate, the Sender tip and submission, confirmed by
 * helius-sdk's own poll; the accounts on chain, the tip in the tip account and the price in
 * each landed transaction are checked. A transaction without what Sender requires
 * is refused and changes nothing; bad options are typed errors.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createTransactionMessage,
  getSignatureFromTransaction,
  getTransactionEncoder,
  pipe,
  setTransactionMessageComputeUnitLimit,
  setTransactionMessageComputeUnitPrice,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from "@solana/kit";
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, TransactionMessage, VersionedTransaction } from "@solana/web3.js";
import { makePollTransactionConfirmation } from "helius-sdk/transactions/pollTransactionConfirmation";
import { MIN_TIP_LAMPORTS_MAX, MIN_TIP_LAMPORTS_SWQOS, SENDER_TIP_ACCOUNTS as HELIUS_SDK_TIP_ACCOUNTS } from "helius-sdk/transactions/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SENDER_MIN_TIP_LAMPORTS, SENDER_MIN_TIP_LAMPORTS_SWQOS, SENDER_TIP_ACCOUNTS as LOCALNET_TIP_ACCOUNTS } from "../../localnet/src/sender.ts";
import { fetchJob, fetchProvider } from "../../sdk/src/accounts.ts";
import { GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";
import { isGpunetError } from "../../sdk/src/errors.ts";
import { heliusPriorityFee, heliusSender, heliusSmartTransaction, heliusTipInstruction, SENDER_TIP_ACCOUNTS } from "../../sdk/src/helius/index.ts";
import { getStakeInstructionAsync, findAssociatedTokenAddress } from "../../sdk/src/kit/index.ts";
import { findProviderPda } from "../../sdk/src/pdas.ts";
import { resolvePriorityFee } from "../../sdk/src/priority-fee.ts";
import type { FetchLike } from "../../sdk/src/retrying-fetch.ts";
import { initializeGpunet, keypairWallet, startSdkNet, type SdkNet } from "./localnet-fixture.ts";

let s: SdkNet;
let fastUrl: string;
const TIP_ACCOUNT = SENDER_TIP_ACCOUNTS[3] as string;

/** A real fetch that records each request's URL and JSON-RPC body. */
function recordingFetch(log: { url: string; method: string; params: unknown }[]): FetchLike {
  return async (input, init) => {
    const body = JSON.parse(String(init?.body ?? "{}")) as { method: string; params: unknown };
    log.push({ url: String(input), method: body.method, params: body.params });
    return globalThis.fetch(input, init);
  };
}

/** The compute-unit price and the transfers to `to` in a landed transaction. */
async function landed(signature: string, to: string): Promise<{ price: bigint; tips: bigint[] }> {
  const tx = await s.connection.getTransaction(signature, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  if (!tx) throw new Error(`no transaction ${signature}`);
  const keys = tx.transaction.message.staticAccountKeys.map((k) => k.toBase58());
  let price = 0n;
  const tips: bigint[] = [];
  for (const ix of tx.transaction.message.compiledInstructions) {
    const program = keys[ix.programIdIndex];
    const d = Buffer.from(ix.data);
    if (program === ComputeBudgetProgram.programId.toBase58() && d[0] === 3) price = d.readBigUInt64LE(1);
    if (program === SystemProgram.programId.toBase58() && d.readUInt32LE(0) === 2 && keys[ix.accountKeyIndexes[1] as number] === to)
      tips.push(d.readBigUInt64LE(4));
  }
  return { price, tips };
}

async function lamportsOf(address: string): Promise<bigint> {
  return BigInt(await s.connection.getBalance(new PublicKey(address), "confirmed"));
}

beforeAll(async () => {
  s = await startSdkNet();
  await initializeGpunet(s);
  fastUrl = new URL("/fast", s.net.rpcUrl).toString();
}, 60_000);
afterAll(async () => {
  await s?.close();
});

describe("Helius Sender through the web3.js client", () => {
  it("Given a client whose send path is heliusSender at the localnet's /fast, When a provider registers and stakes and a buyer creates a job, Then all land with Sender's tip and a Helius-estimated price", async () => {
    const posts: { url: string; method: string; params: unknown }[] = [];
    const send = heliusSender({
      url: fastUrl,
      tipAccount: TIP_ACCOUNT,
      priorityFee: heliusPriorityFee({ url: s.net.rpcUrl, recommended: true }),
      fetch: recordingFetch(posts),
    });
    const ownerKp = await s.user(1_000_000n);
    const buyerKp = await s.user(50_000n);
    const owner = s.client(keypairWallet(ownerKp), { send });
    const buyer = s.client(keypairWallet(buyerKp), { send });
    const tipBefore = await lamportsOf(TIP_ACCOUNT);

    const reg = await owner.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 2, vramGb: 80, region: REGION.europe });
    const st = await owner.stake({ amount: 400_000n });
    const job = await buyer.createJob({ jobId: 7n, price: 20_000n, maxDuration: 3_600, minGpus: 1 });

    expect(reg.events.map((e) => e.name)).toEqual(["providerRegistered"]);
    expect(st.events.map((e) => e.name)).toEqual(["staked"]);
    expect(job.events.map((e) => e.name)).toEqual(["jobCreated"]);
    const provider = await fetchProvider(s.connection, { owner: ownerKp.publicKey });
    expect(provider.data.activeStake).toBe(400_000n);
    expect(provider.data.gpuCount).toBe(2);
    const j = await fetchJob(s.connection, { buyer: buyerKp.publicKey, jobId: 7n });
    expect(j.data.price).toBe(20_000n);
    // Every transaction went to /fast as Sender wants it, and paid the minimum tip to the tip account.
    const sends = posts.filter((p) => p.method === "sendTransaction");
    expect(sends.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sends.map((p) => p.url))).toEqual(new Set([fastUrl]));
    for (const p of sends) expect((p.params as [string, Record<string, unknown>])[1]).toEqual({ encoding: "base64", skipPreflight: true, maxRetries: 0 });
    for (const r of [reg, st, job]) {
      expect(r.priorityFeeMicroLamports).toBe(10_000n); // the localnet's recommended floor, as Helius answers on an idle chain
      expect(await landed(r.signature, TIP_ACCOUNT)).toEqual({ price: 10_000n, tips: [MIN_TIP_LAMPORTS_MAX] });
    }
    expect((await lamportsOf(TIP_ACCOUNT)) - tipBefore).toBe(3n * MIN_TIP_LAMPORTS_MAX);
  });

  it("Given heliusSender without an estimator and a client with no priority fee, Then the price is raised to the floor Sender accepts, and a larger tip lands as set", async () => {
    const ownerKp = await s.user(10_000n);
    const owner = s.client(keypairWallet(ownerKp), { send: heliusSender({ url: fastUrl, tipAccount: TIP_ACCOUNT, tipLamports: 1_500_000n }) });
    const r = await owner.registerProvider({ gpuModel: GPU_MODEL.a100, gpuCount: 1, vramGb: 24, region: REGION.northAmerica });
    expect(r.priorityFeeMicroLamports).toBe(1n);
    expect(await landed(r.signature, TIP_ACCOUNT)).toEqual({ price: 1n, tips: [1_500_000n] });
  });
});

describe("claimAll through Sender", () => {
  it("Given three providers with rewards, When a bot claims for all through Sender, Then every batch carries the tip and each claim pays what claimable said", async () => {
    const kps = [await s.user(10_000n), await s.user(10_000n), await s.user(10_000n)];
    for (const kp of kps) {
      const c = s.client(keypairWallet(kp));
      await c.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 8, region: REGION.unspecified });
      await c.stake({ amount: 10_000n });
    }
    await s.client(keypairWallet(await s.user(50_000n))).fundRewards({ amount: 50_000n });
    const bot = s.client(undefined, { send: heliusSender({ url: fastUrl, tipAccount: TIP_ACCOUNT }) });
    const want = new Map<string, bigint>();
    for (const kp of kps) want.set(kp.publicKey.toBase58(), await bot.claimable({ owner: kp.publicKey }));
    const r = await bot.claimAll({ signers: kps });
    expect(r.failed).toEqual([]);
    expect(r.claimed).toHaveLength(3);
    for (const c of r.claimed) expect(c.amount).toBe(want.get(c.owner.toBase58()));
    expect(r.batches.length).toBeGreaterThanOrEqual(1);
    for (const b of r.batches) expect((await landed(b.signature as string, TIP_ACCOUNT)).tips).toEqual([MIN_TIP_LAMPORTS_MAX]);
  });
});

describe("smart transactions", () => {
  it("Given heliusSmartTransaction at the localnet, When a provider registers and stakes, Then the price is Helius' recommended estimate, the CU limit is simulated, and the submission skips preflight", async () => {
    const calls: { url: string; method: string; params: unknown }[] = [];
    const ownerKp = await s.user(100_000n);
    const owner = s.client(keypairWallet(ownerKp), { send: heliusSmartTransaction({ url: s.net.rpcUrl, fetch: recordingFetch(calls) }) });
    const reg = await owner.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 40, region: REGION.southAmerica });
    const st = await owner.stake({ amount: 60_000n });
    expect((await fetchProvider(s.connection, { owner: ownerKp.publicKey })).data.activeStake).toBe(60_000n);
    for (const r of [reg, st]) {
      expect(r.priorityFeeMicroLamports).toBe(10_000n);
      expect(r.computeUnitLimit).toBeGreaterThan(1_000);
      expect(r.computeUnitLimit).toBeLessThan(200_000);
      expect((await landed(r.signature, TIP_ACCOUNT)).price).toBe(10_000n);
    }
    const est = calls.find((c) => c.method === "getPriorityFeeEstimate")?.params as [{ accountKeys: string[]; options: unknown }] | undefined;
    expect(est?.[0]).toMatchObject({ options: { recommended: true } });
    expect(est?.[0].accountKeys).toContain(findProviderPda(ownerKp.publicKey)[0].toBase58());
    const sends = calls.filter((c) => c.method === "sendTransaction");
    expect(sends.length).toBeGreaterThanOrEqual(2);
    for (const p of sends) expect((p.params as [string, Record<string, unknown>])[1]).toMatchObject({ skipPreflight: true, maxRetries: 0 });
  });

  it("Given a Kit app, When it prices a stake with heliusPriorityFee, adds heliusTipInstruction, submits to Sender and confirms with helius-sdk's poll (pointed at the localnet), Then it lands with the price and the tip", async () => {
    const ownerKp = await s.user(30_000n);
    await s.client(keypairWallet(ownerKp)).registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 16, region: REGION.unspecified });
    const signer = await createKeyPairSignerFromBytes(ownerKp.secretKey);
    const rpc = createSolanaRpc(s.net.rpcUrl);
    const [ownerToken] = await findAssociatedTokenAddress({ owner: signer.address, mint: address(s.mint.toBase58()) });
    const stake = await getStakeInstructionAsync({ owner: signer, ownerToken, amount: 30_000n });
    const price = await heliusPriorityFee({ url: s.net.rpcUrl, recommended: true }).estimate({
      accountKeys: (stake.accounts ?? []).filter((a) => a.role === AccountRole.WRITABLE || a.role === AccountRole.WRITABLE_SIGNER).map((a) => a.address),
    });
    const tip = heliusTipInstruction({ from: signer.address, tipAccount: TIP_ACCOUNT });
    const { value: lifetime } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(signer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
      (m) => setTransactionMessageComputeUnitLimit(100_000, m),
      (m) => setTransactionMessageComputeUnitPrice(price, m),
      (m) => appendTransactionMessageInstructions([stake, tip], m),
    );
    const signed = await signTransactionMessageWithSigners(message);
    const sig = getSignatureFromTransaction(signed);
    const tipBefore = await lamportsOf(TIP_ACCOUNT);
    await heliusSender({ url: fastUrl }).submit(getTransactionEncoder().encode(signed) as Uint8Array, { signature: sig });
    // helius-sdk's confirmation poll runs on any Kit RPC; its createSmartTransaction (and `createHelius().tx`) needs Kit 6's estimateComputeUnitLimitFactory, gone in Kit 8.
    await makePollTransactionConfirmation(rpc)(sig, { lastValidBlockHeight: lifetime.lastValidBlockHeight, interval: 50, timeout: 30_000 });
    expect(price).toBe(10_000n);
    expect(await landed(sig, TIP_ACCOUNT)).toEqual({ price: 10_000n, tips: [MIN_TIP_LAMPORTS_MAX] });
    expect((await lamportsOf(TIP_ACCOUNT)) - tipBefore).toBe(MIN_TIP_LAMPORTS_MAX);
    expect((await fetchProvider(s.connection, { owner: ownerKp.publicKey })).data.activeStake).toBe(30_000n);
  });
});

describe("the localnet's Sender route", () => {
  async function post(body: unknown, url = fastUrl): Promise<{ status: number; json: { result?: unknown; error?: { code: number; message: string } } }> {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as { result?: unknown; error?: { code: number; message: string } } };
  }
  async function rawTransfer(o: { tip?: bigint; price?: number }): Promise<{ b64: string; signature: string; to: PublicKey; payer: Keypair }> {
    const payer = await s.user();
    const to = Keypair.generate().publicKey;
    const ixs = [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 })];
    if (o.price !== undefined) ixs.unshift(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: o.price }));
    if (o.tip !== undefined) ixs.push(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: new PublicKey(TIP_ACCOUNT), lamports: o.tip }));
    const { blockhash } = await s.connection.getLatestBlockhash("confirmed");
    const tx = new VersionedTransaction(
      new TransactionMessage({ payerKey: payer.publicKey, recentBlockhash: blockhash, instructions: ixs }).compileToV0Message(),
    );
    tx.sign([payer]);
    const bs58 = (await import("bs58")).default;
    return { b64: Buffer.from(tx.serialize()).toString("base64"), signature: bs58.encode(tx.signatures[0] as Uint8Array), to, payer };
  }
  const send = (b64: string, config: Record<string, unknown> = { encoding: "base64", skipPreflight: true, maxRetries: 0 }) => ({
    jsonrpc: "2.0",
    id: 1,
    method: "sendTransaction",
    params: [b64, config],
  });

  it("Given getPriorityFeeEstimate with a base64 transaction, When the encoding is named as helius-sdk's smart transactions send it (base64) or as Helius' enum (Base64), Then the same estimate", async () => {
    const { b64 } = await rawTransfer({ price: 100, tip: MIN_TIP_LAMPORTS_MAX });
    const ask = async (transactionEncoding: string) =>
      (
        await post(
          { jsonrpc: "2.0", id: 3, method: "getPriorityFeeEstimate", params: [{ transaction: b64, options: { transactionEncoding, recommended: true } }] },
          s.net.rpcUrl,
        )
      ).json;
    expect((await ask("base64")).result).toEqual({ priorityFeeEstimate: 10_000 });
    expect((await ask("Base64")).result).toEqual({ priorityFeeEstimate: 10_000 });
    expect((await ask("base32")).error?.code).toBe(-32602);
  });

  it("Given the localnet, Then its tip accounts and minimum tips are helius-sdk's, and GET /ping answers", async () => {
    expect([...LOCALNET_TIP_ACCOUNTS]).toEqual([...HELIUS_SDK_TIP_ACCOUNTS]);
    expect([SENDER_MIN_TIP_LAMPORTS, SENDER_MIN_TIP_LAMPORTS_SWQOS]).toEqual([MIN_TIP_LAMPORTS_MAX, MIN_TIP_LAMPORTS_SWQOS]);
    const ping = await fetch(new URL("/ping", s.net.rpcUrl));
    expect([ping.status, await ping.text()]).toEqual([200, "pong"]);
  });

  it("Given raw transactions posted to /fast without a tip, with a tip below the minimum, or without a compute-unit price, Then each is refused with a clear JSON-RPC error and nothing lands", async () => {
    const cases = [
      { tx: await rawTransfer({ price: 100 }), re: /no tip/ },
      { tx: await rawTransfer({ price: 100, tip: MIN_TIP_LAMPORTS_MAX - 1n }), re: /tip is 999999 lamports; the minimum is 1000000/ },
      { tx: await rawTransfer({ tip: MIN_TIP_LAMPORTS_MAX }), re: /no compute-unit price/ },
      { tx: await rawTransfer({ price: 0, tip: MIN_TIP_LAMPORTS_MAX }), re: /no compute-unit price/ },
    ];
    const tipBefore = await lamportsOf(TIP_ACCOUNT);
    for (const c of cases) {
      const r = await post(send(c.tx.b64));
      expect(r.status).toBe(200);
      expect(r.json.error?.code).toBe(-32602);
      expect(r.json.error?.message).toMatch(c.re);
    }
    // preflight on, a batch, and another method are refused too
    const ok = await rawTransfer({ price: 100, tip: MIN_TIP_LAMPORTS_MAX });
    const pre = await post(send(ok.b64, { encoding: "base64" }));
    expect(pre.json.error).toMatchObject({ code: -32602, message: "Sender: skipPreflight must be true" });
    expect((await post([send(ok.b64)])).json.error?.code).toBe(-32600);
    expect((await post({ jsonrpc: "2.0", id: 2, method: "getSlot" })).json.error).toMatchObject({
      code: -32601,
      message: "Sender accepts only sendTransaction, not getSlot",
    });
    for (const c of [...cases.map((x) => x.tx), ok]) {
      expect((await s.connection.getSignatureStatuses([c.signature], { searchTransactionHistory: true })).value[0]).toBeNull();
      expect(await s.connection.getBalance(c.to, "processed")).toBe(0);
    }
    expect(await lamportsOf(TIP_ACCOUNT)).toBe(tipBefore);
    // And the same transfer with both lands, through /fast.
    const good = await post(send(ok.b64));
    expect(good.json.result).toBe(ok.signature);
    // SWQOS-only lowers the minimum tip.
    const low = await rawTransfer({ price: 100, tip: MIN_TIP_LAMPORTS_SWQOS });
    expect((await post(send(low.b64))).json.error?.message).toMatch(/minimum is 1000000/);
    expect((await post(send(low.b64), `${fastUrl}?swqos_only=true`)).json.result).toBe(low.signature);
  });
});

describe("bad options", () => {
  it("Given bad Sender, smart-transaction, tip and fee options, Then typed errors before anything is sent", async () => {
    const cases: [() => unknown, string, string][] = [
      [() => heliusSender({ tipLamports: MIN_TIP_LAMPORTS_MAX - 1n }), "InvalidInput", "tipLamports"],
      [() => heliusSender({ swqosOnly: true, tipLamports: 4_999n }), "InvalidInput", "tipLamports"],
      [() => heliusSender({ tipLamports: -1n }), "U64OutOfRange", "tipLamports"],
      [() => heliusSender({ tipAccount: Keypair.generate().publicKey.toBase58() }), "InvalidInput", "tipAccount"],
      [() => heliusSender({ tipAccount: "not-base58!" }), "InvalidPublicKey", "tipAccount"],
      [() => heliusSender({ url: "ftp://sender.example/fast" }), "InvalidInput", "url"],
      [() => heliusSender({ region: "MARS" as "Default" }), "InvalidInput", "region"],
      [() => heliusSender({ minPriorityFeeMicroLamports: 0n }), "InvalidInput", "minPriorityFeeMicroLamports"],
      [() => heliusSmartTransaction({ url: "not a url" }), "InvalidInput", "url"],
      [() => heliusPriorityFee({ url: s.net.rpcUrl, priorityLevel: "Bogus" as "Min" }), "InvalidInput", "priorityLevel"],
      [() => heliusPriorityFee({ url: s.net.rpcUrl, maxMicroLamports: 2n ** 64n }), "U64OutOfRange", "maxMicroLamports"],
      [() => heliusTipInstruction({ from: "nope" }), "InvalidPublicKey", "from"],
    ];
    for (const [f, code, field] of cases) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(isGpunetError(err), `${field}: ${String(err)}`).toBe(true);
      expect(err).toMatchObject({ code, context: { field } });
    }
    // The main entry names the subpath for the strategy it no longer carries.
    const moved = await resolvePriorityFee({ kind: "helius", url: s.net.rpcUrl } as never, s.connection, []).catch((e: unknown) => e);
    expect(moved).toMatchObject({ code: "InvalidInput", context: { field: "priorityFee.kind", value: "helius" } });
    expect((moved as Error).message).toContain("@gpunet/sdk/helius");
  });

  it("Given a Sender that answers 503, When a client sends through it, Then each submission is one request, the confirmation loop re-sends until the blockhash expires, a typed BlockhashExpired, and nothing lands", async () => {
    let requests = 0;
    const busy: Server = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("busy");
    });
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    try {
      const ownerKp = await s.user(1_000n);
      const url = `http://127.0.0.1:${(busy.address() as AddressInfo).port}/fast`;
      const owner = s.client(keypairWallet(ownerKp), { send: heliusSender({ url }), resendIntervalMs: 500 });
      const err = await owner.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 8, region: REGION.unspecified }).catch((e: unknown) => e);
      expect(isGpunetError(err, "BlockhashExpired")).toBe(true);
      // The first send plus the loop's re-sends, one HTTP request each: no retry inside a submission.
      expect(requests).toBeGreaterThanOrEqual(2);
      expect(await s.connection.getAccountInfo(findProviderPda(ownerKp.publicKey)[0])).toBeNull();
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });
});
