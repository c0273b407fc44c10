/* gpunet 128-bit arithmetic for SBPF v0.
 *
 * Upstream LLVM's BPF backend cannot multiply or divide __int128 (no
 * __multi3/__udivti3), and has no 64x64->128 multiply instruction, so these
 * helpers build everything from 32-bit halves and native 64-bit div/mod.
 * Every function that can overflow returns 1 on overflow (or division by
 * zero) and 0 on success, and leaves its outputs untouched on failure.
 * Values are passed by pointer (BPF returns one register; at most 5
 * arguments). Inputs and outputs may alias.
 */
#ifndef GP_MATH128_H
#define GP_MATH128_H

#include <stdint.h>

typedef struct {
  uint64_t lo;
  uint64_t hi;
} gp_u128;

/* ---- checked u64 (inline: each is a few instructions) ----------------- */
static inline int gp_add_u64(uint64_t a, uint64_t b, uint64_t *out) {
  uint64_t s = a + b;
  if (s < a) return 1;
  *out = s;
  return 0;
}
static inline int gp_sub_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (b > a) return 1;
  *out = a - b;
  return 0;
}
/* One native division instead of a 128-bit product (1 CU per instruction).
 * The empty asm hides the quotient from LLVM, which otherwise recognises
 * the idiom, rewrites it as umul.with.overflow and asks for __multi3. */
static inline int gp_mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
  if (a != 0) {
    uint64_t lim = 0xffffffffffffffffULL / a;
    __asm__("" : "+r"(lim));
    if (b > lim) return 1;
  }
  *out = a * b;
  return 0;
}

/* ---- u128 ------------------------------------------------------------- */
static inline void gp_u128_from_u64(gp_u128 *r, uint64_t v) {
  r->lo = v;
  r->hi = 0;
}
/* -1, 0, 1 for a < b, a == b, a > b. */
static inline int gp_u128_cmp(const gp_u128 *a, const gp_u128 *b) {
  if (a->hi != b->hi) return a->hi < b->hi ? -1 : 1;
  if (a->lo != b->lo) return a->lo < b->lo ? -1 : 1;
  return 0;
}

/* r = a * b (full 128-bit product, never overflows). */
void gp_mul_64x64(uint64_t a, uint64_t b, gp_u128 *r);
/* r = a + b; 1 on overflow past 2^128-1. */
int gp_u128_add(const gp_u128 *a, const gp_u128 *b, gp_u128 *r);
/* r = a - b; 1 if b > a. */
int gp_u128_sub(const gp_u128 *a, const gp_u128 *b, gp_u128 *r);
/* q = n / d, rem = n % d (full 128-bit quotient). 1 if d == 0. q or rem may
 * be 0 (a null pointer) when not wanted. */
int gp_u128_divmod_u64(const gp_u128 *n, uint64_t d, gp_u128 *q, uint64_t *rem);

/* out = floor(a * b / d); 1 if d == 0 or the quotient exceeds u64. */
int gp_mul_div_u64(uint64_t a, uint64_t b, uint64_t d, uint64_t *out);

/* ---- reward accumulator (protocol.md "Rewards: exact accounting") ----- */
/* Funding R with total active stake S > 0:
 *   num = R * 2^64 + *carry; *acc += num / S; *carry = num % S.
 * num always fits 128 bits (R, carry < 2^64), whatever carry is relative to
 * S. Returns 1 (acc and carry unchanged) if S == 0 or acc would pass
 * 2^128-1. */
int gp_reward_fund(gp_u128 *acc, uint64_t *carry, uint64_t reward, uint64_t total_stake);
/* out = floor(stake * acc / 2^64) from the 192-bit product; 1 if it does not
 * fit u64. */
int gp_reward_accrued(uint64_t stake, const gp_u128 *acc, uint64_t *out);
/* out = floor(stake * acc / 2^64) - debt: a provider's pending reward.
 * 1 on overflow, or if debt exceeds the accrued amount (a broken
 * invariant, reported rather than wrapped). */
int gp_reward_pending(uint64_t stake, const gp_u128 *acc, uint64_t debt, uint64_t *out);

#endif
