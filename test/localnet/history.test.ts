/**
 * The transaction history keeps records as encoded bytes in buffers: what
 * is read back (by number, signature, address, slot) and what the snapshot
 * writes (the encoded lines) must be exactly the records that landed, also
 * across buffer boundaries and after a fork drops the newest slots.
 */
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTransactionHistory, type TransactionRecord } from "../../localnet/src/history.ts";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { recordJson } from "../../localnet/src/ledger.ts";

let net: Localnet;
let records: TransactionRecord[];
const payers = [Keypair.generate(), Keypair.generate()];

beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 0 });
  const c = new Connection(net.rpcUrl, "processed");
  for (const p of payers) net.airdrop(p.publicKey, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
  net.advanceSlots(1);
  // Transfers over three slots, one of them failing (more than the payer holds) but paying its fee.
  for (let slot = 0; slot < 3; slot++) {
    const { blockhash } = await c.getLatestBlockhash();
    for (let i = 0; i < 3; i++) {
      const payer = payers[i % 2] as Keypair;
      const lamports = slot === 1 && i === 2 ? 5 * LAMPORTS_PER_SOL : 1_000_000 + slot * 10 + i;
      const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
        SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports }),
      );
      tx.sign(payer);
      await c.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    }
    net.advanceSlots(1);
  }
  records = net.node.history.all();
});
afterAll(async () => {
  await net.close();
});

/** A history holding `rs`, with buffers small enough that records fall on several. */
function filled(rs: readonly TransactionRecord[]): ReturnType<typeof createTransactionHistory> {
  const h = createTransactionHistory({ chunkBytes: 2500 });
  for (const r of rs) h.add(r);
  return h;
}
const lines = (rs: readonly TransactionRecord[]): string => rs.map((r) => `${recordJson(r)}\n`).join("");
const text = (pieces: readonly Uint8Array[]): string => Buffer.concat(pieces).toString("utf8");

describe("transaction history", () => {
  it("Given landed records (airdrops, transfers, one failed) in small buffers, When read by number, signature, address and slot, Then each is the record that landed", () => {
    expect(records.length).toBe(11);
    expect(records.filter((r) => r.meta.err !== null).length).toBe(1);
    const h = filled(records);
    expect(h.size).toBe(records.length);
    records.forEach((r, i) => {
      expect(h.at(i)).toEqual(r);
      expect(h.get(r.signature)).toEqual(r);
      expect(h.has(r.signature)).toBe(true);
      expect(h.indexOf(r.signature)).toBe(i);
      expect(h.status(r.signature)).toEqual({ slot: r.slot, err: r.meta.err });
      expect(h.slotAt(i)).toBe(r.slot);
      expect(h.unitPriceAt(i)).toBe(r.unitPrice);
    });
    expect(h.get("1111111111111111111111111111111111111111111111111111111111111111")).toBeUndefined();
    expect(h.indexOf("nope")).toBe(-1);
    for (const p of payers) {
      const a = p.publicKey.toBase58();
      const mentioning = records.flatMap((r, i) => (r.accountKeys.includes(a) ? [i] : []));
      expect(mentioning.length).toBeGreaterThan(0);
      expect(h.positionsOf(a)).toEqual(mentioning);
      expect(h.writersOf(a)).toEqual(records.flatMap((r, i) => (r.accountKeys.some((k, j) => k === a && r.writable[j]) ? [i] : [])));
      expect(h.forAddress(a)).toEqual(mentioning.map((i) => records[i]));
    }
    const slots = [...new Set(records.map((r) => r.slot))];
    for (const s of slots) {
      const inS = records.filter((r) => r.slot === s);
      expect(h.inSlot(s)).toEqual(inS);
      expect(h.countInSlot(s)).toBe(inS.length);
      expect(h.firstOfSlot(s)).toEqual(inS[0]);
      expect(h.inSlotRange(s - 1n, s)).toEqual(inS);
    }
    const first = slots[0] as bigint;
    const last = slots[slots.length - 1] as bigint;
    expect(h.inSlot(last + 1n)).toEqual([]);
    expect(h.firstOfSlot(last + 1n)).toBeUndefined();
    expect(h.rangeOf(first, last)).toEqual([records.filter((r) => r.slot <= first).length, records.length]);
    expect(h.inSlotRange(first - 1n, last)).toEqual(records);
    expect(h.all()).toEqual(records);
  });

  it("Given a filled history, When its encoded lines are taken from every record number, Then they are exactly the records' log lines (across buffer boundaries)", () => {
    const h = filled(records);
    for (let k = 0; k <= records.length; k++) expect(text(h.encodedFrom(k))).toBe(lines(records.slice(k)));
  });

  it("Given a filled history, When the slots after a fork point are dropped and new records added, Then reads, indexes and encoded lines hold only what is left plus the new ones", () => {
    const h = filled(records);
    const cut = records[5]?.slot as bigint;
    const kept = records.filter((r) => r.slot <= cut);
    const gone = records.filter((r) => r.slot > cut);
    expect(gone.length).toBeGreaterThan(0);
    expect(h.dropAfter(cut)).toEqual(gone);
    expect(h.size).toBe(kept.length);
    for (const r of gone) {
      expect(h.has(r.signature)).toBe(false);
      expect(h.status(r.signature)).toBeUndefined();
    }
    for (const p of payers) {
      const a = p.publicKey.toBase58();
      expect(h.positionsOf(a)).toEqual(kept.flatMap((r, i) => (r.accountKeys.includes(a) ? [i] : [])));
    }
    expect(text(h.encodedFrom(0))).toBe(lines(kept));
    expect(h.countInSlot(cut)).toBe(kept.filter((r) => r.slot === cut).length);
    expect(h.dropAfter(cut)).toEqual([]);
    // The same records landing again (the fork's slots replayed) read back as before.
    for (const r of gone) h.add(r);
    expect(h.all()).toEqual(records);
    expect(text(h.encodedFrom(0))).toBe(lines(records));
  });

  it("Given a filled history, When a record of an older slot is added, Then it is refused with a RangeError and nothing changes", () => {
    const h = filled(records);
    const old = records[0] as TransactionRecord;
    expect(() => h.add({ ...old, signature: "x" })).toThrow(RangeError);
    expect(h.size).toBe(records.length);
    expect(h.has("x")).toBe(false);
    expect(text(h.encodedFrom(0))).toBe(lines(records));
  });
});
