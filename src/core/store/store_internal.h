/* Internal interface of the SQLite store (src/core/store): connections, transactions with the
 * busy retry, the error mapping, namespaces, and what the dedup, blob cache and outbox share.
 * Nothing here is public ABI. */
#ifndef ERPLINK_CORE_STORE_INTERNAL_H
#define ERPLINK_CORE_STORE_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "erplink/store.h"
#include "internal.h"

/* ---------------------------------------------------------------- connections */

#define ERPLINK__SCONN_STMTS 48

/* One SQLite connection, used by one thread at a time (taken from the store's pool). */
typedef struct erplink__sconn {
  sqlite3 *db;
  erplink_store *st;
  struct {
    const char *sql; /* identity: the address of a static SQL string */
    sqlite3_stmt *stmt;
  } stmts[ERPLINK__SCONN_STMTS];
  int nstmts;
  int64_t deadline_ms; /* monotonic: when the busy handler gives up */
  bool cancelled;      /* the busy handler stopped for a cancellation token */
  struct erplink__sconn *next;
} erplink__sconn;

/* Transaction modes of erplink__store_run(). */
enum {
  ERPLINK__TXN_AUTO = 0, /* no BEGIN: fn runs one statement in autocommit mode */
  ERPLINK__TXN_READ = 1, /* BEGIN (deferred): reads only */
  ERPLINK__TXN_WRITE = 2 /* BEGIN IMMEDIATE: takes the write lock first (no upgrade deadlock) */
};

/* A transaction body: returns 0, a positive SQLite result code (mapped and, when it is
 * SQLITE_BUSY, retried by erplink__store_run), or a negative ERPLINK_E* code with the last
 * error set. It may run more than once (after a busy rollback): it must only change state
 * through the connection, or reset what it collects at its start. */
typedef int (*erplink__store_fn)(erplink__sconn *c, void *arg);

/* Runs fn in a transaction of the given mode on a pooled connection, retrying on SQLITE_BUSY
 * until the busy timeout; commits on 0, rolls back otherwise. Returns 0 or a negative code
 * with the last error set ("store <path>: <what>: ..."). */
int erplink__store_run(erplink_store *st, int mode, erplink__store_fn fn, void *arg, const char *what);

/* A cached prepared statement of c for sql (a static string: cached by address), reset and
 * with its bindings cleared. Returns an SQLite result code. */
int erplink__store_stmt(sqlite3_stmt **out, erplink__sconn *c, const char *sql);

/* sqlite3_step() then sqlite3_reset() for statements that return no row: SQLITE_OK or an error. */
int erplink__store_exec_stmt(sqlite3_stmt *s);

/* Binds text/blob without a copy (SQLITE_STATIC: valid until the statement is reset);
 * a zero-length blob is bound as a zero-length blob (never NULL). */
int erplink__store_bind_blob(sqlite3_stmt *s, int i, const void *p, size_t n);
int erplink__store_bind_text(sqlite3_stmt *s, int i, const char *p, size_t n);

/* The id of (kind, name) in erplink_ns, created when missing. */
int erplink__store_ns(int64_t *id, erplink_store *st, const char *kind, const char *name);

/* Checks a name of a dedup, cache or outbox: 1 to 200 bytes of UTF-8. */
int erplink__store_check_name(const char *name, const char *fn);

/* The store's path (for messages). */
const char *erplink__store_path(const erplink_store *st);

/* Around a call of a caller's primitive: enter() sets the calling thread's last error aside;
 * leave() puts it back when rc is 0, keeps the message the primitive recorded when its code
 * is rc, gives "<what>: the custom store failed (<strerror>)" otherwise, and turns a positive
 * rc into ERPLINK_EPROTOCOL. Returns rc (or the protocol error). */
erplink__error_saved *erplink__custom_enter(void);
int erplink__custom_leave(erplink__error_saved *saved, int rc, const char *what);

/* ---------------------------------------------------------------- memory dedup (dedup_memory.c)
 * The table behind erplink_dedup_new_memory(); arguments are checked by the caller. */
typedef struct erplink__dd_mem erplink__dd_mem;
int erplink__dd_mem_new(erplink__dd_mem **out, size_t capacity, int64_t ttl_ms);
void erplink__dd_mem_free(erplink__dd_mem *d);
int erplink__dd_mem_seen(int *seen_before, erplink__dd_mem *d, const char *id, size_t len, int64_t now_ms);
bool erplink__dd_mem_forget(erplink__dd_mem *d, const char *id, size_t len);
size_t erplink__dd_mem_count(erplink__dd_mem *d);

/* ---------------------------------------------------------------- outbox (outbox.c, outbox_sqlite.c) */

/* One outcome to record (the storage view: the policy has decided). */
typedef struct erplink__ob_finish {
  const char *key;
  int64_t gen;
  int outcome; /* erplink_outbox_outcome */
  int64_t ready_at;
  int code;
  const char *msg;
  int applied; /* out: 1 if the generation still matched */
} erplink__ob_finish;

/* Records n outcomes at once (SQLite: one transaction). */
typedef int (*erplink__ob_finish_many_fn)(erplink__ob_finish *f, size_t n, int64_t now_ms, void *userdata);

/* Empties the batch behind a sink (a transaction body that runs again starts over). */
void erplink__outbox_sink_reset(erplink_outbox_sink *sink);

/* Enqueues n items at once (SQLite: one transaction). */
typedef int (*erplink__ob_upsert_many_fn)(const char *const *keys, const void *const *payloads, const size_t *lens,
                                          size_t n, int64_t now_ms, void *userdata);

/* The SQLite primitives of the outbox `name` of st: fills ops (destroy frees *userdata) and the
 * two batch forms. */
int erplink__outbox_sqlite_ops(erplink_outbox_ops *ops, erplink__ob_finish_many_fn *many,
                               erplink__ob_upsert_many_fn *upsert_many, void **userdata, erplink_store *st,
                               const char *name);

/* ---------------------------------------------------------------- blob cache (tests) */
/* Replaces the wall clock of a cache (use times); for tests. */
void erplink__blob_cache_set_clock(erplink_blob_cache *c, int64_t (*now)(void *), void *ud);

/* ---------------------------------------------------------------- hashing (dedup, blob cache) */

uint64_t erplink__siphash24(uint64_t k0, uint64_t k1, const void *in, size_t len);

#endif
