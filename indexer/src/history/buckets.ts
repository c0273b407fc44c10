/**
 * Time buckets of the history tables: unix seconds of the event's Clock
 * timestamp, floored to the bucket size.
 *
 * - `day`: 86,400 s, UTC days.
 * - `epoch`: 172,800 s (two UTC days): a Solana epoch is 432,000 slots, and at
 *   the 400 ms target slot time that is 172,800 s. Using clock time instead
 *   of slot numbers keeps epochs meaningful on a localnet, whose slots do not
 *   follow the clock (it can move the clock forward by days in one slot).
 *   Epoch buckets start on even UTC days, so every epoch bucket is made of
 *   whole day buckets.
 */

/** Bucket kinds. */
export const SPANS = ["day", "epoch"] as const;
/** A bucket kind. */
export type Span = (typeof SPANS)[number];

/** Seconds per bucket. */
export const SPAN_SECONDS: Readonly<Record<Span, bigint>> = { day: 86_400n, epoch: 172_800n };

/**
 * The start of the bucket holding `ts` (floor, also for negative times).
 *
 * @example
 * ```ts
 * bucketStart(1796154217n, "day"); // 1796083200n
 * ```
 */
export function bucketStart(ts: bigint, span: Span): bigint {
  const size = SPAN_SECONDS[span];
  const r = ((ts % size) + size) % size;
  return ts - r;
}
