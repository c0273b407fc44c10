/**
 * Backfill datasource: `getSignaturesForAddress` (paged, newest first) then
 * `getTransaction` with bounded concurrency. It fills history on first start,
 * and any gap after a disconnect or a restart from the last checkpoint.
 * 429s back off honouring Retry-After inside the RPC client.
 *
 * A gap is a persisted row (`gaps`): signatures older than `before` and newer
 * than `until`. Each chunk of transactions is committed together with the
 * gap's new `before`, so a crash resumes where the last commit ended.
 */
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

/**
 * Fetches transactions with at most `concurrency` requests in flight; keeps input order.
 * A transaction the node does not have (null) yields null.
 */
export async function fetchTransactions(
  rpc: RpcClient,
  signatures: readonly SignatureInfo[],
  concurrency: number,
  signal?: AbortSignal,
): Promise<(TransactionUpdate | null)[]> {
  const out: (TransactionUpdate | null)[] = new Array(signatures.length).fill(null);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < signatures.length) {
      const i = next++;
      const s = signatures[i] as SignatureInfo;
      const tx = await rpc.call<RpcTransaction | null>(
        "getTransaction",
        [s.signature, { encoding: "json", commitment: "confirmed", maxSupportedTransactionVersion: 0 }],
        signal,
      );
      out[i] = tx ? rpcTransactionToUpdate(tx, s.confirmationStatus === "finalized" ? "finalized" : "confirmed", "backfill") : null;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, signatures.length) }, worker));
  return out;
}
