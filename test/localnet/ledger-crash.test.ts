/**
 * `gpunet localnet --ledger` under kill -9: a real child process takes
 * transfers over HTTP while clients wait for `confirmed`; it is killed at a
 * random moment, restarted on the same ledger, and every signature the node
 * ever reported confirmed must still be there with its slot and status,
 * with account balances matching exactly the transactions that survived.
 * Also the log's replay itself: non-transaction writes, time travel, a torn
 * last line, and a damaged one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import bs58 from "bs58";
import { afterAll, describe, expect, it } from "vitest";
import { createLocalnet, isLocalnetError } from "../../localnet/src/index.ts";
import { parseJson } from "../../localnet/src/json.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const TMP = join(ROOT, ".tmp");
mkdirSync(TMP, { recursive: true });
const dir = mkdtempSync(join(TMP, "ledger-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUNDS = 8;
const WORKERS = 4;
const FEE = 5000n;
const FUNDING = 1_000_000_000_000n;

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<void>;
}

function start(snapshotMs: number): Promise<Started> {
  // One process (node with the tsx loader), so SIGKILL hits the node itself and not a wrapper.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "cli/gpunet.ts", "localnet", "--rpc-port", "0", "--slot-ms", "50", "--snapshot-ms", String(snapshotMs), "--ledger", dir],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  let out = "";
  let err = "";
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`localnet did not start: ${out} ${err}`)), 60_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /JSON-RPC (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(t);
        res({ child, url: m[1], exited });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      rej(new Error(`localnet exited (${String(code)}) before serving: ${out} ${err}`));
    });
  });
}

async function call<T>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const reply = parseJson(await res.text()) as { result?: T; error?: { message: string } };
  if (reply.error) throw new Error(`${method}: ${reply.error.message}`);
  return reply.result as T;
}

interface Status {
  slot: bigint | number;
  err: unknown;
  confirmationStatus: string;
}
const statuses = async (url: string, sigs: string[]): Promise<(Status | null)[]> => {
  const out: (Status | null)[] = [];
  for (let i = 0; i < sigs.length; i += 256) {
    out.push(...(await call<{ value: (Status | null)[] }>(url, "getSignatureStatuses", [sigs.slice(i, i + 256)])).value);
  }
  return out;
};
const balances = async (url: string, keys: string[]): Promise<bigint[]> => {
  const out: bigint[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    const r = await call<{ value: ({ lamports: bigint | number } | null)[] }>(url, "getMultipleAccounts", [
      keys.slice(i, i + 100),
      { commitment: "processed", encoding: "base64" },
    ]);
    out.push(...r.value.map((a) => BigInt(a?.lamports ?? 0)));
  }
  return out;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("ledger durability under kill -9", () => {
  it(`Given a --ledger localnet child taking transfers, When it is killed -9 at random points ${ROUNDS} times and restarted, Then every confirmed signature and the balances survive`, async () => {
    const payer = Keypair.generate();
    /** Every transfer ever signed and sent (it may or may not have landed). */
    const sent: { sig: string; to: string; amount: bigint }[] = [];
    /** Signatures the node reported confirmed or finalized, with their slot. */
    const confirmed = new Map<string, bigint>();
    let funded = false;

    for (let round = 0; round < ROUNDS; round++) {
      // Alternate a long and a short snapshot interval, so kills land both between and around snapshots.
      const node = await start(round % 2 === 0 ? 30_000 : 150);
      try {
        // Then: what was confirmed before the kill is all there, same slot, same status.
        const sigs = [...confirmed.keys()];
        const st = await statuses(node.url, sigs);
        const missing = sigs.filter((_, i) => st[i] === null);
        expect(missing, `round ${round}: confirmed signatures lost`).toEqual([]);
        sigs.forEach((s, i) => {
          expect(BigInt((st[i] as Status).slot)).toBe(confirmed.get(s));
          expect((st[i] as Status).err).toBeNull();
          // Still confirmed (or finalized) right after the restart, not back to processed.
          expect((st[i] as Status).confirmationStatus).not.toBe("processed");
        });
        // ...and the accounts match exactly the transfers that survived.
        if (funded) {
          const all = await statuses(
            node.url,
            sent.map((t) => t.sig),
          );
          const landed = sent.filter((_, i) => all[i] !== null);
          const got = await balances(node.url, [payer.publicKey.toBase58(), ...sent.map((t) => t.to)]);
          expect(got[0]).toBe(FUNDING - landed.reduce((s, t) => s + t.amount + FEE, 0n));
          sent.forEach((t, i) => expect(got[i + 1], t.sig).toBe(all[i] === null ? 0n : t.amount));
        }

        if (!funded) {
          const sig = await call<string>(node.url, "requestAirdrop", [payer.publicKey.toBase58(), Number(FUNDING)]);
          for (let i = 0; i < 400; i++) {
            const [s] = await statuses(node.url, [sig]);
            if (s && s.confirmationStatus !== "processed") break;
            await sleep(20);
          }
          const [s] = await statuses(node.url, [sig]);
          expect(s?.confirmationStatus).not.toBe("processed");
          funded = true;
        }

        // When: workers send transfers and wait for confirmed while the node is killed at a random moment.
        let alive = true;
        const worker = async (): Promise<void> => {
          for (let n = 0; alive && n < 500; n++) {
            try {
              const { value } = await call<{ value: { blockhash: string } }>(node.url, "getLatestBlockhash", [{ commitment: "confirmed" }]);
              const to = Keypair.generate().publicKey;
              const amount = 1_000_000n + BigInt(sent.length);
              const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: value.blockhash }).add(
                SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: new PublicKey(to), lamports: amount }),
              );
              tx.sign(payer);
              const wire = tx.serialize().toString("base64");
              const sig = bs58.encode(tx.signature as Buffer);
              sent.push({ sig, to: to.toBase58(), amount });
              await call<string>(node.url, "sendTransaction", [wire, { encoding: "base64", preflightCommitment: "processed" }]);
              for (let i = 0; alive && i < 200; i++) {
                const [s] = await statuses(node.url, [sig]);
                if (s && s.confirmationStatus !== "processed") {
                  confirmed.set(sig, BigInt(s.slot));
                  break;
                }
                await sleep(10);
              }
            } catch {
              // The node is gone (killed): stop.
              return;
            }
          }
        };
        const before = confirmed.size;
        const workers = Array.from({ length: WORKERS }, () => worker());
        // Kill at a random moment after this round's first confirmation (bounded wait:
        // a busy machine can take a while to confirm the first transfer).
        for (let i = 0; i < 1_000 && confirmed.size === before; i++) await sleep(20);
        await sleep(Math.floor(Math.random() * 1200));
        node.child.kill("SIGKILL");
        await node.exited;
        alive = false;
        await Promise.all(workers);
        expect(confirmed.size, `round ${round}: nothing was confirmed before the kill`).toBeGreaterThan(before);
      } finally {
        node.child.kill("SIGKILL");
        await node.exited;
      }
    }

    // A last restart checks the final kill, then a clean stop.
    const node = await start(30_000);
    try {
      const sigs = [...confirmed.keys()];
      const st = await statuses(node.url, sigs);
      expect(sigs.filter((_, i) => st[i] === null)).toEqual([]);
      const all = await statuses(
        node.url,
        sent.map((t) => t.sig),
      );
      const landed = sent.filter((_, i) => all[i] !== null);
      const got = await balances(node.url, [payer.publicKey.toBase58(), ...sent.map((t) => t.to)]);
      expect(got[0]).toBe(FUNDING - landed.reduce((s, t) => s + t.amount + FEE, 0n));
      sent.forEach((t, i) => expect(got[i + 1]).toBe(all[i] === null ? 0n : t.amount));
      // Only transactions never reported confirmed may have been lost.
      console.log(
        `ledger-crash: ${confirmed.size} confirmed kept, ${sent.length} sent, ${sent.length - landed.length} never confirmed and lost over ${ROUNDS} kills`,
      );
    } finally {
      node.child.kill("SIGTERM");
      await node.exited;
    }
  }, 300_000);
});

describe("write-ahead log replay", () => {
  /** The ledger files as a crash would leave them: copied while the node still runs. */
  function crashCopy(from: string): string {
    const to = mkdtempSync(join(TMP, "ledger-copy-"));
    for (const f of readdirSync(from)) if (f !== "LOCK") copyFileSync(join(from, f), join(to, f));
    return to;
  }

  it("Given account writes, airdrops and time travel after the last snapshot, When the ledger is reopened from its crash state, Then all of it is replayed and blockhashes stay unique", async () => {
    const live = mkdtempSync(join(TMP, "ledger-live-"));
    const copies: string[] = [];
    const net = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: live, snapshotMs: 3_600_000 });
    try {
      const wallet = Keypair.generate().publicKey.toBase58();
      const sig = net.airdrop(wallet, 5_000_000_000n);
      const data = new Uint8Array([1, 2, 3, 4]);
      const other = Keypair.generate().publicKey.toBase58();
      net.setAccount(other, { lamports: 2_000_000n, data, owner: SystemProgram.programId.toBase58(), executable: false });
      net.advanceClock(3600n);
      net.advanceSlots(200n);
      const hashesBefore = new Set(net.node.clock.toState().blockhashes.map((b) => b.blockhash));
      const state = { slot: net.slot, timeMs: net.node.clock.timeMs };
      const crashed = crashCopy(live);
      copies.push(crashed);
      expect(readdirSync(crashed).some((f) => /^wal\.\d+\.jsonl$/.test(f))).toBe(true);
      // A write torn by the crash leaves a partial last line.
      const wal = readdirSync(crashed).find((f) => f.startsWith("wal.")) as string;
      appendFileSync(join(crashed, wal), '{"t":"acct","a":[["');

      const back = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: crashed });
      try {
        expect(back.slot).toBe(state.slot);
        expect(back.node.clock.timeMs).toBe(state.timeMs);
        expect(back.node.accountState(wallet)?.lamports).toBe(5_000_000_000n);
        expect(back.node.accountState(other)?.data).toEqual(data);
        expect(back.node.history.get(sig)?.meta.err).toBeNull();
        back.advanceSlots(3n);
        const fresh = back.node.clock
          .toState()
          .blockhashes.filter((b) => b.slot > state.slot)
          .map((b) => b.blockhash);
        expect(fresh).toHaveLength(3);
        for (const h of fresh) expect(hashesBefore.has(h)).toBe(false);
      } finally {
        await back.close();
      }

      // A damaged line before the end is not a torn write: the ledger is refused, typed.
      const damaged = crashCopy(live);
      copies.push(damaged);
      const w = readdirSync(damaged).find((f) => f.startsWith("wal.")) as string;
      const lines = readFileSync(join(damaged, w), "utf8").split("\n");
      lines[0] = '{"t":"tx",';
      writeFileSync(join(damaged, w), lines.join("\n"));
      const err = await createLocalnet({ rpcPort: 0, slotMs: 0, ledgerDir: damaged }).catch((e: unknown) => e);
      expect(isLocalnetError(err, "LEDGER_CORRUPT")).toBe(true);
    } finally {
      await net.close();
      for (const d of [live, ...copies]) rmSync(d, { recursive: true, force: true });
    }
  });
});
