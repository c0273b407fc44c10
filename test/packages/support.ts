/** Packing the workspaces, running node in a test project and watching child processes, for the install tests. */
import { spawn, type ChildProcess } from "node:child_process";
import { packWorkspaces } from "../../tools/pack-workspaces.ts";

/** Builds and packs every package into `dest`; returns package name -> tarball path. */
export function packAll(dest: string): Record<string, string> {
  return Object.fromEntries(packWorkspaces(dest).map((p) => [p.name, p.path]));
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

/** Runs `node file args` in `cwd` without blocking this process (a localnet may answer from here). */
export function runNode(cwd: string, file: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [file, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
