/* Unit tests of the transport's pure parts: backoff, Retry-After parsing, retry
 * classification, retry budget, token bucket, redaction, option/request validation.
 * Clocks and seeds are injected; no network. */
#include <string.h>

#include "erplink/erplink.h"
#include "http_internal.h"
#include "test.h"

static void test_backoff_ceiling(void) {
  CHECK_EQ_INT(erplink__backoff_ceiling(100, 1000, 1), 100);
  CHECK_EQ_INT(erplink__backoff_ceiling(100, 1000, 2), 200);
  CHECK_EQ_INT(erplink__backoff_ceiling(100, 1000, 3), 400);
  CHECK_EQ_INT(erplink__backoff_ceiling(100, 1000, 4), 800);
  CHECK_EQ_INT(erplink__backoff_ceiling(100, 1000, 5), 1000);
  CHECK_EQ_INT(erplink__backoff_ceiling(100, 1000, 1000), 1000);
  CHECK_EQ_INT(erplink__backoff_ceiling(INT64_MAX / 2, INT64_MAX, 80), INT64_MAX);
  CHECK_EQ_INT(erplink__backoff_ceiling(0, 1000, 3), 0);
  CHECK_EQ_INT(erplink__backoff_ceiling(100, 1000, 0), 100);
}

static void test_backoff_jitter(void) {
  erplink__rng a, b, c;
  erplink__rng_seed(&a, 42);
  erplink__rng_seed(&b, 42);
  erplink__rng_seed(&c, 43);
  int same = 1, differ = 0;
  int64_t sum = 0, maxv = 0, minv = INT64_MAX;
  for (int i = 0; i < 2000; i++) {
    int64_t x = erplink__backoff_delay(&a, 100, 1000, 3); /* ceiling 400 */
    int64_t y = erplink__backoff_delay(&b, 100, 1000, 3);
    int64_t z = erplink__backoff_delay(&c, 100, 1000, 3);
    if (x != y) same = 0;
    if (x != z) differ = 1;
    CHECK(x >= 0 && x <= 400);
    sum += x;
    if (x > maxv) maxv = x;
    if (x < minv) minv = x;
  }
  CHECK(same);
  CHECK(differ);
  /* full jitter: spread over the whole range, mean near 200 */
  CHECK(minv < 20);
  CHECK(maxv > 380);
  CHECK(sum / 2000 > 170 && sum / 2000 < 230);
  CHECK_EQ_INT(erplink__backoff_delay(&a, 0, 0, 5), 0);
}

static void test_retry_after_parse(void) {
  int64_t ms = -7;
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "120", 0), 0);
  CHECK_EQ_INT(ms, 120000);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, " 5 ", 0), 0);
  CHECK_EQ_INT(ms, 5000);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "0", 0), 0);
  CHECK_EQ_INT(ms, 0);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "99999999999999999999999999", 0), 0);
  CHECK_EQ_INT(ms, 1000000000000LL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "2000000000", 0), 0);
  CHECK_EQ_INT(ms, 1000000000000LL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "-5", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "+5", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "1.5", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "   ", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "soon", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "12abc", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "Sun, garbage", 0), ERPLINK_EINVAL);
  /* a year libcurl accepts but no clock reaches: clamped, not an overflow (a fuzzing finding) */
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "Wed, 21 Oct 820154000 07:28:00 GMT", 1700000000000LL), 0);
  CHECK_EQ_INT(ms, 1000000000000LL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(NULL, "1", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, NULL, 0), ERPLINK_EINVAL);
  /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
  const int64_t t = 784111777LL * 1000;
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "Sun, 06 Nov 1994 08:49:37 GMT", t - 10000), 0);
  CHECK_EQ_INT(ms, 10000);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "Sunday, 06-Nov-94 08:49:37 GMT", t - 2500), 0);
  CHECK_EQ_INT(ms, 2500);
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "Sun Nov  6 08:49:37 1994", t - 1000), 0);
  CHECK_EQ_INT(ms, 1000);
  /* a date in the past means "now" */
  CHECK_EQ_INT(erplink_http_parse_retry_after(&ms, "Sun, 06 Nov 1994 08:49:37 GMT", t + 60000), 0);
  CHECK_EQ_INT(ms, 0);
}

static erplink__retry_verdict classify(int code, int status, bool sent, bool permanent, int64_t ra, bool idem) {
  erplink__attempt a = {code, status, sent, permanent, ra};
  return erplink__retry_classify(&a, idem, false, 60000, NULL);
}

static void test_retry_all_5xx(void) {
  erplink__attempt a = {ERPLINK_ESERVER, 500, true, false, -1};
  CHECK_EQ_INT(erplink__retry_classify(&a, true, false, 60000, NULL), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(erplink__retry_classify(&a, true, true, 60000, NULL), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(erplink__retry_classify(&a, false, true, 60000, NULL), ERPLINK__RETRY_NO); /* never for POST */
  a.http_status = 501;
  CHECK_EQ_INT(erplink__retry_classify(&a, true, true, 60000, NULL), ERPLINK__RETRY_NO);
  a.http_status = 507;
  CHECK_EQ_INT(erplink__retry_classify(&a, true, true, 60000, NULL), ERPLINK__RETRY_YES);
  a.code = ERPLINK_EHTTP;
  a.http_status = 400;
  CHECK_EQ_INT(erplink__retry_classify(&a, true, true, 60000, NULL), ERPLINK__RETRY_NO);
}

static void test_retry_classify(void) {
  /* never reached the server: retried for any method */
  CHECK_EQ_INT(classify(ERPLINK_ECONNECT, 0, false, false, -1, false), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_EDNS, 0, false, false, -1, false), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_ETLS, 0, false, false, -1, false), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_ETIMEOUT, 0, false, false, -1, false), ERPLINK__RETRY_YES);
  /* certificate rejected: permanent */
  CHECK_EQ_INT(classify(ERPLINK_ETLS, 0, false, true, -1, true), ERPLINK__RETRY_NO);
  /* reached the server: only idempotent */
  CHECK_EQ_INT(classify(ERPLINK_ERECV, 0, true, false, -1, false), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(ERPLINK_ERECV, 0, true, false, -1, true), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_ETIMEOUT, 0, true, false, -1, false), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(ERPLINK_ETIMEOUT, 0, true, false, -1, true), ERPLINK__RETRY_YES);
  /* statuses */
  CHECK_EQ_INT(classify(ERPLINK_EUNAVAILABLE, 503, true, false, -1, false), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(ERPLINK_EUNAVAILABLE, 503, true, false, 0, false), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_ERATELIMIT, 429, true, false, 1000, false), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_ERATELIMIT, 429, true, false, -1, false), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(ERPLINK_ERATELIMIT, 429, true, false, -1, true), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_EUNAVAILABLE, 502, true, false, -1, true), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_EUNAVAILABLE, 504, true, false, -1, true), ERPLINK__RETRY_YES);
  CHECK_EQ_INT(classify(ERPLINK_EUNAVAILABLE, 502, true, false, -1, false), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(ERPLINK_ESERVER, 500, true, false, -1, true), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(ERPLINK_ENOTFOUND, 404, true, false, -1, true), ERPLINK__RETRY_NO);
  /* Retry-After beyond the maximum */
  CHECK_EQ_INT(classify(ERPLINK_ERATELIMIT, 429, true, false, 60001, true), ERPLINK__RETRY_TOO_LONG);
  CHECK_EQ_INT(classify(ERPLINK_EUNAVAILABLE, 503, true, false, 120000, false), ERPLINK__RETRY_TOO_LONG);
  /* cancellation, too large: never */
  CHECK_EQ_INT(classify(ERPLINK_ECANCELLED, 0, false, true, -1, true), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(ERPLINK_ETOOLARGE, 0, true, true, -1, true), ERPLINK__RETRY_NO);
  CHECK_EQ_INT(classify(0, 200, true, false, -1, true), ERPLINK__RETRY_NO);
}

static void test_budget(void) {
  erplink__budget b;
  REQUIRE(erplink__budget_init(&b, 0.5, 2) == 0);
  int64_t t = 1000000;
  /* no requests: the minimum applies */
  CHECK(erplink__budget_try_retry(&b, t));
  CHECK(erplink__budget_try_retry(&b, t));
  CHECK(!erplink__budget_try_retry(&b, t));
  /* 10 requests: 5 retries in the window, 2 already used */
  for (int i = 0; i < 10; i++) erplink__budget_on_request(&b, t + 100);
  int allowed = 0;
  for (int i = 0; i < 10; i++) allowed += erplink__budget_try_retry(&b, t + 200);
  CHECK_EQ_INT(allowed, 3);
  /* 9.5 s later the window still holds them */
  CHECK(!erplink__budget_try_retry(&b, t + 9500));
  /* 11 s later the window has slid past everything: back to the minimum */
  CHECK(erplink__budget_try_retry(&b, t + 11000));
  CHECK(erplink__budget_try_retry(&b, t + 11000));
  CHECK(!erplink__budget_try_retry(&b, t + 11000));
  erplink__budget_destroy(&b);

  REQUIRE(erplink__budget_init(&b, 0.0, 0) == 0);
  CHECK(!erplink__budget_try_retry(&b, 5));
  erplink__budget_destroy(&b);
}

static void test_token_bucket(void) {
  erplink__ratelimit rl;
  REQUIRE(erplink__ratelimit_init(&rl, 10.0, 2, 0) == 0);
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 0), 0);
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 0), 0);
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 0), 100);
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 0), 200);
  erplink__ratelimit_refund(&rl); /* the last waiter gave up */
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 50), 150);
  /* long idle: refills to the burst, not beyond */
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 100000), 0);
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 100000), 0);
  CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 100000), 100);
  /* 20 requests at 10 rps burst 1 span 1.9 s */
  erplink__ratelimit_destroy(&rl);
  REQUIRE(erplink__ratelimit_init(&rl, 10.0, 1, 0) == 0);
  int64_t last = 0;
  for (int i = 0; i < 20; i++) last = erplink__ratelimit_reserve(&rl, 0);
  CHECK_EQ_INT(last, 1900);
  /* pauses extend, never shorten */
  erplink__ratelimit_pause(&rl, 0, 500);
  CHECK_EQ_INT(erplink__ratelimit_pause_left(&rl, 100), 400);
  erplink__ratelimit_pause(&rl, 100, 100);
  CHECK_EQ_INT(erplink__ratelimit_pause_left(&rl, 100), 400);
  erplink__ratelimit_pause(&rl, 100, 1000);
  CHECK_EQ_INT(erplink__ratelimit_pause_left(&rl, 100), 1000);
  CHECK_EQ_INT(erplink__ratelimit_pause_left(&rl, 5000), 0);
  erplink__ratelimit_destroy(&rl);
  /* unlimited */
  REQUIRE(erplink__ratelimit_init(&rl, 0, 0, 0) == 0);
  for (int i = 0; i < 1000; i++) CHECK_EQ_INT(erplink__ratelimit_reserve(&rl, 0), 0);
  erplink__ratelimit_destroy(&rl);
}

static void check_url(const char *in, const char *expect) {
  char *out = NULL;
  CHECK_EQ_INT(erplink_log_redact_url(&out, in), 0);
  CHECK_EQ_STR(out, expect);
  erplink_free(out);
}

static void check_form(const char *in, const char *expect) {
  char *out = NULL;
  CHECK_EQ_INT(erplink_log_redact_form(&out, in, strlen(in)), 0);
  CHECK_EQ_STR(out, expect);
  erplink_free(out);
}

static void test_redaction(void) {
  check_url("https://bob:pw@host/p?api_key=K&page=2#x", "https://host/p?api_key=<redacted>&page=2");
  check_url("http://host:8069/xmlrpc/2/object", "http://host:8069/xmlrpc/2/object");
  check_url("https://u@h/a?access_token=abc&refresh_token=def&x=1",
            "https://h/a?access_token=<redacted>&refresh_token=<redacted>&x=1");
  check_url("https://h/a?api%5Fkey=K&q", "https://h/a?api%5Fkey=<redacted>&q");
  check_url("https://h/cb?code=SECRETCODE&state=s1", "https://h/cb?code=<redacted>&state=s1");
  check_url("https://a:b@c@h:1/x", "https://h:1/x");
  check_url("not a url?password=x", "not a url?password=<redacted>");
  check_url("https://h/p\n", "https://h/p?");
  check_form("grant_type=refresh_token&refresh_token=abc", "grant_type=refresh_token&refresh_token=<redacted>");
  check_form("login=alice&password=pw&db=prod", "login=alice&password=<redacted>&db=prod");
  check_form("client_secret=s&Client%5FSecret=t&a=", "client_secret=<redacted>&Client%5FSecret=<redacted>&a=");
  check_form("novalue&token", "novalue&token");
  check_form("", "");
  char *out = (char *)1;
  CHECK_EQ_INT(erplink_log_redact_url(&out, NULL), ERPLINK_EINVAL);
  CHECK(out == NULL);
  CHECK_EQ_INT(erplink_log_redact_form(NULL, "a", 1), ERPLINK_EINVAL);
  CHECK_EQ_STR(erplink_log_level_name(ERPLINK_LOG_TRACE), "trace");
  CHECK_EQ_STR(erplink_log_level_name(99), "unknown");
}

static void test_validation(void) {
  erplink_http_options *o = NULL;
  REQUIRE(erplink_http_options_new(&o) == 0);
  CHECK_EQ_INT(erplink_http_options_set_timeout_ms(o, -1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_connect_timeout_ms(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_pool_size(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_max_attempts(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_backoff_ms(o, 10, 5), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_rate_limit(o, -1, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_rate_limit(o, 5, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_retry_budget(o, -0.1, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_log(o, 9, NULL, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_user_agent(o, "bad\r\nX: y"), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_max_response_bytes(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_ca_file(o, ""), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_user_agent(NULL, "x"), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_user_agent(o, "app/1.0 (me@example.com)"), 0);
  CHECK_EQ_INT(erplink_http_options_set_proxy(o, ""), 0);
  erplink_http_options_free(o);
  erplink_http_options_free(NULL);
  erplink_http_client_free(NULL);
  erplink_http_request_free(NULL);
  erplink_http_response_free(NULL);

  erplink_http_request *r = NULL;
  CHECK_EQ_INT(erplink_http_request_new(&r, "GET", "ftp://h/x"), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_request_new(&r, "GET", "http://h/a b"), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_request_new(&r, "GE T", "http://h/"), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_request_new(&r, NULL, "http://h/"), ERPLINK_EINVAL);
  CHECK(r == NULL);
  REQUIRE(erplink_http_request_new(&r, "POST", "HTTPS://h/") == 0);
  CHECK_EQ_INT(erplink_http_request_add_header(r, "X-A", "v\r\nInjected: 1"), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_request_add_header(r, "Bad Name", "v"), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_request_add_header(r, "X-A", "1"), 0);
  CHECK_EQ_INT(erplink_http_request_add_header(r, "x-a", "2"), 0);
  CHECK_EQ_INT(erplink_http_request_set_header(r, "X-A", "3"), 0);
  CHECK_EQ_INT(erplink_http_request_set_header(r, "X-A", NULL), 0);
  CHECK_EQ_INT(erplink_http_request_set_body(r, NULL, 3), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_request_set_body(r, "abc", 3), 0);
  CHECK_EQ_INT(erplink_http_request_set_body_borrowed(r, "abcd", 4), 0);
  CHECK_EQ_INT(erplink_http_request_set_timeout_ms(r, -2), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_request_set_sink(r, NULL, (void (*)(void *))1, NULL), ERPLINK_EINVAL);
  erplink_http_request_free(r);

  erplink_http_client *c = NULL;
  CHECK_EQ_INT(erplink_http_client_new(NULL, NULL), ERPLINK_EINVAL);
  REQUIRE(erplink_http_client_new(&c, NULL) == 0);
  CHECK_EQ_INT(erplink_http_client_pause_ms(c, -1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_client_pause_remaining_ms(c), 0);
  erplink_http_client_free(c);
}

int main(void) {
  RUN(test_retry_all_5xx);
  RUN(test_backoff_ceiling);
  RUN(test_backoff_jitter);
  RUN(test_retry_after_parse);
  RUN(test_retry_classify);
  RUN(test_budget);
  RUN(test_token_bucket);
  RUN(test_redaction);
  RUN(test_validation);
  return test_done();
}
