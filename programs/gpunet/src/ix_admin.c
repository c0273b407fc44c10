/* Admin instructions: initialize, update_config. */
#include "common.h"

#define GP_MINT_LEN 82
#define GP_MINT_IS_INITIALIZED_OFFSET 45
#define GP_MINT_FREEZE_AUTHORITY_OFFSET 46 /* COption<Pubkey>: u32 tag, then the key */

const gp_pubkey_t GP_BPF_LOADER_UPGRADEABLE_ID = {{
    0x02, 0xa8, 0xf6, 0x91, 0x4e, 0x88, 0xa1, 0xb0, 0xe2, 0x10, 0x15, 0x3e, 0xf7, 0x63, 0xae, 0x2b,
    0x00, 0xc2, 0xb9, 0x3d, 0x16, 0xc1, 0x24, 0xd2, 0xc0, 0x53, 0x7a, 0x10, 0x04, 0x80, 0x00, 0x00,
}};

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* UpgradeableLoaderState::ProgramData (bincode): u32 tag 3, u64 slot,
 * Option<Pubkey> upgrade authority (u8 tag, key), then the ELF. */
#define GP_PROGRAMDATA_TAG 3u
#define GP_PROGRAMDATA_AUTH_TAG_OFFSET 12
#define GP_PROGRAMDATA_AUTH_OFFSET 13
#define GP_PROGRAMDATA_MIN_LEN 45

/* Only the program's upgrade authority may initialize: `pd` must be the
 * program's ProgramData account (the loader's PDA of the program id, owned
 * by the loader) and record `admin` as its upgrade authority. */
static uint64_t check_upgrade_authority(const gp_ctx_t *c, const gp_account_t *pd, const gp_account_t *admin) {
  GP_CHECK(gp_key_eq(pd->owner, &GP_BPF_LOADER_UPGRADEABLE_ID), GP_ERR_NOT_UPGRADE_AUTHORITY);
  gp_seed_t s[1] = {{c->program_id->x, 32}};
  /* The canonical bump: the highest one that gives a valid address. */
  gp_pubkey_t derived;
  uint32_t b = 256;
  while (b > 0) {
    b--;
    if (gp_create_pda(s, 1, (uint8_t)b, &GP_BPF_LOADER_UPGRADEABLE_ID, &derived) == GP_RT_OK) break;
  }
  GP_CHECK(gp_key_eq(&derived, pd->key), GP_ERR_NOT_UPGRADE_AUTHORITY);
  GP_CHECK(pd->data_len >= GP_PROGRAMDATA_MIN_LEN && le32(pd->data) == GP_PROGRAMDATA_TAG,
           GP_ERR_NOT_UPGRADE_AUTHORITY);
  GP_CHECK(pd->data[GP_PROGRAMDATA_AUTH_TAG_OFFSET] == 1, GP_ERR_NOT_UPGRADE_AUTHORITY);
  GP_CHECK(gp_key_eq((const gp_pubkey_t *)(pd->data + GP_PROGRAMDATA_AUTH_OFFSET), admin->key),
           GP_ERR_NOT_UPGRADE_AUTHORITY);
  return 0;
}

static uint64_t check_bounds(uint16_t fee_bps, uint16_t cap_bps, int64_t unbonding, int64_t window, int64_t period) {
  GP_CHECK(fee_bps <= GP_MAX_PROTOCOL_FEE_BPS && cap_bps <= GP_MAX_SLASH_CAP_BPS, GP_ERR_FEE_TOO_HIGH);
  GP_CHECK(period >= 0 && period <= GP_MAX_DURATION, GP_ERR_INVALID_DURATION);
  GP_CHECK(unbonding > 0 && unbonding <= GP_MAX_DURATION, GP_ERR_INVALID_DURATION);
  GP_CHECK(window > 0 && window <= GP_MAX_DURATION, GP_ERR_INVALID_DURATION);
  return 0;
}

static void emit_config(const gp_ctx_t *c, const gp_account_t *config_acc, const gp_config_t *cfg) {
  gp_evt_config_updated_t e;
  e.min_stake_per_gpu = cfg->min_stake_per_gpu;
  e.unbonding_period = cfg->unbonding_period;
  e.challenge_window = cfg->challenge_window;
  e.paused_at = cfg->paused_at;
  e.paused_total = cfg->paused_total;
  e.reward_period = cfg->reward_period;
  e.seq = cfg->seq;
  e.timestamp = c->now;
  gp_key_copy((gp_pubkey_t *)e.config, config_acc->key);
  gp_memcpy(e.admin, cfg->admin, 32 * 5); /* admin..reward_vault are contiguous */
  e.protocol_fee_bps = cfg->protocol_fee_bps;
  e.slash_cap_bps = cfg->slash_cap_bps;
  e.paused = cfg->paused;
  gp_emit_event(GP_EVT_CONFIG_UPDATED_DISC, &e, GP_EVT_CONFIG_UPDATED_SIZE);
}

uint64_t ix_initialize(gp_ctx_t *c) {
  gp_initialize_args_t a;
  GP_TRY(gp_args(c, &a, GP_INITIALIZE_ARGS_SIZE));
  gp_account_t *config = gp_acc(c, GP_INITIALIZE_ACC_CONFIG);
  gp_account_t *vault = gp_acc(c, GP_INITIALIZE_ACC_REWARD_VAULT);
  gp_account_t *mint = gp_acc(c, GP_INITIALIZE_ACC_STAKE_MINT);
  gp_account_t *treasury = gp_acc(c, GP_INITIALIZE_ACC_TREASURY);
  gp_account_t *admin = gp_acc(c, GP_INITIALIZE_ACC_ADMIN);
  GP_TRY(gp_require_signer(admin));
  GP_TRY(gp_require_writable(admin));
  GP_TRY(gp_require_system_program(gp_acc(c, GP_INITIALIZE_ACC_SYSTEM_PROGRAM)));
  GP_TRY(gp_require_token_program(gp_acc(c, GP_INITIALIZE_ACC_TOKEN_PROGRAM)));
  GP_TRY(check_bounds(a.protocol_fee_bps, a.slash_cap_bps, a.unbonding_period, a.challenge_window, a.reward_period));

  /* The stake mint: an initialized SPL Token mint. */
  GP_CHECK(gp_key_eq(mint->owner, &GP_TOKEN_PROGRAM_ID), GP_ERR_WRONG_ACCOUNT_OWNER);
  GP_CHECK(mint->data_len == GP_MINT_LEN && mint->data[GP_MINT_IS_INITIALIZED_OFFSET] == 1, GP_ERR_WRONG_MINT);
  GP_CHECK(a.allow_freeze_authority <= 1, GP_ERR_INVALID_ARGUMENT);
  /* A freeze authority could freeze every vault and escrow: only by choice. */
  if (!a.allow_freeze_authority)
    GP_CHECK(le32(mint->data + GP_MINT_FREEZE_AUTHORITY_OFFSET) == 0, GP_ERR_MINT_HAS_FREEZE_AUTHORITY);
  GP_TRY(check_upgrade_authority(c, gp_acc(c, GP_INITIALIZE_ACC_PROGRAM_DATA), admin));
  gp_token_account_t t;
  GP_TRY(gp_check_token(treasury, mint->key, GP_NULL, &t));

  gp_seed_t cs[2] = {{(const uint8_t *)"config", 6}, {&a.config_bump, 1}};
  GP_TRY(gp_check_canonical_pda(c, config->key, cs, 1, a.config_bump));
  gp_seed_t vs[2] = {{(const uint8_t *)"reward_vault", 12}, {&a.reward_vault_bump, 1}};
  GP_TRY(gp_check_canonical_pda(c, vault->key, vs, 1, a.reward_vault_bump));

  gp_signer_seeds_t config_signer = {cs, 2};
  GP_TRY(gp_check_new_token_account(vault));
  GP_TRY(gp_create_program_account(c, admin, config, &config_signer, &GP_KIND_CONFIG));
  gp_signer_seeds_t vault_signer = {vs, 2};
  GP_CHECK(gp_token_create_account(admin, vault, &vault_signer, mint, config->key) == GP_RT_OK,
           GP_ERR_INSUFFICIENT_FUNDS);

  gp_config_t *cfg = (gp_config_t *)(config->data + 8);
  /* Freshly created accounts are zeroed by the System Program. */
  cfg->min_stake_per_gpu = a.min_stake_per_gpu;
  cfg->unbonding_period = a.unbonding_period;
  cfg->challenge_window = a.challenge_window;
  cfg->reward_period = a.reward_period;
  cfg->stream_updated_at = c->now;
  cfg->seq = 1;
  gp_key_copy((gp_pubkey_t *)cfg->admin, admin->key);
  gp_key_copy((gp_pubkey_t *)cfg->slash_authority, (const gp_pubkey_t *)a.slash_authority);
  gp_key_copy((gp_pubkey_t *)cfg->stake_mint, mint->key);
  gp_key_copy((gp_pubkey_t *)cfg->treasury, treasury->key);
  gp_key_copy((gp_pubkey_t *)cfg->reward_vault, vault->key);
  cfg->protocol_fee_bps = a.protocol_fee_bps;
  cfg->slash_cap_bps = a.slash_cap_bps;
  cfg->bump = a.config_bump;
  cfg->reward_vault_bump = a.reward_vault_bump;
  cfg->version = GP_ACCOUNT_VERSION;
  emit_config(c, config, cfg);
  return 0;
}


uint64_t ix_update_config(gp_ctx_t *c) {
  gp_update_config_args_t a;
  GP_TRY(gp_args(c, &a, GP_UPDATE_CONFIG_ARGS_SIZE));
  gp_account_t *config = gp_acc(c, GP_UPDATE_CONFIG_ACC_CONFIG);
  gp_account_t *admin = gp_acc(c, GP_UPDATE_CONFIG_ACC_ADMIN);
  gp_account_t *treasury = gp_acc(c, GP_UPDATE_CONFIG_ACC_TREASURY);
  gp_config_t *cfg;
  GP_TRY(GP_LOAD_CONFIG(c, config, 1, &cfg));
  GP_TRY(gp_require_signer(admin));
  GP_CHECK(gp_key_eq(admin->key, (const gp_pubkey_t *)cfg->admin), GP_ERR_UNAUTHORIZED);
  GP_CHECK(a.mask != 0 && (a.mask & ~GP_CONFIG_MASK_ALL) == 0, GP_ERR_INVALID_ARGUMENT);

  uint16_t fee = (a.mask & GP_CONFIG_MASK_PROTOCOL_FEE_BPS) ? a.protocol_fee_bps : cfg->protocol_fee_bps;
  uint16_t cap = (a.mask & GP_CONFIG_MASK_SLASH_CAP_BPS) ? a.slash_cap_bps : cfg->slash_cap_bps;
  int64_t unbonding = (a.mask & GP_CONFIG_MASK_UNBONDING_PERIOD) ? a.unbonding_period : cfg->unbonding_period;
  int64_t window = (a.mask & GP_CONFIG_MASK_CHALLENGE_WINDOW) ? a.challenge_window : cfg->challenge_window;
  int64_t period = (a.mask & GP_CONFIG_MASK_REWARD_PERIOD) ? a.reward_period : cfg->reward_period;
  GP_TRY(check_bounds(fee, cap, unbonding, window, period));
  if (a.mask & GP_CONFIG_MASK_PAUSED) GP_CHECK(a.paused <= 1, GP_ERR_INVALID_ARGUMENT);
  if (a.mask & GP_CONFIG_MASK_TREASURY) {
    gp_token_account_t t;
    GP_TRY(gp_check_token(treasury, (const gp_pubkey_t *)cfg->stake_mint, GP_NULL, &t));
    gp_key_copy((gp_pubkey_t *)cfg->treasury, treasury->key);
  }
  if (a.mask & GP_CONFIG_MASK_ADMIN) gp_key_copy((gp_pubkey_t *)cfg->admin, (const gp_pubkey_t *)a.new_admin);
  if (a.mask & GP_CONFIG_MASK_SLASH_AUTHORITY)
    gp_key_copy((gp_pubkey_t *)cfg->slash_authority, (const gp_pubkey_t *)a.new_slash_authority);
  if (a.mask & GP_CONFIG_MASK_MIN_STAKE_PER_GPU) cfg->min_stake_per_gpu = a.min_stake_per_gpu;
  if ((a.mask & GP_CONFIG_MASK_PAUSED) && a.paused != cfg->paused) {
    /* Pause time is kept so that deadlines, windows and unbonding can skip it. */
    if (a.paused) {
      cfg->paused_at = c->now;
    } else {
      int64_t total;
      GP_TRY(gp_time_add(cfg->paused_total, c->now - cfg->paused_at, &total));
      cfg->paused_total = total;
      cfg->paused_at = 0;
    }
    cfg->paused = a.paused;
  }
  cfg->protocol_fee_bps = fee;
  cfg->slash_cap_bps = cap;
  cfg->unbonding_period = unbonding;
  cfg->challenge_window = window;
  /* Applies from the next funding: what is streaming keeps its end. */
  cfg->reward_period = period;
  GP_BUMP(cfg->seq);
  emit_config(c, config, cfg);
  return 0;
}
