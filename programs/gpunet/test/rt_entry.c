/* Test-only program (never shipped): exercises gp_rt (input parsing, Anchor
 * error lines, sysvars, PDAs, System and SPL Token CPIs) for
 * test/program/rt.test.ts. Built from this file + rt.c + math128.c.
 *
 * Instruction data: u8 op, then op-specific bytes. Helpers whose cost the
 * test reports are bracketed by sol_log_compute_units_ (METER), read back
 * from the logs in pairs.
 */
#include "gp_math128.h"
#include "gp_rt.h"

#define OP_ECHO 0
#define OP_ERROR 1
#define OP_MEASURE 2
#define OP_CREATE 3
#define OP_TOKEN_FLOW 4
#define OP_TOKEN_CLOSE 5
#define OP_CLOSE 6
#define OP_TOKEN_CHECK 7

#define METER() sol_log_compute_units_()

/* A long message checks that an overlong line is cut but still ends in '.'. */
static const char LONG_MSG[] =
    "This message is deliberately far longer than any real gpunet error message so that the "
    "runtime has to cut it to fit its fixed line buffer while still ending the line with a "
    "full stop, which Anchor's client regex requires; it goes on and on for a while longer "
    "to be sure it passes the limit of three hundred and eighty four characters in total";

const char *gp_error_name(uint32_t code) {
  switch (code) {
  case 6000: return "Unauthorized";
  case 6001: return "Paused";
  case 6042: return "MathOverflow";
  case 6099: return "VeryLongMessage";
  default: return GP_NULL;
  }
}

const char *gp_error_msg(uint32_t code) {
  switch (code) {
  case 6000: return "The signer is not allowed to do this";
  case 6001: return "The protocol is paused";
  case 6042: return "Arithmetic overflow";
  case 6099: return LONG_MSG;
  default: return GP_NULL;
  }
}

static uint8_t *put64(uint8_t *o, uint64_t v) {
  gp_store_u64(o, v);
  return o + 8;
}

static void sha256_1(const uint8_t *p, uint64_t n, uint8_t *out) {
  gp_bytes_t s = {p, n};
  sol_sha256(&s, 1, out);
}

/* Per account: flags (signer | writable << 1 | executable << 2), index of
 * the first account with the same key, data_len, lamports, and the first 8
 * bytes of sha256(key || owner || data). Then instruction data length, the
 * first 8 bytes of its sha256, the program id. */
static uint64_t echo(const gp_input_t *in, uint8_t *out) {
  uint8_t *o = out;
  o = put64(o, in->naccounts);
  for (uint64_t i = 0; i < in->naccounts; i++) {
    const gp_account_t *a = &in->accounts[i];
    *o++ = (uint8_t)(a->is_signer | (a->is_writable << 1) | (a->executable << 2));
    uint8_t first = (uint8_t)i;
    for (uint64_t j = 0; j < i; j++) {
      if (in->accounts[j].key == a->key) {
        first = (uint8_t)j;
        break;
      }
    }
    *o++ = first;
    o = put64(o, a->data_len);
    o = put64(o, *a->lamports);
    gp_bytes_t s[3] = {{a->key->x, 32}, {a->owner->x, 32}, {a->data, a->data_len}};
    uint8_t h[32];
    sol_sha256(s, 3, h);
    gp_memcpy(o, h, 8);
    o += 8;
  }
  o = put64(o, in->data_len);
  uint8_t h[32];
  sha256_1(in->data, in->data_len, h);
  gp_memcpy(o, h, 8);
  o += 8;
  gp_memcpy(o, in->program_id->x, 32);
  o += 32;
  return (uint64_t)(o - out);
}

/* Measures the helpers one by one. data: u8 op, u64 rent_len, u8 bump of
 * ["provider", accounts[0]]. accounts[0]: any; accounts[1]: a token account.
 * Returns rent(8) unix_ts(8) slot(8) epoch(8) pda(32) verify_ok(1)
 * verify_wrong_bump(1) key_eq(1) unpack_rc(8). */
static uint64_t measure(uint8_t *input, gp_input_t *in, uint8_t *out) {
  if (in->naccounts < 2 || in->data_len < 10) return 1;
  uint64_t rent_len = gp_load_u64(in->data + 1);
  uint8_t bump = in->data[9];
  const gp_account_t *a0 = &in->accounts[0];
  gp_seed_t seeds[2] = {{(const uint8_t *)"provider", 8}, {a0->key->x, 32}};
  static const uint8_t payload[64] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint64_t rent;
  int64_t ts = 0;
  uint64_t slot = 0, epoch = 0;
  gp_pubkey_t pda;
  gp_bool ok, bad, eq;
  gp_token_account_t ta;
  uint64_t unpack_rc;
  gp_input_t *scratch = (gp_input_t *)(GP_HEAP_START + 8192);

  METER(); METER();                              /* 0: nothing (must read 0) */
  METER(); gp_log("gpunet constant log line"); METER();   /* 1 */
  METER(); gp_log_u64(18446744073709551615ULL); METER();  /* 2 */
  METER(); gp_emit(payload, sizeof(payload)); METER();    /* 3 */
  METER(); gp_clock_now(&ts, &slot, &epoch); METER();     /* 4 */
  METER(); rent = gp_rent_min_balance(rent_len); METER(); /* 5 */
  METER(); gp_create_pda(seeds, 2, bump, in->program_id, &pda); METER(); /* 6 */
  METER(); ok = gp_verify_pda(&pda, seeds, 2, bump, in->program_id); METER(); /* 7 */
  METER(); eq = gp_key_eq(a0->key, &pda); METER();         /* 8 */
  METER(); unpack_rc = gp_token_account_unpack(&in->accounts[1], &ta); METER(); /* 9 */
  METER(); gp_deserialize(input, scratch); METER();        /* 10 */
  METER(); gp_log_pubkey(a0->key); METER();                /* 11 */
  bad = gp_verify_pda(&pda, seeds, 2, (uint8_t)(bump + 1), in->program_id);

  uint8_t *o = out;
  o = put64(o, rent);
  o = put64(o, (uint64_t)ts);
  o = put64(o, slot);
  o = put64(o, epoch);
  gp_key_copy((gp_pubkey_t *)o, &pda);
  o += 32;
  *o++ = ok;
  *o++ = bad;
  *o++ = eq;
  o = put64(o, unpack_rc);
  o = put64(o, scratch->naccounts);
  gp_set_return_data(out, (uint64_t)(o - out));
  return 0;
}

/* accounts: payer, new (PDA ["acct", payer]), system program.
 * data: u8 op, u64 space, u8 bump. Creates the account owned by this
 * program, writes a marker into its data, returns the new data_len. */
static uint64_t create(gp_input_t *in, uint8_t *out) {
  if (in->naccounts < 3 || in->data_len < 10) return 1;
  gp_account_t *payer = &in->accounts[0];
  gp_account_t *acc = &in->accounts[1];
  uint64_t space = gp_load_u64(in->data + 1);
  uint8_t bump = in->data[9];
  gp_seed_t s[3] = {{(const uint8_t *)"acct", 4}, {payer->key->x, 32}, {&bump, 1}};
  gp_signer_seeds_t signer = {s, 3};
  if (!gp_verify_pda(acc->key, s, 2, bump, in->program_id)) return gp_error(6000);
  METER();
  uint64_t rc = gp_system_create_account(payer, acc, space, in->program_id, &signer);
  METER();
  if (rc) return 100 + rc;
  if (space >= 8) gp_store_u64(acc->data, 0x1122334455667788ULL);
  uint8_t *o = out;
  o = put64(o, acc->data_len);
  o = put64(o, *acc->lamports);
  gp_set_return_data(out, (uint64_t)(o - out));
  return 0;
}

/* accounts: payer, vault (PDA ["vault", mint]), mint, user token account,
 * user (signer), token program, system program.
 * data: u8 op, u8 bump, u64 amount_in, u64 amount_out.
 * Creates the vault (owned by itself), moves amount_in in (user signs) and
 * amount_out back out (vault PDA signs), then checks the vault. Returns
 * vault amount, check rc. */
static uint64_t token_flow(gp_input_t *in, uint8_t *out) {
  if (in->naccounts < 7 || in->data_len < 18) return 1;
  gp_account_t *payer = &in->accounts[0];
  gp_account_t *vault = &in->accounts[1];
  gp_account_t *mint = &in->accounts[2];
  gp_account_t *user_ta = &in->accounts[3];
  gp_account_t *user = &in->accounts[4];
  uint8_t bump = in->data[1];
  uint64_t amount_in = gp_load_u64(in->data + 2);
  uint64_t amount_out = gp_load_u64(in->data + 10);
  gp_seed_t s[3] = {{(const uint8_t *)"vault", 5}, {mint->key->x, 32}, {&bump, 1}};
  gp_signer_seeds_t signer = {s, 3};
  uint64_t rc;
  METER();
  rc = gp_token_create_account(payer, vault, &signer, mint, vault->key);
  METER();
  if (rc) return 100 + rc;
  METER();
  rc = gp_token_transfer(user_ta, vault, user, amount_in, GP_NULL);
  METER();
  if (rc) return 200 + rc;
  METER();
  rc = gp_token_transfer(vault, user_ta, vault, amount_out, &signer);
  METER();
  if (rc) return 300 + rc;
  gp_token_account_t ta;
  METER();
  rc = gp_token_account_check(vault, mint->key, vault->key, &ta);
  METER();
  uint8_t *o = out;
  o = put64(o, rc ? 0 : ta.amount);
  o = put64(o, rc);
  o = put64(o, vault->data_len);
  gp_set_return_data(out, (uint64_t)(o - out));
  return 0;
}

/* accounts: vault, destination, mint, user token account, token program.
 * data: u8 op, u8 bump. Empties the vault to the user and closes it (rent
 * to destination), both signed by the vault PDA. */
static uint64_t token_close(gp_input_t *in) {
  if (in->naccounts < 5 || in->data_len < 2) return 1;
  gp_account_t *vault = &in->accounts[0];
  gp_account_t *dest = &in->accounts[1];
  gp_account_t *mint = &in->accounts[2];
  gp_account_t *user_ta = &in->accounts[3];
  uint8_t bump = in->data[1];
  gp_seed_t s[3] = {{(const uint8_t *)"vault", 5}, {mint->key->x, 32}, {&bump, 1}};
  gp_signer_seeds_t signer = {s, 3};
  gp_token_account_t ta;
  uint64_t rc = gp_token_account_unpack(vault, &ta);
  if (rc) return 100 + rc;
  if (ta.amount) {
    rc = gp_token_transfer(vault, user_ta, vault, ta.amount, &signer);
    if (rc) return 200 + rc;
  }
  METER();
  rc = gp_token_close_account(vault, dest, vault, &signer);
  METER();
  if (rc) return 300 + rc;
  return 0;
}

/* accounts: program-owned account, destination. */
static uint64_t close_acc(gp_input_t *in) {
  if (in->naccounts < 2) return 1;
  METER();
  uint64_t rc = gp_close_program_account(&in->accounts[0], &in->accounts[1]);
  METER();
  return rc ? 100 + rc : 0;
}

/* accounts: the token account to check. data: u8 op, mint[32], owner[32]
 * (all-zero owner: not checked). Returns rc(8), amount(8), state(1). */
static uint64_t token_check(gp_input_t *in, uint8_t *out) {
  if (in->naccounts < 1 || in->data_len < 65) return 1;
  const gp_pubkey_t *mint = (const gp_pubkey_t *)(in->data + 1);
  const gp_pubkey_t *owner = (const gp_pubkey_t *)(in->data + 33);
  gp_token_account_t ta;
  uint64_t rc = gp_token_account_check(&in->accounts[0], mint, gp_key_is_zero(owner) ? GP_NULL : owner, &ta);
  uint8_t *o = out;
  o = put64(o, rc);
  o = put64(o, rc ? 0 : ta.amount);
  *o++ = rc ? 0xff : ta.state;
  gp_set_return_data(out, (uint64_t)(o - out));
  return 0;
}

uint64_t entrypoint(uint8_t *input) {
  /* Heap: the input view (1.8 KiB) is past llc's default 512-byte frame. */
  gp_input_t *in = (gp_input_t *)GP_HEAP_START;
  uint8_t *out = GP_HEAP_START + 4096;
  METER(); /* an empty bracket first: the meter's own cost */
  METER();
  METER();
  uint64_t rc = gp_deserialize(input, in);
  METER();
  if (rc) return gp_error(6042);
  if (in->data_len == 0) return 1;
  switch (in->data[0]) {
  case OP_ECHO:
    gp_set_return_data(out, echo(in, out));
    return 0;
  case OP_ERROR:
    if (in->data_len < 5) return 1;
    return gp_error((uint32_t)in->data[1] | ((uint32_t)in->data[2] << 8) | ((uint32_t)in->data[3] << 16) |
                    ((uint32_t)in->data[4] << 24));
  case OP_MEASURE:
    return measure(input, in, out);
  case OP_CREATE:
    return create(in, out);
  case OP_TOKEN_FLOW:
    return token_flow(in, out);
  case OP_TOKEN_CLOSE:
    return token_close(in);
  case OP_CLOSE:
    return close_acc(in);
  case OP_TOKEN_CHECK:
    return token_check(in, out);
  default:
    return 1;
  }
}
