/* Job lifecycle: create, cancel, accept, submit, complete, dispute,
 * resolve, expire, close. The escrow is a token account owned by the Job
 * PDA; every payout is signed with the job's seeds. */
#include "common.h"

static uint64_t is_terminal(uint8_t state) { return state >= GP_JOB_STATE_COMPLETED; }

/* Job PDA signer seeds: ["job", buyer, job_id LE, bump]. */
static void job_seeds(const gp_job_t *j, uint64_t *id_le, gp_seed_t s[4], gp_signer_seeds_t *out) {
  *id_le = j->job_id;
  s[0].addr = (const uint8_t *)"job";
  s[0].len = 3;
  s[1].addr = j->buyer;
  s[1].len = 32;
  s[2].addr = (const uint8_t *)id_le;
  s[2].len = 8;
  s[3].addr = &j->bump;
  s[3].len = 1;
  out->seeds = s;
  out->len = 4;
}

static uint64_t load_config(gp_ctx_t *c, int i, int writable, int allow_paused, gp_config_t **out) {
  GP_TRY(GP_LOAD_CONFIG(c, gp_acc(c, i), writable, out));
  if (!allow_paused) GP_CHECK(!(*out)->paused, GP_ERR_PAUSED);
  return 0;
}

/* The escrow recorded in the job, owned by the job PDA. */
static uint64_t check_escrow(gp_ctx_t *c, int ei, int ji, const gp_job_t *j, const gp_config_t *cfg) {
  gp_token_account_t t;
  return gp_check_vault(gp_acc(c, ei), j->escrow, (const gp_pubkey_t *)cfg->stake_mint, gp_acc(c, ji)->key, &t);
}

/* A job that was accepted ends: its provider has one live job less, and the
 * stake lock goes when the last one ends. */
static void end_live_job(gp_provider_t *p) {
  if (p->live_jobs > 0) p->live_jobs -= 1;
  if (p->live_jobs == 0) p->locked_stake = 0;
}

/* A job's provider account: the one recorded at acceptance. */
static uint64_t load_job_provider(gp_ctx_t *c, int pi, const gp_job_t *j, int writable, gp_provider_t **out) {
  GP_CHECK(gp_key_eq(gp_acc(c, pi)->key, (const gp_pubkey_t *)j->provider), GP_ERR_UNAUTHORIZED);
  return GP_LOAD_PROVIDER(c, gp_acc(c, pi), writable, out);
}

uint64_t ix_create_job(gp_ctx_t *c) {
  gp_create_job_args_t a;
  GP_TRY(gp_args(c, &a, GP_CREATE_JOB_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_CREATE_JOB_ACC_CONFIG, 1, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_CREATE_JOB_ACC_JOB);
  gp_account_t *escrow = gp_acc(c, GP_CREATE_JOB_ACC_ESCROW);
  gp_account_t *mint = gp_acc(c, GP_CREATE_JOB_ACC_STAKE_MINT);
  gp_account_t *src = gp_acc(c, GP_CREATE_JOB_ACC_BUYER_TOKEN);
  gp_account_t *buyer = gp_acc(c, GP_CREATE_JOB_ACC_BUYER);
  GP_TRY(gp_require_signer(buyer));
  GP_TRY(gp_require_writable(buyer));
  GP_TRY(gp_require_system_program(gp_acc(c, GP_CREATE_JOB_ACC_SYSTEM_PROGRAM)));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_CREATE_JOB_ACC_TOKEN_PROGRAM)));
  GP_CHECK(gp_key_eq(mint->key, (const gp_pubkey_t *)cfg->stake_mint), GP_ERR_WRONG_MINT);
  GP_CHECK(a.price > 0, GP_ERR_ZERO_AMOUNT);
  GP_CHECK(a.max_duration > 0 && a.max_duration <= GP_MAX_DURATION, GP_ERR_INVALID_DURATION);
  GP_CHECK(a.min_gpus > 0, GP_ERR_INVALID_ARGUMENT);
  gp_token_account_t t;
  GP_TRY(gp_check_token(src, mint->key, GP_NULL, &t));
  GP_CHECK(t.amount >= a.price, GP_ERR_INSUFFICIENT_FUNDS);

  uint64_t id_le = a.job_id;
  gp_seed_t js[4] = {{(const uint8_t *)"job", 3}, {buyer->key->x, 32}, {(const uint8_t *)&id_le, 8}, {&a.job_bump, 1}};
  GP_TRY(gp_check_canonical_pda(c, job->key, js, 3, a.job_bump));
  gp_seed_t es[3] = {{(const uint8_t *)"escrow", 6}, {job->key->x, 32}, {&a.escrow_bump, 1}};
  GP_TRY(gp_check_canonical_pda(c, escrow->key, es, 2, a.escrow_bump));

  gp_signer_seeds_t jsig = {js, 4};
  GP_TRY(gp_check_new_token_account(escrow));
  GP_TRY(gp_create_program_account(c, buyer, job, &jsig, &GP_KIND_JOB));
  gp_signer_seeds_t esig = {es, 3};
  GP_CHECK(gp_token_create_account(buyer, escrow, &esig, mint, job->key) == GP_RT_OK, GP_ERR_INSUFFICIENT_FUNDS);
  GP_TRY(gp_transfer(src, escrow, buyer, a.price, GP_NULL));

  gp_job_t *j = (gp_job_t *)(job->data + 8);
  j->job_id = a.job_id;
  j->price = a.price;
  j->max_duration = a.max_duration;
  j->created_at = c->now;
  /* The terms a job keeps whatever the admin changes later. */
  j->fee_bps = cfg->protocol_fee_bps;
  j->challenge_window = cfg->challenge_window;
  j->pause_mark = gp_paused_total(cfg, c->now);
  j->rent_lamports = *job->lamports + *escrow->lamports;
  j->seq = 1;
  gp_key_copy((gp_pubkey_t *)j->buyer, buyer->key);
  gp_key_copy((gp_pubkey_t *)j->escrow, escrow->key);
  gp_memcpy(j->spec_hash, a.spec_hash, 32);
  j->min_gpus = a.min_gpus;
  j->gpu_model = a.gpu_model;
  j->min_vram_gb = a.min_vram_gb;
  j->state = GP_JOB_STATE_OPEN;
  j->bump = a.job_bump;
  j->escrow_bump = a.escrow_bump;
  j->version = GP_ACCOUNT_VERSION;
  GP_BUMP(cfg->job_count);
  GP_BUMP(cfg->seq);

  gp_evt_job_created_t e;
  e.job_id = a.job_id;
  e.price = a.price;
  e.max_duration = a.max_duration;
  e.challenge_window = j->challenge_window;
  e.pause_mark = j->pause_mark;
  e.fee_bps = j->fee_bps;
  e.seq = j->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, buyer->key);
  gp_key_copy((gp_pubkey_t *)e.escrow, escrow->key);
  gp_memcpy(e.spec_hash, a.spec_hash, 32);
  e.min_gpus = a.min_gpus;
  e.gpu_model = a.gpu_model;
  e.min_vram_gb = a.min_vram_gb;
  gp_emit_event(GP_EVT_JOB_CREATED_DISC, &e, GP_EVT_JOB_CREATED_SIZE);
  return 0;
}

uint64_t ix_cancel_job(gp_ctx_t *c) {
  GP_TRY(gp_args(c, GP_NULL, 0));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_CANCEL_JOB_ACC_CONFIG, 0, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_CANCEL_JOB_ACC_JOB);
  gp_account_t *dst = gp_acc(c, GP_CANCEL_JOB_ACC_BUYER_TOKEN);
  gp_account_t *buyer = gp_acc(c, GP_CANCEL_JOB_ACC_BUYER);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  GP_TRY(gp_require_signer(buyer));
  GP_CHECK(gp_key_eq(buyer->key, (const gp_pubkey_t *)j->buyer), GP_ERR_UNAUTHORIZED);
  GP_TRY(gp_require_token_program(gp_acc(c, GP_CANCEL_JOB_ACC_TOKEN_PROGRAM)));
  GP_CHECK(j->state == GP_JOB_STATE_OPEN, GP_ERR_INVALID_JOB_STATE);
  GP_TRY(check_escrow(c, GP_CANCEL_JOB_ACC_ESCROW, GP_CANCEL_JOB_ACC_JOB, j, cfg));
  gp_token_account_t t;
  GP_TRY(gp_check_token(dst, (const gp_pubkey_t *)cfg->stake_mint, (const gp_pubkey_t *)j->buyer, &t));

  j->state = GP_JOB_STATE_CANCELLED;
  j->refund = j->price;
  j->finished_at = c->now;
  GP_BUMP(j->seq);
  uint64_t id;
  gp_seed_t s[4];
  gp_signer_seeds_t sig;
  job_seeds(j, &id, s, &sig);
  GP_TRY(gp_transfer(gp_acc(c, GP_CANCEL_JOB_ACC_ESCROW), dst, job, j->price, &sig));

  gp_evt_job_cancelled_t e;
  e.refund = j->refund;
  e.seq = j->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, buyer->key);
  e.end_reason = GP_JOB_END_REASON_CANCELLED;
  gp_emit_event(GP_EVT_JOB_CANCELLED_DISC, &e, GP_EVT_JOB_CANCELLED_SIZE);
  return 0;
}

uint64_t ix_accept_job(gp_ctx_t *c) {
  GP_TRY(gp_args(c, GP_NULL, 0));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_ACCEPT_JOB_ACC_CONFIG, 0, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_ACCEPT_JOB_ACC_JOB);
  gp_account_t *prov = gp_acc(c, GP_ACCEPT_JOB_ACC_PROVIDER);
  gp_account_t *owner = gp_acc(c, GP_ACCEPT_JOB_ACC_OWNER);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  gp_provider_t *p;
  GP_TRY(GP_LOAD_PROVIDER(c, prov, 1, &p));
  GP_TRY(gp_require_signer(owner));
  GP_CHECK(gp_key_eq(owner->key, (const gp_pubkey_t *)p->owner), GP_ERR_UNAUTHORIZED);
  GP_CHECK(j->state == GP_JOB_STATE_OPEN, GP_ERR_INVALID_JOB_STATE);
  GP_CHECK(p->status == GP_PROVIDER_STATUS_ACTIVE, GP_ERR_PROVIDER_INACTIVE);
  GP_CHECK(!gp_key_eq(owner->key, (const gp_pubkey_t *)j->buyer), GP_ERR_SELF_DEALING);
  GP_CHECK(p->gpu_count >= j->min_gpus && p->vram_gb >= j->min_vram_gb &&
               (j->gpu_model == GP_GPU_MODEL_ANY || j->gpu_model == p->gpu_model),
           GP_ERR_HARDWARE_MISMATCH);
  uint64_t needed;
  /* A product past u64 cannot be covered by any u64 stake. */
  GP_CHECK(!gp_mul_u64(cfg->min_stake_per_gpu, p->gpu_count, &needed), GP_ERR_INSUFFICIENT_STAKE);
  GP_CHECK(p->active_stake >= needed, GP_ERR_INSUFFICIENT_STAKE);
  int64_t deadline;
  GP_TRY(gp_time_add(c->now, j->max_duration, &deadline));

  gp_key_copy((gp_pubkey_t *)j->provider, prov->key);
  j->accepted_at = c->now;
  j->deadline = deadline;
  j->pause_mark = gp_paused_total(cfg, c->now);
  j->state = GP_JOB_STATE_ACCEPTED;
  GP_BUMP(j->seq);
  /* The stake that qualified for this job backs it until it ends. */
  p->live_jobs += 1;
  if (needed > p->locked_stake) p->locked_stake = needed;
  p->updated_at = c->now;
  GP_BUMP(p->seq);

  gp_evt_job_accepted_t e;
  e.deadline = j->deadline;
  e.pause_mark = j->pause_mark;
  e.locked_stake = p->locked_stake;
  e.live_jobs = p->live_jobs;
  e.seq = j->seq;
  e.provider_seq = p->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, (const gp_pubkey_t *)j->buyer);
  gp_key_copy((gp_pubkey_t *)e.provider, prov->key);
  gp_emit_event(GP_EVT_JOB_ACCEPTED_DISC, &e, GP_EVT_JOB_ACCEPTED_SIZE);
  return 0;
}

uint64_t ix_submit_result(gp_ctx_t *c) {
  gp_submit_result_args_t a;
  GP_TRY(gp_args(c, &a, GP_SUBMIT_RESULT_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_SUBMIT_RESULT_ACC_CONFIG, 0, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_SUBMIT_RESULT_ACC_JOB);
  gp_account_t *owner = gp_acc(c, GP_SUBMIT_RESULT_ACC_OWNER);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  gp_provider_t *p;
  GP_TRY(load_job_provider(c, GP_SUBMIT_RESULT_ACC_PROVIDER, j, 0, &p));
  GP_TRY(gp_require_signer(owner));
  GP_CHECK(gp_key_eq(owner->key, (const gp_pubkey_t *)p->owner), GP_ERR_UNAUTHORIZED);
  GP_CHECK(j->state == GP_JOB_STATE_ACCEPTED, GP_ERR_INVALID_JOB_STATE);
  int64_t deadline, ends;
  GP_TRY(gp_effective_time(cfg, c->now, j->deadline, j->pause_mark, &deadline));
  GP_CHECK(c->now <= deadline, GP_ERR_DEADLINE_PASSED);
  GP_TRY(gp_time_add(c->now, j->challenge_window, &ends));

  gp_memcpy(j->result_hash, a.result_hash, 32);
  j->submitted_at = c->now;
  j->pause_mark = gp_paused_total(cfg, c->now);
  j->state = GP_JOB_STATE_SUBMITTED;
  GP_BUMP(j->seq);

  gp_evt_result_submitted_t e;
  e.challenge_ends_at = ends;
  e.pause_mark = j->pause_mark;
  e.seq = j->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.provider, gp_acc(c, GP_SUBMIT_RESULT_ACC_PROVIDER)->key);
  gp_memcpy(e.result_hash, a.result_hash, 32);
  gp_emit_event(GP_EVT_RESULT_SUBMITTED_DISC, &e, GP_EVT_RESULT_SUBMITTED_SIZE);
  return 0;
}

/* Pays gross (of the price) to the provider less the fee, the fee to the
 * reward vault (distributed to stakers) and the rest back to the buyer. */
typedef struct {
  gp_ctx_t *c;
  gp_config_t *cfg;
  gp_job_t *j;
  int job_i, escrow_i, provider_token_i, buyer_token_i, reward_vault_i, config_i;
  uint64_t released; /* released from the reward stream when the fee joined it */
} gp_payout_t;

static uint64_t pay_out(gp_payout_t *x, uint64_t gross) {
  gp_ctx_t *c = x->c;
  gp_config_t *cfg = x->cfg;
  gp_job_t *j = x->j;
  uint64_t fee;
  GP_CHECK(!gp_mul_div_u64(gross, j->fee_bps, GP_BPS_DENOMINATOR, &fee), GP_ERR_MATH_OVERFLOW);
  /* A paid job never pays no fee while the job's fee rate is non-zero. */
  if (fee == 0 && gross > 0 && j->fee_bps > 0) fee = 1;
  j->fee = fee;
  j->provider_payout = gross - fee;
  j->refund = j->price - gross;
  j->finished_at = c->now;

  uint64_t id;
  gp_seed_t s[4];
  gp_signer_seeds_t sig;
  job_seeds(j, &id, s, &sig);
  gp_account_t *job = gp_acc(c, x->job_i);
  gp_account_t *escrow = gp_acc(c, x->escrow_i);
  GP_TRY(gp_transfer(escrow, gp_acc(c, x->provider_token_i), job, j->provider_payout, &sig));
  GP_TRY(gp_transfer(escrow, gp_acc(c, x->reward_vault_i), job, fee, &sig));
  if (x->buyer_token_i >= 0) GP_TRY(gp_transfer(escrow, gp_acc(c, x->buyer_token_i), job, j->refund, &sig));
  if (fee) {
    GP_STAT_ADD(cfg->total_funded, fee);
    GP_TRY(gp_stream_add(cfg, c->now, fee, &x->released));
    GP_BUMP(cfg->seq);
  }
  return 0;
}

static uint64_t check_payout_accounts(gp_payout_t *x, const gp_provider_t *p) {
  gp_ctx_t *c = x->c;
  const gp_pubkey_t *mint = (const gp_pubkey_t *)x->cfg->stake_mint;
  gp_token_account_t t;
  GP_TRY(check_escrow(c, x->escrow_i, x->job_i, x->j, x->cfg));
  GP_TRY(gp_check_token(gp_acc(c, x->provider_token_i), mint, (const gp_pubkey_t *)p->owner, &t));
  GP_TRY(gp_check_vault(gp_acc(c, x->reward_vault_i), x->cfg->reward_vault, mint, gp_acc(c, x->config_i)->key, &t));
  if (x->buyer_token_i >= 0) GP_TRY(gp_check_token(gp_acc(c, x->buyer_token_i), mint, (const gp_pubkey_t *)x->j->buyer, &t));
  return 0;
}

uint64_t ix_complete_job(gp_ctx_t *c) {
  GP_TRY(gp_args(c, GP_NULL, 0));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_COMPLETE_JOB_ACC_CONFIG, 1, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_COMPLETE_JOB_ACC_JOB);
  gp_account_t *auth = gp_acc(c, GP_COMPLETE_JOB_ACC_AUTHORITY);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  gp_provider_t *p;
  GP_TRY(load_job_provider(c, GP_COMPLETE_JOB_ACC_PROVIDER, j, 1, &p));
  GP_TRY(gp_require_signer(auth));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_COMPLETE_JOB_ACC_TOKEN_PROGRAM)));
  GP_CHECK(j->state == GP_JOB_STATE_SUBMITTED, GP_ERR_INVALID_JOB_STATE);
  uint8_t by_timeout = !gp_key_eq(auth->key, (const gp_pubkey_t *)j->buyer);
  if (by_timeout) {
    int64_t ends;
    GP_TRY(gp_time_add(j->submitted_at, j->challenge_window, &ends));
    GP_TRY(gp_effective_time(cfg, c->now, ends, j->pause_mark, &ends));
    GP_CHECK(c->now > ends, GP_ERR_CHALLENGE_WINDOW_OPEN);
  }

  gp_payout_t x = {c, cfg, j, GP_COMPLETE_JOB_ACC_JOB, GP_COMPLETE_JOB_ACC_ESCROW, GP_COMPLETE_JOB_ACC_PROVIDER_TOKEN,
                   -1, GP_COMPLETE_JOB_ACC_REWARD_VAULT, GP_COMPLETE_JOB_ACC_CONFIG, 0};
  GP_TRY(check_payout_accounts(&x, p));
  GP_TRY(pay_out(&x, j->price));
  j->state = GP_JOB_STATE_COMPLETED;
  j->provider_share_bps = GP_BPS_DENOMINATOR;
  GP_BUMP(j->seq);
  GP_BUMP(p->jobs_completed);
  end_live_job(p);
  p->updated_at = c->now;
  GP_BUMP(p->seq);

  gp_emit_rewards_released(c, cfg, x.released);
  gp_evt_job_completed_t e;
  e.provider_payout = j->provider_payout;
  e.fee = j->fee;
  e.jobs_completed = p->jobs_completed;
  e.seq = j->seq;
  e.provider_seq = p->seq;
  e.locked_stake = p->locked_stake;
  e.live_jobs = p->live_jobs;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, (const gp_pubkey_t *)j->buyer);
  gp_key_copy((gp_pubkey_t *)e.provider, gp_acc(c, GP_COMPLETE_JOB_ACC_PROVIDER)->key);
  e.by_timeout = by_timeout;
  e.end_reason = by_timeout ? GP_JOB_END_REASON_COMPLETED_BY_TIMEOUT : GP_JOB_END_REASON_COMPLETED_BY_BUYER;
  gp_emit_event(GP_EVT_JOB_COMPLETED_DISC, &e, GP_EVT_JOB_COMPLETED_SIZE);
  if (j->fee) gp_emit_rewards_funded(c, cfg, job->key, j->fee, 1);
  return 0;
}

uint64_t ix_dispute_job(gp_ctx_t *c) {
  gp_dispute_job_args_t a;
  GP_TRY(gp_args(c, &a, GP_DISPUTE_JOB_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_DISPUTE_JOB_ACC_CONFIG, 0, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_DISPUTE_JOB_ACC_JOB);
  gp_account_t *buyer = gp_acc(c, GP_DISPUTE_JOB_ACC_BUYER);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  GP_TRY(gp_require_signer(buyer));
  GP_CHECK(gp_key_eq(buyer->key, (const gp_pubkey_t *)j->buyer), GP_ERR_UNAUTHORIZED);
  GP_CHECK(j->state == GP_JOB_STATE_SUBMITTED, GP_ERR_INVALID_JOB_STATE);
  int64_t ends;
  GP_TRY(gp_time_add(j->submitted_at, j->challenge_window, &ends));
  GP_TRY(gp_effective_time(cfg, c->now, ends, j->pause_mark, &ends));
  GP_CHECK(c->now <= ends, GP_ERR_CHALLENGE_WINDOW_CLOSED);

  gp_memcpy(j->dispute_reason_hash, a.reason_hash, 32);
  j->state = GP_JOB_STATE_DISPUTED;
  GP_BUMP(j->seq);

  gp_evt_job_disputed_t e;
  e.seq = j->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, buyer->key);
  gp_key_copy((gp_pubkey_t *)e.provider, (const gp_pubkey_t *)j->provider);
  gp_memcpy(e.reason_hash, a.reason_hash, 32);
  gp_emit_event(GP_EVT_JOB_DISPUTED_DISC, &e, GP_EVT_JOB_DISPUTED_SIZE);
  return 0;
}

uint64_t ix_resolve_dispute(gp_ctx_t *c) {
  gp_resolve_dispute_args_t a;
  GP_TRY(gp_args(c, &a, GP_RESOLVE_DISPUTE_ARGS_SIZE));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_RESOLVE_DISPUTE_ACC_CONFIG, 1, 1, &cfg));
  gp_account_t *job = gp_acc(c, GP_RESOLVE_DISPUTE_ACC_JOB);
  gp_account_t *admin = gp_acc(c, GP_RESOLVE_DISPUTE_ACC_ADMIN);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  gp_provider_t *p;
  GP_TRY(load_job_provider(c, GP_RESOLVE_DISPUTE_ACC_PROVIDER, j, 1, &p));
  GP_TRY(gp_require_signer(admin));
  GP_CHECK(gp_key_eq(admin->key, (const gp_pubkey_t *)cfg->admin), GP_ERR_UNAUTHORIZED);
  GP_TRY(gp_require_token_program(gp_acc(c, GP_RESOLVE_DISPUTE_ACC_TOKEN_PROGRAM)));
  GP_CHECK(a.provider_share_bps <= GP_MAX_PROVIDER_SHARE_BPS, GP_ERR_INVALID_ARGUMENT);
  GP_CHECK(j->state == GP_JOB_STATE_DISPUTED, GP_ERR_INVALID_JOB_STATE);

  gp_payout_t x = {c, cfg, j, GP_RESOLVE_DISPUTE_ACC_JOB, GP_RESOLVE_DISPUTE_ACC_ESCROW,
                   GP_RESOLVE_DISPUTE_ACC_PROVIDER_TOKEN, GP_RESOLVE_DISPUTE_ACC_BUYER_TOKEN,
                   GP_RESOLVE_DISPUTE_ACC_REWARD_VAULT, GP_RESOLVE_DISPUTE_ACC_CONFIG, 0};
  GP_TRY(check_payout_accounts(&x, p));
  uint64_t gross;
  GP_CHECK(!gp_mul_div_u64(j->price, a.provider_share_bps, GP_BPS_DENOMINATOR, &gross), GP_ERR_MATH_OVERFLOW);
  GP_TRY(pay_out(&x, gross));
  j->state = GP_JOB_STATE_RESOLVED;
  j->provider_share_bps = a.provider_share_bps;
  GP_BUMP(j->seq);
  if (a.provider_share_bps >= GP_BPS_DENOMINATOR / 2)
    GP_BUMP(p->jobs_completed);
  else
    GP_BUMP(p->jobs_failed);
  end_live_job(p);
  p->updated_at = c->now;
  GP_BUMP(p->seq);

  gp_emit_rewards_released(c, cfg, x.released);
  gp_evt_dispute_resolved_t e;
  e.provider_payout = j->provider_payout;
  e.fee = j->fee;
  e.refund = j->refund;
  e.jobs_completed = p->jobs_completed;
  e.jobs_failed = p->jobs_failed;
  e.seq = j->seq;
  e.provider_seq = p->seq;
  e.locked_stake = p->locked_stake;
  e.live_jobs = p->live_jobs;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, (const gp_pubkey_t *)j->buyer);
  gp_key_copy((gp_pubkey_t *)e.provider, gp_acc(c, GP_RESOLVE_DISPUTE_ACC_PROVIDER)->key);
  e.provider_share_bps = a.provider_share_bps;
  e.end_reason = GP_JOB_END_REASON_DISPUTE_RESOLVED;
  gp_emit_event(GP_EVT_DISPUTE_RESOLVED_DISC, &e, GP_EVT_DISPUTE_RESOLVED_SIZE);
  if (j->fee) gp_emit_rewards_funded(c, cfg, job->key, j->fee, 1);
  return 0;
}

uint64_t ix_expire_job(gp_ctx_t *c) {
  GP_TRY(gp_args(c, GP_NULL, 0));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_EXPIRE_JOB_ACC_CONFIG, 0, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_EXPIRE_JOB_ACC_JOB);
  gp_account_t *dst = gp_acc(c, GP_EXPIRE_JOB_ACC_BUYER_TOKEN);
  gp_account_t *prov = gp_acc(c, GP_EXPIRE_JOB_ACC_PROVIDER);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  GP_TRY(gp_require_signer(gp_acc(c, GP_EXPIRE_JOB_ACC_CALLER)));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_EXPIRE_JOB_ACC_TOKEN_PROGRAM)));
  GP_CHECK(j->state == GP_JOB_STATE_OPEN || j->state == GP_JOB_STATE_ACCEPTED, GP_ERR_INVALID_JOB_STATE);
  /* An open job nobody accepted expires max_duration after its creation (its
   * provider is the zero key, which the caller passes); an accepted one at its
   * deadline. Paused time is skipped in both. */
  uint8_t accepted = j->state == GP_JOB_STATE_ACCEPTED;
  gp_provider_t *p = GP_NULL;
  if (accepted) {
    GP_TRY(load_job_provider(c, GP_EXPIRE_JOB_ACC_PROVIDER, j, 1, &p));
  } else {
    GP_CHECK(gp_key_eq(prov->key, (const gp_pubkey_t *)j->provider), GP_ERR_UNAUTHORIZED);
  }
  int64_t deadline;
  if (accepted) {
    GP_TRY(gp_effective_time(cfg, c->now, j->deadline, j->pause_mark, &deadline));
  } else {
    GP_TRY(gp_time_add(j->created_at, j->max_duration, &deadline));
    GP_TRY(gp_effective_time(cfg, c->now, deadline, j->pause_mark, &deadline));
  }
  GP_CHECK(c->now > deadline, GP_ERR_DEADLINE_NOT_PASSED);
  GP_TRY(check_escrow(c, GP_EXPIRE_JOB_ACC_ESCROW, GP_EXPIRE_JOB_ACC_JOB, j, cfg));
  gp_token_account_t t;
  GP_TRY(gp_check_token(dst, (const gp_pubkey_t *)cfg->stake_mint, (const gp_pubkey_t *)j->buyer, &t));

  j->state = GP_JOB_STATE_EXPIRED;
  j->refund = j->price;
  j->finished_at = c->now;
  GP_BUMP(j->seq);
  if (p) {
    GP_BUMP(p->jobs_failed);
    end_live_job(p);
    p->updated_at = c->now;
    GP_BUMP(p->seq);
  }
  uint64_t id;
  gp_seed_t s[4];
  gp_signer_seeds_t sig;
  job_seeds(j, &id, s, &sig);
  GP_TRY(gp_transfer(gp_acc(c, GP_EXPIRE_JOB_ACC_ESCROW), dst, job, j->price, &sig));

  gp_evt_job_expired_t e;
  e.refund = j->refund;
  e.jobs_failed = p ? p->jobs_failed : 0;
  e.seq = j->seq;
  e.provider_seq = p ? p->seq : 0;
  e.locked_stake = p ? p->locked_stake : 0;
  e.live_jobs = p ? p->live_jobs : 0;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, (const gp_pubkey_t *)j->buyer);
  gp_key_copy((gp_pubkey_t *)e.provider, prov->key);
  e.end_reason = accepted ? GP_JOB_END_REASON_EXPIRED_UNDELIVERED : GP_JOB_END_REASON_EXPIRED_UNACCEPTED;
  gp_emit_event(GP_EVT_JOB_EXPIRED_DISC, &e, GP_EVT_JOB_EXPIRED_SIZE);
  return 0;
}

uint64_t ix_close_job(gp_ctx_t *c) {
  GP_TRY(gp_args(c, GP_NULL, 0));
  gp_config_t *cfg;
  GP_TRY(load_config(c, GP_CLOSE_JOB_ACC_CONFIG, 0, 0, &cfg));
  gp_account_t *job = gp_acc(c, GP_CLOSE_JOB_ACC_JOB);
  gp_account_t *escrow = gp_acc(c, GP_CLOSE_JOB_ACC_ESCROW);
  gp_account_t *buyer = gp_acc(c, GP_CLOSE_JOB_ACC_BUYER);
  gp_account_t *treasury = gp_acc(c, GP_CLOSE_JOB_ACC_TREASURY);
  gp_job_t *j;
  GP_TRY(GP_LOAD_JOB(c, job, 1, &j));
  GP_TRY(gp_require_signer(gp_acc(c, GP_CLOSE_JOB_ACC_CALLER)));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_CLOSE_JOB_ACC_TOKEN_PROGRAM)));
  GP_CHECK(is_terminal(j->state), GP_ERR_INVALID_JOB_STATE);
  GP_CHECK(gp_key_eq(buyer->key, (const gp_pubkey_t *)j->buyer), GP_ERR_WRONG_RENT_RECEIVER);
  GP_TRY(gp_require_writable(buyer));
  GP_CHECK(gp_key_eq(treasury->key, (const gp_pubkey_t *)cfg->treasury), GP_ERR_WRONG_VAULT);
  GP_TRY(gp_require_writable(treasury));
  gp_token_account_t et;
  GP_TRY(gp_check_vault(escrow, j->escrow, (const gp_pubkey_t *)cfg->stake_mint, job->key, &et));

  uint64_t id;
  gp_seed_t s[4];
  gp_signer_seeds_t sig;
  job_seeds(j, &id, s, &sig);
  /* Every payout already left a terminal job's escrow: whatever is still in it
   * was sent there from outside, and goes to the treasury so that the escrow
   * can close. */
  if (et.amount > 0) {
    gp_token_account_t t;
    GP_TRY(gp_check_token(treasury, (const gp_pubkey_t *)cfg->stake_mint, GP_NULL, &t));
    GP_TRY(gp_transfer(escrow, treasury, job, et.amount, &sig));
  }
  uint64_t before = *buyer->lamports;
  GP_CHECK(gp_token_close_account(escrow, buyer, job, &sig) == GP_RT_OK, GP_ERR_WRONG_VAULT);
  gp_evt_job_closed_t e;
  e.swept = et.amount;
  e.seq = gp_sat_add(j->seq, 1);
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.job, job->key);
  gp_key_copy((gp_pubkey_t *)e.buyer, buyer->key);
  GP_CHECK(gp_close_program_account(job, buyer) == GP_RT_OK, GP_ERR_DUPLICATE_ACCOUNT);
  e.rent_refunded = *buyer->lamports - before;
  gp_emit_event(GP_EVT_JOB_CLOSED_DISC, &e, GP_EVT_JOB_CLOSED_SIZE);
  return 0;
}
