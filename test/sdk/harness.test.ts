/**
 * The SDK's builders, decoders and error mapping against the compiled program in
 * LiteSVM through the test harness (in-process, no RPC): events decoded from the
 * program's own logs, including foreign-frame and truncated variants of them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Keypair, type PublicKey, Transaction } from "@solana/web3.js";
import { createMint, getOrCreateAssociatedTokenAccount, mintTo } from "@solana/spl-token";
import { createTestEnv, SvmTransactionError, type TestEnv } from "../harness/index.ts";
import * as sdk from "../../sdk/src/index.ts";
import { errorFromFailure } from "../../sdk/src/errors.ts";
import { GPUNET_ERROR_CODE, GPU_MODEL, REGION } from "../../sdk/src/generated/index.ts";

let env: TestEnv;
let mint: PublicKey;
let admin: Keypair;
let owner: Keypair;
const PID = sdk.GPUNET_PROGRAM_ADDRESS;

async function funded(tokens: bigint): Promise<Keypair> {
  const kp = env.fundedKeypair();
  const ata = await getOrCreateAssociatedTokenAccount(env.connectionLike, env.payer, mint, kp.publicKey);
  if (tokens > 0n) await mintTo(env.connectionLike, env.payer, mint, ata.address, env.payer, tokens);
  return kp;
}

function sendOrName(ixs: Parameters<TestEnv["send"]>[0], signers: Keypair[]): sdk.GpunetError | null {
  try {
    env.send(ixs, signers);
    return null;
  } catch (e) {
    if (!(e instanceof SvmTransactionError)) throw e;
    return errorFromFailure(e.transactionError, e.logs, PID, "TransactionFailed");
  }
}

beforeAll(async () => {
  // The admin is the program's upgrade authority (only it may initialize).
  env = createTestEnv({ upgradeAuthority: Keypair.generate() });
  mint = await createMint(env.connectionLike, env.payer, env.payer.publicKey, null, 6);
  admin = env.upgradeAuthority;
  env.airdrop(admin.publicKey, 10_000_000_000n);
  const treasury = (await getOrCreateAssociatedTokenAccount(env.connectionLike, env.payer, mint, admin.publicKey)).address;
  env.send(
    [
      sdk.getInitializeInstruction({
        admin: admin.publicKey,
        stakeMint: mint,
        treasury,
        slashAuthority: admin.publicKey,
        minStakePerGpu: 10n,
        unbondingPeriod: 10,
        challengeWindow: 10,
        protocolFeeBps: 100,
        slashCapBps: 1000,
        rewardPeriod: 1_000,
      }),
    ],
    [admin],
  );
  owner = await funded(1_000_000n);
  env.send(
    [
      sdk.getRegisterProviderInstruction({
        owner: owner.publicKey,
        stakeMint: mint,
        gpuModel: GPU_MODEL.h100,
        gpuCount: 1,
        vramGb: 24,
        region: REGION.unspecified,
      }),
    ],
    [owner],
  );
});

describe("builders through the harness", () => {
  it("stake + fund + claim: the decoded events match the accounts, and claimable (at the Clock's time, mid-stream) equals the paid amount", async () => {
    const st = env.send([sdk.getStakeInstruction({ owner: owner.publicKey, amount: 300_000n, stakeMint: mint })], [owner]);
    const staked = sdk.parseGpunetLogs(st.logs).events;
    expect(staked.map((e) => e.name)).toEqual(["staked"]);
    const funder = await funded(10_000n);
    env.send([sdk.getFundRewardsInstruction({ funder: funder.publicKey, amount: 9_999n, stakeMint: mint })], [funder]);
    // A funding is released over the 1,000 s reward period: 333 s later about a third is claimable
    env.warpSeconds(333);
    const cfgInfo = env.getAccount(sdk.findConfigPda()[0]);
    const provInfo = env.getAccount(sdk.findProviderPda(owner.publicKey)[0]);
    if (!cfgInfo || !provInfo) throw new Error("missing accounts");
    const want = sdk.claimable(sdk.decodeProvider(provInfo.data), sdk.decodeConfig(cfgInfo.data), env.now().unixTimestamp);
    expect(want).toBeGreaterThan(3_000n);
    expect(want).toBeLessThan(3_400n);
    // (as stored, before the claim releases anything, the accumulator owes nothing yet)
    expect(sdk.claimable(sdk.decodeProvider(provInfo.data), sdk.decodeConfig(cfgInfo.data))).toBe(0n);
    const cl = env.send([sdk.getClaimRewardsInstruction({ owner: owner.publicKey, stakeMint: mint })], [owner]);
    const { events, failures, truncated } = sdk.parseGpunetLogs(cl.logs);
    expect(failures).toEqual([]);
    expect(truncated).toBe(false);
    expect(events.map((e) => e.name)).toEqual(["rewardsReleased", "rewardsClaimed"]);
    const ev = events[1];
    if (ev?.name !== "rewardsClaimed") throw new Error("expected rewardsClaimed");
    expect(ev.data.amount).toBe(want);
    expect(ev.data.owner).toBe(owner.publicKey.toBase58());
    expect(ev.instructionIndex).toBe(0);
    expect(ev.innerPath).toEqual([]);
  });

  it("errors: a landed failure and a simulation are named from the IDL", async () => {
    const err = sendOrName([sdk.getClaimRewardsInstruction({ owner: owner.publicKey, stakeMint: mint })], [owner]);
    expect(err?.code).toBe("NothingToClaim");
    expect(err?.context.programErrorNumber).toBe(GPUNET_ERROR_CODE.NothingToClaim);
    const tx = new Transaction().add(sdk.getRequestUnstakeInstruction({ owner: owner.publicKey, amount: 0 }));
    const sim = env.connection.simulate(tx, [owner]);
    const simErr = errorFromFailure(sim.value.err, sim.value.logs, PID, "SimulationFailed");
    expect(["ZeroAmount", "InvalidArgument"]).toContain(simErr.code);
  });

  it("staking more than the owner holds is the program's own InsufficientFunds (checked before the token CPI)", async () => {
    const err = sendOrName([sdk.getStakeInstruction({ owner: owner.publicKey, amount: 10n ** 15n, stakeMint: mint })], [owner]);
    expect(err?.code).toBe("InsufficientFunds");
    expect(err?.context.programId).toBe(PID);
  });
});

describe("events decoded from the real program's logs", () => {
  let logs: string[];
  beforeAll(async () => {
    const funder = await funded(1_000n);
    env.send([sdk.getFundRewardsInstruction({ funder: funder.publicKey, amount: 500n, stakeMint: mint })], [funder]);
    env.warpSeconds(1_000); // the whole reward period: all of it is released by the claim
    // The claim CPIs into the token program; its frame sits inside gpunet's.
    logs = env.send([sdk.getClaimRewardsInstruction({ owner: owner.publicKey, stakeMint: mint })], [owner]).logs;
    expect(logs.some((l) => l.startsWith("Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]"))).toBe(true);
  });

  it("Given the same logs under another program's id, Then nothing is decoded (foreign frame)", () => {
    const foreign = logs.map((l) => l.split(PID).join("Fake1111111111111111111111111111111111111111"));
    expect(foreign.some((l) => l.startsWith("Program data: "))).toBe(true);
    expect(sdk.parseGpunetLogs(foreign)).toMatchObject({ events: [], failures: [] });
  });

  it("Given gpunet's frame nested in another program's frame, Then its events carry the inner path", () => {
    const bump = (l: string): string => l.replace(/ invoke \[(\d+)\]$/, (_m, d: string) => ` invoke [${Number(d) + 1}]`);
    const nested = [
      "Program Fake1111111111111111111111111111111111111111 invoke [1]",
      ...logs.map(bump),
      "Program Fake1111111111111111111111111111111111111111 success",
    ];
    const { events } = sdk.parseGpunetLogs(nested);
    expect(events.map((e) => [e.name, e.instructionIndex, e.innerPath, e.innerIndex])).toEqual([
      ["rewardsReleased", 0, [0], 0],
      ["rewardsClaimed", 0, [0], 0],
    ]);
    // ...and the foreign program logging gpunet's bytes itself is ignored.
    const data = logs.find((l) => l.startsWith("Program data: ")) as string;
    const spoof = ["Program Fake1111111111111111111111111111111111111111 invoke [1]", data, "Program Fake1111111111111111111111111111111111111111 success"];
    expect(sdk.parseGpunetLogs(spoof).events).toEqual([]);
  });

  it("Given the logs cut by 'Log truncated', Then the flag is set and the events before the cut are kept", () => {
    const at = logs.findIndex((l) => l.startsWith("Program data: "));
    const cut = [...logs.slice(0, at + 1), "Log truncated"];
    const r = sdk.parseGpunetLogs(cut);
    expect(r.truncated).toBe(true);
    expect(r.events.map((e) => e.name)).toEqual(["rewardsReleased"]);
    const before = sdk.parseGpunetLogs([...logs.slice(0, at), "Log truncated"]);
    expect(before).toMatchObject({ truncated: true, events: [] });
  });

  it("subscribeEvents over the harness's onLogs delivers each event once, even when the logs arrive twice", async () => {
    const got: string[] = [];
    const ac = new AbortController();
    sdk.subscribeEvents(env.connectionLike, { signal: ac.signal, onEvent: (e, c) => got.push(`${c.signature}:${e.eventIndex}:${e.name}`) });
    const r = env.send([sdk.getRequestUnstakeInstruction({ owner: owner.publicKey, amount: 1n })], [owner]);
    // Deliver the same real logs a second time, as a re-subscription would.
    (env.connection as unknown as { emitLogs(r: unknown): void }).emitLogs(r);
    expect(got).toEqual([`${r.signature}:0:unstakeRequested`]);
    ac.abort();
    env.send([sdk.getRequestUnstakeInstruction({ owner: owner.publicKey, amount: 1n })], [owner]);
    expect(got.length).toBe(1);
  });
});
