/* Transport tests against tests/servers/faultserver.py on a loopback port: error mapping,
 * retry behaviour for idempotent and non-idempotent requests (attempts counted server-side
 * through /hits), timeouts, size limits, redirects and credentials, keep-alive, threads,
 * cancellation, rate limiting, pauses, the retry budget, fork safety and log redaction. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "server.h"
#include "logcap.h"
#include "test.h"

static test_server srv;

#define U(...) test_server_url(&srv, __VA_ARGS__)

typedef struct cfg {
  int max_attempts;
  int64_t timeout_ms;
  int pool;
  int follow;
  size_t max_bytes;
  double rps;
  int burst;
  double budget_ratio;
  int budget_min;
  int64_t max_retry_after_ms;
  long low_bps, low_s;
  erplink_log_fn log;
  void *log_ud;
} cfg;

static erplink_http_client *mk(const cfg *k) {
  erplink_http_options *o = NULL;
  if (erplink_http_options_new(&o) != 0) return NULL;
  erplink_http_options_set_backoff_ms(o, 1, 5); /* tiny delays for tests */
  erplink_http_options_set_retry_seed(o, 7);
  erplink_http_options_set_connect_timeout_ms(o, 2000);
  erplink_http_options_set_timeout_ms(o, 10000);
  erplink_http_options_set_retry_budget(o, 1.0, 1000);
  if (k) {
    if (k->max_attempts) erplink_http_options_set_max_attempts(o, k->max_attempts);
    if (k->timeout_ms) erplink_http_options_set_timeout_ms(o, k->timeout_ms);
    if (k->pool) erplink_http_options_set_pool_size(o, k->pool);
    if (k->follow) erplink_http_options_set_follow_redirects(o, 1);
    if (k->max_bytes) erplink_http_options_set_max_response_bytes(o, k->max_bytes);
    if (k->rps > 0) erplink_http_options_set_rate_limit(o, k->rps, k->burst);
    if (k->budget_ratio > 0 || k->budget_min > 0)
      erplink_http_options_set_retry_budget(o, k->budget_ratio, k->budget_min);
    if (k->max_retry_after_ms) erplink_http_options_set_max_retry_after_ms(o, k->max_retry_after_ms);
    if (k->low_bps) erplink_http_options_set_low_speed(o, k->low_bps, k->low_s);
    if (k->log) erplink_http_options_set_log(o, ERPLINK_LOG_TRACE, k->log, k->log_ud);
  }
  erplink_http_client *c = NULL;
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  return c;
}

/* Sends method url (optional body) and returns the code; *resp may be NULL. */
static int req(erplink_http_client *c, const char *method, const char *url, const char *body,
               erplink_http_response **resp) {
  erplink_http_request *r = NULL;
  int rc = erplink_http_request_new(&r, method, url);
  if (rc) return rc;
  if (body) erplink_http_request_set_body(r, body, strlen(body));
  erplink_http_response *tmp = NULL;
  rc = erplink_http_client_send(&tmp, c, r);
  erplink_http_request_free(r);
  if (resp)
    *resp = tmp;
  else
    erplink_http_response_free(tmp);
  return rc;
}

/* Server-side count of requests made with key=K. */
static int hits(const char *key) {
  erplink_http_client *c = mk(NULL);
  erplink_http_response *resp = NULL;
  int n = -1;
  if (req(c, "GET", U("/hits?key=%s", key), NULL, &resp) == 0) n = atoi(erplink_http_response_body(resp, NULL));
  erplink_http_response_free(resp);
  erplink_http_client_free(c);
  return n;
}

static const char *last_msg(void) { return erplink_error_message(erplink_error_last()); }

/* ---------------------------------------------------------------- basics */

static void test_ok_user_agent_methods(void) {
  erplink_http_client *c = mk(NULL);
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(req(c, "GET", U("/echo"), NULL, &resp), 0);
  REQUIRE(resp);
  CHECK_EQ_INT(erplink_http_response_status(resp), 200);
  CHECK_EQ_INT(erplink_http_response_attempts(resp), 1);
  CHECK(erplink_http_response_content_type_is(resp, "application/json"));
  CHECK(strstr(erplink_http_response_body(resp, NULL), "\"User-Agent\", \"erplink/" ERPLINK_VERSION "\"") != NULL);
  CHECK(strstr(erplink_http_response_effective_url(resp), "/echo") != NULL);
  CHECK(erplink_http_response_header(resp, "content-length") != NULL);
  CHECK(erplink_http_response_header_count(resp) >= 2);
  erplink_http_response_free(resp);
  /* PUT with a body, DELETE, HEAD, 304 */
  CHECK_EQ_INT(req(c, "PUT", U("/echo"), "payload-1", &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "\"method\": \"PUT\""));
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "payload-1"));
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "DELETE", U("/echo"), NULL, &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "\"method\": \"DELETE\""));
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "HEAD", U("/ok"), NULL, &resp), 0);
  CHECK_EQ_INT(erplink_http_response_status(resp), 200);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "GET", U("/status/304"), NULL, &resp), 0);
  CHECK_EQ_INT(erplink_http_response_status(resp), 304);
  erplink_http_response_free(resp);
  erplink_http_client_free(c);

  /* a custom user agent on the options, and one set by the request */
  erplink_http_options *o = NULL;
  erplink_http_options_new(&o);
  erplink_http_options_set_user_agent(o, "MyApp/1.2 (ops@example.com)");
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  CHECK_EQ_INT(req(c, "POST", U("/echo"), "x=1", &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "MyApp/1.2 (ops@example.com)"));
  CHECK(resp && !strstr(erplink_http_response_body(resp, NULL), "Expect"));
  erplink_http_response_free(resp);
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "GET", U("/echo"));
  erplink_http_request_set_header(r, "User-Agent", "Override/9");
  CHECK_EQ_INT(erplink_http_client_send(&resp, c, r), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "Override/9"));
  CHECK(resp && !strstr(erplink_http_response_body(resp, NULL), "MyApp"));
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  erplink_http_client_free(c);
}

static void test_status_mapping(void) {
  erplink_http_client *c = mk(NULL);
  struct {
    int status;
    int code;
  } t[] = {{400, ERPLINK_EHTTP},     {401, ERPLINK_EAUTH}, {403, ERPLINK_EACCESS}, {404, ERPLINK_ENOTFOUND},
           {409, ERPLINK_ECONFLICT}, {422, ERPLINK_EHTTP}, {500, ERPLINK_ESERVER}, {501, ERPLINK_ESERVER}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    erplink_http_response *resp = NULL;
    CHECK_EQ_INT(req(c, "GET", U("/status/%d", t[i].status), NULL, &resp), t[i].code);
    const erplink_error *e = erplink_error_last();
    CHECK_EQ_INT(erplink_error_http_status(e), t[i].status);
    CHECK(erplink_error_detail(e) && strstr(erplink_error_detail(e), "body"));
    REQUIRE(resp); /* the response is handed over with the error */
    CHECK_EQ_INT(erplink_http_response_status(resp), t[i].status);
    CHECK(strstr(erplink_http_response_body(resp, NULL), "body") != NULL);
    erplink_http_response_free(resp);
  }
  erplink_http_client_free(c);
}

/* ---------------------------------------------------------------- faults and retries */

static void test_connection_refused(void) {
  int port = test_unused_port();
  REQUIRE(port > 0);
  char url[128];
  /* userinfo must never show up in the message */
  snprintf(url, sizeof url, "http://user:USERSECRET@127.0.0.1:%d/x", port);
  erplink_http_client *c = mk(&(cfg){.max_attempts = 3});
  erplink_http_response *resp = (erplink_http_response *)1;
  CHECK_EQ_INT(req(c, "GET", url, NULL, &resp), ERPLINK_ECONNECT);
  CHECK(resp == NULL);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_NETWORK);
  CHECK(strstr(last_msg(), "127.0.0.1") != NULL);
  CHECK(strstr(last_msg(), "USERSECRET") == NULL);
  /* a POST that was never sent is retried too (attempts visible through the log below) */
  CHECK_EQ_INT(req(c, "POST", url, "a=1", NULL), ERPLINK_ECONNECT);
  erplink_http_client_free(c);
}

static void test_reset_mid_body(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 3});
  CHECK_EQ_INT(req(c, "GET", U("/reset_mid_body?key=rst_get"), NULL, NULL), ERPLINK_ERECV);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_NETWORK);
  CHECK_EQ_INT(hits("rst_get"), 3);
  CHECK_EQ_INT(req(c, "POST", U("/reset_mid_body?key=rst_post"), "a=1", NULL), ERPLINK_ERECV);
  CHECK_EQ_INT(hits("rst_post"), 1);
  erplink_http_client_free(c);
}

static void test_truncated(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 2});
  CHECK_EQ_INT(req(c, "GET", U("/truncate?key=tr_get"), NULL, NULL), ERPLINK_ERECV);
  CHECK_EQ_INT(hits("tr_get"), 2);
  CHECK_EQ_INT(req(c, "POST", U("/truncate?key=tr_post"), "{}", NULL), ERPLINK_ERECV);
  CHECK_EQ_INT(hits("tr_post"), 1);
  /* a POST marked idempotent is retried */
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "POST", U("/truncate?key=tr_idem"));
  erplink_http_request_set_idempotent(r, 1);
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), ERPLINK_ERECV);
  erplink_http_request_free(r);
  CHECK_EQ_INT(hits("tr_idem"), 2);
  erplink_http_client_free(c);
}

static void test_stall_timeout(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 1, .timeout_ms = 500});
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(req(c, "GET", U("/stall?ms=4000&key=st1"), NULL, NULL), ERPLINK_ETIMEOUT);
  int64_t el = erplink__now_mono_ms() - t0;
  CHECK(el >= 450); /* the stall (4 s) would have answered 200: the code proves the timeout */
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_TIMEOUT);
  CHECK(strstr(last_msg(), "total timeout") != NULL);
  erplink_http_client_free(c);
  /* idempotent GET: retried up to the limit; POST: not retried after a read timeout */
  c = mk(&(cfg){.max_attempts = 2, .timeout_ms = 300});
  CHECK_EQ_INT(req(c, "GET", U("/stall?ms=2000&phase=body&key=st2"), NULL, NULL), ERPLINK_ETIMEOUT);
  CHECK_EQ_INT(hits("st2"), 2);
  CHECK_EQ_INT(req(c, "POST", U("/stall?ms=2000&key=st3"), "x", NULL), ERPLINK_ETIMEOUT);
  CHECK_EQ_INT(hits("st3"), 1);
  /* per-request override */
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "GET", U("/stall?ms=300"));
  erplink_http_request_set_timeout_ms(r, 3000);
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), 0);
  erplink_http_request_free(r);
  erplink_http_client_free(c);
}

static void test_low_speed(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 1, .low_bps = 1000, .low_s = 1});
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(req(c, "GET", U("/slow_body?bytes=200&interval_ms=200"), NULL, NULL), ERPLINK_ETIMEOUT);
  int64_t el = erplink__now_mono_ms() - t0;
  CHECK(el >= 900);
  CHECK(strstr(last_msg(), "low-speed") != NULL);
  erplink_http_client_free(c);
}

static void test_5xx_retries(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 3});
  erplink_http_response *resp = NULL;
  /* 500: never retried */
  CHECK_EQ_INT(req(c, "GET", U("/status/500?key=s500"), NULL, &resp), ERPLINK_ESERVER);
  CHECK_EQ_INT(erplink_http_response_attempts(resp), 1);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(hits("s500"), 1);
  /* 502/503: idempotent GET retried, POST not */
  CHECK_EQ_INT(req(c, "GET", U("/status/502?key=s502g"), NULL, &resp), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(erplink_http_response_attempts(resp), 3);
  CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 502);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(hits("s502g"), 3);
  CHECK_EQ_INT(req(c, "POST", U("/status/503?key=s503p"), "x", NULL), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(hits("s503p"), 1);
  /* 503 with Retry-After: not processed, so even a POST is retried */
  CHECK_EQ_INT(req(c, "POST", U("/status/503?retry_after=0&key=s503ra"), "x", NULL), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(hits("s503ra"), 3);
  CHECK_EQ_INT(erplink_error_retry_after_ms(erplink_error_last()), 0);
  /* flaky endpoints recover */
  CHECK_EQ_INT(req(c, "GET", U("/flaky?fail=2&key=fl1"), NULL, &resp), 0);
  CHECK_EQ_INT(erplink_http_response_attempts(resp), 3);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(hits("fl1"), 3);
  CHECK_EQ_INT(req(c, "GET", U("/flaky?fail=1&mode=reset&key=fl2"), NULL, &resp), 0);
  CHECK_EQ_INT(erplink_http_response_attempts(resp), 2);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "POST", U("/flaky?fail=1&mode=reset&key=fl3"), "x", NULL), ERPLINK_ERECV);
  CHECK_EQ_INT(hits("fl3"), 1);
  CHECK_EQ_INT(req(c, "POST", U("/flaky?fail=1&mode=503ra&key=fl4"), "x", &resp), 0);
  CHECK_EQ_INT(erplink_http_response_attempts(resp), 2);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "GET", U("/flaky?fail=3&key=fl5"), NULL, NULL), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(hits("fl5"), 3); /* exactly max_attempts, no more */
  erplink_http_client_free(c);
}

static void test_retry_after(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 2});
  /* seconds form */
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(req(c, "GET", U("/status/429?retry_after=1&key=ra1"), NULL, NULL), ERPLINK_ERATELIMIT);
  int64_t el = erplink__now_mono_ms() - t0;
  CHECK_EQ_INT(hits("ra1"), 2);
  CHECK(el >= 950);
  CHECK_EQ_INT(erplink_error_retry_after_ms(erplink_error_last()), 1000);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_RATELIMIT);
  /* HTTP-date form (second resolution: 0..2 s) */
  CHECK_EQ_INT(req(c, "POST", U("/status/503?retry_after_date=1&key=ra2"), "x", NULL), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(hits("ra2"), 2); /* a POST retried: the date form was understood as "retry later" */
  erplink_http_client_free(c);
  /* longer than the maximum: no retry, retry_after reported */
  c = mk(&(cfg){.max_attempts = 3, .max_retry_after_ms = 500});
  CHECK_EQ_INT(req(c, "GET", U("/status/429?retry_after=30&key=ra3"), NULL, NULL), ERPLINK_ERATELIMIT);
  CHECK_EQ_INT(hits("ra3"), 1); /* not waited for: a retry after 30 s would be a second hit */
  CHECK_EQ_INT(erplink_error_retry_after_ms(erplink_error_last()), 30000);
  erplink_http_client_free(c);
}

static void test_budget_exhaustion(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 5, .budget_ratio = 0.0, .budget_min = 2});
  CHECK_EQ_INT(req(c, "GET", U("/status/503?key=bud1"), NULL, NULL), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(hits("bud1"), 3); /* 1 + the 2 retries of the budget */
  CHECK(strstr(last_msg(), "retry budget exhausted") != NULL);
  CHECK_EQ_INT(req(c, "GET", U("/status/503?key=bud2"), NULL, NULL), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(hits("bud2"), 1);
  erplink_http_client_free(c);
}

/* ---------------------------------------------------------------- content */

static void test_html_and_size(void) {
  erplink_http_client *c = mk(NULL);
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(req(c, "POST", U("/html"), "<methodCall/>", &resp), 0);
  REQUIRE(resp);
  CHECK(erplink_http_response_content_type_is(resp, "text/html"));
  CHECK(!erplink_http_response_content_type_is(resp, "text/xml"));
  CHECK(erplink_http_response_is_html(resp));
  CHECK(strncmp(erplink_http_response_body(resp, NULL), "<!DOCTYPE html", 14) == 0);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "POST", U("/xml"), "<methodCall/>", &resp), 0);
  CHECK(erplink_http_response_content_type_is(resp, "TEXT/XML"));
  CHECK(!erplink_http_response_is_html(resp));
  erplink_http_response_free(resp);
  erplink_http_client_free(c);

  c = mk(&(cfg){.max_bytes = 10000, .max_attempts = 3});
  CHECK_EQ_INT(req(c, "GET", U("/big?bytes=9000"), NULL, &resp), 0);
  size_t len = 0;
  erplink_http_response_body(resp, &len);
  CHECK_EQ_INT(len, 9000);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "GET", U("/big?bytes=200000000&key=big1"), NULL, &resp), ERPLINK_ETOOLARGE);
  CHECK(resp == NULL);
  CHECK_EQ_INT(hits("big1"), 1); /* never retried */
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);
  erplink_http_client_free(c);
  /* a known Content-Length above the limit is refused too */
  c = mk(&(cfg){.max_bytes = 20});
  CHECK_EQ_INT(req(c, "GET", U("/html"), NULL, NULL), ERPLINK_ETOOLARGE);
  CHECK_EQ_INT(req(c, "GET", U("/ok"), NULL, NULL), 0);
  /* a HEAD announces the length of a body it does not send: not "too large" */
  CHECK_EQ_INT(req(c, "HEAD", U("/html"), NULL, &resp), 0);
  CHECK(resp && erplink_http_response_header(resp, "Content-Length") &&
        atoi(erplink_http_response_header(resp, "Content-Length")) > 20);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "GET", U("/ok"), NULL, NULL), 0);
  erplink_http_client_free(c);
}

typedef struct sink_state {
  erplink_buf data;
  int resets;
  size_t fail_after;
} sink_state;

static int sink_write(const char *d, size_t n, void *ud) {
  sink_state *s = ud;
  erplink_buf_put(&s->data, d, n);
  if (s->fail_after && s->data.len > s->fail_after) return erplink__error_setf(ERPLINK_EPROTOCOL, "decoder says no");
  return 0;
}

static void sink_reset(void *ud) {
  sink_state *s = ud;
  s->resets++;
  erplink_buf_clear(&s->data);
}

static void test_sink(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 3});
  sink_state s = {ERPLINK_BUF_INIT, 0, 0};
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "GET", U("/big?bytes=50000"));
  erplink_http_request_set_sink(r, sink_write, sink_reset, &s);
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(erplink_http_client_send(&resp, c, r), 0);
  CHECK_EQ_INT(s.data.len, 50000);
  size_t len = 99;
  erplink_http_response_body(resp, &len);
  CHECK_EQ_INT(len, 0);
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  /* a retried attempt restarts the sink */
  erplink_buf_clear(&s.data);
  s.resets = 0;
  erplink_http_request_new(&r, "GET", U("/flaky?fail=1&mode=truncate&key=sink1"));
  erplink_http_request_set_sink(r, sink_write, sink_reset, &s);
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), 0);
  CHECK_EQ_INT(s.resets, 1);
  CHECK_EQ_STR(s.data.ptr, "ok after 2\n");
  erplink_http_request_free(r);
  /* error statuses are buffered, not streamed */
  erplink_buf_clear(&s.data);
  erplink_http_request_new(&r, "GET", U("/status/404"));
  erplink_http_request_set_sink(r, sink_write, sink_reset, &s);
  CHECK_EQ_INT(erplink_http_client_send(&resp, c, r), ERPLINK_ENOTFOUND);
  CHECK_EQ_INT(s.data.len, 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "status 404"));
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  /* a sink error ends the call with the sink's error, without retry */
  erplink_buf_clear(&s.data);
  s.fail_after = 100;
  erplink_http_request_new(&r, "GET", U("/big?bytes=50000&key=sink2"));
  erplink_http_request_set_sink(r, sink_write, sink_reset, &s);
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), ERPLINK_EPROTOCOL);
  CHECK_EQ_STR(last_msg(), "decoder says no");
  CHECK_EQ_INT(hits("sink2"), 1);
  erplink_http_request_free(r);
  erplink_buf_free(&s.data);
  erplink_http_client_free(c);
}

/* ---------------------------------------------------------------- redirects */

static void test_redirects(void) {
  char other[256];
  /* "another host": localhost instead of 127.0.0.1 */
  snprintf(other, sizeof other, "http://localhost:%d/echo", srv.port);
  erplink_http_client *c = mk(NULL);
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(req(c, "GET", U("/redirect?to=%s&key=rd1", other), NULL, &resp), ERPLINK_EREDIRECT);
  CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 302);
  CHECK(strstr(last_msg(), "localhost") != NULL);
  CHECK(strstr(last_msg(), "302") != NULL);
  CHECK_EQ_INT(erplink_http_response_status(resp), 302);
  CHECK(erplink_http_response_header(resp, "Location") != NULL);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(hits("rd1"), 1);
  erplink_http_client_free(c);

  c = mk(&(cfg){.follow = 1});
  /* same origin: credentials kept */
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "GET", U("/redirect?to=/echo"));
  erplink_http_request_add_header(r, "Authorization", "Bearer SAMEORIGIN");
  CHECK_EQ_INT(erplink_http_client_send(&resp, c, r), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "Bearer SAMEORIGIN"));
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  /* other host: credentials dropped, other headers kept */
  erplink_http_request_new(&r, "GET", U("/redirect?to=%s", other));
  erplink_http_request_add_header(r, "Authorization", "Bearer AUTHLEAK");
  erplink_http_request_add_header(r, "AuthorizationToken", "TOKLEAK");
  erplink_http_request_add_header(r, "Cookie", "session=COOKIELEAK");
  erplink_http_request_add_header(r, "X-Api-Key", "KEYLEAK");
  erplink_http_request_add_header(r, "X-Trace", "trace-visible");
  CHECK_EQ_INT(erplink_http_client_send(&resp, c, r), 0);
  REQUIRE(resp);
  const char *b = erplink_http_response_body(resp, NULL);
  CHECK(strstr(b, "trace-visible") != NULL);
  CHECK(strstr(b, "localhost") != NULL);
  CHECK(strstr(b, "AUTHLEAK") == NULL);
  CHECK(strstr(b, "TOKLEAK") == NULL);
  CHECK(strstr(b, "COOKIELEAK") == NULL);
  CHECK(strstr(b, "KEYLEAK") == NULL);
  CHECK(strstr(erplink_http_response_effective_url(resp), "localhost") != NULL);
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  /* 303 after POST continues as GET without the body */
  CHECK_EQ_INT(req(c, "POST", U("/redirect?code=303&to=/echo"), "secretbody", &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "\"method\": \"GET\""));
  CHECK(resp && !strstr(erplink_http_response_body(resp, NULL), "secretbody"));
  erplink_http_response_free(resp);
  /* 307 keeps method and body */
  CHECK_EQ_INT(req(c, "POST", U("/redirect?code=307&to=/echo"), "keptbody", &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "keptbody"));
  erplink_http_response_free(resp);
  /* a loop hits the cap */
  CHECK_EQ_INT(req(c, "GET", U("/redirect?loop=1"), NULL, NULL), ERPLINK_EREDIRECT);
  CHECK(strstr(last_msg(), "too many redirects") != NULL);
  erplink_http_client_free(c);
}

/* ---------------------------------------------------------------- connections and threads */

static int conn_id_of(erplink_http_response *resp) {
  const char *p = resp ? strstr(erplink_http_response_body(resp, NULL), "\"conn_id\": ") : NULL;
  return p ? atoi(p + 11) : -1;
}

static void test_keepalive(void) {
  erplink_http_client *c = mk(&(cfg){.pool = 2});
  int ids[4];
  for (int i = 0; i < 4; i++) {
    erplink_http_response *resp = NULL;
    CHECK_EQ_INT(req(c, "GET", U("/echo"), NULL, &resp), 0);
    ids[i] = conn_id_of(resp);
    erplink_http_response_free(resp);
  }
  CHECK(ids[0] > 0);
  CHECK_EQ_INT(ids[1], ids[0]);
  CHECK_EQ_INT(ids[2], ids[0]);
  CHECK_EQ_INT(ids[3], ids[0]);
  /* after a reset the next request opens a new connection and works */
  CHECK_EQ_INT(req(c, "POST", U("/reset_mid_body"), "x", NULL), ERPLINK_ERECV);
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(req(c, "GET", U("/echo"), NULL, &resp), 0);
  CHECK(conn_id_of(resp) != ids[0]);
  erplink_http_response_free(resp);
  erplink_http_client_free(c);
}

typedef struct thr_arg {
  erplink_http_client *c;
  const char *url;
  int ok;
} thr_arg;

static void *thr_main(void *p) {
  thr_arg *a = p;
  for (int i = 0; i < 50; i++)
    if (req(a->c, "GET", a->url, NULL, NULL) == 0) a->ok++;
  return NULL;
}

static void test_threads(void) {
  erplink_http_client *c = mk(&(cfg){.pool = 4});
  const char *url = U("/ok");
  pthread_t t[4];
  thr_arg a[4];
  for (int i = 0; i < 4; i++) {
    a[i] = (thr_arg){c, url, 0};
    pthread_create(&t[i], NULL, thr_main, &a[i]);
  }
  int total = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    total += a[i].ok;
  }
  CHECK_EQ_INT(total, 200);
  erplink_http_client_free(c);
  /* more threads than pooled handles: they wait their turn */
  c = mk(&(cfg){.pool = 1});
  for (int i = 0; i < 4; i++) {
    a[i] = (thr_arg){c, url, 0};
    pthread_create(&t[i], NULL, thr_main, &a[i]);
  }
  total = 0;
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    total += a[i].ok;
  }
  CHECK_EQ_INT(total, 200);
  erplink_http_client_free(c);
}

static void test_fork(void) {
  erplink_http_client *c = mk(&(cfg){.pool = 1});
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(req(c, "GET", U("/echo"), NULL, &resp), 0);
  int parent_conn = conn_id_of(resp);
  erplink_http_response_free(resp);
  fflush(stdout);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    erplink_http_response *cr = NULL;
    int rc = req(c, "GET", U("/echo"), NULL, &cr);
    int cid = conn_id_of(cr);
    erplink_http_response_free(cr);
    erplink_http_client_free(c); /* must not touch the parent's connection */
    _exit(rc == 0 && cid > 0 && cid != parent_conn ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  /* the parent's connection is intact and still reused */
  CHECK_EQ_INT(req(c, "GET", U("/echo"), NULL, &resp), 0);
  CHECK_EQ_INT(conn_id_of(resp), parent_conn);
  erplink_http_response_free(resp);
  erplink_http_client_free(c);
}

/* ---------------------------------------------------------------- cancel, rate limit, pause */

typedef struct cancel_at {
  int64_t when;
} cancel_at;

static int cancel_cb(void *ud) { return erplink__now_mono_ms() >= ((cancel_at *)ud)->when; }

/* Cancellation through a token pushed on the calling thread. Each request would succeed (or be
 * retried) if the token did not fire, so the code and the server's hit counts prove it worked;
 * no wall-clock upper bound. */
static int send_cancelled(erplink_http_client *c, const char *url, int64_t after_ms) {
  cancel_at ca = {erplink__now_mono_ms() + after_ms};
  erplink_cancel *tok = NULL;
  erplink_http_request *r = NULL;
  if (erplink_cancel_new(&tok) || erplink_cancel_set_poll(tok, cancel_cb, &ca) || erplink_cancel_push(tok) ||
      erplink_http_request_new(&r, "GET", url))
    return 1;
  int rc = erplink_http_client_send(NULL, c, r);
  erplink_cancel_pop();
  CHECK(erplink_cancel_is_triggered(tok)); /* the poll function's verdict sticks */
  erplink_http_request_free(r);
  erplink_cancel_free(tok);
  return rc;
}

static void test_cancel(void) {
  erplink_http_client *c = mk(&(cfg){.max_attempts = 3, .max_retry_after_ms = 60000});
  /* during a stalled transfer (it would succeed after 5 s) */
  CHECK_EQ_INT(send_cancelled(c, U("/stall?ms=5000&key=cx1"), 300), ERPLINK_ECANCELLED);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_CANCELLED);
  CHECK_EQ_INT(hits("cx1"), 1);
  /* during a backoff wait (the retry would come after 20 s) */
  CHECK_EQ_INT(send_cancelled(c, U("/status/429?retry_after=20&key=cx2"), 300), ERPLINK_ECANCELLED);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "before a retry") != NULL);
  CHECK_EQ_INT(hits("cx2"), 1);
  /* during a pause: never sent */
  erplink_http_client_pause_ms(c, 10000);
  CHECK_EQ_INT(send_cancelled(c, U("/ok?key=cx3"), 200), ERPLINK_ECANCELLED);
  CHECK_EQ_INT(hits("cx3"), 0);
  /* a token fired before the call: nothing is sent */
  erplink_http_client_pause_ms(c, 0);
  erplink_cancel *tok = NULL;
  REQUIRE(erplink_cancel_new(&tok) == 0);
  erplink_cancel_trigger(tok);
  REQUIRE(erplink_cancel_push(tok) == 0);
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "GET", U("/ok?key=cx4"));
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), ERPLINK_ECANCELLED);
  erplink_cancel_pop();
  CHECK_EQ_INT(hits("cx4"), 0);
  /* popped: the same request goes through */
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), 0);
  CHECK_EQ_INT(hits("cx4"), 1);
  erplink_http_request_free(r);
  erplink_cancel_free(tok);
  erplink_http_client_free(c);
}

static void test_rate_limit(void) {
  erplink_http_client *c = mk(&(cfg){.rps = 10, .burst = 1});
  int64_t t0 = erplink__now_mono_ms();
  int ok = 0;
  for (int i = 0; i < 20; i++) ok += req(c, "GET", U("/ok"), NULL, NULL) == 0;
  int64_t el = erplink__now_mono_ms() - t0;
  CHECK_EQ_INT(ok, 20);
  CHECK(el >= 1850);
  erplink_http_client_free(c);
}

static void test_pause(void) {
  erplink_http_client *c = mk(NULL);
  CHECK_EQ_INT(erplink_http_client_pause_ms(c, 600), 0);
  CHECK_EQ_INT(erplink_http_client_pause_ms(c, 100), 0); /* does not shorten */
  CHECK(erplink_http_client_pause_remaining_ms(c) > 400);
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(req(c, "GET", U("/ok"), NULL, NULL), 0);
  int64_t el = erplink__now_mono_ms() - t0;
  CHECK(el >= 550);
  CHECK_EQ_INT(erplink_http_client_pause_remaining_ms(c), 0);
  erplink_http_client_free(c);
}

/* ---------------------------------------------------------------- log redaction */

static void test_log_redaction(void) {
  test_log lb = TEST_LOG_INIT;
  erplink_http_client *c = mk(&(cfg){.log = test_log_cb, .log_ud = &lb, .max_attempts = 2});
  char url[512];
  snprintf(url, sizeof url, "http://alice:URLPASSWORD@127.0.0.1:%d/echo?api_key=QUERYKEY&page=7", srv.port);
  erplink_http_request *r = NULL;
  REQUIRE(erplink_http_request_new(&r, "POST", url) == 0);
  erplink_http_request_add_header(r, "Authorization", "Bearer AUTHHEADERSECRET");
  erplink_http_request_add_header(r, "AuthorizationToken", "CARTONATOKEN");
  erplink_http_request_add_header(r, "Cookie", "sid=COOKIESECRET");
  erplink_http_request_add_header(r, "X-Visible", "visible-header-value");
  erplink_http_request_add_header(r, "Content-Type", "application/x-www-form-urlencoded");
  const char *form = "login=visible_login&password=FORMPASSWORD&client_secret=CLIENTSECRET&db=visible_db";
  erplink_http_request_set_body(r, form, strlen(form));
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(erplink_http_client_send(&resp, c, r), 0);
  /* the secrets did go over the wire (so their absence from the log means something) */
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "FORMPASSWORD"));
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "CARTONATOKEN"));
  erplink_http_response_free(resp);
  erplink_http_request_free(r);

  /* a JSON body with the value tree it came from */
  erplink_value *v = NULL;
  erplink_value_new_struct(&v);
  erplink_value_struct_set_string(v, "model", "visible.model");
  erplink_value *sec = NULL;
  erplink_value_new_secret(&sec, "TREESECRET");
  erplink_value_struct_set(v, "credential_blob", sec);
  erplink_value *sec2 = NULL;
  erplink_value_new_secret(&sec2, "TREESECRET2");
  erplink_value_struct_set(v, "innocent", sec2);
  const char *json = "{\"model\":\"visible.model\",\"credential_blob\":\"TREESECRET\",\"innocent\":\"TREESECRET2\"}";
  erplink_http_request_new(&r, "POST", U("/echo"));
  erplink_http_request_add_header(r, "Content-Type", "application/json");
  erplink_http_request_set_body(r, json, strlen(json));
  erplink_http_request_set_log_value(r, v);
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), 0);
  erplink_http_request_free(r);
  /* the same JSON body without a tree: only length and type */
  erplink_http_request_new(&r, "POST", U("/echo"));
  erplink_http_request_add_header(r, "Content-Type", "application/json");
  erplink_http_request_set_body(r, json, strlen(json));
  CHECK_EQ_INT(erplink_http_client_send(NULL, c, r), 0);
  erplink_http_request_free(r);
  erplink_value_free(v);
  /* a failure with retries (userinfo in the URL) */
  snprintf(url, sizeof url, "http://bob:FAILPASSWORD@127.0.0.1:%d/status/503?token=QTOKEN&key=lg1", srv.port);
  CHECK_EQ_INT(req(c, "GET", url, NULL, NULL), ERPLINK_EUNAVAILABLE);
  CHECK(strstr(last_msg(), "FAILPASSWORD") == NULL);
  CHECK(strstr(last_msg(), "QTOKEN") == NULL);
  erplink_http_client_free(c);

  const char *t = test_log_text(&lb);
  static const char *const secrets[] = {"URLPASSWORD",  "QUERYKEY",     "AUTHHEADERSECRET", "CARTONATOKEN",
                                        "COOKIESECRET", "FORMPASSWORD", "CLIENTSECRET",     "TREESECRET",
                                        "FAILPASSWORD", "QTOKEN",       "alice:",           "bob:"};
  for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
    if (strstr(t, secrets[i])) {
      fputs("# a secret leaked into the log: ", stdout);
      puts(secrets[i]);
    }
    CHECK(strstr(t, secrets[i]) == NULL);
  }
  static const char *const visible[] = {"visible-header-value",
                                        "visible_login",
                                        "visible_db",
                                        "page=7",
                                        "127.0.0.1",
                                        "visible.model",
                                        "api_key=<redacted>",
                                        "<redacted>",
                                        "POST",
                                        "-> 200",
                                        "retrying",
                                        "Authorization: <redacted>",
                                        "AuthorizationToken: <redacted>",
                                        "application/json"};
  for (size_t i = 0; i < sizeof visible / sizeof visible[0]; i++) {
    if (!strstr(t, visible[i])) {
      fputs("# expected in the log: ", stdout);
      puts(visible[i]);
    }
    CHECK(strstr(t, visible[i]) != NULL);
  }
  CHECK_EQ_INT(test_log_count(&lb, "retrying in"), 1); /* 2 attempts: one retry decision */
  CHECK(lb.lines[ERPLINK_LOG_TRACE] > 0);
  CHECK_EQ_INT(lb.lines[ERPLINK_LOG_INFO], 3); /* the three successes */
  CHECK(strstr(t, "-> 503 in") != NULL);       /* the HTTP error, at warn */
  CHECK_EQ_INT(lb.lines[ERPLINK_LOG_ERROR], 0);
  if (getenv("ERPLINK_TEST_SHOW_LOG")) printf("%s", t);
  test_log_free(&lb);
}

/* Attempts of a refused connection seen through the log (no server to count them). */
static void test_refused_attempts_logged(void) {
  test_log lb = TEST_LOG_INIT;
  erplink_http_client *c = mk(&(cfg){.log = test_log_cb, .log_ud = &lb, .max_attempts = 4});
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", test_unused_port());
  CHECK_EQ_INT(req(c, "POST", url, "a=1", NULL), ERPLINK_ECONNECT);
  const char *t = test_log_text(&lb);
  CHECK_EQ_INT(test_log_count(&lb, "starting"), 4);
  CHECK_EQ_INT(test_log_count(&lb, "never reached the server"), 3);
  CHECK(strstr(t, "request failed after 4 attempts") != NULL);
  CHECK_EQ_INT(lb.lines[ERPLINK_LOG_ERROR], 1);
  erplink_http_client_free(c);
  test_log_free(&lb);
}

/* A listener whose accept queue is full drops new SYNs: the connect times out, the request
 * was provably never sent, so even a POST is retried. */
static void test_connect_timeout(void) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(lfd >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof a;
  REQUIRE(bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 0) == 0 &&
          getsockname(lfd, (struct sockaddr *)&a, &alen) == 0);
  int fillers[8];
  for (int i = 0; i < 8; i++) {
    fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fillers[i] >= 0) connect(fillers[i], (struct sockaddr *)&a, sizeof a);
  }
  usleep(100000);
  test_log lb = TEST_LOG_INIT;
  erplink_http_options *o = NULL;
  erplink_http_options_new(&o);
  erplink_http_options_set_connect_timeout_ms(o, 300);
  erplink_http_options_set_max_attempts(o, 2);
  erplink_http_options_set_backoff_ms(o, 1, 5);
  erplink_http_options_set_log(o, ERPLINK_LOG_DEBUG, test_log_cb, &lb);
  erplink_http_client *c = NULL;
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(a.sin_port));
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(req(c, "POST", url, "x", NULL), ERPLINK_ETIMEOUT);
  int64_t el = erplink__now_mono_ms() - t0;
  CHECK(strstr(last_msg(), "connect timeout") != NULL);
  CHECK(el >= 550);
  CHECK_EQ_INT(test_log_count(&lb, "starting"), 2);
  erplink_http_client_free(c);
  test_log_free(&lb);
  for (int i = 0; i < 8; i++)
    if (fillers[i] >= 0) close(fillers[i]);
  close(lfd);
}

/* ---------------------------------------------------------------- TLS */

static void test_tls(void) {
  char dir[64];
  test_server tls;
  REQUIRE(test_tls_server_start(&tls, dir, sizeof dir) == 0);
  char ca[256], ok_url[256], localhost_url[256];
  snprintf(ca, sizeof ca, "%s/cert.pem", dir);
  snprintf(ok_url, sizeof ok_url, "https://127.0.0.1:%d/echo", tls.port);
  snprintf(localhost_url, sizeof localhost_url, "https://localhost:%d/echo", tls.port);

  test_log lb = TEST_LOG_INIT;
  erplink_http_options *o = NULL;
  erplink_http_options_new(&o);
  erplink_http_options_set_ca_file(o, ca);
  erplink_http_options_set_backoff_ms(o, 1, 5);
  erplink_http_options_set_pool_size(o, 1);
  erplink_http_client *c = NULL;
  erplink_http_client_new(&c, o);
  /* trusted through the CA file: works, and the connection is reused */
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(req(c, "GET", ok_url, NULL, &resp), 0);
  int id1 = conn_id_of(resp);
  erplink_http_response_free(resp);
  CHECK_EQ_INT(req(c, "POST", ok_url, "over tls", &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "over tls"));
  CHECK_EQ_INT(conn_id_of(resp), id1);
  erplink_http_response_free(resp);
  erplink_http_client_free(c);
  /* several threads over TLS: the share's TLS-session and DNS caches under contention */
  erplink_http_options_set_pool_size(o, 4);
  erplink_http_client_new(&c, o);
  {
    pthread_t t[4];
    thr_arg a[4];
    for (int i = 0; i < 4; i++) {
      a[i] = (thr_arg){c, ok_url, 0};
      pthread_create(&t[i], NULL, thr_main, &a[i]);
    }
    int total = 0;
    for (int i = 0; i < 4; i++) {
      pthread_join(t[i], NULL);
      total += a[i].ok;
    }
    CHECK_EQ_INT(total, 200);
  }
  /* the certificate does not name "localhost": rejected, and not retried */
  erplink_http_options_set_log(o, ERPLINK_LOG_DEBUG, test_log_cb, &lb);
  erplink_http_client_free(c);
  erplink_http_client_new(&c, o);
  CHECK_EQ_INT(req(c, "GET", localhost_url, NULL, NULL), ERPLINK_ETLS);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_TLS);
  CHECK(strstr(last_msg(), "localhost") != NULL);
  CHECK_EQ_INT(test_log_count(&lb, "starting"), 1);
  erplink_http_client_free(c);
  erplink_http_options_free(o);

  /* the system store does not trust the self-signed certificate: no silent "verify off" */
  c = mk(NULL);
  CHECK_EQ_INT(req(c, "GET", ok_url, NULL, NULL), ERPLINK_ETLS);
  erplink_http_client_free(c);
  /* an unreadable CA file is a TLS configuration error */
  erplink_http_options_new(&o);
  erplink_http_options_set_ca_file(o, "/nonexistent/ca.pem");
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  CHECK_EQ_INT(req(c, "GET", ok_url, NULL, NULL), ERPLINK_ETLS);
  erplink_http_client_free(c);
  /* https to a plain-HTTP server: the handshake fails before any request was sent, so even
   * a POST is retried, up to max_attempts */
  test_log_clear(&lb);
  c = mk(&(cfg){.max_attempts = 3, .log = test_log_cb, .log_ud = &lb});
  char plain[256];
  snprintf(plain, sizeof plain, "https://127.0.0.1:%d/echo", srv.port);
  CHECK_EQ_INT(req(c, "POST", plain, "x", NULL), ERPLINK_ETLS);
  CHECK_EQ_INT(test_log_count(&lb, "starting"), 3);
  erplink_http_client_free(c);
  test_log_free(&lb);

  test_tls_server_stop(&tls, dir);
}

/* ---------------------------------------------------------------- proxies */

static void test_proxy(void) {
  /* The fault server acts as a forward proxy: it answers absolute-form request targets.
   * A host under .invalid can only be reached through it. */
  const char *target = "http://erplink-proxy-test.invalid/echo";
  /* from the environment, as libcurl does by default */
  setenv("http_proxy", srv.base_url, 1);
  erplink_http_client *c = mk(&(cfg){.max_attempts = 1});
  erplink_http_response *resp = NULL;
  CHECK_EQ_INT(req(c, "GET", target, NULL, &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "erplink-proxy-test.invalid"));
  erplink_http_response_free(resp);
  erplink_http_client_free(c);
  unsetenv("http_proxy");
  /* explicit option */
  erplink_http_options *o = NULL;
  erplink_http_options_new(&o);
  erplink_http_options_set_proxy(o, srv.base_url);
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  CHECK_EQ_INT(req(c, "GET", target, NULL, &resp), 0);
  CHECK(resp && strstr(erplink_http_response_body(resp, NULL), "erplink-proxy-test.invalid"));
  erplink_http_response_free(resp);
  erplink_http_client_free(c);
}

int main(void) {
  /* tests talk to 127.0.0.1 directly, whatever proxy the environment names */
  static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  for (size_t i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++) unsetenv(proxy_vars[i]);
  if (test_server_start(&srv, "faultserver.py", NULL) != 0) {
    printf("Bail out! could not start faultserver.py\n");
    return 1;
  }
  RUN(test_ok_user_agent_methods);
  RUN(test_status_mapping);
  RUN(test_connection_refused);
  RUN(test_refused_attempts_logged);
  RUN(test_reset_mid_body);
  RUN(test_truncated);
  RUN(test_stall_timeout);
  RUN(test_low_speed);
  RUN(test_5xx_retries);
  RUN(test_retry_after);
  RUN(test_budget_exhaustion);
  RUN(test_html_and_size);
  RUN(test_sink);
  RUN(test_redirects);
  RUN(test_keepalive);
  RUN(test_threads);
  RUN(test_fork);
  RUN(test_cancel);
  RUN(test_rate_limit);
  RUN(test_pause);
  RUN(test_log_redaction);
  RUN(test_connect_timeout);
  RUN(test_tls);
  RUN(test_proxy);
  test_server_stop(&srv);
  return test_done();
}
