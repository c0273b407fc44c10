/**
 * The analytics reads: time series, GPUs, reputation, slashes, job timelines,
 * and the meta document. Written as portable {@link SqlProgram}s (see
 * history/executor.ts) so the query module, the HTTP API and any store
 * dialect run the same code. Every query uses an index: series and
 * reputation by their primary keys / rank index, slashes by provider, a job's
 * events by the timestamp index within the job's lifetime.
 */
import bs58 from "bs58";
import { decodeEventBytes, GPUNET_PROGRAM_ADDRESS, PROVIDER_STATUS } from "@gpunet/sdk";
import { CompiledQuery, type Kysely } from "kysely";
import { bucketStart, SPAN_SECONDS, type Span } from "../history/buckets.ts";
import { all, dollarPlaceholders, int, small, type AsyncExecutor, type SqlProgram, type SqlRow } from "../history/executor.ts";
import { REPUTATION_FORMULA, scoreNumber } from "../history/reputation.ts";
import { IndexerError } from "../errors.ts";
import {
  GPU_MODEL_NAMES,
  gpuModelName,
  isoTime,
  JOB_END_REASON_NAMES,
  JOB_STATE_NAMES,
  PROVIDER_STATUS_NAMES,
  REGION_NAMES,
  regionName,
  SLASH_REASON_NAMES,
  slashReasonName,
} from "../names.ts";

/** Most points one series answer holds. */
export const MAX_POINTS = 10_000;

const bad = (name: string, why: string): IndexerError => new IndexerError("InvalidParameter", `${name}: ${why}`);

/** One bucket of the network series. Stocks are values at the bucket's end; the rest are flows within it. */
export interface NetworkPoint {
  readonly t: number;
  readonly iso: string;
  readonly activeStake: bigint;
  readonly unbondingStake: bigint;
  readonly providers: number;
  readonly providersActive: number;
  readonly gpus: number;
  readonly jobsCreated: number;
  readonly jobsAccepted: number;
  readonly jobsCompleted: number;
  readonly jobsFailed: number;
  readonly jobsExpired: number;
  readonly jobsDisputed: number;
  readonly jobsCancelled: number;
  readonly volume: bigint;
  readonly fees: bigint;
  readonly rewardsFunded: bigint;
  readonly rewardsClaimed: bigint;
  readonly slashed: bigint;
  readonly staked: bigint;
  readonly unstaked: bigint;
  readonly withdrawn: bigint;
  readonly events: number;
}

/** One bucket of a provider's series. */
export interface ProviderPoint {
  readonly t: number;
  readonly iso: string;
  readonly stake: bigint;
  readonly unbonding: bigint;
  readonly jobsAccepted: number;
  readonly jobsCompleted: number;
  readonly jobsFailed: number;
  readonly jobsExpired: number;
  readonly jobsDisputed: number;
  readonly earnings: bigint;
  readonly rewardsClaimed: bigint;
  readonly slashed: bigint;
  readonly slashes: number;
  readonly staked: bigint;
}

/** A series answer. */
export interface Series<P> {
  readonly interval: Span;
  readonly from: number;
  readonly to: number;
  readonly points: P[];
}

/** Time range of a series request (unix seconds; `to` exclusive). */
export interface SeriesRange {
  readonly interval?: Span;
  readonly from?: bigint;
  readonly to?: bigint;
}

/** GPUs of active providers by model and by region. */
export interface GpuBreakdown {
  readonly byModel: { code: number; name: string; gpus: number; providers: number }[];
  readonly byRegion: { code: number; name: string; gpus: number; providers: number }[];
}

/** One provider's reputation. */
export interface ReputationItem {
  readonly rank: number;
  readonly provider: string;
  readonly score: number;
  readonly inputs: {
    readonly completed: number;
    readonly failed: number;
    readonly expired: number;
    readonly disputed: number;
    readonly slashes: number;
    readonly slashedAmount: bigint;
  };
}

/** A page of the reputation leaderboard. */
export interface ReputationPage {
  readonly items: ReputationItem[];
  readonly nextCursor: string | null;
  readonly formula: string;
}

/** One slash of a provider. */
export interface SlashItem {
  readonly signature: string;
  readonly slot: bigint;
  readonly time: number;
  readonly iso: string;
  readonly amount: bigint;
  readonly reason: string;
  readonly reasonCode: number;
}

/** A job's events in chain order and why it ended. */
export interface JobTimeline {
  readonly job: string;
  readonly state: string;
  readonly endReason: string | null;
  readonly events: { name: string; signature: string; slot: bigint; time: number; iso: string; fields: Record<string, unknown> }[];
}

/** What a client needs to print values: decimals from the mint, names by code. */
export interface MetaDocument {
  readonly programId: string;
  readonly mint: string | null;
  readonly decimals: number | null;
  readonly symbol: string | null;
  readonly enums: {
    readonly jobState: readonly string[];
    readonly providerStatus: readonly string[];
    readonly slashReason: readonly string[];
    readonly jobEndReason: readonly string[];
    readonly gpuModel: Readonly<Record<number, string>>;
    readonly region: Readonly<Record<number, string>>;
  };
}

const amount = (v: unknown): bigint => (v === null || v === undefined ? 0n : BigInt(v as string));
const t = (b: bigint): number => Number(b);

function* range(table: "hist_network" | "hist_provider", span: Span, r: SeriesRange, provider: number | null): SqlProgram<{ from: bigint; to: bigint }> {
  const size = SPAN_SECONDS[span];
  let from = r.from;
  let to = r.to;
  if (from === undefined || to === undefined) {
    const rows =
      provider === null
        ? yield* all(`SELECT MIN(bucket) AS lo, MAX(bucket) AS hi FROM ${table} WHERE span = ?`, span)
        : yield* all(`SELECT MIN(bucket) AS lo, MAX(bucket) AS hi FROM ${table} WHERE span = ? AND provider = ?`, span, provider);
    const lo = rows[0]?.lo;
    const hi = rows[0]?.hi;
    const now = bucketStart(BigInt(Math.floor(Date.now() / 1000)), span);
    if (to === undefined) to = hi === null || hi === undefined ? now + size : int(hi) + size;
    if (from === undefined) {
      from = lo === null || lo === undefined ? to - size : int(lo);
      if (to - from > BigInt(MAX_POINTS) * size) from = to - BigInt(MAX_POINTS) * size;
    }
  }
  from = bucketStart(from, span);
  if (to <= from) throw bad("to", "must be after from");
  if ((to - from + size - 1n) / size > BigInt(MAX_POINTS)) throw bad("from", `the range holds more than ${MAX_POINTS} ${span} buckets`);
  return { from, to };
}

/**
 * One point per bucket of [from, to): `point` gets the bucket's row as `f`
 * (counts) and `a` (amounts), zero where the bucket has no row, and the latest
 * row at or before it as `stock` (levels carry forward; `prev` is the row
 * before `from`).
 */
function fillBuckets<P>(
  from: bigint,
  to: bigint,
  size: bigint,
  prev: SqlRow | undefined,
  rows: readonly SqlRow[],
  point: (bucket: bigint, stock: SqlRow | undefined, f: (k: string) => number, a: (k: string) => bigint) => P,
): P[] {
  const byBucket = new Map(rows.map((x) => [int(x.bucket), x]));
  let stock = prev;
  const points: P[] = [];
  for (let b = from; b < to; b += size) {
    const x = byBucket.get(b);
    if (x) stock = x;
    points.push(
      point(
        b,
        stock,
        (k) => (x ? small(x[k]) : 0),
        (k) => (x ? amount(x[k]) : 0n),
      ),
    );
  }
  return points;
}

/** The network series over [from, to): one point per bucket, empty buckets included. */
export function* networkSeries(r: SeriesRange): SqlProgram<Series<NetworkPoint>> {
  const span = r.interval ?? "day";
  const size = SPAN_SECONDS[span];
  const { from, to } = yield* range("hist_network", span, r, null);
  const prev = (yield* all("SELECT * FROM hist_network WHERE span = ? AND bucket < ? ORDER BY bucket DESC LIMIT 1", span, from))[0];
  const rows = yield* all("SELECT * FROM hist_network WHERE span = ? AND bucket >= ? AND bucket < ? ORDER BY bucket", span, from, to);
  const points = fillBuckets<NetworkPoint>(from, to, size, prev, rows, (b, stock, f, a) => ({
    t: t(b),
    iso: isoTime(b),
    activeStake: amount(stock?.active_stake),
    unbondingStake: amount(stock?.unbonding_stake),
    providers: stock ? small(stock.providers) : 0,
    providersActive: stock ? small(stock.providers_active) : 0,
    gpus: stock ? small(stock.gpus) : 0,
    jobsCreated: f("jobs_created"),
    jobsAccepted: f("jobs_accepted"),
    jobsCompleted: f("jobs_completed"),
    jobsFailed: f("jobs_failed"),
    jobsExpired: f("jobs_expired"),
    jobsDisputed: f("jobs_disputed"),
    jobsCancelled: f("jobs_cancelled"),
    volume: a("volume"),
    fees: a("fees"),
    rewardsFunded: a("rewards_funded"),
    rewardsClaimed: a("rewards_claimed"),
    slashed: a("slashed"),
    staked: a("staked"),
    unstaked: a("unstaked"),
    withdrawn: a("withdrawn"),
    events: f("events"),
  }));
  return { interval: span, from: t(from), to: t(to), points };
}

/** A provider's series over [from, to) (provider by pubkey id). */
export function* providerSeries(provider: number, r: SeriesRange): SqlProgram<Series<ProviderPoint>> {
  const span = r.interval ?? "day";
  const size = SPAN_SECONDS[span];
  const { from, to } = yield* range("hist_provider", span, r, provider);
  const prev = (yield* all("SELECT * FROM hist_provider WHERE span = ? AND provider = ? AND bucket < ? ORDER BY bucket DESC LIMIT 1", span, provider, from))[0];
  const rows = yield* all(
    "SELECT * FROM hist_provider WHERE span = ? AND provider = ? AND bucket >= ? AND bucket < ? ORDER BY bucket",
    span,
    provider,
    from,
    to,
  );
  const points = fillBuckets<ProviderPoint>(from, to, size, prev, rows, (b, stock, f, a) => ({
    t: t(b),
    iso: isoTime(b),
    stake: amount(stock?.active_stake),
    unbonding: amount(stock?.unbonding),
    jobsAccepted: f("jobs_accepted"),
    jobsCompleted: f("jobs_completed"),
    jobsFailed: f("jobs_failed"),
    jobsExpired: f("jobs_expired"),
    jobsDisputed: f("jobs_disputed"),
    earnings: a("earnings"),
    rewardsClaimed: a("rewards_claimed"),
    slashed: a("slashed"),
    slashes: f("slashes"),
    staked: a("staked"),
  }));
  return { interval: span, from: t(from), to: t(to), points };
}

/** GPUs and providers of active providers, by model and by region (current state). */
export function* gpuBreakdown(): SqlProgram<GpuBreakdown> {
  const by = function* (col: "gpu_model" | "region", name: (c: number) => string) {
    const rows = yield* all(
      `SELECT ${col} AS code, SUM(gpu_count) AS gpus, COUNT(*) AS providers FROM providers WHERE status = ${PROVIDER_STATUS.active} GROUP BY ${col} ORDER BY ${col}`,
    );
    return rows.map((r) => ({ code: small(r.code), name: name(small(r.code)), gpus: small(r.gpus), providers: small(r.providers) }));
  };
  return { byModel: yield* by("gpu_model", gpuModelName), byRegion: yield* by("region", regionName) };
}

const encodeCursor = (parts: readonly (bigint | number)[]): string => Buffer.from(parts.join(".")).toString("base64url");
/** Decodes a cursor of `n` integers (what {@link encodeCursor} made); a bad one is an `InvalidParameter`. */
export function decodeCursor(cursor: string, n: number): bigint[] {
  const text = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString() : "";
  const parts = text.split(".");
  if (parts.length !== n || !parts.every((p) => /^-?[0-9]{1,39}$/.test(p))) throw bad("cursor", "is not a cursor this API returned");
  return parts.map((p) => BigInt(p));
}

const repItem = (r: SqlRow, rank: number): ReputationItem => ({
  rank,
  provider: r.address as string,
  score: scoreNumber(small(r.score)),
  inputs: {
    completed: small(r.completed),
    failed: small(r.failed),
    expired: small(r.expired),
    disputed: small(r.disputed),
    slashes: small(r.slashes),
    slashedAmount: amount(r.slashed_amount),
  },
});

/** The leaderboard by score (descending; ties by provider id), cursor-paginated. */
export function* reputationPage(limit: number, cursor?: string): SqlProgram<ReputationPage> {
  let rows: SqlRow[];
  let rankBase = 0;
  const cols = "r.provider, r.completed, r.failed, r.expired, r.disputed, r.slashes, r.slashed_amount, r.score, pk.address";
  if (cursor !== undefined && cursor !== "") {
    const [score, provider, rank] = decodeCursor(cursor, 3) as [bigint, bigint, bigint];
    rankBase = Number(rank);
    rows = yield* all(
      `SELECT ${cols} FROM reputation r JOIN pubkeys pk ON pk.id = r.provider
        WHERE r.score <= ? AND (r.score < ? OR r.provider > ?) ORDER BY r.score DESC, r.provider LIMIT ?`,
      score,
      score,
      provider,
      limit + 1,
    );
  } else {
    rows = yield* all(`SELECT ${cols} FROM reputation r JOIN pubkeys pk ON pk.id = r.provider ORDER BY r.score DESC, r.provider LIMIT ?`, limit + 1);
  }
  const page = rows.slice(0, limit);
  const items = page.map((r, i) => repItem(r, rankBase + i + 1));
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor([int(last.score), int(last.provider), rankBase + page.length]) : null;
  return { items, nextCursor, formula: REPUTATION_FORMULA };
}

/** One provider's reputation (by pubkey id) with its rank, or null. */
export function* reputationOf(provider: number): SqlProgram<(ReputationItem & { formula: string }) | null> {
  const r = (yield* all(
    "SELECT r.provider, r.completed, r.failed, r.expired, r.disputed, r.slashes, r.slashed_amount, r.score, pk.address FROM reputation r JOIN pubkeys pk ON pk.id = r.provider WHERE r.provider = ?",
    provider,
  ))[0];
  if (!r) return null;
  const ahead = (yield* all("SELECT COUNT(*) AS n FROM reputation WHERE score > ? OR (score = ? AND provider < ?)", r.score, r.score, provider))[0];
  return { ...repItem(r, small(ahead?.n) + 1), formula: REPUTATION_FORMULA };
}

/** A provider's slashes, newest first. */
export function* providerSlashes(provider: number): SqlProgram<{ items: SlashItem[] }> {
  const rows = yield* all(
    "SELECT t.signature, s.slot, s.ts, s.amount, s.reason FROM slashes s JOIN txs t ON t.id = s.tx_id WHERE s.provider = ? ORDER BY s.slot DESC, s.tx_id DESC, s.event_index DESC",
    provider,
  );
  return {
    items: rows.map((r) => ({
      signature: r.signature as string,
      slot: int(r.slot),
      time: small(r.ts),
      iso: isoTime(int(r.ts)),
      amount: amount(r.amount),
      reason: slashReasonName(small(r.reason)),
      reasonCode: small(r.reason),
    })),
  };
}

const jsonValue = (v: unknown): unknown => {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return v.length === 32 ? bs58.encode(v) : Buffer.from(v).toString("hex");
  return v;
};

/** A job's timeline (job by pubkey id), or null when the job is not indexed. */
export function* jobTimeline(job: number): SqlProgram<JobTimeline | null> {
  const j = (yield* all("SELECT pk.address, j.state, j.end_reason, j.created_at FROM jobs j JOIN pubkeys pk ON pk.id = j.id WHERE j.id = ?", job))[0];
  if (!j) return null;
  // The events_ts index bounds the scan to the job's lifetime (from its creation on).
  const rows = yield* all(
    `SELECT k.name, e.payload, t.signature, t.slot, e.ts FROM events e JOIN txs t ON t.id = e.tx_id JOIN event_kinds k ON k.id = e.kind
      WHERE e.ts >= ? AND e.job = ? ORDER BY t.slot, COALESCE(t.tx_index, -1), t.id, e.event_index`,
    j.created_at,
    job,
  );
  const events = rows.map((r) => {
    const name = r.name as string;
    const dec = name.startsWith("account:") ? null : decodeEventBytes(new Uint8Array(r.payload as Uint8Array), "bytes");
    const fields: Record<string, unknown> = {};
    if (dec?.ok) for (const [k, v] of Object.entries(dec.data as Record<string, unknown>)) fields[k] = jsonValue(v);
    return { name, signature: r.signature as string, slot: int(r.slot), time: small(r.ts), iso: isoTime(int(r.ts)), fields };
  });
  return {
    job: j.address as string,
    state: JOB_STATE_NAMES[small(j.state)] ?? `#${small(j.state)}`,
    endReason: (j.end_reason as string | null) ?? null,
    events,
  };
}

/** The meta document: program, mint and its decimals (as recorded from the mint account), names by code. */
export function* metaDocument(programId: string = GPUNET_PROGRAM_ADDRESS): SqlProgram<MetaDocument> {
  const rows = yield* all("SELECT key, value FROM meta WHERE key IN ('mint.address', 'mint.decimals')");
  const m = new Map(rows.map((r) => [r.key as string, r.value as string]));
  let mint = m.get("mint.address") ?? null;
  if (mint === null) {
    const c = (yield* all("SELECT pk.address FROM config c JOIN pubkeys pk ON pk.id = c.stake_mint WHERE c.id = 1"))[0];
    mint = (c?.address as string | undefined) ?? null;
  }
  const d = m.get("mint.decimals");
  return {
    programId,
    mint,
    decimals: d === undefined ? null : Number(d),
    symbol: null,
    enums: {
      jobState: JOB_STATE_NAMES,
      providerStatus: PROVIDER_STATUS_NAMES,
      slashReason: SLASH_REASON_NAMES,
      jobEndReason: JOB_END_REASON_NAMES,
      gpuModel: GPU_MODEL_NAMES,
      region: REGION_NAMES,
    },
  };
}

/** The pubkey id of an address, or null. */
export function* pubkeyId(address: Uint8Array): SqlProgram<number | null> {
  const r = (yield* all("SELECT id FROM pubkeys WHERE key = ?", Buffer.from(address)))[0];
  return r ? small(r.id) : null;
}

/** A provider's pubkey id by its PDA or its owner wallet. */
export function* providerIdOf(address: Uint8Array): SqlProgram<number | null> {
  const id = yield* pubkeyId(address);
  if (id === null) return null;
  const direct = (yield* all("SELECT id FROM providers WHERE id = ?", id))[0];
  if (direct) return id;
  const owned = (yield* all("SELECT id FROM providers WHERE owner = ?", id))[0];
  return owned ? small(owned.id) : null;
}

/**
 * An executor over a kysely handle (the query module's connection).
 *
 * @example
 * ```ts
 * const r = openReaderDatabase("index.db");
 * const exec = kyselyExecutor(r.db);
 * await exec.all("SELECT COUNT(*) AS n FROM events", []);
 * ```
 */
export function kyselyExecutor<DB>(db: Kysely<DB>, dialect: "sqlite" | "postgres" = "sqlite"): AsyncExecutor {
  const text = (s: string): string => (dialect === "postgres" ? dollarPlaceholders(s) : s);
  return {
    all: async (s, p) => (await db.executeQuery(CompiledQuery.raw(text(s), [...p]))).rows as SqlRow[],
    run: async (s, p) => {
      await db.executeQuery(CompiledQuery.raw(text(s), [...p]));
    },
  };
}
