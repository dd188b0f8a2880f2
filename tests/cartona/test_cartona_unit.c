/* Cartona client tests that need no server: names, vocabularies, the status map,
 * order parsing (lenient numbers, unknown fields kept, required fields), options checks and
 * local validation of bulk items (against a port where nothing listens: nothing is sent). */
#include <math.h>
#include <string.h>

#include "erplink/erplink.h"
#include "server.h"
#include "test.h"

/* Outcome accessors of item i (NULL-safe, like the library's). */
#define OUT(r, i) cartona_bulk_result_at((r), (i))
#define ST(r, i) cartona_outcome_status(OUT(r, i))
#define MSG(r, i) cartona_outcome_message(OUT(r, i))
#define ERR(r, i) cartona_outcome_error(OUT(r, i))

static void test_names(void) {
  CHECK_EQ_STR(cartona_item_status_name(CARTONA_ITEM_UPDATED), "updated");
  CHECK_EQ_STR(cartona_item_status_name(CARTONA_ITEM_REJECTED_LOCALLY), "rejected_locally");
  CHECK_EQ_STR(cartona_item_status_name(CARTONA_ITEM_NOT_SENT), "not_sent");
  CHECK_EQ_STR(cartona_item_status_name((cartona_item_status)99), "unknown");
  CHECK_EQ_STR(cartona_payment_method_name((cartona_payment_method)99), "unknown");
  /* NULL-safe accessors. */
  CHECK(cartona_bulk_result_at(NULL, 0) == NULL);
  CHECK_EQ_INT(cartona_bulk_result_count(NULL), 0);
  CHECK_EQ_INT(cartona_outcome_status(NULL), 0);
  CHECK(cartona_outcome_error(NULL) == NULL);
  CHECK(cartona_outcome_message(NULL) == NULL);
  CHECK(cartona_sync_report_at(NULL, 0) == NULL);
  CHECK(cartona_sync_entry_hashed_id(NULL) == NULL);
  CHECK_EQ_INT(cartona_sync_entry_outcome(NULL), 0);
  CHECK(cartona_options_http(NULL) == NULL);
}

static void test_vocabularies(void) {
  CHECK(cartona_unit_valid("piece"));
  CHECK(cartona_unit_valid("recharge_card"));
  CHECK(!cartona_unit_valid("Piece"));
  CHECK(!cartona_unit_valid("litre"));
  CHECK(!cartona_unit_valid(NULL));
  CHECK(cartona_status_settable("synced"));
  CHECK(cartona_status_settable("cancelled_by_supplier"));
  CHECK(!cartona_status_settable("cancelled_by_retailer"));
  CHECK(!cartona_status_settable("confirmed"));
  CHECK(!cartona_status_settable("cancelled"));
  CHECK(cartona_cancellation_reason_valid("out_of_stock"));
  CHECK(cartona_cancellation_reason_valid("different_products"));
  CHECK(!cartona_cancellation_reason_valid("because"));
}

static void test_status_map(void) {
  cartona_status_map *m = NULL;
  REQUIRE(cartona_status_map_new_default(&m) == 0);
  const char *s = NULL;
  const char *outb[][2] = {{"draft", "pending"},
                           {"sent", "pending"},
                           {"sale", "approved"},
                           {"delivered", "delivered"},
                           {"cancel", "cancelled_by_supplier"}};
  for (size_t i = 0; i < 5; i++) {
    CHECK_EQ_INT(cartona_status_map_to_cartona(&s, m, outb[i][0]), 0);
    CHECK_EQ_STR(s, outb[i][1]);
  }
  const char *inb[][2] = {{"approved", "sale"},
                          {"assigned_to_salesman", "sale"},
                          {"delivered", "sale"},
                          {"cancelled_by_supplier", "cancel"},
                          {"cancelled_by_retailer", "cancel"},
                          {"pending", "draft"},
                          {"editing", "draft"},
                          {"returned", "draft"}};
  for (size_t i = 0; i < 8; i++) {
    CHECK_EQ_INT(cartona_status_map_to_odoo(&s, m, inb[i][0]), 0);
    CHECK_EQ_STR(s, inb[i][1]);
  }
  /* Unknown states are errors naming the state, not guesses. */
  CHECK_EQ_INT(cartona_status_map_to_cartona(&s, m, "done"), ERPLINK_EVALIDATION);
  CHECK(s == NULL);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "\"done\"") != NULL);
  CHECK_EQ_INT(cartona_status_map_to_odoo(&s, m, "confirmed"), ERPLINK_EVALIDATION);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "confirmed") != NULL);
  /* Replaceable by the caller; outbound targets must be settable. */
  CHECK_EQ_INT(cartona_status_map_set_outbound(m, "done", "delivered"), 0);
  CHECK_EQ_INT(cartona_status_map_to_cartona(&s, m, "done"), 0);
  CHECK_EQ_STR(s, "delivered");
  CHECK_EQ_INT(cartona_status_map_set_outbound(m, "sent", "confirmed"), ERPLINK_EVALIDATION);
  CHECK_EQ_INT(cartona_status_map_set_outbound(m, "sale", "assigned_to_salesman"), 0);
  CHECK_EQ_INT(cartona_status_map_to_cartona(&s, m, "sale"), 0);
  CHECK_EQ_STR(s, "assigned_to_salesman");
  CHECK_EQ_INT(cartona_status_map_set_outbound(m, "sale", NULL), 0);
  CHECK_EQ_INT(cartona_status_map_to_cartona(&s, m, "sale"), ERPLINK_EVALIDATION);
  CHECK_EQ_INT(cartona_status_map_set_inbound(m, "returned", "cancel"), 0);
  CHECK_EQ_INT(cartona_status_map_to_odoo(&s, m, "returned"), 0);
  CHECK_EQ_STR(s, "cancel");
  CHECK_EQ_INT(cartona_status_map_set_inbound(m, "", "x"), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_status_map_to_odoo(&s, m, NULL), ERPLINK_EINVAL);
  cartona_status_map_free(m);
  cartona_status_map_free(NULL);
  REQUIRE(cartona_status_map_new_empty(&m) == 0);
  CHECK_EQ_INT(cartona_status_map_to_odoo(&s, m, "approved"), ERPLINK_EVALIDATION);
  cartona_status_map_free(m);
}

static const char *k_orders =
    "[{\"hashed_id\":\"ab12CD\",\"status\":\"pending\",\"supplier_code\":2,\"delivered_by\":\"delivered_by_supplier\","
    "\"pickup_otp\":\"4711\",\"total_price\":\"1250.50\",\"cartona_credit\":0,\"installment_cost\":\"0\","
    "\"wallet_top_up\":0,\"applied_supplier_rebate\":12.5,\"estimated_delivery_day\":\"2026-11-23\","
    "\"future_field\":{\"nested\":[1,2]},\"loyalty_tier\":\"gold\","
    "\"retailer\":{\"retailer_name\":\"Kiosk Amal\",\"retailer_code\":\"R-77\",\"retailer_number\":\"0100\","
    "\"retailer_address\":\"12 Tahrir St\",\"address_notes\":null},"
    "\"order_details\":[{\"id\":501,\"supplier_product_id\":9001,\"internal_product_id\":\"904#2\",\"unit\":\"box\","
    "\"unit_count\":\"12\",\"product_name\":\"Tea 100g\",\"amount\":\"3\",\"selling_price\":\"110.5\","
    "\"applied_supplier_discount\":5,\"applied_cartona_discount\":\"2.5\",\"comment\":\"\",\"line_extra\":true},"
    "{\"id\":\"502\",\"internal_product_id\":\"SKU-9\",\"amount\":2,\"selling_price\":20}, 7]},"
    "{\"hashed_id\":12345,\"status\":\"approved\",\"installment_cost\":\"150\",\"wallet_top_up\":10},"
    "{\"hashed_id\":\"w1\",\"status\":\"approved\",\"wallet_top_up\":\"30.0\",\"cartona_credit\":5},"
    "{\"hashed_id\":\"c1\",\"status\":\"delivered\",\"cartona_credit\":\"99\"}]";

static void test_order_parsing(void) {
  cartona_orders *l = NULL;
  REQUIRE(cartona_orders_parse(&l, k_orders, strlen(k_orders)) == 0);
  CHECK_EQ_INT(cartona_orders_count(l), 4);
  const cartona_order *o = cartona_orders_at(l, 0);
  REQUIRE(o != NULL);
  CHECK_EQ_STR(cartona_order_hashed_id(o), "ab12CD");
  CHECK_EQ_STR(cartona_order_status(o), "pending");
  CHECK_EQ_STR(cartona_order_text(o, "supplier_code"), "2");
  CHECK_EQ_STR(cartona_order_text(o, "delivered_by"), "delivered_by_supplier");
  CHECK_EQ_STR(cartona_order_text(o, "loyalty_tier"), "gold");
  CHECK(cartona_order_text(o, "future_field") == NULL); /* not a scalar, but kept in the raw order: */
  const erplink_value *ff = erplink_value_struct_get(cartona_order_raw(o), "future_field");
  CHECK_EQ_INT(erplink_value_count(erplink_value_struct_get(ff, "nested")), 2);
  double d = -1;
  CHECK_EQ_INT(cartona_order_number(&d, o, "total_price"), 0);
  CHECK(fabs(d - 1250.5) < 1e-9);
  CHECK_EQ_INT(cartona_order_number(&d, o, "applied_supplier_rebate"), 0);
  CHECK(fabs(d - 12.5) < 1e-9);
  CHECK_EQ_INT(cartona_order_number(&d, o, "no_such_amount"), 0);
  CHECK(d == 0);
  CHECK_EQ_INT(cartona_order_number(&d, o, "delivered_by"), ERPLINK_ETYPE);
  CHECK_EQ_STR(cartona_order_retailer_text(o, "retailer_name"), "Kiosk Amal");
  CHECK_EQ_STR(cartona_order_retailer_text(o, "retailer_code"), "R-77");
  CHECK(cartona_order_retailer_text(o, "address_notes") == NULL);
  CHECK_EQ_INT(cartona_order_payment_method(o), CARTONA_PAYMENT_STANDARD);
  CHECK_EQ_INT(cartona_order_line_count(o), 2); /* the non-object entry is only in the raw order */
  const cartona_order_line *ln = cartona_order_line_at(o, 0);
  REQUIRE(ln != NULL);
  CHECK_EQ_STR(cartona_order_line_text(ln, "id"), "501");
  CHECK_EQ_STR(cartona_order_line_text(ln, "supplier_product_id"), "9001");
  CHECK_EQ_STR(cartona_order_line_text(ln, "internal_product_id"), "904#2");
  CHECK_EQ_STR(cartona_order_line_text(ln, "unit_count"), "12");
  CHECK(cartona_order_line_quantity(ln) == 3.0); /* amount = quantity */
  CHECK(fabs(cartona_order_line_unit_price(ln) - 110.5) < 1e-9);
  CHECK_EQ_INT(cartona_order_line_number(&d, ln, "applied_cartona_discount"), 0);
  CHECK(fabs(d - 2.5) < 1e-9);
  CHECK_EQ_STR(cartona_order_line_text(ln, "line_extra"), "true");
  CHECK(erplink_value_struct_get(cartona_order_line_raw(ln), "line_extra") != NULL);
  ln = cartona_order_line_at(o, 1);
  CHECK_EQ_STR(cartona_order_line_text(ln, "id"), "502");
  CHECK(cartona_order_line_quantity(ln) == 2.0);
  CHECK(cartona_order_line_at(o, 2) == NULL);

  o = cartona_orders_at(l, 1);
  CHECK_EQ_STR(cartona_order_hashed_id(o), "12345");
  CHECK_EQ_INT(cartona_order_payment_method(o), CARTONA_PAYMENT_INSTALMENT);
  CHECK_EQ_INT(cartona_order_line_count(o), 0);
  CHECK_EQ_INT(cartona_order_payment_method(cartona_orders_at(l, 2)), CARTONA_PAYMENT_WALLET_TOP_UP);
  CHECK_EQ_INT(cartona_order_payment_method(cartona_orders_at(l, 3)), CARTONA_PAYMENT_CARTONA_CREDIT);
  CHECK_EQ_STR(cartona_payment_method_name(CARTONA_PAYMENT_WALLET_TOP_UP), "wallet_top_up");
  CHECK(cartona_orders_at(l, 4) == NULL);
  cartona_orders_free(l);
}

static void test_order_parsing_shapes(void) {
  cartona_orders *l = NULL;
  CHECK_EQ_INT(cartona_orders_parse(&l, "{}", 2), 0);
  CHECK_EQ_INT(cartona_orders_count(l), 0);
  cartona_orders_free(l);
  CHECK_EQ_INT(cartona_orders_parse(&l, "  ", 2), 0);
  CHECK_EQ_INT(cartona_orders_count(l), 0);
  cartona_orders_free(l);
  const char *one = "{\"hashed_id\":\"x\",\"status\":\"approved\"}";
  CHECK_EQ_INT(cartona_orders_parse(&l, one, strlen(one)), 0);
  CHECK_EQ_INT(cartona_orders_count(l), 1);
  cartona_orders_free(l);
  const char *wrapped =
      "{\"data\":[{\"hashed_id\":\"x\",\"status\":\"approved\"},{\"hashed_id\":\"y\",\"status\":\"pending\"}]}";
  CHECK_EQ_INT(cartona_orders_parse(&l, wrapped, strlen(wrapped)), 0);
  CHECK_EQ_INT(cartona_orders_count(l), 2);
  cartona_orders_free(l);
  const char *bad1 = "[{\"status\":\"approved\"}]";
  CHECK_EQ_INT(cartona_orders_parse(&l, bad1, strlen(bad1)), ERPLINK_EPROTOCOL);
  CHECK(l == NULL);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "hashed_id") != NULL);
  const char *bad2 = "[{\"hashed_id\":\"x\"}]";
  CHECK_EQ_INT(cartona_orders_parse(&l, bad2, strlen(bad2)), ERPLINK_EPROTOCOL);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "status") != NULL);
  const char *bad3 = "[{\"hashed_id\":\"\",\"status\":\"x\"}]";
  CHECK_EQ_INT(cartona_orders_parse(&l, bad3, strlen(bad3)), ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(cartona_orders_parse(&l, "[1]", 3), ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(cartona_orders_parse(&l, "[", 1), ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(cartona_orders_parse(&l, "<html>", 6), ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(cartona_orders_parse(&l, "\"s\"", 3), ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(cartona_orders_parse(NULL, "[]", 2), ERPLINK_EINVAL);
  erplink_value *v = NULL;
  REQUIRE(erplink_json_decode(&v, one, strlen(one), NULL) == 0);
  CHECK_EQ_INT(cartona_orders_from_value(&l, v), 0);
  erplink_value_free(v);
  CHECK_EQ_STR(cartona_order_hashed_id(cartona_orders_at(l, 0)), "x");
  cartona_orders_free(l);
  cartona_orders_free(NULL);
}

static void test_options(void) {
  cartona_options *o = NULL;
  REQUIRE(cartona_options_new(&o) == 0);
  CHECK_EQ_INT(cartona_options_set_batch_size(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_options_set_batch_size(o, 1001), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_options_set_batch_size(o, 1000), 0);
  CHECK_EQ_INT(cartona_options_set_concurrency(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_options_set_base_url(o, "ftp://x/"), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_options_set_base_url(o, CARTONA_BASE_URL_STAGING), 0);
  CHECK_EQ_INT(cartona_options_set_token(o, ""), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_options_set_token(o, "a\r\nX-Injected: 1"), ERPLINK_EINVAL);
  /* Transport knobs live in the embedded HTTP options, checked by the core's setters. */
  erplink_http_options *ho = cartona_options_http(o);
  REQUIRE(ho != NULL);
  CHECK(cartona_options_http(o) == ho); /* the same embedded object every time */
  CHECK_EQ_INT(erplink_http_options_set_max_attempts(ho, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_backoff_ms(ho, 10, 5), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_connect_timeout_ms(ho, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_ca_file(ho, NULL), 0); /* the system store */
  CHECK_EQ_INT(erplink_http_options_set_proxy(ho, NULL), 0);
  CHECK_EQ_INT(cartona_options_set_supplier_code(o, -1), ERPLINK_EINVAL);
  cartona_client *c = NULL;
  CHECK_EQ_INT(cartona_client_new(&c, o), ERPLINK_EINVAL); /* no token */
  CHECK(strstr(erplink_error_message(erplink_error_last()), "token") != NULL);
  CHECK_EQ_INT(cartona_client_new(&c, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_options_set_token(o, "t"), 0);
  CHECK_EQ_INT(cartona_client_new(&c, o), 0);
  cartona_client_free(c);
  cartona_client_free(NULL);
  cartona_options_free(o);
  cartona_options_free(NULL);
}

/* Every invalid item is rejected locally with its reason and nothing is sent (the client points
 * at a port where nothing listens: a sent batch would end as not_sent/ECONNECT instead). */
static void test_local_validation(void) {
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v1", test_unused_port());
  cartona_options *o = NULL;
  REQUIRE(cartona_options_new(&o) == 0);
  cartona_options_set_token(o, "t");
  cartona_options_set_base_url(o, url);
  erplink_http_options_set_max_attempts(cartona_options_http(o), 1);
  cartona_client *c = NULL;
  REQUIRE(cartona_client_new(&c, o) == 0);
  cartona_options_free(o);
  cartona_items *it = NULL;
  REQUIRE(cartona_items_new(&it) == 0);
  size_t i;
  struct {
    const char *what;
  } cases[] = {
      {"no identifier"},     {"bad unit"},    {"negative stock"}, {"negative price"}, {"string price"},
      {"non-integer stock"}, {"empty id"},    {"bad bool"},       {"max<min"},        {"base without unit_count"},
      {"NaN price"},         {"unit_count 0"}};
  size_t ncases = sizeof cases / sizeof cases[0];
  cartona_items_add(&i, it);
  cartona_items_set_double(it, i, "selling_price", 3);
  cartona_items_add(&i, it);
  cartona_items_set_string(it, i, "supplier_product_id", "1");
  cartona_items_set_string(it, i, "unit", "litre");
  cartona_items_add(&i, it);
  cartona_items_set_string(it, i, "internal_product_id", "904#2");
  cartona_items_set_int(it, i, "available_stock_quantity", -1);
  cartona_items_add(&i, it);
  cartona_items_set_int(it, i, "supplier_product_id", 5);
  cartona_items_set_double(it, i, "selling_price", -0.5);
  cartona_items_add(&i, it);
  cartona_items_set_int(it, i, "supplier_product_id", 5);
  cartona_items_set_string(it, i, "selling_price", "12");
  cartona_items_add(&i, it);
  cartona_items_set_int(it, i, "supplier_product_id", 5);
  cartona_items_set_double(it, i, "available_stock_quantity", 1.5);
  cartona_items_add(&i, it);
  cartona_items_set_string(it, i, "supplier_product_id", "");
  cartona_items_add(&i, it);
  cartona_items_set_int(it, i, "supplier_product_id", 5);
  cartona_items_set_int(it, i, "in_stock", 1);
  cartona_items_add(&i, it);
  cartona_items_set_int(it, i, "supplier_product_id", 5);
  cartona_items_set_int(it, i, "min_order", 10);
  cartona_items_set_int(it, i, "max_order", 2);
  cartona_items_add(&i, it);
  cartona_items_set_string(it, i, "base_product_id", "77");
  cartona_items_set_string(it, i, "unit", "box");
  cartona_items_add(&i, it);
  cartona_items_set_int(it, i, "supplier_product_id", 5);
  cartona_items_set_double(it, i, "selling_price", NAN);
  cartona_items_add(&i, it);
  cartona_items_set_string(it, i, "base_product_id", "77");
  cartona_items_set_string(it, i, "unit", "box");
  cartona_items_set_int(it, i, "unit_count", 0);
  REQUIRE(cartona_items_count(it) == ncases);
  cartona_bulk_result *r = NULL;
  CHECK_EQ_INT(cartona_client_update_products(&r, c, it, NULL, NULL), 0);
  REQUIRE(r != NULL);
  CHECK_EQ_INT(cartona_bulk_result_count(r), ncases);
  CHECK_EQ_INT(cartona_bulk_result_count_status(r, CARTONA_ITEM_REJECTED_LOCALLY), ncases);
  CHECK_EQ_INT(cartona_bulk_result_batches(r), 0);
  CHECK_EQ_INT(cartona_bulk_result_attempts(r), 0);
  for (size_t k = 0; k < ncases; k++) {
    const char *m = MSG(r, k);
    if (!m || strncmp(m, "rejected locally: ", 18) != 0) printf("# case %s: %s\n", cases[k].what, m ? m : "(null)");
    CHECK(m && strncmp(m, "rejected locally: ", 18) == 0);
    CHECK_EQ_INT(cartona_outcome_index(OUT(r, k)), k);
    CHECK_EQ_INT(erplink_error_code(ERR(r, k)), ERPLINK_EVALIDATION);
    CHECK_EQ_INT(erplink_error_get_category(ERR(r, k)), ERPLINK_CAT_VALIDATION);
    CHECK(!erplink_error_retryable(erplink_error_code(ERR(r, k)))); /* fix the item: retrying does not help */
    CHECK_EQ_INT(cartona_outcome_http_status(OUT(r, k)), 0);
  }
  CHECK(OUT(r, ncases) == NULL);
  CHECK(strstr(MSG(r, 1), "litre") != NULL);
  CHECK(strstr(MSG(r, 0), "identifier") != NULL);
  cartona_bulk_result_free(r);
  /* Stock items need base_product_id and a quantity; base items need base_product_id. */
  cartona_items *s = NULL;
  REQUIRE(cartona_items_new(&s) == 0);
  cartona_items_add(&i, s);
  cartona_items_set_string(s, i, "base_product_id", "9");
  cartona_items_add(&i, s);
  cartona_items_set_int(s, i, "available_stock_quantity", 9);
  CHECK_EQ_INT(cartona_client_update_stock(&r, c, s, NULL, NULL), 0);
  CHECK_EQ_INT(cartona_bulk_result_count_status(r, CARTONA_ITEM_REJECTED_LOCALLY), 2);
  cartona_bulk_result_free(r);
  CHECK_EQ_INT(cartona_client_update_base_products(&r, c, s, NULL, NULL), 0);
  CHECK_EQ_INT(ST(r, 0), CARTONA_ITEM_NOT_SENT); /* valid: sent, refused connection */
  CHECK_EQ_INT(erplink_error_code(ERR(r, 0)), ERPLINK_ECONNECT);
  CHECK(erplink_error_retryable(erplink_error_code(ERR(r, 0)))); /* temporary: try again later */
  CHECK(strncmp(MSG(r, 0), "not sent: ", 10) == 0);
  CHECK_EQ_INT(ST(r, 1), CARTONA_ITEM_REJECTED_LOCALLY);
  cartona_bulk_result_free(r);
  cartona_items_free(s);
  /* Items from values: all-or-nothing type checks. */
  erplink_value *v = NULL;
  const char *js = "[{\"supplier_product_id\":1},2]";
  REQUIRE(erplink_json_decode(&v, js, strlen(js), NULL) == 0);
  size_t before = cartona_items_count(it);
  CHECK_EQ_INT(cartona_items_add_value(it, v), ERPLINK_EINVAL);
  CHECK_EQ_INT(cartona_items_count(it), before);
  erplink_value_free(v);
  CHECK_EQ_INT(cartona_items_set_int(it, 999, "x", 1), ERPLINK_ERANGE);
  CHECK_EQ_INT(cartona_items_set_string(it, 1, "unit", NULL), 0); /* removal */
  CHECK(erplink_value_struct_get(cartona_items_at(it, 1), "unit") == NULL);
  CHECK(erplink_value_struct_get(cartona_items_at(it, 1), "supplier_product_id") != NULL);
  CHECK_EQ_INT(cartona_client_update_products(NULL, c, it, NULL, NULL), ERPLINK_EINVAL);
  cartona_items_free(it);
  cartona_client_free(c);
}

int main(void) {
  RUN(test_names);
  RUN(test_vocabularies);
  RUN(test_status_map);
  RUN(test_order_parsing);
  RUN(test_order_parsing_shapes);
  RUN(test_options);
  RUN(test_local_validation);
  return test_done();
}
