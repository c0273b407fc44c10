import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initializeGpunet, keypairWallet, startSdkNet, type SdkNet } from "./localnet-fixture.ts";
import type { GpunetClient } from "../../sdk/src/client.ts";
import { GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";

let s: SdkNet;
let adminClient: GpunetClient;

beforeAll(async () => {
  s = await startSdkNet();
  ({ adminClient } = await initializeGpunet(s));
});
afterAll(async () => {
  await s?.close();
});

describe("provider flow over localnet HTTP RPC", () => {
  it("Given an initialized program, When a provider registers, stakes, is funded and claims, Then claimable equals what the claim pays", async () => {
    const cfg = await adminClient.fetchConfig();
    expect(cfg.data.stakeMint.equals(s.mint)).toBe(true);
    const ownerKp = await s.user(1_000_000n);
    const owner = keypairWallet(ownerKp);
    const c = s.client(owner);
    const reg = await c.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 2, vramGb: 80, region: REGION.europe });
    expect(reg.events.map((e) => e.name)).toEqual(["providerRegistered"]);
    const st = await c.stake({ amount: 400_000n });
    expect(st.events.map((e) => e.name)).toEqual(["staked"]);
    expect(st.eventsComplete).toBe(true);
    const funder = keypairWallet(await s.user(1_000n));
    const fr = await s.client(funder).fundRewards({ amount: 777 });
    // (a reward period of 0 here: the funding is released at once, RewardsReleased first)
    expect(fr.events.map((e) => e.name)).toEqual(["rewardsReleased", "rewardsFunded"]);
    const expected = await c.claimable();
    expect(expected).toBeGreaterThan(0n);
    const before = await s.tokenBalance(ownerKp.publicKey);
    const cl = await c.claimRewards();
    const ev = cl.events.find((e) => e.name === "rewardsClaimed");
    if (ev?.name !== "rewardsClaimed") throw new Error("no rewardsClaimed");
    expect(ev.data.amount).toBe(expected);
    expect((await s.tokenBalance(ownerKp.publicKey)) - before).toBe(expected);
  });

  it("Given an owner whose token account was closed, When it claims, Then the SDK creates the account in the same transaction and pays into it", async () => {
    const { closeAccount, getAssociatedTokenAddressSync } = await import("@solana/spl-token");
    const ownerKp = await s.user(5_000n);
    const c = s.client(keypairWallet(ownerKp));
    await c.registerProvider({ gpuModel: GPU_MODEL.h100, gpuCount: 1, vramGb: 8, region: REGION.unspecified });
    await c.stake({ amount: 5_000n });
    const ata = getAssociatedTokenAddressSync(s.mint, ownerKp.publicKey);
    await closeAccount(s.connection, ownerKp, ata, ownerKp.publicKey, ownerKp);
    expect(await s.connection.getAccountInfo(ata)).toBeNull();
    await s.client(keypairWallet(await s.user(1_000n))).fundRewards({ amount: 1_000n });
    const want = await c.claimable();
    const r = await c.claimRewards();
    const ev = r.events.find((e) => e.name === "rewardsClaimed");
    if (ev?.name !== "rewardsClaimed") throw new Error("no claim");
    expect(ev.data.amount).toBe(want);
    expect(await s.tokenBalance(ownerKp.publicKey)).toBe(want);
  });
});
