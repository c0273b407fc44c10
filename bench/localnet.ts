/**
 * Localnet throughput: pre-signed SOL transfers sent through `sendTransaction`
 * over HTTP from this process to a `--ledger` localnet running as its own
 * process (durable: the write-ahead log is fsync'd before each slot), against
 * the same transactions executed in-process by LiteSVM (its native send path,
 * signature verification on). Rounds are interleaved and medians reported;
 * the ratio localnet / LiteSVM is the figure of merit.
 *
 *   npx tsx bench/localnet.ts [--txs 10000 --rounds 3 --concurrency 32 --preflight --ledger-cost --profile DIR --json]
 *
 * `npm run bench` runs it with --ledger-cost (a node without --ledger beside the durable one).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createPrivateKey, sign as edSign, type KeyObject } from "node:crypto";
import { request } from "node:http";
import { connect } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Keypair, SystemProgram, Transaction, type PublicKey } from "@solana/web3.js";
import bs58 from "bs58";
import { LiteSVM } from "litesvm";
import { lamports as toLamports, type Address } from "@solana/kit";
import { createSvmAccess } from "../localnet/src/svm-access.ts";

const { values: args } = parseArgs({
  options: {
    txs: { type: "string", default: "10000" },
    rounds: { type: "string", default: "3" },
    concurrency: { type: "string", default: "32" },
    payers: { type: "string", default: "64" },
    preflight: { type: "boolean", default: false },
    /** Write a V8 CPU profile of the localnet process into this directory. */
    profile: { type: "string" },
    /** Also run a node without --ledger, to show what durability costs. */
    "ledger-cost": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const TXS = Number(args.txs);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const PAYERS = Number(args.payers);
/** Every phase gives up after this long, so a stuck node cannot hang the run. */
const PHASE_TIMEOUT_MS = 120_000;
const ROOT = resolve(import.meta.dirname, "..");
const log = (s: string): void => {
  process.stderr.write(`${s}\n`);
};

const tmpRoot = join(ROOT, ".tmp");
mkdirSync(tmpRoot, { recursive: true });
const dir = mkdtempSync(join(tmpRoot, "bench-localnet-"));

function startNode(ledger: boolean): Promise<{ child: ChildProcess; url: string }> {
  const prof = args.profile ? ["--cpu-prof", "--cpu-prof-dir", resolve(args.profile)] : [];
  const child = spawn(
    process.execPath,
    [...prof, "--import", "tsx", "localnet/src/main.ts", "--rpc-port", "0", ...(ledger ? ["--ledger", join(dir, "ledger")] : [])],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`localnet did not start: ${out}`)), 60_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /JSON-RPC (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(t);
        res({ child, url: m[1] });
      }
    });
    child.once("exit", (code) => rej(new Error(`localnet exited ${String(code)}: ${out}`)));
  });
}

function post(url: string, body: string): Promise<string> {
  return new Promise((res, rej) => {
    const req = request(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => res(Buffer.concat(chunks).toString("utf8")));
        r.on("error", rej);
      },
    );
    req.on("error", rej);
    req.end(body);
  });
}
async function rpc<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const reply = JSON.parse(await post(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }))) as { result?: T; error?: unknown };
  if (reply.error !== undefined) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return reply.result as T;
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitConfirmed(url: string, sigs: readonly string[]): Promise<void> {
  const end = Date.now() + PHASE_TIMEOUT_MS;
  let pending = [...sigs];
  while (pending.length > 0) {
    if (Date.now() > end) {
      const { value } = await rpc<{ value: unknown[] }>(url, "getSignatureStatuses", [pending.slice(0, 256)]);
      const slot = await rpc<number>(url, "getSlot", [{ commitment: "processed" }]);
      throw new Error(`${pending.length} transactions not confirmed in time (slot ${slot}; first statuses ${JSON.stringify(value.slice(0, 3))})`);
    }
    const still: string[] = [];
    for (let i = 0; i < pending.length; i += 256) {
      const chunk = pending.slice(i, i + 256);
      const { value } = await rpc<{ value: ({ confirmationStatus: string } | null)[] }>(url, "getSignatureStatuses", [chunk]);
      value.forEach((s, j) => {
        if (!s || s.confirmationStatus === "processed") still.push(chunk[j] as string);
      });
    }
    pending = still;
    if (pending.length > 0) await sleep(50);
  }
}

interface Signed {
  readonly wire: Uint8Array;
  readonly signature: string;
}

/** `n` transfers from the payers (round robin) to 256 recipients, of firstAmount, firstAmount + 1, ... lamports (distinct messages). */
const edKeys = new WeakMap<Keypair, KeyObject>();
/** The payer's ed25519 key for node:crypto (PKCS#8 DER: a fixed 16-byte prefix and the 32-byte seed). */
function edKey(k: Keypair): KeyObject {
  let key = edKeys.get(k);
  if (!key) {
    const der = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), Buffer.from(k.secretKey.subarray(0, 32))]);
    key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    edKeys.set(k, key);
  }
  return key;
}

/**
 * `n` transfers from the payers (round robin) to 256 recipients, of firstAmount, firstAmount + 1, ... lamports (distinct messages).
 * Signed with node:crypto's native ed25519 (web3.js's JS signing and verification took 20-30 s per 10,000 under load,
 * long enough for the blockhash to expire before the last ones were sent).
 */
function sign(payers: readonly Keypair[], recipients: readonly PublicKey[], blockhash: string, n: number, firstAmount: number): Signed[] {
  const out: Signed[] = [];
  for (let i = 0; i < n; i++) {
    const payer = payers[i % payers.length] as Keypair;
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: recipients[i % recipients.length] as PublicKey, lamports: firstAmount + i }),
    );
    const sig = edSign(null, tx.serializeMessage(), edKey(payer));
    tx.addSignature(payer.publicKey, sig);
    out.push({ wire: new Uint8Array(tx.serialize({ verifySignatures: false })), signature: bs58.encode(sig) });
  }
  return out;
}

/** LiteSVM in-process: fresh VM with the same payers funded, native send of each wire transaction. */
function runLiteSvm(payers: readonly Keypair[], txs: readonly Signed[]): number {
  const svm = new LiteSVM();
  svm.withBlockhashCheck(false);
  for (const p of payers) svm.airdrop(p.publicKey.toBase58() as Address, toLamports(1_000_000_000_000n));
  const access = createSvmAccess(svm);
  const t = performance.now();
  for (const tx of txs) {
    const r = access.send(tx.wire, "legacy");
    if (!("logs" in r)) throw new Error("in-process transfer failed");
  }
  return txs.length / ((performance.now() - t) / 1000);
}

/**
 * A minimal HTTP/1.1 keep-alive client over raw TCP (one request in flight
 * per connection, no pipelining), so the load generator costs little CPU
 * beside the node it measures. Replies are read by Content-Length.
 */
function rawConnection(url: string): Promise<{ send(body: string): Promise<string>; close(): void }> {
  const u = new URL(url);
  const socket = connect({ host: u.hostname, port: Number(u.port) });
  socket.setNoDelay(true);
  const head = `POST / HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nContent-Length: `;
  let buf: Buffer = Buffer.alloc(0);
  let waiting: { res: (s: string) => void; rej: (e: Error) => void } | null = null;
  const tryReply = (): void => {
    if (!waiting) return;
    const end = buf.indexOf("\r\n\r\n");
    if (end < 0) return;
    const m = /content-length: *(\d+)/i.exec(buf.subarray(0, end).toString("latin1"));
    if (!m) {
      waiting.rej(new Error("reply without content-length"));
      return;
    }
    const len = Number(m[1]);
    if (buf.length < end + 4 + len) return;
    const body = buf.subarray(end + 4, end + 4 + len).toString("utf8");
    buf = buf.subarray(end + 4 + len);
    const w = waiting;
    waiting = null;
    w.res(body);
  };
  socket.on("data", (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    tryReply();
  });
  const fail = (e: Error): void => {
    waiting?.rej(e);
    waiting = null;
  };
  socket.on("error", fail);
  socket.on("close", () => fail(new Error("connection closed")));
  return new Promise((res, rej) => {
    socket.once("error", rej);
    socket.once("connect", () =>
      res({
        send(body) {
          return new Promise((resolve, reject) => {
            waiting = { res: resolve, rej: reject };
            socket.write(`${head}${Buffer.byteLength(body)}\r\n\r\n${body}`);
          });
        },
        close: () => socket.destroy(),
      }),
    );
  });
}

/** Sends every transaction with `CONCURRENCY` connections each keeping one request in flight; returns tx/s of the send phase. */
async function runLocalnet(url: string, txs: readonly Signed[], preflight: boolean): Promise<number> {
  const bodies = txs.map(
    (tx, i) =>
      `{"jsonrpc":"2.0","id":${i},"method":"sendTransaction","params":["${Buffer.from(tx.wire).toString("base64")}",{"encoding":"base64","skipPreflight":${!preflight},"preflightCommitment":"processed"}]}`,
  );
  let next = 0;
  const end = Date.now() + PHASE_TIMEOUT_MS;
  const conns = await Promise.all(Array.from({ length: CONCURRENCY }, () => rawConnection(url)));
  const worker = async (conn: Awaited<ReturnType<typeof rawConnection>>): Promise<void> => {
    while (next < bodies.length) {
      if (Date.now() > end) throw new Error("send phase timed out");
      const i = next++;
      const reply = await conn.send(bodies[i] as string);
      const sig = (txs[i] as Signed).signature;
      // A reply is checked without a full parse: it must carry exactly this signature as its result.
      if (!reply.includes(`"result":"${sig}"`)) throw new Error(`sendTransaction ${i}: ${reply}`);
    }
  };
  const t = performance.now();
  try {
    await Promise.all(conns.map((c) => worker(c)));
  } finally {
    for (const c of conns) c.close();
  }
  return txs.length / ((performance.now() - t) / 1000);
}

/** CPU seconds (user + system, and system alone) a process has used so far, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): { total: number; system: number } | null {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { total: (Number(f[11]) + Number(f[12])) / 100, system: Number(f[12]) / 100 };
  } catch {
    return null;
  }
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

interface Node {
  readonly name: string;
  readonly child: ChildProcess;
  readonly url: string;
  readonly tps: number[];
  readonly cpuPerTx: number[];
  /** The part of cpuPerTx spent in the kernel (system calls: socket reads and writes, fsync). */
  readonly sysPerTx: number[];
  readonly clientCpuPerTx: number[];
}

async function main(): Promise<void> {
  const nodes: Node[] = [];
  try {
    const durable = await startNode(true);
    nodes.push({ name: "localnet --ledger (durable)", ...durable, tps: [], cpuPerTx: [], sysPerTx: [], clientCpuPerTx: [] });
    if (args["ledger-cost"]) {
      const memory = await startNode(false);
      nodes.push({ name: "localnet without --ledger", ...memory, tps: [], cpuPerTx: [], sysPerTx: [], clientCpuPerTx: [] });
    }
    const payers = Array.from({ length: PAYERS }, () => Keypair.generate());
    const recipients = Array.from({ length: 256 }, () => Keypair.generate().publicKey);
    for (const node of nodes) {
      const airdrops = [];
      for (const p of payers) airdrops.push(await rpc<string>(node.url, "requestAirdrop", [p.publicKey.toBase58(), 1_000_000_000_000]));
      await waitConfirmed(node.url, airdrops);
    }
    // One uncounted round per node first, so JIT warm-up is not measured.
    for (const node of nodes) {
      const { value } = await rpc<{ value: { blockhash: string } }>(node.url, "getLatestBlockhash", [{ commitment: "confirmed" }]);
      const warm = sign(payers, recipients, value.blockhash, Math.min(TXS, 2000), 1_000_000 + ROUNDS * TXS);
      runLiteSvm(payers, warm);
      await runLocalnet(node.url, warm, args.preflight);
      await waitConfirmed(
        node.url,
        warm.map((t) => t.signature),
      );
    }
    log(`localnet bench: ${TXS} transfers x ${ROUNDS} rounds, ${CONCURRENCY} in flight, ${PAYERS} payers, preflight ${args.preflight ? "on" : "off"}`);
    const lite: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const node of nodes) {
        const { value } = await rpc<{ value: { blockhash: string } }>(node.url, "getLatestBlockhash", [{ commitment: "confirmed" }]);
        const txs = sign(payers, recipients, value.blockhash, TXS, 1_000_000 + round * TXS);
        // The baseline runs beside each node's turn, so both see the same machine load.
        lite.push(runLiteSvm(payers, txs));
        const cpu0 = cpuSeconds(node.child.pid);
        const own0 = process.cpuUsage();
        node.tps.push(await runLocalnet(node.url, txs, args.preflight));
        const own = process.cpuUsage(own0);
        const cpu1 = cpuSeconds(node.child.pid);
        if (cpu0 !== null && cpu1 !== null) {
          node.cpuPerTx.push(((cpu1.total - cpu0.total) * 1e6) / TXS);
          node.sysPerTx.push(((cpu1.system - cpu0.system) * 1e6) / TXS);
        }
        node.clientCpuPerTx.push((own.user + own.system) / TXS);
        // Every transaction of the round must reach confirmed (for the durable node: be fsync'd) before the next.
        await waitConfirmed(
          node.url,
          txs.map((t) => t.signature),
        );
        log(
          `  round ${round + 1}: LiteSVM ${lite[lite.length - 1]?.toFixed(0)} tx/s, ${node.name} ${node.tps[round]?.toFixed(0)} tx/s${node.cpuPerTx[round] !== undefined ? ` (${node.cpuPerTx[round]?.toFixed(0)} us CPU/tx, ${node.sysPerTx[round]?.toFixed(0)} of it in the kernel)` : ""}, client ${node.clientCpuPerTx[round]?.toFixed(0)} us CPU/tx`,
        );
      }
    }
    const l = median(lite);
    const results = nodes.map((n) => ({
      name: n.name,
      tps: median(n.tps),
      ratio: median(n.tps) / l,
      cpuUsPerTx: n.cpuPerTx.length ? median(n.cpuPerTx) : null,
      sysUsPerTx: n.sysPerTx.length ? median(n.sysPerTx) : null,
      clientCpuUsPerTx: median(n.clientCpuPerTx),
    }));
    if (args.json) process.stdout.write(`${JSON.stringify({ txs: TXS, rounds: ROUNDS, liteSvmTps: l, nodes: results })}\n`);
    else {
      process.stdout.write(`LiteSVM in-process:  ${l.toFixed(0)} tx/s, ${(1e6 / l).toFixed(0)} us/tx (median of ${lite.length})\n`);
      for (const r of results) {
        process.stdout.write(
          `${r.name}: ${r.tps.toFixed(0)} tx/s over HTTP from another process${r.cpuUsPerTx !== null ? `, ${r.cpuUsPerTx.toFixed(0)} us CPU/tx (${r.sysUsPerTx?.toFixed(0)} in the kernel)` : ""}, load generator ${r.clientCpuUsPerTx.toFixed(0)} us CPU/tx (median of ${ROUNDS})\n`,
        );
        process.stdout.write(
          `  ratio to LiteSVM: ${(r.ratio * 100).toFixed(1)}%${r.cpuUsPerTx !== null ? ` (CPU ratio ${((1e6 / l / r.cpuUsPerTx) * 100).toFixed(1)}%)` : ""}\n`,
        );
      }
    }
  } finally {
    for (const n of nodes) {
      n.child.kill("SIGTERM");
      await new Promise((r) => n.child.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
