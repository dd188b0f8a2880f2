/* cartona_outbox_enqueue / cartona_outbox_flush against tests/servers/cartona_sim.py: 300 stock
 * changes of 100 products send 100 updates (the last values); the outcome mapping (updated →
 * done, refused by the server or invalid → dead letter with the server's message, not sent
 * (503) → retried with backoff, then a dead letter after max_attempts, cancelled → released);
 * and the crash test: children enqueueing and flushing are killed with SIGKILL at seeded
 * points; after each kill every acknowledged change is in the simulator or still in the
 * outbox, and every item recorded done holds exactly the value the simulator has; a last
 * child drains the outbox and the simulator ends with every product's last value. Meson suite
 * 'cartona'. Virtual clock for the outbox. TAP. */
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "erplink/erplink.h"
#include "server.h"
#include "storetest.h"
#include "test.h"

#define TOKEN "outbox-sim-token"
static test_server srv;
static char api_url[128];
static erplink_http_client *ctl_http; /* the parent's only (never used in a child) */

static int ctl(const char *method, const char *what, const char *json, erplink_value **out) {
  char url[256];
  snprintf(url, sizeof url, "%s/_control/%s", srv.base_url, what);
  erplink_http_request *r = NULL;
  if (erplink_http_request_new(&r, method, url) != 0) return -1;
  if (json) {
    erplink_http_request_set_header(r, "Content-Type", "application/json");
    erplink_http_request_set_body(r, json, strlen(json));
  }
  erplink_http_response *resp = NULL;
  int rc = erplink_http_client_send(&resp, ctl_http, r);
  if (rc == 0 && out) {
    size_t n = 0;
    const char *b = erplink_http_response_body(resp, &n);
    rc = erplink_json_decode(out, b, n, NULL);
  }
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  return rc;
}

/* The simulator's stock of base product id (-1 when it never received one). */
static int64_t sim_stock(const erplink_value *state, const char *id) {
  char key[64];
  snprintf(key, sizeof key, "base:%s", id);
  const erplink_value *p = erplink_value_struct_get(erplink_value_struct_get(state, "base_products"), key);
  int64_t q = -1;
  if (p) erplink_value_get_int(&q, erplink_value_struct_get(p, "available_stock_quantity"));
  return q;
}

static cartona_client *mk_client(int attempts) {
  cartona_options *o = NULL;
  if (cartona_options_new(&o) != 0) return NULL;
  cartona_options_set_token(o, TOKEN);
  cartona_options_set_base_url(o, api_url);
  erplink_http_options *ho = cartona_options_http(o); /* the transport knobs */
  erplink_http_options_set_max_attempts(ho, attempts);
  erplink_http_options_set_backoff_ms(ho, 5, 20);
  erplink_http_options_set_connect_timeout_ms(ho, 2000);
  erplink_http_options_set_timeout_ms(ho, 10000);
  cartona_options_set_batch_size(o, 25);
  cartona_client *c = NULL;
  cartona_client_new(&c, o);
  cartona_options_free(o);
  return c;
}

static erplink_outbox *mk_outbox(erplink_store **st, const char *file, const char *name, int attempts) {
  erplink_outbox_options *o = NULL;
  erplink_outbox_options_new(&o);
  erplink_outbox_options_set_lease_ms(o, 60000);
  erplink_outbox_options_set_max_attempts(o, attempts);
  erplink_outbox_options_set_backoff_ms(o, 1000, 4000);
  erplink_outbox_options_set_jitter(o, 0.0);
  erplink_outbox *ob = NULL;
  if (erplink_store_open(st, st_path(file), NULL) != 0 || erplink_outbox_new_sqlite(&ob, *st, name, o) != 0) {
    printf("# outbox: %s\n", st_last_msg());
    erplink_store_close(*st);
    *st = NULL;
  }
  erplink_outbox_options_free(o);
  return ob;
}

static int enqueue_stock(erplink_outbox *ob, const char *id, int64_t qty, int64_t now) {
  erplink_value *v = NULL;
  int rc = erplink_value_new_struct(&v);
  if (rc == 0) rc = erplink_value_struct_set_string(v, "base_product_id", id);
  if (rc == 0) rc = erplink_value_struct_set_int(v, "available_stock_quantity", qty);
  if (rc == 0) rc = cartona_outbox_enqueue(ob, v, now);
  erplink_value_free(v);
  return rc;
}

static cartona_flush_report *flush(erplink_outbox *ob, cartona_client *c, const char *kind, int64_t now) {
  cartona_flush_report *r = NULL;
  if (cartona_outbox_flush(&r, ob, c, kind, 1000, now) != 0) printf("# flush: %s\n", st_last_msg());
  return r;
}

static void test_coalesced_flush(void) {
  ctl("POST", "reset", "{}", NULL);
  erplink_store *st = NULL;
  erplink_outbox *ob = mk_outbox(&st, "cartona.db", "stock", 5);
  cartona_client *c = mk_client(2);
  REQUIRE(ob && c);
  char id[32];
  for (int ver = 1; ver <= 3; ver++)
    for (int i = 0; i < 100; i++) {
      snprintf(id, sizeof id, "bp%03d", i);
      REQUIRE(enqueue_stock(ob, id, ver * 1000 + i, ST_T0 + ver) == 0);
    }
  cartona_flush_report *r = flush(ob, c, "stock", ST_T0 + 10);
  REQUIRE(r);
  CHECK_EQ_INT(cartona_flush_report_claimed(r), 100);
  CHECK_EQ_INT(cartona_flush_report_updated(r), 100);
  CHECK_EQ_INT(cartona_flush_report_dead(r) + cartona_flush_report_retrying(r) + cartona_flush_report_stale(r), 0);
  cartona_flush_report_free(r);
  erplink_value *state = NULL;
  REQUIRE(ctl("GET", "state", NULL, &state) == 0);
  int wrong = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(id, sizeof id, "bp%03d", i);
    wrong += sim_stock(state, id) != 3000 + i;
  }
  CHECK_EQ_INT(wrong, 0);
  int64_t reqs = -1;
  erplink_value_get_int(&reqs, erplink_value_struct_get(erplink_value_struct_get(state, "requests"),
                                                        "POST supplier-product/base-product/bulk-update-stock"));
  CHECK_EQ_INT(reqs, 4); /* 100 items in batches of 25: one update per product, not 300 */
  erplink_value_free(state);
  size_t n = 0;
  CHECK_EQ_INT(erplink_outbox_count(&n, ob, ERPLINK_OUTBOX_DONE, ST_T0 + 10), 0);
  CHECK_EQ_INT(n, 100);
  /* nothing due: nothing sent */
  r = flush(ob, c, "stock", ST_T0 + 11);
  REQUIRE(r);
  CHECK_EQ_INT(cartona_flush_report_claimed(r), 0);
  cartona_flush_report_free(r);
  /* arguments */
  CHECK_EQ_INT(cartona_outbox_flush(&r, ob, c, "prices", 10, ST_T0), ERPLINK_EINVAL);
  CHECK(strstr(st_last_msg(), "unknown endpoint kind") != NULL);
  CHECK_EQ_INT(cartona_outbox_flush(NULL, ob, c, "stock", 10, ST_T0), ERPLINK_EINVAL);
  erplink_value *bad = NULL;
  erplink_value_new_struct(&bad);
  CHECK_EQ_INT(cartona_outbox_enqueue(ob, bad, ST_T0), ERPLINK_EINVAL);
  CHECK(strstr(st_last_msg(), "no supplier_product_id") != NULL);
  erplink_value_free(bad);
  CHECK_EQ_INT(cartona_flush_report_claimed(NULL), 0);
  cartona_flush_report_free(NULL);
  cartona_client_free(c);
  erplink_outbox_free(ob);
  erplink_store_close(st);
}

static erplink_value *product(const char *id, double price) {
  erplink_value *v = NULL;
  erplink_value_new_struct(&v);
  erplink_value_struct_set_string(v, "supplier_product_id", id);
  erplink_value_struct_set_double(v, "selling_price", price);
  return v;
}

static void enqueue_product(erplink_outbox *ob, const char *id, double price, int64_t now) {
  erplink_value *v = product(id, price);
  CHECK_EQ_INT(cartona_outbox_enqueue(ob, v, now), 0);
  erplink_value_free(v);
}

static void test_mapping(void) {
  ctl("POST", "reset", "{}", NULL);
  erplink_store *st = NULL;
  erplink_outbox *ob = mk_outbox(&st, "cartona.db", "products", 3);
  cartona_client *c = mk_client(2);
  REQUIRE(ob && c);
  enqueue_product(ob, "good-1", 10.5, ST_T0);
  enqueue_product(ob, "unknown-7", 3.0, ST_T0); /* the simulator refuses it: product not found */
  enqueue_product(ob, "negative", -1.0, ST_T0); /* invalid: never sent */
  cartona_flush_report *r = flush(ob, c, "products", ST_T0);
  REQUIRE(r);
  CHECK_EQ_INT(cartona_flush_report_claimed(r), 3);
  CHECK_EQ_INT(cartona_flush_report_updated(r), 1);
  CHECK_EQ_INT(cartona_flush_report_dead(r), 2);
  cartona_flush_report_free(r);
  erplink_outbox_batch *l = NULL;
  REQUIRE(erplink_outbox_list(&l, ob, ERPLINK_OUTBOX_DEAD, 0, 10) == 0);
  REQUIRE(erplink_outbox_batch_count(l) == 2);
  const erplink_outbox_item *neg = erplink_outbox_batch_at(l, 0), *unk = erplink_outbox_batch_at(l, 1);
  CHECK_EQ_STR(erplink_outbox_item_key(unk), "s:unknown-7");
  CHECK(strstr(erplink_outbox_item_error_message(unk), "product not found") != NULL);
  CHECK_EQ_INT(erplink_outbox_item_error_code(unk), ERPLINK_EVALIDATION);
  CHECK_EQ_STR(erplink_outbox_item_key(neg), "s:negative");
  CHECK(strstr(erplink_outbox_item_error_message(neg), "selling_price") != NULL);
  printf("# dead letters: \"%s\" / \"%s\"\n", erplink_outbox_item_error_message(unk),
         erplink_outbox_item_error_message(neg));
  erplink_outbox_batch_free(l);
  /* the server is down: not sent → retried with backoff (1 s, 2 s), dead after 3 attempts */
  CHECK_EQ_INT(ctl("POST", "faults", "{\"rate\":1.0,\"kinds\":[\"503\"],\"seed\":3}", NULL), 0);
  enqueue_product(ob, "good-2", 20.0, ST_T0 + 100);
  int64_t now = ST_T0 + 100;
  r = flush(ob, c, "products", now);
  REQUIRE(r);
  CHECK_EQ_INT(cartona_flush_report_retrying(r), 1);
  cartona_flush_report_free(r);
  size_t n = 0;
  erplink_outbox_count(&n, ob, ERPLINK_OUTBOX_RETRY_WAIT, now);
  CHECK_EQ_INT(n, 1);
  r = flush(ob, c, "products", now + 999); /* not due yet */
  CHECK_EQ_INT(cartona_flush_report_claimed(r), 0);
  cartona_flush_report_free(r);
  r = flush(ob, c, "products", now + 1000);
  CHECK_EQ_INT(cartona_flush_report_retrying(r), 1);
  cartona_flush_report_free(r);
  r = flush(ob, c, "products", now + 3000);
  CHECK_EQ_INT(cartona_flush_report_claimed(r), 1);
  CHECK_EQ_INT(cartona_flush_report_dead(r), 1); /* the third attempt */
  cartona_flush_report_free(r);
  REQUIRE(erplink_outbox_list(&l, ob, ERPLINK_OUTBOX_DEAD, 0, 10) == 0);
  CHECK_EQ_INT(erplink_outbox_batch_count(l), 3);
  CHECK(strstr(erplink_outbox_item_error_message(erplink_outbox_batch_at(l, 0)), "gave up after 3 attempts") != NULL);
  erplink_outbox_batch_free(l);
  /* back up: requeue the dead letter and it goes through */
  CHECK_EQ_INT(ctl("POST", "faults", "{\"rate\":0}", NULL), 0);
  CHECK_EQ_INT(erplink_outbox_requeue(&n, ob, "s:good-2", now + 4000), 0);
  CHECK_EQ_INT(n, 1);
  r = flush(ob, c, "products", now + 4000);
  CHECK_EQ_INT(cartona_flush_report_updated(r), 1);
  cartona_flush_report_free(r);
  /* cancelled before sending: released, the attempt not counted */
  enqueue_product(ob, "good-3", 30.0, now + 5000);
  erplink_cancel *tok = NULL;
  REQUIRE(erplink_cancel_new(&tok) == 0);
  erplink_cancel_trigger(tok);
  erplink_cancel_push(tok);
  r = flush(ob, c, "products", now + 5000);
  erplink_cancel_pop();
  erplink_cancel_free(tok);
  REQUIRE(r);
  printf("# cancelled flush: claimed %zu released %zu retrying %zu\n", cartona_flush_report_claimed(r),
         cartona_flush_report_released(r), cartona_flush_report_retrying(r));
  CHECK_EQ_INT(cartona_flush_report_released(r), 1);
  cartona_flush_report_free(r);
  erplink_outbox_count(&n, ob, ERPLINK_OUTBOX_PENDING, now + 5000);
  CHECK_EQ_INT(n, 1);
  cartona_client_free(c);
  erplink_outbox_free(ob);
  erplink_store_close(st);
}

/* ================================================================ crash */

#define CR_PRODUCTS 30
#define CR_ROUNDS 10

static int crash_child(void *arg, int fd) {
  st_round *r = arg;
  erplink_store *st = NULL;
  erplink_outbox *ob = mk_outbox(&st, "crash.db", "stock", 1000000);
  cartona_client *c = mk_client(1); /* no transport retry: an injected fault leaves its batch not sent */
  if (!ob || !c) {
    st_report(fd, "ERR setup %s", st_last_msg());
    return 1;
  }
  st_rng g = {r->seed};
  int64_t now = r->t0;
  int ver = r->first;
  char id[32];
  for (int step = 0; step < (r->drain ? 1000 : 400); step++) {
    now += 10;
    if (!r->drain && st_below(&g, 4) != 0) {
      int k = (int)st_below(&g, CR_PRODUCTS);
      snprintf(id, sizeof id, "cp%02d", k);
      if (enqueue_stock(ob, id, ++ver, now) != 0)
        st_report(fd, "ERR enqueue %s", st_last_msg());
      else
        st_report(fd, "E %d %d", k, ver); /* acknowledged */
      continue;
    }
    cartona_flush_report *rep = NULL;
    if (cartona_outbox_flush(&rep, ob, c, "stock", r->drain ? 1000 : 1 + st_below(&g, 40), now) != 0) {
      st_report(fd, "ERR flush %s", st_last_msg());
      continue;
    }
    size_t claimed = cartona_flush_report_claimed(rep);
    st_report(fd, "F %zu %zu", claimed, cartona_flush_report_updated(rep));
    cartona_flush_report_free(rep);
    if (r->drain && claimed == 0) {
      if (now > r->t0 + 10000000) break;
      now += 10000000; /* past every lease and retry time */
    }
  }
  cartona_client_free(c);
  erplink_outbox_free(ob);
  erplink_store_close(st);
  return 0;
}

typedef struct cr_state {
  int acked[CR_PRODUCTS];
  int flushes, errors;
} cr_state;

static void cr_line(const char *line, void *ud) {
  cr_state *s = ud;
  int k = 0, v = 0;
  if (sscanf(line, "E %d %d", &k, &v) == 2 && k >= 0 && k < CR_PRODUCTS) {
    if (v > s->acked[k]) s->acked[k] = v;
  } else if (line[0] == 'F') {
    s->flushes++;
  } else if (strncmp(line, "ERR", 3) == 0) {
    if (s->errors++ < 5) printf("# %s\n", line);
  }
}

/* The quantity inside an item's JSON payload. */
static int qty_of(const unsigned char *json) {
  const char *q = json ? strstr((const char *)json, "\"available_stock_quantity\":") : NULL;
  return q ? atoi(q + strlen("\"available_stock_quantity\":")) : -1;
}

typedef struct cr_rows {
  int have[CR_PRODUCTS], state[CR_PRODUCTS], pay[CR_PRODUCTS], cur[CR_PRODUCTS];
} cr_rows;

static void cr_row(const char *key, int state, const char *payload, const char *newer, void *ud) {
  cr_rows *r = ud;
  int k = atoi(key + 4); /* "b:cpNN" */
  if (k < 0 || k >= CR_PRODUCTS) return;
  r->have[k] = 1;
  r->state[k] = state;
  r->pay[k] = qty_of((const unsigned char *)payload);
  r->cur[k] = newer ? qty_of((const unsigned char *)newer) : r->pay[k];
}

static int cr_verify(void *ud, bool final) {
  const cr_state *s = ud;
  erplink_value *state = NULL;
  if (ctl("GET", "state", NULL, &state) != 0) return 1;
  static cr_rows rows;
  memset(&rows, 0, sizeof rows);
  int bad = st_outbox_rows(st_path("crash.db"), cr_row, &rows) != 0;
  int *have = rows.have, *rstate = rows.state, *pay = rows.pay, *cur = rows.cur;
  char id[32];
  for (int k = 0; k < CR_PRODUCTS; k++) {
    if (!s->acked[k]) continue;
    snprintf(id, sizeof id, "cp%02d", k);
    int64_t sim = sim_stock(state, id);
    if (!have[k]) { /* purged after the done retention: then Cartona must have it */
      if (sim < s->acked[k]) {
        printf("# %s: acknowledged %d, gone from the outbox, simulator %lld\n", id, s->acked[k], (long long)sim);
        bad++;
      }
      continue;
    }
    if (cur[k] < s->acked[k] && sim < s->acked[k]) {
      printf("# %s: acknowledged %d, outbox holds %d, simulator %lld\n", id, s->acked[k], cur[k], (long long)sim);
      bad++;
    }
    if (rstate[k] == 3 && sim != pay[k]) { /* done: Cartona must have exactly that value */
      printf("# %s: done with %d but the simulator has %lld\n", id, pay[k], (long long)sim);
      bad++;
    }
    if (final && (rstate[k] != 3 || sim < s->acked[k])) {
      printf("# %s: after the drain state %d, simulator %lld, acknowledged %d\n", id, rstate[k], (long long)sim,
             s->acked[k]);
      bad++;
    }
  }
  erplink_value_free(state);
  return bad;
}

static void test_crash(void) {
  ctl("POST", "reset", "{}", NULL);
  /* some batches fail (503, reset) even after the retry; a little latency widens the window in
   * which a kill lands mid-flush */
  ctl("POST", "faults",
      "{\"rate\":0.2,\"kinds\":[\"503\",\"reset\"],\"seed\":12,\"latency_ms\":3,\"path_prefix\":\"supplier-product/\"}",
      NULL);
  static cr_state s;
  int kills = 0;
  int bad = st_crash_rounds(CR_ROUNDS, 8675309, 150, crash_child, cr_line, cr_verify, &s, &kills);
  erplink_value *state = NULL;
  int64_t injected = 0;
  if (ctl("GET", "state", NULL, &state) == 0) {
    const erplink_value *fi = erplink_value_struct_get(state, "faults_injected");
    const char *kinds[] = {"503", "reset"};
    for (int i = 0; i < 2; i++) {
      int64_t n = 0;
      erplink_value_get_int(&n, erplink_value_struct_get(fi, kinds[i]));
      injected += n;
    }
  }
  erplink_value_free(state);
  ctl("POST", "faults", "{\"rate\":0,\"latency_ms\":0}", NULL);
  printf("# %d of %d rounds killed mid-way, %d flushes reported, %lld faults injected\n", kills, CR_ROUNDS, s.flushes,
         (long long)injected);
  CHECK(injected > 0);
  CHECK(kills >= CR_ROUNDS / 2);
  CHECK(s.flushes > CR_ROUNDS);
  CHECK_EQ_INT(s.errors, 0);
  CHECK_EQ_INT(bad, 0);
}

int main(void) {
  const char *args[] = {"--token", TOKEN, NULL};
  if (test_server_start(&srv, "cartona_sim.py", args) != 0) {
    printf("Bail out! cannot start cartona_sim.py\n");
    return 1;
  }
  snprintf(api_url, sizeof api_url, "%s/api/v1/", srv.base_url);
  erplink_http_options *o = NULL;
  erplink_http_options_new(&o);
  erplink_http_options_set_max_attempts(o, 1);
  erplink_http_client_new(&ctl_http, o);
  erplink_http_options_free(o);
  RUN(test_coalesced_flush);
  RUN(test_mapping);
  RUN(test_crash);
  erplink_http_client_free(ctl_http);
  test_server_stop(&srv);
  st_cleanup();
  return test_done();
}
