/* Unit tests of the JSON codec (src/core/json.c). */
#include <dirent.h>
#include <malloc.h>
#include <math.h>

#include "erplink/erplink.h"
#include "arena.h"
#include "internal.h"
#include "json_parse.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static erplink_value *dec(const char *s) {
  erplink_value *v = NULL;
  int rc = erplink_json_decode(&v, s, strlen(s), NULL);
  if (rc) printf("# decode of %.60s failed: %d %s\n", s, rc, erplink_error_message(erplink_error_last()));
  return v;
}

/* Decodes s, expecting failure with code; returns the message (thread's last error). */
static const char *dec_fail(const char *s, size_t len, const erplink_limits *lim, int code) {
  erplink_value *v = (erplink_value *)1;
  int rc = erplink_json_decode(&v, s, len, lim);
  if (rc != code)
    printf("# decode of %.60s: rc %d, expected %d (%s)\n", s, rc, code, erplink_error_message(erplink_error_last()));
  CHECK_EQ_INT(rc, code);
  CHECK(v == NULL);
  if (v && v != (erplink_value *)1) erplink_value_free(v);
  CHECK_EQ_INT(erplink_error_code(erplink_error_last()), code);
  return erplink_error_message(erplink_error_last());
}

static char *enc(const erplink_value *v) {
  char *s = NULL;
  size_t n = 0;
  int rc = erplink_json_encode(&s, &n, v);
  if (rc) printf("# encode failed: %d %s\n", rc, erplink_error_message(erplink_error_last()));
  if (s && strlen(s) != n) printf("# encode length mismatch\n");
  return s;
}

/* decode then encode; returns the text (caller frees) */
static char *reenc(const char *s) {
  erplink_value *v = dec(s);
  if (!v) return NULL;
  char *o = enc(v);
  erplink_value_free(v);
  return o;
}

#define CHECK_REENC(in, expected)                                                                                      \
  do {                                                                                                                 \
    char *test__o = reenc(in);                                                                                         \
    CHECK_EQ_STR(test__o, expected);                                                                                   \
    erplink_free(test__o);                                                                                             \
  } while (0)

static void test_types_decode(void) {
  erplink_value *v = dec("{\"n\":null,\"t\":true,\"f\":false,\"i\":42,\"neg\":-7,\"d\":1.5,\"e\":1E3,"
                         "\"s\":\"h\\u00e9\",\"a\":[1,[2]],\"o\":{},\"ea\":[]}");
  REQUIRE(v);
  CHECK_EQ_INT(erplink_value_type(v), ERPLINK_TYPE_STRUCT);
  CHECK_EQ_INT(erplink_value_count(v), 11);
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(v, "n")), ERPLINK_TYPE_NIL);
  CHECK(erplink_value_struct_get(v, "n") != NULL);
  int b = -1;
  CHECK(erplink_value_get_bool(&b, erplink_value_struct_get(v, "t")) == 0 && b == 1);
  CHECK(erplink_value_get_bool(&b, erplink_value_struct_get(v, "f")) == 0 && b == 0);
  int64_t i = 0;
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(v, "i")) == 0 && i == 42);
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(v, "neg")) == 0 && i == -7);
  double d = 0;
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(v, "d")), ERPLINK_TYPE_DOUBLE);
  CHECK(erplink_value_get_double(&d, erplink_value_struct_get(v, "d")) == 0 && d == 1.5);
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(v, "e")), ERPLINK_TYPE_DOUBLE);
  CHECK(erplink_value_get_double(&d, erplink_value_struct_get(v, "e")) == 0 && d == 1000.0);
  const char *s = NULL;
  size_t n = 0;
  CHECK(erplink_value_get_string(&s, &n, erplink_value_struct_get(v, "s")) == 0 && n == 3 && !strcmp(s, "h\xc3\xa9"));
  const erplink_value *a = erplink_value_struct_get(v, "a");
  CHECK_EQ_INT(erplink_value_count(a), 2);
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(a, 0)) == 0 && i == 1);
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(erplink_value_array_at(a, 1), 0)) == 0 && i == 2);
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(v, "o")), ERPLINK_TYPE_STRUCT);
  CHECK_EQ_INT(erplink_value_count(erplink_value_struct_get(v, "o")), 0);
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(v, "ea")), ERPLINK_TYPE_ARRAY);
  /* decoded trees are read-only */
  CHECK_EQ_INT(erplink_value_struct_set_int((erplink_value *)erplink_value_struct_get(v, "o"), "x", 1), ERPLINK_EINVAL);
  erplink_value_free(v);

  /* top-level scalars and surrounding whitespace */
  v = dec(" \t\r\n 12 \n");
  CHECK(v && erplink_value_get_int(&i, v) == 0 && i == 12);
  erplink_value_free(v);
  v = dec("\"x\"");
  CHECK(v && erplink_value_get_string(&s, NULL, v) == 0 && !strcmp(s, "x"));
  erplink_value_free(v);
  v = dec("null");
  CHECK(v && erplink_value_type(v) == ERPLINK_TYPE_NIL);
  erplink_value_free(v);
  v = dec("-0");
  CHECK(v && erplink_value_type(v) == ERPLINK_TYPE_INT && erplink_value_get_int(&i, v) == 0 && i == 0);
  erplink_value_free(v);
  v = dec("-0.0");
  CHECK(v && erplink_value_get_double(&d, v) == 0 && d == 0 && signbit(d));
  erplink_value_free(v);
}

static void test_int64(void) {
  int64_t i = 0;
  double d = 0;
  erplink_value *v = dec("[9223372036854775807,-9223372036854775808,9223372036854775808,-9223372036854775809,"
                         "123456789012345678901234567890,0,-1]");
  REQUIRE(v);
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(v, 0)) == 0 && i == INT64_MAX);
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(v, 1)) == 0 && i == INT64_MIN);
  /* beyond int64: the nearest double */
  CHECK_EQ_INT(erplink_value_type(erplink_value_array_at(v, 2)), ERPLINK_TYPE_DOUBLE);
  CHECK(erplink_value_get_double(&d, erplink_value_array_at(v, 2)) == 0 && d == 9223372036854775808.0);
  CHECK_EQ_INT(erplink_value_type(erplink_value_array_at(v, 3)), ERPLINK_TYPE_DOUBLE);
  CHECK(erplink_value_get_double(&d, erplink_value_array_at(v, 3)) == 0 && d == -9223372036854775808.0);
  CHECK(erplink_value_get_double(&d, erplink_value_array_at(v, 4)) == 0 && d == 1.2345678901234568e29);
  char *o = enc(v);
  CHECK_EQ_STR(o, "[9223372036854775807,-9223372036854775808,9.223372036854776e+18,-9.223372036854776e+18,"
                  "1.2345678901234568e+29,0,-1]");
  erplink_free(o);
  erplink_value_free(v);

  /* encode extremes built by the caller */
  erplink_value *a;
  REQUIRE(erplink_value_new_array(&a) == 0);
  erplink_value_array_append_int(a, INT64_MIN);
  erplink_value_array_append_int(a, INT64_MAX);
  erplink_value_array_append_int(a, 0);
  o = enc(a);
  CHECK_EQ_STR(o, "[-9223372036854775808,9223372036854775807,0]");
  erplink_free(o);
  erplink_value_free(a);

  /* beyond the double range */
  const char *m = dec_fail("1e400", 5, NULL, ERPLINK_ERANGE);
  CHECK(strstr(m, "1e400") && strstr(m, "range of a double"));
  dec_fail("[-1e999]", 8, NULL, ERPLINK_ERANGE);
  v = dec("1e-400"); /* underflow to 0 is fine */
  CHECK(v && erplink_value_get_double(&d, v) == 0 && d == 0.0);
  erplink_value_free(v);
  /* absurdly long numbers */
  char *big = malloc(5002);
  memset(big, '7', 5000);
  big[5000] = '\0';
  m = dec_fail(big, 5000, NULL, ERPLINK_ELIMIT);
  CHECK(strstr(m, "5000 characters") != NULL);
  /* ...doubles too, which simdjson would parse (the tape does not say how long they were) */
  memcpy(big, "[0.", 3);
  memset(big + 3, '0', 4996);
  memcpy(big + 4999, "1]", 3);
  m = dec_fail(big, 5001, NULL, ERPLINK_ELIMIT);
  CHECK(strstr(m, "4999 characters") != NULL);
  /* 4096 characters are fine */
  memset(big + 3, '0', 4092);
  memcpy(big + 4095, "1]", 3);
  v = dec(big);
  CHECK(v && erplink_value_get_double(&d, erplink_value_array_at(v, 0)) == 0 && d == 0.0);
  erplink_value_free(v);
  free(big);
}

static void test_doubles(void) {
  const double ds[] = {0.1,        1.0 / 3, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -0.0, 1e21, 1e-7,
                       123456.789, -2.5,    100.0,  9007199254740993.0,      0.30000000000000004};
  for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++) {
    erplink_value *v;
    REQUIRE(erplink_value_new_double(&v, ds[k]) == 0);
    char *o = enc(v);
    erplink_value *back = o ? dec(o) : NULL;
    double d = 1;
    CHECK(back && erplink_value_type(back) == ERPLINK_TYPE_DOUBLE);
    CHECK(back && erplink_value_get_double(&d, back) == 0 && memcmp(&d, &ds[k], sizeof d) == 0);
    if (memcmp(&d, &ds[k], sizeof d)) printf("# %.17g -> %s -> %.17g\n", ds[k], o ? o : "?", d);
    erplink_free(o);
    erplink_value_free(back);
    erplink_value_free(v);
  }
  CHECK_REENC("[1.0,100.0,2.5,-0.0,1e300,1E-5]", "[1.0,100.0,2.5,-0.0,1e+300,1e-05]");
  /* integral doubles stay doubles */
  erplink_value *v = dec("[3.0]");
  CHECK(v && erplink_value_type(erplink_value_array_at(v, 0)) == ERPLINK_TYPE_DOUBLE);
  erplink_value_free(v);
}

static void test_utf8(void) {
  /* non-ASCII kept as UTF-8, \u escapes decoded, surrogate pairs combined */
  erplink_value *v = dec("[\"\xe2\x82\xb9 500\",\"\\u20b9\",\"\\ud83d\\ude00\",\"\xf0\x9f\x98\x80\",\"a\\u0000b\","
                         "\"\\u00e9\\u00E9\",\"\\uD834\\uDD1E\"]");
  REQUIRE(v);
  const char *s;
  size_t n;
  CHECK(erplink_value_get_string(&s, &n, erplink_value_array_at(v, 0)) == 0 && !strcmp(s, "\xe2\x82\xb9 500"));
  CHECK(erplink_value_get_string(&s, &n, erplink_value_array_at(v, 1)) == 0 && !strcmp(s, "\xe2\x82\xb9") && n == 3);
  CHECK(erplink_value_get_string(&s, &n, erplink_value_array_at(v, 2)) == 0 && !strcmp(s, "\xf0\x9f\x98\x80") &&
        n == 4);
  CHECK(erplink_value_get_string(&s, &n, erplink_value_array_at(v, 3)) == 0 && !strcmp(s, "\xf0\x9f\x98\x80"));
  CHECK(erplink_value_get_string(&s, &n, erplink_value_array_at(v, 4)) == 0 && n == 3 && memcmp(s, "a\0b", 3) == 0);
  CHECK(erplink_value_get_string(&s, &n, erplink_value_array_at(v, 5)) == 0 && !strcmp(s, "\xc3\xa9\xc3\xa9"));
  CHECK(erplink_value_get_string(&s, &n, erplink_value_array_at(v, 6)) == 0 && !strcmp(s, "\xf0\x9d\x84\x9e"));
  char *o = enc(v);
  CHECK_EQ_STR(o, "[\"\xe2\x82\xb9 500\",\"\xe2\x82\xb9\",\"\xf0\x9f\x98\x80\",\"\xf0\x9f\x98\x80\",\"a\\u0000b\","
                  "\"\xc3\xa9\xc3\xa9\",\"\xf0\x9d\x84\x9e\"]");
  erplink_free(o);
  erplink_value_free(v);
  /* non-ASCII keys */
  v = dec("{\"pr\xc3\xa9\":1,\"\\u20b9\":2}");
  REQUIRE(v);
  int64_t i;
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(v, "\xe2\x82\xb9")) == 0 && i == 2);
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(v, "pr\xc3\xa9")) == 0 && i == 1);
  erplink_value_free(v);
}

static void test_invalid_utf8(void) {
  const char *bad[] = {
      "\"\xff\"",                 /* never valid */
      "\"\xc0\x80\"",             /* overlong NUL */
      "\"\xe0\x80\xaf\"",         /* overlong '/' */
      "\"\xed\xa0\x80\"",         /* encoded surrogate */
      "\"\xf4\x90\x80\x80\"",     /* beyond U+10FFFF */
      "\"\xf5\x80\x80\x80\"",     /* invalid lead byte */
      "\"\xe2\x82\"",             /* truncated sequence */
      "\"a\x80z\"",               /* lone continuation */
      "{\"\xc3\x28\":1}",         /* invalid in a key */
      "[\"ok\",\"\xed\xbf\xbf\"]" /* encoded low surrogate */
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    const char *m = dec_fail(bad[k], strlen(bad[k]), NULL, ERPLINK_EPROTOCOL);
    CHECK(strstr(m, "UTF") != NULL || strstr(m, "utf") != NULL);
    if (!strstr(m, "UTF") && !strstr(m, "utf")) printf("# case %zu: %s\n", k, m);
    CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);
  }
}

static void test_escapes(void) {
  erplink_value *v = dec("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
  const char *s;
  size_t n;
  CHECK(v && erplink_value_get_string(&s, &n, v) == 0 && !strcmp(s, "\"\\/\b\f\n\r\t"));
  erplink_value_free(v);
  /* encoder: every control character, quote, backslash, U+2028/2029, DEL and '/' */
  char raw[40];
  size_t k = 0;
  for (int c = 1; c < 0x20; c++) raw[k++] = (char)c;
  memcpy(raw + k, "\"\\/\x7f", 4);
  k += 4;
  erplink_value *sv;
  REQUIRE(erplink_value_new_stringn(&sv, raw, k) == 0);
  char *o = enc(sv);
  CHECK_EQ_STR(o, "\"\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
                  "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c"
                  "\\u001d\\u001e\\u001f\\\"\\\\/\x7f\"");
  erplink_value *back = o ? dec(o) : NULL;
  CHECK(back && erplink_value_equal(back, sv));
  erplink_free(o);
  erplink_value_free(back);
  erplink_value_free(sv);
  REQUIRE(erplink_value_new_string(&sv, "a\xe2\x80\xa8"
                                        "b\xe2\x80\xa9"
                                        "c\xe2\x80\xaa\xe2\x80\xa8") == 0);
  o = enc(sv);
  CHECK_EQ_STR(o, "\"a\\u2028b\\u2029c\xe2\x80\xaa\\u2028\"");
  back = o ? dec(o) : NULL;
  CHECK(back && erplink_value_equal(back, sv));
  erplink_free(o);
  erplink_value_free(back);
  erplink_value_free(sv);
  REQUIRE(erplink_value_new_stringn(&sv, "\0", 1) == 0);
  o = enc(sv);
  CHECK_EQ_STR(o, "\"\\u0000\"");
  erplink_free(o);
  erplink_value_free(sv);
  /* keys are escaped too */
  CHECK_REENC("{\"a\\\"b\\n\":\"\\u2028\"}", "{\"a\\\"b\\n\":\"\\u2028\"}");
}

static void test_order_and_duplicates(void) {
  erplink_value *v = dec("{\"z\":1,\"a\":2,\"m\":3,\"a\":4}");
  REQUIRE(v);
  CHECK_EQ_INT(erplink_value_count(v), 4);
  const char *k;
  const char *expect[] = {"z", "a", "m", "a"};
  for (size_t i = 0; i < 4; i++) {
    k = erplink_value_struct_key_at(v, i);
    CHECK(erplink_value_struct_value_at(v, i) != NULL && k && !strcmp(k, expect[i]));
  }
  int64_t i;
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(v, "a")) == 0 && i == 4); /* last wins */
  char *o = enc(v);
  CHECK_EQ_STR(o, "{\"z\":1,\"a\":2,\"m\":3,\"a\":4}");
  erplink_free(o);
  erplink_value_free(v);
}

static void test_encode_all_types(void) {
  erplink_value *st, *x;
  REQUIRE(erplink_value_new_struct(&st) == 0);
  erplink_value_new_nil(&x);
  erplink_value_struct_set(st, "nil", x);
  erplink_value_struct_set_bool(st, "t", 1);
  erplink_value_struct_set_bool(st, "f", 0);
  erplink_value_struct_set_int(st, "i", -42);
  erplink_value_struct_set_double(st, "d", 0.5);
  erplink_value_struct_set_string(st, "s", "x");
  erplink_value_new_secret(&x, "hunter2");
  erplink_value_struct_set(st, "secret", x);
  erplink_value_new_bytes(&x,
                          "\x00\xff\x10"
                          "ab",
                          5);
  erplink_value_struct_set(st, "b", x);
  erplink_value_new_bytes(&x, "", 0);
  erplink_value_struct_set(st, "b0", x);
  erplink_value_new_datetime(&x, 2026, 11, 21, 9, 5, 7, 0);
  erplink_value_struct_set(st, "dt", x);
  erplink_value_new_datetime(&x, 1, 1, 1, 0, 0, 0, 42);
  erplink_value_struct_set(st, "dtus", x);
  erplink_value *arr, *inner;
  erplink_value_new_array(&arr);
  erplink_value_new_array(&inner);
  erplink_value_array_append(arr, inner);
  erplink_value_new_struct(&inner);
  erplink_value_array_append(arr, inner);
  erplink_value_array_append_string(arr, "");
  erplink_value_struct_set(st, "a", arr);
  char *o = NULL;
  size_t n = 0;
  CHECK(erplink_json_encode(&o, &n, st) == 0);
  CHECK_EQ_STR(o,
               "{\"nil\":null,\"t\":true,\"f\":false,\"i\":-42,\"d\":0.5,\"s\":\"x\",\"secret\":\"hunter2\","
               "\"b\":\"AP8QYWI=\",\"b0\":\"\",\"dt\":\"2026-11-21 09:05:07\",\"dtus\":\"0001-01-01 00:00:00.000042\","
               "\"a\":[[],{},\"\"]}");
  CHECK(o && n == strlen(o));
  erplink_free(o);
  /* out_len may be NULL */
  CHECK(erplink_json_encode(&o, NULL, st) == 0 && o && o[0] == '{');
  erplink_free(o);
  erplink_value_free(st);
}

static void test_encode_errors(void) {
  erplink_value *a, *x;
  char *o = (char *)1;
  size_t n = 5;
  REQUIRE(erplink_value_new_array(&a) == 0);
  erplink_value_array_append_int(a, 1);
  erplink_value_new_double(&x, NAN);
  erplink_value_array_append(a, x);
  CHECK_EQ_INT(erplink_json_encode(&o, &n, a), ERPLINK_EINVAL);
  CHECK(o == NULL && n == 0);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "NaN") != NULL);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_INVALID);
  erplink_value_free(a);
  REQUIRE(erplink_value_new_double(&x, -INFINITY) == 0);
  CHECK_EQ_INT(erplink_json_encode(&o, NULL, x), ERPLINK_EINVAL);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "infinite") != NULL);
  CHECK_EQ_INT(erplink_json_encode(NULL, NULL, x), ERPLINK_EINVAL);
  erplink_value_free(x);
  CHECK_EQ_INT(erplink_json_encode(&o, NULL, NULL), ERPLINK_EINVAL);
  CHECK(o == NULL);
}

static const char *k_doc =
    "{\"id\": 7, \"name\": \"Caf\xc3\xa9 \\u20b9\\ud83d\\ude00\", \"tags\": [1, -2.5e3, true, false, null, {}, []],"
    " \"nested\": {\"deep\": [[[\"x\\n\\\"\"]]], \"big\": 123456789012345678, \"neg\": -9223372036854775808}}";

static void test_incremental(void) {
  erplink_value *whole = dec(k_doc);
  REQUIRE(whole);
  size_t len = strlen(k_doc);
  erplink_json_decoder *d;
  REQUIRE(erplink_json_decoder_new(&d, NULL) == 0);
  /* byte by byte */
  for (size_t i = 0; i < len; i++) CHECK(erplink_json_decoder_feed(d, k_doc + i, 1) == 0);
  erplink_value *v = NULL;
  CHECK(erplink_json_decoder_finish(&v, d) == 0);
  CHECK(v && erplink_value_equal(v, whole));
  erplink_value_free(v);
  /* the decoder is reusable: every two-piece split, with empty feeds in between */
  for (size_t cut = 0; cut <= len; cut++) {
    int rc = erplink_json_decoder_feed(d, k_doc, cut);
    rc |= erplink_json_decoder_feed(d, NULL, 0);
    rc |= erplink_json_decoder_feed(d, k_doc + cut, len - cut);
    v = NULL;
    rc |= erplink_json_decoder_finish(&v, d);
    CHECK(rc == 0 && v && erplink_value_equal(v, whole));
    erplink_value_free(v);
  }
  /* size hint: accepted before feeding, refused afterwards, harmless when huge */
  CHECK(erplink_json_decoder_set_size_hint(d, SIZE_MAX) == 0);
  CHECK(erplink_json_decoder_feed(d, "[1", 2) == 0);
  CHECK_EQ_INT(erplink_json_decoder_set_size_hint(d, 10), ERPLINK_EINVAL);
  CHECK(erplink_json_decoder_feed(d, "]", 1) == 0);
  CHECK(erplink_json_decoder_finish(&v, d) == 0 && erplink_value_count(v) == 1);
  erplink_value_free(v);
  erplink_json_decoder_free(d);
  erplink_value_free(whole);
}

static void test_syntax_errors(void) {
  struct {
    const char *doc;
    const char *msg; /* substring expected in the message */
  } cases[] = {
      {"1 2", "trailing garbage"},
      {"[1] x", "trailing garbage"},
      {"{}{}", "trailing garbage"},
      {"[1,", "premature EOF"},
      {"{\"a\":", "premature EOF"},
      {"[1,]", "byte"},
      {"{\"a\" 1}", "byte"},
      {"{'a':1}", "invalid"},
      {"NaN", "invalid"},
      {"[Infinity]", "invalid"},
      {"[-Infinity]", "byte"},
      {"/* c */ 1", "byte"},
      {"// c\n1", "byte"},
      {"[1 /* c */]", "byte"},
      {"\"\\x\"", "invalid"},
      {"\"\\u12\"", "byte"},
      {"\"\\ud800\"", "lone high surrogate"},
      {"\"\\udc00\"", "lone low surrogate"},
      {"\"\\ud800\\u0041\"", "not followed by a low surrogate"},
      {"\"\\ud800\\ud800\"", "not followed by a low surrogate"},
      {"\"\\ud800x\"", "lone high surrogate"},
      {"[\"\\uDBFF\\n\"]", "lone high surrogate"},
      {"\"abc", "premature EOF"},
      {"\"a\tb\"", "byte"},
      {"01", "byte"},
      {"1.", "byte"},
      {"+1", "byte"},
      {".5", "byte"},
      {"tru", "byte"},
      {"nul", "byte"},
      {"]", "byte"},
      {"", "empty"},
      {"  \n ", "empty"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const char *m = dec_fail(cases[k].doc, strlen(cases[k].doc), NULL, ERPLINK_EPROTOCOL);
    CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);
    if (!strstr(m, cases[k].msg))
      printf("# case %zu (%s): message \"%s\" lacks \"%s\"\n", k, cases[k].doc, m, cases[k].msg);
    CHECK(strstr(m, cases[k].msg) != NULL);
    CHECK(strstr(m, "JSON") != NULL);
  }
  /* the byte offset is right */
  const char *m = dec_fail("[1, 2, x]", 9, NULL, ERPLINK_EPROTOCOL);
  CHECK(strstr(m, "at byte 8") != NULL || strstr(m, "at byte 7") != NULL);
  m = dec_fail("[\"ok\", \"\\udc00\"]", 16, NULL, ERPLINK_EPROTOCOL);
  CHECK_EQ_STR(m, "invalid JSON at byte 13: a lone low surrogate \\u escape");
  /* surrogate errors are found across piece boundaries (the document is parsed by finish) */
  erplink_json_decoder *d;
  REQUIRE(erplink_json_decoder_new(&d, NULL) == 0);
  const char *doc = "[\"\\ud83d\\u0041\"]";
  int rc = 0;
  for (size_t i = 0; i < strlen(doc) && rc == 0; i++) rc = erplink_json_decoder_feed(d, doc + i, 1);
  CHECK_EQ_INT(rc, 0);
  erplink_value *v = (erplink_value *)1;
  CHECK_EQ_INT(erplink_json_decoder_finish(&v, d), ERPLINK_EPROTOCOL);
  CHECK_EQ_STR(erplink_error_message(erplink_error_last()),
               "invalid JSON at byte 13: a high surrogate \\u escape is not followed by a low surrogate");
  CHECK(v == NULL);
  /* errors of feed (here the size cap) are sticky until finish */
  erplink_json_decoder_free(d);
  erplink_limits *lim;
  REQUIRE(erplink_limits_new(&lim) == 0);
  erplink_limits_set_max_bytes(lim, 4);
  REQUIRE(erplink_json_decoder_new(&d, lim) == 0);
  erplink_limits_free(lim);
  CHECK(erplink_json_decoder_feed(d, "[1,", 3) == 0);
  CHECK_EQ_INT(erplink_json_decoder_feed(d, "2]", 2), ERPLINK_ELIMIT);
  CHECK_EQ_INT(erplink_json_decoder_feed(d, "]", 1), ERPLINK_ELIMIT);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "size cap") != NULL);
  v = (erplink_value *)1;
  CHECK_EQ_INT(erplink_json_decoder_finish(&v, d), ERPLINK_ELIMIT);
  CHECK(v == NULL);
  /* reset: decodes the next document */
  CHECK(erplink_json_decoder_feed(d, "[1]", 3) == 0);
  CHECK(erplink_json_decoder_finish(&v, d) == 0 && v && erplink_value_count(v) == 1);
  erplink_value_free(v);
  erplink_json_decoder_free(d);
}

/* RFC 8259's whitespace is space, tab, line feed and carriage return: form feed and vertical
 * tab (which yajl accepted, issue 9) are errors wherever they appear. */
static void test_whitespace(void) {
  erplink_value *v = dec(" \t\r\n[ 1 ,\t{ \"a\" :\r\n2 } ]\n\r\t ");
  CHECK(v && erplink_value_count(v) == 2);
  erplink_value_free(v);
  const char *bad[] = {"\f1",        "1\f",        "[1,\f2]",        "[1\f,2]", "{\"a\"\f:1}", "{\"a\":\f1}",
                       "\v[]",       "[]\v",       "[\v]",           "{\v}",    "\"x\"\f",     "true\v",
                       "\xc2\xa0[]", "[\xc2\xa0]", "\xef\xbb\xbf[]", "[\x00]",  "\x00"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    size_t n = strlen(bad[k]) + (strcmp(bad[k], "") == 0);
    const char *m = dec_fail(bad[k], n, NULL, ERPLINK_EPROTOCOL);
    if (!strstr(m, "invalid JSON")) printf("# case %zu: %s\n", k, m);
    CHECK(strstr(m, "invalid JSON") != NULL);
    /* the same through the incremental decoder, byte by byte */
    erplink_json_decoder *d;
    REQUIRE(erplink_json_decoder_new(&d, NULL) == 0);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) rc = erplink_json_decoder_feed(d, bad[k] + i, 1);
    erplink_value *x = NULL;
    if (rc == 0) rc = erplink_json_decoder_finish(&x, d);
    CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
    CHECK(x == NULL);
    erplink_json_decoder_free(d);
  }
  /* where: the offset of the form feed */
  CHECK_EQ_STR(dec_fail("[1,\f2]", 6, NULL, ERPLINK_EPROTOCOL), "invalid JSON at byte 3: unexpected byte 0x0c");
}

/* The DOM path and the On-Demand path (the exact one) build the same trees and fail alike. */
static void test_paths_agree(void) {
  const char *docs[] = {
      k_doc, "[]", "{}", "0", "-0", "\"s\"", "[1e-400,-0.0,18446744073709551615,9223372036854775808]",
      "[[],[[]],{\"a\":{}}]", "{\"a\":1,\"a\":2,\"\\u0061\":3}", "[1,", "[1]x", "1 2", "[\"\\udc00\"]",
      "[12345678901234567890123]", "[1e400]", "{\"k\\\"\":[true,false,null]}",
      /* objects nested deeper than the fast path's key cache (8 levels): the
                           fuzzer found pointer arithmetic on its missing row (UBSan) */
      "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":{\"k\":1,\"l\":2},\"m\":3}}}}}}}}}}"};
  const erplink_limits *lim = NULL;
  struct erplink_limits rl;
  erplink__limits_resolve(&rl, lim);
  for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
    size_t n = strlen(docs[k]);
    erplink_value *a = NULL, *b = NULL;
    int ra = erplink_json_decode(&a, docs[k], n, NULL);
    char ma[512];
    snprintf(ma, sizeof ma, "%s", ra ? erplink_error_message(erplink_error_last()) : "");
    char *pad = calloc(1, n + ERPLINK_JSON_PADDING);
    REQUIRE(pad);
    memcpy(pad, docs[k], n);
    int rb = erplink__json_parse_ondemand(&b, pad, n, &rl, n);
    if (ra != rb) printf("# doc %zu: %d vs %d\n", k, ra, rb);
    CHECK_EQ_INT(ra, rb);
    if (ra == 0 && rb == 0) CHECK(erplink_value_equal(a, b));
    if (ra && rb) CHECK_EQ_STR(ma, erplink_error_message(erplink_error_last()));
    erplink_value_free(a);
    erplink_value_free(b);
    free(pad);
  }
  /* deep nesting on the On-Demand path (beyond simdjson's default depth of 1024) */
  erplink_limits *dl;
  REQUIRE(erplink_limits_new(&dl) == 0);
  REQUIRE(erplink_limits_set_max_depth(dl, 100000) == 0);
  struct erplink_limits rdl;
  erplink__limits_resolve(&rdl, dl);
  erplink_limits_free(dl);
  size_t n = 2 * 5000;
  char *deep = calloc(1, n + ERPLINK_JSON_PADDING);
  REQUIRE(deep);
  memset(deep, '[', 5000);
  memset(deep + 5000, ']', 5000);
  erplink_value *v = NULL;
  CHECK(erplink__json_parse_ondemand(&v, deep, n, &rdl, n) == 0 && v);
  erplink_value_free(v);
  CHECK_EQ_INT(erplink__json_parse_ondemand(&v, deep, n, &rl, n), ERPLINK_ELIMIT);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "256 levels") != NULL);
  free(deep);
}

/* ---------------------------------------------------------------- fast path vs exact path
 *
 * The fast path (simdjson's stage 1 + erplink's stage 2) must never accept what the exact
 * path (On-Demand) refuses, and must build the same tree for everything it accepts. Random
 * documents of every kind (nesting, escapes, surrogate pairs, raw UTF-8, numbers at and beyond
 * the int64 bounds, exponents, literals, blanks), then random mutations of them, each decoded
 * from a buffer of exactly its length (ASan sees any read beyond it) by the fast path alone,
 * the exact path and erplink_json_decode(). */
static uint64_t g_rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return g_rng;
}
static unsigned rndn(unsigned n) { return (unsigned)(rnd() % n); }

static void gen_ws(erplink_buf *b) {
  static const char *ws[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
  erplink_buf_puts(b, ws[rndn(7)]);
}

static void gen_string(erplink_buf *b) {
  static const char *parts[] = {"a",
                                "key",
                                "Ünïcödé",
                                "\xe4\xb8\xad",
                                "\xf0\x9f\x98\x80",
                                "\\n",
                                "\\\"",
                                "\\\\",
                                "\\/",
                                "\\u00e9",
                                "\\u0000",
                                "\\ud83d\\ude00",
                                "\\uD834\\uDD1E",
                                "\\t\\b\\f\\r",
                                " ",
                                "0123456789",
                                "abcdefghijklmnopqrstuvwxyz",
                                "\\u2028"};
  erplink_buf_putc(b, '"');
  unsigned n = rndn(4) == 0 ? rndn(40) : rndn(5);
  for (unsigned i = 0; i < n; i++) erplink_buf_puts(b, parts[rndn(sizeof parts / sizeof parts[0])]);
  erplink_buf_putc(b, '"');
}

static void gen_number(erplink_buf *b) {
  static const char *fixed[] = {"0",
                                "-0",
                                "9223372036854775807",
                                "-9223372036854775808",
                                "9223372036854775808",
                                "-9223372036854775809",
                                "18446744073709551615",
                                "18446744073709551616",
                                "123456789012345678901234567890",
                                "1e308",
                                "1e309",
                                "-1e400",
                                "5e-324",
                                "1e-400",
                                "2.2250738585072014e-308",
                                "0.1",
                                "1.7976931348623157e308",
                                "3.141592653589793238462643383279",
                                "1E+2",
                                "1e-2",
                                "-0.0",
                                "100000000000000000000000e-10",
                                "0.000000000000000000000000001"};
  switch (rndn(16) ? 1 + rndn(3) : 0) {
  case 0: erplink_buf_puts(b, fixed[rndn(sizeof fixed / sizeof fixed[0])]); break;
  case 1: erplink_buf_printf(b, "%d", (int)(rnd() % 2000001) - 1000000); break;
  case 2: erplink_buf_printf(b, "%lld", (long long)rnd()); break;
  default:
    erplink_buf_printf(b, "%.*g", 1 + (int)rndn(17), ((double)(int64_t)rnd()) * pow(10.0, (int)rndn(60) - 30));
    break;
  }
}

static void gen_value(erplink_buf *b, int depth) {
  unsigned r = rndn(10);
  if (depth < 6 && r < 2) {
    erplink_buf_putc(b, '[');
    unsigned n = rndn(6);
    for (unsigned i = 0; i < n; i++) {
      if (i) erplink_buf_putc(b, ',');
      gen_ws(b);
      gen_value(b, depth + 1);
      gen_ws(b);
    }
    erplink_buf_putc(b, ']');
  } else if (depth < 6 && r < 4) {
    erplink_buf_putc(b, '{');
    unsigned n = rndn(6);
    for (unsigned i = 0; i < n; i++) {
      if (i) erplink_buf_putc(b, ',');
      gen_ws(b);
      gen_string(b);
      gen_ws(b);
      erplink_buf_putc(b, ':');
      gen_ws(b);
      gen_value(b, depth + 1);
      gen_ws(b);
    }
    erplink_buf_putc(b, '}');
  } else if (r < 6) {
    gen_number(b);
  } else if (r < 8) {
    gen_string(b);
  } else {
    static const char *lit[] = {"true", "false", "null"};
    erplink_buf_puts(b, lit[rndn(3)]);
  }
}

/* Records of one shape (the key cache's case), as API answers send them. */
static void gen_records(erplink_buf *b) {
  static const char *keys[] = {"id", "name", "a_rather_long_key_name_x", "price", "k\\u0065y", "e", "", "twelve_chars"};
  unsigned nk = 1 + rndn(8), nr = 1 + rndn(30);
  erplink_buf_putc(b, '[');
  for (unsigned r = 0; r < nr; r++) {
    if (r) erplink_buf_putc(b, ',');
    erplink_buf_putc(b, '{');
    for (unsigned k = 0; k < nk; k++) {
      if (k) erplink_buf_putc(b, ',');
      /* now and then a different key in the same place */
      erplink_buf_printf(b, "\"%s\":", rndn(10) ? keys[k] : keys[rndn(8)]);
      gen_value(b, 4);
    }
    erplink_buf_putc(b, '}');
  }
  erplink_buf_putc(b, ']');
}

static void mutate(erplink_buf *b) {
  static const char *bytes[] = {"[",   "]",       "{",       "}",     ":",    ",",    "\"",   "\\",
                                " ",   "0",       "9",       "-",     "+",    ".",    "e",    "t",
                                "n",   "f",       "\t",      "\f",    "\x00", "\xff", "\xc3", "\xed\xa0\x80",
                                "\\u", "\\ud800", "\\udc00", "1e400", "true", "null", "\x01"};
  unsigned ops = 1 + rndn(3);
  for (unsigned o = 0; o < ops && b->len; o++) {
    size_t at = rndn((unsigned)b->len);
    const char *m = bytes[rndn(sizeof bytes / sizeof bytes[0])];
    size_t ml = m[0] ? strlen(m) : 1;
    erplink_buf t = ERPLINK_BUF_INIT;
    switch (rndn(3)) {
    case 0: /* replace one byte */
      erplink_buf_put(&t, b->ptr, at);
      erplink_buf_put(&t, m, ml);
      erplink_buf_put(&t, b->ptr + at + 1, b->len - at - 1);
      break;
    case 1: /* insert */
      erplink_buf_put(&t, b->ptr, at);
      erplink_buf_put(&t, m, ml);
      erplink_buf_put(&t, b->ptr + at, b->len - at);
      break;
    default: /* delete up to 3 */
      erplink_buf_put(&t, b->ptr, at);
      if (at + 3 < b->len) erplink_buf_put(&t, b->ptr + at + 3, b->len - at - 3);
      break;
    }
    erplink_buf_free(b);
    *b = t;
  }
}

/* Fast path vs exact path on one document; returns 1 when they disagree. */
static int check_paths(const char *doc, size_t n, const struct erplink_limits *rl, int *accepted) {
  char *exact = malloc(n ? n : 1); /* exactly n bytes: reads beyond are ASan errors */
  char *pad = calloc(1, n + ERPLINK_JSON_PADDING);
  if (!exact || !pad) {
    free(exact);
    free(pad);
    CHECK(!"out of memory");
    return 1;
  }
  memcpy(exact, doc, n);
  memcpy(pad, doc, n);
  erplink_value *f = NULL, *o = NULL, *d = NULL;
  int rf = erplink__json_parse_fast(&f, exact, n, rl);
  int ro = erplink__json_parse_ondemand(&o, pad, n, rl, n);
  char om[256];
  snprintf(om, sizeof om, "%s", ro ? erplink_error_message(erplink_error_last()) : "");
  int rd = erplink_json_decode(&d, exact, n, NULL);
  int bad = 0;
  if (rf == 0 && (ro != 0 || !erplink_value_equal(f, o))) bad = 1; /* fast accepted: the exact path agrees */
  if (rf < 0 && rf != ERPLINK_ENOMEM) bad = 1;                     /* fast never fails on its own */
  if ((rd == 0) != (ro == 0) || (rd == 0 && !erplink_value_equal(d, o))) bad = 1;
  if (bad) {
    printf("# paths disagree (fast %d, exact %d, decode %d) on %.*s\n", rf, ro, rd, (int)(n > 300 ? 300 : n), doc);
    char *ef = NULL, *eo = NULL;
    if (f) erplink_json_encode(&ef, NULL, f);
    if (o) erplink_json_encode(&eo, NULL, o);
    printf("#  fast:  %.300s\n#  exact: %.300s\n", ef ? ef : "-", eo ? eo : om);
    erplink_free(ef);
    erplink_free(eo);
  }
  *accepted += rf == 0;
  erplink_value_free(f);
  erplink_value_free(o);
  erplink_value_free(d);
  free(exact);
  free(pad);
  return bad;
}

static void test_fast_path_differential(void) {
  struct erplink_limits rl;
  erplink__limits_resolve(&rl, NULL);
  int bad = 0, accepted = 0, docs = 0, fast = 0;
  for (int k = 0; k < 3000; k++) {
    erplink_buf b = ERPLINK_BUF_INIT;
    if (k % 3 == 0)
      gen_records(&b);
    else
      gen_value(&b, 0);
    REQUIRE(!b.oom);
    int acc = 0;
    bad += check_paths(b.ptr, b.len, &rl, &acc);
    accepted += acc;
    docs++;
    fast += acc;
    for (int m = 0; m < 4; m++) {
      mutate(&b);
      REQUIRE(!b.oom);
      bad += check_paths(b.ptr ? b.ptr : "", b.len, &rl, &acc);
      docs++;
    }
    erplink_buf_free(&b);
  }
  printf("# %d documents, %d decided by the fast path, %d disagreements\n", docs, accepted, bad);
  CHECK_EQ_INT(bad, 0);
  CHECK(fast > 1000); /* the generator mostly makes containers, which the fast path decides */
}

/* Freed trees' arena blocks are reused by the next decodes, and the cache stays within its cap. */
static void test_block_cache(void) {
  /* a document whose tree takes a few MiB */
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_putc(&b, '[');
  for (int i = 0; i < 40000; i++) erplink_buf_printf(&b, "%s{\"id\":%d,\"name\":\"record %d\"}", i ? "," : "", i, i);
  erplink_buf_putc(&b, ']');
  REQUIRE(!b.oom);
  erplink__arena_cache_drain();
  CHECK_EQ_INT((long long)erplink__arena_cache_bytes(), 0);
  erplink_value *v = NULL;
  REQUIRE(erplink_json_decode(&v, b.ptr, b.len, NULL) == 0);
  size_t used = erplink__arena_used(erplink_arena_of_root(v));
  erplink_value_free(v);
  size_t kept = erplink__arena_cache_bytes();
  printf("# a tree of %zu bytes left %zu bytes in the block cache\n", used, kept);
  CHECK(kept >= used / 2 && kept <= ERPLINK_ARENA_CACHE_MAX);
  /* the next decode takes its blocks from the cache */
  REQUIRE(erplink_json_decode(&v, b.ptr, b.len, NULL) == 0);
  CHECK(erplink__arena_cache_bytes() < kept);
  erplink_value_free(v);
  CHECK_EQ_INT((long long)erplink__arena_cache_bytes(), (long long)kept);
  /* many trees freed at once: the cache keeps at most its cap, the rest goes back to malloc */
  enum { N = 40 };
  erplink_value *many[N];
  for (int i = 0; i < N; i++) REQUIRE(erplink_json_decode(&many[i], b.ptr, b.len, NULL) == 0);
  CHECK(erplink__arena_cache_bytes() == 0);
  for (int i = 0; i < N; i++) erplink_value_free(many[i]);
  printf("# %d trees freed: %zu bytes cached (cap %zu)\n", N, erplink__arena_cache_bytes(),
         (size_t)ERPLINK_ARENA_CACHE_MAX);
  CHECK(erplink__arena_cache_bytes() <= ERPLINK_ARENA_CACHE_MAX);
  CHECK(erplink__arena_cache_bytes() > ERPLINK_ARENA_CACHE_MAX / 2);
  erplink__arena_cache_drain();
  CHECK_EQ_INT((long long)erplink__arena_cache_bytes(), 0);
  erplink_buf_free(&b);
  /* a document of more tokens than the thread's parser keeps resident (5M tokens: 20 MB of
   * indexes, trimmed to 16 MiB after each decode): decoded right, twice */
  size_t n = 2 * 2500000 + 1;
  char *big = malloc(n);
  REQUIRE(big);
  big[0] = '[';
  for (size_t i = 1; i < n; i += 2) big[i] = '7', big[i + 1] = ',';
  big[n - 1] = ']';
  for (int round = 0; round < 2; round++) {
    REQUIRE(erplink_json_decode(&v, big, n, NULL) == 0);
    CHECK_EQ_INT((long long)erplink_value_count(v), 2500000);
    int64_t x = 0;
    CHECK(erplink_value_get_int(&x, erplink_value_array_at(v, 2499999)) == 0 && x == 7);
    erplink_value_free(v);
  }
  free(big);
  erplink__arena_cache_drain();
}

static void test_truncated_prefixes(void) {
  size_t len = strlen(k_doc);
  for (size_t cut = 0; cut < len; cut++) {
    erplink_value *v = (erplink_value *)1;
    int rc = erplink_json_decode(&v, k_doc, cut, NULL);
    if (rc != ERPLINK_EPROTOCOL) printf("# prefix %zu: rc %d\n", cut, rc);
    CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
    CHECK(v == NULL);
  }
  /* a scalar document: prefixes that are themselves valid JSON decode (e.g. "12" of "123") */
  erplink_value *v;
  CHECK(erplink_json_decode(&v, "123", 2, NULL) == 0);
  int64_t i;
  CHECK(v && erplink_value_get_int(&i, v) == 0 && i == 12);
  erplink_value_free(v);
}

static void test_html(void) {
  const char *html = "\n  <!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>";
  const char *m = dec_fail(html, strlen(html), NULL, ERPLINK_EPROTOCOL);
  CHECK_EQ_STR(m, "the server answered HTML, not JSON");
  CHECK_EQ_STR(erplink_error_detail(erplink_error_last()),
               "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>");
  /* long, with control bytes and invalid UTF-8: sanitised and cut to at most 200 bytes */
  char big[1000];
  memset(big, 'x', sizeof big);
  memcpy(big, "<html>\x01\xff\xc3\xa9\r", 11);
  dec_fail(big, sizeof big, NULL, ERPLINK_EPROTOCOL);
  const char *det = erplink_error_detail(erplink_error_last());
  REQUIRE(det);
  CHECK(strlen(det) <= 200 && strlen(det) >= 190);
  CHECK(strncmp(det, "<html>??\xc3\xa9?xxx", 14) == 0);
  if (strncmp(det, "<html>??\xc3\xa9?xxx", 14)) printf("# detail: %.20s\n", det);
  CHECK(erplink__utf8_valid(det, strlen(det)));
  /* a multi-byte character cut at the 200-byte boundary is dropped, not split */
  memset(big, 'y', sizeof big);
  big[0] = '<';
  memcpy(big + 199, "\xe2\x82\xb9", 3);
  dec_fail(big, sizeof big, NULL, ERPLINK_EPROTOCOL);
  det = erplink_error_detail(erplink_error_last());
  CHECK(det && strlen(det) == 199 && erplink__utf8_valid(det, strlen(det)));
  /* fed byte by byte: feed fails once 200 bytes are in, finish reports the same */
  erplink_json_decoder *d;
  REQUIRE(erplink_json_decoder_new(&d, NULL) == 0);
  int rc = 0;
  size_t fed = 0;
  memset(big, 'z', sizeof big);
  big[0] = '<';
  for (; fed < sizeof big && rc == 0; fed++) rc = erplink_json_decoder_feed(d, big + fed, 1);
  CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(fed, 200);
  erplink_value *v;
  CHECK_EQ_INT(erplink_json_decoder_finish(&v, d), ERPLINK_EPROTOCOL);
  CHECK_EQ_STR(erplink_error_message(erplink_error_last()), "the server answered HTML, not JSON");
  /* short HTML: reported by finish with all of it */
  CHECK(erplink_json_decoder_feed(d, " <p>", 4) == 0);
  CHECK(erplink_json_decoder_feed(d, "hi", 2) == 0);
  CHECK_EQ_INT(erplink_json_decoder_finish(&v, d), ERPLINK_EPROTOCOL);
  CHECK_EQ_STR(erplink_error_detail(erplink_error_last()), "<p>hi");
  erplink_json_decoder_free(d);
}

static char *nest(size_t depth, size_t *len) {
  char *s = malloc(2 * depth + 2);
  memset(s, '[', depth);
  memset(s + depth, ']', depth);
  s[2 * depth] = '\0';
  *len = 2 * depth;
  return s;
}

static void test_caps(void) {
  erplink_limits *lim;
  REQUIRE(erplink_limits_new(&lim) == 0);
  erplink_limits_set_max_depth(lim, 5);
  erplink_value *v;
  CHECK(erplink_json_decode(&v, "[[[[{\"a\":1}]]]]", 15, lim) == 0);
  erplink_value_free(v);
  const char *m = dec_fail("[[[[[[1]]]]]]", 13, lim, ERPLINK_ELIMIT);
  CHECK(strstr(m, "depth cap") != NULL && strstr(m, "5 levels") != NULL && strstr(m, "at byte 5") != NULL);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);
  erplink_limits_free(lim);

  /* elements: the array itself counts */
  REQUIRE(erplink_limits_new(&lim) == 0);
  erplink_limits_set_max_elements(lim, 10);
  CHECK(erplink_json_decode(&v, "[1,2,3,4,5,6,7,8,9]", 19, lim) == 0);
  erplink_value_free(v);
  m = dec_fail("[1,2,3,4,5,6,7,8,9,10]", 22, lim, ERPLINK_ELIMIT);
  CHECK(strstr(m, "element cap") != NULL);
  dec_fail("{\"a\":{\"b\":[1,2,3,4,5,6,7,8,9]}}", 31, lim, ERPLINK_ELIMIT);
  erplink_limits_free(lim);

  /* bytes */
  REQUIRE(erplink_limits_new(&lim) == 0);
  erplink_limits_set_max_bytes(lim, 10);
  CHECK(erplink_json_decode(&v, "[1,2,3,44]", 10, lim) == 0);
  erplink_value_free(v);
  m = dec_fail("[1,2,3,4,5]", 11, lim, ERPLINK_ELIMIT);
  CHECK(strstr(m, "size cap") != NULL && strstr(m, "10 bytes") != NULL);
  erplink_limits_free(lim);

  /* 100,000-deep nesting: clean ELIMIT with the default caps, no recursion anywhere */
  size_t len;
  char *deep = nest(100000, &len);
  m = dec_fail(deep, len, NULL, ERPLINK_ELIMIT);
  CHECK(strstr(m, "256 levels") != NULL);
  /* ...and decodes, encodes back identically and frees, with the depth cap at its maximum */
  REQUIRE(erplink_limits_new(&lim) == 0);
  CHECK(erplink_limits_set_max_depth(lim, 100000) == 0);
  v = NULL;
  CHECK(erplink_json_decode(&v, deep, len, lim) == 0);
  char *o = v ? enc(v) : NULL;
  CHECK(o && strcmp(o, deep) == 0);
  erplink_free(o);
  erplink_value_free(v);
  free(deep);
  deep = nest(100001, &len);
  dec_fail(deep, len, lim, ERPLINK_ELIMIT);
  /* same with objects */
  char *od = malloc(100001 * 6 + 8);
  size_t k = 0;
  for (int i = 0; i < 100001; i++) k += (size_t)sprintf(od + k, "{\"a\":");
  od[k++] = '1';
  memset(od + k, '}', 100001);
  k += 100001;
  dec_fail(od, k, lim, ERPLINK_ELIMIT);
  free(od);
  erplink_limits_free(lim);
  free(deep);
}

static size_t heap_in_use(void) {
#if defined(UNDER_ASAN)
  return 0;
#else
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#endif
}

static void test_huge_claimed_body(void) {
  /* A body claiming 8 GiB (size hint), capped at 1 MiB, fed in 64 KiB pieces: one long string. */
  erplink_limits *lim;
  REQUIRE(erplink_limits_new(&lim) == 0);
  erplink_limits_set_max_bytes(lim, 1u << 20);
  erplink_json_decoder *d;
  REQUIRE(erplink_json_decoder_new(&d, lim) == 0);
  erplink_limits_free(lim); /* the decoder keeps a copy */
  size_t before = heap_in_use();
  CHECK(erplink_json_decoder_set_size_hint(d, (size_t)8 << 30) == 0);
  char *chunk = malloc(65536);
  memset(chunk, 'a', 65536);
  chunk[0] = '"';
  size_t fed = 0;
  int rc = 0;
  size_t peak = 0;
  for (int i = 0; i < 1000 && rc == 0; i++) {
    rc = erplink_json_decoder_feed(d, chunk, 65536);
    if (rc == 0) fed += 65536;
    size_t now = heap_in_use();
    if (now > peak) peak = now;
    chunk[0] = 'a';
  }
  CHECK_EQ_INT(rc, ERPLINK_ELIMIT);
  CHECK_EQ_INT(fed, 1u << 20); /* 16 pieces fit exactly; the 17th is refused */
  CHECK(strstr(erplink_error_message(erplink_error_last()), "size cap") != NULL);
  if (before) {
    /* the decoder accumulates the body (at most the 1 MiB cap, padded); nothing near 8 GiB */
    printf("# heap growth %zu bytes\n", peak - before);
    CHECK(peak - before < (8u << 20));
  }
  erplink_value *v;
  CHECK_EQ_INT(erplink_json_decoder_finish(&v, d), ERPLINK_ELIMIT);
  free(chunk);
  erplink_json_decoder_free(d);
}

static void test_null_args(void) {
  erplink_value *v;
  CHECK_EQ_INT(erplink_json_decode(NULL, "1", 1, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_json_decode(&v, NULL, 1, NULL), ERPLINK_EINVAL);
  CHECK(v == NULL);
  dec_fail(NULL, 0, NULL, ERPLINK_EPROTOCOL); /* NULL, 0 is an empty document */
  CHECK_EQ_INT(erplink_json_decoder_new(NULL, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_json_decoder_feed(NULL, "1", 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_json_decoder_finish(&v, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_json_decoder_set_size_hint(NULL, 1), ERPLINK_EINVAL);
  erplink_json_decoder *d;
  REQUIRE(erplink_json_decoder_new(&d, NULL) == 0);
  CHECK_EQ_INT(erplink_json_decoder_feed(d, NULL, 3), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_json_decoder_finish(NULL, d), ERPLINK_EINVAL);
  /* free with a partial document inside */
  CHECK(erplink_json_decoder_feed(d, "{\"a\":[1,2,{\"b\":\"xx", 18) == 0);
  erplink_json_decoder_free(d);
  erplink_json_decoder_free(NULL);
}

/* ---------------------------------------------------------------- fixtures */

/* Splits an HTTP transcript: body after the first blank line, de-chunked if needed. */
static char *http_body(char *raw, size_t len, size_t *body_len, char **ctype) {
  char *sep = strstr(raw, "\r\n\r\n");
  size_t hl = 4;
  if (!sep) {
    sep = strstr(raw, "\n\n");
    hl = 2;
  }
  if (!sep) return NULL;
  *sep = '\0';
  char *body = sep + hl;
  *body_len = len - (size_t)(body - raw);
  *ctype = NULL;
  bool chunked = false;
  for (char *line = strchr(raw, '\n'); line; line = strchr(line + 1, '\n')) {
    if (!strncasecmp(line + 1, "content-type:", 13)) *ctype = line + 14;
    if (!strncasecmp(line + 1, "transfer-encoding:", 18) && strstr(line + 19, "chunked")) chunked = true;
  }
  if (chunked) {
    char *o = body, *p = body, *end = body + *body_len;
    while (p < end) {
      char *e;
      unsigned long n = strtoul(p, &e, 16);
      char *nl = strstr(e, "\r\n");
      if (!nl || n == 0) break;
      p = nl + 2;
      if (p + n > end) break;
      memmove(o, p, n);
      o += n;
      p += n + 2;
    }
    *body_len = (size_t)(o - body);
  }
  return body;
}

static void decode_fixture_dir(const char *rel, int *json_ok, int *non_json) {
  const char *dir = test_fixture_path(rel);
  char dirpath[1024];
  snprintf(dirpath, sizeof dirpath, "%s", dir);
  DIR *dp = opendir(dirpath);
  if (!dp) printf("# cannot open %s\n", dirpath);
  REQUIRE(dp);
  struct dirent *de;
  while ((de = readdir(dp))) {
    size_t nl = strlen(de->d_name);
    if (nl < 9 || strcmp(de->d_name + nl - 9, ".response")) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dirpath, de->d_name);
    size_t len;
    char *raw = test_read_file(path, &len);
    CHECK(raw != NULL);
    if (!raw) continue;
    size_t blen;
    char *ctype;
    char *body = http_body(raw, len, &blen, &ctype);
    CHECK(body != NULL);
    if (body) {
      char ct[128] = "";
      if (ctype) {
        size_t cl = strcspn(ctype, "\r\n");
        snprintf(ct, sizeof ct, "%.*s", (int)(cl < sizeof ct ? cl : sizeof ct - 1), ctype);
      }
      bool is_json = strstr(ct, "application/json") != NULL;
      erplink_value *v = NULL;
      int rc = erplink_json_decode(&v, body, blen, NULL);
      if (is_json) {
        if (rc) printf("# %s: %s\n", de->d_name, erplink_error_message(erplink_error_last()));
        CHECK_EQ_INT(rc, 0);
        /* and the incremental decoder, in odd-sized pieces, agrees */
        erplink_json_decoder *d;
        erplink_value *v2 = NULL;
        if (erplink_json_decoder_new(&d, NULL) == 0) {
          int rc2 = 0;
          for (size_t off = 0; off < blen && rc2 == 0; off += 977)
            rc2 = erplink_json_decoder_feed(d, body + off, blen - off < 977 ? blen - off : 977);
          if (rc2 == 0) rc2 = erplink_json_decoder_finish(&v2, d);
          CHECK(rc2 == 0 && erplink_value_equal(v, v2));
          erplink_json_decoder_free(d);
        }
        erplink_value_free(v2);
        (*json_ok)++;
      } else {
        /* the HTML and text/plain answers of the transcripts fail as "not JSON" */
        CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
        size_t i = 0;
        while (i < blen && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r')) i++;
        if (i < blen && body[i] == '<')
          CHECK_EQ_STR(erplink_error_message(erplink_error_last()), "the server answered HTML, not JSON");
        (*non_json)++;
      }
      erplink_value_free(v);
    }
    free(raw);
  }
  closedir(dp);
}

static erplink_value *fixture_value(const char *rel) {
  size_t len, blen;
  char *raw = test_read_file(test_fixture_path(rel), &len);
  if (!raw) return NULL;
  char *ctype;
  char *body = http_body(raw, len, &blen, &ctype);
  erplink_value *v = NULL;
  if (body) erplink_json_decode(&v, body, blen, NULL);
  free(raw);
  return v;
}

static void test_fixtures(void) {
  int ok19 = 0, ok17 = 0, ok19rpc = 0, non_json = 0;
  decode_fixture_dir("odoo19/json2", &ok19, &non_json);
  decode_fixture_dir("odoo17/jsonrpc", &ok17, &non_json);
  decode_fixture_dir("odoo19/jsonrpc", &ok19rpc, &non_json);
  printf("# decoded %d odoo19/json2, %d odoo17/jsonrpc, %d odoo19/jsonrpc bodies; %d non-JSON bodies rejected\n", ok19,
         ok17, ok19rpc, non_json);
  CHECK(ok19 >= 70);
  CHECK(ok17 >= 45);
  CHECK(non_json >= 6);

  /* spot checks */
  erplink_value *v = fixture_value("odoo19/json2/08_search_count.response");
  int64_t i = 0;
  CHECK(v && erplink_value_get_int(&i, v) == 0 && i == 12);
  erplink_value_free(v);

  v = fixture_value("odoo19/json2/01_search_read_product_template.response");
  REQUIRE(v);
  CHECK_EQ_INT(erplink_value_count(v), 5);
  const erplink_value *r0 = erplink_value_array_at(v, 0);
  const char *s = NULL;
  double d = 0;
  int b = -1;
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(r0, "id")) == 0 && i == 1);
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_struct_get(r0, "name")) == 0 &&
        !strcmp(s, "Restaurant Expenses"));
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(r0, "list_price")), ERPLINK_TYPE_DOUBLE);
  CHECK(erplink_value_get_double(&d, erplink_value_struct_get(r0, "list_price")) == 0 && d == 14.0);
  const erplink_value *categ = erplink_value_struct_get(r0, "categ_id");
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(categ, 0)) == 0 && i == 2);
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_array_at(categ, 1)) == 0 && !strcmp(s, "Expenses"));
  CHECK(erplink_value_get_bool(&b, erplink_value_struct_get(r0, "default_code")) == 0 && b == 0);
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_struct_get(r0, "create_date")) == 0 &&
        !strcmp(s, "2026-11-21 10:39:46"));
  erplink_value_free(v);

  v = fixture_value("odoo17/jsonrpc/execute_kw_read_sale_order_dates.response");
  REQUIRE(v);
  const erplink_value *res = erplink_value_array_at(erplink_value_struct_get(v, "result"), 0);
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_struct_get(v, "jsonrpc")) == 0 && !strcmp(s, "2.0"));
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(v, "id")) == 0 && i == 38);
  CHECK(erplink_value_get_double(&d, erplink_value_struct_get(res, "amount_total")) == 0 && d == 2576.0);
  CHECK_EQ_INT(erplink_value_count(erplink_value_struct_get(res, "order_line")), 4);
  erplink_value_free(v);

  v = fixture_value("odoo17/jsonrpc/execute_kw_bigint_arg.response");
  REQUIRE(v);
  const erplink_value *data = erplink_value_struct_get(erplink_value_struct_get(v, "error"), "data");
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_struct_get(data, "name")) == 0 &&
        !strcmp(s, "psycopg2.errors.NumericValueOutOfRange"));
  erplink_value_free(v);
}

int main(void) {
  RUN(test_types_decode);
  RUN(test_int64);
  RUN(test_doubles);
  RUN(test_utf8);
  RUN(test_invalid_utf8);
  RUN(test_escapes);
  RUN(test_order_and_duplicates);
  RUN(test_encode_all_types);
  RUN(test_encode_errors);
  RUN(test_incremental);
  RUN(test_syntax_errors);
  RUN(test_whitespace);
  RUN(test_paths_agree);
  RUN(test_fast_path_differential);
  RUN(test_block_cache);
  RUN(test_truncated_prefixes);
  RUN(test_html);
  RUN(test_caps);
  RUN(test_huge_claimed_body);
  RUN(test_null_args);
  RUN(test_fixtures);
  return test_done();
}
