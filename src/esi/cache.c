/* The ESI cache: the default in-memory store (a bounded hash map, oldest blobs dropped first)
 * behind the esi_cache_store interface, and the blob format a cached page is kept in. */
#include <inttypes.h>

#include "esi_internal.h"

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

static int mc_get(const char *key, void **data, size_t *len, void *ud) {
  mcache *m = ud;
  int rc = 0;
  pthread_mutex_lock(&m->mu);
  for (mentry *e = m->b[fnv(key) % m->nb]; e; e = e->next) {
    if (strcmp(e->key, key) == 0) {
      void *c = malloc(e->len ? e->len : 1);
      if (c) {
        memcpy(c, e->data, e->len);
        *data = c;
        *len = e->len;
      } else {
        rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      }
      break;
    }
  }
  pthread_mutex_unlock(&m->mu);
  return rc;
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

static int mc_put(const char *key, const void *data, size_t len, void *ud) {
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
  if (m->bytes + len + strlen(key) > m->max)
    mc_evict(m, m->max - (len + strlen(key)) - (m->max - len - strlen(key)) / 10);
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

int esi__mcache_new(esi_cache_store *st, size_t max) {
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

/* ------------------------------------------------------------------ the blob format */

int esi__blob_make(erplink_buf *b, const char *etag, const char *lm, int64_t exp, int pages, const char *body,
                   size_t len) {
  erplink_buf_printf(b, "ESI1\nE%s\nL%s\nX%" PRId64 "\nP%d\n\n", etag ? etag : "", lm ? lm : "", exp, pages);
  erplink_buf_put(b, body, len);
  return b->oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory") : 0;
}

bool esi__blob_parse(esi__blob *o, char *data, size_t len) {
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
