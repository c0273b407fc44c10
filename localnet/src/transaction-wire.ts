/**
 * Parsing of Solana transactions from their wire bytes (legacy and v0).
 *
 * The node needs the message's account keys, header, blockhash and
 * instructions for history, log mentions, token balances and priority fees;
 * LiteSVM only returns execution results, so the wire format is read here.
 */
import { encodeBase58, encodeKey } from "./base58.ts";
import { invalidParams } from "./errors.ts";

/** A compiled instruction as it appears in the message. */
export interface WireInstruction {
  readonly programIdIndex: number;
  readonly accounts: readonly number[];
  readonly data: Uint8Array;
}

/** An address lookup table reference in a v0 message. */
export interface WireLookup {
  readonly accountKey: string;
  readonly writableIndexes: readonly number[];
  readonly readonlyIndexes: readonly number[];
}

/** The message header: signer and read-only counts. */
export interface WireHeader {
  readonly numRequiredSignatures: number;
  readonly numReadonlySignedAccounts: number;
  readonly numReadonlyUnsignedAccounts: number;
}

/** A transaction decoded from its wire bytes. */
export interface WireTransaction {
  readonly bytes: Uint8Array;
  readonly signatures: readonly Uint8Array[];
  readonly messageBytes: Uint8Array;
  readonly version: "legacy" | 0;
  readonly header: WireHeader;
  readonly staticKeys: readonly string[];
  readonly recentBlockhash: string;
  readonly instructions: readonly WireInstruction[];
  readonly lookups: readonly WireLookup[];
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  byte(): number {
    const b = this.buf[this.pos];
    if (b === undefined) throw invalidParams("failed to deserialize transaction: unexpected end of input");
    this.pos++;
    return b;
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw invalidParams("failed to deserialize transaction: unexpected end of input");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Solana's compact-u16 ("shortvec") length prefix: 1 to 3 bytes, 7 bits each. */
  shortU16(): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.byte();
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        if (value > 0xffff) throw invalidParams("failed to deserialize transaction: compact-u16 overflow");
        return value;
      }
    }
    throw invalidParams("failed to deserialize transaction: compact-u16 too long");
  }
}

/**
 * Decodes and sanity-checks a transaction's wire bytes; throws an
 * `Invalid params` {@link RpcError} for malformed input, as a cluster does.
 *
 * @example
 * ```ts
 * declare const b64: string; // a sendTransaction request's base64 transaction
 * const tx = parseWireTransaction(Buffer.from(b64, 'base64'));
 * console.log(tx.staticKeys[0]); // fee payer
 * ```
 */
export function parseWireTransaction(bytes: Uint8Array): WireTransaction {
  const r = new Reader(bytes);
  const sigCount = r.shortU16();
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < sigCount; i++) signatures.push(r.bytes(64));
  const messageStart = r.pos;
  const first = r.byte();
  let version: "legacy" | 0 = "legacy";
  let numRequiredSignatures = first;
  if ((first & 0x80) !== 0) {
    const v = first & 0x7f;
    if (v !== 0) throw invalidParams(`failed to deserialize transaction: unsupported transaction version ${v}`);
    version = 0;
    numRequiredSignatures = r.byte();
  }
  const header: WireHeader = {
    numRequiredSignatures,
    numReadonlySignedAccounts: r.byte(),
    numReadonlyUnsignedAccounts: r.byte(),
  };
  const keyCount = r.shortU16();
  const staticKeys: string[] = [];
  for (let i = 0; i < keyCount; i++) staticKeys.push(encodeKey(r.bytes(32)));
  const recentBlockhash = encodeKey(r.bytes(32));
  const ixCount = r.shortU16();
  const instructions: WireInstruction[] = [];
  for (let i = 0; i < ixCount; i++) {
    const programIdIndex = r.byte();
    const nAcc = r.shortU16();
    const accounts = Array.from(r.bytes(nAcc));
    const nData = r.shortU16();
    const data = r.bytes(nData).slice();
    instructions.push({ programIdIndex, accounts, data });
  }
  const lookups: WireLookup[] = [];
  if (version === 0) {
    const n = r.shortU16();
    for (let i = 0; i < n; i++) {
      const accountKey = encodeKey(r.bytes(32));
      const writableIndexes = Array.from(r.bytes(r.shortU16()));
      const readonlyIndexes = Array.from(r.bytes(r.shortU16()));
      lookups.push({ accountKey, writableIndexes, readonlyIndexes });
    }
  }
  if (r.pos !== bytes.length) throw invalidParams("failed to deserialize transaction: trailing bytes");
  const messageBytes = bytes.subarray(messageStart);
  sanitize({ signatures, header, staticKeys, instructions, lookups });
  return { bytes, signatures, messageBytes, version, header, staticKeys, recentBlockhash, instructions, lookups };
}

function sanitize(tx: Pick<WireTransaction, "signatures" | "header" | "staticKeys" | "instructions" | "lookups">): void {
  const h = tx.header;
  const fail = (): never => {
    throw invalidParams("invalid transaction: Transaction failed to sanitize accounts offsets correctly");
  };
  if (tx.signatures.length !== h.numRequiredSignatures) {
    throw invalidParams("invalid transaction: Transaction failed to sanitize accounts offsets correctly");
  }
  if (h.numRequiredSignatures === 0) fail();
  if (h.numRequiredSignatures + h.numReadonlyUnsignedAccounts > tx.staticKeys.length) fail();
  if (h.numReadonlySignedAccounts >= h.numRequiredSignatures) fail();
  const loaded = tx.lookups.reduce((n, l) => n + l.writableIndexes.length + l.readonlyIndexes.length, 0);
  const total = tx.staticKeys.length + loaded;
  if (total > 256) fail();
  for (const ix of tx.instructions) {
    // Program ids must be static keys and never the fee payer.
    if (ix.programIdIndex === 0 || ix.programIdIndex >= tx.staticKeys.length) fail();
    for (const a of ix.accounts) if (a >= total) fail();
  }
  if (new Set(tx.staticKeys).size !== tx.staticKeys.length) {
    throw invalidParams("invalid transaction: Transaction contains duplicate account keys");
  }
}

/** Whether static key `i` is writable per the message header. */
export function isStaticWritable(h: WireHeader, staticCount: number, i: number): boolean {
  if (i < h.numRequiredSignatures) return i < h.numRequiredSignatures - h.numReadonlySignedAccounts;
  return i < staticCount - h.numReadonlyUnsignedAccounts;
}

/** The first signature, base58: the transaction id. */
export function transactionId(tx: WireTransaction): string {
  const s = tx.signatures[0];
  return s === undefined ? "" : encodeBase58(s);
}

/** Compute Budget program id. */
export const COMPUTE_BUDGET_PROGRAM = "ComputeBudget111111111111111111111111111111";

/** Compute-budget settings read from a message's ComputeBudget instructions. */
export interface ComputeBudgetSettings {
  /** SetComputeUnitPrice, micro-lamports per CU (0 when absent). */
  readonly unitPrice: bigint;
  /** SetComputeUnitLimit, or null when absent. */
  readonly unitLimit: bigint | null;
}

/**
 * Reads SetComputeUnitLimit (tag 2, u32) and SetComputeUnitPrice (tag 3, u64)
 * from the top-level ComputeBudget instructions.
 *
 * @example
 * ```ts
 * import { ComputeBudgetProgram } from '@solana/web3.js';
 * import { COMPUTE_BUDGET_PROGRAM, readComputeBudget } from './transaction-wire.ts';
 * const { data } = ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1000 });
 * readComputeBudget({ staticKeys: [COMPUTE_BUDGET_PROGRAM], instructions: [{ programIdIndex: 0, accounts: [], data }] }).unitPrice; // 1000n micro-lamports per CU
 * ```
 */
export function readComputeBudget(tx: Pick<WireTransaction, "staticKeys" | "instructions">): ComputeBudgetSettings {
  let unitPrice = 0n;
  let unitLimit: bigint | null = null;
  for (const ix of tx.instructions) {
    if (tx.staticKeys[ix.programIdIndex] !== COMPUTE_BUDGET_PROGRAM) continue;
    const d = ix.data;
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    if (d[0] === 3 && d.length >= 9) unitPrice = view.getBigUint64(1, true);
    else if (d[0] === 2 && d.length >= 5) unitLimit = BigInt(view.getUint32(1, true));
  }
  return { unitPrice, unitLimit };
}

/** Default CU limit: 200k per non-ComputeBudget instruction, capped at 1.4M (Agave's rule). */
export function effectiveUnitLimit(tx: Pick<WireTransaction, "staticKeys" | "instructions">, settings: ComputeBudgetSettings): bigint {
  if (settings.unitLimit !== null) return settings.unitLimit < 1_400_000n ? settings.unitLimit : 1_400_000n;
  const n = tx.instructions.filter((ix) => tx.staticKeys[ix.programIdIndex] !== COMPUTE_BUDGET_PROGRAM).length;
  const l = BigInt(n) * 200_000n;
  return l < 1_400_000n ? l : 1_400_000n;
}

/** Lamports per signature charged by LiteSVM's default fee structure. */
export const LAMPORTS_PER_SIGNATURE = 5000n;

/**
 * The fee a cluster charges: 5000 lamports per signature plus the priority
 * fee ceil(unitPrice * unitLimit / 1e6).
 */
export function computeFee(tx: Pick<WireTransaction, "staticKeys" | "instructions" | "header">): bigint {
  const cb = readComputeBudget(tx);
  const limit = effectiveUnitLimit(tx, cb);
  const prio = (cb.unitPrice * limit + 999_999n) / 1_000_000n;
  return BigInt(tx.header.numRequiredSignatures) * LAMPORTS_PER_SIGNATURE + prio;
}

/** SPL Memo program ids (v3 and v1). */
const MEMO_PROGRAMS = new Set(["MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr", "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFMNo"]);

/**
 * The `memo` field of getSignaturesForAddress: each SPL Memo instruction as
 * `[<byte length>] <text>`, joined by `; ` (Agave's format), or null.
 *
 * @example
 * ```ts
 * const data = new TextEncoder().encode('hello');
 * memoOf({ staticKeys: ['MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'], instructions: [{ programIdIndex: 0, accounts: [], data }] }); // '[5] hello'
 * ```
 */
export function memoOf(tx: Pick<WireTransaction, "staticKeys" | "instructions">): string | null {
  const memos: string[] = [];
  for (const ix of tx.instructions) {
    const program = tx.staticKeys[ix.programIdIndex];
    if (program !== undefined && MEMO_PROGRAMS.has(program)) memos.push(`[${ix.data.length}] ${Buffer.from(ix.data).toString("utf8")}`);
  }
  return memos.length > 0 ? memos.join("; ") : null;
}
