/** The example bot, run as a process (tsx) against a real localnet with the real program. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Keypair } from "@solana/web3.js";
import { initializeGpunet, keypairWallet, startSdkNet, type SdkNet } from "./localnet-fixture.ts";
import { GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";

const run = promisify(execFile);
let s: SdkNet;
let dir: string;
let owners: Keypair[];

beforeAll(async () => {
  s = await startSdkNet();
  await initializeGpunet(s);
  owners = [];
  dir = mkdtempSync(join(tmpdir(), "gpunet-claim-bot-"));
  for (let i = 0; i < 3; i++) {
    const kp = await s.user(100_000n);
    const c = s.client(keypairWallet(kp));
    await c.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 8, region: REGION.unspecified });
    await c.stake({ amount: 10_000n * BigInt(i + 1) });
    writeFileSync(join(dir, `owner-${i}.json`), JSON.stringify(Array.from(kp.secretKey)));
    owners.push(kp);
  }
  await s.client(keypairWallet(await s.user(60_000n))).fundRewards({ amount: 60_000n });
});
afterAll(async () => {
  await s?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function bot(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run("npx", ["tsx", "examples/claim-bot.ts", "--rpc", s.net.rpcUrl, "--keys", dir, "--once", ...args], {
    cwd: process.cwd(),
    timeout: 90_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop() as string) as Record<string, unknown>;
}

describe("examples/claim-bot.ts", () => {
  it("Given three owners with rewards, When the bot runs --dry-run then for real, Then it plans and pays 10k/20k/30k in one transaction, then has nothing left", async () => {
    const plan = await bot("--dry-run");
    expect(plan).toMatchObject({ dryRun: true, total: "60000" });
    const before = await Promise.all(owners.map((o) => s.tokenBalance(o.publicKey)));
    const done = await bot();
    expect(done).toMatchObject({ dryRun: false, transactions: 1, total: "60000", failed: [] });
    const after = await Promise.all(owners.map((o) => s.tokenBalance(o.publicKey)));
    expect(after.map((a, i) => a - (before[i] as bigint))).toEqual([10_000n, 20_000n, 30_000n]);
    const again = await bot();
    expect(again).toMatchObject({ transactions: 0, total: "0" });
    expect((again.skipped as { reason: string }[]).map((x) => x.reason)).toEqual(["nothingToClaim", "nothingToClaim", "nothingToClaim"]);
  });
});
