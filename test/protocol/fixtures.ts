/**
 * Setup for the protocol suites: a fresh LiteSVM chain with gpunet loaded
 * (test/harness), the stake mint and token accounts made with SPL Token
 * instructions sent through the harness, `initialize` sent through Anchor's
 * `Program<Gpunet>`, and the exact model (model.ts) kept in step with the setup.
 */
import { AnchorError, BN, ProgramError } from "@coral-xyz/anchor";
import type { Program } from "@coral-xyz/anchor";
import {
  ACCOUNT_SIZE,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
} from "@solana/spl-token";
import { Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import type { TransactionInstruction } from "@solana/web3.js";
import { address } from "@solana/kit";
import { Clock } from "litesvm";
import type { Gpunet } from "../../programs-idl/gpunet.ts";
import idlJson from "../../programs-idl/gpunet.json" with { type: "json" };
import { createTestEnv, SvmTransactionError } from "../harness/index.ts";
import { programDataAddress } from "../../localnet/src/deploy.ts";
import type { TestEnv } from "../harness/index.ts";
import * as M from "./model.ts";
import type { ConfigState, Ctx, JobState, ModelState, ProviderState } from "./model.ts";

/** The program id from the IDL. */
export const PROGRAM_ID = new PublicKey(idlJson.address);

// ---------------------------------------------------------------------------
// PDAs (docs/protocol.md table)
// ---------------------------------------------------------------------------

const enc = (s: string): Buffer => Buffer.from(s, "utf8");
export function u64le(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}
export function configPda(): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([enc("config")], PROGRAM_ID);
}
export function rewardVaultPda(): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([enc("reward_vault")], PROGRAM_ID);
}
export function providerPda(owner: PublicKey): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([enc("provider"), owner.toBuffer()], PROGRAM_ID);
}
export function stakeVaultPda(provider: PublicKey): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([enc("stake_vault"), provider.toBuffer()], PROGRAM_ID);
}
export function jobPda(buyer: PublicKey, jobId: bigint): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([enc("job"), buyer.toBuffer(), u64le(jobId)], PROGRAM_ID);
}
export function escrowPda(job: PublicKey): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([enc("escrow"), job.toBuffer()], PROGRAM_ID);
}

// ---------------------------------------------------------------------------
// errors
// ---------------------------------------------------------------------------

/** SPL Token custom error codes the program's CPIs can surface. */
const TOKEN_ERRORS: ReadonlyMap<number, M.TokenErrorName> = new Map([
  [1, "TokenInsufficientFunds"],
  [3, "TokenMintMismatch"],
  [4, "TokenOwnerMismatch"],
]);

function customCode(transactionError: unknown): number | null {
  if (typeof transactionError !== "object" || transactionError === null) return null;
  const ie = (transactionError as { InstructionError?: unknown }).InstructionError;
  if (!Array.isArray(ie)) return null;
  const inner: unknown = ie[1];
  if (typeof inner === "object" && inner !== null && "Custom" in inner) {
    const c = (inner as { Custom: unknown }).Custom;
    return typeof c === "number" ? c : null;
  }
  return null;
}

/**
 * The name of a failure: the IDL error name for gpunet's errors (from Anchor's
 * `AnchorError`, or from the custom code), `Token*` for SPL Token's, and otherwise a
 * runtime description such as `Runtime:{"InstructionError":[0,"MissingRequiredSignature"]}`.
 */
export function errorName(e: unknown): string {
  if (e instanceof AnchorError) return e.error.errorCode.code;
  if (e instanceof ProgramError) return M.PROGRAM_ERRORS.get(e.code) ?? `Custom(${e.code})`;
  if (e instanceof SvmTransactionError) {
    const c = customCode(e.transactionError);
    if (c !== null) return M.PROGRAM_ERRORS.get(c) ?? TOKEN_ERRORS.get(c) ?? `Custom(${c})`;
    return `Runtime:${JSON.stringify(e.transactionError)}`;
  }
  if (e instanceof Error) {
    const withLogs = e as Error & { transactionError?: unknown };
    const c = customCode(withLogs.transactionError);
    if (c !== null) return M.PROGRAM_ERRORS.get(c) ?? TOKEN_ERRORS.get(c) ?? `Custom(${c})`;
    return `Client:${e.message}`;
  }
  return `Unknown:${String(e)}`;
}

/** Outcome of sending: ok, or the error's name (see {@link errorName}) and logs. */
export type SendOutcome = { ok: true; logs: string[] } | { ok: false; error: string; logs: string[]; raw: unknown };

function logsOf(e: unknown): string[] {
  if (e instanceof AnchorError) return e.logs;
  if (typeof e === "object" && e !== null && "logs" in e && Array.isArray((e as { logs: unknown }).logs)) return (e as { logs: string[] }).logs;
  return [];
}

// ---------------------------------------------------------------------------
// decoding accounts into the model's shape
// ---------------------------------------------------------------------------

/** BN -> bigint, PublicKey -> base58, arrays and plain values kept. */
export function normalize(v: unknown): unknown {
  if (BN.isBN(v)) return BigInt((v as BN).toString());
  if (v instanceof PublicKey) return v.toBase58();
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Uint8Array) return [...v];
  if (typeof v === "object" && v !== null) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = normalize(x);
    return o;
  }
  return v;
}

// ---------------------------------------------------------------------------
// the fixture
// ---------------------------------------------------------------------------

/** A person on the network: a keypair with SOL and a stake-mint token account. */
export interface Actor {
  kp: Keypair;
  pk: PublicKey;
  key: string;
  token: PublicKey;
}

/** `initialize` parameters; defaults in {@link DEFAULT_INIT}. */
export interface InitParams {
  minStakePerGpu: bigint;
  unbondingPeriod: bigint;
  challengeWindow: bigint;
  protocolFeeBps: number;
  slashCapBps: number;
  /** Seconds over which fundings and fees are released; 0 releases at once. */
  rewardPeriod: bigint;
}

/** The suites' defaults; rewardPeriod 0 so that a funding is claimable at once (the hardening and workload suites stream). */
export const DEFAULT_INIT: InitParams = {
  minStakePerGpu: 1_000n,
  unbondingPeriod: 7_200n,
  challengeWindow: 600n,
  protocolFeeBps: 250,
  slashCapBps: 5_000,
  rewardPeriod: 0n,
};

export interface Fixture {
  env: TestEnv<Gpunet>;
  program: Program<Gpunet>;
  mint: PublicKey;
  mintAuthority: Keypair;
  admin: Keypair;
  slasher: Keypair;
  treasuryOwner: Keypair;
  treasury: PublicKey;
  config: PublicKey;
  configBump: number;
  rewardVault: PublicKey;
  rewardVaultBump: number;
  /** The model, kept in step with every setup action. Tests replace it as they go. */
  model: ModelState;
}

export interface SetupOptions {
  /** Send `initialize` (default true). */
  initialize?: boolean;
  /** The program's upgrade authority (default: the admin, who can then initialize). */
  upgradeAuthority?: Keypair;
  init?: Partial<InitParams>;
  /** Mint decimals (default 6). */
  decimals?: number;
}

/** The clock and signers, for model calls. */
export function ctxOf(fx: Fixture, ...signers: PublicKey[]): Ctx {
  const c = fx.env.svm.getClock();
  return { now: c.unixTimestamp, epoch: c.epoch, signers: new Set(signers.map((s) => s.toBase58())) };
}

/** Sends the instructions as one transaction signed by the payer and `signers`. */
export function sendIxs(fx: Pick<Fixture, "env">, ixs: TransactionInstruction[], signers: Keypair[] = [], feePayer: Keypair = fx.env.payer): SendOutcome {
  try {
    const r = sendTx(fx, ixs, signers, feePayer);
    return { ok: true, logs: r.logs };
  } catch (e) {
    return { ok: false, error: errorName(e), logs: logsOf(e), raw: e };
  }
}

/**
 * Sends instructions with the harness's payer as fee payer. (The harness's
 * `send` makes the first extra signer the fee payer, which a fresh mint or token
 * account keypair cannot be.)
 */
export function sendTx(
  fx: Pick<Fixture, "env">,
  ixs: TransactionInstruction[],
  signers: Keypair[] = [],
  feePayer: Keypair = fx.env.payer,
): import("../harness/index.ts").SendResult {
  const tx = new Transaction().add(...ixs);
  tx.feePayer = feePayer.publicKey;
  return fx.env.send(tx, [feePayer, ...signers]);
}

/** Runs an Anchor call (`program.methods...rpc()`) and names its failure. */
export async function attempt(call: () => Promise<unknown>, fx: Fixture): Promise<SendOutcome> {
  try {
    await call();
    return { ok: true, logs: fx.env.provider.lastResult?.logs ?? [] };
  } catch (e) {
    return { ok: false, error: errorName(e), logs: logsOf(e), raw: e };
  }
}

/** A fresh token account (keypair address) of `mint` owned by `owner`. */
export function createTokenAccount(fx: Fixture, owner: PublicKey, mint: PublicKey = fx.mint, kind: M.TokenKind = "user"): PublicKey {
  const acct = Keypair.generate();
  const rent = fx.env.svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_SIZE));
  sendTx(
    fx,
    [
      SystemProgram.createAccount({
        fromPubkey: fx.env.payer.publicKey,
        newAccountPubkey: acct.publicKey,
        lamports: Number(rent),
        space: ACCOUNT_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeAccount3Instruction(acct.publicKey, mint, owner),
    ],
    [acct],
  );
  fx.model = M.addTokenAccount(fx.model, acct.publicKey.toBase58(), { mint: mint.toBase58(), owner: owner.toBase58(), amount: 0n, kind });
  return acct.publicKey;
}

/** A new mint with `authority` (used for wrong-mint tests too). */
export function createMint(fx: Pick<Fixture, "env">, authority: PublicKey, decimals = 6): PublicKey {
  const mint = Keypair.generate();
  const rent = fx.env.svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE));
  sendTx(
    fx,
    [
      SystemProgram.createAccount({
        fromPubkey: fx.env.payer.publicKey,
        newAccountPubkey: mint.publicKey,
        lamports: Number(rent),
        space: MINT_SIZE,
        programId: TOKEN_PROGRAM_ID,
      }),
      createInitializeMint2Instruction(mint.publicKey, decimals, authority, null),
    ],
    [mint],
  );
  return mint.publicKey;
}

/** Mints stake tokens to a token account (supply enters outside the program). */
export function mintTokens(fx: Fixture, to: PublicKey, amount: bigint, mint: PublicKey = fx.mint): void {
  sendTx(fx, [createMintToInstruction(mint, to, fx.mintAuthority.publicKey, amount)], [fx.mintAuthority]);
  if (fx.model.tokens.has(to.toBase58())) fx.model = M.mintTo(fx.model, to.toBase58(), amount);
}

/** Token amount of an SPL token account, read from its bytes (amount at offset 64); null when absent. */
export function tokenBalance(fx: Pick<Fixture, "env">, acct: PublicKey): bigint | null {
  const a = fx.env.getAccount(acct);
  if (!a || a.data.length < 72) return null;
  return a.data.readBigUInt64LE(64);
}

/** Lamports of an account (0 when absent). */
export function lamportsOf(fx: Pick<Fixture, "env">, pk: PublicKey): bigint {
  return fx.env.svm.getBalance(address(pk.toBase58())) ?? 0n;
}

/** A person with `sol` lamports and a token account holding `tokens`. */
export function newActor(fx: Fixture, tokens: bigint, sol = 100_000_000_000n): Actor {
  const kp = fx.env.fundedKeypair(sol);
  const token = createTokenAccount(fx, kp.publicKey);
  if (tokens > 0n) mintTokens(fx, token, tokens);
  return { kp, pk: kp.publicKey, key: kp.publicKey.toBase58(), token };
}

/** Sets the clock: `seconds` later, `epochs` epochs later (the program reads both by syscall). */
export function warp(fx: Pick<Fixture, "env">, seconds: bigint, epochs = 0n): void {
  const svm = fx.env.svm;
  const c = svm.getClock();
  const slot = c.slot + (seconds > 0n ? (seconds * 5n) / 2n : 0n) + 1n;
  svm.warpToSlot(slot);
  svm.setClock(new Clock(slot, c.epochStartTimestamp, c.epoch + epochs, c.leaderScheduleEpoch + epochs, c.unixTimestamp + seconds));
  svm.expireBlockhash();
}

/**
 * A fresh chain with gpunet, the stake mint, the treasury and (by default) an
 * initialized Config, with the model in step.
 */
export async function setupProtocol(opts: SetupOptions = {}): Promise<Fixture> {
  // GPUNET_SO: test another build of the program (e.g. a committed one) than target/deploy/gpunet.so.
  const so = process.env.GPUNET_SO;
  // The program is deployed through the BPF Loader Upgradeable with the admin as its
  // upgrade authority: only that key may initialize.
  const admin = Keypair.generate();
  const env = createTestEnv<Gpunet>({ ...(so !== undefined && so !== "" ? { program: so } : {}), upgradeAuthority: opts.upgradeAuthority ?? admin });
  if (!env.program) throw new Error("fixture: the IDL did not load");
  env.airdrop(admin.publicKey, 100_000_000_000n);
  const mintAuthority = env.fundedKeypair();
  const [config, configBump] = configPda();
  const [rewardVault, rewardVaultBump] = rewardVaultPda();
  const partial = { env, program: env.program };
  const mint = createMint(partial, mintAuthority.publicKey, opts.decimals ?? 6);
  const fx: Fixture = {
    ...partial,
    mint,
    mintAuthority,
    admin,
    slasher: env.fundedKeypair(100_000_000_000n),
    treasuryOwner: env.fundedKeypair(),
    treasury: PublicKey.default,
    config,
    configBump,
    rewardVault,
    rewardVaultBump,
    model: M.emptyState(),
  };
  // A realistic clock: LiteSVM starts at unix time 0.
  warp(fx, 1_750_000_000n);
  fx.treasury = createTokenAccount(fx, fx.treasuryOwner.publicKey, mint, "treasury");
  if (opts.initialize ?? true) {
    const p = { ...DEFAULT_INIT, ...opts.init };
    const r = await initializeConfig(fx, p);
    if (!r.ok) throw new Error(`fixture: initialize failed: ${r.error}\n${r.logs.join("\n")}`);
  }
  return fx;
}

/** The `initialize` call through Anchor, with the model updated on success. */
export async function initializeConfig(fx: Fixture, p: InitParams, signer: Keypair = fx.admin): Promise<SendOutcome> {
  const out = await attempt(
    () =>
      fx.program.methods
        .initialize(
          new BN(p.minStakePerGpu.toString()),
          new BN(p.unbondingPeriod.toString()),
          new BN(p.challengeWindow.toString()),
          fx.slasher.publicKey,
          p.protocolFeeBps,
          p.slashCapBps,
          fx.configBump,
          fx.rewardVaultBump,
          false,
          new BN(p.rewardPeriod.toString()),
        )
        .accountsPartial({
          config: fx.config,
          rewardVault: fx.rewardVault,
          stakeMint: fx.mint,
          treasury: fx.treasury,
          admin: signer.publicKey,
          programData: programDataAddress(fx.program.programId),
        })
        .signers([signer])
        .rpc(),
    fx,
  );
  if (out.ok) {
    const m = M.initialize(
      fx.model,
      {
        config: fx.config.toBase58(),
        rewardVault: fx.rewardVault.toBase58(),
        stakeMint: fx.mint.toBase58(),
        treasury: fx.treasury.toBase58(),
        admin: signer.publicKey.toBase58(),
        slashAuthority: fx.slasher.publicKey.toBase58(),
        configBump: fx.configBump,
        rewardVaultBump: fx.rewardVaultBump,
        upgradeAuthority: fx.env.upgradeAuthority.publicKey.toBase58(),
        ...p,
      },
      ctxOf(fx, signer.publicKey),
    );
    if (m.ok) fx.model = m.state;
  }
  return out;
}

// ---------------------------------------------------------------------------
// reading the chain in the model's shape
// ---------------------------------------------------------------------------

export async function fetchConfig(fx: Fixture): Promise<ConfigState | null> {
  const c = await fx.program.account.config.fetchNullable(fx.config);
  return c ? (normalize(c) as ConfigState) : null;
}
export async function fetchProvider(fx: Fixture, pda: PublicKey): Promise<ProviderState | null> {
  const p = await fx.program.account.provider.fetchNullable(pda);
  return p ? (normalize(p) as ProviderState) : null;
}
export async function fetchJob(fx: Fixture, pda: PublicKey): Promise<JobState | null> {
  const j = await fx.program.account.job.fetchNullable(pda);
  return j ? (normalize(j) as JobState) : null;
}

/** Every program account the chain holds, decoded (Config, Providers, Jobs). */
export async function fetchAll(fx: Fixture): Promise<{ config: ConfigState | null; providers: Map<string, ProviderState>; jobs: Map<string, JobState> }> {
  const [config, providers, jobs] = await Promise.all([fetchConfig(fx), fx.program.account.provider.all(), fx.program.account.job.all()]);
  return {
    config,
    providers: new Map(providers.map((p) => [p.publicKey.toBase58(), normalize(p.account) as ProviderState])),
    jobs: new Map(jobs.map((j) => [j.publicKey.toBase58(), normalize(j.account) as JobState])),
  };
}

/** Account type names by their 8-byte discriminator (hex). */
export const ACCOUNT_BY_DISCRIMINATOR: ReadonlyMap<string, string> = new Map(
  idlJson.accounts.map((a) => [Buffer.from(a.discriminator).toString("hex"), a.name]),
);

/**
 * Every program account, decoded with the program's Anchor coder straight from the
 * VM (what `program.account.x.fetch` does, without the connection layer's copies and
 * key conversions, so the workload can afford it after every step).
 */
export function readProgramAccounts(fx: Fixture): {
  config: ConfigState | null;
  providers: Map<string, ProviderState>;
  jobs: Map<string, JobState>;
  unknown: string[];
} {
  const out = { config: null as ConfigState | null, providers: new Map<string, ProviderState>(), jobs: new Map<string, JobState>(), unknown: [] as string[] };
  for (const a of fx.env.svm.getProgramAccounts(address(PROGRAM_ID.toBase58()))) {
    const data = Buffer.from(a.data);
    const name = ACCOUNT_BY_DISCRIMINATOR.get(data.subarray(0, 8).toString("hex"));
    if (name === "Config") out.config = normalize(fx.program.coder.accounts.decode("config", data)) as ConfigState;
    else if (name === "Provider") out.providers.set(a.address, normalize(fx.program.coder.accounts.decode("provider", data)) as ProviderState);
    else if (name === "Job") out.jobs.set(a.address, normalize(fx.program.coder.accounts.decode("job", data)) as JobState);
    else out.unknown.push(a.address);
  }
  return out;
}

/** Token amount by base58 address, straight from the VM (null when absent or not a token account). */
export function tokenAmount(fx: Pick<Fixture, "env">, key: string): bigint | null {
  const a = fx.env.svm.getAccount(address(key));
  if (!a.exists || a.data.length < 72 || a.programAddress !== TOKEN_PROGRAM_ID.toBase58()) return null;
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).readBigUInt64LE(64);
}

/** Raw bytes and lamports of accounts, to prove that a failed call changed nothing. */
export interface Snapshot {
  accounts: Map<string, { lamports: bigint; owner: string; data: string } | null>;
}

export function snapshot(fx: Pick<Fixture, "env">, keys: PublicKey[]): Snapshot {
  const accounts = new Map<string, { lamports: bigint; owner: string; data: string } | null>();
  for (const k of keys) {
    const a = fx.env.svm.getAccount(address(k.toBase58()));
    accounts.set(k.toBase58(), a.exists ? { lamports: a.lamports, owner: a.programAddress, data: Buffer.from(a.data).toString("hex") } : null);
  }
  return { accounts };
}

/** Keys whose bytes, owner or lamports differ between two snapshots. */
export function changedKeys(a: Snapshot, b: Snapshot): string[] {
  const out: string[] = [];
  for (const [k, v] of a.accounts)
    if (
      JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) !==
      JSON.stringify(b.accounts.get(k), (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x))
    )
      out.push(k);
  return out;
}

/** Rent-exempt minimum for `len` bytes in this VM. */
export function rentFor(fx: Pick<Fixture, "env">, len: number): bigint {
  return fx.env.svm.minimumBalanceForRentExemption(BigInt(len));
}

/** Byte sizes of the program accounts (8-byte discriminator + Borsh fields). */
export const ACCOUNT_SIZES = {
  config: 8 + 16 + 8 * 17 + 32 * 5 + 2 + 2 + 1 + 1 + 1 + 1,
  provider: 8 + 16 + 8 * 17 + 32 * 3 + 2 * 4 + 4,
  job: 8 + 8 * 15 + 32 * 6 + 2 * 5 + 4,
} as const;

export { M, TOKEN_PROGRAM_ID };
