/**
 * Deploys a program into LiteSVM through the real BPF Loader Upgradeable
 * instructions (create buffer, Write chunks, DeployWithMaxDataLen), each as a
 * signed transaction, so the loader's own ELF checks run exactly as on a cluster.
 * `LiteSVM.addProgram` skips some of them (it accepts unresolved syscalls).
 */
import { address, getTransactionDecoder, lamports } from "@solana/kit";
import { Keypair, PublicKey, SystemProgram, SYSVAR_CLOCK_PUBKEY, SYSVAR_RENT_PUBKEY, Transaction, TransactionInstruction } from "@solana/web3.js";
import type { Signer, VersionedTransaction } from "@solana/web3.js";
import { FailedTransactionMetadata } from "litesvm";
import type { LiteSVM, TransactionMetadata } from "litesvm";
import { transactionErrorText, transactionErrorToJson } from "./transaction-error.ts";
import type { TransactionErrorJson } from "./transaction-error.ts";

/** The ProgramData address of a loader-v3 program: the loader's PDA of the program id. */
export function programDataAddress(programId: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([programId.toBuffer()], BPF_LOADER_UPGRADEABLE_ID)[0];
}

/** The BPF Loader Upgradeable (loader v3) program id. */
export const BPF_LOADER_UPGRADEABLE_ID = new PublicKey("BPFLoaderUpgradeab1e11111111111111111111111");

/** Steps of a deploy; a failure names the step it happened in. */
export type DeployErrorCode = "CreateBufferFailed" | "WriteFailed" | "CreateProgramAccountFailed" | "DeployFailed";

/**
 * A deploy step failed. `logs` are the VM's log lines for the failing transaction
 * (the loader's ELF verification messages end up there), `vmError` its error text.
 */
export class DeployError extends Error {
  override readonly name = "DeployError";
  readonly code: DeployErrorCode;
  readonly logs: string[];
  readonly vmError: string;
  constructor(code: DeployErrorCode, vmError: string, logs: string[]) {
    super(`${code}: ${vmError}${logs.length ? `\n  ${logs.join("\n  ")}` : ""}`);
    this.code = code;
    this.vmError = vmError;
    this.logs = logs;
  }
}

/** Result of one transaction run in LiteSVM. */
export type LiteSvmSendResult =
  | { ok: true; meta: TransactionMetadata }
  | { ok: false; error: string; rpcError: TransactionErrorJson; meta: TransactionMetadata };

/**
 * Sends an already signed web3.js v1 transaction into LiteSVM through its wire bytes.
 *
 * @example
 * ```ts
 * import { SystemProgram, Transaction } from "@solana/web3.js";
 * import type { LiteSVM } from "litesvm";
 * import { sendWeb3Transaction } from "./deploy.ts";
 * declare const svm: LiteSVM;
 * const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: owner, lamports: 1_000_000 }));
 * tx.recentBlockhash = svm.latestBlockhash(); tx.feePayer = payer.publicKey; tx.sign(payer);
 * const r = sendWeb3Transaction(svm, tx);
 * if (!r.ok) console.error(r.error, r.meta.logs());
 * ```
 */
export function sendWeb3Transaction(svm: LiteSVM, tx: Transaction | VersionedTransaction): LiteSvmSendResult {
  const wire = tx instanceof Transaction ? tx.serialize({ requireAllSignatures: true, verifySignatures: false }) : tx.serialize();
  const res = svm.sendTransaction(getTransactionDecoder().decode(wire));
  if (res instanceof FailedTransactionMetadata) {
    const rpcError = transactionErrorToJson(res.err());
    return { ok: false, error: transactionErrorText(rpcError), rpcError, meta: res.meta() };
  }
  return { ok: true, meta: res };
}

// UpgradeableLoaderState sizes (bincode): Buffer = 4 tag + 1 option + 32 authority.
const BUFFER_METADATA_SIZE = 37;
// Program = 4 tag + 32 programdata address.
const PROGRAM_ACCOUNT_SIZE = 36;
// A legacy transaction is at most 1232 bytes; 2 signatures, 4 keys, the blockhash
// and the Write header take ~330, so 880 data bytes per Write leaves headroom.
const WRITE_CHUNK = 880;

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}
function concat(...parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
}

/** Options of {@link deployProgramUpgradeable}. */
export interface DeployProgramOptions {
  /**
   * Keypair whose public key becomes the program id (it signs the program
   * account's creation, as with `solana program deploy`).
   */
  programKeypair?: Keypair;
  /**
   * Program id without its keypair (e.g. the IDL's address): the empty program
   * account the loader needs is placed into the VM directly, and the deploy
   * itself (DeployWithMaxDataLen, which creates ProgramData and verifies the
   * ELF) still goes through the loader. Exactly one of the two is required.
   */
  programId?: PublicKey;
  /**
   * "transactions" (default): fill the buffer with Write instructions, as a
   * cluster deploy does. "direct": place the filled buffer into the VM in one
   * step (tests deploy often; the loader still checks and deploys it).
   */
  writeBuffer?: "transactions" | "direct";
  /** Pays for the buffer, program and programdata accounts and the fees. */
  payer: Keypair;
  /** The program ELF (e.g. `target/deploy/gpunet.so`). */
  programBytes: Uint8Array;
  /** Upgrade authority; defaults to the payer. */
  upgradeAuthority?: Keypair;
  /** Programdata capacity in bytes; defaults to twice the program size, room for upgrades. */
  maxDataLen?: bigint;
}

/**
 * Deploys `programBytes` at `programKeypair.publicKey` with the BPF Loader Upgradeable,
 * one real transaction per step, then warps one slot so the program is callable
 * (a freshly deployed program only becomes visible in the next slot).
 *
 * @throws {DeployError} with the VM's logs when a step fails (e.g. the loader rejects the ELF).
 * @example
 * ```ts
 * import { address, lamports } from "@solana/kit";
 * import { Keypair } from "@solana/web3.js";
 * import { LiteSVM } from "litesvm";
 * import { gpunetProgramBytes } from "@gpunet/localnet";
 * import { deployProgramUpgradeable } from "./deploy.ts";
 * const svm = new LiteSVM();
 * const payer = Keypair.generate();
 * svm.airdrop(address(payer.publicKey.toBase58()), lamports(100_000_000_000n));
 * deployProgramUpgradeable(svm, { programKeypair: Keypair.generate(), payer, programBytes: gpunetProgramBytes() });
 * ```
 */
export function deployProgramUpgradeable(svm: LiteSVM, opts: DeployProgramOptions): void {
  const { programKeypair, payer, programBytes } = opts;
  const authority = opts.upgradeAuthority ?? payer;
  if ((programKeypair === undefined) === (opts.programId === undefined))
    throw new TypeError("deployProgramUpgradeable: give exactly one of programKeypair and programId");
  const programId = programKeypair ? programKeypair.publicKey : (opts.programId as PublicKey);
  // The buffer is temporary (the deploy drains it), so a throwaway key is enough.
  const buffer = Keypair.generate();
  const len = programBytes.length;
  const maxDataLen = opts.maxDataLen ?? BigInt(len) * 2n;
  const [programData] = PublicKey.findProgramAddressSync([programId.toBuffer()], BPF_LOADER_UPGRADEABLE_ID);

  const send = (code: DeployErrorCode, ixs: TransactionInstruction[], signers: Signer[]): void => {
    const tx = new Transaction();
    tx.add(...ixs);
    tx.feePayer = payer.publicKey;
    tx.recentBlockhash = svm.latestBlockhash();
    const unique = new Map<string, Signer>();
    for (const s of [payer, ...signers]) unique.set(s.publicKey.toBase58(), s);
    tx.sign(...unique.values());
    const r = sendWeb3Transaction(svm, tx);
    if (!r.ok) throw new DeployError(code, r.error, r.meta.logs());
  };

  // 1. Buffer account owned by the loader, initialised with the upgrade authority.
  const bufferSize = BUFFER_METADATA_SIZE + len;
  if (opts.writeBuffer === "direct") {
    // Buffer state (tag 1, Some(authority)) followed by the ELF, as the Writes leave it.
    const data = concat(u32(1), Uint8Array.of(1), authority.publicKey.toBytes(), programBytes);
    svm.setAccount({
      address: address(buffer.publicKey.toBase58()),
      lamports: lamports(svm.minimumBalanceForRentExemption(BigInt(bufferSize))),
      programAddress: address(BPF_LOADER_UPGRADEABLE_ID.toBase58()),
      executable: false,
      space: BigInt(bufferSize),
      data,
    });
  } else
    send(
      "CreateBufferFailed",
      [
        SystemProgram.createAccount({
          fromPubkey: payer.publicKey,
          newAccountPubkey: buffer.publicKey,
          lamports: Number(svm.minimumBalanceForRentExemption(BigInt(bufferSize))),
          space: bufferSize,
          programId: BPF_LOADER_UPGRADEABLE_ID,
        }),
        new TransactionInstruction({
          programId: BPF_LOADER_UPGRADEABLE_ID,
          keys: [
            { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
            { pubkey: authority.publicKey, isSigner: false, isWritable: false },
          ],
          data: concat(u32(0)),
        }),
      ],
      [buffer],
    );

  // 2. Write the ELF in chunks (Write = tag 1, offset u32, bytes as bincode Vec<u8>).
  for (let off = 0; opts.writeBuffer !== "direct" && off < len; off += WRITE_CHUNK) {
    const chunk = programBytes.subarray(off, Math.min(len, off + WRITE_CHUNK));
    send(
      "WriteFailed",
      [
        new TransactionInstruction({
          programId: BPF_LOADER_UPGRADEABLE_ID,
          keys: [
            { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
            { pubkey: authority.publicKey, isSigner: true, isWritable: false },
          ],
          data: concat(u32(1), u32(off), u64(BigInt(chunk.length)), chunk),
        }),
      ],
      [authority],
    );
  }

  // 3. Program account, then DeployWithMaxDataLen (tag 2) in the same transaction,
  //    as the Solana CLI does, so no half-created program is ever visible.
  const programRent = svm.minimumBalanceForRentExemption(BigInt(PROGRAM_ACCOUNT_SIZE));
  if (!programKeypair) {
    // The uninitialized program account that create_account would have made.
    svm.setAccount({
      address: address(programId.toBase58()),
      lamports: lamports(programRent),
      programAddress: address(BPF_LOADER_UPGRADEABLE_ID.toBase58()),
      executable: false,
      space: BigInt(PROGRAM_ACCOUNT_SIZE),
      data: new Uint8Array(PROGRAM_ACCOUNT_SIZE),
    });
  }
  send(
    "DeployFailed",
    [
      ...(programKeypair
        ? [
            SystemProgram.createAccount({
              fromPubkey: payer.publicKey,
              newAccountPubkey: programId,
              lamports: Number(programRent),
              space: PROGRAM_ACCOUNT_SIZE,
              programId: BPF_LOADER_UPGRADEABLE_ID,
            }),
          ]
        : []),
      new TransactionInstruction({
        programId: BPF_LOADER_UPGRADEABLE_ID,
        keys: [
          { pubkey: payer.publicKey, isSigner: true, isWritable: true },
          { pubkey: programData, isSigner: false, isWritable: true },
          { pubkey: programId, isSigner: false, isWritable: true },
          { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
          { pubkey: SYSVAR_RENT_PUBKEY, isSigner: false, isWritable: false },
          { pubkey: SYSVAR_CLOCK_PUBKEY, isSigner: false, isWritable: false },
          { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
          { pubkey: authority.publicKey, isSigner: true, isWritable: false },
        ],
        data: concat(u32(2), u64(maxDataLen)),
      }),
    ],
    programKeypair ? [programKeypair, authority] : [authority],
  );

  svm.warpToSlot(svm.getClock().slot + 1n);
}
