/**
 * An Anchor `Provider` whose transactions run in LiteSVM, so
 * `new Program(idl, provider).methods.x(...).accounts(...).rpc()` executes the
 * real compiled program in-process.
 */
import type { Provider, Wallet } from "@coral-xyz/anchor";
import type { Commitment, ConfirmOptions, Connection, Keypair, PublicKey, Signer, Transaction, VersionedTransaction } from "@solana/web3.js";
import { SvmTransactionError } from "./litesvm-connection.ts";
import type { LiteSvmConnection, SendResult } from "./litesvm-connection.ts";

/** Simulation result without `err` (a failed simulation throws), as Anchor's Provider returns it. */
export type SimulationSuccess = Awaited<ReturnType<NonNullable<Provider["simulate"]>>>;

/** A Node wallet over a Keypair (Anchor's `Wallet` interface). */
export function keypairWallet(payer: Keypair): Wallet {
  const sign = <T extends Transaction | VersionedTransaction>(tx: T): T => {
    if ("version" in tx) tx.sign([payer]);
    else tx.partialSign(payer);
    return tx;
  };
  return {
    publicKey: payer.publicKey,
    payer,
    signTransaction: async (tx) => sign(tx),
    signAllTransactions: async (txs) => txs.map(sign),
  };
}

/**
 * Anchor Provider over a {@link LiteSvmConnection}.
 *
 * Failures throw {@link SvmTransactionError} (with `logs`), which Anchor's `rpc()`
 * hands to `translateError`, yielding an `AnchorError` for the program's error codes.
 */
export class LiteSvmProvider implements Provider {
  readonly connection: Connection;
  readonly wallet: Wallet;
  readonly publicKey: PublicKey;
  readonly svmConnection: LiteSvmConnection;
  /** Result of the last successful send (logs, compute units), for tests that want more than a signature. */
  lastResult: SendResult | undefined;

  constructor(connection: LiteSvmConnection, payer: Keypair) {
    this.svmConnection = connection;
    this.connection = connection.asConnection();
    this.wallet = keypairWallet(payer);
    this.publicKey = payer.publicKey;
  }

  async send(tx: Transaction | VersionedTransaction, signers?: Signer[], _opts?: ConfirmOptions): Promise<string> {
    return this.sendAndConfirm(tx, signers);
  }

  async sendAndConfirm(tx: Transaction | VersionedTransaction, signers?: Signer[], _opts?: ConfirmOptions): Promise<string> {
    this.lastResult = this.svmConnection.execute(tx, signers ?? []);
    return this.lastResult.signature;
  }

  async sendAll<T extends Transaction | VersionedTransaction>(txWithSigners: { tx: T; signers?: Signer[] }[], _opts?: ConfirmOptions): Promise<string[]> {
    const out: string[] = [];
    for (const { tx, signers } of txWithSigners) out.push(await this.sendAndConfirm(tx, signers));
    return out;
  }

  async simulate(
    tx: Transaction | VersionedTransaction,
    signers?: Signer[],
    _commitment?: Commitment,
    _includeAccounts?: boolean | PublicKey[],
  ): Promise<SimulationSuccess> {
    const { value } = this.svmConnection.simulate(tx, signers ?? []);
    if (value.err !== null) {
      throw new SvmTransactionError(
        "SimulationFailed",
        value.err as SvmTransactionError["transactionError"],
        value.logs ?? [],
        "",
        BigInt(value.unitsConsumed ?? 0),
      );
    }
    const { err: _err, ...rest } = value;
    return rest;
  }
}
