/**
 * The handler registry: one map of event handlers per entity (provider, job,
 * config), each in its own file. The store and the history rebuild apply
 * events through it; an event an entity has no handler for leaves it as it is.
 */
import type { GpunetEvent, GpunetEventName } from "@gpunet/sdk";
import type { ConfigState, JobState, ProviderState } from "../processors/state.ts";
import { CONFIG_HANDLERS } from "./config.ts";
import { JOB_HANDLERS } from "./job.ts";
import { PROVIDER_HANDLERS } from "./provider.ts";
import type { EntityHandlers, EventHandler, HandlerContext } from "./types.ts";

export type { EntityEvent, EntityHandlers, EventHandler, HandlerContext } from "./types.ts";
export { CONFIG_HANDLERS } from "./config.ts";
export { JOB_HANDLERS } from "./job.ts";
export { PROVIDER_HANDLERS } from "./provider.ts";

/** Every entity's handlers. */
export interface HandlerRegistry {
  readonly provider: EntityHandlers<ProviderState>;
  readonly job: EntityHandlers<JobState>;
  readonly config: EntityHandlers<ConfigState>;
}

/**
 * The registry the indexer applies events with.
 *
 * @example
 * ```ts
 * import { HANDLERS } from "@gpunet/indexer";
 * console.log(Object.keys(HANDLERS.job)); // the events that change a job
 * ```
 */
export const HANDLERS: HandlerRegistry = { provider: PROVIDER_HANDLERS, job: JOB_HANDLERS, config: CONFIG_HANDLERS };

/** One event, pubkeys as bytes. */
type Ev = GpunetEvent<Uint8Array>;

/**
 * Applies `e` to `state` with the handler `handlers` has for its name (none: no change).
 *
 * @example
 * ```ts
 * import type { GpunetEventOf } from "@gpunet/sdk";
 * import { applyHandler, emptyProvider, HANDLERS } from "@gpunet/indexer";
 * declare const staked: GpunetEventOf<"staked", Uint8Array>;
 * const p = emptyProvider(1);
 * applyHandler(HANDLERS.provider, p, staked, { keyId: () => 0, slot: 10n, txIndex: 0 });
 * console.log(p.activeStake); // bigint
 * ```
 */
export function applyHandler<S>(handlers: EntityHandlers<S>, state: S, e: Ev, ctx: HandlerContext): void {
  // The map is keyed by name, so the handler found takes exactly this event's type.
  const h = handlers[e.name] as EventHandler<S, GpunetEventName> | undefined;
  if (h !== undefined) h(state, e, ctx);
}
