/**
 * The Kit face as a Kit-only app installs it: @gpunet/idl and @gpunet/sdk packed
 * (`npm pack`), installed into a fresh project beside @solana/kit and nothing else,
 * so @solana/web3.js is not there to be loaded. With plain `node`, the app
 * registers a provider, stakes, runs a job to completion and claims its reward on a
 * localnet, building every instruction with `@gpunet/sdk/kit` and sending it with
 * Kit's own pipeline; the README's Kit quickstart runs there as written; and esbuild
 * bundles a one-builder app without web3.js.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packWorkspaces } from "../../tools/pack-workspaces.ts";
import { fetchProvider } from "../../sdk/src/accounts.ts";
import { startKitNet, type KitNet } from "./kit-net.ts";
import { runNode } from "./support.ts";

const ROOT = resolve(import.meta.dirname, "../..");
let work: string;
let app: string;
let chain: KitNet | undefined;

beforeAll(async () => {
  // Given @gpunet/idl and @gpunet/sdk packed, and a fresh project with them and @solana/kit only
  work = mkdtempSync(join(tmpdir(), "gpunet-kit-"));
  const packed = packWorkspaces(join(work, "tarballs")).filter((p) => p.name === "@gpunet/idl" || p.name === "@gpunet/sdk");
  app = join(work, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "kit-app", version: "1.0.0", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...packed.map((p) => p.path), "@solana/kit@8.4.0"], {
    cwd: app,
    stdio: "pipe",
  });
  chain = await startKitNet(work);
}, 600_000);

afterAll(async () => {
  await chain?.net.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("a Kit-only app on the installed @gpunet/sdk/kit", () => {
  it("Given the installed project, Then @solana/web3.js and helius-sdk are not installed at all", () => {
    expect(existsSync(join(app, "node_modules/@solana/kit/package.json"))).toBe(true);
    expect(existsSync(join(app, "node_modules/@gpunet/sdk/package.json"))).toBe(true);
    expect(existsSync(join(app, "node_modules/@solana/web3.js"))).toBe(false);
    expect(existsSync(join(app, "node_modules/helius-sdk"))).toBe(false);
  });

  it("Given a localnet, When the app registers, stakes, runs a job and claims with Kit's pipeline, Then the program pays it what its account says it claimed", async () => {
    const net = chain as KitNet;
    copyFileSync(join(ROOT, "test/packages/kit-consumer/flow.mjs"), join(app, "flow.mjs"));
    const r = await runNode(app, "flow.mjs", [net.setupPath], 180_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, string>;
    expect(out.staked).toBe("250000000");
    expect(out.state).toBe("completed");
    // 5% of the 40-token price, paid to the only staker (less at most the unit the accumulator carries).
    expect(out.fee).toBe("2000000");
    const claimed = BigInt(out.claimed ?? "0");
    expect(claimed).toBeGreaterThan(2_000_000n - 2n);
    expect(claimed).toBeLessThanOrEqual(2_000_000n);
    // And the chain agrees, read through the web3.js face in this process.
    const { data: provider } = await fetchProvider(net.connection, { owner: net.provider.publicKey });
    expect(provider.totalClaimed).toBe(claimed);
    expect(provider.activeStake).toBe(250_000_000n);
    expect(provider.gpuModel).toBe(1);
  }, 240_000);

  it("Given the SDK README's Kit quickstart, When node runs it as written in the Kit-only app, Then it prints the instruction it built and parsed back", async () => {
    const readme = readFileSync(join(ROOT, "sdk/README.md"), "utf8");
    const kitSection = readme.slice(readme.indexOf("## Kit"));
    const snippet = /```js\n([\s\S]*?)```/.exec(kitSection)?.[1];
    expect(snippet).toBeDefined();
    expect(snippet).toMatch(/from "@gpunet\/sdk\/kit"/);
    writeFileSync(join(app, "readme-kit.mjs"), snippet ?? "");
    const r = await runNode(app, "readme-kit.mjs", [], 60_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/stake/);
  });

  it("Given a browser app that imports one Kit builder, When esbuild bundles it, Then it bundles without web3.js, and only @gpunet/sdk's Kit face and core go in", async () => {
    writeFileSync(
      join(app, "one-builder.mjs"),
      'import { getStakeInstructionAsync } from "@gpunet/sdk/kit";\nexport const build = (i) => getStakeInstructionAsync(i);\n',
    );
    const result = await build({
      entryPoints: [join(app, "one-builder.mjs")],
      absWorkingDir: app,
      bundle: true,
      minify: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => p.includes("web3.js") || p.includes("/buffer/"))).toEqual([]);
    const sdkFiles = inputs.filter((p) => p.includes("@gpunet/sdk/"));
    expect(sdkFiles.length).toBeGreaterThan(0);
    expect(sdkFiles.filter((p) => !/dist\/esm\/(kit|generated|core)\/|dist\/esm\/(errors|encoding)\.js$/.test(p))).toEqual([]);
  });
});
