/**
 * Exact text encodings of wide unsigned integers for SQLite: fixed width,
 * zero-padded, so text order equals numeric order and nothing is ever
 * converted through a lossy REAL.
 */
import { IndexerError } from "../errors.ts";

const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

/** Width of a u64 as text (2^64-1 has 20 digits). */
export const U64_TEXT_WIDTH = 20;
/** Width of a u128 as text (2^128-1 has 39 digits). */
export const U128_TEXT_WIDTH = 39;

/**
 * A u64 as 20-digit text.
 *
 * @example
 * ```ts
 * u64Text(42n); // "00000000000000000042"
 * ```
 */
export function u64Text(v: bigint): string {
  if (v < 0n || v > U64_MAX) throw new IndexerError("ValueOutOfRange", `u64 out of range: ${v}`);
  return v.toString().padStart(U64_TEXT_WIDTH, "0");
}

/** A u128 as 39-digit text. */
export function u128Text(v: bigint): string {
  if (v < 0n || v > U128_MAX) throw new IndexerError("ValueOutOfRange", `u128 out of range: ${v}`);
  return v.toString().padStart(U128_TEXT_WIDTH, "0");
}

/**
 * Sums of u64 values (network totals) can exceed 2^64; they are returned as
 * bigint and stored, where stored, as u128 text.
 *
 * @example
 * ```ts
 * parseUintText("00000000000000000042"); // 42n
 * ```
 */
export function parseUintText(s: string): bigint {
  if (!/^[0-9]+$/.test(s)) throw new IndexerError("ValueOutOfRange", `not an unsigned integer text: ${s}`);
  return BigInt(s);
}
