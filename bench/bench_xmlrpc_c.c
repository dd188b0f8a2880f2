/* xmlrpc-c (Debian libxmlrpc-core-c3) as the C peer of the XML-RPC benchmarks.
 *
 *   bench_xmlrpc_c decode FILE RUNS   best time of xmlrpc_parse_response2()
 *   bench_xmlrpc_c encode FILE RUNS   parses FILE once, best time of xmlrpc_serialize_response() */
#include <string.h>
#include <xmlrpc-c/base.h>

#include "bench_common.h"

static void check(xmlrpc_env *env, const char *what) {
  if (env->fault_occurred) {
    fprintf(stderr, "%s: %s (%d)\n", what, env->fault_string, env->fault_code);
    exit(1);
  }
}

static xmlrpc_value *parse(const char *doc, size_t len) {
  xmlrpc_env env;
  xmlrpc_env_init(&env);
  xmlrpc_value *v = NULL;
  int fault_code = 0;
  const char *fault_string = NULL;
  xmlrpc_parse_response2(&env, doc, len, &v, &fault_code, &fault_string);
  check(&env, "xmlrpc_parse_response2");
  if (fault_string) {
    fprintf(stderr, "unexpected fault %d\n", fault_code);
    exit(1);
  }
  xmlrpc_env_clean(&env);
  return v;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s decode|encode FILE [RUNS]\n", argv[0]);
    return 2;
  }
  int runs = argc > 3 ? atoi(argv[3]) : 3;
  if (runs < 1) runs = 1;
  size_t len;
  char *doc = bench_load(argv[2], &len);
  xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, len + 1024); /* the default cap is 512 KiB */
  printf("bytes=%zu\n", len);
  double best = 1e9;
  if (!strcmp(argv[1], "decode")) {
    for (int i = 0; i < runs; i++) {
      double t0 = bench_now();
      xmlrpc_value *v = parse(doc, len);
      double t = bench_now() - t0;
      xmlrpc_DECREF(v);
      if (t < best) best = t;
    }
    printf("best_s=%.6f\n", best);
  } else {
    xmlrpc_value *v = parse(doc, len);
    size_t outn = 0;
    for (int i = 0; i < runs; i++) {
      xmlrpc_env env;
      xmlrpc_env_init(&env);
      double t0 = bench_now();
      xmlrpc_mem_block *out = xmlrpc_mem_block_new(&env, 0);
      check(&env, "xmlrpc_mem_block_new");
      xmlrpc_serialize_response(&env, out, v);
      check(&env, "xmlrpc_serialize_response");
      double t = bench_now() - t0;
      outn = xmlrpc_mem_block_size(out);
      xmlrpc_mem_block_free(out);
      xmlrpc_env_clean(&env);
      if (t < best) best = t;
    }
    xmlrpc_DECREF(v);
    printf("best_s=%.6f\nout_bytes=%zu\n", best, outn);
  }
  free(doc);
  return 0;
}
