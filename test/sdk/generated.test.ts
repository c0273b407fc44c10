/**
 * The generated core, instruction by instruction: its data bytes equal Anchor's
 * BorshInstructionCoder and a Codama-generated Kit client's for random and boundary
 * arguments; the decoders give the arguments back; a whole instruction (data and
 * accounts) parses back to the accounts by name; the Kit face builds the same
 * accounts, roles and bytes as the Codama client; account and event decoders equal
 * the SDK's IDL-driven ones.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { BorshInstructionCoder } from "@coral-xyz/anchor";
import { Keypair, PublicKey } from "@solana/web3.js";
import { generateKeyPairSigner, type Address, type Instruction, type TransactionSigner } from "@solana/kit";
import * as G from "../../sdk/src/generated/index.ts";
import * as K from "../../sdk/src/kit/index.ts";
import { GPUNET_IDL, camelCase } from "../../sdk/src/idl.ts";
import { layoutFields, type FieldLayout } from "../../sdk/src/layout.ts";
import { decodeConfig, decodeJob, decodeProvider } from "../../sdk/src/accounts.ts";
import { decodeEventBytes } from "../../sdk/src/events.ts";
import { isGpunetError } from "../../sdk/src/errors.ts";
import { decodeBase58 } from "../../sdk/src/encoding.ts";
import bs58 from "bs58";
import type { GpunetInstruction } from "../../sdk/src/core/values.ts";
import { toBN } from "./bn.ts";
import { anchorCoder, randomStruct, rng } from "./anchor-oracle.ts";
import { loadCodamaClient, type CodamaClient } from "./codama-client.ts";
import { GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";

const coder = anchorCoder.instruction as BorshInstructionCoder;
const pascal = (s: string): string => s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
type Any = Record<string, unknown>;
type Encoder = { encode(v: unknown): Uint8Array };

function randBig(r: () => number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(r() * 65536));
  return v & ((1n << BigInt(bits)) - 1n);
}

/** One random argument: the SDK input, the decoded value, Anchor's and Codama's input. */
function randomArg(f: FieldLayout, r: () => number): { sdk: unknown; out: unknown; anchor: unknown; codama: unknown } {
  const edge = r();
  switch (f.kind) {
    case "u8": {
      const v = edge < 0.2 ? 255 : Math.floor(r() * 256);
      return { sdk: v, out: v, anchor: v, codama: v };
    }
    case "u16": {
      const v = edge < 0.2 ? 65535 : Math.floor(r() * 65536);
      return { sdk: v, out: v, anchor: v, codama: v };
    }
    case "bool": {
      const v = r() < 0.5;
      return { sdk: v, out: v, anchor: v, codama: v };
    }
    case "u64": {
      const v = edge < 0.15 ? (1n << 64n) - 1n : edge < 0.3 ? 0n : randBig(r, 64);
      // The three input forms a u64 accepts: bigint, decimal string, safe-integer number.
      const sdk = r() < 0.3 ? v.toString() : v <= BigInt(Number.MAX_SAFE_INTEGER) && r() < 0.5 ? Number(v) : v;
      return { sdk, out: v, anchor: toBN(v), codama: v };
    }
    case "i64": {
      const v = edge < 0.15 ? -(1n << 63n) : edge < 0.3 ? (1n << 63n) - 1n : randBig(r, 64) - (1n << 63n);
      return { sdk: r() < 0.3 ? v.toString() : v, out: v, anchor: toBN(v), codama: v };
    }
    case "pubkey": {
      const k = edge < 0.1 ? PublicKey.default : Keypair.generate().publicKey;
      return { sdk: r() < 0.5 ? k.toBase58() : k.toBytes(), out: k.toBase58(), anchor: k, codama: k.toBase58() };
    }
    case "bytes": {
      const b = Uint8Array.from({ length: f.size }, () => Math.floor(r() * 256));
      return { sdk: b, out: b, anchor: Array.from(b), codama: b };
    }
    case "enum": {
      const vs = f.variants ?? [];
      const i = Math.floor(r() * vs.length);
      const v = vs[i] as string;
      return { sdk: v, out: v, anchor: { [v]: {} }, codama: i };
    }
    default:
      throw new Error(`no generator for ${f.kind}`);
  }
}

function randomArgs(ixName: string, r: () => number): { sdk: Any; out: Any; anchor: Any; codama: Any } {
  const ix = GPUNET_IDL.instructions.find((i) => i.name === ixName);
  if (!ix) throw new Error(ixName);
  const o = { sdk: {} as Any, out: {} as Any, anchor: {} as Any, codama: {} as Any };
  for (const f of layoutFields(ixName, ix.args).fields) {
    const a = randomArg(f, r);
    o.sdk[f.name] = a.sdk;
    o.out[f.name] = a.out;
    o.anchor[f.name] = a.anchor;
    o.codama[f.name] = a.codama;
  }
  return o;
}

const gen = G as unknown as Any;
const kit = K as unknown as Any;
let codama: CodamaClient;

beforeAll(async () => {
  codama = await loadCodamaClient();
}, 120_000);

describe("generated instruction encoders and decoders, for every instruction", () => {
  for (const ix of GPUNET_IDL.instructions) {
    const P = pascal(ix.name);
    const c = camelCase(ix.name);

    it(`Given random and boundary ${ix.name} arguments, When encoded, Then the bytes equal Anchor's coder and the Codama client's, and decode back`, () => {
      const r = rng(ix.name.length * 7919 + 13);
      for (let round = 0; round < 40; round++) {
        const a = randomArgs(ix.name, r);
        const ours = (gen[`encode${P}Data`] as (x: Any) => Uint8Array)(a.sdk);
        const anchor = coder.encode(c, a.anchor);
        const cod = (codama[`get${P}InstructionDataEncoder`] as () => Encoder)().encode(a.codama);
        expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(anchor).toString("hex"));
        expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(cod).toString("hex"));
        expect(ours.length).toBe(gen[`${ix.name.toUpperCase()}_DATA_SIZE`]);
        expect((gen[`decode${P}Data`] as (b: Uint8Array) => Any)(ours)).toEqual(a.out);
        expect(G.identifyGpunetInstruction(ours)).toBe(c);
      }
    });

    it(`Given ${ix.name} with random accounts, When built by the core and by the Kit face, Then both parse back, and the Kit instruction equals the Codama client's`, async () => {
      const r = rng(ix.name.length * 31 + 5);
      const a = randomArgs(ix.name, r);
      const accounts: Any = {};
      const kitInput: Any = { ...a.sdk };
      const codamaInput: Any = { ...a.codama };
      for (const acc of ix.accounts) {
        const name = camelCase(acc.name);
        if (acc.signer) {
          const s: TransactionSigner = await generateKeyPairSigner();
          accounts[name] = s.address;
          kitInput[name] = s;
          codamaInput[name] = s;
        } else {
          const k = acc.address ?? Keypair.generate().publicKey.toBase58();
          accounts[name] = k;
          kitInput[name] = k;
          codamaInput[name] = k;
        }
      }
      // Given the accounts and arguments, When the core encodes the whole instruction
      const core = (gen[`encode${P}Instruction`] as (x: Any, y: Any) => GpunetInstruction)(accounts, a.sdk);
      expect(core.programAddress).toBe(GPUNET_IDL.address);
      expect(core.accounts.map((m) => [m.writable, m.signer])).toEqual(ix.accounts.map((x) => [x.writable === true, x.signer === true]));
      // Then it parses back to the same accounts (by IDL name) and arguments
      expect(G.parseGpunetInstruction(core)).toEqual({ name: c, accounts, data: a.out });
      // And the Kit face builds the Codama client's accounts, roles and data
      const ours = (kit[`get${P}Instruction`] as (x: Any) => Instruction)(kitInput);
      const theirs = (codama[`get${P}Instruction`] as (x: Any) => Instruction)(codamaInput);
      expect(ours.programAddress).toBe(theirs.programAddress);
      expect(ours.accounts?.map((m) => [m.address, m.role])).toEqual(theirs.accounts?.map((m) => [m.address, m.role]));
      expect(Buffer.from(ours.data ?? []).toString("hex")).toBe(Buffer.from(theirs.data ?? []).toString("hex"));
      expect((kit[`parse${P}Instruction`] as (x: Instruction) => unknown)(ours)).toEqual({ name: c, accounts, data: a.out });
    });
  }

  it("Given the Kit face's async builders, When PDAs and bumps are left out, Then they are derived as the web3.js face derives them", async () => {
    const owner = await generateKeyPairSigner();
    const buyer = await generateKeyPairSigner();
    const token = Keypair.generate().publicKey.toBase58() as Address;
    const stake = await K.getStakeInstructionAsync({ owner, ownerToken: token, amount: 5n });
    const parsed = K.parseStakeInstruction(stake);
    const [provider] = await K.findProviderPda(owner.address);
    expect(parsed.accounts.provider).toBe(provider);
    expect(parsed.accounts.stakeVault).toBe((await K.findStakeVaultPda(provider))[0]);
    expect(parsed.accounts.config).toBe((await K.findConfigPda())[0]);
    const create = await K.getCreateJobInstructionAsync({
      buyer,
      buyerToken: token,
      stakeMint: token,
      jobId: 42n,
      price: 1n,
      maxDuration: 60n,
      minGpus: 1,
      gpuModel: K.GPU_MODEL.h100,
      minVramGb: 0,
      specHash: new Uint8Array(32),
    });
    const job = K.parseCreateJobInstruction(create);
    const [jobPda, jobBump] = await K.findJobPda(buyer.address, 42n);
    expect(job.accounts.job).toBe(jobPda);
    expect(job.data.jobBump).toBe(jobBump);
    expect(job.data.escrowBump).toBe((await K.findEscrowPda(jobPda))[1]);
    const reg = K.parseRegisterProviderInstruction(
      await K.getRegisterProviderInstructionAsync({
        owner,
        stakeMint: token,
        gpuModel: GPU_MODEL.h100,
        gpuCount: 1,
        vramGb: 8,
        region: REGION.northAmerica,
        metadataHash: new Uint8Array(32),
      }),
    );
    expect(reg.data.vaultBump).toBe((await K.findStakeVaultPda(provider))[1]);
  });

  it("Given bad inputs, When the generated encoders see them, Then each is a typed error before any byte is returned", () => {
    const codes = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isGpunetError(e) ? e.code : "untyped";
      }
      return undefined;
    };
    expect(codes(() => G.encodeStakeData({ amount: 2n ** 64n }))).toBe("U64OutOfRange");
    expect(codes(() => G.encodeStakeData({ amount: 2 ** 53 }))).toBe("U64OutOfRange");
    expect(codes(() => G.encodeStakeData({ amount: "12x" as `${bigint}` }))).toBe("U64OutOfRange");
    expect(codes(() => G.encodeStakeData({ amount: -1n }))).toBe("U64OutOfRange");
    expect(codes(() => G.encodeSubmitResultData({ resultHash: new Uint8Array(31) }))).toBe("InvalidInput");
    expect(codes(() => G.encodeSlashData({ amount: 1n, reason: "bored" as G.SlashReason, evidenceHash: new Uint8Array(32) }))).toBe("InvalidInput");
    expect(codes(() => G.encodeInitializeInstruction({} as G.InitializeAccounts, {} as G.InitializeArgs))).toBe("InvalidPublicKey");
    expect(codes(() => G.decodeStakeData(new Uint8Array(15)))).toBe("InstructionDecodeFailed");
    expect(codes(() => G.parseGpunetInstruction({ data: new Uint8Array(16), accounts: [] }))).toBe("InstructionDecodeFailed");
    const stake = G.encodeStakeData({ amount: 1n });
    expect(codes(() => G.parseStakeInstruction({ data: stake, accounts: [] }))).toBe("InstructionDecodeFailed");
  });
});

describe("generated account and event decoders", () => {
  it("Given random Config, Provider and Job bytes, When decoded by the generated core, Then they equal the SDK's IDL-driven decoders (pubkeys base58)", () => {
    const r = rng(99);
    for (const [name, decodeOurs, decodeSdk] of [
      ["Config", G.decodeConfigAccount, decodeConfig],
      ["Provider", G.decodeProviderAccount, decodeProvider],
      ["Job", G.decodeJobAccount, decodeJob],
    ] as const) {
      for (let i = 0; i < 10; i++) {
        const { anchor } = randomStruct(name, r);
        // The SDK's decoders name the state and status bytes, so these stay within their enums.
        if (name === "Provider") anchor.status = Math.floor(r() * G.PROVIDER_STATUSES.length);
        if (name === "Job") anchor.state = Math.floor(r() * G.JOB_STATES.length);
        const body = anchorCoder.types.encode(camelCase(name), anchor);
        const disc = GPUNET_IDL.accounts.find((a) => a.name === name)?.discriminator ?? [];
        const bytes = Uint8Array.from([...disc, ...body]);
        const sdk = decodeSdk(bytes) as unknown as Any;
        const flat = Object.fromEntries(Object.entries(sdk).map(([k, v]) => [k, v instanceof PublicKey ? v.toBase58() : v]));
        if (name === "Provider") flat.status = G.PROVIDER_STATUS[sdk.status as G.ProviderStatus];
        if (name === "Job") flat.state = G.JOB_STATE[sdk.state as G.JobState];
        expect(decodeOurs(bytes)).toEqual(flat);
        expect(G.identifyGpunetAccount(bytes)).toBe(camelCase(name));
      }
    }
    expect(() => G.decodeJobAccount(new Uint8Array(G.JOB_ACCOUNT_SIZE))).toThrow(/discriminator/);
  });

  it("Given every event, When a random payload is decoded by the generated core, Then it equals the SDK's event decoder", () => {
    const r = rng(7);
    for (const ev of GPUNET_IDL.events) {
      const { anchor } = randomStruct(ev.name, r);
      const bytes = Uint8Array.from([...ev.discriminator, ...anchorCoder.types.encode(camelCase(ev.name), anchor)]);
      const sdk = decodeEventBytes(bytes);
      expect(sdk.ok).toBe(true);
      const ours = G.decodeGpunetEvent(bytes);
      expect(ours).toEqual(sdk.ok ? { name: sdk.name, data: sdk.data } : undefined);
      expect(G.decodeGpunetEvent(bytes.subarray(0, bytes.length - 1))).toBeUndefined();
    }
  });

  it("Given random keys and text, When the core's base58 decoder reads them, Then it agrees with bs58 and refuses what bs58 refuses", () => {
    const r = rng(3);
    for (let i = 0; i < 300; i++) {
      const len = i % 3 === 0 ? 32 : Math.floor(r() * 40);
      const b = Uint8Array.from({ length: len }, () => (r() < 0.1 ? 0 : Math.floor(r() * 256)));
      const text = bs58.encode(b);
      expect(decodeBase58(text)).toEqual(b);
    }
    for (const bad of ["0", "O", "I", "l", "abc!", "é"]) expect(decodeBase58(bad)).toBeNull();
    expect(decodeBase58("")).toEqual(new Uint8Array(0));
  });

  it("Given the IDL's enums and constants, Then the generated names, bytes and fallbacks match the IDL", () => {
    expect(G.JOB_STATES).toEqual(["open", "accepted", "submitted", "disputed", "completed", "cancelled", "expired", "resolved"]);
    expect(G.jobStateName(7)).toBe("resolved");
    expect(G.gpuModelName(1)).toBe("h100");
    expect(G.gpuModelName(60_000)).toBe("unknown");
    expect(G.regionName(G.REGION.europe)).toBe("europe");
    const consts = Object.fromEntries((GPUNET_IDL as unknown as { constants: { name: string; value: string }[] }).constants.map((x) => [x.name, x.value]));
    expect(String(G.MAX_PROTOCOL_FEE_BPS)).toBe(consts.MAX_PROTOCOL_FEE_BPS);
    expect(String(G.MAX_DURATION)).toBe(consts.MAX_DURATION);
    expect(Object.values(G.CONFIG_MASK).reduce((x, y) => x | y, 0)).toBe(Number(consts.CONFIG_MASK_ALL));
  });
});
