/* Odoo client over XML-RPC, JSON-RPC and JSON-2 (see include/erplink/odoo.h). */
#include "erplink/odoo.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/error.h"
#include "erplink/http.h"
#include "erplink/json.h"
#include "erplink/xmlrpc.h"
#include "http_internal.h"
#include "internal.h"

#define MAX_COMPANIES 4096

struct odoo_options {
  char *url, *db, *login, *password, *api_key, *ca_file, *ua, *lang, *tz;
  int64_t *companies;
  size_t n_companies;
  odoo_protocol protocol;
  int64_t timeout_ms, connect_ms;
  int attempts;
  int64_t backoff_base, backoff_cap;
  double rps;
  int burst;
  erplink_log_fn log;
  void *log_ud;
  int log_level;
};

struct odoo_client {
  char *url, *db, *login, *secret, *lang, *tz;
  int64_t *companies;
  size_t n_companies;
  int has_api_key;
  odoo_protocol wanted;
  erplink_http_client *http;
  pthread_mutex_t mu;
  odoo_protocol proto; /* resolved; AUTO until known (under mu) */
  int64_t uid;         /* 0 until authenticated (under mu) */
  int major;           /* 0 until known (under mu) */
  atomic_llong next_id;
  erplink_xmlrpc_decoder *spare[8]; /* reusable XML-RPC decoders (under mu) */
  int n_spare;
};

/* ------------------------------------------------------------------ small helpers */

static int dup_opt(char **dst, const char *s, int secret) {
  char *n = NULL;
  if (s) {
    n = strdup(s);
    if (!n) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  if (*dst) {
    if (secret) erplink__wipe(*dst, strlen(*dst));
    free(*dst);
  }
  *dst = n;
  return 0;
}

static void free_secret(char *s) {
  if (s) {
    erplink__wipe(s, strlen(s));
    free(s);
  }
}

static int einval(const char *what) { return erplink__error_setf(ERPLINK_EINVAL, "odoo: %s", what); }

/* ------------------------------------------------------------------ options */

int odoo_options_new(odoo_options **out) {
  if (!out) return einval("odoo_options_new: out is NULL");
  *out = NULL;
  odoo_options *o = calloc(1, sizeof *o);
  if (!o) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  o->protocol = ODOO_PROTOCOL_AUTO;
  o->timeout_ms = 120000;
  o->connect_ms = 10000;
  o->attempts = 3;
  o->backoff_base = 200;
  o->backoff_cap = 5000;
  *out = o;
  return 0;
}

void odoo_options_free(odoo_options *o) {
  if (!o) return;
  free(o->url);
  free(o->db);
  free(o->login);
  free_secret(o->password);
  free_secret(o->api_key);
  free(o->ca_file);
  free(o->ua);
  free(o->lang);
  free(o->tz);
  free(o->companies);
  free(o);
}

int odoo_options_set_url(odoo_options *o, const char *url) {
  if (!o || !url) return einval("odoo_options_set_url: NULL argument");
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return einval("the URL must start with http:// or https://");
  int rc = dup_opt(&o->url, url, 0);
  if (rc) return rc;
  size_t n = strlen(o->url);
  while (n > 8 && o->url[n - 1] == '/') o->url[--n] = '\0';
  return 0;
}

int odoo_options_set_db(odoo_options *o, const char *db) {
  if (!o || !db || !*db) return einval("odoo_options_set_db: NULL or empty argument");
  return dup_opt(&o->db, db, 0);
}

int odoo_options_set_login(odoo_options *o, const char *login) {
  if (!o || !login || !*login) return einval("odoo_options_set_login: NULL or empty argument");
  return dup_opt(&o->login, login, 0);
}

int odoo_options_set_password(odoo_options *o, const char *password) {
  if (!o || !password) return einval("odoo_options_set_password: NULL argument");
  return dup_opt(&o->password, password, 1);
}

int odoo_options_set_api_key(odoo_options *o, const char *api_key) {
  if (!o || !api_key || !*api_key) return einval("odoo_options_set_api_key: NULL or empty argument");
  for (const char *p = api_key; *p; p++)
    if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
      return einval("odoo_options_set_api_key: the key contains a space or control character");
  return dup_opt(&o->api_key, api_key, 1);
}

int odoo_options_set_protocol(odoo_options *o, odoo_protocol protocol) {
  if (!o || (int)protocol < ODOO_PROTOCOL_AUTO || protocol > ODOO_PROTOCOL_JSON2)
    return einval("odoo_options_set_protocol: invalid protocol");
  o->protocol = protocol;
  return 0;
}

int odoo_options_set_timeout_ms(odoo_options *o, int64_t ms) {
  if (!o || ms <= 0) return einval("odoo_options_set_timeout_ms: the timeout must be > 0");
  o->timeout_ms = ms;
  return 0;
}

int odoo_options_set_connect_timeout_ms(odoo_options *o, int64_t ms) {
  if (!o || ms <= 0) return einval("odoo_options_set_connect_timeout_ms: the timeout must be > 0");
  o->connect_ms = ms;
  return 0;
}

int odoo_options_set_retry(odoo_options *o, int max_attempts, int64_t base_ms, int64_t cap_ms) {
  if (!o || max_attempts < 1 || max_attempts > 100 || base_ms < 0 || cap_ms < base_ms)
    return einval("odoo_options_set_retry: need 1 <= max_attempts <= 100 and 0 <= base_ms <= cap_ms");
  o->attempts = max_attempts;
  o->backoff_base = base_ms;
  o->backoff_cap = cap_ms;
  return 0;
}

int odoo_options_set_rate_limit(odoo_options *o, double rps, int burst) {
  if (!o || !(rps >= 0) || (rps > 0 && burst < 1)) return einval("odoo_options_set_rate_limit: need rps >= 0, burst >= 1");
  o->rps = rps;
  o->burst = burst;
  return 0;
}

int odoo_options_set_ca_file(odoo_options *o, const char *path) {
  if (!o || !path || !*path) return einval("odoo_options_set_ca_file: NULL or empty path");
  return dup_opt(&o->ca_file, path, 0);
}

int odoo_options_set_user_agent(odoo_options *o, const char *ua) {
  if (!o || !ua) return einval("odoo_options_set_user_agent: NULL argument");
  for (const char *p = ua; *p; p++)
    if (*p == '\r' || *p == '\n') return einval("odoo_options_set_user_agent: line break in the value");
  return dup_opt(&o->ua, ua, 0);
}

int odoo_options_set_lang(odoo_options *o, const char *lang) {
  if (!o) return einval("odoo_options_set_lang: NULL options");
  return dup_opt(&o->lang, lang, 0);
}

int odoo_options_set_tz(odoo_options *o, const char *tz) {
  if (!o) return einval("odoo_options_set_tz: NULL options");
  return dup_opt(&o->tz, tz, 0);
}

int odoo_options_set_allowed_company_ids(odoo_options *o, const int64_t *ids, size_t n) {
  if (!o || (n && !ids) || n > MAX_COMPANIES) return einval("odoo_options_set_allowed_company_ids: bad arguments");
  int64_t *copy = NULL;
  if (n) {
    copy = malloc(n * sizeof *copy);
    if (!copy) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    memcpy(copy, ids, n * sizeof *copy);
  }
  free(o->companies);
  o->companies = copy;
  o->n_companies = n;
  return 0;
}

int odoo_options_set_log(odoo_options *o, erplink_log_fn fn, void *userdata, int max_level) {
  if (!o || max_level < ERPLINK_LOG_NONE || max_level > ERPLINK_LOG_TRACE)
    return einval("odoo_options_set_log: bad arguments");
  o->log = fn;
  o->log_ud = userdata;
  o->log_level = max_level;
  return 0;
}

/* ------------------------------------------------------------------ client */

int odoo_client_new(odoo_client **out, const odoo_options *o) {
  if (!out || !o) return einval("odoo_client_new: NULL argument");
  *out = NULL;
  if (!o->url) return einval("no URL configured (odoo_options_set_url)");
  if (!o->db) return einval("no database configured (odoo_options_set_db)");
  if (!o->password && !o->api_key)
    return einval("no password nor API key configured (odoo_options_set_password / _set_api_key)");
  if (o->protocol == ODOO_PROTOCOL_JSON2 && !o->api_key) return einval("JSON-2 needs an API key (odoo_options_set_api_key)");
  if ((o->protocol == ODOO_PROTOCOL_XMLRPC || o->protocol == ODOO_PROTOCOL_JSONRPC || !o->api_key) && !o->login)
    return einval("XML-RPC and JSON-RPC need a login (odoo_options_set_login)");
  odoo_client *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  pthread_mutex_init(&c->mu, NULL);
  atomic_init(&c->next_id, 1);
  int rc = 0;
  if ((rc = dup_opt(&c->url, o->url, 0)) || (rc = dup_opt(&c->db, o->db, 0)) ||
      (rc = dup_opt(&c->login, o->login, 0)) || (rc = dup_opt(&c->secret, o->api_key ? o->api_key : o->password, 1)) ||
      (rc = dup_opt(&c->lang, o->lang, 0)) || (rc = dup_opt(&c->tz, o->tz, 0)))
    goto fail;
  c->has_api_key = o->api_key != NULL;
  if (o->n_companies) {
    c->companies = malloc(o->n_companies * sizeof *c->companies);
    if (!c->companies) {
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      goto fail;
    }
    memcpy(c->companies, o->companies, o->n_companies * sizeof *c->companies);
    c->n_companies = o->n_companies;
  }
  c->wanted = o->protocol;
  c->proto = o->protocol;
  if (c->proto == ODOO_PROTOCOL_AUTO && !c->has_api_key) c->proto = ODOO_PROTOCOL_XMLRPC;

  erplink_http_options *ho = NULL;
  if ((rc = erplink_http_options_new(&ho))) goto fail;
  if ((rc = erplink_http_options_set_timeout_ms(ho, o->timeout_ms)) ||
      (rc = erplink_http_options_set_connect_timeout_ms(ho, o->connect_ms)) ||
      (rc = erplink_http_options_set_max_attempts(ho, o->attempts)) ||
      (rc = erplink_http_options_set_backoff_ms(ho, o->backoff_base, o->backoff_cap)) ||
      (o->rps > 0 && (rc = erplink_http_options_set_rate_limit(ho, o->rps, o->burst))) ||
      (o->ca_file && (rc = erplink_http_options_set_ca_file(ho, o->ca_file))) ||
      (o->ua && (rc = erplink_http_options_set_user_agent(ho, o->ua))) ||
      (o->log && (rc = erplink_http_options_set_log(ho, o->log_level, o->log, o->log_ud)))) {
    erplink_http_options_free(ho);
    goto fail;
  }
  rc = erplink_http_client_new(&c->http, ho);
  erplink_http_options_free(ho);
  if (rc) goto fail;
  *out = c;
  return 0;
fail:
  odoo_client_free(c);
  return rc;
}

void odoo_client_free(odoo_client *c) {
  if (!c) return;
  erplink_http_client_free(c->http);
  for (int i = 0; i < c->n_spare; i++) erplink_xmlrpc_decoder_free(c->spare[i]);
  free(c->url);
  free(c->db);
  free(c->login);
  free_secret(c->secret);
  free(c->lang);
  free(c->tz);
  free(c->companies);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

/* ------------------------------------------------------------------ error mapping */

static const char *short_class(const char *cls) {
  if (!cls) return NULL;
  const char *dot = strrchr(cls, '.');
  return dot ? dot + 1 : cls;
}

static int class_code(const char *cls) {
  const char *s = short_class(cls);
  if (!s) return 0;
  if (!strcmp(s, "AccessDenied") || !strcmp(s, "Unauthorized") || !strcmp(s, "SessionExpiredException"))
    return ERPLINK_EAUTH;
  if (!strcmp(s, "AccessError") || !strcmp(s, "Forbidden")) return ERPLINK_EACCESS;
  if (!strcmp(s, "ValidationError") || !strcmp(s, "UserError") || !strcmp(s, "RedirectWarning") ||
      !strcmp(s, "UnprocessableEntity") || !strcmp(s, "IntegrityError") || !strcmp(s, "CheckViolation") ||
      !strcmp(s, "NotNullViolation") || !strcmp(s, "UniqueViolation"))
    return ERPLINK_EVALIDATION;
  if (!strcmp(s, "MissingError") || !strcmp(s, "NotFound")) return ERPLINK_ENOTFOUND;
  if (!strcmp(s, "LockError") || !strcmp(s, "Conflict") || !strcmp(s, "SerializationFailure") ||
      !strcmp(s, "LockNotAvailable") || !strcmp(s, "ConcurrentUpdate"))
    return ERPLINK_ECONFLICT;
  if (!strcmp(s, "BadRequest")) return ERPLINK_EPROTOCOL;
  return 0;
}

static int status_code(int status) {
  switch (status) {
  case 401: return ERPLINK_EAUTH;
  case 403: return ERPLINK_EACCESS;
  case 404: return ERPLINK_ENOTFOUND;
  case 409: return ERPLINK_ECONFLICT;
  case 422: return ERPLINK_EVALIDATION;
  case 400: return ERPLINK_EPROTOCOL;
  case 429: return ERPLINK_ERATELIMIT;
  case 502: case 503: case 504: return ERPLINK_EUNAVAILABLE;
  default: return ERPLINK_ESERVER;
  }
}

/* Sets the last error for a remote exception. what = "res.partner.write" or "common.authenticate". */
static int remote_error(int code, int status, const char *cls, const char *msg, size_t msg_len, const char *debug,
                        size_t debug_len, const char *what) {
  if (!code) code = class_code(cls);
  if (!code) code = status ? status_code(status) : ERPLINK_ESERVER;
  if (!msg) msg = "", msg_len = 0;
  if (msg_len > 2000) msg_len = 2000;
  while (msg_len && (msg[msg_len - 1] == '\n' || msg[msg_len - 1] == ' ')) msg_len--;
  const char *detail = debug && debug_len ? debug : msg;
  size_t detail_len = debug && debug_len ? debug_len : msg_len;
  if (status)
    return erplink__error_setx(code, status, cls, detail, detail_len, -1, "odoo: %s failed (HTTP %d): %s: %.*s", what,
                               status, cls ? short_class(cls) : "error", (int)msg_len, msg);
  return erplink__error_setx(code, 0, cls, detail, detail_len, -1, "odoo: %s failed: %s: %.*s", what,
                             cls ? short_class(cls) : "error", (int)msg_len, msg);
}

static const char *str_member(const erplink_value *st, const char *key, size_t *len) {
  const erplink_value *v = erplink_value_struct_get(st, key);
  const char *s = NULL;
  if (!v || erplink_value_get_string(&s, len, v) != 0) {
    if (len) *len = 0;
    return NULL;
  }
  return s;
}

/* An Odoo error object {name, message, arguments, context, debug} (JSON-RPC data / JSON-2 body). */
static int error_object(const erplink_value *e, int status, const char *what) {
  size_t nl = 0, ml = 0, dl = 0;
  const char *name = str_member(e, "name", &nl);
  const char *msg = str_member(e, "message", &ml);
  const char *debug = str_member(e, "debug", &dl);
  char cls[256];
  snprintf(cls, sizeof cls, "%.*s", (int)(nl < 255 ? nl : 255), name ? name : "");
  int code = class_code(cls);
  if (!code && status) code = status_code(status);
  if (!code) code = ERPLINK_ESERVER;
  return remote_error(code, status, name ? cls : NULL, msg, ml, debug, dl, what);
}

/* XML-RPC fault {faultCode, faultString}. */
static int xmlrpc_fault(const erplink_value *f, const char *what) {
  const erplink_value *fc = erplink_value_struct_get(f, "faultCode");
  size_t sl = 0;
  const char *fs = str_member(f, "faultString", &sl);
  int64_t code = 0;
  if (!fs) fs = "", sl = 0;
  if (fc && erplink_value_get_int(&code, fc) == 0) {
    switch (code) {
    case 2:
      return erplink__error_setx(ERPLINK_EVALIDATION, 0, NULL, fs, sl, -1,
                                 "odoo: %s failed: UserError, ValidationError or MissingError (XML-RPC fault code 2 "
                                 "does not say which; JSON-RPC and JSON-2 do): %.*s",
                                 what, (int)(sl > 2000 ? 2000 : sl), fs);
    case 3: return remote_error(ERPLINK_EAUTH, 0, "odoo.exceptions.AccessDenied", fs, sl, NULL, 0, what);
    case 4: return remote_error(ERPLINK_EACCESS, 0, "odoo.exceptions.AccessError", fs, sl, NULL, 0, what);
    default: break;
    }
    /* code 1 (or other): a traceback whose exception line is "module.Class: message" */
    const char *line = fs, *end = fs + sl;
    const char *p = fs;
    int in_tb = sl >= 9 && memcmp(fs, "Traceback", 9) == 0;
    if (in_tb) {
      /* last unindented line that is not the "Traceback" header, after the last frame */
      const char *last_frame = NULL;
      for (p = fs; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        if (nl - p >= 7 && memcmp(p, "  File ", 7) == 0) last_frame = nl;
        p = nl + 1;
      }
      line = NULL;
      for (p = last_frame ? last_frame + 1 : fs; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        if (nl > p && *p != ' ' && !(nl - p >= 9 && memcmp(p, "Traceback", 9) == 0)) {
          line = p;
          break;
        }
        p = nl + 1;
      }
    }
    if (in_tb && line) {
      const char *nl = memchr(line, '\n', (size_t)(end - line));
      size_t ll = nl ? (size_t)(nl - line) : (size_t)(end - line);
      const char *colon = memchr(line, ':', ll);
      char cls[256];
      if (colon && colon - line < 255 && memchr(line, ' ', (size_t)(colon - line)) == NULL) {
        int cn = (int)(colon - line);
        if (memchr(line, '.', (size_t)cn)) snprintf(cls, sizeof cls, "%.*s", cn, line);
        else snprintf(cls, sizeof cls, "builtins.%.*s", cn > 200 ? 200 : cn, line); /* builtins print bare */
        const char *m = colon + 1;
        while (m < end && *m == ' ') m++;
        return remote_error(class_code(cls) ? class_code(cls) : ERPLINK_ESERVER, 0, cls, m, (size_t)(end - m), fs, sl,
                            what);
      }
    }
    return remote_error(ERPLINK_ESERVER, 0, NULL, fs, sl, fs, sl, what);
  }
  /* legacy string faultCode: "warning -- Class\n\nmessage", "AccessDenied", or str(exc) */
  size_t cl = 0;
  const char *cs = str_member(f, "faultCode", &cl);
  if (cs && cl >= 11 && memcmp(cs, "warning -- ", 11) == 0) {
    const char *c0 = cs + 11, *e = cs + cl;
    const char *nl = memchr(c0, '\n', (size_t)(e - c0));
    size_t n = nl ? (size_t)(nl - c0) : (size_t)(e - c0);
    char cls[256];
    snprintf(cls, sizeof cls, "odoo.exceptions.%.*s", (int)(n < 200 ? n : 200), c0);
    const char *m = nl ? nl : e;
    while (m < e && *m == '\n') m++;
    return remote_error(0, 0, cls, m, (size_t)(e - m), NULL, 0, what);
  }
  if (cs && cl == 12 && memcmp(cs, "AccessDenied", 12) == 0)
    return remote_error(ERPLINK_EAUTH, 0, "odoo.exceptions.AccessDenied", fs, sl, NULL, 0, what);
  return remote_error(ERPLINK_ESERVER, 0, NULL, cs ? cs : fs, cs ? cl : sl, fs, sl, what);
}

/* ------------------------------------------------------------------ HTTP exchange */

typedef struct sink {
  int xml;
  erplink_xmlrpc_decoder *x;
  erplink_json_decoder *j;
  size_t bytes;
  int failed;
  char head[512]; /* the first bytes of the body, to tell an HTML page when decoding fails */
  size_t head_len;
} sink;

static int sink_write(const char *data, size_t len, void *ud) {
  sink *s = ud;
  if (s->head_len < sizeof s->head) {
    size_t n = len < sizeof s->head - s->head_len ? len : sizeof s->head - s->head_len;
    memcpy(s->head + s->head_len, data, n);
    s->head_len += n;
  }
  s->bytes += len;
  int rc = s->xml ? erplink_xmlrpc_decoder_feed(s->x, data, len) : erplink_json_decoder_feed(s->j, data, len);
  if (rc) s->failed = 1;
  return rc;
}

static void sink_reset(void *ud) {
  sink *s = ud;
  s->bytes = 0;
  s->failed = 0;
  s->head_len = 0;
  if (s->xml) {
    erplink_xmlrpc_decoder_reset(s->x);
  } else {
    erplink_json_decoder_free(s->j);
    s->j = NULL;
    erplink_json_decoder_new(&s->j, NULL);
  }
}

/* XML-RPC decoders are kept for reuse (creating an expat parser costs as much as decoding a
 * small answer). */
static int take_decoder(odoo_client *c, erplink_xmlrpc_decoder **out) {
  pthread_mutex_lock(&c->mu);
  *out = c->n_spare ? c->spare[--c->n_spare] : NULL;
  pthread_mutex_unlock(&c->mu);
  if (*out) return erplink_xmlrpc_decoder_reset(*out);
  return erplink_xmlrpc_decoder_new(out, NULL);
}

static void sink_free(odoo_client *c, sink *s) {
  if (s->x) {
    pthread_mutex_lock(&c->mu);
    if (c->n_spare < (int)(sizeof c->spare / sizeof c->spare[0])) {
      c->spare[c->n_spare++] = s->x;
      s->x = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    erplink_xmlrpc_decoder_free(s->x);
  }
  erplink_json_decoder_free(s->j);
}

typedef struct exchange {
  const char *proto;      /* "XML-RPC", "JSON-RPC", "JSON-2" or "JSON": what the answer should be */
  const char *path;       /* appended to the base URL */
  const char *method;     /* "POST" (default) or "GET" */
  const char *ctype;      /* request Content-Type */
  const char *body;
  size_t body_len;
  int idempotent;
  int json2_auth;         /* add Authorization + X-Odoo-Database */
  int xml;                /* decode the 2xx answer as XML-RPC (else JSON) */
  const erplink_value *log_value;
  const char *what;       /* for messages */
} exchange;

static int ci_prefix(const char *s, size_t n, const char *p) {
  size_t pl = strlen(p);
  if (n < pl) return 0;
  for (size_t i = 0; i < pl; i++)
    if ((s[i] | 0x20) != p[i]) return 0; /* p is lowercase letters and punctuation */
  return 1;
}

/* The first bytes of a body open an HTML document. */
static int looks_html(const char *b, size_t n) {
  size_t i = 0;
  if (n >= 3 && (unsigned char)b[0] == 0xEF && (unsigned char)b[1] == 0xBB && (unsigned char)b[2] == 0xBF) i = 3;
  while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) i++;
  return ci_prefix(b + i, n - i, "<!doctype html") || ci_prefix(b + i, n - i, "<html");
}

static const char *find_bytes(const char *h, size_t hl, const char *needle) {
  size_t nl = strlen(needle);
  for (size_t i = 0; nl && i + nl <= hl; i++)
    if (!memcmp(h + i, needle, nl)) return h + i;
  return NULL;
}

/* Copies the <title> of an HTML page into out (control characters as spaces, at most ~100 bytes
 * cut on a UTF-8 boundary); "" when there is none. */
static void html_title(char *out, size_t cap, const char *b, size_t n) {
  out[0] = '\0';
  const char *t = find_bytes(b, n, "<title>");
  if (!t) t = find_bytes(b, n, "<TITLE>");
  if (!t) return;
  t += 7;
  const char *e = b + n;
  while (t < e && (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')) t++;
  size_t k = 0;
  while (t < e && *t != '<' && k + 1 < cap) out[k++] = (unsigned char)*t < 0x20 ? ' ' : *t, t++;
  if (t < e && *t != '<') /* cut: drop a partial UTF-8 sequence */
    while (k && ((unsigned char)out[k - 1] & 0xC0) == 0x80) k--;
  if (k && ((unsigned char)out[k - 1] & 0xC0) == 0xC0) k--;
  while (k && out[k - 1] == ' ') k--;
  out[k] = '\0';
}

/* An answer that is not the protocol asked for: an HTML page (a wrong base URL, the login page, a
 * reverse proxy serving something else) or another media type. ERPLINK_EPROTOCOL whatever the
 * HTTP status, so that a misconfigured endpoint is never taken for a missing record. On a JSON-2
 * route Odoo's "No database is selected" page means that the database is unknown there. */
static int not_rpc_answer(odoo_client *c, const exchange *x, int status, const char *ctype, const char *body,
                          size_t len) {
  size_t dl = len > 1024 ? 1024 : len;
  int html = looks_html(body, len) || (ctype && ci_prefix(ctype, strlen(ctype), "text/html"));
  if (html && x->json2_auth && status == 404 && find_bytes(body, len, "No database is selected"))
    return erplink__error_setx(ERPLINK_EPROTOCOL, status, NULL, body, dl, -1,
                               "odoo: %s (HTTP 404): the server has no database '%s' for this request: Odoo answered "
                               "\"No database is selected\": the X-Odoo-Database header names a database that does not "
                               "exist, or one the server's dbfilter does not serve (check odoo_options_set_db)",
                               x->what, c->db);
  char what[200];
  if (html) {
    char title[104];
    html_title(title, sizeof title, body, len);
    if (title[0]) snprintf(what, sizeof what, "an HTML page (\"%s\")", title);
    else snprintf(what, sizeof what, "an HTML page");
  } else if (ctype && *ctype) {
    snprintf(what, sizeof what, "a %.60s document", ctype);
    for (char *p = what; *p; p++)
      if ((unsigned char)*p < 0x20) *p = ' ';
  } else {
    snprintf(what, sizeof what, "a document without Content-Type");
  }
  return erplink__error_setx(ERPLINK_EPROTOCOL, status, NULL, len ? body : NULL, dl, -1,
                             "odoo: %s: the server answered %s (HTTP %d), not %s: is the URL the Odoo base URL "
                             "(e.g. https://erp.example.com, without /web, /odoo or /web/login)?",
                             x->what, what, status, x->proto ? x->proto : x->xml ? "XML-RPC" : "JSON");
}

/* Whether an error answer's Content-Type is the one of the protocol asked for. */
static int rpc_media_type(const erplink_http_response *resp, const exchange *x) {
  if (x->xml)
    return erplink_http_response_content_type_is(resp, "text/xml") ||
           erplink_http_response_content_type_is(resp, "application/xml");
  return erplink_http_response_content_type_is(resp, "application/json");
}

/* Statuses that keep their own (transient) code even with an HTML body: a rate limit or a
 * gateway error is retried, whatever page the proxy shows with it. */
static int transient_status(int st) { return st == 429 || st == 502 || st == 503 || st == 504; }

/* Sends and decodes. On success *out is the decoded root (XML-RPC: the param or fault,
 * *is_fault set). On a non-2xx JSON answer, *err_body receives the decoded body and
 * *status the status (the call still returns the HTTP error code). */
static int do_exchange(odoo_client *c, const exchange *x, erplink_value **out, int *is_fault, int *status,
                       erplink_value **err_body) {
  *out = NULL;
  if (is_fault) *is_fault = 0;
  if (status) *status = 0;
  if (err_body) *err_body = NULL;
  erplink_buf url = {0};
  if (erplink_buf_puts(&url, c->url) || erplink_buf_puts(&url, x->path)) {
    erplink_buf_free(&url);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  erplink_http_request *req = NULL;
  erplink_http_response *resp = NULL;
  sink s = {0};
  s.xml = x->xml;
  int rc = erplink_http_request_new(&req, x->method ? x->method : "POST", url.ptr);
  erplink_buf_free(&url);
  if (rc) return rc;
  if (x->body) {
    if ((rc = erplink_http_request_set_body_borrowed(req, x->body, x->body_len)) ||
        (rc = erplink_http_request_set_header(req, "Content-Type", x->ctype)))
      goto done;
  }
  if ((rc = erplink_http_request_set_header(req, "Accept", x->xml ? "text/xml" : "application/json"))) goto done;
  if (x->json2_auth) {
    size_t kl = strlen(c->secret);
    char *auth = malloc(kl + 8);
    if (!auth) {
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      goto done;
    }
    memcpy(auth, "bearer ", 7);
    memcpy(auth + 7, c->secret, kl + 1);
    rc = erplink_http_request_set_header(req, "Authorization", auth);
    erplink__wipe(auth, kl + 7);
    free(auth);
    if (rc || (rc = erplink_http_request_set_header(req, "X-Odoo-Database", c->db))) goto done;
  }
  if (x->idempotent && (rc = erplink_http_request_set_idempotent(req, 1))) goto done;
  if (x->log_value && (rc = erplink_http_request_set_log_value(req, x->log_value))) goto done;
  rc = x->xml ? take_decoder(c, &s.x) : erplink_json_decoder_new(&s.j, NULL);
  if (rc) goto done;
  if ((rc = erplink_http_request_set_sink(req, sink_write, sink_reset, &s))) goto done;

  rc = erplink_http_client_send(&resp, c->http, req);
  if (rc) {
    int st = resp ? erplink_http_response_status(resp) : 0;
    if (status) *status = st;
    if (resp && st && err_body && erplink_http_response_content_type_is(resp, "application/json")) {
      size_t bl = 0;
      const char *b = erplink_http_response_body(resp, &bl);
      erplink__error_saved *sv = erplink__error_save();
      erplink_value *v = NULL;
      if (b && erplink_json_decode(&v, b, bl, NULL) == 0 && erplink_value_type(v) == ERPLINK_TYPE_STRUCT &&
          erplink_value_struct_get(v, "name")) {
        *err_body = v;
        erplink__error_restore(sv);
      } else {
        erplink_value_free(v);
        erplink__error_restore(sv);
      }
    }
    if (!(err_body && *err_body)) {
      if (resp && st && rc != ERPLINK_EREDIRECT && !transient_status(st) && !rpc_media_type(resp, x)) {
        size_t bl = 0;
        const char *b = erplink_http_response_body(resp, &bl);
        rc = not_rpc_answer(c, x, st, erplink_http_response_content_type(resp), b, bl);
        goto done;
      }
      if (!st) st = erplink_error_http_status(erplink_error_last()); /* the status of a body the decoder refused */
      if (!resp && s.bytes && looks_html(s.head, s.head_len)) { /* a 2xx HTML page the decoder refused */
        rc = not_rpc_answer(c, x, st, NULL, s.head, s.head_len);
        if (status) *status = st;
        goto done;
      }
      if (status) *status = st;
      if (st) erplink__error_prefix("odoo: %s (HTTP %d): ", x->what, st);
      else erplink__error_prefix("odoo: %s: ", x->what);
    }
    goto done;
  }
  if (status) *status = erplink_http_response_status(resp);
  if (s.bytes == 0) {
    rc = erplink__error_setx(ERPLINK_EPROTOCOL, erplink_http_response_status(resp), NULL, NULL, 0, -1,
                             "odoo: %s: the server sent an empty answer (HTTP %d), not %s", x->what,
                             erplink_http_response_status(resp), x->xml ? "XML-RPC" : "JSON");
    goto done;
  }
  if (x->xml) {
    int f = 0;
    rc = erplink_xmlrpc_decoder_finish(out, &f, s.x);
    if (is_fault) *is_fault = f;
  } else {
    rc = erplink_json_decoder_finish(out, s.j);
  }
  if (rc && looks_html(s.head, s.head_len)) {
    rc = not_rpc_answer(c, x, erplink_http_response_status(resp), erplink_http_response_content_type(resp), s.head,
                        s.head_len);
  } else if (rc) {
    erplink__error_annotate_http(erplink_http_response_status(resp));
    erplink__error_prefix("odoo: %s (HTTP %d): ", x->what, erplink_http_response_status(resp));
  }
done:
  erplink_http_response_free(resp);
  erplink_http_request_free(req);
  sink_free(c, &s);
  return rc;
}

/* ------------------------------------------------------------------ protocol calls */

static int is_idempotent_method(const char *m) {
  static const char *const names[] = {"search", "search_count", "read", "search_read", "fields_get",
                                      "name_search", "read_group", "default_get", "context_get",
                                      "formatted_read_group", "check_access_rights", NULL};
  for (int i = 0; names[i]; i++)
    if (!strcmp(m, names[i])) return 1;
  return 0;
}

/* A remote psycopg2.OperationalError 'database "x" does not exist' (what Odoo's XML-RPC and
 * JSON-RPC answer for a database the server does not have) becomes ERPLINK_EPROTOCOL naming the
 * database, as JSON-2's "No database is selected" page does: a misconfigured endpoint, the same
 * category on every protocol. Other errors pass through. */
static int database_error(int rc, const char *what) {
  const erplink_error *e = erplink_error_last();
  const char *cls = erplink_error_remote_class(e);
  if (rc != ERPLINK_ESERVER || !cls || strcmp(short_class(cls), "OperationalError") != 0) return rc;
  const char *m = erplink_error_message(e);
  const char *q = strstr(m, "database \"");
  const char *q2 = q ? strchr(q + 10, '"') : NULL;
  if (!q2 || strncmp(q2, "\" does not exist", 16) != 0) return rc;
  const char *detail = erplink_error_detail(e);
  char *m_copy = strdup(m), *d_copy = detail ? strdup(detail) : NULL, *c_copy = strdup(cls);
  if (!m_copy || !c_copy || (detail && !d_copy)) {
    free(m_copy);
    free(d_copy);
    free(c_copy);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  const char *f = strstr(m_copy, " failed: "); /* "odoo: <call> failed: OperationalError: ..." */
  rc = erplink__error_setx(ERPLINK_EPROTOCOL, erplink_error_http_status(e), c_copy, d_copy,
                           d_copy ? strlen(d_copy) : 0, -1,
                           "odoo: %s failed: the server has no database '%.*s' (%s): check the database name "
                           "(odoo_options_set_db)",
                           what, (int)(q2 - (q + 10)), m_copy + (q - m) + 10, f ? f + 9 : m_copy);
  free(m_copy);
  free(d_copy);
  free(c_copy);
  return rc;
}

/* service.method(*params) over XML-RPC. params: an array (borrowed). */
static int xmlrpc_call(erplink_value **out, odoo_client *c, const char *service, const char *method,
                       const erplink_value *params, int idempotent, const char *what) {
  char *body = NULL;
  size_t len = 0;
  int rc = erplink_xmlrpc_encode_call(&body, &len, method, params);
  if (rc) return rc;
  char path[64];
  snprintf(path, sizeof path, "/xmlrpc/2/%s", service);
  exchange x = {.proto = "XML-RPC", .path = path, .ctype = "text/xml", .body = body, .body_len = len,
                .idempotent = idempotent, .xml = 1, .log_value = params, .what = what};
  int fault = 0;
  erplink_value *v = NULL;
  rc = do_exchange(c, &x, &v, &fault, NULL, NULL);
  erplink__wipe(body, len); /* it holds the password or key */
  free(body);
  if (rc) return rc;
  if (fault) {
    rc = database_error(xmlrpc_fault(v, what), what);
    erplink_value_free(v);
    return rc;
  }
  *out = v;
  return 0;
}

static int jsonrpc_call(erplink_value **out, odoo_client *c, const char *service, const char *method,
                        erplink_value *args /* consumed */, int idempotent, const char *what) {
  erplink_value *env = NULL, *params = NULL;
  int rc;
  if ((rc = erplink_value_new_struct(&env)) || (rc = erplink_value_struct_set_string(env, "jsonrpc", "2.0")) ||
      (rc = erplink_value_struct_set_string(env, "method", "call")) || (rc = erplink_value_new_struct(&params))) {
    erplink_value_free(args);
    erplink_value_free(env);
    return rc;
  }
  if ((rc = erplink_value_struct_set(env, "params", params)) ||
      (rc = erplink_value_struct_set_string(params, "service", service)) ||
      (rc = erplink_value_struct_set_string(params, "method", method))) {
    erplink_value_free(args);
    erplink_value_free(env);
    return rc;
  }
  rc = erplink_value_struct_set(params, "args", args);
  if (!rc) rc = erplink_value_struct_set_int(env, "id", (int64_t)atomic_fetch_add(&c->next_id, 1));
  char *body = NULL;
  size_t len = 0;
  if (!rc) rc = erplink_json_encode(&body, &len, env);
  if (rc) {
    erplink_value_free(env);
    return rc;
  }
  exchange x = {.proto = "JSON-RPC", .path = "/jsonrpc", .ctype = "application/json", .body = body, .body_len = len,
                .idempotent = idempotent, .xml = 0, .log_value = env, .what = what};
  erplink_value *v = NULL;
  rc = do_exchange(c, &x, &v, NULL, NULL, NULL);
  erplink__wipe(body, len);
  free(body);
  erplink_value_free(env);
  if (rc) return rc;
  if (erplink_value_type(v) != ERPLINK_TYPE_STRUCT) {
    erplink_value_free(v);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s: the JSON-RPC answer is not an object", what);
  }
  const erplink_value *err = erplink_value_struct_get(v, "error");
  if (err) {
    const erplink_value *data = erplink_value_struct_get(err, "data");
    if (data && erplink_value_type(data) == ERPLINK_TYPE_STRUCT) {
      rc = error_object(data, 0, what);
    } else {
      size_t ml = 0;
      const char *m = str_member(err, "message", &ml);
      rc = remote_error(ERPLINK_ESERVER, 0, NULL, m, ml, NULL, 0, what);
    }
    erplink_value_free(v);
    return database_error(rc, what);
  }
  const erplink_value *res = erplink_value_struct_get(v, "result");
  if (res) rc = erplink_value_clone(out, res);
  else rc = erplink_value_new_nil(out); /* a method that returned None */
  erplink_value_free(v);
  return rc;
}

/* Builds service args for JSON-RPC / XML-RPC alike: an array of the given values. */

static int json2_call(erplink_value **out, odoo_client *c, const char *model, const char *method,
                      const erplink_value *body_v, int idempotent, const char *what) {
  char *body = NULL;
  size_t len = 0;
  int rc = erplink_json_encode(&body, &len, body_v);
  if (rc) return rc;
  erplink_buf path = {0};
  if (erplink_buf_printf(&path, "/json/2/%s/%s", model, method)) {
    free(body);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  exchange x = {.proto = "JSON-2", .path = path.ptr, .ctype = "application/json", .body = body, .body_len = len,
                .idempotent = idempotent, .json2_auth = 1, .xml = 0, .log_value = body_v, .what = what};
  erplink_value *v = NULL, *eb = NULL;
  int status = 0;
  rc = do_exchange(c, &x, &v, NULL, &status, &eb);
  free(body);
  erplink_buf_free(&path);
  if (eb) {
    rc = error_object(eb, status, what);
    erplink_value_free(eb);
    return rc;
  }
  if (rc) return rc;
  *out = v;
  return 0;
}

/* ------------------------------------------------------------------ version / protocol */

static int web_version(erplink_value **out, odoo_client *c) {
  exchange x = {.proto = "JSON", .path = "/web/version", .method = "GET", .xml = 0, .idempotent = 1,
                .what = "GET /web/version"};
  erplink_value *v = NULL;
  int rc = do_exchange(c, &x, &v, NULL, NULL, NULL);
  if (rc) return rc;
  if (erplink_value_type(v) != ERPLINK_TYPE_STRUCT || !erplink_value_struct_get(v, "version_info")) {
    erplink_value_free(v);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: GET /web/version: the answer has no version_info");
  }
  *out = v;
  return 0;
}

static int common_version(erplink_value **out, odoo_client *c, odoo_protocol p) {
  erplink_value *params = NULL;
  int rc = erplink_value_new_array(&params);
  if (rc) return rc;
  if (p == ODOO_PROTOCOL_JSONRPC) return jsonrpc_call(out, c, "common", "version", params, 1, "common.version");
  rc = xmlrpc_call(out, c, "common", "version", params, 1, "common.version");
  erplink_value_free(params);
  return rc;
}

static int major_of(const erplink_value *v, int *major) {
  const erplink_value *info = erplink_value_struct_get(v, "server_version_info");
  if (!info) info = erplink_value_struct_get(v, "version_info");
  int64_t m = 0;
  if (!info || erplink_value_count(info) < 1 || erplink_value_get_int(&m, erplink_value_array_get(info, 0)) != 0 ||
      m < 1 || m > 1000) {
    /* "saas~18.3" style version_info[0] strings: read the digits of server_serie */
    size_t sl = 0;
    const char *s = str_member(v, "server_serie", &sl);
    if (!s) s = str_member(v, "version", &sl);
    if (s) {
      const char *p = s;
      while (p < s + sl && (*p < '0' || *p > '9')) p++;
      m = 0;
      while (p < s + sl && *p >= '0' && *p <= '9' && m < 1000) m = m * 10 + (*p++ - '0');
    }
  }
  if (m < 1 || m >= 1000) return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: the version answer has no major version");
  *major = (int)m;
  return 0;
}

static int resolve(odoo_client *c, odoo_protocol *out) {
  pthread_mutex_lock(&c->mu);
  odoo_protocol p = c->proto;
  pthread_mutex_unlock(&c->mu);
  if (p != ODOO_PROTOCOL_AUTO) {
    *out = p;
    return 0;
  }
  /* AUTO with an API key: JSON-2 if the server is 19+. */
  erplink_value *v = NULL;
  int major = 0;
  int rc = web_version(&v, c);
  if (rc == 0) rc = major_of(v, &major);
  erplink_value_free(v);
  v = NULL;
  if (rc) {
    erplink__error_saved *sv = erplink__error_save();
    rc = common_version(&v, c, ODOO_PROTOCOL_XMLRPC);
    if (rc == 0) rc = major_of(v, &major);
    erplink_value_free(v);
    if (rc) { /* report the XML-RPC failure, drop the /web/version one */
      erplink__error_saved *now = erplink__error_save();
      erplink__error_restore(sv);
      erplink__error_restore(now);
      return rc;
    }
    erplink__error_restore(sv);
    erplink_error_clear();
  }
  p = major >= 19 ? ODOO_PROTOCOL_JSON2 : ODOO_PROTOCOL_XMLRPC;
  erplink__logf(erplink__http_client_logger(c->http), ERPLINK_LOG_INFO, "odoo: server is Odoo %d: using %s", major,
                p == ODOO_PROTOCOL_JSON2 ? "JSON-2" : "XML-RPC");
  pthread_mutex_lock(&c->mu);
  c->proto = p;
  c->major = major;
  pthread_mutex_unlock(&c->mu);
  *out = p;
  return 0;
}

int odoo_client_protocol(odoo_protocol *out, odoo_client *c) {
  if (!out || !c) return einval("odoo_client_protocol: NULL argument");
  return resolve(c, out);
}

int odoo_client_version(erplink_value **out, odoo_client *c) {
  if (!out || !c) return einval("odoo_client_version: NULL argument");
  *out = NULL;
  odoo_protocol p;
  int rc = resolve(c, &p);
  if (rc) return rc;
  return p == ODOO_PROTOCOL_JSON2 ? web_version(out, c) : common_version(out, c, p);
}

int odoo_client_server_version(int *out, odoo_client *c) {
  if (!out || !c) return einval("odoo_client_server_version: NULL argument");
  pthread_mutex_lock(&c->mu);
  int m = c->major;
  pthread_mutex_unlock(&c->mu);
  if (!m) {
    erplink_value *v = NULL;
    int rc = odoo_client_version(&v, c);
    if (rc == 0) rc = major_of(v, &m);
    erplink_value_free(v);
    if (rc) return rc;
    pthread_mutex_lock(&c->mu);
    c->major = m;
    pthread_mutex_unlock(&c->mu);
  }
  *out = m;
  return 0;
}

/* ------------------------------------------------------------------ authentication */

static int new_secret_value(odoo_client *c, erplink_value **out) { return erplink_value_new_secret(out, c->secret); }

static int authenticate(odoo_client *c, odoo_protocol p, int64_t *uid) {
  erplink_value *res = NULL;
  int rc;
  if (p == ODOO_PROTOCOL_JSON2) {
    erplink_value *body = NULL;
    if ((rc = erplink_value_new_struct(&body))) return rc;
    rc = json2_call(&res, c, "res.users", "context_get", body, 1, "res.users.context_get");
    erplink_value_free(body);
    if (rc) return rc;
    int64_t u = 0;
    const erplink_value *uv = erplink_value_struct_get(res, "uid");
    if (!uv || erplink_value_get_int(&u, uv) != 0 || u <= 0) {
      erplink_value_free(res);
      return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: res.users.context_get: the answer has no uid");
    }
    erplink_value_free(res);
    *uid = u;
    return 0;
  }
  if (!c->login)
    return erplink__error_setf(ERPLINK_EINVAL, "odoo: %s needs a login (odoo_options_set_login): the server has no "
                               "JSON-2 (Odoo < 19) or another protocol was chosen",
                               p == ODOO_PROTOCOL_JSONRPC ? "JSON-RPC" : "XML-RPC");
  erplink_value *params = NULL, *sec = NULL, *env = NULL;
  if ((rc = erplink_value_new_array(&params)) || (rc = erplink_value_array_append_string(params, c->db)) ||
      (rc = erplink_value_array_append_string(params, c->login)) || (rc = new_secret_value(c, &sec)) ||
      (rc = erplink_value_array_append(params, sec)) || (rc = erplink_value_new_struct(&env)) ||
      (rc = erplink_value_array_append(params, env))) {
    erplink_value_free(params);
    return rc;
  }
  if (p == ODOO_PROTOCOL_JSONRPC) {
    rc = jsonrpc_call(&res, c, "common", "authenticate", params, 1, "common.authenticate");
  } else {
    rc = xmlrpc_call(&res, c, "common", "authenticate", params, 1, "common.authenticate");
    erplink_value_free(params);
  }
  if (rc) return rc;
  int64_t u = 0;
  if (erplink_value_type(res) == ERPLINK_TYPE_INT && erplink_value_get_int(&u, res) == 0 && u > 0) {
    erplink_value_free(res);
    *uid = u;
    return 0;
  }
  int is_false = erplink_value_type(res) == ERPLINK_TYPE_BOOL;
  erplink_value_free(res);
  if (is_false)
    return erplink__error_setx(ERPLINK_EAUTH, 0, NULL, NULL, 0, -1,
                               "odoo: authentication of login '%s' on database '%s' failed: the server answered "
                               "false (wrong login, password or API key)",
                               c->login, c->db);
  return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: common.authenticate answered neither a uid nor false");
}

static int ensure_uid(odoo_client *c, odoo_protocol *p, int64_t *uid) {
  int rc = resolve(c, p);
  if (rc) return rc;
  pthread_mutex_lock(&c->mu);
  int64_t u = c->uid;
  pthread_mutex_unlock(&c->mu);
  if (u <= 0) {
    if ((rc = authenticate(c, *p, &u))) return rc;
    pthread_mutex_lock(&c->mu);
    c->uid = u;
    pthread_mutex_unlock(&c->mu);
  }
  *uid = u;
  return 0;
}

int odoo_client_authenticate(int64_t *uid, odoo_client *c) {
  if (!uid || !c) return einval("odoo_client_authenticate: NULL argument");
  odoo_protocol p;
  return ensure_uid(c, &p, uid);
}

/* ------------------------------------------------------------------ execute_kw */

/* The merged context: defaults from the options, then the caller's keys. NULL if empty. */
static int merged_context(odoo_client *c, const erplink_value *caller, erplink_value **out) {
  *out = NULL;
  if (!c->lang && !c->tz && !c->n_companies && !caller) return 0;
  if (caller && erplink_value_type(caller) != ERPLINK_TYPE_STRUCT)
    return einval("kwargs[\"context\"] must be a struct");
  erplink_value *ctx = NULL;
  int rc = erplink_value_new_struct(&ctx);
  if (rc) return rc;
  if (c->lang && (rc = erplink_value_struct_set_string(ctx, "lang", c->lang))) goto fail;
  if (c->tz && (rc = erplink_value_struct_set_string(ctx, "tz", c->tz))) goto fail;
  if (c->n_companies) {
    erplink_value *a = NULL;
    if ((rc = erplink_value_new_array(&a))) goto fail;
    for (size_t i = 0; i < c->n_companies && !rc; i++) rc = erplink_value_array_append_int(a, c->companies[i]);
    if (rc) {
      erplink_value_free(a);
      goto fail;
    }
    if ((rc = erplink_value_struct_set(ctx, "allowed_company_ids", a))) goto fail;
  }
  if (caller) {
    size_t n = erplink_value_count(caller);
    for (size_t i = 0; i < n; i++) {
      const char *k = NULL;
      size_t kl = 0;
      const erplink_value *v = erplink_value_struct_at(caller, i, &k, &kl);
      erplink_value *cv = NULL;
      char key[256];
      if (kl >= sizeof key) continue;
      memcpy(key, k, kl);
      key[kl] = '\0';
      if ((rc = erplink_value_clone(&cv, v)) || (rc = erplink_value_struct_set(ctx, key, cv))) goto fail;
    }
  }
  *out = ctx;
  return 0;
fail:
  erplink_value_free(ctx);
  return rc;
}

/* Parameters of the standard ORM methods whose keyword name differs between Odoo versions, read
 * from BaseModel in odoo/models.py of 16.0, 17.0, 18.0 and 19.0 (odoo/orm/models.py) and from the
 * overrides in odoo/addons/base/models: name_search(name, args, ...) up to 18 became
 * name_search(name, domain, ...) in 19; default_get(fields_list) up to 18 (res.partner's override:
 * default_get(default_fields)) became default_get(fields) in 19. Every other parameter the client
 * names (see json2_sig) is named alike in the four versions. Positionally every version takes
 * them: on XML-RPC and JSON-RPC the client sends them so, whichever name the caller used; on
 * JSON-2 (Odoo 19 on) it sends 19's name. */
typedef struct renamed_param {
  const char *method;
  size_t pos;               /* positional index (ids excluded) */
  const char *json2;        /* the name Odoo 19 takes */
  const char *names[4];     /* every name the versions use, NULL-terminated */
} renamed_param;

static const renamed_param RENAMED[] = {
    {"name_search", 1, "domain", {"domain", "args", NULL}},
    {"default_get", 0, "fields", {"fields", "fields_list", "default_fields", NULL}},
};

static const renamed_param *find_renamed(const char *method) {
  for (size_t i = 0; i < sizeof RENAMED / sizeof RENAMED[0]; i++)
    if (!strcmp(RENAMED[i].method, method)) return &RENAMED[i];
  return NULL;
}

static int is_renamed_key(const renamed_param *r, const char *k, size_t kl) {
  for (size_t i = 0; r && r->names[i]; i++)
    if (strlen(r->names[i]) == kl && !memcmp(r->names[i], k, kl)) return 1;
  return 0;
}

static int key_in(const char *const *keys, const char *k, size_t kl) {
  for (size_t i = 0; keys && keys[i]; i++)
    if (strlen(keys[i]) == kl && !memcmp(keys[i], k, kl)) return 1;
  return 0;
}

/* kwargs without "context" and the @p skip keys, cloned into dst (a struct), the names of
 * @p rename given its JSON-2 name; returns the caller's context. */
static int copy_kwargs(erplink_value *dst, const erplink_value *kwargs, const erplink_value **ctx,
                       const char *const *skip, const renamed_param *rename) {
  *ctx = NULL;
  if (!kwargs) return 0;
  size_t n = erplink_value_count(kwargs);
  for (size_t i = 0; i < n; i++) {
    const char *k = NULL;
    size_t kl = 0;
    const erplink_value *v = erplink_value_struct_at(kwargs, i, &k, &kl);
    if (kl == 7 && !memcmp(k, "context", 7)) {
      *ctx = v;
      continue;
    }
    if (key_in(skip, k, kl)) continue;
    if (is_renamed_key(rename, k, kl)) k = rename->json2, kl = strlen(k);
    char *key = strndup(k, kl);
    if (!key) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    erplink_value *cv = NULL;
    int rc = erplink_value_clone(&cv, v);
    if (!rc) rc = erplink_value_struct_set(dst, key, cv);
    free(key);
    if (rc) return rc;
  }
  return 0;
}

typedef struct json2_sig {
  const char *method;
  int record; /* takes ids */
  const char *names[8];
} json2_sig;

static const json2_sig SIGS[] = {
    {"search", 0, {"domain", "offset", "limit", "order", NULL}},
    {"search_count", 0, {"domain", "limit", NULL}},
    {"search_read", 0, {"domain", "fields", "offset", "limit", "order", NULL}},
    {"read", 1, {"fields", "load", NULL}},
    {"create", 0, {"vals_list", NULL}},
    {"write", 1, {"vals", NULL}},
    {"unlink", 1, {NULL}},
    {"copy", 1, {"default", NULL}},
    {"fields_get", 0, {"allfields", "attributes", NULL}},
    {"name_search", 0, {"name", "domain", "operator", "limit", NULL}},
    {"name_create", 0, {"name", NULL}},
    {"read_group", 0, {"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy", NULL}},
    {"formatted_read_group", 0, {"domain", "groupby", "aggregates", "having", "offset", "limit", "order", NULL}},
    {"default_get", 0, {"fields", NULL}},
    {"context_get", 0, {NULL}},
    {"has_group", 1, {"group_ext_id", NULL}},
    {"check_access_rule", 1, {"operation", NULL}},
    {"action_archive", 1, {NULL}},
    {"action_unarchive", 1, {NULL}},
};

static const json2_sig *find_sig(const char *m) {
  for (size_t i = 0; i < sizeof SIGS / sizeof SIGS[0]; i++)
    if (!strcmp(SIGS[i].method, m)) return &SIGS[i];
  return NULL;
}

static int ids_value(erplink_value **out, const erplink_value *v) {
  if (erplink_value_type(v) == ERPLINK_TYPE_INT) {
    int64_t i = 0;
    erplink_value_get_int(&i, v);
    int rc = erplink_value_new_array(out);
    if (!rc) rc = erplink_value_array_append_int(*out, i);
    return rc;
  }
  return erplink_value_clone(out, v);
}

static int is_id_list(const erplink_value *v) {
  if (erplink_value_type(v) != ERPLINK_TYPE_ARRAY) return 0;
  size_t n = erplink_value_count(v);
  for (size_t i = 0; i < n; i++)
    if (erplink_value_type(erplink_value_array_get(v, i)) != ERPLINK_TYPE_INT) return 0;
  return 1;
}

static int json2_body(odoo_client *c, erplink_value **out, const char *method, const erplink_value *args,
                      const erplink_value *kwargs) {
  const json2_sig *sig = find_sig(method);
  int record = sig ? sig->record : (!strncmp(method, "action_", 7) || !strncmp(method, "button_", 7));
  size_t nargs = args ? erplink_value_count(args) : 0;
  erplink_value *body = NULL;
  int rc = erplink_value_new_struct(&body);
  if (rc) return rc;
  size_t i = 0;
  if (nargs && (record || (!sig && nargs == 1 && is_id_list(erplink_value_array_get(args, 0))))) {
    erplink_value *ids = NULL;
    const erplink_value *a0 = erplink_value_array_get(args, 0);
    if (erplink_value_type(a0) != ERPLINK_TYPE_INT && !is_id_list(a0)) {
      rc = erplink__error_setf(ERPLINK_EINVAL, "odoo: %s: the first positional argument must be the ids", method);
      goto fail;
    }
    if ((rc = ids_value(&ids, a0)) || (rc = erplink_value_struct_set(body, "ids", ids))) goto fail;
    i = 1;
  }
  for (size_t k = 0; i < nargs; i++, k++) {
    const char *name = sig && k < 8 ? sig->names[k] : NULL;
    if (!name) {
      rc = erplink__error_setf(ERPLINK_EINVAL,
                               "odoo: %s: JSON-2 takes named parameters only; pass argument %zu in kwargs by its name",
                               method, i + 1);
      goto fail;
    }
    erplink_value *cv = NULL;
    if ((rc = erplink_value_clone(&cv, erplink_value_array_get(args, i))) || (rc = erplink_value_struct_set(body, name, cv)))
      goto fail;
  }
  const erplink_value *caller_ctx = NULL;
  if ((rc = copy_kwargs(body, kwargs, &caller_ctx, NULL, find_renamed(method)))) goto fail;
  erplink_value *ctx = NULL;
  if ((rc = merged_context(c, caller_ctx, &ctx))) goto fail;
  if (ctx && (rc = erplink_value_struct_set(body, "context", ctx))) goto fail;
  *out = body;
  return 0;
fail:
  erplink_value_free(body);
  return rc;
}

/* The positional arguments of an execute_kw call (a new array in *out): @p args, then a
 * keyword argument whose name Odoo renamed between versions (RENAMED), moved to its position
 * when the arguments before it are given (name_search's name may come from kwargs, else '' as
 * Odoo's default). @p skip receives the keys moved (NULL-terminated, at most 2). */
static int rpc_args(erplink_value **out, const char **skip, const char *method, const erplink_value *args,
                    const erplink_value *kwargs) {
  skip[0] = NULL;
  int rc = args ? erplink_value_clone(out, args) : erplink_value_new_array(out);
  if (rc) return rc;
  const renamed_param *r = find_renamed(method);
  size_t nargs = args ? erplink_value_count(args) : 0;
  if (!r || !kwargs || nargs > r->pos) return 0;
  const char *key = NULL;
  const erplink_value *moved = NULL;
  for (size_t i = 0; !moved && r->names[i]; i++)
    if ((moved = erplink_value_struct_get(kwargs, r->names[i]))) key = r->names[i];
  if (!moved) return 0;
  size_t ns = 0;
  erplink_value *v = NULL;
  if (nargs < r->pos) { /* name_search(name=..., domain=...): the name goes first */
    const erplink_value *name = erplink_value_struct_get(kwargs, "name");
    if (name) skip[ns++] = "name";
    rc = name ? erplink_value_clone(&v, name) : erplink_value_new_string(&v, "");
    if (!rc) rc = erplink_value_array_append(*out, v);
  }
  v = NULL;
  if (!rc) rc = erplink_value_clone(&v, moved);
  if (!rc) rc = erplink_value_array_append(*out, v);
  if (rc) {
    erplink_value_free(*out);
    *out = NULL;
    return rc;
  }
  skip[ns++] = key;
  skip[ns] = NULL;
  return 0;
}

int odoo_client_call(erplink_value **out, odoo_client *c, const char *model, const char *method,
                     const erplink_value *args, const erplink_value *kwargs, unsigned flags) {
  if (out) *out = NULL;
  if (!c || !model || !*model || !method || !*method) return einval("execute_kw: NULL or empty argument");
  if (args && erplink_value_type(args) != ERPLINK_TYPE_ARRAY) return einval("execute_kw: args must be an array");
  if (kwargs && erplink_value_type(kwargs) != ERPLINK_TYPE_STRUCT) return einval("execute_kw: kwargs must be a struct");
  for (const char *p = model; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_'))
      return einval("execute_kw: the model name may only hold letters, digits, '.' and '_'");
  for (const char *p = method; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return einval("execute_kw: the method name may only hold letters, digits and '_'");
  int idem = (flags & ODOO_CALL_IDEMPOTENT) || is_idempotent_method(method);
  char what[300];
  snprintf(what, sizeof what, "%.140s.%.140s", model, method);
  odoo_protocol p;
  int64_t uid = 0;
  int rc = ensure_uid(c, &p, &uid);
  if (rc) return rc;
  erplink_value *res = NULL;
  if (p == ODOO_PROTOCOL_JSON2) {
    erplink_value *body = NULL;
    if ((rc = json2_body(c, &body, method, args, kwargs))) return rc;
    rc = json2_call(&res, c, model, method, body, idem, what);
    erplink_value_free(body);
  } else {
    erplink_value *params = NULL, *sec = NULL, *a = NULL, *kw = NULL, *ctx = NULL;
    const erplink_value *caller_ctx = NULL;
    const char *moved[3] = {NULL, NULL, NULL};
    if ((rc = erplink_value_new_array(&params)) || (rc = erplink_value_array_append_string(params, c->db)) ||
        (rc = erplink_value_array_append_int(params, uid)) || (rc = new_secret_value(c, &sec)) ||
        (rc = erplink_value_array_append(params, sec)) || (rc = erplink_value_array_append_string(params, model)) ||
        (rc = erplink_value_array_append_string(params, method)) ||
        (rc = rpc_args(&a, moved, method, args, kwargs)) ||
        (rc = erplink_value_array_append(params, a)) || (rc = erplink_value_new_struct(&kw)) ||
        (rc = copy_kwargs(kw, kwargs, &caller_ctx, moved, NULL)) || (rc = merged_context(c, caller_ctx, &ctx)) ||
        (ctx && (rc = erplink_value_struct_set(kw, "context", ctx)))) {
      erplink_value_free(kw);
      erplink_value_free(params);
      return rc;
    }
    /* kwargs travel only when there are some (as Odoo's own clients do) */
    if (erplink_value_count(kw) == 0) erplink_value_free(kw);
    else if ((rc = erplink_value_array_append(params, kw))) {
      erplink_value_free(params);
      return rc;
    }
    if (p == ODOO_PROTOCOL_JSONRPC) {
      rc = jsonrpc_call(&res, c, "object", "execute_kw", params, idem, what);
    } else {
      rc = xmlrpc_call(&res, c, "object", "execute_kw", params, idem, what);
      erplink_value_free(params);
    }
  }
  if (rc) return rc;
  if (out) *out = res;
  else erplink_value_free(res);
  return 0;
}

int odoo_client_execute_kw(erplink_value **out, odoo_client *c, const char *model, const char *method,
                           const erplink_value *args, const erplink_value *kwargs) {
  return odoo_client_call(out, c, model, method, args, kwargs, 0);
}

/* ------------------------------------------------------------------ ORM helpers */

static int strings_value(erplink_value **out, const char *const *names) {
  int rc = erplink_value_new_array(out);
  for (size_t i = 0; !rc && names && names[i]; i++) rc = erplink_value_array_append_string(*out, names[i]);
  if (rc) {
    erplink_value_free(*out);
    *out = NULL;
  }
  return rc;
}

static int ids_array(erplink_value **out, const int64_t *ids, size_t n) {
  int rc = erplink_value_new_array(out);
  for (size_t i = 0; !rc && i < n; i++) rc = erplink_value_array_append_int(*out, ids[i]);
  if (rc) {
    erplink_value_free(*out);
    *out = NULL;
  }
  return rc;
}

/* args = [first], first cloned or [] when NULL (consumes nothing). */
static int args_with(erplink_value **args, const erplink_value *first, int empty_array_if_null) {
  int rc = erplink_value_new_array(args);
  if (rc) return rc;
  erplink_value *v = NULL;
  if (first) rc = erplink_value_clone(&v, first);
  else if (empty_array_if_null) rc = erplink_value_new_array(&v);
  else return 0;
  if (!rc) rc = erplink_value_array_append(*args, v);
  if (rc) {
    erplink_value_free(*args);
    *args = NULL;
  }
  return rc;
}

static int check_domain(const erplink_value *d) {
  if (d && erplink_value_type(d) != ERPLINK_TYPE_ARRAY) return einval("the domain must be an array");
  return 0;
}

int odoo_client_search(erplink_value **out, odoo_client *c, const char *model, const erplink_value *domain,
                       int64_t offset, int64_t limit, const char *order) {
  if (!out || !c || offset < 0 || limit < 0) return einval("odoo_client_search: bad arguments");
  *out = NULL;
  int rc = check_domain(domain);
  if (rc) return rc;
  erplink_value *args = NULL, *kw = NULL;
  if ((rc = args_with(&args, domain, 1)) || (rc = erplink_value_new_struct(&kw)) ||
      (offset && (rc = erplink_value_struct_set_int(kw, "offset", offset))) ||
      (limit && (rc = erplink_value_struct_set_int(kw, "limit", limit))) ||
      (order && (rc = erplink_value_struct_set_string(kw, "order", order))))
    goto done;
  rc = odoo_client_execute_kw(out, c, model, "search", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_search_count(int64_t *out, odoo_client *c, const char *model, const erplink_value *domain) {
  if (!out || !c) return einval("odoo_client_search_count: NULL argument");
  int rc = check_domain(domain);
  if (rc) return rc;
  erplink_value *args = NULL, *res = NULL;
  if ((rc = args_with(&args, domain, 1))) return rc;
  rc = odoo_client_execute_kw(&res, c, model, "search_count", args, NULL);
  erplink_value_free(args);
  if (rc) return rc;
  rc = erplink_value_get_int(out, res);
  if (rc) rc = erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.search_count answered a %s, not an integer", model,
                                   erplink_type_name(erplink_value_type(res)));
  erplink_value_free(res);
  return rc;
}

int odoo_client_read(erplink_value **out, odoo_client *c, const char *model, const int64_t *ids, size_t n_ids,
                     const char *const *fields) {
  if (!out || !c || (n_ids && !ids)) return einval("odoo_client_read: bad arguments");
  *out = NULL;
  erplink_value *args = NULL, *idv = NULL, *kw = NULL, *fv = NULL;
  int rc;
  if ((rc = erplink_value_new_array(&args)) || (rc = ids_array(&idv, ids, n_ids)) ||
      (rc = erplink_value_array_append(args, idv)) || (rc = erplink_value_new_struct(&kw)))
    goto done;
  if (fields && ((rc = strings_value(&fv, fields)) || (rc = erplink_value_struct_set(kw, "fields", fv)))) goto done;
  rc = odoo_client_execute_kw(out, c, model, "read", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

static int search_read_kw(erplink_value **kw, const char *const *fields, int64_t offset, int64_t limit,
                          const char *order) {
  erplink_value *fv = NULL;
  int rc = erplink_value_new_struct(kw);
  if (!rc && fields) {
    rc = strings_value(&fv, fields);
    if (!rc) rc = erplink_value_struct_set(*kw, "fields", fv);
  }
  if (!rc && offset) rc = erplink_value_struct_set_int(*kw, "offset", offset);
  if (!rc && limit) rc = erplink_value_struct_set_int(*kw, "limit", limit);
  if (!rc && order) rc = erplink_value_struct_set_string(*kw, "order", order);
  return rc;
}

int odoo_client_search_read(erplink_value **out, odoo_client *c, const char *model, const erplink_value *domain,
                            const char *const *fields, int64_t offset, int64_t limit, const char *order) {
  if (!out || !c || offset < 0 || limit < 0) return einval("odoo_client_search_read: bad arguments");
  *out = NULL;
  int rc = check_domain(domain);
  if (rc) return rc;
  erplink_value *args = NULL, *kw = NULL;
  if (!(rc = args_with(&args, domain, 1)) && !(rc = search_read_kw(&kw, fields, offset, limit, order)))
    rc = odoo_client_execute_kw(out, c, model, "search_read", args, kw);
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_create(int64_t *out_id, odoo_client *c, const char *model, const erplink_value *vals) {
  if (!out_id || !c || !vals || erplink_value_type(vals) != ERPLINK_TYPE_STRUCT)
    return einval("odoo_client_create: vals must be a struct");
  erplink_value *args = NULL, *res = NULL;
  int rc = args_with(&args, vals, 0);
  if (rc) return rc;
  rc = odoo_client_execute_kw(&res, c, model, "create", args, NULL);
  erplink_value_free(args);
  if (rc) return rc;
  const erplink_value *idv = res;
  if (erplink_value_type(res) == ERPLINK_TYPE_ARRAY && erplink_value_count(res) == 1) idv = erplink_value_array_get(res, 0);
  rc = erplink_value_get_int(out_id, idv);
  if (rc) rc = erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.create answered a %s, not an id", model,
                                   erplink_type_name(erplink_value_type(res)));
  erplink_value_free(res);
  return rc;
}

int odoo_client_create_many(erplink_value **out, odoo_client *c, const char *model, const erplink_value *vals_list) {
  if (!out || !c || !vals_list || erplink_value_type(vals_list) != ERPLINK_TYPE_ARRAY)
    return einval("odoo_client_create_many: vals_list must be an array");
  *out = NULL;
  erplink_value *args = NULL;
  int rc = args_with(&args, vals_list, 0);
  if (rc) return rc;
  rc = odoo_client_execute_kw(out, c, model, "create", args, NULL);
  erplink_value_free(args);
  if (!rc && erplink_value_type(*out) != ERPLINK_TYPE_ARRAY) {
    erplink_value_free(*out);
    *out = NULL;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.create of a list did not answer a list of ids", model);
  }
  return rc;
}

static int ids_call(odoo_client *c, const char *model, const char *method, const int64_t *ids, size_t n,
                    const erplink_value *second) {
  if (!c || !ids || !n) return einval("the ids must not be empty");
  erplink_value *args = NULL, *idv = NULL, *v2 = NULL;
  int rc;
  if ((rc = erplink_value_new_array(&args)) || (rc = ids_array(&idv, ids, n)) || (rc = erplink_value_array_append(args, idv)) ||
      (second && ((rc = erplink_value_clone(&v2, second)) || (rc = erplink_value_array_append(args, v2))))) {
    erplink_value_free(args);
    return rc;
  }
  rc = odoo_client_execute_kw(NULL, c, model, method, args, NULL);
  erplink_value_free(args);
  return rc;
}

int odoo_client_write(odoo_client *c, const char *model, const int64_t *ids, size_t n_ids, const erplink_value *vals) {
  if (!vals || erplink_value_type(vals) != ERPLINK_TYPE_STRUCT) return einval("odoo_client_write: vals must be a struct");
  return ids_call(c, model, "write", ids, n_ids, vals);
}

int odoo_client_unlink(odoo_client *c, const char *model, const int64_t *ids, size_t n_ids) {
  return ids_call(c, model, "unlink", ids, n_ids, NULL);
}

int odoo_client_fields_get(erplink_value **out, odoo_client *c, const char *model, const char *const *attributes) {
  if (!out || !c) return einval("odoo_client_fields_get: NULL argument");
  *out = NULL;
  erplink_value *kw = NULL, *av = NULL;
  int rc = erplink_value_new_struct(&kw);
  if (!rc && attributes) {
    rc = strings_value(&av, attributes);
    if (!rc) rc = erplink_value_struct_set(kw, "attributes", av);
  }
  if (!rc) rc = odoo_client_execute_kw(out, c, model, "fields_get", NULL, kw);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_name_search(erplink_value **out, odoo_client *c, const char *model, const char *name,
                            const erplink_value *domain, const char *operator_, int64_t limit) {
  if (!out || !c || !name || limit < 0) return einval("odoo_client_name_search: bad arguments");
  *out = NULL;
  int rc = check_domain(domain);
  if (rc) return rc;
  /* the domain is named "args" up to Odoo 18 and "domain" from 19 (see RENAMED): it travels
   * positionally, after the name (JSON-2 names both); without one, the name is a keyword as in
   * Odoo's own examples */
  erplink_value *args = NULL, *kw = NULL, *dv = NULL;
  if ((domain && ((rc = erplink_value_new_array(&args)) || (rc = erplink_value_array_append_string(args, name)) ||
                  (rc = erplink_value_clone(&dv, domain)) || (rc = erplink_value_array_append(args, dv)))) ||
      (rc = erplink_value_new_struct(&kw)) ||
      (!domain && (rc = erplink_value_struct_set_string(kw, "name", name))) ||
      (operator_ && (rc = erplink_value_struct_set_string(kw, "operator", operator_))) ||
      (limit && (rc = erplink_value_struct_set_int(kw, "limit", limit))))
    goto done;
  rc = odoo_client_execute_kw(out, c, model, "name_search", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_read_group(erplink_value **out, odoo_client *c, const char *model, const erplink_value *domain,
                           const char *const *fields, const char *const *groupby, int64_t offset, int64_t limit,
                           const char *orderby, int lazy) {
  if (!out || !c || !groupby || !groupby[0] || offset < 0 || limit < 0)
    return einval("odoo_client_read_group: bad arguments (groupby needs at least one field)");
  *out = NULL;
  int rc = check_domain(domain);
  if (rc) return rc;
  erplink_value *args = NULL, *kw = NULL, *fv = NULL, *gv = NULL;
  /* positional domain, fields, groupby as Odoo's documentation shows (JSON-2 names them) */
  if ((rc = args_with(&args, domain, 1)) || (rc = strings_value(&fv, fields)) ||
      (rc = erplink_value_array_append(args, fv)) || (rc = strings_value(&gv, groupby)) ||
      (rc = erplink_value_array_append(args, gv)) || (rc = erplink_value_new_struct(&kw)) ||
      (offset && (rc = erplink_value_struct_set_int(kw, "offset", offset))) ||
      (limit && (rc = erplink_value_struct_set_int(kw, "limit", limit))) ||
      (orderby && (rc = erplink_value_struct_set_string(kw, "orderby", orderby))) ||
      (rc = erplink_value_struct_set_bool(kw, "lazy", lazy != 0)))
    goto done;
  rc = odoo_client_execute_kw(out, c, model, "read_group", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

/* ------------------------------------------------------------------ streaming */

typedef struct each_ctx {
  odoo_record_fn fn;
  void *ud;
} each_ctx;

static int each_page(const erplink_value *page, void *ud) {
  each_ctx *e = ud;
  size_t n = erplink_value_count(page);
  for (size_t i = 0; i < n; i++)
    if (e->fn(erplink_value_array_get(page, i), e->ud)) return 1;
  return 0;
}

int odoo_client_search_read_pages(odoo_client *c, const char *model, const erplink_value *domain,
                                  const char *const *fields, size_t page_size, odoo_page_fn fn, void *userdata) {
  if (!c || !model || !fn || page_size > 1000000) return einval("odoo_client_search_read_pages: bad arguments");
  int rc = check_domain(domain);
  if (rc) return rc;
  if (!page_size) page_size = 1000;
  /* fields + "id" */
  size_t nf = 0;
  int has_id = 0;
  for (; fields && fields[nf]; nf++)
    if (!strcmp(fields[nf], "id")) has_id = 1;
  const char **fl = NULL;
  if (fields) {
    fl = calloc(nf + 2, sizeof *fl);
    if (!fl) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    memcpy(fl, fields, nf * sizeof *fl);
    if (!has_id) fl[nf] = "id";
  }
  int64_t last = 0;
  size_t nd = domain ? erplink_value_count(domain) : 0;
  for (;;) {
    erplink_value *dom = NULL, *leaf = NULL, *page = NULL;
    if ((rc = erplink_value_new_array(&dom)) || (rc = erplink_value_new_array(&leaf)) ||
        (rc = erplink_value_array_append_string(leaf, "id")) || (rc = erplink_value_array_append_string(leaf, ">")) ||
        (rc = erplink_value_array_append_int(leaf, last)) || (rc = erplink_value_array_append(dom, leaf))) {
      if (rc && leaf && !dom) erplink_value_free(leaf);
      erplink_value_free(dom);
      break;
    }
    for (size_t i = 0; i < nd && !rc; i++) {
      erplink_value *cv = NULL;
      rc = erplink_value_clone(&cv, erplink_value_array_get(domain, i));
      if (!rc) rc = erplink_value_array_append(dom, cv);
    }
    if (!rc) rc = odoo_client_search_read(&page, c, model, dom, fl, 0, (int64_t)page_size, "id");
    erplink_value_free(dom);
    if (rc) break;
    size_t n = erplink_value_count(page);
    if (erplink_value_type(page) != ERPLINK_TYPE_ARRAY) {
      erplink_value_free(page);
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.search_read did not answer a list", model);
      break;
    }
    int64_t next = last;
    if (n) {
      const erplink_value *idv = erplink_value_struct_get(erplink_value_array_get(page, n - 1), "id");
      if (!idv || erplink_value_get_int(&next, idv) != 0 || next <= last) {
        erplink_value_free(page);
        rc = erplink__error_setf(ERPLINK_EPROTOCOL,
                                 "odoo: %s.search_read paging: the records are not ordered by increasing id", model);
        break;
      }
      if (fn(page, userdata)) {
        erplink_value_free(page);
        rc = erplink__error_setf(ERPLINK_ECANCELLED, "odoo: %s: streaming search_read stopped by the callback", model);
        break;
      }
    }
    erplink_value_free(page);
    if (n < page_size) break;
    last = next;
  }
  free(fl);
  return rc;
}

int odoo_client_search_read_each(odoo_client *c, const char *model, const erplink_value *domain,
                                 const char *const *fields, size_t page_size, odoo_record_fn fn, void *userdata) {
  if (!fn) return einval("odoo_client_search_read_each: NULL callback");
  each_ctx e = {fn, userdata};
  return odoo_client_search_read_pages(c, model, domain, fields, page_size, each_page, &e);
}
