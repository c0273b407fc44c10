/**
 * Parameter validation and resource limits, from a hostile client's side:
 * raw JSON bodies with integers past u64/i64, broken base64 filters,
 * oversized batches and a WebSocket client that never reads. Every refusal
 * is -32602 (or -32600 for the batch) with a message, and changes nothing.
 */
import { createConnection, type Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { Keypair, SystemProgram } from "@solana/web3.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { MAX_BATCH_REQUESTS } from "../../localnet/src/json-rpc.ts";
import { parseJson } from "../../localnet/src/json.ts";
import { MAX_BUFFERED_BYTES } from "../../localnet/src/ws-server.ts";
import { openRawWs, postRaw, waitFor } from "./helpers.ts";

let net: Localnet;
beforeEach(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 0, finalizedDepth: 4 });
});
afterEach(async () => {
  await net.close();
});

const SYSVAR_CLOCK = "SysvarC1ock11111111111111111111111111111111";

/** POSTs a raw JSON text (so integer literals go out exactly) and parses the reply exactly. */
async function call(method: string, paramsJson: string): Promise<Record<string, unknown>> {
  const r = await postRaw(net.rpcUrl, `{"jsonrpc":"2.0","id":1,"method":"${method}","params":${paramsJson}}`);
  return parseJson(r.text) as Record<string, unknown>;
}

function errorOf(reply: Record<string, unknown>): { code: number; message: string } {
  expect(
    reply.error,
    JSON.stringify(reply, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)),
  ).toBeDefined();
  return reply.error as { code: number; message: string };
}

/** The node's slot, clock and the Clock sysvar as a program reads it. */
async function clockView(): Promise<{ slot: bigint; unix: bigint; sysvarSlot: bigint; sysvarUnix: bigint }> {
  const slot = (await call("getSlot", '[{"commitment":"processed"}]')).result as bigint | number;
  const info = (await call("getAccountInfo", `["${SYSVAR_CLOCK}",{"encoding":"base64","commitment":"processed"}]`)).result as {
    value: { data: [string, string] };
  };
  const d = Buffer.from(info.value.data[0], "base64");
  return { slot: BigInt(slot), unix: net.node.clock.timeMs / 1000n, sysvarSlot: d.readBigUInt64LE(0), sysvarUnix: d.readBigInt64LE(32) };
}

describe("integer params", () => {
  it("Given u64 params of 2^64, When requestAirdrop, getBlock and a dataSize filter get them, Then each is -32602 with a message", async () => {
    const key = Keypair.generate().publicKey.toBase58();
    const cases: [string, string][] = [
      ["requestAirdrop", `["${key}",18446744073709551616]`],
      ["getBlock", "[18446744073709551616]"],
      ["getBlockTime", "[18446744073709551616]"],
      ["getProgramAccounts", `["${SystemProgram.programId.toBase58()}",{"filters":[{"dataSize":18446744073709551616}]}]`],
      ["getProgramAccounts", `["${SystemProgram.programId.toBase58()}",{"filters":[{"memcmp":{"offset":18446744073709551616,"bytes":"1"}}]}]`],
      ["getAccountInfo", `["${key}",{"dataSlice":{"offset":0,"length":18446744073709551616}}]`],
      ["gpunet_advanceSlots", "[18446744073709551616]"],
      ["gpunet_advanceClock", "[9223372036854775808]"],
    ];
    for (const [method, params] of cases) {
      const e = errorOf(await call(method, params));
      expect(e.code, `${method} ${params}`).toBe(-32602);
      expect(e.message).toMatch(/u64|i64/);
    }
    expect(net.node.accountState(key)).toBeNull();
  });

  it("Given a u64 above 2^53 in a raw request, When requestAirdrop gets it, Then the exact amount lands (no rounding through JSON)", async () => {
    const key = Keypair.generate().publicKey.toBase58();
    // 2^53 + 1 is the first integer a JS number cannot hold.
    const r = await call("requestAirdrop", `["${key}",9007199254740993]`);
    expect(r.error).toBeUndefined();
    const bal = (await call("getBalance", `["${key}",{"commitment":"processed"}]`)).result as { value: bigint };
    expect(bal.value).toBe(9007199254740993n);
  });

  it("Given an airdrop above the per-airdrop cap, When requested, Then -32602 and no transaction is made", async () => {
    const key = Keypair.generate().publicKey.toBase58();
    const before = net.node.history.size;
    const e = errorOf(await call("requestAirdrop", `["${key}",1000000000000000001]`));
    expect(e.code).toBe(-32602);
    expect(e.message).toContain("at most 1000000000000000000");
    expect(net.node.history.size).toBe(before);
  });

  it("Given a memcmp filter with invalid base64, When getProgramAccounts runs, Then -32602 instead of an empty pattern matching everything", async () => {
    const program = SystemProgram.programId.toBase58();
    for (const bytes of ["!!!!", "AAA", "A===", "AQ=x"]) {
      const e = errorOf(await call("getProgramAccounts", `["${program}",{"filters":[{"memcmp":{"offset":0,"bytes":"${bytes}","encoding":"base64"}}]}]`));
      expect(e.code, bytes).toBe(-32602);
      expect(e.message).toContain("base64");
    }
    // A valid base64 pattern still filters.
    const ok = await call("getProgramAccounts", `["${program}",{"filters":[{"memcmp":{"offset":0,"bytes":"AQ==","encoding":"base64"}}]}]`);
    expect(Array.isArray(ok.result)).toBe(true);
  });
});

describe("time travel refusals change nothing", () => {
  it("Given gpunet_advanceClock past the i64 clock, When refused, Then -32602 and slots, time and the Clock sysvar still move together afterwards", async () => {
    const before = await clockView();
    const e = errorOf(await call("gpunet_advanceClock", "[9223372036854775807]"));
    expect(e.code).toBe(-32602);
    expect(await clockView()).toEqual(before);
    // The next slot still reaches the Clock sysvar a program reads.
    const r = (await call("gpunet_advanceSlots", "[1]")).result as { slot: bigint | number; unixTimestamp: bigint | number };
    const after = await clockView();
    expect(after.slot).toBe(before.slot + 1n);
    expect(after.sysvarSlot).toBe(after.slot);
    expect(after.sysvarUnix).toBe(BigInt(r.unixTimestamp));
    expect(after.sysvarUnix).toBe(after.unix);
  });

  it("Given gpunet_setClock and gpunet_advanceSlots past the slot or time range, When refused, Then -32602 and neither slot nor time moved", async () => {
    const before = await clockView();
    const refused: [string, string][] = [
      // A valid slot jump with a timestamp outside i64: the slot must not move either.
      ["gpunet_setClock", '[{"slot":1000,"unixTimestamp":9223372036854775808}]'],
      // Slots past the last one whose blockhash still has a u64 lastValidBlockHeight.
      ["gpunet_setClock", '[{"slot":18446744073709551615}]'],
      ["gpunet_advanceSlots", "[18446744073709551466]"],
    ];
    for (const [method, params] of refused) {
      const e = errorOf(await call(method, params));
      expect(e.code, `${method} ${params}`).toBe(-32602);
      expect(await clockView()).toEqual(before);
    }
    // The clock set to the last i64 second is accepted; 3 more slots (1.2 s) are refused and change nothing.
    await call("gpunet_setClock", '[{"unixTimestamp":9223372036854775807}]');
    const atEdge = await clockView();
    expect(atEdge.sysvarUnix).toBe(9223372036854775807n);
    expect(errorOf(await call("gpunet_advanceSlots", "[3]")).code).toBe(-32602);
    expect(errorOf(await call("gpunet_advanceClock", "[1]")).code).toBe(-32602);
    expect(await clockView()).toEqual(atEdge);
    // Back in range, slots move and reach the Clock sysvar.
    await call("gpunet_setClock", '[{"unixTimestamp":1700000000}]');
    await call("gpunet_advanceSlots", "[1]");
    const after = await clockView();
    expect(after.sysvarSlot).toBe(before.slot + 1n);
    expect(after.sysvarUnix).toBe(after.unix);
  });
});

describe("batch cap", () => {
  it(`Given a batch of ${MAX_BATCH_REQUESTS} requests, When posted, Then all are answered; one more and the batch is refused with one -32600`, async () => {
    const batch = (n: number): string => `[${Array.from({ length: n }, (_, i) => `{"jsonrpc":"2.0","id":${i},"method":"getSlot"}`).join(",")}]`;
    const ok = await postRaw(net.rpcUrl, batch(MAX_BATCH_REQUESTS));
    expect((ok.json as unknown[]).length).toBe(MAX_BATCH_REQUESTS);
    const over = await postRaw(net.rpcUrl, batch(MAX_BATCH_REQUESTS + 1));
    const err = over.json as { error: { code: number; message: string }; id: null };
    expect(Array.isArray(over.json)).toBe(false);
    expect(err.error.code).toBe(-32600);
    expect(err.error.message).toContain(`at most ${MAX_BATCH_REQUESTS}`);
    // Over WebSocket the same cap applies.
    const ws = await openRawWs(net.wsUrl);
    try {
      ws.sendText(batch(MAX_BATCH_REQUESTS + 1));
      const reply = await waitFor(() => ws.replies[0]);
      expect((reply as { error: { code: number } }).error.code).toBe(-32600);
    } finally {
      await ws.close();
    }
  });
});

/** A WebSocket client written by hand over TCP, so it can stop reading entirely. */
async function stalledSubscriber(wsUrl: string, account: string): Promise<Socket> {
  const u = new URL(wsUrl);
  const socket = createConnection({ host: u.hostname, port: Number(u.port) });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  socket.write(
    `GET / HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => {
    let head = "";
    const onData = (d: Buffer): void => {
      head += d.toString("latin1");
      if (head.includes("\r\n\r\n")) {
        socket.off("data", onData);
        resolve();
      }
    };
    socket.on("data", onData);
  });
  // One masked text frame: accountSubscribe at processed.
  const payload = Buffer.from(
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "accountSubscribe", params: [account, { commitment: "processed", encoding: "base64" }] }),
  );
  const mask = randomBytes(4);
  const header =
    payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
  socket.write(Buffer.concat([header, mask, masked]));
  // From here on nothing is read: the kernel buffers fill, then the server's queue grows.
  socket.pause();
  return socket;
}

describe("WebSocket buffer cap", () => {
  it("Given a subscriber that never reads, When notifications pile up past the cap, Then it is dropped, while a reading subscriber keeps all of them", async () => {
    const account = Keypair.generate().publicKey.toBase58();
    const created = net.subscriptionsCreated;
    const stalled = await stalledSubscriber(net.wsUrl, account);
    const reader = await openRawWs(net.wsUrl);
    await reader.request("accountSubscribe", [account, { commitment: "processed", encoding: "base64" }]);
    await waitFor(() => (net.subscriptionsCreated >= created + 2 ? true : undefined));
    expect(net.subscriptionCount).toBe(2);
    // Each notification carries 1 MiB of data (about 1.4 MB of JSON).
    const data = new Uint8Array(randomBytes(1024 * 1024));
    const perNotification = Math.ceil((data.length * 4) / 3);
    let sent = 0;
    for (let i = 0; i < 200 && net.subscriptionCount === 2; i++) {
      net.setAccount(account, { lamports: BigInt(1_000_000_000 + i), data, owner: SystemProgram.programId.toBase58(), executable: false });
      sent++;
      await waitFor(() => (reader.notifications.length >= sent ? true : undefined));
      await new Promise((r) => setImmediate(r));
    }
    expect(net.subscriptionCount).toBe(1);
    // It was dropped only once more than the cap was queued for it (the kernel holds some too).
    expect(sent * perNotification).toBeGreaterThan(MAX_BUFFERED_BYTES);
    expect(reader.notifications.length).toBe(sent);
    expect(reader.socket.readyState).toBe(reader.socket.OPEN);
    stalled.destroy();
    await reader.close();
  });
});
