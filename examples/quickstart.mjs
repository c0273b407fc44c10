/**
 * gpunet quickstart: a local network, a GPU provider that stakes, a buyer
 * whose job is paid from escrow, and rewards claimed with exact bigint math.
 *
 *   npm install @gpunet/sdk @gpunet/localnet @solana/web3.js @solana/spl-token
 *   node quickstart.mjs
 *
 * Plain JavaScript (ESM), so Node runs it as is. It starts its own localnet on
 * free ports; point the Connection at any cluster where gpunet is deployed to
 * do the same there.
 */
import { Connection, Keypair, LAMPORTS_PER_SOL } from "@solana/web3.js";
import { createMint, getOrCreateAssociatedTokenAccount, mintTo } from "@solana/spl-token";
import { createLocalnet, gpunetProgramBytes } from "@gpunet/localnet";
import { createGpunetClient, GPUNET_PROGRAM_ADDRESS, GPU_MODEL, REGION } from "@gpunet/sdk";

// 1. A local Solana node with the gpunet program (the real VM, JSON-RPC on 127.0.0.1),
//    deployed through the BPF Loader Upgradeable: only its upgrade authority may initialize.
const [admin, provider, buyer] = [Keypair.generate(), Keypair.generate(), Keypair.generate()];
const localnet = await createLocalnet({
  rpcPort: 0,
  programs: [{ programId: GPUNET_PROGRAM_ADDRESS, bytes: gpunetProgramBytes(), upgradeable: true, upgradeAuthority: admin.secretKey }],
});
const connection = new Connection(localnet.rpcUrl, "confirmed");
const gpunet = createGpunetClient({ connection });

// 2. Wallets and the stake token (6 decimals).
for (const k of [admin, provider, buyer]) localnet.airdrop(k.publicKey, 10n * BigInt(LAMPORTS_PER_SOL));
const mint = await createMint(connection, admin, admin.publicKey, null, 6);
const treasury = await getOrCreateAssociatedTokenAccount(connection, admin, mint, admin.publicKey);
for (const k of [provider, buyer]) {
  const ata = await getOrCreateAssociatedTokenAccount(connection, admin, mint, k.publicKey);
  await mintTo(connection, admin, mint, ata.address, admin, 1_000_000_000n);
}

// 3. Initialize the protocol: 100 tokens of stake per GPU, 5% fee on jobs, rewards
//    released to stakers over 10 minutes (stake must stay to earn them).
await gpunet.initialize(
  {
    stakeMint: mint,
    treasury: treasury.address,
    minStakePerGpu: 100_000_000n,
    unbondingPeriod: 3_600,
    challengeWindow: 600,
    protocolFeeBps: 500,
    slashCapBps: 1_000,
    rewardPeriod: 600,
  },
  { signers: [admin] },
);

// 4. A provider registers 2 GPUs and stakes 250 tokens.
await gpunet.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 2, vramGb: 80, region: REGION.unspecified }, { signers: [provider] });
const staked = await gpunet.stake({ amount: 250_000_000n }, { signers: [provider] });
console.log(
  "staked:",
  staked.events.map((e) => e.name),
  "signature",
  staked.signature,
);

// 5. A buyer posts a job (price in escrow); the provider accepts and delivers; the buyer approves.
const job = { buyer: buyer.publicKey, jobId: 1n };
await gpunet.createJob({ jobId: 1n, price: 40_000_000n, maxDuration: 3_600, minGpus: 2 }, { signers: [buyer] });
await gpunet.acceptJob({ job }, { signers: [provider] });
await gpunet.submitResult({ job, resultHash: new Uint8Array(32).fill(7) }, { signers: [provider] });
const done = await gpunet.completeJob({ job }, { signers: [buyer] });
for (const e of done.events) console.log(e.name, e.data);

// 6. The 5% fee went to stakers, released over the next 10 minutes (the localnet's clock
//    jumps ahead): what can the provider claim? Exactly what the program will pay.
localnet.advanceClock(600);
const owed = await gpunet.claimable({ owner: provider.publicKey });
const claim = await gpunet.claimRewards({}, { signers: [provider] });
const paid = claim.events.find((e) => e.name === "rewardsClaimed");
console.log(`claimable ${owed}, paid ${paid?.name === "rewardsClaimed" ? paid.data.amount : "?"}`);

await localnet.close();
