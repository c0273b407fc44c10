/**
 * Live datasource: a Yellowstone gRPC (Geyser) stream through the real client
 * library, `@triton-one/yellowstone-grpc` (its native client), so Triton,
 * Helius LaserStream, any Yellowstone server or the gpunet localnet
 * (`--grpc-port`) work.
 *
 * - Subscribes to the transactions that mention the program (no votes), slot
 *   statuses and block metas, at the configured commitment, with `fromSlot`
 *   read from the stored cursor at every (re)connection: the server replays
 *   what the indexer missed while it was away.
 * - A slot's transactions are emitted once its block meta arrived (it carries
 *   the block time; at processed, a live slot's transactions go out at once,
 *   without it), in block order, as one update type with the logsSubscribe
 *   path. When the stream later reports the slot confirmed or finalized, the
 *   same updates are emitted again at that finality (the store upgrades rows).
 *   A slot reported dead, or left behind by a finalized later slot, is
 *   forgotten: the finality sweep rolls back what the chain dropped.
 * - "Lagged": a `fromSlot` older than the server keeps is refused with
 *   OUT_OF_RANGE "... last available: N". The listener's `onLagged` is told
 *   (the pipeline backfills that range over RPC) and the stream resumes from N.
 * - Reconnects with jittered exponential backoff, forever, until the signal
 *   aborts; a watchdog pings and drops a silent stream. The first connection's
 *   outcome is {@link YellowstoneSource.ready}: a typed error for a bad URL, a
 *   refused token or no server, never a hang.
 * - Backpressure: while too many updates are not yet committed, the stream is
 *   paused (HTTP/2 flow control pushes back on the server).
 */
import * as yellowstoneGrpc from "@triton-one/yellowstone-grpc";
import type { SubscribeRequest, SubscribeUpdate } from "@triton-one/yellowstone-grpc";
import bs58 from "bs58";
import { IndexerError } from "../errors.ts";
import { sleep } from "../rpc.ts";
import type { Finality, LiveStatusListener, TransactionUpdate } from "../types.ts";
import type { LiveSource, LiveSourceStats } from "./logs-subscribe.ts";
import { resumeSlotOf, streamDatasource, type Datasource, type ResumeStore } from "./datasource.ts";

/** Options of {@link createYellowstoneSource}. */
export interface YellowstoneOptions {
  /** e.g. `http://127.0.0.1:10000` or `https://mainnet.example.com` */
  readonly url: string;
  /** The `x-token` header, when the server wants one. */
  readonly xToken?: string;
  readonly programId: string;
  readonly commitment: Finality;
  /** The slot to resume from (`fromSlot`), read at each (re)connection. */
  readonly resumeSlot: () => bigint | Promise<bigint>;
  readonly watchdogMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** Pause the stream while this many updates are not yet committed (default 20,000). */
  readonly maxInFlight?: number;
  /** Give up on the first connection after this long (default 10,000 ms). */
  readonly connectTimeoutMs?: number;
  readonly log?: (message: string) => void;
}

/** Counters of the gRPC source. */
export interface YellowstoneStats extends LiveSourceStats {
  /** Times the server said `fromSlot` was no longer available. */
  lagged: number;
  confirmedSlot: bigint;
  finalizedSlot: bigint;
  /** The last connection failure, typed. */
  lastError: IndexerError | null;
  /** Updates that could not be read (skipped, logged). */
  unreadable: number;
}

/** A status listener that also hears of "lagged" refusals. */
export interface YellowstoneStatusListener extends LiveStatusListener {
  /** `fromSlot` was older than the server keeps; the stream goes on from `firstAvailable`. */
  onLagged?(info: { readonly fromSlot: bigint; readonly firstAvailable: bigint }): void;
}

/** A running gRPC source. */
export interface YellowstoneSource extends LiveSource {
  readonly stats: YellowstoneStats;
  run(onUpdate: (u: TransactionUpdate) => Promise<unknown> | void, status: YellowstoneStatusListener, signal: AbortSignal): Promise<void>;
  /** Resolves once first subscribed; rejects with an IndexerError when the first connection fails (bad URL, refused, unreachable). */
  ready(): Promise<void>;
}

// The package is CommonJS for the type checker and ESM at run time: find the class either way.
type ClientClass = typeof yellowstoneGrpc.default.default;
const Client = ((yellowstoneGrpc.default as unknown as { default?: ClientClass }).default ?? yellowstoneGrpc.default) as unknown as ClientClass;
const { txErrDecode } = yellowstoneGrpc;

const COMMITMENT: Record<Finality, number> = { processed: 0, confirmed: 1, finalized: 2 };
const FINALITY: readonly Finality[] = ["processed", "confirmed", "finalized"];
const SLOT_CONFIRMED = 1;
const SLOT_FINALIZED = 2;
const SLOT_DEAD = 6;
/** Slots kept waiting for their finality at most; older ones are left to the finality sweep. */
const MAX_PENDING_SLOTS = 20_000;

/**
 * How the native client reports a gRPC status: its errors carry no status code
 * of their own (napi's `code` is always "GenericFailure", there is no `details`
 * or `metadata`), only tonic's `Status` display in the message chain,
 * `code: '<description>', message: "<details>"`. The one structured field is
 * that `code: '…'` token: its value is tonic's display of the `Code` enum, one
 * fixed description per status, listed here at the index of its status number.
 * Only the parsed token is compared, whole; the server's own message is never
 * searched, so a details text cannot change the classification.
 */
const TONIC_CODE_DISPLAY: readonly string[] = [
  "The operation completed successfully",
  "The operation was cancelled",
  "Unknown error",
  "Client specified an invalid argument",
  "Deadline expired before operation could complete",
  "Some requested entity was not found",
  "Some entity that we attempted to create already exists",
  "The caller does not have permission to execute the specified operation",
  "Some resource has been exhausted",
  "The system is not in a state required for the operation's execution",
  "The operation was aborted",
  "Operation was attempted past the valid range",
  "Operation is not implemented or not supported",
  "Internal error",
  "The service is currently unavailable",
  "Unrecoverable data loss or corruption",
  "The request does not have valid authentication credentials",
];
/** tonic's `Status` display at the start of one message of the chain. */
const TONIC_STATUS = /^(?:gRPC status: )?code: '(.*?)', message: "((?:[^"\\]|\\.)*)"/;
/** Codes after which retrying the same request cannot help. */
const FATAL = new Set([3, 5, 7, 12, 16]);

/** The messages of a native client error and its causes, outermost first. */
function errorChain(e: unknown): string[] {
  const parts: string[] = [];
  for (let x: unknown = e, i = 0; x && i < 6; i++) {
    parts.push(x instanceof Error ? x.message : String(x));
    x = x instanceof Error ? x.cause : undefined;
  }
  return parts;
}

/**
 * The gRPC status code and message in a native client error, when it carries
 * one (`code: null` for a failure below gRPC: no connection, a reset stream).
 *
 * @example
 * ```ts
 * grpcStatusOf(new Error(`code: 'Operation was attempted past the valid range', message: "last available: 27"`));
 * // { code: 11, message: "last available: 27" }
 * ```
 */
export function grpcStatusOf(e: unknown): { code: number | null; message: string } {
  const chain = errorChain(e);
  for (const part of chain) {
    const m = TONIC_STATUS.exec(part);
    if (!m) continue;
    const code = TONIC_CODE_DISPLAY.indexOf(m[1] as string);
    return { code: code < 0 ? null : code, message: (m[2] as string).replace(/\\(.)/g, "$1") };
  }
  return { code: null, message: chain.join(": ") };
}

function typed(e: unknown, what: string): IndexerError {
  const { code, message } = grpcStatusOf(e);
  if (code !== null && FATAL.has(code))
    return new IndexerError("StreamRefused", `${what}: the gRPC server refused: ${message}`, { grpcStatus: code, cause: e });
  return new IndexerError("Transport", `${what}: ${message}`, { failure: { kind: "network" }, ...(code !== null ? { grpcStatus: code } : {}), cause: e });
}

/** Checks a gRPC endpoint URL. */
function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new IndexerError("InvalidConfig", `not a gRPC URL: ${JSON.stringify(url)} (expected http://host:port or https://host)`);
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.hostname === "") {
    throw new IndexerError("InvalidConfig", `not a gRPC URL: ${JSON.stringify(url)} (expected http://host:port or https://host)`);
  }
}

/**
 * The slot a stream resumes from for a store: the oldest of the newest
 * checkpoint and the unfinalized rows at or below it (their finality comes
 * with the replay), 0 for an empty index. The same as `ctx.resumeSlot()` of a
 * replaying datasource.
 *
 * @example
 * ```ts
 * import { createIndexer, yellowstoneResumeSlot } from "@gpunet/indexer";
 * const indexer = await createIndexer({ dbPath: "index.db" });
 * const fromSlot = await yellowstoneResumeSlot(indexer.store); // 0n for an empty index
 * ```
 */
export const yellowstoneResumeSlot: (store: ResumeStore) => Promise<bigint> = resumeSlotOf;

interface SlotState {
  readonly updates: TransactionUpdate[];
  blockTime: bigint | null;
  meta: boolean;
  /** Highest status heard (0 processed .. 2 finalized). */
  status: number;
  /** Finality it was last emitted at (-1: not yet). */
  emitted: number;
}

/**
 * Creates the Yellowstone gRPC source.
 *
 * @throws {IndexerError} InvalidConfig for a URL that is not http(s)://host[:port].
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { createIndexer, createYellowstoneSource, yellowstoneResumeSlot } from "@gpunet/indexer";
 * const indexer = await createIndexer({ dbPath: "index.db" });
 * const grpc = createYellowstoneSource({
 *   url: "http://127.0.0.1:10000", programId: GPUNET_PROGRAM_ADDRESS, commitment: "confirmed",
 *   resumeSlot: () => yellowstoneResumeSlot(indexer.store), watchdogMs: 30_000, reconnectMinMs: 250, reconnectMaxMs: 30_000,
 * });
 * const abort = new AbortController();
 * const running = grpc.run((u) => indexer.ingest([u]), { onSubscribed: () => {}, onDisconnected: (why) => console.warn(why) }, abort.signal);
 * await grpc.ready(); // throws a typed IndexerError for a bad URL, token or server
 * abort.abort();
 * await running;
 * ```
 */
export function createYellowstoneSource(opts: YellowstoneOptions): YellowstoneSource {
  checkUrl(opts.url);
  const stats: YellowstoneStats = {
    connected: false,
    reconnects: 0,
    notifications: 0,
    watchdogFires: 0,
    headSlot: 0n,
    lagged: 0,
    confirmedSlot: 0n,
    finalizedSlot: 0n,
    lastError: null,
    unreadable: 0,
  };
  const log = opts.log ?? (() => {});
  const commitment = COMMITMENT[opts.commitment];
  let readyResolve: () => void = () => {};
  let readyReject: (e: unknown) => void = () => {};
  let settled = false;
  const readyPromise = new Promise<void>((resolve, reject) => {
    readyResolve = () => {
      settled = true;
      resolve();
    };
    readyReject = (e) => {
      settled = true;
      reject(e);
    };
  });
  // A caller that never awaits ready() must not see an unhandled rejection.
  readyPromise.catch(() => {});
  /** Slots below this were refused as lagged and handed to the backfill. */
  let floor = 0n;

  const request = (fromSlot: bigint | undefined): SubscribeRequest => ({
    accounts: {},
    slots: { slots: { filterByCommitment: false } },
    transactions: { gpunet: { vote: false, accountInclude: [opts.programId], accountExclude: [], accountRequired: [] } },
    transactionsStatus: {},
    blocks: {},
    blocksMeta: { blocks: {} },
    entry: {},
    commitment,
    accountsDataSlice: [],
    ...(fromSlot !== undefined ? { fromSlot: fromSlot.toString() } : {}),
  });

  async function run(onUpdate: (u: TransactionUpdate) => Promise<unknown> | void, status: YellowstoneStatusListener, signal: AbortSignal): Promise<void> {
    let attempt = 0;
    let everSubscribed = false;
    const firstDeadline = Date.now() + (opts.connectTimeoutMs ?? 10_000);
    while (!signal.aborted) {
      const r = await connectOnce(onUpdate, status, signal, everSubscribed);
      if (r.subscribed) {
        everSubscribed = true;
        attempt = 0;
      }
      if (signal.aborted) break;
      if (r.lagged) continue;
      if (r.error) {
        stats.lastError = r.error;
        const fatal = r.error.code === "StreamRefused";
        if (!settled && (fatal || Date.now() >= firstDeadline)) {
          readyReject(r.error);
          return;
        }
        if (fatal) {
          log(`gRPC: ${r.error.message}; giving up`);
          return;
        }
      }
      stats.reconnects++;
      const base = Math.min(opts.reconnectMaxMs, opts.reconnectMinMs * 2 ** attempt);
      attempt = Math.min(attempt + 1, 20);
      try {
        await sleep(base / 2 + Math.random() * (base / 2), signal);
      } catch {
        break;
      }
    }
    if (!settled) readyReject(new IndexerError("Aborted", "the gRPC source stopped before it subscribed"));
  }

  type Outcome = { subscribed: boolean; lagged: boolean; error: IndexerError | null };

  async function connectOnce(
    onUpdate: (u: TransactionUpdate) => Promise<unknown> | void,
    status: YellowstoneStatusListener,
    signal: AbortSignal,
    reconnect: boolean,
  ): Promise<Outcome> {
    const client = new Client(opts.url, opts.xToken, { grpcConnectTimeout: opts.connectTimeoutMs ?? 10_000, grpcMaxDecodingMessageSize: 64 * 1024 * 1024 });
    try {
      await client.connect();
    } catch (e) {
      return { subscribed: false, lagged: false, error: typed(e, `cannot connect to ${opts.url}`) };
    }
    if (signal.aborted) return { subscribed: false, lagged: false, error: null };
    // At processed, transactions of slots from the head on go out before their block meta (it comes only once
    // the slot is complete); replayed slots wait for theirs, which carries the block time.
    // Slots finalized before the subscription are emitted once, at finalized, when their status arrives.
    let liveFrom = 0n;
    let finalFrom = -1n;
    try {
      if (commitment === 0) liveFrom = BigInt((await client.getSlot(0)).slot);
      finalFrom = BigInt((await client.getSlot(2)).slot);
    } catch (e) {
      return { subscribed: false, lagged: false, error: typed(e, `getSlot from ${opts.url} failed`) };
    }
    const resume = await opts.resumeSlot();
    const fromSlot = resume > floor ? resume : floor;
    // A refusal comes before the headers (a bad token) or as the stream's first message (a lagged fromSlot, a bad filter).
    const refusal = (e: unknown): Outcome => {
      const st = grpcStatusOf(e);
      const m = /last available: (\d+)/.exec(st.message);
      if (st.code === 11 && m) {
        const first = BigInt(m[1] as string);
        stats.lagged++;
        log(`gRPC: fromSlot ${fromSlot} is no longer available (first available ${first}); backfilling the gap over RPC`);
        floor = first > floor ? first : floor;
        status.onLagged?.({ fromSlot, firstAvailable: first });
        return { subscribed: false, lagged: true, error: null };
      }
      return { subscribed: false, lagged: false, error: typed(e, `subscribe to ${opts.url} failed`) };
    };
    let stream: yellowstoneGrpc.ClientDuplexStream;
    try {
      stream = await client.subscribe(request(fromSlot));
    } catch (e) {
      return refusal(e);
    }
    return new Promise<Outcome>((resolve) => {
      let done = false;
      // Subscribed once the server answers anything (the ping below at the latest): it took the request.
      let subscribed = false;
      const accepted = (): void => {
        if (subscribed || done) return;
        subscribed = true;
        stats.connected = true;
        if (!settled) readyResolve();
        status.onSubscribed({ reconnect });
      };
      const slots = new Map<bigint, SlotState>();
      let lastSeen = Date.now();
      let silentTicks = 0;
      let pingId = 0;
      const tick = Math.max(50, Math.floor(opts.watchdogMs / 3));
      const high = opts.maxInFlight ?? 20_000;
      let inFlight = 0;
      let paused = false;
      let flushQueued = false;

      const finish = (error: IndexerError | null, reason: string, outcome?: Outcome): void => {
        if (done) return;
        done = true;
        clearInterval(timer);
        signal.removeEventListener("abort", onAbort);
        stats.connected = false;
        const wasSubscribed = subscribed;
        if (subscribed) status.onDisconnected(reason);
        subscribed = false;
        stream.removeAllListeners("data");
        stream.on("error", () => {});
        stream.destroy();
        resolve(outcome ?? { subscribed: wasSubscribed, lagged: false, error });
      };
      const onAbort = (): void => finish(null, "aborted");
      signal.addEventListener("abort", onAbort, { once: true });

      const timer = setInterval(() => {
        if (paused) lastSeen = Date.now();
        silentTicks = Date.now() - lastSeen > tick ? silentTicks + 1 : 0;
        if (Date.now() - lastSeen > opts.watchdogMs && silentTicks > 3) {
          stats.watchdogFires++;
          finish(new IndexerError("Transport", "gRPC watchdog: no message or pong", { failure: { kind: "timeout" } }), "watchdog: no message or pong");
          return;
        }
        stream.write({ ...request(undefined), ping: { id: ++pingId } }, () => {});
      }, tick);

      const emit = (u: TransactionUpdate): void => {
        const pending = onUpdate(u);
        if (!pending) return;
        inFlight++;
        if (inFlight >= high && !paused) {
          paused = true;
          stream.pause();
        }
        void pending.finally(() => {
          inFlight--;
          if (paused && inFlight <= high / 2) {
            paused = false;
            lastSeen = Date.now();
            if (!done) stream.resume();
          }
        });
      };

      const flush = (): void => {
        flushQueued = false;
        if (done) return;
        const order = [...slots.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (const slot of order) {
          const st = slots.get(slot) as SlotState;
          // A slot is ready when its block meta (and time) arrived, or once confirmed without one;
          // at processed, at the end of each burst of messages (a live slot's meta comes only once it is complete).
          if (slot <= finalFrom ? st.status < SLOT_FINALIZED : !st.meta && st.status < SLOT_CONFIRMED && (commitment !== 0 || slot < liveFrom)) continue;
          const level = Math.max(commitment, st.status);
          if (level > st.emitted) {
            const finality = FINALITY[level] as Finality;
            for (const u of st.updates) emit({ ...u, blockTime: st.blockTime, finality });
            st.emitted = level;
          }
          if (st.emitted >= SLOT_FINALIZED) slots.delete(slot);
        }
        while (slots.size > MAX_PENDING_SLOTS) slots.delete(order.shift() as bigint);
      };
      const later = (): void => {
        if (flushQueued) return;
        flushQueued = true;
        setImmediate(flush);
      };
      const stateOf = (slot: bigint): SlotState => {
        let st = slots.get(slot);
        if (!st) slots.set(slot, (st = { updates: [], blockTime: null, meta: false, status: -1, emitted: -1 }));
        return st;
      };

      stream.write({ ...request(undefined), ping: { id: ++pingId } }, () => {});
      stream.on("data", (u: SubscribeUpdate) => {
        lastSeen = Date.now();
        accepted();
        try {
          onMessage(u);
        } catch (e) {
          // A message this source cannot read (it would fail the same way on every replay): counted and logged.
          stats.unreadable++;
          log(`gRPC: unreadable update skipped: ${String(e)}`);
        }
      });
      const onMessage = (u: SubscribeUpdate): void => {
        if (u.transaction?.transaction) {
          const info = u.transaction.transaction;
          const meta = info.meta;
          const slot = BigInt(u.transaction.slot);
          if (slot > stats.headSlot) stats.headSlot = slot;
          stats.notifications++;
          let err: unknown = null;
          if (meta?.err) {
            try {
              err = txErrDecode.decode(meta.err.err);
            } catch {
              err = { undecodable: Buffer.from(meta.err.err).toString("base64") };
            }
          }
          const st = stateOf(slot);
          st.updates.push({
            signature: bs58.encode(info.signature),
            slot,
            txIndex: Number(info.index),
            blockTime: null,
            err,
            logs: !meta || meta.logMessagesNone ? null : meta.logMessages,
            finality: opts.commitment,
            source: "live",
            // Account keys are left out (base58 of every key costs more than the rest of the update):
            // the rare truncated-log recovery fetches the transaction for them.
          });
          if (st.emitted >= 0) {
            // A transaction for a slot already emitted (the slot was rebuilt): send it on its own.
            emit({ ...(st.updates[st.updates.length - 1] as TransactionUpdate), blockTime: st.blockTime, finality: FINALITY[st.emitted] as Finality });
          } else if (commitment === 0 && slot >= liveFrom) later();
          return;
        }
        if (u.blockMeta) {
          const st = slots.get(BigInt(u.blockMeta.slot));
          if (st) {
            st.meta = true;
            st.blockTime = u.blockMeta.blockTime ? BigInt(u.blockMeta.blockTime.timestamp) : null;
            later();
          }
          return;
        }
        if (u.slot) {
          const slot = BigInt(u.slot.slot);
          const s = u.slot.status;
          if (slot > stats.headSlot) stats.headSlot = slot;
          if (s === SLOT_CONFIRMED && slot > stats.confirmedSlot) stats.confirmedSlot = slot;
          if (s === SLOT_DEAD) {
            slots.delete(slot);
            return;
          }
          if (s === SLOT_FINALIZED) {
            if (slot > stats.finalizedSlot) stats.finalizedSlot = slot;
            // Slots below a finalized one that never finalized were on an abandoned fork.
            for (const [k, st] of slots) if (k < slot && st.status < SLOT_FINALIZED) slots.delete(k);
          }
          const st = slots.get(slot);
          if (st && (s === SLOT_CONFIRMED || s === SLOT_FINALIZED) && s > st.status) {
            st.status = s;
            later();
          }
        }
      };
      stream.on("error", (e: unknown) => {
        if (!subscribed) {
          const r = refusal(e);
          finish(r.error, `refused: ${grpcStatusOf(e).message}`, r);
        } else finish(typed(e, "gRPC stream"), `stream error: ${grpcStatusOf(e).message}`);
      });
      stream.on("end", () => finish(new IndexerError("Transport", "gRPC stream ended by the server", { failure: { kind: "network" } }), "stream ended"));
      stream.on("close", () => finish(new IndexerError("Transport", "gRPC stream closed", { failure: { kind: "network" } }), "stream closed"));
    });
  }

  return { stats, run, ready: () => readyPromise };
}

/** Options of {@link yellowstone}; the program id, resume point and log come from the indexer. */
export interface YellowstoneDatasourceOptions {
  /** e.g. `http://127.0.0.1:10000` or `https://mainnet.example.com` */
  readonly url: string;
  /** The `x-token` header, when the server wants one. */
  readonly xToken?: string;
  /** Commitment of the stream (default "confirmed"). */
  readonly commitment?: Finality;
  /** Drop and reopen a stream silent this long, pings included (default 30,000 ms). */
  readonly watchdogMs?: number;
  /** Reconnect backoff bounds (default 250 .. 30,000 ms). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Pause the stream while this many updates are not yet committed (default 20,000). */
  readonly maxInFlight?: number;
  /** Give up on the first connection after this long (default 10,000 ms). */
  readonly connectTimeoutMs?: number;
}

/**
 * The Yellowstone gRPC datasource: resumes from the stored cursor with
 * `fromSlot` at every (re)connection, so the server replays what was missed;
 * only a "lagged" refusal hands a range to the RPC backfill. `start` resolves
 * once subscribed and rejects with a typed error: InvalidConfig for a URL that
 * is not http(s)://host[:port], StreamRefused for a refused token or request,
 * Transport when no server answers.
 *
 * @example
 * ```ts
 * import { createIndexer, yellowstone } from "@gpunet/indexer";
 * const indexer = await createIndexer({
 *   store: "index.db",
 *   rpc: "http://127.0.0.1:8899",
 *   datasources: [yellowstone({ url: "http://127.0.0.1:10000", xToken: "token" })],
 * });
 * await indexer.start(); // throws a typed IndexerError when the stream cannot subscribe
 * await indexer.stop();
 * ```
 */
export function yellowstone(opts: YellowstoneDatasourceOptions): Datasource {
  return streamDatasource("yellowstone", "replay", "gRPC", (ctx) =>
    createYellowstoneSource({
      url: opts.url,
      ...(opts.xToken !== undefined ? { xToken: opts.xToken } : {}),
      programId: ctx.programId,
      commitment: opts.commitment ?? "confirmed",
      resumeSlot: ctx.resumeSlot,
      watchdogMs: Math.max(100, opts.watchdogMs ?? 30_000),
      reconnectMinMs: opts.reconnectMinMs ?? 250,
      reconnectMaxMs: opts.reconnectMaxMs ?? 30_000,
      ...(opts.maxInFlight !== undefined ? { maxInFlight: opts.maxInFlight } : {}),
      ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
      log: ctx.log,
    }),
  );
}
