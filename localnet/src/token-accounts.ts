/**
 * Reading SPL Token (and Token-2022 base layout) accounts and mints, for
 * getTokenAccountBalance and the pre/postTokenBalances of transaction meta.
 */
import bs58 from "bs58";
import type { AccountState } from "./account-changes.ts";

/** SPL Token program id. */
export const TOKEN_PROGRAM = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
/** SPL Token-2022 program id. */
export const TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

/** Base token account length; Token-2022 extensions follow with account type byte 2 at 165. */
const TOKEN_ACCOUNT_LEN = 165;
const MINT_LEN = 82;

/** The fields of a token account this node uses. */
export interface TokenAccountView {
  readonly mint: string;
  readonly owner: string;
  readonly amount: bigint;
  readonly programId: string;
}

/** Parses an initialized token account, or returns null. */
export function readTokenAccount(acc: AccountState | null): TokenAccountView | null {
  if (!acc || (acc.owner !== TOKEN_PROGRAM && acc.owner !== TOKEN_2022_PROGRAM)) return null;
  const d = acc.data;
  if (d.length < TOKEN_ACCOUNT_LEN) return null;
  if (d.length > TOKEN_ACCOUNT_LEN && d[TOKEN_ACCOUNT_LEN] !== 2) return null;
  // state byte at 108: 0 = uninitialized
  if (d[108] === 0) return null;
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  return {
    mint: bs58.encode(d.subarray(0, 32)),
    owner: bs58.encode(d.subarray(32, 64)),
    amount: view.getBigUint64(64, true),
    programId: acc.owner,
  };
}

/** The decimals of an initialized mint, or null. */
export function readMintDecimals(acc: AccountState | null): number | null {
  if (!acc || (acc.owner !== TOKEN_PROGRAM && acc.owner !== TOKEN_2022_PROGRAM)) return null;
  const d = acc.data;
  if (d.length < MINT_LEN || d[45] === 0) return null;
  // Token-2022 mints with extensions carry account type 1 at offset 165.
  if (d.length > MINT_LEN && d[TOKEN_ACCOUNT_LEN] !== 1) return null;
  return d[44] ?? null;
}

/**
 * The RPC's UiTokenAmount: amount as a string, uiAmount as a float and a
 * trimmed decimal string.
 *
 * @example
 * ```ts
 * uiTokenAmount(1500n, 3); // { amount: '1500', decimals: 3, uiAmount: 1.5, uiAmountString: '1.5' }
 * ```
 */
export function uiTokenAmount(
  amount: bigint,
  decimals: number,
): {
  amount: string;
  decimals: number;
  uiAmount: number;
  uiAmountString: string;
} {
  const s = amount.toString();
  let str: string;
  if (decimals === 0) str = s;
  else {
    const padded = s.padStart(decimals + 1, "0");
    const int = padded.slice(0, padded.length - decimals);
    const frac = padded.slice(padded.length - decimals).replace(/0+$/, "");
    str = frac.length > 0 ? `${int}.${frac}` : int;
  }
  return { amount: s, decimals, uiAmount: Number(str), uiAmountString: str };
}
