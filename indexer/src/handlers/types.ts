/**
 * The shape of event handlers: for one entity, a map from IDL event name to
 * `(state, event, ctx) => void`. The keys are the generated event names and
 * each handler's `event` is that event's generated type, so a handler for an
 * event the IDL does not have, or a field the event does not carry, does not
 * compile.
 */
import type { GpunetEventName, GpunetEventOf } from "@gpunet/sdk";
import type { KeyId } from "../processors/state.ts";

/** Where an event sits and how keys are interned, for the handlers that need them. */
export interface HandlerContext {
  /** Interns a 32-byte pubkey to its row id. */
  readonly keyId: KeyId;
  /** The event's slot. */
  readonly slot: bigint;
  /** The transaction's position in its block. */
  readonly txIndex: number;
}

/** One decoded event of name `N`, pubkeys as bytes. */
export type EntityEvent<N extends GpunetEventName> = GpunetEventOf<N, Uint8Array>;

/** Applies one event of name `N` to an entity's state `S` (pure: no I/O). */
export type EventHandler<S, N extends GpunetEventName> = (state: S, event: EntityEvent<N>, ctx: HandlerContext) => void;

/** An entity's handlers by event name; an event without one leaves the entity as it is. */
export type EntityHandlers<S> = { readonly [N in GpunetEventName]?: EventHandler<S, N> };
