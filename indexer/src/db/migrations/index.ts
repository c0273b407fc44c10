/** The indexer's migrations, in order. Never edit a released one: add the next. */
import type { Kysely } from "kysely";
import * as m0001 from "./0001-initial.ts";
import * as m0002 from "./0002-accountability.ts";
import * as m0003 from "./0003-unfinalized-signatures.ts";
import * as m0004 from "./0004-history.ts";

/** The SQL dialect a migration runs in. */
export type SqlDialect = "sqlite" | "postgres";

/**
 * One migration: a name (sorts in order) and its `up`, given the dialect of
 * the database (types differ: SQLite TEXT u64s are NUMERIC in PostgreSQL).
 */
export interface IndexerMigration {
  readonly name: string;
  up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void>;
}

/** All migrations of this indexer version, oldest first. */
export const INDEXER_MIGRATIONS: readonly IndexerMigration[] = [
  { name: "0001-initial", up: m0001.up },
  { name: "0002-accountability", up: m0002.up },
  { name: "0003-unfinalized-signatures", up: m0003.up },
  { name: "0004-history", up: m0004.up },
];
