/* Small shared utilities: growable buffers, UTF-8 validation, locale-independent
 * number formatting and parsing, clocks, secret-name detection, limits, version. */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "erplink/version.h"
#include "internal.h"

void erplink_free(void *ptr) { free(ptr); }

const char *erplink_version(void) { return ERPLINK_VERSION; }
int erplink_version_number(void) { return ERPLINK_VERSION_NUMBER; }

/* ---------------------------------------------------------------- wipe */

void erplink__wipe(void *p, size_t n) {
  if (!p || !n) return;
  explicit_bzero(p, n);
}

/* ---------------------------------------------------------------- buffer */

int erplink_buf_grow(erplink_buf *b, size_t extra) {
  if (b->oom) return ERPLINK_ENOMEM;
  if (extra > SIZE_MAX - b->len - 1) {
    b->oom = true;
    return ERPLINK_ENOMEM;
  }
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t ncap = b->cap ? b->cap : 64;
  while (ncap < need) ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
  char *p;
  if (b->secret && b->ptr) {
    /* Never leave a copy of a secret behind in freed memory. */
    p = malloc(ncap);
    if (p) {
      memcpy(p, b->ptr, b->len + 1);
      erplink__wipe(b->ptr, b->cap);
      free(b->ptr);
    }
  } else {
    p = realloc(b->ptr, ncap);
  }
  if (!p) {
    b->oom = true;
    return ERPLINK_ENOMEM;
  }
  if (!b->ptr) p[0] = '\0';
  b->ptr = p;
  b->cap = ncap;
  return 0;
}

int erplink_buf_put(erplink_buf *b, const void *data, size_t len) {
  if (erplink_buf_grow(b, len) != 0) return ERPLINK_ENOMEM;
  if (len) memcpy(b->ptr + b->len, data, len);
  b->len += len;
  b->ptr[b->len] = '\0';
  return 0;
}

int erplink_buf_puts(erplink_buf *b, const char *s) { return erplink_buf_put(b, s, strlen(s)); }

int erplink_buf_putc(erplink_buf *b, char c) {
  if (ERPLINK_LIKELY(b->len + 1 < b->cap)) {
    b->ptr[b->len++] = c;
    b->ptr[b->len] = '\0';
    return 0;
  }
  return erplink_buf_put(b, &c, 1);
}

int erplink_buf_printf(erplink_buf *b, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || erplink_buf_grow(b, (size_t)n) != 0) {
    va_end(ap2);
    b->oom = b->oom || n >= 0;
    return ERPLINK_ENOMEM;
  }
  vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)n;
  return 0;
}

char *erplink_buf_detach(erplink_buf *b, size_t *len_out) {
  if (b->oom) {
    erplink_buf_free(b);
    return NULL;
  }
  if (!b->ptr && erplink_buf_grow(b, 0) != 0) return NULL;
  char *p = b->ptr;
  if (len_out) *len_out = b->len;
  b->ptr = NULL;
  b->len = b->cap = 0;
  return p;
}

void erplink_buf_clear(erplink_buf *b) {
  if (b->secret && b->ptr) erplink__wipe(b->ptr, b->cap);
  b->len = 0;
  if (b->ptr) b->ptr[0] = '\0';
  b->oom = false;
}

void erplink_buf_free(erplink_buf *b) {
  if (b->secret && b->ptr) erplink__wipe(b->ptr, b->cap);
  free(b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
  b->oom = false;
}

/* ---------------------------------------------------------------- UTF-8 */

bool erplink__utf8_valid(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str, *end = s + len;
  while (s < end) {
    /* fast path: 8 ASCII bytes at a time */
    while (end - s >= 8) {
      uint64_t w;
      memcpy(&w, s, 8);
      if (w & 0x8080808080808080ull) break;
      s += 8;
    }
    if (s >= end) break;
    unsigned c = *s;
    if (c < 0x80) {
      s++;
      continue;
    }
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if ((size_t)(end - s) <= n) return false;
    for (size_t k = 1; k <= n; k++) {
      if ((s[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[k] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    s += n + 1;
  }
  return true;
}

/* ---------------------------------------------------------------- numbers */

static locale_t g_c_locale;
static pthread_once_t g_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void) { g_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static locale_t c_locale(void) {
  pthread_once(&g_locale_once, c_locale_init);
  return g_c_locale;
}

/* The p significant digits of d > 0 (finite), correctly rounded, as printf computes them:
 * dig[0..p) and the decimal exponent E (d ~ d0.d1d2... x 10^E). */
static int sci_digits(char *dig, int p, double d) {
  char t[48];
  snprintf(t, sizeof t, "%.*e", p - 1, d);
  int k = 0;
  const char *q = t;
  for (; *q && *q != 'e'; q++)
    if (*q >= '0' && *q <= '9') dig[k++] = *q;
  return atoi(q + 1);
}

/* The double nearest to 0.dig[0..n) x 10^(E+1), i.e. what a reader makes of the text. */
static double digits_value(const char *dig, int n, int E, locale_t loc) {
  char t[48];
  int k = 0;
  t[k++] = dig[0];
  t[k++] = '.';
  for (int i = 1; i < n; i++) t[k++] = dig[i];
  snprintf(t + k, sizeof t - (size_t)k, "e%d", E);
  return loc ? strtod_l(t, NULL, loc) : strtod(t, NULL);
}

/* Adds (up) or subtracts one unit in the last of the n digits; returns the new digit count
 * and adjusts *E when the count of integer digits changes. */
static int digits_step(char *dig, int n, int *E, bool up) {
  int i = n - 1;
  if (up) {
    while (i >= 0 && dig[i] == '9') dig[i--] = '0';
    if (i >= 0) {
      dig[i]++;
      return n;
    }
    dig[0] = '1'; /* 99..9 + 1 = 100..0 */
    for (int j = 1; j < n; j++) dig[j] = '0';
    (*E)++;
    return n;
  }
  while (i >= 0 && dig[i] == '0') dig[i--] = '9';
  dig[i]--; /* i >= 0: the leading digit is never 0 */
  if (dig[0] != '0') return n;
  if (n == 1) return 0;                 /* 1 - 1 = 0 */
  memmove(dig, dig + 1, (size_t)n - 1); /* 100..0 - 1 = 099..9 */
  (*E)--;
  return n - 1;
}

/* Looks for a decimal of p significant digits that reads back as d: the correctly rounded one
 * first, then (with neighbour) the next p-digit decimal on the other side of d. Returns the
 * digit count (0 when none reads back as d). */
static int try_digits(char *dig, int *E, int p, double d, bool neighbour, locale_t loc) {
  *E = sci_digits(dig, p, d);
  double r = digits_value(dig, p, *E, loc);
  if (r == d) return p;
  if (!neighbour) return 0;
  /* The nearest p-digit decimal is outside the interval that reads back as d. Only at a power
   * of two (whose lower gap is half the upper one) can the next one, across d, be inside. */
  char alt[20];
  int aE = *E;
  memcpy(alt, dig, (size_t)p);
  int an = digits_step(alt, p, &aE, r < d);
  if (an == 0 || digits_value(alt, an, aE, loc) != d) return 0; /* 1eE - 1eE = 0 */
  memcpy(dig, alt, (size_t)an);
  *E = aE;
  return an;
}

size_t erplink__fmt_double(char *buf, double d) {
  if (isnan(d)) return (size_t)snprintf(buf, 32, "nan");
  if (isinf(d)) return (size_t)snprintf(buf, 32, d < 0 ? "-inf" : "inf");
  size_t n = 0;
  if (signbit(d)) buf[n++] = '-';
  double a = fabs(d);
  if (a == 0) {
    memcpy(buf + n, "0.0", 4);
    return n + 3;
  }
  locale_t loc = c_locale();
  locale_t old = loc ? uselocale(loc) : (locale_t)0;
  char dig[20];
  int E = 0, nd = 0;
  if (a >= DBL_MIN) {
    /* Normal: every decimal of at most DBL_DIG (15) digits survives a round trip through a
     * double, so if any such decimal reads back as a, %.15e finds it (padded with zeros).
     * Otherwise 16 digits (with the neighbour check), and 17 always suffice. */
    nd = try_digits(dig, &E, DBL_DIG, a, false, loc);
    if (!nd) nd = try_digits(dig, &E, DBL_DIG + 1, a, true, loc);
    if (!nd) nd = try_digits(dig, &E, DBL_DECIMAL_DIG, a, false, loc);
  } else {
    /* Subnormal: fewer bits of precision, so fewer digits may do (5e-324): search upwards. */
    for (int p = 1; p <= DBL_DECIMAL_DIG && !nd; p++) nd = try_digits(dig, &E, p, a, true, loc);
  }
  if (loc) uselocale(old);
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  /* Python's repr() layout: positional for 1e-4 <= |d| < 1e16 (always with a '.', so that an
   * integral double reads back as a double in every peer: "1.0"), otherwise d.ddde+XX. */
  if (E < -4 || E >= 16) {
    buf[n++] = dig[0];
    if (nd > 1) {
      buf[n++] = '.';
      memcpy(buf + n, dig + 1, (size_t)nd - 1);
      n += (size_t)nd - 1;
    }
    n += (size_t)snprintf(buf + n, 32 - n, "e%c%02d", E < 0 ? '-' : '+', E < 0 ? -E : E);
  } else if (E < 0) {
    buf[n++] = '0';
    buf[n++] = '.';
    for (int i = -1; i > E; i--) buf[n++] = '0';
    memcpy(buf + n, dig, (size_t)nd);
    n += (size_t)nd;
  } else {
    for (int i = 0; i <= E; i++) buf[n++] = i < nd ? dig[i] : '0';
    buf[n++] = '.';
    if (nd > E + 1) {
      memcpy(buf + n, dig + E + 1, (size_t)(nd - E - 1));
      n += (size_t)(nd - E - 1);
    } else {
      buf[n++] = '0';
    }
  }
  buf[n] = '\0';
  return n;
}

bool erplink__parse_double(const char *s, size_t len, double *out) {
  char tmp[64];
  char *heap = NULL, *p = tmp;
  if (len == 0) return false;
  if (len >= sizeof tmp) {
    if (len > 4096) return false;
    heap = malloc(len + 1);
    if (!heap) return false;
    p = heap;
  }
  memcpy(p, s, len);
  p[len] = '\0';
  locale_t loc = c_locale();
  char *end = NULL;
  errno = 0;
  double v = loc ? strtod_l(p, &end, loc) : strtod(p, &end);
  bool ok = end == p + len && !(errno == ERANGE && isinf(v));
  /* reject hex floats and leading spaces, which strtod accepts */
  if (ok && (memchr(p, 'x', len) || memchr(p, 'X', len) || p[0] == ' ' || p[0] == '\t' || p[0] == '\n' || p[0] == '\r'))
    ok = false;
  free(heap);
  if (ok) *out = v;
  return ok;
}

bool erplink__parse_int64(const char *s, size_t len, int64_t *out, bool *overflow) {
  if (overflow) *overflow = false;
  size_t i = 0;
  bool neg = false;
  if (i < len && (s[i] == '-' || s[i] == '+')) {
    neg = s[i] == '-';
    i++;
  }
  if (i == len) return false;
  uint64_t acc = 0;
  uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  bool of = false;
  for (; i < len; i++) {
    unsigned c = (unsigned char)s[i] - '0';
    if (c > 9) return false;
    if (!of) {
      if (acc > (lim - c) / 10)
        of = true;
      else
        acc = acc * 10 + c;
    }
  }
  if (of) {
    if (overflow) *overflow = true;
    return false;
  }
  *out = neg ? (acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc) : (int64_t)acc;
  return true;
}

/* ---------------------------------------------------------------- clocks */

int64_t erplink__now_mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t erplink__now_wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int erplink__sleep_ms(int64_t ms, int (*cancel)(void *), void *ud) {
  int64_t deadline = erplink__now_mono_ms() + ms;
  for (;;) {
    if ((cancel && cancel(ud)) || erplink__cancel_requested()) return 1;
    int64_t left = deadline - erplink__now_mono_ms();
    if (left <= 0) return 0;
    int64_t slice = (cancel || erplink__cancel_watched()) && left > 50 ? 50 : left;
    struct timespec ts = {(time_t)(slice / 1000), (long)(slice % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
}

/* ---------------------------------------------------------------- strings */

void erplink__free_str(char *s, bool secret) {
  if (!s) return;
  if (secret) erplink__wipe(s, strlen(s));
  free(s);
}

int erplink__set_str(char **slot, const char *v, bool secret) {
  char *copy = NULL;
  if (v && !(copy = strdup(v))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink__free_str(*slot, secret);
  *slot = copy;
  return 0;
}

bool erplink__has_ctl(const char *s, bool allow_tab) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c < 0x20 && !(allow_tab && c == '\t')) || c == 0x7f) return true;
  }
  return false;
}

/* ---------------------------------------------------------------- names */

bool erplink__ascii_ieq(const char *a, size_t alen, const char *b) {
  size_t blen = strlen(b);
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; i++) {
    unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    if (y >= 'A' && y <= 'Z') y += 32;
    if (x != y) return false;
  }
  return true;
}

static bool icontains(const char *s, size_t len, const char *needle) {
  size_t n = strlen(needle);
  if (n > len) return false;
  for (size_t i = 0; i + n <= len; i++)
    if (erplink__ascii_ieq(s + i, n, needle)) return true;
  return false;
}

bool erplink__is_secret_name(const char *name, size_t len) {
  /* Generic credential names only (a service declares its own through
   * erplink_http_options_add_secret_name()): exact names first (headers), then substrings that
   * name a credential in any spelling: password, passwd, api_key / apikey / api-key, token
   * (access_token, refresh_token, AuthorizationToken), secret (client_secret, key_secret),
   * authorization, credential, private, signature (X-Razorpay-Signature). `code` is OAuth 2.0's
   * authorization code (RFC 6749), whatever the service. */
  static const char *const exact[] = {"authorization", "proxy-authorization", "cookie", "set-cookie", "key",
                                      "otp",           "assertion",           "code"};
  for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
    if (erplink__ascii_ieq(name, len, exact[i])) return true;
  static const char *const parts[] = {"password", "passwd",        "secret",     "token",   "apikey",   "api_key",
                                      "api-key",  "authorization", "credential", "private", "signature"};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (icontains(name, len, parts[i])) return true;
  return false;
}

/* ---------------------------------------------------------------- limits */

int erplink_limits_new(erplink_limits **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_limits_new: out is NULL");
  *out = malloc(sizeof **out);
  if (!*out) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink__limits_resolve(*out, NULL);
  return 0;
}

void erplink_limits_free(erplink_limits *l) { free(l); }

int erplink_limits_set_max_depth(erplink_limits *l, size_t depth) {
  if (!l || depth < 1 || depth > 100000)
    return erplink__error_setf(ERPLINK_EINVAL, "max depth must be between 1 and 100000");
  l->max_depth = depth;
  return 0;
}

int erplink_limits_set_max_elements(erplink_limits *l, size_t n) {
  if (!l || n < 1) return erplink__error_setf(ERPLINK_EINVAL, "max elements must be at least 1");
  l->max_elements = n;
  return 0;
}

int erplink_limits_set_max_bytes(erplink_limits *l, size_t n) {
  if (!l || n < 1) return erplink__error_setf(ERPLINK_EINVAL, "max bytes must be at least 1");
  l->max_bytes = n;
  return 0;
}

size_t erplink_limits_max_depth(const erplink_limits *l) { return l ? l->max_depth : ERPLINK_DEFAULT_MAX_DEPTH; }
size_t erplink_limits_max_elements(const erplink_limits *l) {
  return l ? l->max_elements : ERPLINK_DEFAULT_MAX_ELEMENTS;
}
size_t erplink_limits_max_bytes(const erplink_limits *l) { return l ? l->max_bytes : ERPLINK_DEFAULT_MAX_BYTES; }

void erplink__limits_resolve(struct erplink_limits *dst, const erplink_limits *src) {
  dst->max_depth = erplink_limits_max_depth(src);
  dst->max_elements = erplink_limits_max_elements(src);
  dst->max_bytes = erplink_limits_max_bytes(src);
}
