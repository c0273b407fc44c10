/**
 * Hot-path encoders for the event decoder: strict base64 decoding and base58 of
 * 32-byte keys. Why not Buffer/bs58: measured on this machine, bs58 takes ~6 us per
 * key and regex-validated Buffer base64 ~3 us per payload; these take a fraction, and
 * they run unchanged in a browser (no Buffer).
 */

const B64_LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < abc.length; i++) t[abc.charCodeAt(i)] = i;
  return t;
})();

/**
 * Decodes standard, padded base64 (what `sol_log_data` produces). Returns null for
 * anything else: a wrong length, a character outside the alphabet, bad padding, or
 * non-zero bits under the padding (so one byte string has exactly one encoding).
 *
 * @example
 * ```ts
 * decodeBase64Strict("AQID"); // Uint8Array [1, 2, 3]
 * ```
 */
export function decodeBase64Strict(s: string): Uint8Array | null {
  return NodeBuffer ? decodeWithBuffer(s) : decodeBase64Portable(s);
}

/** The portable (browser) path of {@link decodeBase64Strict}; exported for tests. */
export function decodeBase64Portable(s: string): Uint8Array | null {
  const n = s.length;
  if (n % 4 !== 0) return null;
  if (n === 0) return new Uint8Array(0);
  let pad = 0;
  if (s.charCodeAt(n - 1) === 61) pad = s.charCodeAt(n - 2) === 61 ? 2 : 1;
  const out = new Uint8Array((n / 4) * 3 - pad);
  const full = pad === 0 ? n : n - 4;
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = lookup(s.charCodeAt(i)),
      b = lookup(s.charCodeAt(i + 1)),
      c = lookup(s.charCodeAt(i + 2)),
      d = lookup(s.charCodeAt(i + 3));
    if ((a | b | c | d) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 255;
    out[o++] = v & 255;
  }
  if (pad > 0) {
    const a = lookup(s.charCodeAt(n - 4)),
      b = lookup(s.charCodeAt(n - 3));
    if ((a | b) < 0) return null;
    if (pad === 2) {
      if ((b & 15) !== 0) return null;
      out[o] = (a << 2) | (b >> 4);
    } else {
      const c = lookup(s.charCodeAt(n - 2));
      if (c < 0 || (c & 3) !== 0) return null;
      out[o] = (a << 2) | (b >> 4);
      out[o + 1] = ((b & 15) << 4) | (c >> 2);
    }
  }
  return out;
}

interface NodeBufferLike {
  from(s: string, enc: "base64"): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer;

/**
 * Node's decoder is ~3x faster than the loop above but lenient: it skips characters
 * outside the alphabet and stops at '='. Any such character makes the output shorter
 * than a canonical string of this length would give, which is what we check.
 */
function decodeWithBuffer(s: string): Uint8Array | null {
  const n = s.length;
  if (n % 4 !== 0 || !NodeBuffer) return null;
  let pad = 0;
  if (n > 0 && s.charCodeAt(n - 1) === 61) pad = s.charCodeAt(n - 2) === 61 ? 2 : 1;
  const out = NodeBuffer.from(s, "base64");
  if (out.length !== (n / 4) * 3 - pad) return null;
  // '-' and '_' (base64url) decode without shortening; they never occur in program logs.
  if (s.indexOf("-") >= 0 || s.indexOf("_") >= 0) return null;
  return out;
}

function lookup(code: number): number {
  return code < 128 ? (B64_LOOKUP[code] as number) : -1;
}

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const B58_POW4 = 58 ** 4; // 11,316,496 < 2^24, so rem * 2^16 + limb stays below 2^53.

/**
 * Base58 of 32 bytes (a public key), identical to bs58/PublicKey#toBase58.
 * Long division by 58^4 over sixteen 16-bit limbs keeps every step in exact
 * double-precision arithmetic.
 *
 * @example
 * ```ts
 * encodeBase58Key(new Uint8Array(32)); // "11111111111111111111111111111111"
 * ```
 */
export function encodeBase58Key(bytes: Uint8Array, offset = 0): string {
  const limbs = new Array<number>(16);
  let zeros = 0;
  let counting = true;
  for (let i = 0; i < 16; i++) {
    const hi = bytes[offset + 2 * i] as number;
    const lo = bytes[offset + 2 * i + 1] as number;
    if (counting) {
      if (hi === 0) {
        zeros++;
        if (lo === 0) zeros++;
        else counting = false;
      } else counting = false;
    }
    limbs[i] = (hi << 8) | lo;
  }
  let digits = "";
  let start = 0;
  while (start < 16) {
    let rem = 0;
    for (let i = start; i < 16; i++) {
      const cur = rem * 65536 + (limbs[i] as number);
      const q = Math.floor(cur / B58_POW4);
      rem = cur - q * B58_POW4;
      limbs[i] = q;
    }
    while (start < 16 && limbs[start] === 0) start++;
    // Four base58 digits, least significant first; leading zero digits trimmed below.
    for (let k = 0; k < 4; k++) {
      digits = B58[rem % 58] + digits;
      rem = Math.floor(rem / 58);
    }
  }
  let i = 0;
  while (i < digits.length && digits[i] === "1") i++;
  return "1".repeat(zeros) + digits.slice(i);
}

const B58_INDEX = /* @__PURE__ */ (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < B58.length; i++) t[B58.charCodeAt(i)] = i;
  return t;
})();

/**
 * Decodes base58 text (what bs58.decode accepts, same bytes); null for a character
 * outside the alphabet. Small on purpose: the Kit face's bundles carry it.
 *
 * @example
 * ```ts
 * decodeBase58("11111111111111111111111111111111")?.length; // 32
 * ```
 */
export function decodeBase58(s: string): Uint8Array | null {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let carry = c < 128 ? (B58_INDEX[c] as number) : -1;
    if (carry < 0) return null;
    for (let j = 0; j < out.length; j++) {
      carry += (out[j] as number) * 58;
      out[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      out.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (let i = 0; i < s.length && s.charCodeAt(i) === 49; i++) out.push(0);
  return Uint8Array.from(out.reverse());
}
