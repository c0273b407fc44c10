/**
 * The HTTP side of the JSON-RPC port on its own thread. A worker owns the
 * listening socket and does everything HTTP (parsing, the body size cap,
 * CORS, GET /health, writing replies) and hands each POST body to the node's
 * thread, which runs the methods and hands the reply text back. The node's
 * thread, where the VM runs, then spends nothing on sockets and HTTP
 * framing. WebSocket upgrades on the RPC port are piped to the node's
 * WebSocket port, so PubSub keeps working on both ports.
 *
 * Replies go out in the order the node produced them; the worker adds
 * nothing to what a method answers (a reply is sent once the node's thread
 * has finished the request, as before).
 */
import { Worker } from "node:worker_threads";

/** Requests above this size are refused (Agave caps request bodies too). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Plain CommonJS run by the worker (kept free of imports so it runs from sources and from dist alike). */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { createServer } = require("node:http");
const { connect } = require("node:net");
const MAX_BODY_BYTES = ${MAX_BODY_BYTES};
const CORS = [
  "access-control-allow-origin", "*",
  "access-control-allow-methods", "POST, GET, OPTIONS",
  "access-control-allow-headers", "content-type, solana-client",
];
const TEXT = "text/plain; charset=utf-8";
const JSON_TYPE = "application/json; charset=utf-8";
const NOT_ALLOWED = "Used HTTP Method is not allowed. POST or OPTIONS is required";
let wsPort = 0;
let nextId = 1;
const waiting = new Map();
function reply(res, status, body, type) {
  res.writeHead(status, [...CORS, "content-type", type, "content-length", String(Buffer.byteLength(body))]);
  res.end(body);
}
const server = createServer((req, res) => {
  if (req.method === "OPTIONS") { res.writeHead(204, CORS); res.end(); return; }
  if (req.method === "GET") {
    if (req.url === "/health") reply(res, 200, "ok", TEXT);
    else reply(res, 405, NOT_ALLOWED, TEXT);
    return;
  }
  if (req.method !== "POST") { reply(res, 405, NOT_ALLOWED, TEXT); return; }
  let first = null;
  let chunks = null;
  let size = 0;
  let tooLarge = false;
  req.on("data", (c) => {
    size += c.length;
    if (size > MAX_BODY_BYTES) { tooLarge = true; first = null; chunks = null; }
    else if (first === null) first = c;
    else (chunks ??= [first]).push(c);
  });
  req.on("error", () => res.destroy());
  req.on("end", () => {
    if (tooLarge) { reply(res, 413, "Payload Too Large", TEXT); return; }
    const body = chunks ? Buffer.concat(chunks).toString("utf8") : first ? first.toString("utf8") : "";
    const id = nextId++;
    waiting.set(id, res);
    parentPort.postMessage([id, body]);
  });
});
server.on("upgrade", (req, socket, head) => {
  // PubSub on the RPC port: the request is replayed to the node's WebSocket port and the two sockets joined.
  const up = connect(wsPort, "127.0.0.1");
  const fail = () => { socket.destroy(); up.destroy(); };
  up.on("error", fail);
  socket.on("error", fail);
  up.once("connect", () => {
    let text = req.method + " " + req.url + " HTTP/" + req.httpVersion + "\\r\\n";
    for (let i = 0; i < req.rawHeaders.length; i += 2) text += req.rawHeaders[i] + ": " + req.rawHeaders[i + 1] + "\\r\\n";
    up.write(text + "\\r\\n");
    if (head.length > 0) up.write(head);
    socket.pipe(up);
    up.pipe(socket);
  });
});
server.on("clientError", (_err, socket) => socket.destroy());
server.keepAliveTimeout = 5000;
parentPort.on("message", (m) => {
  if (Array.isArray(m)) {
    const res = waiting.get(m[0]);
    if (!res) return;
    waiting.delete(m[0]);
    reply(res, 200, m[1] ?? "", JSON_TYPE);
    return;
  }
  if (m.t === "listen") {
    const onError = (e) => { server.off("listening", onListening); parentPort.postMessage({ t: "listen-failed", message: e.message, code: e.code }); };
    const onListening = () => { server.off("error", onError); parentPort.postMessage({ t: "listening", port: server.address().port }); };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(m.port, m.host);
  } else if (m.t === "ws") {
    wsPort = m.port;
  } else if (m.t === "unlisten" || m.t === "close") {
    for (const res of waiting.values()) res.destroy();
    waiting.clear();
    const done = () => parentPort.postMessage({ t: m.t === "close" ? "closed" : "unlistened" });
    if (!server.listening) { done(); return; }
    server.close(done);
    server.closeAllConnections();
  }
});
`;

/** The RPC port's HTTP thread; see the module comment. */
export interface RpcWorker {
  /** Starts listening; resolves with the port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops listening (the thread stays, to listen again). */
  unlisten(): Promise<void>;
  /** Where WebSocket upgrades on the RPC port are sent. */
  setWsPort(port: number): void;
  /** Stops listening and ends the thread. */
  close(): Promise<void>;
}

/**
 * Starts the HTTP thread of the RPC port; `handle` turns a request body into
 * the reply text (null: an empty reply), on the calling thread.
 *
 * @example
 * ```ts
 * import { handlePayload } from './json-rpc.ts';
 * import { startRpcWorker } from './rpc-worker.ts';
 * const methods: Record<string, (params: unknown) => unknown> = { getSlot: () => 0n };
 * const rpc = startRpcWorker((body) => handlePayload(body, (m) => (Object.hasOwn(methods, m) ? methods[m] : undefined)));
 * const port = await rpc.listen(0, '127.0.0.1');
 * // POST http://127.0.0.1:<port>/ answers {"jsonrpc":"2.0","result":0,"id":1}
 * await rpc.close();
 * ```
 */
export function startRpcWorker(handle: (body: string) => string | null): RpcWorker {
  const worker = new Worker(WORKER_SOURCE, { eval: true });
  let pending: { expect: string; resolve: (m: { t: string; port?: number; message?: string; code?: string }) => void } | null = null;
  let exited = false;
  worker.on("message", (m: [number, string] | { t: string; port?: number; message?: string; code?: string }) => {
    if (Array.isArray(m)) {
      let out: string | null;
      try {
        out = handle(m[1]);
      } catch {
        out = '{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error"},"id":null}';
      }
      worker.postMessage([m[0], out]);
      return;
    }
    const p = pending;
    pending = null;
    p?.resolve(m);
  });
  worker.on("error", (e) => {
    console.error("gpunet localnet: RPC thread failed:", e);
  });
  worker.on("exit", () => {
    exited = true;
    const p = pending;
    pending = null;
    p?.resolve({ t: "exited" });
  });
  const ask = (msg: Record<string, unknown>): Promise<{ t: string; port?: number; message?: string; code?: string }> =>
    new Promise((resolve) => {
      if (exited) {
        resolve({ t: "exited" });
        return;
      }
      pending = { expect: String(msg.t), resolve };
      worker.postMessage(msg);
    });
  return {
    async listen(port, host) {
      const r = await ask({ t: "listen", port, host });
      if (r.t !== "listening" || r.port === undefined) {
        const e = new Error(r.message ?? `the RPC thread could not listen on ${host}:${port}`) as NodeJS.ErrnoException;
        if (r.code !== undefined) e.code = r.code;
        throw e;
      }
      return r.port;
    },
    async unlisten() {
      await ask({ t: "unlisten" });
    },
    setWsPort(port) {
      if (!exited) worker.postMessage({ t: "ws", port });
    },
    async close() {
      if (exited) return;
      await ask({ t: "close" });
      await worker.terminate();
    },
  };
}
