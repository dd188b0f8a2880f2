/* Unit tests of the crypto helpers (src/core/crypto.c). */
#include <pthread.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "test.h"

static void to_hex(char *o, const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) sprintf(o + 2 * i, "%02x", p[i]);
  o[2 * n] = '\0';
}

static void check_last(int code, const char *substr) {
  const erplink_error *e = erplink_error_last();
  CHECK_EQ_INT(erplink_error_code(e), code);
  CHECK_EQ_INT(erplink_error_get_category(e), erplink_error_category_of(code));
  if (substr && !strstr(erplink_error_message(e), substr))
    printf("# message \"%s\" lacks \"%s\"\n", erplink_error_message(e), substr);
  if (substr) CHECK(strstr(erplink_error_message(e), substr) != NULL);
}

/* ---------------------------------------------------------------- SHA-256 (FIPS 180) */

static void test_sha256_vectors(void) {
  struct {
    const char *msg;
    const char *hex;
  } v[] = {
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrst"
       "u",
       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
  };
  unsigned char d[32];
  char hex[65];
  for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
    CHECK(erplink_sha256(d, v[k].msg, strlen(v[k].msg)) == 0);
    to_hex(hex, d, 32);
    CHECK_EQ_STR(hex, v[k].hex);
  }
  CHECK(erplink_sha256(d, NULL, 0) == 0);
  to_hex(hex, d, 32);
  CHECK_EQ_STR(hex, v[1].hex);

  /* one million 'a': one shot, and incrementally in uneven pieces */
  char *a = malloc(1000000);
  REQUIRE(a);
  memset(a, 'a', 1000000);
  const char *mil = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  CHECK(erplink_sha256(d, a, 1000000) == 0);
  to_hex(hex, d, 32);
  CHECK_EQ_STR(hex, mil);
  erplink_sha256_ctx *c;
  REQUIRE(erplink_sha256_new(&c) == 0);
  for (int round = 0; round < 2; round++) { /* final resets: the context is reusable */
    size_t off = 0, step = 1;
    while (off < 1000000) {
      size_t n = 1000000 - off < step ? 1000000 - off : step;
      CHECK(erplink_sha256_update(c, a + off, n) == 0);
      off += n;
      step = step * 3 % 9973 + 1;
    }
    CHECK(erplink_sha256_update(c, NULL, 0) == 0);
    memset(d, 0, sizeof d);
    CHECK(erplink_sha256_final(d, c) == 0);
    to_hex(hex, d, 32);
    CHECK_EQ_STR(hex, mil);
  }
  /* final with nothing hashed = empty message */
  CHECK(erplink_sha256_final(d, c) == 0);
  to_hex(hex, d, 32);
  CHECK_EQ_STR(hex, v[1].hex);
  erplink_sha256_free(c);
  erplink_sha256_free(NULL);
  free(a);
}

static void test_sha256_errors(void) {
  unsigned char d[32];
  CHECK_EQ_INT(erplink_sha256(NULL, "a", 1), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "out is NULL");
  CHECK_EQ_INT(erplink_sha256(d, NULL, 1), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "data is NULL");
  CHECK_EQ_INT(erplink_sha256_new(NULL), ERPLINK_EINVAL);
  erplink_sha256_ctx *c;
  REQUIRE(erplink_sha256_new(&c) == 0);
  CHECK_EQ_INT(erplink_sha256_update(NULL, "a", 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_sha256_update(c, NULL, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_sha256_final(NULL, c), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_sha256_final(d, NULL), ERPLINK_EINVAL);
  erplink_sha256_free(c);
}

/* ---------------------------------------------------------------- HMAC (RFC 4231) */

static unsigned char *rep(unsigned char c, size_t n) {
  unsigned char *p = malloc(n);
  memset(p, c, n);
  return p;
}

static void test_hmac_rfc4231(void) {
  unsigned char k4[25];
  for (int i = 0; i < 25; i++) k4[i] = (unsigned char)(i + 1);
  unsigned char *k1 = rep(0x0b, 20), *k3 = rep(0xaa, 20), *d3 = rep(0xdd, 50), *d4 = rep(0xcd, 50), *k5 = rep(0x0c, 20),
                *k6 = rep(0xaa, 131);
  struct {
    const void *key;
    size_t klen;
    const void *data;
    size_t dlen;
    const char *hex;
  } v[] = {
      {k1, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", 4, "what do ya want for nothing?", 28,
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {k3, 20, d3, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {k4, 25, d4, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {k5, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b"}, /* truncated to 128 bits */
      {k6, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {k6, 131,
       "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be "
       "hashed before being used by the HMAC algorithm.",
       152, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
    unsigned char tag[32];
    char hex[65], hex2[65];
    size_t cmp = strlen(v[k].hex);
    erplink_hmac *h;
    REQUIRE(erplink_hmac_new(&h, v[k].key, v[k].klen) == 0);
    CHECK(erplink_hmac_sha256(tag, h, v[k].data, v[k].dlen) == 0);
    to_hex(hex, tag, 32);
    CHECK(strncmp(hex, v[k].hex, cmp) == 0);
    if (strncmp(hex, v[k].hex, cmp)) printf("# case %zu: %s\n", k + 1, hex);
    CHECK(erplink_hmac_sha256_hex(hex2, h, v[k].data, v[k].dlen) == 0);
    CHECK_EQ_STR(hex2, hex);
    /* streamed one byte at a time */
    for (size_t i = 0; i < v[k].dlen; i++) CHECK(erplink_hmac_update(h, (const char *)v[k].data + i, 1) == 0);
    CHECK(erplink_hmac_final(tag, h) == 0);
    to_hex(hex2, tag, 32);
    CHECK_EQ_STR(hex2, hex);
    /* one-shot */
    CHECK(erplink_hmac_sha256_oneshot(tag, v[k].key, v[k].klen, v[k].data, v[k].dlen) == 0);
    to_hex(hex2, tag, 32);
    CHECK_EQ_STR(hex2, hex);
    erplink_hmac_free(h);
  }
  free(k1);
  free(k3);
  free(d3);
  free(d4);
  free(k5);
  free(k6);
}

static void test_hmac_reuse(void) {
  const char *key = "whsec_reuse_key_0123456789";
  erplink_hmac *h, *c;
  REQUIRE(erplink_hmac_new(&h, key, strlen(key)) == 0);
  unsigned char *msg = malloc(5000);
  for (int i = 0; i < 5000; i++) msg[i] = (unsigned char)(i * 131 + 7);
  int mismatches = 0;
  for (size_t i = 0; i < 2000; i++) {
    size_t len = (i * 37) % 5000;
    unsigned char a[32], b[32];
    size_t off = i % 7, dlen = len > off ? len - off : 0;
    CHECK(erplink_hmac_sha256(a, h, msg + off, dlen) == 0);
    CHECK(erplink_hmac_sha256_oneshot(b, key, strlen(key), msg + off, dlen) == 0);
    if (memcmp(a, b, 32)) mismatches++;
  }
  CHECK_EQ_INT(mismatches, 0);
  /* a one-shot call abandons a streamed message; the next update starts afresh */
  unsigned char t1[32], t2[32], t3[32];
  CHECK(erplink_hmac_update(h, "garbage", 7) == 0);
  CHECK(erplink_hmac_sha256(t1, h, "abc", 3) == 0);
  CHECK(erplink_hmac_update(h, "ab", 2) == 0);
  CHECK(erplink_hmac_update(h, "c", 1) == 0);
  CHECK(erplink_hmac_final(t2, h) == 0);
  CHECK(memcmp(t1, t2, 32) == 0);
  /* final with nothing streamed: the empty message */
  CHECK(erplink_hmac_final(t2, h) == 0);
  CHECK(erplink_hmac_sha256(t3, h, NULL, 0) == 0);
  CHECK(memcmp(t2, t3, 32) == 0);
  CHECK(memcmp(t1, t3, 32) != 0);
  /* clone: same tags, independent streaming */
  REQUIRE(erplink_hmac_clone(&c, h) == 0);
  CHECK(erplink_hmac_update(h, "xyz", 3) == 0);
  CHECK(erplink_hmac_sha256(t2, c, "abc", 3) == 0);
  CHECK(memcmp(t1, t2, 32) == 0);
  CHECK(erplink_hmac_final(t3, h) == 0);
  CHECK(erplink_hmac_sha256(t2, c, "xyz", 3) == 0);
  CHECK(memcmp(t3, t2, 32) == 0);
  erplink_hmac_free(c);
  erplink_hmac_free(h);
  erplink_hmac_free(NULL);
  free(msg);
}

typedef struct thr_arg {
  const erplink_hmac *tmpl;
  unsigned char expect[32];
  int failures;
} thr_arg;

static void *thr_main(void *p) {
  thr_arg *a = p;
  erplink_hmac *mine;
  if (erplink_hmac_clone(&mine, a->tmpl)) {
    a->failures++;
    return NULL;
  }
  for (int i = 0; i < 2000; i++) {
    unsigned char t[32];
    if (erplink_hmac_sha256(t, mine, "thread message", 14) || memcmp(t, a->expect, 32)) a->failures++;
  }
  erplink_hmac_free(mine);
  return NULL;
}

static void test_hmac_threads(void) {
  erplink_hmac *tmpl;
  REQUIRE(erplink_hmac_new(&tmpl, "k", 1) == 0);
  thr_arg args[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    args[i].tmpl = tmpl;
    args[i].failures = 0;
    CHECK(erplink_hmac_sha256_oneshot(args[i].expect, "k", 1, "thread message", 14) == 0);
    CHECK(pthread_create(&th[i], NULL, thr_main, &args[i]) == 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_INT(args[i].failures, 0);
  }
  erplink_hmac_free(tmpl);
}

static void test_hmac_errors(void) {
  erplink_hmac *h = (erplink_hmac *)1;
  unsigned char t[32];
  char hex[65];
  CHECK_EQ_INT(erplink_hmac_new(&h, NULL, 5), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "key is NULL");
  CHECK(h == NULL);
  CHECK_EQ_INT(erplink_hmac_new(&h, NULL, 0), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "key is NULL");
  CHECK_EQ_INT(erplink_hmac_new(&h, "", 0), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "key is empty");
  CHECK_EQ_INT(erplink_hmac_new(NULL, "k", 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hmac_sha256_oneshot(t, "", 0, "x", 1), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "key is empty");
  CHECK_EQ_INT(erplink_hmac_sha256_oneshot(NULL, "k", 1, "x", 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hmac_sha256_oneshot(t, "k", 1, NULL, 1), ERPLINK_EINVAL);
  const char *secret = "s3cr3t-webhook-key";
  REQUIRE(erplink_hmac_new(&h, secret, strlen(secret)) == 0);
  CHECK_EQ_INT(erplink_hmac_sha256(NULL, h, "x", 1), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "out is NULL");
  CHECK_EQ_INT(erplink_hmac_sha256(t, NULL, "x", 1), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "ctx is NULL");
  CHECK_EQ_INT(erplink_hmac_sha256(t, h, NULL, 1), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "data is NULL");
  CHECK(strstr(erplink_error_message(erplink_error_last()), secret) == NULL);
  CHECK_EQ_INT(erplink_hmac_sha256_hex(NULL, h, "x", 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hmac_sha256_hex(hex, NULL, "x", 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hmac_update(NULL, "x", 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hmac_update(h, NULL, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hmac_final(t, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hmac_final(NULL, h), ERPLINK_EINVAL);
  erplink_hmac *c = (erplink_hmac *)1;
  CHECK_EQ_INT(erplink_hmac_clone(&c, NULL), ERPLINK_EINVAL);
  CHECK(c == NULL);
  CHECK_EQ_INT(erplink_hmac_clone(NULL, h), ERPLINK_EINVAL);
  erplink_hmac_free(h);
}

/* ---------------------------------------------------------------- compare, hex, random */

static void test_ct_equal(void) {
  const char a[] = "0123456789abcdef0123456789abcdef";
  char b[sizeof a];
  memcpy(b, a, sizeof a);
  CHECK_EQ_INT(erplink_ct_equal(a, 32, b, 32), 1);
  b[0] ^= 1;
  CHECK_EQ_INT(erplink_ct_equal(a, 32, b, 32), 0);
  b[0] ^= 1;
  b[31] ^= 0x80;
  CHECK_EQ_INT(erplink_ct_equal(a, 32, b, 32), 0);
  b[31] ^= 0x80;
  CHECK_EQ_INT(erplink_ct_equal(a, 31, b, 32), 0); /* a prefix is not equal */
  CHECK_EQ_INT(erplink_ct_equal(a, 32, b, 31), 0);
  CHECK_EQ_INT(erplink_ct_equal(a, 0, b, 0), 1);
  CHECK_EQ_INT(erplink_ct_equal(NULL, 0, NULL, 0), 1);
  CHECK_EQ_INT(erplink_ct_equal(a, 0, NULL, 0), 1);
  CHECK_EQ_INT(erplink_ct_equal(a, 1, NULL, 0), 0);
  erplink_error_clear();
  CHECK_EQ_INT(erplink_ct_equal(NULL, 4, b, 4), 0); /* a bad call is never "equal" */
  check_last(ERPLINK_EINVAL, "NULL");
  CHECK_EQ_INT(erplink_ct_equal(a, 4, NULL, 4), 0);
  check_last(ERPLINK_EINVAL, "NULL");
}

static void test_hex(void) {
  const unsigned char raw[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff, 0x10};
  char *s = NULL;
  size_t n = 0;
  CHECK(erplink_hex_encode(&s, &n, raw, sizeof raw) == 0);
  CHECK_EQ_STR(s, "0001abcdefff10");
  CHECK_EQ_INT(n, 14);
  erplink_free(s);
  CHECK(erplink_hex_encode(&s, NULL, NULL, 0) == 0 && s && s[0] == '\0');
  erplink_free(s);
  char buf[15];
  CHECK(erplink_hex_encode_to(buf, sizeof buf, raw, sizeof raw) == 0);
  CHECK_EQ_STR(buf, "0001abcdefff10");
  CHECK_EQ_INT(erplink_hex_encode_to(buf, 14, raw, sizeof raw), ERPLINK_ERANGE);
  check_last(ERPLINK_ERANGE, "buffer of 15 bytes");
  CHECK_EQ_INT(erplink_hex_encode_to(NULL, 14, raw, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hex_encode(NULL, NULL, raw, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hex_encode(&s, NULL, NULL, 1), ERPLINK_EINVAL);

  unsigned char *p = NULL;
  CHECK(erplink_hex_decode(&p, &n, "0001ABcdEFff10", 14) == 0);
  CHECK(p && n == sizeof raw && memcmp(p, raw, n) == 0);
  erplink_free(p);
  CHECK(erplink_hex_decode(&p, &n, "", 0) == 0 && n == 0 && p);
  erplink_free(p);
  const char *bad[] = {"abc", "0x00", "zz", "00 11", "0g", " 00", "00\n", "-1"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    p = (unsigned char *)1;
    CHECK_EQ_INT(erplink_hex_decode(&p, &n, bad[k], strlen(bad[k])), ERPLINK_EINVAL);
    CHECK(p == NULL && n == 0);
  }
  erplink_hex_decode(&p, &n, "00112g", 6);
  check_last(ERPLINK_EINVAL, "offset 5");
  erplink_hex_decode(&p, &n, "abc", 3);
  check_last(ERPLINK_EINVAL, "odd number");
  CHECK_EQ_INT(erplink_hex_decode(NULL, NULL, "00", 2), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_hex_decode(&p, NULL, NULL, 2), ERPLINK_EINVAL);
}

static void test_random(void) {
  unsigned char a[32], b[32], zero[32] = {0};
  CHECK(erplink_random_bytes(a, sizeof a) == 0);
  CHECK(erplink_random_bytes(b, sizeof b) == 0);
  CHECK(memcmp(a, b, 32) != 0);
  CHECK(memcmp(a, zero, 32) != 0);
  CHECK(erplink_random_bytes(NULL, 0) == 0);
  CHECK_EQ_INT(erplink_random_bytes(NULL, 1), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "out is NULL");
  /* exactly the requested length is written: the guard bytes around it stay */
  unsigned char big[100002];
  memset(big, 0x5a, sizeof big);
  CHECK(erplink_random_bytes(big + 1, 100000) == 0);
  CHECK(big[0] == 0x5a && big[100001] == 0x5a);
  /* and it looks random: every byte value appears, none dominates */
  int hist[256] = {0};
  for (int i = 1; i <= 100000; i++) hist[big[i]]++;
  int min = 100000, max = 0;
  for (int i = 0; i < 256; i++) {
    if (hist[i] < min) min = hist[i];
    if (hist[i] > max) max = hist[i];
  }
  CHECK(min > 250 && max < 550); /* expected 390 each */
}

/* ---------------------------------------------------------------- base64 (RFC 4648) */

static void check_b64(const char *raw, size_t rlen, unsigned flags, const char *expect) {
  char *s = NULL;
  size_t n = 0;
  CHECK(erplink_base64_encode(&s, &n, raw, rlen, flags) == 0);
  CHECK_EQ_STR(s, expect);
  CHECK(s && n == strlen(s));
  unsigned char *p = NULL;
  size_t pl = 0;
  CHECK(erplink_base64_decode(&p, &pl, expect, strlen(expect), flags) == 0);
  CHECK(p && pl == rlen && memcmp(p, raw, rlen) == 0);
  erplink_free(p);
  erplink_free(s);
}

static void test_base64_vectors(void) {
  const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *std[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  const char *nopad[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
  for (size_t k = 0; k < 7; k++) {
    check_b64(in[k], strlen(in[k]), ERPLINK_BASE64_STD, std[k]);
    check_b64(in[k], strlen(in[k]), ERPLINK_BASE64_URL, std[k]);
    check_b64(in[k], strlen(in[k]), ERPLINK_BASE64_NOPAD, nopad[k]);
    check_b64(in[k], strlen(in[k]), ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD, nopad[k]);
  }
  /* the two alphabets differ in 62 and 63 */
  const char raw[] = "\xfb\xff\xbf\xfe";
  check_b64(raw, 4, ERPLINK_BASE64_STD, "+/+//g==");
  check_b64(raw, 4, ERPLINK_BASE64_URL, "-_-__g==");
  check_b64(raw, 4, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD, "-_-__g");
  /* PKCE (RFC 7636 appendix B): challenge = base64url-nopad(SHA-256(verifier)) */
  const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  unsigned char d[32];
  CHECK(erplink_sha256(d, verifier, strlen(verifier)) == 0);
  char *s = NULL;
  CHECK(erplink_base64_encode(&s, NULL, d, 32, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD) == 0);
  CHECK_EQ_STR(s, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  erplink_free(s);
  /* every length and flag combination round-trips */
  unsigned char buf[300];
  for (int i = 0; i < 300; i++) buf[i] = (unsigned char)(i * 89 + 3);
  int bad = 0;
  for (size_t len = 0; len < 300; len++) {
    for (unsigned f = 0; f < 4; f++) {
      char *t = NULL;
      unsigned char *p = NULL;
      size_t tl = 0, pl = 0;
      if (erplink_base64_encode(&t, &tl, buf, len, f) || erplink_base64_decode(&p, &pl, t, tl, f) || pl != len ||
          memcmp(p, buf, len))
        bad++;
      erplink_free(p);
      p = NULL;
      if (erplink_base64_decode(&p, &pl, t, tl, (f & 1) | ERPLINK_BASE64_PAD_OPTIONAL) || pl != len) bad++;
      erplink_free(p);
      erplink_free(t);
    }
  }
  CHECK_EQ_INT(bad, 0);
}

static void b64_bad(const char *text, unsigned flags, const char *msg) {
  unsigned char *p = (unsigned char *)1;
  size_t n = 7;
  int rc = erplink_base64_decode(&p, &n, text, strlen(text), flags);
  if (rc != ERPLINK_EINVAL) printf("# \"%s\" flags %u: rc %d\n", text, flags, rc);
  CHECK_EQ_INT(rc, ERPLINK_EINVAL);
  CHECK(p == NULL && n == 0);
  check_last(ERPLINK_EINVAL, msg);
}

static void test_base64_errors(void) {
  b64_bad("Zm9v!A==", 0, "invalid character at offset 4");
  b64_bad("Zm9v YmFy", 0, "whitespace at offset 4");
  b64_bad("Zm9v\nYmFy", 0, "whitespace");
  b64_bad("-_-__g==", 0, "invalid character at offset 0");                  /* url chars in std */
  b64_bad("+/+//g==", ERPLINK_BASE64_URL, "invalid character at offset 0"); /* std chars in url */
  b64_bad("Zg", 0, "missing padding");
  b64_bad("Zg=", 0, "incomplete padding");
  b64_bad("Zg=", ERPLINK_BASE64_PAD_OPTIONAL, "incomplete padding");
  b64_bad("Zg==", ERPLINK_BASE64_NOPAD, "padding '=' at offset 2 is not allowed");
  b64_bad("Zg===", 0, "misplaced padding");
  b64_bad("=Zg=", 0, "misplaced padding");
  b64_bad("Z===", 0, "misplaced padding");
  b64_bad("Zm9v=", 0, "misplaced padding");
  b64_bad("Zg==Zg==", 0, "data after padding at offset 4");
  b64_bad("Zm9vY", ERPLINK_BASE64_NOPAD, "truncated");
  b64_bad("Z", ERPLINK_BASE64_PAD_OPTIONAL, "truncated");
  b64_bad("Zh==", 0, "non-zero unused bits");
  b64_bad("Zm9=", 0, "non-zero unused bits");
  b64_bad("Zm9vYg", 0, "missing padding");
  b64_bad("Zm\x80v", 0, "invalid character");
  unsigned char *p;
  size_t n;
  CHECK_EQ_INT(erplink_base64_decode(&p, &n, "Zg==", 4, 64), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "unsupported flags");
  char *s;
  CHECK_EQ_INT(erplink_base64_encode(&s, &n, "f", 1, ERPLINK_BASE64_ALLOW_WS), ERPLINK_EINVAL);
  check_last(ERPLINK_EINVAL, "unsupported flags");
  CHECK_EQ_INT(erplink_base64_encode(NULL, &n, "f", 1, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_base64_encode(&s, &n, NULL, 1, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_base64_decode(NULL, &n, "Zg==", 4, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_base64_decode(&p, &n, NULL, 4, 0), ERPLINK_EINVAL);
  /* allowed with the flags */
  CHECK(erplink_base64_decode(&p, &n, " Zm9v\r\nYm\tFy \n", 14, ERPLINK_BASE64_ALLOW_WS) == 0);
  CHECK(n == 6 && memcmp(p, "foobar", 6) == 0);
  erplink_free(p);
  CHECK(erplink_base64_decode(&p, &n, "Zg", 2, ERPLINK_BASE64_PAD_OPTIONAL) == 0 && n == 1 && p[0] == 'f');
  erplink_free(p);
  CHECK(erplink_base64_decode(&p, &n, "Zg==", 4, ERPLINK_BASE64_PAD_OPTIONAL) == 0 && n == 1 && p[0] == 'f');
  erplink_free(p);
  CHECK(erplink_base64_decode(&p, &n, "", 0, 0) == 0 && n == 0 && p != NULL);
  erplink_free(p);
  CHECK(erplink_base64_decode(&p, &n, NULL, 0, 0) == 0 && n == 0);
  erplink_free(p);
}

/* The argument checks of erplink_pkey_* (the signatures themselves are checked against the
 * Python package cryptography by pkey_oracle.py). */
static void test_pkey_arguments(void) {
  unsigned char x[32] = {1}, sig[64] = {0};
  erplink_pkey *k = (erplink_pkey *)&k;
  CHECK_EQ_INT(erplink_pkey_new_rsa(&k, NULL, 0, x, 1), ERPLINK_EINVAL);
  CHECK(k == NULL);
  CHECK_EQ_INT(erplink_pkey_new_rsa(NULL, x, 32, x, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_pkey_new_rsa(&k, x, 32, x, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_pkey_new_rsa(&k, x, 32, x, 1), ERPLINK_EINVAL); /* 249 bits */
  CHECK(strstr(erplink_error_message(erplink_error_last()), "bits") != NULL);
  CHECK_EQ_INT(erplink_pkey_new_ec_p256(&k, x, 32, NULL, 32), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_pkey_new_ec_p256(&k, x, 31, x, 32), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_pkey_new_ec_p256(&k, x, 32, x, 32), ERPLINK_EINVAL); /* not on the curve */
  CHECK(k == NULL);
  CHECK_EQ_INT(erplink_pkey_verify(NULL, ERPLINK_SIG_ES256, "m", 1, sig, 64), ERPLINK_EINVAL);
  erplink_pkey_free(NULL);
}

int main(void) {
  RUN(test_sha256_vectors);
  RUN(test_sha256_errors);
  RUN(test_hmac_rfc4231);
  RUN(test_hmac_reuse);
  RUN(test_hmac_threads);
  RUN(test_hmac_errors);
  RUN(test_ct_equal);
  RUN(test_hex);
  RUN(test_random);
  RUN(test_base64_vectors);
  RUN(test_base64_errors);
  RUN(test_pkey_arguments);
  return test_done();
}
