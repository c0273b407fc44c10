/**
 * A Geyser `SubscribeRequest` checked and turned into the filters a session
 * applies: transactions (accountInclude / accountExclude / accountRequired,
 * vote, failed, signature), transaction statuses, slots, block metas, the
 * commitment and `fromSlot`. Refusals carry the gRPC status a client sees.
 */
import type { SubscribeRequest } from "@triton-one/yellowstone-grpc";
import bs58 from "bs58";
import type { TransactionRecord } from "../history.ts";

/** A refusal with its gRPC status code. */
export class GeyserStatusError extends Error {
  override readonly name = "GeyserStatusError";
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** gRPC status codes used here. */
export const STATUS = { INVALID_ARGUMENT: 3, OUT_OF_RANGE: 11, UNAVAILABLE: 14, INTERNAL: 13, UNAUTHENTICATED: 16 } as const;

/** One named transaction filter. */
export interface TransactionFilter {
  readonly name: string;
  readonly vote: boolean | undefined;
  readonly failed: boolean | undefined;
  readonly signature: string | undefined;
  readonly include: ReadonlySet<string>;
  readonly exclude: ReadonlySet<string>;
  readonly required: readonly string[];
}

/** Everything a session sends, decided by its last request. */
export interface SessionFilters {
  readonly transactions: readonly TransactionFilter[];
  readonly transactionsStatus: readonly TransactionFilter[];
  readonly slots: readonly { readonly name: string; readonly filterByCommitment: boolean }[];
  readonly blocksMeta: readonly string[];
  /** 0 processed, 1 confirmed, 2 finalized. */
  readonly commitment: 0 | 1 | 2;
}

/** Most entries per filter list (as a Geyser server's filter limits). */
const MAX_KEYS = 10_000;

function pubkeys(list: readonly string[], what: string): string[] {
  if (list.length > MAX_KEYS) throw new GeyserStatusError(STATUS.INVALID_ARGUMENT, `failed to create filter: ${what} has more than ${MAX_KEYS} entries`);
  return list.map((k) => {
    let ok = false;
    try {
      ok = bs58.decode(k).length === 32;
    } catch {
      ok = false;
    }
    if (!ok) throw new GeyserStatusError(STATUS.INVALID_ARGUMENT, `failed to create filter: invalid pubkey in ${what}: ${JSON.stringify(k)}`);
    return k;
  });
}

function transactionFilters(entries: SubscribeRequest["transactions"], kind: string): TransactionFilter[] {
  return Object.entries(entries).map(([name, f]) => {
    if (f.signature !== undefined) {
      let ok = false;
      try {
        ok = bs58.decode(f.signature).length === 64;
      } catch {
        ok = false;
      }
      if (!ok) throw new GeyserStatusError(STATUS.INVALID_ARGUMENT, `failed to create filter: invalid signature in ${kind}.${name}`);
    }
    if (f.cuckooAccountInclude !== undefined || f.tokenAccounts !== undefined) {
      throw new GeyserStatusError(
        STATUS.INVALID_ARGUMENT,
        `failed to create filter: ${kind}.${name}: cuckoo filters and token account expansion are not supported by this node`,
      );
    }
    return {
      name,
      vote: f.vote,
      failed: f.failed,
      signature: f.signature,
      include: new Set(pubkeys(f.accountInclude, `${kind}.${name}.accountInclude`)),
      exclude: new Set(pubkeys(f.accountExclude, `${kind}.${name}.accountExclude`)),
      required: pubkeys(f.accountRequired, `${kind}.${name}.accountRequired`),
    };
  });
}

/**
 * Checks a request and builds its filters.
 *
 * @throws {GeyserStatusError} INVALID_ARGUMENT for a bad pubkey, signature, commitment or an unsupported filter kind.
 * @example
 * ```ts
 * const f = parseSubscribeRequest({
 *   accounts: {}, slots: {}, transactionsStatus: {}, blocks: {}, blocksMeta: {}, entry: {}, accountsDataSlice: [],
 *   transactions: { gpunet: { accountInclude: ["GPURzPJQe7b7eFztkzSd4iyJXsAG5SjB6wLLywFMqBAA"], accountExclude: [], accountRequired: [] } },
 * });
 * ```
 */
export function parseSubscribeRequest(req: SubscribeRequest): SessionFilters {
  for (const [kind, v] of [
    ["accounts", req.accounts],
    ["blocks", req.blocks],
    ["entry", req.entry],
  ] as const) {
    if (Object.keys(v).length > 0)
      throw new GeyserStatusError(STATUS.INVALID_ARGUMENT, `failed to create filter: ${kind} subscriptions are not supported by this node`);
  }
  const c = req.commitment ?? 0;
  if (c !== 0 && c !== 1 && c !== 2) throw new GeyserStatusError(STATUS.INVALID_ARGUMENT, `failed to create filter: unknown commitment ${String(c)}`);
  return {
    transactions: transactionFilters(req.transactions, "transactions"),
    transactionsStatus: transactionFilters(req.transactionsStatus, "transactionsStatus"),
    slots: Object.entries(req.slots).map(([name, f]) => ({ name, filterByCommitment: f.filterByCommitment === true })),
    blocksMeta: Object.keys(req.blocksMeta),
    commitment: c,
  };
}

/** Names of the filters of `list` that `r` matches (no vote transactions exist on this node). */
export function matchingFilters(list: readonly TransactionFilter[], r: TransactionRecord): string[] {
  const out: string[] = [];
  const failed = r.meta.err !== null;
  for (const f of list) {
    if (f.vote === true) continue;
    if (f.failed !== undefined && f.failed !== failed) continue;
    if (f.signature !== undefined && f.signature !== r.signature) continue;
    if (f.include.size > 0 && !r.accountKeys.some((k) => f.include.has(k))) continue;
    if (f.exclude.size > 0 && r.accountKeys.some((k) => f.exclude.has(k))) continue;
    if (f.required.length > 0 && !f.required.every((k) => r.accountKeys.includes(k))) continue;
    out.push(f.name);
  }
  return out;
}
