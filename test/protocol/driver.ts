/**
 * Runs one protocol call on the chain and in the model side by side, and holds the
 * program to the model: same success or failure (the program's error must be one
 * the model names), every account field equal afterwards, invariants I1-I6.
 *
 * Fields docs/protocol.md leaves open are "soft": a difference there is recorded
 * (and reported), and the model takes the chain's value so the run goes on. The
 * list is short and each entry says why (see `softReason`).
 */
import { BN, EventParser } from "@coral-xyz/anchor";
import type { Keypair, PublicKey } from "@solana/web3.js";
import { PublicKey as Pk } from "@solana/web3.js";
import * as M from "./model.ts";
import type { ConfigState, Ctx, ErrorName, InvariantViolation, JobState, ModelState, Outcome, ProviderState, Transfer } from "./model.ts";
import { address } from "@solana/kit";
import {
  ACCOUNT_BY_DISCRIMINATOR,
  ACCOUNT_SIZES,
  attempt,
  escrowPda,
  fetchAll,
  jobPda,
  lamportsOf,
  normalize,
  PROGRAM_ID,
  providerPda,
  readProgramAccounts,
  stakeVaultPda,
  tokenAmount,
} from "./fixtures.ts";
import type { Actor, Fixture, SendOutcome } from "./fixtures.ts";

/** Instruction names as the IDL spells them. */
export type IxName =
  | "initialize"
  | "update_config"
  | "register_provider"
  | "update_provider"
  | "stake"
  | "request_unstake"
  | "withdraw_unstaked"
  | "fund_rewards"
  | "claim_rewards"
  | "slash"
  | "create_job"
  | "cancel_job"
  | "accept_job"
  | "submit_result"
  | "complete_job"
  | "dispute_job"
  | "resolve_dispute"
  | "expire_job"
  | "close_job";

/** The part of Anchor's MethodsBuilder the driver uses: the call's accounts, and sending it. */
export interface CallBuilder {
  pubkeys(): Promise<Partial<Record<string, PublicKey | null>>>;
  rpc(): Promise<string>;
}

/** A program/model disagreement; the workload stops on the first. */
export class Mismatch extends Error {
  override readonly name = "Mismatch";
  constructor(
    readonly step: number,
    readonly ix: IxName,
    readonly detail: string,
    readonly logs: string[],
  ) {
    super(`step ${step} ${ix}: ${detail}\n--- program logs ---\n${logs.join("\n")}`);
  }
}

export interface Diff {
  kind: "config" | "provider" | "job" | "token" | "existence";
  account: string;
  field: string;
  model: unknown;
  chain: unknown;
}

const show = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? `${x}n` : x));

function diffObjects(kind: Diff["kind"], account: string, model: object, chain: object, out: Diff[]): void {
  const m = model as Record<string, unknown>;
  const c = chain as Record<string, unknown>;
  // Fast path: one serialization per account (fields in the IDL's order on both sides).
  const keys = Object.keys(m);
  if (show(keys.map((k) => m[k])) === show(keys.map((k) => c[k]))) return;
  for (const k of keys) {
    if (show(m[k]) !== show(c[k])) out.push({ kind, account, field: k, model: m[k], chain: c[k] });
  }
}

/** Options of {@link diffChain}. */
export interface DiffOptions {
  /** Only these accounts (base58); default every account of the program and every token account of the model. */
  keys?: ReadonlySet<string>;
  /** Token accounts the model knew before the step (so a closed one must be gone). */
  knownBefore?: ReadonlySet<string>;
  /** Read program accounts through Anchor's `program.account.x.all()` instead of the coder on raw VM data. */
  viaAnchorFetch?: boolean;
  /** Receives the token balances read. */
  balancesOut?: Map<string, bigint>;
}

/** One account as the client sees it: decoded by `program.account.x.fetch` when it is one of ours. */
async function readOne(fx: Fixture, key: string): Promise<{ kind: "config" | "provider" | "job"; value: object } | { kind: "missing" } | { kind: "other" }> {
  const a = fx.env.svm.getAccount(address(key));
  if (!a.exists || a.lamports === 0n) return { kind: "missing" };
  if (a.programAddress !== PROGRAM_ID.toBase58()) return { kind: "other" };
  const name = ACCOUNT_BY_DISCRIMINATOR.get(Buffer.from(a.data.subarray(0, 8)).toString("hex"));
  const pk = new Pk(key);
  if (name === "Config") return { kind: "config", value: normalize(await fx.program.account.config.fetch(pk)) as object };
  if (name === "Provider") return { kind: "provider", value: normalize(await fx.program.account.provider.fetch(pk)) as object };
  if (name === "Job") return { kind: "job", value: normalize(await fx.program.account.job.fetch(pk)) as object };
  return { kind: "other" };
}

/**
 * Differences between the model and the chain: program accounts field by field,
 * token balances, and accounts that exist on one side only.
 */
export async function diffChain(fx: Fixture, s: ModelState, opts: DiffOptions = {}): Promise<Diff[]> {
  const out: Diff[] = [];
  const tokenDiff = (k: string): void => {
    const t = s.tokens.get(k);
    const b = tokenAmount(fx, k);
    if (t) {
      opts.balancesOut?.set(k, b ?? 0n);
      if (b !== t.amount) out.push({ kind: "token", account: k, field: `amount(${t.kind})`, model: t.amount, chain: b });
    } else if (opts.knownBefore?.has(k) && b !== null) {
      out.push({ kind: "existence", account: k, field: "token account (closed in the model)", model: false, chain: true });
    }
  };
  if (opts.keys) {
    for (const k of opts.keys) {
      const got = await readOne(fx, k);
      const model: [Diff["kind"], object | undefined] =
        k === s.configAddress
          ? ["config", s.config ?? undefined]
          : s.providers.has(k)
            ? ["provider", s.providers.get(k)]
            : s.jobs.has(k)
              ? ["job", s.jobs.get(k)]
              : ["existence", undefined];
      if (got.kind === "config" || got.kind === "provider" || got.kind === "job") {
        if (model[1] === undefined || model[0] !== got.kind) out.push({ kind: "existence", account: k, field: got.kind, model: model[0], chain: got.kind });
        else diffObjects(got.kind, k === s.configAddress ? "config" : k, model[1], got.value, out);
      } else if (model[1] !== undefined) {
        out.push({ kind: "existence", account: k, field: model[0], model: true, chain: got.kind });
      }
      tokenDiff(k);
    }
    return out;
  }
  const chain = opts.viaAnchorFetch ? await fetchAll(fx) : readProgramAccounts(fx);
  if ("unknown" in chain)
    for (const k of chain.unknown as string[]) out.push({ kind: "existence", account: k, field: "unknown discriminator", model: false, chain: true });
  if ((s.config === null) !== (chain.config === null))
    out.push({ kind: "existence", account: "config", field: "*", model: s.config !== null, chain: chain.config !== null });
  else if (s.config && chain.config) diffObjects("config", "config", s.config, chain.config, out);
  for (const [k, p] of s.providers) {
    const c = chain.providers.get(k);
    if (!c) out.push({ kind: "existence", account: k, field: "provider", model: true, chain: false });
    else diffObjects("provider", k, p, c, out);
  }
  for (const k of chain.providers.keys()) if (!s.providers.has(k)) out.push({ kind: "existence", account: k, field: "provider", model: false, chain: true });
  for (const [k, j] of s.jobs) {
    const c = chain.jobs.get(k);
    if (!c) out.push({ kind: "existence", account: k, field: "job", model: true, chain: false });
    else diffObjects("job", k, j, c, out);
  }
  for (const k of chain.jobs.keys()) if (!s.jobs.has(k)) out.push({ kind: "existence", account: k, field: "job", model: false, chain: true });
  for (const k of new Set([...s.tokens.keys(), ...(opts.knownBefore ?? [])])) tokenDiff(k);
  return out;
}

/** Token balances on the chain for the model's token accounts (all, or those in `only`). */
function balances(fx: Fixture, s: ModelState, only?: ReadonlySet<string>): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const k of s.tokens.keys()) if (!only || only.has(k)) m.set(k, tokenAmount(fx, k) ?? 0n);
  return m;
}

/** Why a field may differ from the model without failing (docs/protocol.md leaves it open), or null. */
function softReason(ix: IxName, d: Diff, notes: string[], before: ModelState, after: ModelState): string | null {
  if (d.field === "version") return "account version number is not specified";
  if (d.kind === "provider" && d.field === "updatedAt") return "provider.updated_at: which instructions set it is not specified";
  if (d.kind === "job" && d.field === "finishedAt") return "job.finished_at is not specified";
  if (d.kind === "job" && d.field === "rentLamports" && ix === "create_job") return "job.rent_lamports: what it counts is not specified";
  if (d.kind === "config" && d.field === "providerCount") return "config.provider_count: docs/protocol.md does not say register_provider counts";
  if (d.kind === "config" && d.field === "seq" && notes.includes("zeroFee") && typeof d.model === "bigint" && d.chain === d.model + 1n) {
    return "config.seq when the job fee is 0 (nothing in Config changes)";
  }
  if (d.kind === "provider" && d.field === "unbondingUnlockAt") {
    const p = after.providers.get(d.account);
    if (p && p.unbondingAmount === 0n) return "provider.unbonding_unlock_at once nothing is unbonding";
  }
  if (d.kind === "job" && d.field === "providerShareBps" && ix !== "resolve_dispute") return "job.provider_share_bps outside resolve_dispute";
  if (d.field === "seq" && (ix === "initialize" || ix === "register_provider" || ix === "create_job")) {
    const existed = d.kind === "config" ? before.config !== null : d.kind === "provider" ? before.providers.has(d.account) : before.jobs.has(d.account);
    if (!existed) return "the seq a new account starts at";
  }
  return null;
}

function adopt(s: ModelState, d: Diff): void {
  const target: Record<string, unknown> | undefined =
    d.kind === "config"
      ? (s.config as unknown as Record<string, unknown>)
      : d.kind === "provider"
        ? (s.providers.get(d.account) as unknown as Record<string, unknown>)
        : d.kind === "job"
          ? (s.jobs.get(d.account) as unknown as Record<string, unknown>)
          : undefined;
  if (target) target[d.field] = d.chain;
}

/** A recorded soft difference. */
export interface SoftNote {
  reason: string;
  count: number;
  example: string;
}

export interface StepRecord {
  step: number;
  ix: IxName;
  ok: boolean;
  error?: string;
  expected: string;
}

export interface Driver {
  fx: Fixture;
  step: number;
  /** Soft differences by `ix.kind.field`. */
  soft: Map<string, SoftNote>;
  /** Which error the program chose when the model named several (check order is not specified). */
  errorChoices: Map<string, number>;
  /** Invariant violations (with the step), collected rather than thrown. */
  violations: (InvariantViolation & { step: number; ix: IxName })[];
  /** I6 violations: tokens left a vault or a user account without the right signer or rule. */
  i6: string[];
  counts: Map<string, number>;
  /** Every how many steps all accounts are compared (the step's own accounts are, every step). */
  fullEvery: number;
  /** Milliseconds spent per phase (model, send, compare, invariants), for the run's report. */
  timing: { model: number; send: number; compare: number; invariants: number };
  /**
   * Runs `send` on the chain and `model` on the model, and checks them against each other.
   * @throws {Mismatch} when they disagree.
   */
  exec(ix: IxName, signers: Keypair[], model: (s: ModelState, ctx: Ctx) => Outcome, build: () => CallBuilder): Promise<SendOutcome>;
}

/**
 * A driver over a fixture. `fullEvery`: every how many steps all accounts are read
 * back through Anchor's `program.account.x.all()` (default 25; the accounts a step's
 * transaction names are read back after every step).
 */
export function createDriver(fx: Fixture, opts: { fullEvery?: number } = {}): Driver {
  const d: Driver = {
    fx,
    step: 0,
    soft: new Map(),
    errorChoices: new Map(),
    violations: [],
    i6: [],
    counts: new Map(),
    fullEvery: opts.fullEvery ?? 25,
    timing: { model: 0, send: 0, compare: 0, invariants: 0 },
    async exec(ix, signers, modelFn, build) {
      const step = ++d.step;
      const c = fx.env.svm.getClock();
      const ctx: Ctx = { now: c.unixTimestamp, epoch: c.epoch, signers: new Set(signers.map((k) => k.publicKey.toBase58())) };
      const before = fx.model;
      let t = performance.now();
      const expected = modelFn(before, ctx);
      d.timing.model += performance.now() - t;
      // The accounts the transaction names: only those can change (the runtime lets a
      // program write only to accounts passed to it), so they are compared every step;
      // every account of the program and every token account every `fullEvery` steps.
      const builder = build();
      const touched = new Set<string>();
      try {
        for (const v of Object.values(await builder.pubkeys())) if (v) touched.add(v.toBase58());
      } catch {
        // accounts the client cannot resolve: the full comparison below covers them
      }
      const full = d.fullEvery <= 1 || step % d.fullEvery === 0 || touched.size === 0;
      const balBefore = balances(fx, before, full ? undefined : touched);
      t = performance.now();
      const out = await attempt(() => builder.rpc(), fx);
      d.timing.send += performance.now() - t;
      t = performance.now();
      const key = `${ix}:${out.ok ? "ok" : out.error}`;
      d.counts.set(key, (d.counts.get(key) ?? 0) + 1);
      const expectedStr = expected.ok ? "success" : expected.errors.join("|");
      if (!out.ok && !expected.ok) {
        if (!expected.errors.includes(out.error as ErrorName)) {
          throw new Mismatch(step, ix, `program failed with ${out.error}, model expects one of ${expectedStr}`, out.logs);
        }
        if (expected.errors.length > 1) {
          const k = `${ix}: ${expectedStr} -> ${out.error}`;
          d.errorChoices.set(k, (d.errorChoices.get(k) ?? 0) + 1);
        }
      } else if (out.ok && !expected.ok) {
        throw new Mismatch(step, ix, `program succeeded, model expects ${expectedStr}`, out.logs);
      } else if (!out.ok && expected.ok) {
        throw new Mismatch(step, ix, `program failed with ${out.error}, model expects success`, out.logs);
      }
      const after = expected.ok ? expected.state : before;
      const notes = expected.ok ? expected.notes : [];
      const balAfter = new Map<string, bigint>();
      {
        const knownBefore = new Set(before.tokens.keys());
        const diffs = await diffChain(
          fx,
          after,
          full ? { balancesOut: balAfter, knownBefore, viaAnchorFetch: true } : { keys: touched, balancesOut: balAfter, knownBefore },
        );
        const hard: Diff[] = [];
        for (const df of diffs) {
          const why = out.ok ? softReason(ix, df, notes, before, after) : null;
          if (why === null) {
            hard.push(df);
            continue;
          }
          const k = `${ix}.${df.kind}.${df.field}`;
          const n = d.soft.get(k);
          if (n) n.count += 1;
          else d.soft.set(k, { reason: why, count: 1, example: `model ${show(df.model)}, program ${show(df.chain)}` });
          adopt(after, df);
        }
        if (hard.length > 0) {
          throw new Mismatch(
            step,
            ix,
            `${out.ok ? "after success" : `after failure (${out.ok ? "" : out.error})`}, state differs:\n${hard.map((h) => `  ${h.kind} ${h.account} .${h.field}: model ${show(h.model)} program ${show(h.chain)}`).join("\n")}`,
            out.logs,
          );
        }
      }
      fx.model = after;
      if (out.ok && expected.ok) checkEvents(fx, step, ix, out.logs, after, ctx, expected.notes);
      d.timing.compare += performance.now() - t;
      t = performance.now();
      if (expected.ok) {
        checkI6(d, ix, ctx, before, balBefore, balAfter, expected.transfers);
        for (const v of M.checkInvariants(after, before.config?.accRewardPerStake ?? 0n)) d.violations.push({ ...v, step, ix });
      }
      d.timing.invariants += performance.now() - t;
      return out;
    },
  };
  return d;
}

/** The events each instruction emits, in order (docs/protocol.md: one per state change). */
const EVENTS: Record<IxName, string[]> = {
  initialize: ["configUpdated"],
  update_config: ["configUpdated"],
  register_provider: ["providerRegistered"],
  update_provider: ["providerUpdated"],
  stake: ["staked"],
  request_unstake: ["unstakeRequested"],
  withdraw_unstaked: ["withdrawn"],
  fund_rewards: ["rewardsFunded"],
  claim_rewards: ["rewardsClaimed"],
  slash: ["slashed"],
  create_job: ["jobCreated"],
  cancel_job: ["jobCancelled"],
  accept_job: ["jobAccepted"],
  submit_result: ["resultSubmitted"],
  complete_job: ["jobCompleted", "rewardsFunded"],
  dispute_job: ["jobDisputed"],
  resolve_dispute: ["disputeResolved", "rewardsFunded"],
  expire_job: ["jobExpired"],
  close_job: ["jobClosed"],
};
const CONFIG_EVENTS = new Set(["configUpdated", "rewardsFunded", "rewardsReleased"]);
const PROVIDER_EVENTS = new Set(["providerRegistered", "providerUpdated", "staked", "unstakeRequested", "withdrawn", "rewardsClaimed", "slashed"]);

/**
 * The step's events, decoded by Anchor's EventParser: the expected names in order,
 * the clock's timestamp, and every field that shares its name with a field of the
 * account the event is about (then the provider, then Config) equal to the model
 * after the step; `seq`, `provider_seq` and `config_seq` equal the new sequence numbers.
 */
function checkEvents(fx: Fixture, step: number, ix: IxName, logs: string[], s: ModelState, ctx: Ctx, notes: string[]): void {
  const parser = new EventParser(fx.program.programId, fx.program.coder);
  const evs = [...parser.parseLogs(logs)].map((e) => ({ name: e.name, data: normalize(e.data) as Record<string, unknown> }));
  const want = [...(notes.includes("released") ? ["rewardsReleased"] : []), ...EVENTS[ix].filter((n) => !(n === "rewardsFunded" && notes.includes("zeroFee")))];
  const bad: string[] = [];
  if (show(evs.map((e) => e.name)) !== show(want)) bad.push(`events ${show(evs.map((e) => e.name))}, expected ${show(want)}`);
  for (const e of evs) {
    const primary: Record<string, unknown> | undefined = CONFIG_EVENTS.has(e.name)
      ? (s.config as unknown as Record<string, unknown> | undefined)
      : PROVIDER_EVENTS.has(e.name)
        ? (s.providers.get(String(e.data.provider)) as unknown as Record<string, unknown> | undefined)
        : (s.jobs.get(String(e.data.job)) as unknown as Record<string, unknown> | undefined);
    const job = s.jobs.get(String(e.data.job));
    const provider = (s.providers.get(String(e.data.provider)) ?? (job ? s.providers.get(job.provider) : undefined)) as unknown as
      | Record<string, unknown>
      | undefined;
    const config = s.config as unknown as Record<string, unknown> | undefined;
    for (const [f, v] of Object.entries(e.data)) {
      let expect: unknown;
      let known = true;
      if (f === "timestamp") expect = ctx.now;
      else if (f === "endReason") {
        const got = typeof v === "object" && v !== null ? Object.keys(v)[0] : String(v);
        if (got !== expectedEndReason(ix, notes)) bad.push(`${e.name}.endReason: event ${got}, expected ${String(expectedEndReason(ix, notes))}`);
        continue;
      } else if (f === "reason" && e.name === "slashed") continue;
      else if (f === "seq") {
        if (!primary) known = false;
        else expect = primary.seq;
      } else if (f === "providerSeq") expect = provider?.seq ?? 0n;
      else if (f === "configSeq") expect = config?.seq;
      else if (primary && f in primary) expect = primary[f];
      else if (provider && f in provider) expect = provider[f];
      else if (config && f in config) expect = config[f];
      else known = false;
      if (known && show(v) !== show(expect)) bad.push(`${e.name}.${f}: event ${show(v)}, model ${show(expect)}`);
    }
  }
  if (bad.length > 0) throw new Mismatch(step, ix, `events differ:\n  ${bad.join("\n  ")}`, logs);
}

/**
 * I6: every token account whose balance fell did so with its claim's owner signing,
 * or under the rule that allows it (slash authority, expiry, challenge timeout, admin
 * resolution).
 */
function checkI6(d: Driver, ix: IxName, ctx: Ctx, before: ModelState, b0: Map<string, bigint>, b1: Map<string, bigint>, transfers: Transfer[]): void {
  const cf = before.config;
  for (const [k, v0] of b0) {
    const v1 = b1.get(k) ?? 0n;
    if (v1 >= v0) continue;
    const t = before.tokens.get(k);
    if (!t) continue;
    const signed = (who: string | undefined): boolean => who !== undefined && ctx.signers.has(who);
    let ok = false;
    switch (t.kind) {
      case "user":
      case "treasury":
        ok = signed(t.owner);
        break;
      case "stakeVault": {
        const p = before.providers.get(t.owner);
        ok = (ix === "withdraw_unstaked" && signed(p?.owner)) || (ix === "slash" && signed(cf?.slashAuthority));
        break;
      }
      case "rewardVault": {
        // Only a claim, signed by the owner of the provider whose rewards leave, to that owner's account.
        const dest = transfers.find((x) => x.from === k)?.to;
        const destOwner = dest ? before.tokens.get(dest)?.owner : undefined;
        ok = ix === "claim_rewards" && signed(destOwner);
        break;
      }
      case "escrow": {
        const j = before.jobs.get(t.owner);
        if (!j) break;
        if (ix === "cancel_job") ok = signed(j.buyer);
        else if (ix === "complete_job")
          ok = signed(j.buyer) || (cf !== null && ctx.now > M.effectiveTime(cf, ctx.now, j.submittedAt + j.challengeWindow, j.pauseMark));
        else if (ix === "resolve_dispute") ok = signed(cf?.admin);
        else if (ix === "expire_job")
          ok = cf !== null && ctx.now > M.effectiveTime(cf, ctx.now, j.state === M.JobStatus.Open ? j.createdAt + j.maxDuration : j.deadline, j.pauseMark);
        // close_job moves only what was sent into the escrow from outside, and only to the treasury.
        else if (ix === "close_job") ok = cf !== null && transfers.every((x) => x.from !== k || x.to === cf.treasury);
        break;
      }
    }
    if (!ok) d.i6.push(`step ${d.step} ${ix}: ${t.kind} ${k} fell ${v0} -> ${v1} without its signer or rule`);
  }
}

// ---------------------------------------------------------------------------
// calls: each pairs the Anchor call with the model operation
// ---------------------------------------------------------------------------

const bn = (v: bigint): BN => new BN(v.toString());

/** SlashReason variants by index, as Anchor's client spells them. */
export const SLASH_REASONS = ["downtime", "failedJob", "fraud", "other"] as const;
/** The Anchor enum value of a SlashReason index (an index out of range has no encoding: use a raw transaction). */
export function slashReason(i: number): Record<string, Record<string, never>> {
  const name = SLASH_REASONS[i];
  if (name === undefined) throw new Error(`slash reason ${i} has no SlashReason variant`);
  return { [name]: {} };
}

/** The JobEndReason the model's notes imply for a job-ending instruction. */
function expectedEndReason(ix: IxName, notes: string[]): string | undefined {
  if (ix === "cancel_job") return "cancelled";
  if (ix === "complete_job") return notes.includes("byTimeout") ? "completedByTimeout" : "completedByBuyer";
  if (ix === "resolve_dispute") return "disputeResolved";
  if (ix === "expire_job") return notes.includes("expiredUnaccepted") ? "expiredUnaccepted" : "expiredUndelivered";
  return undefined;
}

/** A provider-to-be: an actor with its PDAs. */
export interface ProviderActor extends Actor {
  provider: PublicKey;
  providerBump: number;
  vault: PublicKey;
  vaultBump: number;
}

export function asProvider(a: Actor): ProviderActor {
  const [provider, providerBump] = providerPda(a.pk);
  const [vault, vaultBump] = stakeVaultPda(provider);
  return { ...a, provider, providerBump, vault, vaultBump };
}

export interface JobRef {
  buyer: Actor;
  jobId: bigint;
  job: PublicKey;
  jobBump: number;
  escrow: PublicKey;
  escrowBump: number;
}

export function jobRef(buyer: Actor, jobId: bigint): JobRef {
  const [job, jobBump] = jobPda(buyer.pk, jobId);
  const [escrow, escrowBump] = escrowPda(job);
  return { buyer, jobId, job, jobBump, escrow, escrowBump };
}

export interface HardwareArgs {
  gpuModel: number;
  gpuCount: number;
  vramGb: number;
  region: number;
  metadataHash: number[];
}

/** The calls, each checked against the model through `d.exec`. */
export function calls(d: Driver) {
  const fx = d.fx;
  const p = fx.program;
  const cfgKey = fx.config;
  return {
    updateConfig(signer: Keypair, a: Omit<M.UpdateConfigArgs, "signer" | "treasury"> & { treasury?: PublicKey }) {
      const treasury = a.treasury ?? new Pk(fx.model.config?.treasury ?? fx.treasury.toBase58());
      return d.exec(
        "update_config",
        [signer],
        (s, ctx) => M.updateConfig(s, { ...a, signer: signer.publicKey.toBase58(), treasury: treasury.toBase58() }, ctx),
        () =>
          p.methods
            .updateConfig(
              new Pk(a.newAdmin),
              new Pk(a.newSlashAuthority),
              bn(a.minStakePerGpu),
              bn(a.unbondingPeriod),
              bn(a.challengeWindow),
              a.mask,
              a.protocolFeeBps,
              a.slashCapBps,
              a.paused,
              bn(a.rewardPeriod ?? fx.model.config?.rewardPeriod ?? 0n),
            )
            .accountsPartial({ config: cfgKey, admin: signer.publicKey, treasury })
            .signers([signer]),
      );
    },
    registerProvider(pa: ProviderActor, hw: HardwareArgs) {
      return d.exec(
        "register_provider",
        [pa.kp],
        (s, ctx) =>
          M.registerProvider(
            s,
            { ...hw, owner: pa.key, provider: pa.provider.toBase58(), stakeVault: pa.vault.toBase58(), providerBump: pa.providerBump, vaultBump: pa.vaultBump },
            ctx,
          ),
        () =>
          p.methods
            .registerProvider(hw.gpuModel, hw.gpuCount, hw.vramGb, hw.region, hw.metadataHash, pa.providerBump, pa.vaultBump)
            .accountsPartial({ config: cfgKey, provider: pa.provider, stakeVault: pa.vault, stakeMint: fx.mint, owner: pa.pk })
            .signers([pa.kp]),
      );
    },
    updateProvider(pa: ProviderActor, hw: HardwareArgs, status: number) {
      return d.exec(
        "update_provider",
        [pa.kp],
        (s, ctx) => M.updateProvider(s, { ...hw, status, owner: pa.key, provider: pa.provider.toBase58() }, ctx),
        () =>
          p.methods
            .updateProvider(hw.gpuModel, hw.gpuCount, hw.vramGb, hw.region, status, hw.metadataHash)
            .accountsPartial({ config: cfgKey, provider: pa.provider, owner: pa.pk })
            .signers([pa.kp]),
      );
    },
    stake(pa: ProviderActor, amount: bigint) {
      return d.exec(
        "stake",
        [pa.kp],
        (s, ctx) => M.stake(s, { owner: pa.key, provider: pa.provider.toBase58(), ownerToken: pa.token.toBase58(), amount }, ctx),
        () =>
          p.methods
            .stake(bn(amount))
            .accountsPartial({ config: cfgKey, provider: pa.provider, stakeVault: pa.vault, ownerToken: pa.token, owner: pa.pk })
            .signers([pa.kp]),
      );
    },
    requestUnstake(pa: ProviderActor, amount: bigint) {
      return d.exec(
        "request_unstake",
        [pa.kp],
        (s, ctx) => M.requestUnstake(s, { owner: pa.key, provider: pa.provider.toBase58(), amount }, ctx),
        () => p.methods.requestUnstake(bn(amount)).accountsPartial({ config: cfgKey, provider: pa.provider, owner: pa.pk }).signers([pa.kp]),
      );
    },
    withdrawUnstaked(pa: ProviderActor) {
      return d.exec(
        "withdraw_unstaked",
        [pa.kp],
        (s, ctx) => M.withdrawUnstaked(s, { owner: pa.key, provider: pa.provider.toBase58(), ownerToken: pa.token.toBase58() }, ctx),
        () =>
          p.methods
            .withdrawUnstaked()
            .accountsPartial({ config: cfgKey, provider: pa.provider, stakeVault: pa.vault, ownerToken: pa.token, owner: pa.pk })
            .signers([pa.kp]),
      );
    },
    fundRewards(funder: Actor, amount: bigint) {
      return d.exec(
        "fund_rewards",
        [funder.kp],
        (s, ctx) => M.fundRewards(s, { funder: funder.key, funderToken: funder.token.toBase58(), amount }, ctx),
        () =>
          p.methods
            .fundRewards(bn(amount))
            .accountsPartial({ config: cfgKey, rewardVault: fx.rewardVault, funderToken: funder.token, funder: funder.pk })
            .signers([funder.kp]),
      );
    },
    claimRewards(pa: ProviderActor) {
      return d.exec(
        "claim_rewards",
        [pa.kp],
        (s, ctx) => M.claimRewards(s, { owner: pa.key, provider: pa.provider.toBase58(), ownerToken: pa.token.toBase58() }, ctx),
        () =>
          p.methods
            .claimRewards()
            .accountsPartial({ config: cfgKey, provider: pa.provider, rewardVault: fx.rewardVault, ownerToken: pa.token, owner: pa.pk })
            .signers([pa.kp]),
      );
    },
    slash(signer: Keypair, pa: ProviderActor, amount: bigint, reason: number, evidenceHash: number[]) {
      const treasury = new Pk(fx.model.config?.treasury ?? fx.treasury.toBase58());
      return d.exec(
        "slash",
        [signer],
        (s, ctx) =>
          M.slash(
            s,
            {
              signer: signer.publicKey.toBase58(),
              provider: pa.provider.toBase58(),
              stakeVault: pa.vault.toBase58(),
              treasury: treasury.toBase58(),
              amount,
              reason,
              evidenceHash,
            },
            ctx,
          ),
        () =>
          p.methods
            .slash(bn(amount), slashReason(reason), evidenceHash)
            .accountsPartial({ config: cfgKey, provider: pa.provider, stakeVault: pa.vault, treasury, slashAuthority: signer.publicKey })
            .signers([signer]),
      );
    },
    createJob(r: JobRef, a: { price: bigint; maxDuration: bigint; minGpus: number; gpuModel: number; minVramGb: number; specHash: number[] }) {
      const rent = fx.env.svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_SIZES.job)) + fx.env.svm.minimumBalanceForRentExemption(165n);
      return d.exec(
        "create_job",
        [r.buyer.kp],
        (s, ctx) =>
          M.createJob(
            s,
            {
              ...a,
              buyer: r.buyer.key,
              buyerToken: r.buyer.token.toBase58(),
              job: r.job.toBase58(),
              escrow: r.escrow.toBase58(),
              jobId: r.jobId,
              jobBump: r.jobBump,
              escrowBump: r.escrowBump,
              rentLamports: rent,
            },
            ctx,
          ),
        () =>
          p.methods
            .createJob(bn(r.jobId), bn(a.price), bn(a.maxDuration), a.minGpus, a.gpuModel, a.minVramGb, a.specHash, r.jobBump, r.escrowBump)
            .accountsPartial({ config: cfgKey, job: r.job, escrow: r.escrow, stakeMint: fx.mint, buyerToken: r.buyer.token, buyer: r.buyer.pk })
            .signers([r.buyer.kp]),
      );
    },
    cancelJob(r: JobRef, signer: Actor = r.buyer) {
      return d.exec(
        "cancel_job",
        [signer.kp],
        (s, ctx) => M.cancelJob(s, { signer: signer.key, job: r.job.toBase58(), buyerToken: r.buyer.token.toBase58() }, ctx),
        () =>
          p.methods
            .cancelJob()
            .accountsPartial({ config: cfgKey, job: r.job, escrow: r.escrow, buyerToken: r.buyer.token, buyer: signer.pk })
            .signers([signer.kp]),
      );
    },
    acceptJob(r: JobRef, pa: ProviderActor) {
      return d.exec(
        "accept_job",
        [pa.kp],
        (s, ctx) => M.acceptJob(s, { owner: pa.key, job: r.job.toBase58(), provider: pa.provider.toBase58() }, ctx),
        () => p.methods.acceptJob().accountsPartial({ config: cfgKey, job: r.job, provider: pa.provider, owner: pa.pk }).signers([pa.kp]),
      );
    },
    submitResult(r: JobRef, pa: ProviderActor, resultHash: number[]) {
      return d.exec(
        "submit_result",
        [pa.kp],
        (s, ctx) => M.submitResult(s, { owner: pa.key, job: r.job.toBase58(), provider: pa.provider.toBase58(), resultHash }, ctx),
        () => p.methods.submitResult(resultHash).accountsPartial({ config: cfgKey, job: r.job, provider: pa.provider, owner: pa.pk }).signers([pa.kp]),
      );
    },
    completeJob(r: JobRef, pa: ProviderActor, signer: Actor | Keypair) {
      const kp = "kp" in signer ? signer.kp : signer;
      return d.exec(
        "complete_job",
        [kp],
        (s, ctx) =>
          M.completeJob(
            s,
            { signer: kp.publicKey.toBase58(), job: r.job.toBase58(), provider: pa.provider.toBase58(), providerToken: pa.token.toBase58() },
            ctx,
          ),
        () =>
          p.methods
            .completeJob()
            .accountsPartial({
              config: cfgKey,
              job: r.job,
              escrow: r.escrow,
              provider: pa.provider,
              providerToken: pa.token,
              rewardVault: fx.rewardVault,
              authority: kp.publicKey,
            })
            .signers([kp]),
      );
    },
    disputeJob(r: JobRef, reasonHash: number[], signer: Actor = r.buyer) {
      return d.exec(
        "dispute_job",
        [signer.kp],
        (s, ctx) => M.disputeJob(s, { signer: signer.key, job: r.job.toBase58(), reasonHash }, ctx),
        () => p.methods.disputeJob(reasonHash).accountsPartial({ config: cfgKey, job: r.job, buyer: signer.pk }).signers([signer.kp]),
      );
    },
    resolveDispute(r: JobRef, pa: ProviderActor, shareBps: number, signer: Keypair = fx.admin) {
      return d.exec(
        "resolve_dispute",
        [signer],
        (s, ctx) =>
          M.resolveDispute(
            s,
            {
              signer: signer.publicKey.toBase58(),
              job: r.job.toBase58(),
              provider: pa.provider.toBase58(),
              providerToken: pa.token.toBase58(),
              buyerToken: r.buyer.token.toBase58(),
              providerShareBps: shareBps,
            },
            ctx,
          ),
        () =>
          p.methods
            .resolveDispute(shareBps)
            .accountsPartial({
              config: cfgKey,
              job: r.job,
              escrow: r.escrow,
              provider: pa.provider,
              providerToken: pa.token,
              buyerToken: r.buyer.token,
              rewardVault: fx.rewardVault,
              admin: signer.publicKey,
            })
            .signers([signer]),
      );
    },
    /** `pa` null: an open job, whose provider is the zero key. */
    expireJob(r: JobRef, pa: ProviderActor | null, caller: Actor) {
      const provider = pa ? pa.provider : new Pk(M.ZERO_KEY);
      return d.exec(
        "expire_job",
        [caller.kp],
        (s, ctx) => M.expireJob(s, { signer: caller.key, job: r.job.toBase58(), provider: provider.toBase58(), buyerToken: r.buyer.token.toBase58() }, ctx),
        () =>
          p.methods
            .expireJob()
            .accountsPartial({ config: cfgKey, job: r.job, escrow: r.escrow, provider, buyerToken: r.buyer.token, caller: caller.pk })
            .signers([caller.kp]),
      );
    },
    async closeJob(r: JobRef, caller: Actor) {
      const treasury = new Pk(fx.model.config?.treasury ?? fx.treasury.toBase58());
      const jobLamports = lamportsOf(fx, r.job) + lamportsOf(fx, r.escrow);
      const buyerBefore = lamportsOf(fx, r.buyer.pk);
      const out = await d.exec(
        "close_job",
        [caller.kp],
        (s, ctx) => M.closeJob(s, { signer: caller.key, job: r.job.toBase58(), rentReceiver: r.buyer.key, treasury: treasury.toBase58() }, ctx),
        () => p.methods.closeJob().accountsPartial({ job: r.job, escrow: r.escrow, buyer: r.buyer.pk, treasury, caller: caller.pk }).signers([caller.kp]),
      );
      if (out.ok) {
        // Rent goes back in full to the buyer (the caller, who paid the fee, is someone else).
        const gained = lamportsOf(fx, r.buyer.pk) - buyerBefore;
        const expectGain = caller.key === r.buyer.key ? gained : jobLamports;
        if (gained !== expectGain || lamportsOf(fx, r.job) !== 0n || lamportsOf(fx, r.escrow) !== 0n) {
          throw new Mismatch(
            d.step,
            "close_job",
            `rent: buyer gained ${gained}, job+escrow held ${jobLamports}; left ${lamportsOf(fx, r.job)}+${lamportsOf(fx, r.escrow)}`,
            out.logs,
          );
        }
      }
      return out;
    },
  };
}

export type Calls = ReturnType<typeof calls>;
export type { ConfigState, JobState, ProviderState };
