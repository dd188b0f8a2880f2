/* Retry policy: per-client jitter generator, capped exponential backoff with full jitter,
 * Retry-After parsing, the retry classification (what may be repeated, POST rule) and the
 * sliding-window retry budget. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "http_internal.h"

/* ---------------------------------------------------------------- RNG (splitmix64) */

void erplink__rng_seed(erplink__rng *r, uint64_t seed) { r->s = seed; }

uint64_t erplink__rng_next(erplink__rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t erplink__rng_uniform(erplink__rng *r, uint64_t bound) {
  if (bound == UINT64_MAX) return erplink__rng_next(r);
  uint64_t n = bound + 1;
  /* rejection sampling: no modulo bias */
  uint64_t limit = UINT64_MAX - (UINT64_MAX % n);
  for (int i = 0; i < 64; i++) {
    uint64_t x = erplink__rng_next(r);
    if (x < limit) return x % n;
  }
  return erplink__rng_next(r) % n;
}

uint64_t erplink__rng_os_seed(void) {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed) return seed;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ((uint64_t)ts.tv_sec * 1000000007ull) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&seed;
}

/* ---------------------------------------------------------------- backoff */

int64_t erplink__backoff_ceiling(int64_t base_ms, int64_t cap_ms, int attempt) {
  if (base_ms <= 0 || cap_ms <= 0) return 0;
  if (attempt < 1) attempt = 1;
  int64_t v = base_ms;
  for (int i = 1; i < attempt; i++) {
    if (v >= cap_ms || v > INT64_MAX / 2) return cap_ms;
    v *= 2;
  }
  return v < cap_ms ? v : cap_ms;
}

int64_t erplink__backoff_delay(erplink__rng *r, int64_t base_ms, int64_t cap_ms, int attempt) {
  int64_t ceil = erplink__backoff_ceiling(base_ms, cap_ms, attempt);
  if (ceil <= 0) return 0;
  return (int64_t)erplink__rng_uniform(r, (uint64_t)ceil);
}

/* ---------------------------------------------------------------- Retry-After */

#define RETRY_AFTER_MAX_MS 1000000000000LL /* ~31 years: "huge" */

int erplink_http_parse_retry_after(int64_t *out_ms, const char *value, int64_t now_unix_ms) {
  if (!out_ms || !value) return erplink__error_setf(ERPLINK_EINVAL, "Retry-After: NULL argument");
  size_t len = strlen(value);
  while (len && (value[0] == ' ' || value[0] == '\t')) value++, len--;
  while (len && (value[len - 1] == ' ' || value[len - 1] == '\t')) len--;
  if (len == 0) return erplink__error_setf(ERPLINK_EINVAL, "Retry-After: empty value");
  if (len > 64) return erplink__error_setf(ERPLINK_EINVAL, "Retry-After: value too long");
  bool digits = true;
  for (size_t i = 0; i < len; i++)
    if (value[i] < '0' || value[i] > '9') digits = false;
  if (digits) {
    int64_t secs = 0;
    bool overflow = false;
    if (!erplink__parse_int64(value, len, &secs, &overflow) && !overflow)
      return erplink__error_setf(ERPLINK_EINVAL, "Retry-After: not a number");
    if (overflow || secs > RETRY_AFTER_MAX_MS / 1000)
      *out_ms = RETRY_AFTER_MAX_MS;
    else
      *out_ms = secs * 1000;
    return 0;
  }
  if (value[0] == '-' || value[0] == '+')
    return erplink__error_setf(ERPLINK_EINVAL, "Retry-After: signed values are not allowed");
  /* HTTP-date: must start with a day name (IMF-fixdate, RFC 850 or asctime) so that
   * curl_getdate's leniency does not turn garbage into a date. */
  static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  bool dayname = false;
  for (size_t i = 0; i < 7; i++)
    if (len >= 3 && erplink__ascii_ieq(value, 3, days[i])) dayname = true;
  if (!dayname) return erplink__error_setf(ERPLINK_EINVAL, "Retry-After: neither seconds nor an HTTP-date");
  char tmp[72];
  memcpy(tmp, value, len);
  tmp[len] = '\0';
  time_t t = curl_getdate(tmp, NULL);
  if (t == (time_t)-1) return erplink__error_setf(ERPLINK_EINVAL, "Retry-After: unparsable HTTP-date");
  /* curl_getdate() accepts years far beyond any sensible date: clamp in seconds before the
   * conversion to milliseconds can overflow (found by the http_headers fuzz target). */
  int64_t secs = (int64_t)t;
  int64_t ms;
  if (secs > (RETRY_AFTER_MAX_MS + (now_unix_ms > 0 ? now_unix_ms : 0)) / 1000)
    ms = RETRY_AFTER_MAX_MS;
  else
    ms = secs * 1000 - now_unix_ms;
  if (ms < 0) ms = 0;
  if (ms > RETRY_AFTER_MAX_MS) ms = RETRY_AFTER_MAX_MS;
  *out_ms = ms;
  return 0;
}

/* ---------------------------------------------------------------- classification */

erplink__retry_verdict erplink__retry_classify(const erplink__attempt *a, bool idempotent, bool retry_all_5xx,
                                               int64_t max_retry_after_ms, const char **why) {
  const char *dummy;
  if (!why) why = &dummy;
  *why = "not retryable";
  if (a->code == 0) {
    *why = "success";
    return ERPLINK__RETRY_NO;
  }
  if (a->permanent) {
    *why = "permanent failure";
    return ERPLINK__RETRY_NO;
  }
  bool has_ra = a->retry_after_ms >= 0;
  erplink__retry_verdict yes = ERPLINK__RETRY_YES;
  if (has_ra && a->retry_after_ms > max_retry_after_ms) yes = ERPLINK__RETRY_TOO_LONG;

  if (a->http_status) {
    int s = a->http_status;
    if ((s == 429 || s == 503) && has_ra) {
      *why = s == 429 ? "429 with Retry-After (request not processed)" : "503 with Retry-After (request not processed)";
      return yes;
    }
    if (!idempotent) {
      *why = "non-idempotent request reached the server";
      return ERPLINK__RETRY_NO;
    }
    if (s == 429 || s == 502 || s == 503 || s == 504) {
      *why = s == 429 ? "429 on an idempotent request" : "gateway or availability error on an idempotent request";
      return yes;
    }
    if (retry_all_5xx && s >= 500 && s <= 599 && s != 501 && s != 505) {
      *why = "server error on an idempotent request (retrying 5xx is enabled)";
      return yes;
    }
    *why = "HTTP status is not retryable";
    return ERPLINK__RETRY_NO;
  }
  switch (a->code) {
  case ERPLINK_ECONNECT:
  case ERPLINK_EDNS:
  case ERPLINK_ETLS:
  case ERPLINK_ETIMEOUT:
  case ERPLINK_ERECV:
  case ERPLINK_ENETWORK:
    if (!a->sent) {
      *why = "request never reached the server";
      return ERPLINK__RETRY_YES;
    }
    if (idempotent && a->code != ERPLINK_ETLS) {
      *why =
          a->code == ERPLINK_ETIMEOUT ? "timeout on an idempotent request" : "connection lost on an idempotent request";
      return ERPLINK__RETRY_YES;
    }
    *why = "non-idempotent request may have been processed";
    return ERPLINK__RETRY_NO;
  default: *why = "error is not retryable"; return ERPLINK__RETRY_NO;
  }
}

/* ---------------------------------------------------------------- budget */

int erplink__budget_init(erplink__budget *b, double ratio, int min_retries) {
  memset(b, 0, sizeof *b);
  b->ratio = ratio;
  b->min_retries = min_retries;
  for (int i = 0; i < ERPLINK__BUDGET_SLOTS; i++) b->slot_sec[i] = INT64_MIN;
  return pthread_mutex_init(&b->mu, NULL) == 0 ? 0 : ERPLINK_ENOMEM;
}

void erplink__budget_destroy(erplink__budget *b) { pthread_mutex_destroy(&b->mu); }

static size_t budget_slot(erplink__budget *b, int64_t now_ms) {
  int64_t sec = now_ms >= 0 ? now_ms / 1000 : -((-now_ms + 999) / 1000);
  size_t i = (size_t)(((sec % ERPLINK__BUDGET_SLOTS) + ERPLINK__BUDGET_SLOTS) % ERPLINK__BUDGET_SLOTS);
  if (b->slot_sec[i] != sec) {
    b->slot_sec[i] = sec;
    b->requests[i] = 0;
    b->retries[i] = 0;
  }
  return i;
}

static void budget_totals(erplink__budget *b, int64_t now_ms, uint64_t *req, uint64_t *ret) {
  int64_t sec = now_ms >= 0 ? now_ms / 1000 : -((-now_ms + 999) / 1000);
  *req = *ret = 0;
  for (int i = 0; i < ERPLINK__BUDGET_SLOTS; i++) {
    if (b->slot_sec[i] != INT64_MIN && b->slot_sec[i] > sec - ERPLINK__BUDGET_SLOTS && b->slot_sec[i] <= sec) {
      *req += b->requests[i];
      *ret += b->retries[i];
    }
  }
}

void erplink__budget_on_request(erplink__budget *b, int64_t now_ms) {
  pthread_mutex_lock(&b->mu);
  size_t i = budget_slot(b, now_ms);
  if (b->requests[i] < UINT32_MAX) b->requests[i]++;
  pthread_mutex_unlock(&b->mu);
}

bool erplink__budget_try_retry(erplink__budget *b, int64_t now_ms) {
  pthread_mutex_lock(&b->mu);
  size_t i = budget_slot(b, now_ms);
  uint64_t req, ret;
  budget_totals(b, now_ms, &req, &ret);
  double allowed = b->ratio * (double)req;
  if (allowed < (double)b->min_retries) allowed = (double)b->min_retries;
  bool ok = (double)ret < allowed;
  if (ok && b->retries[i] < UINT32_MAX) b->retries[i]++;
  pthread_mutex_unlock(&b->mu);
  return ok;
}
