/**
 * Volume from real transactions: copies of recorded program transactions with
 * fresh signatures and later slots (the logs, hence the events, stay the
 * program's own bytes).
 */
import { randomBytes } from "node:crypto";
import bs58 from "bs58";
import type { TransactionUpdate } from "../../../indexer/src/index.ts";
import type { RecordedTx } from "./chain.ts";

/** A flat copy of a string: bs58 builds its output by concatenation (a rope), RPC JSON gives flat strings. */
const flat = (s: string): string => Buffer.from(s, "latin1").toString("latin1");

/** Copies `txs` until at least `minEvents` events; every copy gets new signatures and a later slot range. */
export function replicate(txs: readonly RecordedTx[], minEvents: number): TransactionUpdate[] {
  const perCopy = txs.reduce((a, t) => a + t.logs.filter((l) => l.startsWith("Program data: ")).length, 0);
  if (perCopy === 0) throw new RangeError("no events to replicate");
  const copies = Math.ceil(minEvents / perCopy);
  const first = txs[0]?.slot ?? 0n;
  const span = (txs[txs.length - 1]?.slot ?? 0n) - first + 1n;
  const out: TransactionUpdate[] = [];
  for (let c = 0; c < copies; c++) {
    for (const t of txs) {
      out.push({
        signature: flat(bs58.encode(randomBytes(64))),
        slot: t.slot + BigInt(c) * span,
        txIndex: t.txIndex,
        blockTime: null,
        err: null,
        logs: t.logs,
        finality: "finalized",
        source: "replay",
      });
    }
  }
  return out;
}

/** Number of `Program data:` lines (an upper bound on events). */
export function countDataLines(us: readonly TransactionUpdate[]): number {
  let n = 0;
  for (const u of us) for (const l of u.logs ?? []) if (l.startsWith("Program data: ")) n++;
  return n;
}
