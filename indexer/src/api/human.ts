/**
 * Human units for query answers: token amounts with the mint's decimals and
 * a symbol, enum codes by name, unix times as dates. Field names decide what a
 * value is; the exact raw values stay available (`--raw`, and beside the
 * human fields in JSON).
 */
import { formatAmount, formatTime, gpuModelName, isoTime, providerStatusName, regionName } from "../names.ts";

/** Fields that hold token amounts in base units. */
const AMOUNT_FIELDS = new Set([
  "activeStake",
  "unbondingAmount",
  "unbondingStake",
  "unbonding",
  "stake",
  "rewardsOwed",
  "rewardDebt",
  "totalClaimed",
  "slashedTotal",
  "price",
  "providerPayout",
  "fee",
  "fees",
  "refund",
  "refunds",
  "refunded",
  "funded",
  "claimed",
  "slashed",
  "deposits",
  "payouts",
  "volume",
  "jobVolume",
  "rewardsFunded",
  "rewardsClaimed",
  "staked",
  "unstaked",
  "withdrawn",
  "earnings",
  "slashedAmount",
  "amount",
  "totalFunded",
  "totalSlashed",
  "unallocatedRewards",
  "paidToProviders",
  "feesCollected",
]);
/** Fields that hold unix seconds. */
const TIME_FIELDS = new Set([
  "registeredAt",
  "updatedAt",
  "createdAt",
  "acceptedAt",
  "deadline",
  "submittedAt",
  "finishedAt",
  "unbondingUnlockAt",
  "bucketStart",
  "t",
  "time",
]);

/** How to print amounts. */
export interface HumanUnits {
  /** The mint's decimals; null when unknown (amounts then print as base units). */
  readonly decimals: number | null;
  readonly symbol: string | null;
}

const asBig = (v: unknown): bigint | null => {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?[0-9]+$/.test(v)) return BigInt(v);
  return null;
};

/** The human text of one field, or undefined when the field is not one of the known kinds. */
export function humanField(key: string, v: unknown, u: HumanUnits): string | undefined {
  if (AMOUNT_FIELDS.has(key)) {
    const b = asBig(v);
    if (b === null) return undefined;
    if (u.decimals === null) return `${b} base units`;
    return u.symbol ? `${formatAmount(b, u.decimals)} ${u.symbol}` : formatAmount(b, u.decimals);
  }
  if (TIME_FIELDS.has(key)) {
    const b = asBig(v);
    return b === null ? undefined : formatTime(b);
  }
  if (key === "status" && typeof v !== "string") {
    const b = asBig(v);
    return b === null ? undefined : providerStatusName(Number(b));
  }
  if (key === "gpuModel" || key === "region") {
    const b = asBig(v);
    if (b === null) return undefined;
    return key === "gpuModel" ? gpuModelName(Number(b)) : regionName(Number(b));
  }
  return undefined;
}

/**
 * A value with every known field replaced by its human text (for tables).
 *
 * @example
 * ```ts
 * humanize({ activeStake: 1530310000n, status: 0 }, { decimals: 6, symbol: "GPUN" }); // { activeStake: "1,530.31 GPUN", status: "active" }
 * ```
 */
export function humanize(v: unknown, u: HumanUnits): unknown {
  if (Array.isArray(v)) return v.map((x) => humanize(x, u));
  if (v === null || typeof v !== "object" || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const h = humanField(k, x, u);
    out[k] = h !== undefined ? h : typeof x === "object" ? humanize(x, u) : x;
  }
  return out;
}

/**
 * A value with the raw fields kept and a `<field>Human` text beside each
 * known one (for JSON: exact values and what a person reads). Times also get
 * `<field>Iso`.
 */
export function withHumanFields(v: unknown, u: HumanUnits): unknown {
  if (Array.isArray(v)) return v.map((x) => withHumanFields(x, u));
  if (v === null || typeof v !== "object" || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = typeof x === "object" ? withHumanFields(x, u) : x;
    const h = humanField(k, x, u);
    if (h !== undefined) out[`${k}Human`] = h;
    if (TIME_FIELDS.has(k)) {
      const b = asBig(x);
      if (b !== null && b !== 0n) out[`${k}Iso`] = isoTime(b);
    }
  }
  return out;
}
