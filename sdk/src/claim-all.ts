/**
 * `claimAll`: claims rewards for many providers in as few transactions as the size
 * (1232 bytes) and compute limits allow. Each claim needs its owner's signature, so
 * it claims for the wallet's own provider and for every owner keypair a bot passes
 * as `signers`. Retries are idempotent: before re-building a batch, a batch whose
 * signature landed is counted as done, and amounts are recomputed from fresh
 * accounts, so no claim is sent twice; NothingToClaim is a skip, not an error.
 */
import { PublicKey, SYSVAR_CLOCK_PUBKEY } from "@solana/web3.js";
import type { Commitment, Signer, TransactionInstruction } from "@solana/web3.js";
import { GpunetError, transactionErrorName } from "./errors.ts";
import { decodeConfig, decodeProvider, type Provider } from "./accounts.ts";
import { getClaimRewardsInstruction } from "./instructions.ts";
import { toPublicKey, type PublicKeyInput } from "./inputs.ts";
import { findConfigPda, findProviderPda } from "./pdas.ts";
import { claimable } from "./rewards.ts";
import {
  MAX_COMPUTE_UNITS,
  MAX_TRANSACTION_SIZE,
  prepareAndSign,
  senderInstructions,
  sendSignedAndConfirm,
  transactionSize,
  type SendContext,
  type WalletAdapterLike,
} from "./send.ts";
import type { GpunetClientConnectionForClaims } from "./claim-types.ts";
import { callRpc } from "./rpc.ts";

/** Options of `client.claimAll`. */
export interface ClaimAllOptions {
  /** Owner keypairs to claim for (each signs its own claim). */
  readonly signers?: readonly Signer[];
  /**
   * Restrict to these owners (each must be the wallet or one of `signers`).
   * Default: the wallet (if it has a provider) and every signer.
   */
  readonly owners?: readonly PublicKeyInput[];
  /** Restrict to these Provider accounts (their owners must be signable, as for `owners`). */
  readonly providers?: readonly PublicKeyInput[];
  /** Plan only: compute the amounts and the batches, send nothing. */
  readonly dryRun?: boolean;
  /** Claims below this amount are skipped (default 1: anything claimable). */
  readonly minAmount?: bigint;
  /** Attempts per batch on transient failures (default 3). */
  readonly maxAttempts?: number;
  readonly signal?: AbortSignal;
}

/** One claim in a plan or a result. */
export interface ClaimEntry {
  readonly owner: PublicKey;
  readonly provider: PublicKey;
  /** Claimable when planned; the paid amount (from the RewardsClaimed event) when landed. */
  readonly amount: bigint;
}

/** Result of `claimAll`. */
export interface ClaimAllResult {
  /** Claims that landed (or, for dryRun, that would be sent), by transaction. */
  readonly batches: readonly { readonly signature: string | null; readonly claims: readonly ClaimEntry[] }[];
  readonly claimed: readonly ClaimEntry[];
  /** Owners with nothing to claim or no provider. */
  readonly skipped: readonly { readonly owner: PublicKey; readonly reason: "nothingToClaim" | "noProvider" | "belowMinimum" }[];
  /** Batches that failed for good. */
  readonly failed: readonly { readonly owners: readonly PublicKey[]; readonly error: GpunetError }[];
  /** Sum of `claimed` amounts. */
  readonly total: bigint;
}

/** What claimAll needs from the client. */
export interface ClaimAllDeps {
  readonly ctx: SendContext;
  readonly connection: GpunetClientConnectionForClaims;
  readonly programId: PublicKey;
  readonly commitment: Commitment;
  readonly wallet: WalletAdapterLike | undefined;
  readonly stakeMint: () => Promise<PublicKey>;
  readonly ensureAtas: (owners: readonly PublicKey[], o: { signers?: readonly Signer[]; feePayer?: PublicKey }) => Promise<TransactionInstruction[]>;
}

interface Candidate {
  readonly owner: PublicKey;
  readonly provider: PublicKey;
  readonly amount: bigint;
  readonly signer: Signer | null;
}

/** unix_timestamp of the Clock sysvar's data (i64 at offset 32). */
export function clockUnixTimestamp(data: Uint8Array): bigint {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigInt64(32, true);
}

async function loadCandidates(
  d: ClaimAllDeps,
  owners: readonly PublicKey[],
  signerOf: Map<string, Signer | null>,
  min: bigint,
  skipped: ClaimAllResult["skipped"][number][],
): Promise<Candidate[]> {
  const [cfgAddr] = findConfigPda(d.programId);
  const providers = owners.map((o) => findProviderPda(o, d.programId)[0]);
  const infos = await callRpc("getMultipleAccountsInfo", () =>
    d.connection.getMultipleAccountsInfo([cfgAddr, SYSVAR_CLOCK_PUBKEY, ...providers], d.commitment),
  );
  const cfgInfo = infos[0];
  const clockInfo = infos[1];
  // The Clock sysvar: unix_timestamp (i64) at offset 32. What a claim releases from the stream depends on it.
  const now = clockInfo && clockInfo.data.length >= 40 ? clockUnixTimestamp(new Uint8Array(clockInfo.data)) : undefined;
  if (!cfgInfo) throw new GpunetError("AccountNotFound", "Config does not exist: the program is not initialized", {});
  const cfg = decodeConfig(new Uint8Array(cfgInfo.data));
  const out: Candidate[] = [];
  owners.forEach((owner, i) => {
    const info = infos[i + 2];
    if (!info || !info.owner.equals(d.programId)) {
      skipped.push({ owner, reason: "noProvider" });
      return;
    }
    const p: Provider = decodeProvider(new Uint8Array(info.data));
    const amount = claimable(p, cfg, now);
    if (amount === null) return; // the program would fail with MathOverflow; nothing to send
    if (amount === 0n) skipped.push({ owner, reason: "nothingToClaim" });
    else if (amount < min) skipped.push({ owner, reason: "belowMinimum" });
    else out.push({ owner, provider: providers[i] as PublicKey, amount, signer: signerOf.get(owner.toBase58()) ?? null });
  });
  return out;
}

/**
 * Claims for every owner this process can sign for.
 * @example
 * ```ts
 * import type { Keypair } from "@solana/web3.js";
 * import { createGpunetClient } from "@gpunet/sdk";
 * declare const ownerKeypairs: Keypair[]; // the providers' owners this process holds
 * const gpunet = createGpunetClient({ connection, wallet });
 * const r = await gpunet.claimAll({ signers: ownerKeypairs });
 * console.log(r.total, r.batches.length);
 * ```
 */
export async function claimAll(d: ClaimAllDeps, o: ClaimAllOptions): Promise<ClaimAllResult> {
  const signers = o.signers ?? [];
  const signerOf = new Map<string, Signer | null>();
  const walletKey = d.wallet?.publicKey ?? null;
  if (walletKey) signerOf.set(walletKey.toBase58(), null);
  for (const s of signers) signerOf.set(s.publicKey.toBase58(), s);
  let owners: PublicKey[];
  if (o.owners || o.providers) {
    owners = (o.owners ?? []).map((w) => toPublicKey(w, "owners"));
    if (o.providers && o.providers.length > 0) {
      const addrs = o.providers.map((p) => toPublicKey(p, "providers"));
      const infos = await callRpc("getMultipleAccountsInfo", () => d.connection.getMultipleAccountsInfo(addrs, d.commitment));
      infos.forEach((info, i) => {
        if (!info || !info.owner.equals(d.programId))
          throw new GpunetError("AccountNotFound", `provider ${addrs[i]?.toBase58()} does not exist`, { value: addrs[i]?.toBase58() ?? "" });
        const owner = decodeProvider(new Uint8Array(info.data)).owner;
        if (!owners.some((w) => w.equals(owner))) owners.push(owner);
      });
    }
    for (const w of owners) {
      if (!signerOf.has(w.toBase58()))
        throw new GpunetError("SignerMissing", `claimAll: no signer for owner ${w.toBase58()} (a claim needs its owner's signature)`, {
          field: "owners",
          value: w.toBase58(),
        });
    }
  } else {
    owners = [...signerOf.keys()].map((k) => new PublicKey(k));
  }
  if (owners.length === 0) throw new GpunetError("SignerMissing", "claimAll: connect a wallet or pass owner signers", {});
  // Without a wallet the first signer pays every batch's fee, so it signs every batch.
  const payerSigner: Signer | null = walletKey ? null : (signers[0] as Signer);
  const feePayer = walletKey ?? (payerSigner as Signer).publicKey;
  const min = o.minAmount ?? 1n;
  const skipped: ClaimAllResult["skipped"][number][] = [];
  const candidates = await loadCandidates(d, owners, signerOf, min, skipped);
  const mint = await d.stakeMint();

  // Payout accounts that do not exist yet get an idempotent create in the claim's transaction; looked up once.
  const ataCreates = new Map<string, TransactionInstruction>();
  {
    const creates = await d.ensureAtas(
      candidates.map((c) => c.owner),
      { feePayer },
    );
    for (const ix of creates) {
      const owner = ix.keys[2]?.pubkey;
      if (owner) ataCreates.set(owner.toBase58(), ix);
    }
  }
  const ixsFor = (cs: readonly Candidate[]): TransactionInstruction[] => {
    const out: TransactionInstruction[] = [];
    for (const c of cs) {
      const create = ataCreates.get(c.owner.toBase58());
      if (create) out.push(create);
      out.push(getClaimRewardsInstruction({ owner: c.owner, stakeMint: mint }, { programId: d.programId }));
    }
    return out;
  };

  // Greedy packing by serialized size; compute is checked by simulation when signing.
  const batches: Candidate[][] = [];
  let cur: Candidate[] = [];
  for (const c of candidates) {
    const next = [...cur, c];
    // The send path's own instructions (a Sender tip) ride in every transaction too.
    if (cur.length > 0 && transactionSize(feePayer, [...ixsFor(next), ...senderInstructions(d.ctx, feePayer)]) > MAX_TRANSACTION_SIZE) {
      batches.push(cur);
      cur = [c];
    } else cur = next;
  }
  if (cur.length > 0) batches.push(cur);

  if (o.dryRun) {
    const planned = batches.map((b) => ({ signature: null, claims: b.map(({ owner, provider, amount }) => ({ owner, provider, amount })) }));
    return { batches: planned, claimed: [], skipped, failed: [], total: candidates.reduce((s, c) => s + c.amount, 0n) };
  }

  const done: { signature: string | null; claims: ClaimEntry[] }[] = [];
  const failed: { owners: PublicKey[]; error: GpunetError }[] = [];
  const queue = [...batches];
  while (queue.length > 0) {
    const batch = queue.shift() as Candidate[];
    await runBatch(batch, o.maxAttempts ?? 3);
  }

  async function runBatch(initial: Candidate[], attempts: number): Promise<void> {
    let batch = initial;
    let lastSignature: string | null = null;
    for (let attempt = 1; ; attempt++) {
      if (o.signal?.aborted) throw new GpunetError("Aborted", "claimAll aborted", lastSignature ? { signature: lastSignature } : {});
      try {
        const batchSigners = batch.map((c) => c.signer).filter((s): s is Signer => s !== null);
        if (payerSigner && !batchSigners.some((x) => x.publicKey.equals(payerSigner.publicKey))) batchSigners.push(payerSigner);
        const ixs = ixsFor(batch);
        const signed = await prepareAndSign(d.ctx, ixs, { signers: batchSigners, feePayer, ...(o.signal ? { signal: o.signal } : {}) });
        if (signed.computeUnitLimit >= MAX_COMPUTE_UNITS && batch.length > 1) {
          // Too much compute for one transaction: split and try both halves.
          const mid = Math.ceil(batch.length / 2);
          queue.unshift(batch.slice(0, mid), batch.slice(mid));
          return;
        }
        lastSignature = signed.signature;
        const res = await sendSignedAndConfirm(d.ctx, signed, o.signal ? { signal: o.signal } : {});
        const paid = new Map<string, bigint>();
        for (const e of res.events) if (e.name === "rewardsClaimed") paid.set(e.data.owner, e.data.amount);
        done.push({
          signature: res.signature,
          claims: batch.map((c) => ({ owner: c.owner, provider: c.provider, amount: paid.get(c.owner.toBase58()) ?? c.amount })),
        });
        return;
      } catch (e) {
        const err: GpunetError = e instanceof GpunetError ? e : new GpunetError("Transport", String(e), { failure: { kind: "unknown" } }, { cause: e });
        if (err.code === "Aborted") throw err;
        if (batch.length > 1 && transactionErrorName(err.context.transactionError) === "ComputationalBudgetExceeded") {
          // More compute than one transaction allows: split and run both halves.
          const mid = Math.ceil(batch.length / 2);
          queue.unshift(batch.slice(0, mid), batch.slice(mid));
          return;
        }
        // Did the previous attempt land after all? Then it is done, never re-sent.
        if (lastSignature && (err.code === "BlockhashExpired" || err.code === "Transport" || err.code === "RateLimited")) {
          const st = await d.connection.getSignatureStatuses([lastSignature], { searchTransactionHistory: true }).catch(() => null);
          const s = st?.value[0];
          if (s && s.err === null) {
            done.push({ signature: lastSignature, claims: batch.map(({ owner, provider, amount }) => ({ owner, provider, amount })) });
            return;
          }
        }
        const retryable = err.code === "BlockhashExpired" || err.code === "Transport" || err.code === "RateLimited" || err.code === "NothingToClaim";
        if (!retryable || attempt >= attempts) {
          failed.push({ owners: batch.map((c) => c.owner), error: err });
          return;
        }
        // Rebuild from fresh accounts: a claim that landed meanwhile now has nothing to claim.
        const fresh = await loadCandidates(
          d,
          batch.map((c) => c.owner),
          signerOf,
          min,
          skipped,
        );
        if (fresh.length === 0) return;
        batch = fresh;
        lastSignature = null;
      }
    }
  }

  const claimed = done.flatMap((b) => b.claims);
  return { batches: done, claimed, skipped, failed, total: claimed.reduce((s, c) => s + c.amount, 0n) };
}
