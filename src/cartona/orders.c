/* Cartona orders: parsing pulled orders into a normalised, read-only form that keeps every
 * field; pulls; acknowledgement and status updates; line changes. The intake (pull → import →
 * ack) is in intake.c, the status map in status.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"
#include "erplink/json.h"

/* ------------------------------------------------------------------ text maps */

static void tmap_free(cartona__tmap *t) {
  for (size_t i = 0; i < t->n; i++) free(t->vals[i]);
  free(t->keys);
  free(t->vals);
  memset(t, 0, sizeof *t);
}

/* Text forms of every scalar member of st. */
static int tmap_build(cartona__tmap *t, const erplink_value *st) {
  memset(t, 0, sizeof *t);
  size_t n = erplink_value_count(st);
  if (erplink_value_type(st) != ERPLINK_TYPE_STRUCT || n == 0) return 0;
  t->keys = calloc(n, sizeof *t->keys);
  t->vals = calloc(n, sizeof *t->vals);
  if (!t->keys || !t->vals) {
    tmap_free(t);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    const char *key = NULL;
    key = erplink_value_struct_key_at(st, i);
    const erplink_value *v = erplink_value_struct_value_at(st, i);
    char *txt = cartona__scalar_text(v);
    if (!txt) {
      erplink_type ty = erplink_value_type(v);
      if (ty == ERPLINK_TYPE_STRING || ty == ERPLINK_TYPE_INT || ty == ERPLINK_TYPE_DOUBLE || ty == ERPLINK_TYPE_BOOL) {
        tmap_free(t);
        return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      }
      continue;
    }
    t->keys[t->n] = key;
    t->vals[t->n] = txt;
    t->n++;
  }
  return 0;
}

static const char *tmap_get(const cartona__tmap *t, const char *key) {
  if (!key) return NULL;
  for (size_t i = t->n; i-- > 0;)
    if (strcmp(t->keys[i], key) == 0) return t->vals[i];
  return NULL;
}

/* ------------------------------------------------------------------ orders */

void cartona_orders_free(cartona_orders *l) {
  if (!l) return;
  for (size_t i = 0; i < l->n; i++) {
    cartona_order *o = &l->orders[i];
    tmap_free(&o->t);
    tmap_free(&o->retailer);
    for (size_t k = 0; k < o->nlines; k++) tmap_free(&o->lines[k].t);
    free(o->lines);
  }
  free(l->orders);
  erplink_value_free(l->root);
  free(l);
}

static const erplink_value *orders_array(const erplink_value *root, bool *single) {
  *single = false;
  if (erplink_value_type(root) == ERPLINK_TYPE_ARRAY) return root;
  if (erplink_value_type(root) != ERPLINK_TYPE_STRUCT) return NULL;
  static const char *const keys[] = {"orders", "data", "results"};
  for (int k = 0; k < 3; k++) {
    const erplink_value *a = erplink_value_struct_get(root, keys[k]);
    if (erplink_value_type(a) == ERPLINK_TYPE_ARRAY) return a;
  }
  if (erplink_value_struct_get(root, "hashed_id")) {
    *single = true;
    return root;
  }
  return NULL; /* {} or an unrelated object: no orders */
}

/* Takes ownership of root (may be NULL: no orders). */
static int orders_build(cartona_orders **out, erplink_value *root) {
  *out = NULL;
  cartona_orders *l = calloc(1, sizeof *l);
  if (!l) {
    erplink_value_free(root);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  l->root = root;
  bool single = false;
  const erplink_value *arr = root ? orders_array(root, &single) : NULL;
  size_t n = arr ? (single ? 1 : erplink_value_count(arr)) : 0;
  if (erplink_value_type(root) != ERPLINK_TYPE_NIL && erplink_value_type(root) != ERPLINK_TYPE_ARRAY &&
      erplink_value_type(root) != ERPLINK_TYPE_STRUCT) {
    int rc = erplink__error_setf(ERPLINK_EPROTOCOL, "cartona orders: expected an array of orders, got %s",
                                 erplink_type_name(erplink_value_type(root)));
    cartona_orders_free(l);
    return rc;
  }
  l->orders = calloc(n ? n : 1, sizeof *l->orders);
  if (!l->orders) {
    cartona_orders_free(l);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    const erplink_value *ov = single ? arr : erplink_value_array_at(arr, i);
    cartona_order *o = &l->orders[i];
    l->n = i + 1;
    o->raw = ov;
    if (erplink_value_type(ov) != ERPLINK_TYPE_STRUCT) {
      int rc = erplink__error_setf(ERPLINK_EPROTOCOL, "cartona order %zu is a %s, not an object", i,
                                   erplink_type_name(erplink_value_type(ov)));
      cartona_orders_free(l);
      return rc;
    }
    int rc = tmap_build(&o->t, ov);
    if (rc == 0) rc = tmap_build(&o->retailer, erplink_value_struct_get(ov, "retailer"));
    if (rc != 0) {
      cartona_orders_free(l);
      return rc;
    }
    const char *hid = tmap_get(&o->t, "hashed_id");
    const erplink_value *hv = erplink_value_struct_get(ov, "hashed_id");
    if (!hid || !*hid ||
        (erplink_value_type(hv) != ERPLINK_TYPE_STRING && erplink_value_type(hv) != ERPLINK_TYPE_INT)) {
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "cartona order %zu has no valid hashed_id", i);
      cartona_orders_free(l);
      return rc;
    }
    const char *st = tmap_get(&o->t, "status");
    if (!st || !*st || erplink_value_type(erplink_value_struct_get(ov, "status")) != ERPLINK_TYPE_STRING) {
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "cartona order %zu (hashed_id %.64s) has no valid status", i, hid);
      cartona_orders_free(l);
      return rc;
    }
    const erplink_value *det = erplink_value_struct_get(ov, "order_details");
    size_t nd = erplink_value_type(det) == ERPLINK_TYPE_ARRAY ? erplink_value_count(det) : 0;
    o->lines = calloc(nd ? nd : 1, sizeof *o->lines);
    if (!o->lines) {
      cartona_orders_free(l);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nd; k++) {
      const erplink_value *lv = erplink_value_array_at(det, k);
      if (erplink_value_type(lv) != ERPLINK_TYPE_STRUCT) continue; /* lenient: kept in the raw order only */
      cartona_order_line *ln = &o->lines[o->nlines++];
      ln->raw = lv;
      if ((rc = tmap_build(&ln->t, lv)) != 0) {
        cartona_orders_free(l);
        return rc;
      }
    }
  }
  *out = l;
  return 0;
}

int cartona_orders_parse(cartona_orders **out, const char *json, size_t len) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_orders_parse: out is NULL");
  *out = NULL;
  if (!json && len) return erplink__error_setf(ERPLINK_EINVAL, "cartona_orders_parse: NULL text");
  size_t k = 0;
  while (k < len && (json[k] == ' ' || json[k] == '\n' || json[k] == '\r' || json[k] == '\t')) k++;
  if (k == len) return orders_build(out, NULL);
  erplink_value *v = NULL;
  int rc = erplink_json_decode(&v, json, len, NULL);
  if (rc) {
    erplink__error_prefix("cartona orders: ");
    return rc;
  }
  return orders_build(out, v);
}

int cartona_orders_from_value(cartona_orders **out, const erplink_value *v) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_orders_from_value: out is NULL");
  *out = NULL;
  if (!v) return erplink__error_setf(ERPLINK_EINVAL, "cartona_orders_from_value: NULL value");
  erplink_value *c = NULL;
  int rc = erplink_value_clone(&c, v);
  return rc ? rc : orders_build(out, c);
}

size_t cartona_orders_count(const cartona_orders *l) { return l ? l->n : 0; }
const cartona_order *cartona_orders_at(const cartona_orders *l, size_t i) {
  return l && i < l->n ? &l->orders[i] : NULL;
}
const char *cartona_order_hashed_id(const cartona_order *o) { return o ? tmap_get(&o->t, "hashed_id") : NULL; }
const char *cartona_order_status(const cartona_order *o) { return o ? tmap_get(&o->t, "status") : NULL; }
const char *cartona_order_text(const cartona_order *o, const char *key) { return o ? tmap_get(&o->t, key) : NULL; }
const char *cartona_order_retailer_text(const cartona_order *o, const char *key) {
  return o ? tmap_get(&o->retailer, key) : NULL;
}
const erplink_value *cartona_order_raw(const cartona_order *o) { return o ? o->raw : NULL; }
size_t cartona_order_line_count(const cartona_order *o) { return o ? o->nlines : 0; }
const cartona_order_line *cartona_order_line_at(const cartona_order *o, size_t i) {
  return o && i < o->nlines ? &o->lines[i] : NULL;
}
const char *cartona_order_line_text(const cartona_order_line *l, const char *key) {
  return l ? tmap_get(&l->t, key) : NULL;
}
const erplink_value *cartona_order_line_raw(const cartona_order_line *l) { return l ? l->raw : NULL; }

static int number_of(double *out, const erplink_value *st, const char *key) {
  if (!out || !st || !key) return erplink__error_setf(ERPLINK_EINVAL, "cartona: NULL argument");
  int r = cartona__value_number(out, erplink_value_struct_get(st, key));
  if (r < 0) return erplink__error_setf(ERPLINK_ETYPE, "cartona: field %.64s is not a number", key);
  return 0;
}

int cartona_order_number(double *out, const cartona_order *o, const char *key) {
  return number_of(out, o ? o->raw : NULL, key);
}
int cartona_order_line_number(double *out, const cartona_order_line *l, const char *key) {
  return number_of(out, l ? l->raw : NULL, key);
}
double cartona_order_line_quantity(const cartona_order_line *l) {
  double d = 0;
  if (!l || cartona__value_number(&d, erplink_value_struct_get(l->raw, "amount")) != 0) return 0;
  return d;
}
double cartona_order_line_unit_price(const cartona_order_line *l) {
  double d = 0;
  if (!l || cartona__value_number(&d, erplink_value_struct_get(l->raw, "selling_price")) != 0) return 0;
  return d;
}

static double amount_of(const cartona_order *o, const char *key) {
  double d = 0;
  return cartona__value_number(&d, erplink_value_struct_get(o->raw, key)) == 0 ? d : 0;
}

cartona_payment_method cartona_order_payment_method(const cartona_order *o) {
  if (!o) return CARTONA_PAYMENT_STANDARD;
  if (amount_of(o, "installment_cost") > 0) return CARTONA_PAYMENT_INSTALMENT;
  if (amount_of(o, "wallet_top_up") > 0) return CARTONA_PAYMENT_WALLET_TOP_UP;
  if (amount_of(o, "cartona_credit") > 0) return CARTONA_PAYMENT_CARTONA_CREDIT;
  return CARTONA_PAYMENT_STANDARD;
}

const char *cartona_payment_method_name(cartona_payment_method m) {
  switch (m) {
  case CARTONA_PAYMENT_STANDARD: return "standard";
  case CARTONA_PAYMENT_INSTALMENT: return "instalment";
  case CARTONA_PAYMENT_WALLET_TOP_UP: return "wallet_top_up";
  case CARTONA_PAYMENT_CARTONA_CREDIT: return "cartona_credit";
  }
  return "unknown";
}

int cartona_client_pull_orders(cartona_orders **out, cartona_client *c, int64_t page, int64_t per_page,
                               const char *from, const char *to) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_pull_orders: out is NULL");
  *out = NULL;
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_pull_orders: NULL client");
  erplink_value *v = NULL;
  int rc = cartona__get_paged(&v, c, "pull-orders", "order/pull-orders", page, per_page, "from", from, "to", to);
  if (rc) return rc;
  return orders_build(out, v);
}

/* ------------------------------------------------------------------ status updates */

static int check_status_item(const erplink_value *it, size_t i) {
  if (erplink_value_type(it) != ERPLINK_TYPE_STRUCT)
    return erplink__error_setf(ERPLINK_EVALIDATION, "cartona status item %zu is not an object", i);
  const erplink_value *h = erplink_value_struct_get(it, "hashed_id");
  const char *s = NULL;
  if (!(erplink_value_type(h) == ERPLINK_TYPE_INT || (erplink_value_get_string(&s, NULL, h) == 0 && *s)))
    return erplink__error_setf(ERPLINK_EVALIDATION, "cartona status item %zu: hashed_id is required", i);
  if (erplink_value_get_string(&s, NULL, erplink_value_struct_get(it, "status")) != 0)
    return erplink__error_setf(ERPLINK_EVALIDATION, "cartona status item %zu: status is required", i);
  if (!cartona_status_settable(s))
    return erplink__error_setf(ERPLINK_EVALIDATION, "cartona status item %zu: a supplier cannot set status \"%.64s\"",
                               i, s);
  const erplink_value *r = erplink_value_struct_get(it, "cancellation_reason");
  if (r && erplink_value_type(r) != ERPLINK_TYPE_NIL) {
    if (erplink_value_get_string(&s, NULL, r) != 0 || !cartona_cancellation_reason_valid(s))
      return erplink__error_setf(ERPLINK_EVALIDATION,
                                 "cartona status item %zu: cancellation_reason is not one of Cartona's reasons", i);
  }
  return 0;
}

static int post_value(cartona_client *c, const char *path, const erplink_value *body, bool idempotent,
                      erplink_value **answer) {
  char *js = NULL;
  size_t n = 0;
  int rc = erplink_json_encode(&js, &n, body);
  if (rc) return rc;
  /* The body value is the log value: trace logs show it with the secret members redacted. */
  rc = cartona__call(answer, c, "POST", path, js, n, body, idempotent);
  erplink__wipe(js, n); /* may hold an OTP */
  erplink_free(js);
  return rc;
}

int cartona_client_update_order_statuses(cartona_client *c, const erplink_value *items) {
  if (!c || !items) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_update_order_statuses: NULL argument");
  if (erplink_value_type(items) != ERPLINK_TYPE_ARRAY)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona status update: items must be an array");
  if (erplink_value_count(items) == 0) return 0;
  for (size_t i = 0; i < erplink_value_count(items); i++) {
    int rc = check_status_item(erplink_value_array_at(items, i), i);
    if (rc) return rc;
  }
  return post_value(c, "order/update-order-status", items, true, NULL);
}

int cartona_client_ack_orders(cartona_client *c, const char *const *hashed_ids, size_t n) {
  if (!c || (n && !hashed_ids)) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_ack_orders: NULL argument");
  if (n == 0) return 0;
  erplink_value *arr = NULL;
  int rc = erplink_value_new_array(&arr);
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (!hashed_ids[i] || !*hashed_ids[i]) {
      rc = erplink__error_setf(ERPLINK_EINVAL, "cartona ack: hashed_id %zu is empty", i);
      break;
    }
    erplink_value *st = NULL;
    rc = erplink_value_new_struct(&st);
    if (rc == 0) rc = erplink_value_struct_set_string(st, "hashed_id", hashed_ids[i]);
    if (rc == 0) rc = erplink_value_struct_set_string(st, "status", "synced");
    if (rc == 0)
      rc = erplink_value_array_append(arr, st);
    else
      erplink_value_free(st);
  }
  if (rc == 0) rc = post_value(c, "order/update-order-status", arr, true, NULL);
  erplink_value_free(arr);
  return rc;
}

int cartona_client_update_order_status(cartona_client *c, const char *hashed_id, const char *status,
                                       const char *retailer_otp, const char *cancellation_reason,
                                       const char *estimated_delivery_day, const char *delivery_day) {
  if (!c || !hashed_id || !status)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_update_order_status: NULL argument");
  if (!*hashed_id) return erplink__error_setf(ERPLINK_EINVAL, "cartona status update: empty hashed_id");
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc == 0) rc = erplink_value_struct_set_string(st, "hashed_id", hashed_id);
  if (rc == 0) rc = erplink_value_struct_set_string(st, "status", status);
  if (rc == 0 && retailer_otp) {
    erplink_value *otp = NULL;
    rc = erplink_value_new_secret(&otp, retailer_otp);
    if (rc == 0) rc = erplink_value_struct_set(st, "retailer_otp", otp);
  }
  if (rc == 0 && cancellation_reason)
    rc = erplink_value_struct_set_string(st, "cancellation_reason", cancellation_reason);
  if (rc == 0 && estimated_delivery_day)
    rc = erplink_value_struct_set_string(st, "estimated_delivery_day", estimated_delivery_day);
  if (rc == 0 && delivery_day) rc = erplink_value_struct_set_string(st, "delivery_day", delivery_day);
  if (rc == 0) rc = check_status_item(st, 0);
  erplink_buf path = ERPLINK_BUF_INIT;
  erplink_buf_puts(&path, "order/update-order-status/");
  erplink__url_escape_into(&path, hashed_id);
  if (rc == 0 && path.oom) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink_value *ans = NULL;
  if (rc == 0) rc = post_value(c, path.ptr, st, false, &ans);
  if (rc == 0 && ans) {
    /* A 2xx that still reports a failure. */
    int ok = 1;
    const char *s = NULL;
    if (erplink_value_get_bool(&ok, erplink_value_struct_get(ans, "success")) == 0 && !ok)
      ok = 0;
    else
      ok = 1;
    if (erplink_value_get_string(&s, NULL, erplink_value_struct_get(ans, "status")) == 0 &&
        (strcmp(s, "error") == 0 || strcmp(s, "failed") == 0))
      ok = 0;
    if (!ok) {
      const char *m = NULL;
      if (erplink_value_get_string(&m, NULL, erplink_value_struct_get(ans, "message")) != 0) m = "refused";
      rc = erplink__error_setf(ERPLINK_EVALIDATION, "cartona refused the status update of order %.64s: %.400s",
                               hashed_id, m);
    }
  }
  erplink_value_free(ans);
  erplink_buf_free(&path);
  erplink_value_free(st);
  return rc;
}

/* ------------------------------------------------------------------ order changes */

struct cartona_order_changes {
  char *hashed_id;
  erplink_value *details;
};

int cartona_order_changes_new(cartona_order_changes **out, const char *hashed_id) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_order_changes_new: out is NULL");
  *out = NULL;
  if (!hashed_id || !*hashed_id) return erplink__error_setf(ERPLINK_EINVAL, "cartona order changes: empty hashed_id");
  cartona_order_changes *ch = calloc(1, sizeof *ch);
  if (!ch) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  ch->hashed_id = strdup(hashed_id);
  if (!ch->hashed_id || erplink_value_new_array(&ch->details) != 0) {
    cartona_order_changes_free(ch);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  *out = ch;
  return 0;
}

void cartona_order_changes_free(cartona_order_changes *ch) {
  if (!ch) return;
  free(ch->hashed_id);
  erplink_value_free(ch->details);
  free(ch);
}

static int append_change(cartona_order_changes *ch, erplink_value *st, int rc) {
  if (rc == 0) return erplink_value_array_append(ch->details, st);
  erplink_value_free(st);
  return rc;
}

int cartona_order_changes_set_quantity(cartona_order_changes *ch, const char *line_id, int64_t amount) {
  if (!ch || !line_id || !*line_id || amount < 0)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona order changes: line id required and amount >= 0");
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc) return rc;
  rc = erplink_value_struct_set_string(st, "id", line_id);
  if (rc == 0) rc = erplink_value_struct_set_int(st, "amount", amount);
  return append_change(ch, st, rc);
}

int cartona_order_changes_add_line(cartona_order_changes *ch, const char *supplier_product_id,
                                   const char *internal_product_id, int64_t amount, double price) {
  if (!ch || (!supplier_product_id && !internal_product_id) || amount < 1 || !(price >= 0) || price > 1e15)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "cartona order changes: a product id, amount >= 1 and a finite price >= 0 are required");
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc) return rc;
  if (supplier_product_id)
    rc = erplink_value_struct_set_string(st, "supplier_product_id", supplier_product_id);
  else
    rc = erplink_value_struct_set_string(st, "internal_product_id", internal_product_id);
  if (rc == 0) rc = erplink_value_struct_set_int(st, "amount", amount);
  if (rc == 0) rc = erplink_value_struct_set_double(st, "price", price);
  return append_change(ch, st, rc);
}

int cartona_order_changes_cancel_line(cartona_order_changes *ch, const char *line_id) {
  if (!ch || !line_id || !*line_id)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona order changes: line id required");
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc) return rc;
  rc = erplink_value_struct_set_string(st, "id", line_id);
  if (rc == 0) rc = erplink_value_struct_set_bool(st, "cancelled", 1);
  return append_change(ch, st, rc);
}

int cartona_client_update_order_details(cartona_client *c, const cartona_order_changes *ch) {
  if (!c || !ch) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_update_order_details: NULL argument");
  if (erplink_value_count(ch->details) == 0)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona order changes for %.64s are empty", ch->hashed_id);
  erplink_value *arr = NULL, *st = NULL, *det = NULL;
  int rc = erplink_value_new_array(&arr);
  if (rc == 0) rc = erplink_value_new_struct(&st);
  if (rc == 0) rc = erplink_value_struct_set_string(st, "hashed_id", ch->hashed_id);
  if (rc == 0) rc = erplink_value_clone(&det, ch->details);
  if (rc == 0) rc = erplink_value_struct_set(st, "order_details", det);
  if (rc == 0) {
    rc = erplink_value_array_append(arr, st);
    st = NULL;
  }
  if (rc == 0) rc = post_value(c, "order/update-order-details", arr, false, NULL);
  erplink_value_free(st);
  erplink_value_free(arr);
  return rc;
}
