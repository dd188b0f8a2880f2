/* The ESI client against tests/servers/esi_sim.py: cache (hit without request, one conditional
 * request after expiry, 304 reported), concurrent pagination (400 pages in order, roll-over
 * detected and re-fetched, a failing page retried alone), error limit (floor, 420 freeze),
 * 429 Retry-After, rate-limit slow-down, bodies kept as text (esi_options_set_keep_json), and
 * the typed helpers checked against the field names of the ESI OpenAPI document (the facts in
 * tests/fixtures/esi/openapi_facts.json). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "simctl.h"
#include "logcap.h"
#include "test.h"

#define NATIVE_ID "sim-native-client"
#define CHAR_ID 2112625428

static test_server srv;
static esi_sso *sso;
static esi_token *tok;

static const char *last_msg(void) {
  const char *m = erplink_error_message(erplink_error_last());
  return m ? m : "";
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static esi_client *mk_opts(int concurrency, int floor, int keep_json) {
  esi_options *o = NULL;
  esi_client *c = NULL;
  if (esi_options_new(&o) != 0) return NULL;
  erplink_http_options *h = esi_options_http(o);
  esi_options_set_base_url(o, srv.base_url);
  erplink_http_options_set_user_agent(h, "erplink-tests/1.0 (tests@example.com; +https://example.com/erplink)");
  esi_options_set_concurrency(o, concurrency);
  erplink_http_options_set_max_attempts(h, 3);
  erplink_http_options_set_backoff_ms(h, 1, 5);
  erplink_http_options_set_connect_timeout_ms(h, 5000);
  erplink_http_options_set_timeout_ms(h, 20000);
  if (floor >= 0) esi_options_set_error_limit_floor(o, floor);
  esi_options_set_keep_json(o, keep_json);
  esi_client_new(&c, o);
  esi_options_free(o);
  return c;
}

static esi_client *mk(int concurrency, int floor) { return mk_opts(concurrency, floor, 0); }

static void cfg(const char *json) { sim_ctl(&srv, "/_ctl/config", json, NULL); }

static void test_options(void) {
  esi_options *o = NULL;
  esi_client *c = NULL;
  REQUIRE(esi_options_new(&o) == 0);
  CHECK_EQ_INT(esi_client_new(&c, o), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "User-Agent") != NULL);
  CHECK(strstr(last_msg(), "contact") != NULL);
  CHECK(c == NULL);
  /* the rule is checked on the User-Agent of the embedded transport options */
  CHECK_EQ_INT(erplink_http_options_set_user_agent(esi_options_http(o), "MyApp/1.0"), 0);
  CHECK_EQ_INT(esi_client_new(&c, o), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "contact details") != NULL);
  CHECK(c == NULL);
  CHECK_EQ_INT(erplink_http_options_set_user_agent(esi_options_http(o), "MyApp/1.0 (me@example.com)"), 0);
  CHECK(esi_options_http(NULL) == NULL);
  CHECK_EQ_INT(esi_options_set_compatibility_date(o, "2026-02-30"), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_options_set_compatibility_date(o, "26-08-18"), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_options_set_compatibility_date(o, "2025-08-26"), 0);
  CHECK_EQ_INT(esi_options_set_base_url(o, "ftp://x"), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_options_set_concurrency(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_client_new(&c, o), 0);
  esi_client_free(c);
  /* every transport knob reaches ESI through the embedded options, e.g. the size cap */
  CHECK_EQ_INT(esi_options_set_base_url(o, srv.base_url), 0);
  CHECK_EQ_INT(erplink_http_options_set_max_response_bytes(esi_options_http(o), 1000), 0);
  CHECK_EQ_INT(esi_options_set_cache_max_bytes(o, 0), 0);
  REQUIRE(esi_client_new(&c, o) == 0);
  esi_response *big = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&big, c, 10000002, "all", 0), ERPLINK_ETOOLARGE);
  CHECK(big == NULL);
  esi_client_free(c);
  esi_options_free(o);
  esi_client_free(NULL);
  esi_response_free(NULL);
  esi_params_free(NULL);
  /* parameters */
  esi_params *p = NULL;
  REQUIRE(esi_params_new(&p) == 0);
  CHECK_EQ_INT(esi_params_add_query(p, "page", "2"), ERPLINK_EINVAL);
  c = mk(2, -1);
  esi_response *r = NULL;
  CHECK_EQ_INT(esi_client_get(&r, c, "/markets/{region_id}/orders", p, NULL), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "{region_id}") != NULL);
  CHECK_EQ_INT(esi_client_get(&r, c, "markets", p, NULL), ERPLINK_EINVAL);
  esi_params_free(p);
  esi_client_free(c);
}

static void test_cache(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  cfg("{\"market_ttl\": 1}");
  esi_client *c = mk(4, -1);
  REQUIRE(c);
  esi_response *r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "sell", 34), 0);
  REQUIRE(r);
  CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_MISS);
  CHECK_EQ_INT(esi_response_status(r), 200);
  CHECK_EQ_INT(esi_response_requests(r), 1);
  CHECK(esi_response_etag(r) != NULL);
  CHECK(esi_response_last_modified(r) != NULL);
  CHECK(esi_response_expires_ms(r) > 0);
  CHECK_EQ_INT(esi_response_pages(r), 1);
  int rem = 0, reset = 0;
  esi_response_error_limit(&rem, &reset, r);
  CHECK_EQ_INT(rem, 100);
  const char *group = NULL, *limit = NULL;
  int64_t remaining = -1, used = -1;
  esi_response_rate_limit(&group, &limit, &remaining, &used, r);
  CHECK_EQ_STR(group, "market-order");
  CHECK_EQ_STR(limit, "12000/15m");
  CHECK(remaining > 0 && used >= 2);
  size_t n = esi_response_item_count(r);
  CHECK(n > 0);
  for (size_t i = 0; i < n; i++) {
    int b = 1;
    erplink_value_get_bool(&b, erplink_value_struct_get(esi_response_item_at(r, i), "is_buy_order"));
    CHECK(!b);
  }
  esi_response_free(r);
  const char *path = "GET /markets/10000002/orders";
  CHECK_EQ_INT(sim_hits(&srv, path), 1);
  /* before expiry: no request at all */
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "sell", 34), 0);
  CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_HIT);
  CHECK_EQ_INT(esi_response_requests(r), 0);
  CHECK_EQ_INT(esi_response_item_count(r), n);
  esi_response_free(r);
  CHECK_EQ_INT(sim_hits(&srv, path), 1);
  /* another query is another cache entry */
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "buy", 34), 0);
  CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_MISS);
  esi_response_free(r);
  CHECK_EQ_INT(sim_hits(&srv, path), 2);
  /* after expiry: exactly one conditional request, answered 304, served from the cache */
  erplink__sleep_ms(1200, NULL, NULL);
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "sell", 34), 0);
  CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_REVALIDATED);
  CHECK_EQ_INT(esi_response_status(r), 304);
  CHECK_EQ_INT(esi_response_requests(r), 1);
  CHECK_EQ_INT(esi_response_item_count(r), n);
  CHECK(esi_response_expires_ms(r) > erplink__now_wall_ms());
  esi_response_free(r);
  CHECK_EQ_INT(sim_hits(&srv, path), 3);
  CHECK_EQ_INT(sim_hits(&srv, "cond /markets/10000002/orders"), 1);
  CHECK_EQ_INT(sim_hits(&srv, "304 /markets/10000002/orders"), 1);
  /* and the revalidated copy is fresh again */
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "sell", 34), 0);
  CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_HIT);
  esi_response_free(r);
  CHECK_EQ_INT(sim_hits(&srv, path), 3);
  esi_client_free(c);
  cfg("{\"market_ttl\": 300}");
}

typedef struct my_store {
  pthread_mutex_t mu;
  char key[8][512];
  void *data[8];
  size_t len[8];
  int n, gets, puts, destroyed;
  int legacy; /* answer 1 for "found", as stores written for 0.1 do */
} my_store;

/* The store contract: *data stays NULL when the key is absent; 0 either way. */
static int st_get(const char *key, void **data, size_t *len, void *ud) {
  my_store *s = ud;
  int found = 0;
  pthread_mutex_lock(&s->mu);
  s->gets++;
  for (int i = 0; i < s->n; i++)
    if (strcmp(s->key[i], key) == 0) {
      *data = malloc(s->len[i]);
      memcpy(*data, s->data[i], s->len[i]);
      *len = s->len[i];
      if (s->legacy) found = 1;
    }
  pthread_mutex_unlock(&s->mu);
  return found;
}

static int st_put(const char *key, const void *data, size_t len, void *ud) {
  my_store *s = ud;
  pthread_mutex_lock(&s->mu);
  s->puts++;
  int i = 0;
  while (i < s->n && strcmp(s->key[i], key) != 0) i++;
  if (i < 8) {
    if (i == s->n) s->n++;
    snprintf(s->key[i], sizeof s->key[i], "%s", key);
    free(s->data[i]);
    s->data[i] = malloc(len);
    memcpy(s->data[i], data, len);
    s->len[i] = len;
  }
  pthread_mutex_unlock(&s->mu);
  return 0;
}

static void st_destroy(void *ud) { ((my_store *)ud)->destroyed++; }

static void test_cache_store(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  my_store st = {PTHREAD_MUTEX_INITIALIZER, {{0}}, {0}, {0}, 0, 0, 0, 0, 0};
  esi_cache_store cs = {st_get, st_put, st_destroy, &st};
  esi_options *o = NULL;
  esi_options_new(&o);
  esi_options_set_base_url(o, srv.base_url);
  erplink_http_options_set_user_agent(esi_options_http(o), "erplink-tests/1.0 (tests@example.com)");
  esi_cache_store bad = {NULL, st_put, NULL, NULL};
  CHECK_EQ_INT(esi_options_set_cache_store(o, &bad), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_options_set_cache_store(o, &cs), 0);
  esi_client *c = NULL;
  REQUIRE(esi_client_new(&c, o) == 0);
  esi_response *r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "all", 35), 0);
  esi_response_free(r);
  CHECK_EQ_INT(st.puts, 1);
  CHECK(strstr(st.key[0], "/markets/10000002/orders?order_type=all&type_id=35") != NULL);
  CHECK(strstr(st.key[0], "d=2026-08-18") != NULL);
  /* a second client over the same store: served without a request (also when the store
   * answers 1 for "found", as 0.1 stores did) */
  esi_client *c2 = NULL;
  REQUIRE(esi_client_new(&c2, o) == 0);
  for (int legacy = 0; legacy < 2; legacy++) {
    st.legacy = legacy;
    r = NULL;
    CHECK_EQ_INT(esi_client_market_orders(&r, c2, 10000002, "all", 35), 0);
    CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_HIT);
    esi_response_free(r);
  }
  st.legacy = 0;
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders"), 1);
  /* a corrupted blob is ignored (fetched again), never trusted */
  memcpy(st.data[0], "XXXX", 4);
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c2, 10000002, "all", 35), 0);
  CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_MISS);
  esi_response_free(r);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders"), 2);
  esi_client_free(c);
  esi_client_free(c2);
  CHECK_EQ_INT(st.destroyed, 2);
  for (int i = 0; i < st.n; i++) free(st.data[i]);
  /* caching disabled: every call is a request */
  esi_options_set_cache_store(o, NULL);
  esi_options_set_cache_max_bytes(o, 0);
  REQUIRE(esi_client_new(&c, o) == 0);
  for (int i = 0; i < 2; i++) {
    r = NULL;
    CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "all", 35), 0);
    CHECK_EQ_INT(esi_response_cache_status(r), ESI_CACHE_MISS);
    esi_response_free(r);
  }
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders"), 4);
  esi_client_free(c);
  esi_options_free(o);
}

static void test_pagination(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  cfg("{\"market_pages\": 400, \"orders_per_page\": 10, \"latency_ms\": 3}");
  esi_client *c = mk(16, -1);
  REQUIRE(c);
  esi_response *r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, NULL, 0), 0);
  REQUIRE(r);
  CHECK_EQ_INT(esi_response_page_count(r), 400);
  CHECK_EQ_INT(esi_response_item_count(r), 4000);
  CHECK_EQ_INT(esi_response_requests(r), 400);
  int in_order = 1;
  for (size_t i = 0; i < 4000; i++) {
    int64_t id = 0;
    erplink_value_get_int(&id, erplink_value_struct_get(esi_response_item_at(r, i), "order_id"));
    if (id != 6000000000LL + (int64_t)i * 10) in_order = 0;
  }
  CHECK(in_order);
  esi_response_free(r);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders?page=1"), 1);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders?page=400"), 1);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders"), 400);
  int64_t inflight = sim_hits(&srv, "max_inflight"); /* concurrent, within the limit */
  CHECK(inflight > 1 && inflight <= 16);
  if (inflight <= 1 || inflight > 16) printf("# max in flight: %lld\n", (long long)inflight);
  cfg("{\"latency_ms\": 0}");

  /* roll-over in the middle: the set is fetched again once and ends consistent */
  sim_ctl(&srv, "/_ctl/rollover", "{\"path\": \"/markets/10000043/orders\", \"after\": 100}", NULL);
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000043, NULL, 0), 0);
  REQUIRE(r);
  CHECK_EQ_INT(esi_response_item_count(r), 4000);
  int all_new = 1;
  const char *lm = esi_response_last_modified(r);
  for (size_t i = 0; i < esi_response_page_count(r); i++) {
    const erplink_value *first = erplink_value_array_at(esi_response_page_at(r, i), 0);
    int64_t id = 0;
    erplink_value_get_int(&id, erplink_value_struct_get(first, "order_id"));
    if (id % 10 != 1) all_new = 0;
  }
  CHECK(all_new);
  CHECK(lm && strstr(lm, "04:45:00") != NULL); /* version 1 = base + 300 s */
  int64_t hits = sim_hits(&srv, "GET /markets/10000043/orders");
  CHECK(hits > 400 && hits <= 800);
  CHECK(sim_hits(&srv, "304 /markets/10000043/orders") >= 1); /* pages fetched after the roll-over: 304 */
  esi_response_free(r);

  /* a page failing once with 503 is retried alone */
  sim_ctl(&srv, "/_ctl/fault", "{\"path\": \"/markets/10000030/orders\", \"page\": 7, \"status\": 503, \"count\": 1}",
          NULL);
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000030, NULL, 0), 0);
  CHECK_EQ_INT(esi_response_item_count(r), 4000);
  CHECK_EQ_INT(esi_response_requests(r), 401);
  esi_response_free(r);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000030/orders?page=7"), 2);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000030/orders?page=8"), 1);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000030/orders?page=1"), 1);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000030/orders"), 401);

  /* a page failing for good (500 is never retried) fails the call, naming the page */
  sim_ctl(&srv, "/_ctl/fault", "{\"path\": \"/markets/10000032/orders\", \"page\": 5, \"status\": 500, \"count\": 1}",
          NULL);
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000032, NULL, 0), ERPLINK_ESERVER);
  CHECK(strstr(last_msg(), "page 5") != NULL);
  CHECK(strstr(last_msg(), "injected fault 500") != NULL);
  CHECK(r == NULL);

  /* a NULL callback is refused */
  esi_params *p = NULL;
  esi_params_new(&p);
  esi_params_set_path_int(p, "region_id", 10000002);
  int rc = esi_client_get_pages(c, "/markets/{region_id}/orders", p, NULL, NULL, NULL);
  CHECK_EQ_INT(rc, ERPLINK_EINVAL);
  esi_params_free(p);
  esi_client_free(c);
  cfg("{\"market_pages\": 3, \"orders_per_page\": 1000}");
}

typedef struct order_ctx {
  int next;
  int ok;
  size_t items;
} order_ctx;

static int on_page(int page, int pages, const erplink_value *items, void *ud) {
  order_ctx *o = ud;
  if (page != o->next || pages != 5) o->ok = 0;
  o->next++;
  o->items += erplink_value_count(items);
  return page == 4 && o->ok == 2 ? ERPLINK_ECANCELLED : 0;
}

static void test_streaming(void) {
  cfg("{\"market_pages\": 5, \"orders_per_page\": 10}");
  esi_client *c = mk(4, -1);
  esi_params *p = NULL;
  esi_params_new(&p);
  esi_params_set_path_int(p, "region_id", 10000050);
  order_ctx o = {1, 1, 0};
  CHECK_EQ_INT(esi_client_get_pages(c, "/markets/{region_id}/orders", p, NULL, on_page, &o), 0);
  CHECK_EQ_INT(o.ok, 1);
  CHECK_EQ_INT(o.next, 6);
  CHECK_EQ_INT(o.items, 50);
  /* the callback stops the walk */
  order_ctx o2 = {1, 2, 0};
  CHECK_EQ_INT(esi_client_get_pages(c, "/markets/{region_id}/orders", p, NULL, on_page, &o2), ERPLINK_ECANCELLED);
  CHECK_EQ_INT(o2.next, 5);
  esi_params_free(p);
  esi_client_free(c);
  cfg("{\"market_pages\": 3, \"orders_per_page\": 1000}");
}

/* Streaming keeps at most about 2 x concurrency pages fetched ahead of the callback (so memory
 * stays bounded), and a roll-over mid-walk restarts the walk once with a page-0 notice. */
typedef struct bound_ctx {
  int next, ok, restarts;
  int64_t worst_ahead;
  const char *key;
  size_t items;
} bound_ctx;

static int on_page_bounded(int page, int pages, const erplink_value *items, void *ud) {
  bound_ctx *b = ud;
  if (page == 0) {
    b->restarts++;
    if (items != NULL) b->ok = 0;
    b->next = 1;
    b->items = 0;
    return 0;
  }
  if (page != b->next || pages != 60) b->ok = 0;
  b->next++;
  b->items += erplink_value_count(items);
  if (b->key) {
    erplink__sleep_ms(20, NULL, NULL);        /* a slow consumer: unbounded fetchers would race far ahead */
    int64_t fetched = sim_hits(&srv, b->key); /* requests the server saw so far */
    if (fetched - page > b->worst_ahead) b->worst_ahead = fetched - page;
  }
  return 0;
}

static void test_streaming_bounded(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  cfg("{\"market_pages\": 60, \"orders_per_page\": 10, \"latency_ms\": 2}");
  esi_client *c = mk(3, -1);
  REQUIRE(c);
  esi_params *p = NULL;
  esi_params_new(&p);
  esi_params_set_path_int(p, "region_id", 10000061);
  bound_ctx b = {1, 1, 0, 0, "GET /markets/10000061/orders", 0};
  CHECK_EQ_INT(esi_client_get_pages(c, "/markets/{region_id}/orders", p, NULL, on_page_bounded, &b), 0);
  CHECK_EQ_INT(b.ok, 1);
  CHECK_EQ_INT(b.next, 61);
  CHECK_EQ_INT(b.items, 600);
  CHECK_EQ_INT(b.restarts, 0);
  /* window = 2 x 3 pages ahead of the callback, plus the ones being fetched */
  CHECK(b.worst_ahead >= 1 && b.worst_ahead <= 2 * 3 + 3);
  if (b.worst_ahead > 9) printf("# fetched ahead: %lld pages\n", (long long)b.worst_ahead);
  CHECK(sim_hits(&srv, "max_inflight") > 1); /* still concurrent */

  /* roll-over after 20 page requests: the walk restarts once and ends on the new version */
  sim_ctl(&srv, "/_ctl/rollover", "{\"path\": \"/markets/10000062/orders\", \"after\": 20}", NULL);
  esi_params_set_path_int(p, "region_id", 10000062);
  bound_ctx r = {1, 1, 0, 0, NULL, 0};
  CHECK_EQ_INT(esi_client_get_pages(c, "/markets/{region_id}/orders", p, NULL, on_page_bounded, &r), 0);
  CHECK_EQ_INT(r.restarts, 1);
  CHECK_EQ_INT(r.ok, 1);
  CHECK_EQ_INT(r.next, 61);
  CHECK_EQ_INT(r.items, 600);
  esi_params_free(p);
  esi_client_free(c);
  cfg("{\"market_pages\": 3, \"orders_per_page\": 1000, \"latency_ms\": 0}");
}

/* The pull pager: pages in order, the count, the end; a roll-over reported as ECONFLICT and
 * the walk started over on the next call (a second roll-over is final); a failing page final,
 * with nothing far beyond it requested; early free; cancellation through a token. */
static esi_params *region(int64_t id) {
  esi_params *p = NULL;
  esi_params_new(&p);
  esi_params_set_path_int(p, "region_id", id);
  return p;
}

static void test_pager(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  cfg("{\"market_pages\": 5, \"orders_per_page\": 10}");
  esi_client *c = mk(2, -1);
  REQUIRE(c);
  esi_params *p = region(10000071);
  esi_pager *pg = NULL;
  REQUIRE(esi_pager_new(&pg, c, "/markets/{region_id}/orders", p, NULL) == 0);
  esi_params_free(p); /* copied */
  CHECK_EQ_INT(esi_pager_pages(pg), 0);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000071/orders"), 0); /* nothing sent yet */
  const erplink_value *items = NULL;
  int page = -1, want = 1;
  size_t n = 0;
  while (esi_pager_next(&items, &page, pg) == 0 && items) {
    CHECK_EQ_INT(page, want);
    want++;
    n += erplink_value_count(items);
    int64_t id = 0;
    erplink_value_get_int(&id, erplink_value_struct_get(erplink_value_array_at(items, 0), "order_id"));
    CHECK_EQ_INT(id, 6000000000LL + (int64_t)(page - 1) * 100);
  }
  CHECK_EQ_INT(want, 6);
  CHECK_EQ_INT(n, 50);
  CHECK_EQ_INT(esi_pager_pages(pg), 5);
  CHECK_EQ_INT(page, 0);
  CHECK(items == NULL);
  CHECK_EQ_INT(esi_pager_next(&items, &page, pg), 0); /* and it stays at the end */
  CHECK(items == NULL && page == 0);
  CHECK_EQ_INT(esi_pager_next(NULL, &page, pg), ERPLINK_EINVAL);
  esi_pager_free(pg);
  esi_pager_free(NULL);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000071/orders"), 5);
  /* a route with a missing path parameter fails at creation */
  pg = (esi_pager *)&pg;
  CHECK_EQ_INT(esi_pager_new(&pg, c, "/markets/{region_id}/orders", NULL, NULL), ERPLINK_EINVAL);
  CHECK(pg == NULL);
  CHECK(strstr(last_msg(), "{region_id}") != NULL);
  esi_client_free(c);

  /* roll-over after 20 page requests of a 60-page set: ECONFLICT, then the walk starts over */
  cfg("{\"market_pages\": 60, \"orders_per_page\": 10}");
  c = mk(3, -1);
  sim_ctl(&srv, "/_ctl/rollover", "{\"path\": \"/markets/10000072/orders\", \"after\": 20}", NULL);
  p = region(10000072);
  REQUIRE(esi_pager_new(&pg, c, "/markets/{region_id}/orders", p, NULL) == 0);
  int conflicts = 0, last = 0, restarts_at = 0, rc;
  for (int guard = 0; guard < 500; guard++) {
    rc = esi_pager_next(&items, &page, pg);
    if (rc == ERPLINK_ECONFLICT) {
      conflicts++;
      CHECK(strstr(last_msg(), "call esi_pager_next() again") != NULL);
      CHECK(items == NULL && page == 0);
      restarts_at = last;
      last = 0;
      continue;
    }
    if (rc != 0 || !items) break;
    CHECK_EQ_INT(page, last + 1);
    last = page;
  }
  CHECK_EQ_INT(rc, 0);
  CHECK_EQ_INT(conflicts, 1);
  CHECK(restarts_at >= 1 && restarts_at < 60);
  CHECK_EQ_INT(last, 60);
  esi_pager_free(pg);
  /* a second roll-over during the second walk is final */
  sim_ctl(&srv, "/_ctl/rollover", "{\"path\": \"/markets/10000073/orders\", \"after\": 10}", NULL);
  esi_params_set_path_int(p, "region_id", 10000073);
  REQUIRE(esi_pager_new(&pg, c, "/markets/{region_id}/orders", p, NULL) == 0);
  conflicts = 0;
  for (int guard = 0; guard < 500; guard++) {
    rc = esi_pager_next(&items, &page, pg);
    if (rc == ERPLINK_ECONFLICT && conflicts++ == 0) {
      sim_ctl(&srv, "/_ctl/rollover", "{\"path\": \"/markets/10000073/orders\", \"after\": 10}", NULL);
      continue;
    }
    if (rc != 0 || !items) break;
  }
  CHECK_EQ_INT(rc, ERPLINK_ECONFLICT);
  CHECK_EQ_INT(conflicts, 2);
  CHECK(strstr(last_msg(), "keeps rolling over") != NULL);
  CHECK_EQ_INT(esi_pager_next(&items, &page, pg), ERPLINK_ECONFLICT); /* final */
  esi_pager_free(pg);
  esi_client_free(c);

  /* a page failing for good: the pages before it are delivered, then its error, for good;
   * the read-ahead (2 x concurrency) stops there: page 30 is never requested */
  c = mk(2, -1);
  sim_ctl(&srv, "/_ctl/fault", "{\"path\": \"/markets/10000074/orders\", \"page\": 5, \"status\": 500, \"count\": 1}",
          NULL);
  esi_params_set_path_int(p, "region_id", 10000074);
  REQUIRE(esi_pager_new(&pg, c, "/markets/{region_id}/orders", p, NULL) == 0);
  last = 0;
  while ((rc = esi_pager_next(&items, &page, pg)) == 0 && items) last = page;
  CHECK_EQ_INT(last, 4);
  CHECK_EQ_INT(rc, ERPLINK_ESERVER);
  CHECK(strstr(last_msg(), "page 5") != NULL);
  CHECK_EQ_INT(esi_pager_next(&items, &page, pg), ERPLINK_ESERVER);
  CHECK(strstr(last_msg(), "page 5") != NULL);
  esi_pager_free(pg);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000074/orders?page=30"), 0);
  CHECK(sim_hits(&srv, "GET /markets/10000074/orders") <= 4 + 2 * 2 + 1);

  /* stopping early: free after two pages, requests in flight abandoned */
  esi_params_set_path_int(p, "region_id", 10000075);
  REQUIRE(esi_pager_new(&pg, c, "/markets/{region_id}/orders", p, NULL) == 0);
  CHECK_EQ_INT(esi_pager_next(&items, &page, pg), 0);
  CHECK_EQ_INT(esi_pager_next(&items, &page, pg), 0);
  CHECK_EQ_INT(page, 2);
  esi_pager_free(pg);
  CHECK(sim_hits(&srv, "GET /markets/10000075/orders") <= 2 + 2 * 2);

  /* a fired cancellation token pushed on the calling thread stops the next page */
  erplink_cancel *tokn = NULL;
  REQUIRE(erplink_cancel_new(&tokn) == 0);
  esi_params_set_path_int(p, "region_id", 10000076);
  REQUIRE(esi_pager_new(&pg, c, "/markets/{region_id}/orders", p, NULL) == 0);
  CHECK_EQ_INT(esi_pager_next(&items, &page, pg), 0);
  erplink_cancel_push(tokn);
  erplink_cancel_trigger(tokn);
  CHECK_EQ_INT(esi_pager_next(&items, &page, pg), ERPLINK_ECANCELLED);
  erplink_cancel_pop();
  esi_pager_free(pg);
  erplink_cancel_free(tokn);
  esi_params_free(p);
  esi_client_free(c);
  cfg("{\"market_pages\": 3, \"orders_per_page\": 1000}");
}

/* esi_options_set_keep_json: each page's text is the body it decoded from, on a miss, a cache hit
 * and a 304, through a response and a pager; without the option there is none. */
static void check_json_is(const char *json, size_t len, const erplink_value *want) {
  REQUIRE(json != NULL);
  CHECK_EQ_INT(strlen(json), len); /* NUL-terminated at len */
  erplink_value *v = NULL;
  CHECK_EQ_INT(erplink_json_decode(&v, json, len, NULL), 0);
  CHECK(erplink_value_equal(v, want));
  erplink_value_free(v);
}

static void test_keep_json(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  cfg("{\"market_ttl\": 1, \"market_pages\": 3, \"orders_per_page\": 7}");
  esi_client *c = mk_opts(2, -1, 1);
  REQUIRE(c);
  esi_cache_status want[] = {ESI_CACHE_MISS, ESI_CACHE_HIT, ESI_CACHE_REVALIDATED};
  for (int round = 0; round < 3; round++) {
    if (round == 2) erplink__sleep_ms(1200, NULL, NULL);
    esi_response *r = NULL;
    esi_params *p = region(10000043);
    CHECK_EQ_INT(esi_client_get_all_pages(&r, c, "/markets/{region_id}/orders", p, NULL), 0);
    esi_params_free(p);
    REQUIRE(r);
    CHECK_EQ_INT(esi_response_pages(r), 3);
    CHECK_EQ_INT(esi_response_cache_status(r), want[round]);
    for (size_t i = 0; i < 3; i++) {
      size_t len = 99;
      const char *json = esi_response_page_json(r, i, &len);
      check_json_is(json, len, esi_response_page_at(r, i));
    }
    size_t len = 99;
    CHECK(esi_response_page_json(r, 3, &len) == NULL);
    CHECK_EQ_INT(len, 0);
    CHECK(esi_response_page_json(r, 0, NULL) != NULL);
    esi_response_free(r);
  }
  CHECK(esi_response_page_json(NULL, 0, NULL) == NULL);
  /* the pager: the text of the page it delivered last */
  esi_params *p = region(10000043);
  esi_pager *pg = NULL;
  REQUIRE(esi_pager_new(&pg, c, "/markets/{region_id}/orders", p, NULL) == 0);
  esi_params_free(p);
  size_t len = 99;
  CHECK(esi_pager_json(pg, &len) == NULL); /* before the first page */
  CHECK_EQ_INT(len, 0);
  const erplink_value *items = NULL;
  int page = 0, pages = 0;
  while (esi_pager_next(&items, &page, pg) == 0 && items) {
    pages++;
    const char *json = esi_pager_json(pg, &len);
    check_json_is(json, len, items);
  }
  CHECK_EQ_INT(pages, 3);
  CHECK(esi_pager_json(pg, &len) == NULL); /* at the end */
  esi_pager_free(pg);
  CHECK(esi_pager_json(NULL, NULL) == NULL);
  esi_client_free(c);
  /* without the option: no text kept */
  c = mk(2, -1);
  REQUIRE(c);
  esi_response *r = NULL;
  p = region(10000043);
  CHECK_EQ_INT(esi_client_get_all_pages(&r, c, "/markets/{region_id}/orders", p, NULL), 0);
  esi_params_free(p);
  REQUIRE(r);
  CHECK(esi_response_page_at(r, 0) != NULL);
  CHECK(esi_response_page_json(r, 0, &len) == NULL);
  esi_response_free(r);
  esi_client_free(c);
  CHECK_EQ_INT(esi_options_set_keep_json(NULL, 1), ERPLINK_EINVAL);
  cfg("{\"market_ttl\": 300, \"market_pages\": 3, \"orders_per_page\": 1000}");
}

static void test_error_limit(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  esi_client *c = mk(4, 10);
  REQUIRE(c);
  /* 11 errors left: one more error takes Remain to the floor -> the client stops until the reset */
  sim_ctl(&srv, "/_ctl/error_limit", "{\"remain\": 11, \"reset\": 2}", NULL);
  esi_params *p = NULL;
  esi_params_new(&p);
  esi_params_set_path_int(p, "region_id", 10000002);
  esi_params_add_query(p, "type_id", "1");
  esi_response *r = NULL;
  sim_ctl(&srv, "/_ctl/fault", "{\"path\": \"/markets/10000002/orders\", \"status\": 404, \"count\": 1}", NULL);
  CHECK_EQ_INT(esi_client_get(&r, c, "/markets/{region_id}/orders", p, NULL), ERPLINK_ENOTFOUND);
  int rem = -1, reset = -1;
  esi_client_error_limit(&rem, &reset, c);
  CHECK_EQ_INT(rem, 10);
  CHECK(erplink_http_client_pause_remaining_ms(esi_client_http(c)) > 1000);
  int64_t before = sim_hits(&srv, "GET /markets/10000002/orders");
  int64_t t0 = now_ms();
  CHECK_EQ_INT(esi_client_get(&r, c, "/markets/{region_id}/orders", p, NULL), 0);
  int64_t waited = now_ms() - t0;
  CHECK(waited >= 1500);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders"), before + 1);
  esi_client_error_limit(&rem, &reset, c);
  CHECK_EQ_INT(rem, 100); /* the window reset */
  esi_response_free(r);
  r = NULL;

  /* 420: the whole client freezes until the reset, then resumes */
  sim_ctl(&srv, "/_ctl/error_limit", "{\"remain\": 0, \"reset\": 2}", NULL);
  esi_params_add_query(p, "order_type", "buy"); /* not cached yet */
  CHECK_EQ_INT(esi_client_get(&r, c, "/markets/{region_id}/orders", p, NULL), ERPLINK_ERATELIMIT);
  CHECK(strstr(last_msg(), "420") != NULL);
  CHECK(strstr(last_msg(), "paused") != NULL);
  CHECK_EQ_INT(sim_hits(&srv, "status 420"), 1);
  CHECK(erplink_http_client_pause_remaining_ms(esi_client_http(c)) > 1000);
  /* any other request of the client waits too: no 420 storm */
  esi_params *p2 = NULL;
  esi_params_new(&p2);
  esi_params_set_path_int(p2, "region_id", 10000043);
  esi_params_add_query(p2, "type_id", "35");
  t0 = now_ms();
  CHECK_EQ_INT(esi_client_get(&r, c, "/markets/{region_id}/orders", p2, NULL), 0);
  CHECK(now_ms() - t0 >= 1500);
  CHECK_EQ_INT(sim_hits(&srv, "status 420"), 1);
  esi_response_free(r);
  esi_params_free(p2);
  esi_params_free(p);
  esi_client_free(c);
}

static void test_429_and_slowdown(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  esi_client *c = mk(4, -1);
  REQUIRE(c);
  sim_ctl(&srv, "/_ctl/fault",
          "{\"path\": \"/markets/10000002/orders\", \"status\": 429, \"retry_after\": 1, \"count\": 1}", NULL);
  esi_response *r = NULL;
  int64_t t0 = now_ms();
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "all", 34), 0);
  CHECK(now_ms() - t0 >= 900);
  CHECK_EQ_INT(sim_hits(&srv, "GET /markets/10000002/orders"), 2);
  CHECK_EQ_INT(sim_hits(&srv, "status 429"), 1);
  esi_response_free(r);
  /* a group near exhaustion: requests of that route are spaced (1800/15m -> 500 ms) */
  cfg("{\"assets_pages\": 1, \"assets_per_page\": 5}");
  sim_ctl(&srv, "/_ctl/ratelimit", "{\"group\": \"char-asset\", \"limit\": 1800, \"remaining\": 20}", NULL);
  r = NULL;
  t0 = now_ms();
  CHECK_EQ_INT(esi_client_character_assets(&r, c, tok, CHAR_ID), 0);
  int64_t first_ms = now_ms() - t0; /* the group is not known yet: not slowed down */
  int64_t remaining = -1;
  esi_response_rate_limit(NULL, NULL, &remaining, NULL, r);
  CHECK_EQ_INT(remaining, 18);
  esi_response_free(r);
  esi_client *c2 = c;
  r = NULL;
  esi_params *p = NULL;
  esi_params_new(&p);
  esi_params_set_path_int(p, "character_id", CHAR_ID);
  esi_params_add_query(p, "x", "1"); /* another URL: not in the cache */
  t0 = now_ms();
  CHECK_EQ_INT(esi_client_get(&r, c2, "/characters/{character_id}/assets", p, tok), 0);
  int64_t second_ms = now_ms() - t0;
  CHECK(second_ms >= 450);
  if (second_ms < 450 || first_ms >= 450)
    printf("# first call %lld ms, second %lld ms\n", (long long)first_ms, (long long)second_ms);
  esi_response_free(r);
  esi_params_free(p);
  esi_client_free(c);
  cfg("{\"assets_pages\": 3, \"assets_per_page\": 1000}");
}

/* ---------------------------------------------------------------- OpenAPI facts */

/* Reads the property and required names of schema <name> from the facts derived from the
 * ESI OpenAPI document (tests/fixtures/esi/openapi_facts.json, see tests/esi/openapi_facts.py). */
static erplink_value *facts;

static int name_list(const erplink_value *arr, char out[][48], int *n) {
  *n = 0;
  if (!arr || erplink_value_type(arr) != ERPLINK_TYPE_ARRAY) return -1;
  for (size_t i = 0; i < erplink_value_count(arr) && *n < 40; i++) {
    const char *s = NULL;
    size_t len = 0;
    if (erplink_value_get_string(&s, &len, erplink_value_array_at(arr, i)) != 0) return -1;
    snprintf(out[(*n)++], 48, "%.*s", (int)len, s);
  }
  return 0;
}

static int schema_fields(const char *name, char props[][48], int *np, char req[][48], int *nr) {
  *np = *nr = 0;
  const erplink_value *sch = erplink_value_struct_get(erplink_value_struct_get(facts, "schemas"), name);
  if (!sch) return -1;
  if (name_list(erplink_value_struct_get(sch, "properties"), props, np) != 0) return -1;
  return name_list(erplink_value_struct_get(sch, "required"), req, nr);
}

static int route_in_spec(const char *route, const char *method) {
  const erplink_value *ms = erplink_value_struct_get(erplink_value_struct_get(facts, "routes"), route);
  for (size_t i = 0; ms && i < erplink_value_count(ms); i++) {
    const char *m = NULL;
    size_t len = 0;
    if (erplink_value_get_string(&m, &len, erplink_value_array_at(ms, i)) == 0 && strcmp(m, method) == 0) return 1;
  }
  return 0;
}

static void check_items(const char *schema, const esi_response *r) {
  static char props[40][48], req[40][48];
  int np = 0, nr = 0;
  REQUIRE(schema_fields(schema, props, &np, req, &nr) == 0);
  CHECK(np > 0);
  size_t n = esi_response_item_count(r);
  CHECK(n > 0);
  for (size_t i = 0; i < n && i < 50; i++) {
    const erplink_value *it = esi_response_item_at(r, i);
    for (int k = 0; k < nr; k++)
      if (!erplink_value_struct_get(it, req[k])) {
        printf("# %s: required field %s missing\n", schema, req[k]);
        CHECK(0);
      }
    for (size_t m = 0; m < erplink_value_count(it); m++) {
      const char *key = NULL;
      key = erplink_value_struct_key_at(it, m);
      int found = 0;
      for (int k = 0; k < np; k++) found |= strcmp(props[k], key) == 0;
      if (!found) {
        printf("# %s: field %s is not in the spec\n", schema, key);
        CHECK(0);
      }
    }
  }
}

static void test_typed_helpers(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  esi_client *c = mk(8, -1);
  REQUIRE(c && facts);
  /* the routes exist in the spec, with the method the helpers use */
  CHECK(route_in_spec("/characters/{character_id}/assets", "get"));
  CHECK(route_in_spec("/markets/{region_id}/orders", "get"));
  CHECK(route_in_spec("/characters/{character_id}/blueprints", "get"));
  CHECK(route_in_spec("/characters/{character_id}/wallet/transactions", "get"));
  CHECK(route_in_spec("/characters/{character_id}/mail", "post"));
  CHECK(route_in_spec("/universe/names", "post"));
  CHECK(!route_in_spec("/universe/names", "get"));
  esi_response *r = NULL;
  CHECK_EQ_INT(esi_client_character_assets(&r, c, tok, CHAR_ID), 0);
  CHECK_EQ_INT(esi_response_item_count(r), 3000);
  check_items("CharactersCharacterIdAssetsGet_inner", r);
  esi_response_free(r);
  r = NULL;
  CHECK_EQ_INT(esi_client_market_orders(&r, c, 10000002, "all", 0), 0);
  CHECK_EQ_INT(esi_response_item_count(r), 3000);
  check_items("MarketsRegionIdOrdersGet_inner", r);
  esi_response_free(r);
  r = NULL;
  CHECK_EQ_INT(esi_client_character_blueprints(&r, c, tok, CHAR_ID), 0);
  CHECK_EQ_INT(esi_response_item_count(r), 2000);
  check_items("CharactersCharacterIdBlueprintsGet_inner", r);
  CHECK_EQ_INT(esi_blueprint_kind_of(esi_response_item_at(r, 0)), ESI_BLUEPRINT_ORIGINAL);
  CHECK_EQ_INT(esi_blueprint_kind_of(esi_response_item_at(r, 1)), ESI_BLUEPRINT_COPY);
  CHECK_EQ_INT(esi_blueprint_kind_of(esi_response_item_at(r, 2)), ESI_BLUEPRINT_STACK);
  CHECK_EQ_INT(esi_blueprint_kind_of(NULL), ESI_BLUEPRINT_UNKNOWN);
  esi_response_free(r);
  /* wallet: from_id walking, newest first, every transaction once */
  r = NULL;
  CHECK_EQ_INT(esi_client_wallet_transactions(&r, c, tok, CHAR_ID, 0, 100), 0);
  CHECK_EQ_INT(esi_response_item_count(r), 2500);
  CHECK_EQ_INT(esi_response_page_count(r), 3);
  check_items("CharactersCharacterIdWalletTransactionsGet_inner", r);
  int64_t prev = INT64_MAX;
  int desc = 1;
  for (size_t i = 0; i < esi_response_item_count(r); i++) {
    int64_t id = 0;
    erplink_value_get_int(&id, erplink_value_struct_get(esi_response_item_at(r, i), "transaction_id"));
    if (id >= prev) desc = 0;
    prev = id;
  }
  CHECK(desc);
  esi_response_free(r);
  r = NULL;
  CHECK_EQ_INT(esi_client_wallet_transactions(&r, c, tok, CHAR_ID, 0, 1), 0);
  CHECK_EQ_INT(esi_response_item_count(r), 1000);
  esi_response_free(r);
  /* mail: validated before sending */
  esi_mail_recipient rc1[] = {{90000001, "character"}};
  esi_mail_recipient bad[] = {{90000001, "person"}};
  int64_t id = 0;
  int64_t posts = sim_hits(&srv, fmt("POST /characters/%d/mail", CHAR_ID));
  CHECK_EQ_INT(esi_client_send_mail(&id, c, tok, CHAR_ID, rc1, 0, "s", "b", 0), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "1 to 50") != NULL);
  esi_mail_recipient many[51];
  for (int i = 0; i < 51; i++) many[i] = rc1[0];
  CHECK_EQ_INT(esi_client_send_mail(&id, c, tok, CHAR_ID, many, 51, "s", "b", 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_client_send_mail(&id, c, tok, CHAR_ID, bad, 1, "s", "b", 0), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "recipient_type") != NULL);
  char *subj = malloc(1002);
  memset(subj, 'x', 1001);
  subj[1001] = 0;
  CHECK_EQ_INT(esi_client_send_mail(&id, c, tok, CHAR_ID, rc1, 1, subj, "b", 0), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "subject") != NULL);
  /* 1000 characters of 2 bytes each are fine */
  char *subj2 = malloc(2001);
  for (int i = 0; i < 1000; i++) subj2[2 * i] = (char)0xC3, subj2[2 * i + 1] = (char)0xA9;
  subj2[2000] = 0;
  char *body = malloc(10002);
  memset(body, 'y', 10001);
  body[10001] = 0;
  CHECK_EQ_INT(esi_client_send_mail(&id, c, tok, CHAR_ID, rc1, 1, "s", body, 0), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "body") != NULL);
  CHECK_EQ_INT(sim_hits(&srv, fmt("POST /characters/%d/mail", CHAR_ID)), posts);
  body[10000] = 0;
  CHECK_EQ_INT(esi_client_send_mail(&id, c, tok, CHAR_ID, many, 50, subj2, body, 0), 0);
  CHECK(id > 400000000);
  int64_t id2 = 0;
  CHECK_EQ_INT(esi_client_send_mail(&id2, c, tok, CHAR_ID, rc1, 1, "hello", "o7", 0), 0);
  CHECK_EQ_INT(id2, id + 1);
  free(subj);
  free(subj2);
  free(body);
  static char props[40][48], req[40][48];
  int np = 0, nr = 0;
  REQUIRE(schema_fields("PostCharactersCharacterIdMail_request", props, &np, req, &nr) == 0);
  CHECK_EQ_INT(np, 4); /* approved_cost, body, recipients, subject: exactly what esi_client_send_mail sends */
  REQUIRE(schema_fields("PostCharactersCharacterIdMail_request_recipients_inner", props, &np, req, &nr) == 0);
  CHECK_EQ_INT(np, 2);
  /* universe names: 2500 ids (with duplicates) in 3 chunks, 2 invalid ids isolated by bisection */
  sim_ctl(&srv, "/_ctl/config", "{\"invalid_ids\": [30000500, 60001234]}", NULL);
  int64_t ids[2600];
  for (int i = 0; i < 2500; i++) ids[i] = i < 1500 ? 30000000 + i * 3 : 60001234 + (i - 1500) * 3;
  for (int i = 0; i < 100; i++) ids[2500 + i] = ids[i]; /* duplicates are dropped */
  ids[2599] = 30000500;
  esi_response *nr_ = NULL;
  int64_t *invalid = NULL;
  size_t n_invalid = 0;
  CHECK_EQ_INT(esi_client_universe_names(&nr_, &invalid, &n_invalid, c, ids, 2600), 0);
  CHECK_EQ_INT(n_invalid, 2);
  if (n_invalid == 2) { /* in increasing order */
    CHECK_EQ_INT(invalid[0], 30000500LL);
    CHECK_EQ_INT(invalid[1], 60001234LL);
  }
  /* the answers in id order: every valid id once */
  int64_t prev_id = 0;
  int ordered = 1;
  for (size_t i = 0; i < esi_response_item_count(nr_); i++) {
    int64_t name_id = 0;
    erplink_value_get_int(&name_id, erplink_value_struct_get(esi_response_item_at(nr_, i), "id"));
    if (name_id <= prev_id) ordered = 0;
    prev_id = name_id;
  }
  CHECK(ordered);
  CHECK_EQ_INT(esi_response_item_count(nr_), 2499);
  check_items("UniverseNamesPost_inner", nr_);
  CHECK(esi_response_requests(nr_) > 3);
  erplink_free(invalid);
  esi_response_free(nr_);
  sim_ctl(&srv, "/_ctl/config", "{\"invalid_ids\": []}", NULL);
  esi_client_free(c);
}

/* Authenticated calls logged at TRACE: the bearer token never appears; pauses are logged. */
static void test_log_redaction(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  test_log lb = TEST_LOG_INIT;
  esi_options *o = NULL;
  esi_client *c = NULL;
  esi_options_new(&o);
  esi_options_set_base_url(o, srv.base_url);
  erplink_http_options_set_user_agent(esi_options_http(o), "erplink-tests/1.0 (tests@example.com)");
  CHECK_EQ_INT(erplink_http_options_set_log(esi_options_http(o), ERPLINK_LOG_TRACE, test_log_cb, &lb), 0);
  REQUIRE(esi_client_new(&c, o) == 0);
  esi_options_free(o);
  esi_response *r = NULL;
  CHECK_EQ_INT(esi_client_character_blueprints(&r, c, tok, CHAR_ID), 0);
  esi_response_free(r);
  esi_mail_recipient rc1[] = {{90000001, "character"}};
  int64_t id = 0;
  CHECK_EQ_INT(esi_client_send_mail(&id, c, tok, CHAR_ID, rc1, 1, "log test", "body", 0), 0);
  char *at = NULL;
  REQUIRE(esi_token_access_token(&at, tok) == 0);
  REQUIRE(lb.total > 0);
  CHECK(strstr(test_log_text(&lb), "/blueprints") != NULL);
  CHECK(strstr(test_log_text(&lb), "Authorization: <redacted>") != NULL);
  CHECK(strstr(test_log_text(&lb), strrchr(at, '.') + 1) == NULL);
  CHECK(strstr(test_log_text(&lb), at) == NULL);
  CHECK(strstr(test_log_text(&lb), "erplink/") != NULL); /* the User-Agent carries erplink's version */
  free(at);
  /* ESI refuses the access token (401): the token is refreshed once and the call repeated */
  sim_ctl(&srv, "/_ctl/forget_access", "{}", NULL);
  int64_t refreshes = esi_token_refresh_count(tok);
  r = NULL;
  esi_params *p = NULL;
  esi_params_new(&p);
  esi_params_set_path_int(p, "character_id", CHAR_ID);
  esi_params_add_query(p, "y", "2");
  CHECK_EQ_INT(esi_client_get(&r, c, "/characters/{character_id}/assets", p, tok), 0);
  CHECK_EQ_INT(esi_token_refresh_count(tok), refreshes + 1);
  CHECK_EQ_INT(sim_hits(&srv, "status 401"), 1);
  esi_response_free(r);
  esi_params_free(p);
  esi_client_free(c);
  test_log_free(&lb);
}

static void setup_token(void) {
  esi_sso_options *o = NULL;
  esi_sso_options_new(&o);
  esi_sso_options_set_client_id(o, NATIVE_ID);
  esi_sso_options_set_redirect_uri(o, "http://localhost/callback");
  esi_sso_options_set_metadata_url(o, fmt("%s/.well-known/oauth-authorization-server", srv.base_url));
  erplink_http_options_set_user_agent(esi_sso_options_http(o), "erplink-tests/1.0 (tests@example.com)");
  esi_sso_new(&sso, o);
  esi_sso_options_free(o);
  const char *scopes[] = {"esi-assets.read_assets.v1", "esi-characters.read_blueprints.v1",
                          "esi-wallet.read_character_wallet.v1", "esi-mail.send_mail.v1"};
  esi_sso_login *l = NULL;
  char *code = NULL, *state = NULL;
  esi_sso_tokens *t = NULL;
  if (sso && esi_sso_login_new(&l, sso, scopes, 4) == 0 && sim_authorize(esi_sso_login_url(l), &code, &state) == 0 &&
      esi_sso_exchange_code(&t, sso, l, code, state) == 0)
    esi_token_new_from_tokens(&tok, sso, t, NULL, NULL);
  free(code);
  free(state);
  esi_sso_tokens_free(t);
  esi_sso_login_free(l);
}

int main(void) {
  if (sim_start(&srv, NULL) != 0) {
    printf("Bail out! cannot start esi_sim.py (is the Python package 'cryptography' installed?)\n");
    return 1;
  }
  size_t facts_len = 0;
  char *facts_text = test_read_file(test_fixture_path("esi/openapi_facts.json"), &facts_len);
  if (!facts_text || erplink_json_decode(&facts, facts_text, facts_len, NULL) != 0) {
    printf("Bail out! cannot read %s\n", test_fixture_path("esi/openapi_facts.json"));
    return 1;
  }
  free(facts_text);
  setup_token();
  if (!tok) {
    printf("Bail out! cannot log in to the simulator: %s\n", last_msg());
    test_server_stop(&srv);
    return 1;
  }
  RUN(test_options);
  RUN(test_cache);
  RUN(test_cache_store);
  RUN(test_pagination);
  RUN(test_streaming);
  RUN(test_streaming_bounded);
  RUN(test_pager);
  RUN(test_keep_json);
  RUN(test_error_limit);
  RUN(test_429_and_slowdown);
  RUN(test_typed_helpers);
  RUN(test_log_redaction);
  esi_token_free(tok);
  esi_sso_free(sso);
  erplink_value_free(facts);
  test_server_stop(&srv);
  return test_done();
}
