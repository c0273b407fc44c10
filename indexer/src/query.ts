/**
 * The typed query module over a (read-only) index database. Amounts come back
 * as bigint; sums are done with bigint in JS, never with SQLite's SUM over
 * text (which would go through a lossy REAL). Addresses are base58.
 */
import { sql, type Kysely } from "kysely";
import { JOB_STATES, PROVIDER_STATUS } from "@gpunet/sdk";
import { IndexerError } from "./errors.ts";
import type { IndexDatabase } from "./db/schema.ts";
import { FINALITY_NAME, type Finality } from "./types.ts";
import { checkIntParam, MAX_BUCKET_SECONDS, MAX_LIMIT, MAX_OFFSET, parseAddressParam } from "./params.ts";
import { runAsync, type SqlProgram } from "./history/executor.ts";
import { u64Text } from "./db/u64.ts";
import {
  decodeCursor,
  gpuBreakdown,
  jobTimeline,
  kyselyExecutor,
  metaDocument,
  networkSeries,
  providerIdOf,
  providerSeries,
  providerSlashes,
  pubkeyId,
  reputationOf,
  reputationPage,
  type GpuBreakdown,
  type JobTimeline,
  type MetaDocument,
  type NetworkPoint,
  type ProviderPoint,
  type ReputationItem,
  type ReputationPage,
  type Series,
  type SeriesRange,
  type SlashItem,
} from "./api/read.ts";

/** Job states by number (the IDL's JobState). */
export { JOB_STATES };
/** A job state name. */
export type JobStateName = (typeof JOB_STATES)[number];

/** A provider as the index sees it. */
export interface ProviderView {
  readonly address: string;
  readonly owner: string | null;
  readonly status: number;
  readonly gpuModel: number;
  readonly gpuCount: number;
  readonly vramGb: number;
  readonly region: number;
  readonly activeStake: bigint;
  readonly unbondingAmount: bigint;
  readonly unbondingUnlockAt: bigint;
  readonly rewardsOwed: bigint;
  readonly rewardDebt: bigint;
  readonly totalClaimed: bigint;
  readonly jobsCompleted: bigint;
  readonly jobsFailed: bigint;
  readonly slashedTotal: bigint;
  readonly registeredAt: bigint;
  readonly updatedAt: bigint;
  readonly seq: bigint;
  readonly finality: Finality;
}

/** A job as the index sees it. */
export interface JobView {
  readonly address: string;
  readonly jobId: bigint;
  readonly buyer: string | null;
  readonly provider: string | null;
  readonly escrow: string | null;
  readonly price: bigint;
  readonly maxDuration: bigint;
  readonly state: JobStateName;
  readonly createdAt: bigint;
  readonly acceptedAt: bigint;
  readonly deadline: bigint;
  readonly submittedAt: bigint;
  readonly finishedAt: bigint;
  readonly providerPayout: bigint;
  readonly fee: bigint;
  readonly refund: bigint;
  readonly providerShareBps: number;
  readonly minGpus: number;
  readonly gpuModel: number;
  readonly minVramGb: number;
  readonly closed: boolean;
  readonly seq: bigint;
  readonly finality: Finality;
}

/** One time bucket of rewards. */
export interface RewardsBucket {
  readonly bucketStart: bigint;
  /** Funded directly by funders (source 0). */
  readonly funded: bigint;
  /** Funded from job fees (source 1). */
  readonly fees: bigint;
  readonly claimed: bigint;
  readonly slashed: bigint;
}

/** One time bucket of job payments (escrow movements). */
export interface PaymentsBucket {
  readonly bucketStart: bigint;
  readonly deposits: bigint;
  readonly payouts: bigint;
  readonly fees: bigint;
  readonly refunds: bigint;
}

/** Network-wide totals. */
export interface NetworkTotals {
  /** Active stake as the Config account records it. */
  readonly activeStake: bigint;
  readonly providers: number;
  readonly activeProviders: number;
  /** GPUs of providers with status active (0). */
  readonly gpuCount: bigint;
  readonly jobs: number;
  readonly jobsByState: Readonly<Record<JobStateName, number>>;
  /** Sum of all job prices. */
  readonly jobVolume: bigint;
  readonly paidToProviders: bigint;
  readonly feesCollected: bigint;
  readonly refunded: bigint;
  readonly totalFunded: bigint;
  readonly totalClaimed: bigint;
  readonly totalSlashed: bigint;
  readonly unallocatedRewards: bigint;
  readonly indexedSlot: bigint | null;
}

/** A dead-lettered payload. */
export interface DeadLetterView {
  readonly signature: string;
  readonly slot: bigint;
  readonly eventIndex: number;
  readonly reason: string;
  readonly payload: string;
  readonly detail: string;
}

/** Pagination. */
export interface Page {
  readonly limit?: number;
  readonly offset?: number;
}

const big = (v: unknown): bigint => (v === null || v === undefined ? 0n : typeof v === "bigint" ? v : BigInt(v as string));
const num = (v: unknown): number => Number(v as bigint);
const fin = (v: unknown): Finality => FINALITY_NAME[num(v)] ?? "processed";
/** Validated page bounds: limit 1..10,000 (default 100), offset 0..2^53-1 (default 0). */
const lim = (p: Page | undefined): { limit: number; offset: number } => ({
  limit: checkIntParam("limit", p?.limit ?? 100, 1, MAX_LIMIT),
  offset: checkIntParam("offset", p?.offset ?? 0, 0, MAX_OFFSET),
});
const bucketSize = (s: number | undefined): bigint => BigInt(checkIntParam("bucketSeconds", s ?? 86_400, 1, MAX_BUCKET_SECONDS));

/**
 * The query functions; see each member. A malformed address, a page or bucket
 * out of range throws `IndexerError` `InvalidParameter`; a well-formed address
 * that is not indexed gives null (or no rows).
 */
export interface IndexQueries {
  /** Providers by active stake, largest first. */
  providersByStake(page?: Page): Promise<ProviderView[]>;
  /** One provider by its PDA or its owner wallet (base58). */
  provider(address: string): Promise<ProviderView | null>;
  /** Jobs filtered by state, buyer wallet, provider (PDA or owner wallet); newest first. */
  jobs(filter?: { readonly state?: JobStateName; readonly buyer?: string; readonly provider?: string } & Page): Promise<JobView[]>;
  job(address: string): Promise<JobView | null>;
  /** Rewards funded/claimed/slashed per bucket of `bucketSeconds` (default one day). */
  rewardsOverTime(opts?: { readonly bucketSeconds?: number; readonly from?: bigint; readonly to?: bigint }): Promise<RewardsBucket[]>;
  /** Escrow movements per bucket. */
  paymentsOverTime(opts?: { readonly bucketSeconds?: number; readonly from?: bigint; readonly to?: bigint }): Promise<PaymentsBucket[]>;
  networkTotals(): Promise<NetworkTotals>;
  deadLetters(page?: Page): Promise<DeadLetterView[]>;
  counters(): Promise<Record<string, bigint>>;
  /** Providers by active stake, a page at a time: pass `nextCursor` back as `cursor`. */
  providersPage(page?: CursorPage): Promise<Paged<ProviderView>>;
  /** Jobs newest first, a page at a time. */
  jobsPage(filter?: { readonly state?: JobStateName; readonly buyer?: string; readonly provider?: string } & CursorPage): Promise<Paged<JobView>>;
  /** Dead letters newest first, a page at a time. */
  deadLettersPage(page?: CursorPage): Promise<Paged<DeadLetterView>>;
  /** The network series per day or epoch over [from, to) (unix seconds), empty buckets included. */
  networkSeries(range?: SeriesRange): Promise<Series<NetworkPoint>>;
  /** A provider's series (PDA or owner wallet); null when not indexed. */
  providerSeries(address: string, range?: SeriesRange): Promise<(Series<ProviderPoint> & { provider: string }) | null>;
  /** GPUs of active providers by model and region, now. */
  gpus(): Promise<GpuBreakdown>;
  /** The reputation leaderboard, a page at a time (limit 1..1,000, default 100). */
  reputation(page?: { readonly limit?: number; readonly cursor?: string }): Promise<ReputationPage>;
  /** One provider's reputation (PDA or owner wallet) with its rank. */
  reputationOf(address: string): Promise<(ReputationItem & { formula: string }) | null>;
  /** A provider's slashes with their reasons, newest first. */
  providerSlashes(address: string): Promise<{ items: SlashItem[] } | null>;
  /** A job's events in chain order, its state and why it ended. */
  jobTimeline(address: string): Promise<JobTimeline | null>;
  /** Program, mint, decimals and names by code. */
  meta(programId?: string): Promise<MetaDocument>;
}

/** Cursor pagination: `cursor` is the `nextCursor` of the previous page. */
export interface CursorPage {
  readonly limit?: number;
  readonly cursor?: string;
}

/** One page and the cursor of the next (null on the last page). */
export interface Paged<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

/** Most reputation rows one page returns. */
export const MAX_REPUTATION_LIMIT = 1_000;

const cursorOf = (parts: readonly (bigint | number)[]): string => Buffer.from(parts.join(".")).toString("base64url");

/**
 * Creates the query functions over a database handle (reader or writer).
 *
 * @example
 * ```ts
 * const r = openReaderDatabase("index.db");
 * const q = createIndexQueries(r.db);
 * const top = await q.providersByStake({ limit: 10 });
 * ```
 */
export function createIndexQueries(db: Kysely<IndexDatabase>): IndexQueries {
  const exec = kyselyExecutor(db);
  const go = <T>(p: SqlProgram<T>): Promise<T> => runAsync(p, exec);
  const providerKey = async (address: string): Promise<number | null> => go(providerIdOf(parseAddressParam("address", address)));
  const providerSelect = () =>
    db
      .selectFrom("providers as p")
      .innerJoin("pubkeys as pk", "pk.id", "p.id")
      .leftJoin("pubkeys as o", "o.id", "p.owner")
      .select([
        "pk.address as address",
        "o.address as owner",
        "p.status",
        "p.gpu_model",
        "p.gpu_count",
        "p.vram_gb",
        "p.region",
        "p.active_stake",
        "p.unbonding_amount",
        "p.unbonding_unlock_at",
        "p.rewards_owed",
        "p.reward_debt",
        "p.total_claimed",
        "p.jobs_completed",
        "p.jobs_failed",
        "p.slashed_total",
        "p.registered_at",
        "p.updated_at",
        "p.seq",
        "p.finality",
      ]);
  type ProviderRow = Awaited<ReturnType<ReturnType<typeof providerSelect>["executeTakeFirstOrThrow"]>>;
  const toProvider = (r: ProviderRow): ProviderView => ({
    address: r.address,
    owner: r.owner,
    status: num(r.status),
    gpuModel: num(r.gpu_model),
    gpuCount: num(r.gpu_count),
    vramGb: num(r.vram_gb),
    region: num(r.region),
    activeStake: big(r.active_stake),
    unbondingAmount: big(r.unbonding_amount),
    unbondingUnlockAt: big(r.unbonding_unlock_at),
    rewardsOwed: big(r.rewards_owed),
    rewardDebt: big(r.reward_debt),
    totalClaimed: big(r.total_claimed),
    jobsCompleted: big(r.jobs_completed),
    jobsFailed: big(r.jobs_failed),
    slashedTotal: big(r.slashed_total),
    registeredAt: big(r.registered_at),
    updatedAt: big(r.updated_at),
    seq: big(r.seq),
    finality: fin(r.finality),
  });

  const jobSelect = () =>
    db
      .selectFrom("jobs as j")
      .innerJoin("pubkeys as pk", "pk.id", "j.id")
      .leftJoin("pubkeys as b", "b.id", "j.buyer")
      .leftJoin("pubkeys as pr", "pr.id", "j.provider")
      .leftJoin("pubkeys as e", "e.id", "j.escrow")
      .select([
        "pk.address as address",
        "j.job_id",
        "b.address as buyer",
        "pr.address as provider",
        "e.address as escrow",
        "j.price",
        "j.max_duration",
        "j.state",
        "j.created_at",
        "j.accepted_at",
        "j.deadline",
        "j.submitted_at",
        "j.finished_at",
        "j.provider_payout",
        "j.fee",
        "j.refund",
        "j.provider_share_bps",
        "j.min_gpus",
        "j.gpu_model",
        "j.min_vram_gb",
        "j.closed",
        "j.seq",
        "j.finality",
      ]);
  type JobRow = Awaited<ReturnType<ReturnType<typeof jobSelect>["executeTakeFirstOrThrow"]>>;
  const toJob = (r: JobRow): JobView => ({
    address: r.address,
    jobId: big(r.job_id),
    buyer: r.buyer,
    provider: r.provider,
    escrow: r.escrow,
    price: big(r.price),
    maxDuration: big(r.max_duration),
    state: JOB_STATES[num(r.state)] ?? "open",
    createdAt: big(r.created_at),
    acceptedAt: big(r.accepted_at),
    deadline: big(r.deadline),
    submittedAt: big(r.submitted_at),
    finishedAt: big(r.finished_at),
    providerPayout: big(r.provider_payout),
    fee: big(r.fee),
    refund: big(r.refund),
    providerShareBps: num(r.provider_share_bps),
    minGpus: num(r.min_gpus),
    gpuModel: num(r.gpu_model),
    minVramGb: num(r.min_vram_gb),
    closed: num(r.closed) !== 0,
    seq: big(r.seq),
    finality: fin(r.finality),
  });

  const keyOf = async (address: string, name = "address"): Promise<bigint | null> => {
    const bytes = parseAddressParam(name, address);
    const r = await db.selectFrom("pubkeys").select("id").where("key", "=", Buffer.from(bytes)).executeTakeFirst();
    return r ? r.id : null;
  };

  const bucketOf = (ts: bigint, size: bigint): bigint => (ts >= 0n ? ts - (ts % size) : ts - (((ts % size) + size) % size));

  return {
    async providersByStake(page) {
      const { limit, offset } = lim(page);
      const rows = await providerSelect().orderBy("p.active_stake", "desc").orderBy("p.id").limit(limit).offset(offset).execute();
      return rows.map(toProvider);
    },
    async provider(address) {
      const id = await keyOf(address);
      if (id === null) return null;
      const r = (await providerSelect().where("p.id", "=", id).executeTakeFirst()) ?? (await providerSelect().where("p.owner", "=", id).executeTakeFirst());
      return r ? toProvider(r) : null;
    },
    async jobs(filter = {}) {
      const { limit, offset } = lim(filter);
      let q = jobSelect();
      if (filter.state !== undefined && !(JOB_STATES as readonly string[]).includes(filter.state)) {
        throw new IndexerError("InvalidParameter", `state: must be one of ${JOB_STATES.join(", ")}`);
      }
      if (filter.state !== undefined) q = q.where("j.state", "=", BigInt(JOB_STATES.indexOf(filter.state)));
      if (filter.buyer !== undefined) {
        const id = await keyOf(filter.buyer, "buyer");
        if (id === null) return [];
        q = q.where("j.buyer", "=", id);
      }
      if (filter.provider !== undefined) {
        const id = await keyOf(filter.provider, "provider");
        if (id === null) return [];
        const owned = await db.selectFrom("providers").select("id").where("owner", "=", id).executeTakeFirst();
        q = q.where("j.provider", "=", owned ? owned.id : id);
      }
      const rows = await q.orderBy("j.created_at", "desc").orderBy("j.id", "desc").limit(limit).offset(offset).execute();
      return rows.map(toJob);
    },
    async job(address) {
      const id = await keyOf(address);
      if (id === null) return null;
      const r = await jobSelect().where("j.id", "=", id).executeTakeFirst();
      return r ? toJob(r) : null;
    },
    async rewardsOverTime(opts = {}) {
      const size = bucketSize(opts.bucketSeconds);
      const from = opts.from ?? -(1n << 62n);
      const to = opts.to ?? 1n << 62n;
      const buckets = new Map<bigint, { funded: bigint; fees: bigint; claimed: bigint; slashed: bigint }>();
      const at = (ts: bigint) => {
        const k = bucketOf(ts, size);
        let b = buckets.get(k);
        if (!b) buckets.set(k, (b = { funded: 0n, fees: 0n, claimed: 0n, slashed: 0n }));
        return b;
      };
      for (const r of await db.selectFrom("rewards").select(["ts", "amount", "source"]).where("ts", ">=", from).where("ts", "<", to).execute()) {
        const b = at(r.ts);
        if (r.source === 0n) b.funded += big(r.amount);
        else b.fees += big(r.amount);
      }
      for (const r of await db.selectFrom("claims").select(["ts", "amount"]).where("ts", ">=", from).where("ts", "<", to).execute())
        at(r.ts).claimed += big(r.amount);
      for (const r of await db.selectFrom("slashes").select(["ts", "amount"]).where("ts", ">=", from).where("ts", "<", to).execute())
        at(r.ts).slashed += big(r.amount);
      return [...buckets.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([bucketStart, v]) => ({ bucketStart, ...v }));
    },
    async paymentsOverTime(opts = {}) {
      const size = bucketSize(opts.bucketSeconds);
      const from = opts.from ?? -(1n << 62n);
      const to = opts.to ?? 1n << 62n;
      const buckets = new Map<bigint, { deposits: bigint; payouts: bigint; fees: bigint; refunds: bigint }>();
      for (const r of await db.selectFrom("escrow").select(["ts", "kind", "amount"]).where("ts", ">=", from).where("ts", "<", to).execute()) {
        const k = bucketOf(r.ts, size);
        let b = buckets.get(k);
        if (!b) buckets.set(k, (b = { deposits: 0n, payouts: 0n, fees: 0n, refunds: 0n }));
        const a = big(r.amount);
        if (r.kind === "deposit") b.deposits += a;
        else if (r.kind === "payout") b.payouts += a;
        else if (r.kind === "fee") b.fees += a;
        else b.refunds += a;
      }
      return [...buckets.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([bucketStart, v]) => ({ bucketStart, ...v }));
    },
    async networkTotals() {
      const cfg = await db.selectFrom("config").selectAll().executeTakeFirst();
      const providers = await db.selectFrom("providers").select(["status", "gpu_count", "active_stake"]).execute();
      const jobs = await db.selectFrom("jobs").select(["state", "price", "provider_payout", "fee", "refund"]).execute();
      const byState = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobStateName, number>;
      let volume = 0n;
      let paid = 0n;
      let fees = 0n;
      let refunded = 0n;
      for (const j of jobs) {
        const name = JOB_STATES[num(j.state)] ?? "open";
        byState[name]++;
        volume += big(j.price);
        paid += big(j.provider_payout);
        fees += big(j.fee);
        refunded += big(j.refund);
      }
      const active = providers.filter((p) => p.status === BigInt(PROVIDER_STATUS.active));
      const slot = await db.selectFrom("txs").select(sql<bigint | null>`max(slot)`.as("s")).executeTakeFirst();
      return {
        activeStake: big(cfg?.total_active_stake),
        providers: providers.length,
        activeProviders: active.filter((p) => big(p.active_stake) > 0n).length,
        gpuCount: active.reduce((a, p) => a + p.gpu_count, 0n),
        jobs: jobs.length,
        jobsByState: byState,
        jobVolume: volume,
        paidToProviders: paid,
        feesCollected: fees,
        refunded,
        totalFunded: big(cfg?.total_funded),
        totalClaimed: big(cfg?.total_claimed),
        totalSlashed: big(cfg?.total_slashed),
        unallocatedRewards: big(cfg?.unallocated_rewards),
        indexedSlot: slot?.s ?? null,
      };
    },
    async deadLetters(page) {
      const { limit, offset } = lim(page);
      const rows = await db.selectFrom("dead_letters").selectAll().orderBy("id", "desc").limit(limit).offset(offset).execute();
      return rows.map((r) => ({
        signature: r.signature,
        slot: r.slot,
        eventIndex: num(r.event_index),
        reason: r.reason,
        payload: r.payload,
        detail: r.detail,
      }));
    },
    async counters() {
      const out: Record<string, bigint> = {};
      for (const r of await db.selectFrom("counters").selectAll().execute()) out[r.name] = r.value;
      return out;
    },
    async providersPage(page = {}) {
      const limit = checkIntParam("limit", page.limit ?? 100, 1, MAX_LIMIT);
      let q = providerSelect().select("p.id as rid");
      if (page.cursor !== undefined && page.cursor !== "") {
        const [stake, id] = decodeCursor(page.cursor, 2) as [bigint, bigint];
        if (stake < 0n || stake >= 1n << 64n) throw new IndexerError("InvalidParameter", "cursor: is not a cursor this API returned");
        const s = u64Text(stake);
        q = q.where((eb) => eb.or([eb("p.active_stake", "<", s), eb.and([eb("p.active_stake", "=", s), eb("p.id", ">", id)])]));
      }
      const rows = await q
        .orderBy("p.active_stake", "desc")
        .orderBy("p.id")
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items: items.map(toProvider), nextCursor: rows.length > limit && last ? cursorOf([big(last.active_stake), last.rid]) : null };
    },
    async jobsPage(filter = {}) {
      const limit = checkIntParam("limit", filter.limit ?? 100, 1, MAX_LIMIT);
      const cur = filter.cursor !== undefined && filter.cursor !== "" ? (decodeCursor(filter.cursor, 2) as [bigint, bigint]) : null;
      if (filter.state !== undefined && !(JOB_STATES as readonly string[]).includes(filter.state)) {
        throw new IndexerError("InvalidParameter", `state: must be one of ${JOB_STATES.join(", ")}`);
      }
      // The filters of `jobs`, then the cursor's position in (created_at desc, id desc).
      let q = jobSelect().select("j.id as rid");
      if (filter.state !== undefined) q = q.where("j.state", "=", BigInt(JOB_STATES.indexOf(filter.state)));
      if (filter.buyer !== undefined) {
        const id = await keyOf(filter.buyer, "buyer");
        if (id === null) return { items: [], nextCursor: null };
        q = q.where("j.buyer", "=", id);
      }
      if (filter.provider !== undefined) {
        const id = await keyOf(filter.provider, "provider");
        if (id === null) return { items: [], nextCursor: null };
        const owned = await db.selectFrom("providers").select("id").where("owner", "=", id).executeTakeFirst();
        q = q.where("j.provider", "=", owned ? owned.id : id);
      }
      if (cur) q = q.where((eb) => eb.or([eb("j.created_at", "<", cur[0]), eb.and([eb("j.created_at", "=", cur[0]), eb("j.id", "<", cur[1])])]));
      const rows = await q
        .orderBy("j.created_at", "desc")
        .orderBy("j.id", "desc")
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items: items.map(toJob), nextCursor: rows.length > limit && last ? cursorOf([last.created_at, last.rid]) : null };
    },
    async deadLettersPage(page = {}) {
      const limit = checkIntParam("limit", page.limit ?? 100, 1, MAX_LIMIT);
      let q = db.selectFrom("dead_letters").selectAll();
      if (page.cursor !== undefined && page.cursor !== "") {
        const [id] = decodeCursor(page.cursor, 1) as [bigint];
        q = q.where("id", "<", id);
      }
      const rows = await q
        .orderBy("id", "desc")
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => ({
          signature: r.signature,
          slot: r.slot,
          eventIndex: num(r.event_index),
          reason: r.reason,
          payload: r.payload,
          detail: r.detail,
        })),
        nextCursor: rows.length > limit && last ? cursorOf([last.id]) : null,
      };
    },
    networkSeries: (range = {}) => go(networkSeries(range)),
    async providerSeries(address, range = {}) {
      const id = await providerKey(address);
      if (id === null) return null;
      const s = await go(providerSeries(id, range));
      const pk = await db.selectFrom("pubkeys").select("address").where("id", "=", BigInt(id)).executeTakeFirstOrThrow();
      return { provider: pk.address, ...s };
    },
    gpus: () => go(gpuBreakdown()),
    reputation: (page = {}) => go(reputationPage(checkIntParam("limit", page.limit ?? 100, 1, MAX_REPUTATION_LIMIT), page.cursor)),
    async reputationOf(address) {
      const id = await providerKey(address);
      return id === null ? null : go(reputationOf(id));
    },
    async providerSlashes(address) {
      const id = await providerKey(address);
      return id === null ? null : go(providerSlashes(id));
    },
    async jobTimeline(address) {
      const id = await go(pubkeyId(parseAddressParam("address", address)));
      return id === null ? null : go(jobTimeline(id));
    },
    meta: (programId) => go(metaDocument(programId)),
  };
}

/** JSON.stringify replacer: bigint as decimal string (exact). */
export function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
