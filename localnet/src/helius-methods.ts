/**
 * The Helius RPC extensions gpunet uses, answered from what this node executed,
 * so helius-sdk's own client can be pointed at the localnet.
 *
 * `getPriorityFeeEstimate` ({ accountKeys } or { transaction }, options):
 * the sample is the compute-unit price (SetComputeUnitPrice, 0 when absent) of
 * every transaction of the last `lookbackSlots` slots (1..150, default 150)
 * that write-locks one of the accounts (every transaction when no account is
 * given). With `evaluateEmptySlotAsZero` (default true) each slot of the window
 * in which no such transaction landed adds one 0. The levels are nearest-rank
 * percentiles of that sample: min 0, low 25, medium 50, high 75, veryHigh 95,
 * unsafeMax 100; `priorityFeeEstimate` is the requested level's (default
 * medium), and `recommended: true` answers max(medium, 10,000) as Helius does.
 *
 * `getTransactionsForAddress` (address, config): the transactions mentioning an
 * address, `sortOrder` "desc" (default) or "asc", `transactionDetails`
 * "signatures" (default, up to 1,000 a page) or "full" (up to 100), filters on
 * slot, blockTime, signature and status, and an opaque `paginationToken`
 * ("slot:index" of the last entry returned; null after the last page).
 */
import { invalidParams } from "./errors.ts";
import type { TransactionRecord } from "./history.ts";
import type { MethodContext, RpcMethod } from "./methods.ts";
import { atLeastConfirmed, configAt, decodeBinaryParam, paramsArray, pubkeyParam, u64Param } from "./params.ts";
import { parseTransactionEncoding, transactionWithMetaJson } from "./transaction-json.ts";
import { isStaticWritable, memoOf, parseWireTransaction } from "./transaction-wire.ts";

/** Percentile of each Helius priority level. */
const LEVELS = { min: 0, low: 25, medium: 50, high: 75, veryHigh: 95, unsafeMax: 100 } as const;
const LEVEL_BY_NAME: Readonly<Record<string, keyof typeof LEVELS>> = {
  MIN: "min",
  LOW: "low",
  MEDIUM: "medium",
  HIGH: "high",
  VERY_HIGH: "veryHigh",
  VERYHIGH: "veryHigh",
  UNSAFE_MAX: "unsafeMax",
  UNSAFEMAX: "unsafeMax",
};
const MAX_LOOKBACK = 150n;
/** Helius' floor for `recommended`. */
const RECOMMENDED_FLOOR = 10_000n;

function percentile(sorted: readonly bigint[], p: number): bigint {
  if (sorted.length === 0) return 0n;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as bigint;
}

function boolOption(o: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = o[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw invalidParams(`Invalid params: options.${name} must be a boolean`);
  return v;
}

/** The write-locked static keys of an encoded transaction. */
function writableKeysOf(encoded: unknown, encoding: unknown): string[] {
  // Helius takes "Base64" (its enum) and "base64" (what helius-sdk's smart transactions send).
  const e = typeof encoding === "string" ? encoding.toLowerCase() : encoding;
  const enc = e === undefined || e === null || e === "base58" ? "base58" : e === "base64" ? "base64" : null;
  if (enc === null) throw invalidParams(`Invalid params: transactionEncoding must be Base58 or Base64, got ${String(encoding)}`);
  const tx = parseWireTransaction(decodeBinaryParam(encoded, enc, "transaction"));
  return tx.staticKeys.filter((_k, i) => isStaticWritable(tx.header, tx.staticKeys.length, i));
}

type Range<T> = { eq?: T; gte?: T; gt?: T; lte?: T; lt?: T };

function inRange<T extends bigint | string>(v: T, r: Range<T> | undefined): boolean {
  if (!r) return true;
  return (
    (r.eq === undefined || v === r.eq) &&
    (r.gte === undefined || v >= r.gte) &&
    (r.gt === undefined || v > r.gt) &&
    (r.lte === undefined || v <= r.lte) &&
    (r.lt === undefined || v < r.lt)
  );
}

function numberRange(v: unknown, name: string): Range<bigint> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object") throw invalidParams(`Invalid params: filters.${name} must be an object`);
  const o = v as Record<string, unknown>;
  const out: Range<bigint> = {};
  for (const k of ["eq", "gte", "gt", "lte", "lt"] as const) if (o[k] !== undefined) out[k] = u64Param(o[k], `filters.${name}.${k}`);
  return out;
}

function stringRange(v: unknown, name: string): Range<string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object") throw invalidParams(`Invalid params: filters.${name} must be an object`);
  const o = v as Record<string, unknown>;
  const out: Range<string> = {};
  for (const k of ["eq", "gte", "gt", "lte", "lt"] as const) {
    const x = o[k];
    if (x === undefined) continue;
    if (typeof x !== "string") throw invalidParams(`Invalid params: filters.${name}.${k} must be a string`);
    out[k] = x;
  }
  return out;
}

function parseToken(v: unknown): { slot: bigint; index: number } | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string" || !/^\d+:\d+$/.test(v)) throw invalidParams("Invalid params: paginationToken is not one this node issued");
  const [s, i] = v.split(":") as [string, string];
  return { slot: BigInt(s), index: Number(i) };
}

/**
 * The Helius methods, to merge into the method table.
 *
 * @example
 * ```ts
 * import { Keypair } from '@solana/web3.js';
 * import { createHeliusMethods } from './helius-methods.ts';
 * import { createNode } from './node.ts';
 * const node = createNode({ slotMs: 400, finalizedDepth: 32n });
 * const m = createHeliusMethods({ node, rpcAddress: () => '127.0.0.1:8899', identity: Keypair.generate().publicKey.toBase58() });
 * m.getPriorityFeeEstimate?.([{ accountKeys: [] }]); // { priorityFeeEstimate: 0n }
 * ```
 */
export function createHeliusMethods(mc: MethodContext): Record<string, RpcMethod> {
  const { node } = mc;
  return {
    getPriorityFeeEstimate: (p) => {
      const req = configAt(paramsArray(p), 0);
      const options = (req.options ?? {}) as Record<string, unknown>;
      if (typeof options !== "object") throw invalidParams("Invalid params: options must be an object");
      let keys: string[];
      if (req.transaction !== undefined && req.transaction !== null) keys = writableKeysOf(req.transaction, options.transactionEncoding);
      else if (req.accountKeys === undefined || req.accountKeys === null) keys = [];
      else if (Array.isArray(req.accountKeys)) keys = req.accountKeys.map(pubkeyParam);
      else throw invalidParams("Invalid params: accountKeys must be an array of public keys");
      const lookback = options.lookbackSlots === undefined || options.lookbackSlots === null ? MAX_LOOKBACK : u64Param(options.lookbackSlots, "lookbackSlots");
      if (lookback < 1n || lookback > MAX_LOOKBACK) throw invalidParams("Invalid params: lookbackSlots must be in 1..150");
      let level: keyof typeof LEVELS = "medium";
      if (options.priorityLevel !== undefined && options.priorityLevel !== null) {
        const name = typeof options.priorityLevel === "string" ? LEVEL_BY_NAME[options.priorityLevel.toUpperCase()] : undefined;
        if (name === undefined) throw invalidParams(`Invalid params: unknown priorityLevel ${String(options.priorityLevel)}`);
        level = name;
      }
      const emptyAsZero = boolOption(options, "evaluateEmptySlotAsZero", true);
      const wanted = new Set(keys);
      const top = node.clock.slot;
      const first = top >= lookback ? top - lookback + 1n : 0n;
      const sample: bigint[] = [];
      const { history } = node;
      const [start, end] = history.rangeOf(first - 1n, top);
      // The records of the window that write-lock a wanted account (all of them without accounts), ascending.
      let picked: number[];
      if (wanted.size === 0) picked = Array.from({ length: end - start }, (_, k) => start + k);
      else {
        const set = new Set<number>();
        for (const k of wanted) {
          const l = history.writersOf(k);
          for (let j = l.length - 1; j >= 0 && (l[j] as number) >= start; j--) set.add(l[j] as number);
        }
        picked = [...set].sort((a, b) => a - b);
      }
      let next = 0;
      for (let s = first; s <= top; s++) {
        let hit = false;
        while (next < picked.length && history.slotAt(picked[next] as number) === s) {
          sample.push(history.unitPriceAt(picked[next] as number));
          hit = true;
          next++;
        }
        if (!hit && emptyAsZero) sample.push(0n);
      }
      sample.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const levels = Object.fromEntries(Object.entries(LEVELS).map(([k, pct]) => [k, percentile(sample, pct)])) as Record<keyof typeof LEVELS, bigint>;
      let estimate = levels[level];
      if (boolOption(options, "recommended", false)) estimate = levels.medium > RECOMMENDED_FLOOR ? levels.medium : RECOMMENDED_FLOOR;
      return { priorityFeeEstimate: estimate, ...(boolOption(options, "includeAllPriorityFeeLevels", false) ? { priorityFeeLevels: levels } : {}) };
    },

    getTransactionsForAddress: (p) => {
      const params = paramsArray(p);
      const address = pubkeyParam(params[0]);
      const config = configAt(params, 1);
      const details = config.transactionDetails ?? "signatures";
      if (details !== "signatures" && details !== "full") throw invalidParams(`Invalid params: transactionDetails must be signatures or full`);
      const maxLimit = details === "full" ? 100 : 1000;
      const limit = config.limit === undefined || config.limit === null ? maxLimit : Number(u64Param(config.limit, "limit"));
      if (limit < 1 || limit > maxLimit) throw invalidParams(`Invalid params: limit must be in 1..${maxLimit}`);
      const order = config.sortOrder ?? "desc";
      if (order !== "asc" && order !== "desc") throw invalidParams("Invalid params: sortOrder must be asc or desc");
      const encoding = parseTransactionEncoding(config.encoding);
      const at = node.clock.commitmentSlot(atLeastConfirmed(config.commitment));
      const filters = (config.filters ?? {}) as Record<string, unknown>;
      if (typeof filters !== "object") throw invalidParams("Invalid params: filters must be an object");
      const slotR = numberRange(filters.slot, "slot");
      const timeR = numberRange(filters.blockTime, "blockTime");
      const sigR = stringRange(filters.signature, "signature");
      const status = filters.status ?? "any";
      if (status !== "any" && status !== "succeeded" && status !== "failed")
        throw invalidParams("Invalid params: filters.status must be succeeded, failed or any");
      const token = parseToken(config.paginationToken);
      const { history } = node;
      const all = history.positionsOf(address);
      const after = (r: TransactionRecord): boolean => {
        if (!token) return true;
        if (order === "desc") return r.slot < token.slot || (r.slot === token.slot && r.indexInSlot < token.index);
        return r.slot > token.slot || (r.slot === token.slot && r.indexInSlot > token.index);
      };
      const picked: TransactionRecord[] = [];
      let more = false;
      const n = all.length;
      for (let k = 0; k < n; k++) {
        const pos = all[order === "desc" ? n - 1 - k : k] as number;
        if (history.slotAt(pos) > at) continue;
        const r = history.at(pos);
        if (!after(r)) continue;
        if (!inRange(r.slot, slotR) || !inRange(r.blockTime, timeR) || !inRange(r.signature, sigR)) continue;
        if (status === "succeeded" && r.meta.err !== null) continue;
        if (status === "failed" && r.meta.err === null) continue;
        if (picked.length === limit) {
          more = true;
          break;
        }
        picked.push(r);
      }
      const last = picked[picked.length - 1];
      // A block has one time: the one getBlock reports (its first transaction's), whatever
      // the clock did between transactions of the same slot.
      const blockTimes = new Map<bigint, unknown>();
      const blockTimeOf = (r: TransactionRecord): unknown => {
        if (!blockTimes.has(r.slot)) blockTimes.set(r.slot, history.firstOfSlot(r.slot)?.blockTime ?? r.blockTime);
        return blockTimes.get(r.slot);
      };
      const data = picked.map((r) =>
        details === "full"
          ? {
              slot: r.slot,
              transactionIndex: r.indexInSlot,
              blockTime: blockTimeOf(r),
              ...transactionWithMetaJson(r, encoding, config.maxSupportedTransactionVersion),
            }
          : {
              signature: r.signature,
              slot: r.slot,
              transactionIndex: r.indexInSlot,
              err: r.meta.err,
              memo: memoOf(parseWireTransaction(r.wire)),
              blockTime: blockTimeOf(r),
              confirmationStatus: r.slot <= node.clock.commitmentSlot("finalized") ? "finalized" : "confirmed",
            },
      );
      return { data, paginationToken: more && last ? `${last.slot}:${last.indexInSlot}` : null };
    },
  };
}
