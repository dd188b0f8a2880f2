/*
 * Private declarations of the transport modules (http.c, retry.c, ratelimit.c, log.c).
 * Service modules may include it for erplink__http_client_logger(); tests include it to
 * drive the pure parts (backoff, budget, token bucket, redaction) with injected clocks.
 */
#ifndef ERPLINK_CORE_HTTP_INTERNAL_H
#define ERPLINK_CORE_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "erplink/http.h"
#include "erplink/log.h"
#include "internal.h"

/* ---------------------------------------------------------------- log */

typedef struct erplink__logger {
  erplink_log_fn fn;
  void *userdata;
  int max_level;
  /* Names (headers, form fields, query parameters, JSON members) a service or the caller
   * declared secret, on top of the built-in credential names; owned by the options or client. */
  char **secret_names;
  size_t n_secret_names;
} erplink__logger;

static inline bool erplink__log_on(const erplink__logger *l, int level) {
  return l && l->fn && level <= l->max_level && level > ERPLINK_LOG_NONE;
}
/* Formats and delivers one line (truncated at 16 KiB). Arguments must be redacted already. */
void erplink__logf(const erplink__logger *l, int level, const char *fmt, ...) ERPLINK_PRINTF(3, 4);
/* Is this name secret for this logger: a built-in credential name or one it declared? (l may be NULL) */
bool erplink__logger_is_secret(const erplink__logger *l, const char *name, size_t len);
/* Appends the redacted URL to b (userinfo and fragment dropped, credential query values
 * redacted; l, which may be NULL, adds its declared secret names). */
int erplink__redact_url_into(erplink_buf *b, const char *url, const erplink__logger *l);
/* Appends the redacted form body to b (l as above). */
int erplink__redact_form_into(erplink_buf *b, const char *body, size_t len, const erplink__logger *l);
/* erplink_value_dump() that also redacts the members named secret by l. */
int erplink__value_dump_for(char **out, const erplink_value *v, const erplink__logger *l);
/* The logger of a client (NULL-safe): for service modules that log through the client. */
const erplink__logger *erplink__http_client_logger(const erplink_http_client *c);
/* The User-Agent set with erplink_http_options_set_user_agent(), or NULL while the default
 * "erplink/<version>" is in force (for services that require the caller's own, e.g. ESI). */
const char *erplink__http_options_user_agent(const erplink_http_options *o);

/* ---------------------------------------------------------------- URL text */

/* Appends s percent-encoded (everything but RFC 3986 unreserved characters), through libcurl's
 * curl_easy_escape. 0 or ERPLINK_ENOMEM (b->oom set). */
int erplink__url_escape_into(erplink_buf *b, const char *s);
/* Appends "name=value" to a form or query string b ('&' first unless b is empty or ends with
 * '?'), both percent-encoded. 0 or ERPLINK_ENOMEM. */
int erplink__form_add(erplink_buf *b, const char *name, const char *value);

/* For the fuzz target of the response-header parser (tests only): feeds head — a status line
 * and header lines, each ending in LF or CRLF, as libcurl delivers them — through the header
 * callback of a transfer, then body, into a response whose status comes from the last status
 * line. Returns 0; ERPLINK_EPROTOCOL when the callback refuses a line (a transfer would be
 * aborted then); ERPLINK_ENOMEM. The behaviour of transfers is unchanged. */
int erplink__http_response_from_head(erplink_http_response **out, const char *head, size_t head_len, const char *body,
                                     size_t body_len);

/* ---------------------------------------------------------------- retry */

/* Per-client xorshift-style generator (splitmix64); not thread-safe by itself. */
typedef struct erplink__rng {
  uint64_t s;
} erplink__rng;
void erplink__rng_seed(erplink__rng *r, uint64_t seed);
uint64_t erplink__rng_next(erplink__rng *r);
/* Uniform in [0, bound] (inclusive). */
uint64_t erplink__rng_uniform(erplink__rng *r, uint64_t bound);
/* A seed from the OS (getrandom), falling back to time and address bits. */
uint64_t erplink__rng_os_seed(void);

/* The upper bound of the full-jitter delay after the n-th failed attempt (n >= 1):
 * min(cap, base * 2^(n-1)), without overflow. */
int64_t erplink__backoff_ceiling(int64_t base_ms, int64_t cap_ms, int attempt);
/* The jittered delay: uniform in [0, ceiling]. */
int64_t erplink__backoff_delay(erplink__rng *r, int64_t base_ms, int64_t cap_ms, int attempt);

/* What one attempt produced, for the retry decision. */
typedef struct erplink__attempt {
  int code;               /* 0 or ERPLINK_E* */
  int http_status;        /* 0 when no response */
  bool sent;              /* the request may have reached the server (libcurl began sending it) */
  bool permanent;         /* never worth retrying (certificate rejected, cancelled, sink error, too large) */
  int64_t retry_after_ms; /* -1 when the server did not say */
} erplink__attempt;

typedef enum {
  ERPLINK__RETRY_NO = 0,  /* not retryable */
  ERPLINK__RETRY_YES,     /* retry after the computed delay */
  ERPLINK__RETRY_TOO_LONG /* retryable but Retry-After exceeds the maximum */
} erplink__retry_verdict;

/* Classifies the attempt; *why gets a static reason for logs. retry_all_5xx: an idempotent
 * request is also retried on 500 and the other 5xx statuses (not 501/505, which never change). */
erplink__retry_verdict erplink__retry_classify(const erplink__attempt *a, bool idempotent, bool retry_all_5xx,
                                               int64_t max_retry_after_ms, const char **why);

/* Sliding-window retry budget: 10 one-second buckets. Thread-safe (own mutex). */
#define ERPLINK__BUDGET_SLOTS 10
typedef struct erplink__budget {
  pthread_mutex_t mu;
  double ratio;
  int min_retries;
  int64_t slot_sec[ERPLINK__BUDGET_SLOTS];
  uint32_t requests[ERPLINK__BUDGET_SLOTS];
  uint32_t retries[ERPLINK__BUDGET_SLOTS];
} erplink__budget;
int erplink__budget_init(erplink__budget *b, double ratio, int min_retries);
void erplink__budget_destroy(erplink__budget *b);
void erplink__budget_on_request(erplink__budget *b, int64_t now_ms);
/* Takes one retry from the budget if allowed; returns false when exhausted. */
bool erplink__budget_try_retry(erplink__budget *b, int64_t now_ms);

/* ---------------------------------------------------------------- rate limit */

/* Token bucket + server-directed pause. Times are monotonic milliseconds. Thread-safe. */
typedef struct erplink__ratelimit {
  pthread_mutex_t mu;
  double rate; /* tokens per ms; 0 = unlimited */
  double burst;
  double tokens; /* may go negative: reservations made by waiting threads */
  int64_t last_ms;
  int64_t pause_until_ms;
} erplink__ratelimit;
int erplink__ratelimit_init(erplink__ratelimit *rl, double rps, int burst, int64_t now_ms);
void erplink__ratelimit_destroy(erplink__ratelimit *rl);
/* Reserves one token at now_ms; returns how long the caller must wait for it (0 = at
 * once). Pauses are not included: see erplink__ratelimit_pause_left(). */
int64_t erplink__ratelimit_reserve(erplink__ratelimit *rl, int64_t now_ms);
/* Gives back a reserved token (the waiter was cancelled). */
void erplink__ratelimit_refund(erplink__ratelimit *rl);
/* Extends the pause to now_ms + ms (never shortens). */
void erplink__ratelimit_pause(erplink__ratelimit *rl, int64_t now_ms, int64_t ms);
int64_t erplink__ratelimit_pause_left(erplink__ratelimit *rl, int64_t now_ms);
/* Blocks until the caller may start (cancellable): waits for the pause, then for a token.
 * Returns 0, or ERPLINK_ECANCELLED (last error set). *waited_ms gets the time spent. */
int erplink__ratelimit_acquire(erplink__ratelimit *rl, int (*cancel)(void *), void *ud, int64_t *waited_ms);

#endif /* ERPLINK_CORE_HTTP_INTERNAL_H */
