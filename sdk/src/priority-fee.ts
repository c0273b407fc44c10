/**
 * Priority fee strategies: none, a fixed price, a percentile of the cluster's
 * recent prioritization fees for the accounts the transaction writes, or an
 * estimator from outside the main entry (Helius' `getPriorityFeeEstimate` is
 * `heliusPriorityFee` of `@gpunet/sdk/helius`, so this entry never loads helius-sdk).
 */
import type { Connection, PublicKey } from "@solana/web3.js";
import { GpunetError } from "./errors.ts";
import { toU64, type IntegerInput } from "./inputs.ts";
import { callRpc } from "./rpc.ts";
import type { PriorityFeeEstimator } from "./send-path.ts";

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
  /** An estimator such as `heliusPriorityFee({ url })` from `@gpunet/sdk/helius`. */
  | PriorityFeeEstimator;

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
export async function resolvePriorityFee(
  strategy: PriorityFeeStrategy,
  connection: PriorityFeeConnection,
  writable: readonly PublicKey[],
  signal?: AbortSignal,
): Promise<bigint> {
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
    case "estimator": {
      const v: unknown = await strategy.estimate({ accountKeys: writable.map((k) => k.toBase58()), ...(signal ? { signal } : {}) });
      if (typeof v !== "bigint") {
        throw new GpunetError("InvalidInput", `the ${strategy.name} priority-fee estimator returned ${typeof v}, not a bigint`, {
          field: "priorityFee",
          value: String(v),
        });
      }
      return toU64(v, "priorityFee");
    }
    default: {
      const kind = String((strategy as { kind?: unknown }).kind);
      throw new GpunetError(
        "InvalidInput",
        kind === "helius"
          ? 'the helius strategy lives in "@gpunet/sdk/helius": priorityFee: heliusPriorityFee({ url })'
          : `unknown priority-fee strategy kind ${kind}`,
        { field: "priorityFee.kind", value: kind },
      );
    }
  }
}
