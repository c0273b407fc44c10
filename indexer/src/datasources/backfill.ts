/**
 * Backfill datasource: `getSignaturesForAddress` (paged, newest first) then
 * `getTransaction` with bounded concurrency. It fills history on first start,
 * and any gap after a disconnect or a restart from the last checkpoint.
 * 429s back off honouring Retry-After inside the RPC client. Where the endpoint
 * has Helius' `getTransactionsForAddress`, transactions come 100 a request.
 *
 * A gap is a persisted row (`gaps`): signatures older than `before` and newer
 * than `until`. Each chunk of transactions is committed together with the
 * gap's new `before`, so a crash resumes where the last commit ended.
 */
import { isIndexerError } from "../errors.ts";
import { type RpcClient, type RpcTransaction, transactionAccountKeys } from "../rpc.ts";
import type { Finality, TransactionUpdate } from "../types.ts";

/** One entry of a `getSignaturesForAddress` answer. */
export interface SignatureInfo {
  readonly signature: string;
  readonly slot: number;
  readonly err: unknown;
  readonly blockTime?: number | null;
  readonly confirmationStatus?: Finality | null;
}

/** Converts a `getTransaction` result to the common update type. */
export function rpcTransactionToUpdate(tx: RpcTransaction, finality: Finality, source: TransactionUpdate["source"]): TransactionUpdate {
  return {
    signature: tx.transaction.signatures[0] as string,
    slot: BigInt(tx.slot),
    txIndex: typeof tx.indexWithinBlock === "number" ? tx.indexWithinBlock : null,
    blockTime: tx.blockTime === null || tx.blockTime === undefined ? null : BigInt(tx.blockTime),
    err: tx.meta?.err ?? null,
    logs: tx.meta?.logMessages ?? null,
    finality,
    source,
    accountKeys: transactionAccountKeys(tx),
  };
}

/**
 * Lists signatures of `address` newer than `until` and older than `before`, newest first.
 *
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { createRpcClient, listSignatures } from "@gpunet/indexer";
 * const rpc = createRpcClient({ url: "http://127.0.0.1:8899" });
 * declare const checkpointSig: string | null; // the newest signature already indexed
 * const sigs = await listSignatures(rpc, GPUNET_PROGRAM_ADDRESS, { until: checkpointSig });
 * ```
 */
export async function listSignatures(
  rpc: RpcClient,
  address: string,
  opts: {
    readonly before?: string | null;
    readonly until?: string | null;
    readonly pageSize?: number;
    readonly signal?: AbortSignal;
    readonly onPage?: (n: number) => void;
  },
): Promise<SignatureInfo[]> {
  const out: SignatureInfo[] = [];
  let before = opts.before ?? undefined;
  for (;;) {
    const cfg: Record<string, unknown> = { limit: opts.pageSize ?? 1000, commitment: "confirmed" };
    if (before) cfg.before = before;
    if (opts.until) cfg.until = opts.until;
    const page = await rpc.call<SignatureInfo[]>("getSignaturesForAddress", [address, cfg], opts.signal);
    if (page.length === 0) break;
    out.push(...page);
    opts.onPage?.(out.length);
    before = (page[page.length - 1] as SignatureInfo).signature;
    if (page.length < (opts.pageSize ?? 1000)) break;
  }
  return out;
}

/** Most transactions one `getTransactionsForAddress` page returns in full. */
const HELIUS_FULL_PAGE = 100;

/** Pages read per chunk at most. */
const MAX_HELIUS_PAGES = 10_000;

/** JSON-RPC "method not found": the endpoint has no such extension. */
const METHOD_NOT_FOUND = -32601;

/** Per client: whether its endpoint answers Helius' `getTransactionsForAddress` (null: not asked yet). */
const heliusSupport = new WeakMap<RpcClient, boolean>();

/** One entry of a `getTransactionsForAddress` page with `transactionDetails: "full"`. */
interface HeliusFullEntry extends RpcTransaction {
  readonly transactionIndex?: number;
}

/**
 * Fetches the transactions of `signatures` (one address's, newest first) through
 * Helius' `getTransactionsForAddress` with full details: up to 100 a request, with
 * their position in the block. Null when the endpoint does not have the method
 * (its "method not found" code, remembered per client); the caller falls back.
 */
async function fetchViaHelius(
  rpc: RpcClient,
  address: string,
  signatures: readonly SignatureInfo[],
  signal?: AbortSignal,
): Promise<Map<string, HeliusFullEntry> | null> {
  if (heliusSupport.get(rpc) === false) return null;
  if (signatures.length === 0) return new Map();
  const wanted = new Set(signatures.map((s) => s.signature));
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const s of signatures) {
    if (s.slot < lo) lo = s.slot;
    if (s.slot > hi) hi = s.slot;
  }
  const found = new Map<string, HeliusFullEntry>();
  let token: string | null = null;
  // Bounded; whatever is still missing after the last page comes from getTransaction.
  for (let pages = 0; pages < MAX_HELIUS_PAGES; pages++) {
    let page: { data: readonly HeliusFullEntry[]; paginationToken: string | null };
    try {
      page = await rpc.call(
        "getTransactionsForAddress",
        [
          address,
          {
            transactionDetails: "full",
            encoding: "json",
            maxSupportedTransactionVersion: 0,
            commitment: "confirmed",
            sortOrder: "desc",
            limit: HELIUS_FULL_PAGE,
            filters: { slot: { gte: lo, lte: hi } },
            ...(token ? { paginationToken: token } : {}),
          },
        ],
        signal,
      );
    } catch (e) {
      if (isIndexerError(e, "RpcError") && e.context.rpcCode === METHOD_NOT_FOUND) {
        heliusSupport.set(rpc, false);
        return null;
      }
      throw e;
    }
    heliusSupport.set(rpc, true);
    for (const t of page.data) {
      const sig = t.transaction?.signatures?.[0];
      if (sig !== undefined && wanted.has(sig)) found.set(sig, t);
    }
    token = page.paginationToken;
    if (token === null || found.size === wanted.size) break;
  }
  return found;
}

/**
 * Fetches transactions with at most `concurrency` requests in flight; keeps input order.
 * A transaction the node does not have (null) yields null. Given the `address` the
 * signatures were listed for, an endpoint with Helius' `getTransactionsForAddress`
 * serves them 100 a request (with their block positions); any it did not return,
 * and every one on an endpoint without the method, come from `getTransaction`.
 */
export async function fetchTransactions(
  rpc: RpcClient,
  signatures: readonly SignatureInfo[],
  concurrency: number,
  signal?: AbortSignal,
  address?: string,
): Promise<(TransactionUpdate | null)[]> {
  const out: (TransactionUpdate | null)[] = new Array(signatures.length).fill(null);
  const finality = (s: SignatureInfo): Finality => (s.confirmationStatus === "finalized" ? "finalized" : "confirmed");
  const viaHelius = address === undefined ? null : await fetchViaHelius(rpc, address, signatures, signal);
  const rest: number[] = [];
  signatures.forEach((s, i) => {
    const t = viaHelius?.get(s.signature);
    if (t) {
      out[i] = rpcTransactionToUpdate(
        { ...t, ...(typeof t.transactionIndex === "number" ? { indexWithinBlock: t.transactionIndex } : {}) },
        finality(s),
        "backfill",
      );
    } else rest.push(i);
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < rest.length) {
      const i = rest[next++] as number;
      const s = signatures[i] as SignatureInfo;
      const tx = await rpc.call<RpcTransaction | null>(
        "getTransaction",
        [s.signature, { encoding: "json", commitment: "confirmed", maxSupportedTransactionVersion: 0 }],
        signal,
      );
      out[i] = tx ? rpcTransactionToUpdate(tx, finality(s), "backfill") : null;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rest.length) }, worker));
  return out;
}
