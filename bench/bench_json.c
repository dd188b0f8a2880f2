/* erplink's side of the JSON benchmarks (bench/json_bench.py).
 *
 *   bench_json decode FILE RUNS    best wall time of erplink_json_decode() on FILE
 *   bench_json decoder FILE RUNS   best time of one reused erplink_json_decoder fed FILE in
 *                                  64 KiB pieces (as an HTTP body arrives), finish included
 *   bench_json rss FILE [decoder]  decodes FILE once: this process's peak RSS before/after, and
 *                                  the size of the tree (so that the decoder's own memory shows)
 *   bench_json encode FILE RUNS    decodes FILE once, then best time of erplink_json_encode()
 *
 * Prints key=value lines (best_s, bytes, out_bytes, tree_bytes, rss_*_kb). */
#include "erplink/erplink.h"
#include "arena.h"
#include "bench_common.h"

#include <string.h>

#define PIECE 65536

static void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, erplink_error_message(erplink_error_last()));
  exit(1);
}

static erplink_value *feed_all(erplink_json_decoder *d, const char *doc, size_t len) {
  for (size_t off = 0; off < len; off += PIECE)
    if (erplink_json_decoder_feed(d, doc + off, len - off < PIECE ? len - off : PIECE)) die("feed");
  erplink_value *v;
  if (erplink_json_decoder_finish(&v, d)) die("finish");
  return v;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s decode|decoder|rss|encode FILE [RUNS]\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  if (runs < 1) runs = 1;
  long rss0 = bench_maxrss_kb();
  size_t len;
  char *doc = bench_load(argv[2], &len);
  printf("bytes=%zu\n", len);
  erplink_json_decoder *d = NULL;
  if (erplink_json_decoder_new(&d, NULL)) die("decoder");
  if (!strcmp(mode, "rss")) {
    long rss1 = bench_maxrss_kb();
    erplink_value *v;
    if (argc > 3 && !strcmp(argv[3], "decoder"))
      v = feed_all(d, doc, len);
    else if (erplink_json_decode(&v, doc, len, NULL))
      die("decode");
    long rss2 = bench_maxrss_kb();
    /* what the tree occupies (its arena's blocks may be larger: the rest is never touched) */
    printf("tree_bytes=%zu\n", erplink__arena_used(erplink_arena_of_root(v)));
    erplink_value_free(v);
    printf("rss_start_kb=%ld\nrss_loaded_kb=%ld\nrss_decode_peak_kb=%ld\n", rss0, rss1, rss2);
  } else if (!strcmp(mode, "decode") || !strcmp(mode, "decoder")) {
    bool pieces = !strcmp(mode, "decoder");
    double best = 1e9;
    for (int i = 0; i < runs; i++) {
      erplink_value *v;
      double t0 = bench_now();
      if (pieces)
        v = feed_all(d, doc, len);
      else if (erplink_json_decode(&v, doc, len, NULL))
        die("decode");
      double t = bench_now() - t0;
      erplink_value_free(v);
      if (t < best) best = t;
    }
    printf("best_s=%.6f\n", best);
  } else if (!strcmp(mode, "encode")) {
    erplink_value *v;
    if (erplink_json_decode(&v, doc, len, NULL)) die("decode");
    double best = 1e9;
    size_t outn = 0;
    for (int i = 0; i < runs; i++) {
      char *out;
      double t0 = bench_now();
      if (erplink_json_encode(&out, &outn, v)) die("encode");
      double t = bench_now() - t0;
      erplink_free(out);
      if (t < best) best = t;
    }
    erplink_value_free(v);
    printf("best_s=%.6f\nout_bytes=%zu\n", best, outn);
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  printf("rss_peak_kb=%ld\n", bench_maxrss_kb());
  erplink_json_decoder_free(d);
  free(doc);
  return 0;
}
