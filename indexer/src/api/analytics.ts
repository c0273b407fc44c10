/**
 * The analytics routes of the HTTP API: `/meta`, `/series/network`,
 * `/series/gpus`, `/series/providers/:address`, `/reputation`,
 * `/reputation/:address`, `/providers/:address/slashes`,
 * `/jobs/:address/timeline`, `/openapi.json`, and cursor pages (`cursor=`)
 * and CSV (`format=csv`) of `/providers`, `/jobs` and `/dead-letters`.
 * Read-only; every parameter is checked before a query runs (a bad one is an
 * `InvalidParameter` naming it, answered 400).
 */
import { IndexerError } from "../errors.ts";
import { SPANS, type Span } from "../history/buckets.ts";
import { MAX_LIMIT, parseAddressParam, parseIntParam } from "../params.ts";
import { JOB_STATES, MAX_REPUTATION_LIMIT, type IndexQueries, type JobStateName } from "../query.ts";
import { openApiDocument } from "./openapi.ts";

/** A body that is not JSON (CSV), sent as is. */
export class RawBody {
  constructor(
    readonly contentType: string,
    readonly text: string,
  ) {}
}

const bad = (name: string, why: string): IndexerError => new IndexerError("InvalidParameter", `${name}: ${why}`);

/** Largest unix time accepted (year 275,760: the end of JS dates). */
const MAX_UNIX = 8_640_000_000_000;

/**
 * A time parameter: unix seconds, or an ISO 8601 date (`2026-12-01`,
 * `2026-12-01T19:43:00Z`; without a zone it is UTC).
 *
 * @example
 * ```ts
 * parseTimeParam("from", "2026-12-01"); // 1796083200n
 * parseTimeParam("from", "1796083200"); // 1796083200n
 * ```
 */
export function parseTimeParam(name: string, text: string): bigint {
  if (/^[0-9]{1,16}$/.test(text)) {
    const v = BigInt(text);
    if (v > BigInt(MAX_UNIX)) throw bad(name, `must be at most ${MAX_UNIX}`);
    return v;
  }
  const iso = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text);
  const ms = iso ? Date.parse(/T.*(Z|[+-]\d{2}:\d{2})$/.test(text) || !text.includes("T") ? text : `${text}Z`) : Number.NaN;
  if (!Number.isFinite(ms)) throw bad(name, "must be unix seconds or an ISO 8601 date (2026-12-01 or 2026-12-01T19:43:00Z)");
  return BigInt(Math.floor(ms / 1000));
}

/**
 * CSV with a header row (RFC 4180: fields with a comma, quote or line break
 * are quoted, quotes doubled; CRLF line ends). Nested objects become
 * `parent.child` columns.
 *
 * @example
 * ```ts
 * toCsv([{ a: 1, b: "x,y" }]); // 'a,b\r\n1,"x,y"\r\n'
 * ```
 */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const flat = rows.map((r) => {
    const o: Record<string, unknown> = {};
    const walk = (prefix: string, v: unknown): void => {
      if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)) {
        for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
      } else o[prefix] = v;
    };
    walk("", r);
    return o;
  });
  const cols = columns ?? [...new Set(flat.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown): string => {
    const s =
      v === null || v === undefined
        ? ""
        : typeof v === "bigint"
          ? v.toString()
          : typeof v === "object"
            ? JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))
            : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.map(cell).join(","), ...flat.map((r) => cols.map((c) => cell(r[c])).join(","))].map((l) => `${l}\r\n`).join("");
}

/** Query parameters of each analytics route. */
export const ANALYTICS_ROUTE_PARAMS: Readonly<Record<string, readonly string[]>> = {
  meta: [],
  "openapi.json": [],
  "series/network": ["interval", "from", "to", "format"],
  "series/gpus": [],
  "series/providers/:address": ["interval", "from", "to", "format"],
  reputation: ["limit", "cursor", "format"],
  "reputation/:address": [],
  "providers/:address/slashes": ["format"],
  "jobs/:address/timeline": [],
};

/** Cursor pages and CSV of the list routes (taken here when `cursor` or `format` is given). */
const PAGED_ROUTE_PARAMS: Readonly<Record<string, readonly string[]>> = {
  providers: ["limit", "cursor", "format"],
  jobs: ["limit", "cursor", "format", "state", "buyer", "provider"],
  "dead-letters": ["limit", "cursor", "format"],
};

const routeOf = (parts: readonly string[]): string | null => {
  const [a, b, c] = parts;
  if (parts.length === 1) return a === "meta" || a === "openapi.json" || a === "reputation" ? (a as string) : a && a in PAGED_ROUTE_PARAMS ? a : null;
  if (parts.length === 2) {
    if (a === "series" && (b === "network" || b === "gpus")) return `series/${b}`;
    if (a === "reputation") return "reputation/:address";
    return null;
  }
  if (parts.length === 3) {
    if (a === "series" && b === "providers") return "series/providers/:address";
    if (a === "providers" && c === "slashes") return "providers/:address/slashes";
    if (a === "jobs" && c === "timeline") return "jobs/:address/timeline";
  }
  return null;
};

/** Options of {@link handleAnalytics}. */
export interface AnalyticsOptions {
  readonly programId?: string;
}

/**
 * Answers an analytics route: its body (JSON-able, a {@link RawBody}, or
 * null for an unknown account), or undefined when the path is not one of
 * these routes (the caller's other routes answer it).
 */
export async function handleAnalytics(parts: readonly string[], params: URLSearchParams, q: IndexQueries, opts: AnalyticsOptions = {}): Promise<unknown> {
  const route = routeOf(parts);
  if (route === null) return undefined;
  const paged = route in PAGED_ROUTE_PARAMS;
  if (paged && !params.has("cursor") && !params.has("format")) return undefined;
  const allowed = (paged ? PAGED_ROUTE_PARAMS[route] : ANALYTICS_ROUTE_PARAMS[route]) as readonly string[];
  const seen = new Set<string>();
  for (const k of params.keys()) {
    if (!allowed.includes(k)) throw bad(k, allowed.length === 0 ? "this route takes no parameters" : `unknown parameter (accepted: ${allowed.join(", ")})`);
    if (seen.has(k)) throw bad(k, "given more than once");
    seen.add(k);
  }
  const p = (k: string): string | undefined => params.get(k) ?? undefined;
  const format = p("format") ?? "json";
  if (format !== "json" && format !== "csv") throw bad("format", "must be json or csv");
  const csv = format === "csv";
  const address = (i: number): string => {
    const a = parts[i] as string;
    parseAddressParam("address", a);
    return a;
  };
  const range = (): { interval: Span; from?: bigint; to?: bigint } => {
    const interval = p("interval") ?? "day";
    if (!(SPANS as readonly string[]).includes(interval)) throw bad("interval", `must be one of ${SPANS.join(", ")}`);
    const fromText = p("from");
    const toText = p("to");
    const from = fromText === undefined ? undefined : parseTimeParam("from", fromText);
    const to = toText === undefined ? undefined : parseTimeParam("to", toText);
    if (from !== undefined && to !== undefined && to <= from) throw bad("to", "must be after from");
    return { interval: interval as Span, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
  };
  const limit = (max: number): number | undefined => {
    const v = p("limit");
    return v === undefined ? undefined : parseIntParam("limit", v, 1, max);
  };
  const cursor = (): { cursor?: string } => {
    const c = p("cursor");
    return c === undefined ? {} : { cursor: c };
  };
  const out = (body: { points?: unknown[]; items?: unknown[] } | null): unknown => {
    if (!csv || body === null) return body;
    const rows = (body.points ?? body.items ?? []) as Record<string, unknown>[];
    return new RawBody("text/csv; charset=utf-8", toCsv(rows));
  };
  switch (route) {
    case "meta":
      return q.meta(opts.programId);
    case "openapi.json":
      return openApiDocument();
    case "series/network":
      return out(await q.networkSeries(range()));
    case "series/gpus":
      return q.gpus();
    case "series/providers/:address": {
      const a = address(2);
      return out(await q.providerSeries(a, range()));
    }
    case "reputation": {
      const l = limit(MAX_REPUTATION_LIMIT);
      return out(await q.reputation({ ...(l !== undefined ? { limit: l } : {}), ...cursor() }));
    }
    case "reputation/:address":
      return q.reputationOf(address(1));
    case "providers/:address/slashes":
      return out(await q.providerSlashes(address(1)));
    case "jobs/:address/timeline":
      return q.jobTimeline(address(1));
    case "providers": {
      const l = limit(MAX_LIMIT);
      return out(await q.providersPage({ ...(l !== undefined ? { limit: l } : {}), ...cursor() }));
    }
    case "dead-letters": {
      const l = limit(MAX_LIMIT);
      return out(await q.deadLettersPage({ ...(l !== undefined ? { limit: l } : {}), ...cursor() }));
    }
    case "jobs": {
      const l = limit(MAX_LIMIT);
      const state = p("state");
      if (state !== undefined && !(JOB_STATES as readonly string[]).includes(state)) throw bad("state", `must be one of ${JOB_STATES.join(", ")}`);
      const buyer = p("buyer");
      const provider = p("provider");
      if (buyer !== undefined) parseAddressParam("buyer", buyer);
      if (provider !== undefined) parseAddressParam("provider", provider);
      return out(
        await q.jobsPage({
          ...(l !== undefined ? { limit: l } : {}),
          ...cursor(),
          ...(state !== undefined ? { state: state as JobStateName } : {}),
          ...(buyer !== undefined ? { buyer } : {}),
          ...(provider !== undefined ? { provider } : {}),
        }),
      );
    }
    default:
      return undefined;
  }
}
