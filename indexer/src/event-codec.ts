/**
 * Re-encodes a decoded gpunet event to the exact bytes the program logged
 * (8-byte discriminator + Borsh fields), from the SDK's IDL layouts.
 *
 * Why: the events table keeps every event's payload so that state can be
 * rebuilt from events alone (rollback of data that never finalized, the
 * `rebuild` command). The SDK's parser returns decoded values, not bytes;
 * encoding a fixed layout back costs ~1 us, far less than keeping log text.
 * Decoding stays the SDK's job (`decodeEventBytes`).
 */
import { GPUNET_IDL, camelCase, structLayout, type GpunetEventName, type StructLayout } from "@gpunet/sdk";

interface EventEncoding {
  readonly discriminator: Uint8Array;
  readonly layout: StructLayout;
  readonly length: number;
}

const ENCODINGS: ReadonlyMap<string, EventEncoding> = new Map(
  GPUNET_IDL.events.map((e) => {
    const layout = structLayout(e.name);
    return [camelCase(e.name), { discriminator: Uint8Array.from(e.discriminator), layout, length: 8 + layout.size }];
  }),
);

const MASK64 = (1n << 64n) - 1n;

/**
 * Encodes `data` (pubkeys as 32-byte arrays) of event `name` to its payload bytes.
 *
 * @example
 * ```ts
 * import { decodeEventBytes } from "@gpunet/sdk";
 * import { encodeEventPayload } from "@gpunet/indexer";
 * declare const payload: Uint8Array; // an event's bytes, from a "Program data:" log line
 * const r = decodeEventBytes(payload, "bytes");
 * if (r.ok) encodeEventPayload(r.name, r.data); // the same bytes as payload
 * ```
 */
export function encodeEventPayload(name: GpunetEventName, data: Readonly<Record<string, unknown>>): Uint8Array {
  const enc = ENCODINGS.get(name);
  if (!enc) throw new RangeError(`unknown event ${name}`);
  const out = new Uint8Array(enc.length);
  out.set(enc.discriminator, 0);
  const dv = new DataView(out.buffer);
  for (const f of enc.layout.fields) {
    const o = 8 + f.offset;
    const v = data[f.name];
    switch (f.kind) {
      case "u8":
      case "i8":
        dv.setUint8(o, Number(v) & 0xff);
        break;
      case "bool":
        dv.setUint8(o, v === true ? 1 : 0);
        break;
      case "u16":
      case "i16":
        dv.setUint16(o, Number(v) & 0xffff, true);
        break;
      case "u32":
      case "i32":
        dv.setUint32(o, Number(v) >>> 0, true);
        break;
      case "u64":
        dv.setBigUint64(o, BigInt(v as bigint) & MASK64, true);
        break;
      case "i64":
        dv.setBigInt64(o, BigInt(v as bigint), true);
        break;
      case "u128":
      case "i128": {
        const b = BigInt(v as bigint);
        dv.setBigUint64(o, b & MASK64, true);
        dv.setBigUint64(o + 8, (b >> 64n) & MASK64, true);
        break;
      }
      case "pubkey":
      case "bytes":
        out.set(v as Uint8Array, o);
        break;
    }
  }
  return out;
}
