/* Private declarations shared by the files of src/cartona (not part of the ABI):
 *   client.c  options, the client, the request helpers below;
 *   bulk.c    product listing, item lists, validation, the bulk engine (HTTP batch), outcomes;
 *   orders.c  order parsing and accessors, pulls, acknowledgement, status and detail updates;
 *   intake.c  the pull-style intake, the sync report, cartona_client_sync_orders();
 *   status.c  settable statuses, cancellation reasons, the status map. */
#ifndef ERPLINK_CARTONA_INTERNAL_H
#define ERPLINK_CARTONA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "erplink/cartona.h"
#include "erplink/http.h"
#include "http_internal.h"
#include "internal.h"

struct cartona_client {
  erplink_http_client *http;
  char *base_url; /* ends with '/' */
  char *token;    /* wiped on free */
  int64_t supplier_code;
  int batch_size;
  int concurrency;
};

/* ------------------------------------------------------------------ orders (orders.c) */

/* Text forms of the scalar members of a struct (keys borrowed from the tree). */
typedef struct cartona__tmap {
  size_t n;
  const char **keys;
  char **vals;
} cartona__tmap;

struct cartona_order_line {
  const erplink_value *raw;
  cartona__tmap t;
};

struct cartona_order {
  const erplink_value *raw;
  cartona__tmap t;
  cartona__tmap retailer;
  cartona_order_line *lines;
  size_t nlines;
  /* Set by the intake that handed the order out (intake.c): which intake, and its entry + 1. */
  const cartona_intake *intake;
  size_t intake_entry;
};

struct cartona_orders {
  erplink_value *root;
  cartona_order *orders;
  size_t n;
};

/* ------------------------------------------------------------------ request helpers (client.c) */

/* Builds "<base><path>" into a malloc'd string (NULL on ENOMEM, last error set). */
char *cartona__url(const cartona_client *c, const char *path);
/* GET path?page=&per_page=[&k1=v1][&k2=v2] (a NULL value omits its parameter); what names the
 * call in messages. */
int cartona__get_paged(erplink_value **out, cartona_client *c, const char *what, const char *path, int64_t page,
                       int64_t per_page, const char *k1, const char *v1, const char *k2, const char *v2);
/* Creates a request with the auth header, JSON content type (for bodies) and Accept. */
int cartona__request(erplink_http_request **out, const cartona_client *c, const char *method, const char *url);
/* Convenience: method + path (+ optional JSON body text, and the value it was encoded from for
 * the trace log, or NULL) → decoded answer (NULL for an empty body) when out is non-NULL. A
 * 400/422 becomes ERPLINK_EVALIDATION; on failure the last error is the transport's/HTTP's (with
 * the body as detail). */
int cartona__call(erplink_value **out, cartona_client *c, const char *method, const char *path_and_query,
                  const char *body, size_t body_len, const erplink_value *log_value, bool idempotent);
/* The text form of a scalar value into a malloc'd string; NULL for non-scalars/nil. */
char *cartona__scalar_text(const erplink_value *v);
/* A number from an int, double or numeric string. 0 ok, 1 absent/nil, -1 not numeric. */
int cartona__value_number(double *out, const erplink_value *v);
const erplink__logger *cartona__logger(const cartona_client *c);

#endif
