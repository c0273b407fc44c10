/**
 * Helius Sender on the RPC port: `POST /fast` takes `sendTransaction` only, with
 * `skipPreflight: true`, and lands the transaction as `sendTransaction` does once
 * it carries what Sender requires: a System transfer of at least the minimum tip
 * to one of Sender's tip accounts, and a ComputeBudget `SetComputeUnitPrice`.
 * `?swqos_only=true` lowers the minimum tip as Sender's SWQOS-only mode does.
 * `GET /ping` answers as Sender's keep-alive route. Anything else is a JSON-RPC
 * error with a message naming what is missing; a refused transaction changes nothing.
 */
import { RPC_ERROR, RpcError } from "./errors.ts";
import { parseJson, stringifyJson } from "./json.ts";
import type { JsonRpcHandler } from "./json-rpc.ts";
import { paramsArray, configAt, decodeBinaryParam } from "./params.ts";
import { COMPUTE_BUDGET_PROGRAM, isStaticWritable, parseWireTransaction, readComputeBudget, type WireTransaction } from "./transaction-wire.ts";

/** Sender's submission route. */
export const SENDER_FAST_PATH = "/fast";
/** Sender's keep-alive route. */
export const SENDER_PING_PATH = "/ping";

/**
 * Helius Sender's tip accounts, as Helius publishes them (the same list as
 * helius-sdk's `SENDER_TIP_ACCOUNTS`; the localnet does not depend on helius-sdk).
 */
export const SENDER_TIP_ACCOUNTS: readonly string[] = Object.freeze([
  "4ACfpUFoaSD9bfPdeu6DBt89gB6ENTeHBXCAi87NhDEE",
  "D2L6yPZ2FmmmTKPgzaMKdhu6EWZcTpLy1Vhx8uvZe7NZ",
  "9bnz4RShgq1hAnLnZbP8kbgBg1kEmcJBYQq3gQbmnSta",
  "5VY91ws6B2hMmBFRsXkoAAdsPHBJwRfBht4DXox3xkwn",
  "2nyhqdwKcJZR2vcqCyrYsaPVdAnFoJjiksCXJ7hfEYgD",
  "2q5pghRs6arqVjRvT5gfgWfWcHWmw1ZuCzphgd5KfWGJ",
  "wyvPkWjVZz1M8fHQnMMCDTQDbkManefNNhweYk5WkcF",
  "3KCKozbAaF75qEU33jtzozcJ29yJuaLJTy2jFdzUY8bT",
  "4vieeGHPYPG2MmyPRcYjdiDmmhN3ww7hsFNap8pVN3Ey",
  "4TQLFNWK8AovT1gFvda5jfw2oJeRMKEmw7aH6MGBJ3or",
]);
/** Sender's minimum tip in lamports (0.001 SOL; helius-sdk's `MIN_TIP_LAMPORTS_MAX`). */
export const SENDER_MIN_TIP_LAMPORTS = 1_000_000n;
/** The minimum tip with `?swqos_only=true` (0.000005 SOL; helius-sdk's `MIN_TIP_LAMPORTS_SWQOS`). */
export const SENDER_MIN_TIP_LAMPORTS_SWQOS = 5_000n;

const SYSTEM_PROGRAM = "11111111111111111111111111111111";
const TIP_SET = new Set(SENDER_TIP_ACCOUNTS);

/** An HTTP answer of a Sender route. */
export interface SenderReply {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

function pathOf(url: string | undefined): { path: string; query: URLSearchParams } {
  const u = new URL(url ?? "/", "http://localhost");
  return { path: u.pathname, query: u.searchParams };
}

/**
 * Whether a request is for a Sender route (`POST /fast`, `GET /ping`, any query).
 *
 * @example
 * ```ts
 * isSenderRoute("POST", "/fast?swqos_only=true"); // true
 * isSenderRoute("POST", "/"); // false: the regular JSON-RPC
 * ```
 */
export function isSenderRoute(method: string | undefined, url: string | undefined): boolean {
  const { path } = pathOf(url);
  return (method === "POST" && path === SENDER_FAST_PATH) || (method === "GET" && path === SENDER_PING_PATH);
}

/** Lamports of a System `Transfer` (tag 2, u64) to a tip account, or null when the instruction is not one. */
function tipOf(tx: WireTransaction, ix: WireTransaction["instructions"][number]): bigint | null {
  if (tx.staticKeys[ix.programIdIndex] !== SYSTEM_PROGRAM) return null;
  const d = ix.data;
  if (d.length !== 12 || ix.accounts.length < 2) return null;
  const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
  if (view.getUint32(0, true) !== 2) return null;
  const to = ix.accounts[1] as number;
  // Only a static key names an address here; a tip account loaded from a lookup table is not seen.
  const dest = tx.staticKeys[to];
  if (dest === undefined || !TIP_SET.has(dest) || !isStaticWritable(tx.header, tx.staticKeys.length, to)) return null;
  return view.getBigUint64(4, true);
}

/** Checks a decoded transaction against Sender's rules; throws an invalid-params RpcError naming the first one it breaks. */
export function checkSenderTransaction(tx: WireTransaction, minTipLamports: bigint): void {
  const hasPrice = tx.instructions.some((ix) => tx.staticKeys[ix.programIdIndex] === COMPUTE_BUDGET_PROGRAM && ix.data[0] === 3);
  if (!hasPrice || readComputeBudget(tx).unitPrice === 0n) {
    throw new RpcError(RPC_ERROR.INVALID_PARAMS, "Sender: the transaction has no compute-unit price (add a ComputeBudget SetComputeUnitPrice above 0)");
  }
  let best: bigint | null = null;
  for (const ix of tx.instructions) {
    const t = tipOf(tx, ix);
    if (t !== null && (best === null || t > best)) best = t;
  }
  if (best === null) {
    throw new RpcError(
      RPC_ERROR.INVALID_PARAMS,
      `Sender: the transaction has no tip (a System transfer of at least ${minTipLamports} lamports to a Sender tip account)`,
    );
  }
  if (best < minTipLamports) {
    throw new RpcError(RPC_ERROR.INVALID_PARAMS, `Sender: the tip is ${best} lamports; the minimum is ${minTipLamports}`);
  }
}

function errorBody(code: number, message: string, id: unknown): string {
  return stringifyJson({ jsonrpc: "2.0", error: { code, message }, id: id ?? null });
}

/**
 * Answers a Sender route. `lookup` is the node's method table: an accepted
 * transaction goes to its `sendTransaction`.
 *
 * @example
 * ```ts
 * const methods: Record<string, (p: unknown) => unknown> = { sendTransaction: () => "sig" };
 * const r = handleSenderRequest("GET", "/ping", "", (m) => methods[m]);
 * r.body; // "pong"
 * ```
 */
export function handleSenderRequest(
  method: string | undefined,
  url: string | undefined,
  text: string,
  lookup: (method: string) => JsonRpcHandler | undefined,
): SenderReply {
  const { path, query } = pathOf(url);
  const json = (body: string): SenderReply => ({ status: 200, body, contentType: "application/json; charset=utf-8" });
  if (method === "GET" && path === SENDER_PING_PATH) return { status: 200, body: "pong", contentType: "text/plain; charset=utf-8" };
  let req: unknown;
  try {
    req = parseJson(text);
  } catch {
    return json(errorBody(RPC_ERROR.PARSE_ERROR, "Parse error", null));
  }
  if (req === null || typeof req !== "object" || Array.isArray(req)) {
    return json(errorBody(RPC_ERROR.INVALID_REQUEST, "Sender takes one JSON-RPC request (no batches)", null));
  }
  const o = req as Record<string, unknown>;
  const id = o.id ?? null;
  if (o.jsonrpc !== "2.0" || typeof o.method !== "string") return json(errorBody(RPC_ERROR.INVALID_REQUEST, "Invalid request", id));
  if (o.method !== "sendTransaction") {
    return json(errorBody(RPC_ERROR.METHOD_NOT_FOUND, `Sender accepts only sendTransaction, not ${o.method}`, id));
  }
  const send = lookup("sendTransaction");
  if (!send) return json(errorBody(RPC_ERROR.INTERNAL_ERROR, "sendTransaction is not available", id));
  try {
    const params = paramsArray(o.params);
    const config = configAt(params, 1);
    if (config.skipPreflight !== true) throw new RpcError(RPC_ERROR.INVALID_PARAMS, "Sender: skipPreflight must be true");
    const tx = parseWireTransaction(decodeBinaryParam(params[0], config.encoding, "transaction"));
    checkSenderTransaction(tx, query.get("swqos_only") === "true" ? SENDER_MIN_TIP_LAMPORTS_SWQOS : SENDER_MIN_TIP_LAMPORTS);
    return json(stringifyJson({ jsonrpc: "2.0", result: send(o.params), id }));
  } catch (e) {
    if (e instanceof RpcError) {
      const j = e.toJson();
      return json(stringifyJson({ jsonrpc: "2.0", error: j, id }));
    }
    return json(errorBody(RPC_ERROR.INTERNAL_ERROR, e instanceof Error ? e.message : String(e), id));
  }
}
