/**
 * The standalone localnet process: start with a ledger on ephemeral ports,
 * serve a request, stop on SIGTERM with the ledger saved.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseLocalnetArgs } from "../../localnet/src/index.ts";
import { isLocalnetError } from "../../localnet/src/index.ts";
import { rpcResult } from "./helpers.ts";

const ROOT = resolve(import.meta.dirname, "../..");

describe("localnet CLI", () => {
  it("Given arguments, When parsed, Then options come out and bad ones are refused", () => {
    expect(parseLocalnetArgs(["--rpc-port", "0", "--slot-ms", "50", "--ledger", "x", "--finalized-depth", "8"])).toEqual({
      rpcPort: 0,
      slotMs: 50,
      ledgerDir: "x",
      finalizedDepth: 8,
    });
    expect(parseLocalnetArgs(["--help"])).toBeNull();
    for (const bad of [["--rpc-port", "-1"], ["--nope"], ["--program", "no-equals-sign"]]) {
      let err: unknown;
      try {
        parseLocalnetArgs(bad);
      } catch (e) {
        err = e;
      }
      expect(isLocalnetError(err, "INVALID_OPTIONS")).toBe(true);
    }
  });

  it("Given the process started with --ledger, When SIGTERM arrives, Then it exits 0 and the ledger is on disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gpunet-cli-"));
    try {
      const child = spawn(join(ROOT, "node_modules/.bin/tsx"), ["localnet/src/main.ts", "--rpc-port", "0", "--slot-ms", "50", "--ledger", dir], { cwd: ROOT });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      const url = await new Promise<string>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no URL in output: ${out}`)), 60_000);
        child.stdout.on("data", () => {
          const m = /JSON-RPC (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(t);
            res(m[1]);
          }
        });
      });
      expect(await rpcResult(url, "getHealth")).toBe("ok");
      const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(out).toContain("stopped");
      expect(existsSync(join(dir, "snapshot.bin"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
