/* Private declarations shared by the files of src/cartona (not part of the ABI). */
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

/* Builds "<base><path>" into a malloc'd string (NULL on ENOMEM, last error set). */
char *cartona__url(const cartona_client *c, const char *path);
/* GET path?page=&per_page=[&k1=v1][&k2=v2] (a NULL value omits its parameter); what names the
 * call in messages. */
int cartona__get_paged(erplink_value **out, cartona_client *c, const char *what, const char *path, int64_t page,
                       int64_t per_page, const char *k1, const char *v1, const char *k2, const char *v2);
/* Creates a request with the auth header, JSON content type (for bodies) and Accept. */
int cartona__request(erplink_http_request **out, const cartona_client *c, const char *method, const char *url);
/* Sends a request; on success decodes the JSON body into *out (NULL for an empty body) when out
 * is non-NULL. On failure the last error is the transport's/HTTP's (with the body as detail). */
int cartona__send_json(erplink_value **out, erplink_http_response **resp_out, cartona_client *c,
                       const erplink_http_request *req);
/* Convenience: method + path (+ optional JSON body text) → decoded answer. */
int cartona__call(erplink_value **out, cartona_client *c, const char *method, const char *path_and_query,
                  const char *body, size_t body_len, bool idempotent);
/* The text form of a scalar value into a malloc'd string; NULL for non-scalars/nil. */
char *cartona__scalar_text(const erplink_value *v);
/* A number from an int, double or numeric string. 0 ok, 1 absent/nil, -1 not numeric. */
int cartona__value_number(double *out, const erplink_value *v);
const erplink__logger *cartona__logger(const cartona_client *c);

#endif
