/**
 * `/metrics`: the indexer's numbers in the Prometheus text format (prom-client).
 *
 * Each API server has its own registry (nothing in prom-client's global default
 * registry), so servers in one process never share or clash over metrics.
 * Values are read at scrape time: the persisted counters and slots from the
 * database (what `gpunet serve` can see too), plus the live numbers of the
 * indexer when it runs in the same process (lag, events/s, backfill, finality
 * sweeps). Prometheus values are float64 by definition: slot numbers and
 * counts are exact below 2^53.
 */
import { sql, type Kysely } from "kysely";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { IndexDatabase } from "./db/schema.ts";
import type { IndexerStats } from "./pipeline.ts";

/** Metrics of one API server. */
export interface ApiMetrics {
  /** This server's own registry. */
  readonly registry: Registry;
  /** Content type of {@link ApiMetrics.render}'s text. */
  readonly contentType: string;
  /** Counts one answered HTTP request. `route` is the route pattern (`providers/:address`), never the raw path. */
  observeRequest(route: string, status: number, seconds: number): void;
  /** Reads the current values and renders the exposition text. */
  render(): Promise<string>;
}

/** Options of {@link createApiMetrics}. */
export interface ApiMetricsOptions {
  readonly db: Kysely<IndexDatabase>;
  /** Live numbers of an indexer running in this process. */
  readonly stats?: () => IndexerStats;
}

/** Persisted counters (the `counters` table) and the metric each one feeds. */
const PERSISTED: readonly { readonly counter: string; readonly name: string; readonly help: string }[] = [
  { counter: "txs", name: "gpunet_indexer_transactions_indexed_total", help: "Transactions of the program indexed (distinct signatures)" },
  { counter: "events", name: "gpunet_indexer_events_indexed_total", help: "Program events stored" },
  { counter: "deadLetters", name: "gpunet_indexer_dead_letters_total", help: "Event payloads that could not be decoded (kept in dead_letters)" },
  { counter: "duplicates", name: "gpunet_indexer_duplicate_transactions_total", help: "Transactions delivered again and skipped" },
  { counter: "failedTxs", name: "gpunet_indexer_failed_transactions_total", help: "Failed transactions seen (no events applied)" },
  { counter: "truncated", name: "gpunet_indexer_truncated_transactions_total", help: "Transactions whose logs were truncated" },
  { counter: "rolledBack", name: "gpunet_indexer_rolled_back_transactions_total", help: "Transactions rolled back because they never finalized" },
  { counter: "moved", name: "gpunet_indexer_moved_transactions_total", help: "Transactions moved to the slot where the cluster finally has them" },
  { counter: "reconnects", name: "gpunet_indexer_reconnects_total", help: "Live stream reconnects" },
];

const setCounter = (c: Counter, v: number, labels?: Record<string, string>): void => {
  if (labels) {
    c.remove(labels);
    c.inc(labels, v);
  } else {
    c.reset();
    c.inc(v);
  }
};

/**
 * Creates the metrics of one API server over its database handle.
 *
 * @example
 * ```ts
 * import { createApiMetrics, openReaderDatabase } from "@gpunet/indexer";
 * const reader = openReaderDatabase("index.db");
 * const metrics = createApiMetrics({ db: reader.db });
 * console.log(await metrics.render()); // gpunet_indexer_transactions_indexed_total 1234 ...
 * ```
 */
export function createApiMetrics(opts: ApiMetricsOptions): ApiMetrics {
  const registry = new Registry();
  const registers = [registry];
  const persisted = PERSISTED.map((p) => ({ ...p, metric: new Counter({ name: p.name, help: p.help, registers }) }));
  const indexedSlot = new Gauge({ name: "gpunet_indexer_indexed_slot", help: "Highest slot with an indexed transaction", registers });
  const checkpointSlot = new Gauge({ name: "gpunet_indexer_checkpoint_slot", help: "Slot of each stored cursor", labelNames: ["name"], registers });
  const gapsOpen = new Gauge({ name: "gpunet_indexer_gaps_open", help: "Ranges of history still to backfill", registers });
  const httpRequests = new Counter({
    name: "gpunet_http_requests_total",
    help: "HTTP requests answered, by route pattern and status",
    labelNames: ["route", "status"],
    registers,
  });
  const httpSeconds = new Histogram({
    name: "gpunet_http_request_duration_seconds",
    help: "Time to answer HTTP requests, by route pattern",
    labelNames: ["route"],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers,
  });
  const live = opts.stats
    ? {
        head: new Gauge({ name: "gpunet_indexer_head_slot", help: "Chain head slot last seen", registers }),
        lag: new Gauge({
          name: "gpunet_indexer_ingest_lag_slots",
          help: "Slots between the chain head and the point through which the index is complete",
          registers,
        }),
        eps: new Gauge({ name: "gpunet_indexer_events_per_second", help: "Events committed per second over the last 10 s", registers }),
        queue: new Gauge({ name: "gpunet_indexer_queue_depth", help: "Pushes waiting for the writer loop", registers }),
        connected: new Gauge({ name: "gpunet_indexer_live_connected", help: "1 while the live subscription is connected", registers }),
        backfillActive: new Gauge({ name: "gpunet_indexer_backfill_active", help: "1 while a backfill runs", registers }),
        backfillDone: new Gauge({
          name: "gpunet_indexer_backfill_done_transactions",
          help: "Transactions fetched by the current (or last) backfill",
          registers,
        }),
        backfillTotal: new Gauge({
          name: "gpunet_indexer_backfill_total_transactions",
          help: "Transactions the current (or last) backfill has to fetch",
          registers,
        }),
        backfillRate: new Gauge({ name: "gpunet_indexer_backfill_transactions_per_second", help: "Backfill rate since it started", registers }),
        sweeps: new Counter({ name: "gpunet_indexer_finality_sweeps_total", help: "Finality sweeps run", registers }),
        swept: new Counter({
          name: "gpunet_indexer_finality_transactions_total",
          help: "Transactions the finality sweeps finalized, rolled back or moved",
          labelNames: ["outcome"],
          registers,
        }),
      }
    : null;

  const refresh = async (): Promise<void> => {
    const counters = new Map<string, bigint>();
    for (const r of await opts.db.selectFrom("counters").selectAll().execute()) counters.set(r.name, r.value);
    for (const p of persisted) setCounter(p.metric, Number(counters.get(p.counter) ?? 0n));
    const slot = await opts.db.selectFrom("txs").select(sql<bigint | null>`max(slot)`.as("s")).executeTakeFirst();
    if (slot?.s === null || slot?.s === undefined) indexedSlot.reset();
    else indexedSlot.set(Number(slot.s));
    checkpointSlot.reset();
    for (const c of await opts.db.selectFrom("checkpoints").select(["name", "slot"]).execute()) checkpointSlot.set({ name: c.name }, Number(c.slot));
    const gaps = await opts.db
      .selectFrom("gaps")
      .select((eb) => eb.fn.countAll<bigint>().as("n"))
      .executeTakeFirst();
    gapsOpen.set(Number(gaps?.n ?? 0n));
    if (live && opts.stats) {
      const s = opts.stats();
      live.head.set(Number(s.headSlot));
      live.lag.set(Number(s.lagSlots));
      live.eps.set(s.eventsPerSecond);
      live.queue.set(s.queueDepth);
      live.connected.set(s.live.connected ? 1 : 0);
      live.backfillActive.set(s.backfill.active ? 1 : 0);
      live.backfillDone.set(s.backfill.done);
      live.backfillTotal.set(s.backfill.total);
      live.backfillRate.set(s.backfill.rate);
      setCounter(live.sweeps, s.finality.sweeps);
      setCounter(live.swept, s.finality.finalized, { outcome: "finalized" });
      setCounter(live.swept, s.finality.rolledBack, { outcome: "rolled_back" });
      setCounter(live.swept, s.finality.moved, { outcome: "moved" });
    }
  };

  return {
    registry,
    contentType: registry.contentType,
    observeRequest(route, status, seconds) {
      httpRequests.inc({ route, status: String(status) });
      httpSeconds.observe({ route }, seconds);
    },
    async render() {
      await refresh();
      return registry.metrics();
    },
  };
}
