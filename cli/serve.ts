/**
 * `gpunet serve`: the read-only HTTP API, `/metrics`, `/live` and the
 * dashboard as a process of their own, over a read-only connection to the
 * database one `gpunet index` writes. Any number of them can run against one
 * database; none of them writes to it.
 */
import { parseArgs } from "node:util";
import { type ApiReader, isIndexerError, openReadStore, startApiServer } from "@gpunet/indexer";
import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
import { PublicKey } from "@solana/web3.js";

export const SERVE_USAGE = `usage: gpunet serve [--db FILE] [--port N] [--host ADDR] [--program ID]
  --db       the indexer's database, opened read-only (default gpunet-index.db)
  --port     HTTP port (default 8788; 0 picks a free one)
  --host     address to listen on (default 127.0.0.1)
  --program  the program the database indexes, for /meta (default ${GPUNET_PROGRAM_ADDRESS})`;

/** Where `gpunet serve` writes, and when it stops (injectable for tests). */
export interface ServeIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<void>;
}

/** Opens the database named by `--db` for reading: a SQLite file or a `postgres://` URL. */
export async function openServeReader(target: string): Promise<ApiReader> {
  return openReadStore(target);
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

/**
 * Runs `gpunet serve` until SIGINT/SIGTERM; resolves with the exit code.
 * Prints `serving http://HOST:PORT/` on stdout once it listens.
 *
 * @example
 * ```ts
 * process.exitCode = await runServeCommand(["--db", "index.db", "--port", "8788"]);
 * ```
 */
export async function runServeCommand(
  argv: readonly string[],
  io: ServeIo = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) },
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        db: { type: "string", default: "gpunet-index.db" },
        port: { type: "string", default: "8788" },
        host: { type: "string", default: "127.0.0.1" },
        program: { type: "string", default: GPUNET_PROGRAM_ADDRESS },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n${SERVE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${SERVE_USAGE}\n`);
    return 0;
  }
  if (!/^[0-9]{1,5}$/.test(values.port) || Number(values.port) > 65_535) {
    io.stderr(`--port must be an integer in 0..65535, got ${values.port}\n`);
    return 2;
  }
  try {
    new PublicKey(values.program);
  } catch {
    io.stderr(`--program must be a base58 public key, got ${values.program}\n`);
    return 2;
  }
  let reader: ApiReader;
  try {
    reader = await openServeReader(values.db);
  } catch (e) {
    if (!isIndexerError(e)) throw e;
    io.stderr(`error ${e.code}: ${e.message}\n`);
    return 1;
  }
  try {
    const api = await startApiServer({
      reader,
      port: Number(values.port),
      host: values.host,
      programId: values.program,
      log: (m) => io.stderr(`[serve] ${m}\n`),
    }).catch((e: unknown) => {
      io.stderr(`error: cannot listen on ${values.host}:${values.port}: ${e instanceof Error ? e.message : String(e)}\n`);
      return null;
    });
    if (!api) return 1;
    const host = values.host.includes(":") ? `[${values.host}]` : values.host;
    io.stdout(`serving http://${host}:${api.port}/  (dashboard /, API /providers /jobs /totals, /metrics, /live; read-only ${values.db})\n`);
    await (io.until ?? waitForSignal());
    await api.close();
    return 0;
  } finally {
    await reader.close();
  }
}
