/* Creates a customer and a quotation with two lines, confirms it, and reads it back.
 *
 *   odoo_create_order URL DB LOGIN PASSWORD_OR_API_KEY [xmlrpc|jsonrpc|json2|auto]
 *
 * Shows many2one ids, one2many "create" commands ([0, 0, {...}]), error categories (a
 * ValidationError is provoked on purpose) and idempotency: creates are never retried.
 * Uses only the public API of liberplink. */
#include <erplink/erplink.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void report(const char *what) {
  const erplink_error *e = erplink_error_last();
  fprintf(stderr, "%s: %s\n", what, e ? erplink_error_message(e) : "?");
}

/* Builds a value from JSON text (handy for literals). */
static erplink_value *json(const char *text) {
  erplink_value *v = NULL, *copy = NULL;
  if (erplink_json_decode(&v, text, strlen(text), NULL)) return NULL;
  erplink_value_clone(&copy, v); /* decoded trees are read-only; callers may want to edit */
  erplink_value_free(v);
  return copy;
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
      odoo_options_set_protocol(o, p) || odoo_options_set_lang(o, "en_US") || odoo_client_new(&c, o)) {
    report("configuration");
    odoo_options_free(o);
    return 1;
  }
  odoo_options_free(o);
  int status = 1;
  erplink_value *vals = NULL, *order = NULL, *ids = NULL;

  /* 1. the customer */
  int64_t partner = 0;
  vals = json("{\"name\": \"Café Ünïcødé Ltd\", \"is_company\": true, \"email\": \"orders@cafe.example\"}");
  if (odoo_client_create(&partner, c, "res.partner", vals)) {
    report("create partner");
    goto done;
  }
  erplink_value_free(vals);
  printf("partner %" PRId64 " created\n", partner);

  /* 2. two products to sell */
  const char *pf[] = {"name", "list_price"};
  erplink_value *dom = json("[[\"sale_ok\", \"=\", true]]");
  if (odoo_client_search_read(&ids, c, "product.product", dom, pf, sizeof pf / sizeof pf[0], 0, 2, "id")) {
    erplink_value_free(dom);
    vals = NULL;
    report("search products");
    goto done;
  }
  erplink_value_free(dom);
  if (erplink_value_count(ids) < 2) {
    fprintf(stderr, "need two saleable products\n");
    vals = NULL;
    goto done;
  }
  int64_t p1 = 0, p2 = 0;
  erplink_value_get_int(&p1, erplink_value_struct_get(erplink_value_array_at(ids, 0), "id"));
  erplink_value_get_int(&p2, erplink_value_struct_get(erplink_value_array_at(ids, 1), "id"));

  /* 3. the quotation: order lines created with the one2many command [0, 0, values] */
  char buf[512];
  snprintf(buf, sizeof buf,
           "{\"partner_id\": %" PRId64 ", \"order_line\": [[0, 0, {\"product_id\": %" PRId64
           ", \"product_uom_qty\": 2.0}], [0, 0, {\"product_id\": %" PRId64 ", \"product_uom_qty\": 1.0}]]}",
           partner, p1, p2);
  vals = json(buf);
  int64_t so = 0;
  if (odoo_client_create(&so, c, "sale.order", vals)) {
    report("create sale.order");
    goto done;
  }
  erplink_value_free(vals);
  vals = NULL;

  /* 4. confirm it (a button method: it takes the ids) */
  erplink_value *args = NULL;
  snprintf(buf, sizeof buf, "[[%" PRId64 "]]", so);
  args = json(buf);
  int rc = odoo_client_execute_kw(NULL, c, "sale.order", "action_confirm", args, NULL);
  erplink_value_free(args);
  if (rc) {
    report("action_confirm");
    goto done;
  }

  /* 5. read it back */
  const char *of[] = {"name", "state", "partner_id", "amount_total", "order_line"};
  if (odoo_client_read(&order, c, "sale.order", &so, 1, of, sizeof of / sizeof of[0]) ||
      erplink_value_count(order) != 1) {
    report("read sale.order");
    goto done;
  }
  const erplink_value *r = erplink_value_array_at(order, 0);
  const char *name = "", *state = "", *cust = "";
  size_t nl = 0, sl = 0, cl = 0;
  double total = 0;
  erplink_value_get_string(&name, &nl, erplink_value_struct_get(r, "name"));
  erplink_value_get_string(&state, &sl, erplink_value_struct_get(r, "state"));
  erplink_value_get_string(&cust, &cl, erplink_value_array_at(erplink_value_struct_get(r, "partner_id"), 1));
  erplink_value_get_double(&total, erplink_value_struct_get(r, "amount_total"));
  printf("order %.*s for %.*s: %zu lines, total %.2f, state %.*s\n", (int)nl, name, (int)cl, cust,
         erplink_value_count(erplink_value_struct_get(r, "order_line")), total, (int)sl, state);

  /* 6. a validation error, on purpose: a partner cannot be its own parent */
  snprintf(buf, sizeof buf, "{\"parent_id\": %" PRId64 "}", partner);
  vals = json(buf);
  rc = odoo_client_write(c, "res.partner", &partner, 1, vals);
  const erplink_error *e = erplink_error_last();
  printf("self-parent write refused: %s (category %s, class %s)\n", rc ? "yes" : "NO",
         rc ? erplink_error_category_name(erplink_error_category_of(rc)) : "-",
         rc && e && erplink_error_remote_class(e) ? erplink_error_remote_class(e) : "not told by XML-RPC");
  status = rc == ERPLINK_EVALIDATION && total > 0 && strncmp(state, "sale", 4) == 0 ? 0 : 1;
done:
  erplink_value_free(vals);
  erplink_value_free(order);
  erplink_value_free(ids);
  odoo_client_free(c);
  return status;
}
