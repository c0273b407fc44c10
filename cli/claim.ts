/**
 * `gpunet claim`: the reward bot, once. Loads provider owner keypairs
 * (Solana CLI JSON files), computes what each can claim with the program's
 * exact math, and claims in as few transactions as size and compute allow.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Connection, Keypair } from "@solana/web3.js";
import { createGpunetClient, createRetryingFetch, isGpunetError } from "@gpunet/sdk";

export const CLAIM_USAGE = `usage: gpunet claim --keypair FILE [--keypair FILE ...] [--rpc URL] [--dry-run] [--min N]
  --keypair  a provider owner's keypair (Solana CLI JSON: 64 numbers); repeatable; the first pays fees
  --rpc      JSON-RPC endpoint (default http://127.0.0.1:8899)
  --dry-run  print the plan, send nothing
  --min      skip claims below N base units (default 1)`;

function loadKeypair(path: string): Keypair {
  const bytes = JSON.parse(readFileSync(path, "utf8")) as unknown;
  if (!Array.isArray(bytes) || bytes.length !== 64 || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    throw new TypeError(`${path}: not a Solana keypair file (64 byte values)`);
  }
  return Keypair.fromSecretKey(Uint8Array.from(bytes as number[]));
}

/** Runs `gpunet claim`; resolves with the exit code. */
export async function runClaimCommand(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        keypair: { type: "string", multiple: true },
        rpc: { type: "string", default: "http://127.0.0.1:8899" },
        "dry-run": { type: "boolean", default: false },
        min: { type: "string" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${CLAIM_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${CLAIM_USAGE}\n`);
    return 0;
  }
  if (!values.keypair?.length) {
    process.stderr.write(`--keypair is required\n${CLAIM_USAGE}\n`);
    return 2;
  }
  let signers: Keypair[];
  let minAmount: bigint;
  try {
    signers = values.keypair.map(loadKeypair);
    minAmount = values.min === undefined ? 1n : BigInt(values.min);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const connection = new Connection(values.rpc, { commitment: "confirmed", fetch: createRetryingFetch() });
  const client = createGpunetClient({ connection });
  try {
    const r = await client.claimAll({ signers, dryRun: values["dry-run"], minAmount });
    for (const b of r.batches) {
      for (const c of b.claims)
        process.stdout.write(
          `${values["dry-run"] ? "would claim" : "claimed"} ${c.amount} for ${c.owner.toBase58()}${b.signature ? ` in ${b.signature}` : ""}\n`,
        );
    }
    for (const s of r.skipped) process.stdout.write(`skipped ${s.owner.toBase58()}: ${s.reason}\n`);
    for (const f of r.failed) process.stderr.write(`failed for ${f.owners.map((o) => o.toBase58()).join(", ")}: ${f.error.code} ${f.error.message}\n`);
    process.stdout.write(`total ${r.total}\n`);
    return r.failed.length ? 1 : 0;
  } catch (e) {
    if (isGpunetError(e)) {
      process.stderr.write(`error ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
