/* Unit tests of the XML-RPC codec (src/core/xmlrpc.c). */
#include <float.h>
#include <math.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "test.h"

/* Checks a return code, the thread's last error code and that the message contains sub. */
#define CHECK_ERR(expr, code, sub)                                                                                     \
  do {                                                                                                                 \
    int r__ = (expr);                                                                                                  \
    CHECK_EQ_INT(r__, (code));                                                                                         \
    CHECK_EQ_INT(erplink_error_code(erplink_error_last()), (code));                                                    \
    const char *m__ = erplink_error_message(erplink_error_last());                                                     \
    if (!m__ || !strstr(m__, (sub))) {                                                                                 \
      printf("# %s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, m__ ? m__ : "(null)", (sub));               \
      test__failed_checks++;                                                                                           \
    }                                                                                                                  \
  } while (0)

static const char *last_msg(void) { return erplink_error_message(erplink_error_last()); }

/* Encodes v as a response and returns the part between <param> and </param>. */
static char *enc_value(const erplink_value *v, int *rc_out) {
  char *out = NULL;
  size_t n = 0;
  int rc = erplink_xmlrpc_encode_response(&out, &n, v);
  if (rc_out) *rc_out = rc;
  if (rc) return NULL;
  const char *a = strstr(out, "<param>"), *b = strstr(out, "</param>");
  if (!a || !b || strlen(out) != n) {
    erplink_free(out);
    return NULL;
  }
  a += 7;
  char *r = malloc((size_t)(b - a) + 1);
  memcpy(r, a, (size_t)(b - a));
  r[b - a] = '\0';
  erplink_free(out);
  return r;
}

#define CHECK_ENC(v, expected)                                                                                         \
  do {                                                                                                                 \
    int rc__;                                                                                                          \
    char *s__ = enc_value((v), &rc__);                                                                                 \
    CHECK_EQ_INT(rc__, 0);                                                                                             \
    CHECK_EQ_STR(s__, (expected));                                                                                     \
    free(s__);                                                                                                         \
  } while (0)

/* Wraps a <value> in a methodResponse and decodes it. */
static int dec(erplink_value **out, const char *value_xml) {
  char buf[8192];
  snprintf(buf, sizeof buf,
           "<?xml version=\"1.0\"?>\n<methodResponse><params><param>%s</param></params></methodResponse>", value_xml);
  int fault = -1;
  int rc = erplink_xmlrpc_decode_response(out, &fault, buf, strlen(buf), NULL);
  if (rc == 0 && fault != 0) {
    printf("# unexpected fault flag\n");
    test__failed_checks++;
  }
  return rc;
}

static int decs(erplink_value **out, const char *doc) {
  return erplink_xmlrpc_decode_response(out, NULL, doc, strlen(doc), NULL);
}

/* ---------------------------------------------------------------- encoding */

static void test_encode_scalars(void) {
  erplink_value *v;
  REQUIRE(erplink_value_new_nil(&v) == 0);
  CHECK_ENC(v, "<value><nil/></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_bool(&v, 1) == 0);
  CHECK_ENC(v, "<value><boolean>1</boolean></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_bool(&v, 0) == 0);
  CHECK_ENC(v, "<value><boolean>0</boolean></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_int(&v, 42) == 0);
  CHECK_ENC(v, "<value><int>42</int></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_int(&v, INT32_MIN) == 0);
  CHECK_ENC(v, "<value><int>-2147483648</int></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_int(&v, INT32_MAX) == 0);
  CHECK_ENC(v, "<value><int>2147483647</int></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_int(&v, (int64_t)INT32_MAX + 1) == 0);
  CHECK_ENC(v, "<value><i8>2147483648</i8></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_int(&v, INT64_MIN) == 0);
  CHECK_ENC(v, "<value><i8>-9223372036854775808</i8></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_int(&v, INT64_MAX) == 0);
  CHECK_ENC(v, "<value><i8>9223372036854775807</i8></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_double(&v, 1.5) == 0);
  CHECK_ENC(v, "<value><double>1.5</double></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_double(&v, 0.1) == 0);
  CHECK_ENC(v, "<value><double>0.1</double></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_double(&v, 3.0) == 0);
  CHECK_ENC(v, "<value><double>3.0</double></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_double(&v, -0.0) == 0);
  CHECK_ENC(v, "<value><double>-0.0</double></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_string(&v, "a&b<c>d\r\ne\t\"'") == 0);
  CHECK_ENC(v, "<value><string>a&amp;b&lt;c&gt;d&#13;\ne\t\"'</string></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_string(&v, "") == 0);
  CHECK_ENC(v, "<value><string></string></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_string(&v, "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \xef\xbf\xbd") == 0);
  CHECK_ENC(v, "<value><string>caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 \xef\xbf\xbd</string></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_bytes(&v, "", 0) == 0);
  CHECK_ENC(v, "<value><base64></base64></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_bytes(&v, "a", 1) == 0);
  CHECK_ENC(v, "<value><base64>YQ==</base64></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_bytes(&v, "ab", 2) == 0);
  CHECK_ENC(v, "<value><base64>YWI=</base64></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_bytes(&v, "abc\0\xff", 5) == 0);
  CHECK_ENC(v, "<value><base64>YWJjAP8=</base64></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_datetime(&v, 2024, 2, 29, 23, 5, 9, 123456) == 0);
  CHECK_ENC(v, "<value><dateTime.iso8601>20240229T23:05:09</dateTime.iso8601></value>");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_datetime(&v, 7, 1, 2, 3, 4, 5, 0) == 0);
  CHECK_ENC(v, "<value><dateTime.iso8601>00070102T03:04:05</dateTime.iso8601></value>");
  erplink_value_free(v);
}

static void test_encode_errors(void) {
  erplink_value *v;
  char *out = (char *)1;
  size_t n = 7;
  REQUIRE(erplink_value_new_double(&v, NAN) == 0);
  CHECK_ERR(erplink_xmlrpc_encode_response(&out, &n, v), ERPLINK_EINVAL, "NaN");
  CHECK(out == NULL && n == 0);
  erplink_value_free(v);
  REQUIRE(erplink_value_new_double(&v, -INFINITY) == 0);
  CHECK_ERR(erplink_xmlrpc_encode_response(&out, &n, v), ERPLINK_EINVAL, "infinite");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_string(&v, "bell\x07") == 0);
  CHECK_ERR(erplink_xmlrpc_encode_response(&out, &n, v), ERPLINK_EINVAL, "U+0007, which XML 1.0 cannot carry");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_stringn(&v, "nul\0x", 5) == 0);
  CHECK_ERR(erplink_xmlrpc_encode_response(&out, &n, v), ERPLINK_EINVAL, "U+0000");
  erplink_value_free(v);
  REQUIRE(erplink_value_new_string(&v, "x\xef\xbf\xbfy") == 0);
  CHECK_ERR(erplink_xmlrpc_encode_response(&out, &n, v), ERPLINK_EINVAL, "U+FFFF");
  erplink_value_free(v);
  /* a bad key inside a struct inside an array */
  erplink_value *a, *st;
  REQUIRE(erplink_value_new_array(&a) == 0);
  REQUIRE(erplink_value_new_struct(&st) == 0);
  REQUIRE(erplink_value_struct_set_int(st, "k\x1f", 1) == 0);
  REQUIRE(erplink_value_array_append(a, st) == 0);
  CHECK_ERR(erplink_xmlrpc_encode_response(&out, &n, a), ERPLINK_EINVAL, "struct member name");
  CHECK_ERR(erplink_xmlrpc_encode_call(&out, &n, "m", a), ERPLINK_EINVAL, "U+001F");
  CHECK(out == NULL);
  erplink_value_free(a);

  CHECK_ERR(erplink_xmlrpc_encode_response(NULL, &n, NULL), ERPLINK_EINVAL, "out is NULL");
  CHECK_ERR(erplink_xmlrpc_encode_response(&out, &n, NULL), ERPLINK_EINVAL, "result is NULL");
  CHECK_ERR(erplink_xmlrpc_encode_call(&out, &n, "", NULL), ERPLINK_EINVAL, "method name");
  CHECK_ERR(erplink_xmlrpc_encode_call(&out, &n, NULL, NULL), ERPLINK_EINVAL, "method name");
  CHECK_ERR(erplink_xmlrpc_encode_call(&out, &n, "a\xff", NULL), ERPLINK_EINVAL, "UTF-8");
  REQUIRE(erplink_value_new_int(&v, 1) == 0);
  CHECK_ERR(erplink_xmlrpc_encode_call(&out, &n, "m", v), ERPLINK_EINVAL, "params must be an array");
  erplink_value_free(v);
  CHECK_ERR(erplink_xmlrpc_encode_fault(&out, &n, 1, NULL), ERPLINK_EINVAL, "fault string");
  CHECK_ERR(erplink_xmlrpc_encode_fault(&out, &n, 1, "\x01"), ERPLINK_EINVAL, "U+0001");
}

static void test_encode_containers(void) {
  erplink_value *a, *st, *inner, *e;
  REQUIRE(erplink_value_new_array(&a) == 0);
  CHECK_ENC(a, "<value><array><data></data></array></value>");
  REQUIRE(erplink_value_new_struct(&st) == 0);
  CHECK_ENC(st, "<value><struct></struct></value>");
  REQUIRE(erplink_value_struct_set_int(st, "id", 7) == 0);
  REQUIRE(erplink_value_struct_set_string(st, "a<b", "x") == 0);
  REQUIRE(erplink_value_new_array(&inner) == 0);
  REQUIRE(erplink_value_array_append_int(inner, 3) == 0);
  REQUIRE(erplink_value_array_append_string(inner, "Azure") == 0);
  REQUIRE(erplink_value_struct_set(st, "partner_id", inner) == 0);
  REQUIRE(erplink_value_new_struct(&e) == 0);
  REQUIRE(erplink_value_struct_set(st, "empty", e) == 0);
  REQUIRE(erplink_value_array_append(a, st) == 0);
  REQUIRE(erplink_value_array_append_int(a, -1) == 0);
  CHECK_ENC(a, "<value><array><data><value><struct>"
               "<member><name>id</name><value><int>7</int></value></member>"
               "<member><name>a&lt;b</name><value><string>x</string></value></member>"
               "<member><name>partner_id</name><value><array><data><value><int>3</int></value>"
               "<value><string>Azure</string></value></data></array></value></member>"
               "<member><name>empty</name><value><struct></struct></value></member>"
               "</struct></value><value><int>-1</int></value></data></array></value>");
  erplink_value_free(a); /* frees st too */
}

static void test_encode_call_fault(void) {
  char *out;
  size_t n;
  erplink_value *p;
  REQUIRE(erplink_value_new_array(&p) == 0);
  REQUIRE(erplink_value_array_append_string(p, "db") == 0);
  REQUIRE(erplink_value_array_append_int(p, 2) == 0);
  REQUIRE(erplink_xmlrpc_encode_call(&out, &n, "execute_kw", p) == 0);
  CHECK_EQ_STR(out, "<?xml version=\"1.0\"?>\n<methodCall><methodName>execute_kw</methodName><params>"
                    "<param><value><string>db</string></value></param><param><value><int>2</int></value></param>"
                    "</params></methodCall>\n");
  CHECK_EQ_INT(n, strlen(out));
  /* and back */
  char *m;
  erplink_value *q;
  REQUIRE(erplink_xmlrpc_decode_call(&m, &q, out, n, NULL) == 0);
  CHECK_EQ_STR(m, "execute_kw");
  CHECK(erplink_value_equal(p, q));
  erplink_free(m);
  erplink_value_free(q);
  erplink_free(out);
  erplink_value_free(p);

  REQUIRE(erplink_xmlrpc_encode_call(&out, NULL, "version", NULL) == 0);
  CHECK_EQ_STR(out,
               "<?xml version=\"1.0\"?>\n<methodCall><methodName>version</methodName><params></params></methodCall>\n");
  erplink_free(out);

  REQUIRE(erplink_xmlrpc_encode_fault(&out, &n, 3, "Access <Denied>") == 0);
  CHECK_EQ_STR(out, "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct><member><name>faultCode</name>"
                    "<value><int>3</int></value></member><member><name>faultString</name><value><string>Access "
                    "&lt;Denied&gt;</string></value></member></struct></value></fault></methodResponse>\n");
  int fault = 0;
  erplink_value *v;
  REQUIRE(erplink_xmlrpc_decode_response(&v, &fault, out, n, NULL) == 0);
  CHECK_EQ_INT(fault, 1);
  int64_t code = 0;
  const char *s = NULL;
  CHECK(erplink_value_get_int(&code, erplink_value_struct_get(v, "faultCode")) == 0 && code == 3);
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_struct_get(v, "faultString")) == 0);
  CHECK_EQ_STR(s, "Access <Denied>");
  erplink_value_free(v);
  erplink_free(out);
}

/* Builds a tree with every type and checks encode -> decode gives it back. */
static void test_roundtrip(void) {
  erplink_value *a, *st, *x;
  REQUIRE(erplink_value_new_array(&a) == 0);
  REQUIRE(erplink_value_new_nil(&x) == 0 && erplink_value_array_append(a, x) == 0);
  REQUIRE(erplink_value_new_bool(&x, 1) == 0 && erplink_value_array_append(a, x) == 0);
  REQUIRE(erplink_value_array_append_int(a, INT64_MIN) == 0);
  REQUIRE(erplink_value_array_append_int(a, 5) == 0);
  REQUIRE(erplink_value_new_double(&x, 1e-310) == 0 && erplink_value_array_append(a, x) == 0);
  REQUIRE(erplink_value_new_double(&x, 1.7976931348623157e308) == 0 && erplink_value_array_append(a, x) == 0);
  REQUIRE(erplink_value_array_append_string(a, "line1\r\nline2\rline3 & <tag> ]]> \xe2\x82\xac") == 0);
  REQUIRE(erplink_value_new_bytes(&x, "\x00\x01\x02\xfe\xff", 5) == 0 && erplink_value_array_append(a, x) == 0);
  REQUIRE(erplink_value_new_datetime(&x, 9999, 12, 31, 23, 59, 59, 0) == 0 && erplink_value_array_append(a, x) == 0);
  REQUIRE(erplink_value_new_struct(&st) == 0);
  REQUIRE(erplink_value_struct_set_double(st, "\xe4\xb8\xad", 2.5) == 0);
  REQUIRE(erplink_value_struct_set_string(st, "", "empty key") == 0);
  REQUIRE(erplink_value_array_append(a, st) == 0);
  char *out;
  size_t n;
  REQUIRE(erplink_xmlrpc_encode_response(&out, &n, a) == 0);
  erplink_value *v;
  int fault = 7;
  REQUIRE(erplink_xmlrpc_decode_response(&v, &fault, out, n, NULL) == 0);
  CHECK_EQ_INT(fault, 0);
  CHECK(erplink_value_equal(a, v));
  const char *s;
  size_t sl;
  REQUIRE(erplink_value_get_string(&s, &sl, erplink_value_array_at(v, 6)) == 0);
  CHECK(memcmp(s, "line1\r\nline2\rline3", 18) == 0);
  erplink_value_free(v);
  erplink_free(out);
  erplink_value_free(a);
}

/* ---------------------------------------------------------------- decoding types */

static void check_int(const char *xml, int64_t want) {
  erplink_value *v = NULL;
  int64_t i = 0;
  int rc = dec(&v, xml);
  if (rc) printf("# %s: %s\n", xml, last_msg());
  CHECK_EQ_INT(rc, 0);
  CHECK(erplink_value_get_int(&i, v) == 0);
  CHECK_EQ_INT(i, want);
  erplink_value_free(v);
}

static void test_decode_ints(void) {
  check_int("<value><int>42</int></value>", 42);
  check_int("<value><i1>-5</i1></value>", -5);
  check_int("<value><i2>300</i2></value>", 300);
  check_int("<value><i4>-2147483648</i4></value>", INT32_MIN);
  check_int("<value><i8>9223372036854775807</i8></value>", INT64_MAX);
  check_int("<value><bigint>-9223372036854775808</bigint></value>", INT64_MIN);
  check_int("<value><ex:i8 xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\">123456789012</ex:i8></value>",
            123456789012LL);
  check_int("<value><foo:int>7</foo:int></value>", 7);
  check_int("<value><int> +8 \n</int></value>", 8);
  erplink_value *v = NULL;
  CHECK_ERR(dec(&v, "<value><bigint>9223372036854775808</bigint></value>"), ERPLINK_ERANGE, "does not fit in 64 bits");
  CHECK(v == NULL);
  CHECK_ERR(dec(&v, "<value><i8>-99999999999999999999</i8></value>"), ERPLINK_ERANGE, "-99999999999999999999");
  CHECK_ERR(dec(&v, "<value><int>12a</int></value>"), ERPLINK_EPROTOCOL, "invalid integer '12a'");
  CHECK_ERR(dec(&v, "<value><int></int></value>"), ERPLINK_EPROTOCOL, "invalid integer ''");
  CHECK_ERR(dec(&v, "<value><int>1.5</int></value>"), ERPLINK_EPROTOCOL, "line 2, column");
}

static void test_decode_bool_double(void) {
  erplink_value *v;
  int b;
  double d;
  REQUIRE(dec(&v, "<value><boolean>1</boolean></value>") == 0);
  CHECK(erplink_value_get_bool(&b, v) == 0 && b == 1);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><boolean>0</boolean></value>") == 0);
  CHECK(erplink_value_get_bool(&b, v) == 0 && b == 0);
  erplink_value_free(v);
  CHECK_ERR(dec(&v, "<value><boolean>2</boolean></value>"), ERPLINK_EPROTOCOL, "invalid boolean '2'");
  CHECK_ERR(dec(&v, "<value><boolean>true</boolean></value>"), ERPLINK_EPROTOCOL, "expected 0 or 1");
  REQUIRE(dec(&v, "<value><double>-1.25</double></value>") == 0);
  CHECK(erplink_value_get_double(&d, v) == 0 && d == -1.25);
  CHECK_EQ_INT(erplink_value_type(v), ERPLINK_TYPE_DOUBLE);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><float> 1e5 </float></value>") == 0);
  CHECK(erplink_value_get_double(&d, v) == 0 && d == 1e5);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><bigdecimal>12.50</bigdecimal></value>") == 0);
  CHECK(erplink_value_get_double(&d, v) == 0 && d == 12.5);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><double>3</double></value>") == 0);
  CHECK_EQ_INT(erplink_value_type(v), ERPLINK_TYPE_DOUBLE);
  erplink_value_free(v);
  CHECK_ERR(dec(&v, "<value><double>1,5</double></value>"), ERPLINK_EPROTOCOL, "invalid double '1,5'");
  CHECK_ERR(dec(&v, "<value><double>0x10</double></value>"), ERPLINK_EPROTOCOL, "invalid double");
  CHECK_ERR(dec(&v, "<value><double></double></value>"), ERPLINK_EPROTOCOL, "invalid double");
}

/* One rule for doubles both ways: only finite values. The encoder refuses NaN and infinities
 * (EINVAL, test_encode_errors); the decoder refuses, with ERANGE, whatever is not a finite
 * double: a decimal beyond the double range (1e400, which Python reads as inf) and the
 * non-finite spellings Python's float() accepts (inf, Infinity, nan). Underflow reads as the
 * nearest double (0 or a subnormal), as in Python. */
static void test_decode_double_range(void) {
  erplink_value *v = NULL;
  double d;
  static const char *const refused[] = {"1e400",
                                        "-1e400",
                                        "1E309",
                                        "179769313486231580793728971405303415079934132710"
                                        "037826936173778980444968292764750946649017977587207096330286416692887910946"
                                        "555547851940402630657488671505820681908902000708383676273854845817711531764"
                                        "475730270069855571366959622842914819860834936475292719074168444365510704342"
                                        "711559699508093042880177904174497792.0", /* DBL_MAX rounded up: above it */
                                        "inf",
                                        "-inf",
                                        "+inf",
                                        "INF",
                                        "Infinity",
                                        "-infinity",
                                        "nan",
                                        "NaN",
                                        "-nan"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    char x[512];
    snprintf(x, sizeof x, "<value><double>%s</double></value>", refused[i]);
    CHECK_ERR(dec(&v, x), ERPLINK_ERANGE, "is not a finite double");
    CHECK(v == NULL);
    snprintf(x, sizeof x, "<value><bigdecimal> %s </bigdecimal></value>", refused[i]);
    CHECK_ERR(dec(&v, x), ERPLINK_ERANGE, "not a finite double");
  }
  static const struct {
    const char *text;
    double want;
  } ok[] = {{"1e-400", 0.0}, {"-1e-400", -0.0}, {"4.9e-324", 5e-324}, {"2.4703282292062328e-324", 5e-324},
            {".5", 0.5},     {"5.", 5.0},       {"+1.5", 1.5},        {"1.7976931348623157e308", DBL_MAX},
            {"-0", -0.0},    {"1E5", 1e5},      {"0.1e+2", 10.0}};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    char x[256];
    snprintf(x, sizeof x, "<value><double>%s</double></value>", ok[i].text);
    int rc = dec(&v, x);
    if (rc) printf("# %s: %s\n", ok[i].text, last_msg());
    CHECK_EQ_INT(rc, 0);
    CHECK(erplink_value_get_double(&d, v) == 0 && d == ok[i].want && signbit(d) == signbit(ok[i].want));
    erplink_value_free(v);
  }
  static const char *const invalid[] = {"1_000.5", "1e", "e5", ".", "-", "1.5.2", "0x1p3", "infinit", "nanq", "1 5"};
  for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
    char x[256];
    snprintf(x, sizeof x, "<value><double>%s</double></value>", invalid[i]);
    CHECK_ERR(dec(&v, x), ERPLINK_EPROTOCOL, "invalid double");
  }
  char *big = malloc(5000);
  REQUIRE(big);
  memset(big, '1', 4999);
  big[4999] = '\0';
  char *x = malloc(6000);
  REQUIRE(x);
  snprintf(x, 6000,
           "<?xml version=\"1.0\"?><methodResponse><params><param><value><double>%s</double></value></param>"
           "</params></methodResponse>",
           big);
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, x, strlen(x), NULL), ERPLINK_ELIMIT, "at most 4096");
  free(x);
  free(big);
}

/* Doubles are written in the shortest form that reads back (the digits of Python's repr(),
 * and its layout): subnormals included, where 15 digits used to be written. */
static void test_encode_double_shortest(void) {
  static const struct {
    double d;
    const char *text;
  } cases[] = {{5e-324, "5e-324"},
               {-5e-324, "-5e-324"},
               {1e-323, "1e-323"},
               {2.2250738585072014e-308, "2.2250738585072014e-308"},
               {2.225073858507201e-308, "2.225073858507201e-308"}, /* largest subnormal */
               {1e-310, "1e-310"},
               {DBL_MAX, "1.7976931348623157e+308"},
               {1e23, "1e+23"},
               {1e22, "1e+22"},
               {1e16, "1e+16"},
               {1e15, "1000000000000000.0"},
               {9007199254740992.0, "9007199254740992.0"},
               {0.0001, "0.0001"},
               {0.00001, "1e-05"},
               {1.0 / 3.0, "0.3333333333333333"},
               {0.1 + 0.2, "0.30000000000000004"},
               {100.0, "100.0"},
               {-0.0, "-0.0"},
               {8.98846567431158e307, "8.98846567431158e+307"},   /* 2^1023 */
               {5.684341886080802e-14, "5.684341886080802e-14"}}; /* 2^-44 */
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    erplink_value *v = NULL;
    REQUIRE(erplink_value_new_double(&v, cases[i].d) == 0);
    char want[96];
    snprintf(want, sizeof want, "<value><double>%s</double></value>", cases[i].text);
    CHECK_ENC(v, want);
    char *json = NULL;
    CHECK_EQ_INT(erplink_json_encode(&json, NULL, v), 0);
    CHECK_EQ_STR(json, cases[i].text);
    erplink_free(json);
    erplink_value_free(v);
  }
}

/* Encodings: expat's own (UTF-8, UTF-16, ISO-8859-1, US-ASCII) and, like Python's pyexpat,
 * any ASCII-compatible single-byte encoding the system's iconv knows; others are refused with
 * a message naming the encoding. (oracle.py checks many more against Python.) */
static void test_decode_encodings(void) {
  static const struct {
    const char *enc, *in, *utf8;
  } ok[] = {{"windows-1252", "\x80 \x93q\x94 caf\xe9", "\xe2\x82\xac \xe2\x80\x9cq\xe2\x80\x9d caf\xc3\xa9"},
            {"cp1252", "\x9f", "\xc5\xb8"},
            {"WINDOWS-1251", "\xcf\xf0\xe8", "\xd0\x9f\xd1\x80\xd0\xb8"},
            {"iso-8859-15", "\xa4", "\xe2\x82\xac"},
            {"ISO-8859-1", "\xe9", "\xc3\xa9"},
            {"latin-1", "\xe9", "\xc3\xa9"},
            {"koi8_r", "\xf0", "\xd0\x9f"},
            {"cp437", "\x82", "\xc3\xa9"},
            {"us-ascii", "plain", "plain"}};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    char doc[512];
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\" encoding=\"%s\"?><methodResponse><params><param><value>"
             "<string>%s</string></value></param></params></methodResponse>",
             ok[i].enc, ok[i].in);
    erplink_value *v = NULL;
    int rc = erplink_xmlrpc_decode_response(&v, NULL, doc, strlen(doc), NULL);
    if (rc) printf("# %s: %s\n", ok[i].enc, last_msg());
    CHECK_EQ_INT(rc, 0);
    const char *s = NULL;
    CHECK(erplink_value_get_string(&s, NULL, v) == 0 && s && strcmp(s, ok[i].utf8) == 0);
    erplink_value_free(v);
  }
  /* a byte the code page leaves undefined is an invalid character, as in Python */
  const char *undef = "<?xml version=\"1.0\" encoding=\"windows-1252\"?><methodResponse><params><param><value>"
                      "\x81</value></param></params></methodResponse>";
  erplink_value *v = NULL;
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, undef, strlen(undef), NULL), ERPLINK_EPROTOCOL,
            "byte 0x81 is not a character of the document's encoding 'windows-1252'");
  static const struct {
    const char *enc, *why;
  } refused[] = {{"shift_jis", "multi-byte"},    {"EUC-JP", "multi-byte"},
                 {"big5", "multi-byte"},         {"x-no-such-encoding", "does not know"},
                 {"mac-roman", "does not know"}, {"cp500", "not ASCII-compatible"}};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
    char doc[512], want[128];
    snprintf(doc, sizeof doc,
             "<?xml version=\"1.0\" encoding=\"%s\"?><methodResponse><params><param><value>"
             "x</value></param></params></methodResponse>",
             refused[i].enc);
    snprintf(want, sizeof want, "unsupported document encoding '%s'", refused[i].enc);
    CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, doc, strlen(doc), NULL), ERPLINK_EPROTOCOL, want);
    CHECK(strstr(last_msg(), refused[i].why) != NULL);
    /* the same fed byte by byte */
    erplink_xmlrpc_decoder *d = NULL;
    REQUIRE(erplink_xmlrpc_decoder_new(&d, NULL) == 0);
    int rc = 0;
    for (size_t k = 0; doc[k] && rc == 0; k++) rc = erplink_xmlrpc_decoder_feed(d, doc + k, 1);
    if (rc == 0) rc = erplink_xmlrpc_decoder_finish(&v, NULL, d);
    CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
    CHECK(strstr(last_msg(), refused[i].enc) != NULL);
    erplink_xmlrpc_decoder_free(d);
  }
}

static void check_str(const char *xml, const char *want, size_t want_len) {
  erplink_value *v = NULL;
  const char *s = NULL;
  size_t n = 0;
  int rc = dec(&v, xml);
  if (rc) printf("# %s: %s\n", xml, last_msg());
  CHECK_EQ_INT(rc, 0);
  CHECK(erplink_value_get_string(&s, &n, v) == 0);
  CHECK(s && n == want_len && memcmp(s, want, n) == 0);
  if (s && (n != want_len || memcmp(s, want, n) != 0)) printf("# got \"%s\" for %s\n", s, xml);
  erplink_value_free(v);
}

static void test_decode_strings(void) {
  check_str("<value><string>hello</string></value>", "hello", 5);
  check_str("<value><string></string></value>", "", 0);
  check_str("<value><string/></value>", "", 0);
  check_str("<value>untyped &amp; text</value>", "untyped & text", 14);
  check_str("<value></value>", "", 0);
  check_str("<value/>", "", 0);
  check_str("<value>  </value>", "  ", 2);
  check_str("<value><string>a&lt;b&gt;c&amp;d&quot;e&apos;f&#13;g&#x4E2D;h</string></value>",
            "a<b>c&d\"e'f\rg\xe4\xb8\xadh", 17);
  check_str("<value><string><![CDATA[<raw> & ]]></string></value>", "<raw> & ", 8);
  check_str("<value><string>a<!-- comment -->b</string></value>", "ab", 2);
  check_str("<value><string>l1\r\nl2\rl3</string></value>", "l1\nl2\nl3", 8);
  check_str("<value><string>  spaced \n </string></value>", "  spaced \n ", 11);
  check_str("<value>\n  <string>x</string>\n</value>", "x", 1);
  check_str("<value><string>caf\xc3\xa9 \xf0\x9f\x98\x80</string></value>", "caf\xc3\xa9 \xf0\x9f\x98\x80", 10);
  /* a long string crossing expat's internal buffers */
  char *big = malloc(200000), *xml = malloc(200200);
  REQUIRE(big && xml);
  for (size_t i = 0; i < 199999; i++) big[i] = (char)('a' + i % 26);
  big[199999] = '\0';
  snprintf(xml, 200200,
           "<methodResponse><params><param><value><string>%s</string></value></param></params></methodResponse>", big);
  erplink_value *v;
  REQUIRE(decs(&v, xml) == 0);
  const char *s;
  size_t n;
  CHECK(erplink_value_get_string(&s, &n, v) == 0 && n == 199999 && memcmp(s, big, n) == 0);
  erplink_value_free(v);
  free(big);
  free(xml);
}

static void test_decode_nil(void) {
  const char *cases[] = {"<value><nil/></value>", "<value><nil></nil></value>",
                         "<value><ex:nil xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\"/></value>",
                         "<value><a:b:nil/></value>", "<value> <nil/> </value>"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    erplink_value *v = NULL;
    int rc = dec(&v, cases[i]);
    if (rc) printf("# %s: %s\n", cases[i], last_msg());
    CHECK_EQ_INT(rc, 0);
    CHECK(v && erplink_value_type(v) == ERPLINK_TYPE_NIL);
    erplink_value_free(v);
  }
  erplink_value *v;
  CHECK_ERR(dec(&v, "<value><nil>x</nil></value>"), ERPLINK_EPROTOCOL, "unexpected text 'x' inside <nil>");
}

static void check_dt(const char *xml, int y, int mo, int d, int h, int mi, int s, int us) {
  erplink_value *v = NULL;
  int rc = dec(&v, xml);
  if (rc) printf("# %s: %s\n", xml, last_msg());
  CHECK_EQ_INT(rc, 0);
  int Y = 0, MO = 0, D = 0, H = 0, MI = 0, S = 0, US = -1;
  CHECK(erplink_value_get_datetime(&Y, &MO, &D, &H, &MI, &S, &US, v) == 0);
  CHECK(Y == y && MO == mo && D == d && H == h && MI == mi && S == s && US == us);
  erplink_value_free(v);
}

static void test_decode_datetime(void) {
  check_dt("<value><dateTime.iso8601>20240229T23:05:09</dateTime.iso8601></value>", 2024, 2, 29, 23, 5, 9, 0);
  check_dt("<value><dateTime.iso8601>2024-01-31T00:00:59</dateTime.iso8601></value>", 2024, 1, 31, 0, 0, 59, 0);
  check_dt("<value><dateTime.iso8601>2024-01-31T00:00:59.5</dateTime.iso8601></value>", 2024, 1, 31, 0, 0, 59, 500000);
  check_dt("<value><dateTime.iso8601>20240131T00:00:59.1234567</dateTime.iso8601></value>", 2024, 1, 31, 0, 0, 59,
           123456);
  check_dt("<value><dateTime.iso8601> 00010101T00:00:00 </dateTime.iso8601></value>", 1, 1, 1, 0, 0, 0, 0);
  const char *bad[] = {"20230229T00:00:00",  "20241301T00:00:00", "20240101T24:00:00",
                       "20240101T00:60:00",  "20240101 00:00:00", "2024-01-01 00:00:00",
                       "20240101T00:00:00.", "2024011T00:00:00",  "",
                       "00000101T00:00:00",  "20240101T00:00:00Z"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char xml[200];
    snprintf(xml, sizeof xml, "<value><dateTime.iso8601>%s</dateTime.iso8601></value>", bad[i]);
    erplink_value *v = NULL;
    CHECK_ERR(dec(&v, xml), ERPLINK_EPROTOCOL, "invalid dateTime.iso8601");
    CHECK(v == NULL);
  }
}

static void check_b64(const char *xml, const char *want, size_t want_len) {
  erplink_value *v = NULL;
  const void *p = NULL;
  size_t n = 0;
  int rc = dec(&v, xml);
  if (rc) printf("# %s: %s\n", xml, last_msg());
  CHECK_EQ_INT(rc, 0);
  CHECK(erplink_value_get_bytes(&p, &n, v) == 0);
  CHECK(p && n == want_len && memcmp(p, want, n) == 0);
  erplink_value_free(v);
}

static void test_decode_base64(void) {
  check_b64("<value><base64>aGVsbG8=</base64></value>", "hello", 5);
  check_b64("<value><base64>aGVs\nbG8g\r\n d29y bGQ=\n</base64></value>", "hello world", 11);
  check_b64("<value><base64></base64></value>", "", 0);
  check_b64("<value><base64>YQ==</base64></value>", "a", 1);
  check_b64("<value><base64>YWI=</base64></value>", "ab", 2);
  check_b64("<value><base64>YWJj</base64></value>", "abc", 3);
  check_b64("<value><base64>AP8A/+/+</base64></value>", "\x00\xff\x00\xff\xef\xfe", 6);
  check_b64("<value><base64>YQ=\n=</base64></value>", "a", 1);
  const char *bad[] = {"YQ", "YQ=", "Y===", "!!!!", "YQ==YQ==", "aGVsbG8", "YWJj=", "=YWJ"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char xml[200];
    snprintf(xml, sizeof xml, "<value><base64>%s</base64></value>", bad[i]);
    erplink_value *v = NULL;
    CHECK_ERR(dec(&v, xml), ERPLINK_EPROTOCOL, "invalid base64");
    CHECK(v == NULL);
  }
}

static void test_decode_containers(void) {
  erplink_value *v;
  REQUIRE(dec(&v, "<value><array><data></data></array></value>") == 0);
  CHECK(erplink_value_type(v) == ERPLINK_TYPE_ARRAY && erplink_value_count(v) == 0);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><array><data/></array></value>") == 0);
  CHECK(erplink_value_type(v) == ERPLINK_TYPE_ARRAY && erplink_value_count(v) == 0);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><array></array></value>") == 0);
  CHECK(erplink_value_type(v) == ERPLINK_TYPE_ARRAY && erplink_value_count(v) == 0);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><struct></struct></value>") == 0);
  CHECK(erplink_value_type(v) == ERPLINK_TYPE_STRUCT && erplink_value_count(v) == 0);
  erplink_value_free(v);
  REQUIRE(dec(&v, "<value><array>\n<data>\n<value><int>1</int></value>\n<value>two</value>\n"
                  "<value><array><data><value><struct>\n<member>\n<name>k</name>\n<value><nil/></value>\n</member>\n"
                  "</struct></value></data></array></value></data></array></value>") == 0);
  REQUIRE(erplink_value_count(v) == 3);
  int64_t i;
  const char *s;
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(v, 0)) == 0 && i == 1);
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_array_at(v, 1)) == 0 && strcmp(s, "two") == 0);
  const erplink_value *inner = erplink_value_array_at(erplink_value_array_at(v, 2), 0);
  CHECK(erplink_value_type(inner) == ERPLINK_TYPE_STRUCT && erplink_value_count(inner) == 1);
  CHECK(erplink_value_type(erplink_value_struct_get(inner, "k")) == ERPLINK_TYPE_NIL);
  erplink_value_free(v);
  /* repeated keys are kept, the last wins on lookup */
  REQUIRE(dec(&v, "<value><struct><member><name>a</name><value><int>1</int></value></member>"
                  "<member><name>b</name><value><int>2</int></value></member>"
                  "<member><name>a</name><value><int>3</int></value></member></struct></value>") == 0);
  CHECK_EQ_INT(erplink_value_count(v), 3);
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(v, "a")) == 0 && i == 3);
  const char *k;
  k = erplink_value_struct_key_at(v, 2);
  CHECK(erplink_value_struct_value_at(v, 2) != NULL && k && strcmp(k, "a") == 0);
  erplink_value_free(v);
  /* member name with entities, empty name */
  REQUIRE(dec(&v, "<value><struct><member><name>a&amp;b</name><value>x</value></member>"
                  "<member><name/><value>y</value></member></struct></value>") == 0);
  CHECK(erplink_value_struct_get(v, "a&b") != NULL);
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_struct_get(v, "")) == 0 && strcmp(s, "y") == 0);
  erplink_value_free(v);
}

static void test_decode_fault(void) {
  const char *doc = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n"
                    "<member>\n<name>faultCode</name>\n<value><int>1</int></value>\n</member>\n"
                    "<member>\n<name>faultString</name>\n<value><string>Traceback...\nValueError: x</string></value>\n"
                    "</member>\n</struct></value>\n</fault>\n</methodResponse>\n";
  erplink_value *v;
  int fault = 0;
  REQUIRE(erplink_xmlrpc_decode_response(&v, &fault, doc, strlen(doc), NULL) == 0);
  CHECK_EQ_INT(fault, 1);
  CHECK_EQ_INT(erplink_value_count(v), 2);
  erplink_value_free(v);
  /* legacy string fault code is fine */
  const char *legacy =
      "<methodResponse><fault><value><struct><member><name>faultCode</name><value><string>warning -- "
      "AccessError</string></value></member><member><name>faultString</name><value>msg</value></member>"
      "</struct></value></fault></methodResponse>";
  REQUIRE(erplink_xmlrpc_decode_response(&v, &fault, legacy, strlen(legacy), NULL) == 0);
  CHECK_EQ_INT(fault, 1);
  erplink_value_free(v);
  CHECK_ERR(decs(&v, "<methodResponse><fault><value><int>1</int></value></fault></methodResponse>"), ERPLINK_EPROTOCOL,
            "malformed XML-RPC fault");
  CHECK_ERR(decs(&v, "<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value>"
                     "</member></struct></value></fault></methodResponse>"),
            ERPLINK_EPROTOCOL, "faultString");
  CHECK_ERR(decs(&v, "<methodResponse><fault></fault></methodResponse>"), ERPLINK_EPROTOCOL,
            "<fault> without a <value>");
}

static void test_decode_call(void) {
  const char *doc = "<?xml version='1.0'?>\n<methodCall>\n<methodName>execute_kw</methodName>\n<params>\n"
                    "<param>\n<value><string>db</string></value>\n</param>\n<param>\n<value><int>2</int></value>\n"
                    "</param>\n<param><value><ex:nil/></value></param></params>\n</methodCall>\n";
  char *m;
  erplink_value *p;
  REQUIRE(erplink_xmlrpc_decode_call(&m, &p, doc, strlen(doc), NULL) == 0);
  CHECK_EQ_STR(m, "execute_kw");
  CHECK_EQ_INT(erplink_value_count(p), 3);
  CHECK_EQ_INT(erplink_value_type(erplink_value_array_at(p, 2)), ERPLINK_TYPE_NIL);
  erplink_free(m);
  erplink_value_free(p);
  const char *noparams = "<methodCall><methodName>version</methodName></methodCall>";
  REQUIRE(erplink_xmlrpc_decode_call(&m, &p, noparams, strlen(noparams), NULL) == 0);
  CHECK_EQ_STR(m, "version");
  CHECK(erplink_value_type(p) == ERPLINK_TYPE_ARRAY && erplink_value_count(p) == 0);
  erplink_free(m);
  erplink_value_free(p);
  const char *empty = "<methodCall><methodName>x</methodName><params/></methodCall>";
  REQUIRE(erplink_xmlrpc_decode_call(&m, &p, empty, strlen(empty), NULL) == 0);
  CHECK(erplink_value_count(p) == 0);
  erplink_free(m);
  erplink_value_free(p);
  const char *noname = "<methodCall><params/></methodCall>";
  CHECK_ERR(erplink_xmlrpc_decode_call(&m, &p, noname, strlen(noname), NULL), ERPLINK_EPROTOCOL, "methodName");
  CHECK(m == NULL && p == NULL);
  /* kinds mixed up */
  CHECK_ERR(erplink_xmlrpc_decode_call(&m, &p, "<methodResponse/>", 17, NULL), ERPLINK_EPROTOCOL,
            "expected an XML-RPC <methodCall>, got a <methodResponse>");
  erplink_value *v;
  CHECK_ERR(decs(&v, doc), ERPLINK_EPROTOCOL, "expected an XML-RPC <methodResponse>, got a <methodCall>");
}

/* ---------------------------------------------------------------- decoding errors */

static void test_decode_structure_errors(void) {
  erplink_value *v = NULL;
  CHECK_ERR(dec(&v, "<value><foo>1</foo></value>"), ERPLINK_EPROTOCOL, "unknown XML-RPC tag <foo> inside <value>");
  CHECK(v == NULL);
  CHECK_ERR(dec(&v, "<value><TITLE>1</TITLE></value>"), ERPLINK_EPROTOCOL, "<TITLE>");
  CHECK_ERR(dec(&v, "<value><int>1</int><int>2</int></value>"), ERPLINK_EPROTOCOL, "more than one value");
  CHECK_ERR(dec(&v, "<value>x<int>1</int></value>"), ERPLINK_EPROTOCOL, "mixes text 'x'");
  CHECK_ERR(dec(&v, "<value><int>1</int>x</value>"), ERPLINK_EPROTOCOL, "unexpected text 'x' inside <value>");
  CHECK_ERR(dec(&v, "<value><array>x</array></value>"), ERPLINK_EPROTOCOL, "unexpected text 'x' inside <array>");
  CHECK_ERR(dec(&v, "<value><array><value>1</value></array></value>"), ERPLINK_EPROTOCOL,
            "unexpected <value> inside <array>");
  CHECK_ERR(dec(&v, "<value><array><data/><data/></array></value>"), ERPLINK_EPROTOCOL, "more than one <data>");
  CHECK_ERR(dec(&v, "<value><struct><value>1</value></struct></value>"), ERPLINK_EPROTOCOL,
            "unexpected <value> inside <struct>");
  CHECK_ERR(dec(&v, "<value><struct><member><name>a</name></member></struct></value>"), ERPLINK_EPROTOCOL,
            "<member> without a <value>");
  CHECK_ERR(dec(&v, "<value><struct><member><value>1</value></member></struct></value>"), ERPLINK_EPROTOCOL,
            "<value> before its <name>");
  CHECK_ERR(dec(&v, "<value><struct><member><name>a</name><name>b</name><value>1</value></member></struct></value>"),
            ERPLINK_EPROTOCOL, "more than one <name>");
  CHECK_ERR(dec(&v, "<value><struct><member><name>a</name><value>1</value><value>2</value></member></struct></value>"),
            ERPLINK_EPROTOCOL, "more than one <value>");
  CHECK_ERR(dec(&v, "<value><string><b>x</b></string></value>"), ERPLINK_EPROTOCOL, "unknown XML-RPC tag <b>");
  CHECK_ERR(dec(&v, "<value><string><int>1</int></string></value>"), ERPLINK_EPROTOCOL,
            "unexpected <int> inside <string>");
  CHECK_ERR(dec(&v, "<value><params/></value>"), ERPLINK_EPROTOCOL, "unexpected <params> inside <value>");
  CHECK_ERR(decs(&v, "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params>"
                     "</methodResponse>"),
            ERPLINK_EPROTOCOL, "exactly one <param>");
  CHECK_ERR(decs(&v, "<methodResponse><params></params></methodResponse>"), ERPLINK_EPROTOCOL, "exactly one <param>");
  CHECK_ERR(decs(&v, "<methodResponse></methodResponse>"), ERPLINK_EPROTOCOL, "without <params> or <fault>");
  CHECK_ERR(decs(&v, "<methodResponse><params><param></param></params></methodResponse>"), ERPLINK_EPROTOCOL,
            "<param> without a <value>");
  CHECK_ERR(decs(&v, "<methodResponse><params><param><value>1</value></param></params><fault/></methodResponse>"),
            ERPLINK_EPROTOCOL, "more than one <params> or <fault>");
  CHECK_ERR(decs(&v, "<foo/>"), ERPLINK_EPROTOCOL, "root element <foo>");
  CHECK_ERR(decs(&v, "<methodResponse><params><param><value>1</value></param></params></methodResponse><x/>"),
            ERPLINK_EPROTOCOL, "junk after document element");
  CHECK_ERR(decs(&v, "<methodResponse><params><param><value>1</value></param></params></methodResponse>trailing"),
            ERPLINK_EPROTOCOL, "invalid XML");
  CHECK_ERR(decs(&v, "<methodResponse><params><param><value>&undefined;</value></param></params></methodResponse>"),
            ERPLINK_EPROTOCOL, "undefined entity");
  CHECK_ERR(decs(&v, "<methodResponse><params><param><value>&#1;</value></param></params></methodResponse>"),
            ERPLINK_EPROTOCOL, "invalid XML");
  CHECK_ERR(decs(&v, "<methodResponse><params><param><value>a\x01</value></param></params></methodResponse>"),
            ERPLINK_EPROTOCOL, "invalid XML at line 1");
  CHECK_ERR(decs(&v, "<methodResponse><params></param></methodResponse>"), ERPLINK_EPROTOCOL, "mismatched tag");
  /* line and column are reported */
  CHECK_ERR(
      decs(&v, "<methodResponse>\n<params>\n<param>\n  <value><bogus/></value>\n</param></params></methodResponse>"),
      ERPLINK_EPROTOCOL, "at line 4, column 10");
  CHECK(v == NULL);
  /* NULL arguments */
  CHECK_ERR(erplink_xmlrpc_decode_response(NULL, NULL, "x", 1, NULL), ERPLINK_EINVAL, "out is NULL");
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, NULL, 1, NULL), ERPLINK_EINVAL, "data is NULL");
}

static void test_decode_utf8(void) {
  erplink_value *v = NULL;
  const char *cases[] = {
      "<methodResponse><params><param><value><string>bad \xff byte</string></value></param></params></methodResponse>",
      "<methodResponse><params><param><value><string>\xc3\x28</string></value></param></params></methodResponse>",
      "<methodResponse><params><param><value><string>overlong "
      "\xc0\xaf</string></value></param></params></methodResponse>",
      "<methodResponse><params><param><value><string>surrogate "
      "\xed\xa0\x80</string></value></param></params></methodResponse>",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK_ERR(decs(&v, cases[i]), ERPLINK_EPROTOCOL, "invalid UTF-8");
    CHECK(v == NULL);
  }
  /* a declared Latin-1 document is converted to UTF-8 */
  const char *latin1 = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodResponse><params><param><value>caf\xe9"
                       "</value></param></params></methodResponse>";
  REQUIRE(decs(&v, latin1) == 0);
  const char *s;
  CHECK(erplink_value_get_string(&s, NULL, v) == 0 && strcmp(s, "caf\xc3\xa9") == 0);
  erplink_value_free(v);
  /* BOM is accepted */
  const char *bom = "\xef\xbb\xbf<methodResponse><params><param><value>ok</value></param></params></methodResponse>";
  REQUIRE(decs(&v, bom) == 0);
  erplink_value_free(v);
}

static void check_html(const char *doc, const char *detail_sub) {
  erplink_value *v = (erplink_value *)1;
  int rc = erplink_xmlrpc_decode_response(&v, NULL, doc, strlen(doc), NULL);
  CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
  CHECK(v == NULL);
  CHECK_EQ_STR(last_msg(), "the server answered HTML, not XML-RPC");
  const char *d = erplink_error_detail(erplink_error_last());
  CHECK(d != NULL && strstr(d, detail_sub) != NULL);
  if (d && strlen(d) > 200) {
    printf("# detail too long (%zu)\n", strlen(d));
    test__failed_checks++;
  }
  /* same verdict when fed byte by byte */
  erplink_xmlrpc_decoder *dd;
  REQUIRE(erplink_xmlrpc_decoder_new(&dd, NULL) == 0);
  rc = 0;
  for (size_t i = 0; doc[i] && rc == 0; i++) rc = erplink_xmlrpc_decoder_feed(dd, doc + i, 1);
  int fault;
  if (rc == 0) rc = erplink_xmlrpc_decoder_finish(&v, &fault, dd);
  CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
  CHECK_EQ_STR(last_msg(), "the server answered HTML, not XML-RPC");
  erplink_xmlrpc_decoder_free(dd);
}

static void test_decode_html(void) {
  check_html("<!DOCTYPE html>\n<html lang=en><head><title>Odoo</title></head><body>Login</body></html>", "<title>Odoo");
  check_html("<!doctype html><html><head><meta charset=utf-8><title>Maintenance</title>", "Maintenance");
  check_html("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
             "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
             "502 Bad Gateway");
  check_html("<HTML><HEAD><TITLE>Error</TITLE></HEAD><BODY>x</BODY></HTML>", "TITLE");
  check_html("  \n<html><body>short</body></html>", "short");
  check_html("<html/>", "<html/>");
  check_html("<?xml version=\"1.0\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
             "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\">"
             "<head><title>t</title></head><body/></html>",
             "XHTML");
  check_html("<?xml version=\"1.0\"?><html><head><title>x</title></head><body>\xff</body></html>", "<?xml");
  check_html("<head><title>503 Service Unavailable</title></head><body>down</body>", "503");
  /* long page: detail is capped */
  char big[4000];
  strcpy(big, "<!DOCTYPE html><html><body>");
  for (int i = 0; i < 300; i++) strcat(big, "0123456789");
  strcat(big, "</body></html>");
  check_html(big, "<!DOCTYPE html>");
}

static void test_forbidden_xml(void) {
  erplink_value *v;
  CHECK_ERR(decs(&v, "<?xml version=\"1.0\"?><!DOCTYPE methodResponse><methodResponse><params><param><value>1</value>"
                     "</param></params></methodResponse>"),
            ERPLINK_EFORBIDDEN_XML, "DOCTYPE");
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);
  CHECK_ERR(decs(&v, "<!DOCTYPE methodResponse [<!ENTITY a \"b\">]><methodResponse/>"), ERPLINK_EFORBIDDEN_XML,
            "DOCTYPE");
}

/* ---------------------------------------------------------------- incremental */

static const char *sample_doc(void) {
  return "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>\n"
         "<value><struct>\n<member>\n<name>id</name>\n<value><int>17</int></value>\n</member>\n"
         "<member>\n<name>name</name>\n<value><string>Caf\xc3\xa9 &amp; \xe4\xb8\xad\xe6\x96\x87 "
         "\xf0\x9f\x98\x80</string></value>\n</member>\n"
         "<member>\n<name>partner_id</name>\n<value><array><data>\n<value><int>3</int></value>\n"
         "<value><string>Azure Interior</string></value>\n</data></array></value>\n</member>\n"
         "<member>\n<name>active</name>\n<value><boolean>0</boolean></value>\n</member>\n"
         "<member>\n<name>amount</name>\n<value><double>1234.5</double></value>\n</member>\n"
         "<member>\n<name>blob</name>\n<value><base64>\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n</base64></"
         "value>\n</member>\n"
         "<member>\n<name>when</name>\n<value><dateTime.iso8601>20240102T03:04:05</dateTime.iso8601></value>\n</"
         "member>\n"
         "<member>\n<name>none</name>\n<value><nil/></value>\n</member>\n"
         "<member>\n<name>big</name>\n<value><i8>-9000000000</i8></value>\n</member>\n"
         "</struct></value>\n<value>untyped</value>\n<value/>\n</data></array></value>\n</param>\n</params>\n"
         "</methodResponse>";
}

static void test_incremental(void) {
  const char *doc = sample_doc();
  size_t len = strlen(doc);
  erplink_value *whole;
  int fault;
  REQUIRE(erplink_xmlrpc_decode_response(&whole, &fault, doc, len, NULL) == 0);
  CHECK_EQ_INT(erplink_value_count(erplink_value_array_at(whole, 0)), 9);
  erplink_xmlrpc_decoder *d;
  REQUIRE(erplink_xmlrpc_decoder_new(&d, NULL) == 0);
  for (size_t step = 1; step <= 64; step = step < 8 ? step + 1 : step * 2) {
    if (step > 1) REQUIRE(erplink_xmlrpc_decoder_reset(d) == 0);
    if (step == 3) CHECK(erplink_xmlrpc_decoder_set_size_hint(d, len) == 0);
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i += step)
      rc = erplink_xmlrpc_decoder_feed(d, doc + i, len - i < step ? len - i : step);
    CHECK_EQ_INT(rc, 0);
    erplink_value *v = NULL;
    fault = 5;
    CHECK_EQ_INT(erplink_xmlrpc_decoder_finish(&v, &fault, d), 0);
    CHECK_EQ_INT(fault, 0);
    CHECK(erplink_value_equal(whole, v));
    erplink_value_free(v);
    /* finishing twice or feeding after finish is refused */
    CHECK_ERR(erplink_xmlrpc_decoder_feed(d, "x", 1), ERPLINK_EINVAL, "already finished");
  }
  /* wrong finish for the kind */
  erplink_xmlrpc_decoder_reset(d);
  char *m;
  erplink_value *p;
  CHECK_ERR(erplink_xmlrpc_decoder_finish_call(&m, &p, d), ERPLINK_EINVAL, "decodes responses");
  erplink_xmlrpc_decoder_free(d);
  erplink_value_free(whole);
  erplink_xmlrpc_decoder_free(NULL);
  CHECK_ERR(erplink_xmlrpc_decoder_new(NULL, NULL), ERPLINK_EINVAL, "out is NULL");
  CHECK_ERR(erplink_xmlrpc_decoder_feed(NULL, "x", 1), ERPLINK_EINVAL, "decoder is NULL");

  /* call decoder, byte by byte */
  const char *call = "<?xml version='1.0'?>\n<methodCall>\n<methodName>execute_kw</methodName>\n<params>\n"
                     "<param><value><string>db</string></value></param><param><value><int>2</int></value></param>"
                     "</params></methodCall>";
  REQUIRE(erplink_xmlrpc_decoder_new_call(&d, NULL) == 0);
  for (size_t i = 0; call[i]; i++) REQUIRE(erplink_xmlrpc_decoder_feed(d, call + i, 1) == 0);
  erplink_value *v;
  CHECK_ERR(erplink_xmlrpc_decoder_finish(&v, &fault, d), ERPLINK_EINVAL, "decodes calls");
  REQUIRE(erplink_xmlrpc_decoder_finish_call(&m, &p, d) == 0);
  CHECK_EQ_STR(m, "execute_kw");
  CHECK_EQ_INT(erplink_value_count(p), 2);
  erplink_free(m);
  erplink_value_free(p);
  erplink_xmlrpc_decoder_free(d);
}

static void test_error_is_sticky(void) {
  erplink_xmlrpc_decoder *d;
  REQUIRE(erplink_xmlrpc_decoder_new(&d, NULL) == 0);
  const char *bad = "<methodResponse><params><param><value><bogus/></value></param></params></methodResponse>";
  int rc = 0;
  for (size_t i = 0; bad[i] && rc == 0; i++) rc = erplink_xmlrpc_decoder_feed(d, bad + i, 1);
  CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
  erplink_error_clear();
  CHECK_ERR(erplink_xmlrpc_decoder_feed(d, "more", 4), ERPLINK_EPROTOCOL, "unknown XML-RPC tag <bogus>");
  erplink_value *v;
  CHECK_ERR(erplink_xmlrpc_decoder_finish(&v, NULL, d), ERPLINK_EPROTOCOL, "<bogus>");
  CHECK(v == NULL);
  /* reset recovers */
  REQUIRE(erplink_xmlrpc_decoder_reset(d) == 0);
  const char *ok = "<methodResponse><params><param><value><int>5</int></value></param></params></methodResponse>";
  REQUIRE(erplink_xmlrpc_decoder_feed(d, ok, strlen(ok)) == 0);
  REQUIRE(erplink_xmlrpc_decoder_finish(&v, NULL, d) == 0);
  int64_t i;
  CHECK(erplink_value_get_int(&i, v) == 0 && i == 5);
  erplink_value_free(v);
  erplink_xmlrpc_decoder_free(d);
}

/* Every strict prefix of a valid document is a truncated document. */
static void test_truncated_prefixes(void) {
  const char *doc = sample_doc();
  size_t len = strlen(doc);
  for (size_t n = 0; n < len; n++) {
    erplink_value *v = (erplink_value *)1;
    int rc = erplink_xmlrpc_decode_response(&v, NULL, doc, n, NULL);
    const char *m = last_msg();
    if (rc != ERPLINK_EPROTOCOL || !m || strncmp(m, "truncated document", 18) != 0 || v != NULL) {
      printf("# prefix %zu: rc %d message \"%s\"\n", n, rc, m ? m : "(null)");
      test__failed_checks++;
      break;
    }
    /* incremental: feed the prefix in two pieces */
    erplink_xmlrpc_decoder *d;
    REQUIRE(erplink_xmlrpc_decoder_new(&d, NULL) == 0);
    rc = erplink_xmlrpc_decoder_feed(d, doc, n / 2);
    if (rc == 0) rc = erplink_xmlrpc_decoder_feed(d, doc + n / 2, n - n / 2);
    CHECK_EQ_INT(rc, 0);
    rc = erplink_xmlrpc_decoder_finish(&v, NULL, d);
    m = last_msg();
    if (rc != ERPLINK_EPROTOCOL || !m || strncmp(m, "truncated document", 18) != 0) {
      printf("# incremental prefix %zu: rc %d message \"%s\"\n", n, rc, m ? m : "(null)");
      test__failed_checks++;
    }
    erplink_xmlrpc_decoder_free(d);
  }
  erplink_value *v;
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, "", 0, NULL), ERPLINK_EPROTOCOL,
            "truncated document: the body is empty");
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, NULL, 0, NULL), ERPLINK_EPROTOCOL, "truncated document");
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, " \n ", 3, NULL), ERPLINK_EPROTOCOL, "truncated document");
}

/* ---------------------------------------------------------------- limits */

static void test_limits(void) {
  erplink_limits *l;
  REQUIRE(erplink_limits_new(&l) == 0);
  REQUIRE(erplink_limits_set_max_depth(l, 2) == 0);
  erplink_value *v;
  const char *d2 = "<methodResponse><params><param><value><array><data><value><array><data/></array></value>"
                   "</data></array></value></param></params></methodResponse>";
  const char *d3 = "<methodResponse><params><param><value><array><data><value><array><data><value><struct/></value>"
                   "</data></array></value></data></array></value></param></params></methodResponse>";
  REQUIRE(erplink_xmlrpc_decode_response(&v, NULL, d2, strlen(d2), l) == 0);
  erplink_value_free(v);
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, d3, strlen(d3), l), ERPLINK_ELIMIT, "depth cap");
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);

  REQUIRE(erplink_limits_set_max_depth(l, 100) == 0);
  REQUIRE(erplink_limits_set_max_elements(l, 4) == 0);
  const char *e4 = "<methodResponse><params><param><value><array><data><value>1</value><value>2</value><value>3</value>"
                   "</data></array></value></param></params></methodResponse>";
  const char *e5 = "<methodResponse><params><param><value><array><data><value>1</value><value>2</value><value>3</value>"
                   "<value>4</value></data></array></value></param></params></methodResponse>";
  REQUIRE(erplink_xmlrpc_decode_response(&v, NULL, e4, strlen(e4), l) == 0);
  erplink_value_free(v);
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, e5, strlen(e5), l), ERPLINK_ELIMIT, "element cap");

  REQUIRE(erplink_limits_set_max_elements(l, 1000) == 0);
  REQUIRE(erplink_limits_set_max_bytes(l, strlen(e5)) == 0);
  REQUIRE(erplink_xmlrpc_decode_response(&v, NULL, e5, strlen(e5), l) == 0);
  erplink_value_free(v);
  REQUIRE(erplink_limits_set_max_bytes(l, strlen(e5) - 1) == 0);
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, e5, strlen(e5), l), ERPLINK_ELIMIT, "size cap");
  /* incremental: the chunk that crosses the cap fails, the earlier ones pass */
  erplink_xmlrpc_decoder *d;
  REQUIRE(erplink_xmlrpc_decoder_new(&d, l) == 0);
  CHECK_EQ_INT(erplink_xmlrpc_decoder_feed(d, e5, 100), 0);
  CHECK_ERR(erplink_xmlrpc_decoder_feed(d, e5 + 100, strlen(e5) - 100), ERPLINK_ELIMIT, "larger than");
  erplink_xmlrpc_decoder_free(d);

  /* junk non-value XML nesting is refused at the first unknown tag */
  REQUIRE(erplink_limits_set_max_bytes(l, 1u << 20) == 0);
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, "<methodResponse><a><a><a>", 25, l), ERPLINK_EPROTOCOL,
            "unknown XML-RPC tag <a>");
  erplink_limits_free(l);
}

int main(void) {
  RUN(test_encode_scalars);
  RUN(test_encode_errors);
  RUN(test_encode_containers);
  RUN(test_encode_call_fault);
  RUN(test_roundtrip);
  RUN(test_decode_ints);
  RUN(test_decode_bool_double);
  RUN(test_decode_double_range);
  RUN(test_encode_double_shortest);
  RUN(test_decode_encodings);
  RUN(test_decode_strings);
  RUN(test_decode_nil);
  RUN(test_decode_datetime);
  RUN(test_decode_base64);
  RUN(test_decode_containers);
  RUN(test_decode_fault);
  RUN(test_decode_call);
  RUN(test_decode_structure_errors);
  RUN(test_decode_utf8);
  RUN(test_decode_html);
  RUN(test_forbidden_xml);
  RUN(test_incremental);
  RUN(test_error_is_sticky);
  RUN(test_truncated_prefixes);
  RUN(test_limits);
  return test_done();
}
