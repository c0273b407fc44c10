/**
 * `--ledger DIR` persistence, in three files:
 *
 * - `snapshot.bin`: LiteSVM state + node metadata, written to a temp file,
 *   fsync'd and renamed, so it is never torn.
 * - `history.jsonl`: every landed transaction up to the snapshot, one JSON
 *   line each (appended and fsync'd just before each snapshot; lines past the
 *   count the snapshot records are dropped on load).
 * - `wal.<n>.jsonl`: the write-ahead log of everything since the snapshot
 *   (landed transactions with the account states they wrote, direct account
 *   writes, slot and clock moves). The node fsyncs it before a slot moves,
 *   and a transaction only becomes `confirmed` when a later slot exists, so
 *   whatever the node reported confirmed is on disk. On load the log is
 *   replayed on top of the snapshot; a torn last line (a crash mid-write) is
 *   ignored.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { LiteSVM } from "litesvm";
import type { AccountState } from "./account-changes.ts";
import type { ClockSegment, ClockState } from "./clock.ts";
import { LocalnetError } from "./errors.ts";
import type { TransactionHistory, TransactionRecord } from "./history.ts";
import { recordJson, replacer, reviver, tagged } from "./record-codec.ts";
import { createSvmAccess } from "./svm-access.ts";

export { recordJson } from "./record-codec.ts";

const SNAPSHOT = "snapshot.bin";
const HISTORY = "history.jsonl";
const LOCK = "LOCK";
const FORMAT_VERSION = 1;

/** Node metadata stored alongside the LiteSVM state. */
export interface LedgerMeta {
  readonly genesisHash: string;
  readonly clock: ClockState;
  readonly historyCount: number;
  /** Generation of the write-ahead log that continues this snapshot (absent in ledgers written before it existed). */
  readonly walGen?: number;
  /** Seed of the faucet key, so airdrops keep coming from the same account. */
  readonly faucetSeed?: Uint8Array;
}

/** A ledger loaded from disk. */
export interface LoadedLedger {
  readonly svm: LiteSVM;
  /** With the clock as the log left it. */
  readonly meta: LedgerMeta & { readonly walGen: number };
  /** Snapshot history followed by the transactions replayed from the log. */
  readonly history: TransactionRecord[];
  /** How many of `history` are already in history.jsonl. */
  readonly persistedHistory: number;
}

/** Writes, fsyncs and renames into place, so `path` holds either the old or the new bytes, durably. */
function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data, "utf8") : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function walPath(dir: string, gen: number): string {
  return join(dir, `wal.${gen}.jsonl`);
}

/**
 * Writes a snapshot atomically: [u32 meta length][meta JSON][LiteSVM bytes].
 *
 * @example
 * ```ts
 * import { saveSnapshot } from './ledger.ts';
 * import { createNode } from './node.ts';
 * const node = createNode({ slotMs: 400, finalizedDepth: 32n });
 * saveSnapshot('.gpunet/ledger', node.svm, {
 *   genesisHash: node.genesisHash, clock: node.clock.toState(), historyCount: node.history.size, faucetSeed: node.faucet.seed,
 * });
 * ```
 */
export function saveSnapshot(dir: string, svm: LiteSVM, meta: LedgerMeta): void {
  mkdirSync(dir, { recursive: true });
  const metaBytes = Buffer.from(JSON.stringify({ version: FORMAT_VERSION, ...meta }, replacer), "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32LE(metaBytes.length, 0);
  writeAtomic(join(dir, SNAPSHOT), Buffer.concat([head, metaBytes, svm.toBytes()]));
}

/**
 * Appends landed transactions to the history file and fsyncs it (done before
 * each snapshot): `lines` are their tagged JSON lines as the in-memory
 * history holds them (see {@link TransactionHistory.encodedFrom}).
 */
export function appendHistory(dir: string, lines: readonly Uint8Array[]): void {
  if (lines.length === 0) return;
  const fd = openSync(join(dir, HISTORY), "a");
  try {
    for (const buf of lines) {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** One write-ahead log entry. */
export type WalEntry =
  /** A landed transaction and the states of the accounts it changed (null: closed); `rt` is `recordJson(r)` when already made (not written). */
  | { readonly t: "tx"; readonly r: TransactionRecord; readonly a: readonly (readonly [string, AccountState | null])[]; readonly rt?: string }
  /** Accounts written outside a transaction (setAccount, faucet top-up). */
  | { readonly t: "acct"; readonly a: readonly (readonly [string, AccountState | null])[] }
  /** The slot moved to `slot`; `h` are the blockhashes made on the way (LiteSVM's blockhash chain advanced once per hash). */
  | { readonly t: "slot"; readonly slot: bigint; readonly timeMs: bigint; readonly h: readonly (readonly [bigint, string])[] }
  /** The wall clock was set or shifted (a new clock segment). */
  | { readonly t: "time"; readonly seg: ClockSegment };

/** Above this many unsynced bytes the log is written out without waiting for the next slot. */
const WAL_PENDING_MAX = 4 * 1024 * 1024;

/** The write-ahead log writer; see the module comment. */
export interface WalWriter {
  append(entry: WalEntry): void;
  /** Writes and fsyncs everything appended so far. */
  sync(): void;
  /**
   * Continues in generation `gen` once a snapshot covering everything
   * appended so far is on disk: unsynced entries are dropped and the old
   * generation's file is deleted.
   */
  rotate(gen: number): void;
  readonly gen: number;
  /** Bytes appended since the last rotation. */
  readonly bytes: number;
  close(): void;
}

/**
 * Opens the write-ahead log of generation `gen` for appending. The file is
 * created on the first sync that has something to write.
 *
 * @example
 * ```ts
 * import { mkdtempSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { openWal } from "./ledger.ts";
 * const wal = openWal(mkdtempSync(join(tmpdir(), "ledger-")), 0);
 * wal.append({ t: 'acct', a: [] }); // records go out in order, fsync'd by sync()
 * wal.sync();
 * wal.close();
 * ```
 */
export function openWal(dir: string, gen: number): WalWriter {
  let current = gen;
  let fd: number | null = null;
  // Entries wait as UTF-8 bytes in one reused buffer (JS strings held until the next slot
  // would outlive the young generation and cost old-generation garbage collection).
  let pending = Buffer.allocUnsafeSlow(1024 * 1024);
  let pendingBytes = 0;
  let total = 0;
  const put = (text: string): void => {
    if (pendingBytes + text.length * 3 > pending.length) {
      const need = pendingBytes + Buffer.byteLength(text);
      if (need > pending.length) {
        const bigger = Buffer.allocUnsafeSlow(Math.max(need, pending.length * 2));
        pending.copy(bigger, 0, 0, pendingBytes);
        pending = bigger;
      }
    }
    const n = pending.write(text, pendingBytes, "utf8");
    pendingBytes += n;
    total += n;
  };
  const write = (): void => {
    if (pendingBytes === 0) return;
    if (fd === null) fd = openSync(walPath(dir, current), "a");
    let off = 0;
    while (off < pendingBytes) off += writeSync(fd, pending, off, pendingBytes - off);
    pendingBytes = 0;
  };
  const sync = (): void => {
    const had = pendingBytes > 0;
    write();
    if (had && fd !== null) fsyncSync(fd);
  };
  return {
    get gen() {
      return current;
    },
    append(entry) {
      if (entry.t === "tx") {
        put('{"t":"tx","r":');
        put(entry.rt ?? recordJson(entry.r));
        put(`,"a":${tagged(entry.a)}}\n`);
      } else put(`${tagged(entry)}\n`);
      if (pendingBytes > WAL_PENDING_MAX) write();
    },
    sync,
    get bytes() {
      return total;
    },
    rotate(next) {
      pendingBytes = 0;
      total = 0;
      if (fd !== null) closeSync(fd);
      fd = null;
      const old = current;
      current = next;
      if (old !== next) rmSync(walPath(dir, old), { force: true });
    },
    close() {
      sync();
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/** Reads a log, ignoring a torn last line; a bad line before the end is corruption. */
function readWal(dir: string, gen: number): WalEntry[] {
  const path = walPath(dir, gen);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  // The piece after the last newline is a line whose write did not complete.
  lines.pop();
  return lines.map((line, i) => {
    try {
      return JSON.parse(line, reviver) as WalEntry;
    } catch (e) {
      throw new LocalnetError("LEDGER_CORRUPT", `cannot read ledger log ${path} line ${i + 1}`, { dir }, { cause: e });
    }
  });
}

/** Applies log entries to a restored VM, clock state and history. */
function replay(dir: string, svm: LiteSVM, clock: ClockState, history: TransactionRecord[], entries: readonly WalEntry[]): ClockState {
  const access = createSvmAccess(svm);
  let slot = clock.slot;
  let timeMs = clock.timeMs;
  const segments = [...clock.segments];
  const hashes = new Map(clock.blockhashes.map((b) => [b.slot, b.blockhash] as const));
  let lastHash: string | null = null;
  let expired = 0;
  for (const e of entries) {
    if (e.t === "tx" || e.t === "acct") {
      for (const [addr, st] of e.a) access.setAccount(addr, st);
      if (e.t === "tx") history.push(e.r);
    } else if (e.t === "slot") {
      slot = e.slot;
      timeMs = e.timeMs;
      for (const [s, h] of e.h) {
        hashes.set(s, h);
        lastHash = h;
        expired++;
      }
    } else {
      segments.push(e.seg);
      timeMs = e.seg.timeMs;
    }
  }
  // LiteSVM's blockhashes form a fixed chain; walk it to where the log ended so new ones do not repeat old ones.
  for (let i = 0; i < expired; i++) svm.expireBlockhash();
  if (lastHash !== null && svm.latestBlockhash() !== lastHash) {
    throw new LocalnetError("LEDGER_CORRUPT", `ledger log does not continue the snapshot's blockhash chain`, { dir });
  }
  return { slot, timeMs, segments, blockhashes: [...hashes].map(([s, blockhash]) => ({ slot: s, blockhash })) };
}

/**
 * Loads a ledger, or returns null when `dir` has no snapshot yet (a history
 * file without a snapshot is discarded, see the module comment).
 */
export function loadLedger(dir: string): LoadedLedger | null {
  mkdirSync(dir, { recursive: true });
  const snapPath = join(dir, SNAPSHOT);
  const histPath = join(dir, HISTORY);
  if (!existsSync(snapPath)) {
    // Nothing is durable before the first snapshot (written at start-up).
    rmSync(histPath, { force: true });
    for (const f of readdirSync(dir)) if (/^wal\.\d+\.jsonl$/.test(f)) rmSync(join(dir, f), { force: true });
    return null;
  }
  let meta: LedgerMeta;
  let svm: LiteSVM;
  try {
    const buf = readFileSync(snapPath);
    const len = buf.readUInt32LE(0);
    const parsed = JSON.parse(buf.subarray(4, 4 + len).toString("utf8"), reviver) as LedgerMeta & { version: number };
    if (parsed.version !== FORMAT_VERSION) {
      throw new LocalnetError("LEDGER_CORRUPT", `unknown ledger format ${parsed.version} (expected ${FORMAT_VERSION})`, { dir });
    }
    meta = parsed;
    svm = LiteSVM.fromBytes(new Uint8Array(buf.subarray(4 + len)));
  } catch (e) {
    if (e instanceof LocalnetError) throw e;
    throw new LocalnetError("LEDGER_CORRUPT", `cannot read ledger snapshot ${snapPath}`, { dir }, { cause: e });
  }
  const history: TransactionRecord[] = [];
  if (existsSync(histPath)) {
    const lines = readFileSync(histPath, "utf8").split("\n");
    for (const line of lines) {
      if (history.length >= meta.historyCount) break;
      if (line.trim() === "") continue;
      try {
        history.push(JSON.parse(line, reviver) as TransactionRecord);
      } catch (e) {
        throw new LocalnetError("LEDGER_CORRUPT", `cannot read ledger history line ${history.length + 1}`, { dir }, { cause: e });
      }
    }
    if (history.length < meta.historyCount) {
      throw new LocalnetError("LEDGER_CORRUPT", `ledger history has ${history.length} entries, snapshot expects ${meta.historyCount}`, { dir });
    }
    // Drop lines past the snapshot so new appends follow the kept ones.
    writeAtomic(histPath, history.map((r) => `${JSON.stringify(r, replacer)}\n`).join(""));
  } else if (meta.historyCount > 0) {
    throw new LocalnetError("LEDGER_CORRUPT", `ledger history file is missing`, { dir });
  }
  const historyCount = history.length;
  const walGen = meta.walGen ?? 0;
  const clock = replay(dir, svm, meta.clock, history, meta.walGen === undefined ? [] : readWal(dir, walGen));
  // Logs of older generations are covered by the snapshot (a crash between snapshot and delete).
  for (const f of readdirSync(dir)) {
    const m = /^wal\.(\d+)\.jsonl$/.exec(f);
    if (m && Number(m[1]) < walGen) rmSync(join(dir, f), { force: true });
  }
  return { svm, meta: { ...meta, clock, walGen }, history, persistedHistory: historyCount };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the ledger directory for this process (a LOCK file holding the pid),
 * so two nodes never write the same ledger. A lock left by a dead process is
 * taken over. Returns the release function.
 *
 * @example
 * ```ts
 * const dir = '.gpunet/ledger';
 * const release = lockLedger(dir); // LocalnetError 'LEDGER_LOCKED' while a live process holds it
 * try {
 *   // read and write the ledger
 * } finally {
 *   release();
 * }
 * ```
 */
export function lockLedger(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: "wx" });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new LocalnetError("LEDGER_LOCKED", `cannot lock ledger ${dir}`, { dir }, { cause: e });
      const holder = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new LocalnetError("LEDGER_LOCKED", `ledger ${dir} is in use by process ${holder}`, { dir, pid: holder });
      }
      rmSync(path, { force: true });
    }
  }
  throw new LocalnetError("LEDGER_LOCKED", `cannot lock ledger ${dir}`, { dir });
}
