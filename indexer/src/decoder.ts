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
import { parseGpunetLogs, type EventDecodeFailure, type GpunetEventWithPayload } from "@gpunet/sdk";
import type { TransactionUpdate } from "./types.ts";

/** A decoded event with its position and its exact payload bytes. */
export type DecodedEvent = GpunetEventWithPayload<Uint8Array>;

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
  const parsed = parseGpunetLogs(update.logs, { programId, pubkeys: "bytes", payloads: true });
  if (parsed.failed) return { update, status: "failed", events: [], failures: [], truncated: parsed.truncated };
  // The parser hands back each event's exact bytes (base64-decoded once, for both).
  const events = parsed.events as readonly DecodedEvent[];
  return { update, status: "ok", events, failures: parsed.failures, truncated: parsed.truncated };
}
