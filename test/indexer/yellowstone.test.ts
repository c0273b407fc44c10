/**
 * The Yellowstone gRPC source end to end: the real client library
 * (`@triton-one/yellowstone-grpc`, native) against the localnet's Geyser
 * endpoint over real HTTP/2 on 127.0.0.1, the real program, real SQLite, and
 * the `gpunet index` process killed with SIGKILL: live ingest, finality from
 * slot statuses, a fork's transaction rolled back, a cut stream and a killed
 * indexer resumed from the cursor (nothing lost, nothing twice), the "lagged"
 * fall-back to RPC, equality with the logsSubscribe + backfill path, and
 * typed errors for a bad URL, a bad token and a missing server.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, type Indexer, type IndexerConfig } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { canonicalDump } from "./support/compare.ts";
import { until } from "./support/proxy.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
const FINALIZED_DEPTH = 4;
let c: Net;
let w: Workload;
let dir: string;
let n = 0;
const fresh = (): string => join(dir, `y-${n++}.db`);

function rows(path: string): { signature: string; slot: bigint; finality: bigint; source: string }[] {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    return db.prepare("SELECT signature, slot, finality, source FROM txs ORDER BY slot, tx_index").all() as never;
  } finally {
    db.close();
  }
}

async function sweepAll(ix: Indexer): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const r = await ix.sweepFinality();
    if (r.finalized + r.rolledBack + r.moved === 0) return;
  }
}

/** The logsSubscribe + backfill path's database of the same chain, everything finalized. */
async function byBackfill(): Promise<string> {
  const path = fresh();
  const ix = await createIndexer({ dbPath: path, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
  await ix.start();
  await ix.backfillNow();
  await sweepAll(ix);
  await ix.stop();
  return path;
}

/** Signatures of the program's successful transactions on the chain. */
async function chainSignatures(): Promise<string[]> {
  const all = await c.connection.getSignaturesForAddress(c.programId, { limit: 1000 }, "confirmed");
  return all.filter((s) => s.err === null).map((s) => s.signature);
}

const grpcOpts = (path: string, extra: Partial<IndexerConfig> = {}): IndexerConfig => ({
  dbPath: path,
  rpcUrl: c.net.rpcUrl,
  grpcUrl: c.net.grpcUrl as string,
  programId: c.programId.toBase58(),
  finalityIntervalMs: 0,
  reconnectMinMs: 50,
  reconnectMaxMs: 200,
  ...extra,
});

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "idx-grpc-"));
  c = await localnetChain({ slotMs: 0, finalizedDepth: FINALIZED_DEPTH, grpc: { replaySlots: 400 } });
  w = new Workload(c);
  await w.setup(3, 2);
  await w.everyPath();
  c.net.advanceSlots(FINALIZED_DEPTH + 2);
});
afterAll(async () => {
  await c.net.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("gRPC live ingest and finality", () => {
  it("Given an indexer on the stream at processed, When a transaction lands and its slot confirms then finalizes, Then its row goes processed -> confirmed -> finalized with no finality sweep", async () => {
    const path = fresh();
    const ix = await createIndexer(grpcOpts(path, { commitment: "processed" }));
    await ix.start();
    expect(ix.stats().live.connected).toBe(true);
    await until(() => ix.stats().queueDepth === 0 && (ix.store.counters().txs ?? 0n) > 0n, 20_000, "history replayed");
    // When
    const sig = await w.stake(w.providers[0]!, 11n);
    const finality = (): bigint | undefined => rows(path).find((r) => r.signature === sig)?.finality;
    // Then
    await until(() => finality() === 0n, 10_000, "processed row");
    c.net.advanceSlots(1);
    await until(() => finality() === 1n, 10_000, "confirmed row");
    c.net.advanceSlots(FINALIZED_DEPTH);
    await until(() => finality() === 2n, 10_000, "finalized row");
    expect(rows(path).find((r) => r.signature === sig)?.source).toBe("live");
    await ix.stop();
  });

  it("Given a transaction streamed at processed, When its fork is dropped and it never lands again, Then the finality sweep rolls it back and the tables equal the backfill path's", async () => {
    const path = fresh();
    const ix = await createIndexer(grpcOpts(path, { commitment: "processed" }));
    await ix.start();
    await until(() => ix.stats().queueDepth === 0 && (ix.store.counters().txs ?? 0n) > 0n, 20_000, "history replayed");
    c.net.advanceSlots(1);
    const parent = c.net.slot;
    c.net.advanceSlots(1);
    const sig = await w.fund(4_242n);
    await until(async () => (await ix.store.knownSignatures([sig])).size === 1, 10_000, "streamed");
    // When
    const res = await fetch(c.net.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "gpunet_switchFork", params: [{ parentSlot: Number(parent) }] }),
    });
    expect(((await res.json()) as { result: { dropped: string[] } }).result.dropped).toEqual([sig]);
    c.net.advanceSlots(FINALIZED_DEPTH + 3);
    await until(() => ix.stats().live.connected, 5_000, "still connected");
    await ix.idle();
    await sweepAll(ix);
    // Then
    expect(rows(path).some((r) => r.signature === sig)).toBe(false);
    expect(ix.store.counters().rolledBack).toBe(1n);
    expect(await canonicalDump(path)).toBe(await canonicalDump(await byBackfill()));
    await ix.stop();
  });
});

describe("gRPC resume from the cursor", () => {
  it("Given a fresh index, When it replays the history by fromSlot, Then every table equals the logsSubscribe + backfill path's", async () => {
    const path = fresh();
    const logs: string[] = [];
    const ix = await createIndexer(grpcOpts(path, { log: (m) => logs.push(m) }));
    await ix.start();
    const want = await chainSignatures();
    await until(async () => (await ix.store.knownSignatures(want)).size === want.length, 30_000, "replayed");
    // By the stream alone: no RPC backfill ran.
    expect(logs.filter((l) => l.includes("no longer available"))).toEqual([]);
    expect(rows(path).every((r) => r.source === "live")).toBe(true);
    c.net.advanceSlots(FINALIZED_DEPTH + 1);
    await until(() => rows(path).every((r) => r.finality === 2n), 10_000, "finalized by the stream");
    await ix.stop();
    expect(await canonicalDump(path)).toBe(await canonicalDump(await byBackfill()));
  });

  it("Given a live stream, When the localnet's gRPC server restarts mid-stream (connections killed), Then the indexer resumes from its cursor: nothing lost, nothing twice", async () => {
    const path = fresh();
    const ix = await createIndexer(grpcOpts(path));
    await ix.start();
    const sigs: string[] = [];
    for (let i = 0; i < 6; i++) {
      sigs.push(await w.stake(w.providers[i % 3]!, BigInt(100 + i)));
      c.net.advanceSlots(1);
      if (i === 2) {
        await until(async () => (await ix.store.knownSignatures(sigs)).size === sigs.length, 10_000, "first half");
        // When: every connection dies; transactions land while the server is away
        const created = c.net.geyser?.subscriptionsCreated ?? 0;
        await c.net.geyser?.restart();
        sigs.push(await w.fund(77_000n));
        c.net.advanceSlots(1);
        await until(() => (c.net.geyser?.subscriptionsCreated ?? 0) > created && ix.stats().live.connected, 20_000, "resubscribed");
      }
    }
    // Then
    await until(async () => (await ix.store.knownSignatures(sigs)).size === sigs.length, 20_000, "all delivered");
    c.net.advanceSlots(FINALIZED_DEPTH + 1);
    await until(() => rows(path).every((r) => r.finality === 2n), 10_000, "finalized");
    expect(ix.stats().reconnects).toBeGreaterThanOrEqual(1);
    await ix.stop();
    const got = rows(path).map((r) => r.signature);
    expect(new Set(got).size).toBe(got.length);
    expect(await canonicalDump(path)).toBe(await canonicalDump(await byBackfill()));
  });

  it("Given `gpunet index --grpc` killed with SIGKILL mid-replay, When restarted on the same database, Then it resumes by fromSlot and every table equals the backfill path's", async () => {
    // Given: more history to replay
    await w.random(120, 7);
    c.net.advanceSlots(FINALIZED_DEPTH + 2);
    const want = await chainSignatures();
    const path = fresh();
    const count = (): number => {
      try {
        return rows(path).length;
      } catch {
        return 0;
      }
    };
    const start = () =>
      spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          join(process.cwd(), "cli", "bin.ts"),
          "index",
          "--db",
          path,
          "--rpc",
          c.net.rpcUrl,
          "--grpc",
          c.net.grpcUrl as string,
          "--program",
          c.programId.toBase58(),
          "--batch-size",
          "5",
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
      );
    let kills = 0;
    for (let k = 0; k < 6 && kills < 2; k++) {
      const child = start();
      const exited = new Promise((r) => child.on("exit", r));
      const before = count();
      for (let t = 0; t < 4_000 && count() <= before && count() < want.length; t++) await new Promise((r) => setTimeout(r, 5));
      if (count() >= want.length) {
        child.kill("SIGTERM");
        await exited;
        break;
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 30)));
      child.kill("SIGKILL");
      await exited;
      if (count() < want.length) kills++;
    }
    // When: the last run goes to the end
    const last = start();
    const lastExit = new Promise((r) => last.on("exit", r));
    await until(() => count() >= want.length, 60_000, "all rows after restart");
    await new Promise((r) => setTimeout(r, 300));
    last.kill("SIGTERM");
    await lastExit;
    // Then
    expect(kills).toBeGreaterThanOrEqual(1);
    const got = rows(path).map((r) => r.signature);
    expect(new Set(got).size).toBe(got.length);
    expect(await canonicalDump(path)).toBe(await canonicalDump(await byBackfill()));
  });

  it("Given a cursor older than the server's replay window, When the indexer starts, Then the server refuses it as lagged, the gap is backfilled over RPC and the stream resumes: every table equals the backfill path's", async () => {
    // Given: an index of the early history, then the chain moves past the window
    const path = fresh();
    const first = await createIndexer(grpcOpts(path));
    await first.start();
    const early = await chainSignatures();
    await until(async () => (await first.store.knownSignatures(early)).size === early.length, 30_000, "early history");
    await first.stop();
    const sig = await w.stake(w.providers[1]!, 5_555n);
    c.net.advanceSlots(500);
    const sig2 = await w.fund(6_666n);
    c.net.advanceSlots(FINALIZED_DEPTH + 1);
    // When
    const logs: string[] = [];
    const ix = await createIndexer(grpcOpts(path, { log: (m) => logs.push(m) }));
    await ix.start();
    await until(async () => (await ix.store.knownSignatures([sig, sig2])).size === 2 && ix.stats().gapsOpen === 0, 30_000, "gap filled");
    await ix.idle();
    await sweepAll(ix);
    await ix.stop();
    // Then
    expect(logs.some((l) => /is no longer available \(first available \d+\)/.test(l))).toBe(true);
    expect(await canonicalDump(path)).toBe(await canonicalDump(await byBackfill()));
  });
});

describe("gRPC failures are typed", () => {
  it("Given a malformed URL, a refused token, or no server, When the indexer starts, Then start() rejects with InvalidConfig, StreamRefused or Transport, without hanging", async () => {
    const bad = await createIndexer({ dbPath: fresh(), grpcUrl: "ftp://nowhere", programId: c.programId.toBase58(), finalityIntervalMs: 0 });
    await expect(bad.start()).rejects.toMatchObject({ code: "InvalidConfig" });
    await bad.stop();
    const tokenNet = await localnetChain({ slotMs: 0, grpc: { token: "s3cret" } });
    try {
      const refused = await createIndexer({ dbPath: fresh(), grpcUrl: tokenNet.net.grpcUrl as string, grpcToken: "wrong", finalityIntervalMs: 0 });
      await expect(refused.start()).rejects.toMatchObject({ code: "StreamRefused", context: { grpcStatus: 16 } });
      await refused.stop();
      const ok = await createIndexer({ dbPath: fresh(), grpcUrl: tokenNet.net.grpcUrl as string, grpcToken: "s3cret", finalityIntervalMs: 0 });
      await ok.start();
      expect(ok.stats().live.connected).toBe(true);
      await ok.stop();
    } finally {
      await tokenNet.net.close();
    }
    const gone = await createIndexer({ dbPath: fresh(), grpcUrl: "http://127.0.0.1:1", finalityIntervalMs: 0, reconnectMinMs: 20, reconnectMaxMs: 50 });
    const t0 = Date.now();
    await expect(gone.start()).rejects.toMatchObject({ code: "Transport" });
    expect(Date.now() - t0).toBeLessThan(30_000);
    await gone.stop();
  });
});
