/**
 * The SDK's Helius priority-fee strategy (`heliusPriorityFee` of
 * `@gpunet/sdk/helius`): helius-sdk's getPriorityFeeEstimate method over the
 * SDK's JSON-RPC caller, against the localnet's Helius methods on 127.0.0.1; the
 * estimate helius-sdk's own client reads is the price the SDK signs and lands
 * with. The helius face imports helius-sdk statically and neither web3.js nor
 * Kit; the main entry and the Kit face hold no helius-sdk module.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ComputeBudgetProgram, Keypair, SystemProgram, Transaction, sendAndConfirmTransaction } from "@solana/web3.js";
import { build } from "esbuild";
import { createHelius } from "helius-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GPUNET_PROGRAM_ID } from "../../sdk/src/pdas.ts";
import { heliusPriorityFee } from "../../sdk/src/helius/index.ts";
import { resolvePriorityFee } from "../../sdk/src/priority-fee.ts";
import { sendInstructions, type SendContext } from "../../sdk/src/send.ts";
import { startSdkNet, type SdkNet } from "./localnet-fixture.ts";

let s: SdkNet;
const hot = Keypair.generate().publicKey;

beforeAll(async () => {
  s = await startSdkNet({ slotMs: 200 });
  const funder = await s.user();
  const tx = new Transaction().add(
    ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 7_777 }),
    SystemProgram.transfer({ fromPubkey: funder.publicKey, toPubkey: hot, lamports: 1_000_000 }),
  );
  await sendAndConfirmTransaction(s.connection, tx, [funder], { commitment: "confirmed" });
});
afterAll(async () => {
  await s?.close();
});

describe("Helius priority fee through helius-sdk", () => {
  it("Given a write-lock of an account at 7,777 micro-lamports, When the SDK sends to it with the Helius UnsafeMax strategy, Then it pays what helius-sdk's client estimates", async () => {
    const user = await s.user();
    const ix = SystemProgram.transfer({ fromPubkey: user.publicKey, toPubkey: hot, lamports: 1_000 });
    const helius = createHelius({ baseUrl: s.net.rpcUrl });
    const fromHeliusSdk = await helius.getPriorityFeeEstimate({
      accountKeys: [user.publicKey.toBase58(), hot.toBase58()],
      options: { priorityLevel: "UnsafeMax" },
    });
    expect(fromHeliusSdk.priorityFeeEstimate).toBe(7_777);
    const ctx: SendContext = {
      connection: s.connection,
      programId: GPUNET_PROGRAM_ID,
      commitment: "confirmed",
      priorityFee: heliusPriorityFee({ url: s.net.rpcUrl, priorityLevel: "UnsafeMax" }),
      pollIntervalMs: 40,
    };
    const r = await sendInstructions(ctx, [ix], { signers: [user] });
    expect(r.priorityFeeMicroLamports).toBe(7_777n);
    // The landed transaction carries that price: the node saw it write-lock the user's account.
    const fees = await s.connection.getRecentPrioritizationFees({ lockedWritableAccounts: [user.publicKey] });
    expect(fees.some((f) => f.prioritizationFee === 7_777)).toBe(true);
  });

  it("Given a cap below the estimate, Then the cap; Given a level the node does not know, Then the node's invalid-params code, typed", async () => {
    const capped = await resolvePriorityFee(heliusPriorityFee({ url: s.net.rpcUrl, priorityLevel: "UnsafeMax", maxMicroLamports: 5_000 }), s.connection, [hot]);
    expect(capped).toBe(5_000n);
    // heliusPriorityFee refuses an unknown level itself; a raw estimator call shows the node's answer is typed too.
    const { createJsonRpcCall } = await import("../../sdk/src/json-rpc.ts");
    const call = createJsonRpcCall({ url: s.net.rpcUrl });
    const err = await call("getPriorityFeeEstimate", [{ accountKeys: [hot.toBase58()], options: { priorityLevel: "Bogus" } }]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "Transport", context: { method: "getPriorityFeeEstimate", failure: { kind: "json-rpc", code: -32602 }, attempts: 1 } });
  });
});

async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    alias: { "@gpunet/idl": fileURLToPath(new URL("../../programs-idl/index.ts", import.meta.url)) },
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return Object.keys(result.metafile.inputs);
}

/** Kit and every package it is made of (web3.js v1 nests its own older codecs elsewhere). */
function kitParts(): string[] {
  const kitManifest = JSON.parse(readFileSync(fileURLToPath(new URL("../../node_modules/@solana/kit/package.json", import.meta.url)), "utf8")) as {
    dependencies: Record<string, string>;
  };
  return ["@solana/kit", ...Object.keys(kitManifest.dependencies)];
}

describe("the Helius face's footprint", () => {
  it("Given sdk/src/helius/index.ts bundled for the browser, Then it holds helius-sdk's Kit-free fee method and Sender constants, and no @solana/kit, @solana-program or web3.js module", async () => {
    const inputs = await inputsOf("../../sdk/src/helius/index.ts");
    const helius = inputs.filter((p) => p.includes("node_modules/helius-sdk/"));
    expect(helius.some((p) => p.endsWith("rpc/methods/getPriorityFeeEstimate.js"))).toBe(true);
    expect(helius.some((p) => p.endsWith("transactions/types.js"))).toBe(true);
    const parts = kitParts();
    expect(parts.length).toBeGreaterThan(10);
    expect(inputs.filter((p) => parts.some((k) => p.startsWith(`node_modules/${k}/`)))).toEqual([]);
    expect(inputs.filter((p) => /node_modules\/@solana-program\/|node_modules\/@solana\/web3\.js\//.test(p))).toEqual([]);
  });

  it("Given the main entry and the Kit face bundled, Then neither holds a helius-sdk module", async () => {
    for (const entry of ["../../sdk/src/index.ts", "../../sdk/src/kit/index.ts"]) {
      const inputs = await inputsOf(entry);
      expect(inputs.some((p) => p.includes("sdk/src/"))).toBe(true);
      expect(inputs.filter((p) => p.includes("helius-sdk/") || p.includes("sdk/src/helius/"))).toEqual([]);
    }
  });
});
