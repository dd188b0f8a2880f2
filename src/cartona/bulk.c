/* Cartona item lists and the one bulk-update engine behind supplier-product/bulk-update,
 * supplier-product/base-product/bulk-update and .../bulk-update-stock: local validation,
 * batching, concurrent sending over the client's shared HTTP client, per-item outcomes. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"
#include "erplink/json.h"

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
    if (erplink_value_type(erplink_value_array_get(v, i)) != ERPLINK_TYPE_STRUCT)
      return erplink__error_setf(ERPLINK_EINVAL, "cartona items: element %zu is a %s, not a struct", i,
                                 erplink_type_name(erplink_value_type(erplink_value_array_get(v, i))));
  size_t before = l->len;
  for (size_t i = 0; i < n; i++) {
    erplink_value *c = NULL;
    int rc = erplink_value_clone(&c, erplink_value_array_get(v, i));
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
    const erplink_value *val = erplink_value_struct_at(st, k, &key, NULL);
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

const erplink_value *cartona_items_get(const cartona_items *l, size_t i) {
  return l && i < l->len ? l->v[i] : NULL;
}

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
      snprintf(why, whylen, "no identifier: set supplier_product_id, internal_product_id, or base_product_id + "
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

/* ------------------------------------------------------------------ results */

struct cartona_bulk_result {
  size_t n;
  uint8_t *status;
  int *code;
  int *http;
  int64_t *retry_after;
  char **msg;
  size_t batches;
  size_t attempts;
};

void cartona_bulk_result_free(cartona_bulk_result *r) {
  if (!r) return;
  for (size_t i = 0; r->msg && i < r->n; i++) free(r->msg[i]);
  free(r->msg);
  free(r->status);
  free(r->code);
  free(r->http);
  free(r->retry_after);
  free(r);
}

size_t cartona_bulk_result_count(const cartona_bulk_result *r) { return r ? r->n : 0; }

size_t cartona_bulk_result_count_status(const cartona_bulk_result *r, int status) {
  size_t k = 0;
  for (size_t i = 0; r && i < r->n; i++) k += r->status[i] == status;
  return k;
}

int cartona_bulk_result_status(const cartona_bulk_result *r, size_t i) { return r && i < r->n ? r->status[i] : 0; }
const char *cartona_bulk_result_message(const cartona_bulk_result *r, size_t i) {
  return r && i < r->n ? r->msg[i] : NULL;
}
int cartona_bulk_result_error_code(const cartona_bulk_result *r, size_t i) { return r && i < r->n ? r->code[i] : 0; }
cartona_error_class cartona_bulk_result_error_class(const cartona_bulk_result *r, size_t i) {
  return cartona_error_class_of(cartona_bulk_result_error_code(r, i));
}
int cartona_bulk_result_http_status(const cartona_bulk_result *r, size_t i) { return r && i < r->n ? r->http[i] : 0; }
int64_t cartona_bulk_result_retry_after_ms(const cartona_bulk_result *r, size_t i) {
  return r && i < r->n ? r->retry_after[i] : -1;
}
size_t cartona_bulk_result_batches(const cartona_bulk_result *r) { return r ? r->batches : 0; }
size_t cartona_bulk_result_attempts(const cartona_bulk_result *r) { return r ? r->attempts : 0; }

static cartona_bulk_result *result_new(size_t n) {
  cartona_bulk_result *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  size_t m = n ? n : 1;
  r->n = n;
  r->status = calloc(m, 1);
  r->code = calloc(m, sizeof *r->code);
  r->http = calloc(m, sizeof *r->http);
  r->retry_after = malloc(m * sizeof *r->retry_after);
  r->msg = calloc(m, sizeof *r->msg);
  if (!r->status || !r->code || !r->http || !r->retry_after || !r->msg) {
    cartona_bulk_result_free(r);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) r->retry_after[i] = -1;
  return r;
}

/* Items of one call are written by one batch only (distinct indexes): no lock needed. */
static void set_outcome(cartona_bulk_result *r, size_t i, int status, int code, int http, int64_t retry_after,
                        const char *msg) {
  r->status[i] = (uint8_t)status;
  r->code[i] = code;
  r->http[i] = http;
  r->retry_after[i] = retry_after;
  free(r->msg[i]);
  r->msg[i] = msg ? strdup(msg) : NULL;
  if (msg && !r->msg[i]) r->msg[i] = NULL; /* out of memory: the status still stands */
}

/* ------------------------------------------------------------------ engine */

typedef struct bulk_ctx {
  cartona_client *c;
  const char *path;
  const char *endpoint_name;
  cartona_bulk_result *res;
  const cartona_items *items;
  size_t *valid;      /* indexes of valid items */
  size_t nvalid;
  char **enc;         /* encoded JSON per item index (NULL for invalid ones) */
  size_t *enc_len;
  size_t batch_size;
  size_t nbatches;
  uint8_t *batch_done;
  pthread_mutex_t mu; /* serialises callbacks and the shared counters below */
  size_t done;
  size_t total;
  cartona_progress_fn progress;
  cartona_cancel_fn cancel;
  void *ud;
  atomic_int stop;
  int stop_code;
  char stop_msg[512];
  size_t attempts;
} bulk_ctx;

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
    if (er && erplink_value_type(er) != ERPLINK_TYPE_NIL &&
        !(erplink_value_get_bool(&eb, er) == 0 && !eb) && !(erplink_value_count(er) == 0 &&
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

/* Applies a per-item answer to batch [first, first+count) of ctx->valid.
 * unmentioned_status: the status of items the answer does not mention. */
static void apply_answer(bulk_ctx *x, size_t first, size_t count, const erplink_value *arr, int http,
                         int unmentioned_status, int unmentioned_code, const char *unmentioned_msg) {
  const erplink_value *const *items = (const erplink_value *const *)x->items->v;
  size_t n = erplink_value_count(arr);
  uint8_t *seen = calloc(count ? count : 1, 1);
  bool positional = n == count;
  for (size_t k = 0; positional && k < n; k++)
    if (entry_matches(erplink_value_array_get(arr, k), items[x->valid[first + k]]) == 0) positional = false;
  for (size_t k = 0; k < n; k++) {
    const erplink_value *e = erplink_value_array_get(arr, k);
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
      set_outcome(x->res, idx, CARTONA_ITEM_REJECTED, ERPLINK_EVALIDATION, http, -1, msg ? msg : "rejected");
    else
      set_outcome(x->res, idx, CARTONA_ITEM_UPDATED, 0, http, -1, NULL);
    free(msg);
  }
  for (size_t j = 0; j < count; j++) {
    if (seen && seen[j]) continue;
    size_t idx = x->valid[first + j];
    set_outcome(x->res, idx, unmentioned_status, unmentioned_code, http, -1, unmentioned_msg);
  }
  free(seen);
}

static void mark_batch(bulk_ctx *x, size_t first, size_t count, int status, int code, int http, int64_t ra,
                       const char *msg) {
  for (size_t j = 0; j < count; j++) set_outcome(x->res, x->valid[first + j], status, code, http, ra, msg);
}

static void batch_finished(bulk_ctx *x, size_t b, size_t count, size_t attempts) {
  pthread_mutex_lock(&x->mu);
  x->batch_done[b] = 1;
  x->done += count;
  x->attempts += attempts;
  if (x->progress) x->progress(x->done, x->total, x->ud);
  pthread_mutex_unlock(&x->mu);
}

static void send_batch(size_t b, void *ud) {
  bulk_ctx *x = ud;
  size_t first = b * x->batch_size;
  size_t count = x->nvalid - first < x->batch_size ? x->nvalid - first : x->batch_size;

  /* Cancellation and stop (auth failure) are decided before the batch starts. */
  pthread_mutex_lock(&x->mu);
  if (!atomic_load(&x->stop) && x->cancel && x->cancel(x->ud)) {
    x->stop_code = ERPLINK_ECANCELLED;
    snprintf(x->stop_msg, sizeof x->stop_msg, "not sent: cancelled");
    atomic_store(&x->stop, 1);
  }
  int stopped = atomic_load(&x->stop);
  int scode = x->stop_code;
  char smsg[sizeof x->stop_msg];
  memcpy(smsg, x->stop_msg, sizeof smsg);
  pthread_mutex_unlock(&x->mu);
  if (stopped) {
    mark_batch(x, first, count, CARTONA_ITEM_NOT_SENT, scode, 0, -1, smsg);
    batch_finished(x, b, count, 0);
    return;
  }

  erplink_buf body = ERPLINK_BUF_INIT;
  erplink_buf_putc(&body, '[');
  for (size_t j = 0; j < count; j++) {
    size_t idx = x->valid[first + j];
    if (j) erplink_buf_putc(&body, ',');
    erplink_buf_put(&body, x->enc[idx], x->enc_len[idx]);
  }
  erplink_buf_putc(&body, ']');

  char *url = body.oom ? NULL : cartona__url(x->c, x->path);
  erplink_http_request *req = NULL;
  int rc = url ? cartona__request(&req, x->c, "POST", url) : ERPLINK_ENOMEM;
  free(url);
  if (rc == 0) rc = erplink_http_request_set_body_borrowed(req, body.ptr, body.len);
  if (rc == 0) rc = erplink_http_request_set_idempotent(req, 1); /* updates are idempotent per product */
  erplink_http_response *resp = NULL;
  bool sent = false;
  if (rc == 0) {
    rc = erplink_http_client_send(&resp, x->c->http, req);
    sent = true;
  }
  size_t attempts = resp ? (size_t)erplink_http_response_attempts(resp) : (sent ? 1 : 0);
  if (!resp && sent && rc != 0) { /* no answer: the core's message ends with "(after N attempts)" */
    const char *m = strstr(erplink_error_message(erplink_error_last()), "(after ");
    unsigned long k = 0;
    if (m && sscanf(m, "(after %lu attempts)", &k) == 1 && k > 1 && k <= 100) attempts = k;
  }
  int http = erplink_http_response_status(resp);
  if (rc == 0 && erplink_http_response_is_html(resp)) {
    /* A 2xx HTML page (a proxy or login page) is not Cartona's answer: nothing is confirmed. */
    rc = erplink__error_setx(ERPLINK_EPROTOCOL, http, NULL, NULL, 0, -1,
                             "cartona answered HTTP %d with an HTML page, not JSON: the update is not confirmed",
                             http);
  }
  const erplink__logger *lg = cartona__logger(x->c);

  if (rc == 0) {
    size_t len = 0;
    const char *txt = erplink_http_response_body(resp, &len);
    erplink_value *v = NULL;
    const erplink_value *arr = NULL;
    if (len && erplink_json_decode(&v, txt, len, NULL) == 0) arr = result_array(v);
    if (arr)
      apply_answer(x, first, count, arr, http, CARTONA_ITEM_UPDATED, 0, NULL);
    else /* {} / empty / another shape: the batch was accepted as a whole */
      mark_batch(x, first, count, CARTONA_ITEM_UPDATED, 0, http, -1, NULL);
    erplink_value_free(v);
    if (erplink__log_on(lg, ERPLINK_LOG_DEBUG))
      erplink__logf(lg, ERPLINK_LOG_DEBUG, "cartona %s: batch %zu/%zu (%zu items) accepted, HTTP %d, %zu attempt(s)",
                    x->endpoint_name, b + 1, x->nbatches, count, http, attempts);
  } else {
    const erplink_error *e = erplink_error_last();
    int code = rc;
    int64_t ra = erplink_error_retry_after_ms(e);
    const char *detail = erplink_error_detail(e);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", erplink_error_message(e));
    if (detail && *detail && http) {
      size_t ml = strlen(msg);
      snprintf(msg + ml, sizeof msg - ml, ": %.400s", detail);
    }
    cartona_error_class cls = cartona_error_class_of(code);
    if (cls == CARTONA_ERRCLASS_DATA && http >= 400 && http < 500) {
      /* The server refused the batch: per item when the body says so, else as a whole. */
      size_t len = 0;
      const char *txt = erplink_http_response_body(resp, &len);
      erplink_value *v = NULL;
      const erplink_value *arr = NULL;
      if (len && erplink_json_decode(&v, txt, len, NULL) == 0) arr = result_array(v);
      if (arr)
        apply_answer(x, first, count, arr, http, CARTONA_ITEM_REJECTED, code, msg);
      else
        mark_batch(x, first, count, CARTONA_ITEM_REJECTED, code, http, -1, msg);
      erplink_value_free(v);
    } else {
      char nmsg[1100];
      snprintf(nmsg, sizeof nmsg, "not sent: %s", msg);
      if (cls == CARTONA_ERRCLASS_AUTH) {
        /* Every further batch would fail the same way: stop sending. */
        pthread_mutex_lock(&x->mu);
        if (!atomic_load(&x->stop)) {
          x->stop_code = code;
          snprintf(x->stop_msg, sizeof x->stop_msg, "not sent: an earlier batch failed authentication (%.400s)", msg);
          atomic_store(&x->stop, 1);
        }
        pthread_mutex_unlock(&x->mu);
      }
      mark_batch(x, first, count, CARTONA_ITEM_NOT_SENT, code, http, ra, nmsg);
    }
    if (erplink__log_on(lg, ERPLINK_LOG_WARN))
      erplink__logf(lg, ERPLINK_LOG_WARN, "cartona %s: batch %zu/%zu (%zu items) failed: %s (%s)", x->endpoint_name,
                    b + 1, x->nbatches, count, msg, cartona_error_class_name(cls));
  }
  erplink_http_response_free(resp);
  erplink_http_request_free(req);
  erplink_buf_free(&body);
  batch_finished(x, b, count, attempts);
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

static int bulk_run(cartona_bulk_result **out, cartona_client *c, const cartona_items *items, bulk_kind kind,
                    cartona_progress_fn progress, cartona_cancel_fn cancel, void *userdata) {
  static const char *const paths[] = {"supplier-product/bulk-update", "supplier-product/base-product/bulk-update",
                                      "supplier-product/base-product/bulk-update-stock"};
  static const char *const names[] = {"bulk-update", "base-product bulk-update", "bulk-update-stock"};
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona bulk update: out is NULL");
  *out = NULL;
  if (!c || !items) return erplink__error_setf(ERPLINK_EINVAL, "cartona bulk update: NULL client or items");
  size_t n = items->len;
  cartona_bulk_result *res = result_new(n);
  bulk_ctx x;
  memset(&x, 0, sizeof x);
  x.c = c;
  x.path = paths[kind];
  x.endpoint_name = names[kind];
  x.res = res;
  x.items = items;
  x.total = n;
  x.progress = progress;
  x.cancel = cancel;
  x.ud = userdata;
  x.batch_size = (size_t)c->batch_size;
  atomic_init(&x.stop, 0);
  x.valid = malloc((n ? n : 1) * sizeof *x.valid);
  x.enc = calloc(n ? n : 1, sizeof *x.enc);
  x.enc_len = calloc(n ? n : 1, sizeof *x.enc_len);
  if (!res || !x.valid || !x.enc || !x.enc_len || pthread_mutex_init(&x.mu, NULL) != 0) {
    cartona_bulk_result_free(res);
    free(x.valid);
    free(x.enc);
    free(x.enc_len);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    char why[256];
    if (!validate_item(kind, items->v[i], why, sizeof why)) {
      char msg[300];
      snprintf(msg, sizeof msg, "rejected locally: %s", why);
      set_outcome(res, i, CARTONA_ITEM_REJECTED_LOCALLY, ERPLINK_EVALIDATION, 0, -1, msg);
      x.done++;
      continue;
    }
    int er = encode_item(&x.enc[i], &x.enc_len[i], c, items->v[i]);
    if (er == ERPLINK_ENOMEM) {
      rc = er;
    } else if (er != 0) { /* e.g. a NaN hidden in an unknown member */
      char msg[600];
      snprintf(msg, sizeof msg, "rejected locally: %s", erplink_error_message(erplink_error_last()));
      set_outcome(res, i, CARTONA_ITEM_REJECTED_LOCALLY, er, 0, -1, msg);
      x.done++;
    } else {
      x.valid[x.nvalid++] = i;
    }
  }
  if (rc == 0) {
    x.nbatches = (x.nvalid + x.batch_size - 1) / x.batch_size;
    x.batch_done = calloc(x.nbatches ? x.nbatches : 1, 1);
    if (!x.batch_done) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  if (rc == 0) {
    res->batches = x.nbatches;
    erplink__parallel_for(x.nbatches, c->concurrency, send_batch, &x, &x.stop);
    /* Batches never started (cancelled, or stopped after an auth failure). */
    bool any = false;
    for (size_t b = 0; b < x.nbatches; b++) {
      if (x.batch_done[b]) continue;
      size_t first = b * x.batch_size;
      size_t count = x.nvalid - first < x.batch_size ? x.nvalid - first : x.batch_size;
      mark_batch(&x, first, count, CARTONA_ITEM_NOT_SENT, x.stop_code ? x.stop_code : ERPLINK_ECANCELLED, 0, -1,
                 x.stop_msg[0] ? x.stop_msg : "not sent: cancelled");
      x.done += count;
      any = true;
    }
    if (any && progress) progress(x.done, x.total, userdata);
    res->attempts = x.attempts;
  }
  for (size_t i = 0; i < n; i++) free(x.enc[i]);
  free(x.enc);
  free(x.enc_len);
  free(x.valid);
  free(x.batch_done);
  pthread_mutex_destroy(&x.mu);
  if (rc != 0) {
    cartona_bulk_result_free(res);
    return rc;
  }
  const erplink__logger *lg = cartona__logger(c);
  if (erplink__log_on(lg, ERPLINK_LOG_INFO))
    erplink__logf(lg, ERPLINK_LOG_INFO,
                  "cartona %s: %zu items in %zu batches: %zu updated, %zu rejected, %zu rejected locally, %zu not sent",
                  names[kind], n, res->batches, cartona_bulk_result_count_status(res, CARTONA_ITEM_UPDATED),
                  cartona_bulk_result_count_status(res, CARTONA_ITEM_REJECTED),
                  cartona_bulk_result_count_status(res, CARTONA_ITEM_REJECTED_LOCALLY),
                  cartona_bulk_result_count_status(res, CARTONA_ITEM_NOT_SENT));
  erplink_error_clear();
  *out = res;
  return 0;
}

int cartona_client_update_products(cartona_bulk_result **out, cartona_client *c, const cartona_items *items,
                                   cartona_progress_fn progress, cartona_cancel_fn cancel, void *userdata) {
  return bulk_run(out, c, items, KIND_PRODUCT, progress, cancel, userdata);
}

int cartona_client_update_base_products(cartona_bulk_result **out, cartona_client *c, const cartona_items *items,
                                        cartona_progress_fn progress, cartona_cancel_fn cancel, void *userdata) {
  return bulk_run(out, c, items, KIND_BASE, progress, cancel, userdata);
}

int cartona_client_update_stock(cartona_bulk_result **out, cartona_client *c, const cartona_items *items,
                                cartona_progress_fn progress, cartona_cancel_fn cancel, void *userdata) {
  return bulk_run(out, c, items, KIND_STOCK, progress, cancel, userdata);
}
