import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BuildError, buildProgram } from "../../tools/build-program.ts";
import { LinkError } from "../../tools/sbf-link.ts";
import { FIXTURES, REPO } from "./sbf-fixtures.ts";

const run = promisify(execFile);

/** A throwaway "checkout" holding the fixtures at the shipped program's paths. */
function fakeCheckout(prefix: string): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(root, "programs/gpunet/src"), { recursive: true });
  cpSync(join(FIXTURES, "hello.c"), join(root, "programs/gpunet/src/hello.c"));
  cpSync(join(FIXTURES, "helper.c"), join(root, "programs/gpunet/src/helper.c"));
  cpSync(join(FIXTURES, "include"), join(root, "programs/gpunet/include"), { recursive: true });
  return root;
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(join(REPO, "node_modules/.bin/tsx"), [join(REPO, "tools/build-program.ts"), ...args], { cwd: REPO });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: err.code ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

describe("build-program", () => {
  it("builds several C files with include dirs and defines; a define changes the bytes", async () => {
    const base = { sources: ["test/fixtures/sbf/hello.c", "test/fixtures/sbf/helper.c"], includeDirs: ["test/fixtures/sbf/include"] };
    const a = await buildProgram({ ...base, out: "target/build/bp-test/bp-default.so" });
    const b = await buildProgram({ ...base, out: "target/build/bp-test/bp-bias1000.so", defines: { FIXTURE_BIAS: "1000" } });
    const c = await buildProgram({ ...base, out: "target/build/bp-test/bp-bias2000.so", defines: { FIXTURE_BIAS: "2000" } });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    expect(Buffer.compare(Buffer.from(a), Buffer.from(c))).not.toBe(0);
    expect(readFileSync(join(REPO, "target/build/bp-test/bp-default.so")).equals(Buffer.from(a))).toBe(true);
  });

  it("gives the same bytes from two checkouts at different absolute paths, with no path inside", async () => {
    // Given the same sources in two checkouts whose paths differ in length and name
    const one = fakeCheckout("gpunet-a-");
    const two = fakeCheckout("gpunet-checkout-number-two-");
    const opts = (root: string) => ({
      root,
      sources: ["programs/gpunet/src/hello.c", "programs/gpunet/src/helper.c"],
      includeDirs: ["programs/gpunet/include"],
      out: "target/deploy/gpunet.so",
    });
    // And a program that logs __FILE__, given by absolute path
    for (const root of [one, two]) cpSync(join(FIXTURES, "path-probe.c"), join(root, "programs/gpunet/src/probe.c"));
    // When both are built
    const a = await buildProgram(opts(one));
    const b = await buildProgram(opts(two));
    const pa = await buildProgram({ ...opts(one), sources: [join(one, "programs/gpunet/src/probe.c")], out: "target/deploy/probe.so" });
    const pb = await buildProgram({ ...opts(two), sources: [join(two, "programs/gpunet/src/probe.c")], out: "target/deploy/probe.so" });
    // Then the outputs are identical and mention neither checkout
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
    expect(Buffer.compare(Buffer.from(pa), Buffer.from(pb))).toBe(0);
    for (const so of [a, pa]) {
      const text = Buffer.from(so).toString("latin1");
      expect(text).not.toContain(tmpdir());
      expect(text).not.toContain("gpunet-a-");
    }
    expect(Buffer.from(pa).toString("latin1")).toContain("programs/gpunet/src/probe.c");
  });

  it("reports compiler diagnostics as BuildError CompileFailed", async () => {
    const root = mkdtempSync(join(tmpdir(), "gpunet-bad-"));
    writeFileSync(join(root, "bad.c"), "int entrypoint(void) { return undefined_thing; }\n");
    const err = await buildProgram({ root, sources: ["bad.c"], includeDirs: [], out: "bad.so" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BuildError);
    expect((err as BuildError).code).toBe("CompileFailed");
    expect((err as BuildError).output).toContain("undefined_thing");
  });

  it("passes the linker's refusal through as LinkError", async () => {
    const err = await buildProgram({
      sources: ["test/fixtures/sbf/refuse/writable-data.c"],
      includeDirs: [],
      out: "target/build/bp-test/bp-writable.so",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LinkError);
    expect((err as LinkError).code).toBe("WritableSection");
  });

  it("CLI: builds a checkout, --verify passes on a fresh build and fails with a message on a stale .so", async () => {
    // Given a checkout with programs/gpunet/src/*.c
    const root = fakeCheckout("gpunet-cli-");
    // When built with the CLI, Then target/deploy/gpunet.so appears
    const built = await cli(["--root", root]);
    expect(built.code).toBe(0);
    expect(built.stdout).toContain("target/deploy/gpunet.so");
    // And --verify agrees with it
    const ok = await cli(["--verify", "--root", root]);
    expect(ok.code).toBe(0);
    // When the committed .so is stale, Then --verify exits 1 and says what to do
    const so = readFileSync(join(root, "target/deploy/gpunet.so"));
    so[so.length - 1] = (so[so.length - 1] ?? 0) ^ 0xff;
    writeFileSync(join(root, "target/deploy/gpunet.so"), so);
    const stale = await cli(["--verify", "--root", root]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("is stale");
    expect(stale.stderr).toContain("npm run build:program");
  });
});
