/* Test-only program (never shipped): runs gp_math128 helpers on operands
 * from the instruction data so test/program/math128.test.ts can compare
 * them with BigInt inside the Solana VM. Built from this file + rt.c +
 * math128.c.
 *
 * Instruction data: a sequence of cases, each `u8 op` then its u64 operands
 * (little-endian). If op has bit 0x80 set, the helper call is bracketed by
 * sol_log_compute_units_ so the test can read its cost. Results are concatenated
 * into the return data (at most 1,024 bytes). Outputs of a failing helper
 * are pre-set to a sentinel so the test can see they were left untouched.
 *
 *   op  operands                     result
 *   1   a b                          lo hi                (gp_mul_64x64)
 *   2   alo ahi blo bhi              u8 flag, lo hi       (gp_u128_add)
 *   3   alo ahi blo bhi              u8 flag, lo hi       (gp_u128_sub)
 *   4   alo ahi blo bhi              i8 cmp               (gp_u128_cmp)
 *   5   nlo nhi d                    u8 flag, qlo qhi rem (gp_u128_divmod_u64)
 *   6   a b d                        u8 flag, out         (gp_mul_div_u64)
 *   7   acclo acchi carry R S        u8 flag, acclo acchi carry (gp_reward_fund)
 *   8   stake acclo acchi            u8 flag, out         (gp_reward_accrued)
 *   9   stake acclo acchi debt       u8 flag, out         (gp_reward_pending)
 *   10  a b                          u8 flag, out         (gp_add_u64)
 *   11  a b                          u8 flag, out         (gp_sub_u64)
 *   12  a b                          u8 flag, out         (gp_mul_u64)
 *   13  (none)                       nothing: measures an empty region
 */
#include "gp_math128.h"
#include "gp_rt.h"

#define SENTINEL 0xa5a5a5a5a5a5a5a5ULL
#define OUT_CAP 1024

const char *gp_error_name(uint32_t code) {
  (void)code;
  return GP_NULL;
}
const char *gp_error_msg(uint32_t code) {
  (void)code;
  return GP_NULL;
}

/* Cases are dispatched through a noinline function so that each helper is
 * a real call, as it is in the shipped program (separate translation units
 * are not inlined across by llvm-link + llc). */
typedef struct {
  const uint8_t *in;
  uint8_t *out;
} cursor_t;

/* With the measure bit, the helper call is bracketed by two
 * "Program consumption: N units remaining" log lines; op 13 brackets
 * nothing, which gives the cost of the bracketing itself. */
#define METER()                                                                                    \
  do {                                                                                             \
    if (measure) sol_log_compute_units_();                                                         \
  } while (0)

#define ARG(i) gp_load_u64(c->in + 8 * (i))

static uint64_t nargs(uint8_t op) {
  static const uint8_t n[14] = {0, 2, 4, 4, 4, 3, 3, 5, 3, 4, 2, 2, 2, 0};
  return op < 14 ? n[op] : 255;
}

__attribute__((noinline)) static uint64_t run_case(uint8_t op, cursor_t *c, gp_bool measure) {
  uint8_t *o = c->out;
  uint64_t r0 = SENTINEL, r1 = SENTINEL, r2 = SENTINEL;
  int flag = 0;
  gp_u128 a, b, r;
  switch (op) {
  case 1:
    METER();
    gp_mul_64x64(ARG(0), ARG(1), &r);
    METER();
    gp_store_u64(o, r.lo);
    gp_store_u64(o + 8, r.hi);
    o += 16;
    break;
  case 2:
  case 3:
    a.lo = ARG(0);
    a.hi = ARG(1);
    b.lo = ARG(2);
    b.hi = ARG(3);
    r.lo = SENTINEL;
    r.hi = SENTINEL;
    METER();
    flag = op == 2 ? gp_u128_add(&a, &b, &r) : gp_u128_sub(&a, &b, &r);
    METER();
    *o++ = (uint8_t)flag;
    gp_store_u64(o, r.lo);
    gp_store_u64(o + 8, r.hi);
    o += 16;
    break;
  case 4:
    a.lo = ARG(0);
    a.hi = ARG(1);
    b.lo = ARG(2);
    b.hi = ARG(3);
    METER();
    flag = gp_u128_cmp(&a, &b);
    METER();
    *o++ = (uint8_t)(int8_t)flag;
    break;
  case 5:
    a.lo = ARG(0);
    a.hi = ARG(1);
    r.lo = SENTINEL;
    r.hi = SENTINEL;
    METER();
    flag = gp_u128_divmod_u64(&a, ARG(2), &r, &r0);
    METER();
    *o++ = (uint8_t)flag;
    gp_store_u64(o, r.lo);
    gp_store_u64(o + 8, r.hi);
    gp_store_u64(o + 16, r0);
    o += 24;
    break;
  case 6:
    METER();
    flag = gp_mul_div_u64(ARG(0), ARG(1), ARG(2), &r0);
    METER();
    *o++ = (uint8_t)flag;
    gp_store_u64(o, r0);
    o += 8;
    break;
  case 7:
    a.lo = ARG(0);
    a.hi = ARG(1);
    r0 = ARG(2);
    METER();
    flag = gp_reward_fund(&a, &r0, ARG(3), ARG(4));
    METER();
    *o++ = (uint8_t)flag;
    gp_store_u64(o, a.lo);
    gp_store_u64(o + 8, a.hi);
    gp_store_u64(o + 16, r0);
    o += 24;
    break;
  case 8:
    a.lo = ARG(1);
    a.hi = ARG(2);
    METER();
    flag = gp_reward_accrued(ARG(0), &a, &r0);
    METER();
    *o++ = (uint8_t)flag;
    gp_store_u64(o, r0);
    o += 8;
    break;
  case 9:
    a.lo = ARG(1);
    a.hi = ARG(2);
    METER();
    flag = gp_reward_pending(ARG(0), &a, ARG(3), &r0);
    METER();
    *o++ = (uint8_t)flag;
    gp_store_u64(o, r0);
    o += 8;
    break;
  case 10:
  case 11:
  case 12:
    r1 = ARG(0);
    r2 = ARG(1);
    METER();
    flag = op == 10 ? gp_add_u64(r1, r2, &r0) : op == 11 ? gp_sub_u64(r1, r2, &r0) : gp_mul_u64(r1, r2, &r0);
    METER();
    *o++ = (uint8_t)flag;
    gp_store_u64(o, r0);
    o += 8;
    break;
  case 13:
    METER();
    METER();
    break;
  default:
    return 1;
  }
  c->out = o;
  return 0;
}

uint64_t entrypoint(uint8_t *input) {
  /* Both live on the heap: the input view is 1.8 KiB, beyond llc's default
   * 512-byte frame check. */
  gp_input_t *inp = (gp_input_t *)GP_HEAP_START;
  uint8_t *out = GP_HEAP_START + sizeof(gp_input_t);
  if (gp_deserialize(input, inp)) return 2;
  cursor_t c;
  c.out = out;
  const uint8_t *p = inp->data;
  const uint8_t *end = inp->data + inp->data_len;
  while (p < end) {
    uint8_t op = *p & 0x7f;
    gp_bool measure = (*p & 0x80) != 0;
    uint64_t n = nargs(op);
    if (n == 255 || p + 1 + 8 * n > end) return 3;
    c.in = p + 1;
    if (run_case(op, &c, measure)) return 4;
    if (c.out > out + OUT_CAP) return 5;
    p += 1 + 8 * n;
  }
  sol_set_return_data(out, (uint64_t)(c.out - out));
  return 0;
}
