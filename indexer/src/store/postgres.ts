/**
 * The PostgreSQL backend of the store, through `pg` on the writer's own
 * session (the one holding the single-writer advisory lock).
 *
 * A batch costs a handful of round trips, not one per row: before the batch,
 * {@link StoreBackend.prefetch} loads in a few queries what the hot path will
 * ask for (the stored rows of the batch's signatures, its pubkeys, the entity
 * rows it touches); the hot path then answers from those and buffers every
 * write; the buffer goes out grouped per table as multi-row INSERTs (in an
 * order that satisfies the foreign keys) before the next read and at commit,
 * and, in a large batch, in the background while the batch is still being
 * processed ({@link StoreBackend.writeBehind}). Row ids of `txs` and `pubkeys`
 * are given here: one writer holds the database, so the next id is known.
 */
import type pg from "pg";
import { IndexerError } from "../errors.ts";
import { u128Text, u64Text } from "../db/u64.ts";
import { dollarPlaceholders } from "../history/executor.ts";
import { COLUMNS, type BatchPlan, type HistoryTable, type Row, type StoreBackend, type TxRow } from "./backend.ts";
import { PROBES } from "./sqlite.ts";

/** Most bind parameters in one statement (the protocol's limit is 65,535). */
const MAX_PARAMS = 65_000;
/** Buffered rows that make a batch send them ahead of its commit. */
const WRITE_BEHIND_ROWS = 4_000;

const u64 = (v: bigint): string => {
  u64Text(v); // range check
  return v.toString();
};
const u128 = (v: bigint): string => {
  u128Text(v);
  return v.toString();
};

interface MirrorRow extends TxRow {
  readonly hash: number;
}

const internal = (what: string): IndexerError =>
  new IndexerError("DatabaseUnavailable", `internal: ${what} was not loaded before the batch (a store bug; the batch is rolled back)`);

const placeholders = (rows: number, width: number, cast: readonly string[] = []): string => {
  const out: string[] = [];
  let p = 1;
  for (let r = 0; r < rows; r++) {
    const one: string[] = [];
    for (let c = 0; c < width; c++) one.push(`$${p++}${cast[c] ?? ""}`);
    out.push(`(${one.join(", ")})`);
  }
  return out.join(", ");
};

const upsertTail = (key: string, columns: readonly string[]): string =>
  `ON CONFLICT (${key}) DO UPDATE SET ${columns
    .filter((c) => c !== key)
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(", ")}`;

const txRow = (r: Row): MirrorRow => ({
  id: Number(r.id as bigint),
  signature: r.signature as string,
  slot: r.slot as bigint,
  finality: Number(r.finality as bigint),
  hash: Number(r.sig_hash as bigint),
});

/**
 * The store's database operations over the writer's `pg` session (schema migrated).
 *
 * @example
 * ```ts
 * import { createIndexStore, createPostgresBackend, openPostgresWriter } from "@gpunet/indexer";
 * const w = await openPostgresWriter("postgres://gpunet@127.0.0.1:5432/gpunet");
 * const store = await createIndexStore(await createPostgresBackend(w.client), { programId: "GPURzPJQe7b7eFztkzSd4iyJXsAG5SjB6wLLywFMqBAA" });
 * console.log(store.counters());
 * await w.close();
 * ```
 */
export async function createPostgresBackend(client: pg.Client): Promise<StoreBackend> {
  const one = async (text: string, params: unknown[] = []): Promise<Row | undefined> => (await client.query(text, params)).rows[0] as Row | undefined;
  const all = async (text: string, params: unknown[] = []): Promise<Row[]> => (await client.query(text, params)).rows as Row[];
  const maxId = async (table: string): Promise<number> => Number(((await one(`SELECT COALESCE(MAX(id), 0) AS m FROM ${table}`)) as Row).m as bigint);
  let nextTxId = (await maxId("txs")) + 1;
  let nextKeyId = (await maxId("pubkeys")) + 1;

  // ---- what the batch loaded (valid inside one transaction)
  const txsAt = new Map<string, MirrorRow>(); // `${slot}:${sig_hash}`
  const txsById = new Map<number, MirrorRow>();
  const unfinalByHash = new Map<number, MirrorRow[]>();
  const txCovered = new Set<string>();
  const unfinalCovered = new Set<number>();
  let unfinalAll = false;
  let anyUnfinal = false;
  const keys = new Map<string, number>();
  const keyCovered = new Set<string>();
  let firstNewKey = nextKeyId;
  const entities = { providers: new Map<number, Row>(), jobs: new Map<number, Row>() };
  const entityCovered = { providers: new Set<number>(), jobs: new Set<number>() };
  let configRow: Row | undefined;
  let configCovered = false;
  let entitiesGone = false;

  // ---- buffered writes, flushed per table in foreign-key order
  const INSERT_ORDER = ["pubkeys", "txs", "events", "stakes", "escrow", "rewards", "claims", "slashes", "dead_letters"] as const;
  type InsertTable = (typeof INSERT_ORDER)[number];
  const INSERT_COLUMNS: Record<InsertTable, readonly string[]> = {
    pubkeys: ["id", "key", "address"],
    txs: ["id", ...COLUMNS.txs],
    events: COLUMNS.events,
    stakes: COLUMNS.stakes,
    escrow: COLUMNS.escrow,
    rewards: COLUMNS.rewards,
    claims: COLUMNS.claims,
    slashes: COLUMNS.slashes,
    dead_letters: COLUMNS.dead_letters,
  };
  const inserts = new Map<InsertTable, unknown[][]>(INSERT_ORDER.map((t) => [t, []]));
  const finalities = new Map<number, number>();
  const puts = { providers: new Map<unknown, readonly unknown[]>(), jobs: new Map<unknown, readonly unknown[]>() };
  let configPut: readonly unknown[] | null = null;
  const checkpointPuts = new Map<string, unknown[]>();
  const gapCursors = new Map<number, string>();
  const counterDeltas = new Map<string, number>();
  let pending = false;
  /** Rows in the insert buffers. */
  let bufferedRows = 0;

  const resetBatch = (): void => {
    txsAt.clear();
    txsById.clear();
    unfinalByHash.clear();
    txCovered.clear();
    unfinalCovered.clear();
    unfinalAll = false;
    anyUnfinal = false;
    keys.clear();
    keyCovered.clear();
    firstNewKey = nextKeyId;
    entities.providers.clear();
    entities.jobs.clear();
    entityCovered.providers.clear();
    entityCovered.jobs.clear();
    configRow = undefined;
    configCovered = false;
    entitiesGone = false;
  };
  const dropBuffer = (): void => {
    for (const rows of inserts.values()) rows.length = 0;
    bufferedRows = 0;
    finalities.clear();
    puts.providers.clear();
    puts.jobs.clear();
    configPut = null;
    checkpointPuts.clear();
    gapCursors.clear();
    counterDeltas.clear();
    pending = false;
  };

  const insertRows = async (head: string, tail: string, width: number, rows: readonly (readonly unknown[])[], cast: readonly string[] = []): Promise<void> => {
    const per = Math.max(1, Math.floor(MAX_PARAMS / width));
    for (let i = 0; i < rows.length; i += per) {
      const part = rows.slice(i, i + per);
      const params: unknown[] = [];
      for (const r of part) for (const v of r) params.push(v);
      await client.query(`${head} VALUES ${placeholders(part.length, width, cast)} ${tail}`, params);
    }
  };

  /** Sends rows taken from the insert buffers, table by table in foreign-key order. */
  const insertTables = async (tables: ReadonlyMap<InsertTable, unknown[][]>): Promise<void> => {
    for (const t of INSERT_ORDER) {
      const rows = tables.get(t) as unknown[][];
      if (rows.length === 0) continue;
      const cols = INSERT_COLUMNS[t];
      await insertRows(`INSERT INTO ${t} (${cols.join(", ")})`, t === "dead_letters" ? "ON CONFLICT DO NOTHING" : "", cols.length, rows);
    }
  };
  /** Takes the buffered inserts (the buffers start empty again). */
  const takeInserts = (): Map<InsertTable, unknown[][]> => {
    const out = new Map<InsertTable, unknown[][]>();
    bufferedRows = 0;
    for (const t of INSERT_ORDER) {
      out.set(t, inserts.get(t) as unknown[][]);
      inserts.set(t, []);
    }
    return out;
  };

  // Write-behind: mid-batch, the buffered inserts go out in the background
  // while the store goes on processing; every other statement (reads, the rest
  // of the flush, COMMIT, ROLLBACK) waits for them first, so the session runs
  // its statements in order and inside the transaction.
  let behind: Promise<void> | null = null;
  let behindError: unknown = null;
  /** Waits for the background inserts; rethrows their error. */
  const settle = async (): Promise<void> => {
    if (behind) await behind;
    behind = null;
    if (behindError !== null) {
      const e = behindError;
      behindError = null;
      throw e;
    }
  };
  const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  const flush = async (): Promise<void> => {
    await settle();
    if (!pending) return;
    pending = false;
    await insertTables(takeInserts());
    if (finalities.size > 0) {
      const rows = [...finalities].map(([id, f]) => [id, f]);
      finalities.clear();
      const per = Math.floor(MAX_PARAMS / 2);
      for (let i = 0; i < rows.length; i += per) {
        const part = rows.slice(i, i + per);
        await client.query(
          `UPDATE txs AS t SET finality = v.f FROM (VALUES ${placeholders(part.length, 2, ["::bigint", "::bigint"])}) AS v (id, f) WHERE t.id = v.id`,
          part.flat(),
        );
      }
    }
    if (puts.providers.size > 0) {
      await insertRows(`INSERT INTO providers (${COLUMNS.providers.join(", ")})`, upsertTail("id", COLUMNS.providers), COLUMNS.providers.length, [
        ...puts.providers.values(),
      ]);
      puts.providers.clear();
    }
    if (puts.jobs.size > 0) {
      await insertRows(`INSERT INTO jobs (${COLUMNS.jobs.join(", ")})`, upsertTail("id", COLUMNS.jobs), COLUMNS.jobs.length, [...puts.jobs.values()]);
      puts.jobs.clear();
    }
    if (configPut) {
      await insertRows(`INSERT INTO config (${COLUMNS.config.join(", ")})`, upsertTail("id", COLUMNS.config), COLUMNS.config.length, [configPut]);
      configPut = null;
    }
    if (checkpointPuts.size > 0) {
      const cols = ["name", "slot", "signature", "updated_at"];
      await insertRows(`INSERT INTO checkpoints (${cols.join(", ")})`, upsertTail("name", cols), 4, [...checkpointPuts.values()]);
      checkpointPuts.clear();
    }
    for (const [id, before] of gapCursors) await client.query("UPDATE gaps SET before_signature = $1 WHERE id = $2", [before, id]);
    gapCursors.clear();
    const deltas = [...counterDeltas].filter(([, v]) => v !== 0);
    counterDeltas.clear();
    if (deltas.length > 0)
      await insertRows("INSERT INTO counters (name, value)", "ON CONFLICT (name) DO UPDATE SET value = counters.value + EXCLUDED.value", 2, deltas, [
        "",
        "::bigint",
      ]);
  };
  /** Every read sees the batch's writes so far. */
  const read = async <T>(run: () => Promise<T>): Promise<T> => {
    await flush();
    return run();
  };

  const mirror = (r: MirrorRow): void => {
    if (txsById.has(r.id)) return;
    txsById.set(r.id, r);
    txsAt.set(`${r.slot}:${r.hash}`, r);
    let list = unfinalByHash.get(r.hash);
    if (!list) unfinalByHash.set(r.hash, (list = []));
    list.push(r);
  };
  const unmirror = (id: number): void => {
    const r = txsById.get(id);
    if (!r) return;
    txsById.delete(id);
    txsAt.delete(`${r.slot}:${r.hash}`);
    const list = unfinalByHash.get(r.hash);
    if (list)
      unfinalByHash.set(
        r.hash,
        list.filter((x) => x.id !== id),
      );
  };
  const mirrorAt = (slot: bigint, hash: number): TxRow[] => {
    const out: TxRow[] = [];
    for (let k = 0; k < PROBES; k++) {
      const r = txsAt.get(`${slot}:${hash + k}`);
      if (r) out.push(r);
    }
    return out;
  };

  const entityGet = (table: "providers" | "jobs", id: number): Row | undefined => {
    const hit = entities[table].get(id);
    if (hit) return hit;
    if (entitiesGone || id >= firstNewKey || entityCovered[table].has(id)) return undefined;
    throw internal(`${table} row ${id}`);
  };

  /** Portable `?` SQL: `$n` placeholders, bigint parameters as decimal text. */
  const portable = (text: string, params: readonly unknown[]): [string, unknown[]] => [
    dollarPlaceholders(text),
    params.map((p) => (typeof p === "bigint" ? p.toString() : p)),
  ];
  return {
    sql: {
      all: (text, params) => read(() => all(...portable(text, params))),
      run: (text, params) =>
        read(async () => {
          await client.query(...portable(text, params));
        }),
    },
    dialect: "postgres",
    prefetches: true,
    u64,
    u128,
    absent: null,
    async begin() {
      resetBatch();
      dropBuffer();
      await client.query("BEGIN");
    },
    async commit() {
      await flush();
      await client.query("COMMIT");
      resetBatch();
    },
    async rollback() {
      await settle().catch(() => {});
      dropBuffer();
      resetBatch();
      await client.query("ROLLBACK");
    },
    writeBehind() {
      if (behind || behindError !== null) return yieldTurn();
      if (bufferedRows < WRITE_BEHIND_ROWS) return undefined;
      const rows = takeInserts();
      const run: Promise<void> = insertTables(rows).then(
        () => {
          if (behind === run) behind = null;
        },
        (e: unknown) => {
          behindError = e;
        },
      );
      behind = run;
      return yieldTurn();
    },
    // Each read waits for the batch's writes so far (flush), but only when there is something to read.
    async prefetch(plan: BatchPlan) {
      if (plan.txs.length > 0) {
        await flush();
        for (const t of plan.txs) txCovered.add(`${t.slot}:${t.hash}`);
        // One index range probe per transaction of the batch (UNIQUE (slot, sig_hash)),
        // for those at or below the highest stored slot.
        const upTo = plan.storedUpTo;
        const probe = upTo === undefined ? plan.txs : plan.txs.filter((t) => t.slot <= upTo);
        if (probe.length > 0)
          for (const r of await all(
            `SELECT t.id, t.signature, t.slot, t.sig_hash, t.finality FROM unnest($1::bigint[], $2::bigint[]) AS k (slot, h)
             JOIN txs t ON t.slot = k.slot AND t.sig_hash BETWEEN k.h AND k.h + ${PROBES - 1}`,
            [probe.map((t) => t.slot.toString()), probe.map((t) => String(t.hash))],
          ))
            mirror(txRow(r));
        const any = (await one("SELECT EXISTS (SELECT 1 FROM txs WHERE finality < 2) AS x")) as Row;
        anyUnfinal = anyUnfinal || any.x === true;
        if (any.x === true) {
          // One range probe of the partial index txs_unfinalized_sig per signature hash.
          for (const r of await all(
            `SELECT t.id, t.signature, t.slot, t.sig_hash, t.finality FROM unnest($1::bigint[]) AS k (h)
             JOIN txs t ON t.finality < 2 AND t.sig_hash BETWEEN k.h AND k.h + ${PROBES - 1}`,
            [plan.txs.map((t) => t.hash)],
          ))
            mirror(txRow(r));
          for (const t of plan.txs) unfinalCovered.add(t.hash);
        } else unfinalAll = true;
      }
      const want = [...plan.keys].filter((k) => !keyCovered.has(k));
      if (want.length > 0) {
        await flush();
        for (const k of want) keyCovered.add(k);
        const rows = await all("SELECT id, key FROM pubkeys WHERE key = ANY($1::bytea[])", [want.map((k) => Buffer.from(k, "latin1"))]);
        for (const r of rows) keys.set((r.key as Buffer).toString("latin1"), Number(r.id as bigint));
      }
    },
    async prefetchEntities(providers, jobs, config) {
      for (const [table, ids] of [
        ["providers", providers],
        ["jobs", jobs],
      ] as const) {
        const want = ids.filter((id) => !entityCovered[table].has(id) && id < firstNewKey);
        if (want.length === 0) continue;
        await flush();
        for (const id of want) entityCovered[table].add(id);
        for (const r of await all(`SELECT * FROM ${table} WHERE id = ANY($1::bigint[])`, [want])) entities[table].set(Number(r.id as bigint), r);
      }
      if (config && !configCovered) {
        await flush();
        configRow = await one("SELECT * FROM config WHERE id = 1");
        configCovered = true;
      }
    },
    anyUnfinalized: () => anyUnfinal,
    findTx(slot, hash) {
      if (!txCovered.has(`${slot}:${hash}`)) throw internal(`the transactions at slot ${slot}`);
      return mirrorAt(slot, hash);
    },
    findUnfinalizedBySig(hash) {
      if (!unfinalAll && !unfinalCovered.has(hash)) throw internal("the unfinalized transactions of a signature");
      const out: TxRow[] = [];
      for (let k = 0; k < PROBES; k++) for (const r of unfinalByHash.get(hash + k) ?? []) if (r.finality < 2) out.push(r);
      return out;
    },
    insertTx(values) {
      const hash = values[0] as number;
      const slot = values[2] as bigint;
      if (txsAt.has(`${slot}:${hash}`)) return null;
      const id = nextTxId++;
      const finality = values[5] as number;
      mirror({ id, signature: values[1] as string, slot, finality, hash });
      if (finality < 2) anyUnfinal = true;
      (inserts.get("txs") as unknown[][]).push([id, ...values]);
      bufferedRows++;
      pending = true;
      return id;
    },
    setTxFinality(id, finality) {
      const r = txsById.get(id);
      if (r) r.finality = finality;
      finalities.set(id, finality);
      pending = true;
    },
    insertEvent(values) {
      (inserts.get("events") as unknown[][]).push(values as unknown[]);
      bufferedRows++;
      pending = true;
    },
    insertHistory(table: HistoryTable, values) {
      (inserts.get(table) as unknown[][]).push(values as unknown[]);
      bufferedRows++;
      pending = true;
    },
    insertDeadLetter(values) {
      (inserts.get("dead_letters") as unknown[][]).push(values as unknown[]);
      pending = true;
      return 1;
    },
    pubkeyId(key) {
      const k = key.toString("latin1");
      const hit = keys.get(k);
      if (hit !== undefined) return hit;
      if (keyCovered.has(k)) return undefined;
      throw internal("a pubkey");
    },
    insertPubkey(key, address) {
      const id = nextKeyId++;
      const k = key.toString("latin1");
      keys.set(k, id);
      keyCovered.add(k);
      (inserts.get("pubkeys") as unknown[][]).push([id, Buffer.from(key), address]);
      pending = true;
      return id;
    },
    getProvider: (id) => entityGet("providers", id),
    getJob: (id) => entityGet("jobs", id),
    getConfig() {
      if (configRow) return configRow;
      if (entitiesGone || configCovered) return undefined;
      throw internal("the config row");
    },
    putProvider(values) {
      puts.providers.set(values[0], values);
      pending = true;
    },
    putJob(values) {
      puts.jobs.set(values[0], values);
      pending = true;
    },
    putConfig(values) {
      configPut = values;
      pending = true;
    },
    putCheckpoint(name, slot, signature, now) {
      checkpointPuts.set(name, [name, slot, signature, now]);
      pending = true;
    },
    setGapCursor(gapId, before) {
      gapCursors.set(gapId, before);
      pending = true;
    },
    addCounters(deltas) {
      for (const [k, v] of deltas) counterDeltas.set(k, (counterDeltas.get(k) ?? 0) + v);
      pending = true;
    },
    findTxAsync: (slot, hash) =>
      read(async () =>
        (
          await all(`SELECT id, signature, slot, sig_hash, finality FROM txs WHERE slot = $1 AND sig_hash BETWEEN $2::bigint AND $2::bigint + ${PROBES - 1}`, [
            slot,
            hash,
          ])
        ).map(txRow),
      ),
    findTxsAsync: (probes) =>
      read(async () =>
        probes.length === 0
          ? []
          : (
              await all(
                `SELECT t.id, t.signature, t.slot, t.sig_hash, t.finality FROM unnest($1::bigint[], $2::bigint[]) AS k (slot, h)
                 JOIN txs t ON t.slot = k.slot AND t.sig_hash BETWEEN k.h AND k.h + ${PROBES - 1}`,
                [probes.map((p) => p.slot.toString()), probes.map((p) => String(p.hash))],
              )
            ).map(txRow),
      ),
    findTxBySignature: (signature) =>
      read(async () => {
        const r = await one("SELECT id, signature, slot, sig_hash, finality FROM txs WHERE signature = $1", [signature]);
        return r ? txRow(r) : undefined;
      }),
    eventsOfTx: (id) => read(() => all("SELECT provider, job, kind, payload FROM events WHERE tx_id = $1", [id])),
    txCounts: (id) => read(() => one("SELECT signature, event_count, truncated FROM txs WHERE id = $1", [id])),
    deleteTx: (id) =>
      read(async () => {
        await client.query("DELETE FROM txs WHERE id = $1", [id]);
        unmirror(id);
      }),
    deleteDeadLetters: (signature) => read(async () => (await client.query("DELETE FROM dead_letters WHERE signature = $1", [signature])).rowCount ?? 0),
    keyReferenced: (id) =>
      read(async () => {
        const r = (await one(
          `SELECT
            EXISTS (SELECT 1 FROM providers WHERE id = $1 OR owner = $1 OR stake_vault = $1)
            OR EXISTS (SELECT 1 FROM jobs WHERE id = $1 OR buyer = $1 OR provider = $1 OR escrow = $1)
            OR EXISTS (SELECT 1 FROM config WHERE $1 IN (address, admin, slash_authority, stake_mint, treasury, reward_vault))
            OR EXISTS (SELECT 1 FROM rewards WHERE funder = $1)
            OR EXISTS (SELECT 1 FROM claims WHERE owner = $1)
            OR EXISTS (SELECT 1 FROM slashes WHERE authority = $1) AS used`,
          [id],
        )) as Row;
        return r.used === true;
      }),
    deletePubkey: (id) =>
      read(async () => {
        await client.query("DELETE FROM pubkeys WHERE id = $1", [id]);
        for (const [k, v] of keys) if (v === id) keys.delete(k);
      }),
    replayEvents: (filter) =>
      read(async () => {
        const cols = "e.kind, e.payload, e.ix, e.event_index, e.provider, e.job, e.tx_id, t.slot, t.tx_index, t.finality";
        const order = "ORDER BY t.slot, t.tx_index, t.id, e.event_index";
        if (filter === null) return all(`SELECT ${cols} FROM events e JOIN txs t ON t.id = e.tx_id ${order}`);
        if (filter.providers.length + filter.jobs.length + filter.kinds.length === 0) return [];
        return all(
          `SELECT ${cols} FROM events e JOIN txs t ON t.id = e.tx_id
           WHERE e.provider = ANY($1::bigint[]) OR e.job = ANY($2::bigint[]) OR e.kind = ANY($3::bigint[]) ${order}`,
          [filter.providers, filter.jobs, filter.kinds],
        );
      }),
    eventsOfKinds: (kinds) => read(() => all("SELECT kind, payload FROM events WHERE kind = ANY($1::bigint[])", [kinds])),
    deleteEntity: (table, id) =>
      read(async () => {
        await client.query(`DELETE FROM ${table} WHERE id = $1`, [id]);
        entities[table].delete(id);
        entityCovered[table].add(id);
      }),
    deleteConfig: () =>
      read(async () => {
        await client.query("DELETE FROM config");
        configRow = undefined;
        configCovered = true;
      }),
    deleteAllEntities: () =>
      read(async () => {
        await client.query("DELETE FROM providers; DELETE FROM jobs; DELETE FROM config;");
        entities.providers.clear();
        entities.jobs.clear();
        configRow = undefined;
        entitiesGone = true;
      }),
    recomputeFinality: () =>
      read(async () => {
        // Only transactions not yet finalized can hold an entity below 2: start from them
        // (partial index txs_unfinalized) rather than from each entity's events.
        const nonFinal = (col: string): string =>
          `WITH nf AS MATERIALIZED (SELECT e.${col} AS id, MIN(t.finality) AS f FROM txs t JOIN events e ON e.tx_id = t.id
             WHERE t.finality < 2 AND e.${col} IS NOT NULL GROUP BY e.${col})`;
        await client.query(
          `${nonFinal("provider")} UPDATE providers p SET finality = COALESCE((SELECT nf.f FROM nf WHERE nf.id = p.id), 2) WHERE p.finality < 2`,
        );
        await client.query(`${nonFinal("job")} UPDATE jobs j SET finality = COALESCE((SELECT nf.f FROM nf WHERE nf.id = j.id), 2) WHERE j.finality < 2`);
        await client.query("UPDATE config SET finality = COALESCE((SELECT MIN(finality) FROM txs WHERE finality < 2), 2) WHERE finality < 2");
        // Loaded copies may be stale in `finality` now.
        entities.providers.clear();
        entities.jobs.clear();
        entityCovered.providers.clear();
        entityCovered.jobs.clear();
        configRow = undefined;
        configCovered = false;
      }),
    unfinalized: (maxSlot, limit) =>
      read(() => all("SELECT signature, slot FROM txs WHERE finality < 2 AND slot <= $1 ORDER BY slot LIMIT $2", [maxSlot, limit])),
    openGap: (until, reason, now) =>
      read(async () => {
        const r = (await one("INSERT INTO gaps (until_signature, before_signature, reason, created_at) VALUES ($1, NULL, $2, $3) RETURNING id", [
          until,
          reason,
          now,
        ])) as Row;
        return Number(r.id as bigint);
      }),
    closeGap: (id) =>
      read(async () => {
        await client.query("DELETE FROM gaps WHERE id = $1", [id]);
      }),
    gaps: () => read(() => all("SELECT id, until_signature, before_signature, reason FROM gaps ORDER BY id")),
    checkpoints: () => read(() => all("SELECT name, slot, signature FROM checkpoints")),
    counters: () => read(() => all("SELECT name, value FROM counters")),
    maxSlot: () =>
      read(async () => {
        const r = (await one("SELECT MAX(slot) AS s FROM txs")) as Row;
        return (r.s as bigint | null) ?? null;
      }),
    eventKinds: (names) =>
      read(async () => {
        await client.query("INSERT INTO event_kinds (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING", [names]);
        const out = new Map<string, number>();
        for (const r of await all("SELECT id, name FROM event_kinds")) out.set(r.name as string, Number(r.id as bigint));
        return out;
      }),
  };
}
