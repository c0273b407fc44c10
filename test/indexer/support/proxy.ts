/** A TCP proxy in front of the localnet's WebSocket port, to cut or blackhole the live link. */
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface Proxy {
  readonly url: string;
  /** Drops every connection and refuses new ones. */
  cut(): void;
  /** Keeps connections open but forwards nothing (a dead link that does not close). */
  blackhole(): void;
  /** Back to normal forwarding. */
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  let mode: "ok" | "cut" | "blackhole" = "ok";
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    if (mode === "cut") {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on("data", (d) => { if (mode === "ok") upstream.write(d); });
    upstream.on("data", (d) => { if (mode === "ok") client.write(d); });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    cut() {
      mode = "cut";
      for (const [a, b] of pairs) { a.destroy(); b.destroy(); }
      pairs.clear();
    },
    blackhole() {
      mode = "blackhole";
    },
    restore() {
      mode = "ok";
    },
    close: () => new Promise<void>((r) => {
      for (const [a, b] of pairs) { a.destroy(); b.destroy(); }
      server.close(() => r());
    }),
  };
}

/** Polls `cond` every 20 ms until true (or throws after `ms`). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 30_000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
