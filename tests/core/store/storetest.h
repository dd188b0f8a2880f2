/* Helpers of the store tests (tests/core/store): a scratch directory, child processes that
 * report on a pipe (line by line) and can be killed at a seeded point, and a deterministic
 * generator. Test code only: single-threaded use. */
#ifndef ERPLINK_TEST_STORETEST_H
#define ERPLINK_TEST_STORETEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Creates a fresh scratch directory (under $TMPDIR or /tmp) once; st_path(name) names a file
 * in it (8 rotating buffers). st_cleanup() removes it. */
const char *st_dir(void);
const char *st_path(const char *name);
void st_cleanup(void);
/* Writes len bytes to path (creating or truncating it); 0 or -1. */
int st_write_file(const char *path, const void *data, size_t len);

/* A child process running fn(arg, fd) with fd the write end of its report pipe; the child
 * _exits with fn's return value. */
typedef struct st_child {
  pid_t pid;
  int fd;          /* read end */
  char buf[65536]; /* partial line */
  size_t used;
} st_child;
int st_spawn(st_child *c, int (*fn)(void *arg, int fd), void *arg);
/* Reads the next line (without '\n') into line; 1 got one, 0 end of file. Blocks. */
int st_read_line(st_child *c, char *line, size_t size);
/* SIGKILLs the child (if it still runs), reads what is left (lines handed to on_line), waits
 * for it; returns its wait status. */
int st_kill_and_reap(st_child *c, void (*on_line)(const char *line, void *ud), void *ud);
/* Reads to end of file and waits; returns the exit status (or 128 + signal). */
int st_reap(st_child *c, void (*on_line)(const char *line, void *ud), void *ud);
/* printf to a report fd (one write: lines shorter than PIPE_BUF arrive whole or not at all). */
void st_report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* splitmix64 */
typedef struct st_rng {
  uint64_t s;
} st_rng;
uint64_t st_next(st_rng *r);
uint64_t st_below(st_rng *r, uint64_t n);

/* An "unlimited" virtual clock start for tests (ms since 1970, fixed). */
#define ST_T0 ((int64_t)1700000000000)

#endif
