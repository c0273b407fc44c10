/**
 * S1 (u64 range) and S2 (public keys): typed errors before anything is signed, and
 * exact bigint round trips through the builders' encoding.
 */
import { describe, expect, it } from "vitest";
import { Keypair } from "@solana/web3.js";
import bs58 from "bs58";
import { toU64, toI64, toU16, toPublicKey, toHash32 } from "../../sdk/src/inputs.ts";
import { getStakeInstruction, getCreateJobInstruction } from "../../sdk/src/instructions.ts";
import { findJobPda } from "../../sdk/src/pdas.ts";
import { createGpunetClient } from "../../sdk/src/client.ts";
import { GpunetError, isGpunetError } from "../../sdk/src/errors.ts";
import { keypairWallet } from "./localnet-fixture.ts";
import { BorshInstructionCoder, type Idl } from "@coral-xyz/anchor";
import { GPUNET_IDL_FOR_ANCHOR } from "../../sdk/src/idl.ts";
import { anchorCoder } from "./anchor-oracle.ts";

// The camel-cased coder Anchor's Program uses, with its decode method typed.
const instructionCoder = anchorCoder.instruction as BorshInstructionCoder;
void GPUNET_IDL_FOR_ANCHOR;
void ({} as Idl);
import { fromBN, type BNLike } from "./bn.ts";
import type { Connection } from "@solana/web3.js";

const U64_MAX = 2n ** 64n - 1n;

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof GpunetError) return e.code;
    throw e;
  }
  return "ok";
}

describe("S1: u64 inputs", () => {
  it("accepts 0, 1, 2^53-1, 2^53+1 (bigint) and 2^64-1 exactly", () => {
    for (const v of [0n, 1n, 2n ** 53n - 1n, 2n ** 53n + 1n, U64_MAX]) expect(toU64(v, "amount")).toBe(v);
    expect(toU64(Number.MAX_SAFE_INTEGER, "amount")).toBe(2n ** 53n - 1n);
  });
  it("rejects negative, > 2^64-1, non-integer and unsafe numbers with U64OutOfRange naming the field", () => {
    for (const v of [-1n, -1, U64_MAX + 1n, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 2 ** 53 + 2, 2 ** 64]) {
      let err: unknown;
      try {
        toU64(v, "amount");
      } catch (e) {
        err = e;
      }
      expect(isGpunetError(err, "U64OutOfRange")).toBe(true);
      expect((err as GpunetError).context.field).toBe("amount");
    }
    expect(code(() => toU64("5" as unknown as bigint, "amount"))).toBe("U64OutOfRange");
  });
  it("i64 and u16 bounds", () => {
    expect(toI64(-(2n ** 63n), "t")).toBe(-(2n ** 63n));
    expect(code(() => toI64(2n ** 63n, "t"))).toBe("U64OutOfRange");
    expect(toU16(65_535, "bps")).toBe(65_535);
    expect(code(() => toU16(65_536, "bps"))).toBe("U64OutOfRange");
  });
  it("Given 2^53+1 and 2^64-1, When encoded into stake/create_job data, Then Anchor's coder decodes the exact values", () => {
    const owner = Keypair.generate().publicKey;
    const mint = Keypair.generate().publicKey;
    for (const amount of [2n ** 53n + 1n, U64_MAX]) {
      const ix = getStakeInstruction({ owner, amount, stakeMint: mint });
      const d = instructionCoder.decode(ix.data);
      expect(d?.name).toBe("stake");
      expect(fromBN((d?.data as { amount: BNLike } | undefined)?.amount ?? { toString: () => "-1" })).toBe(amount);
      const job = getCreateJobInstruction({ buyer: owner, jobId: amount, price: amount, maxDuration: 1, minGpus: 1, stakeMint: mint });
      const jd = instructionCoder.decode(job.data)?.data as { jobId: BNLike; price: BNLike };
      expect(fromBN(jd.jobId)).toBe(amount);
      expect(fromBN(jd.price)).toBe(amount);
      expect(job.keys[1]?.pubkey.equals(findJobPda(owner, amount)[0])).toBe(true);
    }
  });
});

describe("S2: public keys", () => {
  const good = Keypair.generate().publicKey;
  it("accepts PublicKey, base58 and 32 bytes", () => {
    expect(toPublicKey(good, "owner").equals(good)).toBe(true);
    expect(toPublicKey(good.toBase58(), "owner").equals(good)).toBe(true);
    expect(toPublicKey(good.toBytes(), "owner").equals(good)).toBe(true);
  });
  it("rejects bad base58, 31 and 33 bytes (as base58 and raw) with InvalidPublicKey", () => {
    const bad = [
      "0OIl",
      "not a key",
      "",
      bs58.encode(new Uint8Array(31).fill(1)),
      bs58.encode(new Uint8Array(33).fill(1)),
      new Uint8Array(31),
      new Uint8Array(33),
    ];
    for (const v of bad) expect(code(() => toPublicKey(v as string, "owner"))).toBe("InvalidPublicKey");
  });
  it("32-byte hashes are checked", () => {
    expect(toHash32(undefined, "h")).toEqual(new Uint8Array(32));
    expect(code(() => toHash32(new Uint8Array(31), "h"))).toBe("InvalidInput");
  });
});

describe("S1/S2 through the client: rejected before signing or any RPC", () => {
  // A connection that fails every call: the validation must fire first.
  const dead = new Proxy({}, { get: () => () => Promise.reject(new Error("no RPC expected")) }) as unknown as Connection;
  const wallet = keypairWallet();
  const client = createGpunetClient({ connection: dead, wallet });
  it("stake with a negative, fractional, unsafe or too large amount -> U64OutOfRange, wallet never asked to sign", async () => {
    for (const amount of [-1, 0.5, 2 ** 53 + 2, U64_MAX + 1n]) {
      const builders = client.instructions.requestUnstake({ amount });
      await expect(builders).rejects.toMatchObject({ code: "U64OutOfRange" });
      await expect(client.requestUnstake({ amount })).rejects.toMatchObject({ code: "U64OutOfRange" });
    }
    expect(wallet.signCount).toBe(0);
  });
  it("a bad public key -> InvalidPublicKey before signing", async () => {
    await expect(client.acceptJob({ job: { address: "bad-key" } })).rejects.toMatchObject({ code: "InvalidPublicKey" });
    await expect(client.acceptJob({ job: { address: bs58.encode(new Uint8Array(33)) } })).rejects.toMatchObject({ code: "InvalidPublicKey" });
    expect(() => createGpunetClient({ connection: dead, programId: "xyz0" })).toThrow(GpunetError);
    expect(wallet.signCount).toBe(0);
  });
});
