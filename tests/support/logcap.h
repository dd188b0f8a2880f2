/* Captures the log lines a client delivers, for tests (thread-safe: clients log from several
 * threads). Each line is stored as "[level] message\n".
 *
 *   test_log lg = TEST_LOG_INIT;
 *   erplink_http_options_set_log(ho, ERPLINK_LOG_TRACE, test_log_cb, &lg);
 *   ... CHECK(strstr(test_log_text(&lg), "Authorization: <redacted>"));
 *   test_log_free(&lg);
 */
#ifndef ERPLINK_TEST_LOGCAP_H
#define ERPLINK_TEST_LOGCAP_H

#include <pthread.h>
#include <stddef.h>

typedef struct test_log {
  pthread_mutex_t mu;
  char *text;
  size_t len;
  int lines[6]; /* per erplink_log_level */
  int total;
} test_log;

#define TEST_LOG_INIT                                                                                                  \
  { PTHREAD_MUTEX_INITIALIZER, NULL, 0, {0}, 0 }

/* An erplink_log_fn: appends the line to the test_log given as userdata. */
void test_log_cb(int level, const char *message, void *userdata);
/* Everything captured so far ("" when nothing). */
const char *test_log_text(test_log *l);
/* How many times needle occurs in the captured text. */
int test_log_count(test_log *l, const char *needle);
/* How many captured lines contain a, and b too when b is not NULL (a line starts with its
 * level: "[trace] > body ..."). */
int test_log_lines_with(test_log *l, const char *a, const char *b);
/* Forgets the captured lines (the counts too). */
void test_log_clear(test_log *l);
/* Frees the captured text. */
void test_log_free(test_log *l);

#endif
