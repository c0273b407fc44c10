/**
 * Program-derived addresses. Seeds come from the IDL's `pda` entries, so a seed
 * change in the contract changes them here. The program stores each bump and
 * never searches; the client-side search finds the canonical bump it expects.
 */
import { PublicKey } from "@solana/web3.js";
import { GPUNET_IDL, GPUNET_PROGRAM_ADDRESS } from "./idl.ts";
import { GpunetError } from "./errors.ts";
import { toPublicKey, toU64, type IntegerInput, type PublicKeyInput } from "./inputs.ts";

/** An address and its canonical bump, like web3.js's `findProgramAddressSync`. */
export type ProgramDerivedAddress = readonly [address: PublicKey, bump: number];

/** The gpunet program id as a PublicKey (the IDL's address). */
export const GPUNET_PROGRAM_ID: PublicKey = new PublicKey(GPUNET_PROGRAM_ADDRESS);

function constSeed(accountName: string): Uint8Array {
  for (const ix of GPUNET_IDL.instructions) {
    for (const a of ix.accounts) {
      const pda = a.pda as { seeds?: { kind: string; value?: number[] }[] } | undefined;
      const first = pda?.seeds?.[0];
      if (a.name === accountName && first?.kind === "const" && first.value) return Uint8Array.from(first.value);
    }
  }
  throw new GpunetError("IdlMismatch", `the IDL declares no PDA seeds for ${accountName}`, {});
}

const SEED_CONFIG = constSeed("config");
const SEED_REWARD_VAULT = constSeed("reward_vault");
const SEED_PROVIDER = constSeed("provider");
const SEED_STAKE_VAULT = constSeed("stake_vault");
const SEED_JOB = constSeed("job");
const SEED_ESCROW = constSeed("escrow");

function pid(programId: PublicKeyInput | undefined): PublicKey {
  return programId === undefined ? GPUNET_PROGRAM_ID : toPublicKey(programId, "programId");
}

function find(seeds: Uint8Array[], programId: PublicKeyInput | undefined): ProgramDerivedAddress {
  const [address, bump] = PublicKey.findProgramAddressSync(seeds, pid(programId));
  return [address, bump] as const;
}

/** The BPF Loader Upgradeable, which gpunet is deployed with. */
export const BPF_LOADER_UPGRADEABLE_ID = new PublicKey("BPFLoaderUpgradeab1e11111111111111111111111");

/**
 * The program's ProgramData account (the loader's PDA of the program id): its
 * upgrade authority is the only key that may `initialize`.
 * @example
 * ```ts
 * const [programData] = findProgramDataPda();
 * ```
 */
export function findProgramDataPda(programId?: PublicKeyInput): ProgramDerivedAddress {
  const [address, bump] = PublicKey.findProgramAddressSync([pid(programId).toBuffer()], BPF_LOADER_UPGRADEABLE_ID);
  return [address, bump] as const;
}

/**
 * The Config PDA (`"config"`).
 * @example
 * ```ts
 * const [config] = findConfigPda();
 * ```
 */
export function findConfigPda(programId?: PublicKeyInput): ProgramDerivedAddress {
  return find([SEED_CONFIG], programId);
}

/**
 * The reward vault token account PDA (`"reward_vault"`), authority = Config PDA.
 * @example
 * ```ts
 * const [rewardVault] = findRewardVaultPda();
 * ```
 */
export function findRewardVaultPda(programId?: PublicKeyInput): ProgramDerivedAddress {
  return find([SEED_REWARD_VAULT], programId);
}

/**
 * The Provider PDA of an owner (`"provider", owner`).
 * @example
 * ```ts
 * const [provider] = findProviderPda(owner);
 * ```
 */
export function findProviderPda(owner: PublicKeyInput, programId?: PublicKeyInput): ProgramDerivedAddress {
  return find([SEED_PROVIDER, toPublicKey(owner, "owner").toBytes()], programId);
}

/**
 * A provider's stake vault token account PDA (`"stake_vault", provider`).
 * @example
 * ```ts
 * const [vault] = findStakeVaultPda(findProviderPda(owner)[0]);
 * ```
 */
export function findStakeVaultPda(provider: PublicKeyInput, programId?: PublicKeyInput): ProgramDerivedAddress {
  return find([SEED_STAKE_VAULT, toPublicKey(provider, "provider").toBytes()], programId);
}

/**
 * A Job PDA (`"job", buyer, job_id as u64 little-endian`).
 * @example
 * ```ts
 * const [job] = findJobPda(buyer, 42n);
 * ```
 */
export function findJobPda(buyer: PublicKeyInput, jobId: IntegerInput, programId?: PublicKeyInput): ProgramDerivedAddress {
  const id = new Uint8Array(8);
  new DataView(id.buffer).setBigUint64(0, toU64(jobId, "jobId"), true);
  return find([SEED_JOB, toPublicKey(buyer, "buyer").toBytes(), id], programId);
}

/**
 * A job's escrow token account PDA (`"escrow", job`), authority = Job PDA.
 * @example
 * ```ts
 * const [escrow] = findEscrowPda(findJobPda(buyer, 1n)[0]);
 * ```
 */
export function findEscrowPda(job: PublicKeyInput, programId?: PublicKeyInput): ProgramDerivedAddress {
  return find([SEED_ESCROW, toPublicKey(job, "job").toBytes()], programId);
}
