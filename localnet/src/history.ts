/**
 * In-memory record of every transaction that landed (succeeded, or failed
 * during execution and paid its fee), indexed by signature and by address.
 * getTransaction, getSignaturesForAddress, getSignatureStatuses and getBlock
 * read from here.
 */
import type { TransactionErrorJson } from "./transaction-error.ts";

/** A token balance entry of transaction meta (pre/postTokenBalances). */
export interface TokenBalance {
  readonly accountIndex: number;
  readonly mint: string;
  readonly owner: string;
  readonly programId: string;
  readonly amount: bigint;
  readonly decimals: number;
}

/** One inner (CPI) instruction, indexes into the transaction's account keys. */
export interface InnerInstructionRecord {
  readonly programIdIndex: number;
  readonly accounts: readonly number[];
  /** base58 */
  readonly data: string;
  readonly stackHeight: number;
}

/** Execution results of a landed transaction. */
export interface TransactionMetaRecord {
  readonly err: TransactionErrorJson | null;
  readonly fee: bigint;
  readonly preBalances: readonly bigint[];
  readonly postBalances: readonly bigint[];
  readonly logMessages: readonly string[];
  readonly computeUnitsConsumed: bigint;
  /** Per top-level instruction index, only those that made CPIs. */
  readonly innerInstructions: readonly { readonly index: number; readonly instructions: readonly InnerInstructionRecord[] }[];
  readonly preTokenBalances: readonly TokenBalance[];
  readonly postTokenBalances: readonly TokenBalance[];
  readonly returnData: { readonly programId: string; readonly data: string } | null;
  readonly loadedAddresses: { readonly writable: readonly string[]; readonly readonly: readonly string[] };
}

/** A landed transaction. */
export interface TransactionRecord {
  readonly signature: string;
  readonly slot: bigint;
  readonly blockTime: bigint;
  /** Position of the transaction within its slot, from 0. */
  readonly indexInSlot: number;
  /** Blockhash of the block (slot) it landed in, and of the previous block. */
  readonly blockhash: string;
  readonly previousBlockhash: string;
  readonly wire: Uint8Array;
  readonly version: "legacy" | 0;
  /** Static keys followed by lookup-table writable then readonly keys. */
  readonly accountKeys: readonly string[];
  readonly writable: readonly boolean[];
  /** SetComputeUnitPrice in micro-lamports per CU (0 when absent). */
  readonly unitPrice: bigint;
  readonly meta: TransactionMetaRecord;
}

/** The transaction history; see the module comment. */
export interface TransactionHistory {
  readonly size: number;
  add(record: TransactionRecord): void;
  get(signature: string): TransactionRecord | undefined;
  /** Records mentioning `address`, oldest first. */
  forAddress(address: string): readonly TransactionRecord[];
  /** Records of slot range (from, to], oldest first. */
  inSlotRange(fromExclusive: bigint, toInclusive: bigint): TransactionRecord[];
  /** Records of one slot, in order. */
  inSlot(slot: bigint): readonly TransactionRecord[];
  /** Number of records landed in `slot` so far. */
  countInSlot(slot: bigint): number;
  all(): readonly TransactionRecord[];
  /** Forgets the records of slots after `slot` (their fork was abandoned); returns them, oldest first. */
  dropAfter(slot: bigint): TransactionRecord[];
}

/**
 * Creates an empty history.
 *
 * @example
 * ```ts
 * declare const record: TransactionRecord; // a landed transaction
 * const h = createTransactionHistory();
 * h.add(record);
 * h.get(record.signature) === record; // true
 * ```
 */
export function createTransactionHistory(): TransactionHistory {
  const list: TransactionRecord[] = [];
  const bySig = new Map<string, TransactionRecord>();
  const byAddress = new Map<string, TransactionRecord[]>();
  const bySlot = new Map<bigint, TransactionRecord[]>();
  return {
    get size() {
      return list.length;
    },
    add(r) {
      list.push(r);
      bySig.set(r.signature, r);
      for (const k of new Set(r.accountKeys)) {
        let l = byAddress.get(k);
        if (!l) byAddress.set(k, (l = []));
        l.push(r);
      }
      let s = bySlot.get(r.slot);
      if (!s) bySlot.set(r.slot, (s = []));
      s.push(r);
    },
    get: (sig) => bySig.get(sig),
    forAddress: (a) => byAddress.get(a) ?? [],
    inSlotRange(from, to) {
      const out: TransactionRecord[] = [];
      // Scan from the end: ranges asked for are recent.
      for (let i = list.length - 1; i >= 0; i--) {
        const r = list[i] as TransactionRecord;
        if (r.slot <= from) break;
        if (r.slot <= to) out.push(r);
      }
      return out.reverse();
    },
    inSlot: (s) => bySlot.get(s) ?? [],
    countInSlot: (s) => bySlot.get(s)?.length ?? 0,
    all: () => list,
    dropAfter(slot) {
      let cut = list.length;
      while (cut > 0 && (list[cut - 1] as TransactionRecord).slot > slot) cut--;
      const dropped = list.splice(cut);
      for (const r of dropped) {
        bySig.delete(r.signature);
        bySlot.delete(r.slot);
        for (const k of new Set(r.accountKeys)) {
          const l = byAddress.get(k);
          if (!l) continue;
          const keep = l.filter((x) => x.slot <= slot);
          if (keep.length === 0) byAddress.delete(k);
          else byAddress.set(k, keep);
        }
      }
      return dropped;
    },
  };
}
