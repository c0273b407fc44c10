/**
 * One place that turns an RPC call's failure into a typed error: GpunetErrors
 * pass through by identity (e.g. RateLimited from the retrying fetch, anywhere on
 * the cause chain), a JSON-RPC error keeps its numeric code, a network failure its
 * error code; anything else is `Transport` with an `unknown` failure. Nothing is
 * read from message text.
 */
import { GpunetError } from "./errors.ts";
import { networkFailureOf, type RetryFailure } from "./retry.ts";

/**
 * Runs an RPC call, mapping non-gpunet failures to `GpunetError('Transport')`.
 * @internal
 */
export async function callRpc<T>(method: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw toTransportError(method, e);
  }
}

/** The typed failure of an error some client raised: a JSON-RPC code, a network code, or unknown. */
function failureOf(e: unknown): RetryFailure {
  // web3.js's SolanaJSONRPCError (and most JSON-RPC clients) carry the numeric code.
  if (e !== null && typeof e === "object" && typeof (e as { code?: unknown }).code === "number") {
    return { kind: "json-rpc", code: (e as { code: number }).code };
  }
  const n = networkFailureOf(e);
  if (n.kind === "network" && n.code !== undefined) return n;
  return { kind: "unknown" };
}

/** Maps an unknown RPC failure to a GpunetError (kept as is when it already is one). */
export function toTransportError(method: string, e: unknown): GpunetError {
  let c: unknown = e;
  for (let i = 0; i < 5 && c !== null && typeof c === "object"; i++) {
    if (c instanceof GpunetError) return c;
    c = (c as { cause?: unknown }).cause;
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new GpunetError("Transport", `${method}: ${msg}`, { method, failure: failureOf(e) }, { cause: e });
}
