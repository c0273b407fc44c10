/**
 * Small worlds for the per-row tests: an initialized chain, registered and staked
 * providers, buyers, a funder, and helpers that bring a job to a given state, all
 * through the model-checked calls of driver.ts, plus `expectRejected` (named error,
 * no account changed).
 */
import { PublicKey } from "@solana/web3.js";
import { expect } from "vitest";
import { asProvider, calls, createDriver, jobRef } from "./driver.ts";
import type { Calls, Driver, HardwareArgs, JobRef, ProviderActor } from "./driver.ts";
import { attempt, changedKeys, newActor, setupProtocol, snapshot, warp } from "./fixtures.ts";
import type { Actor, Fixture, InitParams, SendOutcome } from "./fixtures.ts";
import { GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";

export interface World {
  fx: Fixture;
  d: Driver;
  c: Calls;
  providers: ProviderActor[];
  buyers: Actor[];
  funder: Actor;
  outsider: Actor;
  nextJobId: bigint;
}

export const TOKENS = 1_000_000_000_000n;
export const HW: HardwareArgs = { gpuModel: GPU_MODEL.h100, gpuCount: 2, vramGb: 24, region: REGION.northAmerica, metadataHash: new Array<number>(32).fill(7) };
export const hash = (b: number): number[] => new Array<number>(32).fill(b);

export interface WorldOptions {
  providers?: number;
  buyers?: number;
  /** Stake each provider puts up (default 10,000). */
  stake?: bigint;
  init?: Partial<InitParams>;
}

/** Throws unless the call succeeded (through the model-checked driver). */
export function ok(out: SendOutcome): SendOutcome {
  if (!out.ok) throw new Error(`expected success, got ${out.error}\n${out.logs.join("\n")}`);
  return out;
}

export async function world(opts: WorldOptions = {}): Promise<World> {
  const fx = await setupProtocol({ init: opts.init ?? {} });
  const d = createDriver(fx);
  const c = calls(d);
  const providers = Array.from({ length: opts.providers ?? 2 }, () => asProvider(newActor(fx, TOKENS)));
  for (const p of providers) {
    ok(await c.registerProvider(p, HW));
    if ((opts.stake ?? 10_000n) > 0n) ok(await c.stake(p, opts.stake ?? 10_000n));
  }
  const buyers = Array.from({ length: opts.buyers ?? 2 }, () => newActor(fx, TOKENS));
  return { fx, d, c, providers, buyers, funder: newActor(fx, TOKENS), outsider: newActor(fx, TOKENS), nextJobId: 1n };
}

export function pAt(w: World, i: number): ProviderActor {
  const p = w.providers[i];
  if (!p) throw new Error(`no provider ${i}`);
  return p;
}
export function bAt(w: World, i: number): Actor {
  const b = w.buyers[i];
  if (!b) throw new Error(`no buyer ${i}`);
  return b;
}

export interface JobOptions {
  price?: bigint;
  maxDuration?: bigint;
  buyer?: Actor;
}

export async function openJob(w: World, o: JobOptions = {}): Promise<JobRef> {
  const r = jobRef(o.buyer ?? bAt(w, 0), w.nextJobId++);
  ok(
    await w.c.createJob(r, {
      price: o.price ?? 1_000_000n,
      maxDuration: o.maxDuration ?? 3_600n,
      minGpus: 1,
      gpuModel: GPU_MODEL.any,
      minVramGb: 0,
      specHash: hash(1),
    }),
  );
  return r;
}
export async function acceptedJob(w: World, p: ProviderActor = pAt(w, 0), o: JobOptions = {}): Promise<JobRef> {
  const r = await openJob(w, o);
  ok(await w.c.acceptJob(r, p));
  return r;
}
export async function submittedJob(w: World, p: ProviderActor = pAt(w, 0), o: JobOptions = {}): Promise<JobRef> {
  const r = await acceptedJob(w, p, o);
  ok(await w.c.submitResult(r, p, hash(2)));
  return r;
}
export async function disputedJob(w: World, p: ProviderActor = pAt(w, 0), o: JobOptions = {}): Promise<JobRef> {
  const r = await submittedJob(w, p, o);
  ok(await w.c.disputeJob(r, hash(3)));
  return r;
}

/** Every account the model knows (Config, token accounts, Providers, Jobs). */
export function modelKeys(w: World): PublicKey[] {
  const m = w.fx.model;
  const keys = [
    w.fx.config,
    ...[...m.tokens.keys()].map((k) => new PublicKey(k)),
    ...[...m.providers.keys()].map((k) => new PublicKey(k)),
    ...[...m.jobs.keys()].map((k) => new PublicKey(k)),
  ];
  return keys;
}

/**
 * Sends a call that must fail: the error must be one of `names`, and no account of
 * the model (nor `extra`) may change in bytes, owner or lamports.
 */
export async function expectRejected(w: World, call: () => Promise<unknown> | SendOutcome, names: string[], extra: PublicKey[] = []): Promise<string> {
  const keys = [...modelKeys(w), ...extra];
  const before = snapshot(w.fx, keys);
  const r = call();
  const out: SendOutcome = r instanceof Promise ? await attempt(() => r, w.fx) : (r as SendOutcome);
  expect(out.ok, `expected one of ${names.join("|")}, the call succeeded`).toBe(false);
  if (out.ok) return "";
  expect(names, `program logs:\n${out.logs.join("\n")}`).toContain(out.error);
  expect(changedKeys(before, snapshot(w.fx, keys))).toEqual([]);
  return out.error;
}

/** Sets the clock to an absolute unix time (forward only). */
export function warpTo(w: World, unix: bigint): void {
  const now = w.fx.env.svm.getClock().unixTimestamp;
  if (unix < now) throw new Error(`warpTo: ${unix} is in the past (${now})`);
  warp(w.fx, unix - now);
}

export { jobRef };
export type { JobRef, ProviderActor };
