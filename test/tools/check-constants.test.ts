import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { scanSource, scanTree } from "../../tools/check-constants.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const lines = (src: string) => scanSource("planted.ts", src).map((f) => `${f.line}:${f.rule}`);

describe("check-constants: no hand copy of an IDL value", () => {
  it("Given the tree as committed, When it is scanned, Then it holds no hand copy", () => {
    expect(scanTree(ROOT).map((f) => `${f.file}:${f.line}: ${f.text}`)).toEqual([]);
  });

  it("Given enum bytes written as digits, When scanned, Then each is reported with its line", () => {
    const src = [
      "expect(job).toMatchObject({ state: 5 });",
      "if (p.status === 0) count++;",
      "register({ gpuModel: 2, region: 7 });",
      "const job = { gpuModel: wanted ? 0 : model };",
      "ev.endReason !== 4;",
      "db.all(`SELECT * FROM providers WHERE status = 0`);",
      'rows(path, "SELECT count(*) FROM jobs WHERE state < 4 OR state IN (6, 7)");',
      "await w.c.slash(w.fx.slasher, p, 100n, 1, hash(4));",
      "await prog.methods.updateProvider(1, 2, 24, 1, 0, hash(1)).instruction();",
    ].join("\n");
    expect(lines(src)).toEqual([
      "1:enum byte",
      "2:enum byte",
      "3:enum byte",
      "3:enum byte",
      "4:enum byte",
      "5:enum byte",
      "6:enum byte",
      "7:enum byte",
      "7:enum byte",
      "8:enum byte",
      "9:enum byte",
    ]);
  });

  it("Given values that only look like enum bytes, When scanned, Then none is reported", () => {
    const src = [
      "register({ gpuModel: 42 }); // a code past the last variant",
      "const r = spawnSync('sh', ['-c', 'true']); if (r.status === 0) ok();",
      "fail({ kind: 'http', status: 429 });",
      "const m = { gpuModel: 1 + pick(5) };",
      "register({ gpuModel: GPU_MODEL.h100, region: REGION.europe });",
      "// state: 5 in a comment",
      "/* status === 0 */",
      "const cfg = { price: 10_000n, amount: 31_536n };",
    ].join("\n");
    expect(lines(src)).toEqual([]);
  });

  it("Given program error numbers where an error number goes, When scanned, Then each is reported; other numbers are not", () => {
    const src = [
      "expect(e.context.programErrorNumber).toBe(6024);",
      "const err = { InstructionError: [0, { Custom: 6001 }] };",
      "throw new Error('not InvalidInstruction (6022)');",
      "expect(parseRetryAfter(x, 4_000)).toBe(6000);",
      "const err2 = { InstructionError: [0, { Custom: 6999 }] };",
      "const ok = { Custom: GPUNET_ERROR_CODE.NothingToClaim };",
    ].join("\n");
    expect(lines(src)).toEqual(["1:error number", "2:error number", "3:error number"]);
  });

  it("Given mask bits and limits written out, When scanned, Then each is reported; an amount is not", () => {
    const src = [
      "update({ mask: 4 });",
      "update({ mask: 1 << 3 });",
      "update({ mask: 0x1ff });",
      "const all = 1023;",
      "createJob({ maxDuration: 31_536_000n });",
      "setUnbonding(31536001n);",
      "resolve({ providerShareBps: 10_000 });",
      "const fee = (price * bps) / 10_000n;",
      "client.resolveDispute(job, p, 10_000);",
      "update({ mask: 0, amount: 10_000n, price: 1023n * 2n });",
      "const fee2 = (price * feeBps) / BigInt(BPS_DENOMINATOR);",
    ].join("\n");
    expect(lines(src)).toEqual(["1:config mask", "2:config mask", "3:config mask", "4:config mask", "5:limit", "6:limit", "7:limit", "8:limit", "9:limit"]);
  });

  it("Given the program's C comparing an enum field with a digit, When scanned, Then it is reported; the generated macro is not", () => {
    const c = [
      "GP_CHECK(j->gpu_model == 0 || j->gpu_model == p->gpu_model, GP_ERR_HARDWARE_MISMATCH);",
      "GP_CHECK(j->state == GP_JOB_STATE_OPEN, GP_ERR_INVALID_JOB_STATE);",
    ];
    expect(scanSource("ix_jobs.c", c.join("\n")).map((f) => `${f.line}:${f.text}`)).toEqual(["1:gpu_model == 0"]);
  });

  it("Given a line marked idl-literal-ok (on it or in a comment above), When scanned, Then it is accepted", () => {
    const src = [
      "const state = { state: 1 }; // idl-literal-ok: SPL Token AccountState",
      "// idl-literal-ok: the test program's own error",
      "expect(code).toEqual({ number: 6000 });",
      "expect(code).toEqual({ number: 6000 });",
    ].join("\n");
    expect(lines(src)).toEqual(["4:error number"]);
  });

  describe("the command", () => {
    const dir = join(ROOT, "test/tools/.tmp-check-constants");
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("Given a planted copy in a new file, When `tsx tools/check-constants.ts` runs, Then it exits 1 naming file:line; without it, 0", () => {
      mkdirSync(dir, { recursive: true });
      const planted = join(dir, "planted.ts");
      writeFileSync(planted, "export const job = { price: 5n };\nexport const done = { state: 4 };\n");
      const run = () => spawnSync(process.execPath, ["--import", "tsx", "tools/check-constants.ts"], { cwd: ROOT, encoding: "utf8" });
      const bad = run();
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain("test/tools/.tmp-check-constants/planted.ts:2: enum byte");
      expect(bad.stderr).toContain("JOB_STATE.<variant>");
      rmSync(planted);
      const good = run();
      expect([good.status, good.stderr]).toEqual([0, ""]);
    });
  });
});
