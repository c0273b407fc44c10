/**
 * The read-only HTTP API, `gpunet query` and the query module against bad
 * parameters (real indexer on each store, a SQLite file and a PostgreSQL
 * server; real HTTP on 127.0.0.1): every route and every parameter, from a
 * client's side. A bad value is a 400 that names the parameter; nothing
 * reaches the database, and no internal text leaks.
 */
import { Keypair } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIndexer, createIndexQueries, isIndexerError, openReadStore, runQueryCommand, type Indexer } from "../../indexer/src/index.ts";
import { localnetChain } from "./support/chain.ts";
import { STORES, useStores } from "./support/stores.ts";
import { Workload } from "./support/workload.ts";

type Net = Awaited<ReturnType<typeof localnetChain>>;
let c: Net;
let w: Workload;
const stores = useStores();

/** Text a client must never see (either store's driver or SQL errors, stack frames). */
const LEAK = /sqlite|SQLITE|PostgreSQL|pg_|syntax error|invalid input syntax|relation "|RangeError|TypeError|at .*\.ts|Error:|kysely|better-sqlite3/;

beforeAll(async () => {
  c = await localnetChain({ slotMs: 0 });
  w = new Workload(c);
  await w.setup(2, 1);
  await w.everyPath();
  c.net.advanceSlots(1);
});
afterAll(async () => {
  await c.net.close();
});

const BAD_INTEGERS = ["9223372036854775808", "18446744073709551616", "99999999999999999999999", "-1", "1.5", "1e3", "abc", "", " 1", "0x10", "+1", "１"];

describe.each(STORES)("HTTP API parameters (%s store)", (kind) => {
  let path: string;
  let ix: Indexer;
  let api: string;
  beforeAll(async () => {
    path = await stores.fresh(kind);
    ix = await createIndexer({ dbPath: path, rpcUrl: c.net.rpcUrl, programId: c.programId.toBase58(), finalityIntervalMs: 0, apiPort: 0 });
    await ix.start();
    await ix.backfillNow();
    api = `http://127.0.0.1:${ix.ports.api}`;
  });
  afterAll(async () => {
    await ix.stop();
  });

  async function get(pathAndQuery: string): Promise<{ status: number; body: { error?: string } & Record<string, unknown> }> {
    const res = await fetch(`${api}${pathAndQuery}`);
    const text = await res.text();
    expect(text).not.toMatch(LEAK);
    return { status: res.status, body: JSON.parse(text) as { error?: string } };
  }

  it("Given offset >= 2^63 (or any non-integer) on /providers, /jobs, /dead-letters, Then 400 naming offset, not a 500", async () => {
    for (const route of ["/providers", "/jobs", "/dead-letters"]) {
      for (const v of [...BAD_INTEGERS, String(2 ** 53)]) {
        const r = await get(`${route}?offset=${encodeURIComponent(v)}`);
        expect([route, v, r.status]).toEqual([route, v, 400]);
        expect(r.body.error).toMatch(/^offset: /);
      }
      expect((await get(`${route}?offset=${Number.MAX_SAFE_INTEGER}`)).status).toBe(200);
      expect((await get(`${route}?offset=0`)).status).toBe(200);
    }
  });

  it("Given a bad limit or bucket on every route that takes one, Then 400 naming it; the edges of the ranges are accepted", async () => {
    for (const route of ["/providers", "/jobs", "/dead-letters"]) {
      for (const v of [...BAD_INTEGERS, "0", "10001"]) {
        const r = await get(`${route}?limit=${encodeURIComponent(v)}`);
        expect([route, v, r.status]).toEqual([route, v, 400]);
        expect(r.body.error).toMatch(/^limit: /);
      }
      expect((await get(`${route}?limit=1`)).status).toBe(200);
      expect((await get(`${route}?limit=10000`)).status).toBe(200);
    }
    for (const route of ["/rewards", "/payments"]) {
      for (const v of [...BAD_INTEGERS, "0", "1000000000001"]) {
        const r = await get(`${route}?bucket=${encodeURIComponent(v)}`);
        expect([route, v, r.status]).toEqual([route, v, 400]);
        expect(r.body.error).toMatch(/^bucket: /);
      }
      expect((await get(`${route}?bucket=1`)).status).toBe(200);
      expect((await get(`${route}?bucket=1000000000000`)).status).toBe(200);
    }
  });

  it("Given malformed addresses, states, unknown or repeated parameters, Then 400; a well-formed unknown address or route is a 404", async () => {
    const cases: [string, RegExp][] = [
      ["/providers/notbase58!", /^address: /],
      ["/providers/1111", /^address: .*32-byte/],
      ["/jobs/0OIl", /^address: /],
      ["/jobs?buyer=xyz0", /^buyer: /],
      ["/jobs?provider=abc", /^provider: /],
      ["/jobs?state=nope", /^state: /],
      ["/jobs?state=", /^state: /],
      ["/providers?sort=stake", /^sort: unknown parameter/],
      ["/health?verbose=1", /^verbose: this route takes no parameters/],
      ["/stats?x=1", /^x: /],
      ["/totals?limit=1", /^limit: /],
      ["/providers?limit=1&limit=2", /^limit: given more than once/],
      ["/providers/%E0%A4%A", /percent-encoding/],
    ];
    for (const [q, msg] of cases) {
      const r = await get(q);
      expect([q, r.status]).toEqual([q, 400]);
      expect(r.body.error).toMatch(msg);
    }
    const unknown = Keypair.generate().publicKey.toBase58();
    expect((await get(`/providers/${unknown}`)).status).toBe(404);
    expect((await get(`/jobs/${unknown}`)).status).toBe(404);
    expect((await get(`/jobs?buyer=${unknown}`)).body).toEqual([]);
    expect((await get("/providers/a/b")).status).toBe(404);
    expect((await get("/nope")).status).toBe(404);
    const p = w.providers[0]!.provider.toBase58();
    expect((await get(`/providers/${p}`)).status).toBe(200);
    expect((await get(`/jobs?provider=${p}&state=completed&limit=5&offset=0`)).status).toBe(200);
    expect((await get("/health")).body).toEqual({ ok: true });
  });

  it("Given the same bad values through `gpunet query` and the query module, Then exit code 2 / InvalidParameter, never the database's error", async () => {
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => out.push(s) };
    for (const args of [
      ["providers", "--offset", "9223372036854775808"],
      ["jobs", "--limit", "abc"],
      ["dead-letters", "--offset", "-1"],
      ["rewards", "--bucket", "0"],
      ["provider", "not-an-address"],
      ["jobs", "--buyer", "zz"],
    ]) {
      out.length = 0;
      expect([args.join(" "), await runQueryCommand([...args, "--db", path], io)]).toEqual([args.join(" "), 2]);
      expect(out.join("")).not.toMatch(LEAK);
    }
    const r = await openReadStore(path);
    const q = createIndexQueries(r.db);
    for (const call of [
      () => q.providersByStake({ offset: 2 ** 63 }),
      () => q.deadLetters({ limit: 0 }),
      () => q.jobs({ offset: 1.5 }),
      () => q.rewardsOverTime({ bucketSeconds: -5 }),
      () => q.provider("x"),
    ]) {
      let err: unknown = null;
      try {
        await call();
      } catch (e) {
        err = e;
      }
      expect(isIndexerError(err, "InvalidParameter")).toBe(true);
    }
    await r.close();
  });
});
