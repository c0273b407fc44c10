/* gpunet on-chain runtime; the contract of each function is in gp_rt.h. */
#include "gp_rt.h"
#include "gp_math128.h"

const gp_pubkey_t GP_SYSTEM_PROGRAM_ID = {{0}};
const gp_pubkey_t GP_TOKEN_PROGRAM_ID = {{
    0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93, 0xd9, 0xcb, 0xe1, 0x46, 0xce, 0xeb, 0x79, 0xac,
    0x1c, 0xb4, 0x85, 0xed, 0x5f, 0x5b, 0x37, 0x91, 0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9,
}};

/* ---- input ------------------------------------------------------------ */
/* SBPF v0 aligned serialization, per account:
 *   u8 dup (0xff = first occurrence, else index of the original) and then
 *   either 7 padding bytes (duplicate), or u8 is_signer, u8 is_writable,
 *   u8 executable, 4 bytes padding, key[32], owner[32], u64 lamports,
 *   u64 data_len, data, 10 KiB realloc room, padding to 8, u64 rent_epoch.
 * Then u64 instruction data length, the data, and the program id. */
uint64_t gp_deserialize(uint8_t *input, gp_input_t *out) {
  uint8_t *p = input;
  uint64_t n = *(gp_u64_alias *)p;
  p += 8;
  if (n > GP_MAX_ACCOUNTS) return GP_RT_E_TOO_MANY_ACCOUNTS;
  out->naccounts = n;
  for (uint64_t i = 0; i < n; i++) {
    gp_account_t *a = &out->accounts[i];
    uint8_t dup = p[0];
    if (dup != 0xff) {
      /* The runtime only points back to an earlier account. */
      *a = out->accounts[dup];
      p += 8;
      continue;
    }
    a->is_signer = p[1];
    a->is_writable = p[2];
    a->executable = p[3];
    p += 8;
    a->key = (const gp_pubkey_t *)p;
    p += 32;
    a->owner = (gp_pubkey_t *)p;
    p += 32;
    a->lamports = (uint64_t *)p;
    p += 8;
    uint64_t len = *(gp_u64_alias *)p;
    a->data_len = len;
    p += 8;
    a->data = p;
    p += len + GP_MAX_PERMITTED_DATA_INCREASE;
    p = (uint8_t *)(((uintptr_t)p + 7) & ~(uintptr_t)7);
    a->rent_epoch = *(gp_u64_alias *)p;
    p += 8;
  }
  uint64_t dlen = *(gp_u64_alias *)p;
  p += 8;
  out->data = p;
  out->data_len = dlen;
  out->program_id = (const gp_pubkey_t *)(p + dlen);
  return GP_RT_OK;
}

/* ---- logging ---------------------------------------------------------- */
void gp_log_cstr(const char *s) {
  uint64_t n = 0;
  while (s[n]) n++;
  sol_log_(s, n);
}

/* Writes v in decimal ending just before end; returns the first digit. */
static char *fmt_u64(char *end, uint64_t v) {
  char *p = end;
  do {
    uint64_t q = v / 10;
    *--p = (char)('0' + (v - q * 10));
    v = q;
  } while (v);
  return p;
}

void gp_log_u64(uint64_t v) {
  char buf[20];
  char *s = fmt_u64(buf + 20, v);
  sol_log_(s, (uint64_t)(buf + 20 - s));
}

/* ---- errors ----------------------------------------------------------- */
#define ERR_LINE_CAP 384

/* Appends s (NUL-terminated) at pos, never past cap; returns the new pos.
 * Measure first, then one sol_memcpy_: cheaper per byte than a copy loop. */
static uint64_t put(char *buf, uint64_t pos, uint64_t cap, const char *s) {
  uint64_t n = 0;
  while (s[n]) n++;
  if (pos >= cap) return pos;
  if (n > cap - pos) n = cap - pos;
  if (n) sol_memcpy_(buf + pos, s, n);
  return pos + n;
}
/* Appends a string literal (length known at compile time). */
#define PUT_LIT(buf, pos, lit)                                                                     \
  do {                                                                                             \
    sol_memcpy_((buf) + (pos), (lit), sizeof(lit) - 1);                                             \
    (pos) += sizeof(lit) - 1;                                                                      \
  } while (0)

uint64_t gp_error(uint32_t code) {
  char line[ERR_LINE_CAP];
  const char *name = gp_error_name(code);
  const char *msg = gp_error_msg(code);
  if (!name) name = "UnknownError";
  if (!msg) msg = "Unknown error";
  /* Room is kept for the number and the closing '.' so the line always
   * matches Anchor's regex, even with an overlong name or message. */
  const uint64_t cap = ERR_LINE_CAP - 1;
  uint64_t pos = 0;
  PUT_LIT(line, pos, "AnchorError occurred. Error Code: ");
  pos = put(line, pos, cap - 48, name);
  PUT_LIT(line, pos, ". Error Number: ");
  char num[10]; /* a u32 has at most 10 digits */
  char *d = fmt_u64(num + 10, code);
  uint64_t nd = (uint64_t)(num + 10 - d);
  sol_memcpy_(line + pos, d, nd);
  pos += nd;
  PUT_LIT(line, pos, ". Error Message: ");
  pos = put(line, pos, cap, msg);
  line[pos++] = '.';
  sol_log_(line, pos);
  return code;
}

/* ---- sysvars ---------------------------------------------------------- */
uint64_t gp_clock_now(int64_t *unix_ts, uint64_t *slot, uint64_t *epoch) {
  gp_clock_t c;
  if (sol_get_clock_sysvar(&c) != 0) return GP_RT_E_SYSVAR;
  if (unix_ts) *unix_ts = c.unix_timestamp;
  if (slot) *slot = c.slot;
  if (epoch) *epoch = c.epoch;
  return GP_RT_OK;
}

uint64_t gp_rent_min_balance(uint64_t data_len) {
  /* Rent is repr(C) { u64 lamports_per_byte_year; f64 exemption_threshold;
   * u8 burn_percent } = 24 bytes. */
  uint64_t rent[3];
  if (sol_get_rent_sysvar(rent) != 0) return GP_U64_MAX;
  uint64_t bytes, base;
  if (gp_add_u64(data_len, 128, &bytes)) return GP_U64_MAX; /* ACCOUNT_STORAGE_OVERHEAD */
  if (gp_mul_u64(bytes, rent[0], &base)) return GP_U64_MAX;
  /* threshold = (2^52 + frac) * 2^(exp - 1075): multiply base by the
   * mantissa and shift, as (base as f64 * threshold) as u64 does (exact
   * while base < 2^53, i.e. any real account). */
  uint64_t bits = rent[1];
  uint64_t exp = (bits >> 52) & 0x7ff;
  if (bits >> 63) return 0;
  if (exp == 0) return 0;
  if (exp == 0x7ff) return GP_U64_MAX;
  uint64_t mant = (bits & 0xfffffffffffffULL) | (1ULL << 52);
  gp_u128 p;
  gp_mul_64x64(base, mant, &p);
  if (exp <= 1075) {
    uint64_t sh = 1075 - exp;
    if (sh >= 128) return 0;
    uint64_t lo, hi;
    if (sh >= 64) {
      lo = p.hi >> (sh - 64);
      hi = 0;
    } else if (sh == 0) {
      lo = p.lo;
      hi = p.hi;
    } else {
      lo = (p.lo >> sh) | (p.hi << (64 - sh));
      hi = p.hi >> sh;
    }
    return hi ? GP_U64_MAX : lo;
  }
  uint64_t sh = exp - 1075;
  if (p.hi != 0 || sh >= 64 || (p.lo >> (64 - sh)) != 0) return GP_U64_MAX;
  return p.lo << sh;
}

/* ---- PDAs ------------------------------------------------------------- */
#define MAX_SEEDS 16
#define MAX_SEED_LEN 32

uint64_t gp_create_pda(const gp_seed_t *seeds, uint64_t nseeds, uint8_t bump,
                       const gp_pubkey_t *program_id, gp_pubkey_t *out) {
  gp_seed_t all[MAX_SEEDS];
  if (nseeds >= MAX_SEEDS) return GP_RT_E_SEEDS;
  for (uint64_t i = 0; i < nseeds; i++) all[i] = seeds[i];
  all[nseeds].addr = &bump;
  all[nseeds].len = 1;
  if (sol_create_program_address(all, nseeds + 1, program_id, out) != 0) return GP_RT_E_SEEDS;
  return GP_RT_OK;
}

gp_bool gp_verify_pda(const gp_pubkey_t *expected, const gp_seed_t *seeds, uint64_t nseeds,
                      uint8_t bump, const gp_pubkey_t *program_id) {
  static const char marker[] = "ProgramDerivedAddress";
  gp_bytes_t all[MAX_SEEDS + 2];
  if (nseeds >= MAX_SEEDS) return 0;
  for (uint64_t i = 0; i < nseeds; i++) {
    if (seeds[i].len > MAX_SEED_LEN) return 0;
    all[i] = seeds[i];
  }
  all[nseeds].addr = &bump;
  all[nseeds].len = 1;
  all[nseeds + 1].addr = program_id->x;
  all[nseeds + 1].len = 32;
  all[nseeds + 2].addr = (const uint8_t *)marker;
  all[nseeds + 2].len = sizeof(marker) - 1;
  gp_pubkey_t h;
  if (sol_sha256(all, nseeds + 3, h.x) != 0) return 0;
  return gp_key_eq(&h, expected);
}

/* ---- CPI: System Program ---------------------------------------------- */
static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static void meta(gp_account_meta_t *m, const gp_account_t *a, gp_bool writable, gp_bool signer) {
  m->pubkey = a->key;
  m->is_writable = writable;
  m->is_signer = signer;
}

/* The account infos and signers of one CPI, bundled so that call() stays
 * within BPF's 5 arguments. */
typedef struct {
  const gp_account_t *infos;
  uint64_t ninfos;
  const gp_signer_seeds_t *signers;
  uint64_t nsigners;
} cpi_ctx_t;

static uint64_t call(const gp_pubkey_t *program, const gp_account_meta_t *metas, const uint8_t *data,
                     uint64_t data_len, const cpi_ctx_t *c) {
  gp_instruction_t ix;
  ix.program_id = program;
  ix.accounts = metas;
  ix.account_len = c->ninfos;
  ix.data = data;
  ix.data_len = data_len;
  if (sol_invoke_signed_c(&ix, c->infos, c->ninfos, c->signers, c->nsigners) != 0)
    return GP_RT_E_CPI;
  return GP_RT_OK;
}

uint64_t gp_system_transfer(const gp_account_t *from, const gp_account_t *to, uint64_t lamports,
                            const gp_signer_seeds_t *seeds) {
  gp_account_t infos[2];
  gp_account_meta_t metas[2];
  uint64_t buf[2];
  uint8_t *data = (uint8_t *)buf;
  infos[0] = *from;
  infos[1] = *to;
  meta(&metas[0], from, 1, 1);
  meta(&metas[1], to, 1, 0);
  put_u32(data, 2); /* SystemInstruction::Transfer */
  gp_store_u64(data + 4, lamports);
  cpi_ctx_t c = {infos, 2, seeds, seeds ? 1 : 0};
  return call(&GP_SYSTEM_PROGRAM_ID, metas, data, 12, &c);
}

uint64_t gp_system_create_account_ex(const gp_create_account_args_t *a) {
  gp_account_t *acc = a->new_account;
  gp_account_t infos[2];
  gp_account_meta_t metas[2];
  uint64_t buf[7];
  uint8_t *data = (uint8_t *)buf;
  uint64_t rc;
  uint64_t have = *acc->lamports;
  if (have == 0) {
    infos[0] = *a->payer;
    infos[1] = *acc;
    meta(&metas[0], a->payer, 1, 1);
    meta(&metas[1], acc, 1, 1);
    put_u32(data, 0); /* SystemInstruction::CreateAccount */
    gp_store_u64(data + 4, a->lamports);
    gp_store_u64(data + 12, a->space);
    gp_key_copy((gp_pubkey_t *)(data + 20), a->owner);
    cpi_ctx_t c = {infos, 2, a->signers, a->nsigners};
    rc = call(&GP_SYSTEM_PROGRAM_ID, metas, data, 52, &c);
    if (rc) return rc;
  } else {
    /* Someone sent lamports to the address first; CreateAccount would fail
     * with "already in use", so do its three steps one by one. */
    if (have < a->lamports) {
      infos[0] = *a->payer;
      infos[1] = *acc;
      meta(&metas[0], a->payer, 1, 1);
      meta(&metas[1], acc, 1, 0);
      put_u32(data, 2); /* Transfer */
      gp_store_u64(data + 4, a->lamports - have);
      cpi_ctx_t c = {infos, 2, a->signers, a->nsigners};
      rc = call(&GP_SYSTEM_PROGRAM_ID, metas, data, 12, &c);
      if (rc) return rc;
    }
    infos[0] = *acc;
    meta(&metas[0], acc, 1, 1);
    cpi_ctx_t c1 = {infos, 1, a->signers, a->nsigners};
    put_u32(data, 8); /* Allocate */
    gp_store_u64(data + 4, a->space);
    rc = call(&GP_SYSTEM_PROGRAM_ID, metas, data, 12, &c1);
    if (rc) return rc;
    put_u32(data, 1); /* Assign */
    gp_key_copy((gp_pubkey_t *)(data + 4), a->owner);
    rc = call(&GP_SYSTEM_PROGRAM_ID, metas, data, 36, &c1);
    if (rc) return rc;
  }
  /* The runtime wrote the new length into the serialized input (just before
   * data); keep our copy in step. */
  acc->data_len = a->space;
  return GP_RT_OK;
}

uint64_t gp_system_create_account(const gp_account_t *payer, gp_account_t *new_account,
                                  uint64_t space, const gp_pubkey_t *owner,
                                  const gp_signer_seeds_t *new_seeds) {
  gp_create_account_args_t a;
  a.payer = payer;
  a.new_account = new_account;
  a.lamports = gp_rent_min_balance(space);
  if (a.lamports == GP_U64_MAX) return GP_RT_E_SYSVAR;
  a.space = space;
  a.owner = owner;
  a.signers = new_seeds;
  a.nsigners = new_seeds ? 1 : 0;
  return gp_system_create_account_ex(&a);
}

uint64_t gp_close_program_account(gp_account_t *acc, gp_account_t *dest) {
  uint64_t sum;
  if (gp_key_eq(acc->key, dest->key)) return GP_RT_E_SAME_ACCOUNT;
  if (gp_add_u64(*dest->lamports, *acc->lamports, &sum)) return GP_RT_E_OVERFLOW;
  *dest->lamports = sum;
  *acc->lamports = 0;
  if (acc->data_len) sol_memset_(acc->data, 0, acc->data_len);
  gp_u64_alias *o = (gp_u64_alias *)acc->owner;
  o[0] = 0;
  o[1] = 0;
  o[2] = 0;
  o[3] = 0;
  /* Serialized data length sits in the 8 bytes before the data. */
  *(gp_u64_alias *)(acc->data - 8) = 0;
  acc->data_len = 0;
  return GP_RT_OK;
}

/* ---- SPL Token -------------------------------------------------------- */
uint64_t gp_token_account_unpack(const gp_account_t *acc, gp_token_account_t *out) {
  if (!gp_key_eq(acc->owner, &GP_TOKEN_PROGRAM_ID)) return GP_RT_E_OWNER;
  if (acc->data_len != GP_TOKEN_ACCOUNT_LEN) return GP_RT_E_SIZE;
  const uint8_t *d = acc->data;
  if (d[108] != GP_TOKEN_STATE_INITIALIZED) return GP_RT_E_STATE;
  out->mint = (const gp_pubkey_t *)d;
  out->owner = (const gp_pubkey_t *)(d + 32);
  out->amount = gp_load_u64(d + 64);
  out->state = d[108];
  return GP_RT_OK;
}

uint64_t gp_token_account_check(const gp_account_t *acc, const gp_pubkey_t *expected_mint,
                                const gp_pubkey_t *expected_owner, gp_token_account_t *out) {
  uint64_t rc = gp_token_account_unpack(acc, out);
  if (rc) return rc;
  if (!gp_key_eq(out->mint, expected_mint)) return GP_RT_E_MINT;
  if (expected_owner && !gp_key_eq(out->owner, expected_owner)) return GP_RT_E_AUTHORITY;
  return GP_RT_OK;
}

uint64_t gp_token_transfer(const gp_account_t *src, const gp_account_t *dst,
                           const gp_account_t *authority, uint64_t amount,
                           const gp_signer_seeds_t *seeds) {
  gp_account_t infos[3];
  gp_account_meta_t metas[3];
  uint64_t buf[2];
  uint8_t *data = (uint8_t *)buf;
  infos[0] = *src;
  infos[1] = *dst;
  infos[2] = *authority;
  meta(&metas[0], src, 1, 0);
  meta(&metas[1], dst, 1, 0);
  meta(&metas[2], authority, 0, 1);
  data[0] = 3; /* TokenInstruction::Transfer */
  gp_store_u64(data + 1, amount);
  cpi_ctx_t c = {infos, 3, seeds, seeds ? 1 : 0};
  return call(&GP_TOKEN_PROGRAM_ID, metas, data, 9, &c);
}

uint64_t gp_token_initialize_account3(const gp_account_t *acc, const gp_account_t *mint,
                                      const gp_pubkey_t *owner) {
  gp_account_t infos[2];
  gp_account_meta_t metas[2];
  uint64_t buf[5];
  uint8_t *data = (uint8_t *)buf;
  infos[0] = *acc;
  infos[1] = *mint;
  meta(&metas[0], acc, 1, 0);
  meta(&metas[1], mint, 0, 0);
  data[0] = 18; /* TokenInstruction::InitializeAccount3 */
  gp_key_copy((gp_pubkey_t *)(data + 1), owner);
  cpi_ctx_t c = {infos, 2, GP_NULL, 0};
  return call(&GP_TOKEN_PROGRAM_ID, metas, data, 33, &c);
}

uint64_t gp_token_close_account(const gp_account_t *acc, const gp_account_t *dest,
                                const gp_account_t *authority, const gp_signer_seeds_t *seeds) {
  gp_account_t infos[3];
  gp_account_meta_t metas[3];
  uint8_t data[1];
  infos[0] = *acc;
  infos[1] = *dest;
  infos[2] = *authority;
  meta(&metas[0], acc, 1, 0);
  meta(&metas[1], dest, 1, 0);
  meta(&metas[2], authority, 0, 1);
  data[0] = 9; /* TokenInstruction::CloseAccount */
  cpi_ctx_t c = {infos, 3, seeds, seeds ? 1 : 0};
  return call(&GP_TOKEN_PROGRAM_ID, metas, data, 1, &c);
}

uint64_t gp_token_create_account(const gp_account_t *payer, gp_account_t *acc,
                                 const gp_signer_seeds_t *acc_seeds, const gp_account_t *mint,
                                 const gp_pubkey_t *owner) {
  uint64_t rc =
      gp_system_create_account(payer, acc, GP_TOKEN_ACCOUNT_LEN, &GP_TOKEN_PROGRAM_ID, acc_seeds);
  if (rc) return rc;
  return gp_token_initialize_account3(acc, mint, owner);
}
