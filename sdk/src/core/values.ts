/**
 * The library-neutral value layer under the generated codecs: input checks and
 * little-endian writes and reads. Addresses are base58 strings (a Kit `Address` is
 * one) or 32 raw bytes; bytes are Uint8Array. Nothing here imports web3.js or Kit.
 */
import { decodeBase58, encodeBase58Key } from "../encoding.ts";
import { GpunetError } from "../errors.ts";

/** A u64/i64/u128 input: a bigint, a safe-integer number (checked at run time) or a decimal string. */
export type BigIntInput = bigint | number | `${bigint}`;
/** A u8/u16/u32 input: a number (or bigint) checked against the type's range. */
export type SmallIntInput = number | bigint;
/** An address input: base58 text (a Kit `Address` is one) or 32 raw bytes. */
export type AddressInput = string | Uint8Array;
/** A fixed-length byte input (hashes): a Uint8Array or an array of 0..255. */
export type BytesInput = Uint8Array | readonly number[];

/** One account of an instruction, as the IDL lays it out: where it goes and how it is used. */
export interface AccountMeta<A = string> {
  readonly address: A;
  readonly writable: boolean;
  readonly signer: boolean;
}

/** A library-neutral instruction: base58 addresses, raw data. */
export interface GpunetInstruction {
  readonly programAddress: string;
  readonly accounts: readonly AccountMeta<string>[];
  readonly data: Uint8Array;
}

/** What an instruction decoder reads: its data and its accounts' addresses, in order. */
export interface InstructionInput {
  readonly data: Uint8Array;
  readonly accounts: readonly { readonly address: string }[];
}

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

/** A value as an error message shows it (long strings cut). */
export function describeValue(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v);
  return typeof v;
}

function bigOf(v: unknown, field: string, strings: boolean): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isInteger(v))
      throw new GpunetError("U64OutOfRange", `${field} must be an integer, got ${describeValue(v)}`, { field, value: describeValue(v) });
    // Above 2^53 a number no longer names one integer (2^53 + 1 reads back as 2^53): ask for a bigint.
    if (!Number.isSafeInteger(v))
      throw new GpunetError("U64OutOfRange", `${field} = ${describeValue(v)} is beyond Number.MAX_SAFE_INTEGER; pass a bigint`, {
        field,
        value: describeValue(v),
      });
    return BigInt(v);
  }
  if (strings && typeof v === "string" && /^-?\d{1,40}$/.test(v)) return BigInt(v);
  const forms = strings ? "a bigint, a safe integer number or a decimal string" : "a bigint or a safe integer number";
  throw new GpunetError("U64OutOfRange", `${field} must be ${forms}, got ${describeValue(v)}`, { field, value: describeValue(v) });
}

/**
 * An integer input within [min, max] as a bigint; `type` names the range in
 * the error. Decimal strings are taken unless `strings` is false.
 * @throws {GpunetError} `U64OutOfRange`.
 */
export function rangedInteger(v: unknown, field: string, min: bigint, max: bigint, type: string, strings = true): bigint {
  const b = bigOf(v, field, strings);
  if (b < min || b > max) throw new GpunetError("U64OutOfRange", `${field} = ${b} is outside ${type} [${min}, ${max}]`, { field, value: b.toString() });
  return b;
}

/** Checks a u64 input. @throws {GpunetError} `U64OutOfRange`. */
export const checkU64 = (v: unknown, field: string): bigint => rangedInteger(v, field, 0n, U64_MAX, "u64");
/** Checks an i64 input. @throws {GpunetError} `U64OutOfRange`. */
export const checkI64 = (v: unknown, field: string): bigint => rangedInteger(v, field, I64_MIN, I64_MAX, "i64");
/** Checks a u128 input. @throws {GpunetError} `U64OutOfRange`. */
export const checkU128 = (v: unknown, field: string): bigint => rangedInteger(v, field, 0n, U128_MAX, "u128");
/** Checks a u32 input. @throws {GpunetError} `U64OutOfRange`. */
export const checkU32 = (v: unknown, field: string): number => Number(rangedInteger(v, field, 0n, 0xffff_ffffn, "u32"));
/** Checks a u16 input. @throws {GpunetError} `U64OutOfRange`. */
export const checkU16 = (v: unknown, field: string): number => Number(rangedInteger(v, field, 0n, 0xffffn, "u16"));
/** Checks a u8 input. @throws {GpunetError} `U64OutOfRange`. */
export const checkU8 = (v: unknown, field: string): number => Number(rangedInteger(v, field, 0n, 0xffn, "u8"));

/** Checks a bool input. @throws {GpunetError} `InvalidInput`. */
export function checkBool(v: unknown, field: string): boolean {
  if (typeof v !== "boolean") throw new GpunetError("InvalidInput", `${field} must be a boolean, got ${describeValue(v)}`, { field, value: describeValue(v) });
  return v;
}

/** Checks a fixed-length byte input; returns a copy. @throws {GpunetError} `InvalidInput`. */
export function checkBytes(v: unknown, length: number, field: string): Uint8Array {
  const ok =
    (v instanceof Uint8Array || Array.isArray(v)) &&
    v.length === length &&
    Array.prototype.every.call(v, (b: unknown) => typeof b === "number" && Number.isInteger(b) && b >= 0 && b <= 255);
  if (!ok) throw new GpunetError("InvalidInput", `${field} must be ${length} bytes`, { field, value: describeValue(v) });
  return Uint8Array.from(v as ArrayLike<number>);
}

/** Checks an address input and returns its 32 bytes. @throws {GpunetError} `InvalidPublicKey`. */
export function addressBytes(v: unknown, field: string): Uint8Array {
  if (typeof v === "string") {
    const bytes = decodeBase58(v);
    if (bytes === null) throw new GpunetError("InvalidPublicKey", `${field} is not valid base58: ${describeValue(v)}`, { field, value: describeValue(v) });
    if (bytes.length !== 32)
      throw new GpunetError("InvalidPublicKey", `${field} decodes to ${bytes.length} bytes, an address has 32`, { field, value: describeValue(v) });
    return bytes;
  }
  if (v instanceof Uint8Array) {
    if (v.length !== 32) throw new GpunetError("InvalidPublicKey", `${field} has ${v.length} bytes, an address has 32`, { field, value: `${v.length} bytes` });
    return Uint8Array.from(v);
  }
  throw new GpunetError("InvalidPublicKey", `${field} must be a base58 string or 32 bytes, got ${describeValue(v)}`, { field, value: describeValue(v) });
}

/** Checks an address input and returns it as base58. @throws {GpunetError} `InvalidPublicKey`. */
export function addressText(v: unknown, field: string): string {
  return typeof v === "string" ? (addressBytes(v, field), v) : encodeBase58Key(addressBytes(v, field));
}

/** Index of an enum variant by its camelCase name. @throws {GpunetError} `InvalidInput`. */
export function variantIndex(variants: readonly string[], v: unknown, field: string): number {
  const i = typeof v === "string" ? variants.indexOf(v) : -1;
  if (i < 0)
    throw new GpunetError("InvalidInput", `${field} must be one of ${variants.join(", ")}, got ${describeValue(v)}`, { field, value: describeValue(v) });
  return i;
}

/** A variant name from its byte. @throws {GpunetError} `InstructionDecodeFailed` past the last variant. */
export function variantName<T extends string>(variants: readonly T[], i: number, field: string): T {
  const v = variants[i];
  if (v === undefined) throw new GpunetError("InstructionDecodeFailed", `${field}: byte ${i} names no variant`, { field, value: String(i) });
  return v;
}

/** Writes a u128 as two little-endian u64 halves (Borsh's u128). */
export function setU128(dv: DataView, at: number, v: bigint): void {
  dv.setBigUint64(at, v & 0xffff_ffff_ffff_ffffn, true);
  dv.setBigUint64(at + 8, v >> 64n, true);
}

/** Reads a little-endian u128. */
export function getU128(dv: DataView, at: number): bigint {
  return dv.getBigUint64(at, true) + (dv.getBigUint64(at + 8, true) << 64n);
}

/** The base58 address at `at`. */
export const getAddress = (bytes: Uint8Array, at: number): string => encodeBase58Key(bytes, at);

/** A copy of `length` bytes at `at`, as a plain Uint8Array. */
export const getBytes = (bytes: Uint8Array, at: number, length: number): Uint8Array => new Uint8Array(bytes.subarray(at, at + length));

/** True when `bytes` starts with `discriminator` at `at`. */
export function hasDiscriminator(bytes: Uint8Array, discriminator: Uint8Array, at = 0): boolean {
  if (bytes.length < at + discriminator.length) return false;
  for (let i = 0; i < discriminator.length; i++) if (bytes[at + i] !== discriminator[i]) return false;
  return true;
}

/** A view of `bytes` for the reads and writes above. */
export const viewOf = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Checks instruction data: its discriminator and exact size. @throws {GpunetError} `InstructionDecodeFailed`. */
export function checkInstructionData(data: Uint8Array, discriminator: Uint8Array, size: number, name: string): DataView {
  if (!hasDiscriminator(data, discriminator)) throw new GpunetError("InstructionDecodeFailed", `the data is not a ${name} instruction (discriminator)`, {});
  if (data.length !== size)
    throw new GpunetError("InstructionDecodeFailed", `${name} data is ${data.length} bytes; the IDL says ${size}`, { value: String(data.length) });
  return viewOf(data);
}

/** The address of account `i` of an instruction. @throws {GpunetError} `InstructionDecodeFailed` when it has fewer accounts. */
export function accountAt(ix: InstructionInput, i: number, count: number, name: string): string {
  const a = ix.accounts[i];
  if (ix.accounts.length < count || a === undefined)
    throw new GpunetError("InstructionDecodeFailed", `${name} takes ${count} accounts, the instruction has ${ix.accounts.length}`, {
      value: String(ix.accounts.length),
    });
  return a.address;
}

/** Checks account data: its discriminator and exact size. @throws {GpunetError} `AccountDecodeFailed` or `IdlMismatch`. */
export function checkAccountData(data: Uint8Array, discriminator: Uint8Array, size: number, name: string): DataView {
  if (!hasDiscriminator(data, discriminator)) throw new GpunetError("AccountDecodeFailed", `account is not a ${name} (discriminator)`, {});
  if (data.length !== size)
    throw new GpunetError("IdlMismatch", `${name} is ${data.length} bytes; the IDL says ${size}`, {
      expectedVersion: String(size),
      actualVersion: String(data.length),
    });
  return viewOf(data);
}
