/* gpunet 128-bit arithmetic; see gp_math128.h for the contract of each
 * function. Every operation here is checked against BigInt by
 * test/program/math128.test.ts running this code in the Solana VM. */
#include "gp_math128.h"

#define LO32 0xffffffffULL

void gp_mul_64x64(uint64_t a, uint64_t b, gp_u128 *r) {
  uint64_t a0 = a & LO32, a1 = a >> 32;
  uint64_t b0 = b & LO32, b1 = b >> 32;
  uint64_t p00 = a0 * b0;
  uint64_t p01 = a0 * b1;
  uint64_t p10 = a1 * b0;
  uint64_t p11 = a1 * b1;
  /* Sum of three values below 2^32 each: cannot wrap. */
  uint64_t mid = (p00 >> 32) + (p01 & LO32) + (p10 & LO32);
  r->lo = (p00 & LO32) | (mid << 32);
  r->hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

int gp_u128_add(const gp_u128 *a, const gp_u128 *b, gp_u128 *r) {
  uint64_t lo = a->lo + b->lo;
  uint64_t c = lo < a->lo;
  uint64_t hi = a->hi + b->hi;
  if (hi < a->hi) return 1;
  uint64_t hi2 = hi + c;
  if (hi2 < hi) return 1;
  r->lo = lo;
  r->hi = hi2;
  return 0;
}

int gp_u128_sub(const gp_u128 *a, const gp_u128 *b, gp_u128 *r) {
  if (a->hi < b->hi || (a->hi == b->hi && a->lo < b->lo)) return 1;
  uint64_t borrow = a->lo < b->lo;
  r->hi = a->hi - b->hi - borrow;
  r->lo = a->lo - b->lo;
  return 0;
}

/* Leading zero count of x != 0 by binary search: BPF has no clz, and a
 * hand-written search keeps LLVM from picking a slower expansion. */
static uint64_t clz64(uint64_t x) {
  uint64_t n = 0;
  if (x <= 0x00000000ffffffffULL) { n += 32; x <<= 32; }
  if (x <= 0x0000ffffffffffffULL) { n += 16; x <<= 16; }
  if (x <= 0x00ffffffffffffffULL) { n += 8; x <<= 8; }
  if (x <= 0x0fffffffffffffffULL) { n += 4; x <<= 4; }
  if (x <= 0x3fffffffffffffffULL) { n += 2; x <<= 2; }
  if (x <= 0x7fffffffffffffffULL) { n += 1; }
  return n;
}

/* (u1 * 2^64 + u0) / v with u1 < v (so the quotient fits 64 bits), and the
 * remainder. Long division in base 2^32 on a normalised divisor (Knuth
 * vol. 2, algorithm D, two digits), each quotient digit estimated by one
 * native 64-bit division and corrected at most twice. */
static uint64_t div_128_64(uint64_t u1, uint64_t u0, uint64_t v, uint64_t *rem) {
  const uint64_t b = 1ULL << 32;
  uint64_t s = clz64(v);
  v <<= s;
  uint64_t vn1 = v >> 32, vn0 = v & LO32;
  uint64_t un32 = s ? (u1 << s) | (u0 >> (64 - s)) : u1;
  uint64_t un10 = u0 << s;
  uint64_t un1 = un10 >> 32, un0 = un10 & LO32;

  uint64_t q1 = un32 / vn1;
  uint64_t rhat = un32 - q1 * vn1;
  while (q1 >= b || q1 * vn0 > ((rhat << 32) | un1)) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  uint64_t un21 = (un32 << 32) + un1 - q1 * v; /* wraps by design */

  uint64_t q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > ((rhat << 32) | un0)) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  *rem = ((un21 << 32) + un0 - q0 * v) >> s;
  return (q1 << 32) | q0;
}

int gp_u128_divmod_u64(const gp_u128 *n, uint64_t d, gp_u128 *q, uint64_t *rem) {
  if (d == 0) return 1;
  uint64_t qhi = n->hi / d;
  uint64_t r = n->hi - qhi * d;
  uint64_t qlo, rlo;
  if (r == 0) {
    qlo = n->lo / d;
    rlo = n->lo - qlo * d;
  } else {
    qlo = div_128_64(r, n->lo, d, &rlo);
  }
  if (q) {
    q->lo = qlo;
    q->hi = qhi;
  }
  if (rem) *rem = rlo;
  return 0;
}

int gp_mul_div_u64(uint64_t a, uint64_t b, uint64_t d, uint64_t *out) {
  if (d == 0) return 1;
  gp_u128 p;
  gp_mul_64x64(a, b, &p);
  if (p.hi == 0) {
    *out = p.lo / d;
    return 0;
  }
  if (p.hi >= d) return 1;
  uint64_t r;
  *out = div_128_64(p.hi, p.lo, d, &r);
  return 0;
}

int gp_reward_fund(gp_u128 *acc, uint64_t *carry, uint64_t reward, uint64_t total_stake) {
  if (total_stake == 0) return 1;
  gp_u128 num, q, sum;
  uint64_t r;
  num.lo = *carry;
  num.hi = reward;
  gp_u128_divmod_u64(&num, total_stake, &q, &r);
  if (gp_u128_add(acc, &q, &sum)) return 1;
  *acc = sum;
  *carry = r;
  return 0;
}

int gp_reward_accrued(uint64_t stake, const gp_u128 *acc, uint64_t *out) {
  gp_u128 p0, p1;
  /* stake * acc = p0 + p1 * 2^64; shifted right by 64: p1 + p0.hi. */
  gp_mul_64x64(stake, acc->lo, &p0);
  gp_mul_64x64(stake, acc->hi, &p1);
  if (p1.hi != 0) return 1;
  uint64_t s = p1.lo + p0.hi;
  if (s < p1.lo) return 1;
  *out = s;
  return 0;
}

int gp_reward_pending(uint64_t stake, const gp_u128 *acc, uint64_t debt, uint64_t *out) {
  uint64_t accrued;
  if (gp_reward_accrued(stake, acc, &accrued)) return 1;
  if (debt > accrued) return 1;
  *out = accrued - debt;
  return 0;
}
