/**
 * `gpunet query` prints human units by default: amounts in tokens with the
 * mint's decimals (read over RPC by the indexer), codes by name, UTC dates;
 * `--raw` prints the exact stored values and `--json` keeps them beside
 * human fields. Real localnet, real program, real SQLite file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, formatAmount, gpuModelName, runQueryCommand } from "../../indexer/src/index.ts";
import { localnetChain } from "../indexer/support/chain.ts";
import { Workload } from "../indexer/support/workload.ts";
import { PROVIDER_STATUS } from "../../sdk/src/generated/index.ts";

let c: Awaited<ReturnType<typeof localnetChain>>;
let dir: string;
let db: string;

async function query(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runQueryCommand([...args, "--db", db], { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "cli-query-"));
  db = join(dir, "index.db");
  c = await localnetChain({ slotMs: 0, finalizedDepth: 2 });
  const w = new Workload(c);
  await w.setup(3, 2);
  await c.warpSeconds(86_400);
  await w.everyPath();
  c.net.advanceSlots(4);
  const ix = await createIndexer({ dbPath: db, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0 });
  await ix.start();
  await ix.backfillNow();
  await ix.sweepFinality();
  await ix.stop();
}, 180_000);
afterAll(async () => {
  await c?.net.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("gpunet query in human units", () => {
  it("Given indexed providers, When `query providers` runs, Then stake in tokens with the mint's decimals, status and GPU model by name, dates in UTC; --raw and --json keep the exact values", async () => {
    const raw = await query("providers", "--json", "--raw");
    expect(raw.code).toBe(0);
    const rows = JSON.parse(raw.out) as { address: string; activeStake: string; status: number; gpuModel: number; registeredAt: string }[];
    const top = rows[0] as (typeof rows)[number];
    const human = await query("providers");
    expect(human.code).toBe(0);
    const line = human.out.split("\n").find((l) => l.startsWith(top.address)) as string;
    expect(line).toContain(`${formatAmount(BigInt(top.activeStake), 6)} GPUN`);
    expect(line).toContain(top.status === PROVIDER_STATUS.active ? "active" : "inactive");
    expect(line).toContain(gpuModelName(top.gpuModel));
    expect(line).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(line).not.toContain(top.activeStake);
    const rawTable = await query("providers", "--raw");
    expect(rawTable.out.split("\n").find((l) => l.startsWith(top.address))).toContain(top.activeStake);
    const json = JSON.parse((await query("providers", "--json")).out) as Record<string, unknown>[];
    expect(json[0]).toMatchObject({
      activeStake: top.activeStake,
      activeStakeHuman: `${formatAmount(BigInt(top.activeStake), 6)} GPUN`,
      statusHuman: "active",
    });
  });

  it("Given history, When `query series`, `query reputation` and `query job` run, Then days with token amounts, the formula, and a job's end reason and timeline", async () => {
    const s = await query("series", "--interval", "day");
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/activeStake/);
    expect(s.out).toMatch(/GPUN/);
    expect(s.out).toMatch(/\d{4}-\d{2}-\d{2} 00:00 UTC/);
    const r = await query("reputation");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/score = 2\(C \+ 1\)/);
    const jobs = JSON.parse((await query("jobs", "--state", "completed", "--json", "--raw")).out) as { address: string }[];
    const j = await query("job", (jobs[0] as { address: string }).address);
    expect(j.code).toBe(0);
    expect(j.out).toMatch(/endReason: completedBy(Buyer|Timeout)/);
    expect(j.out).toMatch(/jobCreated/);
    expect(j.out).toMatch(/jobCompleted/);
  });

  it("Given bad options, When `query series` runs, Then exit 2 with the option named", async () => {
    const a = await query("series", "--interval", "week");
    expect([a.code, a.err]).toEqual([2, "--interval must be one of day, epoch\n"]);
    const b = await query("series", "--from", "yesterday");
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/^--from: /);
  });
});
