/**
 * Converts LiteSVM's transaction error values into the JSON shape Solana's
 * JSON-RPC uses (`{"InstructionError":[0,{"Custom":6000}]}`), and renders them
 * the way web3.js does ("Error processing Instruction 0: custom program error: 0x1770"),
 * which is the text Anchor's `ProgramError.parse` looks for.
 */

/** An instruction error as JSON-RPC encodes it. */
export type RpcInstructionError = string | { Custom: number } | { BorshIoError: string };

/** A transaction error as JSON-RPC encodes it (`meta.err`, `value.err`). */
export type RpcTransactionError =
  | string
  | { InstructionError: [number, RpcInstructionError] }
  | { DuplicateInstruction: number }
  | { InsufficientFundsForRent: { account_index: number } }
  | { ProgramExecutionTemporarilyRestricted: { account_index: number } };

// Variant order of LiteSVM 1.5.0's `TransactionErrorFieldless` (dist/internal.d.ts).
const TX_ERRORS = [
  "AccountInUse", "AccountLoadedTwice", "AccountNotFound", "ProgramAccountNotFound",
  "InsufficientFundsForFee", "InvalidAccountForFee", "AlreadyProcessed", "BlockhashNotFound",
  "CallChainTooDeep", "MissingSignatureForFee", "InvalidAccountIndex", "SignatureFailure",
  "InvalidProgramForExecution", "SanitizeFailure", "ClusterMaintenance", "AccountBorrowOutstanding",
  "WouldExceedMaxBlockCostLimit", "UnsupportedVersion", "InvalidWritableAccount",
  "WouldExceedMaxAccountCostLimit", "WouldExceedAccountDataBlockLimit", "TooManyAccountLocks",
  "AddressLookupTableNotFound", "InvalidAddressLookupTableOwner", "InvalidAddressLookupTableData",
  "InvalidAddressLookupTableIndex", "InvalidRentPayingAccount", "WouldExceedMaxVoteCostLimit",
  "WouldExceedAccountDataTotalLimit", "MaxLoadedAccountsDataSizeExceeded", "ResanitizationNeeded",
  "InvalidLoadedAccountsDataSizeLimit", "UnbalancedTransaction", "ProgramCacheHitMaxLimit",
  "CommitCancelled",
] as const;

// Variant order of LiteSVM 1.5.0's `InstructionErrorFieldless`.
const IX_ERRORS = [
  "GenericError", "InvalidArgument", "InvalidInstructionData", "InvalidAccountData",
  "AccountDataTooSmall", "InsufficientFunds", "IncorrectProgramId", "MissingRequiredSignature",
  "AccountAlreadyInitialized", "UninitializedAccount", "UnbalancedInstruction", "ModifiedProgramId",
  "ExternalAccountLamportSpend", "ExternalAccountDataModified", "ReadonlyLamportChange",
  "ReadonlyDataModified", "DuplicateAccountIndex", "ExecutableModified", "RentEpochModified",
  "NotEnoughAccountKeys", "AccountDataSizeChanged", "AccountNotExecutable", "AccountBorrowFailed",
  "AccountBorrowOutstanding", "DuplicateAccountOutOfSync", "InvalidError", "ExecutableDataModified",
  "ExecutableLamportChange", "ExecutableAccountNotRentExempt", "UnsupportedProgramId", "CallDepth",
  "MissingAccount", "ReentrancyNotAllowed", "MaxSeedLengthExceeded", "InvalidSeeds", "InvalidRealloc",
  "ComputationalBudgetExceeded", "PrivilegeEscalation", "ProgramEnvironmentSetupFailure",
  "ProgramFailedToComplete", "ProgramFailedToCompile", "Immutable", "IncorrectAuthority",
  "AccountNotRentExempt", "InvalidAccountOwner", "ArithmeticOverflow", "UnsupportedSysvar",
  "IllegalOwner", "MaxAccountsDataAllocationsExceeded", "MaxAccountsExceeded",
  "MaxInstructionTraceLengthExceeded", "BuiltinProgramsMustConsumeComputeUnits", "BorshIoError",
] as const;

function numberField(o: object, key: string): number | undefined {
  const v = (o as Record<string, unknown>)[key];
  return typeof v === "number" ? v : undefined;
}

function instructionError(err: unknown): RpcInstructionError {
  if (typeof err === "number") return IX_ERRORS[err] ?? `InstructionError${err}`;
  if (err !== null && typeof err === "object") {
    const code = numberField(err, "code");
    if (code !== undefined) return { Custom: code };
    const msg = (err as Record<string, unknown>)["msg"];
    if (typeof msg === "string") return { BorshIoError: msg };
  }
  return String(err);
}

/**
 * Maps the value of LiteSVM's `FailedTransactionMetadata.err()` to JSON-RPC's error JSON.
 *
 * @example
 * ```ts
 * const res = svm.sendTransaction(tx);
 * if (res instanceof FailedTransactionMetadata) toRpcTransactionError(res.err()); // {InstructionError:[0,{Custom:6000}]}
 * ```
 */
export function toRpcTransactionError(err: unknown): RpcTransactionError {
  if (typeof err === "number") return TX_ERRORS[err] ?? `TransactionError${err}`;
  if (err !== null && typeof err === "object") {
    const rec = err as Record<string, unknown>;
    const inner = rec["err"];
    const index = numberField(err, "index");
    if (typeof inner === "function" && index !== undefined) {
      return { InstructionError: [index, instructionError((inner as () => unknown).call(err))] };
    }
    const accountIndex = numberField(err, "accountIndex");
    if (accountIndex !== undefined) {
      return String(err).includes("Restricted")
        ? { ProgramExecutionTemporarilyRestricted: { account_index: accountIndex } }
        : { InsufficientFundsForRent: { account_index: accountIndex } };
    }
    if (index !== undefined) return { DuplicateInstruction: index };
  }
  return String(err);
}

/**
 * Renders an error as web3.js does, e.g. "Error processing Instruction 0: custom program error: 0x1770".
 */
export function formatRpcTransactionError(err: RpcTransactionError): string {
  if (typeof err === "string") return err;
  if ("InstructionError" in err) {
    const [index, ix] = err.InstructionError;
    const what =
      typeof ix === "string" ? ix : "Custom" in ix ? `custom program error: 0x${ix.Custom.toString(16)}` : `BorshIoError: ${ix.BorshIoError}`;
    return `Error processing Instruction ${index}: ${what}`;
  }
  return JSON.stringify(err);
}
