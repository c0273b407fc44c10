/**
 * Account JSON as the RPC returns it (`{ data, executable, lamports, owner,
 * rentEpoch, space }`), data encodings, dataSlice and getProgramAccounts
 * filters.
 */
import bs58 from "bs58";
import type { AccountState } from "./account-changes.ts";
import { invalidParams } from "./errors.ts";
import { u64Param } from "./params.ts";
import { readMintDecimals, readTokenAccount, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, uiTokenAmount } from "./token-accounts.ts";

/** Encodings a client may ask account data in. */
export type AccountEncoding = "binary" | "base58" | "base64" | "base64+zstd" | "jsonParsed";

/** The dataSlice config. */
export interface DataSlice {
  readonly offset: number;
  readonly length: number;
}

/** Every account reports rentEpoch = u64::MAX since rent collection ended (SIMD-0084). */
export const RENT_EXEMPT_RENT_EPOCH = 18446744073709551615n;

/** Max bytes the RPC encodes as base58 (Agave MAX_BASE58_BYTES). */
const MAX_BASE58_BYTES = 128;

/** Validates an `encoding` param; base64+zstd is refused (no zstd in Node 20). */
export function parseAccountEncoding(v: unknown, fallback: AccountEncoding): AccountEncoding {
  if (v === undefined || v === null) return fallback;
  if (v === "base64+zstd") throw invalidParams("Invalid params: base64+zstd encoding is not supported by the gpunet localnet; use base64");
  if (v === "binary" || v === "base58" || v === "base64" || v === "jsonParsed") return v;
  throw invalidParams(`Invalid params: unknown variant \`${String(v)}\`, expected one of \`binary\`, \`base58\`, \`base64\`, \`jsonParsed\`, \`base64+zstd\``);
}

/** Validates a `dataSlice` param. */
export function parseDataSlice(v: unknown): DataSlice | undefined {
  if (v === undefined || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParams("Invalid params: dataSlice must be { offset: usize, length: usize }");
  return { offset: dataLength(o.offset, "dataSlice.offset"), length: dataLength(o.length, "dataSlice.length") };
}

/** No account holds more data than this (10 MiB), so larger offsets and sizes compare alike. */
const BEYOND_ANY_ACCOUNT = 2 ** 32;

/**
 * A u64 offset or size compared against account data lengths. Values past
 * any possible account length are clamped to 2^32, which matches or slices
 * exactly as the original value would (nothing).
 */
function dataLength(v: unknown, name: string): number {
  const n = u64Param(v, name);
  return n >= BigInt(BEYOND_ANY_ACCOUNT) ? BEYOND_ANY_ACCOUNT : Number(n);
}

/** Looks up a mint's decimals, for jsonParsed token accounts. */
export type MintDecimals = (mint: string) => number | null;

function parsedData(acc: AccountState, mintDecimals?: MintDecimals): unknown | null {
  const program = acc.owner === TOKEN_PROGRAM ? "spl-token" : acc.owner === TOKEN_2022_PROGRAM ? "spl-token-2022" : null;
  if (!program) return null;
  const ta = readTokenAccount(acc);
  if (ta) {
    return {
      program,
      parsed: {
        type: "account",
        info: {
          mint: ta.mint,
          owner: ta.owner,
          tokenAmount: tokenAmountOf(ta.amount, ta.mint, mintDecimals),
          state: acc.data[108] === 2 ? "frozen" : "initialized",
          isNative: acc.data[109] === 1,
        },
      },
      space: BigInt(acc.data.length),
    };
  }
  const decimals = readMintDecimals(acc);
  if (decimals !== null) {
    const d = acc.data;
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    const hasAuth = view.getUint32(0, true) === 1;
    const hasFreeze = view.getUint32(46, true) === 1;
    return {
      program,
      parsed: {
        type: "mint",
        info: {
          mintAuthority: hasAuth ? bs58.encode(d.subarray(4, 36)) : null,
          supply: view.getBigUint64(36, true).toString(),
          decimals,
          isInitialized: true,
          freezeAuthority: hasFreeze ? bs58.encode(d.subarray(50, 82)) : null,
        },
      },
      space: BigInt(acc.data.length),
    };
  }
  return null;
}

function tokenAmountOf(amount: bigint, mint: string, mintDecimals?: MintDecimals): Record<string, unknown> {
  const decimals = mintDecimals?.(mint) ?? null;
  // Without the mint the exact amount is still right; the UI fields need decimals.
  return decimals === null ? { amount: amount.toString() } : uiTokenAmount(amount, decimals);
}

/**
 * Encodes account data like the RPC: `[str, enc]` pairs, or a bare base58
 * string for the legacy `binary` encoding; jsonParsed falls back to base64
 * for data without a parser, as a cluster does.
 */
export function encodeAccountData(acc: AccountState, encoding: AccountEncoding, slice?: DataSlice, mintDecimals?: MintDecimals): unknown {
  if (encoding === "jsonParsed" && slice === undefined) {
    const parsed = parsedData(acc, mintDecimals);
    if (parsed !== null) return parsed;
  }
  const data = slice ? acc.data.subarray(Math.min(slice.offset, acc.data.length), Math.min(slice.offset + slice.length, acc.data.length)) : acc.data;
  if (encoding === "binary" || encoding === "base58") {
    if (data.length > MAX_BASE58_BYTES) {
      throw invalidParams(`Encoded binary (base 58) data should be less than ${MAX_BASE58_BYTES} bytes, please use Base64 encoding.`);
    }
    const s = bs58.encode(data);
    return encoding === "binary" ? s : [s, "base58"];
  }
  return [Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"), "base64"];
}

/**
 * The RPC's account object.
 *
 * @example
 * ```ts
 * const state: AccountState = { lamports: 1n, data: Uint8Array.of(1), owner: '11111111111111111111111111111111', executable: false };
 * accountJson(state, 'base64');
 * // { data: ['AQ==', 'base64'], executable: false, lamports: 1n, owner: '11111111111111111111111111111111', rentEpoch: 18446744073709551615n, space: 1n }
 * ```
 */
export function accountJson(acc: AccountState, encoding: AccountEncoding, slice?: DataSlice, mintDecimals?: MintDecimals): Record<string, unknown> {
  return {
    data: encodeAccountData(acc, encoding, slice, mintDecimals),
    executable: acc.executable,
    lamports: acc.lamports,
    owner: acc.owner,
    rentEpoch: RENT_EXEMPT_RENT_EPOCH,
    space: BigInt(acc.data.length),
  };
}

/** What a closed account looks like in an account notification. */
export const CLOSED_ACCOUNT: AccountState = {
  lamports: 0n,
  data: new Uint8Array(0),
  owner: "11111111111111111111111111111111",
  executable: false,
};

/** A validated getProgramAccounts / programSubscribe filter. */
export type AccountFilter =
  | { readonly kind: "dataSize"; readonly size: number }
  | { readonly kind: "memcmp"; readonly offset: number; readonly bytes: Uint8Array }
  | { readonly kind: "tokenAccountState" };

/** Validates `filters` (at most 4, as Agave's MAX_GET_PROGRAM_ACCOUNT_FILTERS). */
export function parseFilters(v: unknown): AccountFilter[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParams("Invalid params: filters must be an array");
  if (v.length > 4) throw invalidParams(`Too many filters provided; max 4`);
  return v.map((f: unknown): AccountFilter => {
    const o = (f ?? {}) as Record<string, unknown>;
    if ("dataSize" in o) return { kind: "dataSize", size: dataLength(o.dataSize, "dataSize") };
    if ("memcmp" in o) {
      const m = (o.memcmp ?? {}) as Record<string, unknown>;
      if (m.offset === undefined || typeof m.bytes !== "string") throw invalidParams("Invalid params: memcmp must be { offset, bytes, encoding? }");
      const offset = dataLength(m.offset, "memcmp.offset");
      const enc = m.encoding ?? "base58";
      let bytes: Uint8Array;
      if (enc === "base58") {
        if (m.bytes.length > 175) throw invalidParams("Invalid param: memcmp bytes data too large (base58 string > 175 characters)");
        try {
          bytes = bs58.decode(m.bytes);
        } catch {
          throw invalidParams("Invalid param: memcmp bytes are not valid base58");
        }
      } else if (enc === "base64") {
        if (m.bytes.length > 172) throw invalidParams("Invalid param: memcmp bytes data too large (base64 string > 172 characters)");
        // Buffer.from skips characters it does not know; refuse them instead of matching on what is left.
        if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(m.bytes)) {
          throw invalidParams("Invalid param: memcmp bytes are not valid base64");
        }
        bytes = Buffer.from(m.bytes, "base64");
      } else throw invalidParams(`Invalid param: unsupported memcmp encoding ${String(enc)}`);
      if (bytes.length > 128) throw invalidParams("Invalid param: memcmp bytes data too large (max 128 bytes)");
      return { kind: "memcmp", offset, bytes };
    }
    if ("tokenAccountState" in o) return { kind: "tokenAccountState" };
    throw invalidParams("Invalid params: unknown filter; expected dataSize, memcmp or tokenAccountState");
  });
}

/** Whether an account passes every filter. */
export function matchesFilters(acc: AccountState, filters: readonly AccountFilter[]): boolean {
  for (const f of filters) {
    if (f.kind === "dataSize") {
      if (acc.data.length !== f.size) return false;
    } else if (f.kind === "memcmp") {
      if (f.offset + f.bytes.length > acc.data.length) return false;
      for (let i = 0; i < f.bytes.length; i++) if (acc.data[f.offset + i] !== f.bytes[i]) return false;
    } else if (readTokenAccount(acc) === null) return false;
  }
  return true;
}
