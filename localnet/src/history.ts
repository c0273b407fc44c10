/**
 * Record of every transaction that landed (succeeded, or failed during
 * execution and paid its fee), indexed by signature, by address and by slot.
 * getTransaction, getSignaturesForAddress, getSignatureStatuses and getBlock
 * read from here.
 *
 * A record is kept as its tagged JSON line (the text the ledger writes),
 * UTF-8 encoded in large off-heap buffers, and decoded when read; only small
 * indexes stay on the JS heap (record numbers per signature and address, and
 * per record its slot, compute-unit price and, for failed ones, the error).
 * Holding every record as JS objects made garbage collection grow with the
 * history. Records are appended in slot order, so a slot is a range of
 * record numbers.
 */
import { recordJson, reviver } from "./record-codec.ts";
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

/** The transaction history; see the module comment. Record numbers count from 0 (the oldest). */
export interface TransactionHistory {
  readonly size: number;
  /** Appends a record (its slot must not be below the newest record's); returns its tagged JSON text. */
  add(record: TransactionRecord): string;
  has(signature: string): boolean;
  /** The record number of a signature, -1 when unknown. */
  indexOf(signature: string): number;
  get(signature: string): TransactionRecord | undefined;
  /** Slot and error of a record, read without decoding it. */
  status(signature: string): { readonly slot: bigint; readonly err: TransactionErrorJson | null } | undefined;
  /** Record number `i` (0 <= i < size). */
  at(i: number): TransactionRecord;
  slotAt(i: number): bigint;
  unitPriceAt(i: number): bigint;
  /** Numbers of the records mentioning `address`, ascending. */
  positionsOf(address: string): readonly number[];
  /** Numbers of the records that write-lock `address`, ascending. */
  writersOf(address: string): readonly number[];
  /** Record numbers [start, end) of slots (fromExclusive, toInclusive]. */
  rangeOf(fromExclusive: bigint, toInclusive: bigint): readonly [number, number];
  /** Records mentioning `address`, oldest first. */
  forAddress(address: string): TransactionRecord[];
  /** Records of slot range (from, to], oldest first. */
  inSlotRange(fromExclusive: bigint, toInclusive: bigint): TransactionRecord[];
  /** Records of one slot, in order. */
  inSlot(slot: bigint): TransactionRecord[];
  /** The first record of a slot. */
  firstOfSlot(slot: bigint): TransactionRecord | undefined;
  /** Number of records landed in `slot` so far. */
  countInSlot(slot: bigint): number;
  all(): TransactionRecord[];
  /** Forgets the records of slots after `slot` (their fork was abandoned); returns them, oldest first. */
  dropAfter(slot: bigint): TransactionRecord[];
  /** The tagged JSON lines (each ending in a newline) of records `from`.. as UTF-8 pieces, in order. */
  encodedFrom(from: number): Uint8Array[];
}

/** Record bytes are packed into buffers of this size (a larger record gets one of its own). */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Decoded records kept for repeated reads. */
const DECODED_CACHE = 1024;

function grow<T extends Uint32Array | BigUint64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let n = a.length;
  while (n < need) n *= 2;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a as never);
  return b;
}

/** Index of the first element of `a[0..n)` for which `below(x)` is false (`below` is monotone). */
function partition(n: number, below: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (below(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Creates an empty history. `chunkBytes` sets the size of its record
 * buffers (default 4 MiB).
 *
 * @example
 * ```ts
 * declare const record: TransactionRecord; // a landed transaction
 * const h = createTransactionHistory();
 * h.add(record);
 * h.get(record.signature)?.slot === record.slot; // true
 * ```
 */
export function createTransactionHistory(opts: { readonly chunkBytes?: number } = {}): TransactionHistory {
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  let size = 0;
  const chunks: Buffer[] = [];
  /** Write position in the last chunk. */
  let used = 0;
  let chunkOf = new Uint32Array(1024);
  let offsetOf = new Uint32Array(1024);
  let lengthOf = new Uint32Array(1024);
  let slots = new BigUint64Array(1024);
  let prices = new BigUint64Array(1024);
  const errs = new Map<number, TransactionErrorJson>();
  const bySig = new Map<string, number>();
  const byAddress = new Map<string, number[]>();
  const byWriter = new Map<string, number[]>();
  const cache = new Map<number, TransactionRecord>();

  const decode = (i: number): TransactionRecord => {
    const hit = cache.get(i);
    if (hit) {
      cache.delete(i);
      cache.set(i, hit);
      return hit;
    }
    const c = chunks[chunkOf[i] as number] as Buffer;
    const off = offsetOf[i] as number;
    const r = JSON.parse(c.toString("utf8", off, off + (lengthOf[i] as number) - 1), reviver) as TransactionRecord;
    cache.set(i, r);
    if (cache.size > DECODED_CACHE) cache.delete(cache.keys().next().value as number);
    return r;
  };
  const lowerBound = (s: bigint): number => partition(size, (i) => (slots[i] as bigint) < s);
  const upperBound = (s: bigint): number => partition(size, (i) => (slots[i] as bigint) <= s);
  const range = (from: number, to: number): TransactionRecord[] => {
    const out: TransactionRecord[] = [];
    for (let i = from; i < to; i++) out.push(decode(i));
    return out;
  };
  const index = (m: Map<string, number[]>, k: string, i: number): void => {
    const l = m.get(k);
    if (!l) m.set(k, [i]);
    else if (l[l.length - 1] !== i) l.push(i);
  };
  const unindex = (m: Map<string, number[]>, k: string, cut: number): void => {
    const l = m.get(k);
    if (!l) return;
    while (l.length > 0 && (l[l.length - 1] as number) >= cut) l.pop();
    if (l.length === 0) m.delete(k);
  };
  /** Slot and count of the newest slot, so countInSlot on the current slot is O(1). */
  let lastSlot = -1n;
  let lastSlotCount = 0;

  return {
    get size() {
      return size;
    },
    add(r) {
      if (size > 0 && r.slot < (slots[size - 1] as bigint)) {
        throw new RangeError(`history records must come in slot order: ${r.slot} after ${slots[size - 1] as bigint}`);
      }
      const text = recordJson(r);
      let c = chunks[chunks.length - 1];
      // UTF-8 takes at most 3 bytes per UTF-16 unit: the exact length is only counted near a buffer's end.
      if (!c || used + text.length * 3 + 1 > c.length) {
        const bytes = Buffer.byteLength(text) + 1;
        if (!c || used + bytes > c.length) {
          c = Buffer.allocUnsafeSlow(Math.max(chunkBytes, bytes));
          chunks.push(c);
          used = 0;
        }
      }
      const i = size;
      chunkOf = grow(chunkOf, i + 1);
      offsetOf = grow(offsetOf, i + 1);
      lengthOf = grow(lengthOf, i + 1);
      slots = grow(slots, i + 1);
      prices = grow(prices, i + 1);
      chunkOf[i] = chunks.length - 1;
      offsetOf[i] = used;
      const n = c.write(text, used, "utf8");
      lengthOf[i] = n + 1;
      used += n;
      c[used++] = 0x0a;
      slots[i] = r.slot;
      prices[i] = r.unitPrice;
      if (r.meta.err !== null) errs.set(i, r.meta.err);
      bySig.set(r.signature, i);
      for (let k = 0; k < r.accountKeys.length; k++) {
        const key = r.accountKeys[k] as string;
        index(byAddress, key, i);
        if (r.writable[k]) index(byWriter, key, i);
      }
      if (r.slot === lastSlot) lastSlotCount++;
      else {
        lastSlot = r.slot;
        lastSlotCount = 1;
      }
      size++;
      return text;
    },
    has: (sig) => bySig.has(sig),
    indexOf: (sig) => bySig.get(sig) ?? -1,
    get(sig) {
      const i = bySig.get(sig);
      return i === undefined ? undefined : decode(i);
    },
    status(sig) {
      const i = bySig.get(sig);
      return i === undefined ? undefined : { slot: slots[i] as bigint, err: errs.get(i) ?? null };
    },
    at(i) {
      if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`no history record ${i} (size ${size})`);
      return decode(i);
    },
    slotAt: (i) => slots[i] as bigint,
    unitPriceAt: (i) => prices[i] as bigint,
    positionsOf: (a) => byAddress.get(a) ?? [],
    writersOf: (a) => byWriter.get(a) ?? [],
    rangeOf: (from, to) => [upperBound(from), upperBound(to)],
    forAddress: (a) => (byAddress.get(a) ?? []).map(decode),
    inSlotRange: (from, to) => (to <= from ? [] : range(upperBound(from), upperBound(to))),
    inSlot: (s) => range(lowerBound(s), upperBound(s)),
    firstOfSlot(s) {
      const i = lowerBound(s);
      return i < size && slots[i] === s ? decode(i) : undefined;
    },
    countInSlot(s) {
      if (s === lastSlot) return lastSlotCount;
      return upperBound(s) - lowerBound(s);
    },
    all: () => range(0, size),
    dropAfter(slot) {
      const cut = upperBound(slot);
      if (cut === size) return [];
      const dropped = range(cut, size);
      for (const r of dropped) {
        bySig.delete(r.signature);
        for (const k of r.accountKeys) {
          unindex(byAddress, k, cut);
          unindex(byWriter, k, cut);
        }
      }
      for (let i = cut; i < size; i++) errs.delete(i);
      chunks.length = (chunkOf[cut] as number) + 1;
      used = offsetOf[cut] as number;
      size = cut;
      cache.clear();
      lastSlot = size > 0 ? (slots[size - 1] as bigint) : -1n;
      lastSlotCount = size > 0 ? upperBound(lastSlot) - lowerBound(lastSlot) : 0;
      return dropped;
    },
    encodedFrom(from) {
      const out: Uint8Array[] = [];
      if (from >= size) return out;
      const first = chunkOf[from] as number;
      for (let c = first; c < chunks.length; c++) {
        const start = c === first ? (offsetOf[from] as number) : 0;
        const end = c === chunks.length - 1 ? used : chunkEnd(c);
        if (end > start) out.push((chunks[c] as Buffer).subarray(start, end));
      }
      return out;
    },
  };

  /** Bytes used in a full (not the last) chunk: up to the end of its last record. */
  function chunkEnd(c: number): number {
    // The last record in chunk c is the one before the first record of chunk c + 1.
    const next = partition(size, (i) => (chunkOf[i] as number) <= c);
    const last = next - 1;
    return (offsetOf[last] as number) + (lengthOf[last] as number);
  }
}
