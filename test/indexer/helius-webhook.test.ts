/**
 * `gpunet index --helius-webhook`: the indexer creates, updates or leaves alone
 * the Helius webhook pointing at its receiver. helius-sdk's webhook client calls
 * a fixed host (api-mainnet.helius-rpc.com) with the global fetch and cannot be
 * pointed at a local server, so the Helius webhook REST routes (`/v0/webhooks`)
 * are served here by a small loopback server on 127.0.0.1, typed with helius-sdk's
 * webhook types (the receiver's own tests are in sources.test.ts).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CreateWebhookRequest, Webhook } from "helius-sdk/types/webhooks";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { ensureHeliusWebhook, isIndexerError, runIndexCommand, type HeliusWebhook, type HeliusWebhookRequest } from "../../indexer/src/index.ts";
import { GPUNET_PROGRAM_ADDRESS } from "../../sdk/src/idl.ts";

const API_KEY = "test-key";
let api: Server;
let apiUrl: string;
const hooks = new Map<string, Webhook>();
const calls: string[] = [];
let outages = 0;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gpunet-helius-hook-"));
  api = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      calls.push(`${req.method} ${url.pathname}`);
      const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(JSON.stringify(body));
      };
      if (outages > 0) {
        outages--;
        return reply(503, { error: "busy" }, { "retry-after": "0" });
      }
      if (url.searchParams.get("api-key") !== API_KEY) return reply(401, { error: "unauthorized" });
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as CreateWebhookRequest) : null;
      const id = url.pathname.match(/^\/v0\/webhooks\/([^/]+)$/)?.[1];
      if (req.method === "GET" && url.pathname === "/v0/webhooks") return reply(200, [...hooks.values()]);
      if (req.method === "POST" && url.pathname === "/v0/webhooks" && body) {
        const w: Webhook = { webhookID: `hook-${hooks.size + 1}`, wallet: "w", authHeader: "", webhookType: "enhanced", ...body };
        hooks.set(w.webhookID, w);
        return reply(200, w);
      }
      if (req.method === "PUT" && id !== undefined && hooks.has(id) && body) {
        const w: Webhook = { ...(hooks.get(id) as Webhook), ...body };
        hooks.set(id, w);
        return reply(200, w);
      }
      return reply(404, { error: "not found" });
    });
  });
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", () => r()));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => api.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `gpunet index` with the webhook receiver until the Helius registration was reported. */
async function runIndex(extra: string[], auth: string): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  let stop: () => void = () => undefined;
  const until = new Promise<void>((r) => (stop = r));
  const code = await runIndexCommand(
    [
      "--db",
      join(dir, "i.db"),
      "--webhook-port",
      "0",
      "--webhook-auth",
      auth,
      "--helius-api-url",
      apiUrl,
      "--helius-webhook",
      "https://indexer.example/helius",
      ...extra,
    ],
    {
      stdout: () => undefined,
      stderr: (s) => {
        err.push(s);
        if (s.includes("helius webhook")) stop();
      },
      until,
      env: { HELIUS_API_KEY: API_KEY },
    },
  );
  return { code, err: err.join("") };
}

describe("Helius webhook management", () => {
  it("Given no webhook yet (and one 503 first), When gpunet index --helius-webhook runs, Then it creates one for the program with the receiver's auth header", async () => {
    calls.length = 0;
    outages = 1;
    const r = await runIndex([], "secret-1");
    expect(r.code).toBe(0);
    expect(r.err).toContain("helius webhook hook-1 created: https://indexer.example/helius");
    expect(calls).toEqual(["GET /v0/webhooks", "GET /v0/webhooks", "POST /v0/webhooks"]);
    expect(hooks.get("hook-1")).toMatchObject({
      webhookURL: "https://indexer.example/helius",
      accountAddresses: [GPUNET_PROGRAM_ADDRESS],
      transactionTypes: ["ANY"],
      webhookType: "raw",
      authHeader: "secret-1",
    });
  });

  it("Given the webhook exists with another auth header, When run again, Then it is updated in place (PUT), not duplicated; the same run again changes nothing", async () => {
    calls.length = 0;
    const r = await runIndex(["--helius-webhook-type", "rawDevnet"], "secret-2");
    expect(r.err).toContain("helius webhook hook-1 updated");
    expect(calls).toEqual(["GET /v0/webhooks", "PUT /v0/webhooks/hook-1"]);
    expect(hooks.size).toBe(1);
    expect(hooks.get("hook-1")).toMatchObject({ authHeader: "secret-2", webhookType: "rawDevnet" });
    calls.length = 0;
    const again = await runIndex(["--helius-webhook-type", "rawDevnet"], "secret-2");
    expect(again.err).toContain("helius webhook hook-1 unchanged");
    expect(calls).toEqual(["GET /v0/webhooks"]);
  });

  it("Given a wrong API key, Then a final typed RpcError (401) after one request; Given no key, Then InvalidConfig before any request", async () => {
    calls.length = 0;
    const err = await ensureHeliusWebhook({ apiKey: "wrong", apiUrl, webhookURL: "https://x.example/h", accountAddresses: [GPUNET_PROGRAM_ADDRESS] }).catch(
      (e: unknown) => e,
    );
    expect(isIndexerError(err, "RpcError") && !err.retryable && err.context.status === 401).toBe(true);
    expect(calls).toEqual(["GET /v0/webhooks"]);
    const none = await ensureHeliusWebhook({ apiKey: "", apiUrl, webhookURL: "https://x.example/h", accountAddresses: [] }).catch((e: unknown) => e);
    expect(isIndexerError(none, "InvalidConfig")).toBe(true);
    const bad = await runIndexCommand(["--db", join(dir, "j.db"), "--helius-webhook", "https://x.example/h"], {
      stdout: () => undefined,
      stderr: () => undefined,
    });
    expect(bad).toBe(2);
  });
});

describe("the indexer's Helius webhook types", () => {
  it("Given helius-sdk's webhook types, Then the indexer's own declarations are the same shapes (the indexer does not install helius-sdk)", () => {
    expectTypeOf<HeliusWebhookRequest>().toEqualTypeOf<CreateWebhookRequest>();
    expectTypeOf<HeliusWebhook>().toEqualTypeOf<Webhook>();
  });
});
