/* HTTP over libcurl: options, the client (pool of easy handles + curl_share for DNS and TLS
 * sessions), requests, responses, redirects done by hand (so that credentials never follow
 * a redirect to another origin), error mapping, retries and logging.
 *
 * Threading: a client is shared by threads; each call checks an easy handle out of the
 * pool, uses it alone, and puts it back. The share's DNS and TLS-session caches are
 * protected by one pthread mutex per curl_lock_data. The connection cache is per easy
 * handle (never shared across threads, which libcurl does not support).
 *
 * Batches (erplink_http_batch_*) run many requests on the calling thread through one
 * curl_multi handle (pooled by the client with its connection cache), multiplexed over HTTP/2
 * when the server offers it. Both paths configure transfers with easy_setup(), classify them
 * with hop_finish(), decide retries with retry_decide() and end with request_finish(). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "erplink/version.h"
#include "http_internal.h"

#define DEFAULT_USER_AGENT "erplink/" ERPLINK_VERSION
#define MAX_TIMEOUT_MS 86400000LL
#define ERROR_DETAIL_BYTES 2048

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

/* ---------------------------------------------------------------- small helpers */

typedef struct hdr {
  char *name;
  char *value;
  bool secret;
} hdr;


static void free_secret_str(char *s, bool secret) {
  if (s && secret) erplink__wipe(s, strlen(s));
  free(s);
}

static bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 32) >= 'a' && (c | 32) <= 'z') return true;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_token(const char *s) {
  if (!s || !*s) return false;
  for (; *s; s++)
    if (!is_tchar((unsigned char)*s)) return false;
  return true;
}

static bool has_ctl(const char *s, bool allow_tab) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f) return true;
  }
  return false;
}

static bool ieq(const char *a, const char *b) { return erplink__ascii_ieq(a, strlen(a), b); }

static bool starts_with_ci(const char *s, const char *prefix) {
  size_t n = strlen(prefix);
  return strlen(s) >= n && erplink__ascii_ieq(s, n, prefix);
}

/* "scheme://host:port" of a URL, lowercase, default port filled in; "" when unparsable. */
static void url_origin(const char *url, char *out, size_t cap) {
  out[0] = '\0';
  CURLU *u = curl_url();
  if (!u) return;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
    char *scheme = NULL, *host = NULL, *port = NULL;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (scheme && host) {
      snprintf(out, cap, "%s://%s:%s", scheme, host, port ? port : "");
      for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
}

/* "host:port" (for messages); "" when unparsable. */
static void url_hostport(const char *url, char *out, size_t cap) {
  char origin[512];
  url_origin(url, origin, sizeof origin);
  const char *p = strstr(origin, "://");
  snprintf(out, cap, "%s", p ? p + 3 : "(unparsable URL)");
}

static char *redacted_url(const char *url) {
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink__redact_url_into(&b, url);
  return erplink_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------- options */

struct erplink_http_options {
  char *user_agent;
  int64_t connect_timeout_ms;
  int64_t timeout_ms;
  long low_speed_bps;
  long low_speed_s;
  size_t max_response;
  char *ca_file;
  char *ca_dir;
  char *proxy;
  bool follow;
  int max_redirects;
  int pool_size;
  int max_attempts;
  int64_t backoff_base_ms;
  int64_t backoff_cap_ms;
  int64_t max_retry_after_ms;
  bool retry_all_5xx;
  double budget_ratio;
  int budget_min;
  bool seeded;
  uint64_t seed;
  double rps;
  int burst;
  erplink__logger log;
};

static void options_defaults(erplink_http_options *o) {
  memset(o, 0, sizeof *o);
  o->connect_timeout_ms = 10000;
  o->timeout_ms = 60000;
  o->max_response = 256u * 1024u * 1024u;
  o->max_redirects = 5;
  o->pool_size = 8;
  o->max_attempts = 3;
  o->backoff_base_ms = 200;
  o->backoff_cap_ms = 10000;
  o->max_retry_after_ms = 120000;
  o->budget_ratio = 0.2;
  o->budget_min = 10;
  o->burst = 1;
  o->log.max_level = ERPLINK_LOG_NONE;
}

int erplink_http_options_new(erplink_http_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_options_new: out is NULL");
  *out = calloc(1, sizeof **out);
  if (!*out) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  options_defaults(*out);
  return 0;
}

static void options_strings_free(erplink_http_options *o) {
  free(o->user_agent);
  free(o->ca_file);
  free(o->ca_dir);
  free_secret_str(o->proxy, true); /* a proxy URL may carry credentials */
  o->user_agent = o->ca_file = o->ca_dir = o->proxy = NULL;
}

void erplink_http_options_free(erplink_http_options *o) {
  if (!o) return;
  options_strings_free(o);
  free(o);
}

#define OPT_CHECK(o, name)                                                                \
  do {                                                                                    \
    if (!(o)) return erplink__error_setf(ERPLINK_EINVAL, "%s: options is NULL", name);    \
  } while (0)

static int set_str(char **slot, const char *v, bool secret, const char *what) {
  char *copy = NULL;
  if (v) {
    if (has_ctl(v, false)) return erplink__error_setf(ERPLINK_EINVAL, "%s contains a control character", what);
    copy = strdup(v);
    if (!copy) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  free_secret_str(*slot, secret);
  *slot = copy;
  return 0;
}

int erplink_http_options_set_user_agent(erplink_http_options *o, const char *ua) {
  OPT_CHECK(o, "erplink_http_options_set_user_agent");
  return set_str(&o->user_agent, ua && *ua ? ua : NULL, false, "user agent");
}

int erplink_http_options_set_connect_timeout_ms(erplink_http_options *o, int64_t ms) {
  OPT_CHECK(o, "erplink_http_options_set_connect_timeout_ms");
  if (ms < 1 || ms > MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "connect timeout must be between 1 and %lld ms", MAX_TIMEOUT_MS);
  o->connect_timeout_ms = ms;
  return 0;
}

int erplink_http_options_set_timeout_ms(erplink_http_options *o, int64_t ms) {
  OPT_CHECK(o, "erplink_http_options_set_timeout_ms");
  if (ms < 0 || ms > MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "timeout must be between 0 and %lld ms", MAX_TIMEOUT_MS);
  o->timeout_ms = ms;
  return 0;
}

int erplink_http_options_set_low_speed(erplink_http_options *o, long bytes_per_second, long seconds) {
  OPT_CHECK(o, "erplink_http_options_set_low_speed");
  if (bytes_per_second < 0 || seconds < 0 || seconds > 86400)
    return erplink__error_setf(ERPLINK_EINVAL, "low-speed limit and time must be >= 0 (time <= 86400 s)");
  o->low_speed_bps = bytes_per_second;
  o->low_speed_s = seconds;
  return 0;
}

int erplink_http_options_set_max_response_bytes(erplink_http_options *o, size_t bytes) {
  OPT_CHECK(o, "erplink_http_options_set_max_response_bytes");
  if (bytes < 1) return erplink__error_setf(ERPLINK_EINVAL, "maximum response size must be at least 1 byte");
  o->max_response = bytes;
  return 0;
}

int erplink_http_options_set_ca_file(erplink_http_options *o, const char *path) {
  OPT_CHECK(o, "erplink_http_options_set_ca_file");
  if (path && !*path) return erplink__error_setf(ERPLINK_EINVAL, "CA file path is empty");
  return set_str(&o->ca_file, path, false, "CA file path");
}

int erplink_http_options_set_ca_dir(erplink_http_options *o, const char *path) {
  OPT_CHECK(o, "erplink_http_options_set_ca_dir");
  if (path && !*path) return erplink__error_setf(ERPLINK_EINVAL, "CA directory path is empty");
  return set_str(&o->ca_dir, path, false, "CA directory path");
}

int erplink_http_options_set_proxy(erplink_http_options *o, const char *proxy) {
  OPT_CHECK(o, "erplink_http_options_set_proxy");
  return set_str(&o->proxy, proxy, true, "proxy URL");
}

int erplink_http_options_set_follow_redirects(erplink_http_options *o, int enabled) {
  OPT_CHECK(o, "erplink_http_options_set_follow_redirects");
  o->follow = enabled != 0;
  return 0;
}

int erplink_http_options_set_max_redirects(erplink_http_options *o, int n) {
  OPT_CHECK(o, "erplink_http_options_set_max_redirects");
  if (n < 0 || n > 50) return erplink__error_setf(ERPLINK_EINVAL, "max redirects must be between 0 and 50");
  o->max_redirects = n;
  return 0;
}

int erplink_http_options_set_pool_size(erplink_http_options *o, int n) {
  OPT_CHECK(o, "erplink_http_options_set_pool_size");
  if (n < 1 || n > 1024) return erplink__error_setf(ERPLINK_EINVAL, "pool size must be between 1 and 1024");
  o->pool_size = n;
  return 0;
}

int erplink_http_options_set_max_attempts(erplink_http_options *o, int n) {
  OPT_CHECK(o, "erplink_http_options_set_max_attempts");
  if (n < 1 || n > 100) return erplink__error_setf(ERPLINK_EINVAL, "max attempts must be between 1 and 100");
  o->max_attempts = n;
  return 0;
}

int erplink_http_options_set_backoff_ms(erplink_http_options *o, int64_t base_ms, int64_t cap_ms) {
  OPT_CHECK(o, "erplink_http_options_set_backoff_ms");
  if (base_ms < 0 || cap_ms < base_ms || cap_ms > MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "backoff needs 0 <= base <= cap <= %lld ms", MAX_TIMEOUT_MS);
  o->backoff_base_ms = base_ms;
  o->backoff_cap_ms = cap_ms;
  return 0;
}

int erplink_http_options_set_max_retry_after_ms(erplink_http_options *o, int64_t ms) {
  OPT_CHECK(o, "erplink_http_options_set_max_retry_after_ms");
  if (ms < 0 || ms > MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "max Retry-After must be between 0 and %lld ms", MAX_TIMEOUT_MS);
  o->max_retry_after_ms = ms;
  return 0;
}

int erplink_http_options_set_retry_all_5xx(erplink_http_options *o, int enabled) {
  OPT_CHECK(o, "erplink_http_options_set_retry_all_5xx");
  o->retry_all_5xx = enabled != 0;
  return 0;
}

int erplink_http_options_set_retry_budget(erplink_http_options *o, double ratio, int min_retries) {
  OPT_CHECK(o, "erplink_http_options_set_retry_budget");
  if (!(ratio >= 0.0 && ratio <= 1000.0) || min_retries < 0)
    return erplink__error_setf(ERPLINK_EINVAL, "retry budget needs 0 <= ratio <= 1000 and min_retries >= 0");
  o->budget_ratio = ratio;
  o->budget_min = min_retries;
  return 0;
}

int erplink_http_options_set_retry_seed(erplink_http_options *o, uint64_t seed) {
  OPT_CHECK(o, "erplink_http_options_set_retry_seed");
  o->seeded = true;
  o->seed = seed;
  return 0;
}

int erplink_http_options_set_rate_limit(erplink_http_options *o, double rps, int burst) {
  OPT_CHECK(o, "erplink_http_options_set_rate_limit");
  if (!(rps >= 0.0 && rps <= 1e6)) return erplink__error_setf(ERPLINK_EINVAL, "requests per second must be between 0 and 1e6");
  if (rps > 0 && burst < 1) return erplink__error_setf(ERPLINK_EINVAL, "burst must be at least 1");
  o->rps = rps;
  o->burst = burst < 1 ? 1 : burst;
  return 0;
}

int erplink_http_options_set_log(erplink_http_options *o, erplink_log_fn fn, void *userdata, int max_level) {
  OPT_CHECK(o, "erplink_http_options_set_log");
  if (max_level < ERPLINK_LOG_NONE || max_level > ERPLINK_LOG_TRACE)
    return erplink__error_setf(ERPLINK_EINVAL, "log level must be between ERPLINK_LOG_NONE and ERPLINK_LOG_TRACE");
  o->log.fn = fn;
  o->log.userdata = userdata;
  o->log.max_level = fn ? max_level : ERPLINK_LOG_NONE;
  return 0;
}

/* ---------------------------------------------------------------- client */

/* The share and its locks live in their own allocation so that a child process after
 * fork() can abandon the parent's (whose mutexes may be held) and make new ones. */
typedef struct share_ctx {
  CURLSH *sh;
  pthread_mutex_t mu[CURL_LOCK_DATA_LAST];
} share_ctx;

struct erplink_http_client {
  erplink_http_options o; /* owned copy */
  pthread_mutex_t mu;     /* pool, pid, generation, rng */
  pthread_cond_t cv;
  CURL **idle;
  size_t n_idle;
  size_t n_out;
  unsigned gen; /* bumped when the pool is abandoned after fork() */
  pid_t pid;
  share_ctx *share;
  erplink__rng rng;
  erplink__budget budget;
  erplink__ratelimit rl;
  CURLM *idle_multi[4]; /* pooled multi handles of batches (their connection caches), see MULTI_POOL_MAX */
  size_t n_idle_multi;
};

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud) {
  share_ctx *s = ud;
  if ((unsigned)data < CURL_LOCK_DATA_LAST) pthread_mutex_lock(&s->mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud) {
  share_ctx *s = ud;
  if ((unsigned)data < CURL_LOCK_DATA_LAST) pthread_mutex_unlock(&s->mu[data]);
}

static share_ctx *share_new(void) {
  share_ctx *s = calloc(1, sizeof *s);
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

static void share_free(share_ctx *s) {
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
  if (opts) c->o = *opts;
  else options_defaults(&c->o);
  c->o.user_agent = c->o.ca_file = c->o.ca_dir = c->o.proxy = NULL;
  bool ok = true;
  if (opts && opts->user_agent && !(c->o.user_agent = strdup(opts->user_agent))) ok = false;
  if (opts && opts->ca_file && !(c->o.ca_file = strdup(opts->ca_file))) ok = false;
  if (opts && opts->ca_dir && !(c->o.ca_dir = strdup(opts->ca_dir))) ok = false;
  if (opts && opts->proxy && !(c->o.proxy = strdup(opts->proxy))) ok = false;
  c->idle = ok ? calloc((size_t)c->o.pool_size, sizeof *c->idle) : NULL;
  c->share = ok && c->idle ? share_new() : NULL;
  if (!c->share) {
    options_strings_free(&c->o);
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
  options_strings_free(&c->o);
  free(c);
}

int erplink_http_client_pause_ms(erplink_http_client *c, int64_t ms) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_client_pause_ms: client is NULL");
  if (ms < 0 || ms > MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "pause must be between 0 and %lld ms", MAX_TIMEOUT_MS);
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
  share_ctx *fresh = share_new();
  if (fresh) c->share = fresh; /* if that fails we keep the old pointer but never free it */
  pthread_cond_init(&c->cv, NULL);
}

static int pool_acquire(erplink_http_client *c, int (*cancel)(void *), void *ud, CURL **easy, unsigned *gen,
                        share_ctx **share) {
  pthread_mutex_lock(&c->mu);
  fork_check_locked(c);
  while (c->n_idle == 0 && c->n_out >= (size_t)c->o.pool_size) {
    if (cancel && cancel(ud)) {
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

static void pool_release(erplink_http_client *c, CURL *h, unsigned gen, bool discard) {
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

/* ---------------------------------------------------------------- requests */

struct erplink_http_request {
  char *method;
  char *url;
  hdr *h;
  size_t nh, caph;
  const char *body;
  size_t body_len;
  char *body_owned;
  int64_t timeout_ms; /* -1 = client's */
  int idempotent;     /* -1 = from the method */
  int (*cancel)(void *);
  void *cancel_ud;
  int (*sink_write)(const char *, size_t, void *);
  void (*sink_reset)(void *);
  void *sink_ud;
  const erplink_value *log_value;
};

int erplink_http_request_new(erplink_http_request **out, const char *method, const char *url) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_request_new: out is NULL");
  *out = NULL;
  if (!is_token(method)) return erplink__error_setf(ERPLINK_EINVAL, "HTTP method is missing or not a token");
  if (!url || !(starts_with_ci(url, "http://") || starts_with_ci(url, "https://")))
    return erplink__error_setf(ERPLINK_EINVAL, "URL must start with http:// or https://");
  for (const char *p = url; *p; p++)
    if ((unsigned char)*p <= 0x20 || *p == 0x7f)
      return erplink__error_setf(ERPLINK_EINVAL, "URL contains a space or a control character");
  erplink_http_request *r = calloc(1, sizeof *r);
  if (!r || !(r->method = strdup(method)) || !(r->url = strdup(url))) {
    if (r) {
      free(r->method);
      free(r);
    }
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  r->timeout_ms = -1;
  r->idempotent = -1;
  *out = r;
  return 0;
}

static void body_drop(erplink_http_request *r) {
  if (r->body_owned) {
    erplink__wipe(r->body_owned, r->body_len);
    free(r->body_owned);
  }
  r->body_owned = NULL;
  r->body = NULL;
  r->body_len = 0;
}

void erplink_http_request_free(erplink_http_request *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nh; i++) {
    free(r->h[i].name);
    free_secret_str(r->h[i].value, r->h[i].secret);
  }
  free(r->h);
  body_drop(r);
  free_secret_str(r->url, true); /* may hold userinfo */
  free(r->method);
  free(r);
}

static int header_check(const erplink_http_request *r, const char *name, const char *value) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  if (!is_token(name)) return erplink__error_setf(ERPLINK_EINVAL, "header name is missing or not a token");
  if (value && has_ctl(value, true))
    return erplink__error_setf(ERPLINK_EINVAL, "value of header %s contains a control character", name);
  return 0;
}

int erplink_http_request_add_header(erplink_http_request *r, const char *name, const char *value) {
  int rc = header_check(r, name, value);
  if (rc) return rc;
  if (!value) return erplink__error_setf(ERPLINK_EINVAL, "value of header %s is NULL", name);
  if (r->nh == r->caph) {
    size_t ncap = r->caph ? r->caph * 2 : 8;
    hdr *nh = realloc(r->h, ncap * sizeof *nh);
    if (!nh) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    r->h = nh;
    r->caph = ncap;
  }
  hdr h = {strdup(name), strdup(value), erplink__is_secret_name(name, strlen(name))};
  if (!h.name || !h.value) {
    free(h.name);
    free_secret_str(h.value, true);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  r->h[r->nh++] = h;
  return 0;
}

int erplink_http_request_set_header(erplink_http_request *r, const char *name, const char *value) {
  int rc = header_check(r, name, value);
  if (rc) return rc;
  size_t o = 0;
  for (size_t i = 0; i < r->nh; i++) {
    if (ieq(r->h[i].name, name)) {
      free(r->h[i].name);
      free_secret_str(r->h[i].value, r->h[i].secret);
    } else {
      r->h[o++] = r->h[i];
    }
  }
  r->nh = o;
  return value ? erplink_http_request_add_header(r, name, value) : 0;
}

int erplink_http_request_set_body(erplink_http_request *r, const void *body, size_t len) {
  if (!r || (!body && len)) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_request_set_body: bad arguments");
  char *copy = malloc(len ? len : 1);
  if (!copy) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory copying a %zu-byte body", len);
  if (len) memcpy(copy, body, len);
  body_drop(r);
  r->body_owned = copy;
  r->body = copy;
  r->body_len = len;
  return 0;
}

int erplink_http_request_set_body_borrowed(erplink_http_request *r, const void *body, size_t len) {
  if (!r || (!body && len))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_request_set_body_borrowed: bad arguments");
  body_drop(r);
  r->body = body ? body : "";
  r->body_len = len;
  return 0;
}

int erplink_http_request_set_timeout_ms(erplink_http_request *r, int64_t ms) {
  if (!r || ms < -1 || ms > MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "request timeout must be -1 or between 0 and %lld ms", MAX_TIMEOUT_MS);
  r->timeout_ms = ms;
  return 0;
}

int erplink_http_request_set_idempotent(erplink_http_request *r, int idempotent) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  r->idempotent = idempotent != 0;
  return 0;
}

int erplink_http_request_set_cancel(erplink_http_request *r, int (*cancel)(void *), void *userdata) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  r->cancel = cancel;
  r->cancel_ud = userdata;
  return 0;
}

int erplink_http_request_set_sink(erplink_http_request *r, int (*write)(const char *, size_t, void *),
                                  void (*reset)(void *), void *userdata) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  if (!write && reset) return erplink__error_setf(ERPLINK_EINVAL, "a sink reset callback needs a write callback");
  r->sink_write = write;
  r->sink_reset = reset;
  r->sink_ud = userdata;
  return 0;
}

int erplink_http_request_set_log_value(erplink_http_request *r, const erplink_value *v) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  r->log_value = v;
  return 0;
}

static bool method_idempotent(const char *m) {
  return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") || !strcmp(m, "DELETE") ||
         !strcmp(m, "OPTIONS") || !strcmp(m, "TRACE");
}

static const char *req_header(const erplink_http_request *r, const char *name) {
  for (size_t i = 0; i < r->nh; i++)
    if (ieq(r->h[i].name, name)) return r->h[i].value;
  return NULL;
}

/* ---------------------------------------------------------------- responses */

struct erplink_http_response {
  int status;
  hdr *h;
  size_t nh;
  char *body;
  size_t body_len;
  int attempts;
  int64_t total_ms;
  char *effective_url;
  long connects;    /* connections opened for this request, all attempts */
  int http_version; /* 10, 11, 20, 30; 0 = unknown */
};

void erplink_http_response_free(erplink_http_response *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nh; i++) {
    free(r->h[i].name);
    free_secret_str(r->h[i].value, r->h[i].secret);
  }
  free(r->h);
  free(r->body);
  free(r->effective_url);
  free(r);
}

int erplink_http_response_status(const erplink_http_response *r) { return r ? r->status : 0; }

const char *erplink_http_response_header_nth(const erplink_http_response *r, const char *name, size_t index) {
  if (!r || !name) return NULL;
  for (size_t i = 0; i < r->nh; i++)
    if (ieq(r->h[i].name, name) && index-- == 0) return r->h[i].value;
  return NULL;
}

const char *erplink_http_response_header(const erplink_http_response *r, const char *name) {
  return erplink_http_response_header_nth(r, name, 0);
}

size_t erplink_http_response_header_count(const erplink_http_response *r) { return r ? r->nh : 0; }

int erplink_http_response_header_at(const erplink_http_response *r, size_t index, const char **name,
                                    const char **value) {
  if (!r || index >= r->nh)
    return erplink__error_setf(ERPLINK_ERANGE, "response header index %zu out of range", index);
  if (name) *name = r->h[index].name;
  if (value) *value = r->h[index].value;
  return 0;
}

const char *erplink_http_response_body(const erplink_http_response *r, size_t *len) {
  if (len) *len = r ? r->body_len : 0;
  if (!r) return NULL;
  return r->body ? r->body : "";
}

const char *erplink_http_response_content_type(const erplink_http_response *r) {
  return erplink_http_response_header(r, "Content-Type");
}

int erplink_http_response_content_type_is(const erplink_http_response *r, const char *media_type) {
  const char *ct = erplink_http_response_content_type(r);
  if (!ct || !media_type) return 0;
  while (*ct == ' ' || *ct == '\t') ct++;
  size_t n = 0;
  while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t') n++;
  return erplink__ascii_ieq(ct, n, media_type) ? 1 : 0;
}

int erplink_http_response_is_html(const erplink_http_response *r) {
  if (!r) return 0;
  if (erplink_http_response_content_type_is(r, "text/html") ||
      erplink_http_response_content_type_is(r, "application/xhtml+xml"))
    return 1;
  const char *b = r->body ? r->body : "";
  size_t i = 0;
  if (r->body_len >= 3 && (unsigned char)b[0] == 0xEF && (unsigned char)b[1] == 0xBB && (unsigned char)b[2] == 0xBF)
    i = 3;
  while (i < r->body_len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) i++;
  size_t left = r->body_len - i;
  if (left >= 14 && erplink__ascii_ieq(b + i, 14, "<!doctype html")) return 1;
  if (left >= 5 && erplink__ascii_ieq(b + i, 5, "<html")) return 1;
  return 0;
}

int erplink_http_response_attempts(const erplink_http_response *r) { return r ? r->attempts : 0; }
int64_t erplink_http_response_total_ms(const erplink_http_response *r) { return r ? r->total_ms : 0; }
int erplink_http_response_new_connections(const erplink_http_response *r) { return r ? (int)r->connects : 0; }
int erplink_http_response_http_version(const erplink_http_response *r) { return r ? r->http_version : 0; }
const char *erplink_http_response_effective_url(const erplink_http_response *r) {
  return r && r->effective_url ? r->effective_url : "";
}

/* ---------------------------------------------------------------- one transfer */

typedef struct xfer {
  const erplink_http_request *req;
  CURL *easy;
  size_t max;
  size_t received;
  erplink_buf body;
  hdr *h;
  size_t nh, caph;
  char reason[64];
  bool too_large;
  bool oom;
  bool decided;
  bool to_sink;
  int sink_err;
  bool sent;
  bool cancelled;
  bool head; /* HEAD request: Content-Length describes a body that is not sent */
} xfer;

static void xfer_headers_clear(xfer *x) {
  for (size_t i = 0; i < x->nh; i++) {
    free(x->h[i].name);
    free_secret_str(x->h[i].value, x->h[i].secret);
  }
  x->nh = 0;
}

static void xfer_free(xfer *x) {
  xfer_headers_clear(x);
  free(x->h);
  x->h = NULL;
  x->caph = 0;
  erplink_buf_free(&x->body);
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  xfer *x = ud;
  size_t len = size * n;
  size_t total = len;
  while (len && (data[len - 1] == '\n' || data[len - 1] == '\r')) len--;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    /* a new response (an interim 1xx, or the final one): start over */
    xfer_headers_clear(x);
    x->reason[0] = '\0';
    const char *sp = memchr(data, ' ', len);
    if (sp) sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data));
    if (sp) {
      size_t rl = len - (size_t)(sp + 1 - data);
      if (rl >= sizeof x->reason) rl = sizeof x->reason - 1;
      memcpy(x->reason, sp + 1, rl);
      x->reason[rl] = '\0';
      for (char *p = x->reason; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    }
    return total;
  }
  if (len == 0) return total;
  if ((data[0] == ' ' || data[0] == '\t') && x->nh) {
    /* obsolete line folding: append to the previous value */
    hdr *last = &x->h[x->nh - 1];
    size_t ol = strlen(last->value);
    char *nv = realloc(last->value, ol + len + 1);
    if (!nv) {
      x->oom = true;
      return 0;
    }
    memcpy(nv + ol, data, len);
    nv[ol + len] = '\0';
    last->value = nv;
    return total;
  }
  const char *colon = memchr(data, ':', len);
  if (!colon) return total; /* not a header line: ignore */
  size_t nlen = (size_t)(colon - data);
  const char *v = colon + 1;
  size_t vlen = len - nlen - 1;
  while (vlen && (*v == ' ' || *v == '\t')) v++, vlen--;
  while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
  if (x->nh == x->caph) {
    size_t ncap = x->caph ? x->caph * 2 : 16;
    if (ncap > 10000) return 0; /* absurd header count: abort */
    hdr *nh = realloc(x->h, ncap * sizeof *nh);
    if (!nh) {
      x->oom = true;
      return 0;
    }
    x->h = nh;
    x->caph = ncap;
  }
  hdr h = {strndup(data, nlen), strndup(v, vlen), erplink__is_secret_name(data, nlen)};
  if (!h.name || !h.value) {
    free(h.name);
    free(h.value);
    x->oom = true;
    return 0;
  }
  x->h[x->nh++] = h;
  /* Early size check when the length is announced. */
  if (erplink__ascii_ieq(h.name, nlen, "content-length")) {
    int64_t cl = 0;
    long st = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    bool bodyless = x->head || st == 204 || st == 304 || st < 200;
    if (!bodyless && erplink__parse_int64(h.value, vlen, &cl, NULL) && cl > 0 && (uint64_t)cl > x->max) {
      x->too_large = true;
      return 0;
    }
  }
  return total;
}

static size_t on_write(char *data, size_t size, size_t n, void *ud) {
  xfer *x = ud;
  size_t len = size * n;
  if (!x->decided) {
    long st = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    x->to_sink = x->req->sink_write && st >= 200 && st < 300;
    x->decided = true;
  }
  if (len > x->max - x->received) {
    x->too_large = true;
    return 0;
  }
  x->received += len;
  if (x->to_sink) {
    int rc = x->req->sink_write(data, len, x->req->sink_ud);
    if (rc) {
      x->sink_err = rc < 0 ? rc : ERPLINK_EPROTOCOL;
      if (rc > 0) erplink__error_setf(ERPLINK_EPROTOCOL, "response sink returned %d", rc);
      return 0;
    }
    return len;
  }
  if (erplink_buf_put(&x->body, data, len) != 0) {
    x->oom = true;
    return 0;
  }
  return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
  xfer *x = ud;
  if (x->req->cancel && x->req->cancel(x->req->cancel_ud)) {
    x->cancelled = true;
    return 1;
  }
  return 0;
}

static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port) {
  xfer *x = ud;
  x->sent = true; /* libcurl is about to send the request on an established connection */
  return CURL_PREREQFUNC_OK;
}

static void slist_free_wiped(struct curl_slist *l) {
  for (struct curl_slist *p = l; p; p = p->next)
    if (p->data) erplink__wipe(p->data, strlen(p->data));
  curl_slist_free_all(l);
}

static int slist_add(struct curl_slist **l, const char *line) {
  struct curl_slist *n = curl_slist_append(*l, line);
  if (!n) return ERPLINK_ENOMEM;
  *l = n;
  return 0;
}

/* Builds the header list for one hop. cross_origin: drop credentials. */
static int build_headers(const erplink_http_request *r, bool cross_origin, struct curl_slist **out) {
  struct curl_slist *l = NULL;
  erplink_buf line = ERPLINK_BUF_INIT;
  line.secret = true;
  int rc = 0;
  for (size_t i = 0; i < r->nh && !rc; i++) {
    if (cross_origin && (r->h[i].secret || ieq(r->h[i].name, "cookie") || ieq(r->h[i].name, "authorization")))
      continue;
    erplink_buf_clear(&line);
    if (r->h[i].value[0]) erplink_buf_printf(&line, "%s: %s", r->h[i].name, r->h[i].value);
    else erplink_buf_printf(&line, "%s;", r->h[i].name); /* libcurl's syntax for an empty header */
    rc = line.oom ? ERPLINK_ENOMEM : slist_add(&l, line.ptr);
  }
  if (!rc && !req_header(r, "Expect")) rc = slist_add(&l, "Expect:"); /* no 100-continue round trip */
  erplink_buf_free(&line);
  if (rc) {
    slist_free_wiped(l);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory building request headers");
  }
  *out = l;
  return 0;
}

static int map_curl_error(CURLcode cc, const xfer *x, const erplink_http_client *c, int64_t timeout_ms,
                          const char *method, const char *safe_url, const char *url, const char *errbuf,
                          bool *permanent) {
  char hp[300];
  url_hostport(url, hp, sizeof hp);
  const char *cdesc = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(cc);
  *permanent = false;
  if (x->cancelled || cc == CURLE_ABORTED_BY_CALLBACK) {
    *permanent = true;
    return erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled by the caller", method, safe_url);
  }
  if (x->too_large || cc == CURLE_FILESIZE_EXCEEDED) {
    *permanent = true;
    return erplink__error_setf(ERPLINK_ETOOLARGE, "%s %s: response body exceeds the maximum of %zu bytes", method,
                               safe_url, x->max);
  }
  if (x->sink_err) {
    *permanent = true;
    /* the sink set the last error; add the status it was answering, so that e.g. "the server
     * answered HTML, not XML-RPC" also says which HTTP status came with the HTML */
    long st = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    erplink__error_annotate_http((int)st);
    return x->sink_err;
  }
  if (x->oom || cc == CURLE_OUT_OF_MEMORY) {
    *permanent = true;
    return erplink__error_setf(ERPLINK_ENOMEM, "%s %s: out of memory receiving the response", method, safe_url);
  }
  switch (cc) {
  case CURLE_COULDNT_CONNECT:
    return erplink__error_setf(ERPLINK_ECONNECT, "%s %s: could not connect to %s (%s)", method, safe_url, hp, cdesc);
  case CURLE_COULDNT_RESOLVE_HOST:
    return erplink__error_setf(ERPLINK_EDNS, "%s %s: could not resolve host %s (%s)", method, safe_url, hp, cdesc);
  case CURLE_COULDNT_RESOLVE_PROXY:
    return erplink__error_setf(ERPLINK_EDNS, "%s %s: could not resolve the proxy (%s)", method, safe_url, cdesc);
  case CURLE_OPERATION_TIMEDOUT: {
    curl_off_t tt = 0;
    curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &tt);
    int64_t el = (int64_t)(tt / 1000);
    if (!x->sent && timeout_ms > 0 && el + 5 >= timeout_ms && timeout_ms < c->o.connect_timeout_ms)
      return erplink__error_setf(ERPLINK_ETIMEOUT,
                                 "%s %s: total timeout of %lld ms expired before a connection to %s was established",
                                 method, safe_url, (long long)timeout_ms, hp);
    if (!x->sent)
      return erplink__error_setf(ERPLINK_ETIMEOUT, "%s %s: connect timeout: no connection to %s within %lld ms",
                                 method, safe_url, hp, (long long)el);
    if (errbuf && strstr(errbuf, "too slow"))
      return erplink__error_setf(ERPLINK_ETIMEOUT,
                                 "%s %s: low-speed limit: less than %ld bytes/s for %ld s (after %lld ms, %zu bytes received)",
                                 method, safe_url, c->o.low_speed_bps, c->o.low_speed_s, (long long)el, x->received);
    return erplink__error_setf(ERPLINK_ETIMEOUT, "%s %s: total timeout of %lld ms expired (%zu bytes received)",
                               method, safe_url, (long long)timeout_ms, x->received);
  }
  case CURLE_SSL_CONNECT_ERROR:
    return erplink__error_setf(ERPLINK_ETLS, "%s %s: TLS handshake with %s failed (%s)", method, safe_url, hp, cdesc);
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_USE_SSL_FAILED:
    *permanent = true;
    return erplink__error_setf(ERPLINK_ETLS, "%s %s: TLS verification of %s failed (%s)", method, safe_url, hp, cdesc);
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_GOT_NOTHING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_SSL_SHUTDOWN_FAILED:
    return erplink__error_setf(ERPLINK_ERECV, "%s %s: connection to %s lost (%s; %zu body bytes received)", method,
                               safe_url, hp, cdesc, x->received);
  case CURLE_WEIRD_SERVER_REPLY:
    *permanent = true;
    return erplink__error_setf(ERPLINK_EPROTOCOL, "%s %s: malformed HTTP answer from %s (%s)", method, safe_url, hp,
                               cdesc);
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    *permanent = true;
    return erplink__error_setf(ERPLINK_EINVAL, "%s %s: unusable URL (%s)", method, safe_url, cdesc);
  case CURLE_WRITE_ERROR:
    *permanent = true;
    return erplink__error_setf(ERPLINK_ERECV, "%s %s: response processing aborted (%s)", method, safe_url, cdesc);
  default:
    return erplink__error_setf(ERPLINK_ENETWORK, "%s %s: network error talking to %s (%s)", method, safe_url, hp,
                               cdesc);
  }
}

static int status_code_of(int s) {
  if (s >= 200 && s < 300) return 0;
  if (s == 304) return 0;
  switch (s) {
  case 401: return ERPLINK_EAUTH;
  case 403: return ERPLINK_EACCESS;
  case 404: return ERPLINK_ENOTFOUND;
  case 409: return ERPLINK_ECONFLICT;
  case 429: return ERPLINK_ERATELIMIT;
  case 502:
  case 503:
  case 504: return ERPLINK_EUNAVAILABLE;
  default: break;
  }
  if (s >= 500) return ERPLINK_ESERVER;
  return ERPLINK_EHTTP;
}

static bool is_redirect(int s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

static const char *resp_hdr(const xfer *x, const char *name) {
  for (size_t i = 0; i < x->nh; i++)
    if (ieq(x->h[i].name, name)) return x->h[i].value;
  return NULL;
}

/* Moves the hop's data into a response object. */
static erplink_http_response *make_response(xfer *x, int status) {
  erplink_http_response *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->status = status;
  r->h = x->h;
  r->nh = x->nh;
  x->h = NULL;
  x->nh = x->caph = 0;
  r->body = erplink_buf_detach(&x->body, &r->body_len);
  char *eff = NULL;
  curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
  r->effective_url = strdup(eff ? eff : "");
  long hv = 0;
  curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &hv);
  r->http_version = hv == CURL_HTTP_VERSION_1_0 ? 10 : hv == CURL_HTTP_VERSION_1_1 ? 11
                    : hv == CURL_HTTP_VERSION_2_0 ? 20 : hv == CURL_HTTP_VERSION_3 ? 30 : 0;
  if (!r->body || !r->effective_url) {
    erplink_http_response_free(r);
    return NULL;
  }
  return r;
}

/* For the fuzz target of the header parser (see http_internal.h): the lines go through
 * on_header() exactly as libcurl would deliver them, without a transfer. There is no easy
 * handle: curl_easy_getinfo(NULL, ...) fails with CURLE_BAD_FUNCTION_ARGUMENT and leaves its
 * output alone, so the response code reads as 0 (the early Content-Length check is skipped)
 * and the effective URL as "". */
int erplink__http_response_from_head(erplink_http_response **out, const char *head, size_t head_len, const char *body,
                                     size_t body_len) {
  *out = NULL;
  xfer x;
  memset(&x, 0, sizeof x);
  x.max = SIZE_MAX;
  int status = 0, rc = 0;
  for (size_t i = 0; i < head_len && rc == 0;) {
    const char *nl = memchr(head + i, '\n', head_len - i);
    size_t n = nl ? (size_t)(nl - (head + i)) + 1 : head_len - i;
    if (n >= 12 && memcmp(head + i, "HTTP/", 5) == 0) {
      const char *sp = memchr(head + i, ' ', n);
      status = 0;
      for (int k = 1; sp && k <= 3 && (size_t)(sp + k - (head + i)) < n && sp[k] >= '0' && sp[k] <= '9'; k++)
        status = status * 10 + (sp[k] - '0');
    }
    if (on_header((char *)(uintptr_t)(head + i), 1, n, &x) != n)
      rc = x.oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory")
                 : erplink__error_setf(ERPLINK_EPROTOCOL, "response header line refused (the transfer would be aborted)");
    i += n;
  }
  if (rc == 0 && erplink_buf_put(&x.body, body, body_len) != 0) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0 && !(*out = make_response(&x, status))) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  xfer_free(&x);
  return rc;
}

static void log_request_trace(const erplink_http_client *c, const erplink_http_request *r, const char *method,
                              const char *safe_url, bool cross_origin) {
  const erplink__logger *lg = &c->o.log;
  if (!erplink__log_on(lg, ERPLINK_LOG_TRACE)) return;
  erplink__logf(lg, ERPLINK_LOG_TRACE, "> %s %s", method, safe_url);
  erplink__logf(lg, ERPLINK_LOG_TRACE, "> User-Agent: %s",
                req_header(r, "User-Agent") ? "(set by the request)" : (c->o.user_agent ? c->o.user_agent : DEFAULT_USER_AGENT));
  for (size_t i = 0; i < r->nh; i++) {
    bool secret = r->h[i].secret || ieq(r->h[i].name, "cookie") || ieq(r->h[i].name, "authorization");
    if (cross_origin && secret) continue;
    if (ieq(r->h[i].name, "User-Agent")) {
      erplink__logf(lg, ERPLINK_LOG_TRACE, "> User-Agent: %s", r->h[i].value);
      continue;
    }
    erplink__logf(lg, ERPLINK_LOG_TRACE, "> %s: %s", r->h[i].name, secret ? "<redacted>" : r->h[i].value);
  }
  if (!r->body) return;
  const char *ct = req_header(r, "Content-Type");
  if (r->log_value) {
    char *dump = NULL;
    if (erplink_value_dump(&dump, r->log_value) == 0) {
      erplink__logf(lg, ERPLINK_LOG_TRACE, "> body (%zu bytes, %s): %s", r->body_len, ct ? ct : "no content type", dump);
      erplink_free(dump);
      return;
    }
  }
  bool form = ct ? starts_with_ci(ct, "application/x-www-form-urlencoded")
                 : (!strcmp(method, "POST") && r->body_len > 0); /* libcurl's default content type */
  if (form) {
    erplink_buf b = ERPLINK_BUF_INIT;
    erplink__redact_form_into(&b, r->body, r->body_len > 8192 ? 8192 : r->body_len);
    if (!b.oom)
      erplink__logf(lg, ERPLINK_LOG_TRACE, "> body (%zu bytes, form): %s%s", r->body_len, b.ptr ? b.ptr : "",
                    r->body_len > 8192 ? "..." : "");
    erplink_buf_free(&b);
  } else {
    erplink__logf(lg, ERPLINK_LOG_TRACE, "> body: %zu bytes, %s", r->body_len, ct ? ct : "no content type");
  }
}

/* ---------------------------------------------------------------- shared by the synchronous path and batches */

/* Configures @p easy for one hop of @p req: every option of the transfer is set here, so that a
 * synchronous send and a batch transfer behave alike. The header list, error buffer and xfer
 * must outlive the transfer. */
static void easy_setup(const erplink_http_client *c, CURL *easy, CURLSH *sh, xfer *x, const char *url,
                       const char *method, bool with_body, struct curl_slist *hl, char *errbuf, int64_t timeout_ms) {
  const erplink_http_request *req = x->req;
  curl_easy_reset(easy);
  curl_easy_setopt(easy, CURLOPT_SHARE, sh);
  curl_easy_setopt(easy, CURLOPT_URL, url);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  /* HTTP/2 only when the TLS server offers it through ALPN; plain http stays HTTP/1.1. */
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L); /* redirects are followed by hand */
  curl_easy_setopt(easy, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (c->o.ca_file) curl_easy_setopt(easy, CURLOPT_CAINFO, c->o.ca_file);
  if (c->o.ca_dir) curl_easy_setopt(easy, CURLOPT_CAPATH, c->o.ca_dir);
  if (c->o.proxy) curl_easy_setopt(easy, CURLOPT_PROXY, c->o.proxy); /* NULL: libcurl reads the environment */
  curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, c->o.user_agent ? c->o.user_agent : DEFAULT_USER_AGENT);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->o.connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
  if (c->o.low_speed_bps > 0 && c->o.low_speed_s > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, c->o.low_speed_bps);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, c->o.low_speed_s);
  }
  /* No CURLOPT_MAXFILESIZE: libcurl would also apply it to the Content-Length of HEAD and
   * 304 answers, which carry no body. on_header() and on_write() enforce the cap. */
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, x);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, x);
  if (!strcmp(method, "HEAD")) {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (!strcmp(method, "GET") && !with_body) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    if (strcmp(method, "POST") != 0) curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    if (with_body || !strcmp(method, "POST")) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(with_body ? req->body_len : 0));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, with_body ? req->body : "");
    }
  }
}

/* Starts a hop: the xfer and the header list. Returns 0 or the error (last error set). */
static int hop_prepare(xfer *x, const erplink_http_client *c, const erplink_http_request *req, CURL *easy,
                       const char *method, bool cross_origin, struct curl_slist **hl) {
  memset(x, 0, sizeof *x);
  x->req = req;
  x->easy = easy;
  x->max = c->o.max_response;
  x->head = !strcmp(method, "HEAD");
  return build_headers(req, cross_origin, hl);
}

/* Classifies a finished hop (result of curl_easy_perform or of the multi's CURLMSG_DONE).
 * Returns 0 or the error code with the thread's last error set, and fills *a. *resp gets the
 * completed exchange (also for an HTTP error status and for a redirect that is not followed).
 * A redirect that may be followed (nofollow_why NULL and a Location present) returns 0 with
 * *follow set to a copy of the Location (caller frees) and *resp NULL. The xfer is not freed. */
static int hop_finish(const erplink_http_client *c, xfer *x, CURLcode cc, const char *method, const char *safe_url,
                      const char *url, const char *errbuf, int64_t timeout_ms, const char *nofollow_why,
                      erplink__attempt *a, erplink_http_response **resp, char **follow, int *status_out,
                      long *connects) {
  *resp = NULL;
  if (follow) *follow = NULL;
  *status_out = 0;
  a->sent = a->sent || x->sent;
  long nc = 0;
  if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK && nc > 0) *connects += nc;
  if (cc != CURLE_OK || x->too_large || x->sink_err || x->oom) {
    bool permanent = false;
    int rc = map_curl_error(cc, x, c, timeout_ms, method, safe_url, url, errbuf, &permanent);
    /* A transfer aborted mid-body leaves the connection unusable: libcurl closes it. */
    a->permanent = permanent;
    a->code = rc;
    return rc;
  }
  long st = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
  int status = (int)st;
  *status_out = status;
  const char *ra = resp_hdr(x, "Retry-After");
  int64_t ra_ms = -1;
  if (ra && erplink_http_parse_retry_after(&ra_ms, ra, erplink__now_wall_ms()) != 0) ra_ms = -1;

  if (is_redirect(status)) {
    char *loc = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
    if (loc && !nofollow_why && follow) {
      *follow = strdup(loc);
      if (!*follow) {
        a->permanent = true;
        return a->code = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      }
      return 0;
    }
    char lochost[300] = "(no Location)";
    if (loc) url_hostport(loc, lochost, sizeof lochost);
    const char *why = !loc ? "without a usable Location" : nofollow_why;
    erplink_http_response *r = make_response(x, status);
    int rc = erplink__error_setx(ERPLINK_EREDIRECT, status, NULL, NULL, 0, ra_ms, "%s %s: HTTP %d redirect to %s %s",
                                 method, safe_url, status, lochost, why);
    a->code = rc;
    a->http_status = status;
    a->permanent = true;
    *resp = r;
    return rc;
  }

  int code = status_code_of(status);
  erplink_http_response *r = make_response(x, status);
  if (!r) {
    a->permanent = true;
    return a->code = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  int rc = 0;
  if (code) {
    const char *b = r->body ? r->body : "";
    size_t bl = r->body_len > ERROR_DETAIL_BYTES ? ERROR_DETAIL_BYTES : r->body_len;
    rc = erplink__error_setx(code, status, NULL, bl ? b : NULL, bl, ra_ms, "%s %s: HTTP %d%s%s", method, safe_url,
                             status, x->reason[0] ? " " : "", x->reason);
  }
  a->code = rc;
  a->http_status = status;
  a->retry_after_ms = ra_ms;
  *resp = r;
  return rc;
}

static void attempt_reset(erplink__attempt *a) {
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
static bool retry_decide(erplink_http_client *c, const erplink_http_request *req, const char *safe_url, bool idem,
                         const erplink__attempt *a, int rc, int attempt, int64_t *delay_ms) {
  const erplink__logger *lg = &c->o.log;
  const char *why = NULL;
  erplink__retry_verdict v = erplink__retry_classify(a, idem, c->o.retry_all_5xx, c->o.max_retry_after_ms, &why);
  if (v == ERPLINK__RETRY_NO) return false;
  if (v == ERPLINK__RETRY_TOO_LONG) {
    erplink__logf(lg, ERPLINK_LOG_WARN, "%s %s: not retrying: server asks to wait %lld ms, more than the maximum %lld ms",
                  req->method, safe_url, (long long)a->retry_after_ms, (long long)c->o.max_retry_after_ms);
    return false;
  }
  if (attempt >= c->o.max_attempts) {
    if (c->o.max_attempts > 1)
      erplink__logf(lg, ERPLINK_LOG_WARN, "%s %s: giving up after %d attempts", req->method, safe_url, attempt);
    return false;
  }
  if (!erplink__budget_try_retry(&c->budget, erplink__now_mono_ms())) {
    erplink__logf(lg, ERPLINK_LOG_WARN, "%s %s: not retrying (%s): the client's retry budget is exhausted",
                  req->method, safe_url, why);
    erplink__error_prefix("retry budget exhausted; last error: ");
    return false;
  }
  int64_t delay;
  if (a->retry_after_ms >= 0) {
    delay = a->retry_after_ms;
  } else {
    pthread_mutex_lock(&c->mu);
    delay = erplink__backoff_delay(&c->rng, c->o.backoff_base_ms, c->o.backoff_cap_ms, attempt);
    pthread_mutex_unlock(&c->mu);
  }
  erplink__logf(lg, ERPLINK_LOG_WARN, "%s %s: attempt %d of %d failed (%s: %s); retrying in %lld ms", req->method,
                safe_url, attempt, c->o.max_attempts, erplink_strerror(rc), why, (long long)delay);
  *delay_ms = delay;
  return true;
}

/* The end of a request (both paths): attempts note, response statistics, the summary log line. */
static void request_finish(const erplink_http_client *c, const erplink_http_request *req, const char *safe_url,
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
  attempt_reset(a);

  CURL *easy = NULL;
  unsigned gen = 0;
  share_ctx *share = NULL;
  int rc = pool_acquire(c, req->cancel, req->cancel_ud, &easy, &gen, &share);
  if (rc) {
    a->code = rc;
    a->permanent = true;
    return rc;
  }
  char *url = strdup(req->url);
  if (!url) {
    pool_release(c, easy, gen, false);
    a->code = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    a->permanent = true;
    return a->code;
  }
  char origin0[512];
  url_origin(url, origin0, sizeof origin0);
  const char *method = req->method;
  bool with_body = req->body != NULL;
  bool cross_origin = false;
  int64_t timeout_ms = req->timeout_ms >= 0 ? req->timeout_ms : c->o.timeout_ms;

  for (int hop = 0;; hop++) {
    char *safe_url = redacted_url(url);
    if (!safe_url) {
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      a->permanent = true;
      break;
    }
    if (hop > 0 && req->sink_reset) req->sink_reset(req->sink_ud);
    erplink__logf(&c->o.log, ERPLINK_LOG_DEBUG, "%s %s: attempt %d%s starting", method, safe_url, attempt,
                  hop ? " (after a redirect)" : "");
    if (attempt == 1 && hop == 0) log_request_trace(c, req, method, safe_url, false);

    xfer x;
    struct curl_slist *hl = NULL;
    rc = hop_prepare(&x, c, req, easy, method, cross_origin, &hl);
    if (rc) {
      free(safe_url);
      a->permanent = true;
      break;
    }
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    easy_setup(c, easy, share->sh, &x, url, method, with_body, hl, errbuf, timeout_ms);
    curl_easy_setopt(easy, CURLOPT_MAXCONNECTS, 1L); /* one keep-alive connection per pooled handle */

    CURLcode cc = curl_easy_perform(easy);
    /* Drop every pointer into this stack frame before the header list is freed. */
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
    slist_free_wiped(hl);

    const char *nofollow = !c->o.follow ? "not followed (redirects are disabled)"
                           : hop >= c->o.max_redirects ? "not followed (too many redirects)"
                                                       : NULL;
    char *next = NULL;
    int status = 0;
    rc = hop_finish(c, &x, cc, method, safe_url, url, errbuf, timeout_ms, nofollow, a, resp, &next, &status, connects);
    xfer_free(&x);
    if (!next) {
      free(safe_url);
      break;
    }
    char origin1[512];
    url_origin(next, origin1, sizeof origin1);
    if (strcmp(origin0, origin1) != 0) cross_origin = true; /* sticky for the following hops */
    if (status == 303 || ((status == 301 || status == 302) && !strcmp(method, "POST"))) {
      if (strcmp(method, "HEAD") != 0) method = "GET";
      with_body = false;
    }
    char *safe_next = redacted_url(next);
    erplink__logf(&c->o.log, ERPLINK_LOG_DEBUG, "%s %s: following HTTP %d redirect to %s%s", method, safe_url,
                  status, safe_next ? safe_next : "?", cross_origin ? " (other origin: credentials dropped)" : "");
    free(safe_next);
    free(safe_url);
    free_secret_str(url, true);
    url = next;
  }
  a->code = rc;
  free_secret_str(url, true);
  pool_release(c, easy, gen, false);
  return rc;
}

int erplink_http_client_send(erplink_http_response **out, erplink_http_client *c, const erplink_http_request *req) {
  if (out) *out = NULL;
  if (!c || !req) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_client_send: client or request is NULL");
  int64_t t0 = erplink__now_mono_ms();
  erplink__budget_on_request(&c->budget, t0);
  bool idem = req->idempotent >= 0 ? req->idempotent != 0 : method_idempotent(req->method);
  char *safe_url = redacted_url(req->url);
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
    int64_t waited = 0;
    rc = erplink__ratelimit_acquire(&c->rl, req->cancel, req->cancel_ud, &waited);
    if (rc) break;
    if (waited > 0)
      erplink__logf(lg, ERPLINK_LOG_DEBUG, "%s %s: waited %lld ms for the rate limiter", req->method, safe_url,
                    (long long)waited);
    erplink__attempt a;
    rc = do_attempt(c, req, &resp, &a, attempt, &connects);
    if (rc == 0) break;
    int64_t delay = 0;
    if (!retry_decide(c, req, safe_url, idem, &a, rc, attempt, &delay)) break;
    if (delay > 0 && erplink__sleep_ms(delay, req->cancel, req->cancel_ud)) {
      erplink_http_response_free(resp);
      resp = NULL;
      rc = erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled while waiting %lld ms before a retry",
                               req->method, safe_url, (long long)delay);
      break;
    }
  }
  request_finish(c, req, safe_url, resp, rc, attempt, t0, connects);
  free(safe_url);
  if (out) *out = resp;
  else erplink_http_response_free(resp);
  return rc;
}

/* ---------------------------------------------------------------- batches (one curl_multi on the caller's thread)
 *
 * Every transfer of a batch runs on the calling thread through one multi handle with
 * CURLPIPE_MULTIPLEX and CURLOPT_PIPEWAIT: over TLS with a server that offers h2 through ALPN,
 * the transfers share one connection as HTTP/2 streams; otherwise (HTTP/1.1) up to
 * max_in_flight connections run in parallel. Multi handles (and thus their connection caches)
 * are pooled by the client so that consecutive batches reuse their connections. A transfer is
 * configured by easy_setup() and classified by hop_finish() like a synchronous send, and the
 * retry decision is retry_decide(): a failed attempt is scheduled again after its delay while
 * the other transfers continue. The token bucket and the pause are consulted (without
 * blocking) before every attempt. */

#define MULTI_POOL_MAX 4
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
  xfer x;
  char errbuf[CURL_ERROR_SIZE];
} bx;

struct erplink_http_batch {
  erplink_http_client *c;
  CURLM *multi;
  unsigned gen;
  pid_t pid;
  share_ctx *share;
  int max_in_flight;
  bx **pending; /* FIFO of transfers waiting for their (next) attempt */
  size_t n_pending, cap_pending;
  bx **running;
  size_t n_running;
  CURL **spare;
  size_t n_spare;
  int64_t connects;
  bool in_run;
};

static CURLM *multi_acquire(erplink_http_client *c, unsigned *gen, share_ctx **share) {
  CURLM *m = NULL;
  pthread_mutex_lock(&c->mu);
  fork_check_locked(c);
  if (c->n_idle_multi) m = c->idle_multi[--c->n_idle_multi];
  *gen = c->gen;
  *share = c->share;
  pthread_mutex_unlock(&c->mu);
  return m ? m : curl_multi_init();
}

static void multi_release(erplink_http_client *c, CURLM *m, unsigned gen) {
  if (!m) return;
  pthread_mutex_lock(&c->mu);
  if (gen != c->gen || c->pid != getpid()) { /* made before a fork: abandon */
    pthread_mutex_unlock(&c->mu);
    return;
  }
  if (c->n_idle_multi < MULTI_POOL_MAX) {
    c->idle_multi[c->n_idle_multi++] = m;
    m = NULL;
  }
  pthread_mutex_unlock(&c->mu);
  if (m) curl_multi_cleanup(m);
}

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
  b->multi = b->running && b->spare ? multi_acquire(c, &b->gen, &b->share) : NULL;
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
  slist_free_wiped(t->hl);
  t->hl = NULL;
  curl_easy_reset(t->easy);
  if (b->n_spare < (size_t)b->max_in_flight) b->spare[b->n_spare++] = t->easy;
  else curl_easy_cleanup(t->easy);
  t->easy = NULL;
}

static void batch_drop_all(erplink_http_batch *b) {
  for (size_t i = 0; i < b->n_running; i++) {
    bx_detach(b, b->running[i]);
    xfer_free(&b->running[i]->x);
    bx_free(b->running[i]);
  }
  b->n_running = 0;
  for (size_t i = 0; i < b->n_pending; i++) {
    if (b->pending[i]->token) erplink__ratelimit_refund(&b->c->rl);
    bx_free(b->pending[i]);
  }
  b->n_pending = 0;
}

void erplink_http_batch_free(erplink_http_batch *b) {
  if (!b) return;
  if (b->pid == getpid()) {
    batch_drop_all(b);
    for (size_t i = 0; i < b->n_spare; i++) curl_easy_cleanup(b->spare[i]);
    multi_release(b->c, b->multi, b->gen);
  } /* else: a child after fork(): the handles belong to the parent's connections (leaked) */
  free(b->pending);
  free(b->running);
  free(b->spare);
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
  if (!t || !(t->safe_url = redacted_url(req->url))) {
    free(t);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  t->req = req;
  t->tag = tag;
  t->idem = req->idempotent >= 0 ? req->idempotent != 0 : method_idempotent(req->method);
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

/* A request is over: statistics, logs, the callback (which owns resp). Returns its verdict. */
static int bx_complete(erplink_http_batch *b, bx *t, int rc, erplink_http_response *resp,
                       erplink_http_batch_done_fn fn, void *ud) {
  request_finish(b->c, t->req, t->safe_url, resp, rc, t->attempt, t->t0, t->connects);
  b->connects += t->connects;
  size_t tag = t->tag;
  bx_free(t);
  return fn(ud, tag, rc, resp);
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
  if (t->attempt == 1) log_request_trace(c, req, req->method, t->safe_url, false);
  CURL *easy = b->n_spare ? b->spare[--b->n_spare] : curl_easy_init();
  if (!easy) return erplink__error_setf(ERPLINK_ENOMEM, "could not create a libcurl handle");
  int rc = hop_prepare(&t->x, c, req, easy, req->method, false, &t->hl);
  if (rc) {
    b->spare[b->n_spare++] = easy;
    return rc;
  }
  t->errbuf[0] = '\0';
  easy_setup(c, easy, b->share->sh, &t->x, req->url, req->method, req->body != NULL, t->hl, t->errbuf, t->timeout_ms);
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L); /* wait for a multiplexable connection rather than open one */
  curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)t);
  t->easy = easy;
  CURLMcode mc = curl_multi_add_handle(b->multi, easy);
  if (mc != CURLM_OK) {
    t->easy = NULL;
    slist_free_wiped(t->hl);
    t->hl = NULL;
    curl_easy_cleanup(easy);
    xfer_free(&t->x);
    return erplink__error_setf(ERPLINK_ENOMEM, "%s %s: could not start the transfer (%s)", req->method, t->safe_url,
                               curl_multi_strerror(mc));
  }
  b->running[b->n_running++] = t;
  return 0;
}

/* Starts what may start now; returns a non-zero callback verdict to stop the run. *wake gets
 * the earliest time at which a waiting transfer becomes due. */
static int batch_start_due(erplink_http_batch *b, erplink_http_batch_done_fn fn, void *ud, int64_t *wake) {
  erplink_http_client *c = b->c;
  size_t i = 0;
  while (i < b->n_pending) {
    bx *t = b->pending[i];
    int64_t now = erplink__now_mono_ms();
    if (t->req->cancel && t->req->cancel(t->req->cancel_ud)) {
      memmove(&b->pending[i], &b->pending[i + 1], (b->n_pending - i - 1) * sizeof *b->pending);
      b->n_pending--;
      if (t->token) erplink__ratelimit_refund(&c->rl);
      int rc = t->retry_wait >= 0
                   ? erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled while waiting %lld ms before a retry",
                                         t->req->method, t->safe_url, (long long)t->retry_wait)
                   : erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled before it was sent", t->req->method,
                                         t->safe_url);
      int v = bx_complete(b, t, rc, NULL, fn, ud);
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
      int v = bx_complete(b, t, rc, NULL, fn, ud);
      if (v) return v;
    }
  }
  return 0;
}

/* A transfer of the multi finished: classify, retry or complete. */
static int batch_on_done(erplink_http_batch *b, bx *t, CURLcode cc, erplink_http_batch_done_fn fn, void *ud) {
  for (size_t i = 0; i < b->n_running; i++)
    if (b->running[i] == t) {
      b->running[i] = b->running[--b->n_running];
      break;
    }
  erplink__attempt a;
  attempt_reset(&a);
  erplink_http_response *resp = NULL;
  int status = 0;
  curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, NULL); /* errbuf is read below, from t */
  int rc = hop_finish(b->c, &t->x, cc, t->req->method, t->safe_url, t->req->url, t->errbuf, t->timeout_ms,
                      "not followed (a batch does not follow redirects)", &a, &resp, NULL, &status, &t->connects);
  xfer_free(&t->x);
  bx_detach(b, t);
  int64_t delay = 0;
  if (rc != 0 && retry_decide(b->c, t->req, t->safe_url, t->idem, &a, rc, t->attempt, &delay)) {
    erplink_http_response_free(resp);
    t->start_at = erplink__now_mono_ms() + delay;
    t->retry_wait = delay;
    int prc = pending_push(b, t);
    if (prc == 0) return 0;
    rc = prc;
    resp = NULL;
  }
  return bx_complete(b, t, rc, resp, fn, ud);
}

int erplink_http_batch_run(erplink_http_batch *b, erplink_http_batch_done_fn on_done, void *userdata) {
  if (!b || !on_done) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_run: batch or callback is NULL");
  if (b->in_run) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_run: the batch is already running");
  if (b->pid != getpid())
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_batch_run: the batch was created in another process");
  b->in_run = true;
  int verdict = 0;
  while (!verdict && (b->n_pending || b->n_running)) {
    int64_t wake = INT64_MAX;
    verdict = batch_start_due(b, on_done, userdata, &wake);
    if (verdict) break;
    int still = 0;
    CURLMcode mc = curl_multi_perform(b->multi, &still);
    if (mc != CURLM_OK) {
      verdict = erplink__error_setf(ERPLINK_ENETWORK, "HTTP batch: libcurl multi error: %s", curl_multi_strerror(mc));
      break;
    }
    CURLMsg *msg;
    int left = 0;
    bool progressed = false;
    while (!verdict && (msg = curl_multi_info_read(b->multi, &left)) != NULL) {
      if (msg->msg != CURLMSG_DONE) continue;
      char *p = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
      CURLcode cc = msg->data.result;
      verdict = batch_on_done(b, (bx *)(void *)p, cc, on_done, userdata);
      progressed = true;
    }
    if (verdict || progressed) continue;
    if (!b->n_running && !b->n_pending) break;
    int64_t now = erplink__now_mono_ms();
    int64_t t = BATCH_POLL_MS;
    if (wake != INT64_MAX && wake - now < t) t = wake - now > 0 ? wake - now : 0;
    if (t > 0) {
      mc = curl_multi_poll(b->multi, NULL, 0, (int)t, NULL);
      if (mc != CURLM_OK) {
        verdict = erplink__error_setf(ERPLINK_ENETWORK, "HTTP batch: libcurl multi error: %s", curl_multi_strerror(mc));
        break;
      }
    }
  }
  if (verdict) {
    erplink__error_saved *sv = erplink__error_save();
    batch_drop_all(b);
    erplink__error_restore(sv);
  }
  b->in_run = false;
  return verdict;
}

typedef struct send_batch_ctx {
  erplink_http_response **outs;
  int *codes;
  int failures;
  size_t first;  /* index of the first failed request */
  int first_rc;
  erplink__error_saved *first_err;
} send_batch_ctx;

static void saved_drop(erplink__error_saved *sv) {
  if (!sv) return;
  erplink__error_restore(sv);
  erplink_error_clear();
}

static int send_batch_done(void *ud, size_t i, int code, erplink_http_response *resp) {
  send_batch_ctx *s = ud;
  if (s->outs) s->outs[i] = resp;
  else erplink_http_response_free(resp);
  if (s->codes) s->codes[i] = code;
  if (code) {
    s->failures++;
    if (!s->first_rc || i < s->first) {
      saved_drop(s->first_err);
      s->first = i;
      s->first_rc = code;
      s->first_err = NULL;
      const erplink_error *e = erplink_error_last();
      if (e) erplink__error_setx(code, erplink_error_http_status(e), erplink_error_remote_class(e),
                                 erplink_error_detail(e), erplink_error_detail(e) ? strlen(erplink_error_detail(e)) : 0,
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
