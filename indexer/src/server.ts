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
import { isIndexerError } from "./errors.ts";
import { MAX_BUCKET_SECONDS, MAX_LIMIT, MAX_OFFSET, parseAddressParam, parseIntParam } from "./params.ts";
import { bigintJson, createIndexQueries, JOB_STATES, type JobStateName } from "./query.ts";
import { handleAnalytics, RawBody } from "./api/analytics.ts";

/** Options of {@link startApiServer}. */
export interface ApiServerOptions {
  readonly dbPath: string;
  readonly port: number;
  readonly host?: string;
  /** Live numbers of the running indexer, when there is one in this process. */
  readonly stats?: () => unknown;
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
  const reader = openReaderDatabase(opts.dbPath);
  const q = createIndexQueries(reader.db);
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body, bigintJson));
    };
    if (req.method !== "GET") return send(405, { error: "read-only API: GET only" });
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
      const analytics = await handleAnalytics(parts, url.searchParams, q, opts.programId ? { programId: opts.programId } : {});
      if (analytics !== undefined) return analytics;
      if (parts.length > 2) return undefined;
      const head = parts[0] ?? "health";
      const route = parts.length === 2 ? `${head}/:address` : head;
      const allowed = ROUTE_PARAMS[route];
      if (allowed === undefined) return undefined;
      const seen = new Set<string>();
      for (const k of url.searchParams.keys()) {
        if (!allowed.includes(k))
          throw new HttpError(400, allowed.length === 0 ? `${k}: this route takes no parameters` : `${k}: unknown parameter (accepted: ${allowed.join(", ")})`);
        if (seen.has(k)) throw new HttpError(400, `${k}: given more than once`);
        seen.add(k);
      }
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
      switch (route) {
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
          return q.provider(addr("address", parts[1] as string) as string);
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
          return q.job(addr("address", parts[1] as string) as string);
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
        if (body instanceof RawBody) {
          res.writeHead(200, { "content-type": body.contentType });
          res.end(body.text);
        } else if (body === undefined) send(404, { error: "not found" });
        else if (body === null) send(404, { error: "no such account" });
        else send(200, body);
      })
      .catch((e: unknown) => {
        if (e instanceof HttpError) return send(e.status, { error: e.message });
        if (isIndexerError(e, "InvalidParameter")) return send(400, { error: e.message });
        opts.log?.(`API ${req.url ?? ""} failed: ${String(e)}`);
        send(500, { error: "internal error" });
      });
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
