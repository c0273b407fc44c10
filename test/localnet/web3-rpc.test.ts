/**
 * The localnet through @solana/web3.js v1 `Connection` and @solana/spl-token,
 * unmodified, over real HTTP on 127.0.0.1.
 */
import {
  AddressLookupTableProgram,
  ComputeBudgetProgram,
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SendTransactionError,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";
import { createMint, getOrCreateAssociatedTokenAccount, mintTo, transfer, TOKEN_PROGRAM_ID, getAccount } from "@solana/spl-token";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { rpcResult, sleep } from "./helpers.ts";

let net: Localnet;
let connection: Connection;
const payer = Keypair.generate();

beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 20, finalizedDepth: 8 });
  connection = new Connection(net.rpcUrl, "confirmed");
  net.airdrop(payer.publicKey, 100n * BigInt(LAMPORTS_PER_SOL));
});

afterAll(async () => {
  // Let web3.js close its idle WebSocket itself before the server goes away.
  await sleep(700);
  await net.close();
});

describe("web3.js Connection", () => {
  it("Given a running node, When getLatestBlockhash is called, Then it returns a blockhash valid for 150 blocks", async () => {
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash();
    const height = await connection.getBlockHeight();
    expect(blockhash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(lastValidBlockHeight).toBeGreaterThanOrEqual(height);
    expect(lastValidBlockHeight - height).toBeLessThanOrEqual(150);
    expect(await connection.isBlockhashValid(blockhash)).toMatchObject({ value: true });
  });

  it("Given a funded payer, When a SOL transfer is sent and confirmed, Then balances, getTransaction and the fee agree", async () => {
    const to = Keypair.generate().publicKey;
    const sig = await sendAndConfirmTransaction(
      connection,
      new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: LAMPORTS_PER_SOL })),
      [payer],
    );
    expect(await connection.getBalance(to)).toBe(LAMPORTS_PER_SOL);
    const tx = await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0, commitment: "confirmed" });
    expect(tx).not.toBeNull();
    expect(tx?.version).toBe("legacy");
    expect(tx?.meta?.err).toBeNull();
    expect(tx?.meta?.fee).toBe(5000);
    const pre = tx?.meta?.preBalances ?? [];
    const post = tx?.meta?.postBalances ?? [];
    expect((pre[0] ?? 0) - (post[0] ?? 0)).toBe(LAMPORTS_PER_SOL + 5000);
    expect(tx?.meta?.logMessages).toContain("Program 11111111111111111111111111111111 success");
    expect(tx?.meta?.computeUnitsConsumed).toBe(150);
    expect(typeof tx?.blockTime).toBe("number");
    const b64 = await rpcResult<{ transaction: [string, string] }>(net.rpcUrl, "getTransaction", [sig, { encoding: "base64", commitment: "confirmed" }]);
    expect(b64.transaction[1]).toBe("base64");
    expect(Transaction.from(Buffer.from(b64.transaction[0], "base64")).signature?.length).toBe(64);
  });

  it("Given a v0 transaction, When sent, Then getTransaction needs maxSupportedTransactionVersion and reports version 0", async () => {
    const { blockhash } = await connection.getLatestBlockhash();
    const msg = new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: blockhash,
      instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL })],
    }).compileToV0Message();
    const vtx = new VersionedTransaction(msg);
    vtx.sign([payer]);
    const sig = await connection.sendTransaction(vtx);
    await connection.confirmTransaction(
      { signature: sig, blockhash, lastValidBlockHeight: (await connection.getLatestBlockhash()).lastValidBlockHeight },
      "confirmed",
    );
    await expect(connection.getTransaction(sig, { commitment: "confirmed" } as never)).rejects.toThrow(/maxSupportedTransactionVersion/);
    const tx = await connection.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0 });
    expect(tx?.version).toBe(0);
  });

  it("Given an address lookup table, When a v0 transaction uses it, Then the loaded addresses are reported and used", async () => {
    const slot = await connection.getSlot("finalized");
    const [create, table] = AddressLookupTableProgram.createLookupTable({ authority: payer.publicKey, payer: payer.publicKey, recentSlot: slot });
    const targets = [Keypair.generate().publicKey, Keypair.generate().publicKey];
    const extend = AddressLookupTableProgram.extendLookupTable({ lookupTable: table, authority: payer.publicKey, payer: payer.publicKey, addresses: targets });
    await sendAndConfirmTransaction(connection, new Transaction().add(create, extend), [payer]);
    net.advanceSlots(1); // lookup-table entries become usable from the slot after they were added
    const alt = (await connection.getAddressLookupTable(table)).value;
    expect(alt?.state.addresses.map((a) => a.toBase58())).toEqual(targets.map((t) => t.toBase58()));
    const bh = await connection.getLatestBlockhash();
    const msg = new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: bh.blockhash,
      instructions: targets.map((t) => SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: t, lamports: LAMPORTS_PER_SOL })),
    }).compileToV0Message(alt ? [alt] : []);
    const vtx = new VersionedTransaction(msg);
    vtx.sign([payer]);
    const sig = await connection.sendTransaction(vtx);
    await connection.confirmTransaction({ signature: sig, ...bh }, "confirmed");
    const tx = await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    expect(tx?.meta?.loadedAddresses?.writable.map((a) => a.toBase58())).toEqual(targets.map((t) => t.toBase58()));
    expect(tx?.transaction.message.addressTableLookups?.[0]?.accountKey.toBase58()).toBe(table.toBase58());
    expect(await connection.getBalance(targets[1] as PublicKey)).toBe(LAMPORTS_PER_SOL);
    // The loaded address is indexed for history too.
    expect((await connection.getSignaturesForAddress(targets[1] as PublicKey)).map((x) => x.signature)).toEqual([sig]);
  });

  it("Given SPL Token, When a mint is created, tokens minted and transferred, Then balances and token meta are reported", async () => {
    const mint = await createMint(connection, payer, payer.publicKey, null, 6);
    const owner2 = Keypair.generate();
    const ataA = await getOrCreateAssociatedTokenAccount(connection, payer, mint, payer.publicKey);
    const ataB = await getOrCreateAssociatedTokenAccount(connection, payer, mint, owner2.publicKey);
    await mintTo(connection, payer, mint, ataA.address, payer, 5_000_000n);
    const sig = await transfer(connection, payer, ataA.address, ataB.address, payer, 1_500_000n);
    expect((await getAccount(connection, ataB.address)).amount).toBe(1_500_000n);
    const bal = await connection.getTokenAccountBalance(ataA.address);
    expect(bal.value).toMatchObject({ amount: "3500000", decimals: 6, uiAmount: 3.5, uiAmountString: "3.5" });
    const tx = await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    const post = tx?.meta?.postTokenBalances ?? [];
    expect(post.map((b) => b.uiTokenAmount.amount).sort()).toEqual(["1500000", "3500000"]);
    expect(post[0]?.mint).toBe(mint.toBase58());
    expect(post[0]?.programId).toBe(TOKEN_PROGRAM_ID.toBase58());
    const pre = tx?.meta?.preTokenBalances ?? [];
    expect(pre.map((b) => b.uiTokenAmount.amount).sort()).toEqual(["0", "5000000"]);

    // getProgramAccounts: token accounts (165 bytes) of owner2 via memcmp at the owner offset 32.
    const accounts = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, {
      filters: [{ dataSize: 165 }, { memcmp: { offset: 32, bytes: owner2.publicKey.toBase58() } }],
    });
    expect(accounts.map((a) => a.pubkey.toBase58())).toEqual([ataB.address.toBase58()]);
    const mints = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, { filters: [{ dataSize: 82 }], dataSlice: { offset: 44, length: 1 } });
    const ours = mints.find((a) => a.pubkey.equals(mint));
    expect(ours?.account.data).toEqual(Buffer.from([6]));
    const withCtx = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, { withContext: true, filters: [{ memcmp: { offset: 0, bytes: mint.toBase58() } }] });
    expect(withCtx.value.length).toBe(2);
    expect(withCtx.context.slot).toBeGreaterThan(0);
    // The associated-token-account creation made CPIs (System, Token): they show as inner instructions.
    const ataHistory = await connection.getSignaturesForAddress(ataB.address);
    const creation = await connection.getTransaction(ataHistory[ataHistory.length - 1]?.signature ?? "", { maxSupportedTransactionVersion: 0 });
    const inner = creation?.meta?.innerInstructions?.[0]?.instructions ?? [];
    expect(inner.length).toBeGreaterThan(0);
    expect((inner[0] as { stackHeight?: number }).stackHeight).toBe(2);
    const byOwner = await connection.getTokenAccountsByOwner(owner2.publicKey, { mint });
    expect(byOwner.value.map((a) => a.pubkey.toBase58())).toEqual([ataB.address.toBase58()]);
  });

  it("Given token accounts, When read with jsonParsed (getParsedTokenAccountsByOwner, getParsedAccountInfo, getParsedTransaction), Then parsed shapes come back", async () => {
    const mint = await createMint(connection, payer, payer.publicKey, null, 2);
    const ata = await getOrCreateAssociatedTokenAccount(connection, payer, mint, payer.publicKey);
    const sig = await mintTo(connection, payer, mint, ata.address, payer, 12_345n);
    const parsed = await connection.getParsedTokenAccountsByOwner(payer.publicKey, { mint });
    const info = (parsed.value[0]!.account.data.parsed as { info: { tokenAmount: { amount: string; uiAmount: number; decimals: number } } }).info;
    expect(info.tokenAmount).toMatchObject({ amount: "12345", uiAmount: 123.45, decimals: 2 });
    const mintInfo = await connection.getParsedAccountInfo(mint);
    expect((mintInfo.value!.data as { parsed: { type: string; info: { supply: string } } }).parsed).toMatchObject({ type: "mint", info: { supply: "12345" } });
    const tx = await connection.getParsedTransaction(sig, { maxSupportedTransactionVersion: 0 });
    expect(tx?.transaction.message.accountKeys[0]?.pubkey.equals(payer.publicKey)).toBe(true);
    expect(tx?.transaction.message.accountKeys[0]?.signer).toBe(true);
    expect(tx?.meta?.postTokenBalances?.[0]?.uiTokenAmount.uiAmountString).toBe("123.45");
    const supply = await connection.getTokenSupply(mint);
    expect(supply.value.amount).toBe("12345");
  });

  it("Given several transfers, When getSignaturesForAddress pages with limit/before/until, Then pages are newest first and disjoint", async () => {
    const from = Keypair.generate();
    net.airdrop(from.publicKey, 10n * BigInt(LAMPORTS_PER_SOL));
    const sigs: string[] = [];
    for (let i = 0; i < 5; i++) {
      sigs.push(
        await sendAndConfirmTransaction(
          connection,
          new Transaction().add(
            SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL / 10 }),
          ),
          [from],
        ),
      );
    }
    const all = await connection.getSignaturesForAddress(from.publicKey);
    expect(all.length).toBe(6); // 5 transfers + the airdrop
    expect(all.slice(0, 5).map((s) => s.signature)).toEqual([...sigs].reverse());
    expect(all.every((s, i) => i === 0 || (all[i - 1]?.slot ?? 0) >= s.slot)).toBe(true);
    const page1 = await connection.getSignaturesForAddress(from.publicKey, { limit: 2 });
    const page2 = await connection.getSignaturesForAddress(from.publicKey, { limit: 2, before: page1[1]?.signature });
    expect(page1.map((s) => s.signature)).toEqual([sigs[4], sigs[3]]);
    expect(page2.map((s) => s.signature)).toEqual([sigs[2], sigs[1]]);
    const memoTx = new Transaction().add(
      new TransactionInstruction({
        programId: new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"),
        keys: [{ pubkey: from.publicKey, isSigner: true, isWritable: false }],
        data: Buffer.from("gpunet job 42"),
      }),
    );
    const memoSig = await sendAndConfirmTransaction(connection, memoTx, [from]);
    const [newest] = await connection.getSignaturesForAddress(from.publicKey, { limit: 1 });
    expect(newest).toMatchObject({ signature: memoSig, memo: "[13] gpunet job 42" });
    expect(all[0]?.memo).toBeNull();
    const untilPage = await connection.getSignaturesForAddress(from.publicKey, { until: sigs[1], before: memoSig });
    expect(untilPage.map((s) => s.signature)).toEqual([sigs[4], sigs[3], sigs[2]]);
  });

  it("Given a program error, When sent with preflight, Then SendTransactionError carries the -32002 logs; with skipPreflight, Then it lands failed", async () => {
    const poor = Keypair.generate();
    net.airdrop(poor.publicKey, BigInt(LAMPORTS_PER_SOL));
    net.advanceSlots(1); // the airdrop is now confirmed
    const tooMuch = () =>
      new Transaction().add(SystemProgram.transfer({ fromPubkey: poor.publicKey, toPubkey: payer.publicKey, lamports: 5 * LAMPORTS_PER_SOL }));
    const err = await sendAndConfirmTransaction(connection, tooMuch(), [poor]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SendTransactionError);
    expect((err as SendTransactionError).message).toMatch(/custom program error: 0x1/);
    expect((err as SendTransactionError).logs?.some((l) => l.includes("insufficient lamports"))).toBe(true);
    expect(await connection.getSignaturesForAddress(poor.publicKey)).toHaveLength(1); // only the airdrop

    const tx = tooMuch();
    const bh = await connection.getLatestBlockhash();
    tx.recentBlockhash = bh.blockhash;
    tx.feePayer = poor.publicKey;
    tx.sign(poor);
    const sig = await connection.sendRawTransaction(tx.serialize(), { skipPreflight: true });
    // web3.js either resolves with value.err (notification) or rejects with the raw err
    // (when its status poll wins the race); both carry the cluster's error JSON.
    const res = await connection.confirmTransaction({ signature: sig, ...bh }, "confirmed").then(
      (r) => r.value.err,
      (e: unknown) => e,
    );
    expect(res).toEqual({ InstructionError: [0, { Custom: 1 }] });
    net.advanceSlots(1); // make sure its slot is confirmed before reading history
    const landed = await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    expect(landed?.meta?.err).toEqual({ InstructionError: [0, { Custom: 1 }] });
    expect(landed?.meta?.fee).toBe(5000);
    expect(await connection.getBalance(poor.publicKey)).toBe(LAMPORTS_PER_SOL - 5000);
    const sigs = await connection.getSignaturesForAddress(poor.publicKey);
    expect(sigs[0]).toMatchObject({ signature: sig, err: { InstructionError: [0, { Custom: 1 }] } });
  });

  it("Given an unsigned transaction, When simulated, Then logs, unitsConsumed and requested accounts come back", async () => {
    const to = Keypair.generate().publicKey;
    const msg = new TransactionMessage({
      payerKey: payer.publicKey,
      recentBlockhash: (await connection.getLatestBlockhash()).blockhash,
      instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1234567 })],
    }).compileToV0Message();
    const sim = await connection.simulateTransaction(new VersionedTransaction(msg), {
      sigVerify: false,
      accounts: { addresses: [to.toBase58()], encoding: "base64" },
    });
    expect(sim.value.err).toBeNull();
    expect(sim.value.unitsConsumed).toBe(150);
    expect(sim.value.logs?.[0]).toBe("Program 11111111111111111111111111111111 invoke [1]");
    expect(sim.value.accounts?.[0]?.lamports).toBe(1234567);
    expect(await connection.getBalance(to)).toBe(0);
    const stale = new VersionedTransaction(
      new TransactionMessage({
        payerKey: payer.publicKey,
        recentBlockhash: PublicKey.default.toBase58(),
        instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: LAMPORTS_PER_SOL })],
      }).compileToV0Message(),
    );
    const staleSim = await connection.simulateTransaction(stale, { sigVerify: false });
    expect(staleSim.value.err).toBe("BlockhashNotFound");
    const replaced = await connection.simulateTransaction(stale, { replaceRecentBlockhash: true });
    expect(replaced.value.err).toBeNull();
  });

  it("Given transactions with compute-unit prices, When getRecentPrioritizationFees is called, Then it reports the prices paid", async () => {
    const a = Keypair.generate();
    const recipient = Keypair.generate().publicKey;
    net.airdrop(a.publicKey, BigInt(LAMPORTS_PER_SOL));
    const tx = new Transaction()
      .add(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 7777 }))
      .add(ComputeBudgetProgram.setComputeUnitLimit({ units: 10_000 }))
      .add(SystemProgram.transfer({ fromPubkey: a.publicKey, toPubkey: recipient, lamports: 1_000_000 }));
    const sig = await sendAndConfirmTransaction(connection, tx, [a]);
    // Per block, the fee reported for an account is the lowest price among transactions
    // write-locking it; only this transaction writes `recipient`.
    const fees = await connection.getRecentPrioritizationFees({ lockedWritableAccounts: [recipient] });
    const landed = await connection.getTransaction(sig, { maxSupportedTransactionVersion: 0 });
    expect(fees.find((f) => f.slot === landed?.slot)?.prioritizationFee).toBe(7777);
    // 5000 per signature + ceil(7777 * 10000 / 1e6) = 78 priority lamports.
    expect(landed?.meta?.fee).toBe(5078);
    expect(landed!.meta!.preBalances[0]! - landed!.meta!.postBalances[0]!).toBe(5078 + 1_000_000);
    const feeForMsg = await connection.getFeeForMessage(tx.compileMessage());
    expect(feeForMsg.value).toBe(5078);
  });

  it("Given landed transactions, When getBlock and getSignatureStatuses are called, Then they describe the same slot", async () => {
    const sig = await sendAndConfirmTransaction(
      connection,
      new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL })),
      [payer],
    );
    const st = await connection.getSignatureStatuses([sig], { searchTransactionHistory: true });
    const slot = st.value[0]?.slot ?? -1;
    const block = await connection.getBlock(slot, { maxSupportedTransactionVersion: 0, commitment: "confirmed" });
    expect(block?.transactions.map((t) => t.transaction.signatures[0])).toContain(sig);
    expect(typeof block?.blockhash).toBe("string");
    expect(block?.parentSlot).toBe(slot - 1);
    expect(await connection.getBlockTime(slot)).toBe(block?.blockTime);
    const info = await connection.getEpochInfo();
    expect(info.absoluteSlot).toBeGreaterThanOrEqual(slot);
    expect(await connection.getGenesisHash()).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(await connection.getMinimumBalanceForRentExemption(0)).toBe(890880);
    expect((await connection.getVersion())["solana-core"]).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
