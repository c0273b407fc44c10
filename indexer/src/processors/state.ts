/**
 * Entity state, which entities an event concerns, and the registers events
 * write (the handlers in ../handlers/ say how each event changes each entity).
 * Pure: no I/O.
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
import { GPU_MODEL, JOB_STATE, PROVIDER_STATUS, REGION, type GpunetEvent } from "@gpunet/sdk";

/** Resolves a 32-byte pubkey to its interned id. */
export type KeyId = (key: Uint8Array) => number;

/** Last-writer-wins versions by field group. */
export type Versions = Record<string, bigint>;

/** The global order of an event: slot, then transaction index, then event index. */
export function orderKey(slot: bigint, txIndex: number, eventIndex: number): bigint {
  return (slot << 40n) | (BigInt(txIndex) << 20n) | BigInt(eventIndex);
}

/** Writes register `group` at `version` when it is newer than the one stored; true when it did (the caller then sets the fields). */
export function lww(v: Versions, group: string, version: bigint): boolean {
  const cur = v[group];
  if (cur !== undefined && cur >= version) return false;
  v[group] = version;
  return true;
}

/** The larger of two bigints (monotonic counters take the maximum). */
export const bigMax = (a: bigint, b: bigint): bigint => (a > b ? a : b);

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
