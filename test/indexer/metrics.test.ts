/**
 * `/metrics` scraped from a real indexer's HTTP API over a real localnet, and
 * parsed as the Prometheus text format: every sample well-formed, each value
 * equal to what the indexer and its database say, HTTP requests counted by
 * route pattern and status, and one registry per server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { register as globalRegistry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, type Indexer, startApiServer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { Workload } from "./support/workload.ts";

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}
interface Scrape {
  readonly types: Map<string, string>;
  readonly samples: Sample[];
  /** The one sample of `name` with exactly these labels (throws when absent). */
  get(name: string, labels?: Record<string, string>): number;
}

/** A strict parser of the text exposition format 0.0.4. */
function parseMetrics(text: string): Scrape {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (m) {
      if (m[1] === "TYPE") {
        expect(["counter", "gauge", "histogram", "summary", "untyped"]).toContain(m[3]);
        types.set(m[2] as string, m[3] as string);
      } else helps.add(m[2] as string);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      for (const pair of (m[2] as string).match(/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*"/g) ?? []) {
        const eq = pair.indexOf("=");
        labels[pair.slice(0, eq)] = JSON.parse(pair.slice(eq + 1)) as string;
      }
    }
    const name = m[1] as string;
    const family = name.replace(/_(bucket|sum|count)$/, "");
    expect(types.has(name) || types.has(family), `${name} has a # TYPE`).toBe(true);
    expect(helps.has(name) || helps.has(family), `${name} has a # HELP`).toBe(true);
    samples.push({ name, labels, value: Number(m[3]) });
  }
  return {
    types,
    samples,
    get(name, labels = {}) {
      const hits = samples.filter((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
      if (hits.length !== 1) throw new Error(`${hits.length} samples of ${name} ${JSON.stringify(labels)}`);
      return (hits[0] as Sample).value;
    },
  };
}

type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let dir: string;
let ix: Indexer;
let api: string;

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "metrics-"));
  c = await localnetChain({ slotMs: 0 });
  const w = new Workload(c);
  await w.setup(2, 1);
  await w.everyPath();
  c.net.advanceSlots(1);
  ix = await createIndexer({ dbPath: join(dir, "m.db"), rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0, apiPort: 0 });
  await ix.start();
  await ix.backfillNow();
  // Indexed while confirmed; finalized by the sweep once the chain moved on
  c.net.advanceSlots(40);
  await ix.sweepFinality();
  api = `http://127.0.0.1:${ix.ports.api}`;
});
afterAll(async () => {
  await ix?.stop();
  await c?.net.close();
  rmSync(dir, { recursive: true, force: true });
});

const scrape = async (base = api): Promise<Scrape> => {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseMetrics(await res.text());
};

describe("/metrics", () => {
  it("Given an indexer that backfilled a workload, When /metrics is scraped, Then each value equals the indexer's own numbers", async () => {
    const m = await scrape();
    const s = ix.stats();
    const counters = s.counters;
    expect(counters.txs).toBeGreaterThan(20n);
    expect(m.get("gpunet_indexer_transactions_indexed_total")).toBe(Number(counters.txs));
    expect(m.get("gpunet_indexer_events_indexed_total")).toBe(Number(counters.events));
    expect(m.get("gpunet_indexer_dead_letters_total")).toBe(Number(counters.deadLetters ?? 0n));
    expect(m.get("gpunet_indexer_reconnects_total")).toBe(Number(counters.reconnects ?? 0n));
    expect(m.get("gpunet_indexer_indexed_slot")).toBe(Number(s.indexedSlot));
    expect(m.get("gpunet_indexer_head_slot")).toBe(Number(s.headSlot));
    expect(m.get("gpunet_indexer_ingest_lag_slots")).toBe(Number(s.lagSlots));
    expect(m.get("gpunet_indexer_gaps_open")).toBe(s.gapsOpen);
    expect(m.get("gpunet_indexer_checkpoint_slot", { name: "backfill" })).toBe(Number(ix.store.checkpoint("backfill")?.slot));
    // Backfill progress: every listed transaction fetched
    expect(m.get("gpunet_indexer_backfill_total_transactions")).toBe(s.backfill.total);
    expect(m.get("gpunet_indexer_backfill_done_transactions")).toBe(s.backfill.total);
    expect(m.get("gpunet_indexer_backfill_active")).toBe(0);
    // Finality: the one sweep finalized what the localnet finalized
    expect(m.get("gpunet_indexer_finality_sweeps_total")).toBe(1);
    expect(m.get("gpunet_indexer_finality_transactions_total", { outcome: "finalized" })).toBe(s.finality.finalized);
    expect(s.finality.finalized).toBeGreaterThan(0);
    expect(m.get("gpunet_indexer_finality_transactions_total", { outcome: "rolled_back" })).toBe(0);
    expect(m.types.get("gpunet_indexer_transactions_indexed_total")).toBe("counter");
    expect(m.types.get("gpunet_indexer_ingest_lag_slots")).toBe("gauge");
    expect(m.types.get("gpunet_http_request_duration_seconds")).toBe("histogram");
    expect(m.get("gpunet_indexer_events_per_second")).toBeGreaterThanOrEqual(0);
  });

  it("Given requests to routes with addresses and bad parameters, Then they are counted by route pattern and status, never by raw path", async () => {
    const before = await scrape();
    const count = (m: Scrape, route: string, status: string): number => {
      try {
        return m.get("gpunet_http_requests_total", { route, status });
      } catch {
        return 0;
      }
    };
    const provider = ((await (await fetch(`${api}/providers?limit=1`)).json()) as { address: string }[])[0]?.address as string;
    for (let i = 0; i < 3; i++) await (await fetch(`${api}/providers/${provider}`)).text();
    await (await fetch(`${api}/providers?limit=0`)).text();
    await (await fetch(`${api}/no/such/route`)).text();
    const after = await scrape();
    expect(count(after, "providers/:address", "200") - count(before, "providers/:address", "200")).toBe(3);
    expect(count(after, "providers", "400") - count(before, "providers", "400")).toBe(1);
    expect(count(after, "unmatched", "404") - count(before, "unmatched", "404")).toBe(1);
    expect(after.samples.some((s) => Object.values(s.labels).some((v) => v.includes(provider)))).toBe(false);
    const n = after.get("gpunet_http_request_duration_seconds_count", { route: "providers/:address" });
    expect(n).toBeGreaterThanOrEqual(3);
    expect(after.get("gpunet_http_request_duration_seconds_bucket", { route: "providers/:address", le: "+Inf" })).toBe(n);
  });

  it("Given a second server in the same process over the same file, Then it has its own registry: its request counts start at zero and nothing lands in prom-client's global registry", async () => {
    const other = await startApiServer({ dbPath: join(dir, "m.db"), port: 0 });
    try {
      const base = `http://127.0.0.1:${other.port}`;
      const first = await scrape(base);
      expect(first.samples.filter((s) => s.name === "gpunet_http_requests_total")).toEqual([]);
      // A server without an indexer in its process shows what the database holds, and no live numbers
      expect(first.get("gpunet_indexer_transactions_indexed_total")).toBe(Number(ix.stats().counters.txs));
      expect(first.samples.some((s) => s.name === "gpunet_indexer_ingest_lag_slots")).toBe(false);
      const second = await scrape(base);
      expect(second.get("gpunet_http_requests_total", { route: "metrics", status: "200" })).toBe(1);
      expect(await globalRegistry.getMetricsAsJSON()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
