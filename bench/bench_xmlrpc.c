/* erplink's side of the XML-RPC benchmarks.
 *
 *   bench_xmlrpc decode FILE RUNS   best wall time of erplink_xmlrpc_decode_response() on FILE
 *   bench_xmlrpc rss FILE           decodes FILE once: this process's peak RSS before/after
 *   bench_xmlrpc encode FILE RUNS   decodes FILE once, then best time of erplink_xmlrpc_encode_response()
 *
 * Prints key=value lines (best_s, bytes, out_bytes, rss_*_kb) for bench/xmlrpc_bench.py. */
#include "erplink/erplink.h"
#include "bench_common.h"

#include <string.h>

static void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, erplink_error_message(erplink_error_last()));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s decode|rss|encode FILE [RUNS]\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  if (runs < 1) runs = 1;
  long rss0 = bench_maxrss_kb();
  size_t len;
  char *doc = bench_load(argv[2], &len);
  printf("bytes=%zu\n", len);
  if (!strcmp(mode, "rss")) {
    long rss1 = bench_maxrss_kb();
    erplink_value *v;
    int fault;
    if (erplink_xmlrpc_decode_response(&v, &fault, doc, len, NULL)) die("decode");
    long rss2 = bench_maxrss_kb();
    erplink_value_free(v);
    printf("rss_start_kb=%ld\nrss_loaded_kb=%ld\nrss_peak_kb=%ld\n", rss0, rss1, rss2);
    free(doc);
    return 0;
  }
  if (!strcmp(mode, "decode")) {
    double best = 1e9;
    for (int i = 0; i < runs; i++) {
      erplink_value *v;
      int fault;
      double t0 = bench_now();
      if (erplink_xmlrpc_decode_response(&v, &fault, doc, len, NULL)) die("decode");
      double t = bench_now() - t0;
      erplink_value_free(v);
      if (t < best) best = t;
    }
    printf("best_s=%.6f\n", best);
  } else if (!strcmp(mode, "encode")) {
    erplink_value *v;
    int fault;
    if (erplink_xmlrpc_decode_response(&v, &fault, doc, len, NULL)) die("decode");
    double best = 1e9;
    size_t outn = 0;
    for (int i = 0; i < runs; i++) {
      char *out;
      double t0 = bench_now();
      if (erplink_xmlrpc_encode_response(&out, &outn, v)) die("encode");
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
  free(doc);
  return 0;
}
