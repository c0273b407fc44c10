/**
 * PubSub through @solana/web3.js v1 `Connection` subscriptions, unmodified,
 * over a real WebSocket on 127.0.0.1 (the URL web3.js derives: RPC port + 1).
 */
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  SystemProgram,
  Transaction,
  type Logs,
  type KeyedAccountInfo,
  type AccountInfo,
  type SlotInfo,
} from "@solana/web3.js";
import { createMint, TOKEN_PROGRAM_ID } from "@solana/spl-token";
import bs58 from "bs58";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { sleep, subscribedSince, waitFor } from "./helpers.ts";

let net: Localnet;
let connection: Connection;
const payer = Keypair.generate();

beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 20, finalizedDepth: 8 });
  connection = new Connection(net.rpcUrl, "confirmed");
  net.airdrop(payer.publicKey, 100n * BigInt(LAMPORTS_PER_SOL));
});

afterAll(async () => {
  await sleep(700);
  await net.close();
});

async function transfer(to = Keypair.generate().publicKey, lamports = LAMPORTS_PER_SOL): Promise<string> {
  const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports }));
  const { blockhash } = await connection.getLatestBlockhash();
  tx.recentBlockhash = blockhash;
  tx.feePayer = payer.publicKey;
  tx.sign(payer);
  return connection.sendRawTransaction(tx.serialize());
}

describe("web3.js subscriptions", () => {
  it("Given onLogs for a mentioned key, When a transfer to it lands, Then its logs arrive with the signature", async () => {
    const to = Keypair.generate().publicKey;
    const seen: Logs[] = [];
    const created = net.subscriptionsCreated;
    const id = connection.onLogs(to, (logs) => seen.push(logs), "confirmed");
    await subscribedSince(net, created); // the subscribe must reach the node before the transaction
    const sig = await transfer(to);
    const got = await waitFor(() => seen.find((l) => l.signature === sig));
    expect(got.err).toBeNull();
    expect(got.logs).toEqual(["Program 11111111111111111111111111111111 invoke [1]", "Program 11111111111111111111111111111111 success"]);
    await connection.removeOnLogsListener(id);
  });

  it("Given onLogs('all'), When any transaction lands, Then it is delivered", async () => {
    const seen: string[] = [];
    const created = net.subscriptionsCreated;
    const id = connection.onLogs("all", (logs) => seen.push(logs.signature), "processed");
    await subscribedSince(net, created); // the subscribe must reach the node before the transaction
    const sig = await transfer();
    await waitFor(() => (seen.includes(sig) ? true : undefined));
    await connection.removeOnLogsListener(id);
  });

  it("Given onSignature, When the transaction reaches confirmed, Then the callback fires once with err null", async () => {
    const sig = await transfer();
    const results: unknown[] = [];
    connection.onSignature(sig, (r, ctx) => results.push({ r, slot: ctx.slot }), "confirmed");
    await waitFor(() => (results.length > 0 ? true : undefined));
    expect(results[0]).toMatchObject({ r: { err: null } });
    await sleep(100);
    expect(results).toHaveLength(1);
  });

  it("Given onSignatureWithOptions(received), When sent, Then the receivedSignature notification arrives", async () => {
    const kp = Keypair.generate();
    net.airdrop(kp.publicKey, BigInt(LAMPORTS_PER_SOL));
    const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: kp.publicKey, toPubkey: payer.publicKey, lamports: 1000 }));
    tx.recentBlockhash = (await connection.getLatestBlockhash()).blockhash;
    tx.feePayer = kp.publicKey;
    tx.sign(kp);
    const sig = bs58.encode(tx.signature as Buffer);
    const kinds: string[] = [];
    // web3.js drops its listener after the first callback, so only 'received' reaches it
    // (the full received -> status sequence is checked on a raw socket in pubsub-raw.test.ts).
    const created = net.subscriptionsCreated;
    connection.onSignatureWithOptions(sig, (n) => kinds.push(n.type), { commitment: "confirmed", enableReceivedNotification: true });
    await subscribedSince(net, created); // the subscribe must reach the node before the transaction
    await connection.sendRawTransaction(tx.serialize());
    await waitFor(() => (kinds.length > 0 ? true : undefined));
    expect(kinds).toEqual(["received"]);
  });

  it("Given onAccountChange, When lamports arrive, Then the new account info is delivered", async () => {
    const to = Keypair.generate().publicKey;
    const seen: AccountInfo<Buffer>[] = [];
    const created = net.subscriptionsCreated;
    const id = connection.onAccountChange(to, (info) => seen.push(info), { commitment: "confirmed" });
    await subscribedSince(net, created); // the subscribe must reach the node before the transaction
    await transfer(to, 2 * LAMPORTS_PER_SOL);
    const got = await waitFor(() => seen[0]);
    expect(got.lamports).toBe(2 * LAMPORTS_PER_SOL);
    expect(got.owner.toBase58()).toBe(SystemProgram.programId.toBase58());
    expect(got.data.length).toBe(0);
    await connection.removeAccountChangeListener(id);
  });

  it("Given onProgramAccountChange with a dataSize filter, When a mint is created, Then the mint account is delivered", async () => {
    const seen: KeyedAccountInfo[] = [];
    const created = net.subscriptionsCreated;
    const id = connection.onProgramAccountChange(TOKEN_PROGRAM_ID, (k) => seen.push(k), { commitment: "confirmed", filters: [{ dataSize: 82 }] });
    await subscribedSince(net, created); // the subscribe must reach the node before the transaction
    const mint = await createMint(connection, payer, payer.publicKey, null, 9);
    const got = await waitFor(() => seen.find((k) => k.accountId.equals(mint)));
    expect(got.accountInfo.data.length).toBe(82);
    expect(got.accountInfo.owner.equals(TOKEN_PROGRAM_ID)).toBe(true);
    expect(seen.every((k) => k.accountInfo.data.length === 82)).toBe(true);
    await connection.removeProgramAccountChangeListener(id);
  });

  it("Given onSlotChange, When slots pass, Then increasing slots arrive with parent and root", async () => {
    const seen: SlotInfo[] = [];
    const id = connection.onSlotChange((s) => seen.push(s));
    await waitFor(() => (seen.length >= 3 ? true : undefined));
    const [a, b] = [seen[0] as SlotInfo, seen[1] as SlotInfo];
    expect(b.slot).toBeGreaterThan(a.slot);
    expect(b.parent).toBe(b.slot - 1);
    expect(b.root).toBeLessThan(b.slot);
    await connection.removeSlotChangeListener(id);
  });
});
