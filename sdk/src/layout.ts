/**
 * Byte layouts computed from the IDL: field offsets, sizes and a fast decoder.
 *
 * Accounts and events are an 8-byte discriminator followed by the Borsh encoding
 * of the struct's fields in IDL order. gpunet uses only fixed-size fields, so every
 * field has a fixed offset; that is what makes `getProgramAccounts` memcmp filters
 * and a DataView decoder (no per-field allocation, no BN) possible.
 */
import { encodeBase58Key } from "./encoding.ts";
import { GPUNET_IDL, camelCase, type RawIdlType, type RawIdlField } from "./idl.ts";
import { GpunetError } from "./errors.ts";

/** Scalar kinds a gpunet layout can hold. */
export type FieldKind = "u8" | "i8" | "bool" | "u16" | "i16" | "u32" | "i32" | "u64" | "i64" | "u128" | "i128" | "pubkey" | "bytes";

/** One field at a fixed offset (relative to the first byte after the discriminator). */
export interface FieldLayout {
  /** camelCase name, as Anchor's client and the SDK's types spell it. */
  readonly name: string;
  /** The name as written in the IDL JSON (snake_case). */
  readonly idlName: string;
  readonly kind: FieldKind;
  readonly offset: number;
  readonly size: number;
}

/** A fixed-size struct: its fields and total Borsh size (without discriminator). */
export interface StructLayout {
  readonly name: string;
  readonly fields: readonly FieldLayout[];
  readonly size: number;
  /** Fields by camelCase name. */
  readonly byName: ReadonlyMap<string, FieldLayout>;
}

const SCALAR_SIZES: Readonly<Record<string, number>> = {
  u8: 1, i8: 1, bool: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, u128: 16, i128: 16, pubkey: 32,
};

function fieldKind(type: RawIdlType, where: string): { kind: FieldKind; size: number } {
  if (typeof type === "string") {
    const size = SCALAR_SIZES[type];
    if (size === undefined) throw new GpunetError("IdlMismatch", `unsupported IDL type ${type} at ${where}`, {});
    return { kind: type as FieldKind, size };
  }
  if ("array" in type) {
    const [inner, len] = type.array;
    if (inner === "u8") return { kind: "bytes", size: len };
  }
  throw new GpunetError("IdlMismatch", `unsupported IDL type ${JSON.stringify(type)} at ${where}`, {});
}

/**
 * Lays out a list of IDL fields in order (Borsh has no padding).
 *
 * @example
 * ```ts
 * const l = layoutFields("Staked", GPUNET_IDL.types[0].type.fields);
 * ```
 */
export function layoutFields(name: string, fields: readonly RawIdlField[]): StructLayout {
  const out: FieldLayout[] = [];
  let offset = 0;
  for (const f of fields) {
    const { kind, size } = fieldKind(f.type, `${name}.${f.name}`);
    out.push({ name: camelCase(f.name), idlName: f.name, kind, offset, size });
    offset += size;
  }
  return { name, fields: out, size: offset, byName: new Map(out.map((f) => [f.name, f])) };
}

const structCache = new Map<string, StructLayout>();

/**
 * The layout of an IDL type by its JSON name (`Config`, `Staked`, ...).
 *
 * @example
 * ```ts
 * structLayout("Config").size; // bytes after the discriminator
 * ```
 */
export function structLayout(typeName: string): StructLayout {
  const hit = structCache.get(typeName);
  if (hit) return hit;
  const def = GPUNET_IDL.types.find((t) => t.name === typeName);
  if (!def) throw new GpunetError("IdlMismatch", `type ${typeName} is not in the IDL`, {});
  const layout = layoutFields(typeName, def.type.fields);
  structCache.set(typeName, layout);
  return layout;
}

/** How pubkeys come out of a decoder: base58 strings or raw 32-byte views. */
export type PubkeyEncoding = "base58" | "bytes";

const TWO_64 = 1n << 64n;

// Node's Buffer#slice returns a view, and even Uint8Array#slice on a Buffer makes a
// Buffer (species); the Uint8Array constructor always copies into a plain Uint8Array.
const copyBytes = (b: Uint8Array, from: number, to: number): Uint8Array => new Uint8Array(b.subarray(from, to));

/**
 * Decodes a struct from `bytes` at `start` (the first byte after the discriminator).
 * The caller has checked the length. Integers wider than 32 bits are bigint.
 */
export function decodeStruct(
  layout: StructLayout,
  bytes: Uint8Array,
  dv: DataView,
  start: number,
  pubkeys: PubkeyEncoding,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of layout.fields) {
    const o = start + f.offset;
    switch (f.kind) {
      case "u8": out[f.name] = dv.getUint8(o); break;
      case "i8": out[f.name] = dv.getInt8(o); break;
      case "bool": out[f.name] = dv.getUint8(o) !== 0; break;
      case "u16": out[f.name] = dv.getUint16(o, true); break;
      case "i16": out[f.name] = dv.getInt16(o, true); break;
      case "u32": out[f.name] = dv.getUint32(o, true); break;
      case "i32": out[f.name] = dv.getInt32(o, true); break;
      case "u64": out[f.name] = dv.getBigUint64(o, true); break;
      case "i64": out[f.name] = dv.getBigInt64(o, true); break;
      case "u128": out[f.name] = dv.getBigUint64(o, true) + (dv.getBigUint64(o + 8, true) << 64n); break;
      case "i128": out[f.name] = dv.getBigUint64(o, true) + (dv.getBigInt64(o + 8, true) * TWO_64); break;
      case "pubkey": out[f.name] = pubkeys === "base58" ? encodeBase58Key(bytes, o) : copyBytes(bytes, o, o + 32); break;
      case "bytes": out[f.name] = copyBytes(bytes, o, o + f.size); break;
    }
  }
  return out;
}

/** A map key for the 8 discriminator bytes of `bytes` at `start`. */
export function discriminatorKey(bytes: Uint8Array, start = 0): string {
  // A 16-hex-char key: cheap to build and a Map lookup instead of 8-way compares per event.
  let s = "";
  for (let i = start; i < start + 8; i++) {
    const b = bytes[i] ?? 0;
    s += (b < 16 ? "0" : "") + b.toString(16);
  }
  return s;
}
