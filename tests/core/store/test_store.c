/* The store file (src/core/store/store.c): opening, options, WAL and schema stamping, each kind
 * of bad file with its typed error (and the file left untouched), a newer schema refused, the
 * error codes and categories, use after fork() refused, several threads on one store (pool of
 * 1 and of 4 connections), and several processes opening one fresh file at once. TAP. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "erplink/erplink.h"
#include "storetest.h"
#include "test.h"

/* Reads an integer pragma of a file with SQLite directly (-1 on failure). */
static long long raw_pragma(const char *path, const char *pragma) {
  sqlite3 *db = NULL;
  long long v = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, pragma, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
      v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return v;
}

static char *slurp(const char *path, size_t *len) { return test_read_file(path, len); }

static void test_open_basic(void) {
  const char *p = st_path("basic.db");
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, p, NULL) == 0);
  CHECK_EQ_STR(erplink_store_path(st), p);
  CHECK_EQ_INT(erplink_store_check(st), 0);
  erplink_dedup *d = NULL;
  REQUIRE(erplink_dedup_new_sqlite(&d, st, "t", 100, 1000) == 0);
  int seen = -1;
  CHECK_EQ_INT(erplink_dedup_seen(&seen, d, "x", ST_T0), 0);
  CHECK_EQ_INT(seen, 0);
  struct stat sb;
  CHECK(stat(st_path("basic.db-wal"), &sb) == 0); /* WAL mode */
  erplink_dedup_free(d);
  erplink_store_close(st);
  erplink_store_close(NULL);
  CHECK_EQ_INT(raw_pragma(p, "PRAGMA user_version"), ERPLINK_STORE_SCHEMA_VERSION);
  CHECK_EQ_INT(raw_pragma(p, "PRAGMA application_id"), 0x45524c4b);
  /* reopened: the id is still there (and no migration runs again) */
  REQUIRE(erplink_store_open(&st, p, NULL) == 0);
  REQUIRE(erplink_dedup_new_sqlite(&d, st, "t", 100, 1000) == 0);
  CHECK_EQ_INT(erplink_dedup_seen(&seen, d, "x", ST_T0 + 1), 0);
  CHECK_EQ_INT(seen, 1);
  erplink_dedup_free(d);
  erplink_store_close(st);
  CHECK_EQ_STR(erplink_store_path(NULL), "");

  /* options */
  erplink_store_options *o = NULL;
  REQUIRE(erplink_store_options_new(&o) == 0);
  CHECK_ERR(erplink_store_options_set_busy_timeout_ms(o, 0), ERPLINK_EINVAL, "out of range");
  CHECK_ERR(erplink_store_options_set_max_connections(o, 65), ERPLINK_EINVAL, "out of range");
  CHECK_ERR(erplink_store_options_set_sync(o, (erplink_store_sync)7), ERPLINK_EINVAL, "unknown level");
  CHECK_ERR(erplink_store_options_set_create(o, 2), ERPLINK_EINVAL, "0/1");
  CHECK_EQ_INT(erplink_store_options_set_sync(o, ERPLINK_STORE_SYNC_FULL), 0);
  CHECK_EQ_INT(erplink_store_options_set_max_connections(o, 1), 0);
  CHECK_EQ_INT(erplink_store_options_set_busy_timeout_ms(o, 2000), 0);
  CHECK_EQ_INT(erplink_store_options_set_create(o, 0), 0);
  CHECK_ERR(erplink_store_open(&st, st_path("missing.db"), o), ERPLINK_ENOTFOUND, "no such file");
  CHECK(st == NULL);
  REQUIRE(erplink_store_open(&st, p, o) == 0); /* an existing file with create off */
  erplink_store_close(st);
  erplink_store_options_free(o);
  erplink_store_options_free(NULL);
  CHECK_ERR(erplink_store_options_new(NULL), ERPLINK_EINVAL, "NULL");
}

static void test_bad_paths(void) {
  erplink_store *st = (erplink_store *)1;
  CHECK_ERR(erplink_store_open(NULL, "x", NULL), ERPLINK_EINVAL, "out is NULL");
  CHECK_ERR(erplink_store_open(&st, NULL, NULL), ERPLINK_EINVAL, "NULL path");
  CHECK(st == NULL);
  CHECK_ERR(erplink_store_open(&st, "", NULL), ERPLINK_EINVAL, "empty path");
  CHECK_ERR(erplink_store_open(&st, ":memory:", NULL), ERPLINK_EINVAL, "memory backends");
  CHECK_ERR(erplink_store_open(&st, "file:x.db?mode=memory", NULL), ERPLINK_EINVAL, "URIs");
  /* a directory instead of a file */
  const char *dir = st_path("adir");
  REQUIRE(mkdir(dir, 0755) == 0);
  CHECK_ERR(erplink_store_open(&st, dir, NULL), ERPLINK_ESTORE, "is a directory");
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_STORE);
  /* not a regular file */
  CHECK_ERR(erplink_store_open(&st, "/dev/null", NULL), ERPLINK_ESTORE, "not a regular file");
  /* a directory that does not exist */
  CHECK_ERR(erplink_store_open(&st, st_path("nodir/x.db"), NULL), ERPLINK_ESTORE, "cannot open");
  CHECK(st == NULL);
}

static void test_zero_length(void) {
  /* SQLite creates a database file empty: an empty file is a new store, initialised */
  const char *p = st_path("empty.db");
  REQUIRE(st_write_file(p, "", 0) == 0);
  erplink_store *st = NULL;
  CHECK_EQ_INT(erplink_store_open(&st, p, NULL), 0);
  CHECK_EQ_INT(erplink_store_check(st), 0);
  erplink_store_close(st);
  CHECK_EQ_INT(raw_pragma(p, "PRAGMA user_version"), ERPLINK_STORE_SCHEMA_VERSION);
}

/* Opening must fail with code/part and leave the file's bytes as they were. */
static void expect_refused(const char *p, int code, const char *part) {
  size_t before_len = 0, after_len = 0;
  char *before = slurp(p, &before_len);
  erplink_store *st = (erplink_store *)1;
  CHECK_ERR(erplink_store_open(&st, p, NULL), code, part);
  CHECK(st == NULL);
  char *after = slurp(p, &after_len);
  CHECK(before && after && before_len == after_len && memcmp(before, after, before_len) == 0);
  free(before);
  free(after);
}

static void test_garbage(void) {
  const char *p = st_path("garbage.db");
  char junk[8192];
  st_rng r = {42};
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)st_next(&r);
  REQUIRE(st_write_file(p, junk, sizeof junk) == 0);
  expect_refused(p, ERPLINK_ESTORE_CORRUPT, "not a database");
  /* text that is not a database either */
  REQUIRE(st_write_file(p, "hello, I am a configuration file\n", 33) == 0);
  expect_refused(p, ERPLINK_ESTORE_CORRUPT, "damaged or is not a database");
}

/* A store with enough rows to span many pages, closed cleanly (WAL checkpointed). */
static void make_full_store(const char *p, int n) {
  erplink_store *st = NULL;
  erplink_dedup *d = NULL;
  if (erplink_store_open(&st, p, NULL) != 0 || erplink_dedup_new_sqlite(&d, st, "fill", 1000000, 1000000) != 0) {
    CHECK(!"cannot make the store");
    erplink_store_close(st);
    return;
  }
  char id[64];
  for (int i = 0; i < n; i++) {
    int seen;
    snprintf(id, sizeof id, "some-rather-long-event-id-%08d", i);
    erplink_dedup_seen(&seen, d, id, ST_T0);
  }
  erplink_dedup_free(d);
  erplink_store_close(st);
}

static void test_truncated(void) {
  const char *p = st_path("trunc.db");
  make_full_store(p, 3000);
  struct stat sb;
  REQUIRE(stat(p, &sb) == 0);
  CHECK(sb.st_size > 65536);
  REQUIRE(truncate(p, sb.st_size / 2) == 0);
  expect_refused(p, ERPLINK_ESTORE_CORRUPT, "damaged");
  REQUIRE(truncate(p, 50) == 0); /* inside the header */
  expect_refused(p, ERPLINK_ESTORE_CORRUPT, "damaged");
  REQUIRE(truncate(p, 4096 + 100) == 0); /* page 1 and a bit */
  expect_refused(p, ERPLINK_ESTORE_CORRUPT, "damaged");
}

static void test_damaged_pages(void) {
  /* a page in the middle overwritten: the header is fine, so the file opens; the check finds it */
  const char *p = st_path("damaged.db");
  make_full_store(p, 3000);
  int fd = open(p, O_WRONLY);
  REQUIRE(fd >= 0);
  char junk[4096];
  memset(junk, 0x5a, sizeof junk);
  CHECK(pwrite(fd, junk, sizeof junk, 4096 * 5) == (ssize_t)sizeof junk);
  close(fd);
  erplink_store *st = NULL;
  int rc = erplink_store_open(&st, p, NULL);
  if (rc == 0) {
    CHECK_ERR(erplink_store_check(st), ERPLINK_ESTORE_CORRUPT, "damaged");
    erplink_store_close(st);
  } else {
    CHECK_EQ_INT(rc, ERPLINK_ESTORE_CORRUPT);
  }
}

static void test_foreign_and_newer(void) {
  const char *p = st_path("foreign.db");
  REQUIRE(
      st_raw_exec(p, "CREATE TABLE accounts(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO accounts VALUES(1,'x')") ==
      SQLITE_OK);
  expect_refused(p, ERPLINK_ESTORE_CORRUPT, "another program");
  const char *q = st_path("newer.db");
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, q, NULL) == 0);
  erplink_store_close(st);
  REQUIRE(st_raw_exec(q, "PRAGMA user_version=7") == SQLITE_OK);
  expect_refused(q, ERPLINK_ESTORE_VERSION, "newer erplink");
  CHECK(strstr(st_last_msg(), "version 7") != NULL);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_STORE);
  CHECK_EQ_INT(raw_pragma(q, "PRAGMA user_version"), 7); /* untouched */
  /* an SQLite file with our id but an impossible version */
  REQUIRE(st_raw_exec(q, "PRAGMA user_version=-3") == SQLITE_OK);
  expect_refused(q, ERPLINK_ESTORE_CORRUPT, "invalid schema version");
}

/* The read-only cases need a user that file permissions apply to: as root, a child drops to
 * "nobody" for them. */
static int readonly_child(void *arg, int fd) {
  (void)arg;
  if (geteuid() == 0) {
    struct passwd *pw = getpwnam("nobody");
    if (!pw || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
      st_report(fd, "SKIP no unprivileged user");
      return 0;
    }
  }
  erplink_store *st = NULL;
  int rc = erplink_store_open(&st, st_path("ro/file.db"), NULL);
  st_report(fd, "FILE %d %s", rc, rc ? st_last_msg() : "");
  erplink_store_close(st);
  st = NULL;
  rc = erplink_store_open(&st, st_path("rodir/file.db"), NULL);
  st_report(fd, "DIR %d %s", rc, rc ? st_last_msg() : "");
  erplink_store_close(st);
  return 0;
}

typedef struct ro_res {
  int file_rc, dir_rc;
  char file_msg[1024], dir_msg[1024];
  bool skip;
} ro_res;

static void ro_line(const char *line, void *ud) {
  ro_res *r = ud;
  int rc = 0, n = 0;
  if (strncmp(line, "SKIP", 4) == 0)
    r->skip = true;
  else if (sscanf(line, "FILE %d %n", &rc, &n) == 1) {
    r->file_rc = rc;
    snprintf(r->file_msg, sizeof r->file_msg, "%s", line + n);
  } else if (sscanf(line, "DIR %d %n", &rc, &n) == 1) {
    r->dir_rc = rc;
    snprintf(r->dir_msg, sizeof r->dir_msg, "%s", line + n);
  }
}

static void test_readonly(void) {
  /* a read-only file in a writable directory */
  REQUIRE(mkdir(st_path("ro"), 0777) == 0);
  chmod(st_path("ro"), 0777);
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, st_path("ro/file.db"), NULL) == 0);
  erplink_store_close(st);
  chmod(st_path("ro/file.db"), 0444);
  /* a writable file in a read-only directory (no -wal/-shm can be made) */
  REQUIRE(mkdir(st_path("rodir"), 0777) == 0);
  chmod(st_path("rodir"), 0777);
  REQUIRE(erplink_store_open(&st, st_path("rodir/file.db"), NULL) == 0);
  erplink_store_close(st);
  chmod(st_path("rodir/file.db"), 0666);
  chmod(st_path("rodir"), 0555);
  st_child c;
  REQUIRE(st_spawn(&c, readonly_child, NULL) == 0);
  ro_res r = {1, 1, "", "", false};
  CHECK_EQ_INT(st_reap(&c, ro_line, &r), 0);
  chmod(st_path("rodir"), 0755);
  if (r.skip) {
    printf("# skipped: no unprivileged user to test permissions with\n");
    return;
  }
  CHECK_EQ_INT(r.file_rc, ERPLINK_ESTORE);
  CHECK(strstr(r.file_msg, "read-only") != NULL);
  printf("# read-only file: %s\n", r.file_msg);
  CHECK_EQ_INT(r.dir_rc, ERPLINK_ESTORE);
  CHECK(strstr(r.dir_msg, "-wal") != NULL || strstr(r.dir_msg, "read-only") != NULL);
  printf("# read-only directory: %s\n", r.dir_msg);
}

static void test_errors(void) {
  int codes[] = {ERPLINK_ESTORE, ERPLINK_ESTORE_CORRUPT, ERPLINK_ESTORE_VERSION};
  for (size_t i = 0; i < 3; i++) {
    CHECK_EQ_INT(erplink_error_category_of(codes[i]), ERPLINK_CAT_STORE);
    CHECK(strcmp(erplink_strerror(codes[i]), "unknown error") != 0);
    CHECK_EQ_INT(erplink_error_retryable(codes[i]), 0);
  }
  CHECK_EQ_STR(erplink_error_category_name(ERPLINK_CAT_STORE), "store");
  CHECK_EQ_STR(erplink_error_category_name(ERPLINK_CAT_SERVER), "server");
}

/* ---------------------------------------------------------------- fork */

static erplink_dedup *g_fork_dedup;

static int fork_child(void *arg, int fd) {
  (void)arg;
  int seen = 0;
  int rc = erplink_dedup_seen(&seen, g_fork_dedup, "after-fork", ST_T0);
  st_report(fd, "%d %s", rc, st_last_msg());
  return 0;
}

static void fork_line(const char *line, void *ud) { snprintf(ud, 1024, "%s", line); }

static void test_fork_refused(void) {
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, st_path("fork.db"), NULL) == 0);
  REQUIRE(erplink_dedup_new_sqlite(&g_fork_dedup, st, "f", 10, 1000) == 0);
  st_child c;
  char line[1024] = "";
  REQUIRE(st_spawn(&c, fork_child, NULL) == 0);
  CHECK_EQ_INT(st_reap(&c, fork_line, line), 0);
  int rc = 0;
  CHECK(sscanf(line, "%d", &rc) == 1 && rc == ERPLINK_EINVAL);
  CHECK(strstr(line, "fork()") != NULL);
  /* the parent's store still works */
  int seen = -1;
  CHECK_EQ_INT(erplink_dedup_seen(&seen, g_fork_dedup, "after-fork", ST_T0), 0);
  CHECK_EQ_INT(seen, 0);
  erplink_dedup_free(g_fork_dedup);
  erplink_store_close(st);
}

/* ---------------------------------------------------------------- threads */

#define TH_N 4
#define TH_IDS 1500

typedef struct th_arg {
  erplink_dedup *d;
  erplink_blob_cache *bc;
  atomic_int *news;
  int seed;
  atomic_int errors;
} th_arg;

static void *th_main(void *p) {
  th_arg *a = p;
  char id[32];
  for (int k = 0; k < TH_IDS; k++) {
    int i = (int)((unsigned)(k * 7919 + a->seed * 1013) % TH_IDS);
    snprintf(id, sizeof id, "evt_%06d", i);
    int seen = -1;
    if (erplink_dedup_seen(&seen, a->d, id, ST_T0) != 0)
      atomic_fetch_add(&a->errors, 1);
    else if (!seen)
      atomic_fetch_add(&a->news[i], 1);
    if (k % 50 == 0) { /* readers on other connections meanwhile */
      int found = 0;
      void *data = NULL;
      size_t len = 0;
      if (erplink_blob_cache_put(a->bc, id, id, strlen(id)) != 0 ||
          erplink_blob_cache_get(&found, &data, &len, a->bc, id) != 0)
        atomic_fetch_add(&a->errors, 1);
      erplink_free(data);
      size_t n = 0;
      if (erplink_dedup_count(&n, a->d, ST_T0) != 0) atomic_fetch_add(&a->errors, 1);
    }
  }
  return NULL;
}

static void run_threads(int conns) {
  erplink_store_options *o = NULL;
  erplink_store_options_new(&o);
  erplink_store_options_set_max_connections(o, conns);
  erplink_store *st = NULL;
  char name[32];
  snprintf(name, sizeof name, "threads%d.db", conns);
  REQUIRE(erplink_store_open(&st, st_path(name), o) == 0);
  erplink_store_options_free(o);
  erplink_dedup *d = NULL;
  erplink_blob_cache *bc = NULL;
  REQUIRE(erplink_dedup_new_sqlite(&d, st, "threads", TH_IDS * 2, 10000000) == 0);
  REQUIRE(erplink_blob_cache_new(&bc, st, "threads", 1 << 20) == 0);
  static atomic_int news[TH_IDS];
  for (int i = 0; i < TH_IDS; i++) atomic_init(&news[i], 0);
  th_arg args[TH_N];
  pthread_t t[TH_N];
  for (int i = 0; i < TH_N; i++) {
    args[i].d = d;
    args[i].bc = bc;
    args[i].news = news;
    args[i].seed = i + 1;
    atomic_init(&args[i].errors, 0);
    REQUIRE(pthread_create(&t[i], NULL, th_main, &args[i]) == 0);
  }
  for (int i = 0; i < TH_N; i++) pthread_join(t[i], NULL);
  int bad = 0;
  for (int i = 0; i < TH_IDS; i++) bad += atomic_load(&news[i]) != 1;
  CHECK_EQ_INT(bad, 0);
  for (int i = 0; i < TH_N; i++) CHECK_EQ_INT(atomic_load(&args[i].errors), 0);
  size_t n = 0;
  CHECK_EQ_INT(erplink_dedup_count(&n, d, ST_T0), 0);
  CHECK_EQ_INT(n, TH_IDS);
  erplink_blob_cache_free(bc);
  erplink_dedup_free(d);
  erplink_store_close(st);
}

static void test_threads(void) {
  run_threads(1);
  run_threads(4);
}

/* ---------------------------------------------------------------- a lock held by another process */

static int locker_child(void *arg, int fd) {
  int *gate = arg;
  close(gate[1]);
  sqlite3 *db = NULL;
  if (sqlite3_open(st_path("locked.db"), &db) != SQLITE_OK ||
      sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT INTO erplink_ns(kind, name) VALUES('x', 'held')", NULL, NULL, NULL) !=
          SQLITE_OK) {
    st_report(fd, "ERR %s", sqlite3_errmsg(db));
    return 1;
  }
  st_report(fd, "LOCKED");
  char b;
  while (read(gate[0], &b, 1) < 0 && errno == EINTR) { /* hold the write lock until the gate opens */
  }
  int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : 1;
}

static void test_locked(void) {
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, st_path("locked.db"), NULL) == 0);
  erplink_store_close(st); /* no connection of ours across the fork */
  int gate[2];
  REQUIRE(pipe(gate) == 0);
  st_child c;
  REQUIRE(st_spawn(&c, locker_child, gate) == 0);
  close(gate[0]);
  char line[256] = "";
  REQUIRE(st_read_line(&c, line, sizeof line) && strcmp(line, "LOCKED") == 0);
  erplink_store_options *o = NULL;
  erplink_store_options_new(&o);
  erplink_store_options_set_busy_timeout_ms(o, 300);
  REQUIRE(erplink_store_open(&st, st_path("locked.db"), o) == 0); /* reading is not blocked (WAL) */
  erplink_store_options_free(o);
  erplink_dedup *d = NULL;
  CHECK_ERR(erplink_dedup_new_sqlite(&d, st, "locked", 10, 1000), ERPLINK_ECONFLICT, "busy timeout (300 ms)");
  CHECK_EQ_INT(erplink_error_retryable(ERPLINK_ECONFLICT), 1);
  /* a cancellation token stops the wait */
  erplink_cancel *tok = NULL;
  REQUIRE(erplink_cancel_new(&tok) == 0);
  erplink_cancel_trigger(tok);
  erplink_cancel_push(tok);
  CHECK_ERR(erplink_dedup_new_sqlite(&d, st, "locked", 10, 1000), ERPLINK_ECANCELLED, "cancelled while waiting");
  erplink_cancel_pop();
  erplink_cancel_free(tok);
  /* reads go on meanwhile */
  CHECK_EQ_INT(erplink_store_check(st), 0);
  close(gate[1]); /* the other process commits and lets go */
  CHECK_EQ_INT(st_reap(&c, NULL, NULL), 0);
  CHECK_EQ_INT(erplink_dedup_new_sqlite(&d, st, "locked", 10, 1000), 0);
  erplink_dedup_free(d);
  erplink_store_close(st);
}

/* ---------------------------------------------------------------- processes opening one new file */

#define OPENERS 6

static int opener_child(void *arg, int fd) {
  int *gate = arg;
  close(gate[1]); /* else the read below never sees the end of file */
  char b;
  while (read(gate[0], &b, 1) < 0 && errno == EINTR) { /* wait until the parent opens the gate */
  }
  erplink_store *st = NULL;
  erplink_dedup *d = NULL;
  int seen = -1;
  int rc = erplink_store_open(&st, st_path("race.db"), NULL);
  if (rc == 0) rc = erplink_dedup_new_sqlite(&d, st, "race", 100, 1000000);
  if (rc == 0) rc = erplink_dedup_seen(&seen, d, "the-one-event", ST_T0);
  st_report(fd, "%d %d %s", rc, seen, rc ? st_last_msg() : "");
  erplink_dedup_free(d);
  erplink_store_close(st);
  return 0;
}

typedef struct race_res {
  int ok, news, failed;
} race_res;

static void race_line(const char *line, void *ud) {
  race_res *r = ud;
  int rc = 0, seen = 0;
  if (sscanf(line, "%d %d", &rc, &seen) != 2 || rc != 0) {
    printf("# opener failed: %s\n", line);
    r->failed++;
    return;
  }
  r->ok++;
  r->news += seen == 0;
}

static void test_concurrent_open(void) {
  int gate[2];
  REQUIRE(pipe(gate) == 0);
  st_child c[OPENERS];
  for (int i = 0; i < OPENERS; i++) REQUIRE(st_spawn(&c[i], opener_child, gate) == 0);
  close(gate[0]);
  close(gate[1]); /* every child's read returns now: they open at once */
  race_res r = {0, 0, 0};
  for (int i = 0; i < OPENERS; i++) CHECK_EQ_INT(st_reap(&c[i], race_line, &r), 0);
  CHECK_EQ_INT(r.failed, 0);
  CHECK_EQ_INT(r.ok, OPENERS);
  CHECK_EQ_INT(r.news, 1); /* exactly one process saw the event as new */
}

int main(void) {
  RUN(test_open_basic);
  RUN(test_bad_paths);
  RUN(test_zero_length);
  RUN(test_garbage);
  RUN(test_truncated);
  RUN(test_damaged_pages);
  RUN(test_foreign_and_newer);
  RUN(test_readonly);
  RUN(test_errors);
  RUN(test_fork_refused);
  RUN(test_locked);
  RUN(test_threads);
  RUN(test_concurrent_open);
  st_cleanup();
  return test_done();
}
