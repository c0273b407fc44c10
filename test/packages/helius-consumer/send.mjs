/**
 * An app on the installed packages: initializes gpunet on the given localnet, then
 * registers and stakes a provider through Helius Sender (the localnet's /fast),
 * priced by Helius' estimate, with plain node.
 *
 *   node send.mjs setup.json
 */
import { readFileSync } from "node:fs";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { associatedTokenAddress, createGpunetClient, GPU_MODEL, REGION } from "@gpunet/sdk";
import { heliusPriorityFee, heliusSender, SENDER_TIP_ACCOUNTS } from "@gpunet/sdk/helius";

const setup = JSON.parse(readFileSync(process.argv[2], "utf8"));
const key = (k) => Keypair.fromSecretKey(Uint8Array.from(setup[k]));
const [admin, provider] = [key("admin"), key("provider")];
const mint = new PublicKey(setup.mint);
const connection = new Connection(setup.rpcUrl, "confirmed");
const plain = createGpunetClient({ connection });
await plain.initialize(
  {
    stakeMint: mint,
    treasury: associatedTokenAddress(mint, admin.publicKey),
    minStakePerGpu: 100_000_000n,
    unbondingPeriod: 3_600,
    challengeWindow: 600,
    protocolFeeBps: 500,
    slashCapBps: 1_000,
    rewardPeriod: 600,
  },
  { signers: [admin] },
);
const tipAccount = SENDER_TIP_ACCOUNTS[0];
const send = heliusSender({
  url: new URL("/fast", setup.rpcUrl).toString(),
  tipAccount,
  priorityFee: heliusPriorityFee({ url: setup.rpcUrl, recommended: true }),
});
const gpunet = createGpunetClient({ connection, send });
await gpunet.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 2, vramGb: 80, region: REGION.unspecified }, { signers: [provider] });
const staked = await gpunet.stake({ amount: 250_000_000n }, { signers: [provider] });
console.log(
  JSON.stringify({ signature: staked.signature, events: staked.events.map((e) => e.name), price: String(staked.priorityFeeMicroLamports), tipAccount }),
);
