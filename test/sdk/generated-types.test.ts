/**
 * Type tests of the generated layer: the IDL's account and argument names are the
 * only keys the builders take, u64 inputs are bigint-safe (a bigint, a number checked
 * at run time, or a decimal string; any other string is refused by the compiler), and
 * decoded u64 values are bigint, never number. `tsc --noEmit` checks every
 * `@ts-expect-error` below: one that no longer errors fails the typecheck.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { Address, Instruction, TransactionSigner } from "@solana/kit";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import * as G from "../../sdk/src/generated/index.ts";
import * as K from "../../sdk/src/kit/index.ts";
import * as sdk from "../../sdk/src/index.ts";

declare const signer: TransactionSigner;
declare const addr: Address;
declare const key: PublicKey;
const fixed = (a: string): string => a;

describe("generated types", () => {
  it("Given the generated inputs, Then u64 arguments are bigint-safe inputs and decoded u64 values are bigint", () => {
    expectTypeOf<G.StakeArgs["amount"]>().toEqualTypeOf<bigint | number | `${bigint}`>();
    expectTypeOf<G.StakeData["amount"]>().toEqualTypeOf<bigint>();
    expectTypeOf<G.CreateJobData["maxDuration"]>().toEqualTypeOf<bigint>();
    expectTypeOf<G.ConfigAccount["totalActiveStake"]>().toEqualTypeOf<bigint>();
    expectTypeOf<G.JobAccount["state"]>().toEqualTypeOf<number>();
    expectTypeOf<G.StakedEvent["amount"]>().toEqualTypeOf<bigint>();
    expectTypeOf<G.SlashArgs["reason"]>().toEqualTypeOf<"downtime" | "failedJob" | "fraud" | "other">();
    expectTypeOf(G.gpuModelName).returns.toEqualTypeOf<G.GpuModel | "unknown">();
    expectTypeOf(G.MAX_DURATION).toEqualTypeOf<bigint>();

    // Compile-time only: never called.
    const compileOnly = (): void => {
      G.encodeStakeData({ amount: 1n });
      G.encodeStakeData({ amount: "18446744073709551615" });
      // @ts-expect-error a u64 string must be decimal digits
      G.encodeStakeData({ amount: "12 tokens" });
      const decoded = G.decodeStakeData(G.encodeStakeData({ amount: 5n }));
      // @ts-expect-error a decoded u64 is a bigint, not a number
      const asNumber: number = decoded.amount;
      void asNumber;
      G.encodeCreateJobData({
        jobId: 1n,
        price: 1n,
        // @ts-expect-error an i64 (max_duration) is bigint-safe input too, not a boolean
        maxDuration: true,
        minGpus: 1,
        gpuModel: G.GPU_MODEL.any,
        minVramGb: 0,
        specHash: [],
        jobBump: 1,
        escrowBump: 1,
      });
    };
    void compileOnly;
  });

  it("Given a wrong account or argument name, Then it is a compile error in the core, the Kit face and the web3.js face", () => {
    expectTypeOf(K.getStakeInstructionAsync).returns.resolves.toEqualTypeOf<Instruction>();
    expectTypeOf(sdk.getStakeInstruction).returns.toEqualTypeOf<TransactionInstruction>();
    // Compile-time only: never called.
    const compileOnly = (): void => {
      // @ts-expect-error `amonut` is not an argument of stake
      G.encodeStakeData({ amonut: 1n });
      G.stakeAccountMetas(
        // @ts-expect-error `stake_vault` is spelled `stakeVault`
        { config: "a", provider: "b", stake_vault: "c", ownerToken: "d", owner: "e" },
        fixed,
      );
      // @ts-expect-error `job` is required by accept_job
      G.acceptJobAccountMetas({ config: "a", provider: "b", owner: "c" }, fixed);

      K.getStakeInstruction({ config: addr, provider: addr, stakeVault: addr, ownerToken: addr, owner: signer, amount: 1n });
      // @ts-expect-error the owner signs: it takes a TransactionSigner, not an Address
      K.getStakeInstruction({ config: addr, provider: addr, stakeVault: addr, ownerToken: addr, owner: addr, amount: 1n });
      // @ts-expect-error `ownerTokens` is no account of stake
      void K.getStakeInstructionAsync({ owner: signer, ownerTokens: addr, amount: 1n });
      // @ts-expect-error `amonut` is no input of the web3.js builder
      sdk.getStakeInstruction({ owner: key, amonut: 1n, stakeMint: key });
    };
    void compileOnly;
  });

  it("Given a parsed instruction, Then its name narrows the accounts and data to that instruction's", () => {
    const check = (parsed: G.ParsedGpunetInstruction): void => {
      if (parsed.name === "stake") {
        expectTypeOf(parsed.data.amount).toEqualTypeOf<bigint>();
        expectTypeOf(parsed.accounts.stakeVault).toEqualTypeOf<string>();
        // @ts-expect-error stake has no `reason`
        void parsed.data.reason;
      }
      if (parsed.name === "slash") expectTypeOf(parsed.data.reason).toEqualTypeOf<G.SlashReason>();
    };
    void check;
  });
});
