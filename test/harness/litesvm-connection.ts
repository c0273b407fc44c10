/**
 * A web3.js v1 `Connection` look-alike that runs against LiteSVM in-process.
 * It implements the subset Anchor (`Program.methods…rpc()`, `account.x.fetch/all`,
 * event listeners) and spl-token (`getAccount`, `createMint`, … through
 * `sendAndConfirmTransaction`) call. Anything else is absent on purpose: a call to
 * it fails loudly as "not a function" instead of pretending.
 */
import { address, getTransactionDecoder, lamports } from "@solana/kit";
import { TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { PublicKey, Transaction, VersionedTransaction } from "@solana/web3.js";
import type {
  AccountInfo,
  BlockhashWithExpiryBlockHeight,
  Commitment,
  Connection,
  GetProgramAccountsFilter,
  Keypair,
  Logs,
  LogsCallback,
  LogsFilter,
  RpcResponseAndContext,
  SignatureResult,
  SignatureStatus,
  Signer,
  SimulatedTransactionResponse,
  TokenAmount,
} from "@solana/web3.js";
import bs58 from "bs58";
import { FailedTransactionMetadata } from "litesvm";
import type { LiteSVM, TransactionMetadata } from "litesvm";
import { transactionErrorText, transactionErrorToJson } from "../../localnet/src/transaction-error.ts";
import type { TransactionErrorJson } from "../../localnet/src/transaction-error.ts";

/** Result of a transaction the VM executed successfully. */
export interface SendResult {
  /** Base58 signature. */
  signature: string;
  logs: string[];
  computeUnits: bigint;
  /** Return data set by the last program that called `sol_set_return_data`, if any. */
  returnData: { programId: PublicKey; data: Uint8Array } | null;
}

/** Why {@link SvmTransactionError} was thrown. */
export type SvmTransactionErrorCode = "TransactionFailed" | "SimulationFailed";

/**
 * A transaction failed in the VM. Shaped like web3.js's `SendTransactionError`:
 * `logs` (Anchor's `translateError` parses `AnchorError occurred…` from them) and a
 * message "…Error processing Instruction 0: custom program error: 0x1770" (what
 * Anchor's `ProgramError.parse` reads).
 */
export class SvmTransactionError extends Error {
  override readonly name = "SvmTransactionError";
  readonly code: SvmTransactionErrorCode;
  readonly logs: string[];
  /** The error as JSON-RPC would report it, e.g. `{ InstructionError: [0, { Custom: 6000 }] }`. */
  readonly transactionError: TransactionErrorJson;
  readonly signature: string;
  readonly computeUnits: bigint;
  constructor(code: SvmTransactionErrorCode, transactionError: TransactionErrorJson, logs: string[], signature: string, computeUnits: bigint) {
    super(`${code === "TransactionFailed" ? "Transaction failed" : "Transaction simulation failed"}: ${transactionErrorText(transactionError)}`);
    this.code = code;
    this.transactionError = transactionError;
    this.logs = logs;
    this.signature = signature;
    this.computeUnits = computeUnits;
  }
  /** web3.js `SendTransactionError.getLogs` compatibility. */
  getLogs(): Promise<string[]> {
    return Promise.resolve(this.logs);
  }
}

type CommitmentArg = Commitment | { commitment?: Commitment } | undefined;

interface ProgramAccountsConfig {
  commitment?: Commitment;
  filters?: GetProgramAccountsFilter[];
  withContext?: boolean;
  encoding?: string;
  dataSlice?: { offset: number; length: number };
}

const SPL_TOKEN = TOKEN_PROGRAM_ID.toBase58();
const SPL_TOKEN_2022 = TOKEN_2022_PROGRAM_ID.toBase58();

function toBytes(tx: Transaction | VersionedTransaction | Uint8Array | Buffer | number[]): Uint8Array {
  if (tx instanceof Transaction) return tx.serialize({ requireAllSignatures: true, verifySignatures: false });
  if (tx instanceof VersionedTransaction) return tx.serialize();
  return Uint8Array.from(tx);
}

/** Checks an airdrop's outcome; LiteSVM airdrops are transactions and can fail (e.g. below rent exemption). */
export function airdropResult(res: TransactionMetadata | FailedTransactionMetadata | null, to: PublicKey): TransactionMetadata {
  if (res instanceof FailedTransactionMetadata) {
    const meta = res.meta();
    throw new SvmTransactionError("TransactionFailed", transactionErrorToJson(res.err()), meta.logs(), sigOf(meta), meta.computeUnitsConsumed());
  }
  if (!res) throw new SvmTransactionError("TransactionFailed", `AirdropFailed: ${to.toBase58()}`, [], "", 0n);
  return res;
}

function sigOf(meta: TransactionMetadata): string {
  return bs58.encode(meta.signature());
}

function returnDataOf(meta: TransactionMetadata): SendResult["returnData"] {
  const rd = meta.returnData();
  const data = rd.data();
  const pid = rd.programId();
  if (data.length === 0 && pid.every((b) => b === 0)) return null;
  return { programId: new PublicKey(pid), data: Uint8Array.from(data) };
}

/** Options of {@link LiteSvmConnection}. */
export interface LiteSvmConnectionOptions {
  /** Fee payer for legacy transactions that name none, and signer of last resort. */
  payer: Keypair;
  /**
   * Give every transaction a fresh blockhash (default true), so sending the same
   * instructions twice yields two distinct transactions, as on a real cluster
   * where blockhashes move on; LiteSVM would otherwise reject the second as AlreadyProcessed.
   */
  freshBlockhashPerTransaction?: boolean;
}

/**
 * The Connection subset, backed by LiteSVM. Use {@link LiteSvmConnection.asConnection}
 * where a web3.js `Connection` type is required.
 *
 * @example
 * ```ts
 * const conn = new LiteSvmConnection(svm, { payer });
 * const info = await conn.getAccountInfo(pda);
 * await getAccount(conn.asConnection(), tokenAccount); // spl-token
 * ```
 */
export class LiteSvmConnection {
  readonly svm: LiteSVM;
  readonly commitment: Commitment = "confirmed";
  readonly rpcEndpoint = "litesvm://in-process";
  private readonly payer: Keypair;
  private readonly freshBlockhash: boolean;
  private readonly logListeners = new Map<number, { filter: LogsFilter; callback: LogsCallback }>();
  private nextListenerId = 1;

  constructor(svm: LiteSVM, opts: LiteSvmConnectionOptions) {
    this.svm = svm;
    this.payer = opts.payer;
    this.freshBlockhash = opts.freshBlockhashPerTransaction ?? true;
  }

  /** This object typed as web3.js's `Connection` (it implements the subset Anchor and spl-token use). */
  asConnection(): Connection {
    return this as unknown as Connection;
  }

  private context(): { slot: number } {
    return { slot: Number(this.svm.getClock().slot) };
  }

  // ---- transactions -------------------------------------------------------

  /**
   * Signs (if not yet signed) and executes a transaction. Legacy transactions
   * without signatures get the payer as fee payer (when none is set), the latest
   * blockhash and signatures of `signers` plus the payer.
   *
   * @throws {SvmTransactionError} when the VM rejects or the program fails.
   */
  execute(tx: Transaction | VersionedTransaction, signers: Signer[] = []): SendResult {
    if (tx instanceof Transaction) this.prepareLegacy(tx, signers);
    else if (signers.length > 0) tx.sign(signers);
    const res = this.svm.sendTransaction(getTransactionDecoder().decode(toBytes(tx)));
    if (this.freshBlockhash) this.svm.expireBlockhash();
    if (res instanceof FailedTransactionMetadata) {
      const meta = res.meta();
      throw new SvmTransactionError("TransactionFailed", transactionErrorToJson(res.err()), meta.logs(), sigOf(meta), meta.computeUnitsConsumed());
    }
    const result: SendResult = {
      signature: sigOf(res),
      logs: res.logs(),
      computeUnits: res.computeUnitsConsumed(),
      returnData: returnDataOf(res),
    };
    this.emitLogs(result);
    return result;
  }

  private prepareLegacy(tx: Transaction, signers: Signer[]): void {
    const alreadySigned = tx.signatures.some((s) => s.signature !== null);
    if (alreadySigned && tx.recentBlockhash) {
      if (signers.length > 0) tx.partialSign(...signers);
      return;
    }
    tx.feePayer ??= signers[0]?.publicKey ?? this.payer.publicKey;
    tx.recentBlockhash = this.svm.latestBlockhash();
    const all = new Map<string, Signer>();
    for (const s of [...signers, this.payer]) all.set(s.publicKey.toBase58(), s);
    // Only keys the message needs may sign (web3.js throws on unknown signers).
    const needed = new Set(
      tx
        .compileMessage()
        .accountKeys.slice(0, tx.compileMessage().header.numRequiredSignatures)
        .map((k) => k.toBase58()),
    );
    tx.sign(...[...all.values()].filter((s) => needed.has(s.publicKey.toBase58())));
  }

  /** Simulates without committing; never throws for program failures (see `value.err`). */
  simulate(tx: Transaction | VersionedTransaction, signers: Signer[] = []): RpcResponseAndContext<SimulatedTransactionResponse> {
    if (tx instanceof Transaction) this.prepareLegacy(tx, signers);
    else if (signers.length > 0) tx.sign(signers);
    const res = this.svm.simulateTransaction(getTransactionDecoder().decode(toBytes(tx)));
    if (res instanceof FailedTransactionMetadata) {
      const meta = res.meta();
      return {
        context: this.context(),
        value: { err: transactionErrorToJson(res.err()), logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()), accounts: null },
      };
    }
    const meta = res.meta();
    const rd = returnDataOf(meta);
    return {
      context: this.context(),
      value: {
        err: null,
        logs: meta.logs(),
        unitsConsumed: Number(meta.computeUnitsConsumed()),
        accounts: null,
        returnData: rd ? { programId: rd.programId.toBase58(), data: [Buffer.from(rd.data).toString("base64"), "base64"] } : null,
      },
    };
  }

  /** web3.js `sendTransaction`: legacy transactions are signed by `signers` (the first pays). */
  async sendTransaction(tx: Transaction | VersionedTransaction, signersOrOptions?: Signer[] | object): Promise<string> {
    return this.execute(tx, Array.isArray(signersOrOptions) ? signersOrOptions : []).signature;
  }

  /** web3.js `sendRawTransaction`: executes signed wire bytes. */
  async sendRawTransaction(raw: Uint8Array | Buffer | number[]): Promise<string> {
    const res = this.svm.sendTransaction(getTransactionDecoder().decode(Uint8Array.from(raw)));
    if (this.freshBlockhash) this.svm.expireBlockhash();
    if (res instanceof FailedTransactionMetadata) {
      const meta = res.meta();
      throw new SvmTransactionError("TransactionFailed", transactionErrorToJson(res.err()), meta.logs(), sigOf(meta), meta.computeUnitsConsumed());
    }
    this.emitLogs({ signature: sigOf(res), logs: res.logs(), computeUnits: res.computeUnitsConsumed(), returnData: null });
    return sigOf(res);
  }

  /** Transactions execute synchronously; this reports the recorded outcome. */
  async confirmTransaction(strategy: string | { signature: string }, _commitment?: Commitment): Promise<RpcResponseAndContext<SignatureResult>> {
    const sig = typeof strategy === "string" ? strategy : strategy.signature;
    const status = this.statusOf(sig);
    return { context: this.context(), value: { err: status?.err ?? null } };
  }

  private statusOf(signature: string): SignatureStatus | null {
    const rec = this.svm.getTransaction(bs58.encode(bs58.decode(signature)) as Parameters<LiteSVM["getTransaction"]>[0]);
    if (!rec) return null;
    const err = rec instanceof FailedTransactionMetadata ? transactionErrorToJson(rec.err()) : null;
    return { slot: Number(this.svm.getClock().slot), confirmations: null, err, confirmationStatus: "finalized" };
  }

  async getSignatureStatus(signature: string): Promise<RpcResponseAndContext<SignatureStatus | null>> {
    return { context: this.context(), value: this.statusOf(signature) };
  }

  async getSignatureStatuses(signatures: string[]): Promise<RpcResponseAndContext<(SignatureStatus | null)[]>> {
    return { context: this.context(), value: signatures.map((s) => this.statusOf(s)) };
  }

  async simulateTransaction(
    tx: Transaction | VersionedTransaction,
    signersOrConfig?: Signer[] | object,
  ): Promise<RpcResponseAndContext<SimulatedTransactionResponse>> {
    return this.simulate(tx, Array.isArray(signersOrConfig) ? signersOrConfig : []);
  }

  async requestAirdrop(to: PublicKey, amount: number): Promise<string> {
    const res = this.svm.airdrop(address(to.toBase58()), lamports(BigInt(amount)));
    return sigOf(airdropResult(res, to));
  }

  // ---- accounts -----------------------------------------------------------

  private account(pk: PublicKey): AccountInfo<Buffer> | null {
    const acc = this.svm.getAccount(address(pk.toBase58()));
    if (!acc.exists) return null;
    return {
      data: Buffer.from(acc.data),
      executable: acc.executable,
      lamports: Number(acc.lamports),
      owner: new PublicKey(acc.programAddress),
      rentEpoch: Number.MAX_SAFE_INTEGER,
    };
  }

  async getAccountInfo(pk: PublicKey, _c?: CommitmentArg): Promise<AccountInfo<Buffer> | null> {
    return this.account(pk);
  }

  async getAccountInfoAndContext(pk: PublicKey, _c?: CommitmentArg): Promise<RpcResponseAndContext<AccountInfo<Buffer> | null>> {
    return { context: this.context(), value: this.account(pk) };
  }

  async getMultipleAccountsInfo(pks: PublicKey[], _c?: CommitmentArg): Promise<(AccountInfo<Buffer> | null)[]> {
    return pks.map((pk) => this.account(pk));
  }

  async getMultipleAccountsInfoAndContext(pks: PublicKey[], _c?: CommitmentArg): Promise<RpcResponseAndContext<(AccountInfo<Buffer> | null)[]>> {
    return { context: this.context(), value: pks.map((pk) => this.account(pk)) };
  }

  async getBalance(pk: PublicKey, _c?: CommitmentArg): Promise<number> {
    return Number(this.svm.getBalance(address(pk.toBase58())) ?? 0n);
  }

  /**
   * Accounts owned by `programId`, filtered like the RPC does: `dataSize` and
   * `memcmp` (bytes in base58, or base64 with `encoding: "base64"`). Sorted by address
   * so results are deterministic.
   */
  async getProgramAccounts(
    programId: PublicKey,
    config?: ProgramAccountsConfig | Commitment,
  ): Promise<{ pubkey: PublicKey; account: AccountInfo<Buffer> }[] | RpcResponseAndContext<{ pubkey: PublicKey; account: AccountInfo<Buffer> }[]>> {
    const cfg: ProgramAccountsConfig = typeof config === "object" ? config : {};
    const filters = cfg.filters ?? [];
    const matchers = filters.map((f): ((d: Uint8Array) => boolean) => {
      if ("dataSize" in f) return (d) => d.length === f.dataSize;
      if ("memcmp" in f) {
        const m = f.memcmp as { offset: number; bytes: string; encoding?: string };
        const want = m.encoding === "base64" ? Buffer.from(m.bytes, "base64") : bs58.decode(m.bytes);
        return (d) => d.length >= m.offset + want.length && Buffer.from(d.subarray(m.offset, m.offset + want.length)).equals(Buffer.from(want));
      }
      return () => true;
    });
    const rows = this.svm
      .getProgramAccounts(address(programId.toBase58()))
      .filter((a) => matchers.every((m) => m(Uint8Array.from(a.data))))
      .map((a) => {
        const data = cfg.dataSlice ? a.data.subarray(cfg.dataSlice.offset, cfg.dataSlice.offset + cfg.dataSlice.length) : a.data;
        return {
          pubkey: new PublicKey(a.address),
          account: {
            data: Buffer.from(data),
            executable: a.executable,
            lamports: Number(a.lamports),
            owner: new PublicKey(a.programAddress),
            rentEpoch: Number.MAX_SAFE_INTEGER,
          },
        };
      })
      .sort((x, y) => Buffer.compare(x.pubkey.toBuffer(), y.pubkey.toBuffer()));
    return cfg.withContext ? { context: this.context(), value: rows } : rows;
  }

  /** SPL Token (and Token-2022 base layout) account balance: amount at 64, mint's decimals at 44. */
  async getTokenAccountBalance(pk: PublicKey, _c?: Commitment): Promise<RpcResponseAndContext<TokenAmount>> {
    const acc = this.account(pk);
    if (!acc || (acc.owner.toBase58() !== SPL_TOKEN && acc.owner.toBase58() !== SPL_TOKEN_2022) || acc.data.length < 165) {
      throw new SvmTransactionError("SimulationFailed", `InvalidParam: ${pk.toBase58()} is not a token account`, [], "", 0n);
    }
    const amount = acc.data.readBigUInt64LE(64);
    const mint = this.account(new PublicKey(acc.data.subarray(0, 32)));
    const decimals = mint ? (mint.data[44] ?? 0) : 0;
    const s = amount.toString().padStart(decimals + 1, "0");
    const uiAmountString = decimals > 0 ? `${s.slice(0, -decimals)}.${s.slice(-decimals)}`.replace(/\.?0+$/, "") : s;
    return { context: this.context(), value: { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString } };
  }

  async getMinimumBalanceForRentExemption(dataLength: number, _c?: Commitment): Promise<number> {
    return Number(this.svm.minimumBalanceForRentExemption(BigInt(dataLength)));
  }

  // ---- chain state ----------------------------------------------------------

  async getLatestBlockhash(_c?: CommitmentArg): Promise<BlockhashWithExpiryBlockHeight> {
    return { blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: Number(this.svm.getClock().slot) + 150 };
  }

  async getLatestBlockhashAndContext(_c?: CommitmentArg): Promise<RpcResponseAndContext<BlockhashWithExpiryBlockHeight>> {
    return { context: this.context(), value: await this.getLatestBlockhash() };
  }

  async getSlot(_c?: CommitmentArg): Promise<number> {
    return Number(this.svm.getClock().slot);
  }

  async getBlockHeight(_c?: CommitmentArg): Promise<number> {
    return Number(this.svm.getClock().slot);
  }

  async getBlockTime(_slot: number): Promise<number | null> {
    return Number(this.svm.getClock().unixTimestamp);
  }

  // ---- logs subscriptions (Anchor's program.addEventListener) ----------------

  onLogs(filter: LogsFilter, callback: LogsCallback, _c?: Commitment): number {
    const id = this.nextListenerId++;
    this.logListeners.set(id, { filter, callback });
    return id;
  }

  async removeOnLogsListener(id: number): Promise<void> {
    this.logListeners.delete(id);
  }

  private emitLogs(r: SendResult): void {
    if (this.logListeners.size === 0) return;
    const logs: Logs = { signature: r.signature, err: null, logs: r.logs };
    const ctx = this.context();
    for (const { filter, callback } of this.logListeners.values()) {
      const wanted =
        filter === "all" ||
        filter === "allWithVotes" ||
        r.logs.some((l) => l.includes((filter instanceof PublicKey ? filter : new PublicKey(filter)).toBase58()));
      if (wanted) callback(logs, ctx);
    }
  }
}
