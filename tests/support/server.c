#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ERPLINK_TEST_SERVERS_DIR
#define ERPLINK_TEST_SERVERS_DIR "tests/servers"
#endif

int test_server_start(test_server *s, const char *script, const char *const *extra_args) {
  memset(s, 0, sizeof *s);
  s->pid = -1;
  int in[2], out[2];
  if (pipe(in) != 0) return -1;
  if (pipe(out) != 0) {
    close(in[0]);
    close(in[1]);
    return -1;
  }
  char path[4096];
  const char *dir = getenv("ERPLINK_TEST_SERVERS");
  snprintf(path, sizeof path, "%s/%s", dir ? dir : ERPLINK_TEST_SERVERS_DIR, script);
  const char *argv[64];
  int argc = 0;
  const char *py = getenv("PYTHON");
  argv[argc++] = py ? py : "python3";
  argv[argc++] = path;
  argv[argc++] = "--port";
  argv[argc++] = "0";
  for (int i = 0; extra_args && extra_args[i] && argc < 62; i++) argv[argc++] = extra_args[i];
  argv[argc] = NULL;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    execvp(argv[0], (char *const *)argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  s->pid = pid;
  s->stdin_fd = in[1];
  s->stdout_fd = out[0];
  /* Read "PORT <n>\n" with a deadline. */
  char line[128];
  size_t used = 0;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (;;) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    if (elapsed > 20000) break;
    struct pollfd p = {s->stdout_fd, POLLIN, 0};
    int r = poll(&p, 1, (int)(20000 - elapsed));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    ssize_t n = read(s->stdout_fd, line + used, sizeof line - 1 - used);
    if (n <= 0) break;
    used += (size_t)n;
    line[used] = '\0';
    char *nl = strchr(line, '\n');
    if (nl) {
      if (sscanf(line, "PORT %d", &s->port) == 1 && s->port > 0) {
        snprintf(s->base_url, sizeof s->base_url, "http://127.0.0.1:%d", s->port);
        return 0;
      }
      break;
    }
    if (used >= sizeof line - 1) break;
  }
  fprintf(stderr, "test server %s did not start\n", script);
  test_server_stop(s);
  return -1;
}

void test_server_stop(test_server *s) {
  if (s->stdin_fd > 0) close(s->stdin_fd);
  if (s->stdout_fd > 0) close(s->stdout_fd);
  s->stdin_fd = s->stdout_fd = -1;
  if (s->pid > 0) {
    /* Give it a moment to exit on stdin EOF, then insist. */
    for (int i = 0; i < 50; i++) {
      if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
        s->pid = -1;
        return;
      }
      usleep(20000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = -1;
  }
}

int test_unused_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(a.sin_port);
}

int test_tls_server_start(test_server *s, char *dir, size_t dir_len) {
  if (dir_len < 32) return -1;
  snprintf(dir, dir_len, "/tmp/erplink-tls-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  const char *args[] = {"--tls-dir", dir, NULL};
  if (test_server_start(s, "faultserver.py", args) != 0) {
    test_tls_server_stop(NULL, dir);
    return -1;
  }
  return 0;
}

void test_tls_server_stop(test_server *s, const char *dir) {
  if (s) test_server_stop(s);
  char path[1100];
  snprintf(path, sizeof path, "%s/cert.pem", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/key.pem", dir);
  unlink(path);
  rmdir(dir);
}

const char *test_server_url(const test_server *s, const char *fmt, ...) {
  static char bufs[8][1024];
  static int next;
  char *b = bufs[next++ % 8];
  int n = snprintf(b, 1024, "%s", s->base_url);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b + n, 1024 - (size_t)n, fmt, ap);
  va_end(ap);
  return b;
}
