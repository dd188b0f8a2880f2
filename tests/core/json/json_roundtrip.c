/* Helper for json_oracle.py: reads documents, one per line, from the file named by argv[1]
 * (or stdin), decodes and re-encodes each with erplink, and prints one line per document:
 * the re-encoded JSON, or "ERROR <code> <message>". Line k goes, by k % 3, through
 * erplink_json_decode() (simdjson's DOM path), the incremental decoder fed in pieces of
 * 1..13 bytes, or the On-Demand walker alone (the exact path, which decodes every document
 * the DOM path hands over and every document over 32 MiB): each path must be as strict as
 * Python's json. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "json_parse.h"

static int decode_ondemand(erplink_value **out, const char *s, size_t len) {
  struct erplink_limits lim;
  erplink__limits_resolve(&lim, NULL);
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
  if (i == len || s[i] == '<') return erplink_json_decode(out, s, len, NULL); /* the decoder's own cases */
  char *pad = calloc(1, len + ERPLINK_JSON_PADDING);
  if (!pad) return ERPLINK_ENOMEM;
  memcpy(pad, s, len);
  int rc = erplink__json_parse_ondemand(out, pad, len, &lim, len);
  free(pad);
  return rc;
}

static int decode_pieces(erplink_value **out, const char *s, size_t len) {
  erplink_json_decoder *d;
  int rc = erplink_json_decoder_new(&d, NULL);
  if (rc) return rc;
  size_t off = 0, step = 1;
  while (off < len && rc == 0) {
    size_t n = len - off < step ? len - off : step;
    rc = erplink_json_decoder_feed(d, s + off, n);
    off += n;
    step = step % 13 + 1;
  }
  if (rc == 0) rc = erplink_json_decoder_finish(out, d);
  erplink_json_decoder_free(d);
  return rc;
}

int main(int argc, char **argv) {
  FILE *in = argc > 1 ? fopen(argv[1], "rb") : stdin;
  if (!in) {
    perror(argv[1]);
    return 2;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  unsigned long k = 0;
  while ((n = getline(&line, &cap, in)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') n--;
    erplink_value *v = NULL;
    int rc;
    switch (k++ % 3) {
    case 0: rc = erplink_json_decode(&v, line, (size_t)n, NULL); break;
    case 1: rc = decode_pieces(&v, line, (size_t)n); break;
    default: rc = decode_ondemand(&v, line, (size_t)n); break;
    }
    char *o = NULL;
    if (rc == 0) rc = erplink_json_encode(&o, NULL, v);
    if (rc == 0)
      printf("%s\n", o);
    else
      printf("ERROR %d %s\n", rc, erplink_error_message(erplink_error_last()));
    erplink_free(o);
    erplink_value_free(v);
  }
  free(line);
  if (in != stdin) fclose(in);
  return 0;
}
