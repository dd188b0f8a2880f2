/*
 * Private to src/core/http/: the layouts and the functions the transport's files share.
 *
 *   options.c   erplink_http_options (the knobs; deep copy for clients and service options)
 *   client.c    library init, the client: pool of easy handles, curl_share, fork, pause
 *   request.c   requests and responses (the objects and their accessors)
 *   transfer.c  one transfer: libcurl callbacks, header lists, easy setup, error mapping,
 *               classification of a finished hop, request trace logging
 *   send.c      the retry decision and the synchronous send
 *   batch.c     batches: many requests on one curl_multi on the calling thread
 *
 * Other modules use the transport through erplink/http.h and ../http_internal.h only.
 */
#ifndef ERPLINK_CORE_HTTP_IMPL_H
#define ERPLINK_CORE_HTTP_IMPL_H

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include "erplink/version.h"
#include "http_internal.h"

#define ERPLINK__HTTP_DEFAULT_UA "erplink/" ERPLINK_VERSION
#define ERPLINK__HTTP_MAX_TIMEOUT_MS 86400000LL
#define ERPLINK__HTTP_ERROR_DETAIL_BYTES 2048
#define ERPLINK__HTTP_MAX_SECRET_NAMES 64

/* ---------------------------------------------------------------- small helpers */

typedef struct erplink__hdr {
  char *name;
  char *value;
  bool secret;
} erplink__hdr;

static inline bool erplink__http_ieq(const char *a, const char *b) { return erplink__ascii_ieq(a, strlen(a), b); }

static inline bool erplink__http_starts_with_ci(const char *s, const char *prefix) {
  size_t n = strlen(prefix);
  return strlen(s) >= n && erplink__ascii_ieq(s, n, prefix);
}

/* An RFC 9110 token (method, header name). */
bool erplink__http_is_token(const char *s);
/* Frees the names and values of n headers (values wiped when secret). */
void erplink__http_hdrs_clear(erplink__hdr *h, size_t n);

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
  erplink__logger log; /* log.secret_names is owned */
};

void erplink__http_options_defaults(erplink_http_options *o);
/* Deep copy into dst (which holds nothing to free). 0 or ERPLINK_ENOMEM (dst then empty). */
int erplink__http_options_copy(erplink_http_options *dst, const erplink_http_options *src);
/* Frees what the options own (not the struct itself). */
void erplink__http_options_release(erplink_http_options *o);

/* ---------------------------------------------------------------- client */

/* The share and its locks live in their own allocation so that a child process after
 * fork() can abandon the parent's (whose mutexes may be held) and make new ones. */
typedef struct erplink__share {
  CURLSH *sh;
  pthread_mutex_t mu[CURL_LOCK_DATA_LAST];
} erplink__share;

#define ERPLINK__MULTI_POOL_MAX 4

struct erplink_http_client {
  erplink_http_options o; /* owned copy */
  pthread_mutex_t mu;     /* pool, pid, generation, rng */
  pthread_cond_t cv;
  CURL **idle;
  size_t n_idle;
  size_t n_out;
  unsigned gen; /* bumped when the pool is abandoned after fork() */
  pid_t pid;
  erplink__share *share;
  erplink__rng rng;
  erplink__budget budget;
  erplink__ratelimit rl;
  CURLM *idle_multi[ERPLINK__MULTI_POOL_MAX]; /* pooled multi handles of batches (their connection caches) */
  size_t n_idle_multi;
};

/* Checks an easy handle out of the pool (waiting, cancellably, for a free slot). */
int erplink__http_pool_acquire(erplink_http_client *c, CURL **easy, unsigned *gen, erplink__share **share);
/* Puts it back (or frees it when discard, or abandons it when it predates a fork). */
void erplink__http_pool_release(erplink_http_client *c, CURL *h, unsigned gen, bool discard);
/* The same for the multi handles of batches. */
CURLM *erplink__http_multi_acquire(erplink_http_client *c, unsigned *gen, erplink__share **share);
void erplink__http_multi_release(erplink_http_client *c, CURLM *m, unsigned gen);
/* A jittered backoff delay from the client's generator (thread-safe). */
int64_t erplink__http_client_backoff(erplink_http_client *c, int attempt);

/* ---------------------------------------------------------------- requests and responses */

struct erplink_http_request {
  char *method;
  char *url;
  erplink__hdr *h;
  size_t nh, caph;
  const char *body;
  size_t body_len;
  char *body_owned;
  int64_t timeout_ms; /* -1 = client's */
  int idempotent;     /* -1 = from the method */
  int (*sink_write)(const char *, size_t, void *);
  void (*sink_reset)(void *);
  void *sink_ud;
  const erplink_value *log_value;
};

struct erplink_http_response {
  int status;
  erplink__hdr *h;
  size_t nh;
  char *body;
  size_t body_len;
  int attempts;
  int64_t total_ms;
  char *effective_url;
  long connects;    /* connections opened for this request, all attempts */
  int http_version; /* 10, 11, 20, 30; 0 = unknown */
};

bool erplink__http_method_idempotent(const char *m);
bool erplink__http_request_idempotent(const erplink_http_request *r);
const char *erplink__http_request_header(const erplink_http_request *r, const char *name);

/* ---------------------------------------------------------------- one transfer */

typedef struct erplink__xfer {
  const erplink_http_request *req;
  CURL *easy;
  size_t max;
  size_t received;
  erplink_buf body;
  erplink__hdr *h;
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
} erplink__xfer;

void erplink__xfer_free(erplink__xfer *x);
/* Parses one raw header line as libcurl delivers it (status lines start a new header set).
 * Returns false when the transfer must stop (out of memory, too many headers, a
 * Content-Length over the cap: x->oom / x->too_large say which). */
bool erplink__xfer_header_line(erplink__xfer *x, const char *data, size_t len, long status);
void erplink__http_slist_free_wiped(struct curl_slist *l);
/* "scheme://host:port" of a URL, lowercase, default port filled in; "" when unparsable. */
void erplink__http_url_origin(const char *url, char *out, size_t cap);
/* A copy of the URL for logs and messages (credentials redacted); NULL when out of memory. */
char *erplink__http_redacted_url(const erplink_http_client *c, const char *url);
/* Starts a hop: the xfer and the header list. Returns 0 or the error (last error set). */
int erplink__http_hop_prepare(erplink__xfer *x, const erplink_http_client *c, const erplink_http_request *req,
                              CURL *easy, const char *method, bool cross_origin, struct curl_slist **hl);
/* Configures the easy handle for one hop: every option of a transfer is set here, so that a
 * synchronous send and a batch transfer behave alike. hl, errbuf and x outlive the transfer. */
void erplink__http_easy_setup(const erplink_http_client *c, CURL *easy, CURLSH *sh, erplink__xfer *x, const char *url,
                              const char *method, bool with_body, struct curl_slist *hl, char *errbuf,
                              int64_t timeout_ms);
/* Classifies a finished hop (see transfer.c). */
int erplink__http_hop_finish(const erplink_http_client *c, erplink__xfer *x, CURLcode cc, const char *method,
                             const char *safe_url, const char *url, const char *errbuf, int64_t timeout_ms,
                             const char *nofollow_why, erplink__attempt *a, erplink_http_response **resp, char **follow,
                             int *status_out, long *connects);
/* The TRACE lines of a request's first attempt (headers and body, redacted). */
void erplink__http_log_request(const erplink_http_client *c, const erplink_http_request *r, const char *method,
                               const char *safe_url, bool cross_origin);

/* ---------------------------------------------------------------- retry (send.c) */

void erplink__http_attempt_reset(erplink__attempt *a);
/* The retry decision after failed attempt number `attempt` (both paths): true with *delay_ms
 * when the request is to be tried again; false when the failure is final. */
bool erplink__http_retry_decide(erplink_http_client *c, const erplink_http_request *req, const char *safe_url,
                                bool idem, const erplink__attempt *a, int rc, int attempt, int64_t *delay_ms);
/* The end of a request (both paths): attempts note, response statistics, the summary log line. */
void erplink__http_request_finish(const erplink_http_client *c, const erplink_http_request *req, const char *safe_url,
                                  erplink_http_response *resp, int rc, int attempt, int64_t t0, long connects);

#endif /* ERPLINK_CORE_HTTP_IMPL_H */
