/**
 * Instruction builders, one per IDL instruction. Each takes typed inputs
 * (`number | bigint` for integers, any public key form), validates them before
 * anything is built (U64OutOfRange, InvalidPublicKey), derives every PDA and
 * associated token account, and returns a TransactionInstruction. Nothing here
 * needs a throwaway signer or an RPC round trip.
 *
 * Account order, writable and signer flags come from the IDL; instruction data (the
 * 8-byte discriminator, then the Borsh encoding of the arguments in IDL order) is
 * written from the IDL layout. Why not Anchor's BorshInstructionCoder: its Borsh
 * layer needs a global `Buffer` (and BN), so it throws in a browser bundle that has
 * no Buffer polyfill; the tests check every builder's bytes against Anchor's coder.
 */
import { Buffer } from "buffer";
import { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { GPUNET_IDL } from "./idl.ts";
import { GpunetError } from "./errors.ts";
import { layoutFields, type StructLayout } from "./layout.ts";
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

type ArgValue = bigint | number | boolean | PublicKey | Uint8Array;

/**
 * Builds an instruction from the IDL: accounts by IDL (snake_case) name, args by
 * IDL name, already validated. Fixed-address accounts (system, token program) are
 * filled from the IDL.
 */
function build(
  name: string,
  accounts: Readonly<Record<string, PublicKey>>,
  args: Readonly<Record<string, ArgValue>>,
  programId: PublicKey,
): TransactionInstruction {
  const ix = GPUNET_IDL.instructions.find((i) => i.name === name);
  if (!ix) throw new GpunetError("IdlMismatch", `instruction ${name} is not in the IDL`, {});
  const keys = ix.accounts.map((a) => {
    const pubkey = accounts[a.name] ?? (a.address !== undefined ? new PublicKey(a.address) : constPda(a.pda, programId));
    if (!pubkey) throw new GpunetError("IdlMismatch", `${name}: no value for account ${a.name}`, { field: a.name });
    return { pubkey, isSigner: a.signer === true, isWritable: a.writable === true };
  });
  const layout = layoutFields(name, ix.args);
  const data = new Uint8Array(8 + layout.size);
  data.set(ix.discriminator, 0);
  encodeArgs(name, layout, args, data);
  return new TransactionInstruction({ programId, keys, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
}

/** Writes validated arguments at their IDL offsets (after the 8-byte discriminator). */
function encodeArgs(ixName: string, layout: StructLayout, args: Readonly<Record<string, ArgValue>>, out: Uint8Array): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const f of layout.fields) {
    const v = args[f.idlName];
    const at = 8 + f.offset;
    const wrong = (): GpunetError => new GpunetError("IdlMismatch", `${ixName}: argument ${f.idlName} (${f.kind}) got ${typeof v}`, { field: f.idlName });
    switch (f.kind) {
      case "u8":
      case "i8":
      case "u16":
      case "i16":
      case "u32":
      case "i32": {
        if (typeof v !== "number") throw wrong();
        if (f.kind === "u8") dv.setUint8(at, v);
        else if (f.kind === "i8") dv.setInt8(at, v);
        else if (f.kind === "u16") dv.setUint16(at, v, true);
        else if (f.kind === "i16") dv.setInt16(at, v, true);
        else if (f.kind === "u32") dv.setUint32(at, v, true);
        else dv.setInt32(at, v, true);
        break;
      }
      case "enum":
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= (f.variants?.length ?? 0)) throw wrong();
        dv.setUint8(at, v);
        break;
      case "bool":
        if (typeof v !== "boolean") throw wrong();
        dv.setUint8(at, v ? 1 : 0);
        break;
      case "u64":
      case "i64": {
        if (typeof v !== "bigint") throw wrong();
        if (f.kind === "u64") dv.setBigUint64(at, v, true);
        else dv.setBigInt64(at, v, true);
        break;
      }
      case "u128":
      case "i128": {
        if (typeof v !== "bigint") throw wrong();
        const m = BigInt.asUintN(128, v);
        dv.setBigUint64(at, m & 0xffff_ffff_ffff_ffffn, true);
        dv.setBigUint64(at + 8, m >> 64n, true);
        break;
      }
      case "pubkey":
        if (!(v instanceof PublicKey)) throw wrong();
        out.set(v.toBytes(), at);
        break;
      case "bytes":
        if (!(v instanceof Uint8Array) || v.length !== f.size) throw wrong();
        out.set(v, at);
        break;
    }
  }
}

/**
 * An account whose IDL seeds are all constants (Config, the reward vault) is derived
 * from the IDL itself, so a builder keeps working when the contract adds one.
 */
function constPda(pda: unknown, programId: PublicKey): PublicKey | undefined {
  const seeds = (pda as { seeds?: { kind: string; value?: number[] }[] } | undefined)?.seeds;
  if (!seeds || seeds.length === 0 || !seeds.every((x) => x.kind === "const" && Array.isArray(x.value))) return undefined;
  return PublicKey.findProgramAddressSync(
    seeds.map((x) => Uint8Array.from(x.value as number[])),
    programId,
  )[0];
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
  return build(
    "initialize",
    {
      config,
      reward_vault: rewardVault,
      stake_mint: toPublicKey(i.stakeMint, "stakeMint"),
      treasury: toPublicKey(i.treasury, "treasury"),
      admin: toPublicKey(i.admin, "admin"),
      program_data: findProgramDataPda(pid)[0],
    },
    {
      min_stake_per_gpu: toU64(i.minStakePerGpu, "minStakePerGpu"),
      unbonding_period: toI64(i.unbondingPeriod, "unbondingPeriod"),
      challenge_window: toI64(i.challengeWindow, "challengeWindow"),
      slash_authority: toPublicKey(i.slashAuthority, "slashAuthority"),
      protocol_fee_bps: toU16(i.protocolFeeBps, "protocolFeeBps"),
      slash_cap_bps: toU16(i.slashCapBps, "slashCapBps"),
      config_bump: configBump,
      reward_vault_bump: rewardVaultBump,
      allow_freeze_authority: i.allowFreezeAuthority ?? false,
      reward_period: toI64(i.rewardPeriod ?? DEFAULT_REWARD_PERIOD, "rewardPeriod"),
    },
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

/** Mask bits of `update_config` (docs/protocol.md). */
export const UPDATE_CONFIG_MASK = {
  admin: 1,
  slashAuthority: 2,
  minStakePerGpu: 4,
  unbondingPeriod: 8,
  challengeWindow: 16,
  protocolFeeBps: 32,
  slashCapBps: 64,
  paused: 128,
  treasury: 256,
  rewardPeriod: 512,
} as const;

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
  return build(
    "update_config",
    {
      config: findConfigPda(pid)[0],
      admin,
      // Read only when the treasury bit is set; any account fills the slot otherwise.
      treasury: c.treasury !== undefined ? toPublicKey(c.treasury, "treasury") : admin,
    },
    {
      new_admin: c.admin !== undefined ? toPublicKey(c.admin, "admin") : PublicKey.default,
      new_slash_authority: c.slashAuthority !== undefined ? toPublicKey(c.slashAuthority, "slashAuthority") : PublicKey.default,
      min_stake_per_gpu: toU64(c.minStakePerGpu ?? 0, "minStakePerGpu"),
      unbonding_period: toI64(c.unbondingPeriod ?? 0, "unbondingPeriod"),
      challenge_window: toI64(c.challengeWindow ?? 0, "challengeWindow"),
      mask,
      protocol_fee_bps: toU16(c.protocolFeeBps ?? 0, "protocolFeeBps"),
      slash_cap_bps: toU16(c.slashCapBps ?? 0, "slashCapBps"),
      paused: c.paused ?? false,
      reward_period: toI64(c.rewardPeriod ?? 0, "rewardPeriod"),
    },
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
  return build(
    "register_provider",
    {
      config: findConfigPda(pid)[0],
      provider,
      stake_vault: stakeVault,
      stake_mint: toPublicKey(i.stakeMint, "stakeMint"),
      owner,
    },
    {
      gpu_model: toU16(i.gpuModel, "gpuModel"),
      gpu_count: toU16(i.gpuCount, "gpuCount"),
      vram_gb: toU16(i.vramGb, "vramGb"),
      region: toU16(i.region, "region"),
      metadata_hash: toHash32(i.metadataHash, "metadataHash"),
      provider_bump: providerBump,
      vault_bump: vaultBump,
    },
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
  return build(
    "update_provider",
    { config: findConfigPda(pid)[0], provider: findProviderPda(owner, pid)[0], owner },
    {
      gpu_model: toU16(i.gpuModel, "gpuModel"),
      gpu_count: toU16(i.gpuCount, "gpuCount"),
      vram_gb: toU16(i.vramGb, "vramGb"),
      region: toU16(i.region, "region"),
      status: toU8(statusByte(i.status), "status"),
      metadata_hash: toHash32(i.metadataHash, "metadataHash"),
    },
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
  return build(
    "stake",
    {
      config: findConfigPda(pid)[0],
      provider,
      stake_vault: findStakeVaultPda(provider, pid)[0],
      owner_token: resolveTokenAccount(owner, i, "ownerToken"),
      owner,
    },
    { amount },
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
  return build("request_unstake", { config: findConfigPda(pid)[0], provider: findProviderPda(owner, pid)[0], owner }, { amount }, pid);
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
  return build(
    "withdraw_unstaked",
    {
      config: findConfigPda(pid)[0],
      provider,
      stake_vault: findStakeVaultPda(provider, pid)[0],
      owner_token: resolveTokenAccount(owner, i, "ownerToken"),
      owner,
    },
    {},
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
  return build(
    "fund_rewards",
    {
      config: findConfigPda(pid)[0],
      reward_vault: findRewardVaultPda(pid)[0],
      funder_token: resolveTokenAccount(funder, i, "funderToken"),
      funder,
    },
    { amount },
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
  return build(
    "claim_rewards",
    {
      config: findConfigPda(pid)[0],
      provider: findProviderPda(owner, pid)[0],
      reward_vault: findRewardVaultPda(pid)[0],
      owner_token: resolveTokenAccount(owner, i, "ownerToken"),
      owner,
    },
    {},
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
  return build(
    "slash",
    {
      config: findConfigPda(pid)[0],
      provider,
      stake_vault: findStakeVaultPda(provider, pid)[0],
      treasury: toPublicKey(i.treasury, "treasury"),
      slash_authority: toPublicKey(i.slashAuthority, "slashAuthority"),
    },
    { amount, reason: slashReasonIndex(i.reason), evidence_hash: toHash32(i.evidenceHash, "evidenceHash") },
    pid,
  );
}

/** Why a provider is slashed (the IDL's SlashReason, as Anchor spells its variants). */
export type SlashReason = "downtime" | "failedJob" | "fraud" | "other";
/** SlashReason variants in IDL order (the byte the program reads). */
export const SLASH_REASONS: readonly SlashReason[] = ["downtime", "failedJob", "fraud", "other"];

function slashReasonIndex(r: SlashReason): number {
  const i = SLASH_REASONS.indexOf(r);
  if (i < 0) throw new GpunetError("InvalidArgument", `reason must be one of ${SLASH_REASONS.join(", ")}`, { field: "reason" });
  return i;
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
  return build(
    "create_job",
    {
      config: findConfigPda(pid)[0],
      job,
      escrow,
      stake_mint: stakeMint,
      buyer_token: i.buyerToken !== undefined ? toPublicKey(i.buyerToken, "buyerToken") : resolveTokenAccount(buyer, { stakeMint }, "buyerToken"),
      buyer,
    },
    {
      job_id: jobId,
      price,
      max_duration: toI64(i.maxDuration, "maxDuration"),
      min_gpus: toU16(i.minGpus, "minGpus"),
      gpu_model: toU16(i.gpuModel ?? 0, "gpuModel"),
      min_vram_gb: toU16(i.minVramGb ?? 0, "minVramGb"),
      spec_hash: toHash32(i.specHash, "specHash"),
      job_bump: jobBump,
      escrow_bump: escrowBump,
    },
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
  return build(
    "cancel_job",
    {
      config: findConfigPda(pid)[0],
      job,
      escrow: findEscrowPda(job, pid)[0],
      buyer_token: resolveTokenAccount(buyer, i, "buyerToken"),
      buyer,
    },
    {},
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
  return build("accept_job", { config: findConfigPda(pid)[0], job: jobAddress(i.job, pid), provider: findProviderPda(owner, pid)[0], owner }, {}, pid);
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
  return build(
    "submit_result",
    { config: findConfigPda(pid)[0], job: jobAddress(i.job, pid), provider: findProviderPda(owner, pid)[0], owner },
    {
      result_hash: toHash32(i.resultHash, "resultHash"),
    },
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
  return build(
    "complete_job",
    {
      config: findConfigPda(pid)[0],
      job,
      escrow: findEscrowPda(job, pid)[0],
      provider: providerOf(i, pid),
      provider_token: payoutOf(i.providerPayout, "providerToken"),
      reward_vault: findRewardVaultPda(pid)[0],
      authority: toPublicKey(i.authority, "authority"),
    },
    {},
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
  return build(
    "dispute_job",
    { config: findConfigPda(pid)[0], job: jobAddress(i.job, pid), buyer: toPublicKey(i.buyer, "buyer") },
    {
      reason_hash: toHash32(i.reasonHash, "reasonHash"),
    },
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
  return build(
    "resolve_dispute",
    {
      config: findConfigPda(pid)[0],
      job,
      escrow: findEscrowPda(job, pid)[0],
      provider: providerOf(i, pid),
      provider_token: payoutOf(i.providerPayout, "providerToken"),
      buyer_token: payoutOf(i.buyerRefund, "buyerToken"),
      reward_vault: findRewardVaultPda(pid)[0],
      admin: toPublicKey(i.admin, "admin"),
    },
    { provider_share_bps: toU16(i.providerShareBps, "providerShareBps") },
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
  return build(
    "expire_job",
    {
      config: findConfigPda(pid)[0],
      job,
      escrow: findEscrowPda(job, pid)[0],
      provider: providerOf(i, pid),
      buyer_token: payoutOf(i.buyerRefund, "buyerToken"),
      caller: toPublicKey(i.caller, "caller"),
    },
    {},
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
  return build(
    "close_job",
    {
      job,
      escrow: findEscrowPda(job, pid)[0],
      buyer: toPublicKey(i.buyer, "buyer"),
      treasury: toPublicKey(i.treasury, "treasury"),
      caller: toPublicKey(i.caller, "caller"),
    },
    {},
    pid,
  );
}
