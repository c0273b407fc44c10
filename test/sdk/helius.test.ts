/**
 * The SDK's Helius priority-fee strategy: helius-sdk's getPriorityFeeEstimate
 * method over the SDK's JSON-RPC caller, against the localnet's Helius methods
 * on 127.0.0.1; the estimate helius-sdk's own client reads is the price the SDK
 * signs and lands with. The strategy's bundle holds helius-sdk's Kit-free method
 * and no @solana/kit at all.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ComputeBudgetProgram, Keypair, SystemProgram, Transaction, sendAndConfirmTransaction } from "@solana/web3.js";
import { build } from "esbuild";
import { createHelius } from "helius-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GPUNET_PROGRAM_ID } from "../../sdk/src/pdas.ts";
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
      priorityFee: { kind: "helius", url: s.net.rpcUrl, priorityLevel: "UnsafeMax" },
      pollIntervalMs: 40,
    };
    const r = await sendInstructions(ctx, [ix], { signers: [user] });
    expect(r.priorityFeeMicroLamports).toBe(7_777n);
    // The landed transaction carries that price: the node saw it write-lock the user's account.
    const fees = await s.connection.getRecentPrioritizationFees({ lockedWritableAccounts: [user.publicKey] });
    expect(fees.some((f) => f.prioritizationFee === 7_777)).toBe(true);
  });

  it("Given a cap below the estimate, Then the cap; Given an unknown level, Then the node's invalid-params code, typed", async () => {
    const capped = await resolvePriorityFee({ kind: "helius", url: s.net.rpcUrl, priorityLevel: "UnsafeMax", maxMicroLamports: 5_000 }, s.connection, [hot]);
    expect(capped).toBe(5_000n);
    const err = await resolvePriorityFee({ kind: "helius", url: s.net.rpcUrl, priorityLevel: "Bogus" as "Min" }, s.connection, [hot]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "Transport", context: { method: "getPriorityFeeEstimate", failure: { kind: "json-rpc", code: -32602 }, attempts: 1 } });
  });
});

describe("the Helius strategy's footprint", () => {
  it("Given sdk/src/priority-fee.ts bundled for the browser, Then it builds without helius-sdk (imported at run time, an optional peer) and holds no helius-sdk nor @solana/kit module", async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL("../../sdk/src/priority-fee.ts", import.meta.url))],
      alias: { "@gpunet/idl": fileURLToPath(new URL("../../programs-idl/index.ts", import.meta.url)) },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.endsWith("sdk/src/priority-fee.ts"))).toBe(true);
    expect(inputs.filter((p) => p.includes("node_modules/helius-sdk/"))).toEqual([]);
    // Kit and every package it is made of (web3.js v1 nests its own older codecs elsewhere).
    const kitManifest = JSON.parse(readFileSync(fileURLToPath(new URL("../../node_modules/@solana/kit/package.json", import.meta.url)), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const kitParts = ["@solana/kit", ...Object.keys(kitManifest.dependencies)];
    expect(kitParts.length).toBeGreaterThan(10);
    expect(inputs.filter((p) => kitParts.some((k) => p.startsWith(`node_modules/${k}/`)))).toEqual([]);
    expect(inputs.filter((p) => /node_modules\/@solana-program\//.test(p))).toEqual([]);
  });
});
