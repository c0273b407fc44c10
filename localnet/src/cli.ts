/**
 * Command-line front end of the localnet: argument parsing and a run loop
 * that stops cleanly on SIGINT/SIGTERM (saving the ledger). The `gpunet`
 * CLI can call {@link runLocalnetCli}; `tsx localnet/src/main.ts` runs it
 * standalone.
 */
import { readFileSync } from "node:fs";
import bs58 from "bs58";
import { createLocalnet, type Localnet, type LocalnetOptions, type LocalnetProgram } from "./localnet.ts";
import { LocalnetError } from "./errors.ts";

/** Usage text printed by `--help` and on bad arguments. */
export const LOCALNET_USAGE = `usage: localnet [options]
  --rpc-port N          HTTP JSON-RPC port (default 8899; 0 = any free port)
  --ws-port N           WebSocket port (default rpc port + 1)
  --slot-ms N           slot duration in ms (default 400; 0 = manual clock)
  --finalized-depth N   slots between processed and finalized (default 32)
  --ledger DIR          persist accounts and history in DIR and resume from it
                        (what the node reported confirmed survives a crash)
  --snapshot-ms N       with --ledger: rewrite the full snapshot at most every N ms
                        (default 30000; a write-ahead log covers the time between)
  --grpc-port N         also serve Yellowstone Geyser gRPC on 127.0.0.1:N (0 = any free port)
  --grpc-token TOKEN    with --grpc-port: require this x-token on every gRPC call
  --grpc-replay-slots N with --grpc-port: how far back fromSlot replay reaches (default: all history)
  --program ID=PATH     load a program at genesis (repeatable)
  --upgradeable-program KEYPAIR.json=PATH
                        deploy through BPF Loader Upgradeable; the program id is
                        the keypair's public key (Solana CLI keypair JSON)
  --help                show this text`;

function num(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n < 0) throw new LocalnetError("INVALID_OPTIONS", `${flag} needs a non-negative integer`, { flag, value: v });
  return n;
}

function pair(flag: string, v: string | undefined): [string, string] {
  const i = v?.indexOf("=") ?? -1;
  if (v === undefined || i <= 0) throw new LocalnetError("INVALID_OPTIONS", `${flag} needs A=B`, { flag, value: v });
  return [v.slice(0, i), v.slice(i + 1)];
}

/**
 * Parses localnet command-line arguments into {@link LocalnetOptions}.
 * Returns null for `--help`.
 *
 * @example
 * ```ts
 * parseLocalnetArgs(['--rpc-port', '0', '--ledger', '.tmp/ledger']);
 * ```
 */
export function parseLocalnetArgs(argv: readonly string[]): LocalnetOptions | null {
  const opts: { -readonly [K in keyof LocalnetOptions]: LocalnetOptions[K] } = {};
  const programs: LocalnetProgram[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = (): string | undefined => argv[++i];
    switch (flag) {
      case "--help":
      case "-h":
        return null;
      case "--rpc-port":
        opts.rpcPort = num(flag, next());
        break;
      case "--ws-port":
        opts.wsPort = num(flag, next());
        break;
      case "--slot-ms":
        opts.slotMs = num(flag, next());
        break;
      case "--finalized-depth":
        opts.finalizedDepth = num(flag, next());
        break;
      case "--ledger": {
        const d = next();
        if (!d) throw new LocalnetError("INVALID_OPTIONS", "--ledger needs a directory");
        opts.ledgerDir = d;
        break;
      }
      case "--grpc-port":
        opts.grpcPort = num(flag, next());
        break;
      case "--grpc-token": {
        const t = next();
        if (!t) throw new LocalnetError("INVALID_OPTIONS", "--grpc-token needs a value");
        opts.grpcToken = t;
        break;
      }
      case "--grpc-replay-slots":
        opts.grpcReplaySlots = num(flag, next());
        break;
      case "--snapshot-ms":
        opts.snapshotMs = num(flag, next());
        break;
      case "--program": {
        const [programId, path] = pair(flag, next());
        programs.push({ programId, bytes: new Uint8Array(readFileSync(path)) });
        break;
      }
      case "--upgradeable-program": {
        const [keypairPath, path] = pair(flag, next());
        const secret = Uint8Array.from(JSON.parse(readFileSync(keypairPath, "utf8")) as number[]);
        programs.push({ programId: bs58.encode(secret.subarray(32)), bytes: new Uint8Array(readFileSync(path)), upgradeable: true, programKeypair: secret });
        break;
      }
      default:
        throw new LocalnetError("INVALID_OPTIONS", `unknown argument ${String(flag)}`, { flag });
    }
  }
  if (programs.length > 0) opts.programs = programs;
  return opts;
}

/**
 * Starts a localnet from argv, prints its URLs, and resolves once it was
 * stopped by SIGINT/SIGTERM (ledger saved). Returns the exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runLocalnetCli(process.argv.slice(2));
 * ```
 */
export async function runLocalnetCli(
  argv: readonly string[],
  io: { log: (line: string) => void; error: (line: string) => void } = { log: console.log, error: console.error },
): Promise<number> {
  let opts: LocalnetOptions | null;
  try {
    opts = parseLocalnetArgs(argv);
  } catch (e) {
    io.error(`${e instanceof Error ? e.message : String(e)}\n${LOCALNET_USAGE}`);
    return 2;
  }
  if (opts === null) {
    io.log(LOCALNET_USAGE);
    return 0;
  }
  let net: Localnet;
  try {
    net = await createLocalnet(opts);
  } catch (e) {
    io.error(e instanceof Error ? e.message : String(e));
    return 1;
  }
  io.log(
    `gpunet localnet: JSON-RPC ${net.rpcUrl}  WebSocket ${net.wsUrl}${net.grpcUrl ? `  gRPC ${net.grpcUrl}` : ""}  slot ${net.slot}${opts.ledgerDir ? `  ledger ${opts.ledgerDir}` : ""}`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await net.close();
  io.log("gpunet localnet: stopped");
  return 0;
}
