/**
 * Job handlers. The job's state is a last-writer-wins register by the job's
 * `seq` (every job event carries it); the fields an event sets are written by
 * the one event that can set them. A closed job is kept, marked `closed`.
 */
import { BPS_DENOMINATOR, JOB_STATE } from "@gpunet/sdk";
import { bigMax as max, lww, type JobState } from "../processors/state.ts";
import type { EntityHandlers } from "./types.ts";

/** Moves the job to state `s` when `seq` is the newest seen. */
function state(j: JobState, seq: bigint, s: number): void {
  if (lww(j.versions, "state", seq)) j.state = s;
  j.seq = max(j.seq, seq);
}

/** How each event changes a job. */
export const JOB_HANDLERS = {
  jobCreated(j, { data: d }, { keyId }) {
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
    if (lww(j.versions, "pause", d.seq)) j.pauseMark = d.pauseMark;
    state(j, d.seq, JOB_STATE.open);
  },
  jobCancelled(j, { data: d }) {
    j.refund = d.refund;
    j.finishedAt = d.timestamp;
    j.endReason = d.endReason;
    state(j, d.seq, JOB_STATE.cancelled);
  },
  jobAccepted(j, { data: d }, { keyId }) {
    j.provider = keyId(d.provider);
    j.acceptedAt = d.timestamp;
    j.deadline = d.deadline;
    if (lww(j.versions, "pause", d.seq)) j.pauseMark = d.pauseMark;
    state(j, d.seq, JOB_STATE.accepted);
  },
  resultSubmitted(j, { data: d }) {
    j.submittedAt = d.timestamp;
    j.resultHash = d.resultHash;
    if (lww(j.versions, "pause", d.seq)) j.pauseMark = d.pauseMark;
    state(j, d.seq, JOB_STATE.submitted);
  },
  jobDisputed(j, { data: d }) {
    j.disputeReasonHash = d.reasonHash;
    state(j, d.seq, JOB_STATE.disputed);
  },
  jobCompleted(j, { data: d }) {
    j.providerPayout = d.providerPayout;
    j.fee = d.fee;
    j.refund = 0n;
    j.providerShareBps = BPS_DENOMINATOR;
    j.finishedAt = d.timestamp;
    j.endReason = d.endReason;
    state(j, d.seq, JOB_STATE.completed);
  },
  disputeResolved(j, { data: d }) {
    j.providerPayout = d.providerPayout;
    j.fee = d.fee;
    j.refund = d.refund;
    j.providerShareBps = d.providerShareBps;
    j.finishedAt = d.timestamp;
    j.endReason = d.endReason;
    state(j, d.seq, JOB_STATE.resolved);
  },
  jobExpired(j, { data: d }) {
    j.refund = d.refund;
    j.finishedAt = d.timestamp;
    j.endReason = d.endReason;
    state(j, d.seq, JOB_STATE.expired);
  },
  jobClosed(j, { data: d }) {
    j.closed = true;
    j.closedAt = d.timestamp;
    j.seq = max(j.seq, d.seq);
  },
} satisfies EntityHandlers<JobState>;
