/* Cartona order statuses: the statuses a supplier may set, the cancellation reasons, and the
 * Odoo <-> Cartona status map. Sends nothing. */
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"

/* ------------------------------------------------------------------ vocabularies */

static const char *const k_settable[] = {
    "synced", "pending", "approved", "assigned_to_salesman", "delivered", "cancelled_by_supplier", NULL};
static const char *const k_reasons[] = {"out_of_stock",
                                        "cannot_deliver_the_order",
                                        "supplier_asked_me_to_cancel",
                                        "delayed_order",
                                        "pending_order_without_action",
                                        "removed_items",
                                        "supplier_attitude",
                                        "missing_items",
                                        "expired_products",
                                        "different_prices",
                                        "different_products",
                                        NULL};

static int in_list(const char *const *list, const char *s) {
  if (!s) return 0;
  for (size_t i = 0; list[i]; i++)
    if (strcmp(list[i], s) == 0) return 1;
  return 0;
}

int cartona_status_settable(const char *status) { return in_list(k_settable, status); }
int cartona_cancellation_reason_valid(const char *reason) { return in_list(k_reasons, reason); }

/* ------------------------------------------------------------------ status map */

typedef struct map_pair {
  char *from, *to;
} map_pair;

typedef struct pair_list {
  map_pair *p;
  size_t n, cap;
} pair_list;

struct cartona_status_map {
  pair_list out; /* odoo → cartona */
  pair_list in;  /* cartona → odoo */
};

static void pairs_free(pair_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->p[i].from);
    free(l->p[i].to);
  }
  free(l->p);
}

static int pairs_set(pair_list *l, const char *from, const char *to) {
  for (size_t i = 0; i < l->n; i++) {
    if (strcmp(l->p[i].from, from) != 0) continue;
    if (!to) {
      free(l->p[i].from);
      free(l->p[i].to);
      l->p[i] = l->p[--l->n];
      return 0;
    }
    char *t = strdup(to);
    if (!t) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    free(l->p[i].to);
    l->p[i].to = t;
    return 0;
  }
  if (!to) return 0;
  if (l->n == l->cap) {
    size_t nc = l->cap ? l->cap * 2 : 8;
    map_pair *np = realloc(l->p, nc * sizeof *np);
    if (!np) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    l->p = np;
    l->cap = nc;
  }
  char *f = strdup(from), *t = strdup(to);
  if (!f || !t) {
    free(f);
    free(t);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  l->p[l->n].from = f;
  l->p[l->n].to = t;
  l->n++;
  return 0;
}

int cartona_status_map_new_empty(cartona_status_map **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_status_map_new_empty: out is NULL");
  *out = calloc(1, sizeof **out);
  return *out ? 0 : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
}

int cartona_status_map_new_default(cartona_status_map **out) {
  static const char *const outbound[][2] = {{"draft", "pending"},
                                            {"sent", "pending"},
                                            {"sale", "approved"},
                                            {"delivered", "delivered"},
                                            {"cancel", "cancelled_by_supplier"}};
  static const char *const inbound[][2] = {{"approved", "sale"},
                                           {"assigned_to_salesman", "sale"},
                                           {"delivered", "sale"},
                                           {"cancelled_by_supplier", "cancel"},
                                           {"cancelled_by_retailer", "cancel"},
                                           {"pending", "draft"},
                                           {"editing", "draft"},
                                           {"returned", "draft"}};
  int rc = cartona_status_map_new_empty(out);
  if (rc) return rc;
  for (size_t i = 0; rc == 0 && i < sizeof outbound / sizeof outbound[0]; i++)
    rc = pairs_set(&(*out)->out, outbound[i][0], outbound[i][1]);
  for (size_t i = 0; rc == 0 && i < sizeof inbound / sizeof inbound[0]; i++)
    rc = pairs_set(&(*out)->in, inbound[i][0], inbound[i][1]);
  if (rc) {
    cartona_status_map_free(*out);
    *out = NULL;
  }
  return rc;
}

void cartona_status_map_free(cartona_status_map *m) {
  if (!m) return;
  pairs_free(&m->out);
  pairs_free(&m->in);
  free(m);
}

int cartona_status_map_set_outbound(cartona_status_map *m, const char *odoo_state, const char *cartona_status) {
  if (!m || !odoo_state || !*odoo_state)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona status map: an Odoo state is required");
  if (cartona_status && !cartona_status_settable(cartona_status))
    return erplink__error_setf(ERPLINK_EVALIDATION, "cartona status map: a supplier cannot set status \"%.64s\"",
                               cartona_status);
  return pairs_set(&m->out, odoo_state, cartona_status);
}

int cartona_status_map_set_inbound(cartona_status_map *m, const char *cartona_status, const char *odoo_state) {
  if (!m || !cartona_status || !*cartona_status || (odoo_state && !*odoo_state))
    return erplink__error_setf(ERPLINK_EINVAL,
                               "cartona status map: a Cartona status and a non-empty state are required");
  return pairs_set(&m->in, cartona_status, odoo_state);
}

static int lookup(const char **out, const pair_list *l, const char *key, const char *what) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona status map: out is NULL");
  *out = NULL;
  if (!key) return erplink__error_setf(ERPLINK_EINVAL, "cartona status map: NULL %s", what);
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->p[i].from, key) == 0) {
      *out = l->p[i].to;
      return 0;
    }
  return erplink__error_setf(ERPLINK_EVALIDATION, "cartona status map: no mapping for %s \"%.64s\"", what, key);
}

int cartona_status_map_to_cartona(const char **out, const cartona_status_map *m, const char *odoo_state) {
  if (!m) return erplink__error_setf(ERPLINK_EINVAL, "cartona status map: NULL map");
  return lookup(out, &m->out, odoo_state, "Odoo state");
}

int cartona_status_map_to_odoo(const char **out, const cartona_status_map *m, const char *cartona_status) {
  if (!m) return erplink__error_setf(ERPLINK_EINVAL, "cartona status map: NULL map");
  return lookup(out, &m->in, cartona_status, "Cartona status");
}
