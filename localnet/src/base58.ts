/**
 * A faster base58 encoder for the hot paths (transaction ids, account
 * keys): the number is kept in limbs of 58^5 and fed two bytes at a time,
 * about 10x less work than the digit-at-a-time algorithm of `bs58`, with
 * byte-identical output.
 */
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/** 58^5: a limb times 2^16 plus a carry stays below 2^53, exact in a double. */
const LIMB = 656_356_768;

/**
 * Encodes bytes as base58 (Bitcoin alphabet), as `bs58.encode` does.
 *
 * @example
 * ```ts
 * encodeBase58(new Uint8Array(32)); // '11111111111111111111111111111111'
 * ```
 */
export function encodeBase58(bytes: Uint8Array): string {
  const n = bytes.length;
  let zeros = 0;
  while (zeros < n && bytes[zeros] === 0) zeros++;
  const limbs: number[] = [];
  let i = zeros;
  // An odd count of significant bytes: take the first one alone.
  if ((n - i) % 2 === 1) {
    if ((bytes[i] as number) > 0) limbs.push(bytes[i] as number);
    i++;
  }
  for (; i < n; i += 2) {
    let carry = (bytes[i] as number) * 256 + (bytes[i + 1] as number);
    for (let j = 0; j < limbs.length; j++) {
      const x = (limbs[j] as number) * 65536 + carry;
      carry = Math.floor(x / LIMB);
      limbs[j] = x - carry * LIMB;
    }
    while (carry > 0) {
      const q = Math.floor(carry / LIMB);
      limbs.push(carry - q * LIMB);
      carry = q;
    }
  }
  const digits: string[] = [];
  for (let j = 0; j < limbs.length; j++) {
    let v = limbs[j] as number;
    const top = j === limbs.length - 1;
    for (let k = 0; k < 5; k++) {
      if (top && v === 0) break;
      const q = Math.floor(v / 58);
      digits.push(ALPHABET[v - q * 58] as string);
      v = q;
    }
  }
  return "1".repeat(zeros) + digits.reverse().join("");
}

/** Bounded: keys repeat a lot (payers, programs, recent blockhashes). */
const KEY_CACHE_MAX = 50_000;
const keyCache = new Map<string, string>();

/**
 * {@link encodeBase58} for 32-byte keys and hashes, remembering recent ones.
 *
 * @example
 * ```ts
 * encodeKey(new Uint8Array(32)); // '11111111111111111111111111111111'
 * ```
 */
export function encodeKey(bytes: Uint8Array): string {
  const k = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  let s = keyCache.get(k);
  if (s === undefined) {
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    s = encodeBase58(bytes);
    keyCache.set(k, s);
  }
  return s;
}
