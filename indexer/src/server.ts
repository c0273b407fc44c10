/**
 * The read-only HTTP API (node:http, 127.0.0.1 by default) over its own
 * read-only database connection: queries never block the writer (WAL).
 *
 * Routes: /health, /stats (lag, events/s, reconnects, dead letters, backfill
 * progress), /providers, /providers/:address, /jobs?state=&buyer=&provider=,
 * /jobs/:address, /rewards?bucket=, /payments?bucket=, /totals, /dead-letters;
 * /metrics (Prometheus text), /live (Server-Sent Events), and the dashboard
 * at / with its files under /assets/. u64 values are JSON strings (exact).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { openReadStore } from "./store/open.ts";
import type { Kysely } from "kysely";
import { DASHBOARD_HEADERS, dashboardAsset } from "./dashboard/assets.ts";
import { createLiveFeed } from "./dashboard/live.ts";
import type { IndexDatabase } from "./db/schema.ts";
import { isIndexerError } from "./errors.ts";
import { createApiMetrics } from "./metrics.ts";
import { MAX_BUCKET_SECONDS, MAX_LIMIT, MAX_OFFSET, parseAddressParam, parseIntParam } from "./params.ts";
import type { IndexerStats } from "./pipeline.ts";
import { bigintJson, createIndexQueries, JOB_STATES, type JobStateName } from "./query.ts";
import { ANALYTICS_ROUTE_PARAMS, handleAnalytics, RawBody } from "./api/analytics.ts";

/** A read-only database handle the server queries through. */
export interface ApiReader {
  readonly db: Kysely<IndexDatabase>;
  close(): Promise<void>;
}

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  /** The SQLite file to open read-only (when no `reader` is given). */
  readonly dbPath?: string;
  /** An open reader to query through instead of `dbPath`; the caller closes it after the server. */
  readonly reader?: ApiReader;
  readonly port: number;
  readonly host?: string;
  /** Live numbers of the running indexer, when there is one in this process. */
  readonly stats?: () => IndexerStats;
  /** How often `/live` looks for new rows, ms (default 250). */
  readonly livePollMs?: number;
  /** Health of the running indexer: `/health` answers 503 with `error` when not ok. */
  readonly health?: () => { readonly ok: boolean; readonly error?: string };
  /** Where unexpected errors are reported (the client only gets "internal error"). */
  readonly log?: (message: string) => void;
  /** The program indexed, for `/meta` (default: gpunet's address). */
  readonly programId?: string;
}

/** A running API server. */
export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

/** A non-JSON answer of a route (CSV, text): sent as is with its content type. */
export class HttpBody {
  constructor(
    readonly contentType: string,
    readonly body: string | Buffer,
  ) {}
}

/** A client mistake: answered with its status and message. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Query parameters each route accepts; anything else is a 400 (analytics routes: api/analytics.ts). */
export const ROUTE_PARAMS: Readonly<Record<string, readonly string[]>> = {
  health: [],
  stats: [],
  providers: ["limit", "offset"],
  "providers/:address": [],
  jobs: ["limit", "offset", "state", "buyer", "provider"],
  "jobs/:address": [],
  rewards: ["bucket"],
  payments: ["bucket"],
  totals: [],
  "dead-letters": ["limit", "offset"],
};

/**
 * Starts the API. Every parameter is checked before a query runs: a bad one
 * is a 400 with a message naming it, an unknown route or account a 404, any
 * other failure a 500 with the body `{"error":"internal error"}` (no internal
 * text reaches the client).
 *
 * @example
 * ```ts
 * const api = await startApiServer({ dbPath: "index.db", port: 8788 });
 * // curl http://127.0.0.1:8788/providers?limit=10
 * ```
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  let owned: ApiReader | null = null;
  if (!opts.reader) {
    if (opts.dbPath === undefined) throw new TypeError("startApiServer needs dbPath or reader");
    owned = await openReadStore(opts.dbPath);
  }
  const reader = (opts.reader ?? owned) as ApiReader;
  const q = createIndexQueries(reader.db);
  const metrics = createApiMetrics({ db: reader.db, ...(opts.stats ? { stats: opts.stats } : {}) });
  const live = createLiveFeed({
    db: reader.db,
    ...(opts.livePollMs !== undefined ? { pollMs: opts.livePollMs } : {}),
    ...(opts.stats ? { stats: opts.stats } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    let route = "unmatched";
    const done = (status: number): void => metrics.observeRequest(route, status, Number(process.hrtime.bigint() - started) / 1e9);
    const sendRaw = (status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { "content-type": contentType, ...headers });
      res.end(body);
      done(status);
    };
    const send = (status: number, body: unknown): void => {
      if (body instanceof HttpBody) sendRaw(status, body.contentType, body.body);
      else sendRaw(status, "application/json", JSON.stringify(body, bigintJson));
    };
    if (req.method !== "GET") {
      send(405, { error: "read-only API: GET only" });
      return;
    }
    const run = async (): Promise<unknown> => {
      let url: URL;
      try {
        url = new URL(req.url ?? "/", "http://localhost");
      } catch {
        throw new HttpError(400, "malformed request URL");
      }
      const parts = url.pathname
        .split("/")
        .filter((p) => p.length > 0)
        .map((p) => {
          try {
            return decodeURIComponent(p);
          } catch {
            throw new HttpError(400, "malformed percent-encoding in the path");
          }
        });
      // The dashboard, its files, the live stream and the metrics: not JSON.
      if (parts.length === 0 || (parts[0] === "assets" && parts.length === 2)) {
        route = parts.length === 0 ? "dashboard" : "assets";
        const asset = dashboardAsset(parts.length === 0 ? "" : (parts[1] as string));
        if (!asset) return undefined;
        return new HttpBodyWithHeaders(asset.contentType, asset.body, DASHBOARD_HEADERS);
      }
      if (parts.length === 1 && (parts[0] === "metrics" || parts[0] === "live")) {
        route = parts[0];
        for (const k of url.searchParams.keys()) throw new HttpError(400, `${k}: this route takes no parameters`);
        return route === "live" ? LIVE : new HttpBody(metrics.contentType, await metrics.render());
      }
      route = matchRoute(parts, LABEL_ROUTES)?.route ?? "unmatched";
      const analytics = await handleAnalytics(parts, url.searchParams, q, opts.programId ? { programId: opts.programId } : {});
      if (analytics !== undefined) return analytics;
      const matched = matchRoute(parts, Object.keys(ROUTE_PARAMS));
      if (!matched) return undefined;
      const allowed = ROUTE_PARAMS[matched.route] as readonly string[];
      const seen = new Set<string>();
      for (const k of url.searchParams.keys()) {
        if (!allowed.includes(k))
          throw new HttpError(400, allowed.length === 0 ? `${k}: this route takes no parameters` : `${k}: unknown parameter (accepted: ${allowed.join(", ")})`);
        if (seen.has(k)) throw new HttpError(400, `${k}: given more than once`);
        seen.add(k);
      }
      const address = matched.address;
      const param = (k: string): string | null => url.searchParams.get(k);
      const int = (k: string, min: number, max: number): number | undefined => {
        const v = param(k);
        return v === null ? undefined : parseIntParam(k, v, min, max);
      };
      const addr = (k: string, v: string | null): string | undefined => {
        if (v === null) return undefined;
        parseAddressParam(k, v);
        return v;
      };
      const page = (): { limit?: number; offset?: number } => {
        const limit = int("limit", 1, MAX_LIMIT);
        const offset = int("offset", 0, MAX_OFFSET);
        return { ...(limit !== undefined ? { limit } : {}), ...(offset !== undefined ? { offset } : {}) };
      };
      const bucket = (): { bucketSeconds?: number } => {
        const b = int("bucket", 1, MAX_BUCKET_SECONDS);
        return b === undefined ? {} : { bucketSeconds: b };
      };
      switch (matched.route) {
        case "health": {
          const h = opts.health?.() ?? { ok: true };
          if (!h.ok) throw new HttpError(503, h.error ?? "unhealthy");
          return { ok: true };
        }
        case "stats":
          return { ...(opts.stats ? (opts.stats() as object) : {}), counters: await q.counters() };
        case "providers":
          return q.providersByStake(page());
        case "providers/:address":
          return q.provider(addr("address", address) as string);
        case "jobs": {
          const state = param("state");
          if (state !== null && !(JOB_STATES as readonly string[]).includes(state)) throw new HttpError(400, `state: must be one of ${JOB_STATES.join(", ")}`);
          const buyer = addr("buyer", param("buyer"));
          const provider = addr("provider", param("provider"));
          return q.jobs({
            ...page(),
            ...(state !== null ? { state: state as JobStateName } : {}),
            ...(buyer ? { buyer } : {}),
            ...(provider ? { provider } : {}),
          });
        }
        case "jobs/:address":
          return q.job(addr("address", address) as string);
        case "rewards":
          return q.rewardsOverTime(bucket());
        case "payments":
          return q.paymentsOverTime(bucket());
        case "totals":
          return q.networkTotals();
        case "dead-letters":
          return q.deadLetters(page());
        default:
          return undefined;
      }
    };
    run()
      .then((body) => {
        if (body === LIVE) {
          live.handle(req, res);
          return done(200);
        }
        if (body instanceof HttpBodyWithHeaders) return sendRaw(200, body.contentType, body.body, body.headers);
        if (body instanceof RawBody) return sendRaw(200, body.contentType, body.text);
        if (body === undefined) return send(404, { error: "not found" });
        if (body === null) return send(404, { error: "no such account" });
        send(200, body);
      })
      .catch((e: unknown) => {
        if (e instanceof HttpError) return send(e.status, { error: e.message });
        if (isIndexerError(e, "InvalidParameter")) return send(400, { error: e.message });
        opts.log?.(`API ${req.url ?? ""} failed: ${String(e)}`);
        send(500, { error: "internal error" });
      });
  };

  const server: Server = createServer(handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
    });
  } catch (e) {
    live.close();
    await owned?.close();
    throw e;
  }
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      live.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await owned?.close();
    },
  };
}

/** Route patterns that label requests in `/metrics`. */
const LABEL_ROUTES: readonly string[] = [...Object.keys(ROUTE_PARAMS), ...Object.keys(ANALYTICS_ROUTE_PARAMS)];

/** Marks the `/live` route's answer: the feed takes the response over. */
const LIVE = Symbol("live");

/** A dashboard file with its headers. */
class HttpBodyWithHeaders extends HttpBody {
  constructor(
    contentType: string,
    body: string | Buffer,
    readonly headers: Readonly<Record<string, string>>,
  ) {
    super(contentType, body);
  }
}

/**
 * The route pattern of a path: segments equal to a pattern's literals, any
 * other segment where the pattern says `:address`. Literal patterns win.
 */
function matchRoute(parts: readonly string[], routes: readonly string[]): { route: string; address: string } | undefined {
  let best: { route: string; address: string; wild: number } | undefined;
  for (const route of routes) {
    const segs = route.split("/");
    if (segs.length !== parts.length) continue;
    let address = "";
    let wild = 0;
    let ok = true;
    for (let i = 0; i < segs.length; i++) {
      if (segs[i] === ":address") {
        address = parts[i] as string;
        wild++;
      } else if (segs[i] !== parts[i]) {
        ok = false;
        break;
      }
    }
    if (ok && (!best || wild < best.wild)) best = { route, address, wild };
  }
  return best && { route: best.route, address: best.address };
}
