/* HTTP requests and responses: the objects, their validation and their accessors. */
#include <stdlib.h>
#include <string.h>

#include "http_impl.h"

static bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 32) >= 'a' && (c | 32) <= 'z') return true;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool erplink__http_is_token(const char *s) {
  if (!s || !*s) return false;
  for (; *s; s++)
    if (!is_tchar((unsigned char)*s)) return false;
  return true;
}

void erplink__http_hdrs_clear(erplink__hdr *h, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(h[i].name);
    erplink__free_str(h[i].value, h[i].secret);
  }
}

/* ---------------------------------------------------------------- requests */

int erplink_http_request_new(erplink_http_request **out, const char *method, const char *url) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_request_new: out is NULL");
  *out = NULL;
  if (!erplink__http_is_token(method))
    return erplink__error_setf(ERPLINK_EINVAL, "HTTP method is missing or not a token");
  if (!url || !(erplink__http_starts_with_ci(url, "http://") || erplink__http_starts_with_ci(url, "https://")))
    return erplink__error_setf(ERPLINK_EINVAL, "URL must start with http:// or https://");
  for (const char *p = url; *p; p++)
    if ((unsigned char)*p <= 0x20 || *p == 0x7f)
      return erplink__error_setf(ERPLINK_EINVAL, "URL contains a space or a control character");
  erplink_http_request *r = calloc(1, sizeof *r);
  if (!r || !(r->method = strdup(method)) || !(r->url = strdup(url))) {
    if (r) {
      free(r->method);
      free(r);
    }
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  r->timeout_ms = -1;
  r->idempotent = -1;
  *out = r;
  return 0;
}

static void body_drop(erplink_http_request *r) {
  if (r->body_owned) {
    erplink__wipe(r->body_owned, r->body_len);
    free(r->body_owned);
  }
  r->body_owned = NULL;
  r->body = NULL;
  r->body_len = 0;
}

void erplink_http_request_free(erplink_http_request *r) {
  if (!r) return;
  erplink__http_hdrs_clear(r->h, r->nh);
  free(r->h);
  body_drop(r);
  erplink__free_str(r->url, true); /* may hold userinfo */
  free(r->method);
  free(r);
}

static int header_check(const erplink_http_request *r, const char *name, const char *value) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  if (!erplink__http_is_token(name))
    return erplink__error_setf(ERPLINK_EINVAL, "header name is missing or not a token");
  if (value && erplink__has_ctl(value, true))
    return erplink__error_setf(ERPLINK_EINVAL, "value of header %s contains a control character", name);
  return 0;
}

int erplink_http_request_add_header(erplink_http_request *r, const char *name, const char *value) {
  int rc = header_check(r, name, value);
  if (rc) return rc;
  if (!value) return erplink__error_setf(ERPLINK_EINVAL, "value of header %s is NULL", name);
  if (r->nh == r->caph) {
    size_t ncap = r->caph ? r->caph * 2 : 8;
    erplink__hdr *nh = realloc(r->h, ncap * sizeof *nh);
    if (!nh) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    r->h = nh;
    r->caph = ncap;
  }
  erplink__hdr h = {strdup(name), strdup(value), erplink__is_secret_name(name, strlen(name))};
  if (!h.name || !h.value) {
    free(h.name);
    erplink__free_str(h.value, true);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  r->h[r->nh++] = h;
  return 0;
}

int erplink_http_request_set_header(erplink_http_request *r, const char *name, const char *value) {
  int rc = header_check(r, name, value);
  if (rc) return rc;
  size_t o = 0;
  for (size_t i = 0; i < r->nh; i++) {
    if (erplink__http_ieq(r->h[i].name, name)) {
      free(r->h[i].name);
      erplink__free_str(r->h[i].value, r->h[i].secret);
    } else {
      r->h[o++] = r->h[i];
    }
  }
  r->nh = o;
  return value ? erplink_http_request_add_header(r, name, value) : 0;
}

int erplink_http_request_set_body(erplink_http_request *r, const void *body, size_t len) {
  if (!r || (!body && len)) return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_request_set_body: bad arguments");
  char *copy = malloc(len ? len : 1);
  if (!copy) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory copying a %zu-byte body", len);
  if (len) memcpy(copy, body, len);
  body_drop(r);
  r->body_owned = copy;
  r->body = copy;
  r->body_len = len;
  return 0;
}

int erplink_http_request_set_body_borrowed(erplink_http_request *r, const void *body, size_t len) {
  if (!r || (!body && len))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_http_request_set_body_borrowed: bad arguments");
  body_drop(r);
  r->body = body ? body : "";
  r->body_len = len;
  return 0;
}

int erplink_http_request_set_timeout_ms(erplink_http_request *r, int64_t ms) {
  if (!r || ms < -1 || ms > ERPLINK__HTTP_MAX_TIMEOUT_MS)
    return erplink__error_setf(ERPLINK_EINVAL, "request timeout must be -1 or between 0 and %lld ms",
                               ERPLINK__HTTP_MAX_TIMEOUT_MS);
  r->timeout_ms = ms;
  return 0;
}

int erplink_http_request_set_idempotent(erplink_http_request *r, int idempotent) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  r->idempotent = idempotent != 0;
  return 0;
}

int erplink_http_request_set_sink(erplink_http_request *r, int (*write)(const char *, size_t, void *),
                                  void (*reset)(void *), void *userdata) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  if (!write && reset) return erplink__error_setf(ERPLINK_EINVAL, "a sink reset callback needs a write callback");
  r->sink_write = write;
  r->sink_reset = reset;
  r->sink_ud = userdata;
  return 0;
}

int erplink_http_request_set_log_value(erplink_http_request *r, const erplink_value *v) {
  if (!r) return erplink__error_setf(ERPLINK_EINVAL, "request is NULL");
  r->log_value = v;
  return 0;
}

bool erplink__http_method_idempotent(const char *m) {
  return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "PUT") || !strcmp(m, "DELETE") ||
         !strcmp(m, "OPTIONS") || !strcmp(m, "TRACE");
}

bool erplink__http_request_idempotent(const erplink_http_request *r) {
  return r->idempotent >= 0 ? r->idempotent != 0 : erplink__http_method_idempotent(r->method);
}

const char *erplink__http_request_header(const erplink_http_request *r, const char *name) {
  for (size_t i = 0; i < r->nh; i++)
    if (erplink__http_ieq(r->h[i].name, name)) return r->h[i].value;
  return NULL;
}

/* ---------------------------------------------------------------- responses */

void erplink_http_response_free(erplink_http_response *r) {
  if (!r) return;
  erplink__http_hdrs_clear(r->h, r->nh);
  free(r->h);
  free(r->body);
  free(r->effective_url);
  free(r);
}

int erplink_http_response_status(const erplink_http_response *r) { return r ? r->status : 0; }

const char *erplink_http_response_header_nth(const erplink_http_response *r, const char *name, size_t index) {
  if (!r || !name) return NULL;
  for (size_t i = 0; i < r->nh; i++)
    if (erplink__http_ieq(r->h[i].name, name) && index-- == 0) return r->h[i].value;
  return NULL;
}

const char *erplink_http_response_header(const erplink_http_response *r, const char *name) {
  return erplink_http_response_header_nth(r, name, 0);
}

size_t erplink_http_response_header_count(const erplink_http_response *r) { return r ? r->nh : 0; }

const char *erplink_http_response_header_name_at(const erplink_http_response *r, size_t index) {
  return r && index < r->nh ? r->h[index].name : NULL;
}

const char *erplink_http_response_header_value_at(const erplink_http_response *r, size_t index) {
  return r && index < r->nh ? r->h[index].value : NULL;
}

const char *erplink_http_response_body(const erplink_http_response *r, size_t *len) {
  if (len) *len = r ? r->body_len : 0;
  if (!r) return NULL;
  return r->body ? r->body : "";
}

const char *erplink_http_response_content_type(const erplink_http_response *r) {
  return erplink_http_response_header(r, "Content-Type");
}

int erplink_http_response_content_type_is(const erplink_http_response *r, const char *media_type) {
  const char *ct = erplink_http_response_content_type(r);
  if (!ct || !media_type) return 0;
  while (*ct == ' ' || *ct == '\t') ct++;
  size_t n = 0;
  while (ct[n] && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t') n++;
  return erplink__ascii_ieq(ct, n, media_type) ? 1 : 0;
}

int erplink_http_response_is_html(const erplink_http_response *r) {
  if (!r) return 0;
  if (erplink_http_response_content_type_is(r, "text/html") ||
      erplink_http_response_content_type_is(r, "application/xhtml+xml"))
    return 1;
  const char *b = r->body ? r->body : "";
  size_t i = 0;
  if (r->body_len >= 3 && (unsigned char)b[0] == 0xEF && (unsigned char)b[1] == 0xBB && (unsigned char)b[2] == 0xBF)
    i = 3;
  while (i < r->body_len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) i++;
  size_t left = r->body_len - i;
  if (left >= 14 && erplink__ascii_ieq(b + i, 14, "<!doctype html")) return 1;
  if (left >= 5 && erplink__ascii_ieq(b + i, 5, "<html")) return 1;
  return 0;
}

int erplink_http_response_attempts(const erplink_http_response *r) { return r ? r->attempts : 0; }
int64_t erplink_http_response_total_ms(const erplink_http_response *r) { return r ? r->total_ms : 0; }
int erplink_http_response_new_connections(const erplink_http_response *r) { return r ? (int)r->connects : 0; }
int erplink_http_response_http_version(const erplink_http_response *r) { return r ? r->http_version : 0; }
const char *erplink_http_response_effective_url(const erplink_http_response *r) {
  return r && r->effective_url ? r->effective_url : "";
}
