/**
 * The program's reward math, reproduced exactly (docs/protocol.md, "Rewards"):
 * claimable = owed + floor(active * (acc - snapshot) / 2^64) - debt, with acc the
 * Config's accumulator after the reward stream's release at the claim's time (a
 * claim first releases what the stream owes by then) and snapshot the accumulator at
 * the provider's last stake change.
 */
import type { Config, Provider } from "./accounts.ts";

const SHIFT = 64n;
const U64_MAX = (1n << 64n) - 1n;

/**
 * `accrued(p) = floor(p.active * (acc - snapshot) / 2^64)`: rewards accrued since the
 * provider's last stake change.
 * @example
 * ```ts
 * accrued(1_000n, 1n << 64n); // 1000n
 * accrued(1_000n, 3n << 64n, 1n << 64n); // 2000n
 * ```
 */
export function accrued(activeStake: bigint, accRewardPerStake: bigint, rewardSnapshot = 0n): bigint {
  return (activeStake * (accRewardPerStake - rewardSnapshot)) >> SHIFT;
}

/** The Config fields the reward stream needs. */
export type StreamConfig = Pick<Config, "accRewardPerStake"> &
  Partial<Pick<Config, "rewardCarry" | "unallocatedRewards" | "totalActiveStake" | "streamEnd" | "streamUpdatedAt">>;

const U128_MAX = (1n << 128n) - 1n;

/**
 * What the reward stream releases by `now`: all that is left once `streamEnd` has
 * passed, else floor(unallocated * (now - updatedAt) / (streamEnd - updatedAt));
 * nothing while no stake is active.
 * @example
 * ```ts
 * streamReleased({ unallocatedRewards: 1000n, totalActiveStake: 1n, streamEnd: 100n, streamUpdatedAt: 0n }, 25n); // 250n
 * ```
 */
export function streamReleased(
  c: { readonly unallocatedRewards: bigint; readonly totalActiveStake: bigint; readonly streamEnd: bigint; readonly streamUpdatedAt: bigint },
  now: bigint,
): bigint {
  const rem = c.unallocatedRewards;
  if (rem === 0n || c.totalActiveStake === 0n) return 0n;
  if (now >= c.streamEnd) return rem;
  const dt = now > c.streamUpdatedAt ? now - c.streamUpdatedAt : 0n;
  if (dt === 0n) return 0n;
  return (rem * dt) / (c.streamEnd - c.streamUpdatedAt);
}

/** The accumulator after the stream's release at `now` (null when the program would overflow). */
function accAfterRelease(c: StreamConfig, now: bigint): bigint | null {
  if (c.unallocatedRewards === undefined || c.totalActiveStake === undefined || c.streamEnd === undefined || c.streamUpdatedAt === undefined)
    return c.accRewardPerStake;
  const r = streamReleased(
    { unallocatedRewards: c.unallocatedRewards, totalActiveStake: c.totalActiveStake, streamEnd: c.streamEnd, streamUpdatedAt: c.streamUpdatedAt },
    now,
  );
  if (r === 0n) return c.accRewardPerStake;
  const acc = c.accRewardPerStake + (r * (1n << SHIFT) + (c.rewardCarry ?? 0n)) / c.totalActiveStake;
  return acc > U128_MAX ? null : acc;
}

/**
 * What `claim_rewards` would pay at unix time `now` (the Clock's): owed + pending,
 * where pending is settled with the accumulator after the stream's release at `now`
 * (without `now`: the accumulator as stored, what a claim pays when nothing is
 * streaming). Returns 0n for nothing (the program would answer
 * NothingToClaim). If the program would fail with MathOverflow (accrued above
 * u64::MAX, or debt above accrued), this returns null.
 *
 * @example
 * ```ts
 * const [provider, config] = await Promise.all([fetchProvider(connection, { owner }), fetchConfig(connection)]);
 * const now = BigInt(Math.floor(Date.now() / 1000)); // or the cluster's Clock sysvar
 * const amount = claimable(provider.data, config.data, now); // null: the claim would fail with MathOverflow
 * ```
 */
export function claimable(
  provider: Pick<Provider, "activeStake" | "rewardSnapshot" | "rewardDebt" | "rewardsOwed">,
  config: StreamConfig,
  now?: bigint,
): bigint | null {
  const accNow = now === undefined ? config.accRewardPerStake : accAfterRelease(config, now);
  if (accNow === null) return null;
  const acc = accrued(provider.activeStake, accNow, provider.rewardSnapshot);
  if (acc > U64_MAX || acc < provider.rewardDebt) return null;
  const total = provider.rewardsOwed + (acc - provider.rewardDebt);
  return total > U64_MAX ? null : total;
}
