/**
 * Every builder and send helper against the compiled program on a real localnet
 * (HTTP JSON-RPC), with filtered listings and program errors from both paths.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Keypair, PublicKey } from "@solana/web3.js";
import { initializeGpunet, keypairWallet, startSdkNet, type CountingWallet, type SdkNet } from "./localnet-fixture.ts";
import type { GpunetClient } from "../../sdk/src/client.ts";
import { isGpunetError, GpunetError } from "../../sdk/src/errors.ts";
import { findProviderPda, findJobPda, findEscrowPda, findStakeVaultPda } from "../../sdk/src/pdas.ts";
import type { GpunetEvent } from "../../sdk/src/events.ts";
import { GPUNET_ERROR_CODE, GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";

let s: SdkNet;
let adminClient: GpunetClient;
let admin: CountingWallet;
let treasury: PublicKey;
let providerOwner: Keypair;
let provider: GpunetClient;
let buyerKp: Keypair;
let buyer: GpunetClient;
let stranger: GpunetClient;

const names = (evs: readonly GpunetEvent[]): string[] => evs.map((e) => e.name);
function one<N extends GpunetEvent["name"]>(evs: readonly GpunetEvent[], name: N): Extract<GpunetEvent, { name: N }> {
  const e = evs.find((x) => x.name === name);
  if (!e) throw new Error(`no ${name} in ${names(evs).join(",")}`);
  return e as Extract<GpunetEvent, { name: N }>;
}
async function expectCode(p: Promise<unknown>, code: string): Promise<GpunetError> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof GpunetError)) throw e;
    expect(e.code).toBe(code);
    return e;
  }
  throw new Error(`expected ${code}, got success`);
}

beforeAll(async () => {
  s = await startSdkNet();
  ({ adminClient, admin, treasury } = await initializeGpunet(s, { challengeWindow: 50n, unbondingPeriod: 100n }));
  providerOwner = await s.user(1_000_000n);
  provider = s.client(keypairWallet(providerOwner));
  buyerKp = await s.user(1_000_000n);
  buyer = s.client(keypairWallet(buyerKp));
  stranger = s.client(keypairWallet(await s.user(0n)));
  await provider.registerProvider({
    gpuModel: GPU_MODEL.mi300X,
    gpuCount: 2,
    vramGb: 80,
    region: REGION.northAmerica,
    metadataHash: new Uint8Array(32).fill(9),
  });
  await provider.stake({ amount: 100_000n });
});
afterAll(async () => {
  await s?.close();
});

describe("config and provider instructions", () => {
  it("initialize wrote the Config the IDL describes, and verifyProgram accepts the program", async () => {
    const cfg = (await adminClient.fetchConfig()).data;
    expect(cfg.admin.equals(admin.publicKey)).toBe(true);
    expect(cfg.treasury.equals(treasury)).toBe(true);
    expect(cfg.minStakePerGpu).toBe(1_000n);
    expect(cfg.protocolFeeBps).toBe(500);
    expect(cfg.version).toBe(1);
    await expect(adminClient.verifyProgram()).resolves.toMatchObject({ idlVersion: "0.1.0", accountVersion: 1, configChecked: true });
  });

  it("registerProvider/stake: the Provider account and events carry the values, u64 as bigint", async () => {
    const p = (await provider.fetchProvider()).data;
    expect(p.owner.equals(providerOwner.publicKey)).toBe(true);
    expect(p.activeStake).toBe(100_000n);
    expect(p.gpuModel).toBe(7);
    expect(p.status).toBe("active");
    expect(p.metadataHash).toEqual(new Uint8Array(32).fill(9));
    expect(p.stakeVault.equals(findStakeVaultPda(findProviderPda(providerOwner.publicKey)[0])[0])).toBe(true);
  });

  it("updateProvider: status inactive shows in listProviders({ status }), then back to active", async () => {
    const r = await provider.updateProvider({ gpuModel: GPU_MODEL.mi300X, gpuCount: 2, vramGb: 80, region: REGION.southAmerica, status: "inactive" });
    expect(one(r.events, "providerUpdated").data.status).toBe(1);
    const inactive = await provider.listProviders({ status: "inactive" });
    expect(inactive.map((a) => a.data.owner.toBase58())).toEqual([providerOwner.publicKey.toBase58()]);
    expect(await provider.listProviders({ status: "active" })).toEqual([]);
    await provider.updateProvider({ gpuModel: GPU_MODEL.mi300X, gpuCount: 2, vramGb: 80, region: REGION.southAmerica, status: "active" });
    expect((await provider.listProviders({ status: "active" })).length).toBe(1);
    expect((await provider.listProviders({ owner: providerOwner.publicKey })).length).toBe(1);
  });

  it("updateConfig: paused blocks stake with a named error from simulate AND from a landed transaction; admin unpauses", async () => {
    const r = await adminClient.updateConfig({ paused: true });
    expect(one(r.events, "configUpdated").data.paused).toBe(true);
    // Simulate path (the send helper simulates to size compute units).
    const sim = await expectCode(provider.stake({ amount: 1n }), "Paused");
    expect(sim.context.programErrorNumber).toBe(GPUNET_ERROR_CODE.Paused);
    expect(sim.context.logs?.some((l) => l.includes("Error Code: Paused"))).toBe(true);
    expect(sim.context.signature).toBeUndefined();
    // Send path: a fixed compute limit skips the simulation, so the transaction lands and fails.
    const sent = await expectCode(provider.stake({ amount: 1n }, { computeUnitLimit: 200_000 }), "Paused");
    expect(sent.context.signature).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    expect(sent.context.programErrorNumber).toBe(GPUNET_ERROR_CODE.Paused);
    expect(isGpunetError(sent, "Paused")).toBe(true);
    await adminClient.updateConfig({ paused: false });
    expect((await adminClient.fetchConfig()).data.paused).toBe(false);
  });

  it("a non-admin updateConfig is Unauthorized", async () => {
    await expectCode(stranger.updateConfig({ protocolFeeBps: 1 }), "Unauthorized");
  });

  it("fundRewards, claimRewards and claimable agree; a second claim is NothingToClaim", async () => {
    const funder = s.client(keypairWallet(await s.user(5_000n)));
    const f = await funder.fundRewards({ amount: 3_333n });
    expect(one(f.events, "rewardsFunded").data.amount).toBe(3_333n);
    const want = await provider.claimable();
    const r = await provider.claimRewards();
    expect(one(r.events, "rewardsClaimed").data.amount).toBe(want);
    expect(await provider.claimable()).toBe(0n);
    const e = await expectCode(provider.claimRewards(), "NothingToClaim");
    expect(e.context.programErrorNumber).toBe(GPUNET_ERROR_CODE.NothingToClaim);
  });

  it("requestUnstake then withdrawUnstaked: StillUnbonding before the unlock, paid after", async () => {
    const r = await provider.requestUnstake({ amount: 10_000n });
    const ev = one(r.events, "unstakeRequested").data;
    expect(ev.amount).toBe(10_000n);
    expect(ev.activeStake).toBe(90_000n);
    await expectCode(provider.withdrawUnstaked(), "StillUnbonding");
    s.net.advanceClock(101);
    const before = await s.tokenBalance(providerOwner.publicKey);
    const w = await provider.withdrawUnstaked();
    expect(one(w.events, "withdrawn").data.amount).toBe(10_000n);
    expect((await s.tokenBalance(providerOwner.publicKey)) - before).toBe(10_000n);
  });

  it("slash: the slash authority moves stake to the treasury; a stranger is refused", async () => {
    const before = await s.tokenBalance(admin.publicKey);
    const r = await adminClient.slash({ providerOwner: providerOwner.publicKey, amount: 1_000n, reason: "other", evidenceHash: new Uint8Array(32).fill(1) });
    const ev = one(r.events, "slashed").data;
    expect(ev.amount).toBe(1_000n);
    expect(ev.reason).toBe("other");
    expect((await s.tokenBalance(admin.publicKey)) - before).toBe(1_000n);
    await expectCode(stranger.slash({ providerOwner: providerOwner.publicKey, amount: 1n, reason: "downtime" }), "Unauthorized");
  });
});

describe("job instructions and listings", () => {
  const providerPda = (): PublicKey => findProviderPda(providerOwner.publicKey)[0];

  it("create -> accept -> submit -> complete (buyer) -> close, with listings by buyer, provider and state", async () => {
    const c = await buyer.createJob({
      jobId: 1n,
      price: 10_000n,
      maxDuration: 1_000,
      minGpus: 1,
      gpuModel: GPU_MODEL.mi300X,
      specHash: new Uint8Array(32).fill(2),
    });
    const created = one(c.events, "jobCreated").data;
    const [jobPda] = findJobPda(buyerKp.publicKey, 1n);
    expect(created.job).toBe(jobPda.toBase58());
    expect(created.escrow).toBe(findEscrowPda(jobPda)[0].toBase58());
    expect((await buyer.listJobs({ buyer: buyerKp.publicKey })).map((j) => j.data.state)).toEqual(["open"]);
    expect((await buyer.listJobs({ state: "open" })).length).toBe(1);

    await provider.acceptJob({ job: { buyer: buyerKp.publicKey, jobId: 1n } });
    const byProvider = await buyer.listJobs({ provider: providerPda() });
    expect(byProvider.map((j) => [j.address.toBase58(), j.data.state])).toEqual([[jobPda.toBase58(), "accepted"]]);
    expect(await buyer.listJobs({ state: "open" })).toEqual([]);

    const sub = await provider.submitResult({ job: { address: jobPda }, resultHash: new Uint8Array(32).fill(5) });
    expect(one(sub.events, "resultSubmitted").data.resultHash).toEqual(new Uint8Array(32).fill(5));

    const before = await s.tokenBalance(providerOwner.publicKey);
    const done = await buyer.completeJob({ job: { address: jobPda } });
    expect(names(done.events)).toEqual(["rewardsReleased", "jobCompleted", "rewardsFunded"]);
    const jc = one(done.events, "jobCompleted").data;
    expect(jc.fee).toBe(500n);
    expect(jc.providerPayout).toBe(9_500n);
    expect(jc.byTimeout).toBe(false);
    expect(one(done.events, "rewardsFunded").data.source).toBe(1);
    expect((await s.tokenBalance(providerOwner.publicKey)) - before).toBe(9_500n);
    const job = (await buyer.fetchJob({ address: jobPda })).data;
    expect(job.state).toBe("completed");
    expect(job.providerPayout + job.fee + job.refund).toBe(job.price);

    const closed = await stranger.closeJob({ job: { address: jobPda } });
    expect(one(closed.events, "jobClosed").data.rentRefunded).toBeGreaterThan(0n);
    expect(await buyer.fetchMaybeJob({ address: jobPda })).toBeNull();
  });

  it("cancelJob refunds the buyer", async () => {
    await buyer.createJob({ jobId: 2, price: 4_000, maxDuration: 100, minGpus: 1 });
    const before = await s.tokenBalance(buyerKp.publicKey);
    const r = await buyer.cancelJob({ job: { buyer: buyerKp.publicKey, jobId: 2 } });
    expect(one(r.events, "jobCancelled").data.refund).toBe(4_000n);
    expect((await s.tokenBalance(buyerKp.publicKey)) - before).toBe(4_000n);
    expect((await buyer.listJobs({ state: "cancelled" })).length).toBe(1);
    await expectCode(provider.acceptJob({ job: { buyer: buyerKp.publicKey, jobId: 2 } }), "InvalidJobState");
  });

  it("disputeJob then resolveDispute splits the escrow", async () => {
    await buyer.createJob({ jobId: 3, price: 10_000, maxDuration: 1_000, minGpus: 1 });
    const job = { buyer: buyerKp.publicKey, jobId: 3 } as const;
    await provider.acceptJob({ job });
    await provider.submitResult({ job, resultHash: new Uint8Array(32).fill(1) });
    const d = await buyer.disputeJob({ job, reasonHash: new Uint8Array(32).fill(8) });
    expect(one(d.events, "jobDisputed").data.reasonHash).toEqual(new Uint8Array(32).fill(8));
    await expectCode(stranger.resolveDispute({ job, providerShareBps: 5_000 }), "Unauthorized");
    const r = await adminClient.resolveDispute({ job, providerShareBps: 6_000 });
    const ev = one(r.events, "disputeResolved").data;
    expect([ev.providerPayout, ev.fee, ev.refund]).toEqual([5_700n, 300n, 4_000n]);
    expect((await buyer.fetchJob(job)).data.state).toBe("resolved");
  });

  it("expireJob after the deadline refunds the buyer (anyone may call); DeadlineNotPassed before", async () => {
    await buyer.createJob({ jobId: 4, price: 2_000, maxDuration: 30, minGpus: 1 });
    const job = { buyer: buyerKp.publicKey, jobId: 4 } as const;
    await provider.acceptJob({ job });
    await expectCode(stranger.expireJob({ job }), "DeadlineNotPassed");
    s.net.advanceClock(31);
    const r = await stranger.expireJob({ job });
    expect(one(r.events, "jobExpired").data.refund).toBe(2_000n);
    expect((await buyer.fetchJob(job)).data.state).toBe("expired");
  });

  it("completeJob by a third party after the challenge window records byTimeout", async () => {
    await buyer.createJob({ jobId: 5, price: 1_000, maxDuration: 1_000, minGpus: 1 });
    const job = { buyer: buyerKp.publicKey, jobId: 5 } as const;
    await provider.acceptJob({ job });
    await provider.submitResult({ job, resultHash: new Uint8Array(32).fill(3) });
    await expectCode(stranger.completeJob({ job }), "ChallengeWindowOpen");
    s.net.advanceClock(51);
    const r = await stranger.completeJob({ job });
    expect(one(r.events, "jobCompleted").data.byTimeout).toBe(true);
  });

  it("createJob with a zero price is ZeroAmount; a hardware mismatch is HardwareMismatch", async () => {
    await expectCode(buyer.createJob({ jobId: 6, price: 0, maxDuration: 10, minGpus: 1 }), "ZeroAmount");
    await buyer.createJob({ jobId: 7, price: 10, maxDuration: 10, minGpus: 4 });
    await expectCode(provider.acceptJob({ job: { buyer: buyerKp.publicKey, jobId: 7 } }), "HardwareMismatch");
  });
});
