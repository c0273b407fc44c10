/**
 * Instruction builders, one per IDL instruction. Each takes typed inputs
 * (`number | bigint` for integers, any public key form), validates them before
 * anything is built (U64OutOfRange, InvalidPublicKey), derives every PDA and
 * associated token account, and returns a TransactionInstruction. Nothing here
 * needs a throwaway signer or an RPC round trip.
 *
 * The web3.js face over the generated core (`generated/instructions.ts`): account
 * order, writable and signer flags and the data encoder are generated from the IDL,
 * with accounts and arguments typed by their IDL names, so a renamed account is a
 * compile error here. Why not Anchor's BorshInstructionCoder: its Borsh layer needs a
 * global `Buffer` (and BN), so it throws in a browser bundle that has no Buffer
 * polyfill; the tests check every encoder's bytes against Anchor's coder and a
 * Codama-generated client's.
 */
import { Buffer } from "buffer";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { GpunetError } from "./errors.ts";
import type { AccountMeta, InstructionInput } from "./core/values.ts";
import * as G from "./generated/instructions.ts";
import { CONFIG_MASK } from "./generated/constants.ts";
import { SLASH_REASONS as IDL_SLASH_REASONS, type SlashReason as IdlSlashReason } from "./generated/enums.ts";
import { toHash32, toI64, toPublicKey, toU16, toU64, toU8, type Hash32Input, type IntegerInput, type PublicKeyInput } from "./inputs.ts";
import {
  GPUNET_PROGRAM_ID,
  findConfigPda,
  findEscrowPda,
  findJobPda,
  findProgramDataPda,
  findProviderPda,
  findRewardVaultPda,
  findStakeVaultPda,
} from "./pdas.ts";
import { jobAddress, statusByte, type JobRef, type ProviderStatus } from "./accounts.ts";
import { associatedTokenAddress } from "./token.ts";

/** Options every builder takes. */
export interface BuilderOptions {
  /** The program id; default the IDL's address. */
  readonly programId?: PublicKeyInput;
}

function programIdOf(o: BuilderOptions | undefined): PublicKey {
  return o?.programId === undefined ? GPUNET_PROGRAM_ID : toPublicKey(o.programId, "programId");
}

const fixedKey = (address: string): PublicKey => new PublicKey(address);

/**
 * A web3.js instruction from the generated core's account metas (typed by the IDL's
 * account names, so a renamed account is a compile error) and encoded data.
 */
function web3Instruction(metas: readonly AccountMeta<PublicKey>[], data: Uint8Array, programId: PublicKey): TransactionInstruction {
  const keys = metas.map((m) => ({ pubkey: m.address, isSigner: m.signer, isWritable: m.writable }));
  return new TransactionInstruction({ programId, keys, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
}

/** A token account given directly, or derived as the owner's associated token account of the stake mint. */
export type TokenAccountInput = { readonly tokenAccount: PublicKeyInput } | { readonly stakeMint: PublicKeyInput };

/**
 * The owner's token account: the explicit one, else the associated token account
 * of the stake mint (off-curve owners allowed, so PDAs work too).
 * @example
 * ```ts
 * resolveTokenAccount(owner, { stakeMint }, "ownerToken"); // the owner's ATA
 * ```
 */
export function resolveTokenAccount(owner: PublicKeyInput, t: TokenAccountInput, field: string): PublicKey {
  if ("tokenAccount" in t) return toPublicKey(t.tokenAccount, field);
  return associatedTokenAddress(toPublicKey(t.stakeMint, "stakeMint"), toPublicKey(owner, field));
}

// ---------------------------------------------------------------- admin

/** Inputs of {@link getInitializeInstruction}. */
export interface InitializeInput {
  readonly admin: PublicKeyInput;
  readonly stakeMint: PublicKeyInput;
  /** Token account (of the stake mint) receiving slashed stake. */
  readonly treasury: PublicKeyInput;
  readonly slashAuthority: PublicKeyInput;
  readonly minStakePerGpu: IntegerInput;
  /** Seconds, 1..=31,536,000. */
  readonly unbondingPeriod: IntegerInput;
  /** Seconds, 1..=31,536,000. */
  readonly challengeWindow: IntegerInput;
  /** <= 2000. */
  readonly protocolFeeBps: IntegerInput;
  /** <= 10000. */
  readonly slashCapBps: IntegerInput;
  /** Accept a stake mint that has a freeze authority (default false: such a mint is refused). */
  readonly allowFreezeAuthority?: boolean;
  /**
   * Seconds, 0..=31,536,000, over which each funding and fee is released to stakers
   * (default 86,400; 0 releases at once, which lets stake present for one
   * transaction take a share).
   */
  readonly rewardPeriod?: IntegerInput;
}

/** The SDK's default reward release period: one day. */
export const DEFAULT_REWARD_PERIOD = 86_400n;

/**
 * `initialize`: creates Config and the reward vault; `admin` signs and pays, and
 * must be the program's upgrade authority (the program reads its ProgramData).
 * @example
 * ```ts
 * const treasury = resolveTokenAccount(admin.publicKey, { stakeMint }, "treasury"); // the admin's ATA of the stake mint
 * const ix = getInitializeInstruction({ admin: admin.publicKey, stakeMint, treasury, slashAuthority: admin.publicKey, minStakePerGpu: 1_000n,
 *   unbondingPeriod: 86_400, challengeWindow: 3_600, protocolFeeBps: 500, slashCapBps: 1_000 });
 * ```
 */
export function getInitializeInstruction(i: InitializeInput, o?: BuilderOptions): TransactionInstruction {
  const pid = programIdOf(o);
  const [config, configBump] = findConfigPda(pid);
  const [rewardVault, rewardVaultBump] = findRewardVaultPda(pid);
  return web3Instruction(
    G.initializeAccountMetas(
      {
        config,
        rewardVault: rewardVault,
        stakeMint: toPublicKey(i.stakeMint, "stakeMint"),
        treasury: toPublicKey(i.treasury, "treasury"),
        admin: toPublicKey(i.admin, "admin"),
        programData: findProgramDataPda(pid)[0],
      },
      fixedKey,
    ),
    G.encodeInitializeData({
      minStakePerGpu: toU64(i.minStakePerGpu, "minStakePerGpu"),
      unbondingPeriod: toI64(i.unbondingPeriod, "unbondingPeriod"),
      challengeWindow: toI64(i.challengeWindow, "challengeWindow"),
      slashAuthority: toPublicKey(i.slashAuthority, "slashAuthority").toBytes(),
      protocolFeeBps: toU16(i.protocolFeeBps, "protocolFeeBps"),
      slashCapBps: toU16(i.slashCapBps, "slashCapBps"),
      configBump: configBump,
      rewardVaultBump: rewardVaultBump,
      allowFreezeAuthority: i.allowFreezeAuthority ?? false,
      rewardPeriod: toI64(i.rewardPeriod ?? DEFAULT_REWARD_PERIOD, "rewardPeriod"),
    }),
    pid,
  );
}

/** The Config changes of {@link getUpdateConfigInstruction}; only given fields change (the mask is computed). */
export interface ConfigChanges {
  readonly admin?: PublicKeyInput;
  readonly slashAuthority?: PublicKeyInput;
  readonly minStakePerGpu?: IntegerInput;
  readonly unbondingPeriod?: IntegerInput;
  readonly challengeWindow?: IntegerInput;
  readonly protocolFeeBps?: IntegerInput;
  readonly slashCapBps?: IntegerInput;
  readonly paused?: boolean;
  /** New treasury token account (must hold the stake mint). */
  readonly treasury?: PublicKeyInput;
  /** Seconds over which later fundings and fees are released (0..=31,536,000). */
  readonly rewardPeriod?: IntegerInput;
}

/** Mask bits of `update_config`, by the Config field each changes (the IDL's `CONFIG_MASK_*` constants). */
export const UPDATE_CONFIG_MASK: typeof CONFIG_MASK = CONFIG_MASK;

/**
 * `update_config`: the admin changes the given fields.
 * @example
 * ```ts
 * getUpdateConfigInstruction({ admin: admin.publicKey, changes: { paused: true } });
 * ```
 */
export function getUpdateConfigInstruction(i: { readonly admin: PublicKeyInput; readonly changes: ConfigChanges }, o?: BuilderOptions): TransactionInstruction {
  const pid = programIdOf(o);
  const c = i.changes;
  const admin = toPublicKey(i.admin, "admin");
  let mask = 0;
  for (const k of Object.keys(UPDATE_CONFIG_MASK) as (keyof ConfigChanges)[]) if (c[k] !== undefined) mask |= UPDATE_CONFIG_MASK[k];
  if (mask === 0) throw new GpunetError("InvalidInput", "updateConfig needs at least one change", { field: "changes" });
  return web3Instruction(
    G.updateConfigAccountMetas(
      {
        config: findConfigPda(pid)[0],
        admin,
        // Read only when the treasury bit is set; any account fills the slot otherwise.
        treasury: c.treasury !== undefined ? toPublicKey(c.treasury, "treasury") : admin,
      },
      fixedKey,
    ),
    G.encodeUpdateConfigData({
      newAdmin: (c.admin !== undefined ? toPublicKey(c.admin, "admin") : PublicKey.default).toBytes(),
      newSlashAuthority: (c.slashAuthority !== undefined ? toPublicKey(c.slashAuthority, "slashAuthority") : PublicKey.default).toBytes(),
      minStakePerGpu: toU64(c.minStakePerGpu ?? 0, "minStakePerGpu"),
      unbondingPeriod: toI64(c.unbondingPeriod ?? 0, "unbondingPeriod"),
      challengeWindow: toI64(c.challengeWindow ?? 0, "challengeWindow"),
      mask,
      protocolFeeBps: toU16(c.protocolFeeBps ?? 0, "protocolFeeBps"),
      slashCapBps: toU16(c.slashCapBps ?? 0, "slashCapBps"),
      paused: c.paused ?? false,
      rewardPeriod: toI64(c.rewardPeriod ?? 0, "rewardPeriod"),
    }),
    pid,
  );
}

// ---------------------------------------------------------------- providers

/** Hardware description of a provider. */
export interface ProviderHardware {
  readonly gpuModel: IntegerInput;
  readonly gpuCount: IntegerInput;
  readonly vramGb: IntegerInput;
  readonly region: IntegerInput;
  /** Hash of off-chain metadata; default 32 zero bytes. */
  readonly metadataHash?: Hash32Input;
}

/**
 * `register_provider`: creates the owner's Provider and stake vault; the owner signs and pays.
 * @example
 * ```ts
 * getRegisterProviderInstruction({ owner, stakeMint, gpuModel: 1, gpuCount: 8, vramGb: 80, region: 1 });
 * ```
 */
export function getRegisterProviderInstruction(
  i: ProviderHardware & { readonly owner: PublicKeyInput; readonly stakeMint: PublicKeyInput },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const owner = toPublicKey(i.owner, "owner");
  const [provider, providerBump] = findProviderPda(owner, pid);
  const [stakeVault, vaultBump] = findStakeVaultPda(provider, pid);
  return web3Instruction(
    G.registerProviderAccountMetas(
      {
        config: findConfigPda(pid)[0],
        provider,
        stakeVault: stakeVault,
        stakeMint: toPublicKey(i.stakeMint, "stakeMint"),
        owner,
      },
      fixedKey,
    ),
    G.encodeRegisterProviderData({
      gpuModel: toU16(i.gpuModel, "gpuModel"),
      gpuCount: toU16(i.gpuCount, "gpuCount"),
      vramGb: toU16(i.vramGb, "vramGb"),
      region: toU16(i.region, "region"),
      metadataHash: toHash32(i.metadataHash, "metadataHash"),
      providerBump: providerBump,
      vaultBump: vaultBump,
    }),
    pid,
  );
}

/**
 * `update_provider`: the owner changes hardware, metadata and status.
 * @example
 * ```ts
 * getUpdateProviderInstruction({ owner, gpuModel: 1, gpuCount: 8, vramGb: 80, region: 1, status: "inactive" });
 * ```
 */
export function getUpdateProviderInstruction(
  i: ProviderHardware & { readonly owner: PublicKeyInput; readonly status: ProviderStatus },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const owner = toPublicKey(i.owner, "owner");
  return web3Instruction(
    G.updateProviderAccountMetas({ config: findConfigPda(pid)[0], provider: findProviderPda(owner, pid)[0], owner }, fixedKey),
    G.encodeUpdateProviderData({
      gpuModel: toU16(i.gpuModel, "gpuModel"),
      gpuCount: toU16(i.gpuCount, "gpuCount"),
      vramGb: toU16(i.vramGb, "vramGb"),
      region: toU16(i.region, "region"),
      status: toU8(statusByte(i.status), "status"),
      metadataHash: toHash32(i.metadataHash, "metadataHash"),
    }),
    pid,
  );
}

/**
 * `stake`: moves `amount` from the owner's token account into the stake vault.
 * @example
 * ```ts
 * getStakeInstruction({ owner, amount: 5_000n, stakeMint });
 * ```
 */
export function getStakeInstruction(
  i: { readonly owner: PublicKeyInput; readonly amount: IntegerInput } & TokenAccountInput,
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const amount = toU64(i.amount, "amount");
  const owner = toPublicKey(i.owner, "owner");
  const provider = findProviderPda(owner, pid)[0];
  return web3Instruction(
    G.stakeAccountMetas(
      {
        config: findConfigPda(pid)[0],
        provider,
        stakeVault: findStakeVaultPda(provider, pid)[0],
        ownerToken: resolveTokenAccount(owner, i, "ownerToken"),
        owner,
      },
      fixedKey,
    ),
    G.encodeStakeData({ amount }),
    pid,
  );
}

/**
 * `request_unstake`: starts unbonding `amount` of active stake.
 * @example
 * ```ts
 * getRequestUnstakeInstruction({ owner, amount: 1_000n });
 * ```
 */
export function getRequestUnstakeInstruction(i: { readonly owner: PublicKeyInput; readonly amount: IntegerInput }, o?: BuilderOptions): TransactionInstruction {
  const pid = programIdOf(o);
  const amount = toU64(i.amount, "amount");
  const owner = toPublicKey(i.owner, "owner");
  return web3Instruction(
    G.requestUnstakeAccountMetas({ config: findConfigPda(pid)[0], provider: findProviderPda(owner, pid)[0], owner }, fixedKey),
    G.encodeRequestUnstakeData({ amount }),
    pid,
  );
}

/**
 * `withdraw_unstaked`: pays all unbonded stake to the owner's token account once unlocked.
 * @example
 * ```ts
 * getWithdrawUnstakedInstruction({ owner, stakeMint });
 * ```
 */
export function getWithdrawUnstakedInstruction(i: { readonly owner: PublicKeyInput } & TokenAccountInput, o?: BuilderOptions): TransactionInstruction {
  const pid = programIdOf(o);
  const owner = toPublicKey(i.owner, "owner");
  const provider = findProviderPda(owner, pid)[0];
  return web3Instruction(
    G.withdrawUnstakedAccountMetas(
      {
        config: findConfigPda(pid)[0],
        provider,
        stakeVault: findStakeVaultPda(provider, pid)[0],
        ownerToken: resolveTokenAccount(owner, i, "ownerToken"),
        owner,
      },
      fixedKey,
    ),
    G.encodeWithdrawUnstakedData({}),
    pid,
  );
}

/**
 * `fund_rewards`: anyone funds `amount` of rewards for stakers.
 * @example
 * ```ts
 * getFundRewardsInstruction({ funder: payer.publicKey, amount: 50_000n, stakeMint });
 * ```
 */
export function getFundRewardsInstruction(
  i: { readonly funder: PublicKeyInput; readonly amount: IntegerInput } & TokenAccountInput,
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const amount = toU64(i.amount, "amount");
  const funder = toPublicKey(i.funder, "funder");
  return web3Instruction(
    G.fundRewardsAccountMetas(
      {
        config: findConfigPda(pid)[0],
        rewardVault: findRewardVaultPda(pid)[0],
        funderToken: resolveTokenAccount(funder, i, "funderToken"),
        funder,
      },
      fixedKey,
    ),
    G.encodeFundRewardsData({ amount }),
    pid,
  );
}

/**
 * `claim_rewards`: pays the owner's accrued rewards to its token account.
 * @example
 * ```ts
 * getClaimRewardsInstruction({ owner, stakeMint });
 * ```
 */
export function getClaimRewardsInstruction(i: { readonly owner: PublicKeyInput } & TokenAccountInput, o?: BuilderOptions): TransactionInstruction {
  const pid = programIdOf(o);
  const owner = toPublicKey(i.owner, "owner");
  return web3Instruction(
    G.claimRewardsAccountMetas(
      {
        config: findConfigPda(pid)[0],
        provider: findProviderPda(owner, pid)[0],
        rewardVault: findRewardVaultPda(pid)[0],
        ownerToken: resolveTokenAccount(owner, i, "ownerToken"),
        owner,
      },
      fixedKey,
    ),
    G.encodeClaimRewardsData({}),
    pid,
  );
}

/** Which provider: its PDA address or its owner. */
export type ProviderInput = { readonly provider: PublicKeyInput } | { readonly providerOwner: PublicKeyInput };

function providerOf(i: ProviderInput, pid: PublicKey): PublicKey {
  return "provider" in i ? toPublicKey(i.provider, "provider") : findProviderPda(i.providerOwner, pid)[0];
}

/**
 * `slash`: the slash authority moves `amount` of a provider's stake to the treasury.
 * @example
 * ```ts
 * const { data: config } = await fetchConfig(connection);
 * const evidenceHash = new Uint8Array(32); // e.g. sha256 of the evidence bundle
 * getSlashInstruction({ slashAuthority: config.slashAuthority, providerOwner, treasury: config.treasury, amount: 100n, reason: "downtime", evidenceHash });
 * ```
 */
export function getSlashInstruction(
  i: ProviderInput & {
    readonly slashAuthority: PublicKeyInput;
    readonly treasury: PublicKeyInput;
    readonly amount: IntegerInput;
    readonly reason: SlashReason;
    readonly evidenceHash?: Hash32Input;
  },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const amount = toU64(i.amount, "amount");
  const provider = providerOf(i, pid);
  return web3Instruction(
    G.slashAccountMetas(
      {
        config: findConfigPda(pid)[0],
        provider,
        stakeVault: findStakeVaultPda(provider, pid)[0],
        treasury: toPublicKey(i.treasury, "treasury"),
        slashAuthority: toPublicKey(i.slashAuthority, "slashAuthority"),
      },
      fixedKey,
    ),
    G.encodeSlashData({ amount, reason: slashReasonOf(i.reason), evidenceHash: toHash32(i.evidenceHash, "evidenceHash") }),
    pid,
  );
}

/** Why a provider is slashed (the IDL's SlashReason, as Anchor spells its variants). */
export type SlashReason = IdlSlashReason;
/** SlashReason variants in IDL order (the byte the program reads). */
export const SLASH_REASONS: readonly SlashReason[] = IDL_SLASH_REASONS;

function slashReasonOf(r: SlashReason): SlashReason {
  if (!SLASH_REASONS.includes(r)) throw new GpunetError("InvalidArgument", `reason must be one of ${SLASH_REASONS.join(", ")}`, { field: "reason" });
  return r;
}

// ---------------------------------------------------------------- jobs

/** Inputs of {@link getCreateJobInstruction}. */
export interface CreateJobInput {
  readonly buyer: PublicKeyInput;
  readonly jobId: IntegerInput;
  readonly price: IntegerInput;
  /** Seconds the provider has after accepting, 1..=31,536,000. */
  readonly maxDuration: IntegerInput;
  readonly minGpus: IntegerInput;
  /** 0 accepts any model (default). */
  readonly gpuModel?: IntegerInput;
  readonly minVramGb?: IntegerInput;
  readonly specHash?: Hash32Input;
}

/**
 * `create_job`: the buyer escrows `price` for a job; pays rent for the job and escrow.
 * @example
 * ```ts
 * getCreateJobInstruction({ buyer, jobId: 1n, price: 10_000n, maxDuration: 3_600, minGpus: 1, stakeMint });
 * ```
 */
export function getCreateJobInstruction(
  i: CreateJobInput & { readonly stakeMint: PublicKeyInput; readonly buyerToken?: PublicKeyInput },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const buyer = toPublicKey(i.buyer, "buyer");
  const jobId = toU64(i.jobId, "jobId");
  const price = toU64(i.price, "price");
  const [job, jobBump] = findJobPda(buyer, jobId, pid);
  const [escrow, escrowBump] = findEscrowPda(job, pid);
  const stakeMint = toPublicKey(i.stakeMint, "stakeMint");
  return web3Instruction(
    G.createJobAccountMetas(
      {
        config: findConfigPda(pid)[0],
        job,
        escrow,
        stakeMint: stakeMint,
        buyerToken: i.buyerToken !== undefined ? toPublicKey(i.buyerToken, "buyerToken") : resolveTokenAccount(buyer, { stakeMint }, "buyerToken"),
        buyer,
      },
      fixedKey,
    ),
    G.encodeCreateJobData({
      jobId: jobId,
      price,
      maxDuration: toI64(i.maxDuration, "maxDuration"),
      minGpus: toU16(i.minGpus, "minGpus"),
      gpuModel: toU16(i.gpuModel ?? 0, "gpuModel"),
      minVramGb: toU16(i.minVramGb ?? 0, "minVramGb"),
      specHash: toHash32(i.specHash, "specHash"),
      jobBump: jobBump,
      escrowBump: escrowBump,
    }),
    pid,
  );
}

/**
 * `cancel_job`: the buyer cancels an open job; the escrow refunds to the buyer's token account.
 * @example
 * ```ts
 * getCancelJobInstruction({ buyer, job: { buyer, jobId: 1n }, stakeMint });
 * ```
 */
export function getCancelJobInstruction(
  i: { readonly buyer: PublicKeyInput; readonly job: JobRef } & TokenAccountInput,
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const buyer = toPublicKey(i.buyer, "buyer");
  const job = jobAddress(i.job, pid);
  return web3Instruction(
    G.cancelJobAccountMetas(
      {
        config: findConfigPda(pid)[0],
        job,
        escrow: findEscrowPda(job, pid)[0],
        buyerToken: resolveTokenAccount(buyer, i, "buyerToken"),
        buyer,
      },
      fixedKey,
    ),
    G.encodeCancelJobData({}),
    pid,
  );
}

/**
 * `accept_job`: a provider's owner takes an open job.
 * @example
 * ```ts
 * const [jobPda] = findJobPda(buyer, 1n);
 * getAcceptJobInstruction({ owner, job: { address: jobPda } });
 * ```
 */
export function getAcceptJobInstruction(i: { readonly owner: PublicKeyInput; readonly job: JobRef }, o?: BuilderOptions): TransactionInstruction {
  const pid = programIdOf(o);
  const owner = toPublicKey(i.owner, "owner");
  return web3Instruction(
    G.acceptJobAccountMetas({ config: findConfigPda(pid)[0], job: jobAddress(i.job, pid), provider: findProviderPda(owner, pid)[0], owner }, fixedKey),
    G.encodeAcceptJobData({}),
    pid,
  );
}

/**
 * `submit_result`: the accepted provider's owner submits the result hash.
 * @example
 * ```ts
 * declare const output: ArrayBuffer; // the job's result
 * const resultHash = new Uint8Array(await crypto.subtle.digest("SHA-256", output));
 * getSubmitResultInstruction({ owner, job: { buyer, jobId: 1n }, resultHash });
 * ```
 */
export function getSubmitResultInstruction(
  i: { readonly owner: PublicKeyInput; readonly job: JobRef; readonly resultHash: Hash32Input },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const owner = toPublicKey(i.owner, "owner");
  return web3Instruction(
    G.submitResultAccountMetas({ config: findConfigPda(pid)[0], job: jobAddress(i.job, pid), provider: findProviderPda(owner, pid)[0], owner }, fixedKey),
    G.encodeSubmitResultData({
      resultHash: toHash32(i.resultHash, "resultHash"),
    }),
    pid,
  );
}

/** A payout token account: explicit, or the ATA of `owner` for the stake mint. */
export type PayoutInput = { readonly tokenAccount: PublicKeyInput } | { readonly owner: PublicKeyInput; readonly stakeMint: PublicKeyInput };

function payoutOf(p: PayoutInput, field: string): PublicKey {
  return "tokenAccount" in p ? toPublicKey(p.tokenAccount, field) : resolveTokenAccount(p.owner, { stakeMint: p.stakeMint }, field);
}

/**
 * `complete_job`: the buyer at once, or anyone after the challenge window; pays the
 * provider's owner and the protocol fee.
 * @example
 * ```ts
 * const [jobPda] = findJobPda(buyer, 1n);
 * getCompleteJobInstruction({ authority: buyer, job: { address: jobPda }, providerOwner, providerPayout: { owner: providerOwner, stakeMint } });
 * ```
 */
export function getCompleteJobInstruction(
  i: ProviderInput & { readonly authority: PublicKeyInput; readonly job: JobRef; readonly providerPayout: PayoutInput },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const job = jobAddress(i.job, pid);
  return web3Instruction(
    G.completeJobAccountMetas(
      {
        config: findConfigPda(pid)[0],
        job,
        escrow: findEscrowPda(job, pid)[0],
        provider: providerOf(i, pid),
        providerToken: payoutOf(i.providerPayout, "providerToken"),
        rewardVault: findRewardVaultPda(pid)[0],
        authority: toPublicKey(i.authority, "authority"),
      },
      fixedKey,
    ),
    G.encodeCompleteJobData({}),
    pid,
  );
}

/**
 * `dispute_job`: the buyer disputes a submitted result within the challenge window.
 * @example
 * ```ts
 * const reasonHash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode("wrong output")));
 * getDisputeJobInstruction({ buyer, job: { buyer, jobId: 1n }, reasonHash });
 * ```
 */
export function getDisputeJobInstruction(
  i: { readonly buyer: PublicKeyInput; readonly job: JobRef; readonly reasonHash?: Hash32Input },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  return web3Instruction(
    G.disputeJobAccountMetas({ config: findConfigPda(pid)[0], job: jobAddress(i.job, pid), buyer: toPublicKey(i.buyer, "buyer") }, fixedKey),
    G.encodeDisputeJobData({
      reasonHash: toHash32(i.reasonHash, "reasonHash"),
    }),
    pid,
  );
}

/**
 * `resolve_dispute`: the admin splits a disputed job's escrow.
 * @example
 * ```ts
 * getResolveDisputeInstruction({ admin: admin.publicKey, job: { buyer, jobId: 1n }, providerOwner, providerPayout: { owner: providerOwner, stakeMint }, buyerRefund: { owner: buyer, stakeMint }, providerShareBps: 6_000 });
 * ```
 */
export function getResolveDisputeInstruction(
  i: ProviderInput & {
    readonly admin: PublicKeyInput;
    readonly job: JobRef;
    readonly providerPayout: PayoutInput;
    readonly buyerRefund: PayoutInput;
    readonly providerShareBps: IntegerInput;
  },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const job = jobAddress(i.job, pid);
  return web3Instruction(
    G.resolveDisputeAccountMetas(
      {
        config: findConfigPda(pid)[0],
        job,
        escrow: findEscrowPda(job, pid)[0],
        provider: providerOf(i, pid),
        providerToken: payoutOf(i.providerPayout, "providerToken"),
        buyerToken: payoutOf(i.buyerRefund, "buyerToken"),
        rewardVault: findRewardVaultPda(pid)[0],
        admin: toPublicKey(i.admin, "admin"),
      },
      fixedKey,
    ),
    G.encodeResolveDisputeData({ providerShareBps: toU16(i.providerShareBps, "providerShareBps") }),
    pid,
  );
}

/**
 * `expire_job`: anyone, after the deadline of an accepted job (or max_duration after
 * the creation of one nobody accepted: its provider is the zero key); refunds the buyer.
 * @example
 * ```ts
 * getExpireJobInstruction({ caller: payer.publicKey, job: { buyer, jobId: 1n }, providerOwner, buyerRefund: { owner: buyer, stakeMint } });
 * ```
 */
export function getExpireJobInstruction(
  i: ProviderInput & { readonly caller: PublicKeyInput; readonly job: JobRef; readonly buyerRefund: PayoutInput },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const job = jobAddress(i.job, pid);
  return web3Instruction(
    G.expireJobAccountMetas(
      {
        config: findConfigPda(pid)[0],
        job,
        escrow: findEscrowPda(job, pid)[0],
        provider: providerOf(i, pid),
        buyerToken: payoutOf(i.buyerRefund, "buyerToken"),
        caller: toPublicKey(i.caller, "caller"),
      },
      fixedKey,
    ),
    G.encodeExpireJobData({}),
    pid,
  );
}

/**
 * `close_job`: anyone closes a finished job; rent goes back to the buyer, and any
 * tokens sent into the escrow from outside go to the treasury (Config.treasury).
 * @example
 * ```ts
 * const { data: config } = await fetchConfig(connection);
 * const [jobPda] = findJobPda(buyer, 1n);
 * getCloseJobInstruction({ caller: payer.publicKey, job: { address: jobPda }, buyer, treasury: config.treasury });
 * ```
 */
export function getCloseJobInstruction(
  i: { readonly caller: PublicKeyInput; readonly job: JobRef; readonly buyer: PublicKeyInput; readonly treasury: PublicKeyInput },
  o?: BuilderOptions,
): TransactionInstruction {
  const pid = programIdOf(o);
  const job = jobAddress(i.job, pid);
  return web3Instruction(
    G.closeJobAccountMetas(
      {
        config: findConfigPda(pid)[0],
        job,
        escrow: findEscrowPda(job, pid)[0],
        buyer: toPublicKey(i.buyer, "buyer"),
        treasury: toPublicKey(i.treasury, "treasury"),
        caller: toPublicKey(i.caller, "caller"),
      },
      fixedKey,
    ),
    G.encodeCloseJobData({}),
    pid,
  );
}

/**
 * Decodes a gpunet instruction (a web3.js `TransactionInstruction`, or data with its
 * accounts' base58 addresses) back to its name, accounts by IDL name and typed arguments.
 *
 * @throws {GpunetError} `InstructionDecodeFailed` for an unknown discriminator, bad data or too few accounts.
 * @example
 * ```ts
 * const ix = getStakeInstruction({ owner, amount: 5_000n, stakeMint });
 * const parsed = parseGpunetInstruction(ix);
 * if (parsed.name === "stake") console.log(parsed.data.amount, parsed.accounts.stakeVault); // 5000n, base58
 * ```
 */
export function parseGpunetInstruction(ix: TransactionInstruction | InstructionInput): G.ParsedGpunetInstruction {
  if ("keys" in ix) return G.parseGpunetInstruction({ data: ix.data, accounts: ix.keys.map((k) => ({ address: k.pubkey.toBase58() })) });
  return G.parseGpunetInstruction(ix);
}
