/**
 * gpunet SDK (`gpunet/sdk`): typed builders, send helpers, account and event
 * decoders for the gpunet program. Browser-safe: imports nothing Node-only.
 *
 * Public exports are listed explicitly (no `export *`), grouped by concept.
 */

// IDL
export { GPUNET_IDL, GPUNET_PROGRAM_ADDRESS, GPUNET_IDL_VERSION, GPUNET_IDL_FOR_ANCHOR, camelCase } from "./idl.ts";
export type { Gpunet, RawIdl } from "./idl.ts";
export type { GpunetEventName, GpunetAccountName, GpunetInstructionName, IdlStruct } from "./idl-types.ts";

// Errors
export { GpunetError, isGpunetError, programErrorInfo } from "./errors.ts";
export type { GpunetErrorCode, ProgramErrorName, ClientErrorCode, GpunetErrorContext } from "./errors.ts";

// Events
export { parseGpunetLogs, parseTransactionEvents, decodeEventBytes, GPUNET_EVENT_NAMES } from "./events.ts";
export type {
  GpunetEvent,
  GpunetEventOf,
  GpunetEventData,
  EventPosition,
  EventDecodeFailure,
  EventDecodeFailureReason,
  ParsedGpunetLogs,
  ParseLogsOptions,
  ParsedTransactionEvents,
  TransactionWithLogs,
} from "./events.ts";

// Layouts (offsets for memcmp filters, sizes)
export { structLayout } from "./layout.ts";
export type { StructLayout, FieldLayout, FieldKind, PubkeyEncoding } from "./layout.ts";
