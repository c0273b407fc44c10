/**
 * The packages as users install them: every workspace is packed (`npm pack`), the
 * tarballs are installed into a fresh project outside the repository, and there,
 * with plain `node` and no TypeScript loader, the SDK is imported and required,
 * the quickstart runs on a localnet from the installed @gpunet/localnet, tsc
 * --strict checks a consumer, esbuild bundles a browser consumer, and the
 * installed `gpunet` command runs through its bin symlink. A second project adds
 * helius-sdk 3.2.0 and Kit 8 (its Kit 6 peers resolved to Kit 8 with `overrides`,
 * as the SDK README says): there `@gpunet/sdk/helius` is imported and required,
 * an app stakes through Sender on a localnet, and the README's Helius example runs.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { PublicKey } from "@solana/web3.js";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchProvider } from "../../sdk/src/accounts.ts";
import { startKitNet, type KitNet } from "./kit-net.ts";
import { packAll, runNode, waitForLine } from "./support.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const HERE = join(ROOT, "test/packages/consumer");
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

let work: string;
let app: string;
let heliusApp: string;
let tarballs: Record<string, string>;
let chain: KitNet | undefined;

/** The overrides an app on helius-sdk 3.2.0 and Kit 8 adds (the repository's own, in its root package.json). */
const HELIUS_OVERRIDES = {
  "helius-sdk": {
    "@solana/kit": "$@solana/kit",
    "@solana-program/compute-budget": { "@solana/kit": "$@solana/kit" },
    "@solana-program/stake": { "@solana/kit": "$@solana/kit" },
    "@solana-program/system": "0.14.1",
    "@solana-program/token": "0.16.1",
  },
};

beforeAll(() => {
  // Given every package packed, and a fresh project with the tarballs installed
  work = mkdtempSync(join(tmpdir(), "gpunet-install-"));
  tarballs = packAll(join(work, "tarballs"));
  app = join(work, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true, type: "module" }));
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", ...Object.values(tarballs), "@solana/web3.js@1.99.0", "@solana/spl-token@0.4.14"],
    { cwd: app, stdio: "pipe" },
  );
  // And a project with the Helius face's peer: helius-sdk, on the one Kit 8 copy
  heliusApp = join(work, "helius-app");
  execFileSync("mkdir", ["-p", heliusApp]);
  writeFileSync(
    join(heliusApp, "package.json"),
    JSON.stringify({ name: "helius-app", version: "1.0.0", private: true, type: "module", overrides: HELIUS_OVERRIDES }),
  );
  const packed = ["@gpunet/idl", "@gpunet/sdk", "@gpunet/localnet"].map((n) => tarballs[n] as string);
  execFileSync(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", ...packed, "helius-sdk@3.2.0", "@solana/kit@8.4.0", "@solana/web3.js@1.99.0"],
    {
      cwd: heliusApp,
      stdio: "pipe",
    },
  );
}, 600_000);

afterAll(async () => {
  await chain?.net.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("installed packages, plain node", () => {
  it("Given the installed @gpunet/sdk without helius-sdk (an optional peer), When imported as ESM and required as CommonJS, Then both load and agree", () => {
    expect(existsSync(join(app, "node_modules/@gpunet/sdk/package.json"))).toBe(true);
    expect(existsSync(join(app, "node_modules/helius-sdk"))).toBe(false);
    copyFileSync(join(HERE, "import.mjs"), join(app, "import.mjs"));
    copyFileSync(join(HERE, "require.cjs"), join(app, "require.cjs"));
    const esm = JSON.parse(execFileSync(process.execPath, ["import.mjs"], { cwd: app, encoding: "utf8" })) as Record<string, string>;
    const cjs = JSON.parse(execFileSync(process.execPath, ["require.cjs"], { cwd: app, encoding: "utf8" })) as Record<string, string>;
    expect(esm).toMatchObject({ format: "esm", createGpunetClient: "function", idl: "gpunet", code: "U64OutOfRange" });
    expect(cjs).toMatchObject({ format: "cjs", createGpunetClient: "function", idl: "gpunet", code: "U64OutOfRange" });
    expect(cjs.config).toBe(esm.config);
  });

  it("Given the README quickstart copied into the project, When node runs it on the installed localnet and SDK, Then the claim pays exactly what claimable() said", () => {
    copyFileSync(join(ROOT, "examples/quickstart.mjs"), join(app, "quickstart.mjs"));
    const r = spawnSync(process.execPath, ["quickstart.mjs"], { cwd: app, encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const m = /claimable (\d+), paid (\d+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(BigInt(m?.[1] ?? "0")).toBeGreaterThan(0n);
    expect(m?.[1]).toBe(m?.[2]);
  });

  it("Given a TypeScript consumer of the public types, When tsc --strict checks it, Then it compiles (u64 is bigint, isGpunetError narrows, a wrong argument is an error)", () => {
    copyFileSync(join(HERE, "consumer.ts"), join(app, "consumer.ts"));
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const args = [
      "--noEmit",
      "--strict",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--target",
      "es2022",
      "--types",
      "node",
      "--typeRoots",
      join(ROOT, "node_modules/@types"),
      "--skipLibCheck",
      "consumer.ts",
    ];
    const ok = spawnSync(process.execPath, [tsc, ...args], { cwd: app, encoding: "utf8" });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    // And the same file with one @ts-expect-error removed fails on exactly that line.
    const src = readFileSync(join(app, "consumer.ts"), "utf8");
    writeFileSync(join(app, "consumer.ts"), src.replace("  // @ts-expect-error `amount` is required, `amonut` does not exist\n", ""));
    const bad = spawnSync(process.execPath, [tsc, ...args], { cwd: app, encoding: "utf8" });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/consumer\.ts\(\d+,\d+\): error TS\d+: .*amonut/);
  });

  it("Given a browser consumer of the installed @gpunet/sdk, When esbuild bundles it, Then no Node built-in is pulled in, and the gzipped size is printed", async () => {
    copyFileSync(join(HERE, "browser.mjs"), join(app, "browser.mjs"));
    const imported: string[] = [];
    const result = await build({
      entryPoints: [join(app, "browser.mjs")],
      absWorkingDir: app,
      bundle: true,
      minify: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [{ name: "record", setup: (b) => void b.onResolve({ filter: /.*/ }, (a) => void imported.push(a.path)) }],
    });
    expect(result.errors).toEqual([]);
    // "buffer" is the npm polyfill in a browser build (a declared dependency); no other built-in.
    expect(imported.filter((p) => NODE_BUILTINS.has(p) && p !== "buffer")).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => p.includes("node_modules/@gpunet/sdk/dist/esm/"))).toBe(true);
    expect(inputs.filter((p) => /@gpunet\/(localnet|indexer)|better-sqlite3|litesvm|kysely|(^|\/)ws\//.test(p))).toEqual([]);
    const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
    console.log(
      `browser bundle of @gpunet/sdk (installed, minified): ${(bytes.length / 1024).toFixed(1)} KiB, ${(gzipSync(bytes).length / 1024).toFixed(1)} KiB gzipped`,
    );
  });
});

describe("an app on the installed @gpunet/sdk/helius", () => {
  const HELIUS_HERE = join(ROOT, "test/packages/helius-consumer");

  it("Given helius-sdk installed, When the Helius face is imported as ESM and required as CommonJS, Then both load helius-sdk's Sender constants and throw the main entry's GpunetError", async () => {
    expect(existsSync(join(heliusApp, "node_modules/helius-sdk/package.json"))).toBe(true);
    copyFileSync(join(HELIUS_HERE, "import.mjs"), join(heliusApp, "import.mjs"));
    copyFileSync(join(HELIUS_HERE, "require.cjs"), join(heliusApp, "require.cjs"));
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
      const r = await runNode(heliusApp, file, [], 60_000);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(JSON.parse(r.stdout.trim())).toEqual({ format, ...expected });
    }
  });

  it("Given a localnet, When the app registers and stakes a provider through Sender with Helius' estimate, Then the stake is on chain and the tips went to the tip account", async () => {
    chain = await startKitNet(work);
    copyFileSync(join(HELIUS_HERE, "send.mjs"), join(heliusApp, "send.mjs"));
    const r = await runNode(heliusApp, "send.mjs", [chain.setupPath], 180_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { events: string[]; price: string; tipAccount: string };
    expect(out.events).toEqual(["staked"]);
    expect(out.price).toBe("10000");
    const { data: provider } = await fetchProvider(chain.connection, { owner: chain.provider.publicKey });
    expect(provider.activeStake).toBe(250_000_000n);
    // register + stake: two tips of the minimum.
    expect(BigInt(await chain.connection.getBalance(new PublicKey(out.tipAccount), "confirmed"))).toBe(2_000_000n);
  }, 240_000);

  it("Given the SDK README's Helius example, When node runs it as written in the Helius project, Then it lands through Sender with Helius' price and the tip", async () => {
    const readme = readFileSync(join(ROOT, "sdk/README.md"), "utf8");
    const snippet = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Helius")))?.[1];
    expect(snippet).toMatch(/from "@gpunet\/sdk\/helius"/);
    writeFileSync(join(heliusApp, "readme-helius.mjs"), snippet ?? "");
    const r = await runNode(heliusApp, "readme-helius.mjs", [], 120_000);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/microLamportsPerCu: 10000n/);
    expect(r.stdout).toMatch(/tipLamports: 1000000\b/);
  }, 180_000);
});

describe("each package's README", () => {
  for (const [dir, name] of [
    ["programs-idl", "@gpunet/idl"],
    ["sdk", "@gpunet/sdk"],
    ["localnet", "@gpunet/localnet"],
    ["indexer", "@gpunet/indexer"],
    ["cli", "gpunet"],
  ] as const) {
    it(`Given ${name}'s README, Then it starts with its npm install line, and its first snippet runs as written with node`, () => {
      const readme = readFileSync(join(ROOT, dir, "README.md"), "utf8");
      const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] ?? "" }));
      expect(readme.startsWith(`# ${name}\n`)).toBe(true);
      expect(blocks[0]?.lang).toBe("sh");
      expect(blocks[0]?.code).toMatch(new RegExp(`^npm install ${name.replace("/", "\\/")}\\b`));
      if (name === "gpunet") return; // its snippet is shell commands, run by the bin tests below
      const snippet = blocks.find((b) => b.lang === "js");
      expect(snippet).toBeDefined();
      const file = join(app, `readme-${dir}.mjs`);
      writeFileSync(file, snippet?.code ?? "");
      const r = spawnSync(process.execPath, [file], { cwd: app, encoding: "utf8", timeout: 120_000 });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    });
  }
});

describe("the installed gpunet command, through its bin symlink", () => {
  const bin = (): string => join(app, "node_modules/.bin/gpunet");

  it("Given gpunet --help, Then it prints the usage and exits 0; an unknown command or flag exits non-zero with a message", () => {
    const help = spawnSync(bin(), ["--help"], { cwd: app, encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/usage: gpunet <command>/);
    const unknownCommand = spawnSync(bin(), ["frobnicate"], { cwd: app, encoding: "utf8" });
    expect(unknownCommand.status).not.toBe(0);
    expect(unknownCommand.stderr).toMatch(/unknown command: frobnicate/);
    const unknownFlag = spawnSync(bin(), ["localnet", "--no-such-flag"], { cwd: app, encoding: "utf8" });
    expect(unknownFlag.status).not.toBe(0);
    expect(unknownFlag.stderr).toMatch(/no-such-flag/);
    const unknownIndexFlag = spawnSync(bin(), ["index", "--no-such-flag"], { cwd: app, encoding: "utf8" });
    expect(unknownIndexFlag.status).not.toBe(0);
    expect(unknownIndexFlag.stderr).toMatch(/no-such-flag/);
  });

  it("Given gpunet localnet, then gpunet index against it, Then the node answers JSON-RPC and the indexer serves /health, both stop on SIGINT", async () => {
    const localnet = spawn(bin(), ["localnet", "--rpc-port", "0", "--ws-port", "0"], { cwd: app, stdio: ["ignore", "pipe", "pipe"] });
    let indexer: ReturnType<typeof spawn> | undefined;
    try {
      const line = await waitForLine(localnet, /JSON-RPC (http:\/\/\S+)\s+WebSocket (ws:\/\/\S+)/, 60_000);
      const [, rpcUrl, wsUrl] = line;
      const health = (await (
        await fetch(rpcUrl as string, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getHealth" }),
        })
      ).json()) as { result?: string };
      expect(health.result).toBe("ok");
      const db = join(work, "index.db");
      indexer = spawn(bin(), ["index", "--rpc", rpcUrl as string, "--ws", wsUrl as string, "--db", db, "--api-port", "0"], {
        cwd: app,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const [, api] = await waitForLine(indexer, /(http:\/\/127\.0\.0\.1:\d+)/, 60_000);
      const res = await fetch(`${api}/health`);
      expect(res.status).toBe(200);
      // The dashboard's page and every file it loads ship in the package (uPlot from its own)
      for (const path of ["/", "/assets/app.js", "/assets/format.js", "/assets/style.css", "/assets/uplot.js", "/assets/uplot.css", "/assets/favicon.svg"]) {
        const page = await fetch(`${api}${path}`);
        expect([path, page.status]).toEqual([path, 200]);
        expect((await page.arrayBuffer()).byteLength).toBeGreaterThan(100);
      }
      indexer.kill("SIGINT");
      expect(await exitCode(indexer)).toBe(0);
      expect(existsSync(db)).toBe(true);
      localnet.kill("SIGINT");
      expect(await exitCode(localnet)).toBe(0);
    } finally {
      indexer?.kill("SIGKILL");
      localnet.kill("SIGKILL");
    }
  });
});

describe("@gpunet/sdk installed alone", () => {
  it("Given only @gpunet/sdk in a fresh project (its web3.js peer left to the app), Then it adds no native addon and none of the indexer's, localnet's or CLI's dependencies", () => {
    const alone = join(work, "sdk-alone");
    execFileSync("mkdir", ["-p", alone]);
    writeFileSync(join(alone, "package.json"), JSON.stringify({ name: "sdk-alone", version: "1.0.0", private: true, type: "module" }));
    // --legacy-peer-deps: what the SDK itself installs, without the app's own @solana/web3.js.
    execFileSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--prefer-offline", "--legacy-peer-deps", tarballs["@gpunet/idl"] as string, tarballs["@gpunet/sdk"] as string],
      { cwd: alone, stdio: "pipe" },
    );
    const names = listPackages(join(alone, "node_modules"));
    expect(names.sort()).toEqual(["@gpunet/idl", "@gpunet/sdk", "base-x", "bs58", "base64-js", "buffer", "ieee754"].sort());
    expect(nativeAddons(join(alone, "node_modules"))).toEqual([]);
  });
});

function exitCode(p: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((done) => (p.exitCode !== null ? done(p.exitCode) : p.once("exit", (code) => done(code))));
}

/** Every package name under a node_modules tree (nested ones too). */
function listPackages(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      for (const sub of readdirSync(join(dir, entry))) visit(join(dir, entry, sub), `${entry}/${sub}`);
    } else visit(join(dir, entry), entry);
  }
  return out;
  function visit(path: string, name: string): void {
    if (!existsSync(join(path, "package.json"))) return;
    out.push(name);
    listPackages(join(path, "node_modules"), out);
  }
}

/** Files that are native addons (`*.node`) or build one (`binding.gyp`). */
function nativeAddons(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".node") || e.name === "binding.gyp") found.push(p);
    }
  };
  walk(dir);
  return found;
}
