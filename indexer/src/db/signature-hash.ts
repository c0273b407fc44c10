/**
 * The dedupe key of a transaction: a 53-bit hash of its base58 signature.
 *
 * Why not a UNIQUE index on the signature itself: measured on this machine
 * (100k random signatures, batches of 4,000, WAL, 64 MiB cache), a UNIQUE
 * 64-byte BLOB index inserts ~29k rows/s, a UNIQUE 88-char TEXT index ~22k,
 * while a plain index on a 53-bit integer plus a lookup-then-insert does
 * ~69k with a lookup first and ~80k as a UNIQUE integer (index entries are
 * ~10 bytes instead of ~70, so far fewer pages are touched per commit), and no
 * base58 decoding is needed (~10 us per signature with bs58). The key is
 * UNIQUE (slot, sig_hash): slots grow, so inserts land on the last index pages
 * instead of random ones (txs insert 7.7 us -> see bench), and every path that
 * looks a transaction up knows its slot (a redelivery has the same slot; one
 * landing in another slot after a fork is another inclusion, and the first is
 * rolled back when it never finalizes). Two signatures with one hash in one
 * slot are stored by open addressing: the second takes hash + 1 (up to
 * hash + 7), and a lookup reads `slot = s AND sig_hash BETWEEN h AND h + 7`
 * and compares the text.
 *
 * Definition (stable: stored in `txs.sig_hash`): two 32-bit FNV-1a lanes over
 * the UTF-16 code units of the base58 text, lane A with offset 0x811c9dc5 and
 * prime 16777619, lane B with offset 0x01000193 and prime 2246822519;
 * hash = A * 2^21 + (B mod 2^21).
 */

/**
 * The 53-bit dedupe hash of a base58 signature (an exact JS number).
 *
 * @example
 * ```ts
 * declare const sig: string; // a transaction's signature
 * declare const slot: bigint; // the slot it landed in
 * const { sqlite } = openReaderDatabase("index.db");
 * const h = signatureHash(sig); // a colliding signature in the same slot is stored at h + 1 .. h + 7
 * sqlite.prepare("SELECT * FROM txs WHERE slot = ? AND sig_hash BETWEEN ? AND ? AND signature = ?").get(slot, h, h + 7, sig);
 * ```
 */
export function signatureHash(signature: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < signature.length; i++) {
    const c = signature.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 2246822519);
  }
  return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
}
