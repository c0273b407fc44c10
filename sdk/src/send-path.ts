/**
 * The two extension points of sending, in plain data so either face and any
 * library can implement them: a priority-fee estimator (a price per compute unit
 * for the accounts a transaction writes) and a transaction sender (where signed
 * bytes go, and what every transaction must carry to be accepted there).
 * `@gpunet/sdk/helius` implements both; nothing here imports a Solana library.
 */

/** Kit's account roles, by number: read-only, writable, read-only signer, writable signer. */
export type PortableAccountRole = 0 | 1 | 2 | 3;

/**
 * An instruction as plain data: Kit's `Instruction` shape (base58 addresses,
 * numeric roles), so a Kit app appends it as is, and the web3.js face turns it
 * into a `TransactionInstruction`.
 */
export interface PortableInstruction<TAddress extends string = string> {
  readonly programAddress: TAddress;
  readonly accounts: readonly { readonly address: TAddress; readonly role: PortableAccountRole }[];
  readonly data: Uint8Array;
}

/** What a {@link PriorityFeeEstimator} is asked. */
export interface PriorityFeeRequest {
  /** The accounts the transaction write-locks (base58). */
  readonly accountKeys: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * A priority-fee strategy implemented outside the SDK's main entry (e.g.
 * `heliusPriorityFee` of `@gpunet/sdk/helius`): a price in micro-lamports per
 * compute unit, a u64 bigint.
 */
export interface PriorityFeeEstimator {
  readonly kind: "estimator";
  /** Shown in errors. */
  readonly name: string;
  estimate(request: PriorityFeeRequest): Promise<bigint>;
}

/** What {@link TransactionSender.submit} is given besides the bytes. */
export interface SubmitContext {
  /** The transaction's first signature (base58), known before it is sent. */
  readonly signature: string;
  readonly signal?: AbortSignal;
}

/**
 * Where signed transactions go instead of the connection's `sendTransaction`,
 * and what each one must carry there. The send helpers sign once, call `submit`,
 * and confirm over the connection, calling `submit` again with the same bytes on
 * their re-send schedule; `submit` makes one attempt per call (the confirmation
 * loop is the one that retries) and throws a typed `GpunetError`.
 */
export interface TransactionSender {
  /** Shown in errors. */
  readonly name: string;
  /** The price estimator of this path, used (over the client's strategy) unless a call names its own. */
  readonly priorityFee?: PriorityFeeEstimator;
  /** The lowest price (micro-lamports per CU) this path accepts; a lower one is raised to it. */
  readonly minPriorityFeeMicroLamports?: bigint;
  /** Instructions appended to every transaction (e.g. a tip), for the fee payer's address. */
  instructions?(feePayer: string): readonly PortableInstruction[];
  /** Sends the signed wire bytes once. */
  submit(wire: Uint8Array, context: SubmitContext): Promise<void>;
}
