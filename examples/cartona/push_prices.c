/* push_prices: pushes prices and stock from a CSV file to Cartona with one bulk update.
 *
 *   CARTONA_TOKEN=... [CARTONA_BASE_URL=...] push_prices products.csv
 *
 * The CSV has a header line and the columns internal_product_id,selling_price,
 * available_stock_quantity. Every row ends with one outcome: updated, rejected by Cartona
 * (with its message), rejected locally (invalid, never sent) or not sent (with the reason
 * and whether retrying later makes sense). The token comes from the environment, never
 * from the command line (other users can read argv). Exit status: 0 when every row was
 * updated or refused for a data reason, 1 when some rows must be retried, 2 on usage errors. */
#include <erplink/erplink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void progress(size_t done, size_t total, void *ud) {
  (void)ud;
  fprintf(stderr, "\rpushed %zu/%zu", done, total);
  if (done == total) fputc('\n', stderr);
}

int main(int argc, char **argv) {
  const char *token = getenv("CARTONA_TOKEN");
  const char *base = getenv("CARTONA_BASE_URL");
  if (argc != 2 || !token) {
    fprintf(stderr, "usage: CARTONA_TOKEN=... [CARTONA_BASE_URL=...] %s products.csv\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  cartona_items *items = NULL;
  if (cartona_items_new(&items) != 0) return 2;
  char line[512];
  int lineno = 0;
  while (fgets(line, sizeof line, f)) {
    if (++lineno == 1) continue; /* header */
    line[strcspn(line, "\r\n")] = '\0';
    if (!*line) continue;
    char *id = strtok(line, ","), *price = strtok(NULL, ","), *stock = strtok(NULL, ",");
    if (!id || !price || !stock) {
      fprintf(stderr, "%s:%d: expected 3 columns\n", argv[1], lineno);
      continue;
    }
    size_t i;
    cartona_items_add(&i, items);
    cartona_items_set_string(items, i, "internal_product_id", id);
    cartona_items_set_double(items, i, "selling_price", strtod(price, NULL));
    cartona_items_set_int(items, i, "available_stock_quantity", strtoll(stock, NULL, 10));
    cartona_items_set_bool(items, i, "in_stock", strtoll(stock, NULL, 10) > 0);
  }
  fclose(f);

  cartona_options *o = NULL;
  cartona_client *c = NULL;
  int rc = cartona_options_new(&o);
  if (rc == 0) rc = cartona_options_set_token(o, token);
  if (rc == 0 && base) rc = cartona_options_set_base_url(o, base);
  if (rc == 0) rc = cartona_options_set_concurrency(o, 4);
  if (rc == 0) rc = cartona_client_new(&c, o);
  cartona_options_free(o);
  if (rc != 0) {
    fprintf(stderr, "setup failed: %s\n", erplink_error_message(erplink_error_last()));
    cartona_items_free(items);
    return 2;
  }
  cartona_bulk_result *r = NULL;
  rc = cartona_client_update_products(&r, c, items, progress, NULL);
  if (rc != 0) {
    fprintf(stderr, "bulk update failed: %s\n", erplink_error_message(erplink_error_last()));
    cartona_client_free(c);
    cartona_items_free(items);
    return 2;
  }
  int retry_later = 0;
  for (size_t i = 0; i < cartona_bulk_result_count(r); i++) {
    const cartona_outcome *oc = cartona_bulk_result_at(r, i);
    const char *id = NULL;
    erplink_value_get_string(
        &id, NULL, erplink_value_struct_get(cartona_items_at(items, cartona_outcome_index(oc)), "internal_product_id"));
    cartona_item_status st = cartona_outcome_status(oc);
    const erplink_error *e = cartona_outcome_error(oc); /* NULL when updated */
    /* Retry later what may succeed later (network, server, rate limit) and what needs a new token. */
    int later =
        e && (erplink_error_retryable(erplink_error_code(e)) || erplink_error_get_category(e) == ERPLINK_CAT_AUTH);
    printf("%-12s %-16s", id ? id : "?", cartona_item_status_name(st));
    if (e)
      printf(" [%s%s] %s", erplink_error_category_name(erplink_error_get_category(e)), later ? ", retry later" : "",
             cartona_outcome_message(oc));
    printf("\n");
    retry_later |= later;
  }
  printf("%zu updated, %zu rejected, %zu rejected locally, %zu not sent (%zu batches, %zu requests)\n",
         cartona_bulk_result_count_status(r, CARTONA_ITEM_UPDATED),
         cartona_bulk_result_count_status(r, CARTONA_ITEM_REJECTED),
         cartona_bulk_result_count_status(r, CARTONA_ITEM_REJECTED_LOCALLY),
         cartona_bulk_result_count_status(r, CARTONA_ITEM_NOT_SENT), cartona_bulk_result_batches(r),
         cartona_bulk_result_attempts(r));
  cartona_bulk_result_free(r);
  cartona_client_free(c);
  cartona_items_free(items);
  return retry_later ? 1 : 0;
}
