/**
 * Type-checks every TSDoc `@example` in the packages' sources.
 *
 *   tsx tools/check-examples.ts          exits 1 and lists each example that does not compile
 *
 * Each ```ts block after an `@example` tag becomes a module of its own, written
 * next to nothing in the tree (a temp directory) and compiled with the root
 * tsconfig's options. An example that writes its own imports is checked as is;
 * one that does not sees what its file exports and what its package exports, as
 * a reader of that page would. A few names that examples use as "your value"
 * (a connection, a wallet, keypairs) are declared in a shared prelude.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Package source roots and the entry each one's readers import. */
const PACKAGES = [
  { dir: "programs-idl", entry: "programs-idl/index.ts", name: "@gpunet/idl" },
  { dir: "sdk/src", entry: "sdk/src/index.ts", name: "@gpunet/sdk" },
  { dir: "localnet/src", entry: "localnet/src/index.ts", name: "@gpunet/localnet" },
  { dir: "indexer/src", entry: "indexer/src/index.ts", name: "@gpunet/indexer" },
  { dir: "cli", entry: "cli/gpunet.ts", name: "gpunet" },
] as const;

/** "Your value" names that examples use without defining them. */
const PRELUDE = `import type { Connection, Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
import type { WalletAdapterLike } from "@gpunet/sdk";
declare global {
  const connection: Connection;
  const wallet: WalletAdapterLike;
  const owner: PublicKey;
  const buyer: PublicKey;
  const providerOwner: PublicKey;
  const stakeMint: PublicKey;
  const mint: PublicKey;
  const admin: Keypair;
  const payer: Keypair;
  const ownerKeypair: Keypair;
  const buyerKeypair: Keypair;
  const ix: TransactionInstruction;
  const logs: string[];
  const signal: AbortSignal;
}
export {};
`;

interface Example {
  file: string;
  line: number;
  code: string;
  pkg: (typeof PACKAGES)[number];
}

function sourceFiles(dir: string): string[] {
  const abs = join(ROOT, dir);
  const out: string[] = [];
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const p = join(abs, e.name);
    if (e.isDirectory()) {
      if (e.name !== "dist" && e.name !== "node_modules") out.push(...sourceFiles(relative(ROOT, p)));
    } else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") && !e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

/** Every ```ts block that follows an @example tag in a doc comment. */
export function findExamples(): Example[] {
  const found: Example[] = [];
  for (const pkg of PACKAGES) {
    const files =
      pkg.dir === "cli" || pkg.dir === "programs-idl" ? sourceFiles(pkg.dir).filter((f) => dirname(f) === join(ROOT, pkg.dir)) : sourceFiles(pkg.dir);
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const re = /\/\*\*[\s\S]*?\*\//g;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const comment = m[0];
        const at = comment.indexOf("@example");
        if (at < 0) continue;
        const lines = comment
          .slice(at)
          .split("\n")
          .map((l) => l.replace(/^\s*\*( |$)/, ""));
        let inBlock = false;
        let code: string[] = [];
        let startLine = 0;
        lines.forEach((l, i) => {
          if (!inBlock && /^```(ts|typescript)\s*$/.test(l.trim())) {
            inBlock = true;
            code = [];
            startLine = text.slice(0, m.index + at).split("\n").length + i;
          } else if (inBlock && l.trim() === "```") {
            inBlock = false;
            found.push({ file, line: startLine, code: code.join("\n"), pkg });
          } else if (inBlock) code.push(l);
        });
      }
    }
  }
  return found;
}

/** Exported names of a module, split into values and types, as the checker sees them. */
function exportsOf(program: ts.Program, file: string): { values: string[]; types: string[] } {
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(file);
  const sym = sf && checker.getSymbolAtLocation(sf);
  const values: string[] = [];
  const types: string[] = [];
  if (!sym) return { values, types };
  for (const e of checker.getExportsOfModule(sym)) {
    if (e.name === "default") continue;
    const target = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
    if (target.flags & ts.SymbolFlags.Value) values.push(e.name);
    else types.push(e.name);
  }
  return { values, types };
}

function main(): number {
  const examples = findExamples();
  const configFile = ts.readConfigFile(join(ROOT, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true, noUnusedLocals: false, noUnusedParameters: false };
  const sources = [...new Set(examples.map((e) => e.file).concat(PACKAGES.map((p) => join(ROOT, p.entry))))];
  const base = ts.createProgram(sources, options);

  const dir = mkdtempSync(join(tmpdir(), "gpunet-examples-"));
  // Inside the root so tsconfig paths and node_modules resolve as they do for the tree.
  const work = join(ROOT, ".tmp", relative(tmpdir(), dir));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const files: string[] = [];
  const origin = new Map<string, Example>();
  const spec = (f: string): string =>
    relative(work, f)
      .replace(/\\/g, "/")
      .replace(/^(?!\.)/, "./");
  try {
    writeFileSync(join(work, "prelude.ts"), PRELUDE);
    files.push(join(work, "prelude.ts"));
    examples.forEach((ex, i) => {
      let header = "";
      if (!/^\s*import\s/m.test(ex.code)) {
        const own = exportsOf(base, ex.file);
        const pkg = exportsOf(base, join(ROOT, ex.pkg.entry));
        const mentioned = (n: string): boolean => new RegExp(`\\b${n}\\b`).test(ex.code);
        const fromOwn = [...own.values, ...own.types].filter(mentioned);
        const fromPkg = [...pkg.values, ...pkg.types].filter((n) => mentioned(n) && !fromOwn.includes(n));
        if (fromOwn.length) header += `import { ${fromOwn.join(", ")} } from ${JSON.stringify(spec(ex.file))};\n`;
        if (fromPkg.length)
          header += `import { ${fromPkg.join(", ")} } from ${JSON.stringify(ex.pkg.name === "gpunet" ? spec(join(ROOT, ex.pkg.entry)) : ex.pkg.name)};\n`;
      }
      const f = join(work, `example-${i}.ts`);
      // A relative import names a module next to the example's own file (an internal helper).
      const code = ex.code.replace(
        /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"']+)\2/g,
        (_m, kw: string, q: string, rel: string) => `${kw}${q}${spec(resolve(dirname(ex.file), rel))}${q}`,
      );
      writeFileSync(f, `${header}${code}\nexport {};\n`);
      files.push(f);
      origin.set(f, ex);
    });
    const program = ts.createProgram(files, { ...options, verbatimModuleSyntax: false, isolatedModules: false });
    const diags = ts.getPreEmitDiagnostics(program).filter((d) => d.file && origin.has(d.file.fileName));
    const bad = new Map<string, string[]>();
    for (const d of diags) {
      const ex = origin.get(d.file?.fileName ?? "") as Example;
      const key = `${relative(ROOT, ex.file)}:${ex.line}`;
      const list = bad.get(key) ?? [];
      list.push(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      bad.set(key, list);
    }
    for (const [key, msgs] of bad) process.stderr.write(`${key}: @example does not compile:\n  ${msgs.join("\n  ")}\n`);
    process.stdout.write(`${examples.length} @example blocks checked, ${bad.size} failing\n`);
    return bad.size ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exit(main());
