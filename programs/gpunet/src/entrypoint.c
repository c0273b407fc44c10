/* gpunet program entrypoint: parses the input and dispatches on Anchor's
 * 8-byte instruction discriminator (sha256("global:<name>")[0..8]). */
#include "common.h"

uint64_t entrypoint(uint8_t *input) {
  gp_ctx_t c;
  /* The parsed input (1.8 KiB) lives at the start of the heap, leaving the
   * stack frames to the handlers. */
  gp_input_t *in = (gp_input_t *)GP_HEAP_START;
  uint64_t r = gp_deserialize(input, in);
  if (r == GP_RT_E_TOO_MANY_ACCOUNTS) GP_FAIL(GP_ERR_TOO_MANY_ACCOUNTS);
  if (r != GP_RT_OK) GP_FAIL(GP_ERR_NOT_ENOUGH_ACCOUNTS);
  c.in = in;
  c.program_id = in->program_id;
  GP_CHECK(in->data_len >= 8, GP_ERR_INVALID_INSTRUCTION);
  GP_TRY(gp_ctx_clock(&c));

#define GP_ROUTE(NAME, fn)                                                   \
  case GP_IX_##NAME##_DISC:                                                  \
    GP_CHECK(in->naccounts >= GP_##NAME##_ACC_COUNT, GP_ERR_NOT_ENOUGH_ACCOUNTS); \
    return fn(&c);

  switch (gp_load_u64(in->data)) {
    GP_ROUTE(INITIALIZE, ix_initialize)
    GP_ROUTE(UPDATE_CONFIG, ix_update_config)
    GP_ROUTE(REGISTER_PROVIDER, ix_register_provider)
    GP_ROUTE(UPDATE_PROVIDER, ix_update_provider)
    GP_ROUTE(STAKE, ix_stake)
    GP_ROUTE(REQUEST_UNSTAKE, ix_request_unstake)
    GP_ROUTE(WITHDRAW_UNSTAKED, ix_withdraw_unstaked)
    GP_ROUTE(FUND_REWARDS, ix_fund_rewards)
    GP_ROUTE(CLAIM_REWARDS, ix_claim_rewards)
    GP_ROUTE(SLASH, ix_slash)
    GP_ROUTE(CREATE_JOB, ix_create_job)
    GP_ROUTE(CANCEL_JOB, ix_cancel_job)
    GP_ROUTE(ACCEPT_JOB, ix_accept_job)
    GP_ROUTE(SUBMIT_RESULT, ix_submit_result)
    GP_ROUTE(COMPLETE_JOB, ix_complete_job)
    GP_ROUTE(DISPUTE_JOB, ix_dispute_job)
    GP_ROUTE(RESOLVE_DISPUTE, ix_resolve_dispute)
    GP_ROUTE(EXPIRE_JOB, ix_expire_job)
    GP_ROUTE(CLOSE_JOB, ix_close_job)
    default:
      GP_FAIL(GP_ERR_INVALID_INSTRUCTION);
  }
#undef GP_ROUTE
}
