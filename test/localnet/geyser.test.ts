/**
 * The localnet's Yellowstone-compatible Geyser gRPC endpoint, driven by the
 * real client library (`@triton-one/yellowstone-grpc`, its native client)
 * over real HTTP/2 on 127.0.0.1: unary calls agree with JSON-RPC; a
 * transaction streams at processed as it lands and at confirmed once its slot
 * confirms, with the fields getTransaction gives and its error as Agave's
 * bincode; slot statuses; fromSlot replay and the OUT_OF_RANGE refusal past
 * the window; filters; x-token; a restarted server cuts its streams.
 */
import * as yellowstone from "@triton-one/yellowstone-grpc";
import type { SubscribeRequest, SubscribeUpdate } from "@triton-one/yellowstone-grpc";
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { transactionErrorBincode } from "../../localnet/src/geyser/convert.ts";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { rpcResult, waitFor as waitForValue } from "./helpers.ts";

/** Polls until `check` holds. */
const waitFor = (check: () => boolean, ms?: number): Promise<true> => waitForValue(() => (check() ? true : undefined), ms);

type ClientClass = typeof yellowstone.default.default;
const Client = ((yellowstone.default as unknown as { default?: ClientClass }).default ?? yellowstone.default) as unknown as ClientClass;
const SYSTEM = "11111111111111111111111111111111";
const SLOT_PROCESSED = 0;
const SLOT_CONFIRMED = 1;
const SLOT_FINALIZED = 2;

let net: Localnet;

const request = (extra: Partial<SubscribeRequest> = {}): SubscribeRequest => ({
  accounts: {},
  slots: { slots: {} },
  transactions: { sys: { accountInclude: [SYSTEM], accountExclude: [], accountRequired: [] } },
  transactionsStatus: {},
  blocks: {},
  blocksMeta: { metas: {} },
  entry: {},
  accountsDataSlice: [],
  ...extra,
});

/** Collects a subscription's updates. */
async function subscribe(url: string, req: SubscribeRequest, token?: string) {
  const client = new Client(url, token, undefined);
  await client.connect();
  const stream = await client.subscribe(req);
  const got: SubscribeUpdate[] = [];
  let error: unknown = null;
  stream.on("data", (u: SubscribeUpdate) => got.push(u));
  stream.on("error", (e: unknown) => {
    error = e;
  });
  return { client, stream, got, error: () => error, close: () => stream.destroy() };
}

const txSigs = (us: readonly SubscribeUpdate[]): string[] =>
  us.flatMap((u) => (u.transaction?.transaction ? [bs58.encode(u.transaction.transaction.signature)] : []));
/** The error a subscription ends with: before the headers (the promise) or as its first message (the stream). */
async function refusalOf(client: InstanceType<ClientClass>, req: SubscribeRequest): Promise<unknown> {
  let stream: Awaited<ReturnType<InstanceType<ClientClass>["subscribe"]>>;
  try {
    stream = await client.subscribe(req);
  } catch (e) {
    return e;
  }
  return new Promise((resolve) => {
    stream.on("data", () => {});
    stream.on("error", resolve);
  });
}
const causeText = (e: unknown): string => {
  const out: string[] = [];
  for (let x: unknown = e; x; x = x instanceof Error ? x.cause : undefined) out.push(x instanceof Error ? x.message : String(x));
  return out.join(" / ");
};

beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 0, finalizedDepth: 3, grpcPort: 0, grpcReplaySlots: 100 });
  net.airdrop(Keypair.generate().publicKey, 10n ** 9n);
  net.advanceSlots(4);
});
afterAll(async () => {
  await net.close();
});

describe("Geyser bincode errors", () => {
  it("Given every transaction and instruction error as the RPC writes it, When encoded as bincode, Then the client library decodes it back to the same JSON", () => {
    const cases: unknown[] = [
      "AccountInUse",
      "BlockhashNotFound",
      "InsufficientFundsForFee",
      "CommitCancelled",
      { DuplicateInstruction: 3 },
      { InsufficientFundsForRent: { account_index: 1 } },
      { ProgramExecutionTemporarilyRestricted: { account_index: 4 } },
      { InstructionError: [0, { Custom: 6000 }] }, // idl-literal-ok: any custom code
      { InstructionError: [2, { Custom: 4294967295 }] },
      { InstructionError: [1, "InvalidAccountData"] },
      { InstructionError: [7, "BorshIoError"] },
      { InstructionError: [0, "BuiltinProgramsMustConsumeComputeUnits"] },
    ];
    for (const c of cases) expect(yellowstone.txErrDecode.decode(transactionErrorBincode(c as never))).toEqual(c);
  });
});

describe("Geyser unary calls", () => {
  it("Given the endpoint, When the client asks for slot, blockhash, height, version, replay window and ping, Then the answers agree with JSON-RPC", async () => {
    const client = new Client(net.grpcUrl as string, undefined, undefined);
    await client.connect();
    expect(BigInt((await client.getSlot(yellowstone.CommitmentLevel.CONFIRMED)).slot)).toBe(
      BigInt(await rpcResult<number>(net.rpcUrl, "getSlot", [{ commitment: "confirmed" }])),
    );
    const bh = await client.getLatestBlockhash(yellowstone.CommitmentLevel.FINALIZED);
    const viaRpc = await rpcResult<{ value: { blockhash: string } }>(net.rpcUrl, "getLatestBlockhash", [{ commitment: "finalized" }]);
    expect(bh.blockhash).toBe(viaRpc.value.blockhash);
    expect((await client.isBlockhashValid(bh.blockhash)).valid).toBe(true);
    expect((await client.isBlockhashValid(bs58.encode(new Uint8Array(32).fill(9)))).valid).toBe(false);
    expect(BigInt((await client.getBlockHeight()).blockHeight)).toBe(net.slot);
    expect(JSON.parse((await client.getVersion()).version).version.solana).toBe(
      (await rpcResult<Record<string, string>>(net.rpcUrl, "getVersion"))["solana-core"],
    );
    expect((await client.ping(5)).count).toBe(5);
    expect((await client.subscribeReplayInfo()).firstAvailable).toBe("0");
  });
});

describe("Geyser Subscribe", () => {
  it("Given subscribers at processed and confirmed, When a transaction lands and its slot confirms, Then processed hears it at once, confirmed only after, each with getTransaction's fields, block meta and statuses in order", async () => {
    const p = await subscribe(net.grpcUrl as string, request({ commitment: yellowstone.CommitmentLevel.PROCESSED }));
    const c = await subscribe(net.grpcUrl as string, request({ commitment: yellowstone.CommitmentLevel.CONFIRMED }));
    await waitFor(() => net.geyser?.subscribers === 2, 5_000);
    // When
    const sig = net.airdrop(Keypair.generate().publicKey, 2n * 10n ** 9n, { commitment: "processed" });
    const slot = net.slot;
    await waitFor(() => txSigs(p.got).includes(sig), 5_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(txSigs(c.got)).not.toContain(sig);
    net.advanceSlots(1);
    await waitFor(() => c.got.some((u) => u.slot?.slot === slot.toString() && u.slot.status === SLOT_CONFIRMED), 5_000);
    // Then: the confirmed stream has the transaction, then the block meta, then the status
    const at = (pred: (u: SubscribeUpdate) => boolean): number => c.got.findIndex(pred);
    const iTx = at((u) => txSigs([u]).includes(sig));
    const iMeta = at((u) => u.blockMeta?.slot === slot.toString());
    const iConf = at((u) => u.slot?.slot === slot.toString() && u.slot.status === SLOT_CONFIRMED);
    expect(iTx).toBeGreaterThanOrEqual(0);
    expect(iTx).toBeLessThan(iMeta);
    expect(iMeta).toBeLessThan(iConf);
    const info = c.got[iTx]?.transaction?.transaction;
    const tx = await rpcResult<{
      slot: number;
      meta: { logMessages: string[]; fee: number; err: unknown };
      transaction: { message: { accountKeys: string[] } };
    }>(net.rpcUrl, "getTransaction", [sig, { commitment: "confirmed", encoding: "json" }]);
    expect(c.got[iTx]?.transaction?.slot).toBe(String(tx.slot));
    expect(info?.meta?.logMessages).toEqual(tx.meta.logMessages);
    expect(info?.meta?.fee).toBe(String(tx.meta.fee));
    expect(info?.transaction?.message?.accountKeys.map((k) => bs58.encode(k))).toEqual(tx.transaction.message.accountKeys);
    expect(c.got[iTx]?.filters).toEqual(["sys"]);
    const block = await rpcResult<{ blockTime: number; blockhash: string }>(net.rpcUrl, "getBlock", [
      Number(slot),
      { commitment: "confirmed", transactionDetails: "none" },
    ]);
    expect(c.got[iMeta]?.blockMeta?.blockTime?.timestamp).toBe(String(block.blockTime));
    expect(c.got[iMeta]?.blockMeta?.blockhash).toBe(block.blockhash);
    // And: the processed stream had the slot's statuses processed, confirmed, later finalized
    net.advanceSlots(3);
    await waitFor(() => p.got.some((u) => u.slot?.slot === slot.toString() && u.slot.status === SLOT_FINALIZED), 5_000);
    const statuses = p.got.filter((u) => u.slot?.slot === slot.toString()).map((u) => u.slot?.status);
    expect(statuses).toEqual([SLOT_PROCESSED, SLOT_CONFIRMED, SLOT_FINALIZED]);
    p.close();
    c.close();
  });

  it("Given a failed transaction, When streamed, Then meta.err decodes to the error JSON-RPC reports", async () => {
    const s = await subscribe(net.grpcUrl as string, request({ commitment: yellowstone.CommitmentLevel.PROCESSED }));
    await waitFor(() => (net.geyser?.subscribers ?? 0) >= 1, 5_000);
    let sig = "";
    try {
      net.airdrop(Keypair.generate().publicKey, 1_000n, { commitment: "processed" });
    } catch (e) {
      sig = (e as { context: { signature: string } }).context.signature;
    }
    await waitFor(() => txSigs(s.got).includes(sig), 5_000);
    const u = s.got.find((x) => txSigs([x]).includes(sig));
    const err = u?.transaction?.transaction?.meta?.err?.err as Uint8Array;
    const viaRpc = await rpcResult<{ meta: { err: unknown } }>(net.rpcUrl, "getTransaction", [sig, { commitment: "processed", encoding: "json" }]).catch(
      async () => {
        net.advanceSlots(1);
        return rpcResult<{ meta: { err: unknown } }>(net.rpcUrl, "getTransaction", [sig, { commitment: "confirmed", encoding: "json" }]);
      },
    );
    expect(yellowstone.txErrDecode.decode(err)).toEqual(viaRpc.meta.err);
    s.close();
  });

  it("Given fromSlot inside the window, Then the history since is replayed before live updates; Given one older, Then OUT_OF_RANGE 'broadcast from X is not available, last available: Y'", async () => {
    const first = net.slot;
    const sigs = [net.airdrop(Keypair.generate().publicKey, 10n ** 9n), net.airdrop(Keypair.generate().publicKey, 10n ** 9n)];
    net.advanceSlots(1);
    const r = await subscribe(net.grpcUrl as string, request({ commitment: yellowstone.CommitmentLevel.CONFIRMED, fromSlot: first.toString() }));
    await waitFor(() => sigs.every((x) => txSigs(r.got).includes(x)), 5_000);
    const live = net.airdrop(Keypair.generate().publicKey, 10n ** 9n);
    await waitFor(() => txSigs(r.got).includes(live), 5_000);
    expect(txSigs(r.got).slice(-3)).toEqual([...sigs, live]);
    r.close();
    // When: past the window
    net.advanceSlots(150);
    const oldest = net.geyser?.firstAvailableSlot() as bigint;
    const client = new Client(net.grpcUrl as string, undefined, undefined);
    await client.connect();
    const refused = await refusalOf(client, request({ fromSlot: first.toString() }));
    expect(causeText(refused)).toContain(`broadcast from ${first} is not available, last available: ${oldest}`);
    expect(causeText(refused)).toContain("past the valid range");
  });

  it("Given filters, When transactions land, Then accountRequired and accountExclude select, and a bad pubkey is INVALID_ARGUMENT", async () => {
    const kp = Keypair.generate();
    const s = await subscribe(
      net.grpcUrl as string,
      request({
        transactions: {
          req: { accountInclude: [], accountExclude: [], accountRequired: [kp.publicKey.toBase58()] },
          ex: { accountInclude: [SYSTEM], accountExclude: [kp.publicKey.toBase58()], accountRequired: [] },
        },
      }),
    );
    await waitFor(() => (net.geyser?.subscribers ?? 0) >= 1, 5_000);
    const mine = net.airdrop(kp.publicKey, 10n ** 9n, { commitment: "processed" });
    const other = net.airdrop(Keypair.generate().publicKey, 10n ** 9n, { commitment: "processed" });
    await waitFor(() => txSigs(s.got).includes(mine) && txSigs(s.got).includes(other), 5_000);
    expect(s.got.find((u) => txSigs([u]).includes(mine))?.filters).toEqual(["req"]);
    expect(s.got.find((u) => txSigs([u]).includes(other))?.filters).toEqual(["ex"]);
    s.close();
    const client = new Client(net.grpcUrl as string, undefined, undefined);
    await client.connect();
    const bad = await refusalOf(client, request({ transactions: { x: { accountInclude: ["not-a-key"], accountExclude: [], accountRequired: [] } } }));
    expect(causeText(bad)).toContain("invalid argument");
    expect(causeText(bad)).toContain("invalid pubkey");
  });

  it("Given a token on the server, When a call has none or a wrong one, Then UNAUTHENTICATED; with it, it works", async () => {
    const locked = await createLocalnet({ rpcPort: 0, slotMs: 0, grpcPort: 0, grpcToken: "t0ken" });
    try {
      for (const token of [undefined, "nope"]) {
        const client = new Client(locked.grpcUrl as string, token, undefined);
        await client.connect();
        await expect(client.getSlot()).rejects.toThrow();
        const e = await refusalOf(client, request());
        expect(causeText(e)).toContain("No valid auth token");
      }
      const ok = new Client(locked.grpcUrl as string, "t0ken", undefined);
      await ok.connect();
      expect(BigInt((await ok.getSlot()).slot)).toBe(locked.slot);
    } finally {
      await locked.close();
    }
  });

  it("Given an open stream, When the server restarts, Then the stream fails with an error and a new subscription works", async () => {
    const s = await subscribe(net.grpcUrl as string, request());
    await waitFor(() => (net.geyser?.subscribers ?? 0) >= 1, 5_000);
    await net.geyser?.restart();
    await waitFor(() => s.error() !== null, 10_000);
    const again = await subscribe(net.grpcUrl as string, request({ commitment: yellowstone.CommitmentLevel.PROCESSED }));
    const sig = net.airdrop(Keypair.generate().publicKey, 10n ** 9n, { commitment: "processed" });
    await waitFor(() => txSigs(again.got).includes(sig), 5_000);
    again.close();
  });
});
