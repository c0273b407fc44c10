/**
 * Composing an indexer from explicit datasources, end to end: the real
 * localnet (program in the Solana VM, JSON-RPC, WebSocket and Yellowstone gRPC
 * on 127.0.0.1), real SQLite files and a real PostgreSQL server. logsSubscribe
 * and Yellowstone composed together, and a user's own Datasource class that
 * pushes transactions it reads from a JSONL file of `getTransaction` answers,
 * each give every row a fresh RPC backfill gives; bad compositions are typed
 * errors.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createIndexer,
  createRpcClient,
  openWriteStore,
  type Datasource,
  type DatasourceContext,
  type DatasourceStats,
  type Indexer,
  IndexerError,
  logsSubscribe,
  type RpcTransaction,
  rpcTransactionToUpdate,
  type TransactionUpdate,
  yellowstone,
} from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { canonicalDump } from "./support/compare.ts";
import { until } from "./support/proxy.ts";
import { rows, STORES, type StoreKind, useStores } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
const FINALIZED_DEPTH = 4;
let c: Net;
let w: Workload;
let dir: string;
const stores = useStores();

/**
 * A user's datasource: replays a JSONL file of `getTransaction` answers, one
 * per line, in pushes of `chunk`; `done` resolves once every line is committed.
 */
class JsonlFileSource implements Datasource {
  readonly name = "jsonl";
  readonly recovery = "none";
  readonly done: Promise<number>;
  readonly #path: string;
  readonly #chunk: number;
  #lines = 0;
  #finished: (n: number) => void = () => {};
  #failed: (e: unknown) => void = () => {};
  #running: Promise<void> | null = null;

  constructor(path: string, chunk: number) {
    this.#path = path;
    this.#chunk = chunk;
    this.done = new Promise<number>((resolve, reject) => {
      this.#finished = resolve;
      this.#failed = reject;
    });
  }

  async start(ctx: DatasourceContext): Promise<void> {
    this.#running = this.#read(ctx).then(
      () => this.#finished(this.#lines),
      (e: unknown) => this.#failed(e),
    );
  }

  async #read(ctx: DatasourceContext): Promise<void> {
    const input = createReadStream(this.#path, "utf8");
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let batch: TransactionUpdate[] = [];
    for await (const line of lines) {
      if (ctx.signal.aborted) break;
      if (line.trim() === "") continue;
      batch.push(rpcTransactionToUpdate(JSON.parse(line) as RpcTransaction, "confirmed", "replay"));
      this.#lines++;
      if (batch.length >= this.#chunk) {
        await ctx.sink.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await ctx.sink.push(batch);
    input.close();
  }

  async stop(): Promise<void> {
    await this.#running;
  }

  stats(): DatasourceStats {
    return { connected: this.#running !== null, notifications: this.#lines, reconnects: 0, watchdogFires: 0, headSlot: 0n };
  }
}

async function sweepAll(ix: Indexer): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const r = await ix.sweepFinality();
    if (r.finalized + r.rolledBack + r.moved === 0) return;
  }
}

/** The same chain indexed by an RPC backfill alone, everything finalized. */
async function freshBackfill(kind: StoreKind): Promise<string> {
  const location = await stores.fresh(kind);
  const ix = await createIndexer({ store: location, rpc: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
  await ix.start();
  await ix.backfillNow();
  await sweepAll(ix);
  await ix.stop();
  return location;
}

/** Successful program signatures on the chain, oldest first. */
async function chainSignatures(): Promise<string[]> {
  const all = await c.connection.getSignaturesForAddress(c.programId, { limit: 1000 }, "confirmed");
  return all
    .filter((s) => s.err === null)
    .map((s) => s.signature)
    .reverse();
}

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "idx-compose-"));
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

describe.each(STORES)("an indexer composed from datasources (%s store)", (kind) => {
  it("Given logsSubscribe and Yellowstone composed together, When the history replays and new transactions land live, Then every row equals a fresh backfill's", async () => {
    // Given
    const location = await stores.fresh(kind);
    const ix = await createIndexer({
      store: location,
      rpc: c.net.rpcUrl,
      programId: c.programId.toBase58(),
      finalityIntervalMs: 0,
      datasources: [logsSubscribe({ wsUrl: c.net.wsUrl }), yellowstone({ url: c.net.grpcUrl as string })],
    });
    expect(ix.config.datasources.map((d) => d.name)).toEqual(["logsSubscribe", "yellowstone"]);
    await ix.start();
    await until(() => ix.stats().live.connected, 10_000, "both subscribed");
    const before = await chainSignatures();
    await until(async () => (await ix.store.knownSignatures(before)).size === before.length, 30_000, "history replayed");
    // When
    const heard = [await w.stake(w.providers[0]!, 321n), await w.fund(4_321n), await w.claim(w.providers[1]!)];
    c.net.advanceSlots(1);
    await until(async () => (await ix.store.knownSignatures(heard)).size === heard.length, 10_000, "live transactions");
    // Both streams delivered them: the second copy of each is absorbed as a duplicate.
    await until(() => (ix.store.counters().duplicates ?? 0n) >= BigInt(heard.length), 10_000, "the other stream's copies");
    c.net.advanceSlots(FINALIZED_DEPTH + 2);
    await ix.idle();
    await sweepAll(ix);
    const s = ix.stats();
    await ix.stop();
    // Then
    expect(s.live.enabled).toBe(true);
    expect(s.live.notifications).toBeGreaterThanOrEqual(heard.length * 2);
    const sources = await rows<{ source: string }>(location, "SELECT DISTINCT source FROM txs");
    expect(sources.map((r) => r.source)).toEqual(["live"]);
    expect(await canonicalDump(location)).toBe(await canonicalDump(await freshBackfill(kind)));
  });

  it("Given a user's own Datasource class that replays a JSONL file of getTransaction answers, When composed with an RPC and no other source, Then every row equals a fresh backfill's", async () => {
    // Given: the file, written from the RPC's answers
    const rpc = createRpcClient({ url: c.net.rpcUrl });
    const sigs = await chainSignatures();
    const answers: string[] = [];
    for (const sig of sigs) {
      const tx = await rpc.call<RpcTransaction | null>("getTransaction", [
        sig,
        { encoding: "json", commitment: "confirmed", maxSupportedTransactionVersion: 0 },
      ]);
      expect(tx).not.toBeNull();
      answers.push(JSON.stringify(tx));
    }
    const file = join(dir, `${kind}-txs.jsonl`);
    writeFileSync(file, `${answers.join("\n")}\n`);
    const source = new JsonlFileSource(file, 7);
    const location = await stores.fresh(kind);
    const ix = await createIndexer({
      store: location,
      rpc: c.net.rpcUrl,
      programId: c.programId.toBase58(),
      backfill: false,
      finalityIntervalMs: 0,
      datasources: [source],
    });
    // When
    await ix.start();
    const pushed = await source.done;
    await ix.idle();
    await sweepAll(ix);
    const s = ix.stats();
    await ix.stop();
    // Then
    expect(pushed).toBe(sigs.length);
    expect(source.stats().notifications).toBe(sigs.length);
    // A source whose sender retries is not a live stream: no live cursor, no gap.
    expect(s.live.enabled).toBe(false);
    expect(s.gapsOpen).toBe(0);
    expect(await rows(location, "SELECT name FROM checkpoints WHERE name = 'live'")).toEqual([]);
    expect(await canonicalDump(location)).toBe(await canonicalDump(await freshBackfill(kind)));
  });
});

describe.each(STORES)("an indexer on a store opened by the caller (%s store)", (kind) => {
  it("Given a store opened with openWriteStore and an rpc as the only part, When the indexer backfills and stops, Then every row equals a fresh backfill's and the store is closed (its writer lock released)", async () => {
    // Given
    const location = await stores.fresh(kind);
    const writer = await openWriteStore(location);
    const ix = await createIndexer({ store: writer, rpc: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0, datasources: [] });
    expect(ix.writer).toBe(writer);
    // When
    await ix.start();
    await ix.backfillNow();
    await sweepAll(ix);
    await ix.stop();
    // Then
    expect(await canonicalDump(location)).toBe(await canonicalDump(await freshBackfill(kind)));
    const next = await openWriteStore(location);
    await next.close();
  });
});

describe("bad compositions", () => {
  it("Given two datasources of one kind, no datasource and no rpc, or something that is not a datasource, Then createIndexer throws InvalidComposition naming it, and opens no database", async () => {
    const location = join(dir, "never.db");
    const attempt = async (cfg: Parameters<typeof createIndexer>[0]): Promise<IndexerError> => {
      const e = await createIndexer(cfg).then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(IndexerError);
      return e as IndexerError;
    };
    const twice = await attempt({
      store: location,
      rpc: c.net.rpcUrl,
      datasources: [logsSubscribe({ wsUrl: c.net.wsUrl }), logsSubscribe({ wsUrl: c.net.wsUrl })],
    });
    expect(twice.code).toBe("InvalidComposition");
    expect(twice.context).toEqual({ datasource: "logsSubscribe" });
    // The flat field names the same kind as the explicit source.
    const mixed = await attempt({ store: location, rpc: c.net.rpcUrl, wsUrl: c.net.wsUrl, datasources: [logsSubscribe({ wsUrl: c.net.wsUrl })] });
    expect(mixed.code).toBe("InvalidComposition");
    const nothing = await attempt({ store: location, datasources: [] });
    expect(nothing.code).toBe("InvalidComposition");
    expect(nothing.message).toMatch(/nothing to index from/);
    const notOne = await attempt({ store: location, rpc: c.net.rpcUrl, datasources: [{ name: "half", start: async () => {} } as unknown as Datasource] });
    expect(notOne.code).toBe("InvalidComposition");
    expect(notOne.context).toEqual({ datasource: "half" });
    const both = await attempt({ store: location, dbPath: join(dir, "other.db"), rpc: c.net.rpcUrl });
    expect(both.code).toBe("InvalidConfig");
    expect(existsSync(location)).toBe(false);
  });
});

describe("the README's composition example", () => {
  it("Given the code block of indexer/README.md's 'Composing an indexer' section, When run with node (workspace imports mapped to the sources), Then it composes four datasources and exits 0", () => {
    const readme = readFileSync(join(process.cwd(), "indexer/README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Composing an indexer"));
    const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code).toBeDefined();
    const file = join(dir, "readme-compose.mjs");
    writeFileSync(file, code as string);
    const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: process.cwd(), encoding: "utf8", timeout: 120_000 });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain("[ 'logsSubscribe', 'yellowstone', 'webhook', 'handed' ]");
    expect(r.stdout).toMatch(/webhook http:\/\/127\.0\.0\.1:\d+\//);
  });
});
