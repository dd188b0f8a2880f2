/* Fuzz targets of the service-level parsers of untrusted input and of the HTTP response-header
 * parser (see fuzz.h): Cartona order bodies, ESI page bodies, response heads. No network: the
 * ESI target serves its pages from a cache store, the header target feeds the header callback
 * directly (erplink__http_response_from_head). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "erplink/erplink.h"
#include "fuzz.h"
#include "http_internal.h"

/* ---------------------------------------------------------------- Cartona orders */

int fuzz_cartona_orders(const uint8_t *data, size_t len) {
  cartona_orders *l = NULL;
  int rc = cartona_orders_parse(&l, (const char *)data, len);
  if (rc != 0) {
    if (l) fuzz_fail("cartona_orders_parse failed but returned orders", data, len);
    fuzz_rejected++;
    fuzz_check_error(rc, data, len);
    erplink_error_clear();
    return 0;
  }
  fuzz_accepted++;
  static const char *const keys[] = {"hashed_id",           "status",     "total_price",
                                     "delivered_by",        "pickup_otp", "estimated_delivery_day",
                                     "cancellation_reason", "no_such_key"};
  size_t n = cartona_orders_count(l);
  for (size_t i = 0; i < n; i++) {
    const cartona_order *o = cartona_orders_at(l, i);
    if (!o || !cartona_order_hashed_id(o) || !cartona_order_status(o) || !cartona_order_raw(o))
      fuzz_fail("an order without hashed_id, status or raw value", data, len);
    double d;
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
      (void)cartona_order_text(o, keys[k]);
      (void)cartona_order_retailer_text(o, keys[k]);
      int r = cartona_order_number(&d, o, keys[k]);
      if (r != 0 && r != 1 && r != -1 && r >= 0) fuzz_fail("cartona_order_number: unexpected result", data, len);
    }
    if (!cartona_payment_method_name(cartona_order_payment_method(o)))
      fuzz_fail("payment method without a name", data, len);
    for (size_t j = 0; j < cartona_order_line_count(o); j++) {
      const cartona_order_line *ln = cartona_order_line_at(o, j);
      if (!ln || !cartona_order_line_raw(ln)) fuzz_fail("a line without a raw value", data, len);
      (void)cartona_order_line_text(ln, "supplier_product_id");
      (void)cartona_order_line_number(&d, ln, "amount");
      (void)cartona_order_line_quantity(ln);
      (void)cartona_order_line_unit_price(ln);
    }
    if (cartona_order_line_at(o, cartona_order_line_count(o))) fuzz_fail("line index past the end", data, len);
  }
  if (cartona_orders_at(l, n)) fuzz_fail("order index past the end", data, len);
  /* the same orders from the decoded value (a blank body is no orders: it is not JSON) */
  size_t k = 0;
  while (k < len && (data[k] == ' ' || data[k] == '\n' || data[k] == '\r' || data[k] == '\t')) k++;
  if (k == len) {
    if (n) fuzz_fail("orders from a blank body", data, len);
    cartona_orders_free(l);
    return 0;
  }
  erplink_value *v = NULL;
  if (erplink_json_decode(&v, (const char *)data, len, NULL) != 0)
    fuzz_fail("parsed orders that are not JSON", data, len);
  cartona_orders *l2 = NULL;
  if (cartona_orders_from_value(&l2, v) != 0 || cartona_orders_count(l2) != n)
    fuzz_fail("cartona_orders_from_value disagrees with cartona_orders_parse", data, len);
  for (size_t i = 0; i < n; i++)
    if (strcmp(cartona_order_hashed_id(cartona_orders_at(l, i)), cartona_order_hashed_id(cartona_orders_at(l2, i))))
      fuzz_fail("cartona_orders_from_value gives other orders", data, len);
  cartona_orders_free(l2);
  erplink_value_free(v);
  cartona_orders_free(l);
  erplink_error_clear();
  return 0;
}

/* ---------------------------------------------------------------- ESI pages */

/* The input is up to 8 page bodies separated by NUL bytes (valid JSON never holds a raw NUL).
 * A cache store serves page i (from the "page=i" of the key) as a fresh cached copy whose
 * X-Pages is the number of bodies, so the client assembles the set without a request. */
#define ESI_MAX_PAGES 8

typedef struct esi_feed {
  const uint8_t *page[ESI_MAX_PAGES];
  size_t plen[ESI_MAX_PAGES];
  int n;
  int64_t fresh_until_ms;
  int gets;
} esi_feed;

static esi_feed *g_feed; /* the input being run (fuzz targets run one input at a time) */

static int feed_get(const char *key, void **data, size_t *len, void *ud) {
  (void)ud;
  esi_feed *f = g_feed;
  const char *p = strstr(key, "page=");
  int i = p ? atoi(p + 5) - 1 : 0;
  if (!f || i < 0 || i >= f->n) return 0;
  f->gets++;
  char head[128];
  int hl = snprintf(head, sizeof head, "ESI1\nE\"e%d\"\nLSat, 01 Jun 2024 00:00:00 GMT\nX%lld\nP%d\n\n", i,
                    (long long)f->fresh_until_ms, f->n);
  char *b = malloc((size_t)hl + f->plen[i] + 1);
  if (!b) return ERPLINK_ENOMEM;
  memcpy(b, head, (size_t)hl);
  if (f->plen[i]) memcpy(b + hl, f->page[i], f->plen[i]);
  *data = b;
  *len = (size_t)hl + f->plen[i];
  return 0;
}

static int feed_put(const char *key, const void *data, size_t len, void *ud) {
  (void)ud, (void)key, (void)data, (void)len;
  return 0;
}

static esi_client *g_esi; /* one per process: creating it costs more than a run */

static esi_client *esi_fuzz_client(void) {
  if (g_esi) return g_esi;
  esi_client *c = NULL;
  esi_options *o = NULL;
  esi_cache_store st = {feed_get, feed_put, NULL, NULL};
  if (esi_options_new(&o) ||
      erplink_http_options_set_user_agent(esi_options_http(o), "erplink-fuzz/1 (fuzz@example.com)") ||
      esi_options_set_base_url(o, "http://127.0.0.1:9/") || esi_options_set_concurrency(o, 1) ||
      erplink_http_options_set_max_attempts(esi_options_http(o), 1) || esi_options_set_cache_store(o, &st) ||
      esi_client_new(&c, o))
    abort();
  esi_options_free(o);
  return g_esi = c;
}

/* Frees the client (the deterministic driver calls it before exit, for the leak checker). */
void fuzz_esi_teardown(void);
void fuzz_esi_teardown(void) {
  esi_client_free(g_esi);
  g_esi = NULL;
}

typedef struct stream_state {
  const esi_feed *f;
  const uint8_t *data;
  size_t len;
  int last;
} stream_state;

static int on_page(int page, int pages, const erplink_value *items, void *ud) {
  stream_state *s = ud;
  if (page < 1 || page > pages || pages != s->f->n || page != s->last + 1)
    fuzz_fail("ESI streaming: pages out of order or miscounted", s->data, s->len);
  s->last = page;
  for (size_t i = 0; i < erplink_value_count(items); i++)
    if (!erplink_value_array_at(items, i) && erplink_value_type(items) == ERPLINK_TYPE_ARRAY)
      fuzz_fail("ESI streaming: a missing item", s->data, s->len);
  return 0;
}

int fuzz_esi_pages(const uint8_t *data, size_t len) {
  esi_feed f;
  memset(&f, 0, sizeof f);
  size_t start = 0;
  for (size_t i = 0; i <= len && f.n < ESI_MAX_PAGES; i++)
    if (i == len || data[i] == 0) {
      f.page[f.n] = data + start;
      f.plen[f.n++] = i - start;
      start = i + 1;
    }
  f.fresh_until_ms = ((int64_t)time(NULL) + 86400) * 1000;
  g_feed = &f;
  esi_client *c = esi_fuzz_client();
  esi_response *r = NULL;
  int rc = esi_client_get_all_pages(&r, c, "/universe/types/", NULL, NULL);
  if (rc != 0) {
    if (r) fuzz_fail("ESI: a failed call returned a response", data, len);
    fuzz_rejected++;
    fuzz_check_error(rc, data, len);
  } else {
    fuzz_accepted++;
    size_t pages = esi_response_page_count(r), items = 0;
    if ((int)pages != f.n) fuzz_fail("ESI: page count differs from the pages served", data, len);
    for (size_t i = 0; i < pages; i++) {
      const erplink_value *pv = esi_response_page_at(r, i);
      erplink_value *want = NULL;
      if (erplink_json_decode(&want, (const char *)f.page[i], f.plen[i], NULL) != 0 || !erplink_value_equal(want, pv))
        fuzz_fail("ESI: a page is not its body decoded", data, len);
      erplink_value_free(want);
      if (esi_response_page_cache_status(r, i) != ESI_CACHE_HIT)
        fuzz_fail("ESI: a page did not come from the cache", data, len);
      if (erplink_value_type(pv) == ERPLINK_TYPE_ARRAY) items += erplink_value_count(pv);
    }
    if (esi_response_item_count(r) != items) fuzz_fail("ESI: item count is not the sum of the pages", data, len);
    for (size_t i = 0; i < items; i++)
      if (!esi_response_item_at(r, i)) fuzz_fail("ESI: an item index below the count has no item", data, len);
    if (esi_response_item_at(r, items)) fuzz_fail("ESI: an item past the end", data, len);
    (void)esi_response_etag(r);
    (void)esi_response_last_modified(r);
    esi_response_free(r);
  }
  erplink_error_clear();
  /* the same set streamed page by page */
  stream_state s = {&f, data, len, 0};
  int rc2 = esi_client_get_pages(c, "/universe/types/", NULL, NULL, on_page, &s);
  if ((rc == 0) != (rc2 == 0)) fuzz_fail("ESI: streaming disagrees with collecting", data, len);
  if (rc2 == 0 && s.last != f.n) fuzz_fail("ESI: streaming did not deliver every page", data, len);
  if (rc2 != 0) fuzz_check_error(rc2, data, len);
  erplink_error_clear();
  /* and pulled with a pager */
  esi_pager *pg = NULL;
  int rc3 = esi_pager_new(&pg, c, "/universe/types/", NULL, NULL), pulled = 0;
  for (int guard = 0; rc3 == 0 && guard <= ESI_MAX_PAGES + 1; guard++) {
    const erplink_value *items = NULL;
    int page = 0;
    rc3 = esi_pager_next(&items, &page, pg);
    if (rc3 != 0 || !items) break;
    if (page != pulled + 1) fuzz_fail("ESI pager: pages out of order", data, len);
    pulled = page;
  }
  esi_pager_free(pg);
  if ((rc == 0) != (rc3 == 0)) fuzz_fail("ESI: the pager disagrees with collecting", data, len);
  if (rc3 == 0 && pulled != f.n) fuzz_fail("ESI: the pager did not deliver every page", data, len);
  if (rc3 != 0) fuzz_check_error(rc3, data, len);
  g_feed = NULL;
  erplink_error_clear();
  return 0;
}

/* ---------------------------------------------------------------- HTTP response heads */

/* The input is a response head (status line, header lines) and a body after it. As libcurl
 * does, the head ends at the first line that starts with CR or LF (that line is dropped). */
int fuzz_http_headers(const uint8_t *data, size_t len) {
  size_t hl = len, bstart = len;
  for (size_t i = 0; i < len; i++)
    if ((i == 0 || data[i - 1] == '\n') && (data[i] == '\r' || data[i] == '\n')) {
      hl = i;
      const uint8_t *nl = memchr(data + i, '\n', len - i);
      bstart = nl ? (size_t)(nl - data) + 1 : len;
      break;
    }
  erplink_http_response *r = NULL;
  int rc = erplink__http_response_from_head(&r, (const char *)data, hl, (const char *)data + bstart, len - bstart);
  if (rc != 0) {
    if (r) fuzz_fail("a refused head returned a response", data, len);
    fuzz_rejected++;
    fuzz_check_error(rc, data, len);
    erplink_error_clear();
    return 0;
  }
  fuzz_accepted++;
  size_t n = erplink_http_response_header_count(r);
  for (size_t i = 0; i < n; i++) {
    const char *name = erplink_http_response_header_name_at(r, i);
    const char *value = erplink_http_response_header_value_at(r, i);
    if (!name || !value) fuzz_fail("a header index below the count has no header", data, len);
    if (strchr(name, '\n') || strchr(name, ':') || strchr(value, '\n'))
      fuzz_fail("a header name holds a LF or ':', or a value a LF", data, len);
    if (!erplink_http_response_header(r, name)) fuzz_fail("a header is not found by its own name", data, len);
    int64_t ms = 0;
    if (erplink__ascii_ieq(name, strlen(name), "retry-after")) (void)erplink_http_parse_retry_after(&ms, value, 0);
  }
  if (erplink_http_response_header_name_at(r, n) || erplink_http_response_header_value_at(r, n))
    fuzz_fail("header index past the end", data, len);
  (void)erplink_http_response_content_type(r);
  (void)erplink_http_response_content_type_is(r, "application/json");
  (void)erplink_http_response_is_html(r);
  size_t blen = 0;
  const char *body = erplink_http_response_body(r, &blen);
  if (!body || blen != len - bstart || (blen && memcmp(body, data + bstart, blen) != 0))
    fuzz_fail("the body is not the bytes after the head", data, len);
  int st = erplink_http_response_status(r);
  if (st < 0 || st > 999) fuzz_fail("status outside 0..999", data, len);
  erplink_http_response_free(r);
  erplink_error_clear();
  return 0;
}
