import { describe, expect, it } from "vitest";
import bs58 from "bs58";
import { Keypair } from "@solana/web3.js";
import { decodeBase64Portable, decodeBase64Strict, encodeBase58Key } from "../../sdk/src/encoding.ts";

describe("encodeBase58Key", () => {
  it("Given random keys, keys with leading zero bytes, all-zero and all-0xff keys, Then it equals bs58", () => {
    const keys: Uint8Array[] = [new Uint8Array(32), new Uint8Array(32).fill(255)];
    for (let i = 0; i < 500; i++) {
      const k = Keypair.generate().publicKey.toBytes();
      for (let j = 0; j < i % 6; j++) k[j] = 0;
      keys.push(k);
    }
    for (const k of keys) expect(encodeBase58Key(k)).toBe(bs58.encode(k));
  });
  it("reads at an offset", () => {
    const k = Keypair.generate().publicKey.toBytes();
    const buf = new Uint8Array(40);
    buf.set(k, 5);
    expect(encodeBase58Key(buf, 5)).toBe(bs58.encode(k));
  });
});

describe("base64 decoding", () => {
  for (const [name, decode] of [
    ["strict (Node Buffer path)", decodeBase64Strict],
    ["portable (browser path)", decodeBase64Portable],
  ] as const) {
    it(`${name}: Given every length 0..300, Then it round-trips Buffer's encoding`, () => {
      for (let len = 0; len <= 300; len++) {
        const b = Uint8Array.from({ length: len }, (_, i) => (i * 37 + len) & 255);
        const d = decode(Buffer.from(b).toString("base64"));
        expect(d && new Uint8Array(d)).toEqual(b);
      }
    });
    it(`${name}: Given malformed text, Then null`, () => {
      for (const s of ["A", "AB", "ABC", "AB!D", "AB=D", "A===", "====", "AQID AQID", "AQ-D", "AQ_D", "é123"]) {
        expect(decode(s)).toBeNull();
      }
    });
  }
  it("portable: rejects non-zero bits under the padding", () => {
    expect(decodeBase64Portable("AQJ=")).toBeNull();
    expect(decodeBase64Portable("AB==")).toBeNull();
  });
});
