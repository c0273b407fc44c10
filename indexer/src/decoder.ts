/**
 * The decoder: pure, from one {@link TransactionUpdate} to the gpunet events it
 * carries, with the SDK's parser (the indexer decodes with the
 * SDK's parser, so it cannot drift from the IDL). No I/O, no clock.
 *
 * - Failed transactions (`err` set, or a program frame that reported `failed`)
 *   yield no events: they changed nothing.
 * - Only `Program data:` lines inside gpunet's own invoke frames count.
 * - `Log truncated`: flagged, so the pipeline can recover from account state.
 * - Undecodable payloads come back as failures for the dead-letter table.
 */
import { parseGpunetLogs, type EventDecodeFailure, type GpunetEvent } from "@gpunet/sdk";
import { encodeEventPayload } from "./event-codec.ts";
import type { TransactionUpdate } from "./types.ts";

/** A decoded event with its position and its exact payload bytes. */
export type DecodedEvent = GpunetEvent<Uint8Array> & { readonly payload: Uint8Array };

/** What became of one transaction update. */
export type DecodeStatus =
  /** Landed; events (possibly none) decoded. */
  | "ok"
  /** `err` set or a frame failed: no state change. */
  | "failed"
  /** The source gave no logs: the pipeline must fetch the transaction. */
  | "noLogs";

/** Result of {@link decodeUpdate}. */
export interface DecodedTransaction {
  readonly update: TransactionUpdate;
  readonly status: DecodeStatus;
  readonly events: readonly DecodedEvent[];
  readonly failures: readonly EventDecodeFailure[];
  /** The logs were cut by the runtime (`Log truncated`): events after the cut are missing. */
  readonly truncated: boolean;
}

const DATA_PREFIX = "Program data: ";

/**
 * Decodes one update. Pure: same input, same output.
 *
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { decodeUpdate, type TransactionUpdate } from "@gpunet/indexer";
 * const update: TransactionUpdate = {
 *   signature: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
 *   slot: 1n, txIndex: 0, blockTime: null, err: null, logs, finality: "confirmed", source: "live",
 * };
 * const d = decodeUpdate(update, GPUNET_PROGRAM_ADDRESS);
 * if (d.status === "ok") for (const e of d.events) console.log(e.name, e.eventIndex);
 * ```
 */
export function decodeUpdate(update: TransactionUpdate, programId: string): DecodedTransaction {
  if (update.err !== null && update.err !== undefined) {
    return { update, status: "failed", events: [], failures: [], truncated: false };
  }
  if (!update.logs) return { update, status: "noLogs", events: [], failures: [], truncated: false };
  const parsed = parseGpunetLogs(update.logs, { programId, pubkeys: "bytes" });
  if (parsed.failed) return { update, status: "failed", events: [], failures: [], truncated: parsed.truncated };
  // The payload bytes: when every `Program data:` line of the transaction is one of
  // gpunet's (the usual case), the n-th line is event index n and its base64 is the
  // payload; otherwise (another program logged data too) re-encode from the fields.
  const dataLines: string[] = [];
  for (const l of update.logs) if (l.startsWith(DATA_PREFIX)) dataLines.push(l);
  const direct = dataLines.length === parsed.events.length + parsed.failures.length;
  const events: DecodedEvent[] = new Array(parsed.events.length);
  for (let i = 0; i < parsed.events.length; i++) {
    const e = parsed.events[i] as GpunetEvent<Uint8Array>;
    const line = direct ? dataLines[e.eventIndex] : undefined;
    const payload =
      line !== undefined ? Buffer.from(line.slice(DATA_PREFIX.length), "base64") : encodeEventPayload(e.name, e.data as unknown as Record<string, unknown>);
    (e as { payload?: Uint8Array }).payload = payload;
    events[i] = e as DecodedEvent;
  }
  return { update, status: "ok", events, failures: parsed.failures, truncated: parsed.truncated };
}
