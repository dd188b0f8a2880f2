/* A deterministic mutation driver for the fuzz targets of fuzz.h, so that every CI run (also
 * under ASan/UBSan) fuzzes the parsers without needing clang's libFuzzer:
 *
 *   fuzz_driver TARGET ITERATIONS SEED FILE_OR_DIR...
 *
 * TARGET: xmlrpc (response and call), xmlrpc_response, xmlrpc_call, json, cartona_orders,
 * esi_pages, http_headers; and "libfuzzer" in the builds that link a file defining
 * LLVMFuzzerTestOneInput (tests/esi/fuzz_jwt.c, tests/razorpay/fuzz_razorpay.c) with
 * -DFUZZ_DRIVER_LIBFUZZER_TARGET. It runs the target on every seed file — the committed corpus
 * (tests/fuzz/corpus/<target>, which holds every regression input) and the captured
 * transcripts, cut at the blank line after the headers except for http_headers — then
 * ITERATIONS times on a mutation of a random small seed: bit flips, byte changes, deletions,
 * duplications, truncations and insertions of protocol tokens. The RNG is seeded from SEED,
 * so a failure is reproducible; ERPLINK_FUZZ_ITERS overrides ITERATIONS. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

typedef struct {
  uint8_t *data;
  size_t len;
} blob;

static blob *seeds;
static size_t nseeds, capseeds;

static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

static void add_seed(const uint8_t *p, size_t n) {
  if (nseeds == capseeds) {
    capseeds = capseeds ? capseeds * 2 : 64;
    seeds = realloc(seeds, capseeds * sizeof *seeds);
    if (!seeds) abort();
  }
  uint8_t *c = malloc(n ? n : 1);
  if (!c) abort();
  memcpy(c, p, n);
  seeds[nseeds++] = (blob){c, n};
}

static int keep_heads;    /* http_headers: seed with whole transcripts, not their bodies */
static int want_requests; /* xmlrpc_call: seed with the .request transcripts (others skip them) */

static void load_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  if (n < 0) {
    fclose(f);
    return;
  }
  uint8_t *buf = malloc((size_t)n + 1);
  if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    fclose(f);
    return;
  }
  fclose(f);
  size_t off = 0;
  if (!keep_heads && n > 5 &&
      (memcmp(buf, "HTTP/", 5) == 0 || memcmp(buf, "POST ", 5) == 0 || memcmp(buf, "GET ", 4) == 0)) {
    uint8_t *sep = memmem(buf, (size_t)n, "\r\n\r\n", 4);
    if (sep) off = (size_t)(sep - buf) + 4;
  }
  add_seed(buf + off, (size_t)n - off);
  free(buf);
}

static void load(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "no such seed path: %s\n", path);
    exit(2);
  }
  if (!S_ISDIR(st.st_mode)) {
    load_file(path);
    return;
  }
  DIR *d = opendir(path);
  if (!d) return;
  struct dirent *e;
  char **names = NULL;
  size_t n = 0;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || strstr(e->d_name, want_requests ? ".response" : ".request")) continue;
    names = realloc(names, (n + 1) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  /* sorted, so the run is the same on every machine */
  for (size_t i = 0; i < n; i++)
    for (size_t j = i + 1; j < n; j++)
      if (strcmp(names[i], names[j]) > 0) {
        char *t = names[i];
        names[i] = names[j];
        names[j] = t;
      }
  for (size_t i = 0; i < n; i++) {
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", path, names[i]);
    load_file(full);
    free(names[i]);
  }
  free(names);
}

static const char *const xml_tokens[] = {"<value>",
                                         "</value>",
                                         "<array><data>",
                                         "</data></array>",
                                         "<struct>",
                                         "</struct>",
                                         "<member>",
                                         "<name>",
                                         "</name>",
                                         "<int>",
                                         "</int>",
                                         "<i8>9223372036854775808</i8>",
                                         "<double>",
                                         "nan",
                                         "1e400",
                                         "<boolean>2</boolean>",
                                         "<nil/>",
                                         "<ex:nil/>",
                                         "<base64>",
                                         "====",
                                         "<dateTime.iso8601>",
                                         "20241301T25:61:61",
                                         "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>",
                                         "&a;",
                                         "&#0;",
                                         "&#13;",
                                         "&amp;",
                                         "<![CDATA[",
                                         "]]>",
                                         "\xff",
                                         "\xc0\xaf",
                                         "\xed\xa0\x80",
                                         "<?xml version='1.0'?>",
                                         "<fault>",
                                         "<methodResponse>",
                                         "<params><param>",
                                         "<methodCall><methodName>x</methodName>",
                                         "<html>",
                                         " ",
                                         "\r\n"};
static const char *const json_tokens[] = {"[",
                                          "]",
                                          "{",
                                          "}",
                                          "\"",
                                          "\\u",
                                          "\\ud800",
                                          "\\udc00",
                                          "\\u0000",
                                          ",",
                                          ":",
                                          "null",
                                          "true",
                                          "false",
                                          "-",
                                          "1e999",
                                          "-0",
                                          "9223372036854775808",
                                          "-9223372036854775809",
                                          "1.5e-400",
                                          "NaN",
                                          "Infinity",
                                          "\xff",
                                          "\xc0\xaf",
                                          "\xed\xa0\x80",
                                          "//",
                                          "/*",
                                          "<html>",
                                          " ",
                                          "\t",
                                          "\"\\\"",
                                          "0x10",
                                          "\"hashed_id\":",
                                          "\"status\":",
                                          "\"order_details\":[",
                                          "\"amount\":\"1.5\"",
                                          "\"orders\":",
                                          "\"data\":",
                                          "" /* a NUL byte: separates the pages of esi_pages */};
static const char *const http_tokens[] = {"\r\n",
                                          "\n",
                                          "HTTP/1.1 200 OK\r\n",
                                          "HTTP/2 304\r\n",
                                          "HTTP/1.1 100 Continue\r\n\r\n",
                                          ": ",
                                          ":",
                                          " folded\r\n",
                                          "\tfolded\r\n",
                                          "Content-Type: text/html; charset=utf-8\r\n",
                                          "Content-Length: 99999999999999999999\r\n",
                                          "Retry-After: Wed, 21 Oct 2015 07:28:00 GMT\r\n",
                                          "Retry-After: 120\r\n",
                                          "Set-Cookie: a=b\r\n",
                                          "Authorization: Bearer x\r\n",
                                          "\r\n\r\n<!doctype html>",
                                          "\xef\xbb\xbf<html>",
                                          "\x00",
                                          "\x7f"};

static const char *const *tokens;
static size_t ntokens;

static size_t mutate(uint8_t *buf, size_t len, size_t cap) {
  int ops = rnd() % 4 == 0 ? 2 + (int)(rnd() % 3) : 1; /* mostly one change: more inputs stay decodable */
  for (int k = 0; k < ops; k++) {
    switch (rnd() % 7) {
    case 0: /* bit flip */
      if (len) buf[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
      break;
    case 1: /* random byte */
      if (len) buf[rnd() % len] = (uint8_t)rnd();
      break;
    case 2: { /* delete a range */
      if (!len) break;
      size_t a = rnd() % len, n = 1 + rnd() % (len - a < 64 ? len - a : 64);
      memmove(buf + a, buf + a + n, len - a - n);
      len -= n;
      break;
    }
    case 3: { /* duplicate a range */
      if (!len) break;
      size_t a = rnd() % len, n = 1 + rnd() % (len - a < 64 ? len - a : 64);
      if (len + n > cap) break;
      size_t at = rnd() % (len + 1);
      uint8_t tmp[64];
      memcpy(tmp, buf + a, n);
      memmove(buf + at + n, buf + at, len - at);
      memcpy(buf + at, tmp, n);
      len += n;
      break;
    }
    case 4: /* truncate */
      if (len) len = rnd() % len;
      break;
    default: { /* insert a token */
      const char *t = tokens[rnd() % ntokens];
      size_t n = *t ? strlen(t) : 1; /* "" stands for one NUL byte */
      if (len + n > cap) break;
      size_t at = rnd() % (len + 1);
      memmove(buf + at + n, buf + at, len - at);
      memcpy(buf + at, t, n);
      len += n;
    }
    }
  }
  return len;
}

void fuzz_esi_teardown(void);
#ifdef FUZZ_DRIVER_LIBFUZZER_TARGET
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);
#endif

#define N(a) (sizeof a / sizeof *a)
static const struct {
  const char *name;
  int (*fn)(const uint8_t *, size_t);
  const char *const *tokens;
  size_t ntokens;
} targets[] = {
    {"xmlrpc", fuzz_xmlrpc, xml_tokens, N(xml_tokens)},
    {"xmlrpc_response", fuzz_xmlrpc_response, xml_tokens, N(xml_tokens)},
    {"xmlrpc_call", fuzz_xmlrpc_call, xml_tokens, N(xml_tokens)},
    {"json", fuzz_json, json_tokens, N(json_tokens)},
    {"cartona_orders", fuzz_cartona_orders, json_tokens, N(json_tokens)},
    {"esi_pages", fuzz_esi_pages, json_tokens, N(json_tokens)},
    {"http_headers", fuzz_http_headers, http_tokens, N(http_tokens)},
#ifdef FUZZ_DRIVER_LIBFUZZER_TARGET
    {"libfuzzer", LLVMFuzzerTestOneInput, json_tokens, N(json_tokens)},
#endif
};

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s TARGET ITERATIONS SEED FILE_OR_DIR...\n", argv[0]);
    return 2;
  }
  int (*target)(const uint8_t *, size_t) = NULL;
  for (size_t i = 0; i < N(targets); i++)
    if (strcmp(argv[1], targets[i].name) == 0) {
      target = targets[i].fn;
      tokens = targets[i].tokens;
      ntokens = targets[i].ntokens;
    }
  if (!target) {
    fprintf(stderr, "unknown target %s\n", argv[1]);
    return 2;
  }
  keep_heads = strcmp(argv[1], "http_headers") == 0;
  want_requests = strcmp(argv[1], "xmlrpc_call") == 0;
  long iters = atol(argv[2]);
  if (getenv("ERPLINK_FUZZ_ITERS")) iters = atol(getenv("ERPLINK_FUZZ_ITERS"));
  rng_state = strtoull(argv[3], NULL, 10) * 2654435761u + 88172645463325252ull;
  for (int i = 4; i < argc; i++) load(argv[i]);
  if (!nseeds) {
    fprintf(stderr, "no seeds\n");
    return 2;
  }
  size_t small[4096], nsmall = 0;
  for (size_t i = 0; i < nseeds; i++) {
    target(seeds[i].data, seeds[i].len);
    if (seeds[i].len <= 16384 && nsmall < 4096) small[nsmall++] = i;
  }
  printf("ok 1 - %zu seed documents decoded with every property holding\n", nseeds);
  if (!nsmall) {
    printf("not ok 2 - no seed small enough to mutate\n1..2\n");
    return 1;
  }
  size_t cap = 16384 + 4096;
  uint8_t *buf = malloc(cap);
  for (long it = 0; it < iters; it++) {
    blob *s = &seeds[small[rnd() % nsmall]];
    memcpy(buf, s->data, s->len);
    size_t len = mutate(buf, s->len, cap);
    target(buf, len);
  }
  printf("ok 2 - %ld mutated documents (seed %s; %ld decoded, %ld rejected with a typed error): "
         "no crash, every property holds\n1..2\n",
         iters, argv[3], fuzz_accepted, fuzz_rejected);
  free(buf);
  for (size_t i = 0; i < nseeds; i++) free(seeds[i].data);
  free(seeds);
  fuzz_esi_teardown();
  return 0;
}
