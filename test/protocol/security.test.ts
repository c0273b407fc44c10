/**
 * One test per protocol threat (signers, owners, substitution, numbers, time, state), against the compiled program in
 * LiteSVM: send the bad thing, expect the named error, and check that no account
 * (bytes, owner, lamports) changed. Calls made through the driver are also checked
 * field by field against the exact model.
 */
import { programDataAddress } from "../../localnet/src/deploy.ts";
import { BN } from "@coral-xyz/anchor";
import { address, lamports as kitLamports } from "@solana/kit";
import { Keypair, PublicKey, SystemProgram, SYSVAR_CLOCK_PUBKEY, Transaction } from "@solana/web3.js";
import type { TransactionInstruction } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import idlJson from "../../programs-idl/gpunet.json" with { type: "json" };
import { asProvider, jobRef } from "./driver.ts";
import {
  attempt,
  changedKeys,
  createMint,
  createTokenAccount,
  fetchJob,
  initializeConfig,
  lamportsOf,
  M,
  mintTokens,
  newActor,
  PROGRAM_ID,
  sendIxs,
  setupProtocol,
  snapshot,
  TOKEN_PROGRAM_ID,
  warp,
  DEFAULT_INIT,
} from "./fixtures.ts";
import { acceptedJob, bAt, disputedJob, expectRejected, hash, HW, modelKeys, ok, openJob, pAt, submittedJob, world } from "./scenario.ts";
import { GPU_MODEL, MAX_PROVIDER_SHARE_BPS, CONFIG_MASK_ALL, CONFIG_MASK, MAX_SLASH_CAP_BPS, PROVIDER_STATUS, REGION } from "../../sdk/src/generated/index.ts";

const bn = (v: bigint): BN => new BN(v.toString());

function unsign(ix: TransactionInstruction, key: PublicKey): TransactionInstruction {
  let found = false;
  for (const k of ix.keys) {
    if (k.pubkey.equals(key)) {
      k.isSigner = false;
      found = true;
    }
  }
  if (!found) throw new Error(`unsign: ${key.toBase58()} not in the instruction`);
  return ix;
}

function replaceKey(ix: TransactionInstruction, from: PublicKey, to: PublicKey): TransactionInstruction {
  let found = false;
  for (const k of ix.keys) {
    if (k.pubkey.equals(from)) {
      k.pubkey = to;
      found = true;
    }
  }
  if (!found) throw new Error(`replaceKey: ${from.toBase58()} not in the instruction`);
  return ix;
}

/** A bump below the canonical one that still gives an off-curve address. */
function nonCanonical(seeds: Buffer[], canonical: number): { address: PublicKey; bump: number } {
  for (let b = canonical - 1; b >= 0; b--) {
    try {
      return { address: PublicKey.createProgramAddressSync([...seeds, Buffer.from([b])], PROGRAM_ID), bump: b };
    } catch {
      // on the curve: try the next bump
    }
  }
  throw new Error("no non-canonical bump");
}

describe("P1 missing signer", () => {
  it("provider, buyer and authority accounts passed without their signature are refused with MissingSigner, nothing moved", async () => {
    // Given a world with a staked provider, an open job and a disputed job
    const w = await world();
    const p = pAt(w, 0);
    const { fx } = w;
    const prog = fx.program;
    ok(await w.c.fundRewards(w.funder, 5_000n));
    ok(await w.c.requestUnstake(p, 100n));
    const open = await openJob(w);
    const disputed = await disputedJob(w, pAt(w, 1));
    const submitted = await submittedJob(w, pAt(w, 1));
    const np = asProvider(newActor(fx, 0n));
    const fresh = { ...np, jobId: 4_000n, job: jobRef(bAt(w, 0), 4_000n) };
    // When each instruction is sent with its authority unsigned (only the fee payer signs)
    const cases: [string, TransactionInstruction, PublicKey][] = [
      [
        "stake",
        await prog.methods
          .stake(bn(100n))
          .accountsPartial({ config: fx.config, provider: p.provider, stakeVault: p.vault, ownerToken: p.token, owner: p.pk })
          .instruction(),
        p.pk,
      ],
      [
        "request_unstake",
        await prog.methods.requestUnstake(bn(1n)).accountsPartial({ config: fx.config, provider: p.provider, owner: p.pk }).instruction(),
        p.pk,
      ],
      [
        "claim_rewards",
        await prog.methods
          .claimRewards()
          .accountsPartial({ config: fx.config, provider: p.provider, rewardVault: fx.rewardVault, ownerToken: p.token, owner: p.pk })
          .instruction(),
        p.pk,
      ],
      [
        "withdraw_unstaked",
        await prog.methods
          .withdrawUnstaked()
          .accountsPartial({ config: fx.config, provider: p.provider, stakeVault: p.vault, ownerToken: p.token, owner: p.pk })
          .instruction(),
        p.pk,
      ],
      [
        "slash",
        await prog.methods
          .slash(bn(10n), { failedJob: {} }, hash(9))
          .accountsPartial({ config: fx.config, provider: p.provider, stakeVault: p.vault, treasury: fx.treasury, slashAuthority: fx.slasher.publicKey })
          .instruction(),
        fx.slasher.publicKey,
      ],
      [
        "update_config",
        await prog.methods
          .updateConfig(fx.admin.publicKey, fx.slasher.publicKey, bn(0n), bn(1n), bn(1n), M.ConfigMask.paused, 0, 0, true, new BN(0))
          .accountsPartial({ config: fx.config, admin: fx.admin.publicKey, treasury: fx.treasury })
          .instruction(),
        fx.admin.publicKey,
      ],
      [
        "fund_rewards",
        await prog.methods
          .fundRewards(bn(10n))
          .accountsPartial({ config: fx.config, rewardVault: fx.rewardVault, funderToken: w.funder.token, funder: w.funder.pk })
          .instruction(),
        w.funder.pk,
      ],
      [
        "cancel_job",
        await prog.methods
          .cancelJob()
          .accountsPartial({ config: fx.config, job: open.job, escrow: open.escrow, buyerToken: open.buyer.token, buyer: open.buyer.pk })
          .instruction(),
        open.buyer.pk,
      ],
      [
        "complete_job (as buyer)",
        await prog.methods
          .completeJob()
          .accountsPartial({
            config: fx.config,
            job: submitted.job,
            escrow: submitted.escrow,
            provider: pAt(w, 1).provider,
            providerToken: pAt(w, 1).token,
            rewardVault: fx.rewardVault,
            authority: submitted.buyer.pk,
          })
          .instruction(),
        submitted.buyer.pk,
      ],
      [
        "resolve_dispute",
        await prog.methods
          .resolveDispute(MAX_PROVIDER_SHARE_BPS)
          .accountsPartial({
            config: fx.config,
            job: disputed.job,
            escrow: disputed.escrow,
            provider: pAt(w, 1).provider,
            providerToken: pAt(w, 1).token,
            buyerToken: disputed.buyer.token,
            rewardVault: fx.rewardVault,
            admin: fx.admin.publicKey,
          })
          .instruction(),
        fx.admin.publicKey,
      ],
      [
        "accept_job",
        await prog.methods.acceptJob().accountsPartial({ config: fx.config, job: open.job, provider: p.provider, owner: p.pk }).instruction(),
        p.pk,
      ],
      [
        "submit_result",
        await prog.methods
          .submitResult(hash(1))
          .accountsPartial({ config: fx.config, job: disputed.job, provider: pAt(w, 1).provider, owner: pAt(w, 1).pk })
          .instruction(),
        pAt(w, 1).pk,
      ],
      [
        "dispute_job",
        await prog.methods.disputeJob(hash(1)).accountsPartial({ config: fx.config, job: submitted.job, buyer: submitted.buyer.pk }).instruction(),
        submitted.buyer.pk,
      ],
      [
        "update_provider",
        await prog.methods
          .updateProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, PROVIDER_STATUS.active, hash(0))
          .accountsPartial({ config: fx.config, provider: p.provider, owner: p.pk })
          .instruction(),
        p.pk,
      ],
      [
        "register_provider",
        await prog.methods
          .registerProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, hash(0), fresh.providerBump, fresh.vaultBump)
          .accountsPartial({ config: fx.config, provider: fresh.provider, stakeVault: fresh.vault, stakeMint: fx.mint, owner: fresh.pk })
          .instruction(),
        fresh.pk,
      ],
      [
        "create_job",
        await prog.methods
          .createJob(bn(fresh.jobId), bn(10n), bn(10n), 1, 0, 0, hash(0), fresh.job.jobBump, fresh.job.escrowBump)
          .accountsPartial({
            config: fx.config,
            job: fresh.job.job,
            escrow: fresh.job.escrow,
            stakeMint: fx.mint,
            buyerToken: fresh.job.buyer.token,
            buyer: fresh.job.buyer.pk,
          })
          .instruction(),
        fresh.job.buyer.pk,
      ],
    ];
    for (const [name, ix, signer] of cases) {
      // Then each fails with MissingSigner and no account changed (nor the accounts it would create)
      const err = await expectRejected(
        w,
        () => sendIxs(fx, [unsign(ix, signer)]),
        ["MissingSigner"],
        [fresh.provider, fresh.vault, fresh.job.job, fresh.job.escrow],
      );
      expect(err, name).toBe("MissingSigner");
    }
  });
});

describe("P2 wrong authority", () => {
  it("provider B signing a claim, unstake or withdraw on A's accounts is refused", async () => {
    // Given A with rewards owed and unlocked unbonding stake, and B another provider
    const w = await world();
    const [a, b] = [pAt(w, 0), pAt(w, 1)];
    ok(await w.c.fundRewards(w.funder, 10_000n));
    ok(await w.c.requestUnstake(a, 500n));
    warp(w.fx, DEFAULT_INIT.unbondingPeriod + 1n);
    const prog = w.fx.program;
    const f = w.fx;
    // When B signs with A's Provider (and A's vault), paying to B's token account
    const attempts: [string, () => Promise<unknown>][] = [
      [
        "claim",
        () =>
          prog.methods
            .claimRewards()
            .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: b.token, owner: b.pk })
            .signers([b.kp])
            .rpc(),
      ],
      [
        "request_unstake",
        () => prog.methods.requestUnstake(bn(1n)).accountsPartial({ config: f.config, provider: a.provider, owner: b.pk }).signers([b.kp]).rpc(),
      ],
      [
        "withdraw",
        () =>
          prog.methods
            .withdrawUnstaked()
            .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: b.token, owner: b.pk })
            .signers([b.kp])
            .rpc(),
      ],
      [
        "stake into A",
        () =>
          prog.methods
            .stake(bn(1n))
            .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: b.token, owner: b.pk })
            .signers([b.kp])
            .rpc(),
      ],
      [
        "update A",
        () =>
          prog.methods
            .updateProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, PROVIDER_STATUS.inactive, hash(0))
            .accountsPartial({ config: f.config, provider: a.provider, owner: b.pk })
            .signers([b.kp])
            .rpc(),
      ],
    ];
    // Then each is refused (A's PDA does not derive from B; A's record names A) and nothing moved
    for (const [name, call] of attempts) {
      const err = await expectRejected(w, call, ["Unauthorized", "InvalidPda"]);
      expect(["Unauthorized", "InvalidPda"], name).toContain(err);
    }
  });

  it("a non-buyer cannot cancel or dispute, a non-admin cannot resolve or update the config", async () => {
    const w = await world();
    const open = await openJob(w);
    const cancel = await w.c.cancelJob(open, w.outsider);
    expect(cancel.ok ? "ok" : cancel.error).toBe("Unauthorized");
    const sub = await submittedJob(w);
    const dispute = await w.c.disputeJob(sub, hash(1), w.outsider);
    expect(dispute.ok ? "ok" : dispute.error).toBe("Unauthorized");
    ok(await w.c.disputeJob(sub, hash(1)));
    const resolve = await w.c.resolveDispute(sub, pAt(w, 0), MAX_PROVIDER_SHARE_BPS, w.fx.slasher);
    expect(resolve.ok ? "ok" : resolve.error).toBe("Unauthorized");
    const cf = w.fx.model.config;
    if (!cf) throw new Error("no config");
    const upd = await w.c.updateConfig(w.outsider.kp, {
      newAdmin: w.outsider.key,
      newSlashAuthority: w.outsider.key,
      minStakePerGpu: 0n,
      unbondingPeriod: 1n,
      challengeWindow: 1n,
      mask: CONFIG_MASK_ALL & ~CONFIG_MASK.rewardPeriod,
      protocolFeeBps: 0,
      slashCapBps: MAX_SLASH_CAP_BPS,
      paused: true,
    });
    expect(upd.ok ? "ok" : upd.error).toBe("Unauthorized");
  });
});

describe("P3 owner check", () => {
  it("a byte-identical Provider, Config or token account owned by another program is refused with WrongAccountOwner", async () => {
    // Given A with rewards to claim
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    ok(await w.c.fundRewards(w.funder, 10_000n));
    const fake = Keypair.generate().publicKey; // "another program"
    const cases: [string, PublicKey, () => Promise<unknown>][] = [
      [
        "provider",
        a.provider,
        () =>
          f.program.methods
            .claimRewards()
            .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: a.token, owner: a.pk })
            .signers([a.kp])
            .rpc(),
      ],
      [
        "config",
        f.config,
        () =>
          f.program.methods
            .claimRewards()
            .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: a.token, owner: a.pk })
            .signers([a.kp])
            .rpc(),
      ],
      [
        "payout token account",
        a.token,
        () =>
          f.program.methods
            .claimRewards()
            .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: a.token, owner: a.pk })
            .signers([a.kp])
            .rpc(),
      ],
      [
        "stake vault",
        a.vault,
        () =>
          f.program.methods
            .slash(bn(10n), { failedJob: {} }, hash(1))
            .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, treasury: f.treasury, slashAuthority: f.slasher.publicKey })
            .signers([f.slasher])
            .rpc(),
      ],
    ];
    for (const [name, victim, call] of cases) {
      // When the same bytes (and lamports) sit at the same address under another owner
      const orig = f.env.svm.getAccount(address(victim.toBase58()));
      if (!orig.exists) throw new Error("missing account");
      f.env.svm.setAccount({ ...orig, programAddress: address(fake.toBase58()) });
      const others = modelKeys(w).filter((k) => !k.equals(victim));
      const before = snapshot(f, others);
      const out = await attempt(call, f);
      f.env.svm.setAccount(orig);
      // Then the call fails with WrongAccountOwner and nothing else changed
      expect(out.ok, name).toBe(false);
      if (!out.ok) expect(["WrongAccountOwner"], `${name}: ${out.logs.join("\n")}`).toContain(out.error);
      expect(changedKeys(before, snapshot(f, others)), name).toEqual([]);
    }
  });
});

describe("P3 owner check (copy at another address)", () => {
  it("a copy of a Provider's bytes at a new address owned by another program is refused where no seeds pin the address (slash)", async () => {
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    const orig = f.env.svm.getAccount(address(a.provider.toBase58()));
    if (!orig.exists) throw new Error("missing account");
    const copy = Keypair.generate().publicKey;
    f.env.svm.setAccount({ ...orig, address: address(copy.toBase58()), programAddress: address(Keypair.generate().publicKey.toBase58()) });
    const e = await expectRejected(
      w,
      () =>
        f.program.methods
          .slash(bn(10n), { failedJob: {} }, hash(1))
          .accountsPartial({ config: f.config, provider: copy, stakeVault: a.vault, treasury: f.treasury, slashAuthority: f.slasher.publicKey })
          .signers([f.slasher])
          .rpc(),
      ["WrongAccountOwner"],
      [copy],
    );
    expect(e).toBe("WrongAccountOwner");
  });
});

describe("P4 type cosplay", () => {
  it("account discriminators differ and none is a prefix of another", () => {
    const ds = idlJson.accounts.map((a) => Buffer.from(a.discriminator).toString("hex"));
    for (const x of ds) for (const y of ds) if (x !== y) expect(x.startsWith(y) || y.startsWith(x)).toBe(false);
    expect(new Set(ds).size).toBe(ds.length);
  });

  it("a Job passed where a Provider is expected (and a Provider where a Job is) is refused with WrongAccountType", async () => {
    // Given an open job and a staked provider
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    const r = await openJob(w);
    // When the job account is given as the Provider of a slash (no seeds to check there)
    const e1 = await expectRejected(
      w,
      () =>
        f.program.methods
          .slash(bn(10n), { failedJob: {} }, hash(1))
          .accountsPartial({ config: f.config, provider: r.job, stakeVault: a.vault, treasury: f.treasury, slashAuthority: f.slasher.publicKey })
          .signers([f.slasher])
          .rpc(),
      ["WrongAccountType"],
    );
    // And the Provider is given as the Job of a cancel, and the Config as the Job of an accept
    const e2 = await expectRejected(
      w,
      () =>
        f.program.methods
          .cancelJob()
          .accountsPartial({ config: f.config, job: a.provider, escrow: r.escrow, buyerToken: r.buyer.token, buyer: r.buyer.pk })
          .signers([r.buyer.kp])
          .rpc(),
      ["WrongAccountType"],
    );
    const e3 = await expectRejected(
      w,
      () => f.program.methods.acceptJob().accountsPartial({ config: f.config, job: f.config, provider: a.provider, owner: a.pk }).signers([a.kp]).rpc(),
      ["WrongAccountType"],
    );
    // Then every one is WrongAccountType
    expect([e1, e2, e3]).toEqual(["WrongAccountType", "WrongAccountType", "WrongAccountType"]);
  });
});

describe("P5 re-initialization", () => {
  it("initialize, register_provider and create_job on an existing PDA fail with AlreadyInitialized", async () => {
    const w = await world();
    const a = pAt(w, 0);
    // initialize again (a different admin would take over if it worked)
    await expectRejected(
      w,
      () => initializeConfig(w.fx, { ...DEFAULT_INIT, protocolFeeBps: 0 }, w.outsider.kp).then((o) => (o.ok ? o : Promise.reject(o.raw))),
      ["NotUpgradeAuthority"],
    );
    // register the same owner again (would reset its stake to zero)
    const reg = await w.c.registerProvider(a, { ...HW, gpuCount: 8 });
    expect(reg.ok ? "ok" : reg.error).toBe("AlreadyInitialized");
    // create a job with a job id in use (would reset the escrowed job)
    const r = await openJob(w);
    const again = await w.c.createJob(r, { price: 5n, maxDuration: 10n, minGpus: 1, gpuModel: GPU_MODEL.any, minVramGb: 0, specHash: hash(0) });
    expect(again.ok ? "ok" : again.error).toBe("AlreadyInitialized");
  });
});

describe("P6 arbitrary CPI", () => {
  it("a fake token program or system program is refused with WrongProgram", async () => {
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    ok(await w.c.requestUnstake(a, 100n));
    warp(f, DEFAULT_INIT.unbondingPeriod + 1n);
    // A program the attacker controls (here: any other executable, the gpunet program itself, or a plain key)
    const fakes = [PROGRAM_ID, SystemProgram.programId, Keypair.generate().publicKey];
    for (const fake of fakes) {
      const stake = await f.program.methods
        .stake(bn(10n))
        .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
        .instruction();
      await expectRejected(w, () => sendIxs(f, [replaceKey(stake, TOKEN_PROGRAM_ID, fake)], [a.kp]), ["WrongProgram"]);
      // withdraw would have the fake program called with the Provider PDA's signature
      const wd = await f.program.methods
        .withdrawUnstaked()
        .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
        .instruction();
      await expectRejected(w, () => sendIxs(f, [replaceKey(wd, TOKEN_PROGRAM_ID, fake)], [a.kp]), ["WrongProgram"]);
    }
    // a fake system program in register_provider
    const n = asProvider(newActor(f, 0n));
    const reg = await f.program.methods
      .registerProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, hash(0), n.providerBump, n.vaultBump)
      .accountsPartial({ config: f.config, provider: n.provider, stakeVault: n.vault, stakeMint: f.mint, owner: n.pk })
      .instruction();
    await expectRejected(
      w,
      () => sendIxs(f, [replaceKey(reg, SystemProgram.programId, Keypair.generate().publicKey)], [n.kp]),
      ["WrongProgram"],
      [n.provider, n.vault],
    );
  });

  it("a token account of another mint is refused with WrongMint", async () => {
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    const otherMint = createMint(f, f.mintAuthority.publicKey);
    const otherAcct = createTokenAccount(f, a.pk, otherMint);
    mintTokens(f, otherAcct, 1_000_000n, otherMint);
    // stake from it, fund from it, pay a job from it
    await expectRejected(
      w,
      () =>
        f.program.methods
          .stake(bn(100n))
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: otherAcct, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      ["WrongMint"],
    );
    await expectRejected(
      w,
      () =>
        f.program.methods
          .fundRewards(bn(100n))
          .accountsPartial({ config: f.config, rewardVault: f.rewardVault, funderToken: otherAcct, funder: a.pk })
          .signers([a.kp])
          .rpc(),
      ["WrongMint"],
    );
    const r = jobRef({ ...bAt(w, 0) }, 99n);
    const buyerOther = createTokenAccount(f, r.buyer.pk, otherMint);
    mintTokens(f, buyerOther, 1_000_000n, otherMint);
    await expectRejected(
      w,
      () =>
        f.program.methods
          .createJob(bn(99n), bn(1_000n), bn(100n), 1, 0, 0, hash(0), r.jobBump, r.escrowBump)
          .accountsPartial({ config: f.config, job: r.job, escrow: r.escrow, stakeMint: f.mint, buyerToken: buyerOther, buyer: r.buyer.pk })
          .signers([r.buyer.kp])
          .rpc(),
      ["WrongMint"],
      [r.job, r.escrow],
    );
    // and the stake mint itself replaced by the other mint when a vault is created
    const n = asProvider(newActor(f, 0n));
    await expectRejected(
      w,
      () =>
        f.program.methods
          .registerProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, hash(0), n.providerBump, n.vaultBump)
          .accountsPartial({ config: f.config, provider: n.provider, stakeVault: n.vault, stakeMint: otherMint, owner: n.pk })
          .signers([n.kp])
          .rpc(),
      ["WrongMint"],
      [n.provider, n.vault],
    );
  });
});

describe("P7 account data matching", () => {
  it("payouts to a token account of the wrong mint or owner, and another provider's vault, are refused", async () => {
    const w = await world();
    const [a, b] = [pAt(w, 0), pAt(w, 1)];
    const f = w.fx;
    ok(await w.c.fundRewards(w.funder, 10_000n));
    ok(await w.c.requestUnstake(a, 100n));
    warp(f, DEFAULT_INIT.unbondingPeriod + 1n);
    const otherMint = createMint(f, f.mintAuthority.publicKey);
    const aOther = createTokenAccount(f, a.pk, otherMint);
    // claim to B's token account, and to A's account of another mint
    await expectRejected(
      w,
      () =>
        f.program.methods
          .claimRewards()
          .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: b.token, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      ["WrongTokenOwner"],
    );
    await expectRejected(
      w,
      () =>
        f.program.methods
          .claimRewards()
          .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: aOther, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      ["WrongMint"],
      [aOther],
    );
    // withdraw to B's account; withdraw from B's vault
    await expectRejected(
      w,
      () =>
        f.program.methods
          .withdrawUnstaked()
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: b.token, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      ["WrongTokenOwner"],
    );
    await expectRejected(
      w,
      () =>
        f.program.methods
          .withdrawUnstaked()
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: b.vault, ownerToken: a.token, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      ["WrongVault", "InvalidPda"],
    );
    // slash A from B's vault
    await expectRejected(
      w,
      () =>
        f.program.methods
          .slash(bn(10n), { failedJob: {} }, hash(1))
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: b.vault, treasury: f.treasury, slashAuthority: f.slasher.publicKey })
          .signers([f.slasher])
          .rpc(),
      ["WrongVault", "InvalidPda"],
    );
    // a job's payout to the buyer's account instead of the provider's; an expiry refund to an outsider
    const sub = await submittedJob(w, a);
    await expectRejected(
      w,
      () =>
        f.program.methods
          .completeJob()
          .accountsPartial({
            config: f.config,
            job: sub.job,
            escrow: sub.escrow,
            provider: a.provider,
            providerToken: sub.buyer.token,
            rewardVault: f.rewardVault,
            authority: sub.buyer.pk,
          })
          .signers([sub.buyer.kp])
          .rpc(),
      ["WrongTokenOwner"],
    );
    // the escrow of another job
    const other = await submittedJob(w, a);
    await expectRejected(
      w,
      () =>
        f.program.methods
          .completeJob()
          .accountsPartial({
            config: f.config,
            job: sub.job,
            escrow: other.escrow,
            provider: a.provider,
            providerToken: a.token,
            rewardVault: f.rewardVault,
            authority: sub.buyer.pk,
          })
          .signers([sub.buyer.kp])
          .rpc(),
      ["WrongVault", "InvalidPda"],
    );
    // the provider B for a job A accepted
    await expectRejected(
      w,
      () =>
        f.program.methods
          .completeJob()
          .accountsPartial({
            config: f.config,
            job: sub.job,
            escrow: sub.escrow,
            provider: b.provider,
            providerToken: b.token,
            rewardVault: f.rewardVault,
            authority: sub.buyer.pk,
          })
          .signers([sub.buyer.kp])
          .rpc(),
      ["Unauthorized", "InvalidArgument", "WrongAccountType", "WrongVault"],
    );
    const acc = await acceptedJob(w, a, { maxDuration: 10n });
    warp(f, 11n);
    await expectRejected(
      w,
      () =>
        f.program.methods
          .expireJob()
          .accountsPartial({ config: f.config, job: acc.job, escrow: acc.escrow, provider: a.provider, buyerToken: w.outsider.token, caller: w.outsider.pk })
          .signers([w.outsider.kp])
          .rpc(),
      ["WrongTokenOwner"],
    );
    // the reward vault replaced by an ordinary token account in a fee-paying completion
    const fakeVault = createTokenAccount(f, a.pk);
    await expectRejected(
      w,
      () =>
        f.program.methods
          .completeJob()
          .accountsPartial({
            config: f.config,
            job: sub.job,
            escrow: sub.escrow,
            provider: a.provider,
            providerToken: a.token,
            rewardVault: fakeVault,
            authority: sub.buyer.pk,
          })
          .signers([sub.buyer.kp])
          .rpc(),
      ["WrongVault", "InvalidPda"],
    );
  });
});

describe("P8 duplicate mutable accounts", () => {
  it("the same token account as source and destination is refused", async () => {
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    ok(await w.c.fundRewards(w.funder, 10_000n));
    // fund the reward vault from itself; stake from the vault into itself; claim into the reward vault
    const names = ["DuplicateAccount", "WrongTokenOwner"];
    const e1 = await expectRejected(
      w,
      () =>
        f.program.methods
          .fundRewards(bn(100n))
          .accountsPartial({ config: f.config, rewardVault: f.rewardVault, funderToken: f.rewardVault, funder: w.funder.pk })
          .signers([w.funder.kp])
          .rpc(),
      names,
    );
    const e2 = await expectRejected(
      w,
      () =>
        f.program.methods
          .stake(bn(100n))
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.vault, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      names,
    );
    const e3 = await expectRejected(
      w,
      () =>
        f.program.methods
          .claimRewards()
          .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: f.rewardVault, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      names,
    );
    // pay a job's provider share into the escrow it comes from
    const sub = await submittedJob(w, a);
    const e4 = await expectRejected(
      w,
      () =>
        f.program.methods
          .completeJob()
          .accountsPartial({
            config: f.config,
            job: sub.job,
            escrow: sub.escrow,
            provider: a.provider,
            providerToken: sub.escrow,
            rewardVault: f.rewardVault,
            authority: sub.buyer.pk,
          })
          .signers([sub.buyer.kp])
          .rpc(),
      names,
    );
    // The document's name for it is DuplicateAccount; record which check fired first.
    expect([e1, e2, e3, e4].every((e) => names.includes(e))).toBe(true);
  });
});

describe("P9 non-canonical bump / PDA sharing", () => {
  it("a PDA with a non-canonical bump is refused with InvalidPda (no second Provider, Job or Config per seed)", async () => {
    const f = await setupProtocol({ initialize: false });
    // Config at a non-canonical bump
    const cfgAlt = nonCanonical([Buffer.from("config")], f.configBump);
    const out = await attempt(
      () =>
        f.program.methods
          .initialize(bn(1_000n), bn(100n), bn(100n), f.slasher.publicKey, 100, 1_000, cfgAlt.bump, f.rewardVaultBump, false, new BN(0))
          .accountsPartial({
            config: cfgAlt.address,
            rewardVault: f.rewardVault,
            stakeMint: f.mint,
            treasury: f.treasury,
            admin: f.admin.publicKey,
            programData: programDataAddress(f.program.programId),
          })
          .signers([f.admin])
          .rpc(),
      f,
    );
    expect(out.ok ? "ok" : out.error).toBe("InvalidPda");
    expect(f.env.getAccount(cfgAlt.address)).toBeNull();

    const w = await world();
    const g = w.fx;
    // Provider at a non-canonical bump for an owner who is already registered
    const a = pAt(w, 0);
    const pAlt = nonCanonical([Buffer.from("provider"), a.pk.toBuffer()], a.providerBump);
    const [vAlt, vAltBump] = PublicKey.findProgramAddressSync([Buffer.from("stake_vault"), pAlt.address.toBuffer()], PROGRAM_ID);
    await expectRejected(
      w,
      () =>
        g.program.methods
          .registerProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, hash(0), pAlt.bump, vAltBump)
          .accountsPartial({ config: g.config, provider: pAlt.address, stakeVault: vAlt, stakeMint: g.mint, owner: a.pk })
          .signers([a.kp])
          .rpc(),
      ["InvalidPda"],
      [pAlt.address, vAlt],
    );
    // Stake vault at a non-canonical bump for a new provider
    const n = asProvider(newActor(g, 0n));
    const vNon = nonCanonical([Buffer.from("stake_vault"), n.provider.toBuffer()], n.vaultBump);
    await expectRejected(
      w,
      () =>
        g.program.methods
          .registerProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, hash(0), n.providerBump, vNon.bump)
          .accountsPartial({ config: g.config, provider: n.provider, stakeVault: vNon.address, stakeMint: g.mint, owner: n.pk })
          .signers([n.kp])
          .rpc(),
      ["InvalidPda"],
      [n.provider, vNon.address],
    );
    // Job at a non-canonical bump
    const buyer = bAt(w, 0);
    const r = jobRef(buyer, 777n);
    const jAlt = nonCanonical([Buffer.from("job"), buyer.pk.toBuffer(), Buffer.from(new BN(777).toArray("le", 8))], r.jobBump);
    const [eAlt, eAltBump] = PublicKey.findProgramAddressSync([Buffer.from("escrow"), jAlt.address.toBuffer()], PROGRAM_ID);
    await expectRejected(
      w,
      () =>
        g.program.methods
          .createJob(bn(777n), bn(1_000n), bn(100n), 1, 0, 0, hash(0), jAlt.bump, eAltBump)
          .accountsPartial({ config: g.config, job: jAlt.address, escrow: eAlt, stakeMint: g.mint, buyerToken: buyer.token, buyer: buyer.pk })
          .signers([buyer.kp])
          .rpc(),
      ["InvalidPda"],
      [jAlt.address, eAlt],
    );
  });

  it("A's vault in B's withdraw is refused", async () => {
    const w = await world();
    const [a, b] = [pAt(w, 0), pAt(w, 1)];
    const f = w.fx;
    ok(await w.c.requestUnstake(b, 100n));
    warp(f, DEFAULT_INIT.unbondingPeriod + 1n);
    await expectRejected(
      w,
      () =>
        f.program.methods
          .withdrawUnstaked()
          .accountsPartial({ config: f.config, provider: b.provider, stakeVault: a.vault, ownerToken: b.token, owner: b.pk })
          .signers([b.kp])
          .rpc(),
      ["WrongVault", "InvalidPda"],
    );
  });
});

describe("P10 close then revive", () => {
  it("a job closed and then used again in the same transaction fails as a whole", async () => {
    const w = await world();
    const f = w.fx;
    const r = await openJob(w);
    ok(await w.c.cancelJob(r));
    const close = () =>
      f.program.methods
        .closeJob()
        .accountsPartial({ job: r.job, escrow: r.escrow, buyer: r.buyer.pk, treasury: f.treasury, caller: w.outsider.pk })
        .instruction();
    const cancel = await f.program.methods
      .cancelJob()
      .accountsPartial({ config: f.config, job: r.job, escrow: r.escrow, buyerToken: r.buyer.token, buyer: r.buyer.pk })
      .instruction();
    const rent = lamportsOf(f, r.job);
    const refund = SystemProgram.transfer({ fromPubkey: w.outsider.pk, toPubkey: r.job, lamports: Number(rent) });
    // close + close; close + use; close + re-fund the address + use
    for (const [name, ixs] of [
      ["close, close", [await close(), await close()]],
      ["close, cancel", [await close(), cancel]],
      ["close, re-fund the address, close", [await close(), refund, await close()]],
    ] as const) {
      const keys = [...modelKeys(w), r.job, r.escrow, r.buyer.pk];
      const before = snapshot(f, keys);
      const out = sendIxs(f, [...ixs], [w.outsider.kp, r.buyer.kp]);
      // Then the transaction fails (a named program error, or a runtime refusal) and nothing changed
      expect(out.ok, name).toBe(false);
      expect(changedKeys(before, snapshot(f, keys)), name).toEqual([]);
    }
    // close + re-fund in one transaction: the address must not hold a live Job afterwards
    const out = sendIxs(f, [await close(), refund], [w.outsider.kp]);
    expect(out.ok).toBe(true);
    expect(await fetchJob(f, r.job)).toBeNull();
    const acct = f.env.getAccount(r.job);
    expect(acct === null || !acct.owner.equals(PROGRAM_ID) || acct.data.every((x) => x === 0)).toBe(true);
    f.model.jobs.delete(r.job.toBase58());
    f.model.tokens.delete(r.escrow.toBase58());
  });
});

describe("P11 sysvar spoof", () => {
  it("the program reads the clock by syscall: a fake Clock account changes nothing", async () => {
    const w = await world();
    const f = w.fx;
    const r = await acceptedJob(w, pAt(w, 0), { maxDuration: 1_000n });
    // A fake account laid out as a Clock with a unix time far past the deadline
    const fakeClock = Keypair.generate().publicKey;
    const data = Buffer.alloc(40);
    data.writeBigUInt64LE(10n ** 9n, 0);
    data.writeBigInt64LE(BigInt(Number.MAX_SAFE_INTEGER), 32);
    f.env.svm.setAccount({
      address: address(fakeClock.toBase58()),
      data,
      executable: false,
      lamports: kitLamports(1_000_000_000n),
      programAddress: address(SystemProgram.programId.toBase58()),
      space: 40n,
    });
    const expire = (extra: PublicKey) =>
      f.program.methods
        .expireJob()
        .accountsPartial({ config: f.config, job: r.job, escrow: r.escrow, provider: pAt(w, 0).provider, buyerToken: r.buyer.token, caller: w.outsider.pk })
        .remainingAccounts([{ pubkey: extra, isSigner: false, isWritable: false }])
        .signers([w.outsider.kp])
        .rpc();
    // When expire_job is sent before the deadline with the fake clock (or the real Clock sysvar account) attached
    await expectRejected(w, () => expire(fakeClock), ["DeadlineNotPassed"]);
    await expectRejected(w, () => expire(SYSVAR_CLOCK_PUBKEY), ["DeadlineNotPassed"]);
    // Then only the syscall clock moving past the deadline lets it through
    warp(f, 1_001n);
    const done = await w.c.expireJob(r, pAt(w, 0), w.outsider);
    expect(done.ok).toBe(true);
  });
});

describe("account and data checks every instruction makes (docs/protocol.md)", () => {
  it("short, long or unknown instruction data fails with InvalidInstruction", async () => {
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    const base = await f.program.methods
      .stake(bn(100n))
      .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
      .instruction();
    const variants: [string, Buffer][] = [
      ["short", base.data.subarray(0, base.data.length - 1)],
      ["long", Buffer.concat([base.data, Buffer.from([0])])],
      ["discriminator only", base.data.subarray(0, 8)],
      ["unknown discriminator", Buffer.concat([Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), base.data.subarray(8)])],
      ["empty", Buffer.alloc(0)],
    ];
    for (const [name, data] of variants) {
      const ix = { ...base, keys: base.keys.map((k) => ({ ...k })), programId: base.programId, data };
      const e = await expectRejected(w, () => sendIxs(f, [ix], [a.kp]), ["InvalidInstruction"]);
      expect(e, name).toBe("InvalidInstruction");
    }
  });

  it("a writable account passed read-only fails with AccountNotWritable", async () => {
    // Given rewards to claim, unlocked unbonding stake, an open and a submitted job
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    const prog = f.program;
    ok(await w.c.fundRewards(w.funder, 10_000n));
    ok(await w.c.requestUnstake(a, 100n));
    warp(f, DEFAULT_INIT.unbondingPeriod + 1n);
    const open = await openJob(w);
    const sub = await submittedJob(w, pAt(w, 1));
    const cases: [string, TransactionInstruction, Keypair[]][] = [
      [
        "stake",
        await prog.methods
          .stake(bn(100n))
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "claim_rewards",
        await prog.methods
          .claimRewards()
          .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: a.token, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "withdraw_unstaked",
        await prog.methods
          .withdrawUnstaked()
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "fund_rewards",
        await prog.methods
          .fundRewards(bn(10n))
          .accountsPartial({ config: f.config, rewardVault: f.rewardVault, funderToken: w.funder.token, funder: w.funder.pk })
          .instruction(),
        [w.funder.kp],
      ],
      [
        "slash",
        await prog.methods
          .slash(bn(10n), { failedJob: {} }, hash(1))
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, treasury: f.treasury, slashAuthority: f.slasher.publicKey })
          .instruction(),
        [f.slasher],
      ],
      [
        "cancel_job",
        await prog.methods
          .cancelJob()
          .accountsPartial({ config: f.config, job: open.job, escrow: open.escrow, buyerToken: open.buyer.token, buyer: open.buyer.pk })
          .instruction(),
        [open.buyer.kp],
      ],
      [
        "complete_job",
        await prog.methods
          .completeJob()
          .accountsPartial({
            config: f.config,
            job: sub.job,
            escrow: sub.escrow,
            provider: pAt(w, 1).provider,
            providerToken: pAt(w, 1).token,
            rewardVault: f.rewardVault,
            authority: sub.buyer.pk,
          })
          .instruction(),
        [sub.buyer.kp],
      ],
    ];
    // When each writable account in turn is passed read-only
    const wrong: string[] = [];
    for (const [name, ix, signers] of cases) {
      for (const meta of ix.keys.filter((k) => k.isWritable && !k.isSigner)) {
        const ro = { ...ix, keys: ix.keys.map((k) => ({ ...k, isWritable: k.pubkey.equals(meta.pubkey) ? false : k.isWritable })) };
        const keys = [...modelKeys(w)];
        const before = snapshot(f, keys);
        const out = sendIxs(f, [ro], signers);
        // Then it is refused, nothing changed, and the refusal is the program's AccountNotWritable
        expect(out.ok, `${name} with ${meta.pubkey.toBase58()} read-only`).toBe(false);
        expect(changedKeys(before, snapshot(f, keys))).toEqual([]);
        if (out.ok || out.error !== "AccountNotWritable") {
          const role = Object.entries({
            config: f.config,
            rewardVault: f.rewardVault,
            treasury: f.treasury,
            provider: a.provider,
            stakeVault: a.vault,
            token: a.token,
            funderToken: w.funder.token,
            job: open.job,
            escrow: open.escrow,
            buyerToken: open.buyer.token,
            subJob: sub.job,
            subEscrow: sub.escrow,
            provider1: pAt(w, 1).provider,
            provider1Token: pAt(w, 1).token,
          }).find(([, k]) => k.equals(meta.pubkey))?.[0];
          wrong.push(`${name}: ${role ?? meta.pubkey.toBase58()} read-only -> ${out.ok ? "ok" : out.error}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("too few accounts fails with NotEnoughAccounts", async () => {
    const w = await world();
    const a = pAt(w, 0);
    const f = w.fx;
    const ix = await f.program.methods
      .stake(bn(100n))
      .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
      .instruction();
    const short = { ...ix, keys: ix.keys.slice(0, 3) };
    expect(await expectRejected(w, () => sendIxs(f, [short], []), ["NotEnoughAccounts"])).toBe("NotEnoughAccounts");
  });
});

describe("account substitution (P3, P4, P6, P7, P9 at once)", () => {
  it("every account slot of every instruction, swapped for any other account of the world, is refused", async () => {
    // Given a world where each instruction below would succeed as built
    const w = await world();
    const [a, b] = [pAt(w, 0), pAt(w, 1)];
    const f = w.fx;
    const prog = f.program;
    ok(await w.c.fundRewards(w.funder, 10_000n));
    ok(await w.c.requestUnstake(a, 100n));
    const accepted = await acceptedJob(w, a, { maxDuration: 20n });
    const cancelled = await openJob(w);
    ok(await w.c.cancelJob(cancelled));
    warp(f, DEFAULT_INIT.unbondingPeriod + 1n);
    const open = await openJob(w);
    const submitted = await submittedJob(w, a);
    const disputed = await disputedJob(w, a);
    const expiring = accepted;
    const otherMint = createMint(f, f.mintAuthority.publicKey);
    const aOther = createTokenAccount(f, a.pk, otherMint);
    const fresh = asProvider(newActor(f, 0n));
    const freshJob = jobRef(bAt(w, 1), 9_999n);
    const pool: PublicKey[] = [
      f.config,
      f.rewardVault,
      f.treasury,
      f.mint,
      otherMint,
      aOther,
      a.provider,
      a.vault,
      a.token,
      a.pk,
      b.provider,
      b.vault,
      b.token,
      b.pk,
      open.job,
      open.escrow,
      submitted.job,
      submitted.escrow,
      bAt(w, 0).token,
      bAt(w, 0).pk,
      w.outsider.pk,
      w.outsider.token,
      SystemProgram.programId,
      TOKEN_PROGRAM_ID,
      PROGRAM_ID,
      Keypair.generate().publicKey,
    ];
    const cases: [string, TransactionInstruction, Keypair[]][] = [
      [
        "stake",
        await prog.methods
          .stake(bn(100n))
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "request_unstake",
        await prog.methods.requestUnstake(bn(1n)).accountsPartial({ config: f.config, provider: a.provider, owner: a.pk }).instruction(),
        [a.kp],
      ],
      [
        "withdraw_unstaked",
        await prog.methods
          .withdrawUnstaked()
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, ownerToken: a.token, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "claim_rewards",
        await prog.methods
          .claimRewards()
          .accountsPartial({ config: f.config, provider: a.provider, rewardVault: f.rewardVault, ownerToken: a.token, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "fund_rewards",
        await prog.methods
          .fundRewards(bn(10n))
          .accountsPartial({ config: f.config, rewardVault: f.rewardVault, funderToken: w.funder.token, funder: w.funder.pk })
          .instruction(),
        [w.funder.kp],
      ],
      [
        "slash",
        await prog.methods
          .slash(bn(10n), { failedJob: {} }, hash(1))
          .accountsPartial({ config: f.config, provider: a.provider, stakeVault: a.vault, treasury: f.treasury, slashAuthority: f.slasher.publicKey })
          .instruction(),
        [f.slasher],
      ],
      [
        "update_provider",
        await prog.methods
          .updateProvider(GPU_MODEL.h100, 2, 3, REGION.asia, PROVIDER_STATUS.active, hash(1))
          .accountsPartial({ config: f.config, provider: a.provider, owner: a.pk })
          .instruction(),
        [a.kp],
      ],
      [
        "register_provider",
        await prog.methods
          .registerProvider(GPU_MODEL.h100, 1, 1, REGION.northAmerica, hash(0), fresh.providerBump, fresh.vaultBump)
          .accountsPartial({ config: f.config, provider: fresh.provider, stakeVault: fresh.vault, stakeMint: f.mint, owner: fresh.pk })
          .instruction(),
        [fresh.kp],
      ],
      [
        "create_job",
        await prog.methods
          .createJob(bn(9_999n), bn(10n), bn(10n), 1, 0, 0, hash(0), freshJob.jobBump, freshJob.escrowBump)
          .accountsPartial({
            config: f.config,
            job: freshJob.job,
            escrow: freshJob.escrow,
            stakeMint: f.mint,
            buyerToken: freshJob.buyer.token,
            buyer: freshJob.buyer.pk,
          })
          .instruction(),
        [freshJob.buyer.kp],
      ],
      [
        "cancel_job",
        await prog.methods
          .cancelJob()
          .accountsPartial({ config: f.config, job: open.job, escrow: open.escrow, buyerToken: open.buyer.token, buyer: open.buyer.pk })
          .instruction(),
        [open.buyer.kp],
      ],
      [
        "accept_job",
        await prog.methods.acceptJob().accountsPartial({ config: f.config, job: open.job, provider: b.provider, owner: b.pk }).instruction(),
        [b.kp],
      ],
      [
        "complete_job",
        await prog.methods
          .completeJob()
          .accountsPartial({
            config: f.config,
            job: submitted.job,
            escrow: submitted.escrow,
            provider: a.provider,
            providerToken: a.token,
            rewardVault: f.rewardVault,
            authority: submitted.buyer.pk,
          })
          .instruction(),
        [submitted.buyer.kp],
      ],
      [
        "dispute_job",
        await prog.methods.disputeJob(hash(1)).accountsPartial({ config: f.config, job: submitted.job, buyer: submitted.buyer.pk }).instruction(),
        [submitted.buyer.kp],
      ],
      [
        "resolve_dispute",
        await prog.methods
          .resolveDispute(5_000)
          .accountsPartial({
            config: f.config,
            job: disputed.job,
            escrow: disputed.escrow,
            provider: a.provider,
            providerToken: a.token,
            buyerToken: disputed.buyer.token,
            rewardVault: f.rewardVault,
            admin: f.admin.publicKey,
          })
          .instruction(),
        [f.admin],
      ],
      [
        "expire_job",
        await prog.methods
          .expireJob()
          .accountsPartial({
            config: f.config,
            job: expiring.job,
            escrow: expiring.escrow,
            provider: a.provider,
            buyerToken: expiring.buyer.token,
            caller: w.outsider.pk,
          })
          .instruction(),
        [w.outsider.kp],
      ],
      [
        "close_job",
        await prog.methods
          .closeJob()
          .accountsPartial({
            config: f.config,
            job: cancelled.job,
            escrow: cancelled.escrow,
            buyer: cancelled.buyer.pk,
            treasury: f.treasury,
            caller: w.outsider.pk,
          })
          .instruction(),
        [w.outsider.kp],
      ],
    ];
    const simulate = (ix: TransactionInstruction, signers: Keypair[]) => {
      const tx = new Transaction().add(ix);
      tx.feePayer = f.env.payer.publicKey;
      return f.env.connection.simulate(tx, [f.env.payer, ...signers]).value;
    };
    const accepted_: string[] = [];
    let tried = 0;
    for (const [name, ix, signers] of cases) {
      // The call as built succeeds (so a refusal below is due to the swap)
      const base = simulate(ix, signers);
      expect(base.err, `${name} as built: ${(base.logs ?? []).join("\n")}`).toBeNull();
      ix.keys.forEach((meta, slot) => {
        for (const cand of pool) {
          if (cand.equals(meta.pubkey)) continue;
          // When the slot holds another account (a signer slot loses its signature: the substitute cannot sign)
          const keys = ix.keys.map((k, i) => (i === slot ? { pubkey: cand, isSigner: false, isWritable: k.isWritable } : { ...k }));
          const signersLeft = signers.filter((s) => keys.some((k) => k.isSigner && k.pubkey.equals(s.publicKey)));
          const res = simulate({ ...ix, keys, programId: ix.programId, data: ix.data } as TransactionInstruction, signersLeft);
          tried += 1;
          if (res.err === null) accepted_.push(`${name}: slot ${slot} (${meta.pubkey.toBase58()}) <- ${cand.toBase58()}`);
        }
      });
    }
    // And a signer slot given to someone else who does sign (except the "anyone" callers
    // of expire_job and close_job, where any signer is allowed by design)
    const people = [a.kp, b.kp, w.outsider.kp, f.admin, f.slasher, bAt(w, 0).kp, bAt(w, 1).kp, w.funder.kp];
    for (const [name, ix, signers] of cases) {
      ix.keys.forEach((meta, slot) => {
        if (!meta.isSigner || name === "expire_job" || name === "close_job") return;
        for (const who of people) {
          if (who.publicKey.equals(meta.pubkey)) continue;
          const keys = ix.keys.map((k, i) => (i === slot ? { ...k, pubkey: who.publicKey } : { ...k }));
          const signersNow = [...signers.filter((s) => !s.publicKey.equals(meta.pubkey)), who];
          const res = simulate({ ...ix, keys, programId: ix.programId, data: ix.data } as TransactionInstruction, signersNow);
          tried += 1;
          if (res.err === null) accepted_.push(`${name}: signer slot ${slot} (${meta.pubkey.toBase58()}) signed by ${who.publicKey.toBase58()}`);
        }
      });
    }
    // Then every swap is refused
    expect(tried).toBeGreaterThan(1_000);
    expect(accepted_).toEqual([]);
  }, 300_000);
});
