/**
 * Opening an index database by location: a file path (SQLite) or a
 * `postgres://` / `postgresql://` URL (PostgreSQL). One writer per database
 * (SQLite: an OS lock on a sidecar file; PostgreSQL: a session-level advisory
 * lock held by the writer's connection, released by the server when that
 * session ends, even when the process is killed), any number of readers.
 */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { IndexerError } from "../errors.ts";
import { openReaderDatabase, openWriterDatabase, runMigrations, type SqliteHandle } from "../db/client.ts";
import { INDEXER_MIGRATIONS, type IndexerMigration, type SqlDialect } from "../db/migrations/index.ts";
import type { IndexDatabase } from "../db/schema.ts";
import type { StoreBackend } from "./backend.ts";
import { createPostgresBackend } from "./postgres.ts";
import { createSqliteBackend } from "./sqlite.ts";

/** Whether `location` names a PostgreSQL database (else it is a SQLite file path). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A URL with its password masked, for messages. */
export function redactUrl(location: string): string {
  return location.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

/** The writer's connection to the index database. */
export interface WriteStore {
  readonly dialect: SqlDialect;
  /** The file path or URL (password masked). */
  readonly location: string;
  /** kysely over the writer's connection (use it only while the indexer is idle). */
  readonly db: Kysely<IndexDatabase>;
  /** The better-sqlite3 handle (SQLite only). */
  readonly sqlite?: SqliteHandle;
  /** The `pg` session holding the writer lock (PostgreSQL only). */
  readonly client?: pg.Client;
  /** The store's database operations over this connection. */
  backend(): Promise<StoreBackend>;
  /** Why the writer's connection was lost (PostgreSQL: its session ended, and the writer lock with it); null while it holds. */
  lost(): string | null;
  /** Releases the writer lock and closes the connection. */
  close(): Promise<void>;
}

/** A read-only connection to the index database, for queries (`createIndexQueries(r.db)`). */
export interface ReadStore {
  readonly dialect: SqlDialect;
  readonly location: string;
  readonly db: Kysely<IndexDatabase>;
  /** The better-sqlite3 handle (SQLite only). */
  readonly sqlite?: SqliteHandle;
  close(): Promise<void>;
}

/** Options of {@link openWriteStore}. */
export interface OpenWriteStoreOptions {
  /** Migrations to apply (default: this version's). Tests pass extra ones. */
  readonly migrations?: readonly IndexerMigration[];
}

// Integers come back as bigint, as from SQLite with `defaultSafeIntegers`; NUMERIC
// (u64 / u128) stays exact decimal text.
const INT_OIDS = new Set([20, 21, 23]);
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    INT_OIDS.has(oid) && format !== "binary" ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The advisory lock (two int4 keys) that marks the single writer of a database. */
const LOCK_KEYS = [0x67707531, 1] as const;
const APP_NAME = "gpunet-index";

function unavailable(location: string, e: unknown): IndexerError {
  const detail = e instanceof Error ? e.message : String(e);
  return new IndexerError("DatabaseUnavailable", `cannot open ${redactUrl(location)}: ${detail}`, { path: redactUrl(location), cause: e });
}

/** kysely over one `pg` session (the writer's): every query goes through that session. */
function kyselyOver(client: pg.Client): Kysely<IndexDatabase> {
  return new Kysely<IndexDatabase>({
    dialect: new PostgresDialect({
      pool: {
        connect: async () => ({
          query: ((text: string, params: readonly unknown[]) => client.query(text, params as unknown[])) as never,
          release() {},
        }),
        end: async () => {},
      },
    }),
  });
}

/**
 * Opens a PostgreSQL database as its single writer and migrates it.
 *
 * @throws {IndexerError} `WriterLocked` when another writer holds it; `DatabaseUnavailable` when it cannot be reached.
 * @example
 * ```ts
 * const w = await openPostgresWriter("postgres://gpunet@127.0.0.1:5432/gpunet");
 * await w.close();
 * ```
 */
export async function openPostgresWriter(url: string, opts: OpenWriteStoreOptions = {}): Promise<WriteStore & { readonly client: pg.Client }> {
  const location = redactUrl(url);
  const client = new pg.Client({ connectionString: url, application_name: `${APP_NAME} pid=${process.pid}`, types: PG_TYPES });
  // A dropped session loses the lock: nothing more may be written through it.
  let lost: string | null = null;
  let closed = false;
  client.on("error", (e) => {
    lost ??= `the session to ${location} ended (${e.message})`;
  });
  client.on("end", () => {
    if (!closed) lost ??= `the session to ${location} ended`;
  });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw unavailable(url, e);
  }
  const locked = await client.query("SELECT pg_try_advisory_lock($1, $2) AS ok", [...LOCK_KEYS]).catch(async (e: unknown) => {
    await client.end().catch(() => {});
    throw unavailable(url, e);
  });
  if (locked.rows[0]?.ok !== true) {
    const holder = await client
      .query(
        `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [...LOCK_KEYS],
      )
      .catch(() => ({ rows: [] as { app?: string }[] }));
    await client.end().catch(() => {});
    const m = /pid=(\d+)/.exec(String(holder.rows[0]?.app ?? ""));
    const pid = m ? Number(m[1]) : undefined;
    throw new IndexerError("WriterLocked", `another indexer (pid ${pid ?? "?"}) is writing ${location}`, {
      path: location,
      ...(pid === undefined ? {} : { pid }),
    });
  }
  const db = kyselyOver(client);
  try {
    await runMigrations(db, opts.migrations ?? INDEXER_MIGRATIONS, "postgres");
  } catch (e) {
    await client.end().catch(() => {});
    throw e;
  }
  return {
    dialect: "postgres",
    location,
    db,
    client,
    backend: () => createPostgresBackend(client),
    lost: () => lost,
    async close() {
      if (closed) return;
      closed = true;
      // Ending the session releases the advisory lock.
      await client.end().catch(() => {});
    },
  };
}

/**
 * Opens the index database at `location` (SQLite file path or PostgreSQL URL)
 * as its single writer, migrated.
 *
 * @throws {IndexerError} `WriterLocked` when another writer holds it.
 * @example
 * ```ts
 * const w = await openWriteStore("gpunet-index.db"); // or "postgres://user@host/db"
 * const store = await createIndexStore(await w.backend(), { programId: "GPURzPJQe7b7eFztkzSd4iyJXsAG5SjB6wLLywFMqBAA" });
 * console.log(store.counters());
 * await w.close();
 * ```
 */
export async function openWriteStore(location: string, opts: OpenWriteStoreOptions = {}): Promise<WriteStore> {
  if (isPostgresUrl(location)) return openPostgresWriter(location, opts);
  const w = await openWriterDatabase(location, opts.migrations ? { migrations: opts.migrations } : {});
  return {
    dialect: "sqlite",
    location,
    db: w.db,
    sqlite: w.sqlite,
    backend: async () => createSqliteBackend(w.sqlite),
    lost: () => null,
    close: () => w.close(),
  };
}

/**
 * Opens the index database read-only, for a separate reader process (the
 * HTTP API, `gpunet query`, notebooks): SQLite in WAL mode never blocks the
 * writer; PostgreSQL sessions are read-only (`default_transaction_read_only`).
 *
 * @throws {IndexerError} `DatabaseUnavailable` when it cannot be opened.
 * @example
 * ```ts
 * const r = await openReadStore("postgres://reader@127.0.0.1:5432/gpunet");
 * const q = createIndexQueries(r.db);
 * console.log(await q.networkTotals());
 * await r.close();
 * ```
 */
export async function openReadStore(location: string, opts: { readonly busyTimeoutMs?: number; readonly maxConnections?: number } = {}): Promise<ReadStore> {
  if (!isPostgresUrl(location)) {
    const r = openReaderDatabase(location, opts.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: opts.busyTimeoutMs });
    return { dialect: "sqlite", location, db: r.db, sqlite: r.sqlite, close: () => r.close() };
  }
  const pool = new pg.Pool({
    connectionString: location,
    max: opts.maxConnections ?? 4,
    application_name: `${APP_NAME}-reader pid=${process.pid}`,
    options: "-c default_transaction_read_only=on",
    types: PG_TYPES,
  });
  pool.on("error", () => {});
  try {
    const c = await pool.connect();
    try {
      const r = await c.query("SELECT to_regclass('gpunet_migrations') AS t");
      if (r.rows[0]?.t === null) throw new Error("not a gpunet index (no gpunet_migrations table)");
    } finally {
      c.release();
    }
  } catch (e) {
    await pool.end().catch(() => {});
    throw unavailable(location, e);
  }
  const db = new Kysely<IndexDatabase>({ dialect: new PostgresDialect({ pool }) });
  return { dialect: "postgres", location: redactUrl(location), db, close: () => db.destroy() };
}
