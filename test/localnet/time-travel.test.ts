/**
 * Time travel through the gpunet_ JSON-RPC methods: slots, the Clock sysvar
 * and blockhash expiry (150 blocks).
 */
import { Connection, Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction, SYSVAR_CLOCK_PUBKEY } from "@solana/web3.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalnet, type Localnet } from "../../localnet/src/index.ts";
import { rpc, rpcResult } from "./helpers.ts";

let net: Localnet;
beforeEach(async () => {
  net = await createLocalnet({ rpcPort: 0, slotMs: 0, finalizedDepth: 4 });
});
afterEach(async () => {
  await net.close();
});

interface ClockView {
  slot: bigint;
  epoch: bigint;
  unixTimestamp: bigint;
}
async function clockSysvar(url: string): Promise<ClockView> {
  const info = await new Connection(url).getAccountInfo(SYSVAR_CLOCK_PUBKEY, "processed");
  const d = info?.data ?? Buffer.alloc(40);
  return { slot: d.readBigUInt64LE(0), epoch: d.readBigUInt64LE(16), unixTimestamp: d.readBigInt64LE(32) };
}

describe("time travel", () => {
  it("Given gpunet_advanceSlots, When called, Then getSlot and the Clock sysvar move together", async () => {
    const before = await rpcResult<number>(net.rpcUrl, "getSlot", [{ commitment: "processed" }]);
    const t0 = (await clockSysvar(net.rpcUrl)).unixTimestamp;
    const r = await rpcResult<{ slot: number }>(net.rpcUrl, "gpunet_advanceSlots", [{ slots: 1000 }]);
    expect(r.slot).toBe(before + 1000);
    expect(await rpcResult<number>(net.rpcUrl, "getSlot", [{ commitment: "processed" }])).toBe(before + 1000);
    const c = await clockSysvar(net.rpcUrl);
    expect(c.slot).toBe(BigInt(before + 1000));
    // 1000 slots of 400 ms = 400 s of cluster time.
    expect(c.unixTimestamp - t0).toBe(400n);
    // Warm-up epochs of 32, 64, 128, 256, 512 slots end at 992, so slot 1000 is in epoch 5 (1024 slots).
    expect(c.epoch).toBe(5n);
    // After the jump, a finalized blockhash is still usable for sending.
    const fin = await rpcResult<{ value: { blockhash: string } }>(net.rpcUrl, "getLatestBlockhash", [{ commitment: "finalized" }]);
    expect((await rpcResult<{ value: boolean }>(net.rpcUrl, "isBlockhashValid", [fin.value.blockhash])).value).toBe(true);
    // SlotHashes follows the clock too (newest first), as programs reading it expect.
    expect(net.svm.getSlotHashes()[0]?.slot).toBe(BigInt(before + 1000));
    const info = await rpcResult<{ epoch: number; slotIndex: number; slotsInEpoch: number }>(net.rpcUrl, "getEpochInfo", [{ commitment: "processed" }]);
    expect(info).toMatchObject({ epoch: 5, slotIndex: 1000 - 992, slotsInEpoch: 1024 });
  });

  it("Given gpunet_advanceClock and gpunet_setClock, When called, Then unix_timestamp moves and the slot does not", async () => {
    const c0 = await clockSysvar(net.rpcUrl);
    await rpcResult(net.rpcUrl, "gpunet_advanceClock", [{ seconds: 86_400 }]);
    const c1 = await clockSysvar(net.rpcUrl);
    expect(c1.unixTimestamp - c0.unixTimestamp).toBe(86_400n);
    expect(c1.slot).toBe(c0.slot);
    await rpcResult(net.rpcUrl, "gpunet_setClock", [{ unixTimestamp: 2_000_000_000 }]);
    expect((await clockSysvar(net.rpcUrl)).unixTimestamp).toBe(2_000_000_000n);
    await rpcResult(net.rpcUrl, "gpunet_setClock", [{ slot: Number(c0.slot) + 50 }]);
    const c2 = await clockSysvar(net.rpcUrl);
    expect(c2.slot).toBe(c0.slot + 50n);
    // Jumping 50 slots also moves cluster time by 50 * 400 ms.
    expect(c2.unixTimestamp).toBe(2_000_000_020n);
    expect((await rpc(net.rpcUrl, "gpunet_setClock", [{ slot: 1 }])).error).toMatchObject({ code: -32602 });
    expect((await rpc(net.rpcUrl, "gpunet_advanceClock", [{ seconds: -5 }])).error).toMatchObject({ code: -32602 });
    expect((await rpc(net.rpcUrl, "gpunet_advanceSlots", [{ slots: "x" }])).error).toMatchObject({ code: -32602 });
    // The library API does the same.
    net.advanceClock(60);
    expect((await clockSysvar(net.rpcUrl)).unixTimestamp).toBe(2_000_000_080n);
  });

  it("Given a blockhash, When 150 blocks pass it is still valid, and at 151 it expires for sending", async () => {
    const connection = new Connection(net.rpcUrl, "processed");
    const payer = Keypair.generate();
    net.airdrop(payer.publicKey, BigInt(LAMPORTS_PER_SOL));
    const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash("processed");
    const height = await connection.getBlockHeight("processed");
    expect(lastValidBlockHeight).toBe(height + 150);
    net.advanceSlots(150);
    expect((await connection.isBlockhashValid(blockhash, { commitment: "processed" })).value).toBe(true);
    net.advanceSlots(1);
    expect((await connection.isBlockhashValid(blockhash, { commitment: "processed" })).value).toBe(false);
    const tx = new Transaction({ feePayer: payer.publicKey, blockhash, lastValidBlockHeight }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: LAMPORTS_PER_SOL / 2 }),
    );
    tx.sign(payer);
    const reply = await rpc(net.rpcUrl, "sendTransaction", [tx.serialize().toString("base64"), { encoding: "base64" }]);
    expect(reply.error).toMatchObject({ code: -32002, message: "Transaction simulation failed: Blockhash not found", data: { err: "BlockhashNotFound" } });
    // With skipPreflight the id comes back but the transaction never lands.
    const skipped = await rpcResult<string>(net.rpcUrl, "sendTransaction", [tx.serialize().toString("base64"), { encoding: "base64", skipPreflight: true }]);
    expect((await rpcResult<{ value: unknown[] }>(net.rpcUrl, "getSignatureStatuses", [[skipped]])).value[0]).toBeNull();
  });

  it("Given slots with different times, When getBlockTime is asked, Then block times are monotonic and follow the clock jumps", async () => {
    net.advanceSlots(5);
    const t5 = await rpcResult<number>(net.rpcUrl, "getBlockTime", [4]);
    net.advanceClock(3600);
    net.advanceSlots(5);
    const t9 = await rpcResult<number>(net.rpcUrl, "getBlockTime", [9]);
    expect(t9 - t5).toBeGreaterThanOrEqual(3600);
    expect((await rpc(net.rpcUrl, "getBlockTime", [10_000])).error).toMatchObject({ code: -32004 });
  });
});
