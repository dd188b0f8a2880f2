/* Fuzz target for access-token verification and JWKS parsing (untrusted input), run as a
 * deterministic mutation test in every build (so under ASan/UBSan in CI), over the committed
 * corpus tests/fuzz/corpus/jwt by tests/fuzz/driver.c (meson test fuzz_jwt_corpus), and as
 * the libFuzzer target fuzz-jwt of the -Dfuzzing=true build (tests/fuzz/run.sh jwt SECONDS;
 * see tests/fuzz/README.md). An input starting with '{' is a JWKS, anything else a token.
 *
 * The seeds are a fixed JWKS (one EC P-256 and one RSA-2048 key, generated once with the
 * simulator's code) and two tokens signed with them, valid at FUZZ_NOW. Properties: nothing
 * crashes or leaks; every failure has a negative code and a non-empty message that never
 * contains the token; a mutated token is never accepted unless the mutation left it unchanged;
 * a mutated JWKS either fails cleanly or yields keys that still reject a forged token. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"

#define FUZZ_NOW 1800000100
#define FUZZ_CLIENT "fuzz-client"

static const char JWKS[] =
    "{\"keys\":[{\"alg\":\"ES256\",\"crv\":\"P-256\",\"kid\":\"fuzz-ec-key\",\"kty\":\"EC\",\"use\":\"sig\",\"x\":"
    "\"B77EGGR7tuCvDI"
    "eBli6G3G2ZCx7E6Nv2dhTAz2Vj-P4\",\"y\":\"Amz7pHciVf10GyqDnL6ZwRBvm--sCQ0ivD86rGD2sTE\"},{\"alg\":\"RS256\",\"e\""
    ":\"AQAB\",\"kid\":\"fuzz-rsa-key\",\"kty\":\"RSA\",\"n\":\"3hTrr3qWKsfZ9w4obhzb1dTn89wxa6znocbPBu-3vY9OX21GGel_gE"
    "dVS_SW-x11ZsIzYkN_6BVJLGSuaWTYOqRoU1gj1Q_89KoE5UqghGmspFpvDsQMF32xpN5zo3GhADDmcYxir9KrC4Q_r2hIwkeSaE"
    "XNLSZjW0Sx3UEtw1eT5d7xDnctpiTinLcNSf5zCiNkLjCNFyl-2p0miquAEQ5--oknDrL53J19BkFCpu8H4KDv1Q7hRt2AN-WBNX"
    "3CIceJCPvkW4oFiLcJ23RcwaWumZOG0R3Lo_yZU5zYHg5JTt44kgSG8pgiU15IoGx_OjA6H5IsBbOmvDkUVuSFZw\",\"use\":\"sig"
    "\"}]}";
static const char TOKEN_ES256[] =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6ImZ1enotZWMta2V5IiwidHlwIjoiSldUIn0.eyJzY3AiOlsiZXNpLWFzc2V0cy5yZWFkX2Fz"
    "c2V0cy52MSIsImVzaS1tYWlsLnNlbmRfbWFpbC52MSJdLCJqdGkiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAw"
    "MDAiLCJraWQiOiJKV1QtU2lnbmF0dXJlLUtleSIsInN1YiI6IkNIQVJBQ1RFUjpFVkU6MjExMjYyNTQyOCIsImF6cCI6ImZ1enot"
    "Y2xpZW50IiwidGVuYW50IjoidHJhbnF1aWxpdHkiLCJ0aWVyIjoibGl2ZSIsInJlZ2lvbiI6IndvcmxkIiwiYXVkIjpbImZ1enot"
    "Y2xpZW50IiwiRVZFIE9ubGluZSJdLCJuYW1lIjoiU2ltIFBpbG90Iiwib3duZXIiOiI0Q2tkN0FxOWNKdHFmeFRUU1RMckExSkhk"
    "Slk9IiwiZXhwIjoxODAwMDAxMTk5LCJpYXQiOjE4MDAwMDAwMDAsImlzcyI6ImxvZ2luLmV2ZW9ubGluZS5jb20ifQ.QMZBbf1Y2"
    "00yytsey9C_cKl_cqBgkAdGmXSftmZ4R5Yg8wltjT0LtFflxXmnowXnVPkAlZwNJ0uwqkIen5uJJg";
static const char TOKEN_RS256[] =
    "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZ1enotcnNhLWtleSIsInR5cCI6IkpXVCJ9.eyJzY3AiOlsiZXNpLWFzc2V0cy5yZWFkX2F"
    "zc2V0cy52MSIsImVzaS1tYWlsLnNlbmRfbWFpbC52MSJdLCJqdGkiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDA"
    "wMDAiLCJraWQiOiJKV1QtU2lnbmF0dXJlLUtleSIsInN1YiI6IkNIQVJBQ1RFUjpFVkU6MjExMjYyNTQyOCIsImF6cCI6ImZ1eno"
    "tY2xpZW50IiwidGVuYW50IjoidHJhbnF1aWxpdHkiLCJ0aWVyIjoibGl2ZSIsInJlZ2lvbiI6IndvcmxkIiwiYXVkIjpbImZ1eno"
    "tY2xpZW50IiwiRVZFIE9ubGluZSJdLCJuYW1lIjoiU2ltIFBpbG90Iiwib3duZXIiOiI0Q2tkN0FxOWNKdHFmeFRUU1RMckExSkh"
    "kSlk9IiwiZXhwIjoxODAwMDAxMTk5LCJpYXQiOjE4MDAwMDAwMDAsImlzcyI6ImxvZ2luLmV2ZW9ubGluZS5jb20ifQ.jTEeqMHu"
    "HjZLcqWhcbClZJr8AxFm3x9vxzPJCywCZdT-C9dI_V9ik_O2rzSuM7tygRqwELDnr0shP90_byNYW85CCwbHXhWjCBsRz7_TIkmK"
    "nSYURGInecTf46we7PL1ZjQjzyp0RX9thYoiTSunPgSJ1UT8Ze4pKorvhwF5Fa8PfIR_BmdC9UwENxiVFwZW5ESc43QZkYLUROCw"
    "TeMMneYBMrkDtQ3HTbnylaSbAVMIU9eeURcKX9_xz4XXg8iZpxgtzN2B5OEQnpiPG-ozJuwwZ8BOTJFD1Psa83_ooL2Jqn-bixv3"
    "Nat4ct8J4NhMsFJ7fouV2K7jzCEyFkPLhQ";

static esi_jwks *seed_keys(void) {
  static esi_jwks *k; /* built once per process; never freed in libFuzzer mode (one per run) */
  if (!k && esi_jwks_new_from_json(&k, JWKS, strlen(JWKS)) != 0) abort();
  return k;
}

static void check_fail(int rc, const char *tok) {
  const char *m = erplink_error_message(erplink_error_last());
  if (rc >= 0 || !m || !*m) abort();
  if (tok && strlen(tok) > 20 && strstr(m, tok)) abort();
}

/* Token bytes: verify against the seed keys. */
static int fuzz_token(const uint8_t *data, size_t len) {
  char *t = malloc(len + 1);
  if (!t) return 0;
  memcpy(t, data, len);
  t[len] = 0;
  esi_token_claims *c = NULL;
  int rc = esi_jwt_verify(&c, seed_keys(), t, FUZZ_CLIENT, FUZZ_NOW, 60);
  if (rc == 0) {
    if (!c || (strcmp(t, TOKEN_ES256) != 0 && strcmp(t, TOKEN_RS256) != 0)) abort(); /* only the seeds verify */
    if (esi_token_claims_character_id(c) <= 0 || !esi_token_claims_name(c)) abort();
    for (size_t i = 0; i < esi_token_claims_scope_count(c); i++)
      if (!esi_token_claims_scope_at(c, i)) abort();
    esi_token_claims_free(c);
  } else {
    if (c) abort();
    check_fail(rc, t);
  }
  free(t);
  return 0;
}

/* JWKS bytes: parse, then verify the seed tokens with whatever keys came out. */
static int fuzz_jwks(const uint8_t *data, size_t len) {
  esi_jwks *k = NULL;
  int rc = esi_jwks_new_from_json(&k, (const char *)data, len);
  if (rc != 0) {
    if (k) abort();
    check_fail(rc, NULL);
    return 0;
  }
  esi_token_claims *c = NULL;
  rc = esi_jwt_verify(&c, k, TOKEN_ES256, FUZZ_CLIENT, FUZZ_NOW, 60);
  if (rc == 0)
    esi_token_claims_free(c);
  else
    check_fail(rc, TOKEN_ES256);
  esi_jwks_free(k);
  return 0;
}

#ifdef ERPLINK_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) {
  return len && data[0] == '{' ? fuzz_jwks(data, len) : fuzz_token(data, len);
}
#else
#include "test.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static size_t mutate(uint8_t *b, size_t len, size_t cap) {
  static const char alphabet[] = "AZaz09-_.=+/{}\"\\: ,[]\x00\xff";
  int n = 1 + (int)(next() % 4);
  for (int i = 0; i < n && len; i++) {
    size_t at = (size_t)(next() % len);
    switch (next() % 5) {
    case 0: b[at] = (uint8_t)alphabet[next() % (sizeof alphabet - 1)]; break;
    case 1: b[at] ^= (uint8_t)(1u << (next() % 8)); break;
    case 2: /* delete */ memmove(b + at, b + at + 1, len - at - 1), len--; break;
    case 3: /* duplicate a byte */
      if (len < cap) memmove(b + at + 1, b + at, len - at), len++;
      break;
    default: /* truncate */ len = at; break;
    }
  }
  return len;
}

static void test_seeds(void) {
  esi_token_claims *c = NULL;
  CHECK_EQ_INT(esi_jwt_verify(&c, seed_keys(), TOKEN_ES256, FUZZ_CLIENT, FUZZ_NOW, 60), 0);
  esi_token_claims_free(c);
  c = NULL;
  CHECK_EQ_INT(esi_jwt_verify(&c, seed_keys(), TOKEN_RS256, FUZZ_CLIENT, FUZZ_NOW, 60), 0);
  CHECK_EQ_INT(esi_token_claims_scope_count(c), 2);
  esi_token_claims_free(c);
  CHECK_EQ_INT(esi_jwks_count(seed_keys()), 2);
}

static void run_mutations(const char *seed, int jwks, int iterations) {
  size_t cap = strlen(seed) + 64;
  uint8_t *b = malloc(cap);
  for (int i = 0; i < iterations; i++) {
    size_t len = strlen(seed);
    memcpy(b, seed, len);
    len = mutate(b, len, cap);
    if (jwks)
      fuzz_jwks(b, len);
    else
      fuzz_token(b, len);
  }
  free(b);
  CHECK(1);
}

static void test_mutate_es256(void) { run_mutations(TOKEN_ES256, 0, 3000); }
static void test_mutate_rs256(void) { run_mutations(TOKEN_RS256, 0, 3000); }
static void test_mutate_jwks(void) { run_mutations(JWKS, 1, 1500); }

int main(void) {
  RUN(test_seeds);
  RUN(test_mutate_es256);
  RUN(test_mutate_rs256);
  RUN(test_mutate_jwks);
  esi_jwks_free(seed_keys());
  return test_done();
}
#endif
