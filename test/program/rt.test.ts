/**
 * The on-chain runtime (programs/gpunet/src/rt.c) in the Solana VM (LiteSVM),
 * through the test-only program programs/gpunet/test/rt_entry.c: input
 * parsing (duplicates, many accounts, data lengths), Anchor error lines read
 * by Anchor's own parser, sysvars, PDAs, System Program and SPL Token CPIs,
 * token account checks, closing an account, and the compute units of each
 * helper (printed).
 */
import { createHash } from "node:crypto";
import { AnchorError } from "@coral-xyz/anchor";
import { AccountLayout, AccountState, ACCOUNT_SIZE, MintLayout, MINT_SIZE, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import { address, lamports } from "@solana/kit";
import { Keypair, PublicKey, SystemProgram, Transaction, TransactionInstruction } from "@solana/web3.js";
import type { AccountMeta, Signer } from "@solana/web3.js";
import { Clock, LiteSVM } from "litesvm";
import type { TransactionMetadata } from "litesvm";
import { beforeAll, describe, expect, test } from "vitest";
import { buildProgram } from "../../tools/build-program.ts";
import { deployProgramUpgradeable, sendWeb3Transaction } from "../../localnet/src/deploy.ts";
import type { TransactionErrorJson } from "../../localnet/src/transaction-error.ts";

const Op = { Echo: 0, Error: 1, Measure: 2, Create: 3, TokenFlow: 4, TokenClose: 5, Close: 6, TokenCheck: 7 } as const;

/** Runtime status codes of gp_rt.h. */
const RT = { OK: 0n, OWNER: 2n, SIZE: 3n, STATE: 4n, MINT: 5n, AUTHORITY: 6n, SAME_ACCOUNT: 11n } as const;

let svm: LiteSVM;
let payer: Keypair;
let programId: PublicKey;

type Sent =
  | { ok: true; meta: TransactionMetadata; logs: string[]; ret: Uint8Array; cu: bigint }
  | { ok: false; rpcError: TransactionErrorJson; logs: string[] };

function send(ixs: TransactionInstruction[], signers: Signer[] = []): Sent {
  const tx = new Transaction().add(...ixs);
  tx.feePayer = payer.publicKey;
  tx.recentBlockhash = svm.latestBlockhash();
  const unique = new Map<string, Signer>();
  for (const s of [payer, ...signers]) unique.set(s.publicKey.toBase58(), s);
  tx.sign(...unique.values());
  const r = sendWeb3Transaction(svm, tx);
  if (!r.ok) return { ok: false, rpcError: r.rpcError, logs: r.meta.logs() };
  return { ok: true, meta: r.meta, logs: r.meta.logs(), ret: r.meta.returnData().data(), cu: r.meta.computeUnitsConsumed() };
}

function sendOk(ixs: TransactionInstruction[], signers: Signer[] = []): Extract<Sent, { ok: true }> {
  const r = send(ixs, signers);
  if (!r.ok) throw new Error(`transaction failed: ${JSON.stringify(r.rpcError)}\n${r.logs.join("\n")}`);
  return r;
}

function ix(data: Uint8Array, keys: AccountMeta[]): TransactionInstruction {
  return new TransactionInstruction({ programId, keys, data: Buffer.from(data) });
}

function bytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}
function u64le(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}
function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
}
function sha8(...parts: Uint8Array[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest().subarray(0, 8).toString("hex");
}

/** Places an account with exactly these fields into the VM. */
function putAccount(key: PublicKey, opts: { data?: Uint8Array; owner?: PublicKey; lamports?: bigint; executable?: boolean }): void {
  const data = opts.data ?? new Uint8Array(0);
  svm.setAccount({
    address: address(key.toBase58()),
    data,
    executable: opts.executable ?? false,
    lamports: lamports(opts.lamports ?? 1_000_000_000n),
    programAddress: address((opts.owner ?? SystemProgram.programId).toBase58()),
    space: BigInt(data.length),
  });
}

function account(key: PublicKey): { lamports: bigint; data: Uint8Array; owner: string; executable: boolean } | null {
  const a = svm.getAccount(address(key.toBase58()));
  if (!a.exists) return null;
  return { lamports: a.lamports, data: new Uint8Array(a.data), owner: a.programAddress, executable: a.executable };
}

/** "units remaining" readings of sol_log_compute_units_, in order; a helper's cost is the difference of a pair minus the empty pair's. */
function meterPairs(logs: string[]): bigint[] {
  const re = /^Program consumption: (\d+) units remaining$/;
  const r = logs.flatMap((l) => {
    const m = re.exec(l);
    return m ? [BigInt(m[1]!)] : [];
  });
  const pairs: bigint[] = [];
  for (let i = 0; i + 1 < r.length; i += 2) pairs.push(r[i]! - r[i + 1]!);
  return pairs;
}

/**
 * Compute units of the helpers bracketed in a transaction's logs: rt_entry.c
 * opens every run with an empty bracket (what the meter costs by itself),
 * subtracted from the others. Index 0 is then gp_deserialize.
 */
function meteredCu(logs: string[]): bigint[] {
  const [base, ...rest] = meterPairs(logs);
  if (base === undefined) throw new Error("no meter readings in the logs");
  return rest.map((p) => p - base);
}

beforeAll(async () => {
  const so = await buildProgram({
    sources: ["programs/gpunet/src/rt.c", "programs/gpunet/src/math128.c", "programs/gpunet/test/rt_entry.c"],
    includeDirs: ["programs/gpunet/include"],
    out: "target/build/gpunet_rt_test.so",
  });
  svm = new LiteSVM();
  payer = Keypair.generate();
  svm.airdrop(address(payer.publicKey.toBase58()), lamports(1_000_000_000_000n));
  const programKeypair = Keypair.generate();
  deployProgramUpgradeable(svm, { programKeypair, payer, programBytes: so });
  programId = programKeypair.publicKey;
});

describe("gp_deserialize: the SBPF v0 input as the program sees it", () => {
  /** Runs Echo with these metas and data, and checks every field against the VM's own view of the accounts. */
  function echoAndCheck(metas: AccountMeta[], extra: Uint8Array, signers: Signer[] = []): void {
    const data = bytes([Op.Echo], extra);
    const r = sendOk([ix(data, metas)], signers);
    // Message-level privileges: a key is writable/signer if any use of it in the transaction is.
    const writable = new Set<string>([payer.publicKey.toBase58()]);
    const signer = new Set<string>([payer.publicKey.toBase58(), ...signers.map((s) => s.publicKey.toBase58())]);
    for (const m of metas) if (m.isWritable) writable.add(m.pubkey.toBase58());
    const want: number[] = [...u64le(BigInt(metas.length))];
    metas.forEach((m, i) => {
      const k = m.pubkey.toBase58();
      const a = account(m.pubkey);
      if (!a) throw new Error(`missing account ${k}`);
      const first = metas.findIndex((x) => x.pubkey.equals(m.pubkey));
      want.push((signer.has(k) ? 1 : 0) | (writable.has(k) ? 2 : 0) | (a.executable ? 4 : 0));
      want.push(first === i ? i : first);
      want.push(...u64le(BigInt(a.data.length)), ...u64le(a.lamports));
      want.push(...Buffer.from(sha8(m.pubkey.toBytes(), new PublicKey(a.owner).toBytes(), a.data), "hex"));
    });
    want.push(...u64le(BigInt(data.length)), ...Buffer.from(sha8(data), "hex"), ...programId.toBytes());
    const got = new Uint8Array(want.length);
    got.set(r.ret);
    expect(Buffer.from(got).toString("hex")).toBe(Buffer.from(want).toString("hex"));
  }

  test("Given 32 account metas over 14 keys with data of 0 to 20,000 bytes (10 KiB padding, 8-byte alignment), When parsed, Then every key, flag, length, balance and data byte matches", () => {
    const lens = [0, 1, 7, 8, 9, 15, 16, 100, 165, 1000, 10_240, 20_000];
    const keys = lens.map((len, i) => {
      const k = Keypair.generate().publicKey;
      putAccount(k, {
        data: Uint8Array.from({ length: len }, (_, j) => (j * 31 + i) & 0xff),
        owner: i % 2 ? TOKEN_PROGRAM_ID : programId,
        lamports: 1_000_000n + BigInt(i),
      });
      return k;
    });
    // The executable System Program and the payer join the 12 data accounts.
    const pool: AccountMeta[] = [
      ...keys.map((pubkey, i) => ({ pubkey, isSigner: false, isWritable: i % 3 === 0 })),
      { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
      { pubkey: payer.publicKey, isSigner: true, isWritable: true },
    ];
    const metas: AccountMeta[] = [];
    for (let i = 0; i < 32; i++) metas.push(pool[(i * 5) % pool.length]!);
    expect(new Set(metas.map((m) => m.pubkey.toBase58())).size).toBe(14);
    echoAndCheck(
      metas,
      Uint8Array.from({ length: 200 }, (_, i) => i),
    );
  });

  test("Given one account and instruction data of 1, 2, 9 and 700 bytes, When parsed, Then the data and program id are found after the account", () => {
    for (const n of [0, 1, 8, 699]) {
      echoAndCheck(
        [{ pubkey: payer.publicKey, isSigner: true, isWritable: true }],
        Uint8Array.from({ length: n }, (_, i) => 255 - (i & 0xff)),
      );
    }
  });

  test("Given no accounts, When parsed, Then the instruction data follows the count directly", () => {
    echoAndCheck([], Uint8Array.of(9, 8, 7));
  });

  test("Given a key used first read-only and later writable and signing, When parsed, Then both positions carry the transaction-level privileges", () => {
    const other = Keypair.generate();
    putAccount(other.publicKey, { data: Uint8Array.of(1, 2, 3) });
    echoAndCheck(
      [
        { pubkey: other.publicKey, isSigner: false, isWritable: false },
        { pubkey: payer.publicKey, isSigner: false, isWritable: false },
        { pubkey: other.publicKey, isSigner: true, isWritable: true },
      ],
      new Uint8Array(0),
      [other],
    );
  });

  test("Given 33 account metas, When parsed, Then the program refuses with a named error instead of overrunning its array", () => {
    const metas: AccountMeta[] = Array.from({ length: 33 }, () => ({ pubkey: payer.publicKey, isSigner: true, isWritable: true }));
    const r = send([ix(Uint8Array.of(Op.Echo), metas)]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rpcError).toEqual({ InstructionError: [0, { Custom: 6042 }] });
    expect(AnchorError.parse(r.logs)?.error.errorCode.code).toBe("MathOverflow");
  });
});

describe("gp_error: Anchor's error line", () => {
  function fail(code: number): { err: TransactionErrorJson; logs: string[] } {
    const r = send([ix(bytes([Op.Error], u32le(code)), [])]);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected failure");
    return { err: r.rpcError, logs: r.logs };
  }

  test("Given a known error code, When the program fails with it, Then Anchor's AnchorError.parse reads its name, number and message and the VM reports the custom code", () => {
    for (const [code, name, msg] of [
      [6000, "Unauthorized", "The signer is not allowed to do this"],
      [6001, "Paused", "The protocol is paused"],
    ] as const) {
      const { err, logs } = fail(code);
      expect(err).toEqual({ InstructionError: [0, { Custom: code }] });
      const line = logs.find((l) => l.startsWith("Program log: AnchorError"));
      expect(line).toBe(`Program log: AnchorError occurred. Error Code: ${name}. Error Number: ${code}. Error Message: ${msg}.`);
      const parsed = AnchorError.parse(logs);
      expect(parsed).not.toBeNull();
      expect(parsed?.error.errorCode).toEqual({ code: name, number: code });
      expect(parsed?.error.errorMessage).toBe(msg);
      expect(parsed?.program.toBase58()).toBe(programId.toBase58());
      const consumed = logs.map((l) => /^Program \w+ consumed (\d+) of/.exec(l)?.[1]).find((x) => x !== undefined);
      console.log(`failing instruction with gp_error(${code}) (parse + error line): ${consumed} CU`);
    }
  });

  test("Given a message longer than the line buffer, When logged, Then the line is cut but still parses with the right code", () => {
    const { err, logs } = fail(6099);
    expect(err).toEqual({ InstructionError: [0, { Custom: 6099 }] });
    const parsed = AnchorError.parse(logs);
    expect(parsed?.error.errorCode).toEqual({ code: "VeryLongMessage", number: 6099 });
    expect(parsed?.error.errorMessage.startsWith("This message is deliberately")).toBe(true);
  });

  test("Given a code without a name, When logged, Then it shows as UnknownError with its number", () => {
    const { err, logs } = fail(7777);
    expect(err).toEqual({ InstructionError: [0, { Custom: 7777 }] });
    expect(AnchorError.parse(logs)?.error.errorCode).toEqual({ code: "UnknownError", number: 7777 });
  });
});

describe("sysvars, PDAs, logs: values and compute units", () => {
  test("Given a set clock, When the helpers run, Then clock, rent and PDA match the VM and web3.js, and each helper's CU is printed", () => {
    svm.setClock(new Clock(4242n, 1_699_000_000n, 17n, 18n, 1_700_000_123n));
    const a0 = Keypair.generate().publicKey;
    const [pda, bump] = PublicKey.findProgramAddressSync([Buffer.from("provider"), a0.toBuffer()], programId);
    // A live token account for the unpack measurement.
    const ta = Keypair.generate().publicKey;
    const tokenData = Buffer.alloc(ACCOUNT_SIZE);
    AccountLayout.encode(
      {
        mint: Keypair.generate().publicKey,
        owner: a0,
        amount: 5n,
        delegateOption: 0,
        delegate: PublicKey.default,
        state: AccountState.Initialized,
        isNativeOption: 0,
        isNative: 0n,
        delegatedAmount: 0n,
        closeAuthorityOption: 0,
        closeAuthority: PublicKey.default,
      },
      tokenData,
    );
    putAccount(ta, { data: tokenData, owner: TOKEN_PROGRAM_ID });
    putAccount(a0, {});
    const rentLen = 1234n;
    const r = sendOk([
      ix(bytes([Op.Measure], u64le(rentLen), [bump]), [
        { pubkey: a0, isSigner: false, isWritable: false },
        { pubkey: ta, isSigner: false, isWritable: false },
      ]),
    ]);
    const dv = new DataView(r.ret.buffer, r.ret.byteOffset, r.ret.byteLength);
    expect(dv.getBigUint64(0, true)).toBe(svm.minimumBalanceForRentExemption(rentLen));
    expect(dv.getBigInt64(8, true)).toBe(1_700_000_123n);
    expect(dv.getBigUint64(16, true)).toBe(4242n);
    expect(dv.getBigUint64(24, true)).toBe(17n);
    expect(new PublicKey(r.ret.subarray(32, 64)).toBase58()).toBe(pda.toBase58());
    expect(r.ret[64]).toBe(1); // verify with the right bump
    expect(r.ret[65]).toBe(0); // verify with another bump
    expect(r.ret[66]).toBe(0); // a0 is not the PDA
    expect(dv.getBigUint64(67, true)).toBe(RT.OK);
    expect(dv.getBigUint64(75, true)).toBe(2n); // re-parse saw both accounts
    expect(r.logs).toContain("Program log: gpunet constant log line");
    expect(r.logs).toContain("Program log: 18446744073709551615");
    expect(r.logs).toContain(`Program data: ${Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => (i < 8 ? i + 1 : 0))).toString("base64")}`);
    expect(r.logs).toContain(`Program log: ${a0.toBase58()}`);

    const cu = meteredCu(r.logs);
    // measure() brackets an empty region first (must be 0), then each helper.
    const labels = [
      "gp_deserialize (entrypoint, 2 accounts)",
      "(nothing: must be 0)",
      "gp_log (constant)",
      "gp_log_u64 (20 digits)",
      "gp_emit (64 bytes)",
      "gp_clock_now",
      "gp_rent_min_balance",
      "gp_create_pda (2 seeds + bump)",
      "gp_verify_pda (sha256)",
      "gp_key_eq",
      "gp_token_account_unpack",
      "gp_deserialize (2 accounts, again)",
      "gp_log_pubkey",
    ];
    expect(cu.length).toBe(labels.length);
    expect(cu[1]).toBe(0n);
    const rows = labels.map((l, i) => `  ${l.padEnd(40)} ${cu[i]} CU`);
    console.log(`rt helper CU (sol_log_compute_units_ deltas, meter cost subtracted):\n${rows.join("\n")}\n  whole transaction: ${r.cu} CU`);
  });
});

describe("System Program CPI: gp_system_create_account", () => {
  function createIx(space: bigint, bump: number, acc: PublicKey): TransactionInstruction {
    return ix(bytes([Op.Create], u64le(space), [bump]), [
      { pubkey: payer.publicKey, isSigner: true, isWritable: true },
      { pubkey: acc, isSigner: false, isWritable: true },
      { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
    ]);
  }

  /** A fresh payer per case, so each PDA ["acct", payer] is new. */
  function freshPayerPda(): { pda: PublicKey; bump: number } {
    payer = Keypair.generate();
    svm.airdrop(address(payer.publicKey.toBase58()), lamports(100_000_000_000n));
    const [pda, bump] = PublicKey.findProgramAddressSync([Buffer.from("acct"), payer.publicKey.toBuffer()], programId);
    return { pda, bump };
  }

  test.each([
    ["an empty address", 0n],
    ["an address pre-funded below rent (Transfer + Allocate + Assign)", 1_000n],
    ["an address pre-funded above rent (Allocate + Assign)", 5_000_000_000n],
  ])(
    "Given %s, When the program creates a 200-byte PDA account, Then it is owned by the program, rent-exempt and writable in the same instruction",
    (_label, prefund) => {
      const { pda, bump } = freshPayerPda();
      // Set directly: an airdrop below the rent-exempt minimum would be refused.
      if (prefund > 0n) putAccount(pda, { lamports: prefund });
      expect(account(pda)?.lamports ?? 0n).toBe(prefund);
      const rent = svm.minimumBalanceForRentExemption(200n);
      const r = sendOk([createIx(200n, bump, pda)]);
      const a = account(pda);
      expect(a?.owner).toBe(programId.toBase58());
      expect(a?.data.length).toBe(200);
      expect(a?.lamports).toBe(prefund > rent ? prefund : rent);
      expect(Buffer.from(a!.data.subarray(0, 8)).readBigUInt64LE()).toBe(0x1122334455667788n);
      const dv = new DataView(r.ret.buffer, r.ret.byteOffset);
      expect(dv.getBigUint64(0, true)).toBe(200n); // data_len kept in step after the CPI
      console.log(`gp_system_create_account (${_label}): ${meteredCu(r.logs)[1]} CU; whole transaction ${r.cu} CU`);
    },
  );

  test("Given an existing account, When created again, Then the System Program refuses (no re-initialization)", () => {
    const { pda, bump } = freshPayerPda();
    sendOk([createIx(64n, bump, pda)]);
    svm.expireBlockhash();
    const r = send([createIx(64n, bump, pda)]);
    expect(r.ok).toBe(false);
  });

  test("Given a program-owned account, When closed to a destination, Then its lamports move, and a later instruction in the same transaction sees it empty and system-owned", () => {
    const { pda, bump } = freshPayerPda();
    sendOk([createIx(100n, bump, pda)]);
    const dest = Keypair.generate().publicKey;
    putAccount(dest, { lamports: 1_000_000n });
    const before = account(pda)!.lamports;
    const r = sendOk([
      ix(Uint8Array.of(Op.Close), [
        { pubkey: pda, isSigner: false, isWritable: true },
        { pubkey: dest, isSigner: false, isWritable: true },
      ]),
      ix(Uint8Array.of(Op.Echo), [{ pubkey: pda, isSigner: false, isWritable: false }]),
    ]);
    // Echo of the closed account: no data, no lamports, System Program owner.
    const closed = r.ret.subarray(8, 8 + 26);
    expect(Buffer.from(closed.subarray(2, 18)).toString("hex")).toBe(Buffer.from(bytes(u64le(0n), u64le(0n))).toString("hex"));
    expect(Buffer.from(closed.subarray(18, 26)).toString("hex")).toBe(sha8(pda.toBytes(), new Uint8Array(32)));
    expect(account(pda)).toBeNull();
    expect(account(dest)?.lamports).toBe(1_000_000n + before);
    console.log(`gp_close_program_account: ${meteredCu(r.logs)[1]} CU`);
  });

  test("Given the same account as source and destination, When closed, Then the runtime refuses instead of burning lamports", () => {
    const { pda, bump } = freshPayerPda();
    sendOk([createIx(8n, bump, pda)]);
    const r = send([
      ix(Uint8Array.of(Op.Close), [
        { pubkey: pda, isSigner: false, isWritable: true },
        { pubkey: pda, isSigner: false, isWritable: true },
      ]),
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.rpcError).toEqual({ InstructionError: [0, { Custom: 100 + Number(RT.SAME_ACCOUNT) }] });
  });
});

describe("SPL Token CPIs and token account checks", () => {
  function tokenAccountData(mint: PublicKey, owner: PublicKey, amount: bigint, state: number = AccountState.Initialized): Buffer {
    const d = Buffer.alloc(ACCOUNT_SIZE);
    AccountLayout.encode(
      {
        mint,
        owner,
        amount,
        delegateOption: 0,
        delegate: PublicKey.default,
        state,
        isNativeOption: 0,
        isNative: 0n,
        delegatedAmount: 0n,
        closeAuthorityOption: 0,
        closeAuthority: PublicKey.default,
      },
      d,
    );
    return d;
  }
  function putMint(mint: PublicKey): void {
    const d = Buffer.alloc(MINT_SIZE);
    MintLayout.encode(
      {
        mintAuthorityOption: 0,
        mintAuthority: PublicKey.default,
        supply: 10_000_000n,
        decimals: 6,
        isInitialized: true,
        freezeAuthorityOption: 0,
        freezeAuthority: PublicKey.default,
      },
      d,
    );
    putAccount(mint, { data: d, owner: TOKEN_PROGRAM_ID, lamports: svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE)) });
  }

  test("Given a mint and a user's token account, When the program creates a PDA vault, takes 500 in, pays 200 out by PDA signature and closes it, Then balances and rent add up", () => {
    const mint = Keypair.generate().publicKey;
    putMint(mint);
    const user = Keypair.generate();
    svm.airdrop(address(user.publicKey.toBase58()), lamports(1_000_000_000n));
    const userTa = Keypair.generate().publicKey;
    putAccount(userTa, {
      data: tokenAccountData(mint, user.publicKey, 1_000_000n),
      owner: TOKEN_PROGRAM_ID,
      lamports: svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_SIZE)),
    });
    const [vault, bump] = PublicKey.findProgramAddressSync([Buffer.from("vault"), mint.toBuffer()], programId);

    const r = sendOk(
      [
        ix(bytes([Op.TokenFlow, bump], u64le(500n), u64le(200n)), [
          { pubkey: payer.publicKey, isSigner: true, isWritable: true },
          { pubkey: vault, isSigner: false, isWritable: true },
          { pubkey: mint, isSigner: false, isWritable: false },
          { pubkey: userTa, isSigner: false, isWritable: true },
          { pubkey: user.publicKey, isSigner: true, isWritable: false },
          { pubkey: TOKEN_PROGRAM_ID, isSigner: false, isWritable: false },
          { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
        ]),
      ],
      [user],
    );
    const dv = new DataView(r.ret.buffer, r.ret.byteOffset);
    expect(dv.getBigUint64(8, true)).toBe(RT.OK); // vault passes gp_token_account_check (mint, owner = itself)
    expect(dv.getBigUint64(0, true)).toBe(300n);
    expect(dv.getBigUint64(16, true)).toBe(165n);
    const v = account(vault)!;
    expect(v.owner).toBe(TOKEN_PROGRAM_ID.toBase58());
    expect(v.lamports).toBe(svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_SIZE)));
    const decoded = AccountLayout.decode(v.data);
    expect(decoded.owner.toBase58()).toBe(vault.toBase58());
    expect(decoded.amount).toBe(300n);
    expect(AccountLayout.decode(account(userTa)!.data).amount).toBe(1_000_000n - 300n);
    const p = meteredCu(r.logs);
    console.log(
      `SPL Token CPI CU: gp_token_create_account ${p[1]} (create + InitializeAccount3), gp_token_transfer (user signs) ${p[2]}, gp_token_transfer (PDA signs) ${p[3]}, gp_token_account_check ${p[4]}; whole transaction ${r.cu} CU`,
    );

    const dest = Keypair.generate().publicKey;
    putAccount(dest, { lamports: 1_000n });
    const rent = v.lamports;
    const c = sendOk([
      ix(Uint8Array.of(Op.TokenClose, bump), [
        { pubkey: vault, isSigner: false, isWritable: true },
        { pubkey: dest, isSigner: false, isWritable: true },
        { pubkey: mint, isSigner: false, isWritable: false },
        { pubkey: userTa, isSigner: false, isWritable: true },
        { pubkey: TOKEN_PROGRAM_ID, isSigner: false, isWritable: false },
      ]),
    ]);
    expect(account(vault)).toBeNull();
    expect(account(dest)?.lamports).toBe(1_000n + rent);
    expect(AccountLayout.decode(account(userTa)!.data).amount).toBe(1_000_000n);
    console.log(`gp_token_close_account (PDA signs): ${meteredCu(c.logs)[1]} CU`);
  });

  test("Given token accounts that are wrong in one way each, When checked, Then each gets its own runtime status", () => {
    const mint = Keypair.generate().publicKey;
    const owner = Keypair.generate().publicKey;
    const other = Keypair.generate().publicKey;
    const cases: [string, { data: Uint8Array; owner: PublicKey }, bigint][] = [
      ["valid", { data: tokenAccountData(mint, owner, 77n), owner: TOKEN_PROGRAM_ID }, RT.OK],
      ["owned by another program", { data: tokenAccountData(mint, owner, 77n), owner: programId }, RT.OWNER],
      ["164 bytes", { data: tokenAccountData(mint, owner, 77n).subarray(0, 164), owner: TOKEN_PROGRAM_ID }, RT.SIZE],
      ["uninitialized", { data: tokenAccountData(mint, owner, 77n, AccountState.Uninitialized), owner: TOKEN_PROGRAM_ID }, RT.STATE],
      ["frozen", { data: tokenAccountData(mint, owner, 77n, AccountState.Frozen), owner: TOKEN_PROGRAM_ID }, RT.STATE],
      ["another mint", { data: tokenAccountData(other, owner, 77n), owner: TOKEN_PROGRAM_ID }, RT.MINT],
      ["another authority", { data: tokenAccountData(mint, other, 77n), owner: TOKEN_PROGRAM_ID }, RT.AUTHORITY],
    ];
    for (const [label, acc, want] of cases) {
      const k = Keypair.generate().publicKey;
      putAccount(k, acc);
      const r = sendOk([ix(bytes([Op.TokenCheck], mint.toBytes(), owner.toBytes()), [{ pubkey: k, isSigner: false, isWritable: false }])]);
      const dv = new DataView(r.ret.buffer, r.ret.byteOffset);
      const got = r.ret.length >= 8 ? dv.getBigUint64(0, true) : 0n;
      expect(got, label).toBe(want);
      if (want === RT.OK) expect(dv.getBigUint64(8, true)).toBe(77n);
    }
  });
});
