/**
 * The JSON-RPC envelope and its standard errors, over raw HTTP and raw
 * WebSocket: the node answers every malformed input and keeps serving.
 */
import { Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js";
import bs58 from "bs58";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalnet, isLocalnetError, type Localnet } from "../../localnet/src/index.ts";
import { openRawWs, postRaw, rpc, rpcResult, waitFor } from "./helpers.ts";

let net: Localnet;
beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 20, finalizedDepth: 4 });
});
afterAll(async () => {
  await net.close();
});

describe("HTTP JSON-RPC errors", () => {
  it("Given malformed JSON, When posted, Then -32700 Parse error with id null", async () => {
    const r = await postRaw(net.rpcUrl, '{"jsonrpc":"2.0","id":1,"method":');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null });
  });

  it("Given an unknown method, When called, Then -32601 Method not found echoing the id", async () => {
    const r = await postRaw(net.rpcUrl, { jsonrpc: "2.0", id: "abc", method: "getEverything", params: [] });
    expect(r.json).toEqual({ jsonrpc: "2.0", error: { code: -32601, message: "Method not found" }, id: "abc" });
    const proto = await postRaw(net.rpcUrl, { jsonrpc: "2.0", id: 2, method: "constructor" });
    expect((proto.json as { error: { code: number } }).error.code).toBe(-32601);
  });

  it("Given invalid request objects, When posted, Then -32600 Invalid request", async () => {
    for (const body of [{ id: 1, method: "getSlot" }, { jsonrpc: "2.0", id: 1 }, { jsonrpc: "2.0", id: {}, method: "getSlot" }, 42, []]) {
      const r = await postRaw(net.rpcUrl, body);
      expect((r.json as { error: { code: number } }).error.code).toBe(-32600);
    }
  });

  it("Given bad params, When called, Then -32602 Invalid params", async () => {
    const cases: [string, unknown[]][] = [
      ["getBalance", ["not-a-key"]],
      ["getBalance", [Keypair.generate().publicKey.toBase58(), { commitment: "sometime" }]],
      ["getAccountInfo", [Keypair.generate().publicKey.toBase58(), { encoding: "base64+zstd" }]],
      ["getProgramAccounts", [SystemProgram.programId.toBase58(), { filters: [{ memcmp: { offset: -1, bytes: "1" } }] }]],
      [
        "getProgramAccounts",
        [SystemProgram.programId.toBase58(), { filters: [{ dataSize: 1 }, { dataSize: 1 }, { dataSize: 1 }, { dataSize: 1 }, { dataSize: 1 }] }],
      ],
      ["getSignaturesForAddress", [Keypair.generate().publicKey.toBase58(), { limit: 1001 }]],
      ["getTransaction", ["1111", { commitment: "confirmed" }]],
      ["getTransaction", [new Array(88).fill("1").join(""), { commitment: "processed" }]],
      ["getMultipleAccounts", ["x"]],
      ["requestAirdrop", [Keypair.generate().publicKey.toBase58(), -1]],
      ["getBlock", [0, { commitment: "processed" }]],
      ["getTokenAccountBalance", [Keypair.generate().publicKey.toBase58()]],
    ];
    for (const [method, params] of cases) {
      const r = await rpc(net.rpcUrl, method, params);
      expect(r.error, `${method} ${JSON.stringify(params)}`).toMatchObject({ code: -32602 });
      expect(typeof (r.error as { message: string }).message).toBe("string");
    }
    const obj = await postRaw(net.rpcUrl, { jsonrpc: "2.0", id: 1, method: "getSlot", params: { commitment: "processed" } });
    expect((obj.json as { error: { code: number } }).error.code).toBe(-32602);
  });

  it("Given bad transaction bytes, When sent or simulated, Then -32602 and nothing lands", async () => {
    const bad = [
      ["sendTransaction", ["!!notbase58!!"]],
      ["sendTransaction", ["AAAA", { encoding: "base64" }]],
      ["sendTransaction", [Buffer.from([1, 2, 3, 4, 5]).toString("base64"), { encoding: "base64" }]],
      ["sendTransaction", ["A".repeat(2000), { encoding: "base64" }]],
      ["sendTransaction", ["AQ==", { encoding: "hex" }]],
      ["simulateTransaction", ["zzz", { encoding: "base64" }]],
      ["getFeeForMessage", ["AQID"]],
    ] as const;
    for (const [method, params] of bad) {
      const r = await rpc(net.rpcUrl, method, [...params]);
      expect(r.error, `${method} ${JSON.stringify(params)}`).toMatchObject({ code: -32602 });
    }
  });

  it("Given a tampered signature, When sent with preflight, Then -32003 signature verification failure", async () => {
    const payer = Keypair.generate();
    net.airdrop(payer.publicKey, BigInt(LAMPORTS_PER_SOL));
    const { blockhash } = await rpcResult<{ value: { blockhash: string } }>(net.rpcUrl, "getLatestBlockhash", []).then((r) => r.value);
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL / 2 }),
    );
    tx.sign(payer);
    const wire = tx.serialize();
    wire[5] = (wire[5] ?? 0) ^ 0xff;
    const r = await rpc(net.rpcUrl, "sendTransaction", [wire.toString("base64"), { encoding: "base64" }]);
    expect(r.error).toMatchObject({ code: -32003, message: "Transaction signature verification failure" });
    const sim = await rpc(net.rpcUrl, "simulateTransaction", [wire.toString("base64"), { encoding: "base64", sigVerify: true }]);
    expect(sim.error).toMatchObject({ code: -32003 });
    const unchecked = await rpc(net.rpcUrl, "simulateTransaction", [wire.toString("base64"), { encoding: "base64", commitment: "processed" }]);
    expect((unchecked.result as { value: { err: unknown } }).value.err).toBeNull();
  });

  it("Given a transaction that already landed, When it is sent again, Then preflight says AlreadyProcessed and it never lands twice", async () => {
    const payer = Keypair.generate();
    net.airdrop(payer.publicKey, BigInt(LAMPORTS_PER_SOL));
    const { value } = await rpcResult<{ value: { blockhash: string } }>(net.rpcUrl, "getLatestBlockhash", [{ commitment: "processed" }]);
    const to = Keypair.generate().publicKey;
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: value.blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: LAMPORTS_PER_SOL / 2 }),
    );
    tx.sign(payer);
    const wire = tx.serialize().toString("base64");
    // The blockhash came from 'processed', so preflight must run there too (at the default
    // 'finalized' a cluster answers BlockhashNotFound; see the next test).
    const sig = await rpcResult<string>(net.rpcUrl, "sendTransaction", [wire, { encoding: "base64", preflightCommitment: "processed" }]);
    const again = await rpc(net.rpcUrl, "sendTransaction", [wire, { encoding: "base64", preflightCommitment: "processed" }]);
    expect(again.error).toMatchObject({
      code: -32002,
      message: "Transaction simulation failed: This transaction has already been processed",
      data: { err: "AlreadyProcessed" },
    });
    expect(await rpcResult<string>(net.rpcUrl, "sendTransaction", [wire, { encoding: "base64", skipPreflight: true }])).toBe(sig);
    const bal = await rpcResult<{ value: number }>(net.rpcUrl, "getBalance", [to.toBase58(), { commitment: "processed" }]);
    expect(bal.value).toBe(LAMPORTS_PER_SOL / 2);
  });

  it("Given an airdrop too small for rent exemption, When requested, Then RPC returns the failed signature and the library raises AIRDROP_FAILED", async () => {
    const to = Keypair.generate().publicKey.toBase58();
    const sig = await rpcResult<string>(net.rpcUrl, "requestAirdrop", [to, 1]);
    const st = (await rpcResult<{ value: { err: unknown }[] }>(net.rpcUrl, "getSignatureStatuses", [[sig]])).value[0];
    expect(st?.err).toEqual({ InsufficientFundsForRent: { account_index: 1 } });
    let err: unknown;
    try {
      net.airdrop(to, 1n);
    } catch (e) {
      err = e;
    }
    expect(isLocalnetError(err, "AIRDROP_FAILED")).toBe(true);
  });

  it("Given a batch mixing good, bad and notification entries, When posted, Then replies come in order and notifications get none", async () => {
    const r = await postRaw(net.rpcUrl, [
      { jsonrpc: "2.0", id: 1, method: "getHealth" },
      { jsonrpc: "2.0", id: 2, method: "nope" },
      { jsonrpc: "2.0", method: "getSlot" },
      { jsonrpc: "2.0", id: 3, method: "getBalance", params: ["bad"] },
      "garbage",
    ]);
    const replies = r.json as { id: unknown; result?: unknown; error?: { code: number } }[];
    expect(replies.map((x) => x.id)).toEqual([1, 2, 3, null]);
    expect(replies[0]?.result).toBe("ok");
    expect(replies.slice(1).map((x) => x.error?.code)).toEqual([-32601, -32602, -32600]);
    const onlyNotifications = await postRaw(net.rpcUrl, [{ jsonrpc: "2.0", method: "getSlot" }]);
    expect(onlyNotifications.text).toBe("");
  });

  it("Given GET requests, When /health or / is asked, Then ok or 405", async () => {
    const health = await fetch(`${net.rpcUrl}/health`);
    expect(await health.text()).toBe("ok");
    expect((await fetch(net.rpcUrl)).status).toBe(405);
  });
});

describe("WebSocket PubSub errors and lifecycle", () => {
  it("Given malformed and unknown WS requests, When sent, Then the standard errors come back and the socket stays open", async () => {
    const ws = await openRawWs(net.wsUrl);
    ws.sendText("{not json");
    await waitFor(() => (ws.replies.length >= 1 ? true : undefined));
    expect(ws.replies[0]).toEqual({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null });
    expect((await ws.request("fooSubscribe", [])).error).toMatchObject({ code: -32601 });
    expect((await ws.request("constructor", [])).error).toMatchObject({ code: -32601 });
    expect((await ws.request("accountSubscribe", ["bad-key"])).error).toMatchObject({ code: -32602 });
    expect((await ws.request("logsSubscribe", [{ mentions: ["a", "b"] }])).error).toMatchObject({ code: -32602 });
    expect((await ws.request("accountUnsubscribe", [987654])).error).toMatchObject({ code: -32602, message: "Invalid subscription id." });
    const id = (await ws.request("slotSubscribe")).result;
    expect(typeof id).toBe("number");
    expect((await ws.request("slotUnsubscribe", [id])).result).toBe(true);
    await ws.close();
  });

  it("Given enableReceivedNotification, When the transaction lands, Then receivedSignature precedes the status", async () => {
    const ws = await openRawWs(net.wsUrl);
    const payer = Keypair.generate();
    net.airdrop(payer.publicKey, BigInt(LAMPORTS_PER_SOL));
    const { value } = await rpcResult<{ value: { blockhash: string } }>(net.rpcUrl, "getLatestBlockhash", [{ commitment: "processed" }]);
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: value.blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL / 2 }),
    );
    tx.sign(payer);
    const sig = bs58.encode(tx.signature as Buffer);
    const sub = (await ws.request("signatureSubscribe", [sig, { commitment: "confirmed", enableReceivedNotification: true }])).result;
    await rpcResult(net.rpcUrl, "sendTransaction", [tx.serialize().toString("base64"), { encoding: "base64", preflightCommitment: "processed" }]);
    await waitFor(() => (ws.notifications.length >= 2 ? true : undefined));
    const values = ws.notifications.map((n) => (n.params as { subscription: unknown; result: { value: unknown } }).result.value);
    expect(values).toEqual(["receivedSignature", { err: null }]);
    expect(ws.notifications.every((n) => (n.params as { subscription: unknown }).subscription === sub)).toBe(true);
    await ws.close();
  });

  it("Given a socket closed mid-subscription, When transactions keep landing, Then the node drops its subscriptions and keeps serving", async () => {
    const ws = await openRawWs(net.wsUrl);
    const to = Keypair.generate().publicKey.toBase58();
    await ws.request("logsSubscribe", ["all", { commitment: "processed" }]);
    await ws.request("accountSubscribe", [to, { commitment: "processed" }]);
    await ws.request("slotSubscribe");
    expect(net.subscriptionCount).toBe(3);
    ws.socket.terminate();
    await waitFor(() => (net.subscriptionCount === 0 ? true : undefined));
    net.airdrop(to, BigInt(LAMPORTS_PER_SOL));
    expect(await rpcResult(net.rpcUrl, "getHealth")).toBe("ok");
    const again = await openRawWs(net.wsUrl);
    expect(typeof (await again.request("slotSubscribe")).result).toBe("number");
    await again.close();
  });
});
