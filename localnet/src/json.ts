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
  return out.join('');
}

function write(value: unknown, out: string[]): void {
  switch (typeof value) {
    case 'bigint':
      out.push(value.toString());
      return;
    case 'number':
      out.push(Number.isFinite(value) ? String(value) : 'null');
      return;
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'undefined':
    case 'function':
    case 'symbol':
      out.push('null');
      return;
    case 'object':
      break;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i], out);
    }
    out.push(']');
    return;
  }
  out.push('{');
  let first = true;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    // Undefined fields are omitted, as JSON.stringify does.
    if (v === undefined) continue;
    if (!first) out.push(',');
    first = false;
    out.push(JSON.stringify(k), ':');
    write(v, out);
  }
  out.push('}');
}
