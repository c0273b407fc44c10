/**
 * Runs once before every suite: `npm test` brings its own C toolchain.
 *
 * The program tests build C with clang-19, llvm-link-19 and llc-19. Where they
 * are missing and this is root on a machine with apt, they are installed here
 * (Debian's packages); otherwise the run stops with one line saying what to run.
 * No test is skipped for lack of them.
 */
import { execFileSync, spawnSync } from "node:child_process";

const TOOLS = ["clang-19", "llvm-link-19", "llc-19"] as const;
const INSTALL = "apt-get install -y clang-19 llvm-19";

function missing(): string[] {
  return TOOLS.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`], { stdio: "ignore" }).status !== 0);
}

export default function setup(): void {
  if (missing().length === 0) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const apt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (!root || !apt) {
    throw new Error(`missing ${missing().join(", ")}: run \`sudo ${INSTALL}\` (Debian/Ubuntu), then npm test again`);
  }
  process.stderr.write(`installing the C toolchain for the program tests: ${INSTALL}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "clang-19", "llvm-19"], { stdio: "inherit", env });
  const still = missing();
  if (still.length) throw new Error(`still missing after apt-get: ${still.join(", ")}`);
}
