/**
 * Entity state and how each event changes it. Pure: no I/O.
 *
 * Why order does not matter here: events carry the
 * resulting totals, so each field is a register written by the latest event
 * that carries it.
 * - Provider and Job fields are last-writer-wins by the account's `seq`, which
 *   the program increments on every change and every event carries (`seq` or
 *   `provider_seq`): a per-account total order that needs no slot or index.
 * - Monotonic counters (jobs_completed, total_claimed, provider_count, acc...)
 *   take the maximum.
 * - Config has no seq in most events, so its non-monotonic fields are
 *   last-writer-wins by the global order key (slot, tx index, event index).
 * - Three config totals have no carrier event and are sums of deltas
 *   (job_count, total_claimed, total_slashed); transaction-level dedupe makes
 *   them exact.
 * So applying a set of events in any order, or twice, gives the same state,
 * and an entity can always be rebuilt by replaying its events.
 */
import { BPS_DENOMINATOR, JOB_STATE, PROVIDER_STATUS, type GpunetEvent, GPU_MODEL, REGION } from "@gpunet/sdk";

/** Resolves a 32-byte pubkey to its interned id. */
export type KeyId = (key: Uint8Array) => number;

/** Last-writer-wins versions by field group. */
export type Versions = Record<string, bigint>;

/** The global order of an event: slot, then transaction index, then event index. */
export function orderKey(slot: bigint, txIndex: number, eventIndex: number): bigint {
  return (slot << 40n) | (BigInt(txIndex) << 20n) | BigInt(eventIndex);
}

function lww(v: Versions, group: string, version: bigint): boolean {
  const cur = v[group];
  if (cur !== undefined && cur >= version) return false;
  v[group] = version;
  return true;
}

const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** The indexed Config account. */
export interface ConfigState {
  address: number | null;
  admin: number | null;
  slashAuthority: number | null;
  stakeMint: number | null;
  treasury: number | null;
  rewardVault: number | null;
  minStakePerGpu: bigint;
  unbondingPeriod: bigint;
  challengeWindow: bigint;
  protocolFeeBps: number;
  slashCapBps: number;
  paused: boolean;
  pausedAt: bigint;
  pausedTotal: bigint;
  rewardPeriod: bigint;
  accRewardPerStake: bigint;
  totalActiveStake: bigint;
  rewardCarry: bigint;
  unallocatedRewards: bigint;
  totalFunded: bigint;
  totalClaimed: bigint;
  totalSlashed: bigint;
  providerCount: bigint;
  jobCount: bigint;
  seq: bigint;
  versions: Versions;
  finality: number;
  lastSlot: bigint;
}

/** The indexed Provider account. */
export interface ProviderState {
  readonly id: number;
  owner: number | null;
  stakeVault: number | null;
  metadataHash: Uint8Array | null;
  gpuModel: number;
  gpuCount: number;
  vramGb: number;
  region: number;
  status: number;
  activeStake: bigint;
  unbondingAmount: bigint;
  unbondingUnlockAt: bigint;
  rewardSnapshot: bigint;
  rewardDebt: bigint;
  rewardsOwed: bigint;
  lockedStake: bigint;
  liveJobs: bigint;
  unlockPauseMark: bigint;
  totalClaimed: bigint;
  jobsCompleted: bigint;
  jobsFailed: bigint;
  slashedTotal: bigint;
  registeredAt: bigint;
  updatedAt: bigint;
  seq: bigint;
  versions: Versions;
  finality: number;
  lastSlot: bigint;
}

/** The indexed Job account (kept after close, with `closed`). */
export interface JobState {
  readonly id: number;
  jobId: bigint;
  buyer: number | null;
  provider: number | null;
  escrow: number | null;
  price: bigint;
  maxDuration: bigint;
  createdAt: bigint;
  acceptedAt: bigint;
  deadline: bigint;
  submittedAt: bigint;
  finishedAt: bigint;
  providerPayout: bigint;
  fee: bigint;
  refund: bigint;
  specHash: Uint8Array | null;
  resultHash: Uint8Array | null;
  disputeReasonHash: Uint8Array | null;
  minGpus: number;
  gpuModel: number;
  minVramGb: number;
  providerShareBps: number;
  state: number;
  seq: bigint;
  closed: boolean;
  closedAt: bigint | null;
  /** JobEndReason variant (camelCase) from the event that ended the job; null before. */
  endReason: string | null;
  feeBps: number;
  challengeWindow: bigint;
  pauseMark: bigint;
  versions: Versions;
  finality: number;
  lastSlot: bigint;
}

/** A Config before any event. */
export function emptyConfig(): ConfigState {
  return {
    address: null,
    admin: null,
    slashAuthority: null,
    stakeMint: null,
    treasury: null,
    rewardVault: null,
    minStakePerGpu: 0n,
    unbondingPeriod: 0n,
    challengeWindow: 0n,
    protocolFeeBps: 0,
    slashCapBps: 0,
    paused: false,
    pausedAt: 0n,
    pausedTotal: 0n,
    rewardPeriod: 0n,
    accRewardPerStake: 0n,
    totalActiveStake: 0n,
    rewardCarry: 0n,
    unallocatedRewards: 0n,
    totalFunded: 0n,
    totalClaimed: 0n,
    totalSlashed: 0n,
    providerCount: 0n,
    jobCount: 0n,
    seq: 0n,
    versions: {},
    finality: 2,
    lastSlot: 0n,
  };
}

/** A Provider before any event. */
export function emptyProvider(id: number): ProviderState {
  return {
    id,
    owner: null,
    stakeVault: null,
    metadataHash: null,
    gpuModel: GPU_MODEL.any,
    gpuCount: 0,
    vramGb: 0,
    region: REGION.unspecified,
    status: PROVIDER_STATUS.active,
    activeStake: 0n,
    unbondingAmount: 0n,
    unbondingUnlockAt: 0n,
    rewardSnapshot: 0n,
    rewardDebt: 0n,
    rewardsOwed: 0n,
    totalClaimed: 0n,
    lockedStake: 0n,
    liveJobs: 0n,
    unlockPauseMark: 0n,
    jobsCompleted: 0n,
    jobsFailed: 0n,
    slashedTotal: 0n,
    registeredAt: 0n,
    updatedAt: 0n,
    seq: 0n,
    versions: {},
    finality: 2,
    lastSlot: 0n,
  };
}

/** A Job before any event. */
export function emptyJob(id: number): JobState {
  return {
    id,
    jobId: 0n,
    buyer: null,
    provider: null,
    escrow: null,
    price: 0n,
    maxDuration: 0n,
    createdAt: 0n,
    acceptedAt: 0n,
    deadline: 0n,
    submittedAt: 0n,
    finishedAt: 0n,
    providerPayout: 0n,
    fee: 0n,
    refund: 0n,
    specHash: null,
    resultHash: null,
    disputeReasonHash: null,
    minGpus: 0,
    gpuModel: GPU_MODEL.any,
    minVramGb: 0,
    providerShareBps: 0,
    state: JOB_STATE.open,
    seq: 0n,
    closed: false,
    closedAt: null,
    endReason: null,
    feeBps: 0,
    challengeWindow: 0n,
    pauseMark: 0n,
    versions: {},
    finality: 2,
    lastSlot: 0n,
  };
}

type Ev = GpunetEvent<Uint8Array>;

/** The provider PDA an event concerns, if any. */
export function eventProvider(e: Ev): Uint8Array | null {
  switch (e.name) {
    case "providerRegistered":
    case "providerUpdated":
    case "staked":
    case "unstakeRequested":
    case "withdrawn":
    case "rewardsClaimed":
    case "slashed":
    case "jobAccepted":
    case "resultSubmitted":
    case "jobCompleted":
    case "jobDisputed":
    case "disputeResolved":
      return e.data.provider;
    // An open job that expired unaccepted names the zero key: no provider.
    case "jobExpired":
      return e.data.provider.every((b) => b === 0) ? null : e.data.provider;
    default:
      return null;
  }
}

/** The job PDA an event concerns, if any. */
export function eventJob(e: Ev): Uint8Array | null {
  switch (e.name) {
    case "jobCreated":
    case "jobCancelled":
    case "jobAccepted":
    case "resultSubmitted":
    case "jobCompleted":
    case "jobDisputed":
    case "disputeResolved":
    case "jobExpired":
    case "jobClosed":
      return e.data.job;
    default:
      return null;
  }
}

/** Whether an event changes the Config account's indexed fields. */
export function touchesConfig(e: Ev): boolean {
  switch (e.name) {
    case "configUpdated":
    case "providerRegistered":
    case "staked":
    case "unstakeRequested":
    case "slashed":
    case "rewardsFunded":
    case "rewardsReleased":
    case "rewardsClaimed":
    case "jobCreated":
      return true;
    default:
      return false;
  }
}

/** The event's timestamp (every gpunet event has one). */
export function eventTimestamp(e: Ev): bigint {
  return e.data.timestamp;
}

/** Applies an event to a provider (the caller checked `eventProvider(e)` is this provider). */
export function applyToProvider(p: ProviderState, e: Ev, keyId: KeyId): void {
  const v = p.versions;
  const touch = (seq: bigint, ts: bigint): void => {
    if (lww(v, "touched", seq)) p.updatedAt = ts;
  };
  switch (e.name) {
    case "providerRegistered": {
      const d = e.data;
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
      touch(d.seq, d.timestamp);
      p.seq = max(p.seq, d.seq);
      break;
    }
    case "providerUpdated": {
      const d = e.data;
      if (lww(v, "profile", d.seq)) {
        p.metadataHash = d.metadataHash;
        p.gpuModel = d.gpuModel;
        p.gpuCount = d.gpuCount;
        p.vramGb = d.vramGb;
        p.region = d.region;
        p.status = d.status;
      }
      p.owner = keyId(d.owner);
      touch(d.seq, d.timestamp);
      p.seq = max(p.seq, d.seq);
      break;
    }
    case "staked": {
      const d = e.data;
      if (lww(v, "active", d.seq)) p.activeStake = d.activeStake;
      if (lww(v, "reward", d.seq)) {
        p.rewardsOwed = d.rewardsOwed;
        p.rewardDebt = d.rewardDebt;
      }
      // The stream's release (if any) came before the settle: the period starts at the acc Staked carries.
      if (lww(v, "snapshot", d.seq)) p.rewardSnapshot = d.accRewardPerStake;
      touch(d.seq, d.timestamp);
      p.seq = max(p.seq, d.seq);
      break;
    }
    case "unstakeRequested": {
      const d = e.data;
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
      touch(d.seq, d.timestamp);
      p.seq = max(p.seq, d.seq);
      break;
    }
    case "withdrawn": {
      const d = e.data;
      if (lww(v, "unbonding", d.seq)) p.unbondingAmount = d.unbondingAmount;
      if (lww(v, "unlock", d.seq)) {
        p.unbondingUnlockAt = 0n;
        p.unlockPauseMark = 0n;
      }
      touch(d.seq, d.timestamp);
      p.seq = max(p.seq, d.seq);
      break;
    }
    case "rewardsClaimed": {
      const d = e.data;
      if (lww(v, "reward", d.seq)) {
        p.rewardsOwed = 0n;
        p.rewardDebt = d.rewardDebt;
      }
      p.totalClaimed = max(p.totalClaimed, d.totalClaimed);
      touch(d.seq, d.timestamp);
      p.seq = max(p.seq, d.seq);
      break;
    }
    case "slashed": {
      const d = e.data;
      if (lww(v, "active", d.seq)) p.activeStake = d.activeStake;
      if (lww(v, "unbonding", d.seq)) p.unbondingAmount = d.unbondingAmount;
      if (lww(v, "reward", d.seq)) {
        p.rewardsOwed = d.rewardsOwed;
        p.rewardDebt = d.rewardDebt;
      }
      if (lww(v, "snapshot", d.seq)) p.rewardSnapshot = d.accRewardPerStake;
      p.slashedTotal = max(p.slashedTotal, d.slashedTotal);
      touch(d.seq, d.timestamp);
      p.seq = max(p.seq, d.seq);
      break;
    }
    case "jobAccepted":
      if (lww(v, "live", e.data.providerSeq)) {
        p.lockedStake = e.data.lockedStake;
        p.liveJobs = e.data.liveJobs;
      }
      touch(e.data.providerSeq, e.data.timestamp);
      p.seq = max(p.seq, e.data.providerSeq);
      break;
    // Job outcomes change the provider too (counters, seq, updated_at: protocol.md "Choices").
    case "jobCompleted":
      p.jobsCompleted = max(p.jobsCompleted, e.data.jobsCompleted);
      if (lww(v, "live", e.data.providerSeq)) {
        p.lockedStake = e.data.lockedStake;
        p.liveJobs = e.data.liveJobs;
      }
      touch(e.data.providerSeq, e.data.timestamp);
      p.seq = max(p.seq, e.data.providerSeq);
      break;
    case "disputeResolved":
      p.jobsCompleted = max(p.jobsCompleted, e.data.jobsCompleted);
      p.jobsFailed = max(p.jobsFailed, e.data.jobsFailed);
      if (lww(v, "live", e.data.providerSeq)) {
        p.lockedStake = e.data.lockedStake;
        p.liveJobs = e.data.liveJobs;
      }
      touch(e.data.providerSeq, e.data.timestamp);
      p.seq = max(p.seq, e.data.providerSeq);
      break;
    case "jobExpired":
      p.jobsFailed = max(p.jobsFailed, e.data.jobsFailed);
      if (lww(v, "live", e.data.providerSeq)) {
        p.lockedStake = e.data.lockedStake;
        p.liveJobs = e.data.liveJobs;
      }
      touch(e.data.providerSeq, e.data.timestamp);
      p.seq = max(p.seq, e.data.providerSeq);
      break;
    default:
      break;
  }
}

/** Applies an event to a job (the caller checked `eventJob(e)` is this job). */
export function applyToJob(j: JobState, e: Ev, keyId: KeyId): void {
  const versions = j.versions;
  const state = (seq: bigint, s: number): void => {
    if (lww(versions, "state", seq)) j.state = s;
    j.seq = max(j.seq, seq);
  };
  switch (e.name) {
    case "jobCreated": {
      const d = e.data;
      j.jobId = d.jobId;
      j.price = d.price;
      j.maxDuration = d.maxDuration;
      j.createdAt = d.timestamp;
      j.buyer = keyId(d.buyer);
      j.escrow = keyId(d.escrow);
      j.specHash = d.specHash;
      j.minGpus = d.minGpus;
      j.gpuModel = d.gpuModel;
      j.minVramGb = d.minVramGb;
      j.feeBps = d.feeBps;
      j.challengeWindow = d.challengeWindow;
      if (lww(versions, "pause", d.seq)) j.pauseMark = d.pauseMark;
      state(d.seq, JOB_STATE.open);
      break;
    }
    case "jobCancelled":
      j.refund = e.data.refund;
      j.finishedAt = e.data.timestamp;
      j.endReason = e.data.endReason;
      state(e.data.seq, JOB_STATE.cancelled);
      break;
    case "jobAccepted": {
      const d = e.data;
      j.provider = keyId(d.provider);
      j.acceptedAt = d.timestamp;
      j.deadline = d.deadline;
      if (lww(versions, "pause", d.seq)) j.pauseMark = d.pauseMark;
      state(d.seq, JOB_STATE.accepted);
      break;
    }
    case "resultSubmitted":
      j.submittedAt = e.data.timestamp;
      j.resultHash = e.data.resultHash;
      if (lww(versions, "pause", e.data.seq)) j.pauseMark = e.data.pauseMark;
      state(e.data.seq, JOB_STATE.submitted);
      break;
    case "jobDisputed":
      j.disputeReasonHash = e.data.reasonHash;
      state(e.data.seq, JOB_STATE.disputed);
      break;
    case "jobCompleted": {
      const d = e.data;
      j.providerPayout = d.providerPayout;
      j.fee = d.fee;
      j.refund = 0n;
      j.providerShareBps = BPS_DENOMINATOR;
      j.finishedAt = d.timestamp;
      j.endReason = d.endReason;
      state(d.seq, JOB_STATE.completed);
      break;
    }
    case "disputeResolved": {
      const d = e.data;
      j.providerPayout = d.providerPayout;
      j.fee = d.fee;
      j.refund = d.refund;
      j.providerShareBps = d.providerShareBps;
      j.finishedAt = d.timestamp;
      j.endReason = d.endReason;
      state(d.seq, JOB_STATE.resolved);
      break;
    }
    case "jobExpired":
      j.refund = e.data.refund;
      j.finishedAt = e.data.timestamp;
      j.endReason = e.data.endReason;
      state(e.data.seq, JOB_STATE.expired);
      break;
    case "jobClosed":
      j.closed = true;
      j.closedAt = e.data.timestamp;
      j.seq = max(j.seq, e.data.seq);
      break;
    default:
      break;
  }
}

/** Applies an event to the config; `key` is the event's {@link orderKey}. */
export function applyToConfig(c: ConfigState, e: Ev, key: bigint, keyId: KeyId): void {
  const v = c.versions;
  switch (e.name) {
    case "configUpdated": {
      const d = e.data;
      // Keys are interned whether or not this event wins, so the set of stored keys
      // does not depend on the order events arrived in.
      const ids = [keyId(d.config), keyId(d.admin), keyId(d.slashAuthority), keyId(d.stakeMint), keyId(d.treasury), keyId(d.rewardVault)] as const;
      if (lww(v, "params", key)) {
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
      break;
    }
    case "providerRegistered":
      c.providerCount = max(c.providerCount, e.data.providerCount);
      break;
    case "staked": {
      const d = e.data;
      if (lww(v, "stake", key)) c.totalActiveStake = d.totalActiveStake;
      if (lww(v, "unallocated", key)) c.unallocatedRewards = d.unallocatedRewards;
      c.accRewardPerStake = max(c.accRewardPerStake, d.accRewardPerStake);
      break;
    }
    case "unstakeRequested":
      if (lww(v, "stake", key)) c.totalActiveStake = e.data.totalActiveStake;
      break;
    case "slashed":
      if (lww(v, "stake", key)) c.totalActiveStake = e.data.totalActiveStake;
      c.totalSlashed += e.data.amount;
      break;
    case "rewardsFunded": {
      const d = e.data;
      if (lww(v, "stake", key)) c.totalActiveStake = d.totalActiveStake;
      if (lww(v, "unallocated", key)) c.unallocatedRewards = d.unallocatedRewards;
      if (lww(v, "carry", key)) c.rewardCarry = d.rewardCarry;
      c.accRewardPerStake = max(c.accRewardPerStake, d.accRewardPerStake);
      c.totalFunded = max(c.totalFunded, d.totalFunded);
      c.seq = max(c.seq, d.configSeq);
      break;
    }
    case "rewardsReleased": {
      const d = e.data;
      if (lww(v, "unallocated", key)) c.unallocatedRewards = d.unallocatedRewards;
      if (lww(v, "carry", key)) c.rewardCarry = d.rewardCarry;
      c.accRewardPerStake = max(c.accRewardPerStake, d.accRewardPerStake);
      c.seq = max(c.seq, d.configSeq);
      break;
    }
    case "rewardsClaimed":
      c.totalClaimed += e.data.amount;
      break;
    case "jobCreated":
      c.jobCount += 1n;
      break;
    default:
      break;
  }
}
