/* gpunet on-chain runtime: types, syscalls, input parsing, logging, errors,
 * sysvars, PDAs and the CPIs the program makes (System Program, SPL Token).
 *
 * Freestanding C for clang-19 -target bpf -mcpu=v2 (SBPF v0): no libc, no
 * writable globals, at most 5 arguments per function, no variable-size
 * memcpy (the sol_memcpy_ / sol_memset_ syscalls do that).
 *
 * Status codes: runtime helpers return 0 on success and a small GP_RT_E_*
 * code (below 6000) on failure, so they never collide with the program's
 * own error codes (GP_ERR_* from 6000, generated from the IDL). A handler
 * maps a runtime status to its named error, e.g.
 *   if (gp_token_account_check(vault, mint, pda, &ta)) return gp_error(GP_ERR_WRONG_VAULT);
 */
#ifndef GP_RT_H
#define GP_RT_H

/* ---- fixed-width types ------------------------------------------------ */
/* clang's own freestanding <stdint.h> (no libc), so the generated IDL header
 * and this one agree on uint64_t = unsigned long. */
#include <stdint.h>
typedef uint8_t gp_bool;

#define GP_U64_MAX 0xffffffffffffffffULL
#define GP_NULL ((void *)0)

/* 8-byte loads/stores that tolerate any address (the SBPF VM does not trap
 * unaligned accesses; may_alias keeps the optimiser honest). */
typedef uint64_t gp_u64_alias __attribute__((may_alias));

/* ---- public keys ------------------------------------------------------ */
typedef struct {
  uint8_t x[32];
} gp_pubkey_t;

/* ---- syscall ABI structs (layouts fixed by the Solana C ABI) ---------- */
/* One byte slice: SolBytes / SolSignerSeed. */
typedef struct {
  const uint8_t *addr;
  uint64_t len;
} gp_seed_t;
typedef gp_seed_t gp_bytes_t;

/* The seeds of one PDA signer, bump included: SolSignerSeeds. */
typedef struct {
  const gp_seed_t *seeds;
  uint64_t len;
} gp_signer_seeds_t;

/* An account of the instruction, parsed from the input. Layout equals
 * SolAccountInfo, so an array of these is passed to sol_invoke_signed_c
 * as-is. All pointers point into the serialized input, so writes through
 * lamports/data/owner are what the runtime sees after the program returns.
 * data_len is a copy: after a CPI that grows an account (create) the
 * helper updates it. */
typedef struct {
  const gp_pubkey_t *key;
  uint64_t *lamports;
  uint64_t data_len;
  uint8_t *data;
  gp_pubkey_t *owner;
  uint64_t rent_epoch;
  gp_bool is_signer;
  gp_bool is_writable;
  gp_bool executable;
} gp_account_t;

/* SolAccountMeta. */
typedef struct {
  const gp_pubkey_t *pubkey;
  gp_bool is_writable;
  gp_bool is_signer;
} gp_account_meta_t;

/* SolInstruction. */
typedef struct {
  const gp_pubkey_t *program_id;
  const gp_account_meta_t *accounts;
  uint64_t account_len;
  const uint8_t *data;
  uint64_t data_len;
} gp_instruction_t;

/* Clock sysvar (Rust repr(C) layout, 40 bytes). */
typedef struct {
  uint64_t slot;
  int64_t epoch_start_timestamp;
  uint64_t epoch;
  uint64_t leader_schedule_epoch;
  int64_t unix_timestamp;
} gp_clock_t;

/* ---- syscalls --------------------------------------------------------- */
extern void sol_log_(const char *msg, uint64_t len);
extern void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
extern void sol_log_data(const gp_bytes_t *slices, uint64_t n);
extern void sol_log_pubkey(const gp_pubkey_t *key);
extern void sol_memcpy_(void *dst, const void *src, uint64_t n);
extern void sol_memset_(void *dst, uint8_t c, uint64_t n);
extern void sol_memcmp_(const void *a, const void *b, uint64_t n, int32_t *result);
extern uint64_t sol_sha256(const gp_bytes_t *slices, uint64_t n, uint8_t *out32);
extern uint64_t sol_create_program_address(const gp_seed_t *seeds, uint64_t nseeds,
                                           const gp_pubkey_t *program_id, gp_pubkey_t *out);
extern uint64_t sol_invoke_signed_c(const gp_instruction_t *ix, const gp_account_t *infos,
                                    uint64_t ninfos, const gp_signer_seeds_t *signers,
                                    uint64_t nsigners);
extern uint64_t sol_get_clock_sysvar(void *out);
extern uint64_t sol_get_rent_sysvar(void *out);
/* sol_remaining_compute_units is deliberately absent: it is feature-gated
 * and LiteSVM's default (v0-capable) feature set does not register it, so a
 * program that references it fails to deploy ("Unresolved symbol"). */
extern void sol_log_compute_units_(void);
extern void sol_set_return_data(const uint8_t *data, uint64_t len);

/* ---- runtime status codes (< 6000; map them to GP_ERR_* in handlers) --- */
#define GP_RT_OK 0u
#define GP_RT_E_TOO_MANY_ACCOUNTS 1u /* input holds more than GP_MAX_ACCOUNTS */
#define GP_RT_E_OWNER 2u             /* account owned by the wrong program */
#define GP_RT_E_SIZE 3u              /* account data of the wrong length */
#define GP_RT_E_STATE 4u             /* token account not initialized, or frozen */
#define GP_RT_E_MINT 5u              /* token account of another mint */
#define GP_RT_E_AUTHORITY 6u         /* token account owned by another authority */
#define GP_RT_E_OVERFLOW 7u          /* lamport arithmetic would wrap */
#define GP_RT_E_SEEDS 8u             /* PDA seeds invalid (too many/long, on curve) */
#define GP_RT_E_SYSVAR 9u            /* sysvar syscall failed */
#define GP_RT_E_CPI 10u              /* sol_invoke_signed_c returned non-zero */
#define GP_RT_E_SAME_ACCOUNT 11u     /* two roles given the same account */

/* ---- input ------------------------------------------------------------ */
#define GP_MAX_ACCOUNTS 32
#define GP_MAX_PERMITTED_DATA_INCREASE 10240
#define GP_HEAP_START ((uint8_t *)0x300000000ULL)
#define GP_HEAP_LEN (32u * 1024u)

typedef struct {
  uint64_t naccounts;
  gp_account_t accounts[GP_MAX_ACCOUNTS];
  const uint8_t *data; /* instruction data (not 8-byte aligned in general) */
  uint64_t data_len;
  const gp_pubkey_t *program_id;
} gp_input_t;

/* Parses the SBPF v0 (aligned loader) serialized input. A duplicate account
 * gets a copy of its first occurrence (same pointers). Returns GP_RT_OK or
 * GP_RT_E_TOO_MANY_ACCOUNTS. gp_input_t is 1,824 bytes: put it on the stack
 * of the entrypoint (4 KiB frame) or at GP_HEAP_START. */
uint64_t gp_deserialize(uint8_t *input, gp_input_t *out);

/* ---- keys ------------------------------------------------------------- */
static inline gp_bool gp_key_eq(const gp_pubkey_t *a, const gp_pubkey_t *b) {
  const gp_u64_alias *x = (const gp_u64_alias *)a;
  const gp_u64_alias *y = (const gp_u64_alias *)b;
  return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3])) == 0;
}
static inline void gp_key_copy(gp_pubkey_t *dst, const gp_pubkey_t *src) {
  gp_u64_alias *d = (gp_u64_alias *)dst;
  const gp_u64_alias *s = (const gp_u64_alias *)src;
  d[0] = s[0];
  d[1] = s[1];
  d[2] = s[2];
  d[3] = s[3];
}
static inline gp_bool gp_key_is_zero(const gp_pubkey_t *a) {
  const gp_u64_alias *x = (const gp_u64_alias *)a;
  return (x[0] | x[1] | x[2] | x[3]) == 0;
}

/* Well-known program ids (in .rodata). */
extern const gp_pubkey_t GP_SYSTEM_PROGRAM_ID;
extern const gp_pubkey_t GP_TOKEN_PROGRAM_ID; /* TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA */

/* ---- unaligned little-endian loads/stores (Borsh fields) -------------- */
static inline uint64_t gp_load_u64(const uint8_t *p) { return *(const gp_u64_alias *)p; }
static inline void gp_store_u64(uint8_t *p, uint64_t v) { *(gp_u64_alias *)p = v; }

/* ---- memory (syscalls: cost does not grow with small sizes) ----------- */
static inline void gp_memcpy(void *dst, const void *src, uint64_t n) { sol_memcpy_(dst, src, n); }
static inline void gp_memset(void *dst, uint8_t c, uint64_t n) { sol_memset_(dst, c, n); }
static inline int32_t gp_memcmp(const void *a, const void *b, uint64_t n) {
  int32_t r = 0;
  sol_memcmp_(a, b, n, &r);
  return r;
}

/* ---- logging ---------------------------------------------------------- */
/* gp_log("literal"): length computed at compile time (the "" forces a
 * string literal). For a runtime NUL-terminated string use gp_log_cstr. */
#define gp_log(lit) sol_log_(("" lit), sizeof("" lit) - 1)
void gp_log_cstr(const char *s);
/* Logs "Program log: <decimal v>". */
void gp_log_u64(uint64_t v);
static inline void gp_log_64(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
  sol_log_64_(a, b, c, d, e);
}
static inline void gp_log_pubkey(const gp_pubkey_t *k) { sol_log_pubkey(k); }

/* Anchor event: one sol_log_data slice = discriminator || borsh payload,
 * shown as "Program data: <base64>". */
static inline void gp_emit(const void *data, uint64_t len) {
  gp_bytes_t s;
  s.addr = (const uint8_t *)data;
  s.len = len;
  sol_log_data(&s, 1);
}

static inline void gp_set_return_data(const void *data, uint64_t len) {
  sol_set_return_data((const uint8_t *)data, len);
}
/* Logs "Program consumption: <n> units remaining" (100 CU). */
static inline void gp_log_cu(void) { sol_log_compute_units_(); }

/* ---- errors ----------------------------------------------------------- */
/* Defined by the generated gpunet_idl.h companion (or a test program).
 * Both may return GP_NULL for an unknown code. */
const char *gp_error_name(uint32_t code);
const char *gp_error_msg(uint32_t code);

/* Logs "AnchorError occurred. Error Code: <Name>. Error Number: <n>. Error
 * Message: <msg>." (Anchor's client regex) and returns the code, to be
 * returned from the entrypoint: `return gp_error(GP_ERR_PAUSED);`. The VM
 * reports it as "custom program error: 0x<code hex>". code must be non-zero. */
uint64_t gp_error(uint32_t code);

/* ---- sysvars ---------------------------------------------------------- */
/* Any output pointer may be GP_NULL. Returns GP_RT_OK or GP_RT_E_SYSVAR. */
uint64_t gp_clock_now(int64_t *unix_ts, uint64_t *slot, uint64_t *epoch);
/* Rent-exempt minimum for an account of data_len bytes, from the Rent
 * sysvar: ((128 + data_len) * lamports_per_byte_year) * exemption_threshold
 * (the f64 threshold is applied in integer arithmetic, rounded down).
 * Returns GP_U64_MAX if the sysvar cannot be read or the result overflows,
 * so a comparison against it fails safe. */
uint64_t gp_rent_min_balance(uint64_t data_len);

/* ---- PDAs ------------------------------------------------------------- */
/* out = create_program_address(seeds || [bump], program_id). nseeds <= 15,
 * each seed <= 32 bytes. ~1,500 CU (the syscall's price). Returns GP_RT_OK
 * or GP_RT_E_SEEDS. */
uint64_t gp_create_pda(const gp_seed_t *seeds, uint64_t nseeds, uint8_t bump,
                       const gp_pubkey_t *program_id, gp_pubkey_t *out);
/* True iff expected == sha256(seeds || [bump] || program_id ||
 * "ProgramDerivedAddress"): the same derivation without the on-curve test,
 * which is sound for checking a given address (an account at an on-curve
 * hash would need its private key). About 10x cheaper than gp_create_pda. */
gp_bool gp_verify_pda(const gp_pubkey_t *expected, const gp_seed_t *seeds, uint64_t nseeds,
                      uint8_t bump, const gp_pubkey_t *program_id);

/* ---- CPI -------------------------------------------------------------- */
/* sol_invoke_signed_c with gp_account_t used directly as SolAccountInfo.
 * The callee's program account must be among the transaction instruction's
 * accounts (the client passes it); it need not be in `accounts`. A failing
 * callee aborts the whole transaction; a non-zero return means the call was
 * refused before it ran. */
static inline uint64_t gp_invoke_signed(const gp_instruction_t *ix, const gp_account_t *accounts,
                                        int n, const gp_signer_seeds_t *signers, int nsigners) {
  return sol_invoke_signed_c(ix, accounts, (uint64_t)n, signers, (uint64_t)nsigners);
}

/* All arguments of a System Program account creation. */
typedef struct {
  const gp_account_t *payer;   /* signer, writable */
  gp_account_t *new_account;   /* writable; data_len updated to space */
  uint64_t lamports;           /* balance the account must hold afterwards */
  uint64_t space;
  const gp_pubkey_t *owner;
  const gp_signer_seeds_t *signers; /* PDA seeds for new_account (and payer if a PDA) */
  uint64_t nsigners;
} gp_create_account_args_t;

/* Creates new_account with `space` bytes owned by `owner`. If the account
 * already holds lamports (someone pre-funded the address, which makes
 * CreateAccount fail), tops it up with Transfer, then Allocate + Assign. */
uint64_t gp_system_create_account_ex(const gp_create_account_args_t *a);
/* Same, funded at exactly the rent-exempt minimum for `space`, new_account
 * signed for with one PDA signer (new_seeds, or GP_NULL if it signs). */
uint64_t gp_system_create_account(const gp_account_t *payer, gp_account_t *new_account,
                                  uint64_t space, const gp_pubkey_t *owner,
                                  const gp_signer_seeds_t *new_seeds);
/* System Program Transfer (payer must sign, or be a system-owned PDA with seeds). */
uint64_t gp_system_transfer(const gp_account_t *from, const gp_account_t *to, uint64_t lamports,
                            const gp_signer_seeds_t *seeds);

/* Moves all lamports of a program-owned account to dest, zeroes and
 * shrinks its data to 0 and assigns it to the System Program (Anchor's
 * close), so neither this transaction nor a later one can use it again.
 * Returns GP_RT_OK, GP_RT_E_SAME_ACCOUNT or GP_RT_E_OVERFLOW. */
uint64_t gp_close_program_account(gp_account_t *acc, gp_account_t *dest);

/* ---- SPL Token -------------------------------------------------------- */
#define GP_TOKEN_ACCOUNT_LEN 165
#define GP_TOKEN_STATE_UNINITIALIZED 0
#define GP_TOKEN_STATE_INITIALIZED 1
#define GP_TOKEN_STATE_FROZEN 2

/* View of a token account's data (pointers into the account). */
typedef struct {
  const gp_pubkey_t *mint;
  const gp_pubkey_t *owner;
  uint64_t amount;
  uint8_t state;
} gp_token_account_t;

/* Checks owner == SPL Token, data_len == 165, state Initialized (frozen is
 * refused), then fills out. Returns GP_RT_OK, GP_RT_E_OWNER, GP_RT_E_SIZE
 * or GP_RT_E_STATE. */
uint64_t gp_token_account_unpack(const gp_account_t *acc, gp_token_account_t *out);
/* Unpack plus mint == expected_mint and (unless GP_NULL) token owner ==
 * expected_owner. Adds GP_RT_E_MINT, GP_RT_E_AUTHORITY. */
uint64_t gp_token_account_check(const gp_account_t *acc, const gp_pubkey_t *expected_mint,
                                const gp_pubkey_t *expected_owner, gp_token_account_t *out);

/* SPL Token Transfer (instruction 3). seeds: the authority's PDA seeds, or
 * GP_NULL when the authority signed the transaction. */
uint64_t gp_token_transfer(const gp_account_t *src, const gp_account_t *dst,
                           const gp_account_t *authority, uint64_t amount,
                           const gp_signer_seeds_t *seeds);
/* InitializeAccount3 (instruction 18): acc must already be 165 bytes owned
 * by SPL Token. */
uint64_t gp_token_initialize_account3(const gp_account_t *acc, const gp_account_t *mint,
                                      const gp_pubkey_t *owner);
/* CloseAccount (instruction 9): balance must be 0; rent goes to dest. */
uint64_t gp_token_close_account(const gp_account_t *acc, const gp_account_t *dest,
                                const gp_account_t *authority, const gp_signer_seeds_t *seeds);
/* Creates a 165-byte token account at the PDA `acc` (acc_seeds, bump
 * included), rent-exempt, paid by payer, then InitializeAccount3 with
 * (mint, owner). */
uint64_t gp_token_create_account(const gp_account_t *payer, gp_account_t *acc,
                                 const gp_signer_seeds_t *acc_seeds, const gp_account_t *mint,
                                 const gp_pubkey_t *owner);

#endif
