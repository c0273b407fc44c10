/**
 * Type-level tests: u64 fields are bigint, enums are string unions, pubkeys are
 * PublicKey in accounts and string|Uint8Array in events, and no `any` or BN leaks
 * into the exported types.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import * as sdk from "../../sdk/src/index.ts";
import type {
  Config,
  Provider,
  Job,
  JobState,
  GpunetEvent,
  GpunetEventOf,
  SendResult,
  ClaimAllResult,
  GpunetClient,
  GpunetErrorCode,
  ParsedGpunetLogs,
} from "../../sdk/src/index.ts";

type IsAny<T> = 0 extends 1 & T ? true : false;
/** True when `any` appears anywhere in T's (plain-data) structure. */
type HasAny<T, Depth extends unknown[] = []> = Depth["length"] extends 4
  ? false
  : IsAny<T> extends true
    ? true
    : T extends bigint | number | string | boolean | null | undefined | Uint8Array | PublicKey
      ? false
      : T extends readonly (infer E)[]
        ? HasAny<E, [...Depth, 0]>
        : T extends object
          ? true extends { [K in keyof T]: HasAny<T[K], [...Depth, 0]> }[keyof T]
            ? true
            : false
          : false;

type Scalar = bigint | number | boolean | PublicKey | Uint8Array | string;

describe("exported types", () => {
  it("account fields: u64/i64/u128 are bigint, pubkeys PublicKey, enums string unions", () => {
    expectTypeOf<Config["totalActiveStake"]>().toEqualTypeOf<bigint>();
    expectTypeOf<Config["accRewardPerStake"]>().toEqualTypeOf<bigint>();
    expectTypeOf<Config["unbondingPeriod"]>().toEqualTypeOf<bigint>();
    expectTypeOf<Config["admin"]>().toEqualTypeOf<PublicKey>();
    expectTypeOf<Config["protocolFeeBps"]>().toEqualTypeOf<number>();
    expectTypeOf<Config["paused"]>().toEqualTypeOf<boolean>();
    expectTypeOf<Provider["activeStake"]>().toEqualTypeOf<bigint>();
    expectTypeOf<Provider["status"]>().toEqualTypeOf<"active" | "inactive">();
    expectTypeOf<Provider["metadataHash"]>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<Job["state"]>().toEqualTypeOf<JobState>();
    expectTypeOf<JobState>().toEqualTypeOf<"open" | "accepted" | "submitted" | "disputed" | "completed" | "cancelled" | "expired" | "resolved">();
    expectTypeOf<Job["price"]>().toEqualTypeOf<bigint>();
    expectTypeOf<Config[keyof Config]>().toEqualTypeOf<bigint | number | boolean | PublicKey>();
    expectTypeOf<Job[keyof Job]>().toMatchTypeOf<Scalar>();
  });

  it("events: a discriminated union on camelCase names with bigint amounts", () => {
    expectTypeOf<GpunetEvent["name"]>().toEqualTypeOf<sdk.GpunetEventName>();
    expectTypeOf<GpunetEventOf<"staked">["data"]["amount"]>().toEqualTypeOf<bigint>();
    expectTypeOf<GpunetEventOf<"staked">["data"]["accRewardPerStake"]>().toEqualTypeOf<bigint>();
    expectTypeOf<GpunetEventOf<"staked">["data"]["provider"]>().toEqualTypeOf<string>();
    expectTypeOf<GpunetEventOf<"staked", Uint8Array>["data"]["provider"]>().toEqualTypeOf<Uint8Array>();
    // IDL enums in events are their variants' names
    expectTypeOf<GpunetEventOf<"slashed">["data"]["reason"]>().toEqualTypeOf<"downtime" | "failedJob" | "fraud" | "other">();
    expectTypeOf<GpunetEventOf<"slashed">["data"]["reason"]>().toEqualTypeOf<sdk.SlashReason>();
    expectTypeOf<GpunetEventOf<"jobCompleted">["data"]["endReason"]>().toEqualTypeOf<
      "completedByBuyer" | "completedByTimeout" | "cancelled" | "expiredUnaccepted" | "expiredUndelivered" | "disputeResolved"
    >();
    expectTypeOf<GpunetEventOf<"rewardsReleased">["data"]["amount"]>().toEqualTypeOf<bigint>();
    expectTypeOf<GpunetEventOf<"jobCompleted">["data"]["byTimeout"]>().toEqualTypeOf<boolean>();
    expectTypeOf<GpunetEventOf<"slashed">["data"]["evidenceHash"]>().toEqualTypeOf<Uint8Array>();
    expectTypeOf<GpunetEventOf<"rewardsFunded">["data"]["source"]>().toEqualTypeOf<number>();
    expectTypeOf(sdk.parseGpunetLogs([], { pubkeys: "bytes" })).toEqualTypeOf<ParsedGpunetLogs<Uint8Array>>();
    expectTypeOf(sdk.parseGpunetLogs([])).toEqualTypeOf<ParsedGpunetLogs<string>>();
    const narrow = (e: GpunetEvent): bigint | null => (e.name === "rewardsClaimed" ? e.data.amount : null);
    expectTypeOf(narrow).returns.toEqualTypeOf<bigint | null>();
  });

  it("no any anywhere in the data the SDK returns", () => {
    // The detector itself detects: (a deliberate any, test-only)
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    expectTypeOf<HasAny<{ a: { b: readonly any[] } }>>().toEqualTypeOf<true>();
    expectTypeOf<HasAny<Config>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Provider>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Job>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<GpunetEvent>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<GpunetEvent<Uint8Array>>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<ParsedGpunetLogs>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<SendResult>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Omit<ClaimAllResult, "failed">>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Awaited<ReturnType<GpunetClient["claimable"]>>>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Awaited<ReturnType<GpunetClient["listJobs"]>>>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Awaited<ReturnType<GpunetClient["fetchConfig"]>>>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Parameters<GpunetClient["stake"]>[0]>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<Parameters<GpunetClient["createJob"]>[0]>>().toEqualTypeOf<false>();
  });

  it("inputs take number | bigint; results are bigint; builders return TransactionInstruction", () => {
    expectTypeOf<Parameters<GpunetClient["stake"]>[0]["amount"]>().toEqualTypeOf<number | bigint>();
    expectTypeOf(sdk.toU64).returns.toEqualTypeOf<bigint>();
    expectTypeOf(sdk.claimable).returns.toEqualTypeOf<bigint | null>();
    expectTypeOf(sdk.getStakeInstruction).returns.toEqualTypeOf<TransactionInstruction>();
    expectTypeOf<Awaited<ReturnType<GpunetClient["stake"]>>>().toEqualTypeOf<SendResult>();
    expectTypeOf<Awaited<ReturnType<GpunetClient["instructions"]["claimRewards"]>>>().toEqualTypeOf<TransactionInstruction[]>();
  });

  it("error codes include every IDL error name and the client codes", () => {
    expectTypeOf<"NothingToClaim">().toMatchTypeOf<GpunetErrorCode>();
    expectTypeOf<"MathOverflow">().toMatchTypeOf<GpunetErrorCode>();
    expectTypeOf<
      "U64OutOfRange" | "InvalidPublicKey" | "IdlMismatch" | "BlockhashExpired" | "RateLimited" | "Transport" | "SimulationFailed"
    >().toMatchTypeOf<GpunetErrorCode>();
    expectTypeOf<"nothingToClaim">().not.toMatchTypeOf<GpunetErrorCode>();
    const e: unknown = null;
    if (sdk.isGpunetError(e, "BlockhashExpired")) expectTypeOf(e.code).toEqualTypeOf<"BlockhashExpired">();
  });

  it("BN is not among the exports", () => {
    expectTypeOf<keyof typeof sdk>().not.toEqualTypeOf<"BN">();
    expectTypeOf<"BN" extends keyof typeof sdk ? true : false>().toEqualTypeOf<false>();
    expectTypeOf<"toBN" extends keyof typeof sdk ? true : false>().toEqualTypeOf<false>();
  });
});
