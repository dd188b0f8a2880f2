/* Cartona products: listing, item lists, and the one bulk-update engine behind
 * supplier-product/bulk-update, supplier-product/base-product/bulk-update and
 * .../bulk-update-stock: local validation, batching, sending through one HTTP batch (curl multi,
 * on the calling thread) of the client's HTTP client, per-item outcomes. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"
#include "erplink/json.h"

/* ------------------------------------------------------------------ vocabulary, listing */

static const char *const k_units[] = {"box",           "can",   "bottle", "kg",     "piece", "dozen",  "bag",
                                      "packet",        "plate", "glass",  "pallet", "jar",   "shrink", "ton",
                                      "saddlebag",     "roll",  "tissue", "cone",   "coil",  "bunch",  "strip",
                                      "recharge_card", "mat"};

int cartona_unit_valid(const char *unit) {
  if (!unit) return 0;
  for (size_t i = 0; i < sizeof k_units / sizeof k_units[0]; i++)
    if (strcmp(k_units[i], unit) == 0) return 1;
  return 0;
}

const char *cartona_item_status_name(cartona_item_status status) {
  switch (status) {
  case CARTONA_ITEM_UPDATED: return "updated";
  case CARTONA_ITEM_REJECTED: return "rejected";
  case CARTONA_ITEM_REJECTED_LOCALLY: return "rejected_locally";
  case CARTONA_ITEM_NOT_SENT: return "not_sent";
  }
  return "unknown";
}

int cartona_client_list_products(erplink_value **out, cartona_client *c, int64_t page, int64_t per_page,
                                 const char *internal_product_id, const char *supplier_product_id) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_list_products: out is NULL");
  *out = NULL;
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_list_products: NULL client");
  erplink_value *v = NULL;
  int rc = cartona__get_paged(&v, c, "product listing", "supplier-product", page, per_page, "internal_product_id",
                              internal_product_id, "supplier_product_id", supplier_product_id);
  if (rc != 0) return rc;
  if (!v) {
    rc = erplink_value_new_array(&v); /* an empty body: no products */
    if (rc != 0) return rc;
  }
  *out = v;
  return 0;
}

/* ------------------------------------------------------------------ item lists */

struct cartona_items {
  erplink_value **v;
  size_t len, cap;
};

int cartona_items_new(cartona_items **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_items_new: out is NULL");
  *out = calloc(1, sizeof **out);
  return *out ? 0 : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
}

void cartona_items_free(cartona_items *l) {
  if (!l) return;
  for (size_t i = 0; i < l->len; i++) erplink_value_free(l->v[i]);
  free(l->v);
  free(l);
}

size_t cartona_items_count(const cartona_items *l) { return l ? l->len : 0; }

static int items_push(cartona_items *l, erplink_value *v) {
  if (l->len == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 16;
    erplink_value **nv = realloc(l->v, nc * sizeof *nv);
    if (!nv) {
      erplink_value_free(v);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    l->v = nv;
    l->cap = nc;
  }
  l->v[l->len++] = v;
  return 0;
}

int cartona_items_add(size_t *out_index, cartona_items *l) {
  if (!l) return erplink__error_setf(ERPLINK_EINVAL, "cartona_items_add: NULL list");
  erplink_value *st = NULL;
  int rc = erplink_value_new_struct(&st);
  if (rc == 0) rc = items_push(l, st);
  if (rc == 0 && out_index) *out_index = l->len - 1;
  return rc;
}

int cartona_items_add_value(cartona_items *l, const erplink_value *v) {
  if (!l || !v) return erplink__error_setf(ERPLINK_EINVAL, "cartona_items_add_value: NULL argument");
  if (erplink_value_type(v) == ERPLINK_TYPE_STRUCT) {
    erplink_value *c = NULL;
    int rc = erplink_value_clone(&c, v);
    return rc ? rc : items_push(l, c);
  }
  if (erplink_value_type(v) != ERPLINK_TYPE_ARRAY)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona items must be a struct or an array of structs, not %s",
                               erplink_type_name(erplink_value_type(v)));
  size_t n = erplink_value_count(v);
  for (size_t i = 0; i < n; i++)
    if (erplink_value_type(erplink_value_array_at(v, i)) != ERPLINK_TYPE_STRUCT)
      return erplink__error_setf(ERPLINK_EINVAL, "cartona items: element %zu is a %s, not a struct", i,
                                 erplink_type_name(erplink_value_type(erplink_value_array_at(v, i))));
  size_t before = l->len;
  for (size_t i = 0; i < n; i++) {
    erplink_value *c = NULL;
    int rc = erplink_value_clone(&c, erplink_value_array_at(v, i));
    if (rc == 0) rc = items_push(l, c);
    if (rc != 0) { /* all or nothing */
      while (l->len > before) erplink_value_free(l->v[--l->len]);
      return rc;
    }
  }
  return 0;
}

static int item_slot(erplink_value **out, cartona_items *l, size_t i, const char *field) {
  if (!l || !field || !*field) return erplink__error_setf(ERPLINK_EINVAL, "cartona items: NULL list or field name");
  if (i >= l->len) return erplink__error_setf(ERPLINK_ERANGE, "cartona items: no item %zu (count %zu)", i, l->len);
  *out = l->v[i];
  return 0;
}

/* Replaces item i by a copy without the member (item structs are small). */
static int remove_member(cartona_items *l, size_t i, const char *field) {
  erplink_value *st = l->v[i], *n = NULL;
  int rc = erplink_value_new_struct(&n);
  if (rc) return rc;
  for (size_t k = 0; k < erplink_value_count(st); k++) {
    const char *key = NULL;
    key = erplink_value_struct_key_at(st, k);
    const erplink_value *val = erplink_value_struct_value_at(st, k);
    if (strcmp(key, field) == 0) continue;
    erplink_value *cv = NULL;
    rc = erplink_value_clone(&cv, val);
    if (rc == 0) rc = erplink_value_struct_append(n, key, cv);
    if (rc) {
      erplink_value_free(n);
      return rc;
    }
  }
  l->v[i] = n;
  erplink_value_free(st);
  return 0;
}

int cartona_items_set_string(cartona_items *l, size_t i, const char *field, const char *value) {
  erplink_value *st = NULL;
  int rc = item_slot(&st, l, i, field);
  if (rc) return rc;
  if (!value) return remove_member(l, i, field);
  return erplink_value_struct_set_string(st, field, value);
}

int cartona_items_set_int(cartona_items *l, size_t i, const char *field, int64_t value) {
  erplink_value *st = NULL;
  int rc = item_slot(&st, l, i, field);
  return rc ? rc : erplink_value_struct_set_int(st, field, value);
}

int cartona_items_set_double(cartona_items *l, size_t i, const char *field, double value) {
  erplink_value *st = NULL;
  int rc = item_slot(&st, l, i, field);
  return rc ? rc : erplink_value_struct_set_double(st, field, value);
}

int cartona_items_set_bool(cartona_items *l, size_t i, const char *field, int value) {
  erplink_value *st = NULL;
  int rc = item_slot(&st, l, i, field);
  return rc ? rc : erplink_value_struct_set_bool(st, field, value);
}

const erplink_value *cartona_items_at(const cartona_items *l, size_t i) { return l && i < l->len ? l->v[i] : NULL; }

/* ------------------------------------------------------------------ validation */

typedef enum { KIND_PRODUCT, KIND_BASE, KIND_STOCK } bulk_kind;

static const char *const k_id_fields[] = {"supplier_product_id", "internal_product_id", "base_product_id"};

/* An identifier: a non-empty string or an integer. Returns 1 present, 0 absent, -1 invalid. */
static int id_present(const erplink_value *st, const char *key) {
  const erplink_value *v = erplink_value_struct_get(st, key);
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL: return 0;
  case ERPLINK_TYPE_INT: return 1;
  case ERPLINK_TYPE_STRING: {
    size_t n = 0;
    const char *s = NULL;
    erplink_value_get_string(&s, &n, v);
    size_t k = 0;
    while (k < n && s[k] == ' ') k++;
    return k < n ? 1 : -1;
  }
  default: return -1;
  }
}

static bool present(const erplink_value *st, const char *key) {
  return erplink_value_type(erplink_value_struct_get(st, key)) != ERPLINK_TYPE_NIL;
}

/* Returns true when valid; otherwise writes the reason. */
static bool validate_item(bulk_kind kind, const erplink_value *it, char *why, size_t whylen) {
  if (erplink_value_type(it) != ERPLINK_TYPE_STRUCT) {
    snprintf(why, whylen, "item is a %s, not a struct", erplink_type_name(erplink_value_type(it)));
    return false;
  }
  int ids[3];
  for (int k = 0; k < 3; k++) {
    ids[k] = id_present(it, k_id_fields[k]);
    if (ids[k] < 0) {
      snprintf(why, whylen, "%s must be a non-empty string or an integer", k_id_fields[k]);
      return false;
    }
  }
  const erplink_value *unit = erplink_value_struct_get(it, "unit");
  if (unit && erplink_value_type(unit) != ERPLINK_TYPE_NIL) {
    const char *u = NULL;
    if (erplink_value_get_string(&u, NULL, unit) != 0) {
      snprintf(why, whylen, "unit must be a string");
      return false;
    }
    if (!cartona_unit_valid(u)) {
      snprintf(why, whylen, "unit \"%.40s\" is not a Cartona unit", u);
      return false;
    }
  }
  static const char *const k_ints[] = {"unit_count", "available_stock_quantity", "min_order", "max_order",
                                       "remind_me_at_stock"};
  int64_t ivals[5] = {0};
  for (int k = 0; k < 5; k++) {
    const erplink_value *v = erplink_value_struct_get(it, k_ints[k]);
    if (!v || erplink_value_type(v) == ERPLINK_TYPE_NIL) continue;
    if (erplink_value_get_int(&ivals[k], v) != 0) {
      snprintf(why, whylen, "%s must be an integer, not %s", k_ints[k], erplink_type_name(erplink_value_type(v)));
      return false;
    }
    if (ivals[k] < (k == 0 ? 1 : 0)) {
      snprintf(why, whylen, "%s must be >= %d (got %lld)", k_ints[k], k == 0 ? 1 : 0, (long long)ivals[k]);
      return false;
    }
  }
  if (present(it, "min_order") && present(it, "max_order") && ivals[3] < ivals[2]) {
    snprintf(why, whylen, "max_order (%lld) is below min_order (%lld)", (long long)ivals[3], (long long)ivals[2]);
    return false;
  }
  const erplink_value *price = erplink_value_struct_get(it, "selling_price");
  if (price && erplink_value_type(price) != ERPLINK_TYPE_NIL) {
    double d = 0;
    if (erplink_value_type(price) == ERPLINK_TYPE_STRING || erplink_value_get_double(&d, price) != 0) {
      snprintf(why, whylen, "selling_price must be a number");
      return false;
    }
    if (!isfinite(d) || d < 0) {
      snprintf(why, whylen, "selling_price must be a finite number >= 0");
      return false;
    }
  }
  static const char *const k_bools[] = {"in_stock", "is_unlimited_stock", "is_published"};
  for (int k = 0; k < 3; k++) {
    const erplink_value *v = erplink_value_struct_get(it, k_bools[k]);
    if (v && erplink_value_type(v) != ERPLINK_TYPE_NIL && erplink_value_type(v) != ERPLINK_TYPE_BOOL) {
      snprintf(why, whylen, "%s must be a boolean", k_bools[k]);
      return false;
    }
  }
  const erplink_value *notes = erplink_value_struct_get(it, "notes");
  if (notes && erplink_value_type(notes) != ERPLINK_TYPE_NIL && erplink_value_type(notes) != ERPLINK_TYPE_STRING) {
    snprintf(why, whylen, "notes must be a string");
    return false;
  }
  const erplink_value *sc = erplink_value_struct_get(it, "supplier_code");
  if (sc && erplink_value_type(sc) != ERPLINK_TYPE_NIL && id_present(it, "supplier_code") != 1) {
    snprintf(why, whylen, "supplier_code must be an integer or a non-empty string");
    return false;
  }
  switch (kind) {
  case KIND_PRODUCT:
    if (ids[0] || ids[1]) return true;
    if (ids[2] && present(it, "unit") && present(it, "unit_count")) return true;
    snprintf(why, whylen,
             "no identifier: set supplier_product_id, internal_product_id, or base_product_id + "
             "unit + unit_count");
    return false;
  case KIND_BASE:
    if (ids[2]) return true;
    snprintf(why, whylen, "base_product_id is required");
    return false;
  case KIND_STOCK:
    if (!ids[2]) {
      snprintf(why, whylen, "base_product_id is required");
      return false;
    }
    if (!present(it, "available_stock_quantity")) {
      snprintf(why, whylen, "available_stock_quantity is required");
      return false;
    }
    return true;
  }
  return false;
}

/* Text of an identifier member (for matching answers to items); writes into buf. */
static const char *id_text(const erplink_value *st, const char *key, char *buf, size_t len) {
  const erplink_value *v = erplink_value_struct_get(st, key);
  const char *s = NULL;
  int64_t i = 0;
  double d = 0;
  if (erplink_value_get_string(&s, NULL, v) == 0) return s;
  if (erplink_value_get_int(&i, v) == 0) {
    snprintf(buf, len, "%lld", (long long)i);
    return buf;
  }
  if (erplink_value_type(v) == ERPLINK_TYPE_DOUBLE && erplink_value_get_double(&d, v) == 0 && d == floor(d) &&
      fabs(d) < 9e15) {
    snprintf(buf, len, "%lld", (long long)d);
    return buf;
  }
  return NULL;
}

/* 1 the entry names the item, 0 it names another, -1 it carries no comparable identifier. */
static int entry_matches(const erplink_value *entry, const erplink_value *item) {
  int verdict = -1;
  for (int k = 0; k < 3; k++) {
    char b1[32], b2[32];
    const char *a = id_text(entry, k_id_fields[k], b1, sizeof b1);
    const char *b = id_text(item, k_id_fields[k], b2, sizeof b2);
    if (!a || !b) continue;
    if (strcmp(a, b) != 0) return 0;
    verdict = 1;
  }
  return verdict;
}

static const erplink_value *result_array(const erplink_value *v) {
  if (erplink_value_type(v) == ERPLINK_TYPE_ARRAY) return v;
  if (erplink_value_type(v) != ERPLINK_TYPE_STRUCT) return NULL;
  static const char *const keys[] = {"results", "data", "errors", "failed", "items"};
  for (int k = 0; k < 5; k++) {
    const erplink_value *a = erplink_value_struct_get(v, keys[k]);
    if (erplink_value_type(a) == ERPLINK_TYPE_ARRAY) return a;
  }
  return NULL;
}

static bool word_in(const char *s, const char *const *words) {
  for (int k = 0; words[k]; k++)
    if (erplink__ascii_ieq(s, strlen(s), words[k])) return true;
  return false;
}

/* Is the per-item entry a failure? *msg gets the message (malloc'd) for failures. */
static bool entry_failed(const erplink_value *e, char **msg) {
  *msg = NULL;
  if (erplink_value_type(e) != ERPLINK_TYPE_STRUCT) return false;
  static const char *const bad[] = {"error", "failed", "failure", "rejected", "invalid", "fail", NULL};
  bool failed = false, decided = false;
  const erplink_value *st = erplink_value_struct_get(e, "status");
  const char *s = NULL;
  int b = 0;
  if (erplink_value_get_string(&s, NULL, st) == 0) {
    failed = word_in(s, bad);
    decided = true;
  } else if (erplink_value_get_bool(&b, st) == 0) {
    failed = !b;
    decided = true;
  }
  if (!decided && erplink_value_get_bool(&b, erplink_value_struct_get(e, "success")) == 0) {
    failed = !b;
    decided = true;
  }
  if (!decided) {
    const erplink_value *er = erplink_value_struct_get(e, "error");
    if (!er) er = erplink_value_struct_get(e, "errors");
    int eb = 1;
    if (er && erplink_value_type(er) != ERPLINK_TYPE_NIL && !(erplink_value_get_bool(&eb, er) == 0 && !eb) &&
        !(erplink_value_count(er) == 0 &&
          (erplink_value_type(er) == ERPLINK_TYPE_ARRAY || erplink_value_type(er) == ERPLINK_TYPE_STRUCT)))
      failed = true;
  }
  if (!failed) return false;
  static const char *const mkeys[] = {"message", "error", "errors", "reason", "detail"};
  for (int k = 0; k < 5 && !*msg; k++) {
    const erplink_value *m = erplink_value_struct_get(e, mkeys[k]);
    if (!m || erplink_value_type(m) == ERPLINK_TYPE_NIL || erplink_value_type(m) == ERPLINK_TYPE_BOOL) continue;
    if (erplink_value_get_string(&s, NULL, m) == 0)
      *msg = strdup(s);
    else
      erplink_value_dump(msg, m);
  }
  if (!*msg) *msg = strdup("rejected by the server");
  return true;
}

/* ------------------------------------------------------------------ results */

struct cartona_outcome {
  size_t index;
  cartona_item_status status;
  int http;
  const erplink_error *err; /* NULL when updated; owned by the result (a batch's items may share one) */
};

struct cartona_bulk_result {
  size_t n;
  cartona_outcome *o;
  erplink_error **errs; /* every error the outcomes point to */
  size_t nerrs, cap_errs;
  size_t batches;
  size_t attempts;
};

void cartona_bulk_result_free(cartona_bulk_result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->nerrs; i++) erplink_error_free(r->errs[i]);
  free(r->errs);
  free(r->o);
  free(r);
}

size_t cartona_bulk_result_count(const cartona_bulk_result *r) { return r ? r->n : 0; }
const cartona_outcome *cartona_bulk_result_at(const cartona_bulk_result *r, size_t i) {
  return r && i < r->n ? &r->o[i] : NULL;
}
size_t cartona_bulk_result_count_status(const cartona_bulk_result *r, cartona_item_status status) {
  size_t k = 0;
  for (size_t i = 0; r && i < r->n; i++) k += r->o[i].status == status;
  return k;
}
size_t cartona_bulk_result_batches(const cartona_bulk_result *r) { return r ? r->batches : 0; }
size_t cartona_bulk_result_attempts(const cartona_bulk_result *r) { return r ? r->attempts : 0; }

size_t cartona_outcome_index(const cartona_outcome *o) { return o ? o->index : 0; }
cartona_item_status cartona_outcome_status(const cartona_outcome *o) { return o ? o->status : (cartona_item_status)0; }
const char *cartona_outcome_message(const cartona_outcome *o) {
  return o && o->err ? erplink_error_message(o->err) : NULL;
}
const erplink_error *cartona_outcome_error(const cartona_outcome *o) { return o ? o->err : NULL; }
int cartona_outcome_http_status(const cartona_outcome *o) { return o ? o->http : 0; }

static cartona_bulk_result *result_new(size_t n) {
  cartona_bulk_result *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->n = n;
  r->o = calloc(n ? n : 1, sizeof *r->o);
  if (!r->o) {
    free(r);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) r->o[i].index = i;
  return r;
}

/* Makes an error owned by r: code, the given message, and from src (when given) its HTTP status,
 * remote class, detail and retry-after; otherwise the given HTTP status. NULL when out of memory. */
static const erplink_error *result_error(cartona_bulk_result *r, int code, int http, const erplink_error *src,
                                         const char *fmt, ...) ERPLINK_PRINTF(5, 6);
static const erplink_error *result_error(cartona_bulk_result *r, int code, int http, const erplink_error *src,
                                         const char *fmt, ...) {
  if (r->nerrs == r->cap_errs) {
    size_t nc = r->cap_errs ? r->cap_errs * 2 : 16;
    erplink_error **ne = realloc(r->errs, nc * sizeof *ne);
    if (!ne) return NULL;
    r->errs = ne;
    r->cap_errs = nc;
  }
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *detail = src ? erplink_error_detail(src) : NULL;
  erplink__error_setx(code, src ? erplink_error_http_status(src) : http, src ? erplink_error_remote_class(src) : NULL,
                      detail, detail ? strlen(detail) : 0, src ? erplink_error_retry_after_ms(src) : -1, "%s", msg);
  erplink_error *e = erplink__error_take_last(code);
  if (e) r->errs[r->nerrs++] = e;
  return e;
}

/* ------------------------------------------------------------------ engine */

typedef struct batch_slot {
  erplink_buf body;
  erplink_http_request *req; /* non-NULL while the batch is in flight */
} batch_slot;

typedef struct bulk {
  cartona_client *c;
  const char *path;
  const char *name;
  cartona_bulk_result *res;
  const cartona_items *items;
  size_t *valid; /* indexes of the valid items */
  size_t nvalid;
  char **enc; /* encoded JSON per item index (NULL for invalid ones) */
  size_t *enc_len;
  size_t batch_size;
  size_t nbatches;
  batch_slot *slot;  /* per batch */
  size_t next_batch; /* the first batch not yet added to the HTTP batch */
  size_t in_flight;
  size_t done, total;
  cartona_progress_fn progress;
  void *ud;
  const erplink_error *stop_err; /* set by an authentication failure: no further batch starts */
  bool cancelled;                /* a cancellation token fired */
  bool oom;                      /* an outcome could not be recorded: the call fails with ENOMEM */
} bulk;

static size_t batch_count(const bulk *x, size_t b) {
  size_t first = b * x->batch_size;
  return x->nvalid - first < x->batch_size ? x->nvalid - first : x->batch_size;
}

static void set_outcome(bulk *x, size_t idx, cartona_item_status status, int http, const erplink_error *err) {
  cartona_outcome *o = &x->res->o[idx];
  o->status = status;
  o->http = http;
  o->err = err;
  if (status != CARTONA_ITEM_UPDATED && !err) x->oom = true;
}

static void mark_batch(bulk *x, size_t first, size_t count, cartona_item_status status, int http,
                       const erplink_error *err) {
  for (size_t j = 0; j < count; j++) set_outcome(x, x->valid[first + j], status, http, err);
}

/* Applies a per-item answer to batch [first, first+count) of x->valid. Items the answer does not
 * mention get unmentioned_status and unmentioned_err. */
static void apply_answer(bulk *x, size_t first, size_t count, const erplink_value *arr, int http,
                         cartona_item_status unmentioned_status, const erplink_error *unmentioned_err) {
  const erplink_value *const *items = (const erplink_value *const *)x->items->v;
  size_t n = erplink_value_count(arr);
  uint8_t *seen = calloc(count ? count : 1, 1);
  bool positional = n == count;
  for (size_t k = 0; positional && k < n; k++)
    if (entry_matches(erplink_value_array_at(arr, k), items[x->valid[first + k]]) == 0) positional = false;
  for (size_t k = 0; k < n; k++) {
    const erplink_value *e = erplink_value_array_at(arr, k);
    size_t slot = (size_t)-1;
    if (positional) {
      slot = k;
    } else {
      for (size_t j = 0; j < count; j++)
        if ((!seen || !seen[j]) && entry_matches(e, items[x->valid[first + j]]) == 1) {
          slot = j;
          break;
        }
    }
    if (slot == (size_t)-1) continue; /* names no item of this batch */
    if (seen) seen[slot] = 1;
    char *msg = NULL;
    size_t idx = x->valid[first + slot];
    if (entry_failed(e, &msg))
      set_outcome(x, idx, CARTONA_ITEM_REJECTED, http,
                  result_error(x->res, ERPLINK_EVALIDATION, http, NULL, "%s", msg ? msg : "rejected"));
    else
      set_outcome(x, idx, CARTONA_ITEM_UPDATED, http, NULL);
    free(msg);
  }
  for (size_t j = 0; j < count; j++)
    if (!seen || !seen[j]) set_outcome(x, x->valid[first + j], unmentioned_status, http, unmentioned_err);
  free(seen);
}

/* Decides the items of batch b from the body of an answer: item by item when it holds a
 * per-item array, else all with `status` / `err`. */
static void apply_body(bulk *x, size_t b, const erplink_http_response *resp, int http, cartona_item_status status,
                       const erplink_error *err) {
  size_t first = b * x->batch_size, count = batch_count(x, b);
  size_t len = 0;
  const char *txt = erplink_http_response_body(resp, &len);
  erplink_value *v = NULL;
  const erplink_value *arr = NULL;
  if (len && erplink_json_decode(&v, txt, len, NULL) == 0) arr = result_array(v);
  if (arr)
    apply_answer(x, first, count, arr, http, status, err);
  else /* {} / empty / another shape: the batch is decided as a whole */
    mark_batch(x, first, count, status, http, err);
  erplink_value_free(v);
}

/* Attempts made for a request: the response says; without one, the core's message ends with
 * "(after N attempts)" when there was more than one. */
static size_t attempts_of(const erplink_http_response *resp, const erplink_error *err) {
  if (resp) return (size_t)erplink_http_response_attempts(resp);
  const char *m = strstr(erplink_error_message(err), "(after ");
  unsigned long k = 0;
  if (m && sscanf(m, "(after %lu attempts)", &k) == 1 && k > 1 && k <= 100) return k;
  return 1;
}

/* A batch is over (rc, err, resp as the HTTP batch reported them; err NULL when rc == 0). */
static void batch_over(bulk *x, size_t b, int rc, const erplink_error *err, const erplink_http_response *resp,
                       size_t attempts) {
  size_t first = b * x->batch_size, count = batch_count(x, b);
  int http = erplink_http_response_status(resp);
  const erplink__logger *lg = cartona__logger(x->c);
  x->res->attempts += attempts;
  const erplink_error *html = NULL;
  if (rc == 0 && erplink_http_response_is_html(resp)) {
    /* A 2xx HTML page (a proxy or login page) is not Cartona's answer: nothing is confirmed. */
    rc = ERPLINK_EPROTOCOL;
    html = result_error(x->res, rc, http, NULL,
                        "cartona answered HTTP %d with an HTML page, not JSON: the update is not confirmed", http);
    err = html;
    if (!html) x->oom = true;
  }
  if (rc == 0) {
    apply_body(x, b, resp, http, CARTONA_ITEM_UPDATED, NULL);
    if (erplink__log_on(lg, ERPLINK_LOG_DEBUG))
      erplink__logf(lg, ERPLINK_LOG_DEBUG, "cartona %s: batch %zu/%zu (%zu items) accepted, HTTP %d, %zu attempt(s)",
                    x->name, b + 1, x->nbatches, count, http, attempts);
    return;
  }
  char msg[1024];
  snprintf(msg, sizeof msg, "%s", erplink_error_message(err));
  const char *detail = erplink_error_detail(err);
  if (detail && *detail && http) {
    size_t ml = strlen(msg);
    snprintf(msg + ml, sizeof msg - ml, ": %.400s", detail);
  }
  erplink_error_category cat = erplink_error_category_of(rc);
  bool refused = http >= 400 && http < 500 &&
                 (cat == ERPLINK_CAT_HTTP || cat == ERPLINK_CAT_VALIDATION || cat == ERPLINK_CAT_NOTFOUND);
  if (refused) {
    /* The server refused the batch: item by item when the body says so, else as a whole. */
    apply_body(x, b, resp, http, CARTONA_ITEM_REJECTED, result_error(x->res, rc, http, err, "%s", msg));
  } else {
    if ((cat == ERPLINK_CAT_AUTH || cat == ERPLINK_CAT_ACCESS) && !x->stop_err) {
      /* Every further batch would fail the same way: stop sending. */
      x->stop_err =
          result_error(x->res, rc, http, err, "not sent: an earlier batch failed authentication (%.400s)", msg);
      if (!x->stop_err) x->oom = true;
    }
    if (cat == ERPLINK_CAT_CANCELLED) x->cancelled = true;
    mark_batch(x, first, count, CARTONA_ITEM_NOT_SENT, http, result_error(x->res, rc, http, err, "not sent: %s", msg));
  }
  if (erplink__log_on(lg, ERPLINK_LOG_WARN))
    erplink__logf(lg, ERPLINK_LOG_WARN, "cartona %s: batch %zu/%zu (%zu items) failed: %s (%s)", x->name, b + 1,
                  x->nbatches, count, msg, erplink_error_category_name(cat));
}

static void slot_release(batch_slot *s) {
  erplink_http_request_free(s->req);
  s->req = NULL;
  erplink_buf_free(&s->body);
}

/* Records that batch b is over: its slot is released and progress reported. */
static void batch_done(bulk *x, size_t b) {
  slot_release(&x->slot[b]);
  x->in_flight--;
  x->done += batch_count(x, b);
  if (x->progress) x->progress(x->done, x->total, x->ud);
}

/* Builds batch b's request and adds it to the HTTP batch; a batch that cannot be built is over
 * at once (not sent). */
static void batch_add(bulk *x, erplink_http_batch *hb, size_t b) {
  size_t first = b * x->batch_size, count = batch_count(x, b);
  batch_slot *s = &x->slot[b];
  erplink_buf_putc(&s->body, '[');
  for (size_t j = 0; j < count; j++) {
    size_t idx = x->valid[first + j];
    if (j) erplink_buf_putc(&s->body, ',');
    erplink_buf_put(&s->body, x->enc[idx], x->enc_len[idx]);
  }
  erplink_buf_putc(&s->body, ']');
  char *url = s->body.oom ? NULL : cartona__url(x->c, x->path);
  int rc = url ? cartona__request(&s->req, x->c, "POST", url) : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  free(url);
  if (rc == 0) rc = erplink_http_request_set_body_borrowed(s->req, s->body.ptr, s->body.len);
  if (rc == 0) rc = erplink_http_request_set_idempotent(s->req, 1); /* updates are idempotent per product */
  if (rc == 0) rc = erplink_http_batch_add(hb, s->req, b);
  x->in_flight++;
  if (rc != 0) {
    batch_over(x, b, rc, erplink_error_last(), NULL, 0);
    batch_done(x, b);
  }
}

/* Encodes one item, adding the client's supplier_code when the item has none. */
static int encode_item(char **out, size_t *out_len, const cartona_client *c, const erplink_value *it) {
  char *js = NULL;
  size_t n = 0;
  int rc = erplink_json_encode(&js, &n, it);
  if (rc) return rc;
  if (c->supplier_code > 0 && !erplink_value_struct_get(it, "supplier_code") && n >= 2) {
    char extra[48];
    int k = snprintf(extra, sizeof extra, "%s\"supplier_code\":%lld", n > 2 ? "," : "", (long long)c->supplier_code);
    char *d = malloc(n + (size_t)k + 1);
    if (!d) {
      erplink_free(js);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    memcpy(d, js, n - 1);
    memcpy(d + n - 1, extra, (size_t)k);
    d[n - 1 + (size_t)k] = '}';
    d[n + (size_t)k] = '\0';
    erplink_free(js);
    *out = d;
    *out_len = n + (size_t)k;
    return 0;
  }
  *out = malloc(n + 1);
  if (!*out) {
    erplink_free(js);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  memcpy(*out, js, n + 1);
  erplink_free(js);
  *out_len = n;
  return 0;
}

/* Validates and encodes every item: invalid ones are rejected locally, valid ones listed. */
static int bulk_prepare(bulk *x, bulk_kind kind) {
  for (size_t i = 0; i < x->items->len; i++) {
    char why[256];
    if (!validate_item(kind, x->items->v[i], why, sizeof why)) {
      set_outcome(x, i, CARTONA_ITEM_REJECTED_LOCALLY, 0,
                  result_error(x->res, ERPLINK_EVALIDATION, 0, NULL, "rejected locally: %s", why));
      x->done++;
      continue;
    }
    int er = encode_item(&x->enc[i], &x->enc_len[i], x->c, x->items->v[i]);
    if (er == ERPLINK_ENOMEM) return er;
    if (er != 0) { /* e.g. a NaN hidden in an unknown member */
      const char *why_enc = erplink_error_message(erplink_error_last());
      set_outcome(x, i, CARTONA_ITEM_REJECTED_LOCALLY, 0,
                  result_error(x->res, er, 0, NULL, "rejected locally: %s", why_enc));
      x->done++;
    } else {
      x->valid[x->nvalid++] = i;
    }
  }
  return x->oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory") : 0;
}

/* Sends every batch through one HTTP batch, keeping up to `concurrency` in flight, until all
 * are over, an authentication failure stops the sending, or a cancellation token fires. */
static int bulk_send(bulk *x) {
  erplink_http_batch *hb = NULL;
  int rc = erplink_http_batch_new(&hb, x->c->http, x->c->concurrency);
  if (rc) return rc;
  const erplink_error *abandoned = NULL; /* a batch-level failure: what is left is not sent */
  for (;;) {
    while (x->in_flight < (size_t)x->c->concurrency && x->next_batch < x->nbatches && !x->stop_err && !x->cancelled) {
      if (erplink__cancel_requested()) {
        x->cancelled = true;
        break;
      }
      batch_add(x, hb, x->next_batch++);
    }
    if (!x->in_flight) break;
    erplink_http_batch_item *it = NULL;
    int brc = erplink_http_batch_next(&it, hb);
    if (brc) { /* ENOMEM or a libcurl multi failure: the requests in flight are abandoned */
      abandoned = result_error(x->res, brc, 0, erplink_error_last(), "not sent: %s",
                               erplink_error_message(erplink_error_last()));
      for (size_t b = 0; b < x->next_batch; b++)
        if (x->slot[b].req) {
          mark_batch(x, b * x->batch_size, batch_count(x, b), CARTONA_ITEM_NOT_SENT, 0, abandoned);
          batch_done(x, b);
        }
      break;
    }
    if (!it) break; /* not reached: every request added comes out */
    size_t b = erplink_http_batch_item_tag(it);
    const erplink_http_response *resp = erplink_http_batch_item_response(it);
    const erplink_error *err = erplink_http_batch_item_error(it);
    batch_over(x, b, erplink_http_batch_item_code(it), err, resp, attempts_of(resp, err));
    erplink_http_batch_item_free(it);
    batch_done(x, b);
  }
  erplink_http_batch_free(hb);
  /* Batches never started: stopped by an authentication failure, a cancellation or an abandon. */
  if (x->next_batch < x->nbatches) {
    const erplink_error *why = x->stop_err ? x->stop_err : abandoned;
    if (!why) why = result_error(x->res, ERPLINK_ECANCELLED, 0, NULL, "not sent: cancelled");
    for (size_t b = x->next_batch; b < x->nbatches; b++) {
      mark_batch(x, b * x->batch_size, batch_count(x, b), CARTONA_ITEM_NOT_SENT, 0, why);
      x->done += batch_count(x, b);
    }
    x->next_batch = x->nbatches;
    if (x->progress) x->progress(x->done, x->total, x->ud);
  }
  return 0;
}

static int bulk_run(cartona_bulk_result **out, cartona_client *c, const cartona_items *items, bulk_kind kind,
                    cartona_progress_fn progress, void *userdata) {
  static const char *const paths[] = {"supplier-product/bulk-update", "supplier-product/base-product/bulk-update",
                                      "supplier-product/base-product/bulk-update-stock"};
  static const char *const names[] = {"bulk-update", "base-product bulk-update", "bulk-update-stock"};
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona bulk update: out is NULL");
  *out = NULL;
  if (!c || !items) return erplink__error_setf(ERPLINK_EINVAL, "cartona bulk update: NULL client or items");
  size_t n = items->len;
  bulk x;
  memset(&x, 0, sizeof x);
  x.c = c;
  x.path = paths[kind];
  x.name = names[kind];
  x.items = items;
  x.total = n;
  x.progress = progress;
  x.ud = userdata;
  x.batch_size = (size_t)c->batch_size;
  x.res = result_new(n);
  x.valid = malloc((n ? n : 1) * sizeof *x.valid);
  x.enc = calloc(n ? n : 1, sizeof *x.enc);
  x.enc_len = calloc(n ? n : 1, sizeof *x.enc_len);
  int rc = x.res && x.valid && x.enc && x.enc_len ? 0 : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0) rc = bulk_prepare(&x, kind);
  if (rc == 0) {
    x.nbatches = (x.nvalid + x.batch_size - 1) / x.batch_size;
    x.res->batches = x.nbatches;
    x.slot = calloc(x.nbatches ? x.nbatches : 1, sizeof *x.slot);
    rc = x.slot ? 0 : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  if (rc == 0 && x.nbatches) rc = bulk_send(&x);
  if (rc == 0 && x.oom) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory recording the outcomes");
  for (size_t i = 0; x.enc && i < n; i++) free(x.enc[i]);
  free(x.enc);
  free(x.enc_len);
  free(x.valid);
  free(x.slot);
  if (rc != 0) {
    cartona_bulk_result_free(x.res);
    return rc;
  }
  cartona_bulk_result *res = x.res;
  size_t not_sent = cartona_bulk_result_count_status(res, CARTONA_ITEM_NOT_SENT);
  const erplink__logger *lg = cartona__logger(c);
  if (erplink__log_on(lg, ERPLINK_LOG_INFO))
    erplink__logf(
        lg, ERPLINK_LOG_INFO,
        "cartona %s: %zu items in %zu batches: %zu updated, %zu rejected, %zu rejected locally, %zu not sent%s",
        names[kind], n, res->batches, cartona_bulk_result_count_status(res, CARTONA_ITEM_UPDATED),
        cartona_bulk_result_count_status(res, CARTONA_ITEM_REJECTED),
        cartona_bulk_result_count_status(res, CARTONA_ITEM_REJECTED_LOCALLY), not_sent,
        x.cancelled ? " (cancelled)" : "");
  *out = res;
  if (x.cancelled)
    return erplink__error_setf(ERPLINK_ECANCELLED, "cartona %s cancelled: %zu of %zu items not sent", names[kind],
                               not_sent, n);
  erplink_error_clear();
  return 0;
}

int cartona_client_update_products(cartona_bulk_result **out, cartona_client *c, const cartona_items *items,
                                   cartona_progress_fn progress, void *userdata) {
  return bulk_run(out, c, items, KIND_PRODUCT, progress, userdata);
}

int cartona_client_update_base_products(cartona_bulk_result **out, cartona_client *c, const cartona_items *items,
                                        cartona_progress_fn progress, void *userdata) {
  return bulk_run(out, c, items, KIND_BASE, progress, userdata);
}

int cartona_client_update_stock(cartona_bulk_result **out, cartona_client *c, const cartona_items *items,
                                cartona_progress_fn progress, void *userdata) {
  return bulk_run(out, c, items, KIND_STOCK, progress, userdata);
}
