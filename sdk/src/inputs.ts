/**
 * Input validation: every number and key a caller hands the SDK is checked here,
 * before anything is built or signed.
 */
import { PublicKey } from "@solana/web3.js";
import bs58 from "bs58";
import { describeValue, rangedInteger } from "./core/values.ts";
import { GpunetError } from "./errors.ts";

/** A u64/i64 input: a bigint, or a JS number that is a safe integer. */
export type IntegerInput = number | bigint;

/** A public key input: a PublicKey, a base58 string or 32 raw bytes. */
export type PublicKeyInput = PublicKey | string | Uint8Array;

/** A 32-byte hash input (spec, result, metadata, evidence hashes). */
export type Hash32Input = Uint8Array | readonly number[];

const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** This face takes bigints and safe-integer numbers only (its `IntegerInput`), no decimal strings. */
const inRange = (v: unknown, field: string, min: bigint, max: bigint, type: string): bigint => rangedInteger(v, field, min, max, type, false);

/**
 * Validates a u64 input and returns it as bigint.
 *
 * @throws {GpunetError} `U64OutOfRange` for negatives, values above 2^64-1, non-integers and unsafe numbers.
 * @example
 * ```ts
 * toU64(1_000, "amount");          // 1000n
 * toU64(2n ** 64n - 1n, "amount"); // 18446744073709551615n
 * ```
 */
export function toU64(v: IntegerInput, field: string): bigint {
  return inRange(v, field, 0n, U64_MAX, "u64");
}

/**
 * Validates an i64 input (durations, timestamps). Same errors as {@link toU64}.
 * @example
 * ```ts
 * toI64(-5, "offset"); // -5n
 * ```
 */
export function toI64(v: IntegerInput, field: string): bigint {
  return inRange(v, field, I64_MIN, I64_MAX, "i64");
}

/**
 * Validates a u16 input and returns a number.
 * @example
 * ```ts
 * toU16(500, "protocolFeeBps"); // 500
 * ```
 */
export function toU16(v: IntegerInput, field: string): number {
  return Number(inRange(v, field, 0n, 0xffffn, "u16"));
}

/**
 * Validates a u8 input and returns a number.
 * @example
 * ```ts
 * toU8(1, "status"); // 1
 * ```
 */
export function toU8(v: IntegerInput, field: string): number {
  return Number(inRange(v, field, 0n, 0xffn, "u8"));
}

/**
 * Validates a public key input.
 *
 * @throws {GpunetError} `InvalidPublicKey` for bad base58, or anything not exactly 32 bytes.
 * @example
 * ```ts
 * toPublicKey("11111111111111111111111111111111", "owner");
 * ```
 */
export function toPublicKey(v: PublicKeyInput, field: string): PublicKey {
  if (v instanceof PublicKey) return v;
  if (typeof v === "string") {
    let bytes: Uint8Array;
    try {
      bytes = bs58.decode(v);
    } catch (e) {
      throw new GpunetError("InvalidPublicKey", `${field} is not valid base58: ${describeValue(v)}`, { field, value: describeValue(v) }, { cause: e });
    }
    if (bytes.length !== 32)
      throw new GpunetError("InvalidPublicKey", `${field} decodes to ${bytes.length} bytes, a public key has 32`, { field, value: describeValue(v) });
    return new PublicKey(bytes);
  }
  if (v instanceof Uint8Array) {
    if (v.length !== 32)
      throw new GpunetError("InvalidPublicKey", `${field} has ${v.length} bytes, a public key has 32`, { field, value: `${v.length} bytes` });
    return new PublicKey(v);
  }
  // Duck-typed keys from another copy of web3.js (bundlers can load two).
  if (v && typeof v === "object" && typeof (v as { toBase58?: unknown }).toBase58 === "function") {
    return toPublicKey((v as { toBase58(): string }).toBase58(), field);
  }
  throw new GpunetError("InvalidPublicKey", `${field} must be a PublicKey, base58 string or 32 bytes, got ${describeValue(v)}`, {
    field,
    value: describeValue(v),
  });
}

/**
 * Validates a 32-byte hash input; returns a copy.
 *
 * @throws {GpunetError} `InvalidInput` when not exactly 32 bytes of 0..255.
 * @example
 * ```ts
 * toHash32(new Uint8Array(32).fill(1), "specHash");
 * ```
 */
export function toHash32(v: Hash32Input | undefined, field: string): Uint8Array {
  if (v === undefined) return new Uint8Array(32);
  const ok =
    (v instanceof Uint8Array || Array.isArray(v)) &&
    v.length === 32 &&
    Array.prototype.every.call(v, (b: unknown) => typeof b === "number" && Number.isInteger(b) && b >= 0 && b <= 255);
  if (!ok) throw new GpunetError("InvalidInput", `${field} must be 32 bytes`, { field, value: describeValue(v) });
  return Uint8Array.from(v);
}
