/**
 * The SQLite backend of the store: better-sqlite3 prepared statements, each
 * prepared once, run synchronously inside one immediate transaction per batch
 * (kysely would re-compile and re-prepare every statement: ~20 us each);
 * event and history rows are written table by table from short buffers.
 */
import type { SqliteHandle } from "../db/client.ts";
import { u128Text, u64Text } from "../db/u64.ts";
import { sqliteExecutor } from "../history/executor.ts";
import { COLUMNS, type HistoryTable, type Row, type StoreBackend, type TxRow } from "./backend.ts";

/** Slots a signature may take after its hash on collisions (open addressing in `txs.sig_hash`). */
export const PROBES = 8;

const insertSql = (verb: string, table: string, columns: readonly string[]): string =>
  `${verb} INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`;

/** An UPSERT of a whole row: changes only the index entries of changed columns (REPLACE would delete and re-insert all). */
const upsertSql = (table: string, columns: readonly string[]): string =>
  `${insertSql("INSERT", table, columns)} ON CONFLICT (id) DO UPDATE SET ${columns
    .filter((c) => c !== "id")
    .map((c) => `${c} = excluded.${c}`)
    .join(", ")}`;

const NONE: TxRow[] = [];
const txRow = (r: Row): TxRow => ({
  id: Number(r.id as bigint),
  signature: r.signature as string,
  slot: r.slot as bigint,
  finality: Number(r.finality as bigint),
});

/**
 * The store's database operations over a writer connection (schema migrated).
 *
 * @example
 * ```ts
 * import { createIndexStore, createSqliteBackend, openWriterDatabase } from "@gpunet/indexer";
 * const w = await openWriterDatabase("index.db");
 * const store = await createIndexStore(createSqliteBackend(w.sqlite), { programId: "GPURzPJQe7b7eFztkzSd4iyJXsAG5SjB6wLLywFMqBAA" });
 * console.log(store.counters());
 * await w.close();
 * ```
 */
export function createSqliteBackend(sqlite: SqliteHandle): StoreBackend {
  const history = {
    stakes: sqlite.prepare(insertSql("INSERT", "stakes", COLUMNS.stakes)),
    escrow: sqlite.prepare(insertSql("INSERT", "escrow", COLUMNS.escrow)),
    rewards: sqlite.prepare(insertSql("INSERT", "rewards", COLUMNS.rewards)),
    claims: sqlite.prepare(insertSql("INSERT", "claims", COLUMNS.claims)),
    slashes: sqlite.prepare(insertSql("INSERT", "slashes", COLUMNS.slashes)),
  } satisfies Record<HistoryTable, unknown>;
  const q = {
    insertTx: sqlite.prepare(insertSql("INSERT OR IGNORE", "txs", COLUMNS.txs)),
    findTx: sqlite.prepare(`SELECT id, signature, slot, finality FROM txs WHERE slot = ? AND sig_hash BETWEEN ? AND ? + ${PROBES - 1}`),
    findTxBySignature: sqlite.prepare("SELECT id, signature, slot, finality FROM txs WHERE signature = ?"),
    anyUnfinalized: sqlite.prepare("SELECT EXISTS (SELECT 1 FROM txs WHERE finality < 2) AS x"),
    // Partial index txs_unfinalized_sig: only rows below finalized can have landed elsewhere.
    findUnfinalizedBySig: sqlite.prepare(`SELECT id, signature, slot, finality FROM txs WHERE finality < 2 AND sig_hash BETWEEN ? AND ? + ${PROBES - 1}`),
    setTxFinality: sqlite.prepare("UPDATE txs SET finality = ? WHERE id = ?"),
    insertEvent: sqlite.prepare(insertSql("INSERT", "events", COLUMNS.events)),
    insertDeadLetter: sqlite.prepare(insertSql("INSERT OR IGNORE", "dead_letters", COLUMNS.dead_letters)),
    pubkeyId: sqlite.prepare("SELECT id FROM pubkeys WHERE key = ?"),
    insertPubkey: sqlite.prepare("INSERT INTO pubkeys (key, address) VALUES (?, ?)"),
    getProvider: sqlite.prepare("SELECT * FROM providers WHERE id = ?"),
    getJob: sqlite.prepare("SELECT * FROM jobs WHERE id = ?"),
    getConfig: sqlite.prepare("SELECT * FROM config WHERE id = 1"),
    putProvider: sqlite.prepare(upsertSql("providers", COLUMNS.providers)),
    putJob: sqlite.prepare(upsertSql("jobs", COLUMNS.jobs)),
    putConfig: sqlite.prepare(upsertSql("config", COLUMNS.config)),
    putCheckpoint: sqlite.prepare("INSERT OR REPLACE INTO checkpoints (name, slot, signature, updated_at) VALUES (?, ?, ?, ?)"),
    setGapCursor: sqlite.prepare("UPDATE gaps SET before_signature = ? WHERE id = ?"),
    addCounter: sqlite.prepare("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value"),
    eventsOfTx: sqlite.prepare("SELECT provider, job, kind, payload FROM events WHERE tx_id = ?"),
    txCounts: sqlite.prepare("SELECT signature, event_count, truncated FROM txs WHERE id = ?"),
    delTx: sqlite.prepare("DELETE FROM txs WHERE id = ?"),
    delDeadLetters: sqlite.prepare("DELETE FROM dead_letters WHERE signature = ?"),
    keyReferenced: sqlite.prepare(`SELECT
        EXISTS (SELECT 1 FROM providers WHERE id = @id OR owner = @id OR stake_vault = @id)
        OR EXISTS (SELECT 1 FROM jobs WHERE id = @id OR buyer = @id OR provider = @id OR escrow = @id)
        OR EXISTS (SELECT 1 FROM config WHERE @id IN (address, admin, slash_authority, stake_mint, treasury, reward_vault))
        OR EXISTS (SELECT 1 FROM rewards WHERE funder = @id)
        OR EXISTS (SELECT 1 FROM claims WHERE owner = @id)
        OR EXISTS (SELECT 1 FROM slashes WHERE authority = @id) AS used`),
    delPubkey: sqlite.prepare("DELETE FROM pubkeys WHERE id = ?"),
    delProvider: sqlite.prepare("DELETE FROM providers WHERE id = ?"),
    delJob: sqlite.prepare("DELETE FROM jobs WHERE id = ?"),
  };
  const EVENT_COLS = "e.kind, e.payload, e.ix, e.event_index, e.provider, e.job, e.tx_id, t.slot, t.tx_index, t.finality";
  const ORDER = "ORDER BY t.slot, t.tx_index, t.id, e.event_index";

  const exec = sqliteExecutor(sqlite);
  // Event and history rows wait in per-table buffers and go in table by table
  // (each B-tree's pages stay hot), before any read or write that is not the
  // hot path and at commit. Nothing on the hot path reads these tables.
  const pending = {
    events: [] as (readonly unknown[])[],
    stakes: [] as (readonly unknown[])[],
    escrow: [] as (readonly unknown[])[],
    rewards: [] as (readonly unknown[])[],
    claims: [] as (readonly unknown[])[],
    slashes: [] as (readonly unknown[])[],
  } satisfies Record<HistoryTable | "events", unknown>;
  let pendingRows = 0;
  const FLUSH_AT = 4096;
  const drain = (rows: (readonly unknown[])[], st: { run(values: readonly unknown[]): unknown }): void => {
    for (const r of rows) st.run(r);
    rows.length = 0;
  };
  const flush = (): void => {
    if (pendingRows === 0) return;
    pendingRows = 0;
    drain(pending.events, q.insertEvent);
    drain(pending.stakes, history.stakes);
    drain(pending.escrow, history.escrow);
    drain(pending.rewards, history.rewards);
    drain(pending.claims, history.claims);
    drain(pending.slashes, history.slashes);
  };
  const discard = (): void => {
    pendingRows = 0;
    for (const rows of Object.values(pending)) rows.length = 0;
  };
  const backend: StoreBackend = {
    sql: {
      all: async (text, params) => {
        flush();
        return exec.all(text, params);
      },
      run: async (text, params) => {
        flush();
        exec.run(text, params);
      },
    },
    dialect: "sqlite",
    prefetches: false,
    u64: u64Text,
    u128: u128Text,
    absent: "",
    async begin() {
      discard();
      sqlite.exec("BEGIN IMMEDIATE");
    },
    async commit() {
      flush();
      sqlite.exec("COMMIT");
    },
    async rollback() {
      discard();
      if (sqlite.inTransaction) sqlite.exec("ROLLBACK");
    },
    async prefetch() {},
    async prefetchEntities() {},
    anyUnfinalized: () => Number((q.anyUnfinalized.get() as Row).x as bigint) !== 0,
    findTx: (slot, hash) => (q.findTx.all(slot, hash, hash) as Row[]).map(txRow),
    // The common answer is none: `get` first, all candidates only when there is one.
    findUnfinalizedBySig: (hash) =>
      q.findUnfinalizedBySig.get(hash, hash) === undefined ? NONE : (q.findUnfinalizedBySig.all(hash, hash) as Row[]).map(txRow),
    insertTx(values) {
      const r = q.insertTx.run(values);
      return r.changes === 0 ? null : Number(r.lastInsertRowid);
    },
    setTxFinality(id, finality) {
      q.setTxFinality.run(finality, id);
    },
    insertEvent(values) {
      pending.events.push(values);
      if (++pendingRows >= FLUSH_AT) flush();
    },
    insertHistory(table, values) {
      pending[table].push(values);
      if (++pendingRows >= FLUSH_AT) flush();
    },
    insertDeadLetter: (values) => q.insertDeadLetter.run(values).changes,
    pubkeyId(key) {
      const r = q.pubkeyId.get(key) as Row | undefined;
      return r ? Number(r.id as bigint) : undefined;
    },
    insertPubkey: (key, address) => Number(q.insertPubkey.run(key, address).lastInsertRowid),
    getProvider: (id) => q.getProvider.get(id) as Row | undefined,
    getJob: (id) => q.getJob.get(id) as Row | undefined,
    getConfig: () => q.getConfig.get() as Row | undefined,
    putProvider(values) {
      q.putProvider.run(values);
    },
    putJob(values) {
      q.putJob.run(values);
    },
    putConfig(values) {
      q.putConfig.run(values);
    },
    putCheckpoint(name, slot, signature, now) {
      q.putCheckpoint.run(name, slot, signature, now);
    },
    setGapCursor(gapId, before) {
      q.setGapCursor.run(before, gapId);
    },
    addCounters(deltas) {
      for (const [k, v] of deltas) if (v !== 0) q.addCounter.run(k, v);
    },
    findTxAsync: async (slot, hash) => (q.findTx.all(slot, hash, hash) as Row[]).map(txRow),
    findTxsAsync: async (probes) => probes.flatMap((p) => (q.findTx.all(p.slot, p.hash, p.hash) as Row[]).map(txRow)),
    async findTxBySignature(signature) {
      const r = q.findTxBySignature.get(signature) as Row | undefined;
      return r ? txRow(r) : undefined;
    },
    eventsOfTx: async (id) => q.eventsOfTx.all(id) as Row[],
    txCounts: async (id) => q.txCounts.get(id) as Row | undefined,
    async deleteTx(id) {
      q.delTx.run(id);
    },
    deleteDeadLetters: async (signature) => q.delDeadLetters.run(signature).changes,
    keyReferenced: async (id) => Number((q.keyReferenced.get({ id }) as Row).used as bigint) !== 0,
    async deletePubkey(id) {
      q.delPubkey.run(id);
    },
    async replayEvents(filter) {
      if (filter === null) return sqlite.prepare(`SELECT ${EVENT_COLS} FROM events e JOIN txs t ON t.id = e.tx_id ${ORDER}`).all() as Row[];
      const where = [
        filter.providers.length > 0 ? `e.provider IN (${filter.providers.join(",")})` : null,
        filter.jobs.length > 0 ? `e.job IN (${filter.jobs.join(",")})` : null,
        filter.kinds.length > 0 ? `e.kind IN (${filter.kinds.join(",")})` : null,
      ]
        .filter((x) => x !== null)
        .join(" OR ");
      if (where === "") return [];
      return sqlite.prepare(`SELECT ${EVENT_COLS} FROM events e JOIN txs t ON t.id = e.tx_id WHERE ${where} ${ORDER}`).all() as Row[];
    },
    eventsOfKinds: async (kinds) =>
      kinds.length === 0 ? [] : (sqlite.prepare(`SELECT kind, payload FROM events WHERE kind IN (${kinds.join(",")})`).all() as Row[]),
    async deleteEntity(table, id) {
      (table === "providers" ? q.delProvider : q.delJob).run(id);
    },
    async deleteConfig() {
      sqlite.exec("DELETE FROM config");
    },
    async deleteAllEntities() {
      sqlite.exec("DELETE FROM providers; DELETE FROM jobs; DELETE FROM config;");
    },
    async recomputeFinality() {
      // Only transactions not yet finalized can hold an entity below 2: start from them
      // (partial index txs_unfinalized) rather than from each entity's events.
      sqlite.exec(`
        CREATE TEMP TABLE IF NOT EXISTS nonfinal (kind INTEGER, id INTEGER, f INTEGER, PRIMARY KEY (kind, id)) WITHOUT ROWID;
        DELETE FROM temp.nonfinal;
        INSERT INTO temp.nonfinal SELECT 0, e.provider, MIN(t.finality) FROM txs t JOIN events e ON e.tx_id = t.id
          WHERE t.finality < 2 AND e.provider IS NOT NULL GROUP BY e.provider;
        INSERT INTO temp.nonfinal SELECT 1, e.job, MIN(t.finality) FROM txs t JOIN events e ON e.tx_id = t.id
          WHERE t.finality < 2 AND e.job IS NOT NULL GROUP BY e.job;
        UPDATE providers SET finality = COALESCE((SELECT f FROM temp.nonfinal WHERE kind = 0 AND id = providers.id), 2) WHERE finality < 2;
        UPDATE jobs SET finality = COALESCE((SELECT f FROM temp.nonfinal WHERE kind = 1 AND id = jobs.id), 2) WHERE finality < 2;
        UPDATE config SET finality = COALESCE((SELECT MIN(finality) FROM txs WHERE finality < 2), 2) WHERE finality < 2;
      `);
    },
    unfinalized: async (maxSlot, limit) =>
      sqlite.prepare("SELECT signature, slot FROM txs WHERE finality < 2 AND slot <= ? ORDER BY slot LIMIT ?").all(maxSlot, limit) as Row[],
    openGap: async (until, reason, now) =>
      Number(
        sqlite.prepare("INSERT INTO gaps (until_signature, before_signature, reason, created_at) VALUES (?, NULL, ?, ?)").run(until, reason, now)
          .lastInsertRowid,
      ),
    async closeGap(id) {
      sqlite.prepare("DELETE FROM gaps WHERE id = ?").run(id);
    },
    gaps: async () => sqlite.prepare("SELECT id, until_signature, before_signature, reason FROM gaps ORDER BY id").all() as Row[],
    checkpoints: async () => sqlite.prepare("SELECT name, slot, signature FROM checkpoints").all() as Row[],
    counters: async () => sqlite.prepare("SELECT name, value FROM counters").all() as Row[],
    async maxSlot() {
      const r = sqlite.prepare("SELECT MAX(slot) AS s FROM txs").get() as Row;
      return (r.s as bigint | null) ?? null;
    },
    async eventKinds(names) {
      const ins = sqlite.prepare("INSERT OR IGNORE INTO event_kinds (name) VALUES (?)");
      for (const name of names) ins.run(name);
      const out = new Map<string, number>();
      for (const r of sqlite.prepare("SELECT id, name FROM event_kinds").all() as Row[]) out.set(r.name as string, Number(r.id as bigint));
      return out;
    },
  };
  // The hot path neither reads nor deletes event or history rows; everything else may.
  const hot = new Set<string>([
    "begin",
    "commit",
    "rollback",
    "prefetch",
    "prefetchEntities",
    "anyUnfinalized",
    "findTx",
    "findUnfinalizedBySig",
    "insertTx",
    "setTxFinality",
    "insertEvent",
    "insertHistory",
    "insertDeadLetter",
    "pubkeyId",
    "insertPubkey",
    "getProvider",
    "getJob",
    "getConfig",
    "putProvider",
    "putJob",
    "putConfig",
    "putCheckpoint",
    "setGapCursor",
    "addCounters",
    "u64",
    "u128",
  ]);
  const b = backend as unknown as Record<string, unknown>;
  for (const [name, f] of Object.entries(b)) {
    if (typeof f !== "function" || hot.has(name)) continue;
    b[name] = (...args: unknown[]) => {
      flush();
      return (f as (...a: unknown[]) => unknown)(...args);
    };
  }
  return backend;
}
