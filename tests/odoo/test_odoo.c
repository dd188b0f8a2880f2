/* odoo_client against tests/servers/odoo_server.py (Odoo 17 and 19 simulators on loopback):
 * every protocol x every call x success and each error class, authentication, AUTO protocol
 * choice, the client's requests compared with the captured real ones, the default context,
 * secrets kept out of logs and messages, and fault injection (refused, reset, stall, HTML,
 * gateway, redirect, empty) with retries only for idempotent calls. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http/http_impl.h" /* test_options_http reads the defaults from the layout */
#include "erplink/erplink.h"
#include "internal.h"
#include "server.h"
#include "logcap.h"
#include "test.h"

static test_server s17, s19;

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define KEY17 "f32f735cb7f82805c95056b62583379a9aabd47f"
#define KEY19 "dad028985f488ca4b0f7f8f7b556a00a30762b32"
#define KEY19_DEMO "94ccef786a0b25cfed33c498b8b117fff7bc629a"
#define KEY19_EXPIRED "f41c2e7aabb2f663af9c1f67a6d9fe17e68eb1a9"

typedef struct setup {
  const test_server *srv;
  odoo_protocol proto;
  const char *login, *password, *key;
  const char *url_suffix; /* e.g. "/__fault__/reset/1/k1" */
  const char *db;         /* NULL: the simulator's database */
  int64_t timeout_ms;
  int attempts;
  erplink_log_fn log;
  void *log_ud;
  int lang_ctx;
} setup;

static odoo_client *mk(const setup *s) {
  odoo_options *o = NULL;
  if (odoo_options_new(&o)) return NULL;
  char url[256];
  snprintf(url, sizeof url, "%s%s", s->srv->base_url, s->url_suffix ? s->url_suffix : "");
  odoo_options_set_url(o, url);
  odoo_options_set_db(o, s->db ? s->db : s->srv == &s19 ? "demo19" : "demo17");
  if (s->login) odoo_options_set_login(o, s->login);
  if (s->password) odoo_options_set_password(o, s->password);
  if (s->key) odoo_options_set_api_key(o, s->key);
  odoo_options_set_protocol(o, s->proto);
  erplink_http_options *h = odoo_options_http(o);
  erplink_http_options_set_max_attempts(h, s->attempts ? s->attempts : 3);
  erplink_http_options_set_backoff_ms(h, 1, 5);
  erplink_http_options_set_timeout_ms(h, s->timeout_ms ? s->timeout_ms : 20000);
  erplink_http_options_set_connect_timeout_ms(h, 2000);
  if (s->log) erplink_http_options_set_log(h, ERPLINK_LOG_TRACE, s->log, s->log_ud);
  if (s->lang_ctx) {
    int64_t companies[] = {1, 3};
    odoo_options_set_lang(o, "fr_FR");
    odoo_options_set_tz(o, "Europe/Brussels");
    odoo_options_set_allowed_company_ids(o, companies, 2);
  }
  odoo_client *c = NULL;
  if (odoo_client_new(&c, o)) c = NULL;
  odoo_options_free(o);
  return c;
}

/* The five protocol/server combinations. */
typedef struct combo {
  const char *name;
  test_server *srv;
  odoo_protocol proto;
  int json2;
  int v19;
} combo;

static combo combos[] = {
    {"xmlrpc17", &s17, ODOO_PROTOCOL_XMLRPC, 0, 0}, {"jsonrpc17", &s17, ODOO_PROTOCOL_JSONRPC, 0, 0},
    {"xmlrpc19", &s19, ODOO_PROTOCOL_XMLRPC, 0, 1}, {"jsonrpc19", &s19, ODOO_PROTOCOL_JSONRPC, 0, 1},
    {"json2", &s19, ODOO_PROTOCOL_JSON2, 1, 1},
};
#define NCOMBOS (sizeof combos / sizeof combos[0])

/* The admin of combination @p k, with the other settings of @p s. */
static odoo_client *mk_admin_with(const combo *k, setup s) {
  s.srv = k->srv;
  s.proto = k->proto;
  s.login = "admin";
  if (k->json2)
    s.key = KEY19;
  else
    s.password = "admin";
  return mk(&s);
}

static odoo_client *mk_admin(const combo *k) { return mk_admin_with(k, (setup){0}); }

/* The combinations, then AUTO against 19 with a key (it picks JSON-2): i < NCOMBOS + 1. */
static combo auto19 = {"auto19", &s19, ODOO_PROTOCOL_AUTO, 1, 1};
static const combo *combo_or_auto(size_t i) { return i < NCOMBOS ? &combos[i] : &auto19; }

static odoo_client *mk_demo(const combo *k) {
  setup s = {.srv = k->srv, .proto = k->proto, .login = "demo"};
  if (k->json2)
    s.key = KEY19_DEMO;
  else
    s.password = "demo";
  return mk(&s);
}

static const char *errmsg(void) {
  const erplink_error *e = erplink_error_last();
  return e ? erplink_error_message(e) : "";
}
static const char *errclass(void) {
  const erplink_error *e = erplink_error_last();
  return e ? erplink_error_remote_class(e) : NULL;
}
static const char *errdetail(void) {
  const erplink_error *e = erplink_error_last();
  return e ? erplink_error_detail(e) : NULL;
}

static erplink_value *J(const char *json) {
  erplink_value *v = NULL;
  if (erplink_json_decode(&v, json, strlen(json), NULL)) return NULL;
  erplink_value *c = NULL;
  erplink_value_clone(&c, v); /* a mutable copy */
  erplink_value_free(v);
  return c;
}

/* GET base+path on a server: body (malloc'd) or NULL. */
static char *sim_get(const test_server *srv, const char *path, size_t *len) {
  erplink_http_client *h = NULL;
  erplink_http_options *o = NULL;
  erplink_http_options_new(&o);
  erplink_http_client_new(&h, o);
  erplink_http_options_free(o);
  char url[512];
  snprintf(url, sizeof url, "%s%s", srv->base_url, path);
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "GET", url);
  erplink_http_response *resp = NULL;
  char *out = NULL;
  if (erplink_http_client_send(&resp, h, r) == 0) {
    size_t n = 0;
    const char *b = erplink_http_response_body(resp, &n);
    out = malloc(n + 1);
    memcpy(out, b, n);
    out[n] = 0;
    if (len) *len = n;
  }
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  erplink_http_client_free(h);
  return out;
}

static int sim_post(const test_server *srv, const char *path, const char *json) {
  erplink_http_client *h = NULL;
  erplink_http_options *o = NULL;
  erplink_http_options_new(&o);
  erplink_http_client_new(&h, o);
  erplink_http_options_free(o);
  char url[512];
  snprintf(url, sizeof url, "%s%s", srv->base_url, path);
  erplink_http_request *r = NULL;
  erplink_http_request_new(&r, "POST", url);
  erplink_http_request_set_header(r, "Content-Type", "application/json");
  erplink_http_request_set_body(r, json, strlen(json));
  erplink_http_response *resp = NULL;
  int rc = erplink_http_client_send(&resp, h, r);
  erplink_http_response_free(resp);
  erplink_http_request_free(r);
  erplink_http_client_free(h);
  return rc;
}

static long hits(const test_server *srv, const char *key) {
  char path[128];
  snprintf(path, sizeof path, "/__sim__/hits?key=%s", key);
  char *b = sim_get(srv, path, NULL);
  long n = b ? strtol(b, NULL, 10) : -1;
  free(b);
  return n;
}

/* Structural equality, struct members in any order. */
static int veq(const erplink_value *a, const erplink_value *b) {
  erplink_type ta = erplink_value_type(a), tb = erplink_value_type(b);
  if (ta != tb) return 0;
  if (ta == ERPLINK_TYPE_STRUCT) {
    size_t n = erplink_value_count(a);
    if (n != erplink_value_count(b)) return 0;
    for (size_t i = 0; i < n; i++) {
      const char *k;
      size_t kl;
      k = erplink_value_struct_key_at(a, i);
      kl = erplink_value_struct_key_len_at(a, i);
      const erplink_value *va = erplink_value_struct_value_at(a, i);
      const erplink_value *vb = erplink_value_struct_getn(b, k, kl);
      if (!vb || !veq(va, vb)) return 0;
    }
    return 1;
  }
  if (ta == ERPLINK_TYPE_ARRAY) {
    size_t n = erplink_value_count(a);
    if (n != erplink_value_count(b)) return 0;
    for (size_t i = 0; i < n; i++)
      if (!veq(erplink_value_array_at(a, i), erplink_value_array_at(b, i))) return 0;
    return 1;
  }
  return erplink_value_equal(a, b);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (fread(b, 1, (size_t)n, f) != (size_t)n) n = 0;
  b[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* Decodes a request body: XML-RPC (method name + params) or JSON (JSON-RPC: params only). */
static erplink_value *decode_request(const char *body, size_t len, char **method) {
  erplink_value *v = NULL;
  *method = NULL;
  if (len && body[0] == '<') {
    if (erplink_xmlrpc_decode_call(method, &v, body, len, NULL)) return NULL;
    return v;
  }
  if (erplink_json_decode(&v, body, len, NULL)) return NULL;
  const erplink_value *p = erplink_value_struct_get(v, "params");
  if (p && erplink_value_struct_get(v, "jsonrpc")) {
    erplink_value *c = NULL;
    erplink_value_clone(&c, p);
    erplink_value_free(v);
    *method = strdup("jsonrpc");
    return c;
  }
  return v;
}

/* The last request body the simulator received equals the captured one (fixture file). */
static int same_as_fixture(const test_server *srv, const char *fixture) {
  char rel[512];
  snprintf(rel, sizeof rel, "%s.request", fixture);
  const char *path = test_fixture_path(rel);
  size_t fl = 0, ml = 0;
  char *raw = slurp(path, &fl);
  if (!raw) {
    printf("# cannot read %s\n", path);
    return 0;
  }
  char *fb = strstr(raw, "\r\n\r\n");
  char *mine = sim_get(srv, "/__sim__/last_request", &ml);
  char *m1 = NULL, *m2 = NULL;
  erplink_value *a = fb ? decode_request(fb + 4, fl - (size_t)(fb + 4 - raw), &m1) : NULL;
  erplink_value *b = mine ? decode_request(mine, ml, &m2) : NULL;
  int ok = a && b && ((!m1 && !m2) || (m1 && m2 && !strcmp(m1, m2))) && veq(a, b);
  if (!ok) {
    char *da = NULL, *db = NULL;
    if (a) erplink_value_dump(&da, a);
    if (b) erplink_value_dump(&db, b);
    printf("# %s: captured %s %s\n#   mine %s %s\n", fixture, m1 ? m1 : "", da ? da : "?", m2 ? m2 : "", db ? db : "?");
    free(da);
    free(db);
  }
  erplink_value_free(a);
  erplink_value_free(b);
  free(m1);
  free(m2);
  free(raw);
  free(mine);
  return ok;
}

/* ------------------------------------------------------------------ tests */

static void test_options(void) {
  odoo_options *o = NULL;
  odoo_client *c = NULL;
  CHECK_EQ_INT(odoo_options_new(NULL), ERPLINK_EINVAL);
  REQUIRE(odoo_options_new(&o) == 0);
  CHECK_EQ_INT(odoo_options_set_url(o, "ftp://x"), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_options_set_url(o, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_options_set_protocol(o, (odoo_protocol)9), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_options_set_api_key(o, "has space"), ERPLINK_EINVAL);
  /* the transport knobs are the core's setters on the embedded options */
  CHECK(odoo_options_http(NULL) == NULL);
  CHECK_EQ_INT(erplink_http_options_set_timeout_ms(odoo_options_http(NULL), 1000), ERPLINK_EINVAL);
  CHECK(odoo_options_http(o) != NULL);
  CHECK(odoo_options_http(o) == odoo_options_http(o));
  CHECK_EQ_INT(erplink_http_options_set_timeout_ms(odoo_options_http(o), -1), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_max_attempts(odoo_options_http(o), 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_http_options_set_user_agent(odoo_options_http(o), "a\r\nX: y"), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_new(&c, o), ERPLINK_EINVAL); /* no URL */
  CHECK(strstr(errmsg(), "URL") != NULL);
  CHECK_EQ_INT(odoo_options_set_url(o, "http://127.0.0.1:1/"), 0);
  CHECK_EQ_INT(odoo_client_new(&c, o), ERPLINK_EINVAL); /* no db */
  odoo_options_set_db(o, "demo17");
  CHECK_EQ_INT(odoo_client_new(&c, o), ERPLINK_EINVAL); /* no secret */
  odoo_options_set_password(o, "pw");
  CHECK_EQ_INT(odoo_client_new(&c, o), ERPLINK_EINVAL); /* no login */
  odoo_options_set_protocol(o, ODOO_PROTOCOL_JSON2);
  odoo_options_set_login(o, "admin");
  CHECK_EQ_INT(odoo_client_new(&c, o), ERPLINK_EINVAL); /* JSON-2 without key */
  CHECK(strstr(errmsg(), "API key") != NULL);
  odoo_options_set_protocol(o, ODOO_PROTOCOL_AUTO);
  CHECK_EQ_INT(odoo_client_new(&c, o), 0);
  odoo_protocol p = ODOO_PROTOCOL_AUTO;
  CHECK_EQ_INT(odoo_client_protocol(&p, c), 0); /* no key: XML-RPC without asking */
  CHECK_EQ_INT(p, ODOO_PROTOCOL_XMLRPC);
  CHECK_EQ_INT(odoo_client_execute_kw(NULL, c, "res partner", "read", NULL, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_execute_kw(NULL, c, "res.partner", "", NULL, NULL), ERPLINK_EINVAL);
  erplink_value *notarr = J("{}");
  CHECK_EQ_INT(odoo_client_execute_kw(NULL, c, "res.partner", "read", notarr, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_search(NULL, c, "res.partner", NULL, 0, 0, NULL), ERPLINK_EINVAL);
  erplink_value *out = NULL;
  CHECK_EQ_INT(odoo_client_search(&out, c, "res.partner", notarr, 0, 0, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_unlink(c, "res.partner", NULL, 0), ERPLINK_EINVAL);
  erplink_value_free(notarr);
  odoo_client_free(c);
  odoo_client_free(NULL);
  odoo_options_free(o);
  odoo_options_free(NULL);
}

static void test_authentication(void) {
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    printf("# auth %s\n", k->name);
    odoo_client *c = mk_admin(k);
    REQUIRE(c);
    int64_t uid = 0;
    CHECK_EQ_INT(odoo_client_authenticate(&uid, c), 0);
    CHECK_EQ_INT(uid, 2);
    odoo_client_free(c);
    c = mk_demo(k);
    REQUIRE(c);
    CHECK_EQ_INT(odoo_client_authenticate(&uid, c), 0);
    CHECK_EQ_INT(uid, k->v19 ? 5 : 6);
    odoo_client_free(c);
    /* bad credentials: false (not a fault) on XML-RPC/JSON-RPC, 401 on JSON-2 */
    setup s = {.srv = k->srv, .proto = k->proto, .login = "admin"};
    if (k->json2)
      s.key = "0000000000000000000000000000000000000000";
    else
      s.password = "s3cr3t-wrong";
    c = mk(&s);
    REQUIRE(c);
    CHECK_EQ_INT(odoo_client_authenticate(&uid, c), ERPLINK_EAUTH);
    CHECK(strstr(errmsg(), "s3cr3t-wrong") == NULL);
    CHECK(strstr(errmsg(), "0000000000000000") == NULL);
    if (k->json2) {
      CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 401);
      CHECK_EQ_STR(errclass(), "werkzeug.exceptions.Unauthorized");
    } else {
      CHECK(strstr(errmsg(), "false") != NULL);
    }
    /* a call with bad credentials fails the same way, before sending execute_kw */
    int64_t n = 0;
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), ERPLINK_EAUTH);
    odoo_client_free(c);
  }
  /* API key in the password slot (17 XML-RPC and JSON-RPC) */
  for (int p = ODOO_PROTOCOL_XMLRPC; p <= ODOO_PROTOCOL_JSONRPC; p++) {
    setup s = {.srv = &s17, .proto = (odoo_protocol)p, .login = "admin", .key = KEY17};
    odoo_client *c = mk(&s);
    REQUIRE(c);
    int64_t uid = 0;
    CHECK_EQ_INT(odoo_client_authenticate(&uid, c), 0);
    CHECK_EQ_INT(uid, 2);
    odoo_client_free(c);
  }
  /* expired JSON-2 key -> 401 */
  setup s = {.srv = &s19, .proto = ODOO_PROTOCOL_JSON2, .key = KEY19_EXPIRED};
  odoo_client *c = mk(&s);
  REQUIRE(c);
  int64_t uid = 0;
  CHECK_EQ_INT(odoo_client_authenticate(&uid, c), ERPLINK_EAUTH);
  CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 401);
  CHECK(strstr(errmsg(), "Invalid apikey") != NULL);
  CHECK(strstr(errmsg(), KEY19_EXPIRED) == NULL);
  odoo_client_free(c);
}

/* Changes the admin's password (or revokes the JSON-2 key) of combination k on its simulator,
 * or restores it. */
static void revoke_admin(const combo *k, int revoke) {
  const char *body = k->json2
                         ? (revoke ? "{\"revoke_key\": \"" KEY19 "\"}" : "{\"restore_key\": \"" KEY19 "\", \"uid\": 2}")
                     : revoke ? "{\"login\": \"admin\", \"password\": \"changed\"}"
                              : "{\"login\": \"admin\", \"password\": \"admin\"}";
  CHECK_EQ_INT(sim_post(k->srv, "/__sim__/set_password", body), 0);
}

/* The password changes (or the key is revoked) while a client is connected: the next call is
 * refused with AccessDenied (XML-RPC fault 3, JSON-RPC AccessDenied, JSON-2 401). */
static void test_credentials_revoked(void) {
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    odoo_client *c = mk_admin(k);
    REQUIRE(c);
    int64_t n = 0;
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), 0);
    revoke_admin(k, 1);
    int rc = odoo_client_search_count(&n, c, "res.partner", NULL);
    CHECK_EQ_INT(rc, ERPLINK_EAUTH);
    CHECK_EQ_STR(errclass(), k->json2 ? "werkzeug.exceptions.Unauthorized" : "odoo.exceptions.AccessDenied");
    CHECK(strstr(errmsg(), k->json2 ? "Invalid apikey" : "Access Denied") != NULL);
    revoke_admin(k, 0);
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), 0);
    odoo_client_free(c);
  }
}

static void test_auto_protocol(void) {
  struct {
    test_server *srv;
    const char *password, *key;
    odoo_protocol want;
    int major;
  } cases[] = {
      {&s17, NULL, KEY17, ODOO_PROTOCOL_XMLRPC, 17},
      {&s19, NULL, KEY19, ODOO_PROTOCOL_JSON2, 19},
      {&s19, "admin", NULL, ODOO_PROTOCOL_XMLRPC, 19},
      {&s17, "admin", NULL, ODOO_PROTOCOL_XMLRPC, 17},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    setup s = {.srv = cases[i].srv,
               .proto = ODOO_PROTOCOL_AUTO,
               .login = "admin",
               .password = cases[i].password,
               .key = cases[i].key};
    odoo_client *c = mk(&s);
    REQUIRE(c);
    odoo_protocol p = ODOO_PROTOCOL_AUTO;
    CHECK_EQ_INT(odoo_client_protocol(&p, c), 0);
    CHECK_EQ_INT(p, cases[i].want);
    int major = 0;
    CHECK_EQ_INT(odoo_client_server_version(&major, c), 0);
    CHECK_EQ_INT(major, cases[i].major);
    int64_t n = -1;
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), 0);
    CHECK(n > 0);
    odoo_client_free(c);
  }
  /* AUTO with a key but no login against Odoo 17: no JSON-2 there, and XML-RPC needs the login */
  {
    setup s = {.srv = &s17, .proto = ODOO_PROTOCOL_AUTO, .key = KEY17};
    odoo_client *c = mk(&s);
    REQUIRE(c);
    int64_t uid = 0;
    CHECK_EQ_INT(odoo_client_authenticate(&uid, c), ERPLINK_EINVAL);
    CHECK(strstr(errmsg(), "login") != NULL);
    odoo_client_free(c);
  }
  /* AUTO against nothing: a clear transport error */
  test_server dead = s19;
  snprintf(dead.base_url, sizeof dead.base_url, "http://127.0.0.1:%d", test_unused_port());
  setup s = {.srv = &dead, .proto = ODOO_PROTOCOL_AUTO, .login = "admin", .key = KEY19, .attempts = 1};
  odoo_client *c = mk(&s);
  REQUIRE(c);
  odoo_protocol p;
  CHECK_EQ_INT(odoo_client_protocol(&p, c), ERPLINK_ECONNECT);
  odoo_client_free(c);
}

static const erplink_value *rec_field(const erplink_value *recs, size_t i, const char *f) {
  return erplink_value_struct_get(erplink_value_array_at(recs, i), f);
}

static void test_calls(void) {
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    printf("# calls %s\n", k->name);
    odoo_client *c = mk_admin(k);
    REQUIRE(c);
    erplink_value *out = NULL, *dom = J("[[\"is_company\", \"=\", true]]");
    /* version */
    CHECK_EQ_INT(odoo_client_version(&out, c), 0);
    CHECK(erplink_value_struct_get(out, k->json2 ? "version_info" : "server_version_info") != NULL);
    erplink_value_free(out);
    /* search / search_count */
    CHECK_EQ_INT(odoo_client_search(&out, c, "res.partner", dom, 0, 0, "id"), 0);
    CHECK_EQ_INT(erplink_value_count(out), 2);
    erplink_value_free(out);
    int64_t n = 0;
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", dom), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(odoo_client_search(&out, c, "product.product", NULL, 1, 2, "id"), 0);
    CHECK_EQ_INT(erplink_value_count(out), 2);
    int64_t id = 0;
    erplink_value_get_int(&id, erplink_value_array_at(out, 0));
    CHECK_EQ_INT(id, 2);
    erplink_value_free(out);
    /* read: many2one as [id, name], False for empty */
    int64_t ids[] = {18, 10};
    const char *fields[] = {"name", "parent_id", "phone"};
    CHECK_EQ_INT(odoo_client_read(&out, c, "res.partner", ids, 2, fields, N(fields)), 0);
    REQUIRE(erplink_value_count(out) == 2);
    const erplink_value *par = rec_field(out, 0, "parent_id");
    CHECK_EQ_INT(erplink_value_type(par), ERPLINK_TYPE_ARRAY);
    CHECK_EQ_INT(erplink_value_type(rec_field(out, 0, "phone")), ERPLINK_TYPE_BOOL);
    erplink_value_free(out);
    /* search_read with offset/limit/order */
    const char *pf[] = {"name", "list_price"};
    CHECK_EQ_INT(odoo_client_search_read(&out, c, "product.product", NULL, pf, N(pf), 0, 3, "list_price desc"), 0);
    REQUIRE(erplink_value_count(out) == 3);
    double price = 0;
    erplink_value_get_double(&price, rec_field(out, 0, "list_price"));
    CHECK(price == 295.0);
    erplink_value_free(out);
    /* create / write / read back / unlink */
    erplink_value *vals = J("{\"name\": \"Test \\u00dcn\\u00efc\\u00f8d\\u00e9 \\u2713\", \"parent_id\": 10}");
    int64_t nid = 0;
    CHECK_EQ_INT(odoo_client_create(&nid, c, "res.partner", vals), 0);
    CHECK(nid > 18);
    erplink_value_free(vals);
    vals = J("{\"phone\": \"+1 555 0100\"}");
    CHECK_EQ_INT(odoo_client_write(c, "res.partner", &nid, 1, vals), 0);
    erplink_value_free(vals);
    CHECK_EQ_INT(odoo_client_read(&out, c, "res.partner", &nid, 1, fields, N(fields)), 0);
    const char *ph = NULL;
    size_t phl = 0;
    CHECK_EQ_INT(erplink_value_get_string(&ph, &phl, rec_field(out, 0, "phone")), 0);
    CHECK(ph && !strcmp(ph, "+1 555 0100"));
    erplink_value_free(out);
    erplink_value *vl = J("[{\"name\": \"Multi A\"}, {\"name\": \"Multi B\"}]");
    CHECK_EQ_INT(odoo_client_create_many(&out, c, "res.partner", vl), 0);
    CHECK_EQ_INT(erplink_value_count(out), 2);
    int64_t all[3] = {nid, 0, 0};
    erplink_value_get_int(&all[1], erplink_value_array_at(out, 0));
    erplink_value_get_int(&all[2], erplink_value_array_at(out, 1));
    erplink_value_free(out);
    erplink_value_free(vl);
    CHECK_EQ_INT(odoo_client_unlink(c, "res.partner", all, 3), 0);
    CHECK_EQ_INT(odoo_client_read(&out, c, "res.partner", all, 3, fields, N(fields)), 0);
    CHECK_EQ_INT(erplink_value_count(out), 0);
    erplink_value_free(out);
    /* fields_get, name_search, read_group */
    const char *attrs[] = {"type", "string"};
    CHECK_EQ_INT(odoo_client_fields_get(&out, c, "res.partner", attrs, N(attrs)), 0);
    CHECK(erplink_value_struct_get(out, "name") != NULL);
    erplink_value_free(out);
    CHECK_EQ_INT(odoo_client_name_search(&out, c, "product.product", "desk", NULL, "ilike", 5), 0);
    CHECK_EQ_INT(erplink_value_count(out), 2);
    erplink_value_free(out);
    const char *agg[] = {"amount_total:sum"}, *gb[] = {"state"};
    CHECK_EQ_INT(odoo_client_read_group(&out, c, "sale.order", NULL, agg, N(agg), gb, N(gb), 0, 0, NULL, 1), 0);
    CHECK_EQ_INT(erplink_value_count(out), 2);
    CHECK(rec_field(out, 0, "state_count") != NULL);
    erplink_value_free(out);
    /* generic execute_kw: positional args mapped to JSON-2 names; a method returning None */
    erplink_value *args = J("[[[\"name\", \"ilike\", \"deco\"]]]"), *kw = J("{\"limit\": 1}");
    CHECK_EQ_INT(odoo_client_execute_kw(&out, c, "res.partner", "search", args, kw), 0);
    CHECK_EQ_INT(erplink_value_count(out), 1);
    erplink_value_free(out);
    erplink_value_free(args);
    erplink_value_free(kw);
    args = J("[[10]]");
    int rc = odoo_client_execute_kw(&out, c, "res.partner", "action_archive", args, NULL);
    if (k->proto == ODOO_PROTOCOL_XMLRPC) {
      CHECK_EQ_INT(rc, ERPLINK_ESERVER); /* Odoo's own XML-RPC cannot marshal None */
      CHECK(strstr(errmsg(), "cannot marshal None") != NULL);
      CHECK_EQ_STR(errclass(), "builtins.TypeError");
    } else {
      CHECK_EQ_INT(rc, 0);
      CHECK_EQ_INT(erplink_value_type(out), ERPLINK_TYPE_NIL);
    }
    erplink_value_free(out);
    out = NULL;
    erplink_value_free(args);
    args = J("[[10]]");
    odoo_client_execute_kw(NULL, c, "res.partner", "action_unarchive", args, NULL);
    erplink_value_free(args);
    if (k->json2) { /* named parameters passed directly; unmapped positionals refused */
      kw = J("{\"domain\": [], \"limit\": 1}");
      CHECK_EQ_INT(odoo_client_execute_kw(&out, c, "res.partner", "search_count", NULL, kw), 0);
      erplink_value_free(out);
      erplink_value_free(kw);
      args = J("[1, 2]");
      CHECK_EQ_INT(odoo_client_execute_kw(&out, c, "res.partner", "some_custom_method", args, NULL), ERPLINK_EINVAL);
      CHECK(strstr(errmsg(), "named") != NULL);
      erplink_value_free(args);
    }
    erplink_value_free(dom);
    odoo_client_free(c);
  }
}

static void expect(int rc, int code, const char *cls, const char *needle) {
  CHECK_EQ_INT(rc, code);
  if (cls) CHECK_EQ_STR(errclass(), cls);
  if (needle && !strstr(errmsg(), needle)) {
    printf("# message \"%s\" lacks \"%s\"\n", errmsg(), needle);
    CHECK(0);
  }
}

static void test_errors(void) {
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    int xml = k->proto == ODOO_PROTOCOL_XMLRPC;
    printf("# errors %s\n", k->name);
    odoo_client *c = mk_admin(k), *demo = mk_demo(k);
    REQUIRE(c && demo);
    erplink_value *vals = J("{\"name\": \"Hacked\"}");
    int64_t two = 2, ten = 10, missing = 999999;
    /* AccessError */
    expect(odoo_client_write(demo, "res.users", &two, 1, vals), ERPLINK_EACCESS, "odoo.exceptions.AccessError",
           "not allowed to modify");
    erplink_value_free(vals);
    /* ValidationError (recursive parent) */
    vals = J("{\"parent_id\": 10}");
    expect(odoo_client_write(c, "res.partner", &ten, 1, vals), ERPLINK_EVALIDATION,
           xml ? NULL : "odoo.exceptions.ValidationError", "recursive");
    if (xml) {
      CHECK(errclass() == NULL);
      CHECK(strstr(errmsg(), "does not say which") != NULL);
    }
    erplink_value_free(vals);
    /* UserError (unlink a confirmed sale order) */
    int64_t so = 4;
    expect(odoo_client_unlink(c, "sale.order", &so, 1), ERPLINK_EVALIDATION, xml ? NULL : "odoo.exceptions.UserError",
           "confirmed sales order");
    /* MissingError: not found, except on XML-RPC where code 2 hides it */
    vals = J("{\"name\": \"ghost\"}");
    expect(odoo_client_write(c, "res.partner", &missing, 1, vals), xml ? ERPLINK_EVALIDATION : ERPLINK_ENOTFOUND,
           xml ? NULL : "odoo.exceptions.MissingError", "does not exist");
    if (k->json2) CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 404);
    erplink_value_free(vals);
    /* LockError (19) / psycopg2 LockNotAvailable (17): conflict, except 19 XML-RPC (code 2) */
    vals = J("{\"x_simulate_lock\": true}");
    int rc = odoo_client_write(c, "res.partner", &ten, 1, vals);
    if (xml && k->v19)
      expect(rc, ERPLINK_EVALIDATION, NULL, "locked");
    else
      expect(rc, ERPLINK_ECONFLICT, k->v19 ? "odoo.exceptions.LockError" : "psycopg2.errors.LockNotAvailable", NULL);
    if (k->json2) CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 409);
    erplink_value_free(vals);
    /* server error with the traceback as detail */
    const char *bad[] = {"no_such_field"};
    erplink_value *out = NULL;
    expect(odoo_client_read(&out, c, "res.partner", &ten, 1, bad, N(bad)), ERPLINK_ESERVER, "builtins.ValueError",
           "no_such_field");
    CHECK(errdetail() && strstr(errdetail(), "Traceback") != NULL);
    if (k->json2) CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 500);
    /* unknown model */
    int64_t n = 0;
    expect(odoo_client_search_count(&n, c, "no.such.model", NULL), k->json2 ? ERPLINK_ENOTFOUND : ERPLINK_EVALIDATION,
           k->json2 ? "werkzeug.exceptions.NotFound" : (xml ? NULL : "odoo.exceptions.UserError"), "no.such.model");
    /* unknown method */
    expect(odoo_client_execute_kw(&out, c, "res.partner", "no_such_method", NULL, NULL),
           k->json2 ? ERPLINK_ENOTFOUND : ERPLINK_ESERVER,
           k->json2 ? "werkzeug.exceptions.NotFound" : "builtins.AttributeError", "no_such_method");
    /* private method */
    expect(odoo_client_execute_kw(&out, c, "res.partner", "_search", NULL, NULL), ERPLINK_EACCESS,
           "odoo.exceptions.AccessError", "Private methods");
    /* SQL constraint: create without a name */
    vals = J("{}");
    int64_t nid = 0;
    expect(odoo_client_create(&nid, c, "res.partner", vals), ERPLINK_EVALIDATION,
           xml ? NULL : "odoo.exceptions.ValidationError", "require a name");
    erplink_value_free(vals);
    /* bad domain (invalid operator): server error */
    erplink_value *dom = J("[[\"name\", \"no-op\", \"x\"]]");
    expect(odoo_client_search_count(&n, c, "res.partner", dom), ERPLINK_ESERVER, "builtins.ValueError", "Invalid leaf");
    erplink_value_free(dom);
    odoo_client_free(c);
    odoo_client_free(demo);
  }
}

/* The client's own requests equal the captured real ones (same method, params and types). */
static void test_requests_match_fixtures(void) {
  for (int p = ODOO_PROTOCOL_XMLRPC; p <= ODOO_PROTOCOL_JSONRPC; p++) {
    const char *dir = p == ODOO_PROTOCOL_XMLRPC ? "odoo17/xmlrpc" : "odoo17/jsonrpc";
    char fx[256];
    setup s = {.srv = &s17, .proto = (odoo_protocol)p, .login = "admin", .password = "admin"};
    odoo_client *c = mk(&s);
    REQUIRE(c);
    int64_t uid = 0;
    CHECK_EQ_INT(odoo_client_authenticate(&uid, c), 0);
    snprintf(fx, sizeof fx, "%s/common_authenticate_ok", dir);
    CHECK(same_as_fixture(&s17, fx));
    erplink_value *out = NULL;
    CHECK_EQ_INT(odoo_client_version(&out, c), 0);
    erplink_value_free(out);
    snprintf(fx, sizeof fx, "%s/common_version", dir);
    CHECK(same_as_fixture(&s17, fx));
    erplink_value *dom = J("[[\"is_company\", \"=\", true]]");
    int64_t n;
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", dom), 0);
    snprintf(fx, sizeof fx, "%s/execute_kw_search_count", dir);
    CHECK(same_as_fixture(&s17, fx));
    erplink_value_free(dom);
    const char *tf[] = {"name", "list_price", "categ_id", "default_code", "qty_available", "active", "create_date"};
    odoo_client_search_read(&out, c, "product.template", NULL, tf, N(tf), 0, 5, NULL);
    erplink_value_free(out);
    snprintf(fx, sizeof fx, "%s/execute_kw_search_read_product_template", dir);
    CHECK(same_as_fixture(&s17, fx));
    const char *rf[] = {"name",
                        "display_name",
                        "is_company",
                        "parent_id",
                        "child_ids",
                        "category_id",
                        "country_id",
                        "state_id",
                        "user_id",
                        "company_id",
                        "email",
                        "phone",
                        "website",
                        "active",
                        "type",
                        "lang",
                        "tz",
                        "date",
                        "create_date",
                        "write_date",
                        "comment",
                        "color",
                        "partner_latitude"};
    int64_t ids[] = {10, 18};
    odoo_client_read(&out, c, "res.partner", ids, 2, rf, N(rf));
    erplink_value_free(out);
    snprintf(fx, sizeof fx, "%s/execute_kw_read_res_partner_relational", dir);
    CHECK(same_as_fixture(&s17, fx));
    const char *at[] = {"string", "type", "required"};
    odoo_client_fields_get(&out, c, "product.template", at, N(at));
    erplink_value_free(out);
    snprintf(fx, sizeof fx, "%s/execute_kw_fields_get_product_template", dir);
    CHECK(same_as_fixture(&s17, fx));
    const char *agg[] = {"amount_total:sum"}, *gb[] = {"state"};
    odoo_client_read_group(&out, c, "sale.order", NULL, agg, N(agg), gb, N(gb), 0, 0, NULL, 1);
    erplink_value_free(out);
    snprintf(fx, sizeof fx, "%s/execute_kw_read_group", dir);
    CHECK(same_as_fixture(&s17, fx));
    if (p == ODOO_PROTOCOL_XMLRPC) {
      odoo_client_search(&out, c, "product.product", NULL, 0, 5, "id");
      erplink_value_free(out);
      CHECK(same_as_fixture(&s17, "odoo17/xmlrpc/execute_kw_search"));
      odoo_client_name_search(&out, c, "product.product", "Desk", NULL, NULL, 3);
      erplink_value_free(out);
      CHECK(same_as_fixture(&s17, "odoo17/xmlrpc/execute_kw_name_search"));
      erplink_value *vals =
          J("{\"phone\": \"+1 555 0100\", \"function\": \"Tester\", \"comment\": \"<p>updated</p>\"}");
      int64_t id68 = 68;
      odoo_client_write(c, "res.partner", &id68, 1, vals);
      erplink_value_free(vals);
      CHECK(same_as_fixture(&s17, "odoo17/xmlrpc/execute_kw_write_res_partner"));
      odoo_client_unlink(c, "res.partner", &id68, 1);
      CHECK(same_as_fixture(&s17, "odoo17/xmlrpc/execute_kw_unlink_res_partner"));
      erplink_value *vl = J("[{\"name\": \"Fixture Multi A\"}, {\"name\": \"Fixture Multi B\"}]");
      odoo_client_create_many(&out, c, "res.partner", vl);
      erplink_value_free(out);
      erplink_value_free(vl);
      CHECK(same_as_fixture(&s17, "odoo17/xmlrpc/execute_kw_create_multi"));
    }
    odoo_client_free(c);
  }
  /* JSON-2 (19) */
  setup s = {.srv = &s19, .proto = ODOO_PROTOCOL_JSON2, .key = KEY19};
  odoo_client *c = mk(&s);
  REQUIRE(c);
  erplink_value *out = NULL, *dom = J("[[\"is_company\", \"=\", true]]");
  odoo_client_search(&out, c, "res.partner", dom, 0, 3, "name");
  erplink_value_free(out);
  CHECK(same_as_fixture(&s19, "odoo19/json2/07_search_ids"));
  int64_t n;
  odoo_client_search_count(&n, c, "res.partner", dom);
  CHECK(same_as_fixture(&s19, "odoo19/json2/08_search_count"));
  erplink_value_free(dom);
  const char *rf[] = {"name",     "parent_id", "child_ids",  "category_id", "country_id",
                      "state_id", "user_id",   "company_id", "is_company",  "type",
                      "email",    "phone",     "lang",       "active",      "write_date"};
  int64_t ids[] = {9, 19};
  odoo_client_read(&out, c, "res.partner", ids, 2, rf, N(rf));
  erplink_value_free(out);
  CHECK(same_as_fixture(&s19, "odoo19/json2/03_read_res_partner_relations"));
  odoo_client_name_search(&out, c, "res.partner", "Acme", NULL, NULL, 5);
  erplink_value_free(out);
  CHECK(same_as_fixture(&s19, "odoo19/json2/20_name_search"));
  erplink_value *vl = J("[{\"name\": \"Multi A\"}, {\"name\": \"Multi B\", \"type\": \"invoice\"}]");
  odoo_client_create_many(&out, c, "res.partner", vl);
  CHECK(same_as_fixture(&s19, "odoo19/json2/13_create_multi"));
  int64_t made[2] = {0, 0};
  erplink_value_get_int(&made[0], erplink_value_array_at(out, 0));
  erplink_value_get_int(&made[1], erplink_value_array_at(out, 1));
  erplink_value_free(out);
  erplink_value_free(vl);
  odoo_client_unlink(c, "res.partner", made, 2);
  /* positional execute_kw mapped to JSON-2 names equals the captured named request */
  erplink_value *args = J("[[9, 19], [\"name\", \"parent_id\", \"child_ids\", \"category_id\", \"country_id\", "
                          "\"state_id\", \"user_id\", \"company_id\", \"is_company\", \"type\", \"email\", \"phone\", "
                          "\"lang\", \"active\", \"write_date\"]]");
  odoo_client_execute_kw(&out, c, "res.partner", "read", args, NULL);
  erplink_value_free(out);
  erplink_value_free(args);
  CHECK(same_as_fixture(&s19, "odoo19/json2/03_read_res_partner_relations"));
  odoo_client_free(c);
}

/* Keyword names Odoo renamed between versions (issue 8): name_search's domain is "args" up to
 * Odoo 18 and "domain" from 19; default_get's parameter is "fields_list" up to 18 ("default_fields"
 * in res.partner's override) and "fields" from 19. The 17 simulator takes only its own names (and
 * answers Odoo's TypeError otherwise), so each call below fails on 17 if the client sends 19's. */
static void test_renamed_keywords(void) {
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    printf("# renamed keywords %s\n", k->name);
    odoo_client *c = mk_admin(k);
    REQUIRE(c);
    erplink_value *out = NULL, *dom = J("[[\"list_price\", \">\", 100.0]]");
    /* the helper with a domain: only "Large Desk" costs more than 100 */
    int rc = odoo_client_name_search(&out, c, "product.product", "desk", dom, "ilike", 5);
    if (rc) printf("# name_search: %s\n", errmsg());
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(erplink_value_count(out), 1);
    erplink_value_free(out);
    out = NULL;
    /* without a domain: both desks */
    CHECK_EQ_INT(odoo_client_name_search(&out, c, "product.product", "desk", NULL, NULL, 0), 0);
    CHECK_EQ_INT(erplink_value_count(out), 2);
    erplink_value_free(out);
    out = NULL;
    /* execute_kw with either name of the domain keyword, whatever the server's version */
    const char *kws[] = {"{\"name\": \"desk\", \"domain\": [[\"list_price\", \">\", 100.0]], \"limit\": 5}",
                         "{\"name\": \"desk\", \"args\": [[\"list_price\", \">\", 100.0]]}",
                         "{\"domain\": [[\"list_price\", \">\", 100.0]]}"};
    for (size_t j = 0; j < 3; j++) {
      erplink_value *kw = J(kws[j]);
      rc = odoo_client_execute_kw(&out, c, "product.product", "name_search", NULL, kw);
      if (rc) printf("# name_search kwargs %zu: %s\n", j, errmsg());
      CHECK_EQ_INT(rc, 0);
      CHECK_EQ_INT(erplink_value_count(out), j == 2 ? 2 : 1); /* no name: every product over 100 */
      erplink_value_free(out);
      out = NULL;
      erplink_value_free(kw);
    }
    /* the name positional, the domain by keyword */
    erplink_value *args = J("[\"desk\"]"), *kw = J("{\"domain\": [[\"list_price\", \">\", 100.0]]}");
    CHECK_EQ_INT(odoo_client_execute_kw(&out, c, "product.product", "name_search", args, kw), 0);
    CHECK_EQ_INT(erplink_value_count(out), 1);
    erplink_value_free(out);
    out = NULL;
    erplink_value_free(args);
    erplink_value_free(kw);
    /* default_get by keyword, under each version's name (res.partner overrides it on 17) */
    const char *dkws[] = {"{\"fields\": [\"type\", \"active\"]}", "{\"fields_list\": [\"type\", \"active\"]}"};
    for (size_t j = 0; j < 2; j++) {
      kw = J(dkws[j]);
      rc = odoo_client_execute_kw(&out, c, "res.partner", "default_get", NULL, kw);
      if (rc) printf("# default_get kwargs %zu: %s\n", j, errmsg());
      CHECK_EQ_INT(rc, 0);
      CHECK_EQ_INT(erplink_value_count(out), 2);
      erplink_value_free(out);
      out = NULL;
      erplink_value_free(kw);
    }
    erplink_value_free(dom);
    odoo_client_free(c);
  }
  /* what goes on the wire: 19's names on JSON-2 (the captured request), positional elsewhere */
  setup s = {.srv = &s19, .proto = ODOO_PROTOCOL_JSON2, .key = KEY19};
  odoo_client *c = mk(&s);
  REQUIRE(c);
  erplink_value *out = NULL, *dom = J("[[\"sale_ok\", \"=\", true]]");
  odoo_client_name_search(&out, c, "product.product", "desk", dom, "ilike", 4);
  erplink_value_free(out);
  CHECK(same_as_fixture(&s19, "odoo19/json2/21_name_search_domain_operator"));
  odoo_client_free(c);
  setup x = {.srv = &s17, .proto = ODOO_PROTOCOL_XMLRPC, .login = "admin", .password = "admin"};
  c = mk(&x);
  REQUIRE(c);
  out = NULL;
  CHECK_EQ_INT(odoo_client_name_search(&out, c, "product.product", "desk", dom, "ilike", 4), 0);
  erplink_value_free(out);
  char *body = sim_get(&s17, "/__sim__/last_request", NULL);
  char *m = NULL;
  erplink_value *req = body ? decode_request(body, strlen(body), &m) : NULL;
  erplink_value *want = J("[\"desk\", [[\"sale_ok\", \"=\", true]]]");
  CHECK(req && veq(erplink_value_array_at(req, 5), want));
  erplink_value_free(want);
  want = J("{\"operator\": \"ilike\", \"limit\": 4}");
  CHECK(req && veq(erplink_value_array_at(req, 6), want));
  erplink_value_free(want);
  erplink_value_free(req);
  free(m);
  free(body);
  erplink_value_free(dom);
  odoo_client_free(c);
}

/* A base URL that is not Odoo's (here it ends in /web/login): Odoo answers its HTML 404 page (on
 * 19 without a database selected, the "No database is selected" page) on every RPC route. That
 * is a misconfigured endpoint (protocol category, saying so), not a missing record (issue 8). */
static void test_not_an_rpc_endpoint(void) {
  for (size_t i = 0; i < NCOMBOS + 1; i++) {
    const combo *k = combo_or_auto(i);
    printf("# wrong base URL %s\n", k->name);
    odoo_client *c = mk_admin_with(k, (setup){.url_suffix = "/web/login", .attempts = 3});
    REQUIRE(c);
    int64_t n = 0;
    int rc = odoo_client_search_count(&n, c, "res.partner", NULL);
    CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
    CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);
    CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 404);
    CHECK(strstr(errmsg(), "HTML page") != NULL);
    CHECK(strstr(errmsg(), "base URL") != NULL);
    CHECK(strstr(errmsg(), k->json2 && k->proto == ODOO_PROTOCOL_JSON2 ? "not JSON-2"
                           : k->proto == ODOO_PROTOCOL_JSONRPC         ? "not JSON-RPC"
                                                                       : "not XML-RPC") != NULL);
    CHECK(strstr(errmsg(), "NOT FOUND") == NULL);
    CHECK(errdetail() && strstr(errdetail(), "<!DOCTYPE html>") != NULL);
    printf("#   %s\n", errmsg());
    odoo_client_free(c);
  }
  /* the real not-found answers of JSON-2 stay what they are */
  setup s = {.srv = &s19, .proto = ODOO_PROTOCOL_JSON2, .key = KEY19};
  odoo_client *c = mk(&s);
  REQUIRE(c);
  int64_t n = 0;
  CHECK_EQ_INT(odoo_client_search_count(&n, c, "no.such.model", NULL), ERPLINK_ENOTFOUND);
  CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_NOTFOUND);
  erplink_value *out = NULL;
  CHECK_EQ_INT(odoo_client_execute_kw(&out, c, "res.partner", "no_such_method", NULL, NULL), ERPLINK_ENOTFOUND);
  odoo_client_free(c);
}

/* A database the server does not have: the same category and a message naming it on every
 * protocol (XML-RPC and JSON-RPC: a psycopg2.OperationalError fault; JSON-2: Odoo's HTML 404
 * "No database is selected" page, whose cause is the X-Odoo-Database header or the dbfilter). */
static void test_unknown_database(void) {
  for (size_t i = 0; i < NCOMBOS + 1; i++) {
    const combo *k = combo_or_auto(i);
    printf("# unknown database %s\n", k->name);
    odoo_client *c = mk_admin_with(k, (setup){.db = "no_such_db_xyz"});
    REQUIRE(c);
    int64_t uid = 0;
    int rc = odoo_client_authenticate(&uid, c);
    printf("#   %s\n", errmsg());
    CHECK_EQ_INT(rc, ERPLINK_EPROTOCOL);
    CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_PROTOCOL);
    CHECK(strstr(errmsg(), "'no_such_db_xyz'") != NULL);
    CHECK(strstr(errmsg(), "database") != NULL);
    if (k->json2) {
      CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 404);
      CHECK(strstr(errmsg(), "X-Odoo-Database") != NULL);
      CHECK(strstr(errmsg(), "dbfilter") != NULL);
      CHECK(strstr(errmsg(), "No database is selected") != NULL);
    } else {
      CHECK_EQ_STR(errclass(), "psycopg2.OperationalError");
      CHECK(errdetail() && strstr(errdetail(), "does not exist") != NULL);
    }
    odoo_client_free(c);
  }
}

static void test_default_context(void) {
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    setup s = {.srv = k->srv, .proto = k->proto, .login = "admin", .lang_ctx = 1};
    if (k->json2)
      s.key = KEY19;
    else
      s.password = "admin";
    odoo_client *c = mk(&s);
    REQUIRE(c);
    erplink_value *out = NULL, *kw = J("{\"limit\": 1, \"context\": {\"tz\": \"UTC\", \"active_test\": false}}");
    erplink_value *args = J("[[]]");
    CHECK_EQ_INT(odoo_client_execute_kw(&out, c, "res.partner", "search", args, kw), 0);
    erplink_value_free(out);
    char *body = sim_get(k->srv, "/__sim__/last_request", NULL);
    REQUIRE(body);
    char *m = NULL;
    erplink_value *req = decode_request(body, strlen(body), &m);
    REQUIRE(req);
    const erplink_value *ctx = NULL, *kwv = NULL;
    if (k->json2) {
      ctx = erplink_value_struct_get(req, "context");
    } else {
      const erplink_value *params = k->proto == ODOO_PROTOCOL_JSONRPC ? erplink_value_struct_get(req, "args") : req;
      kwv = erplink_value_array_at(params, 6);
      ctx = erplink_value_struct_get(kwv, "context");
    }
    REQUIRE(ctx);
    erplink_value *want =
        J("{\"lang\": \"fr_FR\", \"tz\": \"UTC\", \"allowed_company_ids\": [1, 3], \"active_test\": false}");
    CHECK(veq(ctx, want));
    erplink_value_free(want);
    erplink_value_free(req);
    free(m);
    free(body);
    erplink_value_free(kw);
    erplink_value_free(args);
    odoo_client_free(c);
  }
}

static void test_secrets_not_logged(void) {
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    test_log lb = TEST_LOG_INIT;
    setup s = {.srv = k->srv, .proto = k->proto, .login = "admin", .log = test_log_cb, .log_ud = &lb};
    const char *secret = k->json2 ? KEY19 : KEY17;
    if (k->v19 && !k->json2) secret = KEY19; /* 19 XML-RPC/JSON-RPC accept the admin key too */
    s.key = secret;
    odoo_client *c = mk(&s);
    REQUIRE(c);
    int64_t n = 0;
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), 0);
    int64_t ten = 10;
    erplink_value *vals = J("{\"parent_id\": 10}");
    CHECK(odoo_client_write(c, "res.partner", &ten, 1, vals) != 0);
    CHECK(strstr(errmsg(), secret) == NULL);
    CHECK(!errdetail() || strstr(errdetail(), secret) == NULL);
    erplink_value_free(vals);
    CHECK(lb.total > 0);
    CHECK(strstr(test_log_text(&lb), secret) == NULL);
    CHECK(strstr(test_log_text(&lb), "redacted") != NULL);
    test_log_free(&lb);
    odoo_client_free(c);
  }
}

/* Fault injection through the simulator's /__fault__/<mode>/<n>/<key> prefix. */
static int fault_key;

static void test_faults(void) {
  const combo *ks[] = {&combos[0], &combos[1], &combos[4]};
  for (size_t i = 0; i < 3; i++) {
    const combo *k = ks[i];
    printf("# faults %s\n", k->name);
    struct {
      const char *mode;
      int64_t timeout_ms;
      int idem_rc, idem_hits; /* a search_count: retried when the failure allows it */
      int write_rc;           /* a create: never retried */
      const char *needle;
    } cases[] = {
        {"reset", 0, 0, 2, ERPLINK_ERECV, NULL},
        {"gateway", 0, 0, 2, ERPLINK_EUNAVAILABLE, "502"},
        {"stall", 1000, 0, 2, ERPLINK_ETIMEOUT, NULL},
        {"html", 0, ERPLINK_EPROTOCOL, 1, ERPLINK_EPROTOCOL, "HTML"},
        {"redirect", 0, ERPLINK_EREDIRECT, 1, ERPLINK_EREDIRECT, "303"},
        {"empty", 0, ERPLINK_EPROTOCOL, 1, ERPLINK_EPROTOCOL, "empty"},
    };
    for (size_t j = 0; j < sizeof cases / sizeof cases[0]; j++) {
      char key[32], suffix[128];
      snprintf(key, sizeof key, "k%d", ++fault_key);
      snprintf(suffix, sizeof suffix, "/__fault__/%s/1/%s", cases[j].mode, key);
      setup s = {
          .srv = k->srv, .proto = k->proto, .login = "admin", .url_suffix = suffix, .timeout_ms = cases[j].timeout_ms};
      if (k->json2)
        s.key = KEY19;
      else
        s.password = "admin";
      odoo_client *c = mk(&s);
      REQUIRE(c);
      int64_t n = 0;
      int rc = odoo_client_search_count(&n, c, "res.partner", NULL);
      if (rc != cases[j].idem_rc) printf("# %s idempotent: %s\n", cases[j].mode, errmsg());
      CHECK_EQ_INT(rc, cases[j].idem_rc);
      if (cases[j].needle && rc) CHECK(strstr(errmsg(), cases[j].needle) != NULL);
      /* an HTML answer also says which HTTP status it came with */
      if (!strcmp(cases[j].mode, "html")) {
        CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 200);
        CHECK(strstr(errmsg(), "(HTTP 200)") != NULL);
        CHECK(strstr(errmsg(), "HTML page") != NULL);
        CHECK(strstr(errmsg(), "base URL") != NULL);
      }
      CHECK_EQ_INT(hits(k->srv, key), cases[j].idem_hits);
      odoo_client_free(c);
      /* the same fault on a create: one attempt only */
      snprintf(key, sizeof key, "k%d", ++fault_key);
      snprintf(suffix, sizeof suffix, "/__fault__/%s/1/%s", cases[j].mode, key);
      c = mk(&s);
      REQUIRE(c);
      erplink_value *vals = J("{\"name\": \"Fault test\"}");
      int64_t nid = 0;
      rc = odoo_client_create(&nid, c, "res.partner", vals);
      if (rc != cases[j].write_rc) printf("# %s create: %s\n", cases[j].mode, errmsg());
      CHECK_EQ_INT(rc, cases[j].write_rc);
      if (cases[j].needle) CHECK(strstr(errmsg(), cases[j].needle) != NULL);
      CHECK_EQ_INT(hits(k->srv, key), 1);
      erplink_value_free(vals);
      odoo_client_free(c);
    }
    /* ODOO_CALL_IDEMPOTENT lets the caller allow retries of another method */
    char key[32], suffix[128];
    snprintf(key, sizeof key, "k%d", ++fault_key);
    snprintf(suffix, sizeof suffix, "/__fault__/reset/1/%s", key);
    setup s = {.srv = k->srv, .proto = k->proto, .login = "admin", .url_suffix = suffix};
    if (k->json2)
      s.key = KEY19;
    else
      s.password = "admin";
    odoo_client *c = mk(&s);
    REQUIRE(c);
    erplink_value *args = J("[[5]]"), *out = NULL;
    CHECK_EQ_INT(odoo_client_call(&out, c, "sale.order", "action_confirm", args, NULL, ODOO_CALL_IDEMPOTENT), 0);
    CHECK_EQ_INT(hits(k->srv, key), 2);
    erplink_value_free(out);
    erplink_value_free(args);
    odoo_client_free(c);
    /* connection refused */
    test_server dead = *k->srv;
    snprintf(dead.base_url, sizeof dead.base_url, "http://127.0.0.1:%d", test_unused_port());
    setup d = {.srv = &dead, .proto = k->proto, .login = "admin", .attempts = 2};
    if (k->json2)
      d.key = KEY19;
    else
      d.password = "admin";
    c = mk(&d);
    REQUIRE(c);
    int64_t n = 0;
    CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), ERPLINK_ECONNECT);
    odoo_client_free(c);
  }
}

/* ------------------------------------------------------------------ transport options */

/* The simulator's request counter (every request it received, this one included). */
static long sim_requests(const test_server *srv) {
  char *b = sim_get(srv, "/__sim__/stats", NULL);
  const char *p = b ? strstr(b, "\"requests\": ") : NULL;
  long n = p ? strtol(p + 12, NULL, 10) : -1;
  free(b);
  return n;
}

/* odoo_options_http(): the embedded transport options carry Odoo's defaults, their knobs reach
 * the requests (timeout, attempts, CA file, log), and odoo_client_new() copies them. */
static void test_options_http(void) {
  odoo_options *o = NULL;
  REQUIRE(odoo_options_new(&o) == 0);
  const erplink_http_options *h = odoo_options_http(o);
  REQUIRE(h);
  /* Odoo's defaults, read from the layout (src/core/http/http_impl.h) */
  CHECK_EQ_INT(h->timeout_ms, 120000);
  CHECK_EQ_INT(h->connect_timeout_ms, 10000);
  CHECK_EQ_INT(h->max_attempts, 3);
  CHECK_EQ_INT(h->backoff_base_ms, 200);
  CHECK_EQ_INT(h->backoff_cap_ms, 5000);
  CHECK(h->ca_file == NULL);
  CHECK_EQ_INT(h->rps, 0);
  odoo_options_free(o);

  /* a timeout and the attempts set through it reach the requests: a 3 s stall fails after
   * 1 s, once; changing the options afterwards does not change the client (copied) */
  char key[32], suffix[128];
  snprintf(key, sizeof key, "h%d", ++fault_key);
  snprintf(suffix, sizeof suffix, "/__fault__/stall/2/%s", key);
  REQUIRE(odoo_options_new(&o) == 0);
  odoo_options_set_url(o, test_server_url(&s17, "%s", suffix));
  odoo_options_set_db(o, "demo17");
  odoo_options_set_login(o, "admin");
  odoo_options_set_password(o, "admin");
  odoo_options_set_protocol(o, ODOO_PROTOCOL_XMLRPC);
  CHECK_EQ_INT(erplink_http_options_set_timeout_ms(odoo_options_http(o), 1000), 0);
  CHECK_EQ_INT(erplink_http_options_set_max_attempts(odoo_options_http(o), 1), 0);
  odoo_client *c = NULL;
  REQUIRE(odoo_client_new(&c, o) == 0);
  erplink_http_options_set_timeout_ms(odoo_options_http(o), 20000);
  erplink_http_options_set_max_attempts(odoo_options_http(o), 3);
  int64_t n = 0;
  CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), ERPLINK_ETIMEOUT);
  CHECK(strstr(errmsg(), "timeout") != NULL || strstr(errmsg(), "timed out") != NULL);
  CHECK_EQ_INT(hits(&s17, key), 1);
  odoo_client_free(c);
  /* the same options now allow 20 s: the second data call stalls 3 s and is served */
  REQUIRE(odoo_client_new(&c, o) == 0);
  CHECK_EQ_INT(odoo_client_search_count(&n, c, "res.partner", NULL), 0);
  CHECK_EQ_INT(hits(&s17, key), 2);
  odoo_client_free(c);
  odoo_options_free(o);

  /* the log callback set through it receives the transport's lines and the client's own */
  test_log lb = TEST_LOG_INIT;
  setup ls = {.srv = &s19, .proto = ODOO_PROTOCOL_AUTO, .key = KEY19, .log = test_log_cb, .log_ud = &lb};
  c = mk(&ls);
  REQUIRE(c);
  odoo_protocol p;
  CHECK_EQ_INT(odoo_client_protocol(&p, c), 0);
  CHECK(strstr(test_log_text(&lb), "odoo: server is Odoo 19: using JSON-2") != NULL);
  CHECK(strstr(test_log_text(&lb), "/web/version") != NULL);
  test_log_free(&lb);
  odoo_client_free(c);

  /* the CA file set through it reaches the TLS handshake; NULL is the system store, which does
   * not trust the test server's self-signed certificate */
  char dir[64];
  test_server tls;
  REQUIRE(test_tls_server_start(&tls, dir, sizeof dir) == 0);
  char ca[128], url[128];
  snprintf(ca, sizeof ca, "%s/cert.pem", dir);
  snprintf(url, sizeof url, "https://127.0.0.1:%d", tls.port);
  REQUIRE(odoo_options_new(&o) == 0);
  odoo_options_set_url(o, url);
  odoo_options_set_db(o, "demo17");
  odoo_options_set_login(o, "admin");
  odoo_options_set_password(o, "admin");
  erplink_http_options_set_max_attempts(odoo_options_http(o), 1);
  CHECK_EQ_INT(erplink_http_options_set_ca_file(odoo_options_http(o), ca), 0);
  REQUIRE(odoo_client_new(&c, o) == 0);
  int64_t uid = 0;
  int rc = odoo_client_authenticate(&uid, c); /* TLS works; the server is no Odoo */
  printf("#   with the CA file: %s\n", errmsg());
  CHECK(rc != 0 && rc != ERPLINK_ETLS);
  odoo_client_free(c);
  CHECK_EQ_INT(erplink_http_options_set_ca_file(odoo_options_http(o), NULL), 0);
  REQUIRE(odoo_client_new(&c, o) == 0);
  CHECK_EQ_INT(odoo_client_authenticate(&uid, c), ERPLINK_ETLS);
  odoo_client_free(c);
  odoo_options_free(o);
  test_tls_server_stop(&tls, dir);
}

/* ------------------------------------------------------------------ cursor */

static int64_t rec_id(const erplink_value *rec) {
  int64_t id = 0;
  erplink_value_get_int(&id, erplink_value_struct_get(rec, "id"));
  return id;
}

/* The ids of every record of model, in id order (one search). */
static erplink_value *all_ids(odoo_client *c, const char *model) {
  erplink_value *ids = NULL;
  if (odoo_client_search(&ids, c, model, NULL, 0, 0, "id")) return NULL;
  return ids;
}

/* Appends the ids of a page to got; checks that they follow *last. */
static void take_page(erplink_value *got, const erplink_value *page, int64_t *last) {
  size_t n = erplink_value_count(page);
  for (size_t i = 0; i < n; i++) {
    int64_t id = rec_id(erplink_value_array_at(page, i));
    CHECK(id > *last);
    *last = id;
    erplink_value_array_append_int(got, id);
  }
}

/* The next page's ids appended to got: 1 for a page, 0 at the end, the error code otherwise. */
static int next_into(odoo_cursor *cur, erplink_value *got, int64_t *last) {
  erplink_value *page = NULL;
  int rc = odoo_cursor_next(&page, cur);
  if (rc) return rc;
  if (!page) return 0;
  take_page(got, page, last);
  erplink_value_free(page);
  return 1;
}

/* Reads the cursor to its end (bounded), appending the ids to got. */
static void drain(odoo_cursor *cur, erplink_value *got, int64_t *last) {
  int rc = 1;
  for (size_t guard = 0; guard < 100 && rc == 1; guard++) rc = next_into(cur, got, last);
  CHECK_EQ_INT(rc, 0);
}

static int collect_page(const erplink_value *page, void *userdata) {
  size_t n = erplink_value_count(page);
  for (size_t i = 0; i < n; i++) erplink_value_array_append_int(userdata, rec_id(erplink_value_array_at(page, i)));
  return 0;
}

static int collect_record(const erplink_value *rec, void *userdata) {
  return erplink_value_array_append_int(userdata, rec_id(rec)) != 0;
}

static void test_cursor(void) {
  const char *name[] = {"name"};
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    printf("# cursor %s\n", k->name);
    odoo_client *c = mk_admin(k);
    REQUIRE(c);
    erplink_value *want = all_ids(c, "res.partner");
    REQUIRE(want && erplink_value_count(want) > 2);
    size_t total = erplink_value_count(want), ps = (total + 2) / 3; /* about three pages */
    /* pages of ps in id order, the last one short or followed by the end */
    odoo_cursor *cur = NULL;
    REQUIRE(odoo_cursor_new(&cur, c, "res.partner", NULL, name, N(name), ps) == 0);
    CHECK_EQ_INT(odoo_cursor_count(cur), 0);
    erplink_value *got = NULL, *page = NULL;
    erplink_value_new_array(&got);
    int64_t last = 0;
    size_t pages = 0;
    for (size_t guard = 0; guard < total + 2; guard++) {
      int rc = odoo_cursor_next(&page, cur);
      CHECK_EQ_INT(rc, 0);
      if (rc || !page) break;
      pages++;
      size_t n = erplink_value_count(page);
      CHECK(n >= 1 && n <= ps);
      if (erplink_value_count(got) + n < total) CHECK_EQ_INT(n, ps);
      /* the fields asked for, and "id" which paging needs */
      const erplink_value *r0 = erplink_value_array_at(page, 0);
      CHECK(erplink_value_struct_get(r0, "name") != NULL);
      CHECK(erplink_value_struct_get(r0, "id") != NULL);
      CHECK(erplink_value_struct_get(r0, "email") == NULL);
      take_page(got, page, &last);
      erplink_value_free(page);
      CHECK_EQ_INT(odoo_cursor_count(cur), erplink_value_count(got));
    }
    CHECK(page == NULL);
    CHECK_EQ_INT(pages, (total + ps - 1) / ps);
    CHECK(veq(got, want));
    /* after the end: NULL again, without a request (the only one counted is the stats GET) */
    long before = sim_requests(k->srv);
    erplink_value *stale = J("[]");
    page = stale; /* next() sets *page even when there is nothing left */
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), 0);
    CHECK(page == NULL);
    erplink_value_free(stale);
    CHECK_EQ_INT(sim_requests(k->srv), before + 1);
    CHECK_EQ_INT(odoo_cursor_count(cur), total);
    odoo_cursor_free(cur);
    erplink_value_free(got);
    /* a page size that divides the count: the last full page is followed by one empty answer */
    REQUIRE(odoo_cursor_new(&cur, c, "res.partner", NULL, name, N(name), total) == 0);
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), 0);
    CHECK(page && erplink_value_count(page) == total);
    erplink_value_free(page);
    before = sim_requests(k->srv);
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), 0);
    CHECK(page == NULL);
    CHECK_EQ_INT(sim_requests(k->srv), before + 2); /* one search_read, answered [] */
    odoo_cursor_free(cur);
    /* a domain, all fields (NULL, 0), the default page size: one page */
    erplink_value *dom = J("[[\"is_company\", \"=\", true]]");
    REQUIRE(odoo_cursor_new(&cur, c, "res.partner", dom, NULL, 0, 0) == 0);
    erplink_value_free(dom); /* copied by the cursor */
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), 0);
    REQUIRE(page);
    CHECK_EQ_INT(erplink_value_count(page), 2);
    CHECK(erplink_value_count(erplink_value_array_at(page, 0)) > 3); /* every field */
    erplink_value_free(page);
    before = sim_requests(k->srv);
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), 0); /* a short page was the last: no request */
    CHECK(page == NULL);
    CHECK_EQ_INT(sim_requests(k->srv), before + 1);
    odoo_cursor_free(cur);
    /* stopping early: free after one page (nothing in flight, nothing leaked) */
    REQUIRE(odoo_cursor_new(&cur, c, "res.partner", NULL, name, N(name), 2) == 0);
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), 0);
    CHECK_EQ_INT(erplink_value_count(page), 2);
    odoo_cursor_free(cur);
    CHECK_EQ_INT(erplink_value_count(page), 2); /* the page stays the caller's */
    erplink_value_free(page);
    /* the callbacks, on the cursor */
    erplink_value_new_array(&got);
    last = 0;
    erplink_value *dom_all = J("[]");
    CHECK_EQ_INT(odoo_client_search_read_pages(c, "res.partner", dom_all, name, N(name), 4, collect_page, got), 0);
    CHECK(veq(got, want));
    erplink_value_free(got);
    erplink_value_new_array(&got);
    CHECK_EQ_INT(odoo_client_search_read_each(c, "res.partner", NULL, NULL, 0, 5, collect_record, got), 0);
    CHECK(veq(got, want));
    erplink_value_free(got);
    erplink_value_free(dom_all);
    erplink_value_free(want);
    odoo_client_free(c);
  }
  /* bad arguments */
  odoo_client *c = mk_admin(&combos[0]);
  REQUIRE(c);
  odoo_cursor *cur = (odoo_cursor *)1;
  erplink_value *notarr = J("{}"), *page = NULL;
  const char *nul[] = {"name", NULL};
  CHECK_EQ_INT(odoo_cursor_new(NULL, c, "res.partner", NULL, NULL, 0, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_cursor_new(&cur, NULL, "res.partner", NULL, NULL, 0, 0), ERPLINK_EINVAL);
  CHECK(cur == NULL);
  CHECK_EQ_INT(odoo_cursor_new(&cur, c, NULL, NULL, NULL, 0, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_cursor_new(&cur, c, "res.partner", notarr, NULL, 0, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_cursor_new(&cur, c, "res.partner", NULL, NULL, 2, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_cursor_new(&cur, c, "res.partner", NULL, nul, 2, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_cursor_new(&cur, c, "res.partner", NULL, NULL, 0, 1000001), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_cursor_next(&page, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_cursor_count(NULL), 0);
  odoo_cursor_free(NULL);
  CHECK_EQ_INT(odoo_client_search_read_pages(c, "res.partner", NULL, NULL, 0, 0, NULL, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_search_read_each(c, "res.partner", NULL, NULL, 0, 0, NULL, NULL), ERPLINK_EINVAL);
  /* the same (names, n) rule for the other list-taking calls */
  erplink_value *out = NULL;
  int64_t ten = 10;
  CHECK_EQ_INT(odoo_client_read(&out, c, "res.partner", &ten, 1, NULL, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_search_read(&out, c, "res.partner", NULL, nul, 2, 0, 0, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_fields_get(&out, c, "res.partner", NULL, 3), ERPLINK_EINVAL);
  const char *gb[] = {"state"};
  CHECK_EQ_INT(odoo_client_read_group(&out, c, "sale.order", NULL, NULL, 0, gb, 0, 0, 0, NULL, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_read_group(&out, c, "sale.order", NULL, NULL, 1, gb, 1, 0, 0, NULL, 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(odoo_client_read_group(&out, c, "sale.order", NULL, NULL, 0, gb, N(gb), 0, 0, NULL, 1), 0);
  erplink_value_free(out);
  erplink_value_free(notarr);
  odoo_client_free(c);
}

/* Cancellation through a token (erplink/cancel.h): between two pages, from a page callback, and
 * while a page is in flight (the server stalls it; another thread fires the token once the
 * server has the request). The cursor keeps its position: the next call goes on. */
typedef struct canceller {
  const test_server *srv;
  char key[32];
  erplink_cancel *tok;
  int fired;
} canceller;

static void *cancel_when_received(void *ud) {
  canceller *k = ud;
  for (int i = 0; i < 20000 && !k->fired; i++) /* bounded: a few ms per round trip */
    if (hits(k->srv, k->key) >= 1) {
      erplink_cancel_trigger(k->tok);
      k->fired = 1;
    }
  return NULL;
}

typedef struct page_canceller {
  erplink_cancel *tok;
  int pages;
} page_canceller;

static int cancel_after_first_page(const erplink_value *page, void *userdata) {
  (void)page;
  page_canceller *pc = userdata;
  pc->pages++;
  erplink_cancel_trigger(pc->tok);
  return 0; /* the callback goes on: the token stops the next request */
}

static void test_cursor_cancel(void) {
  const combo *ks[] = {&combos[0], &combos[4]};
  const char *name[] = {"name"};
  for (size_t i = 0; i < 2; i++) {
    const combo *k = ks[i];
    printf("# cursor cancel %s\n", k->name);
    odoo_client *c = mk_admin(k);
    REQUIRE(c);
    erplink_value *want = all_ids(c, "res.partner");
    REQUIRE(want);
    /* between pages */
    erplink_cancel *tok = NULL;
    REQUIRE(erplink_cancel_new(&tok) == 0);
    REQUIRE(erplink_cancel_push(tok) == 0);
    odoo_cursor *cur = NULL;
    REQUIRE(odoo_cursor_new(&cur, c, "res.partner", NULL, name, N(name), 4) == 0);
    erplink_value *page = NULL, *got = NULL;
    erplink_value_new_array(&got);
    int64_t last = 0;
    CHECK_EQ_INT(next_into(cur, got, &last), 1);
    long before = sim_requests(k->srv);
    erplink_cancel_trigger(tok);
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), ERPLINK_ECANCELLED);
    CHECK(page == NULL);
    CHECK_EQ_INT(erplink_error_get_category(erplink_error_last()), ERPLINK_CAT_CANCELLED);
    CHECK_EQ_INT(odoo_cursor_count(cur), 4);
    erplink_cancel_pop(); /* (the token would stop the simulator queries of this thread too) */
    erplink_cancel_free(tok);
    CHECK_EQ_INT(sim_requests(k->srv), before + 1); /* nothing was sent */
    /* without the token it goes on where it stopped */
    drain(cur, got, &last);
    CHECK(veq(got, want));
    odoo_cursor_free(cur);
    erplink_value_free(got);
    /* from the page callback of search_read_pages */
    page_canceller pc = {NULL, 0};
    REQUIRE(erplink_cancel_new(&pc.tok) == 0);
    REQUIRE(erplink_cancel_push(pc.tok) == 0);
    CHECK_EQ_INT(odoo_client_search_read_pages(c, "res.partner", NULL, name, N(name), 4, cancel_after_first_page, &pc),
                 ERPLINK_ECANCELLED);
    CHECK_EQ_INT(pc.pages, 1);
    erplink_cancel_pop();
    erplink_cancel_free(pc.tok);
    erplink_value_free(want);
    odoo_client_free(c);
    /* in flight: the first page stalls 3 s on the server; the token fires once it is there */
    canceller cc = {.srv = k->srv};
    snprintf(cc.key, sizeof cc.key, "cc%d", ++fault_key);
    char suffix[96];
    snprintf(suffix, sizeof suffix, "/__fault__/stall/1/%s", cc.key);
    c = mk_admin_with(k, (setup){.url_suffix = suffix, .attempts = 1});
    REQUIRE(c);
    int64_t uid = 0;
    CHECK_EQ_INT(odoo_client_authenticate(&uid, c), 0); /* not a data call: not stalled */
    REQUIRE(erplink_cancel_new(&cc.tok) == 0);
    REQUIRE(erplink_cancel_push(cc.tok) == 0);
    REQUIRE(odoo_cursor_new(&cur, c, "res.partner", NULL, name, N(name), 4) == 0);
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, cancel_when_received, &cc) == 0);
    int rc = odoo_cursor_next(&page, cur);
    pthread_join(th, NULL);
    printf("#   in flight: %s\n", errmsg());
    CHECK(cc.fired);
    CHECK_EQ_INT(rc, ERPLINK_ECANCELLED); /* not the page the server sends 3 s later */
    CHECK(page == NULL);
    erplink_cancel_pop();
    erplink_cancel_free(cc.tok);
    CHECK_EQ_INT(hits(k->srv, cc.key), 1);
    CHECK_EQ_INT(odoo_cursor_next(&page, cur), 0); /* the same page again, not stalled now */
    CHECK(page && erplink_value_count(page) == 4);
    erplink_value_free(page);
    odoo_cursor_free(cur);
    odoo_client_free(c);
  }
}

/* An error in the middle of a stream: the password (or key) is revoked after the first page.
 * The next page fails with the error (ERPLINK_EAUTH); the cursor keeps its position, and once
 * the credentials are back it delivers the rest, nothing skipped or repeated. */
static void test_cursor_error_mid_stream(void) {
  const char *name[] = {"name"};
  for (size_t i = 0; i < NCOMBOS; i++) {
    const combo *k = &combos[i];
    printf("# cursor error %s\n", k->name);
    odoo_client *c = mk_admin(k);
    REQUIRE(c);
    erplink_value *want = all_ids(c, "res.partner");
    REQUIRE(want);
    odoo_cursor *cur = NULL;
    REQUIRE(odoo_cursor_new(&cur, c, "res.partner", NULL, name, N(name), 3) == 0);
    erplink_value *got = NULL;
    erplink_value_new_array(&got);
    int64_t last = 0;
    CHECK_EQ_INT(next_into(cur, got, &last), 1);
    revoke_admin(k, 1);
    CHECK_EQ_INT(next_into(cur, got, &last), ERPLINK_EAUTH);
    CHECK_EQ_INT(odoo_cursor_count(cur), 3);
    revoke_admin(k, 0);
    drain(cur, got, &last);
    CHECK(veq(got, want));
    CHECK_EQ_INT(odoo_cursor_count(cur), erplink_value_count(want));
    odoo_cursor_free(cur);
    erplink_value_free(got);
    erplink_value_free(want);
    odoo_client_free(c);
  }
}

int main(void) {
  const char *v17[] = {"--version", "17", NULL};
  const char *v19[] = {"--version", "19", NULL};
  if (test_server_start(&s17, "odoo_server.py", v17) != 0 || test_server_start(&s19, "odoo_server.py", v19) != 0) {
    printf("Bail out! cannot start tests/servers/odoo_server.py\n");
    return 1;
  }
  RUN(test_options);
  RUN(test_authentication);
  RUN(test_credentials_revoked);
  RUN(test_auto_protocol);
  RUN(test_calls);
  RUN(test_errors);
  RUN(test_requests_match_fixtures);
  RUN(test_renamed_keywords);
  RUN(test_not_an_rpc_endpoint);
  RUN(test_unknown_database);
  RUN(test_default_context);
  RUN(test_secrets_not_logged);
  RUN(test_faults);
  RUN(test_options_http);
  RUN(test_cursor);
  RUN(test_cursor_cancel);
  RUN(test_cursor_error_mid_stream);
  test_server_stop(&s17);
  test_server_stop(&s19);
  return test_done();
}
