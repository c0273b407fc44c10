/**
 * S3-S6 against the real program on a real localnet: program errors from both
 * paths, IDL/program mismatch, blockhash expiry with the same signed bytes, and
 * HTTP 429 with Retry-After through a real HTTP proxy on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Connection } from "@solana/web3.js";
import { initializeGpunet, keypairWallet, startSdkNet, type SdkNet } from "./localnet-fixture.ts";
import { createGpunetClient, type GpunetClient } from "../../sdk/src/client.ts";
import { type GpunetError, isGpunetError } from "../../sdk/src/errors.ts";
import { findConfigPda } from "../../sdk/src/pdas.ts";
import { accountFieldOffset } from "../../sdk/src/accounts.ts";
import { createRetryingFetch, parseRetryAfter } from "../../sdk/src/retrying-fetch.ts";
import { GPUNET_PROGRAM_ADDRESS } from "../../sdk/src/idl.ts";
import { GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";

let s: SdkNet;
let adminClient: GpunetClient;

beforeAll(async () => {
  s = await startSdkNet();
  ({ adminClient } = await initializeGpunet(s));
});
afterAll(async () => {
  await s?.close();
});

/** The real connection, with submissions passing through `gate` (a lossy network). */
function lossyConnection(net: SdkNet, gate: (raw: Uint8Array, n: number) => "drop" | "forward") {
  const sent: Buffer[] = [];
  const conn = new Proxy(net.connection, {
    get(target, prop, receiver) {
      if (prop === "sendRawTransaction") {
        return async (raw: Uint8Array | Buffer | number[], opts?: unknown) => {
          const bytes = Buffer.from(raw as Uint8Array);
          sent.push(bytes);
          if (gate(bytes, sent.length) === "drop") return "dropped";
          return target.sendRawTransaction(bytes, opts as never);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { conn, sent };
}

describe("S5: blockhash expiry during send", () => {
  it("Given the first two submissions lost, When the third arrives, Then it lands with the original signature and one signing", async () => {
    const ownerKp = await s.user(10_000n);
    const wallet = keypairWallet(ownerKp);
    await s.client(wallet).registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 1, region: REGION.northAmerica });
    wallet.signCount = 0;
    const { conn, sent } = lossyConnection(s, (_raw, n) => (n <= 2 ? "drop" : "forward"));
    const client = createGpunetClient({ connection: conn, wallet, pollIntervalMs: 20, resendIntervalMs: 1 });
    const r = await client.stake({ amount: 1_000n });
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sent.map((b) => b.toString("base64"))).size).toBe(1);
    expect(wallet.signCount).toBe(1);
    expect(r.events.map((e) => e.name)).toEqual(["staked"]);
    expect((await client.fetchProvider()).data.activeStake).toBe(1_000n);
  });
});

describe("S6: HTTP 429 and transient failures", () => {
  let proxy: Server;
  let url: string;
  let mode: { limitFirst: number; retryAfter: string | null } = { limitFirst: 0, retryAfter: "1" };
  let requests = 0;
  beforeAll(async () => {
    const target = new URL(s.net.rpcUrl);
    proxy = createServer((req, res) => {
      requests++;
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (requests <= mode.limitFirst) {
          res.writeHead(429, mode.retryAfter === null ? {} : { "retry-after": mode.retryAfter });
          res.end("rate limited");
          return;
        }
        fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) })
          .then(async (up) => {
            res.writeHead(up.status, { "content-type": "application/json" });
            res.end(Buffer.from(await up.arrayBuffer()));
          })
          .catch(() => {
            res.writeHead(502);
            res.end();
          });
      });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => proxy.close(() => r()));
  });

  it("Given two 429s with Retry-After: 1, When the client reads Config, Then it waited 1000 ms twice (as told) and succeeded", async () => {
    requests = 0;
    mode = { limitFirst: 2, retryAfter: "1" };
    const waits: number[] = [];
    const fetchImpl = createRetryingFetch({ sleep: async (ms) => void waits.push(ms), maxRetries: 5 });
    const client = createGpunetClient({ connection: new Connection(url, { fetch: fetchImpl, commitment: "confirmed" }) });
    const cfg = await client.fetchConfig();
    expect(cfg.data.version).toBe(1);
    expect(waits).toEqual([1000, 1000]);
  });

  it("Given 429 forever, When the retries run out, Then a typed RateLimited error (with the last Retry-After), and web3.js added no retries of its own", async () => {
    requests = 0;
    mode = { limitFirst: Number.MAX_SAFE_INTEGER, retryAfter: "2" };
    const waits: number[] = [];
    const fetchImpl = createRetryingFetch({ sleep: async (ms) => void waits.push(ms), maxRetries: 3 });
    const client = createGpunetClient({ connection: new Connection(url, { fetch: fetchImpl }) });
    let err: unknown;
    try {
      await client.fetchConfig();
    } catch (e) {
      err = e;
    }
    expect(isGpunetError(err, "RateLimited")).toBe(true);
    expect((err as GpunetError).context).toMatchObject({ httpStatus: 429, retryAfterMs: 2000 });
    expect(requests).toBe(4);
    expect(waits).toEqual([2000, 2000, 2000]);
  });

  it("Given 429 without Retry-After, Then exponential backoff with full jitter (the jitter draw at its ceiling here)", async () => {
    requests = 0;
    mode = { limitFirst: 3, retryAfter: null };
    const waits: number[] = [];
    const fetchImpl = createRetryingFetch({ sleep: async (ms) => void waits.push(ms), baseDelayMs: 100, random: () => 1 });
    const client = createGpunetClient({ connection: new Connection(url, { fetch: fetchImpl }) });
    await client.fetchConfig();
    expect(waits).toEqual([100, 200, 400]);
  });

  it("Given a dead endpoint, Then a typed Transport error", async () => {
    const fetchImpl = createRetryingFetch({ sleep: async () => undefined, maxRetries: 1 });
    const client = createGpunetClient({ connection: new Connection("http://127.0.0.1:9", { fetch: fetchImpl }) });
    await expect(client.fetchConfig()).rejects.toMatchObject({ code: "Transport" });
  });

  it("parses Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeNull();
  });
});

/** Waits until a "confirmed" read shows the Config version byte `v` (setAccount writes the processed view). */
async function untilConfigVersion(v: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = await s.connection.getAccountInfo(findConfigPda()[0]);
    if (info?.data[accountFieldOffset("config", "version")] === v) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("config change not visible");
}

/** setAccount writes the processed view; reads at "confirmed" see it a slot later. */
async function untilConfigLength(n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const info = await s.connection.getAccountInfo(findConfigPda()[0]);
    if (info?.data.length === n) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("config change not visible");
}

describe("S4: IDL / program mismatch", () => {
  it("Given a Config whose version byte differs, When verifyProgram runs, Then IdlMismatch names both versions", async () => {
    const [cfg] = findConfigPda();
    const info = await s.connection.getAccountInfo(cfg);
    if (!info) throw new Error("no config");
    const data = new Uint8Array(info.data);
    data[accountFieldOffset("config", "version")] = 2;
    s.net.setAccount(cfg, { lamports: BigInt(info.lamports), data, owner: info.owner.toBase58(), executable: false });
    await untilConfigVersion(2);
    try {
      await expect(adminClient.verifyProgram()).rejects.toMatchObject({ code: "IdlMismatch" });
      const err = (await adminClient.verifyProgram().catch((e: unknown) => e)) as GpunetError;
      expect(err.message).toMatch(/account version 1/);
      expect(err.message).toMatch(/account version 2/);
      expect(err.context.expectedVersion).toContain("IDL 0.1.0");
    } finally {
      data[accountFieldOffset("config", "version")] = 1;
      s.net.setAccount(cfg, { lamports: BigInt(info.lamports), data, owner: info.owner.toBase58(), executable: false });
    }
    await untilConfigVersion(1);
    await expect(adminClient.verifyProgram()).resolves.toMatchObject({ configChecked: true });
  });

  it("Given a Config of another size, Then IdlMismatch from verifyProgram and from fetchConfig", async () => {
    const [cfg] = findConfigPda();
    const info = await s.connection.getAccountInfo(cfg);
    if (!info) throw new Error("no config");
    const longer = new Uint8Array(info.data.length + 8);
    longer.set(info.data);
    s.net.setAccount(cfg, { lamports: BigInt(info.lamports), data: longer, owner: info.owner.toBase58(), executable: false });
    await untilConfigLength(longer.length);
    try {
      await expect(adminClient.verifyProgram()).rejects.toMatchObject({ code: "IdlMismatch" });
      await expect(adminClient.fetchConfig()).rejects.toMatchObject({ code: "IdlMismatch" });
    } finally {
      s.net.setAccount(cfg, { lamports: BigInt(info.lamports), data: new Uint8Array(info.data), owner: info.owner.toBase58(), executable: false });
      await untilConfigLength(info.data.length);
    }
  });

  it("Given no program at the address, Then IdlMismatch says so", async () => {
    const other = createGpunetClient({ connection: s.connection, programId: "Fake1111111111111111111111111111111111111111" });
    const err = await other.verifyProgram().catch((e: unknown) => e);
    expect(isGpunetError(err, "IdlMismatch")).toBe(true);
    expect((err as GpunetError).message).toContain("no executable program");
    expect(GPUNET_PROGRAM_ADDRESS).not.toBe("Fake1111111111111111111111111111111111111111");
  });
});

describe("S5: blockhash expiry (on its own localnet, since it moves the chain 300 slots ahead)", () => {
  let own: SdkNet;
  beforeAll(async () => {
    own = await startSdkNet();
    await initializeGpunet(own);
  });
  afterAll(async () => {
    await own?.close();
  });
  it("Given every submission lost, When the blockhash expires, Then BlockhashExpired carries the signature; the same bytes were re-sent and signed once", async () => {
    const ownerKp = await own.user(10_000n);
    const wallet = keypairWallet(ownerKp);
    await own.client(wallet).registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 1, region: REGION.northAmerica });
    wallet.signCount = 0;
    const { conn, sent } = lossyConnection(own, (_raw, n) => {
      // After a few re-sends, move the chain past the blockhash's last valid height.
      if (n === 3) own.net.advanceSlots(300);
      return "drop";
    });
    const client = createGpunetClient({ connection: conn, wallet, pollIntervalMs: 20, resendIntervalMs: 1 });
    let err: unknown;
    try {
      await client.stake({ amount: 1_000n });
    } catch (e) {
      err = e;
    }
    expect(isGpunetError(err, "BlockhashExpired")).toBe(true);
    const sig = (err as GpunetError).context.signature;
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sent.map((b) => b.toString("base64"))).size).toBe(1);
    // The signature reported is the one inside the bytes that were sent.
    const { VersionedTransaction } = await import("@solana/web3.js");
    const bs58 = (await import("bs58")).default;
    expect(sig).toBe(bs58.encode(VersionedTransaction.deserialize(sent[0] as Buffer).signatures[0] as Uint8Array));
    expect(wallet.signCount).toBe(1);
    const st = await own.connection.getSignatureStatuses([sig as string], { searchTransactionHistory: true });
    expect(st.value[0]).toBeNull();
    expect((await client.fetchProvider()).data.activeStake).toBe(0n);
  });
});
