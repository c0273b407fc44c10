import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

describe("README quickstart", () => {
  it("runs as written and the claim pays exactly what claimable() said", () => {
    // Given the quickstart script the README shows (workspace packages resolve to their
    // sources through tsconfig paths; test/packages runs it on the installed tarballs),
    // When it runs on a fresh localnet
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/quickstart.mjs"], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });
    // Then it exits 0 and the SDK's bigint reward math equals the program's payout
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const m = /claimable (\d+), paid (\d+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(BigInt(m![1]!)).toBeGreaterThan(0n);
    expect(m![1]).toBe(m![2]);
  });
});

describe("README", () => {
  it("shows the quickstart exactly as the runnable file", async () => {
    const { readFileSync } = await import("node:fs");
    const readme = readFileSync(resolve(ROOT, "README.md"), "utf8");
    const file = readFileSync(resolve(ROOT, "examples/quickstart.mjs"), "utf8");
    expect(readme).toContain("```js\n" + file + "```");
  });
});
