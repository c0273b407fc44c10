/**
 * One place that turns an RPC call's failure into a typed error: GpunetErrors pass
 * through (e.g. RateLimited from the retrying fetch), anything else is `Transport`.
 */
import { GpunetError } from "./errors.ts";
import { recoverFetchError } from "./retrying-fetch.ts";

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

/** Maps an unknown RPC failure to a GpunetError (kept as is when it already is one). */
export function toTransportError(method: string, e: unknown): GpunetError {
  if (e instanceof GpunetError) return e;
  // web3.js wraps the fetch failure; the cause chain may still hold our RateLimited.
  let c: unknown = e;
  for (let i = 0; i < 5 && c && typeof c === "object"; i++) {
    if (c instanceof GpunetError) return c;
    c = (c as { cause?: unknown }).cause;
  }
  const msg = e instanceof Error ? e.message : String(e);
  const original = recoverFetchError(msg);
  if (original) return original;
  const status = /\b(4\d\d|5\d\d)\b/.exec(msg);
  if (status?.[1] === "429") return new GpunetError("RateLimited", `${method}: ${msg}`, { httpStatus: 429 }, { cause: e });
  return new GpunetError("Transport", `${method}: ${msg}`, status ? { httpStatus: Number(status[1]) } : {}, { cause: e });
}
