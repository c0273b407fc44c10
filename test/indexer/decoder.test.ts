/**
 * The decoder on real program logs (LiteSVM): X4 failed transactions, X5
 * attribution to gpunet's own frames, X6 truncation, X9 undecodable payloads.
 * Pure: no database, no network.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { decodeEventBytes } from "../../sdk/src/events.ts";
import { decodeUpdate } from "../../indexer/src/index.ts";
import { toUpdate, recordWorkload } from "./support/recorded.ts";
import type { RecordedTx } from "./support/chain.ts";
import type { Workload } from "./support/workload.ts";

describe("decoder", () => {
  let txs: RecordedTx[];
  let w: Workload;
  let pid: string;
  beforeAll(async () => {
    const r = await recordWorkload(40, 5);
    txs = r.txs;
    w = r.workload;
    pid = r.chain.programId.toBase58();
  });

  const withEvents = (): RecordedTx => txs.find((t) => t.logs.some((l) => l.startsWith("Program data: "))) as RecordedTx;

  it("Given a landed transaction, When decoded, Then its events come out with positions and payloads that round-trip", () => {
    const t = withEvents();
    const d = decodeUpdate(toUpdate(t), pid);
    expect(d.status).toBe("ok");
    expect(d.events.length).toBeGreaterThan(0);
    for (const e of d.events) {
      const again = decodeEventBytes(e.payload, "bytes");
      expect(again.ok && again.name).toBe(e.name);
      // The re-encoded payload is the logged base64 exactly.
      expect(t.logs).toContain(`Program data: ${Buffer.from(e.payload).toString("base64")}`);
    }
  });

  it("X4: Given a failed transaction whose logs hold event bytes, When decoded, Then no events", async () => {
    // Given: stake (logs a Staked event) then an unstake larger than the stake (fails) in one transaction
    const p = w.providers[0]!;
    const before = w.chain.recorded.length;
    await w.chain.send([await w.stakeIx(p, 5n), await w.unstakeIx(p, 999_999_999_999n)], [p.kp], { allowFailure: true });
    const failed = w.chain.recorded[before]!;
    expect(failed.err).not.toBeNull();
    expect(failed.logs.some((l) => l.startsWith("Program data: "))).toBe(true);
    // When
    const viaErr = decodeUpdate(toUpdate(failed), pid);
    const viaLogsOnly = decodeUpdate({ ...toUpdate(failed), err: null }, pid);
    // Then: by meta.err, and by the "failed" frame even when err is missing
    expect(viaErr.status).toBe("failed");
    expect(viaErr.events).toEqual([]);
    expect(viaLogsOnly.status).toBe("failed");
    expect(viaLogsOnly.events).toEqual([]);
  });

  it("X5: Given another program logging bytes identical to our event, When decoded, Then ignored", () => {
    const t = withEvents();
    const dataLine = t.logs.find((l) => l.startsWith("Program data: "))!;
    const other = "Memo1UhkJRfHyvLMcVucJwxXeuD728EqVDDwQDxFN";
    const logs = [`Program ${other} invoke [1]`, dataLine, `Program ${other} success`];
    const d = decodeUpdate({ ...toUpdate(t), logs }, pid);
    expect(d.status).toBe("ok");
    expect(d.events).toEqual([]);
    expect(d.failures).toEqual([]);
    // And a CPI from gpunet into that program: still not ours.
    const nested = [`Program ${pid} invoke [1]`, `Program ${other} invoke [2]`, dataLine, `Program ${other} success`, `Program ${pid} success`];
    expect(decodeUpdate({ ...toUpdate(t), logs: nested }, pid).events).toEqual([]);
  });

  it("X9: Given bad base64, an unknown discriminator, short and trailing bytes inside gpunet's frame, Then each is a typed failure and the good event still decodes", () => {
    const t = withEvents();
    const good = t.logs.find((l) => l.startsWith("Program data: "))!;
    const bytes = Buffer.from(good.slice("Program data: ".length), "base64");
    const logs = [
      `Program ${pid} invoke [1]`,
      "Program data: !!!not-base64!!!",
      `Program data: ${Buffer.alloc(40, 7).toString("base64")}`,
      `Program data: ${bytes.subarray(0, bytes.length - 1).toString("base64")}`,
      `Program data: ${Buffer.concat([bytes, Buffer.from([0])]).toString("base64")}`,
      good,
      `Program ${pid} success`,
    ];
    const d = decodeUpdate({ ...toUpdate(t), logs }, pid);
    expect(d.failures.map((f) => f.reason)).toEqual(["badBase64", "unknownDiscriminator", "shortData", "trailingBytes"]);
    expect(d.events).toHaveLength(1);
    expect(d.events[0]!.eventIndex).toBe(4);
  });

  it("X6: Given a transaction whose logs the runtime truncated, When decoded, Then it is flagged truncated", async () => {
    // Given: many stakes in one transaction overflow the 10 kB log limit
    const p = w.providers[1]!;
    const ixs = [];
    for (let i = 0; i < 28; i++) ixs.push(await w.stakeIx(p, BigInt(i + 1)));
    const before = w.chain.recorded.length;
    await w.chain.send(ixs, [p.kp]);
    const t = w.chain.recorded[before]!;
    expect(t.logs).toContain("Log truncated");
    // When
    const d = decodeUpdate(toUpdate(t), pid);
    // Then
    expect(d.truncated).toBe(true);
    expect(d.status).toBe("ok");
    expect(d.events.length).toBeLessThan(28);
  });

  it("Given no logs, Then the status asks the pipeline to fetch the transaction", () => {
    expect(decodeUpdate({ ...toUpdate(withEvents()), logs: null }, pid).status).toBe("noLogs");
  });
});
