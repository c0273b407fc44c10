/**
 * Validation of query parameters shared by the HTTP API, `gpunet query` and
 * the query module: every bad value is an `InvalidParameter` error that names
 * the parameter and its allowed range, before anything reaches SQLite.
 */
import bs58 from "bs58";
import { IndexerError } from "./errors.ts";

/** Most rows one page returns. */
export const MAX_LIMIT = 10_000;
/** Largest offset accepted: exact as a JS number and as SQLite's 64-bit OFFSET. */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
/** Largest time bucket accepted, in seconds (about 31,700 years). */
export const MAX_BUCKET_SECONDS = 1_000_000_000_000;

const bad = (name: string, message: string): IndexerError => new IndexerError("InvalidParameter", `${name}: ${message}`);

/**
 * Parses a decimal integer parameter in `min..max`.
 *
 * @throws {IndexerError} `InvalidParameter` when not digits only or out of range.
 * @example
 * ```ts
 * parseIntParam("limit", "10", 1, MAX_LIMIT); // 10
 * ```
 */
export function parseIntParam(name: string, text: string, min: number, max: number): number {
  if (!/^[0-9]{1,20}$/.test(text)) throw bad(name, `must be a decimal integer in ${min}..${max}`);
  const v = BigInt(text);
  if (v < BigInt(min) || v > BigInt(max)) throw bad(name, `must be in ${min}..${max}`);
  return Number(v);
}

/**
 * Checks a number given by a library caller (the query module's `Page` and bucket options).
 *
 * @throws {IndexerError} `InvalidParameter` when not an integer in `min..max`.
 */
export function checkIntParam(name: string, v: number, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw bad(name, `must be an integer in ${min}..${max}`);
  return v;
}

/**
 * Checks a base58 public key parameter (32 bytes) and returns its bytes.
 *
 * @throws {IndexerError} `InvalidParameter` when not base58 or not 32 bytes.
 */
export function parseAddressParam(name: string, text: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(text);
  } catch {
    throw bad(name, "is not base58");
  }
  if (bytes.length !== 32) throw bad(name, "is not a 32-byte public key");
  return bytes;
}
