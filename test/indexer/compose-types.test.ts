/**
 * Type tests of the handler registry and the datasource interface: handler
 * maps are keyed by the IDL's event names and each handler sees its event's
 * generated type, so a handler for an event that does not exist, a misspelled
 * field or a wrong field type does not compile. `tsc --noEmit` checks every
 * `@ts-expect-error` below: one that no longer errors fails the typecheck.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import type { GpunetEventName, GpunetEventOf } from "@gpunet/sdk";
import {
  type CONFIG_HANDLERS,
  type ConfigState,
  type Datasource,
  type EntityHandlers,
  type EventHandler,
  HANDLERS,
  type HandlerContext,
  type JOB_HANDLERS,
  type JobState,
  type PROVIDER_HANDLERS,
  type ProviderState,
} from "../../indexer/src/index.ts";

describe("handler registry types", () => {
  it("Given the registry, Then its keys are IDL event names and each handler takes its own event's type", () => {
    expectTypeOf<keyof EntityHandlers<ProviderState>>().toEqualTypeOf<GpunetEventName>();
    expectTypeOf<NonNullable<EntityHandlers<ProviderState>["staked"]>>().toEqualTypeOf<EventHandler<ProviderState, "staked">>();
    expectTypeOf<Parameters<EventHandler<JobState, "jobCreated">>[1]>().toEqualTypeOf<GpunetEventOf<"jobCreated", Uint8Array>>();
    expectTypeOf<Parameters<EventHandler<ConfigState, "slashed">>[2]>().toEqualTypeOf<HandlerContext>();
    expectTypeOf<GpunetEventOf<"staked", Uint8Array>["data"]["activeStake"]>().toEqualTypeOf<bigint>();
    expectTypeOf(HANDLERS.provider).toEqualTypeOf<EntityHandlers<ProviderState>>();
    // The per-entity maps keep their literal keys: only events the IDL has.
    expectTypeOf<Exclude<keyof typeof PROVIDER_HANDLERS, GpunetEventName>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<keyof typeof JOB_HANDLERS, GpunetEventName>>().toEqualTypeOf<never>();
    expectTypeOf<Exclude<keyof typeof CONFIG_HANDLERS, GpunetEventName>>().toEqualTypeOf<never>();

    // Compile-time only: never called.
    const compileOnly = (): void => {
      const ok: EntityHandlers<ProviderState> = {
        staked(p, e) {
          p.activeStake = e.data.activeStake;
        },
      };
      const unknownEvent: EntityHandlers<ProviderState> = {
        // @ts-expect-error no event of this name in the IDL
        providerRenamed(p: ProviderState) {
          p.seq = 0n;
        },
      };
      const misspelledField: EntityHandlers<ProviderState> = {
        staked(p, e) {
          // @ts-expect-error the Staked event has activeStake, not activeStak
          p.activeStake = e.data.activeStak;
        },
      };
      const wrongFieldType: EntityHandlers<JobState> = {
        jobCreated(j, e) {
          // @ts-expect-error price is a u64 (bigint), never a number
          const n: number = e.data.price;
          j.minGpus = n;
        },
      };
      const otherEventsField: EntityHandlers<ConfigState> = {
        jobCreated(c, e) {
          // @ts-expect-error jobCreated carries no totalActiveStake (the staked event does)
          c.totalActiveStake = e.data.totalActiveStake;
        },
      };
      const wrongEntity: EntityHandlers<JobState> = {
        jobClosed(j) {
          // @ts-expect-error a job has no activeStake (a provider does)
          j.activeStake = 0n;
        },
      };
      void [ok, unknownEvent, misspelledField, wrongFieldType, otherEventsField, wrongEntity];
    };
    expect(typeof compileOnly).toBe("function");
  });

  it("Given the Datasource interface, Then recovery is one of three modes and start gets the sink, status, signal and log", () => {
    expectTypeOf<Datasource["recovery"]>().toEqualTypeOf<"backfill" | "replay" | "none">();
    expectTypeOf<Parameters<Datasource["start"]>[0]["signal"]>().toEqualTypeOf<AbortSignal>();
    const compileOnly = (): void => {
      // @ts-expect-error a datasource needs stop and stats too
      const partial: Datasource = { name: "x", recovery: "none", start: async () => {} };
      const badMode: Datasource = {
        name: "x",
        // @ts-expect-error recovery is backfill, replay or none
        recovery: "sometimes",
        start: async () => {},
        stop: async () => {},
        stats: () => ({ connected: false, notifications: 0, reconnects: 0, watchdogFires: 0, headSlot: 0n }),
      };
      void [partial, badMode];
    };
    expect(typeof compileOnly).toBe("function");
  });
});
