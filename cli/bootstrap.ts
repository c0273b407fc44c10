/**
 * Brings a fresh cluster (the localnet, or any cluster where the program is
 * deployed and not yet initialized) to a usable gpunet network: an admin
 * wallet, the stake mint, the treasury, and `initialize`.
 */
import { Connection, Keypair, LAMPORTS_PER_SOL, type PublicKey } from "@solana/web3.js";
import { createMint, getOrCreateAssociatedTokenAccount, mintTo } from "@solana/spl-token";
import { createGpunetClient, createRetryingFetch, type GpunetClient } from "@gpunet/sdk";

/** A running gpunet network's handles, as the demo and the CLI use them. */
export interface GpunetNetwork {
  readonly connection: Connection;
  readonly rpcUrl: string;
  readonly admin: Keypair;
  readonly stakeMint: PublicKey;
  readonly treasury: PublicKey;
  /** SDK client acting as the admin. */
  readonly client: GpunetClient;
  /** Token decimals of the stake mint. */
  readonly decimals: number;
}

/** Parameters of `initialize` used by `npm start` (short windows so a demo shows every path). */
export interface BootstrapOptions {
  /** Seconds over which fundings and fees are released to stakers (default 300). */
  readonly rewardPeriod?: bigint;
  /** The admin; it must be the program's upgrade authority. Default a new key (right for a program deployed with it). */
  readonly admin?: Keypair;
  readonly rpcUrl: string;
  readonly wsUrl?: string;
  readonly minStakePerGpu?: bigint;
  readonly unbondingPeriod?: bigint;
  readonly challengeWindow?: bigint;
  readonly protocolFeeBps?: number;
  readonly slashCapBps?: number;
  readonly decimals?: number;
}

/** Asks the node for SOL (requestAirdrop) and waits for it. */
export async function airdrop(connection: Connection, to: PublicKey, sol: number): Promise<void> {
  const sig = await connection.requestAirdrop(to, sol * LAMPORTS_PER_SOL);
  const bh = await connection.getLatestBlockhash("confirmed");
  await connection.confirmTransaction({ signature: sig, ...bh }, "confirmed");
}

/**
 * Creates the admin, the stake mint and the treasury, and initializes gpunet.
 *
 * @example
 * ```ts
 * const net = await bootstrapNetwork({ rpcUrl: "http://127.0.0.1:8899" });
 * ```
 */
export async function bootstrapNetwork(o: BootstrapOptions): Promise<GpunetNetwork> {
  const connection = new Connection(o.rpcUrl, {
    commitment: "confirmed",
    fetch: createRetryingFetch(),
    ...(o.wsUrl ? { wsEndpoint: o.wsUrl } : {}),
  });
  // The admin must be the program's upgrade authority (only it may initialize).
  const admin = o.admin ?? Keypair.generate();
  await airdrop(connection, admin.publicKey, 1_000);
  const decimals = o.decimals ?? 6;
  const stakeMint = await createMint(connection, admin, admin.publicKey, null, decimals);
  const treasury = (await getOrCreateAssociatedTokenAccount(connection, admin, stakeMint, admin.publicKey)).address;
  const client = createGpunetClient({ connection, commitment: "confirmed" });
  await client.initialize(
    {
      admin: admin.publicKey,
      stakeMint,
      treasury,
      minStakePerGpu: o.minStakePerGpu ?? 100n * 10n ** BigInt(decimals),
      unbondingPeriod: o.unbondingPeriod ?? 3_600n,
      // A short release period so that the demo's stakers see rewards within minutes.
      rewardPeriod: o.rewardPeriod ?? 300n,
      challengeWindow: o.challengeWindow ?? 600n,
      protocolFeeBps: o.protocolFeeBps ?? 500,
      slashCapBps: o.slashCapBps ?? 1_000,
    },
    { signers: [admin] },
  );
  return { connection, rpcUrl: o.rpcUrl, admin, stakeMint, treasury, client, decimals };
}

/** Mints `amount` base units of the stake mint to `owner`'s associated token account. */
export async function mintStake(net: GpunetNetwork, owner: PublicKey, amount: bigint): Promise<PublicKey> {
  const ata = await getOrCreateAssociatedTokenAccount(net.connection, net.admin, net.stakeMint, owner);
  await mintTo(net.connection, net.admin, net.stakeMint, ata.address, net.admin, amount);
  return ata.address;
}
