/**
 * Provider handlers. Fields are last-writer-wins registers by the provider's
 * `seq` (every event that changes a provider carries it, as `seq` or
 * `provider_seq`), grouped so that one event moves only the fields it carries;
 * the monotonic counters take the maximum. Job outcomes change the provider
 * too: its counters, live stake, seq and `updated_at`.
 */
import { PROVIDER_STATUS } from "@gpunet/sdk";
import { bigMax as max, lww, type ProviderState, type Versions } from "../processors/state.ts";
import type { EntityHandlers } from "./types.ts";

/** `updated_at` follows the highest seq seen. */
function touch(p: ProviderState, v: Versions, seq: bigint, ts: bigint): void {
  if (lww(v, "touched", seq)) p.updatedAt = ts;
}

/** The live stake and job count a job event carries, with the provider's seq. */
function live(
  p: ProviderState,
  d: { readonly providerSeq: bigint; readonly lockedStake: bigint; readonly liveJobs: bigint; readonly timestamp: bigint },
): void {
  if (lww(p.versions, "live", d.providerSeq)) {
    p.lockedStake = d.lockedStake;
    p.liveJobs = d.liveJobs;
  }
  touch(p, p.versions, d.providerSeq, d.timestamp);
  p.seq = max(p.seq, d.providerSeq);
}

/** How each event changes a provider. */
export const PROVIDER_HANDLERS = {
  providerRegistered(p, { data: d }, { keyId }) {
    const v = p.versions;
    if (lww(v, "profile", d.seq)) {
      p.metadataHash = d.metadataHash;
      p.gpuModel = d.gpuModel;
      p.gpuCount = d.gpuCount;
      p.vramGb = d.vramGb;
      p.region = d.region;
      p.status = PROVIDER_STATUS.active;
    }
    p.owner = keyId(d.owner);
    p.stakeVault = keyId(d.stakeVault);
    p.registeredAt = d.timestamp;
    touch(p, v, d.seq, d.timestamp);
    p.seq = max(p.seq, d.seq);
  },
  providerUpdated(p, { data: d }, { keyId }) {
    const v = p.versions;
    if (lww(v, "profile", d.seq)) {
      p.metadataHash = d.metadataHash;
      p.gpuModel = d.gpuModel;
      p.gpuCount = d.gpuCount;
      p.vramGb = d.vramGb;
      p.region = d.region;
      p.status = d.status;
    }
    p.owner = keyId(d.owner);
    touch(p, v, d.seq, d.timestamp);
    p.seq = max(p.seq, d.seq);
  },
  staked(p, { data: d }) {
    const v = p.versions;
    if (lww(v, "active", d.seq)) p.activeStake = d.activeStake;
    if (lww(v, "reward", d.seq)) {
      p.rewardsOwed = d.rewardsOwed;
      p.rewardDebt = d.rewardDebt;
    }
    // The stream's release (if any) came before the settle: the period starts at the acc Staked carries.
    if (lww(v, "snapshot", d.seq)) p.rewardSnapshot = d.accRewardPerStake;
    touch(p, v, d.seq, d.timestamp);
    p.seq = max(p.seq, d.seq);
  },
  unstakeRequested(p, { data: d }) {
    const v = p.versions;
    if (lww(v, "active", d.seq)) p.activeStake = d.activeStake;
    if (lww(v, "unbonding", d.seq)) p.unbondingAmount = d.unbondingAmount;
    if (lww(v, "unlock", d.seq)) {
      p.unbondingUnlockAt = d.unlockAt;
      p.unlockPauseMark = d.unlockPauseMark;
    }
    if (lww(v, "reward", d.seq)) {
      p.rewardsOwed = d.rewardsOwed;
      p.rewardDebt = d.rewardDebt;
    }
    if (lww(v, "snapshot", d.seq)) p.rewardSnapshot = d.accRewardPerStake;
    touch(p, v, d.seq, d.timestamp);
    p.seq = max(p.seq, d.seq);
  },
  withdrawn(p, { data: d }) {
    const v = p.versions;
    if (lww(v, "unbonding", d.seq)) p.unbondingAmount = d.unbondingAmount;
    if (lww(v, "unlock", d.seq)) {
      p.unbondingUnlockAt = 0n;
      p.unlockPauseMark = 0n;
    }
    touch(p, v, d.seq, d.timestamp);
    p.seq = max(p.seq, d.seq);
  },
  rewardsClaimed(p, { data: d }) {
    const v = p.versions;
    if (lww(v, "reward", d.seq)) {
      p.rewardsOwed = 0n;
      p.rewardDebt = d.rewardDebt;
    }
    p.totalClaimed = max(p.totalClaimed, d.totalClaimed);
    touch(p, v, d.seq, d.timestamp);
    p.seq = max(p.seq, d.seq);
  },
  slashed(p, { data: d }) {
    const v = p.versions;
    if (lww(v, "active", d.seq)) p.activeStake = d.activeStake;
    if (lww(v, "unbonding", d.seq)) p.unbondingAmount = d.unbondingAmount;
    if (lww(v, "reward", d.seq)) {
      p.rewardsOwed = d.rewardsOwed;
      p.rewardDebt = d.rewardDebt;
    }
    if (lww(v, "snapshot", d.seq)) p.rewardSnapshot = d.accRewardPerStake;
    p.slashedTotal = max(p.slashedTotal, d.slashedTotal);
    touch(p, v, d.seq, d.timestamp);
    p.seq = max(p.seq, d.seq);
  },
  jobAccepted(p, { data: d }) {
    live(p, d);
  },
  jobCompleted(p, { data: d }) {
    p.jobsCompleted = max(p.jobsCompleted, d.jobsCompleted);
    live(p, d);
  },
  disputeResolved(p, { data: d }) {
    p.jobsCompleted = max(p.jobsCompleted, d.jobsCompleted);
    p.jobsFailed = max(p.jobsFailed, d.jobsFailed);
    live(p, d);
  },
  jobExpired(p, { data: d }) {
    p.jobsFailed = max(p.jobsFailed, d.jobsFailed);
    live(p, d);
  },
} satisfies EntityHandlers<ProviderState>;
