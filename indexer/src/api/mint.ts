/**
 * The stake mint's decimals, read once from the mint account over RPC and
 * kept in the `meta` table (`mint.address`, `mint.decimals`), so any reader
 * process can print human amounts without an RPC endpoint.
 */
import type { SqliteHandle } from "../db/client.ts";
import type { RpcClient } from "../rpc.ts";

/** Offset of `decimals` in an SPL Token mint account (after mint authority option + key and supply). */
const DECIMALS_OFFSET = 44;

/** The recorded mint, if any. */
export function storedMint(sqlite: SqliteHandle): { address: string; decimals: number } | null {
  const rows = sqlite.prepare("SELECT key, value FROM meta WHERE key IN ('mint.address', 'mint.decimals')").all() as { key: string; value: string }[];
  const m = new Map(rows.map((r) => [r.key, r.value]));
  const address = m.get("mint.address");
  const decimals = m.get("mint.decimals");
  return address !== undefined && decimals !== undefined ? { address, decimals: Number(decimals) } : null;
}

/**
 * Reads the stake mint named by the indexed Config and stores its decimals.
 * Does nothing when already stored or when no Config is indexed yet; returns
 * whether the mint is known afterwards.
 */
export async function recordStakeMint(sqlite: SqliteHandle, rpc: RpcClient, run: <T>(f: () => T) => Promise<T>, signal?: AbortSignal): Promise<boolean> {
  if (storedMint(sqlite)) return true;
  const row = sqlite.prepare("SELECT pk.address FROM config c JOIN pubkeys pk ON pk.id = c.stake_mint WHERE c.id = 1").get() as { address: string } | undefined;
  if (!row) return false;
  const res = await rpc.call<{ value: { data: [string, string] } | null }>(
    "getAccountInfo",
    [row.address, { encoding: "base64", commitment: "confirmed" }],
    signal,
  );
  if (!res.value) return false;
  const data = Buffer.from(res.value.data[0], "base64");
  if (data.length < DECIMALS_OFFSET + 1) return false;
  const decimals = data[DECIMALS_OFFSET] as number;
  await run(() => {
    const put = sqlite.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    sqlite.transaction(() => {
      put.run("mint.address", row.address);
      put.run("mint.decimals", String(decimals));
    })();
  });
  return true;
}
