#include <locale.h>
#include <math.h>

#include "erplink/erplink.h"
#include "http_internal.h"
#include "test.h"

static void test_buf(void) {
  erplink_buf b = ERPLINK_BUF_INIT;
  for (int i = 0; i < 1000; i++) erplink_buf_printf(&b, "%d,", i);
  CHECK(!b.oom);
  CHECK(strncmp(b.ptr, "0,1,2,", 6) == 0);
  CHECK_EQ_INT(b.ptr[b.len], 0);
  size_t len;
  char *p = erplink_buf_detach(&b, &len);
  REQUIRE(p != NULL);
  CHECK_EQ_INT(strlen(p), len);
  CHECK(b.ptr == NULL);
  erplink_free(p);
  erplink_buf e = ERPLINK_BUF_INIT;
  p = erplink_buf_detach(&e, &len);
  REQUIRE(p != NULL);
  CHECK_EQ_STR(p, "");
  erplink_free(p);
  erplink_buf s = ERPLINK_BUF_INIT;
  s.secret = true;
  for (int i = 0; i < 100; i++) erplink_buf_puts(&s, "hunter2-");
  CHECK_EQ_INT(s.len, 800);
  erplink_buf_free(&s);
}

static void test_utf8(void) {
  CHECK(erplink__utf8_valid("", 0));
  CHECK(erplink__utf8_valid("plain ascii text, long enough for the fast path", 47));
  CHECK(erplink__utf8_valid("\xe2\x82\xb9 rupee", 9));
  CHECK(erplink__utf8_valid("\xf0\x9f\x98\x80", 4));
  CHECK(!erplink__utf8_valid("\xc0\xaf", 2));         /* overlong */
  CHECK(!erplink__utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  CHECK(!erplink__utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
  CHECK(!erplink__utf8_valid("\xe2\x82", 2));         /* truncated */
  CHECK(!erplink__utf8_valid("abc\xff", 4));
  CHECK(!erplink__utf8_valid("\x80", 1));
}

static void test_numbers(void) {
  char buf[32];
  double vals[] = {0.0, 1.0, -1.5, 0.1, 1e300, -2.2250738585072014e-308, 123456789.123456789, 5e-324, 1.0 / 3.0};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    size_t n = erplink__fmt_double(buf, vals[i]);
    double back;
    CHECK(erplink__parse_double(buf, n, &back));
    CHECK(back == vals[i]);
  }
  erplink__fmt_double(buf, 1.0);
  CHECK_EQ_STR(buf, "1.0");
  erplink__fmt_double(buf, 0.1);
  CHECK_EQ_STR(buf, "0.1");
  /* locale independence: a comma locale must not change the output */
  if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
    erplink__fmt_double(buf, 2.5);
    CHECK_EQ_STR(buf, "2.5");
    double d;
    CHECK(erplink__parse_double("2.5", 3, &d) && d == 2.5);
    setlocale(LC_NUMERIC, "C");
  }
  double d;
  CHECK(!erplink__parse_double("", 0, &d));
  CHECK(!erplink__parse_double("1.5x", 4, &d));
  CHECK(!erplink__parse_double(" 1", 2, &d));
  CHECK(!erplink__parse_double("0x10", 4, &d));
  CHECK(!erplink__parse_double("1e999", 5, &d));
  int64_t i;
  bool of;
  CHECK(erplink__parse_int64("9223372036854775807", 19, &i, &of) && i == INT64_MAX);
  CHECK(erplink__parse_int64("-9223372036854775808", 20, &i, &of) && i == INT64_MIN);
  CHECK(!erplink__parse_int64("9223372036854775808", 19, &i, &of) && of);
  CHECK(!erplink__parse_int64("-", 1, &i, &of) && !of);
  CHECK(!erplink__parse_int64("12a", 3, &i, &of) && !of);
  CHECK(erplink__parse_int64("+42", 3, &i, &of) && i == 42);
}

static void test_secret_names(void) {
  const char *yes[] = {"Authorization", "AuthorizationToken",  "password",     "api_key",       "X-Api-Key",
                       "apikey",        "refresh_token",       "access_token", "client_secret", "key_secret",
                       "Cookie",        "X-Razorpay-Signature"};
  for (size_t k = 0; k < sizeof yes / sizeof yes[0]; k++) CHECK(erplink__is_secret_name(yes[k], strlen(yes[k])));
  /* service field names are the service's to declare (erplink_http_options_add_secret_name) */
  const char *no[] = {"name",  "Content-Type", "list_price",    "User-Agent",
                      "model", "X-Pages",      "code_verifier", "retailer_otp"};
  for (size_t k = 0; k < sizeof no / sizeof no[0]; k++) CHECK(!erplink__is_secret_name(no[k], strlen(no[k])));
  erplink__logger lg = {0};
  char *declared[] = {"code_verifier", "retailer_otp"};
  lg.secret_names = declared;
  lg.n_secret_names = 2;
  CHECK(erplink__logger_is_secret(&lg, "Code_Verifier", 13));
  CHECK(erplink__logger_is_secret(&lg, "retailer_otp", 12));
  CHECK(erplink__logger_is_secret(&lg, "password", 8));
  CHECK(!erplink__logger_is_secret(&lg, "codes", 5));
  CHECK(!erplink__logger_is_secret(NULL, "retailer_otp", 12));
}

static int cancel_now(void *ud) { return ++*(int *)ud > 2; }

static void test_clock_sleep(void) {
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(erplink__sleep_ms(30, NULL, NULL), 0);
  CHECK(erplink__now_mono_ms() - t0 >= 30);
  int calls = 0;
  t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(erplink__sleep_ms(10000, cancel_now, &calls), 1); /* 0 only after the full 10 s */
  CHECK_EQ_INT(calls, 3);
  CHECK(erplink__now_wall_ms() > 1600000000000LL);
}

static void test_limits(void) {
  erplink_limits *l;
  REQUIRE(erplink_limits_new(&l) == 0);
  CHECK_EQ_INT(erplink_limits_max_depth(l), ERPLINK_DEFAULT_MAX_DEPTH);
  CHECK_EQ_INT(erplink_limits_set_max_depth(l, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_limits_set_max_depth(l, 10), 0);
  CHECK_EQ_INT(erplink_limits_max_depth(l), 10);
  CHECK_EQ_INT(erplink_limits_set_max_elements(l, 5), 0);
  CHECK_EQ_INT(erplink_limits_max_elements(l), 5);
  CHECK_EQ_INT(erplink_limits_set_max_bytes(l, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_limits_max_bytes(NULL), ERPLINK_DEFAULT_MAX_BYTES);
  erplink_limits_free(l);
  erplink_limits_free(NULL);
  CHECK_EQ_STR(erplink_version(), ERPLINK_VERSION);
  CHECK_EQ_INT(erplink_version_number(), ERPLINK_VERSION_NUMBER);
}

int main(void) {
  RUN(test_buf);
  RUN(test_utf8);
  RUN(test_numbers);
  RUN(test_secret_names);
  RUN(test_clock_sleep);
  RUN(test_limits);
  erplink_error_clear();
  return test_done();
}
