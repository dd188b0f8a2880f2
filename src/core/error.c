/* Error codes, categories and the per-thread last error. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct erplink_error {
  int code;
  int http_status;
  int64_t retry_after_ms;
  char *message;
  char *remote_class;
  char *detail;
};

struct erplink__error_saved {
  struct erplink_error e;
  bool set;
};

/* One slot per thread, created on first use and freed by the key destructor at thread exit. */
typedef struct {
  struct erplink_error e;
  bool set;
} tls_slot;

static pthread_key_t g_key; /* written once under g_once */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static bool g_key_ok;

static void error_fields_free(struct erplink_error *e) {
  free(e->message);
  free(e->remote_class);
  free(e->detail);
  e->message = e->remote_class = e->detail = NULL;
}

static void slot_destroy(void *p) {
  tls_slot *s = p;
  if (s) {
    error_fields_free(&s->e);
    free(s);
  }
}

static void key_init(void) { g_key_ok = pthread_key_create(&g_key, slot_destroy) == 0; }

static tls_slot *slot_get(bool create) {
  pthread_once(&g_once, key_init);
  if (!g_key_ok) return NULL;
  tls_slot *s = pthread_getspecific(g_key);
  if (!s && create) {
    s = calloc(1, sizeof *s);
    if (s && pthread_setspecific(g_key, s) != 0) {
      free(s);
      s = NULL;
    }
  }
  return s;
}

erplink_error_category erplink_error_category_of(int code) {
  switch (code) {
  case ERPLINK_OK: return ERPLINK_CAT_NONE;
  case ERPLINK_EINVAL:
  case ERPLINK_ERANGE:
  case ERPLINK_ETYPE: return ERPLINK_CAT_INVALID;
  case ERPLINK_ENOMEM: return ERPLINK_CAT_NOMEM;
  case ERPLINK_ENETWORK:
  case ERPLINK_ECONNECT:
  case ERPLINK_EDNS:
  case ERPLINK_ERECV: return ERPLINK_CAT_NETWORK;
  case ERPLINK_ETIMEOUT: return ERPLINK_CAT_TIMEOUT;
  case ERPLINK_ETLS: return ERPLINK_CAT_TLS;
  case ERPLINK_EHTTP:
  case ERPLINK_EREDIRECT: return ERPLINK_CAT_HTTP;
  case ERPLINK_EPROTOCOL:
  case ERPLINK_ELIMIT:
  case ERPLINK_ETOOLARGE:
  case ERPLINK_EFORBIDDEN_XML: return ERPLINK_CAT_PROTOCOL;
  case ERPLINK_EAUTH: return ERPLINK_CAT_AUTH;
  case ERPLINK_EACCESS: return ERPLINK_CAT_ACCESS;
  case ERPLINK_EVALIDATION: return ERPLINK_CAT_VALIDATION;
  case ERPLINK_ENOTFOUND: return ERPLINK_CAT_NOTFOUND;
  case ERPLINK_ERATELIMIT:
  case ERPLINK_EBUDGET: return ERPLINK_CAT_RATELIMIT;
  case ERPLINK_ECONFLICT: return ERPLINK_CAT_CONFLICT;
  case ERPLINK_ESIGNATURE: return ERPLINK_CAT_SIGNATURE;
  case ERPLINK_ECANCELLED: return ERPLINK_CAT_CANCELLED;
  case ERPLINK_ESERVER:
  case ERPLINK_EUNAVAILABLE: return ERPLINK_CAT_SERVER;
  case ERPLINK_ESTORE:
  case ERPLINK_ESTORE_CORRUPT:
  case ERPLINK_ESTORE_VERSION: return ERPLINK_CAT_STORE;
  default: return code > 0 ? ERPLINK_CAT_NONE : ERPLINK_CAT_SERVER;
  }
}

const char *erplink_strerror(int code) {
  switch (code) {
  case ERPLINK_OK: return "success";
  case ERPLINK_EINVAL: return "invalid argument";
  case ERPLINK_ENOMEM: return "out of memory";
  case ERPLINK_ERANGE: return "value out of range";
  case ERPLINK_ETYPE: return "value has another type";
  case ERPLINK_ENETWORK: return "network error";
  case ERPLINK_ECONNECT: return "could not connect";
  case ERPLINK_EDNS: return "host name not resolved";
  case ERPLINK_ERECV: return "connection lost during the exchange";
  case ERPLINK_ETIMEOUT: return "timed out";
  case ERPLINK_ETLS: return "TLS failure";
  case ERPLINK_EHTTP: return "HTTP error status";
  case ERPLINK_EREDIRECT: return "redirect not followed";
  case ERPLINK_EPROTOCOL: return "protocol error";
  case ERPLINK_ELIMIT: return "document exceeds a decoding limit";
  case ERPLINK_ETOOLARGE: return "response too large";
  case ERPLINK_EFORBIDDEN_XML: return "forbidden XML construct (DOCTYPE or entity)";
  case ERPLINK_EAUTH: return "authentication failed";
  case ERPLINK_EACCESS: return "access denied";
  case ERPLINK_EVALIDATION: return "validation error";
  case ERPLINK_ENOTFOUND: return "not found";
  case ERPLINK_ERATELIMIT: return "rate limited";
  case ERPLINK_ECONFLICT: return "conflict";
  case ERPLINK_ESIGNATURE: return "signature mismatch";
  case ERPLINK_ECANCELLED: return "cancelled";
  case ERPLINK_ESERVER: return "server error";
  case ERPLINK_EUNAVAILABLE: return "server temporarily unavailable";
  case ERPLINK_EBUDGET: return "retry budget exhausted";
  case ERPLINK_ESTORE: return "store file unusable";
  case ERPLINK_ESTORE_CORRUPT: return "store file damaged or not an erplink store";
  case ERPLINK_ESTORE_VERSION: return "store file written by a newer erplink";
  default: return "unknown error";
  }
}

const char *erplink_error_category_name(erplink_error_category c) {
  static const char *const names[] = {
      "none",         "invalid_argument", "out_of_memory", "network",   "timeout",    "tls",
      "http",         "protocol",         "auth",          "access",    "validation", "not_found",
      "rate_limited", "conflict",         "signature",     "cancelled", "server",     "store"};
  if ((unsigned)c < sizeof names / sizeof names[0]) return names[c];
  return "unknown";
}

const erplink_error *erplink_error_last(void) {
  tls_slot *s = slot_get(false);
  if (!s) return NULL;
  return s->set ? &s->e : NULL;
}

void erplink_error_clear(void) {
  tls_slot *s = slot_get(false);
  if (s) {
    error_fields_free(&s->e);
    s->set = false;
  }
}

int erplink_error_code(const erplink_error *e) { return e ? e->code : 0; }
erplink_error_category erplink_error_get_category(const erplink_error *e) {
  return e ? erplink_error_category_of(e->code) : ERPLINK_CAT_NONE;
}
const char *erplink_error_message(const erplink_error *e) { return e && e->message ? e->message : ""; }
int erplink_error_http_status(const erplink_error *e) { return e ? e->http_status : 0; }
const char *erplink_error_remote_class(const erplink_error *e) { return e ? e->remote_class : NULL; }
const char *erplink_error_detail(const erplink_error *e) { return e ? e->detail : NULL; }
int64_t erplink_error_retry_after_ms(const erplink_error *e) { return e ? e->retry_after_ms : -1; }

/* Cut to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max) {
  if (len <= max) return len;
  size_t n = max;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  return n;
}

static int error_vset(int code, int http_status, const char *remote_class, const char *detail, size_t detail_len,
                      int64_t retry_after_ms, const char *fmt, va_list ap) {
  tls_slot *s = slot_get(true);
  if (!s) return code;
  /* Format first: the arguments may point into the previous error's strings. */
  char *msg = NULL;
  if (fmt) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n >= 0) {
      msg = malloc((size_t)n + 1);
      if (msg) vsnprintf(msg, (size_t)n + 1, fmt, ap);
    }
  } else {
    msg = strdup(erplink_strerror(code));
  }
  char *rc = remote_class ? strdup(remote_class) : NULL;
  char *dt = NULL;
  if (detail) {
    size_t n = utf8_cut(detail, detail_len, ERPLINK_DETAIL_MAX);
    if (n < detail_len) {
      static const char more[] = "\n[... detail truncated]";
      dt = malloc(n + sizeof more);
      if (dt) {
        memcpy(dt, detail, n);
        memcpy(dt + n, more, sizeof more);
      }
    } else {
      dt = strndup(detail, n);
    }
  }
  error_fields_free(&s->e);
  s->e.code = code;
  s->e.http_status = http_status;
  s->e.retry_after_ms = retry_after_ms;
  s->e.message = msg;
  s->e.remote_class = rc;
  s->e.detail = dt;
  s->set = true;
  return code;
}

int erplink__error_setx(int code, int http_status, const char *remote_class, const char *detail, size_t detail_len,
                        int64_t retry_after_ms, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  error_vset(code, http_status, remote_class, detail, detail_len, retry_after_ms, fmt, ap);
  va_end(ap);
  return code;
}

int erplink__error_setf(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  error_vset(code, 0, NULL, NULL, 0, -1, fmt, ap);
  va_end(ap);
  return code;
}

int erplink_error_set(int code, const char *message) {
  if (message) return erplink__error_setf(code, "%s", message);
  return erplink__error_setf(code, "%s", erplink_strerror(code));
}

void erplink__error_prefix(const char *fmt, ...) {
  tls_slot *s = slot_get(false);
  if (!s || !s->set) return;
  va_list ap;
  va_start(ap, fmt);
  erplink_buf b = ERPLINK_BUF_INIT;
  char tmp[256];
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  erplink_buf_puts(&b, tmp);
  erplink_buf_puts(&b, s->e.message ? s->e.message : "");
  if (!b.oom) {
    free(s->e.message);
    s->e.message = erplink_buf_detach(&b, NULL);
  } else {
    erplink_buf_free(&b);
  }
}

void erplink__error_annotate_http(int http_status) {
  tls_slot *s = slot_get(false);
  if (s && s->set && s->e.http_status == 0) s->e.http_status = http_status;
}

erplink__error_saved *erplink__error_save(void) {
  tls_slot *s = slot_get(false);
  erplink__error_saved *sv = calloc(1, sizeof *sv);
  if (!sv) return NULL;
  if (s && s->set) {
    sv->e = s->e; /* move */
    memset(&s->e, 0, sizeof s->e);
    s->set = false;
    sv->set = true;
  }
  return sv;
}

void erplink__error_restore(erplink__error_saved *sv) {
  if (!sv) return;
  tls_slot *s = slot_get(true);
  if (s && sv->set) {
    error_fields_free(&s->e);
    s->e = sv->e;
    s->set = true;
  } else {
    error_fields_free(&sv->e);
  }
  free(sv);
}

/* ---------------------------------------------------------------- owned copies */

int erplink_error_clone(erplink_error **out, const erplink_error *e) {
  if (!out || !e) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_error_clone: NULL argument");
  }
  *out = NULL;
  erplink_error *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  *c = *e;
  c->message = e->message ? strdup(e->message) : NULL;
  c->remote_class = e->remote_class ? strdup(e->remote_class) : NULL;
  c->detail = e->detail ? strdup(e->detail) : NULL;
  if ((e->message && !c->message) || (e->remote_class && !c->remote_class) || (e->detail && !c->detail)) {
    error_fields_free(c);
    free(c);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  *out = c;
  return 0;
}

void erplink_error_free(erplink_error *e) {
  if (!e) return;
  error_fields_free(e);
  free(e);
}

erplink_error *erplink__error_take_last(int code) {
  tls_slot *s = slot_get(false);
  erplink_error *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (s && s->set && s->e.code == code) {
    *c = s->e; /* move */
    memset(&s->e, 0, sizeof s->e);
    s->set = false;
  } else {
    c->code = code;
    c->retry_after_ms = -1;
    c->message = strdup(erplink_strerror(code));
  }
  return c;
}

int erplink__error_set_from(const erplink_error *e) {
  if (!e) return 0;
  const char *d = e->detail;
  return erplink__error_setx(e->code, e->http_status, e->remote_class, d, d ? strlen(d) : 0, e->retry_after_ms, "%s",
                             e->message ? e->message : erplink_strerror(e->code));
}

int erplink_error_retryable(int code) {
  switch (code) {
  case ERPLINK_ENETWORK:
  case ERPLINK_ECONNECT:
  case ERPLINK_EDNS:
  case ERPLINK_ERECV:
  case ERPLINK_ETIMEOUT:
  case ERPLINK_ESERVER:
  case ERPLINK_EUNAVAILABLE:
  case ERPLINK_EBUDGET:
  case ERPLINK_ECONFLICT:
  case ERPLINK_ERATELIMIT: return 1;
  default: return 0;
  }
}
