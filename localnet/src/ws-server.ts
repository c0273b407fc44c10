/**
 * The WebSocket PubSub server (Solana's subscription JSON-RPC):
 * account, program, logs, signature, slot and root subscriptions with their
 * unsubscribe methods, honouring the requested commitment. Notifications
 * have the cluster's shape: `{ jsonrpc, method: '<kind>Notification',
 * params: { result, subscription } }` with `result = { context: { slot }, value }`
 * (slot/root notifications carry the bare value).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, WebSocket } from "ws";
import {
  accountJson,
  CLOSED_ACCOUNT,
  matchesFilters,
  parseAccountEncoding,
  parseDataSlice,
  parseFilters,
  type AccountEncoding,
  type AccountFilter,
  type DataSlice,
} from "./account-encoding.ts";
import type { AccountState } from "./account-changes.ts";
import type { Commitment } from "./clock.ts";
import { invalidParams } from "./errors.ts";
import type { TransactionRecord } from "./history.ts";
import { handlePayload, type JsonRpcHandler } from "./json-rpc.ts";
import { stringifyJson } from "./json.ts";
import type { LocalnetNode } from "./node.ts";
import { readMintDecimals } from "./token-accounts.ts";
import { commitmentParam, configAt, paramsArray, pubkeyParam, signatureParam } from "./params.ts";

/**
 * A connection is dropped when a message is due while more than this is
 * still unsent to it (a client that stopped reading). Above one maximal
 * account notification (10 MiB of data is about 14 MB in base64), so a
 * reading client is never dropped for a single large account.
 */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

type Sub =
  | { kind: "account"; id: number; conn: Conn; commitment: Commitment; address: string; encoding: AccountEncoding; slice: DataSlice | undefined }
  | {
      kind: "program";
      id: number;
      conn: Conn;
      commitment: Commitment;
      program: string;
      encoding: AccountEncoding;
      slice: DataSlice | undefined;
      filters: AccountFilter[];
    }
  | { kind: "logs"; id: number; conn: Conn; commitment: Commitment; mentions: string | null }
  | { kind: "signature"; id: number; conn: Conn; commitment: Commitment; signature: string; received: boolean }
  | { kind: "slot"; id: number; conn: Conn }
  | { kind: "root"; id: number; conn: Conn };

interface Conn {
  readonly ws: WebSocket;
  readonly subs: Map<number, Sub>;
}

const NOTIFICATION: Record<Sub["kind"], string> = {
  account: "accountNotification",
  program: "programNotification",
  logs: "logsNotification",
  signature: "signatureNotification",
  slot: "slotNotification",
  root: "rootNotification",
};

/** The running PubSub server. */
export interface WsServer {
  /** Hands an HTTP upgrade request (from any port) to the PubSub server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Number of live subscriptions, for tests and diagnostics. */
  readonly subscriptionCount: number;
  /** Subscriptions ever created (monotonic), so a test can wait for its own to exist. */
  readonly subscriptionsCreated: number;
  close(): Promise<void>;
}

/**
 * Creates the PubSub server on top of the node's events.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createNode } from './node.ts';
 * import { createWsServer } from './ws-server.ts';
 * const node = createNode({ slotMs: 400, finalizedDepth: 32n });
 * const ws = createWsServer(node);
 * const httpServer = createServer();
 * httpServer.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
 * httpServer.listen(8900, '127.0.0.1');
 * ```
 */
export function createWsServer(node: LocalnetNode): WsServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const all = new Map<number, Sub>();
  let nextId = 1;

  function send(conn: Conn, payload: unknown): void {
    if (conn.ws.readyState !== WebSocket.OPEN) return;
    if (conn.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      // A client that does not read its notifications is disconnected rather than buffered without bound.
      conn.ws.terminate();
      return;
    }
    conn.ws.send(stringifyJson(payload));
  }

  function notify(sub: Sub, result: unknown): void {
    send(sub.conn, { jsonrpc: "2.0", method: NOTIFICATION[sub.kind], params: { result, subscription: sub.id } });
  }

  function remove(id: number): boolean {
    const sub = all.get(id);
    if (!sub) return false;
    all.delete(id);
    sub.conn.subs.delete(id);
    return true;
  }

  function accountValue(st: AccountState | null, encoding: AccountEncoding, slice: DataSlice | undefined): Record<string, unknown> {
    const s = st ?? CLOSED_ACCOUNT;
    try {
      return accountJson(s, encoding, slice, (mint) => readMintDecimals(node.accountState(mint)));
    } catch {
      // base58 refuses data over 128 bytes; a notification cannot fail, so fall back to base64.
      return accountJson(s, "base64", slice);
    }
  }

  function logsMatch(sub: Extract<Sub, { kind: "logs" }>, r: TransactionRecord): boolean {
    return sub.mentions === null || r.accountKeys.includes(sub.mentions);
  }

  function sendLogs(sub: Extract<Sub, { kind: "logs" }>, r: TransactionRecord): void {
    notify(sub, { context: { slot: r.slot }, value: { signature: r.signature, err: r.meta.err, logs: r.meta.logMessages } });
  }

  function sendSignature(sub: Extract<Sub, { kind: "signature" }>, r: TransactionRecord): void {
    notify(sub, { context: { slot: r.slot }, value: { err: r.meta.err } });
    // A signature subscription ends after its notification, as on a cluster.
    remove(sub.id);
  }

  function sendProgramAccount(sub: Extract<Sub, { kind: "program" }>, pubkey: string, st: AccountState | null, slot: bigint): void {
    if (!st || st.owner !== sub.program || !matchesFilters(st, sub.filters)) return;
    notify(sub, { context: { slot }, value: { pubkey, account: accountValue(st, sub.encoding, sub.slice) } });
  }

  function onProcessedAccounts(slot: bigint, changed: readonly string[]): void {
    if (changed.length === 0) return;
    const set = new Set(changed);
    for (const sub of [...all.values()]) {
      if (sub.kind === "account" && sub.commitment === "processed" && set.has(sub.address)) {
        notify(sub, { context: { slot }, value: accountValue(node.accountState(sub.address), sub.encoding, sub.slice) });
      } else if (sub.kind === "program" && sub.commitment === "processed") {
        for (const k of changed) sendProgramAccount(sub, k, node.accountState(k), slot);
      }
    }
  }

  const unlisten = [
    node.on("transaction", (r, changed) => {
      // Nothing to do (and nothing to allocate) per transaction while nobody subscribes.
      if (all.size === 0) return;
      for (const sub of [...all.values()]) {
        if (sub.kind === "signature" && sub.signature === r.signature) {
          if (sub.received) {
            notify(sub, { context: { slot: r.slot }, value: "receivedSignature" });
            sub.received = false;
          }
          if (sub.commitment === "processed") sendSignature(sub, r);
        } else if (sub.kind === "logs" && sub.commitment === "processed" && logsMatch(sub, r)) {
          sendLogs(sub, r);
        }
      }
      onProcessedAccounts(r.slot, changed);
    }),
    node.on("accounts", (slot, changed) => onProcessedAccounts(slot, changed)),
    node.on("slot", (info) => {
      for (const sub of [...all.values()]) {
        if (sub.kind === "slot") notify(sub, { parent: info.parent, root: info.root, slot: info.slot });
      }
    }),
    node.on("commitment", (level, from, to) => {
      const subs = [...all.values()].filter((s) => "commitment" in s && s.commitment === level);
      if (subs.length === 0) {
        if (level === "finalized") for (const s of all.values()) if (s.kind === "root") notify(s, to);
        return;
      }
      const txs = node.history.inSlotRange(from, to);
      const changed = node.changes.changedIn(from, to);
      for (const sub of subs) {
        if (sub.kind === "logs") {
          for (const r of txs) if (logsMatch(sub, r)) sendLogs(sub, r);
        } else if (sub.kind === "signature") {
          const r = node.history.get(sub.signature);
          if (r && r.slot > from && r.slot <= to) sendSignature(sub, r);
        } else if (sub.kind === "account") {
          if (changed.includes(sub.address)) {
            notify(sub, { context: { slot: to }, value: accountValue(node.accountAt(sub.address, level), sub.encoding, sub.slice) });
          }
        } else if (sub.kind === "program") {
          for (const k of changed) sendProgramAccount(sub, k, node.accountAt(k, level), to);
        }
      }
      if (level === "finalized") for (const s of all.values()) if (s.kind === "root") notify(s, to);
    }),
  ];

  function methodsFor(conn: Conn): (method: string) => JsonRpcHandler | undefined {
    const add = (sub: Sub): number => {
      all.set(sub.id, sub);
      conn.subs.set(sub.id, sub);
      return sub.id;
    };
    const unsubscribe =
      (kind: Sub["kind"]): JsonRpcHandler =>
      (p) => {
        const params = paramsArray(p);
        const id = params[0];
        const sub = typeof id === "number" ? conn.subs.get(id) : undefined;
        if (!sub || sub.kind !== kind) throw invalidParams("Invalid subscription id.");
        return remove(sub.id);
      };
    const table: Record<string, JsonRpcHandler> = {
      accountSubscribe: (p) => {
        const params = paramsArray(p);
        const address = pubkeyParam(params[0]);
        const config = configAt(params, 1);
        return add({
          kind: "account",
          id: nextId++,
          conn,
          address,
          commitment: commitmentParam(config.commitment),
          encoding: parseAccountEncoding(config.encoding, "binary"),
          slice: parseDataSlice(config.dataSlice),
        });
      },
      programSubscribe: (p) => {
        const params = paramsArray(p);
        const program = pubkeyParam(params[0]);
        const config = configAt(params, 1);
        return add({
          kind: "program",
          id: nextId++,
          conn,
          program,
          commitment: commitmentParam(config.commitment),
          encoding: parseAccountEncoding(config.encoding, "binary"),
          slice: parseDataSlice(config.dataSlice),
          filters: parseFilters(config.filters),
        });
      },
      logsSubscribe: (p) => {
        const params = paramsArray(p);
        const f = params[0];
        let mentions: string | null = null;
        if (f === "all" || f === "allWithVotes") mentions = null;
        else if (f !== null && typeof f === "object" && Array.isArray((f as Record<string, unknown>).mentions)) {
          const list = (f as { mentions: unknown[] }).mentions;
          if (list.length !== 1) throw invalidParams("Invalid Request: Only 1 address supported");
          mentions = pubkeyParam(list[0]);
        } else throw invalidParams('Invalid params: filter must be "all", "allWithVotes" or { mentions: [pubkey] }');
        const config = configAt(params, 1);
        return add({ kind: "logs", id: nextId++, conn, mentions, commitment: commitmentParam(config.commitment) });
      },
      signatureSubscribe: (p) => {
        const params = paramsArray(p);
        const signature = signatureParam(params[0]);
        const config = configAt(params, 1);
        const commitment = commitmentParam(config.commitment);
        const sub: Extract<Sub, { kind: "signature" }> = {
          kind: "signature",
          id: nextId++,
          conn,
          signature,
          commitment,
          received: config.enableReceivedNotification === true,
        };
        add(sub);
        const landed = node.history.get(signature);
        if (landed && landed.slot <= node.clock.commitmentSlot(commitment)) {
          // Already at the requested commitment: notify right after the subscribe reply.
          setImmediate(() => {
            if (all.has(sub.id)) sendSignature(sub, landed);
          });
        }
        return sub.id;
      },
      slotSubscribe: () => add({ kind: "slot", id: nextId++, conn }),
      rootSubscribe: () => add({ kind: "root", id: nextId++, conn }),
      accountUnsubscribe: unsubscribe("account"),
      programUnsubscribe: unsubscribe("program"),
      logsUnsubscribe: unsubscribe("logs"),
      signatureUnsubscribe: unsubscribe("signature"),
      slotUnsubscribe: unsubscribe("slot"),
      rootUnsubscribe: unsubscribe("root"),
    };
    return (m) => (Object.hasOwn(table, m) ? table[m] : undefined);
  }

  wss.on("connection", (ws) => {
    const conn: Conn = { ws, subs: new Map() };
    const lookup = methodsFor(conn);
    ws.on("message", (data) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data as ArrayBuffer).toString("utf8");
      const out = handlePayload(text, lookup);
      if (out === null || ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) ws.terminate();
      else ws.send(out);
    });
    ws.on("close", () => {
      for (const id of [...conn.subs.keys()]) remove(id);
    });
    ws.on("error", () => {
      // Socket errors end the connection; 'close' cleans up its subscriptions.
    });
  });

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    },
    get subscriptionCount() {
      return all.size;
    },
    get subscriptionsCreated() {
      return nextId - 1;
    },
    async close() {
      for (const u of unlisten) u();
      all.clear();
      // A normal closure (1000) tells clients such as web3.js not to reconnect.
      const closing = [...wss.clients].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.readyState === WebSocket.CLOSED) return resolve();
            const t = setTimeout(() => {
              c.terminate();
              resolve();
            }, 250);
            c.once("close", () => {
              clearTimeout(t);
              resolve();
            });
            // 1001 "going away": clients (web3.js among them) reconnect and re-subscribe; after 1000 they would treat the close as intended and go silent.
            c.close(1001, "localnet closed");
          }),
      );
      await Promise.all(closing);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
