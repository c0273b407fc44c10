/**
 * The HTTP JSON-RPC methods: each takes the raw params and returns the
 * result object (bigints are serialized as integer literals) or throws an
 * RpcError. Shapes follow the Agave RPC and what @solana/web3.js v1's
 * validators and @solana/kit accept.
 */
import { accountJson, parseAccountEncoding, parseDataSlice, parseFilters, matchesFilters, type AccountEncoding, type DataSlice } from "./account-encoding.ts";
import type { AccountState } from "./account-changes.ts";
import type { Commitment } from "./clock.ts";
import { invalidParams, isLocalnetError, RPC_ERROR, RpcError } from "./errors.ts";
import { createHeliusMethods } from "./helius-methods.ts";
import type { LocalnetNode, SimulateOutcome } from "./node.ts";
import {
  atLeastConfirmed,
  checkMinContextSlot,
  commitmentParam,
  configAt,
  decodeBinaryParam,
  i64Param,
  paramsArray,
  pubkeyParam,
  signatureParam,
  u64Param,
} from "./params.ts";
import { readMintDecimals, readTokenAccount, TOKEN_2022_PROGRAM, TOKEN_PROGRAM, uiTokenAmount } from "./token-accounts.ts";
import { transactionErrorText, type TransactionErrorJson } from "./transaction-error.ts";
import { metaJson, parseTransactionEncoding, transactionBodyJson, transactionWithMetaJson } from "./transaction-json.ts";
import { computeFee, memoOf, parseWireTransaction, transactionId, type WireTransaction } from "./transaction-wire.ts";

/** The version this node reports; LiteSVM 1.5 embeds the Agave 3.0 runtime. */
export const SOLANA_CORE_VERSION = "3.0.0";
/** A stable feature-set id for getVersion (a cluster reports a hash of its features). */
export const FEATURE_SET = 3_294_202_862;

/** Agave's packet limit for one transaction, and its base64/base58 encoded sizes. */
const PACKET_DATA_SIZE = 1232;
const MAX_BASE58_SIZE = 1683;
const MAX_BASE64_SIZE = 1644;

/** One JSON-RPC method. */
export type RpcMethod = (params: unknown) => unknown;

/** Facts about the running servers that some methods report. */
export interface MethodContext {
  readonly node: LocalnetNode;
  readonly rpcAddress: () => string;
  readonly identity: string;
}

function ctx(slot: bigint): { slot: bigint; apiVersion: string } {
  return { slot, apiVersion: SOLANA_CORE_VERSION };
}

function decodeTransactionParam(v: unknown, encoding: unknown): WireTransaction {
  const enc = encoding ?? "base58";
  if (typeof v === "string") {
    const max = enc === "base64" ? MAX_BASE64_SIZE : MAX_BASE58_SIZE;
    if (v.length > max) {
      throw invalidParams(
        `${String(enc)} encoded solana_transaction::versioned::VersionedTransaction too large: ${v.length} bytes (max: encoded/raw ${max}/${PACKET_DATA_SIZE})`,
      );
    }
  }
  const bytes = decodeBinaryParam(v, enc, "transaction");
  if (bytes.length > PACKET_DATA_SIZE) {
    throw invalidParams(`decoded solana_transaction::versioned::VersionedTransaction too large: ${bytes.length} bytes (max: ${PACKET_DATA_SIZE} bytes)`);
  }
  return parseWireTransaction(bytes);
}

function simulationValue(
  node: LocalnetNode,
  tx: WireTransaction,
  out: SimulateOutcome,
  config: Record<string, unknown>,
  commitment: Commitment,
): Record<string, unknown> {
  let accounts: unknown = null;
  const accCfg = config.accounts;
  if (accCfg !== undefined && accCfg !== null) {
    const c = accCfg as Record<string, unknown>;
    if (!Array.isArray(c.addresses)) throw invalidParams("Invalid params: accounts.addresses must be an array");
    const enc = parseAccountEncoding(c.encoding, "base64");
    if (enc === "binary" || enc === "base58") throw invalidParams("Invalid params: base58 encoding not supported for simulation accounts");
    accounts = c.addresses.map((a: unknown) => {
      const k = pubkeyParam(a);
      const st = out.postAccounts.has(k) ? (out.postAccounts.get(k) ?? null) : node.accountAt(k, commitment);
      return st ? accountJson(st, enc) : null;
    });
  }
  const keys = out.accountKeys;
  return {
    err: out.err,
    logs: out.logs,
    accounts,
    unitsConsumed: out.unitsConsumed,
    returnData: out.returnData ? { programId: out.returnData.programId, data: [out.returnData.data, "base64"] } : null,
    innerInstructions:
      config.innerInstructions === true
        ? out.innerInstructions.map((g) => ({
            index: g.index,
            instructions: g.instructions.map((ix) => ({
              programId: keys[ix.programIdIndex],
              accounts: ix.accounts.map((a) => keys[a]),
              data: ix.data,
              stackHeight: ix.stackHeight,
            })),
          }))
        : null,
    replacementBlockhash: null,
    fee: out.err === "BlockhashNotFound" ? null : computeFee(tx),
  };
}

function statusOf(node: LocalnetNode, r: { readonly slot: bigint; readonly err: TransactionErrorJson | null }): Record<string, unknown> {
  const confirmationStatus = confirmationStatusOf(node, r.slot);
  return {
    slot: r.slot,
    confirmations: confirmationStatus === "finalized" ? null : node.clock.slot - r.slot,
    err: r.err,
    status: r.err === null ? { Ok: null } : { Err: r.err },
    confirmationStatus,
  };
}

/** Runs a time-travel call; the node's INVALID_ARGUMENT refusal (which changed nothing) becomes Invalid params. */
function refusedAsInvalidParams(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (isLocalnetError(e, "INVALID_ARGUMENT")) throw invalidParams(`Invalid params: ${e.message}`);
    throw e;
  }
}

/** The commitment level a slot has reached. */
export function confirmationStatusOf(node: LocalnetNode, slot: bigint): Commitment {
  if (slot <= node.clock.commitmentSlot("finalized")) return "finalized";
  if (slot <= node.clock.commitmentSlot("confirmed")) return "confirmed";
  return "processed";
}

/**
 * Builds the method table.
 *
 * @example
 * ```ts
 * import { Keypair } from '@solana/web3.js';
 * import { createMethods } from './methods.ts';
 * import { createNode } from './node.ts';
 * const node = createNode({ slotMs: 400, finalizedDepth: 32n });
 * const methods = createMethods({ node, rpcAddress: () => '127.0.0.1:8899', identity: Keypair.generate().publicKey.toBase58() });
 * methods.getSlot?.([]); // 0n
 * ```
 */
export function createMethods(mc: MethodContext): Record<string, RpcMethod> {
  const { node } = mc;
  const clock = node.clock;

  /** Commitment slot for a request, after minContextSlot. */
  const served = (config: Record<string, unknown>, fallback: Commitment = "finalized"): { commitment: Commitment; slot: bigint } => {
    const commitment = commitmentParam(config.commitment, fallback);
    const slot = clock.commitmentSlot(commitment);
    checkMinContextSlot(config, slot);
    return { commitment, slot };
  };

  /** accountJson with mint lookups at the request's commitment (for jsonParsed token accounts). */
  const aj = (st: AccountState, enc: AccountEncoding, slice: DataSlice | undefined, commitment: Commitment): Record<string, unknown> =>
    accountJson(st, enc, slice, (mint) => readMintDecimals(node.accountAt(mint, commitment)));

  const m: Record<string, RpcMethod> = {
    getHealth: () => "ok",
    getVersion: () => ({ "solana-core": SOLANA_CORE_VERSION, "feature-set": FEATURE_SET }),
    getGenesisHash: () => node.genesisHash,
    getIdentity: () => ({ identity: mc.identity }),
    getFirstAvailableBlock: () => 0n,
    minimumLedgerSlot: () => 0n,
    getClusterNodes: () => [
      {
        pubkey: mc.identity,
        gossip: null,
        tpu: null,
        tpuQuic: null,
        rpc: mc.rpcAddress(),
        pubsub: null,
        version: SOLANA_CORE_VERSION,
        featureSet: FEATURE_SET,
        shredVersion: 0,
      },
    ],
    getSlotLeader: () => mc.identity,

    getSlot: (p) => served(configAt(paramsArray(p), 0)).slot,
    getBlockHeight: (p) => served(configAt(paramsArray(p), 0)).slot,
    getTransactionCount: () => node.transactionCount,
    getEpochInfo: (p) => {
      const { slot } = served(configAt(paramsArray(p), 0));
      const e = clock.epochOf(slot);
      return {
        absoluteSlot: slot,
        blockHeight: slot,
        epoch: e.epoch,
        slotIndex: e.slotIndex,
        slotsInEpoch: e.slotsInEpoch,
        transactionCount: node.transactionCount,
      };
    },
    getEpochSchedule: () => {
      const es = node.svm.getEpochSchedule();
      return {
        slotsPerEpoch: es.slotsPerEpoch,
        leaderScheduleSlotOffset: es.leaderScheduleSlotOffset,
        warmup: es.warmup,
        firstNormalEpoch: es.firstNormalEpoch,
        firstNormalSlot: es.firstNormalSlot,
      };
    },
    getBlockTime: (p) => {
      const params = paramsArray(p);
      const slot = u64Param(params[0], "slot");
      const t = slot <= clock.commitmentSlot("confirmed") ? clock.blockTimeOf(slot) : null;
      if (t === null) throw new RpcError(RPC_ERROR.BLOCK_NOT_AVAILABLE, `Block not available for slot ${slot}`);
      return t;
    },

    getLatestBlockhash: (p) => {
      const { slot } = served(configAt(paramsArray(p), 0));
      return { context: ctx(slot), value: clock.latestBlockhash(slot) };
    },
    isBlockhashValid: (p) => {
      const params = paramsArray(p);
      if (typeof params[0] !== "string") throw invalidParams("Invalid params: blockhash must be a base58 string");
      pubkeyParam(params[0]);
      const { slot } = served(configAt(params, 1));
      return { context: ctx(slot), value: clock.isBlockhashValid(params[0], slot) };
    },

    getAccountInfo: (p) => {
      const params = paramsArray(p);
      const key = pubkeyParam(params[0]);
      const config = configAt(params, 1);
      const { commitment, slot } = served(config);
      const enc = parseAccountEncoding(config.encoding, "binary");
      const slice = parseDataSlice(config.dataSlice);
      const st = node.accountAt(key, commitment);
      return { context: ctx(slot), value: st ? aj(st, enc, slice, commitment) : null };
    },
    getMultipleAccounts: (p) => {
      const params = paramsArray(p);
      if (!Array.isArray(params[0])) throw invalidParams("Invalid params: expected an array of public keys");
      if (params[0].length > 100) throw invalidParams("Too many inputs provided; max 100");
      const keys = params[0].map(pubkeyParam);
      const config = configAt(params, 1);
      const { commitment, slot } = served(config);
      const enc = parseAccountEncoding(config.encoding, "binary");
      const slice = parseDataSlice(config.dataSlice);
      return {
        context: ctx(slot),
        value: keys.map((k) => {
          const st = node.accountAt(k, commitment);
          return st ? aj(st, enc, slice, commitment) : null;
        }),
      };
    },
    getProgramAccounts: (p) => {
      const params = paramsArray(p);
      const program = pubkeyParam(params[0]);
      const config = configAt(params, 1);
      const { commitment, slot } = served(config);
      const enc = parseAccountEncoding(config.encoding, "binary");
      const slice = parseDataSlice(config.dataSlice);
      const filters = parseFilters(config.filters);
      const list = node
        .programAccountsAt(program, commitment)
        .filter((a) => matchesFilters(a.account, filters))
        .map((a) => ({ pubkey: a.pubkey, account: aj(a.account, enc, slice, commitment) }));
      return config.withContext === true ? { context: ctx(slot), value: list } : list;
    },
    getBalance: (p) => {
      const params = paramsArray(p);
      const key = pubkeyParam(params[0]);
      const { commitment, slot } = served(configAt(params, 1));
      return { context: ctx(slot), value: node.accountAt(key, commitment)?.lamports ?? 0n };
    },
    getTokenAccountBalance: (p) => {
      const params = paramsArray(p);
      const key = pubkeyParam(params[0]);
      const { commitment, slot } = served(configAt(params, 1));
      const ta = readTokenAccount(node.accountAt(key, commitment));
      if (!ta) throw invalidParams("Invalid param: not a Token account");
      const decimals = readMintDecimals(node.accountAt(ta.mint, commitment));
      if (decimals === null) throw invalidParams("Invalid param: Token mint could not be unpacked");
      return { context: ctx(slot), value: uiTokenAmount(ta.amount, decimals) };
    },
    getTokenSupply: (p) => {
      const params = paramsArray(p);
      const key = pubkeyParam(params[0]);
      const { commitment, slot } = served(configAt(params, 1));
      const st = node.accountAt(key, commitment);
      const decimals = readMintDecimals(st);
      if (!st || decimals === null) throw invalidParams("Invalid param: not a Token mint");
      const supply = new DataView(st.data.buffer, st.data.byteOffset, st.data.byteLength).getBigUint64(36, true);
      return { context: ctx(slot), value: uiTokenAmount(supply, decimals) };
    },
    getTokenAccountsByOwner: (p) => {
      const params = paramsArray(p);
      const owner = pubkeyParam(params[0]);
      const filter = (params[1] ?? {}) as Record<string, unknown>;
      const mint = filter.mint !== undefined ? pubkeyParam(filter.mint) : undefined;
      const programId = filter.programId !== undefined ? pubkeyParam(filter.programId) : undefined;
      if (mint === undefined && programId === undefined) throw invalidParams("Invalid params: expected { mint } or { programId }");
      if (programId !== undefined && programId !== TOKEN_PROGRAM && programId !== TOKEN_2022_PROGRAM) {
        throw invalidParams(`Invalid param: unrecognized Token program id`);
      }
      const config = configAt(params, 2);
      const { commitment, slot } = served(config);
      const enc = parseAccountEncoding(config.encoding, "binary");
      const slice = parseDataSlice(config.dataSlice);
      const programs = programId ? [programId] : [TOKEN_PROGRAM, TOKEN_2022_PROGRAM];
      const value = programs.flatMap((prog) =>
        node
          .programAccountsAt(prog, commitment)
          .filter((a) => {
            const ta = readTokenAccount(a.account);
            return ta !== null && ta.owner === owner && (mint === undefined || ta.mint === mint);
          })
          .map((a) => ({ pubkey: a.pubkey, account: aj(a.account, enc, slice, commitment) })),
      );
      return { context: ctx(slot), value };
    },
    getMinimumBalanceForRentExemption: (p) => {
      const params = paramsArray(p);
      const len = u64Param(params[0] ?? 0, "dataLength");
      return node.svm.minimumBalanceForRentExemption(len);
    },
    getFeeForMessage: (p) => {
      const params = paramsArray(p);
      const bytes = decodeBinaryParam(params[0], "base64", "message");
      const { slot } = served(configAt(params, 1));
      // A message is a transaction without its signature section: prefix a zero count.
      let tx: WireTransaction;
      try {
        tx = parseWireTransaction(new Uint8Array([0, ...bytes]));
      } catch {
        // Sanitization wants the signatures; re-parse with placeholder signatures.
        const n = bytes[0] !== undefined && (bytes[0] & 0x80) !== 0 ? (bytes[1] ?? 0) : (bytes[0] ?? 0);
        tx = parseWireTransaction(new Uint8Array([n, ...new Uint8Array(64 * n), ...bytes]));
      }
      const valid = clock.isBlockhashValid(tx.recentBlockhash, slot) || node.hasValidNonce(tx);
      return { context: ctx(slot), value: valid ? computeFee(tx) : null };
    },
    getRecentPrioritizationFees: (p) => {
      const params = paramsArray(p);
      const raw = params[0] ?? [];
      if (!Array.isArray(raw)) throw invalidParams("Invalid params: expected an array of account addresses");
      if (raw.length > 128) throw invalidParams("Too many inputs provided; max 128");
      return node.recentPrioritizationFees(raw.map(pubkeyParam));
    },

    sendTransaction: (p) => {
      const params = paramsArray(p);
      const config = configAt(params, 1);
      const tx = decodeTransactionParam(params[0], config.encoding);
      const preflight = commitmentParam(config.preflightCommitment, "finalized");
      checkMinContextSlot(config, clock.commitmentSlot(preflight));
      if (config.skipPreflight !== true) {
        // Preflight runs against the bank at preflightCommitment (default finalized), as on a cluster.
        const sim = node.simulate(tx, { sigVerify: true, skipBlockhashCheck: false, commitment: preflight });
        if (sim.err === "SignatureFailure") {
          throw new RpcError(RPC_ERROR.TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure");
        }
        if (sim.err !== null) {
          throw new RpcError(RPC_ERROR.SEND_TRANSACTION_PREFLIGHT_FAILURE, `Transaction simulation failed: ${transactionErrorText(sim.err)}`, {
            accounts: null,
            err: sim.err,
            innerInstructions: null,
            loadedAccountsDataSize: 0,
            logs: sim.logs,
            replacementBlockhash: null,
            returnData: null,
            unitsConsumed: sim.unitsConsumed,
          });
        }
      }
      const out = node.execute(tx);
      // A transaction that does not land still has its id returned, as a
      // cluster accepts it and drops it later; its status stays null.
      return out.landed ? out.record.signature : transactionId(tx);
    },
    simulateTransaction: (p) => {
      const params = paramsArray(p);
      const config = configAt(params, 1);
      const tx = decodeTransactionParam(params[0], config.encoding);
      const sigVerify = config.sigVerify === true;
      const replace = config.replaceRecentBlockhash === true;
      if (sigVerify && replace) throw invalidParams("sigVerify may not be used with replaceRecentBlockhash");
      const { commitment, slot } = served(config);
      const out = node.simulate(tx, { sigVerify, skipBlockhashCheck: replace, commitment });
      // With sigVerify a bad signature is an RPC error, as Agave verifies before simulating.
      if (sigVerify && out.err === "SignatureFailure") {
        throw new RpcError(RPC_ERROR.TRANSACTION_SIGNATURE_VERIFICATION_FAILURE, "Transaction signature verification failure");
      }
      const value = simulationValue(node, tx, out, config, commitment);
      if (replace) value.replacementBlockhash = clock.latestBlockhash(slot);
      return { context: ctx(slot), value };
    },
    requestAirdrop: (p) => {
      const params = paramsArray(p);
      const key = pubkeyParam(params[0]);
      const lamports = u64Param(params[1], "lamports");
      try {
        return node.airdrop(key, lamports).signature;
      } catch (e) {
        if (isLocalnetError(e, "INVALID_ARGUMENT")) throw invalidParams(`Invalid params: ${e.message}`);
        if (isLocalnetError(e)) throw new RpcError(RPC_ERROR.INTERNAL_ERROR, e.message, e.context.err === undefined ? undefined : { err: e.context.err });
        throw e;
      }
    },

    getSignatureStatuses: (p) => {
      const params = paramsArray(p);
      if (!Array.isArray(params[0])) throw invalidParams("Invalid params: expected an array of signatures");
      if (params[0].length > 256) throw invalidParams("Too many inputs provided; max 256");
      const sigs = params[0].map(signatureParam);
      return {
        context: ctx(clock.slot),
        value: sigs.map((s) => {
          const r = node.history.status(s);
          return r ? statusOf(node, r) : null;
        }),
      };
    },
    getTransaction: (p) => {
      const params = paramsArray(p);
      const sig = signatureParam(params[0]);
      // The second param may be a bare encoding string (legacy form).
      const config = typeof params[1] === "string" ? { encoding: params[1] } : configAt(params, 1);
      const commitment = atLeastConfirmed(config.commitment);
      const encoding = parseTransactionEncoding(config.encoding);
      const at = clock.commitmentSlot(commitment);
      const r = node.history.get(sig);
      if (!r || r.slot > at) return null;
      return { slot: r.slot, blockTime: r.blockTime, ...transactionWithMetaJson(r, encoding, config.maxSupportedTransactionVersion) };
    },
    getSignaturesForAddress: (p) => {
      const params = paramsArray(p);
      const addr = pubkeyParam(params[0]);
      const config = configAt(params, 1);
      const commitment = atLeastConfirmed(config.commitment);
      const at = clock.commitmentSlot(commitment);
      checkMinContextSlot(config, at);
      const limit = config.limit === undefined || config.limit === null ? 1000 : Number(u64Param(config.limit, "limit"));
      if (limit < 1 || limit > 1000) throw invalidParams("Invalid limit; max 1000");
      const before = config.before === undefined || config.before === null ? undefined : signatureParam(config.before);
      const until = config.until === undefined || config.until === null ? undefined : signatureParam(config.until);
      const { history } = node;
      const list = history.positionsOf(addr);
      let i = list.length - 1;
      if (before !== undefined) {
        const n = history.indexOf(before);
        const b = n < 0 ? -1 : list.lastIndexOf(n);
        if (b < 0) return [];
        i = b - 1;
      }
      const stop = until === undefined ? -1 : history.indexOf(until);
      const out: Record<string, unknown>[] = [];
      for (; i >= 0 && out.length < limit; i--) {
        const n = list[i] as number;
        if (n === stop) break;
        if (history.slotAt(n) > at) continue;
        const r = history.at(n);
        out.push({
          signature: r.signature,
          slot: r.slot,
          err: r.meta.err,
          memo: memoOf(parseWireTransaction(r.wire)),
          blockTime: r.blockTime,
          confirmationStatus: confirmationStatusOf(node, r.slot),
        });
      }
      return out;
    },
    getBlock: (p) => {
      const params = paramsArray(p);
      const slot = u64Param(params[0], "slot");
      const config = typeof params[1] === "string" ? { encoding: params[1] } : configAt(params, 1);
      const commitment = atLeastConfirmed(config.commitment);
      const encoding = parseTransactionEncoding(config.encoding);
      const details = config.transactionDetails ?? "full";
      if (details !== "full" && details !== "signatures" && details !== "none" && details !== "accounts") {
        throw invalidParams(`Invalid params: unknown transactionDetails ${String(details)}`);
      }
      if (slot > clock.commitmentSlot(commitment)) throw new RpcError(RPC_ERROR.BLOCK_NOT_AVAILABLE, `Block not available for slot ${slot}`);
      const txs = node.history.inSlot(slot);
      const first = txs[0];
      const blockhash = first?.blockhash ?? clock.blockhashOf(slot);
      if (!blockhash) throw new RpcError(RPC_ERROR.LONG_TERM_STORAGE_SLOT_SKIPPED, `Slot ${slot} was skipped, or missing in long-term storage`);
      const previousBlockhash = first?.previousBlockhash ?? clock.blockhashOf(slot - 1n) ?? blockhash;
      const block: Record<string, unknown> = {
        blockhash,
        previousBlockhash,
        parentSlot: slot > 0n ? slot - 1n : 0n,
        blockHeight: slot,
        blockTime: first?.blockTime ?? clock.blockTimeOf(slot),
      };
      if (details === "full") block.transactions = txs.map((r) => transactionWithMetaJson(r, encoding, config.maxSupportedTransactionVersion));
      else if (details === "signatures") block.signatures = txs.map((r) => r.signature);
      else if (details === "accounts") {
        block.transactions = txs.map((r) => {
          const body = transactionBodyJson(r, "jsonParsed") as { signatures: string[]; message: { accountKeys: unknown[] } };
          return { transaction: { signatures: body.signatures, accountKeys: body.message.accountKeys }, meta: metaJson(r, true) };
        });
      }
      if (config.rewards !== false) block.rewards = [];
      return block;
    },

    gpunet_advanceSlots: (p) => {
      const params = paramsArray(p);
      const a = params[0];
      const n = u64Param(typeof a === "object" && a !== null ? (a as Record<string, unknown>).slots : a, "slots");
      refusedAsInvalidParams(() => node.advanceSlots(n));
      return { slot: clock.slot, unixTimestamp: clock.timeMs / 1000n };
    },
    gpunet_advanceClock: (p) => {
      const params = paramsArray(p);
      const a = params[0];
      const s = i64Param(typeof a === "object" && a !== null ? (a as Record<string, unknown>).seconds : a, "seconds");
      if (s < 0n) throw invalidParams("Invalid params: seconds must be >= 0 (use gpunet_setClock to go back)");
      refusedAsInvalidParams(() => node.advanceClockMs(s * 1000n));
      return { slot: clock.slot, unixTimestamp: clock.timeMs / 1000n };
    },
    gpunet_setClock: (p) => {
      const params = paramsArray(p);
      const a = configAt(params, 0);
      const unixTimestamp = a.unixTimestamp === undefined ? undefined : i64Param(a.unixTimestamp, "unixTimestamp");
      const slot = a.slot === undefined ? undefined : u64Param(a.slot, "slot");
      if (slot !== undefined && slot < clock.slot) throw invalidParams(`Invalid params: slot ${slot} is behind the current slot ${clock.slot}`);
      refusedAsInvalidParams(() => node.setClock({ ...(unixTimestamp !== undefined ? { unixTimestamp } : {}), ...(slot !== undefined ? { slot } : {}) }));
      return { slot: clock.slot, unixTimestamp: clock.timeMs / 1000n };
    },
  };
  return { ...m, ...createHeliusMethods(mc) };
}

/** Shape of a preflight failure's data, for clients reading `error.data`. */
export type PreflightErrorData = { err: TransactionErrorJson; logs: readonly string[]; unitsConsumed: bigint };
