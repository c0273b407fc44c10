/**
 * The canonical dump of an index: its rows as text that depends neither on the
 * store (SQLite or PostgreSQL) nor on row ids or the order events arrived in.
 */
import bs58 from "bs58";
import { sql } from "kysely";
import { openReadStore } from "./open.ts";

/**
 * A canonical text dump of a database (SQLite file or PostgreSQL URL): state
 * tables and history with addresses and signatures instead of row ids; no
 * arrival-dependent columns. Amounts are printed as plain decimals and an
 * absent history value as null, so both stores of the same chain dump alike:
 * two indexes of one chain (one by backfill, one live; one SQLite, one
 * PostgreSQL) hold the same rows exactly when their dumps are equal.
 *
 * @example
 * ```ts
 * const same = (await canonicalDump("a.db")) === (await canonicalDump("postgres://gpunet@127.0.0.1:5433/gpunet"));
 * ```
 */
export async function canonicalDump(location: string): Promise<string> {
  const db = await openReadStore(location);
  try {
    const lines: string[] = [];
    const rows = async (sqlText: string): Promise<void> => {
      for (const r of (await sql.raw<Record<string, unknown>>(sqlText).execute(db.db)).rows) {
        lines.push(
          JSON.stringify(r, (_k, v: unknown) =>
            typeof v === "bigint"
              ? v.toString()
              : typeof v === "string" && /^[0-9]{20}$|^[0-9]{39}$/.test(v)
                ? BigInt(v).toString()
                : v === ""
                  ? null
                  : v && typeof v === "object" && "type" in v && (v as { type: string }).type === "Buffer"
                    ? bs58.encode(Buffer.from((v as unknown as { data: number[] }).data))
                    : v,
          ),
        );
      }
    };
    const sig = "(SELECT signature FROM txs t WHERE t.id = x.tx_id)";
    await rows(`SELECT signature, slot, tx_index, block_time, finality, truncated, event_count FROM txs ORDER BY signature`);
    await rows(`SELECT address FROM pubkeys ORDER BY address`);
    await rows(`SELECT signature, slot, event_index, reason, payload, detail FROM dead_letters ORDER BY signature, event_index`);
    await rows(
      `SELECT ${sig} AS sig, event_index, ix, inner_path, (SELECT name FROM event_kinds k WHERE k.id = x.kind) AS kind, slot, ts, payload FROM events x ORDER BY sig, event_index`,
    );
    for (const t of ["stakes", "escrow", "rewards", "claims", "slashes"])
      await rows(`SELECT '${t}' AS t, ${sig} AS sig, * FROM ${t} x ORDER BY sig, event_index${t === "escrow" ? ", kind" : ""}`);
    const pk = (c: string) => `(SELECT address FROM pubkeys WHERE id = x.${c}) AS ${c}_a`;
    await rows(
      `SELECT ${pk("id")}, ${pk("owner")}, ${pk("stake_vault")}, gpu_model, gpu_count, vram_gb, region, status, active_stake, unbonding_amount, unbonding_unlock_at, reward_snapshot, reward_debt, rewards_owed, total_claimed, jobs_completed, jobs_failed, slashed_total, registered_at, updated_at, seq, versions, finality, last_slot FROM providers x ORDER BY id_a`,
    );
    await rows(
      `SELECT ${pk("id")}, ${pk("buyer")}, ${pk("provider")}, job_id, price, state, seq, provider_payout, fee, refund, finished_at, closed, versions, finality FROM jobs x ORDER BY id_a`,
    );
    await rows(
      `SELECT min_stake_per_gpu, acc_reward_per_stake, total_active_stake, reward_carry, unallocated_rewards, total_funded, total_claimed, total_slashed, provider_count, job_count, seq, versions, finality FROM config`,
    );
    await rows(`SELECT name, value FROM counters WHERE name IN ('events', 'txs', 'deadLetters', 'truncated') ORDER BY name`);
    // tx_id-keyed rows referenced ids only through `sig`: strip the raw ids.
    return lines.map((l) => l.replace(/"tx_id":"\d+",?/g, "").replace(/"(provider|job|funder|owner|authority)":"\d+",?/g, "")).join("\n");
  } finally {
    await db.close();
  }
}
