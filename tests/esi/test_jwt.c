/* Offline tests of access-token verification (src/esi/jwt.c), no simulator: unsafe RSA keys
 * refused at JWKS load (a token forged without any private key against an e = 1 key), nbf and
 * iat checked with the leeway, and which keys of a JWKS are skipped (logged once) or refuse
 * the whole set. Tokens are signed here with keys generated at test time through OpenSSL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "erplink/crypto.h"
#include "erplink/erplink.h"
#include "esi/esi_internal.h"
#include "http_internal.h"
#include "internal.h"
#include "logcap.h"
#include "test.h"

#define NOW 1800000000
#define CLIENT "test-client"

static const char *last_msg(void) { return erplink_error_message(erplink_error_last()); }

#define CHECK_ERR(expr, code, sub)                                                                                     \
  do {                                                                                                                 \
    int r__ = (expr);                                                                                                  \
    CHECK_EQ_INT(r__, (code));                                                                                         \
    if (!strstr(last_msg(), (sub))) {                                                                                  \
      printf("# %s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, last_msg(), (sub));                         \
      test__failed_checks++;                                                                                           \
    }                                                                                                                  \
  } while (0)

/* base64url without padding into a malloc'd string */
static char *b64u(const void *p, size_t n) {
  size_t l = erplink__base64_encoded_len(n, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
  char *s = malloc(l + 1);
  erplink__base64_encode_to(s, p, n, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
  s[l] = '\0';
  return s;
}

static char *bn_b64u(const BIGNUM *bn) {
  unsigned char buf[2048] = {0};
  int n = BN_bn2bin(bn, buf);
  return b64u(buf, n ? (size_t)n : 1); /* zero as one zero byte */
}

/* ------------------------------------------------------------------ an EC P-256 signer */

static EVP_PKEY *ec_key;
static char ec_x[64], ec_y[64];

static void ec_setup(void) {
  ec_key = EVP_EC_gen("P-256");
  BIGNUM *x = NULL, *y = NULL;
  if (!ec_key || !EVP_PKEY_get_bn_param(ec_key, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
      !EVP_PKEY_get_bn_param(ec_key, OSSL_PKEY_PARAM_EC_PUB_Y, &y))
    abort();
  unsigned char b[32];
  BN_bn2binpad(x, b, 32);
  char *s = b64u(b, 32);
  snprintf(ec_x, sizeof ec_x, "%s", s);
  free(s);
  BN_bn2binpad(y, b, 32);
  s = b64u(b, 32);
  snprintf(ec_y, sizeof ec_y, "%s", s);
  free(s);
  BN_free(x);
  BN_free(y);
}

static char *ec_jwk(const char *kid) {
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_printf(&b,
                     "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"%s\",\"alg\":\"ES256\",\"use\":\"sig\","
                     "\"x\":\"%s\",\"y\":\"%s\"}",
                     kid, ec_x, ec_y);
  return erplink_buf_detach(&b, NULL);
}

/* A token over header and payload (JSON texts), ES256-signed with ec_key. */
static char *es256_token(const char *header, const char *payload) {
  char *h = b64u(header, strlen(header)), *p = b64u(payload, strlen(payload));
  erplink_buf in = ERPLINK_BUF_INIT;
  erplink_buf_printf(&in, "%s.%s", h, p);
  unsigned char der[128];
  size_t dl = sizeof der;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ec_key) <= 0 ||
      EVP_DigestSign(md, der, &dl, (const unsigned char *)in.ptr, in.len) <= 0)
    abort();
  EVP_MD_CTX_free(md);
  const unsigned char *dp = der;
  ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &dp, (long)dl);
  unsigned char raw[64];
  BN_bn2binpad(ECDSA_SIG_get0_r(es), raw, 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), raw + 32, 32);
  ECDSA_SIG_free(es);
  char *sg = b64u(raw, 64);
  erplink_buf_printf(&in, ".%s", sg);
  free(h);
  free(p);
  free(sg);
  return erplink_buf_detach(&in, NULL);
}

/* The payload of an EVE access token valid at NOW, with extra members appended. */
static char *payload(const char *extra) {
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_printf(&b,
                     "{\"scp\":[\"esi-assets.read_assets.v1\"],\"sub\":\"CHARACTER:EVE:2112625428\",\"azp\":\"%s\","
                     "\"aud\":[\"%s\",\"EVE Online\"],\"name\":\"Test Pilot\",\"owner\":\"abc=\",\"exp\":%d,"
                     "\"iss\":\"login.eveonline.com\"%s%s}",
                     CLIENT, CLIENT, NOW + 1200, extra ? "," : "", extra ? extra : "");
  return erplink_buf_detach(&b, NULL);
}

static esi_jwks *ec_jwks(void) {
  char *k = ec_jwk("ec-1");
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_printf(&b, "{\"keys\":[%s]}", k);
  esi_jwks *s = NULL;
  if (esi_jwks_new_from_json(&s, b.ptr, b.len) != 0) abort();
  free(k);
  erplink_buf_free(&b);
  return s;
}

static int verify_with(esi_jwks *k, const char *extra, int64_t now, int64_t leeway) {
  char *p = payload(extra);
  char *t = es256_token("{\"alg\":\"ES256\",\"kid\":\"ec-1\",\"typ\":\"JWT\"}", p);
  esi_token_claims *c = NULL;
  int rc = esi_jwt_verify(&c, k, t, CLIENT, now, leeway);
  CHECK((rc == 0) == (c != NULL));
  esi_token_claims_free(c);
  free(p);
  free(t);
  return rc;
}

/* ------------------------------------------------------------------ (1) unsafe RSA keys */

/* A JWKS with one RSA key of modulus n and exponent e (then the keys in more, if any). */
static char *rsa_jwks(const BIGNUM *n, const BIGNUM *e, const char *kid, const char *more) {
  char *ns = bn_b64u(n), *es = bn_b64u(e);
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_printf(&b,
                     "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"%s\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"%s\","
                     "\"e\":\"%s\"}%s%s]}",
                     kid, ns, es, more ? "," : "", more ? more : "");
  free(ns);
  free(es);
  return erplink_buf_detach(&b, NULL);
}

/* EMSA-PKCS1-v1_5 encoding of SHA-256(m) in k bytes: with e = 1 it is its own signature. */
static void pkcs1_em(unsigned char *em, size_t k, const char *m, size_t mlen) {
  static const unsigned char di[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                     0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  unsigned char h[32];
  unsigned int hl = 0;
  EVP_Digest(m, mlen, h, &hl, EVP_sha256(), NULL);
  size_t t = sizeof di + 32;
  em[0] = 0x00;
  em[1] = 0x01;
  memset(em + 2, 0xFF, k - t - 3);
  em[k - t - 1] = 0x00;
  memcpy(em + k - t, di, sizeof di);
  memcpy(em + k - 32, h, 32);
}

/* OpenSSL without erplink's checks: builds the key and verifies, as a naive verifier would. */
static int naive_verify(const BIGNUM *n, const BIGNUM *e, const char *input, size_t ilen, const unsigned char *sig,
                        size_t slen) {
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
  EVP_PKEY *pk = NULL;
  int ok = -1;
  if (ctx && EVP_PKEY_fromdata_init(ctx) > 0 && EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) > 0) {
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) > 0)
      ok = EVP_DigestVerify(md, sig, slen, (const unsigned char *)input, ilen);
    EVP_MD_CTX_free(md);
  }
  EVP_PKEY_free(pk);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return ok;
}

static void test_forged_e1_token(void) {
  /* n = 2^2048 - 1 (odd, 2048 bits), e = 1: the "signature" is the padded digest itself */
  BIGNUM *n = BN_new(), *e = BN_new();
  BN_set_bit(n, 2048);
  BN_sub_word(n, 1);
  BN_set_word(e, 1);
  char *p = payload(NULL);
  char *h64 = b64u("{\"alg\":\"RS256\",\"kid\":\"evil\"}", strlen("{\"alg\":\"RS256\",\"kid\":\"evil\"}")),
       *p64 = b64u(p, strlen(p));
  erplink_buf in = ERPLINK_BUF_INIT;
  erplink_buf_printf(&in, "%s.%s", h64, p64);
  unsigned char em[256];
  pkcs1_em(em, sizeof em, in.ptr, in.len);
  /* the forgery is real: OpenSSL alone accepts it (no private key was ever involved) */
  CHECK_EQ_INT(naive_verify(n, e, in.ptr, in.len, em, sizeof em), 1);
  char *sig = b64u(em, sizeof em);
  erplink_buf_printf(&in, ".%s", sig);
  char *js = rsa_jwks(n, e, "evil", NULL);
  esi_jwks *k = NULL;
  CHECK_ERR(esi_jwks_new_from_json(&k, js, strlen(js)), ERPLINK_EPROTOCOL, "invalid RSA public exponent");
  CHECK(k == NULL);
  free(js);
  /* next to a good key, the bad one refuses the whole set: it signals a tampered JWKS */
  char *good = ec_jwk("ec-1");
  js = rsa_jwks(n, e, "evil", good);
  CHECK_ERR(esi_jwks_new_from_json(&k, js, strlen(js)), ERPLINK_EPROTOCOL, "'evil'");
  CHECK(k == NULL);
  free(js);
  free(good);
  /* and with the key somehow in a set, the token would still not verify: proven by the load
   * check alone; the forged token against an honest set fails on the kid */
  esi_jwks *honest = ec_jwks();
  esi_token_claims *c = NULL;
  CHECK_ERR(esi_jwt_verify(&c, honest, in.ptr, CLIENT, NOW, 60), ERPLINK_ESIGNATURE, "no key with kid 'evil'");
  esi_jwks_free(honest);
  erplink_buf_free(&in);
  free(sig);
  free(h64);
  free(p64);
  free(p);
  BN_free(n);
  BN_free(e);
}

static void test_unsafe_rsa_keys(void) {
  BIGNUM *all_ones = BN_new(), *e = BN_new(), *tmp = BN_new(), *mersenne = BN_new(), *even = BN_new();
  BN_set_bit(all_ones, 2048);
  BN_sub_word(all_ones, 1); /* 2^2048 - 1 = 3 * 5 * 17 * ...: small factors */
  BN_set_bit(mersenne, 2203);
  BN_sub_word(mersenne, 1); /* 2^2203 - 1 is prime: no RSA modulus */
  BN_copy(even, all_ones);
  BN_sub_word(even, 1);
  static const struct {
    unsigned long e;
    int modulus; /* 0 all ones, 1 even, 2 prime, 3 small (1024 bits), 4 e = n + 2 */
    const char *msg;
  } cases[] = {{0, 0, "invalid RSA public exponent"},
               {1, 0, "invalid RSA public exponent"},
               {2, 0, "invalid RSA public exponent"},
               {65536, 0, "invalid RSA public exponent"},
               {65537, 1, "modulus is even"},
               {65537, 0, "public-key check refuses"},
               {3, 0, "public-key check refuses"},
               {65537, 2, "public-key check refuses"},
               {65537, 3, "1024 bits"},
               {0, 4, "invalid RSA public exponent"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const BIGNUM *n = cases[i].modulus == 1 ? even : cases[i].modulus == 2 ? mersenne : all_ones;
    if (cases[i].modulus == 3) {
      BN_rshift(tmp, all_ones, 1024);
      n = tmp;
    }
    BN_set_word(e, cases[i].e);
    if (cases[i].modulus == 4) BN_add(e, all_ones, BN_value_one()), BN_add_word(e, 1);
    char *js = rsa_jwks(n, e, "r", NULL);
    esi_jwks *k = NULL;
    CHECK_ERR(esi_jwks_new_from_json(&k, js, strlen(js)), ERPLINK_EPROTOCOL, cases[i].msg);
    CHECK(k == NULL);
    free(js);
  }
  /* a real 2048-bit key with e = 65537 loads (OpenSSL's check accepts it) */
  EVP_PKEY *rsa = EVP_RSA_gen(2048);
  BIGNUM *rn = NULL, *re = NULL;
  REQUIRE(rsa && EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &rn) &&
          EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_E, &re));
  char *js = rsa_jwks(rn, re, "real", NULL);
  esi_jwks *k = NULL;
  CHECK_EQ_INT(esi_jwks_new_from_json(&k, js, strlen(js)), 0);
  CHECK_EQ_INT(esi_jwks_count(k), 1);
  esi_jwks_free(k);
  free(js);
  BN_free(rn);
  BN_free(re);
  EVP_PKEY_free(rsa);
  BN_free(all_ones);
  BN_free(e);
  BN_free(tmp);
  BN_free(mersenne);
  BN_free(even);
}

/* ------------------------------------------------------------------ (2) nbf, iat, exp */

static void test_time_claims(void) {
  esi_jwks *k = ec_jwks();
  char x[96];
  CHECK_EQ_INT(verify_with(k, NULL, NOW, 0), 0);
  /* nbf: RFC 7519 4.1.5, with the same leeway as exp */
  snprintf(x, sizeof x, "\"nbf\":%d", NOW + 3600);
  CHECK_ERR(verify_with(k, x, NOW, 60), ERPLINK_EAUTH, "not valid before");
  snprintf(x, sizeof x, "\"nbf\":%d", NOW + 60);
  CHECK_EQ_INT(verify_with(k, x, NOW, 60), 0); /* exactly at the leeway */
  snprintf(x, sizeof x, "\"nbf\":%d", NOW + 61);
  CHECK_ERR(verify_with(k, x, NOW, 60), ERPLINK_EAUTH, "nbf");
  snprintf(x, sizeof x, "\"nbf\":%d.5", NOW - 10);
  CHECK_EQ_INT(verify_with(k, x, NOW, 0), 0);
  CHECK_ERR(verify_with(k, "\"nbf\":\"soon\"", NOW, 60), ERPLINK_EAUTH, "'nbf' is not a NumericDate");
  CHECK_ERR(verify_with(k, "\"nbf\":-1", NOW, 60), ERPLINK_EAUTH, "'nbf' is not a NumericDate");
  /* iat in the future beyond the leeway: refused (as PyJWT does) */
  snprintf(x, sizeof x, "\"iat\":%d", NOW + 3600);
  CHECK_ERR(verify_with(k, x, NOW, 60), ERPLINK_EAUTH, "in the future");
  snprintf(x, sizeof x, "\"iat\":%d", NOW + 30);
  CHECK_EQ_INT(verify_with(k, x, NOW, 60), 0);
  snprintf(x, sizeof x, "\"iat\":%d", NOW - 100);
  CHECK_EQ_INT(verify_with(k, x, NOW, 0), 0);
  CHECK_ERR(verify_with(k, "\"iat\":[1]", NOW, 60), ERPLINK_EAUTH, "'iat' is not a NumericDate");
  /* extreme values never overflow (UBSan watches) */
  CHECK_ERR(verify_with(k, "\"nbf\":9223372036854775807", NOW, 3600), ERPLINK_EAUTH, "NumericDate");
  CHECK_ERR(verify_with(k, "\"nbf\":1e300", NOW, 3600), ERPLINK_EAUTH, "NumericDate");
  CHECK_ERR(verify_with(k, NULL, NOW + 1200 + 61, 60), ERPLINK_EAUTH, "expired");
  CHECK_EQ_INT(verify_with(k, NULL, NOW + 1200 + 60, 60), 0);
  esi_token_claims *c = NULL;
  CHECK_ERR(esi_jwt_verify(&c, k, "a.b.c", CLIENT, INT64_MAX, 60), ERPLINK_EINVAL, "now");
  CHECK_ERR(esi_jwt_verify(&c, k, "a.b.c", CLIENT, -1, 60), ERPLINK_EINVAL, "now");
  esi_jwks_free(k);
}

/* ------------------------------------------------------------------ (3) skip or refuse */

static void test_skipped_keys(void) {
  char *good = ec_jwk("ec-1");
  const char *rsa_n = "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC"
                      "5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_"
                      "NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_"
                      "RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw";
  char js[8192];
  snprintf(js, sizeof js,
           "{\"keys\":[%s,"
           "{\"kty\":\"RSA\",\"kid\":\"enc-1\",\"use\":\"enc\",\"alg\":\"RSA-OAEP\",\"n\":\"%s\",\"e\":\"AQAB\"},"
           "{\"kty\":\"RSA\",\"kid\":\"rs512\",\"alg\":\"RS512\",\"n\":\"%s\",\"e\":\"AQAB\"},"
           "{\"kty\":\"RSA\",\"kid\":\"ps256\",\"alg\":\"PS256\",\"n\":\"%s\",\"e\":\"AQAB\"},"
           "{\"kty\":\"RSA\",\"kid\":\"wrap\",\"key_ops\":[\"wrapKey\"],\"n\":\"%s\",\"e\":\"AQAB\"},"
           "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"ed\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
           "{\"kty\":\"oct\",\"kid\":\"hmac\",\"k\":\"c2VjcmV0LXZhbHVl\"},"
           "{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"p384\",\"x\":\"AA\",\"y\":\"AA\"},"
           "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES384\",\"kid\":\"es384\",\"x\":\"AA\",\"y\":\"AA\"},"
           "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"},"
           "{\"kty\":\"KYBER\",\"kid\":\"future\"}]}",
           good, rsa_n, rsa_n, rsa_n, rsa_n, rsa_n);
  test_log cap = TEST_LOG_INIT;
  erplink__logger lg = {test_log_cb, &cap, ERPLINK_LOG_INFO, NULL, 0};
  esi_jwks *k = NULL;
  int rc = esi__jwks_parse(&k, js, strlen(js), &lg);
  if (rc) printf("# %s\n", last_msg());
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(esi_jwks_count(k), 1);
  CHECK_EQ_INT(verify_with(k, NULL, NOW, 0), 0);
  /* one line per set, naming the keys, without key material */
  CHECK_EQ_INT(cap.total, 1);
  const char *text = test_log_text(&cap);
  printf("# log: %s", text);
  CHECK(strstr(text, "skipped 10") != NULL);
  CHECK(strstr(text, "'enc-1': use enc") && strstr(text, "'hmac': key type oct") &&
        strstr(text, "'p384': curve P-384") && strstr(text, "'rs512': algorithm RS512"));
  CHECK(!strstr(text, rsa_n) && !strstr(text, "c2VjcmV0") && !strstr(text, ec_x) && !strstr(text, "11qYAYKx"));
  test_log_free(&cap);
  esi_jwks_free(k);
  /* the same set without the usable key: refused, the message says what was skipped */
  char *start = strstr(js, good);
  memmove(start, start + strlen(good) + 1, strlen(start + strlen(good) + 1) + 1);
  CHECK_ERR(esi_jwks_new_from_json(&k, js, strlen(js)), ERPLINK_EPROTOCOL, "no usable RS256 or ES256 key (skipped: ");
  CHECK(strstr(last_msg(), "'enc-1'") && !strstr(last_msg(), rsa_n));
  free(good);
}

/* Keys malformed in a way no honest issuer produces refuse the whole set, even next to a
 * good key: the document is corrupt or tampered with. */
static void test_refused_keys(void) {
  char *good = ec_jwk("ec-1");
  static const struct {
    const char *key, *msg;
  } cases[] = {
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"alg\":\"HS256\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", "algorithm confusion"},
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"alg\":\"none\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", "algorithm confusion"},
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"alg\":\"ES256\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", "algorithm confusion"},
      {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"h\",\"alg\":\"RS256\",\"x\":\"AA\",\"y\":\"AA\"}",
       "algorithm confusion"},
      {"{\"kty\":\"EC\",\"kid\":\"h\",\"x\":\"AA\",\"y\":\"AA\"}", "without 'crv'"},
      {"{\"kty\":\"RSA\",\"kid\":7,\"n\":\"AQAB\",\"e\":\"AQAB\"}", "must be strings"},
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"alg\":[\"RS256\"],\"n\":\"AQAB\",\"e\":\"AQAB\"}", "must be strings"},
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"use\":false,\"n\":\"AQAB\",\"e\":\"AQAB\"}", "must be strings"},
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"key_ops\":\"verify\",\"n\":\"AQAB\",\"e\":\"AQAB\"}",
       "'key_ops' is not an array"},
      {"{\"kid\":\"h\",\"n\":\"AQAB\",\"e\":\"AQAB\"}", "no 'kty'"},
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"n\":\"!!!\",\"e\":\"AQAB\"}", "'n' is not base64url"},
      {"{\"kty\":\"RSA\",\"kid\":\"h\",\"e\":\"AQAB\"}", "'n' missing"},
      {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"h\",\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
       "\"y\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
       "P-256"},
      {"{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"h\",\"x\":\"AQ\",\"y\":\"AQ\"}", "32 bytes"},
      {"\"a string\"", "is not a JSON object"},
      {NULL, "two keys have the kid 'ec-1'"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char js[4096];
    if (cases[i].key)
      snprintf(js, sizeof js, "{\"keys\":[%s,%s]}", good, cases[i].key);
    else
      snprintf(js, sizeof js, "{\"keys\":[%s,%s]}", good, good);
    esi_jwks *k = NULL;
    CHECK_ERR(esi_jwks_new_from_json(&k, js, strlen(js)), ERPLINK_EPROTOCOL, cases[i].msg);
    CHECK(k == NULL);
  }
  free(good);
}

int main(void) {
  ec_setup();
  RUN(test_forged_e1_token);
  RUN(test_unsafe_rsa_keys);
  RUN(test_time_claims);
  RUN(test_skipped_keys);
  RUN(test_refused_keys);
  EVP_PKEY_free(ec_key);
  return test_done();
}
