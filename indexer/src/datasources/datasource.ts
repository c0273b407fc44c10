/**
 * The one interface every datasource implements. A datasource reads
 * transactions that mention the program from somewhere (a WebSocket, a gRPC
 * stream, HTTP posts, a file) and pushes them, as the one update type
 * ({@link TransactionUpdate}), into the sink the pipeline hands it. It reports
 * its connection's life to the status listener, so the pipeline can fill what
 * it missed; gaps, batching, finality and the writer stay the pipeline's.
 */
import { IndexerError } from "../errors.ts";
import type { LiveStatusListener, TransactionUpdate, UpdateSink } from "../types.ts";

/**
 * How what a datasource missed is recovered.
 * - `backfill`: the source delivers from the moment it subscribes; every
 *   (re)subscription opens a gap that the pipeline fills over RPC.
 * - `replay`: the source resumes from {@link DatasourceContext.resumeSlot} on
 *   its own (the server replays); the RPC backfill runs only when it reports
 *   `onLagged`, and no startup backfill runs.
 * - `none`: the sender retries what was not acknowledged (a webhook); its
 *   updates do not move the live cursor.
 */
export type DatasourceRecovery = "backfill" | "replay" | "none";

/** A status listener that also hears that a replaying source's resume point was no longer available. */
export interface DatasourceStatusListener extends LiveStatusListener {
  /** `fromSlot` was older than the server keeps; the source goes on from `firstAvailable` and the pipeline backfills the rest. */
  onLagged(info: { readonly fromSlot: bigint; readonly firstAvailable: bigint }): void;
}

/** What the pipeline gives a datasource when it starts it. */
export interface DatasourceContext {
  /**
   * Where updates go. `push` resolves once they are committed (await it for
   * backpressure) and rejects when their batch failed (for `backfill` and
   * `replay` sources the pipeline has reopened a gap by then).
   */
  readonly sink: UpdateSink;
  /** Connection lifecycle: subscribed / disconnected / lagged. */
  readonly status: DatasourceStatusListener;
  /** Fires when the indexer stops: end every loop, close every socket. */
  readonly signal: AbortSignal;
  /** Operational messages. */
  readonly log: (message: string) => void;
  /** The gpunet program id (base58) the indexer follows. */
  readonly programId: string;
  /** The slot a replaying source resumes from: the stored cursor, lowered to the oldest row not yet final (0 for an empty index). */
  readonly resumeSlot: () => Promise<bigint>;
}

/** Counters every datasource reports (`GET /stats` sums them over the live sources). */
export interface DatasourceStats {
  /** True while subscribed (a receiving source: while listening). */
  readonly connected: boolean;
  /** Updates received. */
  readonly notifications: number;
  readonly reconnects: number;
  readonly watchdogFires: number;
  /** Highest slot seen. */
  readonly headSlot: bigint;
  /** The port it listens on, for a source that receives (reported as `indexer.ports[name]`). */
  readonly port?: number;
}

/**
 * A source of {@link TransactionUpdate}s. `name` is unique in an indexer (two
 * sources of one kind would read the same thing twice).
 *
 * @example
 * ```ts
 * import { createIndexer, type Datasource, type DatasourceContext, type TransactionUpdate } from "@gpunet/indexer";
 * // A source that pushes updates it is handed (e.g. read from a file or a queue).
 * class ArraySource implements Datasource {
 *   readonly name = "array";
 *   readonly recovery = "none";
 *   readonly updates: readonly TransactionUpdate[];
 *   #pushed = 0;
 *   constructor(updates: readonly TransactionUpdate[]) {
 *     this.updates = updates;
 *   }
 *   async start(ctx: DatasourceContext): Promise<void> {
 *     await ctx.sink.push(this.updates);
 *     this.#pushed = this.updates.length;
 *   }
 *   async stop(): Promise<void> {}
 *   stats() {
 *     return { connected: true, notifications: this.#pushed, reconnects: 0, watchdogFires: 0, headSlot: 0n };
 *   }
 * }
 * const indexer = await createIndexer({ store: "index.db", datasources: [new ArraySource([])] });
 * await indexer.start();
 * await indexer.stop();
 * ```
 */
export interface Datasource {
  /** Unique name (`logsSubscribe`, `yellowstone`, `webhook`, or your own). */
  readonly name: string;
  readonly recovery: DatasourceRecovery;
  /**
   * Starts reading; resolves once it runs (a stream that must connect first
   * resolves once subscribed), rejects with a typed error when it cannot
   * start. It keeps running until {@link stop} or `ctx.signal`.
   */
  start(ctx: DatasourceContext): Promise<void>;
  /** Stops reading and resolves once nothing more will be pushed. */
  stop(): Promise<void>;
  stats(): DatasourceStats;
}

/** A running stream (logsSubscribe, Yellowstone): what {@link streamDatasource} wraps. */
export interface StreamSource {
  readonly stats: Omit<DatasourceStats, "port">;
  /** Runs until `signal` aborts; each update goes to `onUpdate` in arrival order. */
  run(onUpdate: (u: TransactionUpdate) => Promise<unknown> | void, status: LiveStatusListener, signal: AbortSignal): Promise<void>;
  /** Resolves once subscribed (rejects with a typed error), for a source whose `start` waits for that. */
  ready?(): Promise<void>;
}

/**
 * A {@link Datasource} over a stream that `open` builds at start: it is started
 * once, pushes each update to the sink (a failed push is logged as `<label>
 * ingest failed`), stops on the indexer's signal or `stop()`, and reports the
 * stream's counters (zeros before start).
 */
export function streamDatasource(name: string, recovery: DatasourceRecovery, label: string, open: (ctx: DatasourceContext) => StreamSource): Datasource {
  let source: StreamSource | null = null;
  let running: Promise<void> | null = null;
  const stop = new AbortController();
  return {
    name,
    recovery,
    async start(ctx: DatasourceContext): Promise<void> {
      if (source) throw new IndexerError("InvalidComposition", `this ${name} datasource was started already`, { datasource: name });
      source = open(ctx);
      running = source.run(
        (u) => ctx.sink.push([u]).catch((e: unknown) => ctx.log(`${label} ingest failed: ${String(e)}`)),
        ctx.status,
        AbortSignal.any([ctx.signal, stop.signal]),
      );
      await source.ready?.();
    },
    async stop(): Promise<void> {
      stop.abort();
      await running;
    },
    stats: () => {
      const s = source?.stats;
      return s
        ? { connected: s.connected, notifications: s.notifications, reconnects: s.reconnects, watchdogFires: s.watchdogFires, headSlot: s.headSlot }
        : { connected: false, notifications: 0, reconnects: 0, watchdogFires: 0, headSlot: 0n };
    },
  };
}

/** What {@link resumeSlotOf} reads of a store. */
export interface ResumeStore {
  checkpoint(name: string): { readonly slot: bigint } | null;
  unfinalized(maxSlot: bigint, limit: number): Promise<readonly { readonly slot: bigint }[]>;
}

/**
 * The slot a replaying source resumes from: the newest of the `live` and
 * `backfill` cursors, lowered to the oldest row at or below it that is not yet
 * final (its finality comes with the replay); 0 for an empty index.
 */
export async function resumeSlotOf(store: ResumeStore): Promise<bigint> {
  const a = store.checkpoint("live");
  const b = store.checkpoint("backfill");
  const cp = a && b ? (a.slot >= b.slot ? a : b) : (a ?? b);
  if (!cp) return 0n;
  const low = (await store.unfinalized(cp.slot, 1))[0]?.slot;
  return low !== undefined && low < cp.slot ? low : cp.slot;
}

/** The update a datasource pushes, re-exported beside the interface. */
export type { TransactionUpdate, UpdateSink };
