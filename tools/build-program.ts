/**
 * Builds an on-chain program from C: clang-19 (each .c to LLVM bitcode),
 * llvm-link-19 (one module), llc-19 (one eBPF object), then gpunet's own
 * linker (tools/sbf-link.ts) to a Solana SBPF v0 program.
 *
 * The output does not depend on where the checkout lives: the compilers run
 * with the checkout as working directory and repo-relative paths, absolute
 * prefixes are mapped to "." (`-ffile-prefix-map`), no debug info is emitted,
 * and the linker only copies code and read-only data (no symbol table, no
 * file names) into the program.
 *
 * CLI (from the checkout root):
 *   tsx tools/build-program.ts            builds programs/gpunet into target/deploy/gpunet.so
 *   tsx tools/build-program.ts --verify   rebuilds into a temp file; exits 1 unless it equals the committed .so
 *   --root <dir>                          use another checkout instead of this one
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { linkSbfProgram } from "./sbf-link.ts";

const run = promisify(execFile);

/** The checkout this file belongs to (tools/..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Compiler flags that produce code the SBPF v0 loader accepts. */
export const CLANG_FLAGS: readonly string[] = Object.freeze([
  "-target",
  "bpf",
  "-mcpu=v2",
  "-O2",
  "-fno-builtin",
  "-ffreestanding",
  "-nostdlib",
  "-fno-stack-protector",
  "-fno-jump-tables",
  "-Wall",
  "-Werror",
  // The VM gives each frame 4 KiB; upstream LLVM stops at 512 bytes by default.
  "-mllvm",
  "-bpf-stack-size=4096",
  "-g0",
]);
/** llc flags: same CPU as clang; v3 would emit JMP32, which SBPF v0 lacks. */
export const LLC_FLAGS: readonly string[] = Object.freeze([
  "-march=bpfel",
  "-mcpu=v2",
  "-O2",
  "-filetype=obj",
  // Same frame limit as the compile step: the VM gives each frame 4 KiB.
  "-bpf-stack-size=4096",
]);

/** What went wrong while building (a linker refusal is a `LinkError` from sbf-link.ts instead). */
export type BuildErrorCode = "NoSources" | "ToolMissing" | "CompileFailed" | "BitcodeLinkFailed" | "CodegenFailed";

/** A build step failed; `output` holds the tool's stderr (compiler diagnostics). */
export class BuildError extends Error {
  override readonly name = "BuildError";
  readonly code: BuildErrorCode;
  readonly output: string;
  constructor(code: BuildErrorCode, message: string, output = "") {
    super(output ? `${message}\n${output}` : message);
    this.code = code;
    this.output = output;
  }
}

/** Options of {@link buildProgram}. Relative paths are relative to `root`. */
export interface BuildProgramOptions {
  /** C sources, compiled in the given order after sorting by path (so order never changes the output). */
  sources: string[];
  /** `-I` directories. */
  includeDirs: string[];
  /** Where to write the program (.so). */
  out: string;
  /** `-DKEY=VALUE` defines. */
  defines?: Record<string, string>;
  /** Checkout root: working directory of the compilers and home of `target/build/`. Default: this checkout. */
  root?: string;
}

/**
 * Compiles and links C sources into a Solana program, writes it to `opts.out` and returns its bytes.
 *
 * @throws {BuildError} on compiler failures; {@link LinkError} (from sbf-link.ts) when the linker refuses.
 * @example
 * ```ts
 * const so = await buildProgram({
 *   sources: ["programs/gpunet/src/entrypoint.c"],
 *   includeDirs: ["programs/gpunet/include"],
 *   out: "target/deploy/gpunet.so",
 * });
 * ```
 */
export async function buildProgram(opts: BuildProgramOptions): Promise<Uint8Array> {
  const root = resolve(opts.root ?? REPO_ROOT);
  if (opts.sources.length === 0) throw new BuildError("NoSources", "no C sources given");
  // Inside the root, name files relative to it; outside (temp fixtures), keep them absolute
  // and let -ffile-prefix-map rewrite them.
  const rel = (p: string): string => {
    const abs = resolve(root, p);
    const r = relative(root, abs);
    return r.startsWith("..") || isAbsolute(r) ? abs : r.split(sep).join("/");
  };
  const sources = [...new Set(opts.sources.map(rel))].sort();
  const includes = opts.includeDirs.map(rel);
  const defines = Object.entries(opts.defines ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `-D${k}=${v}`);
  const outAbs = resolve(root, opts.out);
  const stem = basename(outAbs).replace(/\.so$/, "");
  const buildDirRel = `target/build/${stem}`;
  const buildDir = join(root, buildDirRel);
  mkdirSync(buildDir, { recursive: true });

  const prefixMaps = [`-ffile-prefix-map=${root}=.`];
  for (const s of sources) {
    if (isAbsolute(s)) prefixMaps.push(`-ffile-prefix-map=${dirname(s)}=.`);
  }

  const bitcode = await Promise.all(
    sources.map(async (src) => {
      const bc = `${buildDirRel}/${src.replace(/^\/+/, "").replace(/[/\\]/g, "__").replace(/\.c$/, "")}.bc`;
      await tool(
        "clang-19",
        [...CLANG_FLAGS, ...prefixMaps, ...includes.map((d) => `-I${d}`), ...defines, "-emit-llvm", "-c", src, "-o", bc],
        root,
        "CompileFailed",
      );
      return bc;
    }),
  );
  const linked = `${buildDirRel}/${stem}.bc`;
  await tool("llvm-link-19", [...bitcode, "-o", linked], root, "BitcodeLinkFailed");
  const obj = `${buildDirRel}/${stem}.o`;
  await tool("llc-19", [...LLC_FLAGS, linked, "-o", obj], root, "CodegenFailed");

  const so = linkSbfProgram(readFileSync(join(root, obj)));
  mkdirSync(dirname(outAbs), { recursive: true });
  writeFileSync(outAbs, so);
  return so;
}

async function tool(cmd: string, args: string[], cwd: string, code: BuildErrorCode): Promise<void> {
  try {
    await run(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (e: unknown) {
    const err = e as { code?: unknown; stderr?: unknown };
    if (err.code === "ENOENT") throw new BuildError("ToolMissing", `${cmd} not found: apt-get install -y clang-19 llvm-19`);
    throw new BuildError(code, `${cmd} failed`, typeof err.stderr === "string" ? err.stderr : String(e));
  }
}

/** The shipped program's build inputs. */
export function gpunetBuildOptions(root: string = REPO_ROOT): BuildProgramOptions {
  const srcDir = join(root, "programs/gpunet/src");
  const sources = existsSync(srcDir)
    ? readdirSync(srcDir)
        .filter((f) => f.endsWith(".c"))
        .sort()
        .map((f) => `programs/gpunet/src/${f}`)
    : [];
  return { sources, includeDirs: ["programs/gpunet/include"], out: "target/deploy/gpunet.so", root };
}

async function main(argv: string[]): Promise<number> {
  const verify = argv.includes("--verify");
  // --root <dir>: build another checkout (CI clones, tests); default this one.
  const rootIdx = argv.indexOf("--root");
  const root = rootIdx >= 0 && argv[rootIdx + 1] ? resolve(argv[rootIdx + 1] ?? ".") : REPO_ROOT;
  const opts = gpunetBuildOptions(root);
  try {
    if (opts.sources.length === 0) {
      process.stderr.write(`build-program: no C sources in ${join(root, "programs/gpunet/src")}\n`);
      return 1;
    }
    if (!verify) {
      const so = await buildProgram(opts);
      process.stdout.write(`built ${opts.out} (${so.length} bytes)\n`);
      return 0;
    }
    const committedPath = join(root, opts.out);
    if (!existsSync(committedPath)) {
      process.stderr.write(`verify:program: ${opts.out} does not exist; run npm run build:program and commit it\n`);
      return 1;
    }
    const dir = mkdtempSync(join(tmpdir(), "gpunet-verify-"));
    try {
      const fresh = await buildProgram({ ...opts, out: join(dir, "gpunet.so") });
      const committed = readFileSync(committedPath);
      if (Buffer.compare(Buffer.from(fresh), committed) !== 0) {
        let first = 0;
        while (first < Math.min(fresh.length, committed.length) && fresh[first] === committed[first]) first++;
        process.stderr.write(
          `verify:program: ${opts.out} is stale: a fresh build differs (fresh ${fresh.length} bytes, committed ${committed.length} bytes, first difference at byte ${first}).\n` +
            `Run npm run build:program and commit ${opts.out}.\n`,
        );
        return 1;
      }
      process.stdout.write(`verify:program: ${opts.out} matches a fresh build (${fresh.length} bytes)\n`);
      return 0;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } catch (e: unknown) {
    if (e instanceof Error && "code" in e) {
      process.stderr.write(`build-program: ${String((e as { code: unknown }).code)}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
