/**
 * The gpunet IDL as the SDK reads it at run time.
 *
 * `@gpunet/idl` (`programs-idl/gpunet.json`) is the contract the program, the SDK
 * and the indexer all follow; every layout, discriminator and error name in the SDK is computed
 * from it here, never hard-coded, so the SDK cannot drift from the program.
 */
import { gpunetIdlJson as idlJson, type Gpunet } from "@gpunet/idl";

export type { Gpunet };

/** An IDL field type, the subset of the Anchor 0.30+ format that gpunet uses. */
export type RawIdlType = string | { array: [RawIdlType, number] } | { defined: { name: string } } | { option: RawIdlType };

/** One named field of a struct, an instruction argument list or an event. */
export interface RawIdlField {
  readonly name: string;
  readonly docs?: readonly string[];
  readonly type: RawIdlType;
}

/** One account entry of an instruction. */
export interface RawIdlInstructionAccount {
  readonly name: string;
  readonly writable?: boolean;
  readonly signer?: boolean;
  readonly address?: string;
  readonly pda?: unknown;
}

/** The IDL JSON exactly as committed (snake_case names, PascalCase type names). */
export interface RawIdl {
  readonly address: string;
  readonly metadata: { readonly name: string; readonly version: string; readonly spec: string; readonly description?: string };
  readonly instructions: readonly {
    readonly name: string;
    readonly docs?: readonly string[];
    readonly discriminator: readonly number[];
    readonly accounts: readonly RawIdlInstructionAccount[];
    readonly args: readonly RawIdlField[];
  }[];
  readonly accounts: readonly { readonly name: string; readonly discriminator: readonly number[] }[];
  readonly events: readonly { readonly name: string; readonly discriminator: readonly number[] }[];
  readonly errors: readonly { readonly code: number; readonly name: string; readonly msg: string }[];
  readonly types: readonly (
    | { readonly name: string; readonly type: { readonly kind: "struct"; readonly fields: readonly RawIdlField[] } }
    | { readonly name: string; readonly type: { readonly kind: "enum"; readonly variants: readonly { readonly name: string }[] } }
  )[];
  /** Protocol constants (limits, update_config mask bits): `value` is decimal text of an integer of `type`. */
  readonly constants: readonly { readonly name: string; readonly docs?: readonly string[]; readonly type: string; readonly value: string }[];
}

/**
 * The committed IDL JSON.
 *
 * @example
 * ```ts
 * import { GPUNET_IDL } from "@gpunet/sdk";
 * console.log(GPUNET_IDL.metadata.version); // "0.1.0"
 * ```
 */
export const GPUNET_IDL: RawIdl = idlJson as unknown as RawIdl;

/**
 * The program id the IDL declares (base58). Clusters may deploy elsewhere; every
 * SDK entry point takes a `programId` option.
 */
export const GPUNET_PROGRAM_ADDRESS: string = GPUNET_IDL.address;

/** The IDL's `metadata.version`, the version the SDK was built against. */
export const GPUNET_IDL_VERSION: string = GPUNET_IDL.metadata.version;

/**
 * The IDL typed as Anchor's `Program<Gpunet>` expects it. Anchor 0.30+ camel-cases
 * the JSON names when it loads them, so the JSON value satisfies the camel-cased type
 * at run time; the cast states that once, here.
 */
export const GPUNET_IDL_FOR_ANCHOR: Gpunet = idlJson as unknown as Gpunet;

/**
 * Converts an IDL name to the camelCase Anchor's client uses (`stake_mint` ->
 * `stakeMint`, `ConfigUpdated` -> `configUpdated`).
 *
 * @example
 * ```ts
 * camelCase("acc_reward_per_stake"); // "accRewardPerStake"
 * ```
 */
export function camelCase(name: string): string {
  const parts = name.split("_").filter((p) => p.length > 0);
  let out = "";
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (i === 0) out += p.charAt(0).toLowerCase() + p.slice(1);
    else out += p.charAt(0).toUpperCase() + p.slice(1);
  }
  return out;
}
