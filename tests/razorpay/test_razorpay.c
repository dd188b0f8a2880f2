/* Tests of src/razorpay: signature verification (official SDK vectors from
 * tests/fixtures/razorpay/vectors.json, secret rotation, malformed input), the structural
 * timing check (HMAC count) and webhook event parsing. TAP. (Event-id deduplication is the
 * core's erplink_dedup: tests/core/store/test_dedup.c.) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/crypto.h"
#include "erplink/error.h"
#include "erplink/json.h"
#include "erplink/razorpay.h"
#include "erplink/value.h"
#include "razorpay/razorpay_internal.h"
#include "test.h"

/* ---------------------------------------------------------------- helpers */

static const char *last_msg(void) { return erplink_error_message(erplink_error_last()); }

/* Checks the last error: code, and that the message contains `part` and none of the secrets. */
#define CHECK_ERR(rc, code, part)                                                                                      \
  do {                                                                                                                 \
    CHECK_EQ_INT((rc), (code));                                                                                        \
    CHECK_EQ_INT(erplink_error_code(erplink_error_last()), (code));                                                    \
    if (!strstr(last_msg(), (part))) {                                                                                 \
      printf("# message \"%s\" lacks \"%s\"\n", last_msg(), (part));                                                   \
      CHECK(!"message content");                                                                                       \
    }                                                                                                                  \
  } while (0)

static void hmac_hex(char out[65], const char *secret, const void *msg, size_t len) {
  unsigned char tag[32];
  int rc = erplink_hmac_sha256_oneshot(tag, secret, strlen(secret), msg, len);
  if (rc) abort();
  erplink_hex_encode_to(out, 65, tag, 32);
}

static const char *vstr(const erplink_value *o, const char *key) {
  const char *s = NULL;
  if (erplink_value_get_string(&s, NULL, erplink_value_struct_get(o, key)) != 0) return NULL;
  return s;
}

static bool sig_format_ok(const char *s) {
  if (strlen(s) != 64) return false;
  for (size_t i = 0; i < 64; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  return true;
}

/* Verifies one vector with the one-shot function and with a verifier; returns the one-shot
 * code (and checks the verifier agrees). */
static int verify_vector(const erplink_value *vec, const char *signature, char **body_store) {
  const char *kind = vstr(vec, "kind"), *secret = vstr(vec, "secret");
  int rc1, rc2;
  razorpay_verifier *v = NULL;
  int vrc = razorpay_verifier_new(&v, &secret, 1);
  size_t idx = 99;
  if (strcmp(kind, "webhook") == 0) {
    const char *body = vstr(vec, "body");
    size_t len = body ? strlen(body) : 0;
    if (!body) {
      char rel[256];
      snprintf(rel, sizeof rel, "razorpay/%s", vstr(vec, "body_file"));
      *body_store = test_read_file(test_fixture_path(rel), &len);
      if (!*body_store) {
        printf("# cannot read %s\n", rel);
        return 1;
      }
      body = *body_store;
    }
    rc1 = razorpay_verify_webhook(body, len, signature, secret);
    rc2 = vrc ? vrc : razorpay_verifier_verify_webhook(&idx, v, body, len, signature);
  } else if (strcmp(kind, "payment") == 0) {
    rc1 = razorpay_verify_payment(vstr(vec, "order_id"), vstr(vec, "payment_id"), signature, secret);
    rc2 = vrc ? vrc
              : razorpay_verifier_verify_payment(&idx, v, vstr(vec, "order_id"), vstr(vec, "payment_id"), signature);
  } else if (strcmp(kind, "subscription") == 0) {
    rc1 = razorpay_verify_subscription(vstr(vec, "payment_id"), vstr(vec, "subscription_id"), signature, secret);
    rc2 = vrc ? vrc
              : razorpay_verifier_verify_subscription(&idx, v, vstr(vec, "payment_id"), vstr(vec, "subscription_id"),
                                                      signature);
  } else if (strcmp(kind, "payment_link") == 0) {
    rc1 = razorpay_verify_payment_link(vstr(vec, "payment_link_id"), vstr(vec, "payment_link_reference_id"),
                                       vstr(vec, "payment_link_status"), vstr(vec, "payment_id"), signature, secret);
    rc2 = vrc ? vrc
              : razorpay_verifier_verify_payment_link(
                    &idx, v, vstr(vec, "payment_link_id"), vstr(vec, "payment_link_reference_id"),
                    vstr(vec, "payment_link_status"), vstr(vec, "payment_id"), signature);
  } else {
    printf("# unknown kind %s\n", kind);
    rc1 = rc2 = 1;
  }
  CHECK_EQ_INT(rc1, rc2);
  if (rc2 == 0) CHECK_EQ_INT(idx, 0);
  razorpay_verifier_free(v);
  return rc1;
}

/* ---------------------------------------------------------------- vectors */

static void test_vectors(void) {
  size_t len;
  char *text = test_read_file(test_fixture_path("razorpay/vectors.json"), &len);
  REQUIRE(text);
  erplink_value *doc = NULL;
  CHECK_EQ_INT(erplink_json_decode(&doc, text, len, NULL), 0);
  free(text);
  REQUIRE(doc);
  const erplink_value *vectors = erplink_value_struct_get(doc, "vectors");
  size_t n = erplink_value_count(vectors);
  CHECK(n >= 10);
  int npos = 0, nneg = 0, nerr = 0;
  for (size_t i = 0; i < n; i++) {
    const erplink_value *vec = erplink_value_array_at(vectors, i);
    const erplink_value *expect = erplink_value_struct_get(vec, "expect");
    const char *sig = vstr(vec, "signature");
    char *body_store = NULL;
    erplink_error_clear();
    int rc = verify_vector(vec, sig, &body_store);
    if (erplink_value_type(expect) == ERPLINK_TYPE_BOOL) {
      int ok = 0;
      erplink_value_get_bool(&ok, expect);
      if (ok) {
        npos++;
        if (rc != 0) printf("# vector %zu (%s) should verify: rc %d (%s)\n", i, vstr(vec, "kind"), rc, last_msg());
        CHECK_EQ_INT(rc, 0);
        /* every positive vector: one flipped digit → a signature error; upper case → EINVAL */
        char bad[65];
        snprintf(bad, sizeof bad, "%s", sig);
        bad[17] = bad[17] == '0' ? '1' : '0';
        free(body_store);
        body_store = NULL;
        CHECK_EQ_INT(verify_vector(vec, bad, &body_store), ERPLINK_ESIGNATURE);
        CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ESIGNATURE), ERPLINK_CAT_SIGNATURE);
        CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_SIGNATURE);
      } else {
        nneg++;
        /* a well-formed wrong signature is a mismatch; a malformed one is invalid input */
        int want = sig_format_ok(sig) ? ERPLINK_ESIGNATURE : ERPLINK_EINVAL;
        if (rc != want)
          printf("# vector %zu (%s: %s) expected %d, got %d (%s)\n", i, vstr(vec, "kind"), vstr(vec, "why"), want, rc,
                 last_msg());
        CHECK_EQ_INT(rc, want);
      }
    } else {
      nerr++;
      CHECK_EQ_STR(vstr(vec, "expect"), "error");
      CHECK_EQ_INT(rc, ERPLINK_EINVAL);
      CHECK(strstr(last_msg(), "empty") != NULL);
    }
    free(body_store);
  }
  CHECK(npos >= 6);
  CHECK(nneg >= 3);
  CHECK(nerr >= 1);
  printf("# %d positive, %d negative, %d error vectors\n", npos, nneg, nerr);
  erplink_value_free(doc);
}

/* ---------------------------------------------------------------- malformed input */

static const char *BODY = "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}";
static const char *BODY_SIG = "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc";

static void check_no_secret(const char *secret) {
  if (strstr(last_msg(), secret)) {
    printf("# message \"%s\" contains the secret\n", last_msg());
    CHECK(!"secret in message");
  }
}

static void test_malformed(void) {
  size_t blen = strlen(BODY);
  const char *secret = "123456";
  char s[200];
  /* empty / NULL secret */
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, BODY_SIG, ""), ERPLINK_EINVAL, "webhook secret is empty");
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, BODY_SIG, NULL), ERPLINK_EINVAL, "webhook secret is NULL");
  CHECK_ERR(razorpay_verify_payment("order_1", "pay_1", BODY_SIG, ""), ERPLINK_EINVAL, "key secret is empty");
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_INVALID);
  /* missing signature */
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, NULL, secret), ERPLINK_EINVAL,
            "signature (X-Razorpay-Signature) is missing");
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, "", secret), ERPLINK_EINVAL,
            "signature (X-Razorpay-Signature) is empty");
  /* wrong length */
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, "2fe04e22", secret), ERPLINK_EINVAL, "has 8 characters; expected 64");
  snprintf(s, sizeof s, "%s0", BODY_SIG);
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, s, secret), ERPLINK_EINVAL, "has 65 characters");
  char *huge = malloc(5000);
  memset(huge, 'a', 4999);
  huge[4999] = 0;
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, huge, secret), ERPLINK_EINVAL, "more than 1024 characters");
  free(huge);
  /* non-hex, upper case, whitespace */
  snprintf(s, sizeof s, "%s", BODY_SIG);
  s[10] = 'g';
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, s, secret), ERPLINK_EINVAL, "not a hex digit at offset 10");
  snprintf(s, sizeof s, "%s", BODY_SIG);
  s[3] = 'E';
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, s, secret), ERPLINK_EINVAL, "upper-case hex digit at offset 3");
  snprintf(s, sizeof s, "%s", BODY_SIG);
  s[63] = '\n';
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, s, secret), ERPLINK_EINVAL, "whitespace at offset 63");
  /* NULL body with a non-zero length; NULL body with length 0 is the empty body */
  CHECK_ERR(razorpay_verify_webhook(NULL, 5, BODY_SIG, secret), ERPLINK_EINVAL, "body is NULL but its length is 5");
  char empty_sig[65];
  hmac_hex(empty_sig, secret, "", 0);
  CHECK_EQ_INT(razorpay_verify_webhook(NULL, 0, empty_sig, secret), 0);
  CHECK_EQ_INT(razorpay_verify_webhook("", 0, empty_sig, secret), 0);
  /* the message never quotes the secret, the expected or the received signature */
  snprintf(s, sizeof s, "%s", BODY_SIG);
  s[0] = s[0] == '0' ? '1' : '0';
  const char *long_secret = "SuperSecretWebhookKey_9f8e7d";
  CHECK_EQ_INT(razorpay_verify_webhook(BODY, blen, s, long_secret), ERPLINK_ESIGNATURE);
  check_no_secret(long_secret);
  char expected[65];
  hmac_hex(expected, long_secret, BODY, blen);
  CHECK(strstr(last_msg(), expected) == NULL);
  CHECK(strstr(last_msg(), s) == NULL);
  CHECK(strstr(last_msg(), expected + 40) == NULL);
  CHECK_ERR(razorpay_verify_webhook(BODY, blen, "abc", long_secret), ERPLINK_EINVAL, "3 characters");
  check_no_secret(long_secret);

  /* ids of the '|'-joined messages */
  CHECK_ERR(razorpay_verify_payment(NULL, "pay_1", BODY_SIG, "k"), ERPLINK_EINVAL, "order_id is NULL");
  CHECK_ERR(razorpay_verify_payment("", "pay_1", BODY_SIG, "k"), ERPLINK_EINVAL, "order_id is empty");
  CHECK_ERR(razorpay_verify_payment("order_1", "pay|1", BODY_SIG, "k"), ERPLINK_EINVAL, "payment_id contains '|'");
  CHECK_ERR(razorpay_verify_subscription("pay_1", "", BODY_SIG, "k"), ERPLINK_EINVAL, "subscription_id is empty");
  CHECK_ERR(razorpay_verify_payment_link("plink_1", NULL, "paid", "pay_1", BODY_SIG, "k"), ERPLINK_EINVAL,
            "payment_link_reference_id is NULL");
  CHECK_ERR(razorpay_verify_payment_link("plink_1", "", "pa|id", "pay_1", BODY_SIG, "k"), ERPLINK_EINVAL,
            "payment_link_status contains '|'");
  CHECK_ERR(razorpay_verify_payment("order_1", "pay_1", "XYZ", "k"), ERPLINK_EINVAL,
            "payment signature (razorpay_signature) has 3 characters");

  /* verifier construction */
  razorpay_verifier *v = (razorpay_verifier *)1;
  const char *list[] = {"a", "", "c"};
  CHECK_ERR(razorpay_verifier_new(&v, list, 3), ERPLINK_EINVAL, "secret #1 of 3 is empty");
  CHECK(v == NULL);
  const char *list2[] = {"a", NULL};
  CHECK_ERR(razorpay_verifier_new(&v, list2, 2), ERPLINK_EINVAL, "secret #1 of 2 is NULL");
  CHECK_ERR(razorpay_verifier_new(&v, list, 0), ERPLINK_EINVAL, "no secret");
  CHECK_ERR(razorpay_verifier_new(&v, NULL, 1), ERPLINK_EINVAL, "NULL");
  CHECK_ERR(razorpay_verifier_new(NULL, list, 1), ERPLINK_EINVAL, "out is NULL");
  CHECK_ERR(razorpay_verifier_new(&v, list, 65), ERPLINK_EINVAL, "at most 64");
  CHECK_ERR(razorpay_verifier_verify_webhook(NULL, NULL, BODY, blen, BODY_SIG), ERPLINK_EINVAL, "verifier is NULL");
  CHECK_ERR(razorpay_verify_webhook_any(NULL, BODY, blen, BODY_SIG, list, 3), ERPLINK_EINVAL,
            "secret #1 of 3 is empty");
  razorpay_verifier_free(NULL);
  CHECK_EQ_INT(razorpay_verifier_count(NULL), 0);
}

/* ---------------------------------------------------------------- rotation and HMAC count */

static void test_rotation(void) {
  const char *secrets[] = {"whsec_new_2026", "whsec_old_2025", "whsec_older"};
  const char *body = "{\"event\":\"payment.captured\",\"note\":\"\xe2\x82\xb9 500\"}";
  size_t blen = strlen(body);
  char sig[3][65];
  for (int i = 0; i < 3; i++) hmac_hex(sig[i], secrets[i], body, blen);
  razorpay_verifier *v;
  REQUIRE(razorpay_verifier_new(&v, secrets, 3) == 0);
  CHECK_EQ_INT(razorpay_verifier_count(v), 3);
  for (size_t i = 0; i < 3; i++) {
    size_t idx = 99;
    CHECK_EQ_INT(razorpay_verifier_verify_webhook(&idx, v, body, blen, sig[i]), 0);
    CHECK_EQ_INT(idx, i);
    idx = 99;
    CHECK_EQ_INT(razorpay_verify_webhook_any(&idx, body, blen, sig[i], secrets, 3), 0);
    CHECK_EQ_INT(idx, i);
  }
  /* the old secret alone (before rotation) and the new list both accept an old event */
  CHECK_EQ_INT(razorpay_verify_webhook(body, blen, sig[1], secrets[1]), 0);
  CHECK_EQ_INT(razorpay_verify_webhook(body, blen, sig[1], secrets[0]), ERPLINK_ESIGNATURE);
  /* none matches: ESIGNATURE, index untouched */
  char other[65];
  hmac_hex(other, "someone_else", body, blen);
  size_t idx = 77;
  CHECK_ERR(razorpay_verifier_verify_webhook(&idx, v, body, blen, other), ERPLINK_ESIGNATURE,
            "matches none of the 3 secrets");
  CHECK_EQ_INT(idx, 77);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_SIGNATURE);
  CHECK_ERR(razorpay_verify_webhook_any(&idx, body, blen, other, secrets, 3), ERPLINK_ESIGNATURE, "none of the 3");
  CHECK_EQ_INT(idx, 77);
  /* NULL matched_index is allowed */
  CHECK_EQ_INT(razorpay_verifier_verify_webhook(NULL, v, body, blen, sig[2]), 0);
  razorpay_verifier_free(v);

  /* the same secret twice: the lowest index is reported */
  const char *dup[] = {"x1", "same", "same"};
  char s2[65];
  hmac_hex(s2, "same", body, blen);
  REQUIRE(razorpay_verifier_new(&v, dup, 3) == 0);
  idx = 99;
  CHECK_EQ_INT(razorpay_verifier_verify_webhook(&idx, v, body, blen, s2), 0);
  CHECK_EQ_INT(idx, 1);
  razorpay_verifier_free(v);
}

/* Structural timing check: every verification of a well-formed signature computes exactly one
 * HMAC per secret, whether it matches the first secret, the last, or none; a malformed
 * signature is rejected before any HMAC is computed. */
static void test_same_path(void) {
  const char *secrets[] = {"s0", "s1", "s2", "s3"};
  razorpay_verifier *v;
  REQUIRE(razorpay_verifier_new(&v, secrets, 4) == 0);
  const char *body = "{\"x\":1}";
  size_t blen = strlen(body);
  char good0[65], good3[65], wrong[65], near[65];
  hmac_hex(good0, "s0", body, blen);
  hmac_hex(good3, "s3", body, blen);
  hmac_hex(wrong, "nope", body, blen);
  snprintf(near, sizeof near, "%s", good0);
  near[63] = near[63] == 'a' ? 'b' : 'a'; /* differs only in the last digit */
  CHECK_EQ_INT(razorpay__verifier_hmac_count(v), 0);
  struct {
    const char *sig;
    int rc;
  } cases[] = {{good0, 0}, {good3, 0}, {wrong, ERPLINK_ESIGNATURE}, {near, ERPLINK_ESIGNATURE}};
  uint64_t before = 0;
  for (size_t i = 0; i < 4; i++) {
    CHECK_EQ_INT(razorpay_verifier_verify_webhook(NULL, v, body, blen, cases[i].sig), cases[i].rc);
    uint64_t after = razorpay__verifier_hmac_count(v);
    CHECK_EQ_INT(after - before, 4);
    before = after;
  }
  /* payment signatures too */
  CHECK_EQ_INT(razorpay_verifier_verify_payment(NULL, v, "order_1", "pay_1", wrong), ERPLINK_ESIGNATURE);
  CHECK_EQ_INT(razorpay__verifier_hmac_count(v) - before, 4);
  before = razorpay__verifier_hmac_count(v);
  /* malformed: nothing computed */
  CHECK_EQ_INT(razorpay_verifier_verify_webhook(NULL, v, body, blen, "2FE0"), ERPLINK_EINVAL);
  char upper[65];
  snprintf(upper, sizeof upper, "%s", good0);
  for (int i = 0; i < 64; i++)
    if (upper[i] >= 'a') upper[i] = (char)(upper[i] - 32);
  CHECK_EQ_INT(razorpay_verifier_verify_webhook(NULL, v, body, blen, upper), ERPLINK_EINVAL);
  CHECK_EQ_INT(razorpay_verifier_verify_webhook(NULL, v, NULL, 3, good0), ERPLINK_EINVAL);
  CHECK_EQ_INT(razorpay__verifier_hmac_count(v) - before, 0);
  CHECK_EQ_INT(razorpay__verifier_pool_size(v), 1);
  razorpay_verifier_free(v);
}

/* ---------------------------------------------------------------- the other signatures */

static void test_payment_kinds(void) {
  const char *key = "EnLs21M47BllR3X8PSFtjtbd";
  char sig[65];
  /* a payment link without reference id: the message has an empty field */
  hmac_hex(sig, key, "plink_X||paid|pay_Y", strlen("plink_X||paid|pay_Y"));
  CHECK_EQ_INT(razorpay_verify_payment_link("plink_X", "", "paid", "pay_Y", sig, key), 0);
  CHECK_EQ_INT(razorpay_verify_payment_link("plink_X", "", "paid", "pay_Z", sig, key), ERPLINK_ESIGNATURE);
  /* a reference id may contain '|' (merchant text); the other fields cannot, so the split is unambiguous */
  hmac_hex(sig, key, "plink_X|ref|a|paid|pay_Y", strlen("plink_X|ref|a|paid|pay_Y"));
  CHECK_EQ_INT(razorpay_verify_payment_link("plink_X", "ref|a", "paid", "pay_Y", sig, key), 0);
  /* subscription order: payment id first */
  hmac_hex(sig, key, "pay_1|sub_1", 11);
  CHECK_EQ_INT(razorpay_verify_subscription("pay_1", "sub_1", sig, key), 0);
  CHECK_EQ_INT(razorpay_verify_subscription("sub_1", "pay_1", sig, key), ERPLINK_ESIGNATURE);
  /* checkout payment: swapped ids do not verify */
  hmac_hex(sig, key, "order_1|pay_1", 13);
  CHECK_EQ_INT(razorpay_verify_payment("order_1", "pay_1", sig, key), 0);
  CHECK_EQ_INT(razorpay_verify_payment("pay_1", "order_1", sig, key), ERPLINK_ESIGNATURE);
  /* with a verifier holding an old and a new key secret */
  const char *keys[] = {"new_key_secret", key};
  razorpay_verifier *v;
  REQUIRE(razorpay_verifier_new(&v, keys, 2) == 0);
  size_t idx = 9;
  CHECK_EQ_INT(razorpay_verifier_verify_payment(&idx, v, "order_1", "pay_1", sig), 0);
  CHECK_EQ_INT(idx, 1);
  hmac_hex(sig, "new_key_secret", "pay_1|sub_1", 11);
  CHECK_EQ_INT(razorpay_verifier_verify_subscription(&idx, v, "pay_1", "sub_1", sig), 0);
  CHECK_EQ_INT(idx, 0);
  hmac_hex(sig, "new_key_secret", "plink_X|r1|paid|pay_Y", strlen("plink_X|r1|paid|pay_Y"));
  CHECK_EQ_INT(razorpay_verifier_verify_payment_link(&idx, v, "plink_X", "r1", "paid", "pay_Y", sig), 0);
  CHECK_EQ_INT(razorpay_verifier_verify_payment_link(&idx, v, "plink_X", "r1", "paid", "pay_W", sig),
               ERPLINK_ESIGNATURE);
  CHECK_ERR(razorpay_verifier_verify_payment_link(&idx, v, "plink_X", "r1", "paid", "pay_W", sig), ERPLINK_ESIGNATURE,
            "payment link signature (razorpay_signature) matches none of the 2 secrets");
  razorpay_verifier_free(v);
  /* a secret longer than the SHA-256 block is hashed first (RFC 2104) */
  char longkey[200];
  memset(longkey, 'k', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = 0;
  hmac_hex(sig, longkey, BODY, strlen(BODY));
  CHECK_EQ_INT(razorpay_verify_webhook(BODY, strlen(BODY), sig, longkey), 0);
}

/* ---------------------------------------------------------------- concurrency of the verifier */

typedef struct {
  razorpay_verifier *v;
  const char *body;
  size_t blen;
  const char *good, *bad;
  atomic_int failures;
} vthread_arg;

static void *verifier_thread(void *p) {
  vthread_arg *a = p;
  for (int i = 0; i < 2000; i++) {
    size_t idx = 9;
    if (razorpay_verifier_verify_webhook(&idx, a->v, a->body, a->blen, a->good) != 0 || idx != 1)
      atomic_fetch_add(&a->failures, 1);
    if (razorpay_verifier_verify_webhook(&idx, a->v, a->body, a->blen, a->bad) != ERPLINK_ESIGNATURE)
      atomic_fetch_add(&a->failures, 1);
  }
  return NULL;
}

static void test_verifier_threads(void) {
  const char *secrets[] = {"A", "B"};
  vthread_arg a = {0};
  REQUIRE(razorpay_verifier_new(&a.v, secrets, 2) == 0);
  a.body = BODY;
  a.blen = strlen(BODY);
  char good[65], bad[65];
  hmac_hex(good, "B", BODY, a.blen);
  hmac_hex(bad, "C", BODY, a.blen);
  a.good = good;
  a.bad = bad;
  atomic_init(&a.failures, 0);
  pthread_t t[4];
  for (int i = 0; i < 4; i++) REQUIRE(pthread_create(&t[i], NULL, verifier_thread, &a) == 0);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  CHECK_EQ_INT(atomic_load(&a.failures), 0);
  CHECK_EQ_INT(razorpay__verifier_hmac_count(a.v), 4 * 2000 * 2 * 2);
  size_t pool = razorpay__verifier_pool_size(a.v);
  CHECK(pool >= 1 && pool <= 4);
  razorpay_verifier_free(a.v);
}

/* ---------------------------------------------------------------- webhook parsing */

static razorpay_event *parse_ok(const char *json, const char *id) {
  razorpay_event *e = NULL;
  int rc = razorpay_event_parse(&e, json, strlen(json), id);
  if (rc) printf("# parse failed: %d %s\n", rc, last_msg());
  CHECK_EQ_INT(rc, 0);
  return e;
}

static void test_parse_fixture(void) {
  size_t len;
  char *body = test_read_file(test_fixture_path("razorpay/webhook_payment_authorized.json"), &len);
  REQUIRE(body);
  /* verify first, as a handler does */
  CHECK_EQ_INT(razorpay_verify_webhook(body, len, "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9",
                                       "key_secret"),
               0);
  razorpay_event *e = NULL;
  CHECK_EQ_INT(razorpay_event_parse(&e, body, len, "evt_KiLSJGhmLHbhVv"), 0);
  free(body);
  REQUIRE(e);
  CHECK_EQ_STR(razorpay_event_id(e), "evt_KiLSJGhmLHbhVv");
  CHECK_EQ_STR(razorpay_event_name(e), "payment.authorized");
  CHECK(razorpay_event_account_id(e) == NULL);
  int64_t t = 0;
  CHECK_EQ_INT(razorpay_event_created_at(&t, e), 0);
  CHECK_EQ_INT(t, 1400826760);
  CHECK_EQ_INT(razorpay_event_contains_count(e), 1);
  CHECK_EQ_STR(razorpay_event_contains_at(e, 0), "payment");
  CHECK(razorpay_event_contains_at(e, 1) == NULL);
  CHECK_EQ_INT(razorpay_event_contains(e, "payment"), 1);
  CHECK_EQ_INT(razorpay_event_contains(e, "order"), 0);
  const razorpay_entity *p = razorpay_event_payment(e);
  REQUIRE(p);
  CHECK(razorpay_event_order(e) == NULL);
  CHECK(razorpay_event_entity(e, "payment") == p);
  CHECK_EQ_STR(razorpay_entity_id(p), "pay_6koWN7bvxujzxM");
  CHECK_EQ_STR(razorpay_entity_order_id(p), "order_100000000order");
  int64_t amount = 0;
  CHECK_EQ_INT(razorpay_entity_amount(&amount, p), 0);
  CHECK_EQ_INT(amount, 1000000);
  CHECK_EQ_STR(razorpay_entity_currency(p), "INR");
  CHECK_EQ_STR(razorpay_entity_status(p), "captured");
  CHECK_EQ_STR(razorpay_entity_email(p), "a@b.com");
  CHECK_EQ_STR(razorpay_entity_contact(p), "+919999999999");
  CHECK_EQ_STR(razorpay_entity_method(p), "card");
  const erplink_value *notes = razorpay_entity_notes(p);
  CHECK_EQ_INT(erplink_value_type(notes), ERPLINK_TYPE_STRUCT);
  CHECK_EQ_STR(vstr(notes, "merchant_order_id"), "random order id");
  CHECK_EQ_STR(razorpay_entity_string(p, "card_id"), "card_6koWNAT6LASUqy");
  CHECK(razorpay_entity_string(p, "bank") == NULL);
  CHECK(razorpay_entity_string(p, "fee") == NULL);
  int64_t fee = 0;
  CHECK_EQ_INT(razorpay_entity_int(&fee, p, "fee"), 0);
  CHECK_EQ_INT(fee, 23000);
  CHECK_EQ_INT(razorpay_entity_int(&fee, p, "refund_status"), ERPLINK_ENOTFOUND);
  CHECK_EQ_INT(razorpay_entity_int(&fee, p, "nope"), ERPLINK_ENOTFOUND);
  CHECK_ERR(razorpay_entity_int(&fee, p, "description"), ERPLINK_EVALIDATION,
            "payload.payment.entity.description is a string, not an integer");
  CHECK_EQ_STR(vstr(razorpay_entity_raw(p), "entity"), "payment");
  CHECK_EQ_INT(erplink_value_type(razorpay_event_payload(e)), ERPLINK_TYPE_STRUCT);
  CHECK_EQ_STR(vstr(razorpay_event_root(e), "entity"), "event");
  razorpay_event_free(e);
  razorpay_event_free(NULL);
}

static void test_parse_synthetic(void) {
  /* order.paid carries a payment and an order; notes [] on the payment, {} on the order */
  razorpay_event *e = parse_ok(
      "{\"entity\":\"event\",\"account_id\":\"acc_BFQ7uQEaa7j2z7\",\"event\":\"order.paid\","
      "\"contains\":[\"payment\",\"order\"],\"payload\":{"
      "\"payment\":{\"entity\":{\"id\":\"pay_DESlfW9H8K9uqM\",\"entity\":\"payment\",\"amount\":100,"
      "\"currency\":\"INR\",\"status\":\"captured\",\"order_id\":\"order_DESlLckIVRkHWj\",\"method\":\"netbanking\","
      "\"email\":\"gaurav.kumar@example.com\",\"contact\":\"+919876543210\",\"notes\":[],\"vpa\":null}},"
      "\"order\":{\"entity\":{\"id\":\"order_DESlLckIVRkHWj\",\"entity\":\"order\",\"amount\":100,"
      "\"amount_paid\":100,\"amount_due\":0,\"currency\":\"INR\",\"receipt\":\"rcptid #1\",\"status\":\"paid\","
      "\"notes\":{},\"created_at\":1567674581}}},\"created_at\":1567674606}",
      "evt_1");
  REQUIRE(e);
  CHECK_EQ_STR(razorpay_event_name(e), "order.paid");
  CHECK_EQ_STR(razorpay_event_account_id(e), "acc_BFQ7uQEaa7j2z7");
  CHECK_EQ_INT(razorpay_event_contains(e, "order"), 1);
  const razorpay_entity *p = razorpay_event_payment(e), *o = razorpay_event_order(e);
  REQUIRE(p && o);
  CHECK_EQ_STR(razorpay_entity_id(o), "order_DESlLckIVRkHWj");
  CHECK_EQ_STR(razorpay_entity_status(o), "paid");
  CHECK_EQ_STR(razorpay_entity_string(o, "receipt"), "rcptid #1");
  int64_t v = -1;
  CHECK_EQ_INT(razorpay_entity_int(&v, o, "amount_due"), 0);
  CHECK_EQ_INT(v, 0);
  CHECK(razorpay_entity_email(o) == NULL);
  CHECK_EQ_INT(erplink_value_type(razorpay_entity_notes(p)), ERPLINK_TYPE_STRUCT);
  CHECK_EQ_INT(erplink_value_count(razorpay_entity_notes(p)), 0);
  CHECK_EQ_INT(erplink_value_type(razorpay_entity_notes(o)), ERPLINK_TYPE_STRUCT);
  CHECK_EQ_INT(erplink_value_count(razorpay_entity_notes(o)), 0);
  CHECK_EQ_STR(razorpay_entity_method(p), "netbanking");
  CHECK(razorpay_entity_string(p, "vpa") == NULL);
  razorpay_event_free(e);

  /* payment.failed with error fields, null email, no created_at, no event id */
  e = parse_ok(
      "{\"entity\":\"event\",\"event\":\"payment.failed\",\"contains\":[\"payment\"],\"payload\":{\"payment\":"
      "{\"entity\":{\"id\":\"pay_F\",\"amount\":5000,\"currency\":\"INR\",\"status\":\"failed\",\"email\":null,"
      "\"error_code\":\"BAD_REQUEST_ERROR\",\"error_description\":\"Payment failed\",\"notes\":{\"k\":\"v\"}}}}}",
      NULL);
  REQUIRE(e);
  CHECK(razorpay_event_id(e) == NULL);
  CHECK_EQ_STR(razorpay_event_name(e), "payment.failed");
  int64_t t;
  CHECK_EQ_INT(razorpay_event_created_at(&t, e), ERPLINK_ENOTFOUND);
  p = razorpay_event_payment(e);
  REQUIRE(p);
  CHECK_EQ_STR(razorpay_entity_status(p), "failed");
  CHECK(razorpay_entity_email(p) == NULL);
  CHECK(razorpay_entity_order_id(p) == NULL);
  CHECK_EQ_STR(razorpay_entity_string(p, "error_code"), "BAD_REQUEST_ERROR");
  CHECK_EQ_STR(vstr(razorpay_entity_notes(p), "k"), "v");
  razorpay_event_free(e);

  /* an unknown event: parsed generically, never rejected */
  e = parse_ok("{\"event\":\"fancy.new_thing\",\"contains\":[\"widget\"],\"payload\":{\"widget\":{\"entity\":"
               "{\"id\":\"wid_1\",\"size\":3}},\"loose\":5},\"created_at\":1}",
               "evt_u");
  REQUIRE(e);
  CHECK_EQ_STR(razorpay_event_name(e), "fancy.new_thing");
  CHECK(razorpay_event_payment(e) == NULL);
  CHECK_EQ_STR(razorpay_entity_id(razorpay_event_entity(e, "widget")), "wid_1");
  CHECK(razorpay_event_entity(e, "loose") == NULL);
  int64_t amt;
  CHECK_EQ_INT(razorpay_entity_amount(&amt, razorpay_event_entity(e, "widget")), ERPLINK_ENOTFOUND);
  int64_t size = 0;
  erplink_value_get_int(
      &size,
      erplink_value_struct_get(
          erplink_value_struct_get(erplink_value_struct_get(razorpay_event_payload(e), "widget"), "entity"), "size"));
  CHECK_EQ_INT(size, 3);
  razorpay_event_free(e);

  /* minimal: only the event name */
  e = parse_ok("{\"event\":\"x\"}", NULL);
  REQUIRE(e);
  CHECK_EQ_INT(razorpay_event_contains_count(e), 0);
  CHECK(razorpay_event_payload(e) == NULL);
  CHECK(razorpay_event_entity(e, "payment") == NULL);
  razorpay_event_free(e);

  /* big amounts */
  e = parse_ok("{\"event\":\"payment.captured\",\"payload\":{\"payment\":{\"entity\":{\"amount\":9223372036854775807}},"
               "\"refund\":{\"entity\":{\"amount\":9007199254740993,\"notes\":null}}}}",
               NULL);
  REQUIRE(e);
  CHECK_EQ_INT(razorpay_entity_amount(&amt, razorpay_event_payment(e)), 0);
  CHECK(amt == INT64_MAX);
  CHECK_EQ_INT(razorpay_entity_amount(&amt, razorpay_event_entity(e, "refund")), 0);
  CHECK(amt == 9007199254740993LL);
  CHECK_EQ_INT(erplink_value_count(razorpay_entity_notes(razorpay_event_entity(e, "refund"))), 0);
  razorpay_event_free(e);
}

static void parse_fails(const char *json, int code, const char *part) {
  razorpay_event *e = (razorpay_event *)1;
  int rc = razorpay_event_parse(&e, json, strlen(json), "evt");
  CHECK_ERR(rc, code, part);
  CHECK(e == NULL);
}

static void test_parse_errors(void) {
  parse_fails("{\"event\":\"payment.captured\",\"payload\":{\"payment\":{\"entity\":{\"amount\":500.5}}}}",
              ERPLINK_EVALIDATION, "payload.payment.entity.amount is not an integer");
  parse_fails("{\"event\":\"payment.captured\",\"payload\":{\"payment\":{\"entity\":{\"amount\":1e3}}}}",
              ERPLINK_EVALIDATION, "amount is not an integer");
  parse_fails(
      "{\"event\":\"payment.captured\",\"payload\":{\"payment\":{\"entity\":{\"amount\":92233720368547758070}}}}",
      ERPLINK_EVALIDATION, "amount is not an integer");
  parse_fails("{\"event\":\"payment.captured\",\"payload\":{\"order\":{\"entity\":{\"amount\":\"500\"}}}}",
              ERPLINK_EVALIDATION, "payload.order.entity.amount is a string, not an integer");
  parse_fails("{\"event\":\"a\",\"created_at\":1.5}", ERPLINK_EVALIDATION, "created_at is not an integer");
  parse_fails("{\"event\":\"a\",\"payload\":{\"payment\":{\"entity\":{\"id\":5}}}}", ERPLINK_EVALIDATION,
              "payload.payment.entity.id is an integer, not a string");
  parse_fails("{\"event\":\"a\",\"payload\":{\"payment\":{\"entity\":{\"notes\":[\"x\"]}}}}", ERPLINK_EVALIDATION,
              "notes is a non-empty array");
  parse_fails("{\"event\":\"a\",\"payload\":{\"payment\":{\"entity\":{\"notes\":\"x\"}}}}", ERPLINK_EVALIDATION,
              "notes is a string");
  parse_fails("{\"event\":\"a\",\"payload\":{\"payment\":{\"entity\":{\"email\":\"a\\u0000b\"}}}}", ERPLINK_EVALIDATION,
              "email contains a NUL character");
  parse_fails("{\"entity\":\"event\"}", ERPLINK_EVALIDATION, "\"event\" is missing");
  parse_fails("{\"event\":\"\"}", ERPLINK_EVALIDATION, "\"event\" is empty");
  parse_fails("{\"event\":7}", ERPLINK_EVALIDATION, "event is an integer, not a string");
  parse_fails("[1,2]", ERPLINK_EVALIDATION, "the body is an array, not a JSON object");
  parse_fails("{\"event\":\"a\",\"contains\":\"payment\"}", ERPLINK_EVALIDATION, "contains is a string");
  parse_fails("{\"event\":\"a\",\"contains\":[1]}", ERPLINK_EVALIDATION, "contains[0] is not a string");
  parse_fails("{\"event\":\"a\",\"payload\":[]}", ERPLINK_EVALIDATION, "payload is an array, not an object");
  parse_fails("{\"event\":", ERPLINK_EPROTOCOL, "razorpay webhook: ");
  parse_fails("<html>", ERPLINK_EPROTOCOL, "razorpay webhook: ");
  razorpay_event *e = NULL;
  CHECK_ERR(razorpay_event_parse(&e, NULL, 4, NULL), ERPLINK_EINVAL, "body is NULL but its length is 4");
  CHECK_ERR(razorpay_event_parse(&e, "", 0, NULL), ERPLINK_EINVAL, "body is empty");
  CHECK_ERR(razorpay_event_parse(NULL, "{}", 2, NULL), ERPLINK_EINVAL, "out is NULL");
  int64_t x;
  CHECK_EQ_INT(razorpay_event_created_at(&x, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(razorpay_entity_amount(NULL, NULL), ERPLINK_EINVAL);
  CHECK(razorpay_event_name(NULL) == NULL);
  CHECK(razorpay_entity_notes(NULL) == NULL);
}

int main(void) {
  RUN(test_vectors);
  RUN(test_malformed);
  RUN(test_rotation);
  RUN(test_same_path);
  RUN(test_payment_kinds);
  RUN(test_verifier_threads);
  RUN(test_parse_fixture);
  RUN(test_parse_synthetic);
  RUN(test_parse_errors);
  return test_done();
}
