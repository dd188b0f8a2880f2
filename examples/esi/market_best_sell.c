/* The 10 best (cheapest) sell orders for one item type in The Forge (region 10000002).
 *
 *   market_best_sell [BASE_URL [TYPE_ID]]
 *
 * BASE_URL defaults to https://esi.evetech.net; TYPE_ID to 34 (Tritanium). Public route: no
 * token needed. Uses only the public API. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <erplink/erplink.h>

typedef struct order {
  double price;
  int64_t volume;
  int64_t location;
  int64_t order_id;
} order;

static int by_price(const void *a, const void *b) {
  double x = ((const order *)a)->price, y = ((const order *)b)->price;
  return x < y ? -1 : x > y;
}

static int64_t get_int(const erplink_value *item, const char *key) {
  int64_t v = 0;
  erplink_value_get_int(&v, erplink_value_struct_get(item, key));
  return v;
}

int main(int argc, char **argv) {
  const char *base = argc > 1 ? argv[1] : ESI_DEFAULT_BASE_URL;
  int64_t type_id = argc > 2 ? strtoll(argv[2], NULL, 10) : 34;
  esi_options *o = NULL;
  esi_client *c = NULL;
  esi_response *r = NULL;
  int rc = esi_options_new(&o);
  if (rc == 0) rc = esi_options_set_base_url(o, base);
  /* ESI wants to know who to contact: put your own address here */
  if (rc == 0)
    rc = erplink_http_options_set_user_agent(esi_options_http(o), "erplink-example/1.0 (erplink-example@example.com)");
  if (rc == 0) rc = esi_client_new(&c, o);
  esi_options_free(o);
  if (rc == 0) rc = esi_client_market_orders(&r, c, 10000002, "sell", type_id);
  if (rc != 0) {
    fprintf(stderr, "error: %s\n", erplink_error_message(erplink_error_last()));
    esi_client_free(c);
    return 1;
  }
  size_t n = esi_response_item_count(r);
  order *v = calloc(n ? n : 1, sizeof *v);
  size_t k = 0;
  for (size_t i = 0; v && i < n; i++) {
    const erplink_value *it = esi_response_item_at(r, i);
    int is_buy = 1;
    erplink_value_get_bool(&is_buy, erplink_value_struct_get(it, "is_buy_order"));
    if (is_buy) continue; /* the route already filters; be defensive */
    erplink_value_get_double(&v[k].price, erplink_value_struct_get(it, "price"));
    v[k].volume = get_int(it, "volume_remain");
    v[k].location = get_int(it, "location_id");
    v[k].order_id = get_int(it, "order_id");
    k++;
  }
  qsort(v, k, sizeof *v, by_price);
  printf("%zu sell orders for type %" PRId64 " in The Forge (%s; %s)\n", k, type_id,
         esi_response_cache_status(r) == ESI_CACHE_HIT ? "from cache" : "fetched",
         esi_response_last_modified(r) ? esi_response_last_modified(r) : "no Last-Modified");
  printf("%-4s %14s %10s %12s %12s\n", "#", "price (ISK)", "volume", "location", "order");
  for (size_t i = 0; i < k && i < 10; i++)
    printf("%-4zu %14.2f %10" PRId64 " %12" PRId64 " %12" PRId64 "\n", i + 1, v[i].price, v[i].volume, v[i].location,
           v[i].order_id);
  free(v);
  esi_response_free(r);
  esi_client_free(c);
  return k > 0 ? 0 : 1;
}
