/**
 * Standalone entry: `npx tsx localnet/src/main.ts [--rpc-port 8899] [--ledger DIR] ...`.
 * Stop with Ctrl-C (SIGINT) or SIGTERM; the ledger is saved on the way out.
 */
import { runLocalnetCli } from "./cli.ts";

process.exitCode = await runLocalnetCli(process.argv.slice(2));
