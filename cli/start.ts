/**
 * `gpunet start` (`npm start`): a whole gpunet network on one machine.
 * Starts the localnet with the committed program, initializes gpunet, runs
 * the live demo workload through the SDK, runs the indexer into a SQLite
 * file with its read-only HTTP API, and prints where to look.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Keypair } from "@solana/web3.js";
import { createLocalnet, gpunetProgramBytes } from "@gpunet/localnet";
import { createIndexer, bigintJson, formatTokens } from "@gpunet/indexer";
import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
import { bootstrapNetwork } from "./bootstrap.ts";
import { runDemo } from "./demo.ts";

export const START_USAGE = `usage: gpunet start [--duration SECONDS] [--seed N] [--rpc-port N] [--ws-port N]
                    [--db FILE] [--api-port N] [--ledger DIR] [--quiet]
  --duration  stop by itself after this many seconds (default: run until Ctrl-C)
  --seed      workload seed (default: random, printed)
  --rpc-port  JSON-RPC port (default 8899); --ws-port WebSocket port (default rpc + 1)
  --db        indexer database (default ./data/gpunet.db)
  --api-port  indexer HTTP API port (default 8787)`;

function int(flag: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${flag} needs a non-negative integer, got ${v}`);
  return n;
}

/**
 * Runs `gpunet start`; resolves with the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runStartCommand(["--duration", "30"]);
 * ```
 */
export async function runStartCommand(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        duration: { type: "string" },
        seed: { type: "string" },
        "rpc-port": { type: "string" },
        "ws-port": { type: "string" },
        db: { type: "string", default: "data/gpunet.db" },
        "api-port": { type: "string" },
        ledger: { type: "string" },
        quiet: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${START_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${START_USAGE}\n`);
    return 0;
  }
  const say = (s: string): void => void process.stdout.write(`${s}\n`);
  const log = values.quiet ? () => {} : say;
  let durationS: number | undefined;
  let rpcPort: number;
  let apiPort: number;
  let wsPort: number | undefined;
  let seed: bigint;
  try {
    durationS = values.duration === undefined ? undefined : int("--duration", values.duration, 0);
    rpcPort = int("--rpc-port", values["rpc-port"], 8899);
    wsPort = values["ws-port"] === undefined ? undefined : int("--ws-port", values["ws-port"], 0);
    apiPort = int("--api-port", values["api-port"], 8787);
    seed = values.seed === undefined ? BigInt(Math.floor(Math.random() * 2 ** 48)) : BigInt(values.seed);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${START_USAGE}\n`);
    return 2;
  }

  const stop = new AbortController();
  const onSignal = (): void => {
    if (!stop.signal.aborted) say("\nstopping (Ctrl-C again to force)...");
    else process.exit(130);
    stop.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const programBytes = gpunetProgramBytes();
  const admin = Keypair.generate();
  const localnet = await createLocalnet({
    rpcPort,
    ...(wsPort !== undefined ? { wsPort } : {}),
    ...(values.ledger ? { ledgerDir: values.ledger } : {}),
    // Deployed through the BPF Loader Upgradeable with the admin as upgrade authority:
    // gpunet's initialize accepts only that key.
    programs: [{ programId: GPUNET_PROGRAM_ADDRESS, bytes: programBytes, upgradeable: true, upgradeAuthority: admin.secretKey }],
  });
  say(`localnet: RPC ${localnet.rpcUrl}  WebSocket ${localnet.wsUrl}  (program ${GPUNET_PROGRAM_ADDRESS})`);
  let indexer: Awaited<ReturnType<typeof createIndexer>> | undefined;
  try {
    const net = await bootstrapNetwork({ rpcUrl: localnet.rpcUrl, wsUrl: localnet.wsUrl, admin });
    say(`gpunet initialized: stake mint ${net.stakeMint.toBase58()}, admin ${net.admin.publicKey.toBase58()}`);

    const dbPath = resolve(values.db);
    mkdirSync(dirname(dbPath), { recursive: true });
    indexer = await createIndexer({
      dbPath,
      rpcUrl: localnet.rpcUrl,
      wsUrl: localnet.wsUrl,
      apiPort,
      progress: false,
      log: (m) => log(`[indexer] ${m}`),
    });
    await indexer.start();
    say(`indexer: ${dbPath}  API http://127.0.0.1:${indexer.ports.api ?? apiPort}`);
    say(`dashboard: http://127.0.0.1:${indexer.ports.api ?? apiPort}/  (live; or \`gpunet serve --db ${values.db}\` from another terminal)`);
    say(durationS === undefined ? "demo workload running; Ctrl-C stops everything" : `demo workload running for ${durationS}s`);

    const stats = await runDemo({
      net,
      seed,
      ...(durationS !== undefined ? { durationMs: durationS * 1000 } : {}),
      signal: stop.signal,
      log,
    });
    // Let the indexer see the last transactions before printing its totals.
    await indexer.backfillNow();
    await indexer.sweepFinality();
    const s = indexer.stats();
    say("");
    say(`done: ${stats.steps} steps (seed ${seed}), sent ${JSON.stringify(stats.sent)}`);
    if (Object.keys(stats.errors).length) {
      say(`errors: ${JSON.stringify(stats.errors)}`);
      for (const [key, message] of Object.entries(stats.errorMessages)) say(`  first ${key}: ${message}`);
    }
    say(`indexer counters: ${JSON.stringify(s.counters, bigintJson)}`);
    say(`rewards claimed by the bot: ${formatTokens(stats.claimedTotal, net.decimals)}`);
    say("");
    say("What to try next:");
    say(`  npm run gpunet -- query totals --db ${values.db}`);
    say(`  npm run gpunet -- query providers --db ${values.db}`);
    say(`  npm run gpunet -- query series --interval day --db ${values.db}`);
    say(`  npm run gpunet -- query reputation --db ${values.db}`);
    say(`  npm run gpunet -- query jobs --state completed --db ${values.db}`);
    say(`  sqlite3 ${values.db} 'select * from providers limit 5'   (schema: indexer/SCHEMA.md)`);
    say(`  npm run gpunet -- localnet     (just the node, on ${localnet.rpcUrl})`);
    return Object.keys(stats.errors).length ? 1 : 0;
  } finally {
    await indexer?.stop();
    await localnet.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
