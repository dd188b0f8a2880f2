/* Fetches every page of GET /markets/{region_id}/orders from a simulator with the ESI client
 * (cache disabled, so every run hits the server) and prints one line:
 *   seconds items requests peak_rss_kb
 * Usage: bench_esi_pages BASE_URL CONCURRENCY REGION_ID [stream]
 * With "stream", the pages go through esi_client_get_pages() (each page handed to a callback
 * and freed) instead of being collected, to show the memory bound of streaming. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "erplink/erplink.h"

static int count_page(int page, int pages, const erplink_value *items, void *ud) {
  (void)pages;
  size_t *n = ud;
  if (page == 0)
    *n = 0; /* the set starts over */
  else
    *n += erplink_value_count(items);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: bench_esi_pages BASE_URL CONCURRENCY REGION_ID\n");
    return 2;
  }
  int conc = atoi(argv[2]);
  esi_options *o = NULL;
  esi_client *c = NULL;
  esi_response *r = NULL;
  int rc = esi_options_new(&o);
  if (rc == 0) rc = esi_options_set_base_url(o, argv[1]);
  if (rc == 0) rc = erplink_http_options_set_user_agent(esi_options_http(o), "erplink-bench/1.0 (bench@example.com)");
  if (rc == 0) rc = esi_options_set_concurrency(o, conc);
  if (rc == 0) rc = esi_options_set_cache_max_bytes(o, 0);
  if (rc == 0) rc = esi_client_new(&c, o);
  esi_options_free(o);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int stream = argc > 4 && argv[4][0] == 's';
  size_t streamed = 0;
  esi_params *p = NULL;
  if (rc == 0 && stream) {
    rc = esi_params_new(&p);
    if (rc == 0) rc = esi_params_set_path_int(p, "region_id", strtoll(argv[3], NULL, 10));
    if (rc == 0) rc = esi_params_add_query(p, "order_type", "all");
    if (rc == 0) rc = esi_client_get_pages(c, "/markets/{region_id}/orders", p, NULL, count_page, &streamed);
    esi_params_free(p);
  } else if (rc == 0) {
    rc = esi_client_market_orders(&r, c, strtoll(argv[3], NULL, 10), "all", 0);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc != 0) {
    fprintf(stderr, "bench_esi_pages: %s\n", erplink_error_message(erplink_error_last()));
    esi_client_free(c);
    return 1;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%.4f %zu %" PRId64 " %ld\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
         stream ? streamed : esi_response_item_count(r), stream ? (int64_t)-1 : esi_response_requests(r), ru.ru_maxrss);
  esi_response_free(r);
  esi_client_free(c);
  return 0;
}
