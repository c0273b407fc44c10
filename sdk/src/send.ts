/**
 * Sending: v0 transactions with a compute-unit limit from simulation plus a margin,
 * a priority fee from the configured strategy, one signing, and a confirmation loop
 * that re-sends the SAME signed bytes until the blockhash is no longer valid
 * (never signing twice, never losing the signature).
 */
import { Buffer } from "buffer";
import { ComputeBudgetProgram, PublicKey, TransactionInstruction, TransactionMessage, VersionedTransaction } from "@solana/web3.js";
import type { Commitment, Connection, Signer, Transaction } from "@solana/web3.js";
import bs58 from "bs58";
import { GpunetError, errorFromFailure } from "./errors.ts";
import { parseGpunetLogs, parseTransactionEvents, type GpunetEvent } from "./events.ts";
import { resolvePriorityFee, type PriorityFeeStrategy } from "./priority-fee.ts";
import { isRetryableFailure } from "./retry.ts";
import type { PortableInstruction, TransactionSender } from "./send-path.ts";
import { retryFailureOf } from "./retrying-fetch.ts";
import { callRpc, toTransportError } from "./rpc.ts";

/**
 * A browser wallet as the Solana wallet adapter exposes it; passed as is.
 */
export interface WalletAdapterLike {
  readonly publicKey: PublicKey | null;
  signTransaction<T extends Transaction | VersionedTransaction>(tx: T): Promise<T>;
  signAllTransactions<T extends Transaction | VersionedTransaction>(txs: T[]): Promise<T[]>;
}

/** The Connection methods sending uses (a web3.js Connection satisfies it). */
export type SendConnection = Pick<
  Connection,
  | "getLatestBlockhashAndContext"
  | "simulateTransaction"
  | "sendRawTransaction"
  | "getSignatureStatuses"
  | "getBlockHeight"
  | "getTransaction"
  | "getRecentPrioritizationFees"
>;

/** The largest transaction the network accepts (IPv6 MTU minus headers). */
export const MAX_TRANSACTION_SIZE = 1232;
/** The most compute units a transaction may request. */
export const MAX_COMPUTE_UNITS = 1_400_000;

/** What sending needs, usually filled by the client. */
export interface SendContext {
  readonly connection: SendConnection;
  readonly programId: PublicKey;
  readonly wallet?: WalletAdapterLike | undefined;
  readonly commitment: Commitment;
  readonly priorityFee: PriorityFeeStrategy;
  /** Extra compute units on top of the simulated ones, as a fraction (default 0.1). */
  readonly computeUnitMargin?: number;
  /** Poll interval of the confirmation loop (default 400 ms). */
  readonly pollIntervalMs?: number;
  /** Interval between re-sends of the same signed bytes (default 2000 ms). */
  readonly resendIntervalMs?: number;
  /**
   * Where signed bytes go (default: the connection's `sendTransaction`), e.g.
   * `heliusSender()` of `@gpunet/sdk/helius`; confirmation stays on the connection.
   */
  readonly sender?: TransactionSender;
}

/** Per-call send options. */
export interface SendOptions {
  /** Extra signers (keypairs), e.g. a bot holding several owner keys. */
  readonly signers?: readonly Signer[];
  /** Fee payer; default the wallet, else the first signer. */
  readonly feePayer?: PublicKey;
  /** Overrides the context's priority fee for this call. */
  readonly priorityFee?: PriorityFeeStrategy;
  /** A fixed compute-unit limit (skips the simulation that sizes it). */
  readonly computeUnitLimit?: number;
  readonly commitment?: Commitment;
  readonly signal?: AbortSignal;
}

/** What a send helper returns. */
export interface SendResult {
  readonly signature: string;
  /** gpunet events of the landed transaction, in log order. */
  readonly events: readonly GpunetEvent[];
  /**
   * False when the events may be incomplete: the node did not return the landed
   * transaction, or its logs were truncated. The transaction DID land either way
   * (a send helper never throws after success, so callers never retry a landed write).
   */
  readonly eventsComplete: boolean;
  readonly slot: bigint;
  /** The compute-unit limit the transaction requested. */
  readonly computeUnitLimit: number;
  /** The price paid per compute unit. */
  readonly priorityFeeMicroLamports: bigint;
}

/** What a simulation returns. */
export interface SimulateResult {
  readonly unitsConsumed: number;
  readonly logs: readonly string[];
  readonly events: readonly GpunetEvent[];
}

function feePayerOf(ctx: SendContext, o: SendOptions): PublicKey {
  if (o.feePayer) return o.feePayer;
  if (ctx.wallet?.publicKey) return ctx.wallet.publicKey;
  const first = o.signers?.[0];
  if (first) return first.publicKey;
  throw new GpunetError("SignerMissing", "no fee payer: connect a wallet or pass signers", {});
}

function budgetIxs(limit: number, price: bigint): TransactionInstruction[] {
  const out = [ComputeBudgetProgram.setComputeUnitLimit({ units: limit })];
  // setComputeUnitPrice takes number | bigint; bigint keeps u64 prices exact.
  if (price > 0n) out.push(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: price }));
  return out;
}

/** A plain-data instruction (Kit's shape) as a web3.js `TransactionInstruction`. */
export function fromPortableInstruction(ix: PortableInstruction): TransactionInstruction {
  return new TransactionInstruction({
    programId: new PublicKey(ix.programAddress),
    keys: ix.accounts.map((a) => ({ pubkey: new PublicKey(a.address), isSigner: a.role >= 2, isWritable: (a.role & 1) === 1 })),
    data: Buffer.from(ix.data),
  });
}

/** The instructions the context's send path adds to every transaction (a Sender tip), as web3.js instructions. */
export function senderInstructions(ctx: Pick<SendContext, "sender">, payer: PublicKey): TransactionInstruction[] {
  return (ctx.sender?.instructions?.(payer.toBase58()) ?? []).map(fromPortableInstruction);
}

function compile(payer: PublicKey, blockhash: string, ixs: readonly TransactionInstruction[]): VersionedTransaction {
  const message = new TransactionMessage({ payerKey: payer, recentBlockhash: blockhash, instructions: [...ixs] }).compileToV0Message();
  return new VersionedTransaction(message);
}

/**
 * Serialized size of a v0 transaction with these instructions (compute-budget
 * instructions and all signatures counted). Past what web3.js can serialize
 * (one packet) it returns Infinity rather than throwing.
 *
 * @example
 * ```ts
 * const fits = transactionSize(payer.publicKey, [ix]) <= MAX_TRANSACTION_SIZE; // else spread the instructions over several transactions
 * ```
 */
export function transactionSize(payer: PublicKey, ixs: readonly TransactionInstruction[], withBudget = true): number {
  const all = withBudget ? [...budgetIxs(MAX_COMPUTE_UNITS, 1n), ...ixs] : [...ixs];
  try {
    const message = new TransactionMessage({ payerKey: payer, recentBlockhash: PublicKey.default.toBase58(), instructions: all }).compileToV0Message();
    const sigs = message.header.numRequiredSignatures;
    const body = message.serialize().length;
    return shortVecLen(sigs) + sigs * 64 + body;
  } catch (e) {
    if (e instanceof RangeError) return Number.POSITIVE_INFINITY;
    throw e;
  }
}

function shortVecLen(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : 3;
}

function writableKeys(ixs: readonly TransactionInstruction[]): PublicKey[] {
  const seen = new Map<string, PublicKey>();
  for (const ix of ixs) for (const k of ix.keys) if (k.isWritable) seen.set(k.pubkey.toBase58(), k.pubkey);
  return [...seen.values()];
}

function checkAbort(signal: AbortSignal | undefined, signature?: string): void {
  if (signal?.aborted) throw new GpunetError("Aborted", "aborted", signature ? { signature } : {});
}

/**
 * A failure the confirmation loop rides out (its next poll or re-send is the retry):
 * a typed, retryable transport failure, or one without typed detail (the loop is
 * bounded by the blockhash's expiry, and the signature must not be lost). Returns the
 * server's Retry-After (ms, 0 when none), or null when the error is final.
 */
function transientDelay(err: GpunetError): number | null {
  const f = retryFailureOf(err);
  if (f === null || (f.kind !== "unknown" && !isRetryableFailure(f))) return null;
  return f.kind === "http" ? (f.retryAfterMs ?? 0) : 0;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Simulates instructions (no signatures needed; the blockhash is replaced) and
 * decodes the result: program errors come back as named GpunetErrors.
 *
 * @example
 * ```ts
 * const ctx: SendContext = { connection, programId: GPUNET_PROGRAM_ID, wallet, commitment: "confirmed", priorityFee: { kind: "none" } };
 * const { unitsConsumed, events } = await simulateInstructions(ctx, [ix]);
 * ```
 */
export async function simulateInstructions(ctx: SendContext, ixs: readonly TransactionInstruction[], o: SendOptions = {}): Promise<SimulateResult> {
  const payer = feePayerOf(ctx, o);
  const { blockhash } = (await callRpc("getLatestBlockhash", () => ctx.connection.getLatestBlockhashAndContext(o.commitment ?? ctx.commitment))).value;
  return simulateCompiled(ctx, compile(payer, blockhash, [...budgetIxs(MAX_COMPUTE_UNITS, 0n), ...ixs]), o);
}

async function simulateCompiled(ctx: SendContext, tx: VersionedTransaction, o: SendOptions): Promise<SimulateResult> {
  const sim = await callRpc("simulateTransaction", () =>
    ctx.connection.simulateTransaction(tx, { sigVerify: false, replaceRecentBlockhash: true, commitment: o.commitment ?? ctx.commitment }),
  );
  const logs = sim.value.logs ?? [];
  if (sim.value.err !== null && sim.value.err !== undefined) {
    throw errorFromFailure(sim.value.err, logs, ctx.programId.toBase58(), "SimulationFailed");
  }
  const parsed = parseGpunetLogs(logs, { programId: ctx.programId.toBase58() });
  return { unitsConsumed: sim.value.unitsConsumed ?? 0, logs, events: parsed.events };
}

/** A transaction signed once, with what the confirmation loop needs. */
export interface SignedTransaction {
  readonly transaction: VersionedTransaction;
  readonly signature: string;
  readonly lastValidBlockHeight: number;
  readonly computeUnitLimit: number;
  readonly priorityFeeMicroLamports: bigint;
}

/**
 * Prepares and signs (once) a v0 transaction: priority fee, compute-unit limit from
 * simulation plus the margin, wallet then keypair signatures.
 *
 * @throws {GpunetError} program errors from the simulation; `SignerMissing`; `TransactionTooLarge`.
 * @example
 * ```ts
 * const ctx: SendContext = { connection, programId: GPUNET_PROGRAM_ID, wallet, commitment: "confirmed", priorityFee: { kind: "none" } };
 * const signed = await prepareAndSign(ctx, [ix], { signers: [ownerKeypair] }); // signed.signature is known before sending
 * ```
 */
export async function prepareAndSign(ctx: SendContext, userIxs: readonly TransactionInstruction[], o: SendOptions = {}): Promise<SignedTransaction> {
  const payer = feePayerOf(ctx, o);
  const commitment = o.commitment ?? ctx.commitment;
  // The send path's own instructions (a tip) go last; the fee estimate looks at the caller's accounts only.
  const ixs = [...userIxs, ...senderInstructions(ctx, payer)];
  const size = transactionSize(payer, ixs);
  if (size > MAX_TRANSACTION_SIZE) {
    const what = Number.isFinite(size) ? `${size} bytes` : "more than one packet";
    throw new GpunetError("TransactionTooLarge", `transaction would be ${what}; the limit is ${MAX_TRANSACTION_SIZE} bytes (split the instructions)`, {
      value: String(size),
    });
  }
  const strategy = o.priorityFee ?? ctx.sender?.priorityFee ?? ctx.priorityFee;
  const estimated = await resolvePriorityFee(strategy, ctx.connection, writableKeys(userIxs), o.signal);
  const floor = ctx.sender?.minPriorityFeeMicroLamports ?? 0n;
  const price = estimated < floor ? floor : estimated;
  const { blockhash, lastValidBlockHeight } = (await callRpc("getLatestBlockhash", () => ctx.connection.getLatestBlockhashAndContext(commitment))).value;
  let limit = o.computeUnitLimit;
  if (limit === undefined) {
    const sim = await simulateCompiled(ctx, compile(payer, blockhash, [...budgetIxs(MAX_COMPUTE_UNITS, price), ...ixs]), o);
    const margin = ctx.computeUnitMargin ?? 0.1;
    // The simulation already counts the compute-budget instructions themselves.
    limit = Math.min(MAX_COMPUTE_UNITS, Math.max(1_000, Math.ceil(sim.unitsConsumed * (1 + margin))));
  }
  let tx = compile(payer, blockhash, [...budgetIxs(limit, price), ...ixs]);
  checkAbort(o.signal);
  const required = tx.message.staticAccountKeys.slice(0, tx.message.header.numRequiredSignatures);
  const wallet = ctx.wallet;
  if (wallet?.publicKey && required.some((k) => k.equals(wallet.publicKey as PublicKey))) {
    try {
      tx = await wallet.signTransaction(tx);
    } catch (e) {
      throw new GpunetError("WalletRejected", `the wallet did not sign: ${e instanceof Error ? e.message : String(e)}`, {}, { cause: e });
    }
  }
  const signers = (o.signers ?? []).filter((s) => required.some((k) => k.equals(s.publicKey)));
  if (signers.length > 0) tx.sign([...signers]);
  tx.signatures.forEach((sig, i) => {
    if (sig.every((b) => b === 0)) {
      const who = required[i]?.toBase58() ?? `#${i}`;
      throw new GpunetError("SignerMissing", `no signature for ${who}`, { field: "signers", value: who });
    }
  });
  const first = tx.signatures[0];
  if (!first) throw new GpunetError("SignerMissing", "transaction has no signatures", {});
  return { transaction: tx, signature: bs58.encode(first), lastValidBlockHeight, computeUnitLimit: limit, priorityFeeMicroLamports: price };
}

const COMMITMENT_RANK: Record<string, number> = { processed: 0, recent: 0, single: 0, confirmed: 1, singleGossip: 1, finalized: 2, max: 2, root: 2 };

/**
 * Sends already-signed bytes and waits for `commitment`, re-sending the same bytes
 * every `resendIntervalMs` while the blockhash is valid.
 *
 * @throws {GpunetError} `BlockhashExpired` (with the signature) when the blockhash
 * expired without the transaction landing; named program errors when it landed and failed.
 * @example
 * ```ts
 * const ctx: SendContext = { connection, programId: GPUNET_PROGRAM_ID, wallet, commitment: "confirmed", priorityFee: { kind: "none" } };
 * const signed = await prepareAndSign(ctx, [ix], { signers: [ownerKeypair] });
 * const { signature, events } = await sendSignedAndConfirm(ctx, signed); // signature === signed.signature
 * ```
 */
export async function sendSignedAndConfirm(ctx: SendContext, signed: SignedTransaction, o: SendOptions = {}): Promise<SendResult> {
  const { signature } = signed;
  const raw = signed.transaction.serialize();
  const commitment = o.commitment ?? ctx.commitment;
  const want = COMMITMENT_RANK[commitment] ?? 1;
  const poll = ctx.pollIntervalMs ?? 400;
  const resendEvery = ctx.resendIntervalMs ?? 2_000;
  // The server's last Retry-After: the next poll waits at least that long.
  let holdOffMs = 0;
  const submit = async (): Promise<void> => {
    try {
      // Preflight ran as our simulation; the node must not retry on its own either,
      // so the only copies in flight are the ones sent here.
      if (ctx.sender) await ctx.sender.submit(raw, { signature, ...(o.signal ? { signal: o.signal } : {}) });
      else await ctx.connection.sendRawTransaction(raw, { skipPreflight: true, maxRetries: 0 });
    } catch (e) {
      // A failed submit of already-signed bytes is retried by the loop; a rate limit
      // or transient transport error must not lose the signature.
      const err = toTransportError(ctx.sender ? ctx.sender.name : "sendRawTransaction", e);
      const d = transientDelay(err);
      if (d === null) throw err;
      holdOffMs = Math.max(holdOffMs, d);
    }
  };
  await submit();
  let lastSend = Date.now();
  let searchHistory = false;
  for (;;) {
    checkAbort(o.signal, signature);
    await sleep(Math.max(poll, holdOffMs), o.signal);
    holdOffMs = 0;
    checkAbort(o.signal, signature);
    const st = await statusOf(ctx, signature, searchHistory, (ms) => {
      holdOffMs = Math.max(holdOffMs, ms);
    });
    if (st) {
      if (st.err !== null) throw await landedFailure(ctx, signature, st.err);
      if ((COMMITMENT_RANK[st.confirmationStatus ?? "processed"] ?? 0) >= want) {
        const ev = await eventsOf(ctx, signature, commitment, o.signal);
        return {
          signature,
          slot: BigInt(st.slot),
          events: ev.events,
          eventsComplete: ev.complete,
          computeUnitLimit: signed.computeUnitLimit,
          priorityFeeMicroLamports: signed.priorityFeeMicroLamports,
        };
      }
      continue; // landed, waiting for commitment: never re-send
    }
    let height: number;
    try {
      height = await ctx.connection.getBlockHeight(commitment === "processed" ? "confirmed" : commitment);
    } catch (e) {
      const err = toTransportError("getBlockHeight", e);
      const d = transientDelay(err);
      if (d === null) throw err;
      holdOffMs = Math.max(holdOffMs, d);
      continue;
    }
    if (height > signed.lastValidBlockHeight) {
      // Last look, through history, before declaring the transaction dead.
      const last = await statusOf(ctx, signature, true);
      if (last) {
        searchHistory = true;
        continue;
      }
      throw new GpunetError(
        "BlockhashExpired",
        `transaction ${signature} did not land before its blockhash expired (block height ${height} > ${signed.lastValidBlockHeight})`,
        { signature },
      );
    }
    if (Date.now() - lastSend >= resendEvery) {
      await submit();
      lastSend = Date.now();
    }
  }
}

async function statusOf(
  ctx: SendContext,
  signature: string,
  history: boolean,
  holdOff: (ms: number) => void = () => undefined,
): Promise<{ slot: number; err: unknown; confirmationStatus?: string } | null> {
  try {
    const r = await ctx.connection.getSignatureStatuses([signature], { searchTransactionHistory: history });
    const s = r.value[0];
    return s ? { slot: s.slot, err: s.err, ...(s.confirmationStatus ? { confirmationStatus: s.confirmationStatus } : {}) } : null;
  } catch (e) {
    const err = toTransportError("getSignatureStatuses", e);
    const d = transientDelay(err);
    if (d === null) throw err;
    holdOff(d);
    return null;
  }
}

async function fetchTx(
  ctx: SendContext,
  signature: string,
  commitment: Commitment,
  signal?: AbortSignal,
): Promise<Awaited<ReturnType<SendConnection["getTransaction"]>>> {
  // getTransaction has no "processed"; a transaction seen as processed shows up at confirmed shortly.
  const c = commitment === "finalized" ? "finalized" : "confirmed";
  for (let i = 0; i < 20; i++) {
    const tx = await callRpc("getTransaction", () => ctx.connection.getTransaction(signature, { commitment: c, maxSupportedTransactionVersion: 0 }));
    if (tx) return tx;
    await sleep(ctx.pollIntervalMs ?? 400, signal);
    checkAbort(signal, signature);
  }
  return null;
}

async function landedFailure(ctx: SendContext, signature: string, err: unknown): Promise<GpunetError> {
  let logs: readonly string[] | undefined;
  try {
    const tx = await fetchTx(ctx, signature, "confirmed");
    logs = tx?.meta?.logMessages ?? undefined;
  } catch {
    // The status alone still names the error number; logs are a bonus.
  }
  return errorFromFailure(err, logs, ctx.programId.toBase58(), "TransactionFailed", { signature });
}

async function eventsOf(
  ctx: SendContext,
  signature: string,
  commitment: Commitment,
  signal?: AbortSignal,
): Promise<{ events: readonly GpunetEvent[]; complete: boolean }> {
  let tx: Awaited<ReturnType<typeof fetchTx>>;
  try {
    tx = await fetchTx(ctx, signature, commitment, signal);
  } catch {
    // The write landed; failing now would invite a retry of a landed transaction.
    return { events: [], complete: false };
  }
  if (!tx) return { events: [], complete: false };
  const r = parseTransactionEvents(tx, { programId: ctx.programId.toBase58() });
  return { events: r.events, complete: !r.truncated && r.failures.length === 0 };
}

/**
 * Prepares, signs once, sends and confirms instructions; returns the signature and
 * the decoded gpunet events of the landed transaction.
 *
 * @example
 * ```ts
 * const ctx: SendContext = { connection, programId: GPUNET_PROGRAM_ID, wallet, commitment: "confirmed", priorityFee: { kind: "none" } };
 * const { signature, events } = await sendInstructions(ctx, [ix], { signers: [ownerKeypair] });
 * ```
 */
export async function sendInstructions(ctx: SendContext, ixs: readonly TransactionInstruction[], o: SendOptions = {}): Promise<SendResult> {
  const signed = await prepareAndSign(ctx, ixs, o);
  return sendSignedAndConfirm(ctx, signed, o);
}
