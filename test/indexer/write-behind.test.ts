/**
 * The PostgreSQL store sends a large batch's rows while it is still
 * processing the batch (write-behind), inside the batch's one transaction, on
 * a real PostgreSQL server. The rows must be those of small batches (which
 * never write behind), a failure of a row sent early must roll the whole
 * batch back, and the same store must then take the batch again.
 */
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createIndexer, type TransactionUpdate } from "../../indexer/src/index.ts";
import { canonicalDump } from "./support/compare.ts";
import { recordWorkload } from "./support/recorded.ts";
import { replicate } from "./support/replicate.ts";
import { count, useStores } from "./support/stores.ts";

const stores = useStores();
let pid: string;
let updates: TransactionUpdate[];

/** Runs DDL as the database owner, outside the indexer. */
async function admin(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

async function indexAll(location: string, batch: number): Promise<void> {
  const ix = await createIndexer({ dbPath: location, programId: pid, batchSize: batch });
  try {
    for (let i = 0; i < updates.length; i += batch) await ix.ingest(updates.slice(i, i + batch));
  } finally {
    await ix.stop();
  }
}

beforeAll(async () => {
  const r = await recordWorkload(150, 21);
  pid = r.chain.programId.toBase58();
  const txs = r.txs.filter((t) => t.err === null && t.logs.some((l) => l.startsWith("Program data: ")));
  // Enough transactions that one batch buffers several thousand rows.
  updates = replicate(txs, 6_000);
});

describe("PostgreSQL write-behind", () => {
  it("Given one batch of thousands of transactions, Then its rows go out in several statements before the commit and equal those of small batches and of SQLite", async () => {
    const big = await stores.fresh("postgres");
    const small = await stores.fresh("postgres");
    const lite = await stores.fresh("sqlite");
    // Create the schema, then count the INSERT statements into `events` (a statement trigger writes a row per statement).
    await (await createIndexer({ dbPath: big, programId: pid })).stop();
    await admin(
      big,
      `CREATE TABLE wb_statements (at timestamptz NOT NULL);
       CREATE FUNCTION wb_note() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO wb_statements VALUES (clock_timestamp()); RETURN NULL; END $$;
       CREATE TRIGGER wb_note AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION wb_note();`,
    );
    // When
    await indexAll(big, updates.length);
    await indexAll(small, 200);
    await indexAll(lite, updates.length);
    // Then: one write transaction, several INSERTs into events (one would hold the whole batch: it is under the parameter limit)
    const events = await count(big, "events");
    expect(events * 10).toBeLessThan(65_000);
    expect(events).toBeGreaterThan(5_000);
    expect(await count(big, "wb_statements")).toBeGreaterThan(1);
    await admin(big, "DROP TRIGGER wb_note ON events; DROP TABLE wb_statements; DROP FUNCTION wb_note()");
    const dump = await canonicalDump(big);
    expect(dump).toBe(await canonicalDump(small));
    expect(dump).toBe(await canonicalDump(lite));
  });

  it("Given a row sent ahead fails inside the server, Then the whole batch is rolled back, and the same indexer then stores it exactly once", async () => {
    const location = await stores.fresh("postgres");
    const reference = await stores.fresh("postgres");
    const ix = await createIndexer({ dbPath: location, programId: pid, batchSize: updates.length });
    // Events of the 1,000th transaction (ids start at 1) are in the first rows sent ahead.
    await admin(
      location,
      `CREATE FUNCTION wb_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test trigger'; END $$;
       CREATE TRIGGER wb_fail BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.tx_id = 1000) EXECUTE FUNCTION wb_fail();`,
    );
    try {
      // When
      await expect(ix.ingest(updates)).rejects.toThrow(/refused by the test trigger/);
      // Then
      for (const table of ["txs", "events", "stakes", "pubkeys", "providers", "jobs", "config", "hist_network"]) expect(await count(location, table)).toBe(0);
      expect(ix.store.counters().txs ?? 0n).toBe(0n);
      // And: the fault cleared, the same store takes the batch
      await admin(location, "DROP TRIGGER wb_fail ON events; DROP FUNCTION wb_fail()");
      const r = await ix.ingest(updates);
      expect(r.inserted).toBe(updates.length);
      expect(r.duplicates).toBe(0);
    } finally {
      await ix.stop();
    }
    await indexAll(reference, 200);
    expect(await canonicalDump(location)).toBe(await canonicalDump(reference));
  });
});
