/**
 * Helpers for the linker/build tests: compile a C fixture to an eBPF object,
 * and read back the sections and instructions of an ELF file.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Keypair } from "@solana/web3.js";
import { address, lamports } from "@solana/kit";
import { LiteSVM } from "litesvm";
import { CLANG_FLAGS } from "../../tools/build-program.ts";

export const REPO = resolve(fileURLToPath(import.meta.url), "../../..");
export const FIXTURES = join(REPO, "test/fixtures/sbf");

/** Compiles one fixture with the project's flags (cpu and extra flags overridable) to an object. */
export function compileFixture(file: string, opts: { mcpu?: string; extra?: string[] } = {}): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "gpunet-sbf-"));
  const out = join(dir, "out.o");
  const flags = CLANG_FLAGS.map((f) => (f === "-mcpu=v2" ? `-mcpu=${opts.mcpu ?? "v2"}` : f));
  execFileSync("clang-19", [...flags, ...(opts.extra ?? []), `-I${join(FIXTURES, "include")}`, "-c", join(FIXTURES, file), "-o", out]);
  return readFileSync(out);
}

export interface ElfSection {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
}

/** Section headers of an ELF64 LE file, with names. */
export function readSections(elf: Uint8Array): ElfSection[] {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(dv.getBigUint64(40, true));
  const shnum = dv.getUint16(60, true);
  const shstrndx = dv.getUint16(62, true);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const b = shoff + i * 64;
    return {
      nameOff: dv.getUint32(b, true),
      type: dv.getUint32(b + 4, true),
      flags: dv.getBigUint64(b + 8, true),
      addr: dv.getBigUint64(b + 16, true),
      offset: Number(dv.getBigUint64(b + 24, true)),
      size: Number(dv.getBigUint64(b + 32, true)),
      link: dv.getUint32(b + 40, true),
    };
  });
  const strs = raw[shstrndx];
  if (!strs) throw new Error("no shstrtab");
  const name = (off: number): string => {
    let end = strs.offset + off;
    while (elf[end] !== 0) end++;
    return Buffer.from(elf.subarray(strs.offset + off, end)).toString("latin1");
  };
  return raw.map((r) => ({ name: name(r.nameOff), type: r.type, flags: r.flags, addr: r.addr, offset: r.offset, size: r.size, link: r.link }));
}

export function section(elf: Uint8Array, name: string): ElfSection {
  const s = readSections(elf).find((x) => x.name === name);
  if (!s) throw new Error(`no section ${name}`);
  return s;
}

export interface Insn {
  /** Byte offset in the file. */
  at: number;
  opc: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** lddw's 64-bit immediate. */
  imm64?: bigint;
}

/** Decodes the instructions of `.text`. */
export function decodeText(elf: Uint8Array): Insn[] {
  const t = section(elf, ".text");
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const out: Insn[] = [];
  for (let at = t.offset; at < t.offset + t.size; at += 8) {
    const opc = elf[at] ?? 0;
    const regs = elf[at + 1] ?? 0;
    const insn: Insn = { at, opc, dst: regs & 15, src: regs >> 4, off: dv.getInt16(at + 2, true), imm: dv.getInt32(at + 4, true) };
    if (opc === 0x18) {
      insn.imm64 = BigInt(dv.getUint32(at + 4, true)) | (BigInt(dv.getUint32(at + 12, true)) << 32n);
      out.push(insn);
      at += 8;
      continue;
    }
    out.push(insn);
  }
  return out;
}

/** `.rel.dyn` entries as (file offset, symbol name, type). */
export function dynamicRelocations(elf: Uint8Array): { offset: number; symbol: string; type: number }[] {
  const rel = section(elf, ".rel.dyn");
  const dynsym = section(elf, ".dynsym");
  const dynstr = section(elf, ".dynstr");
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const out: { offset: number; symbol: string; type: number }[] = [];
  for (let b = rel.offset; b < rel.offset + rel.size; b += 16) {
    const info = dv.getBigUint64(b + 8, true);
    const symIdx = Number(info >> 32n);
    const nameOff = dv.getUint32(dynsym.offset + symIdx * 24, true);
    let end = dynstr.offset + nameOff;
    while (elf[end] !== 0) end++;
    out.push({
      offset: Number(dv.getBigUint64(b, true)),
      symbol: Buffer.from(elf.subarray(dynstr.offset + nameOff, end)).toString("latin1"),
      type: Number(info & 0xffffffffn),
    });
  }
  return out;
}

/** A LiteSVM with a funded web3.js payer. */
export function vmWithPayer(): { svm: LiteSVM; payer: Keypair } {
  const svm = new LiteSVM();
  const payer = Keypair.generate();
  svm.airdrop(address(payer.publicKey.toBase58()), lamports(100_000_000_000n));
  return { svm, payer };
}
