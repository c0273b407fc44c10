/**
 * The `gpunet` command.
 *
 *   gpunet start     a whole network on this machine (localnet + program + demo + indexer)
 *   gpunet localnet  just the node (JSON-RPC :8899, WebSocket :8900) with the program loaded
 *   gpunet index     follow a cluster into SQLite
 *   gpunet query     ask the indexer's database
 *   gpunet serve     the read-only HTTP API and dashboard over that database
 *   gpunet claim     claim rewards for provider keys (the reward bot, once)
 */
import { readFileSync, realpathSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runIndexCommand, runQueryCommand } from "@gpunet/indexer";
import { gpunetProgramPath } from "@gpunet/localnet";
import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
import { runStartCommand } from "./start.ts";
import { runClaimCommand } from "./claim.ts";
import { runLocalnetCommand } from "./localnet-command.ts";
import { runServeCommand } from "./serve.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const USAGE = `usage: gpunet <command> [options]   (--help after a command for its options)
  start      localnet + gpunet program + live demo workload + indexer (npm start)
  localnet   the local Solana node with the gpunet program at ${GPUNET_PROGRAM_ADDRESS} (--init: a ready network)
  index      follow a cluster's gpunet program into a SQLite database
  query      query the indexer's database
  serve      the read-only HTTP API, /metrics and the dashboard over the indexer's database
  claim      claim rewards for one or more provider keypairs`;

/** Runs one command; resolves with the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "start":
      return runStartCommand(rest);
    case "localnet":
      // The gpunet program is loaded at its IDL address unless the caller names programs itself.
      return runLocalnetCommand(rest, gpunetProgramPath());
    case "index":
      return runIndexCommand(rest);
    case "query":
      return runQueryCommand(rest);
    case "serve":
      return runServeCommand(rest);
    case "claim":
      return runClaimCommand(rest);
    case "--version":
      process.stdout.write(`${(JSON.parse(readFileSync(resolve(ROOT, "package.json"), "utf8")) as { version: string }).version}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command: ${command}\n${USAGE}\n`);
      return 2;
  }
}

/** Runs `main` with this process's arguments and exits with its code. */
export function runAsProcess(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}

// Run directly (`tsx cli/gpunet.ts ...`): compare real paths, since an installed
// command reaches this file through a symlink. The installed bin is `bin.ts`.
if (process.argv[1] && isThisModule(process.argv[1])) runAsProcess();

function isThisModule(argv1: string): boolean {
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
