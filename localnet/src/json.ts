/**
 * JSON encoding that writes `bigint` as a bare integer literal.
 *
 * u64 values (lamports, rentEpoch = 2^64-1) do not fit a JS number; a real
 * cluster sends them as plain JSON integers, and @solana/kit parses such
 * literals back into bigint, so they must be written without quotes.
 */

/**
 * Serializes `value` to JSON, writing bigints as integer literals.
 *
 * @example
 * ```ts
 * stringifyJson({ lamports: 2n ** 64n - 1n }); // '{"lamports":18446744073709551615}'
 * ```
 */
export function stringifyJson(value: unknown): string {
  const out: string[] = [];
  write(value, out);
  return out.join("");
}

function write(value: unknown, out: string[]): void {
  switch (typeof value) {
    case "bigint":
      out.push(value.toString());
      return;
    case "number":
      out.push(Number.isFinite(value) ? String(value) : "null");
      return;
    case "string":
      out.push(JSON.stringify(value));
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "undefined":
    case "function":
    case "symbol":
      out.push("null");
      return;
    case "object":
      break;
  }
  if (value === null) {
    out.push("null");
    return;
  }
  if (Array.isArray(value)) {
    out.push("[");
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(",");
      write(value[i], out);
    }
    out.push("]");
    return;
  }
  out.push("{");
  let first = true;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    // Undefined fields are omitted, as JSON.stringify does.
    if (v === undefined) continue;
    if (!first) out.push(",");
    first = false;
    out.push(JSON.stringify(k), ":");
    write(v, out);
  }
  out.push("}");
}

/** Integer literals of 15 digits or fewer are always exact as a JS number. */
const LONG_DIGIT_RUN = /[0-9]{16}/;
/** Nesting deeper than this is refused as a parse error (the parser recurses). */
const MAX_DEPTH = 512;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/**
 * Parses JSON text exactly: an integer literal that a JS number cannot hold
 * (beyond 2^53) becomes a `bigint` instead of being rounded, so a u64 param
 * such as 18446744073709551615 arrives intact. Everything else is as
 * `JSON.parse`. Throws SyntaxError on malformed text.
 *
 * @example
 * ```ts
 * parseJson('{"lamports":18446744073709551615}'); // { lamports: 18446744073709551615n }
 * parseJson('[1, 2.5]'); // [1, 2.5]
 * ```
 */
export function parseJson(text: string): unknown {
  // Fast path: with no run of 16 digits anywhere, no integer can be inexact.
  if (!LONG_DIGIT_RUN.test(text)) return JSON.parse(text);
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const skip = (): void => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
  };
  const str = (): string => {
    const start = i;
    i++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) fail("unterminated string");
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 0x20) fail("control character in string");
      i++;
    }
    i++;
    const raw = text.slice(start, i);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  };
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail("nesting too deep");
    skip();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: Record<string, unknown> = {};
      skip();
      if (text[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        skip();
        if (text[i] !== '"') fail("expected a string key");
        const k = str();
        skip();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        const v = value(depth + 1);
        // Own property even for "__proto__", as JSON.parse does.
        Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      i++;
      const a: unknown[] = [];
      skip();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(depth + 1));
        skip();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) {
      i += 4;
      return true;
    }
    if (text.startsWith("false", i)) {
      i += 5;
      return false;
    }
    if (text.startsWith("null", i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail("unexpected token");
    i = NUMBER.lastIndex;
    const n = Number(m[0]);
    // A plain integer literal beyond the exact range keeps every digit.
    if (m[1] === undefined && m[2] === undefined && !Number.isSafeInteger(n)) return BigInt(m[0]);
    return n;
  };
  const out = value(0);
  skip();
  if (i < text.length) fail("unexpected text after JSON");
  return out;
}
