/**
 * gpunet SDK (`@gpunet/sdk`): typed builders, send helpers, account and event
 * decoders for the gpunet program. Browser-safe: imports nothing Node-only.
 * u64/i64/u128 are bigint everywhere; inputs take `number | bigint`.
 *
 * Public exports are listed explicitly (no `export *`), grouped by concept.
 *
 * @example
 * ```ts
 * import { createGpunetClient } from "@gpunet/sdk";
 * const gpunet = createGpunetClient({ connection, wallet });
 * const { signature, events } = await gpunet.claimRewards();
 * ```
 */

// Client
export { createGpunetClient, GPUNET_ACCOUNT_VERSION } from "./client.ts";
export type { GpunetClient, GpunetClientOptions, GpunetConnection, CallOptions, ProgramVerification } from "./client.ts";

// IDL
export { GPUNET_IDL, GPUNET_PROGRAM_ADDRESS, GPUNET_IDL_VERSION, GPUNET_IDL_FOR_ANCHOR, camelCase } from "./idl.ts";
export type { Gpunet, RawIdl } from "./idl.ts";
export type { GpunetEventName, GpunetAccountName, GpunetInstructionName, IdlStruct, IdlFieldValue } from "./idl-types.ts";

// Errors
export { GpunetError, isGpunetError, programErrorInfo, decodeFailure, transactionErrorName } from "./errors.ts";
export type {
  GpunetErrorCode,
  ProgramErrorName,
  ClientErrorCode,
  GpunetErrorContext,
  GpunetErrorContextOf,
  GpunetErrorOf,
  ClientErrorContexts,
  InputErrorContext,
  FailureErrorContext,
  TransportErrorContext,
  RateLimitedErrorContext,
  DecodedFailure,
} from "./errors.ts";

// Retry policy (shared with @gpunet/indexer)
export {
  withRetry,
  abortableSleep,
  backoffDelayMs,
  isRetryableFailure,
  networkFailureOf,
  parseRetryAfter,
  resolveRetryPolicy,
  SleepAbortedError,
  DEFAULT_RETRY_POLICY,
  RETRYABLE_HTTP_STATUSES,
  RETRYABLE_JSON_RPC_CODES,
  RETRYABLE_NETWORK_CODES,
} from "./retry.ts";
export type { RetryPolicy, RetryFailure, RetryEvent, WithRetryOptions } from "./retry.ts";
export { createJsonRpcCall } from "./json-rpc.ts";
export type { JsonRpcCall, JsonRpcCallOptions } from "./json-rpc.ts";

// Inputs
export { toU64, toI64, toU16, toU8, toPublicKey, toHash32 } from "./inputs.ts";
export type { IntegerInput, PublicKeyInput, Hash32Input } from "./inputs.ts";

// PDAs
export {
  GPUNET_PROGRAM_ID,
  findConfigPda,
  findRewardVaultPda,
  findProviderPda,
  findStakeVaultPda,
  findJobPda,
  findEscrowPda,
  findProgramDataPda,
  BPF_LOADER_UPGRADEABLE_ID,
} from "./pdas.ts";
export type { ProgramDerivedAddress } from "./pdas.ts";

// Accounts
export {
  decodeConfig,
  decodeProvider,
  decodeJob,
  fetchConfig,
  fetchMaybeConfig,
  fetchProvider,
  fetchMaybeProvider,
  fetchJob,
  fetchMaybeJob,
  listJobs,
  listProviders,
  jobAddress,
  accountFieldOffset,
  stateByte,
  statusByte,
  ACCOUNT_SIZES,
  JOB_STATES,
  TERMINAL_JOB_STATES,
  PROVIDER_STATUSES,
} from "./accounts.ts";
export type {
  Config,
  Provider,
  Job,
  JobState,
  ProviderStatus,
  GpunetAccount,
  JobRef,
  ProviderRef,
  JobFilter,
  ProviderFilter,
  FetchOptions,
  AccountsConnection,
} from "./accounts.ts";

// Instruction builders
export {
  getInitializeInstruction,
  getUpdateConfigInstruction,
  getRegisterProviderInstruction,
  getUpdateProviderInstruction,
  getStakeInstruction,
  getRequestUnstakeInstruction,
  getWithdrawUnstakedInstruction,
  getFundRewardsInstruction,
  getClaimRewardsInstruction,
  getSlashInstruction,
  getCreateJobInstruction,
  getCancelJobInstruction,
  getAcceptJobInstruction,
  getSubmitResultInstruction,
  getCompleteJobInstruction,
  getDisputeJobInstruction,
  getResolveDisputeInstruction,
  getExpireJobInstruction,
  getCloseJobInstruction,
  resolveTokenAccount,
  parseGpunetInstruction,
  UPDATE_CONFIG_MASK,
  SLASH_REASONS,
  DEFAULT_REWARD_PERIOD,
} from "./instructions.ts";
export type {
  BuilderOptions,
  InitializeInput,
  ConfigChanges,
  ProviderHardware,
  CreateJobInput,
  TokenAccountInput,
  ProviderInput,
  PayoutInput,
  SlashReason,
} from "./instructions.ts";

// The generated core (from the IDL): instruction decoding, protocol constants and enums
export { identifyGpunetInstruction, GPUNET_INSTRUCTIONS } from "./generated/instructions.ts";
export type { GpunetInstructionKind, ParsedGpunetInstruction } from "./generated/instructions.ts";
export {
  BPS_DENOMINATOR,
  MAX_PROTOCOL_FEE_BPS,
  MAX_SLASH_CAP_BPS,
  MAX_PROVIDER_SHARE_BPS,
  MAX_DURATION,
  ACCOUNT_VERSION,
  CONFIG_MASK,
  CONFIG_MASK_ALL,
} from "./generated/constants.ts";
export { GPUNET_ERROR_CODE } from "./generated/errors.ts";
export {
  JOB_STATE,
  jobStateName,
  PROVIDER_STATUS,
  providerStatusName,
  SLASH_REASON,
  JOB_END_REASONS,
  JOB_END_REASON,
  GPU_MODELS,
  GPU_MODEL,
  gpuModelName,
  REGIONS,
  REGION,
  regionName,
} from "./generated/enums.ts";
export type { JobEndReason, GpuModel, Region } from "./generated/enums.ts";
export type { BigIntInput, SmallIntInput, AddressInput, BytesInput, InstructionInput, GpunetInstruction } from "./core/values.ts";

// Sending
export {
  sendInstructions,
  simulateInstructions,
  prepareAndSign,
  sendSignedAndConfirm,
  transactionSize,
  MAX_TRANSACTION_SIZE,
  MAX_COMPUTE_UNITS,
} from "./send.ts";
export type { SendContext, SendOptions, SendResult, SimulateResult, SignedTransaction, SendConnection, WalletAdapterLike } from "./send.ts";
export { resolvePriorityFee, percentileOf } from "./priority-fee.ts";
export type { PriorityFeeStrategy, PriorityFeeConnection } from "./priority-fee.ts";
export { fromPortableInstruction } from "./send.ts";
export type { PriorityFeeEstimator, PriorityFeeRequest, TransactionSender, SubmitContext, PortableInstruction, PortableAccountRole } from "./send-path.ts";
export { createRetryingFetch } from "./retrying-fetch.ts";
export type { FetchLike, RetryingFetchOptions } from "./retrying-fetch.ts";

// Rewards and bots
export { claimable, accrued, streamReleased } from "./rewards.ts";
export type { StreamConfig } from "./rewards.ts";
export type { ClaimAllOptions, ClaimAllResult, ClaimEntry } from "./claim-all.ts";

// Events
export { parseGpunetLogs, parseTransactionEvents, decodeEventBytes, GPUNET_EVENT_NAMES } from "./events.ts";
export type {
  GpunetEvent,
  GpunetEventOf,
  GpunetEventWithPayload,
  GpunetEventData,
  EventPosition,
  EventDecodeFailure,
  EventDecodeFailureReason,
  ParsedGpunetLogs,
  ParseLogsOptions,
  ParsedTransactionEvents,
  TransactionWithLogs,
} from "./events.ts";
export { subscribeEvents } from "./subscribe.ts";
export type { SubscribeEventsOptions, EventSubscription, LiveEventContext } from "./subscribe.ts";

// Layouts (offsets for memcmp filters, sizes)
export { structLayout, decodeStruct, discriminatorKey } from "./layout.ts";

// SPL Token
export { associatedTokenAddress, TOKEN_PROGRAM_ID, ASSOCIATED_TOKEN_PROGRAM_ID } from "./token.ts";
export type { StructLayout, FieldLayout, FieldKind, PubkeyEncoding } from "./layout.ts";
