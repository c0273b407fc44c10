/**
 * The database file deleted or replaced under a running indexer (real
 * indexer, real SQLite file, real localnet and HTTP): /health says so with a
 * 503, and the indexer stops writing instead of committing into an unlinked
 * inode whose data would vanish at stop. On PostgreSQL: the writer's session
 * ended by the server or its database dropped, the same refusal. `gpunet index`
 * (a real process) then exits with 4, on either store.
 */
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, isIndexerError, openWriteStore, type Indexer, type TransactionUpdate } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { until } from "./support/proxy.ts";
import { count, rows, useStores } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const stores = useStores();
type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let w: Workload;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "idx-health-"));
  c = await localnetChain({ slotMs: 0 });
  w = new Workload(c);
  await w.setup(1, 1);
  c.net.advanceSlots(1);
});
afterAll(async () => {
  await c.net.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What ingesting the landed transaction `sig` (as a replay) throws, null when it is stored. */
async function ingestError(ix: Indexer, sig: string): Promise<unknown> {
  const tx = await c.connection.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
  const update: TransactionUpdate = {
    signature: sig,
    slot: BigInt(tx!.slot),
    txIndex: 0,
    blockTime: null,
    err: null,
    logs: tx!.meta!.logMessages!,
    finality: "confirmed",
    source: "replay",
  };
  try {
    await ix.ingest([update]);
    return null;
  } catch (e) {
    return e;
  }
}

describe("database file gone under a running indexer", () => {
  for (const how of ["deleted", "replaced"] as const) {
    it(`Given a running indexer, When its database file is ${how}, Then /health is 503 naming it and nothing more is written`, async () => {
      const path = join(dir, `${how}.db`);
      const logs: string[] = [];
      const ix = await createIndexer({
        dbPath: path,
        rpcUrl: c.net.rpcUrl,
        wsUrl: c.net.wsUrl,
        programId: c.programId.toBase58(),
        finalityIntervalMs: 0,
        apiPort: 0,
        webhookPort: 0,
        log: (m) => logs.push(m),
      });
      await ix.start();
      await ix.backfillNow();
      await until(() => ix.stats().live.connected, 10_000, "live connected");
      const health = `http://127.0.0.1:${ix.ports.api}/health`;
      expect((await fetch(health)).status).toBe(200);
      // When
      if (how === "deleted") {
        for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
      } else {
        copyFileSync(path, `${path}.copy`);
        renameSync(`${path}.copy`, path);
      }
      const sig = await w.stake(w.providers[0]!, 11n);
      c.net.advanceSlots(1);
      // Then: the live transaction reaches the writer, which refuses it
      await until(() => logs.some((l) => l.includes(`was ${how}`)), 10_000, "writer noticed");
      const res = await fetch(health);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toContain(`database file ${path} was ${how}`);
      expect(ix.stats().databaseError).toContain(`was ${how}`);
      expect((await ix.store.knownSignatures([sig])).size).toBe(0);
      const tx = await c.connection.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
      expect(isIndexerError(await ingestError(ix, sig), "DatabaseGone")).toBe(true);
      // A webhook post it cannot store is a 500 that says nothing of the inside.
      const hook = await fetch(`http://127.0.0.1:${ix.ports.webhook}/`, {
        method: "POST",
        body: JSON.stringify([
          {
            slot: Number(tx!.slot),
            blockTime: null,
            transaction: { signatures: [sig], message: { accountKeys: [] } },
            meta: { err: null, logMessages: tx!.meta!.logMessages },
          },
        ]),
      });
      expect(hook.status).toBe(500);
      expect(await hook.text()).toBe('{"error":"internal error"}');
      expect(logs.some((l) => l.startsWith("webhook post failed: IndexerError"))).toBe(true);
      await ix.stop();
      expect(existsSync(path)).toBe(how === "replaced");
    });
  }
});

describe("PostgreSQL: the writer's session gone under a running indexer", () => {
  /** The same server's maintenance database, for statements that must not run inside the indexed one. */
  const adminUrl = (url: string) => url.replace(/\/[^/]+$/, "/postgres");
  const WHO = `application_name = 'gpunet-index pid=${process.pid}'`;
  const ending = {
    // An admin, a failover or a restart ends the writer's session.
    "session terminated": async (url: string) => {
      const [killed] = await rows<{ ok: boolean }>(url, `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE ${WHO}`);
      expect(killed?.ok).toBe(true);
    },
    // The database itself dropped (its sessions forced out first).
    "database dropped": async (url: string) => {
      await rows(adminUrl(url), `DROP DATABASE "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
    },
  } as const;

  for (const [how, end] of Object.entries(ending)) {
    it(`Given a running indexer on PostgreSQL, When the ${how}, Then /health is 503, writes are refused with DatabaseGone and nothing more is written`, async () => {
      const url = await stores.fresh("postgres");
      const logs: string[] = [];
      const ix = await createIndexer({
        dbPath: url,
        rpcUrl: c.net.rpcUrl,
        programId: c.programId.toBase58(),
        finalityIntervalMs: 0,
        apiPort: 0,
        log: (m) => logs.push(m),
      });
      await ix.start();
      await ix.backfillNow();
      const health = `http://127.0.0.1:${ix.ports.api}/health`;
      expect((await fetch(health)).status).toBe(200);
      const txsBefore = await count(url, "txs");
      expect(txsBefore).toBeGreaterThan(0);
      // When
      await end(url);
      // Then
      await until(async () => (await fetch(health)).status === 503, 10_000, "health fails");
      expect(ix.stats().databaseError).toContain("session");
      const sig = await w.stake(w.providers[0]!, 12n);
      c.net.advanceSlots(1);
      expect(isIndexerError(await ingestError(ix, sig), "DatabaseGone")).toBe(true);
      await ix.stop();
      if (how === "session terminated") {
        // Nothing of the refused transaction reached the database; the lock went with the session: a new writer opens it.
        expect(await count(url, "txs")).toBe(txsBefore);
        expect(await rows(url, `SELECT 1 FROM txs WHERE signature = '${sig}'`)).toEqual([]);
        const next = await openWriteStore(url);
        await next.close();
      } else {
        expect(await rows(adminUrl(url), `SELECT 1 FROM pg_database WHERE datname = '${new URL(url).pathname.slice(1)}'`)).toEqual([]);
      }
    });
  }
});

describe("`gpunet index` when its database goes away", () => {
  /** `gpunet index` as a process of its own, following the localnet live. */
  function gpunetIndex(db: string) {
    const p = spawn(
      process.execPath,
      ["--import", "tsx", "cli/gpunet.ts", "index", "--db", db, "--rpc", c.net.rpcUrl, "--ws", c.net.wsUrl, "--api-port", "0"],
      {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    p.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | string>((resolve) => p.on("exit", (code, sig) => resolve(code ?? sig ?? -1)));
    return { p, exited, stderr: () => stderr };
  }

  for (const kind of ["sqlite", "postgres"] as const) {
    it(`Given \`gpunet index\` on ${kind}, When its database goes away (${kind === "sqlite" ? "file deleted" : "session terminated"}), Then it exits with 4 and says DatabaseGone`, async () => {
      const db = kind === "sqlite" ? join(dir, "cli-gone.db") : await stores.fresh("postgres");
      const ix = gpunetIndex(db);
      try {
        await until(() => /API on http:\/\/127\.0\.0\.1:\d+/.test(ix.stderr()), 60_000, "gpunet index serving");
        const api = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(ix.stderr())?.[1] as string;
        await until(async () => (await fetch(`${api}/health`)).status === 200, 10_000, "healthy");
        // When
        if (kind === "sqlite") {
          for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
          // The writer notices at its next write: a live transaction.
          await w.stake(w.providers[0]!, 13n);
          c.net.advanceSlots(1);
        } else {
          await rows(
            db,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'gpunet-index pid=%' AND datname = current_database()",
          );
        }
        // Then
        expect(await ix.exited).toBe(4);
        expect(ix.stderr()).toContain("error DatabaseGone: ");
        if (kind === "sqlite") expect(existsSync(db)).toBe(false);
      } finally {
        if (ix.p.exitCode === null) ix.p.kill("SIGKILL");
      }
    });
  }
});
