/**
 * Optional third datasource: Helius raw-transaction webhooks. Helius POSTs a
 * JSON array of transactions in `getTransaction` json shape; each becomes an
 * update at "confirmed". The reply is sent only after the batch committed, so
 * Helius' retry covers a crash in between (ingest is idempotent, X1).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RpcTransaction } from "../rpc.ts";
import type { TransactionUpdate } from "../types.ts";
import { rpcTransactionToUpdate } from "./backfill.ts";

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
