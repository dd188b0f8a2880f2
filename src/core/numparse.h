/* The fast path of number parsing shared by the JSON and XML-RPC decoders: integers of up to
 * 16 digits and plain decimals (no exponent; up to 16 digits in all, worth at most 2^53), which
 * is nearly every number an API sends. Digits are read 8 at a time (SWAR); a decimal is one
 * correctly rounded division of two exact doubles (Clinger's fast path, as in simdjson and
 * strtod), so the result is the correctly rounded value. Anything else, valid or not, is left to
 * the caller's full parser. C and C++. Internal. */
#ifndef ERPLINK_CORE_NUMPARSE_H
#define ERPLINK_CORE_NUMPARSE_H

#include <float.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { ERPLINK_NUM_NONE = 0, ERPLINK_NUM_INT = 1, ERPLINK_NUM_DOUBLE = 2 };

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(FLT_EVAL_METHOD) &&                \
    FLT_EVAL_METHOD == 0
static inline uint64_t erplink__load8(const unsigned char *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  return x;
}

/* The value of the n (1..8) digits at p (8 bytes are read); false when one is not a digit. */
static inline bool erplink__digits8(const unsigned char *p, size_t n, uint64_t *out) {
  uint64_t x = erplink__load8(p);
  if (n < 8) { /* the bytes beyond n are shifted out; the missing leading digits are zeros */
    unsigned sh = 8 * (unsigned)(8 - n);
    x = (x << sh) | (UINT64_C(0x3030303030303030) >> (64 - sh));
  }
  if (((x & UINT64_C(0xF0F0F0F0F0F0F0F0)) |
       (((x + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) >> 4)) != UINT64_C(0x3333333333333333))
    return false;
  x = (x & UINT64_C(0x0F0F0F0F0F0F0F0F)) * 2561 >> 8;
  x = (x & UINT64_C(0x00FF00FF00FF00FF)) * 6553601 >> 16;
  *out = (x & UINT64_C(0x0000FFFF0000FFFF)) * UINT64_C(42949672960001) >> 32;
  return true;
}

static inline bool erplink__digits16(const unsigned char *p, size_t n, uint64_t *out) {
  if (n <= 8) return erplink__digits8(p, n, out);
  uint64_t hi, lo;
  if (!erplink__digits8(p, n - 8, &hi) || !erplink__digits8(p + n - 8, 8, &lo)) return false;
  *out = hi * 100000000u + lo;
  return true;
}

/* Offset of the first '.' among the n (<= 16) bytes at p (16 bytes are read), or n. */
static inline size_t erplink__find_dot(const unsigned char *p, size_t n) {
  for (size_t k = 0; k < n; k += 8) {
    uint64_t x = erplink__load8(p + k) ^ UINT64_C(0x2E2E2E2E2E2E2E2E);
    uint64_t z = (x - UINT64_C(0x0101010101010101)) & ~x & UINT64_C(0x8080808080808080); /* lowest set byte: exact */
    if (n - k < 8) z &= (UINT64_C(1) << (8 * (n - k))) - 1;                              /* only the n bytes count */
    if (z) return k + ((size_t)__builtin_ctzll(z) >> 3);
  }
  return n;
}

/* The number [s, s + n) as [-]digits or [-]digits.digits (JSON's grammar; a leading zero only
 * alone before the point); 16 readable bytes must follow every digit. Returns
 * ERPLINK_NUM_INT (*i), ERPLINK_NUM_DOUBLE (*d) or ERPLINK_NUM_NONE (not decided here). */
static inline int erplink__fast_number(const char *s, size_t n, int64_t *i, double *d) {
  static const uint64_t p10[] = {1u,
                                 10u,
                                 100u,
                                 1000u,
                                 10000u,
                                 100000u,
                                 1000000u,
                                 10000000u,
                                 100000000u,
                                 1000000000u,
                                 UINT64_C(10000000000),
                                 UINT64_C(100000000000),
                                 UINT64_C(1000000000000),
                                 UINT64_C(10000000000000),
                                 UINT64_C(100000000000000),
                                 UINT64_C(1000000000000000),
                                 UINT64_C(10000000000000000)};
  const unsigned char *p = (const unsigned char *)s;
  bool neg = n && *p == '-';
  p += neg;
  n -= neg;
  if (n == 0 || n > 17) return ERPLINK_NUM_NONE;
  size_t ni = erplink__find_dot(p, n < 16 ? n : 16);
  if (ni == 0 || ni > 16 || (p[0] == '0' && ni > 1)) return ERPLINK_NUM_NONE;
  uint64_t ip;
  if (!erplink__digits16(p, ni, &ip)) return ERPLINK_NUM_NONE;
  if (ni == n) {
    *i = neg ? -(int64_t)ip : (int64_t)ip;
    return ERPLINK_NUM_INT;
  }
  size_t nf = n - ni - 1;
  uint64_t fp;
  if (nf == 0 || ni + nf > 16 || !erplink__digits16(p + ni + 1, nf, &fp)) return ERPLINK_NUM_NONE;
  uint64_t m = ip * p10[nf] + fp;
  if (m > ((uint64_t)1 << 53)) return ERPLINK_NUM_NONE;
  double v = (double)m / (double)p10[nf];
  *d = neg ? -v : v;
  return ERPLINK_NUM_DOUBLE;
}
#else
static inline int erplink__fast_number(const char *s, size_t n, int64_t *i, double *d) {
  (void)s, (void)n, (void)i, (void)d;
  return ERPLINK_NUM_NONE;
}
#endif

#endif
