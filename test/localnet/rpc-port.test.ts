/**
 * The RPC port itself: WebSocket upgrades on it reach PubSub, and its HTTP
 * answers (health, CORS preflight, methods, oversized bodies) are as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";

let net: Localnet;

beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 0 });
});

afterAll(async () => {
  await net.close();
});

describe("RPC port", () => {
  it("Given a WebSocket opened on the RPC port, When slotSubscribe is sent and a slot passes, Then the subscription id and a slot notification come back", async () => {
    const ws = new WebSocket(net.rpcUrl.replace("http://", "ws://"));
    const messages: { id?: number; result?: unknown; method?: string; params?: { result: { slot: number } } }[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    const got = (pred: (m: (typeof messages)[number]) => boolean): Promise<(typeof messages)[number]> =>
      new Promise((resolve) => {
        const check = (): void => {
          const m = messages.find(pred);
          if (m) resolve(m);
          else setTimeout(check, 5);
        };
        check();
      });
    ws.on("message", (d: Buffer) => messages.push(JSON.parse(d.toString("utf8")) as (typeof messages)[number]));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "slotSubscribe" }));
    const sub = await got((m) => m.id === 7);
    expect(typeof sub.result).toBe("number");
    const before = net.slot;
    net.advanceSlots(1);
    const note = await got((m) => m.method === "slotNotification");
    expect(BigInt(note.params?.result.slot ?? -1)).toBe(before + 1n);
    ws.close();
  });

  it("Given the RPC port, When health, a CORS preflight, a method call and an oversized body arrive, Then each gets its answer", async () => {
    const health = await fetch(`${net.rpcUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("ok");
    const pre = await fetch(net.rpcUrl, { method: "OPTIONS" });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    const call = await fetch(net.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getSlot", params: [{ commitment: "processed" }] }),
    });
    expect(call.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await call.json()).toEqual({ jsonrpc: "2.0", result: Number(net.slot), id: 1 });
    const big = await fetch(net.rpcUrl, { method: "POST", body: "x".repeat(10 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
  });
});
