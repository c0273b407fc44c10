/**
 * Drift and replay comparisons: the indexer's rows against the program's
 * accounts read back (field by field), and a canonical dump of a database
 * that does not depend on row ids or arrival order.
 */
import bs58 from "bs58";
import { sql } from "kysely";
import { openReadStore } from "../../../indexer/src/index.ts";
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

/**
 * A canonical text dump of a database (SQLite file or PostgreSQL URL): state
 * tables and history with addresses and signatures instead of row ids; no
 * arrival-dependent columns. Amounts are printed as plain decimals and an
 * absent history value as null, so both stores of the same chain dump alike.
 */
export async function canonicalDump(location: string): Promise<string> {
  const db = await openReadStore(location);
  try {
    const lines: string[] = [];
    const rows = async (sqlText: string): Promise<void> => {
      for (const r of (await sql.raw<Record<string, unknown>>(sqlText).execute(db.db)).rows) {
        lines.push(
          JSON.stringify(r, (_k, v: unknown) =>
            typeof v === "bigint"
              ? v.toString()
              : typeof v === "string" && /^[0-9]{20}$|^[0-9]{39}$/.test(v)
                ? BigInt(v).toString()
                : v === ""
                  ? null
                  : v && typeof v === "object" && "type" in v && (v as { type: string }).type === "Buffer"
                    ? bs58.encode(Buffer.from((v as unknown as { data: number[] }).data))
                    : v,
          ),
        );
      }
    };
    const sig = "(SELECT signature FROM txs t WHERE t.id = x.tx_id)";
    await rows(`SELECT signature, slot, tx_index, block_time, finality, truncated, event_count FROM txs ORDER BY signature`);
    await rows(`SELECT address FROM pubkeys ORDER BY address`);
    await rows(`SELECT signature, slot, event_index, reason, payload, detail FROM dead_letters ORDER BY signature, event_index`);
    await rows(
      `SELECT ${sig} AS sig, event_index, ix, inner_path, (SELECT name FROM event_kinds k WHERE k.id = x.kind) AS kind, slot, ts, payload FROM events x ORDER BY sig, event_index`,
    );
    for (const t of ["stakes", "escrow", "rewards", "claims", "slashes"])
      await rows(`SELECT '${t}' AS t, ${sig} AS sig, * FROM ${t} x ORDER BY sig, event_index${t === "escrow" ? ", kind" : ""}`);
    const pk = (c: string) => `(SELECT address FROM pubkeys WHERE id = x.${c}) AS ${c}_a`;
    await rows(
      `SELECT ${pk("id")}, ${pk("owner")}, ${pk("stake_vault")}, gpu_model, gpu_count, vram_gb, region, status, active_stake, unbonding_amount, unbonding_unlock_at, reward_snapshot, reward_debt, rewards_owed, total_claimed, jobs_completed, jobs_failed, slashed_total, registered_at, updated_at, seq, versions, finality, last_slot FROM providers x ORDER BY id_a`,
    );
    await rows(
      `SELECT ${pk("id")}, ${pk("buyer")}, ${pk("provider")}, job_id, price, state, seq, provider_payout, fee, refund, finished_at, closed, versions, finality FROM jobs x ORDER BY id_a`,
    );
    await rows(
      `SELECT min_stake_per_gpu, acc_reward_per_stake, total_active_stake, reward_carry, unallocated_rewards, total_funded, total_claimed, total_slashed, provider_count, job_count, seq, versions, finality FROM config`,
    );
    await rows(`SELECT name, value FROM counters WHERE name IN ('events', 'txs', 'deadLetters', 'truncated') ORDER BY name`);
    // tx_id-keyed rows referenced ids only through `sig`: strip the raw ids.
    return lines.map((l) => l.replace(/"tx_id":"\d+",?/g, "").replace(/"(provider|job|funder|owner|authority)":"\d+",?/g, "")).join("\n");
  } finally {
    await db.close();
  }
}
