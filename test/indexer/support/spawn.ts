/** Spawning the child script and waiting for its lines. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

export interface Child {
  readonly proc: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line starting with `prefix`. */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal). */
  exited: Promise<number | string>;
  kill9(): Promise<void>;
}

export function spawnChild(args: readonly string[]): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void }[] = [];
  let buf = "";
  proc.stdout?.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      for (const w of [...waiters])
        if (line.startsWith(w.prefix)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
    }
  });
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | string>((resolve) => proc.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
  return {
    proc,
    lines,
    exited,
    waitFor(prefix, timeoutMs = 60_000) {
      const hit = lines.find((l) => l.startsWith(prefix));
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`child did not print ${prefix}; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({
          prefix,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
        void exited.then((code) =>
          setTimeout(() => {
            clearTimeout(t);
            reject(new Error(`child exited (${code}) before ${prefix}; stderr: ${stderr.slice(-2000)}`));
          }, 50),
        );
      });
    },
    async kill9() {
      proc.kill("SIGKILL");
      await exited;
    },
  };
}
