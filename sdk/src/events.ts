/**
 * Fast, IDL-driven decoding of gpunet events from transaction logs.
 *
 * Why hand-rolled: Anchor's EventParser base58-encodes the program id on every log
 * line and allocates BN per integer; decoding with a DataView is ~20x faster
 * (measured: 16k vs 350k events/s).
 *
 * Attribution: a `Program data:` line belongs to the program on top of the invoke
 * stack (`Program <id> invoke [n]` pushes, `... success` / `... failed` pops). Only
 * lines inside gpunet's own frames are decoded; another program logging bytes that
 * look like a gpunet event is ignored.
 *
 * Undecodable payloads inside gpunet frames (bad base64, unknown discriminator,
 * short or trailing bytes) come back as typed failures, never as exceptions, so an
 * indexer can dead-letter them.
 */
import { GPUNET_IDL, GPUNET_PROGRAM_ADDRESS, camelCase } from "./idl.ts";
import type { GpunetEventName, IdlStruct } from "./idl-types.ts";
import { decodeBase64Strict } from "./encoding.ts";
import { decodeStruct, discriminatorKey, structLayout, type PubkeyEncoding, type StructLayout } from "./layout.ts";

export type { GpunetEventName };

/** Data of one event, by name; pubkeys are `P` (base58 string by default). */
export type GpunetEventData<N extends GpunetEventName, P = string> = IdlStruct<N, P>;

/** Where an event (or a failure) sits in its transaction. */
export interface EventPosition {
  /** Index of the top-level instruction whose execution logged it. */
  readonly instructionIndex: number;
  /**
   * The invoke path below the top-level instruction: `[]` when gpunet is the
   * top-level program; `[k]` for the k-th (0-based) CPI the top-level program made;
   * `[k, j]` for the j-th CPI made by that one, and so on.
   */
  readonly innerPath: readonly number[];
  /**
   * Index of the frame in the transaction's flattened inner instructions of
   * `instructionIndex` (as `meta.innerInstructions` orders them), or null at top level.
   */
  readonly innerIndex: number | null;
  /**
   * 0-based ordinal of this `Program data:` line among all gpunet data lines of the
   * transaction (failures take an index too, so indices are stable: dedupe on
   * `(signature, eventIndex)`).
   */
  readonly eventIndex: number;
}

/** One decoded event; `name` discriminates the `data` type. */
export type GpunetEvent<P = string> = {
  [N in GpunetEventName]: EventPosition & { readonly name: N; readonly data: GpunetEventData<N, P> };
}[GpunetEventName];

/** An event of one given name. */
export type GpunetEventOf<N extends GpunetEventName, P = string> = Extract<GpunetEvent<P>, { name: N }>;

/** Why a payload inside a gpunet frame could not be decoded. */
export type EventDecodeFailureReason = "badBase64" | "unknownDiscriminator" | "shortData" | "trailingBytes";

/** A `Program data:` payload in a gpunet frame that is not a valid gpunet event. */
export interface EventDecodeFailure extends EventPosition {
  readonly reason: EventDecodeFailureReason;
  /** The payload exactly as logged (base64 text). */
  readonly payload: string;
  /** The event name, when the discriminator was known. */
  readonly name?: GpunetEventName;
  /** Byte length after base64 decoding, when it decoded. */
  readonly byteLength?: number;
  /** Expected byte length (discriminator included), when the discriminator was known. */
  readonly expectedLength?: number;
}

/** Result of {@link parseGpunetLogs}. */
export interface ParsedGpunetLogs<P = string> {
  readonly events: readonly GpunetEvent<P>[];
  readonly failures: readonly EventDecodeFailure[];
  /** True when the logs contain `Log truncated`: events after that point are missing. */
  readonly truncated: boolean;
  /**
   * True when a program frame reported `failed`: the transaction did not land and its
   * events did not happen (they are dropped unless `includeFailed`).
   */
  readonly failed: boolean;
}

/** Options of {@link parseGpunetLogs}. */
export interface ParseLogsOptions<E extends PubkeyEncoding = PubkeyEncoding> {
  /** The gpunet program id (base58); default: the IDL's address. */
  readonly programId?: string;
  /** `'base58'` (default) or `'bytes'` (32-byte Uint8Array, ~10x cheaper). */
  readonly pubkeys?: E;
  /** Keep events of a failed transaction (default false: a failed transaction changed nothing). */
  readonly includeFailed?: boolean;
  /**
   * Also hand back each event's exact payload bytes (discriminator + Borsh fields) as
   * `payload` on the event (see {@link GpunetEventWithPayload}), for a caller that
   * stores them: the line is base64-decoded once.
   */
  readonly payloads?: boolean;
}

/** An event parsed with `payloads: true`: its exact payload bytes ride along. */
export type GpunetEventWithPayload<P = string> = GpunetEvent<P> & { readonly payload: Uint8Array };

interface EventSpec {
  readonly name: GpunetEventName;
  readonly layout: StructLayout;
  readonly length: number;
}

const EVENT_SPECS: ReadonlyMap<string, EventSpec> = new Map(
  GPUNET_IDL.events.map((e) => {
    const layout = structLayout(e.name);
    const spec: EventSpec = { name: camelCase(e.name) as GpunetEventName, layout, length: 8 + layout.size };
    return [discriminatorKey(Uint8Array.from(e.discriminator)), spec];
  }),
);

// Hot-path lookup: the first 4 discriminator bytes as a number pick the candidates,
// the next 4 confirm (no string building per event).
const SPECS_BY_LO = new Map<number, { hi: number; spec: EventSpec }[]>();
for (const e of GPUNET_IDL.events) {
  const d = new DataView(Uint8Array.from(e.discriminator).buffer);
  const spec = EVENT_SPECS.get(discriminatorKey(Uint8Array.from(e.discriminator))) as EventSpec;
  const lo = d.getUint32(0, true);
  const list = SPECS_BY_LO.get(lo) ?? [];
  list.push({ hi: d.getUint32(4, true), spec });
  SPECS_BY_LO.set(lo, list);
}

function specOf(dv: DataView): EventSpec | undefined {
  const list = SPECS_BY_LO.get(dv.getUint32(0, true));
  if (!list) return undefined;
  const hi = dv.getUint32(4, true);
  for (const c of list) if (c.hi === hi) return c.spec;
  return undefined;
}

/** Names of all gpunet events, as `GpunetEvent['name']` spells them. */
export const GPUNET_EVENT_NAMES: readonly GpunetEventName[] = [...EVENT_SPECS.values()].map((s) => s.name);

type DecodePayloadResult<P> =
  | { readonly ok: true; readonly name: GpunetEventName; readonly data: GpunetEventData<GpunetEventName, P> }
  | {
      readonly ok: false;
      readonly reason: EventDecodeFailureReason;
      readonly name?: GpunetEventName;
      readonly byteLength?: number;
      readonly expectedLength?: number;
    };

/**
 * Decodes one event payload (discriminator + Borsh fields) from bytes.
 *
 * @example
 * ```ts
 * declare const line: string; // a "Program data: <base64>" log line
 * const r = decodeEventBytes(Buffer.from(line.slice("Program data: ".length), "base64"));
 * if (r.ok && r.name === "staked") console.log(r.data);
 * ```
 */
export function decodeEventBytes(bytes: Uint8Array, pubkeys: "bytes"): DecodePayloadResult<Uint8Array>;
export function decodeEventBytes(bytes: Uint8Array, pubkeys?: "base58"): DecodePayloadResult<string>;
export function decodeEventBytes(bytes: Uint8Array, pubkeys: PubkeyEncoding = "base58"): DecodePayloadResult<string | Uint8Array> {
  if (bytes.length < 8) return { ok: false, reason: "shortData", byteLength: bytes.length };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const spec = specOf(dv);
  if (!spec) return { ok: false, reason: "unknownDiscriminator", byteLength: bytes.length };
  if (bytes.length !== spec.length) {
    return {
      ok: false,
      reason: bytes.length < spec.length ? "shortData" : "trailingBytes",
      name: spec.name,
      byteLength: bytes.length,
      expectedLength: spec.length,
    };
  }
  const data = decodeStruct(spec.layout, bytes, dv, 8, pubkeys) as GpunetEventData<GpunetEventName, string | Uint8Array>;
  return { ok: true, name: spec.name, data };
}

const INVOKE = " invoke [";
const EMPTY_PATH: readonly number[] = Object.freeze([]);
const DATA_PREFIX = "Program data: ";

/**
 * Decodes the gpunet events in a transaction's log messages.
 *
 * @example
 * ```ts
 * const { events, failures, truncated } = parseGpunetLogs(logs); // a transaction's meta.logMessages
 * for (const e of events) if (e.name === "rewardsClaimed") console.log(e.data.amount); // bigint
 * ```
 */
export function parseGpunetLogs(logs: readonly string[], opts: ParseLogsOptions<"bytes"> & { readonly pubkeys: "bytes" }): ParsedGpunetLogs<Uint8Array>;
export function parseGpunetLogs(logs: readonly string[], opts?: ParseLogsOptions<"base58">): ParsedGpunetLogs<string>;
export function parseGpunetLogs(logs: readonly string[], opts: ParseLogsOptions = {}): ParsedGpunetLogs<string | Uint8Array> {
  const programId = opts.programId ?? GPUNET_PROGRAM_ADDRESS;
  const pubkeys = opts.pubkeys ?? "base58";
  const withPayload = opts.payloads === true;
  const events: GpunetEvent<string | Uint8Array>[] = [];
  const failures: EventDecodeFailure[] = [];
  let truncated = false;
  let failed = false;
  // The invoke stack: program ids by depth (index 0 = depth 1).
  const stack: string[] = [];
  // Child counters per depth: childCount[d] = CPIs made so far by the frame at depth d+1.
  const childCount: number[] = [];
  // The path of child ordinals from the top-level frame to the current frame.
  const path: number[] = [];
  let instructionIndex = -1;
  let innerFlat = -1;
  // The flattened inner-instruction index of each frame on the stack.
  const flatStack: number[] = [];
  let eventIndex = 0;

  for (let li = 0; li < logs.length; li++) {
    const line = logs[li] as string;
    if (line.startsWith(DATA_PREFIX)) {
      if (stack.length === 0 || stack[stack.length - 1] !== programId) continue;
      const payload = line.slice(DATA_PREFIX.length);
      const innerPath = stack.length > 1 ? path.slice() : EMPTY_PATH;
      const innerIndex = stack.length > 1 ? (flatStack[stack.length - 1] ?? null) : null;
      const idx = eventIndex++;
      const bytes = decodeBase64Strict(payload);
      if (!bytes) {
        failures.push({ instructionIndex, innerPath, innerIndex, eventIndex: idx, reason: "badBase64", payload });
        continue;
      }
      const r = decodeEventBytes(bytes, pubkeys as "base58");
      if (r.ok) {
        events.push(
          (withPayload
            ? { name: r.name, data: r.data, instructionIndex, innerPath, innerIndex, eventIndex: idx, payload: bytes }
            : { name: r.name, data: r.data, instructionIndex, innerPath, innerIndex, eventIndex: idx }) as GpunetEvent<string | Uint8Array>,
        );
      } else {
        failures.push({
          instructionIndex,
          innerPath,
          innerIndex,
          eventIndex: idx,
          reason: r.reason,
          payload,
          ...(r.name !== undefined ? { name: r.name } : {}),
          ...(r.byteLength !== undefined ? { byteLength: r.byteLength } : {}),
          ...(r.expectedLength !== undefined ? { expectedLength: r.expectedLength } : {}),
        });
      }
      continue;
    }
    if (line.startsWith("Program ")) {
      // Runtime lines are `Program <id> <verb>`; `<id>` never holds a space, which is
      // what keeps a program's own `Program log: ... invoke [1]` from faking a frame.
      const sp = line.indexOf(" ", 8);
      if (sp < 0) continue;
      const id = line.slice(8, sp);
      if (line.startsWith(INVOKE, sp) && line.endsWith("]")) {
        const depth = Number(line.slice(sp + INVOKE.length, -1));
        if (!Number.isInteger(depth) || depth < 1) continue;
        stack.length = depth - 1;
        if (depth === 1) {
          instructionIndex++;
          innerFlat = -1;
          path.length = 0;
        } else {
          innerFlat++;
          path.length = depth - 2;
          const k = childCount[depth - 2] ?? 0;
          childCount[depth - 2] = k + 1;
          path.push(k);
        }
        childCount.length = depth;
        childCount[depth - 1] = 0;
        stack.push(id);
        flatStack.length = depth - 1;
        flatStack.push(innerFlat);
        continue;
      }
      const rest = line.slice(sp);
      const isSuccess = rest === " success";
      if (isSuccess || rest.startsWith(" failed")) {
        if (stack[stack.length - 1] === id) {
          stack.pop();
          path.length = Math.max(0, stack.length - 1);
        }
        if (!isSuccess) failed = true;
      }
      continue;
    }
    if (line === "Log truncated" || line.startsWith("Log truncated")) {
      truncated = true;
      // Frames after this point are unknown; decoding on could misattribute.
      break;
    }
  }
  if (failed && !opts.includeFailed) return { events: [], failures, truncated, failed };
  return { events, failures, truncated, failed };
}

/** The shape of a fetched transaction this module reads (`getTransaction` result). */
export interface TransactionWithLogs {
  readonly meta: { readonly err: unknown; readonly logMessages?: readonly string[] | null } | null;
}

/** Result of {@link parseTransactionEvents}. */
export interface ParsedTransactionEvents<P = string> extends ParsedGpunetLogs<P> {
  /** False when the transaction failed, has no meta, or has no logs: no events then. */
  readonly landed: boolean;
}

/**
 * Decodes the gpunet events of a fetched transaction; a transaction whose
 * `meta.err` is not null yields no events (it changed nothing).
 *
 * @example
 * ```ts
 * declare const sig: string; // a transaction's signature
 * const tx = await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0, commitment: "confirmed" });
 * const { events } = parseTransactionEvents(tx);
 * ```
 */
export function parseTransactionEvents(
  tx: TransactionWithLogs | null,
  opts: ParseLogsOptions<"bytes"> & { readonly pubkeys: "bytes" },
): ParsedTransactionEvents<Uint8Array>;
export function parseTransactionEvents(tx: TransactionWithLogs | null, opts?: ParseLogsOptions<"base58">): ParsedTransactionEvents<string>;
export function parseTransactionEvents(tx: TransactionWithLogs | null, opts: ParseLogsOptions = {}): ParsedTransactionEvents<string | Uint8Array> {
  const logs = tx?.meta?.logMessages;
  if (!tx?.meta || tx.meta.err !== null || !logs) {
    return { events: [], failures: [], truncated: false, failed: tx?.meta ? tx.meta.err !== null : false, landed: false };
  }
  const r = parseGpunetLogs(logs, opts as ParseLogsOptions<"base58">);
  return { ...r, landed: true };
}
