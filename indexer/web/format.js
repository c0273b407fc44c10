/**
 * Formatting for people: token amounts with the mint's decimals, enum names,
 * dates. Amounts arrive as exact decimal strings of base units and stay
 * strings (BigInt), never a float, until a chart needs a number to draw.
 */

/**
 * Base units (decimal string or bigint) as tokens, grouped, with at most
 * `maxFraction` digits (cut, not rounded); an amount below that shows its first
 * two significant digits instead of a misleading 0.
 */
export function tokens(raw, decimals, maxFraction = 2) {
  const v = BigInt(raw ?? 0);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const unit = 10n ** BigInt(decimals);
  const whole = (abs / unit).toLocaleString("en-US");
  const digits = (abs % unit).toString().padStart(decimals, "0");
  let keep = maxFraction;
  if (abs > 0n && abs < unit && /^0*$/.test(digits.slice(0, maxFraction))) keep = digits.search(/[1-9]/) + 2;
  const frac = decimals === 0 ? "" : digits.slice(0, keep).replace(/0+$/, "");
  return `${neg ? "-" : ""}${whole}${frac ? `.${frac}` : ""}`;
}

/** Base units as the exact token value (every decimal), for titles. */
export function exactTokens(raw, decimals) {
  const v = BigInt(raw ?? 0);
  const unit = 10n ** BigInt(decimals);
  const frac = (v % unit).toString().padStart(decimals, "0");
  return decimals === 0 ? v.toString() : `${v / unit}.${frac}`;
}

/** Base units as a float number of tokens (charts only). */
export function tokenNumber(raw, decimals) {
  const v = BigInt(raw ?? 0);
  const unit = 10n ** BigInt(decimals);
  return Number(v / unit) + Number(v % unit) / Number(unit);
}

/** An integer count (number, bigint or decimal string), grouped. */
export function count(v) {
  return BigInt(v ?? 0).toLocaleString("en-US");
}

/** Unix seconds as "2026-12-01 19:43 UTC"; "never" for 0. */
export function date(unix) {
  const s = Number(unix ?? 0);
  if (!s) return "never";
  return `${new Date(s * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** A day label "2026-12-01" of unix seconds. */
export function day(unix) {
  return new Date(Number(unix) * 1000).toISOString().slice(0, 10);
}

/** A name from an enum table (array or code -> name record), or "code N". */
export function enumName(table, code) {
  const n = table?.[Number(code)];
  return n ?? `code ${code}`;
}

/** An address shortened to its ends. */
export function short(address) {
  const a = String(address ?? "");
  return a.length > 12 ? `${a.slice(0, 4)}…${a.slice(-4)}` : a;
}

/** A camelCase or snake_case identifier as words ("completedByBuyer" -> "completed by buyer"). */
export function words(id) {
  return String(id ?? "")
    .replace(/_/g, " ")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase();
}

/** Escapes text for HTML. */
export function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
