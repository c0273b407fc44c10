import { describe, expect, it } from "vitest";
import bs58 from "bs58";
import { GPUNET_IDL, GPUNET_PROGRAM_ADDRESS, camelCase } from "../../sdk/src/idl.ts";
import { parseGpunetLogs, parseTransactionEvents, decodeEventBytes, GPUNET_EVENT_NAMES, type GpunetEventWithPayload } from "../../sdk/src/events.ts";
import { anchorCoder, encodeEventWithAnchor, fromAnchor, randomStruct, rng } from "./anchor-oracle.ts";
import { GPUNET_ERROR_CODE } from "../../sdk/src/generated/index.ts";

const PID = GPUNET_PROGRAM_ADDRESS;
const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
const CB = "ComputeBudget111111111111111111111111111111";
const OTHER = "Fake1111111111111111111111111111111111111111";

function frame(id: string, depth: number, body: string[]): string[] {
  return [`Program ${id} invoke [${depth}]`, ...body, `Program ${id} consumed 1000 of 200000 compute units`, `Program ${id} success`];
}

describe("parseGpunetLogs against Anchor's BorshCoder", () => {
  it("Given every IDL event with random and boundary values, When logged and parsed, Then the data equals Anchor's decoding exactly", () => {
    const r = rng(42);
    for (let round = 0; round < 40; round++) {
      for (const ev of GPUNET_IDL.events) {
        const { sdk, anchor } = randomStruct(ev.name, r);
        const b64 = encodeEventWithAnchor(ev.name, anchor);
        const logs = frame(PID, 1, [`Program log: Instruction: X`, `Program data: ${b64}`]);
        const { events, failures, truncated, failed } = parseGpunetLogs(logs);
        expect(failures).toEqual([]);
        expect(truncated).toBe(false);
        expect(failed).toBe(false);
        expect(events).toHaveLength(1);
        const e = events[0]!;
        expect(e.name).toBe(camelCase(ev.name));
        expect(e.data).toEqual(sdk);
        const oracle = anchorCoder.events.decode(b64);
        expect(oracle?.name).toBe(e.name);
        expect(e.data).toEqual(fromAnchor(oracle?.data));
      }
    }
  });

  it("Given pubkeys: 'bytes', When parsed, Then pubkeys are the raw 32 bytes", () => {
    const { sdk, anchor } = randomStruct("Staked", rng(7));
    const logs = frame(PID, 1, [`Program data: ${encodeEventWithAnchor("Staked", anchor)}`]);
    const { events } = parseGpunetLogs(logs, { pubkeys: "bytes" });
    const e = events[0]!;
    if (e.name !== "staked") throw new Error("expected staked");
    expect(e.data.provider).toBeInstanceOf(Uint8Array);
    expect(bs58.encode(e.data.provider)).toBe(sdk.provider);
    expect(e.data.amount).toBe(sdk.amount);
  });

  it("Given payloads: true and another program's data line first, When parsed, Then each event carries its own exact logged bytes and the default omits them", () => {
    const a = randomStruct("Staked", rng(8));
    const b = randomStruct("RewardsClaimed", rng(9));
    const b64a = encodeEventWithAnchor("Staked", a.anchor);
    const b64b = encodeEventWithAnchor("RewardsClaimed", b.anchor);
    const logs = [...frame(OTHER, 1, [`Program data: ${b64b}`]), ...frame(PID, 1, [`Program data: ${b64a}`, `Program data: ${b64b}`])];
    const withBytes = parseGpunetLogs(logs, { pubkeys: "bytes", payloads: true });
    expect(withBytes.events.map((e) => e.name)).toEqual(["staked", "rewardsClaimed"]);
    expect(withBytes.events.map((e) => Buffer.from((e as GpunetEventWithPayload<Uint8Array>).payload).toString("base64"))).toEqual([b64a, b64b]);
    expect(withBytes.events.map((e) => e.data)).toEqual(parseGpunetLogs(logs, { pubkeys: "bytes" }).events.map((e) => e.data));
    expect(parseGpunetLogs(logs).events.every((e) => !("payload" in e))).toBe(true);
  });

  it("lists every IDL event name", () => {
    expect([...GPUNET_EVENT_NAMES].sort()).toEqual(GPUNET_IDL.events.map((e) => camelCase(e.name)).sort());
  });
});

describe("frame attribution", () => {
  const r = rng(3);
  const staked = randomStruct("Staked", r);
  const claimed = randomStruct("RewardsClaimed", r);
  const funded = randomStruct("RewardsFunded", r);
  const b64Staked = encodeEventWithAnchor("Staked", staked.anchor);
  const b64Claimed = encodeEventWithAnchor("RewardsClaimed", claimed.anchor);
  const b64Funded = encodeEventWithAnchor("RewardsFunded", funded.anchor);

  it("Given another program logging bytes identical to a gpunet event, When parsed, Then it is ignored (X5)", () => {
    const logs = [
      ...frame(CB, 1, []),
      ...frame(OTHER, 1, [`Program data: ${b64Staked}`]),
      `Program ${OTHER} invoke [1]`,
      ...frame(PID, 2, [`Program data: ${b64Claimed}`]),
      `Program data: ${b64Staked}`,
      `Program ${OTHER} success`,
    ];
    const { events, failures } = parseGpunetLogs(logs);
    expect(failures).toEqual([]);
    expect(events.map((e) => e.name)).toEqual(["rewardsClaimed"]);
    expect(events[0]).toMatchObject({ instructionIndex: 2, innerPath: [0], innerIndex: 0, eventIndex: 0 });
  });

  it("Given gpunet CPIs into the token program and logs afterwards, When parsed, Then positions count top-level instructions and inner frames", () => {
    const logs = [
      ...frame(CB, 1, []),
      ...frame(CB, 1, []),
      `Program ${PID} invoke [1]`,
      ...frame(TOKEN, 2, [`Program log: Instruction: Transfer`, `Program data: ${b64Staked}`]),
      `Program data: ${b64Staked}`,
      ...frame(TOKEN, 2, []),
      `Program data: ${b64Funded}`,
      `Program ${PID} success`,
      `Program ${OTHER} invoke [1]`,
      ...frame(TOKEN, 2, []),
      `Program ${PID} invoke [2]`,
      ...frame(TOKEN, 3, []),
      `Program data: ${b64Claimed}`,
      `Program ${PID} success`,
      `Program ${OTHER} success`,
    ];
    const { events } = parseGpunetLogs(logs);
    expect(events.map((e) => [e.name, e.instructionIndex, e.innerPath, e.innerIndex, e.eventIndex])).toEqual([
      ["staked", 2, [], null, 0],
      ["rewardsFunded", 2, [], null, 1],
      ["rewardsClaimed", 3, [1], 1, 2],
    ]);
  });

  it("Given a program's log line that imitates an invoke of gpunet, When parsed, Then no frame is opened", () => {
    const logs = frame(OTHER, 1, [`Program log: ${PID} invoke [2]`, `Program data: ${b64Staked}`]);
    expect(parseGpunetLogs(logs).events).toEqual([]);
  });

  it("Given 'Log truncated', When parsed, Then the flag is set and events before it are kept", () => {
    const logs = [`Program ${PID} invoke [1]`, `Program data: ${b64Staked}`, "Log truncated"];
    const r1 = parseGpunetLogs(logs);
    expect(r1.truncated).toBe(true);
    expect(r1.events.map((e) => e.name)).toEqual(["staked"]);
  });

  it("Given a failed transaction, When parsed, Then no events unless includeFailed", () => {
    const logs = [
      `Program ${PID} invoke [1]`,
      `Program data: ${b64Staked}`,
      `Program ${PID} consumed 5 of 200000 compute units`,
      `Program ${PID} failed: custom program error: 0x1778`,
    ];
    expect(parseGpunetLogs(logs)).toMatchObject({ events: [], failed: true });
    expect(parseGpunetLogs(logs, { includeFailed: true }).events).toHaveLength(1);
  });

  it("Given a different programId option, When parsed, Then only that program's frames count", () => {
    const logs = [...frame(OTHER, 1, [`Program data: ${b64Staked}`]), ...frame(PID, 1, [`Program data: ${b64Claimed}`])];
    expect(parseGpunetLogs(logs, { programId: OTHER }).events.map((e) => e.name)).toEqual(["staked"]);
  });
});

describe("decode failures (X9)", () => {
  const { anchor } = randomStruct("JobClosed", rng(9));
  const good = Buffer.from(encodeEventWithAnchor("JobClosed", anchor), "base64");
  const cases: [string, string, string][] = [
    ["bad base64", "!!notbase64!!", "badBase64"],
    ["bad base64 padding", "AAAAA", "badBase64"],
    ["unknown discriminator", Buffer.concat([Buffer.alloc(8, 7), good.subarray(8)]).toString("base64"), "unknownDiscriminator"],
    ["short data", good.subarray(0, good.length - 1).toString("base64"), "shortData"],
    ["under 8 bytes", good.subarray(0, 5).toString("base64"), "shortData"],
    ["trailing bytes", Buffer.concat([good, Buffer.from([0])]).toString("base64"), "trailingBytes"],
  ];
  for (const [label, payload, reason] of cases) {
    it(`Given ${label} in a gpunet frame, When parsed, Then a typed failure (${reason}) and no throw`, () => {
      const logs = frame(PID, 1, [`Program data: ${payload}`, `Program data: ${good.toString("base64")}`]);
      const r = parseGpunetLogs(logs);
      expect(r.failures).toHaveLength(1);
      expect(r.failures[0]).toMatchObject({ reason, payload, instructionIndex: 0, eventIndex: 0 });
      expect(r.events.map((e) => [e.name, e.eventIndex])).toEqual([["jobClosed", 1]]);
    });
  }

  it("decodeEventBytes reports the expected length for a known discriminator", () => {
    const r = decodeEventBytes(good.subarray(0, 20));
    expect(r).toMatchObject({ ok: false, reason: "shortData", name: "jobClosed", byteLength: 20, expectedLength: good.length });
  });
});

describe("parseTransactionEvents", () => {
  const { anchor } = randomStruct("Withdrawn", rng(5));
  const logs = frame(PID, 1, [`Program data: ${encodeEventWithAnchor("Withdrawn", anchor)}`]);
  it("Given a landed transaction, Then its events", () => {
    expect(parseTransactionEvents({ meta: { err: null, logMessages: logs } }).events).toHaveLength(1);
  });
  it("Given meta.err set, Then no events", () => {
    expect(parseTransactionEvents({ meta: { err: { InstructionError: [0, { Custom: GPUNET_ERROR_CODE.Unauthorized }] }, logMessages: logs } })).toMatchObject({
      events: [],
      landed: false,
    });
  });
  it("Given no transaction, Then no events", () => {
    expect(parseTransactionEvents(null).events).toEqual([]);
  });
});
