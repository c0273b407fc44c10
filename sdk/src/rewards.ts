/**
 * The program's reward math, reproduced exactly (docs/protocol.md, "Rewards"):
 * claimable = owed + floor(active * (acc - snapshot) / 2^64) - debt, with acc the
 * Config's current accumulator (a claim settles against it without releasing anything)
 * and snapshot the accumulator at the provider's last stake change.
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

/**
 * What `claim_rewards` would pay now: owed + pending, where pending is settled with
 * the Config's current accumulator. Returns 0n for nothing (the program would answer
 * NothingToClaim). If the program would fail with MathOverflow (accrued above
 * u64::MAX, or debt above accrued), this returns null.
 *
 * @example
 * ```ts
 * const [provider, config] = await Promise.all([fetchProvider(connection, { owner }), fetchConfig(connection)]);
 * const amount = claimable(provider.data, config.data); // null: the claim would fail with MathOverflow
 * ```
 */
export function claimable(provider: Pick<Provider, "activeStake" | "rewardSnapshot" | "rewardDebt" | "rewardsOwed">, config: Pick<Config, "accRewardPerStake">): bigint | null {
  const acc = accrued(provider.activeStake, config.accRewardPerStake, provider.rewardSnapshot);
  if (acc > U64_MAX || acc < provider.rewardDebt) return null;
  const total = provider.rewardsOwed + (acc - provider.rewardDebt);
  return total > U64_MAX ? null : total;
}
