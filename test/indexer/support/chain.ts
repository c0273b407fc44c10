/**
 * Two ways to run real gpunet transactions for the indexer's tests and bench:
 * in-process LiteSVM (the test harness; fast, for recording) and the localnet
 * over its real HTTP JSON-RPC (what the indexer reads from).
 */
import { readFileSync } from "node:fs";
import type anchor from "@coral-xyz/anchor";
import { AnchorProvider, Program } from "@coral-xyz/anchor";
import { Connection, Keypair, PublicKey, Transaction, type TransactionInstruction } from "@solana/web3.js";
import { createTestEnv, GPUNET_IDL_PATH, GPUNET_SO_PATH, keypairWallet, SvmTransactionError, type TestEnv } from "../../harness/index.ts";
import { createLocalnet, type Localnet } from "../../../localnet/src/index.ts";
import type { Gpunet } from "../../../programs-idl/gpunet.ts";

/** A transaction as the chain recorded it (what a source would deliver). */
export interface RecordedTx {
  readonly signature: string;
  readonly slot: bigint;
  readonly txIndex: number;
  readonly logs: readonly string[];
  readonly err: unknown;
}

/** Where a workload sends its transactions. */
export interface Chain {
  readonly programId: PublicKey;
  readonly program: Program<Gpunet>;
  readonly payer: Keypair;
  /** Sends and waits until processed; throws on failure unless `allowFailure` (then lands it with skipPreflight). */
  send(ixs: TransactionInstruction[], signers: Keypair[], opts?: { allowFailure?: boolean }): Promise<string>;
  warpSeconds(seconds: number): Promise<void>;
  airdrop(pk: PublicKey, lamports: bigint): Promise<void>;
  /** Raw account data, null when missing. */
  account(pk: PublicKey): Promise<Uint8Array | null>;
  /** Every landed transaction so far, when the chain can record them. */
  readonly recorded: RecordedTx[];
}

export const IDL = JSON.parse(readFileSync(GPUNET_IDL_PATH, "utf8")) as Gpunet;
export const PROGRAM_BYTES = readFileSync(GPUNET_SO_PATH);
export const PROGRAM_ID = new PublicKey((IDL as unknown as { address: string }).address);

/** LiteSVM in-process: records every transaction with its slot and position. */
export function harnessChain(): Chain & { env: TestEnv<Gpunet> } {
  const env = createTestEnv<Gpunet>();
  const program = env.program as Program<Gpunet>;
  const recorded: RecordedTx[] = [];
  let slot = -1n;
  let index = 0;
  return {
    env,
    programId: env.programId,
    program,
    payer: env.payer,
    recorded,
    async send(ixs, signers, opts = {}) {
      try {
        const r = env.send(ixs, [env.payer, ...signers]);
        const s = env.now().slot;
        if (s !== slot) {
          slot = s;
          index = 0;
        }
        recorded.push({ signature: r.signature, slot: s, txIndex: index++, logs: r.logs, err: null });
        return r.signature;
      } catch (e) {
        if (opts.allowFailure && e instanceof SvmTransactionError) {
          const s = env.now().slot;
          if (s !== slot) {
            slot = s;
            index = 0;
          }
          recorded.push({ signature: e.signature ?? "", slot: s, txIndex: index++, logs: e.logs ?? [], err: e.transactionError ?? "failed" });
          return e.signature ?? "";
        }
        throw e;
      }
    },
    async warpSeconds(seconds) {
      env.warpSeconds(seconds);
    },
    async airdrop(pk, lamports) {
      env.airdrop(pk, lamports);
    },
    async account(pk) {
      const a = env.getAccount(pk);
      return a ? new Uint8Array(a.data) : null;
    },
  };
}

/** The localnet over HTTP JSON-RPC. */
export async function localnetChain(
  opts: { slotMs?: number; finalizedDepth?: number; grpc?: { readonly replaySlots?: number; readonly token?: string } } = {},
): Promise<Chain & { net: Localnet; connection: Connection }> {
  // The payer is the program's upgrade authority, so the workload can initialize.
  const payer = Keypair.generate();
  const net = await createLocalnet({
    rpcPort: 0,
    wsPort: 0,
    slotMs: opts.slotMs ?? 0,
    finalizedDepth: opts.finalizedDepth ?? 32,
    ...(opts.grpc
      ? {
          grpcPort: 0,
          ...(opts.grpc.replaySlots !== undefined ? { grpcReplaySlots: opts.grpc.replaySlots } : {}),
          ...(opts.grpc.token !== undefined ? { grpcToken: opts.grpc.token } : {}),
        }
      : {}),
    programs: [{ programId: PROGRAM_ID.toBase58(), bytes: PROGRAM_BYTES, upgradeable: true, upgradeAuthority: payer.secretKey }],
  });
  const connection = new Connection(net.rpcUrl, { commitment: "confirmed", wsEndpoint: net.wsUrl });
  net.airdrop(payer.publicKey.toBase58(), 1_000_000_000_000n);
  const provider = new AnchorProvider(connection, keypairWallet(payer) as unknown as anchor.Wallet, { commitment: "confirmed" });
  const program = new Program<Gpunet>(IDL, provider);
  return {
    net,
    connection,
    programId: PROGRAM_ID,
    program,
    payer,
    recorded: [],
    async send(ixs, signers, o = {}) {
      // A busy process can let the slot clock jump past a blockhash: fetch a fresh one and retry.
      for (let attempt = 0; ; attempt++) {
        const tx = new Transaction().add(...ixs);
        tx.feePayer = payer.publicKey;
        tx.recentBlockhash = (await connection.getLatestBlockhash("processed")).blockhash;
        const all = new Map<string, Keypair>();
        for (const s of [payer, ...signers]) all.set(s.publicKey.toBase58(), s);
        tx.sign(...all.values());
        try {
          return await connection.sendRawTransaction(tx.serialize(), { skipPreflight: o.allowFailure === true, preflightCommitment: "processed" });
        } catch (e) {
          if (attempt < 3 && String(e).includes("Blockhash not found")) continue;
          throw e;
        }
      }
    },
    async warpSeconds(seconds) {
      net.advanceClock(seconds);
    },
    async airdrop(pk, lamports) {
      net.airdrop(pk.toBase58(), lamports);
    },
    async account(pk) {
      const a = await connection.getAccountInfo(pk, "processed");
      return a ? new Uint8Array(a.data) : null;
    },
  };
}
