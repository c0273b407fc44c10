import { describe, expect, it } from "vitest";
import { AnchorError, BN, EventParser, type Program } from "@coral-xyz/anchor";
import { Keypair, PublicKey, SystemProgram, Transaction } from "@solana/web3.js";
import {
  ACCOUNT_SIZE,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  getAccount,
} from "@solana/spl-token";
import { programDataAddress } from "../../localnet/src/deploy.ts";
import { createTestEnv, type TestEnv } from "../harness/index.ts";
import type { Gpunet } from "../../programs-idl/gpunet.ts";
import { GPUNET_ERROR_CODE } from "../../sdk/src/generated/index.ts";

/** A stake mint and a treasury token account, created through the real SPL Token program. */
function createMintAndTreasury(env: TestEnv<Gpunet>): { mint: PublicKey; treasury: PublicKey } {
  const mint = Keypair.generate();
  const treasury = Keypair.generate();
  const rentMint = BigInt(env.svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE)));
  const rentAcc = BigInt(env.svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_SIZE)));
  const tx = new Transaction().add(
    SystemProgram.createAccount({
      fromPubkey: env.payer.publicKey,
      newAccountPubkey: mint.publicKey,
      lamports: Number(rentMint),
      space: MINT_SIZE,
      programId: TOKEN_PROGRAM_ID,
    }),
    createInitializeMint2Instruction(mint.publicKey, 6, env.payer.publicKey, null),
    SystemProgram.createAccount({
      fromPubkey: env.payer.publicKey,
      newAccountPubkey: treasury.publicKey,
      lamports: Number(rentAcc),
      space: ACCOUNT_SIZE,
      programId: TOKEN_PROGRAM_ID,
    }),
    createInitializeAccount3Instruction(treasury.publicKey, mint.publicKey, env.payer.publicKey),
  );
  env.send(tx, [env.payer, mint, treasury]);
  return { mint: mint.publicKey, treasury: treasury.publicKey };
}

function pdas(programId: PublicKey) {
  const [config, configBump] = PublicKey.findProgramAddressSync([Buffer.from("config")], programId);
  const [rewardVault, rewardVaultBump] = PublicKey.findProgramAddressSync([Buffer.from("reward_vault")], programId);
  return { config, configBump, rewardVault, rewardVaultBump };
}

function initialize(
  program: Program<Gpunet>,
  a: { mint: PublicKey; treasury: PublicKey; admin: Keypair; slashAuthority: PublicKey; bumps?: { config: number; vault: number } },
) {
  const p = pdas(program.programId);
  return program.methods
    .initialize(
      new BN(1_000_000),
      new BN(7 * 86_400),
      new BN(86_400),
      a.slashAuthority,
      500,
      1000,
      a.bumps?.config ?? p.configBump,
      a.bumps?.vault ?? p.rewardVaultBump,
      false,
      new BN(0),
    )
    .accounts({ stakeMint: a.mint, treasury: a.treasury, admin: a.admin.publicKey, programData: programDataAddress(program.programId) })
    .signers([a.admin]);
}

describe("walking skeleton: initialize through Anchor's client", () => {
  it("creates the Config PDA and the reward vault, and emits ConfigUpdated", async () => {
    // Given a fresh VM with the program at the IDL address and a stake mint
    const env = createTestEnv<Gpunet>();
    const program = env.program!;
    const { mint, treasury } = createMintAndTreasury(env);
    const admin = env.upgradeAuthority;
    const slasher = Keypair.generate().publicKey;
    // When the admin initializes
    const sig = await initialize(program, { mint, treasury, admin, slashAuthority: slasher }).rpc();
    // Then Anchor's account client reads every field back
    const { config, rewardVault, configBump, rewardVaultBump } = pdas(program.programId);
    const cfg = await program.account.config.fetch(config);
    expect(cfg.admin.toBase58()).toBe(admin.publicKey.toBase58());
    expect(cfg.slashAuthority.toBase58()).toBe(slasher.toBase58());
    expect(cfg.stakeMint.toBase58()).toBe(mint.toBase58());
    expect(cfg.treasury.toBase58()).toBe(treasury.toBase58());
    expect(cfg.rewardVault.toBase58()).toBe(rewardVault.toBase58());
    expect(cfg.minStakePerGpu.toString()).toBe("1000000");
    expect(cfg.unbondingPeriod.toString()).toBe(String(7 * 86_400));
    expect(cfg.protocolFeeBps).toBe(500);
    expect(cfg.slashCapBps).toBe(1000);
    expect(cfg.bump).toBe(configBump);
    expect(cfg.rewardVaultBump).toBe(rewardVaultBump);
    expect(cfg.seq.toString()).toBe("1");
    expect(cfg.paused).toBe(false);
    // and the reward vault is a token account of the stake mint owned by the Config PDA
    const vault = await getAccount(env.connectionLike, rewardVault);
    expect(vault.mint.toBase58()).toBe(mint.toBase58());
    expect(vault.owner.toBase58()).toBe(config.toBase58());
    // and Anchor's EventParser decodes the event from the transaction's logs
    const meta = env.svm.getTransaction(sig as Parameters<typeof env.svm.getTransaction>[0]);
    const logs = meta && "logs" in meta ? meta.logs() : [];
    const events = [...new EventParser(program.programId, program.coder).parseLogs(logs)];
    expect(events.map((e) => e.name)).toEqual(["configUpdated"]);
    const ev = events[0]!.data as Record<string, unknown>;
    expect((ev.config as PublicKey).toBase58()).toBe(config.toBase58());
    expect((ev.admin as PublicKey).toBase58()).toBe(admin.publicKey.toBase58());
    expect(String(ev.seq)).toBe("1");
    expect(ev.protocolFeeBps).toBe(500);
  });

  it("refuses a second initialize with AlreadyInitialized, named and numbered as in the IDL", async () => {
    const env = createTestEnv<Gpunet>();
    const program = env.program!;
    const { mint, treasury } = createMintAndTreasury(env);
    const admin = env.upgradeAuthority;
    await initialize(program, { mint, treasury, admin, slashAuthority: admin.publicKey }).rpc();
    const before = env.getAccount(pdas(program.programId).config)!.data;
    // When initialize is sent again
    const err = await initialize(program, { mint, treasury, admin, slashAuthority: admin.publicKey })
      .rpc()
      .catch((e: unknown) => e);
    // Then Anchor's client raises the named error and nothing changed
    expect(err).toBeInstanceOf(AnchorError);
    expect((err as AnchorError).error.errorCode.code).toBe("AlreadyInitialized");
    expect((err as AnchorError).error.errorCode.number).toBe(GPUNET_ERROR_CODE.AlreadyInitialized);
    expect(env.getAccount(pdas(program.programId).config)!.data.equals(before)).toBe(true);
  });

  it("refuses an admin that did not sign, and a non-canonical bump", async () => {
    // The admin (upgrade authority) is not the fee payer, so it can leave the signature out
    const env = createTestEnv<Gpunet>({ upgradeAuthority: Keypair.generate() });
    const program = env.program!;
    const { mint, treasury } = createMintAndTreasury(env);
    const admin = env.upgradeAuthority;
    // Given an instruction whose admin account is marked signer=false
    const ix = await initialize(program, { mint, treasury, admin, slashAuthority: admin.publicKey }).instruction();
    ix.keys = ix.keys.map((k) => (k.pubkey.equals(admin.publicKey) ? { ...k, isSigner: false } : k));
    const r = (() => {
      try {
        env.send([ix], [env.payer]);
        return null;
      } catch (e) {
        return e as { logs?: string[] };
      }
    })();
    expect(r?.logs?.some((l) => l.includes("Error Code: MissingSigner. Error Number: 6014."))).toBe(true);
    expect(env.getAccount(pdas(program.programId).config)).toBeNull();
    // Given a config address derived with another (valid, lower) bump
    const canonical = pdas(program.programId).configBump;
    let other = -1;
    for (let b = canonical - 1; b >= 0; b--) {
      try {
        PublicKey.createProgramAddressSync([Buffer.from("config"), Buffer.from([b])], program.programId);
        other = b;
        break;
      } catch {
        /* on curve */
      }
    }
    const otherKey = PublicKey.createProgramAddressSync([Buffer.from("config"), Buffer.from([other])], program.programId);
    const err = await program.methods
      .initialize(new BN(1), new BN(1), new BN(1), admin.publicKey, 0, 0, other, pdas(program.programId).rewardVaultBump, false, new BN(0))
      .accountsPartial({ config: otherKey, stakeMint: mint, treasury, admin: admin.publicKey, programData: programDataAddress(program.programId) })
      .signers([admin])
      .rpc()
      .catch((e: unknown) => e);
    expect((err as AnchorError).error.errorCode.code).toBe("InvalidPda");
    expect(env.getAccount(otherKey)).toBeNull();
  });
});
