/* Benchmark of Cartona bulk updates: N products (default 10,000) in batches of 100 against the
 * simulator (which the calling script starts, with added latency per request), sent
 *   - by erplink's bulk engine with concurrent batches (concurrency C, default 16: that many
 *     requests in flight in one HTTP batch on the calling thread), and
 *   - sequentially (the same client code with concurrency 1: one batch after the other, the
 *     way a plain loop over batches of 100 works — the reference module's approach).
 * Each run uses a fresh client (fresh connections) and checks that every item was updated.
 * Prints one line per run: "<label> <seconds> <updated>".
 *   bench_cartona_bulk BASE_URL TOKEN [N] [C] [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "erplink/erplink.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double run(const char *base, const char *token, const cartona_items *items, int concurrency, size_t *updated) {
  cartona_options *o = NULL;
  cartona_client *c = NULL;
  cartona_options_new(&o);
  cartona_options_set_token(o, token);
  cartona_options_set_base_url(o, base);
  cartona_options_set_concurrency(o, concurrency);
  cartona_options_set_batch_size(o, 100);
  if (cartona_client_new(&c, o) != 0) {
    fprintf(stderr, "client: %s\n", erplink_error_message(erplink_error_last()));
    exit(1);
  }
  cartona_options_free(o);
  cartona_bulk_result *r = NULL;
  double t0 = now_s();
  if (cartona_client_update_products(&r, c, items, NULL, NULL) != 0) {
    fprintf(stderr, "bulk: %s\n", erplink_error_message(erplink_error_last()));
    exit(1);
  }
  double t = now_s() - t0;
  *updated = cartona_bulk_result_count_status(r, CARTONA_ITEM_UPDATED);
  cartona_bulk_result_free(r);
  cartona_client_free(c);
  return t;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s BASE_URL TOKEN [N] [CONCURRENCY] [RUNS]\n", argv[0]);
    return 2;
  }
  size_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 10000;
  int conc = argc > 4 ? atoi(argv[4]) : 16;
  int runs = argc > 5 ? atoi(argv[5]) : 3;
  cartona_items *items = NULL;
  cartona_items_new(&items);
  for (size_t i = 0; i < n; i++) {
    size_t k;
    char id[32];
    snprintf(id, sizeof id, "SKU-%zu", i);
    cartona_items_add(&k, items);
    cartona_items_set_string(items, k, "internal_product_id", id);
    cartona_items_set_double(items, k, "selling_price", 10.0 + (double)(i % 1000) / 4.0);
    cartona_items_set_int(items, k, "available_stock_quantity", (int64_t)(i % 97));
  }
  int bad = 0;
  for (int r = 0; r < runs; r++) {
    size_t up = 0;
    double t = run(argv[1], argv[2], items, conc, &up);
    printf("erplink %.4f %zu\n", t, up);
    bad |= up != n;
    t = run(argv[1], argv[2], items, 1, &up);
    printf("sequential %.4f %zu\n", t, up);
    bad |= up != n;
    fflush(stdout);
  }
  cartona_items_free(items);
  return bad ? 1 : 0;
}
