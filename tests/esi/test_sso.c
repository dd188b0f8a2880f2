/* EVE SSO and JWT verification against tests/servers/esi_sim.py: web (Basic) and native
 * (PKCE) code flows, refresh with rotation, revoke, the misleading invalid_grant cases, the
 * self-refreshing token (rotation callback, one refresh for concurrent callers), and every
 * JWT rejection (expired, audience, issuer, unknown kid with one JWKS re-fetch, tampering,
 * alg none, HS256 with the RSA public key, algorithm/key mismatch). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "erplink/erplink.h"
#include "simctl.h"
#include "logcap.h"
#include "test.h"

#define WEB_ID "sim-web-client"
#define WEB_SECRET "sim-web-secret"
#define NATIVE_ID "sim-native-client"
#define CHAR_ID 2112625428

static test_server srv;

static const char *last_msg(void) {
  const char *m = erplink_error_message(erplink_error_last());
  return m ? m : "";
}

/* An SSO client against the simulator; max_age_s: the login lifetime (0: the default). The JWKS
 * may be re-fetched for every unknown kid (interval 0). */
static esi_sso *mk_sso_age(const char *client_id, const char *secret, int64_t max_age_s) {
  esi_sso_options *o = NULL;
  esi_sso *s = NULL;
  if (esi_sso_options_new(&o) != 0) return NULL;
  esi_sso_options_set_client_id(o, client_id);
  if (secret) esi_sso_options_set_client_secret(o, secret);
  esi_sso_options_set_redirect_uri(o, "http://localhost/callback");
  esi_sso_options_set_metadata_url(o, fmt("%s/.well-known/oauth-authorization-server", srv.base_url));
  erplink_http_options_set_user_agent(esi_sso_options_http(o),
                                      "erplink-tests/1.0 (tests@example.com; +https://example.com/erplink)");
  esi_sso_options_set_jwks_refresh_interval_s(o, 0);
  erplink_http_options_set_timeout_ms(esi_sso_options_http(o), 10000);
  if (max_age_s) esi_sso_options_set_login_max_age_s(o, max_age_s);
  esi_sso_new(&s, o);
  esi_sso_options_free(o);
  return s;
}

static esi_sso *mk_sso(const char *client_id, const char *secret) { return mk_sso_age(client_id, secret, 0); }

/* Runs a whole login: URL -> simulated consent -> code exchange. */
static int login(esi_sso_tokens **out, esi_sso *s, const char *const *scopes, size_t n) {
  esi_sso_login *l = NULL;
  char *code = NULL, *state = NULL;
  int rc = esi_sso_login_new(&l, s, scopes, n);
  if (rc == 0 && sim_authorize(esi_sso_login_url(l), &code, &state) != 0) rc = -999;
  if (rc == 0) rc = esi_sso_exchange_code(out, s, l, code, state);
  free(code);
  free(state);
  esi_sso_login_free(l);
  return rc;
}

static const char *const SCOPES[] = {"esi-assets.read_assets.v1", "esi-wallet.read_character_wallet.v1"};

static void test_options(void) {
  esi_sso_options *o = NULL;
  esi_sso *s = NULL;
  REQUIRE(esi_sso_options_new(&o) == 0);
  CHECK_EQ_INT(esi_sso_options_set_client_id(o, ""), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_options_set_client_id(o, "a b"), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_options_set_redirect_uri(o, "http://x/\n"), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_options_set_metadata_url(o, "ftp://x"), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_options_set_leeway_s(o, -1), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_options_set_login_max_age_s(o, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_options_set_login_max_age_s(o, 86401), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_options_set_login_max_age_s(o, 600), 0);
  CHECK(esi_sso_options_http(NULL) == NULL);
  CHECK_EQ_INT(erplink_http_options_set_timeout_ms(esi_sso_options_http(NULL), 1), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_sso_new(&s, o), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "client id") != NULL);
  esi_sso_options_set_client_id(o, WEB_ID);
  esi_sso_options_set_redirect_uri(o, "http://localhost/callback");
  CHECK_EQ_INT(esi_sso_new(&s, o), ERPLINK_EINVAL);
  CHECK(strstr(last_msg(), "User-Agent") != NULL);
  CHECK(s == NULL);
  erplink_http_options_set_user_agent(esi_sso_options_http(o), "t/1 (t@example.com)");
  CHECK_EQ_INT(esi_sso_new(&s, o), 0);
  CHECK_EQ_INT(esi_sso_is_confidential(s), 0);
  esi_sso_free(s);
  /* every transport knob reaches the SSO through the embedded options, e.g. the size cap */
  esi_sso_options_set_metadata_url(o, fmt("%s/.well-known/oauth-authorization-server", srv.base_url));
  CHECK_EQ_INT(erplink_http_options_set_max_response_bytes(esi_sso_options_http(o), 16), 0);
  REQUIRE(esi_sso_new(&s, o) == 0);
  CHECK_EQ_INT(esi_sso_discover(s), ERPLINK_ETOOLARGE);
  esi_sso_free(s);
  esi_sso_options_free(o);
  esi_sso_options_free(NULL);
  esi_sso_free(NULL);
  esi_sso_login_free(NULL);
  esi_sso_tokens_free(NULL);
  esi_token_free(NULL);
  esi_jwks_free(NULL);
  esi_token_claims_free(NULL);
}

static void test_web_flow(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  esi_sso *s = mk_sso(WEB_ID, WEB_SECRET);
  REQUIRE(s);
  CHECK_EQ_INT(esi_sso_is_confidential(s), 1);
  esi_sso_login *l = NULL;
  REQUIRE(esi_sso_login_new(&l, s, SCOPES, 2) == 0);
  const char *url = esi_sso_login_url(l);
  CHECK(strstr(url, "/v2/oauth/authorize?response_type=code&redirect_uri=http%3A%2F%2Flocalhost%2Fcallback") != NULL);
  CHECK(strstr(url, "&client_id=" WEB_ID) != NULL);
  CHECK(strstr(url, "scope=esi-assets.read_assets.v1%20esi-wallet.read_character_wallet.v1") != NULL);
  CHECK(strstr(url, "&code_challenge_method=S256") != NULL); /* web apps use PKCE too (OAuth 2.1) */
  CHECK_EQ_INT(strlen(esi_sso_login_state(l)), 43);          /* 32 bytes base64url, no padding */
  char *code = NULL, *state = NULL;
  REQUIRE(sim_authorize(url, &code, &state) == 0);
  CHECK_EQ_STR(state, esi_sso_login_state(l));
  esi_sso_tokens *t = NULL;
  /* wrong state: refused before any request */
  int64_t before = sim_hits(&srv, "POST /v2/oauth/token");
  CHECK_EQ_INT(esi_sso_exchange_code(&t, s, l, code, "forged-state"), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "state") != NULL);
  CHECK_EQ_INT(sim_hits(&srv, "POST /v2/oauth/token"), before);
  CHECK_EQ_INT(esi_sso_exchange_code(&t, s, l, code, state), 0);
  REQUIRE(t);
  CHECK(esi_sso_tokens_expires_in(t) == 1199);
  CHECK(esi_sso_tokens_expires_at(t) > (int64_t)time(NULL) + 1100);
  CHECK(strlen(esi_sso_tokens_refresh_token(t)) > 10);
  esi_token_claims *c = NULL;
  CHECK_EQ_INT(esi_sso_verify(&c, s, esi_sso_tokens_access_token(t)), 0);
  CHECK_EQ_INT(esi_token_claims_character_id(c), CHAR_ID);
  CHECK_EQ_STR(esi_token_claims_name(c), "Sim Pilot");
  CHECK(strlen(esi_token_claims_owner(c)) > 0);
  CHECK_EQ_INT(esi_token_claims_scope_count(c), 2);
  CHECK(esi_token_claims_has_scope(c, "esi-wallet.read_character_wallet.v1"));
  CHECK(!esi_token_claims_has_scope(c, "esi-mail.send_mail.v1"));
  esi_token_claims_free(c);
  /* the code is single-use: the misleading invalid_grant is explained */
  esi_sso_tokens *t2 = NULL;
  CHECK_EQ_INT(esi_sso_exchange_code(&t2, s, l, code, state), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "invalid_grant") != NULL);
  CHECK(strstr(last_msg(), "Authorization code not found") != NULL);
  CHECK(strstr(last_msg(), "already used") != NULL);
  CHECK(strstr(last_msg(), code) == NULL);
  CHECK_EQ_INT(erplink_error_http_status(erplink_error_last()), 400);
  CHECK(t2 == NULL);
  /* metadata fetched once and cached */
  CHECK_EQ_INT(sim_hits(&srv, "GET /.well-known/oauth-authorization-server"), 1);
  CHECK_EQ_INT(sim_hits(&srv, "GET /oauth/jwks"), 1);
  free(code);
  free(state);
  /* the web application's exchange carries the PKCE verifier: a code issued for another
   * challenge is refused even with the right client secret */
  char *bad_url = strdup(url);
  REQUIRE(bad_url);
  char *p = strstr(bad_url, "code_challenge=") + 15;
  p[0] = p[0] == 'A' ? 'B' : 'A';
  REQUIRE(sim_authorize(bad_url, &code, &state) == 0);
  CHECK_EQ_INT(esi_sso_exchange_code(&t2, s, l, code, state), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "Invalid code verifier") != NULL);
  CHECK(t2 == NULL);
  free(code);
  free(state);
  free(bad_url);
  esi_sso_tokens_free(t);
  esi_sso_login_free(l);
  esi_sso_free(s);
}

static void test_web_bad_secret(void) {
  esi_sso *good = mk_sso(WEB_ID, WEB_SECRET), *bad = mk_sso(WEB_ID, "not-the-secret");
  REQUIRE(good && bad);
  esi_sso_tokens *t = NULL;
  REQUIRE(login(&t, good, SCOPES, 1) == 0);
  esi_sso_tokens *t2 = NULL;
  CHECK_EQ_INT(esi_sso_refresh(&t2, bad, esi_sso_tokens_refresh_token(t), NULL), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "invalid_client") != NULL);
  CHECK(strstr(last_msg(), "not-the-secret") == NULL);
  CHECK(strstr(last_msg(), esi_sso_tokens_refresh_token(t)) == NULL);
  /* an unknown client id gives EVE's misleading "Grant type is not supported" */
  esi_sso *unknown = mk_sso("no-such-client", NULL);
  CHECK_EQ_INT(esi_sso_refresh(&t2, unknown, esi_sso_tokens_refresh_token(t), NULL), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "Grant type is not supported") != NULL);
  CHECK(strstr(last_msg(), "form-encoded") != NULL);
  esi_sso_free(unknown);
  esi_sso_tokens_free(t);
  esi_sso_free(good);
  esi_sso_free(bad);
}

static void test_native_pkce(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  esi_sso *s = mk_sso(NATIVE_ID, NULL);
  REQUIRE(s);
  esi_sso_login *l = NULL;
  REQUIRE(esi_sso_login_new(&l, s, SCOPES, 1) == 0);
  const char *url = esi_sso_login_url(l);
  CHECK(strstr(url, "&code_challenge_method=S256") != NULL);
  const char *ch = strstr(url, "code_challenge=");
  REQUIRE(ch);
  CHECK_EQ_INT(strcspn(ch + 15, "&"), 43);
  char *code = NULL, *state = NULL;
  REQUIRE(sim_authorize(url, &code, &state) == 0);
  esi_sso_tokens *t = NULL;
  CHECK_EQ_INT(esi_sso_exchange_code(&t, s, l, code, state), 0);
  esi_token_claims *c = NULL;
  if (t) CHECK_EQ_INT(esi_sso_verify(&c, s, esi_sso_tokens_access_token(t)), 0);
  CHECK_EQ_STR(esi_token_claims_client_id(c), NATIVE_ID);
  CHECK_EQ_INT(esi_token_claims_scope_count(c), 1); /* scp as a plain string */
  CHECK(esi_token_claims_has_scope(c, "esi-assets.read_assets.v1"));
  esi_token_claims_free(c);
  esi_sso_tokens_free(t);
  t = NULL;
  free(code);
  free(state);

  /* a code issued for another challenge: the verifier does not match */
  char *bad_url = strdup(url);
  char *p = strstr(bad_url, "code_challenge=") + 15;
  p[0] = p[0] == 'A' ? 'B' : 'A';
  REQUIRE(sim_authorize(bad_url, &code, &state) == 0);
  CHECK_EQ_INT(esi_sso_exchange_code(&t, s, l, code, state), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "Invalid code verifier") != NULL);
  CHECK(strstr(last_msg(), "PKCE") != NULL);
  free(code);
  free(state);
  free(bad_url);

  /* an expired code */
  REQUIRE(sim_authorize(url, &code, &state) == 0);
  sim_ctl(&srv, "/_ctl/expire_codes", "{}", NULL);
  CHECK_EQ_INT(esi_sso_exchange_code(&t, s, l, code, state), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "expired") != NULL);
  CHECK(strstr(last_msg(), "5 minutes") != NULL);
  free(code);
  free(state);
  esi_sso_login_free(l);
  esi_sso_free(s);
}

static void test_refresh_rotation_revoke(void) {
  sim_ctl(&srv, "/_ctl/config", "{\"rotate_refresh\": true}", NULL);
  esi_sso *s = mk_sso(NATIVE_ID, NULL);
  REQUIRE(s);
  esi_sso_tokens *t = NULL, *t2 = NULL, *t3 = NULL;
  REQUIRE(login(&t, s, SCOPES, 2) == 0);
  CHECK_EQ_INT(esi_sso_refresh(&t2, s, esi_sso_tokens_refresh_token(t), NULL), 0);
  REQUIRE(t2);
  CHECK(strcmp(esi_sso_tokens_refresh_token(t2), esi_sso_tokens_refresh_token(t)) != 0); /* rotated */
  /* the old refresh token is dead: explained */
  CHECK_EQ_INT(esi_sso_refresh(&t3, s, esi_sso_tokens_refresh_token(t), NULL), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "invalid_grant") != NULL);
  CHECK(strstr(last_msg(), "rotated") != NULL);
  /* scope subset */
  CHECK_EQ_INT(esi_sso_refresh(&t3, s, esi_sso_tokens_refresh_token(t2), "esi-assets.read_assets.v1"), 0);
  esi_token_claims *c = NULL;
  if (t3) CHECK_EQ_INT(esi_sso_verify(&c, s, esi_sso_tokens_access_token(t3)), 0);
  CHECK_EQ_INT(esi_token_claims_scope_count(c), 1);
  esi_token_claims_free(c);
  /* without rotation the old refresh token comes back */
  sim_ctl(&srv, "/_ctl/config", "{\"rotate_refresh\": false}", NULL);
  esi_sso_tokens *t4 = NULL;
  CHECK_EQ_INT(esi_sso_refresh(&t4, s, esi_sso_tokens_refresh_token(t3), NULL), 0);
  if (t4) CHECK_EQ_STR(esi_sso_tokens_refresh_token(t4), esi_sso_tokens_refresh_token(t3));
  sim_ctl(&srv, "/_ctl/config", "{\"rotate_refresh\": true}", NULL);
  /* revoke, then the token is refused */
  CHECK_EQ_INT(esi_sso_revoke(s, esi_sso_tokens_refresh_token(t3)), 0);
  CHECK_EQ_INT(esi_sso_revoke(s, esi_sso_tokens_refresh_token(t3)), 0); /* 200 whatever the state */
  esi_sso_tokens *t5 = NULL;
  CHECK_EQ_INT(esi_sso_refresh(&t5, s, esi_sso_tokens_refresh_token(t3), NULL), ERPLINK_EAUTH);
  CHECK(t5 == NULL);
  esi_sso_tokens_free(t);
  esi_sso_tokens_free(t2);
  esi_sso_tokens_free(t3);
  esi_sso_tokens_free(t4);
  /* web application: Basic auth on refresh and revoke */
  esi_sso *w = mk_sso(WEB_ID, WEB_SECRET);
  t = t2 = NULL;
  REQUIRE(login(&t, w, SCOPES, 1) == 0);
  CHECK_EQ_INT(esi_sso_refresh(&t2, w, esi_sso_tokens_refresh_token(t), NULL), 0);
  if (t2) CHECK_EQ_INT(esi_sso_revoke(w, esi_sso_tokens_refresh_token(t2)), 0);
  esi_sso_tokens_free(t3 = NULL);
  if (t2) CHECK_EQ_INT(esi_sso_refresh(&t3, w, esi_sso_tokens_refresh_token(t2), NULL), ERPLINK_EAUTH);
  esi_sso_tokens_free(t);
  esi_sso_tokens_free(t2);
  esi_sso_free(w);
  esi_sso_free(s);
}

/* ---------------------------------------------------------------- logins across processes */

/* Starts a login in a first SSO client ("the process that redirects"): *exported receives its
 * export, *code and *state what the simulated browser brings back; the first client is freed.
 * Returns 0 or -1. */
static int start_elsewhere(char **exported, char **code, char **state, const char *client_id, const char *secret) {
  esi_sso *a = mk_sso(client_id, secret);
  esi_sso_login *l = NULL;
  *exported = *code = *state = NULL;
  int rc = a && esi_sso_login_new(&l, a, SCOPES, 2) == 0 && esi_sso_login_export(exported, l) == 0 &&
                   sim_authorize(esi_sso_login_url(l), code, state) == 0
               ? 0
               : -1;
  esi_sso_login_free(l);
  esi_sso_free(a);
  return rc;
}

/* The export with the character at i replaced (a different base64url character). */
static char *altered(const char *exported, size_t i) {
  char *t = strdup(exported);
  t[i] = t[i] == 'A' ? 'B' : 'A';
  return t;
}

static void check_refused(esi_sso *s, const char *exported, const char *needle) {
  esi_sso_login *l = (esi_sso_login *)&l;
  CHECK_EQ_INT(esi_sso_login_import(&l, s, exported), ERPLINK_EINVAL);
  CHECK(l == NULL);
  if (!strstr(last_msg(), needle)) printf("# import: \"%s\" lacks \"%s\"\n", last_msg(), needle);
  CHECK(strstr(last_msg(), needle) != NULL);
  if (strlen(exported) > 8) CHECK(strstr(last_msg(), exported + 3) == NULL); /* never quoted */
}

static void test_login_export_import(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  const char *ids[] = {WEB_ID, NATIVE_ID}, *secrets[] = {WEB_SECRET, NULL};
  for (int k = 0; k < 2; k++) {
    char *code = NULL, *state = NULL, *exported = NULL;
    REQUIRE(start_elsewhere(&exported, &code, &state, ids[k], secrets[k]) == 0);
    CHECK(strncmp(exported, "v1.", 3) == 0);
    CHECK(strstr(exported, state) == NULL); /* not in the clear */
    /* the callback lands in another process: a separate client rebuilds the login */
    esi_sso *b = mk_sso(ids[k], secrets[k]);
    REQUIRE(b);
    esi_sso_login *l = NULL;
    CHECK_EQ_INT(esi_sso_login_import(&l, b, exported), 0);
    REQUIRE(l);
    CHECK_EQ_STR(esi_sso_login_state(l), state);
    CHECK(esi_sso_login_url(l) == NULL);
    CHECK(llabs(esi_sso_login_created_at(l) - (int64_t)time(NULL)) <= 5);
    /* a re-export of the import is the same string */
    char *again = NULL;
    CHECK_EQ_INT(esi_sso_login_export(&again, l), 0);
    if (again) CHECK_EQ_STR(again, exported);
    erplink_free(again);
    /* wrong state: refused before any request */
    esi_sso_tokens *t = NULL;
    int64_t posts = sim_hits(&srv, "POST /v2/oauth/token");
    CHECK_EQ_INT(esi_sso_exchange_code(&t, b, l, code, "forged-state"), ERPLINK_EAUTH);
    CHECK(strstr(last_msg(), "state") != NULL);
    CHECK_EQ_INT(sim_hits(&srv, "POST /v2/oauth/token"), posts);
    /* the exchange works (for the native application: the PKCE verifier came across) */
    CHECK_EQ_INT(esi_sso_exchange_code(&t, b, l, code, state), 0);
    esi_token_claims *c = NULL;
    if (t) CHECK_EQ_INT(esi_sso_verify(&c, b, esi_sso_tokens_access_token(t)), 0);
    CHECK_EQ_INT(esi_token_claims_character_id(c), CHAR_ID);
    CHECK_EQ_INT(esi_token_claims_scope_count(c), 2);
    esi_token_claims_free(c);
    esi_sso_tokens_free(t);
    esi_sso_login_free(l);

    /* tampered, truncated, garbage, other versions */
    size_t n = strlen(exported), dot = (size_t)(strrchr(exported, '.') - exported);
    for (size_t i = 3; i < n; i += 7) { /* any one character changed */
      char *bad = altered(exported, i);
      check_refused(b, bad, "esi_sso_login_import");
      free(bad);
    }
    char *bad = altered(exported, 10);
    check_refused(b, bad, "corrupt or was altered");
    free(bad);
    bad = strdup(exported);
    bad[n - 5] = '\0';
    check_refused(b, bad, "esi_sso_login_import");
    bad[dot] = '\0';
    check_refused(b, bad, "three dot-separated parts");
    free(bad);
    check_refused(b, "", "not an exported login");
    check_refused(b, "hello", "not an exported login");
    check_refused(b, "v1.", "not an exported login");
    check_refused(b, "v1.!!!.???", "base64url");
    check_refused(b, "v2.AAAA.BBBB", "another version");
    esi_sso_login *l3 = NULL;
    CHECK_EQ_INT(esi_sso_login_import(&l3, b, NULL), ERPLINK_EINVAL);
    char *huge = malloc(9000);
    memset(huge, 'A', 8999);
    memcpy(huge, "v1.", 3);
    huge[8999] = '\0';
    check_refused(b, huge, "longer than");
    free(huge);
    /* imported by a client of another application, or of the other kind, or with another secret */
    esi_sso *other = mk_sso(k == 0 ? NATIVE_ID : WEB_ID, k == 0 ? NULL : WEB_SECRET);
    check_refused(other, exported, k == 0 ? "or by a web application" : "or by a native application");
    esi_sso_free(other);
    other = mk_sso("another-client", secrets[k]);
    check_refused(other, exported, "another client id");
    esi_sso_free(other);
    if (k == 0) {
      other = mk_sso(WEB_ID, "another-secret");
      check_refused(other, exported, "another client secret");
      esi_sso_free(other);
    }
    free(code);
    free(state);
    erplink_free(exported);
    esi_sso_free(b);
  }
}

/* A login older than the maximum age is refused at the exchange, before any request. */
static void test_login_expiry(void) {
  esi_sso *a = mk_sso_age(NATIVE_ID, NULL, 1);
  REQUIRE(a);
  esi_sso_login *l = NULL;
  REQUIRE(esi_sso_login_new(&l, a, SCOPES, 1) == 0);
  char *code = NULL, *state = NULL, *exported = NULL;
  REQUIRE(sim_authorize(esi_sso_login_url(l), &code, &state) == 0);
  REQUIRE(esi_sso_login_export(&exported, l) == 0);
  struct timespec ts = {2, 200000000}; /* the login ages past 1 s (time passing, not synchronisation) */
  nanosleep(&ts, NULL);
  int64_t posts = sim_hits(&srv, "POST /v2/oauth/token");
  esi_sso_tokens *t = NULL;
  CHECK_EQ_INT(esi_sso_exchange_code(&t, a, l, code, state), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "login expired") != NULL);
  CHECK(strstr(last_msg(), "esi_sso_options_set_login_max_age_s") != NULL);
  /* the export of an expired login is imported (well-formed) and refused at the exchange */
  esi_sso *b = mk_sso_age(NATIVE_ID, NULL, 1);
  esi_sso_login *l2 = NULL;
  CHECK_EQ_INT(esi_sso_login_import(&l2, b, exported), 0);
  CHECK_EQ_INT(esi_sso_exchange_code(&t, b, l2, code, state), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "login expired") != NULL);
  CHECK_EQ_INT(sim_hits(&srv, "POST /v2/oauth/token"), posts);
  CHECK(t == NULL);
  /* with the default lifetime (600 s) the same export is still good */
  esi_sso *d = mk_sso(NATIVE_ID, NULL);
  esi_sso_login *l3 = NULL;
  CHECK_EQ_INT(esi_sso_login_import(&l3, d, exported), 0);
  CHECK_EQ_INT(esi_sso_exchange_code(&t, d, l3, code, state), 0);
  esi_sso_tokens_free(t);
  esi_sso_login_free(l3);
  esi_sso_free(d);
  esi_sso_login_free(l2);
  esi_sso_free(b);
  erplink_free(exported);
  free(code);
  free(state);
  esi_sso_login_free(l);
  esi_sso_free(a);
}

/* ---------------------------------------------------------------- self-refreshing token */

typedef struct saved {
  pthread_mutex_t mu;
  int calls;
  char last[256];
  int64_t char_id;
} saved;

static void on_refresh(const char *rt, int64_t char_id, void *ud) {
  saved *sv = ud;
  pthread_mutex_lock(&sv->mu);
  sv->calls++;
  snprintf(sv->last, sizeof sv->last, "%s", rt);
  sv->char_id = char_id;
  pthread_mutex_unlock(&sv->mu);
}

typedef struct {
  esi_token *tok;
  int rc;
} worker_arg;

static void *worker(void *p) {
  worker_arg *a = p;
  char *at = NULL;
  a->rc = esi_token_access_token(&at, a->tok);
  free(at);
  return NULL;
}

static void test_token_object(void) {
  sim_ctl(&srv, "/_ctl/reset", "{}", NULL);
  sim_ctl(&srv, "/_ctl/config", "{\"rotate_refresh\": true, \"access_ttl\": 1199}", NULL);
  esi_sso *s = mk_sso(NATIVE_ID, NULL);
  REQUIRE(s);
  esi_sso_tokens *t = NULL;
  REQUIRE(login(&t, s, SCOPES, 2) == 0);
  saved sv = {PTHREAD_MUTEX_INITIALIZER, 0, "", 0};
  esi_token *tok = NULL;
  REQUIRE(esi_token_new(&tok, s, esi_sso_tokens_refresh_token(t), on_refresh, &sv) == 0);
  /* 8 threads need a token at once: exactly one refresh */
  int64_t before = sim_hits(&srv, "POST /v2/oauth/token");
  pthread_t th[8];
  worker_arg args[8];
  for (int i = 0; i < 8; i++) {
    args[i].tok = tok;
    args[i].rc = -1;
    pthread_create(&th[i], NULL, worker, &args[i]);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_INT(args[i].rc, 0);
  }
  CHECK_EQ_INT(sim_hits(&srv, "POST /v2/oauth/token") - before, 1);
  CHECK_EQ_INT(esi_token_refresh_count(tok), 1);
  CHECK_EQ_INT(sv.calls, 1);
  CHECK_EQ_INT(sv.char_id, CHAR_ID);
  CHECK(strcmp(sv.last, esi_sso_tokens_refresh_token(t)) != 0); /* the rotated one was reported */
  char first_rotated[256];
  snprintf(first_rotated, sizeof first_rotated, "%s", sv.last);
  /* still fresh: no request */
  char *at = NULL;
  CHECK_EQ_INT(esi_token_access_token(&at, tok), 0);
  free(at);
  CHECK_EQ_INT(sim_hits(&srv, "POST /v2/oauth/token") - before, 1);
  /* invalidated (e.g. ESI said 401): refreshes with the rotated token and reports the next one */
  esi_token_invalidate(tok);
  esi_token_claims *c = NULL;
  CHECK_EQ_INT(esi_token_get_claims(&c, tok), 0);
  CHECK_EQ_INT(esi_token_claims_character_id(c), CHAR_ID);
  esi_token_claims_free(c);
  CHECK_EQ_INT(sv.calls, 2);
  CHECK(strcmp(sv.last, first_rotated) != 0);
  /* a short-lived access token is refreshed before expiry (margin 60 s > lifetime 30 s) */
  sim_ctl(&srv, "/_ctl/config", "{\"access_ttl\": 30}", NULL);
  esi_token_invalidate(tok);
  CHECK_EQ_INT(esi_token_access_token(&at, tok), 0);
  free(at);
  CHECK_EQ_INT(esi_token_access_token(&at, tok), 0);
  free(at);
  CHECK_EQ_INT(esi_token_refresh_count(tok), 4);
  CHECK_EQ_INT(esi_token_set_refresh_margin_s(tok, 5), 0);
  CHECK_EQ_INT(esi_token_access_token(&at, tok), 0);
  free(at);
  CHECK_EQ_INT(esi_token_refresh_count(tok), 4);
  sim_ctl(&srv, "/_ctl/config", "{\"access_ttl\": 1199}", NULL);
  esi_token_free(tok);
  /* from tokens: no refresh needed at first */
  esi_sso_tokens *t2 = NULL;
  REQUIRE(login(&t2, s, SCOPES, 1) == 0);
  before = sim_hits(&srv, "POST /v2/oauth/token");
  REQUIRE(esi_token_new_from_tokens(&tok, s, t2, on_refresh, &sv) == 0);
  CHECK_EQ_INT(esi_token_access_token(&at, tok), 0);
  if (at) CHECK_EQ_STR(at, esi_sso_tokens_access_token(t2));
  free(at);
  CHECK_EQ_INT(sim_hits(&srv, "POST /v2/oauth/token"), before);
  esi_token_free(tok);
  /* a revoked refresh token: a clear error, no crash */
  esi_sso_revoke(s, esi_sso_tokens_refresh_token(t2));
  REQUIRE(esi_token_new(&tok, s, esi_sso_tokens_refresh_token(t2), NULL, NULL) == 0);
  CHECK_EQ_INT(esi_token_access_token(&at, tok), ERPLINK_EAUTH);
  CHECK(at == NULL);
  esi_token_free(tok);
  esi_sso_tokens_free(t2);
  esi_sso_tokens_free(t);
  esi_sso_free(s);
}

/* ---------------------------------------------------------------- JWT */

static int verify(esi_sso *s, const char *tok, esi_token_claims **c) {
  esi_token_claims *tmp = NULL;
  int rc = esi_sso_verify(c ? c : &tmp, s, tok);
  esi_token_claims_free(tmp);
  if (rc != 0 && tok && *tok) {
    /* the token (or its signature) never appears in the message */
    CHECK(strstr(last_msg(), tok) == NULL);
    const char *sig = strrchr(tok, '.');
    if (sig && strlen(sig) > 8) CHECK(strstr(last_msg(), sig + 1) == NULL);
  }
  return rc;
}

static void test_jwt_valid(void) {
  esi_sso *s = mk_sso(WEB_ID, WEB_SECRET);
  REQUIRE(s);
  char *rs = sim_mint(&srv, "{\"key\": \"rsa\", \"scopes\": [\"a.v1\", \"b.v1\"]}");
  char *es = sim_mint(&srv, "{\"key\": \"ec\", \"scopes\": [\"a.v1\"]}");
  REQUIRE(rs && es);
  esi_token_claims *c = NULL;
  CHECK_EQ_INT(verify(s, rs, &c), 0);
  CHECK_EQ_INT(esi_token_claims_character_id(c), CHAR_ID);
  CHECK_EQ_INT(esi_token_claims_scope_count(c), 2);
  CHECK(esi_token_claims_expires_at(c) > (int64_t)time(NULL));
  esi_token_claims_free(c);
  c = NULL;
  CHECK_EQ_INT(verify(s, es, &c), 0);
  CHECK_EQ_STR(esi_token_claims_scope_at(c, 0), "a.v1");
  CHECK(esi_token_claims_scope_at(c, 1) == NULL);
  esi_token_claims_free(c);
  /* every accepted issuer form */
  const char *iss[] = {"https://login.eveonline.com", "https://login.eveonline.com/", "login.eveonline.com/"};
  for (int i = 0; i < 3; i++) {
    char *t = sim_mint(&srv, fmt("{\"claims\": {\"iss\": \"%s\"}}", iss[i]));
    CHECK_EQ_INT(verify(s, t, NULL), 0);
    free(t);
  }
  /* the ES256 token end-to-end from the token endpoint */
  sim_ctl(&srv, "/_ctl/config", "{\"sign\": \"ec\"}", NULL);
  esi_sso_tokens *t = NULL;
  CHECK_EQ_INT(login(&t, s, SCOPES, 1), 0);
  if (t) CHECK_EQ_INT(verify(s, esi_sso_tokens_access_token(t), NULL), 0);
  sim_ctl(&srv, "/_ctl/config", "{\"sign\": \"rsa\"}", NULL);
  esi_sso_tokens_free(t);
  free(rs);
  free(es);
  esi_sso_free(s);
}

static void expect(esi_sso *s, const char *spec, int code, const char *needle) {
  char *t = sim_mint(&srv, spec);
  REQUIRE(t);
  int rc = verify(s, t, NULL);
  CHECK_EQ_INT(rc, code);
  if (rc != code || !strstr(last_msg(), needle)) printf("# spec %s -> %d: %s\n", spec, rc, last_msg());
  CHECK(strstr(last_msg(), needle) != NULL);
  free(t);
}

static void test_jwt_rejections(void) {
  esi_sso *s = mk_sso(WEB_ID, WEB_SECRET);
  REQUIRE(s);
  int64_t now = (int64_t)time(NULL);
  expect(s, fmt("{\"claims\": {\"exp\": %lld}}", (long long)(now - 3600)), ERPLINK_EAUTH, "expired");
  /* within the leeway (60 s): accepted */
  char *t = sim_mint(&srv, fmt("{\"claims\": {\"exp\": %lld}}", (long long)(now - 20)));
  CHECK_EQ_INT(verify(s, t, NULL), 0);
  free(t);
  expect(s, "{\"client_id\": \"someone-else\"}", ERPLINK_EAUTH, "audience does not contain this application");
  expect(s, "{\"claims\": {\"aud\": [\"" WEB_ID "\"]}}", ERPLINK_EAUTH, "EVE Online");
  expect(s, "{\"claims\": {\"aud\": \"EVE Online\"}}", ERPLINK_EAUTH, "audience");
  expect(s, "{\"claims\": {\"iss\": \"https://login.evil.example\"}}", ERPLINK_EAUTH, "issuer");
  expect(s, "{\"claims\": {\"iss\": \"http://login.eveonline.com\"}}", ERPLINK_EAUTH, "issuer");
  expect(s, "{\"drop\": [\"iss\"]}", ERPLINK_EAUTH, "'iss'");
  expect(s, "{\"drop\": [\"exp\"]}", ERPLINK_EAUTH, "'exp'");
  expect(s, "{\"claims\": {\"sub\": \"CORPORATION:EVE:1\"}}", ERPLINK_EAUTH, "sub");
  expect(s, "{\"claims\": {\"scp\": 5}}", ERPLINK_EAUTH, "scp");
  expect(s, "{\"alg\": \"none\"}", ERPLINK_ESIGNATURE, "alg 'none'");
  expect(s, "{\"alg\": \"none\", \"header\": {\"alg\": \"None\"}}", ERPLINK_ESIGNATURE, "none");
  /* algorithm confusion: HS256 keyed with the RSA public key */
  expect(s, "{\"alg\": \"HS256-pubkey\"}", ERPLINK_ESIGNATURE, "HS256");
  /* an RSA key named with ES256 (and an EC key with RS256) */
  expect(s, "{\"key\": \"rsa\", \"header\": {\"alg\": \"ES256\"}}", ERPLINK_ESIGNATURE, "algorithm confusion");
  expect(s, "{\"key\": \"ec\", \"header\": {\"alg\": \"RS256\"}}", ERPLINK_ESIGNATURE, "algorithm confusion");
  expect(s, "{\"header\": {\"kid\": null}}", ERPLINK_ESIGNATURE, "kid");
  expect(s, "{\"header\": {\"crit\": [\"exp\"]}}", ERPLINK_ESIGNATURE, "crit");
  expect(s, "{\"header\": {\"alg\": \"RS512\"}}", ERPLINK_ESIGNATURE, "RS512");

  /* tampered payload: a different name under the original signature */
  char *good = sim_mint(&srv, "{}");
  REQUIRE(good);
  char *d1 = strchr(good, '.'), *d2 = strrchr(good, '.');
  unsigned char *raw = NULL;
  size_t rl = 0;
  REQUIRE(erplink_base64_decode(&raw, &rl, d1 + 1, (size_t)(d2 - d1 - 1), ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD) ==
          0);
  char *pos = strstr((char *)raw, "Sim Pilot");
  REQUIRE(pos);
  pos[8] = 'x';
  char *enc = NULL;
  REQUIRE(erplink_base64_encode(&enc, NULL, raw, rl, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD) == 0);
  char *forged = malloc(strlen(good) + 64);
  sprintf(forged, "%.*s.%s%s", (int)(d1 - good), good, enc, d2);
  CHECK_EQ_INT(verify(s, forged, NULL), ERPLINK_ESIGNATURE);
  CHECK(strstr(last_msg(), "does not verify") != NULL);
  /* a flipped signature byte */
  strcpy(forged, good);
  char *sg = strrchr(forged, '.') + 5;
  *sg = *sg == 'A' ? 'B' : 'A';
  CHECK_EQ_INT(verify(s, forged, NULL), ERPLINK_ESIGNATURE);
  /* malformed tokens */
  CHECK_EQ_INT(verify(s, "not-a-jwt", NULL), ERPLINK_EAUTH);
  CHECK(strstr(last_msg(), "malformed") != NULL);
  CHECK_EQ_INT(verify(s, "a.b.c.d", NULL), ERPLINK_EAUTH);
  CHECK_EQ_INT(verify(s, "!!!.e30.sig", NULL), ERPLINK_EAUTH);
  CHECK_EQ_INT(verify(s, "", NULL), ERPLINK_EAUTH);
  CHECK_EQ_INT(esi_sso_verify(NULL, s, good), ERPLINK_EINVAL);
  erplink_free(raw);
  erplink_free(enc);
  free(forged);
  free(good);
  esi_sso_free(s);
}

static void test_jwt_unknown_kid(void) {
  esi_sso *s = mk_sso(WEB_ID, WEB_SECRET);
  REQUIRE(s);
  char *t = sim_mint(&srv, "{}");
  CHECK_EQ_INT(verify(s, t, NULL), 0); /* JWKS fetched and cached */
  free(t);
  int64_t j0 = sim_hits(&srv, "GET /oauth/jwks");
  t = sim_mint(&srv, "{}");
  CHECK_EQ_INT(verify(s, t, NULL), 0);
  free(t);
  CHECK_EQ_INT(sim_hits(&srv, "GET /oauth/jwks"), j0); /* cached */
  /* a new key is published: one re-fetch, then accepted */
  erplink_value *v = NULL;
  REQUIRE(sim_ctl(&srv, "/_ctl/new_key", "{\"type\": \"ec\"}", &v) == 200);
  const char *kid = NULL;
  erplink_value_get_string(&kid, NULL, erplink_value_struct_get(v, "kid"));
  REQUIRE(kid);
  t = sim_mint(&srv, fmt("{\"key\": \"%s\"}", kid));
  CHECK_EQ_INT(verify(s, t, NULL), 0);
  CHECK_EQ_INT(sim_hits(&srv, "GET /oauth/jwks"), j0 + 1);
  CHECK_EQ_INT(verify(s, t, NULL), 0);
  CHECK_EQ_INT(sim_hits(&srv, "GET /oauth/jwks"), j0 + 1);
  free(t);
  erplink_value_free(v);
  /* a key that is not published: one re-fetch, then refused */
  v = NULL;
  REQUIRE(sim_ctl(&srv, "/_ctl/new_key", "{\"type\": \"rsa\", \"publish\": false}", &v) == 200);
  kid = NULL;
  erplink_value_get_string(&kid, NULL, erplink_value_struct_get(v, "kid"));
  REQUIRE(kid);
  t = sim_mint(&srv, fmt("{\"key\": \"%s\"}", kid));
  CHECK_EQ_INT(verify(s, t, NULL), ERPLINK_ESIGNATURE);
  CHECK(strstr(last_msg(), "no key with kid") != NULL);
  CHECK_EQ_INT(sim_hits(&srv, "GET /oauth/jwks"), j0 + 2);
  free(t);
  erplink_value_free(v);
  esi_sso_free(s);

  /* with the default interval (60 s), a flood of unknown kids re-fetches at most once */
  esi_sso_options *o = NULL;
  esi_sso_options_new(&o);
  esi_sso_options_set_client_id(o, WEB_ID);
  esi_sso_options_set_redirect_uri(o, "http://localhost/callback");
  esi_sso_options_set_metadata_url(o, fmt("%s/.well-known/oauth-authorization-server", srv.base_url));
  erplink_http_options_set_user_agent(esi_sso_options_http(o), "t/1 (t@example.com)");
  REQUIRE(esi_sso_new(&s, o) == 0);
  esi_sso_options_free(o);
  t = sim_mint(&srv, "{\"header\": {\"kid\": \"forged-kid\"}}");
  int64_t j1 = sim_hits(&srv, "GET /oauth/jwks");
  for (int i = 0; i < 5; i++) CHECK_EQ_INT(verify(s, t, NULL), ERPLINK_ESIGNATURE);
  CHECK_EQ_INT(sim_hits(&srv, "GET /oauth/jwks") - j1, 1);
  free(t);
  esi_sso_free(s);
}

static void test_jwks_offline(void) {
  esi_jwks *k = NULL;
  const char *oct = "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"x\", \"k\": \"c2VjcmV0\"}]}";
  CHECK_EQ_INT(esi_jwks_new_from_json(&k, oct, strlen(oct)), ERPLINK_EPROTOCOL);
  CHECK(strstr(last_msg(), "no usable") != NULL);
  CHECK_EQ_INT(esi_jwks_new_from_json(&k, "[]", 2), ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(esi_jwks_new_from_json(&k, "{", 1), ERPLINK_EPROTOCOL);
  /* a P-256 point that is not on the curve */
  const char *bad_ec = "{\"keys\": [{\"kty\": \"EC\", \"crv\": \"P-256\", \"kid\": \"e\", "
                       "\"x\": \"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", "
                       "\"y\": \"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}";
  CHECK_EQ_INT(esi_jwks_new_from_json(&k, bad_ec, strlen(bad_ec)), ERPLINK_EPROTOCOL);
  /* a small RSA key */
  const char *small = "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"r\", \"e\": \"AQAB\", \"n\": \"xw\"}]}";
  CHECK_EQ_INT(esi_jwks_new_from_json(&k, small, strlen(small)), ERPLINK_EPROTOCOL);
  CHECK(strstr(last_msg(), "bits") != NULL);
  CHECK(k == NULL);
  /* the simulator's JWKS, verified offline with a fixed clock */
  erplink_value *v = NULL;
  REQUIRE(sim_ctl(&srv, "/oauth/jwks", NULL, &v) == 200);
  char *json = NULL;
  REQUIRE(erplink_json_encode(&json, NULL, v) == 0);
  CHECK_EQ_INT(esi_jwks_new_from_json(&k, json, strlen(json)), 0);
  CHECK(esi_jwks_count(k) >= 2);
  char *t = sim_mint(&srv, "{}");
  esi_token_claims *c = NULL;
  int64_t now = (int64_t)time(NULL);
  CHECK_EQ_INT(esi_jwt_verify(&c, k, t, WEB_ID, now, 0), 0);
  esi_token_claims_free(c);
  CHECK_EQ_INT(esi_jwt_verify(&c, k, t, WEB_ID, now + 1199 + 30, 0), ERPLINK_EAUTH);
  CHECK_EQ_INT(esi_jwt_verify(&c, k, t, WEB_ID, now + 1199 + 30, 60), 0);
  esi_token_claims_free(c);
  CHECK_EQ_INT(esi_jwt_verify(&c, k, t, "", now, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(esi_jwt_verify(&c, k, t, WEB_ID, now, 7200), ERPLINK_EINVAL);
  free(t);
  erplink_free(json);
  erplink_value_free(v);
  esi_jwks_free(k);
}

/* A whole web and native flow logged at TRACE: no secret ever reaches a log line. */
static void test_no_secrets_in_logs(void) {
  test_log lb = TEST_LOG_INIT;
  const char *ids[] = {WEB_ID, NATIVE_ID};
  for (int k = 0; k < 2; k++) {
    esi_sso_options *o = NULL;
    esi_sso *s = NULL;
    esi_sso_options_new(&o);
    esi_sso_options_set_client_id(o, ids[k]);
    if (k == 0) esi_sso_options_set_client_secret(o, WEB_SECRET);
    esi_sso_options_set_redirect_uri(o, "http://localhost/callback");
    esi_sso_options_set_metadata_url(o, fmt("%s/.well-known/oauth-authorization-server", srv.base_url));
    erplink_http_options_set_user_agent(esi_sso_options_http(o), "t/1 (t@example.com)");
    CHECK_EQ_INT(erplink_http_options_set_log(esi_sso_options_http(o), ERPLINK_LOG_TRACE, test_log_cb, &lb), 0);
    REQUIRE(esi_sso_new(&s, o) == 0);
    esi_sso_options_free(o);
    esi_sso_login *l = NULL;
    char *code = NULL, *state = NULL;
    esi_sso_tokens *t = NULL, *t2 = NULL;
    REQUIRE(esi_sso_login_new(&l, s, SCOPES, 1) == 0);
    REQUIRE(sim_authorize(esi_sso_login_url(l), &code, &state) == 0);
    REQUIRE(esi_sso_exchange_code(&t, s, l, code, state) == 0);
    REQUIRE(esi_sso_refresh(&t2, s, esi_sso_tokens_refresh_token(t), NULL) == 0);
    CHECK_EQ_INT(esi_sso_revoke(s, esi_sso_tokens_refresh_token(t2)), 0);
    CHECK(lb.total > 5);
    REQUIRE(lb.total > 0);
    CHECK(strstr(test_log_text(&lb), code) == NULL);
    CHECK(strstr(test_log_text(&lb), esi_sso_tokens_refresh_token(t)) == NULL);
    CHECK(strstr(test_log_text(&lb), esi_sso_tokens_refresh_token(t2)) == NULL);
    CHECK(strstr(test_log_text(&lb), esi_sso_tokens_access_token(t)) == NULL);
    CHECK(strstr(test_log_text(&lb), strrchr(esi_sso_tokens_access_token(t2), '.') + 1) == NULL);
    CHECK(strstr(test_log_text(&lb), WEB_SECRET) == NULL);
    CHECK(strstr(test_log_text(&lb), "c2ltLXdlYi1jbGllbnQ6c2ltLXdlYi1zZWNyZXQ") == NULL); /* base64 of id:secret */
    CHECK(strstr(test_log_text(&lb), "/v2/oauth/token") != NULL);                         /* the requests were logged */
    if (k == 1) CHECK(strstr(test_log_text(&lb), "code_verifier=<redacted>") != NULL); /* declared secret by the SSO */
    free(code);
    free(state);
    esi_sso_tokens_free(t);
    esi_sso_tokens_free(t2);
    esi_sso_login_free(l);
    esi_sso_free(s);
  }
  test_log_free(&lb);
}

int main(void) {
  if (sim_start(&srv, NULL) != 0) {
    printf("Bail out! cannot start esi_sim.py (is the Python package 'cryptography' installed?)\n");
    return 1;
  }
  RUN(test_options);
  RUN(test_web_flow);
  RUN(test_web_bad_secret);
  RUN(test_native_pkce);
  RUN(test_refresh_rotation_revoke);
  RUN(test_login_export_import);
  RUN(test_login_expiry);
  RUN(test_token_object);
  RUN(test_jwt_valid);
  RUN(test_jwt_rejections);
  RUN(test_jwt_unknown_kid);
  RUN(test_jwks_offline);
  RUN(test_no_secrets_in_logs);
  test_server_stop(&srv);
  return test_done();
}
