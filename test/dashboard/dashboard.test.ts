/**
 * The dashboard in a real headless Chromium against a real indexer over a real
 * localnet workload (several days of chain time): every view renders, each
 * chart plots exactly the API's points, amounts are shown in tokens with the
 * exact base units one hover away, a new transaction on the localnet shows up
 * without a reload, and the page logs no console error, has no failed request
 * and asks nothing of any other origin. Screenshots go to .tmp/screenshots
 * (to docs/images with GPUNET_UPDATE_SCREENSHOTS=1).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, type Indexer } from "../../indexer/src/index.ts";
import { localnetChain } from "../indexer/support/chain.ts";
import { Workload } from "../indexer/support/workload.ts";
import { launchChromium } from "./chromium.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TMP = join(ROOT, ".tmp");
const SHOTS = process.env.GPUNET_UPDATE_SCREENSHOTS === "1" ? join(ROOT, "docs/images") : join(TMP, "screenshots");

type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let w: Workload;
let dir: string;
let ix: Indexer;
let api: string;
let browser: BrowserContext;
let page: Page;
let meta: { decimals: number; symbol: string | null };
const consoleErrors: string[] = [];
const failed: string[] = [];
const foreign: string[] = [];

/**
 * Tokens as the dashboard must print them: grouped whole part, at most two
 * decimals (cut), or the first two significant digits of an amount below 0.01.
 */
function tokensText(raw: string, decimals: number): string {
  const v = BigInt(raw);
  const unit = 10n ** BigInt(decimals);
  const digits = (v % unit).toString().padStart(decimals, "0");
  const first = digits.search(/[1-9]/);
  const keep = v > 0n && v < unit && first >= 2 ? first + 2 : 2;
  const frac = digits.slice(0, keep).replace(/0+$/, "");
  return `${(v / unit).toLocaleString("en-US")}${frac ? `.${frac}` : ""}${meta.symbol ? ` ${meta.symbol}` : ""}`;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(api + path);
  expect([path, res.status]).toEqual([path, 200]);
  return (await res.json()) as T;
}

async function ready(view: string, minLoads = 1): Promise<void> {
  await page.waitForFunction(
    ([v, n]) =>
      document.body.dataset.state === "error" ||
      (document.body.dataset.state === "ready" && document.body.dataset.view === v && Number(document.body.dataset.loads) >= (n as number)),
    [view, minLoads] as const,
    { timeout: 30_000 },
  );
  const state = await page.evaluate(() => [document.body.dataset.state, document.querySelector("#error")?.textContent ?? ""]);
  expect(state).toEqual(["ready", ""]);
}

type Chart = { url: string; x: (number | string)[]; raw: Record<string, string[]>; plotted: number[][]; labels: string[] };
const chartsOnPage = (): Promise<Record<string, Chart>> => page.evaluate(() => (window as unknown as { __gpunetCharts: Record<string, Chart> }).__gpunetCharts);

/** Each series of a chart equals the API's points; what uPlot got is the same numbers in tokens or counts. */
function expectChartEquals(chart: Chart, points: Record<string, unknown>[], keys: readonly string[], tokenKeys: readonly string[]): void {
  expect(chart.x).toEqual(points.map((p) => Number(p.t)));
  expect(chart.plotted[0]).toEqual(chart.x);
  keys.forEach((k, i) => {
    expect(chart.raw[k]).toEqual(points.map((p) => String(p[k])));
    const drawn = chart.plotted[i + 1] as number[];
    points.forEach((p, j) => {
      const want = tokenKeys.includes(k) ? Number(BigInt(String(p[k]))) / 10 ** meta.decimals : Number(p[k]);
      expect(Math.abs((drawn[j] as number) - want)).toBeLessThanOrEqual(Math.abs(want) * 1e-12);
    });
  });
}

beforeAll(async () => {
  mkdirSync(TMP, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(TMP, "dashboard-"));
  // Given a workload over several days of chain time
  c = await localnetChain({ slotMs: 0 });
  w = new Workload(c);
  await w.setup(5, 3);
  await w.everyPath();
  for (let d = 0; d < 4; d++) {
    await w.random(25, 100 + d);
    await c.warpSeconds(86_400);
  }
  c.net.advanceSlots(40);
  // And the indexer with its HTTP API, following the chain live
  ix = await createIndexer({
    dbPath: join(dir, "dash.db"),
    rpcUrl: c.net.rpcUrl,
    wsUrl: c.net.wsUrl,
    programId: c.programId.toBase58(),
    finalityIntervalMs: 0,
    apiPort: 0,
  });
  await ix.start();
  await ix.backfillNow();
  // (the sweep also reads the stake mint's decimals, as `gpunet index` does every 2 s)
  await ix.sweepFinality();
  api = `http://127.0.0.1:${ix.ports.api}`;
  meta = await getJson("/meta");
  // And a browser watching every console message and request
  browser = await launchChromium(dir);
  page = await browser.newPage();
  watch(page, api);
});

/** Records the page's console errors and warnings, failed requests, and requests to any origin but `origin`. */
function watch(p: Page, origin: string): void {
  p.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  p.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
  p.on("requestfailed", (r) => failed.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
  p.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.url()} ${r.status()}`);
  });
  p.on("request", (r) => {
    if (!r.url().startsWith(`${origin}/`)) foreign.push(r.url());
  });
}

afterAll(async () => {
  await browser?.close();
  await ix?.stop();
  await c?.net.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard in Chromium", () => {
  it("Given the network view, Then the cards show the totals in tokens, every chart plots the API's points, and the leaderboard follows the reputation ranking", async () => {
    await page.goto(`${api}/`);
    await ready("overview");
    const totals = await getJson<Record<string, string | number>>("/totals");
    // Cards: human units, the exact value one hover away
    for (const [card, key] of [
      ["stake", "activeStake"],
      ["revenue", "feesCollected"],
      ["slashed", "totalSlashed"],
    ] as const) {
      const el = page.locator(`[data-card="${card}"] .amount`);
      expect(await el.getAttribute("data-raw")).toBe(String(totals[key]));
      expect(await el.textContent()).toBe(tokensText(String(totals[key]), meta.decimals));
      expect(await el.getAttribute("title")).toContain(`${totals[key]} base units`);
    }
    expect(await page.locator('[data-card="providers"] .value').textContent()).toBe(Number(totals.activeProviders).toLocaleString("en-US"));
    expect(await page.locator('[data-card="gpus"] .value').textContent()).toBe(BigInt(String(totals.gpuCount)).toLocaleString("en-US"));
    // Charts: the same points as the API, drawn
    const network = await getJson<{ points: Record<string, unknown>[] }>("/series/network?interval=day");
    expect(network.points.length).toBeGreaterThanOrEqual(4);
    const charts = await chartsOnPage();
    expectChartEquals(charts["chart-stake"] as Chart, network.points, ["activeStake", "unbondingStake"], ["activeStake", "unbondingStake"]);
    expectChartEquals(charts["chart-jobs"] as Chart, network.points, ["jobsCreated", "jobsCompleted", "jobsFailed", "jobsDisputed"], []);
    expectChartEquals(charts["chart-fees"] as Chart, network.points, ["fees", "rewardsFunded", "rewardsClaimed"], ["fees", "rewardsFunded", "rewardsClaimed"]);
    const gpus = await getJson<{ byModel: { name: string; gpus: number }[]; byRegion: { name: string; gpus: number }[] }>("/series/gpus");
    expect(gpus.byModel.length).toBeGreaterThan(0);
    for (const [id, items] of [
      ["chart-gpu-model", gpus.byModel],
      ["chart-gpu-region", gpus.byRegion],
    ] as const) {
      const ch = charts[id] as Chart;
      expect(ch.x).toEqual(items.map((i) => i.name));
      expect(ch.raw.gpus).toEqual(items.map((i) => String(i.gpus)));
      expect(ch.plotted[1]).toEqual(items.map((i) => Number(i.gpus)));
    }
    for (const id of ["chart-stake", "chart-jobs", "chart-fees", "chart-gpu-model", "chart-gpu-region"])
      expect(await page.locator(`#${id} canvas`).count()).toBe(1);
    // Leaderboard: the API's ranking, in order
    const rep = await getJson<{ items: { provider: string; score: number }[] }>("/reputation?limit=20");
    const links = await page.locator("#leaderboard tbody tr td:nth-child(2) a").evaluateAll((as) => as.map((a) => a.getAttribute("title")));
    expect(links).toEqual(rep.items.map((r) => r.provider));
    const scores = await page.locator("#leaderboard tbody tr td:nth-child(3)").allTextContents();
    expect(scores).toEqual(rep.items.map((r) => Number(r.score).toFixed(4)));
  });

  it("Given a slashed provider, When its link is clicked, Then its page shows its history charts, jobs and slashes with reasons", async () => {
    const rep = await getJson<{ items: { provider: string; inputs: { slashes: number | string } }[] }>("/reputation?limit=1000");
    const slashed = rep.items.find((r) => Number(r.inputs.slashes) > 0);
    expect(slashed).toBeDefined();
    const address = (slashed as { provider: string }).provider;
    await page.goto(`${api}/#/`);
    await ready("overview");
    await page.locator(`#leaderboard a[title="${address}"]`).click();
    await ready(`provider/${address}`);
    const p = await getJson<{ activeStake: string }>(`/providers/${address}`);
    expect(await page.locator('[data-card="stake"] .amount').first().getAttribute("data-raw")).toBe(p.activeStake);
    const slashes = await getJson<{ items: { reason: string; amount: string }[] }>(`/providers/${address}/slashes`);
    expect(slashes.items.length).toBeGreaterThan(0);
    const rows = page.locator("#slashes tbody tr");
    expect(await rows.count()).toBe(slashes.items.length);
    const words = (id: string): string => id.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
    expect(await rows.locator("td:nth-child(3)").allTextContents()).toEqual(slashes.items.map((s) => words(s.reason)));
    expect(await rows.locator("td:nth-child(2) .amount").evaluateAll((els) => els.map((e) => e.getAttribute("data-raw")))).toEqual(
      slashes.items.map((s) => s.amount),
    );
    const series = await getJson<{ points: Record<string, unknown>[] }>(`/series/providers/${address}?interval=day`);
    const charts = await chartsOnPage();
    expectChartEquals(charts["chart-provider-stake"] as Chart, series.points, ["stake", "slashed"], ["stake", "slashed"]);
    expectChartEquals(charts["chart-provider-earnings"] as Chart, series.points, ["earnings", "rewardsClaimed"], ["earnings", "rewardsClaimed"]);
    const jobs = await getJson<{ address: string }[]>(`/jobs?provider=${address}&limit=50`);
    expect(await page.locator("#provider-jobs tbody tr").count()).toBe(jobs.length);
    await page.screenshot({ path: join(SHOTS, "dashboard-provider.png"), fullPage: true });
  });

  it("Given a job that was disputed and resolved, When its page opens, Then the timeline lists its events in order and says why it ended", async () => {
    const jobs = await getJson<{ address: string; state: string }[]>("/jobs?state=resolved&limit=1");
    const job = (jobs[0] as { address: string }).address;
    await page.goto(`${api}/#/job/${job}`);
    await ready(`job/${job}`);
    const tl = await getJson<{ endReason: string | null; events: { name: string }[] }>(`/jobs/${job}/timeline`);
    expect(tl.endReason).not.toBeNull();
    expect(await page.locator(".timeline li").evaluateAll((els) => els.map((e) => e.getAttribute("data-event")))).toEqual(tl.events.map((e) => e.name));
    expect(await page.locator('[data-card="end"] code').textContent()).toBe(tl.endReason);
    expect(await page.locator('[data-card="state"] .pill').textContent()).toBe("resolved");
    await page.screenshot({ path: join(SHOTS, "dashboard-job.png"), fullPage: true });
  });

  it("Given the network view open, When a transaction lands on the localnet, Then it appears in the live list and the view reloads its data, without a page reload", async () => {
    // (a change of the hash only: the same document, its live stream stays open)
    await page.goto(`${api}/#/`);
    await ready("overview");
    await page.waitForFunction(() => document.querySelector("#live-status")?.textContent === "live");
    const loadsBefore = Number(await page.evaluate(() => document.body.dataset.loads));
    const navigations: string[] = [];
    page.on("framenavigated", (f) => navigations.push(f.url()));
    const before = await getJson<{ totalFunded: string }>("/totals");
    // When rewards are funded on the chain
    const signature = await w.fund(4_242_000n);
    c.net.advanceSlots(40);
    // Then the transaction shows up in the live list, and the cards follow
    await page.locator(`#live li[data-signature="${signature}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(`#live li[data-signature="${signature}"]`).textContent()).toContain("rewards funded");
    await ready("overview", loadsBefore + 1);
    const after = await getJson<{ totalFunded: string }>("/totals");
    expect(BigInt(after.totalFunded) - BigInt(before.totalFunded)).toBe(4_242_000n);
    const network = await getJson<{ points: Record<string, unknown>[] }>("/series/network?interval=day");
    expectChartEquals(
      (await chartsOnPage())["chart-fees"] as Chart,
      network.points,
      ["fees", "rewardsFunded", "rewardsClaimed"],
      ["fees", "rewardsFunded", "rewardsClaimed"],
    );
    expect(navigations).toEqual([]);
    await page.screenshot({ path: join(SHOTS, "dashboard.png"), fullPage: true });
  });

  it("Given gpunet serve as its own process on the database the indexer writes, When its dashboard is open and a transaction lands, Then it renders the same numbers and shows the transaction live", async () => {
    const serve = spawn(process.execPath, ["--import", "tsx", "cli/gpunet.ts", "serve", "--db", join(dir, "dash.db"), "--port", "0"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const base = await new Promise<string>((resolveUrl, reject) => {
        let out = "";
        const t = setTimeout(() => reject(new Error(`gpunet serve did not start: ${out}`)), 60_000);
        const onData = (d: Buffer): void => {
          out += d.toString();
          const m = /serving (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (m) {
            clearTimeout(t);
            resolveUrl(m[1] as string);
          }
        };
        serve.stdout?.on("data", onData);
        serve.stderr?.on("data", onData);
        serve.on("exit", (code) => reject(new Error(`gpunet serve exited ${code}: ${out}`)));
      });
      const p2 = await browser.newPage();
      watch(p2, base);
      await p2.goto(`${base}/`);
      await p2.waitForFunction(() => document.body.dataset.state === "ready" && document.querySelector("#live-status")?.textContent === "live", undefined, {
        timeout: 30_000,
      });
      const totals = await getJson<{ activeStake: string }>("/totals");
      expect(await p2.locator('[data-card="stake"] .amount').getAttribute("data-raw")).toBe(totals.activeStake);
      const signature = await w.fund(1_000n);
      c.net.advanceSlots(40);
      await p2.locator(`#live li[data-signature="${signature}"]`).waitFor({ timeout: 30_000 });
      await p2.close();
    } finally {
      serve.kill("SIGTERM");
    }
  });

  it("Then, over every view, no console error, no failed request, nothing asked of another origin", () => {
    expect(consoleErrors).toEqual([]);
    expect(failed).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
