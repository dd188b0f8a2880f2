/* Cartona supplier-integration client: options, the client, the request helpers shared by the
 * other files of src/cartona, error classes, the fixed vocabularies (units, statuses, reasons)
 * and product listing. Bulk updates are in bulk.c, orders and the status map in orders.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"
#include "erplink/json.h"
#include "erplink/version.h"

/* ------------------------------------------------------------------ vocabularies */

static const char *const k_units[] = {"box", "can", "bottle", "kg", "piece", "dozen", "bag", "packet",
                                      "plate", "glass", "pallet", "jar", "shrink", "ton", "saddlebag",
                                      "roll", "tissue", "cone", "coil", "bunch", "strip", "recharge_card",
                                      "mat", NULL};
static const char *const k_settable[] = {"synced", "pending", "approved", "assigned_to_salesman",
                                         "delivered", "cancelled_by_supplier", NULL};
static const char *const k_reasons[] = {"out_of_stock", "cannot_deliver_the_order", "supplier_asked_me_to_cancel",
                                        "delayed_order", "pending_order_without_action", "removed_items",
                                        "supplier_attitude", "missing_items", "expired_products",
                                        "different_prices", "different_products", NULL};

static int in_list(const char *const *list, const char *s) {
  if (!s) return 0;
  for (size_t i = 0; list[i]; i++)
    if (strcmp(list[i], s) == 0) return 1;
  return 0;
}

int cartona_unit_valid(const char *unit) { return in_list(k_units, unit); }
int cartona_status_settable(const char *status) { return in_list(k_settable, status); }
int cartona_cancellation_reason_valid(const char *reason) { return in_list(k_reasons, reason); }

cartona_error_class cartona_error_class_of(int code) {
  switch (code) {
    case 0: return CARTONA_ERRCLASS_NONE;
    case ERPLINK_ENETWORK: case ERPLINK_ECONNECT: case ERPLINK_EDNS: case ERPLINK_ERECV:
    case ERPLINK_ETIMEOUT: case ERPLINK_ESERVER: case ERPLINK_EUNAVAILABLE: case ERPLINK_EBUDGET:
    case ERPLINK_ECONFLICT:
      return CARTONA_ERRCLASS_TEMPORARY;
    case ERPLINK_ERATELIMIT: return CARTONA_ERRCLASS_RATE_LIMITED;
    case ERPLINK_EVALIDATION: case ERPLINK_EHTTP: case ERPLINK_ENOTFOUND: case ERPLINK_EINVAL:
    case ERPLINK_ETYPE: case ERPLINK_ERANGE:
      return CARTONA_ERRCLASS_DATA;
    case ERPLINK_EAUTH: case ERPLINK_EACCESS: return CARTONA_ERRCLASS_AUTH;
    case ERPLINK_ECANCELLED: return CARTONA_ERRCLASS_CANCELLED;
    default: return CARTONA_ERRCLASS_OTHER;
  }
}

const char *cartona_error_class_name(cartona_error_class cls) {
  switch (cls) {
    case CARTONA_ERRCLASS_NONE: return "none";
    case CARTONA_ERRCLASS_TEMPORARY: return "temporary";
    case CARTONA_ERRCLASS_RATE_LIMITED: return "rate_limited";
    case CARTONA_ERRCLASS_DATA: return "data";
    case CARTONA_ERRCLASS_AUTH: return "auth";
    case CARTONA_ERRCLASS_CANCELLED: return "cancelled";
    case CARTONA_ERRCLASS_OTHER: return "other";
  }
  return "unknown";
}

const char *cartona_item_status_name(int status) {
  switch (status) {
    case CARTONA_ITEM_UPDATED: return "updated";
    case CARTONA_ITEM_REJECTED: return "rejected";
    case CARTONA_ITEM_REJECTED_LOCALLY: return "rejected_locally";
    case CARTONA_ITEM_NOT_SENT: return "not_sent";
    default: return "unknown";
  }
}

/* ------------------------------------------------------------------ options */

struct cartona_options {
  char *token;
  char *base_url;
  char *ca_file;
  char *user_agent;
  int64_t supplier_code;
  int batch_size;
  int concurrency;
  int64_t connect_timeout_ms, timeout_ms;
  int max_attempts;
  int64_t backoff_base_ms, backoff_cap_ms;
  double budget_ratio;
  int budget_min;
  erplink_log_fn log_fn;
  void *log_ud;
  int log_level;
};

static char *dup_or_oom(const char *s) {
  char *d = strdup(s);
  if (!d) erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  return d;
}

static void free_secret(char *s) {
  if (s) {
    erplink__wipe(s, strlen(s));
    free(s);
  }
}

int cartona_options_new(cartona_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_new: out is NULL");
  *out = NULL;
  cartona_options *o = calloc(1, sizeof *o);
  if (!o) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  o->base_url = strdup(CARTONA_BASE_URL_PRODUCTION);
  if (!o->base_url) {
    free(o);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  o->batch_size = 100;
  o->concurrency = 4;
  o->connect_timeout_ms = 10000;
  o->timeout_ms = 30000;
  o->max_attempts = 4;
  o->backoff_base_ms = 500;
  o->backoff_cap_ms = 10000;
  o->budget_ratio = 0.2;
  o->budget_min = 10;
  *out = o;
  return 0;
}

void cartona_options_free(cartona_options *o) {
  if (!o) return;
  free_secret(o->token);
  free(o->base_url);
  free(o->ca_file);
  free(o->user_agent);
  free(o);
}

static bool has_ctl(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
  return false;
}

int cartona_options_set_token(cartona_options *o, const char *token) {
  if (!o || !token) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_set_token: NULL argument");
  if (!*token || has_ctl(token))
    return erplink__error_setf(ERPLINK_EINVAL, "cartona token must be non-empty and free of control characters");
  char *t = dup_or_oom(token);
  if (!t) return ERPLINK_ENOMEM;
  free_secret(o->token);
  o->token = t;
  return 0;
}

int cartona_options_set_base_url(cartona_options *o, const char *url) {
  if (!o || !url) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_set_base_url: NULL argument");
  if ((strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) || has_ctl(url) ||
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

int cartona_options_set_timeouts_ms(cartona_options *o, int64_t connect_timeout_ms, int64_t timeout_ms) {
  if (!o || connect_timeout_ms < 1 || connect_timeout_ms > 86400000 || timeout_ms < 1 || timeout_ms > 86400000)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona timeouts must be 1..86400000 ms");
  o->connect_timeout_ms = connect_timeout_ms;
  o->timeout_ms = timeout_ms;
  return 0;
}

int cartona_options_set_retry(cartona_options *o, int max_attempts, int64_t base_ms, int64_t cap_ms) {
  if (!o || max_attempts < 1 || max_attempts > 100 || base_ms < 0 || cap_ms < base_ms)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "cartona retry policy: attempts 1..100, base >= 0 and cap >= base");
  o->max_attempts = max_attempts;
  o->backoff_base_ms = base_ms;
  o->backoff_cap_ms = cap_ms;
  return 0;
}

int cartona_options_set_retry_budget(cartona_options *o, double ratio, int min_retries) {
  if (!o || !(ratio >= 0.0 && ratio <= 1000.0) || min_retries < 0)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona retry budget: ratio 0..1000, min_retries >= 0");
  o->budget_ratio = ratio;
  o->budget_min = min_retries;
  return 0;
}

static int set_opt_str(char **slot, const char *v) {
  char *d = NULL;
  if (v) {
    d = dup_or_oom(v);
    if (!d) return ERPLINK_ENOMEM;
  }
  free(*slot);
  *slot = d;
  return 0;
}

int cartona_options_set_ca_file(cartona_options *o, const char *path) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_set_ca_file: NULL options");
  return set_opt_str(&o->ca_file, path);
}

int cartona_options_set_user_agent(cartona_options *o, const char *ua) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_set_user_agent: NULL options");
  if (ua && has_ctl(ua)) return erplink__error_setf(ERPLINK_EINVAL, "user agent contains a control character");
  return set_opt_str(&o->user_agent, ua);
}

int cartona_options_set_log(cartona_options *o, erplink_log_fn fn, void *userdata, int max_level) {
  if (!o || max_level < ERPLINK_LOG_NONE || max_level > ERPLINK_LOG_TRACE)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona_options_set_log: bad arguments");
  o->log_fn = fn;
  o->log_ud = userdata;
  o->log_level = max_level;
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

  erplink_http_options *ho = NULL;
  int rc = erplink_http_options_new(&ho);
  char ua[96];
  snprintf(ua, sizeof ua, "erplink/%s cartona", erplink_version());
  if (rc == 0) rc = erplink_http_options_set_user_agent(ho, o->user_agent ? o->user_agent : ua);
  if (rc == 0) rc = erplink_http_options_set_connect_timeout_ms(ho, o->connect_timeout_ms);
  if (rc == 0) rc = erplink_http_options_set_timeout_ms(ho, o->timeout_ms);
  if (rc == 0) rc = erplink_http_options_set_pool_size(ho, o->concurrency < 2 ? 2 : o->concurrency);
  if (rc == 0) rc = erplink_http_options_set_max_attempts(ho, o->max_attempts);
  if (rc == 0) rc = erplink_http_options_set_backoff_ms(ho, o->backoff_base_ms, o->backoff_cap_ms);
  if (rc == 0) rc = erplink_http_options_set_retry_budget(ho, o->budget_ratio, o->budget_min);
  /* The spec: "treat 429/5xx as retryable with backoff". Only idempotent requests (the bulk
   * updates, reads) are retried on a 5xx; single status updates and acks are not. */
  if (rc == 0) rc = erplink_http_options_set_retry_all_5xx(ho, 1);
  if (rc == 0 && o->ca_file) rc = erplink_http_options_set_ca_file(ho, o->ca_file);
  if (rc == 0 && o->log_fn) rc = erplink_http_options_set_log(ho, o->log_level, o->log_fn, o->log_ud);
  if (rc == 0) rc = erplink_http_client_new(&c->http, ho);
  erplink_http_options_free(ho);
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
  free_secret(c->token);
  free(c->base_url);
  free(c);
}

const erplink__logger *cartona__logger(const cartona_client *c) {
  return c ? erplink__http_client_logger(c->http) : NULL;
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
  if (rc == 0 && strcmp(method, "GET") != 0) rc = erplink_http_request_set_header(r, "Content-Type", "application/json");
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

int cartona__send_json(erplink_value **out, erplink_http_response **resp_out, cartona_client *c,
                       const erplink_http_request *req) {
  if (out) *out = NULL;
  if (resp_out) *resp_out = NULL;
  erplink_http_response *resp = NULL;
  int rc = erplink_http_client_send(&resp, c->http, req);
  int http = erplink_http_response_status(resp);
  if (rc == ERPLINK_EHTTP && (http == 400 || http == 422)) {
    /* Cartona refuses data with 400/422: a validation error the caller can act on. */
    const erplink_error *e = erplink_error_last();
    const char *d = erplink_error_detail(e);
    char msg[512];
    snprintf(msg, sizeof msg, "%s", erplink_error_message(e));
    rc = erplink__error_setx(ERPLINK_EVALIDATION, http, NULL, d, d ? strlen(d) : 0, -1, "cartona refused the data: %s%s%.300s",
                             msg, d ? ": " : "", d ? d : "");
  }
  if (rc == 0 && out) {
    size_t len = 0;
    const char *body = erplink_http_response_body(resp, &len);
    if (!blank_body(body, len)) {
      rc = erplink_json_decode(out, body, len, NULL);
      if (rc != 0) erplink__error_prefix("cartona: decoding the answer (HTTP %d): ", erplink_http_response_status(resp));
    }
  }
  if (resp_out)
    *resp_out = resp;
  else
    erplink_http_response_free(resp);
  return rc;
}

int cartona__call(erplink_value **out, cartona_client *c, const char *method, const char *path_and_query,
                  const char *body, size_t body_len, bool idempotent) {
  if (out) *out = NULL;
  char *url = cartona__url(c, path_and_query);
  if (!url) return ERPLINK_ENOMEM;
  erplink_http_request *req = NULL;
  int rc = cartona__request(&req, c, method, url);
  free(url);
  if (rc == 0 && body) rc = erplink_http_request_set_body_borrowed(req, body, body_len);
  if (rc == 0 && idempotent) rc = erplink_http_request_set_idempotent(req, 1);
  if (rc == 0) rc = cartona__send_json(out, NULL, c, req);
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

/* ------------------------------------------------------------------ products */

int cartona_client_test_connection(cartona_client *c) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_test_connection: NULL client");
  erplink_value *v = NULL;
  int rc = cartona__call(&v, c, "GET", "supplier-product?page=1&per_page=1", NULL, 0, true);
  erplink_value_free(v);
  if (rc != 0) erplink__error_prefix("cartona connection test: ");
  return rc;
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
  int rc = cartona__call(out, c, "GET", b.ptr, NULL, 0, true);
  erplink_buf_free(&b);
  return rc;
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
