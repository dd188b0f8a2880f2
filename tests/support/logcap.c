#include "logcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/log.h"

void test_log_cb(int level, const char *message, void *userdata) {
  test_log *l = userdata;
  char head[16];
  int hn = snprintf(head, sizeof head, "[%s] ", erplink_log_level_name(level));
  size_t n = strlen(message);
  pthread_mutex_lock(&l->mu);
  char *t = realloc(l->text, l->len + (size_t)hn + n + 2);
  if (t) {
    memcpy(t + l->len, head, (size_t)hn);
    memcpy(t + l->len + hn, message, n);
    t[l->len + hn + n] = '\n';
    t[l->len + hn + n + 1] = '\0';
    l->text = t;
    l->len += (size_t)hn + n + 1;
  }
  if (level >= 0 && level < 6) l->lines[level]++;
  l->total++;
  pthread_mutex_unlock(&l->mu);
}

const char *test_log_text(test_log *l) { return l->text ? l->text : ""; }

int test_log_count(test_log *l, const char *needle) {
  int n = 0;
  size_t k = strlen(needle);
  for (const char *p = test_log_text(l); k && (p = strstr(p, needle)) != NULL; p += k) n++;
  return n;
}

int test_log_lines_with(test_log *l, const char *a, const char *b) {
  int n = 0;
  for (const char *p = test_log_text(l); *p;) {
    const char *e = strchr(p, '\n');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    char *line = strndup(p, len);
    if (line && strstr(line, a) && (!b || strstr(line, b))) n++;
    free(line);
    p += len + (e ? 1 : 0);
  }
  return n;
}

void test_log_clear(test_log *l) {
  pthread_mutex_lock(&l->mu);
  free(l->text);
  l->text = NULL;
  l->len = 0;
  memset(l->lines, 0, sizeof l->lines);
  l->total = 0;
  pthread_mutex_unlock(&l->mu);
}

void test_log_free(test_log *l) { test_log_clear(l); }
