/**
 * `createLocalnet`: a local Solana node around LiteSVM that serves the
 * standard JSON-RPC (HTTP) and PubSub (WebSocket) APIs on 127.0.0.1, with a
 * slot clock, commitment levels, an optional on-disk ledger and time travel.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { address, lamports as toLamports, type Address } from "@solana/kit";
import { Keypair, PublicKey } from "@solana/web3.js";
import bs58 from "bs58";
import type { LiteSVM } from "litesvm";
import type { AccountState } from "./account-changes.ts";
import type { Commitment } from "./clock.ts";
import { deployProgramUpgradeable } from "./deploy.ts";
import { createForkMethods } from "./fork.ts";
import { LocalnetError } from "./errors.ts";
import { appendHistory, loadLedger, lockLedger, openWal, saveSnapshot } from "./ledger.ts";
import { createMethods } from "./methods.ts";
import { createNode, type LocalnetNode, type NodeJournal } from "./node.ts";
import { createRpcServer } from "./rpc-server.ts";
import { createWsServer } from "./ws-server.ts";
import { startGeyserServer, type GeyserServer } from "./geyser/server.ts";

/** A program to load at genesis. */
export interface LocalnetProgram {
  /** base58 program id */
  readonly programId: string;
  /** The ELF (.so) bytes. */
  readonly bytes: Uint8Array;
  /**
   * Deploy through the BPF Loader Upgradeable instructions instead of placing
   * it directly with LiteSVM (which records no upgrade authority).
   */
  readonly upgradeable?: boolean;
  /**
   * 64-byte ed25519 secret key (seed || public key) of the program id, for
   * upgradeable deploys. Without it the empty program account is placed at
   * `programId` directly and the loader's deploy runs as usual (how the gpunet
   * program gets its IDL address, whose key nobody holds).
   */
  readonly programKeypair?: Uint8Array;
  /** 64-byte secret key of the upgrade authority; defaults to a throwaway deploy payer (not upgradeable in practice). */
  readonly upgradeAuthority?: Uint8Array;
}

/** Options of {@link createLocalnet}. */
export interface LocalnetOptions {
  /** HTTP JSON-RPC port; 0 picks a free one. Default 8899. */
  readonly rpcPort?: number;
  /**
   * WebSocket port. Default rpcPort + 1 (web3.js derives the WebSocket URL
   * that way); with rpcPort 0 a free pair P, P+1 is chosen. WebSocket
   * upgrades are also accepted on the RPC port itself.
   */
  readonly wsPort?: number;
  /** Only loopback is served. */
  readonly host?: "127.0.0.1";
  /** Slot duration in ms (default 400). 0 disables the automatic clock: slots move only by advanceSlots. */
  readonly slotMs?: number;
  /** Slots by which 'finalized' trails 'processed' (default 32, at most 149). */
  readonly finalizedDepth?: number;
  /**
   * Persist accounts and history here and resume from it on restart.
   * Everything the node reports `confirmed` (or `finalized`) survives a
   * crash, kill -9 included: it is in the fsync'd write-ahead log before
   * the slot that confirms it begins.
   */
  readonly ledgerDir?: string;
  /** With ledgerDir: how often at most (ms) the full snapshot is rewritten while things change (default 30000). */
  readonly snapshotMs?: number;
  /** Programs to load at genesis (skipped on resume if already present). */
  readonly programs?: readonly LocalnetProgram[];
  /** Also serve a Yellowstone-compatible Geyser gRPC endpoint on this port (0 = a free one). */
  readonly grpcPort?: number;
  /** With grpcPort: the `x-token` every gRPC call must carry. */
  readonly grpcToken?: string;
  /** With grpcPort: how many slots back `fromSlot` replay reaches (default: the whole history kept). */
  readonly grpcReplaySlots?: number;
}

/** Something that names a public key: a base58 string or a web3.js PublicKey. */
export type PubkeyLike = string | { toBase58(): string };

/** A running localnet. */
export interface Localnet {
  /** e.g. `http://127.0.0.1:8899` */
  readonly rpcUrl: string;
  /** e.g. `ws://127.0.0.1:8900` */
  readonly wsUrl: string;
  readonly rpcPort: number;
  readonly wsPort: number;
  /** The Geyser gRPC endpoint (`grpcPort`), e.g. `http://127.0.0.1:10000`; null without one. */
  readonly grpcUrl: string | null;
  /** The Geyser server (restart, stream counts), null without `grpcPort`. */
  readonly geyser: GeyserServer | null;
  /** The VM itself. Changes made through it directly are not seen by subscriptions, history or the ledger's write-ahead log. */
  readonly svm: LiteSVM;
  /** The node core (history, clock, events), for advanced tests. */
  readonly node: LocalnetNode;
  /** Current (processed) slot. */
  readonly slot: bigint;
  /** Live WebSocket subscriptions across all connections. */
  readonly subscriptionCount: number;
  /** WebSocket subscriptions ever created (monotonic): wait on it to know a client's subscribe arrived. */
  readonly subscriptionsCreated: number;
  /**
   * Sends `lamports` to `pubkey` through a real faucet transaction and returns its
   * signature once it is visible at `commitment` (default 'confirmed': the clock is
   * moved on by the slots that takes, so a client's preflight at that level sees
   * the funds right away; 'processed' moves nothing).
   * @throws {LocalnetError} AIRDROP_FAILED, e.g. when a new account would stay below rent exemption.
   */
  airdrop(pubkey: PubkeyLike, lamports: bigint, opts?: { commitment?: Commitment }): string;
  /** Moves `n` slots forward at once (blockhashes older than 150 slots expire). */
  advanceSlots(n: number | bigint): void;
  /** Moves the Clock sysvar's unix_timestamp forward by `seconds`. */
  advanceClock(seconds: number | bigint): void;
  /** Sets the unix timestamp and/or jumps forward to a slot. */
  setClock(opts: { unixTimestamp?: bigint; slot?: bigint }): void;
  /** Overwrites an account (test setup), notifying subscribers. */
  setAccount(pubkey: PubkeyLike, account: AccountState): void;
  /** Writes the ledger now (no-op without ledgerDir). */
  save(): void;
  /** Stops the clock and servers, saves the ledger. Idempotent. */
  close(): Promise<void>;
}

/** How often at most the ledger snapshot is rewritten while transactions land (the write-ahead log covers the time between). */
const SNAPSHOT_INTERVAL_MS = 30_000;
/** A snapshot is also taken once the write-ahead log has grown this large, bounding replay time. */
const SNAPSHOT_WAL_BYTES = 32 * 1024 * 1024;

function keyOf(k: PubkeyLike): string {
  return typeof k === "string" ? k : k.toBase58();
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      server.off("listening", onListening);
      reject(e);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function validPort(p: number | undefined, name: string): void {
  if (p !== undefined && (!Number.isInteger(p) || p < 0 || p > 65535)) {
    throw new LocalnetError("INVALID_OPTIONS", `${name} must be an integer in 0..65535`, { [name]: p });
  }
}

/** Lamports given to the throwaway payer of an upgradeable deploy (rent for 2x the ELF plus fees). */
function deployBudget(len: number): bigint {
  return 10_000_000_000n + BigInt(len) * 2n * 7_000n;
}

async function loadPrograms(node: LocalnetNode, programs: readonly LocalnetProgram[], resumed: boolean): Promise<void> {
  for (const p of programs) {
    let id: Address;
    try {
      id = address(p.programId);
    } catch (e) {
      throw new LocalnetError("INVALID_OPTIONS", `programId is not a base58 address: ${p.programId}`, {}, { cause: e });
    }
    if (resumed && node.accountState(id)) continue;
    if (!p.upgradeable) {
      node.svm.addProgram(id, p.bytes);
      continue;
    }
    const programKeypair = p.programKeypair ? Keypair.fromSecretKey(p.programKeypair) : undefined;
    if (programKeypair && programKeypair.publicKey.toBase58() !== p.programId) {
      throw new LocalnetError("INVALID_OPTIONS", `programKeypair does not match programId ${p.programId}`, { programId: p.programId });
    }
    const payer = Keypair.generate();
    node.svm.airdrop(address(payer.publicKey.toBase58()), toLamports(deployBudget(p.bytes.length)));
    try {
      deployProgramUpgradeable(node.svm, {
        ...(programKeypair ? { programKeypair } : { programId: new PublicKey(p.programId) }),
        payer,
        programBytes: p.bytes,
        ...(p.upgradeAuthority ? { upgradeAuthority: Keypair.fromSecretKey(p.upgradeAuthority) } : {}),
      });
    } catch (e) {
      throw new LocalnetError(
        "INVALID_OPTIONS",
        `deploying ${p.programId} failed: ${e instanceof Error ? e.message : String(e)}`,
        { programId: p.programId },
        { cause: e },
      );
    }
    // deployProgramUpgradeable warped LiteSVM one slot (a deploy is callable from the next
    // slot); move the node clock there too so slot, Clock sysvar and blockhash agree.
    node.advanceSlots(node.svm.getClock().slot - node.clock.slot);
  }
}

/**
 * Starts a localnet.
 *
 * @example
 * ```ts
 * import { Connection, Keypair } from '@solana/web3.js';
 * import { createLocalnet } from '@gpunet/localnet';
 * const net = await createLocalnet({ rpcPort: 0, slotMs: 50 });
 * const connection = new Connection(net.rpcUrl, 'confirmed');
 * const payer = Keypair.generate();
 * net.airdrop(payer.publicKey, 10n ** 9n);
 * console.log(await connection.getBalance(payer.publicKey)); // 1000000000
 * // ...
 * await net.close();
 * ```
 */
export async function createLocalnet(opts: LocalnetOptions = {}): Promise<Localnet> {
  const host = opts.host ?? "127.0.0.1";
  if (host !== "127.0.0.1") throw new LocalnetError("INVALID_OPTIONS", "the localnet only serves 127.0.0.1", { host });
  validPort(opts.rpcPort, "rpcPort");
  validPort(opts.wsPort, "wsPort");
  validPort(opts.grpcPort, "grpcPort");
  if (opts.grpcReplaySlots !== undefined && (!Number.isInteger(opts.grpcReplaySlots) || opts.grpcReplaySlots < 0)) {
    throw new LocalnetError("INVALID_OPTIONS", "grpcReplaySlots must be a non-negative integer", { grpcReplaySlots: opts.grpcReplaySlots });
  }
  const slotMs = opts.slotMs ?? 400;
  if (!Number.isInteger(slotMs) || slotMs < 0) throw new LocalnetError("INVALID_OPTIONS", "slotMs must be a non-negative integer", { slotMs });
  const finalizedDepth = opts.finalizedDepth ?? 32;
  // A finalized blockhash must still be usable, so the depth stays below the 150-block lifetime.
  if (!Number.isInteger(finalizedDepth) || finalizedDepth < 1 || finalizedDepth > 149) {
    throw new LocalnetError("INVALID_OPTIONS", "finalizedDepth must be an integer in 1..149", { finalizedDepth });
  }

  const snapshotMs = opts.snapshotMs ?? SNAPSHOT_INTERVAL_MS;
  if (!Number.isInteger(snapshotMs) || snapshotMs < 0) throw new LocalnetError("INVALID_OPTIONS", "snapshotMs must be a non-negative integer", { snapshotMs });
  const ledgerDir = opts.ledgerDir;
  const releaseLedger = ledgerDir ? lockLedger(ledgerDir) : () => {};
  let loaded: ReturnType<typeof loadLedger> = null;
  try {
    loaded = ledgerDir ? loadLedger(ledgerDir) : null;
  } catch (e) {
    releaseLedger();
    throw e;
  }
  let dirty = false;
  let lastSave = 0;
  const wal = ledgerDir ? openWal(ledgerDir, loaded?.meta.walGen ?? 0) : null;
  let persistedHistory = loaded?.persistedHistory ?? 0;
  const node = createNode({
    // Slot times still need a nominal duration when the clock is manual.
    slotMs: slotMs === 0 ? 400 : slotMs,
    finalizedDepth: BigInt(finalizedDepth),
    ...(loaded
      ? {
          resume: {
            svm: loaded.svm,
            clock: loaded.meta.clock,
            history: loaded.history,
            genesisHash: loaded.meta.genesisHash,
            ...(loaded.meta.faucetSeed ? { faucetSeed: loaded.meta.faucetSeed } : {}),
          },
        }
      : {}),
    ...(wal
      ? {
          journal: {
            landed: (record, written, text) => {
              dirty = true;
              wal.append({ t: "tx", r: record, a: written, rt: text });
            },
            accountsWritten: (written) => {
              dirty = true;
              wal.append({ t: "acct", a: written });
            },
            // The new slot is made durable too, so after a crash a confirmed transaction still reads confirmed.
            // (No snapshot is needed for slot moves alone: the log carries them.)
            slotsMoved: (slot, timeMs, hashes) => {
              wal.append({ t: "slot", slot, timeMs, h: hashes });
              wal.sync();
            },
            timeSet: (seg) => {
              dirty = true;
              wal.append({ t: "time", seg });
            },
            // A failed sync throws here and the slot stays: nothing unlogged gets confirmed.
            beforeSlotAdvance: () => wal.sync(),
          } satisfies NodeJournal,
        }
      : {}),
  });
  try {
    await loadPrograms(node, opts.programs ?? [], loaded !== null);
  } catch (e) {
    releaseLedger();
    throw e;
  }

  const save = (): void => {
    if (!ledgerDir || !wal) return;
    // History first, then the snapshot that counts it, then the log it replaces goes.
    const count = node.history.size;
    appendHistory(ledgerDir, node.history.encodedFrom(persistedHistory));
    persistedHistory = count;
    const walGen = wal.gen + 1;
    saveSnapshot(ledgerDir, node.svm, {
      genesisHash: node.genesisHash,
      clock: node.clock.toState(),
      historyCount: count,
      walGen,
      faucetSeed: node.faucet.seed,
    });
    wal.rotate(walGen);
    dirty = false;
    lastSave = Date.now();
  };
  try {
    save();
  } catch (e) {
    releaseLedger();
    throw e;
  }

  const identity = bs58.encode(crypto.getRandomValues(new Uint8Array(32)));
  let rpcPort = 0;
  const methods = { ...createMethods({ node, rpcAddress: () => `${host}:${rpcPort}`, identity }), ...(ledgerDir ? {} : createForkMethods(node)) };
  const ws = createWsServer(node);
  const lookup = (m: string): ((p: unknown) => unknown) | undefined => (Object.hasOwn(methods, m) ? methods[m] : undefined);
  const rpc = createRpcServer({ lookup, onUpgrade: (req, socket, head) => ws.handleUpgrade(req, socket, head) });
  const wsHttp = createServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain" });
    res.end("WebSocket upgrade required");
  });
  wsHttp.on("upgrade", (req, socket, head) => ws.handleUpgrade(req, socket, head));

  let wsPort = 0;
  try {
    if ((opts.rpcPort ?? 8899) === 0 && (opts.wsPort === undefined || opts.wsPort === 0)) {
      // Find a free pair (P, P+1) so web3.js's derived WebSocket URL works.
      let found = false;
      for (let attempt = 0; attempt < 50 && !found; attempt++) {
        rpcPort = await listen(rpc, 0, host);
        try {
          wsPort = await listen(wsHttp, rpcPort + 1, host);
          found = true;
        } catch {
          await closeServer(rpc);
        }
      }
      if (!found) {
        rpcPort = await listen(rpc, 0, host);
        wsPort = await listen(wsHttp, 0, host);
      }
    } else {
      rpcPort = await listen(rpc, opts.rpcPort ?? 8899, host);
      wsPort = await listen(wsHttp, opts.wsPort ?? rpcPort + 1, host);
    }
  } catch (e) {
    await closeServer(rpc);
    await closeServer(wsHttp);
    await ws.close();
    releaseLedger();
    throw new LocalnetError(
      "LISTEN_FAILED",
      `cannot listen on ${host}: ${e instanceof Error ? e.message : String(e)}`,
      { rpcPort: opts.rpcPort, wsPort: opts.wsPort },
      { cause: e },
    );
  }

  let geyser: GeyserServer | null = null;
  if (opts.grpcPort !== undefined) {
    try {
      geyser = await startGeyserServer({
        node,
        port: opts.grpcPort,
        ...(opts.grpcToken !== undefined ? { xToken: opts.grpcToken } : {}),
        ...(opts.grpcReplaySlots !== undefined ? { replaySlots: opts.grpcReplaySlots } : {}),
      });
    } catch (e) {
      await Promise.all([closeServer(rpc), closeServer(wsHttp), ws.close()]);
      releaseLedger();
      throw e;
    }
  }

  let reportedTickError = false;
  const tick = (): void => {
    // A timer callback that throws would take the whole process down; report once and keep ticking.
    try {
      node.advanceSlots(1n);
      if (wal && ((dirty && Date.now() - lastSave >= snapshotMs) || wal.bytes >= SNAPSHOT_WAL_BYTES)) save();
    } catch (e) {
      if (!reportedTickError) console.error("gpunet localnet: slot tick failed:", e);
      reportedTickError = true;
    }
  };
  const timer = slotMs > 0 ? setInterval(tick, slotMs) : null;

  let closed = false;
  const assertOpen = (): void => {
    if (closed) throw new LocalnetError("CLOSED", "the localnet is closed");
  };

  return {
    rpcUrl: `http://${host}:${rpcPort}`,
    wsUrl: `ws://${host}:${wsPort}`,
    rpcPort,
    wsPort,
    grpcUrl: geyser?.url ?? null,
    geyser,
    svm: node.svm,
    node,
    get slot() {
      return node.clock.slot;
    },
    get subscriptionCount() {
      return ws.subscriptionCount;
    },
    get subscriptionsCreated() {
      return ws.subscriptionsCreated;
    },
    airdrop(pubkey, lamports, o) {
      assertOpen();
      const r = node.airdrop(keyOf(pubkey), lamports);
      const visibleFrom = r.slot + (o?.commitment === "processed" ? 0n : o?.commitment === "finalized" ? BigInt(finalizedDepth) : 1n);
      if (node.clock.slot < visibleFrom) node.advanceSlots(visibleFrom - node.clock.slot);
      // Over RPC a failed airdrop still returns its signature, as on a cluster; here it is an error.
      if (r.meta.err !== null) {
        throw new LocalnetError("AIRDROP_FAILED", `airdrop of ${lamports} lamports failed: ${JSON.stringify(r.meta.err)}`, {
          signature: r.signature,
          err: r.meta.err,
        });
      }
      return r.signature;
    },
    advanceSlots(n) {
      assertOpen();
      node.advanceSlots(BigInt(n));
    },
    advanceClock(seconds) {
      assertOpen();
      node.advanceClockMs(BigInt(seconds) * 1000n);
    },
    setClock(o) {
      assertOpen();
      node.setClock(o);
    },
    setAccount(pubkey, account) {
      assertOpen();
      node.setAccount(keyOf(pubkey), account);
    },
    save() {
      assertOpen();
      save();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer) clearInterval(timer);
      await ws.close();
      await Promise.all([closeServer(rpc), closeServer(wsHttp), geyser?.close()]);
      try {
        save();
        wal?.close();
      } finally {
        releaseLedger();
      }
    },
  };
}
