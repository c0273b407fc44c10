/**
 * Fast paths into LiteSVM for the node's hot loops.
 *
 * The public `LiteSVM` wrapper converts every address through a fresh
 * @solana/kit address codec (measured 0.2 ms per call; a `getAccount` took
 * 0.3-0.7 ms), and a transaction touches each key twice (pre and post
 * state). The native object behind it takes raw 32-byte keys and wire bytes
 * directly (0.015 ms per read). LiteSVM is pinned at 1.5.0; if its native
 * object ever lacks a method used here, the public API is used instead.
 */
import { getTransactionDecoder, type Address } from "@solana/kit";
import bs58 from "bs58";
import { Account, type FailedTransactionMetadata, type LiteSVM, type TransactionMetadata } from "litesvm";
import { lamports as toLamports } from "@solana/kit";
import type { AccountState } from "./account-changes.ts";
import { encodeBase58 } from "./base58.ts";
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from "./token-accounts.ts";

interface NativeAccount {
  lamports(): bigint;
  rentEpoch(): bigint;
  data(): Uint8Array;
  owner(): Uint8Array;
  executable(): boolean;
}
interface NativeKeyedAccount {
  address: Uint8Array;
  account(): NativeAccount;
}
interface NativeSimulated {
  meta(): TransactionMetadata;
  postAccounts(): NativeKeyedAccount[];
}
type NativeSend = (wire: Uint8Array) => TransactionMetadata | FailedTransactionMetadata;
type NativeSimulate = (wire: Uint8Array) => NativeSimulated | FailedTransactionMetadata;
interface NativeSvm {
  getAccount(pubkey: Uint8Array): NativeAccount | null;
  setAccount(pubkey: Uint8Array, account: Account): void;
  getProgramAccounts(programId: Uint8Array): NativeKeyedAccount[];
  sendLegacyTransaction: NativeSend;
  sendVersionedTransaction: NativeSend;
  simulateLegacyTransaction: NativeSimulate;
  simulateVersionedTransaction: NativeSimulate;
}

/** Result of a successful simulation through {@link SvmAccess}. */
export interface SimulationResult {
  readonly meta: TransactionMetadata;
  readonly postAccounts: ReadonlyMap<string, AccountState>;
}

/**
 * An account as read at one moment: its lamports at once, the rest (owner,
 * data) only when asked for. The read is a copy, so asking later (after the
 * VM changed the account) still gives the state at the read.
 */
export interface AccountPeek {
  readonly lamports: bigint;
  /** base58 */
  owner(): string;
  /** Whether the owner is the SPL Token or Token-2022 program (no base58 encoding). */
  tokenOwned(): boolean;
  state(): AccountState;
}

/** The node's view of LiteSVM; see the module comment. */
export interface SvmAccess {
  /** The account (null as for {@link account}), its fields read lazily. */
  peek(addr: string): AccountPeek | null;
  /** The account, or null when absent or holding 0 lamports (dead, as the runtime treats it). */
  account(addr: string): AccountState | null;
  /**
   * Like {@link account}, but the data is read only for token-program
   * accounts (elsewhere it comes back empty): enough for balances and token
   * balances of an account a transaction cannot write.
   */
  balanceView(addr: string): AccountState | null;
  /** Overwrites an account; null stores a dead (0-lamport, empty) account. */
  setAccount(addr: string, state: AccountState | null): void;
  programAccounts(programId: string): { pubkey: string; account: AccountState }[];
  /** Runs wire bytes; throws only if the bytes cannot be decoded at all. */
  send(wire: Uint8Array, version: "legacy" | 0): TransactionMetadata | FailedTransactionMetadata;
  simulate(wire: Uint8Array, version: "legacy" | 0): SimulationResult | FailedTransactionMetadata;
}

function nativeOf(svm: LiteSVM): NativeSvm | null {
  const inner = (svm as unknown as { inner?: Partial<NativeSvm> }).inner;
  if (!inner) return null;
  const fns: (keyof NativeSvm)[] = [
    "getAccount",
    "setAccount",
    "getProgramAccounts",
    "sendLegacyTransaction",
    "sendVersionedTransaction",
    "simulateLegacyTransaction",
    "simulateVersionedTransaction",
  ];
  return fns.every((f) => typeof inner[f] === "function") ? (inner as NativeSvm) : null;
}

const SYSTEM_PROGRAM = "11111111111111111111111111111111";
const NO_DATA = new Uint8Array(0);
const DEAD: AccountState = { lamports: 0n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false };

const TOKEN_PROGRAM_BYTES = bs58.decode(TOKEN_PROGRAM);
const TOKEN_2022_PROGRAM_BYTES = bs58.decode(TOKEN_2022_PROGRAM);
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bounded caches: addresses repeat a lot (payers, programs, owners). */
const KEY_CACHE_MAX = 50_000;

/**
 * Wraps a LiteSVM instance with the fast paths.
 *
 * @example
 * ```ts
 * import { LiteSVM } from 'litesvm';
 * import { createSvmAccess } from './svm-access.ts';
 * const access = createSvmAccess(new LiteSVM());
 * access.account('11111111111111111111111111111111')?.executable; // true
 * ```
 */
export function createSvmAccess(svm: LiteSVM): SvmAccess {
  const native = nativeOf(svm);
  const decoder = getTransactionDecoder();
  const keyBytes = new Map<string, Uint8Array>();
  const keyNames = new Map<string, string>();
  const bytesOf = (addr: string): Uint8Array => {
    let b = keyBytes.get(addr);
    if (!b) {
      if (keyBytes.size >= KEY_CACHE_MAX) keyBytes.clear();
      b = bs58.decode(addr);
      keyBytes.set(addr, b);
    }
    return b;
  };
  const nameOf = (bytes: Uint8Array): string => {
    const k = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    let n = keyNames.get(k);
    if (!n) {
      if (keyNames.size >= KEY_CACHE_MAX) keyNames.clear();
      n = encodeBase58(bytes);
      keyNames.set(k, n);
    }
    return n;
  };
  const stateOf = (a: NativeAccount): AccountState => ({
    lamports: a.lamports(),
    data: a.data(),
    owner: nameOf(a.owner()),
    executable: a.executable(),
    rentEpoch: a.rentEpoch(),
  });

  class NativePeek implements AccountPeek {
    #ownerBytes: Uint8Array | null = null;
    #owner: string | null = null;
    #state: AccountState | null = null;
    constructor(
      readonly lamports: bigint,
      readonly account: NativeAccount,
    ) {}
    #raw(): Uint8Array {
      if (this.#ownerBytes === null) this.#ownerBytes = this.account.owner();
      return this.#ownerBytes;
    }
    owner(): string {
      if (this.#owner === null) this.#owner = nameOf(this.#raw());
      return this.#owner;
    }
    tokenOwned(): boolean {
      const o = this.#raw();
      return sameBytes(o, TOKEN_PROGRAM_BYTES) || sameBytes(o, TOKEN_2022_PROGRAM_BYTES);
    }
    state(): AccountState {
      if (this.#state === null) {
        const a = this.account;
        this.#state = { lamports: this.lamports, data: a.data(), owner: this.owner(), executable: a.executable(), rentEpoch: a.rentEpoch() };
      }
      return this.#state;
    }
  }

  if (!native) {
    const account = (addr: string): AccountState | null => {
      const a = svm.getAccount(addr as Address);
      return a.exists && a.lamports > 0n
        ? { lamports: BigInt(a.lamports), data: new Uint8Array(a.data), owner: a.programAddress, executable: a.executable }
        : null;
    };
    return {
      peek(addr) {
        const st = account(addr);
        return (
          st && {
            lamports: st.lamports,
            owner: () => st.owner,
            tokenOwned: () => st.owner === TOKEN_PROGRAM || st.owner === TOKEN_2022_PROGRAM,
            state: () => st,
          }
        );
      },
      account,
      balanceView: account,
      setAccount(addr, state) {
        const st = state ?? DEAD;
        svm.setAccount({
          address: addr as Address,
          lamports: toLamports(st.lamports),
          data: st.data,
          programAddress: st.owner as Address,
          executable: st.executable,
          space: BigInt(st.data.length),
        });
      },
      programAccounts(programId) {
        return svm
          .getProgramAccounts(programId as Address)
          .filter((a) => a.lamports > 0n)
          .map((a) => ({
            pubkey: a.address,
            account: { lamports: BigInt(a.lamports), data: new Uint8Array(a.data), owner: a.programAddress, executable: a.executable },
          }));
      },
      send: (wire) => svm.sendTransaction(decoder.decode(wire)),
      simulate(wire) {
        const r = svm.simulateTransaction(decoder.decode(wire));
        if (!("postAccounts" in r)) return r;
        const postAccounts = new Map<string, AccountState>();
        for (const a of r.postAccounts()) {
          postAccounts.set(a.address, { lamports: BigInt(a.lamports), data: new Uint8Array(a.data), owner: a.programAddress, executable: a.executable });
        }
        return { meta: r.meta(), postAccounts };
      },
    };
  }
  return {
    peek(addr) {
      const a = native.getAccount(bytesOf(addr));
      if (!a) return null;
      const lamports = a.lamports();
      return lamports > 0n ? new NativePeek(lamports, a) : null;
    },
    account(addr) {
      const a = native.getAccount(bytesOf(addr));
      return a && a.lamports() > 0n ? stateOf(a) : null;
    },
    balanceView(addr) {
      const a = native.getAccount(bytesOf(addr));
      if (!a) return null;
      const lamports = a.lamports();
      if (lamports === 0n) return null;
      const owner = nameOf(a.owner());
      const data = owner === TOKEN_PROGRAM || owner === TOKEN_2022_PROGRAM ? a.data() : NO_DATA;
      return { lamports, data, owner, executable: a.executable(), rentEpoch: a.rentEpoch() };
    },
    setAccount(addr, state) {
      const st = state ?? DEAD;
      native.setAccount(bytesOf(addr), new Account(st.lamports, st.data, bytesOf(st.owner), st.executable, st.rentEpoch ?? 0n));
    },
    programAccounts(programId) {
      const out: { pubkey: string; account: AccountState }[] = [];
      for (const k of native.getProgramAccounts(bytesOf(programId))) {
        const a = k.account();
        if (a.lamports() > 0n) out.push({ pubkey: nameOf(k.address), account: stateOf(a) });
      }
      return out;
    },
    send: (wire, version) => (version === "legacy" ? native.sendLegacyTransaction(wire) : native.sendVersionedTransaction(wire)),
    simulate(wire, version) {
      const r = version === "legacy" ? native.simulateLegacyTransaction(wire) : native.simulateVersionedTransaction(wire);
      if (!("postAccounts" in r)) return r;
      const postAccounts = new Map<string, AccountState>();
      for (const k of r.postAccounts()) postAccounts.set(nameOf(k.address), stateOf(k.account()));
      return { meta: r.meta(), postAccounts };
    },
  };
}
