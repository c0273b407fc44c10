/**
 * An Anchor client against the localnet, with a real program deployed at
 * genesis through the BPF Loader Upgradeable (the counter fixture compiled
 * from C): rpc(), account fetch/all, events over onLogs, AnchorError from a
 * preflight failure, and the program's logs in getTransaction.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import anchor, { AnchorError } from "@coral-xyz/anchor";
import type { Idl, Program } from "@coral-xyz/anchor";
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../tools/build-program.ts";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { sleep, subscribedSince, waitFor } from "./helpers.ts";

const { BN } = anchor;
const FIXTURES = join(import.meta.dirname, "../fixtures/sbf");
const baseIdl = JSON.parse(readFileSync(join(FIXTURES, "counter-idl.json"), "utf8")) as Idl;
const discHex = (d: number[] | undefined): string =>
  `0x${Buffer.from(d ?? [])
    .readBigUInt64LE()
    .toString(16)}UL`;
const COUNTER_DISC = baseIdl.accounts?.[0]?.discriminator ?? [];

interface CounterAccount {
  authority: PublicKey;
  value: InstanceType<typeof BN>;
}
type CounterClient = { fetch(pk: PublicKey): Promise<CounterAccount>; all(): Promise<{ publicKey: PublicKey; account: CounterAccount }[]> };

let net: Localnet;
let program: Program;
const programKeypair = Keypair.generate();
const payer = Keypair.generate();

beforeAll(async () => {
  const so = await buildProgram({
    sources: ["test/fixtures/sbf/counter.c"],
    includeDirs: [],
    out: "target/build/localnet-test/counter.so",
    defines: {
      DISC_BUMP: discHex(baseIdl.instructions[0]?.discriminator),
      DISC_FAIL: discHex(baseIdl.instructions[1]?.discriminator),
      DISC_COUNTER: discHex(COUNTER_DISC),
      DISC_BUMPED: discHex(baseIdl.events?.[0]?.discriminator),
    },
  });
  net = await createLocalnet({
    rpcPort: 0,
    slotMs: 20,
    finalizedDepth: 8,
    programs: [{ programId: programKeypair.publicKey.toBase58(), bytes: so, upgradeable: true, programKeypair: programKeypair.secretKey }],
  });
  net.airdrop(payer.publicKey, 10n * BigInt(LAMPORTS_PER_SOL));
  const connection = new Connection(net.rpcUrl, "confirmed");
  const provider = new anchor.AnchorProvider(connection, new anchor.Wallet(payer), { commitment: "confirmed" });
  program = new anchor.Program({ ...baseIdl, address: programKeypair.publicKey.toBase58() }, provider);
});

afterAll(async () => {
  await sleep(700);
  await net.close();
});

function counters(): CounterClient {
  return (program.account as unknown as Record<string, CounterClient>)["counter"] as CounterClient;
}

/** A Counter account owned by the program holding `value`. */
function seedCounter(value: bigint): PublicKey {
  const pk = Keypair.generate().publicKey;
  const data = Buffer.alloc(48);
  Buffer.from(COUNTER_DISC).copy(data, 0);
  payer.publicKey.toBuffer().copy(data, 8);
  data.writeBigUInt64LE(value, 40);
  net.setAccount(pk, { lamports: net.svm.minimumBalanceForRentExemption(48n), data, owner: programKeypair.publicKey.toBase58(), executable: false });
  net.advanceSlots(1); // confirmed from here on, whatever commitment the client's preflight uses
  return pk;
}

describe("Anchor against the localnet", () => {
  it("Given an upgradeable program deployed at genesis, When getAccountInfo reads it, Then it is an executable loader-v3 program", async () => {
    const info = await program.provider.connection.getAccountInfo(programKeypair.publicKey);
    expect(info?.executable).toBe(true);
    expect(info?.owner.toBase58()).toBe("BPFLoaderUpgradeab1e11111111111111111111111");
  });

  it("Given a counter at 5, When bump(7) is sent with rpc(), Then fetch and all() read 12 and the event arrives over onLogs", async () => {
    const counter = seedCounter(5n);
    const seen: string[] = [];
    const created = net.subscriptionsCreated;
    const listener = program.addEventListener("bumped", (ev: { value: InstanceType<typeof BN> }) => seen.push(ev.value.toString()));
    await subscribedSince(net, created); // the subscribe must reach the node before the transaction
    const sig = await program.methods["bump"]?.(new BN(7)).accounts({ counter, authority: payer.publicKey }).rpc();
    expect(typeof sig).toBe("string");
    expect((await counters().fetch(counter)).value.toString()).toBe("12");
    const all = await counters().all();
    expect(all.find((a) => a.publicKey.equals(counter))?.account.value.toString()).toBe("12");
    await waitFor(() => (seen.includes("12") ? true : undefined));
    await program.removeEventListener(listener);
    const tx = await program.provider.connection.getTransaction(sig as string, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
    expect(tx?.meta?.logMessages).toContain("Program log: Instruction: Bump");
    expect(tx?.meta?.logMessages?.some((l) => l.startsWith("Program data: "))).toBe(true);
  });

  it("Given the fail instruction, When sent with rpc(), Then Anchor raises a named AnchorError from the preflight logs", async () => {
    const err = await program.methods["fail"]?.()
      .rpc()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AnchorError);
    expect((err as AnchorError).error.errorCode.number).toBeGreaterThanOrEqual(6000);
  });
});
