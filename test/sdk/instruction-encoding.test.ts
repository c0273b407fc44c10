/** Every builder's instruction bytes, decoded by Anchor's own coder, give back the inputs exactly. */
import { describe, expect, it } from "vitest";
import { Keypair, PublicKey } from "@solana/web3.js";
import type { BorshInstructionCoder } from "@coral-xyz/anchor";
import * as sdk from "../../sdk/src/index.ts";
import { anchorCoder, fromAnchor, rng } from "./anchor-oracle.ts";
import { GPUNET_IDL } from "../../sdk/src/idl.ts";
import { GPU_MODEL, PROVIDER_STATUS, REGION } from "../../sdk/src/generated/index.ts";

const coder = anchorCoder.instruction as BorshInstructionCoder;
const key = (): PublicKey => Keypair.generate().publicKey;
const hash = (r: () => number): Uint8Array => Uint8Array.from({ length: 32 }, () => Math.floor(r() * 256));
const U64_MAX = 2n ** 64n - 1n;
const I64_MIN = -(2n ** 63n);

function decoded(ix: { data: Buffer }): { name: string; data: Record<string, unknown> } {
  const d = coder.decode(ix.data);
  if (!d) throw new Error("Anchor could not decode the instruction");
  return { name: d.name, data: fromAnchor(d.data) as Record<string, unknown> };
}

describe("instruction data vs Anchor's BorshInstructionCoder", () => {
  const r = rng(5);
  const [owner, mint, buyer, admin, treasury] = [key(), key(), key(), key(), key()];
  const [config, configBump] = sdk.findConfigPda();
  const cases: [string, { data: Buffer }, Record<string, unknown>][] = [
    [
      "initialize",
      sdk.getInitializeInstruction({
        admin,
        stakeMint: mint,
        treasury,
        slashAuthority: owner,
        minStakePerGpu: U64_MAX,
        unbondingPeriod: I64_MIN,
        challengeWindow: 2n ** 63n - 1n,
        protocolFeeBps: 65_535,
        slashCapBps: 0,
      }),
      {
        minStakePerGpu: U64_MAX,
        unbondingPeriod: I64_MIN,
        challengeWindow: 2n ** 63n - 1n,
        slashAuthority: owner.toBase58(),
        protocolFeeBps: 65_535,
        slashCapBps: 0,
        configBump,
        rewardVaultBump: sdk.findRewardVaultPda()[1],
      },
    ],
    [
      "updateConfig",
      sdk.getUpdateConfigInstruction({ admin, changes: { paused: true, minStakePerGpu: 7n, treasury } }),
      {
        newAdmin: PublicKey.default.toBase58(),
        newSlashAuthority: PublicKey.default.toBase58(),
        minStakePerGpu: 7n,
        unbondingPeriod: 0n,
        challengeWindow: 0n,
        mask: sdk.CONFIG_MASK.minStakePerGpu | sdk.CONFIG_MASK.paused | sdk.CONFIG_MASK.treasury,
        protocolFeeBps: 0,
        slashCapBps: 0,
        paused: true,
      },
    ],
    [
      "registerProvider",
      sdk.getRegisterProviderInstruction({
        owner,
        stakeMint: mint,
        gpuModel: GPU_MODEL.h100,
        gpuCount: 2,
        vramGb: 3,
        region: REGION.asia,
        metadataHash: new Uint8Array(32).fill(7),
      }),
      {
        gpuModel: GPU_MODEL.h100,
        gpuCount: 2,
        vramGb: 3,
        region: REGION.asia,
        metadataHash: new Uint8Array(32).fill(7),
        providerBump: sdk.findProviderPda(owner)[1],
        vaultBump: sdk.findStakeVaultPda(sdk.findProviderPda(owner)[0])[1],
      },
    ],
    [
      "updateProvider",
      sdk.getUpdateProviderInstruction({ owner, gpuModel: GPU_MODEL.t4, gpuCount: 8, vramGb: 7, region: REGION.africa, status: "inactive" }),
      { gpuModel: GPU_MODEL.t4, gpuCount: 8, vramGb: 7, region: REGION.africa, status: PROVIDER_STATUS.inactive, metadataHash: new Uint8Array(32) },
    ],
    ["stake", sdk.getStakeInstruction({ owner, amount: U64_MAX, stakeMint: mint }), { amount: U64_MAX }],
    ["requestUnstake", sdk.getRequestUnstakeInstruction({ owner, amount: 2n ** 53n + 1n }), { amount: 2n ** 53n + 1n }],
    ["withdrawUnstaked", sdk.getWithdrawUnstakedInstruction({ owner, stakeMint: mint }), {}],
    ["fundRewards", sdk.getFundRewardsInstruction({ funder: owner, amount: 1, stakeMint: mint }), { amount: 1n }],
    ["claimRewards", sdk.getClaimRewardsInstruction({ owner, stakeMint: mint }), {}],
    [
      "slash",
      sdk.getSlashInstruction({ slashAuthority: admin, providerOwner: owner, treasury, amount: 5n, reason: "other", evidenceHash: new Uint8Array(32).fill(1) }),
      { amount: 5n, reason: "other", evidenceHash: new Uint8Array(32).fill(1) },
    ],
    [
      "createJob",
      sdk.getCreateJobInstruction({
        buyer,
        jobId: U64_MAX,
        price: 10n,
        maxDuration: 60,
        minGpus: 1,
        gpuModel: GPU_MODEL.a100,
        minVramGb: 3,
        specHash: new Uint8Array(32).fill(4),
        stakeMint: mint,
      }),
      {
        jobId: U64_MAX,
        price: 10n,
        maxDuration: 60n,
        minGpus: 1,
        gpuModel: GPU_MODEL.a100,
        minVramGb: 3,
        specHash: new Uint8Array(32).fill(4),
        jobBump: sdk.findJobPda(buyer, U64_MAX)[1],
        escrowBump: sdk.findEscrowPda(sdk.findJobPda(buyer, U64_MAX)[0])[1],
      },
    ],
    ["cancelJob", sdk.getCancelJobInstruction({ buyer, job: { buyer, jobId: 1 }, stakeMint: mint }), {}],
    ["acceptJob", sdk.getAcceptJobInstruction({ owner, job: { buyer, jobId: 1 } }), {}],
    ["submitResult", sdk.getSubmitResultInstruction({ owner, job: { buyer, jobId: 1 }, resultHash: hash(r) }), {}],
    [
      "completeJob",
      sdk.getCompleteJobInstruction({ authority: buyer, job: { buyer, jobId: 1 }, providerOwner: owner, providerPayout: { owner, stakeMint: mint } }),
      {},
    ],
    ["disputeJob", sdk.getDisputeJobInstruction({ buyer, job: { buyer, jobId: 1 } }), { reasonHash: new Uint8Array(32) }],
    [
      "resolveDispute",
      sdk.getResolveDisputeInstruction({
        admin,
        job: { buyer, jobId: 1 },
        providerOwner: owner,
        providerPayout: { owner, stakeMint: mint },
        buyerRefund: { owner: buyer, stakeMint: mint },
        providerShareBps: sdk.MAX_PROVIDER_SHARE_BPS,
      }),
      { providerShareBps: sdk.MAX_PROVIDER_SHARE_BPS },
    ],
    [
      "expireJob",
      sdk.getExpireJobInstruction({ caller: admin, job: { buyer, jobId: 1 }, providerOwner: owner, buyerRefund: { owner: buyer, stakeMint: mint } }),
      {},
    ],
    ["closeJob", sdk.getCloseJobInstruction({ caller: admin, job: { buyer, jobId: 1 }, buyer, treasury }), {}],
  ];

  it("covers every IDL instruction", () => {
    expect(cases.map((c) => c[0]).sort()).toEqual(GPUNET_IDL.instructions.map((i) => sdk.camelCase(i.name)).sort());
  });

  for (const [name, ix, expected] of cases) {
    it(`${name}: Anchor decodes the same name and arguments`, () => {
      const d = decoded(ix);
      expect(d.name).toBe(name);
      for (const [k, v] of Object.entries(expected)) expect(d.data[k]).toEqual(v);
    });
  }

  it("account metas follow the IDL order and flags, with Config derived", () => {
    const ix = sdk.getStakeInstruction({ owner, amount: 1, stakeMint: mint });
    const idl = GPUNET_IDL.instructions.find((i) => i.name === "stake");
    expect(ix.keys.map((k) => [k.isSigner, k.isWritable])).toEqual(idl?.accounts.map((a) => [a.signer === true, a.writable === true]));
    expect(ix.keys[0]?.pubkey.equals(config)).toBe(true);
  });
});
