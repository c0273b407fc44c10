/**
 * The node core: LiteSVM plus the slot clock, transaction history, account
 * change log for commitment levels, execution/simulation of wire
 * transactions, the faucet, and the events the WebSocket server listens to.
 * The RPC layers only translate between JSON and this.
 */
import { address, type Address } from "@solana/kit";
import bs58 from "bs58";
import { LiteSVM, TransactionMetadata, type FailedTransactionMetadata } from "litesvm";
import { createAccountChangeLog, sameAccountState, type AccountChangeLog, type AccountState } from "./account-changes.ts";
import { createSlotClock, type ClockSegment, type ClockState, type Commitment, type SlotClock } from "./clock.ts";
import { LocalnetError } from "./errors.ts";
import { createSvmAccess, type AccountPeek } from "./svm-access.ts";
import { createFaucet } from "./faucet.ts";
import { createTransactionHistory, type InnerInstructionRecord, type TokenBalance, type TransactionHistory, type TransactionRecord } from "./history.ts";
import { readMintDecimals, readTokenAccount } from "./token-accounts.ts";
import { transactionErrorToJson, type TransactionErrorJson } from "./transaction-error.ts";
import {
  COMPUTE_BUDGET_PROGRAM,
  computeFee,
  isStaticWritable,
  LAMPORTS_PER_SIGNATURE,
  parseWireTransaction,
  readComputeBudget,
  transactionId,
  type WireTransaction,
} from "./transaction-wire.ts";

const SYSTEM_PROGRAM = "11111111111111111111111111111111";
/** Address lookup tables store 56 header bytes before their addresses. */
const LOOKUP_TABLE_META_SIZE = 56;
/** Lamports the faucet keeps beyond pending airdrops (500M SOL, as a genesis faucet is simply rich). */
const FAUCET_RESERVE = 500_000_000n * 1_000_000_000n;
/** The most one airdrop may give: 10^9 SOL, more than the whole supply of SOL, and small enough that the faucet's balance stays inside u64. */
export const MAX_AIRDROP_LAMPORTS = 10n ** 18n;
const U64_MAX = 2n ** 64n - 1n;
/** Builtin programs that make no cross-program calls and set no return data. */
const LEAF_BUILTINS = new Set([SYSTEM_PROGRAM, COMPUTE_BUDGET_PROGRAM]);
/** Agave keeps prioritization fees for the last 150 blocks. */
const PRIORITIZATION_FEE_SLOTS = 150n;

/** Outcome of running a transaction for real. */
export type ExecuteOutcome =
  | { readonly landed: true; readonly record: TransactionRecord }
  | { readonly landed: false; readonly signature: string; readonly err: TransactionErrorJson; readonly logs: readonly string[] };

/** Outcome of a simulation. */
export interface SimulateOutcome {
  readonly err: TransactionErrorJson | null;
  readonly logs: readonly string[];
  readonly unitsConsumed: bigint;
  readonly returnData: { readonly programId: string; readonly data: string } | null;
  readonly innerInstructions: TransactionMetaInner;
  /** Post-simulation state by address (only accounts the transaction loaded). */
  readonly postAccounts: ReadonlyMap<string, AccountState | null>;
  readonly accountKeys: readonly string[];
}

type TransactionMetaInner = TransactionRecord["meta"]["innerInstructions"];

/** Events the node emits; the WebSocket server subscribes to them. */
export interface NodeEvents {
  /** A transaction landed (processed). */
  transaction: (record: TransactionRecord, changed: readonly string[]) => void;
  /** Accounts changed outside a transaction (airdrop funding, setAccount). */
  accounts: (slot: bigint, changed: readonly string[]) => void;
  /** A new slot began. */
  slot: (info: { slot: bigint; parent: bigint; root: bigint }) => void;
  /** The confirmed or finalized slot moved from `from` (exclusive) to `to`. */
  commitment: (level: "confirmed" | "finalized", from: bigint, to: bigint) => void;
}

/** Options of {@link createNode}. */
export interface NodeOptions {
  readonly slotMs: number;
  readonly finalizedDepth: bigint;
  /** Restore from a ledger instead of genesis. */
  readonly resume?: {
    readonly svm: LiteSVM;
    readonly clock: ClockState;
    readonly history: readonly TransactionRecord[];
    readonly genesisHash: string;
    readonly faucetSeed?: Uint8Array;
  };
  /** Receives every change to the node's state, for the ledger's write-ahead log. */
  readonly journal?: NodeJournal;
}

/** What the ledger's write-ahead log is told; see {@link NodeOptions.journal}. */
export interface NodeJournal {
  /** A transaction landed; `written` are the accounts it changed, with their new states; `recordText` is the record's tagged JSON. */
  landed(record: TransactionRecord, written: readonly (readonly [string, AccountState | null])[], recordText: string): void;
  /** Accounts were overwritten outside a transaction. */
  accountsWritten(written: readonly (readonly [string, AccountState | null])[]): void;
  /** The slot moved; `hashes` are the blockhashes made on the way, oldest first. */
  slotsMoved(slot: bigint, timeMs: bigint, hashes: readonly (readonly [bigint, string])[]): void;
  /** The wall clock was set or shifted. */
  timeSet(segment: ClockSegment): void;
  /**
   * Called before the slot moves. Transactions become `confirmed` only once
   * a later slot exists, so whatever landed must be durable by the time
   * this returns; if it throws, the slot does not move.
   */
  beforeSlotAdvance(): void;
}

/** The node core; see the module comment. */
export interface LocalnetNode {
  readonly svm: LiteSVM;
  readonly clock: SlotClock;
  readonly history: TransactionHistory;
  readonly changes: AccountChangeLog;
  readonly genesisHash: string;
  /** The faucet's address and seed (persisted by the ledger). */
  readonly faucet: { readonly address: string; readonly seed: Uint8Array };
  /** Total transactions landed since genesis. */
  readonly transactionCount: bigint;
  on<E extends keyof NodeEvents>(event: E, listener: NodeEvents[E]): () => void;
  /** Newest state of an account. */
  accountState(addr: string): AccountState | null;
  /** State of an account at a commitment level. */
  accountAt(addr: string, commitment: Commitment): AccountState | null;
  /** Accounts owned by `programId` at a commitment level. */
  programAccountsAt(programId: string, commitment: Commitment): { pubkey: string; account: AccountState }[];
  execute(tx: WireTransaction): ExecuteOutcome;
  /** Simulates against the state at `commitment` (a cluster's preflight bank); nothing is kept. */
  simulate(tx: WireTransaction, opts: { sigVerify: boolean; skipBlockhashCheck: boolean; commitment: Commitment }): SimulateOutcome;
  /** Sends lamports from a one-shot faucet; returns the landed record. */
  airdrop(recipient: string, lamports: bigint): TransactionRecord;
  /** Overwrites an account (bypassing the runtime) and notifies subscribers. */
  setAccount(addr: string, state: AccountState): void;
  advanceSlots(n: bigint): void;
  advanceClockMs(ms: bigint): void;
  setClock(opts: { unixTimestamp?: bigint; slot?: bigint }): void;
  /** Per recent slot, the compute-unit price (micro-lamports) transactions paid. */
  recentPrioritizationFees(addresses: readonly string[]): { slot: bigint; prioritizationFee: bigint }[];
  /** Whether `tx` is a durable-nonce transaction whose nonce matches. */
  hasValidNonce(tx: WireTransaction): boolean;
}

/**
 * Creates the node core around a fresh LiteSVM (or a restored one).
 *
 * @example
 * ```ts
 * const node = createNode({ slotMs: 400, finalizedDepth: 32n });
 * node.airdrop(owner.toBase58(), 1_000_000_000n);
 * node.advanceSlots(1n);
 * ```
 */
export function createNode(opts: NodeOptions): LocalnetNode {
  const svm = opts.resume?.svm ?? new LiteSVM();
  // Blockhash validity is the node's own 150-block rule (see clock.ts);
  // LiteSVM alone accepts only its single newest blockhash.
  svm.withBlockhashCheck(false);
  // Duplicate detection uses the node's own history (kept forever, persisted in the
  // ledger); LiteSVM's copy would only grow memory and every snapshot.
  svm.withTransactionHistory(0n);
  const clock = createSlotClock({
    svm,
    slotMs: opts.slotMs,
    confirmedDepth: 1n,
    finalizedDepth: opts.finalizedDepth,
    ...(opts.resume ? { resume: opts.resume.clock } : {}),
  });
  const history = createTransactionHistory();
  for (const r of opts.resume?.history ?? []) history.add(r);
  const changes = createAccountChangeLog();
  const genesisHash = opts.resume?.genesisHash ?? bs58.encode(crypto.getRandomValues(new Uint8Array(32)));
  const access = createSvmAccess(svm);
  const listeners: { [E in keyof NodeEvents]: Set<NodeEvents[E]> } = {
    transaction: new Set(),
    accounts: new Set(),
    slot: new Set(),
    commitment: new Set(),
  };
  const emit = <E extends keyof NodeEvents>(event: E, ...args: Parameters<NodeEvents[E]>): void => {
    for (const l of listeners[event]) {
      try {
        (l as (...a: Parameters<NodeEvents[E]>) => void)(...args);
      } catch {
        // A failing subscriber must not break the node or other subscribers.
      }
    }
  };

  const accountState = (addr: string): AccountState | null => access.account(addr);

  type Resolved =
    | { ok: true; keys: string[]; writable: boolean[]; loaded: { writable: string[]; readonly: string[] } }
    | { ok: false; err: TransactionErrorJson };
  function resolveKeys(tx: WireTransaction): Resolved {
    const keys = [...tx.staticKeys];
    const writable = tx.staticKeys.map((_, i) => isStaticWritable(tx.header, tx.staticKeys.length, i));
    const loaded = { writable: [] as string[], readonly: [] as string[] };
    const tables = new Map<string, Uint8Array>();
    for (const l of tx.lookups) {
      const st = accountState(l.accountKey);
      if (!st) return { ok: false, err: "AddressLookupTableNotFound" };
      if (st.owner !== "AddressLookupTab1e1111111111111111111111111") return { ok: false, err: "InvalidAddressLookupTableOwner" };
      tables.set(l.accountKey, st.data);
    }
    for (const kind of ["writable", "readonly"] as const) {
      for (const l of tx.lookups) {
        const data = tables.get(l.accountKey) as Uint8Array;
        for (const idx of kind === "writable" ? l.writableIndexes : l.readonlyIndexes) {
          const at = LOOKUP_TABLE_META_SIZE + idx * 32;
          if (at + 32 > data.length) return { ok: false, err: "InvalidAddressLookupTableIndex" };
          const k = bs58.encode(data.subarray(at, at + 32));
          loaded[kind].push(k);
          keys.push(k);
          writable.push(kind === "writable");
        }
      }
    }
    return { ok: true, keys, writable, loaded };
  }

  function hasValidNonce(tx: WireTransaction): boolean {
    const ix = tx.instructions[0];
    if (!ix || tx.staticKeys[ix.programIdIndex] !== SYSTEM_PROGRAM) return false;
    // SystemInstruction::AdvanceNonceAccount = 4; nonce account is its first account.
    if (ix.data.length < 4 || ix.data[0] !== 4 || ix.data[1] !== 0 || ix.data[2] !== 0 || ix.data[3] !== 0) return false;
    const idx = ix.accounts[0];
    const key = idx === undefined ? undefined : tx.staticKeys[idx];
    if (key === undefined) return false;
    const st = accountState(key);
    // Versions(u32) State(u32 = 1 initialized) authority(32) durable_nonce(32)
    if (!st || st.owner !== SYSTEM_PROGRAM || st.data.length < 80) return false;
    const view = new DataView(st.data.buffer, st.data.byteOffset, st.data.byteLength);
    if (view.getUint32(4, true) !== 1) return false;
    return bs58.encode(st.data.subarray(40, 72)) === tx.recentBlockhash;
  }

  function tokenBalances(keys: readonly string[], states: readonly (AccountState | null)[]): TokenBalance[] {
    const out: TokenBalance[] = [];
    const decimalsCache = new Map<string, number | null>();
    states.forEach((st, accountIndex) => {
      const ta = readTokenAccount(st);
      if (!ta) return;
      let decimals = decimalsCache.get(ta.mint);
      if (decimals === undefined) {
        const i = keys.indexOf(ta.mint);
        decimals = readMintDecimals(i >= 0 ? (states[i] ?? null) : accountState(ta.mint));
        if (decimals === null) decimals = readMintDecimals(accountState(ta.mint));
        decimalsCache.set(ta.mint, decimals);
      }
      if (decimals === null) return;
      out.push({ accountIndex, mint: ta.mint, owner: ta.owner, programId: ta.programId, amount: ta.amount, decimals });
    });
    return out;
  }

  function innerOf(meta: TransactionMetadata): TransactionMetaInner {
    const out: { index: number; instructions: InnerInstructionRecord[] }[] = [];
    meta.innerInstructions().forEach((list, index) => {
      if (list.length === 0) return;
      out.push({
        index,
        instructions: list.map((ii) => {
          const ci = ii.instruction();
          return { programIdIndex: ci.programIdIndex(), accounts: Array.from(ci.accounts()), data: bs58.encode(ci.data()), stackHeight: ii.stackHeight() };
        }),
      });
    });
    return out;
  }

  function returnDataOf(meta: TransactionMetadata): { programId: string; data: string } | null {
    const rd = meta.returnData();
    const data = rd.data();
    // As Agave records it: no return data unless a program set some.
    if (data.length === 0) return null;
    const pid = rd.programId();
    return { programId: bs58.encode(pid), data: Buffer.from(data).toString("base64") };
  }

  function run(tx: WireTransaction): TransactionMetadata | FailedTransactionMetadata | TransactionErrorJson {
    try {
      return access.send(tx.bytes, tx.version);
    } catch {
      // The public wrapper refuses a transaction with an all-zero (missing) signature.
      return "SignatureFailure";
    }
  }

  let transactionCount = BigInt(history.size);

  const faucet = createFaucet(opts.resume?.faucetSeed);
  /** Tops the faucet up to hold at least `need` plus its standing reserve (like a genesis faucet, it is just very rich). */
  function topUpFaucet(need: bigint): void {
    const before = accountState(faucet.address);
    const state: AccountState = {
      lamports: (before?.lamports ?? 0n) + need + FAUCET_RESERVE,
      data: new Uint8Array(0),
      owner: SYSTEM_PROGRAM,
      executable: false,
    };
    access.setAccount(faucet.address, state);
    opts.journal?.accountsWritten([[faucet.address, state]]);
    if (before !== null || clock.slot > 0n) changes.record(clock.slot, faucet.address, before);
  }
  if (!opts.resume) topUpFaucet(0n);

  function execute(tx: WireTransaction): ExecuteOutcome {
    const signature = transactionId(tx);
    const notLanded = (err: TransactionErrorJson, logs: readonly string[] = []): ExecuteOutcome => ({ landed: false, signature, err, logs });
    if (history.has(signature)) return notLanded("AlreadyProcessed");
    if (!clock.isBlockhashValid(tx.recentBlockhash) && !hasValidNonce(tx)) return notLanded("BlockhashNotFound");
    const resolved = resolveKeys(tx);
    if (!resolved.ok) return notLanded(resolved.err);
    const { keys, writable, loaded } = resolved;
    // Each account is read once before and, if writable, once after; owner and data are only
    // fetched when needed (a changed account's states, token balances).
    const pre = keys.map((k) => access.peek(k));
    const result = run(tx);
    if (!(result instanceof TransactionMetadata) && (typeof result === "string" || !("meta" in result))) {
      return notLanded(result as TransactionErrorJson);
    }
    const ok = result instanceof TransactionMetadata;
    const meta = ok ? result : (result as FailedTransactionMetadata).meta();
    const err = ok ? null : transactionErrorToJson((result as FailedTransactionMetadata).err());
    const post = keys.map((k, i) => (writable[i] ? access.peek(k) : (pre[i] ?? null)));
    // On a cluster a failed transaction lands iff its fee was charged.
    const landed = ok || pre[0]?.lamports !== post[0]?.lamports;
    if (!landed) return notLanded(err ?? "SanitizeFailure", meta.logs());
    const slot = clock.slot;
    const changed: string[] = [];
    const written: (readonly [string, AccountState | null])[] = [];
    keys.forEach((k, i) => {
      const a = pre[i] ?? null;
      const b = post[i] ?? null;
      if (a === b || changed.includes(k)) return;
      if (a !== null && b !== null && a.lamports === b.lamports && sameAccountState(a.state(), b.state())) return;
      if (!changes.recordedIn(slot, k)) changes.record(slot, k, a && a.state());
      changed.push(k);
      written.push([k, b && b.state()]);
    });
    // Token balances need the data of token-program accounts only.
    const tokenView = (p: AccountPeek | null): AccountState | null => (p?.tokenOwned() ? p.state() : null);
    const builtinsOnly = tx.instructions.every((ix) => LEAF_BUILTINS.has(tx.staticKeys[ix.programIdIndex] as string));
    const record: TransactionRecord = {
      signature,
      slot,
      blockTime: clock.blockTimeOf(slot) ?? clock.timeMs / 1000n,
      indexInSlot: history.countInSlot(slot),
      blockhash: clock.blockhashOf(slot) ?? "",
      previousBlockhash: clock.blockhashOf(slot - 1n) ?? clock.blockhashOf(slot) ?? "",
      wire: new Uint8Array(tx.bytes),
      version: tx.version,
      accountKeys: keys,
      writable,
      unitPrice: readComputeBudget(tx).unitPrice,
      meta: {
        err,
        fee: computeFee(tx),
        preBalances: pre.map((s) => s?.lamports ?? 0n),
        postBalances: post.map((s) => s?.lamports ?? 0n),
        logMessages: meta.logs(),
        computeUnitsConsumed: meta.computeUnitsConsumed(),
        // The system and compute-budget programs invoke nothing and return nothing.
        innerInstructions: builtinsOnly ? [] : innerOf(meta),
        preTokenBalances: tokenBalances(keys, pre.map(tokenView)),
        postTokenBalances: tokenBalances(keys, post.map(tokenView)),
        returnData: builtinsOnly ? null : returnDataOf(meta),
        loadedAddresses: loaded,
      },
    };
    const text = history.add(record);
    transactionCount++;
    if (opts.journal) opts.journal.landed(record, written, text);
    emit("transaction", record, changed);
    return { landed: true, record };
  }

  /**
   * Runs `f` with the accounts of `only` that changed after slot `at` rewound
   * to their state at `at`, then puts the newest states back (also if `f` throws).
   */
  function withStateAt<T>(at: bigint, only: readonly string[], f: () => T): T {
    if (at >= clock.slot) return f();
    const changed = changes.changedAfter(at);
    if (changed.size === 0) return f();
    const newest = new Map<string, AccountState | null>();
    for (const a of only) if (changed.has(a)) newest.set(a, accountState(a));
    if (newest.size === 0) return f();
    try {
      for (const [a, st] of newest) access.setAccount(a, changes.stateAt(a, at, st));
      return f();
    } finally {
      for (const [a, st] of newest) access.setAccount(a, st);
    }
  }

  function simulate(tx: WireTransaction, o: { sigVerify: boolean; skipBlockhashCheck: boolean; commitment: Commitment }): SimulateOutcome {
    const at = clock.commitmentSlot(o.commitment);
    // A transaction can only read and write the accounts it names (plus its lookup
    // tables), so only those are rewound.
    const resolved = resolveKeys(tx);
    const touched = [...tx.lookups.map((l) => l.accountKey), ...(resolved.ok ? resolved.keys : tx.staticKeys)];
    return withStateAt(at, touched, () => simulateNow(tx, o, at));
  }

  function simulateNow(tx: WireTransaction, o: { sigVerify: boolean; skipBlockhashCheck: boolean }, at: bigint): SimulateOutcome {
    const empty = (err: TransactionErrorJson): SimulateOutcome => ({
      err,
      logs: [],
      unitsConsumed: 0n,
      returnData: null,
      innerInstructions: [],
      postAccounts: new Map(),
      accountKeys: tx.staticKeys,
    });
    if (!o.skipBlockhashCheck && !clock.isBlockhashValid(tx.recentBlockhash, at) && !hasValidNonce(tx)) return empty("BlockhashNotFound");
    if (history.has(transactionId(tx)) && o.sigVerify) return empty("AlreadyProcessed");
    const resolved = resolveKeys(tx);
    if (!resolved.ok) return empty(resolved.err);
    svm.withSigverify(o.sigVerify);
    let result: ReturnType<typeof access.simulate> | TransactionErrorJson;
    try {
      result = access.simulate(tx.bytes, tx.version);
    } catch {
      result = "SignatureFailure";
    } finally {
      svm.withSigverify(true);
    }
    if (typeof result === "string" || !("meta" in result)) return empty(result as TransactionErrorJson);
    let postAccounts: ReadonlyMap<string, AccountState | null> = new Map();
    let meta: TransactionMetadata;
    let err: TransactionErrorJson | null = null;
    if ("postAccounts" in result) {
      meta = result.meta;
      postAccounts = result.postAccounts;
    } else {
      const failed = result as FailedTransactionMetadata;
      meta = failed.meta();
      err = transactionErrorToJson(failed.err());
    }
    return {
      err,
      logs: meta.logs(),
      unitsConsumed: meta.computeUnitsConsumed(),
      returnData: returnDataOf(meta),
      innerInstructions: innerOf(meta),
      postAccounts,
      accountKeys: resolved.keys,
    };
  }

  function advanceSlots(n: bigint): void {
    if (n <= 0n) return;
    const prevConfirmed = clock.commitmentSlot("confirmed");
    const prevFinalized = clock.commitmentSlot("finalized");
    clock.checkAdvance(n);
    opts.journal?.beforeSlotAdvance();
    const { fromSlot, toSlot } = clock.advance(n);
    if (opts.journal) {
      const hashes: (readonly [bigint, string])[] = [];
      for (let s = toSlot > fromSlot + 512n ? toSlot - 512n : fromSlot + 1n; s <= toSlot; s++) {
        const h = clock.blockhashOf(s);
        if (h !== null) hashes.push([s, h]);
      }
      opts.journal.slotsMoved(toSlot, clock.timeMs, hashes);
    }
    const confirmed = clock.commitmentSlot("confirmed");
    const finalized = clock.commitmentSlot("finalized");
    emit("slot", { slot: toSlot, parent: fromSlot, root: finalized });
    if (confirmed > prevConfirmed) emit("commitment", "confirmed", prevConfirmed, confirmed);
    if (finalized > prevFinalized) emit("commitment", "finalized", prevFinalized, finalized);
    changes.pruneThrough(finalized);
  }

  const node: LocalnetNode = {
    svm,
    clock,
    history,
    changes,
    genesisHash,
    faucet: { address: faucet.address, seed: faucet.seed },
    get transactionCount() {
      return transactionCount;
    },
    on(event, listener) {
      listeners[event].add(listener);
      return () => {
        listeners[event].delete(listener);
      };
    },
    accountState,
    accountAt(addr, commitment) {
      const at = clock.commitmentSlot(commitment);
      const current = accountState(addr);
      return at >= clock.slot ? current : changes.stateAt(addr, at, current);
    },
    programAccountsAt(programId, commitment) {
      const at = clock.commitmentSlot(commitment);
      const current = new Map<string, AccountState>();
      for (const a of access.programAccounts(programId)) current.set(a.pubkey, a.account);
      if (at >= clock.slot) return [...current].map(([pubkey, account]) => ({ pubkey, account }));
      const out: { pubkey: string; account: AccountState }[] = [];
      const candidates = new Set([...current.keys(), ...changes.changedAfter(at)]);
      for (const k of candidates) {
        const st = changes.stateAt(k, at, current.get(k) ?? accountState(k));
        if (st && st.owner === programId) out.push({ pubkey: k, account: st });
      }
      return out;
    },
    execute: (tx) => execute(tx),
    simulate,
    airdrop(recipient, amount) {
      let to: Address;
      try {
        to = address(recipient);
      } catch (e) {
        throw new LocalnetError("INVALID_ARGUMENT", `not a base58 public key: ${recipient}`, { recipient }, { cause: e });
      }
      if (amount > MAX_AIRDROP_LAMPORTS) {
        throw new LocalnetError("INVALID_ARGUMENT", `an airdrop gives at most ${MAX_AIRDROP_LAMPORTS} lamports, not ${amount}`, {
          recipient,
          lamports: amount,
        });
      }
      const held = accountState(recipient)?.lamports ?? 0n;
      if (held + amount > U64_MAX) {
        throw new LocalnetError("INVALID_ARGUMENT", `an airdrop of ${amount} lamports would take ${recipient} (holding ${held}) past the u64 maximum`, {
          recipient,
          lamports: amount,
        });
      }
      const balance = accountState(faucet.address)?.lamports ?? 0n;
      if (balance < amount + LAMPORTS_PER_SIGNATURE + FAUCET_RESERVE) topUpFaucet(amount);
      // The same airdrop twice would be the same message and signature; a cluster
      // accepts any recent blockhash, so step back through them until it is new.
      for (let s = clock.slot; s >= 0n && clock.slot - s < 150n; s--) {
        const blockhash = clock.blockhashOf(s);
        if (blockhash === null) continue;
        const wire = faucet.transfer(to, amount, blockhash);
        const tx = parseWireTransaction(wire);
        if (history.has(transactionId(tx))) continue;
        const out = execute(tx);
        if (!out.landed) {
          throw new LocalnetError("AIRDROP_FAILED", `airdrop of ${amount} lamports to ${recipient} failed: ${JSON.stringify(out.err)}`, {
            recipient,
            err: out.err,
          });
        }
        return out.record;
      }
      throw new LocalnetError("AIRDROP_FAILED", `airdrop of ${amount} lamports to ${recipient} repeats one already made with every recent blockhash`, {
        recipient,
      });
    },
    setAccount(addr, state) {
      const before = accountState(addr);
      access.setAccount(addr, state);
      opts.journal?.accountsWritten([[addr, state]]);
      changes.record(clock.slot, addr, before);
      emit("accounts", clock.slot, [addr]);
    },
    advanceSlots,
    advanceClockMs(ms) {
      clock.shiftTime(ms);
      opts.journal?.timeSet(clock.lastSegment);
    },
    setClock(o) {
      // Everything is checked before anything moves, so a refused call changes nothing.
      if (o.slot !== undefined) {
        if (o.slot < clock.slot) throw new LocalnetError("INVALID_ARGUMENT", `cannot move the slot backwards from ${clock.slot} to ${o.slot}`);
        clock.checkAdvance(o.slot - clock.slot);
      }
      if (o.unixTimestamp !== undefined) clock.checkTime(o.unixTimestamp * 1000n);
      if (o.slot !== undefined) advanceSlots(o.slot - clock.slot);
      if (o.unixTimestamp !== undefined) {
        clock.setTime(o.unixTimestamp * 1000n);
        opts.journal?.timeSet(clock.lastSegment);
      }
    },
    recentPrioritizationFees(addresses) {
      const out: { slot: bigint; prioritizationFee: bigint }[] = [];
      const first = clock.slot >= PRIORITIZATION_FEE_SLOTS ? clock.slot - PRIORITIZATION_FEE_SLOTS + 1n : 0n;
      const [start, end] = history.rangeOf(first - 1n, clock.slot);
      const writers = addresses.map((a) => {
        const l = history.writersOf(a);
        // Only the records of the window: the list is ascending.
        let k = l.length;
        while (k > 0 && (l[k - 1] as number) >= start) k--;
        return { l, k };
      });
      let i = start;
      for (let s = first; s <= clock.slot; s++) {
        let j = i;
        while (j < end && history.slotAt(j) === s) j++;
        let fee = 0n;
        if (addresses.length === 0) {
          // Agave reports each block's minimum fee among its transactions.
          for (let n = i; n < j; n++) {
            const p = history.unitPriceAt(n);
            if (n === i || p < fee) fee = p;
          }
        } else {
          // ...and with accounts, the max over accounts of the min fee of transactions write-locking each.
          for (const w of writers) {
            let min: bigint | null = null;
            while (w.k < w.l.length && (w.l[w.k] as number) < j) {
              const p = history.unitPriceAt(w.l[w.k] as number);
              if (min === null || p < min) min = p;
              w.k++;
            }
            if (min !== null && min > fee) fee = min;
          }
        }
        out.push({ slot: s, prioritizationFee: fee });
        i = j;
      }
      return out;
    },
    hasValidNonce,
  };
  return node;
}
