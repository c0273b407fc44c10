/** Recorded real program transactions (LiteSVM) as indexer updates. */
import type { Finality, TransactionUpdate } from "../../../indexer/src/index.ts";
import { harnessChain, type RecordedTx } from "./chain.ts";
import { Workload } from "./workload.ts";

/** The update a source would deliver for a recorded transaction. */
export function toUpdate(r: RecordedTx, finality: Finality = "finalized", source: TransactionUpdate["source"] = "replay"): TransactionUpdate {
  return { signature: r.signature, slot: r.slot, txIndex: r.txIndex, blockTime: null, err: r.err, logs: r.logs, finality, source };
}

/** Runs setup + every path + `randomOps` random operations in LiteSVM and returns the chain and its transactions. */
export async function recordWorkload(
  randomOps = 120,
  seed = 3,
  providers = 4,
): Promise<{ chain: ReturnType<typeof harnessChain>; workload: Workload; txs: RecordedTx[] }> {
  const chain = harnessChain();
  const workload = new Workload(chain);
  await workload.setup(providers, 3);
  await workload.everyPath();
  await workload.random(randomOps, seed);
  // Only transactions that mention the program matter to the indexer.
  const pid = chain.programId.toBase58();
  const txs = chain.recorded.filter((t) => t.logs.some((l) => l.startsWith(`Program ${pid} invoke`)));
  return { chain, workload, txs };
}
