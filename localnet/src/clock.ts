/**
 * The node's notion of time: the current slot, wall-clock time per slot,
 * commitment depths, recent blockhashes and the Clock sysvar inside LiteSVM.
 *
 * Block height equals the slot (the node never skips a block except on a
 * bulk time-travel jump), so a blockhash created at slot s stays valid while
 * the block height is at most s + 150, Agave's MAX_PROCESSING_AGE.
 */
import { Clock, type LiteSVM } from "litesvm";
import { LocalnetError } from "./errors.ts";

/** Blockhash lifetime in blocks (Agave MAX_PROCESSING_AGE). */
export const BLOCKHASH_VALID_BLOCKS = 150n;
/**
 * The highest slot the node moves to: a blockhash made there still has a
 * lastValidBlockHeight (slot + 150) inside u64.
 */
export const MAX_SLOT = 2n ** 64n - 1n - BLOCKHASH_VALID_BLOCKS;
/** The Clock sysvar's unix_timestamp is an i64 number of seconds. */
const MIN_UNIX_SECONDS = -(2n ** 63n);
const MAX_UNIX_SECONDS = 2n ** 63n - 1n;
/** How many recent slots keep their blockhash and block time in memory. */
const RECENT_SLOTS = 512n;
/** Agave's MINIMUM_SLOTS_PER_EPOCH, the first (warm-up) epoch length. */
const MINIMUM_SLOTS_PER_EPOCH = 32n;

/** processed = current slot; confirmed and finalized trail it. */
export type Commitment = "processed" | "confirmed" | "finalized";

/** A point from which slot times grow linearly by slotMs. */
export interface ClockSegment {
  readonly slot: bigint;
  readonly timeMs: bigint;
  readonly slotMs: bigint;
}

/** Serializable state of the clock, for the ledger. */
export interface ClockState {
  readonly slot: bigint;
  readonly timeMs: bigint;
  readonly segments: readonly ClockSegment[];
  readonly blockhashes: readonly { readonly slot: bigint; readonly blockhash: string }[];
}

/** Options of {@link createSlotClock}. */
export interface SlotClockOptions {
  readonly svm: LiteSVM;
  readonly slotMs: number;
  /** Slots by which 'confirmed' trails 'processed' (1 on a healthy cluster). */
  readonly confirmedDepth: bigint;
  /** Slots by which 'finalized' trails 'processed' (~32 on a cluster). */
  readonly finalizedDepth: bigint;
  /** Resume from saved state (ledger restart) instead of genesis. */
  readonly resume?: ClockState;
  /** Wall clock in ms, injectable for determinism. */
  readonly nowMs?: () => number;
}

/** Result of advancing slots. */
export interface SlotAdvance {
  readonly fromSlot: bigint;
  readonly toSlot: bigint;
}

/** The node clock; see the module comment. */
export interface SlotClock {
  readonly slot: bigint;
  readonly blockHeight: bigint;
  /** Current unix time in milliseconds. */
  readonly timeMs: bigint;
  readonly slotMs: number;
  readonly finalizedDepth: bigint;
  /** The highest slot visible at `commitment`. */
  commitmentSlot(commitment: Commitment): bigint;
  /** Unix seconds of `slot`, or null when `slot` is in the future. */
  blockTimeOf(slot: bigint): bigint | null;
  /** The blockhash of `slot` if it is recent enough to be remembered. */
  blockhashOf(slot: bigint): string | null;
  /** Latest blockhash visible at `slot` and its lastValidBlockHeight. */
  latestBlockhash(atSlot: bigint): { blockhash: string; lastValidBlockHeight: bigint };
  /**
   * Whether `blockhash` is in the recent-blockhash window of the bank at
   * slot `at` (default: now): created at or before `at`, at most 150 blocks
   * earlier. A preflight at 'finalized' therefore rejects a blockhash taken
   * at 'processed', as a cluster does.
   */
  isBlockhashValid(blockhash: string, at?: bigint): boolean;
  /**
   * Moves `n` slots forward, updating LiteSVM's slot, Clock and blockhash.
   * @throws {LocalnetError} INVALID_ARGUMENT past {@link MAX_SLOT} or the i64 clock, with nothing changed.
   */
  advance(n: bigint): SlotAdvance;
  /** Throws INVALID_ARGUMENT (changing nothing) when advance(n) would leave the slot or time range. */
  checkAdvance(n: bigint): void;
  /** Throws INVALID_ARGUMENT when `ms` unix milliseconds is outside the Clock sysvar's i64 seconds. */
  checkTime(ms: bigint): void;
  /** Moves the wall clock (and the Clock sysvar) by `ms`, slot unchanged. */
  shiftTime(ms: bigint): void;
  /** Sets the wall clock to `ms` unix milliseconds, slot unchanged. */
  setTime(ms: bigint): void;
  /** Epoch and slot index of `slot` under the sysvar's EpochSchedule. */
  epochOf(slot: bigint): { epoch: bigint; slotIndex: bigint; slotsInEpoch: bigint };
  /** The newest clock segment (the one shiftTime or setTime just added). */
  readonly lastSegment: ClockSegment;
  toState(): ClockState;
  /**
   * Goes back to `slot` for a fork switch: the blockhashes of later slots are
   * forgotten (invalid on the new fork), time keeps running forward.
   */
  rewind(slot: bigint): void;
}

/**
 * Creates the clock, warping LiteSVM to the genesis slot 0 (or to the saved
 * slot on resume) and writing the Clock sysvar.
 *
 * @example
 * ```ts
 * import { LiteSVM } from 'litesvm';
 * import { createSlotClock } from './clock.ts';
 * const svm = new LiteSVM();
 * const clock = createSlotClock({ svm, slotMs: 400, confirmedDepth: 1n, finalizedDepth: 32n });
 * clock.advance(1n);
 * ```
 */
export function createSlotClock(opts: SlotClockOptions): SlotClock {
  const { svm } = opts;
  const slotMsBig = BigInt(opts.slotMs);
  const now = opts.nowMs ?? Date.now;
  let slot: bigint;
  let timeMs: bigint;
  let segments: ClockSegment[];
  const hashBySlot = new Map<bigint, string>();
  const slotByHash = new Map<string, bigint>();
  const remember = (s: bigint, h: string): void => {
    hashBySlot.set(s, h);
    slotByHash.set(h, s);
  };

  if (opts.resume) {
    slot = opts.resume.slot;
    // A restart keeps time monotonic and catches up with the wall clock.
    const wall = BigInt(now());
    timeMs = opts.resume.timeMs > wall ? opts.resume.timeMs : wall;
    segments = [...opts.resume.segments, { slot, timeMs, slotMs: slotMsBig }];
    for (const b of opts.resume.blockhashes) remember(b.slot, b.blockhash);
  } else {
    slot = 0n;
    timeMs = BigInt(now());
    segments = [{ slot, timeMs, slotMs: slotMsBig }];
  }
  if (!hashBySlot.has(slot)) remember(slot, svm.latestBlockhash());

  function epochOf(s: bigint): { epoch: bigint; slotIndex: bigint; slotsInEpoch: bigint } {
    const es = svm.getEpochSchedule();
    if (es.warmup && s < es.firstNormalSlot) {
      // Warm-up epochs double from 32 slots: epoch e spans [32*(2^e-1), 32*(2^(e+1)-1)).
      let epoch = 0n;
      let len = MINIMUM_SLOTS_PER_EPOCH;
      let start = 0n;
      while (s >= start + len) {
        start += len;
        len *= 2n;
        epoch++;
      }
      return { epoch, slotIndex: s - start, slotsInEpoch: len };
    }
    const normal = s - es.firstNormalSlot;
    return {
      epoch: es.firstNormalEpoch + normal / es.slotsPerEpoch,
      slotIndex: normal % es.slotsPerEpoch,
      slotsInEpoch: es.slotsPerEpoch,
    };
  }

  function blockTimeMsOf(s: bigint): bigint {
    let seg = segments[0] as ClockSegment;
    for (const g of segments) if (g.slot <= s) seg = g;
    return seg.timeMs + (s - seg.slot) * seg.slotMs;
  }

  function writeSysvar(): void {
    const { epoch, slotIndex } = epochOf(slot);
    const epochStart = blockTimeMsOf(slot - slotIndex) / 1000n;
    svm.setClock(new Clock(slot, epochStart, epoch, epoch + 1n, timeMs / 1000n));
  }

  function prune(): void {
    const floor = slot - RECENT_SLOTS;
    for (const [s, h] of hashBySlot) {
      if (s < floor) {
        hashBySlot.delete(s);
        slotByHash.delete(h);
      }
    }
  }

  /** Newest-first (slot, blockhash) pairs for the SlotHashes sysvar (Agave keeps 512). */
  function writeSlotHashes(): void {
    const list: { slot: bigint; hash: string }[] = [];
    for (let s = slot; s >= 0n && list.length < 512 && slot - s < RECENT_SLOTS; s--) {
      const h = hashBySlot.get(s);
      if (h !== undefined) list.push({ slot: s, hash: h });
    }
    svm.setSlotHashes(list);
  }

  function checkTime(ms: bigint): void {
    const seconds = ms / 1000n;
    if (seconds < MIN_UNIX_SECONDS || seconds > MAX_UNIX_SECONDS) {
      throw new LocalnetError("INVALID_ARGUMENT", `unix time ${seconds} s is outside the Clock sysvar's i64 range ${MIN_UNIX_SECONDS}..${MAX_UNIX_SECONDS}`, {
        seconds,
      });
    }
  }

  function checkAdvance(n: bigint): void {
    if (n <= 0n) return;
    if (slot + n > MAX_SLOT) throw new LocalnetError("INVALID_ARGUMENT", `slot ${slot + n} would pass the highest slot ${MAX_SLOT}`, { slot: slot + n });
    checkTime(timeMs + n * slotMsBig);
  }

  svm.warpToSlot(slot);
  writeSysvar();
  writeSlotHashes();

  return {
    get slot() {
      return slot;
    },
    get blockHeight() {
      return slot;
    },
    get timeMs() {
      return timeMs;
    },
    slotMs: opts.slotMs,
    finalizedDepth: opts.finalizedDepth,
    commitmentSlot(c) {
      const depth = c === "processed" ? 0n : c === "confirmed" ? opts.confirmedDepth : opts.finalizedDepth;
      return slot > depth ? slot - depth : 0n;
    },
    blockTimeOf(s) {
      if (s > slot) return null;
      return blockTimeMsOf(s) / 1000n;
    },
    blockhashOf(s) {
      return hashBySlot.get(s) ?? null;
    },
    latestBlockhash(atSlot) {
      // The newest remembered blockhash at or before atSlot (slots can be jumped).
      let s = atSlot;
      let h = hashBySlot.get(s);
      while (h === undefined && s > 0n && slot - s < RECENT_SLOTS) {
        s--;
        h = hashBySlot.get(s);
      }
      if (h === undefined) {
        s = slot;
        h = hashBySlot.get(slot) ?? svm.latestBlockhash();
      }
      return { blockhash: h, lastValidBlockHeight: s + BLOCKHASH_VALID_BLOCKS };
    },
    isBlockhashValid(h, at = slot) {
      const s = slotByHash.get(h);
      return s !== undefined && s <= at && s + BLOCKHASH_VALID_BLOCKS >= at && s + BLOCKHASH_VALID_BLOCKS >= slot;
    },
    checkAdvance,
    checkTime,
    advance(n) {
      const fromSlot = slot;
      if (n <= 0n) return { fromSlot, toSlot: slot };
      checkAdvance(n);
      // On a jump, the last slots still get their own blockhash, so that a
      // 'finalized' or 'confirmed' getLatestBlockhash lands on a live one.
      const firstHashed = n > BLOCKHASH_VALID_BLOCKS ? slot + n - BLOCKHASH_VALID_BLOCKS : slot + 1n;
      for (let s = firstHashed; s <= slot + n; s++) {
        svm.expireBlockhash();
        remember(s, svm.latestBlockhash());
      }
      slot += n;
      timeMs += n * slotMsBig;
      svm.warpToSlot(slot);
      writeSysvar();
      prune();
      writeSlotHashes();
      return { fromSlot, toSlot: slot };
    },
    shiftTime(ms) {
      checkTime(timeMs + ms);
      timeMs += ms;
      segments.push({ slot, timeMs, slotMs: slotMsBig });
      writeSysvar();
    },
    setTime(ms) {
      checkTime(ms);
      timeMs = ms;
      segments.push({ slot, timeMs, slotMs: slotMsBig });
      writeSysvar();
    },
    epochOf,
    get lastSegment() {
      return segments[segments.length - 1] as ClockSegment;
    },
    rewind(to) {
      if (to >= slot) return;
      for (const [s, h] of hashBySlot) {
        if (s > to) {
          hashBySlot.delete(s);
          slotByHash.delete(h);
        }
      }
      slot = to;
      // The new fork's next block comes one slot duration after now; kept slots keep their times.
      segments.push({ slot: to + 1n, timeMs: timeMs + slotMsBig, slotMs: slotMsBig });
      svm.warpToSlot(slot);
      writeSysvar();
      writeSlotHashes();
    },
    toState() {
      return {
        slot,
        timeMs,
        segments: [...segments],
        blockhashes: [...hashBySlot].map(([s, blockhash]) => ({ slot: s, blockhash })),
      };
    },
  };
}
