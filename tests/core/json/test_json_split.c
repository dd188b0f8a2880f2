/* json_split_linear: decoding a long string that arrives in small pieces costs time linear in
 * its length (yajl's decoder re-copied the unfinished token at every piece: a 6 MB string fed
 * in 16 KB pieces took ~750 ms against 10 ms from one buffer).
 *
 * Robust on loaded machines and under ASan/TSan: it compares CPU times of the same process
 * (best of several runs of one decoder), never against a wall-clock bound. A 1 MiB and an
 * 8 MiB string are fed in 16 KiB pieces: linear work makes the feeding of the second ~8 times
 * that of the first, quadratic work 64 times; the test asks for less than 16. (Feeding alone:
 * the tree of the larger string comes from fresh pages, whose cost depends on the allocator.)
 * And the whole decode of the 8 MiB string fed in pieces, finish included, must cost less
 * than 8 times the same document decoded from one buffer (quadratic: ~64 times). */
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

/* Best CPU time of decoding doc (fed in pieces, or whole), checking the result each time;
 * *feed_only receives the best time of the feeding alone.
 * One decoder does every run, so that its buffers are equally warm for both sizes (the best
 * run is then the work itself, not first-touch page faults). */
static double best_decode(const char *doc, size_t len, size_t piece, int runs, double *feed_only) {
  double best = 1e9, best_feed = 1e9;
  erplink_limits *lim;
  erplink_json_decoder *d;
  if (erplink_limits_new(&lim) || erplink_limits_set_max_bytes(lim, 64u << 20)) return -1;
  if (erplink_json_decoder_new(&d, lim)) return -1;
  for (int r = 0; r < runs; r++) {
    double t0 = cpu_now();
    int rc = 0;
    for (size_t off = 0; off < len && rc == 0; off += piece)
      rc = erplink_json_decoder_feed(d, doc + off, len - off < piece ? len - off : piece);
    double tf = cpu_now() - t0;
    if (tf < best_feed) best_feed = tf;
    erplink_value *v = NULL;
    if (rc == 0) rc = erplink_json_decoder_finish(&v, d);
    double t = cpu_now() - t0;
    size_t n = 0;
    const char *s = NULL;
    bool ok =
        rc == 0 && erplink_value_get_string(&s, &n, v) == 0 && n == len - 2 && s[0] == 'a' && s[n - 1] == doc[len - 2];
    if (!ok) printf("# decode of %zu bytes failed: %d %s\n", len, rc, erplink_error_message(erplink_error_last()));
    erplink_value_free(v);
    if (!ok) {
      best = -1;
      break;
    }
    if (t < best) best = t;
  }
  erplink_json_decoder_free(d);
  erplink_limits_free(lim);
  *feed_only = best_feed;
  return best;
}

static void test_split_linear(void) {
  size_t l1, l8;
  char *d1 = string_doc((size_t)1 << 20, &l1), *d8 = string_doc((size_t)8 << 20, &l8);
  REQUIRE(d1 && d8);
  double f1, f8, fw;
  /* warm-up: the allocator settles its thresholds on the first large blocks */
  if (best_decode(d8, l8, l8, 2, &fw) < 0) CHECK(!"warm-up decode");
  double t1 = best_decode(d1, l1, PIECE, 9, &f1);
  double t8 = best_decode(d8, l8, PIECE, 5, &f8);
  double w8 = best_decode(d8, l8, l8, 5, &fw);
  printf("# CPU: feeding 1 MiB in 16 KiB pieces %.3f ms, 8 MiB %.3f ms (x%.1f); decoding 8 MiB: in pieces %.2f ms, "
         "from one buffer %.2f ms (1 MiB in pieces: %.2f ms)\n",
         f1 * 1e3, f8 * 1e3, f1 > 0 ? f8 / f1 : 0, t8 * 1e3, w8 * 1e3, t1 * 1e3);
  CHECK(t1 > 0 && t8 > 0 && w8 > 0);
  /* floor the small figures (0.25 ms, 0.1 ms), so that clock granularity and caches cannot make a ratio */
  CHECK(f8 < 16 * (f1 > 2.5e-4 ? f1 : 2.5e-4));
  CHECK(t8 < 8 * (w8 > 1e-4 ? w8 : 1e-4));
  free(d1);
  free(d8);
}

int main(void) {
  RUN(test_split_linear);
  return test_done();
}
