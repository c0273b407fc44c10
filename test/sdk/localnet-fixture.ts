/**
 * A real localnet (LiteSVM behind HTTP JSON-RPC and WebSocket on 127.0.0.1) with
 * the compiled gpunet program at its IDL address, a stake mint, and SDK clients
 * whose wallets are keypairs behind the wallet-adapter interface.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Connection, Keypair, PublicKey, Transaction, VersionedTransaction } from "@solana/web3.js";
import type { Commitment } from "@solana/web3.js";
import { createAssociatedTokenAccountIdempotentInstruction, createMint, getAssociatedTokenAddressSync, mintTo, getAccount } from "@solana/spl-token";
import { sendAndConfirmTransaction } from "@solana/web3.js";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { GPUNET_PROGRAM_ADDRESS } from "../../sdk/src/idl.ts";
import { createGpunetClient, type GpunetClient, type GpunetClientOptions } from "../../sdk/src/client.ts";
import type { WalletAdapterLike } from "../../sdk/src/send.ts";

export const GPUNET_SO = fileURLToPath(new URL("../../target/deploy/gpunet.so", import.meta.url));

/** A keypair behind the wallet-adapter interface, counting signatures (S5: never signs twice). */
export interface CountingWallet extends WalletAdapterLike {
  readonly keypair: Keypair;
  readonly publicKey: PublicKey;
  signCount: number;
}

export function keypairWallet(kp: Keypair = Keypair.generate()): CountingWallet {
  const w: CountingWallet = {
    keypair: kp,
    publicKey: kp.publicKey,
    signCount: 0,
    async signTransaction<T extends Transaction | VersionedTransaction>(tx: T): Promise<T> {
      w.signCount++;
      if (tx instanceof VersionedTransaction) tx.sign([kp]);
      else tx.partialSign(kp);
      return tx;
    },
    async signAllTransactions<T extends Transaction | VersionedTransaction>(txs: T[]): Promise<T[]> {
      for (const t of txs) await w.signTransaction(t);
      return txs;
    },
  };
  return w;
}

export interface SdkNet {
  readonly net: Localnet;
  readonly connection: Connection;
  readonly mint: PublicKey;
  readonly mintAuthority: Keypair;
  /** The program's upgrade authority: the only key that may initialize. */
  readonly upgradeAuthority: Keypair;
  /** A funded keypair (SOL) with `tokens` of the stake mint in its ATA. */
  user(tokens?: bigint): Promise<Keypair>;
  client(wallet?: WalletAdapterLike, extra?: Partial<GpunetClientOptions>): GpunetClient;
  tokenBalance(owner: PublicKey): Promise<bigint>;
  /** Token account (ATA) of an owner, created if missing. */
  ata(owner: PublicKey): Promise<PublicKey>;
  close(): Promise<void>;
}

export async function startSdkNet(opts: { commitment?: Commitment; slotMs?: number } = {}): Promise<SdkNet> {
  const upgradeAuthority = Keypair.generate();
  const net = await createLocalnet({
    rpcPort: 0,
    wsPort: 0,
    slotMs: opts.slotMs ?? 40,
    programs: [{ programId: GPUNET_PROGRAM_ADDRESS, bytes: readFileSync(GPUNET_SO), upgradeable: true, upgradeAuthority: upgradeAuthority.secretKey }],
  });
  net.airdrop(upgradeAuthority.publicKey, 10_000_000_000n);
  const commitment = opts.commitment ?? "confirmed";
  const connection = new Connection(net.rpcUrl, { commitment, wsEndpoint: net.wsUrl });
  // web3.js reuses a blockhash for up to 30 s in sendTransaction (spl-token's helpers use it);
  // at 40 ms slots that is past the 150-slot validity. The SDK itself always fetches a fresh one.
  (connection as unknown as { _disableBlockhashCaching: boolean })._disableBlockhashCaching = true;
  const mintAuthority = Keypair.generate();
  net.airdrop(mintAuthority.publicKey, 100_000_000_000n);
  const mint = await createMint(connection, mintAuthority, mintAuthority.publicKey, null, 6);
  // Errors surface here (spl-token's getOrCreate swallows a failed create).
  const ata = async (owner: PublicKey): Promise<PublicKey> => {
    const address = getAssociatedTokenAddressSync(mint, owner, true);
    if (await connection.getAccountInfo(address)) return address;
    const tx = new Transaction().add(createAssociatedTokenAccountIdempotentInstruction(mintAuthority.publicKey, address, owner, mint));
    await sendAndConfirmTransaction(connection, tx, [mintAuthority]);
    return address;
  };
  return {
    net,
    connection,
    mint,
    mintAuthority,
    upgradeAuthority,
    async user(tokens = 0n) {
      const kp = Keypair.generate();
      net.airdrop(kp.publicKey, 10_000_000_000n);
      if (tokens > 0n) await mintTo(connection, mintAuthority, mint, await ata(kp.publicKey), mintAuthority, tokens);
      return kp;
    },
    client(wallet, extra = {}) {
      return createGpunetClient({ connection, ...(wallet ? { wallet } : {}), commitment, pollIntervalMs: 40, resendIntervalMs: 200, ...extra });
    },
    async tokenBalance(owner) {
      try {
        return (await getAccount(connection, await ata(owner))).amount;
      } catch {
        return 0n;
      }
    },
    ata,
    async close() {
      await net.close();
    },
  };
}

/** Initializes gpunet with `admin` as admin and slash authority; returns the admin's client. */
export async function initializeGpunet(
  s: SdkNet,
  overrides: {
    unbondingPeriod?: bigint;
    challengeWindow?: bigint;
    protocolFeeBps?: number;
    slashCapBps?: number;
    minStakePerGpu?: bigint;
    rewardPeriod?: bigint;
  } = {},
): Promise<{ admin: CountingWallet; adminClient: GpunetClient; treasury: PublicKey }> {
  const adminKp = s.upgradeAuthority;
  const admin = keypairWallet(adminKp);
  const adminClient = s.client(admin);
  const treasury = await s.ata(adminKp.publicKey);
  await adminClient.initialize({
    stakeMint: s.mint,
    treasury,
    minStakePerGpu: overrides.minStakePerGpu ?? 1_000n,
    unbondingPeriod: overrides.unbondingPeriod ?? 100n,
    challengeWindow: overrides.challengeWindow ?? 50n,
    protocolFeeBps: overrides.protocolFeeBps ?? 500,
    slashCapBps: overrides.slashCapBps ?? 5_000,
    rewardPeriod: overrides.rewardPeriod ?? 0n,
  });
  return { admin, adminClient, treasury };
}
