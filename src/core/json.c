/* JSON codec: the decoder object (accumulation, HTML detection, size cap, sticky errors)
 * over the simdjson-based parser of json_parse.cpp, and the encoder, written directly into an
 * erplink_buf. See include/erplink/json.h. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/json.h"
#include "erplink/crypto.h"
#include "internal.h"
#include "json_parse.h"

/* ================================================================ decoder */

#define HTML_DETAIL_MAX 200
#define HINT_MAX ((size_t)8 << 20)

/* The document is accumulated (in a buffer with ERPLINK_JSON_PADDING spare bytes, growing
 * geometrically, so feeding is linear in the size whatever the split) and parsed in one
 * pass by finish(): simdjson parses whole documents. HTML and the size cap are still
 * detected while the body arrives. */
struct erplink_json_decoder {
  struct erplink_limits lim;
  size_t hint;
  char *doc;       /* the document so far; kept (emptied) between documents */
  size_t len, cap; /* cap >= len + ERPLINK_JSON_PADDING once doc is allocated */
  size_t total;    /* bytes fed so far (current document) */
  int err;         /* sticky error code (0 = none) */
  bool seen_value; /* a non-blank byte was seen */
  bool html;       /* the document starts with '<' */
  erplink_buf html_buf;
  char errmsg[512];
};

static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Resets to an empty document, keeping the document buffer for the next one. */
static void doc_reset(erplink_json_decoder *d) {
  d->len = 0;
  d->hint = 0;
  d->total = 0;
  d->err = 0;
  d->seen_value = d->html = false;
  erplink_buf_free(&d->html_buf);
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
  free(d->doc);
  free(d);
}

int erplink_json_decoder_set_size_hint(erplink_json_decoder *d, size_t hint) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decoder_set_size_hint: decoder is NULL");
  if (d->total)
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

/* Appends to the document buffer, keeping ERPLINK_JSON_PADDING spare bytes. */
static int doc_append(erplink_json_decoder *d, const char *data, size_t len) {
  size_t need = d->len + len + ERPLINK_JSON_PADDING; /* no overflow: len <= max_bytes - total */
  if (need > d->cap) {
    /* the hint is never trusted beyond 8 MiB up front */
    size_t ncap = d->cap ? d->cap : (d->hint < HINT_MAX ? d->hint : HINT_MAX) + ERPLINK_JSON_PADDING;
    if (ncap < 4096) ncap = 4096;
    while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    /* never reserve beyond the size cap */
    if (d->lim.max_bytes < SIZE_MAX - ERPLINK_JSON_PADDING && ncap > d->lim.max_bytes + ERPLINK_JSON_PADDING)
      ncap = need > d->lim.max_bytes + ERPLINK_JSON_PADDING ? need : d->lim.max_bytes + ERPLINK_JSON_PADDING;
    char *p = realloc(d->doc, ncap);
    if (!p) {
      erplink__error_setf(ERPLINK_ENOMEM, "out of memory (JSON document of %zu bytes)", need);
      return stick(d, ERPLINK_ENOMEM);
    }
    erplink__advise_huge(p + d->len, ncap - d->len);
    d->doc = p;
    d->cap = ncap;
  }
  memcpy(d->doc + d->len, data, len);
  d->len += len;
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
  if (len == 0) return 0;
  d->total += len;
  if (!d->seen_value) {
    size_t i = 0;
    while (i < len && is_blank(data[i])) i++;
    if (i < len) {
      d->seen_value = true;
      if (data[i] == '<') {
        d->html = true;
        data += i;
        len -= i;
      }
    }
  }
  if (d->html) {
    html_collect(d, data, len);
    return d->html_buf.len >= HTML_DETAIL_MAX ? html_fail(d) : 0;
  }
  return doc_append(d, data, len);
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
    /* the thread's parser: warm even when each answer gets a new decoder */
    rc = erplink__json_parse(NULL, out, d->doc, d->len, &d->lim, d->len);
  }
  doc_reset(d);
  return rc;
}

int erplink_json_decode(erplink_value **out, const char *data, size_t len, const erplink_limits *limits) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decode: out is NULL");
  *out = NULL;
  if (!data && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_json_decode: data is NULL");
  struct erplink_limits lim;
  erplink__limits_resolve(&lim, limits);
  size_t i = 0;
  while (i < len && is_blank(data[i])) i++;
  if (len <= lim.max_bytes && i < len && data[i] != '<') return erplink__json_parse_unpadded(out, data, len, &lim);
  /* too large, empty or HTML: the decoder's messages */
  erplink_json_decoder d;
  memset(&d, 0, sizeof d);
  d.lim = lim;
  int rc = erplink_json_decoder_feed(&d, data, len);
  if (rc == 0) rc = erplink_json_decoder_finish(out, &d);
  doc_reset(&d);
  free(d.doc);
  return rc;
}

/* ================================================================ encoder */

static const char g_hex[] = "0123456789abcdef";

/* Room for n more bytes (and the NUL): where to write them, or NULL (b->oom set). The writer
 * fills the buffer directly and then advances b->len; erplink_json_encode() terminates it. */
static inline char *wroom(erplink_buf *b, size_t n) {
  if (ERPLINK_UNLIKELY(b->cap - b->len <= n) && erplink_buf_grow(b, n)) return NULL;
  return b->ptr + b->len;
}

static inline void put_raw(erplink_buf *b, const void *p, size_t n) {
  char *w = wroom(b, n);
  if (!w) return;
  memcpy(w, p, n);
  b->len += n;
}

static inline void put_char(erplink_buf *b, char c) {
  char *w = wroom(b, 1);
  if (!w) return;
  *w = c;
  b->len++;
}

/* Bytes a JSON string cannot carry as they are: 1 = escape, 2 = maybe U+2028/U+2029. */
static const unsigned char g_esc[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void put_string(erplink_buf *b, const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  put_char(b, '"');
  size_t run = 0; /* start of the pending run of bytes copied as they are */
  for (size_t i = 0; i < len; i++) {
    unsigned c = s[i];
    if (ERPLINK_LIKELY(!g_esc[c])) continue;
    char ubuf[6];
    const char *esc;
    size_t elen = 2;
    if (g_esc[c] == 2) { /* U+2028 / U+2029 (E2 80 A8 / E2 80 A9): escaped for JavaScript */
      if (i + 2 >= len || s[i + 1] != 0x80 || (s[i + 2] != 0xA8 && s[i + 2] != 0xA9)) continue;
      put_raw(b, s + run, i - run);
      put_raw(b, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
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
      memcpy(ubuf, "\\u00", 4);
      ubuf[4] = g_hex[c >> 4];
      ubuf[5] = g_hex[c & 15];
      esc = ubuf;
      elen = 6;
    }
    put_raw(b, s + run, i - run);
    put_raw(b, esc, elen);
    run = i + 1;
  }
  char *w = wroom(b, len - run + 1);
  if (!w) return;
  memcpy(w, s + run, len - run);
  w[len - run] = '"';
  b->len += len - run + 1;
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
  put_raw(b, p, (size_t)(tmp + sizeof tmp - p));
}

typedef struct enc_frame {
  const erplink_value *v;
  size_t i;
} enc_frame;

/* Writes a scalar, or the opening bracket of a container (returns 1 then). <0 on error. */
static int put_open(erplink_buf *b, const erplink_value *v) {
  switch (v->type) {
  case ERPLINK_TYPE_NIL: put_raw(b, "null", 4); return 0;
  case ERPLINK_TYPE_BOOL:
    if (v->u.b)
      put_raw(b, "true", 4);
    else
      put_raw(b, "false", 5);
    return 0;
  case ERPLINK_TYPE_INT: put_int(b, v->u.i); return 0;
  case ERPLINK_TYPE_DOUBLE: {
    if (!isfinite(v->u.d))
      return erplink__error_setf(ERPLINK_EINVAL, "cannot encode %s as JSON (JSON has no NaN or infinity)",
                                 isnan(v->u.d) ? "NaN" : "an infinite double");
    char tmp[32];
    size_t n = erplink__fmt_double(tmp, v->u.d);
    put_raw(b, tmp, n);
    return 0;
  }
  case ERPLINK_TYPE_STRING: put_string(b, v->u.s.ptr, v->u.s.len); return 0;
  case ERPLINK_TYPE_BYTES:
    put_char(b, '"');
    erplink__base64_put(b, v->u.s.ptr, v->u.s.len, 0);
    put_char(b, '"');
    return 0;
  case ERPLINK_TYPE_DATETIME: {
    const erplink_datetime *dt = &v->u.dt;
    if (dt->usec)
      erplink_buf_printf(b, "\"%04d-%02d-%02d %02d:%02d:%02d.%06" PRIu32 "\"", dt->year, dt->month, dt->day, dt->hour,
                         dt->minute, dt->second, dt->usec);
    else
      erplink_buf_printf(b, "\"%04d-%02d-%02d %02d:%02d:%02d\"", dt->year, dt->month, dt->day, dt->hour, dt->minute,
                         dt->second);
    return 0;
  }
  case ERPLINK_TYPE_ARRAY: put_char(b, '['); return 1;
  case ERPLINK_TYPE_STRUCT: put_char(b, '{'); return 1;
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
      put_char(&b, is_struct ? '}' : ']');
      depth--;
      continue;
    }
    if (f->i) put_char(&b, ',');
    const erplink_value *item;
    if (is_struct) {
      const erplink_member *m = &c->u.st.m[f->i];
      put_string(&b, m->key, m->key_len);
      put_char(&b, ':');
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
  if (!b.ptr && erplink_buf_grow(&b, 0))
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while encoding JSON");
  b.ptr[b.len] = '\0';
  *out = erplink_buf_detach(&b, out_len);
  return 0;
}
