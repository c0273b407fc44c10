/**
 * Each instruction's success path on the compiled program: token balances, account
 * fields (every field, through the model-checked driver) and the event, decoded from
 * the transaction logs by Anchor's EventParser with the program's coder.
 */
import { EventParser } from "@coral-xyz/anchor";
import { PublicKey } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { asProvider, jobRef } from "./driver.ts";
import { DEFAULT_INIT, fetchConfig, lamportsOf, M, newActor, normalize, setupProtocol, tokenBalance, warp } from "./fixtures.ts";
import type { SendOutcome } from "./fixtures.ts";
import { acceptedJob, bAt, disputedJob, hash, HW, ok, openJob, pAt, submittedJob, world } from "./scenario.ts";
import type { World } from "./scenario.ts";
import { GPU_MODEL, JOB_STATE, PROVIDER_STATUS, REGION, MAX_PROTOCOL_FEE_BPS, MAX_SLASH_CAP_BPS, SLASH_REASON } from "../../sdk/src/generated/index.ts";

type Ev = { name: string; data: Record<string, unknown> };

function eventsOf(w: Pick<World, "fx">, out: SendOutcome): Ev[] {
  const parser = new EventParser(w.fx.program.programId, w.fx.program.coder);
  return [...parser.parseLogs(out.logs)].map((e) => ({ name: e.name, data: normalize(e.data) as Record<string, unknown> }));
}

/** The one event called `name` (camel-cased as Anchor names it). */
function only(evs: Ev[], name: string): Record<string, unknown> {
  const xs = evs.filter((e) => e.name === name);
  expect(
    xs.map((e) => e.name),
    `events: ${evs.map((e) => e.name).join(", ")}`,
  ).toEqual([name]);
  const x = xs[0];
  if (!x) throw new Error("unreachable");
  return x.data;
}

const now = (w: Pick<World, "fx">): bigint => w.fx.env.svm.getClock().unixTimestamp;
const cfgOf = (w: World): M.ConfigState => {
  if (!w.fx.model.config) throw new Error("no config");
  return w.fx.model.config;
};
const provOf = (w: World, p: PublicKey): M.ProviderState => {
  const s = w.fx.model.providers.get(p.toBase58());
  if (!s) throw new Error("no provider");
  return s;
};
const jobOf = (w: World, j: PublicKey): M.JobState => {
  const s = w.fx.model.jobs.get(j.toBase58());
  if (!s) throw new Error("no job");
  return s;
};
const bal = (w: World, k: PublicKey): bigint => tokenBalance(w.fx, k) ?? 0n;

describe("admin instructions", () => {
  it("initialize creates Config and the reward vault and emits ConfigUpdated", async () => {
    // Given a chain with the mint and treasury but no Config
    const fx = await setupProtocol({ initialize: false });
    // When initialize is sent (through the fixture, which checks the model too)
    const { initializeConfig } = await import("./fixtures.ts");
    const out = ok(await initializeConfig(fx, DEFAULT_INIT));
    // Then Config holds the arguments, the reward vault is a token account of the stake mint owned by Config
    const c = await fetchConfig(fx);
    expect(c).toEqual(fx.model.config);
    expect(c).toMatchObject({
      admin: fx.admin.publicKey.toBase58(),
      slashAuthority: fx.slasher.publicKey.toBase58(),
      stakeMint: fx.mint.toBase58(),
      treasury: fx.treasury.toBase58(),
      rewardVault: fx.rewardVault.toBase58(),
      protocolFeeBps: 250,
      slashCapBps: 5_000,
      paused: false,
    });
    const rv = fx.env.getAccount(fx.rewardVault);
    expect(rv && new PublicKey(rv.data.subarray(0, 32)).toBase58()).toBe(fx.mint.toBase58());
    expect(rv && new PublicKey(rv.data.subarray(32, 64)).toBase58()).toBe(fx.config.toBase58());
    // And ConfigUpdated carries the whole new configuration
    const e = only(eventsOf({ fx }, out), "configUpdated");
    expect(e).toEqual({
      minStakePerGpu: DEFAULT_INIT.minStakePerGpu,
      unbondingPeriod: DEFAULT_INIT.unbondingPeriod,
      challengeWindow: DEFAULT_INIT.challengeWindow,
      pausedAt: 0n,
      pausedTotal: 0n,
      rewardPeriod: 0n,
      seq: c?.seq,
      timestamp: fx.env.svm.getClock().unixTimestamp,
      config: fx.config.toBase58(),
      admin: fx.admin.publicKey.toBase58(),
      slashAuthority: fx.slasher.publicKey.toBase58(),
      stakeMint: fx.mint.toBase58(),
      treasury: fx.treasury.toBase58(),
      rewardVault: fx.rewardVault.toBase58(),
      protocolFeeBps: 250,
      slashCapBps: 5_000,
      paused: false,
    });
  });

  it("update_config changes exactly the masked fields and emits ConfigUpdated", async () => {
    const w = await world({ providers: 0 });
    const cf = { ...cfgOf(w) };
    const newAdmin = newActor(w.fx, 0n);
    // When fee, cap, windows, minimum and admin change (pause bit not set: paused stays false even though true is passed)
    const out = ok(
      await w.c.updateConfig(w.fx.admin, {
        newAdmin: newAdmin.key,
        newSlashAuthority: w.outsider.key,
        minStakePerGpu: 77n,
        unbondingPeriod: 99n,
        challengeWindow: 55n,
        mask:
          M.ConfigMask.admin |
          M.ConfigMask.minStakePerGpu |
          M.ConfigMask.unbondingPeriod |
          M.ConfigMask.challengeWindow |
          M.ConfigMask.protocolFeeBps |
          M.ConfigMask.slashCapBps,
        protocolFeeBps: MAX_PROTOCOL_FEE_BPS,
        slashCapBps: MAX_SLASH_CAP_BPS,
        paused: true,
      }),
    );
    const after = cfgOf(w);
    expect(after).toMatchObject({
      admin: newAdmin.key,
      slashAuthority: cf.slashAuthority,
      minStakePerGpu: 77n,
      unbondingPeriod: 99n,
      challengeWindow: 55n,
      protocolFeeBps: MAX_PROTOCOL_FEE_BPS,
      slashCapBps: MAX_SLASH_CAP_BPS,
      paused: false,
      seq: cf.seq + 1n,
    });
    expect(only(eventsOf(w, out), "configUpdated")).toMatchObject({
      admin: newAdmin.key,
      slashAuthority: cf.slashAuthority,
      minStakePerGpu: 77n,
      unbondingPeriod: 99n,
      challengeWindow: 55n,
      protocolFeeBps: MAX_PROTOCOL_FEE_BPS,
      slashCapBps: MAX_SLASH_CAP_BPS,
      paused: false,
      seq: after.seq,
      timestamp: now(w),
    });
    // And the old admin is no longer one
    const again = await w.c.updateConfig(w.fx.admin, {
      newAdmin: after.admin,
      newSlashAuthority: after.slashAuthority,
      minStakePerGpu: after.minStakePerGpu,
      unbondingPeriod: after.unbondingPeriod,
      challengeWindow: after.challengeWindow,
      mask: M.ConfigMask.paused,
      protocolFeeBps: after.protocolFeeBps,
      slashCapBps: after.slashCapBps,
      paused: true,
    });
    expect(again.ok ? "ok" : again.error).toBe("Unauthorized");
  });
});

describe("provider instructions", () => {
  it("register_provider creates the Provider and its stake vault and emits ProviderRegistered", async () => {
    const w = await world({ providers: 0 });
    const p = asProvider(newActor(w.fx, 0n));
    const hw = { gpuModel: GPU_MODEL.l40S, gpuCount: 8, vramGb: 80, region: REGION.asia, metadataHash: hash(42) };
    const out = ok(await w.c.registerProvider(p, hw));
    const s = provOf(w, p.provider);
    expect(s).toMatchObject({
      owner: p.key,
      stakeVault: p.vault.toBase58(),
      gpuModel: GPU_MODEL.l40S,
      gpuCount: 8,
      vramGb: 80,
      region: REGION.asia,
      status: PROVIDER_STATUS.active,
      activeStake: 0n,
      registeredAt: now(w),
      bump: p.providerBump,
      vaultBump: p.vaultBump,
    });
    const vault = w.fx.env.getAccount(p.vault);
    expect(vault && new PublicKey(vault.data.subarray(32, 64)).toBase58()).toBe(p.provider.toBase58());
    expect(only(eventsOf(w, out), "providerRegistered")).toEqual({
      seq: s.seq,
      timestamp: now(w),
      providerCount: cfgOf(w).providerCount,
      provider: p.provider.toBase58(),
      owner: p.key,
      stakeVault: p.vault.toBase58(),
      metadataHash: hash(42),
      gpuModel: GPU_MODEL.l40S,
      gpuCount: 8,
      vramGb: 80,
      region: REGION.asia,
    });
  });

  it("update_provider changes hardware and status and emits ProviderUpdated", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const seq = provOf(w, p.provider).seq;
    const out = ok(
      await w.c.updateProvider(p, { gpuModel: GPU_MODEL.a100, gpuCount: 4, vramGb: 48, region: 9, metadataHash: hash(5) }, PROVIDER_STATUS.inactive),
    );
    expect(provOf(w, p.provider)).toMatchObject({
      gpuModel: GPU_MODEL.a100,
      gpuCount: 4,
      vramGb: 48,
      region: 9,
      status: PROVIDER_STATUS.inactive,
      metadataHash: hash(5),
      seq: seq + 1n,
    });
    expect(only(eventsOf(w, out), "providerUpdated")).toEqual({
      seq: seq + 1n,
      timestamp: now(w),
      provider: p.provider.toBase58(),
      owner: p.key,
      metadataHash: hash(5),
      gpuModel: GPU_MODEL.a100,
      gpuCount: 4,
      vramGb: 48,
      region: 9,
      status: PROVIDER_STATUS.inactive,
    });
  });

  it("stake moves tokens into the vault, settles, and emits Staked", async () => {
    const w = await world({ providers: 2 });
    const p = pAt(w, 0);
    ok(await w.c.fundRewards(w.funder, 12_345n));
    const [ob, vb] = [bal(w, p.token), bal(w, p.vault)];
    const out = ok(await w.c.stake(p, 5_000n));
    expect([ob - bal(w, p.token), bal(w, p.vault) - vb]).toEqual([5_000n, 5_000n]);
    const s = provOf(w, p.provider);
    const cf = cfgOf(w);
    // owed holds the settled 10,000-unit share; a new stake period starts at the current acc
    expect(s.rewardsOwed).toBe((10_000n * cf.accRewardPerStake) / M.Q64);
    expect([s.rewardSnapshot, s.rewardDebt]).toEqual([cf.accRewardPerStake, 0n]);
    expect(only(eventsOf(w, out), "staked")).toEqual({
      accRewardPerStake: cf.accRewardPerStake,
      amount: 5_000n,
      activeStake: 15_000n,
      totalActiveStake: 25_000n,
      rewardsOwed: s.rewardsOwed,
      rewardDebt: s.rewardDebt,
      unallocatedRewards: 0n,
      seq: s.seq,
      timestamp: now(w),
      provider: p.provider.toBase58(),
      owner: p.key,
    });
  });

  it("request_unstake moves stake to unbonding with an unlock time and emits UnstakeRequested", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const out = ok(await w.c.requestUnstake(p, 4_000n));
    const s = provOf(w, p.provider);
    expect(s).toMatchObject({ activeStake: 6_000n, unbondingAmount: 4_000n, unbondingUnlockAt: now(w) + DEFAULT_INIT.unbondingPeriod });
    expect(only(eventsOf(w, out), "unstakeRequested")).toEqual({
      accRewardPerStake: cfgOf(w).accRewardPerStake,
      amount: 4_000n,
      activeStake: 6_000n,
      unbondingAmount: 4_000n,
      unlockAt: now(w) + DEFAULT_INIT.unbondingPeriod,
      unlockPauseMark: 0n,
      totalActiveStake: 6_000n,
      rewardsOwed: s.rewardsOwed,
      rewardDebt: s.rewardDebt,
      seq: s.seq,
      timestamp: now(w),
      provider: p.provider.toBase58(),
      owner: p.key,
    });
  });

  it("withdraw_unstaked returns the unlocked stake and emits Withdrawn", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    ok(await w.c.requestUnstake(p, 4_000n));
    warp(w.fx, DEFAULT_INIT.unbondingPeriod);
    const [ob, vb] = [bal(w, p.token), bal(w, p.vault)];
    const out = ok(await w.c.withdrawUnstaked(p));
    expect([bal(w, p.token) - ob, vb - bal(w, p.vault)]).toEqual([4_000n, 4_000n]);
    expect(only(eventsOf(w, out), "withdrawn")).toEqual({
      amount: 4_000n,
      unbondingAmount: 0n,
      seq: provOf(w, p.provider).seq,
      timestamp: now(w),
      provider: p.provider.toBase58(),
      owner: p.key,
    });
  });
});

describe("reward instructions", () => {
  it("fund_rewards moves tokens to the reward vault, advances the accumulator exactly, and emits RewardsFunded (source 0)", async () => {
    const w = await world({ providers: 2 });
    ok(await w.c.stake(pAt(w, 1), 3n)); // S = 20,003: the division leaves a remainder
    const [fb, rb] = [bal(w, w.funder.token), bal(w, w.fx.rewardVault)];
    const out = ok(await w.c.fundRewards(w.funder, 1_000_001n));
    expect([fb - bal(w, w.funder.token), bal(w, w.fx.rewardVault) - rb]).toEqual([1_000_001n, 1_000_001n]);
    const num = 1_000_001n * M.Q64;
    const cf = cfgOf(w);
    expect([cf.accRewardPerStake, cf.rewardCarry]).toEqual([num / 20_003n, num % 20_003n]);
    expect(only(eventsOf(w, out), "rewardsFunded")).toEqual({
      accRewardPerStake: num / 20_003n,
      amount: 1_000_001n,
      rewardCarry: num % 20_003n,
      unallocatedRewards: 0n,
      streamEnd: now(w),
      totalActiveStake: 20_003n,
      totalFunded: 1_000_001n,
      configSeq: cf.seq,
      timestamp: now(w),
      funder: w.funder.key,
      source: 0,
    });
  });

  it("claim_rewards pays the settled reward to the owner and emits RewardsClaimed", async () => {
    const w = await world({ providers: 2 });
    const p = pAt(w, 0);
    ok(await w.c.fundRewards(w.funder, 1_001n));
    const [ob, rb] = [bal(w, p.token), bal(w, w.fx.rewardVault)];
    const out = ok(await w.c.claimRewards(p));
    // 10,000 of 20,000 staked: floor(10,000 * floor(1,001 * 2^64 / 20,000) / 2^64) = 500
    expect([bal(w, p.token) - ob, rb - bal(w, w.fx.rewardVault)]).toEqual([500n, 500n]);
    const s = provOf(w, p.provider);
    expect([s.totalClaimed, s.rewardsOwed]).toEqual([500n, 0n]);
    expect(only(eventsOf(w, out), "rewardsClaimed")).toEqual({
      amount: 500n,
      totalClaimed: 500n,
      rewardDebt: s.rewardDebt,
      seq: s.seq,
      timestamp: now(w),
      provider: p.provider.toBase58(),
      owner: p.key,
    });
  });

  it("slash takes active stake first, then unbonding, to the treasury and emits Slashed", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    ok(await w.c.requestUnstake(p, 9_000n)); // active 1,000, unbonding 9,000
    const [vb, tb] = [bal(w, p.vault), bal(w, w.fx.treasury)];
    const out = ok(await w.c.slash(w.fx.slasher, p, 3_000n, SLASH_REASON.fraud, hash(9)));
    expect([vb - bal(w, p.vault), bal(w, w.fx.treasury) - tb]).toEqual([3_000n, 3_000n]);
    const s = provOf(w, p.provider);
    expect(s).toMatchObject({ activeStake: 0n, unbondingAmount: 7_000n, slashedTotal: 3_000n, slashedInEpoch: 3_000n });
    expect(only(eventsOf(w, out), "slashed")).toEqual({
      accRewardPerStake: cfgOf(w).accRewardPerStake,
      amount: 3_000n,
      fromActive: 1_000n,
      fromUnbonding: 2_000n,
      activeStake: 0n,
      unbondingAmount: 7_000n,
      totalActiveStake: 0n,
      slashedTotal: 3_000n,
      rewardsOwed: s.rewardsOwed,
      rewardDebt: s.rewardDebt,
      seq: s.seq,
      timestamp: now(w),
      provider: p.provider.toBase58(),
      owner: p.key,
      authority: w.fx.slasher.publicKey.toBase58(),
      evidenceHash: hash(9),
      reason: { fraud: {} },
    });
  });
});

describe("job instructions", () => {
  it("create_job funds the escrow from the buyer and emits JobCreated", async () => {
    const w = await world({ providers: 0 });
    const b = bAt(w, 0);
    const r = jobRef(b, 31n);
    const bb = bal(w, b.token);
    const out = ok(await w.c.createJob(r, { price: 123_456n, maxDuration: 900n, minGpus: 2, gpuModel: GPU_MODEL.h100, minVramGb: 16, specHash: hash(8) }));
    expect([bb - bal(w, b.token), bal(w, r.escrow)]).toEqual([123_456n, 123_456n]);
    expect(jobOf(w, r.job)).toMatchObject({
      jobId: 31n,
      price: 123_456n,
      maxDuration: 900n,
      createdAt: now(w),
      state: JOB_STATE.open,
      buyer: b.key,
      escrow: r.escrow.toBase58(),
      minGpus: 2,
      gpuModel: GPU_MODEL.h100,
      minVramGb: 16,
    });
    expect(lamportsOf(w.fx, r.job) + lamportsOf(w.fx, r.escrow)).toBe(jobOf(w, r.job).rentLamports);
    expect(only(eventsOf(w, out), "jobCreated")).toEqual({
      jobId: 31n,
      price: 123_456n,
      maxDuration: 900n,
      challengeWindow: DEFAULT_INIT.challengeWindow,
      pauseMark: 0n,
      seq: jobOf(w, r.job).seq,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: b.key,
      escrow: r.escrow.toBase58(),
      specHash: hash(8),
      minGpus: 2,
      gpuModel: GPU_MODEL.h100,
      minVramGb: 16,
      feeBps: DEFAULT_INIT.protocolFeeBps,
    });
  });

  it("cancel_job refunds the buyer in full and emits JobCancelled", async () => {
    const w = await world({ providers: 0 });
    const r = await openJob(w, { price: 5_555n });
    const bb = bal(w, r.buyer.token);
    const out = ok(await w.c.cancelJob(r));
    expect([bal(w, r.buyer.token) - bb, bal(w, r.escrow)]).toEqual([5_555n, 0n]);
    expect(jobOf(w, r.job)).toMatchObject({ state: JOB_STATE.cancelled, refund: 5_555n });
    expect(only(eventsOf(w, out), "jobCancelled")).toEqual({
      refund: 5_555n,
      seq: jobOf(w, r.job).seq,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: r.buyer.key,
      endReason: { cancelled: {} },
    });
  });

  it("accept_job assigns the provider and the deadline and emits JobAccepted", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await openJob(w, { maxDuration: 777n });
    const out = ok(await w.c.acceptJob(r, p));
    expect(jobOf(w, r.job)).toMatchObject({ state: JOB_STATE.accepted, provider: p.provider.toBase58(), acceptedAt: now(w), deadline: now(w) + 777n });
    expect(only(eventsOf(w, out), "jobAccepted")).toEqual({
      deadline: now(w) + 777n,
      pauseMark: 0n,
      lockedStake: DEFAULT_INIT.minStakePerGpu * BigInt(HW.gpuCount),
      liveJobs: 1n,
      seq: jobOf(w, r.job).seq,
      providerSeq: provOf(w, p.provider).seq,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: r.buyer.key,
      provider: p.provider.toBase58(),
    });
  });

  it("submit_result records the result and emits ResultSubmitted with the end of the challenge window", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await acceptedJob(w, p);
    warp(w.fx, 10n);
    const out = ok(await w.c.submitResult(r, p, hash(77)));
    expect(jobOf(w, r.job)).toMatchObject({ state: JOB_STATE.submitted, submittedAt: now(w), resultHash: hash(77) });
    expect(only(eventsOf(w, out), "resultSubmitted")).toEqual({
      challengeEndsAt: now(w) + DEFAULT_INIT.challengeWindow,
      pauseMark: 0n,
      seq: jobOf(w, r.job).seq,
      timestamp: now(w),
      job: r.job.toBase58(),
      provider: p.provider.toBase58(),
      resultHash: hash(77),
    });
  });

  it("complete_job by the buyer pays the provider and the fee, and emits JobCompleted then RewardsFunded (source 1)", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await submittedJob(w, p, { price: 1_000_000n });
    const [pb, rb] = [bal(w, p.token), bal(w, w.fx.rewardVault)];
    const out = ok(await w.c.completeJob(r, p, r.buyer));
    expect([bal(w, p.token) - pb, bal(w, w.fx.rewardVault) - rb, bal(w, r.escrow)]).toEqual([975_000n, 25_000n, 0n]);
    const evs = eventsOf(w, out);
    // A reward period of 0 releases the fee at once: RewardsReleased comes first
    expect(evs.map((e) => e.name)).toEqual(["rewardsReleased", "jobCompleted", "rewardsFunded"]);
    expect(only(evs, "jobCompleted")).toEqual({
      providerPayout: 975_000n,
      fee: 25_000n,
      jobsCompleted: 1n,
      seq: jobOf(w, r.job).seq,
      providerSeq: provOf(w, p.provider).seq,
      lockedStake: 0n,
      liveJobs: 0n,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: r.buyer.key,
      provider: p.provider.toBase58(),
      byTimeout: false,
      endReason: { completedByBuyer: {} },
    });
    expect(only(evs, "rewardsFunded")).toMatchObject({
      amount: 25_000n,
      source: 1,
      totalFunded: 25_000n,
      accRewardPerStake: cfgOf(w).accRewardPerStake,
      configSeq: cfgOf(w).seq,
    });
  });

  it("complete_job by anyone after the challenge window records by_timeout", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await submittedJob(w, p, { price: 40_000n });
    warp(w.fx, DEFAULT_INIT.challengeWindow + 1n);
    const out = ok(await w.c.completeJob(r, p, w.outsider));
    expect(only(eventsOf(w, out), "jobCompleted")).toMatchObject({ providerPayout: 39_000n, fee: 1_000n, byTimeout: true });
  });

  it("dispute_job records the reason and emits JobDisputed", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await submittedJob(w, p);
    const out = ok(await w.c.disputeJob(r, hash(66)));
    expect(jobOf(w, r.job)).toMatchObject({ state: JOB_STATE.disputed, disputeReasonHash: hash(66) });
    expect(only(eventsOf(w, out), "jobDisputed")).toEqual({
      seq: jobOf(w, r.job).seq,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: r.buyer.key,
      provider: p.provider.toBase58(),
      reasonHash: hash(66),
    });
  });

  it("resolve_dispute splits the escrow by the admin's share and emits DisputeResolved then RewardsFunded", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await disputedJob(w, p, { price: 1_000_003n });
    const [pb, rb, bb] = [bal(w, p.token), bal(w, w.fx.rewardVault), bal(w, r.buyer.token)];
    const out = ok(await w.c.resolveDispute(r, p, 6_000));
    // gross = floor(1,000,003 * 0.6) = 600,001; fee = floor(600,001 * 0.025) = 15,000
    expect([bal(w, p.token) - pb, bal(w, w.fx.rewardVault) - rb, bal(w, r.buyer.token) - bb, bal(w, r.escrow)]).toEqual([585_001n, 15_000n, 400_002n, 0n]);
    const evs = eventsOf(w, out);
    expect(evs.map((e) => e.name)).toEqual(["rewardsReleased", "disputeResolved", "rewardsFunded"]);
    expect(only(evs, "disputeResolved")).toEqual({
      providerPayout: 585_001n,
      fee: 15_000n,
      refund: 400_002n,
      jobsCompleted: 1n,
      jobsFailed: 0n,
      seq: jobOf(w, r.job).seq,
      providerSeq: provOf(w, p.provider).seq,
      lockedStake: 0n,
      liveJobs: 0n,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: r.buyer.key,
      provider: p.provider.toBase58(),
      providerShareBps: 6_000,
      endReason: { disputeResolved: {} },
    });
    expect(only(evs, "rewardsFunded")).toMatchObject({ amount: 15_000n, source: 1 });
  });

  it("expire_job refunds the buyer, counts a failure and emits JobExpired", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await acceptedJob(w, p, { price: 8_888n, maxDuration: 30n });
    warp(w.fx, 31n);
    const bb = bal(w, r.buyer.token);
    const out = ok(await w.c.expireJob(r, p, w.outsider));
    expect([bal(w, r.buyer.token) - bb, bal(w, r.escrow)]).toEqual([8_888n, 0n]);
    expect(provOf(w, p.provider).jobsFailed).toBe(1n);
    expect(only(eventsOf(w, out), "jobExpired")).toEqual({
      refund: 8_888n,
      jobsFailed: 1n,
      seq: jobOf(w, r.job).seq,
      providerSeq: provOf(w, p.provider).seq,
      lockedStake: 0n,
      liveJobs: 0n,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: r.buyer.key,
      provider: p.provider.toBase58(),
      endReason: { expiredUndelivered: {} },
    });
  });

  it("close_job closes the job and escrow, returns their rent to the buyer and emits JobClosed", async () => {
    const w = await world({ providers: 0 });
    const r = await openJob(w);
    ok(await w.c.cancelJob(r));
    const rent = lamportsOf(w.fx, r.job) + lamportsOf(w.fx, r.escrow);
    const seq = jobOf(w, r.job).seq;
    const out = ok(await w.c.closeJob(r, w.outsider));
    expect(w.fx.env.getAccount(r.job)).toBeNull();
    expect(w.fx.env.getAccount(r.escrow)).toBeNull();
    expect(only(eventsOf(w, out), "jobClosed")).toEqual({
      rentRefunded: rent,
      swept: 0n,
      seq: seq + 1n,
      timestamp: now(w),
      job: r.job.toBase58(),
      buyer: r.buyer.key,
    });
  });
});
