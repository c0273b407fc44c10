/** The backfill progress line: done/total, rate, ETA. */
import { describe, expect, it } from "vitest";
import { formatProgress } from "../../indexer/src/index.ts";

describe("backfill progress", () => {
  it("Given half done at 100 tx/s, Then the line shows done/total, the rate and the ETA", () => {
    const line = formatProgress({ active: true, done: 500, total: 1000, startedAt: 0, rate: 100, etaSeconds: 5 }, 10);
    expect(line).toBe("backfill [#####-----] 500/1000 tx  100 tx/s  ETA 5s");
  });
  it("Given nothing yet, Then an empty bar and an unknown ETA", () => {
    expect(formatProgress({ active: true, done: 0, total: 0, startedAt: 0, rate: 0, etaSeconds: null }, 4)).toBe("backfill [----] 0/0 tx  0 tx/s  ETA ?");
  });
});
