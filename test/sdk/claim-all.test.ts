/**
 * claimAll and the bot flow on the real program over localnet: packing many owners'
 * claims into few transactions, dry runs, idempotent retries, and claimable equal
 * to what each claim pays.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keypair } from "@solana/web3.js";
import { initializeGpunet, keypairWallet, startSdkNet, type SdkNet } from "./localnet-fixture.ts";
import { createGpunetClient, type GpunetClient } from "../../sdk/src/client.ts";
import { MAX_TRANSACTION_SIZE } from "../../sdk/src/send.ts";
import { GPU_MODEL } from "../../sdk/src/generated/index.ts";

let s: SdkNet;
let owners: Keypair[];
let bot: GpunetClient;

beforeAll(async () => {
  s = await startSdkNet();
  await initializeGpunet(s);
  owners = [];
  for (let i = 0; i < 9; i++) {
    const kp = await s.user(1_000_000n);
    const c = s.client(keypairWallet(kp));
    await c.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 8, region: i });
    await c.stake({ amount: BigInt(1_000 + 7_919 * i) });
    owners.push(kp);
  }
  // Owners without ATA-less cases: close nothing; one owner has never had a provider.
  const funder = s.client(keypairWallet(await s.user(1_000_000n)));
  await funder.fundRewards({ amount: 123_457n });
  // A bot without a wallet: it signs with the owners' keypairs; the first one pays fees.
  bot = createGpunetClient({ connection: s.connection, pollIntervalMs: 40, resendIntervalMs: 200 });
});
afterAll(async () => {
  await s?.close();
});

describe("claimAll", () => {
  it("Given 9 providers with rewards, When dry-run, Then the plan covers all of them in fewer transactions, with exact claimable amounts", async () => {
    const plan = await bot.claimAll({ signers: owners, dryRun: true });
    expect(plan.batches.length).toBeGreaterThan(0);
    expect(plan.batches.length).toBeLessThan(owners.length);
    const planned = plan.batches.flatMap((b) => b.claims);
    expect(planned.length).toBe(owners.length);
    for (const c of planned) expect(c.amount).toBe(await bot.claimable({ owner: c.owner }));
    expect(plan.total).toBe(planned.reduce((a, c) => a + c.amount, 0n));
  });

  it("Given a stranger with no provider among the owners, When claiming for real, Then every claim lands once, pays what claimable said, and the stranger is skipped", async () => {
    const stranger = await s.user(0n);
    const expected = new Map<string, bigint>();
    for (const o of owners) expected.set(o.publicKey.toBase58(), await bot.claimable({ owner: o.publicKey }));
    const before = new Map<string, bigint>();
    for (const o of owners) before.set(o.publicKey.toBase58(), await s.tokenBalance(o.publicKey));
    const r = await bot.claimAll({ signers: [...owners, stranger] });
    expect(r.failed).toEqual([]);
    expect(r.skipped).toEqual([{ owner: stranger.publicKey, reason: "noProvider" }]);
    expect(r.claimed.length).toBe(owners.length);
    expect(r.batches.length).toBeLessThan(owners.length);
    for (const c of r.claimed) {
      const k = c.owner.toBase58();
      expect(c.amount).toBe(expected.get(k));
      expect((await s.tokenBalance(c.owner)) - (before.get(k) ?? 0n)).toBe(c.amount);
    }
    // Each batch fitted in one transaction.
    for (const b of r.batches) {
      const tx = await s.connection.getTransaction(b.signature as string, { maxSupportedTransactionVersion: 0, commitment: "confirmed" });
      expect(tx?.transaction.message.serialize().length).toBeLessThan(MAX_TRANSACTION_SIZE);
    }
  });

  it("Given everything claimed, When claimAll runs again, Then nothing is sent and NothingToClaim is a skip, not an error", async () => {
    const r = await bot.claimAll({ signers: owners });
    expect(r.batches).toEqual([]);
    expect(r.failed).toEqual([]);
    expect(r.skipped.map((x) => x.reason)).toEqual(owners.map(() => "nothingToClaim"));
  });

  it("Given an owner claims on its own while claimAll's transaction is in flight, Then the failed batch is rebuilt without it and no claim is paid twice", async () => {
    const funder = s.client(keypairWallet(await s.user(1_000_000n)));
    await funder.fundRewards({ amount: 50_000n });
    const first = owners[0] as Keypair;
    const soloClient = s.client(keypairWallet(first));
    let raced = false;
    // The network path of the bot: the first submission is delayed until the owner's own claim landed.
    const conn = new Proxy(s.connection, {
      get(target, prop, receiver) {
        if (prop === "sendRawTransaction") {
          return async (raw: Buffer, o?: unknown) => {
            if (!raced) {
              raced = true;
              await soloClient.claimRewards();
            }
            return target.sendRawTransaction(raw, o as never);
          };
        }
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const racingBot = createGpunetClient({ connection: conn, pollIntervalMs: 40, resendIntervalMs: 200 });
    const r = await racingBot.claimAll({ signers: owners });
    expect(raced).toBe(true);
    expect(r.failed).toEqual([]);
    expect(r.claimed.map((c) => c.owner.toBase58())).not.toContain(first.publicKey.toBase58());
    expect(r.claimed.length).toBe(owners.length - 1);
    expect(r.skipped.some((x) => x.owner.equals(first.publicKey) && x.reason === "nothingToClaim")).toBe(true);
    for (const o of owners) expect(await bot.claimable({ owner: o.publicKey })).toBe(0n);
  });

  it("Given providers (PDAs) instead of owners, Then the plan is for their owners", async () => {
    const { findProviderPda } = await import("../../sdk/src/pdas.ts");
    const picked = [owners[1], owners[2]].map((o) => findProviderPda((o as Keypair).publicKey)[0]);
    const plan = await bot.claimAll({ signers: owners, providers: picked, dryRun: true });
    expect(plan.skipped.map((x) => x.owner.toBase58()).sort()).toEqual([owners[1], owners[2]].map((o) => (o as Keypair).publicKey.toBase58()).sort());
  });

  it("Given an owner that is neither the wallet nor a signer, Then SignerMissing before anything is sent", async () => {
    await expect(bot.claimAll({ owners: [Keypair.generate().publicKey], signers: owners })).rejects.toMatchObject({ code: "SignerMissing" });
  });
});
