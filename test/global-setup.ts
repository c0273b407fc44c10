/**
 * Runs once before every suite: `npm test` brings its own C toolchain.
 *
 * The program tests build C with clang-19, llvm-link-19 and llc-19. Where they
 * are missing and this is root on a machine with apt, they are installed here
 * (Debian's packages); otherwise the run stops with one line saying what to run.
 * No test is skipped for lack of them.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const TOOLCHAIN = ["clang-19", "llvm-link-19", "llc-19"] as const;
export const TOOLCHAIN_INSTALL = "apt-get install -y clang-19 llvm-19";

export interface ToolchainProbe {
  /** PATH to search (default: this process's). */
  readonly path?: string;
  /** Whether apt may be run (default: uid 0 and apt-get on PATH). */
  readonly canInstall?: boolean;
}

function onPath(tool: string, path: string): boolean {
  return spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { stdio: "ignore", env: { ...process.env, PATH: path } }).status === 0;
}

/** The toolchain commands missing from `path`. */
export function missingToolchain(path = process.env.PATH ?? ""): string[] {
  return TOOLCHAIN.filter((t) => !onPath(t, path));
}

/** Installs the toolchain when missing and allowed; throws one line saying what to run otherwise. */
export function ensureToolchain(probe: ToolchainProbe = {}): void {
  const path = probe.path ?? process.env.PATH ?? "";
  const missing = missingToolchain(path);
  if (missing.length === 0) return;
  const canInstall = probe.canInstall ?? (typeof process.getuid === "function" && process.getuid() === 0 && onPath("apt-get", path));
  if (!canInstall) throw new Error(`missing ${missing.join(", ")}: run \`sudo ${TOOLCHAIN_INSTALL}\` (Debian/Ubuntu), then npm test again`);
  process.stderr.write(`installing the C toolchain for the program tests: ${TOOLCHAIN_INSTALL}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "clang-19", "llvm-19"], { stdio: "inherit", env });
  const still = missingToolchain(path);
  if (still.length) throw new Error(`still missing after apt-get: ${still.join(", ")}`);
}

export default function setup(): void {
  ensureToolchain();
  // Scratch space of the suites that keep their files in the tree (ignored by git).
  mkdirSync(join(process.cwd(), ".tmp"), { recursive: true });
}
