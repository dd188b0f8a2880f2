/* order_loop: the Cartona order-intake loop — pull new orders, "import" each one (here: print
 * it and map its status to an Odoo sale.order state), acknowledge the imported ones as
 * `synced`, leave the failed ones for the next pull.
 *
 *   CARTONA_TOKEN=... [CARTONA_BASE_URL=...] order_loop [rounds]
 *
 * A real integration runs one round a minute (Cartona has no webhooks) and makes the import
 * idempotent on hashed_id: an order imported but not acknowledged comes back. Exit status 0
 * when every pulled order was imported and acknowledged, 1 otherwise, 2 on setup errors. */
#include <erplink/erplink.h>
#include <stdio.h>
#include <stdlib.h>

static int import_order(const cartona_order *o, void *ud) {
  const cartona_status_map *map = ud;
  const char *state = NULL;
  if (cartona_status_map_to_odoo(&state, map, cartona_order_status(o)) != 0)
    return -1; /* the map's message (naming the status) goes into the report */
  double total = 0;
  cartona_order_number(&total, o, "total_price");
  const char *retailer = cartona_order_retailer_text(o, "retailer_name");
  printf("order %s: cartona %s -> odoo %s, %s, %.2f EGP, retailer %s, payment %s\n", cartona_order_hashed_id(o),
         cartona_order_status(o), state,
         cartona_order_text(o, "delivered_by") ? cartona_order_text(o, "delivered_by") : "-", total,
         retailer ? retailer : "-", cartona_payment_method_name(cartona_order_payment_method(o)));
  for (size_t i = 0; i < cartona_order_line_count(o); i++) {
    const cartona_order_line *l = cartona_order_line_at(o, i);
    const char *pid = cartona_order_line_text(l, "internal_product_id");
    const char *name = cartona_order_line_text(l, "product_name");
    printf("  line %s: %s %s x %g @ %.2f\n", cartona_order_line_text(l, "id") ? cartona_order_line_text(l, "id") : "?",
           pid ? pid : "-", name ? name : "", cartona_order_line_quantity(l), cartona_order_line_unit_price(l));
  }
  return 0;
}

int main(int argc, char **argv) {
  const char *token = getenv("CARTONA_TOKEN");
  const char *base = getenv("CARTONA_BASE_URL");
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  if (!token || rounds < 1 || rounds > 100) {
    fprintf(stderr, "usage: CARTONA_TOKEN=... [CARTONA_BASE_URL=...] %s [rounds 1..100]\n", argv[0]);
    return 2;
  }
  cartona_options *o = NULL;
  cartona_client *c = NULL;
  cartona_status_map *map = NULL;
  int rc = cartona_options_new(&o);
  if (rc == 0) rc = cartona_options_set_token(o, token);
  if (rc == 0 && base) rc = cartona_options_set_base_url(o, base);
  if (rc == 0) rc = cartona_client_new(&c, o);
  if (rc == 0) rc = cartona_status_map_new_default(&map);
  cartona_options_free(o);
  if (rc != 0) {
    fprintf(stderr, "setup failed: %s\n", erplink_error_message(erplink_error_last()));
    cartona_client_free(c);
    return 2;
  }
  int failures = 0;
  for (int round = 0; round < rounds; round++) {
    cartona_sync_report *rep = NULL;
    rc = cartona_client_sync_orders(&rep, c, 20, 50, import_order, map);
    if (rc != 0) {
      fprintf(stderr, "pull failed (%s%s): %s\n", erplink_error_category_name(erplink_error_category_of(rc)),
              erplink_error_retryable(rc) ? ", retry later" : "", erplink_error_message(erplink_error_last()));
      failures = 1;
    }
    for (size_t i = 0; i < cartona_sync_report_count(rep); i++) {
      const cartona_sync_entry *e = cartona_sync_report_at(rep, i);
      if (cartona_sync_entry_outcome(e) != CARTONA_SYNC_ACKED) {
        printf("order %s not acknowledged: %s\n", cartona_sync_entry_hashed_id(e), cartona_sync_entry_message(e));
        failures = 1;
      }
    }
    printf("round %d: %zu acknowledged, %zu import failures, %zu ack failures, %zu pulls\n", round + 1,
           cartona_sync_report_count_outcome(rep, CARTONA_SYNC_ACKED),
           cartona_sync_report_count_outcome(rep, CARTONA_SYNC_IMPORT_FAILED),
           cartona_sync_report_count_outcome(rep, CARTONA_SYNC_ACK_FAILED), cartona_sync_report_pages(rep));
    cartona_sync_report_free(rep);
  }
  cartona_status_map_free(map);
  cartona_client_free(c);
  return failures ? 1 : 0;
}
