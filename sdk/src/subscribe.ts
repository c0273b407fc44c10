/**
 * `subscribeEvents`: live gpunet events over `logsSubscribe`, de-duplicated by
 * (signature, event index) so a transaction delivered twice (a re-subscription
 * after web3.js reconnects its socket, or two commitments) reaches the callback once.
 * Reconnection is web3.js Connection's: after an abnormal close it reopens the socket
 * and re-subscribes. Events that landed while the socket was down are not replayed;
 * `onReconnect` fires when the socket is back so the caller can backfill the gap
 * (e.g. getSignaturesForAddress since the last signature seen).
 * Events of failed transactions are dropped; decode failures and truncated logs are
 * reported, never swallowed.
 */
import type { Commitment, Connection, PublicKey } from "@solana/web3.js";
import { GpunetError } from "./errors.ts";
import { parseGpunetLogs, type EventDecodeFailure, type GpunetEvent } from "./events.ts";
import { GPUNET_PROGRAM_ID } from "./pdas.ts";

/** Where a live event came from. */
export interface LiveEventContext {
  readonly signature: string;
  readonly slot: bigint;
}

/** Options of {@link subscribeEvents}. */
export interface SubscribeEventsOptions {
  readonly onEvent: (event: GpunetEvent, ctx: LiveEventContext) => void;
  /** Undecodable payloads in gpunet frames (dead-letter them). */
  readonly onDecodeFailure?: (failure: EventDecodeFailure, ctx: LiveEventContext) => void;
  /** A transaction whose logs were truncated: fetch it or re-read accounts. */
  readonly onTruncated?: (ctx: LiveEventContext) => void;
  /**
   * The WebSocket came back after a close; events in between may be missing
   * (backfill from the last seen signature).
   */
  readonly onReconnect?: () => void;
  /** Errors thrown by the callbacks or by subscribing. */
  readonly onError?: (error: GpunetError) => void;
  /** Stops the subscription. */
  readonly signal: AbortSignal;
  readonly commitment?: Commitment;
  readonly programId?: PublicKey;
  /** How many (signature, event index) keys to remember for de-duplication (default 10,000). */
  readonly dedupeWindow?: number;
}

/** A running subscription. */
export interface EventSubscription {
  /** Resolves once the subscription is closed (after the signal fires). */
  readonly closed: Promise<void>;
}

/**
 * Subscribes to gpunet events.
 * @example
 * ```ts
 * const ac = new AbortController();
 * subscribeEvents(connection, { signal: ac.signal, commitment: "confirmed", onEvent: (e) => console.log(e.name) });
 * ```
 */
export function subscribeEvents(connection: Pick<Connection, "onLogs" | "removeOnLogsListener">, o: SubscribeEventsOptions): EventSubscription {
  const programId = o.programId ?? GPUNET_PROGRAM_ID;
  const pid = programId.toBase58();
  const window = o.dedupeWindow ?? 10_000;
  // Insertion-ordered Set as a FIFO window of recently seen keys.
  const seen = new Set<string>();
  const report = (e: unknown): void => {
    const err =
      e instanceof GpunetError
        ? e
        : new GpunetError(
            "Transport",
            `subscription callback failed: ${e instanceof Error ? e.message : String(e)}`,
            { failure: { kind: "unknown" } },
            { cause: e },
          );
    if (o.onError) o.onError(err);
  };
  let id: number | null = null;
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const stop = (): void => {
    if (id !== null) {
      const toRemove = id;
      id = null;
      connection.removeOnLogsListener(toRemove).catch(report).finally(resolveClosed);
    } else resolveClosed();
  };
  if (o.signal.aborted) {
    resolveClosed();
    return { closed };
  }
  try {
    id = connection.onLogs(
      programId,
      (logs, ctx) => {
        if (o.signal.aborted || logs.err !== null) return;
        const live: LiveEventContext = { signature: logs.signature, slot: BigInt(ctx.slot) };
        try {
          const r = parseGpunetLogs(logs.logs, { programId: pid });
          if (r.truncated) o.onTruncated?.(live);
          for (const f of r.failures) {
            if (remember(`${logs.signature}:${f.eventIndex}`)) o.onDecodeFailure?.(f, live);
          }
          for (const e of r.events) {
            if (remember(`${logs.signature}:${e.eventIndex}`)) o.onEvent(e, live);
          }
        } catch (e) {
          report(e);
        }
      },
      o.commitment ?? "confirmed",
    );
  } catch (e) {
    report(e);
  }
  const detach = watchSocket(connection, () => {
    if (!o.signal.aborted) o.onReconnect?.();
  });
  o.signal.addEventListener(
    "abort",
    () => {
      detach();
      stop();
    },
    { once: true },
  );
  return { closed };

  function remember(key: string): boolean {
    if (seen.has(key)) return false;
    seen.add(key);
    if (seen.size > window) {
      const oldest = seen.values().next().value;
      if (oldest !== undefined) seen.delete(oldest);
    }
    return true;
  }
}

/** The event-emitter part of web3.js's internal socket that reconnect reporting needs. */
interface SocketEvents {
  on(event: "open" | "close", fn: () => void): unknown;
  removeListener?(event: "open" | "close", fn: () => void): unknown;
}

/**
 * Calls `onReopen` when web3.js's socket opens again after a close. The socket is
 * not public API: it is duck-typed, and without it reconnects simply go unreported.
 */
function watchSocket(connection: unknown, onReopen: () => void): () => void {
  const ws = (connection as { _rpcWebSocket?: Partial<SocketEvents> })._rpcWebSocket;
  if (!ws || typeof ws.on !== "function") return () => undefined;
  const events = ws as SocketEvents;
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  const onOpen = (): void => {
    if (!closed) return;
    closed = false;
    onReopen();
  };
  events.on("close", onClose);
  events.on("open", onOpen);
  return () => {
    events.removeListener?.("close", onClose);
    events.removeListener?.("open", onOpen);
  };
}
