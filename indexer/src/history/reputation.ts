/**
 * Provider reputation: a score anyone can recompute from the events.
 *
 * Inputs (all-time, per provider, from its events):
 * - C completed: increases of the provider's `jobs_completed` counter
 *   (JobCompleted, and DisputeResolved in the provider's favour);
 * - F failed: increases of `jobs_failed` that are not expiries (disputes the
 *   provider lost);
 * - E expired: JobExpired events naming the provider (accepted, never delivered);
 * - D disputed: JobDisputed events naming the provider;
 * - S slashes: Slashed events (and the amount slashed, reported beside).
 *
 * score = 2(C + 1) / ((2C + 2F + 2E + D + 4) * (1 + S)), rounded half up
 * to 4 decimals. A provider with no history scores 0.5; completions move it
 * towards 1, failures and expiries towards 0, a dispute counts as half a
 * failure (it may still resolve either way), and each slash divides the
 * score by one more.
 */
import type { ReputationInputs } from "./series.ts";

/** The formula as text (also returned by the API). */
export const REPUTATION_FORMULA =
  "score = 2(C + 1) / ((2C + 2F + 2E + D + 4) * (1 + S)), rounded half up to 4 decimals; " +
  "C completed, F failed (disputes lost), E expired undelivered, D disputed, S slashes";

/**
 * The score in ten-thousandths (0..10,000), exact integer arithmetic.
 *
 * @example
 * ```ts
 * reputationScore({ completed: 0n, failed: 0n, expired: 0n, disputed: 0n, slashes: 0n, slashedAmount: 0n }); // 5000
 * ```
 */
export function reputationScore(i: ReputationInputs): number {
  const num = 2n * (i.completed + 1n) * 10_000n;
  const den = (2n * i.completed + 2n * i.failed + 2n * i.expired + i.disputed + 4n) * (1n + i.slashes);
  return Number((2n * num + den) / (2n * den));
}

/** Ten-thousandths as the API's number with 4 decimals. */
export const scoreNumber = (bp: number): number => bp / 10_000;
