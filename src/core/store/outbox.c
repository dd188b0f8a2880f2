/* erplink_outbox: the policy (leases, generations, attempts, backoff with jitter, dead-letter
 * threshold, done retention) over storage primitives — the SQLite ones (outbox_sqlite.c) or a
 * caller's erplink_outbox_ops — plus batches, sinks and argument checks. See
 * include/erplink/store.h. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"
#include "store_internal.h"

#define MAX_BATCH 100000
#define MAX_TIME ((int64_t)1 << 40)

struct erplink_outbox_options {
  int64_t lease_ms;
  int max_attempts;
  int64_t base_ms, cap_ms;
  double jitter;
  int64_t retention_ms;
};

static const struct erplink_outbox_options k_defaults = {300000, 8, 1000, 600000, 0.5, 86400000};

/* What the caller marked on an item of a claimed batch. */
enum { MARK_NONE = 0, MARK_DONE, MARK_FAILED, MARK_RETRY, MARK_RELEASE };

struct erplink_outbox_item {
  char *key;
  char *payload; /* len bytes + NUL */
  size_t len;
  int64_t gen;
  int attempts;
  int err_code;
  char *err_msg;
  int64_t changed;
  /* outcome */
  int mark;
  int code;
  char *reason;
  int64_t retry_after;
  int recorded; /* the outcome erplink_outbox_complete() recorded, 0 if none (stale) */
};

struct erplink_outbox_batch {
  bool claimed, completed;
  const erplink_outbox *ob;
  erplink_outbox_item *it;
  size_t n, cap;
};

struct erplink_outbox_sink {
  erplink_outbox_batch *b;
  size_t max;
};

struct erplink_outbox {
  struct erplink_outbox_options o;
  erplink_outbox_ops ops;
  void *userdata;
  bool custom;
  erplink__ob_finish_many_fn finish_many; /* SQLite: every outcome of a batch in one transaction */
  erplink__ob_upsert_many_fn upsert_many; /* SQLite: a batch of enqueues in one transaction */
  pthread_mutex_t mu;                     /* the jitter generator */
  erplink__rng rng;
  _Atomic int64_t last_purge;
};

/* ---------------------------------------------------------------- options */

int erplink_outbox_options_new(erplink_outbox_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_options_new: out is NULL");
  if (!(*out = malloc(sizeof **out))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  **out = k_defaults;
  return 0;
}

void erplink_outbox_options_free(erplink_outbox_options *o) { free(o); }

int erplink_outbox_options_set_lease_ms(erplink_outbox_options *o, int64_t ms) {
  if (!o || ms < 1 || ms > MAX_TIME)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_outbox_options_set_lease_ms: NULL options or %lld out of "
                               "range (1 to 2^40)",
                               (long long)ms);
  o->lease_ms = ms;
  return 0;
}

int erplink_outbox_options_set_max_attempts(erplink_outbox_options *o, int n) {
  if (!o || n < 1 || n > 1000000)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_outbox_options_set_max_attempts: NULL options or %d out of "
                               "range (1 to 1000000)",
                               n);
  o->max_attempts = n;
  return 0;
}

int erplink_outbox_options_set_backoff_ms(erplink_outbox_options *o, int64_t base_ms, int64_t cap_ms) {
  if (!o || base_ms < 0 || base_ms > MAX_TIME || cap_ms < base_ms || cap_ms > MAX_TIME)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_outbox_options_set_backoff_ms: NULL options, or base %lld / "
                               "cap %lld out of range (0 <= base <= cap <= 2^40)",
                               (long long)base_ms, (long long)cap_ms);
  o->base_ms = base_ms;
  o->cap_ms = cap_ms;
  return 0;
}

int erplink_outbox_options_set_jitter(erplink_outbox_options *o, double jitter) {
  if (!o || !(jitter >= 0.0 && jitter <= 1.0))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_options_set_jitter: NULL options or jitter not in "
                                               "0.0 .. 1.0");
  o->jitter = jitter;
  return 0;
}

int erplink_outbox_options_set_done_retention_ms(erplink_outbox_options *o, int64_t ms) {
  if (!o || ms < 0 || ms > MAX_TIME)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_outbox_options_set_done_retention_ms: NULL options or %lld "
                               "out of range (0 to 2^40)",
                               (long long)ms);
  o->retention_ms = ms;
  return 0;
}

/* ---------------------------------------------------------------- constructors */

static int outbox_new(erplink_outbox **out, const erplink_outbox_options *o, const erplink_outbox_ops *ops, void *ud) {
  erplink_outbox *ob = calloc(1, sizeof *ob);
  if (!ob) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  ob->o = o ? *o : k_defaults;
  ob->ops = *ops;
  ob->userdata = ud;
  pthread_mutex_init(&ob->mu, NULL);
  erplink__rng_seed(&ob->rng, erplink__rng_os_seed());
  atomic_init(&ob->last_purge, 0);
  *out = ob;
  return 0;
}

int erplink_outbox_new_custom(erplink_outbox **out, const erplink_outbox_options *o, const erplink_outbox_ops *ops,
                              void *userdata) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_new_custom: out is NULL");
  *out = NULL;
  if (!ops || !ops->upsert || !ops->claim || !ops->finish || !ops->list || !ops->requeue || !ops->discard ||
      !ops->count)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_new_custom: upsert, claim, finish, list, requeue, "
                                               "discard and count are required");
  int rc = outbox_new(out, o, ops, userdata);
  if (rc == 0) (*out)->custom = true;
  return rc;
}

int erplink_outbox_new_sqlite(erplink_outbox **out, erplink_store *st, const char *name,
                              const erplink_outbox_options *o) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_new_sqlite: out is NULL");
  *out = NULL;
  if (!st) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_new_sqlite: the store is NULL");
  int rc = erplink__store_check_name(name, "erplink_outbox_new_sqlite");
  if (rc) return rc;
  erplink_outbox_ops ops;
  erplink__ob_finish_many_fn many = NULL;
  erplink__ob_upsert_many_fn upsert_many = NULL;
  void *ud = NULL;
  if ((rc = erplink__outbox_sqlite_ops(&ops, &many, &upsert_many, &ud, st, name)) != 0) return rc;
  if ((rc = outbox_new(out, o, &ops, ud)) != 0) {
    ops.destroy(ud);
    return rc;
  }
  (*out)->finish_many = many;
  (*out)->upsert_many = upsert_many;
  return 0;
}

void erplink_outbox_free(erplink_outbox *ob) {
  if (!ob) return;
  if (ob->ops.destroy) ob->ops.destroy(ob->userdata);
  pthread_mutex_destroy(&ob->mu);
  free(ob);
}

/* Calls a primitive through a thunk: the caller's primitives are wrapped so that their errors
 * read well and their successes leave the caller's last error alone. */
static int call_prim(const erplink_outbox *ob, const char *what, int (*thunk)(const erplink_outbox *, void *),
                     void *arg) {
  if (!ob->custom) return thunk(ob, arg);
  erplink__error_saved *sv = erplink__custom_enter();
  int rc = thunk(ob, arg);
  return erplink__custom_leave(sv, rc, what);
}

/* ---------------------------------------------------------------- checks */

static int check_key(const char *key, size_t *klen, const char *fn) {
  if (!key) return erplink__error_setf(ERPLINK_EINVAL, "%s: the key is NULL", fn);
  size_t n = strnlen(key, ERPLINK_OUTBOX_MAX_KEY + 1);
  if (n == 0 || n > ERPLINK_OUTBOX_MAX_KEY)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the key must be 1 to %d bytes", fn, ERPLINK_OUTBOX_MAX_KEY);
  if (!erplink__utf8_valid(key, n)) return erplink__error_setf(ERPLINK_EINVAL, "%s: the key is not UTF-8", fn);
  if (klen) *klen = n;
  return 0;
}

static int64_t now_or_clock(int64_t now_ms) { return now_ms < 0 ? erplink__now_wall_ms() : now_ms; }

static int64_t add_sat(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

/* ---------------------------------------------------------------- enqueue */

typedef struct up_arg {
  const char *key;
  const void *p;
  size_t n;
  int64_t now;
} up_arg;

static int up_thunk(const erplink_outbox *ob, void *p) {
  up_arg *a = p;
  return ob->ops.upsert(a->key, a->p, a->n, a->now, ob->userdata);
}

int erplink_outbox_enqueue(erplink_outbox *ob, const char *key, const void *payload, size_t len, int64_t now_ms) {
  if (!ob) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_enqueue: the outbox is NULL");
  int rc = check_key(key, NULL, "erplink_outbox_enqueue");
  if (rc) return rc;
  if (!payload && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_enqueue: the payload is NULL");
  if (len > ERPLINK_OUTBOX_MAX_PAYLOAD)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_enqueue: the payload is larger than %zu bytes",
                               ERPLINK_OUTBOX_MAX_PAYLOAD);
  up_arg a = {key, payload ? payload : "", len, now_or_clock(now_ms)};
  return call_prim(ob, "erplink_outbox_enqueue: upsert", up_thunk, &a);
}

int erplink_outbox_enqueue_many(erplink_outbox *ob, const char *const *keys, const void *const *payloads,
                                const size_t *lens, size_t n, int64_t now_ms) {
  if (!ob) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_enqueue_many: the outbox is NULL");
  if (n == 0) return 0;
  if (!keys || !payloads || !lens || n > MAX_BATCH)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_enqueue_many: NULL arrays or more than %d items",
                               MAX_BATCH);
  for (size_t i = 0; i < n; i++) { /* every item first: a bad one enqueues nothing */
    char fn[64];
    snprintf(fn, sizeof fn, "erplink_outbox_enqueue_many: item %zu", i);
    int rc = check_key(keys[i], NULL, fn);
    if (rc) return rc;
    if ((!payloads[i] && lens[i]) || lens[i] > ERPLINK_OUTBOX_MAX_PAYLOAD)
      return erplink__error_setf(ERPLINK_EINVAL, "%s: the payload is NULL or larger than %zu bytes", fn,
                                 ERPLINK_OUTBOX_MAX_PAYLOAD);
  }
  int64_t now = now_or_clock(now_ms);
  if (ob->upsert_many) return ob->upsert_many(keys, payloads, lens, n, now, ob->userdata);
  for (size_t i = 0; i < n; i++) {
    up_arg a = {keys[i], payloads[i] ? payloads[i] : "", lens[i], now};
    int rc = call_prim(ob, "erplink_outbox_enqueue_many: upsert", up_thunk, &a);
    if (rc) return rc;
  }
  return 0;
}

/* ---------------------------------------------------------------- batches and sinks */

static void item_clear(erplink_outbox_item *it) {
  free(it->key);
  free(it->payload);
  free(it->err_msg);
  free(it->reason);
  memset(it, 0, sizeof *it);
}

void erplink_outbox_batch_free(erplink_outbox_batch *b) {
  if (!b) return;
  for (size_t i = 0; i < b->n; i++) item_clear(&b->it[i]);
  free(b->it);
  free(b);
}

static int batch_new(erplink_outbox_batch **out, const erplink_outbox *ob, bool claimed) {
  if (!(*out = calloc(1, sizeof **out))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  (*out)->ob = ob;
  (*out)->claimed = claimed;
  return 0;
}

int erplink_outbox_sink_add(erplink_outbox_sink *sink, const char *key, const void *payload, size_t len,
                            int64_t generation, int attempts, int error_code, const char *error_msg,
                            int64_t changed_ms) {
  if (!sink || !sink->b) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_sink_add: the sink is NULL");
  int rc = check_key(key, NULL, "erplink_outbox_sink_add");
  if (rc) return rc;
  if ((!payload && len) || len > ERPLINK_OUTBOX_MAX_PAYLOAD)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_sink_add: bad payload (NULL, or over %zu bytes)",
                               ERPLINK_OUTBOX_MAX_PAYLOAD);
  erplink_outbox_batch *b = sink->b;
  if (b->n >= sink->max)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_sink_add: more rows than the %zu asked for", sink->max);
  if (b->n == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 16;
    if (nc > sink->max) nc = sink->max;
    erplink_outbox_item *ni = realloc(b->it, nc * sizeof *ni);
    if (!ni) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    b->it = ni;
    b->cap = nc;
  }
  erplink_outbox_item *it = &b->it[b->n];
  memset(it, 0, sizeof *it);
  it->key = strdup(key);
  it->payload = malloc(len + 1);
  it->err_msg = error_msg ? strdup(error_msg) : NULL;
  if (!it->key || !it->payload || (error_msg && !it->err_msg)) {
    item_clear(it);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  if (len) memcpy(it->payload, payload, len);
  it->payload[len] = '\0';
  it->len = len;
  it->gen = generation;
  it->attempts = attempts;
  it->err_code = error_code;
  it->changed = changed_ms;
  b->n++;
  return 0;
}

void erplink__outbox_sink_reset(erplink_outbox_sink *sink) {
  erplink_outbox_batch *b = sink->b;
  for (size_t i = 0; i < b->n; i++) item_clear(&b->it[i]);
  b->n = 0;
}

size_t erplink_outbox_batch_count(const erplink_outbox_batch *b) { return b ? b->n : 0; }

const erplink_outbox_item *erplink_outbox_batch_at(const erplink_outbox_batch *b, size_t i) {
  return b && i < b->n ? &b->it[i] : NULL;
}

const char *erplink_outbox_item_key(const erplink_outbox_item *it) { return it ? it->key : ""; }

const void *erplink_outbox_item_payload(const erplink_outbox_item *it, size_t *len) {
  if (len) *len = it ? it->len : 0;
  return it ? it->payload : NULL;
}

int64_t erplink_outbox_item_generation(const erplink_outbox_item *it) { return it ? it->gen : 0; }
int erplink_outbox_item_attempts(const erplink_outbox_item *it) { return it ? it->attempts : 0; }
int erplink_outbox_item_error_code(const erplink_outbox_item *it) { return it ? it->err_code : 0; }
const char *erplink_outbox_item_error_message(const erplink_outbox_item *it) { return it ? it->err_msg : NULL; }
int64_t erplink_outbox_item_changed_ms(const erplink_outbox_item *it) { return it ? it->changed : 0; }
int erplink_outbox_item_outcome(const erplink_outbox_item *it) { return it ? it->recorded : 0; }

static int mark(erplink_outbox_batch *b, size_t i, int what, int code, const char *reason, int64_t retry_after,
                const char *fn) {
  if (!b || i >= b->n) return erplink__error_setf(ERPLINK_EINVAL, "%s: no such item", fn);
  if (!b->claimed || b->completed)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: %s", fn,
                               b->claimed ? "the batch was completed already" : "a listed batch takes no outcomes");
  if ((what == MARK_FAILED || what == MARK_RETRY) && code >= 0)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the code of a failure must be a negative ERPLINK_E* code", fn);
  erplink_outbox_item *it = &b->it[i];
  char *r = NULL;
  if (what == MARK_FAILED || what == MARK_RETRY) {
    const char *t = reason ? reason : erplink_strerror(code);
    size_t n = strnlen(t, 4096); /* a reason is a message, not a document */
    if (!(r = strndup(t, n))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    if (!erplink__utf8_valid(r, n)) { /* kept as text: replace what is not UTF-8 */
      for (size_t k = 0; k < n; k++)
        if ((unsigned char)r[k] >= 0x80) r[k] = '?';
    }
  }
  free(it->reason);
  it->mark = what;
  it->code = code;
  it->reason = r;
  it->retry_after = retry_after;
  return 0;
}

int erplink_outbox_batch_done(erplink_outbox_batch *b, size_t i) {
  return mark(b, i, MARK_DONE, 0, NULL, -1, "erplink_outbox_batch_done");
}

int erplink_outbox_batch_failed(erplink_outbox_batch *b, size_t i, int code, const char *reason,
                                int64_t retry_after_ms) {
  return mark(b, i, MARK_FAILED, code, reason, retry_after_ms, "erplink_outbox_batch_failed");
}

int erplink_outbox_batch_retry(erplink_outbox_batch *b, size_t i, int code, const char *reason,
                               int64_t retry_after_ms) {
  return mark(b, i, MARK_RETRY, code, reason, retry_after_ms, "erplink_outbox_batch_retry");
}

int erplink_outbox_batch_release(erplink_outbox_batch *b, size_t i) {
  return mark(b, i, MARK_RELEASE, 0, NULL, -1, "erplink_outbox_batch_release");
}

/* ---------------------------------------------------------------- outcomes */

/* The wait before the next attempt, after `attempts` attempts: the capped exponential ceiling
 * less up to `jitter` of it, and at least retry_after. */
static int64_t retry_delay(erplink_outbox *ob, int attempts, int64_t retry_after) {
  int64_t ceil = erplink__backoff_ceiling(ob->o.base_ms, ob->o.cap_ms, attempts);
  int64_t d = ceil;
  if (ceil > 0 && ob->o.jitter > 0) {
    uint64_t span = (uint64_t)((double)ceil * ob->o.jitter);
    pthread_mutex_lock(&ob->mu);
    uint64_t r = span ? erplink__rng_uniform(&ob->rng, span) : 0;
    pthread_mutex_unlock(&ob->mu);
    d = ceil - (int64_t)r;
  }
  if (retry_after > d) d = retry_after > MAX_TIME ? MAX_TIME : retry_after;
  return d;
}

/* Turns the caller's mark into the storage outcome (the policy). */
static void decide(erplink_outbox *ob, const erplink_outbox_item *it, int64_t now, erplink__ob_finish *f, char *buf,
                   size_t bufsz) {
  f->key = it->key;
  f->gen = it->gen;
  f->code = 0;
  f->msg = NULL;
  f->ready_at = now;
  f->applied = 0;
  int m = it->mark;
  if (m == MARK_FAILED) m = erplink_error_retryable(it->code) ? MARK_RETRY : -1;
  switch (m) {
  case MARK_DONE: f->outcome = ERPLINK_OUTBOX_OUTCOME_DONE; break;
  case MARK_RETRY:
    f->code = it->code;
    if (it->attempts >= ob->o.max_attempts) {
      f->outcome = ERPLINK_OUTBOX_OUTCOME_DEAD;
      snprintf(buf, bufsz, "gave up after %d attempts: %s", it->attempts, it->reason ? it->reason : "");
      f->msg = buf;
    } else {
      f->outcome = ERPLINK_OUTBOX_OUTCOME_RETRY;
      f->ready_at = add_sat(now, retry_delay(ob, it->attempts, it->retry_after));
      f->msg = it->reason;
    }
    break;
  case -1: /* not retryable: the same payload would fail again */
    f->outcome = ERPLINK_OUTBOX_OUTCOME_DEAD;
    f->code = it->code;
    f->msg = it->reason;
    break;
  default: f->outcome = ERPLINK_OUTBOX_OUTCOME_RELEASE; break;
  }
}

typedef struct fin_arg {
  erplink__ob_finish *f;
  size_t n;
  int64_t now;
} fin_arg;

static int fin_thunk(const erplink_outbox *ob, void *p) {
  fin_arg *a = p;
  erplink__ob_finish *f = a->f;
  int applied = -1;
  int rc = ob->ops.finish(&applied, f->key, f->gen, (erplink_outbox_outcome)f->outcome, f->ready_at, f->code, f->msg,
                          a->now, ob->userdata);
  if (rc == 0 && applied != 0 && applied != 1)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "the custom finish primitive did not set *applied to 0 or 1");
  f->applied = applied;
  return rc;
}

/* Records n outcomes: in one transaction for SQLite, one by one otherwise. */
static int finish_all(erplink_outbox *ob, erplink__ob_finish *f, size_t n, int64_t now) {
  if (n == 0) return 0;
  if (ob->finish_many) return ob->finish_many(f, n, now, ob->userdata);
  for (size_t i = 0; i < n; i++) {
    fin_arg a = {&f[i], 1, now};
    int rc = call_prim(ob, "erplink_outbox: finish", fin_thunk, &a);
    if (rc) return rc;
  }
  return 0;
}

int erplink_outbox_complete(size_t *stale, erplink_outbox *ob, erplink_outbox_batch *b, int64_t now_ms) {
  if (!ob || !b) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_complete: NULL argument");
  if (!b->claimed || b->ob != ob)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_complete: the batch was not claimed from this outbox");
  if (b->completed)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_complete: the batch was completed already");
  int64_t now = now_or_clock(now_ms);
  erplink__ob_finish *f = calloc(b->n ? b->n : 1, sizeof *f);
  char(*bufs)[4200] = calloc(b->n ? b->n : 1, sizeof *bufs);
  if (!f || !bufs) {
    free(f);
    free(bufs);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < b->n; i++) decide(ob, &b->it[i], now, &f[i], bufs[i], sizeof bufs[i]);
  int rc = finish_all(ob, f, b->n, now);
  if (rc == 0) {
    size_t st = 0;
    for (size_t i = 0; i < b->n; i++) {
      st += !f[i].applied;
      b->it[i].recorded = f[i].applied ? f[i].outcome : 0;
    }
    if (stale) *stale = st;
    b->completed = true;
  }
  free(f);
  free(bufs);
  return rc;
}

/* ---------------------------------------------------------------- claim */

typedef struct claim_arg {
  erplink_outbox_sink *sink;
  size_t max;
  int64_t now, until;
} claim_arg;

static int claim_thunk(const erplink_outbox *ob, void *p) {
  claim_arg *a = p;
  return ob->ops.claim(a->sink, a->max, a->now, a->until, ob->userdata);
}

typedef struct purge_arg {
  int64_t before;
} purge_arg;

static int purge_thunk(const erplink_outbox *ob, void *p) {
  return ob->ops.purge(((purge_arg *)p)->before, ob->userdata);
}

int erplink_outbox_claim(erplink_outbox_batch **out, erplink_outbox *ob, size_t max_items, int64_t now_ms) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_claim: out is NULL");
  *out = NULL;
  if (!ob) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_claim: the outbox is NULL");
  if (max_items == 0 || max_items > MAX_BATCH)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_claim: max_items %zu out of range (1 to %d)", max_items,
                               MAX_BATCH);
  int64_t now = now_or_clock(now_ms);
  /* purge done items now and then: every tenth of the retention, at most once a minute */
  if (ob->ops.purge) {
    int64_t every = ob->o.retention_ms / 10 < 60000 ? ob->o.retention_ms / 10 : 60000;
    int64_t last = atomic_load(&ob->last_purge);
    if (now - last >= every && atomic_compare_exchange_strong(&ob->last_purge, &last, now)) {
      purge_arg pa = {now - ob->o.retention_ms};
      erplink__error_saved *sv = erplink__error_save();
      (void)call_prim(ob, "erplink_outbox_claim: purge", purge_thunk, &pa); /* best effort */
      erplink__error_restore(sv);
    }
  }
  erplink_outbox_batch *b = NULL;
  int rc = batch_new(&b, ob, true);
  if (rc) return rc;
  erplink_outbox_sink sink = {b, max_items};
  claim_arg a = {&sink, max_items, now, add_sat(now, ob->o.lease_ms)};
  rc = call_prim(ob, "erplink_outbox_claim: claim", claim_thunk, &a);
  if (rc != 0) { /* what was leased comes back when the lease expires */
    erplink_outbox_batch_free(b);
    return rc;
  }
  /* items whose leases expired more than max_attempts times: dead letters, not handed out */
  size_t ndead = 0;
  for (size_t i = 0; i < b->n; i++) ndead += b->it[i].attempts > ob->o.max_attempts;
  if (ndead) {
    erplink__ob_finish *f = calloc(ndead, sizeof *f);
    if (!f) {
      erplink_outbox_batch_free(b);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    static const char why[] = "no outcome after the maximum number of attempts: each lease expired (the worker "
                              "died or ran longer than lease_ms)";
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++)
      if (b->it[i].attempts > ob->o.max_attempts)
        f[k++] = (erplink__ob_finish){
            b->it[i].key, b->it[i].gen, ERPLINK_OUTBOX_OUTCOME_DEAD, now, ERPLINK_ETIMEOUT, why, 0};
    rc = finish_all(ob, f, ndead, now);
    free(f);
    if (rc != 0) {
      erplink_outbox_batch_free(b);
      return rc;
    }
    size_t w = 0;
    for (size_t i = 0; i < b->n; i++) {
      if (b->it[i].attempts > ob->o.max_attempts)
        item_clear(&b->it[i]);
      else
        b->it[w++] = b->it[i];
    }
    b->n = w;
  }
  *out = b;
  return 0;
}

/* ---------------------------------------------------------------- list, requeue, discard, count */

typedef struct list_arg {
  erplink_outbox_sink *sink;
  erplink_outbox_state state;
  size_t offset, max;
} list_arg;

static int list_thunk(const erplink_outbox *ob, void *p) {
  list_arg *a = p;
  return ob->ops.list(a->sink, a->state, a->offset, a->max, ob->userdata);
}

static bool state_ok(erplink_outbox_state s) { return s >= ERPLINK_OUTBOX_PENDING && s <= ERPLINK_OUTBOX_DONE; }

int erplink_outbox_list(erplink_outbox_batch **out, erplink_outbox *ob, erplink_outbox_state state, size_t offset,
                        size_t max) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_list: out is NULL");
  *out = NULL;
  if (!ob || !state_ok(state) || state == ERPLINK_OUTBOX_RETRY_WAIT || max == 0 || max > MAX_BATCH)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_outbox_list: NULL outbox, a state that cannot be listed, or "
                               "max out of range (1 to %d)",
                               MAX_BATCH);
  erplink_outbox_batch *b = NULL;
  int rc = batch_new(&b, ob, false);
  if (rc) return rc;
  erplink_outbox_sink sink = {b, max};
  list_arg a = {&sink, state, offset, max};
  if ((rc = call_prim(ob, "erplink_outbox_list: list", list_thunk, &a)) != 0) {
    erplink_outbox_batch_free(b);
    return rc;
  }
  *out = b;
  return 0;
}

typedef struct rq_arg {
  size_t *count;
  const char *key;
  int64_t now;
  erplink_outbox_state state;
} rq_arg;

static int requeue_thunk(const erplink_outbox *ob, void *p) {
  rq_arg *a = p;
  return ob->ops.requeue(a->count, a->key, a->now, ob->userdata);
}

static int discard_thunk(const erplink_outbox *ob, void *p) {
  rq_arg *a = p;
  return ob->ops.discard(a->count, a->key, ob->userdata);
}

static int count_thunk(const erplink_outbox *ob, void *p) {
  rq_arg *a = p;
  return ob->ops.count(a->count, a->state, a->now, ob->userdata);
}

int erplink_outbox_requeue(size_t *count, erplink_outbox *ob, const char *key, int64_t now_ms) {
  if (!ob) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_requeue: the outbox is NULL");
  int rc = key ? check_key(key, NULL, "erplink_outbox_requeue") : 0;
  if (rc) return rc;
  size_t n = 0;
  rq_arg a = {&n, key, now_or_clock(now_ms), 0};
  rc = call_prim(ob, "erplink_outbox_requeue: requeue", requeue_thunk, &a);
  if (rc == 0 && count) *count = n;
  return rc;
}

int erplink_outbox_discard(size_t *count, erplink_outbox *ob, const char *key) {
  if (!ob) return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_discard: the outbox is NULL");
  int rc = key ? check_key(key, NULL, "erplink_outbox_discard") : 0;
  if (rc) return rc;
  size_t n = 0;
  rq_arg a = {&n, key, 0, 0};
  rc = call_prim(ob, "erplink_outbox_discard: discard", discard_thunk, &a);
  if (rc == 0 && count) *count = n;
  return rc;
}

int erplink_outbox_count(size_t *count, erplink_outbox *ob, erplink_outbox_state state, int64_t now_ms) {
  if (!count || !ob || !state_ok(state))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_outbox_count: NULL argument or unknown state");
  size_t n = 0;
  rq_arg a = {&n, NULL, now_or_clock(now_ms), state};
  int rc = call_prim(ob, "erplink_outbox_count: count", count_thunk, &a);
  if (rc == 0) *count = n;
  return rc;
}
