/**
 * Shared helpers for the localnet suites: raw JSON-RPC over HTTP (for the
 * envelope and error tests) and polling until a condition holds.
 */
import WebSocket from "ws";

export interface RawReply {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
}

/** POSTs `body` (string sent as-is, anything else JSON-encoded) to `url`. */
export async function postRaw(url: string, body: unknown): Promise<RawReply> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text === "" ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}

/** Calls one method and returns the whole reply object. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<Record<string, unknown>> {
  const r = await postRaw(url, { jsonrpc: "2.0", id: 1, method, params });
  return r.json as Record<string, unknown>;
}

/** Calls one method and returns `result`, failing on an error reply. */
export async function rpcResult<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const r = await rpc(url, method, params);
  if ("error" in r) throw new Error(`${method} failed: ${JSON.stringify(r.error)}`);
  return r.result as T;
}

/** Resolves once `check` returns a non-undefined value (polls every 10 ms, gives up after `ms`). */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves once the node has created a subscription after the count `before` (a client's subscribe arrived). */
export function subscribedSince(net: { readonly subscriptionsCreated: number }, before: number): Promise<true> {
  return waitFor(() => (net.subscriptionsCreated > before ? true : undefined));
}

/** Sleeps, used only to let a client's own idle timers run (never as an assertion). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A minimal PubSub client over a raw WebSocket, for exact wire checks. */
export interface RawWs {
  request(method: string, params?: unknown[]): Promise<Record<string, unknown>>;
  sendText(text: string): void;
  /** Messages that were not replies to a request (notifications). */
  readonly notifications: Record<string, unknown>[];
  /** Replies to requests sent with sendText, in arrival order. */
  readonly replies: Record<string, unknown>[];
  close(): Promise<void>;
  readonly socket: WebSocket;
}

/** Opens a raw PubSub connection. */
export async function openRawWs(url: string): Promise<RawWs> {
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const pending = new Map<number, (v: Record<string, unknown>) => void>();
  const notifications: Record<string, unknown>[] = [];
  const replies: Record<string, unknown>[] = [];
  let nextId = 1000;
  socket.on("message", (data) => {
    const msg = JSON.parse(data.toString()) as Record<string, unknown>;
    if (typeof msg.id === "number" && pending.has(msg.id)) {
      pending.get(msg.id)?.(msg);
      pending.delete(msg.id);
    } else if ("method" in msg) notifications.push(msg);
    else replies.push(msg);
  });
  return {
    socket,
    notifications,
    replies,
    request(method, params = []) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
      });
    },
    sendText(text) {
      socket.send(text);
    },
    close() {
      return new Promise((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once("close", () => resolve());
        socket.close();
      });
    },
  };
}
