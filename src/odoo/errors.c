/* Remote errors to codes: XML-RPC faults (integer and legacy string codes, tracebacks), Odoo's
 * error objects (JSON-RPC `error.data`, JSON-2 bodies), HTTP statuses, answers that are not RPC
 * at all (HTML pages, other media types) and the database the server does not have. */
#include <stdio.h>

#include "odoo_internal.h"

const char *odoo__short_class(const char *cls) {
  if (!cls) return NULL;
  const char *dot = strrchr(cls, '.');
  return dot ? dot + 1 : cls;
}

static int class_code(const char *cls) {
  const char *s = odoo__short_class(cls);
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
  case 502:
  case 503:
  case 504: return ERPLINK_EUNAVAILABLE;
  default: return ERPLINK_ESERVER;
  }
}

/* Sets the last error for a remote exception. what = "res.partner.write" or "common.authenticate". */
int odoo__remote_error(int code, int status, const char *cls, const char *msg, size_t msg_len, const char *debug,
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
                               status, cls ? odoo__short_class(cls) : "error", (int)msg_len, msg);
  return erplink__error_setx(code, 0, cls, detail, detail_len, -1, "odoo: %s failed: %s: %.*s", what,
                             cls ? odoo__short_class(cls) : "error", (int)msg_len, msg);
}

const char *odoo__str_member(const erplink_value *st, const char *key, size_t *len) {
  const erplink_value *v = erplink_value_struct_get(st, key);
  const char *s = NULL;
  if (!v || erplink_value_get_string(&s, len, v) != 0) {
    if (len) *len = 0;
    return NULL;
  }
  return s;
}

/* An Odoo error object {name, message, arguments, context, debug} (JSON-RPC data / JSON-2 body). */
int odoo__error_object(const erplink_value *e, int status, const char *what) {
  size_t nl = 0, ml = 0, dl = 0;
  const char *name = odoo__str_member(e, "name", &nl);
  const char *msg = odoo__str_member(e, "message", &ml);
  const char *debug = odoo__str_member(e, "debug", &dl);
  char cls[256];
  snprintf(cls, sizeof cls, "%.*s", (int)(nl < 255 ? nl : 255), name ? name : "");
  int code = class_code(cls);
  if (!code && status) code = status_code(status);
  if (!code) code = ERPLINK_ESERVER;
  return odoo__remote_error(code, status, name ? cls : NULL, msg, ml, debug, dl, what);
}

/* XML-RPC fault {faultCode, faultString}. */
int odoo__xmlrpc_fault(const erplink_value *f, const char *what) {
  const erplink_value *fc = erplink_value_struct_get(f, "faultCode");
  size_t sl = 0;
  const char *fs = odoo__str_member(f, "faultString", &sl);
  int64_t code = 0;
  if (!fs) fs = "", sl = 0;
  if (fc && erplink_value_get_int(&code, fc) == 0) {
    switch (code) {
    case 2:
      return erplink__error_setx(ERPLINK_EVALIDATION, 0, NULL, fs, sl, -1,
                                 "odoo: %s failed: UserError, ValidationError or MissingError (XML-RPC fault code 2 "
                                 "does not say which; JSON-RPC and JSON-2 do): %.*s",
                                 what, (int)(sl > 2000 ? 2000 : sl), fs);
    case 3: return odoo__remote_error(ERPLINK_EAUTH, 0, "odoo.exceptions.AccessDenied", fs, sl, NULL, 0, what);
    case 4: return odoo__remote_error(ERPLINK_EACCESS, 0, "odoo.exceptions.AccessError", fs, sl, NULL, 0, what);
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
        if (memchr(line, '.', (size_t)cn))
          snprintf(cls, sizeof cls, "%.*s", cn, line);
        else
          snprintf(cls, sizeof cls, "builtins.%.*s", cn > 200 ? 200 : cn, line); /* builtins print bare */
        const char *m = colon + 1;
        while (m < end && *m == ' ') m++;
        return odoo__remote_error(class_code(cls) ? class_code(cls) : ERPLINK_ESERVER, 0, cls, m, (size_t)(end - m), fs,
                                  sl, what);
      }
    }
    return odoo__remote_error(ERPLINK_ESERVER, 0, NULL, fs, sl, fs, sl, what);
  }
  /* legacy string faultCode: "warning -- Class\n\nmessage", "AccessDenied", or str(exc) */
  size_t cl = 0;
  const char *cs = odoo__str_member(f, "faultCode", &cl);
  if (cs && cl >= 11 && memcmp(cs, "warning -- ", 11) == 0) {
    const char *c0 = cs + 11, *e = cs + cl;
    const char *nl = memchr(c0, '\n', (size_t)(e - c0));
    size_t n = nl ? (size_t)(nl - c0) : (size_t)(e - c0);
    char cls[256];
    snprintf(cls, sizeof cls, "odoo.exceptions.%.*s", (int)(n < 200 ? n : 200), c0);
    const char *m = nl ? nl : e;
    while (m < e && *m == '\n') m++;
    return odoo__remote_error(0, 0, cls, m, (size_t)(e - m), NULL, 0, what);
  }
  if (cs && cl == 12 && memcmp(cs, "AccessDenied", 12) == 0)
    return odoo__remote_error(ERPLINK_EAUTH, 0, "odoo.exceptions.AccessDenied", fs, sl, NULL, 0, what);
  return odoo__remote_error(ERPLINK_ESERVER, 0, NULL, cs ? cs : fs, cs ? cl : sl, fs, sl, what);
}

static int ci_prefix(const char *s, size_t n, const char *p) {
  size_t pl = strlen(p);
  if (n < pl) return 0;
  for (size_t i = 0; i < pl; i++)
    if ((s[i] | 0x20) != p[i]) return 0; /* p is lowercase letters and punctuation */
  return 1;
}

/* The first bytes of a body open an HTML document. */
int odoo__looks_html(const char *b, size_t n) {
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
int odoo__not_rpc_answer(const odoo_client *c, const odoo__exchange *x, int status, const char *ctype, const char *body,
                         size_t len) {
  size_t dl = len > 1024 ? 1024 : len;
  int html = odoo__looks_html(body, len) || (ctype && ci_prefix(ctype, strlen(ctype), "text/html"));
  if (html && x->json2 && status == 404 && find_bytes(body, len, "No database is selected"))
    return erplink__error_setx(ERPLINK_EPROTOCOL, status, NULL, body, dl, -1,
                               "odoo: %s (HTTP 404): the server has no database '%s' for this request: Odoo answered "
                               "\"No database is selected\": the X-Odoo-Database header names a database that does not "
                               "exist, or one the server's dbfilter does not serve (check odoo_options_set_db)",
                               x->what, c->db);
  char what[200];
  if (html) {
    char title[104];
    html_title(title, sizeof title, body, len);
    if (title[0])
      snprintf(what, sizeof what, "an HTML page (\"%s\")", title);
    else
      snprintf(what, sizeof what, "an HTML page");
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
                             x->what, what, status,
                             x->proto ? x->proto
                             : x->xml ? "XML-RPC"
                                      : "JSON");
}

/* A remote psycopg2.OperationalError 'database "x" does not exist' (what Odoo's XML-RPC and
 * JSON-RPC answer for a database the server does not have) becomes ERPLINK_EPROTOCOL naming the
 * database, as JSON-2's "No database is selected" page does: a misconfigured endpoint, the same
 * category on every protocol. Other errors pass through. */
int odoo__database_error(int rc, const char *what) {
  const erplink_error *e = erplink_error_last();
  const char *cls = erplink_error_remote_class(e);
  if (rc != ERPLINK_ESERVER || !cls || strcmp(odoo__short_class(cls), "OperationalError") != 0) return rc;
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
  rc = erplink__error_setx(ERPLINK_EPROTOCOL, erplink_error_http_status(e), c_copy, d_copy, d_copy ? strlen(d_copy) : 0,
                           -1,
                           "odoo: %s failed: the server has no database '%.*s' (%s): check the database name "
                           "(odoo_options_set_db)",
                           what, (int)(q2 - (q + 10)), m_copy + (q - m) + 10, f ? f + 9 : m_copy);
  free(m_copy);
  free(d_copy);
  free(c_copy);
  return rc;
}
