import { describe, expect, it } from "vitest";
import { build } from "esbuild";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { webcrypto } from "node:crypto";

const ENTRY = fileURLToPath(new URL("../../sdk/src/index.ts", import.meta.url));
// The workspace's @gpunet/idl from source, as tsconfig paths give it to tsc and tsx
// (the installed form is bundled by test/packages).
const SOURCE_ALIAS = { "@gpunet/idl": fileURLToPath(new URL("../../programs-idl/index.ts", import.meta.url)) };
const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

describe("browser bundle", () => {
  it("Given sdk/src/index.ts, When bundled by esbuild for the browser, Then it builds and pulls in no Node built-in and none of our Node-only code", async () => {
    const imported: string[] = [];
    const result = await build({
      alias: SOURCE_ALIAS,
      entryPoints: [ENTRY],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [
        {
          name: "record-imports",
          setup(b) {
            b.onResolve({ filter: /.*/ }, (args) => {
              imported.push(args.path);
              return undefined;
            });
          },
        },
      ],
    });
    expect(result.errors).toEqual([]);
    // "buffer" resolves to the npm polyfill in a browser build (web3.js depends on it); other built-ins must not appear.
    const builtins = imported.filter((p) => NODE_BUILTINS.has(p) && p !== "buffer");
    expect(builtins).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => /better-sqlite3|(^|\/)localnet\/|(^|\/)indexer\/|litesvm|(^|\/)ws\//.test(p))).toEqual([]);
    expect(inputs.some((p) => p.endsWith("node_modules/buffer/index.js"))).toBe(true);
  });

  it("Given the bundle run where only browser globals exist (no Buffer, process or require), Then builders, PDAs and the event parser work", async () => {
    const entry = `
      import * as sdk from ${JSON.stringify(ENTRY)};
      const owner = "11111111111111111111111111111112";
      const ix = sdk.getStakeInstruction({ owner, amount: 2n ** 64n - 1n, stakeMint: owner });
      const job = sdk.getCreateJobInstruction({ buyer: owner, jobId: 1, price: 5, maxDuration: 60, minGpus: 1, stakeMint: owner });
      const pid = sdk.GPUNET_PROGRAM_ADDRESS;
      const r = sdk.parseGpunetLogs(["Program " + pid + " invoke [1]", "Program data: AAAA", "Program " + pid + " success"]);
      let code = "none";
      try { sdk.toU64(-1, "amount"); } catch (e) { code = e.code; }
      globalThis.__out = { keys: ix.keys.length, dataLen: ix.data.length, jobDataLen: job.data.length, failures: r.failures.map((f) => f.reason), code, pda: sdk.findConfigPda()[0].toBase58() };
    `;
    const res = await build({
      stdin: { contents: entry, resolveDir: process.cwd(), loader: "ts" },
      bundle: true,
      platform: "browser",
      format: "iife",
      write: false,
      logLevel: "silent",
      alias: SOURCE_ALIAS,
    });
    const ctx: Record<string, unknown> = {
      console,
      TextEncoder,
      TextDecoder,
      crypto: webcrypto,
      atob,
      btoa,
      URL,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      queueMicrotask,
    };
    ctx.globalThis = ctx;
    ctx.self = ctx;
    ctx.window = ctx;
    vm.runInNewContext(res.outputFiles[0]?.text ?? "", ctx);
    const { findConfigPda } = await import("../../sdk/src/pdas.ts");
    expect(ctx.__out).toEqual({
      keys: 6,
      dataLen: 16,
      jobDataLen: 8 + 8 + 8 + 8 + 2 + 2 + 2 + 32 + 1 + 1,
      failures: ["shortData"],
      code: "U64OutOfRange",
      pda: findConfigPda()[0].toBase58(),
    });
    expect("Buffer" in ctx).toBe(false);
  });

  it("Given the bundled client in a Buffer-less context with a wallet-adapter wallet, When it talks to a real localnet, Then it reads Config, registers and stakes, with decoded events", async () => {
    const { startSdkNet, initializeGpunet } = await import("./localnet-fixture.ts");
    const s = await startSdkNet();
    try {
      await initializeGpunet(s);
      const kp = await s.user(10_000n);
      const entry = `
        import * as sdk from ${JSON.stringify(ENTRY)};
        import { Connection, Keypair } from "@solana/web3.js";
        globalThis.__run = async (url, secret) => {
          const kp = Keypair.fromSecretKey(Uint8Array.from(secret));
          const wallet = { publicKey: kp.publicKey, signTransaction: async (tx) => { tx.sign([kp]); return tx; }, signAllTransactions: async (t) => t };
          const gpunet = sdk.createGpunetClient({ connection: new Connection(url, { commitment: "confirmed", fetch: sdk.createRetryingFetch() }), wallet, pollIntervalMs: 40 });
          const cfg = await gpunet.fetchConfig();
          const reg = await gpunet.registerProvider({ gpuModel: sdk.GPU_MODEL.h100, gpuCount: 1, vramGb: 8, region: sdk.REGION.unspecified });
          const st = await gpunet.stake({ amount: 1234n });
          return { version: cfg.data.version, events: [...reg.events, ...st.events].map((e) => e.name), amount: String(st.events[0].data.amount) };
        };
      `;
      const res = await build({
        stdin: { contents: entry, resolveDir: process.cwd(), loader: "ts" },
        bundle: true,
        platform: "browser",
        format: "iife",
        write: false,
        logLevel: "silent",
        alias: SOURCE_ALIAS,
      });
      const ctx: Record<string, unknown> = {
        console,
        TextEncoder,
        TextDecoder,
        crypto: webcrypto,
        atob,
        btoa,
        URL,
        setTimeout,
        clearTimeout,
        setInterval,
        clearInterval,
        queueMicrotask,
        fetch,
        Headers,
        Request,
        Response,
        AbortController,
        AbortSignal,
        Event,
        EventTarget,
      };
      ctx.globalThis = ctx;
      ctx.self = ctx;
      ctx.window = ctx;
      vm.runInNewContext(res.outputFiles[0]?.text ?? "", ctx);
      const out = await (ctx.__run as (u: string, k: number[]) => Promise<unknown>)(s.net.rpcUrl, Array.from(kp.secretKey));
      expect(out).toEqual({ version: 1, events: ["providerRegistered", "staked"], amount: "1234" });
      expect("Buffer" in ctx).toBe(false);
    } finally {
      await s.close();
    }
  });

  it("Given each face bundled alone for the browser, Then the Kit face carries no web3.js (nor the buffer polyfill) and the web3.js face no Kit", async () => {
    const inputsOf = async (entry: string): Promise<string[]> => {
      const r = await build({
        alias: SOURCE_ALIAS,
        entryPoints: [entry],
        bundle: true,
        platform: "browser",
        format: "esm",
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      expect(r.errors).toEqual([]);
      return Object.keys(r.metafile.inputs);
    };
    const kit = await inputsOf(fileURLToPath(new URL("../../sdk/src/kit/index.ts", import.meta.url)));
    expect(kit.some((p) => p.includes("node_modules/@solana/addresses/"))).toBe(true);
    expect(kit.filter((p) => p.includes("@solana/web3.js") || p.includes("node_modules/buffer/") || p.includes("programs-idl/"))).toEqual([]);
    const web3 = await inputsOf(ENTRY);
    expect(web3.some((p) => p.includes("node_modules/@solana/web3.js/"))).toBe(true);
    expect(web3.filter((p) => /node_modules\/@solana\/(kit|addresses|instructions|signers)\//.test(p))).toEqual([]);
  });
});
