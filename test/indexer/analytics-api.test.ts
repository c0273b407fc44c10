/**
 * The analytics API over HTTP on 127.0.0.1, against a real localnet (JSON-RPC),
 * the real program and a real SQLite file: the mint's decimals read over RPC,
 * series in JSON and CSV, cursor pages, reputation, slashes, job timelines,
 * the OpenAPI document, and 400s for bad parameters that change nothing.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { getMint } from "@solana/spl-token";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_ROUTE_PARAMS } from "../../indexer/src/api/analytics.ts";
import { ROUTE_PARAMS } from "../../indexer/src/server.ts";
import { createIndexer, createIndexQueries, openReaderDatabase, startApiServer, type ApiServer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let w: Workload;
let dir: string;
let dbPath: string;
let api: ApiServer;
let base: string;
let provider: string;
let slashedProvider: string;
let job: string;

const get = async (path: string): Promise<{ status: number; type: string; text: string; json: () => unknown }> => {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", text, json: () => JSON.parse(text) };
};
const ok = async <T = Record<string, unknown>>(path: string): Promise<T> => {
  const r = await get(path);
  expect([path, r.status, r.status === 200 ? "" : r.text]).toEqual([path, 200, ""]);
  return r.json() as T;
};

/** RFC 4180 parser (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

const fileHash = (): string => {
  const h = createHash("sha256");
  for (const f of [dbPath, `${dbPath}-wal`]) if (existsSync(f)) h.update(readFileSync(f));
  return h.digest("hex");
};

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "idx-analytics-"));
  dbPath = join(dir, "index.db");
  c = await localnetChain({ slotMs: 0, finalizedDepth: 2 });
  w = new Workload(c);
  await w.setup(3, 2);
  await c.warpSeconds(86_400);
  await w.everyPath();
  await c.warpSeconds(3 * 86_400);
  await w.random(40, 11);
  c.net.advanceSlots(4);
  const ix = await createIndexer({ dbPath, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
  await ix.start();
  await ix.backfillNow();
  await ix.sweepFinality();
  await ix.stop();
  // The API on its own over the finished file: nothing else writes to it.
  api = await startApiServer({ dbPath, port: 0, programId: c.programId.toBase58() });
  base = `http://127.0.0.1:${api.port}`;
  const r = openReaderDatabase(dbPath);
  const q = createIndexQueries(r.db);
  const rep = await q.reputation({ limit: 1000 });
  provider = (rep.items[0] as { provider: string }).provider;
  slashedProvider = (rep.items.find((i) => i.inputs.slashes > 0) as { provider: string }).provider;
  job = ((await q.jobs({ state: "completed", limit: 1 }))[0] as { address: string }).address;
  await r.close();
}, 180_000);
afterAll(async () => {
  await api?.close();
  await c?.net.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("/meta", () => {
  it("Given an indexer that ran against a cluster, When /meta is read by a separate reader, Then it names the mint and the decimals the mint account holds, and every enum", async () => {
    const m = await ok<{ programId: string; mint: string; decimals: number; enums: Record<string, unknown> }>("/meta");
    const mint = await getMint(c.connection, w.mint, "confirmed");
    expect(m.programId).toBe(c.programId.toBase58());
    expect(m.mint).toBe(w.mint.toBase58());
    expect(m.decimals).toBe(mint.decimals);
    expect(m.enums.jobState).toContain("completed");
    expect(m.enums.slashReason).toEqual(["downtime", "failedJob", "fraud", "other"]);
    expect(Object.keys(m.enums.gpuModel as object).length).toBeGreaterThan(0);
  });
});

describe("series", () => {
  it("Given days of activity, When /series/network is asked per day, Then one point per bucket with empty days carried forward, the same as the query module, and the CSV holds the same numbers", async () => {
    const s = await ok<{ from: number; to: number; points: Record<string, unknown>[] }>("/series/network?interval=day");
    expect(s.points.length).toBe((s.to - s.from) / 86_400);
    expect(s.points.length).toBeGreaterThanOrEqual(4);
    const r = openReaderDatabase(dbPath);
    const mod = await createIndexQueries(r.db).networkSeries({ interval: "day" });
    await r.close();
    expect(s).toEqual(JSON.parse(JSON.stringify(mod, (_k, v) => (typeof v === "bigint" ? v.toString() : v))));
    // A day without events keeps the stake of the day before and has no flows.
    const empty = s.points.findIndex((p, i) => i > 0 && p.events === 0);
    expect(empty).toBeGreaterThan(0);
    expect(s.points[empty]?.activeStake).toBe(s.points[empty - 1]?.activeStake);
    expect(s.points[empty]?.jobsCreated).toBe(0);
    const csv = await get("/series/network?interval=day&format=csv");
    expect(csv.type).toMatch(/^text\/csv/);
    const rows = parseCsv(csv.text);
    expect(rows[0]).toEqual(Object.keys(s.points[0] as object));
    expect(rows.length).toBe(s.points.length + 1);
    rows.slice(1).forEach((row, i) => expect(row).toEqual(Object.values(s.points[i] as object).map(String)));
    // from / to as ISO dates, per epoch.
    const iso = new Date((s.from + 86_400) * 1000).toISOString().slice(0, 10);
    const e = await ok<{ interval: string; from: number; points: unknown[] }>(`/series/network?interval=epoch&from=${iso}&to=${s.to}`);
    expect(e.interval).toBe("epoch");
    expect(e.from % 172_800).toBe(0);
  });

  it("Given a provider, When its series and the GPU breakdown are read, Then the last stake equals its state row and GPUs add up to the totals", async () => {
    const s = await ok<{ provider: string; points: { stake: string; earnings: string }[] }>(`/series/providers/${provider}`);
    const p = await ok<{ activeStake: string }>(`/providers/${provider}`);
    expect(s.provider).toBe(provider);
    expect(s.points[s.points.length - 1]?.stake).toBe(p.activeStake);
    const g = await ok<{ byModel: { gpus: number }[]; byRegion: { gpus: number }[] }>("/series/gpus");
    const totals = await ok<{ gpuCount: string }>("/totals");
    expect(String(g.byModel.reduce((a, x) => a + x.gpus, 0))).toBe(totals.gpuCount);
    expect(String(g.byRegion.reduce((a, x) => a + x.gpus, 0))).toBe(totals.gpuCount);
  });
});

describe("reputation and cursors", () => {
  it("Given the leaderboard, When read one item per page through nextCursor, Then the pages join into the full list in score order, ranks 1..n, with the formula and its inputs", async () => {
    const all = await ok<{ items: { rank: number; provider: string; score: number; inputs: object }[]; nextCursor: string | null; formula: string }>(
      "/reputation",
    );
    expect(all.nextCursor).toBeNull();
    expect(all.formula).toMatch(/score =/);
    expect(all.items.map((i) => i.rank)).toEqual(all.items.map((_i, k) => k + 1));
    for (let k = 1; k < all.items.length; k++)
      expect((all.items[k - 1] as { score: number }).score).toBeGreaterThanOrEqual((all.items[k] as { score: number }).score);
    const paged: unknown[] = [];
    let cursor = "";
    for (let guard = 0; guard < 100; guard++) {
      const page = await ok<{ items: unknown[]; nextCursor: string | null }>(`/reputation?limit=1${cursor ? `&cursor=${cursor}` : ""}`);
      paged.push(...page.items);
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(paged).toEqual(all.items);
    const one = await ok<{ rank: number; formula: string }>(`/reputation/${provider}`);
    expect({ ...one, formula: undefined }).toEqual({ ...all.items.find((i) => i.provider === provider), formula: undefined });
    const csv = parseCsv((await get("/reputation?format=csv")).text);
    expect(csv[0]).toEqual([
      "rank",
      "provider",
      "score",
      "inputs.completed",
      "inputs.failed",
      "inputs.expired",
      "inputs.disputed",
      "inputs.slashes",
      "inputs.slashedAmount",
    ]);
    expect(csv.length).toBe(all.items.length + 1);
  });

  it("Given /providers and /jobs, When paged with cursor=, Then the pages join into the legacy list", async () => {
    for (const route of ["/providers", "/jobs"]) {
      const legacy = await ok<unknown[]>(`${route}?limit=1000`);
      const paged: unknown[] = [];
      let cursor = "";
      for (let guard = 0; guard < 200; guard++) {
        const page = await ok<{ items: unknown[]; nextCursor: string | null }>(`${route}?limit=2&cursor=${cursor}`);
        paged.push(...page.items);
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(paged).toEqual(legacy);
      expect(legacy.length).toBeGreaterThan(2);
    }
    const dl = await ok<{ items: unknown[]; nextCursor: null }>("/dead-letters?cursor=");
    expect(dl).toEqual({ items: [], nextCursor: null });
  });

  it("Given a slashed provider and a completed job, When their slashes and timeline are read, Then reasons by name and the job's events in order with why it ended", async () => {
    const s = await ok<{ items: { reason: string; reasonCode: number; amount: string; iso: string }[] }>(`/providers/${slashedProvider}/slashes`);
    expect(s.items.length).toBeGreaterThan(0);
    for (const x of s.items) expect(["downtime", "failedJob", "fraud", "other"][x.reasonCode]).toBe(x.reason);
    const t = await ok<{ state: string; endReason: string; events: { name: string; fields: Record<string, unknown> }[] }>(`/jobs/${job}/timeline`);
    expect(t.state).toBe("completed");
    expect(t.events[0]?.name).toBe("jobCreated");
    expect(t.events.map((e) => e.name)).toContain("jobCompleted");
    expect(t.endReason).toBe(t.events.find((e) => e.name === "jobCompleted")?.fields.endReason);
  });
});

describe("/openapi.json", () => {
  it("Given the document, Then it is OpenAPI 3.1, lists every route the server answers, and every listed route answers", async () => {
    const doc = await ok<{ openapi: string; paths: Record<string, { get: { parameters: { name: string; in: string }[] } }> }>("/openapi.json");
    expect(doc.openapi).toBe("3.1.0");
    const toPath = (route: string): string => `/${route.replace(":address", "{address}")}`;
    // The JSON routes, plus the dashboard, the live stream and the metrics the server answers before them.
    const served = [...Object.keys(ROUTE_PARAMS), ...Object.keys(ANALYTICS_ROUTE_PARAMS), "", "live", "metrics"].map(toPath);
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(served)].sort());
    for (const [path, item] of Object.entries(doc.paths)) {
      const address = path.startsWith("/jobs/") ? job : provider;
      const media = Object.keys((item.get as unknown as { responses: { "200": { content: Record<string, unknown> } } }).responses["200"].content)[0] as string;
      if (media === "text/event-stream") {
        // A stream never ends: its status and media type, then hang up.
        const stop = new AbortController();
        const res = await fetch(`${base}${path}`, { signal: stop.signal });
        expect([path, res.status, res.headers.get("content-type")?.split(";")[0]]).toEqual([path, 200, media]);
        stop.abort();
        continue;
      }
      const r = await get(path.replace("{address}", address));
      expect([path, r.status]).toEqual([path, 200]);
      expect([path, r.type.split(";")[0]]).toEqual([path, media]);
      // Every documented query parameter is accepted by the route.
      const declared = item.get.parameters.filter((p) => p.in === "query").map((p) => p.name);
      const route = path.slice(1).replace("{address}", ":address");
      const accepted = new Set([
        ...(ROUTE_PARAMS[route] ?? []),
        ...(ANALYTICS_ROUTE_PARAMS[route] ?? []),
        ...(["providers", "jobs", "dead-letters"].includes(route) ? ["cursor", "format"] : []),
      ]);
      expect(declared.filter((d) => !accepted.has(d))).toEqual([]);
    }
  });
});

describe("bad parameters", () => {
  it("Given every route, When a parameter is bad, unknown or repeated, Then 400 naming it, and the database file is unchanged", async () => {
    const before = fileHash();
    const cases: [string, string][] = [
      ["/series/network?interval=week", "interval"],
      ["/series/network?from=yesterday", "from"],
      ["/series/network?from=2026-13-45", "from"],
      ["/series/network?from=100&to=50", "to"],
      ["/series/network?from=0&to=8640000000000", "from"],
      ["/series/network?format=xml", "format"],
      ["/series/network?interval=day&interval=epoch", "interval"],
      ["/series/network?limit=3", "limit"],
      ["/series/gpus?x=1", "x"],
      ["/series/providers/notbase58!?interval=day", "address"],
      ["/series/providers/11111111111111111111111111111111?to=-5", "to"],
      ["/reputation?limit=0", "limit"],
      ["/reputation?limit=1001", "limit"],
      ["/reputation?cursor=%%%", "cursor"],
      ["/reputation?cursor=Zm9v", "cursor"],
      ["/reputation/abc", "address"],
      ["/reputation/x?y=1", "y"],
      ["/providers/abc/slashes", "address"],
      ["/providers/11111111111111111111111111111111/slashes?format=pdf", "format"],
      ["/jobs/abc/timeline", "address"],
      ["/jobs/11111111111111111111111111111111/timeline?x=1", "x"],
      ["/meta?x=1", "x"],
      ["/openapi.json?x=1", "x"],
      ["/providers?cursor=bad!", "cursor"],
      ["/providers?cursor=&limit=0", "limit"],
      ["/jobs?cursor=&state=lost", "state"],
      ["/jobs?cursor=&buyer=abc", "buyer"],
      ["/dead-letters?cursor=Zm9v", "cursor"],
      ["/providers?format=csv&offset=1", "offset"],
    ];
    for (const [path, param] of cases) {
      const r = await get(path);
      expect([path, r.status]).toEqual([path, 400]);
      expect((r.json() as { error: string }).error).toMatch(new RegExp(`^${param}: `));
    }
    expect(fileHash()).toBe(before);
  });
});
