/**
 * gRPC failures classified by their status code, as the native Yellowstone
 * client (`@triton-one/yellowstone-grpc`) reports them: a real gRPC server on
 * 127.0.0.1 answering with every status code, and the localnet's Geyser server
 * refusing a bad token, refusing an out-of-range `fromSlot` and shutting down
 * under an open stream.
 */
import * as grpc from "@grpc/grpc-js";
import * as yellowstone from "@triton-one/yellowstone-grpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grpcStatusOf } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";

type ClientClass = typeof yellowstone.default.default;
const Client = ((yellowstone.default as unknown as { default?: ClientClass }).default ?? yellowstone.default) as unknown as ClientClass;
const client = async (url: string, token?: string) => {
  const c = new Client(url, token, { grpcConnectTimeout: 5_000 });
  await c.connect();
  return c;
};
const failure = async (f: () => Promise<unknown>): Promise<unknown> => {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("the call succeeded");
};

/** The first error of a Subscribe stream after `request` is written. */
const streamError = async (c: InstanceType<ClientClass>, request: Record<string, unknown>, then?: () => Promise<void>): Promise<unknown> => {
  const s = await c.subscribe();
  const err = new Promise<unknown>((resolve) => {
    s.on("error", resolve);
    s.on("data", () => {});
  });
  s.write({
    accounts: {},
    slots: { s: {} },
    transactions: {},
    transactionsStatus: {},
    blocks: {},
    blocksMeta: {},
    entry: {},
    accountsDataSlice: [],
    ...request,
  } as never);
  await then?.();
  return err;
};

describe("every gRPC status code, from a real server through the native client", () => {
  let server: grpc.Server;
  let url: string;
  beforeAll(async () => {
    server = new grpc.Server();
    // GetSlot fails with the status number the caller sends as its x-token, and a details text naming another status.
    const identity = (b: Buffer) => b;
    server.addService(
      {
        GetSlot: {
          path: "/geyser.Geyser/GetSlot",
          requestStream: false,
          responseStream: false,
          requestSerialize: identity,
          requestDeserialize: identity,
          responseSerialize: identity,
          responseDeserialize: identity,
        },
      },
      {
        GetSlot: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) =>
          cb({ code: Number(call.metadata.get("x-token")[0]), details: `planted: "Internal error" and The service is currently unavailable` }),
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));

  it("Given a server failing with status 1..16, When the native client calls it, Then grpcStatusOf gives that code and the server's message, whatever the message says", async () => {
    for (let code = 1; code <= 16; code++) {
      const c = await client(url, String(code));
      const e = await failure(() => c.getSlot(2));
      expect([code, grpcStatusOf(e)]).toEqual([code, { code, message: `planted: "Internal error" and The service is currently unavailable` }]);
    }
  });
});

describe("the localnet's Geyser server: refused, lagged, gone", () => {
  it("Given a server that wants a token, When the client sends a wrong one, Then UNAUTHENTICATED (16) on a call and on a stream", async () => {
    const net = await localnetChain({ slotMs: 0, grpc: { token: "s3cret" } });
    try {
      const c = await client(net.net.grpcUrl as string, "wrong");
      expect(grpcStatusOf(await failure(() => c.getSlot(2)))).toEqual({ code: 16, message: "No valid auth token" });
      expect(grpcStatusOf(await failure(() => streamError(c, {}).then((e) => Promise.reject(e)))).code).toBe(16);
    } finally {
      await net.net.close();
    }
  });

  it("Given a fromSlot older than the server keeps, When subscribing, Then OUT_OF_RANGE (11) whose message names the last available slot", async () => {
    const net = await localnetChain({ slotMs: 0, grpc: { replaySlots: 5 } });
    try {
      net.net.advanceSlots(30);
      const c = await client(net.net.grpcUrl as string);
      const st = grpcStatusOf(await streamError(c, { commitment: 0, fromSlot: "1" }));
      expect(st.code).toBe(11);
      expect(st.message).toMatch(/last available: \d+$/);
    } finally {
      await net.net.close();
    }
  });

  it("Given an open stream, When the server shuts down, Then UNAVAILABLE (14) on the stream and on the next call; with no server at all, no code (a transport failure)", async () => {
    const net = await localnetChain({ slotMs: 0, grpc: {} });
    const c = await client(net.net.grpcUrl as string);
    const onStream = await streamError(c, { commitment: 0 }, () => net.net.close());
    expect(grpcStatusOf(onStream).code).toBe(14);
    expect(grpcStatusOf(await failure(() => c.getSlot(2))).code).toBe(14);
    const none = await failure(() => client("http://127.0.0.1:1"));
    expect(grpcStatusOf(none).code).toBeNull();
  });
});
