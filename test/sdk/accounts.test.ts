/** Account decoding checked against Anchor's BorshCoder, and memcmp offsets from the IDL layout. */
import { describe, expect, it } from "vitest";
import { PublicKey } from "@solana/web3.js";
import { GPUNET_IDL } from "../../sdk/src/idl.ts";
import { ACCOUNT_SIZES, accountFieldOffset, decodeConfig, decodeJob, decodeProvider, JOB_STATES } from "../../sdk/src/accounts.ts";
import { anchorCoder, fromAnchor, randomStruct, rng } from "./anchor-oracle.ts";
import type { GpunetError } from "../../sdk/src/errors.ts";
import { JOB_STATE } from "../../sdk/src/generated/index.ts";

function encodeAccount(name: "Config" | "Provider" | "Job", anchorData: Record<string, unknown>): Uint8Array {
  const disc = GPUNET_IDL.accounts.find((a) => a.name === name)?.discriminator as number[];
  return new Uint8Array(Buffer.concat([Buffer.from(disc), anchorCoder.types.encode(name.charAt(0).toLowerCase() + name.slice(1), anchorData)]));
}

const toSdk = (v: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === "string" && x.length >= 32 ? new PublicKey(x) : x]));

describe("account decoders vs Anchor's BorshCoder", () => {
  it("Given random and boundary Config/Provider/Job bytes, Then the decoders equal Anchor's decoding (bigint, PublicKey, string unions)", () => {
    const r = rng(11);
    for (let i = 0; i < 50; i++) {
      const c = randomStruct("Config", r);
      const cfg = decodeConfig(encodeAccount("Config", c.anchor));
      expect(cfg).toEqual(toSdk(c.sdk));
      expect(cfg).toEqual(toSdk(fromAnchor(anchorCoder.accounts.decode("config", Buffer.from(encodeAccount("Config", c.anchor)))) as Record<string, unknown>));

      const p = randomStruct("Provider", r);
      p.anchor.status = i % 2;
      p.sdk.status = i % 2;
      expect(decodeProvider(encodeAccount("Provider", p.anchor))).toEqual({ ...toSdk(p.sdk), status: i % 2 === 0 ? "active" : "inactive" });

      const j = randomStruct("Job", r);
      j.anchor.state = i % 8;
      j.sdk.state = i % 8;
      expect(decodeJob(encodeAccount("Job", j.anchor))).toEqual({ ...toSdk(j.sdk), state: JOB_STATES[i % 8] });
    }
  });

  it("sizes and offsets come from the IDL layout", () => {
    const c = randomStruct("Config", rng(1));
    expect(encodeAccount("Config", c.anchor).length).toBe(ACCOUNT_SIZES.config);
    const j = randomStruct("Job", rng(2));
    const bytes = encodeAccount("Job", j.anchor);
    expect(bytes.length).toBe(ACCOUNT_SIZES.job);
    const buyerAt = accountFieldOffset("job", "buyer");
    expect(new PublicKey(bytes.subarray(buyerAt, buyerAt + 32)).toBase58()).toBe(j.sdk.buyer);
    expect(bytes[accountFieldOffset("job", "state")]).toBe(j.anchor.state);
  });

  it("wrong discriminator -> AccountDecodeFailed; right one with a wrong size -> IdlMismatch; unknown state byte -> IdlMismatch", () => {
    const j = randomStruct("Job", rng(3));
    j.anchor.state = JOB_STATE.accepted;
    const bytes = encodeAccount("Job", j.anchor);
    const err = (f: () => unknown): string => {
      try {
        f();
        return "ok";
      } catch (e) {
        return (e as GpunetError).code;
      }
    };
    expect(err(() => decodeProvider(bytes))).toBe("AccountDecodeFailed");
    expect(err(() => decodeJob(bytes.subarray(0, bytes.length - 1)))).toBe("IdlMismatch");
    const bad = Uint8Array.from(bytes);
    bad[accountFieldOffset("job", "state")] = 99;
    expect(err(() => decodeJob(bad))).toBe("IdlMismatch");
  });
});
