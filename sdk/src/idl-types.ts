/**
 * Type-level views of the IDL: account, event and argument shapes derived from the
 * generated `Gpunet` type, so the SDK's public types cannot drift from the contract.
 * u64/i64/u128 map to bigint, u8/u16 to number, bool to boolean, `[u8; N]` to
 * Uint8Array and pubkeys to `P` (PublicKey for accounts, string or bytes for events).
 */
import type { Gpunet } from "./idl.ts";

type IdlTypeDef = Gpunet["types"][number];

/** The TS value type of one IDL field type. */
export type IdlFieldValue<T, P> = T extends "u64" | "i64" | "u128" | "i128"
  ? bigint
  : T extends "u8" | "i8" | "u16" | "i16" | "u32" | "i32"
    ? number
    : T extends "bool"
      ? boolean
      : T extends "pubkey"
        ? P
        : T extends { array: readonly ["u8", number] }
          ? Uint8Array
          : T extends { defined: { name: infer N } }
            ? EnumVariant<N>
            : never;

/** The variant names (camelCase) of an IDL enum, by the enum's camelCase name. */
export type EnumVariant<N> = Extract<IdlTypeDef, { name: N; type: { kind: "enum" } }>["type"] extends { variants: readonly (infer V)[] }
  ? V extends { name: infer S }
    ? S
    : never
  : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded shape of an IDL struct by its camelCase name, pubkeys as `P`. */
export type IdlStruct<N extends IdlTypeDef["name"], P> = Simplify<{
  readonly [F in Extract<IdlTypeDef, { name: N; type: { kind: "struct" } }>["type"]["fields"][number] as F["name"]]: IdlFieldValue<F["type"], P>;
}>;

/** Event names as Anchor's client spells them (`staked`, `jobCompleted`, ...). */
export type GpunetEventName = Gpunet["events"][number]["name"];

/** Account names as Anchor's client spells them (`config`, `provider`, `job`). */
export type GpunetAccountName = Gpunet["accounts"][number]["name"];

/** Instruction names as Anchor's client spells them (`claimRewards`, ...). */
export type GpunetInstructionName = Gpunet["instructions"][number]["name"];

/** The argument list of an instruction as an object type, with input types `A` for u64. */
export type IdlInstructionArgs<N extends GpunetInstructionName, P> = Simplify<{
  readonly [F in Extract<Gpunet["instructions"][number], { name: N }>["args"][number] as F["name"]]: IdlFieldValue<F["type"], P>;
}>;
