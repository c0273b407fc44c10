/**
 * claim-bot: claims gpunet staking rewards for every provider owner key it holds,
 * packing the claims into as few transactions as fit, on an interval.
 *
 *   npx tsx examples/claim-bot.ts --rpc http://127.0.0.1:8899 --keys ./owner-keys \
 *     [--interval 60] [--min 1000] [--dry-run] [--once] [--priority-percentile 75] [--helius URL]
 *
 * `--keys` is a directory of Solana CLI keypair files (JSON arrays of 64 bytes), one
 * per provider owner; the first one pays the fees. Output: one JSON line per round.
 * Ctrl-C stops after the current round (an AbortSignal reaches the send loop).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Connection, Keypair } from "@solana/web3.js";
import { createGpunetClient, createRetryingFetch, isGpunetError, type ClaimAllResult, type PriorityFeeStrategy } from "@gpunet/sdk";
import { heliusPriorityFee } from "@gpunet/sdk/helius";

/** Options of one bot round. */
export interface ClaimBotOptions {
  readonly rpcUrl: string;
  readonly owners: readonly Keypair[];
  readonly minAmount?: bigint;
  readonly dryRun?: boolean;
  readonly priorityFee?: PriorityFeeStrategy;
  readonly signal?: AbortSignal;
}

/** Loads every keypair file (JSON array of 64 numbers) in a directory, sorted by name. */
export function loadKeypairs(dir: string): Keypair[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(join(dir, f), "utf8")) as number[])));
}

/** One round: claim (or plan) for every owner; returns the summary it prints. */
export async function runClaimRound(o: ClaimBotOptions): Promise<{ round: ClaimAllResult; line: Record<string, unknown> }> {
  // Back off on 429 honouring Retry-After; web3.js's own loop never starts because this throws first.
  const connection = new Connection(o.rpcUrl, { commitment: "confirmed", fetch: createRetryingFetch({ maxRetries: 5 }) });
  const gpunet = createGpunetClient({ connection, ...(o.priorityFee ? { priorityFee: o.priorityFee } : {}) });
  const round = await gpunet.claimAll({
    signers: o.owners,
    ...(o.dryRun ? { dryRun: true } : {}),
    ...(o.minAmount !== undefined ? { minAmount: o.minAmount } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const line = {
    at: new Date().toISOString(),
    dryRun: o.dryRun === true,
    transactions: round.batches.length,
    signatures: round.batches.map((b) => b.signature),
    claimed: (o.dryRun ? round.batches.flatMap((b) => b.claims) : round.claimed).map((c) => ({ owner: c.owner.toBase58(), amount: c.amount.toString() })),
    total: round.total.toString(),
    skipped: round.skipped.map((s) => ({ owner: s.owner.toBase58(), reason: s.reason })),
    failed: round.failed.map((f) => ({ owners: f.owners.map((k) => k.toBase58()), code: f.error.code, message: f.error.message })),
  };
  return { round, line };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

async function main(): Promise<void> {
  const rpcUrl = arg("rpc") ?? "http://127.0.0.1:8899";
  const keysDir = arg("keys");
  if (!keysDir) {
    process.stderr.write("usage: claim-bot --keys <dir> [--rpc URL] [--interval s] [--min amount] [--dry-run] [--once]\n");
    process.exit(2);
  }
  const owners = loadKeypairs(keysDir);
  const intervalMs = Number(arg("interval") ?? "60") * 1000;
  const min = arg("min");
  const helius = arg("helius");
  const pct = arg("priority-percentile");
  const priorityFee: PriorityFeeStrategy | undefined = helius
    ? heliusPriorityFee({ url: helius })
    : pct
      ? { kind: "percentile", percentile: Number(pct) }
      : undefined;
  const ac = new AbortController();
  process.once("SIGINT", () => ac.abort());
  process.once("SIGTERM", () => ac.abort());
  while (!ac.signal.aborted) {
    try {
      const { line } = await runClaimRound({
        rpcUrl,
        owners,
        dryRun: flag("dry-run"),
        signal: ac.signal,
        ...(min ? { minAmount: BigInt(min) } : {}),
        ...(priorityFee ? { priorityFee } : {}),
      });
      process.stdout.write(`${JSON.stringify(line)}\n`);
    } catch (e) {
      if (isGpunetError(e, "Aborted")) break;
      // A failed round is reported and retried next interval; the next round re-reads state, so nothing is paid twice.
      process.stdout.write(
        `${JSON.stringify({ at: new Date().toISOString(), error: isGpunetError(e) ? e.code : "Unexpected", message: e instanceof Error ? e.message : String(e) })}\n`,
      );
    }
    if (flag("once")) break;
    await new Promise<void>((r) => {
      const t = setTimeout(r, intervalMs);
      ac.signal.addEventListener(
        "abort",
        () => {
          clearTimeout(t);
          r();
        },
        { once: true },
      );
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
