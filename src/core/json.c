/* JSON codec: decoder over yajl 2.1's event parser (building through the shared tree
 * builder), encoder written directly into an erplink_buf. See include/erplink/json.h. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "erplink/json.h"
#include "erplink/crypto.h"
#include "internal.h"

/* ================================================================ decoder */

#define HTML_DETAIL_MAX 200
#define NUMBER_MAX_CHARS 4096

/* Surrogate check of \u escapes, run over the raw bytes alongside yajl: yajl 2.1 turns a
 * lone high surrogate into '?' and glues a high surrogate to any following \u escape, so
 * the decoded text alone cannot tell. Backslashes only occur inside strings in a document
 * yajl accepted, so no string tracking is needed. */
enum { SC_NORM, SC_BS, SC_HEX, SC_PAIR_BS, SC_PAIR_U };

typedef struct surr_scan {
  uint8_t st;
  uint8_t ndig;
  bool want_low;
  uint32_t cp;
} surr_scan;

struct erplink_json_decoder {
  struct erplink_limits lim;
  erplink_builder *b;
  yajl_handle y;
  size_t hint;
  size_t total;      /* bytes fed so far (current document) */
  size_t chunk_base; /* offset of the chunk being parsed */
  int err;           /* sticky error code (0 = none) */
  bool seen_value;   /* a non-blank byte was seen */
  bool html;         /* the document starts with '<' */
  bool cb_failed;    /* a callback failed (the builder's error is set) */
  size_t cb_offset;  /* byte offset of the callback failure */
  erplink_buf html_buf;
  surr_scan scan;
  char errmsg[512];
};

static int cb_fail(erplink_json_decoder *d) {
  d->cb_failed = true;
  d->cb_offset = d->chunk_base + yajl_get_bytes_consumed(d->y);
  return 0;
}

static int cb_null(void *ctx) {
  erplink_json_decoder *d = ctx;
  return erplink_builder_nil(d->b) ? cb_fail(d) : 1;
}

static int cb_bool(void *ctx, int v) {
  erplink_json_decoder *d = ctx;
  return erplink_builder_bool(d->b, v) ? cb_fail(d) : 1;
}

static int cb_number(void *ctx, const char *s, size_t len) {
  erplink_json_decoder *d = ctx;
  if (len > NUMBER_MAX_CHARS) {
    erplink__error_setf(ERPLINK_ELIMIT, "number written with %zu characters (more than %d)", len,
                        NUMBER_MAX_CHARS);
    return cb_fail(d);
  }
  bool integral = memchr(s, '.', len) == NULL && memchr(s, 'e', len) == NULL && memchr(s, 'E', len) == NULL;
  if (integral) {
    int64_t i;
    bool overflow = false;
    if (erplink__parse_int64(s, len, &i, &overflow))
      return erplink_builder_int(d->b, i) ? cb_fail(d) : 1;
    /* beyond int64: falls through to the nearest double */
  }
  double x;
  if (!erplink__parse_double(s, len, &x)) {
    erplink__error_setf(ERPLINK_ERANGE, "number %.*s is outside the range of a double", len > 40 ? 40 : (int)len,
                        s);
    return cb_fail(d);
  }
  return erplink_builder_double(d->b, x) ? cb_fail(d) : 1;
}

static int cb_string(void *ctx, const unsigned char *s, size_t len) {
  erplink_json_decoder *d = ctx;
  if (!erplink__utf8_valid((const char *)s, len)) {
    erplink__error_setf(ERPLINK_EPROTOCOL, "invalid UTF-8 in a string");
    return cb_fail(d);
  }
  return erplink_builder_string(d->b, (const char *)s, len) ? cb_fail(d) : 1;
}

static int cb_key(void *ctx, const unsigned char *s, size_t len) {
  erplink_json_decoder *d = ctx;
  if (!erplink__utf8_valid((const char *)s, len)) {
    erplink__error_setf(ERPLINK_EPROTOCOL, "invalid UTF-8 in an object key");
    return cb_fail(d);
  }
  return erplink_builder_key(d->b, (const char *)s, len) ? cb_fail(d) : 1;
}

static int cb_start_map(void *ctx) {
  erplink_json_decoder *d = ctx;
  return erplink_builder_begin_struct(d->b) ? cb_fail(d) : 1;
}

static int cb_start_array(void *ctx) {
  erplink_json_decoder *d = ctx;
  return erplink_builder_begin_array(d->b) ? cb_fail(d) : 1;
}

static int cb_end(void *ctx) {
  erplink_json_decoder *d = ctx;
  return erplink_builder_end(d->b) ? cb_fail(d) : 1;
}

static const yajl_callbacks g_callbacks = {
    cb_null, cb_bool, NULL, NULL, cb_number, cb_string, cb_start_map, cb_key, cb_end, cb_start_array, cb_end,
};

static int yajl_open(erplink_json_decoder *d) {
  d->y = yajl_alloc(&g_callbacks, NULL, d);
  if (!d->y) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory (JSON parser)");
  /* Strict RFC 8259: these are yajl's defaults, set explicitly so that a change of
   * defaults cannot loosen us. UTF-8 validation stays on (yajl_dont_validate_strings 0). */
  yajl_config(d->y, yajl_allow_comments, 0);
  yajl_config(d->y, yajl_dont_validate_strings, 0);
  yajl_config(d->y, yajl_allow_trailing_garbage, 0);
  yajl_config(d->y, yajl_allow_multiple_values, 0);
  yajl_config(d->y, yajl_allow_partial_values, 0);
  return 0;
}

static void doc_reset(erplink_json_decoder *d) {
  if (d->y) yajl_free(d->y);
  d->y = NULL;
  if (d->b) erplink_builder_free(d->b);
  d->b = NULL;
  d->hint = 0;
  d->total = d->chunk_base = 0;
  d->err = 0;
  d->seen_value = d->html = d->cb_failed = false;
  d->cb_offset = 0;
  erplink_buf_free(&d->html_buf);
  memset(&d->scan, 0, sizeof d->scan);
  d->errmsg[0] = '\0';
}

int erplink_json_decoder_new(erplink_json_decoder **out, const erplink_limits *limits) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decoder_new: out is NULL");
  *out = NULL;
  erplink_json_decoder *d = calloc(1, sizeof *d);
  if (!d) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink__limits_resolve(&d->lim, limits);
  *out = d;
  return 0;
}

void erplink_json_decoder_free(erplink_json_decoder *d) {
  if (!d) return;
  doc_reset(d);
  free(d);
}

int erplink_json_decoder_set_size_hint(erplink_json_decoder *d, size_t hint) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decoder_set_size_hint: decoder is NULL");
  if (d->total || d->b)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decoder_set_size_hint: the document was already fed");
  d->hint = hint < d->lim.max_bytes ? hint : d->lim.max_bytes;
  return 0;
}

/* Records the current last error as the decoder's sticky error. */
static int stick(erplink_json_decoder *d, int code) {
  d->err = code;
  snprintf(d->errmsg, sizeof d->errmsg, "%s", erplink_error_message(erplink_error_last()));
  return code;
}

static int restick(erplink_json_decoder *d) {
  return erplink__error_setf(d->err, "%s", d->errmsg[0] ? d->errmsg : "JSON decoder failed earlier");
}

static bool is_hex(unsigned c, unsigned *v) {
  if (c >= '0' && c <= '9') *v = c - '0';
  else if (c >= 'a' && c <= 'f') *v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F') *v = c - 'A' + 10;
  else return false;
  return true;
}

/* Scans [p, p+len) for bad surrogate escapes; returns the offset of the first bad byte
 * within the chunk, or SIZE_MAX. *why receives the reason. */
static size_t scan_surrogates(surr_scan *sc, const char *p, size_t len, const char **why) {
  size_t i = 0;
  while (i < len) {
    if (sc->st == SC_NORM) {
      const char *bs = memchr(p + i, '\\', len - i);
      if (!bs) return SIZE_MAX;
      i = (size_t)(bs - p) + 1;
      sc->st = SC_BS;
      continue;
    }
    unsigned c = (unsigned char)p[i];
    switch (sc->st) {
    case SC_BS:
      if (c == 'u') {
        sc->st = SC_HEX;
        sc->ndig = 0;
        sc->cp = 0;
      } else {
        sc->st = SC_NORM;
      }
      break;
    case SC_HEX: {
      unsigned v;
      if (!is_hex(c, &v)) { /* invalid escape: yajl reports it */
        sc->st = SC_NORM;
        sc->want_low = false;
        break;
      }
      sc->cp = sc->cp * 16 + v;
      if (++sc->ndig < 4) break;
      if (sc->want_low) {
        if (sc->cp < 0xDC00 || sc->cp > 0xDFFF) {
          *why = "a high surrogate \\u escape is not followed by a low surrogate";
          return i;
        }
        sc->want_low = false;
        sc->st = SC_NORM;
      } else if (sc->cp >= 0xD800 && sc->cp <= 0xDBFF) {
        sc->want_low = true;
        sc->st = SC_PAIR_BS;
      } else if (sc->cp >= 0xDC00 && sc->cp <= 0xDFFF) {
        *why = "a lone low surrogate \\u escape";
        return i;
      } else {
        sc->st = SC_NORM;
      }
      break;
    }
    case SC_PAIR_BS:
    case SC_PAIR_U:
      if (c == (sc->st == SC_PAIR_BS ? '\\' : 'u')) {
        sc->st = sc->st == SC_PAIR_BS ? SC_PAIR_U : SC_HEX;
        sc->ndig = 0;
        sc->cp = 0;
      } else {
        *why = "a lone high surrogate \\u escape";
        return i;
      }
      break;
    default:
      break;
    }
    i++;
  }
  return SIZE_MAX;
}

/* Copies up to HTML_DETAIL_MAX bytes of an HTML body, sanitised. */
static void html_collect(erplink_json_decoder *d, const char *p, size_t len) {
  size_t room = HTML_DETAIL_MAX > d->html_buf.len ? HTML_DETAIL_MAX - d->html_buf.len : 0;
  erplink_buf_put(&d->html_buf, p, len < room ? len : room);
}

static int html_fail(erplink_json_decoder *d) {
  /* sanitise: keep printable ASCII, \n, \t and valid UTF-8; cut at a character boundary */
  erplink_buf s = ERPLINK_BUF_INIT;
  const unsigned char *p = (const unsigned char *)d->html_buf.ptr;
  size_t n = d->html_buf.len, i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c >= 0x80) {
      size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (i + k <= n && erplink__utf8_valid((const char *)p + i, k)) {
        erplink_buf_put(&s, p + i, k);
        i += k;
      } else if (i + k > n && c >= 0xC2) { /* cut inside a character at the end */
        break;
      } else {
        erplink_buf_putc(&s, '?');
        i++;
      }
      continue;
    }
    erplink_buf_putc(&s, (c >= 0x20 && c != 0x7F) || c == '\n' || c == '\t' ? (char)c : '?');
    i++;
  }
  int rc = erplink__error_setx(ERPLINK_EPROTOCOL, 0, NULL, s.ptr ? s.ptr : "", s.len, -1,
                               "the server answered HTML, not JSON");
  erplink_buf_free(&s);
  return stick(d, rc);
}

/* Turns a yajl error or a callback failure into the thread's error. off = byte offset. */
static int parse_fail(erplink_json_decoder *d, yajl_status st, const unsigned char *chunk, size_t chunk_len) {
  if (st == yajl_status_client_canceled && d->cb_failed) {
    int code = erplink_error_code(erplink_error_last());
    if (!code) code = ERPLINK_EPROTOCOL;
    erplink__error_prefix("invalid JSON document at byte %zu: ", d->cb_offset);
    return stick(d, code);
  }
  size_t off = d->chunk_base + (chunk ? yajl_get_bytes_consumed(d->y) : 0);
  unsigned char *msg = yajl_get_error(d->y, 0, chunk, chunk_len);
  char text[200] = "syntax error";
  if (msg) {
    size_t n = strlen((const char *)msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '.')) n--;
    if (n >= sizeof text) n = sizeof text - 1;
    memcpy(text, msg, n);
    text[n] = '\0';
    yajl_free_error(d->y, msg);
  }
  erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON at byte %zu: %s", off, text);
  return stick(d, ERPLINK_EPROTOCOL);
}

static int parse_chunk(erplink_json_decoder *d, const char *data, size_t len) {
  if (!d->y && yajl_open(d)) return stick(d, ERPLINK_ENOMEM);
  d->chunk_base = d->total;
  yajl_status st = yajl_parse(d->y, (const unsigned char *)data, len);
  size_t upto = len;
  if (st != yajl_status_ok) upto = d->cb_failed ? d->cb_offset - d->chunk_base : yajl_get_bytes_consumed(d->y);
  if (upto > len) upto = len;
  const char *why = NULL;
  size_t bad = scan_surrogates(&d->scan, data, upto, &why);
  if (bad != SIZE_MAX) {
    erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON at byte %zu: %s", d->chunk_base + bad, why);
    d->total += len;
    return stick(d, ERPLINK_EPROTOCOL);
  }
  if (st != yajl_status_ok) {
    int rc = parse_fail(d, st, (const unsigned char *)data, len);
    d->total += len;
    return rc;
  }
  d->total += len;
  return 0;
}

int erplink_json_decoder_feed(erplink_json_decoder *d, const char *data, size_t len) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decoder_feed: decoder is NULL");
  if (!data && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decoder_feed: data is NULL");
  if (d->err) return restick(d);
  if (len > d->lim.max_bytes - d->total) {
    erplink__error_setf(ERPLINK_ELIMIT, "JSON document larger than %zu bytes (the size cap)", d->lim.max_bytes);
    return stick(d, ERPLINK_ELIMIT);
  }
  if (!d->b && erplink_builder_new(&d->b, &d->lim, d->hint)) return stick(d, ERPLINK_ENOMEM);
  if (!d->seen_value) {
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) i++;
    if (i < len) {
      d->seen_value = true;
      if (data[i] == '<') d->html = true;
    }
    if (d->html) {
      d->total += len;
      html_collect(d, data + i, len - i);
      return d->html_buf.len >= HTML_DETAIL_MAX ? html_fail(d) : 0;
    }
  } else if (d->html) {
    d->total += len;
    html_collect(d, data, len);
    return d->html_buf.len >= HTML_DETAIL_MAX ? html_fail(d) : 0;
  }
  if (len == 0) return 0;
  return parse_chunk(d, data, len);
}

int erplink_json_decoder_finish(erplink_value **out, erplink_json_decoder *d) {
  if (out) *out = NULL;
  if (!out || !d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decoder_finish: NULL argument");
  int rc = 0;
  if (d->err) {
    rc = restick(d);
  } else if (d->html) {
    rc = html_fail(d);
  } else if (!d->seen_value) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON: the document is empty");
  } else {
    d->chunk_base = d->total;
    yajl_status st = yajl_complete_parse(d->y);
    if (st != yajl_status_ok) {
      rc = parse_fail(d, st, NULL, 0);
    } else if (d->scan.st != SC_NORM || d->scan.want_low) {
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON at byte %zu: document ends inside an escape",
                               d->total);
    } else if (!erplink_builder_done(d->b)) {
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON at byte %zu: the document is truncated", d->total);
    } else {
      *out = erplink_builder_take(d->b);
      if (!*out) rc = erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON: no value");
    }
  }
  doc_reset(d);
  return rc;
}

int erplink_json_decode(erplink_value **out, const char *data, size_t len, const erplink_limits *limits) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decode: out is NULL");
  *out = NULL;
  if (!data && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decode: data is NULL");
  erplink_json_decoder d;
  memset(&d, 0, sizeof d);
  erplink__limits_resolve(&d.lim, limits);
  d.hint = len < d.lim.max_bytes ? len : d.lim.max_bytes;
  int rc = erplink_json_decoder_feed(&d, data, len);
  if (rc) {
    doc_reset(&d);
    return rc;
  }
  return erplink_json_decoder_finish(out, &d);
}

/* ================================================================ encoder */

static const char g_hex[] = "0123456789abcdef";

static void put_string(erplink_buf *b, const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  erplink_buf_grow(b, len + 2);
  erplink_buf_putc(b, '"');
  size_t run = 0; /* start of the pending run of bytes copied as they are */
  for (size_t i = 0; i < len; i++) {
    unsigned c = s[i];
    const char *esc = NULL;
    char ubuf[7];
    if (c >= 0x20 && c != '"' && c != '\\') {
      if (c != 0xE2 || i + 2 >= len || s[i + 1] != 0x80 || (s[i + 2] != 0xA8 && s[i + 2] != 0xA9)) continue;
      esc = s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
      erplink_buf_put(b, s + run, i - run);
      erplink_buf_puts(b, esc);
      i += 2;
      run = i + 1;
      continue;
    }
    switch (c) {
    case '"': esc = "\\\""; break;
    case '\\': esc = "\\\\"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\t': esc = "\\t"; break;
    case '\b': esc = "\\b"; break;
    case '\f': esc = "\\f"; break;
    default:
      ubuf[0] = '\\';
      ubuf[1] = 'u';
      ubuf[2] = '0';
      ubuf[3] = '0';
      ubuf[4] = g_hex[c >> 4];
      ubuf[5] = g_hex[c & 15];
      ubuf[6] = '\0';
      esc = ubuf;
    }
    erplink_buf_put(b, s + run, i - run);
    erplink_buf_puts(b, esc);
    run = i + 1;
  }
  erplink_buf_put(b, s + run, len - run);
  erplink_buf_putc(b, '"');
}

static void put_int(erplink_buf *b, int64_t v) {
  char tmp[24];
  char *p = tmp + sizeof tmp;
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  erplink_buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

typedef struct enc_frame {
  const erplink_value *v;
  size_t i;
} enc_frame;

/* Writes a scalar, or the opening bracket of a container (returns 1 then). <0 on error. */
static int put_open(erplink_buf *b, const erplink_value *v) {
  switch (v->type) {
  case ERPLINK_TYPE_NIL: erplink_buf_put(b, "null", 4); return 0;
  case ERPLINK_TYPE_BOOL:
    if (v->u.b) erplink_buf_put(b, "true", 4);
    else erplink_buf_put(b, "false", 5);
    return 0;
  case ERPLINK_TYPE_INT: put_int(b, v->u.i); return 0;
  case ERPLINK_TYPE_DOUBLE: {
    if (!isfinite(v->u.d))
      return erplink__error_setf(ERPLINK_EINVAL, "cannot encode %s as JSON (JSON has no NaN or infinity)",
                                 isnan(v->u.d) ? "NaN" : "an infinite double");
    char tmp[32];
    size_t n = erplink__fmt_double(tmp, v->u.d);
    erplink_buf_put(b, tmp, n);
    return 0;
  }
  case ERPLINK_TYPE_STRING: put_string(b, v->u.s.ptr, v->u.s.len); return 0;
  case ERPLINK_TYPE_BYTES:
    erplink_buf_putc(b, '"');
    erplink__base64_put(b, v->u.s.ptr, v->u.s.len, 0);
    erplink_buf_putc(b, '"');
    return 0;
  case ERPLINK_TYPE_DATETIME: {
    const erplink_datetime *dt = &v->u.dt;
    if (dt->usec)
      erplink_buf_printf(b, "\"%04d-%02d-%02d %02d:%02d:%02d.%06" PRIu32 "\"", dt->year, dt->month, dt->day,
                         dt->hour, dt->minute, dt->second, dt->usec);
    else
      erplink_buf_printf(b, "\"%04d-%02d-%02d %02d:%02d:%02d\"", dt->year, dt->month, dt->day, dt->hour,
                         dt->minute, dt->second);
    return 0;
  }
  case ERPLINK_TYPE_ARRAY: erplink_buf_putc(b, '['); return 1;
  case ERPLINK_TYPE_STRUCT: erplink_buf_putc(b, '{'); return 1;
  default: return erplink__error_setf(ERPLINK_EINVAL, "cannot encode a value of unknown type %u", v->type);
  }
}

int erplink_json_encode(char **out, size_t *out_len, const erplink_value *v) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out || !v) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_encode: %s is NULL", out ? "value" : "out");
  erplink_buf b = ERPLINK_BUF_INIT;
  enc_frame *stack = NULL;
  size_t depth = 0, cap = 0;
  int rc = put_open(&b, v);
  if (rc == 1) {
    cap = 32;
    stack = malloc(cap * sizeof *stack);
    if (!stack) {
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory while encoding JSON");
      goto done;
    }
    stack[depth++] = (enc_frame){v, 0};
    rc = 0;
  }
  while (rc == 0 && depth > 0) {
    enc_frame *f = &stack[depth - 1];
    const erplink_value *c = f->v;
    bool is_struct = c->type == ERPLINK_TYPE_STRUCT;
    size_t n = is_struct ? c->u.st.len : c->u.a.len;
    if (f->i == n) {
      erplink_buf_putc(&b, is_struct ? '}' : ']');
      depth--;
      continue;
    }
    if (f->i) erplink_buf_putc(&b, ',');
    const erplink_value *item;
    if (is_struct) {
      const erplink_member *m = &c->u.st.m[f->i];
      put_string(&b, m->key, m->key_len);
      erplink_buf_putc(&b, ':');
      item = m->val;
    } else {
      item = c->u.a.items[f->i];
    }
    f->i++;
    if (b.oom) break;
    rc = put_open(&b, item);
    if (rc == 1) {
      if (depth == cap) {
        enc_frame *ns = realloc(stack, cap * 2 * sizeof *ns);
        if (!ns) {
          rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory while encoding JSON");
          break;
        }
        stack = ns;
        cap *= 2;
      }
      stack[depth++] = (enc_frame){item, 0};
      rc = 0;
    }
  }
done:
  free(stack);
  if (rc == 0 && b.oom) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory while encoding JSON");
  if (rc) {
    erplink_buf_free(&b);
    return rc;
  }
  *out = erplink_buf_detach(&b, out_len);
  return 0;
}
