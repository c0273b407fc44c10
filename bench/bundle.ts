/**
 * Browser bundle sizes of the SDK's faces, minified (production) and gzipped by esbuild from
 * the sources: one Kit instruction builder alone, the Kit face whole
 * (`@gpunet/sdk/kit`), the web3.js face whole (`@gpunet/sdk`), the Helius face whole
 * (`@gpunet/sdk/helius`, helius-sdk's parts included), beside the SDK as it
 * was before the generated layer (the baseline, built in the same run from the git
 * history; `--baseline <ref>` picks another commit). Each bundle's metafile is checked:
 * no web3.js in a Kit bundle, no Kit in a web3.js one, neither in the Helius one,
 * and helius-sdk only in the Helius one.
 *
 *   npm run bench:bundle [-- --json] [-- --baseline <ref>]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
/** The last commit before the generated layer and the Kit face. */
const DEFAULT_BASELINE = "fd0ef1e";
const KIT_GOAL_BYTES = 15 * 1024;

interface Measured {
  readonly name: string;
  readonly bytes: number;
  readonly gzip: number;
  readonly web3: boolean;
  readonly kit: boolean;
  readonly helius: boolean;
}

async function bundle(name: string, contents: string, root: string): Promise<Measured> {
  const r = await build({
    stdin: { contents, resolveDir: root, loader: "ts" },
    alias: { "@gpunet/idl": join(root, "programs-idl/index.ts") },
    bundle: true,
    minify: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
    // A production build, as an app's bundler makes it: Kit's development-only error messages drop out.
    define: { "process.env.NODE_ENV": '"production"' },
    nodePaths: [join(ROOT, "node_modules")],
  });
  const out = r.outputFiles[0]?.contents ?? new Uint8Array();
  const inputs = Object.keys(r.metafile.inputs);
  return {
    name,
    bytes: out.length,
    gzip: gzipSync(out, { level: 9 }).length,
    web3: inputs.some((p) => p.includes("@solana/web3.js")),
    // web3.js v1 itself uses a few @solana/codecs-* packages; Kit's own entry points are these.
    kit: inputs.some((p) => /@solana\/(kit|addresses|instructions|signers|transaction-messages)\//.test(p)),
    helius: inputs.some((p) => p.includes("node_modules/helius-sdk/")),
  };
}

const json = process.argv.includes("--json");
const refAt = process.argv.indexOf("--baseline");
const baselineRef = refAt >= 0 ? (process.argv[refAt + 1] ?? DEFAULT_BASELINE) : DEFAULT_BASELINE;
const src = (p: string): string => JSON.stringify(join(ROOT, p));

const results: Measured[] = [];
results.push(await bundle("one Kit builder (getStakeInstructionAsync)", `export { getStakeInstructionAsync } from ${src("sdk/src/kit/index.ts")};`, ROOT));
results.push(await bundle("Kit face whole (@gpunet/sdk/kit)", `export * from ${src("sdk/src/kit/index.ts")};`, ROOT));
results.push(await bundle("web3.js face whole (@gpunet/sdk)", `export * from ${src("sdk/src/index.ts")};`, ROOT));
results.push(await bundle("Helius face whole (@gpunet/sdk/helius)", `export * from ${src("sdk/src/helius/index.ts")};`, ROOT));

// The baseline: the full SDK entry at the commit before the generated layer, from git.
let baseline: Measured | undefined;
const old = mkdtempSync(join(tmpdir(), "gpunet-bundle-"));
try {
  execFileSync("sh", ["-c", `git -C "${ROOT}" archive ${baselineRef} sdk/src programs-idl | tar -x -C "${old}"`], { stdio: "pipe" });
  if (existsSync(join(old, "sdk/src/index.ts"))) {
    baseline = await bundle(`full SDK before (${baselineRef})`, `export * from ${JSON.stringify(join(old, "sdk/src/index.ts"))};`, old);
  }
} catch (e) {
  console.error(`baseline ${baselineRef} not available (${(e as Error).message.split("\n")[0]}); ratios are against the web3.js face`);
} finally {
  rmSync(old, { recursive: true, force: true });
}

const base = baseline ?? (results[2] as Measured);
const kib = (b: number): string => (b / 1024).toFixed(1);
// Kit bundles: no web3.js; the web3.js face: no Kit; the Helius face: neither; helius-sdk only in the Helius face.
const leaks = results.filter((r, i) => (i < 2 ? r.web3 || r.helius : i === 2 ? r.kit || r.helius : r.web3 || r.kit || !r.helius));
if (json) {
  console.log(JSON.stringify({ results, baseline, leaks: leaks.map((l) => l.name) }, null, 2));
} else {
  console.log("SDK browser bundles (esbuild, minified, gzip -9)");
  for (const r of [...results, ...(baseline ? [baseline] : [])]) {
    const libs = [r.web3 ? "web3.js" : "", r.kit ? "kit" : "", r.helius ? "helius-sdk" : ""].filter(Boolean).join("+") || "-";
    console.log(
      `  ${r.name.padEnd(46)} ${kib(r.bytes).padStart(7)} KiB  ${kib(r.gzip).padStart(6)} KiB gz  ${(r.gzip / base.gzip).toFixed(3)}x of baseline  libs: ${libs}`,
    );
  }
  const one = results[0] as Measured;
  console.log(`  one Kit builder vs the ${kib(KIT_GOAL_BYTES)} KiB goal: ${kib(one.gzip)} KiB gz (${one.gzip <= KIT_GOAL_BYTES ? "within" : "over"})`);
}
if (leaks.length) {
  console.error(`a face pulled in a library it must not (or the Helius face lacks helius-sdk): ${leaks.map((l) => l.name).join(", ")}`);
  process.exit(1);
}
