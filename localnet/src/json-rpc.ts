/**
 * JSON-RPC 2.0 envelope handling shared by the HTTP and WebSocket servers:
 * single and batch requests, notifications (no id, no reply) and the
 * standard error objects. A handler failure becomes an error reply; nothing
 * here throws.
 */
import { RPC_ERROR, RpcError } from "./errors.ts";
import { parseJson, stringifyJson } from "./json.ts";

/** A batch holding more requests than this is refused as a whole (-32600). */
export const MAX_BATCH_REQUESTS = 1000;

/** A JSON-RPC id as a client may send it. */
export type JsonRpcId = string | number | bigint | null;

/** A method handler: receives raw params, returns a result or throws RpcError. */
export type JsonRpcHandler = (params: unknown) => unknown;

/** A JSON-RPC response object. */
export type JsonRpcResponse =
  | { jsonrpc: "2.0"; result: unknown; id: JsonRpcId }
  | { jsonrpc: "2.0"; error: { code: number; message: string; data?: unknown }; id: JsonRpcId };

function errorReply(code: number, message: string, id: JsonRpcId, data?: unknown): JsonRpcResponse {
  return { jsonrpc: "2.0", error: data === undefined ? { code, message } : { code, message, data }, id };
}

function isId(v: unknown): v is JsonRpcId {
  return v === null || typeof v === "string" || typeof v === "bigint" || (typeof v === "number" && Number.isFinite(v));
}

/**
 * Handles one decoded request object; returns null for notifications.
 * `lookup` resolves a method name (per connection on WebSocket).
 */
export function handleRequest(req: unknown, lookup: (method: string) => JsonRpcHandler | undefined): JsonRpcResponse | null {
  if (req === null || typeof req !== "object" || Array.isArray(req)) return errorReply(RPC_ERROR.INVALID_REQUEST, "Invalid request", null);
  const o = req as Record<string, unknown>;
  const hasId = "id" in o;
  const id: JsonRpcId = hasId && isId(o.id) ? o.id : null;
  if (o.jsonrpc !== "2.0" || typeof o.method !== "string" || (hasId && !isId(o.id))) {
    return errorReply(RPC_ERROR.INVALID_REQUEST, "Invalid request", id);
  }
  const handler = lookup(o.method);
  if (!handler) return hasId ? errorReply(RPC_ERROR.METHOD_NOT_FOUND, "Method not found", id) : null;
  let reply: JsonRpcResponse;
  try {
    const result = handler(o.params);
    reply = { jsonrpc: "2.0", result: result === undefined ? null : result, id };
  } catch (e) {
    if (e instanceof RpcError) {
      const j = e.toJson();
      reply = errorReply(j.code, j.message, id, j.data);
    } else {
      reply = errorReply(RPC_ERROR.INTERNAL_ERROR, "Internal error", id, e instanceof Error ? e.message : String(e));
    }
  }
  return hasId ? reply : null;
}

/**
 * Handles a request body (single or batch). Returns the serialized reply,
 * or null when there is nothing to send (only notifications).
 *
 * @example
 * ```ts
 * import { handlePayload } from './json-rpc.ts';
 * const methods: Record<string, (params: unknown) => unknown> = { getSlot: () => 0n };
 * handlePayload('{"jsonrpc":"2.0","id":1,"method":"getSlot"}', (m) => (Object.hasOwn(methods, m) ? methods[m] : undefined));
 * // '{"jsonrpc":"2.0","result":0,"id":1}'
 * ```
 */
export function handlePayload(text: string, lookup: (method: string) => JsonRpcHandler | undefined): string | null {
  let body: unknown;
  try {
    body = parseJson(text);
  } catch {
    return stringifyJson(errorReply(RPC_ERROR.PARSE_ERROR, "Parse error", null));
  }
  if (Array.isArray(body)) {
    if (body.length === 0) return stringifyJson(errorReply(RPC_ERROR.INVALID_REQUEST, "Invalid request", null));
    if (body.length > MAX_BATCH_REQUESTS) {
      return stringifyJson(
        errorReply(RPC_ERROR.INVALID_REQUEST, `Invalid request: a batch holds at most ${MAX_BATCH_REQUESTS} requests, this one has ${body.length}`, null),
      );
    }
    const replies = body.map((r) => handleRequest(r, lookup)).filter((r): r is JsonRpcResponse => r !== null);
    return replies.length === 0 ? null : stringifyJson(replies);
  }
  const reply = handleRequest(body, lookup);
  return reply === null ? null : stringifyJson(reply);
}
