import { describe, expect, expectTypeOf, it } from "vitest";
import type { RetryFailure } from "../../sdk/src/retry.ts";
import { GPUNET_IDL, GPUNET_PROGRAM_ADDRESS as PID } from "../../sdk/src/idl.ts";
import { GPUNET_ERROR_CODE } from "../../sdk/src/generated/index.ts";
import { GpunetError, decodeFailure, errorFromFailure, isGpunetError, programErrorInfo, transactionErrorName } from "../../sdk/src/errors.ts";

const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";

describe("program error decoding (pure)", () => {
  it("every IDL error is known by number and name", () => {
    for (const e of GPUNET_IDL.errors) {
      expect(programErrorInfo(e.code)?.name).toBe(e.name);
      expect(programErrorInfo(e.name)?.number).toBe(e.code);
    }
  });
  it("Given only a status { Custom: n } (no logs), Then the IDL name", () => {
    const e = errorFromFailure({ InstructionError: [1, { Custom: GPUNET_ERROR_CODE.NothingToClaim }] }, null, PID, "TransactionFailed", { signature: "sig" });
    expect(e.code).toBe("NothingToClaim");
    expect(e.context).toMatchObject({ programErrorNumber: GPUNET_ERROR_CODE.NothingToClaim, instructionIndex: 1, signature: "sig" });
  });
  it("Given only gpunet's 'failed: custom program error: 0x..' log line (no status), Then the IDL name", () => {
    expect(decodeFailure(undefined, [`Program ${PID} invoke [1]`, `Program ${PID} failed: custom program error: 0x1771`], PID).name).toBe("Paused");
  });
  it("Given transaction errors as the RPC returns them, When named, Then the variant is read from the object, not its text", () => {
    expect(transactionErrorName("AccountNotFound")).toBe("AccountNotFound");
    expect(transactionErrorName({ InstructionError: [2, "ComputationalBudgetExceeded"] })).toBe("ComputationalBudgetExceeded");
    expect(transactionErrorName({ InstructionError: [0, { Custom: 1 }] })).toBe("Custom");
    expect(transactionErrorName({ InsufficientFundsForRent: { account_index: 1 } })).toBe("InsufficientFundsForRent");
    // A string that merely contains a name is not that error.
    expect(transactionErrorName({ note: "AccountNotFound" })).toBe("note");
    expect(transactionErrorName(null)).toBeUndefined();
  });
  it("Given an error narrowed by code, Then its context has that code's fields, typed", () => {
    const e: unknown = new GpunetError("BlockhashExpired", "expired", { signature: "sig" });
    if (!isGpunetError(e, "BlockhashExpired")) throw new Error("not narrowed");
    expectTypeOf(e.context.signature).toEqualTypeOf<string>();
    const t: unknown = new GpunetError("Transport", "x", { failure: { kind: "json-rpc", code: -32602 } });
    if (isGpunetError(t, "Transport")) {
      expectTypeOf(t.context.failure).toEqualTypeOf<RetryFailure>();
      expect(t.context.failure).toEqual({ kind: "json-rpc", code: -32602 });
    }
    const any: unknown = t;
    if (isGpunetError(any)) {
      // Across codes, a field another code carries reads as undefined (no cast needed).
      expectTypeOf(any.context.signature).toEqualTypeOf<string | undefined>();
      if (any.code === "RateLimited") expectTypeOf(any.context.httpStatus).toEqualTypeOf<429>();
    }
    // @ts-expect-error BlockhashExpired needs the signature
    void new GpunetError("BlockhashExpired", "x", {});
    // @ts-expect-error a Transport error says what failed
    void new GpunetError("Transport", "x", { httpStatus: 500 });
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
  // idl-literal-ok: Anchor's first custom error, in the title
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
