/* Logging: level names, line delivery and the redacting formatters (URL, form bodies).
 * Redaction works on the raw input before any log text exists, so a secret never sits in
 * a formatted buffer. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

#define LOG_LINE_MAX (16 * 1024)

const char *erplink_log_level_name(int level) {
  switch (level) {
  case ERPLINK_LOG_NONE: return "none";
  case ERPLINK_LOG_ERROR: return "error";
  case ERPLINK_LOG_WARN: return "warn";
  case ERPLINK_LOG_INFO: return "info";
  case ERPLINK_LOG_DEBUG: return "debug";
  case ERPLINK_LOG_TRACE: return "trace";
  default: return "unknown";
  }
}

void erplink__logf(const erplink__logger *l, int level, const char *fmt, ...) {
  if (!erplink__log_on(l, level)) return;
  char stack[1024];
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(stack, sizeof stack, fmt, ap);
  va_end(ap);
  if (n < 0) {
    va_end(ap2);
    return;
  }
  if ((size_t)n < sizeof stack) {
    va_end(ap2);
    l->fn(level, stack, l->userdata);
    return;
  }
  size_t cap = (size_t)n + 1 > LOG_LINE_MAX ? LOG_LINE_MAX : (size_t)n + 1;
  char *heap = malloc(cap);
  if (!heap) {
    va_end(ap2);
    l->fn(level, stack, l->userdata); /* truncated but still useful */
    return;
  }
  vsnprintf(heap, cap, fmt, ap2);
  va_end(ap2);
  l->fn(level, heap, l->userdata);
  free(heap);
}

/* Percent-decodes [s, s+len) into dst (cap bytes, NUL-terminated); returns false if it does not fit. */
static bool pct_decode(const char *s, size_t len, char *dst, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (c == '+')
      c = ' ';
    else if (c == '%' && i + 2 < len) {
      int hi = -1, lo = -1;
      char a = s[i + 1], b = s[i + 2];
      if (a >= '0' && a <= '9')
        hi = a - '0';
      else if ((a | 32) >= 'a' && (a | 32) <= 'f')
        hi = (a | 32) - 'a' + 10;
      if (b >= '0' && b <= '9')
        lo = b - '0';
      else if ((b | 32) >= 'a' && (b | 32) <= 'f')
        lo = (b | 32) - 'a' + 10;
      if (hi >= 0 && lo >= 0) {
        c = (char)(hi * 16 + lo);
        i += 2;
      }
    }
    if (o + 1 >= cap) return false;
    dst[o++] = c;
  }
  dst[o] = '\0';
  return true;
}

bool erplink__logger_is_secret(const erplink__logger *l, const char *name, size_t len) {
  if (erplink__is_secret_name(name, len)) return true;
  for (size_t i = 0; l && i < l->n_secret_names; i++)
    if (erplink__ascii_ieq(name, len, l->secret_names[i])) return true;
  return false;
}

static bool name_is_secret(const char *name, size_t len, const erplink__logger *l) {
  if (erplink__logger_is_secret(l, name, len)) return true;
  char dec[256];
  /* A name too long to decode is treated as secret: better a redacted harmless field than a leak. */
  if (!pct_decode(name, len, dec, sizeof dec)) return true;
  return erplink__logger_is_secret(l, dec, strlen(dec));
}

/* Appends bytes, replacing control characters (logs are one line each). */
static int put_clean(erplink_buf *b, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (erplink_buf_putc(b, (c < 0x20 || c == 0x7f) ? '?' : (char)c) != 0) return ERPLINK_ENOMEM;
  }
  return 0;
}

/* name=value&name=value with credential values redacted; sep is '&' (and ';' is not a separator). */
static int redact_pairs(erplink_buf *b, const char *s, size_t len, const erplink__logger *l) {
  size_t i = 0;
  while (i <= len) {
    size_t j = i;
    while (j < len && s[j] != '&') j++;
    const char *eq = memchr(s + i, '=', j - i);
    if (eq) {
      size_t nlen = (size_t)(eq - (s + i));
      put_clean(b, s + i, nlen + 1);
      if (name_is_secret(s + i, nlen, l))
        erplink_buf_puts(b, "<redacted>");
      else
        put_clean(b, eq + 1, (size_t)(s + j - eq - 1));
    } else {
      put_clean(b, s + i, j - i);
    }
    if (j < len) erplink_buf_putc(b, '&');
    i = j + 1;
  }
  return b->oom ? ERPLINK_ENOMEM : 0;
}

int erplink__redact_url_into(erplink_buf *b, const char *url, const erplink__logger *l) {
  size_t len = strlen(url);
  const char *end = url + len;
  const char *frag = memchr(url, '#', len);
  if (frag) end = frag;
  const char *p = url;
  const char *scheme_end = NULL;
  for (const char *q = url; q + 2 < end; q++) {
    if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
      scheme_end = q;
      break;
    }
    if (*q == '/' || *q == '?' || *q == '@') break;
  }
  if (scheme_end) {
    put_clean(b, url, (size_t)(scheme_end + 3 - url));
    p = scheme_end + 3;
    const char *auth_end = p;
    while (auth_end < end && *auth_end != '/' && *auth_end != '?') auth_end++;
    const char *at = NULL;
    for (const char *q = p; q < auth_end; q++)
      if (*q == '@') at = q; /* the last '@' ends the userinfo */
    if (at) p = at + 1;
    put_clean(b, p, (size_t)(auth_end - p));
    p = auth_end;
  }
  const char *qm = memchr(p, '?', (size_t)(end - p));
  if (!qm) {
    put_clean(b, p, (size_t)(end - p));
  } else {
    put_clean(b, p, (size_t)(qm + 1 - p));
    redact_pairs(b, qm + 1, (size_t)(end - qm - 1), l);
  }
  return b->oom ? ERPLINK_ENOMEM : 0;
}

int erplink__redact_form_into(erplink_buf *b, const char *body, size_t len, const erplink__logger *l) {
  if (len == 0) return 0;
  return redact_pairs(b, body, len, l);
}

int erplink_log_redact_url(char **out, const char *url) {
  if (!out || !url) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_log_redact_url: NULL argument");
  }
  *out = NULL;
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink__redact_url_into(&b, url, NULL);
  char *s = erplink_buf_detach(&b, NULL);
  if (!s) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  *out = s;
  return 0;
}

int erplink_log_redact_form(char **out, const char *body, size_t len) {
  if (!out || (!body && len)) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_log_redact_form: NULL argument");
  }
  *out = NULL;
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink__redact_form_into(&b, body, len, NULL);
  char *s = erplink_buf_detach(&b, NULL);
  if (!s) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  *out = s;
  return 0;
}
