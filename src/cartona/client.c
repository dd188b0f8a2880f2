/* Cartona supplier-integration client: options (with the embedded transport options), the
 * client, and the request helpers shared by the other files of src/cartona
 * (cartona_internal.h says which file holds what). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"
#include "erplink/json.h"
#include "erplink/version.h"

/* ------------------------------------------------------------------ options */

struct cartona_options {
  erplink_http_options *http; /* the transport knobs, with Cartona's defaults */
  char *token;
  char *base_url;
  int64_t supplier_code;
  int batch_size;
  int concurrency;
};

/* Cartona's transport defaults (see cartona_options_new() in erplink/cartona.h). */
static int http_defaults(erplink_http_options *ho) {
  char ua[96];
  snprintf(ua, sizeof ua, "erplink/%s cartona", erplink_version());
  int rc = erplink_http_options_set_user_agent(ho, ua);
  if (rc == 0) rc = erplink_http_options_set_connect_timeout_ms(ho, 10000);
  if (rc == 0) rc = erplink_http_options_set_timeout_ms(ho, 30000);
  if (rc == 0) rc = erplink_http_options_set_max_attempts(ho, 4);
  if (rc == 0) rc = erplink_http_options_set_backoff_ms(ho, 500, 10000);
  if (rc == 0) rc = erplink_http_options_set_retry_budget(ho, 0.2, 10);
  /* The spec: "treat 429/5xx as retryable with backoff". Only idempotent requests (the bulk
   * updates, reads, acknowledgements) are retried on a 5xx; single status updates and detail
   * updates are not. */
  if (rc == 0) rc = erplink_http_options_set_retry_all_5xx(ho, 1);
  /* Cartona's own secret fields (the AuthorizationToken header is generic: it contains "token"). */
  if (rc == 0) rc = erplink_http_options_add_secret_name(ho, "retailer_otp");
  if (rc == 0) rc = erplink_http_options_add_secret_name(ho, "pickup_otp");
  return rc;
}

int cartona_options_new(cartona_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_new: out is NULL");
  *out = NULL;
  cartona_options *o = calloc(1, sizeof *o);
  if (!o) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  o->batch_size = 100;
  o->concurrency = 4;
  o->base_url = strdup(CARTONA_BASE_URL_PRODUCTION);
  int rc = o->base_url ? erplink_http_options_new(&o->http) : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0) rc = http_defaults(o->http);
  if (rc != 0) {
    cartona_options_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

void cartona_options_free(cartona_options *o) {
  if (!o) return;
  erplink_http_options_free(o->http);
  erplink__free_str(o->token, true);
  free(o->base_url);
  free(o);
}

erplink_http_options *cartona_options_http(cartona_options *o) { return o ? o->http : NULL; }

int cartona_options_set_token(cartona_options *o, const char *token) {
  if (!o || !token) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_set_token: NULL argument");
  if (!*token || erplink__has_ctl(token, false))
    return erplink__error_setf(ERPLINK_EINVAL, "cartona token must be non-empty and free of control characters");
  return erplink__set_str(&o->token, token, true);
}

int cartona_options_set_base_url(cartona_options *o, const char *url) {
  if (!o || !url) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_set_base_url: NULL argument");
  if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) || erplink__has_ctl(url, false) ||
      strlen(url) < 9)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona base URL must be an http:// or https:// URL");
  size_t n = strlen(url);
  bool slash = url[n - 1] == '/';
  char *u = malloc(n + 2);
  if (!u) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  memcpy(u, url, n);
  if (!slash) u[n++] = '/';
  u[n] = '\0';
  free(o->base_url);
  o->base_url = u;
  return 0;
}

int cartona_options_set_supplier_code(cartona_options *o, int64_t code) {
  if (!o || code < 0) return erplink__error_setf(ERPLINK_EINVAL, "cartona supplier code must be >= 0 (0 = none)");
  o->supplier_code = code;
  return 0;
}

int cartona_options_set_batch_size(cartona_options *o, int n) {
  if (!o || n < 1 || n > 1000)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona batch size must be 1..1000 (got %d)", n);
  o->batch_size = n;
  return 0;
}

int cartona_options_set_concurrency(cartona_options *o, int n) {
  if (!o || n < 1 || n > 64)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona concurrency must be 1..64 (got %d)", n);
  o->concurrency = n;
  return 0;
}

/* ------------------------------------------------------------------ client */

int cartona_client_new(cartona_client **out, const cartona_options *o) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_new: out is NULL");
  *out = NULL;
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_new: options are required (a token)");
  if (!o->token) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_new: no token set");
  cartona_client *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  c->token = strdup(o->token);
  c->base_url = strdup(o->base_url);
  if (!c->token || !c->base_url) {
    cartona_client_free(c);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  c->supplier_code = o->supplier_code;
  c->batch_size = o->batch_size;
  c->concurrency = o->concurrency;
  int rc = erplink_http_client_new(&c->http, o->http);
  if (rc != 0) {
    cartona_client_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

void cartona_client_free(cartona_client *c) {
  if (!c) return;
  erplink_http_client_free(c->http);
  erplink__free_str(c->token, true);
  free(c->base_url);
  free(c);
}

const erplink__logger *cartona__logger(const cartona_client *c) {
  return c ? erplink__http_client_logger(c->http) : NULL;
}

int cartona_client_test_connection(cartona_client *c) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_test_connection: NULL client");
  erplink_value *v = NULL;
  int rc = cartona__call(&v, c, "GET", "supplier-product?page=1&per_page=1", NULL, 0, NULL, true);
  erplink_value_free(v);
  if (rc != 0) erplink__error_prefix("cartona connection test: ");
  return rc;
}

/* ------------------------------------------------------------------ request helpers */

char *cartona__url(const cartona_client *c, const char *path) {
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_puts(&b, c->base_url);
  erplink_buf_puts(&b, path);
  if (b.oom) {
    erplink_buf_free(&b);
    erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    return NULL;
  }
  return erplink_buf_detach(&b, NULL);
}

int cartona__request(erplink_http_request **out, const cartona_client *c, const char *method, const char *url) {
  erplink_http_request *r = NULL;
  int rc = erplink_http_request_new(&r, method, url);
  if (rc == 0) rc = erplink_http_request_set_header(r, "AuthorizationToken", c->token);
  if (rc == 0) rc = erplink_http_request_set_header(r, "Accept", "application/json");
  if (rc == 0 && strcmp(method, "GET") != 0)
    rc = erplink_http_request_set_header(r, "Content-Type", "application/json");
  if (rc != 0) {
    erplink_http_request_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

static bool blank_body(const char *body, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (body[i] != ' ' && body[i] != '\n' && body[i] != '\r' && body[i] != '\t') return false;
  return true;
}

/* Sends a request; on success decodes the JSON body into *out (NULL for an empty body) when out
 * is non-NULL. A 400/422 becomes ERPLINK_EVALIDATION. */
static int send_json(erplink_value **out, cartona_client *c, const erplink_http_request *req) {
  if (out) *out = NULL;
  erplink_http_response *resp = NULL;
  int rc = erplink_http_client_send(&resp, c->http, req);
  int http = erplink_http_response_status(resp);
  if (rc == ERPLINK_EHTTP && (http == 400 || http == 422)) {
    /* Cartona refuses data with 400/422: a validation error the caller can act on. */
    const erplink_error *e = erplink_error_last();
    const char *d = erplink_error_detail(e);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", erplink_error_message(e));
    rc = erplink__error_setx(ERPLINK_EVALIDATION, http, NULL, d, d ? strlen(d) : 0, -1,
                             "cartona refused the data: %s%s%.300s", msg, d ? ": " : "", d ? d : "");
  }
  if (rc == 0 && out) {
    size_t len = 0;
    const char *body = erplink_http_response_body(resp, &len);
    if (!blank_body(body, len)) {
      rc = erplink_json_decode(out, body, len, NULL);
      if (rc != 0)
        erplink__error_prefix("cartona: decoding the answer (HTTP %d): ", erplink_http_response_status(resp));
    }
  }
  erplink_http_response_free(resp);
  return rc;
}

int cartona__call(erplink_value **out, cartona_client *c, const char *method, const char *path_and_query,
                  const char *body, size_t body_len, const erplink_value *log_value, bool idempotent) {
  if (out) *out = NULL;
  char *url = cartona__url(c, path_and_query);
  if (!url) return ERPLINK_ENOMEM;
  erplink_http_request *req = NULL;
  int rc = cartona__request(&req, c, method, url);
  free(url);
  if (rc == 0 && body) rc = erplink_http_request_set_body_borrowed(req, body, body_len);
  if (rc == 0 && log_value) rc = erplink_http_request_set_log_value(req, log_value);
  if (rc == 0 && idempotent) rc = erplink_http_request_set_idempotent(req, 1);
  if (rc == 0) rc = send_json(out, c, req);
  erplink_http_request_free(req);
  return rc;
}

char *cartona__scalar_text(const erplink_value *v) {
  char buf[40];
  const char *s = NULL;
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_STRING: erplink_value_get_string(&s, NULL, v); break;
  case ERPLINK_TYPE_INT: {
    int64_t i = 0;
    erplink_value_get_int(&i, v);
    snprintf(buf, sizeof buf, "%lld", (long long)i);
    s = buf;
    break;
  }
  case ERPLINK_TYPE_DOUBLE: {
    double d = 0;
    erplink_value_get_double(&d, v);
    erplink__fmt_double(buf, d);
    s = buf;
    break;
  }
  case ERPLINK_TYPE_BOOL: {
    int b = 0;
    erplink_value_get_bool(&b, v);
    s = b ? "true" : "false";
    break;
  }
  default: return NULL;
  }
  return strdup(s);
}

int cartona__value_number(double *out, const erplink_value *v) {
  *out = 0;
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_INT:
  case ERPLINK_TYPE_DOUBLE: return erplink_value_get_double(out, v) == 0 ? 0 : -1;
  case ERPLINK_TYPE_STRING: {
    const char *s = NULL;
    size_t n = 0;
    erplink_value_get_string(&s, &n, v);
    while (n && (*s == ' ')) s++, n--;
    while (n && s[n - 1] == ' ') n--;
    if (n == 0) return 1;
    return erplink__parse_double(s, n, out) && isfinite(*out) ? 0 : -1;
  }
  case ERPLINK_TYPE_NIL: return 1;
  default: return -1;
  }
}

int cartona__get_paged(erplink_value **out, cartona_client *c, const char *what, const char *path, int64_t page,
                       int64_t per_page, const char *k1, const char *v1, const char *k2, const char *v2) {
  if (page < 1 || per_page < 1 || per_page > 1000)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona %s: page >= 1 and per_page 1..1000", what);
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_printf(&b, "%s?page=%lld&per_page=%lld", path, (long long)page, (long long)per_page);
  if (v1) erplink__form_add(&b, k1, v1);
  if (v2) erplink__form_add(&b, k2, v2);
  if (b.oom) {
    erplink_buf_free(&b);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  int rc = cartona__call(out, c, "GET", b.ptr, NULL, 0, NULL, true);
  erplink_buf_free(&b);
  return rc;
}
