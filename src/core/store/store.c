/* The store file: opening and checking it, the schema and its migrations, a pool of SQLite
 * connections, transactions that wait out other connections' locks (busy handler + retry, so
 * SQLITE_BUSY never reaches a caller before the busy timeout), and the SQLite → erplink
 * error mapping. See include/erplink/store.h. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_internal.h"

/* PRAGMA application_id of an erplink store: "ERLK". */
#define ERPLINK_APP_ID 0x45524c4b

struct erplink_store_options {
  bool create;
  int64_t busy_ms;
  int sync;
  int max_conns;
};

struct erplink_store {
  char *path;
  pid_t pid;
  struct erplink_store_options o;
  pthread_mutex_t mu; /* the pool */
  pthread_cond_t cv;
  erplink__sconn *idle;
  int nconns;
  pthread_mutex_t wmu; /* writers of this process take turns (no busy-sleeping among our own threads) */
};

/* ---------------------------------------------------------------- options */

static const struct erplink_store_options k_defaults = {true, 10000, ERPLINK_STORE_SYNC_NORMAL, 4};

int erplink_store_options_new(erplink_store_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_store_options_new: out is NULL");
  *out = malloc(sizeof **out);
  if (!*out) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  **out = k_defaults;
  return 0;
}

void erplink_store_options_free(erplink_store_options *o) { free(o); }

int erplink_store_options_set_create(erplink_store_options *o, int create) {
  if (!o || (create != 0 && create != 1))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_store_options_set_create: NULL options or not 0/1");
  o->create = create == 1;
  return 0;
}

int erplink_store_options_set_busy_timeout_ms(erplink_store_options *o, int64_t ms) {
  if (!o || ms < 1 || ms > 3600000)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_store_options_set_busy_timeout_ms: NULL options or %lld "
                               "out of range (1 to 3600000)",
                               (long long)ms);
  o->busy_ms = ms;
  return 0;
}

int erplink_store_options_set_sync(erplink_store_options *o, erplink_store_sync sync) {
  if (!o || (sync != ERPLINK_STORE_SYNC_NORMAL && sync != ERPLINK_STORE_SYNC_FULL))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_store_options_set_sync: NULL options or unknown level %d",
                               (int)sync);
  o->sync = sync;
  return 0;
}

int erplink_store_options_set_max_connections(erplink_store_options *o, int n) {
  if (!o || n < 1 || n > 64)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_store_options_set_max_connections: NULL options or %d out "
                               "of range (1 to 64)",
                               n);
  o->max_conns = n;
  return 0;
}

/* ---------------------------------------------------------------- errors */

static bool is_busy(int rc) { return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED; }

/* Maps an SQLite result code (with the connection's message, captured before any rollback). */
static int map_sqlite(const erplink_store *st, int rc, const char *msg, const char *what, bool cancelled) {
  const char *path = st ? st->path : "?";
  const char *m = msg && *msg ? msg : sqlite3_errstr(rc);
  switch (rc & 0xff) {
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    if (cancelled)
      return erplink__error_setf(ERPLINK_ECANCELLED, "store %s: %s: cancelled while waiting for a lock", path, what);
    return erplink__error_setf(ERPLINK_ECONFLICT,
                               "store %s: %s: the file stayed locked by another connection or "
                               "process for more than the busy timeout (%lld ms)",
                               path, what, st ? (long long)st->o.busy_ms : 0LL);
  case SQLITE_NOMEM: return erplink__error_setf(ERPLINK_ENOMEM, "store %s: %s: out of memory", path, what);
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return erplink__error_setf(ERPLINK_ESTORE_CORRUPT, "store %s: %s: the file is damaged or is not a database (%s)",
                               path, what, m);
  case SQLITE_READONLY:
    return erplink__error_setf(ERPLINK_ESTORE,
                               "store %s: %s: the file is read-only (%s); erplink needs write "
                               "access to it and to its directory (for the -wal and -shm files)",
                               path, what, m);
  case SQLITE_CANTOPEN:
    return erplink__error_setf(ERPLINK_ESTORE,
                               "store %s: %s: cannot open the file or its -wal/-shm companions "
                               "(%s); check that the directory exists and is writable",
                               path, what, m);
  case SQLITE_FULL: return erplink__error_setf(ERPLINK_ESTORE, "store %s: %s: the disk is full (%s)", path, what, m);
  case SQLITE_IOERR: return erplink__error_setf(ERPLINK_ESTORE, "store %s: %s: I/O error (%s)", path, what, m);
  case SQLITE_PERM:
  case SQLITE_AUTH: return erplink__error_setf(ERPLINK_ESTORE, "store %s: %s: permission denied (%s)", path, what, m);
  case SQLITE_TOOBIG: return erplink__error_setf(ERPLINK_ERANGE, "store %s: %s: value too large (%s)", path, what, m);
  case SQLITE_INTERRUPT: return erplink__error_setf(ERPLINK_ECANCELLED, "store %s: %s: interrupted", path, what);
  default: return erplink__error_setf(ERPLINK_ESTORE, "store %s: %s: SQLite error %d (%s)", path, what, rc, m);
  }
}

erplink__error_saved *erplink__custom_enter(void) { return erplink__error_save(); }

int erplink__custom_leave(erplink__error_saved *saved, int rc, const char *what) {
  if (rc == 0) {
    erplink__error_restore(saved); /* a successful call leaves the caller's last error alone */
    return 0;
  }
  const erplink_error *last = erplink_error_last();
  erplink_error *own = rc < 0 && last && erplink_error_code(last) == rc ? erplink__error_take_last(rc) : NULL;
  erplink__error_restore(saved);
  if (own) { /* the primitive said why */
    erplink__error_set_from(own);
    erplink_error_free(own);
    return rc;
  }
  if (rc > 0)
    return erplink__error_setf(ERPLINK_EPROTOCOL,
                               "%s: the custom store returned %d (want 0 or a negative "
                               "ERPLINK_E* code)",
                               what, rc);
  return erplink__error_setf(rc, "%s: the custom store failed (%s)", what, erplink_strerror(rc));
}

/* ---------------------------------------------------------------- connections */

static int busy_cb(void *ud, int n) {
  erplink__sconn *c = ud;
  if (erplink__cancel_requested()) {
    c->cancelled = true;
    return 0;
  }
  int64_t left = c->deadline_ms - erplink__now_mono_ms();
  if (left <= 0) return 0;
  if (n < 4) {
    sched_yield();
    return 1;
  }
  /* 50 µs doubling up to 5 ms: short enough that a lock held for one small transaction is
   * noticed soon, long enough not to burn a core while another process writes. */
  long us = 50L << (n - 4 < 7 ? n - 4 : 7);
  if (us > 5000) us = 5000;
  if (us > left * 1000) us = (long)left * 1000;
  struct timespec ts = {0, us * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  return 1;
}

static void conn_close(erplink__sconn *c) {
  if (!c) return;
  for (int i = 0; i < c->nstmts; i++) sqlite3_finalize(c->stmts[i].stmt);
  sqlite3_close_v2(c->db);
  free(c);
}

/* Opens one connection; create: may create the file. */
static int conn_open(erplink__sconn **out, erplink_store *st, bool create) {
  *out = NULL;
  erplink__sconn *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  c->st = st;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(st->path, &c->db, flags, NULL);
  if (rc != SQLITE_OK) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    conn_close(c);
    return map_sqlite(st, rc, msg, "open", false);
  }
  if (sqlite3_db_readonly(c->db, "main") == 1) {
    conn_close(c);
    return map_sqlite(st, SQLITE_READONLY, "opened read-only: the file is not writable", "open", false);
  }
  sqlite3_busy_handler(c->db, busy_cb, c);
  const char *sync = st->o.sync == ERPLINK_STORE_SYNC_FULL ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  /* preparing reads the schema: a shared lock, which another process creating the file may
   * hold back for a moment */
  c->deadline_ms = erplink__now_mono_ms() + st->o.busy_ms;
  for (int round = 0; (rc = sqlite3_exec(c->db, sync, NULL, NULL, NULL)) != SQLITE_OK; round++) {
    if (!is_busy(rc) || c->cancelled || erplink__now_mono_ms() >= c->deadline_ms) break;
    busy_cb(c, 4 + (round < 20 ? round : 20));
  }
  if (rc != SQLITE_OK) {
    char msg[256];
    snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(c->db));
    conn_close(c);
    return map_sqlite(st, rc, msg, "open", false);
  }
  *out = c;
  return 0;
}

static int pool_acquire(erplink__sconn **out, erplink_store *st) {
  pthread_mutex_lock(&st->mu);
  while (!st->idle && st->nconns >= st->o.max_conns) pthread_cond_wait(&st->cv, &st->mu);
  if (st->idle) {
    *out = st->idle;
    st->idle = st->idle->next;
    pthread_mutex_unlock(&st->mu);
    return 0;
  }
  st->nconns++;
  pthread_mutex_unlock(&st->mu);
  int rc = conn_open(out, st, false);
  if (rc != 0) {
    pthread_mutex_lock(&st->mu);
    st->nconns--;
    pthread_cond_signal(&st->cv);
    pthread_mutex_unlock(&st->mu);
  }
  return rc;
}

static void pool_release(erplink_store *st, erplink__sconn *c) {
  pthread_mutex_lock(&st->mu);
  c->next = st->idle;
  st->idle = c;
  pthread_cond_signal(&st->cv);
  pthread_mutex_unlock(&st->mu);
}

int erplink__store_stmt(sqlite3_stmt **out, erplink__sconn *c, const char *sql) {
  for (int i = 0; i < c->nstmts; i++)
    if (c->stmts[i].sql == sql) {
      sqlite3_reset(c->stmts[i].stmt);
      sqlite3_clear_bindings(c->stmts[i].stmt);
      *out = c->stmts[i].stmt;
      return SQLITE_OK;
    }
  sqlite3_stmt *s = NULL;
  int rc =
      sqlite3_prepare_v3(c->db, sql, -1, c->nstmts < ERPLINK__SCONN_STMTS ? SQLITE_PREPARE_PERSISTENT : 0, &s, NULL);
  if (rc != SQLITE_OK) return rc;
  if (c->nstmts < ERPLINK__SCONN_STMTS) {
    c->stmts[c->nstmts].sql = sql;
    c->stmts[c->nstmts].stmt = s;
    c->nstmts++;
  } else {
    /* cannot happen with the library's fixed set of statements; keep it correct anyway */
    sqlite3_finalize(c->stmts[0].stmt);
    c->stmts[0].sql = sql;
    c->stmts[0].stmt = s;
  }
  *out = s;
  return SQLITE_OK;
}

int erplink__store_exec_stmt(sqlite3_stmt *s) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

int erplink__store_bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n) {
  if (n == 0) return sqlite3_bind_zeroblob(s, i, 0);
  return sqlite3_bind_blob64(s, i, p, (sqlite3_uint64)n, SQLITE_STATIC);
}

int erplink__store_bind_text(sqlite3_stmt *s, int i, const char *p, size_t n) {
  return sqlite3_bind_text64(s, i, p, (sqlite3_uint64)n, SQLITE_STATIC, SQLITE_UTF8);
}

static int exec_static(erplink__sconn *c, const char *sql) {
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, sql);
  return rc != SQLITE_OK ? rc : erplink__store_exec_stmt(s);
}

static const char k_begin[] = "BEGIN";
static const char k_begin_immediate[] = "BEGIN IMMEDIATE";
static const char k_commit[] = "COMMIT";
static const char k_rollback[] = "ROLLBACK";

static int run_on(erplink__sconn *c, int mode, erplink__store_fn fn, void *arg, const char *what) {
  erplink_store *st = c->st;
  c->deadline_ms = erplink__now_mono_ms() + st->o.busy_ms;
  c->cancelled = false;
  char msg[256] = "";
  int rc;
  for (int round = 0;; round++) {
    rc = SQLITE_OK;
    if (mode == ERPLINK__TXN_READ)
      rc = exec_static(c, k_begin);
    else if (mode == ERPLINK__TXN_WRITE)
      rc = exec_static(c, k_begin_immediate);
    if (rc == SQLITE_OK) rc = fn(c, arg);
    if (rc > 0) snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(c->db));
    for (int i = 0; i < c->nstmts; i++) sqlite3_reset(c->stmts[i].stmt);
    if (rc == 0 && mode != ERPLINK__TXN_AUTO) {
      rc = exec_static(c, k_commit);
      if (rc > 0) snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(c->db));
    }
    if (!sqlite3_get_autocommit(c->db)) (void)exec_static(c, k_rollback);
    if (rc > 0 && is_busy(rc) && !c->cancelled && erplink__now_mono_ms() < c->deadline_ms) {
      /* the busy handler gave up early (a lock SQLite does not wait for, e.g. during WAL
       * recovery) or the transaction must restart: go again, yielding first */
      if (round > 2) busy_cb(c, 4 + (round < 20 ? round : 20));
      continue;
    }
    break;
  }
  if (rc > 0) rc = map_sqlite(st, rc, msg, what, c->cancelled);
  return rc;
}

int erplink__store_run(erplink_store *st, int mode, erplink__store_fn fn, void *arg, const char *what) {
  if (!st) return erplink__error_setf(ERPLINK_EINVAL, "%s: the store is NULL", what);
  if (getpid() != st->pid)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "store %s: %s: opened in process %ld and used in process %ld (after "
                               "fork()): open the store again in the child",
                               st->path, what, (long)st->pid, (long)getpid());
  erplink__sconn *c = NULL;
  int rc = pool_acquire(&c, st);
  if (rc != 0) return rc;
  bool writer = mode != ERPLINK__TXN_READ;
  if (writer) pthread_mutex_lock(&st->wmu);
  rc = run_on(c, mode, fn, arg, what);
  if (writer) pthread_mutex_unlock(&st->wmu);
  pool_release(st, c);
  return rc;
}

/* ---------------------------------------------------------------- schema */

/* Migration i brings a file from schema version i to i + 1. Version 0 is an empty file. */
static const char *const k_migrations[ERPLINK_STORE_SCHEMA_VERSION] = {
    /* 0 → 1 */
    "CREATE TABLE erplink_ns("
    "  id INTEGER PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  bytes INTEGER NOT NULL DEFAULT 0,"
    "  items INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE(kind, name));"
    "CREATE TABLE erplink_dedup("
    "  ns INTEGER NOT NULL,"
    "  id TEXT NOT NULL,"
    "  expires INTEGER NOT NULL,"
    "  PRIMARY KEY(ns, id)) WITHOUT ROWID;"
    "CREATE INDEX erplink_dedup_expires ON erplink_dedup(ns, expires);"
    "CREATE TABLE erplink_blob("
    "  ns INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  value BLOB NOT NULL,"
    "  size INTEGER NOT NULL,"
    "  used INTEGER NOT NULL,"
    "  sum INTEGER NOT NULL,"
    "  UNIQUE(ns, key));"
    "CREATE INDEX erplink_blob_used ON erplink_blob(ns, used);"
    "CREATE TABLE erplink_outbox("
    "  ns INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  state INTEGER NOT NULL,"
    "  payload BLOB NOT NULL,"
    "  newer BLOB,"
    "  gen INTEGER NOT NULL DEFAULT 0,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  ready INTEGER,"
    "  changed INTEGER NOT NULL,"
    "  err_code INTEGER NOT NULL DEFAULT 0,"
    "  err_msg TEXT,"
    "  UNIQUE(ns, key));"
    "CREATE INDEX erplink_outbox_ready ON erplink_outbox(ns, ready) WHERE ready IS NOT NULL;"
    "CREATE INDEX erplink_outbox_state ON erplink_outbox(ns, state, changed);",
};

/* Reads one integer (PRAGMA or SELECT) with a one-off statement. */
static int read_int(erplink__sconn *c, const char *sql, int64_t *v) {
  sqlite3_stmt *s = NULL;
  int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    *v = sqlite3_column_int64(s, 0);
    rc = SQLITE_OK;
  } else if (rc == SQLITE_DONE) {
    *v = 0;
    rc = SQLITE_OK;
  }
  sqlite3_finalize(s);
  return rc;
}

typedef struct header {
  int64_t app_id, version, objects;
} header;

static int read_header_fn(erplink__sconn *c, void *arg) {
  header *h = arg;
  int rc = read_int(c, "PRAGMA application_id", &h->app_id);
  if (rc == SQLITE_OK) rc = read_int(c, "PRAGMA user_version", &h->version);
  if (rc == SQLITE_OK) rc = read_int(c, "SELECT count(*) FROM sqlite_schema", &h->objects);
  return rc;
}

static int check_header(const erplink_store *st, const header *h) {
  if (h->app_id != ERPLINK_APP_ID && (h->app_id != 0 || h->objects != 0 || h->version != 0))
    return erplink__error_setf(ERPLINK_ESTORE_CORRUPT,
                               "store %s: the file is an SQLite database of another "
                               "program (application_id %lld, %lld schema objects), not an erplink store",
                               st->path, (long long)h->app_id, (long long)h->objects);
  if (h->version > ERPLINK_STORE_SCHEMA_VERSION)
    return erplink__error_setf(ERPLINK_ESTORE_VERSION,
                               "store %s: the file has schema version %lld, written by a "
                               "newer erplink; this library knows versions up to %d: upgrade erplink (the file "
                               "was not changed)",
                               st->path, (long long)h->version, ERPLINK_STORE_SCHEMA_VERSION);
  if (h->version < 0)
    return erplink__error_setf(ERPLINK_ESTORE_CORRUPT, "store %s: the file has an invalid schema version %lld",
                               st->path, (long long)h->version);
  return 0;
}

static int migrate_fn(erplink__sconn *c, void *arg) {
  (void)arg;
  header h;
  int rc = read_header_fn(c, &h); /* again, under the write lock: another process may have migrated */
  if (rc != SQLITE_OK) return rc;
  if ((rc = check_header(c->st, &h)) != 0) return rc;
  for (int64_t v = h.version; v < ERPLINK_STORE_SCHEMA_VERSION; v++) {
    rc = sqlite3_exec(c->db, k_migrations[v], NULL, NULL, NULL);
    if (rc != SQLITE_OK) return rc;
  }
  if (h.version < ERPLINK_STORE_SCHEMA_VERSION) {
    char sql[96];
    snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d", ERPLINK_APP_ID,
             ERPLINK_STORE_SCHEMA_VERSION);
    rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);
  }
  return rc;
}

/* Checks the file, switches it to WAL and migrates it, on the store's first connection. */
static int init_file(erplink_store *st, erplink__sconn *c) {
  header h;
  /* the first read, in one read transaction (another process may be migrating the file):
   * garbage is SQLITE_NOTADB here, a truncated database SQLITE_CORRUPT */
  int rc = run_on(c, ERPLINK__TXN_READ, read_header_fn, &h, "reading the header");
  if (rc != 0) return rc;
  if ((rc = check_header(st, &h)) != 0) return rc;
  c->deadline_ms = erplink__now_mono_ms() + st->o.busy_ms;
  sqlite3_stmt *s = NULL;
  char mode[16] = "";
  for (;;) {
    rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
      snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(s, 0));
      rc = SQLITE_OK;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "%s", sqlite3_errmsg(c->db));
    sqlite3_finalize(s);
    s = NULL;
    if (rc == SQLITE_OK) break;
    if (is_busy(rc) && !c->cancelled && erplink__now_mono_ms() < c->deadline_ms) {
      busy_cb(c, 8);
      continue;
    }
    return map_sqlite(st, rc, msg, "switching to WAL mode", c->cancelled);
  }
  if (strcmp(mode, "wal") != 0)
    return erplink__error_setf(ERPLINK_ESTORE, "store %s: SQLite refused WAL mode (journal mode stays \"%s\")",
                               st->path, mode);
  if (h.version < ERPLINK_STORE_SCHEMA_VERSION) {
    rc = run_on(c, ERPLINK__TXN_WRITE, migrate_fn, NULL, "migrating the schema");
    if (rc != 0) return rc;
  }
  return 0;
}

int erplink_store_open(erplink_store **out, const char *path, const erplink_store_options *o) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_store_open: out is NULL");
  *out = NULL;
  if (!path || !*path || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_store_open: %s: give the path of a file (\":memory:\", \"\" "
                               "and URIs are refused; use the memory backends for state that need not last)",
                               path ? (*path ? path : "empty path") : "NULL path");
  if (!o) o = &k_defaults;
  struct stat sb;
  if (stat(path, &sb) == 0) {
    if (S_ISDIR(sb.st_mode))
      return erplink__error_setf(ERPLINK_ESTORE, "store %s: is a directory, not a store file", path);
    if (!S_ISREG(sb.st_mode)) return erplink__error_setf(ERPLINK_ESTORE, "store %s: is not a regular file", path);
  } else if (errno == ENOENT) {
    if (!o->create) return erplink__error_setf(ERPLINK_ENOTFOUND, "store %s: no such file (creation is off)", path);
  } else {
    return erplink__error_setf(ERPLINK_ESTORE, "store %s: %s", path, strerror(errno));
  }
  erplink_store *st = calloc(1, sizeof *st);
  if (!st || !(st->path = strdup(path))) {
    free(st);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  st->o = *o;
  st->pid = getpid();
  pthread_mutex_init(&st->mu, NULL);
  pthread_cond_init(&st->cv, NULL);
  pthread_mutex_init(&st->wmu, NULL);
  erplink__sconn *c = NULL;
  int rc = conn_open(&c, st, o->create);
  if (rc == 0) {
    st->nconns = 1;
    rc = init_file(st, c);
    pool_release(st, c);
  }
  if (rc != 0) {
    erplink_store_close(st);
    return rc;
  }
  *out = st;
  return 0;
}

void erplink_store_close(erplink_store *st) {
  if (!st) return;
  /* after fork() the child must not touch the parent's connections (closing one could
   * checkpoint or delete the WAL under the parent): they are left alone */
  if (getpid() == st->pid)
    while (st->idle) {
      erplink__sconn *c = st->idle;
      st->idle = c->next;
      conn_close(c);
    }
  pthread_mutex_destroy(&st->mu);
  pthread_cond_destroy(&st->cv);
  pthread_mutex_destroy(&st->wmu);
  free(st->path);
  free(st);
}

const char *erplink_store_path(const erplink_store *st) { return st ? st->path : ""; }
const char *erplink__store_path(const erplink_store *st) { return st ? st->path : "?"; }

/* ---------------------------------------------------------------- check */

typedef struct check_arg {
  char first[512];
  bool ok;
} check_arg;

static const char k_quick_check[] = "PRAGMA quick_check(3)";

static int check_fn(erplink__sconn *c, void *arg) {
  check_arg *a = arg;
  a->ok = true;
  a->first[0] = '\0';
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_quick_check);
  if (rc != SQLITE_OK) return rc;
  size_t used = 0;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    const char *t = (const char *)sqlite3_column_text(s, 0);
    if (t && strcmp(t, "ok") == 0) continue;
    a->ok = false;
    int n = snprintf(a->first + used, sizeof a->first - used, "%s%s", used ? "; " : "", t ? t : "?");
    if (n > 0) used += (size_t)n < sizeof a->first - used ? (size_t)n : sizeof a->first - used - 1;
  }
  return rc == SQLITE_DONE ? 0 : rc;
}

int erplink_store_check(erplink_store *st) {
  check_arg a;
  int rc = erplink__store_run(st, ERPLINK__TXN_READ, check_fn, &a, "checking the file");
  if (rc != 0) return rc;
  if (!a.ok) return erplink__error_setf(ERPLINK_ESTORE_CORRUPT, "store %s: the file is damaged: %s", st->path, a.first);
  return 0;
}

/* ---------------------------------------------------------------- namespaces */

int erplink__store_check_name(const char *name, const char *fn) {
  if (!name) return erplink__error_setf(ERPLINK_EINVAL, "%s: the name is NULL", fn);
  size_t n = strnlen(name, 201);
  if (n == 0 || n > 200 || !erplink__utf8_valid(name, n))
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the name must be 1 to 200 bytes of UTF-8", fn);
  return 0;
}

typedef struct ns_arg {
  const char *kind, *name;
  int64_t id;
} ns_arg;

static const char k_ns_insert[] = "INSERT INTO erplink_ns(kind, name) VALUES(?1, ?2) ON CONFLICT DO NOTHING";
static const char k_ns_select[] = "SELECT id FROM erplink_ns WHERE kind = ?1 AND name = ?2";

static int ns_fn(erplink__sconn *c, void *arg) {
  ns_arg *a = arg;
  sqlite3_stmt *s = NULL;
  int rc = erplink__store_stmt(&s, c, k_ns_insert);
  if (rc != SQLITE_OK) return rc;
  erplink__store_bind_text(s, 1, a->kind, strlen(a->kind));
  erplink__store_bind_text(s, 2, a->name, strlen(a->name));
  if ((rc = erplink__store_exec_stmt(s)) != SQLITE_OK) return rc;
  if ((rc = erplink__store_stmt(&s, c, k_ns_select)) != SQLITE_OK) return rc;
  erplink__store_bind_text(s, 1, a->kind, strlen(a->kind));
  erplink__store_bind_text(s, 2, a->name, strlen(a->name));
  rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_CORRUPT : rc;
  a->id = sqlite3_column_int64(s, 0);
  sqlite3_reset(s);
  return 0;
}

int erplink__store_ns(int64_t *id, erplink_store *st, const char *kind, const char *name) {
  ns_arg a = {kind, name, 0};
  int rc = erplink__store_run(st, ERPLINK__TXN_WRITE, ns_fn, &a, "registering a name");
  if (rc == 0) *id = a.id;
  return rc;
}
