/*
 * core_demo — erplink's HTTP transport against a fault-injecting server.
 *
 *   core_demo http://127.0.0.1:PORT
 *
 * The URL is that of tests/servers/faultserver.py (examples/run_demo.sh starts one). The
 * program uses only the public API and shows:
 *   1. a successful request;
 *   2. a 503 with Retry-After that succeeds on the next attempt;
 *   3. an idempotent GET that survives a connection reset mid-body;
 *   4. a POST that is NOT retried after a reset (the server may have processed it);
 *   5. a 404 whose body is still handed to the caller;
 * and prints, for each error, its category, message, HTTP status and the attempts made
 * (counted by the server as well). It exits 0 when every step behaved as described.
 */
#include <erplink/erplink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *base;
static int failures;

/* Prints log lines of level warn and above: the retry decisions. */
static void on_log(int level, const char *message, void *userdata) {
  (void)userdata;
  printf("    log[%s] %s\n", erplink_log_level_name(level), message);
}

static void expect(int cond, const char *what) {
  printf("    %s %s\n", cond ? "OK  " : "FAIL", what);
  if (!cond) failures++;
}

static void print_error(int rc) {
  const erplink_error *e = erplink_error_last();
  printf("    error: %s (%d), category %s\n", erplink_strerror(rc), rc,
         erplink_error_category_name(erplink_error_get_category(e)));
  printf("    message: %s\n", erplink_error_message(e));
  if (erplink_error_http_status(e)) printf("    HTTP status: %d\n", erplink_error_http_status(e));
  if (erplink_error_retry_after_ms(e) >= 0)
    printf("    retry after: %lld ms\n", (long long)erplink_error_retry_after_ms(e));
}

/* Sends METHOD base+path (with an optional body); prints the outcome; returns the code. */
static int do_send(erplink_http_client *c, const char *method, const char *path, const char *body,
                   erplink_http_response **out) {
  char url[512];
  snprintf(url, sizeof url, "%s%s", base, path);
  erplink_http_request *req = NULL;
  int rc = erplink_http_request_new(&req, method, url);
  if (rc == 0 && body) {
    erplink_http_request_set_header(req, "Content-Type", "application/json");
    rc = erplink_http_request_set_body(req, body, strlen(body));
  }
  erplink_http_response *resp = NULL;
  if (rc == 0) rc = erplink_http_client_send(&resp, c, req);
  erplink_http_request_free(req);
  if (resp) {
    size_t len = 0;
    const char *b = erplink_http_response_body(resp, &len);
    printf("    HTTP %d, %zu bytes, %d attempt(s), %lld ms: %.*s", erplink_http_response_status(resp), len,
           erplink_http_response_attempts(resp), (long long)erplink_http_response_total_ms(resp),
           (int)(len > 60 ? 60 : len), b);
    if (len == 0 || b[len - 1] != '\n') printf("\n");
  }
  if (rc) print_error(rc);
  if (out)
    *out = resp;
  else
    erplink_http_response_free(resp);
  return rc;
}

/* How many requests the server received with key=KEY. */
static int server_hits(erplink_http_client *c, const char *key) {
  char url[512];
  snprintf(url, sizeof url, "%s/hits?key=%s", base, key);
  erplink_http_request *req = NULL;
  erplink_http_response *resp = NULL;
  int n = -1;
  if (erplink_http_request_new(&req, "GET", url) == 0 && erplink_http_client_send(&resp, c, req) == 0)
    n = atoi(erplink_http_response_body(resp, NULL));
  erplink_http_response_free(resp);
  erplink_http_request_free(req);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2 || strncmp(argv[1], "http", 4) != 0) {
    fprintf(stderr, "usage: %s http://127.0.0.1:PORT   (a running tests/servers/faultserver.py)\n", argv[0]);
    return 2;
  }
  base = argv[1];
  printf("erplink %s — HTTP transport demo against %s\n", erplink_version(), base);

  erplink_http_options *opts = NULL;
  erplink_http_client *client = NULL;
  if (erplink_http_options_new(&opts) != 0) return 1;
  erplink_http_options_set_user_agent(opts, "erplink-core-demo/1.0 (demo@example.com) erplink/" ERPLINK_VERSION);
  erplink_http_options_set_timeout_ms(opts, 10000);
  erplink_http_options_set_max_attempts(opts, 3);
  erplink_http_options_set_backoff_ms(opts, 50, 1000);
  erplink_http_options_set_log(opts, ERPLINK_LOG_WARN, on_log, NULL);
  int rc = erplink_http_client_new(&client, opts);
  erplink_http_options_free(opts);
  if (rc) {
    print_error(rc);
    return 1;
  }
  erplink_http_client *quiet = NULL; /* for /hits look-ups, without logging */
  if (erplink_http_client_new(&quiet, NULL) != 0) return 1;
  erplink_http_response *resp = NULL;

  printf("\n1. A successful request: GET /ok\n");
  rc = do_send(client, "GET", "/ok", NULL, &resp);
  expect(rc == 0 && erplink_http_response_status(resp) == 200, "200 on the first attempt");
  erplink_http_response_free(resp);

  printf("\n2. 503 with Retry-After: 1, then success: GET /flaky?fail=1&mode=503ra&retry_after=1\n");
  rc = do_send(client, "GET", "/flaky?fail=1&mode=503ra&retry_after=1&key=demo-503", NULL, &resp);
  expect(rc == 0 && erplink_http_response_attempts(resp) == 2, "succeeded on attempt 2 after waiting ~1 s");
  expect(erplink_http_response_total_ms(resp) >= 900, "the client honoured Retry-After");
  erplink_http_response_free(resp);
  printf("    the server saw %d request(s)\n", server_hits(quiet, "demo-503"));

  printf("\n3. An idempotent GET survives a reset mid-body: GET /flaky?fail=1&mode=reset\n");
  rc = do_send(client, "GET", "/flaky?fail=1&mode=reset&key=demo-reset", NULL, &resp);
  expect(rc == 0 && erplink_http_response_attempts(resp) == 2, "retried once, then 200");
  erplink_http_response_free(resp);
  printf("    the server saw %d request(s)\n", server_hits(quiet, "demo-reset"));

  printf("\n4. A POST is not retried once the server may have processed it: POST /reset_mid_body\n");
  rc = do_send(client, "POST", "/reset_mid_body?key=demo-post", "{\"create\": {\"name\": \"order 42\"}}", &resp);
  int hits = server_hits(quiet, "demo-post");
  printf("    attempts: %d (counted by the server)\n", hits);
  expect(rc == ERPLINK_ERECV && resp == NULL, "connection lost: ERPLINK_ERECV, no response");
  expect(hits == 1, "exactly one attempt: a retry could have created the order twice");
  erplink_http_response_free(resp);

  printf("\n5. An HTTP error keeps its body for the caller: GET /status/404\n");
  rc = do_send(client, "GET", "/status/404", NULL, &resp);
  expect(rc == ERPLINK_ENOTFOUND && resp && erplink_http_response_status(resp) == 404,
         "ERPLINK_ENOTFOUND and the 404 response");
  erplink_http_response_free(resp);

  erplink_http_client_free(quiet);
  erplink_http_client_free(client);
  printf("\n%s\n", failures ? "demo FAILED" : "demo finished: every step behaved as expected");
  return failures ? 1 : 0;
}
