/* Provider instructions: register, update, stake, unstake, withdraw, slash. */
#include "common.h"

/* Provider PDA signer seeds: ["provider", owner, bump]. */
static void provider_seeds(const gp_provider_t *p, gp_seed_t s[3], gp_signer_seeds_t *out) {
  s[0].addr = (const uint8_t *)"provider";
  s[0].len = 8;
  s[1].addr = p->owner;
  s[1].len = 32;
  s[2].addr = &p->bump;
  s[2].len = 1;
  out->seeds = s;
  out->len = 3;
}

/* Loads the provider at index pi owned by the signer at index oi. */
static uint64_t load_own_provider(gp_ctx_t *c, int pi, int oi, int writable, gp_provider_t **out) {
  gp_account_t *owner = gp_acc(c, oi);
  GP_TRY(GP_LOAD_PROVIDER(c, gp_acc(c, pi), writable, out));
  GP_TRY(gp_require_signer(owner));
  GP_CHECK(gp_key_eq(owner->key, (const gp_pubkey_t *)(*out)->owner), GP_ERR_UNAUTHORIZED);
  return 0;
}

static uint64_t load_config_unpaused(gp_ctx_t *c, int i, int writable, gp_config_t **out) {
  GP_TRY(GP_LOAD_CONFIG(c, gp_acc(c, i), writable, out));
  GP_CHECK(!(*out)->paused, GP_ERR_PAUSED);
  return 0;
}

uint64_t ix_register_provider(gp_ctx_t *c) {
  gp_register_provider_args_t a;
  GP_TRY(gp_args(c, &a, GP_REGISTER_PROVIDER_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config_unpaused(c, GP_REGISTER_PROVIDER_ACC_CONFIG, 1, &cfg));
  gp_account_t *prov = gp_acc(c, GP_REGISTER_PROVIDER_ACC_PROVIDER);
  gp_account_t *vault = gp_acc(c, GP_REGISTER_PROVIDER_ACC_STAKE_VAULT);
  gp_account_t *mint = gp_acc(c, GP_REGISTER_PROVIDER_ACC_STAKE_MINT);
  gp_account_t *owner = gp_acc(c, GP_REGISTER_PROVIDER_ACC_OWNER);
  GP_TRY(gp_require_signer(owner));
  GP_TRY(gp_require_writable(owner));
  GP_TRY(gp_require_system_program(gp_acc(c, GP_REGISTER_PROVIDER_ACC_SYSTEM_PROGRAM)));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_REGISTER_PROVIDER_ACC_TOKEN_PROGRAM)));
  GP_CHECK(gp_key_eq(mint->key, (const gp_pubkey_t *)cfg->stake_mint), GP_ERR_WRONG_MINT);
  GP_CHECK(a.gpu_count > 0, GP_ERR_INVALID_ARGUMENT);

  gp_seed_t ps[3] = {{(const uint8_t *)"provider", 8}, {owner->key->x, 32}, {&a.provider_bump, 1}};
  GP_TRY(gp_check_canonical_pda(c, prov->key, ps, 2, a.provider_bump));
  gp_seed_t vs[3] = {{(const uint8_t *)"stake_vault", 11}, {prov->key->x, 32}, {&a.vault_bump, 1}};
  GP_TRY(gp_check_canonical_pda(c, vault->key, vs, 2, a.vault_bump));

  gp_signer_seeds_t psig = {ps, 3};
  GP_TRY(gp_check_new_token_account(vault));
  GP_TRY(gp_create_program_account(c, owner, prov, &psig, &GP_KIND_PROVIDER));
  gp_signer_seeds_t vsig = {vs, 3};
  GP_CHECK(gp_token_create_account(owner, vault, &vsig, mint, prov->key) == GP_RT_OK, GP_ERR_INSUFFICIENT_FUNDS);

  gp_provider_t *p = (gp_provider_t *)(prov->data + 8);
  p->registered_at = c->now;
  p->updated_at = c->now;
  p->seq = 1;
  gp_key_copy((gp_pubkey_t *)p->owner, owner->key);
  gp_key_copy((gp_pubkey_t *)p->stake_vault, vault->key);
  gp_memcpy(p->metadata_hash, a.metadata_hash, 32);
  p->gpu_model = a.gpu_model;
  p->gpu_count = a.gpu_count;
  p->vram_gb = a.vram_gb;
  p->region = a.region;
  p->status = GP_PROVIDER_STATUS_ACTIVE;
  p->bump = a.provider_bump;
  p->vault_bump = a.vault_bump;
  p->version = GP_ACCOUNT_VERSION;
  GP_BUMP(cfg->provider_count);
  GP_BUMP(cfg->seq);

  gp_evt_provider_registered_t e;
  e.seq = p->seq;
  e.timestamp = c->now;
  e.provider_count = cfg->provider_count;
  gp_key_copy((gp_pubkey_t *)e.provider, prov->key);
  gp_key_copy((gp_pubkey_t *)e.owner, owner->key);
  gp_key_copy((gp_pubkey_t *)e.stake_vault, vault->key);
  gp_memcpy(e.metadata_hash, a.metadata_hash, 32);
  e.gpu_model = a.gpu_model;
  e.gpu_count = a.gpu_count;
  e.vram_gb = a.vram_gb;
  e.region = a.region;
  gp_emit_event(GP_EVT_PROVIDER_REGISTERED_DISC, &e, GP_EVT_PROVIDER_REGISTERED_SIZE);
  return 0;
}

uint64_t ix_update_provider(gp_ctx_t *c) {
  gp_update_provider_args_t a;
  GP_TRY(gp_args(c, &a, GP_UPDATE_PROVIDER_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config_unpaused(c, GP_UPDATE_PROVIDER_ACC_CONFIG, 0, &cfg));
  gp_provider_t *p;
  GP_TRY(load_own_provider(c, GP_UPDATE_PROVIDER_ACC_PROVIDER, GP_UPDATE_PROVIDER_ACC_OWNER, 1, &p));
  GP_CHECK(a.gpu_count > 0 && a.status < GP_PROVIDER_STATUS_COUNT, GP_ERR_INVALID_ARGUMENT);
  p->gpu_model = a.gpu_model;
  p->gpu_count = a.gpu_count;
  p->vram_gb = a.vram_gb;
  p->region = a.region;
  p->status = a.status;
  gp_memcpy(p->metadata_hash, a.metadata_hash, 32);
  p->updated_at = c->now;
  GP_BUMP(p->seq);

  gp_evt_provider_updated_t e;
  e.seq = p->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.provider, gp_acc(c, GP_UPDATE_PROVIDER_ACC_PROVIDER)->key);
  gp_key_copy((gp_pubkey_t *)e.owner, (const gp_pubkey_t *)p->owner);
  gp_memcpy(e.metadata_hash, a.metadata_hash, 32);
  e.gpu_model = a.gpu_model;
  e.gpu_count = a.gpu_count;
  e.vram_gb = a.vram_gb;
  e.region = a.region;
  e.status = a.status;
  gp_emit_event(GP_EVT_PROVIDER_UPDATED_DISC, &e, GP_EVT_PROVIDER_UPDATED_SIZE);
  return 0;
}

uint64_t ix_stake(gp_ctx_t *c) {
  gp_stake_args_t a;
  GP_TRY(gp_args(c, &a, GP_STAKE_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config_unpaused(c, GP_STAKE_ACC_CONFIG, 1, &cfg));
  gp_provider_t *p;
  GP_TRY(load_own_provider(c, GP_STAKE_ACC_PROVIDER, GP_STAKE_ACC_OWNER, 1, &p));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_STAKE_ACC_TOKEN_PROGRAM)));
  GP_CHECK(a.amount > 0, GP_ERR_ZERO_AMOUNT);
  gp_account_t *vault = gp_acc(c, GP_STAKE_ACC_STAKE_VAULT);
  gp_account_t *src = gp_acc(c, GP_STAKE_ACC_OWNER_TOKEN);
  gp_account_t *owner = gp_acc(c, GP_STAKE_ACC_OWNER);
  gp_account_t *prov = gp_acc(c, GP_STAKE_ACC_PROVIDER);
  gp_token_account_t t;
  GP_TRY(gp_check_vault(vault, p->stake_vault, (const gp_pubkey_t *)cfg->stake_mint, prov->key, &t));
  GP_TRY(gp_check_token(src, (const gp_pubkey_t *)cfg->stake_mint, GP_NULL, &t));
  GP_CHECK(t.amount >= a.amount, GP_ERR_INSUFFICIENT_FUNDS);

  /* What the stream owes the stake present so far is released before the stake changes. */
  uint64_t released;
  GP_TRY(gp_stream_update(cfg, c->now, &released));
  GP_TRY(gp_settle(cfg, p));
  GP_CHECK(!gp_add_u64(p->active_stake, a.amount, &p->active_stake), GP_ERR_MATH_OVERFLOW);
  GP_CHECK(!gp_add_u64(cfg->total_active_stake, a.amount, &cfg->total_active_stake), GP_ERR_MATH_OVERFLOW);
  GP_TRY(gp_start_stake_period(cfg, p));
  GP_TRY(gp_transfer(src, vault, owner, a.amount, GP_NULL));
  p->updated_at = c->now;
  GP_BUMP(p->seq);
  GP_BUMP(cfg->seq);

  gp_emit_rewards_released(c, cfg, released);
  gp_evt_staked_t e;
  e.acc_reward_per_stake = cfg->acc_reward_per_stake;
  e.amount = a.amount;
  e.active_stake = p->active_stake;
  e.total_active_stake = cfg->total_active_stake;
  e.rewards_owed = p->rewards_owed;
  e.reward_debt = p->reward_debt;
  e.unallocated_rewards = cfg->unallocated_rewards;
  e.seq = p->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.provider, prov->key);
  gp_key_copy((gp_pubkey_t *)e.owner, owner->key);
  gp_emit_event(GP_EVT_STAKED_DISC, &e, GP_EVT_STAKED_SIZE);
  return 0;
}

uint64_t ix_request_unstake(gp_ctx_t *c) {
  gp_request_unstake_args_t a;
  GP_TRY(gp_args(c, &a, GP_REQUEST_UNSTAKE_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config_unpaused(c, GP_REQUEST_UNSTAKE_ACC_CONFIG, 1, &cfg));
  gp_provider_t *p;
  GP_TRY(load_own_provider(c, GP_REQUEST_UNSTAKE_ACC_PROVIDER, GP_REQUEST_UNSTAKE_ACC_OWNER, 1, &p));
  GP_CHECK(a.amount > 0, GP_ERR_ZERO_AMOUNT);
  GP_CHECK(a.amount <= p->active_stake, GP_ERR_INSUFFICIENT_STAKE);
  /* Stake backing live jobs stays until they end. */
  GP_CHECK(p->live_jobs == 0 || p->active_stake - a.amount >= p->locked_stake, GP_ERR_STAKE_LOCKED);
  int64_t unlock;
  GP_TRY(gp_time_add(c->now, cfg->unbonding_period, &unlock));

  uint64_t released;
  GP_TRY(gp_stream_update(cfg, c->now, &released));
  GP_TRY(gp_settle(cfg, p));
  p->active_stake -= a.amount;
  cfg->total_active_stake -= a.amount;
  GP_CHECK(!gp_add_u64(p->unbonding_amount, a.amount, &p->unbonding_amount), GP_ERR_MATH_OVERFLOW);
  p->unbonding_unlock_at = unlock;
  p->unlock_pause_mark = gp_paused_total(cfg, c->now);
  GP_TRY(gp_start_stake_period(cfg, p));
  p->updated_at = c->now;
  GP_BUMP(p->seq);
  GP_BUMP(cfg->seq);

  gp_emit_rewards_released(c, cfg, released);
  gp_evt_unstake_requested_t e;
  e.acc_reward_per_stake = cfg->acc_reward_per_stake;
  e.amount = a.amount;
  e.active_stake = p->active_stake;
  e.unbonding_amount = p->unbonding_amount;
  e.unlock_at = p->unbonding_unlock_at;
  e.unlock_pause_mark = p->unlock_pause_mark;
  e.total_active_stake = cfg->total_active_stake;
  e.rewards_owed = p->rewards_owed;
  e.reward_debt = p->reward_debt;
  e.seq = p->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.provider, gp_acc(c, GP_REQUEST_UNSTAKE_ACC_PROVIDER)->key);
  gp_key_copy((gp_pubkey_t *)e.owner, (const gp_pubkey_t *)p->owner);
  gp_emit_event(GP_EVT_UNSTAKE_REQUESTED_DISC, &e, GP_EVT_UNSTAKE_REQUESTED_SIZE);
  return 0;
}

uint64_t ix_withdraw_unstaked(gp_ctx_t *c) {
  GP_TRY(gp_args(c, GP_NULL, 0));
  gp_config_t *cfg;
  GP_TRY(load_config_unpaused(c, GP_WITHDRAW_UNSTAKED_ACC_CONFIG, 0, &cfg));
  gp_provider_t *p;
  GP_TRY(load_own_provider(c, GP_WITHDRAW_UNSTAKED_ACC_PROVIDER, GP_WITHDRAW_UNSTAKED_ACC_OWNER, 1, &p));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_WITHDRAW_UNSTAKED_ACC_TOKEN_PROGRAM)));
  gp_account_t *prov = gp_acc(c, GP_WITHDRAW_UNSTAKED_ACC_PROVIDER);
  gp_account_t *vault = gp_acc(c, GP_WITHDRAW_UNSTAKED_ACC_STAKE_VAULT);
  gp_account_t *dst = gp_acc(c, GP_WITHDRAW_UNSTAKED_ACC_OWNER_TOKEN);
  gp_token_account_t t;
  GP_TRY(gp_check_vault(vault, p->stake_vault, (const gp_pubkey_t *)cfg->stake_mint, prov->key, &t));
  GP_TRY(gp_check_token(dst, (const gp_pubkey_t *)cfg->stake_mint, (const gp_pubkey_t *)p->owner, &t));
  GP_CHECK(p->unbonding_amount > 0, GP_ERR_NOTHING_TO_WITHDRAW);
  int64_t unlock;
  GP_TRY(gp_effective_time(cfg, c->now, p->unbonding_unlock_at, p->unlock_pause_mark, &unlock));
  GP_CHECK(c->now >= unlock, GP_ERR_STILL_UNBONDING);

  uint64_t amount = p->unbonding_amount;
  p->unbonding_amount = 0;
  p->unbonding_unlock_at = 0;
  p->unlock_pause_mark = 0;
  p->updated_at = c->now;
  GP_BUMP(p->seq);
  gp_seed_t s[3];
  gp_signer_seeds_t sig;
  provider_seeds(p, s, &sig);
  GP_TRY(gp_transfer(vault, dst, prov, amount, &sig));

  gp_evt_withdrawn_t e;
  e.amount = amount;
  e.unbonding_amount = 0;
  e.seq = p->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.provider, prov->key);
  gp_key_copy((gp_pubkey_t *)e.owner, (const gp_pubkey_t *)p->owner);
  gp_emit_event(GP_EVT_WITHDRAWN_DISC, &e, GP_EVT_WITHDRAWN_SIZE);
  return 0;
}

uint64_t ix_slash(gp_ctx_t *c) {
  gp_slash_args_t a;
  GP_TRY(gp_args(c, &a, GP_SLASH_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(GP_LOAD_CONFIG(c, gp_acc(c, GP_SLASH_ACC_CONFIG), 1, &cfg));
  gp_account_t *prov = gp_acc(c, GP_SLASH_ACC_PROVIDER);
  gp_account_t *vault = gp_acc(c, GP_SLASH_ACC_STAKE_VAULT);
  gp_account_t *treasury = gp_acc(c, GP_SLASH_ACC_TREASURY);
  gp_account_t *auth = gp_acc(c, GP_SLASH_ACC_SLASH_AUTHORITY);
  gp_provider_t *p;
  GP_TRY(GP_LOAD_PROVIDER(c, prov, 1, &p));
  GP_TRY(gp_require_signer(auth));
  GP_CHECK(gp_key_eq(auth->key, (const gp_pubkey_t *)cfg->slash_authority), GP_ERR_UNAUTHORIZED);
  GP_TRY(gp_require_token_program(gp_acc(c, GP_SLASH_ACC_TOKEN_PROGRAM)));
  gp_token_account_t t;
  GP_TRY(gp_check_vault(vault, p->stake_vault, (const gp_pubkey_t *)cfg->stake_mint, prov->key, &t));
  GP_CHECK(gp_key_eq(treasury->key, (const gp_pubkey_t *)cfg->treasury), GP_ERR_WRONG_VAULT);
  GP_TRY(gp_check_token(treasury, (const gp_pubkey_t *)cfg->stake_mint, GP_NULL, &t));
  GP_CHECK(a.amount > 0, GP_ERR_ZERO_AMOUNT);
  GP_CHECK(a.reason < GP_SLASH_REASON_COUNT, GP_ERR_INVALID_ARGUMENT);

  uint64_t total;
  GP_CHECK(!gp_add_u64(p->active_stake, p->unbonding_amount, &total), GP_ERR_MATH_OVERFLOW);
  GP_CHECK(a.amount <= total, GP_ERR_SLASH_EXCEEDS_STAKE);
  if (p->slash_epoch != c->epoch) {
    p->slash_epoch = c->epoch;
    p->slashed_in_epoch = 0;
  }
  uint64_t base, cap, after;
  GP_CHECK(!gp_add_u64(total, p->slashed_in_epoch, &base), GP_ERR_MATH_OVERFLOW);
  GP_CHECK(!gp_mul_div_u64(base, cfg->slash_cap_bps, GP_BPS_DENOMINATOR, &cap), GP_ERR_MATH_OVERFLOW);
  GP_CHECK(!gp_add_u64(p->slashed_in_epoch, a.amount, &after), GP_ERR_MATH_OVERFLOW);
  GP_CHECK(after <= cap, GP_ERR_SLASH_CAP_EXCEEDED);

  uint64_t released;
  GP_TRY(gp_stream_update(cfg, c->now, &released));
  GP_TRY(gp_settle(cfg, p));
  uint64_t from_active = a.amount <= p->active_stake ? a.amount : p->active_stake;
  uint64_t from_unbonding = a.amount - from_active;
  p->active_stake -= from_active;
  cfg->total_active_stake -= from_active;
  p->unbonding_amount -= from_unbonding;
  GP_TRY(gp_start_stake_period(cfg, p));
  p->slashed_in_epoch = after;
  GP_STAT_ADD(p->slashed_total, a.amount);
  GP_STAT_ADD(cfg->total_slashed, a.amount);
  p->updated_at = c->now;
  GP_BUMP(p->seq);
  GP_BUMP(cfg->seq);
  gp_seed_t s[3];
  gp_signer_seeds_t sig;
  provider_seeds(p, s, &sig);
  GP_TRY(gp_transfer(vault, treasury, prov, a.amount, &sig));

  gp_emit_rewards_released(c, cfg, released);
  gp_evt_slashed_t e;
  e.acc_reward_per_stake = cfg->acc_reward_per_stake;
  e.amount = a.amount;
  e.from_active = from_active;
  e.from_unbonding = from_unbonding;
  e.active_stake = p->active_stake;
  e.unbonding_amount = p->unbonding_amount;
  e.total_active_stake = cfg->total_active_stake;
  e.slashed_total = p->slashed_total;
  e.rewards_owed = p->rewards_owed;
  e.reward_debt = p->reward_debt;
  e.seq = p->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.provider, prov->key);
  gp_key_copy((gp_pubkey_t *)e.owner, (const gp_pubkey_t *)p->owner);
  gp_key_copy((gp_pubkey_t *)e.authority, auth->key);
  gp_memcpy(e.evidence_hash, a.evidence_hash, 32);
  e.reason = a.reason;
  gp_emit_event(GP_EVT_SLASHED_DISC, &e, GP_EVT_SLASHED_SIZE);
  return 0;
}
