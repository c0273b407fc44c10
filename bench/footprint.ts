/**
 * Install footprint of @gpunet/sdk, as a dApp installs it.
 *
 * Packs every package, then in fresh projects installs (1) `@gpunet/sdk` alone,
 * without its peer (what the SDK itself adds to an app that has web3.js), (2)
 * `@gpunet/sdk` with its `@solana/web3.js` peer (a new app), and (3) the `gpunet`
 * command, which pulls in every package: the same dependencies the single
 * `gpunet` package installed before the split, measured in the same run as the
 * baseline. Prints size on disk, package count and native addons, and ratios.
 *
 *   npm run bench:footprint [-- --json]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packWorkspaces } from "../tools/pack-workspaces.ts";

interface Footprint {
  bytes: number;
  packages: number;
  nativeAddons: string[];
}

function measure(dir: string): Footprint {
  let bytes = 0;
  let packages = 0;
  const nativeAddons: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) walk(p);
      else {
        bytes += statSync(p).size;
        if (e.name === "package.json" && /node_modules\/(@[^/]+\/)?[^/@]+$/.test(d)) packages++;
        if (e.name.endsWith(".node")) nativeAddons.push(p.slice(dir.length + 1));
      }
    }
  };
  walk(dir);
  return { bytes, packages, nativeAddons };
}

function install(work: string, name: string, specs: string[], flags: string[] = []): Footprint {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...flags, ...specs], { cwd: dir, stdio: "pipe" });
  return measure(join(dir, "node_modules"));
}

const work = mkdtempSync(join(tmpdir(), "gpunet-footprint-"));
try {
  const packed = packWorkspaces(join(work, "tarballs"));
  const tar = (n: string): string => packed.find((p) => p.name === n)?.path as string;
  const sdk = install(work, "sdk-alone", [tar("@gpunet/idl"), tar("@gpunet/sdk")], ["--legacy-peer-deps"]);
  const withPeer = install(work, "sdk-with-peer", [tar("@gpunet/idl"), tar("@gpunet/sdk"), "@solana/web3.js@1.99.0"]);
  const all = install(work, "everything", [tar("@gpunet/idl"), tar("@gpunet/sdk"), tar("@gpunet/localnet"), tar("@gpunet/indexer"), tar("gpunet")]);
  const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);
  if (process.argv.includes("--json")) {
    process.stdout.write(`${JSON.stringify({ sdk, withPeer, everything: all })}\n`);
  } else {
    console.log("install footprint (fresh project, npm install of the packed tarballs)");
    console.log("| install | MB on disk | packages | native addons |");
    console.log("| --- | ---: | ---: | ---: |");
    console.log(`| @gpunet/sdk alone (the app brings web3.js) | ${mb(sdk.bytes)} | ${sdk.packages} | ${sdk.nativeAddons.length} |`);
    console.log(
      `| @gpunet/sdk + its @solana/web3.js peer (a new app) | ${mb(withPeer.bytes)} | ${withPeer.packages} | ${withPeer.nativeAddons.length} (web3.js's own dependencies) |`,
    );
    console.log(`| everything (gpunet command: what the single package installed before) | ${mb(all.bytes)} | ${all.packages} | ${all.nativeAddons.length} |`);
    console.log(
      `@gpunet/sdk alone: ${((100 * sdk.bytes) / all.bytes).toFixed(1)}% of everything's size; with web3.js ${((100 * withPeer.bytes) / all.bytes).toFixed(1)}%, ${withPeer.packages} of ${all.packages} packages`,
    );
  }
  if (sdk.nativeAddons.length) {
    console.error(`@gpunet/sdk installs native addons: ${sdk.nativeAddons.join(", ")}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
