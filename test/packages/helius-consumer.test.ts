/**
 * `@gpunet/sdk/helius` as an app installs it: @gpunet/idl and @gpunet/sdk packed
 * (`npm pack`), installed into a fresh project beside helius-sdk 3.2.0, Kit 8 and
 * web3.js. helius-sdk 3.2.0 declares Kit 6 peers, so the project resolves them to
 * its one Kit 8 copy with `overrides`, as the SDK README says. With plain `node`
 * the Helius face is imported (ESM) and required (CommonJS), and an app registers
 * and stakes a provider through Sender on a localnet served from this process.
 */
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchProvider } from "../../sdk/src/accounts.ts";
import { packWorkspaces } from "../../tools/pack-workspaces.ts";
import { startKitNet, type KitNet } from "./kit-net.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const HERE = join(ROOT, "test/packages/helius-consumer");
let work: string;
let app: string;
let chain: KitNet | undefined;

/** The overrides an app on helius-sdk 3.2.0 and Kit 8 adds (the repository's own, in its root package.json). */
const OVERRIDES = {
  "helius-sdk": {
    "@solana/kit": "$@solana/kit",
    "@solana-program/compute-budget": { "@solana/kit": "$@solana/kit" },
    "@solana-program/stake": { "@solana/kit": "$@solana/kit" },
    "@solana-program/system": "0.14.1",
    "@solana-program/token": "0.16.1",
  },
};

/** Runs `node file args` in the app without blocking this process (the localnet answers from here). */
function runNode(file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [file, ...args], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // Given @gpunet/idl and @gpunet/sdk packed, and a fresh project with them, helius-sdk, Kit 8 and web3.js
  work = mkdtempSync(join(tmpdir(), "gpunet-helius-"));
  const packed = packWorkspaces(join(work, "tarballs")).filter((p) => p.name === "@gpunet/idl" || p.name === "@gpunet/sdk");
  app = join(work, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "helius-app", version: "1.0.0", private: true, type: "module", overrides: OVERRIDES }));
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", ...packed.map((p) => p.path), "helius-sdk@3.2.0", "@solana/kit@8.4.0", "@solana/web3.js@1.99.0"],
    { cwd: app, stdio: "pipe" },
  );
  chain = await startKitNet(work);
}, 600_000);

afterAll(async () => {
  await chain?.net.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("an app on the installed @gpunet/sdk/helius", () => {
  it("Given the installed project, When the Helius face is imported as ESM and required as CommonJS, Then both load helius-sdk's Sender constants and throw the main entry's GpunetError", async () => {
    expect(existsSync(join(app, "node_modules/helius-sdk/package.json"))).toBe(true);
    copyFileSync(join(HERE, "import.mjs"), join(app, "import.mjs"));
    copyFileSync(join(HERE, "require.cjs"), join(app, "require.cjs"));
    const expected = {
      sender: "helius-sender",
      smart: "helius-smart-transaction",
      fee: "estimator",
      fast: "https://sender.helius-rpc.com/fast",
      tipAccounts: 10,
      minTip: "1000000",
      code: "InvalidInput",
      sameClass: true,
    };
    for (const [file, format] of [
      ["import.mjs", "esm"],
      ["require.cjs", "cjs"],
    ] as const) {
      const r = await runNode(file, [], 60_000);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ format, ...expected });
    }
  });

  it("Given a localnet, When the app registers and stakes a provider through Sender with Helius' estimate, Then the stake is on chain and the tip went to the tip account", async () => {
    const net = chain as KitNet;
    copyFileSync(join(HERE, "send.mjs"), join(app, "send.mjs"));
    const r = await runNode("send.mjs", [net.setupPath], 180_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { events: string[]; price: string; tipAccount: string };
    expect(out.events).toEqual(["staked"]);
    expect(out.price).toBe("10000");
    const { data: provider } = await fetchProvider(net.connection, { owner: net.provider.publicKey });
    expect(provider.activeStake).toBe(250_000_000n);
    // register + stake: two tips of the minimum.
    expect(BigInt(await net.connection.getBalance(new PublicKey(out.tipAccount), "confirmed"))).toBe(2_000_000n);
  }, 240_000);
});
