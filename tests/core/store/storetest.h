/* Helpers of the store tests (tests/core/store): a scratch directory, child processes that
 * report on a pipe (line by line) and can be killed at a seeded point, and a deterministic
 * generator. Test code only: single-threaded use. */
#ifndef ERPLINK_TEST_STORETEST_H
#define ERPLINK_TEST_STORETEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "erplink/error.h"
#include "test.h"

/* The calling thread's last error message ("" when none). */
const char *st_last_msg(void);

/* Checks a call's result code, the last error's code, and that its message contains part. */
#define CHECK_ERR(rc, code, part)                                                                                      \
  do {                                                                                                                 \
    CHECK_EQ_INT((rc), (code));                                                                                        \
    CHECK_EQ_INT(erplink_error_code(erplink_error_last()), (code));                                                    \
    if (!strstr(st_last_msg(), (part))) {                                                                              \
      printf("# message \"%s\" lacks \"%s\"\n", st_last_msg(), (part));                                                \
      CHECK(!"message content");                                                                                       \
    }                                                                                                                  \
  } while (0)

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
/* Reads up to stop_at lines (handed to on_line), then SIGKILLs the child, reads the rest and
 * waits; returns 1 when the kill ended it (it was still running), 0 when it had exited. */
int st_kill_after(st_child *c, int stop_at, void (*on_line)(const char *line, void *ud), void *ud);
/* One round of a crash test: what its child is told. */
typedef struct st_round {
  uint64_t seed;
  int64_t t0; /* the round's virtual clock start: 10^8 ms after the previous round's */
  int first;  /* the round's first version number: 10,000 after the previous round's */
  bool drain; /* the last round: run to the end (no kill) and empty the queue */
} st_round;
/* Runs rounds + 1 children of child(st_round *, fd): each but the last is SIGKILLed after a
 * seeded number of report lines (1 to max_lines), the last runs to its end; every line goes to
 * on_line, and verify(ud, final) runs after each child (returning how many problems it found).
 * Returns the total of verify's counts; *kills = rounds the kill cut short. */
int st_crash_rounds(int rounds, uint64_t seed, int max_lines, int (*child)(void *round, int fd),
                    void (*on_line)(const char *line, void *ud), int (*verify)(void *ud, bool final), void *ud,
                    int *kills);
/* printf to a report fd (one write: lines shorter than PIPE_BUF arrive whole or not at all). */
void st_report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Straight to SQLite, bypassing erplink (to damage or inspect a file): runs sql on path. */
int st_raw_exec(const char *path, const char *sql);
/* The rows of every outbox in the file at path, read with SQLite directly (the value waiting
 * behind a lease too): row(key, state 0 pending / 1 leased / 2 dead / 3 done, payload text,
 * newer payload text or NULL, ud) for each. 0, or -1 when the file cannot be read. */
int st_outbox_rows(const char *path,
                   void (*row)(const char *key, int state, const char *payload, const char *newer, void *ud), void *ud);
/* Overwrites the first 64 KiB of path and of its -wal and -shm files with seeded garbage. */
void st_smash(const char *path, uint64_t seed);

/* splitmix64 */
typedef struct st_rng {
  uint64_t s;
} st_rng;
uint64_t st_next(st_rng *r);
uint64_t st_below(st_rng *r, uint64_t n);

/* An "unlimited" virtual clock start for tests (ms since 1970, fixed). */
#define ST_T0 ((int64_t)1700000000000)

#endif
