/* The SQLite storage primitives of erplink_outbox (the erplink_outbox_ops contract in
 * include/erplink/store.h, implemented as SQL on the erplink_outbox table). Row states:
 * 0 pending, 1 leased, 2 dead, 3 done. `ready` is when a pending row is due or a lease
 * expires (NULL for dead and done rows): one partial index on it serves every claim. New rows
 * start their generation at the current time in ms, so that a row deleted and enqueued again
 * never reuses a generation an old lease may still hold. */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

typedef struct ob_sql {
  erplink_store *st;
  int64_t ns;
} ob_sql;

/* The common case, a pending key enqueued again, touches only the payload: SQLite rewrites the
 * index entries of every indexed column an UPDATE assigns (even to the same value), so the
 * general upsert below costs three pages per commit where this costs one. */
static const char k_replace_pending[] =
    "UPDATE erplink_outbox SET payload = ?3 WHERE ns = ?1 AND key = ?2 AND state = 0";
static const char k_upsert[] =
    "INSERT INTO erplink_outbox(ns, key, state, payload, newer, gen, attempts, ready, changed, err_code, err_msg) "
    "VALUES(?1, ?2, 0, ?3, NULL, ?4, 0, ?4, ?4, 0, NULL) "
    "ON CONFLICT(ns, key) DO UPDATE SET "
    "payload = CASE WHEN state = 1 THEN payload ELSE excluded.payload END, "
    "newer = CASE WHEN state = 1 THEN excluded.payload ELSE NULL END, "
    "attempts = CASE WHEN state >= 2 THEN 0 ELSE attempts END, "
    "ready = CASE WHEN state >= 2 THEN excluded.ready ELSE ready END, "
    "changed = CASE WHEN state >= 2 THEN excluded.changed ELSE changed END, "
    "err_code = CASE WHEN state >= 2 THEN 0 ELSE err_code END, "
    "err_msg = CASE WHEN state >= 2 THEN NULL ELSE err_msg END, "
    "state = CASE WHEN state = 1 THEN 1 ELSE 0 END";

/* Claiming: the due rows in order (the partial index), then each one leased (RETURNING of a
 * multi-row UPDATE has no defined order: the batch must come out earliest due first). */
static const char k_due[] = "SELECT rowid FROM erplink_outbox WHERE ns = ?1 AND ready <= ?2 ORDER BY ready LIMIT ?3";
static const char k_lease[] =
    "UPDATE erplink_outbox SET state = 1, gen = gen + 1, attempts = attempts + 1, "
    "payload = coalesce(newer, payload), newer = NULL, ready = ?3, changed = ?2 WHERE rowid = ?1 "
    "RETURNING key, payload, gen, attempts, err_code, err_msg";

/* ?1 ns ?2 key ?3 gen ?4 now ?5 ready ?6 code ?7 message ?8 attempts to take back */
static const char k_done[] =
    "UPDATE erplink_outbox SET state = CASE WHEN newer IS NULL THEN 3 ELSE 0 END, "
    "payload = coalesce(newer, payload), newer = NULL, "
    "attempts = CASE WHEN newer IS NULL THEN attempts ELSE 0 END, "
    "ready = CASE WHEN newer IS NULL THEN NULL ELSE ?4 END, changed = ?4, err_code = 0, err_msg = NULL "
    "WHERE ns = ?1 AND key = ?2 AND state = 1 AND gen = ?3";
static const char k_dead[] =
    "UPDATE erplink_outbox SET state = CASE WHEN newer IS NULL THEN 2 ELSE 0 END, "
    "payload = coalesce(newer, payload), newer = NULL, "
    "attempts = CASE WHEN newer IS NULL THEN attempts ELSE 0 END, "
    "ready = CASE WHEN newer IS NULL THEN NULL ELSE ?4 END, changed = ?4, err_code = ?6, err_msg = ?7 "
    "WHERE ns = ?1 AND key = ?2 AND state = 1 AND gen = ?3";
static const char k_retry[] =
    "UPDATE erplink_outbox SET state = 0, payload = coalesce(newer, payload), newer = NULL, ready = ?5, "
    "attempts = max(attempts - ?8, 0), changed = ?4, "
    "err_code = CASE WHEN ?6 = 0 THEN err_code ELSE ?6 END, err_msg = CASE WHEN ?6 = 0 THEN err_msg ELSE ?7 END "
    "WHERE ns = ?1 AND key = ?2 AND state = 1 AND gen = ?3";

static const char k_list[] = "SELECT key, payload, gen, attempts, err_code, err_msg, changed FROM erplink_outbox "
                             "WHERE ns = ?1 AND state = ?2 ORDER BY key LIMIT ?3 OFFSET ?4";
static const char k_requeue[] =
    "UPDATE erplink_outbox SET state = 0, attempts = 0, ready = ?3, changed = ?3, err_code = 0, err_msg = NULL "
    "WHERE ns = ?1 AND state = 2 AND (?2 IS NULL OR key = ?2)";
static const char k_discard[] = "DELETE FROM erplink_outbox WHERE ns = ?1 AND state = 2 AND (?2 IS NULL OR key = ?2)";
static const char k_count[] = "SELECT count(*) FROM erplink_outbox WHERE ns = ?1 AND state = ?2 "
                              "AND (?3 = 0 OR (?3 = 1 AND ready <= ?4) OR (?3 = 2 AND ready > ?4))";
static const char k_purge[] = "DELETE FROM erplink_outbox WHERE ns = ?1 AND state = 3 AND changed < ?2";

typedef struct oq_arg {
  ob_sql *q;
  const char *key;
  const void *p;
  size_t n;
  int64_t now, until;
  size_t max, offset;
  int state, sub;
  erplink_outbox_sink *sink;
  erplink__ob_finish *f;
  size_t nf;
  bool requeue;
  int64_t result;
} oq_arg;

static int bind_key(sqlite3_stmt *s, int i, const char *key) {
  return key ? erplink__store_bind_text(s, i, key, strlen(key)) : sqlite3_bind_null(s, i);
}

/* ---------------------------------------------------------------- upsert */

static int replace_pending_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_replace_pending);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  bind_key(s, 2, a->key);
  erplink__store_bind_blob(s, 3, a->p, a->n);
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  a->result = sqlite3_changes(c->db);
  return 0;
}

static int upsert_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_upsert);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  bind_key(s, 2, a->key);
  erplink__store_bind_blob(s, 3, a->p, a->n);
  sqlite3_bind_int64(s, 4, a->now);
  return erplink__store_exec_stmt(s);
}

typedef struct many_arg {
  oq_arg a;
  const char *const *keys;
  const void *const *payloads;
  const size_t *lens;
  size_t n;
} many_arg;

static int upsert_many_fn(erplink__sconn *c, void *p) {
  many_arg *m = p;
  for (size_t i = 0; i < m->n; i++) {
    m->a.key = m->keys[i];
    m->a.p = m->lens[i] ? m->payloads[i] : "";
    m->a.n = m->lens[i];
    int rc = replace_pending_fn(c, &m->a);
    if (rc == 0 && m->a.result == 0) rc = upsert_fn(c, &m->a);
    if (rc) return rc;
  }
  return 0;
}

static int sql_upsert_many(const char *const *keys, const void *const *payloads, const size_t *lens, size_t n,
                           int64_t now_ms, void *ud) {
  many_arg m;
  memset(&m, 0, sizeof m);
  m.a.q = ud;
  m.a.now = now_ms;
  m.keys = keys;
  m.payloads = payloads;
  m.lens = lens;
  m.n = n;
  return erplink__store_run(m.a.q->st, ERPLINK__TXN_WRITE, upsert_many_fn, &m, "outbox: enqueueing a batch");
}

static int sql_upsert(const char *key, const void *payload, size_t len, int64_t now_ms, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.key = key;
  a.p = payload;
  a.n = len;
  a.now = now_ms;
  /* one statement, atomic on its own; when the key is not pending (new, leased, done, dead),
   * the general upsert decides, atomically too */
  int rc = erplink__store_run(a.q->st, ERPLINK__TXN_AUTO, replace_pending_fn, &a, "outbox: enqueueing");
  if (rc != 0 || a.result > 0) return rc;
  return erplink__store_run(a.q->st, ERPLINK__TXN_AUTO, upsert_fn, &a, "outbox: enqueueing");
}

/* ---------------------------------------------------------------- claim */

static int claim_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  erplink__outbox_sink_reset(a->sink);
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_due);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  sqlite3_bind_int64(s, 2, a->now);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)a->max);
  int64_t *ids = malloc((a->max ? a->max : 1) * sizeof *ids);
  if (!ids) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  size_t n = 0;
  while (n < a->max && (rc = sqlite3_step(s)) == SQLITE_ROW) ids[n++] = sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    free(ids);
    return rc;
  }
  rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if ((rc = erplink__store_stmt(&s, c, k_lease)) != SQLITE_OK) break;
    sqlite3_bind_int64(s, 1, ids[i]);
    sqlite3_bind_int64(s, 2, a->now);
    sqlite3_bind_int64(s, 3, a->until);
    if ((rc = sqlite3_step(s)) != SQLITE_ROW) break;
    const char *key = (const char *)sqlite3_column_text(s, 0);
    const void *pl = sqlite3_column_blob(s, 1);
    size_t len = (size_t)sqlite3_column_bytes(s, 1);
    rc = !key ? SQLITE_CORRUPT
              : erplink_outbox_sink_add(a->sink, key, pl, pl ? len : 0, sqlite3_column_int64(s, 2),
                                        sqlite3_column_int(s, 3), sqlite3_column_int(s, 4),
                                        (const char *)sqlite3_column_text(s, 5), 0);
    /* a failure rolls the whole claim back: nothing stays leased */
    if (rc == 0) rc = sqlite3_step(s) == SQLITE_DONE ? 0 : SQLITE_CORRUPT;
    sqlite3_reset(s);
  }
  free(ids);
  return rc;
}

static int sql_claim(erplink_outbox_sink *sink, size_t max, int64_t now_ms, int64_t lease_until_ms, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.sink = sink;
  a.max = max;
  a.now = now_ms;
  a.until = lease_until_ms;
  return erplink__store_run(a.q->st, ERPLINK__TXN_WRITE, claim_fn, &a, "outbox: claiming");
}

/* ---------------------------------------------------------------- finish */

static int finish_one(erplink__sconn *c, int64_t ns, erplink__ob_finish *f, int64_t now) {
  const char *sql = f->outcome == ERPLINK_OUTBOX_OUTCOME_DONE   ? k_done
                    : f->outcome == ERPLINK_OUTBOX_OUTCOME_DEAD ? k_dead
                                                                : k_retry;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, sql);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, ns);
  bind_key(s, 2, f->key);
  sqlite3_bind_int64(s, 3, f->gen);
  sqlite3_bind_int64(s, 4, now);
  if (sql != k_done) {
    if (sql == k_retry) sqlite3_bind_int64(s, 5, f->ready_at);
    sqlite3_bind_int(s, 6, f->code);
    if (f->msg)
      erplink__store_bind_text(s, 7, f->msg, strlen(f->msg));
    else
      sqlite3_bind_null(s, 7);
    if (sql == k_retry) sqlite3_bind_int(s, 8, f->outcome == ERPLINK_OUTBOX_OUTCOME_RELEASE);
  }
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  f->applied = sqlite3_changes(c->db) > 0;
  return 0;
}

static int finish_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  for (size_t i = 0; i < a->nf; i++) {
    int rc = finish_one(c, a->q->ns, &a->f[i], a->now);
    if (rc) return rc;
  }
  return 0;
}

static int sql_finish_many(erplink__ob_finish *f, size_t n, int64_t now_ms, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.f = f;
  a.nf = n;
  a.now = now_ms;
  return erplink__store_run(a.q->st, ERPLINK__TXN_WRITE, finish_fn, &a, "outbox: recording outcomes");
}

static int sql_finish(int *applied, const char *key, int64_t generation, erplink_outbox_outcome outcome,
                      int64_t ready_at_ms, int code, const char *message, int64_t now_ms, void *ud) {
  erplink__ob_finish f = {key, generation, (int)outcome, ready_at_ms, code, message, 0};
  int rc = sql_finish_many(&f, 1, now_ms, ud);
  if (rc == 0) *applied = f.applied;
  return rc;
}

/* ---------------------------------------------------------------- list, requeue, discard, count, purge */

static int list_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  erplink__outbox_sink_reset(a->sink);
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_list);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  sqlite3_bind_int(s, 2, a->state);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)a->max);
  sqlite3_bind_int64(s, 4, (sqlite3_int64)a->offset);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *key = (const char *)sqlite3_column_text(s, 0);
    const void *pl = sqlite3_column_blob(s, 1);
    size_t n = (size_t)sqlite3_column_bytes(s, 1);
    if (!key) return SQLITE_CORRUPT;
    int r = erplink_outbox_sink_add(a->sink, key, pl, pl ? n : 0, sqlite3_column_int64(s, 2), sqlite3_column_int(s, 3),
                                    sqlite3_column_int(s, 4), (const char *)sqlite3_column_text(s, 5),
                                    sqlite3_column_int64(s, 6));
    if (r != 0) return r;
  }
  return rc == SQLITE_DONE ? 0 : rc;
}

/* The row state of an API state (PENDING and RETRY_WAIT are both row state 0). */
static int row_state(erplink_outbox_state s, int *sub) {
  *sub = 0;
  switch (s) {
  case ERPLINK_OUTBOX_PENDING: *sub = 1; return 0;
  case ERPLINK_OUTBOX_RETRY_WAIT: *sub = 2; return 0;
  case ERPLINK_OUTBOX_LEASED: return 1;
  case ERPLINK_OUTBOX_DEAD: return 2;
  default: return 3;
  }
}

static int sql_list(erplink_outbox_sink *sink, erplink_outbox_state state, size_t offset, size_t max, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.sink = sink;
  a.state = row_state(state, &a.sub); /* listing PENDING lists every pending row */
  a.offset = offset > (size_t)INT64_MAX ? (size_t)INT64_MAX : offset;
  a.max = max;
  return erplink__store_run(a.q->st, ERPLINK__TXN_READ, list_fn, &a, "outbox: listing");
}

static int changes_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, a->requeue ? k_requeue : k_discard);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  bind_key(s, 2, a->key);
  if (a->requeue) sqlite3_bind_int64(s, 3, a->now);
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  a->result = sqlite3_changes(c->db);
  return 0;
}

static int sql_requeue(size_t *count, const char *key, int64_t now_ms, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.key = key;
  a.now = now_ms;
  a.requeue = true;
  int rc = erplink__store_run(a.q->st, ERPLINK__TXN_AUTO, changes_fn, &a, "outbox: requeueing dead letters");
  if (rc == 0) *count = (size_t)a.result;
  return rc;
}

static int sql_discard(size_t *count, const char *key, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.key = key;
  int rc = erplink__store_run(a.q->st, ERPLINK__TXN_AUTO, changes_fn, &a, "outbox: discarding dead letters");
  if (rc == 0) *count = (size_t)a.result;
  return rc;
}

static int count_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_count);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  sqlite3_bind_int(s, 2, a->state);
  sqlite3_bind_int(s, 3, a->sub);
  sqlite3_bind_int64(s, 4, a->now);
  if ((rc = sqlite3_step(s)) != SQLITE_ROW) return rc;
  a->result = sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  return 0;
}

static int sql_count(size_t *count, erplink_outbox_state state, int64_t now_ms, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.state = row_state(state, &a.sub);
  a.now = now_ms;
  int rc = erplink__store_run(a.q->st, ERPLINK__TXN_READ, count_fn, &a, "outbox: counting");
  if (rc == 0) *count = (size_t)a.result;
  return rc;
}

static int purge_fn(erplink__sconn *c, void *p) {
  oq_arg *a = p;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_purge);
  if (rc != SQLITE_OK) return rc;
  sqlite3_bind_int64(s, 1, a->q->ns);
  sqlite3_bind_int64(s, 2, a->now);
  return erplink__store_exec_stmt(s);
}

static int sql_purge(int64_t done_before_ms, void *ud) {
  oq_arg a = {0};
  a.q = ud;
  a.now = done_before_ms;
  return erplink__store_run(a.q->st, ERPLINK__TXN_AUTO, purge_fn, &a, "outbox: purging done items");
}

static void sql_destroy(void *ud) { free(ud); }

int erplink__outbox_sqlite_ops(erplink_outbox_ops *ops, erplink__ob_finish_many_fn *many,
                               erplink__ob_upsert_many_fn *upsert_many, void **userdata, erplink_store *st,
                               const char *name) {
  ob_sql *q = calloc(1, sizeof *q);
  if (!q) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  q->st = st;
  int rc = erplink__store_ns(&q->ns, st, "outbox", name);
  if (rc != 0) {
    free(q);
    return rc;
  }
  *ops = (erplink_outbox_ops){sql_upsert,  sql_claim, sql_finish, sql_list,   sql_requeue,
                              sql_discard, sql_count, sql_purge,  sql_destroy};
  *many = sql_finish_many;
  *upsert_many = sql_upsert_many;
  *userdata = q;
  return 0;
}
