/* The ESI client: routes with path/query parameters, an HTTP cache behind a store interface
 * (fresh until Expires/max-age, then revalidated with If-None-Match, per page), concurrent
 * pagination with a Last-Modified consistency check, error-limit and rate-limit-group
 * handling (pauses through erplink_http_client_pause_ms), and typed helpers. JWT and SSO
 * live in jwt.c and sso.c. */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "erplink/esi.h"
#include "erplink/json.h"
#include "erplink/version.h"
#include "esi_internal.h"
#include "http_internal.h"

#define MAX_GROUPS 64
#define MAX_ROUTES 256
#define MAX_PAGES 100000
#define SLOWDOWN_CAP_MS 10000

/* ------------------------------------------------------------------ options */

struct esi_options {
  char *base_url;
  char date[11];
  char *tenant;
  char *user_agent;
  int64_t connect_ms, total_ms;
  int concurrency;
  int max_attempts;
  int64_t backoff_base_ms, backoff_cap_ms;
  int floor;
  size_t cache_max;
  bool have_store;
  esi_cache_store store;
  erplink_log_fn log_fn;
  void *log_ud;
  int log_level;
};

int esi_options_new(esi_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "esi_options_new: NULL out");
  esi_options *o = calloc(1, sizeof *o);
  if (!o || !(o->base_url = strdup(ESI_DEFAULT_BASE_URL)) || !(o->tenant = strdup("tranquility"))) {
    if (o) free(o->base_url);
    free(o);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  memcpy(o->date, ESI_DEFAULT_COMPATIBILITY_DATE, 11);
  o->connect_ms = 10000;
  o->total_ms = 60000;
  o->concurrency = 8;
  o->max_attempts = 3;
  o->backoff_base_ms = 200;
  o->backoff_cap_ms = 10000;
  o->floor = 10;
  o->cache_max = (size_t)512 << 20;
  *out = o;
  return 0;
}

void esi_options_free(esi_options *o) {
  if (!o) return;
  free(o->base_url);
  free(o->tenant);
  free(o->user_agent);
  free(o);
}

static int replace(char **dst, const char *src) {
  char *c = strdup(src);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  free(*dst);
  *dst = c;
  return 0;
}

int esi_options_set_base_url(esi_options *o, const char *url) {
  if (!o || !esi__printable_ok(url) || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) ||
      strchr(url, ' ') || strchr(url, '?'))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_base_url: an http(s) URL without query is required");
  int rc = replace(&o->base_url, url);
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
  return replace(&o->tenant, tenant);
}

int esi_options_set_user_agent(esi_options *o, const char *ua) {
  if (!o || !esi__printable_ok(ua))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_user_agent: a non-empty User-Agent without control "
                                               "characters is required");
  if (!strchr(ua, '@') && !strstr(ua, "://"))
    return erplink__error_setf(ERPLINK_EINVAL,
                               "esi_options_set_user_agent: the User-Agent must carry contact details (an e-mail "
                               "address or a URL), e.g. \"MyApp/1.0 (me@example.com; +https://example.com/myapp)\"");
  return replace(&o->user_agent, ua);
}

int esi_options_set_timeouts_ms(esi_options *o, int64_t connect_ms, int64_t total_ms) {
  if (!o || connect_ms < 1 || connect_ms > 600000 || total_ms < 1 || total_ms > 3600000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_timeouts_ms: out of range");
  o->connect_ms = connect_ms;
  o->total_ms = total_ms;
  return 0;
}

int esi_options_set_concurrency(esi_options *o, int n) {
  if (!o || n < 1 || n > 256) return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_concurrency: %d outside 1..256", n);
  o->concurrency = n;
  return 0;
}

int esi_options_set_retry(esi_options *o, int max_attempts, int64_t base_ms, int64_t cap_ms) {
  if (!o || max_attempts < 1 || max_attempts > 10 || base_ms < 0 || base_ms > 60000 || cap_ms < base_ms ||
      cap_ms > 600000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_retry: out of range");
  o->max_attempts = max_attempts;
  o->backoff_base_ms = base_ms;
  o->backoff_cap_ms = cap_ms;
  return 0;
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

int esi_options_set_cache_store(esi_options *o, const esi_cache_store *store) {
  if (!o || (store && (!store->get || !store->put)))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_cache_store: get and put are required");
  o->have_store = store != NULL;
  if (store) o->store = *store;
  return 0;
}

int esi_options_set_log(esi_options *o, erplink_log_fn fn, void *userdata, int max_level) {
  if (!o || max_level < ERPLINK_LOG_NONE || max_level > ERPLINK_LOG_TRACE)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_options_set_log: bad arguments");
  o->log_fn = fn;
  o->log_ud = userdata;
  o->log_level = max_level;
  return 0;
}

/* ------------------------------------------------------------------ in-memory cache store */

typedef struct mentry {
  char *key;
  void *data;
  size_t len;
  uint64_t seq;
  struct mentry *next;
} mentry;

typedef struct mcache {
  pthread_mutex_t mu;
  mentry **b;
  size_t nb;
  size_t bytes, max, count;
  uint64_t seq;
} mcache;

static uint64_t fnv(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int mc_get(void *ud, const char *key, void **data, size_t *len) {
  mcache *m = ud;
  int found = 0;
  pthread_mutex_lock(&m->mu);
  for (mentry *e = m->b[fnv(key) % m->nb]; e; e = e->next) {
    if (strcmp(e->key, key) == 0) {
      void *c = malloc(e->len ? e->len : 1);
      if (c) {
        memcpy(c, e->data, e->len);
        *data = c;
        *len = e->len;
        found = 1;
      } else {
        found = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      }
      break;
    }
  }
  pthread_mutex_unlock(&m->mu);
  return found;
}

static void mc_unlink(mcache *m, mentry *victim) {
  mentry **pp = &m->b[fnv(victim->key) % m->nb];
  while (*pp && *pp != victim) pp = &(*pp)->next;
  if (*pp) *pp = victim->next;
  m->bytes -= victim->len + strlen(victim->key);
  m->count--;
  free(victim->key);
  free(victim->data);
  free(victim);
}

/* Drops the oldest entries until the cache holds at most target bytes. Called with mu held. */
static void mc_evict(mcache *m, size_t target) {
  while (m->bytes > target && m->count) {
    mentry *old = NULL;
    for (size_t i = 0; i < m->nb; i++)
      for (mentry *e = m->b[i]; e; e = e->next)
        if (!old || e->seq < old->seq) old = e;
    if (!old) break;
    mc_unlink(m, old);
  }
}

static int mc_put(void *ud, const char *key, const void *data, size_t len) {
  mcache *m = ud;
  if (len + strlen(key) > m->max) return 0;
  mentry *n = calloc(1, sizeof *n);
  if (!n || !(n->key = strdup(key)) || !(n->data = malloc(len ? len : 1))) {
    if (n) free(n->key);
    free(n);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  memcpy(n->data, data, len);
  n->len = len;
  pthread_mutex_lock(&m->mu);
  size_t h = fnv(key) % m->nb;
  for (mentry *e = m->b[h]; e; e = e->next)
    if (strcmp(e->key, key) == 0) {
      mc_unlink(m, e);
      break;
    }
  if (m->bytes + len + strlen(key) > m->max) mc_evict(m, m->max - (len + strlen(key)) - (m->max - len - strlen(key)) / 10);
  n->seq = ++m->seq;
  n->next = m->b[h];
  m->b[h] = n;
  m->bytes += len + strlen(key);
  m->count++;
  pthread_mutex_unlock(&m->mu);
  return 0;
}

static void mc_destroy(void *ud) {
  mcache *m = ud;
  if (!m) return;
  for (size_t i = 0; i < m->nb; i++) {
    mentry *e = m->b[i];
    while (e) {
      mentry *nx = e->next;
      free(e->key);
      free(e->data);
      free(e);
      e = nx;
    }
  }
  free(m->b);
  pthread_mutex_destroy(&m->mu);
  free(m);
}

static int mc_new(esi_cache_store *st, size_t max) {
  mcache *m = calloc(1, sizeof *m);
  if (!m || !(m->b = calloc(4099, sizeof *m->b))) {
    free(m);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  m->nb = 4099;
  m->max = max;
  pthread_mutex_init(&m->mu, NULL);
  st->get = mc_get;
  st->put = mc_put;
  st->destroy = mc_destroy;
  st->userdata = m;
  return 0;
}

/* ------------------------------------------------------------------ client */

typedef struct rl_group {
  char name[48];
  int64_t limit;
  int64_t window_ms;
  int64_t remaining;
} rl_group;

typedef struct route_group {
  char route[160];
  int group;
} route_group;

struct esi_client {
  char *base_url;
  char date[11];
  char *tenant;
  int concurrency;
  int floor;
  bool caching;
  esi_cache_store store;
  atomic_bool cache_warned; /* a failing cache store was reported (once per client) */
  erplink_http_client *http;
  pthread_mutex_t mu; /* error-limit and rate-limit state */
  int el_remain, el_reset;
  rl_group groups[MAX_GROUPS];
  int n_groups;
  route_group routes[MAX_ROUTES];
  int n_routes;
};

int esi_client_new(esi_client **out, const esi_options *o) {
  if (out) *out = NULL;
  if (!out || !o) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_new: NULL argument");
  if (!o->user_agent)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "esi_client_new: no User-Agent: ESI requires one with contact details so that CCP can "
                               "reach you instead of banning the application (esi_options_set_user_agent, e.g. "
                               "\"MyApp/1.0 (me@example.com; +https://example.com/myapp)\")");
  esi_client *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  pthread_mutex_init(&c->mu, NULL);
  c->el_remain = c->el_reset = -1;
  memcpy(c->date, o->date, sizeof c->date);
  c->concurrency = o->concurrency;
  c->floor = o->floor;
  int rc = 0;
  if (!(c->base_url = strdup(o->base_url)) || !(c->tenant = strdup(o->tenant)))
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0) {
    if (o->have_store) {
      c->store = o->store;
      c->caching = true;
    } else if (o->cache_max > 0) {
      rc = mc_new(&c->store, o->cache_max);
      c->caching = rc == 0;
    }
  }
  erplink_http_options *ho = NULL;
  char ua[1024];
  snprintf(ua, sizeof ua, "%s erplink/%s", o->user_agent, ERPLINK_VERSION);
  if (rc == 0) rc = erplink_http_options_new(&ho);
  if (rc == 0) rc = erplink_http_options_set_user_agent(ho, ua);
  if (rc == 0) rc = erplink_http_options_set_connect_timeout_ms(ho, o->connect_ms);
  if (rc == 0) rc = erplink_http_options_set_timeout_ms(ho, o->total_ms);
  if (rc == 0) rc = erplink_http_options_set_pool_size(ho, o->concurrency);
  if (rc == 0) rc = erplink_http_options_set_max_attempts(ho, o->max_attempts);
  if (rc == 0) rc = erplink_http_options_set_backoff_ms(ho, o->backoff_base_ms, o->backoff_cap_ms);
  if (rc == 0 && o->log_fn) rc = erplink_http_options_set_log(ho, o->log_level, o->log_fn, o->log_ud);
  if (rc == 0) rc = erplink_http_client_new(&c->http, ho);
  erplink_http_options_free(ho);
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

int esi_client_error_limit(const esi_client *c, int *remain, int *reset_s) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_error_limit: NULL client");
  pthread_mutex_lock((pthread_mutex_t *)&c->mu);
  if (remain) *remain = c->el_remain;
  if (reset_s) *reset_s = c->el_reset;
  pthread_mutex_unlock((pthread_mutex_t *)&c->mu);
  return 0;
}

erplink_http_client *esi_client_http(esi_client *c) { return c ? c->http : NULL; }

/* ------------------------------------------------------------------ params */

typedef struct kv {
  char *k, *v;
} kv;

struct esi_params {
  kv *path;
  size_t np;
  kv *query;
  size_t nq;
};

int esi_params_new(esi_params **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "esi_params_new: NULL out");
  if (!(*out = calloc(1, sizeof **out))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  return 0;
}

void esi_params_free(esi_params *p) {
  if (!p) return;
  for (size_t i = 0; i < p->np; i++) free(p->path[i].k), free(p->path[i].v);
  for (size_t i = 0; i < p->nq; i++) free(p->query[i].k), free(p->query[i].v);
  free(p->path);
  free(p->query);
  free(p);
}

static int kv_add(kv **arr, size_t *n, const char *k, const char *v) {
  kv *na = realloc(*arr, (*n + 1) * sizeof **arr);
  if (!na) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  *arr = na;
  na[*n].k = strdup(k);
  na[*n].v = strdup(v);
  if (!na[*n].k || !na[*n].v) {
    free(na[*n].k);
    free(na[*n].v);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  (*n)++;
  return 0;
}

int esi_params_set_path(esi_params *p, const char *name, const char *value) {
  if (!p || !esi__printable_ok(name) || !value || !*value)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_params_set_path: a name and a non-empty value are required");
  for (size_t i = 0; i < p->np; i++)
    if (strcmp(p->path[i].k, name) == 0) return replace(&p->path[i].v, value);
  return kv_add(&p->path, &p->np, name, value);
}

int esi_params_set_path_int(esi_params *p, const char *name, int64_t value) {
  char b[24];
  snprintf(b, sizeof b, "%" PRId64, value);
  return esi_params_set_path(p, name, b);
}

int esi_params_add_query(esi_params *p, const char *name, const char *value) {
  if (!p || !esi__printable_ok(name) || !value)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_params_add_query: a name and a value are required");
  if (strcmp(name, "page") == 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_params_add_query: 'page' is managed by the paginated calls");
  return kv_add(&p->query, &p->nq, name, value);
}

int esi_params_add_query_int(esi_params *p, const char *name, int64_t value) {
  char b[24];
  snprintf(b, sizeof b, "%" PRId64, value);
  return esi_params_add_query(p, name, b);
}

/* Builds base + route (placeholders substituted) + query (+ page when > 0). */
static int build_url(char **out, const esi_client *c, const char *route, const esi_params *p, int page,
                     const char *extra_q, const char *extra_v) {
  *out = NULL;
  if (!route || route[0] != '/' || !esi__printable_ok(route) || strpbrk(route, " ?#"))
    return erplink__error_setf(ERPLINK_EINVAL, "ESI: the route must be a path template starting with '/'");
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_puts(&b, c->base_url);
  for (const char *s = route; *s;) {
    if (*s == '{') {
      const char *e = strchr(s, '}');
      if (!e) {
        erplink_buf_free(&b);
        return erplink__error_setf(ERPLINK_EINVAL, "ESI: unbalanced '{' in the route %s", route);
      }
      size_t nl = (size_t)(e - s - 1);
      const char *val = NULL;
      for (size_t i = 0; p && i < p->np && !val; i++)
        if (strlen(p->path[i].k) == nl && memcmp(p->path[i].k, s + 1, nl) == 0) val = p->path[i].v;
      if (!val) {
        erplink_buf_free(&b);
        return erplink__error_setf(ERPLINK_EINVAL, "ESI: no value for the path parameter {%.*s} of %s", (int)nl, s + 1,
                                   route);
      }
      esi__pct_put(&b, val);
      s = e + 1;
    } else {
      erplink_buf_putc(&b, *s++);
    }
  }
  char sep = '?';
  for (size_t i = 0; p && i < p->nq; i++) {
    erplink_buf_putc(&b, sep);
    sep = '&';
    esi__pct_put(&b, p->query[i].k);
    erplink_buf_putc(&b, '=');
    esi__pct_put(&b, p->query[i].v);
  }
  if (extra_q) {
    erplink_buf_putc(&b, sep);
    sep = '&';
    erplink_buf_printf(&b, "%s=%s", extra_q, extra_v);
  }
  if (page > 0) erplink_buf_printf(&b, "%cpage=%d", sep, page);
  if (b.oom) {
    erplink_buf_free(&b);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  *out = erplink_buf_detach(&b, NULL);
  return 0;
}

/* ------------------------------------------------------------------ one request */

typedef struct page_res {
  int rc;
  int status;
  esi_cache_status cache;
  erplink_value *value;
  char *etag, *lm;
  int64_t expires_ms;
  int pages;
  int el_remain, el_reset;
  char *rl_group, *rl_limit;
  int64_t rl_remaining, rl_used;
  int requests;
  erplink__error_saved *err; /* the failure, recorded on the worker thread */
} page_res;

static void page_clear(page_res *p) {
  erplink_value_free(p->value);
  free(p->etag);
  free(p->lm);
  free(p->rl_group);
  free(p->rl_limit);
  if (p->err) erplink__error_restore(p->err), erplink_error_clear();
  memset(p, 0, sizeof *p);
}

static void page_init(page_res *p) {
  memset(p, 0, sizeof *p);
  p->el_remain = p->el_reset = -1;
  p->rl_remaining = p->rl_used = -1;
  p->pages = 1;
}

static int64_t hdr_int(const erplink_http_response *rs, const char *name, int64_t dflt) {
  const char *v = erplink_http_response_header(rs, name);
  int64_t n;
  bool ovf;
  if (!v) return dflt;
  while (*v == ' ') v++;
  size_t l = strlen(v);
  while (l && v[l - 1] == ' ') l--;
  return erplink__parse_int64(v, l, &n, &ovf) ? n : dflt;
}

static char *hdr_dup(const erplink_http_response *rs, const char *name) {
  const char *v = erplink_http_response_header(rs, name);
  return v ? strdup(v) : NULL;
}

/* Expiry of a response in wall ms: max-age, else Expires - Date, else Expires; 0 = not cacheable. */
static int64_t expiry_ms(const erplink_http_response *rs) {
  int64_t now = erplink__now_wall_ms();
  const char *cc = erplink_http_response_header(rs, "Cache-Control");
  if (cc) {
    if (strstr(cc, "no-store") || strstr(cc, "no-cache")) return 0;
    const char *m = strstr(cc, "max-age=");
    if (m) {
      long long a = atoll(m + 8);
      if (a >= 0 && a < 86400LL * 365) return now + a * 1000;
    }
  }
  const char *ex = erplink_http_response_header(rs, "Expires");
  if (ex) {
    int64_t until = 0;
    if (erplink_http_parse_retry_after(&until, ex, now) == 0) {
      const char *dt = erplink_http_response_header(rs, "Date");
      int64_t dd = 0;
      /* compute relative to the server's Date to be immune to clock skew */
      if (dt && erplink_http_parse_retry_after(&dd, dt, now - 86400000) == 0 && dd >= 86400000 - 600000) {
        int64_t server_now = now - 86400000 + dd;
        int64_t abs_exp = now + until;
        return now + (abs_exp - server_now > 0 ? abs_exp - server_now : 0);
      }
      return now + until;
    }
  }
  return 0;
}

/* Cache blob: "ESI1\nE<etag>\nL<lm>\nX<expires>\nP<pages>\n\n<body>" */
static int blob_make(erplink_buf *b, const char *etag, const char *lm, int64_t exp, int pages, const char *body,
                     size_t len) {
  erplink_buf_printf(b, "ESI1\nE%s\nL%s\nX%" PRId64 "\nP%d\n\n", etag ? etag : "", lm ? lm : "", exp, pages);
  erplink_buf_put(b, body, len);
  return b->oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory") : 0;
}

typedef struct blob {
  char *etag, *lm;
  int64_t exp;
  int pages;
  const char *body;
  size_t len;
} blob;

static bool blob_parse(blob *o, char *data, size_t len) {
  memset(o, 0, sizeof *o);
  char *end = data + len, *p = data;
  if (len < 5 || memcmp(p, "ESI1\n", 5) != 0) return false;
  p += 5;
  while (p < end && *p != '\n') {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return false;
    *nl = '\0';
    switch (*p) {
    case 'E': o->etag = *(p + 1) ? p + 1 : NULL; break;
    case 'L': o->lm = *(p + 1) ? p + 1 : NULL; break;
    case 'X': o->exp = atoll(p + 1); break;
    case 'P': o->pages = atoi(p + 1); break;
    default: return false;
    }
    p = nl + 1;
  }
  if (p >= end) return false;
  o->body = p + 1;
  o->len = (size_t)(end - p - 1);
  return true;
}

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

/* Updates error/rate-limit state from any response, pausing the client when needed. */
static void observe(esi_client *c, const char *route, erplink_http_response *rs, page_res *pr) {
  int64_t remain = hdr_int(rs, "X-ESI-Error-Limit-Remain", -1), reset = hdr_int(rs, "X-ESI-Error-Limit-Reset", -1);
  const char *g = erplink_http_response_header(rs, "X-Ratelimit-Group");
  const char *lim = erplink_http_response_header(rs, "X-Ratelimit-Limit");
  int64_t rem = hdr_int(rs, "X-Ratelimit-Remaining", -1);
  pr->el_remain = (int)remain;
  pr->el_reset = (int)reset;
  if (g && !pr->rl_group) {
    pr->rl_group = strdup(g);
    pr->rl_limit = lim ? strdup(lim) : NULL;
    pr->rl_remaining = rem;
    pr->rl_used = hdr_int(rs, "X-Ratelimit-Used", -1);
  }
  const erplink__logger *lg = erplink__http_client_logger(c->http);
  pthread_mutex_lock(&c->mu);
  if (remain >= 0) {
    c->el_remain = (int)remain;
    c->el_reset = (int)reset;
  }
  if (g && strlen(g) < sizeof c->groups[0].name) {
    int gi = -1;
    for (int i = 0; i < c->n_groups; i++)
      if (strcmp(c->groups[i].name, g) == 0) gi = i;
    if (gi < 0 && c->n_groups < MAX_GROUPS) {
      gi = c->n_groups++;
      snprintf(c->groups[gi].name, sizeof c->groups[gi].name, "%s", g);
    }
    if (gi >= 0) {
      parse_limit(lim, &c->groups[gi].limit, &c->groups[gi].window_ms);
      c->groups[gi].remaining = rem;
      int ri = -1;
      for (int i = 0; i < c->n_routes; i++)
        if (strcmp(c->routes[i].route, route) == 0) ri = i;
      if (ri < 0 && c->n_routes < MAX_ROUTES && strlen(route) < sizeof c->routes[0].route) {
        ri = c->n_routes++;
        snprintf(c->routes[ri].route, sizeof c->routes[ri].route, "%s", route);
      }
      if (ri >= 0) c->routes[ri].group = gi;
    }
  }
  pthread_mutex_unlock(&c->mu);
  if (remain >= 0 && remain <= c->floor && reset >= 0) {
    erplink_http_client_pause_ms(c->http, reset * 1000 + 100);
    if (erplink__log_on(lg, ERPLINK_LOG_WARN))
      erplink__logf(lg, ERPLINK_LOG_WARN, "ESI error limit: %" PRId64 " errors left (floor %d): pausing every request "
                    "for %" PRId64 " s", remain, c->floor, reset);
  }
}

/* Spaces requests of a route whose rate-limit group is nearly exhausted. */
static void slow_down(esi_client *c, const char *route) {
  int64_t delay = 0;
  pthread_mutex_lock(&c->mu);
  for (int i = 0; i < c->n_routes; i++) {
    if (strcmp(c->routes[i].route, route) != 0) continue;
    rl_group *g = &c->groups[c->routes[i].group];
    if (g->limit > 0 && g->remaining >= 0 && g->remaining < (g->limit + 9) / 10) {
      delay = g->window_ms / g->limit;
      if (delay > SLOWDOWN_CAP_MS) delay = SLOWDOWN_CAP_MS;
    }
    break;
  }
  pthread_mutex_unlock(&c->mu);
  if (delay > 0) erplink__sleep_ms(delay, NULL, NULL);
}

static int set_esi_error(int rc, erplink_http_response *rs, const char *method, const char *route, int page) {
  int status = erplink_http_response_status(rs);
  int64_t ra = erplink_error_retry_after_ms(erplink_error_last());
  size_t len = 0;
  const char *body = erplink_http_response_body(rs, &len);
  erplink_value *doc = NULL;
  const char *msg = NULL;
  if (erplink_json_decode(&doc, body, len, NULL) == 0) {
    const erplink_value *v = erplink_value_struct_get(doc, "error");
    if (v) erplink_value_get_string(&msg, NULL, v);
  }
  char m[300], pg[32] = "";
  if (page > 0) snprintf(pg, sizeof pg, " (page %d)", page);
  if (strcmp(method, "POST") == 0 && (status == 400 || status == 422)) rc = ERPLINK_EVALIDATION;
  const char *hint = status == 420 ? " — the error limit is exhausted: every request of this client is paused until "
                                     "the window resets"
                     : status == 403 ? " — check the token's scopes and character"
                                     : "";
  rc = erplink__error_setx(rc, status, NULL, body, len < 2048 ? len : 2048, ra, "ESI %s %s%s: HTTP %d: %s%s", method,
                           route, pg, status, msg ? esi__printable(m, msg, strlen(msg), 256) : "(no error text)", hint);
  erplink_value_free(doc);
  return rc;
}

/* A cache store that fails (a file that broke, a store server that is down) never fails a call:
 * the page is fetched as if it were not cached, and the first failure is logged (once). */
static void cache_trouble(esi_client *c, const char *op, int code) {
  if (atomic_exchange(&c->cache_warned, true)) return;
  const erplink__logger *lg = erplink__http_client_logger(c->http);
  if (!erplink__log_on(lg, ERPLINK_LOG_WARN)) return;
  const erplink_error *e = erplink_error_last();
  erplink__logf(lg, ERPLINK_LOG_WARN, "ESI cache store: %s failed (%s): pages are fetched without the cache while it "
                "fails (further failures are not logged)", op,
                e && erplink_error_code(e) == code ? erplink_error_message(e) : erplink_strerror(code));
}

/* One call (GET through the cache, or POST), in two halves shared by the single-request path
 * (fetch_one) and the batch path (pager): call_prepare() makes the request (or answers from
 * the cache), call_process() digests the answer. */
typedef struct page_call {
  page_res *pr;
  esi_client *c;
  const char *method, *route, *url, *body;
  size_t blen;
  bool idempotent_post, is_get, force;
  esi_token *tok;
  int page;
  int auth_try;
  char *access, *key;
  int64_t char_id;
  void *cached;
  size_t cached_len;
  blob cb;
  bool have_blob;
  bool active;
  erplink_http_request *rq;
} page_call;

static void call_init(page_call *pc, page_res *pr, esi_client *c, const char *method, const char *route,
                      const char *url, const char *body, size_t blen, bool idempotent_post, esi_token *tok, int page,
                      bool force) {
  memset(pc, 0, sizeof *pc);
  pc->pr = pr;
  pc->c = c;
  pc->method = method;
  pc->route = route;
  pc->url = url;
  pc->body = body;
  pc->blen = blen;
  pc->idempotent_post = idempotent_post;
  pc->is_get = strcmp(method, "GET") == 0;
  pc->force = force;
  pc->tok = tok;
  pc->page = page;
  pc->active = true;
  page_init(pr);
}

/* Returns 0 with pc->rq set (send it, then call call_process), 0 with pc->rq NULL (answered
 * from the cache: pc->pr is filled), or an error (last error set). */
static int call_prepare(page_call *pc) {
  esi_client *c = pc->c;
  page_res *pr = pc->pr;
  int rc = 0;
  pc->rq = NULL;
  if (pc->tok) {
    if (pc->access) erplink__wipe(pc->access, strlen(pc->access));
    free(pc->access);
    pc->access = NULL;
    if ((rc = esi__token_auth(pc->tok, &pc->access, &pc->char_id)) != 0) return rc;
  }
  if (pc->is_get && c->caching && !pc->key) {
    erplink_buf kb = ERPLINK_BUF_INIT;
    erplink_buf_printf(&kb, "GET %s|t=%s|d=%s|c=%" PRId64, pc->url, c->tenant, c->date, pc->char_id);
    if (kb.oom) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    pc->key = erplink_buf_detach(&kb, NULL);
    int g = c->store.get(c->store.userdata, pc->key, &pc->cached, &pc->cached_len);
    if (g < 0) {
      cache_trouble(c, "get", g);
      pc->cached = NULL;
      g = 0;
    }
    pc->have_blob = g == 1 && blob_parse(&pc->cb, pc->cached, pc->cached_len);
    if (pc->have_blob && !pc->force && erplink__now_wall_ms() < pc->cb.exp &&
        erplink_json_decode(&pr->value, pc->cb.body, pc->cb.len, NULL) != 0) {
      pc->have_blob = false; /* a stored body that does not decode is never served: fetch */
      pr->value = NULL;
    }
    if (pc->have_blob && !pc->force && erplink__now_wall_ms() < pc->cb.exp) {
      pr->status = 200;
      pr->cache = ESI_CACHE_HIT;
      pr->etag = pc->cb.etag ? strdup(pc->cb.etag) : NULL;
      pr->lm = pc->cb.lm ? strdup(pc->cb.lm) : NULL;
      pr->expires_ms = pc->cb.exp;
      pr->pages = pc->cb.pages > 0 ? pc->cb.pages : 1;
      return 0;
    }
  }
  slow_down(c, pc->route);
  erplink_http_request *rq = NULL;
  rc = erplink_http_request_new(&rq, pc->method, pc->url);
  if (rc == 0) rc = erplink_http_request_set_header(rq, "Accept", "application/json");
  if (rc == 0) rc = erplink_http_request_set_header(rq, "X-Compatibility-Date", c->date);
  if (rc == 0) rc = erplink_http_request_set_header(rq, "X-Tenant", c->tenant);
  if (rc == 0 && pc->have_blob && pc->cb.etag) rc = erplink_http_request_set_header(rq, "If-None-Match", pc->cb.etag);
  if (rc == 0 && pc->access) {
    erplink_buf hb = ERPLINK_BUF_INIT;
    hb.secret = true;
    erplink_buf_printf(&hb, "Bearer %s", pc->access);
    rc = hb.oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory")
                : erplink_http_request_set_header(rq, "Authorization", hb.ptr);
    erplink_buf_free(&hb);
  }
  if (rc == 0 && pc->body) {
    rc = erplink_http_request_set_header(rq, "Content-Type", "application/json");
    if (rc == 0) rc = erplink_http_request_set_body(rq, pc->body, pc->blen);
    if (rc == 0 && pc->idempotent_post) rc = erplink_http_request_set_idempotent(rq, 1);
  }
  if (rc != 0) {
    erplink_http_request_free(rq);
    return rc;
  }
  pc->rq = rq;
  return 0;
}

/* Digests the transport's answer to pc->rq (rc and rs as erplink_http_client_send() returns
 * them, the last error describing rc; takes rs). Returns 1 when the request must be prepared
 * and sent again (the token was refreshed after a 401), 0 when done, or an error. */
static int call_process(page_call *pc, int rc, erplink_http_response *rs) {
  esi_client *c = pc->c;
  page_res *pr = pc->pr;
  const char *method = pc->method, *route = pc->route;
  erplink_http_request_free(pc->rq);
  pc->rq = NULL;
  pr->requests += rs ? erplink_http_response_attempts(rs) : 1;
  if (!rs) {
    if (rc != 0) erplink__error_prefix("ESI %s %s%s: ", method, route, pc->page > 0 ? " (a page)" : "");
    return rc;
  }
  observe(c, route, rs, pr);
  int status = erplink_http_response_status(rs);
  pr->status = status;
  if (status == 401 && pc->tok && pc->auth_try == 0) {
    erplink_http_response_free(rs);
    esi_token_invalidate(pc->tok);
    pc->auth_try++;
    return 1;
  }
  if (status == 420) {
    int64_t reset = hdr_int(rs, "X-ESI-Error-Limit-Reset", 60);
    erplink_http_client_pause_ms(c->http, (reset > 0 ? reset : 1) * 1000 + 100);
    rc = set_esi_error(ERPLINK_ERATELIMIT, rs, method, route, pc->page);
    erplink_http_response_free(rs);
    return rc;
  }
  if (rc != 0) {
    rc = set_esi_error(rc, rs, method, route, pc->page);
    erplink_http_response_free(rs);
    return rc;
  }
  pr->etag = hdr_dup(rs, "ETag");
  pr->lm = hdr_dup(rs, "Last-Modified");
  pr->pages = (int)hdr_int(rs, "X-Pages", 1);
  if (pr->pages < 1 || pr->pages > MAX_PAGES) pr->pages = 1;
  pr->expires_ms = expiry_ms(rs);
  const char *rbody = NULL;
  size_t rlen = 0;
  if (status == 304 && pc->have_blob) {
    pr->cache = ESI_CACHE_REVALIDATED;
    rbody = pc->cb.body;
    rlen = pc->cb.len;
    if (!pr->etag && pc->cb.etag) pr->etag = strdup(pc->cb.etag);
    if (!pr->lm && pc->cb.lm) pr->lm = strdup(pc->cb.lm);
    if (!erplink_http_response_header(rs, "X-Pages") && pc->cb.pages > 0) pr->pages = pc->cb.pages;
  } else if (status == 304) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "ESI %s %s: 304 Not Modified without a cached copy", method, route);
    erplink_http_response_free(rs);
    return rc;
  } else {
    pr->cache = ESI_CACHE_MISS;
    rbody = erplink_http_response_body(rs, &rlen);
  }
  rc = erplink_json_decode(&pr->value, rbody, rlen, NULL);
  if (rc != 0) erplink__error_prefix("ESI %s %s: ", method, route);
  if (rc == 0 && pc->is_get && pc->key && (status / 100 == 2 || status == 304)) {
    erplink_buf bb = ERPLINK_BUF_INIT;
    if (blob_make(&bb, pr->etag, pr->lm, pr->expires_ms, pr->pages, rbody, rlen) == 0) {
      int p = c->store.put(c->store.userdata, pc->key, bb.ptr, bb.len);
      if (p < 0) cache_trouble(c, "put", p);
    }
    erplink_buf_free(&bb);
  }
  erplink_http_response_free(rs);
  return rc;
}

/* Ends a call: frees its state and records rc in the page. */
static void call_done(page_call *pc, int rc) {
  if (!pc->active) return;
  if (pc->access) {
    erplink__wipe(pc->access, strlen(pc->access));
    free(pc->access);
  }
  erplink_http_request_free(pc->rq);
  free(pc->key);
  free(pc->cached);
  pc->access = pc->key = NULL;
  pc->cached = NULL;
  pc->rq = NULL;
  pc->active = false;
  pc->pr->rc = rc;
}

/* Performs one call (GET through the cache, or POST) and fills pr. */
static int fetch_one(page_res *pr, esi_client *c, const char *method, const char *route, const char *url,
                     const char *body, size_t blen, bool idempotent_post, esi_token *tok, int page, bool force) {
  page_call pc;
  call_init(&pc, pr, c, method, route, url, body, blen, idempotent_post, tok, page, force);
  int rc;
  for (;;) {
    rc = call_prepare(&pc);
    if (rc != 0 || !pc.rq) break;
    erplink_http_response *rs = NULL;
    rc = erplink_http_client_send(&rs, c->http, pc.rq);
    rc = call_process(&pc, rc, rs);
    if (rc != 1) break;
  }
  call_done(&pc, rc);
  return rc;
}

/* ------------------------------------------------------------------ response */

struct esi_response {
  page_res *p;
  size_t n;
  size_t *offs; /* offs[i] = items before page i; offs[n] = total */
  int64_t requests;
};

void esi_response_free(esi_response *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) page_clear(&r->p[i]);
  free(r->p);
  free(r->offs);
  free(r);
}

static int response_finish(esi_response *r) {
  r->offs = calloc(r->n + 1, sizeof *r->offs);
  if (!r->offs) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  r->requests = 0;
  for (size_t i = 0; i < r->n; i++) {
    size_t k = erplink_value_type(r->p[i].value) == ERPLINK_TYPE_ARRAY ? erplink_value_count(r->p[i].value) : 0;
    r->offs[i + 1] = r->offs[i] + k;
    r->requests += r->p[i].requests;
  }
  return 0;
}

const erplink_value *esi_response_value(const esi_response *r) { return r && r->n ? r->p[0].value : NULL; }
size_t esi_response_page_count(const esi_response *r) { return r ? r->n : 0; }
const erplink_value *esi_response_page(const esi_response *r, size_t i) { return r && i < r->n ? r->p[i].value : NULL; }
esi_cache_status esi_response_page_cache_status(const esi_response *r, size_t i) {
  return r && i < r->n ? r->p[i].cache : ESI_CACHE_MISS;
}
size_t esi_response_item_count(const esi_response *r) { return r && r->offs ? r->offs[r->n] : 0; }
const erplink_value *esi_response_item(const esi_response *r, size_t i) {
  if (!r || !r->offs || i >= r->offs[r->n]) return NULL;
  size_t lo = 0, hi = r->n; /* find the page with offs[pg] <= i < offs[pg+1] */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (r->offs[mid] <= i) lo = mid;
    else hi = mid;
  }
  return erplink_value_array_at(r->p[lo].value, i - r->offs[lo]);
}
int esi_response_status(const esi_response *r) { return r && r->n ? r->p[0].status : 0; }
esi_cache_status esi_response_cache_status(const esi_response *r) { return r && r->n ? r->p[0].cache : ESI_CACHE_MISS; }
int64_t esi_response_requests(const esi_response *r) { return r ? r->requests : 0; }
const char *esi_response_etag(const esi_response *r) { return r && r->n ? r->p[0].etag : NULL; }
const char *esi_response_last_modified(const esi_response *r) { return r && r->n ? r->p[0].lm : NULL; }
int64_t esi_response_expires_ms(const esi_response *r) { return r && r->n ? r->p[0].expires_ms : 0; }
int esi_response_pages(const esi_response *r) { return r && r->n ? r->p[0].pages : 1; }
void esi_response_error_limit(const esi_response *r, int *remain, int *reset_s) {
  int a = -1, b = -1;
  for (size_t i = 0; r && i < r->n; i++)
    if (r->p[i].el_remain >= 0) a = r->p[i].el_remain, b = r->p[i].el_reset;
  if (remain) *remain = a;
  if (reset_s) *reset_s = b;
}
void esi_response_rate_limit(const esi_response *r, const char **group, const char **limit, int64_t *remaining,
                             int64_t *used) {
  const page_res *p = r && r->n ? &r->p[0] : NULL;
  if (group) *group = p ? p->rl_group : NULL;
  if (limit) *limit = p ? p->rl_limit : NULL;
  if (remaining) *remaining = p ? p->rl_remaining : -1;
  if (used) *used = p ? p->rl_used : -1;
}

static esi_response *response_new(size_t n) {
  esi_response *r = calloc(1, sizeof *r);
  if (!r || !(r->p = calloc(n ? n : 1, sizeof *r->p))) {
    free(r);
    erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    return NULL;
  }
  r->n = n;
  for (size_t i = 0; i < n; i++) page_init(&r->p[i]);
  return r;
}

/* Finishes a response and gives it to the caller, or frees it (keeping the error) on failure. */
static int hand_over(esi_response **out, esi_response *r, int rc) {
  if (rc == 0) rc = response_finish(r);
  if (rc != 0) {
    erplink__error_saved *sv = erplink__error_save();
    esi_response_free(r);
    erplink__error_restore(sv);
    return rc;
  }
  *out = r;
  return 0;
}

/* ------------------------------------------------------------------ calls */

/* One request (no pagination) into a one-page response. */
static int single(esi_response **out, esi_client *c, const char *method, const char *route, const esi_params *params,
                  const char *body, size_t len, bool idempotent, esi_token *token) {
  char *url = NULL;
  int rc = build_url(&url, c, route, params, 0, NULL, NULL);
  if (rc != 0) return rc;
  esi_response *r = response_new(1);
  if (!r) {
    free(url);
    return ERPLINK_ENOMEM;
  }
  rc = fetch_one(&r->p[0], c, method, route, url, body, len, idempotent, token, 0, false);
  free(url);
  return hand_over(out, r, rc);
}

int esi_client_get(esi_response **out, esi_client *c, const char *route, const esi_params *params, esi_token *token) {
  if (out) *out = NULL;
  if (!out || !c || !route) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_get: NULL argument");
  return single(out, c, "GET", route, params, NULL, 0, false, token);
}

/* ---------------------------------------------------------------- pages 2..N through one HTTP batch
 *
 * After page 1 (fetched alone: it says how many pages there are), pages 2..N go through one
 * erplink_http_batch of the client's transport on the calling thread: multiplexed as HTTP/2
 * streams on one connection when ESI offers it, at most `concurrency` parallel connections
 * otherwise, and never more than `concurrency` requests in flight. Each page is prepared and
 * processed by call_prepare()/call_process() exactly like a single request (cache, conditional
 * requests, error and rate limits, 304, token refresh, JSON). In streaming mode pages are
 * added to the batch at most `window` pages ahead of the last page handed to the callback and
 * each page is freed right after its callback, so memory holds about `window` pages whatever
 * the number of pages; the pages are delivered in order on the calling thread. The answers are
 * digested (call_process: JSON decoding, cache, limits) by a few worker threads while the
 * calling thread keeps driving the transfers. */
typedef struct pjob {
  int i;
  int code;
  erplink_http_response *resp;
  erplink__error_saved *err; /* the transport's error, moved to the worker */
} pjob;

typedef struct pager {
  esi_client *c;
  const char *route;
  const esi_params *params;
  esi_token *token;
  bool force;
  int n;          /* pages in the set */
  page_res *p;    /* p[i] = page i + 1 (p[0] is filled by the caller) */
  page_call *pc;  /* the calls in progress */
  char **url;
  int next_add;   /* next page index to start */
  int window;     /* streaming: how far ahead of `delivered` pages may be started */
  int delivered;  /* streaming: pages handed to the callback */
  bool stream;
  esi_page_fn fn;
  void *ud;
  char *lm;       /* streaming: the Last-Modified of the pages delivered so far */
  bool rolled;    /* streaming: a page's Last-Modified differs (the walk stops) */
  bool failed;    /* collect mode: a page failed (the run stops) */
  erplink_http_batch *b;
  int in_batch;   /* requests queued in the batch */
  /* Answers are digested (call_process: JSON decoding, cache, limits) by worker threads so that
   * the calling thread only drives the transfers. Guarded by mu: */
  pthread_mutex_t mu;
  pthread_cond_t work_cv, done_cv;
  bool *ready;    /* page finished (p[i].rc and value final) */
  pjob *q;        /* ring of answers to digest (at most one per page) */
  int qhead, qlen;
  int *resend;    /* pages whose request must be prepared again (token refreshed after a 401) */
  int nresend;
  int outstanding; /* answers queued or being digested */
  unsigned seq;   /* bumped when an answer has been digested */
  bool closing;
  pthread_t *th;
  int nth;
} pager;

static void set_ready(pager *pg, int i) {
  pthread_mutex_lock(&pg->mu);
  pg->ready[i] = true;
  pthread_mutex_unlock(&pg->mu);
}

static bool is_ready(pager *pg, int i) {
  pthread_mutex_lock(&pg->mu);
  bool r = pg->ready[i];
  pthread_mutex_unlock(&pg->mu);
  return r;
}

static void page_finish(pager *pg, int i, int rc) {
  call_done(&pg->pc[i], rc);
  if (rc != 0) pg->p[i].err = erplink__error_save();
  set_ready(pg, i);
}

/* Prepares page i and queues its request, or finishes it at once (cache hit or error). */
static void page_send(pager *pg, int i) {
  int rc = call_prepare(&pg->pc[i]);
  if (rc == 0 && pg->pc[i].rq) {
    rc = erplink_http_batch_add(pg->b, pg->pc[i].rq, (size_t)i);
    if (rc == 0) {
      pg->in_batch++;
      return;
    }
  }
  page_finish(pg, i, rc);
}

static void page_start(pager *pg, int i) {
  int rc = build_url(&pg->url[i], pg->c, pg->route, pg->params, i + 1, NULL, NULL);
  call_init(&pg->pc[i], &pg->p[i], pg->c, "GET", pg->route, pg->url[i], NULL, 0, false, pg->token, i + 1, pg->force);
  if (rc != 0) page_finish(pg, i, rc);
  else page_send(pg, i);
}

static void *pager_worker(void *arg) {
  pager *pg = arg;
  for (;;) {
    pthread_mutex_lock(&pg->mu);
    while (!pg->closing && pg->qlen == 0) pthread_cond_wait(&pg->work_cv, &pg->mu);
    if (pg->qlen == 0) { /* closing, and every queued answer digested */
      pthread_mutex_unlock(&pg->mu);
      return NULL;
    }
    pjob j = pg->q[pg->qhead];
    pg->qhead = (pg->qhead + 1) % pg->n;
    pg->qlen--;
    pthread_mutex_unlock(&pg->mu);
    if (j.err) erplink__error_restore(j.err);
    int rc = call_process(&pg->pc[j.i], j.code, j.resp);
    if (rc != 1) {
      call_done(&pg->pc[j.i], rc);
      if (rc != 0) pg->p[j.i].err = erplink__error_save();
    }
    pthread_mutex_lock(&pg->mu);
    if (rc == 1) pg->resend[pg->nresend++] = j.i;
    else pg->ready[j.i] = true;
    pg->outstanding--;
    pg->seq++;
    pthread_cond_signal(&pg->done_cv);
    pthread_mutex_unlock(&pg->mu);
  }
}

/* Prepares again the pages whose token was refreshed (on the calling thread: it owns the batch). */
static void pager_resend(pager *pg) {
  for (;;) {
    pthread_mutex_lock(&pg->mu);
    int i = pg->nresend ? pg->resend[--pg->nresend] : -1;
    pthread_mutex_unlock(&pg->mu);
    if (i < 0) return;
    page_send(pg, i);
  }
}

/* Delivers what is ready (streaming), starts what the window allows; returns non-zero to stop. */
static int pager_pump(pager *pg) {
  for (;;) {
    pager_resend(pg);
    if (pg->stream) {
      while (pg->delivered < pg->n && is_ready(pg, pg->delivered)) {
        page_res *pr = &pg->p[pg->delivered];
        if (pr->rc != 0) {
          int rc = pr->rc;
          erplink__error_restore(pr->err);
          pr->err = NULL;
          return rc;
        }
        if (pr->lm) {
          if (!pg->lm) {
            if (!(pg->lm = strdup(pr->lm))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
          } else if (strcmp(pg->lm, pr->lm) != 0) {
            pg->rolled = true;
            return 1;
          }
        }
        int rc = pg->fn(pg->ud, pg->delivered + 1, pg->n, pr->value);
        page_clear(pr);
        pg->delivered++;
        if (rc != 0) return rc;
      }
    } else {
      for (int i = 1; i < pg->next_add; i++)
        if (is_ready(pg, i) && pg->p[i].rc != 0) {
          pg->failed = true;
          return 1; /* stop: the other pages are abandoned */
        }
    }
    int limit = pg->stream ? pg->delivered + pg->window : pg->n;
    if (limit > pg->n) limit = pg->n;
    if (pg->next_add >= limit) return 0;
    while (pg->next_add < limit) page_start(pg, pg->next_add++);
  }
}

static int pager_on_done(size_t tag, int code, erplink_http_response *resp, void *ud) {
  pager *pg = ud;
  int i = (int)tag;
  pg->in_batch--;
  if (pg->nth > 0) { /* digest on a worker */
    pjob j = {i, code, resp, code != 0 ? erplink__error_save() : NULL};
    pthread_mutex_lock(&pg->mu);
    pg->q[(pg->qhead + pg->qlen) % pg->n] = j;
    pg->qlen++;
    pg->outstanding++;
    pthread_cond_signal(&pg->work_cv);
    pthread_mutex_unlock(&pg->mu);
  } else {
    int rc = call_process(&pg->pc[i], code, resp);
    if (rc == 1) page_send(pg, i); /* token refreshed after a 401: once more */
    else page_finish(pg, i, rc);
  }
  return pager_pump(pg);
}

/* Drives the batch until every started page is finished (or a stop). */
static int pager_drive(pager *pg) {
  int rc = pager_pump(pg);
  unsigned seen = 0;
  while (rc == 0) {
    if (pg->in_batch > 0 && (rc = erplink_http_batch_run(pg->b, pager_on_done, pg)) != 0) break;
    if ((rc = pager_pump(pg)) != 0 || pg->in_batch > 0) continue;
    pthread_mutex_lock(&pg->mu);
    if (pg->outstanding == 0 && pg->nresend == 0) {
      pthread_mutex_unlock(&pg->mu);
      break; /* nothing in flight, nothing being digested: done */
    }
    while (pg->outstanding > 0 && pg->nresend == 0 && pg->seq == seen) pthread_cond_wait(&pg->done_cv, &pg->mu);
    seen = pg->seq;
    pthread_mutex_unlock(&pg->mu);
    rc = pager_pump(pg);
  }
  return rc;
}

/* Fetches pages 2..n (p[0] holds page 1). Collect mode (fn NULL): every page ends in p[] (the
 * caller checks each p[i].rc). Streaming: pages are handed to fn in order and freed; *rolled is
 * set when a Last-Modified differs. Returns 0, an error, or the callback's code. */
static int pager_run(esi_client *c, const char *route, const esi_params *params, esi_token *token, bool force,
                     int n, page_res *p, esi_page_fn fn, void *ud, const char *lm, bool *rolled) {
  pager pg;
  memset(&pg, 0, sizeof pg);
  pg.c = c;
  pg.route = route;
  pg.params = params;
  pg.token = token;
  pg.force = force;
  pg.n = n;
  pg.p = p;
  pg.next_add = 1;
  pg.delivered = 1;
  int conc = c->concurrency < 1 ? 1 : c->concurrency;
  pg.window = 2 * conc;
  pg.stream = fn != NULL;
  pg.fn = fn;
  pg.ud = ud;
  pg.pc = calloc((size_t)n, sizeof *pg.pc);
  pg.url = calloc((size_t)n, sizeof *pg.url);
  pg.ready = calloc((size_t)n, sizeof *pg.ready);
  pg.q = calloc((size_t)n, sizeof *pg.q);
  pg.resend = calloc((size_t)n, sizeof *pg.resend);
  pg.lm = lm ? strdup(lm) : NULL;
  pthread_mutex_init(&pg.mu, NULL);
  pthread_cond_init(&pg.work_cv, NULL);
  pthread_cond_init(&pg.done_cv, NULL);
  int rc = 0;
  if (!pg.pc || !pg.url || !pg.ready || !pg.q || !pg.resend || (lm && !pg.lm))
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0) rc = erplink_http_batch_new(&pg.b, c->http, conc);
  if (rc == 0 && conc > 1 && n > 2) {
    /* digest answers on up to one worker per core (at most 4), so that JSON decoding runs in
     * parallel with the transfers; with concurrency 1 everything stays on this thread */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int want = cpus < 1 ? 1 : cpus > 4 ? 4 : (int)cpus;
    if (want > conc) want = conc;
    pg.th = calloc((size_t)want, sizeof *pg.th);
    for (int k = 0; pg.th && k < want; k++)
      if (pthread_create(&pg.th[pg.nth], NULL, pager_worker, &pg) == 0) pg.nth++;
  }
  if (rc == 0) rc = pager_drive(&pg);
  if (pg.rolled || pg.failed) rc = 0; /* told through *rolled / the pages' rc */
  erplink__error_saved *sv = erplink__error_save();
  pthread_mutex_lock(&pg.mu);
  pg.closing = true;
  pthread_cond_broadcast(&pg.work_cv);
  pthread_mutex_unlock(&pg.mu);
  for (int k = 0; k < pg.nth; k++) pthread_join(pg.th[k], NULL); /* they digest what is queued first */
  erplink_http_batch_free(pg.b); /* before the requests it borrows */
  for (int i = 1; pg.pc && i < n; i++) call_done(&pg.pc[i], ERPLINK_ECANCELLED);
  for (int i = 0; pg.url && i < n; i++) free(pg.url[i]);
  erplink__error_restore(sv);
  if (rolled) *rolled = pg.rolled;
  pthread_mutex_destroy(&pg.mu);
  pthread_cond_destroy(&pg.work_cv);
  pthread_cond_destroy(&pg.done_cv);
  free(pg.th);
  free(pg.pc);
  free(pg.url);
  free(pg.ready);
  free(pg.q);
  free(pg.resend);
  free(pg.lm);
  return rc;
}

static bool same_lm(const esi_response *r) {
  const char *lm = NULL;
  for (size_t i = 0; i < r->n; i++) {
    if (!r->p[i].lm) continue;
    if (!lm) lm = r->p[i].lm;
    else if (strcmp(lm, r->p[i].lm) != 0) return false;
  }
  return true;
}

static int fetch_pages(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                       esi_token *token) {
  *out = NULL;
  esi_response *r = NULL;
  int64_t requests = 0;
  int rc = 0;
  for (int round = 0; round < 2; round++) {
    page_res first;
    char *url = NULL;
    page_init(&first);
    rc = build_url(&url, c, route, params, 1, NULL, NULL);
    if (rc == 0) rc = fetch_one(&first, c, "GET", route, url, NULL, 0, false, token, 1, round > 0);
    free(url);
    if (rc != 0) {
      erplink__error_saved *sv = erplink__error_save();
      page_clear(&first);
      erplink__error_restore(sv);
      break;
    }
    int n = first.pages;
    esi_response *nr = response_new((size_t)n);
    if (!nr) {
      page_clear(&first);
      rc = ERPLINK_ENOMEM;
      break;
    }
    nr->p[0] = first;
    if (n > 1) rc = pager_run(c, route, params, token, round > 0, n, nr->p, NULL, NULL, NULL, NULL);
    for (int i = 0; i < n; i++) requests += nr->p[i].requests;
    /* the failure of the lowest page, else a page that was never fetched */
    for (int i = 1; i < n && rc == 0; i++)
      if (nr->p[i].rc != 0 && nr->p[i].rc != ERPLINK_ECANCELLED) {
        rc = nr->p[i].rc;
        erplink__error_restore(nr->p[i].err);
        nr->p[i].err = NULL;
      }
    for (int i = 1; i < n && rc == 0; i++) {
      if (nr->p[i].rc != 0 && nr->p[i].err) {
        rc = nr->p[i].rc;
        erplink__error_restore(nr->p[i].err);
        nr->p[i].err = NULL;
      } else if (!nr->p[i].value) {
        rc = erplink__error_setf(ERPLINK_ECANCELLED, "ESI GET %s: page %d was not fetched", route, i + 1);
      }
    }
    esi_response_free(r);
    r = nr;
    if (rc != 0) break;
    if (same_lm(r)) break;
    const erplink__logger *lg = erplink__http_client_logger(c->http);
    if (erplink__log_on(lg, ERPLINK_LOG_WARN))
      erplink__logf(lg, ERPLINK_LOG_WARN, "ESI GET %s: Last-Modified differs between pages (ESI refreshed its cache "
                    "during pagination)%s", route, round == 0 ? ": fetching the set again" : "");
    if (round == 1)
      rc = erplink__error_setf(ERPLINK_ECONFLICT, "ESI GET %s: the pages still carry different Last-Modified values "
                                                  "after fetching the set twice (the cache keeps rolling over)", route);
  }
  if (r) r->requests = requests;
  return hand_over(out, r, rc);
}

int esi_client_get_all_pages(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                             esi_token *token) {
  if (out) *out = NULL;
  if (!out || !c || !route) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_get_all_pages: NULL argument");
  return fetch_pages(out, c, route, params, token);
}

/* ---------------------------------------------------------------- streaming pagination
 *
 * One walk over the set: page 1 alone, then pages 2..N through pager_run() in streaming mode
 * (bounded window, in-order delivery, each page freed after its callback). A Last-Modified
 * that differs from the earlier pages' means ESI refreshed its cache mid-walk: the callback is
 * told (page 0, items NULL) and the walk starts over once. Returns 0, an error, or the
 * callback's code; *rolled is set when the walk stopped on a roll-over. */
static int stream_round(esi_client *c, const char *route, const esi_params *params, esi_token *token, bool force,
                        esi_page_fn fn, void *ud, bool *rolled, int *pages_out) {
  *rolled = false;
  page_res first;
  page_init(&first);
  char *url = NULL;
  int rc = build_url(&url, c, route, params, 1, NULL, NULL);
  if (rc == 0) rc = fetch_one(&first, c, "GET", route, url, NULL, 0, false, token, 1, force);
  free(url);
  if (rc != 0) {
    erplink__error_saved *sv = erplink__error_save();
    page_clear(&first);
    erplink__error_restore(sv);
    return rc;
  }
  int n = first.pages > 0 ? first.pages : 1;
  *pages_out = n;
  char *lm = first.lm ? strdup(first.lm) : NULL;
  rc = fn(ud, 1, n, first.value);
  page_clear(&first);
  if (rc != 0 || n == 1) {
    free(lm);
    return rc;
  }
  page_res *p = calloc((size_t)n, sizeof *p);
  if (!p) {
    free(lm);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  for (int i = 0; i < n; i++) page_init(&p[i]);
  rc = pager_run(c, route, params, token, force, n, p, fn, ud, lm, rolled);
  erplink__error_saved *sv = erplink__error_save();
  for (int i = 0; i < n; i++) page_clear(&p[i]);
  erplink__error_restore(sv);
  free(p);
  free(lm);
  return rc;
}

int esi_client_get_pages(esi_client *c, const char *route, const esi_params *params, esi_token *token, esi_page_fn fn,
                         void *userdata) {
  if (!c || !route || !fn) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_get_pages: NULL argument");
  for (int round = 0; round < 2; round++) {
    bool rolled = false;
    int pages = 0;
    int rc = stream_round(c, route, params, token, round > 0, fn, userdata, &rolled, &pages);
    if (rc != 0 || !rolled) return rc;
    const erplink__logger *lg = erplink__http_client_logger(c->http);
    if (erplink__log_on(lg, ERPLINK_LOG_WARN))
      erplink__logf(lg, ERPLINK_LOG_WARN, "ESI GET %s: Last-Modified changed while streaming pages (ESI refreshed its "
                    "cache)%s", route, round == 0 ? ": starting the walk over" : "");
    if (round == 1) break;
    rc = fn(userdata, 0, pages, NULL); /* "discard what you received: the set starts over" */
    if (rc != 0) return rc;
  }
  return erplink__error_setf(ERPLINK_ECONFLICT, "ESI GET %s: the pages still carry different Last-Modified values "
                                                "after walking the set twice (the cache keeps rolling over)", route);
}

static int post_raw(esi_response **out, esi_client *c, const char *route, const esi_params *params, const char *json,
                    size_t len, bool idempotent, esi_token *token) {
  return single(out, c, "POST", route, params, json, len, idempotent, token);
}

int esi_client_post(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                    const erplink_value *body, esi_token *token) {
  if (out) *out = NULL;
  if (!out || !c || !route || !body) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_post: NULL argument");
  char *json = NULL;
  size_t len = 0;
  int rc = erplink_json_encode(&json, &len, body);
  if (rc != 0) return rc;
  rc = post_raw(out, c, route, params, json, len, false, token);
  erplink_free(json);
  return rc;
}

/* ------------------------------------------------------------------ typed helpers */

static int paged_char_route(esi_response **out, esi_client *c, esi_token *token, int64_t character_id,
                            const char *route, const char *fn) {
  if (out) *out = NULL;
  if (!out || !c || !token || character_id <= 0)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: NULL argument or invalid character id", fn);
  esi_params *p = NULL;
  int rc = esi_params_new(&p);
  if (rc == 0) rc = esi_params_set_path_int(p, "character_id", character_id);
  if (rc == 0) rc = esi_client_get_all_pages(out, c, route, p, token);
  esi_params_free(p);
  return rc;
}

int esi_client_character_assets(esi_response **out, esi_client *c, esi_token *token, int64_t character_id) {
  return paged_char_route(out, c, token, character_id, "/characters/{character_id}/assets",
                          "esi_client_character_assets");
}

int esi_client_character_blueprints(esi_response **out, esi_client *c, esi_token *token, int64_t character_id) {
  return paged_char_route(out, c, token, character_id, "/characters/{character_id}/blueprints",
                          "esi_client_character_blueprints");
}

esi_blueprint_kind esi_blueprint_kind_of(const erplink_value *item) {
  int64_t q = 0;
  const erplink_value *v = erplink_value_struct_get(item, "quantity");
  if (!v || erplink_value_get_int(&q, v) != 0) return ESI_BLUEPRINT_UNKNOWN;
  if (q == -1) return ESI_BLUEPRINT_ORIGINAL;
  if (q == -2) return ESI_BLUEPRINT_COPY;
  if (q > 0) return ESI_BLUEPRINT_STACK;
  return ESI_BLUEPRINT_UNKNOWN;
}

int esi_client_market_orders(esi_response **out, esi_client *c, int64_t region_id, const char *order_type,
                             int64_t type_id) {
  if (out) *out = NULL;
  if (!out || !c || region_id <= 0 || type_id < 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_market_orders: NULL argument or invalid id");
  if (order_type && strcmp(order_type, "buy") != 0 && strcmp(order_type, "sell") != 0 && strcmp(order_type, "all") != 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_market_orders: order_type must be buy, sell or all");
  esi_params *p = NULL;
  int rc = esi_params_new(&p);
  if (rc == 0) rc = esi_params_set_path_int(p, "region_id", region_id);
  if (rc == 0) rc = esi_params_add_query(p, "order_type", order_type ? order_type : "all");
  if (rc == 0 && type_id > 0) rc = esi_params_add_query_int(p, "type_id", type_id);
  if (rc == 0) rc = esi_client_get_all_pages(out, c, "/markets/{region_id}/orders", p, NULL);
  esi_params_free(p);
  return rc;
}

static int response_push(esi_response *r, page_res *pr) {
  page_res *np = realloc(r->p, (r->n + 1) * sizeof *np);
  if (!np) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  r->p = np;
  r->p[r->n++] = *pr;
  page_init(pr);
  return 0;
}

int esi_client_wallet_transactions(esi_response **out, esi_client *c, esi_token *token, int64_t character_id,
                                   int64_t from_id, int max_batches) {
  if (out) *out = NULL;
  if (!out || !c || !token || character_id <= 0 || from_id < 0 || max_batches < 1 || max_batches > 100000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_wallet_transactions: NULL argument or value out of range");
  static const char route[] = "/characters/{character_id}/wallet/transactions";
  esi_params *p = NULL;
  esi_response *r = response_new(0);
  int rc = r ? esi_params_new(&p) : ERPLINK_ENOMEM;
  if (rc == 0) rc = esi_params_set_path_int(p, "character_id", character_id);
  int64_t next = from_id, requests = 0;
  for (int batch = 0; rc == 0 && batch < max_batches; batch++) {
    char *url = NULL, fv[24];
    snprintf(fv, sizeof fv, "%" PRId64, next);
    rc = build_url(&url, c, route, p, 0, next > 0 ? "from_id" : NULL, fv);
    page_res pr;
    page_init(&pr);
    if (rc == 0) rc = fetch_one(&pr, c, "GET", route, url, NULL, 0, false, token, 0, false);
    free(url);
    if (rc != 0) {
      erplink__error_saved *sv = erplink__error_save();
      page_clear(&pr);
      erplink__error_restore(sv);
      break;
    }
    requests += pr.requests;
    if (erplink_value_type(pr.value) != ERPLINK_TYPE_ARRAY) {
      page_clear(&pr);
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "ESI GET %s: the answer is not an array", route);
      break;
    }
    int64_t min_id = INT64_MAX;
    size_t n = erplink_value_count(pr.value);
    for (size_t i = 0; i < n; i++) {
      int64_t id;
      const erplink_value *v = erplink_value_struct_get(erplink_value_array_at(pr.value, i), "transaction_id");
      if (v && erplink_value_get_int(&id, v) == 0 && id < min_id) min_id = id;
    }
    bool older = n > 0 && min_id != INT64_MAX && (next == 0 || min_id <= next);
    if (!older) {
      page_clear(&pr);
      break;
    }
    if ((rc = response_push(r, &pr)) != 0) {
      page_clear(&pr);
      break;
    }
    if (min_id <= 1) break;
    next = min_id - 1; /* strictly older than everything seen */
  }
  esi_params_free(p);
  if (r) r->requests = requests;
  return hand_over(out, r, rc);
}

static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

int esi_client_send_mail(int64_t *mail_id, esi_client *c, esi_token *token, int64_t character_id,
                         const esi_mail_recipient *recipients, size_t n_recipients, const char *subject,
                         const char *body, int64_t approved_cost) {
  if (mail_id) *mail_id = 0;
  if (!mail_id || !c || !token || character_id <= 0 || !subject || !body || (!recipients && n_recipients))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: NULL argument or invalid character id");
  if (n_recipients < 1 || n_recipients > 50)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: %zu recipients (1 to 50 allowed)", n_recipients);
  for (size_t i = 0; i < n_recipients; i++) {
    const char *t = recipients[i].recipient_type;
    if (recipients[i].recipient_id <= 0)
      return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: recipient %zu has an invalid id", i);
    if (!t || (strcmp(t, "alliance") != 0 && strcmp(t, "character") != 0 && strcmp(t, "corporation") != 0 &&
               strcmp(t, "mailing_list") != 0))
      return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: recipient %zu: recipient_type must be "
                                                 "alliance, character, corporation or mailing_list", i);
  }
  if (!erplink__utf8_valid(subject, strlen(subject)) || !erplink__utf8_valid(body, strlen(body)))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: subject and body must be valid UTF-8");
  size_t sl = utf8_chars(subject), bl = utf8_chars(body);
  if (sl > 1000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: subject of %zu characters (at most 1000)", sl);
  if (bl > 10000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: body of %zu characters (at most 10000)", bl);
  if (approved_cost < 0) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: negative approved_cost");
  erplink_value *m = NULL, *rec = NULL;
  int rc = erplink_value_new_struct(&m);
  if (rc == 0) rc = erplink_value_struct_set_int(m, "approved_cost", approved_cost);
  if (rc == 0) rc = erplink_value_struct_set_string(m, "body", body);
  if (rc == 0) rc = erplink_value_new_array(&rec);
  for (size_t i = 0; rc == 0 && i < n_recipients; i++) {
    erplink_value *e = NULL;
    rc = erplink_value_new_struct(&e);
    if (rc == 0) rc = erplink_value_struct_set_int(e, "recipient_id", recipients[i].recipient_id);
    if (rc == 0) rc = erplink_value_struct_set_string(e, "recipient_type", recipients[i].recipient_type);
    if (rc == 0) rc = erplink_value_array_append(rec, e);
    else erplink_value_free(e);
  }
  if (rc == 0) {
    rc = erplink_value_struct_set(m, "recipients", rec);
    if (rc == 0) rec = NULL;
  }
  if (rc == 0) rc = erplink_value_struct_set_string(m, "subject", subject);
  esi_params *p = NULL;
  esi_response *r = NULL;
  if (rc == 0) rc = esi_params_new(&p);
  if (rc == 0) rc = esi_params_set_path_int(p, "character_id", character_id);
  if (rc == 0) rc = esi_client_post(&r, c, "/characters/{character_id}/mail", p, m, token);
  if (rc == 0) {
    int64_t id = 0;
    if (erplink_value_get_int(&id, esi_response_value(r)) != 0 || id <= 0)
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "ESI POST /characters/{character_id}/mail: the answer is not a mail id");
    else *mail_id = id;
  }
  esi_response_free(r);
  esi_params_free(p);
  erplink_value_free(rec);
  erplink_value_free(m);
  return rc;
}

/* ---------------------------------------------------------------- universe names */

typedef struct names_chunk {
  esi_client *c;
  const int64_t *ids;
  size_t n;
  page_res *res;
  size_t nres;
  int64_t *bad;
  size_t nbad;
  int rc;
  erplink__error_saved *err;
} names_chunk;

static int names_post(names_chunk *ch, const int64_t *ids, size_t n) {
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_putc(&b, '[');
  for (size_t i = 0; i < n; i++) erplink_buf_printf(&b, i ? ",%" PRId64 : "%" PRId64, ids[i]);
  erplink_buf_putc(&b, ']');
  if (b.oom) {
    erplink_buf_free(&b);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  char *url = NULL;
  int rc = build_url(&url, ch->c, "/universe/names", NULL, 0, NULL, NULL);
  page_res pr;
  page_init(&pr);
  if (rc == 0) rc = fetch_one(&pr, ch->c, "POST", "/universe/names", url, b.ptr, b.len, true, NULL, 0, false);
  free(url);
  erplink_buf_free(&b);
  if (rc == ERPLINK_ENOTFOUND) {
    page_clear(&pr);
    erplink_error_clear();
    if (n == 1) {
      int64_t *nb = realloc(ch->bad, (ch->nbad + 1) * sizeof *nb);
      if (!nb) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      ch->bad = nb;
      ch->bad[ch->nbad++] = ids[0];
      return 0;
    }
    rc = names_post(ch, ids, n / 2);
    if (rc == 0) rc = names_post(ch, ids + n / 2, n - n / 2);
    return rc;
  }
  if (rc != 0) {
    erplink__error_saved *sv = erplink__error_save();
    page_clear(&pr);
    erplink__error_restore(sv);
    return rc;
  }
  page_res *np = realloc(ch->res, (ch->nres + 1) * sizeof *np);
  if (!np) {
    page_clear(&pr);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  ch->res = np;
  ch->res[ch->nres++] = pr;
  return 0;
}

static void names_task(size_t i, void *ud) {
  names_chunk *ch = &((names_chunk *)ud)[i];
  ch->rc = names_post(ch, ch->ids, ch->n);
  if (ch->rc != 0) ch->err = erplink__error_save();
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

int esi_client_universe_names(esi_response **out, int64_t **invalid, size_t *n_invalid, esi_client *c,
                              const int64_t *ids, size_t n_ids) {
  if (out) *out = NULL;
  if (invalid) *invalid = NULL;
  if (n_invalid) *n_invalid = 0;
  if (!out || !c || !ids || n_ids == 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_universe_names: NULL argument or no ids");
  int64_t *u = malloc(n_ids * sizeof *u);
  if (!u) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  memcpy(u, ids, n_ids * sizeof *u);
  qsort(u, n_ids, sizeof *u, cmp_i64);
  size_t n = 0;
  for (size_t i = 0; i < n_ids; i++)
    if (i == 0 || u[i] != u[i - 1]) u[n++] = u[i];
  size_t nch = (n + 999) / 1000;
  names_chunk *ch = calloc(nch, sizeof *ch);
  if (!ch) {
    free(u);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < nch; i++) {
    ch[i].c = c;
    ch[i].ids = u + i * 1000;
    ch[i].n = i + 1 < nch ? 1000 : n - i * 1000;
  }
  erplink__parallel_for(nch, c->concurrency, names_task, ch, NULL);
  int rc = 0;
  esi_response *r = response_new(0);
  if (!r) rc = ERPLINK_ENOMEM;
  size_t nbad = 0;
  for (size_t i = 0; i < nch; i++) {
    if (rc == 0 && ch[i].rc != 0) {
      rc = ch[i].rc;
      erplink__error_restore(ch[i].err);
      ch[i].err = NULL;
    }
    nbad += ch[i].nbad;
  }
  int64_t *bad = NULL;
  if (rc == 0 && nbad && !(bad = malloc(nbad * sizeof *bad))) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  size_t k = 0;
  for (size_t i = 0; i < nch; i++) {
    for (size_t j = 0; j < ch[i].nres; j++)
      if (rc != 0 || response_push(r, &ch[i].res[j]) != 0) {
        if (rc == 0) rc = ERPLINK_ENOMEM;
        page_clear(&ch[i].res[j]);
      }
    if (bad)
      for (size_t j = 0; j < ch[i].nbad; j++) bad[k++] = ch[i].bad[j];
    free(ch[i].res);
    free(ch[i].bad);
    if (ch[i].err) erplink__error_restore(ch[i].err), erplink_error_clear();
  }
  free(ch);
  free(u);
  if (rc == 0) rc = response_finish(r);
  if (rc != 0) {
    erplink__error_saved *sv = erplink__error_save();
    esi_response_free(r);
    free(bad);
    erplink__error_restore(sv);
    return rc;
  }
  if (invalid) *invalid = bad;
  else free(bad);
  if (n_invalid) *n_invalid = nbad;
  *out = r;
  return 0;
}
