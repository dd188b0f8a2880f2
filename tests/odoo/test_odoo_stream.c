/* Streaming search_read over 100,000 generated product.product records (odoo_server.py
 * --products 100000): every record is seen once, in id order, by the callbacks and by the
 * cursor under them, the callback can stop the stream, and the peak RSS grows by far less than
 * a whole-result read needs (measured from VmHWM in /proc/self/status; the test also makes the
 * whole read and checks that it exceeds the bound, so the bound is meaningful). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "server.h"
#include "test.h"

#define NGEN 100000
#define BOUND_MB 24.0
#define N(a) (sizeof(a) / sizeof((a)[0]))

static test_server srv;

#if defined(__SANITIZE_ADDRESS__)
/* ASan keeps freed blocks in a quarantine (256 MB by default), which makes every freed page
 * count in the peak RSS: keep it small here so that the bound still means something. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "quarantine_size_mb=8:thread_local_quarantine_size_kb=64"; }
#endif

static double vm_hwm_mb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  double kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kb = strtod(line + 6, NULL);
  if (f) fclose(f);
  return kb / 1024.0;
}

static odoo_client *mk(odoo_protocol p) {
  odoo_options *o = NULL;
  odoo_options_new(&o);
  odoo_options_set_url(o, srv.base_url);
  odoo_options_set_db(o, "demo17");
  odoo_options_set_login(o, "admin");
  odoo_options_set_password(o, "admin");
  odoo_options_set_protocol(o, p);
  odoo_client *c = NULL;
  if (odoo_client_new(&c, o)) c = NULL;
  odoo_options_free(o);
  return c;
}

typedef struct seen {
  long n;
  int64_t last;
  int ordered;
  long stop_after;
} seen;

static int on_record(const erplink_value *rec, void *ud) {
  seen *s = ud;
  int64_t id = 0;
  if (erplink_value_get_int(&id, erplink_value_struct_get(rec, "id")) || id <= s->last) s->ordered = 0;
  s->last = id;
  s->n++;
  return s->stop_after && s->n >= s->stop_after;
}

static void stream(odoo_protocol p) {
  printf("# protocol %d\n", (int)p);
  odoo_client *c = mk(p);
  REQUIRE(c);
  const char *fields[] = {"name", "default_code", "list_price", "qty_available"};
  erplink_value *dom = NULL;
  const char *dj = "[[\"default_code\", \"=like\", \"GEN%\"]]";
  REQUIRE(erplink_json_decode(&dom, dj, strlen(dj), NULL) == 0);
  double before = vm_hwm_mb();
  seen s = {0, 0, 1, 0};
  CHECK_EQ_INT(odoo_client_search_read_each(c, "product.product", dom, fields, N(fields), 1000, on_record, &s), 0);
  double grew = vm_hwm_mb() - before;
  printf("# streamed %ld records, peak RSS grew by %.1f MB\n", s.n, grew);
  CHECK_EQ_INT(s.n, NGEN);
  CHECK(s.ordered);
  CHECK(grew < BOUND_MB);
  /* the same through the cursor the callbacks are built on */
  odoo_cursor *cur = NULL;
  REQUIRE(odoo_cursor_new(&cur, c, "product.product", dom, fields, N(fields), 1000) == 0);
  seen u = {0, 0, 1, 0};
  erplink_value *page = NULL;
  int rc = 0;
  for (int guard = 0; guard < NGEN / 1000 + 2; guard++) {
    if ((rc = odoo_cursor_next(&page, cur)) || !page) break;
    for (size_t i = 0; i < erplink_value_count(page); i++) on_record(erplink_value_array_at(page, i), &u);
    erplink_value_free(page);
  }
  CHECK_EQ_INT(rc, 0);
  CHECK(page == NULL);
  CHECK_EQ_INT(u.n, NGEN);
  CHECK(u.ordered);
  CHECK_EQ_INT(odoo_cursor_count(cur), NGEN);
  odoo_cursor_free(cur);
  grew = vm_hwm_mb() - before;
  printf("# cursor: %ld records, peak RSS grew by %.1f MB\n", u.n, grew);
  CHECK(grew < BOUND_MB);
  /* cancelled from the callback */
  seen t = {0, 0, 1, 2500};
  CHECK_EQ_INT(odoo_client_search_read_each(c, "product.product", dom, fields, N(fields), 1000, on_record, &t),
               ERPLINK_ECANCELLED);
  CHECK_EQ_INT(t.n, 2500);
  erplink_value_free(dom);
  odoo_client_free(c);
}

/* The whole result at once (last: VmHWM only grows): what the bound protects against. */
static void test_whole_read_exceeds_bound(void) {
  odoo_client *c = mk(ODOO_PROTOCOL_XMLRPC);
  REQUIRE(c);
  const char *fields[] = {"name", "default_code", "list_price", "qty_available"};
  erplink_value *dom = NULL, *all = NULL;
  const char *dj = "[[\"default_code\", \"=like\", \"GEN%\"]]";
  REQUIRE(erplink_json_decode(&dom, dj, strlen(dj), NULL) == 0);
  double before = vm_hwm_mb();
  CHECK_EQ_INT(odoo_client_search_read(&all, c, "product.product", dom, fields, N(fields), 0, 0, "id"), 0);
  double whole = vm_hwm_mb() - before;
  printf("# whole read: %zu records, peak RSS grew by %.1f MB\n", erplink_value_count(all), whole);
  CHECK_EQ_INT(erplink_value_count(all), NGEN);
  CHECK(whole > BOUND_MB);
  erplink_value_free(all);
  erplink_value_free(dom);
  odoo_client_free(c);
}

static void test_stream_xmlrpc(void) { stream(ODOO_PROTOCOL_XMLRPC); }
static void test_stream_jsonrpc(void) { stream(ODOO_PROTOCOL_JSONRPC); }

int main(void) {
  const char *args[] = {"--version", "17", "--products", "100000", NULL};
  if (test_server_start(&srv, "odoo_server.py", args) != 0) {
    printf("Bail out! cannot start odoo_server.py\n");
    return 1;
  }
  RUN(test_stream_xmlrpc);
  RUN(test_stream_jsonrpc);
  RUN(test_whole_read_exceeds_bound);
  test_server_stop(&srv);
  return test_done();
}
