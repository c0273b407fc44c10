/**
 * The HTTP JSON-RPC server (POST any path; GET /health answers "ok" as
 * Agave does; POST /fast and GET /ping are Helius Sender's, see sender.ts). CORS is open so browser demos can call it; it listens on
 * 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { handlePayload, type JsonRpcHandler } from "./json-rpc.ts";
import { handleSenderRequest, isSenderRoute } from "./sender.ts";

/** Requests above this size are refused (Agave caps request bodies too). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Options of {@link createRpcServer}. */
export interface RpcServerOptions {
  readonly lookup: (method: string) => JsonRpcHandler | undefined;
  /** WebSocket upgrades on the RPC port are handed to this. */
  readonly onUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, GET, OPTIONS",
  "access-control-allow-headers": "content-type, solana-client",
};

/** The CORS headers as a flat [name, value, ...] list, the cheapest form writeHead takes. */
const CORS_LIST = Object.entries(CORS).flat();

function reply(res: ServerResponse, status: number, body: string, type = "application/json; charset=utf-8"): void {
  res.writeHead(status, [...CORS_LIST, "content-type", type, "content-length", String(Buffer.byteLength(body))]);
  res.end(body);
}

/**
 * JSON-RPC replies wait until every request read in the same turn of the
 * event loop is handled, then go out back to back: a client with many
 * requests in flight is woken once for the lot instead of once per reply,
 * and the node is not preempted by that client after each write (measured:
 * about a third less CPU per request on both sides). The wait is the time
 * the node spends on those requests; replies on one connection keep their
 * order (node:http queues a response behind the earlier ones).
 */
const later: [ServerResponse, string][] = [];
function flushReplies(): void {
  const batch = later.splice(0);
  for (const [res, body] of batch) {
    if (res.destroyed) continue;
    try {
      reply(res, 200, body);
    } catch {
      // One broken connection must not hold back the others' replies.
      res.destroy();
    }
  }
}
function replyLater(res: ServerResponse, body: string): void {
  if (later.length === 0) setImmediate(flushReplies);
  later.push([res, body]);
}

/**
 * Creates (but does not start) the HTTP server.
 *
 * @example
 * ```ts
 * import { createMethods } from './methods.ts';
 * import { createNode } from './node.ts';
 * import { createRpcServer } from './rpc-server.ts';
 * const node = createNode({ slotMs: 400, finalizedDepth: 32n });
 * const methods = createMethods({ node, rpcAddress: () => '127.0.0.1:8899', identity: node.faucet.address });
 * // Own properties only: `methods[m]` alone would also find 'constructor' or 'toString'.
 * const server = createRpcServer({ lookup: (m) => (Object.hasOwn(methods, m) ? methods[m] : undefined) });
 * server.listen(8899, '127.0.0.1');
 * ```
 */
export function createRpcServer(opts: RpcServerOptions): Server {
  const server = createServer((req, res) => {
    if (req.method === "OPTIONS") {
      res.writeHead(204, CORS);
      res.end();
      return;
    }
    if (req.method === "GET") {
      if (isSenderRoute(req.method, req.url)) reply(res, 200, handleSenderRequest(req.method, req.url, "", opts.lookup).body, "text/plain; charset=utf-8");
      else if (req.url === "/health") reply(res, 200, "ok", "text/plain; charset=utf-8");
      else reply(res, 405, "Used HTTP Method is not allowed. POST or OPTIONS is required", "text/plain; charset=utf-8");
      return;
    }
    if (req.method !== "POST") {
      reply(res, 405, "Used HTTP Method is not allowed. POST or OPTIONS is required", "text/plain; charset=utf-8");
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on("error", () => res.destroy());
    req.on("end", () => {
      if (tooLarge) {
        reply(res, 413, "Payload Too Large", "text/plain; charset=utf-8");
        return;
      }
      let out: string | null;
      try {
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        const text = body.toString("utf8");
        // Helius Sender's route (POST /fast): sendTransaction only, with Sender's checks.
        out = isSenderRoute(req.method, req.url) ? handleSenderRequest(req.method, req.url, text, opts.lookup).body : handlePayload(text, opts.lookup);
      } catch {
        out = '{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":null}';
      }
      replyLater(res, out ?? "");
    });
  });
  if (opts.onUpgrade) server.on("upgrade", opts.onUpgrade);
  server.on("clientError", (_err, socket) => {
    socket.destroy();
  });
  return server;
}
