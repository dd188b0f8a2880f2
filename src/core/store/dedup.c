/* erplink_dedup: the front (argument checks, clock, TTL → expiry, purge cadence) over three
 * backends: the memory table (dedup_memory.c), the SQLite primitives below, and a caller's
 * erplink_dedup_ops. The SQLite backend is itself an erplink_dedup_ops, so the policy that
 * custom backends get is the one tested with SQLite. See include/erplink/store.h. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define MAX_DURABLE_CAPACITY ((size_t)1000000000)

struct erplink_dedup {
  erplink__dd_mem *mem; /* the memory backend, or NULL */
  erplink_dedup_ops ops;
  void *userdata;
  bool custom; /* the caller's primitives (their errors are wrapped) */
  size_t capacity;
  int64_t ttl_ms;
  size_t purge_every;
  atomic_size_t since_purge;
};

/* ---------------------------------------------------------------- SQLite primitives */

typedef struct dd_sql {
  erplink_store *st;
  int64_t ns;
} dd_sql;

typedef struct dd_arg {
  dd_sql *q;
  const char *id;
  int64_t a, b;
  size_t max;
  int64_t result;
} dd_arg;

/* Inserts, or takes over an expired row; a live row is left alone (changes() == 0). */
static const char k_insert[] =
    "INSERT INTO erplink_dedup(ns, id, expires) VALUES(?1, ?2, ?3) "
    "ON CONFLICT(ns, id) DO UPDATE SET expires = excluded.expires WHERE erplink_dedup.expires <= ?4";
static const char k_delete[] = "DELETE FROM erplink_dedup WHERE ns = ?1 AND id = ?2";
static const char k_purge_expired[] = "DELETE FROM erplink_dedup WHERE ns = ?1 AND expires <= ?2";
static const char k_count_all[] = "SELECT count(*) FROM erplink_dedup WHERE ns = ?1";
static const char k_purge_oldest[] = "DELETE FROM erplink_dedup WHERE ns = ?1 AND id IN "
                                     "(SELECT id FROM erplink_dedup WHERE ns = ?1 ORDER BY expires LIMIT ?2)";
static const char k_count_live[] = "SELECT count(*) FROM erplink_dedup WHERE ns = ?1 AND expires > ?2";

static int insert_fn(erplink__sconn *c, void *p) {
  dd_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_insert);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  erplink__store_bind_text(s, 2, a->id, strlen(a->id));
  sqlite3_bind_int64(s, 3, a->a);
  sqlite3_bind_int64(s, 4, a->b);
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  a->result = sqlite3_changes(c->db);
  return 0;
}

static int sql_insert(int *inserted, const char *id, int64_t expires_at_ms, int64_t now_ms, void *ud) {
  dd_arg a = {ud, id, expires_at_ms, now_ms, 0, 0};
  int rc = erplink__store_run(a.q->st, ERPLINK__TXN_AUTO, insert_fn, &a, "dedup: recording an id");
  if (rc == 0) *inserted = a.result > 0;
  return rc;
}

static int delete_fn(erplink__sconn *c, void *p) {
  dd_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_delete);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  erplink__store_bind_text(s, 2, a->id, strlen(a->id));
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  a->result = sqlite3_changes(c->db);
  return 0;
}

static int sql_remove(int *removed, const char *id, void *ud) {
  dd_arg a = {ud, id, 0, 0, 0, 0};
  int rc = erplink__store_run(a.q->st, ERPLINK__TXN_AUTO, delete_fn, &a, "dedup: forgetting an id");
  if (rc == 0) *removed = a.result > 0;
  return rc;
}

static int count_stmt(erplink__sconn *c, const char *sql, int64_t ns, int64_t now, bool with_now, int64_t *n) {
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, sql);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, ns);
  if (with_now) sqlite3_bind_int64(s, 2, now);
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return rc;
  *n = sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  return 0;
}

static int purge_fn(erplink__sconn *c, void *p) {
  dd_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_purge_expired);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  sqlite3_bind_int64(s, 2, a->b);
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  int64_t n = 0;
  if ((rc = count_stmt(c, k_count_all, a->q->ns, 0, false, &n)) != 0) return rc;
  if (n > (int64_t)a->max) {
    if ((rc = erplink__store_stmt(&s, c, k_purge_oldest)) != SQLITE_OK) return rc;
    sqlite3_bind_int64(s, 1, a->q->ns);
    sqlite3_bind_int64(s, 2, n - (int64_t)a->max);
    if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  }
  return 0;
}

static int sql_purge(int64_t now_ms, size_t max_entries, void *ud) {
  dd_arg a = {ud, NULL, 0, now_ms, max_entries, 0};
  return erplink__store_run(a.q->st, ERPLINK__TXN_WRITE, purge_fn, &a, "dedup: purging expired ids");
}

static int count_fn(erplink__sconn *c, void *p) {
  dd_arg *a = p;
  return count_stmt(c, k_count_live, a->q->ns, a->b, true, &a->result);
}

static int sql_count(size_t *count, int64_t now_ms, void *ud) {
  dd_arg a = {ud, NULL, 0, now_ms, 0, 0};
  int rc = erplink__store_run(a.q->st, ERPLINK__TXN_READ, count_fn, &a, "dedup: counting ids");
  if (rc == 0) *count = (size_t)a.result;
  return rc;
}

static void sql_destroy(void *ud) { free(ud); }

static const erplink_dedup_ops k_sql_ops = {sql_insert, sql_remove, sql_purge, sql_count, sql_destroy};

/* ---------------------------------------------------------------- constructors */

static int check_policy(size_t capacity, size_t max_capacity, int64_t ttl_ms, const char *fn) {
  if (capacity == 0 || capacity > max_capacity)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: capacity %zu is out of range (1 to %zu)", fn, capacity,
                               max_capacity);
  if (ttl_ms <= 0)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the TTL must be positive (got %lld ms)", fn, (long long)ttl_ms);
  return 0;
}

int erplink_dedup_new_memory(erplink_dedup **out, size_t capacity, int64_t ttl_ms) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_new_memory: out is NULL");
  *out = NULL;
  erplink_dedup *d = calloc(1, sizeof *d);
  if (!d) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  int rc = erplink__dd_mem_new(&d->mem, capacity, ttl_ms);
  if (rc != 0) {
    free(d);
    return rc;
  }
  d->capacity = capacity;
  d->ttl_ms = ttl_ms;
  *out = d;
  return 0;
}

static int new_ops(erplink_dedup **out, size_t capacity, int64_t ttl_ms, const erplink_dedup_ops *ops, void *ud) {
  erplink_dedup *d = calloc(1, sizeof *d);
  if (!d) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  d->ops = *ops;
  d->userdata = ud;
  d->capacity = capacity;
  d->ttl_ms = ttl_ms;
  d->purge_every = capacity / 16 > 16 ? capacity / 16 : 16;
  atomic_init(&d->since_purge, 0);
  *out = d;
  return 0;
}

int erplink_dedup_new_custom(erplink_dedup **out, size_t capacity, int64_t ttl_ms, const erplink_dedup_ops *ops,
                             void *userdata) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_new_custom: out is NULL");
  *out = NULL;
  if (!ops || !ops->insert_if_absent || !ops->remove)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_new_custom: insert_if_absent and remove are required");
  int rc = check_policy(capacity, MAX_DURABLE_CAPACITY, ttl_ms, "erplink_dedup_new_custom");
  if (rc == 0 && (rc = new_ops(out, capacity, ttl_ms, ops, userdata)) == 0) (*out)->custom = true;
  return rc;
}

int erplink_dedup_new_sqlite(erplink_dedup **out, erplink_store *st, const char *name, size_t capacity,
                             int64_t ttl_ms) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_new_sqlite: out is NULL");
  *out = NULL;
  if (!st) return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_new_sqlite: the store is NULL");
  int rc = erplink__store_check_name(name, "erplink_dedup_new_sqlite");
  if (rc == 0) rc = check_policy(capacity, MAX_DURABLE_CAPACITY, ttl_ms, "erplink_dedup_new_sqlite");
  if (rc != 0) return rc;
  dd_sql *q = calloc(1, sizeof *q);
  if (!q) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  q->st = st;
  if ((rc = erplink__store_ns(&q->ns, st, "dedup", name)) != 0 ||
      (rc = new_ops(out, capacity, ttl_ms, &k_sql_ops, q))) {
    free(q);
    return rc;
  }
  return 0;
}

void erplink_dedup_free(erplink_dedup *d) {
  if (!d) return;
  if (d->mem)
    erplink__dd_mem_free(d->mem);
  else if (d->ops.destroy)
    d->ops.destroy(d->userdata);
  free(d);
}

/* ---------------------------------------------------------------- calls */

static int check_id(const erplink_dedup *d, const char *id, size_t *len, const char *fn) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "%s: the dedup is NULL", fn);
  if (!id) return erplink__error_setf(ERPLINK_EINVAL, "%s: the id is NULL", fn);
  *len = strnlen(id, ERPLINK_DEDUP_MAX_ID + 1);
  if (*len == 0) return erplink__error_setf(ERPLINK_EINVAL, "%s: the id is empty", fn);
  if (*len > ERPLINK_DEDUP_MAX_ID)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the id is longer than %d bytes", fn, ERPLINK_DEDUP_MAX_ID);
  return 0;
}

int erplink_dedup_seen(int *seen_before, erplink_dedup *d, const char *id, int64_t now_ms) {
  if (!seen_before) return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_seen: seen_before is NULL");
  size_t len = 0;
  int rc = check_id(d, id, &len, "erplink_dedup_seen");
  if (rc) return rc;
  if (now_ms < 0) now_ms = erplink__now_wall_ms();
  if (d->mem) return erplink__dd_mem_seen(seen_before, d->mem, id, len, now_ms);
  int64_t expires = now_ms > INT64_MAX - d->ttl_ms ? INT64_MAX : now_ms + d->ttl_ms;
  int inserted = -1;
  erplink__error_saved *sv = d->custom ? erplink__custom_enter() : NULL;
  rc = d->ops.insert_if_absent(&inserted, id, expires, now_ms, d->userdata);
  if (d->custom) rc = erplink__custom_leave(sv, rc, "erplink_dedup_seen: insert_if_absent");
  if (rc) return rc;
  if (inserted != 0 && inserted != 1)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "erplink_dedup_seen: insert_if_absent did not set *inserted to 0 "
                                                  "or 1");
  *seen_before = !inserted;
  if (inserted && d->ops.purge && atomic_fetch_add(&d->since_purge, 1) + 1 >= d->purge_every) {
    atomic_store(&d->since_purge, 0);
    /* The id is recorded: a failing purge must not turn this answer into an error (the
     * caller would retry and be told "seen"). The next cadence tries again. */
    erplink__error_saved *sp = erplink__error_save();
    (void)d->ops.purge(now_ms, d->capacity, d->userdata);
    erplink__error_restore(sp);
  }
  return 0;
}

int erplink_dedup_forget(int *forgotten, erplink_dedup *d, const char *id) {
  size_t len = 0;
  int rc = check_id(d, id, &len, "erplink_dedup_forget");
  if (rc) return rc;
  int removed = 0;
  if (d->mem) {
    removed = erplink__dd_mem_forget(d->mem, id, len);
  } else {
    removed = -1;
    erplink__error_saved *sv = d->custom ? erplink__custom_enter() : NULL;
    rc = d->ops.remove(&removed, id, d->userdata);
    if (d->custom) rc = erplink__custom_leave(sv, rc, "erplink_dedup_forget: remove");
    if (rc) return rc;
    if (removed != 0 && removed != 1)
      return erplink__error_setf(ERPLINK_EPROTOCOL, "erplink_dedup_forget: remove did not set *removed to 0 or 1");
  }
  if (forgotten) *forgotten = removed;
  return 0;
}

int erplink_dedup_count(size_t *count, erplink_dedup *d, int64_t now_ms) {
  if (!count || !d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_count: NULL argument");
  if (d->mem) {
    *count = erplink__dd_mem_count(d->mem);
    return 0;
  }
  if (!d->ops.count)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_count: the custom backend has no count primitive");
  if (now_ms < 0) now_ms = erplink__now_wall_ms();
  size_t n = 0;
  erplink__error_saved *sv = d->custom ? erplink__custom_enter() : NULL;
  int rc = d->ops.count(&n, now_ms, d->userdata);
  if (d->custom) rc = erplink__custom_leave(sv, rc, "erplink_dedup_count: count");
  if (rc == 0) *count = n;
  return rc;
}
