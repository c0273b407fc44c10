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
export type FieldKind = "u8" | "i8" | "bool" | "u16" | "i16" | "u32" | "i32" | "u64" | "i64" | "u128" | "i128" | "pubkey" | "bytes" | "enum";

/** One field at a fixed offset (relative to the first byte after the discriminator). */
export interface FieldLayout {
  /** camelCase name, as Anchor's client and the SDK's types spell it. */
  readonly name: string;
  /** The name as written in the IDL JSON (snake_case). */
  readonly idlName: string;
  readonly kind: FieldKind;
  readonly offset: number;
  readonly size: number;
  /** For an enum (one byte, the variant index): its variants, camelCase. */
  readonly variants?: readonly string[];
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
  u8: 1,
  i8: 1,
  bool: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  u64: 8,
  i64: 8,
  u128: 16,
  i128: 16,
  pubkey: 32,
};

function fieldKind(type: RawIdlType, where: string): { kind: FieldKind; size: number; variants?: readonly string[] } {
  if (typeof type === "string") {
    const size = SCALAR_SIZES[type];
    if (size === undefined) throw new GpunetError("IdlMismatch", `unsupported IDL type ${type} at ${where}`, {});
    return { kind: type as FieldKind, size };
  }
  if ("array" in type) {
    const [inner, len] = type.array;
    if (inner === "u8") return { kind: "bytes", size: len };
  }
  if ("defined" in type) {
    const def = GPUNET_IDL.types.find((t) => t.name === type.defined.name);
    if (def && def.type.kind === "enum") return { kind: "enum", size: 1, variants: def.type.variants.map((v) => camelCase(v.name)) };
  }
  throw new GpunetError("IdlMismatch", `unsupported IDL type ${JSON.stringify(type)} at ${where}`, {});
}

/**
 * Lays out a list of IDL fields in order (Borsh has no padding).
 *
 * @example
 * ```ts
 * const staked = GPUNET_IDL.types.find((t) => t.name === "Staked");
 * if (staked?.type.kind === "struct") console.log(layoutFields(staked.name, staked.type.fields).size); // bytes after the discriminator
 * ```
 */
export function layoutFields(name: string, fields: readonly RawIdlField[]): StructLayout {
  const out: FieldLayout[] = [];
  let offset = 0;
  for (const f of fields) {
    const { kind, size, variants } = fieldKind(f.type, `${name}.${f.name}`);
    out.push({ name: camelCase(f.name), idlName: f.name, kind, offset, size, ...(variants ? { variants } : {}) });
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
  if (def.type.kind !== "struct") throw new GpunetError("IdlMismatch", `type ${typeName} is not a struct`, {});
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

type FieldReader = (bytes: Uint8Array, dv: DataView, base: number, out: Record<string, unknown>) => void;
type StructDecoder = (bytes: Uint8Array, dv: DataView, start: number) => Record<string, unknown>;

function fieldReader(f: FieldLayout, pubkeys: PubkeyEncoding): FieldReader {
  const n = f.name;
  const off = f.offset;
  switch (f.kind) {
    case "u8":
      return (_b, dv, s, o) => {
        o[n] = dv.getUint8(s + off);
      };
    case "i8":
      return (_b, dv, s, o) => {
        o[n] = dv.getInt8(s + off);
      };
    case "bool":
      return (_b, dv, s, o) => {
        o[n] = dv.getUint8(s + off) !== 0;
      };
    case "u16":
      return (_b, dv, s, o) => {
        o[n] = dv.getUint16(s + off, true);
      };
    case "i16":
      return (_b, dv, s, o) => {
        o[n] = dv.getInt16(s + off, true);
      };
    case "u32":
      return (_b, dv, s, o) => {
        o[n] = dv.getUint32(s + off, true);
      };
    case "i32":
      return (_b, dv, s, o) => {
        o[n] = dv.getInt32(s + off, true);
      };
    case "u64":
      return (_b, dv, s, o) => {
        o[n] = dv.getBigUint64(s + off, true);
      };
    case "i64":
      return (_b, dv, s, o) => {
        o[n] = dv.getBigInt64(s + off, true);
      };
    case "u128":
      return (_b, dv, s, o) => {
        o[n] = dv.getBigUint64(s + off, true) + (dv.getBigUint64(s + off + 8, true) << 64n);
      };
    case "i128":
      return (_b, dv, s, o) => {
        o[n] = dv.getBigUint64(s + off, true) + dv.getBigInt64(s + off + 8, true) * TWO_64;
      };
    case "pubkey":
      return pubkeys === "base58"
        ? (b, _dv, s, o) => {
            o[n] = encodeBase58Key(b, s + off);
          }
        : (b, _dv, s, o) => {
            o[n] = copyBytes(b, s + off, s + off + 32);
          };
    case "bytes": {
      const size = f.size;
      return (b, _dv, s, o) => {
        o[n] = copyBytes(b, s + off, s + off + size);
      };
    }
    case "enum": {
      // The variant's camelCase name; a byte past the variants stays visible as a number.
      const variants = f.variants ?? [];
      return (_b, dv, s, o) => {
        const i = dv.getUint8(s + off);
        o[n] = variants[i] ?? i;
      };
    }
  }
}

// One decoder per layout and pubkey encoding, built once: a flat list of closures,
// no per-field switch in the hot loop (decode dominates the indexer's ingest).
const decoders = new WeakMap<StructLayout, { base58?: StructDecoder; bytes?: StructDecoder }>();

function compile(layout: StructLayout, pubkeys: PubkeyEncoding): StructDecoder {
  const readers = layout.fields.map((f) => fieldReader(f, pubkeys));
  const count = readers.length;
  return (bytes, dv, start) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < count; i++) (readers[i] as FieldReader)(bytes, dv, start, out);
    return out;
  };
}

/**
 * Decodes a struct from `bytes` at `start` (the first byte after the discriminator).
 * The caller has checked the length. Integers wider than 32 bits are bigint.
 */
export function decodeStruct(layout: StructLayout, bytes: Uint8Array, dv: DataView, start: number, pubkeys: PubkeyEncoding): Record<string, unknown> {
  let entry = decoders.get(layout);
  if (!entry) {
    entry = {};
    decoders.set(layout, entry);
  }
  const d = entry[pubkeys] ?? (entry[pubkeys] = compile(layout, pubkeys));
  return d(bytes, dv, start);
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
