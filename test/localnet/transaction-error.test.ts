/**
 * The transaction error names: one list in Agave's order (the bincode tags Geyser
 * sends), litesvm's numbering derived from it. Checked against the numbers the
 * installed litesvm declares, and through real failing transactions in the VM.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction, TransactionInstruction } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { transactionErrorBincode } from "../../localnet/src/geyser/convert.ts";
import { createLocalnet } from "../../localnet/src/index.ts";
import {
  INSTRUCTION_ERROR_VARIANTS,
  LITESVM_INSTRUCTION_ERROR_FIELDLESS,
  LITESVM_TRANSACTION_ERROR_FIELDLESS,
  TRANSACTION_ERROR_VARIANTS,
} from "../../localnet/src/transaction-error.ts";

/** A `const enum` of litesvm's type declarations, as name -> number. */
function declaredEnum(name: string): Map<string, number> {
  const dts = readFileSync(join(dirname(createRequire(import.meta.url).resolve("litesvm")), "internal.d.ts"), "utf8");
  const body = new RegExp(String.raw`export declare const enum ${name} \{([^}]*)\}`).exec(dts)?.[1];
  if (!body) throw new Error(`litesvm declares no ${name}`);
  return new Map([...body.matchAll(/(\w+) = (\d+)/g)].map((m) => [m[1] as string, Number(m[2])]));
}

describe("transaction error names", () => {
  it("Given litesvm's declared fieldless enums, When compared with the derived numbering, Then every name has litesvm's number", () => {
    const tx = declaredEnum("TransactionErrorFieldless");
    const ix = declaredEnum("InstructionErrorFieldless");
    expect(LITESVM_TRANSACTION_ERROR_FIELDLESS.map((n, i) => [n, i])).toEqual([...tx.entries()]);
    expect(LITESVM_INSTRUCTION_ERROR_FIELDLESS.map((n, i) => [n, i])).toEqual([...ix.entries()]);
  });

  it("Given Agave's lists, Then each name is there once and litesvm's fieldless names are all among them", () => {
    expect(new Set(TRANSACTION_ERROR_VARIANTS).size).toBe(TRANSACTION_ERROR_VARIANTS.length);
    expect(new Set(INSTRUCTION_ERROR_VARIANTS).size).toBe(INSTRUCTION_ERROR_VARIANTS.length);
    for (const n of LITESVM_TRANSACTION_ERROR_FIELDLESS) expect(TRANSACTION_ERROR_VARIANTS).toContain(n);
    for (const n of LITESVM_INSTRUCTION_ERROR_FIELDLESS) expect(INSTRUCTION_ERROR_VARIANTS).toContain(n);
  });

  it("Given the variants where the two orders differ, Then the bincode tag is Agave's index, not litesvm's", () => {
    // ResanitizationNeeded: Agave tag 34, litesvm number 30.
    expect(transactionErrorBincode("ResanitizationNeeded")).toEqual(Uint8Array.from([34, 0, 0, 0]));
    expect(transactionErrorBincode("InvalidLoadedAccountsDataSizeLimit")).toEqual(Uint8Array.from([33, 0, 0, 0]));
    expect(LITESVM_TRANSACTION_ERROR_FIELDLESS.indexOf("ResanitizationNeeded")).toBe(30);
    // InstructionError::Custom (tag 25) and BorshIoError (tag 44 in Agave, 52 in litesvm)
    expect(transactionErrorBincode({ InstructionError: [1, "BorshIoError"] })).toEqual(Uint8Array.from([8, 0, 0, 0, 1, 44, 0, 0, 0]));
    expect(transactionErrorBincode({ InstructionError: [0, { Custom: 7 }] })).toEqual(Uint8Array.from([8, 0, 0, 0, 0, 25, 0, 0, 0, 7, 0, 0, 0]));
  });

  it("Given real failures in the VM (rent, a program that does not exist, an overdraft), When simulated over JSON-RPC, Then the cluster's names", async () => {
    const net = await createLocalnet({ rpcPort: 0 });
    try {
      const connection = new Connection(net.rpcUrl, "confirmed");
      const payer = Keypair.generate();
      net.airdrop(payer.publicKey, BigInt(LAMPORTS_PER_SOL));
      const { blockhash } = await connection.getLatestBlockhash();
      const errOf = async (ix: TransactionInstruction) => {
        const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(ix);
        tx.sign(payer);
        return (await connection.simulateTransaction(tx)).value.err;
      };
      const transfer = (lamports: number) => SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports });
      // Then: a variant with fields, a fieldless one (litesvm's number) and an instruction's custom error
      expect(await errOf(transfer(1))).toEqual({ InsufficientFundsForRent: { account_index: 1 } });
      const noProgram = new TransactionInstruction({ programId: Keypair.generate().publicKey, keys: [], data: Buffer.alloc(0) });
      expect(await errOf(noProgram)).toBe("InvalidProgramForExecution");
      expect(await errOf(transfer(10 * LAMPORTS_PER_SOL))).toEqual({ InstructionError: [0, { Custom: 1 }] });
    } finally {
      await net.close();
    }
  });
});
