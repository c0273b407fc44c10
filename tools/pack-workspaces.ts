/**
 * Builds every workspace package and packs each into a directory, as `npm pack`
 * does for a release. Shared by the publishing gates (tools/check-packages.ts),
 * the install tests (test/packages) and the footprint bench.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** One packed package, as `npm pack --json` reports it. */
export interface PackedPackage {
  readonly name: string;
  readonly filename: string;
  /** Absolute path of the tarball. */
  readonly path: string;
  readonly files: readonly { readonly path: string }[];
}

/** Builds every package (dependencies first), then packs each into `dest`. */
export function packWorkspaces(dest: string, opts: { readonly showBuild?: boolean } = {}): PackedPackage[] {
  mkdirSync(dest, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, "tools/build-package.mjs"), "--all"], { cwd: ROOT, stdio: opts.showBuild ? "inherit" : "pipe" });
  // Built just above, so npm's prepack (the same build) is not run again.
  const out = execFileSync("npm", ["pack", "--workspaces", "--ignore-scripts", "--json", "--pack-destination", dest], { cwd: ROOT, encoding: "utf8" });
  return (JSON.parse(out) as Omit<PackedPackage, "path">[]).map((p) => ({ ...p, path: join(dest, p.filename) }));
}
