/* Fuzz targets for erplink's decoders of untrusted input.
 *
 * Each target checks properties, not only "no crash":
 *  - a decoder either succeeds or fails with a negative code, a category and a message;
 *  - whatever decodes, re-encodes, and the re-encoded document decodes to an equal tree
 *    (encoders may refuse only values the protocol cannot carry, with ERPLINK_EINVAL);
 *  - decoding in two pieces gives the same outcome as decoding in one.
 *
 * Built two ways: with clang's -fsanitize=fuzzer as a libFuzzer target (define
 * ERPLINK_LIBFUZZER; see tests/fuzz/README.md), and, in every build, linked with driver.c into a
 * deterministic mutation run that CI executes (also under ASan/UBSan). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "fuzz.h"

long fuzz_accepted, fuzz_rejected; /* statistics for the driver (test code only) */

static void fail(const char *what, const uint8_t *data, size_t len) {
  fprintf(stderr, "fuzz property violated: %s (input of %zu bytes)\n", what, len);
  fwrite(data, 1, len < 512 ? len : 512, stderr);
  fputc('\n', stderr);
  abort();
}

static void check_error(int rc, const uint8_t *data, size_t len) {
  if (rc >= 0) fail("error code is not negative", data, len);
  const erplink_error *e = erplink_error_last();
  if (!e || erplink_error_code(e) != rc) fail("last error does not match the returned code", data, len);
  if (erplink_error_get_category(e) == ERPLINK_CAT_NONE) fail("error without a category", data, len);
  if (!erplink_error_message(e)[0]) fail("error without a message", data, len);
}

/* Decode with the incremental decoder, split at `cut`. */
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

int fuzz_xmlrpc(const uint8_t *data, size_t len) {
  erplink_limits *lim;
  if (erplink_limits_new(&lim)) return 0;
  erplink_limits_set_max_depth(lim, 64);
  erplink_limits_set_max_elements(lim, 100000);
  erplink_limits_set_max_bytes(lim, 1 << 20);
  erplink_value *v = NULL;
  int fault = 0;
  int rc = erplink_xmlrpc_decode_response(&v, &fault, (const char *)data, len, lim);
  erplink_value *w = NULL;
  int fault2 = 0;
  int rc2 = xml_split(&w, &fault2, data, len, len / 2, lim);
  if ((rc == 0) != (rc2 == 0)) fail("split decoding disagrees with one-piece decoding", data, len);
  if (rc == 0 && (!erplink_value_equal(v, w) || fault != fault2)) fail("split decoding gives another tree", data, len);
  erplink_value_free(w);
  if (rc != 0) {
    fuzz_rejected++;
    check_error(rc, data, len);
  } else if (fuzz_accepted++, !fault) {
    char *enc = NULL;
    size_t elen = 0;
    int erc = erplink_xmlrpc_encode_response(&enc, &elen, v);
    if (erc == 0) {
      erplink_value *back = NULL;
      if (erplink_xmlrpc_decode_response(&back, &fault2, enc, elen, lim) != 0 || fault2 ||
          !erplink_value_equal(v, back))
        fail("XML-RPC re-encoding does not decode to the same tree", data, len);
      erplink_value_free(back);
      erplink_free(enc);
    } else if (erc != ERPLINK_EINVAL) {
      fail("encoder failed with something else than EINVAL", data, len);
    }
  }
  erplink_value_free(v);
  /* the same bytes as a methodCall */
  char *method = NULL;
  erplink_value *params = NULL;
  rc = erplink_xmlrpc_decode_call(&method, &params, (const char *)data, len, lim);
  if (rc != 0) check_error(rc, data, len);
  erplink_free(method);
  erplink_value_free(params);
  erplink_limits_free(lim);
  erplink_error_clear();
  return 0;
}

int fuzz_json(const uint8_t *data, size_t len) {
  erplink_limits *lim;
  if (erplink_limits_new(&lim)) return 0;
  erplink_limits_set_max_depth(lim, 64);
  erplink_limits_set_max_elements(lim, 100000);
  erplink_limits_set_max_bytes(lim, 1 << 20);
  erplink_value *v = NULL;
  int rc = erplink_json_decode(&v, (const char *)data, len, lim);
  erplink_json_decoder *d;
  if (erplink_json_decoder_new(&d, lim) == 0) {
    erplink_value *w = NULL;
    size_t cut = len / 3;
    int rc2 = erplink_json_decoder_feed(d, (const char *)data, cut);
    if (!rc2) rc2 = erplink_json_decoder_feed(d, (const char *)data + cut, len - cut);
    if (!rc2) rc2 = erplink_json_decoder_finish(&w, d);
    if ((rc == 0) != (rc2 == 0)) fail("split decoding disagrees with one-piece decoding", data, len);
    if (rc == 0 && !erplink_value_equal(v, w)) fail("split decoding gives another tree", data, len);
    erplink_value_free(w);
    erplink_json_decoder_free(d);
  }
  if (rc != 0) {
    fuzz_rejected++;
    check_error(rc, data, len);
  } else {
    fuzz_accepted++;
    char *enc = NULL;
    size_t elen = 0;
    int erc = erplink_json_encode(&enc, &elen, v);
    if (erc == 0) {
      erplink_value *back = NULL;
      if (erplink_json_decode(&back, enc, elen, lim) != 0 || !erplink_value_equal(v, back))
        fail("JSON re-encoding does not decode to the same tree", data, len);
      erplink_value_free(back);
      erplink_free(enc);
    } else if (erc != ERPLINK_EINVAL) {
      fail("encoder failed with something else than EINVAL", data, len);
    }
  }
  erplink_value_free(v);
  erplink_limits_free(lim);
  erplink_error_clear();
  return 0;
}

#ifdef ERPLINK_LIBFUZZER
/* clang -fsanitize=fuzzer,address -DERPLINK_LIBFUZZER -DFUZZ_TARGET=fuzz_json ... */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { return FUZZ_TARGET(data, size); }
#endif
