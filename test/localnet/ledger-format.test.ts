/**
 * The write-ahead log's hand-written transaction record line reads back
 * exactly as the generic tagged JSON of the same record would.
 */
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { createLocalnet } from "../../localnet/src/index.ts";
import { recordJson } from "../../localnet/src/ledger.ts";

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return { $n: v.toString() };
  if (v instanceof Uint8Array) return { $b: Buffer.from(v).toString("base64") };
  return v;
}

describe("ledger record line", () => {
  it("Given landed records (an airdrop, a transfer that fails and pays its fee), When written as log lines, Then each is the generic tagged JSON of the record", async () => {
    const net = await createLocalnet({ rpcPort: 0, slotMs: 0 });
    try {
      const payer = Keypair.generate();
      net.airdrop(payer.publicKey, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
      const c = new Connection(net.rpcUrl, "processed");
      const { blockhash } = await c.getLatestBlockhash();
      const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
        SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 5 * LAMPORTS_PER_SOL }),
      );
      tx.sign(payer);
      const failed = await c.sendRawTransaction(tx.serialize(), { skipPreflight: true });
      const records = net.node.history.all();
      expect(records.length).toBe(2);
      expect(records[1]?.signature).toBe(failed);
      expect(records[1]?.meta.err).not.toBeNull();
      for (const r of records) {
        // The hand-written line lists these fields; a new one must be added there too.
        expect(Object.keys(r)).toEqual([
          "signature",
          "slot",
          "blockTime",
          "indexInSlot",
          "blockhash",
          "previousBlockhash",
          "wire",
          "version",
          "accountKeys",
          "writable",
          "unitPrice",
          "meta",
        ]);
        expect(Object.keys(r.meta)).toEqual([
          "err",
          "fee",
          "preBalances",
          "postBalances",
          "logMessages",
          "computeUnitsConsumed",
          "innerInstructions",
          "preTokenBalances",
          "postTokenBalances",
          "returnData",
          "loadedAddresses",
        ]);
        expect(recordJson(r)).toBe(JSON.stringify(r, replacer));
      }
    } finally {
      await net.close();
    }
  });
});
