/* Reward instructions: fund_rewards, claim_rewards. */
#include "common.h"

uint64_t ix_fund_rewards(gp_ctx_t *c) {
  gp_fund_rewards_args_t a;
  GP_TRY(gp_args(c, &a, GP_FUND_REWARDS_ARGS_SIZE));
  gp_account_t *config = gp_acc(c, GP_FUND_REWARDS_ACC_CONFIG);
  gp_account_t *vault = gp_acc(c, GP_FUND_REWARDS_ACC_REWARD_VAULT);
  gp_account_t *src = gp_acc(c, GP_FUND_REWARDS_ACC_FUNDER_TOKEN);
  gp_account_t *funder = gp_acc(c, GP_FUND_REWARDS_ACC_FUNDER);
  gp_config_t *cfg;
  GP_TRY(GP_LOAD_CONFIG(c, config, 1, &cfg));
  GP_CHECK(!cfg->paused, GP_ERR_PAUSED);
  GP_TRY(gp_require_signer(funder));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_FUND_REWARDS_ACC_TOKEN_PROGRAM)));
  GP_CHECK(a.amount > 0, GP_ERR_ZERO_AMOUNT);
  gp_token_account_t t;
  GP_TRY(gp_check_vault(vault, cfg->reward_vault, (const gp_pubkey_t *)cfg->stake_mint, config->key, &t));
  GP_TRY(gp_check_token(src, (const gp_pubkey_t *)cfg->stake_mint, GP_NULL, &t));
  GP_CHECK(t.amount >= a.amount, GP_ERR_INSUFFICIENT_FUNDS);

  GP_STAT_ADD(cfg->total_funded, a.amount);
  uint64_t released;
  GP_TRY(gp_stream_add(cfg, c->now, a.amount, &released));
  GP_BUMP(cfg->seq);
  GP_TRY(gp_transfer(src, vault, funder, a.amount, GP_NULL));
  gp_emit_rewards_released(c, cfg, released);
  gp_emit_rewards_funded(c, cfg, funder->key, a.amount, 0);
  return 0;
}

uint64_t ix_claim_rewards(gp_ctx_t *c) {
  GP_TRY(gp_args(c, GP_NULL, 0));
  gp_account_t *config = gp_acc(c, GP_CLAIM_REWARDS_ACC_CONFIG);
  gp_account_t *prov = gp_acc(c, GP_CLAIM_REWARDS_ACC_PROVIDER);
  gp_account_t *vault = gp_acc(c, GP_CLAIM_REWARDS_ACC_REWARD_VAULT);
  gp_account_t *dst = gp_acc(c, GP_CLAIM_REWARDS_ACC_OWNER_TOKEN);
  gp_account_t *owner = gp_acc(c, GP_CLAIM_REWARDS_ACC_OWNER);
  gp_config_t *cfg;
  GP_TRY(GP_LOAD_CONFIG(c, config, 1, &cfg));
  GP_CHECK(!cfg->paused, GP_ERR_PAUSED);
  gp_provider_t *p;
  GP_TRY(GP_LOAD_PROVIDER(c, prov, 1, &p));
  GP_TRY(gp_require_signer(owner));
  GP_CHECK(gp_key_eq(owner->key, (const gp_pubkey_t *)p->owner), GP_ERR_UNAUTHORIZED);
  GP_TRY(gp_require_token_program(gp_acc(c, GP_CLAIM_REWARDS_ACC_TOKEN_PROGRAM)));
  gp_token_account_t t;
  GP_TRY(gp_check_vault(vault, cfg->reward_vault, (const gp_pubkey_t *)cfg->stake_mint, config->key, &t));
  GP_TRY(gp_check_token(dst, (const gp_pubkey_t *)cfg->stake_mint, (const gp_pubkey_t *)p->owner, &t));

  uint64_t released;
  GP_TRY(gp_stream_update(cfg, c->now, &released));
  GP_TRY(gp_settle(cfg, p));
  uint64_t amount = p->rewards_owed;
  GP_CHECK(amount > 0, GP_ERR_NOTHING_TO_CLAIM);
  p->rewards_owed = 0;
  GP_STAT_ADD(p->total_claimed, amount);
  GP_STAT_ADD(cfg->total_claimed, amount);
  p->updated_at = c->now;
  GP_BUMP(p->seq);
  GP_BUMP(cfg->seq);

  gp_seed_t s[2] = {{(const uint8_t *)"config", 6}, {&cfg->bump, 1}};
  gp_signer_seeds_t sig = {s, 2};
  GP_TRY(gp_transfer(vault, dst, config, amount, &sig));
  gp_emit_rewards_released(c, cfg, released);

  gp_evt_rewards_claimed_t e;
  e.amount = amount;
  e.total_claimed = p->total_claimed;
  e.reward_debt = p->reward_debt;
  e.seq = p->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.provider, prov->key);
  gp_key_copy((gp_pubkey_t *)e.owner, owner->key);
  gp_emit_event(GP_EVT_REWARDS_CLAIMED_DISC, &e, GP_EVT_REWARDS_CLAIMED_SIZE);
  return 0;
}
