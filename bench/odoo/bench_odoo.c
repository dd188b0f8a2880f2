/* erplink side of the Odoo client benchmarks:
 *   bench_odoo URL xmlrpc|jsonrpc|json2 search_read|read_one SECONDS
 * Calls search_read (10,000 records x 15 fields) or read (one record) in a loop for about
 * SECONDS and prints one JSON line: calls, seconds, calls_per_s, records, peak_rss_mb. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "erplink/erplink.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *FIELDS[] = {
    "id",     "name",    "default_code", "list_price", "standard_price",   "qty_available", "categ_id",       "uom_id",
    "active", "sale_ok", "purchase_ok",  "barcode",    "description_sale", "write_date",    "product_tmpl_id"};
#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: bench_odoo URL xmlrpc|jsonrpc|json2 search_read|read_one SECONDS\n");
    return 2;
  }
  odoo_protocol p = !strcmp(argv[2], "jsonrpc") ? ODOO_PROTOCOL_JSONRPC
                    : !strcmp(argv[2], "json2") ? ODOO_PROTOCOL_JSON2
                                                : ODOO_PROTOCOL_XMLRPC;
  int sr = !strcmp(argv[3], "search_read");
  double secs = atof(argv[4]);
  odoo_options *o = NULL;
  odoo_client *c = NULL;
  odoo_options_new(&o);
  odoo_options_set_url(o, argv[1]);
  odoo_options_set_db(o, "bench");
  odoo_options_set_login(o, "admin");
  if (p == ODOO_PROTOCOL_JSON2)
    odoo_options_set_api_key(o, "benchkey");
  else
    odoo_options_set_password(o, "admin");
  odoo_options_set_protocol(o, p);
  if (odoo_client_new(&c, o)) return 1;
  odoo_options_free(o);
  long calls = 0;
  size_t records = 0;
  int64_t one = 1;
  double t0 = 0;
  for (int warm = 1;; warm = 0) {
    erplink_value *out = NULL;
    int rc = sr ? odoo_client_search_read(&out, c, "product.product", NULL, FIELDS, N_FIELDS, 0, 10000, NULL)
                : odoo_client_read(&out, c, "product.product", &one, 1, FIELDS, N_FIELDS);
    if (rc) {
      fprintf(stderr, "bench_odoo: %s\n", erplink_error_message(erplink_error_last()));
      return 1;
    }
    records = erplink_value_count(out);
    erplink_value_free(out);
    if (warm) {
      t0 = now();
      continue;
    }
    calls++;
    if (now() - t0 >= secs && calls >= 3) break;
  }
  double el = now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("{\"calls\": %ld, \"seconds\": %.3f, \"calls_per_s\": %.2f, \"records\": %zu, \"peak_rss_mb\": %.1f}\n", calls,
         el, calls / el, records, ru.ru_maxrss / 1024.0);
  odoo_client_free(c);
  return 0;
}
