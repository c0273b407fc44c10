/**
 * Config handlers. Most config events carry no config `seq`, so non-monotonic
 * fields are last-writer-wins registers by the event's global order key
 * (slot, transaction index, event index); monotonic totals take the maximum;
 * three totals with no carrier event (job count, claimed, slashed) are sums of
 * deltas, exact because transactions are deduplicated before they apply.
 */
import { bigMax as max, lww, orderKey, type ConfigState } from "../processors/state.ts";
import type { EntityHandlers, HandlerContext } from "./types.ts";

/** The event's place in the chain's total order. */
const keyOf = (ctx: HandlerContext, eventIndex: number): bigint => orderKey(ctx.slot, ctx.txIndex, eventIndex);

/** How each event changes the config. */
export const CONFIG_HANDLERS = {
  configUpdated(c, { data: d, eventIndex }, ctx) {
    const { keyId } = ctx;
    // Keys are interned whether or not this event wins, so the set of stored keys
    // does not depend on the order events arrived in.
    const ids = [keyId(d.config), keyId(d.admin), keyId(d.slashAuthority), keyId(d.stakeMint), keyId(d.treasury), keyId(d.rewardVault)] as const;
    if (lww(c.versions, "params", keyOf(ctx, eventIndex))) {
      [c.address, c.admin, c.slashAuthority, c.stakeMint, c.treasury, c.rewardVault] = ids;
      c.minStakePerGpu = d.minStakePerGpu;
      c.unbondingPeriod = d.unbondingPeriod;
      c.challengeWindow = d.challengeWindow;
      c.protocolFeeBps = d.protocolFeeBps;
      c.slashCapBps = d.slashCapBps;
      c.paused = d.paused;
      c.pausedAt = d.pausedAt;
      c.pausedTotal = d.pausedTotal;
      c.rewardPeriod = d.rewardPeriod;
    }
    c.seq = max(c.seq, d.seq);
  },
  providerRegistered(c, { data: d }) {
    c.providerCount = max(c.providerCount, d.providerCount);
  },
  staked(c, { data: d, eventIndex }, ctx) {
    const key = keyOf(ctx, eventIndex);
    if (lww(c.versions, "stake", key)) c.totalActiveStake = d.totalActiveStake;
    if (lww(c.versions, "unallocated", key)) c.unallocatedRewards = d.unallocatedRewards;
    c.accRewardPerStake = max(c.accRewardPerStake, d.accRewardPerStake);
  },
  unstakeRequested(c, { data: d, eventIndex }, ctx) {
    if (lww(c.versions, "stake", keyOf(ctx, eventIndex))) c.totalActiveStake = d.totalActiveStake;
  },
  slashed(c, { data: d, eventIndex }, ctx) {
    if (lww(c.versions, "stake", keyOf(ctx, eventIndex))) c.totalActiveStake = d.totalActiveStake;
    c.totalSlashed += d.amount;
  },
  rewardsFunded(c, { data: d, eventIndex }, ctx) {
    const key = keyOf(ctx, eventIndex);
    if (lww(c.versions, "stake", key)) c.totalActiveStake = d.totalActiveStake;
    if (lww(c.versions, "unallocated", key)) c.unallocatedRewards = d.unallocatedRewards;
    if (lww(c.versions, "carry", key)) c.rewardCarry = d.rewardCarry;
    c.accRewardPerStake = max(c.accRewardPerStake, d.accRewardPerStake);
    c.totalFunded = max(c.totalFunded, d.totalFunded);
    c.seq = max(c.seq, d.configSeq);
  },
  rewardsReleased(c, { data: d, eventIndex }, ctx) {
    const key = keyOf(ctx, eventIndex);
    if (lww(c.versions, "unallocated", key)) c.unallocatedRewards = d.unallocatedRewards;
    if (lww(c.versions, "carry", key)) c.rewardCarry = d.rewardCarry;
    c.accRewardPerStake = max(c.accRewardPerStake, d.accRewardPerStake);
    c.seq = max(c.seq, d.configSeq);
  },
  rewardsClaimed(c, { data: d }) {
    c.totalClaimed += d.amount;
  },
  jobCreated(c) {
    c.jobCount += 1n;
  },
} satisfies EntityHandlers<ConfigState>;
