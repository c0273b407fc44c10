/**
 * Drift and replay comparisons: the indexer's rows against the program's
 * accounts read back (field by field); the canonical dump of a database
 * (independent of row ids and arrival order) is the indexer's own.
 */
import { sql } from "kysely";
import { openReadStore } from "../../../indexer/src/index.ts";

export { canonicalDump } from "../../../indexer/src/store/dump.ts";
import { PublicKey } from "@solana/web3.js";
import { decodeConfig, decodeJob, decodeProvider, JOB_STATES, PROVIDER_STATUSES } from "../../../sdk/src/accounts.ts";

/** Fields the index cannot know from events (documented in SCHEMA.md). */
export const NOT_INDEXED = {
  config: ["bump", "rewardVaultBump", "version", "seq", "streamEnd", "streamUpdatedAt"],
  provider: ["bump", "vaultBump", "version", "slashEpoch", "slashedInEpoch"],
  job: ["bump", "escrowBump", "version", "rentLamports"],
} as const;

const norm = (v: unknown): string => {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof PublicKey) return v.toBase58();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  if (Array.isArray(v)) return Buffer.from(v as number[]).toString("hex");
  if (typeof v === "boolean") return v ? "1" : "0";
  if (v === null || v === undefined) return "null";
  return String(v);
};

type Flat = Record<string, string>;
const flat = (o: object, skip: readonly string[]): Flat => {
  const out: Flat = {};
  for (const [k, v] of Object.entries(o)) if (!skip.includes(k)) out[k] = norm(v);
  return out;
};

/** The chain's accounts as flat string maps, by base58 address. */
export function chainState(accounts: ReadonlyMap<string, Uint8Array | null>): { config: Flat | null; providers: Map<string, Flat>; jobs: Map<string, Flat> } {
  let config: Flat | null = null;
  const providers = new Map<string, Flat>();
  const jobs = new Map<string, Flat>();
  for (const [addr, data] of accounts) {
    if (!data) continue;
    try {
      config = flat(decodeConfig(data), NOT_INDEXED.config);
      continue;
    } catch {
      /* not a config */
    }
    try {
      const p = decodeProvider(data);
      providers.set(addr, flat({ ...p, status: PROVIDER_STATUSES.indexOf(p.status) }, NOT_INDEXED.provider));
      continue;
    } catch {
      /* not a provider */
    }
    try {
      const j = decodeJob(data);
      jobs.set(addr, flat({ ...j, state: JOB_STATES.indexOf(j.state) }, NOT_INDEXED.job));
    } catch {
      /* not a job */
    }
  }
  return { config, providers, jobs };
}

const ZERO32 = "0".repeat(64);

type IndexState = { config: Flat | null; providers: Map<string, Flat>; jobs: Map<string, Flat> };

/** The index's rows (SQLite file or PostgreSQL URL) in the same shape as {@link chainState} (closed jobs left out). */
export async function indexState(location: string): Promise<IndexState> {
  const r = await openReadStore(location);
  const all = async (text: string): Promise<Record<string, unknown>[]> => (await sql.raw<Record<string, unknown>>(text).execute(r.db)).rows;
  try {
    const keys = new Map((await all("SELECT id, address FROM pubkeys")).map((k) => [String(k.id), k.address as string]));
    const addr = (id: unknown): string => {
      if (id === null) return PublicKey.default.toBase58();
      return keys.get(String(id)) as string;
    };
    const h = (b: unknown): string => (b === null ? ZERO32 : Buffer.from(b as Buffer).toString("hex"));
    const u = (s: unknown): string => BigInt(s as string).toString();
    const c = (await all("SELECT * FROM config"))[0];
    const config: Flat | null = c
      ? {
          accRewardPerStake: u(c.acc_reward_per_stake),
          minStakePerGpu: u(c.min_stake_per_gpu),
          unbondingPeriod: String(c.unbonding_period),
          challengeWindow: String(c.challenge_window),
          totalActiveStake: u(c.total_active_stake),
          rewardCarry: u(c.reward_carry),
          unallocatedRewards: u(c.unallocated_rewards),
          totalFunded: u(c.total_funded),
          totalClaimed: u(c.total_claimed),
          totalSlashed: u(c.total_slashed),
          providerCount: u(c.provider_count),
          jobCount: u(c.job_count),
          admin: addr(c.admin),
          slashAuthority: addr(c.slash_authority),
          stakeMint: addr(c.stake_mint),
          treasury: addr(c.treasury),
          rewardVault: addr(c.reward_vault),
          protocolFeeBps: String(c.protocol_fee_bps),
          slashCapBps: String(c.slash_cap_bps),
          paused: String(c.paused),
          pausedAt: String(c.paused_at),
          pausedTotal: String(c.paused_total),
          rewardPeriod: String(c.reward_period),
        }
      : null;
    const providers = new Map<string, Flat>();
    for (const p of await all("SELECT * FROM providers")) {
      providers.set(addr(p.id), {
        activeStake: u(p.active_stake),
        unbondingAmount: u(p.unbonding_amount),
        unbondingUnlockAt: String(p.unbonding_unlock_at),
        rewardSnapshot: u(p.reward_snapshot),
        rewardDebt: u(p.reward_debt),
        rewardsOwed: u(p.rewards_owed),
        totalClaimed: u(p.total_claimed),
        jobsCompleted: u(p.jobs_completed),
        jobsFailed: u(p.jobs_failed),
        slashedTotal: u(p.slashed_total),
        registeredAt: String(p.registered_at),
        updatedAt: String(p.updated_at),
        seq: u(p.seq),
        owner: addr(p.owner),
        stakeVault: addr(p.stake_vault),
        metadataHash: h(p.metadata_hash),
        gpuModel: String(p.gpu_model),
        gpuCount: String(p.gpu_count),
        vramGb: String(p.vram_gb),
        region: String(p.region),
        status: String(p.status),
        lockedStake: u(p.locked_stake),
        liveJobs: u(p.live_jobs),
        unlockPauseMark: String(p.unlock_pause_mark),
      });
    }
    const jobs = new Map<string, Flat>();
    for (const j of await all("SELECT * FROM jobs WHERE closed = 0")) {
      jobs.set(addr(j.id), {
        jobId: u(j.job_id),
        price: u(j.price),
        maxDuration: String(j.max_duration),
        createdAt: String(j.created_at),
        acceptedAt: String(j.accepted_at),
        deadline: String(j.deadline),
        submittedAt: String(j.submitted_at),
        finishedAt: String(j.finished_at),
        providerPayout: u(j.provider_payout),
        fee: u(j.fee),
        refund: u(j.refund),
        seq: u(j.seq),
        buyer: addr(j.buyer),
        provider: addr(j.provider),
        escrow: addr(j.escrow),
        specHash: h(j.spec_hash),
        resultHash: h(j.result_hash),
        disputeReasonHash: h(j.dispute_reason_hash),
        minGpus: String(j.min_gpus),
        gpuModel: String(j.gpu_model),
        minVramGb: String(j.min_vram_gb),
        providerShareBps: String(j.provider_share_bps),
        state: String(j.state),
        challengeWindow: String(j.challenge_window),
        pauseMark: String(j.pause_mark),
        feeBps: String(j.fee_bps),
      });
    }
    return { config, providers, jobs };
  } finally {
    await r.close();
  }
}

/** Field-by-field differences, as readable lines (empty when equal). */
export function diffStates(chain: ReturnType<typeof chainState>, index: IndexState): string[] {
  const out: string[] = [];
  const cmp = (what: string, a: Flat | null | undefined, b: Flat | null | undefined): void => {
    if (!a || !b) {
      if (a !== b) out.push(`${what}: ${a ? "missing in index" : "missing on chain"}`);
      return;
    }
    for (const k of Object.keys(a)) if (a[k] !== b[k]) out.push(`${what}.${k}: chain ${a[k]} index ${b[k] ?? "(absent)"}`);
  };
  cmp("config", chain.config, index.config);
  for (const k of new Set([...chain.providers.keys(), ...index.providers.keys()])) cmp(`provider ${k}`, chain.providers.get(k), index.providers.get(k));
  for (const k of new Set([...chain.jobs.keys(), ...index.jobs.keys()])) cmp(`job ${k}`, chain.jobs.get(k), index.jobs.get(k));
  return out;
}
