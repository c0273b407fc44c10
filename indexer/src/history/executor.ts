/**
 * The small SQL executor the history and analytics code runs on, so the same
 * logic serves the SQLite store (synchronous, inside its write transaction)
 * and any asynchronous store (PostgreSQL).
 *
 * The logic is written as generators that yield {@link SqlOp}s and receive
 * the rows back; {@link runSync} drives one over a synchronous executor and
 * {@link runAsync} over an asynchronous one. The SQL is portable: `?`
 * placeholders (an executor for a `$1` dialect rewrites them with
 * {@link dollarPlaceholders}), plain SELECT / GROUP BY / CASE, integer bucket
 * arithmetic, no dialect-only functions, and u64 amounts summed in JS as
 * bigint.
 */
import type { SqliteHandle } from "../db/client.ts";

/** One row as a driver returns it: integers may be bigint, number or string. */
export type SqlRow = Record<string, unknown>;

/** One statement: `all` returns rows, `run` returns none. */
export interface SqlOp {
  readonly kind: "all" | "run";
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** A synchronous executor (better-sqlite3). */
export interface SyncExecutor {
  all(sql: string, params: readonly unknown[]): SqlRow[];
  run(sql: string, params: readonly unknown[]): void;
}

/** An asynchronous executor (a PostgreSQL client inside its transaction). */
export interface AsyncExecutor {
  all(sql: string, params: readonly unknown[]): Promise<SqlRow[]>;
  run(sql: string, params: readonly unknown[]): Promise<void>;
}

/** A generator of statements: the history logic. */
export type SqlProgram<T> = Generator<SqlOp, T, SqlRow[]>;

/** Yields a query and returns its rows (use with `yield*`). */
export function* all(sql: string, ...params: unknown[]): Generator<SqlOp, SqlRow[], SqlRow[]> {
  return yield { kind: "all", sql, params };
}

/** Yields a statement (use with `yield*`). */
export function* run(sql: string, ...params: unknown[]): Generator<SqlOp, void, SqlRow[]> {
  yield { kind: "run", sql, params };
}

/** Drives a program over a synchronous executor. */
export function runSync<T>(program: SqlProgram<T>, exec: SyncExecutor): T {
  let step = program.next([]);
  while (!step.done) {
    const op = step.value;
    if (op.kind === "all") step = program.next(exec.all(op.sql, op.params));
    else {
      exec.run(op.sql, op.params);
      step = program.next([]);
    }
  }
  return step.value;
}

/** Drives a program over an asynchronous executor. */
export async function runAsync<T>(program: SqlProgram<T>, exec: AsyncExecutor): Promise<T> {
  let step = program.next([]);
  while (!step.done) {
    const op = step.value;
    if (op.kind === "all") step = program.next(await exec.all(op.sql, op.params));
    else {
      await exec.run(op.sql, op.params);
      step = program.next([]);
    }
  }
  return step.value;
}

/**
 * A synchronous executor over a better-sqlite3 handle (statements cached).
 *
 * @example
 * ```ts
 * import Database from "better-sqlite3";
 * import { sqliteExecutor } from "@gpunet/indexer";
 * const exec = sqliteExecutor(new Database(":memory:"));
 * exec.all("SELECT 1 AS one", []); // [{ one: 1 }]
 * ```
 */
export function sqliteExecutor(sqlite: SqliteHandle): SyncExecutor {
  type Stmt = { all(...a: unknown[]): SqlRow[]; run(...a: unknown[]): unknown };
  const cache = new Map<string, Stmt>();
  const prep = (sql: string): Stmt => {
    let s = cache.get(sql);
    if (!s) {
      s = sqlite.prepare(sql) as unknown as Stmt;
      if (cache.size > 500) cache.clear();
      cache.set(sql, s);
    }
    return s;
  };
  return {
    all: (sql, params) => prep(sql).all(...params),
    run: (sql, params) => void prep(sql).run(...params),
  };
}

/**
 * Rewrites `?` placeholders to `$1, $2, ...` (PostgreSQL). The portable SQL
 * here never has a `?` inside a string literal.
 *
 * @example
 * ```ts
 * dollarPlaceholders("SELECT * FROM t WHERE a = ? AND b > ?"); // "SELECT * FROM t WHERE a = $1 AND b > $2"
 * ```
 */
export function dollarPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** An integer column as bigint, whatever the driver returned. */
export const int = (v: unknown): bigint => (v === null || v === undefined ? 0n : typeof v === "bigint" ? v : BigInt(v as number | string));
/** A small integer column as number. */
export const small = (v: unknown): number => Number(int(v));
