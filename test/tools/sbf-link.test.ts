import { randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keypair, Transaction, TransactionInstruction } from "@solana/web3.js";
import { address, lamports } from "@solana/kit";
import { FeatureSet, LiteSVM } from "litesvm";
import { beforeAll, describe, expect, it } from "vitest";
import { DeployError, deployProgramUpgradeable, sendWeb3Transaction } from "../../localnet/src/deploy.ts";
import { buildProgram } from "../../tools/build-program.ts";
import { LinkError, linkSbfProgram, SOLANA_SYSCALLS } from "../../tools/sbf-link.ts";
import type { LinkErrorCode } from "../../tools/sbf-link.ts";
import { compileFixture, decodeText, dynamicRelocations, FIXTURES, readSections, REPO, section, vmWithPayer } from "./sbf-fixtures.ts";

const PROGRAM_VADDR = 0x1_0000_0000n;

function refusal(obj: Uint8Array): LinkError {
  try {
    linkSbfProgram(obj);
  } catch (e) {
    if (e instanceof LinkError) return e;
    throw e;
  }
  throw new Error("linker accepted the object");
}

/** Runs the program once with `data` and no accounts. */
function invoke(svm: LiteSVM, payer: Keypair, programId: Keypair["publicKey"], data: number[]): { ok: boolean; logs: string[] } {
  const tx = new Transaction().add(new TransactionInstruction({ programId, keys: [], data: Buffer.from(data) }));
  tx.feePayer = payer.publicKey;
  tx.recentBlockhash = svm.latestBlockhash();
  tx.sign(payer);
  const r = sendWeb3Transaction(svm, tx);
  svm.expireBlockhash();
  return { ok: r.ok, logs: r.meta.logs() };
}

describe("sbf-link: relocations and layout", () => {
  let so: Uint8Array;
  let obj: Uint8Array;

  beforeAll(async () => {
    // Given the two-file fixture (hello.c + helper.c) built to one object
    so = await buildProgram({
      sources: ["test/fixtures/sbf/hello.c", "test/fixtures/sbf/helper.c"],
      includeDirs: ["test/fixtures/sbf/include"],
      out: "target/build/link-test/hello.so",
    });
    obj = readFileSync(join(REPO, "target/build/hello/hello.o"));
  });

  it("emits the SBPF v0 layout: ET_DYN, EM_BPF, fixed section order, sh_addr == sh_offset, 3 PT_LOAD + PT_DYNAMIC", () => {
    const dv = new DataView(so.buffer, so.byteOffset, so.byteLength);
    expect(dv.getUint16(16, true)).toBe(3);
    expect(dv.getUint16(18, true)).toBe(247);
    expect(dv.getUint32(48, true)).toBe(0);
    const secs = readSections(so);
    expect(secs.map((s) => s.name)).toEqual(["", ".text", ".rodata", ".dynsym", ".dynstr", ".rel.dyn", ".dynamic", ".shstrtab"]);
    for (const s of secs.slice(1, -1)) expect(s.addr).toBe(BigInt(s.offset));
    for (const s of secs.slice(1)) expect(s.size).toBeGreaterThan(0);
    const phnum = dv.getUint16(56, true);
    const types = Array.from({ length: phnum }, (_, i) => dv.getUint32(64 + i * 56, true));
    expect(types).toEqual([1, 1, 1, 2]);
    // e_entry is the dynsym 'entrypoint' and lies in .text
    const text = section(so, ".text");
    const entry = dv.getBigUint64(24, true);
    expect(entry >= text.addr && entry < text.addr + BigInt(text.size)).toBe(true);
  });

  it("resolves R_BPF_64_64 (lddw) to 0x1_0000_0000 + an address inside .rodata", () => {
    const ro = section(so, ".rodata");
    const lddws = decodeText(so).filter((i) => i.opc === 0x18);
    expect(lddws.length).toBeGreaterThanOrEqual(3);
    for (const i of lddws) {
      const a = (i.imm64 ?? 0n) - PROGRAM_VADDR;
      expect(a >= ro.addr && a < ro.addr + BigInt(ro.size)).toBe(true);
    }
  });

  it("resolves R_BPF_64_ABS64 (pointers stored in rodata) to .text functions and .rodata data", () => {
    // Given the object had ABS64 relocations in its rodata sections
    const relSections = readSections(obj).filter((s) => s.name.startsWith(".rel.rodata") || s.name.startsWith(".rel.data.rel.ro"));
    const count = relSections.reduce((n, s) => n + s.size / 16, 0);
    expect(count).toBeGreaterThanOrEqual(3);
    // Then rodata holds that many program addresses, each landing in .text (on an instruction) or .rodata
    const ro = section(so, ".rodata");
    const text = section(so, ".text");
    const dv = new DataView(so.buffer, so.byteOffset, so.byteLength);
    const pointers: bigint[] = [];
    for (let b = ro.offset; b + 8 <= ro.offset + ro.size; b += 8) {
      const v = dv.getBigUint64(b, true);
      if (v >= PROGRAM_VADDR && v < PROGRAM_VADDR + BigInt(so.length)) pointers.push(v - PROGRAM_VADDR);
    }
    expect(pointers.length).toBe(count);
    for (const p of pointers) {
      const inText = p >= text.addr && p < text.addr + BigInt(text.size) && (p - text.addr) % 8n === 0n;
      const inRo = p >= ro.addr && p < ro.addr + BigInt(ro.size);
      expect(inText || inRo).toBe(true);
    }
  });

  it("resolves internal R_BPF_64_32 calls to pc-relative immediates and leaves syscalls at -1 with a dynamic relocation", () => {
    const text = section(so, ".text");
    const calls = decodeText(so).filter((i) => i.opc === 0x85);
    const internal = calls.filter((c) => c.imm !== -1);
    const syscalls = calls.filter((c) => c.imm === -1);
    expect(internal.length).toBeGreaterThanOrEqual(2); // sum_table (no relocation) + fixture_helper (relocated)
    for (const c of internal) {
      const dest = c.at + 8 + c.imm * 8;
      expect(dest >= text.offset && dest < text.offset + text.size).toBe(true);
    }
    for (const c of syscalls) expect(c.src).toBe(0);
    const rels = dynamicRelocations(so);
    expect(rels.map((r) => r.offset).sort()).toEqual(syscalls.map((c) => c.at).sort());
    expect(new Set(rels.map((r) => r.type))).toEqual(new Set([10]));
    expect(rels.map((r) => r.symbol).sort()).toEqual(["sol_log_", "sol_log_64_", "sol_log_data"]);
  });

  it("moves callx's register from dst to imm", () => {
    const callx = decodeText(so).filter((i) => i.opc === 0x8d);
    expect(callx.length).toBe(1);
    const [c] = callx;
    expect(c?.dst).toBe(0);
    expect(c?.imm).toBeGreaterThan(0);
    expect(c?.imm).toBeLessThan(10);
  });

  it("is deterministic: linking the same object twice gives the same bytes", () => {
    expect(Buffer.compare(Buffer.from(linkSbfProgram(obj)), Buffer.from(linkSbfProgram(obj)))).toBe(0);
    expect(Buffer.compare(Buffer.from(linkSbfProgram(obj)), Buffer.from(so))).toBe(0);
  });

  it("runs after a BPF Loader Upgradeable deploy: log, internal calls, rodata through a pointer, callx, sol_log_data", () => {
    // Given the fixture deployed through the real loader instructions
    const { svm, payer } = vmWithPayer();
    const programKeypair = Keypair.generate();
    deployProgramUpgradeable(svm, { programKeypair, payer, programBytes: so });
    // When it runs with data [0] (ops[0] = twice) and [1] (ops[1] = thrice)
    const a = invoke(svm, payer, programKeypair.publicKey, [0]);
    const b = invoke(svm, payer, programKeypair.publicKey, [1]);
    // Then the table sum (11+22+33+44 = 0x6e), the callx result and the helper (0x6e + 1000) are logged
    expect(a.ok).toBe(true);
    expect(a.logs).toContain("Program log: hello from gpunet fixture");
    expect(a.logs).toContain("Program log: 0x6e, 0xdc, 0x456, 0x0, 0x0");
    expect(a.logs).toContain(`Program data: ${Buffer.from([1, 2, 3, 4]).toString("base64")} ${Buffer.from("evt").toString("base64")}`);
    expect(b.logs).toContain("Program log: 0x6e, 0x14a, 0x456, 0x0, 0x0");
    // And the program account is owned by the upgradeable loader
    const acc = svm.getAccount(address(programKeypair.publicKey.toBase58()));
    expect(acc.exists && acc.programAddress).toBe("BPFLoaderUpgradeab1e11111111111111111111111");
  });

  it("runs the same way when loaded with addProgram alone", () => {
    const { svm, payer } = vmWithPayer();
    const programId = Keypair.generate().publicKey;
    svm.addProgram(address(programId.toBase58()), so);
    const a = invoke(svm, payer, programId, [1]);
    expect(a.ok).toBe(true);
    expect(a.logs).toContain("Program log: 0x6e, 0x14a, 0x456, 0x0, 0x0");
  });

  it("a name the VM does not register fails the real deploy with DeployError and the loader's logs", () => {
    // Given the linked fixture with one syscall name corrupted after linking
    const bad = Buffer.from(so);
    const dynstr = section(bad, ".dynstr");
    const at = bad.indexOf("sol_log_data\0", dynstr.offset, "latin1");
    bad.write("sol_log_dat4", at, "latin1");
    const { svm, payer } = vmWithPayer();
    // When deployed through the loader, Then it fails naming the symbol
    let err: unknown;
    try {
      deployProgramUpgradeable(svm, { programKeypair: Keypair.generate(), payer, programBytes: bad });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployError);
    const de = err as DeployError;
    expect(de.code).toBe("DeployFailed");
    expect(de.logs.some((l) => l.includes("Unresolved symbol (sol_log_dat4)"))).toBe(true);
  });
});

describe("sbf-link: allowed syscalls", () => {
  it("every name in SOLANA_SYSCALLS is registered by the VM (real deploy succeeds)", async () => {
    // Given a program referencing every allowed syscall
    const so = await buildProgram({ sources: ["test/fixtures/sbf/all-syscalls.c"], includeDirs: [], out: "target/build/link-test/all-syscalls.so" });
    const names = new Set(dynamicRelocations(so).map((r) => r.symbol));
    expect([...names].sort()).toEqual([...SOLANA_SYSCALLS].sort());
    // When deployed through the loader and invoked, Then both succeed
    const { svm, payer } = vmWithPayer();
    const programKeypair = Keypair.generate();
    deployProgramUpgradeable(svm, { programKeypair, payer, programBytes: so });
    expect(invoke(svm, payer, programKeypair.publicKey, [0]).ok).toBe(true);
  });

  it("refuses sol_remaining_compute_units, which LiteSVM 1.5.0 does not register", () => {
    const dir = mkdtempSync(join(tmpdir(), "gpunet-sbf-"));
    const src = join(dir, "rcu.c");
    execFileSync("sh", [
      "-c",
      `printf '%s' 'typedef unsigned long u64; extern u64 sol_remaining_compute_units(void); u64 entrypoint(const unsigned char *i) { return i[0] ? sol_remaining_compute_units() : 0; }' > ${src}`,
    ]);
    execFileSync("clang-19", ["-target", "bpf", "-mcpu=v2", "-O2", "-c", src, "-o", join(dir, "rcu.o")]);
    const e = refusal(readFileSync(join(dir, "rcu.o")));
    expect(e.code).toBe("UnknownSymbol");
    expect(e.symbol).toBe("sol_remaining_compute_units");
  });

  it("FeatureSet.allEnabled() rejects SBPF v0 deploys (the loader wants a newer sbpf version); addProgram still loads", () => {
    // Pinned so a LiteSVM upgrade that changes this is noticed: tests must use the default feature set.
    const so = linkSbfProgram(compileFixture("path-probe.c"));
    const svm = new LiteSVM().withFeatureSet(FeatureSet.allEnabled());
    const payer = Keypair.generate();
    svm.airdrop(address(payer.publicKey.toBase58()), lamports(10_000_000_000n));
    let err: unknown;
    try {
      deployProgramUpgradeable(svm, { programKeypair: Keypair.generate(), payer, programBytes: so });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DeployError);
    expect((err as DeployError).logs.some((l) => l.includes("sbpf_version"))).toBe(true);
    expect(() => svm.addProgram(address(Keypair.generate().publicKey.toBase58()), so)).not.toThrow();
  });
});

describe("sbf-link: refusals", () => {
  const cases: { file: string; code: LinkErrorCode; symbol: string; mcpu?: string; extra?: string[] }[] = [
    { file: "refuse/writable-data.c", code: "WritableSection", symbol: "gpunet_counter" },
    { file: "refuse/writable-bss.c", code: "WritableSection", symbol: "gpunet_scratch" },
    { file: "refuse/writable-common.c", code: "WritableSection", symbol: "gpunet_common", extra: ["-fcommon"] },
    { file: "refuse/unknown-extern.c", code: "UnknownSymbol", symbol: "gpunet_not_a_syscall" },
    { file: "refuse/atomic.c", code: "Atomic", symbol: "entrypoint" },
    { file: "refuse/jmp32.c", code: "Jmp32", symbol: "entrypoint", mcpu: "v3" },
    { file: "refuse/no-entrypoint.c", code: "NoEntrypoint", symbol: "entrypoint" },
  ];
  for (const c of cases) {
    it(`refuses ${c.file} with ${c.code} naming '${c.symbol}'`, () => {
      // Given the fixture compiled with clang-19
      const obj = compileFixture(c.file, { mcpu: c.mcpu, extra: c.extra });
      // When linked, Then the linker refuses and names the culprit
      const e = refusal(obj);
      expect(e.code).toBe(c.code);
      expect(e.symbol).toBe(c.symbol);
      expect(e.message).toContain(c.symbol);
    });
  }

  it("links the JMP32 fixture when it is compiled with -mcpu=v2; without rodata or syscalls it emits no empty section and deploys", () => {
    // Given a program with no read-only data and no syscalls
    const so = linkSbfProgram(compileFixture("refuse/jmp32.c"));
    // Then .rodata and .rel.dyn are left out rather than emitted empty, with one PT_LOAD fewer
    expect(readSections(so).map((s) => s.name)).toEqual(["", ".text", ".dynsym", ".dynstr", ".dynamic", ".shstrtab"]);
    expect(new DataView(so.buffer, so.byteOffset).getUint16(56, true)).toBe(3);
    // And the real loader accepts it
    const { svm, payer } = vmWithPayer();
    const programKeypair = Keypair.generate();
    deployProgramUpgradeable(svm, { programKeypair, payer, programBytes: so });
    expect(invoke(svm, payer, programKeypair.publicKey, []).ok).toBe(true);
  });

  it("refuses bytes that are not an eBPF relocatable object", () => {
    expect(refusal(randomBytes(300)).code).toBe("BadObject");
    const dir = mkdtempSync(join(tmpdir(), "gpunet-sbf-"));
    execFileSync("clang-19", ["-target", "x86_64-linux-gnu", "-c", join(FIXTURES, "path-probe.c"), "-o", join(dir, "x86.o")]);
    const e = refusal(readFileSync(join(dir, "x86.o")));
    expect(e.code).toBe("BadObject");
    expect(e.message).toContain("EM_BPF");
  });
});
