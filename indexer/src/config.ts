/**
 * Indexer configuration: one options object with defaults that fit a local
 * node and a public RPC alike.
 */
import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
import { checkDatasources, datasourcesFromConfig, type Datasource } from "./datasources/index.ts";
import { IndexerError } from "./errors.ts";
import type { RpcClient } from "./rpc.ts";
import type { WriteStore } from "./store/open.ts";
import type { Finality } from "./types.ts";

/**
 * Options of `createIndexer`; only the database (`store` or `dbPath`) is required.
 * The composed form names its parts: `store`, `datasources`, `rpc`, `api`; the
 * flat fields (`dbPath`, `rpcUrl`, `wsUrl`, `grpcUrl`, `webhookPort`, `apiPort`)
 * describe the same parts and may be mixed with them.
 */
export interface IndexerConfig {
  /**
   * The database: a SQLite file path, a PostgreSQL URL, or a store opened with
   * `openWriteStore` (the indexer closes it on stop).
   */
  readonly store?: string | WriteStore;
  /** SQLite file (created if missing), or a PostgreSQL URL (`postgres://user@host:5432/db`; the database must exist). Same as a string `store`. */
  readonly dbPath?: string;
  /** Where updates come from: `logsSubscribe(...)`, `yellowstone(...)`, `heliusWebhook(...)` or your own {@link Datasource}s, one of each name. */
  readonly datasources?: readonly Datasource[];
  /** The read-only HTTP API (same as `apiPort`). */
  readonly api?: { readonly port: number };
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
  /** The RPC for backfill, gap fill, finality and recovery: a URL (same as `rpcUrl`) or your own client (tests, custom transports). */
  readonly rpc?: string | RpcClient;
  /** Log sink for operational messages (default: none). */
  readonly log?: (message: string) => void;
}

/** {@link IndexerConfig} with defaults filled in and its datasources composed. */
export type ResolvedIndexerConfig = Required<
  Omit<IndexerConfig, "store" | "datasources" | "api" | "rpcUrl" | "wsUrl" | "grpcUrl" | "grpcToken" | "webhookPort" | "webhookAuth" | "apiPort" | "rpc">
> &
  Pick<IndexerConfig, "rpcUrl" | "wsUrl" | "grpcUrl" | "grpcToken" | "webhookPort" | "webhookAuth" | "apiPort"> & {
    /** The store to write through when one was passed opened, else undefined (the indexer opens `dbPath`). */
    readonly store: WriteStore | undefined;
    /** Every datasource: the ones given, then the ones the flat fields describe. */
    readonly datasources: readonly Datasource[];
    /** A client given as `rpc` (a URL lands in `rpcUrl`). */
    readonly rpc: RpcClient | undefined;
  };

/**
 * Fills defaults and validates.
 *
 * @example
 * ```ts
 * const cfg = resolveIndexerConfig({ dbPath: "index.db", rpcUrl: "http://127.0.0.1:8899" });
 * ```
 */
export function resolveIndexerConfig(c: IndexerConfig): ResolvedIndexerConfig {
  const opened = typeof c.store === "object" && c.store !== null ? c.store : undefined;
  const location = opened ? opened.location : typeof c.store === "string" ? c.store : c.dbPath;
  if (!location) throw new IndexerError("InvalidConfig", "store (or dbPath) is required");
  if (c.store !== undefined && c.dbPath !== undefined && c.dbPath !== location)
    throw new IndexerError("InvalidConfig", "give the database once: store or dbPath, not both", { path: location });
  if (typeof c.rpc === "string" && c.rpcUrl !== undefined && c.rpcUrl !== c.rpc)
    throw new IndexerError("InvalidConfig", "give the RPC once: rpc or rpcUrl, not both");
  if (c.api !== undefined && c.apiPort !== undefined && c.api.port !== c.apiPort)
    throw new IndexerError("InvalidConfig", "give the API port once: api or apiPort, not both");
  if (opened && (c.api !== undefined || c.apiPort !== undefined) && opened.location.includes("***@"))
    throw new IndexerError("InvalidConfig", "the API opens its own read-only session and this store's URL hides its password: pass the store as its URL", {
      path: opened.location,
    });
  const rpcUrl = typeof c.rpc === "string" ? c.rpc : c.rpcUrl;
  const rpc = typeof c.rpc === "string" ? undefined : c.rpc;
  const positive = (name: string, v: number | undefined, d: number): number => {
    const x = v ?? d;
    if (!Number.isFinite(x) || x < 0) throw new IndexerError("InvalidConfig", `${name} must be a non-negative number`);
    return x;
  };
  const datasources = [...(c.datasources ?? []), ...datasourcesFromConfig(c)];
  checkDatasources(datasources);
  if (c.datasources !== undefined && datasources.length === 0 && rpcUrl === undefined && rpc === undefined)
    throw new IndexerError("InvalidComposition", "nothing to index from: give at least one datasource or an rpc to backfill from");
  return {
    dbPath: location,
    store: opened,
    datasources,
    programId: c.programId ?? GPUNET_PROGRAM_ADDRESS,
    rpcUrl,
    wsUrl: c.wsUrl,
    grpcUrl: c.grpcUrl,
    grpcToken: c.grpcToken,
    commitment: c.commitment ?? "confirmed",
    backfill: c.backfill ?? (rpcUrl !== undefined || rpc !== undefined),
    webhookPort: c.webhookPort,
    webhookHost: c.webhookHost ?? "127.0.0.1",
    webhookAuth: c.webhookAuth,
    apiPort: c.api?.port ?? c.apiPort,
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
    rpc,
    log: c.log ?? (() => {}),
  };
}
