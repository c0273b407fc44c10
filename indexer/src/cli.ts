/**
 * Entry points the `gpunet` CLI calls: `gpunet index ...` and `gpunet query ...`.
 * They parse argv (without the command word), run, and return an exit code.
 */
import { parseArgs } from "node:util";
import { openReadStore } from "./store/open.ts";
import { ensureHeliusWebhook } from "./datasources/helius-webhook.ts";
import { isIndexerError } from "./errors.ts";
import { createIndexer, type Indexer } from "./pipeline.ts";
import { bigintJson, createIndexQueries, JOB_STATES, type JobStateName } from "./query.ts";
import { MAX_BUCKET_SECONDS, MAX_LIMIT, MAX_OFFSET, parseIntParam } from "./params.ts";
import { parseTimeParam, toCsv } from "./api/analytics.ts";
import { humanize, withHumanFields, type HumanUnits } from "./api/human.ts";
import { SPANS, type Span } from "./history/buckets.ts";
import { DEFAULT_SYMBOL } from "./names.ts";

/** Where the commands write (injectable for tests). */
export interface CommandIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Resolves when the command should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<void>;
  /** Environment read for secrets such as HELIUS_API_KEY (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const defaultIo = (): CommandIo => ({ stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });

/** Usage of `gpunet index`. */
export const INDEX_USAGE = `usage: gpunet index [--db FILE|postgres://URL] [--rpc URL] [--ws URL | --grpc URL [--grpc-token T]] [--program ID]
                    [--commitment processed|confirmed|finalized] [--api-port N] [--webhook-port N]
                    [--webhook-auth SECRET] [--no-backfill] [--batch-size N] [--rebuild] [--once]
                    [--helius-webhook PUBLIC_URL [--helius-webhook-type raw|rawDevnet] [--helius-api-url URL]]
  --db        SQLite file (default gpunet-index.db) or a PostgreSQL URL (postgres://user@host:5432/db)
  --grpc URL  follow a Yellowstone gRPC (Geyser) stream instead of logsSubscribe, resumed with fromSlot
  --once      backfill to the head, then exit (no live subscription)
  --helius-webhook  create or update the Helius webhook posting the program's transactions to
              PUBLIC_URL (which must reach --webhook-port); the API key comes from HELIUS_API_KEY
  --rebuild   drop state tables and rebuild them from the stored events, then exit
exit codes: 0 stopped by SIGINT/SIGTERM (or done), 1 an indexer error, 2 bad arguments,
            3 another writer holds the database (WriterLocked), 4 the database went away while it
            ran (DatabaseGone: the SQLite file deleted or replaced, the PostgreSQL session ended)`;

/** Usage of `gpunet query`. */
export const QUERY_USAGE = `usage: gpunet query <what> [--db FILE|postgres://URL] [--limit N] [--offset N] [--json | --csv] [--raw]
  providers                       leaderboard by active stake
  provider <address|owner>
  jobs [--state S] [--buyer A] [--provider A]
  job <address>                   the job and its timeline (why it ended)
  series [network | <provider>] [--interval day|epoch] [--from T] [--to T]
                                  history per day or epoch (T: unix seconds or 2026-12-01)
  reputation [<provider>] [--cursor C]   leaderboard by reputation score, with its inputs
  slashes <provider>              slashes with their reasons
  gpus                            GPUs of active providers by model and region
  rewards [--bucket SECONDS]      funded / fees / claimed / slashed per bucket
  payments [--bucket SECONDS]     escrow deposits / payouts / fees / refunds per bucket
  totals                          active stake, GPUs, job volume, fees
  meta                            mint, decimals, names by code
  dead-letters
  counters
Amounts print in tokens with the mint's decimals, codes by name, times as UTC dates;
--raw prints the exact stored values; --json keeps raw values and adds <field>Human.`;

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/** Exit code of `gpunet index` once its database went away under it. */
const EXIT_DATABASE_GONE = 4;

/**
 * Waits for `until`, or resolves early with the reason once the indexer's
 * database is gone (it writes nothing more then; a supervisor restarts it).
 */
async function untilStoppedOrDatabaseGone(until: Promise<void>, indexer: Indexer): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gone = new Promise<string>((resolve) => {
    const check = (): void => {
      const why = indexer.stats().databaseError ?? indexer.writer.lost();
      if (why !== null) resolve(why);
      else timer = setTimeout(check, 250);
    };
    check();
  });
  try {
    return await Promise.race([until.then(() => null), gone]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `gpunet index`: runs the indexer until SIGINT/SIGTERM (or `--once`); exits
 * with 4 (`DatabaseGone`) when its database goes away while it runs.
 *
 * @example
 * ```ts
 * process.exitCode = await runIndexCommand(["--db", "index.db", "--rpc", "http://127.0.0.1:8899", "--ws", "ws://127.0.0.1:8900"]);
 * ```
 */
export async function runIndexCommand(argv: readonly string[], io: CommandIo = defaultIo()): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        db: { type: "string", default: "gpunet-index.db" },
        rpc: { type: "string" },
        ws: { type: "string" },
        grpc: { type: "string" },
        "grpc-token": { type: "string" },
        program: { type: "string" },
        commitment: { type: "string", default: "confirmed" },
        "api-port": { type: "string" },
        "webhook-port": { type: "string" },
        "webhook-auth": { type: "string" },
        "helius-webhook": { type: "string" },
        "helius-webhook-type": { type: "string", default: "raw" },
        "helius-api-url": { type: "string" },
        "no-backfill": { type: "boolean", default: false },
        "batch-size": { type: "string" },
        rebuild: { type: "boolean", default: false },
        once: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    io.stderr(`${String(e instanceof Error ? e.message : e)}\n${INDEX_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${INDEX_USAGE}\n`);
    return 0;
  }
  const commitment = values.commitment;
  if (commitment !== "processed" && commitment !== "confirmed" && commitment !== "finalized") {
    io.stderr(`--commitment must be processed, confirmed or finalized\n`);
    return 2;
  }
  const heliusType = values["helius-webhook-type"];
  if (heliusType !== "raw" && heliusType !== "rawDevnet") {
    io.stderr(`--helius-webhook-type must be raw or rawDevnet\n`);
    return 2;
  }
  if (values["helius-webhook"] !== undefined && values["webhook-port"] === undefined) {
    io.stderr(`--helius-webhook needs --webhook-port (the receiver it points at)\n`);
    return 2;
  }
  const port = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
  try {
    const indexer = await createIndexer({
      dbPath: values.db,
      ...(values.rpc ? { rpcUrl: values.rpc } : {}),
      ...(values.ws && !values.once ? { wsUrl: values.ws } : {}),
      ...(values.grpc && !values.once ? { grpcUrl: values.grpc, ...(values["grpc-token"] ? { grpcToken: values["grpc-token"] } : {}) } : {}),
      ...(values.program ? { programId: values.program } : {}),
      commitment,
      backfill: !values["no-backfill"] && values.rpc !== undefined,
      ...(values["api-port"] !== undefined ? { apiPort: port(values["api-port"]) } : {}),
      ...(values["webhook-port"] !== undefined ? { webhookPort: port(values["webhook-port"]) } : {}),
      ...(values["webhook-auth"] ? { webhookAuth: values["webhook-auth"] } : {}),
      ...(values["batch-size"] ? { batchSize: Number(values["batch-size"]) } : {}),
      finalityIntervalMs: values.once ? 0 : 2_000,
      log: (m) => io.stderr(`[indexer] ${m}\n`),
    });
    try {
      if (values.rebuild) {
        await indexer.store.rebuildAll();
        io.stderr("rebuilt state from events\n");
        return 0;
      }
      await indexer.start();
      if (indexer.ports.api !== undefined) io.stderr(`[indexer] API on http://127.0.0.1:${indexer.ports.api}\n`);
      if (indexer.ports.webhook !== undefined) io.stderr(`[indexer] webhook on http://127.0.0.1:${indexer.ports.webhook}\n`);
      if (values["helius-webhook"] !== undefined) {
        const r = await ensureHeliusWebhook({
          apiKey: (io.env ?? process.env).HELIUS_API_KEY ?? "",
          webhookURL: values["helius-webhook"],
          accountAddresses: [indexer.config.programId],
          webhookType: heliusType,
          ...(values["webhook-auth"] ? { authHeader: values["webhook-auth"] } : {}),
          ...(values["helius-api-url"] ? { apiUrl: values["helius-api-url"] } : {}),
        });
        io.stderr(`[indexer] helius webhook ${r.webhook.webhookID} ${r.action}: ${r.webhook.webhookURL}\n`);
      }
      if (values.once) {
        if (values.rpc) await indexer.backfillNow();
        await indexer.sweepFinality();
      } else {
        const gone = await untilStoppedOrDatabaseGone(io.until ?? waitForSignal(), indexer);
        if (gone !== null) {
          io.stderr(`error DatabaseGone: ${gone}\n`);
          return EXIT_DATABASE_GONE;
        }
      }
      const s = indexer.stats();
      io.stderr(`[indexer] ${JSON.stringify({ counters: s.counters, lagSlots: s.lagSlots, reconnects: s.reconnects }, bigintJson)}\n`);
      return 0;
    } finally {
      await indexer.stop();
    }
  } catch (e) {
    if (isIndexerError(e)) {
      io.stderr(`error ${e.code}: ${e.message}\n`);
      return e.code === "WriterLocked" ? 3 : 1;
    }
    throw e;
  }
}

/**
 * `gpunet query <what>`: prints a table (or JSON with `--json`) from a read-only connection.
 *
 * @example
 * ```ts
 * await runQueryCommand(["providers", "--db", "index.db", "--limit", "10"]);
 * ```
 */
export async function runQueryCommand(argv: readonly string[], io: CommandIo = defaultIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        db: { type: "string", default: "gpunet-index.db" },
        limit: { type: "string" },
        offset: { type: "string" },
        json: { type: "boolean", default: false },
        state: { type: "string" },
        buyer: { type: "string" },
        provider: { type: "string" },
        bucket: { type: "string" },
        raw: { type: "boolean", default: false },
        csv: { type: "boolean", default: false },
        interval: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        cursor: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    });
  } catch (e) {
    io.stderr(`${String(e instanceof Error ? e.message : e)}\n${QUERY_USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const what = positionals[0];
  if (values.help || what === undefined) {
    io.stdout(`${QUERY_USAGE}\n`);
    return what === undefined && !values.help ? 2 : 0;
  }
  let page: { limit?: number; offset?: number };
  let bucket: { bucketSeconds?: number };
  let range: { interval?: Span; from?: bigint; to?: bigint };
  try {
    if (values.interval !== undefined && !(SPANS as readonly string[]).includes(values.interval)) {
      io.stderr(`--interval must be one of ${SPANS.join(", ")}\n`);
      return 2;
    }
    range = {
      ...(values.interval !== undefined ? { interval: values.interval as Span } : {}),
      ...(values.from !== undefined ? { from: parseTimeParam("--from", values.from) } : {}),
      ...(values.to !== undefined ? { to: parseTimeParam("--to", values.to) } : {}),
    };
    page = {
      ...(values.limit !== undefined ? { limit: parseIntParam("--limit", values.limit, 1, MAX_LIMIT) } : {}),
      ...(values.offset !== undefined ? { offset: parseIntParam("--offset", values.offset, 0, MAX_OFFSET) } : {}),
    };
    bucket = values.bucket !== undefined ? { bucketSeconds: parseIntParam("--bucket", values.bucket, 1, MAX_BUCKET_SECONDS) } : {};
  } catch (e) {
    if (!isIndexerError(e, "InvalidParameter")) throw e;
    io.stderr(`${e.message}\n`);
    return 2;
  }
  let reader;
  try {
    reader = await openReadStore(values.db);
  } catch (e) {
    if (isIndexerError(e)) {
      io.stderr(`error ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    const q = createIndexQueries(reader.db);
    let result: unknown;
    let after: unknown[] | null = null;
    let footer = "";
    switch (what) {
      case "providers":
        result = await q.providersByStake(page);
        break;
      case "provider":
        result = positionals[1] ? await q.provider(positionals[1]) : null;
        break;
      case "jobs": {
        const state = values.state;
        if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) {
          io.stderr(`--state must be one of ${JOB_STATES.join(", ")}\n`);
          return 2;
        }
        result = await q.jobs({
          ...page,
          ...(state ? { state: state as JobStateName } : {}),
          ...(values.buyer ? { buyer: values.buyer } : {}),
          ...(values.provider ? { provider: values.provider } : {}),
        });
        break;
      }
      case "job": {
        const j = positionals[1] ? await q.job(positionals[1]) : null;
        const t = j && positionals[1] ? await q.jobTimeline(positionals[1]) : null;
        result = j === null ? null : { ...j, endReason: t?.endReason ?? null };
        if (t && !values.json && !values.csv) after = t.events.map((e) => ({ time: e.time, event: e.name, slot: e.slot, signature: e.signature }));
        break;
      }
      case "series": {
        const target = positionals[1];
        if (target === undefined || target === "network") result = (await q.networkSeries(range)).points;
        else {
          const addr = target === "provider" ? positionals[2] : target;
          const s = addr ? await q.providerSeries(addr, range) : null;
          result = s === null ? null : s.points;
        }
        break;
      }
      case "reputation":
        if (positionals[1]) result = await q.reputationOf(positionals[1]);
        else {
          const r = await q.reputation({
            ...(page.limit !== undefined ? { limit: page.limit } : {}),
            ...(values.cursor !== undefined ? { cursor: values.cursor } : {}),
          });
          result = r.items.map((i) => ({ rank: i.rank, provider: i.provider, score: i.score, ...i.inputs }));
          footer = `${r.formula}${r.nextCursor ? `\nnext page: --cursor ${r.nextCursor}` : ""}\n`;
        }
        break;
      case "slashes": {
        const r = positionals[1] ? await q.providerSlashes(positionals[1]) : null;
        result = r === null ? null : r.items;
        break;
      }
      case "gpus": {
        const g = await q.gpus();
        result = [...g.byModel.map((x) => ({ by: "model", ...x })), ...g.byRegion.map((x) => ({ by: "region", ...x }))];
        break;
      }
      case "meta":
        result = await q.meta();
        break;
      case "rewards":
        result = await q.rewardsOverTime(bucket);
        break;
      case "payments":
        result = await q.paymentsOverTime(bucket);
        break;
      case "totals":
        result = await q.networkTotals();
        break;
      case "dead-letters":
        result = await q.deadLetters(page);
        break;
      case "counters":
        result = await q.counters();
        break;
      default:
        io.stderr(`unknown query ${what}\n${QUERY_USAGE}\n`);
        return 2;
    }
    if (result === null) {
      io.stderr("not found\n");
      return 1;
    }
    const meta = await q.meta();
    const units: HumanUnits = { decimals: meta.decimals, symbol: meta.decimals === null ? null : (meta.symbol ?? DEFAULT_SYMBOL) };
    if (values.json) io.stdout(`${JSON.stringify(values.raw ? result : withHumanFields(result, units), bigintJson, 2)}\n`);
    else if (values.csv) io.stdout(toCsv((Array.isArray(result) ? result : [result]) as Record<string, unknown>[]));
    else {
      io.stdout(formatTable(values.raw ? result : humanize(result, units)));
      if (after) io.stdout(`\n${formatTable(values.raw ? after : humanize(after, units))}`);
      if (footer) io.stdout(footer);
    }
    return 0;
  } catch (e) {
    if (!isIndexerError(e, "InvalidParameter")) throw e;
    io.stderr(`${e.message}\n`);
    return 2;
  } finally {
    await reader.close();
  }
}

/** A plain text table of an array of flat objects (or key/value lines of one object). */
export function formatTable(v: unknown): string {
  const cell = (x: unknown): string => (typeof x === "bigint" ? x.toString() : typeof x === "object" && x !== null ? JSON.stringify(x, bigintJson) : String(x));
  if (!Array.isArray(v)) {
    if (typeof v !== "object" || v === null) return `${cell(v)}\n`;
    return (
      Object.entries(v)
        .map(([k, x]) => `${k}: ${cell(x)}`)
        .join("\n") + "\n"
    );
  }
  if (v.length === 0) return "(none)\n";
  const cols = Object.keys(v[0] as object);
  const rows = v.map((r) => cols.map((c) => cell((r as Record<string, unknown>)[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string =>
    cells
      .map((s, i) => s.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  return [line(cols), ...rows.map(line)].join("\n") + "\n";
}
