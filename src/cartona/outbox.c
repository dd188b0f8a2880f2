/* The Cartona flush of an erplink_outbox: enqueue product updates keyed by product, then claim
 * a batch, send it through the bulk-update engine (bulk.c) and record each item's outcome
 * (see cartona_outbox_enqueue() and cartona_outbox_flush() in include/erplink/cartona.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"
#include "erplink/json.h"
#include "erplink/store.h"

struct cartona_flush_report {
  size_t claimed, updated, retrying, dead, released, stale;
};

/* The outbox key of an item: its first identifier ("s:", "i:", "b:" + base id, with
 * "|unit|unit_count" when both are set), so that updates of one product coalesce. */
static int item_key(char **out, const erplink_value *item) {
  static const struct {
    const char *field, *prefix;
  } ids[] = {{"supplier_product_id", "s:"}, {"internal_product_id", "i:"}, {"base_product_id", "b:"}};
  for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
    char *t = cartona__scalar_text(erplink_value_struct_get(item, ids[k].field));
    if (!t) continue;
    if (!*t) {
      free(t);
      continue;
    }
    erplink_buf b = ERPLINK_BUF_INIT;
    erplink_buf_printf(&b, "%s%s", ids[k].prefix, t);
    free(t);
    if (k == 2) {
      char *unit = cartona__scalar_text(erplink_value_struct_get(item, "unit"));
      char *count = cartona__scalar_text(erplink_value_struct_get(item, "unit_count"));
      if (unit && count) erplink_buf_printf(&b, "|%s|%s", unit, count);
      free(unit);
      free(count);
    }
    if (b.oom) {
      erplink_buf_free(&b);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    *out = erplink_buf_detach(&b, NULL);
    return 0;
  }
  return erplink__error_setf(ERPLINK_EINVAL, "cartona_outbox_enqueue: the item has no supplier_product_id, "
                                             "internal_product_id or base_product_id");
}

int cartona_outbox_enqueue(erplink_outbox *ob, const erplink_value *item, int64_t now_ms) {
  if (!ob || !item) return erplink__error_setf(ERPLINK_EINVAL, "cartona_outbox_enqueue: NULL argument");
  if (erplink_value_type(item) != ERPLINK_TYPE_STRUCT)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona_outbox_enqueue: the item must be a struct, not %s",
                               erplink_type_name(erplink_value_type(item)));
  char *key = NULL, *json = NULL;
  size_t len = 0;
  int rc = item_key(&key, item);
  if (rc == 0) rc = erplink_json_encode(&json, &len, item);
  if (rc == 0) rc = erplink_outbox_enqueue(ob, key, json, len, now_ms);
  free(key);
  free(json);
  return rc;
}

typedef int (*bulk_fn)(cartona_bulk_result **, cartona_client *, const cartona_items *, cartona_progress_fn, void *);

static bulk_fn endpoint(const char *kind) {
  if (!kind) return NULL;
  if (strcmp(kind, "products") == 0) return cartona_client_update_products;
  if (strcmp(kind, "base_products") == 0) return cartona_client_update_base_products;
  if (strcmp(kind, "stock") == 0) return cartona_client_update_stock;
  return NULL;
}

/* Marks item i of the batch with its bulk outcome j (the mapping documented in cartona.h). */
static int record(erplink_outbox_batch *b, size_t i, const cartona_bulk_result *res, size_t j) {
  const cartona_outcome *o = cartona_bulk_result_at(res, j);
  const erplink_error *e = cartona_outcome_error(o);
  int status = cartona_outcome_status(o);
  int code = erplink_error_code(e);
  int64_t retry_after = erplink_error_retry_after_ms(e);
  const char *msg = cartona_outcome_message(o);
  switch (status) {
  case CARTONA_ITEM_UPDATED: return erplink_outbox_batch_done(b, i);
  case CARTONA_ITEM_REJECTED:
  case CARTONA_ITEM_REJECTED_LOCALLY:
    /* judged by the server (or invalid): the same payload would fail again — a dead letter
     * at once, unless the code says the trouble was temporary */
    return erplink_outbox_batch_failed(b, i, code < 0 ? code : ERPLINK_EVALIDATION, msg, retry_after);
  default: /* not sent: no verdict on the item */
    if (code == ERPLINK_ECANCELLED) return erplink_outbox_batch_release(b, i);
    return erplink_outbox_batch_retry(b, i, code < 0 ? code : ERPLINK_ENETWORK, msg, retry_after);
  }
}

int cartona_outbox_flush(cartona_flush_report **out, erplink_outbox *ob, cartona_client *c, const char *endpoint_kind,
                         size_t max_items, int64_t now_ms) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_outbox_flush: out is NULL");
  *out = NULL;
  bulk_fn send = endpoint(endpoint_kind);
  if (!ob || !c || !send)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona_outbox_flush: NULL argument or unknown endpoint kind (want "
                                               "\"products\", \"base_products\" or \"stock\")");
  cartona_flush_report *r = calloc(1, sizeof *r);
  if (!r) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink_outbox_batch *b = NULL;
  int rc = erplink_outbox_claim(&b, ob, max_items, now_ms);
  if (rc != 0) {
    free(r);
    return rc;
  }
  size_t n = erplink_outbox_batch_count(b);
  r->claimed = n;
  cartona_items *items = NULL;
  size_t *pos = calloc(n ? n : 1, sizeof *pos); /* item index in the bulk call, or SIZE_MAX */
  if (!pos || (rc = cartona_items_new(&items)) != 0)
    rc = rc ? rc : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < n; i++) {
    size_t len = 0;
    const char *p = erplink_outbox_item_payload(erplink_outbox_batch_at(b, i), &len);
    erplink_value *v = NULL;
    pos[i] = SIZE_MAX;
    if (erplink_json_decode(&v, p, len, NULL) != 0 || erplink_value_type(v) != ERPLINK_TYPE_STRUCT) {
      rc = erplink_outbox_batch_failed(b, i, ERPLINK_EINVAL, "the payload is not the JSON object of an item", -1);
    } else {
      pos[i] = cartona_items_count(items);
      rc = cartona_items_add_value(items, v);
    }
    erplink_value_free(v);
  }
  cartona_bulk_result *res = NULL;
  if (rc == 0 && cartona_items_count(items) > 0) {
    int sr = send(&res, c, items, NULL, NULL);
    for (size_t i = 0; rc == 0 && i < n; i++) {
      if (pos[i] == SIZE_MAX) continue;
      if (res) {
        rc = record(b, i, res, pos[i]);
      } else { /* no outcome at all (out of memory): try again later */
        rc = erplink_outbox_batch_retry(b, i, sr < 0 ? sr : ERPLINK_ENOMEM, "the bulk update did not run", -1);
      }
    }
  }
  cartona_bulk_result_free(res);
  cartona_items_free(items);
  free(pos);
  /* Record what is known, even after a local failure above (unmarked items are released). */
  size_t stale = 0;
  int crc = erplink_outbox_complete(&stale, ob, b, now_ms);
  if (rc == 0) rc = crc;
  if (rc != 0) {
    erplink_outbox_batch_free(b);
    free(r);
    return rc;
  }
  r->stale = stale;
  for (size_t i = 0; i < n; i++) switch (erplink_outbox_item_outcome(erplink_outbox_batch_at(b, i))) {
    case ERPLINK_OUTBOX_OUTCOME_DONE: r->updated++; break;
    case ERPLINK_OUTBOX_OUTCOME_RETRY: r->retrying++; break;
    case ERPLINK_OUTBOX_OUTCOME_DEAD: r->dead++; break;
    case ERPLINK_OUTBOX_OUTCOME_RELEASE: r->released++; break;
    default: break; /* stale */
    }
  erplink_outbox_batch_free(b);
  *out = r;
  return 0;
}

void cartona_flush_report_free(cartona_flush_report *r) { free(r); }
size_t cartona_flush_report_claimed(const cartona_flush_report *r) { return r ? r->claimed : 0; }
size_t cartona_flush_report_updated(const cartona_flush_report *r) { return r ? r->updated : 0; }
size_t cartona_flush_report_retrying(const cartona_flush_report *r) { return r ? r->retrying : 0; }
size_t cartona_flush_report_dead(const cartona_flush_report *r) { return r ? r->dead : 0; }
size_t cartona_flush_report_released(const cartona_flush_report *r) { return r ? r->released : 0; }
size_t cartona_flush_report_stale(const cartona_flush_report *r) { return r ? r->stale : 0; }
