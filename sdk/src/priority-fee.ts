/**
 * Priority fee strategies: a fixed price, a percentile of the cluster's recent
 * prioritization fees for the accounts the transaction writes, or Helius'
 * `getPriorityFeeEstimate` through helius-sdk's method (its Kit-free subpath, so
 * neither Kit nor anything Node-only enters the bundle), called over the SDK's
 * JSON-RPC caller and retry policy. helius-sdk is an optional peer dependency,
 * loaded only when that strategy runs: apps that do not use Helius do not install it.
 */

type HeliusFeeModule = typeof import("helius-sdk/rpc/methods/getPriorityFeeEstimate");
let heliusFee: Promise<HeliusFeeModule> | null = null;
/**
 * Named through a variable, so bundlers leave the import to run time: an app
 * bundled without helius-sdk builds, and its other strategies work.
 */
const HELIUS_FEE_MODULE: string = "helius-sdk/rpc/methods/getPriorityFeeEstimate";

/** helius-sdk's fee method, imported on first use; a typed error when the package is not installed. */
async function loadHeliusFee(): Promise<HeliusFeeModule> {
  heliusFee ??= import(HELIUS_FEE_MODULE) as Promise<HeliusFeeModule>;
  try {
    return await heliusFee;
  } catch (e) {
    heliusFee = null;
    throw new GpunetError("InvalidInput", "the helius priority-fee strategy needs the helius-sdk package: npm install helius-sdk", {
      field: "priorityFee.kind",
      value: `helius (${e instanceof Error ? e.message : String(e)})`,
    });
  }
}
import type { Connection, PublicKey } from "@solana/web3.js";
import { GpunetError } from "./errors.ts";
import { toU64, type IntegerInput } from "./inputs.ts";
import { createJsonRpcCall } from "./json-rpc.ts";
import type { RetryPolicy } from "./retry.ts";
import { callRpc } from "./rpc.ts";
import type { FetchLike } from "./retrying-fetch.ts";

/** How to price compute units (micro-lamports per CU). */
export type PriorityFeeStrategy =
  | { readonly kind: "none" }
  | { readonly kind: "fixed"; readonly microLamports: IntegerInput }
  | {
      readonly kind: "percentile";
      /** 0..100, e.g. 75. */
      readonly percentile: number;
      readonly minMicroLamports?: IntegerInput;
      readonly maxMicroLamports?: IntegerInput;
    }
  | {
      readonly kind: "helius";
      /** A Helius RPC URL (with its api-key). */
      readonly url: string;
      readonly priorityLevel?: "Min" | "Low" | "Medium" | "High" | "VeryHigh" | "UnsafeMax";
      readonly maxMicroLamports?: IntegerInput;
      /** One HTTP request per attempt (default global fetch); the retry policy below wraps it. */
      readonly fetch?: FetchLike;
      /** Retry policy of the estimate call (defaults: the SDK's). */
      readonly retry?: Partial<RetryPolicy>;
    };

/** The connection method the percentile strategy uses. */
export type PriorityFeeConnection = Pick<Connection, "getRecentPrioritizationFees">;

/**
 * Nearest-rank percentile of a list of fees (0 for an empty list).
 * @example
 * ```ts
 * percentileOf([1n, 2n, 3n, 4n], 50); // 2n
 * ```
 */
export function percentileOf(values: readonly bigint[], p: number): bigint {
  if (values.length === 0) return 0n;
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as bigint;
}

function clamp(v: bigint, min: IntegerInput | undefined, max: IntegerInput | undefined): bigint {
  let r = v;
  if (min !== undefined && r < toU64(min, "minMicroLamports")) r = toU64(min, "minMicroLamports");
  if (max !== undefined && r > toU64(max, "maxMicroLamports")) r = toU64(max, "maxMicroLamports");
  return r;
}

/**
 * Resolves a strategy to a price in micro-lamports per compute unit.
 * @example
 * ```ts
 * const writable = ix.keys.filter((k) => k.isWritable).map((k) => k.pubkey);
 * const microLamports = await resolvePriorityFee({ kind: "percentile", percentile: 75 }, connection, writable);
 * ```
 */
export async function resolvePriorityFee(strategy: PriorityFeeStrategy, connection: PriorityFeeConnection, writable: readonly PublicKey[]): Promise<bigint> {
  switch (strategy.kind) {
    case "none":
      return 0n;
    case "fixed":
      return toU64(strategy.microLamports, "microLamports");
    case "percentile": {
      if (!(strategy.percentile >= 0 && strategy.percentile <= 100)) {
        throw new GpunetError("InvalidInput", `percentile must be in 0..100, got ${strategy.percentile}`, {
          field: "percentile",
          value: String(strategy.percentile),
        });
      }
      const fees = await callRpc("getRecentPrioritizationFees", () => connection.getRecentPrioritizationFees({ lockedWritableAccounts: [...writable] }));
      return clamp(
        percentileOf(
          fees.map((f) => BigInt(f.prioritizationFee)),
          strategy.percentile,
        ),
        strategy.minMicroLamports,
        strategy.maxMicroLamports,
      );
    }
    case "helius": {
      const call = createJsonRpcCall({
        url: strategy.url,
        ...(strategy.fetch ? { fetch: strategy.fetch } : {}),
        ...(strategy.retry ? { policy: strategy.retry } : {}),
      });
      const { makeGetPriorityFeeEstimate } = await loadHeliusFee();
      const estimate = makeGetPriorityFeeEstimate(call);
      const res = await estimate({ accountKeys: writable.map((k) => k.toBase58()), options: { priorityLevel: strategy.priorityLevel ?? "Medium" } });
      const est: unknown = res?.priorityFeeEstimate;
      if (typeof est !== "number" || !Number.isFinite(est) || est < 0) {
        throw new GpunetError("Transport", `getPriorityFeeEstimate returned no estimate: ${JSON.stringify(res ?? null).slice(0, 200)}`, {
          method: "getPriorityFeeEstimate",
          failure: { kind: "invalid-response" },
        });
      }
      // Helius returns a float; a CU price is an integer number of micro-lamports.
      return clamp(BigInt(Math.ceil(est)), undefined, strategy.maxMicroLamports);
    }
  }
}
