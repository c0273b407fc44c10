/**
 * Differential test of the on-chain 128-bit helpers (programs/gpunet/src/math128.c)
 * against BigInt, run inside the Solana VM (LiteSVM): the test program
 * programs/gpunet/test/math_entry.c executes batches of cases from the
 * instruction data and returns the results as return data.
 *
 * Random cases are seeded; the seed is printed and can be replayed with
 * GPUNET_MATH_SEED=<n> npx vitest run test/program/math128.test.ts
 * (GPUNET_MATH_CASES overrides the number of random cases, default 12,000).
 */
import { address, lamports } from "@solana/kit";
import { Keypair, Transaction, TransactionInstruction } from "@solana/web3.js";
import type { PublicKey } from "@solana/web3.js";
import { LiteSVM } from "litesvm";
import { beforeAll, describe, expect, test } from "vitest";
import { buildProgram } from "../../tools/build-program.ts";
import { deployProgramUpgradeable, sendWeb3Transaction } from "../../localnet/src/deploy.ts";

const M64 = (1n << 64n) - 1n;
const M128 = (1n << 128n) - 1n;
/** math_entry.c pre-sets outputs to this; a failing helper must leave it there. */
const SENTINEL = 0xa5a5a5a5a5a5a5a5n;

/** Op codes of math_entry.c. */
const Op = {
  Mul64x64: 1,
  Add128: 2,
  Sub128: 3,
  Cmp128: 4,
  DivMod: 5,
  MulDiv: 6,
  Fund: 7,
  Accrued: 8,
  Pending: 9,
  Add64: 10,
  Sub64: 11,
  Mul64: 12,
  Empty: 13,
} as const;
type OpCode = (typeof Op)[keyof typeof Op];
const OP_NAME: Record<number, string> = Object.fromEntries(Object.entries(Op).map(([k, v]) => [v, k]));

interface Case {
  op: OpCode;
  args: bigint[];
}

// ---- BigInt reference model: the exact byte output math_entry.c must return ----

class Out {
  readonly bytes: number[] = [];
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u64(v: bigint): this {
    for (let i = 0n; i < 8n; i++) this.bytes.push(Number((v >> (8n * i)) & 0xffn));
    return this;
  }
  u128(v: bigint): this {
    return this.u64(v & M64).u64(v >> 64n);
  }
}

const u128 = (lo: bigint, hi: bigint): bigint => (hi << 64n) | lo;

function expected(c: Case): number[] {
  const a = c.args;
  const arg = (i: number): bigint => a[i] ?? 0n;
  const o = new Out();
  const flagged = (fail: boolean, ok: () => void, failOut: () => void): void => {
    o.u8(fail ? 1 : 0);
    if (fail) failOut();
    else ok();
  };
  switch (c.op) {
    case Op.Mul64x64:
      o.u128(arg(0) * arg(1));
      break;
    case Op.Add128: {
      const s = u128(arg(0), arg(1)) + u128(arg(2), arg(3));
      flagged(
        s > M128,
        () => o.u128(s),
        () => o.u64(SENTINEL).u64(SENTINEL),
      );
      break;
    }
    case Op.Sub128: {
      const d = u128(arg(0), arg(1)) - u128(arg(2), arg(3));
      flagged(
        d < 0n,
        () => o.u128(d),
        () => o.u64(SENTINEL).u64(SENTINEL),
      );
      break;
    }
    case Op.Cmp128: {
      const x = u128(arg(0), arg(1));
      const y = u128(arg(2), arg(3));
      o.u8(x < y ? -1 : x > y ? 1 : 0);
      break;
    }
    case Op.DivMod: {
      const n = u128(arg(0), arg(1));
      const d = arg(2);
      flagged(
        d === 0n,
        () => o.u128(n / d).u64(n % d),
        () => o.u64(SENTINEL).u64(SENTINEL).u64(SENTINEL),
      );
      break;
    }
    case Op.MulDiv: {
      const d = arg(2);
      const q = d === 0n ? 0n : (arg(0) * arg(1)) / d;
      flagged(
        d === 0n || q > M64,
        () => o.u64(q),
        () => o.u64(SENTINEL),
      );
      break;
    }
    case Op.Fund: {
      const acc = u128(arg(0), arg(1));
      const carry = arg(2);
      const r = arg(3);
      const s = arg(4);
      const num = (r << 64n) + carry;
      const next = s === 0n ? 0n : acc + num / s;
      flagged(
        s === 0n || next > M128,
        () => o.u128(next).u64(num % s),
        () => o.u128(acc).u64(carry),
      );
      break;
    }
    case Op.Accrued: {
      const v = (arg(0) * u128(arg(1), arg(2))) >> 64n;
      flagged(
        v > M64,
        () => o.u64(v),
        () => o.u64(SENTINEL),
      );
      break;
    }
    case Op.Pending: {
      const v = (arg(0) * u128(arg(1), arg(2))) >> 64n;
      const debt = arg(3);
      flagged(
        v > M64 || debt > v,
        () => o.u64(v - debt),
        () => o.u64(SENTINEL),
      );
      break;
    }
    case Op.Add64: {
      const s = arg(0) + arg(1);
      flagged(
        s > M64,
        () => o.u64(s),
        () => o.u64(SENTINEL),
      );
      break;
    }
    case Op.Sub64: {
      const s = arg(0) - arg(1);
      flagged(
        s < 0n,
        () => o.u64(s),
        () => o.u64(SENTINEL),
      );
      break;
    }
    case Op.Mul64: {
      const s = arg(0) * arg(1);
      flagged(
        s > M64,
        () => o.u64(s),
        () => o.u64(SENTINEL),
      );
      break;
    }
    case Op.Empty:
      break;
  }
  return o.bytes;
}

// ---- case generation ----

/** Boundary values of a u64 operand. */
const EDGE64: bigint[] = [
  0n,
  1n,
  2n,
  3n,
  10n,
  (1n << 32n) - 1n,
  1n << 32n,
  (1n << 32n) + 1n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 63n) + 1n,
  M64 - 1n,
  M64,
  0xdeadbeefcafebaben,
  1_000_000_000n,
];
/** Boundary values of a u128 operand (includes 2^64, 2^127, 2^128-1). */
const EDGE128: bigint[] = [
  0n,
  1n,
  1n << 32n,
  M64,
  1n << 64n,
  (1n << 64n) + 1n,
  (1n << 96n) - 1n,
  (1n << 127n) - 1n,
  1n << 127n,
  (1n << 127n) + 1n,
  M128 - 1n,
  M128,
  0x0123456789abcdef_fedcba9876543210n,
];
const lo = (v: bigint): bigint => v & M64;
const hi = (v: bigint): bigint => v >> 64n;

function edgeCases(): Case[] {
  const cases: Case[] = [];
  const E = EDGE64;
  for (const a of E)
    for (const b of E) {
      cases.push({ op: Op.Mul64x64, args: [a, b] });
      cases.push({ op: Op.Add64, args: [a, b] });
      cases.push({ op: Op.Sub64, args: [a, b] });
      cases.push({ op: Op.Mul64, args: [a, b] });
      for (const d of E) cases.push({ op: Op.MulDiv, args: [a, b, d] });
    }
  for (const x of EDGE128)
    for (const y of EDGE128) {
      for (const op of [Op.Add128, Op.Sub128, Op.Cmp128]) cases.push({ op, args: [lo(x), hi(x), lo(y), hi(y)] });
    }
  for (const n of EDGE128)
    for (const d of E) {
      cases.push({ op: Op.DivMod, args: [lo(n), hi(n), d] });
    }
  // Long-division stress: the largest numerators whose quotient still fits
  // u64 (hi = d - 1) against divisors whose digits force quotient corrections.
  const DIVISORS = [
    3n,
    (1n << 32n) + 1n,
    0x80000000_00000001n,
    0x80000000_ffffffffn,
    0xffffffff_00000001n,
    0xfffffffe_ffffffffn,
    M64 - 1n,
    M64,
    0x8000_7fff_8000_7fffn,
  ];
  for (const d of DIVISORS)
    for (const l of [0n, 1n, d - 1n, M64 - d + 1n, 1n << 63n, M64]) {
      cases.push({ op: Op.DivMod, args: [l, d - 1n, d] });
      cases.push({ op: Op.MulDiv, args: [d - 1n, M64, d] });
      cases.push({ op: Op.MulDiv, args: [d - 1n, l, d] });
    }
  for (const s of E)
    for (const acc of EDGE128) {
      cases.push({ op: Op.Accrued, args: [s, lo(acc), hi(acc)] });
      for (const debt of [0n, 1n, M64]) cases.push({ op: Op.Pending, args: [s, lo(acc), hi(acc), debt] });
    }
  const ACC = [0n, 1n, 1n << 64n, M128 - (1n << 64n), M128 - 1n, M128];
  const SMALL = [0n, 1n, 1n << 32n, 1n << 63n, M64 - 1n, M64];
  for (const acc of ACC)
    for (const carry of SMALL)
      for (const r of SMALL)
        for (const s of SMALL) {
          cases.push({ op: Op.Fund, args: [lo(acc), hi(acc), carry, r, s] });
        }
  return cases;
}

/** splitmix64: small, seedable, and the same sequence on every platform. */
function rng(seed: bigint): () => bigint {
  let s = seed & M64;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & M64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  };
}

function randomCases(seed: bigint, count: number): Case[] {
  const next = rng(seed);
  const below = (n: number): number => Number(next() % BigInt(n));
  /** A u64 of random bit length (so small, mid and full-width values all occur), sometimes an edge +- 1. */
  const r64 = (): bigint => {
    const k = below(8);
    if (k === 0) return (EDGE64[below(EDGE64.length)]! + BigInt(below(3)) - 1n) & M64;
    const bits = BigInt(below(65));
    return bits === 0n ? 0n : next() >> (64n - bits);
  };
  const r128 = (): bigint => {
    const k = below(8);
    if (k === 0) return (EDGE128[below(EDGE128.length)]! + BigInt(below(3)) - 1n) & M128;
    const bits = BigInt(below(129));
    const v = u128(next(), next());
    return bits === 0n ? 0n : v >> (128n - bits);
  };
  const cases: Case[] = [];
  const ops: OpCode[] = [Op.Mul64x64, Op.Add128, Op.Sub128, Op.Cmp128, Op.DivMod, Op.MulDiv, Op.Fund, Op.Accrued, Op.Pending, Op.Add64, Op.Sub64, Op.Mul64];
  for (let i = 0; i < count; i++) {
    const op = ops[i % ops.length]!;
    switch (op) {
      case Op.Add128:
      case Op.Sub128:
      case Op.Cmp128: {
        const x = r128();
        // A third of the time compare/subtract values that share their high half.
        const y = below(3) === 0 ? u128(r64(), hi(x)) : r128();
        cases.push({ op, args: [lo(x), hi(x), lo(y), hi(y)] });
        break;
      }
      case Op.DivMod: {
        const n = r128();
        cases.push({ op, args: [lo(n), hi(n), r64()] });
        break;
      }
      case Op.MulDiv: {
        const a = r64();
        const b = r64();
        // Half the time a divisor just above the product's high half: the
        // quotient fits u64 and the long-division path runs.
        const ph = (a * b) >> 64n;
        const d = below(2) === 0 && ph < M64 ? ph + 1n + (next() % (M64 - ph)) : r64();
        cases.push({ op, args: [a, b, d] });
        break;
      }
      case Op.Fund: {
        const s = r64();
        const carry = s > 0n && below(4) !== 0 ? next() % s : r64();
        const acc = below(4) === 0 ? M128 - (next() & M64) : r128();
        cases.push({ op, args: [lo(acc), hi(acc), carry, r64(), s] });
        break;
      }
      case Op.Accrued:
      case Op.Pending: {
        const stake = r64();
        const acc = r128();
        const v = (stake * acc) >> 64n;
        const debt = below(2) === 0 && v <= M64 ? (v === 0n ? 0n : next() % (v + 1n)) : r64();
        cases.push({ op, args: op === Op.Accrued ? [stake, lo(acc), hi(acc)] : [stake, lo(acc), hi(acc), debt] });
        break;
      }
      default:
        cases.push({ op, args: [r64(), r64()] });
    }
  }
  return cases;
}

// ---- running cases in the VM ----

/** Instruction data and return data budgets per transaction (1,232-byte packet, 1,024-byte return data). */
const MAX_IN = 900;
const MAX_OUT = 1000;

interface Vm {
  svm: LiteSVM;
  payer: Keypair;
  programId: PublicKey;
}

async function setupVm(): Promise<Vm> {
  const so = await buildProgram({
    sources: ["programs/gpunet/src/rt.c", "programs/gpunet/src/math128.c", "programs/gpunet/test/math_entry.c"],
    includeDirs: ["programs/gpunet/include"],
    out: "target/build/gpunet_math_test.so",
  });
  const svm = new LiteSVM();
  const payer = Keypair.generate();
  svm.airdrop(address(payer.publicKey.toBase58()), lamports(1_000_000_000_000n));
  const programKeypair = Keypair.generate();
  deployProgramUpgradeable(svm, { programKeypair, payer, programBytes: so });
  return { svm, payer, programId: programKeypair.publicKey };
}

function encodeCase(c: Case, measure: boolean): Uint8Array {
  const b = new Uint8Array(1 + 8 * c.args.length);
  b[0] = c.op | (measure ? 0x80 : 0);
  const v = new DataView(b.buffer);
  c.args.forEach((x, i) => v.setBigUint64(1 + 8 * i, x, true));
  return b;
}

/** Runs one batch; returns the raw return data (zero-padded to `outLen`: trailing zero bytes are not kept by the runtime) and the logs. */
function runBatch(vm: Vm, batch: Case[], measure: boolean, outLen: number): { out: Uint8Array; cu: bigint; logs: string[] } {
  const data = Buffer.concat(batch.map((c) => encodeCase(c, measure)));
  const tx = new Transaction().add(new TransactionInstruction({ programId: vm.programId, keys: [], data }));
  tx.feePayer = vm.payer.publicKey;
  tx.recentBlockhash = vm.svm.latestBlockhash();
  tx.sign(vm.payer);
  const r = sendWeb3Transaction(vm.svm, tx);
  if (!r.ok) throw new Error(`math batch failed: ${r.error}\n${r.meta.logs().join("\n")}`);
  const got = r.meta.returnData().data();
  const out = new Uint8Array(Math.max(outLen, got.length));
  out.set(got);
  return { out, cu: r.meta.computeUnitsConsumed(), logs: r.meta.logs() };
}

/** The "units remaining" values of sol_log_compute_units_ lines, in order. */
function meterReadings(logs: string[]): bigint[] {
  const re = /^Program consumption: (\d+) units remaining$/;
  return logs.flatMap((l) => {
    const m = re.exec(l);
    return m ? [BigInt(m[1]!)] : [];
  });
}

interface Mismatch {
  c: Case;
  want: string;
  got: string;
}

function hex(b: ArrayLike<number>): string {
  return Buffer.from(Array.from(b)).toString("hex");
}

/** Runs all cases in as few transactions as fit, comparing every result byte for byte. */
function runAll(vm: Vm, cases: Case[]): { mismatches: Mismatch[]; txs: number; maxCu: bigint } {
  const mismatches: Mismatch[] = [];
  let txs = 0;
  let maxCu = 0n;
  let i = 0;
  while (i < cases.length) {
    const batch: Case[] = [];
    const wants: number[][] = [];
    let inLen = 0;
    let outLen = 0;
    while (i < cases.length) {
      const c = cases[i]!;
      const w = expected(c);
      const cin = 1 + 8 * c.args.length;
      if (batch.length > 0 && (inLen + cin > MAX_IN || outLen + w.length > MAX_OUT)) break;
      batch.push(c);
      wants.push(w);
      inLen += cin;
      outLen += w.length;
      i++;
    }
    const { out, cu } = runBatch(vm, batch, false, outLen);
    txs++;
    if (cu > maxCu) maxCu = cu;
    let off = 0;
    batch.forEach((c, k) => {
      const w = wants[k]!;
      const g = out.subarray(off, off + w.length);
      if (hex(g) !== hex(w)) mismatches.push({ c, want: hex(w), got: hex(g) });
      off += w.length;
    });
    if (out.length > outLen && out.subarray(outLen).some((x) => x !== 0)) throw new Error("return data longer than expected");
  }
  return { mismatches, txs, maxCu };
}

function describeMismatches(ms: Mismatch[]): string {
  return ms
    .slice(0, 10)
    .map((m) => `${OP_NAME[m.c.op]}(${m.c.args.map((a) => `0x${a.toString(16)}`).join(", ")}): want ${m.want} got ${m.got}`)
    .join("\n");
}

describe("gp_math128 in the Solana VM, differential against BigInt", () => {
  let vm: Vm;
  beforeAll(async () => {
    vm = await setupVm();
  });

  test("Given every combination of boundary operands, When each helper runs in the VM, Then it matches BigInt bit for bit", () => {
    const cases = edgeCases();
    const { mismatches, txs, maxCu } = runAll(vm, cases);
    console.log(`math128 edge cases: ${cases.length} cases in ${txs} transactions (max ${maxCu} CU per transaction)`);
    expect(describeMismatches(mismatches)).toBe("");
    expect(cases.length).toBeGreaterThan(4000);
  });

  test("Given seeded random operands, When each helper runs in the VM, Then it matches BigInt bit for bit", () => {
    const envSeed = process.env["GPUNET_MATH_SEED"];
    const seed = envSeed !== undefined ? BigInt(envSeed) : BigInt(Date.now());
    const count = Number(process.env["GPUNET_MATH_CASES"] ?? "12000");
    console.log(`math128 random cases: seed ${seed} (replay with GPUNET_MATH_SEED=${seed}), ${count} cases`);
    const cases = randomCases(seed, count);
    const { mismatches, txs } = runAll(vm, cases);
    console.log(`math128 random cases: ${cases.length} cases in ${txs} transactions`);
    expect(describeMismatches(mismatches), `seed ${seed}`).toBe("");
    // 10,000 random cases at least, unless GPUNET_MATH_CASES asks otherwise.
    expect(cases.length).toBe(count);
    if (process.env["GPUNET_MATH_CASES"] === undefined) expect(count).toBeGreaterThanOrEqual(10_000);
  });

  test("Given typical and worst-case operands, When each helper is metered, Then its compute units are printed and bounded", () => {
    const X = 0xfedcba9876543210n;
    const probes: { label: string; c: Case }[] = [
      { label: "nothing (meter calibration, should be 0)", c: { op: Op.Empty, args: [] } },
      { label: "gp_add_u64 (inline)", c: { op: Op.Add64, args: [X, 12345n] } },
      { label: "gp_sub_u64 (inline)", c: { op: Op.Sub64, args: [X, 12345n] } },
      { label: "gp_mul_u64 (inline)", c: { op: Op.Mul64, args: [X >> 20n, 12345n] } },
      { label: "gp_u128_cmp (inline)", c: { op: Op.Cmp128, args: [1n, X, 2n, X] } },
      { label: "gp_mul_64x64", c: { op: Op.Mul64x64, args: [X, X] } },
      { label: "gp_u128_add", c: { op: Op.Add128, args: [X, X, X, 1n] } },
      { label: "gp_u128_sub", c: { op: Op.Sub128, args: [X, X, X, 1n] } },
      { label: "gp_u128_divmod_u64 (n < 2^64)", c: { op: Op.DivMod, args: [X, 0n, 1n << 40n] } },
      { label: "gp_u128_divmod_u64 (full 128/64)", c: { op: Op.DivMod, args: [X, X, 0x8000000000000001n] } },
      { label: "gp_mul_div_u64 (product < 2^64)", c: { op: Op.MulDiv, args: [1_000_000n, 2_500n, 10_000n] } },
      { label: "gp_mul_div_u64 (128-bit product)", c: { op: Op.MulDiv, args: [X, X - 1n, X] } },
      { label: "gp_reward_fund", c: { op: Op.Fund, args: [X, 3n, 12345n, 1_000_000_000n, 7_000_000_001n] } },
      { label: "gp_reward_accrued", c: { op: Op.Accrued, args: [1_000_000_000n, X, 3n] } },
      { label: "gp_reward_pending", c: { op: Op.Pending, args: [1_000_000_000n, X, 3n, 100n] } },
    ];
    const outLen = probes.reduce((n, p) => n + expected(p.c).length, 0);
    const { out, logs } = runBatch(
      vm,
      probes.map((p) => p.c),
      true,
      outLen,
    );
    const readings = meterReadings(logs);
    expect(readings.length).toBe(2 * probes.length);
    const delta = (k: number): bigint => readings[2 * k]! - readings[2 * k + 1]!;
    // Probe 0 brackets nothing: what two meter calls and their branches cost.
    const base = delta(0);
    let off = 0;
    const rows: string[] = [];
    const cus = new Map<string, bigint>();
    probes.forEach((p, k) => {
      const w = expected(p.c);
      expect(hex(out.subarray(off, off + w.length)), p.label).toBe(hex(w));
      off += w.length;
      const cu = delta(k) - base;
      cus.set(p.label, cu);
      rows.push(`  ${p.label.padEnd(44)} ${cu} CU`);
    });
    console.log(`CU per helper call (sol_log_compute_units_ delta, meter cost subtracted):\n${rows.join("\n")}`);
    expect(cus.get("nothing (meter calibration, should be 0)")).toBe(0n);
    for (const [label, cu] of cus) expect(cu, label).toBeLessThan(400n);
  });
});
