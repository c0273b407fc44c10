/** A TCP proxy in front of the localnet's WebSocket port, to cut or blackhole the live link. */
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";

export interface Proxy {
  readonly url: string;
  /** Drops every connection and refuses new ones. */
  cut(): void;
  /** Keeps connections open but forwards nothing (a dead link that does not close). */
  blackhole(): void;
  /** Accepts new connections but connects them upstream only at `restore()` (a slow handshake). */
  hold(): void;
  /** Back to normal forwarding. */
  restore(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<Proxy> {
  let mode: "ok" | "cut" | "blackhole" | "hold" = "ok";
  const pairs = new Set<[Socket, Socket]>();
  const held: { client: Socket; data: Buffer[]; release?: () => void }[] = [];
  const server: Server = createServer((client) => {
    if (mode === "cut") {
      client.destroy();
      return;
    }
    if (mode === "hold") {
      const h: { client: Socket; data: Buffer[]; release?: () => void } = { client, data: [] };
      const keep = (d: Buffer): void => {
        h.data.push(d);
      };
      client.on("data", keep);
      client.on("error", () => client.destroy());
      held.push(h);
      h.release = () => {
        client.off("data", keep);
        pipe(client, h.data);
      };
      return;
    }
    pipe(client, []);
  });
  const pipe = (client: Socket, early: Buffer[]): void => {
    if (client.destroyed) return;
    const upstream = connect(targetPort, "127.0.0.1");
    for (const d of early) upstream.write(d);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    client.on("data", (d) => {
      if (mode === "ok") upstream.write(d);
    });
    upstream.on("data", (d) => {
      if (mode === "ok") client.write(d);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(pair);
    };
    client.on("close", end);
    upstream.on("close", end);
    client.on("error", end);
    upstream.on("error", end);
  };
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    cut() {
      mode = "cut";
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    blackhole() {
      mode = "blackhole";
    },
    hold() {
      mode = "hold";
    },
    restore() {
      mode = "ok";
      for (const h of held.splice(0)) h.release?.();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) {
          a.destroy();
          b.destroy();
        }
        for (const h of held.splice(0)) h.client.destroy();
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
