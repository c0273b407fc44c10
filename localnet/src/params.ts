/**
 * Validation of JSON-RPC params shared by the HTTP and WebSocket methods.
 * Every failure is an `Invalid params` (-32602) RpcError, never a crash.
 */
import bs58 from "bs58";
import type { Commitment } from "./clock.ts";
import { invalidParams, RPC_ERROR, RpcError } from "./errors.ts";

/** Reads the params array (absent params = []); objects are refused. */
export function paramsArray(params: unknown): readonly unknown[] {
  if (params === undefined || params === null) return [];
  if (!Array.isArray(params)) throw invalidParams("Invalid params: expected an array of parameters");
  return params;
}

/** Reads an optional config object at `index`. */
export function configAt(params: readonly unknown[], index: number): Record<string, unknown> {
  const v = params[index];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParams(`Invalid params: expected a config object at position ${index}`);
  return v as Record<string, unknown>;
}

/** A base58 32-byte public key. */
export function pubkeyParam(v: unknown): string {
  if (typeof v !== "string") throw invalidParams("Invalid params: expected a base58 public key string");
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(v);
  } catch {
    throw invalidParams("Invalid param: Invalid");
  }
  if (bytes.length !== 32) throw invalidParams("Invalid param: WrongSize");
  return v;
}

/** A base58 64-byte signature. */
export function signatureParam(v: unknown): string {
  if (typeof v !== "string") throw invalidParams("Invalid params: expected a base58 signature string");
  let bytes: Uint8Array;
  try {
    bytes = bs58.decode(v);
  } catch {
    throw invalidParams("Invalid param: Invalid");
  }
  if (bytes.length !== 64) throw invalidParams("Invalid param: WrongSize");
  return v;
}

/** Largest u64 and the i64 range, the bounds integer params are checked against. */
export const U64_MAX = 2n ** 64n - 1n;
export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;

/** An integer param as a bigint: an exact JSON integer (bigint or safe number) or a decimal string; null otherwise. */
function integerOf(v: unknown): bigint | null {
  if (typeof v === "bigint") return v;
  // Beyond 2^53 a number is already rounded (e.g. written as 1e20): refused rather than guessed.
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v === "string" && /^-?[0-9]{1,40}$/.test(v)) return BigInt(v);
  return null;
}

/** A u64 (0..2^64-1); anything else, including a larger integer, is Invalid params. */
export function u64Param(v: unknown, name: string): bigint {
  const n = integerOf(v);
  if (n === null || n < 0n) throw invalidParams(`Invalid params: ${name} must be a non-negative integer`);
  if (n > U64_MAX) throw invalidParams(`Invalid params: ${name} ${n} is above the u64 maximum ${U64_MAX}`);
  return n;
}

/** A signed integer (i64, -2^63..2^63-1), e.g. a unix timestamp. */
export function i64Param(v: unknown, name: string): bigint {
  const n = integerOf(v);
  if (n === null) throw invalidParams(`Invalid params: ${name} must be an integer`);
  if (n < I64_MIN || n > I64_MAX) throw invalidParams(`Invalid params: ${name} ${n} is outside the i64 range ${I64_MIN}..${I64_MAX}`);
  return n;
}

/**
 * Reads `commitment`, mapping the deprecated names as Agave does
 * (recent -> processed, single/singleGossip -> confirmed, max/root -> finalized).
 */
export function commitmentParam(v: unknown, fallback: Commitment = "finalized"): Commitment {
  switch (v) {
    case undefined:
    case null:
      return fallback;
    case "processed":
    case "recent":
      return "processed";
    case "confirmed":
    case "single":
    case "singleGossip":
      return "confirmed";
    case "finalized":
    case "max":
    case "root":
      return "finalized";
    default:
      throw invalidParams(`Invalid params: unknown variant \`${String(v)}\`, expected one of \`processed\`, \`confirmed\`, \`finalized\``);
  }
}

/** Commitment for methods that refuse `processed` (getTransaction, getBlock, ...). */
export function atLeastConfirmed(v: unknown): Commitment {
  const c = commitmentParam(v);
  if (c === "processed") throw invalidParams("Method does not support commitment below `confirmed`");
  return c;
}

/** Enforces `minContextSlot` against the slot a request is served at. */
export function checkMinContextSlot(config: Record<string, unknown>, contextSlot: bigint): void {
  const m = config.minContextSlot;
  if (m === undefined || m === null) return;
  const min = u64Param(m, "minContextSlot");
  if (contextSlot < min) {
    throw new RpcError(RPC_ERROR.MIN_CONTEXT_SLOT_NOT_REACHED, "Minimum context slot has not been reached", { contextSlot });
  }
}

/** Base64 alphabet characters by char code (A-Z a-z 0-9 + /). */
const BASE64_CHAR = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") BASE64_CHAR[c.charCodeAt(0)] = 1;

/** Whether `v` is base64 alphabet characters followed by at most two `=` (a loop: the regex took longer on the send path). */
function isBase64Text(v: string): boolean {
  let end = v.length;
  if (end > 0 && v.charCodeAt(end - 1) === 0x3d) end--;
  if (end > 0 && v.charCodeAt(end - 1) === 0x3d) end--;
  for (let i = 0; i < end; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || BASE64_CHAR[c] !== 1) return false;
  }
  return true;
}

/** Decodes a base58 or base64 string param (transactions, messages). */
export function decodeBinaryParam(v: unknown, encoding: unknown, what: string): Uint8Array {
  if (typeof v !== "string") throw invalidParams(`Invalid params: ${what} must be a string`);
  const enc = encoding ?? "base58";
  if (enc === "base58") {
    try {
      return new Uint8Array(bs58.decode(v));
    } catch {
      throw invalidParams(`invalid base58 encoding: ${what}`);
    }
  }
  if (enc === "base64") {
    if (!isBase64Text(v)) throw invalidParams(`invalid base64 encoding: ${what}`);
    return new Uint8Array(Buffer.from(v, "base64"));
  }
  throw invalidParams(`Invalid params: unsupported encoding: ${String(enc)}. Supported encodings: base58, base64`);
}
