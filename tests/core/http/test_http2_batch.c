/* HTTP/2 multiplexing of batches against nghttpd (Debian package nghttp2-server), started on a
 * loopback port with a certificate made at test time by the openssl command line, serving a
 * directory of 50 files: a batch of 50 GETs with 20 in flight must all succeed over HTTP/2 and
 * open a single connection; a second batch reuses it (no new connection). Without nghttpd the
 * test FAILS (it does not skip): the CI must install nghttp2-server. Bounded: the server is
 * killed at the end and alarm() caps the whole test. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "server.h"
#include "test.h"

#define NFILES 50

static char dir[] = "/tmp/erplink-h2-XXXXXX";
static char nghttpd[512];
static pid_t server_pid = -1;
static int port;

static bool find_nghttpd(void) {
  const char *env = getenv("PATH");
  char path[4096];
  snprintf(path, sizeof path, "%s:/usr/sbin:/usr/local/sbin:/sbin", env ? env : "/usr/bin:/bin");
  for (char *save = NULL, *d = strtok_r(path, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    snprintf(nghttpd, sizeof nghttpd, "%s/nghttpd", d);
    if (access(nghttpd, X_OK) == 0) return true;
  }
  return false;
}

static bool port_open(int p) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)p);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static int start_server(void) {
  char cmd[2048], htdocs[600], key[600], cert[600];
  snprintf(key, sizeof key, "%s/key.pem", dir);
  snprintf(cert, sizeof cert, "%s/cert.pem", dir);
  snprintf(htdocs, sizeof htdocs, "%s/htdocs", dir);
  snprintf(cmd, sizeof cmd,
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout '%s' -out '%s' "
           "-days 2 -subj '/CN=erplink h2 test' -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
           key, cert);
  if (system(cmd) != 0) {
    printf("# openssl could not make the test certificate\n");
    return -1;
  }
  if (mkdir(htdocs, 0700) != 0) return -1;
  for (int i = 0; i < NFILES; i++) {
    char f[700];
    snprintf(f, sizeof f, "%s/f%d.json", htdocs, i);
    FILE *fp = fopen(f, "w");
    if (!fp) return -1;
    fprintf(fp, "{\"file\":%d,\"pad\":\"", i);
    for (int k = 0; k < 2000 + i; k++) fputc('a' + k % 26, fp);
    fprintf(fp, "\"}\n");
    fclose(fp);
  }
  for (int tries = 0; tries < 5; tries++) {
    port = test_unused_port();
    char pbuf[16];
    snprintf(pbuf, sizeof pbuf, "%d", port);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
      int null = open("/dev/null", O_RDWR);
      if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
      }
      execl(nghttpd, nghttpd, "-a", "127.0.0.1", "-d", htdocs, pbuf, key, cert, (char *)NULL);
      _exit(127);
    }
    server_pid = pid;
    for (int w = 0; w < 200; w++) { /* at most 10 s */
      if (port_open(port)) return 0;
      int st;
      if (waitpid(pid, &st, WNOHANG) == pid) {
        server_pid = -1;
        break; /* exited (port taken?): try another port */
      }
      struct timespec ts = {0, 50 * 1000000L};
      nanosleep(&ts, NULL);
    }
    if (server_pid > 0) {
      kill(server_pid, SIGKILL);
      waitpid(server_pid, NULL, 0);
      server_pid = -1;
    }
  }
  printf("# nghttpd did not start listening\n");
  return -1;
}

static void stop_server(void) {
  if (server_pid > 0) {
    kill(server_pid, SIGTERM);
    int st;
    for (int w = 0; w < 100 && waitpid(server_pid, &st, WNOHANG) == 0; w++) {
      struct timespec ts = {0, 20 * 1000000L};
      nanosleep(&ts, NULL);
    }
    kill(server_pid, SIGKILL);
    waitpid(server_pid, NULL, WNOHANG);
    server_pid = -1;
  }
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) printf("# could not remove %s\n", dir);
}

static erplink_http_client *mk(void) {
  char ca[600];
  snprintf(ca, sizeof ca, "%s/cert.pem", dir);
  erplink_http_options *o = NULL;
  if (erplink_http_options_new(&o) != 0) return NULL;
  erplink_http_options_set_ca_file(o, ca);
  erplink_http_options_set_connect_timeout_ms(o, 5000);
  erplink_http_options_set_timeout_ms(o, 20000);
  erplink_http_client *c = NULL;
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  return c;
}

typedef struct collected {
  erplink_http_response **outs;
  int *codes;
} collected;

static int collect(size_t tag, int code, erplink_http_response *resp, void *ud) {
  collected *ctx = ud;
  if (tag >= NFILES) {
    erplink_http_response_free(resp);
    return ERPLINK_ERANGE;
  }
  ctx->outs[tag] = resp;
  ctx->codes[tag] = code;
  return 0;
}

/* 50 GETs with 20 in flight: all succeed over HTTP/2, with the expected bodies; *conns_out gets
 * the number of connections the batch opened. */
static void check_batch(erplink_http_client *c, int64_t want_max_conns, int64_t *conns_out) {
  erplink_http_request *rq[NFILES] = {0};
  for (int i = 0; i < NFILES; i++) {
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/f%d.json", port, i);
    REQUIRE(erplink_http_request_new(&rq[i], "GET", url) == 0);
  }
  erplink_http_batch *b = NULL;
  REQUIRE(erplink_http_batch_new(&b, c, 20) == 0);
  for (int i = 0; i < NFILES; i++) erplink_http_batch_add(b, rq[i], (size_t)i);
  erplink_http_response *outs[NFILES] = {0};
  int codes[NFILES];
  for (int i = 0; i < NFILES; i++) codes[i] = 1;
  collected ctx = {outs, codes};
  CHECK_EQ_INT(erplink_http_batch_run(b, collect, &ctx), 0);
  int ok = 0, h2 = 0, body_ok = 0;
  int64_t sum = 0;
  for (int i = 0; i < NFILES; i++) {
    if (codes[i] == 0) ok++;
    if (erplink_http_response_http_version(outs[i]) == 20) h2++;
    sum += erplink_http_response_new_connections(outs[i]);
    size_t len = 0;
    const char *body = erplink_http_response_body(outs[i], &len);
    char want[32];
    snprintf(want, sizeof want, "{\"file\":%d,", i);
    if (outs[i] && len == strlen(want) + 7 + 2000 + (size_t)i + 3 && strncmp(body, want, strlen(want)) == 0) body_ok++;
    erplink_http_response_free(outs[i]);
    erplink_http_request_free(rq[i]);
  }
  int64_t conns = erplink_http_batch_connections(b);
  printf("# %d requests, 20 in flight: %d ok, %d over HTTP/2, %lld connection(s) opened\n", NFILES, ok, h2,
         (long long)conns);
  CHECK_EQ_INT(ok, NFILES);
  CHECK_EQ_INT(body_ok, NFILES);
  CHECK_EQ_INT(h2, NFILES);
  CHECK_EQ_INT((int)sum, (int)conns);
  CHECK(conns <= want_max_conns);
  *conns_out = conns;
  erplink_http_batch_free(b);
}

static void test_multiplexed(void) {
  erplink_http_client *c = mk();
  REQUIRE(c);
  int64_t conns = -1;
  check_batch(c, 1, &conns);
  CHECK_EQ_INT((int)conns, 1); /* 50 requests, 20 at a time, one connection */
  check_batch(c, 0, &conns);   /* the next batch of the client reuses it */
  CHECK_EQ_INT((int)conns, 0);
  /* the synchronous path negotiates HTTP/2 too (ALPN), on its own connection */
  erplink_http_request *rq = NULL;
  erplink_http_response *resp = NULL;
  char url[128];
  snprintf(url, sizeof url, "https://127.0.0.1:%d/f1.json", port);
  REQUIRE(erplink_http_request_new(&rq, "GET", url) == 0);
  CHECK_EQ_INT(erplink_http_client_send(&resp, c, rq), 0);
  CHECK_EQ_INT(erplink_http_response_http_version(resp), 20);
  CHECK_EQ_INT(erplink_http_response_new_connections(resp), 1);
  erplink_http_response_free(resp);
  erplink_http_request_free(rq);
  erplink_http_client_free(c);
}

int main(void) {
  static const char *const proxy_vars[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                           "all_proxy",  "ALL_PROXY",  "no_proxy",    "NO_PROXY"};
  for (size_t i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++) unsetenv(proxy_vars[i]);
  alarm(90);
  if (!find_nghttpd()) {
    printf("Bail out! nghttpd not found: this test needs the Debian package nghttp2-server "
           "(add nghttp2-server to .ci/install-deps, or apt-get install nghttp2-server)\n");
    return 1;
  }
  if (!mkdtemp(dir)) {
    printf("Bail out! mkdtemp failed: %s\n", strerror(errno));
    return 1;
  }
  if (start_server() != 0) {
    stop_server();
    printf("Bail out! could not start nghttpd (%s)\n", nghttpd);
    return 1;
  }
  RUN(test_multiplexed);
  stop_server();
  return test_done();
}
