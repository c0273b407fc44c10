/**
 * Attacks on the economics and operations of the protocol, each sent as the
 * attacker would send it against the compiled program in LiteSVM: a statistic
 * driven to u64::MAX, tokens dropped into an escrow, a first initialize by a
 * stranger, stake pulled from under accepted jobs, a pause that eats deadlines,
 * terms changed under live jobs, and the smaller ones (unchecked time sums, fees
 * that round to nothing, freeze authorities, forged accounts at non-PDA
 * addresses, account-list abuse). Every refused attack leaves every account the
 * model knows unchanged, byte for byte; every accepted step matches the model.
 */
import { BN } from "@coral-xyz/anchor";
import { createInitializeMint2Instruction, createTransferInstruction, MINT_SIZE } from "@solana/spl-token";
import { Keypair, PublicKey, SystemProgram, TransactionInstruction } from "@solana/web3.js";
import { address, lamports } from "@solana/kit";
import { Clock } from "litesvm";
import { describe, expect, it } from "vitest";
import { programDataAddress } from "../../localnet/src/deploy.ts";
import { asProvider, jobRef } from "./driver.ts";
import type { ProviderActor } from "./driver.ts";
import { attempt, changedKeys, DEFAULT_INIT, M, newActor, sendIxs, sendTx, setupProtocol, snapshot, tokenBalance, TOKEN_PROGRAM_ID, warp } from "./fixtures.ts";
import type { Actor, SendOutcome } from "./fixtures.ts";
import { acceptedJob, bAt, hash, HW, modelKeys, ok, openJob, pAt, submittedJob, world, warpTo } from "./scenario.ts";
import type { World } from "./scenario.ts";
import {
  MAX_PROTOCOL_FEE_BPS,
  MAX_SLASH_CAP_BPS,
  MAX_PROVIDER_SHARE_BPS,
  GPU_MODEL,
  PROVIDER_STATUS,
  REGION,
  SLASH_REASON,
} from "../../sdk/src/generated/index.ts";

const U64_MAX = M.U64_MAX;

/** A driver call that must fail with one of `names`, leaving every model account unchanged. */
async function refused(w: World, call: () => Promise<SendOutcome>, names: string[], extra: PublicKey[] = []): Promise<void> {
  const keys = [...modelKeys(w), ...extra];
  const before = snapshot(w.fx, keys);
  const out = await call();
  expect(out.ok, "the attack succeeded").toBe(false);
  if (out.ok) return;
  expect(names, out.logs.join("\n")).toContain(out.error);
  expect(changedKeys(before, snapshot(w.fx, keys))).toEqual([]);
}

/** A raw transaction that must fail with one of `names`, leaving every model account unchanged. */
function refusedRaw(w: World, ixs: TransactionInstruction[], signers: Keypair[], names: string[], extra: PublicKey[] = []): void {
  const keys = [...modelKeys(w), ...extra];
  const before = snapshot(w.fx, keys);
  const out = sendIxs(w.fx, ixs, signers);
  expect(out.ok, "the attack succeeded").toBe(false);
  if (out.ok) return;
  expect(names, out.logs.join("\n")).toContain(out.error);
  expect(changedKeys(before, snapshot(w.fx, keys))).toEqual([]);
}

/** A plain SPL transfer from an actor into a program vault or escrow (a "donation"), mirrored in the model. */
function donate(w: World, from: Actor, to: PublicKey, amount: bigint): void {
  sendTx(w.fx, [createTransferInstruction(from.token, to, from.pk, amount)], [from.kp]);
  w.fx.model = M.donate(w.fx.model, from.token.toBase58(), to.toBase58(), amount);
}

function providerOf(w: World, p: ProviderActor): M.ProviderState {
  const s = w.fx.model.providers.get(p.provider.toBase58());
  if (!s) throw new Error("no provider in model");
  return s;
}

function configOf(w: World): M.ConfigState {
  const c = w.fx.model.config;
  if (!c) throw new Error("no config");
  return c;
}

/** update_config arguments that change only what `mask` names. */
function cfgArgs(w: World, mask: number, over: Partial<Omit<M.UpdateConfigArgs, "signer" | "treasury">> = {}): Omit<M.UpdateConfigArgs, "signer" | "treasury"> {
  const cf = configOf(w);
  return {
    newAdmin: cf.admin,
    newSlashAuthority: cf.slashAuthority,
    minStakePerGpu: cf.minStakePerGpu,
    unbondingPeriod: cf.unbondingPeriod,
    challengeWindow: cf.challengeWindow,
    protocolFeeBps: cf.protocolFeeBps,
    slashCapBps: cf.slashCapBps,
    paused: cf.paused,
    mask,
    ...over,
  };
}

async function pause(w: World, paused: boolean): Promise<void> {
  ok(await w.c.updateConfig(w.fx.admin, cfgArgs(w, M.ConfigMask.paused, { paused })));
}

describe("attack 1: lifetime statistics cannot brick the protocol", () => {
  it("funding and claiming the same tokens until total_funded passes u64::MAX: the statistic saturates, funding and fee-paying completions keep working", async () => {
    // Given an attacker who holds all the active stake (2^62) and 2^62 more tokens to fund with
    const w = await world({ providers: 0, buyers: 1, init: { minStakePerGpu: 0n } });
    const attacker = asProvider(newActor(w.fx, 1n << 63n));
    ok(await w.c.registerProvider(attacker, HW));
    ok(await w.c.stake(attacker, 1n << 62n));
    const holder: Actor = { kp: attacker.kp, pk: attacker.pk, key: attacker.key, token: attacker.token };
    // When it funds 2^62 and claims it back, five times over (2^62 * 5 > u64::MAX)
    for (let i = 0; i < 5; i++) {
      ok(await w.c.fundRewards(holder, 1n << 62n));
      ok(await w.c.claimRewards(attacker));
    }
    // Then total_funded and total_claimed stopped at u64::MAX instead of failing
    expect(configOf(w).totalFunded).toBe(U64_MAX);
    expect(configOf(w).totalClaimed).toBe(U64_MAX);
    expect(providerOf(w, attacker).totalClaimed).toBe(U64_MAX);
    // And anyone can still fund, and a fee-paying job still completes and pays its fee
    ok(await w.c.fundRewards(w.funder, 1_000n));
    const r = await submittedJob(w, attacker, { price: 40_000n });
    ok(await w.c.completeJob(r, attacker, r.buyer));
    expect(w.fx.model.jobs.get(r.job.toBase58())?.fee).toBe(1_000n);
    expect(w.d.violations).toEqual([]);
  });
});

describe("attack 2: tokens dropped into an escrow cannot lock a job", () => {
  it("one base unit sent into a finished job's escrow: close_job still closes it, the unit goes to the treasury and the rent to the buyer", async () => {
    // Given a cancelled job and an attacker who sends 1 unit into its escrow
    const w = await world({ providers: 1 });
    const r = await openJob(w);
    ok(await w.c.cancelJob(r));
    donate(w, w.outsider, r.escrow, 1n);
    const t0 = tokenBalance(w.fx, w.fx.treasury) ?? 0n;
    // When anyone closes the job
    const out = ok(await w.c.closeJob(r, w.outsider));
    // Then the job and escrow are gone, the treasury holds the unit, and JobClosed says so
    expect(w.fx.env.getAccount(r.job)).toBeNull();
    expect(w.fx.env.getAccount(r.escrow)).toBeNull();
    expect((tokenBalance(w.fx, w.fx.treasury) ?? 0n) - t0).toBe(1n);
    expect(out.logs.some((l) => l.startsWith("Program data:"))).toBe(true);
    expect(w.d.violations).toEqual([]);
  });

  it("tokens sent into a live escrow do not change the split; at close they go to the treasury; a wrong treasury is refused", async () => {
    // Given a submitted job whose escrow an attacker tops up by 777 units
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await submittedJob(w, p, { price: 10_000n });
    donate(w, w.outsider, r.escrow, 777n);
    // When the buyer completes it: the provider and the fee split the price, not the escrow balance
    ok(await w.c.completeJob(r, p, r.buyer));
    expect(tokenBalance(w.fx, r.escrow)).toBe(777n);
    // And a close naming another token account as the treasury is refused, nothing moved
    const fake = newActor(w.fx, 0n);
    const ix = await w.fx.program.methods
      .closeJob()
      .accountsPartial({ job: r.job, escrow: r.escrow, buyer: r.buyer.pk, treasury: fake.token, caller: w.outsider.pk })
      .instruction();
    refusedRaw(w, [ix], [w.outsider.kp], ["WrongVault"]);
    // Then the real close sweeps the 777 to the treasury
    const t0 = tokenBalance(w.fx, w.fx.treasury) ?? 0n;
    ok(await w.c.closeJob(r, w.outsider));
    expect((tokenBalance(w.fx, w.fx.treasury) ?? 0n) - t0).toBe(777n);
    expect(w.d.violations).toEqual([]);
  });
});

describe("attack 3: only the upgrade authority initializes", () => {
  it("a stranger's initialize right after the deploy is refused with NotUpgradeAuthority; the upgrade authority's succeeds", async () => {
    // Given a freshly deployed program (upgrade authority: the admin) and no Config yet
    const fx = await setupProtocol({ initialize: false });
    const stranger = fx.env.fundedKeypair(100_000_000_000n);
    const init = (admin: Keypair, programData = programDataAddress(fx.program.programId)) =>
      fx.program.methods
        .initialize(
          new BN(1),
          new BN(100),
          new BN(100),
          stranger.publicKey,
          MAX_PROTOCOL_FEE_BPS,
          MAX_SLASH_CAP_BPS,
          fx.configBump,
          fx.rewardVaultBump,
          false,
          new BN(0),
        )
        .accountsPartial({ config: fx.config, rewardVault: fx.rewardVault, stakeMint: fx.mint, treasury: fx.treasury, admin: admin.publicKey, programData })
        .signers([admin])
        .rpc();
    const keys = [fx.config, fx.rewardVault, fx.treasury, stranger.publicKey];
    for (const programData of [programDataAddress(fx.program.programId), stranger.publicKey, fx.program.programId]) {
      // When the stranger initializes (with the real ProgramData, its own account, or the program account)
      const before = snapshot(fx, keys);
      const out = await attempt(() => init(stranger, programData), fx);
      // Then it is refused and nothing was created
      expect(out.ok ? "ok" : out.error).toBe("NotUpgradeAuthority");
      expect(changedKeys(before, snapshot(fx, keys)).filter((k) => k !== stranger.publicKey.toBase58())).toEqual([]);
    }
    // And the upgrade authority can
    const out = await attempt(() => init(fx.admin), fx);
    expect(out.ok ? "ok" : out.error).toBe("ok");
    expect(fx.env.getAccount(fx.config)?.owner.toBase58()).toBe(fx.program.programId.toBase58());
  });

  it("a program loaded without an upgrade authority cannot be initialized by anyone", async () => {
    const fx = await setupProtocol({ initialize: false, upgradeAuthority: Keypair.generate() });
    const out = await attempt(
      () =>
        fx.program.methods
          .initialize(new BN(1), new BN(100), new BN(100), fx.slasher.publicKey, 0, 0, fx.configBump, fx.rewardVaultBump, false, new BN(0))
          .accountsPartial({
            config: fx.config,
            rewardVault: fx.rewardVault,
            stakeMint: fx.mint,
            treasury: fx.treasury,
            admin: fx.admin.publicKey,
            programData: programDataAddress(fx.program.programId),
          })
          .signers([fx.admin])
          .rpc(),
      fx,
    );
    expect(out.ok ? "ok" : out.error).toBe("NotUpgradeAuthority");
    expect(fx.env.getAccount(fx.config)).toBeNull();
  });

  it("a stake mint with a freeze authority is refused unless initialize opts in", async () => {
    const fx = await setupProtocol({ initialize: false });
    const mint = Keypair.generate();
    sendTx(
      fx,
      [
        SystemProgram.createAccount({
          fromPubkey: fx.env.payer.publicKey,
          newAccountPubkey: mint.publicKey,
          lamports: Number(fx.env.svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE))),
          space: MINT_SIZE,
          programId: TOKEN_PROGRAM_ID,
        }),
        createInitializeMint2Instruction(mint.publicKey, 6, fx.mintAuthority.publicKey, fx.mintAuthority.publicKey),
      ],
      [mint],
    );
    fx.mint = mint.publicKey;
    const treasury = newActor(fx, 0n).token;
    const init = (allow: boolean) => () =>
      fx.program.methods
        .initialize(new BN(1), new BN(100), new BN(100), fx.slasher.publicKey, 0, 0, fx.configBump, fx.rewardVaultBump, allow, new BN(0))
        .accountsPartial({
          config: fx.config,
          rewardVault: fx.rewardVault,
          stakeMint: mint.publicKey,
          treasury,
          admin: fx.admin.publicKey,
          programData: programDataAddress(fx.program.programId),
        })
        .signers([fx.admin])
        .rpc();
    const refusedOut = await attempt(init(false), fx);
    expect(refusedOut.ok ? "ok" : refusedOut.error).toBe("MintHasFreezeAuthority");
    expect(fx.env.getAccount(fx.config)).toBeNull();
    const allowed = await attempt(init(true), fx);
    expect(allowed.ok ? "ok" : allowed.error).toBe("ok");
  });
});

describe("attack 4: stake backs accepted jobs", () => {
  it("a provider with exactly the minimum stake accepts a 30-day job and tries to unstake: StakeLocked until the job ends", async () => {
    // Given a provider with exactly min_stake_per_gpu * gpu_count staked
    const need = DEFAULT_INIT.minStakePerGpu * BigInt(HW.gpuCount);
    const w = await world({ providers: 1, stake: need });
    const p = pAt(w, 0);
    // When it accepts a 30-day job and asks to unstake everything, or one unit
    const r = await acceptedJob(w, p, { maxDuration: 30n * 86_400n });
    expect(providerOf(w, p)).toMatchObject({ lockedStake: need, liveJobs: 1n });
    await refused(w, () => w.c.requestUnstake(p, need), ["StakeLocked"]);
    await refused(w, () => w.c.requestUnstake(p, 1n), ["StakeLocked"]);
    // Then stake above the lock may leave, the locked part may still be slashed
    ok(await w.c.stake(p, 500n));
    ok(await w.c.requestUnstake(p, 500n));
    ok(await w.c.slash(w.fx.slasher, p, 100n, SLASH_REASON.failedJob, hash(4)));
    // And once the job ends the lock is gone
    ok(await w.c.submitResult(r, p, hash(5)));
    ok(await w.c.completeJob(r, p, r.buyer));
    expect(providerOf(w, p)).toMatchObject({ lockedStake: 0n, liveJobs: 0n });
    ok(await w.c.requestUnstake(p, providerOf(w, p).activeStake));
    expect(w.d.violations).toEqual([]);
  });

  it("the lock holds across several live jobs and goes with the last; expiry ends a job too", async () => {
    const w = await world({ providers: 1, stake: 10_000n });
    const p = pAt(w, 0);
    const a = await acceptedJob(w, p, { maxDuration: 100n });
    const b = await acceptedJob(w, p, { maxDuration: 5_000n });
    expect(providerOf(w, p).liveJobs).toBe(2n);
    warp(w.fx, 101n);
    ok(await w.c.expireJob(a, p, w.outsider));
    await refused(w, () => w.c.requestUnstake(p, 10_000n), ["StakeLocked"]);
    ok(await w.c.submitResult(b, p, hash(1)));
    ok(await w.c.disputeJob(b, hash(2)));
    ok(await w.c.resolveDispute(b, p, 3_000));
    ok(await w.c.requestUnstake(p, 10_000n));
    expect(w.d.violations).toEqual([]);
  });
});

describe("attack 5: a pause costs nobody a deadline, a challenge window or unbonding time", () => {
  it("an accepted job's deadline, a submitted job's challenge window and an unbonding unlock move back by the time paused", async () => {
    // Given an accepted job (deadline in 100 s), a submitted job (window 600 s) and 10 units unbonding (7,200 s)
    const w = await world({ providers: 2 });
    const [p, q] = [pAt(w, 0), pAt(w, 1)];
    const a = await acceptedJob(w, p, { maxDuration: 100n });
    const s = await submittedJob(w, q);
    ok(await w.c.requestUnstake(q, 10n));
    const t0 = w.fx.env.svm.getClock().unixTimestamp;
    // When the admin pauses for 10,000 s (longer than all three) and unpauses
    await pause(w, true);
    await refused(w, () => w.c.submitResult(a, p, hash(1)), ["Paused"]);
    warp(w.fx, 10_000n);
    await pause(w, false);
    expect(configOf(w).pausedTotal).toBe(10_000n);
    // Then the job cannot be expired yet and its provider can still deliver
    await refused(w, () => w.c.expireJob(a, p, w.outsider), ["DeadlineNotPassed"]);
    ok(await w.c.submitResult(a, p, hash(1)));
    // And the buyer can still dispute, nobody can complete by timeout
    await refused(w, () => w.c.completeJob(s, q, w.outsider), ["ChallengeWindowOpen"]);
    ok(await w.c.disputeJob(s, hash(2)));
    // And the unbonding stake is still locked for the 7,200 s it had left, to the second
    await refused(w, () => w.c.withdrawUnstaked(q), ["StillUnbonding"]);
    warpTo(w, t0 + 10_000n + 7_200n - 1n);
    await refused(w, () => w.c.withdrawUnstaked(q), ["StillUnbonding"]);
    warp(w.fx, 1n);
    ok(await w.c.withdrawUnstaked(q));
    expect(w.d.violations).toEqual([]);
  });

  it("an open job nobody accepted expires max_duration after creation, paused time excluded, with reason ExpiredUnaccepted", async () => {
    const w = await world({ providers: 1 });
    const r = await openJob(w, { maxDuration: 50n });
    await pause(w, true);
    warp(w.fx, 1_000n);
    await pause(w, false);
    await refused(w, () => w.c.expireJob(r, null, w.outsider), ["DeadlineNotPassed"]);
    warp(w.fx, 51n);
    const b0 = tokenBalance(w.fx, r.buyer.token) ?? 0n;
    ok(await w.c.expireJob(r, null, w.outsider));
    expect((tokenBalance(w.fx, r.buyer.token) ?? 0n) - b0).toBe(1_000_000n);
    expect(w.d.violations).toEqual([]);
  });
});

describe("attack 6: just-in-time stake around a funding earns next to nothing", () => {
  it("[stake 9e6, fund 1e6, request_unstake 9e6] in one transaction: the attacker earns 0, the stake that stays earns the funding over the period", async () => {
    // Given fundings released over an hour, and an honest provider with 1e6 staked
    const w = await world({ providers: 1, stake: 1_000_000n, init: { rewardPeriod: 3_600n } });
    const honest = pAt(w, 0);
    const attacker = asProvider(newActor(w.fx, 20_000_000n));
    ok(await w.c.registerProvider(attacker, HW));
    const f = w.fx;
    const m = f.program.methods;
    // When the attacker stakes 9e6, funds 1e6 and asks to unstake the 9e6, all in one transaction
    const ixs = [
      await m
        .stake(new BN(9_000_000))
        .accountsPartial({ config: f.config, provider: attacker.provider, stakeVault: attacker.vault, ownerToken: attacker.token, owner: attacker.pk })
        .instruction(),
      await m
        .fundRewards(new BN(1_000_000))
        .accountsPartial({ config: f.config, rewardVault: f.rewardVault, funderToken: attacker.token, funder: attacker.pk })
        .instruction(),
      await m.requestUnstake(new BN(9_000_000)).accountsPartial({ config: f.config, provider: attacker.provider, owner: attacker.pk }).instruction(),
    ];
    const out = sendIxs(f, ixs, [attacker.kp]);
    expect(out.ok ? "ok" : out.error).toBe("ok");
    // (the model follows the same three steps at the same clock)
    const clock = f.env.svm.getClock();
    const ctx = { now: clock.unixTimestamp, epoch: clock.epoch, signers: new Set([attacker.key]) };
    for (const step of [
      (s: M.ModelState) =>
        M.stake(s, { owner: attacker.key, provider: attacker.provider.toBase58(), ownerToken: attacker.token.toBase58(), amount: 9_000_000n }, ctx),
      (s: M.ModelState) => M.fundRewards(s, { funder: attacker.key, funderToken: attacker.token.toBase58(), amount: 1_000_000n }, ctx),
      (s: M.ModelState) => M.requestUnstake(s, { owner: attacker.key, provider: attacker.provider.toBase58(), amount: 9_000_000n }, ctx),
    ]) {
      const r = step(f.model);
      if (!r.ok) throw new Error(`model refused: ${r.errors.join("|")}`);
      f.model = r.state;
    }
    // Then nothing was released to the attacker's stake, at once or later
    expect(providerOf(w, attacker)).toMatchObject({ rewardsOwed: 0n, activeStake: 0n });
    warp(f, 3_600n);
    await refused(w, () => w.c.claimRewards(attacker), ["NothingToClaim"]);
    // And the honest stake, present all along, earns the whole funding as it is released (less rounding)
    const before = tokenBalance(f, honest.token) ?? 0n;
    ok(await w.c.claimRewards(honest));
    const got = (tokenBalance(f, honest.token) ?? 0n) - before;
    expect(got).toBeGreaterThanOrEqual(999_999n);
    expect(got).toBeLessThanOrEqual(1_000_000n);
    expect(w.d.violations).toEqual([]);
  });

  it("a funding is released linearly: a quarter of the period releases a quarter, and stake that arrives midway earns only from then", async () => {
    const w = await world({ providers: 2, stake: 1_000n, init: { rewardPeriod: 4_000n } });
    const [p, q] = [pAt(w, 0), pAt(w, 1)];
    ok(await w.c.requestUnstake(q, 1_000n));
    ok(await w.c.fundRewards(w.funder, 400_000n));
    warp(w.fx, 1_000n);
    ok(await w.c.claimRewards(p));
    expect(providerOf(w, p).totalClaimed).toBe(100_000n);
    ok(await w.c.stake(q, 3_000n));
    warp(w.fx, 3_000n);
    ok(await w.c.claimRewards(p));
    ok(await w.c.claimRewards(q));
    // p: 100,000 alone, then a quarter of the remaining 300,000; q: three quarters of it
    expect(providerOf(w, p).totalClaimed).toBe(175_000n);
    expect(providerOf(w, q).totalClaimed).toBe(225_000n);
    expect(w.d.violations).toEqual([]);
  });
});

describe("attack 7: a job keeps the terms it was created with", () => {
  it("the admin raises the fee to 20% and shrinks the challenge window to 1 s under live jobs: they keep 2.5% and 600 s", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const a = await submittedJob(w, p, { price: 100_000n });
    const b = await submittedJob(w, p, { price: 100_000n });
    ok(
      await w.c.updateConfig(
        w.fx.admin,
        cfgArgs(w, M.ConfigMask.protocolFeeBps | M.ConfigMask.challengeWindow, { protocolFeeBps: 2_000, challengeWindow: 1n }),
      ),
    );
    warp(w.fx, 300n);
    await refused(w, () => w.c.completeJob(a, p, w.outsider), ["ChallengeWindowOpen"]);
    ok(await w.c.disputeJob(b, hash(9)));
    ok(await w.c.completeJob(a, p, a.buyer));
    expect(w.fx.model.jobs.get(a.job.toBase58())?.fee).toBe(2_500n);
    ok(await w.c.resolveDispute(b, p, MAX_PROVIDER_SHARE_BPS));
    expect(w.fx.model.jobs.get(b.job.toBase58())?.fee).toBe(2_500n);
    // A job created after the change has the new terms
    const c = await submittedJob(w, p, { price: 100_000n });
    ok(await w.c.completeJob(c, p, c.buyer));
    expect(w.fx.model.jobs.get(c.job.toBase58())?.fee).toBe(20_000n);
    expect(w.d.violations).toEqual([]);
  });
});

describe("attack 8: the smaller ones", () => {
  it("unbonding and challenge-window sums near i64::MAX fail with MathOverflow instead of wrapping", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    // Given the clock 550 s before i64::MAX (the slot moves by one only)
    const c = w.fx.env.svm.getClock();
    w.fx.env.svm.warpToSlot(c.slot + 1n);
    w.fx.env.svm.setClock(new Clock(c.slot + 1n, c.epochStartTimestamp, c.epoch, c.leaderScheduleEpoch, M.I64_MAX - 550n));
    w.fx.env.svm.expireBlockhash();
    // When the provider asks to unstake (now + 7,200 s) and submits a job due in 500 s (now + 600 s window)
    await refused(w, () => w.c.requestUnstake(p, 1n), ["MathOverflow"]);
    const r = await acceptedJob(w, p, { maxDuration: 500n });
    // Then both sums are refused, nothing wraps
    await refused(w, () => w.c.submitResult(r, p, hash(1)), ["MathOverflow"]);
    // And accepting a job whose deadline would pass i64::MAX is refused too
    const late = await openJob(w, { maxDuration: 1_000n });
    await refused(w, () => w.c.acceptJob(late, p), ["MathOverflow"]);
  });

  it("a 1-unit job at a non-zero fee rate pays a fee of 1, never 0", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const r = await submittedJob(w, p, { price: 1n });
    ok(await w.c.completeJob(r, p, r.buyer));
    expect(w.fx.model.jobs.get(r.job.toBase58())).toMatchObject({ fee: 1n, providerPayout: 0n });
    const d = await submittedJob(w, p, { price: 3n });
    ok(await w.c.disputeJob(d, hash(1)));
    ok(await w.c.resolveDispute(d, p, 5_000));
    expect(w.fx.model.jobs.get(d.job.toBase58())).toMatchObject({ fee: 1n, providerPayout: 0n, refund: 2n });
    expect(w.d.violations).toEqual([]);
  });

  it("a Provider copied to a non-PDA address is refused with InvalidPda where funds move", async () => {
    // Given an honest provider with rewards owed, and its account's bytes placed at another address
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    ok(await w.c.fundRewards(w.funder, 5_000n));
    ok(await w.c.stake(p, 1n));
    const real = w.fx.env.svm.getAccount(address(p.provider.toBase58()));
    if (!real.exists) throw new Error("no provider");
    const fake = Keypair.generate().publicKey;
    w.fx.env.svm.setAccount({
      address: address(fake.toBase58()),
      lamports: lamports(real.lamports),
      programAddress: real.programAddress,
      executable: false,
      space: BigInt(real.data.length),
      data: real.data,
    });
    // When the owner claims and stakes through the copy
    const m = w.fx.program.methods;
    const claim = await m
      .claimRewards()
      .accountsPartial({ config: w.fx.config, provider: fake, rewardVault: w.fx.rewardVault, ownerToken: p.token, owner: p.pk })
      .instruction();
    const stake = await m
      .stake(new BN(1))
      .accountsPartial({ config: w.fx.config, provider: fake, stakeVault: p.vault, ownerToken: p.token, owner: p.pk })
      .instruction();
    // Then both are refused and nothing moved
    refusedRaw(w, [claim], [p.kp], ["InvalidPda"], [fake]);
    refusedRaw(w, [stake], [p.kp], ["InvalidPda"], [fake]);
  });

  it("more than 32 accounts is TooManyAccounts; a read-only escrow at creation is AccountNotWritable; an unknown slash reason is InvalidArgument", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const m = w.fx.program.methods;
    // 33 accounts: the claim's own plus padding
    const claim = await m
      .claimRewards()
      .accountsPartial({ config: w.fx.config, provider: p.provider, rewardVault: w.fx.rewardVault, ownerToken: p.token, owner: p.pk })
      .instruction();
    const padKey = Keypair.generate().publicKey;
    const pad = Array.from({ length: 33 - claim.keys.length }, () => ({ pubkey: padKey, isSigner: false, isWritable: false }));
    refusedRaw(w, [new TransactionInstruction({ programId: claim.programId, keys: [...claim.keys, ...pad], data: claim.data })], [p.kp], ["TooManyAccounts"]);
    // A create_job whose escrow is passed read-only
    const b = bAt(w, 0);
    const r = jobRef(b, 99n);
    const create = await m
      .createJob(new BN(99), new BN(10), new BN(60), 1, 0, 0, hash(1), r.jobBump, r.escrowBump)
      .accountsPartial({ config: w.fx.config, job: r.job, escrow: r.escrow, stakeMint: w.fx.mint, buyerToken: b.token, buyer: b.pk })
      .instruction();
    const ro = create.keys.map((k) => (k.pubkey.equals(r.escrow) ? { ...k, isWritable: false } : k));
    refusedRaw(
      w,
      [new TransactionInstruction({ programId: create.programId, keys: ro, data: create.data })],
      [b.kp],
      ["AccountNotWritable"],
      [r.job, r.escrow],
    );
    // A slash whose reason byte names no SlashReason variant
    const slash = await m
      .slash(new BN(10), { other: {} }, hash(1))
      .accountsPartial({ config: w.fx.config, provider: p.provider, stakeVault: p.vault, treasury: w.fx.treasury, slashAuthority: w.fx.slasher.publicKey })
      .instruction();
    const data = Buffer.from(slash.data);
    data[16] = 7;
    refusedRaw(w, [new TransactionInstruction({ programId: slash.programId, keys: slash.keys, data })], [w.fx.slasher], ["InvalidArgument"]);
  });
});

describe("attack 8: the IDL's writable flags are what the program requires", () => {
  it("every account the IDL marks writable (and no signer), passed read-only, is refused with AccountNotWritable before anything moves", async () => {
    // Given one of each situation: unbonding stake, open, accepted, submitted and disputed jobs, a cancelled one
    const w = await world();
    const [a, b] = [pAt(w, 0), pAt(w, 1)];
    const f = w.fx;
    const m = f.program.methods;
    ok(await w.c.requestUnstake(a, 10n));
    const open = await openJob(w);
    const acc = await acceptedJob(w, b, { maxDuration: 10n });
    const sub = await submittedJob(w, a);
    const dis = await submittedJob(w, a);
    ok(await w.c.disputeJob(dis, hash(3)));
    const gone = await openJob(w);
    ok(await w.c.cancelJob(gone));
    warp(f, 11n);
    const fresh = asProvider(newActor(f, 0n));
    const job9 = jobRef(bAt(w, 1), 999n);
    const cf = configOf(w);
    const cases: [string, TransactionInstruction, Keypair[]][] = [
      ["request_unstake", await m.requestUnstake(new BN(1)).accountsPartial({ config: f.config, provider: a.provider, owner: a.pk }).instruction(), [a.kp]],
      [
        "update_config",
        await m
          .updateConfig(new PublicKey(cf.admin), new PublicKey(cf.slashAuthority), new BN(1), new BN(100), new BN(100), 4, 0, 0, false, new BN(0))
          .accountsPartial({ config: f.config, admin: f.admin.publicKey, treasury: f.treasury })
          .instruction(),
        [f.admin],
      ],
      [
        "update_provider",
        await m
          .updateProvider(GPU_MODEL.h100, 2, 24, REGION.northAmerica, PROVIDER_STATUS.active, hash(1))
          .accountsPartial({ config: f.config, provider: a.provider, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "register_provider",
        await m
          .registerProvider(GPU_MODEL.h100, 1, 1, REGION.unspecified, hash(0), fresh.providerBump, fresh.vaultBump)
          .accountsPartial({ config: f.config, provider: fresh.provider, stakeVault: fresh.vault, stakeMint: f.mint, owner: fresh.pk })
          .instruction(),
        [fresh.kp],
      ],
      [
        "create_job",
        await m
          .createJob(new BN(999), new BN(10), new BN(60), 1, 0, 0, hash(1), job9.jobBump, job9.escrowBump)
          .accountsPartial({ config: f.config, job: job9.job, escrow: job9.escrow, stakeMint: f.mint, buyerToken: job9.buyer.token, buyer: job9.buyer.pk })
          .instruction(),
        [job9.buyer.kp],
      ],
      ["accept_job", await m.acceptJob().accountsPartial({ config: f.config, job: open.job, provider: b.provider, owner: b.pk }).instruction(), [b.kp]],
      [
        "submit_result",
        await m.submitResult(hash(2)).accountsPartial({ config: f.config, job: acc.job, provider: b.provider, owner: b.pk }).instruction(),
        [b.kp],
      ],
      ["dispute_job", await m.disputeJob(hash(4)).accountsPartial({ config: f.config, job: sub.job, buyer: sub.buyer.pk }).instruction(), [sub.buyer.kp]],
      [
        "resolve_dispute",
        await m
          .resolveDispute(5_000)
          .accountsPartial({
            config: f.config,
            job: dis.job,
            escrow: dis.escrow,
            provider: a.provider,
            providerToken: a.token,
            buyerToken: dis.buyer.token,
            rewardVault: f.rewardVault,
            admin: f.admin.publicKey,
          })
          .instruction(),
        [f.admin],
      ],
      [
        "expire_job",
        await m
          .expireJob()
          .accountsPartial({ config: f.config, job: acc.job, escrow: acc.escrow, provider: b.provider, buyerToken: acc.buyer.token, caller: w.outsider.pk })
          .instruction(),
        [w.outsider.kp],
      ],
      [
        "close_job",
        await m
          .closeJob()
          .accountsPartial({ config: f.config, job: gone.job, escrow: gone.escrow, buyer: gone.buyer.pk, treasury: f.treasury, caller: w.outsider.pk })
          .instruction(),
        [w.outsider.kp],
      ],
    ];
    const wrong: string[] = [];
    const checked = new Map<string, number>();
    for (const [name, ix, signers] of cases) {
      for (const meta of ix.keys.filter((k) => k.isWritable && !k.isSigner)) {
        checked.set(name, (checked.get(name) ?? 0) + 1);
        const ro = new TransactionInstruction({
          programId: ix.programId,
          data: ix.data,
          keys: ix.keys.map((k) => ({ ...k, isWritable: k.pubkey.equals(meta.pubkey) ? false : k.isWritable })),
        });
        const keys = [...modelKeys(w), meta.pubkey];
        const before = snapshot(f, keys);
        const out = sendIxs(f, [ro], signers);
        expect(changedKeys(before, snapshot(f, keys))).toEqual([]);
        if (out.ok || out.error !== "AccountNotWritable") wrong.push(`${name}: ${meta.pubkey.toBase58()} read-only -> ${out.ok ? "ok" : out.error}`);
      }
    }
    // Then every writable flag is one the program needs (and every instruction had some to check)
    expect(wrong).toEqual([]);
    expect(cases.filter(([name]) => !checked.has(name)).map(([name]) => name)).toEqual([]);
  });
});

describe("accountability: every slash and every job ending says why", () => {
  it("slash carries its SlashReason and evidence hash; each ending event carries its JobEndReason (the driver checks each against the model)", async () => {
    const w = await world({ providers: 1 });
    const p = pAt(w, 0);
    const out = ok(await w.c.slash(w.fx.slasher, p, 10n, SLASH_REASON.fraud, hash(0xee)));
    const ev = [...new (await import("@coral-xyz/anchor")).EventParser(w.fx.program.programId, w.fx.program.coder).parseLogs(out.logs)].find(
      (e) => e.name === "slashed",
    );
    expect(ev?.data.reason).toEqual({ fraud: {} });
    expect([...((ev?.data.evidenceHash ?? []) as number[])]).toEqual(hash(0xee));
    // cancelled, completed by the buyer, completed by timeout, expired undelivered, dispute resolved
    const c = await openJob(w);
    ok(await w.c.cancelJob(c));
    const byBuyer = await submittedJob(w, p);
    ok(await w.c.completeJob(byBuyer, p, byBuyer.buyer));
    const byTimeout = await submittedJob(w, p);
    warp(w.fx, 601n);
    ok(await w.c.completeJob(byTimeout, p, w.outsider));
    const late = await acceptedJob(w, p, { maxDuration: 10n });
    warp(w.fx, 11n);
    ok(await w.c.expireJob(late, p, w.outsider));
    const disputed = await submittedJob(w, p);
    ok(await w.c.disputeJob(disputed, hash(3)));
    ok(await w.c.resolveDispute(disputed, p, 2_500));
    expect(w.d.violations).toEqual([]);
  });
});
