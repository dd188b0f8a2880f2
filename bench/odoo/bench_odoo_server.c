/* Loopback HTTP/1.1 server for the Odoo client benchmarks: answers every request from
 * pre-encoded bytes (written by make_responses.py), with keep-alive, so that the benchmark
 * measures the clients and not a server. One thread per connection.
 *
 *   bench_odoo_server DIR      prints "PORT <n>", exits when stdin reaches EOF.
 *
 * Routing: POST /xmlrpc/2/common (authenticate | version), /xmlrpc/2/object, /jsonrpc
 * ("common" service: authenticate | version; otherwise data), /json/2/res.users/context_get,
 * /json/2/..., GET /web/version. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

typedef struct blob {
  char *p;
  size_t n;
} blob;

static blob xr_data, xr_auth, xr_version, jr_data, jr_auth, jr_version, j2_data, j2_uid, web_version;

static blob load(const char *dir, const char *name) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  blob b = {NULL, 0};
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  b.n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  b.p = malloc(b.n + 1);
  if (!b.p || fread(b.p, 1, b.n, f) != b.n) exit(2);
  fclose(f);
  return b;
}

static int send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return 0;
}

/* Head and body leave in one writev (one segment for small answers, as a reverse proxy would). */
static int reply(int fd, const blob *b, const char *ctype) {
  char head[256];
  int hn = snprintf(head, sizeof head,
                    "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
                    ctype, b->n);
  struct iovec iov[2] = {{head, (size_t)hn}, {b->p, b->n}};
  ssize_t k = writev(fd, iov, 2);
  if (k < 0) return -1;
  if ((size_t)k < (size_t)hn) {
    if (send_all(fd, head + k, (size_t)hn - (size_t)k)) return -1;
    return send_all(fd, b->p, b->n);
  }
  return send_all(fd, b->p + ((size_t)k - (size_t)hn), b->n - ((size_t)k - (size_t)hn));
}

static void *conn(void *arg) {
  int fd = (int)(intptr_t)arg;
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  for (;;) {
    /* read the head */
    char *end = NULL;
    while (!(end = memmem(buf, len, "\r\n\r\n", 4))) {
      if (len == cap) goto out;
      ssize_t k = recv(fd, buf + len, cap - len, 0);
      if (k <= 0) goto out;
      len += (size_t)k;
    }
    size_t head_len = (size_t)(end - buf) + 4;
    size_t body_len = 0;
    for (char *p = buf; p < end; p++) {
      if ((*p == 'C' || *p == 'c') && p + 15 < end && strncasecmp(p, "Content-Length:", 15) == 0) {
        body_len = strtoul(p + 15, NULL, 10);
        break;
      }
    }
    if (head_len + body_len > cap) {
      cap = head_len + body_len;
      buf = realloc(buf, cap);
    }
    while (len < head_len + body_len) {
      ssize_t k = recv(fd, buf + len, cap - len, 0);
      if (k <= 0) goto out;
      len += (size_t)k;
    }
    char *body = buf + head_len;
    int rc;
    if (!strncmp(buf, "GET /web/version", 16)) {
      rc = reply(fd, &web_version, "application/json");
    } else if (!strncmp(buf, "POST /xmlrpc/2/common", 21)) {
      rc = memmem(body, body_len, "authenticate", 12) ? reply(fd, &xr_auth, "text/xml")
                                                      : reply(fd, &xr_version, "text/xml");
    } else if (!strncmp(buf, "POST /xmlrpc/2/object", 21)) {
      rc = reply(fd, &xr_data, "text/xml");
    } else if (!strncmp(buf, "POST /jsonrpc", 13)) {
      if (memmem(body, body_len, "\"common\"", 8))
        rc = memmem(body, body_len, "authenticate", 12) ? reply(fd, &jr_auth, "application/json")
                                                        : reply(fd, &jr_version, "application/json");
      else
        rc = reply(fd, &jr_data, "application/json");
    } else if (!strncmp(buf, "POST /json/2/res.users/context_get", 34)) {
      rc = reply(fd, &j2_uid, "application/json");
    } else if (!strncmp(buf, "POST /json/2/", 13)) {
      rc = reply(fd, &j2_data, "application/json");
    } else {
      static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
      rc = send_all(fd, nf, sizeof nf - 1);
    }
    if (rc) goto out;
    memmove(buf, buf + head_len + body_len, len - head_len - body_len);
    len -= head_len + body_len;
  }
out:
  free(buf);
  close(fd);
  return NULL;
}

static void *watch_stdin(void *arg) {
  (void)arg;
  char b[256];
  while (read(0, b, sizeof b) > 0) {
  }
  exit(0);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_odoo_server DIR\n");
    return 2;
  }
  const char *d = argv[1];
  xr_data = load(d, "xmlrpc_data");
  xr_auth = load(d, "xmlrpc_auth");
  xr_version = load(d, "xmlrpc_version");
  jr_data = load(d, "jsonrpc_data");
  jr_auth = load(d, "jsonrpc_auth");
  jr_version = load(d, "jsonrpc_version");
  j2_data = load(d, "json2_data");
  j2_uid = load(d, "json2_uid");
  web_version = load(d, "web_version");
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 64) || getsockname(s, (struct sockaddr *)&a, &al)) {
    perror("bind");
    return 1;
  }
  printf("PORT %d\n", ntohs(a.sin_port));
  fflush(stdout);
  pthread_t t;
  pthread_create(&t, NULL, watch_stdin, NULL);
  for (;;) {
    int fd = accept(s, NULL, NULL);
    if (fd < 0) continue;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pthread_t ct;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_create(&ct, &at, conn, (void *)(intptr_t)fd);
    pthread_attr_destroy(&at);
  }
}
