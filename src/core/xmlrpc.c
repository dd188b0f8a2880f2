/* XML-RPC codec: an encoder writing straight into an erplink_buf, and a decoder driven by
 * expat events that builds the value tree with the shared builder (see internal.h). */
#include <errno.h>
#include <expat.h>
#include <iconv.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/xmlrpc.h"
#include "erplink/crypto.h"
#include "builder.h"
#include "internal.h"
#include "numparse.h"

/* ====================================================================== encoder */

#define ENC_MAX_DEPTH 100000u

static inline int w_reserve(erplink_buf *b, size_t n) {
  if (ERPLINK_LIKELY(b->cap > b->len && b->cap - b->len > n)) return 0;
  return erplink_buf_grow(b, n) ? -1 : 0;
}

static inline void w_put(erplink_buf *b, const char *s, size_t n) {
  if (ERPLINK_UNLIKELY(w_reserve(b, n))) return;
  memcpy(b->ptr + b->len, s, n);
  b->len += n;
}

#define W_LIT(b, lit) w_put((b), (lit), sizeof(lit) - 1)

/* Character classes for escaping: 0 copy, 1 '&', 2 '<', 3 '>', 4 CR, 5 forbidden control,
 * 6 0xEF (lead byte of U+FFFE / U+FFFF, both forbidden in XML 1.0). */
static const uint8_t esc_class[256] = {
    5, 5, 5, 5, 5, 5, 5, 5, 5, 0, 0, 5, 5, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,          0,
    0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3, 0, [0xEF] = 6,
};

static int forbidden_char(const char *what, unsigned cp) {
  return erplink__error_setf(ERPLINK_EINVAL,
                             "cannot encode %s: it contains the character U+%04X, which XML 1.0 cannot carry "
                             "(only tab, LF and CR are allowed among control characters)",
                             what, cp);
}

/* Appends s escaped for XML text; returns 0 or ERPLINK_EINVAL (error set). */
static int w_text(erplink_buf *b, const char *s, size_t n, const char *what) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  if (w_reserve(b, n)) return 0;
  while (p < end) {
    const unsigned char *run = p;
    while (p < end && esc_class[*p] == 0) p++;
    if (p > run) w_put(b, (const char *)run, (size_t)(p - run));
    if (p == end) break;
    switch (esc_class[*p]) {
    case 1: W_LIT(b, "&amp;"); break;
    case 2: W_LIT(b, "&lt;"); break;
    case 3: W_LIT(b, "&gt;"); break;
    case 4: W_LIT(b, "&#13;"); break;
    case 5: return forbidden_char(what, *p);
    default: /* 0xEF */
      if (end - p >= 3 && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
        return forbidden_char(what, p[2] == 0xBE ? 0xFFFEu : 0xFFFFu);
      w_put(b, (const char *)p, 1);
      break;
    }
    p++;
  }
  return 0;
}

static void w_int(erplink_buf *b, int64_t v) {
  char tmp[24];
  char *e = tmp + sizeof tmp, *q = e;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--q = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--q = '-';
  w_put(b, q, (size_t)(e - q));
}

static inline void put2(char *o, unsigned v) {
  o[0] = (char)('0' + v / 10 % 10);
  o[1] = (char)('0' + v % 10);
}

static int w_scalar(erplink_buf *b, const erplink_value *v) {
  switch (v->type) {
  case ERPLINK_TYPE_NIL: W_LIT(b, "<value><nil/></value>"); return 0;
  case ERPLINK_TYPE_BOOL:
    if (v->u.b)
      W_LIT(b, "<value><boolean>1</boolean></value>");
    else
      W_LIT(b, "<value><boolean>0</boolean></value>");
    return 0;
  case ERPLINK_TYPE_INT:
    if (v->u.i >= INT32_MIN && v->u.i <= INT32_MAX) {
      W_LIT(b, "<value><int>");
      w_int(b, v->u.i);
      W_LIT(b, "</int></value>");
    } else {
      W_LIT(b, "<value><i8>");
      w_int(b, v->u.i);
      W_LIT(b, "</i8></value>");
    }
    return 0;
  case ERPLINK_TYPE_DOUBLE: {
    if (!isfinite(v->u.d))
      return erplink__error_setf(ERPLINK_EINVAL, "cannot encode %s as XML-RPC: only finite doubles can be sent",
                                 isnan(v->u.d) ? "NaN" : "an infinite double");
    char tmp[32];
    size_t n = erplink__fmt_double(tmp, v->u.d);
    W_LIT(b, "<value><double>");
    w_put(b, tmp, n);
    W_LIT(b, "</double></value>");
    return 0;
  }
  case ERPLINK_TYPE_STRING: {
    W_LIT(b, "<value><string>");
    int rc = w_text(b, v->u.s.ptr, v->u.s.len, "string");
    if (rc) return rc;
    W_LIT(b, "</string></value>");
    return 0;
  }
  case ERPLINK_TYPE_BYTES:
    W_LIT(b, "<value><base64>");
    erplink__base64_put(b, v->u.s.ptr, v->u.s.len, 0);
    W_LIT(b, "</base64></value>");
    return 0;
  case ERPLINK_TYPE_DATETIME: {
    const erplink_datetime *dt = &v->u.dt;
    if (!erplink__datetime_valid(dt->year, dt->month, dt->day, dt->hour, dt->minute, dt->second, (int)dt->usec))
      return erplink__error_setf(ERPLINK_EINVAL, "cannot encode an invalid datetime");
    char t[17];
    put2(t, (unsigned)dt->year / 100);
    put2(t + 2, (unsigned)dt->year % 100);
    put2(t + 4, dt->month);
    put2(t + 6, dt->day);
    t[8] = 'T';
    put2(t + 9, dt->hour);
    t[11] = ':';
    put2(t + 12, dt->minute);
    t[14] = ':';
    put2(t + 15, dt->second);
    W_LIT(b, "<value><dateTime.iso8601>");
    w_put(b, t, 17);
    W_LIT(b, "</dateTime.iso8601></value>");
    return 0;
  }
  default: return erplink__error_setf(ERPLINK_EINVAL, "cannot encode a value of unknown type %u", v->type);
  }
}

typedef struct eframe {
  const erplink_value *v;
  size_t i;
} eframe;

/* Writes <value>...</value> for a whole tree, without recursion. */
static int w_tree(erplink_buf *b, const erplink_value *root) {
  eframe *st = NULL;
  size_t sp = 0, cap = 0;
  int rc = 0;
  const erplink_value *v = root;
  if (!v) return erplink__error_setf(ERPLINK_EINVAL, "cannot encode a NULL value");
  for (;;) {
    if (v->type == ERPLINK_TYPE_ARRAY || v->type == ERPLINK_TYPE_STRUCT) {
      if (sp >= ENC_MAX_DEPTH) {
        rc = erplink__error_setf(ERPLINK_EINVAL,
                                 "cannot encode a value nested deeper than %u levels (or one that contains itself)",
                                 ENC_MAX_DEPTH);
        goto out;
      }
      if (sp == cap) {
        size_t ncap = cap ? cap * 2 : 16;
        eframe *p = realloc(st, ncap * sizeof *p);
        if (!p) {
          rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
          goto out;
        }
        st = p;
        cap = ncap;
      }
      st[sp++] = (eframe){v, 0};
      if (v->type == ERPLINK_TYPE_ARRAY)
        W_LIT(b, "<value><array><data>");
      else
        W_LIT(b, "<value><struct>");
    } else {
      rc = w_scalar(b, v);
      if (rc) goto out;
      if (sp && st[sp - 1].v->type == ERPLINK_TYPE_STRUCT) W_LIT(b, "</member>");
    }
    for (;;) {
      if (sp == 0) goto out;
      eframe *f = &st[sp - 1];
      if (f->v->type == ERPLINK_TYPE_ARRAY) {
        if (f->i < f->v->u.a.len) {
          v = f->v->u.a.items[f->i++];
          break;
        }
        W_LIT(b, "</data></array></value>");
      } else {
        if (f->i < f->v->u.st.len) {
          const erplink_member *m = &f->v->u.st.m[f->i++];
          W_LIT(b, "<member><name>");
          rc = w_text(b, m->key, m->key_len, "struct member name");
          if (rc) goto out;
          W_LIT(b, "</name>");
          v = m->val;
          break;
        }
        W_LIT(b, "</struct></value>");
      }
      sp--;
      if (sp && st[sp - 1].v->type == ERPLINK_TYPE_STRUCT) W_LIT(b, "</member>");
    }
    if (!v) {
      rc = erplink__error_setf(ERPLINK_EINVAL, "cannot encode a NULL value");
      goto out;
    }
  }
out:
  free(st);
  return rc;
}

static int finish_out(erplink_buf *b, int rc, char **out, size_t *out_len) {
  if (!rc && b->oom) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory while encoding XML-RPC");
  if (rc) {
    erplink_buf_free(b);
    return rc;
  }
  if (w_reserve(b, 0) == 0) b->ptr[b->len] = '\0';
  size_t n = 0;
  char *p = erplink_buf_detach(b, &n);
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while encoding XML-RPC");
  *out = p;
  if (out_len) *out_len = n;
  return 0;
}

#define XML_DECL "<?xml version=\"1.0\"?>\n"

int erplink_xmlrpc_encode_call(char **out, size_t *out_len, const char *method, const erplink_value *params) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_call: out is NULL");
  if (!method || !*method)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_call: method name is NULL or empty");
  size_t mlen = strlen(method);
  if (!erplink__utf8_valid(method, mlen))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_call: method name is not valid UTF-8");
  if (params && params->type != ERPLINK_TYPE_ARRAY)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_call: params must be an array, not %s",
                               erplink_type_name((erplink_type)params->type));
  erplink_buf b = ERPLINK_BUF_INIT;
  W_LIT(&b, XML_DECL "<methodCall><methodName>");
  int rc = w_text(&b, method, mlen, "method name");
  if (!rc) {
    W_LIT(&b, "</methodName><params>");
    size_t n = params ? params->u.a.len : 0;
    for (size_t i = 0; i < n && !rc; i++) {
      W_LIT(&b, "<param>");
      rc = w_tree(&b, params->u.a.items[i]);
      W_LIT(&b, "</param>");
    }
    W_LIT(&b, "</params></methodCall>\n");
  }
  return finish_out(&b, rc, out, out_len);
}

int erplink_xmlrpc_encode_response(char **out, size_t *out_len, const erplink_value *result) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_response: out is NULL");
  if (!result) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_response: result is NULL");
  erplink_buf b = ERPLINK_BUF_INIT;
  W_LIT(&b, XML_DECL "<methodResponse><params><param>");
  int rc = w_tree(&b, result);
  W_LIT(&b, "</param></params></methodResponse>\n");
  return finish_out(&b, rc, out, out_len);
}

int erplink_xmlrpc_encode_fault(char **out, size_t *out_len, int fault_code, const char *fault_string) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_fault: out is NULL");
  if (!fault_string) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_fault: fault string is NULL");
  size_t n = strlen(fault_string);
  if (!erplink__utf8_valid(fault_string, n))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_encode_fault: fault string is not valid UTF-8");
  erplink_buf b = ERPLINK_BUF_INIT;
  W_LIT(&b, XML_DECL "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>");
  w_int(&b, fault_code);
  W_LIT(&b, "</int></value></member><member><name>faultString</name><value><string>");
  int rc = w_text(&b, fault_string, n, "fault string");
  W_LIT(&b, "</string></value></member></struct></value></fault></methodResponse>\n");
  return finish_out(&b, rc, out, out_len);
}

/* ====================================================================== decoder */

enum kind {
  K_UNKNOWN = 0,
  K_METHODRESPONSE,
  K_METHODCALL,
  K_METHODNAME,
  K_PARAMS,
  K_PARAM,
  K_FAULT,
  K_VALUE,
  K_DATA,
  K_MEMBER,
  K_NAME,
  /* value types (>= K_ARRAY) */
  K_ARRAY,
  K_STRUCT,
  K_NIL,
  K_INT,
  K_BOOL,
  K_DOUBLE,
  K_BIGDEC,
  K_STRING,
  K_DATETIME,
  K_BASE64
};

static const char *const kind_name[] = {"?",       "methodResponse", "methodCall", "methodName", "params",
                                        "param",   "fault",          "value",      "data",       "member",
                                        "name",    "array",          "struct",     "nil",        "int",
                                        "boolean", "double",         "bigdecimal", "string",     "dateTime.iso8601",
                                        "base64"};

/* Frame flags */
enum { F_TYPED = 1, F_NAME = 2, F_VALUE = 4, F_CHILD = 8, F_DATA = 16 };

typedef struct dframe {
  uint8_t kind;
  uint8_t flags;
  uint32_t count;
} dframe;

#define HEAD_MAX 256
#define SNIFF_MIN 64
/* Bytes per XML_Parse call. expat copies each call's bytes into its own buffer, so this bounds
 * that copy (a single call over a whole in-memory document would run ~10% faster, as expat
 * skips its line-counting pass on a final call, but would double the memory held). */
#define CHUNK (1u << 20)
#define DETAIL_BYTES 200

struct erplink_xmlrpc_decoder {
  XML_Parser p;
  struct erplink_limits lim;
  erplink_builder *b;
  bool call_mode;
  size_t size_hint;
  size_t total;
  char head[HEAD_MAX];
  size_t head_len;
  bool sniffed, started, finished, final_done;
  dframe *stack;
  size_t sp, scap;
  char *text;
  size_t tlen, tcap;
  bool collect;
  size_t xml_elems, max_xml_elems, max_xml_depth;
  size_t fast_sp_end; /* min(scap, max_xml_depth), 0 once failed: on_start()'s fast path below it */
  bool failed, is_fault, root_closed;
  int err;
  char *errmsg, *errdetail;
  size_t errdetail_len;
  char *method;
  char enc_name[64];         /* an encoding expat does not know itself, as declared (for messages) */
  const char *enc_why;       /* why on_unknown_encoding() refused it; NULL when expat did */
  bool enc_mapped;           /* on_unknown_encoding() gave expat a table ... */
  uint8_t enc_undefined[32]; /* ... in which these bytes (bit set) are no character */
  char qbuf[80];             /* quote()'s buffer for messages */
};

/* ---------------------------------------------------------------- errors */

static void record_error(erplink_xmlrpc_decoder *d, int code) {
  d->failed = true;
  d->fast_sp_end = 0;
  d->err = code;
  const erplink_error *e = erplink_error_last();
  free(d->errmsg);
  free(d->errdetail);
  d->errmsg = d->errdetail = NULL;
  const char *m = e ? erplink_error_message(e) : NULL;
  const char *dt = e ? erplink_error_detail(e) : NULL;
  d->errmsg = m ? strdup(m) : NULL;
  if (dt) {
    d->errdetail = strdup(dt);
    d->errdetail_len = d->errdetail ? strlen(d->errdetail) : 0;
  }
}

static int replay_error(erplink_xmlrpc_decoder *d) {
  return erplink__error_setx(d->err, 0, NULL, d->errdetail, d->errdetail_len, -1, "%s",
                             d->errmsg ? d->errmsg : erplink_strerror(d->err));
}

/* Stops the parser after an error was set (code, message) in a handler: appends the position. */
static void stop_with_current(erplink_xmlrpc_decoder *d, int code) {
  const erplink_error *e = erplink_error_last();
  const char *m = e ? erplink_error_message(e) : NULL;
  char *copy = m ? strdup(m) : NULL;
  erplink__error_setf(code, "%s at line %lu, column %lu", copy ? copy : erplink_strerror(code),
                      (unsigned long)XML_GetCurrentLineNumber(d->p),
                      (unsigned long)XML_GetCurrentColumnNumber(d->p) + 1);
  free(copy);
  record_error(d, code);
  XML_StopParser(d->p, XML_FALSE);
}

static void fail(erplink_xmlrpc_decoder *d, int code, const char *fmt, ...) ERPLINK_PRINTF(3, 4)
#if defined(__GNUC__)
    __attribute__((cold, noinline))
#endif
    ;
static void fail(erplink_xmlrpc_decoder *d, int code, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  erplink__error_setf(code, "%s", msg);
  stop_with_current(d, code);
}

/* Quotes up to 60 bytes of s (cut at a UTF-8 boundary, controls replaced) into q[80]. */
static const char *quote(char q[80], const char *s, size_t n) {
  size_t k = n > 60 ? 60 : n;
  while (k < n && k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
  size_t j = 0;
  for (size_t i = 0; i < k; i++) q[j++] = (unsigned char)s[i] < 0x20 ? ' ' : s[i];
  if (k < n) {
    memcpy(q + j, "...", 3);
    j += 3;
  }
  q[j] = '\0';
  return q;
}

/* ---------------------------------------------------------------- HTML detection */

static bool ci_prefix(const char *s, size_t n, const char *pat) {
  size_t m = strlen(pat);
  if (n < m) return false;
  for (size_t i = 0; i < m; i++) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
    if (c != pat[i]) return false;
  }
  return true;
}

static bool head_starts_html(const char *h, size_t n) {
  size_t i = 0;
  if (n >= 3 && (unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB && (unsigned char)h[2] == 0xBF) i = 3;
  while (i < n && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n')) i++;
  return ci_prefix(h + i, n - i, "<!doctype html") || ci_prefix(h + i, n - i, "<html");
}

static bool head_contains_html(const char *h, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (h[i] != '<') continue;
    if (ci_prefix(h + i, n - i, "<html") || ci_prefix(h + i, n - i, "<!doctype html") ||
        ci_prefix(h + i, n - i, "<head>") || ci_prefix(h + i, n - i, "<body"))
      return true;
  }
  return false;
}

static int html_error(erplink_xmlrpc_decoder *d) {
  char det[DETAIL_BYTES + 1] = {0};
  size_t k = d->head_len < DETAIL_BYTES ? d->head_len : DETAIL_BYTES;
  while (k > 0 && k < d->head_len && ((unsigned char)d->head[k] & 0xC0) == 0x80) k--;
  memcpy(det, d->head, k);
  bool utf8 = erplink__utf8_valid(det, k);
  for (size_t i = 0; i < k; i++) {
    unsigned char c = (unsigned char)det[i];
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
      det[i] = ' ';
    else if (c >= 0x80 && !utf8)
      det[i] = '?';
  }
  det[k] = '\0';
  erplink__error_setx(ERPLINK_EPROTOCOL, 0, NULL, det, k, -1, "the server answered HTML, not XML-RPC");
  record_error(d, ERPLINK_EPROTOCOL);
  return ERPLINK_EPROTOCOL;
}

/* ---------------------------------------------------------------- tags */

/* Compares n bytes of s with a literal; with a constant n the compiler turns this into a
 * couple of integer compares (no call). */
#if defined(__GNUC__)
#define XR_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define XR_ALWAYS_INLINE static inline
#endif

#if defined(__GNUC__)
#define XR_COLD __attribute__((cold, noinline))
#else
#define XR_COLD
#endif

/* n is a compile-time constant at every call, so the compiler turns memcmp into one or two
 * word comparisons. */
XR_ALWAYS_INLINE bool lit_eq(const char *s, const char *lit, size_t n) { return memcmp(s, lit, n) == 0; }

static enum kind tag_kind(const char *s, size_t n) {
#define IS(lit) (n == sizeof(lit) - 1 && lit_eq(s, lit, sizeof(lit) - 1))
  switch (n) {
  case 2:
    if (s[0] == 'i' && (s[1] == '1' || s[1] == '2' || s[1] == '4' || s[1] == '8')) return K_INT;
    break;
  case 3:
    if (IS("int")) return K_INT;
    if (IS("nil")) return K_NIL;
    break;
  case 4:
    if (IS("data")) return K_DATA;
    if (IS("name")) return K_NAME;
    break;
  case 5:
    switch (s[0]) {
    case 'v':
      if (IS("value")) return K_VALUE;
      break;
    case 'p':
      if (IS("param")) return K_PARAM;
      break;
    case 'a':
      if (IS("array")) return K_ARRAY;
      break;
    case 'f':
      if (IS("fault")) return K_FAULT;
      if (IS("float")) return K_DOUBLE;
      break;
    default: break;
    }
    break;
  case 6:
    switch (s[0]) {
    case 's':
      if (IS("string")) return K_STRING;
      if (IS("struct")) return K_STRUCT;
      break;
    case 'd':
      if (IS("double")) return K_DOUBLE;
      break;
    case 'b':
      if (IS("bigint")) return K_INT;
      if (IS("base64")) return K_BASE64;
      break;
    case 'm':
      if (IS("member")) return K_MEMBER;
      break;
    case 'p':
      if (IS("params")) return K_PARAMS;
      break;
    default: break;
    }
    break;
  case 7:
    if (IS("boolean")) return K_BOOL;
    break;
  case 10:
    if (IS("methodCall")) return K_METHODCALL;
    if (IS("methodName")) return K_METHODNAME;
    if (IS("bigdecimal")) return K_BIGDEC;
    break;
  case 14:
    if (IS("methodResponse")) return K_METHODRESPONSE;
    break;
  case 16:
    if (IS("dateTime.iso8601")) return K_DATETIME;
    break;
  default: break;
  }
  return K_UNKNOWN;
#undef IS
}

/* Is the name exactly this one? (Byte by byte: never beyond the name's NUL.) */
#define IS_VALUE(s) ((s)[0] == 'v' && (s)[1] == 'a' && (s)[2] == 'l' && (s)[3] == 'u' && (s)[4] == 'e' && !(s)[5])
#define IS_MEMBER(s)                                                                                                   \
  ((s)[0] == 'm' && (s)[1] == 'e' && (s)[2] == 'm' && (s)[3] == 'b' && (s)[4] == 'e' && (s)[5] == 'r' && !(s)[6])
#define IS_NAME(s) ((s)[0] == 'n' && (s)[1] == 'a' && (s)[2] == 'm' && (s)[3] == 'e' && !(s)[4])
#define IS_DATA(s) ((s)[0] == 'd' && (s)[1] == 'a' && (s)[2] == 't' && (s)[3] == 'a' && !(s)[4])

/* The kind of a tag named exactly like one of the elements of XML-RPC values (compared byte
 * by byte: never beyond the name's NUL), or K_UNKNOWN (tag_kind() then decides, prefixes
 * included). */
static inline enum kind quick_kind(const char *s) {
  switch (s[0]) {
  case 'v':
    if (s[1] == 'a' && s[2] == 'l' && s[3] == 'u' && s[4] == 'e' && !s[5]) return K_VALUE;
    break;
  case 'm':
    if (s[1] == 'e' && s[2] == 'm' && s[3] == 'b' && s[4] == 'e' && s[5] == 'r' && !s[6]) return K_MEMBER;
    break;
  case 'n':
    if (s[1] == 'a' && s[2] == 'm' && s[3] == 'e' && !s[4]) return K_NAME;
    if (s[1] == 'i' && s[2] == 'l' && !s[3]) return K_NIL;
    break;
  case 's':
    if (s[1] == 't' && s[2] == 'r') {
      if (s[3] == 'i' && s[4] == 'n' && s[5] == 'g' && !s[6]) return K_STRING;
      if (s[3] == 'u' && s[4] == 'c' && s[5] == 't' && !s[6]) return K_STRUCT;
    }
    break;
  case 'i':
    if (s[1] == 'n' && s[2] == 't' && !s[3]) return K_INT;
    if ((s[1] == '4' || s[1] == '8') && !s[2]) return K_INT;
    break;
  case 'd':
    if (s[1] == 'a' && s[2] == 't' && s[3] == 'a' && !s[4]) return K_DATA;
    if (s[1] == 'o' && s[2] == 'u' && s[3] == 'b' && s[4] == 'l' && s[5] == 'e' && !s[6]) return K_DOUBLE;
    break;
  case 'a':
    if (s[1] == 'r' && s[2] == 'r' && s[3] == 'a' && s[4] == 'y' && !s[5]) return K_ARRAY;
    break;
  case 'b':
    if (s[1] == 'o' && s[2] == 'o' && s[3] == 'l' && s[4] == 'e' && s[5] == 'a' && s[6] == 'n' && !s[7]) return K_BOOL;
    break;
  default: break;
  }
  return K_UNKNOWN;
}

static inline bool collects_text(enum kind k) {
  return k == K_VALUE || k == K_NAME || k == K_METHODNAME || (k >= K_INT && k <= K_BASE64);
}

/* ---------------------------------------------------------------- scalar parsing */

static inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void trim(const char **s, size_t *n) {
  const char *p = *s, *e = p + *n;
  while (p < e && is_ws(*p)) p++;
  while (e > p && is_ws(e[-1])) e--;
  *s = p;
  *n = (size_t)(e - p);
}

static bool digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    unsigned c = (unsigned char)s[i] - '0';
    if (c > 9) return false;
    v = v * 10 + (int)c;
  }
  *out = v;
  return true;
}

/* A decimal number: [+-] (digits [. [digits]] | . digits) [(e|E) [+-] digits]. Python's float()
 * also takes '_' between digits, non-ASCII digits and spaces inside: erplink does not. */
static bool decimal_syntax(const char *s, size_t n) {
  size_t i = 0, dig = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) i++;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) dig++;
  if (i < n && s[i] == '.')
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) dig++;
  if (!dig) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t e = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == e) return false;
  }
  return i == n;
}

/* The non-finite spellings strtod and Python's float() accept: [+-] inf, infinity, nan. */
static bool non_finite(const char *s, size_t n) {
  if (n && (s[0] == '+' || s[0] == '-')) s++, n--;
  return erplink__ascii_ieq(s, n, "inf") || erplink__ascii_ieq(s, n, "infinity") || erplink__ascii_ieq(s, n, "nan");
}

/* YYYYMMDDTHH:MM:SS or YYYY-MM-DDTHH:MM:SS, optional .fraction */
static bool parse_datetime(const char *s, size_t n, erplink_datetime *dt) {
  trim(&s, &n);
  int y, mo, d, h, mi, se, us = 0;
  size_t i;
  if (n < 17 || !digits(s, 4, &y)) return false;
  if (s[4] == '-') {
    if (n < 19 || !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d)) return false;
    i = 10;
  } else {
    if (!digits(s + 4, 2, &mo) || !digits(s + 6, 2, &d)) return false;
    i = 8;
  }
  if (n < i + 9 || s[i] != 'T' || !digits(s + i + 1, 2, &h) || s[i + 3] != ':' || !digits(s + i + 4, 2, &mi) ||
      s[i + 6] != ':' || !digits(s + i + 7, 2, &se))
    return false;
  i += 9;
  if (i < n) {
    if (s[i] != '.' && s[i] != ',') return false;
    i++;
    if (i == n) return false;
    int ndig = 0;
    for (; i < n; i++) {
      unsigned c = (unsigned char)s[i] - '0';
      if (c > 9) return false;
      if (ndig < 6) us = us * 10 + (int)c;
      ndig++;
    }
    for (; ndig < 6; ndig++) us *= 10;
  }
  if (!erplink__datetime_valid(y, mo, d, h, mi, se, us)) return false;
  *dt = (erplink_datetime){(int16_t)y, (uint8_t)mo, (uint8_t)d, (uint8_t)h, (uint8_t)mi, (uint8_t)se, (uint32_t)us};
  return true;
}

/* ---------------------------------------------------------------- handlers */

/* Text collected so far is followed by at least TEXT_SLACK readable bytes (numparse.h reads
 * digits 8 at a time). */
#define TEXT_SLACK 16

static XR_COLD bool text_append(erplink_xmlrpc_decoder *d, const char *s, size_t n) {
  if (ERPLINK_UNLIKELY(d->tcap - d->tlen < n + TEXT_SLACK)) {
    if (n > SIZE_MAX - TEXT_SLACK - d->tlen) return false;
    size_t ncap = d->tcap ? d->tcap : 256;
    while (ncap - d->tlen < n + TEXT_SLACK) {
      if (ncap > SIZE_MAX / 2) return false;
      ncap *= 2;
    }
    char *p = realloc(d->text, ncap);
    if (!p) return false;
    d->text = p;
    d->tcap = ncap;
  }
  memcpy(d->text + d->tlen, s, n);
  d->tlen += n;
  return true;
}

static bool only_ws(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_ws(s[i])) return false;
  return true;
}

/* Collected text that needs a larger buffer. */
static XR_COLD void text_grow(erplink_xmlrpc_decoder *d, const XML_Char *s, int len) {
  if (!text_append(d, s, (size_t)len)) {
    erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding XML-RPC");
    stop_with_current(d, ERPLINK_ENOMEM);
  }
}

/* Text where none belongs (blanks are fine). */
static XR_COLD void text_slow(erplink_xmlrpc_decoder *d, const XML_Char *s, int len) {
  if (d->failed || only_ws(s, (size_t)len)) return;
  char *q = d->qbuf;
  if (d->sp == 0)
    fail(d, ERPLINK_EPROTOCOL, "unexpected text '%s' outside the XML-RPC document", quote(q, s, (size_t)len));
  else
    fail(d, ERPLINK_EPROTOCOL, "unexpected text '%s' inside <%s>", quote(q, s, (size_t)len),
         kind_name[d->stack[d->sp - 1].kind]);
}

/* (No stack frame on the common paths: append in place, or a newline between elements.) */
static void XMLCALL on_text(void *ud, const XML_Char *s, int len) {
  erplink_xmlrpc_decoder *d = ud;
  if (ERPLINK_LIKELY(d->collect && !d->failed)) {
    size_t n = (size_t)len, t = d->tlen;
    if (ERPLINK_UNLIKELY(d->tcap - t < n + TEXT_SLACK)) {
      text_grow(d, s, len);
      return;
    }
    d->tlen = t + n;
    memcpy(d->text + t, s, n);
    return;
  }
  if (ERPLINK_LIKELY(len == 1 && s[0] == '\n')) return;
  text_slow(d, s, len);
}

static void builder_failed(erplink_xmlrpc_decoder *d, int rc) { stop_with_current(d, rc); }

static inline bool push(erplink_xmlrpc_decoder *d, enum kind k) {
  if (ERPLINK_UNLIKELY(d->sp >= d->max_xml_depth)) {
    fail(d, ERPLINK_ELIMIT, "XML elements nested deeper than %zu levels (the depth cap)", d->max_xml_depth);
    return false;
  }
  if (ERPLINK_UNLIKELY(d->sp == d->scap)) {
    size_t ncap = d->scap ? d->scap * 2 : 64;
    dframe *p = realloc(d->stack, ncap * sizeof *p);
    if (!p) {
      erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding XML-RPC");
      stop_with_current(d, ERPLINK_ENOMEM);
      return false;
    }
    d->stack = p;
    d->scap = ncap;
    d->fast_sp_end = d->failed ? 0 : ncap < d->max_xml_depth ? ncap : d->max_xml_depth;
  }
  d->stack[d->sp++] = (dframe){(uint8_t)k, 0, 0};
  if (collects_text(k)) {
    d->collect = true;
    d->tlen = 0;
  } else {
    d->collect = false;
  }
  return true;
}

/* Every start tag the fast path of on_start() does not take: all checks, all messages. */
static XR_COLD void start_slow(erplink_xmlrpc_decoder *d, const XML_Char *name) {
  if (d->failed) return;
  enum kind k = quick_kind(name);
  const char *local = name;
  size_t n = 0;
  if (ERPLINK_UNLIKELY(k == K_UNKNOWN || d->sp == 0)) {
    /* one pass: length and namespace prefix (Python strips everything up to the last ':') */
    const char *pc = name;
    for (; *pc; pc++)
      if (ERPLINK_UNLIKELY(*pc == ':')) local = pc + 1;
    n = (size_t)(pc - local);
    k = tag_kind(local, n);
  }
  if (ERPLINK_UNLIKELY(++d->xml_elems > d->max_xml_elems)) {
    fail(d, ERPLINK_ELIMIT, "document has more than %zu XML elements (the element cap)", d->max_xml_elems);
    return;
  }
  if (ERPLINK_UNLIKELY(d->sp == 0)) {
    if (d->root_closed) return; /* expat reports junk after the root itself */
    if (ci_prefix(local, n, "html") && n == 4) {
      html_error(d);
      XML_StopParser(d->p, XML_FALSE);
      return;
    }
    enum kind want = d->call_mode ? K_METHODCALL : K_METHODRESPONSE;
    if (k != want) {
      if (k == K_METHODCALL || k == K_METHODRESPONSE)
        fail(d, ERPLINK_EPROTOCOL, "expected an XML-RPC <%s>, got a <%s>", kind_name[want], kind_name[k]);
      else
        fail(d, ERPLINK_EPROTOCOL, "not an XML-RPC document: root element <%s> (expected <%s>)", name, kind_name[want]);
      return;
    }
    push(d, k);
    return;
  }
  dframe *top = &d->stack[d->sp - 1];
  if (ERPLINK_UNLIKELY(k == K_UNKNOWN)) {
    fail(d, ERPLINK_EPROTOCOL, "unknown XML-RPC tag <%s> inside <%s>", name, kind_name[top->kind]);
    return;
  }
  int rc = 0;
  switch (top->kind) {
  case K_VALUE:
    if (ERPLINK_UNLIKELY(k < K_ARRAY)) goto misplaced;
    if (ERPLINK_UNLIKELY(top->flags & F_TYPED)) {
      fail(d, ERPLINK_EPROTOCOL, "<value> holds more than one value (a second <%s>)", name);
      return;
    }
    if (ERPLINK_UNLIKELY(d->tlen && !only_ws(d->text, d->tlen))) {
      char *q = d->qbuf; /* (no array on the stack of hot functions) */
      fail(d, ERPLINK_EPROTOCOL, "<value> mixes text '%s' with a <%s> element", quote(q, d->text, d->tlen), name);
      return;
    }
    top->flags |= F_TYPED;
    if (k == K_ARRAY)
      rc = erplink_builder_begin_array(d->b);
    else if (k == K_STRUCT)
      rc = erplink_builder_begin_struct(d->b);
    if (ERPLINK_UNLIKELY(rc)) {
      builder_failed(d, rc);
      return;
    }
    break;
  case K_DATA:
    if (k != K_VALUE) goto misplaced;
    break;
  case K_STRUCT:
    if (k != K_MEMBER) goto misplaced;
    break;
  case K_MEMBER:
    if (k == K_NAME) {
      if (top->flags & (F_NAME | F_VALUE)) {
        fail(d, ERPLINK_EPROTOCOL, "<member> has more than one <name> or a <name> after its <value>");
        return;
      }
      top->flags |= F_NAME;
    } else if (k == K_VALUE) {
      if (!(top->flags & F_NAME)) {
        fail(d, ERPLINK_EPROTOCOL, "<member> has a <value> before its <name>");
        return;
      }
      if (top->flags & F_VALUE) {
        fail(d, ERPLINK_EPROTOCOL, "<member> has more than one <value>");
        return;
      }
      top->flags |= F_VALUE;
    } else {
      goto misplaced;
    }
    break;
  case K_ARRAY:
    if (k != K_DATA) goto misplaced;
    if (top->flags & F_DATA) {
      fail(d, ERPLINK_EPROTOCOL, "<array> has more than one <data>");
      return;
    }
    top->flags |= F_DATA;
    break;
  case K_PARAM:
  case K_FAULT:
    if (k != K_VALUE) goto misplaced;
    if (top->flags & F_VALUE) {
      fail(d, ERPLINK_EPROTOCOL, "<%s> has more than one <value>", kind_name[top->kind]);
      return;
    }
    top->flags |= F_VALUE;
    break;
  case K_PARAMS:
    if (k != K_PARAM) goto misplaced;
    if (!d->call_mode && top->count >= 1) {
      fail(d, ERPLINK_EPROTOCOL, "a methodResponse must carry exactly one <param>");
      return;
    }
    top->count++;
    break;
  case K_METHODRESPONSE:
    if (k != K_PARAMS && k != K_FAULT) goto misplaced;
    if (top->flags & F_CHILD) {
      fail(d, ERPLINK_EPROTOCOL, "<methodResponse> has more than one <params> or <fault>");
      return;
    }
    top->flags |= F_CHILD;
    break;
  case K_METHODCALL:
    if (k == K_METHODNAME) {
      if (top->flags & (F_NAME | F_CHILD)) {
        fail(d, ERPLINK_EPROTOCOL, "<methodCall> has a misplaced or repeated <methodName>");
        return;
      }
      top->flags |= F_NAME;
    } else if (k == K_PARAMS) {
      if (!(top->flags & F_NAME) || (top->flags & F_CHILD)) {
        fail(d, ERPLINK_EPROTOCOL, "<methodCall> needs one <methodName> followed by at most one <params>");
        return;
      }
      top->flags |= F_CHILD;
      rc = erplink_builder_begin_array(d->b);
      if (rc) {
        builder_failed(d, rc);
        return;
      }
    } else {
      goto misplaced;
    }
    break;
  default: goto misplaced;
  }
  push(d, k);
  return;
misplaced:
  fail(d, ERPLINK_EPROTOCOL, "unexpected <%s> inside <%s>", name, kind_name[top->kind]);
}

/* Pushes a frame for an element the fast path of on_start() accepted. */
static inline void push_fast(erplink_xmlrpc_decoder *d, size_t sp, enum kind k) {
  d->xml_elems++;
  d->stack[sp] = (dframe){(uint8_t)k, 0, 0};
  d->sp = sp + 1;
  d->collect = collects_text(k);
  d->tlen = 0;
}

/* An <array> or <struct> opens in the builder, then its frame (out of line, called last:
 * on_start() needs no stack frame). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void
open_container(erplink_xmlrpc_decoder *d, size_t sp, enum kind k) {
  int rc = k == K_ARRAY ? erplink_builder_begin_array(d->b) : erplink_builder_begin_struct(d->b);
  if (ERPLINK_UNLIKELY(rc)) {
    builder_failed(d, rc);
    return;
  }
  push_fast(d, sp, k);
}

/* The elements of values in their usual places, checked as start_slow() would (the child the
 * parent expects, each at most once); anything else goes there. */
static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts) {
  erplink_xmlrpc_decoder *d = ud;
  (void)atts;
  size_t sp = d->sp;
  /* one test for: not failed, not the root, room in the stack, within the depth and element caps */
  if (ERPLINK_UNLIKELY(sp - 1 >= d->fast_sp_end - 1 || d->xml_elems >= d->max_xml_elems)) goto slow;
  dframe *top = &d->stack[sp - 1];
  enum kind k;
  /* the parent first: it says which name to expect (one dispatch, mostly predictable) */
  switch (top->kind) {
  case K_DATA: /* <value>s */
    if (!IS_VALUE(name)) goto slow;
    k = K_VALUE;
    break;
  case K_STRUCT: /* <member>s */
    if (!IS_MEMBER(name)) goto slow;
    k = K_MEMBER;
    break;
  case K_MEMBER: /* <name> then <value> */
    if (!(top->flags & (F_NAME | F_VALUE)) && IS_NAME(name)) {
      top->flags |= F_NAME;
      k = K_NAME;
    } else if ((top->flags & (F_NAME | F_VALUE)) == F_NAME && IS_VALUE(name)) {
      top->flags |= F_VALUE;
      k = K_VALUE;
    } else {
      goto slow;
    }
    break;
  case K_VALUE: /* one type (text before it: start_slow()) */
    k = quick_kind(name);
    if (k < K_ARRAY || (top->flags & F_TYPED) || d->tlen) goto slow;
    top->flags |= F_TYPED;
    if (k <= K_STRUCT) {
      open_container(d, sp, k);
      return;
    }
    break;
  case K_ARRAY: /* one <data> */
    if (!IS_DATA(name) || (top->flags & F_DATA)) goto slow;
    top->flags |= F_DATA;
    k = K_DATA;
    break;
  default: goto slow;
  }
  push_fast(d, sp, k);
  return;
slow:
  start_slow(d, name);
}

static void scalar_end(erplink_xmlrpc_decoder *d, enum kind k) {
  /* d->text is NULL until some element has collected text (e.g. `<value><int/></value>` as the
   * first scalar): never do pointer arithmetic or memcpy on it then */
  const char *s = d->tlen ? d->text : "";
  size_t n = d->tlen;
  int rc = 0;
  char *q = d->qbuf; /* (no array on the stack of hot functions) */
  switch (k) {
  case K_STRING: rc = erplink_builder_string(d->b, s, n); break;
  case K_INT: {
    trim(&s, &n);
    int64_t v;
    bool overflow = false;
    if (ERPLINK_LIKELY(n && n <= 18)) { /* [-]digits that cannot overflow: read here */
      size_t i = s[0] == '-';
      int64_t acc = 0;
      while (i < n && (unsigned)(s[i] - '0') <= 9) acc = acc * 10 + (s[i++] - '0');
      if (i == n && n > (size_t)(s[0] == '-')) {
        rc = erplink_builder_int(d->b, s[0] == '-' ? -acc : acc);
        break;
      }
    }
    if (ERPLINK_UNLIKELY(!erplink__parse_int64(s, n, &v, &overflow))) {
      if (overflow)
        fail(d, ERPLINK_ERANGE, "integer %s does not fit in 64 bits", quote(q, s, n));
      else
        fail(d, ERPLINK_EPROTOCOL, "invalid integer '%s'", quote(q, s, n));
      return;
    }
    rc = erplink_builder_int(d->b, v);
    break;
  }
  case K_BOOL:
    if (n == 1 && (s[0] == '0' || s[0] == '1')) {
      rc = erplink_builder_bool(d->b, s[0] == '1');
    } else {
      fail(d, ERPLINK_EPROTOCOL, "invalid boolean '%s' (expected 0 or 1)", quote(q, s, n));
      return;
    }
    break;
  case K_DOUBLE:
  case K_BIGDEC: {
    trim(&s, &n);
    double v;
    int64_t unused;
    if (erplink__fast_number(s, n, &unused, &v) == ERPLINK_NUM_DOUBLE) { /* [-]digits.digits */
      rc = erplink_builder_double(d->b, v);
      break;
    }
    int bad = !decimal_syntax(s, n)                            ? (non_finite(s, n) ? 1 : 2)
              : n > 4096                                       ? 3
              : erplink__parse_double(s, n, &v) && isfinite(v) ? 0
                                                               : 1;
    if (ERPLINK_UNLIKELY(bad)) {
      if (bad == 3)
        fail(d, ERPLINK_ELIMIT, "%s of %zu characters (at most 4096 are read)", kind_name[k], n);
      else if (bad == 1)
        fail(d, ERPLINK_ERANGE,
             "%s '%s' is not a finite double (XML-RPC values are finite: out-of-range numbers, "
             "infinities and NaN are refused both ways)",
             kind_name[k], quote(q, s, n));
      else
        fail(d, ERPLINK_EPROTOCOL, "invalid %s '%s'", kind_name[k], quote(q, s, n));
      return;
    }
    rc = erplink_builder_double(d->b, v);
    break;
  }
  case K_DATETIME: {
    erplink_datetime dt;
    if (!parse_datetime(s, n, &dt)) {
      fail(d, ERPLINK_EPROTOCOL, "invalid dateTime.iso8601 '%s' (expected a valid YYYYMMDDTHH:MM:SS)", quote(q, s, n));
      return;
    }
    rc = erplink_builder_datetime(d->b, &dt);
    break;
  }
  case K_BASE64: {
    char *p = erplink_builder_alloc(d->b, erplink__base64_decoded_max(n));
    if (!p) {
      builder_failed(d, ERPLINK_ENOMEM);
      return;
    }
    size_t m = 0;
    if (erplink__base64_decode_to((unsigned char *)p, &m, s, n, ERPLINK_BASE64_ALLOW_WS) != 0) {
      fail(d, ERPLINK_EPROTOCOL, "invalid <base64> data (%s)", erplink_error_message(erplink_error_last()));
      return;
    }
    rc = erplink_builder_bytes_inplace(d->b, p, m);
    break;
  }
  case K_NIL: rc = erplink_builder_nil(d->b); break;
  default: break;
  }
  if (ERPLINK_UNLIKELY(rc)) builder_failed(d, rc);
}

/* The end of an element that completes something (a scalar, a name, a container...). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void
end_work(erplink_xmlrpc_decoder *d, dframe f) {
  int rc = 0;
  switch ((enum kind)f.kind) {
  case K_VALUE:
    if (!(f.flags & F_TYPED)) rc = erplink_builder_string(d->b, d->tlen ? d->text : "", d->tlen);
    break;
  case K_ARRAY:
  case K_STRUCT: rc = erplink_builder_end(d->b); break;
  case K_NAME:
    /* (collected text is followed by TEXT_SLACK readable bytes) */
    rc = d->tlen ? erplink__builder_key(d->b, d->text, d->tlen, true) : erplink_builder_key(d->b, "", 0);
    break;
  case K_MEMBER:
    if ((f.flags & (F_NAME | F_VALUE)) != (F_NAME | F_VALUE)) {
      fail(d, ERPLINK_EPROTOCOL, "<member> without a %s", (f.flags & F_NAME) ? "<value>" : "<name>");
      return;
    }
    break;
  case K_PARAM:
  case K_FAULT:
    if (!(f.flags & F_VALUE)) {
      fail(d, ERPLINK_EPROTOCOL, "<%s> without a <value>", kind_name[f.kind]);
      return;
    }
    if (f.kind == K_FAULT) d->is_fault = true;
    break;
  case K_PARAMS:
    if (d->call_mode)
      rc = erplink_builder_end(d->b);
    else if (f.count != 1) {
      fail(d, ERPLINK_EPROTOCOL, "a methodResponse must carry exactly one <param>");
      return;
    }
    break;
  case K_METHODNAME: {
    char *m = malloc(d->tlen + 1);
    if (!m) {
      erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      stop_with_current(d, ERPLINK_ENOMEM);
      return;
    }
    if (d->tlen) memcpy(m, d->text, d->tlen); /* <methodName/>: d->text may be NULL */
    m[d->tlen] = '\0';
    free(d->method);
    d->method = m;
    break;
  }
  case K_METHODRESPONSE:
    if (!(f.flags & F_CHILD)) {
      fail(d, ERPLINK_EPROTOCOL, "<methodResponse> without <params> or <fault>");
      return;
    }
    d->root_closed = true;
    break;
  case K_METHODCALL:
    if (!(f.flags & F_NAME)) {
      fail(d, ERPLINK_EPROTOCOL, "<methodCall> without <methodName>");
      return;
    }
    if (!(f.flags & F_CHILD)) {
      rc = erplink_builder_begin_array(d->b);
      if (!rc) rc = erplink_builder_end(d->b);
    }
    d->root_closed = true;
    break;
  case K_DATA: break;
  default: scalar_end(d, (enum kind)f.kind); return;
  }
  if (ERPLINK_UNLIKELY(rc)) builder_failed(d, rc);
}

/* (No stack frame for the ends that only close: a typed <value>, a complete <member>, <data>.) */
static void XMLCALL on_end(void *ud, const XML_Char *name) {
  erplink_xmlrpc_decoder *d = ud;
  (void)name;
  if (ERPLINK_UNLIKELY(d->failed || d->sp == 0)) return;
  dframe f = d->stack[--d->sp];
  /* (an element's parent collects no text after it: a <value> with an element in it is typed) */
  d->collect = false;
  switch ((enum kind)f.kind) {
  case K_VALUE:
    if (f.flags & F_TYPED) return;
    break;
  case K_MEMBER:
    if ((f.flags & (F_NAME | F_VALUE)) == (F_NAME | F_VALUE)) return;
    break;
  case K_DATA: return;
  default: break;
  }
  end_work(d, f);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *doctype_name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset) {
  erplink_xmlrpc_decoder *d = ud;
  (void)sysid;
  (void)pubid;
  (void)has_internal_subset;
  if (d->failed) return;
  if (doctype_name && strlen(doctype_name) == 4 && ci_prefix(doctype_name, 4, "html")) {
    html_error(d);
    XML_StopParser(d->p, XML_FALSE);
    return;
  }
  fail(d, ERPLINK_EFORBIDDEN_XML, "XML-RPC documents must not carry a DOCTYPE (refused for safety)");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *entity_name, int is_param, const XML_Char *value,
                                   int value_length, const XML_Char *base, const XML_Char *system_id,
                                   const XML_Char *public_id, const XML_Char *notation_name) {
  erplink_xmlrpc_decoder *d = ud;
  (void)entity_name, (void)is_param, (void)value, (void)value_length, (void)base, (void)system_id, (void)public_id,
      (void)notation_name;
  if (d->failed) return;
  fail(d, ERPLINK_EFORBIDDEN_XML, "XML-RPC documents must not declare entities (refused for safety)");
}

static int XMLCALL on_ext_entity(XML_Parser p, const XML_Char *context, const XML_Char *base, const XML_Char *system_id,
                                 const XML_Char *public_id) {
  (void)p, (void)context, (void)base, (void)system_id, (void)public_id;
  return XML_STATUS_ERROR; /* never load external entities */
}

/* ---------------------------------------------------------------- encodings */

/* expat reads UTF-8, UTF-16, ISO-8859-1 and US-ASCII itself and asks this handler about any
 * other encoding a document declares. Like Python's pyexpat (so that erplink reads what
 * xmlrpc.client reads), it accepts single-byte encodings: it decodes the 256 byte values in
 * order, with undecodable bytes becoming invalid (-1), and refuses the encoding unless that
 * gives one character per byte. The tables come from the C library's iconv, which knows the
 * Windows code pages, ISO-8859-*, KOI8-*, DOS and Mac code pages. expat itself then refuses
 * a table that is not ASCII-compatible (EBCDIC). */
static iconv_t open_encoding(const char *name) {
  char n[64];
  size_t len = strlen(name);
  if (len >= sizeof n) return (iconv_t)-1;
  iconv_t cd = iconv_open("UTF-32LE", name);
  if (cd != (iconv_t)-1) return cd;
  /* Python's spellings that glibc lacks: '_' for '-' (koi8_r, iso_8859_2), latin-1. (Not
   * mac-roman: glibc's MACINTOSH is Apple's table before 1998, which differs from Python's.) */
  for (size_t i = 0; i <= len; i++) n[i] = name[i] == '_' || name[i] == ' ' ? '-' : name[i];
  if ((cd = iconv_open("UTF-32LE", n)) != (iconv_t)-1) return cd;
  if (erplink__ascii_ieq(n, len, "latin-1") || erplink__ascii_ieq(n, len, "l1"))
    return iconv_open("UTF-32LE", "LATIN1");
  return (iconv_t)-1;
}

/* Converts the n bytes alone (from the initial shift state, flushing what the converter holds
 * back, e.g. a letter that a combining mark might follow in windows-1255): 1 when they make
 * exactly one character (*cp), 0 when invalid, -1 when incomplete, 2 otherwise (no character,
 * or several). */
static int probe_bytes(iconv_t cd, const unsigned char *in, size_t n, int *cp) {
  char src[4], *ip = src;
  unsigned char out[16];
  char *op = (char *)out;
  size_t il = n, ol = sizeof out;
  memcpy(src, in, n);
  iconv(cd, NULL, NULL, NULL, NULL);
  if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) return errno == EINVAL ? -1 : errno == EILSEQ ? 0 : 2;
  if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1 || sizeof out - ol != 4) return 2;
  *cp = (int)((unsigned)out[0] | (unsigned)out[1] << 8 | (unsigned)out[2] << 16 | (unsigned)out[3] << 24);
  return 1;
}

static int XMLCALL on_unknown_encoding(void *ud, const XML_Char *name, XML_Encoding *info) {
  erplink_xmlrpc_decoder *d = ud;
  snprintf(d->enc_name, sizeof d->enc_name, "%s", name ? name : "");
  iconv_t cd = open_encoding(d->enc_name);
  if (cd == (iconv_t)-1) {
    d->enc_why = "an encoding this system does not know";
    return XML_STATUS_ERROR;
  }
  bool ok = true;
  memset(d->enc_undefined, 0, sizeof d->enc_undefined);
  for (int b = 0; b < 256 && ok; b++) {
    unsigned char seq[4] = {(unsigned char)b, (unsigned char)(b + 1), (unsigned char)(b + 2), (unsigned char)(b + 3)};
    int r = probe_bytes(cd, seq, 1, &info->map[b]);
    if (r == 1) continue;
    info->map[b] = -1; /* not a character of this encoding (pyexpat: U+FFFD -> -1) */
    d->enc_undefined[b >> 3] |= (uint8_t)(1u << (b & 7));
    if (r == 2) ok = false;
    /* A lead byte: pyexpat decodes the bytes 0..255 in order, so the encoding is multi-byte
     * (refused) when this byte and the next ones form a character. */
    for (size_t k = 2; r == -1 && k <= 4 && b + (int)k - 1 < 256; k++) {
      int cp;
      r = probe_bytes(cd, seq, k, &cp);
      if (r == 1 || r == 2) ok = false;
    }
  }
  iconv_close(cd);
  if (!ok) {
    d->enc_why = "a multi-byte or stateful encoding";
    return XML_STATUS_ERROR;
  }
  info->data = NULL;
  info->convert = NULL;
  info->release = NULL;
  d->enc_why = NULL;
  d->enc_mapped = true;
  return XML_STATUS_OK;
}

/* ---------------------------------------------------------------- driving expat */

static int setup_parser(erplink_xmlrpc_decoder *d) {
  d->p = XML_ParserCreate(NULL);
  if (!d->p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory creating the XML parser");
  XML_SetUserData(d->p, d);
  XML_SetElementHandler(d->p, on_start, on_end);
  XML_SetCharacterDataHandler(d->p, on_text);
  XML_SetStartDoctypeDeclHandler(d->p, on_doctype);
  XML_SetEntityDeclHandler(d->p, on_entity_decl);
  XML_SetExternalEntityRefHandler(d->p, on_ext_entity);
  XML_SetParamEntityParsing(d->p, XML_PARAM_ENTITY_PARSING_NEVER);
  XML_SetUnknownEncodingHandler(d->p, on_unknown_encoding, d);
  return 0;
}

static void decoder_clear(erplink_xmlrpc_decoder *d) {
  if (d->p) XML_ParserFree(d->p);
  d->p = NULL;
  erplink_builder_free(d->b);
  d->b = NULL;
  free(d->errmsg);
  free(d->errdetail);
  free(d->method);
  d->errmsg = d->errdetail = d->method = NULL;
  d->errdetail_len = 0;
  d->size_hint = d->total = d->head_len = 0;
  d->sniffed = d->started = d->finished = d->final_done = false;
  d->sp = d->tlen = d->xml_elems = 0;
  d->collect = d->failed = d->is_fault = d->root_closed = false;
  d->fast_sp_end = d->scap < d->max_xml_depth ? d->scap : d->max_xml_depth;
  d->err = 0;
  d->enc_name[0] = '\0';
  d->enc_why = NULL;
  d->enc_mapped = false;
}

static int decoder_init(erplink_xmlrpc_decoder **out, const erplink_limits *limits, bool call_mode) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decoder_new: out is NULL");
  *out = NULL;
  erplink_xmlrpc_decoder *d = calloc(1, sizeof *d);
  if (!d) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink__limits_resolve(&d->lim, limits);
  d->call_mode = call_mode;
  size_t md = d->lim.max_depth;
  d->max_xml_depth = md > (SIZE_MAX - 16) / 3 ? SIZE_MAX : md * 3 + 16;
  size_t me = d->lim.max_elements;
  d->max_xml_elems = me > (SIZE_MAX - 64) / 4 ? SIZE_MAX : me * 4 + 64;
  *out = d;
  return 0;
}

int erplink_xmlrpc_decoder_new(erplink_xmlrpc_decoder **out, const erplink_limits *limits) {
  return decoder_init(out, limits, false);
}

int erplink_xmlrpc_decoder_new_call(erplink_xmlrpc_decoder **out, const erplink_limits *limits) {
  return decoder_init(out, limits, true);
}

void erplink_xmlrpc_decoder_free(erplink_xmlrpc_decoder *d) {
  if (!d) return;
  decoder_clear(d);
  free(d->stack);
  free(d->text);
  free(d);
}

int erplink_xmlrpc_decoder_reset(erplink_xmlrpc_decoder *d) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decoder_reset: decoder is NULL");
  decoder_clear(d);
  return 0;
}

int erplink_xmlrpc_decoder_set_size_hint(erplink_xmlrpc_decoder *d, size_t bytes) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decoder_set_size_hint: decoder is NULL");
  if (!d->started) d->size_hint = bytes > d->lim.max_bytes ? d->lim.max_bytes : bytes;
  return 0;
}

/* Converts an expat failure into an erplink error. */
static int parse_failed(erplink_xmlrpc_decoder *d, bool final) {
  if (d->failed) {
    /* a handler stopped the parser; an HTML look wins over other protocol errors */
    if ((d->err == ERPLINK_EPROTOCOL || d->err == ERPLINK_EFORBIDDEN_XML) && head_contains_html(d->head, d->head_len) &&
        !(d->errmsg && strcmp(d->errmsg, "the server answered HTML, not XML-RPC") == 0))
      return html_error(d);
    return d->err;
  }
  if (head_contains_html(d->head, d->head_len)) return html_error(d);
  enum XML_Error ec = XML_GetErrorCode(d->p);
  unsigned long line = (unsigned long)XML_GetCurrentLineNumber(d->p);
  unsigned long col = (unsigned long)XML_GetCurrentColumnNumber(d->p) + 1;
  const char *es = XML_ErrorString(ec);
  if (final && (ec == XML_ERROR_NO_ELEMENTS || ec == XML_ERROR_UNCLOSED_TOKEN || ec == XML_ERROR_PARTIAL_CHAR ||
                ec == XML_ERROR_UNCLOSED_CDATA_SECTION || ec == XML_ERROR_ASYNC_ENTITY)) {
    if (d->total == 0 || (ec == XML_ERROR_NO_ELEMENTS && only_ws(d->head, d->head_len) && d->total == d->head_len))
      erplink__error_setf(ERPLINK_EPROTOCOL, "truncated document: the body is empty");
    else
      erplink__error_setf(ERPLINK_EPROTOCOL, "truncated document: it ends at line %lu, column %lu (%s)", line, col,
                          es ? es : "incomplete");
  } else if (ec == XML_ERROR_INVALID_TOKEN || ec == XML_ERROR_PARTIAL_CHAR) {
    int off = 0, size = 0;
    const char *ctx = XML_GetInputContext(d->p, &off, &size);
    bool bad_utf8 = false;
    unsigned byte = 0;
    if (ctx && off >= 0 && off < size) {
      const unsigned char *c = (const unsigned char *)ctx + off;
      size_t avail = (size_t)(size - off);
      /* the bad token may start a few bytes before the offending byte: scan it */
      for (size_t i = 0; i < avail && i < 64; i++) {
        if (d->enc_mapped) { /* a declared single-byte encoding, not UTF-8 */
          if (c[i] == '<' || c[i] == '>' || c[i] == '&') break;
          if (d->enc_undefined[c[i] >> 3] & (1u << (c[i] & 7))) {
            bad_utf8 = true;
            byte = c[i];
            break;
          }
          continue;
        }
        if (c[i] < 0x80) {
          if (c[i] == '<' || c[i] == '>' || c[i] == '&') break;
          continue;
        }
        size_t l = c[i] >= 0xF0 ? 4 : c[i] >= 0xE0 ? 3 : c[i] >= 0xC0 ? 2 : 1;
        if (l > avail - i || !erplink__utf8_valid((const char *)c + i, l)) {
          bad_utf8 = true;
          byte = c[i];
          break;
        }
        i += l - 1;
      }
    }
    char *q = d->qbuf; /* (no array on the stack of hot functions) */
    if (bad_utf8 && d->enc_mapped)
      erplink__error_setf(ERPLINK_EPROTOCOL,
                          "byte 0x%02X is not a character of the document's encoding '%s', near "
                          "line %lu, column %lu",
                          byte, quote(q, d->enc_name, strlen(d->enc_name)), line, col);
    else if (bad_utf8)
      erplink__error_setf(ERPLINK_EPROTOCOL, "invalid UTF-8 in the document (byte 0x%02X) near line %lu, column %lu",
                          byte, line, col);
    else
      erplink__error_setf(ERPLINK_EPROTOCOL, "invalid XML at line %lu, column %lu: %s", line, col, es ? es : "?");
  } else if (ec == XML_ERROR_UNKNOWN_ENCODING && d->enc_name[0]) {
    char *q = d->qbuf; /* (no array on the stack of hot functions) */
    erplink__error_setf(ERPLINK_EPROTOCOL,
                        "unsupported document encoding '%s' (%s): erplink reads UTF-8, UTF-16, ISO-8859-1, "
                        "US-ASCII and ASCII-compatible single-byte encodings such as windows-1252",
                        quote(q, d->enc_name, strlen(d->enc_name)), d->enc_why ? d->enc_why : "not ASCII-compatible");
  } else if (ec == XML_ERROR_NO_MEMORY) {
    erplink__error_setf(ERPLINK_ENOMEM, "out of memory while parsing XML");
  } else {
    erplink__error_setf(ERPLINK_EPROTOCOL, "invalid XML at line %lu, column %lu: %s", line, col, es ? es : "?");
  }
  record_error(d, erplink_error_code(erplink_error_last()));
  return d->err;
}

static int run_expat(erplink_xmlrpc_decoder *d, const char *s, size_t n, bool final) {
  if (!d->started) {
    d->started = true;
    int rc = erplink_builder_new(&d->b, &d->lim, d->size_hint);
    if (!rc) rc = setup_parser(d);
    if (rc) {
      record_error(d, rc);
      return rc;
    }
  }
  do {
    size_t c = n > CHUNK ? CHUNK : n;
    bool last = final && c == n;
    if (XML_Parse(d->p, s, (int)c, last) != XML_STATUS_OK) return parse_failed(d, last);
    if (d->failed) return d->err;
    s += c;
    n -= c;
  } while (n);
  return 0;
}

/* Feeds bytes; with final, they are the last ones and expat is told so in the same call
 * (a final XML_Parse skips expat's separate pass that tracks line numbers: faster). */
static int feed(erplink_xmlrpc_decoder *d, const char *data, size_t len, bool final) {
  if (d->failed) return replay_error(d);
  if (d->finished) return erplink__error_setf(ERPLINK_EINVAL, "XML-RPC decoder already finished; reset it first");
  if (len == 0 && !final) return 0;
  if (len > d->lim.max_bytes - d->total) {
    erplink__error_setf(ERPLINK_ELIMIT, "document larger than %zu bytes (the size cap)", d->lim.max_bytes);
    record_error(d, ERPLINK_ELIMIT);
    return ERPLINK_ELIMIT;
  }
  d->total += len;
  size_t copied = 0;
  if (d->head_len < HEAD_MAX) {
    copied = HEAD_MAX - d->head_len < len ? HEAD_MAX - d->head_len : len;
    memcpy(d->head + d->head_len, data, copied);
    d->head_len += copied;
  }
  int rc;
  if (!d->sniffed) {
    if (d->head_len < SNIFF_MIN && !final) return 0; /* everything so far sits in head */
    d->sniffed = true;
    if (d->head_len && head_starts_html(d->head, d->head_len)) return html_error(d);
    /* head holds every earlier byte plus the first `copied` bytes of data */
    data += copied;
    len -= copied;
    rc = run_expat(d, d->head, d->head_len, final && len == 0);
    if (rc || len == 0) {
      if (!rc && final) d->final_done = true;
      return rc;
    }
  }
  rc = run_expat(d, data, len, final);
  if (!rc && final) d->final_done = true;
  return rc;
}

int erplink_xmlrpc_decoder_feed(erplink_xmlrpc_decoder *d, const void *data, size_t len) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decoder_feed: decoder is NULL");
  if (!data && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decoder_feed: data is NULL");
  return feed(d, data, len, false);
}

/* Ends the document: returns 0 with the tree ready in the builder, or an error. */
static int finish_doc(erplink_xmlrpc_decoder *d) {
  if (d->failed) return replay_error(d);
  if (d->finished) return erplink__error_setf(ERPLINK_EINVAL, "XML-RPC decoder already finished; reset it first");
  if (!d->final_done) {
    int rc = feed(d, "", 0, true);
    if (rc) return rc;
  }
  d->finished = true;
  if (!d->root_closed || !erplink_builder_done(d->b)) {
    erplink__error_setf(ERPLINK_EPROTOCOL, "truncated document: no complete XML-RPC value");
    record_error(d, ERPLINK_EPROTOCOL);
    return ERPLINK_EPROTOCOL;
  }
  return 0;
}

int erplink_xmlrpc_decoder_finish(erplink_value **out, int *is_fault, erplink_xmlrpc_decoder *d) {
  if (out) *out = NULL;
  if (is_fault) *is_fault = 0;
  if (!out || !d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decoder_finish: NULL argument");
  if (d->call_mode)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_xmlrpc_decoder_finish: this decoder decodes calls; use _finish_call");
  int rc = finish_doc(d);
  if (rc) return rc;
  erplink_value *v = erplink_builder_take(d->b);
  if (!v) return erplink__error_setf(ERPLINK_EPROTOCOL, "truncated document: no value");
  if (d->is_fault) {
    if (v->type != ERPLINK_TYPE_STRUCT || !erplink_value_struct_get(v, "faultCode") ||
        !erplink_value_struct_get(v, "faultString")) {
      erplink_value_free(v);
      erplink__error_setf(ERPLINK_EPROTOCOL,
                          "malformed XML-RPC fault: expected a struct with faultCode and faultString");
      record_error(d, ERPLINK_EPROTOCOL);
      return ERPLINK_EPROTOCOL;
    }
  }
  *out = v;
  if (is_fault) *is_fault = d->is_fault ? 1 : 0;
  return 0;
}

int erplink_xmlrpc_decoder_finish_call(char **method_out, erplink_value **params_out, erplink_xmlrpc_decoder *d) {
  if (method_out) *method_out = NULL;
  if (params_out) *params_out = NULL;
  if (!method_out || !params_out || !d)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decoder_finish_call: NULL argument");
  if (!d->call_mode)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "erplink_xmlrpc_decoder_finish_call: this decoder decodes responses; use _finish");
  int rc = finish_doc(d);
  if (rc) return rc;
  erplink_value *v = erplink_builder_take(d->b);
  if (!v || !d->method) {
    erplink_value_free(v);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "truncated document: no method call");
  }
  *params_out = v;
  *method_out = d->method;
  d->method = NULL;
  return 0;
}

int erplink_xmlrpc_decode_response(erplink_value **out, int *is_fault, const char *data, size_t len,
                                   const erplink_limits *limits) {
  if (out) *out = NULL;
  if (is_fault) *is_fault = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decode_response: out is NULL");
  if (!data && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decode_response: data is NULL");
  erplink_xmlrpc_decoder *d;
  int rc = decoder_init(&d, limits, false);
  if (rc) return rc;
  d->size_hint = len > d->lim.max_bytes ? d->lim.max_bytes : len;
  rc = feed(d, data ? data : "", len, true);
  if (!rc) rc = erplink_xmlrpc_decoder_finish(out, is_fault, d);
  erplink_xmlrpc_decoder_free(d);
  return rc;
}

int erplink_xmlrpc_decode_call(char **method_out, erplink_value **params_out, const char *data, size_t len,
                               const erplink_limits *limits) {
  if (method_out) *method_out = NULL;
  if (params_out) *params_out = NULL;
  if (!method_out || !params_out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decode_call: NULL output");
  if (!data && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_xmlrpc_decode_call: data is NULL");
  erplink_xmlrpc_decoder *d;
  int rc = decoder_init(&d, limits, true);
  if (rc) return rc;
  d->size_hint = len > d->lim.max_bytes ? d->lim.max_bytes : len;
  rc = feed(d, data ? data : "", len, true);
  if (!rc) rc = erplink_xmlrpc_decoder_finish_call(method_out, params_out, d);
  erplink_xmlrpc_decoder_free(d);
  return rc;
}
