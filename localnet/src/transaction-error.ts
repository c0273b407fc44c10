/**
 * Conversion of LiteSVM's transaction errors into the JSON a cluster sends
 * (`"BlockhashNotFound"`, `{"InstructionError":[0,{"Custom":1}]}`) and into
 * the human-readable text used in preflight error messages.
 */
import type { FailedTransactionMetadata } from "litesvm";

/** A TransactionError as serialized by the Solana RPC. */
export type TransactionErrorJson = string | { readonly [variant: string]: unknown };

/**
 * Agave's `TransactionError` variants in declaration order: a variant's index is
 * its bincode tag (what Geyser sends in `meta.err.err`). The one list of names;
 * litesvm's numbering below is derived from it.
 */
export const TRANSACTION_ERROR_VARIANTS = [
  "AccountInUse",
  "AccountLoadedTwice",
  "AccountNotFound",
  "ProgramAccountNotFound",
  "InsufficientFundsForFee",
  "InvalidAccountForFee",
  "AlreadyProcessed",
  "BlockhashNotFound",
  "InstructionError",
  "CallChainTooDeep",
  "MissingSignatureForFee",
  "InvalidAccountIndex",
  "SignatureFailure",
  "InvalidProgramForExecution",
  "SanitizeFailure",
  "ClusterMaintenance",
  "AccountBorrowOutstanding",
  "WouldExceedMaxBlockCostLimit",
  "UnsupportedVersion",
  "InvalidWritableAccount",
  "WouldExceedMaxAccountCostLimit",
  "WouldExceedAccountDataBlockLimit",
  "TooManyAccountLocks",
  "AddressLookupTableNotFound",
  "InvalidAddressLookupTableOwner",
  "InvalidAddressLookupTableData",
  "InvalidAddressLookupTableIndex",
  "InvalidRentPayingAccount",
  "WouldExceedMaxVoteCostLimit",
  "WouldExceedAccountDataTotalLimit",
  "DuplicateInstruction",
  "InsufficientFundsForRent",
  "MaxLoadedAccountsDataSizeExceeded",
  "InvalidLoadedAccountsDataSizeLimit",
  "ResanitizationNeeded",
  "ProgramExecutionTemporarilyRestricted",
  "UnbalancedTransaction",
  "ProgramCacheHitMaxLimit",
  "CommitCancelled",
] as const;

/** Agave's `InstructionError` variants in declaration order (their bincode tags). */
export const INSTRUCTION_ERROR_VARIANTS = [
  "GenericError",
  "InvalidArgument",
  "InvalidInstructionData",
  "InvalidAccountData",
  "AccountDataTooSmall",
  "InsufficientFunds",
  "IncorrectProgramId",
  "MissingRequiredSignature",
  "AccountAlreadyInitialized",
  "UninitializedAccount",
  "UnbalancedInstruction",
  "ModifiedProgramId",
  "ExternalAccountLamportSpend",
  "ExternalAccountDataModified",
  "ReadonlyLamportChange",
  "ReadonlyDataModified",
  "DuplicateAccountIndex",
  "ExecutableModified",
  "RentEpochModified",
  "NotEnoughAccountKeys",
  "AccountDataSizeChanged",
  "AccountNotExecutable",
  "AccountBorrowFailed",
  "AccountBorrowOutstanding",
  "DuplicateAccountOutOfSync",
  "Custom",
  "InvalidError",
  "ExecutableDataModified",
  "ExecutableLamportChange",
  "ExecutableAccountNotRentExempt",
  "UnsupportedProgramId",
  "CallDepth",
  "MissingAccount",
  "ReentrancyNotAllowed",
  "MaxSeedLengthExceeded",
  "InvalidSeeds",
  "InvalidRealloc",
  "ComputationalBudgetExceeded",
  "PrivilegeEscalation",
  "ProgramEnvironmentSetupFailure",
  "ProgramFailedToComplete",
  "ProgramFailedToCompile",
  "Immutable",
  "IncorrectAuthority",
  "BorshIoError",
  "AccountNotRentExempt",
  "InvalidAccountOwner",
  "ArithmeticOverflow",
  "UnsupportedSysvar",
  "IllegalOwner",
  "MaxAccountsDataAllocationsExceeded",
  "MaxAccountsExceeded",
  "MaxInstructionTraceLengthExceeded",
  "BuiltinProgramsMustConsumeComputeUnits",
] as const;

/** The `TransactionError` variants that carry data; litesvm returns them as objects. */
const TX_WITH_FIELDS: ReadonlySet<string> = new Set([
  "InstructionError",
  "DuplicateInstruction",
  "InsufficientFundsForRent",
  "ProgramExecutionTemporarilyRestricted",
]);

/**
 * litesvm's `TransactionErrorFieldless` numbering: Agave's variants without the
 * ones that carry data, except that litesvm lists ResanitizationNeeded before
 * InvalidLoadedAccountsDataSizeLimit.
 */
export const LITESVM_TRANSACTION_ERROR_FIELDLESS: readonly string[] = (() => {
  const names: string[] = TRANSACTION_ERROR_VARIANTS.filter((n) => !TX_WITH_FIELDS.has(n));
  const moved = names.indexOf("ResanitizationNeeded");
  names.splice(moved, 1);
  names.splice(names.indexOf("InvalidLoadedAccountsDataSizeLimit"), 0, "ResanitizationNeeded");
  return names;
})();

/**
 * litesvm's `InstructionErrorFieldless` numbering: Agave's variants without
 * Custom (an object), with BorshIoError (a string in Agave) moved to the end.
 */
export const LITESVM_INSTRUCTION_ERROR_FIELDLESS: readonly string[] = [
  ...INSTRUCTION_ERROR_VARIANTS.filter((n) => n !== "Custom" && n !== "BorshIoError"),
  "BorshIoError",
];
const TX_FIELDLESS = LITESVM_TRANSACTION_ERROR_FIELDLESS;
const IX_FIELDLESS = LITESVM_INSTRUCTION_ERROR_FIELDLESS;

type Obj = Record<string, unknown>;
const call = (o: unknown, fn: string): unknown => {
  const f = (o as Obj)[fn];
  return typeof f === "function" ? (f as () => unknown).call(o) : undefined;
};

function instructionErrorJson(inner: unknown): TransactionErrorJson {
  if (typeof inner === "number") return IX_FIELDLESS[inner] ?? "InvalidError";
  if (inner !== null && typeof inner === "object") {
    const o = inner as Obj;
    if (typeof o.code === "number") return { Custom: o.code };
    // Agave 2.x+ serializes BorshIoError without its message.
    if (typeof o.msg === "string") return "BorshIoError";
  }
  return "InvalidError";
}

/**
 * Converts `FailedTransactionMetadata.err()` to the cluster's JSON shape.
 *
 * @example
 * ```ts
 * import type { FailedTransactionMetadata } from 'litesvm';
 * import { transactionErrorToJson } from './transaction-error.ts';
 * declare const failed: FailedTransactionMetadata; // what svm.sendTransaction returned for a failing transaction
 * transactionErrorToJson(failed.err()); // e.g. { InstructionError: [0, { Custom: 1 }] }
 * ```
 */
export function transactionErrorToJson(err: ReturnType<FailedTransactionMetadata["err"]>): TransactionErrorJson {
  const e: unknown = err;
  if (typeof e === "number") return TX_FIELDLESS[e] ?? "SanitizeFailure";
  const kind = (e as object | null)?.constructor?.name ?? "";
  const o = e as Obj;
  switch (kind) {
    case "TransactionErrorInstructionError":
      return { InstructionError: [o.index, instructionErrorJson(call(e, "err"))] };
    case "TransactionErrorDuplicateInstruction":
      return { DuplicateInstruction: o.index };
    case "TransactionErrorInsufficientFundsForRent":
      return { InsufficientFundsForRent: { account_index: o.accountIndex } };
    case "TransactionErrorProgramExecutionTemporarilyRestricted":
      return { ProgramExecutionTemporarilyRestricted: { account_index: o.accountIndex } };
    default:
      return "SanitizeFailure";
  }
}

const TX_TEXT: Record<string, string> = {
  AccountInUse: "Account in use",
  AccountLoadedTwice: "Account loaded twice",
  AccountNotFound: "Attempt to debit an account but found no record of a prior credit.",
  ProgramAccountNotFound: "Attempt to load a program that does not exist",
  InsufficientFundsForFee: "Insufficient funds for fee",
  InvalidAccountForFee: "This account may not be used to pay transaction fees",
  AlreadyProcessed: "This transaction has already been processed",
  BlockhashNotFound: "Blockhash not found",
  SignatureFailure: "Transaction did not pass signature verification",
  InvalidProgramForExecution: "This program may not be used for executing instructions",
  SanitizeFailure: "Transaction failed to sanitize accounts offsets correctly",
  InvalidAccountIndex: "Transaction contains an invalid account reference",
  MissingSignatureForFee: "Transaction requires a fee but has no signature present",
};

const IX_TEXT: Record<string, string> = {
  GenericError: "generic instruction error",
  InvalidArgument: "invalid program argument",
  InvalidInstructionData: "invalid instruction data",
  InvalidAccountData: "invalid account data for instruction",
  AccountDataTooSmall: "account data too small for instruction",
  InsufficientFunds: "insufficient funds for instruction",
  IncorrectProgramId: "incorrect program id for instruction",
  MissingRequiredSignature: "missing required signature for instruction",
  AccountAlreadyInitialized: "instruction requires an uninitialized account",
  UninitializedAccount: "instruction requires an initialized account",
  NotEnoughAccountKeys: "insufficient account keys for instruction",
  ComputationalBudgetExceeded: "Computational budget exceeded",
  ProgramFailedToComplete: "Program failed to complete",
  PrivilegeEscalation: "Cross-program invocation with unauthorized signer or writable account",
  InvalidSeeds: "Provided seeds do not result in a valid address",
  IllegalOwner: "Provided owner is not allowed",
  AccountNotExecutable: "instruction expected an executable account",
  ArithmeticOverflow: "Program arithmetic overflowed",
  InvalidAccountOwner: "Invalid account owner",
  MissingAccount: "An account required by the instruction is missing",
  UnsupportedProgramId: "Unsupported program id",
};

/**
 * The display text of a transaction error, as in Agave's
 * `Transaction simulation failed: <text>` preflight message.
 *
 * @example
 * ```ts
 * transactionErrorText({ InstructionError: [0, { Custom: 1 }] });
 * // 'Error processing Instruction 0: custom program error: 0x1'
 * ```
 */
export function transactionErrorText(err: TransactionErrorJson): string {
  if (typeof err === "string") return TX_TEXT[err] ?? err;
  const [variant, value] = Object.entries(err)[0] ?? ["Unknown", null];
  if (variant === "InstructionError" && Array.isArray(value)) {
    const [index, inner] = value as [number, unknown];
    let text: string;
    if (typeof inner === "string") text = IX_TEXT[inner] ?? inner;
    else if (inner !== null && typeof inner === "object" && "Custom" in inner) {
      text = `custom program error: 0x${Number((inner as { Custom: number }).Custom).toString(16)}`;
    } else text = "instruction error";
    return `Error processing Instruction ${index}: ${text}`;
  }
  if (variant === "InsufficientFundsForRent") {
    const idx = (value as { account_index?: number } | null)?.account_index ?? 0;
    return `Transaction results in an account (${idx}) with insufficient funds for rent`;
  }
  if (variant === "DuplicateInstruction") return `Transaction contains a duplicate instruction (${String(value)}) that is not allowed`;
  return variant;
}
