/* Fuzz targets of the core decoders (XML-RPC responses and calls, JSON).
 *
 * Each target checks properties, not only "no crash":
 *  - a decoder either succeeds or fails with a negative code, a category and a message;
 *  - whatever decodes, re-encodes, and the re-encoded document decodes to an equal tree
 *    (encoders may refuse only values the protocol cannot carry, with ERPLINK_EINVAL);
 *  - decoding in pieces gives the same outcome as decoding in one.
 *
 * Driven by driver.c in every build and by libFuzzer in the -Dfuzzing=true build (fuzz.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "fuzz.h"

long fuzz_accepted, fuzz_rejected; /* statistics for the driver (test code only) */

void fuzz_fail(const char *what, const uint8_t *data, size_t len) {
  fprintf(stderr, "fuzz property violated: %s (input of %zu bytes)\n", what, len);
  fwrite(data, 1, len < 512 ? len : 512, stderr);
  fputc('\n', stderr);
  abort();
}

void fuzz_check_error(int rc, const uint8_t *data, size_t len) {
  if (rc >= 0) fuzz_fail("error code is not negative", data, len);
  const erplink_error *e = erplink_error_last();
  if (!e || erplink_error_code(e) != rc) fuzz_fail("last error does not match the returned code", data, len);
  if (erplink_error_get_category(e) == ERPLINK_CAT_NONE) fuzz_fail("error without a category", data, len);
  if (!erplink_error_message(e)[0]) fuzz_fail("error without a message", data, len);
}

static erplink_limits *fuzz_limits(void) {
  erplink_limits *lim;
  if (erplink_limits_new(&lim)) return NULL;
  erplink_limits_set_max_depth(lim, 64);
  erplink_limits_set_max_elements(lim, 100000);
  erplink_limits_set_max_bytes(lim, 1 << 20);
  return lim;
}

/* A second cut, derived from the data, so that splits land everywhere (also inside tokens). */
static size_t cut_of(const uint8_t *data, size_t len) { return len ? (size_t)data[len - 1] * len / 256 : 0; }

/* ---------------------------------------------------------------- XML-RPC */

/* erplink_value_equal(), except that datetimes compare without their microseconds: the
 * XML-RPC encoder writes Python's format, which has none (documented in xmlrpc.h). */
static bool equal_but_usec(const erplink_value *a, const erplink_value *b) {
  if (erplink_value_type(a) != erplink_value_type(b)) return false;
  switch (erplink_value_type(a)) {
  case ERPLINK_TYPE_DATETIME: {
    int x[7], y[7];
    erplink_value_get_datetime(&x[0], &x[1], &x[2], &x[3], &x[4], &x[5], &x[6], a);
    erplink_value_get_datetime(&y[0], &y[1], &y[2], &y[3], &y[4], &y[5], &y[6], b);
    return memcmp(x, y, 6 * sizeof *x) == 0;
  }
  case ERPLINK_TYPE_ARRAY:
  case ERPLINK_TYPE_STRUCT: {
    size_t n = erplink_value_count(a);
    if (n != erplink_value_count(b)) return false;
    bool st = erplink_value_type(a) == ERPLINK_TYPE_STRUCT;
    for (size_t i = 0; i < n; i++) {
      const char *ka = erplink_value_struct_key_at(a, i), *kb = erplink_value_struct_key_at(b, i);
      size_t la = erplink_value_struct_key_len_at(a, i), lb = erplink_value_struct_key_len_at(b, i);
      const erplink_value *x = st ? erplink_value_struct_value_at(a, i) : erplink_value_array_at(a, i);
      const erplink_value *y = st ? erplink_value_struct_value_at(b, i) : erplink_value_array_at(b, i);
      if ((st && (la != lb || memcmp(ka, kb, la) != 0)) || !equal_but_usec(x, y)) return false;
    }
    return true;
  }
  default: return erplink_value_equal(a, b);
  }
}

/* Decodes a response with the incremental decoder, split at `cut`. */
static int xml_split(erplink_value **out, int *is_fault, const uint8_t *data, size_t len, size_t cut,
                     const erplink_limits *lim) {
  erplink_xmlrpc_decoder *d;
  int rc = erplink_xmlrpc_decoder_new(&d, lim);
  if (rc) return rc;
  rc = erplink_xmlrpc_decoder_feed(d, data, cut);
  if (!rc) rc = erplink_xmlrpc_decoder_feed(d, data + cut, len - cut);
  if (!rc) rc = erplink_xmlrpc_decoder_finish(out, is_fault, d);
  erplink_xmlrpc_decoder_free(d);
  return rc;
}

int fuzz_xmlrpc_response(const uint8_t *data, size_t len) {
  erplink_limits *lim = fuzz_limits();
  if (!lim) return 0;
  erplink_value *v = NULL;
  int fault = 0;
  int rc = erplink_xmlrpc_decode_response(&v, &fault, (const char *)data, len, lim);
  if (rc != 0) fuzz_check_error(rc, data, len); /* before the split runs set other errors */
  size_t cuts[2] = {len / 2, cut_of(data, len)};
  for (int i = 0; i < 2; i++) {
    erplink_value *w = NULL;
    int fault2 = 0;
    int rc2 = xml_split(&w, &fault2, data, len, cuts[i], lim);
    if ((rc == 0) != (rc2 == 0)) fuzz_fail("split decoding disagrees with one-piece decoding", data, len);
    if (rc == 0 && (!erplink_value_equal(v, w) || fault != fault2))
      fuzz_fail("split decoding gives another tree", data, len);
    erplink_value_free(w);
  }
  if (rc != 0) {
    fuzz_rejected++;
  } else if (fuzz_accepted++, !fault) {
    char *enc = NULL;
    size_t elen = 0;
    int erc = erplink_xmlrpc_encode_response(&enc, &elen, v);
    if (erc == 0) {
      erplink_value *back = NULL;
      int fault2 = 0;
      if (erplink_xmlrpc_decode_response(&back, &fault2, enc, elen, lim) != 0 || fault2 || !equal_but_usec(v, back))
        fuzz_fail("XML-RPC re-encoding does not decode to the same tree", data, len);
      erplink_value_free(back);
      erplink_free(enc);
    } else if (erc != ERPLINK_EINVAL) {
      fuzz_fail("encoder failed with something else than EINVAL", data, len);
    }
  }
  erplink_value_free(v);
  erplink_limits_free(lim);
  erplink_error_clear();
  return 0;
}

int fuzz_xmlrpc_call(const uint8_t *data, size_t len) {
  erplink_limits *lim = fuzz_limits();
  if (!lim) return 0;
  char *method = NULL;
  erplink_value *params = NULL;
  int rc = erplink_xmlrpc_decode_call(&method, &params, (const char *)data, len, lim);
  if (rc != 0) fuzz_check_error(rc, data, len);
  if (rc == 0 && (!method || erplink_value_type(params) != ERPLINK_TYPE_ARRAY))
    fuzz_fail("a decoded call without a method name or a params array", data, len);
  /* the incremental call decoder, split */
  erplink_xmlrpc_decoder *d;
  if (erplink_xmlrpc_decoder_new_call(&d, lim) == 0) {
    size_t cut = cut_of(data, len);
    char *m2 = NULL;
    erplink_value *p2 = NULL;
    int rc2 = erplink_xmlrpc_decoder_feed(d, data, cut);
    if (!rc2) rc2 = erplink_xmlrpc_decoder_feed(d, data + cut, len - cut);
    if (!rc2) rc2 = erplink_xmlrpc_decoder_finish_call(&m2, &p2, d);
    if ((rc == 0) != (rc2 == 0)) fuzz_fail("split call decoding disagrees with one-piece decoding", data, len);
    if (rc == 0 && (strcmp(method, m2) != 0 || !erplink_value_equal(params, p2)))
      fuzz_fail("split call decoding gives another call", data, len);
    erplink_free(m2);
    erplink_value_free(p2);
    erplink_xmlrpc_decoder_free(d);
  }
  if (rc != 0) {
    fuzz_rejected++;
  } else {
    fuzz_accepted++;
    char *enc = NULL;
    size_t elen = 0;
    int erc = erplink_xmlrpc_encode_call(&enc, &elen, method, params);
    if (erc == 0) {
      char *m3 = NULL;
      erplink_value *p3 = NULL;
      if (erplink_xmlrpc_decode_call(&m3, &p3, enc, elen, lim) != 0 || strcmp(m3, method) != 0 ||
          !equal_but_usec(p3, params))
        fuzz_fail("XML-RPC call re-encoding does not decode to the same call", data, len);
      erplink_free(m3);
      erplink_value_free(p3);
      erplink_free(enc);
    } else if (erc != ERPLINK_EINVAL) {
      fuzz_fail("call encoder failed with something else than EINVAL", data, len);
    }
  }
  erplink_free(method);
  erplink_value_free(params);
  erplink_limits_free(lim);
  erplink_error_clear();
  return 0;
}

int fuzz_xmlrpc(const uint8_t *data, size_t len) {
  fuzz_xmlrpc_response(data, len);
  return fuzz_xmlrpc_call(data, len);
}

/* ---------------------------------------------------------------- JSON */

static int json_split(erplink_value **out, const uint8_t *data, size_t len, size_t cut, const erplink_limits *lim) {
  erplink_json_decoder *d;
  int rc = erplink_json_decoder_new(&d, lim);
  if (rc) return rc;
  rc = erplink_json_decoder_feed(d, (const char *)data, cut);
  if (!rc) rc = erplink_json_decoder_feed(d, (const char *)data + cut, len - cut);
  if (!rc) rc = erplink_json_decoder_finish(out, d);
  erplink_json_decoder_free(d);
  return rc;
}

int fuzz_json(const uint8_t *data, size_t len) {
  erplink_limits *lim = fuzz_limits();
  if (!lim) return 0;
  erplink_value *v = NULL;
  int rc = erplink_json_decode(&v, (const char *)data, len, lim);
  if (rc != 0) fuzz_check_error(rc, data, len);
  size_t cuts[2] = {len / 3, cut_of(data, len)};
  for (int i = 0; i < 2; i++) {
    erplink_value *w = NULL;
    int rc2 = json_split(&w, data, len, cuts[i], lim);
    if ((rc == 0) != (rc2 == 0)) fuzz_fail("split decoding disagrees with one-piece decoding", data, len);
    if (rc == 0 && !erplink_value_equal(v, w)) fuzz_fail("split decoding gives another tree", data, len);
    erplink_value_free(w);
  }
  if (rc != 0) {
    fuzz_rejected++;
  } else {
    fuzz_accepted++;
    char *enc = NULL;
    size_t elen = 0;
    int erc = erplink_json_encode(&enc, &elen, v);
    if (erc == 0) {
      erplink_value *back = NULL;
      if (erplink_json_decode(&back, enc, elen, lim) != 0 || !erplink_value_equal(v, back))
        fuzz_fail("JSON re-encoding does not decode to the same tree", data, len);
      erplink_value_free(back);
      erplink_free(enc);
    } else if (erc != ERPLINK_EINVAL) {
      fuzz_fail("encoder failed with something else than EINVAL", data, len);
    }
  }
  erplink_value_free(v);
  erplink_limits_free(lim);
  erplink_error_clear();
  return 0;
}
