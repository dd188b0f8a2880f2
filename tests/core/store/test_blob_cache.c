/* erplink_blob_cache: round trips, replacement, removal, exact size accounting, the size bound
 * with least-recently-used eviction (use times at a few seconds' granularity, on an injected
 * clock), blobs larger than the bound, damaged blobs never handed out, persistence across a
 * reopen, sharing with another process, a file that breaks under an open cache. TAP. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "erplink/erplink.h"
#include "store/store_internal.h"
#include "storetest.h"
#include "test.h"

static int64_t g_now = ST_T0;
static int64_t fake_clock(void *ud) {
  (void)ud;
  return g_now;
}

/* get() as: 1 found with exactly want, 0 absent, 2 found with other bytes, or the error */
static int get_is(erplink_blob_cache *c, const char *key, const char *want) {
  int found = -1;
  void *data = NULL;
  size_t len = 0;
  int rc = erplink_blob_cache_get(&found, &data, &len, c, key);
  if (rc) return rc;
  int r = 0;
  if (found)
    r = want && len == strlen(want) && memcmp(data, want, len) == 0 && ((char *)data)[len] == 0 ? 1 : 2;
  else if (data || len)
    r = 3;
  erplink_free(data);
  return r;
}

static size_t size_of(erplink_blob_cache *c, size_t *count) {
  size_t b = 0, n = 0;
  if (erplink_blob_cache_size(&b, &n, c) != 0) return (size_t)-1;
  if (count) *count = n;
  return b;
}

static void test_round_trip(void) {
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, st_path("bc.db"), NULL) == 0);
  erplink_blob_cache *c = NULL, *other = NULL;
  REQUIRE(erplink_blob_cache_new(&c, st, "pages", 1 << 20) == 0);
  REQUIRE(erplink_blob_cache_new(&other, st, "other", 1 << 20) == 0);
  CHECK_EQ_INT(get_is(c, "k1", NULL), 0);
  CHECK_EQ_INT(erplink_blob_cache_put(c, "k1", "hello", 5), 0);
  CHECK_EQ_INT(get_is(c, "k1", "hello"), 1);
  CHECK_EQ_INT(get_is(other, "k1", NULL), 0); /* names are independent */
  size_t n = 0;
  CHECK_EQ_INT(size_of(c, &n), 2 + 5);
  CHECK_EQ_INT(n, 1);
  /* replace */
  CHECK_EQ_INT(erplink_blob_cache_put(c, "k1", "a longer value", 14), 0);
  CHECK_EQ_INT(get_is(c, "k1", "a longer value"), 1);
  CHECK_EQ_INT(size_of(c, &n), 2 + 14);
  CHECK_EQ_INT(n, 1);
  /* an empty value, binary bytes, a long key */
  CHECK_EQ_INT(erplink_blob_cache_put(c, "empty", NULL, 0), 0);
  CHECK_EQ_INT(get_is(c, "empty", ""), 1);
  char bin[256];
  for (int i = 0; i < 256; i++) bin[i] = (char)i;
  CHECK_EQ_INT(erplink_blob_cache_put(c, "bin", bin, sizeof bin), 0);
  int found = 0;
  void *data = NULL;
  size_t len = 0;
  CHECK_EQ_INT(erplink_blob_cache_get(&found, &data, &len, c, "bin"), 0);
  CHECK(found == 1 && len == 256 && memcmp(data, bin, 256) == 0);
  erplink_free(data);
  char key[ERPLINK_BLOB_CACHE_MAX_KEY + 2];
  memset(key, 'k', sizeof key - 1);
  key[sizeof key - 1] = 0;
  CHECK_ERR(erplink_blob_cache_put(c, key, "x", 1), ERPLINK_EINVAL, "1 to 4096 bytes");
  key[ERPLINK_BLOB_CACHE_MAX_KEY] = 0;
  CHECK_EQ_INT(erplink_blob_cache_put(c, key, "x", 1), 0);
  CHECK_EQ_INT(get_is(c, key, "x"), 1);
  /* remove */
  int removed = -1;
  CHECK_EQ_INT(erplink_blob_cache_remove(&removed, c, "k1"), 0);
  CHECK_EQ_INT(removed, 1);
  CHECK_EQ_INT(erplink_blob_cache_remove(&removed, c, "k1"), 0);
  CHECK_EQ_INT(removed, 0);
  CHECK_EQ_INT(get_is(c, "k1", NULL), 0);
  CHECK_EQ_INT(size_of(c, &n), 5 + 3 + 256 + ERPLINK_BLOB_CACHE_MAX_KEY + 1);
  CHECK_EQ_INT(n, 3);
  /* evict everything */
  CHECK_EQ_INT(erplink_blob_cache_evict(c, 0), 0);
  CHECK_EQ_INT(size_of(c, &n), 0);
  CHECK_EQ_INT(n, 0);
  /* errors */
  CHECK_ERR(erplink_blob_cache_get(NULL, &data, &len, c, "x"), ERPLINK_EINVAL, "NULL");
  CHECK_ERR(erplink_blob_cache_get(&found, &data, &len, NULL, "x"), ERPLINK_EINVAL, "cache is NULL");
  CHECK_ERR(erplink_blob_cache_put(c, NULL, "x", 1), ERPLINK_EINVAL, "key is NULL");
  CHECK_ERR(erplink_blob_cache_put(c, "", "x", 1), ERPLINK_EINVAL, "1 to 4096 bytes");
  CHECK_ERR(erplink_blob_cache_put(c, "x", NULL, 1), ERPLINK_EINVAL, "data is NULL");
  erplink_blob_cache *bad = NULL;
  CHECK_ERR(erplink_blob_cache_new(&bad, st, "x", 0), ERPLINK_EINVAL, "out of range");
  CHECK_ERR(erplink_blob_cache_new(&bad, NULL, "x", 10), ERPLINK_EINVAL, "store is NULL");
  CHECK_ERR(erplink_blob_cache_evict(NULL, 0), ERPLINK_EINVAL, "NULL");
  erplink_blob_cache_free(c);
  erplink_blob_cache_free(other);
  erplink_blob_cache_free(NULL);
  erplink_store_close(st);
}

static void test_lru(void) {
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, st_path("lru.db"), NULL) == 0);
  erplink_blob_cache *c = NULL;
  REQUIRE(erplink_blob_cache_new(&c, st, "lru", 10000) == 0);
  erplink__blob_cache_set_clock(c, fake_clock, NULL);
  char v[998], key[8];
  memset(v, 'v', sizeof v);
  /* ten blobs of 1000 bytes (2-byte key + 998), one a minute: exactly at the bound */
  for (int i = 0; i < 10; i++) {
    g_now = ST_T0 + i * 60000;
    snprintf(key, sizeof key, "b%d", i);
    REQUIRE(erplink_blob_cache_put(c, key, v, sizeof v) == 0);
  }
  size_t n = 0;
  CHECK_EQ_INT(size_of(c, &n), 10000);
  CHECK_EQ_INT(n, 10);
  /* using b0 and b1 makes them the most recent (b1 twice within the granularity: one write) */
  g_now = ST_T0 + 20 * 60000;
  CHECK_EQ_INT(get_is(c, "b0", NULL), 2);
  CHECK_EQ_INT(get_is(c, "b1", NULL), 2);
  g_now += 1000;
  CHECK_EQ_INT(get_is(c, "b1", NULL), 2);
  /* one more blob: over the bound, so evict least recently used down to 90 %: b2 and b3 go */
  g_now += 60000;
  REQUIRE(erplink_blob_cache_put(c, "bX", v, sizeof v) == 0);
  CHECK_EQ_INT(size_of(c, &n), 9000);
  CHECK_EQ_INT(n, 9);
  CHECK_EQ_INT(get_is(c, "b2", NULL), 0);
  CHECK_EQ_INT(get_is(c, "b3", NULL), 0);
  CHECK_EQ_INT(get_is(c, "b0", NULL), 2);
  CHECK_EQ_INT(get_is(c, "b1", NULL), 2);
  CHECK_EQ_INT(get_is(c, "b4", NULL), 2);
  CHECK_EQ_INT(get_is(c, "bX", NULL), 2);
  /* a blob larger than the bound is not stored, and the outdated one it replaces goes too */
  char *huge = calloc(1, 20000);
  REQUIRE(huge);
  CHECK_EQ_INT(erplink_blob_cache_put(c, "b4", huge, 20000), 0);
  CHECK_EQ_INT(get_is(c, "b4", NULL), 0);
  CHECK_EQ_INT(size_of(c, &n), 8000);
  free(huge);
  /* evict to a target */
  CHECK_EQ_INT(erplink_blob_cache_evict(c, 3500), 0);
  CHECK(size_of(c, &n) <= 3500);
  CHECK_EQ_INT(n, 3);
  CHECK_EQ_INT(get_is(c, "bX", NULL), 2); /* the most recent survive */
  erplink_blob_cache_free(c);
  erplink_store_close(st);
}

static void test_damaged_blob(void) {
  const char *p = st_path("damaged.db");
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, p, NULL) == 0);
  erplink_blob_cache *c = NULL;
  REQUIRE(erplink_blob_cache_new(&c, st, "d", 1 << 20) == 0);
  REQUIRE(erplink_blob_cache_put(c, "page-1", "{\"price\": 10}", 13) == 0);
  REQUIRE(erplink_blob_cache_put(c, "page-2", "{\"price\": 20}", 13) == 0);
  /* damage one value in place (same length: only the checksum can tell), and store one
   * blob under another key (a wrong page for that key) */
  REQUIRE(st_raw_exec(p, "UPDATE erplink_blob SET value = CAST('{\"price\": 99}' AS BLOB) WHERE key = 'page-1'") ==
          SQLITE_OK);
  REQUIRE(st_raw_exec(p, "UPDATE erplink_blob SET key = 'page-3' WHERE key = 'page-2'") == SQLITE_OK);
  CHECK_EQ_INT(get_is(c, "page-1", NULL), 0); /* never the damaged bytes */
  CHECK_EQ_INT(get_is(c, "page-3", NULL), 0); /* never another key's page */
  size_t n = 9;
  CHECK_EQ_INT(size_of(c, &n), 0); /* both dropped, the totals follow */
  CHECK_EQ_INT(n, 0);
  REQUIRE(erplink_blob_cache_put(c, "page-1", "{\"price\": 11}", 13) == 0);
  CHECK_EQ_INT(get_is(c, "page-1", "{\"price\": 11}"), 1);
  erplink_blob_cache_free(c);
  erplink_store_close(st);
}

static int sharer_child(void *arg, int fd) {
  (void)arg;
  erplink_store *st = NULL;
  erplink_blob_cache *c = NULL;
  int rc = erplink_store_open(&st, st_path("bc.db"), NULL);
  if (rc == 0) rc = erplink_blob_cache_new(&c, st, "shared", 1 << 20);
  if (rc == 0) rc = get_is(c, "from-parent", "parent's page") == 1 ? 0 : -1;
  if (rc == 0) rc = erplink_blob_cache_put(c, "from-child", "child's page", 12);
  st_report(fd, "%d", rc);
  erplink_blob_cache_free(c);
  erplink_store_close(st);
  return rc == 0 ? 0 : 1;
}

static void test_persist_and_share(void) {
  erplink_store *st = NULL;
  erplink_blob_cache *c = NULL;
  REQUIRE(erplink_store_open(&st, st_path("bc.db"), NULL) == 0);
  REQUIRE(erplink_blob_cache_new(&c, st, "shared", 1 << 20) == 0);
  REQUIRE(erplink_blob_cache_put(c, "from-parent", "parent's page", 13) == 0);
  erplink_blob_cache_free(c);
  erplink_store_close(st); /* no connection of ours while the child works on the file */
  st_child ch;
  REQUIRE(st_spawn(&ch, sharer_child, NULL) == 0);
  CHECK_EQ_INT(st_reap(&ch, NULL, NULL), 0);
  REQUIRE(erplink_store_open(&st, st_path("bc.db"), NULL) == 0);
  REQUIRE(erplink_blob_cache_new(&c, st, "shared", 1 << 20) == 0);
  CHECK_EQ_INT(get_is(c, "from-child", "child's page"), 1);
  CHECK_EQ_INT(get_is(c, "from-parent", "parent's page"), 1);
  erplink_blob_cache_free(c);
  erplink_store_close(st);
}

static void test_file_breaks(void) {
  const char *p = st_path("breaks.db");
  erplink_store *st = NULL;
  erplink_blob_cache *c = NULL;
  REQUIRE(erplink_store_open(&st, p, NULL) == 0);
  REQUIRE(erplink_blob_cache_new(&c, st, "b", 1 << 20) == 0);
  REQUIRE(erplink_blob_cache_put(c, "k", "value", 5) == 0);
  CHECK_EQ_INT(get_is(c, "k", "value"), 1);
  st_smash(p, 7);
  /* every call now fails with a store error: no crash, never the old or damaged bytes */
  int rc = get_is(c, "k", "value");
  printf("# get after the damage: %d %s\n", rc, rc < 0 ? st_last_msg() : "");
  CHECK(rc == 0 || rc == ERPLINK_ESTORE_CORRUPT || rc == ERPLINK_ESTORE);
  rc = erplink_blob_cache_put(c, "k2", "v", 1);
  CHECK(rc == ERPLINK_ESTORE_CORRUPT || rc == ERPLINK_ESTORE);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_STORE);
  erplink_blob_cache_free(c);
  erplink_store_close(st);
  /* and it is refused when opened again */
  CHECK_EQ_INT(erplink_store_open(&st, p, NULL), ERPLINK_ESTORE_CORRUPT);
}

int main(void) {
  RUN(test_round_trip);
  RUN(test_lru);
  RUN(test_damaged_blob);
  RUN(test_persist_and_share);
  RUN(test_file_breaks);
  st_cleanup();
  return test_done();
}
