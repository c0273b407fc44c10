/* Account checks, PDA creation, token helpers and reward accounting shared
 * by all instruction handlers. */
#include "common.h"

const char *gp_error_name(uint32_t code) {
  if (code < GP_ERR_FIRST || code >= GP_ERR_FIRST + GP_ERR_COUNT) return GP_NULL;
  return GP_ERROR_NAMES[code - GP_ERR_FIRST];
}

const char *gp_error_msg(uint32_t code) {
  if (code < GP_ERR_FIRST || code >= GP_ERR_FIRST + GP_ERR_COUNT) return GP_NULL;
  return GP_ERROR_MSGS[code - GP_ERR_FIRST];
}

uint64_t gp_ctx_clock(gp_ctx_t *c) {
  if (gp_clock_now(&c->now, GP_NULL, &c->epoch) != GP_RT_OK) GP_FAIL(GP_ERR_INVALID_ARGUMENT);
  return 0;
}

uint64_t gp_args(const gp_ctx_t *c, void *out, uint64_t size) {
  GP_CHECK(c->in->data_len == 8 + size, GP_ERR_INVALID_INSTRUCTION);
  if (size) gp_memcpy(out, c->in->data + 8, size);
  return 0;
}

uint64_t gp_require_signer(const gp_account_t *a) {
  GP_CHECK(a->is_signer, GP_ERR_MISSING_SIGNER);
  return 0;
}

uint64_t gp_require_writable(const gp_account_t *a) {
  GP_CHECK(a->is_writable, GP_ERR_ACCOUNT_NOT_WRITABLE);
  return 0;
}

uint64_t gp_require_token_program(const gp_account_t *a) {
  GP_CHECK(gp_key_eq(a->key, &GP_TOKEN_PROGRAM_ID), GP_ERR_WRONG_PROGRAM);
  return 0;
}

uint64_t gp_require_system_program(const gp_account_t *a) {
  GP_CHECK(gp_key_eq(a->key, &GP_SYSTEM_PROGRAM_ID), GP_ERR_WRONG_PROGRAM);
  return 0;
}

/* The address of a loaded program account is re-derived from the seeds and
 * bump stored in it: an account of the right type at any other address (which
 * only a bug could create) is refused before anything reads it. */
static uint64_t verify_address(const gp_ctx_t *c, const gp_account_t *a, uint64_t disc) {
  const uint8_t *d = a->data + 8;
  gp_seed_t s[3];
  uint64_t n;
  uint8_t bump;
  uint64_t id_le;
  if (disc == GP_ACC_CONFIG_DISC) {
    const gp_config_t *cfg = (const gp_config_t *)d;
    s[0].addr = (const uint8_t *)"config";
    s[0].len = 6;
    n = 1;
    bump = cfg->bump;
  } else if (disc == GP_ACC_PROVIDER_DISC) {
    const gp_provider_t *p = (const gp_provider_t *)d;
    s[0].addr = (const uint8_t *)"provider";
    s[0].len = 8;
    s[1].addr = p->owner;
    s[1].len = 32;
    n = 2;
    bump = p->bump;
  } else {
    const gp_job_t *j = (const gp_job_t *)d;
    id_le = j->job_id;
    s[0].addr = (const uint8_t *)"job";
    s[0].len = 3;
    s[1].addr = j->buyer;
    s[1].len = 32;
    s[2].addr = (const uint8_t *)&id_le;
    s[2].len = 8;
    n = 3;
    bump = j->bump;
  }
  GP_CHECK(gp_verify_pda(a->key, s, n, bump, c->program_id), GP_ERR_INVALID_PDA);
  return 0;
}

uint64_t gp_load(const gp_ctx_t *c, const gp_account_t *a, const gp_kind_t *kind, int writable, void **out) {
  GP_CHECK(gp_key_eq(a->owner, c->program_id), GP_ERR_WRONG_ACCOUNT_OWNER);
  GP_CHECK(a->data_len == kind->size, GP_ERR_WRONG_ACCOUNT_TYPE);
  GP_CHECK(gp_load_u64(a->data) == kind->disc, GP_ERR_WRONG_ACCOUNT_TYPE);
  GP_TRY(verify_address(c, a, kind->disc));
  if (writable) GP_CHECK(a->is_writable, GP_ERR_ACCOUNT_NOT_WRITABLE);
  *out = a->data + 8;
  return 0;
}

uint64_t gp_time_add(int64_t a, int64_t b, int64_t *out) {
  GP_CHECK(!__builtin_add_overflow(a, b, out), GP_ERR_MATH_OVERFLOW);
  return 0;
}

int64_t gp_paused_total(const gp_config_t *cfg, int64_t now) {
  int64_t t = cfg->paused_total;
  if (cfg->paused && now > cfg->paused_at) t += now - cfg->paused_at;
  return t;
}

uint64_t gp_effective_time(const gp_config_t *cfg, int64_t now, int64_t at, int64_t mark, int64_t *out) {
  return gp_time_add(at, gp_paused_total(cfg, now) - mark, out);
}

uint64_t gp_check_canonical_pda(const gp_ctx_t *c, const gp_pubkey_t *key, const gp_seed_t *seeds,
                                uint64_t nseeds, uint8_t bump) {
  gp_pubkey_t derived;
  GP_CHECK(gp_create_pda(seeds, nseeds, bump, c->program_id, &derived) == GP_RT_OK, GP_ERR_INVALID_PDA);
  GP_CHECK(gp_key_eq(&derived, key), GP_ERR_INVALID_PDA);
  /* A higher bump that is off the curve would be the canonical one. */
  for (uint32_t b = (uint32_t)bump + 1; b <= 255; b++) {
    GP_CHECK(gp_create_pda(seeds, nseeds, (uint8_t)b, c->program_id, &derived) != GP_RT_OK,
             GP_ERR_INVALID_PDA);
  }
  return 0;
}

uint64_t gp_check_new_token_account(const gp_account_t *a) {
  GP_CHECK(a->is_writable, GP_ERR_ACCOUNT_NOT_WRITABLE);
  GP_CHECK(gp_key_eq(a->owner, &GP_SYSTEM_PROGRAM_ID) && a->data_len == 0, GP_ERR_ALREADY_INITIALIZED);
  return 0;
}

uint64_t gp_create_program_account(const gp_ctx_t *c, const gp_account_t *payer, gp_account_t *acc,
                                   const gp_signer_seeds_t *seeds, const gp_kind_t *kind) {
  GP_CHECK(acc->is_writable, GP_ERR_ACCOUNT_NOT_WRITABLE);
  GP_CHECK(gp_key_eq(acc->owner, &GP_SYSTEM_PROGRAM_ID) && acc->data_len == 0, GP_ERR_ALREADY_INITIALIZED);
  GP_CHECK(gp_system_create_account(payer, acc, kind->size, c->program_id, seeds) == GP_RT_OK,
           GP_ERR_INSUFFICIENT_FUNDS);
  gp_store_u64(acc->data, kind->disc);
  return 0;
}

uint64_t gp_check_token(const gp_account_t *a, const gp_pubkey_t *mint, const gp_pubkey_t *expected_owner,
                        gp_token_account_t *out) {
  switch (gp_token_account_check(a, mint, expected_owner, out)) {
    case GP_RT_OK:
      return 0;
    case GP_RT_E_OWNER:
      GP_FAIL(GP_ERR_WRONG_ACCOUNT_OWNER);
    case GP_RT_E_MINT:
      GP_FAIL(GP_ERR_WRONG_MINT);
    case GP_RT_E_AUTHORITY:
      GP_FAIL(GP_ERR_WRONG_TOKEN_OWNER);
    default:
      GP_FAIL(GP_ERR_WRONG_ACCOUNT_TYPE);
  }
}

uint64_t gp_check_vault(const gp_account_t *a, const uint8_t *recorded_key, const gp_pubkey_t *mint,
                        const gp_pubkey_t *authority, gp_token_account_t *out) {
  GP_CHECK(gp_key_eq(a->key, (const gp_pubkey_t *)recorded_key), GP_ERR_WRONG_VAULT);
  GP_CHECK(a->is_writable, GP_ERR_ACCOUNT_NOT_WRITABLE);
  return gp_check_token(a, mint, authority, out);
}

uint64_t gp_transfer(const gp_account_t *src, const gp_account_t *dst, const gp_account_t *authority,
                     uint64_t amount, const gp_signer_seeds_t *seeds) {
  /* Named error instead of the runtime's PrivilegeEscalation at the CPI. */
  GP_CHECK(src->is_writable && dst->is_writable, GP_ERR_ACCOUNT_NOT_WRITABLE);
  GP_CHECK(!gp_key_eq(src->key, dst->key), GP_ERR_DUPLICATE_ACCOUNT);
  if (amount == 0) return 0;
  GP_CHECK(gp_token_transfer(src, dst, authority, amount, seeds) == GP_RT_OK, GP_ERR_INSUFFICIENT_FUNDS);
  return 0;
}

uint64_t gp_distribute(gp_config_t *cfg, uint64_t amount) {
  if (amount == 0) return 0;
  gp_u128 acc = cfg->acc_reward_per_stake;
  uint64_t carry = cfg->reward_carry;
  GP_CHECK(!gp_reward_fund(&acc, &carry, amount, cfg->total_active_stake), GP_ERR_MATH_OVERFLOW);
  cfg->acc_reward_per_stake = acc;
  cfg->reward_carry = carry;
  return 0;
}

uint64_t gp_stream_update(gp_config_t *cfg, int64_t now, uint64_t *released) {
  *released = 0;
  int64_t last = cfg->stream_updated_at;
  int64_t dt = now > last ? now - last : 0;
  uint64_t rem = cfg->unallocated_rewards;
  if (rem == 0) {
    cfg->stream_updated_at = now;
    return 0;
  }
  if (cfg->total_active_stake == 0) {
    /* Nobody to pay: the stream waits, and its end moves back by the time waited. */
    GP_TRY(gp_time_add(cfg->stream_end, dt, &cfg->stream_end));
    cfg->stream_updated_at = now;
    return 0;
  }
  uint64_t r;
  if (now >= cfg->stream_end) {
    r = rem;
  } else {
    if (dt == 0) return 0;
    /* Linear release: the share of the time left that has passed. Rounded down,
     * the remainder stays in the stream; the time is kept when nothing is
     * released, so short intervals add up instead of rounding to nothing. */
    GP_CHECK(!gp_mul_div_u64(rem, (uint64_t)dt, (uint64_t)(cfg->stream_end - last), &r), GP_ERR_MATH_OVERFLOW);
    if (r == 0) return 0;
  }
  GP_TRY(gp_distribute(cfg, r));
  cfg->unallocated_rewards = rem - r;
  cfg->stream_updated_at = now;
  *released = r;
  return 0;
}

uint64_t gp_stream_add(gp_config_t *cfg, int64_t now, uint64_t amount, uint64_t *released) {
  uint64_t first, second;
  GP_TRY(gp_stream_update(cfg, now, &first));
  GP_CHECK(!gp_add_u64(cfg->unallocated_rewards, amount, &cfg->unallocated_rewards), GP_ERR_MATH_OVERFLOW);
  /* Everything not yet released is spread over a full period from now. */
  GP_TRY(gp_time_add(now, cfg->reward_period, &cfg->stream_end));
  cfg->stream_updated_at = now;
  /* A period of 0 releases at once (to the stake present now, if any). */
  GP_TRY(gp_stream_update(cfg, now, &second));
  *released = first + second;
  return 0;
}

/* Rewards accrued since the provider's last stake change:
 * floor(active * (acc - snapshot) / 2^64). One rounding per stake period, so
 * a provider can never be credited more than its exact share, and falls
 * short of it by less than one unit per stake change. */
static uint64_t accrued_since_snapshot(const gp_config_t *cfg, const gp_provider_t *p, uint64_t *out) {
  gp_u128 acc = cfg->acc_reward_per_stake;
  gp_u128 snap = p->reward_snapshot;
  gp_u128 diff;
  GP_CHECK(!gp_u128_sub(&acc, &snap, &diff), GP_ERR_MATH_OVERFLOW);
  GP_CHECK(!gp_reward_accrued(p->active_stake, &diff, out), GP_ERR_MATH_OVERFLOW);
  return 0;
}

uint64_t gp_settle(const gp_config_t *cfg, gp_provider_t *p) {
  uint64_t accrued;
  GP_TRY(accrued_since_snapshot(cfg, p, &accrued));
  /* debt is what this period already credited; accrued never falls below it
   * because acc only grows while the stake is unchanged. */
  GP_CHECK(accrued >= p->reward_debt, GP_ERR_MATH_OVERFLOW);
  GP_CHECK(!gp_add_u64(p->rewards_owed, accrued - p->reward_debt, &p->rewards_owed), GP_ERR_MATH_OVERFLOW);
  p->reward_debt = accrued;
  /* A period's accrual must stay within u64: once half of it is used, the
   * period restarts (losing under one unit, as a stake change does), so that
   * rewards recycled through fund and claim can never overflow it. */
  if (p->reward_debt >= GP_REBASE_DEBT) gp_start_stake_period(cfg, p);
  return 0;
}

uint64_t gp_start_stake_period(const gp_config_t *cfg, gp_provider_t *p) {
  /* A new stake period starts: everything up to acc has been settled. */
  p->reward_snapshot = cfg->acc_reward_per_stake;
  p->reward_debt = 0;
  return 0;
}

void gp_emit_event(uint64_t disc, const void *body, uint64_t size) {
  /* The largest event body is under 320 bytes (see gpunet_idl.h). */
  _Static_assert(GP_EVT_CONFIG_UPDATED_SIZE <= 320 && GP_EVT_SLASHED_SIZE <= 320 && GP_EVT_JOB_CREATED_SIZE <= 320, "event buffer");
  uint64_t buf[(8 + 320) / 8];
  buf[0] = disc;
  gp_memcpy(&buf[1], body, size);
  gp_emit(buf, 8 + size);
}

void gp_emit_rewards_released(const gp_ctx_t *c, const gp_config_t *cfg, uint64_t amount) {
  if (amount == 0) return;
  gp_evt_rewards_released_t e;
  e.acc_reward_per_stake = cfg->acc_reward_per_stake;
  e.amount = amount;
  e.reward_carry = cfg->reward_carry;
  e.unallocated_rewards = cfg->unallocated_rewards;
  e.total_active_stake = cfg->total_active_stake;
  e.stream_end = cfg->stream_end;
  e.config_seq = cfg->seq;
  e.timestamp = c->now;
  gp_emit_event(GP_EVT_REWARDS_RELEASED_DISC, &e, GP_EVT_REWARDS_RELEASED_SIZE);
}

void gp_emit_rewards_funded(const gp_ctx_t *c, const gp_config_t *cfg, const gp_pubkey_t *funder,
                            uint64_t amount, uint8_t source) {
  gp_evt_rewards_funded_t e;
  e.acc_reward_per_stake = cfg->acc_reward_per_stake;
  e.amount = amount;
  e.reward_carry = cfg->reward_carry;
  e.unallocated_rewards = cfg->unallocated_rewards;
  e.stream_end = cfg->stream_end;
  e.total_active_stake = cfg->total_active_stake;
  e.total_funded = cfg->total_funded;
  e.config_seq = cfg->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.funder, funder);
  e.source = source;
  gp_emit_event(GP_EVT_REWARDS_FUNDED_DISC, &e, GP_EVT_REWARDS_FUNDED_SIZE);
}
