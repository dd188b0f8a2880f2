/* erplink_dedup over its three backends: the same TTL/forget/clock semantics for memory,
 * SQLite and a custom backend (a small ops table implemented here, as a caller would over
 * their own store); the memory table's capacity and eviction (moved from the Razorpay tests);
 * the SQLite size bound; errors of custom primitives; several threads. TAP. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "storetest.h"
#include "test.h"

/* seen() as a value: 1 duplicate, 0 new, or the error code */
static int seen(erplink_dedup *d, const char *id, int64_t now) {
  int s = -7;
  int rc = erplink_dedup_seen(&s, d, id, now);
  return rc ? rc : s;
}

static int forget(erplink_dedup *d, const char *id) {
  int f = -7;
  int rc = erplink_dedup_forget(&f, d, id);
  return rc ? rc : f;
}

static long long count(erplink_dedup *d, int64_t now) {
  size_t n = 0;
  int rc = erplink_dedup_count(&n, d, now);
  return rc ? rc : (long long)n;
}

/* ---------------------------------------------------------------- a custom backend */

/* What a caller writes over their own store; here a locked array. */
#define TM_MAX 8192
typedef struct tmap {
  pthread_mutex_t mu;
  char *id[TM_MAX];
  int64_t exp[TM_MAX];
  int n;
  int calls, purges, destroyed;
  int fail; /* 1: fail with a message; 2: fail silently; 3: return a positive value; 4: forget to set the out value */
} tmap;

static int tm_find(tmap *m, const char *id) {
  for (int i = 0; i < m->n; i++)
    if (strcmp(m->id[i], id) == 0) return i;
  return -1;
}

static void tm_del(tmap *m, int i) {
  free(m->id[i]);
  m->id[i] = m->id[m->n - 1];
  m->exp[i] = m->exp[m->n - 1];
  m->n--;
}

static int tm_insert(int *inserted, const char *id, int64_t expires_at_ms, int64_t now_ms, void *ud) {
  tmap *m = ud;
  if (m->fail == 1) return erplink_error_set(ERPLINK_ESERVER, "the key-value server is down");
  if (m->fail == 2) return ERPLINK_ECONNECT;
  if (m->fail == 3) return 5;
  if (m->fail == 4) return 0;
  pthread_mutex_lock(&m->mu);
  m->calls++;
  int i = tm_find(m, id);
  if (i >= 0 && m->exp[i] > now_ms) {
    *inserted = 0;
  } else if (i >= 0) {
    m->exp[i] = expires_at_ms;
    *inserted = 1;
  } else if (m->n < TM_MAX) {
    m->id[m->n] = strdup(id);
    m->exp[m->n++] = expires_at_ms;
    *inserted = 1;
  } else {
    pthread_mutex_unlock(&m->mu);
    return erplink_error_set(ERPLINK_ENOMEM, "the test map is full");
  }
  pthread_mutex_unlock(&m->mu);
  return 0;
}

static int tm_remove(int *removed, const char *id, void *ud) {
  tmap *m = ud;
  pthread_mutex_lock(&m->mu);
  int i = tm_find(m, id);
  if (i >= 0) tm_del(m, i);
  *removed = i >= 0;
  pthread_mutex_unlock(&m->mu);
  return 0;
}

static int tm_purge(int64_t now_ms, size_t max_entries, void *ud) {
  tmap *m = ud;
  pthread_mutex_lock(&m->mu);
  m->purges++;
  for (int i = m->n - 1; i >= 0; i--)
    if (m->exp[i] <= now_ms) tm_del(m, i);
  while ((size_t)m->n > max_entries) { /* drop the one expiring first */
    int k = 0;
    for (int i = 1; i < m->n; i++)
      if (m->exp[i] < m->exp[k]) k = i;
    tm_del(m, k);
  }
  pthread_mutex_unlock(&m->mu);
  return 0;
}

static int tm_count(size_t *n, int64_t now_ms, void *ud) {
  tmap *m = ud;
  pthread_mutex_lock(&m->mu);
  size_t k = 0;
  for (int i = 0; i < m->n; i++) k += m->exp[i] > now_ms;
  *n = k;
  pthread_mutex_unlock(&m->mu);
  return 0;
}

static void tm_destroy(void *ud) {
  tmap *m = ud;
  for (int i = 0; i < m->n; i++) free(m->id[i]);
  m->n = 0;
  m->destroyed++;
}

static const erplink_dedup_ops tm_ops = {tm_insert, tm_remove, tm_purge, tm_count, tm_destroy};

/* ---------------------------------------------------------------- the same semantics everywhere */

enum { MEM, SQL, CUSTOM };
static const char *const kind_name[] = {"memory", "sqlite", "custom"};
static erplink_store *g_store;
static tmap g_map = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}, 0, 0, 0, 0, 0};

static erplink_dedup *make(int kind, const char *name, size_t capacity, int64_t ttl) {
  erplink_dedup *d = NULL;
  int rc = kind == MEM   ? erplink_dedup_new_memory(&d, capacity, ttl)
           : kind == SQL ? erplink_dedup_new_sqlite(&d, g_store, name, capacity, ttl)
                         : erplink_dedup_new_custom(&d, capacity, ttl, &tm_ops, &g_map);
  if (rc) printf("# %s: %s\n", kind_name[kind], st_last_msg());
  return d;
}

static void ttl_semantics(int kind) {
  printf("# backend %s\n", kind_name[kind]);
  erplink_dedup *d = make(kind, "ttl", 8, 1000);
  REQUIRE(d);
  CHECK_EQ_INT(seen(d, "evt_A", 0), 0);
  CHECK_EQ_INT(seen(d, "evt_A", 1), 1);
  CHECK_EQ_INT(seen(d, "evt_B", 500), 0);
  CHECK_EQ_INT(seen(d, "evt_A", 999), 1);  /* still within the TTL */
  CHECK_EQ_INT(seen(d, "evt_A", 1000), 0); /* expired: recorded again */
  CHECK_EQ_INT(seen(d, "evt_B", 1499), 1);
  CHECK_EQ_INT(seen(d, "evt_A", 1500), 1);
  CHECK_EQ_INT(seen(d, "evt_B", 1500), 0);
  CHECK_EQ_INT(count(d, 1500), 2);
  CHECK_EQ_INT(seen(d, "evt_C", 10000), 0); /* A and B have expired */
  CHECK_EQ_INT(count(d, 10000), 1);
  /* forget: a failed processing lets the retry through */
  CHECK_EQ_INT(forget(d, "evt_C"), 1);
  CHECK_EQ_INT(forget(d, "evt_C"), 0);
  CHECK_EQ_INT(seen(d, "evt_C", 10001), 0);
  /* a clock going backwards never breaks it */
  CHECK_EQ_INT(seen(d, "evt_C", 5), 1);
  /* the real clock */
  CHECK_EQ_INT(seen(d, "evt_real", -1), 0);
  CHECK_EQ_INT(seen(d, "evt_real", -1), 1);
  /* an id of exactly the maximum length, and odd bytes */
  char big[ERPLINK_DEDUP_MAX_ID + 1];
  memset(big, 'x', ERPLINK_DEDUP_MAX_ID);
  big[ERPLINK_DEDUP_MAX_ID] = 0;
  CHECK_EQ_INT(seen(d, big, 20000), 0);
  CHECK_EQ_INT(seen(d, big, 20001), 1);
  CHECK_EQ_INT(seen(d, "caf\xc3\xa9 \x01\x7f", 20000), 0);
  CHECK_EQ_INT(seen(d, "caf\xc3\xa9 \x01\x7f", 20001), 1);
  /* argument errors are the front's: the same for every backend */
  CHECK_ERR(seen(d, NULL, 0), ERPLINK_EINVAL, "id is NULL");
  CHECK_ERR(seen(d, "", 0), ERPLINK_EINVAL, "id is empty");
  char over[ERPLINK_DEDUP_MAX_ID + 2];
  memset(over, 'y', sizeof over - 1);
  over[sizeof over - 1] = 0;
  CHECK_ERR(seen(d, over, 0), ERPLINK_EINVAL, "longer than 1024 bytes");
  CHECK_ERR(erplink_dedup_seen(NULL, d, "a", 0), ERPLINK_EINVAL, "seen_before is NULL");
  CHECK_ERR(seen(NULL, "a", 0), ERPLINK_EINVAL, "dedup is NULL");
  CHECK_ERR(forget(d, NULL), ERPLINK_EINVAL, "NULL");
  CHECK_EQ_INT(erplink_dedup_forget(NULL, d, "evt_real"), 0); /* forgotten may be NULL */
  CHECK_ERR(erplink_dedup_count(NULL, d, 0), ERPLINK_EINVAL, "NULL");
  erplink_dedup_free(d);
}

static void test_semantics(void) {
  ttl_semantics(MEM);
  ttl_semantics(SQL);
  ttl_semantics(CUSTOM);
  CHECK_EQ_INT(g_map.destroyed, 1);
  erplink_dedup_free(NULL);
}

static void test_names(void) {
  /* two names in one file are independent */
  erplink_dedup *a = make(SQL, "one", 100, 1000), *b = make(SQL, "two", 100, 1000);
  REQUIRE(a && b);
  CHECK_EQ_INT(seen(a, "x", 0), 0);
  CHECK_EQ_INT(seen(b, "x", 0), 0);
  CHECK_EQ_INT(seen(a, "x", 1), 1);
  erplink_dedup_free(a);
  erplink_dedup_free(b);
  erplink_dedup *d = NULL;
  CHECK_ERR(erplink_dedup_new_sqlite(&d, g_store, "", 10, 10), ERPLINK_EINVAL, "1 to 200 bytes");
  CHECK_ERR(erplink_dedup_new_sqlite(&d, g_store, NULL, 10, 10), ERPLINK_EINVAL, "name is NULL");
  CHECK_ERR(erplink_dedup_new_sqlite(&d, NULL, "x", 10, 10), ERPLINK_EINVAL, "store is NULL");
  CHECK_ERR(erplink_dedup_new_sqlite(&d, g_store, "x", 0, 10), ERPLINK_EINVAL, "capacity 0");
  CHECK_ERR(erplink_dedup_new_sqlite(&d, g_store, "x", 10, 0), ERPLINK_EINVAL, "TTL must be positive");
  CHECK_ERR(erplink_dedup_new_sqlite(&d, g_store, "\xff\xfe", 10, 10), ERPLINK_EINVAL, "UTF-8");
  CHECK(d == NULL);
}

/* ---------------------------------------------------------------- memory: capacity (moved) */

static void test_memory_capacity(void) {
  erplink_dedup *d = NULL;
  REQUIRE(erplink_dedup_new_memory(&d, 100, 1000000) == 0);
  char id[32];
  for (int i = 0; i < 100; i++) {
    snprintf(id, sizeof id, "evt_%d", i);
    CHECK_EQ_INT(seen(d, id, i), 0);
  }
  CHECK_EQ_INT(count(d, 0), 100);
  for (int i = 0; i < 100; i++) {
    snprintf(id, sizeof id, "evt_%d", i);
    CHECK_EQ_INT(seen(d, id, 200), 1);
  }
  /* 10 more evict the 10 oldest */
  for (int i = 100; i < 110; i++) {
    snprintf(id, sizeof id, "evt_%d", i);
    CHECK_EQ_INT(seen(d, id, 300), 0);
  }
  CHECK_EQ_INT(count(d, 0), 100);
  for (int i = 10; i < 110; i++) {
    snprintf(id, sizeof id, "evt_%d", i);
    CHECK_EQ_INT(seen(d, id, 400), 1);
  }
  /* the documented weakness: an evicted id is let through again (and evicts evt_10) */
  CHECK_EQ_INT(seen(d, "evt_0", 500), 0);
  CHECK_EQ_INT(seen(d, "evt_11", 500), 1);
  CHECK_EQ_INT(forget(d, "evt_10"), 0);
  CHECK_EQ_INT(count(d, 0), 100);
  erplink_dedup_free(d);

  /* capacity 1 */
  REQUIRE(erplink_dedup_new_memory(&d, 1, 10) == 0);
  CHECK_EQ_INT(seen(d, "a", 0), 0);
  CHECK_EQ_INT(seen(d, "b", 0), 0);
  CHECK_EQ_INT(seen(d, "a", 0), 0);
  CHECK_EQ_INT(seen(d, "a", 0), 1);
  erplink_dedup_free(d);

  /* errors */
  d = (erplink_dedup *)1;
  CHECK_ERR(erplink_dedup_new_memory(&d, 0, 10), ERPLINK_EINVAL, "capacity 0 is out of range");
  CHECK(d == NULL);
  CHECK_ERR(erplink_dedup_new_memory(&d, 10, 0), ERPLINK_EINVAL, "TTL must be positive");
  CHECK_ERR(erplink_dedup_new_memory(&d, (size_t)1 << 30, 10), ERPLINK_EINVAL, "out of range");
  CHECK_ERR(erplink_dedup_new_memory(NULL, 10, 10), ERPLINK_EINVAL, "out is NULL");
}

/* ---------------------------------------------------------------- SQLite: the size bound */

static void test_sqlite_bound(void) {
  /* capacity 64: purges run every 16 recordings and keep the 64 expiring last */
  erplink_dedup *d = make(SQL, "bound", 64, 1000000);
  REQUIRE(d);
  char id[32];
  long long most = 0;
  for (int i = 0; i < 1000; i++) {
    snprintf(id, sizeof id, "b_%d", i);
    CHECK_EQ_INT(seen(d, id, i), 0);
    long long n = count(d, i);
    if (n > most) most = n;
  }
  printf("# most ids held: %lld (bound %d)\n", most, 64 + 16 + 16);
  CHECK(most <= 64 + 16 + 16);
  CHECK(most >= 64);
  /* the newest are still known, the oldest were evicted (and are new again) */
  CHECK_EQ_INT(seen(d, "b_999", 2000), 1);
  CHECK_EQ_INT(seen(d, "b_950", 2000), 1);
  CHECK_EQ_INT(seen(d, "b_0", 2000), 0);
  /* expired ids are purged even without capacity pressure */
  erplink_dedup_free(d);
  d = make(SQL, "expiry", 100000, 10);
  REQUIRE(d);
  for (int i = 0; i < 40; i++) {
    snprintf(id, sizeof id, "e_%d", i);
    CHECK_EQ_INT(seen(d, id, i * 100), 0);
  }
  CHECK_EQ_INT(count(d, 4000), 0);
  CHECK_EQ_INT(count(d, 3905), 1);
  erplink_dedup_free(d);
}

/* ---------------------------------------------------------------- custom: errors */

static void test_custom_errors(void) {
  tmap m = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}, 0, 0, 0, 0, 0};
  erplink_dedup *d = NULL;
  erplink_dedup_ops ops = tm_ops;
  ops.remove = NULL;
  CHECK_ERR(erplink_dedup_new_custom(&d, 10, 10, &ops, &m), ERPLINK_EINVAL, "insert_if_absent and remove are required");
  CHECK_ERR(erplink_dedup_new_custom(&d, 10, 10, NULL, &m), ERPLINK_EINVAL, "required");
  ops = tm_ops;
  ops.count = NULL;
  ops.purge = NULL;
  ops.destroy = NULL;
  REQUIRE(erplink_dedup_new_custom(&d, 10, 10, &ops, &m) == 0);
  CHECK_ERR(erplink_dedup_count(&(size_t){0}, d, 0), ERPLINK_EINVAL, "no count primitive");
  m.fail = 1;
  CHECK_ERR(seen(d, "a", 0), ERPLINK_ESERVER, "the key-value server is down"); /* the primitive's message */
  m.fail = 2;
  CHECK_ERR(seen(d, "a", 0), ERPLINK_ECONNECT, "the custom store failed (could not connect)");
  m.fail = 3;
  CHECK_ERR(seen(d, "a", 0), ERPLINK_EPROTOCOL, "returned 5");
  m.fail = 4;
  CHECK_ERR(seen(d, "a", 0), ERPLINK_EPROTOCOL, "did not set *inserted");
  m.fail = 0;
  /* a successful call leaves the caller's last error alone */
  erplink_error_set(ERPLINK_EACCESS, "an earlier failure of the caller's");
  CHECK_EQ_INT(seen(d, "a", 0), 0);
  CHECK_EQ_INT(erplink_error_code(erplink_error_last()), ERPLINK_EACCESS);
  CHECK_EQ_STR(st_last_msg(), "an earlier failure of the caller's");
  erplink_dedup_free(d);
  tm_destroy(&m);
  /* purge cadence: capacity 320 → a purge every 20 recordings */
  tmap m2 = {PTHREAD_MUTEX_INITIALIZER, {0}, {0}, 0, 0, 0, 0, 0};
  REQUIRE(erplink_dedup_new_custom(&d, 320, 1000, &tm_ops, &m2) == 0);
  char id[16];
  for (int i = 0; i < 100; i++) {
    snprintf(id, sizeof id, "p%d", i);
    seen(d, id, 0);
    seen(d, id, 1); /* duplicates do not count */
  }
  CHECK_EQ_INT(m2.purges, 5);
  erplink_dedup_free(d);
  CHECK_EQ_INT(m2.destroyed, 1);
}

/* ---------------------------------------------------------------- threads (memory and SQLite) */

#define DD_IDS 3000
typedef struct dd_arg {
  erplink_dedup *d;
  atomic_int *news; /* per id: how many threads got "new" */
  int seed;
  atomic_int errors;
} dd_arg;

static void *dedup_thread(void *p) {
  dd_arg *a = p;
  char id[32];
  unsigned x = (unsigned)a->seed * 2654435761u + 1;
  for (int k = 0; k < DD_IDS; k++) {
    int i = (int)((unsigned)(k * 7919 + a->seed * 1013) % DD_IDS); /* a permutation per thread */
    snprintf(id, sizeof id, "evt_%06d", i);
    int r = seen(a->d, id, 1000);
    if (r == 0)
      atomic_fetch_add(&a->news[i], 1);
    else if (r != 1)
      atomic_fetch_add(&a->errors, 1);
    x = x * 1103515245u + 12345u;
    if ((x >> 16) % 97 == 0 && count(a->d, 1000) < 0) atomic_fetch_add(&a->errors, 1);
  }
  return NULL;
}

static void threads_on(int kind) {
  static atomic_int news[DD_IDS];
  for (int i = 0; i < DD_IDS; i++) atomic_init(&news[i], 0);
  dd_arg args[4];
  erplink_dedup *d = make(kind, "threads", DD_IDS, 1000000);
  REQUIRE(d);
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    args[i].d = d;
    args[i].news = news;
    args[i].seed = i + 1;
    atomic_init(&args[i].errors, 0);
    REQUIRE(pthread_create(&t[i], NULL, dedup_thread, &args[i]) == 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  int bad = 0;
  for (int i = 0; i < DD_IDS; i++) bad += atomic_load(&news[i]) != 1;
  CHECK_EQ_INT(bad, 0);
  for (int i = 0; i < 4; i++) CHECK_EQ_INT(atomic_load(&args[i].errors), 0);
  CHECK_EQ_INT(count(d, 1000), DD_IDS);
  erplink_dedup_free(d);
}

static void test_threads(void) {
  threads_on(MEM);
  threads_on(SQL);
  /* memory under capacity pressure: 4 threads × 3000 ids through a table of 64 */
  erplink_dedup *d = NULL;
  REQUIRE(erplink_dedup_new_memory(&d, 64, 1000000) == 0);
  static atomic_int news[DD_IDS];
  dd_arg args[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    args[i].d = d;
    args[i].news = news;
    args[i].seed = 10 + i;
    atomic_init(&args[i].errors, 0);
    REQUIRE(pthread_create(&t[i], NULL, dedup_thread, &args[i]) == 0);
  }
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 4; i++) CHECK_EQ_INT(atomic_load(&args[i].errors), 0);
  CHECK_EQ_INT(count(d, 0), 64);
  erplink_dedup_free(d);
}

int main(void) {
  if (erplink_store_open(&g_store, st_path("dedup.db"), NULL) != 0) {
    printf("Bail out! cannot open the store: %s\n", st_last_msg());
    return 1;
  }
  RUN(test_semantics);
  RUN(test_names);
  RUN(test_memory_capacity);
  RUN(test_sqlite_bound);
  RUN(test_custom_errors);
  RUN(test_threads);
  erplink_store_close(g_store);
  st_cleanup();
  return test_done();
}
