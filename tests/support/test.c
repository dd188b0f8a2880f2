#include "test.h"

int test__failed_checks;
int test__count;
int test__failed_tests;

void test__run(const char *name, void (*fn)(void)) {
  int before = test__failed_checks;
  fn();
  test__count++;
  if (test__failed_checks != before) {
    test__failed_tests++;
    printf("not ok %d - %s\n", test__count, name);
  } else {
    printf("ok %d - %s\n", test__count, name);
  }
  fflush(stdout);
}

int test_done(void) {
  printf("1..%d\n", test__count);
  return test__failed_tests ? 1 : 0;
}

const char *test_fixture_path(const char *rel) {
  static char buf[4096];
  const char *root = getenv("ERPLINK_FIXTURES");
#ifdef ERPLINK_FIXTURES_DIR
  if (!root) root = ERPLINK_FIXTURES_DIR;
#endif
  if (!root) root = "tests/fixtures";
  snprintf(buf, sizeof buf, "%s/%s", root, rel);
  return buf;
}

char *test_read_file(const char *path, size_t *len_out) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) != 0) {
    fclose(f);
    return NULL;
  }
  long n = ftell(f);
  rewind(f);
  if (n < 0) {
    fclose(f);
    return NULL;
  }
  char *p = malloc((size_t)n + 1);
  if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    p = NULL;
  }
  fclose(f);
  if (p) {
    p[n] = '\0';
    if (len_out) *len_out = (size_t)n;
  }
  return p;
}
