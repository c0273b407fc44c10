/**
 * Publishing gates for every workspace package, run in CI:
 *
 *   tsx tools/check-packages.ts
 *
 * builds and packs each package, then on each tarball runs @arethetypeswrong/cli
 * (types resolve for every import style the package supports; the ESM-only
 * packages opt out of the one rule that says CommonJS cannot require them) and
 * `npm publish --dry-run`, and checks the manifest fields users rely on.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packWorkspaces } from "./pack-workspaces.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGES = [
  { dir: "programs-idl", dual: true },
  { dir: "sdk", dual: true },
  { dir: "localnet", dual: false },
  { dir: "indexer", dual: false },
  { dir: "cli", dual: false },
] as const;

interface Manifest {
  name: string;
  version: string;
  license?: string;
  engines?: { node?: string };
  repository?: unknown;
  files?: string[];
  exports?: Record<string, unknown>;
  private?: boolean;
}

function fail(msg: string): never {
  process.stderr.write(`check-packages: ${msg}\n`);
  process.exit(1);
}

function main(): void {
  const dest = mkdtempSync(join(tmpdir(), "gpunet-pack-"));
  try {
    const packed = packWorkspaces(dest, { showBuild: true });
    const attw = join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js");
    const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Manifest;
    for (const pkg of PACKAGES) {
      const m = JSON.parse(readFileSync(join(ROOT, pkg.dir, "package.json"), "utf8")) as Manifest;
      const tarball = packed.find((p) => p.name === m.name);
      if (!tarball) fail(`${m.name} was not packed`);
      if (m.private) fail(`${m.name} is private`);
      if (m.version !== root.version) fail(`${m.name} is ${m.version}, the workspace is ${root.version}`);
      if (!m.license || !m.engines?.node || !m.repository || !m.files?.length) fail(`${m.name} lacks license, engines.node, repository or files`);
      const dot = m.exports?.["."] as Record<string, unknown> | undefined;
      if (!dot || !JSON.stringify(dot).includes('"types"')) fail(`${m.name}: exports["."] has no types condition`);
      const shipped = tarball.files.map((f) => f.path);
      const unwanted = shipped.filter((f) => /(^|\/)(test|tests|__tests__|fixtures)\/|\.test\.[cm]?[jt]s$|\.tsbuildinfo$/.test(f));
      if (unwanted.length) fail(`${m.name} ships test files: ${unwanted.join(", ")}`);
      if (!shipped.includes("README.md")) fail(`${m.name} ships no README.md`);
      const tgz = tarball.path;
      const rules = pkg.dual ? [] : ["--ignore-rules", "cjs-resolves-to-esm"];
      process.stdout.write(`\n== ${m.name}: attw\n`);
      execFileSync(process.execPath, [attw, tgz, "--format", "table-flipped", ...rules], { cwd: ROOT, stdio: "inherit" });
      process.stdout.write(`== ${m.name}: npm publish --dry-run\n`);
      execFileSync("npm", ["publish", "--dry-run", "--ignore-scripts", tgz], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
      process.stdout.write(`${m.name}@${m.version}: ${shipped.length} files, gates passed\n`);
    }
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

main();
