/* Fuzz target for the webhook path (razorpay_event_parse + verification of untrusted input),
 * run as a deterministic mutation test in every build (so under ASan/UBSan in CI), and as a
 * libFuzzer target in the fuzzing build (meson -Dfuzzing=true; see tests/fuzz/README.md).
 *
 * Properties: parsing never crashes or leaks; a failure has a negative code and a non-empty
 * message; on success the event has a name and every accessor is safe to call; verifying the
 * bytes against a well-formed wrong signature gives ESIGNATURE; against the right one, 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/crypto.h"
#include "erplink/error.h"
#include "erplink/razorpay.h"

static int fuzz_one(const uint8_t *data, size_t len) {
  razorpay_event *e = NULL;
  int rc = razorpay_event_parse(&e, data, len, "evt_fuzz");
  if (rc) {
    if (rc > 0 || e || !*erplink_error_message(erplink_error_last())) abort();
  } else {
    if (!razorpay_event_name(e)) abort();
    int64_t t;
    (void)razorpay_event_created_at(&t, e);
    for (size_t i = 0; i < razorpay_event_contains_count(e); i++)
      if (!razorpay_event_contains_at(e, i)) abort();
    const razorpay_entity *x[] = {razorpay_event_payment(e), razorpay_event_order(e),
                                  razorpay_event_entity(e, "refund")};
    for (size_t i = 0; i < 3; i++) {
      if (!x[i]) continue;
      (void)razorpay_entity_id(x[i]);
      (void)razorpay_entity_amount(&t, x[i]);
      (void)razorpay_entity_int(&t, x[i], "fee");
      (void)razorpay_entity_string(x[i], "receipt");
      if (!razorpay_entity_notes(x[i])) abort();
    }
    razorpay_event_free(e);
  }
  char sig[ERPLINK_SHA256_HEX_SIZE];
  erplink_hmac *h = NULL;
  if (erplink_hmac_new(&h, "fuzz_secret", 11) != 0 || erplink_hmac_sha256_hex(sig, h, data, len) != 0) abort();
  erplink_hmac_free(h);
  if (razorpay_verify_webhook(data, len, sig, "fuzz_secret") != 0) abort();
  sig[5] = sig[5] == 'a' ? 'b' : 'a';
  if (razorpay_verify_webhook(data, len, sig, "fuzz_secret") != ERPLINK_ESIGNATURE) abort();
  return 0;
}

#ifdef ERPLINK_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len) { return fuzz_one(data, len); }
#else
#include "test.h"

static const char *SEEDS[] = {
    "{\"entity\":\"event\",\"account_id\":\"acc_1\",\"event\":\"order.paid\",\"contains\":[\"payment\",\"order\"],"
    "\"payload\":{\"payment\":{\"entity\":{\"id\":\"pay_1\",\"amount\":100,\"currency\":\"INR\",\"notes\":[]}},"
    "\"order\":{\"entity\":{\"id\":\"order_1\",\"amount\":100,\"amount_paid\":100,\"notes\":{\"a\":\"b\"}}}},"
    "\"created_at\":1567674606}",
    "{\"event\":\"payment.failed\",\"payload\":{\"payment\":{\"entity\":{\"amount\":9223372036854775807,"
    "\"email\":null,\"error_code\":\"BAD_REQUEST_ERROR\"}}}}",
    "{\"event\":\"refund.created\",\"payload\":{\"refund\":{\"entity\":{\"amount\":1.5e3,\"notes\":null}}}}",
};
static const char *TOKENS[] = {"[]",
                               "{}",
                               "null",
                               "1e999",
                               "-0",
                               "1.0",
                               "\"\\u0000\"",
                               "\"\xe2\x82\xb9\"",
                               "\xff",
                               "92233720368547758070",
                               "{\"entity\":{}}",
                               ",",
                               ":",
                               "\"event\"",
                               "[[[[[[[["};

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void test_fuzz(void) {
  const char *env = getenv("ERPLINK_FUZZ_ITERS");
  long iters = env ? atol(env) : 20000;
  size_t fixture_len = 0;
  char *fixture = test_read_file(test_fixture_path("razorpay/webhook_payment_authorized.json"), &fixture_len);
  CHECK(fixture != NULL);
  unsigned char buf[8192];
  long parsed = 0;
  for (long it = 0; it < iters; it++) {
    size_t which = rnd() % 4;
    const char *seed = which < 3 ? SEEDS[which] : (fixture ? fixture : SEEDS[0]);
    size_t len = which < 3 ? strlen(seed) : fixture_len;
    if (len > sizeof buf) len = sizeof buf;
    memcpy(buf, seed, len);
    int nmut = 1 + (int)(rnd() % 4);
    for (int m = 0; m < nmut; m++) {
      size_t pos = len ? rnd() % len : 0;
      switch (rnd() % 4) {
      case 0:
        if (len) buf[pos] = (unsigned char)rnd();
        break; /* flip a byte */
      case 1:
        if (len) {
          memmove(buf + pos, buf + pos + 1, len - pos - 1);
          len--;
        }
        break;  /* delete */
      case 2: { /* insert a token */
        const char *t = TOKENS[rnd() % (sizeof TOKENS / sizeof TOKENS[0])];
        size_t tl = strlen(t);
        if (len + tl <= sizeof buf) {
          memmove(buf + pos + tl, buf + pos, len - pos);
          memcpy(buf + pos, t, tl);
          len += tl;
        }
        break;
      }
      default: len = pos; break; /* truncate */
      }
    }
    razorpay_event *e = NULL;
    if (razorpay_event_parse(&e, (const char *)buf, len, NULL) == 0) parsed++;
    razorpay_event_free(e);
    fuzz_one(buf, len);
  }
  free(fixture);
  printf("# %ld iterations, %ld mutated bodies parsed\n", iters, parsed);
  CHECK(parsed > 0 && parsed < iters); /* the mutations reach both outcomes */
}

int main(void) {
  RUN(test_fuzz);
  return test_done();
}
#endif
