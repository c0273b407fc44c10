/**
 * `--ledger DIR` persistence: a snapshot file (LiteSVM state + node
 * metadata, written to a temp file and renamed, so it is never torn) and an
 * append-only history file (one JSON line per landed transaction). The
 * snapshot records how many history lines it covers; lines past that (a
 * crash between append and snapshot) are dropped on load so accounts and
 * history always agree.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LiteSVM } from 'litesvm';
import type { ClockState } from './clock.ts';
import { LocalnetError } from './errors.ts';
import type { TransactionRecord } from './history.ts';

const SNAPSHOT = 'snapshot.bin';
const HISTORY = 'history.jsonl';
const LOCK = 'LOCK';
const FORMAT_VERSION = 1;

/** Node metadata stored alongside the LiteSVM state. */
export interface LedgerMeta {
  readonly genesisHash: string;
  readonly clock: ClockState;
  readonly historyCount: number;
  /** Seed of the faucet key, so airdrops keep coming from the same account. */
  readonly faucetSeed?: Uint8Array;
}

/** A ledger loaded from disk. */
export interface LoadedLedger {
  readonly svm: LiteSVM;
  readonly meta: LedgerMeta;
  readonly history: TransactionRecord[];
}

/** Tagged JSON for bigint and bytes, so records round-trip exactly. */
function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return { $n: v.toString() };
  if (v instanceof Uint8Array) return { $b: Buffer.from(v).toString('base64') };
  return v;
}
function reviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$n === 'string' && Object.keys(o).length === 1) return BigInt(o.$n);
    if (typeof o.$b === 'string' && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$b, 'base64'));
    // Buffers are turned into {type,data} by their toJSON before the replacer sees them.
    if (o.type === 'Buffer' && Array.isArray(o.data) && Object.keys(o).length === 2) return new Uint8Array(o.data as number[]);
  }
  return v;
}

function writeAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
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
  const metaBytes = Buffer.from(JSON.stringify({ version: FORMAT_VERSION, ...meta }, replacer), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32LE(metaBytes.length, 0);
  writeAtomic(join(dir, SNAPSHOT), Buffer.concat([head, metaBytes, svm.toBytes()]));
}

/** Appends one landed transaction to the history file. */
export function appendHistory(dir: string, record: TransactionRecord): void {
  appendFileSync(join(dir, HISTORY), `${JSON.stringify(record, replacer)}\n`);
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
    rmSync(histPath, { force: true });
    return null;
  }
  let meta: LedgerMeta;
  let svm: LiteSVM;
  try {
    const buf = readFileSync(snapPath);
    const len = buf.readUInt32LE(0);
    const parsed = JSON.parse(buf.subarray(4, 4 + len).toString('utf8'), reviver) as LedgerMeta & { version: number };
    if (parsed.version !== FORMAT_VERSION) {
      throw new LocalnetError('LEDGER_CORRUPT', `unknown ledger format ${parsed.version} (expected ${FORMAT_VERSION})`, { dir });
    }
    meta = parsed;
    svm = LiteSVM.fromBytes(new Uint8Array(buf.subarray(4 + len)));
  } catch (e) {
    if (e instanceof LocalnetError) throw e;
    throw new LocalnetError('LEDGER_CORRUPT', `cannot read ledger snapshot ${snapPath}`, { dir }, { cause: e });
  }
  const history: TransactionRecord[] = [];
  if (existsSync(histPath)) {
    const lines = readFileSync(histPath, 'utf8').split('\n');
    for (const line of lines) {
      if (history.length >= meta.historyCount) break;
      if (line.trim() === '') continue;
      try {
        history.push(JSON.parse(line, reviver) as TransactionRecord);
      } catch (e) {
        throw new LocalnetError('LEDGER_CORRUPT', `cannot read ledger history line ${history.length + 1}`, { dir }, { cause: e });
      }
    }
    if (history.length < meta.historyCount) {
      throw new LocalnetError('LEDGER_CORRUPT', `ledger history has ${history.length} entries, snapshot expects ${meta.historyCount}`, { dir });
    }
    // Drop lines past the snapshot so new appends follow the kept ones.
    writeAtomic(histPath, history.map((r) => `${JSON.stringify(r, replacer)}\n`).join(''));
  } else if (meta.historyCount > 0) {
    throw new LocalnetError('LEDGER_CORRUPT', `ledger history file is missing`, { dir });
  }
  return { svm, meta, history };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new LocalnetError('LEDGER_LOCKED', `cannot lock ledger ${dir}`, { dir }, { cause: e });
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new LocalnetError('LEDGER_LOCKED', `ledger ${dir} is in use by process ${holder}`, { dir, pid: holder });
      }
      rmSync(path, { force: true });
    }
  }
  throw new LocalnetError('LEDGER_LOCKED', `cannot lock ledger ${dir}`, { dir });
}
