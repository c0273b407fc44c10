/**
 * A child process for crash and locking tests (killed with SIGKILL by the
 * parent). Modes:
 * <db> is a SQLite file or a postgres:// URL.
 *   index <db> <rpcUrl> <programId> <batch>   backfill to the head, print "done"
 *   hold <db>                                 open as writer, print "locked", wait
 *   migrate <db>                              print "start", migrate, print "done"
 *   migrate-slow <db>                         migrations + one that stops halfway ("mid")
 *   reader <db> <ms>                          query in a loop, print a JSON report
 */
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import {
  createIndexer,
  createIndexQueries,
  INDEXER_MIGRATIONS,
  isPostgresUrl,
  openReadStore,
  openWriteStore,
  runMigrations,
  type IndexDatabase,
  type IndexerMigration,
} from "../../../indexer/src/index.ts";

const [mode, db, a, b, c] = process.argv.slice(2);
const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};
const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

switch (mode) {
  case "index": {
    const ix = await createIndexer({
      dbPath: db as string,
      rpcUrl: a as string,
      programId: b as string,
      batchSize: Number(c),
      finalityIntervalMs: 0,
      backfillConcurrency: 4,
    });
    say("started");
    await ix.start();
    await ix.backfillNow();
    await ix.stop();
    say("done");
    break;
  }
  case "hold": {
    await openWriteStore(db as string);
    say(`locked ${process.pid}`);
    setInterval(() => {}, 1_000);
    break;
  }
  case "migrate": {
    say("start");
    const w = await openWriteStore(db as string);
    await w.close();
    say("done");
    break;
  }
  case "migrate-slow": {
    const half: IndexerMigration = {
      name: "9999-test-half",
      async up(trx) {
        await sql`CREATE TABLE half_table (x INTEGER)`.execute(trx);
        await sql`ALTER TABLE providers ADD COLUMN half_column INTEGER`.execute(trx);
        say("mid");
        sleepSync(60_000);
        await sql`CREATE TABLE never_table (x INTEGER)`.execute(trx);
      },
    };
    if (isPostgresUrl(db as string)) {
      await openWriteStore(db as string, { migrations: [...INDEXER_MIGRATIONS, half] });
    } else {
      const sqlite = new Database(db as string);
      const k = new Kysely<IndexDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
      await runMigrations(k, [...INDEXER_MIGRATIONS, half]);
    }
    break;
  }
  case "reader": {
    const until = Date.now() + Number(a);
    const r = await openReadStore(db as string, { busyTimeoutMs: 5_000 });
    const q = createIndexQueries(r.db);
    let queries = 0;
    const errors: string[] = [];
    while (Date.now() < until) {
      try {
        await q.providersByStake({ limit: 20 });
        await q.networkTotals();
        await r.db
          .selectFrom("events")
          .select((eb) => eb.fn.countAll().as("c"))
          .executeTakeFirst();
        queries += 3;
      } catch (e) {
        errors.push(String(e));
      }
    }
    await r.close();
    say(JSON.stringify({ queries, errors }));
    break;
  }
  default:
    say(`unknown mode ${mode}`);
    process.exitCode = 2;
}
