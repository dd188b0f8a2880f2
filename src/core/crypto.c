/* Crypto helpers over OpenSSL 3: SHA-256, HMAC-SHA256 with a reusable keyed context, hex,
 * base64/base64url, constant-time compare, secure random, and JWS verification (RS256, ES256)
 * with public keys built from JWK parameters. See include/erplink/crypto.h.
 *
 * HMAC design: the key is absorbed once into an inner (key ^ ipad) and an outer
 * (key ^ opad) SHA-256 state; a message copies the inner state, hashes the message, then
 * copies the outer state and hashes the inner digest (RFC 2104). Measured on OpenSSL
 * 3.0.19 for 1 KiB messages this is ~7% faster than EVP_MAC with EVP_MAC_init(ctx, NULL,
 * 0, NULL) per message (1.37 M/s vs 1.29 M/s on the CI box), and about twice as fast as
 * keying per call (EVP_Q_mac: 0.63 M/s). */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "erplink/crypto.h"
#include "internal.h"

#define SHA256_BLOCK 64

/* ---------------------------------------------------------------- OpenSSL plumbing */

static EVP_MD *g_sha256;
static pthread_once_t g_sha256_once = PTHREAD_ONCE_INIT;
static void sha256_fetch(void) { g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL); }

/* The SHA-256 implementation, fetched once (a process-wide constant). */
static const EVP_MD *sha256_md(void) {
  pthread_once(&g_sha256_once, sha256_fetch);
  return g_sha256;
}

/* Records an OpenSSL failure (the queued reason, if any, goes into the message). */
static int ossl_fail(const char *what) {
  unsigned long e = ERR_get_error();
  char reason[256] = "";
  if (e) ERR_error_string_n(e, reason, sizeof reason);
  ERR_clear_error();
  if (e && ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE)
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory in OpenSSL (%s)", what);
  return erplink__error_setf(ERPLINK_ESERVER, "OpenSSL failed in %s%s%s", what, e ? ": " : "", reason);
}

static int bad_data(const char *fn) {
  return erplink__error_setf(ERPLINK_EINVAL, "%s: data is NULL but its length is not 0", fn);
}

/* ---------------------------------------------------------------- SHA-256 */

int erplink_sha256(unsigned char out[ERPLINK_SHA256_LEN], const void *data, size_t len) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_sha256: out is NULL");
  if (!data && len) return bad_data("erplink_sha256");
  const EVP_MD *md = sha256_md();
  if (!md) return ossl_fail("fetching SHA-256");
  unsigned int n = 0;
  if (!EVP_Digest(data ? data : "", len, out, &n, md, NULL)) return ossl_fail("SHA-256");
  return 0;
}

struct erplink_sha256_ctx {
  EVP_MD_CTX *md;
};

int erplink_sha256_new(erplink_sha256_ctx **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_sha256_new: out is NULL");
  *out = NULL;
  const EVP_MD *md = sha256_md();
  if (!md) return ossl_fail("fetching SHA-256");
  erplink_sha256_ctx *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  c->md = EVP_MD_CTX_new();
  if (!c->md || !EVP_DigestInit_ex(c->md, md, NULL)) {
    int rc = c->md ? ossl_fail("SHA-256 init") : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    erplink_sha256_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

int erplink_sha256_update(erplink_sha256_ctx *ctx, const void *data, size_t len) {
  if (!ctx) return erplink__error_setf(ERPLINK_EINVAL, "erplink_sha256_update: ctx is NULL");
  if (!data && len) return bad_data("erplink_sha256_update");
  if (len && !EVP_DigestUpdate(ctx->md, data, len)) return ossl_fail("SHA-256 update");
  return 0;
}

int erplink_sha256_final(unsigned char out[ERPLINK_SHA256_LEN], erplink_sha256_ctx *ctx) {
  if (!ctx || !out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_sha256_final: %s is NULL", ctx ? "out" : "ctx");
  unsigned int n = 0;
  if (!EVP_DigestFinal_ex(ctx->md, out, &n)) return ossl_fail("SHA-256 final");
  if (!EVP_DigestInit_ex(ctx->md, NULL, NULL)) return ossl_fail("SHA-256 init");
  return 0;
}

void erplink_sha256_free(erplink_sha256_ctx *ctx) {
  if (!ctx) return;
  EVP_MD_CTX_free(ctx->md);
  free(ctx);
}

/* ---------------------------------------------------------------- HMAC-SHA256 */

struct erplink_hmac {
  EVP_MD_CTX *inner; /* SHA-256 after absorbing key ^ ipad (never modified after creation) */
  EVP_MD_CTX *outer; /* SHA-256 after absorbing key ^ opad (never modified after creation) */
  EVP_MD_CTX *work;  /* per-message state */
  bool streaming;    /* a message is being streamed into work */
};

void erplink_hmac_free(erplink_hmac *ctx) {
  if (!ctx) return;
  /* EVP_MD_CTX_free cleanses the digest state (OpenSSL's providers clear-free it) */
  EVP_MD_CTX_free(ctx->inner);
  EVP_MD_CTX_free(ctx->outer);
  EVP_MD_CTX_free(ctx->work);
  erplink__wipe(ctx, sizeof *ctx);
  free(ctx);
}

static erplink_hmac *hmac_alloc(void) {
  erplink_hmac *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->inner = EVP_MD_CTX_new();
  h->outer = EVP_MD_CTX_new();
  h->work = EVP_MD_CTX_new();
  if (!h->inner || !h->outer || !h->work) {
    erplink_hmac_free(h);
    return NULL;
  }
  return h;
}

int erplink_hmac_new(erplink_hmac **out, const void *key, size_t key_len) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_new: out is NULL");
  *out = NULL;
  if (!key) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_new: the HMAC key is NULL");
  if (key_len == 0) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_new: the HMAC key is empty");
  const EVP_MD *md = sha256_md();
  if (!md) return ossl_fail("fetching SHA-256");
  erplink_hmac *h = hmac_alloc();
  if (!h) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  unsigned char k[SHA256_BLOCK], pad[SHA256_BLOCK];
  memset(k, 0, sizeof k);
  int rc = 0;
  if (key_len > SHA256_BLOCK) {
    unsigned int n = 0;
    if (!EVP_Digest(key, key_len, k, &n, md, NULL)) rc = ossl_fail("hashing the HMAC key");
  } else {
    memcpy(k, key, key_len);
  }
  if (!rc) {
    for (size_t i = 0; i < SHA256_BLOCK; i++) pad[i] = k[i] ^ 0x36;
    if (!EVP_DigestInit_ex(h->inner, md, NULL) || !EVP_DigestUpdate(h->inner, pad, SHA256_BLOCK))
      rc = ossl_fail("HMAC key setup");
  }
  if (!rc) {
    for (size_t i = 0; i < SHA256_BLOCK; i++) pad[i] = k[i] ^ 0x5c;
    if (!EVP_DigestInit_ex(h->outer, md, NULL) || !EVP_DigestUpdate(h->outer, pad, SHA256_BLOCK))
      rc = ossl_fail("HMAC key setup");
  }
  OPENSSL_cleanse(k, sizeof k);
  OPENSSL_cleanse(pad, sizeof pad);
  if (rc) {
    erplink_hmac_free(h);
    return rc;
  }
  *out = h;
  return 0;
}

int erplink_hmac_clone(erplink_hmac **out, const erplink_hmac *src) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_clone: out is NULL");
  *out = NULL;
  if (!src) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_clone: src is NULL");
  erplink_hmac *h = hmac_alloc();
  if (!h) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (!EVP_MD_CTX_copy_ex(h->inner, src->inner) || !EVP_MD_CTX_copy_ex(h->outer, src->outer)) {
    int rc = ossl_fail("copying an HMAC context");
    erplink_hmac_free(h);
    return rc;
  }
  *out = h;
  return 0;
}

static int hmac_finish(erplink_hmac *h, unsigned char out[ERPLINK_SHA256_LEN]) {
  unsigned char ih[ERPLINK_SHA256_LEN];
  unsigned int n = 0;
  h->streaming = false;
  if (!EVP_DigestFinal_ex(h->work, ih, &n) || !EVP_MD_CTX_copy_ex(h->work, h->outer) ||
      !EVP_DigestUpdate(h->work, ih, sizeof ih) || !EVP_DigestFinal_ex(h->work, out, &n)) {
    OPENSSL_cleanse(ih, sizeof ih);
    return ossl_fail("HMAC-SHA256");
  }
  OPENSSL_cleanse(ih, sizeof ih);
  return 0;
}

int erplink_hmac_sha256(unsigned char out[ERPLINK_SHA256_LEN], erplink_hmac *ctx, const void *data, size_t len) {
  if (!ctx || !out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_sha256: %s is NULL", ctx ? "out" : "ctx");
  if (!data && len) return bad_data("erplink_hmac_sha256");
  ctx->streaming = false;
  if (!EVP_MD_CTX_copy_ex(ctx->work, ctx->inner) || (len && !EVP_DigestUpdate(ctx->work, data, len)))
    return ossl_fail("HMAC-SHA256");
  return hmac_finish(ctx, out);
}

static const char g_hexdig[] = "0123456789abcdef";

static void hex_write(char *o, const unsigned char *p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    o[2 * i] = g_hexdig[p[i] >> 4];
    o[2 * i + 1] = g_hexdig[p[i] & 15];
  }
  o[2 * len] = '\0';
}

int erplink_hmac_sha256_hex(char out[ERPLINK_SHA256_HEX_SIZE], erplink_hmac *ctx, const void *data, size_t len) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_sha256_hex: out is NULL");
  unsigned char tag[ERPLINK_SHA256_LEN];
  int rc = erplink_hmac_sha256(tag, ctx, data, len);
  if (rc) return rc;
  hex_write(out, tag, sizeof tag);
  return 0;
}

int erplink_hmac_update(erplink_hmac *ctx, const void *data, size_t len) {
  if (!ctx) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_update: ctx is NULL");
  if (!data && len) return bad_data("erplink_hmac_update");
  if (!ctx->streaming) {
    if (!EVP_MD_CTX_copy_ex(ctx->work, ctx->inner)) return ossl_fail("HMAC-SHA256");
    ctx->streaming = true;
  }
  if (len && !EVP_DigestUpdate(ctx->work, data, len)) {
    ctx->streaming = false;
    return ossl_fail("HMAC-SHA256");
  }
  return 0;
}

int erplink_hmac_final(unsigned char out[ERPLINK_SHA256_LEN], erplink_hmac *ctx) {
  if (!ctx || !out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_final: %s is NULL", ctx ? "out" : "ctx");
  if (!ctx->streaming && !EVP_MD_CTX_copy_ex(ctx->work, ctx->inner)) return ossl_fail("HMAC-SHA256");
  return hmac_finish(ctx, out);
}

int erplink_hmac_sha256_oneshot(unsigned char out[ERPLINK_SHA256_LEN], const void *key, size_t key_len,
                                const void *data, size_t len) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hmac_sha256_oneshot: out is NULL");
  if (!data && len) return bad_data("erplink_hmac_sha256_oneshot");
  erplink_hmac *h;
  int rc = erplink_hmac_new(&h, key, key_len);
  if (rc) return rc;
  rc = erplink_hmac_sha256(out, h, data, len);
  erplink_hmac_free(h);
  return rc;
}

/* ---------------------------------------------------------------- comparison */

int erplink_ct_equal(const void *a, size_t a_len, const void *b, size_t b_len) {
  if ((!a && a_len) || (!b && b_len)) {
    erplink__error_setf(ERPLINK_EINVAL, "erplink_ct_equal: NULL pointer with a non-zero length");
    return 0;
  }
  if (a_len != b_len) return 0; /* depends on the lengths only */
  if (a_len == 0) return 1;
  return CRYPTO_memcmp(a, b, a_len) == 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- hex */

int erplink_hex_encode_to(char *out, size_t out_size, const void *data, size_t len) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hex_encode_to: out is NULL");
  if (!data && len) return bad_data("erplink_hex_encode_to");
  if (len > (SIZE_MAX - 1) / 2 || out_size < 2 * len + 1)
    return erplink__error_setf(ERPLINK_ERANGE, "erplink_hex_encode_to: %zu bytes need a buffer of %zu bytes, got %zu",
                               len, len > (SIZE_MAX - 1) / 2 ? SIZE_MAX : 2 * len + 1, out_size);
  hex_write(out, data, len);
  return 0;
}

int erplink_hex_encode(char **out, size_t *out_len, const void *data, size_t len) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hex_encode: out is NULL");
  if (!data && len) return bad_data("erplink_hex_encode");
  if (len > (SIZE_MAX - 1) / 2) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  char *s = malloc(2 * len + 1);
  if (!s) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  hex_write(s, data, len);
  *out = s;
  if (out_len) *out_len = 2 * len;
  return 0;
}

static int hexval(unsigned c) {
  if (c >= '0' && c <= '9') return (int)(c - '0');
  if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
  return -1;
}

int erplink_hex_decode(unsigned char **out, size_t *out_len, const char *hex, size_t len) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_hex_decode: out is NULL");
  if (!hex && len) return bad_data("erplink_hex_decode");
  if (len % 2) return erplink__error_setf(ERPLINK_EINVAL, "invalid hex: odd number of digits (%zu)", len);
  unsigned char *p = malloc(len / 2 + 1);
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  for (size_t i = 0; i < len; i += 2) {
    int hi = hexval((unsigned char)hex[i]), lo = hexval((unsigned char)hex[i + 1]);
    if (hi < 0 || lo < 0) {
      free(p);
      return erplink__error_setf(ERPLINK_EINVAL, "invalid hex: not a hex digit at offset %zu", hi < 0 ? i : i + 1);
    }
    p[i / 2] = (unsigned char)(hi << 4 | lo);
  }
  p[len / 2] = 0;
  *out = p;
  if (out_len) *out_len = len / 2;
  return 0;
}

/* ---------------------------------------------------------------- base64 */

static const char g_b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char g_b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t erplink__base64_encoded_len(size_t len, unsigned flags) {
  if (flags & ERPLINK_BASE64_NOPAD) return len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0);
  return (len + 2) / 3 * 4;
}

size_t erplink__base64_encode_to(char *out, const void *data, size_t len, unsigned flags) {
  const char *abc = (flags & ERPLINK_BASE64_URL) ? g_b64_url : g_b64_std;
  bool pad = !(flags & ERPLINK_BASE64_NOPAD);
  const unsigned char *p = data;
  char *o = out;
  size_t i = 0;
  for (; i + 3 <= len; i += 3) {
    uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    o[0] = abc[w >> 18];
    o[1] = abc[(w >> 12) & 63];
    o[2] = abc[(w >> 6) & 63];
    o[3] = abc[w & 63];
    o += 4;
  }
  if (len - i == 1) {
    uint32_t w = (uint32_t)p[i] << 16;
    *o++ = abc[w >> 18];
    *o++ = abc[(w >> 12) & 63];
    if (pad) {
      *o++ = '=';
      *o++ = '=';
    }
  } else if (len - i == 2) {
    uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
    *o++ = abc[w >> 18];
    *o++ = abc[(w >> 12) & 63];
    *o++ = abc[(w >> 6) & 63];
    if (pad) *o++ = '=';
  }
  return (size_t)(o - out);
}

int erplink__base64_put(erplink_buf *b, const void *data, size_t len, unsigned flags) {
  if (len > (SIZE_MAX - 4) / 4 * 3) {
    b->oom = true;
    return ERPLINK_ENOMEM;
  }
  size_t n = erplink__base64_encoded_len(len, flags);
  if (erplink_buf_grow(b, n)) return ERPLINK_ENOMEM;
  erplink__base64_encode_to(b->ptr + b->len, data, len, flags);
  b->len += n;
  b->ptr[b->len] = '\0';
  return 0;
}

int erplink_base64_encode(char **out, size_t *out_len, const void *data, size_t len, unsigned flags) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_base64_encode: out is NULL");
  if (!data && len) return bad_data("erplink_base64_encode");
  if (flags & ~(unsigned)(ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_base64_encode: unsupported flags 0x%x", flags);
  if (len > (SIZE_MAX - 4) / 4 * 3) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  char *s = malloc(erplink__base64_encoded_len(len, flags) + 1);
  if (!s) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  size_t n = erplink__base64_encode_to(s, data, len, flags);
  s[n] = '\0';
  *out = s;
  if (out_len) *out_len = n;
  return 0;
}

/* Decoding tables: 0..63 a digit, 64 whitespace (space, tab, CR, LF), 65 '=', 255 anything else. */
enum { B64_WS = 64, B64_PAD = 65, B64_BAD = 255 };
typedef struct {
  uint8_t std[256], url[256];
} b64_tables;
static b64_tables g_b64_dec;
static pthread_once_t g_b64_once = PTHREAD_ONCE_INIT;

static void b64_tables_init(void) {
  memset(&g_b64_dec, B64_BAD, sizeof g_b64_dec);
  for (int i = 0; i < 64; i++) {
    g_b64_dec.std[(unsigned char)g_b64_std[i]] = (uint8_t)i;
    g_b64_dec.url[(unsigned char)g_b64_url[i]] = (uint8_t)i;
  }
  const char ws[] = {' ', '\t', '\r', '\n'};
  for (size_t i = 0; i < sizeof ws; i++)
    g_b64_dec.std[(unsigned char)ws[i]] = g_b64_dec.url[(unsigned char)ws[i]] = B64_WS;
  g_b64_dec.std['='] = g_b64_dec.url['='] = B64_PAD;
}

size_t erplink__base64_decoded_max(size_t len) { return len / 4 * 3 + 3; }

int erplink__base64_decode_to(unsigned char *p, size_t *out_len, const char *text, size_t len, unsigned flags) {
  pthread_once(&g_b64_once, b64_tables_init);
  bool url = flags & ERPLINK_BASE64_URL, ws = flags & ERPLINK_BASE64_ALLOW_WS;
  const uint8_t *tab = url ? g_b64_dec.url : g_b64_dec.std;
  bool pad_forbidden = (flags & ERPLINK_BASE64_NOPAD) && !(flags & ERPLINK_BASE64_PAD_OPTIONAL);
  bool pad_required = !(flags & (ERPLINK_BASE64_NOPAD | ERPLINK_BASE64_PAD_OPTIONAL));
  const char *what = url ? "base64url" : "base64";
  const unsigned char *t = (const unsigned char *)text;
  size_t o = 0, nsym = 0, npad = 0;
  uint32_t acc = 0;
  size_t last_off = 0; /* offset of the last data character */
  for (size_t i = 0; i < len; i++) {
    /* fast path: four digits at a group boundary */
    if (nsym % 4 == 0 && !npad && len - i >= 4) {
      uint8_t a = tab[t[i]], b = tab[t[i + 1]], c = tab[t[i + 2]], d = tab[t[i + 3]];
      if ((a | b | c | d) < 64) {
        uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
        p[o++] = (unsigned char)(w >> 16);
        p[o++] = (unsigned char)(w >> 8);
        p[o++] = (unsigned char)w;
        nsym += 4;
        last_off = i + 3;
        i += 3;
        continue;
      }
    }
    uint8_t v = tab[t[i]];
    if (v == B64_WS && ws) continue;
    if (v == B64_PAD) {
      if (pad_forbidden)
        return erplink__error_setf(ERPLINK_EINVAL, "invalid %s: padding '=' at offset %zu is not allowed", what, i);
      if (nsym % 4 < 2 || npad >= 4 - nsym % 4)
        return erplink__error_setf(ERPLINK_EINVAL, "invalid %s: misplaced padding '=' at offset %zu", what, i);
      npad++;
      continue;
    }
    if (v >= 64 || npad)
      return erplink__error_setf(ERPLINK_EINVAL, "invalid %s: %s at offset %zu", what,
                                 v >= 64 ? (v == B64_WS ? "whitespace" : "invalid character") : "data after padding",
                                 i);
    acc = acc << 6 | v;
    last_off = i;
    if (++nsym % 4 == 0) {
      p[o++] = (unsigned char)(acc >> 16);
      p[o++] = (unsigned char)(acc >> 8);
      p[o++] = (unsigned char)acc;
      acc = 0;
    }
  }
  size_t rem = nsym % 4;
  if (rem == 1)
    return erplink__error_setf(ERPLINK_EINVAL, "invalid %s: truncated (%zu characters is not a valid length)", what,
                               nsym);
  if (rem && npad != 4 - rem && (npad || pad_required))
    return erplink__error_setf(ERPLINK_EINVAL, "invalid %s: %s padding at the end", what,
                               npad ? "incomplete" : "missing");
  if (rem == 2) {
    if (acc & 0xF) goto nonzero;
    p[o++] = (unsigned char)(acc >> 4);
  } else if (rem == 3) {
    if (acc & 0x3) goto nonzero;
    p[o++] = (unsigned char)(acc >> 10);
    p[o++] = (unsigned char)(acc >> 2);
  }
  *out_len = o;
  return 0;
nonzero:
  return erplink__error_setf(ERPLINK_EINVAL, "invalid %s: non-zero unused bits in the last character (offset %zu)",
                             what, last_off);
}

int erplink_base64_decode(unsigned char **out, size_t *out_len, const char *text, size_t len, unsigned flags) {
  if (out) *out = NULL;
  if (out_len) *out_len = 0;
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_base64_decode: out is NULL");
  if (!text && len) return bad_data("erplink_base64_decode");
  if (flags &
      ~(unsigned)(ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD | ERPLINK_BASE64_PAD_OPTIONAL | ERPLINK_BASE64_ALLOW_WS))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_base64_decode: unsupported flags 0x%x", flags);
  size_t cap = erplink__base64_decoded_max(len);
  unsigned char *p = malloc(cap + 1);
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  size_t n = 0;
  int rc = erplink__base64_decode_to(p, &n, text, len, flags);
  if (rc) {
    erplink__wipe(p, cap + 1);
    free(p);
    return rc;
  }
  p[n] = 0;
  *out = p;
  if (out_len) *out_len = n;
  return 0;
}

/* ---------------------------------------------------------------- random */

int erplink_random_bytes(void *out, size_t len) {
  if (!out && len) return erplink__error_setf(ERPLINK_EINVAL, "erplink_random_bytes: out is NULL");
  unsigned char *p = out;
  while (len) {
    int n = len > INT_MAX ? INT_MAX : (int)len;
    if (RAND_bytes(p, n) != 1) {
      unsigned long e = ERR_get_error();
      char reason[256] = "";
      if (e) ERR_error_string_n(e, reason, sizeof reason);
      ERR_clear_error();
      return erplink__error_setf(ERPLINK_ESERVER, "the secure random generator failed (RAND_bytes)%s%s", e ? ": " : "",
                                 reason);
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* ---------------------------------------------------------------- public keys, JWS verification
 *
 * Keys are built with OSSL_PARAM_BLD + EVP_PKEY_fromdata (the OpenSSL 3 way, no deprecated
 * RSA_/EC_KEY_ calls), then checked: an RSA key must be one an honest issuer could publish
 * (see erplink_pkey_new_rsa() in crypto.h), an EC point must be on P-256. Verification is
 * EVP_DigestVerify with SHA-256; an ES256 signature (JWS r || s) is re-encoded as DER first. */

#define PKEY_MIN_RSA_BITS 2048
#define PKEY_MAX_RSA_BITS 16384 /* OpenSSL's own ceiling; larger moduli only cost verification time */

enum { PKEY_RSA = 1, PKEY_EC = 2 };

struct erplink_pkey {
  EVP_PKEY *pk;
  int type;
};

static int pkey_wrap(erplink_pkey **out, EVP_PKEY *pk, int type) {
  erplink_pkey *k = malloc(sizeof *k);
  if (!k) {
    EVP_PKEY_free(pk);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  k->pk = pk;
  k->type = type;
  *out = k;
  return 0;
}

/* EVP_PKEY_fromdata of a public key of type name ("RSA", "EC"), then OpenSSL's public-key
 * check. 0 with *pk set; 1 when OpenSSL refused the parameters (*pk NULL, no error set);
 * 2 when the check refused the key; or an error. */
static int pkey_fromdata(EVP_PKEY **pk, const char *name, OSSL_PARAM_BLD *bld) {
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
  int rc = 0;
  *pk = NULL;
  if (!params) return ossl_fail("building key parameters");
  ctx = EVP_PKEY_CTX_new_from_name(NULL, name, NULL);
  if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0) {
    rc = ossl_fail("creating a key context");
  } else if (EVP_PKEY_fromdata(ctx, pk, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    *pk = NULL;
    rc = 1;
  } else if (!(chk = EVP_PKEY_CTX_new_from_pkey(NULL, *pk, NULL)) || EVP_PKEY_public_check(chk) <= 0) {
    EVP_PKEY_free(*pk);
    *pk = NULL;
    rc = 2;
  }
  ERR_clear_error();
  EVP_PKEY_CTX_free(chk);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return rc;
}

int erplink_pkey_new_rsa(erplink_pkey **out, const unsigned char *n, size_t n_len, const unsigned char *e,
                         size_t e_len) {
  if (out) *out = NULL;
  if (!out || !n || !e || !n_len || !e_len)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_pkey_new_rsa: NULL or empty argument");
  if (n_len > PKEY_MAX_RSA_BITS / 8 + 64 || e_len > PKEY_MAX_RSA_BITS / 8 + 64)
    return erplink__error_setf(ERPLINK_EINVAL, "RSA key parameters of %zu and %zu bytes (at most %d bits allowed)",
                               n_len, e_len, PKEY_MAX_RSA_BITS);
  BIGNUM *bn = BN_bin2bn(n, (int)n_len, NULL), *be = BN_bin2bn(e, (int)e_len, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  EVP_PKEY *pk = NULL;
  int rc = 0;
  if (!bn || !be || !bld) {
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  } else if (BN_num_bits(bn) < PKEY_MIN_RSA_BITS || BN_num_bits(bn) > PKEY_MAX_RSA_BITS) {
    rc = erplink__error_setf(ERPLINK_EINVAL, "RSA modulus of %d bits (%d to %d required)", BN_num_bits(bn),
                             PKEY_MIN_RSA_BITS, PKEY_MAX_RSA_BITS);
  } else if (!BN_is_odd(bn)) {
    rc = erplink__error_setf(ERPLINK_EINVAL, "the RSA modulus is even (not an RSA key)");
  } else if (BN_is_word(be, 0) || BN_is_word(be, 1) || !BN_is_odd(be) || BN_cmp(be, bn) >= 0) {
    /* e = 2 is even, so "odd and not 1" is e >= 3 */
    rc = erplink__error_setf(ERPLINK_EINVAL, "invalid RSA public exponent (an odd e with 3 <= e < n is required)");
  } else if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
             !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be)) {
    rc = ossl_fail("building RSA key parameters");
  } else {
    rc = pkey_fromdata(&pk, "RSA", bld);
    if (rc == 1)
      rc = erplink__error_setf(ERPLINK_EINVAL, "OpenSSL refused the RSA key");
    else if (rc == 2)
      rc = erplink__error_setf(ERPLINK_EINVAL, "OpenSSL's RSA public-key check refuses it (a modulus with small "
                                               "factors, or prime)");
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  BN_free(be);
  return rc == 0 ? pkey_wrap(out, pk, PKEY_RSA) : rc;
}

int erplink_pkey_new_ec_p256(erplink_pkey **out, const unsigned char *x, size_t x_len, const unsigned char *y,
                             size_t y_len) {
  if (out) *out = NULL;
  if (!out || !x || !y) return erplink__error_setf(ERPLINK_EINVAL, "erplink_pkey_new_ec_p256: NULL argument");
  if (x_len != 32 || y_len != 32)
    return erplink__error_setf(ERPLINK_EINVAL, "P-256 coordinates must be 32 bytes (got %zu and %zu)", x_len, y_len);
  unsigned char point[65];
  point[0] = 0x04; /* uncompressed */
  memcpy(point + 1, x, 32);
  memcpy(point + 33, y, 32);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  EVP_PKEY *pk = NULL;
  int rc = 0;
  if (!bld) {
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  } else if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
             !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point)) {
    rc = ossl_fail("building EC key parameters");
  } else {
    rc = pkey_fromdata(&pk, "EC", bld);
    if (rc == 1 || rc == 2) rc = erplink__error_setf(ERPLINK_EINVAL, "the EC point is not on the P-256 curve");
  }
  OSSL_PARAM_BLD_free(bld);
  return rc == 0 ? pkey_wrap(out, pk, PKEY_EC) : rc;
}

/* The DER encoding of an ECDSA signature given as r || s (32 bytes each); *der for OPENSSL_free. */
static int ecdsa_der(unsigned char **der, int *der_len, const unsigned char *sig) {
  ECDSA_SIG *es = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
  *der = NULL;
  if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  *der_len = i2d_ECDSA_SIG(es, der);
  ECDSA_SIG_free(es);
  return *der_len > 0 ? 0 : ossl_fail("encoding an ECDSA signature");
}

int erplink_pkey_verify(const erplink_pkey *k, erplink_sig_alg alg, const void *data, size_t len,
                        const unsigned char *sig, size_t sig_len) {
  if (!k || (!data && len) || (!sig && sig_len))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_pkey_verify: NULL argument");
  if (alg != ERPLINK_SIG_RS256 && alg != ERPLINK_SIG_ES256)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_pkey_verify: unknown algorithm %d", (int)alg);
  const char *name = alg == ERPLINK_SIG_RS256 ? "RS256" : "ES256";
  if ((alg == ERPLINK_SIG_RS256) != (k->type == PKEY_RSA))
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_pkey_verify: an %s key cannot verify %s",
                               k->type == PKEY_RSA ? "RSA" : "EC P-256", name);
  if (sig_len == 0) return erplink__error_setf(ERPLINK_ESIGNATURE, "the %s signature is empty", name);
  unsigned char *der = NULL;
  int der_len = 0, rc = 0;
  if (alg == ERPLINK_SIG_ES256) {
    if (sig_len != 64)
      return erplink__error_setf(ERPLINK_ESIGNATURE, "ES256 signature of %zu bytes (64 expected)", sig_len);
    if ((rc = ecdsa_der(&der, &der_len, sig)) != 0) return rc;
    sig = der;
    sig_len = (size_t)der_len;
  }
  const EVP_MD *md = sha256_md();
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!md || !ctx) {
    rc = md ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory") : ossl_fail("fetching SHA-256");
  } else if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, k->pk) <= 0) {
    rc = ossl_fail("initialising signature verification");
  } else if (EVP_DigestVerify(ctx, sig, sig_len, data ? data : (const void *)"", len) != 1) {
    ERR_clear_error();
    rc = erplink__error_setf(ERPLINK_ESIGNATURE, "the %s signature does not verify", name);
  }
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return rc;
}

void erplink_pkey_free(erplink_pkey *k) {
  if (!k) return;
  EVP_PKEY_free(k->pk);
  free(k);
}
