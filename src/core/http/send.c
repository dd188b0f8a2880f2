/* The synchronous send: attempts (each one or more hops when redirects are followed by hand,
 * so that credentials never follow a redirect to another origin), the retry decision shared
 * with batches, and the end-of-request bookkeeping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_impl.h"

void erplink__http_attempt_reset(erplink__attempt *a) {
  a->code = 0;
  a->http_status = 0;
  a->sent = false;
  a->permanent = false;
  a->retry_after_ms = -1;
}

/* Appends " (after N attempts)" to the thread's last error, keeping its other fields. */
static void error_note_attempts(int attempts) {
  const erplink_error *e = erplink_error_last();
  if (!e) return;
  const char *detail = erplink_error_detail(e);
  erplink__error_setx(erplink_error_code(e), erplink_error_http_status(e), erplink_error_remote_class(e), detail,
                      detail ? strlen(detail) : 0, erplink_error_retry_after_ms(e), "%s (after %d attempts)",
                      erplink_error_message(e), attempts);
}

/* The retry decision after failed attempt number @p attempt (the same rules for both paths):
 * returns true with *delay_ms when the request is to be tried again; false when the failure is
 * final (the last error then describes it, with the budget note when the budget is spent). */
bool erplink__http_retry_decide(erplink_http_client *c, const erplink_http_request *req, const char *safe_url,
                                bool idem, const erplink__attempt *a, int rc, int attempt, int64_t *delay_ms) {
  const erplink__logger *lg = &c->o.log;
  const char *why = NULL;
  erplink__retry_verdict v = erplink__retry_classify(a, idem, c->o.retry_all_5xx, c->o.max_retry_after_ms, &why);
  if (v == ERPLINK__RETRY_NO) return false;
  if (v == ERPLINK__RETRY_TOO_LONG) {
    erplink__logf(lg, ERPLINK_LOG_WARN,
                  "%s %s: not retrying: server asks to wait %lld ms, more than the maximum %lld ms", req->method,
                  safe_url, (long long)a->retry_after_ms, (long long)c->o.max_retry_after_ms);
    return false;
  }
  if (attempt >= c->o.max_attempts) {
    if (c->o.max_attempts > 1)
      erplink__logf(lg, ERPLINK_LOG_WARN, "%s %s: giving up after %d attempts", req->method, safe_url, attempt);
    return false;
  }
  if (!erplink__budget_try_retry(&c->budget, erplink__now_mono_ms())) {
    erplink__logf(lg, ERPLINK_LOG_WARN, "%s %s: not retrying (%s): the client's retry budget is exhausted", req->method,
                  safe_url, why);
    erplink__error_prefix("retry budget exhausted; last error: ");
    return false;
  }
  int64_t delay;
  if (a->retry_after_ms >= 0) {
    delay = a->retry_after_ms;
  } else {
    delay = erplink__http_client_backoff(c, attempt);
  }
  erplink__logf(lg, ERPLINK_LOG_WARN, "%s %s: attempt %d of %d failed (%s: %s); retrying in %lld ms", req->method,
                safe_url, attempt, c->o.max_attempts, erplink_strerror(rc), why, (long long)delay);
  *delay_ms = delay;
  return true;
}

/* The end of a request (both paths): attempts note, response statistics, the summary log line. */
void erplink__http_request_finish(const erplink_http_client *c, const erplink_http_request *req, const char *safe_url,
                                  erplink_http_response *resp, int rc, int attempt, int64_t t0, long connects) {
  const erplink__logger *lg = &c->o.log;
  int64_t total = erplink__now_mono_ms() - t0;
  if (rc && rc != ERPLINK_ECANCELLED && attempt > 1) error_note_attempts(attempt);
  if (resp) {
    resp->attempts = attempt;
    resp->total_ms = total;
    resp->connects = connects;
    /* a completed exchange: info for success, warn for an HTTP error status */
    erplink__logf(lg, rc == 0 ? ERPLINK_LOG_INFO : ERPLINK_LOG_WARN, "%s %s -> %d in %lld ms, %zu bytes, %d attempt%s",
                  req->method, safe_url, resp->status, (long long)total, resp->body_len, attempt,
                  attempt == 1 ? "" : "s");
  } else if (rc) {
    const erplink_error *e = erplink_error_last();
    erplink__logf(lg, ERPLINK_LOG_ERROR, "request failed after %d attempt%s in %lld ms: %s", attempt,
                  attempt == 1 ? "" : "s", (long long)total, e ? erplink_error_message(e) : erplink_strerror(rc));
  }
}

/* ---------------------------------------------------------------- synchronous send */

/* One attempt: one or more hops (redirects). Sets *a, the last error on failure, and *resp
 * when an HTTP exchange completed. */
static int do_attempt(erplink_http_client *c, const erplink_http_request *req, erplink_http_response **resp,
                      erplink__attempt *a, int attempt, long *connects) {
  *resp = NULL;
  erplink__http_attempt_reset(a);

  CURL *easy = NULL;
  unsigned gen = 0;
  erplink__share *share = NULL;
  int rc = erplink__http_pool_acquire(c, &easy, &gen, &share);
  if (rc) {
    a->code = rc;
    a->permanent = true;
    return rc;
  }
  char *url = strdup(req->url);
  if (!url) {
    erplink__http_pool_release(c, easy, gen, false);
    a->code = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    a->permanent = true;
    return a->code;
  }
  char origin0[512];
  erplink__http_url_origin(url, origin0, sizeof origin0);
  const char *method = req->method;
  bool with_body = req->body != NULL;
  bool cross_origin = false;
  int64_t timeout_ms = req->timeout_ms >= 0 ? req->timeout_ms : c->o.timeout_ms;

  for (int hop = 0;; hop++) {
    char *safe_url = erplink__http_redacted_url(c, url);
    if (!safe_url) {
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      a->permanent = true;
      break;
    }
    if (hop > 0 && req->sink_reset) req->sink_reset(req->sink_ud);
    erplink__logf(&c->o.log, ERPLINK_LOG_DEBUG, "%s %s: attempt %d%s starting", method, safe_url, attempt,
                  hop ? " (after a redirect)" : "");
    if (attempt == 1 && hop == 0) erplink__http_log_request(c, req, method, safe_url, false);

    erplink__xfer x;
    struct curl_slist *hl = NULL;
    rc = erplink__http_hop_prepare(&x, c, req, easy, method, cross_origin, &hl);
    if (rc) {
      free(safe_url);
      a->permanent = true;
      break;
    }
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    erplink__http_easy_setup(c, easy, share->sh, &x, url, method, with_body, hl, errbuf, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, 1L); /* one keep-alive connection per pooled handle */

    CURLcode cc = curl_easy_perform(easy);
    /* Drop every pointer into this stack frame before the header list is freed. */
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
    erplink__http_slist_free_wiped(hl);

    const char *nofollow = !c->o.follow                ? "not followed (redirects are disabled)"
                           : hop >= c->o.max_redirects ? "not followed (too many redirects)"
                                                       : NULL;
    char *next = NULL;
    int status = 0;
    rc = erplink__http_hop_finish(c, &x, cc, method, safe_url, url, errbuf, timeout_ms, nofollow, a, resp, &next,
                                  &status, connects);
    erplink__xfer_free(&x);
    if (!next) {
      free(safe_url);
      break;
    }
    char origin1[512];
    erplink__http_url_origin(next, origin1, sizeof origin1);
    if (strcmp(origin0, origin1) != 0) cross_origin = true; /* sticky for the following hops */
    if (status == 303 || ((status == 301 || status == 302) && !strcmp(method, "POST"))) {
      if (strcmp(method, "HEAD") != 0) method = "GET";
      with_body = false;
    }
    char *safe_next = erplink__http_redacted_url(c, next);
    erplink__logf(&c->o.log, ERPLINK_LOG_DEBUG, "%s %s: following HTTP %d redirect to %s%s", method, safe_url, status,
                  safe_next ? safe_next : "?", cross_origin ? " (other origin: credentials dropped)" : "");
    free(safe_next);
    free(safe_url);
    erplink__free_str(url, true);
    url = next;
  }
  a->code = rc;
  erplink__free_str(url, true);
  erplink__http_pool_release(c, easy, gen, false);
  return rc;
}

int erplink_http_client_send(erplink_http_response **out, erplink_http_client *c, const erplink_http_request *req) {
  if (out) *out = NULL;
  if (!c || !req) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_client_send: client or request is NULL");
  int64_t t0 = erplink__now_mono_ms();
  erplink__budget_on_request(&c->budget, t0);
  bool idem = erplink__http_request_idempotent(req);
  char *safe_url = erplink__http_redacted_url(c, req->url);
  if (!safe_url) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  const erplink__logger *lg = &c->o.log;

  erplink_http_response *resp = NULL;
  int rc = 0;
  int attempt = 0;
  long connects = 0;
  for (;;) {
    attempt++;
    erplink_http_response_free(resp); /* the previous attempt's answer */
    resp = NULL;
    if (attempt > 1 && req->sink_reset) req->sink_reset(req->sink_ud);
    if (erplink__cancel_requested()) {
      rc = erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled before it was sent", req->method, safe_url);
      break;
    }
    int64_t waited = 0;
    rc = erplink__ratelimit_acquire(&c->rl, NULL, NULL, &waited);
    if (rc) break;
    if (waited > 0)
      erplink__logf(lg, ERPLINK_LOG_DEBUG, "%s %s: waited %lld ms for the rate limiter", req->method, safe_url,
                    (long long)waited);
    erplink__attempt a;
    rc = do_attempt(c, req, &resp, &a, attempt, &connects);
    if (rc == 0) break;
    int64_t delay = 0;
    if (!erplink__http_retry_decide(c, req, safe_url, idem, &a, rc, attempt, &delay)) break;
    if (delay > 0 && erplink__sleep_ms(delay, NULL, NULL)) {
      erplink_http_response_free(resp);
      resp = NULL;
      rc = erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled while waiting %lld ms before a retry", req->method,
                               safe_url, (long long)delay);
      break;
    }
  }
  erplink__http_request_finish(c, req, safe_url, resp, rc, attempt, t0, connects);
  free(safe_url);
  if (out)
    *out = resp;
  else
    erplink_http_response_free(resp);
  return rc;
}
