/**
 * The datasources an indexer can be composed from, and the one translation of
 * the flat configuration fields (`wsUrl`, `grpcUrl`, `webhookPort`, ...) into them.
 */
import { IndexerError } from "../errors.ts";
import type { Finality } from "../types.ts";
import type { Datasource } from "./datasource.ts";
import { heliusWebhook } from "./helius-webhook.ts";
import { logsSubscribe } from "./logs-subscribe.ts";
import { yellowstone } from "./yellowstone.ts";

export type { Datasource, DatasourceContext, DatasourceRecovery, DatasourceStats, DatasourceStatusListener } from "./datasource.ts";
export { heliusWebhook } from "./helius-webhook.ts";
export { logsSubscribe } from "./logs-subscribe.ts";
export { yellowstone } from "./yellowstone.ts";

/** The flat configuration fields that name datasources. */
export interface DatasourceConfigFields {
  readonly wsUrl?: string;
  readonly grpcUrl?: string;
  readonly grpcToken?: string;
  readonly commitment?: Finality;
  readonly watchdogMs?: number;
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  readonly webhookPort?: number;
  readonly webhookHost?: string;
  readonly webhookAuth?: string;
}

/**
 * The datasources the flat fields describe: `grpcUrl` (a Yellowstone stream;
 * it replaces `wsUrl`), else `wsUrl` (logsSubscribe), and `webhookPort` (the
 * Helius receiver).
 *
 * @example
 * ```ts
 * import { datasourcesFromConfig } from "@gpunet/indexer";
 * const sources = datasourcesFromConfig({ wsUrl: "ws://127.0.0.1:8900", webhookPort: 8787 });
 * console.log(sources.map((s) => s.name)); // ["logsSubscribe", "webhook"]
 * ```
 */
export function datasourcesFromConfig(c: DatasourceConfigFields): Datasource[] {
  const live = {
    ...(c.commitment !== undefined ? { commitment: c.commitment } : {}),
    ...(c.watchdogMs !== undefined ? { watchdogMs: c.watchdogMs } : {}),
    ...(c.reconnectMinMs !== undefined ? { reconnectMinMs: c.reconnectMinMs } : {}),
    ...(c.reconnectMaxMs !== undefined ? { reconnectMaxMs: c.reconnectMaxMs } : {}),
  };
  const out: Datasource[] = [];
  if (c.grpcUrl !== undefined) out.push(yellowstone({ url: c.grpcUrl, ...(c.grpcToken !== undefined ? { xToken: c.grpcToken } : {}), ...live }));
  else if (c.wsUrl !== undefined) out.push(logsSubscribe({ wsUrl: c.wsUrl, ...live }));
  if (c.webhookPort !== undefined)
    out.push(
      heliusWebhook({
        port: c.webhookPort,
        ...(c.webhookHost !== undefined ? { host: c.webhookHost } : {}),
        ...(c.webhookAuth ? { authHeader: c.webhookAuth } : {}),
      }),
    );
  return out;
}

/**
 * Checks that datasources compose: unique names, each a {@link Datasource}
 * (`createIndexer` runs it on its datasources).
 *
 * @throws {IndexerError} InvalidComposition naming the offending datasource.
 * @example
 * ```ts
 * import { checkDatasources, isIndexerError, logsSubscribe } from "@gpunet/indexer";
 * try {
 *   checkDatasources([logsSubscribe({ wsUrl: "ws://127.0.0.1:8900" }), logsSubscribe({ wsUrl: "ws://127.0.0.1:8901" })]);
 * } catch (e) {
 *   if (isIndexerError(e, "InvalidComposition")) console.error(e.message, e.context.datasource); // logsSubscribe
 * }
 * ```
 */
export function checkDatasources(sources: readonly Datasource[]): void {
  const seen = new Set<string>();
  for (const s of sources) {
    const name = (s as { name?: unknown } | null)?.name;
    if (
      typeof name !== "string" ||
      name === "" ||
      typeof s.start !== "function" ||
      typeof s.stop !== "function" ||
      typeof s.stats !== "function" ||
      !["backfill", "replay", "none"].includes(s.recovery)
    )
      throw new IndexerError(
        "InvalidComposition",
        `not a datasource: ${typeof name === "string" ? name : String(s)} (needs name, recovery, start, stop, stats)`,
        {
          ...(typeof name === "string" ? { datasource: name } : {}),
        },
      );
    if (seen.has(name))
      throw new IndexerError("InvalidComposition", `two datasources named ${name}: each kind of source may appear once`, { datasource: name });
    seen.add(name);
  }
}
