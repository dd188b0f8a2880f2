/* The ESI HTTP cache in a store file (esi_cache_store_from_blob_cache over erplink_blob_cache)
 * against tests/servers/esi_sim.py: a restarted client (new client, new store handle, same
 * file) serves an unchanged page from the cache without a request, then revalidates it with
 * one 304 after its expiry; another process shares the cache; a damaged page is never served;
 * a file that breaks under running clients degrades them to uncached fetches (right pages,
 * one warning per client); a damaged file is refused at creation. Meson suite 'esi'. TAP. */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "simctl.h"
#include "storetest.h"
#include "logcap.h"
#include "test.h"

static test_server srv;
static const char *const k_orders = "GET /markets/10000002/orders";

/* A client over the store file at path (opened here; *st and *bc returned for closing). */
static esi_client *mk(const char *path, erplink_store **st, erplink_blob_cache **bc, test_log *lg) {
  esi_client *c = NULL;
  esi_options *o = NULL;
  esi_cache_store cs;
  if (erplink_store_open(st, path, NULL) != 0 || erplink_blob_cache_new(bc, *st, "esi", 64 << 20) != 0 ||
      esi_cache_store_from_blob_cache(&cs, *bc) != 0 || esi_options_new(&o) != 0) {
    printf("# mk: %s\n", st_last_msg());
    return NULL;
  }
  esi_options_set_base_url(o, srv.base_url);
  erplink_http_options *ho = esi_options_http(o); /* the transport knobs */
  erplink_http_options_set_user_agent(ho, "erplink-tests/1.0 (tests@example.com; +https://example.com/erplink)");
  erplink_http_options_set_max_attempts(ho, 3);
  erplink_http_options_set_backoff_ms(ho, 1, 5);
  esi_options_set_cache_store(o, &cs);
  if (lg) erplink_http_options_set_log(ho, ERPLINK_LOG_WARN, test_log_cb, lg);
  esi_client_new(&c, o);
  esi_options_free(o);
  return c;
}

static void done(esi_client *c, erplink_store *st, erplink_blob_cache *bc) {
  esi_client_free(c);
  erplink_blob_cache_free(bc);
  erplink_store_close(st);
}

/* One market call: returns its cache status, or -1 on failure; *items = the item count. */
static int orders(esi_client *c, const char *type, int type_id, size_t *items) {
  esi_response *r = NULL;
  if (esi_client_market_orders(&r, c, 10000002, type, type_id) != 0) {
    printf("# market_orders: %s\n", st_last_msg());
    return -1;
  }
  int st = esi_response_cache_status(r);
  if (items) *items = esi_response_item_count(r);
  esi_response_free(r);
  return st;
}

static void test_restart(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  sim_ctl(&srv, "/_ctl/config", "{\"market_ttl\": 2}", NULL);
  const char *p = st_path("esi.db");
  erplink_store *st = NULL;
  erplink_blob_cache *bc = NULL;
  esi_client *c = mk(p, &st, &bc, NULL);
  REQUIRE(c);
  size_t n1 = 0, n2 = 0;
  CHECK_EQ_INT(orders(c, "sell", 34, &n1), ESI_CACHE_MISS);
  CHECK(n1 > 0);
  done(c, st, bc);
  CHECK_EQ_INT(sim_hits(&srv, k_orders), 1);
  /* a new process would do exactly this: a new store handle and a new client on the file */
  c = mk(p, &st, &bc, NULL);
  REQUIRE(c);
  CHECK_EQ_INT(orders(c, "sell", 34, &n2), ESI_CACHE_HIT);
  CHECK_EQ_INT(n2, n1);
  CHECK_EQ_INT(sim_hits(&srv, k_orders), 1); /* no request */
  done(c, st, bc);
  /* after the page's expiry: one conditional request, answered 304, from the kept copy */
  erplink__sleep_ms(2200, NULL, NULL); /* lets the page's 2-second max-age pass (not a synchronisation) */
  c = mk(p, &st, &bc, NULL);
  REQUIRE(c);
  CHECK_EQ_INT(orders(c, "sell", 34, &n2), ESI_CACHE_REVALIDATED);
  CHECK_EQ_INT(n2, n1);
  CHECK_EQ_INT(sim_hits(&srv, "304 /markets/10000002/orders"), 1);
  CHECK_EQ_INT(sim_hits(&srv, k_orders), 2);
  done(c, st, bc);
  sim_ctl(&srv, "/_ctl/config", "{\"market_ttl\": 300}", NULL);
}

static int sharer(void *arg, int fd) {
  (void)arg;
  erplink_store *st = NULL;
  erplink_blob_cache *bc = NULL;
  esi_client *c = mk(st_path("esi.db"), &st, &bc, NULL);
  int s = c ? orders(c, "buy", 35, NULL) : -1;
  st_report(fd, "%d", s);
  done(c, st, bc);
  return 0;
}

static void read_int_line(const char *line, void *ud) { *(int *)ud = atoi(line); }

static void test_shared_by_processes(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  st_child ch;
  REQUIRE(st_spawn(&ch, sharer, NULL) == 0);
  int s = -9;
  CHECK_EQ_INT(st_reap(&ch, read_int_line, &s), 0);
  CHECK_EQ_INT(s, ESI_CACHE_MISS);
  erplink_store *st = NULL;
  erplink_blob_cache *bc = NULL;
  esi_client *c = mk(st_path("esi.db"), &st, &bc, NULL);
  REQUIRE(c);
  CHECK_EQ_INT(orders(c, "buy", 35, NULL), ESI_CACHE_HIT); /* the other process's page */
  CHECK_EQ_INT(sim_hits(&srv, k_orders), 1);
  done(c, st, bc);
}

static void test_damaged_page(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  const char *p = st_path("esi-damaged.db");
  erplink_store *st = NULL;
  erplink_blob_cache *bc = NULL;
  esi_client *c = mk(p, &st, &bc, NULL);
  REQUIRE(c);
  size_t n1 = 0, n2 = 0;
  CHECK_EQ_INT(orders(c, "all", 36, &n1), ESI_CACHE_MISS);
  /* flip bytes inside the stored page (same length) */
  CHECK_EQ_INT(st_raw_exec(p, "UPDATE erplink_blob SET value = CAST(replace(CAST(value AS TEXT), '\"order_id\"', "
                              "'\"order_ix\"') AS BLOB)"),
               SQLITE_OK);
  CHECK_EQ_INT(orders(c, "all", 36, &n2), ESI_CACHE_MISS); /* fetched again, not served damaged */
  CHECK_EQ_INT(n2, n1);
  CHECK_EQ_INT(sim_hits(&srv, k_orders), 2);
  CHECK_EQ_INT(orders(c, "all", 36, &n2), ESI_CACHE_HIT); /* and stored again */
  done(c, st, bc);
}

static void test_file_breaks(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  const char *p = st_path("esi-breaks.db");
  erplink_store *st = NULL;
  erplink_blob_cache *bc = NULL;
  test_log lg = TEST_LOG_INIT;
  esi_client *c = mk(p, &st, &bc, &lg);
  REQUIRE(c);
  size_t n1 = 0, n2 = 0;
  CHECK_EQ_INT(orders(c, "sell", 40, &n1), ESI_CACHE_MISS);
  CHECK_EQ_INT(orders(c, "sell", 40, NULL), ESI_CACHE_HIT);
  st_smash(p, 7);
  /* the cache fails: the client fetches (the right page), warns once, keeps working */
  for (int i = 0; i < 3; i++) {
    CHECK_EQ_INT(orders(c, "sell", 40, &n2), ESI_CACHE_MISS);
    CHECK_EQ_INT(n2, n1);
  }
  CHECK_EQ_INT(orders(c, "buy", 40, NULL), ESI_CACHE_MISS);
  CHECK_EQ_INT(sim_hits(&srv, k_orders), 5);
  CHECK_EQ_INT(test_log_lines_with(&lg, "[warn]", "ESI cache store"), 1);
  /* paged walks too */
  esi_response *r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "all", 0), 0);
  esi_response_free(r);
  done(c, st, bc);
  /* a new process finds the file damaged at creation: a clear error, and it runs uncached */
  st = NULL;
  CHECK_EQ_INT(erplink_store_open(&st, p, NULL), ERPLINK_ESTORE_CORRUPT);
  printf("# at creation: %s\n", st_last_msg());
  CHECK(st == NULL);
  test_log_free(&lg);
}

int main(void) {
  if (sim_start(&srv, NULL) != 0) {
    printf("Bail out! cannot start esi_sim.py\n");
    return 1;
  }
  RUN(test_restart);
  RUN(test_shared_by_processes);
  RUN(test_damaged_page);
  RUN(test_file_breaks);
  test_server_stop(&srv);
  st_cleanup();
  return test_done();
}
