/**
 * Typed errors of the localnet node.
 *
 * Two kinds live here: {@link LocalnetError} for the library surface
 * (bad options, ledger problems, lifecycle), and {@link RpcError} for a
 * JSON-RPC error object sent to a client. Both carry a code, never a message
 * to match on.
 */

/** Codes a {@link LocalnetError} can carry. */
export type LocalnetErrorCode =
  | "INVALID_OPTIONS"
  | "LEDGER_CORRUPT"
  | "LEDGER_LOCKED"
  | "LISTEN_FAILED"
  | "CLOSED"
  | "INVALID_ARGUMENT"
  | "AIRDROP_FAILED"
  | "PROGRAM_NOT_FOUND";

/**
 * Error raised by the localnet library API (not by the RPC wire).
 *
 * @example
 * ```ts
 * try { await createLocalnet({ rpcPort: -1 }); }
 * catch (e) { if (isLocalnetError(e, 'INVALID_OPTIONS')) console.error(e.message); }
 * ```
 */
export class LocalnetError extends Error {
  override readonly name = "LocalnetError";
  readonly code: LocalnetErrorCode;
  readonly context: Readonly<Record<string, unknown>>;
  constructor(code: LocalnetErrorCode, message: string, context: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.context = context;
  }
}

/**
 * Narrows `e` to a {@link LocalnetError}, optionally of one code.
 *
 * @example
 * ```ts
 * import { rmSync } from 'node:fs';
 * import { createLocalnet, isLocalnetError } from '@gpunet/localnet';
 * const ledgerDir = '.gpunet/ledger';
 * const net = await createLocalnet({ ledgerDir }).catch((e: unknown) => {
 *   if (!isLocalnetError(e, 'LEDGER_CORRUPT')) throw e;
 *   rmSync(ledgerDir, { recursive: true }); // start from genesis instead
 *   return createLocalnet({ ledgerDir });
 * });
 * ```
 */
export function isLocalnetError(e: unknown, code?: LocalnetErrorCode): e is LocalnetError {
  return e instanceof LocalnetError && (code === undefined || e.code === code);
}

/**
 * Standard JSON-RPC 2.0 error codes plus the Solana server codes this node
 * emits (same numbers as the Agave RPC service, so clients branch on them).
 */
export const RPC_ERROR = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Preflight simulation of sendTransaction failed. */
  SEND_TRANSACTION_PREFLIGHT_FAILURE: -32002,
  /** Signature verification failed in preflight. */
  TRANSACTION_SIGNATURE_VERIFICATION_FAILURE: -32003,
  BLOCK_NOT_AVAILABLE: -32004,
  SLOT_SKIPPED: -32007,
  LONG_TERM_STORAGE_SLOT_SKIPPED: -32009,
  UNSUPPORTED_TRANSACTION_VERSION: -32015,
  MIN_CONTEXT_SLOT_NOT_REACHED: -32016,
} as const;

/** One of the numeric codes in {@link RPC_ERROR}. */
export type RpcErrorCode = (typeof RPC_ERROR)[keyof typeof RPC_ERROR];

/**
 * A JSON-RPC error object, thrown by method handlers and turned into
 * `{ code, message, data? }` by the servers.
 *
 * @example
 * ```ts
 * throw new RpcError(RPC_ERROR.INVALID_PARAMS, 'Invalid param: WrongSize');
 * ```
 */
export class RpcError extends Error {
  override readonly name = "RpcError";
  readonly code: RpcErrorCode;
  readonly data: unknown;
  constructor(code: RpcErrorCode, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
  /** The wire shape of this error. */
  toJson(): { code: number; message: string; data?: unknown } {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

/** Shorthand for an `Invalid params` error (-32602). */
export function invalidParams(message: string): RpcError {
  return new RpcError(RPC_ERROR.INVALID_PARAMS, message);
}
