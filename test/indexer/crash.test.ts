/**
 * Process-level faults, with real child processes, real SQLite files and a
 * real PostgreSQL server: X2 kill -9 at random points then restart = clean
 * replay; X11 second writer refused, migration killed halfway leaves the
 * schema old or new; X12 readers during a long ingest never make the writer
 * fail (SQLite: no SQLITE_BUSY, and the WAL stays bounded).
 */
import { existsSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, INDEXER_MIGRATIONS, isIndexerError, openWriteStore, runIndexCommand } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { canonicalDump } from "./support/compare.ts";
import { until } from "./support/proxy.ts";
import { recordWorkload } from "./support/recorded.ts";
import { replicate } from "./support/replicate.ts";
import { spawnChild } from "./support/spawn.ts";
import { columnNames, count, rows, schemaNames, STORES, useStores, type StoreKind } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

const stores = useStores();

const stateOnly = async (path: string): Promise<string> =>
  (await canonicalDump(path))
    .split("\n")
    .filter((l) => !l.includes('"name":"'))
    .join("\n");
const txCount = (path: string): Promise<number> => count(path, "txs");

/**
 * PostgreSQL ends the session of a killed client (and with it its advisory lock and
 * open transaction) once it sees the socket close: wait for that, as the next start would.
 */
async function sessionGone(kind: StoreKind, location: string, pid: number | undefined): Promise<void> {
  if (kind !== "postgres" || pid === undefined) return;
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await until(
      async () => (await client.query(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE '% pid=${pid}'`)).rowCount === 0,
      10_000,
      "the killed writer's session to end",
    );
  } finally {
    await client.end();
  }
}

describe("X2 kill -9 and restart", () => {
  // One chain for both stores: a localnet with a few hundred program transactions.
  let c: Awaited<ReturnType<typeof localnetChain>>;
  beforeAll(async () => {
    c = await localnetChain();
    const w = new Workload(c);
    await w.setup(4, 3);
    await w.everyPath();
    await w.random(300, 21);
    c.net.advanceSlots(1);
  });
  afterAll(async () => {
    await c?.net.close();
  });

  it.each(STORES)(
    "Given a backfill into %s killed with SIGKILL at random points, When restarted until done, Then the database equals a clean replay",
    async (kind) => {
      const pid = c.programId.toBase58();
      const clean = await stores.fresh(kind);
      const ix = await createIndexer({ dbPath: clean, rpcUrl: c.net.rpcUrl, programId: pid, batchSize: 10, finalityIntervalMs: 0 });
      await ix.start();
      await ix.backfillNow();
      await ix.stop();
      const total = await txCount(clean);
      expect(total).toBeGreaterThan(200);

      // When: kill -9 at random moments, then let it finish
      const crashed = await stores.fresh(kind);
      const seen: number[] = [];
      // Kill at random moments until at least two kills have landed mid-backfill (or 12 tries).
      for (let k = 0; k < 12 && seen.filter((x) => x > 0 && x < total).length < 2; k++) {
        const child = spawnChild(["index", crashed, c.net.rpcUrl, pid, "10"]);
        const before = seen[seen.length - 1] ?? 0;
        await child.waitFor("started");
        // Wait until this run has committed something (on an idle machine the whole
        // backfill takes well under a second, so a blind delay mostly lands after the
        // end), then kill at a random moment inside the following batches.
        let running = true;
        void child.exited.then(() => (running = false));
        for (let t = 0; t < 2_000 && running && (await txCount(crashed)) <= before; t++) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
        await child.kill9();
        await sessionGone(kind, crashed, child.proc.pid);
        seen.push(await txCount(crashed));
        if (seen[seen.length - 1] === total) break;
      }
      const last = spawnChild(["index", crashed, c.net.rpcUrl, pid, "10"]);
      await last.waitFor("done", 120_000);
      await last.exited;

      // Then
      expect(await stateOnly(crashed)).toBe(await stateOnly(clean));
      expect(await txCount(crashed)).toBe(total);
      // At least one kill landed mid-way (otherwise the test proved nothing).
      expect(seen.some((x) => x > 0 && x < total)).toBe(true);
    },
  );
});

describe.each(STORES)("X11 one writer; migrations all or nothing (%s store)", (kind) => {
  it("Given a writer in another process, When a second writer opens the database, Then it is refused with the holder's pid; after kill -9 the lock is free", async () => {
    const path = await stores.fresh(kind);
    const child = spawnChild(["hold", path]);
    const line = await child.waitFor("locked");
    const pid = Number(line.split(" ")[1]);
    // When
    let err: unknown = null;
    try {
      await openWriteStore(path);
    } catch (e) {
      err = e;
    }
    // Then
    expect(isIndexerError(err, "WriterLocked")).toBe(true);
    expect(isIndexerError(err) && err.context.pid).toBe(pid);
    const out: string[] = [];
    const code = await runIndexCommand(["--db", path], { stdout: (s) => out.push(s), stderr: (s) => out.push(s), until: Promise.resolve() });
    expect(code).toBe(3);
    expect(out.join("")).toContain("WriterLocked");
    // And: the lock goes with the process (the OS drops a file lock; the server ends a dead session)
    await child.kill9();
    await sessionGone(kind, path, pid);
    const w = await openWriteStore(path);
    await w.close();
  });

  it("Given a writer in this process, When a second connection asks to write, Then it is refused too", async () => {
    const path = await stores.fresh(kind);
    const w = await openWriteStore(path);
    await expect(openWriteStore(path)).rejects.toMatchObject({ code: "WriterLocked" });
    await w.close();
    const again = await openWriteStore(path);
    await again.close();
  });

  it("Given a migration killed halfway (SIGKILL inside it), Then the schema is the old one, and the next start migrates cleanly", async () => {
    const path = await stores.fresh(kind);
    const child = spawnChild(["migrate-slow", path]);
    await child.waitFor("mid");
    await child.kill9();
    await sessionGone(kind, path, child.proc.pid);
    const tables = await schemaNames(path);
    const applied = (await rows<{ name: string }>(path, "SELECT name FROM gpunet_migrations ORDER BY name")).map((r) => r.name);
    const providerCols = await columnNames(path, "providers");
    expect(applied).toEqual(INDEXER_MIGRATIONS.map((m) => m.name));
    expect(tables).not.toContain("half_table");
    expect(providerCols).not.toContain("half_column");
    expect(providerCols).toContain("unlock_pause_mark");
    const w = await openWriteStore(path);
    await w.close();
  });

  it("Given fresh databases whose migrations are killed at random moments, Then each holds exactly the schema of the migrations it recorded (each one all or nothing)", async () => {
    // The schema after the first r migrations, for every r.
    const prefixSchema: string[][] = [[]];
    for (let r = 1; r <= INDEXER_MIGRATIONS.length; r++) {
      const ref = await stores.fresh(kind);
      const w = await openWriteStore(ref, { migrations: INDEXER_MIGRATIONS.slice(0, r) });
      await w.close();
      prefixSchema.push(await schemaNames(ref));
    }
    for (let k = 0; k < 5; k++) {
      const path = await stores.fresh(kind);
      const child = spawnChild(["migrate", path]);
      await child.waitFor("start");
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      await child.kill9();
      await sessionGone(kind, path, child.proc.pid);
      // A killed SQLite writer can leave a hot journal, which only a connection that may
      // write rolls back: open it as the next indexer start would (then read the schema).
      if (kind === "sqlite") {
        if (!existsSync(path)) continue;
        const db = new Database(path);
        db.prepare("SELECT count(*) FROM sqlite_master").get();
        db.close();
      }
      const names = await schemaNames(path);
      const recorded = await count(path, "gpunet_migrations");
      expect(names).toEqual(prefixSchema[recorded]);
    }
  });
});

describe.each(STORES)("X12 readers during a long ingest (%s store)", (kind) => {
  it("Given a reader process querying non-stop, When ~60k events are ingested, Then the writer never fails, the reader never errs, and (SQLite) the WAL stays bounded", async () => {
    const { txs, chain } = await recordWorkload(150, 33);
    const updates = replicate(txs, 60_000);
    const path = await stores.fresh(kind);
    const limit = 8 * 1024 * 1024;
    const ix = await createIndexer({ dbPath: path, programId: chain.programId.toBase58(), batchSize: 1_000, walLimitBytes: limit });
    await ix.ingest(updates.slice(0, 100));
    const reader = spawnChild(["reader", path, "6000"]);
    await new Promise((r) => setTimeout(r, 500));
    let maxWal = 0;
    const failures: unknown[] = [];
    for (let i = 100; i < updates.length; i += 500) {
      await ix.ingest(updates.slice(i, i + 500)).catch((e: unknown) => failures.push(e));
      if (kind === "sqlite") maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
    }
    const report = JSON.parse(await reader.waitFor("{", 60_000)) as { queries: number; errors: string[] };
    await ix.stop();
    expect(failures).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.queries).toBeGreaterThan(0);
    // Bounded: the limit plus what eight batches between checks can add.
    if (kind === "sqlite") expect(maxWal).toBeLessThan(limit * 4);
    expect(await count(path, "events")).toBeGreaterThan(50_000);
  });
});
