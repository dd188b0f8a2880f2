/* Batches (erplink_http_batch_*, erplink_http_client_send_batch) against
 * tests/servers/faultserver.py (HTTP/1.1 on a loopback port): every request of a 50-request
 * batch succeeds over bounded parallel connections, a flaky request is retried alone with
 * exact attempt counts (counted server-side through /hits), failures are mapped as by the
 * synchronous path, redirects are not followed, requests can be added from the callback,
 * the token bucket spaces the attempts, cancellation and connection refusals. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "server.h"
#include "logcap.h"
#include "test.h"

static test_server srv;

#define U(...) test_server_url(&srv, __VA_ARGS__)

static erplink_http_client *mk(int max_attempts, double rps, erplink_log_fn log, void *log_ud) {
  erplink_http_options *o = NULL;
  if (erplink_http_options_new(&o) != 0) return NULL;
  erplink_http_options_set_backoff_ms(o, 1, 5);
  erplink_http_options_set_retry_seed(o, 7);
  erplink_http_options_set_connect_timeout_ms(o, 2000);
  erplink_http_options_set_timeout_ms(o, 10000);
  erplink_http_options_set_retry_budget(o, 1.0, 1000);
  erplink_http_options_set_max_attempts(o, max_attempts);
  erplink_http_options_set_follow_redirects(o, 1); /* batches ignore it: redirects are never followed */
  if (rps > 0) erplink_http_options_set_rate_limit(o, rps, 1);
  if (log) erplink_http_options_set_log(o, ERPLINK_LOG_DEBUG, log, log_ud);
  erplink_http_client *c = NULL;
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  return c;
}

static int counter(const char *what, const char *key) {
  erplink_http_client *c = mk(1, 0, NULL, NULL);
  erplink_http_request *r = NULL;
  erplink_http_response *resp = NULL;
  int n = -1;
  if (erplink_http_request_new(&r, "GET", U("/%s?key=%s", what, key)) == 0 &&
      erplink_http_client_send(&resp, c, r) == 0)
    n = atoi(erplink_http_response_body(resp, NULL));
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  erplink_http_client_free(c);
  return n;
}

static int hits(const char *key) { return counter("hits", key); }
static int max_in_flight(const char *key) { return counter("max_in_flight", key); }

#define N 50

typedef struct result {
  int done;
  int code[N + 8];
  erplink_http_response *resp[N + 8];
  size_t order[N + 8];
  char msg[N + 8][256];
} result;

static int collect(size_t tag, int code, erplink_http_response *resp, void *ud) {
  result *r = ud;
  if (tag >= N + 8) {
    erplink_http_response_free(resp);
    return ERPLINK_ERANGE;
  }
  r->order[r->done++] = tag;
  r->code[tag] = code;
  r->resp[tag] = resp;
  if (code) snprintf(r->msg[tag], sizeof r->msg[tag], "%s", erplink_error_message(erplink_error_last()));
  return 0;
}

static void result_free(result *r) {
  for (size_t i = 0; i < N + 8; i++) erplink_http_response_free(r->resp[i]);
}

/* 50 GETs, 8 in flight: all succeed, the flaky one is retried alone (3 attempts, counted by the
 * server), the others are tried once, over at most 8 HTTP/1.1 connections. */
static void test_batch_50(void) {
  erplink_http_client *c = mk(3, 0, NULL, NULL);
  REQUIRE(c);
  erplink_http_request *rq[N] = {0};
  for (int i = 0; i < N; i++) {
    const char *url = i == 17 ? U("/flaky?fail=2&key=bflaky") : U("/echo?key=bok&i=%d", i);
    REQUIRE(erplink_http_request_new(&rq[i], "GET", url) == 0);
  }
  erplink_http_batch *b = NULL;
  REQUIRE(erplink_http_batch_new(&b, c, 8) == 0);
  for (int i = 0; i < N; i++) CHECK_EQ_INT(erplink_http_batch_add(b, rq[i], (size_t)i), 0);
  result *r = calloc(1, sizeof *r);
  REQUIRE(r);
  CHECK_EQ_INT(erplink_http_batch_run(b, collect, r), 0);
  CHECK_EQ_INT(r->done, N);
  int ok = 0, conn_ids[N], nids = 0;
  for (int i = 0; i < N; i++) {
    if (r->code[i] == 0 && r->resp[i] && erplink_http_response_status(r->resp[i]) == 200) ok++;
    CHECK_EQ_INT(erplink_http_response_attempts(r->resp[i]), i == 17 ? 3 : 1);
    CHECK_EQ_INT(erplink_http_response_http_version(r->resp[i]), 11);
    const char *body = erplink_http_response_body(r->resp[i], NULL);
    const char *p = i == 17 || !body ? NULL : strstr(body, "\"conn_id\":");
    if (p) {
      int id = atoi(p + 10), seen = 0;
      for (int k = 0; k < nids; k++) seen |= conn_ids[k] == id;
      if (!seen) conn_ids[nids++] = id;
    }
  }
  CHECK_EQ_INT(ok, N);
  CHECK_EQ_INT(hits("bok"), N - 1);
  CHECK_EQ_INT(hits("bflaky"), 3); /* exactly max_attempts: the retried request alone */
  /* bounded: never more connections than requests in flight (the flaky 503s may close theirs) */
  CHECK(nids >= 1 && nids <= 8);
  int64_t conns = erplink_http_batch_connections(b);
  CHECK(conns >= 1 && conns <= 8 + 2);
  printf("# 50 requests: %d server connections seen, %lld opened\n", nids, (long long)conns);
  result_free(r);
  free(r);
  erplink_http_batch_free(b);
  for (int i = 0; i < N; i++) erplink_http_request_free(rq[i]);
  erplink_http_client_free(c);
}

/* Parallel but bounded: 12 requests that each take 300 ms, 4 in flight -> about 3 rounds. */
static void test_bounded_parallel(void) {
  erplink_http_client *c = mk(1, 0, NULL, NULL);
  erplink_http_request *rq[12] = {0};
  for (int i = 0; i < 12; i++) REQUIRE(erplink_http_request_new(&rq[i], "GET", U("/stall?ms=300&key=bp&i=%d", i)) == 0);
  int codes[12];
  erplink_http_response *outs[12];
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(erplink_http_client_send_batch(outs, codes, c, rq, 12, 4), 0);
  int64_t el = erplink__now_mono_ms() - t0;
  printf("# 12 x 300 ms with 4 in flight: %lld ms\n", (long long)el);
  CHECK(el >= 850); /* never more than 4 at once: 3 rounds */
  int most = max_in_flight("bp");
  printf("# at most %d handled at once by the server\n", most);
  CHECK(most >= 2 && most <= 4); /* in parallel, and bounded (seen by the server) */
  for (int i = 0; i < 12; i++) {
    CHECK_EQ_INT(codes[i], 0);
    erplink_http_response_free(outs[i]);
    erplink_http_request_free(rq[i]);
  }
  erplink_http_client_free(c);
}

/* Error mapping, no redirects, refusals, and the convenience call's summary error. */
static void test_failures(void) {
  erplink_http_client *c = mk(3, 0, NULL, NULL);
  char refused[128];
  snprintf(refused, sizeof refused, "http://127.0.0.1:%d/x", test_unused_port());
  const char *urls[] = {
      U("/status/500?key=b500"), U("/status/404?key=b404"), U("/redirect?to=%s", U("/ok")), refused, U("/ok"),
      U("/status/503?key=b503")};
  enum { K = 6 };
  erplink_http_request *rq[K] = {0};
  for (int i = 0; i < K; i++) REQUIRE(erplink_http_request_new(&rq[i], i == K - 1 ? "POST" : "GET", urls[i]) == 0);
  int codes[K];
  erplink_http_response *outs[K];
  int rc = erplink_http_client_send_batch(outs, codes, c, rq, K, 3);
  CHECK_EQ_INT(rc, ERPLINK_ESERVER); /* the lowest failing index */
  CHECK(strstr(erplink_error_message(erplink_error_last()), "5 of 6 requests failed") != NULL);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "request 0") != NULL);
  CHECK_EQ_INT(codes[0], ERPLINK_ESERVER);
  CHECK_EQ_INT(erplink_http_response_attempts(outs[0]), 1);
  CHECK_EQ_INT(codes[1], ERPLINK_ENOTFOUND);
  CHECK_EQ_INT(codes[2], ERPLINK_EREDIRECT);
  CHECK(outs[2] && erplink_http_response_status(outs[2]) == 302);
  CHECK_EQ_INT(codes[3], ERPLINK_ECONNECT);
  CHECK(outs[3] == NULL);
  CHECK_EQ_INT(codes[4], 0);
  CHECK_EQ_INT(codes[5], ERPLINK_EUNAVAILABLE);
  CHECK_EQ_INT(hits("b500"), 1);
  CHECK_EQ_INT(hits("b404"), 1);
  CHECK_EQ_INT(hits("b503"), 1); /* a POST is not retried on 503 without Retry-After */
  for (int i = 0; i < K; i++) {
    erplink_http_response_free(outs[i]);
    erplink_http_request_free(rq[i]);
  }
  erplink_http_client_free(c);
}

/* The summary names the lowest failing index even when a later request fails first (the
 * first failure's saved error must not overwrite the one being reported). */
static void test_failure_order(void) {
  erplink_http_client *c = mk(1, 0, NULL, NULL);
  erplink_http_request *rq[2] = {0};
  REQUIRE(erplink_http_request_new(&rq[0], "GET", U("/status/500?delay_ms=300&key=fo0")) == 0);
  REQUIRE(erplink_http_request_new(&rq[1], "GET", U("/status/404?key=fo1")) == 0);
  int codes[2];
  CHECK_EQ_INT(erplink_http_client_send_batch(NULL, codes, c, rq, 2, 2), ERPLINK_ESERVER);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "request 0: ") != NULL);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "2 of 2 requests failed") != NULL);
  CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 500);
  CHECK_EQ_INT(codes[1], ERPLINK_ENOTFOUND);
  erplink_http_request_free(rq[0]);
  erplink_http_request_free(rq[1]);
  erplink_http_client_free(c);
}

/* The callback keeps a window: each finished request adds the next one. */
typedef struct chain {
  erplink_http_batch *b;
  erplink_http_request **rq;
  size_t n, next, done;
  int in_flight_max;
  int failures;
} chain;

static int chain_done(size_t tag, int code, erplink_http_response *resp, void *ud) {
  chain *ch = ud;
  erplink_http_response_free(resp);
  ch->done++;
  if (code) ch->failures++;
  if (ch->next < ch->n) {
    int rc = erplink_http_batch_add(ch->b, ch->rq[ch->next], ch->next);
    ch->next++;
    if (rc) return rc;
  }
  return tag == 1000 ? 1 : 0;
}

static void test_add_from_callback(void) {
  erplink_http_client *c = mk(2, 0, NULL, NULL);
  enum { K = 20 };
  erplink_http_request *rq[K] = {0};
  for (int i = 0; i < K; i++) REQUIRE(erplink_http_request_new(&rq[i], "GET", U("/ok?key=bchain")) == 0);
  erplink_http_batch *b = NULL;
  REQUIRE(erplink_http_batch_new(&b, c, 3) == 0);
  chain ch = {b, rq, K, 3, 0, 0, 0};
  for (size_t i = 0; i < 3; i++) erplink_http_batch_add(b, rq[i], i);
  CHECK_EQ_INT(erplink_http_batch_run(b, chain_done, &ch), 0);
  CHECK_EQ_INT((int)ch.done, K);
  CHECK_EQ_INT(ch.failures, 0);
  CHECK_EQ_INT(hits("bchain"), K);
  /* a callback verdict stops the run; the batch is reusable */
  erplink_http_batch_add(b, rq[0], 1000);
  erplink_http_batch_add(b, rq[1], 1001);
  ch.next = K;
  erplink_http_batch *bb = b;
  CHECK_EQ_INT(erplink_http_batch_run(bb, chain_done, &ch), 1);
  CHECK_EQ_INT(erplink_http_batch_run(NULL, chain_done, &ch), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_batch_add(b, NULL, 0), ERPLINK_EINVAL);
  erplink_http_batch *bad = NULL;
  CHECK_EQ_INT(erplink_http_batch_new(&bad, c, 0), ERPLINK_EINVAL);
  CHECK(bad == NULL);
  erplink_http_batch_free(NULL);
  erplink_http_batch_free(b);
  for (int i = 0; i < K; i++) erplink_http_request_free(rq[i]);
  erplink_http_client_free(c);
}

/* The token bucket is consulted before every attempt: 10 requests at 20/s take >= 400 ms. */
static void test_rate_limit(void) {
  erplink_http_client *c = mk(1, 20.0, NULL, NULL);
  enum { K = 10 };
  erplink_http_request *rq[K] = {0};
  for (int i = 0; i < K; i++) REQUIRE(erplink_http_request_new(&rq[i], "GET", U("/ok")) == 0);
  int64_t t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(erplink_http_client_send_batch(NULL, NULL, c, rq, K, 10), 0);
  int64_t el = erplink__now_mono_ms() - t0;
  printf("# 10 requests at 20/s: %lld ms\n", (long long)el);
  CHECK(el >= 400);
  /* a pause holds the batch too */
  erplink_http_client_pause_ms(c, 300);
  t0 = erplink__now_mono_ms();
  CHECK_EQ_INT(erplink_http_client_send_batch(NULL, NULL, c, rq, 1, 1), 0);
  CHECK(erplink__now_mono_ms() - t0 >= 280);
  for (int i = 0; i < K; i++) erplink_http_request_free(rq[i]);
  erplink_http_client_free(c);
}

/* Pull-style: the quick request comes out first; then a token fired on this thread cancels the
 * stalled one (which would succeed after 5 s), and the batch is empty. */
static void test_next_and_cancel(void) {
  erplink_http_client *c = mk(3, 0, NULL, NULL);
  erplink_http_request *rq[2] = {0};
  REQUIRE(erplink_http_request_new(&rq[0], "GET", U("/stall?ms=5000&phase=body")) == 0);
  REQUIRE(erplink_http_request_new(&rq[1], "GET", U("/ok")) == 0);
  erplink_http_batch *b = NULL;
  REQUIRE(erplink_http_batch_new(&b, c, 2) == 0);
  CHECK_EQ_INT(erplink_http_batch_add(b, rq[0], 10), 0);
  CHECK_EQ_INT(erplink_http_batch_add(b, rq[1], 11), 0);
  erplink_http_batch_item *it = NULL;
  CHECK_EQ_INT(erplink_http_batch_next(&it, b), 0);
  REQUIRE(it != NULL);
  CHECK_EQ_INT(erplink_http_batch_item_tag(it), 11);
  CHECK_EQ_INT(erplink_http_batch_item_code(it), 0);
  CHECK(erplink_http_batch_item_error(it) == NULL);
  CHECK_EQ_INT(erplink_http_response_status(erplink_http_batch_item_response(it)), 200);
  erplink_http_response *resp = erplink_http_batch_item_take_response(it);
  CHECK(resp != NULL && erplink_http_batch_item_response(it) == NULL);
  erplink_http_response_free(resp);
  erplink_http_batch_item_free(it);
  erplink_cancel *tok = NULL;
  REQUIRE(erplink_cancel_new(&tok) == 0);
  erplink_cancel_trigger(tok);
  REQUIRE(erplink_cancel_push(tok) == 0);
  CHECK_EQ_INT(erplink_http_batch_next(&it, b), 0);
  erplink_cancel_pop();
  REQUIRE(it != NULL);
  CHECK_EQ_INT(erplink_http_batch_item_tag(it), 10);
  CHECK_EQ_INT(erplink_http_batch_item_code(it), ERPLINK_ECANCELLED);
  CHECK_EQ_INT(erplink_error_code(erplink_http_batch_item_error(it)), ERPLINK_ECANCELLED);
  CHECK(strstr(erplink_error_message(erplink_http_batch_item_error(it)), "cancelled") != NULL);
  erplink_http_batch_item_free(it);
  CHECK_EQ_INT(erplink_http_batch_next(&it, b), 0);
  CHECK(it == NULL);
  /* the batch is reusable, and requests added between two calls join */
  CHECK_EQ_INT(erplink_http_batch_add(b, rq[1], 12), 0);
  CHECK_EQ_INT(erplink_http_batch_next(&it, b), 0);
  CHECK(it && erplink_http_batch_item_tag(it) == 12 && erplink_http_batch_item_code(it) == 0);
  erplink_http_batch_item_free(it);
  CHECK_EQ_INT(erplink_http_batch_next(NULL, b), ERPLINK_EINVAL);
  erplink_http_batch_free(b);
  erplink_cancel_free(tok);
  erplink_http_request_free(rq[0]);
  erplink_http_request_free(rq[1]);
  erplink_http_client_free(c);
}

/* A refused connection is retried like a synchronous send (attempts seen in the log). */
static void test_refused_attempts(void) {
  test_log lb = TEST_LOG_INIT;
  erplink_http_client *c = mk(4, 0, test_log_cb, &lb);
  char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", test_unused_port());
  erplink_http_request *rq = NULL;
  REQUIRE(erplink_http_request_new(&rq, "GET", url) == 0);
  int code = 0;
  CHECK_EQ_INT(erplink_http_client_send_batch(NULL, &code, c, &rq, 1, 1), ERPLINK_ECONNECT);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "(after 4 attempts)") != NULL);
  const char *t = test_log_text(&lb);
  CHECK_EQ_INT(test_log_count(&lb, "starting"), 4);
  CHECK_EQ_INT(test_log_count(&lb, "retrying in"), 3);
  CHECK(strstr(t, "request failed after 4 attempts") != NULL);
  erplink_http_request_free(rq);
  erplink_http_client_free(c);
  test_log_free(&lb);
}

int main(void) {
  static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  for (size_t i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++) unsetenv(proxy_vars[i]);
  if (test_server_start(&srv, "faultserver.py", NULL) != 0) {
    printf("Bail out! could not start faultserver.py\n");
    return 1;
  }
  RUN(test_batch_50);
  RUN(test_bounded_parallel);
  RUN(test_failures);
  RUN(test_failure_order);
  RUN(test_add_from_callback);
  RUN(test_rate_limit);
  RUN(test_next_and_cancel);
  RUN(test_refused_attempts);
  test_server_stop(&srv);
  return test_done();
}
