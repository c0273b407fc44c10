/**
 * Anchor's own BorshCoder, used as the oracle the SDK's hand-rolled codecs are
 * checked against (test-only; the SDK never ships BorshCoder-decoded values).
 */
import { Program, type Provider } from "@coral-xyz/anchor";
import { fromBN, isBN, toBN, type BNLike } from "./bn.ts";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { GPUNET_IDL, GPUNET_IDL_FOR_ANCHOR, camelCase } from "../../sdk/src/idl.ts";
import { structLayout, type FieldLayout } from "../../sdk/src/layout.ts";

// Program's constructor camel-cases the IDL exactly as Anchor does at run time; no RPC is made.
const program = new Program(GPUNET_IDL_FOR_ANCHOR, { connection: new Connection("http://127.0.0.1:9") } as unknown as Provider);
export const anchorCoder = program.coder;

/** A deterministic pseudo-random generator (xorshift) so failures reproduce. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

function randBig(r: () => number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(r() * 65536));
  return v & ((1n << BigInt(bits)) - 1n);
}

/** Random values for a struct: `sdk` holds the expected SDK values, `anchor` the coder input. */
export function randomStruct(typeName: string, r: () => number): { sdk: Record<string, unknown>; anchor: Record<string, unknown> } {
  const sdk: Record<string, unknown> = {};
  const anchor: Record<string, unknown> = {};
  for (const f of structLayout(typeName).fields) {
    const [s, a] = randomField(f, r);
    sdk[f.name] = s;
    anchor[f.name] = a;
  }
  return { sdk, anchor };
}

function randomField(f: FieldLayout, r: () => number): [unknown, unknown] {
  // Boundary values a third of the time: 0, MAX and (for signed) MIN.
  const edge = r();
  switch (f.kind) {
    case "u8": {
      const v = edge < 0.2 ? 255 : Math.floor(r() * 256);
      return [v, v];
    }
    case "u16": {
      const v = edge < 0.2 ? 65535 : Math.floor(r() * 65536);
      return [v, v];
    }
    case "bool": {
      const v = r() < 0.5;
      return [v, v];
    }
    case "u64": {
      const v = edge < 0.15 ? (1n << 64n) - 1n : edge < 0.3 ? 0n : randBig(r, 64);
      return [v, toBN(v)];
    }
    case "i64": {
      const v = edge < 0.15 ? -(1n << 63n) : edge < 0.3 ? (1n << 63n) - 1n : randBig(r, 64) - (1n << 63n);
      return [v, toBN(v)];
    }
    case "u128": {
      const v = edge < 0.2 ? (1n << 128n) - 1n : randBig(r, 128);
      return [v, toBN(v)];
    }
    case "pubkey": {
      const k = edge < 0.1 ? PublicKey.default : Keypair.generate().publicKey;
      return [k.toBase58(), k];
    }
    case "bytes": {
      const b = Uint8Array.from({ length: f.size }, () => Math.floor(r() * 256));
      return [b, Array.from(b)];
    }
    case "enum": {
      const vs = f.variants ?? [];
      const v = vs[Math.floor(r() * vs.length)] ?? "";
      return [v, { [v]: {} }];
    }
    default:
      throw new Error(`test generator lacks ${f.kind}`);
  }
}

/** Encodes an event payload (discriminator + Borsh) with Anchor's coder, as the program logs it. */
export function encodeEventWithAnchor(idlEventName: string, anchorData: Record<string, unknown>): string {
  const ev = GPUNET_IDL.events.find((e) => e.name === idlEventName);
  if (!ev) throw new Error(`no event ${idlEventName}`);
  const body = anchorCoder.types.encode(camelCase(idlEventName), anchorData);
  return Buffer.concat([Buffer.from(ev.discriminator), body]).toString("base64");
}

/** Converts Anchor-decoded values (BN, PublicKey, number[]) to the SDK's (bigint, base58, Uint8Array). */
export function fromAnchor(v: unknown): unknown {
  if (isBN(v)) return fromBN(v as BNLike);
  if (v === null || v === undefined || typeof v !== "object") return v;
  if (v instanceof PublicKey) return v.toBase58();
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  // Anchor decodes [u8; N] to a Buffer of the `buffer` package (not always this realm's Uint8Array).
  if (v instanceof Uint8Array || (v && typeof v === "object" && "readUInt8" in v)) return Uint8Array.from(v as ArrayLike<number>);
  // A unit enum variant, `{ fraud: {} }`: the SDK spells it as the variant's name.
  const entries = Object.entries(v);
  if (
    entries.length === 1 &&
    entries[0] &&
    typeof entries[0][1] === "object" &&
    entries[0][1] !== null &&
    Object.keys(entries[0][1]).length === 0 &&
    !isBN(entries[0][1])
  )
    return entries[0][0];
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromAnchor(x)]));
  return v;
}
