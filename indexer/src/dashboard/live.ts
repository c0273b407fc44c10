/**
 * `GET /live`: Server-Sent Events as transactions land in the database.
 *
 * The feed polls the database (the highest transaction id and the persisted
 * counters: two indexed point reads) every `pollMs` while at least one client
 * listens, so it works the same in the indexer's process and in `gpunet
 * serve`, which only reads. Each newly indexed transaction is one `event: tx`
 * with `{ id, signature, slot, blockTime, events: [names] }`; after a change,
 * one `event: stats` with the counters and the indexed slot (and the live
 * numbers of an indexer in this process). u64 values are decimal strings.
 * Integers from the database go through BigInt(): SQLite gives bigint, a
 * PostgreSQL driver may give decimal strings.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sql, type Kysely } from "kysely";
import type { IndexDatabase } from "../db/schema.ts";
import type { IndexerStats } from "../pipeline.ts";
import { bigintJson } from "../query.ts";

/** Options of {@link createLiveFeed}. */
export interface LiveFeedOptions {
  readonly db: Kysely<IndexDatabase>;
  /** Poll interval in ms (default 250). */
  readonly pollMs?: number;
  readonly stats?: () => IndexerStats;
  readonly log?: (message: string) => void;
}

/** The SSE endpoint of one server. */
export interface LiveFeed {
  /** Takes over a `GET /live` request (the response stays open). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Clients connected now. */
  readonly clients: number;
  /** Ends every stream and stops polling. */
  close(): void;
}

const MAX_ROWS = 500;
const HEARTBEAT_MS = 15_000;
const RECENT = 2_048;

/**
 * Creates the live feed over a database handle.
 *
 * @example
 * ```ts
 * const feed = createLiveFeed({ db: openReaderDatabase("index.db").db });
 * // in a node:http handler: if (url.pathname === "/live") return feed.handle(req, res);
 * ```
 */
export function createLiveFeed(opts: LiveFeedOptions): LiveFeed {
  const pollMs = opts.pollMs ?? 250;
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let lastId: bigint | null = null;
  let lastSignature = "";
  let polling = false;
  let closed = false;
  // Signatures already sent: after a rollback, ids can be reused, so the rows just
  // below the cursor are looked at again and only unsent signatures go out.
  const sent = new Set<string>();

  const write = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data, bigintJson)}\n\n`);
  };
  const broadcast = (event: string, data: unknown): void => {
    for (const c of clients) write(c, event, data);
  };

  const readState = async (): Promise<{ maxId: bigint; counters: Record<string, bigint>; indexedSlot: bigint | null }> => {
    const top = await opts.db.selectFrom("txs").select(sql<bigint | null>`max(id)`.as("id")).executeTakeFirst();
    const slot = await opts.db.selectFrom("txs").select(sql<bigint | null>`max(slot)`.as("s")).executeTakeFirst();
    const counters: Record<string, bigint> = {};
    for (const r of await opts.db.selectFrom("counters").selectAll().execute()) counters[r.name] = BigInt(r.value);
    return { maxId: BigInt(top?.id ?? 0n), counters, indexedSlot: slot?.s === null || slot?.s === undefined ? null : BigInt(slot.s) };
  };

  const statsOf = (s: { maxId: bigint; counters: Record<string, bigint>; indexedSlot: bigint | null }): Record<string, unknown> => {
    const liveStats = opts.stats?.();
    return {
      maxTxId: s.maxId,
      indexedSlot: s.indexedSlot,
      counters: s.counters,
      ...(liveStats ? { lagSlots: liveStats.lagSlots, headSlot: liveStats.headSlot, eventsPerSecond: liveStats.eventsPerSecond } : {}),
    };
  };

  const newRows = async (after: bigint) => {
    const txs = await opts.db
      .selectFrom("txs")
      .select(["id", "signature", "slot", "block_time"])
      .where("id", ">", after)
      .orderBy("id")
      .limit(MAX_ROWS)
      .execute();
    if (txs.length === 0) return [];
    const first = BigInt((txs[0] as { id: bigint }).id);
    const last = BigInt((txs[txs.length - 1] as { id: bigint }).id);
    const names = new Map<bigint, string[]>();
    const evs = await opts.db
      .selectFrom("events as e")
      .innerJoin("event_kinds as k", "k.id", "e.kind")
      .select(["e.tx_id", "k.name"])
      .where("e.tx_id", ">=", first)
      .where("e.tx_id", "<=", last)
      .orderBy("e.tx_id")
      .orderBy("e.event_index")
      .execute();
    for (const e of evs) {
      const key = BigInt(e.tx_id);
      let list = names.get(key);
      if (!list) names.set(key, (list = []));
      list.push(e.name);
    }
    return txs.map((t) => ({ id: t.id, signature: t.signature, slot: t.slot, blockTime: t.block_time, events: names.get(BigInt(t.id)) ?? [] }));
  };

  let lastCounters = "";
  let lastRolledBack = 0n;
  /** Sets the cursor at the newest row; the rows just below it count as sent. */
  const start = async (s: { maxId: bigint; counters: Record<string, bigint> }): Promise<void> => {
    lastId = s.maxId;
    lastCounters = JSON.stringify(s.counters, bigintJson);
    lastRolledBack = s.counters.rolledBack ?? 0n;
    sent.clear();
    const below = await opts.db
      .selectFrom("txs")
      .select("signature")
      .where("id", ">", s.maxId - 256n)
      .execute();
    for (const r of below) sent.add(r.signature);
  };

  const poll = async (): Promise<void> => {
    const s = await readState();
    const countersText = JSON.stringify(s.counters, bigintJson);
    if (lastId === null) {
      await start(s);
      return;
    }
    let changed = countersText !== lastCounters;
    lastCounters = countersText;
    // Rows removed (rolled back) under the cursor: go back to look at reused ids.
    let from = lastId;
    const rolledBack = s.counters.rolledBack ?? 0n;
    if (s.maxId < lastId || rolledBack !== lastRolledBack) from = (s.maxId < lastId ? s.maxId : lastId) - 256n;
    lastRolledBack = rolledBack;
    if (from < 0n) from = 0n;
    for (;;) {
      const rows = await newRows(from);
      for (const r of rows) {
        if (sent.has(r.signature)) continue;
        sent.add(r.signature);
        if (sent.size > RECENT) sent.delete(sent.values().next().value as string);
        lastSignature = r.signature;
        changed = true;
        broadcast("tx", r);
      }
      if (rows.length < MAX_ROWS) break;
      from = BigInt((rows[rows.length - 1] as { id: bigint }).id);
    }
    lastId = s.maxId;
    if (changed) broadcast("stats", { ...statsOf(s), lastSignature });
  };

  const schedule = (): void => {
    if (closed || clients.size === 0 || timer) return;
    timer = setTimeout(() => {
      timer = null;
      if (polling) return schedule();
      polling = true;
      poll()
        .catch((e: unknown) => opts.log?.(`live feed poll failed: ${String(e)}`))
        .finally(() => {
          polling = false;
          schedule();
        });
    }, pollMs);
  };

  return {
    handle(req, res) {
      if (closed) {
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "server closing" }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      res.write("retry: 1000\n\n");
      clients.add(res);
      const drop = (): void => {
        clients.delete(res);
        if (clients.size === 0) {
          if (timer) clearTimeout(timer);
          timer = null;
          if (heartbeat) clearInterval(heartbeat);
          heartbeat = null;
          lastId = null;
        }
      };
      req.on("close", drop);
      res.on("error", drop);
      heartbeat ??= setInterval(() => {
        for (const c of clients) c.write(": keep-alive\n\n");
      }, HEARTBEAT_MS);
      // The first state read sets the cursor; the client gets the current stats at once.
      readState()
        .then(async (s) => {
          if (lastId === null) await start(s);
          write(res, "stats", { ...statsOf(s), lastSignature });
          schedule();
        })
        .catch((e: unknown) => {
          opts.log?.(`live feed failed: ${String(e)}`);
          res.end();
        });
    },
    get clients() {
      return clients.size;
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (heartbeat) clearInterval(heartbeat);
      for (const c of clients) c.end();
      clients.clear();
    },
  };
}
