/* Starts a test server (a Python script under tests/servers) on an ephemeral loopback
 * port and stops it again. The script must print "PORT <n>" as its first line on stdout
 * once it listens, and exit when its stdin closes (so a crashed test never leaves a
 * server behind). */
#ifndef ERPLINK_TEST_SERVER_H
#define ERPLINK_TEST_SERVER_H

#include <sys/types.h>

typedef struct test_server {
  pid_t pid;
  int port;
  int stdin_fd; /* closing it tells the server to exit */
  int stdout_fd;
  char base_url[64]; /* "http://127.0.0.1:<port>" */
} test_server;

/* script: path relative to tests/servers (e.g. "faultserver.py"); extra_args: NULL-terminated
 * list or NULL. Waits at most 20 s for the port line. Returns 0 or -1. */
int test_server_start(test_server *s, const char *script, const char *const *extra_args);
void test_server_stop(test_server *s);
/* base_url + a printf-formatted path, in one of 8 rotating static buffers (so a few can be used
 * in one expression); test code only, single-threaded use. */
const char *test_server_url(const test_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A loopback port on which nothing listens (bound then closed), for "connection refused". */
int test_unused_port(void);
/* Starts faultserver.py over HTTPS (--tls-dir) in a new temporary folder, which receives its
 * fresh self-signed certificate: the CA to trust is <dir>/cert.pem. dir receives the folder's
 * path (dir_len >= 32). Returns 0 or -1 (nothing left behind). */
int test_tls_server_start(test_server *s, char *dir, size_t dir_len);
/* Stops it and removes the folder and the files in it. */
void test_tls_server_stop(test_server *s, const char *dir);

#endif
