/* erplink_outbox semantics, each run against the SQLite backend and against a custom backend
 * (tbox below: the erplink_outbox_ops contract implemented over a locked array, as a caller
 * would over their own store): latest value per key wins, a value enqueued during a flush
 * survives any outcome, generations fence late outcomes, capped exponential backoff with
 * jitter and retry-after, dead letters after N attempts or at once for a rejection, list /
 * requeue / discard, release, leases expiring too often, done retention, counts, ordering,
 * argument errors, and producers and consumers on several threads. Virtual clock. TAP. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "storetest.h"
#include "test.h"

/* ================================================================ tbox: a custom backend */

typedef struct trow {
  char *key;
  int state; /* 0 pending, 1 leased, 2 dead, 3 done */
  char *payload, *newer;
  size_t len, nlen;
  bool has_newer;
  int64_t gen;
  int attempts;
  int64_t ready, changed;
  int err_code;
  char *err_msg;
} trow;

#define TB_MAX 4096
typedef struct tbox {
  pthread_mutex_t mu;
  trow r[TB_MAX];
  int n;
  int destroyed;
  int misbehave; /* 1: claim hands more rows than asked; 2: finish leaves *applied unset */
} tbox;

static char *dupb(const void *p, size_t n) {
  char *c = malloc(n + 1);
  if (n) memcpy(c, p, n);
  c[n] = 0;
  return c;
}

static trow *tb_find(tbox *b, const char *key) {
  for (int i = 0; i < b->n; i++)
    if (strcmp(b->r[i].key, key) == 0) return &b->r[i];
  return NULL;
}

static void tb_set_err(trow *r, int code, const char *msg) {
  free(r->err_msg);
  r->err_code = code;
  r->err_msg = msg ? strdup(msg) : NULL;
}

static void tb_promote(trow *r) {
  if (!r->has_newer) return;
  free(r->payload);
  r->payload = r->newer;
  r->len = r->nlen;
  r->newer = NULL;
  r->has_newer = false;
}

static int tb_upsert(const char *key, const void *payload, size_t len, int64_t now_ms, void *ud) {
  tbox *b = ud;
  pthread_mutex_lock(&b->mu);
  trow *r = tb_find(b, key);
  if (!r) {
    if (b->n == TB_MAX) {
      pthread_mutex_unlock(&b->mu);
      return erplink_error_set(ERPLINK_ENOMEM, "tbox is full");
    }
    r = &b->r[b->n++];
    memset(r, 0, sizeof *r);
    r->key = strdup(key);
    r->gen = now_ms; /* never reuse a generation */
    r->state = 2;    /* handled as "done or dead" below */
  }
  if (r->state == 1) {
    free(r->newer);
    r->newer = dupb(payload, len);
    r->nlen = len;
    r->has_newer = true;
  } else {
    free(r->payload);
    r->payload = dupb(payload, len);
    r->len = len;
    if (r->state >= 2) {
      r->attempts = 0;
      r->ready = now_ms;
      r->changed = now_ms;
      tb_set_err(r, 0, NULL);
    }
    r->state = 0;
  }
  pthread_mutex_unlock(&b->mu);
  return 0;
}

static int tb_due(const trow *r, int64_t now) { return (r->state == 0 || r->state == 1) && r->ready <= now; }

static int tb_claim(erplink_outbox_sink *sink, size_t max, int64_t now_ms, int64_t lease_until_ms, void *ud) {
  tbox *b = ud;
  int rc = 0;
  pthread_mutex_lock(&b->mu);
  size_t got = 0;
  while (got < max + (b->misbehave == 1)) {
    trow *best = NULL;
    for (int i = 0; i < b->n; i++)
      if (tb_due(&b->r[i], now_ms) && (!best || b->r[i].ready < best->ready)) best = &b->r[i];
    if (!best) break;
    best->state = 1;
    best->gen++;
    best->attempts++;
    tb_promote(best);
    best->ready = lease_until_ms;
    best->changed = now_ms;
    if ((rc = erplink_outbox_sink_add(sink, best->key, best->payload, best->len, best->gen, best->attempts,
                                      best->err_code, best->err_msg, 0)) != 0)
      break;
    got++;
  }
  pthread_mutex_unlock(&b->mu);
  return rc;
}

static int tb_finish(int *applied, const char *key, int64_t generation, erplink_outbox_outcome outcome,
                     int64_t ready_at_ms, int code, const char *message, int64_t now_ms, void *ud) {
  tbox *b = ud;
  if (b->misbehave == 2) return 0;
  pthread_mutex_lock(&b->mu);
  trow *r = tb_find(b, key);
  *applied = r && r->state == 1 && r->gen == generation;
  if (*applied) {
    switch (outcome) {
    case ERPLINK_OUTBOX_OUTCOME_DONE:
    case ERPLINK_OUTBOX_OUTCOME_DEAD:
      if (r->has_newer) {
        tb_promote(r);
        r->state = 0;
        r->attempts = 0;
        r->ready = now_ms;
        if (outcome == ERPLINK_OUTBOX_OUTCOME_DONE)
          tb_set_err(r, 0, NULL);
        else
          tb_set_err(r, code, message);
      } else {
        r->state = outcome == ERPLINK_OUTBOX_OUTCOME_DONE ? 3 : 2;
        r->ready = 0;
        if (outcome == ERPLINK_OUTBOX_OUTCOME_DONE)
          tb_set_err(r, 0, NULL);
        else
          tb_set_err(r, code, message);
      }
      r->changed = now_ms;
      break;
    default: /* RETRY, RELEASE */
      tb_promote(r);
      r->state = 0;
      r->ready = ready_at_ms;
      r->changed = now_ms;
      if (outcome == ERPLINK_OUTBOX_OUTCOME_RELEASE && r->attempts > 0) r->attempts--;
      if (code != 0) tb_set_err(r, code, message);
    }
  }
  pthread_mutex_unlock(&b->mu);
  return 0;
}

static int cmp_keys(const void *a, const void *b) {
  return strcmp((*(const trow *const *)a)->key, (*(const trow *const *)b)->key);
}

static int tb_list(erplink_outbox_sink *sink, erplink_outbox_state state, size_t offset, size_t max, void *ud) {
  tbox *b = ud;
  int want = state == ERPLINK_OUTBOX_LEASED ? 1
             : state == ERPLINK_OUTBOX_DEAD ? 2
             : state == ERPLINK_OUTBOX_DONE ? 3
                                            : 0;
  pthread_mutex_lock(&b->mu);
  trow *sel[TB_MAX];
  int k = 0;
  for (int i = 0; i < b->n; i++)
    if (b->r[i].state == want) sel[k++] = &b->r[i];
  qsort(sel, (size_t)k, sizeof sel[0], cmp_keys);
  int rc = 0;
  for (size_t i = offset; rc == 0 && i < (size_t)k && i < offset + max; i++)
    rc = erplink_outbox_sink_add(sink, sel[i]->key, sel[i]->payload, sel[i]->len, sel[i]->gen, sel[i]->attempts,
                                 sel[i]->err_code, sel[i]->err_msg, sel[i]->changed);
  pthread_mutex_unlock(&b->mu);
  return rc;
}

static int tb_requeue(size_t *count, const char *key, int64_t now_ms, void *ud) {
  tbox *b = ud;
  pthread_mutex_lock(&b->mu);
  size_t c = 0;
  for (int i = 0; i < b->n; i++) {
    trow *r = &b->r[i];
    if (r->state != 2 || (key && strcmp(r->key, key) != 0)) continue;
    r->state = 0;
    r->attempts = 0;
    r->ready = r->changed = now_ms;
    tb_set_err(r, 0, NULL);
    c++;
  }
  *count = c;
  pthread_mutex_unlock(&b->mu);
  return 0;
}

static void tb_free_row(trow *r) {
  free(r->key);
  free(r->payload);
  free(r->newer);
  free(r->err_msg);
}

static int tb_discard(size_t *count, const char *key, void *ud) {
  tbox *b = ud;
  pthread_mutex_lock(&b->mu);
  size_t c = 0;
  for (int i = b->n - 1; i >= 0; i--) {
    if (b->r[i].state != 2 || (key && strcmp(b->r[i].key, key) != 0)) continue;
    tb_free_row(&b->r[i]);
    b->r[i] = b->r[--b->n];
    c++;
  }
  *count = c;
  pthread_mutex_unlock(&b->mu);
  return 0;
}

static int tb_count(size_t *count, erplink_outbox_state state, int64_t now_ms, void *ud) {
  tbox *b = ud;
  pthread_mutex_lock(&b->mu);
  size_t c = 0;
  for (int i = 0; i < b->n; i++) {
    const trow *r = &b->r[i];
    switch (state) {
    case ERPLINK_OUTBOX_PENDING: c += r->state == 0 && r->ready <= now_ms; break;
    case ERPLINK_OUTBOX_RETRY_WAIT: c += r->state == 0 && r->ready > now_ms; break;
    case ERPLINK_OUTBOX_LEASED: c += r->state == 1; break;
    case ERPLINK_OUTBOX_DEAD: c += r->state == 2; break;
    default: c += r->state == 3; break;
    }
  }
  *count = c;
  pthread_mutex_unlock(&b->mu);
  return 0;
}

static int tb_purge(int64_t done_before_ms, void *ud) {
  tbox *b = ud;
  pthread_mutex_lock(&b->mu);
  for (int i = b->n - 1; i >= 0; i--)
    if (b->r[i].state == 3 && b->r[i].changed < done_before_ms) {
      tb_free_row(&b->r[i]);
      b->r[i] = b->r[--b->n];
    }
  pthread_mutex_unlock(&b->mu);
  return 0;
}

static void tb_destroy(void *ud) {
  tbox *b = ud;
  for (int i = 0; i < b->n; i++) tb_free_row(&b->r[i]);
  b->n = 0;
  b->destroyed++;
}

static const erplink_outbox_ops tb_ops = {tb_upsert,  tb_claim, tb_finish, tb_list,   tb_requeue,
                                          tb_discard, tb_count, tb_purge,  tb_destroy};

/* ================================================================ helpers */

enum { SQL, CUSTOM };
static int g_kind;
static erplink_store *g_store;
static tbox g_box = {.mu = PTHREAD_MUTEX_INITIALIZER};
static int g_serial;
#define T0 ST_T0

/* A fresh outbox (a new name in the file, or the custom box emptied). */
static erplink_outbox *mk(int64_t lease, int attempts, int64_t base, int64_t cap, double jitter, int64_t retention) {
  erplink_outbox_options *o = NULL;
  erplink_outbox_options_new(&o);
  erplink_outbox_options_set_lease_ms(o, lease);
  erplink_outbox_options_set_max_attempts(o, attempts);
  erplink_outbox_options_set_backoff_ms(o, base, cap);
  erplink_outbox_options_set_jitter(o, jitter);
  erplink_outbox_options_set_done_retention_ms(o, retention);
  erplink_outbox *ob = NULL;
  int rc;
  if (g_kind == SQL) {
    char name[32];
    snprintf(name, sizeof name, "ob%d", ++g_serial);
    rc = erplink_outbox_new_sqlite(&ob, g_store, name, o);
  } else {
    tb_destroy(&g_box);
    rc = erplink_outbox_new_custom(&ob, o, &tb_ops, &g_box);
  }
  if (rc) printf("# mk: %s\n", st_last_msg());
  erplink_outbox_options_free(o);
  return ob;
}

static erplink_outbox *mk_default(void) { return mk(1000, 3, 100, 800, 0.0, 86400000); }

static int enq(erplink_outbox *ob, const char *key, const char *payload, int64_t now) {
  return erplink_outbox_enqueue(ob, key, payload, strlen(payload), now);
}

static erplink_outbox_batch *claim(erplink_outbox *ob, size_t max, int64_t now) {
  erplink_outbox_batch *b = NULL;
  int rc = erplink_outbox_claim(&b, ob, max, now);
  if (rc) printf("# claim: %s\n", st_last_msg());
  return b;
}

static const char *pl(const erplink_outbox_batch *b, size_t i) {
  return erplink_outbox_item_payload(erplink_outbox_batch_at(b, i), NULL);
}

static long long cnt(erplink_outbox *ob, erplink_outbox_state s, int64_t now) {
  size_t n = 0;
  int rc = erplink_outbox_count(&n, ob, s, now);
  return rc ? rc : (long long)n;
}

static size_t complete(erplink_outbox *ob, erplink_outbox_batch *b, int64_t now) {
  size_t stale = 99;
  int rc = erplink_outbox_complete(&stale, ob, b, now);
  if (rc) printf("# complete: %s\n", st_last_msg());
  return rc ? 99 : stale;
}

/* ================================================================ tests */

static void t_coalesce(void) {
  erplink_outbox *ob = mk_default();
  REQUIRE(ob);
  char v[32];
  for (int i = 1; i <= 100; i++) {
    snprintf(v, sizeof v, "stock=%d", i);
    REQUIRE(enq(ob, "sku-1", v, T0 + i) == 0);
  }
  REQUIRE(enq(ob, "sku-2", "stock=7", T0 + 101) == 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0 + 200), 2);
  erplink_outbox_batch *b = claim(ob, 10, T0 + 200);
  REQUIRE(b);
  REQUIRE(erplink_outbox_batch_count(b) == 2);
  /* earliest due first: sku-1 was enqueued first */
  CHECK_EQ_STR(erplink_outbox_item_key(erplink_outbox_batch_at(b, 0)), "sku-1");
  CHECK_EQ_STR(pl(b, 0), "stock=100"); /* the last value, once */
  CHECK_EQ_STR(pl(b, 1), "stock=7");
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, 0)), 1);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_LEASED, T0 + 200), 2);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0 + 200), 0);
  erplink_outbox_batch_done(b, 0);
  erplink_outbox_batch_done(b, 1);
  CHECK_EQ_INT(complete(ob, b, T0 + 300), 0);
  CHECK_EQ_INT(erplink_outbox_item_outcome(erplink_outbox_batch_at(b, 0)), ERPLINK_OUTBOX_OUTCOME_DONE);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, T0 + 300), 2);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_LEASED, T0 + 300), 0);
  b = claim(ob, 10, T0 + 400);
  CHECK_EQ_INT(erplink_outbox_batch_count(b), 0); /* nothing due */
  erplink_outbox_batch_free(b);
  /* a new value of a done key is pending again */
  REQUIRE(enq(ob, "sku-1", "stock=101", T0 + 500) == 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, T0 + 500), 1);
  b = claim(ob, 10, T0 + 500);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  CHECK_EQ_STR(pl(b, 0), "stock=101");
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, 0)), 1);
  erplink_outbox_batch_free(b);
  erplink_outbox_free(ob);
}

static void t_enqueue_many(void) {
  erplink_outbox *ob = mk_default();
  REQUIRE(ob);
  const char *keys[] = {"a", "b", "a", "c"};
  const void *pls[] = {"a1", "b1", "a2", NULL};
  size_t lens[] = {2, 2, 2, 0};
  CHECK_EQ_INT(erplink_outbox_enqueue_many(ob, keys, pls, lens, 4, T0), 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0), 3);
  /* a bad item anywhere: nothing is enqueued */
  const char *bad_keys[] = {"d", ""};
  CHECK_ERR(erplink_outbox_enqueue_many(ob, bad_keys, pls, lens, 2, T0), ERPLINK_EINVAL, "item 1");
  const void *bad_pls[] = {"x", NULL};
  size_t bad_lens[] = {1, 5};
  const char *keys2[] = {"d", "e"};
  CHECK_ERR(erplink_outbox_enqueue_many(ob, keys2, bad_pls, bad_lens, 2, T0), ERPLINK_EINVAL, "payload is NULL");
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0), 3);
  CHECK_EQ_INT(erplink_outbox_enqueue_many(ob, NULL, NULL, NULL, 0, T0), 0);
  CHECK_ERR(erplink_outbox_enqueue_many(ob, NULL, pls, lens, 1, T0), ERPLINK_EINVAL, "NULL arrays");
  /* with one key leased: its new value waits behind the lease */
  erplink_outbox_batch *b = claim(ob, 1, T0);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  CHECK_EQ_STR(pl(b, 0), "a2");
  const char *k3[] = {"a", "b"};
  const void *p3[] = {"a3", "b2"};
  size_t l3[] = {2, 2};
  CHECK_EQ_INT(erplink_outbox_enqueue_many(ob, k3, p3, l3, 2, T0 + 1), 0);
  erplink_outbox_batch_done(b, 0);
  complete(ob, b, T0 + 2);
  erplink_outbox_batch_free(b);
  b = claim(ob, 10, T0 + 2);
  REQUIRE(b && erplink_outbox_batch_count(b) == 3);
  int found = 0;
  for (size_t i = 0; i < 3; i++) {
    const char *k = erplink_outbox_item_key(erplink_outbox_batch_at(b, i));
    if (strcmp(k, "a") == 0) found += strcmp(pl(b, i), "a3") == 0;
    if (strcmp(k, "b") == 0) found += strcmp(pl(b, i), "b2") == 0;
    if (strcmp(k, "c") == 0) found += strcmp(pl(b, i), "") == 0;
  }
  CHECK_EQ_INT(found, 3);
  erplink_outbox_batch_free(b);
  erplink_outbox_free(ob);
}

static void t_enqueue_while_leased(void) {
  erplink_outbox *ob = mk_default();
  REQUIRE(ob);
  /* done: the newer value is delivered next */
  REQUIRE(enq(ob, "k", "A", T0) == 0);
  erplink_outbox_batch *b = claim(ob, 1, T0);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  REQUIRE(enq(ob, "k", "B", T0 + 1) == 0);
  REQUIRE(enq(ob, "k", "C", T0 + 2) == 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_LEASED, T0 + 2), 1);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0 + 2), 0);
  erplink_outbox_batch_done(b, 0);
  CHECK_EQ_INT(complete(ob, b, T0 + 3), 0);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, T0 + 3), 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0 + 3), 1);
  b = claim(ob, 1, T0 + 3);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  CHECK_EQ_STR(pl(b, 0), "C");
  /* dead (rejected): the newer value still goes out, with a fresh attempt count */
  REQUIRE(enq(ob, "k", "D", T0 + 4) == 0);
  erplink_outbox_batch_failed(b, 0, ERPLINK_EVALIDATION, "price below cost", -1);
  CHECK_EQ_INT(complete(ob, b, T0 + 5), 0);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DEAD, T0 + 5), 0);
  b = claim(ob, 1, T0 + 5);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  CHECK_EQ_STR(pl(b, 0), "D");
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, 0)), 1);
  /* retry: the newer value is what is retried */
  REQUIRE(enq(ob, "k", "E", T0 + 6) == 0);
  erplink_outbox_batch_failed(b, 0, ERPLINK_EUNAVAILABLE, "503", -1);
  CHECK_EQ_INT(complete(ob, b, T0 + 7), 0);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_RETRY_WAIT, T0 + 7), 1);
  b = claim(ob, 1, T0 + 7 + 800);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  CHECK_EQ_STR(pl(b, 0), "E");
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, 0)), 2);
  CHECK_EQ_INT(erplink_outbox_item_error_code(erplink_outbox_batch_at(b, 0)), ERPLINK_EUNAVAILABLE);
  CHECK_EQ_STR(erplink_outbox_item_error_message(erplink_outbox_batch_at(b, 0)), "503");
  erplink_outbox_batch_free(b);
  erplink_outbox_free(ob);
}

static void t_generations(void) {
  erplink_outbox *ob = mk_default(); /* lease 1000 */
  REQUIRE(ob);
  REQUIRE(enq(ob, "k", "v1", T0) == 0);
  erplink_outbox_batch *b1 = claim(ob, 5, T0);
  REQUIRE(b1 && erplink_outbox_batch_count(b1) == 1);
  int64_t g1 = erplink_outbox_item_generation(erplink_outbox_batch_at(b1, 0));
  /* still leased: nobody else gets it */
  erplink_outbox_batch *none = claim(ob, 5, T0 + 999);
  CHECK_EQ_INT(erplink_outbox_batch_count(none), 0);
  erplink_outbox_batch_free(none);
  /* the lease expired: another worker takes it (a new generation, a counted attempt) */
  erplink_outbox_batch *b2 = claim(ob, 5, T0 + 1000);
  REQUIRE(b2 && erplink_outbox_batch_count(b2) == 1);
  int64_t g2 = erplink_outbox_item_generation(erplink_outbox_batch_at(b2, 0));
  CHECK(g2 > g1);
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b2, 0)), 2);
  /* the first worker's late outcome is stale: it changes nothing */
  erplink_outbox_batch_failed(b1, 0, ERPLINK_EVALIDATION, "late and wrong", -1);
  CHECK_EQ_INT(complete(ob, b1, T0 + 1001), 1);
  CHECK_EQ_INT(erplink_outbox_item_outcome(erplink_outbox_batch_at(b1, 0)), 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_LEASED, T0 + 1001), 1);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DEAD, T0 + 1001), 0);
  erplink_outbox_batch_done(b2, 0);
  CHECK_EQ_INT(complete(ob, b2, T0 + 1002), 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, T0 + 1002), 1);
  erplink_outbox_batch_free(b1);
  erplink_outbox_batch_free(b2);
  /* a late outcome whose lease expired but nobody claimed again still counts (same generation) */
  REQUIRE(enq(ob, "j", "w", T0 + 2000) == 0);
  b1 = claim(ob, 5, T0 + 2000);
  REQUIRE(b1 && erplink_outbox_batch_count(b1) == 1);
  erplink_outbox_batch_done(b1, 0);
  CHECK_EQ_INT(complete(ob, b1, T0 + 9000), 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, T0 + 9000), 2);
  erplink_outbox_batch_free(b1);
  erplink_outbox_free(ob);
}

/* Fails the single claimed item of ob with code at now and returns when it is due next (-1 if
 * it is not pending). */
static int64_t fail_once(erplink_outbox *ob, int code, int64_t retry_after, int64_t now, int64_t horizon) {
  erplink_outbox_batch *b = claim(ob, 1, now);
  if (!b || erplink_outbox_batch_count(b) != 1) {
    erplink_outbox_batch_free(b);
    return -2;
  }
  erplink_outbox_batch_failed(b, 0, code, "trouble", retry_after);
  complete(ob, b, now);
  erplink_outbox_batch_free(b);
  /* find the due time by bisection on the counts */
  if (cnt(ob, ERPLINK_OUTBOX_RETRY_WAIT, now) != 1) return -1;
  int64_t lo = now, hi = now + horizon;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (cnt(ob, ERPLINK_OUTBOX_PENDING, mid) == 1)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static void t_backoff(void) {
  erplink_outbox *ob = mk(100000, 10, 1000, 8000, 0.0, 86400000);
  REQUIRE(ob);
  REQUIRE(enq(ob, "k", "v", T0) == 0);
  int64_t now = T0, want[] = {1000, 2000, 4000, 8000, 8000};
  for (int i = 0; i < 5; i++) {
    int64_t due = fail_once(ob, ERPLINK_ENETWORK, -1, now, 100000);
    CHECK_EQ_INT(due - now, want[i]);
    now = due;
  }
  /* the server's retry-after wins when longer */
  int64_t due = fail_once(ob, ERPLINK_ERATELIMIT, 30000, now, 100000);
  CHECK_EQ_INT(due - now, 30000);
  erplink_outbox_free(ob);
  /* jitter 0.5: each delay in [ceiling / 2, ceiling], and not all the same */
  ob = mk(100000, 100, 1000, 1000, 0.5, 86400000);
  REQUIRE(ob);
  REQUIRE(enq(ob, "k", "v", T0) == 0);
  now = T0;
  int64_t lo = 1 << 30, hi = 0;
  for (int i = 0; i < 20; i++) {
    due = fail_once(ob, ERPLINK_ETIMEOUT, -1, now, 10000);
    int64_t d = due - now;
    CHECK(d >= 500 && d <= 1000);
    if (d < lo) lo = d;
    if (d > hi) hi = d;
    now = due;
  }
  CHECK(hi > lo);
  erplink_outbox_free(ob);
}

static void t_dead_letters(void) {
  erplink_outbox *ob = mk(100000, 3, 10, 10, 0.0, 86400000);
  REQUIRE(ob);
  REQUIRE(enq(ob, "a", "payload-a", T0) == 0);
  REQUIRE(enq(ob, "b", "payload-b", T0) == 0);
  REQUIRE(enq(ob, "c", "payload-c", T0) == 0);
  int64_t now = T0;
  /* a: retryable failures until max_attempts */
  for (int i = 1; i <= 3; i++) {
    erplink_outbox_batch *b = claim(ob, 3, now);
    REQUIRE(b);
    for (size_t k = 0; k < erplink_outbox_batch_count(b); k++) {
      const char *key = erplink_outbox_item_key(erplink_outbox_batch_at(b, k));
      if (strcmp(key, "a") == 0) {
        CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, k)), i);
        erplink_outbox_batch_retry(b, k, ERPLINK_EAUTH, "authentication failed", -1);
      } else if (strcmp(key, "b") == 0) {
        erplink_outbox_batch_failed(b, k, ERPLINK_EVALIDATION, "unknown product", -1); /* dead at once */
      } else {
        erplink_outbox_batch_done(b, k);
      }
    }
    complete(ob, b, now);
    if (i == 3) CHECK_EQ_INT(erplink_outbox_item_outcome(erplink_outbox_batch_at(b, 0)), ERPLINK_OUTBOX_OUTCOME_DEAD);
    erplink_outbox_batch_free(b);
    now += 10;
  }
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DEAD, now), 2);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, now), 1);
  erplink_outbox_batch *l = NULL;
  REQUIRE(erplink_outbox_list(&l, ob, ERPLINK_OUTBOX_DEAD, 0, 10) == 0);
  REQUIRE(erplink_outbox_batch_count(l) == 2);
  const erplink_outbox_item *a = erplink_outbox_batch_at(l, 0), *bb = erplink_outbox_batch_at(l, 1);
  CHECK_EQ_STR(erplink_outbox_item_key(a), "a");
  CHECK_EQ_INT(erplink_outbox_item_error_code(a), ERPLINK_EAUTH);
  CHECK_EQ_STR(erplink_outbox_item_error_message(a), "gave up after 3 attempts: authentication failed");
  CHECK_EQ_INT(erplink_outbox_item_attempts(a), 3);
  CHECK_EQ_STR(erplink_outbox_item_payload(a, NULL), "payload-a");
  CHECK_EQ_STR(erplink_outbox_item_key(bb), "b");
  CHECK_EQ_INT(erplink_outbox_item_error_code(bb), ERPLINK_EVALIDATION);
  CHECK_EQ_STR(erplink_outbox_item_error_message(bb), "unknown product");
  CHECK_EQ_INT(erplink_outbox_item_changed_ms(bb), T0);
  /* a listed batch takes no outcomes */
  CHECK_ERR(erplink_outbox_batch_done(l, 0), ERPLINK_EINVAL, "listed batch");
  CHECK_ERR(erplink_outbox_complete(NULL, ob, l, now), ERPLINK_EINVAL, "not claimed");
  erplink_outbox_batch_free(l);
  /* paging */
  REQUIRE(erplink_outbox_list(&l, ob, ERPLINK_OUTBOX_DEAD, 1, 10) == 0);
  CHECK_EQ_INT(erplink_outbox_batch_count(l), 1);
  CHECK_EQ_STR(erplink_outbox_item_key(erplink_outbox_batch_at(l, 0)), "b");
  erplink_outbox_batch_free(l);
  REQUIRE(erplink_outbox_list(&l, ob, ERPLINK_OUTBOX_DONE, 0, 10) == 0);
  CHECK_EQ_INT(erplink_outbox_batch_count(l), 1);
  erplink_outbox_batch_free(l);
  /* requeue one, discard the other */
  size_t n = 9;
  CHECK_EQ_INT(erplink_outbox_requeue(&n, ob, "a", now), 0);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(erplink_outbox_requeue(&n, ob, "a", now), 0);
  CHECK_EQ_INT(n, 0);
  CHECK_EQ_INT(erplink_outbox_discard(&n, ob, NULL), 0);
  CHECK_EQ_INT(n, 1);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DEAD, now), 0);
  erplink_outbox_batch *b = claim(ob, 3, now);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  CHECK_EQ_STR(erplink_outbox_item_key(erplink_outbox_batch_at(b, 0)), "a");
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, 0)), 1);   /* starts over */
  CHECK_EQ_INT(erplink_outbox_item_error_code(erplink_outbox_batch_at(b, 0)), 0); /* and clean */
  erplink_outbox_batch_done(b, 0);
  complete(ob, b, now);
  erplink_outbox_batch_free(b);
  /* two rejections; one revived by a newer value, then requeue of every dead letter */
  REQUIRE(enq(ob, "y", "old-y", now) == 0);
  REQUIRE(enq(ob, "z", "old-z", now) == 0);
  b = claim(ob, 3, now);
  REQUIRE(b && erplink_outbox_batch_count(b) == 2);
  for (size_t k = 0; k < 2; k++) erplink_outbox_batch_failed(b, k, ERPLINK_EVALIDATION, "no", -1);
  complete(ob, b, now);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DEAD, now), 2);
  REQUIRE(enq(ob, "z", "new-z", now + 1) == 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DEAD, now + 1), 1);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, now + 1), 1);
  CHECK_EQ_INT(erplink_outbox_requeue(&n, ob, NULL, now + 2), 0); /* all */
  CHECK_EQ_INT(n, 1);
  b = claim(ob, 10, now + 2);
  REQUIRE(b && erplink_outbox_batch_count(b) == 2);
  CHECK_EQ_STR(pl(b, 0), "new-z"); /* due at now + 1, before the requeued y */
  CHECK_EQ_STR(pl(b, 1), "old-y");
  erplink_outbox_batch_free(b);
  erplink_outbox_free(ob);
}

static void t_release_and_expiry(void) {
  erplink_outbox *ob = mk(100, 2, 10, 10, 0.0, 86400000);
  REQUIRE(ob);
  REQUIRE(enq(ob, "r", "v", T0) == 0);
  REQUIRE(enq(ob, "u", "v", T0) == 0);
  erplink_outbox_batch *b = claim(ob, 5, T0);
  REQUIRE(b && erplink_outbox_batch_count(b) == 2);
  erplink_outbox_batch_release(b, 0); /* explicit; item 1 left unmarked: released too */
  CHECK_EQ_INT(complete(ob, b, T0 + 1), 0);
  CHECK_EQ_INT(erplink_outbox_item_outcome(erplink_outbox_batch_at(b, 1)), ERPLINK_OUTBOX_OUTCOME_RELEASE);
  CHECK_ERR(erplink_outbox_complete(NULL, ob, b, T0 + 1), ERPLINK_EINVAL, "completed already");
  CHECK_ERR(erplink_outbox_batch_done(b, 0), ERPLINK_EINVAL, "completed already");
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0 + 1), 2);
  b = claim(ob, 5, T0 + 1);
  REQUIRE(b && erplink_outbox_batch_count(b) == 2);
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, 0)), 1); /* not counted */
  erplink_outbox_batch_free(b);                                                 /* a worker that dies: leases expire */
  b = claim(ob, 5, T0 + 200);
  REQUIRE(b && erplink_outbox_batch_count(b) == 2);
  CHECK_EQ_INT(erplink_outbox_item_attempts(erplink_outbox_batch_at(b, 0)), 2);
  erplink_outbox_batch_free(b);
  /* the third claim after two expired leases (max_attempts 2): dead letters, not handed out */
  b = claim(ob, 5, T0 + 400);
  REQUIRE(b);
  CHECK_EQ_INT(erplink_outbox_batch_count(b), 0);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DEAD, T0 + 400), 2);
  erplink_outbox_batch *l = NULL;
  REQUIRE(erplink_outbox_list(&l, ob, ERPLINK_OUTBOX_DEAD, 0, 1) == 0);
  CHECK(strstr(erplink_outbox_item_error_message(erplink_outbox_batch_at(l, 0)), "lease expired") != NULL);
  CHECK_EQ_INT(erplink_outbox_item_error_code(erplink_outbox_batch_at(l, 0)), ERPLINK_ETIMEOUT);
  erplink_outbox_batch_free(l);
  erplink_outbox_free(ob);
}

static void t_retention_and_order(void) {
  erplink_outbox *ob = mk(1000, 3, 10, 10, 0.0, 1000);
  REQUIRE(ob);
  char k[16];
  for (int i = 0; i < 30; i++) {
    snprintf(k, sizeof k, "k%02d", i);
    REQUIRE(enq(ob, k, k, T0 + 100 - i) == 0); /* k29 is due first */
  }
  erplink_outbox_batch *b = claim(ob, 7, T0 + 100);
  REQUIRE(b && erplink_outbox_batch_count(b) == 7);
  CHECK_EQ_STR(erplink_outbox_item_key(erplink_outbox_batch_at(b, 0)), "k29");
  CHECK_EQ_STR(erplink_outbox_item_key(erplink_outbox_batch_at(b, 6)), "k23");
  for (size_t i = 0; i < 7; i++) erplink_outbox_batch_done(b, i);
  complete(ob, b, T0 + 100);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, T0 + 100), 7);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_PENDING, T0 + 100), 23);
  /* past the retention: the next claim purges them */
  b = claim(ob, 1, T0 + 5000);
  erplink_outbox_batch_free(b);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_DONE, T0 + 5000), 0);
  CHECK_EQ_INT(cnt(ob, ERPLINK_OUTBOX_LEASED, T0 + 5000), 1);
  erplink_outbox_free(ob);
}

static void t_errors(void) {
  erplink_outbox *ob = mk_default();
  REQUIRE(ob);
  CHECK_ERR(erplink_outbox_enqueue(ob, NULL, "x", 1, T0), ERPLINK_EINVAL, "key is NULL");
  CHECK_ERR(erplink_outbox_enqueue(ob, "", "x", 1, T0), ERPLINK_EINVAL, "1 to 1024 bytes");
  CHECK_ERR(erplink_outbox_enqueue(ob, "\xc3\x28", "x", 1, T0), ERPLINK_EINVAL, "not UTF-8");
  CHECK_ERR(erplink_outbox_enqueue(ob, "k", NULL, 1, T0), ERPLINK_EINVAL, "payload is NULL");
  CHECK_ERR(erplink_outbox_enqueue(ob, "k", "x", ERPLINK_OUTBOX_MAX_PAYLOAD + 1, T0), ERPLINK_EINVAL, "larger than");
  CHECK_ERR(erplink_outbox_enqueue(NULL, "k", "x", 1, T0), ERPLINK_EINVAL, "outbox is NULL");
  CHECK_EQ_INT(erplink_outbox_enqueue(ob, "empty", NULL, 0, T0), 0); /* an empty payload is fine */
  erplink_outbox_batch *b = NULL;
  CHECK_ERR(erplink_outbox_claim(&b, ob, 0, T0), ERPLINK_EINVAL, "out of range");
  CHECK_ERR(erplink_outbox_claim(NULL, ob, 1, T0), ERPLINK_EINVAL, "out is NULL");
  b = claim(ob, 1, T0);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  size_t len = 9;
  CHECK_EQ_STR(erplink_outbox_item_payload(erplink_outbox_batch_at(b, 0), &len), "");
  CHECK_EQ_INT(len, 0);
  CHECK(erplink_outbox_batch_at(b, 1) == NULL);
  CHECK_ERR(erplink_outbox_batch_done(b, 1), ERPLINK_EINVAL, "no such item");
  CHECK_ERR(erplink_outbox_batch_failed(b, 0, 0, "x", -1), ERPLINK_EINVAL, "negative");
  CHECK_EQ_INT(erplink_outbox_batch_failed(b, 0, ERPLINK_ESERVER, NULL, -1), 0); /* NULL reason: strerror */
  CHECK_EQ_INT(complete(ob, b, T0), 0);
  erplink_outbox_batch_free(b);
  b = claim(ob, 1, T0 + 100000);
  REQUIRE(b && erplink_outbox_batch_count(b) == 1);
  CHECK_EQ_STR(erplink_outbox_item_error_message(erplink_outbox_batch_at(b, 0)), "server error");
  erplink_outbox_batch_free(b);
  CHECK_ERR(erplink_outbox_list(&b, ob, ERPLINK_OUTBOX_RETRY_WAIT, 0, 1), ERPLINK_EINVAL, "cannot be listed");
  CHECK_ERR(erplink_outbox_count(NULL, ob, ERPLINK_OUTBOX_DEAD, T0), ERPLINK_EINVAL, "NULL");
  CHECK_ERR(erplink_outbox_count(&len, ob, (erplink_outbox_state)9, T0), ERPLINK_EINVAL, "unknown state");
  CHECK_ERR(erplink_outbox_requeue(NULL, ob, "", T0), ERPLINK_EINVAL, "1 to 1024");
  CHECK(erplink_outbox_item_key(NULL)[0] == 0);
  CHECK_EQ_INT(erplink_outbox_batch_count(NULL), 0);
  erplink_outbox_batch_free(NULL);
  erplink_outbox_options *o = NULL;
  REQUIRE(erplink_outbox_options_new(&o) == 0);
  CHECK_ERR(erplink_outbox_options_set_lease_ms(o, 0), ERPLINK_EINVAL, "out of range");
  CHECK_ERR(erplink_outbox_options_set_max_attempts(o, 0), ERPLINK_EINVAL, "out of range");
  CHECK_ERR(erplink_outbox_options_set_backoff_ms(o, 10, 5), ERPLINK_EINVAL, "base <= cap");
  CHECK_ERR(erplink_outbox_options_set_jitter(o, 1.5), ERPLINK_EINVAL, "0.0 .. 1.0");
  CHECK_ERR(erplink_outbox_options_set_done_retention_ms(o, -1), ERPLINK_EINVAL, "out of range");
  erplink_outbox_options_free(o);
  erplink_outbox_free(ob);
  erplink_outbox_free(NULL);
}

/* Every semantic test, against one backend. */
static void run_semantics(int kind) {
  g_kind = kind;
  t_coalesce();
  t_enqueue_many();
  t_enqueue_while_leased();
  t_generations();
  t_backoff();
  t_dead_letters();
  t_release_and_expiry();
  t_retention_and_order();
  t_errors();
}

static void test_sqlite(void) { run_semantics(SQL); }

static void test_custom(void) {
  run_semantics(CUSTOM);
  CHECK(g_box.destroyed >= 9);
}

static void test_custom_misbehaving(void) {
  erplink_outbox *ob = NULL;
  erplink_outbox_ops ops = tb_ops;
  ops.claim = NULL;
  CHECK_ERR(erplink_outbox_new_custom(&ob, NULL, &ops, &g_box), ERPLINK_EINVAL, "are required");
  tb_destroy(&g_box);
  REQUIRE(erplink_outbox_new_custom(&ob, NULL, &tb_ops, &g_box) == 0);
  REQUIRE(enq(ob, "a", "1", T0) == 0);
  REQUIRE(enq(ob, "b", "2", T0) == 0);
  g_box.misbehave = 1;
  erplink_outbox_batch *b = NULL;
  CHECK_ERR(erplink_outbox_claim(&b, ob, 1, T0), ERPLINK_EINVAL, "more rows than the 1 asked for");
  CHECK(b == NULL);
  g_box.misbehave = 0;
  b = claim(ob, 5, T0 + 1000000);
  REQUIRE(b);
  g_box.misbehave = 2;
  size_t stale = 0;
  CHECK_ERR(erplink_outbox_complete(&stale, ob, b, T0 + 1000000), ERPLINK_EPROTOCOL, "did not set *applied");
  g_box.misbehave = 0;
  erplink_outbox_batch_free(b);
  erplink_outbox_free(ob);
}

/* ================================================================ threads */

#define PRODUCERS 3
#define CONSUMERS 2
#define KEYS_PER 40
#define VERSIONS 30

typedef struct shared {
  erplink_outbox *ob;
  atomic_int producing;
  atomic_int errors;
  atomic_int delivered[PRODUCERS * KEYS_PER]; /* highest version seen by "the server" */
} shared;

typedef struct parg {
  shared *s;
  int id;
} parg;

static void *producer(void *p) {
  parg *a = p;
  char key[16], v[32];
  for (int ver = 1; ver <= VERSIONS; ver++)
    for (int k = 0; k < KEYS_PER; k++) {
      snprintf(key, sizeof key, "p%d-%d", a->id, k);
      snprintf(v, sizeof v, "%d", ver);
      if (erplink_outbox_enqueue(a->s->ob, key, v, strlen(v), T0) != 0) atomic_fetch_add(&a->s->errors, 1);
    }
  atomic_fetch_sub(&a->s->producing, 1);
  return NULL;
}

static void *consumer(void *p) {
  shared *s = p;
  for (int round = 0; round < 100000; round++) {
    int still = atomic_load(&s->producing);
    erplink_outbox_batch *b = NULL;
    if (erplink_outbox_claim(&b, s->ob, 25, T0) != 0) {
      atomic_fetch_add(&s->errors, 1);
      return NULL;
    }
    size_t n = erplink_outbox_batch_count(b);
    for (size_t i = 0; i < n; i++) {
      const erplink_outbox_item *it = erplink_outbox_batch_at(b, i);
      int pid = 0, k = 0;
      sscanf(erplink_outbox_item_key(it), "p%d-%d", &pid, &k);
      int ver = atoi(erplink_outbox_item_payload(it, NULL));
      atomic_int *d = &s->delivered[pid * KEYS_PER + k];
      int old = atomic_load(d);
      while (ver > old && !atomic_compare_exchange_weak(d, &old, ver)) {
      }
      if (ver < old) atomic_fetch_add(&s->errors, 1000); /* an older value after a newer one */
      erplink_outbox_batch_done(b, i);
    }
    if (erplink_outbox_complete(NULL, s->ob, b, T0) != 0) atomic_fetch_add(&s->errors, 1);
    erplink_outbox_batch_free(b);
    if (n == 0 && !still) return NULL; /* drained after the producers stopped */
  }
  return NULL;
}

static void test_threads(void) {
  g_kind = SQL;
  static shared s;
  s.ob = mk(1000000, 5, 10, 10, 0.0, 86400000);
  REQUIRE(s.ob);
  atomic_init(&s.producing, PRODUCERS);
  atomic_init(&s.errors, 0);
  for (int i = 0; i < PRODUCERS * KEYS_PER; i++) atomic_init(&s.delivered[i], 0);
  pthread_t tp[PRODUCERS], tc[CONSUMERS];
  parg pa[PRODUCERS];
  for (int i = 0; i < CONSUMERS; i++) REQUIRE(pthread_create(&tc[i], NULL, consumer, &s) == 0);
  for (int i = 0; i < PRODUCERS; i++) {
    pa[i] = (parg){&s, i};
    REQUIRE(pthread_create(&tp[i], NULL, producer, &pa[i]) == 0);
  }
  for (int i = 0; i < PRODUCERS; i++) pthread_join(tp[i], NULL);
  for (int i = 0; i < CONSUMERS; i++) pthread_join(tc[i], NULL);
  CHECK_EQ_INT(atomic_load(&s.errors), 0);
  int lost = 0;
  for (int i = 0; i < PRODUCERS * KEYS_PER; i++) lost += atomic_load(&s.delivered[i]) != VERSIONS;
  CHECK_EQ_INT(lost, 0); /* every key's last value reached "the server" */
  CHECK_EQ_INT(cnt(s.ob, ERPLINK_OUTBOX_DONE, T0), PRODUCERS * KEYS_PER);
  CHECK_EQ_INT(cnt(s.ob, ERPLINK_OUTBOX_PENDING, T0) + cnt(s.ob, ERPLINK_OUTBOX_LEASED, T0), 0);
  erplink_outbox_free(s.ob);
}

int main(void) {
  if (erplink_store_open(&g_store, st_path("outbox.db"), NULL) != 0) {
    printf("Bail out! cannot open the store: %s\n", st_last_msg());
    return 1;
  }
  RUN(test_sqlite);
  RUN(test_custom);
  RUN(test_custom_misbehaving);
  RUN(test_threads);
  tb_destroy(&g_box);
  erplink_store_close(g_store);
  st_cleanup();
  return test_done();
}
