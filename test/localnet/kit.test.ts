/**
 * The localnet through @solana/kit's `createSolanaRpc` and
 * `createSolanaRpcSubscriptions`, unmodified (kit parses u64 as bigint).
 */
import {
  address,
  airdropFactory,
  appendTransactionMessageInstruction,
  createSolanaRpc,
  createSolanaRpcSubscriptions,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  lamports,
  pipe,
  sendAndConfirmTransactionFactory,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  AccountRole,
  assertIsTransactionWithBlockhashLifetime,
  type Address,
  type Instruction,
} from "@solana/kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";

let net: Localnet;
function kitClients(rpcUrl: string, wsUrl: string) {
  return { rpc: createSolanaRpc(rpcUrl), subs: createSolanaRpcSubscriptions(wsUrl) };
}
let rpc: ReturnType<typeof kitClients>["rpc"];
let subs: ReturnType<typeof kitClients>["subs"];

beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 20, finalizedDepth: 8 });
  ({ rpc, subs } = kitClients(net.rpcUrl, net.wsUrl));
});

afterAll(async () => {
  await net.close();
});

const SYSTEM = address("11111111111111111111111111111111");

function transferIx(from: Address, to: Address, amount: bigint): Instruction {
  const data = new Uint8Array(12);
  const view = new DataView(data.buffer);
  view.setUint32(0, 2, true);
  view.setBigUint64(4, amount, true);
  return {
    programAddress: SYSTEM,
    accounts: [
      { address: from, role: AccountRole.WRITABLE_SIGNER },
      { address: to, role: AccountRole.WRITABLE },
    ],
    data,
  };
}

describe("@solana/kit", () => {
  it("Given kit rpc, When reading chain state, Then u64 fields are bigints with cluster shapes", async () => {
    const { value: bh, context } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
    expect(typeof bh.lastValidBlockHeight).toBe("bigint");
    expect(typeof context.slot).toBe("bigint");
    expect(await rpc.getHealth().send()).toBe("ok");
    const epoch = await rpc.getEpochInfo().send();
    expect(typeof epoch.absoluteSlot).toBe("bigint");
    const token = await rpc.getAccountInfo(address("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"), { encoding: "base64" }).send();
    expect(token.value?.executable).toBe(true);
    expect(token.value?.space).toBeTypeOf("bigint");
  });

  it("Given kit airdrop + sendAndConfirm, When a transfer is sent, Then logsNotifications delivers its logs", async () => {
    const payer = await generateKeyPairSigner();
    const recipient = await generateKeyPairSigner();
    await airdropFactory({ rpc, rpcSubscriptions: subs })({ recipientAddress: payer.address, lamports: lamports(2_000_000_000n), commitment: "confirmed" });
    expect((await rpc.getBalance(payer.address, { commitment: "confirmed" }).send()).value).toBe(2_000_000_000n);

    const abort = new AbortController();
    const notifications = await subs.logsNotifications({ mentions: [recipient.address] }, { commitment: "confirmed" }).subscribe({ abortSignal: abort.signal });
    // kit delivers only to iterators that already exist, so start consuming before sending.
    const received = (async () => {
      for await (const n of notifications) if (n.value.logs.length > 0) return n.value;
      return undefined;
    })();

    const { value: bh } = await rpc.getLatestBlockhash().send();
    const tx = await pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(bh, m),
      (m) => appendTransactionMessageInstruction(transferIx(payer.address, recipient.address, 500_000_000n), m),
      (m) => signTransactionMessageWithSigners(m),
    );
    const sig = getSignatureFromTransaction(tx);
    assertIsTransactionWithBlockhashLifetime(tx);
    await sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions: subs })(tx, { commitment: "confirmed" });

    const got = await received;
    abort.abort();
    expect(got?.signature).toBe(sig);
    expect(got?.err).toBeNull();
    expect(got?.logs).toContain("Program 11111111111111111111111111111111 success");

    const fetched = await rpc.getTransaction(sig, { commitment: "confirmed", maxSupportedTransactionVersion: 0, encoding: "json" }).send();
    expect(fetched?.version).toBe(0);
    expect(fetched?.meta?.fee).toBe(5000n);
    const statuses = await rpc.getSignatureStatuses([sig]).send();
    expect(["confirmed", "finalized"]).toContain(statuses.value[0]?.confirmationStatus);

    const sim = await rpc
      .simulateTransaction(getBase64EncodedWireTransaction(tx), { encoding: "base64", replaceRecentBlockhash: true, sigVerify: false })
      .send();
    expect(sim.value.err).toBeNull();
    expect(sim.value.replacementBlockhash?.blockhash).toBeTypeOf("string");
  });

  it("Given kit slotNotifications, When slots pass, Then slots arrive as bigints", async () => {
    const abort = new AbortController();
    const slots = await subs.slotNotifications().subscribe({ abortSignal: abort.signal });
    const seen: bigint[] = [];
    for await (const s of slots) {
      seen.push(s.slot);
      if (seen.length === 2) break;
    }
    abort.abort();
    expect(seen[1]! > seen[0]!).toBe(true);
  });
});
