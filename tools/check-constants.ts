/**
 * Finds hand copies of IDL values in the TypeScript sources, tests and benches
 * (and the program's C, beside its generated header):
 * an enum byte written as a digit (`state: 5`, `status === 0`, `gpuModel: 2`), a
 * program error number (`Custom: 6024`, `.toBe(6001)`), an `update_config` mask
 * bit (`mask: 4`, `1 << 3`) or a protocol limit (`31_536_000`, a bps field set to
 * `10_000`). Each one must be the generated name (`JOB_STATE.cancelled`,
 * `GPUNET_ERROR_CODE.Paused`, `CONFIG_MASK.minStakePerGpu`, `MAX_DURATION`, ...).
 *
 *   tsx tools/check-constants.ts          exits 1 and lists file:line of each copy
 *   tsx tools/check-constants.ts --json   the same list as JSON
 *
 * The rules read the IDL, so they stay precise: an enum field is flagged only for a
 * digit that is one of its enum's bytes (a code past the last variant is a test of
 * unknown codes), an error number only when it is one of the IDL's error codes and
 * stands where an error number goes. Comments are not read. A line that holds such
 * a number for another reason (the SPL Token program's account state, a test
 * program's own error) says so with `idl-literal-ok: <why>` in a comment on it or
 * in a `//` comment on the line above.
 */
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import idl from "../programs-idl/gpunet.json" with { type: "json" };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** A hand copy found in a file. */
export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly rule: string;
  readonly text: string;
  /** The generated name to use instead. */
  readonly hint: string;
}

/** The marker that accepts a line's literal (with the reason after it). */
export const ALLOW_MARKER = "idl-literal-ok:";

const enumSize = (name: string): number => {
  const t = idl.types.find((x) => x.name === name);
  if (!t || t.type.kind !== "enum") throw new Error(`the IDL has no enum ${name}`);
  return (t.type as { variants: unknown[] }).variants.length;
};

/** Field spellings that hold an enum byte, and the generated table that names it. */
const ENUM_FIELDS: readonly { readonly fields: readonly string[]; readonly size: number; readonly hint: string }[] = [
  { fields: ["state", "jobState", "job_state"], size: enumSize("JobState"), hint: "JOB_STATE.<variant>" },
  { fields: ["status", "providerStatus", "provider_status"], size: enumSize("ProviderStatus"), hint: "PROVIDER_STATUS.<variant>" },
  { fields: ["gpuModel", "gpu_model"], size: enumSize("GpuModel"), hint: "GPU_MODEL.<variant>" },
  { fields: ["region"], size: enumSize("Region"), hint: "REGION.<variant>" },
  { fields: ["endReason", "end_reason"], size: enumSize("JobEndReason"), hint: "JOB_END_REASON.<variant>" },
  { fields: ["slashReason", "slash_reason"], size: enumSize("SlashReason"), hint: "SLASH_REASON.<variant>" },
];

const ERROR_CODES = new Set(idl.errors.map((e) => e.code));
const constant = (name: string): bigint => {
  const c = idl.constants.find((x) => x.name === name);
  if (!c) throw new Error(`the IDL has no constant ${name}`);
  return BigInt(c.value);
};
const MASK_ALL = constant("CONFIG_MASK_ALL");
const MAX_DURATION = constant("MAX_DURATION");
const BPS = constant("BPS_DENOMINATOR");

/** `1_000` and `1000` alike: a digit group pattern for a number, optional `n`. */
const num = (v: bigint): string => `${[...String(v)].join("_?")}n?`;

/** A literal that is not part of a longer number or an expression (`1 + x` is a range, not a copy). */
const END = String.raw`(?![\w.])(?!\s*[-+*/%]\s*[\w(])`;

interface Rule {
  readonly name: string;
  readonly re: RegExp;
  /** Whether a match counts (the number's group checked against the IDL). */
  readonly keep?: (m: RegExpExecArray, line: string) => boolean;
  readonly hint: (m: RegExpExecArray) => string;
}

const RULES: readonly Rule[] = [
  ...ENUM_FIELDS.map(
    (e): Rule => ({
      name: "enum byte",
      re: new RegExp(String.raw`(?<![\w$])(${e.fields.join("|")})\s*(?::|===?|!==?|=)\s*(\d+)${END}`, "g"),
      // A process's exit status (`spawnSync(...).status === 0`) is not ProviderStatus.
      keep: (m, line) => Number(m[2]) < e.size && !(m[1] === "status" && /spawnSync|\.stdout|\.stderr|exitCode/.test(line)),
      hint: () => e.hint,
    }),
  ),
  ...ENUM_FIELDS.map(
    (e): Rule => ({
      // `gpuModel: cond ? 0 : x` and `gpuModel: cond ? x : 0`
      name: "enum byte",
      re: new RegExp(String.raw`(?<![\w$])(${e.fields.join("|")})\s*:\s*[^,;?{}:]+\?\s*(?:(\d+)\s*:|[^,;?{}:]+:\s*(\d+)(?![\w.])(?!\s*[-+*/%?]))`, "g"),
      keep: (m) => Number(m[2] ?? m[3]) < e.size,
      hint: () => e.hint,
    }),
  ),
  ...ENUM_FIELDS.map(
    (e): Rule => ({
      name: "enum byte",
      re: new RegExp(
        String.raw`\b(${e.fields.filter((f) => f === f.toLowerCase() || f.includes("_")).join("|")})\s+(?:=|<>|!=|<=?|>=?|IN\s*\(\s*)\s*(\d+)\b`,
        "g",
      ),
      keep: (m, line) => Number(m[2]) < e.size && /\b(SELECT|WHERE|UPDATE|AND|OR)\b/.test(line),
      hint: () => `\${${e.hint}}`,
    }),
  ),
  {
    name: "error number",
    re: /(?:Custom|[Nn]umber|[Cc]ode)\b[^,;\n]{0,12}?(?<![\w.])(6\d{3})(?![\w.])/g,
    keep: (m) => ERROR_CODES.has(Number(m[1])),
    hint: () => "GPUNET_ERROR_CODE.<Name>",
  },
  {
    // The reason of a slash passed by position (after signer, provider and amount).
    name: "enum byte",
    re: /\.slash\(\s*[^,()]+,\s*[^,()]+,\s*[^,()]+,\s*(\d+)\s*,/g,
    keep: (m) => Number(m[1]) < enumSize("SlashReason"),
    hint: () => "SLASH_REASON.<variant>",
  },
  {
    // register_provider / update_provider by position: gpu_model, gpu_count, vram_gb, region[, status].
    name: "enum byte",
    re: /\.(?:registerProvider|updateProvider)\(\s*(\d+)\s*,\s*[^,()]+,\s*[^,()]+,\s*(\d+)\s*,/g,
    keep: (m) => Number(m[1]) < enumSize("GpuModel") || Number(m[2]) < enumSize("Region"),
    hint: () => "GPU_MODEL.<variant>, REGION.<variant>",
  },
  {
    // An error's name with its number in a message: "InvalidInstruction (6022)".
    name: "error number",
    re: /\b[A-Z][A-Za-z]+ \((6\d{3})\)/g,
    keep: (m) => ERROR_CODES.has(Number(m[1])),
    hint: () => "GPUNET_ERROR_CODE.<Name>",
  },
  {
    name: "config mask",
    re: /\bmask\w*\s*(?::|=|\|=?|&=?)\s*(\(?\s*1\s*<<\s*\d+|0x[0-9a-f]+|\d+)(?![\w.])/gi,
    keep: (m) => m[1] !== "0",
    hint: () => "CONFIG_MASK.<field> (or CONFIG_MASK_ALL)",
  },
  {
    name: "config mask",
    re: new RegExp(String.raw`(?<![\w.])(${[...String(MASK_ALL)].join("_?")}|0x${MASK_ALL.toString(16)})(?![\w.])`, "gi"),
    hint: () => "CONFIG_MASK_ALL",
  },
  {
    // One year of seconds, or one past it (the first refused duration).
    name: "limit",
    re: new RegExp(String.raw`(?<![\w.])(${num(MAX_DURATION)}|${num(MAX_DURATION + 1n)})(?![\w.])`, "g"),
    hint: () => "MAX_DURATION (or MAX_DURATION + 1n)",
  },
  {
    // A bps or share field set to the whole (BPS_DENOMINATOR) or one past it.
    name: "limit",
    re: new RegExp(String.raw`\b(\w*(?:[Bb]ps|BPS|[Ss]hare))\b\s*(?::|[=!<>]=?=?)\s*(?:[^,;?{}]*\?\s*)?(${num(BPS)}|${num(BPS + 1n)})(?![\w.])`, "g"),
    hint: () => "BPS_DENOMINATOR / MAX_PROVIDER_SHARE_BPS / MAX_SLASH_CAP_BPS",
  },
  {
    // Dividing by the whole, or listing it among shares, on a line about bps or shares.
    name: "limit",
    re: new RegExp(String.raw`(?:/\s*|\[[^\]\n]*,\s*)(${num(BPS)})(?![\w.])`, "g"),
    keep: (_m, line) => /bps|share/i.test(line),
    hint: () => "BPS_DENOMINATOR / MAX_PROVIDER_SHARE_BPS",
  },
  {
    // resolve_dispute's share argument written as the whole.
    name: "limit",
    re: new RegExp(String.raw`\bresolveDispute\([^()]*?(?<![\w.])(${num(BPS)})(?![\w.])`, "g"),
    hint: () => "MAX_PROVIDER_SHARE_BPS",
  },
];

/**
 * Blanks out comments (keeping line breaks and string contents), so rules read
 * code only. Template and quoted strings are kept: SQL and messages are code here.
 */
export function stripComments(src: string): string {
  let out = "";
  let i = 0;
  let quote: string | null = null;
  while (i < src.length) {
    const c = src[i] as string;
    const next = src[i + 1];
    if (quote) {
      out += c;
      if (c === "\\") {
        out += next ?? "";
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      quote = c;
      out += c;
      i++;
    } else if (c === "/" && next === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The hand copies in one file's text. */
export function scanSource(file: string, text: string): Finding[] {
  const raw = text.split("\n");
  const code = stripComments(text).split("\n");
  const found: Finding[] = [];
  const seen = new Set<string>();
  code.forEach((line, i) => {
    const above = raw[i - 1]?.trim() ?? "";
    if (raw[i]?.includes(ALLOW_MARKER) || (above.startsWith("//") && above.includes(ALLOW_MARKER))) return;
    for (const rule of RULES) {
      rule.re.lastIndex = 0;
      for (let m = rule.re.exec(line); m; m = rule.re.exec(line)) {
        if (rule.keep && !rule.keep(m, line)) continue;
        const key = `${i}:${rule.name}:${m.index + m[0].length}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push({ file, line: i + 1, rule: rule.name, text: m[0].trim(), hint: rule.hint(m) });
      }
    }
  });
  return found;
}

/** Files the check reads: tracked TypeScript and JavaScript and the program's C, without generated code. */
export function checkedFiles(root = ROOT): string[] {
  const out = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "--", "*.ts", "*.mts", "*.mjs", "*.js", "programs/*.c", "programs/*.h"], {
    cwd: root,
    encoding: "utf8",
  });
  return out
    .split("\n")
    .filter((f) => f && !f.includes("node_modules/") && !/(^|\/)(dist|generated)\//.test(f))
    .filter((f) => !/^programs-idl\/(gpunet|idl-json)\.ts$/.test(f) && !f.endsWith("/gpunet_idl.h"))
    .filter((f) => f !== "tools/check-constants.ts" && f !== "test/tools/check-constants.test.ts");
}

/** Every hand copy under `root`. */
export function scanTree(root = ROOT): Finding[] {
  return checkedFiles(root).flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(join(root, f), "utf8");
    } catch {
      return []; // listed by git but deleted in the work tree
    }
    return scanSource(f, text);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const found = scanTree();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(found));
    process.exit(found.length > 0 ? 1 : 0);
  }
  for (const f of found) console.error(`${f.file}:${f.line}: ${f.rule} ${JSON.stringify(f.text)}: use ${f.hint}`);
  if (found.length > 0) {
    console.error(`\n${found.length} hand copies of IDL values; use the generated names from @gpunet/sdk (or mark a line \`// ${ALLOW_MARKER} <why>\`).`);
    process.exit(1);
  }
  console.log("no hand copies of IDL values");
}
