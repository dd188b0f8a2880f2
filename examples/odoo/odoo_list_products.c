/* Lists the products of an Odoo database with their price and quantity on hand, streaming
 * them page by page (memory stays bounded whatever the number of products).
 *
 *   odoo_list_products URL DB LOGIN PASSWORD_OR_API_KEY [xmlrpc|jsonrpc|json2|auto]
 *
 * The fourth argument is used as an API key when the protocol is json2, else as a password.
 * Uses only the public API of liberplink. */
#include <erplink/erplink.h>
#include <stdio.h>
#include <string.h>

typedef struct totals {
  long count;
  double stock_value;
} totals;

static int print_product(const erplink_value *rec, void *userdata) {
  totals *t = userdata;
  const char *name = "", *code = "";
  size_t nl = 0, cl = 0;
  double price = 0, qty = 0;
  erplink_value_get_string(&name, &nl, erplink_value_struct_get(rec, "name"));
  /* empty fields come back as false, not as an empty string */
  if (erplink_value_get_string(&code, &cl, erplink_value_struct_get(rec, "default_code")) != 0) code = "-", cl = 1;
  erplink_value_get_double(&price, erplink_value_struct_get(rec, "list_price"));
  erplink_value_get_double(&qty, erplink_value_struct_get(rec, "qty_available"));
  printf("%-12.*s %-32.*s %10.2f %8.1f\n", (int)cl, code, (int)nl, name, price, qty);
  t->count++;
  t->stock_value += price * qty;
  return 0; /* non-zero would stop the stream */
}

static int fail(const char *what) {
  const erplink_error *e = erplink_error_last();
  fprintf(stderr, "%s: %s [%s]\n", what, e ? erplink_error_message(e) : "?",
          e ? erplink_error_category_name(erplink_error_category_of(erplink_error_code(e))) : "?");
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s URL DB LOGIN PASSWORD_OR_API_KEY [xmlrpc|jsonrpc|json2|auto]\n", argv[0]);
    return 2;
  }
  const char *proto = argc > 5 ? argv[5] : "auto";
  odoo_protocol p = !strcmp(proto, "xmlrpc")    ? ODOO_PROTOCOL_XMLRPC
                    : !strcmp(proto, "jsonrpc") ? ODOO_PROTOCOL_JSONRPC
                    : !strcmp(proto, "json2")   ? ODOO_PROTOCOL_JSON2
                                                : ODOO_PROTOCOL_AUTO;
  odoo_options *o = NULL;
  odoo_client *c = NULL;
  if (odoo_options_new(&o) || odoo_options_set_url(o, argv[1]) || odoo_options_set_db(o, argv[2]) ||
      odoo_options_set_login(o, argv[3]) ||
      (p == ODOO_PROTOCOL_JSON2 ? odoo_options_set_api_key(o, argv[4]) : odoo_options_set_password(o, argv[4])) ||
      odoo_options_set_protocol(o, p) ||
      /* transport knobs (timeouts, CA file, proxy, retries, log...) are set on the embedded HTTP options */
      erplink_http_options_set_timeout_ms(odoo_options_http(o), 30000) || odoo_client_new(&c, o)) {
    odoo_options_free(o);
    return fail("configuration");
  }
  odoo_options_free(o);

  odoo_protocol used;
  if (odoo_client_protocol(&used, c)) {
    odoo_client_free(c);
    return fail("protocol");
  }
  printf("protocol: %s\n", used == ODOO_PROTOCOL_JSON2     ? "JSON-2"
                           : used == ODOO_PROTOCOL_JSONRPC ? "JSON-RPC"
                                                           : "XML-RPC");

  /* [["sale_ok", "=", true]] */
  erplink_value *domain = NULL, *leaf = NULL;
  erplink_value_new_array(&domain);
  erplink_value_new_array(&leaf);
  erplink_value_array_append_string(leaf, "sale_ok");
  erplink_value_array_append_string(leaf, "=");
  erplink_value *t = NULL;
  erplink_value_new_bool(&t, 1);
  erplink_value_array_append(leaf, t);
  erplink_value_array_append(domain, leaf);

  const char *fields[] = {"default_code", "name", "list_price", "qty_available"};
  totals tot = {0, 0};
  printf("%-12s %-32s %10s %8s\n", "code", "product", "price", "on hand");
  int rc = odoo_client_search_read_each(c, "product.product", domain, fields, sizeof fields / sizeof fields[0], 500,
                                        print_product, &tot);
  erplink_value_free(domain);
  if (rc) {
    odoo_client_free(c);
    return fail("search_read");
  }
  printf("%ld products, stock value %.2f\n", tot.count, tot.stock_value);
  odoo_client_free(c);
  return tot.count > 0 ? 0 : 1;
}
