/**
 * Account states as seen at each commitment level.
 *
 * LiteSVM holds only the newest state (= 'processed'). To answer at
 * 'confirmed' or 'finalized', the node logs, for every account a slot
 * changes, the state it had before; the state at slot C is the newest state
 * with every change made after C undone. Entries older than the finalized
 * slot can never be asked for again and are pruned.
 */

/** An account's content, independent of LiteSVM's classes. */
export interface AccountState {
  readonly lamports: bigint;
  readonly data: Uint8Array;
  readonly owner: string;
  readonly executable: boolean;
  /** Kept only so a rewound-and-restored account is bit-identical; not shown on the RPC. */
  readonly rentEpoch?: bigint;
}

/** The change log; see the module comment. */
export interface AccountChangeLog {
  /** Records that `address` had `before` until `slot` changed it. */
  record(slot: bigint, address: string, before: AccountState | null): void;
  /** Whether a change of `address` in `slot` is recorded already (a later one in the same slot adds nothing). */
  recordedIn(slot: bigint, address: string): boolean;
  /**
   * The state of `address` at slot `at`, given its newest state `current`.
   * Returns `current` when nothing changed it after `at`.
   */
  stateAt(address: string, at: bigint, current: AccountState | null): AccountState | null;
  /** Addresses changed in slots (from, to], each once, in first-change order. */
  changedIn(fromExclusive: bigint, toInclusive: bigint): string[];
  /** Addresses with a change after slot `at` (they may differ from the newest state). */
  changedAfter(at: bigint): Set<string>;
  /** Forgets changes made at or before `slot`. */
  pruneThrough(slot: bigint): void;
  /** Forgets changes made after `slot` (their fork was abandoned). */
  dropAfter(slot: bigint): void;
}

/** Whether two account states are equal in every field. */
export function sameAccountState(a: AccountState | null, b: AccountState | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.lamports !== b.lamports || a.owner !== b.owner || a.executable !== b.executable) return false;
  if (a.data.length !== b.data.length) return false;
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}

/**
 * Creates an empty change log.
 *
 * @example
 * ```ts
 * const log = createAccountChangeLog();
 * const addr = owner.toBase58();
 * const before: AccountState = { lamports: 1n, data: new Uint8Array(0), owner: '11111111111111111111111111111111', executable: false };
 * const now: AccountState = { ...before, lamports: 2n };
 * log.record(5n, addr, before); // slot 5 changed addr from `before` to `now`
 * log.stateAt(addr, 4n, now) === before; // true
 * log.stateAt(addr, 5n, now) === now; // true
 * ```
 */
export function createAccountChangeLog(): AccountChangeLog {
  const byAddress = new Map<string, { slot: bigint; before: AccountState | null }[]>();
  const order: { slot: bigint; address: string }[] = [];
  return {
    record(slot, address, before) {
      let l = byAddress.get(address);
      if (!l) byAddress.set(address, (l = []));
      // Only a slot's first change matters: the state before it is the state at every earlier slot.
      else if ((l[l.length - 1] as { slot: bigint }).slot === slot) return;
      l.push({ slot, before });
      order.push({ slot, address });
    },
    recordedIn(slot, address) {
      const l = byAddress.get(address);
      return l !== undefined && (l[l.length - 1] as { slot: bigint }).slot === slot;
    },
    stateAt(address, at, current) {
      const l = byAddress.get(address);
      if (!l) return current;
      for (const e of l) if (e.slot > at) return e.before;
      return current;
    },
    changedIn(from, to) {
      const seen = new Set<string>();
      for (let i = order.length - 1; i >= 0; i--) {
        const e = order[i] as { slot: bigint; address: string };
        if (e.slot <= from) break;
        if (e.slot <= to) seen.add(e.address);
      }
      return [...seen].reverse();
    },
    changedAfter(at) {
      const out = new Set<string>();
      for (let i = order.length - 1; i >= 0; i--) {
        const e = order[i] as { slot: bigint; address: string };
        if (e.slot <= at) break;
        out.add(e.address);
      }
      return out;
    },
    dropAfter(slot) {
      let cut = order.length;
      while (cut > 0 && (order[cut - 1] as { slot: bigint }).slot > slot) cut--;
      if (cut === order.length) return;
      order.splice(cut);
      for (const [a, l] of byAddress) {
        const keep = l.filter((e) => e.slot <= slot);
        if (keep.length === 0) byAddress.delete(a);
        else if (keep.length !== l.length) byAddress.set(a, keep);
      }
    },
    pruneThrough(slot) {
      let cut = 0;
      while (cut < order.length && (order[cut] as { slot: bigint }).slot <= slot) cut++;
      if (cut === 0) return;
      order.splice(0, cut);
      for (const [a, l] of byAddress) {
        const keep = l.filter((e) => e.slot > slot);
        if (keep.length === 0) byAddress.delete(a);
        else if (keep.length !== l.length) byAddress.set(a, keep);
      }
    },
  };
}
