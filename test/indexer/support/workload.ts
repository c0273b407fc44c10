/**
 * A gpunet workload driven through Anchor's `Program<Gpunet>` (the approach of
 * bench/cu.ts): config, providers, stakes, rewards, slashes and every job path,
 * plus a seeded random mix for drift tests. Works on any {@link Chain}.
 */
import { programDataAddress } from "../../../localnet/src/deploy.ts";
import anchor from "@coral-xyz/anchor";
import { Keypair, PublicKey, SystemProgram, type TransactionInstruction } from "@solana/web3.js";
import {
  ACCOUNT_SIZE,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  createTransferInstruction,
  getAssociatedTokenAddressSync,
} from "@solana/spl-token";
import type { Chain } from "./chain.ts";

const { BN } = anchor;
const bn = (v: bigint | number): InstanceType<typeof BN> => new BN(v.toString());

/** A small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface User {
  kp: Keypair;
  ata: PublicKey;
}
export interface ProviderUser extends User {
  provider: PublicKey;
  vault: PublicKey;
}
export interface JobRef {
  job: PublicKey;
  escrow: PublicKey;
  buyer: User;
  id: bigint;
  state: "open" | "accepted" | "submitted" | "disputed" | "done" | "closed";
  provider?: ProviderUser;
}

/** The workload; see the module comment. */
export class Workload {
  readonly chain: Chain;
  admin!: Keypair;
  mint!: PublicKey;
  treasury!: PublicKey;
  funder!: User;
  providers: ProviderUser[] = [];
  buyers: User[] = [];
  jobs: JobRef[] = [];
  nextJobId = 1n;

  constructor(chain: Chain) {
    this.chain = chain;
  }

  /** Continues on the chain another workload set up (same config, mint and users). */
  adopt(o: Workload): void {
    this.admin = o.admin;
    this.mint = o.mint;
    this.treasury = o.treasury;
    this.funder = o.funder;
    this.buyers = o.buyers;
    this.nextJobId = o.nextJobId + 1_000n;
  }

  get m() {
    return this.chain.program.methods;
  }

  pda(...seeds: (string | PublicKey | Buffer)[]): [PublicKey, number] {
    return PublicKey.findProgramAddressSync(
      seeds.map((s) => (typeof s === "string" ? Buffer.from(s) : s instanceof PublicKey ? s.toBuffer() : s)),
      this.chain.programId,
    );
  }

  async user(tokens: bigint): Promise<User> {
    const kp = Keypair.generate();
    await this.chain.airdrop(kp.publicKey, 10_000_000_000n);
    const ata = getAssociatedTokenAddressSync(this.mint, kp.publicKey);
    await this.chain.send(
      [
        createAssociatedTokenAccountIdempotentInstruction(this.chain.payer.publicKey, ata, kp.publicKey, this.mint),
        createMintToInstruction(this.mint, ata, this.chain.payer.publicKey, tokens),
      ],
      [],
    );
    return { kp, ata };
  }

  /** Mint, treasury, initialize, a funder, `nProviders` registered providers and `nBuyers` buyers. */
  async setup(nProviders = 4, nBuyers = 3): Promise<void> {
    const mint = Keypair.generate();
    const treasury = Keypair.generate();
    const p = this.chain.payer;
    // The payer deployed the program and is its upgrade authority: only it may initialize.
    this.admin = this.chain.payer;
    await this.chain.airdrop(this.admin.publicKey, 10_000_000_000n);
    await this.chain.send(
      [
        SystemProgram.createAccount({
          fromPubkey: p.publicKey,
          newAccountPubkey: mint.publicKey,
          lamports: 1_461_600,
          space: MINT_SIZE,
          programId: TOKEN_PROGRAM_ID,
        }),
        createInitializeMint2Instruction(mint.publicKey, 6, p.publicKey, null),
        SystemProgram.createAccount({
          fromPubkey: p.publicKey,
          newAccountPubkey: treasury.publicKey,
          lamports: 2_039_280,
          space: ACCOUNT_SIZE,
          programId: TOKEN_PROGRAM_ID,
        }),
        createInitializeAccount3Instruction(treasury.publicKey, mint.publicKey, p.publicKey),
      ],
      [mint, treasury],
    );
    this.mint = mint.publicKey;
    this.treasury = treasury.publicKey;
    const [, configBump] = this.pda("config");
    const [, rewardVaultBump] = this.pda("reward_vault");
    await this.chain.send(
      [
        await this.m
          .initialize(bn(1_000), bn(100), bn(100), this.admin.publicKey, 500, 5000, configBump, rewardVaultBump, false, bn(0))
          .accounts({ stakeMint: this.mint, treasury: this.treasury, admin: this.admin.publicKey, programData: programDataAddress(this.chain.programId) })
          .instruction(),
      ],
      [this.admin],
    );
    this.funder = await this.user(10n ** 15n);
    for (let i = 0; i < nProviders; i++) await this.addProvider(i);
    for (let i = 0; i < nBuyers; i++) this.buyers.push(await this.user(10n ** 13n));
  }

  async addProvider(i: number): Promise<ProviderUser> {
    const u = await this.user(10n ** 12n);
    const [provider, pBump] = this.pda("provider", u.kp.publicKey);
    const [vault, vBump] = this.pda("stake_vault", provider);
    await this.chain.send(
      [
        await this.m
          .registerProvider(1 + (i % 3), 1 + (i % 4), 24 + 8 * (i % 5), i % 7, Array(32).fill(i % 256), pBump, vBump)
          .accounts({ owner: u.kp.publicKey, stakeMint: this.mint })
          .instruction(),
      ],
      [u.kp],
    );
    const pu = { ...u, provider, vault };
    this.providers.push(pu);
    return pu;
  }

  stakeIx(p: ProviderUser, amount: bigint): Promise<TransactionInstruction> {
    return this.m.stake(bn(amount)).accounts({ owner: p.kp.publicKey, ownerToken: p.ata }).instruction();
  }
  async stake(p: ProviderUser, amount: bigint): Promise<string> {
    return this.chain.send([await this.stakeIx(p, amount)], [p.kp]);
  }
  async fund(amount: bigint): Promise<string> {
    return this.chain.send(
      [await this.m.fundRewards(bn(amount)).accounts({ funder: this.funder.kp.publicKey, funderToken: this.funder.ata }).instruction()],
      [this.funder.kp],
    );
  }
  claimIx(p: ProviderUser): Promise<TransactionInstruction> {
    return this.m.claimRewards().accounts({ owner: p.kp.publicKey, ownerToken: p.ata }).instruction();
  }
  async claim(p: ProviderUser): Promise<string> {
    return this.chain.send([await this.claimIx(p)], [p.kp]);
  }
  unstakeIx(p: ProviderUser, amount: bigint): Promise<TransactionInstruction> {
    return this.m.requestUnstake(bn(amount)).accounts({ owner: p.kp.publicKey }).instruction();
  }
  async unstake(p: ProviderUser, amount: bigint): Promise<string> {
    return this.chain.send([await this.unstakeIx(p, amount)], [p.kp]);
  }
  async withdraw(p: ProviderUser): Promise<string> {
    return this.chain.send([await this.m.withdrawUnstaked().accounts({ owner: p.kp.publicKey, ownerToken: p.ata }).instruction()], [p.kp]);
  }
  async slash(p: ProviderUser, amount: bigint): Promise<string> {
    return this.chain.send(
      [
        await this.m
          .slash(bn(amount), { failedJob: {} }, Array(32).fill(1))
          .accounts({ provider: p.provider, stakeVault: p.vault, treasury: this.treasury, slashAuthority: this.admin.publicKey })
          .instruction(),
      ],
      [this.admin],
    );
  }
  async updateProvider(p: ProviderUser, status: number, k: number): Promise<string> {
    return this.chain.send(
      [
        await this.m
          .updateProvider(1 + (k % 3), 1 + (k % 4), 24 + 8 * (k % 5), k % 7, status, Array(32).fill(k % 256))
          .accounts({ owner: p.kp.publicKey })
          .instruction(),
      ],
      [p.kp],
    );
  }
  async updateConfig(fee: number): Promise<string> {
    return this.chain.send(
      [
        await this.m
          .updateConfig(PublicKey.default, PublicKey.default, bn(1_000), bn(100), bn(100), 32, fee, 0, false, bn(0))
          .accounts({ admin: this.admin.publicKey, treasury: this.treasury })
          .instruction(),
      ],
      [this.admin],
    );
  }

  async createJob(buyer: User, price: bigint): Promise<JobRef> {
    const id = this.nextJobId++;
    const idLe = Buffer.alloc(8);
    idLe.writeBigUInt64LE(id);
    const [job, jBump] = this.pda("job", buyer.kp.publicKey, idLe);
    const [escrow, eBump] = this.pda("escrow", job);
    await this.chain.send(
      [
        await this.m
          .createJob(bn(id), bn(price), bn(50), 1, 0, 16, Array(32).fill(3), jBump, eBump)
          .accounts({ buyer: buyer.kp.publicKey, buyerToken: buyer.ata, stakeMint: this.mint })
          .instruction(),
      ],
      [buyer.kp],
    );
    const ref: JobRef = { job, escrow, buyer, id, state: "open" };
    this.jobs.push(ref);
    return ref;
  }
  async accept(j: JobRef, p: ProviderUser): Promise<void> {
    await this.chain.send([await this.m.acceptJob().accounts({ job: j.job, owner: p.kp.publicKey }).instruction()], [p.kp]);
    j.state = "accepted";
    j.provider = p;
  }
  async submit(j: JobRef): Promise<void> {
    const p = j.provider as ProviderUser;
    await this.chain.send([await this.m.submitResult(Array(32).fill(9)).accounts({ job: j.job, owner: p.kp.publicKey }).instruction()], [p.kp]);
    j.state = "submitted";
  }
  async complete(j: JobRef): Promise<void> {
    const p = j.provider as ProviderUser;
    await this.chain.send(
      [
        await this.m
          .completeJob()
          .accounts({ job: j.job, escrow: j.escrow, provider: p.provider, providerToken: p.ata, authority: j.buyer.kp.publicKey })
          .instruction(),
      ],
      [j.buyer.kp],
    );
    j.state = "done";
  }
  async cancel(j: JobRef): Promise<void> {
    await this.chain.send(
      [await this.m.cancelJob().accounts({ job: j.job, escrow: j.escrow, buyerToken: j.buyer.ata, buyer: j.buyer.kp.publicKey }).instruction()],
      [j.buyer.kp],
    );
    j.state = "done";
  }
  async dispute(j: JobRef): Promise<void> {
    await this.chain.send([await this.m.disputeJob(Array(32).fill(4)).accounts({ job: j.job, buyer: j.buyer.kp.publicKey }).instruction()], [j.buyer.kp]);
    j.state = "disputed";
  }
  async resolve(j: JobRef, share: number): Promise<void> {
    const p = j.provider as ProviderUser;
    await this.chain.send(
      [
        await this.m
          .resolveDispute(share)
          .accounts({ job: j.job, escrow: j.escrow, provider: p.provider, providerToken: p.ata, buyerToken: j.buyer.ata, admin: this.admin.publicKey })
          .instruction(),
      ],
      [this.admin],
    );
    j.state = "done";
  }
  async expire(j: JobRef): Promise<void> {
    const p = j.provider as ProviderUser;
    await this.chain.send(
      [
        await this.m
          .expireJob()
          .accounts({ job: j.job, escrow: j.escrow, provider: p.provider, buyerToken: j.buyer.ata, caller: this.chain.payer.publicKey })
          .instruction(),
      ],
      [],
    );
    j.state = "done";
  }
  /** An open job nobody accepted, expired after its max_duration (its provider is the zero key). */
  async expireOpen(j: JobRef): Promise<void> {
    await this.chain.send(
      [
        await this.m
          .expireJob()
          .accounts({ job: j.job, escrow: j.escrow, provider: PublicKey.default, buyerToken: j.buyer.ata, caller: this.chain.payer.publicKey })
          .instruction(),
      ],
      [],
    );
    j.state = "done";
  }
  /** A plain token transfer into a job's escrow (close_job sweeps it to the treasury). */
  async donate(from: User, j: JobRef, amount: bigint): Promise<void> {
    await this.chain.send([createTransferInstruction(from.ata, j.escrow, from.kp.publicKey, amount)], [from.kp]);
  }
  async setPaused(paused: boolean): Promise<string> {
    return this.chain.send(
      [
        await this.m
          .updateConfig(PublicKey.default, PublicKey.default, bn(0), bn(0), bn(0), 128, 0, 0, paused, bn(0))
          .accounts({ admin: this.admin.publicKey, treasury: this.treasury })
          .instruction(),
      ],
      [this.admin],
    );
  }
  async close(j: JobRef): Promise<void> {
    await this.chain.send(
      [
        await this.m
          .closeJob()
          .accounts({ job: j.job, escrow: j.escrow, buyer: j.buyer.kp.publicKey, treasury: this.treasury, caller: this.chain.payer.publicKey })
          .instruction(),
      ],
      [],
    );
    j.state = "closed";
  }

  /** A fixed scenario touching every instruction and event once or more. */
  async everyPath(): Promise<void> {
    await this.fund(1_000_000n);
    for (const [i, p] of this.providers.entries()) await this.stake(p, 10_000n * BigInt(i + 1) + 12_345n);
    await this.fund(777_777n);
    await this.updateConfig(400);
    for (const p of this.providers) await this.claim(p);
    const [p0, p1] = this.providers as [ProviderUser, ProviderUser];
    await this.unstake(p0, 500n);
    await this.slash(p1, 100n);
    await this.updateProvider(p1, 0, 5);
    const b = this.buyers[0] as User;
    const j1 = await this.createJob(b, 10_000n);
    await this.accept(j1, p1);
    await this.submit(j1);
    await this.complete(j1);
    const j2 = await this.createJob(b, 5_000n);
    await this.cancel(j2);
    const j3 = await this.createJob(b, 20_000n);
    await this.accept(j3, p1);
    await this.submit(j3);
    await this.dispute(j3);
    await this.resolve(j3, 7_500);
    const j4 = await this.createJob(b, 3_000n);
    await this.accept(j4, p1);
    const j5 = await this.createJob(b, 2_000n);
    // A pause of 30 s moves every deadline back by 30 s
    await this.setPaused(true);
    await this.chain.warpSeconds(30);
    await this.setPaused(false);
    await this.chain.warpSeconds(101);
    await this.expire(j4);
    await this.expireOpen(j5);
    await this.withdraw(p0);
    await this.close(j1);
    await this.donate(b, j2, 7n);
    await this.close(j2);
  }

  /** `n` random operations; failures (program errors) are skipped. */
  async random(n: number, seed: number): Promise<number> {
    const r = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const p = pick(this.providers);
      const op = Math.floor(r() * 14);
      try {
        switch (op) {
          case 0:
          case 1:
            await this.stake(p, BigInt(1 + Math.floor(r() * 50_000)));
            break;
          case 2:
            await this.fund(BigInt(1 + Math.floor(r() * 1_000_000)));
            break;
          case 3:
            await this.claim(p);
            break;
          case 4:
            await this.unstake(p, BigInt(1 + Math.floor(r() * 2_000)));
            break;
          case 5:
            await this.withdraw(p);
            break;
          case 6:
            await this.slash(p, BigInt(1 + Math.floor(r() * 50)));
            break;
          case 7:
            await this.updateProvider(p, 0, i);
            break;
          case 8:
            await this.createJob(pick(this.buyers), BigInt(1_000 + Math.floor(r() * 100_000)));
            break;
          case 9: {
            const j = this.jobs.find((x) => x.state === "open");
            if (!j) continue;
            if (r() < 0.2) await this.cancel(j);
            else await this.accept(j, p);
            break;
          }
          case 10: {
            const j = this.jobs.find((x) => x.state === "accepted");
            if (!j) continue;
            if (r() < 0.15) {
              await this.chain.warpSeconds(51);
              await this.expire(j);
            } else await this.submit(j);
            break;
          }
          case 11: {
            const j = this.jobs.find((x) => x.state === "submitted");
            if (!j) continue;
            if (r() < 0.3) await this.dispute(j);
            else await this.complete(j);
            break;
          }
          case 12: {
            const j = this.jobs.find((x) => x.state === "disputed");
            if (j) await this.resolve(j, Math.floor(r() * 10_001));
            else {
              const d = this.jobs.find((x) => x.state === "done");
              if (d) await this.close(d);
            }
            break;
          }
          case 13:
            await this.chain.warpSeconds(1 + Math.floor(r() * 120));
            break;
        }
        ok++;
      } catch {
        // A program error (e.g. NothingToClaim, StillUnbonding): nothing landed.
      }
    }
    return ok;
  }
}
