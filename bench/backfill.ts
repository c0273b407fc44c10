/**
 * Backfill and latency benchmark of the Yellowstone gRPC source, against the
 * RPC path measured in the same run, on the same localnet history of real
 * gpunet transactions:
 *
 * 1. Backfill of a --txs (default 10,000) transaction history from a localnet
 *    in its own process (as `gpunet localnet` runs): gRPC `fromSlot` replay vs
 *    getSignaturesForAddress + getTransaction, each into a fresh SQLite index,
 *    end to end (until every transaction is a row, finalized). The two
 *    databases must be equal. Printed as tx/s and a ratio (goal >= 10x).
 * 2. Confirmed -> queryable latency (p50 / p99): from the moment the node
 *    confirmed a transaction's slot to its row being visible to a reader, for
 *    an indexer on the gRPC stream, then one on logsSubscribe, each alone on
 *    the same localnet (slot clock running) at confirmed: --latency
 *    transactions each (default 50), at most --max-seconds (default 60) each.
 *
 *   npm run bench:backfill [-- --txs 10000 --latency 50 --max-seconds 60 --json]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { createPrivateKey, sign } from "node:crypto";
import { Transaction } from "@solana/web3.js";
import bs58 from "bs58";
import { canonicalDump, createIndexer, openReaderDatabase, signatureHash } from "../indexer/src/index.ts";
import { parseWireTransaction } from "../localnet/src/transaction-wire.ts";
import { localnetChain } from "../test/indexer/support/chain.ts";
import { Workload } from "../test/indexer/support/workload.ts";

const { values: args } = parseArgs({
  options: {
    txs: { type: "string", default: "10000" },
    latency: { type: "string", default: "50" },
    "max-seconds": { type: "string", default: "60" },
    json: { type: "boolean", default: false },
    serve: { type: "boolean", default: false },
  },
});
const TXS = Number(args.txs);
const dir = mkdtempSync(join(tmpdir(), "gpunet-bench-backfill-"));
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds a history of `n` program transactions: a setup, every path, then stakes of varying amounts executed in the node directly. */
async function history(n: number) {
  const c = await localnetChain({ slotMs: 0, finalizedDepth: 8, grpc: {} });
  const w = new Workload(c);
  await w.setup(8, 2);
  await w.everyPath();
  const pid = c.programId.toBase58();
  const count = (): number => c.net.node.history.forAddress(pid).filter((r) => r.meta.err === null).length;
  // One signed message per provider as a template; each transaction patches its amount and blockhash
  // and is signed with node's ed25519 (web3.js signing in JS would dominate the set-up time).
  const pkcs8 = (seed: Uint8Array) =>
    createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]), format: "der", type: "pkcs8" });
  const payerKey = pkcs8(c.payer.secretKey.subarray(0, 32));
  const templates = await Promise.all(
    w.providers.map(async (p) => {
      const ix = await w.stakeIx(p, 0x0102030405060708n);
      const tx = new Transaction().add(ix);
      tx.feePayer = c.payer.publicKey;
      tx.recentBlockhash = c.net.node.clock.latestBlockhash(c.net.slot).blockhash;
      const message = Buffer.from(tx.serializeMessage());
      const amountAt = message.indexOf(Buffer.from([8, 7, 6, 5, 4, 3, 2, 1]));
      const hashAt = message.indexOf(Buffer.from(bs58.decode(tx.recentBlockhash)));
      return { message, amountAt, hashAt, ownerKey: pkcs8(p.kp.secretKey.subarray(0, 32)) };
    }),
  );
  let k = 0;
  let blockhash = Buffer.from(bs58.decode(c.net.node.clock.latestBlockhash(c.net.slot).blockhash));
  while (count() < n) {
    const t = templates[k % templates.length]!;
    const message = Buffer.from(t.message);
    message.writeBigUInt64LE(BigInt(1 + Math.floor(k / templates.length)), t.amountAt);
    blockhash.copy(message, t.hashAt);
    const wire = Buffer.concat([Buffer.from([2]), sign(null, message, payerKey), sign(null, message, t.ownerKey), message]);
    const out = c.net.node.execute(parseWireTransaction(wire));
    if (!out.landed) throw new Error(`history transaction failed: ${JSON.stringify(out.err)}`);
    if (++k % 50 === 0) {
      c.net.advanceSlots(1);
      blockhash = Buffer.from(bs58.decode(c.net.node.clock.latestBlockhash(c.net.slot).blockhash));
    }
  }
  c.net.advanceSlots(10);
  return { c, txs: count() };
}

/** The node in a process of its own (as `gpunet localnet` runs), serving the history over JSON-RPC and gRPC. */
async function serveHistory(): Promise<void> {
  const { c, txs } = await history(TXS);
  process.stdout.write(
    `${JSON.stringify({ rpcUrl: c.net.rpcUrl, grpcUrl: c.net.grpcUrl, programId: c.programId.toBase58(), txs, slot: c.net.slot.toString() })}\n`,
  );
  await new Promise<void>((resolve) => {
    process.stdin.resume();
    process.stdin.on("end", resolve);
    process.stdin.on("close", resolve);
  });
  await c.net.close();
}

async function backfill(): Promise<{ rpcTps: number; grpcTps: number; txs: number; equal: boolean }> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--serve", "--txs", String(TXS)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise((r) => child.on("exit", r));
  const info = await new Promise<{ rpcUrl: string; grpcUrl: string; programId: string; txs: number; slot: string }>((resolve, reject) => {
    let buf = "";
    child.stdout.on("data", (d: Buffer) => {
      buf += d.toString();
      const i = buf.indexOf("\n");
      if (i >= 0) resolve(JSON.parse(buf.slice(0, i)));
    });
    child.on("exit", (code) => reject(new Error(`the node process exited (${code}) before serving`)));
  });
  const c = { net: { rpcUrl: info.rpcUrl, grpcUrl: info.grpcUrl } };
  try {
    log(`history: ${info.txs} program transactions over ${info.slot} slots (node in its own process)`);
    const pid = info.programId;
    // RPC: getSignaturesForAddress + getTransaction (the indexer's backfill)
    const rpcPath = join(dir, "rpc.db");
    let t = performance.now();
    const rix = await createIndexer({ dbPath: rpcPath, rpcUrl: c.net.rpcUrl, programId: pid, finalityIntervalMs: 0 });
    await rix.start();
    await rix.backfillNow();
    const rpcSeconds = (performance.now() - t) / 1000;
    const rpcRows = Number(rix.store.counters().txs ?? 0n);
    await rix.stop();
    log(`rpc backfill: ${rpcRows} rows in ${rpcSeconds.toFixed(2)} s`);
    // gRPC: fromSlot replay through the Yellowstone client
    const grpcPath = join(dir, "grpc.db");
    t = performance.now();
    const gix = await createIndexer({ dbPath: grpcPath, rpcUrl: c.net.rpcUrl, grpcUrl: c.net.grpcUrl as string, programId: pid, finalityIntervalMs: 0 });
    await gix.start();
    const deadline = Date.now() + 300_000;
    // Done when every row is in, at the finality the RPC path stored (all finalized).
    while (
      (Number(gix.store.counters().txs ?? 0n) < rpcRows || (await gix.store.unfinalized(BigInt(Number.MAX_SAFE_INTEGER), 1)).length > 0) &&
      Date.now() < deadline
    )
      await sleep(2);
    await gix.idle();
    const grpcSeconds = (performance.now() - t) / 1000;
    const grpcRows = Number(gix.store.counters().txs ?? 0n);
    await gix.stop();
    log(`grpc replay: ${grpcRows} rows in ${grpcSeconds.toFixed(2)} s`);
    const [a, b] = [await canonicalDump(rpcPath), await canonicalDump(grpcPath)];
    if (a !== b && process.env.GPUNET_BENCH_DUMP) {
      writeFileSync(`${process.env.GPUNET_BENCH_DUMP}.rpc`, a);
      writeFileSync(`${process.env.GPUNET_BENCH_DUMP}.grpc`, b);
    }
    return { rpcTps: rpcRows / rpcSeconds, grpcTps: grpcRows / grpcSeconds, txs: grpcRows, equal: a === b };
  } finally {
    child.stdin.end();
    await exited;
  }
}

async function latency(samples: number, maxSeconds: number) {
  const c = await localnetChain({ slotMs: 100, grpc: {} });
  try {
    const w = new Workload(c);
    await w.setup(2, 1);
    const pid = c.programId.toBase58();
    // The moment each slot became confirmed in the node: the reference of both measures.
    const confirmedAt = new Map<bigint, number>();
    c.net.node.on("commitment", (level, from, to) => {
      if (level !== "confirmed") return;
      const now = performance.now();
      for (let x = from + 1n; x <= to; x++) confirmedAt.set(x, now);
    });
    /** One indexer on one live source, alone, `samples` transactions (bounded by maxSeconds). */
    const measure = async (name: string, extra: { grpcUrl?: string; wsUrl?: string }): Promise<number[]> => {
      const path = join(dir, `${name}.db`);
      const ix = await createIndexer({ dbPath: path, rpcUrl: c.net.rpcUrl, programId: pid, backfill: false, finalityIntervalMs: 0, ...extra });
      await ix.start();
      while (!ix.stats().live.connected) await sleep(5);
      const reader = openReaderDatabase(path);
      const has = reader.sqlite.prepare("SELECT 1 FROM txs WHERE slot = ? AND sig_hash BETWEEN ? AND ? + 7 AND signature = ?");
      const lat: number[] = [];
      const end = Date.now() + maxSeconds * 1000;
      for (let i = 0; i < samples && Date.now() < end; i++) {
        const sig = await w.stake(w.providers[i % 2]!, BigInt(1 + i));
        const slot = c.net.node.history.get(sig)?.slot as bigint;
        const key = [slot, signatureHash(sig), signatureHash(sig), sig];
        while (!has.get(...key) && Date.now() < end + 10_000) await sleep(1);
        const at = confirmedAt.get(slot);
        if (at !== undefined) lat.push(performance.now() - at);
      }
      await reader.close();
      await ix.stop();
      return lat;
    };
    const grpc = await measure("lat-grpc", { grpcUrl: c.net.grpcUrl as string });
    const ws = await measure("lat-ws", { wsUrl: c.net.wsUrl });
    const q = (lat: number[], f: number): number => {
      const s = [...lat].sort((a, b) => a - b);
      return s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? Number.NaN;
    };
    return {
      samples: Math.min(grpc.length, ws.length),
      grpc: { p50: q(grpc, 0.5), p99: q(grpc, 0.99) },
      ws: { p50: q(ws, 0.5), p99: q(ws, 0.99) },
    };
  } finally {
    await c.net.close();
  }
}

async function main(): Promise<void> {
  const b = await backfill();
  const l = await latency(Number(args.latency), Number(args["max-seconds"]));
  const ratio = b.grpcTps / b.rpcTps;
  console.log("| measure | value | target | meets |");
  console.log("| --- | ---: | ---: | --- |");
  console.log(`| backfill by getSignaturesForAddress + getTransaction (${b.txs} txs, localnet) | ${b.rpcTps.toFixed(0)} tx/s | | |`);
  console.log(`| backfill by gRPC fromSlot replay (same history) | ${b.grpcTps.toFixed(0)} tx/s | | |`);
  console.log(`| gRPC / RPC backfill | ${ratio.toFixed(1)}x | >= 10x | ${ratio >= 10 ? "yes" : "NO"} |`);
  console.log(`| both databases equal, table by table | ${b.equal ? "yes" : "NO"} | yes | ${b.equal ? "yes" : "NO"} |`);
  console.log(`| confirmed -> queryable p50 / p99, gRPC (ms, ${l.samples} txs) | ${l.grpc.p50.toFixed(1)} / ${l.grpc.p99.toFixed(1)} | | |`);
  console.log(`| confirmed -> queryable p50 / p99, logsSubscribe (ms, ${l.samples} txs) | ${l.ws.p50.toFixed(1)} / ${l.ws.p99.toFixed(1)} | | |`);
  console.log(`| p99 gRPC / logsSubscribe | ${(l.grpc.p99 / l.ws.p99).toFixed(2)} | | |`);
  if (args.json) console.log(JSON.stringify({ ...b, ratio, latency: l }));
}

if (args.serve) {
  await serveHistory();
} else {
  try {
    await main();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
