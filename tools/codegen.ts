/**
 * IDL-first code generation.
 *
 * `programs-idl/gpunet.json` is the contract. From it this tool generates:
 * - `programs/gpunet/include/gpunet_idl.h`: discriminators, byte-exact account,
 *   argument and event layouts, sizes and error codes for the C program;
 * - `programs-idl/gpunet.ts`: the TypeScript IDL type that Anchor's `Program<T>` takes
 *   (names camel-cased exactly as Anchor's client converts them at run time);
 * - `docs/reference.md`: the protocol reference (accounts, instructions, events, errors);
 * - `programs-idl/idl-json.ts`: the IDL JSON as a module, so `@gpunet/idl` loads it
 *   as plain JavaScript in ESM, CommonJS and bundlers alike (no JSON import);
 * - `sdk/src/generated/`: the SDK's library-neutral core (constants, enums, errors,
 *   PDA seeds, instruction encoders and decoders, account and event decoders) and
 *   `sdk/src/kit/instructions.ts`, the Kit face's builders (tools/codegen-sdk.ts).
 *
 * `tsx tools/codegen.ts` writes them all; `--check` exits 1 when a committed file differs.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateSdk } from "./codegen-sdk.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const IDL_PATH = join(ROOT, "programs-idl/gpunet.json");
export const C_HEADER_PATH = join(ROOT, "programs/gpunet/include/gpunet_idl.h");
export const TS_TYPE_PATH = join(ROOT, "programs-idl/gpunet.ts");
export const REFERENCE_PATH = join(ROOT, "docs/reference.md");
export const IDL_MODULE_PATH = join(ROOT, "programs-idl/idl-json.ts");

/** The subset of the Anchor 0.30+ IDL format that gpunet uses. */
export type IdlType = string | { array: [IdlType, number] } | { defined: { name: string } } | { option: IdlType };
export interface IdlField {
  name: string;
  docs?: string[];
  type: IdlType;
}
export interface IdlInstruction {
  name: string;
  docs?: string[];
  discriminator: number[];
  accounts: { name: string; writable?: boolean; signer?: boolean; address?: string }[];
  args: IdlField[];
}
export interface Idl {
  address: string;
  metadata: { name: string; version: string; spec: string; description?: string };
  instructions: IdlInstruction[];
  accounts: { name: string; discriminator: number[] }[];
  events: { name: string; discriminator: number[] }[];
  errors: { code: number; name: string; msg: string }[];
  types: IdlTypeDef[];
  constants: IdlConst[];
}
/** A protocol constant: `value` is the decimal text of an integer of `type`. */
export interface IdlConst {
  name: string;
  docs?: string[];
  type: string;
  value: string;
}
export type IdlTypeDef =
  | { name: string; docs?: string[]; type: { kind: "struct"; fields: IdlField[] } }
  | { name: string; docs?: string[]; type: { kind: "enum"; variants: { name: string }[] } };

/** Names of the IDL's enums (unit variants only: one Borsh byte, the variant index). */
let ENUMS: ReadonlySet<string> = new Set();
function setEnums(idl: Idl): void {
  ENUMS = new Set(idl.types.filter((t) => t.type.kind === "enum").map((t) => t.name));
}
function structFields(t: IdlTypeDef | undefined, where: string): IdlField[] {
  if (!t) throw new CodegenError(`${where} has no type`);
  if (t.type.kind !== "struct") throw new CodegenError(`${where} is not a struct`);
  return t.type.fields;
}

/** Thrown when the IDL uses something the C layout generator cannot express. */
export class CodegenError extends Error {
  override readonly name = "CodegenError";
}

const SCALARS: Record<string, { c: string; size: number; align: number }> = {
  u8: { c: "uint8_t", size: 1, align: 1 },
  bool: { c: "uint8_t", size: 1, align: 1 },
  u16: { c: "uint16_t", size: 2, align: 2 },
  i16: { c: "int16_t", size: 2, align: 2 },
  u32: { c: "uint32_t", size: 4, align: 4 },
  i32: { c: "int32_t", size: 4, align: 4 },
  u64: { c: "uint64_t", size: 8, align: 8 },
  i64: { c: "int64_t", size: 8, align: 8 },
  // u128 is two little-endian u64 halves, the same bytes as Borsh's u128.
  u128: { c: "gp_u128", size: 16, align: 8 },
};

export function readIdl(path = IDL_PATH): Idl {
  return JSON.parse(readFileSync(path, "utf8")) as Idl;
}

const upper = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
/** An enum variant as a macro suffix: `FailedJob` -> `FAILED_JOB`, `L40S` -> `L40S`, `Mi300X` -> `MI300X`. */
const variantUpper = (s: string) => s.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
const lower = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

function discU64(d: number[]): string {
  if (d.length !== 8) throw new CodegenError(`discriminator must be 8 bytes, got ${d.length}`);
  let hex = "";
  for (let i = 7; i >= 0; i--) hex += (d[i] ?? 0).toString(16).padStart(2, "0");
  return `0x${hex}ULL`;
}

interface CField {
  decl: string;
  name: string;
  offset: number;
  size: number;
}

function layout(fields: IdlField[], where: string): { fields: CField[]; size: number } {
  let offset = 0;
  const out: CField[] = [];
  for (const f of fields) {
    let decl: string;
    let size: number;
    if (typeof f.type === "string") {
      if (f.type === "pubkey") {
        decl = `uint8_t ${f.name}[32]`;
        size = 32;
      } else {
        const s = SCALARS[f.type];
        if (!s) throw new CodegenError(`${where}.${f.name}: type ${f.type} has no C layout`);
        decl = `${s.c} ${f.name}`;
        size = s.size;
      }
    } else if ("defined" in f.type && ENUMS.has(f.type.defined.name)) {
      decl = `uint8_t ${f.name}`;
      size = 1;
    } else if ("array" in f.type && f.type.array[0] === "u8") {
      decl = `uint8_t ${f.name}[${f.type.array[1]}]`;
      size = f.type.array[1];
    } else {
      throw new CodegenError(`${where}.${f.name}: only scalars, pubkeys and u8 arrays have a fixed C layout`);
    }
    out.push({ decl, name: f.name, offset, size });
    offset += size;
  }
  return { fields: out, size: offset };
}

function cStruct(cname: string, fields: IdlField[], where: string, doc: string): string[] {
  const l = layout(fields, where);
  const macro = upper(cname.replace(/^gp_/, "").replace(/_t$/, ""));
  const lines = [`/* ${doc} */`];
  // packed: Borsh has no padding; aligned(8): the program only places these at
  // 8-byte aligned addresses (account data, instruction data and stack), which
  // lets clang use natural loads for naturally placed fields.
  lines.push(`typedef struct __attribute__((packed, aligned(8))) {`);
  for (const f of l.fields) lines.push(`  ${f.decl}; /* offset ${f.offset} */`);
  if (l.fields.length === 0) lines.push("  uint8_t _empty[0];");
  lines.push(`} ${cname};`);
  lines.push(`#define GP_${macro}_SIZE ${l.size}u`);
  for (const f of l.fields) lines.push(`_Static_assert(__builtin_offsetof(${cname}, ${f.name}) == ${f.offset}, "${where}.${f.name}");`);
  lines.push("");
  return lines;
}

/** The C header: everything the program needs to follow the IDL byte for byte. */
export function generateCHeader(idl: Idl): string {
  setEnums(idl);
  const o: string[] = [];
  o.push("/* GENERATED by tools/codegen.ts from programs-idl/gpunet.json. Do not edit by hand: run `npm run codegen`. */");
  o.push("#ifndef GPUNET_IDL_H", "#define GPUNET_IDL_H", "", '#include "gp_math128.h"', "");
  o.push(`#define GP_IDL_VERSION "${idl.metadata.version}"`, "");
  o.push('/* Instruction discriminators: sha256("global:<name>")[0..8] read as a little-endian u64. */');
  for (const ix of idl.instructions) o.push(`#define GP_IX_${upper(ix.name)}_DISC ${discU64(ix.discriminator)}`);
  o.push("", '/* Account discriminators: sha256("account:<Name>")[0..8]. */');
  for (const a of idl.accounts) o.push(`#define GP_ACC_${upper(a.name)}_DISC ${discU64(a.discriminator)}`);
  o.push("", '/* Event discriminators: sha256("event:<Name>")[0..8]. */');
  for (const e of idl.events) o.push(`#define GP_EVT_${upper(e.name)}_DISC ${discU64(e.discriminator)}`);
  o.push("", "/* Error codes (Anchor custom errors start at 6000). */");
  for (const e of idl.errors) o.push(`#define GP_ERR_${upper(e.name)} ${e.code}u`);
  o.push(
    `#define GP_ERR_FIRST ${idl.errors[0]?.code ?? 6000}u` /* idl-literal-ok: Anchor's first custom error */,
    `#define GP_ERR_COUNT ${idl.errors.length}u`,
    "",
  );

  o.push("/* Enums: one byte, the variant index. */");
  for (const t of idl.types) {
    if (t.type.kind !== "enum") continue;
    t.type.variants.forEach((v, i) => o.push(`#define GP_${upper(t.name)}_${variantUpper(v.name)} ${i}u`));
    o.push(`#define GP_${upper(t.name)}_COUNT ${t.type.variants.length}u`);
  }
  o.push("");

  o.push("/* Protocol constants: limits and update_config mask bits. */");
  for (const c of idl.constants) o.push(`#define GP_${c.name} ${cLiteral(c)}`);
  o.push("");

  o.push("/* Instruction accounts, in order. */");
  for (const ix of idl.instructions) {
    ix.accounts.forEach((a, i) => o.push(`#define GP_${upper(ix.name)}_ACC_${upper(a.name)} ${i}`));
    o.push(`#define GP_${upper(ix.name)}_ACC_COUNT ${ix.accounts.length}`);
  }
  o.push("");

  const typeByName = new Map(idl.types.map((t) => [t.name, t]));
  for (const a of idl.accounts) {
    const fields = structFields(typeByName.get(a.name), `account ${a.name}`);
    const cname = `gp_${lower(a.name)}_t`;
    o.push(...cStruct(cname, fields, a.name, `Account ${a.name}: data after the 8-byte discriminator.`));
    o.push(`#define GP_${upper(a.name)}_ACCOUNT_SIZE (8u + GP_${upper(a.name)}_SIZE)`, "");
  }
  for (const ix of idl.instructions) {
    o.push(...cStruct(`gp_${ix.name}_args_t`, ix.args, ix.name, `Arguments of ${ix.name}, after the 8-byte discriminator.`));
  }
  for (const e of idl.events) {
    const fields = structFields(typeByName.get(e.name), `event ${e.name}`);
    o.push(...cStruct(`gp_evt_${lower(e.name)}_t`, fields, e.name, `Event ${e.name}: logged as discriminator || these bytes.`));
  }

  o.push("/* Error names and messages, indexed by code - GP_ERR_FIRST, for Anchor-format error logs. */");
  o.push("static const char *const GP_ERROR_NAMES[] = {");
  for (const e of idl.errors) o.push(`  ${JSON.stringify(e.name)},`);
  o.push("};", "static const char *const GP_ERROR_MSGS[] = {");
  for (const e of idl.errors) o.push(`  ${JSON.stringify(e.msg)},`);
  o.push("};", "", "#endif", "");
  return o.join("\n");
}

/** A constant's value as a C literal of its IDL type. */
function cLiteral(c: IdlConst): string {
  const v = constValue(c);
  if (c.type === "i64") return `${v}LL`;
  if (c.type === "u64") return `${v}ULL`;
  return `${v}u`;
}

const CONST_RANGES: Record<string, [bigint, bigint]> = {
  u8: [0n, 0xffn],
  u16: [0n, 0xffffn],
  u32: [0n, 0xffff_ffffn],
  u64: [0n, (1n << 64n) - 1n],
  i64: [-(1n << 63n), (1n << 63n) - 1n],
};

/** A constant's value, checked to be a decimal integer in range of its type. */
export function constValue(c: IdlConst): bigint {
  const range = CONST_RANGES[c.type];
  if (!range) throw new CodegenError(`constant ${c.name}: type ${c.type} is not an integer type`);
  if (!/^-?\d+$/.test(c.value)) throw new CodegenError(`constant ${c.name}: ${JSON.stringify(c.value)} is not a decimal integer`);
  const v = BigInt(c.value);
  if (v < range[0] || v > range[1]) throw new CodegenError(`constant ${c.name}: ${v} is outside ${c.type}`);
  return v;
}

function camel(s: string): string {
  return s
    .split(".")
    .map((part) => {
      const src = /^[A-Z0-9_]+$/.test(part) && part.includes("_") ? part.toLowerCase() : part;
      const p = src.replace(/[_-]+(.)/g, (_m, c: string) => c.toUpperCase());
      return p.charAt(0).toLowerCase() + p.slice(1);
    })
    .join(".");
}

/** Anchor's client camel-cases these keys wherever they occur in the IDL. */
const CAMEL_KEYS = new Set(["name", "path", "account", "relations", "generic"]);

function camelize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelize);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (CAMEL_KEYS.has(k)) out[k] = Array.isArray(x) ? x.map((s) => camel(String(s))) : camel(String(x));
      else out[k] = camelize(x);
    }
    return out;
  }
  return v;
}

/** The TypeScript IDL type, as Anchor generates `target/types/<name>.ts`. */
export function generateTsType(idl: Idl): string {
  const body = JSON.stringify(camelize(idl), null, 2);
  return [
    "// GENERATED by tools/codegen.ts from programs-idl/gpunet.json. Do not edit by hand: run `npm run codegen`.",
    "/**",
    " * The gpunet IDL as the type `Program<Gpunet>` takes: names are camel-cased the",
    " * way @coral-xyz/anchor converts them when it loads `gpunet.json`.",
    " */",
    `export type Gpunet = ${body};`,
    "",
  ].join("\n");
}

function typeName(t: IdlType): string {
  if (typeof t === "string") return t;
  if ("array" in t) return `[${typeName(t.array[0])}; ${t.array[1]}]`;
  if ("option" in t) return `Option<${typeName(t.option)}>`;
  return t.defined.name;
}

function fieldTable(fields: IdlField[], withOffsets: boolean): string[] {
  const rows = withOffsets ? ["| field | type | offset | notes |", "| --- | --- | ---: | --- |"] : ["| field | type | notes |", "| --- | --- | --- |"];
  let offset = 8;
  const l = layout(fields, "doc");
  l.fields.forEach((cf, i) => {
    const f = fields[i]!;
    const note = (f.docs ?? []).join(" ");
    rows.push(withOffsets ? `| \`${f.name}\` | ${typeName(f.type)} | ${offset + cf.offset} | ${note} |` : `| \`${f.name}\` | ${typeName(f.type)} | ${note} |`);
  });
  offset += l.size;
  return rows;
}

/** The protocol reference, from the IDL alone. */
export function generateReference(idl: Idl): string {
  setEnums(idl);
  const o: string[] = [];
  const types = new Map(idl.types.flatMap((t) => (t.type.kind === "struct" ? [[t.name, t.type.fields] as const] : [])));
  o.push("<!-- GENERATED by tools/codegen.ts from programs-idl/gpunet.json. Do not edit by hand: run `npm run codegen`. -->");
  o.push(`# gpunet program reference (IDL ${idl.metadata.version})`, "");
  o.push(`Program id: \`${idl.address}\`. Behaviour, to the unit: [protocol.md](protocol.md).`, "");
  o.push(
    "Everything follows Anchor's wire conventions: 8-byte discriminators (sha256 of `global:`/`account:`/`event:` + name), Borsh little-endian data, events as `Program data:` logs, errors from 6000 logged as `AnchorError`.",
    "",
  );
  o.push("## Accounts", "");
  for (const a of idl.accounts) {
    const fields = types.get(a.name) ?? [];
    const size = 8 + layout(fields, a.name).size;
    o.push(`### ${a.name} (${size} bytes)`, "", `Discriminator \`[${a.discriminator.join(", ")}]\`; fields at byte offsets (after it):`, "");
    o.push(...fieldTable(fields, true), "");
  }
  o.push("## Instructions", "");
  for (const ix of idl.instructions) {
    o.push(`### \`${ix.name}\``, "", (ix.docs ?? []).join(" "), "");
    o.push("| # | account | writable | signer | notes |", "| ---: | --- | --- | --- | --- |");
    ix.accounts.forEach((a, i) => {
      const extra = a as { docs?: string[]; address?: string; pda?: unknown };
      const notes = [extra.address ? `fixed: \`${extra.address}\`` : "", extra.pda ? "PDA" : "", ...(extra.docs ?? [])].filter(Boolean).join("; ");
      o.push(`| ${i} | \`${a.name}\` | ${a.writable ? "yes" : ""} | ${a.signer ? "yes" : ""} | ${notes} |`);
    });
    o.push("");
    if (ix.args.length) o.push("Arguments:", "", ...fieldTable(ix.args, false), "");
  }
  o.push("## Events", "");
  for (const e of idl.events) {
    o.push(`### ${e.name}`, "", ...fieldTable(types.get(e.name) ?? [], false), "");
  }
  o.push(
    "## Enums",
    "",
    "Borsh encodes a unit-variant enum as one byte, the variant index; Anchor's client spells the variants camelCase (`{ downtime: {} }`).",
    "",
  );
  for (const t of idl.types) {
    if (t.type.kind !== "enum") continue;
    o.push(`### ${t.name}`, "", "| index | variant |", "| ---: | --- |");
    t.type.variants.forEach((v, i) => o.push(`| ${i} | ${v.name} |`));
    o.push("");
  }
  o.push("## Constants", "", "| name | type | value | notes |", "| --- | --- | ---: | --- |");
  for (const c of idl.constants) o.push(`| \`${c.name}\` | ${c.type} | ${constValue(c)} | ${(c.docs ?? []).join(" ")} |`);
  o.push("");
  o.push("## Errors", "", "| code | name | message |", "| ---: | --- | --- |");
  for (const e of idl.errors) o.push(`| ${e.code} | ${e.name} | ${e.msg} |`);
  o.push("");
  return o.join("\n");
}

/** The IDL JSON as a TypeScript module exporting it `as const`. */
export function generateIdlModule(idl: Idl): string {
  return [
    "// GENERATED by tools/codegen.ts from programs-idl/gpunet.json. Do not edit by hand: run `npm run codegen`.",
    "/** The committed IDL JSON (snake_case names, as the program and Anchor's JSON format spell them). */",
    `export const gpunetIdlJson = ${JSON.stringify(idl, null, 2)} as const;`,
    "",
  ].join("\n");
}

export function generateAll(idl = readIdl()): { path: string; text: string }[] {
  return [
    { path: C_HEADER_PATH, text: generateCHeader(idl) },
    { path: TS_TYPE_PATH, text: generateTsType(idl) },
    { path: REFERENCE_PATH, text: generateReference(idl) },
    { path: IDL_MODULE_PATH, text: generateIdlModule(idl) },
    ...generateSdk(idl, ROOT),
  ];
}

function main(): void {
  const check = process.argv.includes("--check");
  let stale = 0;
  for (const { path, text } of generateAll()) {
    if (check) {
      let current = "";
      try {
        current = readFileSync(path, "utf8");
      } catch {
        current = "";
      }
      if (current !== text) {
        console.error(`stale generated file: ${path} (run npm run codegen)`);
        stale++;
      }
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      console.log(`wrote ${path}`);
    }
  }
  if (stale) process.exit(1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
