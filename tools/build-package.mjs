#!/usr/bin/env node
/**
 * Compiles one workspace package to JavaScript with declarations and maps.
 *
 *   node tools/build-package.mjs            the package in the current directory (npm's prepack)
 *   node tools/build-package.mjs --all      every package, dependencies first (npm run build)
 *
 * ESM for every package; `@gpunet/idl` and `@gpunet/sdk` also get a CommonJS
 * build in `dist/cjs` (its own package.json says "commonjs"), so `require` works
 * on Node 20 without loading ESM. `@gpunet/localnet` gets the program binary.
 * Plain JavaScript on purpose: it runs from `npm pack` with nothing but Node.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** Packages in dependency order, with what each build needs. */
export const PACKAGES = [
  { dir: "programs-idl", name: "@gpunet/idl", dual: true },
  { dir: "sdk", name: "@gpunet/sdk", dual: true },
  { dir: "localnet", name: "@gpunet/localnet", program: true },
  { dir: "indexer", name: "@gpunet/indexer" },
  { dir: "cli", name: "gpunet", bin: "dist/bin.js" },
];

function tsc(cwd, args) {
  execFileSync(process.execPath, [TSC, "-p", "tsconfig.json", ...args], { cwd, stdio: "inherit" });
}

/** Builds the package in `dir` (absolute); returns the package name. */
export function buildPackage(dir) {
  const pkg = PACKAGES.find((p) => resolve(ROOT, p.dir) === resolve(dir));
  if (!pkg) throw new Error(`not a gpunet package directory: ${dir}`);
  const dist = join(dir, "dist");
  rmSync(dist, { recursive: true, force: true });
  if (pkg.dual) {
    tsc(dir, ["--outDir", "dist/esm"]);
    // CommonJS: tsc emits require() calls with the same ".ts" -> ".js" rewriting.
    tsc(dir, ["--outDir", "dist/cjs", "--module", "commonjs", "--moduleResolution", "node10", "--verbatimModuleSyntax", "false"]);
    writeFileSync(join(dist, "cjs/package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
  } else {
    tsc(dir, []);
  }
  if (pkg.program) {
    mkdirSync(join(dir, "program"), { recursive: true });
    copyFileSync(join(ROOT, "target/deploy/gpunet.so"), join(dir, "program/gpunet.so"));
  }
  if (pkg.bin) {
    const bin = join(dir, pkg.bin);
    if (!readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")) throw new Error(`${bin} lacks its #!/usr/bin/env node line`);
    chmodSync(bin, 0o755);
  }
  return pkg.name;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const targets = process.argv.includes("--all") ? PACKAGES.map((p) => join(ROOT, p.dir)) : [process.cwd()];
  for (const dir of targets) {
    const t0 = Date.now();
    const name = buildPackage(dir);
    process.stdout.write(`built ${name} in ${Date.now() - t0} ms\n`);
  }
}
