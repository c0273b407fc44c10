/**
 * The read-only HTTP JSON API (node:http, 127.0.0.1 by default) over its own
 * read-only SQLite connection: queries never block the writer (WAL).
 *
 * Routes: /health, /stats (lag, events/s, reconnects, dead letters, backfill
 * progress), /providers, /providers/:address, /jobs?state=&buyer=&provider=,
 * /jobs/:address, /rewards?bucket=, /payments?bucket=, /totals, /dead-letters.
 * u64 values are JSON strings (exact).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openReaderDatabase } from "./db/client.ts";
import { bigintJson, createIndexQueries, JOB_STATES, type JobStateName } from "./query.ts";

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  readonly dbPath: string;
  readonly port: number;
  readonly host?: string;
  /** Live numbers of the running indexer, when there is one in this process. */
  readonly stats?: () => unknown;
}

/** A running API server. */
export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the API.
 *
 * @example
 * ```ts
 * const api = await startApiServer({ dbPath: "index.db", port: 8788 });
 * // curl http://127.0.0.1:8788/providers?limit=10
 * ```
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const reader = openReaderDatabase(opts.dbPath);
  const q = createIndexQueries(reader.db);
  const intParam = (v: string | null): number | undefined => (v === null || !/^\d+$/.test(v) ? undefined : Number(v));
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body, bigintJson));
    };
    if (req.method !== "GET") return send(405, { error: "read-only API: GET only" });
    const url = new URL(req.url ?? "/", "http://localhost");
    const parts = url.pathname.split("/").filter((p) => p.length > 0);
    const page = { limit: intParam(url.searchParams.get("limit")), offset: intParam(url.searchParams.get("offset")) };
    const bucketSeconds = intParam(url.searchParams.get("bucket"));
    const run = async (): Promise<unknown> => {
      switch (parts[0]) {
        case undefined: case "health": return { ok: true };
        case "stats": return { ...(opts.stats ? (opts.stats() as object) : {}), counters: await q.counters() };
        case "providers": return parts[1] ? q.provider(parts[1]) : q.providersByStake(page);
        case "jobs": {
          if (parts[1]) return q.job(parts[1]);
          const state = url.searchParams.get("state");
          if (state !== null && !(JOB_STATES as readonly string[]).includes(state)) throw new RangeError(`state must be one of ${JOB_STATES.join(", ")}`);
          const buyer = url.searchParams.get("buyer");
          const provider = url.searchParams.get("provider");
          return q.jobs({ ...page, ...(state ? { state: state as JobStateName } : {}), ...(buyer ? { buyer } : {}), ...(provider ? { provider } : {}) });
        }
        case "rewards": return q.rewardsOverTime(bucketSeconds ? { bucketSeconds } : {});
        case "payments": return q.paymentsOverTime(bucketSeconds ? { bucketSeconds } : {});
        case "totals": return q.networkTotals();
        case "dead-letters": return q.deadLetters(page);
        default: return undefined;
      }
    };
    run()
      .then((body) => (body === undefined ? send(404, { error: "not found" }) : body === null ? send(404, { error: "no such account" }) : send(200, body)))
      .catch((e: unknown) => send(e instanceof RangeError ? 400 : 500, { error: String(e) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await reader.close();
    },
  };
}
