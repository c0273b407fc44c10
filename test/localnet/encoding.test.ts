/**
 * The exact JSON reader for requests and the fast base58 encoder on the send
 * path: both must agree with the reference behaviour on every input.
 */
import { randomBytes } from "node:crypto";
import bs58 from "bs58";
import { describe, expect, it } from "vitest";
import { encodeBase58, encodeKey } from "../../localnet/src/base58.ts";
import { parseJson } from "../../localnet/src/json.ts";

describe("parseJson", () => {
  it("Given integer literals past 2^53, When parsed, Then they come back as exact bigints and everything else as JSON.parse gives it", () => {
    const text =
      '{"a":18446744073709551615,"b":[9007199254740993,-9223372036854775808,9007199254740991,1.5,1e300,-0],"c":"x\\"y\\u00e9","d":null,"e":true,"f":{}}';
    expect(parseJson(text)).toEqual({
      a: 18446744073709551615n,
      b: [9007199254740993n, -9223372036854775808n, 9007199254740991, 1.5, 1e300, -0],
      c: 'x"yé',
      d: null,
      e: true,
      f: {},
    });
  });

  it("Given texts JSON.parse accepts, When parsed on the exact path, Then the results match", () => {
    // The long digit run forces the exact parser; the rest must equal JSON.parse.
    const samples = ["[]", "{}", " [ 1 , 2 ] ", '{"k":[{"x":[[]]}]}', '"\\\\\\/\\b\\f\\n\\r\\t"', "[0, -1, 2.25e-3, 1E+2]", '{"__proto__":{"polluted":1}}'];
    for (const s of samples) {
      const withRun = `[${s},"1234567890123456"]`;
      expect(parseJson(withRun), s).toEqual(JSON.parse(withRun));
    }
    const o = parseJson('{"__proto__":{"polluted":1},"n":12345678901234567}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.hasOwn(o, "__proto__")).toBe(true);
  });

  it("Given malformed or hostile texts, When parsed, Then a SyntaxError, never a wrong value or a crash", () => {
    const bad = [
      "[12345678901234567",
      '{"a":12345678901234567,}',
      "[12345678901234567,]",
      "{12345678901234567:1}",
      "[1234567890123456] x",
      '["12345678901234567\\x"]',
      "[01234567890123456]",
      `${"[".repeat(600)}1234567890123456${"]".repeat(600)}`,
    ];
    for (const s of bad) expect(() => parseJson(s), s.slice(0, 40)).toThrow(SyntaxError);
  });
});

describe("encodeBase58", () => {
  it("Given random bytes of every length 0..100 (with leading zeros), When encoded, Then the text equals bs58", () => {
    for (let t = 0; t < 5000; t++) {
      const b = new Uint8Array(randomBytes(t % 101));
      if (t % 5 === 0 && b.length > 3) b.fill(0, 0, 1 + (t % 3));
      if (t % 17 === 0) b.fill(0);
      expect(encodeBase58(b)).toBe(bs58.encode(b));
      if (b.length === 32) expect(encodeKey(b)).toBe(bs58.encode(b));
    }
  });
});
