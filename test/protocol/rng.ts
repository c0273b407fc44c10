/**
 * A small seeded PRNG (xorshift128+ over BigInt-free 32-bit halves: sfc32) so a
 * workload run is reproducible from its printed seed.
 */

export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** BigInt in [lo, hi] (inclusive). */
  big(lo: bigint, hi: bigint): bigint;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  /** Index chosen by weight. */
  weighted(weights: readonly number[]): number;
  bytes32(): number[];
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  let b = 0x9e3779b9;
  let c = 0x243f6a88;
  let d = 0xb7e15162;
  const u32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return r >>> 0;
  };
  for (let i = 0; i < 16; i++) u32();
  const rng: Rng = {
    seed,
    next: () => u32() / 4294967296,
    int: (lo, hi) => lo + Math.floor(rng.next() * (hi - lo + 1)),
    big(lo, hi) {
      const span = hi - lo + 1n;
      let r = 0n;
      for (let i = 0; i < 4; i++) r = (r << 32n) | BigInt(u32());
      return lo + (r % span);
    },
    chance: (p) => rng.next() < p,
    pick<T>(xs: readonly T[]): T {
      const x = xs[Math.floor(rng.next() * xs.length)];
      if (x === undefined) throw new Error("rng.pick: empty list");
      return x;
    },
    weighted(weights) {
      const total = weights.reduce((s, w) => s + w, 0);
      let r = rng.next() * total;
      for (let i = 0; i < weights.length; i++) {
        r -= weights[i] ?? 0;
        if (r < 0) return i;
      }
      return weights.length - 1;
    },
    bytes32: () => Array.from({ length: 32 }, () => u32() & 0xff),
  };
  return rng;
}

/** The run's seed: `GPUNET_SEED` when set (decimal), else a fresh one. */
export function seedFromEnv(): number {
  const s = process.env.GPUNET_SEED;
  if (s !== undefined && s !== "") {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`GPUNET_SEED must be an integer in 0..2^32-1, got ${s}`);
    return n;
  }
  return Math.floor(Math.random() * 0xffffffff) >>> 0;
}
