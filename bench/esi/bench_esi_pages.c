/* Fetches every page of GET /markets/{region_id}/orders from a simulator with the ESI client
 * (cache disabled, so every run hits the server) and prints one line:
 *   seconds items requests peak_rss_kb
 * Usage: bench_esi_pages BASE_URL CONCURRENCY REGION_ID */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "erplink/erplink.h"

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
  if (rc == 0) rc = esi_options_set_user_agent(o, "erplink-bench/1.0 (bench@example.com)");
  if (rc == 0) rc = esi_options_set_concurrency(o, conc);
  if (rc == 0) rc = esi_options_set_cache_max_bytes(o, 0);
  if (rc == 0) rc = esi_client_new(&c, o);
  esi_options_free(o);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (rc == 0) rc = esi_client_market_orders(&r, c, strtoll(argv[3], NULL, 10), "all", 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (rc != 0) {
    fprintf(stderr, "bench_esi_pages: %s\n", erplink_error_message(erplink_error_last()));
    esi_client_free(c);
    return 1;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("%.4f %zu %" PRId64 " %ld\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
         esi_response_item_count(r), esi_response_requests(r), ru.ru_maxrss);
  esi_response_free(r);
  esi_client_free(c);
  return 0;
}
