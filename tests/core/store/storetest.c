#include "storetest.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_dir[512];

const char *st_dir(void) {
  if (!g_dir[0]) {
    const char *t = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/erplink-store-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(g_dir)) {
      perror("mkdtemp");
      exit(2);
    }
    chmod(g_dir, 0755); /* the read-only tests run a child as another user */
  }
  return g_dir;
}

const char *st_path(const char *name) {
  static char bufs[8][600];
  static int next;
  char *b = bufs[next++ % 8];
  snprintf(b, sizeof bufs[0], "%s/%s", st_dir(), name);
  return b;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f) {
  (void)sb;
  (void)flag;
  (void)f;
  chmod(p, 0700);
  return remove(p);
}

void st_cleanup(void) {
  if (g_dir[0]) {
    chmod(g_dir, 0700);
    nftw(g_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    g_dir[0] = '\0';
  }
}

int st_write_file(const char *path, const void *data, size_t len) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  const char *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n <= 0) {
      close(fd);
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return close(fd);
}

const char *st_last_msg(void) { return erplink_error_message(erplink_error_last()); }

int st_raw_exec(const char *path, const char *sql) {
  sqlite3 *db = NULL;
  int rc = sqlite3_open(path, &db);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
  sqlite3_close(db);
  return rc;
}

int st_outbox_rows(const char *path, void (*row)(const char *, int, const char *, const char *, void *), void *ud) {
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(db, "SELECT key, state, CAST(payload AS TEXT), CAST(newer AS TEXT) FROM erplink_outbox", -1,
                            &q, NULL);
  if (rc != SQLITE_OK) printf("# cannot read the outbox rows of %s: %s\n", path, sqlite3_errmsg(db));
  while (rc == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
    row((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1), (const char *)sqlite3_column_text(q, 2),
        (const char *)sqlite3_column_text(q, 3), ud);
  sqlite3_finalize(q);
  sqlite3_close(db);
  return rc == SQLITE_OK ? 0 : -1;
}

void st_smash(const char *path, uint64_t seed) {
  static char junk[65536];
  st_rng r = {seed};
  for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)st_next(&r);
  const char *sfx[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char f[700];
    snprintf(f, sizeof f, "%s%s", path, sfx[i]);
    int fd = open(f, O_WRONLY);
    if (fd < 0) continue;
    CHECK(pwrite(fd, junk, sizeof junk, 0) == (ssize_t)sizeof junk);
    close(fd);
  }
}

int st_spawn(st_child *c, int (*fn)(void *arg, int fd), void *arg) {
  memset(c, 0, sizeof *c);
  (void)st_dir(); /* before fork(): parent and children share one scratch directory */
  int p[2];
  if (pipe(p) != 0) return -1;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    close(p[0]);
    int rc = fn(arg, p[1]);
    close(p[1]);
    _exit(rc);
  }
  close(p[1]);
  c->pid = pid;
  c->fd = p[0];
  return 0;
}

int st_read_line(st_child *c, char *line, size_t size) {
  for (;;) {
    char *nl = memchr(c->buf, '\n', c->used);
    if (nl) {
      size_t n = (size_t)(nl - c->buf);
      size_t k = n < size - 1 ? n : size - 1;
      memcpy(line, c->buf, k);
      line[k] = '\0';
      memmove(c->buf, nl + 1, c->used - n - 1);
      c->used -= n + 1;
      return 1;
    }
    if (c->used == sizeof c->buf) c->used = 0; /* a runaway line: drop it */
    ssize_t r = read(c->fd, c->buf + c->used, sizeof c->buf - c->used);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    c->used += (size_t)r;
  }
}

static int drain_and_wait(st_child *c, void (*on_line)(const char *, void *), void *ud) {
  char line[4096];
  while (st_read_line(c, line, sizeof line))
    if (on_line) on_line(line, ud);
  close(c->fd);
  int status = 0;
  while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

int st_kill_and_reap(st_child *c, void (*on_line)(const char *, void *), void *ud) {
  kill(c->pid, SIGKILL);
  return drain_and_wait(c, on_line, ud);
}

int st_kill_after(st_child *c, int stop_at, void (*on_line)(const char *, void *), void *ud) {
  char line[4096];
  for (int n = 0; n < stop_at && st_read_line(c, line, sizeof line); n++)
    if (on_line) on_line(line, ud);
  int status = st_kill_and_reap(c, on_line, ud);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

int st_crash_rounds(int rounds, uint64_t seed, int max_lines, int (*child)(void *, int),
                    void (*on_line)(const char *, void *), int (*verify)(void *, bool), void *ud, int *kills) {
  st_rng g = {seed};
  int bad = 0;
  *kills = 0;
  for (int round = 0; round <= rounds; round++) {
    st_round r = {st_next(&g), ST_T0 + (int64_t)round * 100000000, round * 10000, round == rounds};
    st_child c;
    if (st_spawn(&c, child, &r) != 0) return bad + 1;
    if (r.drain) {
      int status = st_reap(&c, on_line, ud);
      if (status != 0) {
        printf("# the draining child ended with status %d\n", status);
        bad++;
      }
    } else {
      *kills += st_kill_after(&c, 1 + (int)st_below(&g, (uint64_t)max_lines), on_line, ud);
    }
    bad += verify(ud, r.drain);
  }
  return bad;
}

int st_reap(st_child *c, void (*on_line)(const char *, void *), void *ud) {
  int status = drain_and_wait(c, on_line, ud);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
}

void st_report(int fd, const char *fmt, ...) {
  char b[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n > sizeof b - 2) n = (int)sizeof b - 2;
  b[n++] = '\n';
  ssize_t w;
  while ((w = write(fd, b, (size_t)n)) < 0 && errno == EINTR) {
  }
}

uint64_t st_next(st_rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t st_below(st_rng *r, uint64_t n) { return n ? st_next(r) % n : 0; }
