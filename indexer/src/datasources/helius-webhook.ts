/**
 * Optional third datasource: Helius raw-transaction webhooks. Helius POSTs a
 * JSON array of transactions in `getTransaction` json shape; each becomes an
 * update at "confirmed". The reply is sent only after the batch committed, so
 * Helius' retry covers a crash in between (ingest is idempotent, X1).
 * {@link ensureHeliusWebhook} creates or updates the Helius webhook that points here.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkFailureOf, parseRetryAfter, RETRYABLE_HTTP_STATUSES, withRetry, type RetryFailure, type RetryPolicy } from "@gpunet/sdk";
import { IndexerError } from "../errors.ts";
import type { RpcTransaction } from "../rpc.ts";
import type { TransactionUpdate } from "../types.ts";
import { rpcTransactionToUpdate } from "./backfill.ts";
import type { Datasource, DatasourceContext } from "./datasource.ts";

/** Options of {@link startHeliusWebhookServer}. */
export interface HeliusWebhookOptions {
  readonly port: number;
  readonly host?: string;
  /** When set, posts must carry exactly this `Authorization` header (Helius' authHeader). */
  readonly authHeader?: string;
  /** Largest accepted body in bytes (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /** Where failures are reported (the sender only gets "internal error"). */
  readonly log?: (message: string) => void;
}

/** A running webhook receiver. */
export interface HeliusWebhookServer {
  readonly port: number;
  readonly received: { posts: number; transactions: number; rejected: number };
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new RangeError("body too large"));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Keeps only entries shaped like a fetched transaction. */
function isRpcTransaction(v: unknown): v is RpcTransaction & { slot: number } {
  if (typeof v !== "object" || v === null) return false;
  const t = v as Record<string, unknown>;
  const tx = t.transaction as Record<string, unknown> | undefined;
  return typeof t.slot === "number" && typeof tx === "object" && tx !== null && Array.isArray(tx.signatures);
}

/**
 * Starts the receiver; every accepted post is handed to `ingest` and answered after it resolves.
 *
 * @example
 * ```ts
 * import { createIndexer, startHeliusWebhookServer } from "@gpunet/indexer";
 * const indexer = await createIndexer({ dbPath: "index.db" });
 * const hook = await startHeliusWebhookServer({ port: 8787, authHeader: "secret" }, (us) => indexer.ingest(us));
 * ```
 */
export async function startHeliusWebhookServer(
  opts: HeliusWebhookOptions,
  ingest: (updates: readonly TransactionUpdate[]) => Promise<unknown>,
): Promise<HeliusWebhookServer> {
  const received = { posts: 0, transactions: 0, rejected: 0 };
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") return reply(405, { error: "POST only" });
    if (opts.authHeader !== undefined && req.headers.authorization !== opts.authHeader) {
      received.rejected++;
      return reply(401, { error: "bad authorization" });
    }
    readBody(req, opts.maxBodyBytes ?? 16 * 1024 * 1024)
      .then(async (text) => {
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          received.rejected++;
          return reply(400, { error: "body is not JSON" });
        }
        const list = Array.isArray(body) ? body : [body];
        const updates = list.filter(isRpcTransaction).map((t) => rpcTransactionToUpdate(t, "confirmed", "webhook"));
        received.posts++;
        received.transactions += updates.length;
        await ingest(updates);
        reply(200, { ok: true, transactions: updates.length });
      })
      .catch((e: unknown) => {
        opts.log?.(`webhook post failed: ${String(e)}`);
        reply(500, { error: "internal error" });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Options of {@link heliusWebhook}. */
export interface HeliusWebhookDatasourceOptions {
  /** Port to listen on (0: a free one, reported as `indexer.ports.webhook`). */
  readonly port: number;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** When set, posts must carry exactly this `Authorization` header (Helius' authHeader). */
  readonly authHeader?: string;
  /** Largest accepted body in bytes (default 16 MiB). */
  readonly maxBodyBytes?: number;
}

/**
 * The Helius raw-webhook receiver as a datasource: each post is answered once
 * its transactions are committed (a failure answers 500 and Helius retries),
 * so nothing is lost and the indexer keeps no gap for it.
 *
 * @example
 * ```ts
 * import { createIndexer, heliusWebhook } from "@gpunet/indexer";
 * const indexer = await createIndexer({ store: "index.db", datasources: [heliusWebhook({ port: 0, authHeader: "secret" })] });
 * await indexer.start();
 * console.log(`POST transactions to http://127.0.0.1:${indexer.ports.webhook}/`);
 * await indexer.stop();
 * ```
 */
export function heliusWebhook(opts: HeliusWebhookDatasourceOptions): Datasource {
  let server: HeliusWebhookServer | null = null;
  let starting = false;
  return {
    name: "webhook",
    recovery: "none",
    async start(ctx: DatasourceContext): Promise<void> {
      if (starting) throw new IndexerError("InvalidComposition", "this webhook datasource was started already", { datasource: "webhook" });
      starting = true;
      server = await startHeliusWebhookServer(
        {
          port: opts.port,
          host: opts.host ?? "127.0.0.1",
          ...(opts.authHeader !== undefined ? { authHeader: opts.authHeader } : {}),
          ...(opts.maxBodyBytes !== undefined ? { maxBodyBytes: opts.maxBodyBytes } : {}),
          log: ctx.log,
        },
        (us) => ctx.sink.push(us),
      );
    },
    async stop(): Promise<void> {
      await server?.close();
    },
    stats: () => ({
      connected: server !== null,
      notifications: server?.received.transactions ?? 0,
      reconnects: 0,
      watchdogFires: 0,
      headSlot: 0n,
      ...(server ? { port: server.port } : {}),
    }),
  };
}

/** The Helius webhook API host helius-sdk's webhook client calls. */
export const HELIUS_API_URL = "https://api-mainnet.helius-rpc.com";

/**
 * The Helius webhook API's request body (`POST /v0/webhooks`; `PUT` takes any
 * part of it). The same shape as helius-sdk's `CreateWebhookRequest`, which a
 * type test checks, declared here so that installing the indexer does not
 * install helius-sdk and its Kit 6 peers.
 */
export interface HeliusWebhookRequest {
  webhookURL: string;
  transactionTypes: string[];
  accountAddresses: string[];
  webhookType?: string;
  authHeader?: string;
  encoding?: string;
  txnStatus?: string;
}

/** A webhook as the Helius webhook API answers it (helius-sdk's `Webhook`). */
export interface HeliusWebhook {
  webhookID: string;
  wallet: string;
  webhookURL: string;
  transactionTypes: string[];
  accountAddresses: string[];
  webhookType: string;
  authHeader: string;
  active?: boolean;
}

/** Options of {@link ensureHeliusWebhook}. */
export interface EnsureHeliusWebhookOptions {
  readonly apiKey: string;
  /** The public URL Helius posts to (it reaches this receiver). */
  readonly webhookURL: string;
  /** Accounts to watch: the gpunet program id. */
  readonly accountAddresses: readonly string[];
  /** `raw` (mainnet, default) or `rawDevnet`: the receiver takes raw transactions. */
  readonly webhookType?: "raw" | "rawDevnet";
  /** The `Authorization` value Helius sends with each post (the receiver's `authHeader`). */
  readonly authHeader?: string;
  /** Base URL of the webhook API (default {@link HELIUS_API_URL}). */
  readonly apiUrl?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
}

/** What {@link ensureHeliusWebhook} did. */
export interface EnsureHeliusWebhookResult {
  readonly action: "created" | "updated" | "unchanged";
  readonly webhook: HeliusWebhook;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  return x.size === new Set(b).size && b.every((v) => x.has(v));
}

/**
 * Creates the Helius webhook that points at this receiver, or updates the one
 * already pointing at `webhookURL` (accounts, type, auth header), through the
 * Helius webhook REST API (`/v0/webhooks`) with helius-sdk's request and
 * webhook types. Each request runs the SDK's retry policy; failures are typed
 * IndexerErrors (a 401 is a final `RpcError` with its status).
 *
 * @example
 * ```ts
 * import { ensureHeliusWebhook } from "@gpunet/indexer";
 * const { action, webhook } = await ensureHeliusWebhook({
 *   apiKey: process.env.HELIUS_API_KEY ?? "",
 *   webhookURL: "https://indexer.example.com/helius",
 *   accountAddresses: ["GPURzPJQe7b7eFztkzSd4iyJXsAG5SjB6wLLywFMqBAA"],
 *   authHeader: "secret",
 * });
 * console.log(action, webhook.webhookID);
 * ```
 */
export async function ensureHeliusWebhook(o: EnsureHeliusWebhookOptions): Promise<EnsureHeliusWebhookResult> {
  if (o.apiKey === "") throw new IndexerError("InvalidConfig", "a Helius API key is required (HELIUS_API_KEY)");
  let target: URL;
  try {
    target = new URL(o.webhookURL);
  } catch (e) {
    throw new IndexerError("InvalidConfig", `webhook URL is not a URL: ${o.webhookURL}`, { cause: e });
  }
  if (target.protocol !== "https:" && target.protocol !== "http:") throw new IndexerError("InvalidConfig", `webhook URL must be http(s): ${o.webhookURL}`);
  const base = (o.apiUrl ?? HELIUS_API_URL).replace(/\/+$/, "");
  const doFetch = o.fetch ?? fetch;
  const request = <T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> => {
    const route = `${method} ${path}`;
    return withRetry(
      async (attempt) => {
        let res: Response;
        try {
          res = await doFetch(`${base}${path}?api-key=${encodeURIComponent(o.apiKey)}`, {
            method,
            headers: { "content-type": "application/json" },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            ...(o.signal ? { signal: o.signal } : {}),
          });
        } catch (e) {
          if (o.signal?.aborted) throw new IndexerError("Aborted", "aborted", { method: route, cause: e });
          throw new IndexerError("Transport", `${route}: ${String(e)}`, { method: route, failure: networkFailureOf(e), attempts: attempt, cause: e });
        }
        if (!res.ok) {
          const retryAfterMs = parseRetryAfter(res.headers.get("retry-after")) ?? undefined;
          await res.body?.cancel().catch(() => undefined);
          if (res.status === 429) {
            throw new IndexerError("RateLimited", `${route}: HTTP 429`, {
              method: route,
              status: 429,
              attempts: attempt,
              ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
            });
          }
          const failure: RetryFailure = { kind: "http", status: res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
          const code = RETRYABLE_HTTP_STATUSES.has(res.status) ? "Transport" : "RpcError";
          throw new IndexerError(code, `${route}: HTTP ${res.status}`, { method: route, status: res.status, failure, attempts: attempt });
        }
        try {
          return (await res.json()) as T;
        } catch (e) {
          throw new IndexerError("Transport", `${route}: the answer is not JSON`, {
            method: route,
            failure: { kind: "invalid-response" },
            attempts: attempt,
            cause: e,
          });
        }
      },
      {
        ...(o.retry ? { policy: o.retry } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        classify: (e) => {
          if (!(e instanceof IndexerError)) return null;
          if (e.code === "RateLimited")
            return { kind: "http", status: 429, ...(e.context.retryAfterMs !== undefined ? { retryAfterMs: e.context.retryAfterMs } : {}) };
          return e.context.failure ?? null;
        },
        abortError: () => new IndexerError("Aborted", "aborted", { method: route }),
      },
    );
  };
  const wanted: HeliusWebhookRequest = {
    webhookURL: o.webhookURL,
    transactionTypes: ["ANY"],
    accountAddresses: [...o.accountAddresses],
    webhookType: o.webhookType ?? "raw",
    ...(o.authHeader !== undefined ? { authHeader: o.authHeader } : {}),
  };
  const all = await request<HeliusWebhook[]>("GET", "/v0/webhooks");
  if (!Array.isArray(all))
    throw new IndexerError("Transport", "GET /v0/webhooks: not a list", { method: "GET /v0/webhooks", failure: { kind: "invalid-response" } });
  const existing = all.find((w) => w.webhookURL === o.webhookURL);
  if (!existing) return { action: "created", webhook: await request<HeliusWebhook>("POST", "/v0/webhooks", wanted) };
  const same =
    sameSet(existing.accountAddresses ?? [], wanted.accountAddresses) &&
    sameSet(existing.transactionTypes ?? [], wanted.transactionTypes) &&
    existing.webhookType === wanted.webhookType &&
    (o.authHeader === undefined || existing.authHeader === o.authHeader);
  if (same) return { action: "unchanged", webhook: existing };
  const update: Partial<HeliusWebhookRequest> = wanted;
  return { action: "updated", webhook: await request<HeliusWebhook>("PUT", `/v0/webhooks/${encodeURIComponent(existing.webhookID)}`, update) };
}
