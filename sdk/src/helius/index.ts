/**
 * `@gpunet/sdk/helius`: Helius' priority-fee estimate, Helius Sender and smart
 * transactions for the gpunet SDK, on helius-sdk (an optional peer dependency:
 * `npm install helius-sdk`). It imports helius-sdk's Kit-free parts only (the
 * `getPriorityFeeEstimate` method over the SDK's JSON-RPC caller, Sender's
 * endpoints, tip accounts and minimum tips) and neither `@solana/web3.js` nor
 * `@solana/kit`: the web3.js face takes its senders as `createGpunetClient({ send })`,
 * and a Kit app appends {@link heliusTipInstruction} (Kit's instruction shape) and
 * hands the signed bytes to a sender's `submit`.
 *
 * @example
 * ```ts
 * import { createGpunetClient } from "@gpunet/sdk";
 * import { heliusPriorityFee, heliusSender } from "@gpunet/sdk/helius";
 * const gpunet = createGpunetClient({
 *   connection,
 *   wallet,
 *   send: heliusSender({ priorityFee: heliusPriorityFee({ url: "https://mainnet.helius-rpc.com/?api-key=KEY" }) }),
 * });
 * const { signature } = await gpunet.stake({ amount: 1_000_000n });
 * ```
 */
import type { Address } from "@solana/kit";
import { makeGetPriorityFeeEstimate } from "helius-sdk/rpc/methods/getPriorityFeeEstimate";
import {
  MIN_TIP_LAMPORTS_MAX,
  MIN_TIP_LAMPORTS_SWQOS,
  SENDER_ENDPOINTS,
  SENDER_TIP_ACCOUNTS,
  senderFastUrl,
  senderPingUrl,
  type SenderRegion,
} from "helius-sdk/transactions/types";
import { addressText, checkU64, type BigIntInput } from "../core/values.ts";
import { GpunetError } from "../errors.ts";
import { createJsonRpcCall } from "../json-rpc.ts";
import type { RetryPolicy } from "../retry.ts";
import type { FetchLike } from "../retrying-fetch.ts";
import type { PortableInstruction, PriorityFeeEstimator, SubmitContext, TransactionSender } from "../send-path.ts";

export { MIN_TIP_LAMPORTS_MAX, MIN_TIP_LAMPORTS_SWQOS, SENDER_ENDPOINTS, SENDER_TIP_ACCOUNTS, senderFastUrl, senderPingUrl };
export type { SenderRegion };
export type { PortableInstruction, PriorityFeeEstimator, SubmitContext, TransactionSender } from "../send-path.ts";

/** Helius' priority levels (percentiles of recent fees: 0, 25, 50, 75, 95, 100). */
export type HeliusPriorityLevel = "Min" | "Low" | "Medium" | "High" | "VeryHigh" | "UnsafeMax";
const LEVELS: readonly HeliusPriorityLevel[] = ["Min", "Low", "Medium", "High", "VeryHigh", "UnsafeMax"];

/** Options of {@link heliusPriorityFee}. */
export interface HeliusPriorityFeeOptions {
  /** A Helius RPC URL (with its api-key), or any node answering `getPriorityFeeEstimate`. */
  readonly url: string;
  /** Default "Medium". */
  readonly priorityLevel?: HeliusPriorityLevel;
  /** Helius' recommended price (at least its floor) instead of a level. */
  readonly recommended?: boolean;
  /** A ceiling on the price, micro-lamports per CU. */
  readonly maxMicroLamports?: BigIntInput;
  /** One HTTP request per attempt (default global fetch); the retry policy below wraps it. */
  readonly fetch?: FetchLike;
  /** Retry policy of the estimate call (defaults: the SDK's). */
  readonly retry?: Partial<RetryPolicy>;
}

function checkUrl(v: unknown, field: string): string {
  let u: URL | null = null;
  try {
    u = typeof v === "string" ? new URL(v) : null;
  } catch {
    u = null;
  }
  if (u === null || (u.protocol !== "http:" && u.protocol !== "https:")) {
    throw new GpunetError("InvalidInput", `${field} must be an http(s) URL, got ${JSON.stringify(String(v)).slice(0, 80)}`, { field, value: String(v) });
  }
  return u.toString();
}

/**
 * Helius' `getPriorityFeeEstimate` as a priority-fee strategy, through
 * helius-sdk's own method (`makeGetPriorityFeeEstimate`) over the SDK's JSON-RPC
 * caller: the SDK's retry policy and typed errors. Helius answers a float; the
 * price is its ceiling in whole micro-lamports, capped by `maxMicroLamports`.
 *
 * @throws {GpunetError} `InvalidInput` for a bad URL or level (at once); `Transport` /
 * `RateLimited` when the estimate fails after the policy's attempts.
 * @example
 * ```ts
 * import { createGpunetClient } from "@gpunet/sdk";
 * import { heliusPriorityFee } from "@gpunet/sdk/helius";
 * const priorityFee = heliusPriorityFee({ url: "https://mainnet.helius-rpc.com/?api-key=KEY", priorityLevel: "High", maxMicroLamports: 2_000_000n });
 * const gpunet = createGpunetClient({ connection, wallet, priorityFee });
 * ```
 */
export function heliusPriorityFee(o: HeliusPriorityFeeOptions): PriorityFeeEstimator {
  const url = checkUrl(o.url, "url");
  if (o.priorityLevel !== undefined && !LEVELS.includes(o.priorityLevel)) {
    throw new GpunetError("InvalidInput", `priorityLevel must be one of ${LEVELS.join(", ")}, got ${String(o.priorityLevel)}`, {
      field: "priorityLevel",
      value: String(o.priorityLevel),
    });
  }
  const cap = o.maxMicroLamports === undefined ? undefined : checkU64(o.maxMicroLamports, "maxMicroLamports");
  const options = o.recommended === true ? { recommended: true } : { priorityLevel: o.priorityLevel ?? "Medium" };
  return {
    kind: "estimator",
    name: "helius",
    async estimate(req) {
      const call = createJsonRpcCall({
        url,
        ...(o.fetch ? { fetch: o.fetch } : {}),
        ...(o.retry ? { policy: o.retry } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
      });
      const res = await makeGetPriorityFeeEstimate(call)({ accountKeys: [...req.accountKeys], options });
      const est: unknown = res?.priorityFeeEstimate;
      if (typeof est !== "number" || !Number.isFinite(est) || est < 0) {
        throw new GpunetError("Transport", `getPriorityFeeEstimate returned no estimate: ${JSON.stringify(res ?? null).slice(0, 200)}`, {
          method: "getPriorityFeeEstimate",
          failure: { kind: "invalid-response" },
        });
      }
      // Helius returns a float; a CU price is a whole number of micro-lamports.
      const price = BigInt(Math.ceil(est));
      return cap !== undefined && price > cap ? cap : price;
    },
  };
}

const SYSTEM_PROGRAM = "11111111111111111111111111111111";

/** Options of {@link heliusTipInstruction}. */
export interface HeliusTipOptions {
  /** The payer of the tip (a signer of the transaction), base58. */
  readonly from: string;
  /** Default the tier's minimum: {@link MIN_TIP_LAMPORTS_MAX}, or {@link MIN_TIP_LAMPORTS_SWQOS} with `swqosOnly`. */
  readonly lamports?: BigIntInput;
  /** One of {@link SENDER_TIP_ACCOUNTS}; default one at random (spreads write locks). */
  readonly tipAccount?: string;
  /** SWQOS-only routing: the lower minimum tip. */
  readonly swqosOnly?: boolean;
}

function checkTip(lamports: BigIntInput | undefined, swqosOnly: boolean, field: string): bigint {
  const min = swqosOnly ? MIN_TIP_LAMPORTS_SWQOS : MIN_TIP_LAMPORTS_MAX;
  const v = lamports === undefined ? min : checkU64(lamports, field);
  if (v < min) {
    throw new GpunetError("InvalidInput", `${field} = ${v} lamports is below Sender's minimum tip of ${min}${swqosOnly ? " (SWQOS-only)" : ""}`, {
      field,
      value: v.toString(),
    });
  }
  return v;
}

function checkTipAccount(v: unknown, field: string): string {
  const a = addressText(v, field);
  if (!SENDER_TIP_ACCOUNTS.includes(a as (typeof SENDER_TIP_ACCOUNTS)[number])) {
    throw new GpunetError("InvalidInput", `${field} ${a} is not one of Helius Sender's tip accounts`, { field, value: a });
  }
  return a;
}

function tipInstruction(from: string, lamports: bigint, to: string): PortableInstruction {
  // System program Transfer: u32 tag 2, then the u64 lamports, little-endian.
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  view.setUint32(0, 2, true);
  view.setBigUint64(4, lamports, true);
  return {
    programAddress: SYSTEM_PROGRAM,
    accounts: [
      { address: from, role: 3 },
      { address: to, role: 1 },
    ],
    data,
  };
}

function randomTipAccount(): string {
  return SENDER_TIP_ACCOUNTS[Math.floor(Math.random() * SENDER_TIP_ACCOUNTS.length)] as string;
}

/**
 * The tip Sender requires: a System transfer from `from` to one of Helius'
 * Sender tip accounts, as a plain-data instruction in Kit's shape (append it
 * to a Kit message as is: its addresses are typed as Kit `Address`es; the web3.js
 * face converts it with `fromPortableInstruction`).
 *
 * @throws {GpunetError} `InvalidInput` for a tip below the minimum or a tip account not in the list; `InvalidPublicKey`.
 * @example
 * ```ts
 * import { heliusTipInstruction, MIN_TIP_LAMPORTS_MAX } from "@gpunet/sdk/helius";
 * const tip = heliusTipInstruction({ from: owner.toBase58(), lamports: MIN_TIP_LAMPORTS_MAX }); // a Kit app: its signer's address
 * // Kit: appendTransactionMessageInstructions([...gpunetIxs, tip], message)
 * ```
 */
export function heliusTipInstruction(o: HeliusTipOptions): PortableInstruction<Address> {
  const from = addressText(o.from, "from");
  const lamports = checkTip(o.lamports, o.swqosOnly === true, "lamports");
  // Base58 checked above: the addresses are Kit `Address`es (a type only; nothing of Kit is imported).
  return tipInstruction(
    from,
    lamports,
    o.tipAccount === undefined ? randomTipAccount() : checkTipAccount(o.tipAccount, "tipAccount"),
  ) as PortableInstruction<Address>;
}

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** `sendTransaction` of signed bytes to `url`, once (the send helpers' confirmation loop re-sends and retries). */
async function sendOnce(url: string, fetch: FetchLike | undefined, wire: Uint8Array, ctx: SubmitContext): Promise<void> {
  const call = createJsonRpcCall({ url, policy: { maxAttempts: 1 }, ...(fetch ? { fetch } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const sig = await call<unknown[], unknown>("sendTransaction", [base64(wire), { encoding: "base64", skipPreflight: true, maxRetries: 0 }]);
  if (typeof sig !== "string") {
    throw new GpunetError("Transport", `sendTransaction answered ${JSON.stringify(sig)?.slice(0, 100)}, not a signature`, {
      method: "sendTransaction",
      failure: { kind: "invalid-response" },
    });
  }
}

/** Options of {@link heliusSender}. */
export interface HeliusSenderOptions {
  /** Sender's `/fast` URL; default helius-sdk's `senderFastUrl(region)`. */
  readonly url?: string;
  /** Default "Default" (Sender's global HTTPS endpoint, for browsers too). */
  readonly region?: SenderRegion;
  /** SWQOS-only routing (`?swqos_only=true`): the lower minimum tip. */
  readonly swqosOnly?: boolean;
  /** Tip per transaction in lamports; default the tier's minimum ({@link MIN_TIP_LAMPORTS_MAX} or {@link MIN_TIP_LAMPORTS_SWQOS}). */
  readonly tipLamports?: BigIntInput;
  /** One of {@link SENDER_TIP_ACCOUNTS}; default one at random per transaction. */
  readonly tipAccount?: string;
  /** The price estimator, e.g. `heliusPriorityFee({ url })`; default the client's strategy. */
  readonly priorityFee?: PriorityFeeEstimator;
  /** Lowest price, micro-lamports per CU (default 1): Sender refuses a transaction without a compute-unit price. */
  readonly minPriorityFeeMicroLamports?: BigIntInput;
  /** One HTTP request per submission (default global fetch). */
  readonly fetch?: FetchLike;
}

/**
 * Helius Sender as the send path: every transaction gets Sender's tip (a transfer
 * to one of its tip accounts, last) and a compute-unit price of at least
 * `minPriorityFeeMicroLamports`, and is POSTed to Sender's `/fast` URL as
 * `sendTransaction` (base64, `skipPreflight: true`, `maxRetries: 0`); confirmation
 * runs over the client's connection. helius-sdk's own Sender call posts to its
 * fixed hosts with the global fetch and fetches the tip floor from Jito's host,
 * so this submission is the SDK's (the URL, fetch and tip are yours to set);
 * the endpoints, tip accounts and minimum tips are helius-sdk's.
 *
 * @throws {GpunetError} `InvalidInput` for a bad URL, region, tip or tip account (at once).
 * @example
 * ```ts
 * import { createGpunetClient } from "@gpunet/sdk";
 * import { heliusPriorityFee, heliusSender } from "@gpunet/sdk/helius";
 * const priorityFee = heliusPriorityFee({ url: "https://mainnet.helius-rpc.com/?api-key=KEY" });
 * const send = heliusSender({ region: "US_EAST", tipLamports: 2_000_000n, priorityFee });
 * const gpunet = createGpunetClient({ connection, wallet, send });
 * const { signature, priorityFeeMicroLamports } = await gpunet.claimRewards();
 * ```
 */
export function heliusSender(o: HeliusSenderOptions = {}): TransactionSender {
  if (o.region !== undefined && !Object.hasOwn(SENDER_ENDPOINTS, o.region)) {
    throw new GpunetError("InvalidInput", `region must be one of ${Object.keys(SENDER_ENDPOINTS).join(", ")}, got ${String(o.region)}`, {
      field: "region",
      value: String(o.region),
    });
  }
  const swqosOnly = o.swqosOnly === true;
  const base = new URL(checkUrl(o.url ?? senderFastUrl(o.region ?? "Default"), "url"));
  if (swqosOnly) base.searchParams.set("swqos_only", "true");
  const url = base.toString();
  const tip = checkTip(o.tipLamports, swqosOnly, "tipLamports");
  const tipAccount = o.tipAccount === undefined ? undefined : checkTipAccount(o.tipAccount, "tipAccount");
  const floor = o.minPriorityFeeMicroLamports === undefined ? 1n : checkU64(o.minPriorityFeeMicroLamports, "minPriorityFeeMicroLamports");
  if (floor === 0n) {
    throw new GpunetError("InvalidInput", "minPriorityFeeMicroLamports must be at least 1: Sender refuses a transaction without a compute-unit price", {
      field: "minPriorityFeeMicroLamports",
      value: "0",
    });
  }
  return {
    name: "helius-sender",
    ...(o.priorityFee ? { priorityFee: o.priorityFee } : {}),
    minPriorityFeeMicroLamports: floor,
    instructions: (feePayer) => [tipInstruction(feePayer, tip, tipAccount ?? randomTipAccount())],
    submit: (wire, ctx) => sendOnce(url, o.fetch, wire, ctx),
  };
}

/** Options of {@link heliusSmartTransaction}. */
export interface HeliusSmartTransactionOptions {
  /** A Helius RPC URL (with its api-key): the fee estimate and the submission go here. */
  readonly url: string;
  /** A level instead of Helius' recommended price. */
  readonly priorityLevel?: HeliusPriorityLevel;
  /** A ceiling on the price, micro-lamports per CU. */
  readonly maxMicroLamports?: BigIntInput;
  readonly fetch?: FetchLike;
  /** Retry policy of the estimate call (submissions are retried by the confirmation loop only). */
  readonly retry?: Partial<RetryPolicy>;
}

/**
 * Helius' smart transactions as the send path: the send helpers simulate for the
 * compute units (plus their margin), price them with Helius' recommended
 * `getPriorityFeeEstimate` (or `priorityLevel`) through helius-sdk's method, prepend
 * the compute-budget instructions, sign once, send to `url` with
 * `skipPreflight: true` and `maxRetries: 0`, and poll the connection until
 * confirmed, re-sending the same bytes. These steps are the SDK's, not helius-sdk's
 * `createSmartTransaction` / `sendSmartTransaction`: those build Kit messages with
 * Kit signers and size compute units with Kit 6's `estimateComputeUnitLimitFactory`,
 * which Kit 8 (this SDK's Kit) no longer has. A Kit app prices its message with
 * {@link heliusPriorityFee}'s `estimate` and submits the signed bytes with a
 * sender's `submit`.
 *
 * @throws {GpunetError} `InvalidInput` for a bad URL or level (at once).
 * @example
 * ```ts
 * import { createGpunetClient } from "@gpunet/sdk";
 * import { heliusSmartTransaction } from "@gpunet/sdk/helius";
 * const gpunet = createGpunetClient({ connection, wallet, send: heliusSmartTransaction({ url: "https://mainnet.helius-rpc.com/?api-key=KEY" }) });
 * const { signature, computeUnitLimit } = await gpunet.stake({ amount: 1_000_000n });
 * ```
 */
export function heliusSmartTransaction(o: HeliusSmartTransactionOptions): TransactionSender {
  const url = checkUrl(o.url, "url");
  const priorityFee = heliusPriorityFee({
    url,
    ...(o.priorityLevel === undefined ? { recommended: true } : { priorityLevel: o.priorityLevel }),
    ...(o.maxMicroLamports !== undefined ? { maxMicroLamports: o.maxMicroLamports } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
  });
  return { name: "helius-smart-transaction", priorityFee, submit: (wire, ctx) => sendOnce(url, o.fetch, wire, ctx) };
}
