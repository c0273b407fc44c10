import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";

const ROOT = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "gpunet-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ["--import", "tsx", "cli/gpunet.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    p.on("close", (code) => res({ code, out }));
  });
}

describe("gpunet start (npm start)", () => {
  it("runs the whole network unattended for a set duration, indexes it, and exits 0", async () => {
    // Given free ports and a fresh database path
    const db = join(dir, "gpunet.db");
    // When the network runs for a few seconds with a fixed seed
    const r = await run(["start", "--duration", "8", "--seed", "11", "--rpc-port", "0", "--api-port", "0", "--db", db, "--quiet"]);
    // Then it exits cleanly, having sent transactions that the indexer stored
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain("gpunet initialized");
    expect(r.out).toMatch(/dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    expect(r.out).toMatch(/done: \d+ steps \(seed 11\)/);
    const sqlite = new Database(db, { readonly: true });
    try {
      const providers = sqlite.prepare("select count(*) as n from providers").get() as { n: number };
      expect(providers.n).toBe(5);
    } finally {
      sqlite.close();
    }
    // And the query command reads the same database
    const q = await run(["query", "totals", "--db", db]);
    expect(q.code, q.out).toBe(0);
    expect(q.out).toContain("providers: 5");
  });

  it("rejects bad flags with usage and exit code 2", async () => {
    const r = await run(["start", "--duration", "-3"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("usage: gpunet start");
    const u = await run(["frobnicate"]);
    expect(u.code).toBe(2);
    expect(u.out).toContain("unknown command");
  });
});

describe("gpunet localnet --init", () => {
  it("serves JSON-RPC with gpunet initialized, funds a wallet, writes the keys, and stops on SIGTERM", async () => {
    const { Connection, Keypair } = await import("@solana/web3.js");
    const { readFileSync } = await import("node:fs");
    const { createGpunetClient } = await import("../../sdk/src/index.ts");
    const keys = join(dir, "keys");
    const wallet = Keypair.generate().publicKey;
    // Given the node started with --init on a free port
    const p = spawn(
      process.execPath,
      ["--import", "tsx", "cli/gpunet.ts", "localnet", "--rpc-port", "0", "--init", "--keys", keys, "--fund", wallet.toBase58()],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    p.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((res) => p.on("close", res));
    await new Promise<void>((res, rej) => {
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes(`funded ${wallet.toBase58()}`)) res();
      });
      p.on("close", () => rej(new Error(out)));
    });
    try {
      // When a client reads the network through the printed RPC URL
      const rpcUrl = /JSON-RPC (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      const info = JSON.parse(readFileSync(join(keys, "network.json"), "utf8")) as { stakeMint: string; admin: string };
      const gpunet = createGpunetClient({ connection: new Connection(rpcUrl, "confirmed") });
      const cfg = (await gpunet.fetchConfig()).data;
      // Then Config names the written admin and mint, and the funded wallet holds SOL
      expect(cfg.stakeMint.toBase58()).toBe(info.stakeMint);
      expect(cfg.admin.toBase58()).toBe(info.admin);
      expect(await new Connection(rpcUrl, "confirmed").getBalance(wallet)).toBe(100_000_000_000);
    } finally {
      p.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
