/**
 * The SDK's one error class, with a code union and typed context.
 *
 * Program errors are decoded to their IDL names (from `AnchorError occurred. Error
 * Code: X. Error Number: N` log lines, from `custom program error: 0x..`, and from a
 * `{ InstructionError: [i, { Custom: n }] }` status), on send and on simulate alike,
 * so callers branch on `e.code`, never on a message.
 */
import type { Gpunet } from "./idl.ts";
import { GPUNET_ERROR_CODE, GPUNET_ERRORS } from "./generated/errors.ts";

/** Anchor numbers a program's own errors from here up; below are the framework's. */
const ANCHOR_CUSTOM_ERROR_FIRST = 6000; // idl-literal-ok: Anchor's convention, not an IDL value
import type { RetryFailure } from "./retry.ts";

/** Program error names, as the IDL JSON spells them (`NothingToClaim`, ...). */
export type ProgramErrorName = Capitalize<Gpunet["errors"][number]["name"]>;

/** Errors the SDK raises itself, before or around the program. */
export type ClientErrorCode =
  /** A u64/i64/u16/u8 input is negative, too large, not an integer, or an unsafe number. */
  | "U64OutOfRange"
  /** A public key input is not 32 bytes of valid base58. */
  | "InvalidPublicKey"
  /** Another malformed input (a 32-byte hash of the wrong length, an empty list...). */
  | "InvalidInput"
  /** The deployed program or an account does not match the IDL the SDK was built with. */
  | "IdlMismatch"
  /** The transaction's blockhash expired before it was confirmed; `context.signature` holds it. */
  | "BlockhashExpired"
  /** The RPC kept answering HTTP 429 after the retries. */
  | "RateLimited"
  /** Network, HTTP or JSON-RPC failure talking to the RPC. */
  | "Transport"
  /** Simulation failed for a reason that is not a program error (e.g. an account is missing). */
  | "SimulationFailed"
  /** The transaction landed with an error that is not one of gpunet's (fee payer, token program...). */
  | "TransactionFailed"
  /** The landed transaction raised a custom error number the IDL does not know. */
  | "UnknownProgramError"
  /** Instruction bytes are not a gpunet instruction (discriminator, size, accounts or an enum byte). */
  | "InstructionDecodeFailed"
  /** An account that must exist does not. */
  | "AccountNotFound"
  /** Account bytes are not a valid account of the expected type (owner, size or discriminator). */
  | "AccountDecodeFailed"
  /** The operation needs a wallet or a signer that was not given. */
  | "SignerMissing"
  /** The wallet refused or failed to sign (the user declined, the wallet disconnected). */
  | "WalletRejected"
  /** The instructions do not fit into one transaction (1232 bytes). */
  | "TransactionTooLarge"
  /** An AbortSignal fired. */
  | "Aborted";

/** Every code a {@link GpunetError} can carry. */
export type GpunetErrorCode = ProgramErrorName | ClientErrorCode;

/** Context of an input check (`U64OutOfRange`, `InvalidPublicKey`, `InvalidInput`, `SignerMissing`...). */
export interface InputErrorContext {
  /** The input field that failed validation. */
  readonly field?: string;
  /** The rejected input, as a string (never the raw object). */
  readonly value?: string;
}

/** Context of a failed simulation or transaction, and of program errors. */
export interface FailureErrorContext extends InputErrorContext {
  /** The program's error number (6000 + index in the IDL), for program errors. */
  readonly programErrorNumber?: number;
  /** The program that failed (base58), when known. */
  readonly programId?: string;
  /** Index of the failing instruction in the transaction, when known. */
  readonly instructionIndex?: number;
  /** Transaction logs, when the error came from a simulation or a landed transaction. */
  readonly logs?: readonly string[];
  /** Signature of the transaction, when one was signed. */
  readonly signature?: string;
  /** The raw transaction error object from the RPC, when there was one. */
  readonly transactionError?: unknown;
}

/** Context of a `Transport` error: what failed, typed, and how many attempts the retry policy made. */
export interface TransportErrorContext {
  /** The JSON-RPC method (or HTTP route) that failed. */
  readonly method?: string;
  readonly failure: RetryFailure;
  /** HTTP status, when the failure is an HTTP one. */
  readonly httpStatus?: number;
  /** Attempts made by the one retry loop (1 when it was not retried). */
  readonly attempts?: number;
}

/** Context of a `RateLimited` error. */
export interface RateLimitedErrorContext {
  readonly method?: string;
  readonly httpStatus: 429;
  /** The last Retry-After the server sent (ms). */
  readonly retryAfterMs?: number;
  readonly attempts?: number;
}

/** The context each client error code carries. */
export interface ClientErrorContexts {
  U64OutOfRange: InputErrorContext;
  InvalidPublicKey: InputErrorContext;
  InvalidInput: InputErrorContext;
  IdlMismatch: InputErrorContext & { readonly expectedVersion?: string; readonly actualVersion?: string };
  BlockhashExpired: { readonly signature: string };
  RateLimited: RateLimitedErrorContext;
  Transport: TransportErrorContext;
  SimulationFailed: FailureErrorContext;
  TransactionFailed: FailureErrorContext;
  UnknownProgramError: FailureErrorContext;
  InstructionDecodeFailed: InputErrorContext;
  AccountNotFound: InputErrorContext;
  AccountDecodeFailed: InputErrorContext;
  SignerMissing: InputErrorContext;
  WalletRejected: Record<string, never>;
  TransactionTooLarge: InputErrorContext;
  Aborted: { readonly signature?: string };
}

/** The context of error code `C`: program errors carry {@link FailureErrorContext}. */
export type GpunetErrorContextOf<C extends GpunetErrorCode> = C extends ClientErrorCode ? ClientErrorContexts[C] : FailureErrorContext;

type AllContextKeys = { [C in GpunetErrorCode]: keyof GpunetErrorContextOf<C> }[GpunetErrorCode];
type Exclusive<T> = T & { readonly [K in Exclude<AllContextKeys, keyof T>]?: undefined };

/**
 * The context of any code: a union keyed by the error's code, where a field one
 * code does not carry reads as `undefined`. Narrow with {@link isGpunetError}
 * (or a switch on `code`) to get the fields of one code.
 */
export type GpunetErrorContext = { [C in GpunetErrorCode]: Exclusive<GpunetErrorContextOf<C>> }[GpunetErrorCode];

/**
 * The error every SDK entry point throws.
 *
 * @example
 * ```ts
 * const gpunet = createGpunetClient({ connection, wallet });
 * try { await gpunet.claimRewards(); }
 * catch (e) {
 *   if (isGpunetError(e, "NothingToClaim")) console.log("nothing yet");
 *   else throw e;
 * }
 * ```
 */
export class GpunetError<C extends GpunetErrorCode = GpunetErrorCode> extends Error {
  override readonly name = "GpunetError";
  readonly code: C;
  readonly context: C extends GpunetErrorCode ? Exclusive<GpunetErrorContextOf<C>> : never;
  constructor(code: C, message: string, context: GpunetErrorContextOf<C>, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.context = context as C extends GpunetErrorCode ? Exclusive<GpunetErrorContextOf<C>> : never;
  }
  /** True for errors raised by the gpunet program itself (IDL error names). */
  get isProgramError(): boolean {
    return Object.hasOwn(GPUNET_ERROR_CODE, this.code);
  }
}

/** A {@link GpunetError} of one of the codes `C`, as a union keyed by code (a switch on `code` narrows `context`). */
export type GpunetErrorOf<C extends GpunetErrorCode = GpunetErrorCode> = { [K in C]: GpunetError<K> }[C];

/**
 * Narrows `e` to a {@link GpunetError}, optionally of one code (or one of several).
 *
 * @example
 * ```ts
 * declare const e: unknown; // what a catch clause caught
 * if (isGpunetError(e, "BlockhashExpired")) console.log(e.context.signature);
 * ```
 */
export function isGpunetError<C extends GpunetErrorCode = GpunetErrorCode>(e: unknown, code?: C | readonly C[]): e is GpunetErrorOf<C> {
  if (!(e instanceof GpunetError)) return false;
  if (code === undefined) return true;
  if (typeof code === "string") return e.code === code;
  return (code as readonly GpunetErrorCode[]).includes(e.code);
}

interface ProgramErrorInfo {
  readonly name: ProgramErrorName;
  readonly number: number;
  readonly message: string;
}

// Pure: a bundle that only throws (a Kit builder) leaves the messages table out.
const PROGRAM_ERRORS_BY_NUMBER: ReadonlyMap<number, ProgramErrorInfo> = /* @__PURE__ */ (() =>
  new Map(GPUNET_ERRORS.map((e) => [e.code, { name: e.name as ProgramErrorName, number: e.code, message: e.msg }])))();
const PROGRAM_ERRORS_BY_NAME: ReadonlyMap<string, ProgramErrorInfo> = /* @__PURE__ */ (() =>
  new Map([...PROGRAM_ERRORS_BY_NUMBER.values()].map((e) => [e.name, e])))();

/**
 * Looks up a program error by number or name.
 *
 * @example
 * ```ts
 * programErrorInfo(6024)?.name; // "NothingToClaim"
 * ```
 */
export function programErrorInfo(key: number | string): ProgramErrorInfo | undefined {
  return typeof key === "number" ? PROGRAM_ERRORS_BY_NUMBER.get(key) : PROGRAM_ERRORS_BY_NAME.get(key);
}

const ANCHOR_ERROR_RE = /Error Code: (\w+)\. Error Number: (\d+)\./;
const FAILED_RE = /^Program (\w+) failed: (.*)$/;
const CUSTOM_RE = /custom program error: 0x([0-9a-fA-F]+)/;

/** What could be learnt about a failure from a transaction error object and logs. */
export interface DecodedFailure {
  readonly programErrorNumber?: number;
  readonly programId?: string;
  readonly instructionIndex?: number;
  readonly name?: ProgramErrorName;
}

function customFromErrObject(err: unknown): { index?: number; custom?: number } {
  // web3.js hands back `{ InstructionError: [index, { Custom: n }] }` or `[index, "Name"]`.
  if (err && typeof err === "object" && "InstructionError" in err) {
    const ie = (err as { InstructionError: unknown }).InstructionError;
    if (Array.isArray(ie) && typeof ie[0] === "number") {
      const inner: unknown = ie[1];
      if (inner && typeof inner === "object" && "Custom" in inner && typeof (inner as { Custom: unknown }).Custom === "number") {
        return { index: ie[0], custom: (inner as { Custom: number }).Custom };
      }
      return { index: ie[0] };
    }
  }
  return {};
}

/**
 * Extracts the failing program error from a transaction error object and/or its logs.
 * Only errors raised by `programId` are named after the IDL: a token program's
 * `Custom(1)` is not gpunet's `Unauthorized`.
 * @example
 * ```ts
 * decodeFailure({ InstructionError: [0, { Custom: 6024 }] }, logs, GPUNET_PROGRAM_ADDRESS).name; // "NothingToClaim"
 * ```
 */
export function decodeFailure(err: unknown, logs: readonly string[] | null | undefined, programId: string): DecodedFailure {
  let programErrorNumber: number | undefined;
  let failingProgram: string | undefined;
  const { index, custom } = customFromErrObject(err);
  if (logs) {
    for (const line of logs) {
      const a = ANCHOR_ERROR_RE.exec(line);
      if (a && programErrorNumber === undefined) programErrorNumber = Number(a[2]);
      const f = FAILED_RE.exec(line);
      if (f) {
        // The innermost failing frame reports first; keep that one.
        if (failingProgram === undefined) failingProgram = f[1];
        const c = CUSTOM_RE.exec(f[2] ?? "");
        if (c && programErrorNumber === undefined && f[1] === programId) programErrorNumber = parseInt(c[1] ?? "", 16);
      }
    }
  }
  if (programErrorNumber === undefined && custom !== undefined && (failingProgram === undefined || failingProgram === programId)) {
    programErrorNumber = custom;
  }
  const ours = failingProgram === undefined || failingProgram === programId;
  const info = programErrorNumber !== undefined && ours ? PROGRAM_ERRORS_BY_NUMBER.get(programErrorNumber) : undefined;
  return {
    ...(programErrorNumber !== undefined ? { programErrorNumber } : {}),
    ...(failingProgram !== undefined ? { programId: failingProgram } : {}),
    ...(index !== undefined ? { instructionIndex: index } : {}),
    ...(info ? { name: info.name } : {}),
  };
}

/**
 * Builds the {@link GpunetError} for a failed simulation or transaction.
 * `fallback` is the code used when the failure is not one of gpunet's errors.
 * @example
 * ```ts
 * import type { VersionedTransaction } from "@solana/web3.js";
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { errorFromFailure } from "./errors.ts";
 * declare const tx: VersionedTransaction;
 * const sim = await connection.simulateTransaction(tx);
 * if (sim.value.err) throw errorFromFailure(sim.value.err, sim.value.logs, GPUNET_PROGRAM_ADDRESS, "SimulationFailed");
 * ```
 */
export function errorFromFailure(
  err: unknown,
  logs: readonly string[] | null | undefined,
  programId: string,
  fallback: "SimulationFailed" | "TransactionFailed",
  extra: { signature?: string; cause?: unknown } = {},
): GpunetError {
  const d = decodeFailure(err, logs, programId);
  const context: FailureErrorContext = {
    ...(d.programErrorNumber !== undefined ? { programErrorNumber: d.programErrorNumber } : {}),
    ...(d.programId !== undefined ? { programId: d.programId } : {}),
    ...(d.instructionIndex !== undefined ? { instructionIndex: d.instructionIndex } : {}),
    ...(logs ? { logs: [...logs] } : {}),
    ...(extra.signature !== undefined ? { signature: extra.signature } : {}),
    transactionError: err,
  };
  const opts = extra.cause !== undefined ? { cause: extra.cause } : undefined;
  if (d.name) {
    const info = PROGRAM_ERRORS_BY_NAME.get(d.name);
    return new GpunetError(d.name, `gpunet program error ${d.name} (${d.programErrorNumber}): ${info?.message ?? ""}`, context, opts);
  }
  if (d.programErrorNumber !== undefined && (d.programId === undefined || d.programId === programId) && d.programErrorNumber >= ANCHOR_CUSTOM_ERROR_FIRST) {
    return new GpunetError("UnknownProgramError", `gpunet program error number ${d.programErrorNumber} is not in the IDL`, context, opts);
  }
  return new GpunetError(fallback, `${fallback === "SimulationFailed" ? "simulation" : "transaction"} failed: ${safeJson(err) ?? "unknown"}`, context, opts);
}

/**
 * The variant name of a transaction error as the RPC returns it: `"AccountNotFound"`
 * for a bare string, the inner name for an instruction error
 * (`{ InstructionError: [0, "ComputationalBudgetExceeded"] }` gives
 * `"ComputationalBudgetExceeded"`, `[0, { Custom: 1 }]` gives `"Custom"`), the
 * outer key otherwise (`{ InsufficientFundsForRent: { account_index: 2 } }`).
 * Undefined for anything else.
 *
 * @example
 * ```ts
 * transactionErrorName({ InstructionError: [1, "ComputationalBudgetExceeded"] }); // "ComputationalBudgetExceeded"
 * transactionErrorName("AccountNotFound"); // "AccountNotFound"
 * ```
 */
export function transactionErrorName(err: unknown): string | undefined {
  if (typeof err === "string") return err;
  if (err === null || typeof err !== "object") return undefined;
  const keys = Object.keys(err);
  if (keys.length !== 1) return undefined;
  const key = keys[0] as string;
  if (key === "InstructionError") {
    const ie = (err as { InstructionError: unknown }).InstructionError;
    if (!Array.isArray(ie)) return key;
    const inner: unknown = ie[1];
    if (typeof inner === "string") return inner;
    if (inner !== null && typeof inner === "object") {
      const ik = Object.keys(inner);
      if (ik.length === 1) return ik[0];
    }
    return key;
  }
  return key;
}

function safeJson(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  } catch {
    return String(v);
  }
}
