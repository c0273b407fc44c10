/**
 * Builds every workspace package and packs each into a directory, as `npm pack`
 * does for a release. Shared by the publishing gates (tools/check-packages.ts),
 * the install tests (test/packages) and the footprint bench.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

/** How long a caller waits for another process's build and pack before giving up. */
const LOCK_WAIT_MS = 15 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `fn` holding a lock directory, so two processes (two test files running
 * at once) never build into the same `dist/` folders while the other packs them.
 * A lock left by a process that no longer runs is taken over.
 */
function withPackLock<T>(fn: () => T): T {
  const tmp = join(ROOT, ".tmp");
  mkdirSync(tmp, { recursive: true });
  const lock = join(tmp, "pack-workspaces.lock");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // Just created by its holder, pid not written yet.
      }
      if (holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`packWorkspaces: ${lock} held by process ${holder} for over ${LOCK_WAIT_MS / 60_000} minutes`);
      else Atomics.wait(pause, 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds every package (dependencies first), then packs each into `dest`. */
export function packWorkspaces(dest: string, opts: { readonly showBuild?: boolean } = {}): PackedPackage[] {
  return withPackLock(() => buildAndPack(dest, opts));
}

function buildAndPack(dest: string, opts: { readonly showBuild?: boolean }): PackedPackage[] {
  mkdirSync(dest, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, "tools/build-package.mjs"), "--all"], { cwd: ROOT, stdio: opts.showBuild ? "inherit" : "pipe" });
  // Built just above, so npm's prepack (the same build) is not run again.
  const out = execFileSync("npm", ["pack", "--workspaces", "--ignore-scripts", "--json", "--pack-destination", dest], { cwd: ROOT, encoding: "utf8" });
  return (JSON.parse(out) as Omit<PackedPackage, "path">[]).map((p) => ({ ...p, path: join(dest, p.filename) }));
}
