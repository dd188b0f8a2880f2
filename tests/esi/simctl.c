#include "simctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fmt(const char *f, ...) {
  static char bufs[8][2048];
  static int next;
  char *b = bufs[next++ % 8];
  va_list ap;
  va_start(ap, f);
  vsnprintf(b, 2048, f, ap);
  va_end(ap);
  return b;
}

int sim_start(test_server *s, const char *const *extra_args) { return test_server_start(s, "esi_sim.py", extra_args); }

static erplink_http_client *ctl_client(void) {
  erplink_http_options *o = NULL;
  erplink_http_client *c = NULL;
  if (erplink_http_options_new(&o) != 0) return NULL;
  erplink_http_options_set_timeout_ms(o, 10000);
  erplink_http_options_set_max_attempts(o, 1);
  erplink_http_client_new(&c, o);
  erplink_http_options_free(o);
  return c;
}

int sim_ctl(const test_server *s, const char *path, const char *json, erplink_value **out) {
  if (out) *out = NULL;
  erplink_http_client *c = ctl_client();
  erplink_http_request *rq = NULL;
  erplink_http_response *rs = NULL;
  int status = -1;
  char url[512];
  snprintf(url, sizeof url, "%s%s", s->base_url, path);
  if (c && erplink_http_request_new(&rq, json ? "POST" : "GET", url) == 0) {
    if (json) {
      erplink_http_request_set_header(rq, "Content-Type", "application/json");
      erplink_http_request_set_body(rq, json, strlen(json));
    }
    erplink_http_client_send(&rs, c, rq);
    if (rs) {
      status = erplink_http_response_status(rs);
      size_t len = 0;
      const char *body = erplink_http_response_body(rs, &len);
      if (out && len) erplink_json_decode(out, body, len, NULL);
    }
  }
  erplink_http_response_free(rs);
  erplink_http_request_free(rq);
  erplink_http_client_free(c);
  return status;
}

int64_t sim_hits(const test_server *s, const char *key) {
  erplink_value *v = NULL;
  int64_t n = 0;
  if (sim_ctl(s, "/_ctl/hits", NULL, &v) == 200) {
    const erplink_value *e = erplink_value_struct_get(v, key);
    if (e) erplink_value_get_int(&n, e);
  }
  erplink_value_free(v);
  return n;
}

char *sim_mint(const test_server *s, const char *spec_json) {
  erplink_value *v = NULL;
  char *tok = NULL;
  if (sim_ctl(s, "/_ctl/mint", spec_json, &v) == 200) {
    const char *t = NULL;
    const erplink_value *e = erplink_value_struct_get(v, "token");
    if (e && erplink_value_get_string(&t, NULL, e) == 0) tok = strdup(t);
  }
  erplink_value_free(v);
  return tok;
}

static char *query_param(const char *url, const char *name) {
  const char *q = strchr(url, '?');
  size_t nl = strlen(name);
  while (q) {
    q++;
    if (strncmp(q, name, nl) == 0 && q[nl] == '=') {
      const char *v = q + nl + 1;
      size_t l = strcspn(v, "&#");
      return strndup(v, l);
    }
    q = strchr(q, '&');
  }
  return NULL;
}

int sim_authorize(const char *url, char **code, char **state) {
  *code = *state = NULL;
  erplink_http_client *c = ctl_client();
  erplink_http_request *rq = NULL;
  erplink_http_response *rs = NULL;
  int rc = -1;
  if (c && erplink_http_request_new(&rq, "GET", url) == 0) {
    erplink_http_client_send(&rs, c, rq);
    const char *loc = rs ? erplink_http_response_header(rs, "Location") : NULL;
    if (loc && erplink_http_response_status(rs) == 302) {
      *code = query_param(loc, "code");
      *state = query_param(loc, "state");
      if (*code && *state) rc = 0;
    }
  }
  erplink_http_response_free(rs);
  erplink_http_request_free(rq);
  erplink_http_client_free(c);
  return rc;
}
