import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureToolchain, missingToolchain, TOOLCHAIN } from "../global-setup.ts";

describe("npm test's C toolchain", () => {
  it("Given this machine after the global setup, Then clang-19, llvm-link-19 and llc-19 are all on PATH", () => {
    expect(missingToolchain()).toEqual([]);
  });

  it("Given a PATH without the toolchain and no right to install, When ensured, Then it stops with one line naming the tools and the command to run", () => {
    const empty = mkdtempSync(join(tmpdir(), "gpunet-nopath-"));
    try {
      expect(missingToolchain(empty)).toEqual([...TOOLCHAIN]);
      let message = "";
      try {
        ensureToolchain({ path: empty, canInstall: false });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toBe("missing clang-19, llvm-link-19, llc-19: run `sudo apt-get install -y clang-19 llvm-19` (Debian/Ubuntu), then npm test again");
      expect(message.includes("\n")).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
