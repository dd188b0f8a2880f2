/* The limit of the JSON decode benchmark: simdjson's DOM parser (Debian's libsimdjson).
 *
 *   bench_simdjson dom FILE RUNS     best time of dom::parser::parse() with one parser reused
 *                                    (its buffers stay warm, as in simdjson's own benchmarks)
 *   bench_simdjson fresh FILE RUNS   the same with a new parser for each document (a decoder
 *                                    that hands its tree over cannot keep it)
 *   bench_simdjson rss FILE          parses once: this process's peak RSS before/after
 *
 * The document is loaded into a padded_string beforehand (not timed). Prints key=value lines. */
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench_common.h"

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s dom|fresh|rss FILE [RUNS]\n", argv[0]);
    return 2;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  if (runs < 1) runs = 1;
  long rss0 = bench_maxrss_kb();
  simdjson::padded_string doc;
  if (simdjson::padded_string::load(argv[2]).get(doc)) {
    fprintf(stderr, "cannot read %s\n", argv[2]);
    return 2;
  }
  printf("bytes=%zu\n", doc.size());
  if (!strcmp(argv[1], "rss")) {
    long rss1 = bench_maxrss_kb();
    simdjson::dom::parser p;
    simdjson::dom::element root;
    if (p.parse(doc).get(root)) return 1;
    printf("rss_start_kb=%ld\nrss_loaded_kb=%ld\nrss_peak_kb=%ld\n", rss0, rss1, bench_maxrss_kb());
    return 0;
  }
  bool fresh = !strcmp(argv[1], "fresh");
  simdjson::dom::parser reused;
  double best = 1e9;
  for (int i = 0; i < runs; i++) {
    simdjson::dom::parser *p = fresh ? new simdjson::dom::parser() : &reused;
    double t0 = bench_now();
    simdjson::dom::element root;
    simdjson::error_code e = p->parse(doc).get(root);
    double t = bench_now() - t0;
    if (fresh) delete p;
    if (e) {
      fprintf(stderr, "simdjson: %s\n", simdjson::error_message(e));
      return 1;
    }
    if (t < best) best = t;
  }
  printf("best_s=%.6f\n", best);
  return 0;
}
