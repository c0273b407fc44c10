/**
 * Account snapshots, for transactions whose logs were truncated: the
 * events after the cut are lost, but the accounts the transaction touched can
 * be read back and applied as a snapshot at their `seq`. Decoding uses the
 * SDK's IDL layouts.
 */
import { GPUNET_IDL, decodeStruct, discriminatorKey, structLayout, type StructLayout } from "@gpunet/sdk";
import type { ConfigState, JobState, KeyId, ProviderState } from "./state.ts";

/** A decoded gpunet account, pubkeys as bytes. */
export type DecodedAccount =
  | { readonly type: "config"; readonly data: Readonly<Record<string, unknown>> }
  | { readonly type: "provider"; readonly data: Readonly<Record<string, unknown>> }
  | { readonly type: "job"; readonly data: Readonly<Record<string, unknown>> };

const KINDS: ReadonlyMap<string, { type: DecodedAccount["type"]; layout: StructLayout }> = new Map(
  GPUNET_IDL.accounts.map((a) => [
    discriminatorKey(Uint8Array.from(a.discriminator)),
    { type: a.name.toLowerCase() as DecodedAccount["type"], layout: structLayout(a.name) },
  ]),
);

/**
 * Decodes account bytes (discriminator + fields); null when not a gpunet account of exact size.
 *
 * @example
 * ```ts
 * declare const bytes: Uint8Array; // an account's data
 * const acc = decodeGpunetAccount(bytes);
 * if (acc?.type === "provider") console.log(acc.data.activeStake); // bigint
 * ```
 */
export function decodeGpunetAccount(bytes: Uint8Array): DecodedAccount | null {
  if (bytes.length < 8) return null;
  const kind = KINDS.get(discriminatorKey(bytes, 0));
  if (!kind || bytes.length !== 8 + kind.layout.size) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { type: kind.type, data: decodeStruct(kind.layout, bytes, dv, 8, "bytes") } as DecodedAccount;
}

const big = (v: unknown): bigint => v as bigint;
const num = (v: unknown): number => v as number;
const key = (v: unknown): Uint8Array => v as Uint8Array;
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

function takeAll(versions: Record<string, bigint>, groups: readonly string[], version: bigint): boolean {
  let newer = false;
  for (const g of groups) {
    const cur = versions[g];
    if (cur === undefined || cur < version) {
      versions[g] = version;
      newer = true;
    }
  }
  return newer;
}

/** Applies a Provider account read back at `seq` (same rules as events: newer seq wins). */
export function applyProviderSnapshot(p: ProviderState, d: Readonly<Record<string, unknown>>, keyId: KeyId): void {
  const seq = big(d.seq);
  if (takeAll(p.versions, ["profile", "active", "unbonding", "unlock", "reward", "snapshot", "touched"], seq)) {
    p.metadataHash = key(d.metadataHash);
    p.gpuModel = num(d.gpuModel);
    p.gpuCount = num(d.gpuCount);
    p.vramGb = num(d.vramGb);
    p.region = num(d.region);
    p.status = num(d.status);
    p.activeStake = big(d.activeStake);
    p.unbondingAmount = big(d.unbondingAmount);
    p.unbondingUnlockAt = big(d.unbondingUnlockAt);
    p.rewardSnapshot = big(d.rewardSnapshot);
    p.rewardDebt = big(d.rewardDebt);
    p.rewardsOwed = big(d.rewardsOwed);
    p.updatedAt = big(d.updatedAt);
    p.unlockPauseMark = big(d.unlockPauseMark);
  }
  if (takeAll(p.versions, ["live"], seq)) {
    p.lockedStake = big(d.lockedStake);
    p.liveJobs = big(d.liveJobs);
  }
  p.owner = keyId(key(d.owner));
  p.stakeVault = keyId(key(d.stakeVault));
  p.registeredAt = big(d.registeredAt);
  p.totalClaimed = max(p.totalClaimed, big(d.totalClaimed));
  p.jobsCompleted = max(p.jobsCompleted, big(d.jobsCompleted));
  p.jobsFailed = max(p.jobsFailed, big(d.jobsFailed));
  p.slashedTotal = max(p.slashedTotal, big(d.slashedTotal));
  p.seq = max(p.seq, seq);
}

/** Applies a Job account read back at `seq`. */
export function applyJobSnapshot(j: JobState, d: Readonly<Record<string, unknown>>, keyId: KeyId): void {
  const seq = big(d.seq);
  if (takeAll(j.versions, ["state"], seq)) j.state = num(d.state);
  j.jobId = big(d.jobId);
  j.price = big(d.price);
  j.maxDuration = big(d.maxDuration);
  j.createdAt = big(d.createdAt);
  j.acceptedAt = big(d.acceptedAt);
  j.deadline = big(d.deadline);
  j.submittedAt = big(d.submittedAt);
  j.finishedAt = big(d.finishedAt);
  j.providerPayout = big(d.providerPayout);
  j.fee = big(d.fee);
  j.refund = big(d.refund);
  j.buyer = keyId(key(d.buyer));
  j.escrow = keyId(key(d.escrow));
  const provider = key(d.provider);
  j.provider = provider.every((b) => b === 0) ? j.provider : keyId(provider);
  j.specHash = key(d.specHash);
  j.resultHash = key(d.resultHash);
  j.disputeReasonHash = key(d.disputeReasonHash);
  j.minGpus = num(d.minGpus);
  j.gpuModel = num(d.gpuModel);
  j.minVramGb = num(d.minVramGb);
  j.providerShareBps = num(d.providerShareBps);
  j.feeBps = num(d.feeBps);
  j.challengeWindow = big(d.challengeWindow);
  if (takeAll(j.versions, ["pause"], seq)) j.pauseMark = big(d.pauseMark);
  j.seq = max(j.seq, seq);
}

/**
 * Applies the Config account as of the transaction at `version` (an order key).
 * The delta totals (job_count, total_claimed, total_slashed) are left to their
 * events: a snapshot read later than the transaction would count later deltas twice.
 */
export function applyConfigSnapshot(c: ConfigState, d: Readonly<Record<string, unknown>>, address: number, version: bigint, keyId: KeyId): void {
  const ids = [keyId(key(d.admin)), keyId(key(d.slashAuthority)), keyId(key(d.stakeMint)), keyId(key(d.treasury)), keyId(key(d.rewardVault))] as const;
  if (takeAll(c.versions, ["params", "stake", "unallocated", "carry"], version)) {
    c.address = address;
    [c.admin, c.slashAuthority, c.stakeMint, c.treasury, c.rewardVault] = ids;
    c.minStakePerGpu = big(d.minStakePerGpu);
    c.unbondingPeriod = big(d.unbondingPeriod);
    c.challengeWindow = big(d.challengeWindow);
    c.protocolFeeBps = num(d.protocolFeeBps);
    c.slashCapBps = num(d.slashCapBps);
    c.paused = d.paused === true;
    c.pausedAt = big(d.pausedAt);
    c.pausedTotal = big(d.pausedTotal);
    c.rewardPeriod = big(d.rewardPeriod);
    c.totalActiveStake = big(d.totalActiveStake);
    c.unallocatedRewards = big(d.unallocatedRewards);
    c.rewardCarry = big(d.rewardCarry);
  }
  c.accRewardPerStake = max(c.accRewardPerStake, big(d.accRewardPerStake));
  c.totalFunded = max(c.totalFunded, big(d.totalFunded));
  c.providerCount = max(c.providerCount, big(d.providerCount));
  c.seq = max(c.seq, big(d.seq));
}
