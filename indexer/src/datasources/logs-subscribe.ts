/**
 * Live datasource: Solana PubSub `logsSubscribe` (mentions: the program) over
 * a plain `ws` client, so any standard RPC, the gpunet localnet or Helius work.
 *
 * - Reconnects with exponential backoff (jittered, capped), forever, until the
 *   AbortSignal fires.
 * - Watchdog: the client pings every third of `watchdogMs`; if nothing (no
 *   notification, no pong) arrives for `watchdogMs` and for more than three
 *   pings in a row, the socket is dropped and reopened. An idle stream answers
 *   pings, so silence means a dead link; a stalled event loop delays the pings
 *   and their answers alike, so it does not count as silence.
 * - Every (re)subscription is reported, so the pipeline can backfill the gap
 *   since its last checkpoint.
 * - Backpressure: when `onUpdate` returns promises (commits) and too many are
 *   pending, the socket is paused (TCP pushes back on the server) until half
 *   of them committed; the watchdog does not count paused time.
 */
import WebSocket from "ws";
import { backoffDelayMs, resolveRetryPolicy } from "@gpunet/sdk";
import { sleep } from "../rpc.ts";
import type { Finality, LiveStatusListener, TransactionUpdate } from "../types.ts";
import { streamDatasource, type Datasource } from "./datasource.ts";

/** Options of {@link createLogsSubscribeSource}. */
export interface LogsSubscribeOptions {
  readonly wsUrl: string;
  readonly programId: string;
  readonly commitment: Finality;
  readonly watchdogMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** Pause reading the socket while this many updates are not yet committed (default 20,000). */
  readonly maxInFlight?: number;
}

/** Counters of the live source. */
export interface LiveSourceStats {
  connected: boolean;
  reconnects: number;
  notifications: number;
  watchdogFires: number;
  /** Highest slot seen in a notification context. */
  headSlot: bigint;
}

/** A running live source. */
export interface LiveSource {
  readonly stats: LiveSourceStats;
  /** Runs until `signal` aborts; each notification goes to `onUpdate` in arrival order. */
  run(onUpdate: (u: TransactionUpdate) => Promise<unknown> | void, status: LiveStatusListener, signal: AbortSignal): Promise<void>;
}

interface LogsNotification {
  readonly method?: string;
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: { readonly message: string };
  readonly params?: {
    readonly result?: {
      readonly context?: { readonly slot?: number };
      readonly value?: { readonly signature?: string; readonly err?: unknown; readonly logs?: string[] };
    };
  };
}

/**
 * Creates the live `logsSubscribe` source.
 *
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { createIndexer, createLogsSubscribeSource } from "@gpunet/indexer";
 * const indexer = await createIndexer({ dbPath: "index.db" });
 * const live = createLogsSubscribeSource({
 *   wsUrl: "ws://127.0.0.1:8900", programId: GPUNET_PROGRAM_ADDRESS, commitment: "confirmed", watchdogMs: 30_000, reconnectMinMs: 250, reconnectMaxMs: 30_000,
 * });
 * const abort = new AbortController();
 * const listener = {
 *   onSubscribed: ({ reconnect }: { reconnect: boolean }) => console.log(reconnect ? "resubscribed" : "subscribed"),
 *   onDisconnected: (reason: string) => console.warn("disconnected:", reason),
 * };
 * await live.run((u) => indexer.ingest([u]), listener, abort.signal); // returns after abort.abort()
 * ```
 */
export function createLogsSubscribeSource(opts: LogsSubscribeOptions): LiveSource {
  const stats: LiveSourceStats = { connected: false, reconnects: 0, notifications: 0, watchdogFires: 0, headSlot: 0n };

  async function run(onUpdate: (u: TransactionUpdate) => Promise<unknown> | void, status: LiveStatusListener, signal: AbortSignal): Promise<void> {
    let attempt = 0;
    let everSubscribed = false;
    while (!signal.aborted) {
      const subscribed = await connectOnce(onUpdate, status, signal, everSubscribed);
      if (subscribed) {
        everSubscribed = true;
        attempt = 0;
      }
      if (signal.aborted) break;
      stats.reconnects++;
      // The shared retry policy's backoff (full jitter), reset once a connection subscribed.
      const delay = backoffDelayMs(resolveRetryPolicy({ baseDelayMs: opts.reconnectMinMs, maxDelayMs: opts.reconnectMaxMs }), attempt);
      attempt = Math.min(attempt + 1, 20);
      try {
        await sleep(delay, signal);
      } catch {
        break;
      }
    }
  }

  /** One connection's life; resolves when it ends. True when it got as far as subscribing. */
  function connectOnce(
    onUpdate: (u: TransactionUpdate) => Promise<unknown> | void,
    status: LiveStatusListener,
    signal: AbortSignal,
    reconnect: boolean,
  ): Promise<boolean> {
    return new Promise((resolve) => {
      let subscribed = false;
      let done = false;
      const ws = new WebSocket(opts.wsUrl);
      let lastSeen = Date.now();
      const tick = Math.max(50, Math.floor(opts.watchdogMs / 3));
      const finish = (reason: string): void => {
        if (done) return;
        done = true;
        clearInterval(timer);
        signal.removeEventListener("abort", onAbort);
        stats.connected = false;
        if (subscribed) status.onDisconnected(reason);
        try {
          ws.terminate();
        } catch {
          // already closed
        }
        resolve(subscribed);
      };
      const onAbort = (): void => finish("aborted");
      signal.addEventListener("abort", onAbort, { once: true });
      const high = opts.maxInFlight ?? 20_000;
      let inFlight = 0;
      let paused = false;
      // Silence is counted in ticks as well as in time: a tick runs only after the event
      // loop has polled the socket since the previous one, so a process too busy to read
      // (a long synchronous batch, GC) delays both and never looks like a dead link.
      let silentTicks = 0;
      const timer = setInterval(() => {
        if (paused) lastSeen = Date.now();
        silentTicks = Date.now() - lastSeen > tick ? silentTicks + 1 : 0;
        if (Date.now() - lastSeen > opts.watchdogMs && silentTicks > 3) {
          stats.watchdogFires++;
          finish("watchdog: no message or pong");
          return;
        }
        if (ws.readyState === WebSocket.OPEN) ws.ping();
      }, tick);
      ws.on("open", () => {
        lastSeen = Date.now();
        ws.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "logsSubscribe",
            params: [{ mentions: [opts.programId] }, { commitment: opts.commitment }],
          }),
        );
      });
      ws.on("pong", () => {
        lastSeen = Date.now();
      });
      ws.on("message", (data) => {
        lastSeen = Date.now();
        let msg: LogsNotification;
        try {
          msg = JSON.parse(data.toString()) as LogsNotification;
        } catch {
          return;
        }
        if (msg.id === 1) {
          if (msg.error || typeof msg.result !== "number") {
            finish(`subscribe refused: ${msg.error?.message ?? "no id"}`);
            return;
          }
          subscribed = true;
          stats.connected = true;
          status.onSubscribed({ reconnect });
          return;
        }
        if (msg.method !== "logsNotification") return;
        const r = msg.params?.result;
        const v = r?.value;
        if (!v?.signature || typeof r?.context?.slot !== "number") return;
        stats.notifications++;
        const slot = BigInt(r.context.slot);
        if (slot > stats.headSlot) stats.headSlot = slot;
        const pending = onUpdate({
          signature: v.signature,
          slot,
          txIndex: null,
          blockTime: null,
          err: v.err ?? null,
          logs: v.logs ?? null,
          finality: opts.commitment,
          source: "live",
        });
        if (pending) {
          inFlight++;
          if (inFlight >= high && !paused) {
            paused = true;
            ws.pause();
          }
          void pending.finally(() => {
            inFlight--;
            if (paused && inFlight <= high / 2) {
              paused = false;
              lastSeen = Date.now();
              if (!done) ws.resume();
            }
          });
        }
      });
      ws.on("error", (e) => finish(`error: ${String(e)}`));
      ws.on("close", () => finish("closed"));
    });
  }

  return { stats, run };
}

/** Options of {@link logsSubscribe}; the program id comes from the indexer. */
export interface LogsSubscribeDatasourceOptions {
  /** WebSocket PubSub endpoint, e.g. `ws://127.0.0.1:8900`. */
  readonly wsUrl: string;
  /** Commitment of the subscription (default "confirmed"). */
  readonly commitment?: Finality;
  /** Reconnect when the socket is silent this long, pings included (default 30,000 ms). */
  readonly watchdogMs?: number;
  /** Reconnect backoff bounds (default 250 .. 30,000 ms). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Pause reading the socket while this many updates are not yet committed (default 20,000). */
  readonly maxInFlight?: number;
}

/**
 * The live `logsSubscribe` datasource: delivers from the moment it is
 * subscribed; what it misses (before, and while reconnecting) the indexer
 * backfills over RPC.
 *
 * @example
 * ```ts
 * import { createIndexer, logsSubscribe } from "@gpunet/indexer";
 * const indexer = await createIndexer({
 *   store: "index.db",
 *   rpc: "http://127.0.0.1:8899",
 *   datasources: [logsSubscribe({ wsUrl: "ws://127.0.0.1:8900" })],
 * });
 * await indexer.start();
 * await indexer.stop();
 * ```
 */
export function logsSubscribe(opts: LogsSubscribeDatasourceOptions): Datasource {
  return streamDatasource("logsSubscribe", "backfill", "live", (ctx) =>
    createLogsSubscribeSource({
      wsUrl: opts.wsUrl,
      programId: ctx.programId,
      commitment: opts.commitment ?? "confirmed",
      watchdogMs: Math.max(100, opts.watchdogMs ?? 30_000),
      reconnectMinMs: opts.reconnectMinMs ?? 250,
      reconnectMaxMs: opts.reconnectMaxMs ?? 30_000,
      ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
    }),
  );
}
