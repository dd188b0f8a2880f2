/* Hostile input for the XML-RPC decoder: entity expansion, external entities, DOCTYPEs,
 * deep nesting, oversized bodies, invalid UTF-8, truncation and random corruption. Every
 * case must end in a clear typed error, without crash, hang or unbounded memory. */
#include <sys/resource.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "test.h"

#define CHECK_ERR(expr, code, sub)                                                                                     \
  do {                                                                                                                 \
    int r__ = (expr);                                                                                                  \
    CHECK_EQ_INT(r__, (code));                                                                                         \
    const char *m__ = erplink_error_message(erplink_error_last());                                                     \
    if (!m__ || !strstr(m__, (sub))) {                                                                                 \
      printf("# %s:%d: message \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, m__ ? m__ : "(null)", (sub));               \
      test__failed_checks++;                                                                                           \
    }                                                                                                                  \
  } while (0)

static long maxrss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

static int decs(erplink_value **out, const char *doc) {
  return erplink_xmlrpc_decode_response(out, NULL, doc, strlen(doc), NULL);
}

/* Feeds doc byte by byte too and checks the same code. */
static void check_both(const char *doc, int code, const char *sub) {
  erplink_value *v = (erplink_value *)1;
  CHECK_ERR(decs(&v, doc), code, sub);
  CHECK(v == NULL);
  erplink_xmlrpc_decoder *d;
  if (erplink_xmlrpc_decoder_new(&d, NULL) != 0) {
    CHECK(0);
    return;
  }
  int rc = 0;
  for (size_t i = 0; doc[i] && rc == 0; i++) rc = erplink_xmlrpc_decoder_feed(d, doc + i, 1);
  if (rc == 0) rc = erplink_xmlrpc_decoder_finish(&v, NULL, d);
  CHECK_EQ_INT(rc, code);
  erplink_xmlrpc_decoder_free(d);
}

static void test_billion_laughs(void) {
  const char *doc =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
      " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
      " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
      " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
      " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
      " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
      " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
      " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
      " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
      " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
      "]>\n<methodResponse><params><param><value><string>&lol9;</string></value></param></params></methodResponse>";
  long before = maxrss_kb();
  check_both(doc, ERPLINK_EFORBIDDEN_XML, "must not carry a DOCTYPE");
  CHECK(maxrss_kb() - before < 16 * 1024);
  /* the same without the DOCTYPE: the entity is simply undefined */
  check_both("<methodResponse><params><param><value><string>&lol9;</string></value></param></params></methodResponse>",
             ERPLINK_EPROTOCOL, "undefined entity");
}

static void test_external_entities(void) {
  const char *file_xxe =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE methodResponse [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
      "<methodResponse><params><param><value><string>&xxe;</string></value></param></params>"
      "</methodResponse>";
  check_both(file_xxe, ERPLINK_EFORBIDDEN_XML, "DOCTYPE");
  const char *m = erplink_error_message(erplink_error_last());
  CHECK(m && !strstr(m, "root:"));
  const char *http_xxe = "<!DOCTYPE methodResponse [<!ENTITY xxe SYSTEM \"http://127.0.0.1:9/evil.xml\">]>"
                         "<methodResponse><params><param><value>&xxe;</value></param></params></methodResponse>";
  check_both(http_xxe, ERPLINK_EFORBIDDEN_XML, "DOCTYPE");
  const char *param_xxe =
      "<!DOCTYPE methodResponse [<!ENTITY % remote SYSTEM \"http://127.0.0.1:9/evil.dtd\"> %remote;]>"
      "<methodResponse/>";
  check_both(param_xxe, ERPLINK_EFORBIDDEN_XML, "DOCTYPE");
  const char *ext_dtd = "<!DOCTYPE methodResponse SYSTEM \"file:///etc/passwd\"><methodResponse/>";
  check_both(ext_dtd, ERPLINK_EFORBIDDEN_XML, "DOCTYPE");
  const char *public_dtd = "<!DOCTYPE methodResponse PUBLIC \"-//x//y\" \"http://127.0.0.1:9/x.dtd\"><methodResponse/>";
  check_both(public_dtd, ERPLINK_EFORBIDDEN_XML, "DOCTYPE");
  const char *plain = "<?xml version=\"1.0\"?><!DOCTYPE methodResponse><methodResponse><params><param><value>1</value>"
                      "</param></params></methodResponse>";
  check_both(plain, ERPLINK_EFORBIDDEN_XML, "DOCTYPE");
  /* an HTML DOCTYPE is reported as HTML, not as a forbidden DOCTYPE */
  check_both("<!DOCTYPE html><html><body>hi</body></html>", ERPLINK_EPROTOCOL, "the server answered HTML");
}

static char *deep_doc(size_t depth, const char *open, const char *close, const char *leaf) {
  size_t lo = strlen(open), lc = strlen(close), ll = strlen(leaf);
  const char *pre = "<methodResponse><params><param>", *post = "</param></params></methodResponse>";
  size_t n = strlen(pre) + depth * (lo + lc) + ll + strlen(post) + 1;
  char *s = malloc(n), *p = s;
  if (!s) return NULL;
  p += sprintf(p, "%s", pre);
  for (size_t i = 0; i < depth; i++, p += lo) memcpy(p, open, lo);
  memcpy(p, leaf, ll);
  p += ll;
  for (size_t i = 0; i < depth; i++, p += lc) memcpy(p, close, lc);
  strcpy(p, post);
  return s;
}

static void test_deep_nesting(void) {
  const size_t depth = 100000;
  char *doc = deep_doc(depth, "<value><array><data>", "</data></array></value>", "<value>leaf</value>");
  REQUIRE(doc);
  long before = maxrss_kb();
  erplink_value *v = (erplink_value *)1;
  CHECK_ERR(decs(&v, doc), ERPLINK_ELIMIT, "deeper than 256 levels");
  CHECK(v == NULL);
  /* allowed up to the configured maximum: the decoder and encoder do not recurse */
  erplink_limits *l;
  REQUIRE(erplink_limits_new(&l) == 0);
  REQUIRE(erplink_limits_set_max_depth(l, depth) == 0);
  REQUIRE(erplink_xmlrpc_decode_response(&v, NULL, doc, strlen(doc), l) == 0);
  const erplink_value *x = v;
  size_t levels = 0;
  while (erplink_value_type(x) == ERPLINK_TYPE_ARRAY) {
    x = erplink_value_array_at(x, 0);
    levels++;
  }
  CHECK_EQ_INT(levels, depth);
  char *out = NULL;
  size_t n = 0;
  CHECK_EQ_INT(erplink_xmlrpc_encode_response(&out, &n, v), 0);
  CHECK(out && strstr(out, "<value><string>leaf</string></value></data></array></value>") != NULL);
  erplink_free(out);
  erplink_value_free(v);
  REQUIRE(erplink_limits_set_max_depth(l, depth - 1) == 0);
  CHECK_ERR(erplink_xmlrpc_decode_response(&v, NULL, doc, strlen(doc), l), ERPLINK_ELIMIT, "depth cap");
  erplink_limits_free(l);
  free(doc);
  /* junk nesting and value-in-value nesting stop at the first misplaced element */
  doc = deep_doc(depth, "<junk>", "</junk>", "");
  REQUIRE(doc);
  CHECK_ERR(decs(&v, doc), ERPLINK_EPROTOCOL, "unknown XML-RPC tag <junk>");
  free(doc);
  doc = deep_doc(depth, "<value>", "</value>", "");
  REQUIRE(doc);
  CHECK_ERR(decs(&v, doc), ERPLINK_EPROTOCOL, "unexpected <value> inside <value>");
  free(doc);
  doc = deep_doc(depth, "<value><struct><member><name>k</name>", "</member></struct></value>", "<value/>");
  REQUIRE(doc);
  CHECK_ERR(decs(&v, doc), ERPLINK_ELIMIT, "depth cap");
  free(doc);
  CHECK(maxrss_kb() - before < 256 * 1024);
}

/* Feeds an endless document in chunks until the decoder gives up; returns the number of
 * bytes accepted before the failing chunk. */
static size_t feed_endless(erplink_xmlrpc_decoder *d, const char *chunk, size_t clen, size_t max_chunks, int *rc_out) {
  const char *head = "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><array><data>\n";
  int rc = erplink_xmlrpc_decoder_feed(d, head, strlen(head));
  size_t total = strlen(head);
  for (size_t i = 0; rc == 0 && i < max_chunks; i++) {
    rc = erplink_xmlrpc_decoder_feed(d, chunk, clen);
    if (rc == 0) total += clen;
  }
  *rc_out = rc;
  return total;
}

static void test_claimed_huge_body_small_cap(void) {
  erplink_limits *l;
  REQUIRE(erplink_limits_new(&l) == 0);
  REQUIRE(erplink_limits_set_max_bytes(l, 1u << 20) == 0);
  erplink_xmlrpc_decoder *d;
  REQUIRE(erplink_xmlrpc_decoder_new(&d, l) == 0);
  CHECK_EQ_INT(erplink_xmlrpc_decoder_set_size_hint(d, (size_t)1 << 30), 0); /* "Content-Length: 1 GiB" */
  size_t clen = 64 * 1024;
  char *chunk = malloc(clen);
  REQUIRE(chunk);
  const char *item = "<value><int>1</int></value>\n";
  size_t il = strlen(item);
  for (size_t i = 0; i + il <= clen; i += il) memcpy(chunk + i, item, il);
  memset(chunk + clen / il * il, ' ', clen % il);
  long before = maxrss_kb();
  int rc;
  size_t accepted = feed_endless(d, chunk, clen, (1u << 30) / clen, &rc);
  CHECK_ERR(rc, ERPLINK_ELIMIT, "document larger than 1048576 bytes (the size cap)");
  CHECK(accepted <= (1u << 20) && accepted + clen > (1u << 20));
  CHECK_ERR(erplink_xmlrpc_decoder_feed(d, chunk, 1), ERPLINK_ELIMIT, "size cap");
  erplink_value *v;
  CHECK_ERR(erplink_xmlrpc_decoder_finish(&v, NULL, d), ERPLINK_ELIMIT, "size cap");
  CHECK(maxrss_kb() - before < 32 * 1024);
  erplink_xmlrpc_decoder_free(d);
  erplink_limits_free(l);
  free(chunk);
}

static void test_claimed_huge_body_default_cap(void) {
  erplink_xmlrpc_decoder *d;
  REQUIRE(erplink_xmlrpc_decoder_new(&d, NULL) == 0);
  CHECK_EQ_INT(erplink_xmlrpc_decoder_set_size_hint(d, (size_t)1 << 30), 0);
  size_t clen = 1u << 20;
  char *chunk = malloc(clen);
  REQUIRE(chunk);
  memset(chunk, ' ', clen); /* whitespace inside <data>: legal, and costs nothing to keep */
  for (size_t i = 4095; i < clen; i += 4096) chunk[i] = '\n';
  long before = maxrss_kb();
  int rc;
  size_t accepted = feed_endless(d, chunk, clen, 1024 /* 1 GiB */, &rc);
  CHECK_ERR(rc, ERPLINK_ELIMIT, "the size cap");
  CHECK(accepted <= ERPLINK_DEFAULT_MAX_BYTES && accepted + clen > ERPLINK_DEFAULT_MAX_BYTES);
  long grown = maxrss_kb() - before;
  if (grown >= 48 * 1024) printf("# maxrss grew by %ld KiB\n", grown);
  CHECK(grown < 48 * 1024);
  erplink_xmlrpc_decoder_free(d);
  free(chunk);
}

static void test_invalid_utf8(void) {
  const char *cases[] = {
      "<methodResponse><params><param><value><string>\xff</string></value></param></params></methodResponse>",
      "<methodResponse><params><param><value>\xe2\x82</value></param></params></methodResponse>",
      "<methodResponse><params><param><value><struct><member><name>k\xfe</name><value/></member></struct></value>"
      "</param></params></methodResponse>",
      "<methodResponse><params><param><value><string>\xf4\x90\x80\x80</string></value></param></params></"
      "methodResponse>",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_both(cases[i], ERPLINK_EPROTOCOL, "invalid UTF-8");
  /* in a tag name */
  check_both("<methodResponse><par\xc3"
             "ams/></methodResponse>",
             ERPLINK_EPROTOCOL, "line 1");
  /* cut in the middle of a character at the very end */
  check_both("<methodResponse><params><param><value>\xe4\xb8", ERPLINK_EPROTOCOL, "truncated document");
}

static void test_truncated_fault(void) {
  const char *doc = "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct><member><name>faultCode</name>"
                    "<value><int>2</int></value></member><member><name>faultString</name><value><string>Record "
                    "&quot;x&quot; does not exist</string></value></member></struct></value></fault></methodResponse>";
  size_t len = strlen(doc);
  for (size_t n = 0; n < len; n++) {
    erplink_value *v = (erplink_value *)1;
    int rc = erplink_xmlrpc_decode_response(&v, NULL, doc, n, NULL);
    const char *m = erplink_error_message(erplink_error_last());
    if (rc != ERPLINK_EPROTOCOL || v != NULL || !m || strncmp(m, "truncated document", 18) != 0) {
      printf("# prefix %zu: rc %d \"%s\"\n", n, rc, m ? m : "");
      test__failed_checks++;
      break;
    }
  }
  erplink_value *v;
  int fault = 0;
  CHECK_EQ_INT(erplink_xmlrpc_decode_response(&v, &fault, doc, len, NULL), 0);
  CHECK_EQ_INT(fault, 1);
  erplink_value_free(v);
}

static void test_long_names(void) {
  size_t n = 1u << 20;
  char *doc = malloc(n + 200);
  REQUIRE(doc);
  strcpy(doc, "<methodResponse><params><param><value><");
  size_t p = strlen(doc);
  memset(doc + p, 'a', n);
  strcpy(doc + p + n, "/></value></param></params></methodResponse>");
  erplink_value *v;
  CHECK_ERR(decs(&v, doc), ERPLINK_EPROTOCOL, "unknown XML-RPC tag <aaaa");
  const char *m = erplink_error_message(erplink_error_last());
  CHECK(m && strlen(m) < 2048);
  free(doc);
}

/* Empty elements as the first (or only) text-holding element: the decoder's text buffer has
 * never been allocated then. libFuzzer found `<methodCall><methodName/>` reaching
 * memcpy(dst, NULL, 0) (undefined behaviour, reported by UBSan); every scalar type takes the
 * same path. Run under ASan/UBSan in CI. */
static void test_empty_elements(void) {
  char *m = NULL;
  erplink_value *p = NULL;
  const char *call = "<methodCall><methodName/><params/></methodCall>";
  CHECK_EQ_INT(erplink_xmlrpc_decode_call(&m, &p, call, strlen(call), NULL), 0);
  CHECK_EQ_STR(m, ""); /* Python's xmlrpc.client.loads gives the method name '' too */
  CHECK(p && erplink_value_count(p) == 0);
  erplink_free(m);
  erplink_value_free(p);
  call = "<methodCall><methodName/></methodCall>";
  CHECK_EQ_INT(erplink_xmlrpc_decode_call(&m, &p, call, strlen(call), NULL), 0);
  erplink_free(m);
  erplink_value_free(p);
  static const struct {
    const char *scalar;
    int code;
  } cases[] = {{"<int/>", ERPLINK_EPROTOCOL},
               {"<i8/>", ERPLINK_EPROTOCOL},
               {"<double/>", ERPLINK_EPROTOCOL},
               {"<bigdecimal/>", ERPLINK_EPROTOCOL},
               {"<boolean/>", ERPLINK_EPROTOCOL},
               {"<dateTime.iso8601/>", ERPLINK_EPROTOCOL},
               {"<string/>", 0},
               {"<base64/>", 0},
               {"<nil/>", 0},
               {"", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char doc[256];
    snprintf(doc, sizeof doc, "<methodResponse><params><param><value>%s</value></param></params></methodResponse>",
             cases[i].scalar);
    erplink_value *v = NULL;
    int rc = decs(&v, doc);
    if (rc != cases[i].code) printf("# %s: rc %d\n", doc, rc);
    CHECK_EQ_INT(rc, cases[i].code);
    if (rc) CHECK(*erplink_error_message(erplink_error_last()) != '\0');
    erplink_value_free(v);
    /* the same as the first parameter of a call */
    snprintf(doc, sizeof doc, "<methodCall><methodName/><params><param><value>%s</value></param></params></methodCall>",
             cases[i].scalar);
    rc = erplink_xmlrpc_decode_call(&m, &p, doc, strlen(doc), NULL);
    CHECK_EQ_INT(rc, cases[i].code);
    erplink_free(m);
    erplink_value_free(p);
  }
  erplink_value *v = NULL;
  const char *self_closed = "<methodResponse><params><param><value/></param></params></methodResponse>";
  CHECK_EQ_INT(decs(&v, self_closed), 0);
  CHECK(erplink_value_type(v) == ERPLINK_TYPE_STRING);
  erplink_value_free(v);
}

/* Deterministic corruption of a valid document: every result is either a tree or a typed error. */
static void test_random_corruption(void) {
  const char *base =
      "<?xml version='1.0'?>\n<methodResponse><params><param><value><array><data>"
      "<value><struct><member><name>id</name><value><int>7</int></value></member>"
      "<member><name>n</name><value><string>a&amp;b \xc3\xa9</string></value></member>"
      "<member><name>d</name><value><dateTime.iso8601>20240101T00:00:00</dateTime.iso8601></value></member>"
      "<member><name>b</name><value><base64>aGk=</base64></value></member></struct></value>"
      "<value><double>1.5</double></value><value><boolean>1</boolean></value><value><nil/></value>"
      "</data></array></value></param></params></methodResponse>";
  size_t len = strlen(base);
  char *doc = malloc(len + 1);
  REQUIRE(doc);
  uint64_t seed = 0x9E3779B97F4A7C15ull;
  static const char alphabet[] = "<>/&;=\"' \n\xc3\xff\x00"
                                 "abcdefghijklmnopqrstuvwxyz0123456789!?[]-:.";
  int ok = 0, errors = 0;
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(doc, base, len + 1);
    int muts = 1 + (int)(seed % 4);
    for (int k = 0; k < muts; k++) {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      doc[seed % len] = alphabet[(seed >> 32) % (sizeof alphabet - 1)];
    }
    size_t n = (seed >> 20) % 8 == 0 ? (size_t)((seed >> 24) % len) : len;
    erplink_value *v = NULL;
    int rc = erplink_xmlrpc_decode_response(&v, NULL, doc, n, NULL);
    if (rc == 0) {
      ok++;
      CHECK(v != NULL);
      erplink_value_free(v);
    } else {
      errors++;
      const char *m = erplink_error_message(erplink_error_last());
      if (v != NULL || !m || !*m || erplink_error_code(erplink_error_last()) != rc) {
        printf("# iteration %d: rc %d without a proper error\n", iter, rc);
        test__failed_checks++;
        break;
      }
    }
  }
  printf("# corruption: %d decoded, %d rejected\n", ok, errors);
  CHECK(errors > 0 && ok > 0);
  free(doc);
}

int main(void) {
  RUN(test_billion_laughs);
  RUN(test_external_entities);
  RUN(test_deep_nesting);
  RUN(test_claimed_huge_body_small_cap);
  RUN(test_claimed_huge_body_default_cap);
  RUN(test_invalid_utf8);
  RUN(test_truncated_fault);
  RUN(test_long_names);
  RUN(test_empty_elements);
  RUN(test_random_corruption);
  return test_done();
}
