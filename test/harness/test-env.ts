/**
 * The test environment every suite uses: a fresh LiteSVM with the gpunet program
 * loaded, a funded payer, an Anchor provider and Program, and helpers to send
 * transactions and move time.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Program } from "@coral-xyz/anchor";
import type { Idl } from "@coral-xyz/anchor";
import { address, lamports } from "@solana/kit";
import { Keypair, PublicKey, Transaction } from "@solana/web3.js";
import type { AccountInfo, Signer, TransactionInstruction, VersionedTransaction } from "@solana/web3.js";
import { Clock, LiteSVM } from "litesvm";
import { deployProgramUpgradeable } from "../../localnet/src/deploy.ts";
import { airdropResult, LiteSvmConnection } from "./litesvm-connection.ts";
import type { SendResult } from "./litesvm-connection.ts";
import { LiteSvmProvider } from "./litesvm-provider.ts";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
/** The committed program binary. */
export const GPUNET_SO_PATH = resolve(ROOT, "target/deploy/gpunet.so");
/** The program's IDL. */
export const GPUNET_IDL_PATH = resolve(ROOT, "programs-idl/gpunet.json");

/** How the program gets into the VM. */
export type DeployMode = "addProgram" | "upgradeable";

/** Options of {@link createTestEnv}; every field has a default. */
export interface TestEnvOptions<T extends Idl = Idl> {
  /** IDL for `program`; default `programs-idl/gpunet.json` when it exists. `null`: no Anchor Program. */
  idl?: T | null;
  /** Program bytes or a path; default `target/deploy/gpunet.so` when it exists. `null`: load no program. */
  program?: Uint8Array | string | null;
  /**
   * "upgradeable" (default): deploy through the BPF Loader Upgradeable (the
   * loader's full ELF checks run, and the program has a ProgramData account
   * naming `upgradeAuthority`, which gpunet's `initialize` requires).
   * "addProgram": LiteSVM's direct load, with no ProgramData (so gpunet cannot
   * be initialized; for tests of that refusal and of other programs).
   */
  deploy?: DeployMode;
  /** Program address; default the IDL's `address`, else a fresh key. */
  programId?: PublicKey;
  /** Upgrade authority of an "upgradeable" deploy; default the payer. */
  upgradeAuthority?: Keypair;
  /** Payer's starting balance; default 1,000 SOL. */
  payerLamports?: bigint;
  /** Bring your own VM (e.g. with a custom FeatureSet). Default `new LiteSVM()`. */
  svm?: LiteSVM;
}

/** What {@link createTestEnv} returns. */
export interface TestEnv<T extends Idl = Idl> {
  svm: LiteSVM;
  /** The Connection-shaped view of the VM (implements the subset Anchor/spl-token use). */
  connection: LiteSvmConnection;
  /** `connection` typed as web3.js `Connection`, to hand to libraries (spl-token, sdk). */
  connectionLike: import("@solana/web3.js").Connection;
  provider: LiteSvmProvider;
  payer: Keypair;
  programId: PublicKey;
  /** The upgrade authority recorded in ProgramData ("upgradeable" deploys; else the payer, unused). */
  upgradeAuthority: Keypair;
  /** Anchor Program over the IDL, at `programId`; undefined when no IDL was available. */
  program: Program<T> | undefined;
  /**
   * Credits lamports (creates the account if needed).
   * @throws {SvmTransactionError} e.g. InsufficientFundsForRent when a new account would stay below rent exemption.
   */
  airdrop(pk: PublicKey, lamports: bigint): void;
  /** A new keypair holding `lamports` (default 10 SOL). */
  fundedKeypair(lamports?: bigint): Keypair;
  /**
   * Sends a transaction (or a list of instructions) signed by the payer plus `signers`.
   * @throws {SvmTransactionError} with `.logs` and `.transactionError` if it fails.
   */
  send(tx: Transaction | VersionedTransaction | TransactionInstruction[], signers?: Signer[]): SendResult;
  /** Reads an account (null when it does not exist). */
  getAccount(pk: PublicKey): AccountInfo<Buffer> | null;
  /** Current slot and unix time from the Clock sysvar. */
  now(): { slot: bigint; unixTimestamp: bigint };
  /** Advances the clock by `seconds` (and the slot by seconds * 2.5, 400 ms slots). */
  warpSeconds(seconds: bigint | number): void;
  /** Advances the slot by `slots` (and unix time by slots * 0.4 s, rounded down). */
  warpSlots(slots: bigint | number): void;
}

function readProgram(p: Uint8Array | string): Uint8Array {
  return typeof p === "string" ? readFileSync(p) : p;
}

/**
 * Creates a fresh in-process chain with the program deployed.
 *
 * @example
 * ```ts
 * const env = createTestEnv();                          // gpunet.so at the IDL address
 * await env.program!.methods.initialize(...).accounts({...}).rpc();
 * const cfg = await env.program!.account.config.fetch(configPda);
 * env.warpSeconds(3600);
 * ```
 */
export function createTestEnv<T extends Idl = Idl>(opts: TestEnvOptions<T> = {}): TestEnv<T> {
  const svm = opts.svm ?? new LiteSVM();
  const payer = Keypair.generate();
  const airdrop = (pk: PublicKey, amount: bigint): void => {
    airdropResult(svm.airdrop(address(pk.toBase58()), lamports(amount)), pk);
  };
  airdrop(payer.publicKey, opts.payerLamports ?? 1_000_000_000_000n);

  let idl: T | undefined;
  if (opts.idl !== null) {
    if (opts.idl) idl = opts.idl;
    else if (existsSync(GPUNET_IDL_PATH)) idl = JSON.parse(readFileSync(GPUNET_IDL_PATH, "utf8")) as T;
  }
  let programBytes: Uint8Array | undefined;
  if (opts.program !== null) {
    if (opts.program !== undefined) programBytes = readProgram(opts.program);
    else if (existsSync(GPUNET_SO_PATH)) programBytes = readFileSync(GPUNET_SO_PATH);
  }

  const programId = opts.programId ?? (idl ? new PublicKey(idl.address) : Keypair.generate().publicKey);
  const upgradeAuthority = opts.upgradeAuthority ?? payer;
  if ((opts.deploy ?? "upgradeable") === "upgradeable") {
    if (programBytes) {
      if (!upgradeAuthority.publicKey.equals(payer.publicKey)) airdrop(upgradeAuthority.publicKey, 1_000_000_000n);
      deployProgramUpgradeable(svm, { programId, payer, upgradeAuthority, programBytes, writeBuffer: "direct" });
    }
  } else if (programBytes) {
    svm.addProgram(address(programId.toBase58()), programBytes);
  }

  const connection = new LiteSvmConnection(svm, { payer });
  const provider = new LiteSvmProvider(connection, payer);
  const program = idl ? new Program<T>({ ...idl, address: programId.toBase58() }, provider) : undefined;

  const clockNow = (): Clock => svm.getClock();
  const setTime = (slots: bigint, seconds: bigint): void => {
    const c = clockNow();
    const slot = c.slot + slots;
    svm.warpToSlot(slot);
    const after = svm.getClock();
    svm.setClock(new Clock(slot, after.epochStartTimestamp, after.epoch, after.leaderScheduleEpoch, c.unixTimestamp + seconds));
  };

  return {
    svm,
    connection,
    connectionLike: connection.asConnection(),
    provider,
    payer,
    programId,
    upgradeAuthority,
    program,
    airdrop,
    fundedKeypair(amount = 10_000_000_000n) {
      const kp = Keypair.generate();
      airdrop(kp.publicKey, amount);
      return kp;
    },
    send(tx, signers = []) {
      const t = Array.isArray(tx) ? new Transaction().add(...tx) : tx;
      return connection.execute(t, signers);
    },
    getAccount(pk) {
      const a = svm.getAccount(address(pk.toBase58()));
      if (!a.exists) return null;
      return {
        data: Buffer.from(a.data),
        executable: a.executable,
        lamports: Number(a.lamports),
        owner: new PublicKey(a.programAddress),
        rentEpoch: Number.MAX_SAFE_INTEGER,
      };
    },
    now() {
      const c = clockNow();
      return { slot: c.slot, unixTimestamp: c.unixTimestamp };
    },
    warpSeconds(seconds) {
      const s = BigInt(seconds);
      setTime((s * 5n) / 2n > 0n ? (s * 5n) / 2n : 1n, s);
    },
    warpSlots(slots) {
      const n = BigInt(slots);
      setTime(n, (n * 2n) / 5n);
    },
  };
}
