/**
 * The economic threats P12-P21 (numbers, time, rewards, escrow, state machine,
 * slashing, pause, rent), against the compiled program in LiteSVM. Calls go through
 * the driver, so besides the named error each step is compared field by field with
 * the exact model; rejected calls also prove that no account changed.
 */
import { BN } from "@coral-xyz/anchor";
import { type PublicKey, SystemProgram } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { asProvider, calls, createDriver, jobRef } from "./driver.ts";
import type { ProviderActor } from "./driver.ts";
import {
  ACCOUNT_SIZES,
  createTokenAccount,
  DEFAULT_INIT,
  errorName,
  lamportsOf,
  M,
  newActor,
  rentFor,
  sendTx,
  setupProtocol,
  tokenBalance,
  warp,
} from "./fixtures.ts";
import type { Actor } from "./fixtures.ts";
import { acceptedJob, bAt, disputedJob, expectRejected, hash, HW, ok, openJob, pAt, submittedJob, warpTo, world } from "./scenario.ts";
import type { World } from "./scenario.ts";
import { GPU_MODEL, MAX_DURATION, BPS_DENOMINATOR, MAX_PROVIDER_SHARE_BPS, SLASH_REASON, REGION, PROVIDER_STATUS } from "../../sdk/src/generated/index.ts";

const U64_MAX = M.U64_MAX;
const I64_MAX = M.I64_MAX;

function errOf(out: { ok: boolean; error?: string }): string {
  return out.ok ? "ok" : (out.error ?? "?");
}

function jobOf(w: World, job: PublicKey): M.JobState {
  const j = w.fx.model.jobs.get(job.toBase58());
  if (!j) throw new Error("no job in model");
  return j;
}

function providerOf(w: World, p: ProviderActor): M.ProviderState {
  const s = w.fx.model.providers.get(p.provider.toBase58());
  if (!s) throw new Error("no provider in model");
  return s;
}

/** claimed + owed + pending: everything the protocol owes a provider so far. */
function entitled(w: World, p: ProviderActor): bigint {
  const s = providerOf(w, p);
  const cf = w.fx.model.config;
  if (!cf) throw new Error("no config");
  return s.totalClaimed + s.rewardsOwed + (M.pendingOf(s, cf.accRewardPerStake) ?? 0n);
}

/** A bare world: chosen token balances, no automatic staking. */
async function bareWorld(init: Partial<typeof DEFAULT_INIT>, balances: { providers: bigint[]; buyers: bigint[]; funder: bigint }): Promise<World> {
  const fx = await setupProtocol({ init });
  const d = createDriver(fx);
  const c = calls(d);
  const providers = balances.providers.map((b) => asProvider(newActor(fx, b)));
  for (const p of providers) ok(await c.registerProvider(p, HW));
  return {
    fx,
    d,
    c,
    providers,
    buyers: balances.buyers.map((b) => newActor(fx, b)),
    funder: newActor(fx, balances.funder),
    outsider: newActor(fx, 0n),
    nextJobId: 1n,
  };
}

describe("P12 overflow", () => {
  it("a u64::MAX price settles exactly: fee = floor(price * bps / BPS_DENOMINATOR) without wrapping, payout + fee = price", async () => {
    // Given all of the mint's supply (u64::MAX) with one buyer, and min stake 0 so a provider with no tokens can work
    const w = await bareWorld({ minStakePerGpu: 0n }, { providers: [0n], buyers: [U64_MAX], funder: 0n });
    const p = pAt(w, 0);
    const r = await submittedJob(w, p, { price: U64_MAX });
    // When the buyer completes it
    const before = tokenBalance(w.fx, p.token) ?? 0n;
    ok(await w.c.completeJob(r, p, r.buyer));
    // Then the 128-bit product gives the exact fee (u64 arithmetic would have wrapped)
    const fee = (U64_MAX * 250n) / BigInt(BPS_DENOMINATOR);
    expect(jobOf(w, r.job).fee).toBe(fee);
    expect((tokenBalance(w.fx, p.token) ?? 0n) - before).toBe(U64_MAX - fee);
    expect(tokenBalance(w.fx, r.escrow)).toBe(0n);
  });

  it("u64::MAX stake, unstake and slash amounts and an i64::MAX duration fail with named errors", async () => {
    const w = await world();
    const p = pAt(w, 0);
    expect(errOf(await w.c.stake(p, U64_MAX))).toMatch(/^(InsufficientFunds|TokenInsufficientFunds)$/);
    expect(errOf(await w.c.requestUnstake(p, U64_MAX))).toBe("InsufficientStake");
    expect(errOf(await w.c.slash(w.fx.slasher, p, U64_MAX, SLASH_REASON.failedJob, hash(1)))).toBe("SlashExceedsStake");
    const r = jobRef(bAt(w, 0), 50n);
    for (const maxDuration of [I64_MAX, -1n, 0n]) {
      expect(errOf(await w.c.createJob(r, { price: 1n, maxDuration, minGpus: 1, gpuModel: GPU_MODEL.any, minVramGb: 0, specHash: hash(0) }))).toBe(
        "InvalidDuration",
      );
    }
    expect(errOf(await w.c.createJob(r, { price: U64_MAX, maxDuration: 10n, minGpus: 1, gpuModel: GPU_MODEL.any, minVramGb: 0, specHash: hash(0) }))).toMatch(
      /^(InsufficientFunds|TokenInsufficientFunds)$/,
    );
    const d = await disputedJob(w);
    expect(errOf(await w.c.resolveDispute(d, p, 65_535))).toBe("InvalidArgument");
  });

  it("a large stake on top of a large accumulator settles exactly: accrual is measured from the last stake change, so it never passes what was funded", async () => {
    // Given one unit staked and 2^40 funded: 2^40 reward per staked unit
    const w = await bareWorld({ minStakePerGpu: 0n }, { providers: [1n << 32n], buyers: [], funder: 1n << 40n });
    const p = pAt(w, 0);
    ok(await w.c.stake(p, 1n));
    ok(await w.c.fundRewards(w.funder, 1n << 40n));
    // When the provider adds 2^30 units (stake * acc would be about 2^70 * 2^64)
    ok(await w.c.stake(p, 1n << 30n));
    // Then the whole funding is owed to it, nothing wraps, and the new period starts at acc
    const s = providerOf(w, p);
    expect(s.rewardsOwed).toBe(1n << 40n);
    expect([s.rewardSnapshot, s.rewardDebt]).toEqual([w.fx.model.config?.accRewardPerStake, 0n]);
  });

  it("total_funded (and the accumulator) that would pass their width fail with MathOverflow", async () => {
    // Given one unit staked and u64::MAX - 1 funded to it
    const w = await bareWorld({ minStakePerGpu: 0n }, { providers: [1n], buyers: [], funder: U64_MAX - 1n });
    const p = pAt(w, 0);
    ok(await w.c.stake(p, 1n));
    ok(await w.c.fundRewards(w.funder, U64_MAX - 1n));
    ok(await w.c.claimRewards(p));
    expect(tokenBalance(w.fx, p.token)).toBe(U64_MAX - 1n);
    // When the same tokens are funded again
    const holder: Actor = { kp: p.kp, pk: p.pk, key: p.key, token: p.token };
    const out = await w.c.fundRewards(holder, U64_MAX - 1n);
    // Then MathOverflow (total_funded would be 2 * (2^64 - 2))
    expect(errOf(out)).toBe("MathOverflow");
  });
});

describe("P13 time", () => {
  it("deadlines, challenge windows and unbonding are enforced to the second, zero durations refused", async () => {
    const w = await world();
    const p = pAt(w, 0);
    const cw = DEFAULT_INIT.challengeWindow;
    // submit: allowed at the deadline, refused one second after
    const a1 = await acceptedJob(w, p, { maxDuration: 100n });
    const a2 = await acceptedJob(w, p, { maxDuration: 100n });
    const dl1 = jobOf(w, a1.job).deadline;
    warpTo(w, dl1);
    // expire: refused at the deadline
    expect(errOf(await w.c.expireJob(a2, p, w.outsider))).toBe("DeadlineNotPassed");
    ok(await w.c.submitResult(a1, p, hash(5)));
    warp(w.fx, 1n);
    expect(errOf(await w.c.submitResult(a2, p, hash(5)))).toBe("DeadlinePassed");
    ok(await w.c.expireJob(a2, p, w.outsider));
    // complete by a third party: refused at submitted + window, allowed one second later
    const s1 = jobOf(w, a1.job).submittedAt;
    const s2job = await submittedJob(w, p);
    const s2 = jobOf(w, s2job.job).submittedAt;
    expect(s2).toBeGreaterThan(s1);
    warpTo(w, s1 + cw);
    expect(errOf(await w.c.completeJob(a1, p, w.outsider))).toBe("ChallengeWindowOpen");
    // dispute: allowed at submitted + window (for the job submitted later, refused after)
    warpTo(w, s2 + cw);
    ok(await w.c.disputeJob(s2job, hash(1)));
    const s3job = await submittedJob(w, p);
    const s3 = jobOf(w, s3job.job).submittedAt;
    warpTo(w, s3 + cw + 1n);
    expect(errOf(await w.c.disputeJob(s3job, hash(1)))).toBe("ChallengeWindowClosed");
    ok(await w.c.completeJob(a1, p, w.outsider));
    ok(await w.c.completeJob(s3job, p, w.outsider));
    // withdraw: refused one second before unlock, allowed at it
    ok(await w.c.requestUnstake(p, 10n));
    const unlock = providerOf(w, p).unbondingUnlockAt;
    warpTo(w, unlock - 1n);
    expect(errOf(await w.c.withdrawUnstaked(p))).toBe("StillUnbonding");
    warp(w.fx, 1n);
    ok(await w.c.withdrawUnstaked(p));
    // zero and over-long durations
    const cf = w.fx.model.config;
    if (!cf) throw new Error("no config");
    const base = {
      newAdmin: cf.admin,
      newSlashAuthority: cf.slashAuthority,
      minStakePerGpu: cf.minStakePerGpu,
      unbondingPeriod: cf.unbondingPeriod,
      challengeWindow: cf.challengeWindow,
      protocolFeeBps: cf.protocolFeeBps,
      slashCapBps: cf.slashCapBps,
      paused: false,
    };
    expect(errOf(await w.c.updateConfig(w.fx.admin, { ...base, mask: M.ConfigMask.challengeWindow, challengeWindow: 0n }))).toBe("InvalidDuration");
    expect(errOf(await w.c.updateConfig(w.fx.admin, { ...base, mask: M.ConfigMask.unbondingPeriod, unbondingPeriod: -1n }))).toBe("InvalidDuration");
    expect(errOf(await w.c.updateConfig(w.fx.admin, { ...base, mask: M.ConfigMask.unbondingPeriod, unbondingPeriod: MAX_DURATION + 1n }))).toBe(
      "InvalidDuration",
    );
    ok(await w.c.updateConfig(w.fx.admin, { ...base, mask: M.ConfigMask.challengeWindow, challengeWindow: MAX_DURATION }));
    const r = jobRef(bAt(w, 1), 900n);
    expect(errOf(await w.c.createJob(r, { price: 10n, maxDuration: 0n, minGpus: 1, gpuModel: GPU_MODEL.any, minVramGb: 0, specHash: hash(0) }))).toBe(
      "InvalidDuration",
    );
    ok(await w.c.createJob(r, { price: 10n, maxDuration: MAX_DURATION, minGpus: 1, gpuModel: GPU_MODEL.any, minVramGb: 0, specHash: hash(0) }));
  });
});

/** How many dust stakers P14 uses (GPUNET_DUST overrides; 1,000 in about 20-30 s here). */
const DUST = Number(process.env.GPUNET_DUST ?? 1_000);

describe("P14 rounding drain", () => {
  it(`${DUST} dust stakers and an attacker claiming every slot: claims never exceed what was funded`, async () => {
    // Given DUST providers with 1 unit staked each, and an attacker among them. (Sent
    // straight through Anchor, not the model-checked driver: the model's per-step
    // comparison over a thousand providers would take minutes.)
    const w = await world({ providers: 0 });
    const f = w.fx;
    const prog = f.program;
    const dust: ProviderActor[] = [];
    for (let i = 0; i < DUST; i++) {
      const p = asProvider(newActor(f, 1n, 10_000_000n));
      await prog.methods
        .registerProvider(GPU_MODEL.h100, 1, 1, REGION.unspecified, hash(0), p.providerBump, p.vaultBump)
        .accountsPartial({ config: f.config, provider: p.provider, stakeVault: p.vault, stakeMint: f.mint, owner: p.pk })
        .signers([p.kp])
        .rpc();
      await prog.methods
        .stake(new BN(1))
        .accountsPartial({ config: f.config, provider: p.provider, stakeVault: p.vault, ownerToken: p.token, owner: p.pk })
        .signers([p.kp])
        .rpc();
      dust.push(p);
    }
    const attacker = dust[0];
    if (!attacker) throw new Error("no attacker");
    const claim = async (p: ProviderActor): Promise<bigint> => {
      const before = tokenBalance(f, p.token) ?? 0n;
      try {
        await prog.methods
          .claimRewards()
          .accountsPartial({ config: f.config, provider: p.provider, rewardVault: f.rewardVault, ownerToken: p.token, owner: p.pk })
          .signers([p.kp])
          .rpc();
      } catch (e) {
        expect(errorName(e)).toBe("NothingToClaim");
      }
      return (tokenBalance(f, p.token) ?? 0n) - before;
    };
    // When rewards are funded in small odd amounts and the attacker claims after every one, a slot apart
    let funded = 0n;
    let claimed = 0n;
    let attackerGot = 0n;
    for (let i = 0; i < 200; i++) {
      const amount = BigInt(1 + ((i * 37) % 97));
      await prog.methods
        .fundRewards(new BN(amount.toString()))
        .accountsPartial({ config: f.config, rewardVault: f.rewardVault, funderToken: w.funder.token, funder: w.funder.pk })
        .signers([w.funder.kp])
        .rpc();
      funded += amount;
      warp(f, 1n);
      const got = await claim(attacker);
      attackerGot += got;
      claimed += got;
    }
    // And then everybody claims
    for (const p of dust.slice(1)) claimed += await claim(p);
    // Then the sum of claims is at most what was funded, and the vault holds the difference
    expect(claimed).toBeLessThanOrEqual(funded);
    expect(tokenBalance(f, f.rewardVault)).toBe(funded - claimed);
    // And the attacker got no more than its exact share: funded * 1 / DUST (the stake never changed)
    expect(attackerGot * BigInt(DUST)).toBeLessThanOrEqual(funded);
    const cfg = await prog.account.config.fetch(f.config);
    expect(BigInt(cfg.totalClaimed.toString())).toBe(claimed);
  }, 300_000);

  it("a staker that re-stakes around integer crossings of the accumulator cannot be owed more than was funded (I2) nor more than its exact share (I4)", async () => {
    // Given H with 10 units staked and an attacker A who stakes 1 unit just before a
    // small funding and unstakes right after it (debt = floor(active * acc) rounds in A's favour)
    const w = await world({ providers: 2, stake: 0n, init: { protocolFeeBps: 0, minStakePerGpu: 0n } });
    const [h, a] = [pAt(w, 0), pAt(w, 1)];
    ok(await w.c.stake(h, 10n));
    for (let i = 0; i < 2; i++) {
      ok(await w.c.fundRewards(w.funder, 9n));
      ok(await w.c.stake(a, 1n));
      ok(await w.c.fundRewards(w.funder, 2n));
      ok(await w.c.requestUnstake(a, 1n));
    }
    // When both claim everything they are owed
    const owedH = entitled(w, h);
    const owedA = entitled(w, a);
    const cf = w.fx.model.config;
    if (!cf) throw new Error("no config");
    const exactA = w.fx.model.exactShare.get(a.provider.toBase58()) ?? M.RAT_ZERO;
    const claimA = errOf(await w.c.claimRewards(a));
    const claimH = errOf(await w.c.claimRewards(h));
    // Then what is owed fits in what was funded, so both claims go through,
    // and A is owed no more than its exact share
    // (A's exact share is below one unit, so the protocol owes it nothing at all)
    expect({ claimA, claimH }).toEqual({ claimA: owedA === 0n ? "NothingToClaim" : "ok", claimH: "ok" });
    expect(owedH + owedA, `owed H ${owedH} + A ${owedA}, funded ${cf.totalFunded}`).toBeLessThanOrEqual(cf.totalFunded);
    expect(owedA * exactA.d, `A owed ${owedA}, exact share ${exactA.n}/${exactA.d}`).toBeLessThanOrEqual(exactA.n);
  });
});

describe("P15 stake changes settle first", () => {
  it("stake, unstake and slash between fundings keep every provider within one unit per settlement of the exact BigInt share", async () => {
    const w = await world({ providers: 3, stake: 0n, init: { minStakePerGpu: 0n } });
    const [a, b, c] = [pAt(w, 0), pAt(w, 1), pAt(w, 2)];
    ok(await w.c.stake(a, 1_000n));
    ok(await w.c.fundRewards(w.funder, 7_777n));
    ok(await w.c.stake(b, 333n));
    ok(await w.c.fundRewards(w.funder, 1_001n));
    ok(await w.c.stake(a, 17n));
    ok(await w.c.requestUnstake(b, 100n));
    ok(await w.c.fundRewards(w.funder, 12_345n));
    ok(await w.c.slash(w.fx.slasher, a, 200n, SLASH_REASON.failedJob, hash(1)));
    ok(await w.c.stake(c, 5n));
    ok(await w.c.fundRewards(w.funder, 99n));
    ok(await w.c.claimRewards(b));
    ok(await w.c.requestUnstake(a, 817n));
    ok(await w.c.fundRewards(w.funder, 50_000n));
    for (const p of [a, b, c]) {
      const ex = w.fx.model.exactShare.get(p.provider.toBase58()) ?? M.RAT_ZERO;
      const n = (w.fx.model.settlements.get(p.provider.toBase58()) ?? 0n) + 1n;
      const got = entitled(w, p);
      // |exact - entitled| <= settlements + 1, in integers: |ex.n - got * ex.d| <= n * ex.d
      const diff = ex.n - got * ex.d;
      expect((diff < 0n ? -diff : diff) <= n * ex.d, `entitled ${got}, exact ${ex.n}/${ex.d}, settlements ${n}`).toBe(true);
    }
  });
});

describe("P16 funding with no stake", () => {
  it("rewards funded while nothing is staked go to the stake that arrives, never stuck", async () => {
    const w = await world({ providers: 2, stake: 0n, init: { minStakePerGpu: 0n } });
    const [a, b] = [pAt(w, 0), pAt(w, 1)];
    ok(await w.c.fundRewards(w.funder, 1_000n));
    const cf0 = w.fx.model.config;
    expect([cf0?.unallocatedRewards, cf0?.accRewardPerStake]).toEqual([1_000n, 0n]);
    // A stakes 3: the stream waited while nothing was staked; A's claim releases the 1,000 to A
    ok(await w.c.stake(a, 3n));
    expect(w.fx.model.config?.unallocatedRewards).toBe(1_000n);
    ok(await w.c.claimRewards(a));
    expect(w.fx.model.config?.unallocatedRewards).toBe(0n);
    expect(providerOf(w, a).totalClaimed).toBeGreaterThanOrEqual(999n);
    // A leaves; a new funding waits for B
    ok(await w.c.requestUnstake(a, 3n));
    ok(await w.c.fundRewards(w.funder, 500n));
    expect(w.fx.model.config?.unallocatedRewards).toBe(500n);
    ok(await w.c.stake(b, 7n));
    ok(await w.c.claimRewards(b));
    expect(providerOf(w, b).totalClaimed).toBeGreaterThanOrEqual(499n);
    // and a job fee earned while nothing is staked waits as well
    ok(await w.c.requestUnstake(b, 7n));
    const r = await openJob(w, { price: 1_000_000n });
    const pc = asProvider(newActor(w.fx, 0n));
    ok(await w.c.registerProvider(pc, HW));
    ok(await w.c.acceptJob(r, pc));
    ok(await w.c.submitResult(r, pc, hash(1)));
    ok(await w.c.completeJob(r, pc, r.buyer));
    expect(w.fx.model.config?.unallocatedRewards).toBe(25_000n);
  });
});

describe("P17 escrow conservation", () => {
  it("complete, cancel, expire and every dispute split: provider + fee + refund = deposit, escrow 0", async () => {
    const w = await world();
    const p = pAt(w, 0);
    const f = w.fx;
    const price = 1_000_003n;
    const check = async (r: ReturnType<typeof jobRef>, run: () => Promise<unknown>, want: { payout: bigint; fee: bigint; refund: bigint }) => {
      const [pb, rv, bb] = [tokenBalance(f, p.token) ?? 0n, tokenBalance(f, f.rewardVault) ?? 0n, tokenBalance(f, r.buyer.token) ?? 0n];
      await run();
      const got = {
        payout: (tokenBalance(f, p.token) ?? 0n) - pb,
        fee: (tokenBalance(f, f.rewardVault) ?? 0n) - rv,
        refund: (tokenBalance(f, r.buyer.token) ?? 0n) - bb,
      };
      expect(got).toEqual(want);
      expect(got.payout + got.fee + got.refund).toBe(price);
      expect(tokenBalance(f, r.escrow)).toBe(0n);
      const j = jobOf(w, r.job);
      expect({ payout: j.providerPayout, fee: j.fee, refund: j.refund }).toEqual(want);
    };
    const fee = (price * 250n) / BigInt(BPS_DENOMINATOR);
    const c1 = await submittedJob(w, p, { price });
    await check(c1, async () => ok(await w.c.completeJob(c1, p, c1.buyer)), { payout: price - fee, fee, refund: 0n });
    const c2 = await openJob(w, { price });
    await check(c2, async () => ok(await w.c.cancelJob(c2)), { payout: 0n, fee: 0n, refund: price });
    const c3 = await acceptedJob(w, p, { price, maxDuration: 5n });
    warp(f, 6n);
    await check(c3, async () => ok(await w.c.expireJob(c3, p, w.outsider)), { payout: 0n, fee: 0n, refund: price });
    for (const share of [0, 1, 3_333, 4_999, 5_000, 9_999, MAX_PROVIDER_SHARE_BPS]) {
      const r = await disputedJob(w, p, { price });
      const s = M.disputeSplit(price, share, 250);
      await check(r, async () => ok(await w.c.resolveDispute(r, p, share)), { payout: s.payout, fee: s.fee, refund: s.refund });
    }
  });
});

describe("P18 illegal transitions", () => {
  it("double complete, accept after cancel, submit after expiry and the like fail with InvalidJobState, balances unchanged", async () => {
    const w = await world();
    const [p, q] = [pAt(w, 0), pAt(w, 1)];
    const f = w.fx;
    const done = await submittedJob(w, p);
    ok(await w.c.completeJob(done, p, done.buyer));
    const cancelled = await openJob(w);
    ok(await w.c.cancelJob(cancelled));
    const expired = await acceptedJob(w, p, { maxDuration: 5n });
    warp(f, 6n);
    ok(await w.c.expireJob(expired, p, w.outsider));
    const open = await openJob(w);
    const submitted = await submittedJob(w, p);
    const cases: [string, () => Promise<unknown>][] = [
      [
        "complete twice",
        () =>
          f.program.methods
            .completeJob()
            .accountsPartial({
              config: f.config,
              job: done.job,
              escrow: done.escrow,
              provider: p.provider,
              providerToken: p.token,
              rewardVault: f.rewardVault,
              authority: done.buyer.pk,
            })
            .signers([done.buyer.kp])
            .rpc(),
      ],
      [
        "accept after cancel",
        () => f.program.methods.acceptJob().accountsPartial({ config: f.config, job: cancelled.job, provider: q.provider, owner: q.pk }).signers([q.kp]).rpc(),
      ],
      [
        "submit after expiry",
        () =>
          f.program.methods
            .submitResult(hash(1))
            .accountsPartial({ config: f.config, job: expired.job, provider: p.provider, owner: p.pk })
            .signers([p.kp])
            .rpc(),
      ],
      [
        "expire twice",
        () =>
          f.program.methods
            .expireJob()
            .accountsPartial({
              config: f.config,
              job: expired.job,
              escrow: expired.escrow,
              provider: p.provider,
              buyerToken: expired.buyer.token,
              caller: w.outsider.pk,
            })
            .signers([w.outsider.kp])
            .rpc(),
      ],
      [
        "cancel after complete",
        () =>
          f.program.methods
            .cancelJob()
            .accountsPartial({ config: f.config, job: done.job, escrow: done.escrow, buyerToken: done.buyer.token, buyer: done.buyer.pk })
            .signers([done.buyer.kp])
            .rpc(),
      ],
      [
        "submit on an open job",
        () =>
          f.program.methods.submitResult(hash(1)).accountsPartial({ config: f.config, job: open.job, provider: p.provider, owner: p.pk }).signers([p.kp]).rpc(),
      ],
      [
        "dispute an open job",
        () => f.program.methods.disputeJob(hash(1)).accountsPartial({ config: f.config, job: open.job, buyer: open.buyer.pk }).signers([open.buyer.kp]).rpc(),
      ],
      [
        "resolve an undisputed job",
        () =>
          f.program.methods
            .resolveDispute(5_000)
            .accountsPartial({
              config: f.config,
              job: submitted.job,
              escrow: submitted.escrow,
              provider: p.provider,
              providerToken: p.token,
              buyerToken: submitted.buyer.token,
              rewardVault: f.rewardVault,
              admin: f.admin.publicKey,
            })
            .signers([f.admin])
            .rpc(),
      ],
      [
        "expire a submitted job",
        () =>
          f.program.methods
            .expireJob()
            .accountsPartial({
              config: f.config,
              job: submitted.job,
              escrow: submitted.escrow,
              provider: p.provider,
              buyerToken: submitted.buyer.token,
              caller: w.outsider.pk,
            })
            .signers([w.outsider.kp])
            .rpc(),
      ],
      [
        "close an open job",
        () =>
          f.program.methods
            .closeJob()
            .accountsPartial({ job: open.job, escrow: open.escrow, buyer: open.buyer.pk, treasury: f.treasury, caller: w.outsider.pk })
            .signers([w.outsider.kp])
            .rpc(),
      ],
      [
        "accept an accepted job",
        () => f.program.methods.acceptJob().accountsPartial({ config: f.config, job: submitted.job, provider: q.provider, owner: q.pk }).signers([q.kp]).rpc(),
      ],
    ];
    const got: Record<string, string> = {};
    for (const [name, call] of cases) got[name] = await expectRejected(w, call, ["InvalidJobState", "Unauthorized"]);
    // docs/protocol.md names InvalidJobState for a call in the wrong state. Submitting on
    // an open job also comes from a provider the job does not name (it names none yet),
    // and the document does not order the checks, so Unauthorized is as right there.
    expect(Object.entries(got).filter(([name, e]) => e !== "InvalidJobState" && !(name === "submit on an open job" && e === "Unauthorized"))).toEqual([]);
  });
});

describe("P19 slash bounds", () => {
  it("more than stake, over the epoch cap, by a non-slasher and to another account are refused; during unbonding it is allowed", async () => {
    const w = await world({ init: { slashCapBps: 5_000 } });
    const [p, q] = [pAt(w, 0), pAt(w, 1)];
    const f = w.fx;
    // more than stake
    expect(errOf(await w.c.slash(f.slasher, p, 10_001n, SLASH_REASON.failedJob, hash(1)))).toBe("SlashExceedsStake");
    // over the per-epoch cap (50% of 10,000): 5,000 passes, then 1 more does not, until the next epoch
    expect(errOf(await w.c.slash(f.slasher, p, 5_001n, SLASH_REASON.failedJob, hash(1)))).toBe("SlashCapExceeded");
    ok(await w.c.slash(f.slasher, p, 4_000n, SLASH_REASON.failedJob, hash(1)));
    ok(await w.c.slash(f.slasher, p, 1_000n, SLASH_REASON.failedJob, hash(1)));
    expect(errOf(await w.c.slash(f.slasher, p, 1n, SLASH_REASON.failedJob, hash(1)))).toBe("SlashCapExceeded");
    warp(f, 1n, 1n);
    ok(await w.c.slash(f.slasher, p, 1n, SLASH_REASON.failedJob, hash(1)));
    // by someone else than the slash authority (admin, the provider itself)
    expect(errOf(await w.c.slash(f.admin, p, 1n, SLASH_REASON.failedJob, hash(1)))).toBe("Unauthorized");
    expect(errOf(await w.c.slash(p.kp, p, 1n, SLASH_REASON.failedJob, hash(1)))).toBe("Unauthorized");
    // to another account than the treasury
    const mine = createTokenAccount(f, f.slasher.publicKey);
    const e = await expectRejected(
      w,
      () =>
        f.program.methods
          .slash(new BN(10), { failedJob: {} }, hash(1))
          .accountsPartial({ config: f.config, provider: p.provider, stakeVault: p.vault, treasury: mine, slashAuthority: f.slasher.publicKey })
          .signers([f.slasher])
          .rpc(),
      ["WrongVault", "WrongTokenOwner", "InvalidArgument"],
      [mine],
    );
    expect(["WrongVault", "WrongTokenOwner", "InvalidArgument"]).toContain(e);
    // during unbonding: all of q's stake is unbonding, and after unlock, before withdrawal
    ok(await w.c.requestUnstake(q, 10_000n));
    ok(await w.c.slash(f.slasher, q, 3_000n, SLASH_REASON.fraud, hash(2)));
    expect([providerOf(w, q).activeStake, providerOf(w, q).unbondingAmount]).toEqual([0n, 7_000n]);
    warp(f, DEFAULT_INIT.unbondingPeriod + 10n, 1n);
    ok(await w.c.slash(f.slasher, q, 1_000n, SLASH_REASON.fraud, hash(2)));
    const before = tokenBalance(f, q.token) ?? 0n;
    ok(await w.c.withdrawUnstaked(q));
    expect((tokenBalance(f, q.token) ?? 0n) - before).toBe(6_000n);
  });
});

describe("P20 pause", () => {
  type JobSet = Record<"open" | "accepted" | "submitted" | "submitted2" | "disputed" | "done" | "expiring", ReturnType<typeof jobRef>>;
  async function pausedWorld(): Promise<{ w: World; jobs: JobSet }> {
    const w = await world({ providers: 3 });
    const [p, q] = [pAt(w, 0), pAt(w, 1)];
    ok(await w.c.fundRewards(w.funder, 10_000n));
    ok(await w.c.requestUnstake(q, 100n));
    const jobs: JobSet = {
      open: await openJob(w),
      accepted: await acceptedJob(w, p, { maxDuration: 50n }),
      submitted: await submittedJob(w, p),
      submitted2: await submittedJob(w, p),
      disputed: await disputedJob(w, p),
      done: await openJob(w),
      expiring: await acceptedJob(w, p, { maxDuration: 50n }),
    };
    ok(await w.c.cancelJob(jobs.done));
    warp(w.fx, DEFAULT_INIT.unbondingPeriod + 100n);
    const cf = w.fx.model.config;
    if (!cf) throw new Error("no config");
    ok(
      await w.c.updateConfig(w.fx.admin, {
        newAdmin: cf.admin,
        newSlashAuthority: cf.slashAuthority,
        minStakePerGpu: cf.minStakePerGpu,
        unbondingPeriod: cf.unbondingPeriod,
        challengeWindow: cf.challengeWindow,
        mask: M.ConfigMask.paused,
        protocolFeeBps: cf.protocolFeeBps,
        slashCapBps: cf.slashCapBps,
        paused: true,
      }),
    );
    return { w, jobs };
  }

  it("every state-changing user instruction fails with Paused while paused; the admin and slasher still act", async () => {
    const { w, jobs } = await pausedWorld();
    const [p, q, r] = [pAt(w, 0), pAt(w, 1), pAt(w, 2)];
    const fresh = asProvider(newActor(w.fx, 1_000n));
    const results: Record<string, string> = {
      register_provider: errOf(await w.c.registerProvider(fresh, HW)),
      update_provider: errOf(await w.c.updateProvider(p, HW, PROVIDER_STATUS.inactive)),
      stake: errOf(await w.c.stake(p, 10n)),
      request_unstake: errOf(await w.c.requestUnstake(p, 10n)),
      withdraw_unstaked: errOf(await w.c.withdrawUnstaked(q)),
      fund_rewards: errOf(await w.c.fundRewards(w.funder, 10n)),
      claim_rewards: errOf(await w.c.claimRewards(p)),
      create_job: errOf(
        await w.c.createJob(jobRef(bAt(w, 1), 500n), { price: 10n, maxDuration: 10n, minGpus: 1, gpuModel: GPU_MODEL.any, minVramGb: 0, specHash: hash(0) }),
      ),
      cancel_job: errOf(await w.c.cancelJob(jobs.open)),
      accept_job: errOf(await w.c.acceptJob(jobs.open, r)),
      submit_result: errOf(await w.c.submitResult(jobs.accepted, p, hash(1))),
      complete_job: errOf(await w.c.completeJob(jobs.submitted, p, jobs.submitted.buyer)),
      complete_job_by_timeout: errOf(await w.c.completeJob(jobs.submitted2, p, w.outsider)),
      dispute_job: errOf(await w.c.disputeJob(jobs.submitted, hash(1))),
      expire_job: errOf(await w.c.expireJob(jobs.expiring, p, w.outsider)),
    };
    expect(Object.entries(results).filter(([, e]) => e !== "Paused")).toEqual([]);
    // the admin and the slash authority still act
    ok(await w.c.resolveDispute(jobs.disputed, p, 7_000));
    ok(await w.c.slash(w.fx.slasher, q, 10n, SLASH_REASON.failedJob, hash(1)));
    const cf = w.fx.model.config;
    if (!cf) throw new Error("no config");
    ok(
      await w.c.updateConfig(w.fx.admin, {
        newAdmin: cf.admin,
        newSlashAuthority: cf.slashAuthority,
        minStakePerGpu: cf.minStakePerGpu,
        unbondingPeriod: cf.unbondingPeriod,
        challengeWindow: cf.challengeWindow,
        mask: M.ConfigMask.paused,
        protocolFeeBps: cf.protocolFeeBps,
        slashCapBps: cf.slashCapBps,
        paused: false,
      }),
    );
    ok(await w.c.stake(p, 10n));
  });

  it("close_job fails with Paused while paused (docs/protocol.md: every instruction but update_config, slash, resolve_dispute)", async () => {
    const { w, jobs } = await pausedWorld();
    const out = await w.c.closeJob(jobs.done, w.outsider);
    expect(errOf(out)).toBe("Paused");
  });
});

describe("P21 rent", () => {
  it("rent goes back only to the buyer who paid it; every created account is rent exempt", async () => {
    const w = await world();
    const f = w.fx;
    const r = await openJob(w);
    // created accounts hold at least the rent-exempt minimum for their size
    const p = pAt(w, 0);
    for (const [k, size] of [
      [f.config, ACCOUNT_SIZES.config],
      [p.provider, ACCOUNT_SIZES.provider],
      [r.job, ACCOUNT_SIZES.job],
      [f.rewardVault, 165],
      [p.vault, 165],
      [r.escrow, 165],
    ] as const) {
      const acct = f.env.getAccount(k);
      expect(acct?.data.length, k.toBase58()).toBe(size);
      expect(lamportsOf(f, k) >= rentFor(f, size), k.toBase58()).toBe(true);
    }
    ok(await w.c.cancelJob(r));
    // rent to someone other than the buyer
    const other = bAt(w, 1);
    const stolen = await expectRejected(
      w,
      () =>
        f.program.methods
          .closeJob()
          .accountsPartial({ job: r.job, escrow: r.escrow, buyer: other.pk, treasury: f.treasury, caller: w.outsider.pk })
          .signers([w.outsider.kp])
          .rpc(),
      ["WrongRentReceiver"],
      [r.job, r.escrow, other.pk],
    );
    expect(stolen).toBe("WrongRentReceiver");
    // to the buyer: both accounts' lamports, exactly (checked inside closeJob)
    ok(await w.c.closeJob(r, w.outsider));
    expect(f.env.getAccount(r.job)).toBeNull();
    expect(f.env.getAccount(r.escrow)).toBeNull();
  });

  it("a PDA pre-funded with lamports by a third party still gets created (rent exempt) instead of being blocked", async () => {
    // Given an attacker who sends lamports to a buyer's next job PDA and to a future provider's PDA
    const w = await world();
    const f = w.fx;
    const buyer = bAt(w, 0);
    const r = jobRef(buyer, 4242n);
    const fresh = asProvider(newActor(f, 10_000n));
    const dust = rentFor(f, 0);
    sendTx(
      f,
      [
        SystemProgram.transfer({ fromPubkey: w.outsider.pk, toPubkey: r.job, lamports: Number(dust) }),
        SystemProgram.transfer({ fromPubkey: w.outsider.pk, toPubkey: fresh.provider, lamports: Number(dust) }),
      ],
      [w.outsider.kp],
    );
    // When they create the job and register
    const created = await w.c.createJob(r, { price: 10n, maxDuration: 10n, minGpus: 1, gpuModel: GPU_MODEL.any, minVramGb: 0, specHash: hash(0) });
    const registered = await w.c.registerProvider(fresh, HW);
    // Then both succeed (an account that already holds lamports is funded up, allocated and assigned)
    expect({ createJob: errOf(created), registerProvider: errOf(registered) }).toEqual({ createJob: "ok", registerProvider: "ok" });
    expect(lamportsOf(f, r.job) >= rentFor(f, ACCOUNT_SIZES.job)).toBe(true);
  });
});
