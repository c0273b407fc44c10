/**
 * Process-level faults, with real child processes and real SQLite files:
 * X2 kill -9 at random points then restart = clean replay; X11 second writer
 * refused, migration killed halfway leaves the schema old or new; X12 readers
 * during a long ingest never make the writer see SQLITE_BUSY, and the WAL
 * stays bounded.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kysely, SqliteDialect } from "kysely";
import {
  createIndexer,
  INDEXER_MIGRATIONS,
  isIndexerError,
  openWriterDatabase,
  runIndexCommand,
  runMigrations,
  type IndexDatabase,
} from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { canonicalDump } from "./support/compare.ts";
import { recordWorkload } from "./support/recorded.ts";
import { replicate } from "./support/replicate.ts";
import { spawnChild } from "./support/spawn.ts";
import { Workload } from "./support/workload.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "gpunet-idx-crash-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stateOnly = (path: string): string =>
  canonicalDump(path)
    .split("\n")
    .filter((l) => !l.includes('"name":"'))
    .join("\n");
const txCount = (path: string): number => {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS c FROM txs").get() as { c: number }).c;
  } catch {
    return 0;
  } finally {
    db.close();
  }
};

describe("X2 kill -9 and restart", () => {
  it("Given a backfill killed with SIGKILL at random points, When restarted until done, Then the database equals a clean replay", async () => {
    // Given: a localnet with a few hundred program transactions
    const c = await localnetChain();
    try {
      const w = new Workload(c);
      await w.setup(4, 3);
      await w.everyPath();
      await w.random(300, 21);
      c.net.advanceSlots(1);
      const pid = c.programId.toBase58();
      const clean = join(dir, "clean.db");
      const ix = await createIndexer({ dbPath: clean, rpcUrl: c.net.rpcUrl, programId: pid, batchSize: 10, finalityIntervalMs: 0 });
      await ix.start();
      await ix.backfillNow();
      await ix.stop();
      const total = txCount(clean);
      expect(total).toBeGreaterThan(200);

      // When: kill -9 at random moments, then let it finish
      const crashed = join(dir, "crashed.db");
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
        for (let t = 0; t < 2_000 && running && txCount(crashed) <= before; t++) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
        await child.kill9();
        seen.push(txCount(crashed));
        if (seen[seen.length - 1] === total) break;
      }
      const last = spawnChild(["index", crashed, c.net.rpcUrl, pid, "10"]);
      await last.waitFor("done", 120_000);
      await last.exited;

      // Then
      expect(stateOnly(crashed)).toBe(stateOnly(clean));
      expect(txCount(crashed)).toBe(total);
      // At least one kill landed mid-way (otherwise the test proved nothing).
      expect(seen.some((x) => x > 0 && x < total)).toBe(true);
    } finally {
      await c.net.close();
    }
  });
});

describe("X11 one writer; migrations all or nothing", () => {
  it("Given a writer in another process, When a second writer opens the file, Then it is refused with the holder's pid; after kill -9 the lock is free", async () => {
    const path = join(dir, "lock.db");
    const child = spawnChild(["hold", path]);
    const line = await child.waitFor("locked");
    const pid = Number(line.split(" ")[1]);
    // When
    let err: unknown = null;
    try {
      await openWriterDatabase(path);
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
    // And: the OS drops the lock with the process
    await child.kill9();
    const w = await openWriterDatabase(path);
    await w.close();
  });

  it("Given a writer in this process, When a second connection asks to write, Then it is refused too", async () => {
    const path = join(dir, "lock2.db");
    const w = await openWriterDatabase(path);
    await expect(openWriterDatabase(path)).rejects.toMatchObject({ code: "WriterLocked" });
    await w.close();
    const again = await openWriterDatabase(path);
    await again.close();
  });

  it("Given a migration killed halfway (SIGKILL inside it), Then the schema is the old one, and the next start migrates cleanly", async () => {
    const path = join(dir, "mig.db");
    const child = spawnChild(["migrate-slow", path]);
    await child.waitFor("mid");
    await child.kill9();
    const db = new Database(path, { readonly: true });
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    const applied = (db.prepare("SELECT name FROM gpunet_migrations").all() as { name: string }[]).map((r) => r.name);
    const providerCols = (db.prepare("PRAGMA table_info(providers)").all() as { name: string }[]).map((r) => r.name);
    db.close();
    expect(applied).toEqual(INDEXER_MIGRATIONS.map((m) => m.name));
    expect(tables).not.toContain("half_table");
    expect(providerCols).not.toContain("half_column");
    const w = await openWriterDatabase(path);
    await w.close();
  });

  it("Given fresh databases whose migrations are killed at random moments, Then each holds exactly the schema of the migrations it recorded (each one all or nothing)", async () => {
    const listSchema = (db: InstanceType<typeof Database>): string[] =>
      (
        db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view','index') AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as {
          name: string;
        }[]
      )
        .map((r) => r.name)
        .filter((n) => n !== "gpunet_migrations");
    // The schema after the first r migrations, for every r.
    const prefixSchema: string[][] = [[]];
    for (let r = 1; r <= INDEXER_MIGRATIONS.length; r++) {
      const ref = new Database(join(dir, `mig-ref-${r}.db`));
      const k = new Kysely<IndexDatabase>({ dialect: new SqliteDialect({ database: ref }) });
      await runMigrations(k, INDEXER_MIGRATIONS.slice(0, r));
      prefixSchema.push(listSchema(ref));
      await k.destroy();
    }
    for (let k = 0; k < 5; k++) {
      const path = join(dir, `mig-rand-${k}.db`);
      const child = spawnChild(["migrate", path]);
      await child.waitFor("start");
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40)));
      await child.kill9();
      if (!existsSync(path)) continue;
      // Read-write, as the next indexer start would open it: a killed writer can leave a
      // hot journal, which only a connection that may write rolls back.
      const db = new Database(path);
      const names = listSchema(db);
      const all = (db.prepare("SELECT name FROM sqlite_master WHERE name = 'gpunet_migrations'").all() as unknown[]).length > 0;
      const recorded = all ? (db.prepare("SELECT count(*) AS c FROM gpunet_migrations").get() as { c: number }).c : 0;
      db.close();
      expect(names).toEqual(prefixSchema[recorded]);
    }
  });
});

describe("X12 readers during a long ingest", () => {
  it("Given a reader process querying non-stop, When ~60k events are ingested, Then the writer never fails with SQLITE_BUSY, the reader never errs, and the WAL stays bounded", async () => {
    const { txs, chain } = await recordWorkload(150, 33);
    const updates = replicate(txs, 60_000);
    const path = join(dir, "x12.db");
    const limit = 8 * 1024 * 1024;
    const ix = await createIndexer({ dbPath: path, programId: chain.programId.toBase58(), batchSize: 1_000, walLimitBytes: limit });
    await ix.ingest(updates.slice(0, 100));
    const reader = spawnChild(["reader", path, "6000"]);
    await new Promise((r) => setTimeout(r, 500));
    let maxWal = 0;
    const failures: unknown[] = [];
    for (let i = 100; i < updates.length; i += 500) {
      await ix.ingest(updates.slice(i, i + 500)).catch((e: unknown) => failures.push(e));
      maxWal = Math.max(maxWal, statSync(`${path}-wal`).size);
    }
    const report = JSON.parse(await reader.waitFor("{", 60_000)) as { queries: number; errors: string[] };
    await ix.stop();
    expect(failures).toEqual([]);
    expect(report.errors).toEqual([]);
    expect(report.queries).toBeGreaterThan(0);
    // Bounded: the limit plus what eight batches between checks can add.
    expect(maxWal).toBeLessThan(limit * 4);
  });
});
