// A TypeScript app's use of the installed packages, type-checked with tsc --strict.
import { Connection, type Keypair } from "@solana/web3.js";
import {
  type GpunetError,
  createGpunetClient,
  decodeProvider,
  findProviderPda,
  getStakeInstruction,
  isGpunetError,
  type GpunetAccount,
  type GpunetEvent,
  type Provider,
} from "@gpunet/sdk";
import { gpunetIdlJson, type Gpunet } from "@gpunet/idl";
import { createLocalnet, type Localnet } from "@gpunet/localnet";
import { createIndexer } from "@gpunet/indexer";

export async function consumer(net: Localnet, owner: Keypair): Promise<bigint> {
  const gpunet = createGpunetClient({ connection: new Connection(net.rpcUrl, "confirmed") });
  // A u64 is a bigint, never a number.
  const account: GpunetAccount<Provider> | null = await gpunet.fetchMaybeProvider({ owner: owner.publicKey });
  const stake: bigint = account?.data.activeStake ?? 0n;
  // @ts-expect-error a u64 field is not a number
  const wrong: number = account?.data.activeStake ?? 0;
  void wrong;

  // A wrong instruction argument is a compile error.
  // @ts-expect-error `amount` is required, `amonut` does not exist
  getStakeInstruction({ owner: owner.publicKey, amonut: 1n });
  getStakeInstruction({ owner: owner.publicKey, amount: 1n, stakeMint: owner.publicKey });

  try {
    await gpunet.stake({ amount: 1n }, { signers: [owner] });
  } catch (e) {
    // isGpunetError narrows to GpunetError with the named code.
    if (isGpunetError(e, "InsufficientStake")) {
      const code: "InsufficientStake" = e.code;
      const err: GpunetError = e;
      void code;
      void err;
    }
  }
  const events: GpunetEvent[] = [];
  for (const e of events)
    if (e.name === "staked") {
      const amount: bigint = e.data.amount;
      void amount;
    }
  const [pda] = findProviderPda(owner.publicKey);
  void pda;
  void decodeProvider;
  const idlName: "gpunet" = gpunetIdlJson.metadata.name;
  void idlName;
  const anchorIdl: Gpunet["address"] = gpunetIdlJson.address;
  void anchorIdl;
  void createLocalnet;
  void createIndexer;
  return stake;
}
