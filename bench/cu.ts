/**
 * Compute units of every gpunet instruction, measured in the real Solana VM
 * (LiteSVM) on the committed program.
 *
 * For each instruction: the median CU over varied inputs (several providers,
 * amounts and jobs), the part spent in CPIs (per call the invoke cost the
 * caller pays, plus SPL Token's own consumption from its "consumed" log lines
 * and System Program invocations at their fixed builtin price) and whether it
 * creates accounts, against the targets of
 * the protocol issue (< 10,000 CU without account creation, < 20,000 with).
 *
 *   npm run bench:cu            prints the table
 *   npm run bench:cu -- --json  prints JSON too
 */
import anchor, { type Program } from "@coral-xyz/anchor";
import { Keypair, PublicKey, SystemProgram, Transaction, type TransactionInstruction } from "@solana/web3.js";
import {
  ACCOUNT_SIZE,
  MINT_SIZE,
  TOKEN_PROGRAM_ID,
  createInitializeAccount3Instruction,
  createInitializeMint2Instruction,
  createMintToInstruction,
  getAssociatedTokenAddressSync,
  createAssociatedTokenAccountIdempotentInstruction,
} from "@solana/spl-token";
import { createTestEnv, type TestEnv } from "../test/harness/index.ts";
import { programDataAddress } from "../localnet/src/deploy.ts";
import type { Gpunet } from "../programs-idl/gpunet.ts";

const { BN } = anchor;
const SYSTEM_BUILTIN_CU = 150n; // fixed cost of a System Program invocation
const INVOKE_CU = 1_000n; // the compute budget's invoke_units, charged to the caller per CPI
const TOKEN_ID = TOKEN_PROGRAM_ID.toBase58();
const SYSTEM_ID = SystemProgram.programId.toBase58();

interface Sample {
  cu: bigint;
  cpiCu: bigint;
  cpis: bigint;
  creates: boolean;
}
const samples = new Map<string, Sample[]>();

function cpiCost(logs: string[], programId: string): { cu: bigint; calls: bigint } {
  let total = 0n;
  let calls = 0n;
  let depth = 0;
  for (const l of logs) {
    const inv = /^Program (\S+) invoke \[(\d+)\]$/.exec(l);
    if (inv) {
      depth = Number(inv[2]);
      if (depth >= 2) calls += 1n;
      if (depth >= 2 && inv[1] === SYSTEM_ID) total += SYSTEM_BUILTIN_CU;
      continue;
    }
    const consumed = /^Program (\S+) consumed (\d+) of \d+ compute units$/.exec(l);
    if (consumed && consumed[1] !== programId && consumed[1] === TOKEN_ID) total += BigInt(consumed[2]!);
  }
  return { cu: total + calls * INVOKE_CU, calls };
}

class Bench {
  readonly env: TestEnv<Gpunet>;
  readonly program: Program<Gpunet>;
  readonly mintAuthority: Keypair;
  mint!: PublicKey;
  treasury!: PublicKey;
  admin: Keypair;

  constructor() {
    // The admin is the program's upgrade authority: only it may initialize.
    this.admin = Keypair.generate();
    this.env = createTestEnv<Gpunet>({ upgradeAuthority: this.admin });
    this.program = this.env.program!;
    this.mintAuthority = this.env.payer;
  }

  pda(...seeds: (string | PublicKey | Buffer)[]): [PublicKey, number] {
    return PublicKey.findProgramAddressSync(
      seeds.map((s) => (typeof s === "string" ? Buffer.from(s) : s instanceof PublicKey ? s.toBuffer() : s)),
      this.program.programId,
    );
  }

  send(name: string, ixs: TransactionInstruction[], signers: Keypair[], creates = false): void {
    const r = this.env.send(ixs, signers);
    const list = samples.get(name) ?? [];
    const cpi = cpiCost(r.logs, this.program.programId.toBase58());
    list.push({ cu: r.computeUnits, cpiCu: cpi.cu, cpis: cpi.calls, creates });
    samples.set(name, list);
  }

  setupMint(): void {
    const mint = Keypair.generate();
    const treasury = Keypair.generate();
    const p = this.env.payer;
    const rentMint = this.env.svm.minimumBalanceForRentExemption(BigInt(MINT_SIZE));
    const rentAcc = this.env.svm.minimumBalanceForRentExemption(BigInt(ACCOUNT_SIZE));
    this.env.send(
      new Transaction().add(
        SystemProgram.createAccount({
          fromPubkey: p.publicKey,
          newAccountPubkey: mint.publicKey,
          lamports: Number(rentMint),
          space: MINT_SIZE,
          programId: TOKEN_PROGRAM_ID,
        }),
        createInitializeMint2Instruction(mint.publicKey, 6, p.publicKey, null),
        SystemProgram.createAccount({
          fromPubkey: p.publicKey,
          newAccountPubkey: treasury.publicKey,
          lamports: Number(rentAcc),
          space: ACCOUNT_SIZE,
          programId: TOKEN_PROGRAM_ID,
        }),
        createInitializeAccount3Instruction(treasury.publicKey, mint.publicKey, p.publicKey),
      ),
      [p, mint, treasury],
    );
    this.mint = mint.publicKey;
    this.treasury = treasury.publicKey;
  }

  /** A funded wallet with an associated token account holding `tokens`. */
  user(tokens: bigint): { kp: Keypair; ata: PublicKey } {
    const kp = this.env.fundedKeypair();
    const ata = getAssociatedTokenAddressSync(this.mint, kp.publicKey);
    this.env.send(
      [
        createAssociatedTokenAccountIdempotentInstruction(this.env.payer.publicKey, ata, kp.publicKey, this.mint),
        createMintToInstruction(this.mint, ata, this.mintAuthority.publicKey, tokens),
      ],
      [this.env.payer],
    );
    return { kp, ata };
  }
}

async function main(): Promise<void> {
  const b = new Bench();
  const m = b.program.methods;
  b.setupMint();
  const [, configBump] = b.pda("config");
  const [, rewardVaultBump] = b.pda("reward_vault");
  b.send(
    "initialize",
    [
      await m
        .initialize(new BN(1_000), new BN(100), new BN(100), b.admin.publicKey, 500, 5000, configBump, rewardVaultBump, false, new BN(0))
        .accounts({ stakeMint: b.mint, treasury: b.treasury, admin: b.admin.publicKey, programData: programDataAddress(b.program.programId) })
        .instruction(),
    ],
    [b.admin],
    true,
  );
  b.send(
    "update_config",
    [
      await m
        .updateConfig(PublicKey.default, PublicKey.default, new BN(1_000), new BN(100), new BN(100), 32, 400, 0, false, new BN(0))
        .accounts({ admin: b.admin.publicKey, treasury: b.treasury })
        .instruction(),
    ],
    [b.admin],
  );

  const funder = b.user(10n ** 15n);
  const providers: { kp: Keypair; ata: PublicKey; provider: PublicKey; vault: PublicKey }[] = [];
  for (let i = 0; i < 8; i++) {
    const u = b.user(10n ** 12n);
    const [provider, pBump] = b.pda("provider", u.kp.publicKey);
    const [vault, vBump] = b.pda("stake_vault", provider);
    b.send(
      "register_provider",
      [
        await m
          .registerProvider(1 + (i % 3), 1 + i, 24 + 8 * i, i, Array(32).fill(i), pBump, vBump)
          .accounts({ owner: u.kp.publicKey, stakeMint: b.mint })
          .instruction(),
      ],
      [u.kp],
      true,
    );
    providers.push({ ...u, provider, vault });
  }
  for (const [i, p] of providers.entries()) {
    b.send(
      "update_provider",
      [
        await m
          .updateProvider(1 + (i % 3), 1 + i, 24 + 8 * i, i, 0, Array(32).fill(7))
          .accounts({ owner: p.kp.publicKey })
          .instruction(),
      ],
      [p.kp],
    );
  }
  const stake = async (p: (typeof providers)[number], amount: bigint) =>
    b.send("stake", [await m.stake(new BN(amount.toString())).accounts({ owner: p.kp.publicKey, ownerToken: p.ata }).instruction()], [p.kp]);
  const fund = async (amount: bigint) =>
    b.send(
      "fund_rewards",
      [await m.fundRewards(new BN(amount.toString())).accounts({ funder: funder.kp.publicKey, funderToken: funder.ata }).instruction()],
      [funder.kp],
    );
  await fund(1_000_000n); // with no stake: held as unallocated
  for (const [i, p] of providers.entries()) await stake(p, 10_000n * BigInt(i + 1) + 12_345n);
  for (let i = 0; i < 6; i++) await fund(777_777n * BigInt(i + 1));
  for (const [i, p] of providers.entries()) await stake(p, 1_000n + BigInt(i));
  for (const p of providers) {
    b.send("claim_rewards", [await m.claimRewards().accounts({ owner: p.kp.publicKey, ownerToken: p.ata }).instruction()], [p.kp]);
  }
  for (const [i, p] of providers.entries()) {
    b.send(
      "request_unstake",
      [
        await m
          .requestUnstake(new BN(500 + i))
          .accounts({ owner: p.kp.publicKey })
          .instruction(),
      ],
      [p.kp],
    );
  }
  for (const [i, p] of providers.entries()) {
    b.send(
      "slash",
      [
        await m
          .slash(new BN(100 + i), { failedJob: {} }, Array(32).fill(1))
          .accounts({ provider: p.provider, stakeVault: p.vault, treasury: b.treasury, slashAuthority: b.admin.publicKey })
          .instruction(),
      ],
      [b.admin],
    );
  }
  b.env.warpSeconds(101);
  for (const p of providers) {
    b.send("withdraw_unstaked", [await m.withdrawUnstaked().accounts({ owner: p.kp.publicKey, ownerToken: p.ata }).instruction()], [p.kp]);
  }

  // Jobs: every path, across several buyers and providers.
  const buyers = [b.user(10n ** 12n), b.user(10n ** 12n), b.user(10n ** 12n)];
  let nextId = 1n;
  const create = async (buyer: (typeof buyers)[number], price: bigint) => {
    const id = nextId++;
    const idLe = Buffer.alloc(8);
    idLe.writeBigUInt64LE(id);
    const [job, jBump] = b.pda("job", buyer.kp.publicKey, idLe);
    const [escrow, eBump] = b.pda("escrow", job);
    b.send(
      "create_job",
      [
        await m
          .createJob(new BN(id.toString()), new BN(price.toString()), new BN(50), 1, 0, 16, Array(32).fill(3), jBump, eBump)
          .accounts({ buyer: buyer.kp.publicKey, buyerToken: buyer.ata, stakeMint: b.mint })
          .instruction(),
      ],
      [buyer.kp],
      true,
    );
    return { job, escrow, buyer };
  };
  const accept = async (j: { job: PublicKey }, p: (typeof providers)[number]) =>
    b.send("accept_job", [await m.acceptJob().accounts({ job: j.job, owner: p.kp.publicKey }).instruction()], [p.kp]);
  const submit = async (j: { job: PublicKey }, p: (typeof providers)[number]) =>
    b.send(
      "submit_result",
      [await m.submitResult(Array(32).fill(9)).accountsPartial({ job: j.job, provider: p.provider, owner: p.kp.publicKey }).instruction()],
      [p.kp],
    );
  const close = async (j: { job: PublicKey; escrow: PublicKey; buyer: { kp: Keypair } }) =>
    b.send(
      "close_job",
      [
        await m
          .closeJob()
          .accounts({ job: j.job, escrow: j.escrow, buyer: j.buyer.kp.publicKey, treasury: b.treasury, caller: b.env.payer.publicKey })
          .instruction(),
      ],
      [b.env.payer],
    );

  const done: Awaited<ReturnType<typeof create>>[] = [];
  for (let i = 0; i < 6; i++) {
    const buyer = buyers[i % buyers.length]!;
    const p = providers[2 + i]!;
    // completed by the buyer
    const j1 = await create(buyer, 10_000n + BigInt(i) * 1_111n);
    await accept(j1, p);
    await submit(j1, p);
    b.send(
      "complete_job",
      [
        await m
          .completeJob()
          .accounts({ job: j1.job, escrow: j1.escrow, provider: p.provider, providerToken: p.ata, authority: buyer.kp.publicKey })
          .instruction(),
      ],
      [buyer.kp],
    );
    done.push(j1);
    // cancelled while open
    const j2 = await create(buyer, 5_000n + BigInt(i));
    b.send(
      "cancel_job",
      [await m.cancelJob().accounts({ job: j2.job, escrow: j2.escrow, buyerToken: buyer.ata, buyer: buyer.kp.publicKey }).instruction()],
      [buyer.kp],
    );
    done.push(j2);
    // disputed and resolved
    const j3 = await create(buyer, 20_000n + BigInt(i) * 7n);
    await accept(j3, p);
    await submit(j3, p);
    b.send("dispute_job", [await m.disputeJob(Array(32).fill(4)).accounts({ job: j3.job, buyer: buyer.kp.publicKey }).instruction()], [buyer.kp]);
    b.send(
      "resolve_dispute",
      [
        await m
          .resolveDispute(2_500 * (i % 5))
          .accounts({ job: j3.job, escrow: j3.escrow, provider: p.provider, providerToken: p.ata, buyerToken: buyer.ata, admin: b.admin.publicKey })
          .instruction(),
      ],
      [b.admin],
    );
    done.push(j3);
    // expired
    const j4 = await create(buyer, 3_000n + BigInt(i));
    await accept(j4, p);
    b.env.warpSeconds(51);
    b.send(
      "expire_job",
      [
        await m
          .expireJob()
          .accounts({ job: j4.job, escrow: j4.escrow, provider: p.provider, buyerToken: buyer.ata, caller: b.env.payer.publicKey })
          .instruction(),
      ],
      [b.env.payer],
    );
    done.push(j4);
    // completed by anyone after the challenge window
    const j5 = await create(buyer, 8_000n + BigInt(i));
    await accept(j5, p);
    await submit(j5, p);
    b.env.warpSeconds(101);
    b.send(
      "complete_job",
      [
        await m
          .completeJob()
          .accounts({ job: j5.job, escrow: j5.escrow, provider: p.provider, providerToken: p.ata, authority: b.env.payer.publicKey })
          .instruction(),
      ],
      [b.env.payer],
    );
    done.push(j5);
  }
  for (const j of done) await close(j);

  const median = (xs: bigint[]) => [...xs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))[Math.floor(xs.length / 2)]!;
  const rows = [...samples.entries()].map(([name, s]) => {
    const cu = median(s.map((x) => x.cu));
    const cpi = median(s.map((x) => x.cpiCu));
    const creates = s[0]!.creates;
    const target = creates ? 20_000n : 10_000n;
    const worst = s.reduce((m, x) => (x.cu > m ? x.cu : m), 0n);
    return { name, n: s.length, cu, worst, cpis: median(s.map((x) => x.cpis)), cpi, own: cu - cpi, creates, target, ok: cu < target };
  });
  const pad = (v: string | number | bigint, w: number) => String(v).padStart(w);
  console.log("| instruction | samples | median CU | worst CU | CPIs | CU in CPIs | own | creates accounts | target | meets |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.n} | ${pad(r.cu, 6)} | ${pad(r.worst, 6)} | ${r.cpis} | ${pad(r.cpi, 6)} | ${pad(r.own, 6)} | ${r.creates ? "yes" : "no"} | < ${r.target} | ${r.ok ? "yes" : "NO"} |`,
    );
  }
  if (process.argv.includes("--json")) console.log(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
  if (rows.some((r) => !r.ok)) process.exitCode = 1;
}

await main();
