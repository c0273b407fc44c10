/**
 * An exact BigInt model of the gpunet protocol, written from docs/protocol.md
 * (never from the program). Every operation takes the state before, the caller and
 * the clock, and returns either the state after (plus the token movements it made)
 * or the list of named errors the program may answer with.
 *
 * Why a list of errors and not one: docs/protocol.md names the error of every check
 * but does not order the checks, so a call that breaks two rules may fail with
 * either. The first entry is the model's pick; the test accepts any entry. Where
 * the document names a condition but not its error (e.g. `0 < a <= active` in
 * request_unstake), the plausible names are listed together (see `alt`).
 *
 * The model never reads the program. Fields the document leaves open (noted in
 * `SOFT_FIELDS` in the workload) are compared loosely and reported.
 */

import idlJson from "../../programs-idl/gpunet.json" with { type: "json" };
import {
  BPS_DENOMINATOR,
  CONFIG_MASK,
  JOB_STATE,
  MAX_DURATION as IDL_MAX_DURATION,
  MAX_PROTOCOL_FEE_BPS,
  MAX_PROVIDER_SHARE_BPS,
  MAX_SLASH_CAP_BPS,
  PROVIDER_STATUS,
  GPU_MODEL,
} from "../../sdk/src/generated/index.ts";

// ---------------------------------------------------------------------------
// constants and small helpers
// ---------------------------------------------------------------------------

/** 2^64: the accumulator's fixed-point scale. */
export const Q64 = 1n << 64n;
export const U64_MAX = (1n << 64n) - 1n;
export const U128_MAX = (1n << 128n) - 1n;
export const I64_MAX = (1n << 63n) - 1n;
/** Longest allowed duration or window: one year of seconds (the IDL's MAX_DURATION). */
export const MAX_DURATION: bigint = IDL_MAX_DURATION;
export const BPS = BigInt(BPS_DENOMINATOR);
export const MAX_FEE_BPS: number = MAX_PROTOCOL_FEE_BPS;
/** The all-zero public key, base58 (what an unset `pubkey` field holds). */
export const ZERO_KEY = "11111111111111111111111111111111";

/** Program error names as the IDL JSON spells them. */
export type ProgramErrorName = (typeof idlJson.errors)[number]["name"];
/**
 * Errors the SPL Token program raises itself (custom codes 1, 3, 4) when a transfer
 * reaches it; the program may check first and answer with its own name instead.
 */
export type TokenErrorName = "TokenInsufficientFunds" | "TokenMintMismatch" | "TokenOwnerMismatch";
export type ErrorName = ProgramErrorName | TokenErrorName;

/** The IDL's error names with their numbers, for decoding failures. */
export const PROGRAM_ERRORS: ReadonlyMap<number, ProgramErrorName> = new Map(idlJson.errors.map((e) => [e.code, e.name as ProgramErrorName]));

/** Job states (the IDL's JobState). */
export const JobStatus = {
  Open: JOB_STATE.open,
  Accepted: JOB_STATE.accepted,
  Submitted: JOB_STATE.submitted,
  Disputed: JOB_STATE.disputed,
  Completed: JOB_STATE.completed,
  Cancelled: JOB_STATE.cancelled,
  Expired: JOB_STATE.expired,
  Resolved: JOB_STATE.resolved,
} as const;
const TERMINAL = new Set<number>([JOB_STATE.completed, JOB_STATE.cancelled, JOB_STATE.expired, JOB_STATE.resolved]);

/** Exact non-negative rational number (for I4's exact shares). */
export interface Rational {
  readonly n: bigint;
  readonly d: bigint;
}
function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
export function ratAdd(x: Rational, n: bigint, d: bigint): Rational {
  if (n === 0n) return x;
  if (x.d === d) {
    const nn = x.n + n;
    const g = gcd(nn, d);
    return { n: nn / g, d: d / g };
  }
  const nn = x.n * d + n * x.d;
  const dd = x.d * d;
  const g = gcd(nn, dd);
  return { n: nn / g, d: dd / g };
}
/** floor(x) and whether x is an integer. */
export function ratFloor(x: Rational): bigint {
  return x.n / x.d;
}
export const RAT_ZERO: Rational = { n: 0n, d: 1n };

// ---------------------------------------------------------------------------
// state
// ---------------------------------------------------------------------------

/** Config account fields, camel-cased as Anchor decodes them. */
export interface ConfigState {
  accRewardPerStake: bigint;
  minStakePerGpu: bigint;
  unbondingPeriod: bigint;
  challengeWindow: bigint;
  totalActiveStake: bigint;
  rewardCarry: bigint;
  unallocatedRewards: bigint;
  totalFunded: bigint;
  totalClaimed: bigint;
  totalSlashed: bigint;
  providerCount: bigint;
  jobCount: bigint;
  pausedAt: bigint;
  pausedTotal: bigint;
  rewardPeriod: bigint;
  streamEnd: bigint;
  streamUpdatedAt: bigint;
  seq: bigint;
  admin: string;
  slashAuthority: string;
  stakeMint: string;
  treasury: string;
  rewardVault: string;
  protocolFeeBps: number;
  slashCapBps: number;
  paused: boolean;
  bump: number;
  rewardVaultBump: number;
  version: number;
}

export interface ProviderState {
  rewardSnapshot: bigint;
  activeStake: bigint;
  unbondingAmount: bigint;
  unbondingUnlockAt: bigint;
  rewardDebt: bigint;
  rewardsOwed: bigint;
  totalClaimed: bigint;
  jobsCompleted: bigint;
  jobsFailed: bigint;
  slashedTotal: bigint;
  slashEpoch: bigint;
  slashedInEpoch: bigint;
  lockedStake: bigint;
  liveJobs: bigint;
  unlockPauseMark: bigint;
  registeredAt: bigint;
  updatedAt: bigint;
  seq: bigint;
  owner: string;
  stakeVault: string;
  metadataHash: number[];
  gpuModel: number;
  gpuCount: number;
  vramGb: number;
  region: number;
  status: number;
  bump: number;
  vaultBump: number;
  version: number;
}

export interface JobState {
  jobId: bigint;
  price: bigint;
  maxDuration: bigint;
  createdAt: bigint;
  acceptedAt: bigint;
  deadline: bigint;
  submittedAt: bigint;
  finishedAt: bigint;
  providerPayout: bigint;
  fee: bigint;
  refund: bigint;
  rentLamports: bigint;
  challengeWindow: bigint;
  pauseMark: bigint;
  seq: bigint;
  buyer: string;
  provider: string;
  escrow: string;
  specHash: number[];
  resultHash: number[];
  disputeReasonHash: number[];
  minGpus: number;
  gpuModel: number;
  minVramGb: number;
  providerShareBps: number;
  feeBps: number;
  state: number;
  bump: number;
  escrowBump: number;
  version: number;
}

/** What a token account is for; vault kinds take part in I1 and I6. */
export type TokenKind = "user" | "treasury" | "stakeVault" | "rewardVault" | "escrow";

export interface TokenAccountState {
  mint: string;
  /** Token-level owner (the authority that may move its funds). */
  owner: string;
  amount: bigint;
  kind: TokenKind;
}

/** Everything the model tracks. Maps are keyed by base58 addresses. */
export interface ModelState {
  config: ConfigState | null;
  /** Config PDA address (set by initialize). */
  configAddress: string;
  /** Keyed by the provider PDA. */
  providers: Map<string, ProviderState>;
  /** Keyed by the job PDA; closed jobs are removed. */
  jobs: Map<string, JobState>;
  tokens: Map<string, TokenAccountState>;
  /** I1 per mint: tokens that entered vaults, and tokens that left them. */
  vaultIn: Map<string, bigint>;
  vaultOut: Map<string, bigint>;
  /** I4: each provider's exact reward entitlement, and how many settlements it had. */
  exactShare: Map<string, Rational>;
  settlements: Map<string, bigint>;
  /** Tokens sent into an escrow from outside the program (I5 counts them apart from the price). */
  donated: Map<string, bigint>;
}

export function emptyState(): ModelState {
  return {
    config: null,
    configAddress: "",
    providers: new Map(),
    jobs: new Map(),
    tokens: new Map(),
    vaultIn: new Map(),
    vaultOut: new Map(),
    exactShare: new Map(),
    settlements: new Map(),
    donated: new Map(),
  };
}

export function cloneState(s: ModelState): ModelState {
  return structuredClone(s);
}

/** The clock the program reads by syscall, and who signs. */
export interface Ctx {
  now: bigint;
  epoch: bigint;
  /** Base58 keys of the transaction's signers. */
  signers: ReadonlySet<string>;
}

/** One token movement an operation made (for I6). */
export interface Transfer {
  from: string;
  to: string;
  amount: bigint;
}

export type Outcome = { ok: true; state: ModelState; transfers: Transfer[]; notes: string[] } | { ok: false; errors: ErrorName[] };

// ---------------------------------------------------------------------------
// internal machinery
// ---------------------------------------------------------------------------

/** Thrown inside an operation to abort with named errors (caught by `run`). */
class Fail {
  constructor(readonly errors: ErrorName[]) {}
}
function fail(...errors: ErrorName[]): never {
  throw new Fail(errors);
}

/** Collects every violated check so the test can accept any of them. */
class Checks {
  readonly errors: ErrorName[] = [];
  /** Adds `names` when `bad` holds. */
  when(bad: boolean, ...names: ErrorName[]): void {
    if (bad) for (const n of names) if (!this.errors.includes(n)) this.errors.push(n);
  }
  /** Aborts when any check failed. */
  done(): void {
    if (this.errors.length > 0) throw new Fail(this.errors);
  }
}

interface Op {
  s: ModelState;
  transfers: Transfer[];
  notes: string[];
}

function run(before: ModelState, body: (op: Op) => void): Outcome {
  const op: Op = { s: cloneState(before), transfers: [], notes: [] };
  try {
    body(op);
  } catch (e) {
    if (e instanceof Fail) return { ok: false, errors: e.errors };
    throw e;
  }
  return { ok: true, state: op.s, transfers: op.transfers, notes: op.notes };
}

function cfg(s: ModelState): ConfigState {
  if (!s.config) throw new Error("model: config not initialized");
  return s.config;
}
function prov(s: ModelState, addr: string): ProviderState {
  const p = s.providers.get(addr);
  if (!p) throw new Error(`model: unknown provider ${addr}`);
  return p;
}
function job(s: ModelState, addr: string): JobState {
  const j = s.jobs.get(addr);
  if (!j) throw new Error(`model: unknown job ${addr}`);
  return j;
}
function tok(s: ModelState, addr: string): TokenAccountState {
  const t = s.tokens.get(addr);
  if (!t) throw new Error(`model: unknown token account ${addr}`);
  return t;
}

function addU64(a: bigint, b: bigint): bigint {
  const r = a + b;
  if (r > U64_MAX) fail("MathOverflow");
  return r;
}
function addI64(a: bigint, b: bigint): bigint {
  const r = a + b;
  if (r > I64_MAX) fail("MathOverflow");
  return r;
}
/** Lifetime statistics saturate at u64::MAX; they never fail an instruction. */
export function satU64(a: bigint, b: bigint): bigint {
  const r = a + b;
  return r > U64_MAX ? U64_MAX : r;
}

/** Seconds paused in total up to now, the running pause included. */
export function pausedTotal(cf: ConfigState, now: bigint): bigint {
  return cf.pausedTotal + (cf.paused && now > cf.pausedAt ? now - cf.pausedAt : 0n);
}
/** `at` pushed back by the seconds paused since `mark` (checked i64). */
export function effectiveTime(cf: ConfigState, now: bigint, at: bigint, mark: bigint): bigint {
  return addI64(at, pausedTotal(cf, now) - mark);
}
/** The fee of a payment: floor(gross * bps / 10000), at least 1 on a paid amount while bps > 0. */
export function feeOf(gross: bigint, feeBps: number): bigint {
  const f = (gross * BigInt(feeBps)) / BPS;
  return f === 0n && gross > 0n && feeBps > 0 ? 1n : f;
}
/** A job that was accepted ends: one live job less; the lock goes with the last. */
function endLiveJob(p: ProviderState): void {
  if (p.liveJobs > 0n) p.liveJobs -= 1n;
  if (p.liveJobs === 0n) p.lockedStake = 0n;
}

const isVault = (k: TokenKind): boolean => k === "stakeVault" || k === "rewardVault" || k === "escrow";

/** SPL transfer; the token program fails with its own error on a short balance. */
function transfer(op: Op, from: string, to: string, amount: bigint): void {
  if (amount === 0n) return;
  const f = tok(op.s, from);
  const t = tok(op.s, to);
  if (f.amount < amount) fail("InsufficientFunds", "TokenInsufficientFunds");
  if (f.mint !== t.mint) fail("WrongMint", "TokenMintMismatch");
  f.amount -= amount;
  t.amount += amount;
  if (isVault(t.kind)) op.s.vaultIn.set(t.mint, (op.s.vaultIn.get(t.mint) ?? 0n) + amount);
  if (isVault(f.kind)) op.s.vaultOut.set(f.mint, (op.s.vaultOut.get(f.mint) ?? 0n) + amount);
  op.transfers.push({ from, to, amount });
}

/** Checks a token account given for a user's funds: stake mint, and (if given) its owner. */
function checkTokenAccount(s: ModelState, c: Checks, addr: string, owner: string | null): void {
  const t = s.tokens.get(addr);
  if (!t) {
    c.when(true, "WrongAccountOwner", "WrongMint");
    return;
  }
  c.when(t.mint !== cfg(s).stakeMint, "WrongMint", "TokenMintMismatch");
  if (owner !== null) c.when(t.owner !== owner, "WrongTokenOwner", "TokenOwnerMismatch");
}

/** floor(active * (acc - snapshot) / 2^64): accrued since the last stake change; must fit u64. */
export function accrued(p: Pick<ProviderState, "activeStake" | "rewardSnapshot">, acc: bigint): bigint {
  const v = (p.activeStake * (acc - p.rewardSnapshot)) / Q64;
  if (v > U64_MAX) fail("MathOverflow");
  return v;
}

/** `pending(p)` for reading (I2, SDK's claimable): accrued - debt, or null on overflow. */
export function pendingOf(p: ProviderState, acc: bigint): bigint | null {
  const v = (p.activeStake * (acc - p.rewardSnapshot)) / Q64;
  return v > U64_MAX ? null : v - p.rewardDebt;
}

/** After a stake change (settled first): accrual restarts from the current acc. */
function startStakePeriod(p: ProviderState, cf: { accRewardPerStake: bigint }): void {
  p.rewardSnapshot = cf.accRewardPerStake;
  p.rewardDebt = 0n;
}

function settle(op: Op, addr: string): void {
  const p = prov(op.s, addr);
  const c = cfg(op.s);
  const acc = accrued(p, c.accRewardPerStake);
  p.rewardsOwed = addU64(p.rewardsOwed, acc - p.rewardDebt);
  p.rewardDebt = acc;
  // Past 2^63 of debt the period restarts, so a period's accrual always fits u64.
  if (p.rewardDebt >= 1n << 63n) startStakePeriod(p, c);
  op.s.settlements.set(addr, (op.s.settlements.get(addr) ?? 0n) + 1n);
}

/** Credits the exact rational share of R to every active staker (I4's reference). */
function creditExact(op: Op, r: bigint): void {
  const S = cfg(op.s).totalActiveStake;
  if (S === 0n || r === 0n) return;
  for (const [addr, p] of op.s.providers) {
    if (p.activeStake === 0n) continue;
    op.s.exactShare.set(addr, ratAdd(op.s.exactShare.get(addr) ?? RAT_ZERO, r * p.activeStake, S));
  }
}

function distribute(op: Op, r: bigint): void {
  const c = cfg(op.s);
  if (r === 0n) return;
  if (c.totalActiveStake === 0n) throw new Error("model: distribute with no stake");
  const num = r * Q64 + c.rewardCarry;
  const acc = c.accRewardPerStake + num / c.totalActiveStake;
  if (acc > U128_MAX) fail("MathOverflow");
  creditExact(op, r);
  c.accRewardPerStake = acc;
  c.rewardCarry = num % c.totalActiveStake;
}

/**
 * What the reward stream releases by `now` (docs/protocol.md, Rewards): all of it
 * once `stream_end` has passed, else floor(unallocated * dt / (end - updated_at));
 * nothing while no stake is active (the end then moves back by the time waited).
 * Pure: `null` fields stay as they are.
 */
export function streamRelease(
  c: Pick<ConfigState, "unallocatedRewards" | "totalActiveStake" | "streamEnd" | "streamUpdatedAt">,
  now: bigint,
): { released: bigint; streamEnd: bigint; streamUpdatedAt: bigint } {
  const last = c.streamUpdatedAt;
  const dt = now > last ? now - last : 0n;
  const rem = c.unallocatedRewards;
  if (rem === 0n) return { released: 0n, streamEnd: c.streamEnd, streamUpdatedAt: now };
  if (c.totalActiveStake === 0n) return { released: 0n, streamEnd: addI64(c.streamEnd, dt), streamUpdatedAt: now };
  if (now >= c.streamEnd) return { released: rem, streamEnd: c.streamEnd, streamUpdatedAt: now };
  if (dt === 0n) return { released: 0n, streamEnd: c.streamEnd, streamUpdatedAt: last };
  const r = (rem * dt) / (c.streamEnd - last);
  return { released: r, streamEnd: c.streamEnd, streamUpdatedAt: r === 0n ? last : now };
}

/** Releases what the stream owes by `now` into the accumulator; notes "released" when it does. */
function streamUpdate(op: Op, now: bigint): bigint {
  const c = cfg(op.s);
  const st = streamRelease(c, now);
  if (st.released > 0n) {
    distribute(op, st.released);
    c.unallocatedRewards -= st.released;
    if (!op.notes.includes("released")) op.notes.push("released");
  }
  c.streamEnd = st.streamEnd;
  c.streamUpdatedAt = st.streamUpdatedAt;
  return st.released;
}

/** A funding or fee joins the stream: release what is due, add, restart a full period, release again (period 0). */
function streamAdd(op: Op, now: bigint, amount: bigint): void {
  const c = cfg(op.s);
  streamUpdate(op, now);
  c.unallocatedRewards = addU64(c.unallocatedRewards, amount);
  c.streamEnd = addI64(now, c.rewardPeriod);
  c.streamUpdatedAt = now;
  streamUpdate(op, now);
}

/** The accumulator a settle at `now` would use (after the stream's release), or null on overflow. */
export function accAt(c: ConfigState, now: bigint): bigint | null {
  const st = streamRelease(c, now);
  if (st.released === 0n) return c.accRewardPerStake;
  const acc = c.accRewardPerStake + (st.released * Q64 + c.rewardCarry) / c.totalActiveStake;
  return acc > U128_MAX ? null : acc;
}

/**
 * The Provider account given must be the signer's own: its PDA is re-derived from
 * the owner (`InvalidPda`) or its recorded owner compared (`Unauthorized`).
 */
function ownsProvider(s: ModelState, c: Checks, provider: string, owner: string): void {
  const p = s.providers.get(provider);
  c.when(p === undefined || p.owner !== owner, "Unauthorized", "InvalidPda");
}

function notPaused(s: ModelState, c: Checks): void {
  c.when(cfg(s).paused, "Paused");
}

function bumpConfig(s: ModelState): void {
  cfg(s).seq += 1n;
}

// ---------------------------------------------------------------------------
// setup outside the program (token accounts the tests create themselves)
// ---------------------------------------------------------------------------

/** Registers a token account the test created (user or treasury). */
export function addTokenAccount(s: ModelState, address: string, t: TokenAccountState): ModelState {
  const n = cloneState(s);
  n.tokens.set(address, { ...t });
  return n;
}

/**
 * A plain SPL transfer into a program vault or escrow, outside the program (a
 * "donation"): the tokens enter the vault, and an escrow's are counted apart
 * from its price until close_job sweeps them to the treasury.
 */
export function donate(s: ModelState, from: string, to: string, amount: bigint): ModelState {
  const n = cloneState(s);
  const f = n.tokens.get(from);
  const t = n.tokens.get(to);
  if (!f || !t || f.amount < amount) throw new Error("model: bad donation");
  f.amount -= amount;
  t.amount += amount;
  if (isVault(t.kind)) n.vaultIn.set(t.mint, (n.vaultIn.get(t.mint) ?? 0n) + amount);
  if (t.kind === "escrow") n.donated.set(to, (n.donated.get(to) ?? 0n) + amount);
  return n;
}

/** A mint-to outside the program (supply enters a user account). */
export function mintTo(s: ModelState, address: string, amount: bigint): ModelState {
  const n = cloneState(s);
  const t = n.tokens.get(address);
  if (!t) throw new Error(`model: unknown token account ${address}`);
  t.amount += amount;
  return n;
}

// ---------------------------------------------------------------------------
// admin
// ---------------------------------------------------------------------------

export interface InitializeArgs {
  config: string;
  rewardVault: string;
  stakeMint: string;
  treasury: string;
  admin: string;
  minStakePerGpu: bigint;
  unbondingPeriod: bigint;
  challengeWindow: bigint;
  slashAuthority: string;
  protocolFeeBps: number;
  slashCapBps: number;
  configBump: number;
  rewardVaultBump: number;
  /** Seconds over which fundings and fees are released (0: at once). */
  rewardPeriod: bigint;
  /** The upgrade authority recorded in the program's ProgramData (null: none). */
  upgradeAuthority: string | null;
}

export function initialize(s: ModelState, a: InitializeArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const c = new Checks();
    c.when(!ctx.signers.has(a.admin), "MissingSigner");
    c.when(a.upgradeAuthority !== a.admin, "NotUpgradeAuthority");
    c.when(op.s.config !== null, "AlreadyInitialized");
    c.when(a.protocolFeeBps > MAX_FEE_BPS || a.slashCapBps > MAX_SLASH_CAP_BPS, "FeeTooHigh");
    c.when(a.unbondingPeriod < 1n || a.unbondingPeriod > MAX_DURATION, "InvalidDuration");
    c.when(a.challengeWindow < 1n || a.challengeWindow > MAX_DURATION, "InvalidDuration");
    c.when(a.rewardPeriod < 0n || a.rewardPeriod > MAX_DURATION, "InvalidDuration");
    const t = op.s.tokens.get(a.treasury);
    c.when(!t || t.mint !== a.stakeMint, "WrongMint");
    c.done();
    op.s.configAddress = a.config;
    op.s.config = {
      accRewardPerStake: 0n,
      minStakePerGpu: a.minStakePerGpu,
      unbondingPeriod: a.unbondingPeriod,
      challengeWindow: a.challengeWindow,
      totalActiveStake: 0n,
      rewardCarry: 0n,
      unallocatedRewards: 0n,
      totalFunded: 0n,
      totalClaimed: 0n,
      totalSlashed: 0n,
      providerCount: 0n,
      jobCount: 0n,
      pausedAt: 0n,
      pausedTotal: 0n,
      rewardPeriod: a.rewardPeriod,
      streamEnd: 0n,
      streamUpdatedAt: ctx.now,
      seq: 1n,
      admin: a.admin,
      slashAuthority: a.slashAuthority,
      stakeMint: a.stakeMint,
      treasury: a.treasury,
      rewardVault: a.rewardVault,
      protocolFeeBps: a.protocolFeeBps,
      slashCapBps: a.slashCapBps,
      paused: false,
      bump: a.configBump,
      rewardVaultBump: a.rewardVaultBump,
      version: 1,
    };
    op.s.tokens.set(a.rewardVault, { mint: a.stakeMint, owner: a.config, amount: 0n, kind: "rewardVault" });
  });
}

/** `update_config` mask bits (the IDL's CONFIG_MASK_* constants). */
export const ConfigMask = CONFIG_MASK;

export interface UpdateConfigArgs {
  signer: string;
  newAdmin: string;
  newSlashAuthority: string;
  minStakePerGpu: bigint;
  unbondingPeriod: bigint;
  challengeWindow: bigint;
  mask: number;
  protocolFeeBps: number;
  slashCapBps: number;
  paused: boolean;
  treasury: string;
  /** Default: unchanged. */
  rewardPeriod?: bigint;
}

export function updateConfig(s: ModelState, a: UpdateConfigArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    c.when(a.signer !== cf.admin, "Unauthorized");
    const m = a.mask;
    if (m & ConfigMask.protocolFeeBps) c.when(a.protocolFeeBps > MAX_FEE_BPS, "FeeTooHigh");
    if (m & ConfigMask.slashCapBps) c.when(a.slashCapBps > MAX_SLASH_CAP_BPS, "FeeTooHigh");
    if (m & ConfigMask.unbondingPeriod) c.when(a.unbondingPeriod < 1n || a.unbondingPeriod > MAX_DURATION, "InvalidDuration");
    if (m & ConfigMask.challengeWindow) c.when(a.challengeWindow < 1n || a.challengeWindow > MAX_DURATION, "InvalidDuration");
    const period = a.rewardPeriod ?? cf.rewardPeriod;
    if (m & ConfigMask.rewardPeriod) c.when(period < 0n || period > MAX_DURATION, "InvalidDuration");
    if (m & ConfigMask.treasury) {
      const t = op.s.tokens.get(a.treasury);
      c.when(!t || t.mint !== cf.stakeMint, "WrongMint");
    }
    // Not in docs/protocol.md: an empty mask or an unknown bit is taken as a bad argument.
    c.when(m === 0 || m >= 1024, "InvalidArgument");
    c.done();
    if (m & ConfigMask.admin) cf.admin = a.newAdmin;
    if (m & ConfigMask.slashAuthority) cf.slashAuthority = a.newSlashAuthority;
    if (m & ConfigMask.minStakePerGpu) cf.minStakePerGpu = a.minStakePerGpu;
    if (m & ConfigMask.unbondingPeriod) cf.unbondingPeriod = a.unbondingPeriod;
    if (m & ConfigMask.challengeWindow) cf.challengeWindow = a.challengeWindow;
    if (m & ConfigMask.protocolFeeBps) cf.protocolFeeBps = a.protocolFeeBps;
    if (m & ConfigMask.slashCapBps) cf.slashCapBps = a.slashCapBps;
    if (m & ConfigMask.paused && a.paused !== cf.paused) {
      if (a.paused) cf.pausedAt = ctx.now;
      else {
        cf.pausedTotal = addI64(cf.pausedTotal, ctx.now - cf.pausedAt);
        cf.pausedAt = 0n;
      }
      cf.paused = a.paused;
    }
    if (m & ConfigMask.treasury) cf.treasury = a.treasury;
    if (m & ConfigMask.rewardPeriod) cf.rewardPeriod = period;
    bumpConfig(op.s);
  });
}

// ---------------------------------------------------------------------------
// providers and stake
// ---------------------------------------------------------------------------

export interface Hardware {
  gpuModel: number;
  gpuCount: number;
  vramGb: number;
  region: number;
  metadataHash: number[];
}

export interface RegisterArgs extends Hardware {
  owner: string;
  provider: string;
  stakeVault: string;
  providerBump: number;
  vaultBump: number;
}

export function registerProvider(s: ModelState, a: RegisterArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    notPaused(op.s, c);
    c.when(op.s.providers.has(a.provider), "AlreadyInitialized");
    c.when(a.gpuCount === 0, "InvalidArgument");
    c.done();
    const cf = cfg(op.s);
    op.s.providers.set(a.provider, {
      rewardSnapshot: 0n,
      activeStake: 0n,
      unbondingAmount: 0n,
      unbondingUnlockAt: 0n,
      rewardDebt: 0n,
      rewardsOwed: 0n,
      totalClaimed: 0n,
      jobsCompleted: 0n,
      jobsFailed: 0n,
      slashedTotal: 0n,
      slashEpoch: 0n,
      slashedInEpoch: 0n,
      lockedStake: 0n,
      liveJobs: 0n,
      unlockPauseMark: 0n,
      registeredAt: ctx.now,
      updatedAt: ctx.now,
      seq: 1n,
      owner: a.owner,
      stakeVault: a.stakeVault,
      metadataHash: [...a.metadataHash],
      gpuModel: a.gpuModel,
      gpuCount: a.gpuCount,
      vramGb: a.vramGb,
      region: a.region,
      status: PROVIDER_STATUS.active,
      bump: a.providerBump,
      vaultBump: a.vaultBump,
      version: 1,
    });
    op.s.tokens.set(a.stakeVault, { mint: cf.stakeMint, owner: a.provider, amount: 0n, kind: "stakeVault" });
    // The Config "counters" (design) include provider_count; docs/protocol.md does not
    // say register_provider counts: a soft field.
    cf.providerCount = satU64(cf.providerCount, 1n);
    bumpConfig(op.s);
    op.notes.push("providerCount");
  });
}

export interface UpdateProviderArgs extends Hardware {
  owner: string;
  provider: string;
  status: number;
}

export function updateProvider(s: ModelState, a: UpdateProviderArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    ownsProvider(op.s, c, a.provider, a.owner);
    notPaused(op.s, c);
    c.when(a.status > PROVIDER_STATUS.inactive, "InvalidArgument");
    c.when(a.gpuCount === 0, "InvalidArgument");
    c.done();
    const p = prov(op.s, a.provider);
    p.gpuModel = a.gpuModel;
    p.gpuCount = a.gpuCount;
    p.vramGb = a.vramGb;
    p.region = a.region;
    p.status = a.status;
    p.metadataHash = [...a.metadataHash];
    p.updatedAt = ctx.now;
    p.seq += 1n;
  });
}

export interface StakeArgs {
  owner: string;
  provider: string;
  ownerToken: string;
  amount: bigint;
}

export function stake(s: ModelState, a: StakeArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    ownsProvider(op.s, c, a.provider, a.owner);
    notPaused(op.s, c);
    c.when(a.amount === 0n, "ZeroAmount", "InvalidArgument");
    checkTokenAccount(op.s, c, a.ownerToken, a.owner);
    const t = op.s.tokens.get(a.ownerToken);
    c.when(t !== undefined && t.amount < a.amount, "InsufficientFunds", "TokenInsufficientFunds");
    c.done();
    const p = prov(op.s, a.provider);
    const cf = cfg(op.s);
    streamUpdate(op, ctx.now);
    settle(op, a.provider);
    transfer(op, a.ownerToken, p.stakeVault, a.amount);
    p.activeStake = addU64(p.activeStake, a.amount);
    cf.totalActiveStake = addU64(cf.totalActiveStake, a.amount);
    startStakePeriod(p, cf);
    p.updatedAt = ctx.now;
    p.seq += 1n;
    bumpConfig(op.s);
  });
}

export interface RequestUnstakeArgs {
  owner: string;
  provider: string;
  amount: bigint;
}

export function requestUnstake(s: ModelState, a: RequestUnstakeArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const p = prov(op.s, a.provider);
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    ownsProvider(op.s, c, a.provider, a.owner);
    notPaused(op.s, c);
    c.when(a.amount === 0n, "ZeroAmount", "InvalidArgument");
    c.when(a.amount > p.activeStake, "InsufficientStake", "InvalidArgument");
    c.when(a.amount <= p.activeStake && p.liveJobs > 0n && p.activeStake - a.amount < p.lockedStake, "StakeLocked");
    c.when(ctx.now + cf.unbondingPeriod > I64_MAX, "MathOverflow");
    c.done();
    streamUpdate(op, ctx.now);
    settle(op, a.provider);
    p.activeStake -= a.amount;
    cf.totalActiveStake -= a.amount;
    p.unbondingAmount = addU64(p.unbondingAmount, a.amount);
    p.unbondingUnlockAt = addI64(ctx.now, cf.unbondingPeriod);
    p.unlockPauseMark = pausedTotal(cf, ctx.now);
    startStakePeriod(p, cf);
    p.updatedAt = ctx.now;
    p.seq += 1n;
    bumpConfig(op.s);
  });
}

export interface WithdrawArgs {
  owner: string;
  provider: string;
  ownerToken: string;
}

export function withdrawUnstaked(s: ModelState, a: WithdrawArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const p = prov(op.s, a.provider);
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    ownsProvider(op.s, c, a.provider, a.owner);
    notPaused(op.s, c);
    c.when(p.unbondingAmount === 0n, "NothingToWithdraw");
    c.when(p.unbondingAmount > 0n && ctx.now < effectiveTime(cfg(op.s), ctx.now, p.unbondingUnlockAt, p.unlockPauseMark), "StillUnbonding");
    checkTokenAccount(op.s, c, a.ownerToken, p.owner);
    c.done();
    transfer(op, p.stakeVault, a.ownerToken, p.unbondingAmount);
    p.unbondingAmount = 0n;
    p.unbondingUnlockAt = 0n;
    p.unlockPauseMark = 0n;
    p.updatedAt = ctx.now;
    p.seq += 1n;
  });
}

// ---------------------------------------------------------------------------
// rewards
// ---------------------------------------------------------------------------

export interface FundArgs {
  funder: string;
  funderToken: string;
  amount: bigint;
}

export function fundRewards(s: ModelState, a: FundArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.funder), "MissingSigner");
    notPaused(op.s, c);
    c.when(a.amount === 0n, "ZeroAmount", "InvalidArgument");
    checkTokenAccount(op.s, c, a.funderToken, a.funder);
    const t = op.s.tokens.get(a.funderToken);
    c.when(t !== undefined && t.amount < a.amount, "InsufficientFunds", "TokenInsufficientFunds");
    c.done();
    transfer(op, a.funderToken, cf.rewardVault, a.amount);
    cf.totalFunded = satU64(cf.totalFunded, a.amount);
    streamAdd(op, ctx.now, a.amount);
    bumpConfig(op.s);
  });
}

export interface ClaimArgs {
  owner: string;
  provider: string;
  ownerToken: string;
}

export function claimRewards(s: ModelState, a: ClaimArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const p = prov(op.s, a.provider);
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    ownsProvider(op.s, c, a.provider, a.owner);
    notPaused(op.s, c);
    checkTokenAccount(op.s, c, a.ownerToken, p.owner);
    const acc = accAt(cf, ctx.now);
    const pend = acc === null ? null : pendingOf(p, acc);
    c.when(pend === null, "MathOverflow");
    c.when(pend !== null && p.rewardsOwed + pend === 0n, "NothingToClaim");
    c.done();
    streamUpdate(op, ctx.now);
    settle(op, a.provider);
    const amount = p.rewardsOwed;
    p.rewardsOwed = 0n;
    transfer(op, cf.rewardVault, a.ownerToken, amount);
    p.totalClaimed = satU64(p.totalClaimed, amount);
    cf.totalClaimed = satU64(cf.totalClaimed, amount);
    p.updatedAt = ctx.now;
    p.seq += 1n;
    bumpConfig(op.s);
  });
}

// ---------------------------------------------------------------------------
// slashing
// ---------------------------------------------------------------------------

export interface SlashArgs {
  signer: string;
  provider: string;
  stakeVault: string;
  treasury: string;
  amount: bigint;
  /** SlashReason variant index (Downtime 0, FailedJob 1, Fraud 2, Other 3). */
  reason: number;
  evidenceHash: number[];
}

/** Result details a slash test wants besides the state. */
export function slashSplit(p: ProviderState, amount: bigint): { fromActive: bigint; fromUnbonding: bigint } {
  const fromActive = amount < p.activeStake ? amount : p.activeStake;
  return { fromActive, fromUnbonding: amount - fromActive };
}

export function slash(s: ModelState, a: SlashArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const cf = cfg(op.s);
    const p = prov(op.s, a.provider);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    c.when(a.signer !== cf.slashAuthority, "Unauthorized");
    c.when(a.amount === 0n, "ZeroAmount", "InvalidArgument");
    c.when(a.reason > 3, "InvalidArgument");
    c.when(a.stakeVault !== p.stakeVault, "WrongVault", "InvalidPda");
    c.when(a.treasury !== cf.treasury, "WrongVault", "WrongTokenOwner", "InvalidArgument");
    const total = p.activeStake + p.unbondingAmount;
    c.when(a.amount > total, "SlashExceedsStake");
    const inEpoch = p.slashEpoch === ctx.epoch ? p.slashedInEpoch : 0n;
    const cap = ((total + inEpoch) * BigInt(cf.slashCapBps)) / BPS;
    c.when(a.amount <= total && inEpoch + a.amount > cap, "SlashCapExceeded");
    c.done();
    if (p.slashEpoch !== ctx.epoch) {
      p.slashEpoch = ctx.epoch;
      p.slashedInEpoch = 0n;
    }
    streamUpdate(op, ctx.now);
    settle(op, a.provider);
    const { fromActive, fromUnbonding } = slashSplit(p, a.amount);
    p.activeStake -= fromActive;
    cf.totalActiveStake -= fromActive;
    p.unbondingAmount -= fromUnbonding;
    startStakePeriod(p, cf);
    transfer(op, p.stakeVault, cf.treasury, a.amount);
    p.slashedInEpoch += a.amount;
    p.slashedTotal = satU64(p.slashedTotal, a.amount);
    cf.totalSlashed = satU64(cf.totalSlashed, a.amount);
    p.updatedAt = ctx.now;
    p.seq += 1n;
    bumpConfig(op.s);
  });
}

// ---------------------------------------------------------------------------
// jobs
// ---------------------------------------------------------------------------

export interface CreateJobArgs {
  buyer: string;
  buyerToken: string;
  job: string;
  escrow: string;
  jobId: bigint;
  price: bigint;
  maxDuration: bigint;
  minGpus: number;
  gpuModel: number;
  minVramGb: number;
  specHash: number[];
  jobBump: number;
  escrowBump: number;
  /** Lamports the buyer pays for the job and escrow accounts (rent-exempt minimums). */
  rentLamports: bigint;
}

export function createJob(s: ModelState, a: CreateJobArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.buyer), "MissingSigner");
    notPaused(op.s, c);
    c.when(op.s.jobs.has(a.job), "AlreadyInitialized");
    c.when(a.price === 0n, "ZeroAmount");
    c.when(a.maxDuration <= 0n || a.maxDuration > MAX_DURATION, "InvalidDuration");
    c.when(a.minGpus < 1, "InvalidArgument");
    checkTokenAccount(op.s, c, a.buyerToken, a.buyer);
    const t = op.s.tokens.get(a.buyerToken);
    c.when(t !== undefined && t.amount < a.price, "InsufficientFunds", "TokenInsufficientFunds");
    c.done();
    op.s.tokens.set(a.escrow, { mint: cf.stakeMint, owner: a.job, amount: 0n, kind: "escrow" });
    op.s.jobs.set(a.job, {
      jobId: a.jobId,
      price: a.price,
      maxDuration: a.maxDuration,
      createdAt: ctx.now,
      acceptedAt: 0n,
      deadline: 0n,
      submittedAt: 0n,
      finishedAt: 0n,
      providerPayout: 0n,
      fee: 0n,
      refund: 0n,
      rentLamports: a.rentLamports,
      challengeWindow: cf.challengeWindow,
      pauseMark: pausedTotal(cf, ctx.now),
      seq: 1n,
      buyer: a.buyer,
      provider: ZERO_KEY,
      escrow: a.escrow,
      specHash: [...a.specHash],
      resultHash: new Array<number>(32).fill(0),
      disputeReasonHash: new Array<number>(32).fill(0),
      minGpus: a.minGpus,
      gpuModel: a.gpuModel,
      minVramGb: a.minVramGb,
      providerShareBps: 0,
      feeBps: cf.protocolFeeBps,
      state: JobStatus.Open,
      bump: a.jobBump,
      escrowBump: a.escrowBump,
      version: 1,
    });
    transfer(op, a.buyerToken, a.escrow, a.price);
    cf.jobCount = satU64(cf.jobCount, 1n);
    bumpConfig(op.s);
  });
}

export interface CancelJobArgs {
  signer: string;
  job: string;
  buyerToken: string;
}

export function cancelJob(s: ModelState, a: CancelJobArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    notPaused(op.s, c);
    c.when(a.signer !== j.buyer, "Unauthorized");
    c.when(j.state !== JobStatus.Open, "InvalidJobState");
    checkTokenAccount(op.s, c, a.buyerToken, j.buyer);
    c.done();
    transfer(op, j.escrow, a.buyerToken, j.price);
    j.refund = j.price;
    j.state = JobStatus.Cancelled;
    j.finishedAt = ctx.now;
    j.seq += 1n;
  });
}

export interface AcceptJobArgs {
  owner: string;
  job: string;
  provider: string;
}

export function acceptJob(s: ModelState, a: AcceptJobArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const p = prov(op.s, a.provider);
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    ownsProvider(op.s, c, a.provider, a.owner);
    notPaused(op.s, c);
    c.when(p.status !== PROVIDER_STATUS.active, "ProviderInactive");
    c.when(p.owner === j.buyer, "SelfDealing");
    c.when(p.gpuCount < j.minGpus || p.vramGb < j.minVramGb || (j.gpuModel !== GPU_MODEL.any && p.gpuModel !== j.gpuModel), "HardwareMismatch");
    const needed = cf.minStakePerGpu * BigInt(p.gpuCount);
    c.when(p.activeStake < needed, "InsufficientStake");
    c.when(j.state !== JobStatus.Open, "InvalidJobState");
    c.done();
    j.provider = a.provider;
    j.acceptedAt = ctx.now;
    j.deadline = addI64(ctx.now, j.maxDuration);
    j.pauseMark = pausedTotal(cf, ctx.now);
    j.state = JobStatus.Accepted;
    j.seq += 1n;
    p.liveJobs += 1n;
    if (needed > p.lockedStake) p.lockedStake = needed;
    p.updatedAt = ctx.now;
    p.seq += 1n;
  });
}

export interface SubmitResultArgs {
  owner: string;
  job: string;
  provider: string;
  resultHash: number[];
}

export function submitResult(s: ModelState, a: SubmitResultArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const p = prov(op.s, a.provider);
    const c = new Checks();
    c.when(!ctx.signers.has(a.owner), "MissingSigner");
    notPaused(op.s, c);
    c.when(j.provider !== a.provider || p.owner !== a.owner, "Unauthorized");
    c.when(j.state !== JobStatus.Accepted, "InvalidJobState");
    c.when(j.state === JobStatus.Accepted && ctx.now > effectiveTime(cfg(op.s), ctx.now, j.deadline, j.pauseMark), "DeadlinePassed");
    c.done();
    addI64(ctx.now, j.challengeWindow);
    j.submittedAt = ctx.now;
    j.pauseMark = pausedTotal(cfg(op.s), ctx.now);
    j.resultHash = [...a.resultHash];
    j.state = JobStatus.Submitted;
    j.seq += 1n;
  });
}

function payFee(op: Op, fee: bigint, now: bigint): void {
  const cf = cfg(op.s);
  if (fee === 0n) {
    op.notes.push("zeroFee");
    return;
  }
  cf.totalFunded = satU64(cf.totalFunded, fee);
  streamAdd(op, now, fee);
  bumpConfig(op.s);
}

export interface CompleteJobArgs {
  signer: string;
  job: string;
  provider: string;
  providerToken: string;
}

export function completeJob(s: ModelState, a: CompleteJobArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    notPaused(op.s, c);
    c.when(j.state !== JobStatus.Submitted, "InvalidJobState");
    const p = op.s.providers.get(a.provider);
    c.when(j.state === JobStatus.Submitted && (p === undefined || a.provider !== j.provider), "Unauthorized", "InvalidArgument", "WrongAccountType");
    if (p) checkTokenAccount(op.s, c, a.providerToken, p.owner);
    const byTimeout = a.signer !== j.buyer;
    c.when(
      j.state === JobStatus.Submitted && byTimeout && ctx.now <= effectiveTime(cf, ctx.now, j.submittedAt + j.challengeWindow, j.pauseMark),
      "ChallengeWindowOpen",
    );
    c.done();
    const pp = prov(op.s, a.provider);
    const fee = feeOf(j.price, j.feeBps);
    const payout = j.price - fee;
    transfer(op, j.escrow, a.providerToken, payout);
    transfer(op, j.escrow, cf.rewardVault, fee);
    payFee(op, fee, ctx.now);
    pp.jobsCompleted = satU64(pp.jobsCompleted, 1n);
    endLiveJob(pp);
    pp.updatedAt = ctx.now;
    pp.seq += 1n;
    j.providerPayout = payout;
    j.fee = fee;
    j.refund = 0n;
    j.state = JobStatus.Completed;
    j.finishedAt = ctx.now;
    j.seq += 1n;
    op.notes.push(byTimeout ? "byTimeout" : "byBuyer");
  });
}

export interface DisputeJobArgs {
  signer: string;
  job: string;
  reasonHash: number[];
}

export function disputeJob(s: ModelState, a: DisputeJobArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    notPaused(op.s, c);
    c.when(a.signer !== j.buyer, "Unauthorized");
    c.when(j.state !== JobStatus.Submitted, "InvalidJobState");
    c.when(j.state === JobStatus.Submitted && ctx.now > effectiveTime(cf, ctx.now, j.submittedAt + j.challengeWindow, j.pauseMark), "ChallengeWindowClosed");
    c.done();
    j.disputeReasonHash = [...a.reasonHash];
    j.state = JobStatus.Disputed;
    j.seq += 1n;
  });
}

export interface ResolveDisputeArgs {
  signer: string;
  job: string;
  provider: string;
  providerToken: string;
  buyerToken: string;
  providerShareBps: number;
}

/** The split of a resolved dispute (docs/protocol.md). */
export function disputeSplit(price: bigint, shareBps: number, feeBps: number): { gross: bigint; fee: bigint; payout: bigint; refund: bigint } {
  const gross = (price * BigInt(shareBps)) / BPS;
  const fee = feeOf(gross, feeBps);
  return { gross, fee, payout: gross - fee, refund: price - gross };
}

export function resolveDispute(s: ModelState, a: ResolveDisputeArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    c.when(a.signer !== cf.admin, "Unauthorized");
    c.when(a.providerShareBps > MAX_PROVIDER_SHARE_BPS, "InvalidArgument");
    c.when(j.state !== JobStatus.Disputed, "InvalidJobState");
    const p = op.s.providers.get(a.provider);
    c.when(j.state === JobStatus.Disputed && (p === undefined || a.provider !== j.provider), "Unauthorized", "InvalidArgument", "WrongAccountType");
    if (p) checkTokenAccount(op.s, c, a.providerToken, p.owner);
    checkTokenAccount(op.s, c, a.buyerToken, j.buyer);
    c.done();
    const pp = prov(op.s, a.provider);
    const { fee, payout, refund } = disputeSplit(j.price, a.providerShareBps, j.feeBps);
    transfer(op, j.escrow, a.providerToken, payout);
    transfer(op, j.escrow, cf.rewardVault, fee);
    transfer(op, j.escrow, a.buyerToken, refund);
    payFee(op, fee, ctx.now);
    if (a.providerShareBps >= 5000) pp.jobsCompleted = satU64(pp.jobsCompleted, 1n);
    else pp.jobsFailed = satU64(pp.jobsFailed, 1n);
    endLiveJob(pp);
    pp.updatedAt = ctx.now;
    pp.seq += 1n;
    j.providerPayout = payout;
    j.fee = fee;
    j.refund = refund;
    j.providerShareBps = a.providerShareBps;
    j.state = JobStatus.Resolved;
    j.finishedAt = ctx.now;
    j.seq += 1n;
  });
}

export interface ExpireJobArgs {
  signer: string;
  job: string;
  provider: string;
  buyerToken: string;
}

export function expireJob(s: ModelState, a: ExpireJobArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const cf = cfg(op.s);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    notPaused(op.s, c);
    const accepted = j.state === JobStatus.Accepted;
    c.when(j.state !== JobStatus.Accepted && j.state !== JobStatus.Open, "InvalidJobState");
    const live = accepted || j.state === JobStatus.Open;
    c.when(live && a.provider !== j.provider, "Unauthorized", "InvalidArgument", "WrongAccountType");
    if (live) {
      const at = accepted ? j.deadline : j.createdAt + j.maxDuration;
      c.when(ctx.now <= effectiveTime(cf, ctx.now, at, j.pauseMark), "DeadlineNotPassed");
    }
    checkTokenAccount(op.s, c, a.buyerToken, j.buyer);
    c.done();
    transfer(op, j.escrow, a.buyerToken, j.price);
    if (accepted) {
      const p = prov(op.s, a.provider);
      p.jobsFailed = satU64(p.jobsFailed, 1n);
      endLiveJob(p);
      p.updatedAt = ctx.now;
      p.seq += 1n;
    }
    j.refund = j.price;
    j.state = JobStatus.Expired;
    j.finishedAt = ctx.now;
    j.seq += 1n;
    op.notes.push(accepted ? "expiredUndelivered" : "expiredUnaccepted");
  });
}

export interface CloseJobArgs {
  signer: string;
  job: string;
  /** The account given to receive the rent. */
  rentReceiver: string;
  /** The account given as the treasury (receives what was sent into the escrow from outside). */
  treasury: string;
}

export function closeJob(s: ModelState, a: CloseJobArgs, ctx: Ctx): Outcome {
  return run(s, (op) => {
    const j = job(op.s, a.job);
    const c = new Checks();
    c.when(!ctx.signers.has(a.signer), "MissingSigner");
    if (op.s.config) notPaused(op.s, c);
    c.when(!TERMINAL.has(j.state), "InvalidJobState");
    c.when(a.rentReceiver !== j.buyer, "WrongRentReceiver");
    c.when(op.s.config !== null && a.treasury !== cfg(op.s).treasury, "WrongVault");
    c.done();
    const e = tok(op.s, j.escrow);
    const extra = op.s.donated.get(j.escrow) ?? 0n;
    if (e.amount !== extra) throw new Error(`model: terminal escrow holds ${e.amount}, donations ${extra}`);
    transfer(op, j.escrow, a.treasury, e.amount);
    if (extra > 0n) op.notes.push("swept");
    op.s.donated.delete(j.escrow);
    op.s.tokens.delete(j.escrow);
    op.s.jobs.delete(a.job);
  });
}

// ---------------------------------------------------------------------------
// invariants (I1-I5) over any state with the same shape as the model's
// ---------------------------------------------------------------------------

/** A finding: which invariant, and the numbers. */
export interface InvariantViolation {
  invariant: "I1" | "I2" | "I3" | "I4" | "I5";
  detail: string;
}

/**
 * I1-I5 on a state (the model's, or one read back from the chain in the same
 * shape). `prevAcc` is the accumulator before the step (I3: never decreases).
 */
export function checkInvariants(s: ModelState, prevAcc: bigint): InvariantViolation[] {
  const out: InvariantViolation[] = [];
  const cf = s.config;
  if (!cf) return out;
  // I1: per mint, tokens into vaults = tokens out of vaults + vault balances.
  const mints = new Set([...s.tokens.values()].map((t) => t.mint));
  for (const mint of mints) {
    let held = 0n;
    for (const t of s.tokens.values()) if (t.mint === mint && isVault(t.kind)) held += t.amount;
    const inflow = s.vaultIn.get(mint) ?? 0n;
    const outflow = s.vaultOut.get(mint) ?? 0n;
    if (inflow !== outflow + held) out.push({ invariant: "I1", detail: `mint ${mint}: in ${inflow} != out ${outflow} + held ${held}` });
  }
  // I2: the reward vault covers every provider's owed + pending, plus unallocated.
  let liabilities = cf.unallocatedRewards;
  let sumActive = 0n;
  for (const [addr, p] of s.providers) {
    const pend = pendingOf(p, cf.accRewardPerStake);
    if (pend === null || pend < 0n) out.push({ invariant: "I2", detail: `provider ${addr}: pending out of range (${String(pend)})` });
    else liabilities += p.rewardsOwed + pend;
    sumActive += p.activeStake;
  }
  const rv = s.tokens.get(cf.rewardVault)?.amount ?? 0n;
  if (rv < liabilities) out.push({ invariant: "I2", detail: `reward vault ${rv} < owed+pending+unallocated ${liabilities}` });
  // I3: S = sum of active stakes; acc never decreases.
  if (sumActive !== cf.totalActiveStake) out.push({ invariant: "I3", detail: `S ${cf.totalActiveStake} != sum active ${sumActive}` });
  if (cf.accRewardPerStake < prevAcc) out.push({ invariant: "I3", detail: `acc decreased ${prevAcc} -> ${cf.accRewardPerStake}` });
  // I4: claimed <= exact share; exact share - entitlement <= settlements + 1.
  for (const [addr, p] of s.providers) {
    const exact = s.exactShare.get(addr) ?? RAT_ZERO;
    // A saturated total_claimed no longer measures what was claimed: I4 cannot be read from it.
    if (p.totalClaimed === U64_MAX) continue;
    if (p.totalClaimed * exact.d > exact.n) {
      out.push({ invariant: "I4", detail: `provider ${addr}: claimed ${p.totalClaimed} > exact share ${exact.n}/${exact.d} (~${ratFloor(exact)})` });
    }
    const pend = pendingOf(p, cf.accRewardPerStake) ?? 0n;
    const entitled = p.totalClaimed + p.rewardsOwed + pend;
    const n = (s.settlements.get(addr) ?? 0n) + 1n;
    // exact - entitled <= n  <=>  exact.n <= (entitled + n) * exact.d
    if (exact.n > (entitled + n) * exact.d) {
      out.push({ invariant: "I4", detail: `provider ${addr}: entitled ${entitled} short of exact ${exact.n}/${exact.d} by more than ${n} settlements` });
    }
  }
  // I5: terminal jobs' splits add up to the price and the escrow holds nothing;
  // live jobs' escrows hold the price.
  for (const [addr, j] of s.jobs) {
    const e = s.tokens.get(j.escrow)?.amount;
    const extra = s.donated.get(j.escrow) ?? 0n;
    if (TERMINAL.has(j.state)) {
      if (j.providerPayout + j.fee + j.refund !== j.price)
        out.push({ invariant: "I5", detail: `job ${addr}: ${j.providerPayout}+${j.fee}+${j.refund} != ${j.price}` });
      if (e !== extra) out.push({ invariant: "I5", detail: `job ${addr}: terminal escrow holds ${String(e)} != donated ${extra}` });
    } else if (e !== j.price + extra)
      out.push({ invariant: "I5", detail: `job ${addr}: live escrow holds ${String(e)} != price ${j.price} + donated ${extra}` });
  }
  return out;
}
