/**
 * The chain side of the Kit-only consumer test: a localnet with the gpunet program
 * (upgrade authority = the admin), a stake mint and funded token accounts, set up
 * with web3.js and spl-token here, in the test process, never in the Kit app.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { getOrCreateAssociatedTokenAccount, createMint, mintTo } from "@solana/spl-token";
import { Connection, Keypair, LAMPORTS_PER_SOL, type PublicKey } from "@solana/web3.js";
import { createLocalnet, gpunetProgramBytes, type Localnet } from "../../localnet/src/index.ts";
import { GPUNET_PROGRAM_ADDRESS } from "../../sdk/src/idl.ts";

export interface KitNet {
  readonly net: Localnet;
  readonly connection: Connection;
  readonly mint: PublicKey;
  readonly admin: Keypair;
  readonly provider: Keypair;
  readonly buyer: Keypair;
  /** The JSON file the Kit app reads: URLs, the mint, the three secret keys. */
  readonly setupPath: string;
}

export async function startKitNet(dir: string): Promise<KitNet> {
  const [admin, provider, buyer] = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
  const net = await createLocalnet({
    rpcPort: 0,
    wsPort: 0,
    programs: [{ programId: GPUNET_PROGRAM_ADDRESS, bytes: gpunetProgramBytes(), upgradeable: true, upgradeAuthority: admin.secretKey }],
  });
  const connection = new Connection(net.rpcUrl, { commitment: "confirmed", wsEndpoint: net.wsUrl });
  for (const k of [admin, provider, buyer]) net.airdrop(k.publicKey, 10n * BigInt(LAMPORTS_PER_SOL));
  const mint = await createMint(connection, admin, admin.publicKey, null, 6);
  for (const k of [admin, provider, buyer]) {
    const ata = await getOrCreateAssociatedTokenAccount(connection, admin, mint, k.publicKey);
    if (k !== admin) await mintTo(connection, admin, mint, ata.address, admin, 1_000_000_000n);
  }
  const setupPath = join(dir, "setup.json");
  writeFileSync(
    setupPath,
    JSON.stringify({
      rpcUrl: net.rpcUrl,
      wsUrl: net.wsUrl,
      mint: mint.toBase58(),
      admin: Array.from(admin.secretKey),
      provider: Array.from(provider.secretKey),
      buyer: Array.from(buyer.secretKey),
    }),
  );
  return { net, connection, mint, admin, provider, buyer, setupPath };
}
