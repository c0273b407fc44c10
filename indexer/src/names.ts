/**
 * Every human name the indexer prints for a code: job states, provider
 * statuses, slash reasons, job end reasons, GPU models and regions, and the
 * formatting of amounts and times. One module, so the names can come from
 * generated constants in one place. A code without a name prints as
 * `model #7` / `region #7` / `#7`, never as a wrong name.
 */

import { GPU_MODELS, JOB_END_REASONS, JOB_STATES, PROVIDER_STATUSES, REGIONS, SLASH_REASONS } from "@gpunet/sdk";

/** Job states by number (from the IDL). */
export const JOB_STATE_NAMES = JOB_STATES;
/** Provider statuses by number (from the IDL). */
export const PROVIDER_STATUS_NAMES = PROVIDER_STATUSES;
/** SlashReason variants by number (from the IDL). */
export const SLASH_REASON_NAMES = SLASH_REASONS;
/** JobEndReason variants by number (from the IDL). */
export const JOB_END_REASON_NAMES = JOB_END_REASONS;

/** A GPU model variant as people write it: `rtx4090` is "RTX4090", `any` stays "any". */
const gpuDisplay = (variant: string): string => (variant === "any" ? "any" : variant.toUpperCase());
/** A region variant in words: `northAmerica` is "North America". */
const regionDisplay = (variant: string): string => variant.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/^./, (c) => c.toUpperCase());

/** GPU model names by code (the IDL's `GpuModel`; the program stores a u16 code). */
export const GPU_MODEL_NAMES: Readonly<Record<number, string>> = Object.fromEntries(GPU_MODELS.map((v, i) => [i, gpuDisplay(v)]));

/** Region names by code (the IDL's `Region`; u16 in the program). */
export const REGION_NAMES: Readonly<Record<number, string>> = Object.fromEntries(REGIONS.map((v, i) => [i, regionDisplay(v)]));

const byIndex = (names: readonly string[], code: number): string => names[code] ?? `#${code}`;

/** A job state's name (`#9` for an unknown code). */
export const jobStateName = (code: number): string => byIndex(JOB_STATE_NAMES, code);
/** A provider status's name. */
export const providerStatusName = (code: number): string => byIndex(PROVIDER_STATUS_NAMES, code);
/** A slash reason's name. */
export const slashReasonName = (code: number): string => byIndex(SLASH_REASON_NAMES, code);
/**
 * A GPU model's name.
 *
 * @example
 * ```ts
 * gpuModelName(1); // "H100"
 * gpuModelName(77); // "model #77"
 * ```
 */
export const gpuModelName = (code: number): string => GPU_MODEL_NAMES[code] ?? `model #${code}`;
/** A region's name. */
export const regionName = (code: number): string => REGION_NAMES[code] ?? `region #${code}`;

/**
 * A raw u64 amount in human units: thousands separators, `decimals` places
 * cut to at most `maxFraction` (rounded half up), trailing zeros dropped; an
 * amount too small for `maxFraction` places shows all its digits.
 * Exact: bigint arithmetic only.
 *
 * @example
 * ```ts
 * formatAmount(1530310000n, 6); // "1,530.31"
 * formatAmount(5n, 6); // "0.000005" (never 0 for a non-zero amount)
 * ```
 */
export function formatAmount(raw: bigint, decimals: number, maxFraction = 2): string {
  const neg = raw < 0n;
  let v = neg ? -raw : raw;
  // Below the last shown place, every digit is shown: a non-zero amount never prints as 0.
  const tiny = v > 0n && v * 10n ** BigInt(Math.max(0, maxFraction)) < 10n ** BigInt(decimals) / 2n;
  const keep = tiny ? decimals : Math.min(decimals, maxFraction);
  const drop = decimals - keep;
  if (drop > 0) {
    const d = 10n ** BigInt(drop);
    v = (v + d / 2n) / d;
  }
  const unit = 10n ** BigInt(keep);
  const whole = (v / unit).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = keep > 0 ? (v % unit).toString().padStart(keep, "0").replace(/0+$/, "") : "";
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** An amount with its symbol: `1,530.31 GPUN`. */
export function formatTokens(raw: bigint, decimals: number, symbol: string | null = "GPUN"): string {
  return symbol ? `${formatAmount(raw, decimals)} ${symbol}` : formatAmount(raw, decimals);
}

/**
 * Unix seconds as `2026-12-01 19:43 UTC` (`-` for 0, the field's unset value).
 *
 * @example
 * ```ts
 * formatTime(1796154217n); // "2026-12-01 19:43 UTC"
 * ```
 */
export function formatTime(unix: bigint | number): string {
  const s = typeof unix === "bigint" ? unix : BigInt(unix);
  if (s === 0n) return "-";
  const d = new Date(Number(s) * 1000);
  if (Number.isNaN(d.getTime())) return `${s}`;
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Unix seconds as an ISO 8601 string (`2026-12-01T19:43:37Z`). */
export function isoTime(unix: bigint | number): string {
  const d = new Date(Number(unix) * 1000);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().replace(".000Z", "Z");
}

/** The symbol shown beside amounts (the mint has no on-chain name in SPL Token). */
export const DEFAULT_SYMBOL = "GPUN";
