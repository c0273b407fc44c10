/**
 * The history tables are kept from the events the store has just decoded
 * (no read-back). On real program transactions (LiteSVM, the compiled
 * program) in real SQLite files: a batch that fails after its events were
 * written leaves nothing of itself behind in that path, and the history
 * comes out as a fresh index computes it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, createSqliteHistory, openWriterDatabase, type TransactionUpdate } from "../../indexer/src/index.ts";
import { harnessChain } from "./support/chain.ts";
import { toUpdate } from "./support/recorded.ts";
import { Workload } from "./support/workload.ts";

let dir: string;
let updates: TransactionUpdate[];
let pid: string;
let n = 0;
const fresh = (): string => join(dir, `f-${n++}.db`);
const BATCH = 25;

/** The history tables as text, providers by address (row ids depend on arrival). */
function historyDump(path: string): string {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    const out: string[] = [];
    const rows = (q: string): void => {
      for (const r of db.prepare(q).all()) out.push(JSON.stringify(r, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    };
    rows("SELECT * FROM hist_network ORDER BY span, bucket");
    rows("SELECT * FROM hist_gpus ORDER BY span, bucket, dim, code");
    const cols = (db.prepare("SELECT * FROM hist_provider LIMIT 1").columns() as { name: string }[]).map((c) => c.name).filter((c) => c !== "provider");
    rows(
      `SELECT pk.address, ${cols.map((c) => `h.${c}`).join(", ")} FROM hist_provider h JOIN pubkeys pk ON pk.id = h.provider ORDER BY pk.address, h.span, h.bucket`,
    );
    rows(
      "SELECT pk.address, r.completed, r.failed, r.expired, r.disputed, r.slashes, r.slashed_amount, r.score FROM reputation r JOIN pubkeys pk ON pk.id = r.provider ORDER BY pk.address",
    );
    return out.join("\n");
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(process.cwd(), ".tmp", "idx-feed-"));
  const chain = harnessChain();
  const w = new Workload(chain);
  await w.setup(4, 3);
  await chain.warpSeconds(86_400 + 3_600);
  await w.everyPath();
  await chain.warpSeconds(2 * 86_400);
  await w.random(80, 11);
  pid = chain.programId.toBase58();
  updates = chain.recorded.filter((t) => t.logs.some((l) => l.startsWith(`Program ${pid} invoke`))).map((t) => toUpdate(t));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("history from the store's decoded events", () => {
  it("Given batches indexed live, When one fails at its end (after its events were written) and is delivered again, Then the history equals a fault-free index and a recompute from the events", async () => {
    const chunks: TransactionUpdate[][] = [];
    for (let i = 0; i < updates.length; i += BATCH) chunks.push(updates.slice(i, i + BATCH));
    expect(chunks.length).toBeGreaterThan(3);

    // Fault-free reference.
    const clean = fresh();
    const a = await createIndexer({ dbPath: clean, programId: pid, batchSize: BATCH });
    for (const c of chunks) await a.ingest(c);
    await a.stop();

    // The same, with the checkpoint write of one batch refused by the database.
    const faulty = fresh();
    const b = await createIndexer({ dbPath: faulty, programId: pid, batchSize: BATCH });
    const sqlite = b.writer.sqlite as Database.Database;
    const failAt = Math.floor(chunks.length / 2);
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i] as TransactionUpdate[];
      const last = c[c.length - 1] as TransactionUpdate;
      const checkpoint = { checkpoint: { name: "live", slot: last.slot, signature: last.signature } };
      if (i === failAt) {
        sqlite.exec("CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.checkpoints BEGIN SELECT RAISE(ABORT, 'checkpoint refused'); END");
        await expect(b.ingest(c, checkpoint)).rejects.toThrow(/checkpoint refused/);
        sqlite.exec("DROP TRIGGER temp.refuse");
      }
      await b.ingest(c, checkpoint);
    }
    await b.stop();

    const expected = historyDump(clean);
    expect(expected.split("\n").length).toBeGreaterThan(10);
    expect(historyDump(faulty)).toBe(expected);

    // And a recompute of every series from the events table gives the same rows.
    const w = await openWriterDatabase(faulty);
    createSqliteHistory(w.sqlite).rebuild();
    await w.close();
    expect(historyDump(faulty)).toBe(expected);
  }, 120_000);
});
