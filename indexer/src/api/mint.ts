/**
 * The stake mint's decimals, read once from the mint account over RPC and
 * kept in the `meta` table (`mint.address`, `mint.decimals`), so any reader
 * process can print human amounts without an RPC endpoint. Portable SQL: the
 * same code serves the SQLite and the PostgreSQL store.
 */
import type { AsyncExecutor } from "../history/executor.ts";
import type { RpcClient } from "../rpc.ts";

/** Offset of `decimals` in an SPL Token mint account (after mint authority option + key and supply). */
const DECIMALS_OFFSET = 44;

/** The recorded mint, if any. */
export async function storedMint(sql: AsyncExecutor): Promise<{ address: string; decimals: number } | null> {
  const rows = (await sql.all("SELECT key, value FROM meta WHERE key IN ('mint.address', 'mint.decimals')", [])) as { key: string; value: string }[];
  const m = new Map(rows.map((r) => [r.key, r.value]));
  const address = m.get("mint.address");
  const decimals = m.get("mint.decimals");
  return address !== undefined && decimals !== undefined ? { address, decimals: Number(decimals) } : null;
}

/**
 * Reads the stake mint named by the indexed Config and stores its decimals.
 * Does nothing when already stored or when no Config is indexed yet; returns
 * whether the mint is known afterwards. `withSql` runs its callback in one
 * write transaction of the store (`IndexStore.withSql`).
 */
export async function recordStakeMint(
  withSql: <T>(run: (sql: AsyncExecutor) => Promise<T>) => Promise<T>,
  rpc: RpcClient,
  signal?: AbortSignal,
): Promise<boolean> {
  const found = await withSql(async (sql) => {
    if (await storedMint(sql)) return null;
    const rows = (await sql.all("SELECT pk.address FROM config c JOIN pubkeys pk ON pk.id = c.stake_mint WHERE c.id = 1", [])) as { address: string }[];
    return rows[0]?.address ?? "";
  });
  if (found === null) return true;
  if (found === "") return false;
  const res = await rpc.call<{ value: { data: [string, string] } | null }>("getAccountInfo", [found, { encoding: "base64", commitment: "confirmed" }], signal);
  if (!res.value) return false;
  const data = Buffer.from(res.value.data[0], "base64");
  if (data.length < DECIMALS_OFFSET + 1) return false;
  const decimals = data[DECIMALS_OFFSET] as number;
  await withSql((sql) =>
    sql.run("INSERT INTO meta (key, value) VALUES (?, ?), (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
      "mint.address",
      found,
      "mint.decimals",
      String(decimals),
    ]),
  );
  return true;
}
