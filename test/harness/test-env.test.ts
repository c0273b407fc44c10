import { readFileSync } from "node:fs";
import { join } from "node:path";
import anchor, { AnchorError } from "@coral-xyz/anchor";
import type { Idl, Program } from "@coral-xyz/anchor";
import { address, lamports } from "@solana/kit";
import { createAccount, createMint, getAccount, mintTo, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { Keypair, PublicKey, SystemProgram, TransactionInstruction } from "@solana/web3.js";
import { beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../tools/build-program.ts";
import { FIXTURES } from "../tools/sbf-fixtures.ts";
import { BPF_LOADER_UPGRADEABLE_ID, programDataAddress } from "../../localnet/src/deploy.ts";
import { createTestEnv, SvmTransactionError } from "./index.ts";
import type { TestEnv } from "./index.ts";

const { BN } = anchor;

const idl = JSON.parse(readFileSync(join(FIXTURES, "counter-idl.json"), "utf8")) as Idl;
const discHex = (d: number[] | undefined): string =>
  `0x${Buffer.from(d ?? [])
    .readBigUInt64LE()
    .toString(16)}UL`;
const COUNTER_DISC = idl.accounts?.[0]?.discriminator ?? [];

let so: Uint8Array;
beforeAll(async () => {
  // The fixture program takes its discriminators from the fixture IDL.
  so = await buildProgram({
    sources: ["test/fixtures/sbf/counter.c"],
    includeDirs: [],
    out: "target/build/harness-test/counter.so",
    defines: {
      DISC_BUMP: discHex(idl.instructions[0]?.discriminator),
      DISC_FAIL: discHex(idl.instructions[1]?.discriminator),
      DISC_COUNTER: discHex(COUNTER_DISC),
      DISC_BUMPED: discHex(idl.events?.[0]?.discriminator),
    },
  });
});

/** Creates a Counter account (owned by the program) holding `value`. */
function seedCounter(env: TestEnv, authority: PublicKey, value: bigint): PublicKey {
  const pk = Keypair.generate().publicKey;
  const data = Buffer.alloc(48);
  Buffer.from(COUNTER_DISC).copy(data, 0);
  authority.toBuffer().copy(data, 8);
  data.writeBigUInt64LE(value, 40);
  env.svm.setAccount({
    address: address(pk.toBase58()),
    data,
    executable: false,
    lamports: lamports(env.svm.minimumBalanceForRentExemption(48n)),
    programAddress: address(env.programId.toBase58()),
    space: 48n,
  });
  return pk;
}

interface CounterAccount {
  authority: PublicKey;
  value: InstanceType<typeof BN>;
}
function counters(program: Program | undefined): {
  fetch(pk: PublicKey): Promise<CounterAccount>;
  all(f?: unknown[]): Promise<{ publicKey: PublicKey; account: CounterAccount }[]>;
} {
  if (!program) throw new Error("no program");
  return (program.account as unknown as Record<string, ReturnType<typeof counters>>)["counter"] as ReturnType<typeof counters>;
}

for (const deploy of ["addProgram", "upgradeable"] as const) {
  describe(`harness with ${deploy}`, () => {
    it("Anchor rpc() runs the program; account fetch/all read the result; events come back from simulate()", async () => {
      // Given the counter fixture and a counter at 5
      const env = createTestEnv({ idl, program: so, deploy });
      expect(env.programId.toBase58()).toBe(idl.address);
      // And an upgradeable deploy is owned by the loader, with ProgramData naming the upgrade authority
      if (deploy === "upgradeable") {
        expect(env.getAccount(env.programId)?.owner.toBase58()).toBe(BPF_LOADER_UPGRADEABLE_ID.toBase58());
        const pd = env.getAccount(programDataAddress(env.programId));
        expect(pd?.data.readUInt32LE(0)).toBe(3);
        expect(new PublicKey(pd?.data.subarray(13, 45) ?? new Uint8Array(32)).equals(env.upgradeAuthority.publicKey)).toBe(true);
      }
      const counter = seedCounter(env, env.payer.publicKey, 5n);
      const program = env.program;
      if (!program) throw new Error("no program");
      // When bump(7) is sent through Anchor
      const sig = await program.methods["bump"]?.(new BN(7)).accounts({ counter, authority: env.payer.publicKey }).rpc();
      // Then it landed, and fetch/all decode the new state
      expect(typeof sig).toBe("string");
      expect(env.provider.lastResult?.logs).toContain("Program log: Instruction: Bump");
      expect(env.provider.lastResult?.computeUnits).toBeGreaterThan(0n);
      const acc = await counters(program).fetch(counter);
      expect(acc.value.toString()).toBe("12");
      expect(acc.authority.equals(env.payer.publicKey)).toBe(true);
      const other = seedCounter(env, Keypair.generate().publicKey, 1n);
      expect((await counters(program).all()).map((a) => a.publicKey.toBase58()).sort()).toEqual([counter.toBase58(), other.toBase58()].sort());
      const mine = await counters(program).all([{ memcmp: { offset: 8, bytes: env.payer.publicKey.toBase58() } }]);
      expect(mine.map((a) => a.publicKey.toBase58())).toEqual([counter.toBase58()]);
      // And simulate() returns the parsed event without changing state
      const sim = await program.methods["bump"]?.(new BN(1)).accounts({ counter, authority: env.payer.publicKey }).simulate();
      expect(sim?.events.map((e) => [e.name, (e.data as { value: InstanceType<typeof BN> }).value.toString()])).toEqual([["bumped", "13"]]);
      expect((await counters(program).fetch(counter)).value.toString()).toBe("12");
    });

    it("a program error surfaces as a named AnchorError through rpc()", async () => {
      const env = createTestEnv({ idl, program: so, deploy });
      const err = await env.program?.methods["fail"]?.()
        .rpc()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AnchorError);
      expect((err as AnchorError).error.errorCode).toEqual({ code: "Boom", number: 6000 }); // idl-literal-ok: the test program's own first error
      expect((err as AnchorError).logs.length).toBeGreaterThan(0);
    });
  });
}

describe("harness helpers", () => {
  it("send() returns signature, logs and compute units; failures throw SvmTransactionError with logs and the RPC error", () => {
    const env = createTestEnv({ idl, program: so });
    const counter = seedCounter(env, env.payer.publicKey, 0n);
    const bump = (amount: bigint): TransactionInstruction => {
      const data = Buffer.alloc(16);
      Buffer.from(idl.instructions[0]?.discriminator ?? []).copy(data, 0);
      data.writeBigUInt64LE(amount, 8);
      return new TransactionInstruction({
        programId: env.programId,
        keys: [
          { pubkey: counter, isSigner: false, isWritable: true },
          { pubkey: env.payer.publicKey, isSigner: true, isWritable: false },
        ],
        data,
      });
    };
    // When the same instruction is sent twice, Then both land (fresh blockhash per transaction)
    const r1 = env.send([bump(2n)]);
    const r2 = env.send([bump(2n)]);
    expect(r1.signature).not.toBe(r2.signature);
    expect(r1.computeUnits).toBeGreaterThan(0n);
    expect(env.getAccount(counter)?.data.readBigUInt64LE(40)).toBe(4n);
    // When the program fails, Then the error carries logs and the JSON-RPC error shape
    const fail = new TransactionInstruction({ programId: env.programId, keys: [], data: Buffer.from(idl.instructions[1]?.discriminator ?? []) });
    let err: unknown;
    try {
      env.send([fail]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SvmTransactionError);
    const e = err as SvmTransactionError;
    expect(e.transactionError).toEqual({ InstructionError: [0, { Custom: 6000 }] }); // idl-literal-ok: the test program's own first error
    expect(e.message).toContain("custom program error: 0x1770");
    expect(e.logs.some((l) => l.includes("AnchorError occurred. Error Code: Boom"))).toBe(true);
  });

  it("extra signers sign; a missing signer is reported by the VM, not swallowed", () => {
    const env = createTestEnv({ idl: null, program: null });
    const alice = env.fundedKeypair(5_000_000_000n);
    const bob = Keypair.generate();
    env.send([SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1_000_000 })], [alice]);
    expect(env.getAccount(bob.publicKey)?.lamports).toBe(1_000_000);
    expect(() => env.send([SystemProgram.transfer({ fromPubkey: alice.publicKey, toPubkey: bob.publicKey, lamports: 1 })])).toThrow();
  });

  it("airdrop credits lamports; warpSeconds/warpSlots move the Clock", () => {
    const env = createTestEnv({ idl: null, program: null });
    const pk = Keypair.generate().publicKey;
    env.airdrop(pk, 2_000_000n);
    expect(env.getAccount(pk)?.lamports).toBe(2_000_000);
    // A new account below rent exemption is refused, as on a cluster
    expect(() => env.airdrop(Keypair.generate().publicKey, 1n)).toThrow(SvmTransactionError);
    const t0 = env.now();
    env.warpSeconds(3600);
    const t1 = env.now();
    expect(t1.unixTimestamp - t0.unixTimestamp).toBe(3600n);
    expect(t1.slot - t0.slot).toBe(9000n);
    env.warpSlots(10);
    const t2 = env.now();
    expect(t2.slot - t1.slot).toBe(10n);
    expect(t2.unixTimestamp - t1.unixTimestamp).toBe(4n);
  });

  it("spl-token runs through connectionLike: createMint, createAccount, mintTo, getAccount, getTokenAccountBalance", async () => {
    const env = createTestEnv({ idl: null, program: null });
    const conn = env.connectionLike;
    const mint = await createMint(conn, env.payer, env.payer.publicKey, null, 6);
    const owner = Keypair.generate();
    const ata = await createAccount(conn, env.payer, mint, owner.publicKey);
    await mintTo(conn, env.payer, mint, ata, env.payer, 1_500_000n);
    const acc = await getAccount(conn, ata);
    expect(acc.amount).toBe(1_500_000n);
    expect(acc.owner.equals(owner.publicKey)).toBe(true);
    const bal = await conn.getTokenAccountBalance(ata);
    expect(bal.value).toMatchObject({ amount: "1500000", decimals: 6, uiAmountString: "1.5" });
    const byOwner = await conn.getProgramAccounts(TOKEN_PROGRAM_ID, {
      filters: [{ dataSize: 165 }, { memcmp: { offset: 32, bytes: owner.publicKey.toBase58() } }],
    });
    expect(byOwner.map((a) => a.pubkey.toBase58())).toEqual([ata.toBase58()]);
  });

  it("Anchor's event listener receives events from rpc()", async () => {
    const env = createTestEnv({ idl, program: so });
    const counter = seedCounter(env, env.payer.publicKey, 40n);
    const program = env.program;
    if (!program) throw new Error("no program");
    const seen: string[] = [];
    const id = program.addEventListener("bumped", (ev: { value: InstanceType<typeof BN> }) => seen.push(ev.value.toString()));
    await program.methods["bump"]?.(new BN(2)).accounts({ counter, authority: env.payer.publicKey }).rpc();
    await program.removeEventListener(id);
    expect(seen).toEqual(["42"]);
  });
});
