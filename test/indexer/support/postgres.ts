/**
 * A throwaway PostgreSQL server for the tests: initdb into a temp dir, a free
 * port on 127.0.0.1, its unix socket in the same dir, `pg_ctl start -w`;
 * stopped and deleted by `stop()`. As root, the server runs as the `postgres`
 * OS user (PostgreSQL refuses to run as root) and owns the dir.
 *
 * PostgreSQL must be installed (Debian: `apt-get install -y postgresql`; the
 * CI script does it): without it this throws one line saying so.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PgCluster {
  /** `postgres://gpunet@127.0.0.1:<port>/postgres` */
  readonly adminUrl: string;
  readonly port: number;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server and deletes its files. */
  stop(): Promise<void>;
}

export const POSTGRES_INSTALL = "apt-get install -y postgresql";

/** The directory of initdb / pg_ctl: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin, else PATH. */
export function postgresBinDir(): string | null {
  const r = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (r.status === 0 && existsSync(join(r.stdout.trim(), "initdb"))) return r.stdout.trim();
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], "bin");
  }
  return spawnSync("/bin/sh", ["-c", "command -v initdb"], { encoding: "utf8" }).status === 0 ? "" : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const isRoot = (): boolean => typeof process.getuid === "function" && process.getuid() === 0;

let counter = 0;

/** Starts a server; `fast` turns off fsync (tests never crash the server itself). */
export async function startPostgres(opts: { readonly fast?: boolean } = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (bin === null) throw new Error(`PostgreSQL is not installed (initdb not found): run \`${POSTGRES_INSTALL}\``);
  const tool = (name: string): string => (bin === "" ? name : join(bin, name));
  const dir = mkdtempSync(join(tmpdir(), "gpunet-pg-"));
  const data = join(dir, "data");
  const root = isRoot();
  let uid = -1;
  let gid = -1;
  if (root) {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const run = (cmd: string, args: readonly string[]): void => {
    const full = root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, [...args]];
    const r = spawnSync(full[0] as string, full[1] as string[], { encoding: "utf8", cwd: dir });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  run(tool("initdb"), ["-D", data, "-U", "gpunet", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c max_connections=60",
    ...(opts.fast === false ? [] : ["-c fsync=off", "-c full_page_writes=off"]),
  ].join(" ");
  try {
    run(tool("pg_ctl"), ["-D", data, "-o", settings, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  } catch (e) {
    const log = existsSync(join(dir, "server.log")) ? readFileSync(join(dir, "server.log"), "utf8") : "";
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${String(e)}\n${log}`);
  }
  const adminUrl = `postgres://gpunet@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    adminUrl,
    port,
    async createDatabase(name) {
      const db = name ?? `t_${process.pid}_${++counter}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${db}"`);
      } finally {
        await c.end();
      }
      return `postgres://gpunet@127.0.0.1:${port}/${db}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(tool("pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
