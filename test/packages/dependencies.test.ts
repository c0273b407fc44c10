/**
 * Dependencies live where they are imported: every bare import in a package's
 * sources is declared in that package's package.json, and every declared
 * dependency is imported. One version for every package.
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const PACKAGES = [
  { dir: "programs-idl", sources: ["."], flat: true },
  { dir: "sdk", sources: ["src"], flat: false },
  { dir: "localnet", sources: ["src"], flat: false },
  { dir: "indexer", sources: ["src"], flat: false },
  { dir: "cli", sources: ["."], flat: true },
] as const;
const BUILTIN = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

interface Manifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(ROOT, dir, "package.json"), "utf8")) as Manifest;

function files(dir: string, flat: boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!flat && e.name !== "dist" && e.name !== "node_modules") out.push(...files(p, flat));
    } else if (/\.(ts|mjs|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** Bare specifiers (package names) a source file imports, statically or dynamically. */
function importedPackages(source: string, declared: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  // Also a package's files located at run time: `createRequire(...).resolve("pkg/file")`.
  const re =
    /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']|(?:require|createRequire\([^)]*\))\.resolve\(\s*["']([^"']+)["']\s*\)/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4] ?? "";
    // A built-in's bare name is the npm package when declared: "buffer" is the polyfill bundlers use.
    if (spec.startsWith(".") || spec.startsWith("node:") || (BUILTIN.has(spec) && !declared.has(spec))) continue;
    const parts = spec.split("/");
    out.add(spec.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
  }
  return out;
}

describe("package dependencies", () => {
  for (const pkg of PACKAGES) {
    it(`Given ${pkg.dir}'s sources, Then every package they import is declared in its package.json, and every declared one is imported`, () => {
      const m = manifest(pkg.dir);
      const declared = new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.peerDependencies ?? {})]);
      const used = new Set<string>();
      for (const dir of pkg.sources) {
        for (const f of files(join(ROOT, pkg.dir, dir), pkg.flat)) {
          // Doc comments show imports an app would write; only code counts here.
          const code = readFileSync(f, "utf8")
            .replace(/\/\*[\s\S]*?\*\//g, "")
            .replace(/^\s*\/\/.*$/gm, "");
          for (const p of importedPackages(code, declared)) used.add(p);
        }
      }
      expect([...used].filter((p) => !declared.has(p)).sort(), "imported but not declared").toEqual([]);
      expect([...declared].filter((p) => !used.has(p)).sort(), "declared but not imported").toEqual([]);
    });
  }

  it("Given every package, Then they share one version and pin each other to it exactly", () => {
    const root = manifest(".");
    for (const pkg of PACKAGES) {
      const m = manifest(pkg.dir);
      expect(m.version, m.name).toBe(root.version);
      for (const [dep, range] of Object.entries(m.dependencies ?? {})) if (dep.startsWith("@gpunet/")) expect(range, `${m.name} -> ${dep}`).toBe(root.version);
    }
  });

  it("Given @gpunet/sdk, Then it declares no native addon and none of the indexer's, localnet's or CLI's packages; web3.js, Kit and helius-sdk are optional peers", () => {
    const m = manifest("sdk") as ReturnType<typeof manifest> & { peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    expect(Object.keys(m.dependencies ?? {}).sort()).toEqual(["@gpunet/idl", "bs58", "buffer"]);
    // Each face needs its own library; `@gpunet/sdk/helius` imports helius-sdk.
    const peers = Object.keys(m.peerDependencies ?? {}).sort();
    expect(peers).toEqual(["@solana/kit", "@solana/web3.js", "helius-sdk"]);
    for (const p of peers) expect([p, m.peerDependenciesMeta?.[p]?.optional]).toEqual([p, true]);
    expect(Object.keys(manifest("programs-idl").dependencies ?? {})).toEqual([]);
  });
});
