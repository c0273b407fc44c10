/**
 * Account decoders, fetchers and filtered listings for Config, Provider and Job.
 *
 * Decoding is IDL-driven (layout.ts): u64/i64/u128 come out as bigint, pubkeys as
 * PublicKey, `[u8; 32]` as Uint8Array and the state/status bytes as string unions.
 * Listing filters are memcmp at offsets computed from the IDL layout.
 */
import { PublicKey } from "@solana/web3.js";
import type { AccountInfo, Commitment, Connection, GetProgramAccountsFilter } from "@solana/web3.js";
import bs58 from "bs58";
import { GPUNET_IDL, camelCase } from "./idl.ts";
import type { GpunetAccountName, IdlStruct } from "./idl-types.ts";
import { GpunetError } from "./errors.ts";
import { decodeStruct, discriminatorKey, structLayout, type StructLayout } from "./layout.ts";
import { toPublicKey, type PublicKeyInput } from "./inputs.ts";
import { GPUNET_PROGRAM_ID, findConfigPda, findProviderPda, findJobPda } from "./pdas.ts";
import type { IntegerInput } from "./inputs.ts";
import { callRpc } from "./rpc.ts";

import { JOB_STATES, PROVIDER_STATUSES, type JobState, type ProviderStatus } from "./generated/enums.ts";

/** Job states (the IDL's JobState), in the order of their on-chain byte. */
export { JOB_STATES };
/** A job's state. */
export type { JobState };
/** States after which a job can only be closed. */
export const TERMINAL_JOB_STATES: readonly JobState[] = ["completed", "cancelled", "expired", "resolved"];

/** Provider statuses (the IDL's ProviderStatus), in the order of their on-chain byte. */
export { PROVIDER_STATUSES };
/** A provider's status. */
export type { ProviderStatus };

/** The Config account. */
export type Config = IdlStruct<"config", PublicKey>;
/** A Provider account. `status` is a string union. */
export type Provider = Omit<IdlStruct<"provider", PublicKey>, "status"> & { readonly status: ProviderStatus };
/** A Job account. `state` is a string union. */
export type Job = Omit<IdlStruct<"job", PublicKey>, "state"> & { readonly state: JobState };

/** A decoded account with its address. */
export interface GpunetAccount<T> {
  readonly address: PublicKey;
  readonly lamports: bigint;
  readonly data: T;
}

interface AccountSpec {
  readonly idlName: string;
  readonly name: GpunetAccountName;
  readonly discriminator: Uint8Array;
  readonly layout: StructLayout;
  /** Total size: discriminator + fields. */
  readonly size: number;
}

function spec(idlName: string): AccountSpec {
  const a = GPUNET_IDL.accounts.find((x) => x.name === idlName);
  if (!a) throw new GpunetError("IdlMismatch", `account ${idlName} is not in the IDL`, {});
  const layout = structLayout(idlName);
  return { idlName, name: camelCase(idlName) as GpunetAccountName, discriminator: Uint8Array.from(a.discriminator), layout, size: 8 + layout.size };
}

const CONFIG = spec("Config");
const PROVIDER = spec("Provider");
const JOB = spec("Job");

/** Byte sizes of the program's accounts (discriminator included), from the IDL. */
export const ACCOUNT_SIZES: Readonly<Record<"config" | "provider" | "job", number>> = {
  config: CONFIG.size,
  provider: PROVIDER.size,
  job: JOB.size,
};

/**
 * Offset (discriminator included) of an account field, for memcmp filters.
 *
 * @example
 * ```ts
 * accountFieldOffset("job", "buyer"); // where the buyer pubkey starts
 * ```
 */
export function accountFieldOffset(account: "config" | "provider" | "job", field: string): number {
  const s = account === "config" ? CONFIG : account === "provider" ? PROVIDER : JOB;
  const f = s.layout.byName.get(field);
  if (!f) throw new GpunetError("IdlMismatch", `${account} has no field ${field} in the IDL`, {});
  return 8 + f.offset;
}

type RawAccount = Pick<AccountInfo<Uint8Array>, "data" | "owner">;

function decodeWith(s: AccountSpec, data: Uint8Array, address?: PublicKey): Record<string, unknown> {
  const where = address ? ` at ${address.toBase58()}` : "";
  if (data.length < 8 || discriminatorKey(data) !== discriminatorKey(s.discriminator)) {
    throw new GpunetError("AccountDecodeFailed", `account${where} is not a ${s.idlName} (discriminator)`, address ? { value: address.toBase58() } : {});
  }
  if (data.length !== s.size) {
    // Right discriminator, wrong size: the program and the SDK disagree on the layout.
    throw new GpunetError("IdlMismatch", `${s.idlName}${where} is ${data.length} bytes; the IDL says ${s.size}`, {
      expectedVersion: String(s.size),
      actualVersion: String(data.length),
    });
  }
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = decodeStruct(s.layout, data, dv, 8, "bytes");
  for (const f of s.layout.fields) if (f.kind === "pubkey") out[f.name] = new PublicKey(out[f.name] as Uint8Array);
  return out;
}

function checkOwner(info: RawAccount, programId: PublicKey, address?: PublicKey): void {
  if (!info.owner.equals(programId)) {
    throw new GpunetError(
      "AccountDecodeFailed",
      `account${address ? ` ${address.toBase58()}` : ""} is owned by ${info.owner.toBase58()}, not gpunet`,
      address ? { value: address.toBase58() } : {},
    );
  }
}

function enumName<T extends string>(values: readonly T[], n: number, what: string): T {
  const v = values[n];
  if (v === undefined) throw new GpunetError("IdlMismatch", `unknown ${what} byte ${n}`, { value: String(n) });
  return v;
}

/**
 * Decodes Config account bytes (discriminator included).
 * @throws {GpunetError} `AccountDecodeFailed` (wrong discriminator) or `IdlMismatch` (wrong size).
 * @example
 * ```ts
 * const info = await connection.getAccountInfo(findConfigPda()[0]);
 * if (info) console.log(decodeConfig(info.data).totalActiveStake); // bigint
 * ```
 */
export function decodeConfig(data: Uint8Array): Config {
  return decodeWith(CONFIG, data) as Config;
}

/**
 * Decodes Provider account bytes. Same errors as {@link decodeConfig}.
 * @example
 * ```ts
 * const info = await connection.getAccountInfo(findProviderPda(owner)[0]);
 * if (info) console.log(decodeProvider(info.data).status); // "active" | "inactive"
 * ```
 */
export function decodeProvider(data: Uint8Array): Provider {
  const raw = decodeWith(PROVIDER, data);
  return { ...raw, status: enumName(PROVIDER_STATUSES, raw.status as number, "provider status") } as Provider;
}

/**
 * Decodes Job account bytes. Same errors as {@link decodeConfig}.
 * @example
 * ```ts
 * const info = await connection.getAccountInfo(findJobPda(buyer, 7n)[0]);
 * if (info) console.log(decodeJob(info.data).state); // "open" | "accepted" | ...
 * ```
 */
export function decodeJob(data: Uint8Array): Job {
  const raw = decodeWith(JOB, data);
  return { ...raw, state: enumName(JOB_STATES, raw.state as number, "job state") } as Job;
}

/** Options shared by fetchers. */
export interface FetchOptions {
  readonly programId?: PublicKeyInput;
  readonly commitment?: Commitment;
}

/** The Connection methods the account helpers use (a real Connection, localnet, or a look-alike). */
export type AccountsConnection = Pick<Connection, "getAccountInfoAndContext" | "getMultipleAccountsInfo" | "getProgramAccounts">;

function programIdOf(o: FetchOptions): PublicKey {
  return o.programId === undefined ? GPUNET_PROGRAM_ID : toPublicKey(o.programId, "programId");
}

async function fetchMaybe<T>(
  connection: AccountsConnection,
  address: PublicKey,
  o: FetchOptions,
  decode: (d: Uint8Array) => T,
): Promise<GpunetAccount<T> | null> {
  const info = (await callRpc("getAccountInfo", () => connection.getAccountInfoAndContext(address, o.commitment))).value;
  if (!info) return null;
  checkOwner(info, programIdOf(o), address);
  return { address, lamports: BigInt(info.lamports), data: decodeAt(decode, info.data, address) };
}

function decodeAt<T>(decode: (d: Uint8Array) => T, data: Uint8Array, address: PublicKey): T {
  try {
    return decode(data);
  } catch (e) {
    if (e instanceof GpunetError)
      throw new GpunetError(e.code, `${e.message} (${address.toBase58()})`, { ...e.context, value: address.toBase58() }, { cause: e });
    throw e;
  }
}

function must<T>(a: GpunetAccount<T> | null, what: string, address: PublicKey): GpunetAccount<T> {
  if (!a) throw new GpunetError("AccountNotFound", `${what} ${address.toBase58()} does not exist`, { value: address.toBase58() });
  return a;
}

/**
 * Fetches the Config account, or null when the program is not initialized.
 * @example
 * ```ts
 * const cfg = await fetchMaybeConfig(connection);
 * if (cfg) console.log(cfg.data.totalActiveStake); // bigint
 * ```
 */
export async function fetchMaybeConfig(connection: AccountsConnection, o: FetchOptions = {}): Promise<GpunetAccount<Config> | null> {
  return fetchMaybe(connection, findConfigPda(programIdOf(o))[0], o, decodeConfig);
}

/**
 * Fetches the Config account. @throws {GpunetError} `AccountNotFound`.
 * @example
 * ```ts
 * const { data } = await fetchConfig(connection);
 * ```
 */
export async function fetchConfig(connection: AccountsConnection, o: FetchOptions = {}): Promise<GpunetAccount<Config>> {
  const address = findConfigPda(programIdOf(o))[0];
  return must(await fetchMaybe(connection, address, o, decodeConfig), "Config", address);
}

/** Where to find a provider: its PDA address, or its owner. */
export type ProviderRef = { readonly address: PublicKeyInput } | { readonly owner: PublicKeyInput };

function providerAddress(ref: ProviderRef, o: FetchOptions): PublicKey {
  return "address" in ref ? toPublicKey(ref.address, "provider") : findProviderPda(ref.owner, programIdOf(o))[0];
}

/**
 * Fetches a Provider by owner or by address, or null.
 * @example
 * ```ts
 * const p = await fetchMaybeProvider(connection, { owner }); // null until registered
 * ```
 */
export async function fetchMaybeProvider(connection: AccountsConnection, ref: ProviderRef, o: FetchOptions = {}): Promise<GpunetAccount<Provider> | null> {
  return fetchMaybe(connection, providerAddress(ref, o), o, decodeProvider);
}

/**
 * Fetches a Provider. @throws {GpunetError} `AccountNotFound`.
 * @example
 * ```ts
 * const { data } = await fetchProvider(connection, { owner });
 * ```
 */
export async function fetchProvider(connection: AccountsConnection, ref: ProviderRef, o: FetchOptions = {}): Promise<GpunetAccount<Provider>> {
  const address = providerAddress(ref, o);
  return must(await fetchMaybe(connection, address, o, decodeProvider), "Provider", address);
}

/** Where to find a job: its PDA address, or buyer and job id. */
export type JobRef = { readonly address: PublicKeyInput } | { readonly buyer: PublicKeyInput; readonly jobId: IntegerInput };

/**
 * The address of a job reference.
 * @example
 * ```ts
 * jobAddress({ buyer, jobId: 7n }); // same as findJobPda(buyer, 7n)[0]
 * ```
 */
export function jobAddress(ref: JobRef, programId?: PublicKeyInput): PublicKey {
  return "address" in ref ? toPublicKey(ref.address, "job") : findJobPda(ref.buyer, ref.jobId, programId)[0];
}

/**
 * Fetches a Job by address or by (buyer, jobId), or null.
 * @example
 * ```ts
 * const job = await fetchMaybeJob(connection, { buyer, jobId: 7n }); // null once closed
 * ```
 */
export async function fetchMaybeJob(connection: AccountsConnection, ref: JobRef, o: FetchOptions = {}): Promise<GpunetAccount<Job> | null> {
  return fetchMaybe(connection, jobAddress(ref, programIdOf(o)), o, decodeJob);
}

/**
 * Fetches a Job. @throws {GpunetError} `AccountNotFound`.
 * @example
 * ```ts
 * const [jobPda] = findJobPda(buyer, 7n);
 * const { data } = await fetchJob(connection, { address: jobPda });
 * ```
 */
export async function fetchJob(connection: AccountsConnection, ref: JobRef, o: FetchOptions = {}): Promise<GpunetAccount<Job>> {
  const address = jobAddress(ref, programIdOf(o));
  return must(await fetchMaybe(connection, address, o, decodeJob), "Job", address);
}

function memcmp(offset: number, bytes: Uint8Array): GetProgramAccountsFilter {
  return { memcmp: { offset, bytes: bs58.encode(bytes) } };
}

async function list<T>(
  connection: AccountsConnection,
  s: AccountSpec,
  filters: GetProgramAccountsFilter[],
  o: FetchOptions,
  decode: (d: Uint8Array) => T,
): Promise<GpunetAccount<T>[]> {
  const programId = programIdOf(o);
  const all: GetProgramAccountsFilter[] = [{ dataSize: s.size }, memcmp(0, s.discriminator), ...filters];
  const res = await callRpc("getProgramAccounts", () =>
    connection.getProgramAccounts(programId, { filters: all, ...(o.commitment ? { commitment: o.commitment } : {}) }),
  );
  // Results come back in no defined order; sort by address so listings are stable.
  const rows = res.map(({ pubkey, account }) => ({ address: pubkey, lamports: BigInt(account.lamports), data: decodeAt(decode, account.data, pubkey) }));
  return rows.sort((a, b) => (a.address.toBase58() < b.address.toBase58() ? -1 : 1));
}

/** Filters for {@link listJobs}; all given filters must match. */
export interface JobFilter {
  readonly buyer?: PublicKeyInput;
  /** The Provider PDA that accepted the job. */
  readonly provider?: PublicKeyInput;
  readonly state?: JobState;
}

/**
 * Lists jobs by buyer, provider and/or state (getProgramAccounts with memcmp filters).
 * @example
 * ```ts
 * const open = await listJobs(connection, { state: "open" });
 * ```
 */
export async function listJobs(connection: AccountsConnection, filter: JobFilter = {}, o: FetchOptions = {}): Promise<GpunetAccount<Job>[]> {
  const f: GetProgramAccountsFilter[] = [];
  if (filter.buyer !== undefined) f.push(memcmp(accountFieldOffset("job", "buyer"), toPublicKey(filter.buyer, "buyer").toBytes()));
  if (filter.provider !== undefined) f.push(memcmp(accountFieldOffset("job", "provider"), toPublicKey(filter.provider, "provider").toBytes()));
  if (filter.state !== undefined) f.push(memcmp(accountFieldOffset("job", "state"), Uint8Array.of(stateByte(filter.state))));
  return list(connection, JOB, f, o, decodeJob);
}

/** Filters for {@link listProviders}. */
export interface ProviderFilter {
  readonly status?: ProviderStatus;
  readonly owner?: PublicKeyInput;
}

/**
 * Lists providers by status and/or owner.
 * @example
 * ```ts
 * const active = await listProviders(connection, { status: "active" });
 * ```
 */
export async function listProviders(connection: AccountsConnection, filter: ProviderFilter = {}, o: FetchOptions = {}): Promise<GpunetAccount<Provider>[]> {
  const f: GetProgramAccountsFilter[] = [];
  if (filter.status !== undefined) f.push(memcmp(accountFieldOffset("provider", "status"), Uint8Array.of(statusByte(filter.status))));
  if (filter.owner !== undefined) f.push(memcmp(accountFieldOffset("provider", "owner"), toPublicKey(filter.owner, "owner").toBytes()));
  return list(connection, PROVIDER, f, o, decodeProvider);
}

/**
 * The on-chain byte of a job state.
 * @example
 * ```ts
 * stateByte("completed"); // 4
 * ```
 */
export function stateByte(s: JobState): number {
  const i = JOB_STATES.indexOf(s);
  if (i < 0) throw new GpunetError("InvalidInput", `unknown job state ${String(s)}`, { field: "state", value: String(s) });
  return i;
}

/**
 * The on-chain byte of a provider status.
 * @example
 * ```ts
 * statusByte("inactive"); // 1
 * ```
 */
export function statusByte(s: ProviderStatus): number {
  const i = PROVIDER_STATUSES.indexOf(s);
  if (i < 0) throw new GpunetError("InvalidInput", `unknown provider status ${String(s)}`, { field: "status", value: String(s) });
  return i;
}
