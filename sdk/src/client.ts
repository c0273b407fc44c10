/**
 * `createGpunetClient`: one object that knows the connection, the wallet, the
 * program id and the sending policy, and offers for every instruction a builder
 * (`client.instructions.x`) and a send helper (`client.x`) returning
 * `{ signature, events }`, plus fetchers, listings, `claimable`, `claimAll`,
 * `verifyProgram` and `subscribeEvents`.
 */
import { Buffer } from "buffer";
import { type PublicKey, SYSVAR_CLOCK_PUBKEY, TransactionInstruction } from "@solana/web3.js";
import type { Commitment, Connection } from "@solana/web3.js";
import { associatedTokenAddress, createAtaIdempotentInstruction } from "./token.ts";
import { GPUNET_IDL_VERSION } from "./idl.ts";
import { ACCOUNT_VERSION } from "./generated/constants.ts";
import { GPUNET_ERROR_CODE } from "./generated/errors.ts";
import { GpunetError, isGpunetError, transactionErrorName } from "./errors.ts";
import { toPublicKey, type Hash32Input, type IntegerInput, type PublicKeyInput } from "./inputs.ts";
import { GPUNET_PROGRAM_ID, findConfigPda, findProviderPda } from "./pdas.ts";
import {
  ACCOUNT_SIZES,
  accountFieldOffset,
  decodeConfig,
  fetchConfig,
  fetchJob,
  fetchMaybeConfig,
  fetchMaybeJob,
  fetchMaybeProvider,
  fetchProvider,
  jobAddress,
  listJobs,
  listProviders,
  type Config,
  type GpunetAccount,
  type Job,
  type JobFilter,
  type JobRef,
  type ProviderFilter,
  type ProviderRef,
  type ProviderStatus,
} from "./accounts.ts";
import * as ix from "./instructions.ts";
import {
  prepareAndSign,
  sendInstructions,
  sendSignedAndConfirm,
  simulateInstructions,
  type SendContext,
  type SendOptions,
  type SendResult,
  type SimulateResult,
  type WalletAdapterLike,
  type SignedTransaction,
} from "./send.ts";
import type { PriorityFeeStrategy } from "./priority-fee.ts";
import type { TransactionSender } from "./send-path.ts";
import { claimable as claimableMath } from "./rewards.ts";
import { claimAll as claimAllImpl, clockUnixTimestamp, type ClaimAllOptions, type ClaimAllResult } from "./claim-all.ts";
import { subscribeEvents as subscribeImpl, type SubscribeEventsOptions, type EventSubscription } from "./subscribe.ts";
import { callRpc } from "./rpc.ts";

/** The account version byte this SDK's layouts describe (the program's GP_ACCOUNT_VERSION). */
export const GPUNET_ACCOUNT_VERSION: number = ACCOUNT_VERSION;

/** The Connection methods the client uses; a web3.js `Connection` has them all. */
export type GpunetConnection = Pick<
  Connection,
  | "getLatestBlockhashAndContext"
  | "simulateTransaction"
  | "sendRawTransaction"
  | "getSignatureStatuses"
  | "getBlockHeight"
  | "getTransaction"
  | "getRecentPrioritizationFees"
  | "getAccountInfoAndContext"
  | "getMultipleAccountsInfo"
  | "getProgramAccounts"
  | "onLogs"
  | "removeOnLogsListener"
>;

/** Options of {@link createGpunetClient}. */
export interface GpunetClientOptions {
  readonly connection: GpunetConnection;
  /** A wallet-adapter wallet (publicKey, signTransaction, signAllTransactions), passed as is. */
  readonly wallet?: WalletAdapterLike;
  /** Default: the IDL's address. */
  readonly programId?: PublicKeyInput;
  /** Default "confirmed". */
  readonly commitment?: Commitment;
  /** Default `{ kind: "none" }`; Helius' estimate is `heliusPriorityFee({ url })` of `@gpunet/sdk/helius`. */
  readonly priorityFee?: PriorityFeeStrategy;
  /**
   * Where signed transactions go (default the connection's `sendTransaction`):
   * `heliusSender()` or `heliusSmartTransaction({ url })` of `@gpunet/sdk/helius`,
   * or any {@link TransactionSender}. Confirmation stays on `connection`.
   */
  readonly send?: TransactionSender;
  /** Fraction added to simulated compute units (default 0.1). */
  readonly computeUnitMargin?: number;
  /** Confirmation poll interval (default 400 ms). */
  readonly pollIntervalMs?: number;
  /** Re-send interval of the same signed bytes (default 2000 ms). */
  readonly resendIntervalMs?: number;
}

/** Per-call options of the send helpers: who signs, and the send policy. */
export type CallOptions = SendOptions;

/** Result of {@link GpunetClient.verifyProgram}. */
export interface ProgramVerification {
  readonly idlVersion: string;
  readonly accountVersion: number;
  /** False when the program is deployed but not initialized (no Config to compare). */
  readonly configChecked: boolean;
}

function ataOf(owner: PublicKey, mint: PublicKey): PublicKey {
  return associatedTokenAddress(mint, owner);
}

/**
 * Creates the client.
 *
 * @example
 * ```ts
 * import { Connection } from "@solana/web3.js";
 * import { createGpunetClient, createRetryingFetch } from "@gpunet/sdk";
 * const connection = new Connection("https://api.devnet.solana.com", { fetch: createRetryingFetch(), commitment: "confirmed" });
 * const gpunet = createGpunetClient({ connection, wallet });
 * const { signature, events } = await gpunet.stake({ amount: 1_000_000n });
 * ```
 */
/** The cluster's unix time from the Clock sysvar (what the program reads). */
async function clockNow(connection: Pick<Connection, "getAccountInfoAndContext">, commitment?: Commitment): Promise<bigint> {
  const info = (await callRpc("getAccountInfo", () => connection.getAccountInfoAndContext(SYSVAR_CLOCK_PUBKEY, commitment))).value;
  if (!info || info.data.length < 40) throw new GpunetError("AccountNotFound", "the Clock sysvar is not readable", {});
  return clockUnixTimestamp(new Uint8Array(info.data));
}

export function createGpunetClient(options: GpunetClientOptions) {
  const connection = options.connection;
  const programId = options.programId === undefined ? GPUNET_PROGRAM_ID : toPublicKey(options.programId, "programId");
  const commitment = options.commitment ?? "confirmed";
  const wallet = options.wallet;
  const priorityFee: PriorityFeeStrategy = options.priorityFee ?? { kind: "none" };
  const ctx: SendContext = {
    connection,
    programId,
    wallet,
    commitment,
    priorityFee,
    ...(options.computeUnitMargin !== undefined ? { computeUnitMargin: options.computeUnitMargin } : {}),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.resendIntervalMs !== undefined ? { resendIntervalMs: options.resendIntervalMs } : {}),
    ...(options.send !== undefined ? { sender: options.send } : {}),
  };
  const fo = { programId, commitment };
  const bo = { programId };
  let stakeMintCache: PublicKey | undefined;

  /** The signer this call acts as: explicit, else the wallet, else the first signer. */
  function actor(explicit: PublicKeyInput | undefined, o: CallOptions | undefined, field: string): PublicKey {
    if (explicit !== undefined) return toPublicKey(explicit, field);
    if (wallet?.publicKey) return wallet.publicKey;
    const s = o?.signers?.[0];
    if (s) return s.publicKey;
    throw new GpunetError("SignerMissing", `${field}: connect a wallet, pass signers, or name the ${field}`, { field });
  }
  function payerOf(o: CallOptions | undefined): PublicKey {
    return (
      o?.feePayer ??
      wallet?.publicKey ??
      o?.signers?.[0]?.publicKey ??
      (() => {
        throw new GpunetError("SignerMissing", "no fee payer", {});
      })()
    );
  }
  async function config(): Promise<Config> {
    return (await fetchConfig(connection, fo)).data;
  }
  async function stakeMint(): Promise<PublicKey> {
    // The stake mint never changes after initialize, so one fetch serves the client's life.
    if (!stakeMintCache) stakeMintCache = (await config()).stakeMint;
    return stakeMintCache;
  }
  /** Creates the owners' associated token accounts that do not exist yet (idempotent instruction). */
  async function ensureAtas(owners: readonly PublicKey[], o: CallOptions | undefined): Promise<TransactionInstruction[]> {
    const mint = await stakeMint();
    const atas = owners.map((w) => ataOf(w, mint));
    const infos = await callRpc("getMultipleAccountsInfo", () => connection.getMultipleAccountsInfo(atas, commitment));
    const out: TransactionInstruction[] = [];
    const payer = payerOf(o);
    infos.forEach((info, i) => {
      if (!info) out.push(createAtaIdempotentInstruction(payer, atas[i] as PublicKey, owners[i] as PublicKey, mint));
    });
    return out;
  }
  async function jobData(ref: JobRef): Promise<GpunetAccount<Job>> {
    return fetchJob(connection, ref, fo);
  }
  async function providerOwnerOf(providerPda: PublicKey): Promise<PublicKey> {
    return (await fetchProvider(connection, { address: providerPda }, fo)).data.owner;
  }

  const instructions = {
    async initialize(
      i: Omit<ix.InitializeInput, "admin" | "slashAuthority"> & { readonly admin?: PublicKeyInput; readonly slashAuthority?: PublicKeyInput },
      o?: CallOptions,
    ) {
      const admin = actor(i.admin, o, "admin");
      return [ix.getInitializeInstruction({ ...i, admin, slashAuthority: i.slashAuthority ?? admin }, bo)];
    },
    async updateConfig(changes: ix.ConfigChanges, o?: CallOptions & { readonly admin?: PublicKeyInput }) {
      return [ix.getUpdateConfigInstruction({ admin: actor(o?.admin, o, "admin"), changes }, bo)];
    },
    async registerProvider(i: ix.ProviderHardware & { readonly owner?: PublicKeyInput }, o?: CallOptions) {
      return [ix.getRegisterProviderInstruction({ ...i, owner: actor(i.owner, o, "owner"), stakeMint: await stakeMint() }, bo)];
    },
    async updateProvider(i: ix.ProviderHardware & { readonly owner?: PublicKeyInput; readonly status: ProviderStatus }, o?: CallOptions) {
      return [ix.getUpdateProviderInstruction({ ...i, owner: actor(i.owner, o, "owner") }, bo)];
    },
    async stake(i: { readonly amount: IntegerInput; readonly owner?: PublicKeyInput }, o?: CallOptions) {
      return [ix.getStakeInstruction({ owner: actor(i.owner, o, "owner"), amount: i.amount, stakeMint: await stakeMint() }, bo)];
    },
    async requestUnstake(i: { readonly amount: IntegerInput; readonly owner?: PublicKeyInput }, o?: CallOptions) {
      return [ix.getRequestUnstakeInstruction({ owner: actor(i.owner, o, "owner"), amount: i.amount }, bo)];
    },
    async withdrawUnstaked(i: { readonly owner?: PublicKeyInput } = {}, o?: CallOptions) {
      const owner = actor(i.owner, o, "owner");
      return [...(await ensureAtas([owner], o)), ix.getWithdrawUnstakedInstruction({ owner, stakeMint: await stakeMint() }, bo)];
    },
    async fundRewards(i: { readonly amount: IntegerInput; readonly funder?: PublicKeyInput }, o?: CallOptions) {
      return [ix.getFundRewardsInstruction({ funder: actor(i.funder, o, "funder"), amount: i.amount, stakeMint: await stakeMint() }, bo)];
    },
    async claimRewards(i: { readonly owner?: PublicKeyInput } = {}, o?: CallOptions) {
      const owner = actor(i.owner, o, "owner");
      return [...(await ensureAtas([owner], o)), ix.getClaimRewardsInstruction({ owner, stakeMint: await stakeMint() }, bo)];
    },
    async slash(
      i: ix.ProviderInput & {
        readonly amount: IntegerInput;
        readonly reason: ix.SlashReason;
        readonly evidenceHash?: Hash32Input;
        readonly slashAuthority?: PublicKeyInput;
      },
      o?: CallOptions,
    ) {
      const cfg = await config();
      return [ix.getSlashInstruction({ ...i, slashAuthority: actor(i.slashAuthority, o, "slashAuthority"), treasury: cfg.treasury }, bo)];
    },
    async createJob(i: ix.CreateJobInput extends infer T ? Omit<T, "buyer"> & { readonly buyer?: PublicKeyInput } : never, o?: CallOptions) {
      return [ix.getCreateJobInstruction({ ...i, buyer: actor(i.buyer, o, "buyer"), stakeMint: await stakeMint() }, bo)];
    },
    async cancelJob(i: { readonly job: JobRef; readonly buyer?: PublicKeyInput }, o?: CallOptions) {
      const buyer = actor(i.buyer, o, "buyer");
      return [...(await ensureAtas([buyer], o)), ix.getCancelJobInstruction({ buyer, job: i.job, stakeMint: await stakeMint() }, bo)];
    },
    async acceptJob(i: { readonly job: JobRef; readonly owner?: PublicKeyInput }, o?: CallOptions) {
      return [ix.getAcceptJobInstruction({ owner: actor(i.owner, o, "owner"), job: i.job }, bo)];
    },
    async submitResult(i: { readonly job: JobRef; readonly resultHash: Hash32Input; readonly owner?: PublicKeyInput }, o?: CallOptions) {
      return [ix.getSubmitResultInstruction({ owner: actor(i.owner, o, "owner"), job: i.job, resultHash: i.resultHash }, bo)];
    },
    async completeJob(i: { readonly job: JobRef; readonly authority?: PublicKeyInput }, o?: CallOptions) {
      const job = await jobData(i.job);
      const owner = await providerOwnerOf(job.data.provider);
      const mint = await stakeMint();
      return [
        ...(await ensureAtas([owner], o)),
        ix.getCompleteJobInstruction(
          {
            authority: actor(i.authority, o, "authority"),
            job: { address: job.address },
            provider: job.data.provider,
            providerPayout: { owner, stakeMint: mint },
          },
          bo,
        ),
      ];
    },
    async disputeJob(i: { readonly job: JobRef; readonly reasonHash?: Hash32Input; readonly buyer?: PublicKeyInput }, o?: CallOptions) {
      return [ix.getDisputeJobInstruction({ buyer: actor(i.buyer, o, "buyer"), job: i.job, ...(i.reasonHash ? { reasonHash: i.reasonHash } : {}) }, bo)];
    },
    async resolveDispute(i: { readonly job: JobRef; readonly providerShareBps: IntegerInput; readonly admin?: PublicKeyInput }, o?: CallOptions) {
      const job = await jobData(i.job);
      const owner = await providerOwnerOf(job.data.provider);
      const mint = await stakeMint();
      return [
        ...(await ensureAtas([owner, job.data.buyer], o)),
        ix.getResolveDisputeInstruction(
          {
            admin: actor(i.admin, o, "admin"),
            job: { address: job.address },
            provider: job.data.provider,
            providerPayout: { owner, stakeMint: mint },
            buyerRefund: { owner: job.data.buyer, stakeMint: mint },
            providerShareBps: i.providerShareBps,
          },
          bo,
        ),
      ];
    },
    async expireJob(i: { readonly job: JobRef; readonly caller?: PublicKeyInput }, o?: CallOptions) {
      const job = await jobData(i.job);
      const mint = await stakeMint();
      return [
        ...(await ensureAtas([job.data.buyer], o)),
        ix.getExpireJobInstruction(
          {
            caller: actor(i.caller, o, "caller"),
            job: { address: job.address },
            provider: job.data.provider,
            buyerRefund: { owner: job.data.buyer, stakeMint: mint },
          },
          bo,
        ),
      ];
    },
    async closeJob(i: { readonly job: JobRef; readonly caller?: PublicKeyInput }, o?: CallOptions) {
      const job = await jobData(i.job);
      const cfg = await fetchConfig(connection, fo);
      return [
        ix.getCloseJobInstruction(
          { caller: actor(i.caller, o, "caller"), job: { address: job.address }, buyer: job.data.buyer, treasury: cfg.data.treasury },
          bo,
        ),
      ];
    },
  };

  type Builders = typeof instructions;
  type SendHelper<K extends keyof Builders> = (...args: Parameters<Builders[K]>) => Promise<SendResult>;
  function sender<K extends keyof Builders>(k: K): SendHelper<K> {
    return (async (...args: Parameters<Builders[K]>) => {
      const b = instructions[k] as (...a: Parameters<Builders[K]>) => Promise<TransactionInstruction[]>;
      const ixs = await b(...args);
      const o = args[1] as CallOptions | undefined;
      return sendInstructions(ctx, ixs, o ?? {});
    }) as SendHelper<K>;
  }

  const client = {
    programId,
    connection,
    wallet,
    commitment,
    /** Builders that fill defaults (the wallet as actor, the stake mint, ATAs) and return instructions. */
    instructions,

    initialize: sender("initialize"),
    updateConfig: sender("updateConfig"),
    registerProvider: sender("registerProvider"),
    updateProvider: sender("updateProvider"),
    stake: sender("stake"),
    requestUnstake: sender("requestUnstake"),
    withdrawUnstaked: sender("withdrawUnstaked"),
    fundRewards: sender("fundRewards"),
    claimRewards: sender("claimRewards"),
    slash: sender("slash"),
    createJob: sender("createJob"),
    cancelJob: sender("cancelJob"),
    acceptJob: sender("acceptJob"),
    submitResult: sender("submitResult"),
    completeJob: sender("completeJob"),
    disputeJob: sender("disputeJob"),
    resolveDispute: sender("resolveDispute"),
    expireJob: sender("expireJob"),
    closeJob: sender("closeJob"),

    /** Sends any instructions with the client's policy; returns `{ signature, events }`. */
    sendInstructions(ixs: readonly TransactionInstruction[], o?: CallOptions): Promise<SendResult> {
      return sendInstructions(ctx, ixs, o ?? {});
    },
    /** Signs once, without sending (for custom flows; send with `sendSigned`). */
    prepareAndSign(ixs: readonly TransactionInstruction[], o?: CallOptions): Promise<SignedTransaction> {
      return prepareAndSign(ctx, ixs, o ?? {});
    },
    /** Sends and confirms an already signed transaction (re-sending the same bytes). */
    sendSigned(signed: SignedTransaction, o?: CallOptions): Promise<SendResult> {
      return sendSignedAndConfirm(ctx, signed, o ?? {});
    },
    /** Simulates; program errors are thrown as named GpunetErrors. */
    simulate(ixs: readonly TransactionInstruction[], o?: CallOptions): Promise<SimulateResult> {
      return simulateInstructions(ctx, ixs, o ?? {});
    },

    fetchConfig: () => fetchConfig(connection, fo),
    fetchMaybeConfig: () => fetchMaybeConfig(connection, fo),
    /** A provider by `{ owner }` or `{ address }`; default the wallet's. */
    fetchProvider: (ref?: ProviderRef) => fetchProvider(connection, ref ?? { owner: actor(undefined, undefined, "owner") }, fo),
    fetchMaybeProvider: (ref?: ProviderRef) => fetchMaybeProvider(connection, ref ?? { owner: actor(undefined, undefined, "owner") }, fo),
    fetchJob: (ref: JobRef) => fetchJob(connection, ref, fo),
    fetchMaybeJob: (ref: JobRef) => fetchMaybeJob(connection, ref, fo),
    listJobs: (filter?: JobFilter) => listJobs(connection, filter ?? {}, fo),
    listProviders: (filter?: ProviderFilter) => listProviders(connection, filter ?? {}, fo),
    jobAddress: (ref: JobRef) => jobAddress(ref, programId),
    providerAddress: (owner?: PublicKeyInput) => findProviderPda(owner ?? actor(undefined, undefined, "owner"), programId)[0],

    /**
     * What `claim_rewards` would pay the provider now (0n when nothing), computed
     * with the program's exact math from the current accounts.
     */
    async claimable(ref?: ProviderRef): Promise<bigint> {
      const [cfg, prov, now] = await Promise.all([
        fetchConfig(connection, fo),
        fetchProvider(connection, ref ?? { owner: actor(undefined, undefined, "owner") }, fo),
        clockNow(connection, fo.commitment),
      ]);
      const v = claimableMath(prov.data, cfg.data, now);
      if (v === null) throw new GpunetError("MathOverflow", "the program would fail this claim with MathOverflow", {});
      return v;
    },

    /** Claims for many owners in as few transactions as size and compute allow. */
    claimAll(o: ClaimAllOptions = {}): Promise<ClaimAllResult> {
      return claimAllImpl({ ctx, connection, programId, commitment, wallet, stakeMint, ensureAtas }, o);
    },

    /** Subscribes to gpunet events (reconnecting, de-duplicated). */
    subscribeEvents(o: Omit<SubscribeEventsOptions, "programId">): EventSubscription {
      return subscribeImpl(connection, { ...o, programId, commitment: o.commitment ?? commitment });
    },

    /**
     * Checks the deployed program answers as this SDK expects: it exists and is
     * executable, rejects an unknown instruction with the IDL's InvalidInstruction,
     * and its Config (if initialized) has the IDL's size and account version.
     *
     * @throws {GpunetError} `IdlMismatch` naming the SDK's and the program's versions.
     */
    async verifyProgram(o: { readonly feePayer?: PublicKey } = {}): Promise<ProgramVerification> {
      const expected = `IDL ${GPUNET_IDL_VERSION} (account version ${GPUNET_ACCOUNT_VERSION}, Config ${ACCOUNT_SIZES.config} bytes)`;
      const prog = (await callRpc("getAccountInfo", () => connection.getAccountInfoAndContext(programId, commitment))).value;
      if (!prog || !prog.executable) {
        throw new GpunetError("IdlMismatch", `no executable program at ${programId.toBase58()}; the SDK expects gpunet ${expected}`, {
          expectedVersion: expected,
          actualVersion: "none",
        });
      }
      const payer = o.feePayer ?? wallet?.publicKey ?? undefined;
      // The probe needs a funded fee payer to simulate with; without one, only the accounts are compared.
      if (payer)
        try {
          // Eight zero bytes match no instruction discriminator of the IDL.
          const probe = new TransactionInstruction({ programId, keys: [], data: Buffer.alloc(8) });
          await simulateInstructions(ctx, [probe], { feePayer: payer });
          throw new GpunetError("IdlMismatch", `the program accepted an unknown instruction; the SDK expects gpunet ${expected}`, {
            expectedVersion: expected,
            actualVersion: "unknown",
          });
        } catch (e) {
          if (e instanceof GpunetError && e.code === "InvalidInstruction") {
            // the error table matches
          } else if (isGpunetError(e, "SimulationFailed") && transactionErrorName(e.context.transactionError) === "AccountNotFound") {
            // No funded payer to simulate with; the account checks below still run.
          } else if (e instanceof GpunetError && e.code === "IdlMismatch") {
            throw e;
          } else {
            const got =
              e instanceof GpunetError ? `${e.code}${e.context.programErrorNumber !== undefined ? ` (${e.context.programErrorNumber})` : ""}` : String(e);
            throw new GpunetError(
              "IdlMismatch",
              `the program answered an unknown instruction with ${got}, not InvalidInstruction (${GPUNET_ERROR_CODE.InvalidInstruction}); the SDK expects gpunet ${expected}`,
              { expectedVersion: expected, actualVersion: got },
              { cause: e },
            );
          }
        }
      const [cfgAddr] = findConfigPda(programId);
      const info = (await callRpc("getAccountInfo", () => connection.getAccountInfoAndContext(cfgAddr, commitment))).value;
      if (!info) return { idlVersion: GPUNET_IDL_VERSION, accountVersion: GPUNET_ACCOUNT_VERSION, configChecked: false };
      const data = new Uint8Array(info.data);
      const version = data[accountFieldOffset("config", "version")];
      if (data.length !== ACCOUNT_SIZES.config || version !== GPUNET_ACCOUNT_VERSION) {
        const actual = `Config account version ${version ?? "?"}, ${data.length} bytes`;
        throw new GpunetError("IdlMismatch", `gpunet program mismatch: the SDK expects ${expected}; the deployed program has ${actual}`, {
          expectedVersion: expected,
          actualVersion: actual,
        });
      }
      decodeConfig(data);
      return { idlVersion: GPUNET_IDL_VERSION, accountVersion: GPUNET_ACCOUNT_VERSION, configChecked: true };
    },
  };
  return client;
}

/** The client {@link createGpunetClient} returns. */
export type GpunetClient = ReturnType<typeof createGpunetClient>;
