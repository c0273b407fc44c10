/**
 * History tables (`hist_network`, `hist_gpus`, `hist_provider`, `reputation`),
 * derived from the events table alone, exact under rollback.
 *
 * Definition (what a fresh computation from the events gives): events are
 * replayed in chain order (slot, tx index, tx id, event index) through the
 * same provider rules as the state tables. An event belongs to the bucket of
 * its timestamp. A bucket's flows (jobs created, volume, fees...) are sums
 * over its events; its stocks (stake, providers, GPUs) are the values after
 * its last event. Rows exist only for buckets that have events; readers
 * carry stocks forward over empty buckets.
 *
 * Maintenance, inside the writer's transaction ({@link historySync}):
 * - new transactions that all come after everything applied (the live case)
 *   are applied incrementally to the last buckets;
 * - anything else (a rollback, a replaced landing, an older transaction)
 *   recomputes every bucket from the epoch bucket of the earliest affected
 *   event on: rows from there are deleted and rebuilt from the state at that
 *   bucket start (the last rows before it) and the events after it;
 * - while a backfill gap is open, the recompute is deferred (the earliest
 *   affected bucket is kept in `hist_state`) and done once no gap is left, so
 *   a backfill that goes newest first costs one recompute, not one per chunk.
 *
 * All SQL goes through {@link SqlProgram} (portable; see executor.ts).
 */
import { decodeEventBytes, type GpunetEvent, PROVIDER_STATUS } from "@gpunet/sdk";
import { u128Text, u64Text } from "../db/u64.ts";
import { applyProviderSnapshot, decodeGpunetAccount } from "../processors/accounts.ts";
import { applyHandler, HANDLERS, type HandlerContext } from "../handlers/index.ts";
import { emptyProvider, type ProviderState } from "../processors/state.ts";
import { bucketStart, SPAN_SECONDS, SPANS, type Span } from "./buckets.ts";
import { all, int, run, small, type SqlProgram, type SqlRow } from "./executor.ts";
import { reputationScore } from "./reputation.ts";

type Ev = GpunetEvent<Uint8Array>;

/** A provider's replay state: the state-table rules plus cumulative outcome counts. */
interface PState {
  p: ProviderState;
  registered: boolean;
  cumCompleted: bigint;
  cumFailed: bigint;
  cumExpired: bigint;
  cumDisputed: bigint;
  cumSlashes: bigint;
  cumSlashed: bigint;
  cumEarnings: bigint;
  touched: boolean;
  /** The provider's rows of the buckets it is in now (their stocks are taken when it leaves them). */
  cur: Record<Span, ProvRow | null>;
}

/** Network stocks: sums over providers. */
interface Stocks {
  activeStake: bigint;
  unbonding: bigint;
  providers: bigint;
  providersActive: bigint;
  gpus: bigint;
  models: Map<number, { gpus: bigint; providers: bigint }>;
  regions: Map<number, { gpus: bigint; providers: bigint }>;
}

const NET_FLOWS = ["jobs_created", "jobs_accepted", "jobs_completed", "jobs_failed", "jobs_expired", "jobs_disputed", "jobs_cancelled", "events"] as const;
const NET_AMOUNTS = ["volume", "fees", "rewards_funded", "rewards_claimed", "slashed", "staked", "unstaked", "withdrawn"] as const;
type NetFlow = (typeof NET_FLOWS)[number];
type NetAmount = (typeof NET_AMOUNTS)[number];
interface NetRow {
  span: Span;
  bucket: bigint;
  flows: Record<NetFlow, bigint>;
  amounts: Record<NetAmount, bigint>;
  stock: Stocks | null;
  /** The row is in the database (loaded): replaced on write. */
  stored: boolean;
}

const PROV_FLOWS = ["jobs_accepted", "jobs_completed", "jobs_failed", "jobs_expired", "jobs_disputed", "slashes"] as const;
const PROV_AMOUNTS = ["earnings", "rewards_claimed", "slashed", "staked"] as const;
type ProvFlow = (typeof PROV_FLOWS)[number];
type ProvAmount = (typeof PROV_AMOUNTS)[number];
interface ProvRow {
  span: Span;
  bucket: bigint;
  provider: number;
  flows: Record<ProvFlow, bigint>;
  amounts: Record<ProvAmount, bigint>;
  /** The provider's state after its last event in the bucket. */
  snap: ProviderSnapshot | null;
  stored: boolean;
}

const zeroFlows = <K extends string>(keys: readonly K[]): Record<K, bigint> => Object.fromEntries(keys.map((k) => [k, 0n])) as Record<K, bigint>;
const emptyStocks = (): Stocks => ({ activeStake: 0n, unbonding: 0n, providers: 0n, providersActive: 0n, gpus: 0n, models: new Map(), regions: new Map() });
const copyStocks = (s: Stocks): Stocks => ({
  ...s,
  models: new Map([...s.models].map(([k, v]) => [k, { ...v }])),
  regions: new Map([...s.regions].map(([k, v]) => [k, { ...v }])),
});

function bump(map: Map<number, { gpus: bigint; providers: bigint }>, code: number, gpus: bigint, sign: bigint): void {
  const cur = map.get(code);
  if (!cur) {
    map.set(code, { gpus: sign * gpus, providers: sign });
    return;
  }
  cur.gpus += sign * gpus;
  cur.providers += sign;
  if (cur.gpus === 0n && cur.providers === 0n) map.delete(code);
}

/** Adds (sign 1) or removes (sign -1) what a provider contributes to the network stocks. */
function addContribution(s: Stocks, ps: PState, sign: 1n | -1n): void {
  const p = ps.p;
  s.activeStake += sign * p.activeStake;
  s.unbonding += sign * p.unbondingAmount;
  if (!ps.registered) return;
  s.providers += sign;
  if (p.status !== PROVIDER_STATUS.active) return;
  if (p.activeStake > 0n) s.providersActive += sign;
  const gpus = BigInt(p.gpuCount);
  s.gpus += sign * gpus;
  bump(s.models, p.gpuModel, gpus, sign);
  bump(s.regions, p.region, gpus, sign);
}

function stateFromRow(r: SqlRow): PState {
  const p = emptyProvider(small(r.provider));
  p.activeStake = int(r.active_stake);
  p.unbondingAmount = int(r.unbonding);
  p.status = small(r.status);
  p.gpuModel = small(r.gpu_model);
  p.gpuCount = small(r.gpu_count);
  p.region = small(r.region);
  p.jobsCompleted = int(r.jobs_completed_total);
  p.jobsFailed = int(r.jobs_failed_total);
  p.slashedTotal = int(r.slashed_total);
  p.totalClaimed = int(r.claimed_total);
  return {
    p,
    registered: small(r.registered) !== 0,
    cumCompleted: int(r.cum_completed),
    cumFailed: int(r.cum_failed),
    cumExpired: int(r.cum_expired),
    cumDisputed: int(r.cum_disputed),
    cumSlashes: int(r.cum_slashes),
    cumSlashed: int(r.cum_slashed),
    cumEarnings: int(r.cum_earnings),
    touched: false,
    cur: { day: null, epoch: null },
  };
}

const newPState = (id: number): PState => ({
  p: emptyProvider(id),
  registered: false,
  cumCompleted: 0n,
  cumFailed: 0n,
  cumExpired: 0n,
  cumDisputed: 0n,
  cumSlashes: 0n,
  cumSlashed: 0n,
  cumEarnings: 0n,
  touched: false,
  cur: { day: null, epoch: null },
});

/**
 * An event row the store has just written, with its decoded event: an
 * incremental sync replays these instead of reading the rows back and decoding
 * them a second time. The values are those of the stored row.
 */
export interface FedEvent {
  readonly txId: bigint;
  readonly slot: bigint;
  /** The transaction's index in its slot (-1 when unknown). */
  readonly txIndex: bigint;
  readonly eventIndex: number;
  readonly ts: bigint;
  readonly provider: number | null;
  /** Event kind name (`account:*` for an account snapshot). */
  readonly kind: string;
  /** The decoded event, for event kinds. */
  readonly event: Ev | null;
  /** The stored payload, for `account:*` kinds (address, then account data). */
  readonly payload: Uint8Array | null;
}

/** Per-write-transaction notes from the store: the earliest timestamp of removed events, and the rows written. */
export interface HistoryNotes {
  removedMinTs: bigint | null;
  /** Recompute everything (rebuildAll). */
  full: boolean;
  /** Transaction rows written in this write transaction (ids), and their event rows in write order. */
  readonly fedTxs: Set<number>;
  fed: FedEvent[];
}

/** Fresh notes. */
export const newHistoryNotes = (): HistoryNotes => ({ removedMinTs: null, full: false, fedTxs: new Set(), fed: [] });

/** Records, before a transaction row is deleted, the earliest timestamp of its events. */
export function* noteRemovedTx(notes: HistoryNotes, txId: unknown): SqlProgram<void> {
  const id = int(txId);
  if (notes.fedTxs.delete(Number(id))) notes.fed = notes.fed.filter((e) => e.txId !== id);
  const rows = yield* all("SELECT MIN(ts) AS ts FROM events WHERE tx_id = ?", txId);
  const ts = rows[0]?.ts;
  if (ts === null || ts === undefined) return;
  const t = int(ts);
  if (notes.removedMinTs === null || t < notes.removedMinTs) notes.removedMinTs = t;
}

/** Chain order of replayed events: slot, tx index, tx id, event index. */
const fedLess = (a: FedEvent, b: FedEvent): number =>
  a.slot !== b.slot
    ? a.slot < b.slot
      ? -1
      : 1
    : a.txIndex !== b.txIndex
      ? a.txIndex < b.txIndex
        ? -1
        : 1
      : a.txId !== b.txId
        ? a.txId < b.txId
          ? -1
          : 1
        : a.eventIndex - b.eventIndex;

/**
 * The fed events in chain order when they are exactly the event rows of the
 * transactions after `lastTxId` (checked against the tables), else null.
 */
function* fedEvents(notes: HistoryNotes, lastTxId: bigint): SqlProgram<readonly FedEvent[] | null> {
  if (notes.fedTxs.size === 0) return null;
  const last = Number(lastTxId);
  for (const id of notes.fedTxs) if (id <= last) return null;
  const c = (yield* all("SELECT (SELECT COUNT(*) FROM txs WHERE id > ?) AS t, (SELECT COUNT(*) FROM events WHERE tx_id > ?) AS e", lastTxId, lastTxId))[0];
  if (!c || int(c.t) !== BigInt(notes.fedTxs.size) || int(c.e) !== BigInt(notes.fed.length)) return null;
  const fed = notes.fed;
  for (let i = 1; i < fed.length; i++) if (fedLess(fed[i - 1] as FedEvent, fed[i] as FedEvent) > 0) return [...fed].sort(fedLess);
  return fed;
}

const MIN_TS = -(1n << 62n);
const EVENT_SELECT =
  "SELECT e.kind, e.payload, e.provider, e.ts, t.slot, COALESCE(t.tx_index, -1) AS ti, t.id AS tx_id FROM events e JOIN txs t ON t.id = e.tx_id";
const EVENT_ORDER = "ORDER BY t.slot, COALESCE(t.tx_index, -1), t.id, e.event_index";
/** A replay writes the rows of finished epochs when it holds more than this many. */
const FLUSH_ROWS = 0;

function* readState(): SqlProgram<Map<string, string>> {
  const rows = yield* all("SELECT name, value FROM hist_state");
  return new Map(rows.map((r) => [r.name as string, r.value as string]));
}
function* putState(name: string, value: string): SqlProgram<void> {
  yield* run("DELETE FROM hist_state WHERE name = ?", name);
  yield* run("INSERT INTO hist_state (name, value) VALUES (?, ?)", name, value);
}

/** A chain position: slot, tx index (-1 when unknown), tx id. */
type Pos = readonly [bigint, bigint, bigint];
const posLess = (a: Pos, b: Pos): boolean => (a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2]);
const parsePos = (s: string | undefined): Pos | null => {
  if (!s) return null;
  const [a, b, c] = s.split(":").map((x) => BigInt(x));
  return [a as bigint, b as bigint, c as bigint];
};

/**
 * Brings the history tables up to date with the events table. Run at the end
 * of every write transaction of the store (after rows were inserted or removed).
 */
export function* historySync(notes: HistoryNotes): SqlProgram<{ mode: "none" | "incremental" | "recompute" | "deferred" }> {
  const st = yield* readState();
  const lastTxId = BigInt(st.get("lastTxId") ?? "0");
  const lastPos = parsePos(st.get("lastPos"));
  const lastTs = st.has("lastTs") ? BigInt(st.get("lastTs") as string) : null;
  let dirtyFrom = st.has("dirtyFrom") ? BigInt(st.get("dirtyFrom") as string) : null;

  const maxIdRow = yield* all("SELECT MAX(id) AS id FROM txs");
  const maxTxId = maxIdRow[0]?.id === null || maxIdRow[0]?.id === undefined ? 0n : int(maxIdRow[0].id);
  const hasNew = maxTxId > lastTxId;
  let newMinTs: bigint | null = null;
  let newMinPos: Pos | null = null;
  if (hasNew) {
    const r = yield* all("SELECT MIN(ts) AS ts FROM events WHERE tx_id > ?", lastTxId);
    if (r[0]?.ts !== null && r[0]?.ts !== undefined) newMinTs = int(r[0].ts);
    const p = yield* all(
      "SELECT slot, COALESCE(tx_index, -1) AS ti, id FROM txs WHERE id > ? AND event_count > 0 ORDER BY slot, COALESCE(tx_index, -1), id LIMIT 1",
      lastTxId,
    );
    if (p[0]) newMinPos = [int(p[0].slot), int(p[0].ti), int(p[0].id)];
  }
  const gapRows = yield* all("SELECT id FROM gaps LIMIT 1");
  const gapsOpen = gapRows.length > 0;

  // New transactions apply incrementally when they all come after what is applied.
  const inOrder =
    newMinTs === null ||
    (newMinPos !== null && (lastPos === null || posLess(lastPos, newMinPos)) && (lastTs === null || newMinTs >= bucketStart(lastTs, "day")));
  // Where a recompute must start, if one is needed.
  let from: bigint | null = null;
  const need = (ts: bigint): void => {
    if (from === null || ts < from) from = ts;
  };
  if (notes.full) need(MIN_TS);
  if (notes.removedMinTs !== null) need(notes.removedMinTs);
  if (!inOrder && newMinTs !== null) need(newMinTs);
  if (dirtyFrom !== null && !gapsOpen) need(dirtyFrom);
  if (from !== null && gapsOpen && !notes.full) {
    // Deferred until no gap is open: remember the earliest bucket to redo.
    dirtyFrom = dirtyFrom === null || from < dirtyFrom ? from : dirtyFrom;
    yield* putState("dirtyFrom", dirtyFrom.toString());
    from = null;
    if (!inOrder) {
      yield* putState("lastTxId", maxTxId.toString());
      return { mode: "deferred" };
    }
  }
  if (from === null && newMinTs === null) {
    if (hasNew) yield* putState("lastTxId", maxTxId.toString());
    return { mode: "none" };
  }

  const fromTs = from as unknown as bigint | null;
  const recompute = fromTs !== null;
  const start = fromTs === null ? 0n : fromTs === MIN_TS ? MIN_TS : bucketStart(fromTs, "epoch");

  const providers = new Map<number, PState>();
  let stocks = emptyStocks();
  const netRows = new Map<string, NetRow>();
  const provRows = new Map<string, ProvRow>();
  const goneProviders = new Set<number>();

  if (recompute) {
    // State at `start`: each provider's last day row before it.
    const rows = yield* all(
      `SELECT h.* FROM hist_provider h JOIN (SELECT provider, MAX(bucket) AS b FROM hist_provider WHERE span = 'day' AND bucket < ? GROUP BY provider) m
         ON m.provider = h.provider AND m.b = h.bucket WHERE h.span = 'day'`,
      start,
    );
    for (const r of rows) {
      const ps = stateFromRow(r);
      providers.set(ps.p.id, ps);
      addContribution(stocks, ps, 1n);
    }
    for (const r of yield* all("SELECT DISTINCT provider FROM hist_provider WHERE bucket >= ?", start)) goneProviders.add(small(r.provider));
    yield* run("DELETE FROM hist_network WHERE bucket >= ?", start);
    yield* run("DELETE FROM hist_gpus WHERE bucket >= ?", start);
    yield* run("DELETE FROM hist_provider WHERE bucket >= ?", start);
  } else {
    const last = yield* all("SELECT * FROM hist_network WHERE span = 'day' ORDER BY bucket DESC LIMIT 1");
    if (last[0]) {
      const r = last[0];
      stocks = {
        activeStake: int(r.active_stake),
        unbonding: int(r.unbonding_stake),
        providers: int(r.providers),
        providersActive: int(r.providers_active),
        gpus: int(r.gpus),
        models: new Map(),
        regions: new Map(),
      };
      for (const g of yield* all("SELECT dim, code, gpus, providers FROM hist_gpus WHERE span = 'day' AND bucket = ?", int(r.bucket))) {
        (g.dim === "model" ? stocks.models : stocks.regions).set(small(g.code), { gpus: int(g.gpus), providers: int(g.providers) });
      }
    }
  }

  /** Rows before this bucket were written (a long recompute writes as it goes). */
  let flushedBefore = MIN_TS;
  const loadProvider = function* (id: number): SqlProgram<PState> {
    let ps = providers.get(id);
    if (ps) return ps;
    if (!recompute) {
      const r = yield* all("SELECT * FROM hist_provider WHERE span = 'day' AND provider = ? ORDER BY bucket DESC LIMIT 1", id);
      ps = r[0] ? stateFromRow(r[0]) : newPState(id);
    } else ps = newPState(id);
    providers.set(id, ps);
    return ps;
  };
  const netRow = function* (span: Span, bucket: bigint): SqlProgram<NetRow> {
    const k = `${span}:${bucket}`;
    let row = netRows.get(k);
    if (row) return row;
    row = { span, bucket, flows: zeroFlows(NET_FLOWS), amounts: zeroFlows(NET_AMOUNTS), stock: null, stored: false };
    if (!recompute || bucket < flushedBefore) {
      const r = (yield* all("SELECT * FROM hist_network WHERE span = ? AND bucket = ?", span, bucket))[0];
      if (r) {
        row.stored = true;
        for (const f of NET_FLOWS) row.flows[f] = int(r[f]);
        for (const a of NET_AMOUNTS) row.amounts[a] = int(r[a]);
      }
    }
    netRows.set(k, row);
    return row;
  };
  const provRow = function* (span: Span, bucket: bigint, provider: number): SqlProgram<ProvRow> {
    const k = `${span}:${bucket}:${provider}`;
    let row = provRows.get(k);
    if (row) return row;
    row = { span, bucket, provider, flows: zeroFlows(PROV_FLOWS), amounts: zeroFlows(PROV_AMOUNTS), snap: null, stored: false };
    if (!recompute || bucket < flushedBefore) {
      const r = (yield* all("SELECT * FROM hist_provider WHERE span = ? AND provider = ? AND bucket = ?", span, provider, bucket))[0];
      if (r) {
        row.stored = true;
        for (const f of PROV_FLOWS) row.flows[f] = int(r[f]);
        for (const a of PROV_AMOUNTS) row.amounts[a] = int(r[a]);
      }
    }
    provRows.set(k, row);
    return row;
  };

  const kinds = new Map<number, string>();
  for (const r of yield* all("SELECT id, name FROM event_kinds")) kinds.set(small(r.id), r.name as string);

  const cur: Record<Span, NetRow | null> = { day: null, epoch: null };
  const rows: NetRow[] = [];
  const pRows: ProvRow[] = [];
  const net = (f: NetFlow, v = 1n): void => {
    for (const row of rows) row.flows[f] += v;
  };
  const amt = (a: NetAmount, v: bigint): void => {
    for (const row of rows) row.amounts[a] += v;
  };
  const pf = (f: ProvFlow, v = 1n): void => {
    for (const row of pRows) row.flows[f] += v;
  };
  const pa = (a: ProvAmount, v: bigint): void => {
    for (const row of pRows) row.amounts[a] += v;
  };
  let maxPos: Pos | null = recompute ? null : lastPos;
  let maxTs: bigint | null = recompute ? null : lastTs;
  const noKey = (): number => 0;
  // Provider handlers read neither the slot nor the position.
  const noKeyCtx: HandlerContext = { keyId: noKey, slot: 0n, txIndex: 0 };

  /** Writes the rows of buckets before `before` (all when null) and forgets them. */
  const flush = function* (before: bigint | null): SqlProgram<void> {
    const netCols = ["span", "bucket", "active_stake", "unbonding_stake", "providers", "providers_active", "gpus", ...NET_FLOWS, ...NET_AMOUNTS];
    const netValues: unknown[][] = [];
    const gpuValues: unknown[][] = [];
    for (const [key, row] of netRows) {
      if (before !== null && row.bucket >= before) continue;
      netRows.delete(key);
      if (cur[row.span] === row) {
        row.stock = copyStocks(stocks);
        cur[row.span] = null;
      }
      const s = row.stock ?? stocks;
      if (row.stored) {
        yield* run("DELETE FROM hist_network WHERE span = ? AND bucket = ?", row.span, row.bucket);
        yield* run("DELETE FROM hist_gpus WHERE span = ? AND bucket = ?", row.span, row.bucket);
      }
      netValues.push([
        row.span,
        row.bucket,
        u128Text(s.activeStake),
        u128Text(s.unbonding),
        s.providers,
        s.providersActive,
        s.gpus,
        ...NET_FLOWS.map((f) => row.flows[f]),
        ...NET_AMOUNTS.map((a) => u128Text(row.amounts[a])),
      ]);
      for (const [dim, map] of [
        ["model", s.models],
        ["region", s.regions],
      ] as const) {
        for (const [code, v] of map) gpuValues.push([row.span, row.bucket, dim, code, v.gpus, v.providers]);
      }
    }
    yield* insertRows("hist_network", netCols, netValues);
    yield* insertRows("hist_gpus", ["span", "bucket", "dim", "code", "gpus", "providers"], gpuValues);
    const provCols = [
      "span",
      "provider",
      "bucket",
      "active_stake",
      "unbonding",
      "status",
      "registered",
      "gpu_model",
      "gpu_count",
      "region",
      "jobs_completed_total",
      "jobs_failed_total",
      "slashed_total",
      "claimed_total",
      "cum_completed",
      "cum_failed",
      "cum_expired",
      "cum_disputed",
      "cum_slashes",
      "cum_slashed",
      "cum_earnings",
      ...PROV_FLOWS,
      ...PROV_AMOUNTS,
    ];
    const provValues: unknown[][] = [];
    for (const [key, row] of provRows) {
      if (before !== null && row.bucket >= before) continue;
      provRows.delete(key);
      const owner = providers.get(row.provider) ?? newPState(row.provider);
      if (owner.cur[row.span] === row) {
        row.snap = snapshotProvider(owner);
        owner.cur[row.span] = null;
      }
      const snap = row.snap ?? snapshotProvider(owner);
      if (row.stored) yield* run("DELETE FROM hist_provider WHERE span = ? AND provider = ? AND bucket = ?", row.span, row.provider, row.bucket);
      provValues.push([
        row.span,
        row.provider,
        row.bucket,
        u64Text(snap.activeStake),
        u64Text(snap.unbonding),
        snap.status,
        snap.registered ? 1 : 0,
        snap.gpuModel,
        snap.gpuCount,
        snap.region,
        u64Text(snap.jobsCompleted),
        u64Text(snap.jobsFailed),
        u64Text(snap.slashedTotal),
        u64Text(snap.claimedTotal),
        snap.cumCompleted,
        snap.cumFailed,
        snap.cumExpired,
        snap.cumDisputed,
        snap.cumSlashes,
        u128Text(snap.cumSlashed),
        u128Text(snap.cumEarnings),
        ...PROV_FLOWS.map((f) => row.flows[f]),
        ...PROV_AMOUNTS.map((a) => u128Text(row.amounts[a])),
      ]);
    }
    yield* insertRows("hist_provider", provCols, provValues);
    if (before !== null) flushedBefore = before;
  };

  /** An event of a stored row (decoded when replayed). */
  const fromRow = (r: SqlRow): FedEvent => ({
    txId: int(r.tx_id),
    slot: int(r.slot),
    txIndex: int(r.ti),
    eventIndex: 0,
    ts: int(r.ts),
    provider: r.provider === null || r.provider === undefined ? null : small(r.provider),
    kind: kinds.get(small(r.kind)) ?? "",
    event: null,
    payload: new Uint8Array(r.payload as Uint8Array),
  });
  const mark = (x: FedEvent): void => {
    const m = maxPos;
    if (m === null || (m[0] !== x.slot ? m[0] < x.slot : m[1] !== x.txIndex ? m[1] < x.txIndex : m[2] < x.txId)) maxPos = [x.slot, x.txIndex, x.txId];
    if (maxTs === null || x.ts > maxTs) maxTs = x.ts;
  };
  // Events come in runs of one timestamp (a transaction's): their buckets are computed once.
  let bucketsOf: bigint | null = null;
  let dayOf = 0n;
  let epochOf = 0n;
  /**
   * The common case without a query: the event falls in the buckets the
   * network and its provider are in already, and nothing is due to be written.
   * False (nothing changed) when it needs {@link step}.
   */
  const stepInPlace = (x: FedEvent): boolean => {
    if (x.ts !== bucketsOf) {
      bucketsOf = x.ts;
      dayOf = bucketStart(x.ts, "day");
      epochOf = bucketStart(x.ts, "epoch");
    }
    const day = dayOf;
    const epoch = epochOf;
    if (epoch > flushedBefore && provRows.size + netRows.size > FLUSH_ROWS) return false;
    const nd = cur.day;
    const ne = cur.epoch;
    if (nd === null || ne === null || nd.bucket !== day || ne.bucket !== epoch) return false;
    let ps: PState | null = null;
    let pd: ProvRow | null = null;
    let pe: ProvRow | null = null;
    if (x.provider !== null) {
      ps = providers.get(x.provider) ?? null;
      if (ps === null) return false;
      pd = ps.cur.day;
      pe = ps.cur.epoch;
      if (pd === null || pe === null || pd.bucket !== day || pe.bucket !== epoch) return false;
    }
    mark(x);
    rows.length = 0;
    pRows.length = 0;
    nd.flows.events += 1n;
    ne.flows.events += 1n;
    rows.push(nd, ne);
    if (pd !== null && pe !== null) pRows.push(pd, pe);
    apply(x, ps);
    return true;
  };
  const step = function* (x: FedEvent): SqlProgram<void> {
    // A long replay writes finished epochs as it goes, so memory stays bounded.
    const epoch = bucketStart(x.ts, "epoch");
    if (epoch > flushedBefore && provRows.size + netRows.size > FLUSH_ROWS) yield* flush(epoch);
    const ts = x.ts;
    const pid = x.provider;
    mark(x);
    rows.length = 0;
    pRows.length = 0;
    for (const span of SPANS) {
      const row = yield* netRow(span, bucketStart(ts, span));
      const c = cur[span];
      // Leaving a bucket: its stocks are the values now.
      if (c && c !== row) c.stock = copyStocks(stocks);
      cur[span] = row;
      row.flows.events += 1n;
      rows.push(row);
    }
    let ps: PState | null = null;
    if (pid !== null) {
      ps = yield* loadProvider(pid);
      for (const span of SPANS) {
        const row = yield* provRow(span, bucketStart(ts, span), pid);
        const c = ps.cur[span];
        // Leaving a bucket: the row's stocks are the provider's state now.
        if (c && c !== row) c.snap = snapshotProvider(ps);
        ps.cur[span] = row;
        pRows.push(row);
      }
    }
    apply(x, ps);
  };
  /** What one event changes in the rows it landed in (`rows`, `pRows`) and in its provider. */
  const apply = (x: FedEvent, ps: PState | null): void => {
    const kind = x.kind;
    if (kind === "account:provider") {
      if (ps && x.payload) {
        const acc = decodeGpunetAccount(x.payload.subarray(32));
        if (acc && acc.type === "provider") {
          addContribution(stocks, ps, -1n);
          applyProviderSnapshot(ps.p, acc.data, noKey);
          ps.registered = true;
          addContribution(stocks, ps, 1n);
          ps.touched = true;
        }
      }
      return;
    }
    if (kind.startsWith("account:")) return;
    let e = x.event;
    if (e === null) {
      if (!x.payload) return;
      const dec = decodeEventBytes(x.payload, "bytes");
      if (!dec.ok) return;
      e = { name: dec.name, data: dec.data, instructionIndex: 0, innerPath: [], innerIndex: null, eventIndex: 0 } as unknown as Ev;
    }
    const d = e.data as Record<string, unknown>;
    const amount = typeof d.amount === "bigint" ? d.amount : 0n;
    if (ps) {
      const completedBefore = ps.p.jobsCompleted;
      const failedBefore = ps.p.jobsFailed;
      addContribution(stocks, ps, -1n);
      applyHandler(HANDLERS.provider, ps.p, e, noKeyCtx);
      if (e.name === "providerRegistered") ps.registered = true;
      addContribution(stocks, ps, 1n);
      const dc = ps.p.jobsCompleted - completedBefore;
      const df = ps.p.jobsFailed - failedBefore;
      if (dc !== 0n) {
        net("jobs_completed", dc);
        pf("jobs_completed", dc);
        ps.cumCompleted += dc;
      }
      if (df !== 0n) {
        net("jobs_failed", df);
        pf("jobs_failed", df);
        ps.cumFailed += df;
      }
      ps.touched = true;
    }
    switch (e.name) {
      case "staked":
        amt("staked", amount);
        pa("staked", amount);
        break;
      case "unstakeRequested":
        amt("unstaked", amount);
        break;
      case "withdrawn":
        amt("withdrawn", amount);
        break;
      case "slashed":
        amt("slashed", amount);
        pa("slashed", amount);
        pf("slashes");
        if (ps) {
          ps.cumSlashes += 1n;
          ps.cumSlashed += amount;
        }
        break;
      case "rewardsFunded":
        if (e.data.source === 0) amt("rewards_funded", amount);
        break;
      case "rewardsClaimed":
        amt("rewards_claimed", amount);
        pa("rewards_claimed", amount);
        break;
      case "jobCreated":
        net("jobs_created");
        amt("volume", e.data.price);
        break;
      case "jobAccepted":
        net("jobs_accepted");
        pf("jobs_accepted");
        break;
      case "jobCompleted":
        amt("fees", e.data.fee);
        pa("earnings", e.data.providerPayout);
        if (ps) ps.cumEarnings += e.data.providerPayout;
        break;
      case "disputeResolved":
        amt("fees", e.data.fee);
        pa("earnings", e.data.providerPayout);
        if (ps) ps.cumEarnings += e.data.providerPayout;
        break;
      case "jobDisputed":
        net("jobs_disputed");
        pf("jobs_disputed");
        if (ps) ps.cumDisputed += 1n;
        break;
      case "jobExpired":
        net("jobs_expired");
        if (ps) {
          pf("jobs_expired");
          ps.cumExpired += 1n;
        }
        break;
      case "jobCancelled":
        net("jobs_cancelled");
        break;
      default:
        break;
    }
  };
  const replay = function* (xs: Iterable<FedEvent>): SqlProgram<void> {
    for (const x of xs) if (!stepInPlace(x)) yield* step(x);
  };
  const replayRows = function* (rs: readonly SqlRow[]): SqlProgram<void> {
    for (const r of rs) {
      const x = fromRow(r);
      if (!stepInPlace(x)) yield* step(x);
    }
  };
  if (!recompute) {
    const fed = yield* fedEvents(notes, lastTxId);
    if (fed !== null) yield* replay(fed);
    else yield* replayRows(yield* all(`${EVENT_SELECT} WHERE e.tx_id > ? ${EVENT_ORDER}`, lastTxId));
  } else {
    // Pages of 8 epochs by timestamp (index events_ts): chain order within a page is chain
    // order overall, since the Clock does not go backwards along the chain.
    let at = start;
    for (;;) {
      const m = (yield* all("SELECT MIN(ts) AS ts FROM events WHERE ts >= ?", at))[0];
      if (m?.ts === null || m?.ts === undefined) break;
      const a = bucketStart(int(m.ts), "epoch");
      const b = a + 8n * SPAN_SECONDS.epoch;
      yield* replayRows(yield* all(`${EVENT_SELECT} WHERE e.ts >= ? AND e.ts < ? ${EVENT_ORDER}`, a, b));
      at = b;
    }
  }
  for (const span of SPANS) {
    const c = cur[span];
    if (c) c.stock = copyStocks(stocks);
  }
  for (const ps of providers.values()) {
    for (const span of SPANS) {
      const c = ps.cur[span];
      if (c) c.snap = snapshotProvider(ps);
      ps.cur[span] = null;
    }
  }

  yield* flush(null);

  // Reputation of every provider whose totals may have changed.
  const repValues: unknown[][] = [];
  for (const ps of providers.values()) {
    if (!ps.touched && !goneProviders.has(ps.p.id)) continue;
    goneProviders.delete(ps.p.id);
    const inputs: ReputationInputs = {
      completed: ps.cumCompleted,
      failed: ps.cumFailed - ps.cumExpired,
      expired: ps.cumExpired,
      disputed: ps.cumDisputed,
      slashes: ps.cumSlashes,
      slashedAmount: ps.cumSlashed,
    };
    yield* run("DELETE FROM reputation WHERE provider = ?", ps.p.id);
    repValues.push([
      ps.p.id,
      inputs.completed,
      inputs.failed,
      inputs.expired,
      inputs.disputed,
      inputs.slashes,
      u128Text(inputs.slashedAmount),
      reputationScore(inputs),
    ]);
  }
  yield* insertRows("reputation", ["provider", "completed", "failed", "expired", "disputed", "slashes", "slashed_amount", "score"], repValues);
  for (const id of goneProviders) yield* run("DELETE FROM reputation WHERE provider = ?", id);

  yield* putState("lastTxId", maxTxId.toString());
  if (maxPos) yield* putState("lastPos", maxPos.join(":"));
  else yield* run("DELETE FROM hist_state WHERE name = 'lastPos'");
  if (maxTs !== null) yield* putState("lastTs", maxTs.toString());
  else yield* run("DELETE FROM hist_state WHERE name = 'lastTs'");
  if (recompute) yield* run("DELETE FROM hist_state WHERE name = 'dirtyFrom'");
  return { mode: recompute ? "recompute" : "incremental" };
}

interface ProviderSnapshot {
  activeStake: bigint;
  unbonding: bigint;
  status: number;
  registered: boolean;
  gpuModel: number;
  gpuCount: number;
  region: number;
  jobsCompleted: bigint;
  jobsFailed: bigint;
  slashedTotal: bigint;
  claimedTotal: bigint;
  cumCompleted: bigint;
  cumFailed: bigint;
  cumExpired: bigint;
  cumDisputed: bigint;
  cumSlashes: bigint;
  cumSlashed: bigint;
  cumEarnings: bigint;
}
function snapshotProvider(ps: PState): ProviderSnapshot {
  const p = ps.p;
  return {
    activeStake: p.activeStake,
    unbonding: p.unbondingAmount,
    status: p.status,
    registered: ps.registered,
    gpuModel: p.gpuModel,
    gpuCount: p.gpuCount,
    region: p.region,
    jobsCompleted: p.jobsCompleted,
    jobsFailed: p.jobsFailed,
    slashedTotal: p.slashedTotal,
    claimedTotal: p.totalClaimed,
    cumCompleted: ps.cumCompleted,
    cumFailed: ps.cumFailed,
    cumExpired: ps.cumExpired,
    cumDisputed: ps.cumDisputed,
    cumSlashes: ps.cumSlashes,
    cumSlashed: ps.cumSlashed,
    cumEarnings: ps.cumEarnings,
  };
}

/** Reputation inputs of one provider. */
export interface ReputationInputs {
  readonly completed: bigint;
  readonly failed: bigint;
  readonly expired: bigint;
  readonly disputed: bigint;
  readonly slashes: bigint;
  readonly slashedAmount: bigint;
}

/** Multi-row INSERTs (at most ~900 parameters each: every SQLite build and PostgreSQL accept that). */
function* insertRows(table: string, cols: readonly string[], rows: readonly unknown[][]): SqlProgram<void> {
  const chunk = Math.max(1, Math.floor(900 / cols.length));
  const tuple = `(${cols.map(() => "?").join(", ")})`;
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    yield* run(`INSERT INTO ${table} (${cols.join(", ")}) VALUES ${part.map(() => tuple).join(", ")}`, ...part.flat());
  }
}
