/**
 * A Kit-only app (no @solana/web3.js installed): it builds every gpunet instruction
 * with @gpunet/sdk/kit, and signs, sends and confirms with Kit's own pipeline.
 *
 *   node flow.mjs setup.json    setup: { rpcUrl, wsUrl, mint, admin, provider, buyer } (secret keys as byte arrays)
 *
 * Prints one JSON line: what it staked, the job's final state, and what it claimed.
 */
import { readFileSync } from "node:fs";
import {
  address,
  appendTransactionMessageInstructions,
  createKeyPairSignerFromBytes,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  fetchEncodedAccount,
  getSignatureFromTransaction,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from "@solana/kit";
import {
  decodeJobAccount,
  decodeProviderAccount,
  findAssociatedTokenAddress,
  findEscrowPda,
  findJobPda,
  findProgramDataAddress,
  findProviderPda,
  getAcceptJobInstructionAsync,
  getClaimRewardsInstructionAsync,
  getCompleteJobInstructionAsync,
  getCreateJobInstructionAsync,
  getInitializeInstructionAsync,
  getRegisterProviderInstructionAsync,
  getStakeInstructionAsync,
  getSubmitResultInstructionAsync,
  GPU_MODEL,
  jobStateName,
  parseGpunetInstruction,
  REGION,
} from "@gpunet/sdk/kit";

const setup = JSON.parse(readFileSync(process.argv[2], "utf8"));
const rpc = createSolanaRpc(setup.rpcUrl);
const rpcSubscriptions = createSolanaRpcSubscriptions(setup.wsUrl);
const sendAndConfirm = sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions });
const [admin, provider, buyer] = await Promise.all([setup.admin, setup.provider, setup.buyer].map((k) => createKeyPairSignerFromBytes(Uint8Array.from(k))));
const stakeMint = address(setup.mint);

async function send(payer, ...instructions) {
  const { value: blockhash } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  );
  const signed = await signTransactionMessageWithSigners(message);
  await sendAndConfirm(signed, { commitment: "confirmed" });
  return getSignatureFromTransaction(signed);
}
const balance = async (a) => BigInt((await rpc.getTokenAccountBalance(a, { commitment: "confirmed" }).send()).value.amount);

const [treasury] = await findAssociatedTokenAddress({ owner: admin.address, mint: stakeMint });
const [providerToken] = await findAssociatedTokenAddress({ owner: provider.address, mint: stakeMint });
const [buyerToken] = await findAssociatedTokenAddress({ owner: buyer.address, mint: stakeMint });
const [programData] = await findProgramDataAddress();

// The protocol: 100 tokens of stake per GPU, 5% fee, fees released to stakers at once.
await send(
  admin,
  await getInitializeInstructionAsync({
    admin,
    stakeMint,
    treasury,
    programData,
    minStakePerGpu: 100_000_000n,
    unbondingPeriod: 3_600n,
    challengeWindow: 600n,
    slashAuthority: admin.address,
    protocolFeeBps: 500,
    slashCapBps: 1_000,
    allowFreezeAuthority: false,
    rewardPeriod: 0n,
  }),
);

// A provider registers 2 H100s in Europe and stakes 250 tokens.
const register = await getRegisterProviderInstructionAsync({
  owner: provider,
  stakeMint,
  gpuModel: GPU_MODEL.h100,
  gpuCount: 2,
  vramGb: 80,
  region: REGION.europe,
  metadataHash: new Uint8Array(32),
});
if (parseGpunetInstruction(register).name !== "registerProvider") throw new Error("the instruction does not parse back");
await send(provider, register);
await send(provider, await getStakeInstructionAsync({ owner: provider, ownerToken: providerToken, amount: "250000000" }));
const [providerPda] = await findProviderPda(provider.address);
const staked = decodeProviderAccount((await fetchEncodedAccount(rpc, providerPda, { commitment: "confirmed" })).data).activeStake;

// A buyer posts a job; the provider accepts and delivers; the buyer approves.
await send(
  buyer,
  await getCreateJobInstructionAsync({
    buyer,
    buyerToken,
    stakeMint,
    jobId: 1n,
    price: 40_000_000n,
    maxDuration: 3_600n,
    minGpus: 2,
    gpuModel: GPU_MODEL.h100,
    minVramGb: 0,
    specHash: new Uint8Array(32).fill(3),
  }),
);
const [job] = await findJobPda(buyer.address, 1n);
await send(provider, await getAcceptJobInstructionAsync({ owner: provider, job }));
await send(provider, await getSubmitResultInstructionAsync({ owner: provider, job, resultHash: new Uint8Array(32).fill(7) }));
const [escrow] = await findEscrowPda(job);
await send(buyer, await getCompleteJobInstructionAsync({ authority: buyer, job, escrow, provider: providerPda, providerToken }));
const done = decodeJobAccount((await fetchEncodedAccount(rpc, job, { commitment: "confirmed" })).data);

// The fee went to the only staker: the provider claims it.
const before = await balance(providerToken);
await send(provider, await getClaimRewardsInstructionAsync({ owner: provider, ownerToken: providerToken }));
const claimed = (await balance(providerToken)) - before;

console.log(JSON.stringify({ staked: String(staked), state: jobStateName(done.state), fee: String(done.fee), claimed: String(claimed) }));
process.exit(0);
