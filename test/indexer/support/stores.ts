/**
 * The two stores the indexer suites run against: SQLite files in a temp dir
 * and databases on a throwaway PostgreSQL server (started on first use, once
 * per test file, stopped after the file). A suite calls {@link useStores} at
 * the top level and wraps its tests in `describe.each(STORES)`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll } from "vitest";
import { openReadStore } from "../../../indexer/src/index.ts";
import { startPostgres, type PgCluster } from "./postgres.ts";

export type StoreKind = "sqlite" | "postgres";
export const STORES: readonly StoreKind[] = ["sqlite", "postgres"];

export interface Stores {
  /** A new empty database of that kind: a file path or a postgres:// URL. */
  fresh(kind: StoreKind): Promise<string>;
}

/** Registers the cleanup (top level of a test file) and returns the factory. */
export function useStores(): Stores {
  let dir: string | null = null;
  let cluster: Promise<PgCluster> | null = null;
  let n = 0;
  afterAll(async () => {
    if (cluster) await (await cluster).stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    async fresh(kind) {
      if (kind === "postgres") {
        cluster ??= startPostgres();
        return (await cluster).createDatabase();
      }
      dir ??= mkdtempSync(join(tmpdir(), "gpunet-idx-"));
      return join(dir, `db-${n++}.db`);
    },
  };
}

const INT_OIDS = new Set([20, 21, 23]);

/** Rows of a read-only query on either store (integers as bigint, BLOB/BYTEA as Buffer); any database, gpunet index or not. */
export async function rows<T = Record<string, unknown>>(location: string, text: string): Promise<T[]> {
  if (location.startsWith("postgres")) {
    const c = new pg.Client({
      connectionString: location,
      types: {
        getTypeParser: ((oid: number, f?: "text" | "binary") => (INT_OIDS.has(oid) ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, f))) as never,
      },
    });
    await c.connect();
    try {
      return (await c.query(text)).rows as T[];
    } finally {
      await c.end();
    }
  }
  const r = await openReadStore(location);
  try {
    return (await sql.raw<T>(text).execute(r.db)).rows;
  } finally {
    await r.close();
  }
}

/** `SELECT count(*)` of a table, 0 when the database or table does not exist yet. */
export async function count(location: string, table: string): Promise<number> {
  try {
    const [r] = await rows<{ c: bigint }>(location, `SELECT count(*) AS c FROM ${table}`);
    return Number(r?.c ?? 0n);
  } catch {
    return 0;
  }
}

/** Tables, views and indexes of the schema (sorted; the migrations table left out). */
export async function schemaNames(location: string): Promise<string[]> {
  const names = location.startsWith("postgres")
    ? await rows<{ name: string }>(
        location,
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'
         UNION SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'`,
      )
    : await rows<{ name: string }>(location, "SELECT name FROM sqlite_master WHERE type IN ('table','view','index') AND name NOT LIKE 'sqlite_%'");
  return names
    .map((r) => r.name)
    .filter((x) => x !== "gpunet_migrations")
    .sort();
}

/** Column names of a table. */
export async function columnNames(location: string, table: string): Promise<string[]> {
  const r = location.startsWith("postgres")
    ? await rows<{ name: string }>(location, `SELECT column_name AS name FROM information_schema.columns WHERE table_name = '${table}'`)
    : await rows<{ name: string }>(location, `SELECT name FROM pragma_table_info('${table}')`);
  return r.map((x) => x.name);
}
