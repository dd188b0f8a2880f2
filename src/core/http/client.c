/* The HTTP client: libcurl's global init (once), a pool of easy handles (one keep-alive
 * connection each), the curl_share that holds the DNS cache and TLS sessions behind one mutex
 * per lock kind, pooled multi handles for batches, fork detection, and the pause.
 *
 * Threading: a client is shared by threads; each call checks an easy handle out of the pool,
 * uses it alone, and puts it back. The connection cache is per easy handle (libcurl does not
 * support sharing it across threads). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http_impl.h"

/* ---------------------------------------------------------------- library init */

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_init_rc = CURLE_FAILED_INIT; /* written once under g_curl_once */

static void curl_init_once(void) { g_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static int lib_init(void) {
  pthread_once(&g_curl_once, curl_init_once);
  if (g_curl_init_rc != CURLE_OK)
    return erplink__error_setf(ERPLINK_ENETWORK, "libcurl initialisation failed: %s",
                               curl_easy_strerror(g_curl_init_rc));
  return 0;
}

/* ---------------------------------------------------------------- client */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud) {
  erplink__share *s = ud;
  if ((unsigned)data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&s->mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud) {
  erplink__share *s = ud;
  if ((unsigned)data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&s->mu[data]);
}

static erplink__share *share_new(void) {
  erplink__share *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&s->mu[i], NULL);
  s->sh = curl_share_init();
  if (!s->sh) {
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&s->mu[i]);
    free(s);
    return NULL;
  }
  curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock);
  curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
  curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s);
  curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  /* CURL_LOCK_DATA_CONNECT is deliberately not shared: not supported across threads. */
  return s;
}

static void share_free(erplink__share *s) {
  if (!s) return;
  curl_share_cleanup(s->sh);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_destroy(&s->mu[i]);
  free(s);
}

int erplink_http_client_new(erplink_http_client **out, const erplink_http_options *opts) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_client_new: out is NULL");
  *out = NULL;
  int rc = lib_init();
  if (rc) return rc;
  erplink_http_client *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink_http_options defaults;
  if (!opts) erplink__http_options_defaults(&defaults);
  if (erplink__http_options_copy(&c->o, opts ? opts : &defaults) != 0) {
    free(c);
    return ERPLINK_ENOMEM;
  }
  c->idle = calloc((size_t)c->o.pool_size, sizeof *c->idle);
  c->share = c->idle ? share_new() : NULL;
  if (!c->share) {
    erplink__http_options_release(&c->o);
    free(c->idle);
    free(c);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory creating the HTTP client");
  }
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
  c->pid = getpid();
  erplink__rng_seed(&c->rng, c->o.seeded ? c->o.seed : erplink__rng_os_seed());
  erplink__budget_init(&c->budget, c->o.budget_ratio, c->o.budget_min);
  erplink__ratelimit_init(&c->rl, c->o.rps, c->o.burst, erplink__now_mono_ms());
  *out = c;
  return 0;
}

void erplink_http_client_free(erplink_http_client *c) {
  if (!c) return;
  if (c->pid == getpid()) {
    for (size_t i = 0; i < c->n_idle; i++) curl_easy_cleanup(c->idle[i]);
    for (size_t i = 0; i < c->n_idle_multi; i++) curl_multi_cleanup(c->idle_multi[i]);
    share_free(c->share);
  }
  /* else: a child after fork(): the handles and share belong to the parent's connections;
   * cleaning them up could send TLS close_notify on the parent's sockets. Deliberately
   * leaked (at most pool-size handles and one share). */
  free(c->idle);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
  erplink__budget_destroy(&c->budget);
  erplink__ratelimit_destroy(&c->rl);
  erplink__http_options_release(&c->o);
  free(c);
}

int erplink_http_client_pause_ms(erplink_http_client *c, int64_t ms) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_client_pause_ms: client is NULL");
  if (ms < 0 || ms > ERPLINK__HTTP_MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "pause must be between 0 and %lld ms", ERPLINK__HTTP_MAX_TIMEOUT_MS);
  erplink__ratelimit_pause(&c->rl, erplink__now_mono_ms(), ms);
  erplink__logf(&c->o.log, ERPLINK_LOG_WARN, "pausing all requests for %lld ms", (long long)ms);
  return 0;
}

int64_t erplink_http_client_pause_remaining_ms(const erplink_http_client *c) {
  if (!c) return 0;
  return erplink__ratelimit_pause_left((erplink__ratelimit *)&c->rl, erplink__now_mono_ms());
}

const erplink__logger *erplink__http_client_logger(const erplink_http_client *c) { return c ? &c->o.log : NULL; }

/* Called with c->mu held: if we are in a child process, abandon the parent's handles. */
static void fork_check_locked(erplink_http_client *c) {
  pid_t now = getpid();
  if (c->pid == now) return;
  /* Deliberate leak: the parent's easy handles and share stay allocated and untouched. */
  c->n_idle = 0;
  c->n_out = 0;
  c->n_idle_multi = 0;
  c->gen++;
  c->pid = now;
  erplink__share *fresh = share_new();
  if (fresh) c->share = fresh; /* if that fails we keep the old pointer but never free it */
  pthread_cond_init(&c->cv, NULL);
}

int erplink__http_pool_acquire(erplink_http_client *c, CURL **easy, unsigned *gen, erplink__share **share) {
  pthread_mutex_lock(&c->mu);
  fork_check_locked(c);
  while (c->n_idle == 0 && c->n_out >= (size_t)c->o.pool_size) {
    if (erplink__cancel_requested()) {
      pthread_mutex_unlock(&c->mu);
      return erplink__error_setf(ERPLINK_ECANCELLED, "cancelled while waiting for a free connection");
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&c->cv, &c->mu, &ts);
  }
  CURL *h = c->n_idle ? c->idle[--c->n_idle] : NULL;
  c->n_out++;
  *gen = c->gen;
  *share = c->share;
  pthread_mutex_unlock(&c->mu);
  if (!h) h = curl_easy_init();
  if (!h) {
    pthread_mutex_lock(&c->mu);
    c->n_out--;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    return erplink__error_setf(ERPLINK_ENOMEM, "could not create a libcurl handle");
  }
  *easy = h;
  return 0;
}

void erplink__http_pool_release(erplink_http_client *c, CURL *h, unsigned gen, bool discard) {
  /* Forget the finished request's callbacks, buffers and body pointers (they point into the
   * caller's stack and request); live connections, the DNS cache and TLS sessions are kept.
   * Only in the process that created the handle. */
  if (c->pid == getpid()) curl_easy_reset(h);
  pthread_mutex_lock(&c->mu);
  if (gen != c->gen || c->pid != getpid()) {
    /* checked out before a fork: abandon (see fork_check_locked) */
    pthread_mutex_unlock(&c->mu);
    return;
  }
  c->n_out--;
  if (!discard && c->n_idle < (size_t)c->o.pool_size) {
    c->idle[c->n_idle++] = h;
    h = NULL;
  }
  pthread_cond_signal(&c->cv);
  pthread_mutex_unlock(&c->mu);
  if (h) curl_easy_cleanup(h);
}

CURLM *erplink__http_multi_acquire(erplink_http_client *c, unsigned *gen, erplink__share **share) {
  CURLM *m = NULL;
  pthread_mutex_lock(&c->mu);
  fork_check_locked(c);
  if (c->n_idle_multi) m = c->idle_multi[--c->n_idle_multi];
  *gen = c->gen;
  *share = c->share;
  pthread_mutex_unlock(&c->mu);
  return m ? m : curl_multi_init();
}

void erplink__http_multi_release(erplink_http_client *c, CURLM *m, unsigned gen) {
  if (!m) return;
  pthread_mutex_lock(&c->mu);
  if (gen != c->gen || c->pid != getpid()) { /* made before a fork: abandon */
    pthread_mutex_unlock(&c->mu);
    return;
  }
  if (c->n_idle_multi < ERPLINK__MULTI_POOL_MAX) {
    c->idle_multi[c->n_idle_multi++] = m;
    m = NULL;
  }
  pthread_mutex_unlock(&c->mu);
  if (m) curl_multi_cleanup(m);
}

int64_t erplink__http_client_backoff(erplink_http_client *c, int attempt) {
  pthread_mutex_lock(&c->mu);
  int64_t d = erplink__backoff_delay(&c->rng, c->o.backoff_base_ms, c->o.backoff_cap_ms, attempt);
  pthread_mutex_unlock(&c->mu);
  return d;
}
