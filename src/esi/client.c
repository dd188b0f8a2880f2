/* ESI options (ESI's own settings and the embedded transport options) and the client, with
 * the state the client keeps across requests: the error limit (X-ESI-Error-Limit-*, pausing
 * the whole client at the floor) and the rate-limit groups (X-Ratelimit-*, spacing a route's
 * requests when its group nears exhaustion). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "erplink/version.h"
#include "esi_internal.h"

#define SLOWDOWN_CAP_MS 10000

struct esi_options {
  char *base_url;
  char date[11];
  char *tenant;
  int concurrency;
  int floor;
  size_t cache_max;
  bool have_store;
  bool keep_json;
  esi_cache_store store;
  erplink_http_options *http; /* the transport knobs, with ESI's defaults */
};

/* ------------------------------------------------------------------ options */

/* ESI's transport defaults (see esi_options_new() in erplink/esi_client.h). The core retries
 * exactly what ESI calls "retry later" for a GET: 502/503/504, network failures and 429 (after
 * its Retry-After); 500 and 420 are never retried. */
static int http_defaults(erplink_http_options *h) {
  int rc = erplink_http_options_set_connect_timeout_ms(h, 10000);
  if (rc == 0) rc = erplink_http_options_set_timeout_ms(h, 60000);
  if (rc == 0) rc = erplink_http_options_set_pool_size(h, 8);
  if (rc == 0) rc = erplink_http_options_set_max_attempts(h, 3);
  if (rc == 0) rc = erplink_http_options_set_backoff_ms(h, 200, 10000);
  return rc;
}

int esi_options_new(esi_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "esi_options_new: NULL out");
  *out = NULL;
  esi_options *o = calloc(1, sizeof *o);
  if (!o) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  memcpy(o->date, ESI_DEFAULT_COMPATIBILITY_DATE, 11);
  o->concurrency = 8;
  o->floor = 10;
  o->cache_max = (size_t)512 << 20;
  int rc = 0;
  if (!(o->base_url = strdup(ESI_DEFAULT_BASE_URL)) || !(o->tenant = strdup("tranquility")))
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0) rc = erplink_http_options_new(&o->http);
  if (rc == 0) rc = http_defaults(o->http);
  if (rc != 0) {
    esi_options_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

void esi_options_free(esi_options *o) {
  if (!o) return;
  free(o->base_url);
  free(o->tenant);
  erplink_http_options_free(o->http);
  free(o);
}

erplink_http_options *esi_options_http(esi_options *o) { return o ? o->http : NULL; }

int esi_options_set_base_url(esi_options *o, const char *url) {
  if (!o || !esi__printable_ok(url) || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
      strchr(url, ' ') || strchr(url, '?'))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_base_url: an http(s) URL without query is required");
  int rc = erplink__set_str(&o->base_url, url, false);
  size_t n = strlen(o->base_url);
  while (rc == 0 && n > 8 && o->base_url[n - 1] == '/') o->base_url[--n] = '\0';
  return rc;
}

int esi_options_set_compatibility_date(esi_options *o, const char *date) {
  int y, m, d;
  char tail;
  if (!o || !date || strlen(date) != 10 || date[4] != '-' || date[7] != '-' ||
      sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || !isdigit((unsigned char)date[5]) ||
      !isdigit((unsigned char)date[8]) || !erplink__datetime_valid(y, m, d, 0, 0, 0, 0))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_compatibility_date: a date YYYY-MM-DD is required");
  memcpy(o->date, date, 11);
  return 0;
}

int esi_options_set_tenant(esi_options *o, const char *tenant) {
  if (!o || !esi__printable_ok(tenant) || strpbrk(tenant, " \t"))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_tenant: a non-empty token is required");
  return erplink__set_str(&o->tenant, tenant, false);
}

int esi_options_set_concurrency(esi_options *o, int n) {
  if (!o || n < 1 || n > 256)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_concurrency: %d outside 1..256", n);
  int rc = erplink_http_options_set_pool_size(o->http, n);
  if (rc == 0) o->concurrency = n;
  return rc;
}

int esi_options_set_error_limit_floor(esi_options *o, int floor) {
  if (!o || floor < 0 || floor > 99)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_error_limit_floor: %d outside 0..99", floor);
  o->floor = floor;
  return 0;
}

int esi_options_set_cache_max_bytes(esi_options *o, size_t bytes) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_cache_max_bytes: NULL options");
  o->cache_max = bytes;
  return 0;
}

int esi_options_set_keep_json(esi_options *o, int on) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_keep_json: NULL options");
  o->keep_json = on != 0;
  return 0;
}

int esi_options_set_cache_store(esi_options *o, const esi_cache_store *store) {
  if (!o || (store && (!store->get || !store->put)))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_cache_store: get and put are required");
  o->have_store = store != NULL;
  if (store) o->store = *store;
  return 0;
}

/* ------------------------------------------------------------------ client */

/* ESI's rule: a User-Agent of the application's own, with contact details (CCP contacts or
 * bans applications by it). */
static int check_user_agent(const char *ua) {
  if (!ua)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "esi_client_new: no User-Agent: ESI requires one with contact details so that CCP can "
                               "reach you instead of banning the application (erplink_http_options_set_user_agent("
                               "esi_options_http(o), \"MyApp/1.0 (me@example.com; +https://example.com/myapp)\"))");
  if (!strchr(ua, '@') && !strstr(ua, "://"))
    return erplink__error_setf(ERPLINK_EINVAL,
                               "esi_client_new: the User-Agent must carry contact details (an e-mail address or a "
                               "URL), e.g. \"MyApp/1.0 (me@example.com; +https://example.com/myapp)\": ESI requires "
                               "them so that CCP can reach you instead of banning the application");
  return 0;
}

/* The client's transport: a copy of the options' with "erplink/<version>" after the caller's
 * User-Agent. */
static int make_http(erplink_http_client **out, const erplink_http_options *src) {
  erplink_http_options *ho = NULL;
  erplink_buf ua = ERPLINK_BUF_INIT;
  erplink_buf_printf(&ua, "%s erplink/%s", erplink__http_options_user_agent(src), ERPLINK_VERSION);
  int rc = ua.oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory") : erplink_http_options_clone(&ho, src);
  if (rc == 0) rc = erplink_http_options_set_user_agent(ho, ua.ptr);
  if (rc == 0) rc = erplink_http_client_new(out, ho);
  erplink_http_options_free(ho);
  erplink_buf_free(&ua);
  return rc;
}

int esi_client_new(esi_client **out, const esi_options *o) {
  if (out) *out = NULL;
  if (!out || !o) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_new: NULL argument");
  int rc = check_user_agent(erplink__http_options_user_agent(o->http));
  if (rc != 0) return rc;
  esi_client *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  pthread_mutex_init(&c->mu, NULL);
  c->el_remain = c->el_reset = -1;
  memcpy(c->date, o->date, sizeof c->date);
  c->concurrency = o->concurrency;
  c->keep_json = o->keep_json;
  c->floor = o->floor;
  if (!(c->base_url = strdup(o->base_url)) || !(c->tenant = strdup(o->tenant)))
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0) {
    if (o->have_store) {
      c->store = o->store;
      c->caching = true;
    } else if (o->cache_max > 0) {
      rc = esi__mcache_new(&c->store, o->cache_max);
      c->caching = rc == 0;
    }
  }
  if (rc == 0) rc = make_http(&c->http, o->http);
  if (rc != 0) {
    esi_client_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void esi_client_free(esi_client *c) {
  if (!c) return;
  if (c->caching && c->store.destroy) c->store.destroy(c->store.userdata);
  erplink_http_client_free(c->http);
  free(c->base_url);
  free(c->tenant);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

int esi_client_error_limit(int *remain, int *reset_s, const esi_client *c) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_error_limit: NULL client");
  pthread_mutex_lock((pthread_mutex_t *)&c->mu);
  if (remain) *remain = c->el_remain;
  if (reset_s) *reset_s = c->el_reset;
  pthread_mutex_unlock((pthread_mutex_t *)&c->mu);
  return 0;
}

erplink_http_client *esi_client_http(esi_client *c) { return c ? c->http : NULL; }

/* ------------------------------------------------------------------ error and rate limits */

int64_t esi__hdr_int(const erplink_http_response *rs, const char *name, int64_t dflt) {
  const char *v = erplink_http_response_header(rs, name);
  int64_t n;
  bool ovf;
  if (!v) return dflt;
  while (*v == ' ') v++;
  size_t l = strlen(v);
  while (l && v[l - 1] == ' ') l--;
  return erplink__parse_int64(v, l, &n, &ovf) ? n : dflt;
}

/* "150/15m" -> limit 150, window 900000 ms (0, 0 when unparsable). */
static void parse_limit(const char *s, int64_t *limit, int64_t *window_ms) {
  *limit = 0;
  *window_ms = 0;
  if (!s) return;
  char *e;
  long long l = strtoll(s, &e, 10);
  if (*e != '/') return;
  long long w = strtoll(e + 1, &e, 10);
  int64_t unit = *e == 'h' ? 3600000 : *e == 'm' ? 60000 : *e == 's' ? 1000 : 0;
  if (l <= 0 || w <= 0 || !unit) return;
  *limit = l;
  *window_ms = w * unit;
}

/* Records the rate-limit group of a route (called with c->mu held). */
static void note_group(esi_client *c, const char *route, const char *g, const char *lim, int64_t rem) {
  if (strlen(g) >= sizeof c->groups[0].name) return;
  int gi = -1;
  for (int i = 0; i < c->n_groups; i++)
    if (strcmp(c->groups[i].name, g) == 0) gi = i;
  if (gi < 0 && c->n_groups < ESI__MAX_GROUPS) {
    gi = c->n_groups++;
    snprintf(c->groups[gi].name, sizeof c->groups[gi].name, "%s", g);
  }
  if (gi < 0) return;
  parse_limit(lim, &c->groups[gi].limit, &c->groups[gi].window_ms);
  c->groups[gi].remaining = rem;
  int ri = -1;
  for (int i = 0; i < c->n_routes; i++)
    if (strcmp(c->routes[i].route, route) == 0) ri = i;
  if (ri < 0 && c->n_routes < ESI__MAX_ROUTES && strlen(route) < sizeof c->routes[0].route) {
    ri = c->n_routes++;
    snprintf(c->routes[ri].route, sizeof c->routes[ri].route, "%s", route);
  }
  if (ri >= 0) c->routes[ri].group = gi;
}

void esi__observe(esi_client *c, const char *route, const erplink_http_response *rs, esi__page *pg) {
  int64_t remain = esi__hdr_int(rs, "X-ESI-Error-Limit-Remain", -1),
          reset = esi__hdr_int(rs, "X-ESI-Error-Limit-Reset", -1);
  const char *g = erplink_http_response_header(rs, "X-Ratelimit-Group");
  const char *lim = erplink_http_response_header(rs, "X-Ratelimit-Limit");
  int64_t rem = esi__hdr_int(rs, "X-Ratelimit-Remaining", -1);
  pg->el_remain = (int)remain;
  pg->el_reset = (int)reset;
  if (g && !pg->rl_group) {
    pg->rl_group = strdup(g);
    pg->rl_limit = lim ? strdup(lim) : NULL;
    pg->rl_remaining = rem;
    pg->rl_used = esi__hdr_int(rs, "X-Ratelimit-Used", -1);
  }
  pthread_mutex_lock(&c->mu);
  if (remain >= 0) {
    c->el_remain = (int)remain;
    c->el_reset = (int)reset;
  }
  if (g) note_group(c, route, g, lim, rem);
  pthread_mutex_unlock(&c->mu);
  if (remain >= 0 && remain <= c->floor && reset >= 0) {
    erplink_http_client_pause_ms(c->http, reset * 1000 + 100);
    const erplink__logger *lg = erplink__http_client_logger(c->http);
    if (erplink__log_on(lg, ERPLINK_LOG_WARN))
      erplink__logf(lg, ERPLINK_LOG_WARN,
                    "ESI error limit: %" PRId64 " errors left (floor %d): pausing every request "
                    "for %" PRId64 " s",
                    remain, c->floor, reset);
  }
}

void esi__slow_down(esi_client *c, const char *route) {
  int64_t delay = 0;
  pthread_mutex_lock(&c->mu);
  for (int i = 0; i < c->n_routes; i++) {
    if (strcmp(c->routes[i].route, route) != 0) continue;
    esi__rl_group *g = &c->groups[c->routes[i].group];
    if (g->limit > 0 && g->remaining >= 0 && g->remaining < (g->limit + 9) / 10) {
      delay = g->window_ms / g->limit;
      if (delay > SLOWDOWN_CAP_MS) delay = SLOWDOWN_CAP_MS;
    }
    break;
  }
  pthread_mutex_unlock(&c->mu);
  if (delay > 0) erplink__sleep_ms(delay, NULL, NULL);
}
