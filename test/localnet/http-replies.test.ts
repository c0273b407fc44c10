/**
 * JSON-RPC replies on the RPC port go out once the requests read together
 * are handled: over raw HTTP/1.1 they must still come back in request order
 * on a pipelined connection, each to its own connection under concurrency,
 * and a client that hangs up before its reply must not disturb the others.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";

let net: Localnet;

beforeAll(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 0 });
});
afterAll(async () => {
  await net.close();
});

function open(): Promise<Socket> {
  const u = new URL(net.rpcUrl);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port) });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}
const post = (body: string): string =>
  `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const call = (id: number, method: string): string => post(JSON.stringify({ jsonrpc: "2.0", id, method }));

/** Reads `n` HTTP responses (Content-Length framed) from `s`: status and body of each, in arrival order. */
function responses(s: Socket, n: number): Promise<{ status: number; body: string }[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out: { status: number; body: string }[] = [];
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString("latin1");
        const len = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? "0");
        if (buf.length < end + 4 + len) return;
        out.push({ status: Number(head.split(" ")[1]), body: buf.subarray(end + 4, end + 4 + len).toString("utf8") });
        buf = buf.subarray(end + 4 + len);
        if (out.length === n) {
          s.off("data", onData);
          resolve(out);
          return;
        }
      }
    };
    s.on("data", onData);
    s.once("error", reject);
    s.once("close", () => reject(new Error(`connection closed after ${out.length} of ${n} responses`)));
  });
}

describe("RPC port replies", () => {
  it("Given one connection, When a JSON-RPC call, GET /health, a malformed body and another call are pipelined in one write, Then the four answers come back in that order", async () => {
    const s = await open();
    try {
      const got = responses(s, 4);
      s.write(call(1, "getSlot") + "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + post("{not json") + call(2, "getVersion"));
      const [a, b, c, d] = await got;
      expect(a?.status).toBe(200);
      expect(JSON.parse(a?.body ?? "")).toEqual({ jsonrpc: "2.0", result: Number(net.slot), id: 1 });
      expect(b).toEqual({ status: 200, body: "ok" });
      expect(c?.status).toBe(200);
      expect(JSON.parse(c?.body ?? "")).toEqual({ jsonrpc: "2.0", error: { code: -32700, message: "Parse error" }, id: null });
      expect(JSON.parse(d?.body ?? "").id).toBe(2);
      expect(typeof JSON.parse(d?.body ?? "").result["solana-core"]).toBe("string");
    } finally {
      s.destroy();
    }
  });

  it("Given 32 connections, When each sends requests with its own ids at the same moment, Then every connection gets exactly its own replies", async () => {
    const conns = await Promise.all(Array.from({ length: 32 }, () => open()));
    try {
      const got = conns.map((s) => responses(s, 3));
      conns.forEach((s, k) => {
        s.write(call(k * 10 + 1, "getHealth") + call(k * 10 + 2, "getSlot") + call(k * 10 + 3, "getHealth"));
      });
      const all = await Promise.all(got);
      all.forEach((rs, k) => {
        expect(rs.map((r) => JSON.parse(r.body).id)).toEqual([k * 10 + 1, k * 10 + 2, k * 10 + 3]);
        expect(JSON.parse(rs[0]?.body ?? "").result).toBe("ok");
      });
    } finally {
      for (const s of conns) s.destroy();
    }
  });

  it("Given clients that hang up right after sending, When another client calls in the same moment, Then it gets its reply and the node keeps serving", async () => {
    const quitters = await Promise.all(Array.from({ length: 8 }, () => open()));
    const s = await open();
    try {
      const got = responses(s, 1);
      for (const q of quitters) {
        q.write(call(1, "getSlot"));
        q.destroy();
      }
      s.write(call(99, "getHealth"));
      expect(JSON.parse((await got)[0]?.body ?? "")).toEqual({ jsonrpc: "2.0", result: "ok", id: 99 });
      const after = await fetch(net.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 5, method: "getHealth" }),
      });
      expect(await after.json()).toEqual({ jsonrpc: "2.0", result: "ok", id: 5 });
    } finally {
      for (const q of quitters) q.destroy();
      s.destroy();
    }
  });
});
