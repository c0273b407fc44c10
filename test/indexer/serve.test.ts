/**
 * `gpunet serve` as real processes beside a real `gpunet index` process on one
 * SQLite file, fed by a real localnet: many readers, one writer. Readers never
 * see SQLITE_BUSY (no 500), each reader's answers only move forward, both end
 * with the same answers as the database, a second writer is refused with a
 * typed error, and serving leaves the database files byte for byte unchanged.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexQueries, openReaderDatabase } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { Workload } from "./support/workload.ts";

const ROOT = resolve(import.meta.dirname, "../..");

interface Proc {
  readonly proc: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<number | null>;
  /** Resolves with the first match of `re` in stdout + stderr. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

function gpunet(args: readonly string[]): Proc {
  const proc = spawn(process.execPath, ["--import", "tsx", "cli/gpunet.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const p: Proc = {
    proc,
    out: "",
    err: "",
    exited: new Promise((r) => proc.on("exit", (code) => r(code))),
    async waitFor(re, timeoutMs = 60_000) {
      const t0 = Date.now();
      for (;;) {
        const m = (p.out + p.err).match(re);
        if (m) return m;
        if (proc.exitCode !== null) throw new Error(`gpunet ${args.join(" ")} exited ${proc.exitCode} before ${re}: ${p.out}${p.err}`);
        if (Date.now() - t0 > timeoutMs) throw new Error(`gpunet ${args.join(" ")} did not print ${re}: ${p.out}${p.err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
  proc.stdout?.on("data", (d: Buffer) => (p.out += d.toString()));
  proc.stderr?.on("data", (d: Buffer) => (p.err += d.toString()));
  return p;
}

async function stop(p: Proc): Promise<number | null> {
  if (p.proc.exitCode === null) p.proc.kill("SIGTERM");
  return p.exited;
}

/** Reads Server-Sent Events off a response body: `next(name)` resolves with the data of the next event of that name. */
function readEvents(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  return {
    async next(name: string): Promise<Record<string, unknown> & { counters: Record<string, string>; signature?: string; events?: string[] }> {
      for (;;) {
        let end: number;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const ev = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (ev === name && data !== undefined) return JSON.parse(data);
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before event ${name}`);
        buf += decoder.decode(value, { stream: true });
      }
    },
  };
}

const hashOf = (path: string): string => (existsSync(path) ? createHash("sha256").update(readFileSync(path)).digest("hex") : "absent");

type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let w: Workload;
let dir: string;
let db: string;
let indexer: Proc;
const serves: Proc[] = [];
const urls: string[] = [];

async function getJson(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> & { counters?: Record<string, string> } }> {
  const res = await fetch(base + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  dir = mkdtempSync(join(ROOT, ".tmp", "serve-"));
  db = join(dir, "index.db");
  c = await localnetChain({ slotMs: 0 });
  w = new Workload(c);
  await w.setup(3, 2);
});

afterAll(async () => {
  for (const p of [...serves, indexer]) if (p) await stop(p);
  await c?.net.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("gpunet serve: many readers, one writer", () => {
  it("Given one gpunet index writing and two gpunet serve reading, When a workload runs, Then every answer is a 200, moves only forward, and both end equal to the database", async () => {
    // Given the indexer as its own process, following the localnet live and by backfill
    indexer = gpunet(["index", "--db", db, "--rpc", c.net.rpcUrl, "--ws", c.net.wsUrl, "--program", c.programId.toBase58(), "--api-port", "0"]);
    await indexer.waitFor(/API on http:\/\/127\.0\.0\.1:\d+/);
    // And two read-only servers on the same file
    for (let i = 0; i < 2; i++) {
      const s = gpunet(["serve", "--db", db, "--port", "0", "--program", c.programId.toBase58()]);
      serves.push(s);
      urls.push((await s.waitFor(/serving (http:\/\/127\.0\.0\.1:\d+)\//))[1] as string);
    }

    // When the workload runs while both servers are polled
    let running = true;
    const statuses = new Map<number, number>();
    const seen = urls.map(() => ({ txs: 0n, events: 0n, reads: 0 }));
    const readers = urls.map(async (base, i) => {
      while (running) {
        for (const path of ["/stats", "/totals", "/providers", "/jobs?limit=50", "/metrics"]) {
          const res = await fetch(base + path);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const text = await res.text();
          if (path === "/stats") {
            const counters = (JSON.parse(text) as { counters: Record<string, string> }).counters;
            const txs = BigInt(counters.txs ?? "0");
            const events = BigInt(counters.events ?? "0");
            // Then a reader's numbers never go back
            expect(txs >= (seen[i] as { txs: bigint }).txs).toBe(true);
            expect(events >= (seen[i] as { events: bigint }).events).toBe(true);
            Object.assign(seen[i] as object, { txs, events });
          }
          if (path === "/totals") {
            // Then one answer is one consistent read: the jobs by state add up to the jobs
            const t = JSON.parse(text) as { jobs: number; jobsByState: Record<string, number> };
            expect(Object.values(t.jobsByState).reduce((a, b) => a + b, 0)).toBe(t.jobs);
          }
          (seen[i] as { reads: number }).reads++;
        }
      }
    });
    await w.everyPath();
    await w.random(40, 7);
    c.net.advanceSlots(40);
    // The chain's count of successful program transactions: what the index must reach
    const sigs = await c.connection.getSignaturesForAddress(c.programId, { limit: 1000 }, "confirmed");
    const expected = BigInt(sigs.filter((s) => s.err === null).length);
    const t0 = Date.now();
    while (seen.some((s) => s.txs < expected) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    running = false;
    await Promise.all(readers);

    // Then no request failed (SQLITE_BUSY would be a 500), and both readers read all the way
    expect([...statuses.keys()]).toEqual([200]);
    for (const s of seen) {
      expect(s.txs).toBe(expected);
      expect(s.reads).toBeGreaterThan(10);
    }
    // And both servers answer exactly what the database holds
    const r = openReaderDatabase(db);
    try {
      const q = createIndexQueries(r.db);
      const want = JSON.parse(
        JSON.stringify({ totals: await q.networkTotals(), providers: await q.providersByStake(), jobs: await q.jobs({ limit: 1000 }) }, (_k, v) =>
          typeof v === "bigint" ? v.toString() : v,
        ),
      ) as unknown;
      for (const base of urls) {
        const got = {
          totals: (await getJson(base, "/totals")).body,
          providers: (await getJson(base, "/providers")).body,
          jobs: (await getJson(base, "/jobs?limit=1000")).body,
        };
        expect(got).toEqual(want);
      }
    } finally {
      await r.close();
    }
    // And serve's /metrics shows the persisted counters it can read
    const metrics = await (await fetch(`${urls[0]}/metrics`)).text();
    expect(metrics).toContain(`gpunet_indexer_transactions_indexed_total ${expected}`);
  });

  it("Given gpunet index running, When a second gpunet index opens the same database, Then it is refused with WriterLocked (exit 3) and the first goes on", async () => {
    const second = gpunet(["index", "--db", db, "--rpc", c.net.rpcUrl, "--program", c.programId.toBase58(), "--once"]);
    expect(await second.exited).toBe(3);
    expect(second.err).toMatch(/^error WriterLocked: another indexer \(pid \d+\) is writing /m);
    expect(indexer.proc.exitCode).toBeNull();
    const before = BigInt(((await getJson(urls[0] as string, "/stats")).body.counters as Record<string, string>).txs ?? "0");
    // And a client of serve's live stream, which sees only what the other process writes
    const ac = new AbortController();
    const stream = await fetch(`${urls[0]}/live`, { signal: ac.signal });
    const events = readEvents(stream.body as ReadableStream<Uint8Array>);
    expect((await events.next("stats")).counters.txs).toBe(before.toString());
    const signature = await w.fund(12_345n);
    c.net.advanceSlots(40);
    // Then the new transaction arrives on the stream with its event names, then the new counters
    const tx = await events.next("tx");
    expect(tx.signature).toBe(signature);
    expect(tx.events).toContain("rewardsFunded");
    expect((await events.next("stats")).counters.txs).toBe((before + 1n).toString());
    ac.abort();
    const t0 = Date.now();
    let after = before;
    while (after === before && Date.now() - t0 < 30_000) {
      await new Promise((r) => setTimeout(r, 100));
      after = BigInt(((await getJson(urls[1] as string, "/stats")).body.counters as Record<string, string>).txs ?? "0");
    }
    expect(after).toBe(before + 1n);
  });

  it("Given the writer stopped, When both servers answer every route and stream /live, Then the database files are byte for byte unchanged and writes are refused", async () => {
    expect(await stop(indexer)).toBe(0);
    // The -shm file is SQLite's shared-memory index where readers take their read marks: not data.
    const files = [db, `${db}-wal`];
    const before = files.map(hashOf);
    const job = ((await getJson(urls[0] as string, "/jobs?limit=1")).body as unknown as { address: string }[])[0]?.address as string;
    const provider = ((await getJson(urls[0] as string, "/providers?limit=1")).body as unknown as { address: string }[])[0]?.address as string;
    for (const base of urls) {
      for (const path of [
        "/",
        "/assets/app.js",
        "/health",
        "/stats",
        "/totals",
        "/providers",
        `/providers/${provider}`,
        "/jobs",
        `/jobs/${job}`,
        "/rewards",
        "/payments",
        "/dead-letters",
        "/metrics",
        "/meta",
        "/series/network",
        "/series/gpus",
        "/reputation",
        `/providers/${provider}/slashes`,
        `/jobs/${job}/timeline`,
      ]) {
        const res = await fetch(base + path);
        expect([path, res.status]).toEqual([path, 200]);
        await res.arrayBuffer();
      }
      expect(((await getJson(base, "/meta")).body as { programId: string }).programId).toBe(c.programId.toBase58());
      const ac = new AbortController();
      const live = await fetch(`${base}/live`, { signal: ac.signal });
      expect(live.headers.get("content-type")).toBe("text/event-stream");
      const first = await (live.body as ReadableStream<Uint8Array>).getReader().read();
      expect(new TextDecoder().decode(first.value)).toContain("retry:");
      ac.abort();
      for (const method of ["POST", "PUT", "DELETE"]) expect((await fetch(`${base}/providers`, { method })).status).toBe(405);
    }
    expect(files.map(hashOf)).toEqual(before);
    // And each server stops cleanly on SIGTERM
    for (const s of serves) expect(await stop(s)).toBe(0);
  });

  it("Given bad arguments or a missing database, Then gpunet serve says why and exits non-zero", async () => {
    const missing = gpunet(["serve", "--db", join(dir, "nope.db"), "--port", "0"]);
    const badPort = gpunet(["serve", "--db", db, "--port", "99999"]);
    const unknown = gpunet(["serve", "--frob"]);
    const badProgram = gpunet(["serve", "--db", db, "--program", "not-a-key"]);
    expect(await Promise.all([missing.exited, badPort.exited, unknown.exited, badProgram.exited])).toEqual([1, 2, 2, 2]);
    expect(badProgram.err).toContain("--program must be a base58 public key");
    expect(missing.err).toMatch(/^error DatabaseUnavailable: cannot open .*nope\.db read-only/m);
    expect(badPort.err).toContain("--port must be an integer in 0..65535");
    expect(unknown.err).toContain("usage: gpunet serve");
  });
});
