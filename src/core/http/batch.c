/* HTTP batches: many requests on one curl_multi handle, on the calling thread.
 *
 * Every transfer of a batch runs on the calling thread through one multi handle with
 * CURLPIPE_MULTIPLEX and CURLOPT_PIPEWAIT: over TLS with a server that offers h2 through ALPN,
 * the transfers share one connection as HTTP/2 streams; otherwise (HTTP/1.1) up to
 * max_in_flight connections run in parallel. Multi handles (and thus their connection caches)
 * are pooled by the client so that consecutive batches reuse their connections. A transfer is
 * configured by erplink__http_easy_setup() and classified by erplink__http_hop_finish() like a
 * synchronous send, and the retry decision is erplink__http_retry_decide(): a failed attempt is
 * scheduled again after its delay while the other transfers continue. The token bucket and the
 * pause are consulted (without blocking) before every attempt.
 *
 * The engine is pull-style: erplink_http_batch_next() drives the multi handle until a request is
 * over and hands it out as an item; erplink_http_batch_run() is a loop over it. Completed items
 * wait in a FIFO until taken, so that a caller may add requests between two calls (a pager
 * keeping N pages in flight). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_impl.h"

#define BATCH_POLL_MS 50

typedef struct bx {
  const erplink_http_request *req;
  size_t tag;
  char *safe_url;
  bool idem;
  int attempt;
  int64_t t0;
  int64_t start_at;   /* monotonic ms before which the next attempt must not start */
  int64_t retry_wait; /* the delay being waited for (for the cancellation message); -1 = first attempt */
  bool token;         /* a rate-limit token is reserved for the next attempt */
  long connects;
  int64_t timeout_ms;
  CURL *easy;
  struct curl_slist *hl;
  erplink__xfer x;
  char errbuf[CURL_ERROR_SIZE];
} bx;

struct erplink_http_batch {
  erplink_http_client *c;
  CURLM *multi;
  unsigned gen;
  pid_t pid;
  erplink__share *share;
  int max_in_flight;
  bx **pending; /* FIFO of transfers waiting for their (next) attempt */
  size_t n_pending, cap_pending;
  bx **running;
  size_t n_running;
  CURL **spare;
  size_t n_spare;
  int64_t connects;
  bool in_next;
  bool in_run;
  erplink_http_batch_item **done; /* FIFO of completed requests not yet handed out */
  size_t done_head, n_done, cap_done;
};

struct erplink_http_batch_item {
  size_t tag;
  int code;
  erplink_error *error; /* NULL on success */
  erplink_http_response *resp;
};

int erplink_http_batch_new(erplink_http_batch **out, erplink_http_client *c, int max_in_flight) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_new: out is NULL");
  *out = NULL;
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_new: client is NULL");
  if (max_in_flight < 1 || max_in_flight > 1024)
    return erplink__error_setf(ERPLINK_EINVAL, "max_in_flight must be between 1 and 1024");
  erplink_http_batch *b = calloc(1, sizeof *b);
  if (!b) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  b->running = calloc((size_t)max_in_flight, sizeof *b->running);
  b->spare = calloc((size_t)max_in_flight, sizeof *b->spare);
  b->multi = b->running && b->spare ? erplink__http_multi_acquire(c, &b->gen, &b->share) : NULL;
  if (!b->multi) {
    free(b->running);
    free(b->spare);
    free(b);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory creating an HTTP batch");
  }
  b->c = c;
  b->pid = getpid();
  b->max_in_flight = max_in_flight;
  curl_multi_setopt(b->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
  curl_multi_setopt(b->multi, CURLMOPT_MAXCONNECTS, (long)max_in_flight);
  *out = b;
  return 0;
}

static void bx_free(bx *t) {
  if (!t) return;
  free(t->safe_url);
  free(t);
}

/* Detaches a running transfer's easy handle from the multi and keeps it for reuse. */
static void bx_detach(erplink_http_batch *b, bx *t) {
  if (!t->easy) return;
  curl_multi_remove_handle(b->multi, t->easy);
  curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, NULL);
  curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, NULL);
  erplink__http_slist_free_wiped(t->hl);
  t->hl = NULL;
  curl_easy_reset(t->easy);
  if (b->n_spare < (size_t)b->max_in_flight)
    b->spare[b->n_spare++] = t->easy;
  else
    curl_easy_cleanup(t->easy);
  t->easy = NULL;
}

void erplink_http_batch_item_free(erplink_http_batch_item *it) {
  if (!it) return;
  erplink_error_free(it->error);
  erplink_http_response_free(it->resp);
  free(it);
}

size_t erplink_http_batch_item_tag(const erplink_http_batch_item *it) { return it ? it->tag : 0; }
int erplink_http_batch_item_code(const erplink_http_batch_item *it) { return it ? it->code : ERPLINK_EINVAL; }
const erplink_error *erplink_http_batch_item_error(const erplink_http_batch_item *it) { return it ? it->error : NULL; }
const erplink_http_response *erplink_http_batch_item_response(const erplink_http_batch_item *it) {
  return it ? it->resp : NULL;
}
erplink_http_response *erplink_http_batch_item_take_response(erplink_http_batch_item *it) {
  if (!it) return NULL;
  erplink_http_response *r = it->resp;
  it->resp = NULL;
  return r;
}

static void batch_drop_all(erplink_http_batch *b) {
  for (size_t i = 0; i < b->n_running; i++) {
    bx_detach(b, b->running[i]);
    erplink__xfer_free(&b->running[i]->x);
    bx_free(b->running[i]);
  }
  b->n_running = 0;
  for (size_t i = 0; i < b->n_pending; i++) {
    if (b->pending[i]->token) erplink__ratelimit_refund(&b->c->rl);
    bx_free(b->pending[i]);
  }
  b->n_pending = 0;
  for (size_t i = 0; i < b->n_done; i++) erplink_http_batch_item_free(b->done[(b->done_head + i) % b->cap_done]);
  b->n_done = b->done_head = 0;
}

void erplink_http_batch_free(erplink_http_batch *b) {
  if (!b) return;
  if (b->pid == getpid()) {
    batch_drop_all(b);
    for (size_t i = 0; i < b->n_spare; i++) curl_easy_cleanup(b->spare[i]);
    erplink__http_multi_release(b->c, b->multi, b->gen);
  } /* else: a child after fork(): the handles belong to the parent's connections (leaked) */
  free(b->pending);
  free(b->running);
  free(b->spare);
  free(b->done);
  free(b);
}

static int pending_push(erplink_http_batch *b, bx *t) {
  if (b->n_pending == b->cap_pending) {
    size_t ncap = b->cap_pending ? b->cap_pending * 2 : 16;
    bx **np = realloc(b->pending, ncap * sizeof *np);
    if (!np) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    b->pending = np;
    b->cap_pending = ncap;
  }
  b->pending[b->n_pending++] = t;
  return 0;
}

int erplink_http_batch_add(erplink_http_batch *b, const erplink_http_request *req, size_t tag) {
  if (!b || !req) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_add: batch or request is NULL");
  bx *t = calloc(1, sizeof *t);
  if (!t || !(t->safe_url = erplink__http_redacted_url(b->c, req->url))) {
    free(t);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  t->req = req;
  t->tag = tag;
  t->idem = erplink__http_request_idempotent(req);
  t->t0 = erplink__now_mono_ms();
  t->start_at = t->t0;
  t->retry_wait = -1;
  t->timeout_ms = req->timeout_ms >= 0 ? req->timeout_ms : b->c->o.timeout_ms;
  int rc = pending_push(b, t);
  if (rc) {
    bx_free(t);
    return rc;
  }
  erplink__budget_on_request(&b->c->budget, t->t0);
  return 0;
}

int64_t erplink_http_batch_connections(const erplink_http_batch *b) { return b ? b->connects : 0; }

/* Queues a completed item (ring buffer). */
static int done_push(erplink_http_batch *b, erplink_http_batch_item *it) {
  if (b->n_done == b->cap_done) {
    size_t ncap = b->cap_done ? b->cap_done * 2 : 16;
    erplink_http_batch_item **nd = malloc(ncap * sizeof *nd);
    if (!nd) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    for (size_t i = 0; i < b->n_done; i++) nd[i] = b->done[(b->done_head + i) % b->cap_done];
    free(b->done);
    b->done = nd;
    b->done_head = 0;
    b->cap_done = ncap;
  }
  b->done[(b->done_head + b->n_done) % b->cap_done] = it;
  b->n_done++;
  return 0;
}

/* A request is over: statistics, logs, and its item (which takes resp and, on failure, the
 * thread's last error). Returns 0, or ERPLINK_ENOMEM when the item could not be made (the
 * batch then fails as a whole). */
static int bx_complete(erplink_http_batch *b, bx *t, int rc, erplink_http_response *resp) {
  erplink__http_request_finish(b->c, t->req, t->safe_url, resp, rc, t->attempt, t->t0, t->connects);
  b->connects += t->connects;
  erplink_http_batch_item *it = calloc(1, sizeof *it);
  if (it && rc) it->error = erplink__error_take_last(rc);
  if (!it || (rc && !it->error)) {
    free(it);
    erplink_http_response_free(resp);
    bx_free(t);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory recording a finished request");
  }
  it->tag = t->tag;
  it->code = rc;
  it->resp = resp;
  bx_free(t);
  int prc = done_push(b, it);
  if (prc) erplink_http_batch_item_free(it);
  return prc;
}

/* Starts the next attempt of t. Returns 0 when it runs, otherwise the (final) error code with the
 * last error set (t is then still owned by the caller). */
static int bx_start(erplink_http_batch *b, bx *t) {
  erplink_http_client *c = b->c;
  const erplink_http_request *req = t->req;
  t->attempt++;
  t->token = false;
  if (t->attempt > 1 && req->sink_reset) req->sink_reset(req->sink_ud);
  erplink__logf(&c->o.log, ERPLINK_LOG_DEBUG, "%s %s: attempt %d starting", req->method, t->safe_url, t->attempt);
  if (t->attempt == 1) erplink__http_log_request(c, req, req->method, t->safe_url, false);
  CURL *easy = b->n_spare ? b->spare[--b->n_spare] : curl_easy_init();
  if (!easy) return erplink__error_setf(ERPLINK_ENOMEM, "could not create a libcurl handle");
  int rc = erplink__http_hop_prepare(&t->x, c, req, easy, req->method, false, &t->hl);
  if (rc) {
    b->spare[b->n_spare++] = easy;
    return rc;
  }
  t->errbuf[0] = '\0';
  erplink__http_easy_setup(c, easy, b->share->sh, &t->x, req->url, req->method, req->body != NULL, t->hl, t->errbuf,
                           t->timeout_ms);
  /* Over https, wait for a connection that may multiplex (HTTP/2 through ALPN) rather than open
   * one per transfer. Plain http never multiplexes (HTTP/2 is only negotiated over TLS), and
   * waiting there would hold every transfer of the first round behind the first connection. */
  if (erplink__http_starts_with_ci(req->url, "https://")) curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)t);
  t->easy = easy;
  CURLMcode mc = curl_multi_add_handle(b->multi, easy);
  if (mc != CURLM_OK) {
    t->easy = NULL;
    erplink__http_slist_free_wiped(t->hl);
    t->hl = NULL;
    curl_easy_cleanup(easy);
    erplink__xfer_free(&t->x);
    return erplink__error_setf(ERPLINK_ENOMEM, "%s %s: could not start the transfer (%s)", req->method, t->safe_url,
                               curl_multi_strerror(mc));
  }
  b->running[b->n_running++] = t;
  return 0;
}

/* Starts what may start now. *wake gets the earliest time at which a waiting transfer becomes
 * due. Returns 0 or a batch-level error. */
static int batch_start_due(erplink_http_batch *b, bool cancelled, int64_t *wake) {
  erplink_http_client *c = b->c;
  size_t i = 0;
  while (i < b->n_pending) {
    bx *t = b->pending[i];
    int64_t now = erplink__now_mono_ms();
    if (cancelled) {
      memmove(&b->pending[i], &b->pending[i + 1], (b->n_pending - i - 1) * sizeof *b->pending);
      b->n_pending--;
      if (t->token) erplink__ratelimit_refund(&c->rl);
      int rc = t->retry_wait >= 0
                   ? erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled while waiting %lld ms before a retry",
                                         t->req->method, t->safe_url, (long long)t->retry_wait)
                   : erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled before it was sent", t->req->method,
                                         t->safe_url);
      int v = bx_complete(b, t, rc, NULL);
      if (v) return v;
      continue;
    }
    if (b->n_running >= (size_t)b->max_in_flight) break;
    if (t->start_at > now) { /* waiting for a retry delay or a token: later ones may go first */
      if (t->start_at < *wake) *wake = t->start_at;
      i++;
      continue;
    }
    if (!t->token) {
      int64_t pause = erplink__ratelimit_pause_left(&c->rl, now);
      if (pause > 0) { /* a pause holds every request */
        if (now + pause < *wake) *wake = now + pause;
        break;
      }
      int64_t wait = erplink__ratelimit_reserve(&c->rl, now);
      t->token = true;
      if (wait > 0) {
        erplink__logf(&c->o.log, ERPLINK_LOG_DEBUG, "%s %s: waiting %lld ms for the rate limiter", t->req->method,
                      t->safe_url, (long long)wait);
        t->start_at = now + wait;
        if (t->start_at < *wake) *wake = t->start_at;
        i++;
        continue;
      }
    }
    memmove(&b->pending[i], &b->pending[i + 1], (b->n_pending - i - 1) * sizeof *b->pending);
    b->n_pending--;
    int rc = bx_start(b, t);
    if (rc) {
      int v = bx_complete(b, t, rc, NULL);
      if (v) return v;
    }
  }
  return 0;
}

/* A transfer of the multi finished: classify, retry or complete. */
static int batch_on_done(erplink_http_batch *b, bx *t, CURLcode cc) {
  for (size_t i = 0; i < b->n_running; i++)
    if (b->running[i] == t) {
      b->running[i] = b->running[--b->n_running];
      break;
    }
  erplink__attempt a;
  erplink__http_attempt_reset(&a);
  erplink_http_response *resp = NULL;
  int status = 0;
  curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, NULL); /* errbuf is read below, from t */
  int rc = erplink__http_hop_finish(b->c, &t->x, cc, t->req->method, t->safe_url, t->req->url, t->errbuf, t->timeout_ms,
                                    "not followed (a batch does not follow redirects)", &a, &resp, NULL, &status,
                                    &t->connects);
  erplink__xfer_free(&t->x);
  bx_detach(b, t);
  int64_t delay = 0;
  if (rc != 0 && erplink__http_retry_decide(b->c, t->req, t->safe_url, t->idem, &a, rc, t->attempt, &delay)) {
    erplink_http_response_free(resp);
    t->start_at = erplink__now_mono_ms() + delay;
    t->retry_wait = delay;
    int prc = pending_push(b, t);
    if (prc == 0) return 0;
    rc = prc;
    resp = NULL;
  }
  return bx_complete(b, t, rc, resp);
}

/* Drives the multi handle until at least one request is over (or none is left). Returns 0 or
 * a batch-level error (ENOMEM, a libcurl multi failure). */
static int batch_step(erplink_http_batch *b) {
  while (!b->n_done && (b->n_pending || b->n_running)) {
    int64_t wake = INT64_MAX;
    int rc = batch_start_due(b, erplink__cancel_requested(), &wake);
    if (rc) return rc;
    if (b->n_done) break;
    int still = 0;
    CURLMcode mc = curl_multi_perform(b->multi, &still);
    if (mc != CURLM_OK)
      return erplink__error_setf(ERPLINK_ENETWORK, "HTTP batch: libcurl multi error: %s", curl_multi_strerror(mc));
    CURLMsg *msg;
    int left = 0;
    while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
      if (msg->msg != CURLMSG_DONE) continue;
      char *p = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
      rc = batch_on_done(b, (bx *)(void *)p, msg->data.result);
      if (rc) return rc;
    }
    if (b->n_done || (!b->n_running && !b->n_pending)) break;
    int64_t now = erplink__now_mono_ms();
    int64_t t = BATCH_POLL_MS;
    if (wake != INT64_MAX && wake - now < t) t = wake - now > 0 ? wake - now : 0;
    if (t > 0) {
      mc = curl_multi_poll(b->multi, NULL, 0, (int)t, NULL);
      if (mc != CURLM_OK)
        return erplink__error_setf(ERPLINK_ENETWORK, "HTTP batch: libcurl multi error: %s", curl_multi_strerror(mc));
    }
  }
  return 0;
}

int erplink_http_batch_next(erplink_http_batch_item **out, erplink_http_batch *b) {
  if (out) *out = NULL;
  if (!out || !b) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_next: NULL argument");
  if (b->in_next) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_next: the batch is already running");
  if (b->pid != getpid())
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_next: the batch was created in another process");
  b->in_next = true;
  int rc = batch_step(b);
  b->in_next = false;
  if (rc) {
    erplink__error_saved *sv = erplink__error_save();
    batch_drop_all(b);
    erplink__error_restore(sv);
    return rc;
  }
  if (b->n_done) {
    *out = b->done[b->done_head];
    b->done_head = (b->done_head + 1) % b->cap_done;
    b->n_done--;
  }
  return 0;
}

int erplink_http_batch_run(erplink_http_batch *b, erplink_http_batch_done_fn on_done, void *userdata) {
  if (!b || !on_done) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_run: batch or callback is NULL");
  if (b->in_run) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_run: the batch is already running");
  b->in_run = true;
  int rc = 0;
  for (;;) {
    erplink_http_batch_item *it = NULL;
    rc = erplink_http_batch_next(&it, b);
    if (rc || !it) break;
    if (it->error) erplink__error_set_from(it->error);
    int verdict = on_done(it->tag, it->code, erplink_http_batch_item_take_response(it), userdata);
    erplink_http_batch_item_free(it);
    if (verdict) {
      erplink__error_saved *sv = erplink__error_save();
      batch_drop_all(b);
      erplink__error_restore(sv);
      rc = verdict;
      break;
    }
  }
  b->in_run = false;
  return rc;
}

typedef struct send_batch_ctx {
  erplink_http_response **outs;
  int *codes;
  int failures;
  size_t first; /* index of the first failed request */
  int first_rc;
  erplink__error_saved *first_err;
} send_batch_ctx;

/* Frees a saved error without disturbing the thread's current one (which is about to be
 * reported: restoring the saved error into the thread's slot first would overwrite it). */
static void saved_drop(erplink__error_saved *sv) {
  if (!sv) return;
  erplink__error_saved *cur = erplink__error_save();
  erplink__error_restore(sv);
  erplink_error_clear();
  erplink__error_restore(cur);
}

static int send_batch_done(size_t i, int code, erplink_http_response *resp, void *ud) {
  send_batch_ctx *s = ud;
  if (s->outs)
    s->outs[i] = resp;
  else
    erplink_http_response_free(resp);
  if (s->codes) s->codes[i] = code;
  if (code) {
    s->failures++;
    if (!s->first_rc || i < s->first) {
      saved_drop(s->first_err);
      s->first = i;
      s->first_rc = code;
      s->first_err = NULL;
      const erplink_error *e = erplink_error_last();
      if (e)
        erplink__error_setx(code, erplink_error_http_status(e), erplink_error_remote_class(e), erplink_error_detail(e),
                            erplink_error_detail(e) ? strlen(erplink_error_detail(e)) : 0,
                            erplink_error_retry_after_ms(e), "request %zu: %s", i, erplink_error_message(e));
      s->first_err = erplink__error_save();
    }
  }
  return 0;
}

int erplink_http_client_send_batch(erplink_http_response **outs, int *codes, erplink_http_client *c,
                                   erplink_http_request *const *reqs, size_t n, int max_in_flight) {
  if (outs)
    for (size_t i = 0; i < n; i++) outs[i] = NULL;
  if (codes)
    for (size_t i = 0; i < n; i++) codes[i] = ERPLINK_ECANCELLED;
  if (!c || (n && !reqs))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_client_send_batch: client or requests are NULL");
  for (size_t i = 0; i < n; i++)
    if (!reqs[i]) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_client_send_batch: request %zu is NULL", i);
  erplink_http_batch *b = NULL;
  int rc = erplink_http_batch_new(&b, c, max_in_flight);
  for (size_t i = 0; rc == 0 && i < n; i++) rc = erplink_http_batch_add(b, reqs[i], i);
  send_batch_ctx s = {outs, codes, 0, 0, 0, NULL};
  if (rc == 0) rc = erplink_http_batch_run(b, send_batch_done, &s);
  erplink__error_saved *sv = erplink__error_save();
  erplink_http_batch_free(b);
  erplink__error_restore(sv);
  if (rc) {
    saved_drop(s.first_err);
    return rc;
  }
  if (s.first_rc) {
    erplink__error_restore(s.first_err);
    erplink__error_prefix("HTTP batch: %d of %zu requests failed; the first: ", s.failures, n);
    return s.first_rc;
  }
  return 0;
}
