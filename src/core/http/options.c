/* HTTP options: the transport knobs, validated when set, deep-copied by clients and by the
 * options objects of the services that embed them. */
#include <stdlib.h>
#include <string.h>

#include "http_impl.h"

void erplink__http_options_defaults(erplink_http_options *o) {
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
  erplink__http_options_defaults(*out);
  return 0;
}

void erplink__http_options_release(erplink_http_options *o) {
  free(o->user_agent);
  free(o->ca_file);
  free(o->ca_dir);
  erplink__free_str(o->proxy, true); /* a proxy URL may carry credentials */
  o->user_agent = o->ca_file = o->ca_dir = o->proxy = NULL;
  for (size_t i = 0; i < o->log.n_secret_names; i++) free(o->log.secret_names[i]);
  free(o->log.secret_names);
  o->log.secret_names = NULL;
  o->log.n_secret_names = 0;
}

static int dup_opt(char **dst, const char *src) {
  *dst = NULL;
  return src && !(*dst = strdup(src)) ? ERPLINK_ENOMEM : 0;
}

int erplink__http_options_copy(erplink_http_options *dst, const erplink_http_options *src) {
  *dst = *src;
  dst->user_agent = dst->ca_file = dst->ca_dir = dst->proxy = NULL;
  dst->log.secret_names = NULL;
  dst->log.n_secret_names = 0;
  int rc = dup_opt(&dst->user_agent, src->user_agent);
  if (!rc) rc = dup_opt(&dst->ca_file, src->ca_file);
  if (!rc) rc = dup_opt(&dst->ca_dir, src->ca_dir);
  if (!rc) rc = dup_opt(&dst->proxy, src->proxy);
  if (!rc && src->log.n_secret_names) {
    dst->log.secret_names = calloc(src->log.n_secret_names, sizeof *dst->log.secret_names);
    if (!dst->log.secret_names) rc = ERPLINK_ENOMEM;
    for (size_t i = 0; !rc && i < src->log.n_secret_names; i++) {
      rc = dup_opt(&dst->log.secret_names[i], src->log.secret_names[i]);
      if (!rc) dst->log.n_secret_names++;
    }
  }
  if (rc) {
    erplink__http_options_release(dst);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory copying HTTP options");
  }
  return 0;
}

int erplink_http_options_clone(erplink_http_options **out, const erplink_http_options *o) {
  if (!out || !o) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_options_clone: NULL argument");
  }
  *out = NULL;
  erplink_http_options *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  int rc = erplink__http_options_copy(c, o);
  if (rc) {
    free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void erplink_http_options_free(erplink_http_options *o) {
  if (!o) return;
  erplink__http_options_release(o);
  free(o);
}

#define OPT_CHECK(o, name)                                                                                             \
  do {                                                                                                                 \
    if (!(o)) return erplink__error_setf(ERPLINK_EINVAL, "%s: options is NULL", name);                                 \
  } while (0)

static int set_str(char **slot, const char *v, bool secret, const char *what) {
  if (v && erplink__has_ctl(v, false))
    return erplink__error_setf(ERPLINK_EINVAL, "%s contains a control character", what);
  return erplink__set_str(slot, v, secret);
}

int erplink_http_options_set_user_agent(erplink_http_options *o, const char *ua) {
  OPT_CHECK(o, "erplink_http_options_set_user_agent");
  return set_str(&o->user_agent, ua && *ua ? ua : NULL, false, "user agent");
}

const char *erplink__http_options_user_agent(const erplink_http_options *o) { return o ? o->user_agent : NULL; }

int erplink_http_options_set_connect_timeout_ms(erplink_http_options *o, int64_t ms) {
  OPT_CHECK(o, "erplink_http_options_set_connect_timeout_ms");
  if (ms < 1 || ms > ERPLINK__HTTP_MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "connect timeout must be between 1 and %lld ms",
                               ERPLINK__HTTP_MAX_TIMEOUT_MS);
  o->connect_timeout_ms = ms;
  return 0;
}

int erplink_http_options_set_timeout_ms(erplink_http_options *o, int64_t ms) {
  OPT_CHECK(o, "erplink_http_options_set_timeout_ms");
  if (ms < 0 || ms > ERPLINK__HTTP_MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "timeout must be between 0 and %lld ms", ERPLINK__HTTP_MAX_TIMEOUT_MS);
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
  if (base_ms < 0 || cap_ms < base_ms || cap_ms > ERPLINK__HTTP_MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "backoff needs 0 <= base <= cap <= %lld ms",
                               ERPLINK__HTTP_MAX_TIMEOUT_MS);
  o->backoff_base_ms = base_ms;
  o->backoff_cap_ms = cap_ms;
  return 0;
}

int erplink_http_options_set_max_retry_after_ms(erplink_http_options *o, int64_t ms) {
  OPT_CHECK(o, "erplink_http_options_set_max_retry_after_ms");
  if (ms < 0 || ms > ERPLINK__HTTP_MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "max Retry-After must be between 0 and %lld ms",
                               ERPLINK__HTTP_MAX_TIMEOUT_MS);
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
  if (!(rps >= 0.0 && rps <= 1e6))
    return erplink__error_setf(ERPLINK_EINVAL, "requests per second must be between 0 and 1e6");
  if (rps > 0 && burst < 1) return erplink__error_setf(ERPLINK_EINVAL, "burst must be at least 1");
  o->rps = rps;
  o->burst = burst < 1 ? 1 : burst;
  return 0;
}

int erplink_http_options_set_log(erplink_http_options *o, int max_level, erplink_log_fn fn, void *userdata) {
  OPT_CHECK(o, "erplink_http_options_set_log");
  if (max_level < ERPLINK_LOG_NONE || max_level > ERPLINK_LOG_TRACE)
    return erplink__error_setf(ERPLINK_EINVAL, "log level must be between ERPLINK_LOG_NONE and ERPLINK_LOG_TRACE");
  o->log.fn = fn;
  o->log.userdata = userdata;
  o->log.max_level = fn ? max_level : ERPLINK_LOG_NONE;
  return 0;
}

int erplink_http_options_add_secret_name(erplink_http_options *o, const char *name) {
  OPT_CHECK(o, "erplink_http_options_add_secret_name");
  if (!name || !*name || erplink__has_ctl(name, false))
    return erplink__error_setf(ERPLINK_EINVAL, "a secret name must be a non-empty string without control characters");
  for (size_t i = 0; i < o->log.n_secret_names; i++)
    if (erplink__http_ieq(o->log.secret_names[i], name)) return 0;
  if (o->log.n_secret_names >= ERPLINK__HTTP_MAX_SECRET_NAMES)
    return erplink__error_setf(ERPLINK_ERANGE, "at most %d secret names", ERPLINK__HTTP_MAX_SECRET_NAMES);
  char **names = realloc(o->log.secret_names, (o->log.n_secret_names + 1) * sizeof *names);
  if (!names) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  o->log.secret_names = names;
  if (!(names[o->log.n_secret_names] = strdup(name))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  o->log.n_secret_names++;
  return 0;
}
