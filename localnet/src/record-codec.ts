/**
 * The tagged JSON text of ledger lines and history records: bigints as
 * `{"$n":"..."}` and bytes as `{"$b":"<base64>"}`, so records round-trip
 * exactly through the write-ahead log, history.jsonl and the in-memory
 * history (which keeps each record as this text, encoded, off the JS heap).
 */
import type { TransactionRecord } from "./history.ts";

/** Tagged JSON for bigint and bytes, so records round-trip exactly. */
export function replacer(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return { $n: v.toString() };
  if (v instanceof Uint8Array) return { $b: Buffer.from(v).toString("base64") };
  return v;
}
/**
 * The same text as `JSON.stringify(v, replacer)`, written directly (about
 * twice as fast: no callback per value), for the per-transaction log lines.
 */
export function tagged(v: unknown): string {
  switch (typeof v) {
    case "bigint":
      return `{"$n":"${v.toString()}"}`;
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? String(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "object": {
      if (v === null) return "null";
      if (v instanceof Uint8Array) return `{"$b":"${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64")}"}`;
      if (Array.isArray(v)) {
        let out = "[";
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out += ",";
          out += v[i] === undefined ? "null" : tagged(v[i]);
        }
        return `${out}]`;
      }
      let out = "{";
      let first = true;
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
        if (!first) out += ",";
        first = false;
        out += `${JSON.stringify(k)}:${tagged(x)}`;
      }
      return `${out}}`;
    }
    default:
      return "null";
  }
}

const big = (v: bigint): string => `{"$n":"${v.toString()}"}`;
function bigs(vs: readonly bigint[]): string {
  let out = "[";
  for (let i = 0; i < vs.length; i++) out += i > 0 ? `,${big(vs[i] as bigint)}` : big(vs[i] as bigint);
  return `${out}]`;
}

/**
 * The same text as `tagged(r)` for a transaction record, written field by
 * field (the per-transaction log line is the node's most frequent write).
 * The field list must match {@link TransactionRecord}; a test compares the two.
 */
export function recordJson(r: TransactionRecord): string {
  const m = r.meta;
  const w = r.wire;
  return (
    `{"signature":${JSON.stringify(r.signature)},"slot":${big(r.slot)},"blockTime":${big(r.blockTime)},"indexInSlot":${tagged(r.indexInSlot)}` +
    `,"blockhash":${JSON.stringify(r.blockhash)},"previousBlockhash":${JSON.stringify(r.previousBlockhash)}` +
    `,"wire":{"$b":"${Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString("base64")}"},"version":${tagged(r.version)}` +
    `,"accountKeys":${JSON.stringify(r.accountKeys)},"writable":${JSON.stringify(r.writable)},"unitPrice":${big(r.unitPrice)}` +
    `,"meta":{"err":${tagged(m.err)},"fee":${big(m.fee)},"preBalances":${bigs(m.preBalances)},"postBalances":${bigs(m.postBalances)}` +
    `,"logMessages":${JSON.stringify(m.logMessages)},"computeUnitsConsumed":${big(m.computeUnitsConsumed)}` +
    `,"innerInstructions":${tagged(m.innerInstructions)},"preTokenBalances":${tagged(m.preTokenBalances)},"postTokenBalances":${tagged(m.postTokenBalances)}` +
    `,"returnData":${tagged(m.returnData)},"loadedAddresses":${JSON.stringify(m.loadedAddresses)}}}`
  );
}

export function reviver(_k: string, v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$n === "string" && Object.keys(o).length === 1) return BigInt(o.$n);
    if (typeof o.$b === "string" && Object.keys(o).length === 1) return new Uint8Array(Buffer.from(o.$b, "base64"));
    // Buffers are turned into {type,data} by their toJSON before the replacer sees them.
    if (o.type === "Buffer" && Array.isArray(o.data) && Object.keys(o).length === 2) return new Uint8Array(o.data as number[]);
  }
  return v;
}
