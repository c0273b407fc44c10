/**
 * gpunet's SBF linker: one eBPF relocatable object (clang-19/llc-19, `-mcpu=v2`)
 * in, one Solana SBPF v0 program (ET_DYN ELF) out.
 *
 * The output layout:
 * sections null, .text, .rodata, .dynsym, .dynstr, .rel.dyn, .dynamic, .shstrtab,
 * with every loaded section's sh_addr equal to its sh_offset; three PT_LOAD and a
 * PT_DYNAMIC. Internal calls and data addresses are resolved here; only syscalls
 * are left to the loader, as dynamic R_BPF_64_32 relocations against undefined
 * .dynsym entries (the loader writes murmur3_32(name) into the call's imm).
 *
 * No dependencies beyond Node. Output is a pure function of the input bytes.
 *
 * CLI: `tsx tools/sbf-link.ts in.o out.so`
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Reasons the linker refuses an object. */
export type LinkErrorCode =
  | "BadObject"
  | "WritableSection"
  | "UnknownSymbol"
  | "Jmp32"
  | "Atomic"
  | "UnsupportedInstruction"
  | "UnsupportedRelocation"
  | "NoEntrypoint";

/**
 * The linker's refusal. `symbol` names the offending symbol or section when there is one.
 *
 * @example
 * ```ts
 * try { linkSbfProgram(obj); } catch (e) {
 *   if (e instanceof LinkError && e.code === "UnknownSymbol") console.error(e.symbol);
 * }
 * ```
 */
export class LinkError extends Error {
  override readonly name = "LinkError";
  readonly code: LinkErrorCode;
  readonly symbol: string | undefined;
  constructor(code: LinkErrorCode, message: string, symbol?: string) {
    super(message);
    this.code = code;
    this.symbol = symbol;
  }
}

/**
 * Syscalls a program may call. Each name was checked against the VM: the test
 * `test/tools/sbf-link.test.ts` deploys a program referencing every one of them
 * through the BPF Loader Upgradeable, which fails with "Unresolved symbol" on any
 * name the runtime does not register (with LiteSVM 1.5.0's default feature set).
 */
export const SOLANA_SYSCALLS: readonly string[] = Object.freeze([
  "abort",
  "sol_panic_",
  "sol_log_",
  "sol_log_64_",
  "sol_log_data",
  "sol_log_pubkey",
  "sol_log_compute_units_",
  "sol_memcpy_",
  "sol_memmove_",
  "sol_memset_",
  "sol_memcmp_",
  "sol_sha256",
  "sol_keccak256",
  "sol_create_program_address",
  "sol_try_find_program_address",
  "sol_invoke_signed_c",
  "sol_invoke_signed_rust",
  "sol_get_clock_sysvar",
  "sol_get_rent_sysvar",
  "sol_get_epoch_schedule_sysvar",
  "sol_set_return_data",
  "sol_get_return_data",
  "sol_get_stack_height",
  "sol_get_processed_sibling_instruction",
  // Not sol_remaining_compute_units: LiteSVM 1.5.0's default feature set does not
  // register it and a deploy fails with "Unresolved symbol (sol_remaining_compute_units)".
]);
const SYSCALLS = new Set(SOLANA_SYSCALLS);

// Solana maps the program image at this virtual address (MM_PROGRAM_START).
const PROGRAM_VADDR = 0x1_0000_0000n;

// ELF constants (System V gABI; eBPF psABI for the relocation numbers).
const EM_BPF = 247;
const ET_REL = 1;
const ET_DYN = 3;
const SHT_PROGBITS = 1;
const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHT_NOBITS = 8;
const SHT_REL = 9;
const SHT_DYNSYM = 11;
const SHT_DYNAMIC = 6;
const SHF_WRITE = 1n;
const SHF_ALLOC = 2n;
const SHF_EXECINSTR = 4n;
const SHN_UNDEF = 0;
const SHN_ABS = 0xfff1;
const SHN_COMMON = 0xfff2;
const STT_SECTION = 3;
const STT_FUNC = 2;
const STB_GLOBAL = 1;
const R_BPF_64_64 = 1;
const R_BPF_64_ABS64 = 2;
const R_BPF_64_32 = 10;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const DT_NULL = 0n;
const DT_STRTAB = 5n;
const DT_SYMTAB = 6n;
const DT_STRSZ = 10n;
const DT_SYMENT = 11n;
const DT_REL = 17n;
const DT_RELSZ = 18n;
const DT_RELENT = 19n;
const DT_TEXTREL = 22n;

const OP_LDDW = 0x18;
const OP_CALL = 0x85;
const OP_CALLX = 0x8d;

/** Opcodes the SBPF v0 verifier accepts (rbpf's ebpf.rs, version-0 subset). */
const V0_OPCODES = new Set<number>([
  0x18, // lddw
  0x61,
  0x69,
  0x71,
  0x79, // ldx w h b dw
  0x62,
  0x6a,
  0x72,
  0x7a, // st imm
  0x63,
  0x6b,
  0x73,
  0x7b, // stx
  // alu32 imm/reg
  0x04,
  0x0c,
  0x14,
  0x1c,
  0x24,
  0x2c,
  0x34,
  0x3c,
  0x44,
  0x4c,
  0x54,
  0x5c,
  0x64,
  0x6c,
  0x74,
  0x7c,
  0x84,
  0x94,
  0x9c,
  0xa4,
  0xac,
  0xb4,
  0xbc,
  0xc4,
  0xcc,
  0xd4,
  0xdc,
  // alu64 imm/reg
  0x07,
  0x0f,
  0x17,
  0x1f,
  0x27,
  0x2f,
  0x37,
  0x3f,
  0x47,
  0x4f,
  0x57,
  0x5f,
  0x67,
  0x6f,
  0x77,
  0x7f,
  0x87,
  0x97,
  0x9f,
  0xa7,
  0xaf,
  0xb7,
  0xbf,
  0xc7,
  0xcf,
  // jmp
  0x05,
  0x15,
  0x1d,
  0x25,
  0x2d,
  0x35,
  0x3d,
  0x45,
  0x4d,
  0x55,
  0x5d,
  0x65,
  0x6d,
  0x75,
  0x7d,
  0x85,
  0x8d,
  0x95,
  0xa5,
  0xad,
  0xb5,
  0xbd,
  0xc5,
  0xcd,
  0xd5,
  0xdd,
]);

interface InSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  align: number;
  entsize: number;
}

interface InSymbol {
  name: string;
  info: number;
  shndx: number;
  value: bigint;
}

type OutKind = "text" | "rodata";

interface Placement {
  kind: OutKind;
  /** Offset of the input section inside the output section. */
  at: number;
}

function bad(message: string, symbol?: string): never {
  throw new LinkError("BadObject", message, symbol);
}

function cstr(bytes: Uint8Array, off: number): string {
  let end = off;
  while (end < bytes.length && bytes[end] !== 0) end++;
  if (end >= bytes.length) bad(`string at offset ${off} runs past the end of its table`);
  return new TextDecoder().decode(bytes.subarray(off, end));
}

function alignUp(n: number, a: number): number {
  return a <= 1 ? n : Math.ceil(n / a) * a;
}

function isRodataName(name: string): boolean {
  return name === ".rodata" || name.startsWith(".rodata.") || name === ".data.rel.ro" || name.startsWith(".data.rel.ro.");
}

/** Parses an ELF64 LE relocatable eBPF object far enough to link it. */
function parseObject(obj: Uint8Array): { sections: InSection[]; symbols: InSymbol[]; symtab: InSection | undefined } {
  if (obj.length < 64) bad("file is shorter than an ELF header");
  if (obj[0] !== 0x7f || obj[1] !== 0x45 || obj[2] !== 0x4c || obj[3] !== 0x46) bad("not an ELF file");
  if (obj[4] !== 2) bad("not ELF64");
  if (obj[5] !== 1) bad("not little-endian (compile with -target bpf / -march=bpfel)");
  const dv = new DataView(obj.buffer, obj.byteOffset, obj.byteLength);
  const eType = dv.getUint16(16, true);
  const eMachine = dv.getUint16(18, true);
  if (eType !== ET_REL) bad(`e_type is ${eType}, expected a relocatable object (ET_REL)`);
  if (eMachine !== EM_BPF) bad(`e_machine is ${eMachine}, expected EM_BPF (247)`);
  const shoff = Number(dv.getBigUint64(40, true));
  const shentsize = dv.getUint16(58, true);
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);
  if (shentsize !== 64 || shoff + shnum * 64 > obj.length) bad("section header table out of bounds");
  const raw: Omit<InSection, "name">[] = [];
  const nameOffs: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const b = shoff + i * 64;
    nameOffs.push(dv.getUint32(b, true));
    const s = {
      index: i,
      type: dv.getUint32(b + 4, true),
      flags: dv.getBigUint64(b + 8, true),
      offset: Number(dv.getBigUint64(b + 24, true)),
      size: Number(dv.getBigUint64(b + 32, true)),
      link: dv.getUint32(b + 40, true),
      info: dv.getUint32(b + 44, true),
      align: Number(dv.getBigUint64(b + 48, true)),
      entsize: Number(dv.getBigUint64(b + 56, true)),
    };
    if (s.type !== SHT_NOBITS && s.offset + s.size > obj.length) bad(`section ${i} out of bounds`);
    raw.push(s);
  }
  const shstr = raw[shstrndx];
  if (!shstr) bad("missing section name table");
  const shstrBytes = obj.subarray(shstr.offset, shstr.offset + shstr.size);
  const sections: InSection[] = raw.map((s, i) => ({ ...s, name: cstr(shstrBytes, nameOffs[i] ?? 0) }));

  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols: InSymbol[] = [];
  if (symtab) {
    const strtab = sections[symtab.link];
    if (!strtab || strtab.type !== SHT_STRTAB) bad(".symtab has no string table");
    const strBytes = obj.subarray(strtab.offset, strtab.offset + strtab.size);
    for (let off = symtab.offset; off + 24 <= symtab.offset + symtab.size; off += 24) {
      symbols.push({
        name: cstr(strBytes, dv.getUint32(off, true)),
        info: obj[off + 4] ?? 0,
        shndx: dv.getUint16(off + 6, true),
        value: dv.getBigUint64(off + 8, true),
      });
    }
  }
  return { sections, symbols, symtab };
}

/** Human name for a symbol: section symbols are named after their section. */
function symName(sym: InSymbol, sections: InSection[]): string {
  if ((sym.info & 0xf) === STT_SECTION) return sections[sym.shndx]?.name ?? `section#${sym.shndx}`;
  return sym.name;
}

/**
 * Links one eBPF relocatable object into a Solana SBPF v0 program.
 *
 * @param object bytes of an ELF64 LE `ET_REL` object for EM_BPF (`llc-19 -march=bpfel -mcpu=v2 -filetype=obj`).
 * @returns the program bytes, ready for `LiteSVM.addProgram` or a BPF Loader Upgradeable deploy.
 * @throws {LinkError} on writable data, unknown externals, JMP32, atomics, a missing
 *   `entrypoint`, or anything the v0 loader would reject.
 *
 * @example
 * ```ts
 * const so = linkSbfProgram(readFileSync("target/build/gpunet.o"));
 * svm.addProgram(programId, so);
 * ```
 */
export function linkSbfProgram(object: Uint8Array): Uint8Array {
  const { sections, symbols } = parseObject(object);
  const dv = new DataView(object.buffer, object.byteOffset, object.byteLength);

  // 1. Classify allocated sections; refuse writable data before anything else.
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    if (s && s.shndx === SHN_COMMON) {
      throw new LinkError(
        "WritableSection",
        `symbol '${s.name}' is a COMMON (writable, zero-initialised) global; Solana programs have no writable globals`,
        s.name,
      );
    }
  }
  const placement = new Map<number, Placement>();
  let textSize = 0;
  let rodataSize = 0;
  let rodataAlign = 1;
  const textParts: InSection[] = [];
  const rodataParts: InSection[] = [];
  for (const sec of sections) {
    if ((sec.flags & SHF_ALLOC) === 0n) continue;
    const isText = (sec.flags & SHF_EXECINSTR) !== 0n;
    if (isText) {
      if (sec.type !== SHT_PROGBITS) bad(`executable section ${sec.name} is not PROGBITS`, sec.name);
      if (sec.size % 8 !== 0) bad(`section ${sec.name} is not a whole number of instructions`, sec.name);
      if (sec.size === 0) continue;
      placement.set(sec.index, { kind: "text", at: textSize });
      textParts.push(sec);
      textSize += sec.size;
    } else if (isRodataName(sec.name) && sec.type === SHT_PROGBITS) {
      if (sec.size === 0) continue;
      const a = Math.max(1, sec.align);
      rodataSize = alignUp(rodataSize, a);
      rodataAlign = Math.max(rodataAlign, a);
      placement.set(sec.index, { kind: "rodata", at: rodataSize });
      rodataParts.push(sec);
      rodataSize += sec.size;
    } else if ((sec.flags & SHF_WRITE) !== 0n || sec.type === SHT_NOBITS) {
      if (sec.size === 0) continue;
      const owner = symbols.find((s) => s.shndx === sec.index && (s.info & 0xf) !== STT_SECTION && s.name !== "");
      throw new LinkError(
        "WritableSection",
        `writable section ${sec.name}${owner ? ` (symbol '${owner.name}')` : ""}: Solana programs have no writable globals; make it const or move it to the heap`,
        owner?.name ?? sec.name,
      );
    } else {
      if (sec.size === 0) continue;
      bad(`allocated section ${sec.name} is neither code nor read-only data`, sec.name);
    }
  }
  if (textSize === 0) bad("object has no code");

  // 2. Output layout: ELF header, 4 program headers, then sections at sh_addr == sh_offset.
  const EH = 64;
  const PH = 56;
  const hasRodata = rodataSize > 0;
  const phnum = hasRodata ? 4 : 3;
  const textOff = alignUp(EH + PH * phnum, 8);
  const rodataOff = alignUp(textOff + textSize, Math.max(8, rodataAlign));
  const text = new Uint8Array(textSize);
  const rodata = new Uint8Array(rodataSize);
  for (const sec of textParts) text.set(object.subarray(sec.offset, sec.offset + sec.size), placement.get(sec.index)?.at ?? 0);
  for (const sec of rodataParts) rodata.set(object.subarray(sec.offset, sec.offset + sec.size), placement.get(sec.index)?.at ?? 0);
  const tdv = new DataView(text.buffer);
  const rdv = new DataView(rodata.buffer);
  const outBase = (kind: OutKind): number => (kind === "text" ? textOff : rodataOff);

  /** Output file offset (== sh_addr) of a defined symbol, or undefined if undefined/external. */
  const symAddr = (sym: InSymbol): bigint | undefined => {
    if (sym.shndx === SHN_UNDEF) return undefined;
    if (sym.shndx === SHN_ABS) bad(`absolute symbol '${sym.name}' is not supported`, sym.name);
    const p = placement.get(sym.shndx);
    if (!p) {
      const sec = sections[sym.shndx];
      bad(`symbol '${symName(sym, sections)}' lives in section ${sec?.name ?? sym.shndx}, which is not linked`, symName(sym, sections));
    }
    return BigInt(outBase(p.kind) + p.at) + sym.value;
  };

  // 3. Relocations.
  const dynRelocs: { textOffset: number; name: string }[] = [];
  const relocatedCalls = new Set<number>(); // text offsets of call insns handled by a relocation
  for (const rel of sections) {
    if (rel.type !== SHT_REL) {
      if (rel.type === 4) bad(`RELA section ${rel.name} is not expected from the BPF backend`, rel.name);
      continue;
    }
    const target = placement.get(rel.info);
    const targetSec = sections[rel.info];
    if (!target || !targetSec) continue; // relocations of non-loaded sections (BTF, debug info)
    for (let off = rel.offset; off + 16 <= rel.offset + rel.size; off += 16) {
      const rOffset = Number(dv.getBigUint64(off, true));
      const rInfo = dv.getBigUint64(off + 8, true);
      const type = Number(rInfo & 0xffffffffn);
      const symIdx = Number(rInfo >> 32n);
      const sym = symbols[symIdx];
      if (!sym) bad(`relocation in ${rel.name} names symbol #${symIdx}, which does not exist`);
      const name = symName(sym, sections);
      if (rOffset + 8 > targetSec.size) bad(`relocation at ${targetSec.name}+${rOffset} is out of bounds`, name);
      const at = target.at + rOffset; // offset inside the output section

      if (target.kind === "text") {
        if (at % 8 !== 0) bad(`relocation at ${targetSec.name}+${rOffset} is not on an instruction`, name);
        const opc = text[at];
        if (type === R_BPF_64_64) {
          if (opc !== OP_LDDW || at + 16 > textSize) bad(`R_BPF_64_64 at ${targetSec.name}+${rOffset} is not on an lddw`, name);
          const addr = symAddr(sym);
          if (addr === undefined) {
            throw new LinkError(
              "UnknownSymbol",
              `unknown external symbol '${name}' (address taken with lddw); only Solana syscalls may be external, and only called`,
              name,
            );
          }
          const addend = BigInt(tdv.getUint32(at + 4, true)) | (BigInt(tdv.getUint32(at + 12, true)) << 32n);
          const value = (PROGRAM_VADDR + addr + addend) & 0xffff_ffff_ffff_ffffn;
          tdv.setUint32(at + 4, Number(value & 0xffffffffn), true);
          tdv.setUint32(at + 12, Number(value >> 32n), true);
        } else if (type === R_BPF_64_32) {
          if (opc !== OP_CALL) bad(`R_BPF_64_32 at ${targetSec.name}+${rOffset} is not on a call`, name);
          relocatedCalls.add(at);
          const addr = symAddr(sym);
          if (addr === undefined) {
            if (!SYSCALLS.has(name)) {
              throw new LinkError("UnknownSymbol", `unknown external function '${name}': not defined in the program and not a Solana syscall`, name);
            }
            // The loader resolves syscalls: imm = -1 marks the slot, src = 0 marks a syscall.
            tdv.setInt32(at + 4, -1, true);
            text[at + 1] = (text[at + 1] ?? 0) & 0x0f;
            dynRelocs.push({ textOffset: textOff + at, name });
          } else {
            const isSection = (sym.info & 0xf) === STT_SECTION;
            // Calls through a section symbol carry the callee's index (minus one) in imm.
            const dest = isSection ? addr + (BigInt(tdv.getInt32(at + 4, true)) + 1n) * 8n : addr;
            if (dest < BigInt(textOff) || dest >= BigInt(textOff + textSize) || (dest - BigInt(textOff)) % 8n !== 0n) {
              bad(`call to '${name}' does not land on an instruction in .text`, name);
            }
            const imm = (dest - BigInt(textOff + at) - 8n) / 8n;
            // imm == -1 would be read as a syscall by the v0 loader.
            if (imm === -1n) bad(`call to '${name}' targets the call instruction itself`, name);
            tdv.setInt32(at + 4, Number(imm), true);
          }
        } else {
          throw new LinkError("UnsupportedRelocation", `relocation type ${type} against '${name}' in ${targetSec.name} is not supported`, name);
        }
      } else {
        if (type !== R_BPF_64_ABS64) {
          throw new LinkError(
            "UnsupportedRelocation",
            `relocation type ${type} against '${name}' in ${targetSec.name}: read-only data may only hold 64-bit pointers`,
            name,
          );
        }
        const addr = symAddr(sym);
        if (addr === undefined) throw new LinkError("UnknownSymbol", `unknown external symbol '${name}' referenced from ${targetSec.name}`, name);
        const addend = rdv.getBigUint64(at, true);
        rdv.setBigUint64(at, (PROGRAM_VADDR + addr + addend) & 0xffff_ffff_ffff_ffffn, true);
      }
    }
  }

  // 4. Instruction checks and the callx fix-up.
  const funcAt = (textAt: number): string => {
    let best: string | undefined;
    let bestOff = -1;
    for (const s of symbols) {
      if ((s.info & 0xf) !== STT_FUNC) continue;
      const p = placement.get(s.shndx);
      if (!p || p.kind !== "text") continue;
      const o = p.at + Number(s.value);
      if (o <= textAt && o > bestOff) {
        best = s.name;
        bestOff = o;
      }
    }
    return best ?? ".text";
  };
  for (let at = 0; at < textSize; at += 8) {
    const opc = text[at] ?? 0;
    if ((opc & 0x07) === 0x06) {
      const fn = funcAt(at);
      throw new LinkError("Jmp32", `JMP32 instruction (opcode 0x${opc.toString(16)}) in '${fn}': SBPF v0 has no JMP32 class; compile with -mcpu=v2`, fn);
    }
    if (opc === 0xc3 || opc === 0xdb) {
      const fn = funcAt(at);
      throw new LinkError("Atomic", `atomic instruction (opcode 0x${opc.toString(16)}) in '${fn}': SBPF has no atomics; drop __sync_*/_Atomic`, fn);
    }
    if (!V0_OPCODES.has(opc)) {
      const fn = funcAt(at);
      throw new LinkError("UnsupportedInstruction", `opcode 0x${opc.toString(16)} in '${fn}' is not part of SBPF v0`, fn);
    }
    const cls = opc & 0x07;
    if ((cls === 0x04 || cls === 0x07) && tdv.getInt16(at + 2, true) !== 0) {
      const fn = funcAt(at);
      throw new LinkError("UnsupportedInstruction", `ALU opcode 0x${opc.toString(16)} with a non-zero offset (cpu v4 signed op) in '${fn}'`, fn);
    }
    if (opc === OP_LDDW) {
      if (at + 16 > textSize || text[at + 8] !== 0) bad(`lddw at .text+${at} has no second half`, funcAt(at));
      at += 8;
    } else if (opc === OP_CALLX) {
      // LLVM 19 encodes callx's register in dst; SBPF v0 reads it from imm.
      const regs = text[at + 1] ?? 0;
      const dst = regs & 0x0f;
      const imm = tdv.getInt32(at + 4, true);
      const reg = imm !== 0 ? imm : dst;
      if (reg < 0 || reg > 9) bad(`callx with register r${reg}`, funcAt(at));
      tdv.setInt32(at + 4, reg, true);
      text[at + 1] = 0;
    } else if (opc === OP_CALL && !relocatedCalls.has(at)) {
      const src = (text[at + 1] ?? 0) >> 4;
      const imm = tdv.getInt32(at + 4, true);
      // src 1 is a pc-relative call inside one section; src 0 would be a kernel BPF helper.
      if (src !== 1) bad(`call to BPF helper #${imm} in '${funcAt(at)}': only Solana syscalls (by name) may be called`, funcAt(at));
      if (imm === -1) bad(`call in '${funcAt(at)}' targets itself`, funcAt(at));
      const dest = at + 8 + imm * 8;
      if (dest < 0 || dest >= textSize) bad(`call in '${funcAt(at)}' leaves .text`, funcAt(at));
    }
  }

  // 5. Entrypoint.
  const entry = symbols.find((s) => s.name === "entrypoint" && s.shndx !== SHN_UNDEF);
  if (!entry || entry.info >> 4 !== STB_GLOBAL || (entry.info & 0xf) !== STT_FUNC || placement.get(entry.shndx)?.kind !== "text") {
    throw new LinkError("NoEntrypoint", "no global function named 'entrypoint' in .text", "entrypoint");
  }
  const entryAddr = symAddr(entry) ?? 0n;

  // 6. Dynamic tables. Symbols: null, entrypoint (defined, as Solana's own toolchain
  //    exports it), then each syscall once, sorted by name so the output is canonical.
  const syscallNames = [...new Set(dynRelocs.map((r) => r.name))].sort();
  const dynstrParts: number[] = [0];
  const dynstrIndex = new Map<string, number>();
  const addStr = (s: string): number => {
    const idx = dynstrParts.length;
    for (const b of new TextEncoder().encode(s)) dynstrParts.push(b);
    dynstrParts.push(0);
    dynstrIndex.set(s, idx);
    return idx;
  };
  addStr("entrypoint");
  for (const n of syscallNames) addStr(n);
  const dynstr = Uint8Array.from(dynstrParts);
  const dynsymCount = 2 + syscallNames.length;
  const dynsymIndex = new Map<string, number>(syscallNames.map((n, i) => [n, i + 2]));
  const sortedRelocs = [...dynRelocs].sort((a, b) => a.textOffset - b.textOffset);
  const hasRel = sortedRelocs.length > 0;

  const dynsymOff = alignUp(hasRodata ? rodataOff + rodataSize : textOff + textSize, 8);
  const dynsymSize = dynsymCount * 24;
  const dynstrOff = dynsymOff + dynsymSize;
  const relOff = alignUp(dynstrOff + dynstr.length, 8);
  const relSize = sortedRelocs.length * 16;
  const dynamicOff = alignUp(hasRel ? relOff + relSize : dynstrOff + dynstr.length, 8);
  const dynEntries: [bigint, bigint][] = [];
  if (hasRel) {
    dynEntries.push([DT_REL, BigInt(relOff)], [DT_RELSZ, BigInt(relSize)], [DT_RELENT, 16n]);
  }
  dynEntries.push([DT_SYMTAB, BigInt(dynsymOff)], [DT_SYMENT, 24n], [DT_STRTAB, BigInt(dynstrOff)], [DT_STRSZ, BigInt(dynstr.length)]);
  if (hasRel) dynEntries.push([DT_TEXTREL, 0n]);
  dynEntries.push([DT_NULL, 0n]);
  const dynamicSize = dynEntries.length * 16;

  const shstrNames = [".text", ".rodata", ".dynsym", ".dynstr", ".rel.dyn", ".dynamic", ".shstrtab"];
  const shstrParts: number[] = [0];
  const shName = new Map<string, number>();
  for (const n of shstrNames) {
    shName.set(n, shstrParts.length);
    for (const b of new TextEncoder().encode(n)) shstrParts.push(b);
    shstrParts.push(0);
  }
  const shstrtab = Uint8Array.from(shstrParts);
  const shstrOff = dynamicOff + dynamicSize;
  const shOff = alignUp(shstrOff + shstrtab.length, 8);

  interface OutSection {
    name: string;
    type: number;
    flags: bigint;
    off: number;
    size: number;
    link: number;
    info: number;
    align: number;
    entsize: number;
    alloc: boolean;
  }
  const out: OutSection[] = [];
  out.push({
    name: ".text",
    type: SHT_PROGBITS,
    flags: SHF_ALLOC | SHF_EXECINSTR,
    off: textOff,
    size: textSize,
    link: 0,
    info: 0,
    align: 8,
    entsize: 0,
    alloc: true,
  });
  if (hasRodata)
    out.push({
      name: ".rodata",
      type: SHT_PROGBITS,
      flags: SHF_ALLOC,
      off: rodataOff,
      size: rodataSize,
      link: 0,
      info: 0,
      align: Math.max(8, rodataAlign),
      entsize: 0,
      alloc: true,
    });
  const dynsymShIdx = out.length + 1;
  const dynstrShIdx = out.length + 2;
  out.push({
    name: ".dynsym",
    type: SHT_DYNSYM,
    flags: SHF_ALLOC,
    off: dynsymOff,
    size: dynsymSize,
    link: dynstrShIdx,
    info: 1,
    align: 8,
    entsize: 24,
    alloc: true,
  });
  out.push({ name: ".dynstr", type: SHT_STRTAB, flags: SHF_ALLOC, off: dynstrOff, size: dynstr.length, link: 0, info: 0, align: 1, entsize: 0, alloc: true });
  if (hasRel)
    out.push({ name: ".rel.dyn", type: SHT_REL, flags: SHF_ALLOC, off: relOff, size: relSize, link: dynsymShIdx, info: 0, align: 8, entsize: 16, alloc: true });
  out.push({
    name: ".dynamic",
    type: SHT_DYNAMIC,
    flags: SHF_ALLOC | SHF_WRITE,
    off: dynamicOff,
    size: dynamicSize,
    link: dynstrShIdx,
    info: 0,
    align: 8,
    entsize: 16,
    alloc: true,
  });
  out.push({ name: ".shstrtab", type: SHT_STRTAB, flags: 0n, off: shstrOff, size: shstrtab.length, link: 0, info: 0, align: 1, entsize: 0, alloc: false });
  const shnum = out.length + 1;
  const total = shOff + shnum * 64;

  const buf = new Uint8Array(total);
  const o = new DataView(buf.buffer);
  // ELF header
  buf.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  o.setUint16(16, ET_DYN, true);
  o.setUint16(18, EM_BPF, true);
  o.setUint32(20, 1, true);
  o.setBigUint64(24, entryAddr, true);
  o.setBigUint64(32, BigInt(EH), true);
  o.setBigUint64(40, BigInt(shOff), true);
  o.setUint32(48, 0, true); // e_flags 0: SBPF v0
  o.setUint16(52, EH, true);
  o.setUint16(54, PH, true);
  o.setUint16(56, phnum, true);
  o.setUint16(58, 64, true);
  o.setUint16(60, shnum, true);
  o.setUint16(62, shnum - 1, true);

  // Program headers; a program without .rodata gets no (empty) PT_LOAD for it.
  const ph = (i: number, type: number, flags: number, off: number, size: number, align: number): void => {
    const b = EH + i * PH;
    o.setUint32(b, type, true);
    o.setUint32(b + 4, flags, true);
    o.setBigUint64(b + 8, BigInt(off), true);
    o.setBigUint64(b + 16, BigInt(off), true);
    o.setBigUint64(b + 24, BigInt(off), true);
    o.setBigUint64(b + 32, BigInt(size), true);
    o.setBigUint64(b + 40, BigInt(size), true);
    o.setBigUint64(b + 48, BigInt(align), true);
  };
  let phi = 0;
  ph(phi++, PT_LOAD, PF_R | PF_X, textOff, textSize, 0x1000);
  if (hasRodata) ph(phi++, PT_LOAD, PF_R, rodataOff, rodataSize, 0x1000);
  ph(phi++, PT_LOAD, PF_R | PF_W, dynsymOff, dynamicOff + dynamicSize - dynsymOff, 0x1000);
  ph(phi++, PT_DYNAMIC, PF_R | PF_W, dynamicOff, dynamicSize, 8);

  buf.set(text, textOff);
  if (hasRodata) buf.set(rodata, rodataOff);
  // .dynsym: [0] null; [1] entrypoint; [2..] undefined syscalls
  {
    const e = dynsymOff + 24;
    o.setUint32(e, dynstrIndex.get("entrypoint") ?? 0, true);
    buf[e + 4] = (STB_GLOBAL << 4) | STT_FUNC;
    o.setUint16(e + 6, 1, true); // .text
    o.setBigUint64(e + 8, entryAddr, true);
    for (const [n, idx] of dynsymIndex) {
      const b = dynsymOff + idx * 24;
      o.setUint32(b, dynstrIndex.get(n) ?? 0, true);
      buf[b + 4] = (STB_GLOBAL << 4) | 0; // STT_NOTYPE, undefined
    }
  }
  buf.set(dynstr, dynstrOff);
  sortedRelocs.forEach((r, i) => {
    const b = relOff + i * 16;
    o.setBigUint64(b, BigInt(r.textOffset), true);
    o.setBigUint64(b + 8, (BigInt(dynsymIndex.get(r.name) ?? 0) << 32n) | BigInt(R_BPF_64_32), true);
  });
  dynEntries.forEach(([tag, val], i) => {
    o.setBigInt64(dynamicOff + i * 16, tag, true);
    o.setBigUint64(dynamicOff + i * 16 + 8, val, true);
  });
  buf.set(shstrtab, shstrOff);
  out.forEach((s, i) => {
    const b = shOff + (i + 1) * 64;
    o.setUint32(b, shName.get(s.name) ?? 0, true);
    o.setUint32(b + 4, s.type, true);
    o.setBigUint64(b + 8, s.flags, true);
    o.setBigUint64(b + 16, s.alloc ? BigInt(s.off) : 0n, true);
    o.setBigUint64(b + 24, BigInt(s.off), true);
    o.setBigUint64(b + 32, BigInt(s.size), true);
    o.setUint32(b + 40, s.link, true);
    o.setUint32(b + 44, s.info, true);
    o.setBigUint64(b + 48, BigInt(s.align), true);
    o.setBigUint64(b + 56, BigInt(s.entsize), true);
  });
  return buf;
}

function main(argv: string[]): number {
  const [input, output] = argv;
  if (!input || !output) {
    process.stderr.write("usage: tsx tools/sbf-link.ts in.o out.so\n");
    return 2;
  }
  try {
    writeFileSync(output, linkSbfProgram(readFileSync(input)));
    return 0;
  } catch (e) {
    if (e instanceof LinkError) {
      process.stderr.write(`sbf-link: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
