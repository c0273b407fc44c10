/**
 * Seeded random workload: >= 1,000 random steps of every instruction through
 * Anchor's `Program<Gpunet>` on the real program in LiteSVM, each checked against
 * the exact model (model.ts): same outcome (the program's error is one the model
 * names), every account field equal, invariants I1-I6. Rewards stream over 900 s;
 * the steps include pauses, fee, window and reward-period changes under live jobs,
 * just-in-time stakes around fundings, tokens sent into escrows and vaults from
 * outside, and expiries of accepted and unaccepted jobs.
 *
 * Seed: printed at the start; set GPUNET_SEED=<n> to replay a run, GPUNET_STEPS=<n>
 * to change its length (default 1,500).
 */
import { PublicKey } from "@solana/web3.js";
import type { Keypair } from "@solana/web3.js";
import { beforeAll, describe, expect, it } from "vitest";
import { asProvider, calls, createDriver, jobRef, Mismatch } from "./driver.ts";
import type { Driver, HardwareArgs, JobRef, ProviderActor } from "./driver.ts";
import { createMint, createTokenAccount, newActor, sendTx, setupProtocol, warp } from "./fixtures.ts";
import type { Actor, Fixture } from "./fixtures.ts";
import { ConfigMask, donate, JobStatus } from "./model.ts";
import { createTransferInstruction } from "@solana/spl-token";
import { createRng, seedFromEnv } from "./rng.ts";
import type { Rng } from "./rng.ts";
import {
  CONFIG_MASK_ALL,
  SLASH_REASONS,
  GPU_MODEL,
  PROVIDER_STATUS,
  BPS_DENOMINATOR,
  MAX_DURATION,
  MAX_PROVIDER_SHARE_BPS,
  MAX_PROTOCOL_FEE_BPS,
  MAX_SLASH_CAP_BPS,
  PROVIDER_STATUSES,
} from "../../sdk/src/generated/index.ts";

const SEED = seedFromEnv();
const STEPS = Number(process.env.GPUNET_STEPS ?? 1500);
const TOKENS = 10_000_000_000_000n;

interface World {
  fx: Fixture;
  d: Driver;
  c: ReturnType<typeof calls>;
  rng: Rng;
  providers: ProviderActor[];
  buyers: Actor[];
  funder: Actor;
  outsider: Actor;
  jobs: JobRef[];
  nextJobId: Map<string, bigint>;
  /** Keys that take turns as admin and as slash authority (update_config rotates them). */
  admins: Keypair[];
  slashers: Keypair[];
  /** Treasury candidates: two of the stake mint, one of another mint (refused). */
  treasuries: PublicKey[];
}

/** The keypair currently holding a role (by the model's Config), else the first. */
function holder(keys: Keypair[], current: string): Keypair {
  const k = keys.find((x) => x.publicKey.toBase58() === current) ?? keys[0];
  if (!k) throw new Error("workload: no keys");
  return k;
}

function hardware(rng: Rng): HardwareArgs {
  return { gpuModel: rng.int(1, 3), gpuCount: rng.int(1, 8), vramGb: rng.pick([8, 16, 24, 48, 80]), region: rng.int(0, 5), metadataHash: rng.bytes32() };
}

function registered(w: World): ProviderActor[] {
  return w.providers.filter((p) => w.fx.model.providers.has(p.provider.toBase58()));
}

function jobsIn(w: World, states: number[]): JobRef[] {
  return w.jobs.filter((j) => {
    const s = w.fx.model.jobs.get(j.job.toBase58());
    return s !== undefined && states.includes(s.state);
  });
}

function providerOf(w: World, r: JobRef): ProviderActor | undefined {
  const pk = w.fx.model.jobs.get(r.job.toBase58())?.provider;
  return w.providers.find((p) => p.provider.toBase58() === pk);
}

/** An amount: mostly sensible, sometimes dust, zero or too much. */
function amount(rng: Rng, max: bigint): bigint {
  const k = rng.weighted([4, 3, 2, 1, 1]);
  if (k === 0) return rng.big(1n, max > 1n ? max : 1n);
  if (k === 1) return rng.big(1n, 1_000n);
  if (k === 2) return rng.big(1_000n, 100_000_000n);
  if (k === 3) return 0n;
  return max + rng.big(1n, 1_000n);
}

async function step(w: World): Promise<void> {
  const { rng, c, fx } = w;
  const m = fx.model;
  const cf = m.config;
  if (!cf) throw new Error("workload: no config");
  const reg = registered(w);
  const unreg = w.providers.filter((p) => !m.providers.has(p.provider.toBase58()));
  // Jobs waiting for their next step pull the workload toward that step.
  const nAccepted = jobsIn(w, [JobStatus.Accepted]).length;
  const nSubmitted = jobsIn(w, [JobStatus.Submitted]).length;
  const nDisputed = jobsIn(w, [JobStatus.Disputed]).length;
  const weights = [
    unreg.length > 0 ? 6 : 0, // 0 register
    reg.length > 0 ? 3 : 0, // 1 update provider
    reg.length > 0 ? 18 : 0, // 2 stake
    reg.length > 0 ? 7 : 0, // 3 request unstake
    reg.length > 0 ? 5 : 0, // 4 withdraw
    9, // 5 fund
    reg.length > 0 ? 9 : 0, // 6 claim
    reg.length > 0 ? 5 : 0, // 7 slash
    12, // 8 create job
    3, // 9 cancel
    reg.length > 0 ? 10 : 0, // 10 accept
    3 + 4 * Math.min(nAccepted, 5), // 11 submit
    3 + 4 * Math.min(nSubmitted, 5), // 12 complete
    2 + 2 * Math.min(nSubmitted, 5), // 13 dispute
    2 + 3 * Math.min(nDisputed, 5), // 14 resolve
    4, // 15 expire
    5, // 16 close
    9, // 17 warp
    cf.paused ? 25 : 2, // 18 update config
    reg.length > 1 ? 2 : 0, // 19 wrong-owner attempts (I6 probes)
    3, // 20 tokens sent into an escrow or vault from outside
    reg.length > 0 ? 2 : 0, // 21 just-in-time stake around a funding
  ];
  const k = rng.weighted(weights);
  const anyProvider = (): ProviderActor => rng.pick(reg);
  switch (k) {
    case 0:
      await c.registerProvider(rng.pick(unreg), hardware(rng));
      return;
    case 1: {
      const hw = hardware(rng);
      await c.updateProvider(
        anyProvider(),
        hw,
        rng.chance(0.8) ? PROVIDER_STATUS.active : rng.chance(0.8) ? PROVIDER_STATUS.inactive : PROVIDER_STATUSES.length,
      );
      return;
    }
    case 2: {
      const p = anyProvider();
      const bal = m.tokens.get(p.token.toBase58())?.amount ?? 0n;
      const a = rng.chance(0.3) ? BigInt(rng.int(1, 9)) * cf.minStakePerGpu : amount(rng, bal < 50_000_000n ? bal : 50_000_000n);
      await c.stake(p, a);
      return;
    }
    case 3: {
      const p = anyProvider();
      const active = m.providers.get(p.provider.toBase58())?.activeStake ?? 0n;
      await c.requestUnstake(p, rng.chance(0.15) ? active : amount(rng, active));
      return;
    }
    case 4:
      await c.withdrawUnstaked(anyProvider());
      return;
    case 5: {
      const funder = rng.chance(0.8) ? w.funder : rng.pick(w.buyers);
      await c.fundRewards(funder, rng.chance(0.3) ? rng.big(1n, 50n) : amount(rng, 10_000_000n));
      return;
    }
    case 6:
      await c.claimRewards(anyProvider());
      return;
    case 7: {
      const p = anyProvider();
      const ps = m.providers.get(p.provider.toBase58());
      const total = (ps?.activeStake ?? 0n) + (ps?.unbondingAmount ?? 0n);
      const capish = (total * BigInt(cf.slashCapBps)) / BigInt(BPS_DENOMINATOR);
      const a = rng.chance(0.6) ? rng.big(0n, capish > 0n ? capish : 1n) : amount(rng, total);
      const slasher = holder(w.slashers, cf.slashAuthority);
      const signer = rng.chance(0.9) ? slasher : rng.pick([...w.slashers, ...w.admins, p.kp]);
      await c.slash(signer, p, a, rng.int(0, SLASH_REASONS.length - 1), rng.bytes32());
      return;
    }
    case 8: {
      const buyer = rng.chance(0.9) ? rng.pick(w.buyers) : rng.pick(w.providers);
      const id = w.nextJobId.get(buyer.key) ?? 0n;
      // Mostly fresh ids; sometimes an id in use (AlreadyInitialized while the job lives).
      const jobId = rng.chance(0.05) && id > 0n ? rng.big(0n, id - 1n) : id;
      if (jobId === id) w.nextJobId.set(buyer.key, id + 1n);
      const r = jobRef(buyer, jobId);
      const price = rng.chance(0.1) ? rng.pick([0n, 1n, 39n, 9_999n]) : rng.big(10_000n, 100_000_000n);
      const maxDuration = rng.chance(0.05)
        ? rng.pick([0n, -5n, MAX_DURATION + 1n, MAX_DURATION])
        : rng.chance(0.3)
          ? rng.big(30n, 600n)
          : rng.big(1_000n, 20_000n);
      const minGpus = rng.chance(0.03) ? 0 : rng.int(1, 4);
      const out = await c.createJob(r, {
        price,
        maxDuration,
        minGpus,
        gpuModel: rng.chance(0.5) ? GPU_MODEL.any : rng.int(1, 3),
        minVramGb: rng.pick([0, 8, 16, 24]),
        specHash: rng.bytes32(),
      });
      if (out.ok && !w.jobs.some((j) => j.job.equals(r.job))) w.jobs.push(r);
      return;
    }
    case 9: {
      const open = jobsIn(w, [JobStatus.Open]);
      const r = open.length > 0 && rng.chance(0.8) ? rng.pick(open) : w.jobs.length > 0 ? rng.pick(w.jobs) : undefined;
      if (!r || !m.jobs.has(r.job.toBase58())) return;
      await c.cancelJob(r, rng.chance(0.9) ? r.buyer : w.outsider);
      return;
    }
    case 10: {
      const open = jobsIn(w, [JobStatus.Open]);
      const pool = open.length > 0 && rng.chance(0.85) ? open : jobsIn(w, [0, 1, 2, 3, 4, 5, 6, 7]);
      if (pool.length === 0) return;
      const r = rng.pick(pool);
      const js = m.jobs.get(r.job.toBase58());
      // Mostly a provider that qualifies (so jobs move on); sometimes any (named refusals).
      const fit = reg.filter((p) => {
        const ps = m.providers.get(p.provider.toBase58());
        return (
          js &&
          ps &&
          ps.status === PROVIDER_STATUS.active &&
          ps.owner !== js.buyer &&
          ps.gpuCount >= js.minGpus &&
          ps.vramGb >= js.minVramGb &&
          (js.gpuModel === GPU_MODEL.any || ps.gpuModel === js.gpuModel) &&
          ps.activeStake >= cf.minStakePerGpu * BigInt(ps.gpuCount)
        );
      });
      await c.acceptJob(r, fit.length > 0 && rng.chance(0.75) ? rng.pick(fit) : anyProvider());
      return;
    }
    case 11: {
      const acc = jobsIn(w, [JobStatus.Accepted]);
      const pool = acc.length > 0 && rng.chance(0.85) ? acc : jobsIn(w, [0, 1, 2, 3, 4, 5, 6, 7]);
      if (pool.length === 0) return;
      const r = rng.pick(pool);
      const owner = providerOf(w, r);
      const pa = owner && rng.chance(0.9) ? owner : reg.length > 0 ? anyProvider() : undefined;
      if (!pa) return;
      await c.submitResult(r, pa, rng.bytes32());
      return;
    }
    case 12: {
      const sub = jobsIn(w, [JobStatus.Submitted]);
      const pool = sub.length > 0 && rng.chance(0.85) ? sub : jobsIn(w, [1, 2, 3, 4, 5, 6, 7]);
      if (pool.length === 0) return;
      const r = rng.pick(pool);
      const pa = providerOf(w, r);
      if (!pa) return;
      await c.completeJob(r, pa, rng.chance(0.5) ? r.buyer : rng.pick([w.outsider, w.funder, pa]));
      return;
    }
    case 13: {
      const sub = jobsIn(w, [JobStatus.Submitted]);
      const pool = sub.length > 0 && rng.chance(0.85) ? sub : jobsIn(w, [0, 1, 2, 3, 4, 5, 6, 7]);
      if (pool.length === 0) return;
      const r = rng.pick(pool);
      await c.disputeJob(r, rng.bytes32(), rng.chance(0.9) ? r.buyer : w.outsider);
      return;
    }
    case 14: {
      const dis = jobsIn(w, [JobStatus.Disputed]);
      const pool = dis.length > 0 && rng.chance(0.85) ? dis : jobsIn(w, [1, 2, 3, 4, 5, 6, 7]);
      if (pool.length === 0) return;
      const r = rng.pick(pool);
      const pa = providerOf(w, r);
      if (!pa) return;
      const share = rng.chance(0.1)
        ? rng.pick([MAX_PROVIDER_SHARE_BPS + 1, 65_535])
        : rng.pick([0, 1, 4_999, 5_000, MAX_PROVIDER_SHARE_BPS, rng.int(0, MAX_PROVIDER_SHARE_BPS)]);
      await c.resolveDispute(r, pa, share, rng.chance(0.92) ? holder(w.admins, cf.admin) : rng.pick([...w.admins, ...w.slashers]));
      return;
    }
    case 15: {
      const acc = jobsIn(w, [JobStatus.Accepted]);
      const pool = acc.length > 0 && rng.chance(0.85) ? acc : jobsIn(w, [0, 1, 2, 3, 4, 5, 6, 7]);
      if (pool.length === 0) return;
      const r = rng.pick(pool);
      if (m.jobs.get(r.job.toBase58())?.state === JobStatus.Open) {
        await c.expireJob(r, null, rng.pick([w.outsider, w.funder, r.buyer]));
        return;
      }
      const pa = providerOf(w, r);
      if (!pa) return;
      await c.expireJob(r, pa, rng.pick([w.outsider, w.funder, r.buyer]));
      return;
    }
    case 16: {
      const done = jobsIn(w, [4, 5, 6, 7]);
      const pool = done.length > 0 && rng.chance(0.85) ? done : jobsIn(w, [0, 1, 2, 3, 4, 5, 6, 7]);
      if (pool.length === 0) return;
      const r = rng.pick(pool);
      const out = await c.closeJob(r, rng.pick([w.outsider, r.buyer, w.funder]));
      if (out.ok) w.jobs = w.jobs.filter((j) => !j.job.equals(r.job));
      return;
    }
    case 20: {
      // A donation: a plain SPL transfer the program never sees.
      const live = jobsIn(w, [0, 1, 2, 3, 4, 5, 6, 7]);
      const to =
        live.length > 0 && rng.chance(0.7) ? rng.pick(live).escrow : rng.chance(0.5) ? fx.rewardVault : reg.length > 0 ? rng.pick(reg).vault : fx.rewardVault;
      const amt = rng.chance(0.5) ? 1n : rng.big(2n, 10_000n);
      sendTx(fx, [createTransferInstruction(w.outsider.token, to, w.outsider.pk, amt)], [w.outsider.kp]);
      fx.model = donate(fx.model, w.outsider.token.toBase58(), to.toBase58(), amt);
      return;
    }
    case 21: {
      // Stake just before a funding and ask to unstake right after.
      const p = anyProvider();
      const bal = m.tokens.get(p.token.toBase58())?.amount ?? 0n;
      const a = amount(rng, bal < 9_000_000n ? bal : 9_000_000n);
      await c.stake(p, a);
      await c.fundRewards(w.funder, rng.big(1n, 1_000_000n));
      await c.requestUnstake(p, a);
      return;
    }
    case 17: {
      const kind = rng.weighted([5, 4, 3, 2, 0.3]);
      const secs =
        kind === 0
          ? rng.big(1n, 120n)
          : kind === 1
            ? cf.challengeWindow + rng.big(-3n, 3n)
            : kind === 2
              ? rng.big(500n, 4_000n)
              : kind === 3
                ? cf.unbondingPeriod + rng.big(-2n, 2n)
                : 86_400n;
      warp(fx, secs > 0n ? secs : 1n, rng.chance(0.15) ? 1n : 0n);
      return;
    }
    case 18: {
      const admin = holder(w.admins, cf.admin);
      if (cf.paused && rng.chance(0.6)) {
        await c.updateConfig(admin, base(w, ConfigMask.paused, { paused: false }));
        return;
      }
      const which = rng.weighted([3, 2, 2, 2, 2, 1, 1, 1, 1]);
      if (which === 0) await c.updateConfig(admin, base(w, ConfigMask.paused, { paused: !cf.paused }));
      else if (which === 1)
        await c.updateConfig(
          admin,
          base(w, ConfigMask.protocolFeeBps, {
            protocolFeeBps: rng.chance(0.15) ? rng.pick([MAX_PROTOCOL_FEE_BPS + 1, BPS_DENOMINATOR]) : rng.int(1, MAX_PROTOCOL_FEE_BPS),
          }),
        );
      else if (which === 2)
        await c.updateConfig(admin, base(w, ConfigMask.slashCapBps, { slashCapBps: rng.chance(0.1) ? MAX_SLASH_CAP_BPS + 1 : rng.int(0, MAX_SLASH_CAP_BPS) }));
      else if (which === 3) await c.updateConfig(admin, base(w, ConfigMask.minStakePerGpu, { minStakePerGpu: rng.big(0n, 5_000n) }));
      else if (which === 4)
        await c.updateConfig(
          admin,
          base(w, ConfigMask.challengeWindow | ConfigMask.unbondingPeriod, {
            challengeWindow: rng.chance(0.1) ? 0n : rng.big(30n, 1_200n),
            unbondingPeriod: rng.chance(0.1) ? MAX_DURATION + 1n : rng.big(60n, 10_000n),
          }),
        );
      else if (which === 5)
        await c.updateConfig(rng.pick([...w.slashers, ...w.admins.filter((k) => k !== admin), w.outsider.kp]), base(w, ConfigMask.paused, { paused: true }));
      else if (which === 6) {
        if (rng.chance(0.5)) await c.updateConfig(admin, base(w, rng.pick([0, CONFIG_MASK_ALL + 1, ((CONFIG_MASK_ALL + 1) << 1) | ConfigMask.paused]), {}));
        else
          await c.updateConfig(
            admin,
            base(w, ConfigMask.rewardPeriod, { rewardPeriod: rng.chance(0.1) ? rng.pick([-1n, MAX_DURATION + 1n]) : rng.pick([0n, 60n, rng.big(1n, 3_600n)]) }),
          );
      } else if (which === 7) {
        // rotate the admin and/or the slash authority to another key of theirs
        const mask = rng.pick([ConfigMask.admin, ConfigMask.slashAuthority, ConfigMask.admin | ConfigMask.slashAuthority]);
        await c.updateConfig(
          admin,
          base(w, mask, { newAdmin: rng.pick(w.admins).publicKey.toBase58(), newSlashAuthority: rng.pick(w.slashers).publicKey.toBase58() }),
        );
      } else await c.updateConfig(admin, base(w, ConfigMask.treasury, { treasury: rng.pick(w.treasuries) }));
      return;
    }
    case 19: {
      // B signs for A's provider: claim, withdraw, unstake. The Anchor client would
      // derive B's own PDA, so A's PDA is passed explicitly.
      const [a, b] = [anyProvider(), anyProvider()];
      if (a.key === b.key) return;
      const evil = { ...a, kp: b.kp, pk: b.pk, key: b.key, token: b.token };
      const which = rng.int(0, 2);
      const out = which === 0 ? await w.c.claimRewards(evil) : which === 1 ? await w.c.withdrawUnstaked(evil) : await w.c.requestUnstake(evil, 1n);
      if (out.ok) throw new Mismatch(w.d.step, "claim_rewards", `B (${b.key}) moved A's (${a.key}) stake or rewards`, out.logs);
      return;
    }
  }
}

function base(
  w: World,
  mask: number,
  over: Partial<{
    paused: boolean;
    protocolFeeBps: number;
    slashCapBps: number;
    minStakePerGpu: bigint;
    challengeWindow: bigint;
    unbondingPeriod: bigint;
    newAdmin: string;
    newSlashAuthority: string;
    treasury: PublicKey;
    rewardPeriod: bigint;
  }>,
) {
  const cf = w.fx.model.config;
  if (!cf) throw new Error("workload: no config");
  return {
    newAdmin: over.newAdmin ?? cf.admin,
    newSlashAuthority: over.newSlashAuthority ?? cf.slashAuthority,
    minStakePerGpu: over.minStakePerGpu ?? cf.minStakePerGpu,
    unbondingPeriod: over.unbondingPeriod ?? cf.unbondingPeriod,
    challengeWindow: over.challengeWindow ?? cf.challengeWindow,
    mask,
    protocolFeeBps: over.protocolFeeBps ?? cf.protocolFeeBps,
    slashCapBps: over.slashCapBps ?? cf.slashCapBps,
    paused: over.paused ?? cf.paused,
    treasury: over.treasury ?? new PublicKey(cf.treasury),
    rewardPeriod: over.rewardPeriod ?? cf.rewardPeriod,
  };
}

describe(`protocol workload (GPUNET_SEED=${SEED}, ${STEPS} steps)`, () => {
  let w: World | undefined;
  let failure: unknown;
  let ms = 0;

  beforeAll(async () => {
    // eslint-disable-next-line no-console
    console.log(`gpunet workload seed: GPUNET_SEED=${SEED} (steps ${STEPS})`);
    const t0 = performance.now();
    // Fundings and fees stream over 15 minutes, so releases, JIT stakes and pauses interleave.
    const fx = await setupProtocol({ init: { rewardPeriod: 900n } });
    const d = createDriver(fx);
    const rng = createRng(SEED);
    const providers = Array.from({ length: 7 }, () => asProvider(newActor(fx, TOKENS)));
    const buyers = Array.from({ length: 4 }, () => newActor(fx, TOKENS));
    const otherMint = createMint(fx, fx.mintAuthority.publicKey);
    const treasuries = [
      fx.treasury,
      createTokenAccount(fx, fx.treasuryOwner.publicKey, fx.mint, "treasury"),
      createTokenAccount(fx, fx.treasuryOwner.publicKey, otherMint, "treasury"),
    ];
    const admins = [fx.admin, fx.env.fundedKeypair()];
    const slashers = [fx.slasher, fx.env.fundedKeypair()];
    w = {
      fx,
      d,
      c: calls(d),
      rng,
      providers,
      buyers,
      funder: newActor(fx, TOKENS),
      outsider: newActor(fx, TOKENS),
      jobs: [],
      nextJobId: new Map(),
      admins,
      slashers,
      treasuries,
    };
    try {
      let last = performance.now();
      while (d.step < STEPS) {
        const before = d.step;
        await step(w);
        if (process.env.GPUNET_PROFILE && Math.floor(d.step / 100) !== Math.floor(before / 100)) {
          // eslint-disable-next-line no-console
          console.log(`step ${d.step}: ${(performance.now() - last).toFixed(0)} ms per 100; jobs ${w.fx.model.jobs.size}, tokens ${w.fx.model.tokens.size}`);
          last = performance.now();
        }
      }
    } catch (e) {
      failure = e;
    }
    ms = performance.now() - t0;
  }, 600_000);

  it("the program answers as the model at every step (outcome, error name, every account field)", () => {
    if (!w) throw new Error("workload did not start");
    const d = w.d;
    const summary = [...d.counts.entries()]
      .sort()
      .map(([k, n]) => `${k}=${n}`)
      .join(" ");
    const soft = [...d.soft.entries()].map(([k, v]) => `${k} x${v.count}: ${v.reason} (${v.example})`).join("\n  ");
    const choices = [...d.errorChoices.entries()].map(([k, n]) => `${k} x${n}`).join("\n  ");
    // eslint-disable-next-line no-console
    const tm = Object.entries(d.timing)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(", ");
    console.log(
      `seed ${SEED}: ${d.step} steps in ${(ms / 1000).toFixed(1)} s (${tm})\noutcomes: ${summary}\nsoft fields:\n  ${soft}\nerror choices:\n  ${choices}`,
    );
    if (failure instanceof Mismatch) throw new Error(`GPUNET_SEED=${SEED}: ${failure.message}`);
    if (failure !== undefined) throw failure;
    expect(d.step).toBeGreaterThanOrEqual(STEPS);
  });

  it("I1, I3 and I5 hold after every step (conservation, stake totals, escrow splits)", () => {
    if (!w) throw new Error("workload did not start");
    expect(w.d.violations.filter((v) => v.invariant === "I1" || v.invariant === "I3" || v.invariant === "I5")).toEqual([]);
  });

  it("I6: tokens only left a vault or a user's account with the owning signer or the allowing rule", () => {
    if (!w) throw new Error("workload did not start");
    expect(w.d.i6).toEqual([]);
  });

  it("I2 and I4 hold after every step (reward vault solvent; claims within one unit per settlement of the exact share)", () => {
    if (!w) throw new Error("workload did not start");
    const v = w.d.violations.filter((x) => x.invariant === "I2" || x.invariant === "I4");
    expect(v.slice(0, 10)).toEqual([]);
  });
});
