/* A tiny TAP test harness for erplink's C tests.
 *
 *   static void test_something(void) { CHECK(x == 1); CHECK_EQ_INT(a, b); ... }
 *   int main(void) { RUN(test_something); return test_done(); }
 *
 * Each RUN prints "ok N - name" or "not ok N - name" (TAP 13, read by meson's
 * `protocol : 'tap'`); a failed CHECK prints the file, line and expression as a TAP
 * comment and the test goes on, so one run shows every failure. */
#ifndef ERPLINK_TEST_H
#define ERPLINK_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int test__failed_checks;
extern int test__count;
extern int test__failed_tests;

#define CHECK(cond)                                                                                                    \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      printf("# %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                                                \
      fflush(stdout);                                                                                                  \
      test__failed_checks++;                                                                                           \
    }                                                                                                                  \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                                             \
  do {                                                                                                                 \
    long long test__a = (long long)(a), test__b = (long long)(b);                                                      \
    if (test__a != test__b) {                                                                                          \
      printf("# %s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, test__a, test__b);                \
      fflush(stdout);                                                                                                  \
      test__failed_checks++;                                                                                           \
    }                                                                                                                  \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                                             \
  do {                                                                                                                 \
    const char *test__a = (a), *test__b = (b);                                                                         \
    if (!test__a || !test__b || strcmp(test__a, test__b) != 0) {                                                       \
      printf("# %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, test__a ? test__a : "(null)", \
             test__b ? test__b : "(null)");                                                                            \
      fflush(stdout);                                                                                                  \
      test__failed_checks++;                                                                                           \
    }                                                                                                                  \
  } while (0)

/* Fails the check and stops the current test function. */
#define REQUIRE(cond)                                                                                                  \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      printf("# %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond);                                              \
      fflush(stdout);                                                                                                  \
      test__failed_checks++;                                                                                           \
      return;                                                                                                          \
    }                                                                                                                  \
  } while (0)

#define RUN(fn) test__run(#fn, fn)

void test__run(const char *name, void (*fn)(void));
/* Prints the TAP plan and returns the process exit status. */
int test_done(void);
/* Path of a file in the shared fixtures (../shared/fixtures next to the source tree). */
const char *test_fixture_path(const char *rel);
/* Reads a whole file; returns malloc'd bytes (NUL-terminated) or NULL. */
char *test_read_file(const char *path, size_t *len_out);

#endif
