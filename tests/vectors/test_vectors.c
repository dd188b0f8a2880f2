/*
 * test_vectors.c - the shared vectors of tests/vectors/ (also run by the Python binding's
 * tests/bindings/test_python_vectors.py, and by the Node binding's suite with issue 14):
 * razorpay_signatures.json, values.json, errors.json, cartona_status_map.json. Every
 * language must give the results these files state; this program checks the C library's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/cartona.h"
#include "erplink/error.h"
#include "erplink/json.h"
#include "erplink/razorpay.h"
#include "erplink/value.h"
#include "test.h"

static erplink_value *load(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", ERPLINK_VECTORS_DIR, name);
  size_t len = 0;
  char *text = test_read_file(path, &len);
  if (!text) return NULL;
  erplink_value *doc = NULL;
  int rc = erplink_json_decode(&doc, text, len, NULL);
  free(text);
  return rc == 0 ? doc : NULL;
}

static const char *str(const erplink_value *v, const char *key) {
  const char *s = NULL;
  size_t n = 0;
  const erplink_value *m = erplink_value_struct_get(v, key);
  if (!m || erplink_value_get_string(&s, &n, m) != 0) return NULL;
  return s;
}

/* ------------------------------------------------------------------ error codes */

#define CODE(x) {#x, ERPLINK_##x}
static const struct {
  const char *name;
  int code;
} CODES[] = {{"OK", ERPLINK_OK}, CODE(EINVAL), CODE(ENOMEM), CODE(ERANGE), CODE(ETYPE), CODE(ENETWORK),
             CODE(ECONNECT), CODE(EDNS), CODE(ERECV), CODE(ETIMEOUT), CODE(ETLS), CODE(EHTTP), CODE(EREDIRECT),
             CODE(EPROTOCOL), CODE(ELIMIT), CODE(ETOOLARGE), CODE(EFORBIDDEN_XML), CODE(EAUTH), CODE(EACCESS),
             CODE(EVALIDATION), CODE(ENOTFOUND), CODE(ERATELIMIT), CODE(ECONFLICT), CODE(ESIGNATURE),
             CODE(ECANCELLED), CODE(ESERVER), CODE(EUNAVAILABLE), CODE(EBUDGET), CODE(ESTORE),
             CODE(ESTORE_CORRUPT), CODE(ESTORE_VERSION)};
#define NCODES (sizeof CODES / sizeof CODES[0])

static int code_of(const char *name) {
  for (size_t i = 0; i < NCODES; i++)
    if (strcmp(CODES[i].name, name) == 0) return CODES[i].code;
  return 1; /* no such name */
}

static void test_errors(void) {
  erplink_value *doc = load("errors.json");
  REQUIRE(doc);
  const erplink_value *codes = erplink_value_struct_get(doc, "codes");
  size_t n = erplink_value_count(codes);
  CHECK_EQ_INT((int)n, (int)NCODES); /* every code of error.h has its vector */
  for (size_t i = 0; i < n; i++) {
    const erplink_value *c = erplink_value_array_at(codes, i);
    int64_t code = 0;
    int retryable = 0;
    erplink_value_get_int(&code, erplink_value_struct_get(c, "code"));
    erplink_value_get_bool(&retryable, erplink_value_struct_get(c, "retryable"));
    CHECK_EQ_INT(code_of(str(c, "name")), (int)code);
    CHECK_EQ_STR(erplink_error_category_name(erplink_error_category_of((int)code)), str(c, "category"));
    CHECK_EQ_INT(erplink_error_retryable((int)code), retryable);
  }
  erplink_value_free(doc);
}

/* ------------------------------------------------------------------ Razorpay */

static int verify(const erplink_value *c, int with_verifier) {
  const char *kind = str(c, "kind"), *sig = str(c, "signature"), *secret = str(c, "secret");
  razorpay_verifier *v = NULL;
  size_t idx = 99;
  if (with_verifier) {
    int rc = razorpay_verifier_new(&v, &secret, 1);
    if (rc) return rc;
  }
  int rc;
  if (strcmp(kind, "webhook") == 0) {
    const char *body = str(c, "body");
    char *file = NULL;
    size_t len = body ? strlen(body) : 0;
    if (!body) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", ERPLINK_VECTORS_DIR, str(c, "body_file"));
      file = test_read_file(path, &len);
      body = file;
    }
    rc = v ? razorpay_verifier_verify_webhook(&idx, v, body, len, sig) : razorpay_verify_webhook(body, len, sig, secret);
    free(file);
  } else if (strcmp(kind, "payment") == 0) {
    rc = v ? razorpay_verifier_verify_payment(&idx, v, str(c, "order_id"), str(c, "payment_id"), sig)
           : razorpay_verify_payment(str(c, "order_id"), str(c, "payment_id"), sig, secret);
  } else if (strcmp(kind, "subscription") == 0) {
    rc = v ? razorpay_verifier_verify_subscription(&idx, v, str(c, "payment_id"), str(c, "subscription_id"), sig)
           : razorpay_verify_subscription(str(c, "payment_id"), str(c, "subscription_id"), sig, secret);
  } else {
    rc = v ? razorpay_verifier_verify_payment_link(&idx, v, str(c, "payment_link_id"), str(c, "payment_link_reference_id"),
                                                   str(c, "payment_link_status"), str(c, "payment_id"), sig)
           : razorpay_verify_payment_link(str(c, "payment_link_id"), str(c, "payment_link_reference_id"),
                                          str(c, "payment_link_status"), str(c, "payment_id"), sig, secret);
  }
  if (v && rc == 0) CHECK_EQ_INT((int)idx, 0);
  razorpay_verifier_free(v);
  return rc;
}

static void test_razorpay(void) {
  erplink_value *doc = load("razorpay_signatures.json");
  REQUIRE(doc);
  const erplink_value *cases = erplink_value_struct_get(doc, "cases");
  size_t n = erplink_value_count(cases);
  CHECK(n >= 15);
  for (size_t i = 0; i < n; i++) {
    const erplink_value *c = erplink_value_array_at(cases, i);
    int want = code_of(str(c, "expect"));
    CHECK_EQ_INT(verify(c, 0), want);
    /* the verifier refuses an empty secret when created: that is the same EINVAL */
    CHECK_EQ_INT(verify(c, 1), want);
  }
  erplink_value_free(doc);
}

/* ------------------------------------------------------------------ values */

static erplink_value *build(const erplink_value *t) {
  const char *tag = erplink_value_struct_key_at(t, 0);
  const erplink_value *x = erplink_value_struct_value_at(t, 0);
  erplink_value *out = NULL;
  const char *s = NULL;
  size_t len = 0;
  if (strcmp(tag, "nil") == 0) {
    erplink_value_new_nil(&out);
  } else if (strcmp(tag, "bool") == 0) {
    int b = 0;
    erplink_value_get_bool(&b, x);
    erplink_value_new_bool(&out, b);
  } else if (strcmp(tag, "int") == 0) {
    erplink_value_get_string(&s, &len, x);
    erplink_value_new_int(&out, strtoll(s, NULL, 10));
  } else if (strcmp(tag, "double") == 0) {
    double d = 0;
    int64_t i = 0;
    if (erplink_value_get_double(&d, x) != 0 && erplink_value_get_int(&i, x) == 0) d = (double)i;
    erplink_value_new_double(&out, d);
  } else if (strcmp(tag, "string") == 0) {
    erplink_value_get_string(&s, &len, x);
    erplink_value_new_stringn(&out, s, len);
  } else if (strcmp(tag, "bytes_hex") == 0) {
    erplink_value_get_string(&s, &len, x);
    unsigned char buf[256];
    size_t n = len / 2;
    for (size_t i = 0; i < n && i < sizeof buf; i++) {
      unsigned v = 0;
      sscanf(s + 2 * i, "%2x", &v);
      buf[i] = (unsigned char)v;
    }
    erplink_value_new_bytes(&out, buf, n);
  } else if (strcmp(tag, "datetime") == 0) {
    int y, mo, d, h, mi, sec, us;
    erplink_value_get_string(&s, &len, x);
    if (sscanf(s, "%d-%d-%dT%d:%d:%d.%d", &y, &mo, &d, &h, &mi, &sec, &us) == 7)
      erplink_value_new_datetime(&out, y, mo, d, h, mi, sec, us);
  } else if (strcmp(tag, "array") == 0) {
    erplink_value_new_array(&out);
    for (size_t i = 0; i < erplink_value_count(x); i++) erplink_value_array_append(out, build(erplink_value_array_at(x, i)));
  } else if (strcmp(tag, "struct") == 0) {
    erplink_value_new_struct(&out);
    for (size_t i = 0; i < erplink_value_count(x); i++) {
      const erplink_value *pair = erplink_value_array_at(x, i);
      erplink_value_get_string(&s, &len, erplink_value_array_at(pair, 0));
      erplink_value_struct_append(out, s, build(erplink_value_array_at(pair, 1)));
    }
  }
  return out;
}

static void test_values(void) {
  erplink_value *doc = load("values.json");
  REQUIRE(doc);
  const erplink_value *cases = erplink_value_struct_get(doc, "cases");
  size_t n = erplink_value_count(cases);
  CHECK(n >= 20);
  for (size_t i = 0; i < n; i++) {
    const erplink_value *c = erplink_value_array_at(cases, i);
    erplink_value *v = build(erplink_value_struct_get(c, "value")), *copy = NULL;
    REQUIRE(v);
    CHECK_EQ_INT(erplink_value_clone(&copy, v), 0);
    char *d1 = NULL, *d2 = NULL;
    CHECK_EQ_INT(erplink_value_dump(&d1, v), 0);
    CHECK_EQ_INT(erplink_value_dump(&d2, copy), 0);
    CHECK_EQ_STR(d1, str(c, "dump"));
    CHECK_EQ_STR(d2, d1);
    erplink_free(d1);
    erplink_free(d2);
    erplink_value_free(v);
    erplink_value_free(copy);
  }
  erplink_value_free(doc);
}

/* ------------------------------------------------------------------ Cartona status map */

static void test_status_map(void) {
  erplink_value *doc = load("cartona_status_map.json");
  REQUIRE(doc);
  cartona_status_map *m = NULL;
  REQUIRE(cartona_status_map_new_default(&m) == 0);
  for (int dir = 0; dir < 2; dir++) {
    const erplink_value *t = erplink_value_struct_get(doc, dir ? "inbound" : "outbound");
    for (size_t i = 0; i < erplink_value_count(t); i++) {
      const char *from = erplink_value_struct_key_at(t, i);
      const erplink_value *want = erplink_value_struct_value_at(t, i);
      const char *got = NULL;
      int rc = dir ? cartona_status_map_to_odoo(&got, m, from) : cartona_status_map_to_cartona(&got, m, from);
      if (erplink_value_type(want) == ERPLINK_TYPE_NIL) {
        CHECK_EQ_INT(rc, ERPLINK_EVALIDATION);
      } else {
        const char *w = NULL;
        size_t len = 0;
        erplink_value_get_string(&w, &len, want);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_STR(got, w);
      }
    }
  }
  const erplink_value *t = erplink_value_struct_get(doc, "settable");
  for (size_t i = 0; i < erplink_value_count(t); i++) {
    int b = 0;
    erplink_value_get_bool(&b, erplink_value_struct_value_at(t, i));
    CHECK_EQ_INT(cartona_status_settable(erplink_value_struct_key_at(t, i)), b);
  }
  t = erplink_value_struct_get(doc, "cancellation_reasons");
  for (size_t i = 0; i < erplink_value_count(t); i++) {
    int b = 0;
    erplink_value_get_bool(&b, erplink_value_struct_value_at(t, i));
    CHECK_EQ_INT(cartona_cancellation_reason_valid(erplink_value_struct_key_at(t, i)), b);
  }
  cartona_status_map_free(m);
  erplink_value_free(doc);
}

int main(void) {
  RUN(test_errors);
  RUN(test_razorpay);
  RUN(test_values);
  RUN(test_status_map);
  return test_done();
}
