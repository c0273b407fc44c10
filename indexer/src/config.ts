/**
 * Indexer configuration: one options object with defaults that fit a local
 * node and a public RPC alike.
 */
import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
import { IndexerError } from "./errors.ts";
import type { RpcClient } from "./rpc.ts";
import type { Finality } from "./types.ts";

/** Options of `createIndexer`; only `dbPath` is required. */
export interface IndexerConfig {
  /** SQLite file (created if missing), or a PostgreSQL URL (`postgres://user@host:5432/db`; the database must exist). */
  readonly dbPath: string;
  /** gpunet program id (base58); default the IDL's address. */
  readonly programId?: string;
  /** HTTP JSON-RPC endpoint: backfill, gap fill, finality, truncated-log recovery. */
  readonly rpcUrl?: string;
  /** WebSocket PubSub endpoint for live `logsSubscribe`. */
  readonly wsUrl?: string;
  /** Yellowstone gRPC (Geyser) endpoint for the live stream, e.g. `http://127.0.0.1:10000` (replaces `wsUrl`). */
  readonly grpcUrl?: string;
  /** The `x-token` header of the gRPC endpoint. */
  readonly grpcToken?: string;
  /** Commitment of the live subscription (default "confirmed"). */
  readonly commitment?: Exclude<Finality, "finalized"> | "finalized";
  /** Backfill history and gaps through `getSignaturesForAddress` (default: on when `rpcUrl` is set). */
  readonly backfill?: boolean;
  /** Receive Helius raw-transaction webhooks on this port (127.0.0.1 unless `webhookHost`). */
  readonly webhookPort?: number;
  readonly webhookHost?: string;
  /** Required `Authorization` header value of webhook posts, when set. */
  readonly webhookAuth?: string;
  /** Serve the read-only JSON API on this port (127.0.0.1). */
  readonly apiPort?: number;
  /** Most updates per SQLite transaction (default 10,000: commits cost ~25 us plus the pages they touch). */
  readonly batchSize?: number;
  /** Finality sweep period in ms; 0 disables (default 2,000). */
  readonly finalityIntervalMs?: number;
  /** Reconnect when the live socket is silent this long, pings included (default 30,000). */
  readonly watchdogMs?: number;
  /** Reconnect backoff bounds in ms (default 250 .. 30,000). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Parallel `getTransaction` calls during backfill (default 8). */
  readonly backfillConcurrency?: number;
  /** Signatures per `getSignaturesForAddress` page (default 1,000, the RPC maximum). */
  readonly backfillPageSize?: number;
  /** Resolve the position of transactions in their block with `getBlock` (default true with an RPC). */
  readonly resolveTxIndex?: boolean;
  /** Draw the backfill progress bar on stderr (default: when stderr is a TTY). */
  readonly progress?: boolean;
  /** WAL size above which the writer forces a TRUNCATE checkpoint (default 64 MiB). */
  readonly walLimitBytes?: number;
  /** Bring your own RPC client (tests, custom transports). */
  readonly rpc?: RpcClient;
  /** Log sink for operational messages (default: none). */
  readonly log?: (message: string) => void;
}

/** {@link IndexerConfig} with defaults filled in. */
export type ResolvedIndexerConfig = Required<
  Omit<IndexerConfig, "rpcUrl" | "wsUrl" | "grpcUrl" | "grpcToken" | "webhookPort" | "webhookAuth" | "apiPort" | "rpc">
> &
  Pick<IndexerConfig, "rpcUrl" | "wsUrl" | "grpcUrl" | "grpcToken" | "webhookPort" | "webhookAuth" | "apiPort" | "rpc">;

/**
 * Fills defaults and validates.
 *
 * @example
 * ```ts
 * const cfg = resolveIndexerConfig({ dbPath: "index.db", rpcUrl: "http://127.0.0.1:8899" });
 * ```
 */
export function resolveIndexerConfig(c: IndexerConfig): ResolvedIndexerConfig {
  if (!c.dbPath) throw new IndexerError("InvalidConfig", "dbPath is required");
  const positive = (name: string, v: number | undefined, d: number): number => {
    const x = v ?? d;
    if (!Number.isFinite(x) || x < 0) throw new IndexerError("InvalidConfig", `${name} must be a non-negative number`);
    return x;
  };
  return {
    dbPath: c.dbPath,
    programId: c.programId ?? GPUNET_PROGRAM_ADDRESS,
    rpcUrl: c.rpcUrl,
    wsUrl: c.wsUrl,
    grpcUrl: c.grpcUrl,
    grpcToken: c.grpcToken,
    commitment: c.commitment ?? "confirmed",
    backfill: c.backfill ?? (c.rpcUrl !== undefined || c.rpc !== undefined),
    webhookPort: c.webhookPort,
    webhookHost: c.webhookHost ?? "127.0.0.1",
    webhookAuth: c.webhookAuth,
    apiPort: c.apiPort,
    batchSize: Math.max(1, positive("batchSize", c.batchSize, 10_000)),
    finalityIntervalMs: positive("finalityIntervalMs", c.finalityIntervalMs, 2_000),
    watchdogMs: Math.max(100, positive("watchdogMs", c.watchdogMs, 30_000)),
    reconnectMinMs: positive("reconnectMinMs", c.reconnectMinMs, 250),
    reconnectMaxMs: positive("reconnectMaxMs", c.reconnectMaxMs, 30_000),
    backfillConcurrency: Math.max(1, positive("backfillConcurrency", c.backfillConcurrency, 8)),
    backfillPageSize: Math.min(1000, Math.max(1, positive("backfillPageSize", c.backfillPageSize, 1000))),
    resolveTxIndex: c.resolveTxIndex ?? true,
    progress: c.progress ?? process.stderr.isTTY === true,
    walLimitBytes: positive("walLimitBytes", c.walLimitBytes, 64 * 1024 * 1024),
    rpc: c.rpc,
    log: c.log ?? (() => {}),
  };
}
