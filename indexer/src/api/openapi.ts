/**
 * The OpenAPI 3.1 document of the indexer's HTTP API (`GET /openapi.json`):
 * every route, its parameters, and the shape of its answers. u64 values are
 * decimal strings.
 */

type Schema = Record<string, unknown>;
const u64: Schema = { type: "string", pattern: "^[0-9]+$", description: "u64 in base units, exact (decimal string)" };
const int: Schema = { type: "integer" };
const str: Schema = { type: "string" };
const obj = (properties: Record<string, Schema>): Schema => ({ type: "object", properties });
const arr = (items: Schema): Schema => ({ type: "array", items });

interface Param {
  readonly name: string;
  readonly in: "query" | "path";
  readonly description: string;
  readonly schema: Schema;
}
const q = (name: string, description: string, schema: Schema = str): Param => ({ name, in: "query", description, schema });
const address: Param = { name: "address", in: "path", description: "base58 public key (a provider's PDA or owner wallet; a job's PDA)", schema: str };
const limit = (max: number): Param => q("limit", `page size, 1..${max}`, { type: "integer", minimum: 1, maximum: max });
const offset = q("offset", "rows to skip, 0..2^53-1", { type: "integer", minimum: 0 });
const cursor = q("cursor", "the nextCursor of the previous page; given (even empty), the answer is { items, nextCursor }");
const format = q("format", "json (default) or csv (header row, RFC 4180 quoting)", { type: "string", enum: ["json", "csv"] });
const interval = q("interval", "bucket: day (86,400 s) or epoch (172,800 s)", { type: "string", enum: ["day", "epoch"] });
const from = q("from", "start, unix seconds or ISO 8601 (floored to the bucket)");
const to = q("to", "end (exclusive), unix seconds or ISO 8601");
const bucket = q("bucket", "bucket size in seconds, 1..10^12", { type: "integer", minimum: 1 });

const networkPoint = obj({
  t: int,
  iso: str,
  activeStake: u64,
  unbondingStake: u64,
  providers: int,
  providersActive: int,
  gpus: int,
  jobsCreated: int,
  jobsAccepted: int,
  jobsCompleted: int,
  jobsFailed: int,
  jobsExpired: int,
  jobsDisputed: int,
  jobsCancelled: int,
  volume: u64,
  fees: u64,
  rewardsFunded: u64,
  rewardsClaimed: u64,
  slashed: u64,
  staked: u64,
  unstaked: u64,
  withdrawn: u64,
  events: int,
});
const providerPoint = obj({
  t: int,
  iso: str,
  stake: u64,
  unbonding: u64,
  jobsAccepted: int,
  jobsCompleted: int,
  jobsFailed: int,
  jobsExpired: int,
  jobsDisputed: int,
  earnings: u64,
  rewardsClaimed: u64,
  slashed: u64,
  slashes: int,
  staked: u64,
});
const repItem = obj({
  rank: int,
  provider: str,
  score: { type: "number", minimum: 0, maximum: 1 },
  inputs: obj({ completed: int, failed: int, expired: int, disputed: int, slashes: int, slashedAmount: u64 }),
});
const gpuRow = obj({ code: int, name: str, gpus: int, providers: int });

interface Route {
  readonly path: string;
  readonly summary: string;
  readonly params: readonly Param[];
  readonly schema: Schema;
  readonly csv?: boolean;
  /** The answer's media type when it is not JSON (the dashboard, the live stream, the metrics). */
  readonly mediaType?: string;
}

/** Every route the API answers. */
export const API_ROUTES: readonly Route[] = [
  { path: "/", summary: "the dashboard (HTML; its files are under /assets/)", params: [], schema: str, mediaType: "text/html" },
  {
    path: "/live",
    summary: "Server-Sent Events: `tx` ({ signature, slot, events }) for every newly indexed transaction, and `stats`",
    params: [],
    schema: str,
    mediaType: "text/event-stream",
  },
  { path: "/metrics", summary: "Prometheus text format (prom-client): ingest, finality, HTTP requests", params: [], schema: str, mediaType: "text/plain" },
  { path: "/health", summary: "liveness; 503 once the database file was deleted or replaced", params: [], schema: obj({ ok: { type: "boolean" } }) },
  { path: "/stats", summary: "lag in slots, events/s, reconnects, dead letters, backfill progress, counters", params: [], schema: { type: "object" } },
  {
    path: "/providers",
    summary: "providers by active stake, largest first",
    params: [limit(10_000), offset, cursor, format],
    schema: { oneOf: [arr({ type: "object" }), obj({ items: arr({ type: "object" }), nextCursor: { type: ["string", "null"] } })] },
    csv: true,
  },
  { path: "/providers/{address}", summary: "one provider by PDA or owner wallet", params: [address], schema: { type: "object" } },
  {
    path: "/providers/{address}/slashes",
    summary: "a provider's slashes with their reasons, newest first",
    params: [address, format],
    schema: obj({ items: arr(obj({ signature: str, slot: u64, time: int, iso: str, amount: u64, reason: str, reasonCode: int })) }),
    csv: true,
  },
  {
    path: "/jobs",
    summary: "jobs, newest first",
    params: [limit(10_000), offset, cursor, format, q("state", "job state name"), q("buyer", "buyer wallet"), q("provider", "provider PDA or owner")],
    schema: { oneOf: [arr({ type: "object" }), obj({ items: arr({ type: "object" }), nextCursor: { type: ["string", "null"] } })] },
    csv: true,
  },
  { path: "/jobs/{address}", summary: "one job", params: [address], schema: { type: "object" } },
  {
    path: "/jobs/{address}/timeline",
    summary: "a job's events in chain order, its state and why it ended",
    params: [address],
    schema: obj({
      job: str,
      state: str,
      endReason: { type: ["string", "null"] },
      events: arr(obj({ name: str, signature: str, slot: u64, time: int, iso: str, fields: { type: "object" } })),
    }),
  },
  { path: "/rewards", summary: "rewards funded / fees / claimed / slashed per bucket", params: [bucket], schema: arr({ type: "object" }) },
  { path: "/payments", summary: "escrow deposits / payouts / fees / refunds per bucket", params: [bucket], schema: arr({ type: "object" }) },
  { path: "/totals", summary: "network totals now", params: [], schema: { type: "object" } },
  {
    path: "/dead-letters",
    summary: "payloads that did not decode, newest first",
    params: [limit(10_000), offset, cursor, format],
    schema: { oneOf: [arr({ type: "object" }), obj({ items: arr({ type: "object" }), nextCursor: { type: ["string", "null"] } })] },
    csv: true,
  },
  {
    path: "/meta",
    summary: "program, stake mint and its decimals (read from the mint account), names by code",
    params: [],
    schema: obj({
      programId: str,
      mint: { type: ["string", "null"] },
      decimals: { type: ["integer", "null"] },
      symbol: { type: ["string", "null"] },
      enums: obj({
        jobState: arr(str),
        providerStatus: arr(str),
        slashReason: arr(str),
        jobEndReason: arr(str),
        gpuModel: { type: "object", additionalProperties: str },
        region: { type: "object", additionalProperties: str },
      }),
    }),
  },
  {
    path: "/series/network",
    summary: "network series per bucket over [from, to): stocks at bucket end, flows within it, empty buckets included",
    params: [interval, from, to, format],
    schema: obj({ interval: str, from: int, to: int, points: arr(networkPoint) }),
    csv: true,
  },
  {
    path: "/series/gpus",
    summary: "GPUs and providers of active providers by model and region, now",
    params: [],
    schema: obj({ byModel: arr(gpuRow), byRegion: arr(gpuRow) }),
  },
  {
    path: "/series/providers/{address}",
    summary: "a provider's series per bucket",
    params: [address, interval, from, to, format],
    schema: obj({ provider: str, interval: str, from: int, to: int, points: arr(providerPoint) }),
    csv: true,
  },
  {
    path: "/reputation",
    summary: "providers by reputation score, cursor-paginated; the formula is in the answer",
    params: [limit(1_000), q("cursor", "the nextCursor of the previous page"), format],
    schema: obj({ items: arr(repItem), nextCursor: { type: ["string", "null"] }, formula: str }),
    csv: true,
  },
  {
    path: "/reputation/{address}",
    summary: "one provider's reputation and rank",
    params: [address],
    schema: { ...repItem, properties: { ...(repItem.properties as object), formula: str } },
  },
  { path: "/openapi.json", summary: "this document", params: [], schema: { type: "object" } },
];

/**
 * The OpenAPI 3.1 document.
 *
 * @example
 * ```ts
 * Object.keys(openApiDocument().paths).includes("/series/network"); // true
 * ```
 */
export function openApiDocument(): { openapi: "3.1.0"; info: Record<string, string>; paths: Record<string, unknown> } {
  const error = {
    description: "bad parameter",
    content: { "application/json": { schema: obj({ error: { type: "string", description: "<param>: <why>" } }) } },
  };
  const paths: Record<string, unknown> = {};
  for (const r of API_ROUTES) {
    const content: Record<string, unknown> = { [r.mediaType ?? "application/json"]: { schema: r.schema } };
    if (r.csv) content["text/csv"] = { schema: { type: "string" } };
    paths[r.path] = {
      get: {
        summary: r.summary,
        parameters: r.params.map((p) => ({ ...p, required: p.in === "path" })),
        responses: {
          "200": { description: "ok", content },
          "400": error,
          "404": { description: "unknown route or account", content: { "application/json": { schema: obj({ error: str }) } } },
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "gpunet indexer API", version: "1", description: "Read-only. u64 values are decimal strings in base units; /meta gives the decimals." },
    paths,
  };
}
