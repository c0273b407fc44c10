/**
 * A Yellowstone-compatible Geyser gRPC endpoint over the node: real HTTP/2
 * gRPC (`@grpc/grpc-js`) on 127.0.0.1, service `geyser.Geyser`, messages
 * encoded with the schema shipped in `@triton-one/yellowstone-grpc`.
 *
 * - `Subscribe` (bidi): transactions and transaction statuses (accountInclude
 *   / accountExclude / accountRequired, vote, failed, signature), slot
 *   updates (processed on completion, confirmed, finalized; dead for the
 *   slots of an abandoned fork), block metas, `commitment`, ping/pong, and
 *   `fromSlot` replay from the node's history. A `fromSlot` older than the
 *   replay window is refused with OUT_OF_RANGE "broadcast from X is not
 *   available, last available: Y", as a Yellowstone server does. The server
 *   pings every subscriber every `pingIntervalMs`.
 * - At processed a transaction is sent as it lands; at confirmed / finalized
 *   the transactions of a slot are sent when the slot reaches that level,
 *   then its block meta, then its status.
 * - Unary: Ping, GetLatestBlockhash, GetBlockHeight, GetSlot,
 *   IsBlockhashValid, GetVersion, SubscribeReplayInfo.
 * - With `xToken`, every call must carry it in the `x-token` header
 *   (UNAUTHENTICATED otherwise).
 * - Each subscriber has a bounded queue; one that does not read is cut with
 *   INTERNAL "lagged to send an update" (replay is produced as the client
 *   reads, so it never queues).
 */
import { hostname } from "node:os";
import * as grpc from "@grpc/grpc-js";
import {
  GetBlockHeightRequest,
  GetBlockHeightResponse,
  GetLatestBlockhashRequest,
  GetLatestBlockhashResponse,
  GetSlotRequest,
  GetSlotResponse,
  GetVersionRequest,
  GetVersionResponse,
  IsBlockhashValidRequest,
  IsBlockhashValidResponse,
  PingRequest,
  PongResponse,
  SubscribeReplayInfoRequest,
  SubscribeReplayInfoResponse,
  SubscribeRequest,
  SubscribeUpdate,
  SubscribeUpdateBlockMeta,
  SubscribeUpdateSlot,
  SubscribeUpdateTransaction,
  SubscribeUpdateTransactionStatus,
} from "@triton-one/yellowstone-grpc";
import bs58 from "bs58";
import type { Commitment } from "../clock.ts";
import { LocalnetError } from "../errors.ts";
import type { TransactionRecord } from "../history.ts";
import { SOLANA_CORE_VERSION } from "../methods.ts";
import type { LocalnetNode } from "../node.ts";
import { blockMeta, transactionErrorBincode, transactionInfo } from "./convert.ts";
import { GeyserStatusError, matchingFilters, parseSubscribeRequest, STATUS, type SessionFilters } from "./filters.ts";

/** Options of {@link startGeyserServer}. */
export interface GeyserServerOptions {
  readonly node: LocalnetNode;
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Required `x-token` header value; none when unset. */
  readonly xToken?: string;
  /** Slots of history `fromSlot` may reach back (default: all the node keeps). */
  readonly replaySlots?: number;
  /** Server pings to each subscriber (default 15,000 ms; 0 = none). */
  readonly pingIntervalMs?: number;
  /** Updates queued for one subscriber before it is cut as lagging (default 200,000). */
  readonly maxQueue?: number;
}

/** A running Geyser endpoint. */
export interface GeyserServer {
  /** e.g. `http://127.0.0.1:10000` */
  readonly url: string;
  readonly port: number;
  /** Open Subscribe streams. */
  readonly subscribers: number;
  /** Subscribe streams ever opened (monotonic). */
  readonly subscriptionsCreated: number;
  /** The oldest slot `fromSlot` may name now. */
  firstAvailableSlot(): bigint;
  /** Kills every connection (TCP included) and listens again on the same port. */
  restart(): Promise<void>;
  /** Ends every Subscribe stream with UNAVAILABLE (a server shutting down). */
  dropStreams(): void;
  close(): Promise<void>;
}

const PROCESSED = 0;
const CONFIRMED = 1;
const FINALIZED = 2;
const SLOT_DEAD = 6;
/** Slot ranges longer than this send per-slot messages only for slots with transactions (and the last one). */
const DENSE_SLOTS = 1024n;

type Codec<T> = { encode(m: T): { finish(): Uint8Array }; decode(b: Uint8Array): T };
const ser =
  <T>(c: Codec<T>) =>
  (m: T): Buffer =>
    Buffer.from(c.encode(m).finish());
const de =
  <T>(c: Codec<T>) =>
  (b: Buffer): T =>
    c.decode(b);
const unary = <Q, R>(name: string, q: Codec<Q>, r: Codec<R>) => ({
  path: `/geyser.Geyser/${name}`,
  requestStream: false,
  responseStream: false,
  requestSerialize: ser(q),
  requestDeserialize: de(q),
  responseSerialize: ser(r),
  responseDeserialize: de(r),
});

/** Map fields of SubscribeRequest (field number -> property). */
const MAP_FIELDS: Readonly<Record<number, "accounts" | "slots" | "transactions" | "transactionsStatus" | "blocks" | "blocksMeta" | "entry">> = {
  1: "accounts",
  2: "slots",
  3: "transactions",
  10: "transactionsStatus",
  4: "blocks",
  5: "blocksMeta",
  8: "entry",
};

/**
 * Decodes a SubscribeRequest. Encoders that leave out a map entry's value when
 * it is the empty message (prost does, so the Rust client does for `{}` filters)
 * would lose the entry in the generated decoder; such entries get the empty filter.
 */
function decodeSubscribeRequest(b: Buffer): SubscribeRequest {
  const req = SubscribeRequest.decode(b);
  let pos = 0;
  const varintAt = (): number => {
    let x = 0;
    let shift = 0;
    for (;;) {
      const c = b[pos++];
      if (c === undefined) throw new Error("truncated");
      x += (c & 0x7f) * 2 ** shift;
      if (c < 0x80) return x;
      shift += 7;
    }
  };
  try {
    while (pos < b.length) {
      const key = varintAt();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (wire === 0) varintAt();
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const len = varintAt();
        const end = pos + len;
        const prop = MAP_FIELDS[field];
        if (prop) {
          // The entry: key (1, string) and maybe value (2).
          let name: string | null = null;
          while (pos < end) {
            const k = varintAt();
            const l = (k & 7) === 2 ? varintAt() : 0;
            if (k === 10) name = b.subarray(pos, pos + l).toString("utf8");
            pos += l;
            if ((k & 7) === 0) varintAt();
          }
          const map = req[prop] as Record<string, unknown>;
          if (name !== null && !(name in map)) map[name] = emptyFilter(prop);
        }
        pos = end;
      } else break;
    }
  } catch {
    // Malformed trailing bytes: the generated decoder already accepted or refused them.
  }
  return req;
}

function emptyFilter(prop: string): unknown {
  switch (prop) {
    case "transactions":
    case "transactionsStatus":
      return { vote: undefined, failed: undefined, signature: undefined, accountInclude: [], accountExclude: [], accountRequired: [] };
    case "slots":
      return { filterByCommitment: undefined, interslotUpdates: undefined };
    case "accounts":
      return { account: [], owner: [], filters: [] };
    case "blocks":
      return { accountInclude: [] };
    default:
      return {};
  }
}

/** An outgoing message: already encoded bytes (shared between subscribers) or a message to encode. */
type Out = Uint8Array | SubscribeUpdate;

const SERVICE = {
  Subscribe: {
    path: "/geyser.Geyser/Subscribe",
    requestStream: true,
    responseStream: true,
    requestSerialize: ser(SubscribeRequest),
    requestDeserialize: decodeSubscribeRequest,
    responseSerialize: (m: Out): Buffer =>
      m instanceof Uint8Array ? Buffer.from(m.buffer, m.byteOffset, m.byteLength) : Buffer.from(SubscribeUpdate.encode(m).finish()),
    responseDeserialize: de(SubscribeUpdate),
  },
  Ping: unary("Ping", PingRequest, PongResponse),
  GetLatestBlockhash: unary("GetLatestBlockhash", GetLatestBlockhashRequest, GetLatestBlockhashResponse),
  GetBlockHeight: unary("GetBlockHeight", GetBlockHeightRequest, GetBlockHeightResponse),
  GetSlot: unary("GetSlot", GetSlotRequest, GetSlotResponse),
  IsBlockhashValid: unary("IsBlockhashValid", IsBlockhashValidRequest, IsBlockhashValidResponse),
  GetVersion: unary("GetVersion", GetVersionRequest, GetVersionResponse),
  SubscribeReplayInfo: unary("SubscribeReplayInfo", SubscribeReplayInfoRequest, SubscribeReplayInfoResponse),
} as unknown as grpc.ServiceDefinition;

// ---- hand-framed SubscribeUpdate: filters (1), an embedded message, createdAt (11)
function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
}
const textEncoder = new TextEncoder();
function frame(filters: readonly string[], field: number, body: Uint8Array): Uint8Array {
  const head: number[] = [];
  for (const f of filters) {
    const b = textEncoder.encode(f);
    head.push(10);
    varint(b.length, head);
    for (const x of b) head.push(x);
  }
  head.push((field << 3) | 2);
  varint(body.length, head);
  const now = Date.now();
  const ts: number[] = [8];
  varint(Math.floor(now / 1000), ts);
  ts.push(16);
  varint((now % 1000) * 1_000_000, ts);
  const tail = [90, ts.length, ...ts];
  const out = new Uint8Array(head.length + body.length + tail.length);
  out.set(head, 0);
  out.set(body, head.length);
  out.set(tail, head.length + body.length);
  return out;
}

/** Encoded `SubscribeUpdateTransaction` per record, shared by every subscriber. */
const encodedTx = new WeakMap<TransactionRecord, Uint8Array>();
function txBody(r: TransactionRecord): Uint8Array {
  let b = encodedTx.get(r);
  if (!b) {
    b = SubscribeUpdateTransaction.encode({ transaction: transactionInfo(r), slot: r.slot.toString() }).finish();
    encodedTx.set(r, b);
  }
  return b;
}

/** A FIFO with O(1) shift. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head++] as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Replay {
  /** Slots to visit, ascending. */
  readonly slots: readonly bigint[];
  next: number;
  /** Records by slot, as they were when the replay was asked for. */
  readonly bySlot: ReadonlyMap<bigint, readonly TransactionRecord[]>;
  readonly processed: bigint;
  readonly confirmed: bigint;
  readonly finalized: bigint;
}

interface Session {
  readonly call: grpc.ServerDuplexStream<SubscribeRequest, Out>;
  filters: SessionFilters | null;
  readonly queue: Queue<Out>;
  replay: Replay | null;
  readonly replayBuf: Out[];
  waiting: boolean;
  closed: boolean;
}

const LEVEL: Record<Commitment, number> = { processed: PROCESSED, confirmed: CONFIRMED, finalized: FINALIZED };
const levelName = (c: number | undefined): Commitment => (c === CONFIRMED ? "confirmed" : c === FINALIZED ? "finalized" : "processed");

/** The slots of (from, to] to send per-slot messages for: all of them, or (when many) those with transactions and the last. */
function slotsOf(from: bigint, to: bigint, records: readonly TransactionRecord[]): bigint[] {
  if (to <= from) return [];
  if (to - from <= DENSE_SLOTS) {
    const out: bigint[] = [];
    for (let s = from + 1n; s <= to; s++) out.push(s);
    return out;
  }
  const set = new Set<bigint>();
  for (const r of records) set.add(r.slot);
  set.add(to);
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function bySlotOf(records: readonly TransactionRecord[]): Map<bigint, TransactionRecord[]> {
  const m = new Map<bigint, TransactionRecord[]>();
  for (const r of records) {
    let l = m.get(r.slot);
    if (!l) m.set(r.slot, (l = []));
    l.push(r);
  }
  return m;
}

/**
 * Starts the Geyser endpoint on 127.0.0.1.
 *
 * @throws {LocalnetError} LISTEN_FAILED when the port cannot be bound.
 * @example
 * ```ts
 * import { createLocalnet, startGeyserServer } from "@gpunet/localnet";
 * const net = await createLocalnet({ rpcPort: 0 });
 * const geyser = await startGeyserServer({ node: net.node, port: 0 });
 * console.log(geyser.url, geyser.firstAvailableSlot()); // a Yellowstone client connects to geyser.url
 * await geyser.close();
 * await net.close();
 * ```
 */
export async function startGeyserServer(opts: GeyserServerOptions): Promise<GeyserServer> {
  const { node } = opts;
  const { clock, history } = node;
  const maxQueue = opts.maxQueue ?? 200_000;
  const sessions = new Set<Session>();
  let created = 0;
  let lastSlot = clock.slot;

  // The node keeps its whole history since genesis: the window alone limits replay.
  const firstAvailableSlot = (): bigint => {
    if (opts.replaySlots === undefined) return 0n;
    const w = clock.slot - BigInt(opts.replaySlots);
    return w > 0n ? w : 0n;
  };

  const authorized = (md: grpc.Metadata): boolean => opts.xToken === undefined || md.get("x-token")[0] === opts.xToken;
  const unauthenticated = { code: STATUS.UNAUTHENTICATED, details: "No valid auth token" };

  // ---- writing to a session, honouring HTTP/2 flow control
  const fail = (s: Session, code: number, details: string): void => {
    if (s.closed) return;
    s.closed = true;
    sessions.delete(s);
    s.queue.clear();
    s.replay = null;
    s.replayBuf.length = 0;
    s.call.emit("error", { code, details });
  };
  const enqueue = (s: Session, m: Out): void => {
    if (s.closed) return;
    if (s.queue.length >= maxQueue) {
      fail(s, STATUS.INTERNAL, "lagged to send an update");
      return;
    }
    s.queue.push(m);
  };
  const pump = (s: Session): void => {
    if (s.waiting || s.closed) return;
    for (;;) {
      // A replay goes out before anything that happened since it was asked for; it is
      // produced one slot at a time as the client reads, so it never queues.
      while (s.replay && s.replayBuf.length === 0) {
        const r = s.replay;
        const f = s.filters as SessionFilters;
        if (r.next >= r.slots.length) {
          s.replay = null;
          break;
        }
        const slot = r.slots[r.next++] as bigint;
        slotMessages(f, slot, r.bySlot.get(slot) ?? [], { complete: slot < r.processed, confirmed: slot <= r.confirmed, finalized: slot <= r.finalized }, (x) =>
          s.replayBuf.push(x),
        );
      }
      const m = s.replayBuf.length > 0 ? s.replayBuf.shift() : s.queue.shift();
      if (m === undefined) return;
      if (!s.call.write(m)) {
        s.waiting = true;
        s.call.once("drain", () => {
          s.waiting = false;
          pump(s);
        });
        return;
      }
    }
  };

  /** The messages of one slot for a session: its transactions and block meta when due at its commitment, then its statuses. */
  const slotMessages = (
    f: SessionFilters,
    slot: bigint,
    records: readonly TransactionRecord[],
    reached: { complete: boolean; confirmed: boolean; finalized: boolean },
    out: (m: Out) => void,
  ): void => {
    // At processed a transaction goes out as it lands (the records are those landed so far), its block meta once the slot is complete.
    const due = f.commitment === PROCESSED ? true : f.commitment === CONFIRMED ? reached.confirmed : reached.finalized;
    if (due) {
      for (const r of records) txMessages(f, r, out);
      if (f.blocksMeta.length > 0 && (f.commitment !== PROCESSED || reached.complete))
        out(frame(f.blocksMeta, 7, SubscribeUpdateBlockMeta.encode(blockMeta(slot, records, clock)).finish()));
    }
    for (const [status, yes] of [
      [PROCESSED, reached.complete],
      [CONFIRMED, reached.confirmed],
      [FINALIZED, reached.finalized],
    ] as const)
      if (yes) statusMessage(f, slot, status, out);
  };
  const txMessages = (f: SessionFilters, r: TransactionRecord, out: (m: Out) => void): void => {
    const names = matchingFilters(f.transactions, r);
    if (names.length > 0) out(frame(names, 4, txBody(r)));
    const st = matchingFilters(f.transactionsStatus, r);
    if (st.length > 0) {
      const body = SubscribeUpdateTransactionStatus.encode({
        slot: r.slot.toString(),
        signature: bs58.decode(r.signature),
        isVote: false,
        index: String(r.indexInSlot),
        err: r.meta.err === null ? undefined : { err: transactionErrorBincode(r.meta.err) },
      }).finish();
      out(frame(st, 10, body));
    }
  };
  const statusMessage = (f: SessionFilters, slot: bigint, status: number, out: (m: Out) => void, deadError?: string): void => {
    const names = f.slots.filter((x) => !x.filterByCommitment || status === f.commitment || status === SLOT_DEAD).map((x) => x.name);
    if (names.length === 0) return;
    const body = SubscribeUpdateSlot.encode({
      slot: slot.toString(),
      parent: slot > 0n ? (slot - 1n).toString() : undefined,
      status,
      deadError,
    }).finish();
    out(frame(names, 3, body));
  };

  // ---- node events
  const forEach = (f: (s: Session, filters: SessionFilters) => void): void => {
    for (const s of sessions) {
      if (!s.filters || s.closed) continue;
      f(s, s.filters);
      pump(s);
    }
  };
  /** A slot lower than the last seen one means a fork switch: the slots after it are dead. */
  const observe = (slot: bigint): void => {
    if (slot < lastSlot) {
      const from = slot;
      const to = lastSlot;
      forEach((s, f) => {
        for (const d of slotsOf(from, to, [])) statusMessage(f, d, SLOT_DEAD, (m) => enqueue(s, m), "fork abandoned");
      });
    }
    lastSlot = slot;
  };
  const offs = [
    node.on("transaction", (r) => {
      observe(r.slot);
      forEach((s, f) => {
        if (f.commitment === PROCESSED) txMessages(f, r, (m) => enqueue(s, m));
      });
    }),
    node.on("slot", ({ slot, parent }) => {
      observe(parent);
      // The slots before the new one are complete: processed-level block metas and statuses.
      const records = history.inSlotRange(parent - 1n, slot - 1n);
      const slots = slotsOf(parent - 1n, slot - 1n, records);
      const by = bySlotOf(records);
      forEach((s, f) => {
        for (const x of slots) {
          if (f.commitment === PROCESSED && f.blocksMeta.length > 0) {
            enqueue(s, frame(f.blocksMeta, 7, SubscribeUpdateBlockMeta.encode(blockMeta(x, by.get(x) ?? [], clock)).finish()));
          }
          statusMessage(f, x, PROCESSED, (m) => enqueue(s, m));
        }
      });
      lastSlot = slot;
    }),
    node.on("commitment", (level, from, to) => {
      const lv = LEVEL[level];
      const records = history.inSlotRange(from, to);
      const slots = slotsOf(from, to, records);
      const by = bySlotOf(records);
      forEach((s, f) => {
        for (const x of slots) {
          const rs = by.get(x) ?? [];
          if (f.commitment === lv) {
            for (const r of rs) txMessages(f, r, (m) => enqueue(s, m));
            if (f.blocksMeta.length > 0) enqueue(s, frame(f.blocksMeta, 7, SubscribeUpdateBlockMeta.encode(blockMeta(x, rs, clock)).finish()));
          }
          statusMessage(f, x, lv, (m) => enqueue(s, m));
        }
      });
    }),
  ];

  // ---- Subscribe
  const onRequest = (s: Session, req: SubscribeRequest): void => {
    if (s.closed) return;
    if (req.ping) {
      enqueue(s, { filters: [], pong: { id: req.ping.id }, createdAt: new Date() } as unknown as SubscribeUpdate);
      pump(s);
      return;
    }
    let f: SessionFilters;
    try {
      f = parseSubscribeRequest(req);
    } catch (e) {
      if (e instanceof GeyserStatusError) fail(s, e.code, e.message);
      else fail(s, STATUS.INTERNAL, "failed to create filter");
      return;
    }
    if (req.fromSlot !== undefined) {
      const from = BigInt(req.fromSlot);
      const first = firstAvailableSlot();
      if (from < first) {
        fail(s, STATUS.OUT_OF_RANGE, `broadcast from ${from} is not available, last available: ${first}`);
        return;
      }
      const processed = clock.slot;
      const confirmed = clock.commitmentSlot("confirmed");
      const finalized = clock.commitmentSlot("finalized");
      // Only what happened by now: later transitions reach the session live.
      const records = history.inSlotRange(from - 1n, processed);
      s.filters = f;
      s.replayBuf.length = 0;
      s.replay = { slots: slotsOf(from - 1n, processed, records), next: 0, bySlot: bySlotOf(records), processed, confirmed, finalized };
      pump(s);
      return;
    }
    s.filters = f;
    pump(s);
  };

  const subscribe = (call: grpc.ServerDuplexStream<SubscribeRequest, Out>): void => {
    const s: Session = { call, filters: null, queue: new Queue(), replay: null, replayBuf: [], waiting: false, closed: false };
    if (!authorized(call.metadata)) {
      s.closed = true;
      call.emit("error", unauthenticated);
      return;
    }
    created++;
    sessions.add(s);
    // Headers right away, as a Yellowstone server does: a client's subscribe resolves before the first update.
    call.sendMetadata(new grpc.Metadata());
    call.on("data", (req: SubscribeRequest) => onRequest(s, req));
    const end = (): void => {
      if (s.closed) return;
      s.closed = true;
      sessions.delete(s);
      s.queue.clear();
    };
    call.on("end", () => {
      end();
      call.end();
    });
    call.on("cancelled", end);
    call.on("error", end);
    call.on("close", end);
  };

  const commitmentOf = (c: number | undefined): Commitment => levelName(c);
  const handlers: grpc.UntypedServiceImplementation = {
    Subscribe: subscribe,
    Ping: (call: grpc.ServerUnaryCall<PingRequest, PongResponse>, cb: grpc.sendUnaryData<PongResponse>) =>
      authorized(call.metadata) ? cb(null, { count: call.request.count }) : cb(unauthenticated),
    GetLatestBlockhash: (
      call: grpc.ServerUnaryCall<GetLatestBlockhashRequest, GetLatestBlockhashResponse>,
      cb: grpc.sendUnaryData<GetLatestBlockhashResponse>,
    ) => {
      if (!authorized(call.metadata)) return cb(unauthenticated);
      const slot = clock.commitmentSlot(commitmentOf(call.request.commitment));
      const h = clock.latestBlockhash(slot);
      cb(null, { slot: slot.toString(), blockhash: h.blockhash, lastValidBlockHeight: h.lastValidBlockHeight.toString() });
    },
    GetBlockHeight: (call: grpc.ServerUnaryCall<GetBlockHeightRequest, GetBlockHeightResponse>, cb: grpc.sendUnaryData<GetBlockHeightResponse>) =>
      authorized(call.metadata) ? cb(null, { blockHeight: clock.commitmentSlot(commitmentOf(call.request.commitment)).toString() }) : cb(unauthenticated),
    GetSlot: (call: grpc.ServerUnaryCall<GetSlotRequest, GetSlotResponse>, cb: grpc.sendUnaryData<GetSlotResponse>) =>
      authorized(call.metadata) ? cb(null, { slot: clock.commitmentSlot(commitmentOf(call.request.commitment)).toString() }) : cb(unauthenticated),
    IsBlockhashValid: (call: grpc.ServerUnaryCall<IsBlockhashValidRequest, IsBlockhashValidResponse>, cb: grpc.sendUnaryData<IsBlockhashValidResponse>) => {
      if (!authorized(call.metadata)) return cb(unauthenticated);
      const slot = clock.commitmentSlot(commitmentOf(call.request.commitment));
      cb(null, { slot: slot.toString(), valid: clock.isBlockhashValid(call.request.blockhash, slot) });
    },
    GetVersion: (call: grpc.ServerUnaryCall<GetVersionRequest, GetVersionResponse>, cb: grpc.sendUnaryData<GetVersionResponse>) =>
      authorized(call.metadata)
        ? cb(null, {
            version: JSON.stringify({
              version: { package: "gpunet-localnet-geyser", version: "0.1.0", proto: "yellowstone-grpc 7", solana: SOLANA_CORE_VERSION },
              extra: { hostname: hostname() },
            }),
          })
        : cb(unauthenticated),
    SubscribeReplayInfo: (
      call: grpc.ServerUnaryCall<SubscribeReplayInfoRequest, SubscribeReplayInfoResponse>,
      cb: grpc.sendUnaryData<SubscribeReplayInfoResponse>,
    ) => (authorized(call.metadata) ? cb(null, { firstAvailable: firstAvailableSlot().toString() }) : cb(unauthenticated)),
  };

  let server: grpc.Server;
  const bind = async (port: number): Promise<number> => {
    server = new grpc.Server({ "grpc.max_send_message_length": 64 * 1024 * 1024, "grpc.max_receive_message_length": 16 * 1024 * 1024 });
    server.addService(SERVICE, handlers);
    return new Promise((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (e, p) => {
        if (e) reject(new LocalnetError("LISTEN_FAILED", `cannot listen for gRPC on 127.0.0.1:${port}: ${e.message}`, { grpcPort: port }, { cause: e }));
        else resolve(p);
      }),
    );
  };
  let port: number;
  try {
    port = await bind(opts.port);
  } catch (e) {
    for (const off of offs) off();
    throw e;
  }

  const pingMs = opts.pingIntervalMs ?? 15_000;
  const pinger =
    pingMs > 0
      ? setInterval(() => {
          for (const s of sessions) {
            enqueue(s, { filters: [], ping: {}, createdAt: new Date() } as unknown as SubscribeUpdate);
            pump(s);
          }
        }, pingMs)
      : null;
  pinger?.unref();

  const dropAll = (): void => {
    for (const s of [...sessions]) fail(s, STATUS.UNAVAILABLE, "server is shutting down try again later");
  };
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get subscribers() {
      return sessions.size;
    },
    get subscriptionsCreated() {
      return created;
    },
    firstAvailableSlot,
    dropStreams: dropAll,
    async restart() {
      for (const s of [...sessions]) {
        s.closed = true;
        sessions.delete(s);
      }
      server.forceShutdown();
      await bind(port);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (pinger) clearInterval(pinger);
      for (const off of offs) off();
      dropAll();
      await new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500).unref();
      });
    },
  };
}
