/**
 * `ledgerDir` persistence: a restarted node resumes accounts, history,
 * slot, genesis hash and time where the previous one stopped.
 */
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalnet, isLocalnetError } from "../../localnet/src/index.ts";
import { rpcResult } from "./helpers.ts";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "gpunet-ledger-"));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("ledger", () => {
  it("Given a node with a ledger dir, When it is closed and restarted, Then accounts, history and the slot resume", async () => {
    const dir = tempDir();
    const wallet = Keypair.generate().publicKey.toBase58();
    const first = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir });
    first.advanceSlots(40);
    const sig = first.airdrop(wallet, 3n * BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
    first.advanceSlots(40);
    const genesis = await rpcResult<string>(first.rpcUrl, "getGenesisHash");
    const faucet = first.node.faucet.address;
    const time = await rpcResult<number>(first.rpcUrl, "getBlockTime", [40]);
    await first.close();
    expect(readdirSync(dir).sort()).toEqual(["history.jsonl", "snapshot.bin"]);

    const second = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir });
    try {
      expect(second.slot).toBe(80n);
      const c = new Connection(second.rpcUrl, "finalized");
      expect(await c.getBalance(new PublicKey(wallet))).toBe(3 * LAMPORTS_PER_SOL);
      const tx = await c.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
      expect(tx?.slot).toBe(40);
      expect(tx?.meta?.postBalances).toContain(3 * LAMPORTS_PER_SOL);
      expect((await c.getSignaturesForAddress(new PublicKey(wallet))).map((s) => s.signature)).toEqual([sig]);
      expect(await rpcResult<string>(second.rpcUrl, "getGenesisHash")).toBe(genesis);
      expect(second.node.faucet.address).toBe(faucet);
      expect(await rpcResult<number>(second.rpcUrl, "getBlockTime", [40])).toBe(time);
      // The restarted node keeps landing transactions after the old ones.
      const sig2 = second.airdrop(wallet, BigInt(LAMPORTS_PER_SOL), { commitment: "processed" });
      second.advanceSlots(40);
      expect((await c.getSignaturesForAddress(new PublicKey(wallet))).map((s) => s.signature)).toEqual([sig2, sig]);
      const epoch = await rpcResult<{ transactionCount: number }>(second.rpcUrl, "getEpochInfo");
      expect(epoch.transactionCount).toBe(2);
    } finally {
      await second.close();
    }
  });

  it("Given history lines written after the last snapshot (a crash), When restarted, Then they are dropped so history matches accounts", async () => {
    const dir = tempDir();
    const first = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir });
    first.airdrop(Keypair.generate().publicKey.toBase58(), BigInt(LAMPORTS_PER_SOL));
    await first.close();
    appendFileSync(join(dir, "history.jsonl"), '{"signature":"torn-line-from-a-crash"\n');
    const second = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir });
    try {
      expect(second.node.history.size).toBe(1);
    } finally {
      await second.close();
    }
  });

  it("Given a ledger in use, When a second node opens it, Then LEDGER_LOCKED; after close it opens, and a dead holder is taken over", async () => {
    const dir = tempDir();
    const first = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir });
    const err = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir }).catch((e: unknown) => e);
    expect(isLocalnetError(err, "LEDGER_LOCKED")).toBe(true);
    await first.close();
    // A LOCK left behind by a process that no longer exists does not block.
    writeFileSync(join(dir, "LOCK"), "999999999");
    const second = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir });
    await second.close();
    expect(readdirSync(dir)).not.toContain("LOCK");
  });

  it("Given a corrupt snapshot, When starting, Then LEDGER_CORRUPT is raised", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "snapshot.bin"), Buffer.from([255, 255, 0, 0, 1, 2, 3]));
    const err = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: dir }).catch((e: unknown) => e);
    expect(isLocalnetError(err, "LEDGER_CORRUPT")).toBe(true);
  });
});
