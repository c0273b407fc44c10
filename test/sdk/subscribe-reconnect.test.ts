/**
 * subscribeEvents survives a dropped WebSocket: the client's socket runs through a
 * TCP relay on 127.0.0.1 whose connections are cut (an abnormal close, as when a
 * network path or an RPC node dies); web3.js reconnects and re-subscribes, the
 * subscription reports the reconnect (so a caller can backfill the gap), and events
 * keep arriving, each once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, connect, type Server, type Socket } from "node:net";
import { Connection } from "@solana/web3.js";
import { initializeGpunet, startSdkNet, type SdkNet } from "./localnet-fixture.ts";
import { createGpunetClient, type GpunetClient } from "../../sdk/src/client.ts";

let s: SdkNet;
let relay: Server;
let relayPort = 0;
const sockets = new Set<Socket>();
let adminClient: GpunetClient;

beforeAll(async () => {
  s = await startSdkNet();
  ({ adminClient } = await initializeGpunet(s));
  const target = new URL(s.net.wsUrl);
  relay = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((r) => relay.listen(0, "127.0.0.1", () => r()));
  relayPort = (relay.address() as { port: number }).port;
});
afterAll(async () => {
  for (const x of sockets) x.destroy();
  await new Promise<void>((r) => relay?.close(() => r()));
  await s?.close();
});

describe("subscribeEvents reconnect", () => {
  it("Given a live subscription, When its socket is cut, Then it reconnects, reports it, and events after the cut arrive once", async () => {
    const connection = new Connection(s.net.rpcUrl, { commitment: "confirmed", wsEndpoint: `ws://127.0.0.1:${relayPort}` });
    const admin = adminClient.wallet;
    if (!admin) throw new Error("admin wallet");
    const client = createGpunetClient({ connection, wallet: admin, pollIntervalMs: 40, resendIntervalMs: 200 });
    const got: string[] = [];
    let reconnects = 0;
    const ac = new AbortController();
    const sub = client.subscribeEvents({
      signal: ac.signal,
      onReconnect: () => reconnects++,
      onEvent: (e, c) => got.push(`${c.signature}:${e.eventIndex}:${e.name}`),
    });
    const update = async (fee: number): Promise<string> => (await client.updateConfig({ protocolFeeBps: fee })).signature;
    // The first event proves the subscription is live; if it was not registered yet, send another.
    const waitFor = async (send: () => Promise<string>): Promise<string> => {
      let sig = await send();
      for (let i = 0; i < 600; i++) {
        if (got.some((g) => g.startsWith(`${sig}:`))) return sig;
        await new Promise((r) => setTimeout(r, 25));
        if (i % 80 === 79) sig = await send();
      }
      throw new Error("no event");
    };
    await waitFor(() => update(1));
    expect(sockets.size).toBeGreaterThan(0);
    for (const x of sockets) x.destroy();
    sockets.clear();
    const after = await waitFor(() => update(2));
    expect(reconnects).toBeGreaterThanOrEqual(1);
    expect(got.filter((g) => g.startsWith(`${after}:`))).toEqual([`${after}:0:configUpdated`]);
    expect(new Set(got).size).toBe(got.length);
    ac.abort();
    await sub.closed;
  });
});
