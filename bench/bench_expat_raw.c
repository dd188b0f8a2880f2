/* Raw expat tokenising speed: no-op start, end and character-data handlers, the document
 * fed in 1 MiB chunks exactly as erplink's decoder feeds it.
 *
 *   bench_expat_raw FILE RUNS      prints bytes= and best_s= */
#include <expat.h>

#include "bench_common.h"

static void XMLCALL on_start(void *ud, const XML_Char *n, const XML_Char **a) { (void)ud, (void)n, (void)a; }
static void XMLCALL on_end(void *ud, const XML_Char *n) { (void)ud, (void)n; }
static void XMLCALL on_text(void *ud, const XML_Char *s, int len) { (void)ud, (void)s, (void)len; }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s FILE [RUNS]\n", argv[0]);
    return 2;
  }
  int runs = argc > 2 ? atoi(argv[2]) : 5;
  size_t len;
  char *doc = bench_load(argv[1], &len);
  double best = 1e9;
  for (int r = 0; r < (runs < 1 ? 1 : runs); r++) {
    double t0 = bench_now();
    XML_Parser p = XML_ParserCreate(NULL);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    size_t off = 0;
    do {
      size_t c = len - off > (1u << 20) ? (1u << 20) : len - off;
      if (XML_Parse(p, doc + off, (int)c, off + c == len) != XML_STATUS_OK) {
        fprintf(stderr, "expat: %s\n", XML_ErrorString(XML_GetErrorCode(p)));
        return 1;
      }
      off += c;
    } while (off < len);
    XML_ParserFree(p);
    double t = bench_now() - t0;
    if (t < best) best = t;
  }
  printf("bytes=%zu\nbest_s=%.6f\n", len, best);
  free(doc);
  return 0;
}
