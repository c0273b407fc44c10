/* Shared by the instruction handlers: account loading and checks, the
 * clock, reward accounting. Every check failure returns a named IDL error
 * through gp_error(), which logs it in Anchor's format. */
#ifndef GP_COMMON_H
#define GP_COMMON_H

#include "gp_rt.h"
#include "gpunet_idl.h"

/* Protocol limits, enums and mask bits come from the IDL (gpunet_idl.h). */
#define GP_REBASE_DEBT (1ULL << 63) /* settle restarts a stake period past this debt */

extern const gp_pubkey_t GP_BPF_LOADER_UPGRADEABLE_ID;

/* Handler context: the parsed input and the clock, read once by syscall
 * (sysvar accounts are never trusted). */
typedef struct {
  gp_input_t *in;
  const gp_pubkey_t *program_id;
  int64_t now;
  uint64_t epoch;
} gp_ctx_t;

#define GP_FAIL(code) return gp_error(code)
#define GP_CHECK(cond, code) \
  do {                       \
    if (!(cond)) return gp_error(code); \
  } while (0)
#define GP_TRY(expr)             \
  do {                           \
    uint64_t _gp_r = (expr);     \
    if (_gp_r) return _gp_r;     \
  } while (0)

static inline gp_account_t *gp_acc(gp_ctx_t *c, int i) { return &c->in->accounts[i]; }

/* Reads the clock once per instruction. */
uint64_t gp_ctx_clock(gp_ctx_t *c);

/* Instruction arguments: exact length (InvalidInstruction otherwise), copied
 * to an aligned buffer. */
uint64_t gp_args(const gp_ctx_t *c, void *out, uint64_t size);

uint64_t gp_require_signer(const gp_account_t *a);
uint64_t gp_require_writable(const gp_account_t *a);
uint64_t gp_require_token_program(const gp_account_t *a);
uint64_t gp_require_system_program(const gp_account_t *a);

/* A program account of this program: owner, exact size, discriminator;
 * writable if asked. Returns its data after the discriminator in *out. */
typedef struct {
  uint64_t disc;
  uint64_t size; /* whole account, discriminator included */
} gp_kind_t;
static const gp_kind_t GP_KIND_CONFIG = {GP_ACC_CONFIG_DISC, GP_CONFIG_ACCOUNT_SIZE};
static const gp_kind_t GP_KIND_PROVIDER = {GP_ACC_PROVIDER_DISC, GP_PROVIDER_ACCOUNT_SIZE};
static const gp_kind_t GP_KIND_JOB = {GP_ACC_JOB_DISC, GP_JOB_ACCOUNT_SIZE};
uint64_t gp_load(const gp_ctx_t *c, const gp_account_t *a, const gp_kind_t *kind, int writable, void **out);
#define GP_LOAD_CONFIG(c, a, w, out) gp_load((c), (a), &GP_KIND_CONFIG, (w), (void **)(out))
#define GP_LOAD_PROVIDER(c, a, w, out) gp_load((c), (a), &GP_KIND_PROVIDER, (w), (void **)(out))
#define GP_LOAD_JOB(c, a, w, out) gp_load((c), (a), &GP_KIND_JOB, (w), (void **)(out))

/* Lifetime statistics (totals, counters, seq) saturate at u64::MAX instead of
 * failing: a statistic must never stop an instruction. */
static inline uint64_t gp_sat_add(uint64_t a, uint64_t b) {
  uint64_t r;
  return gp_add_u64(a, b, &r) ? 0xffffffffffffffffULL : r;
}
#define GP_STAT_ADD(field, v) ((field) = gp_sat_add((field), (v)))
#define GP_BUMP(field) GP_STAT_ADD(field, 1)

/* Checked i64 addition (MathOverflow). */
uint64_t gp_time_add(int64_t a, int64_t b, int64_t *out);
/* Seconds paused in total up to now, the running pause included. */
int64_t gp_paused_total(const gp_config_t *cfg, int64_t now);
/* `at`, pushed back by every second paused since `mark` (the value of
 * gp_paused_total when the clock started): paused time never counts against
 * a deadline, window or unbonding. Checked (MathOverflow). */
uint64_t gp_effective_time(const gp_config_t *cfg, int64_t now, int64_t at, int64_t mark, int64_t *out);

/* A token account about to be created at a PDA: writable, still a System
 * account with no data. */
uint64_t gp_check_new_token_account(const gp_account_t *a);

/* Verifies that `key` is the canonical PDA for seeds + bump: the address
 * matches, and no higher bump gives a valid PDA (so the bump is the one a
 * client's find_program_address returns). Costs one
 * create_program_address per higher bump, usually none or one. */
uint64_t gp_check_canonical_pda(const gp_ctx_t *c, const gp_pubkey_t *key, const gp_seed_t *seeds,
                                uint64_t nseeds, uint8_t bump);

/* Creates a program account of `size` bytes at a PDA (seeds incl. bump),
 * writes its discriminator. The account must not exist yet. */
uint64_t gp_create_program_account(const gp_ctx_t *c, const gp_account_t *payer, gp_account_t *acc,
                                   const gp_signer_seeds_t *seeds, const gp_kind_t *kind);

/* Token account checks, mapped to named errors. expected_owner may be GP_NULL. */
uint64_t gp_check_token(const gp_account_t *a, const gp_pubkey_t *mint,
                        const gp_pubkey_t *expected_owner, gp_token_account_t *out);
/* A vault: the key recorded in the state account, then a token check. */
uint64_t gp_check_vault(const gp_account_t *a, const uint8_t *recorded_key, const gp_pubkey_t *mint,
                        const gp_pubkey_t *authority, gp_token_account_t *out);

/* Checked transfer that maps a refused CPI to a named error. */
uint64_t gp_transfer(const gp_account_t *src, const gp_account_t *dst, const gp_account_t *authority,
                     uint64_t amount, const gp_signer_seeds_t *seeds);

/* ---- rewards (docs/protocol.md "Rewards") ------------------------------ */
/* distribute(R) into acc (the caller has S > 0). */
uint64_t gp_distribute(gp_config_t *cfg, uint64_t amount);
/* Releases the part of the stream (unallocated_rewards) due by `now` into acc;
 * *released says how much. The stream waits while S = 0. */
uint64_t gp_stream_update(gp_config_t *cfg, int64_t now, uint64_t *released);
/* A funding or fee: release what is due, add `amount`, and spread everything
 * not yet released over reward_period from now. */
uint64_t gp_stream_add(gp_config_t *cfg, int64_t now, uint64_t amount, uint64_t *released);
/* Emits RewardsReleased when amount > 0. */
void gp_emit_rewards_released(const gp_ctx_t *c, const gp_config_t *cfg, uint64_t amount);
/* owed += floor(active * (acc - snapshot) / 2^64) - debt; debt = that accrual. */
uint64_t gp_settle(const gp_config_t *cfg, gp_provider_t *p);
/* After a stake change (settled first): snapshot = acc, debt = 0. */
uint64_t gp_start_stake_period(const gp_config_t *cfg, gp_provider_t *p);
/* Emits RewardsFunded after a distribution. */
void gp_emit_rewards_funded(const gp_ctx_t *c, const gp_config_t *cfg, const gp_pubkey_t *funder,
                            uint64_t amount, uint8_t source);

/* Writes an event: discriminator || body, one sol_log_data. */
void gp_emit_event(uint64_t disc, const void *body, uint64_t size);

/* Signer seeds of the Config PDA (reward vault authority). */
#define GP_SEEDS_DECL(name, n) \
  gp_seed_t name##_s[n];       \
  gp_signer_seeds_t name

/* Handlers. Kept out of line so that each has its own 4 KiB stack frame
 * instead of one frame holding every handler's locals. */
#define GP_HANDLER __attribute__((noinline))
GP_HANDLER uint64_t ix_initialize(gp_ctx_t *c);
GP_HANDLER uint64_t ix_update_config(gp_ctx_t *c);
GP_HANDLER uint64_t ix_register_provider(gp_ctx_t *c);
GP_HANDLER uint64_t ix_update_provider(gp_ctx_t *c);
GP_HANDLER uint64_t ix_stake(gp_ctx_t *c);
GP_HANDLER uint64_t ix_request_unstake(gp_ctx_t *c);
GP_HANDLER uint64_t ix_withdraw_unstaked(gp_ctx_t *c);
GP_HANDLER uint64_t ix_fund_rewards(gp_ctx_t *c);
GP_HANDLER uint64_t ix_claim_rewards(gp_ctx_t *c);
GP_HANDLER uint64_t ix_slash(gp_ctx_t *c);
GP_HANDLER uint64_t ix_create_job(gp_ctx_t *c);
GP_HANDLER uint64_t ix_cancel_job(gp_ctx_t *c);
GP_HANDLER uint64_t ix_accept_job(gp_ctx_t *c);
GP_HANDLER uint64_t ix_submit_result(gp_ctx_t *c);
GP_HANDLER uint64_t ix_complete_job(gp_ctx_t *c);
GP_HANDLER uint64_t ix_dispute_job(gp_ctx_t *c);
GP_HANDLER uint64_t ix_resolve_dispute(gp_ctx_t *c);
GP_HANDLER uint64_t ix_expire_job(gp_ctx_t *c);
GP_HANDLER uint64_t ix_close_job(gp_ctx_t *c);

#endif
