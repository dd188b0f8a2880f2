/* json_split_linear: decoding a long string that arrives in small pieces costs time linear in
 * its length (yajl's decoder re-copied the unfinished token at every piece: a 6 MB string fed
 * in 16 KB pieces took ~750 ms against 10 ms from one buffer).
 *
 * Robust on loaded machines and under ASan/TSan: it compares CPU times of the same process
 * (best of several runs), never against a wall-clock bound. A 1 MiB and an 8 MiB string are fed
 * in 16 KiB pieces: linear work makes the second ~8 times the first, quadratic work 64 times;
 * the test asks for less than 16. And the 8 MiB string fed in pieces must cost less than 8
 * times the same document decoded from one buffer (quadratic: ~64 times). */
#include <stdbool.h>
#include <time.h>

#include "erplink/erplink.h"
#include "test.h"

#define PIECE (16 * 1024)

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *string_doc(size_t n, size_t *len) {
  char *s = malloc(n + 2);
  if (!s) return NULL;
  s[0] = '"';
  for (size_t i = 0; i < n; i++) s[i + 1] = (char)('a' + i % 26);
  s[n + 1] = '"';
  *len = n + 2;
  return s;
}

/* Best CPU time of decoding doc (fed in pieces, or whole), checking the result each time. */
static double best_decode(const char *doc, size_t len, size_t piece, int runs) {
  double best = 1e9;
  erplink_limits *lim;
  if (erplink_limits_new(&lim) || erplink_limits_set_max_bytes(lim, 64u << 20)) return -1;
  for (int r = 0; r < runs; r++) {
    erplink_json_decoder *d;
    if (erplink_json_decoder_new(&d, lim)) return -1;
    double t0 = cpu_now();
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += piece)
      rc = erplink_json_decoder_feed(d, doc + off, len - off < piece ? len - off : piece);
    erplink_value *v = NULL;
    if (rc == 0) rc = erplink_json_decoder_finish(&v, d);
    double t = cpu_now() - t0;
    size_t n = 0;
    const char *s = NULL;
    bool ok = rc == 0 && erplink_value_get_string(&s, &n, v) == 0 && n == len - 2 && s[0] == 'a' && s[n - 1] == doc[len - 2];
    if (!ok) printf("# decode of %zu bytes failed: %d %s\n", len, rc, erplink_error_message(erplink_error_last()));
    erplink_value_free(v);
    erplink_json_decoder_free(d);
    if (!ok) {
      erplink_limits_free(lim);
      return -1;
    }
    if (t < best) best = t;
  }
  erplink_limits_free(lim);
  return best;
}

static void test_split_linear(void) {
  size_t l1, l8;
  char *d1 = string_doc((size_t)1 << 20, &l1), *d8 = string_doc((size_t)8 << 20, &l8);
  REQUIRE(d1 && d8);
  double t1 = best_decode(d1, l1, PIECE, 7);
  double t8 = best_decode(d8, l8, PIECE, 3);
  double w8 = best_decode(d8, l8, l8, 3);
  printf("# CPU: 1 MiB in 16 KiB pieces %.2f ms, 8 MiB in pieces %.2f ms (x%.1f), 8 MiB whole %.2f ms\n", t1 * 1e3,
         t8 * 1e3, t1 > 0 ? t8 / t1 : 0, w8 * 1e3);
  CHECK(t1 > 0 && t8 > 0 && w8 > 0);
  /* a CPU clock ticks in at least microseconds: floor the small figure so that the ratio means something */
  double floor1 = t1 > 1e-4 ? t1 : 1e-4;
  CHECK(t8 < 16 * floor1);
  CHECK(t8 < 8 * (w8 > 1e-4 ? w8 : 1e-4));
  free(d1);
  free(d8);
}

int main(void) {
  RUN(test_split_linear);
  return test_done();
}
