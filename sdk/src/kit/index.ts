/**
 * `@gpunet/sdk/kit`: the gpunet SDK for `@solana/kit` apps. Plain, tree-shakable
 * functions that return Kit `Instruction`s (accounts as `Address`es, signers as
 * `TransactionSigner`s), async PDA derivation with Kit, and the generated decoders.
 * Build, sign and send with Kit's own transaction pipeline and wallet-standard
 * signers; nothing here imports `@solana/web3.js`.
 *
 * @example
 * ```ts
 * import { generateKeyPairSigner, type Address } from "@solana/kit";
 * import { findAssociatedTokenAddress, getStakeInstructionAsync } from "@gpunet/sdk/kit";
 * declare const stakeMint: Address;
 * const owner = await generateKeyPairSigner();
 * const [ownerToken] = await findAssociatedTokenAddress({ owner: owner.address, mint: stakeMint });
 * const ix = await getStakeInstructionAsync({ owner, ownerToken, amount: 250_000_000n });
 * ```
 */
import { getAddressEncoder, getProgramDerivedAddress, type Address, type Instruction } from "@solana/kit";
import { GPUNET_PROGRAM_ADDRESS } from "../generated/constants.ts";
import { parseGpunetInstruction as parseCore, type ParsedGpunetInstruction } from "../generated/instructions.ts";
import * as seeds from "../generated/pdas.ts";
import type { InstructionInput } from "../core/values.ts";
import type { BigIntInput } from "../core/values.ts";

export * from "./instructions.ts";
export type { KitInstructionConfig } from "./support.ts";

// The library-neutral core, shared with the web3.js face.
export {
  GPUNET_PROGRAM_ADDRESS,
  GPUNET_IDL_VERSION,
  BPS_DENOMINATOR,
  MAX_PROTOCOL_FEE_BPS,
  MAX_SLASH_CAP_BPS,
  MAX_PROVIDER_SHARE_BPS,
  MAX_DURATION,
  ACCOUNT_VERSION,
  CONFIG_MASK,
} from "../generated/constants.ts";
export {
  JOB_STATES,
  JOB_STATE,
  jobStateName,
  PROVIDER_STATUSES,
  PROVIDER_STATUS,
  providerStatusName,
  SLASH_REASONS,
  SLASH_REASON,
  JOB_END_REASONS,
  GPU_MODELS,
  GPU_MODEL,
  gpuModelName,
  REGIONS,
  REGION,
  regionName,
} from "../generated/enums.ts";
export type { JobState, ProviderStatus, SlashReason, JobEndReason, GpuModel, Region } from "../generated/enums.ts";
export { GPUNET_ERRORS, GPUNET_ERROR_CODE } from "../generated/errors.ts";
export type { GpunetProgramErrorName } from "../generated/errors.ts";
export { identifyGpunetInstruction, GPUNET_INSTRUCTIONS } from "../generated/instructions.ts";
export type { GpunetInstructionKind, ParsedGpunetInstruction } from "../generated/instructions.ts";
export {
  decodeConfigAccount,
  decodeProviderAccount,
  decodeJobAccount,
  identifyGpunetAccount,
  CONFIG_ACCOUNT_SIZE,
  PROVIDER_ACCOUNT_SIZE,
  JOB_ACCOUNT_SIZE,
  CONFIG_OFFSETS,
  PROVIDER_OFFSETS,
  JOB_OFFSETS,
} from "../generated/accounts.ts";
export type { ConfigAccount, ProviderAccount, JobAccount } from "../generated/accounts.ts";
export { decodeGpunetEvent } from "../generated/events.ts";
export type { DecodedGpunetEvent } from "../generated/events.ts";
export { GpunetError, isGpunetError } from "../errors.ts";
export type { GpunetErrorCode, GpunetErrorContext } from "../errors.ts";
export type { BigIntInput, SmallIntInput, AddressInput, BytesInput } from "../core/values.ts";

/** A PDA and its canonical bump. */
export type KitProgramDerivedAddress = readonly [address: Address, bump: number];

async function find(s: Uint8Array[], programAddress: Address | undefined): Promise<KitProgramDerivedAddress> {
  const [address, bump] = await getProgramDerivedAddress({ programAddress: programAddress ?? (GPUNET_PROGRAM_ADDRESS as Address), seeds: s });
  return [address, bump] as const;
}

/**
 * The Config PDA.
 * @example
 * ```ts
 * import { findConfigPda } from "@gpunet/sdk/kit";
 * const [config] = await findConfigPda();
 * ```
 */
export const findConfigPda = (programAddress?: Address): Promise<KitProgramDerivedAddress> => find(seeds.configSeeds(), programAddress);

/**
 * The reward vault PDA.
 * @example
 * ```ts
 * import { findRewardVaultPda } from "@gpunet/sdk/kit";
 * const [rewardVault] = await findRewardVaultPda();
 * ```
 */
export const findRewardVaultPda = (programAddress?: Address): Promise<KitProgramDerivedAddress> => find(seeds.rewardVaultSeeds(), programAddress);

/**
 * The Provider PDA of an owner.
 * @example
 * ```ts
 * import type { TransactionSigner } from "@solana/kit";
 * import { findProviderPda } from "@gpunet/sdk/kit";
 * declare const owner: TransactionSigner;
 * const [provider] = await findProviderPda(owner.address);
 * ```
 */
export const findProviderPda = (owner: Address, programAddress?: Address): Promise<KitProgramDerivedAddress> =>
  find(seeds.providerSeeds(owner), programAddress);

/**
 * A provider's stake vault PDA.
 * @example
 * ```ts
 * import type { TransactionSigner } from "@solana/kit";
 * import { findProviderPda, findStakeVaultPda } from "@gpunet/sdk/kit";
 * declare const owner: TransactionSigner;
 * const [vault] = await findStakeVaultPda((await findProviderPda(owner.address))[0]);
 * ```
 */
export const findStakeVaultPda = (provider: Address, programAddress?: Address): Promise<KitProgramDerivedAddress> =>
  find(seeds.stakeVaultSeeds(provider), programAddress);

/**
 * A Job PDA: the buyer and the job id (u64).
 * @example
 * ```ts
 * import type { TransactionSigner } from "@solana/kit";
 * import { findJobPda } from "@gpunet/sdk/kit";
 * declare const buyer: TransactionSigner;
 * const [job] = await findJobPda(buyer.address, 1n);
 * ```
 */
export const findJobPda = (buyer: Address, jobId: BigIntInput, programAddress?: Address): Promise<KitProgramDerivedAddress> =>
  find(seeds.jobSeeds(buyer, jobId), programAddress);

/**
 * A job's escrow PDA.
 * @example
 * ```ts
 * import type { TransactionSigner } from "@solana/kit";
 * import { findEscrowPda, findJobPda } from "@gpunet/sdk/kit";
 * declare const buyer: TransactionSigner;
 * const [escrow] = await findEscrowPda((await findJobPda(buyer.address, 1n))[0]);
 * ```
 */
export const findEscrowPda = (job: Address, programAddress?: Address): Promise<KitProgramDerivedAddress> => find(seeds.escrowSeeds(job), programAddress);

/** The BPF Loader Upgradeable, which gpunet is deployed with. */
export const BPF_LOADER_UPGRADEABLE_ADDRESS = "BPFLoaderUpgradeab1e11111111111111111111111" as Address;
/** The SPL Token program. */
export const TOKEN_PROGRAM_ADDRESS = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA" as Address;
/** The Associated Token Account program. */
export const ASSOCIATED_TOKEN_PROGRAM_ADDRESS = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL" as Address;

/**
 * The program's ProgramData account (its upgrade authority is the only key that may `initialize`).
 * @example
 * ```ts
 * import { findProgramDataAddress } from "@gpunet/sdk/kit";
 * const [programData] = await findProgramDataAddress();
 * ```
 */
export async function findProgramDataAddress(programAddress?: Address): Promise<KitProgramDerivedAddress> {
  const enc = getAddressEncoder();
  const [address, bump] = await getProgramDerivedAddress({
    programAddress: BPF_LOADER_UPGRADEABLE_ADDRESS,
    seeds: [enc.encode(programAddress ?? (GPUNET_PROGRAM_ADDRESS as Address))],
  });
  return [address, bump] as const;
}

/**
 * The associated token account of `owner` for `mint` (SPL Token).
 * @example
 * ```ts
 * import type { Address, TransactionSigner } from "@solana/kit";
 * import { findAssociatedTokenAddress } from "@gpunet/sdk/kit";
 * declare const owner: TransactionSigner;
 * declare const stakeMint: Address;
 * const [ownerToken] = await findAssociatedTokenAddress({ owner: owner.address, mint: stakeMint });
 * ```
 */
export async function findAssociatedTokenAddress(i: { readonly owner: Address; readonly mint: Address }): Promise<KitProgramDerivedAddress> {
  const enc = getAddressEncoder();
  const [address, bump] = await getProgramDerivedAddress({
    programAddress: ASSOCIATED_TOKEN_PROGRAM_ADDRESS,
    seeds: [enc.encode(i.owner), enc.encode(TOKEN_PROGRAM_ADDRESS), enc.encode(i.mint)],
  });
  return [address, bump] as const;
}

/**
 * Decodes any gpunet Kit instruction to its name, accounts and arguments.
 * @throws {GpunetError} `InstructionDecodeFailed` when it is no gpunet instruction.
 * @example
 * ```ts
 * import type { Instruction } from "@solana/kit";
 * import { parseGpunetInstruction } from "@gpunet/sdk/kit";
 * declare const ix: Instruction; // e.g. from a transaction message
 * const parsed = parseGpunetInstruction(ix);
 * if (parsed.name === "stake") console.log(parsed.data.amount); // bigint
 * ```
 */
export function parseGpunetInstruction(ix: Instruction): ParsedGpunetInstruction {
  return parseCore(ix as unknown as InstructionInput);
}
