import { describe, expect, it } from "vitest";
import { GPUNET_IDL, GPUNET_PROGRAM_ADDRESS as PID } from "../../sdk/src/idl.ts";
import { GpunetError, decodeFailure, errorFromFailure, isGpunetError, programErrorInfo } from "../../sdk/src/errors.ts";

const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";

describe("program error decoding (pure)", () => {
  it("every IDL error is known by number and name", () => {
    for (const e of GPUNET_IDL.errors) {
      expect(programErrorInfo(e.code)?.name).toBe(e.name);
      expect(programErrorInfo(e.name)?.number).toBe(e.code);
    }
  });
  it("Given only a status { Custom: n } (no logs), Then the IDL name", () => {
    const e = errorFromFailure({ InstructionError: [1, { Custom: 6024 }] }, null, PID, "TransactionFailed", { signature: "sig" });
    expect(e.code).toBe("NothingToClaim");
    expect(e.context).toMatchObject({ programErrorNumber: 6024, instructionIndex: 1, signature: "sig" });
  });
  it("Given a 'custom program error: 0x..' message only, Then the IDL name", () => {
    expect(decodeFailure(undefined, undefined, PID, "Transaction simulation failed: Error processing Instruction 0: custom program error: 0x1771").name).toBe(
      "Paused",
    );
  });
  it("Given the token program failing inside gpunet's CPI, Then its Custom(1) is not named after gpunet's 6001/1", () => {
    const logs = [
      `Program ${PID} invoke [1]`,
      `Program ${TOKEN} invoke [2]`,
      "Program log: Error: insufficient funds",
      `Program ${TOKEN} failed: custom program error: 0x1`,
      `Program ${PID} failed: custom program error: 0x1`,
    ];
    const e = errorFromFailure({ InstructionError: [0, { Custom: 1 }] }, logs, PID, "TransactionFailed");
    expect(e.code).toBe("TransactionFailed");
    expect(e.isProgramError).toBe(false);
    expect(e.context.programId).toBe(TOKEN);
  });
  it("an unknown number >= 6000 from gpunet is UnknownProgramError; a non-program failure keeps the fallback", () => {
    expect(errorFromFailure({ InstructionError: [0, { Custom: 6999 }] }, null, PID, "SimulationFailed").code).toBe("UnknownProgramError");
    expect(errorFromFailure("AccountNotFound", [], PID, "SimulationFailed").code).toBe("SimulationFailed");
  });
  it("isGpunetError narrows by one code or a list", () => {
    const e: unknown = new GpunetError("RateLimited", "x", { httpStatus: 429 });
    expect(isGpunetError(e)).toBe(true);
    expect(isGpunetError(e, "RateLimited")).toBe(true);
    expect(isGpunetError(e, ["Transport", "RateLimited"])).toBe(true);
    expect(isGpunetError(e, "Transport")).toBe(false);
    expect(isGpunetError(new Error("x"))).toBe(false);
  });
});
