/* erplink_blob_cache: blobs by key in the store file, bounded in total size with LRU eviction,
 * shared by processes, each blob checked against a checksum of its key and value. The total
 * size and count live in the cache's erplink_ns row, updated in the same transaction as every
 * put, removal and eviction, so they are exact. See include/erplink/store.h. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

/* A read records the use time only when the stored one is older than this: LRU with a few
 * seconds' granularity, so that most reads stay read-only transactions. */
#define USE_GRANULARITY_MS 5000
#define EVICT_CHUNK 64

struct erplink_blob_cache {
  erplink_store *st;
  int64_t ns;
  size_t max;
  int64_t (*clock)(void *); /* tests inject a clock; NULL = the wall clock */
  void *clock_ud;
};

void erplink__blob_cache_set_clock(erplink_blob_cache *c, int64_t (*now)(void *), void *ud) {
  c->clock = now;
  c->clock_ud = ud;
}

static int64_t cache_now(const erplink_blob_cache *c) {
  return c->clock ? c->clock(c->clock_ud) : erplink__now_wall_ms();
}

/* The checksum of a blob: SipHash of the value keyed by a SipHash of the key. Not a secret
 * (fixed keys): it catches damage, and a blob stored under another key. */
static int64_t blob_sum(const char *key, size_t klen, const void *v, size_t len) {
  uint64_t hk = erplink__siphash24(0x6572706c696e6b31ULL, 0x626c6f6263616368ULL, key, klen);
  return (int64_t)erplink__siphash24(hk, (uint64_t)len, v, len);
}

int erplink_blob_cache_new(erplink_blob_cache **out, erplink_store *st, const char *name, size_t max_bytes) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_new: out is NULL");
  *out = NULL;
  if (!st) return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_new: the store is NULL");
  int rc = erplink__store_check_name(name, "erplink_blob_cache_new");
  if (rc) return rc;
  if (max_bytes == 0 || (uint64_t)max_bytes > ((uint64_t)1 << 62))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_new: max_bytes %zu is out of range (1 to 2^62)",
                               max_bytes);
  erplink_blob_cache *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  c->st = st;
  c->max = max_bytes;
  if ((rc = erplink__store_ns(&c->ns, st, "blob", name)) != 0) {
    free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void erplink_blob_cache_free(erplink_blob_cache *c) { free(c); }

/* ---------------------------------------------------------------- SQL */

static const char k_get[] = "SELECT rowid, value, used, sum FROM erplink_blob WHERE ns = ?1 AND key = ?2";
static const char k_touch[] = "UPDATE erplink_blob SET used = ?2 WHERE rowid = ?1 AND used < ?2";
static const char k_size_of[] = "SELECT rowid, size FROM erplink_blob WHERE ns = ?1 AND key = ?2";
static const char k_upsert[] =
    "INSERT INTO erplink_blob(ns, key, value, size, used, sum) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value, size = excluded.size, used = excluded.used, "
    "sum = excluded.sum";
static const char k_delete_row[] = "DELETE FROM erplink_blob WHERE rowid = ?1";
static const char k_account[] = "UPDATE erplink_ns SET bytes = bytes + ?2, items = items + ?3 WHERE id = ?1";
static const char k_totals[] = "SELECT bytes, items FROM erplink_ns WHERE id = ?1";
static const char k_oldest[] = "SELECT rowid, size FROM erplink_blob WHERE ns = ?1 AND rowid <> ?2 ORDER BY used LIMIT "
                               "64";

typedef struct bc_arg {
  erplink_blob_cache *c;
  const char *key;
  size_t klen;
  const void *data;
  size_t len;
  int64_t now;
  size_t target;
  /* results */
  int found;
  void *out;
  size_t out_len;
  int64_t rowid, used;
  bool bad;
  int64_t bytes, items;
} bc_arg;

static int account(erplink__sconn *cn, int64_t ns, int64_t dbytes, int64_t ditems) {
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, cn, k_account);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, ns);
  sqlite3_bind_int64(s, 2, dbytes);
  sqlite3_bind_int64(s, 3, ditems);
  return erplink__store_exec_stmt(s);
}

static int totals(erplink__sconn *cn, int64_t ns, int64_t *bytes, int64_t *items) {
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, cn, k_totals);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, ns);
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_CORRUPT : rc;
  *bytes = sqlite3_column_int64(s, 0);
  if (items) *items = sqlite3_column_int64(s, 1);
  sqlite3_reset(s);
  return 0;
}

/* Deletes one row by rowid and takes its size off the totals. */
static int delete_row(erplink__sconn *cn, int64_t ns, int64_t rowid, int64_t size) {
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, cn, k_delete_row);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, rowid);
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  return sqlite3_changes(cn->db) > 0 ? account(cn, ns, -size, -1) : SQLITE_OK;
}

/* Evicts the least recently used rows (never `keep`) until the total is <= target. */
static int evict_to(erplink__sconn *cn, int64_t ns, int64_t target, int64_t keep) {
  int64_t bytes = 0;
  int rc = totals(cn, ns, &bytes, NULL);
  while (rc == 0 && bytes > target) {
    int64_t ids[EVICT_CHUNK], sizes[EVICT_CHUNK];
    int n = 0;
    sqlite3_stmt *s = NULL;
    if ((rc = erplink__store_stmt(&s, cn, k_oldest)) != SQLITE_OK) return rc;
    sqlite3_bind_int64(s, 1, ns);
    sqlite3_bind_int64(s, 2, keep);
    while (n < EVICT_CHUNK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      ids[n] = sqlite3_column_int64(s, 0);
      sizes[n] = sqlite3_column_int64(s, 1);
      n++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
    if (n == 0) return 0; /* nothing left to evict */
    rc = 0;
    for (int i = 0; i < n && rc == 0 && bytes > target; i++) {
      rc = delete_row(cn, ns, ids[i], sizes[i]);
      bytes -= sizes[i];
    }
  }
  return rc;
}

/* Checks the cache and key of a call and starts its argument block. */
static int key_arg(bc_arg *a, erplink_blob_cache *c, const char *key, const char *fn) {
  memset(a, 0, sizeof *a);
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "%s: the cache is NULL", fn);
  if (!key) return erplink__error_setf(ERPLINK_EINVAL, "%s: the key is NULL", fn);
  size_t n = strnlen(key, ERPLINK_BLOB_CACHE_MAX_KEY + 1);
  if (n == 0 || n > ERPLINK_BLOB_CACHE_MAX_KEY)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the key must be 1 to %d bytes", fn, ERPLINK_BLOB_CACHE_MAX_KEY);
  a->c = c;
  a->key = key;
  a->klen = n;
  a->now = cache_now(c);
  return 0;
}

/* ---------------------------------------------------------------- get */

static int get_fn(erplink__sconn *cn, void *p) {
  bc_arg *a = p;
  free(a->out);
  a->out = NULL;
  a->found = 0;
  a->bad = false;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, cn, k_get);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->c->ns);
  erplink__store_bind_text(s, 2, a->key, a->klen);
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) return 0;
  if (rc != SQLITE_ROW) return rc;
  a->rowid = sqlite3_column_int64(s, 0);
  const void *v = sqlite3_column_blob(s, 1);
  size_t n = (size_t)sqlite3_column_bytes(s, 1);
  if (!v && n) return SQLITE_NOMEM;
  a->used = sqlite3_column_int64(s, 2);
  int64_t sum = sqlite3_column_int64(s, 3);
  if (blob_sum(a->key, a->klen, v ? v : "", n) != sum) {
    a->bad = true;
    return 0;
  }
  if (!(a->out = malloc(n + 1))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (n) memcpy(a->out, v, n);
  ((char *)a->out)[n] = '\0';
  a->out_len = n;
  a->found = 1;
  sqlite3_reset(s);
  return 0;
}

static int touch_fn(erplink__sconn *cn, void *p) {
  bc_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, cn, k_touch);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->rowid);
  sqlite3_bind_int64(s, 2, a->now);
  return erplink__store_exec_stmt(s);
}

static int drop_bad_fn(erplink__sconn *cn, void *p) {
  bc_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, cn, k_size_of);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->c->ns);
  erplink__store_bind_text(s, 2, a->key, a->klen);
  if ((rc = sqlite3_step(s)) != SQLITE_ROW) return rc == SQLITE_DONE ? 0 : rc;
  int64_t rowid = sqlite3_column_int64(s, 0), size = sqlite3_column_int64(s, 1);
  sqlite3_reset(s);
  return rowid == a->rowid ? delete_row(cn, a->c->ns, rowid, size) : 0;
}

int erplink_blob_cache_get(int *found, void **data, size_t *len, erplink_blob_cache *c, const char *key) {
  if (!found || !data || !len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_get: NULL argument");
  *found = 0;
  *data = NULL;
  *len = 0;
  bc_arg a;
  int rc = key_arg(&a, c, key, "erplink_blob_cache_get");
  if (rc) return rc;
  rc = erplink__store_run(c->st, ERPLINK__TXN_READ, get_fn, &a, "blob cache: reading a blob");
  if (rc != 0) {
    free(a.out);
    return rc;
  }
  if (a.bad) {
    /* damaged, or not the blob of this key: never hand it out; drop it so that it is fetched
     * and stored again (best effort: a file that fails here fails the next put as well) */
    erplink__error_saved *sv = erplink__error_save();
    (void)erplink__store_run(c->st, ERPLINK__TXN_WRITE, drop_bad_fn, &a, "blob cache: dropping a damaged blob");
    erplink__error_restore(sv);
    return 0;
  }
  if (a.found && a.now - a.used > USE_GRANULARITY_MS) {
    erplink__error_saved *sv = erplink__error_save();
    (void)erplink__store_run(c->st, ERPLINK__TXN_AUTO, touch_fn, &a, "blob cache: recording a use");
    erplink__error_restore(sv);
  }
  *found = a.found;
  *data = a.out;
  *len = a.out_len;
  return 0;
}

/* ---------------------------------------------------------------- put, remove, evict */

static int remove_key(erplink__sconn *cn, bc_arg *a, int *removed) {
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, cn, k_size_of);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->c->ns);
  erplink__store_bind_text(s, 2, a->key, a->klen);
  rc = sqlite3_step(s);
  if (rc == SQLITE_DONE) {
    if (removed) *removed = 0;
    return 0;
  }
  if (rc != SQLITE_ROW) return rc;
  int64_t rowid = sqlite3_column_int64(s, 0), size = sqlite3_column_int64(s, 1);
  sqlite3_reset(s);
  if (removed) *removed = 1;
  return delete_row(cn, a->c->ns, rowid, size);
}

static int put_fn(erplink__sconn *cn, void *p) {
  bc_arg *a = p;
  erplink_blob_cache *c = a->c;
  int64_t size = (int64_t)(a->klen + a->len);
  /* the old value goes in any case: a blob too large to keep must not leave an outdated one */
  int rc = remove_key(cn, a, NULL);
  if (rc != 0 || (uint64_t)size > (uint64_t)c->max) return rc;
  sqlite3_stmt *s = NULL;
  if ((rc = erplink__store_stmt(&s, cn, k_upsert)) != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, c->ns);
  erplink__store_bind_text(s, 2, a->key, a->klen);
  erplink__store_bind_blob(s, 3, a->data, a->len);
  sqlite3_bind_int64(s, 4, size);
  sqlite3_bind_int64(s, 5, a->now);
  sqlite3_bind_int64(s, 6, blob_sum(a->key, a->klen, a->len ? a->data : "", a->len));
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  int64_t rowid = sqlite3_last_insert_rowid(cn->db);
  if ((rc = account(cn, c->ns, size, 1)) != SQLITE_OK) return rc;
  int64_t bytes = 0;
  if ((rc = totals(cn, c->ns, &bytes, NULL)) != 0) return rc;
  if (bytes > (int64_t)c->max) rc = evict_to(cn, c->ns, (int64_t)(c->max - c->max / 10), rowid);
  return rc;
}

int erplink_blob_cache_put(erplink_blob_cache *c, const char *key, const void *data, size_t len) {
  bc_arg a;
  int rc = key_arg(&a, c, key, "erplink_blob_cache_put");
  if (rc) return rc;
  if (!data && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_put: data is NULL");
  if (len > (size_t)1 << 40) return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_put: blob too large");
  a.data = data;
  a.len = len;
  return erplink__store_run(c->st, ERPLINK__TXN_WRITE, put_fn, &a, "blob cache: storing a blob");
}

static int remove_fn(erplink__sconn *cn, void *p) {
  bc_arg *a = p;
  return remove_key(cn, a, &a->found);
}

int erplink_blob_cache_remove(int *removed, erplink_blob_cache *c, const char *key) {
  bc_arg a;
  int rc = key_arg(&a, c, key, "erplink_blob_cache_remove");
  if (rc) return rc;
  rc = erplink__store_run(c->st, ERPLINK__TXN_WRITE, remove_fn, &a, "blob cache: removing a blob");
  if (rc == 0 && removed) *removed = a.found;
  return rc;
}

static int evict_fn(erplink__sconn *cn, void *p) {
  bc_arg *a = p;
  return evict_to(cn, a->c->ns, a->target > (size_t)INT64_MAX ? INT64_MAX : (int64_t)a->target, 0);
}

int erplink_blob_cache_evict(erplink_blob_cache *c, size_t target_bytes) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_evict: the cache is NULL");
  bc_arg a = {0};
  a.c = c;
  a.target = target_bytes;
  return erplink__store_run(c->st, ERPLINK__TXN_WRITE, evict_fn, &a, "blob cache: evicting");
}

static int size_fn(erplink__sconn *cn, void *p) {
  bc_arg *a = p;
  return totals(cn, a->c->ns, &a->bytes, &a->items);
}

int erplink_blob_cache_size(size_t *bytes, size_t *count, erplink_blob_cache *c) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "erplink_blob_cache_size: the cache is NULL");
  bc_arg a = {0};
  a.c = c;
  int rc = erplink__store_run(c->st, ERPLINK__TXN_READ, size_fn, &a, "blob cache: reading the size");
  if (rc != 0) return rc;
  if (bytes) *bytes = (size_t)a.bytes;
  if (count) *count = (size_t)a.items;
  return 0;
}
