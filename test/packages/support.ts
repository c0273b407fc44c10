/** Packing the workspaces and watching child processes, for the install tests and the footprint bench. */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

/** Builds every package, packs each into `dest`; returns package name -> tarball path. */
export function packAll(dest: string): Record<string, string> {
  mkdirSync(dest, { recursive: true });
  execFileSync(process.execPath, [join(ROOT, "tools/build-package.mjs"), "--all"], { cwd: ROOT, stdio: "pipe" });
  // Built just above, so npm's prepack (the same build) is not run again.
  const out = execFileSync("npm", ["pack", "--workspaces", "--ignore-scripts", "--json", "--pack-destination", dest], { cwd: ROOT, encoding: "utf8" });
  const packed = JSON.parse(out) as { name: string; filename: string }[];
  return Object.fromEntries(packed.map((p) => [p.name, join(dest, p.filename)]));
}

/** Resolves with the first match of `re` in the child's output (stdout and stderr); rejects on exit or timeout. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((done, fail) => {
    let out = "";
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${re}; output: ${out}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString("utf8");
      const m = re.exec(out);
      if (m) finish(m);
    };
    const onExit = (code: number | null): void => finish(new Error(`exited with ${code} before ${re}; output: ${out}`));
    function finish(r: RegExpExecArray | Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      child.off("exit", onExit);
      if (r instanceof Error) fail(r);
      else done(r);
    }
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
