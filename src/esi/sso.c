/* EVE SSO: options (with the embedded transport options) and client, metadata discovery, the
 * token endpoint (code exchange, refresh, revoke) and JWKS-cached verification. Every request
 * goes through the SSO client's own erplink_http_client; secrets travel in the Authorization
 * header (redacted by the transport) or in form bodies that are wiped after use. Logins are
 * in login.c, the self-refreshing esi_token in token.c. */
#include <stdio.h>

#include "esi_internal.h"

struct esi_sso_options {
  char *client_id;
  char *client_secret;
  char *redirect_uri;
  char *metadata_url;
  int64_t leeway_s;
  int64_t jwks_interval_s;
  int64_t login_max_age_s;
  erplink_http_options *http; /* the transport knobs, with the SSO's defaults */
};

/* ------------------------------------------------------------------ options */

/* The SSO's transport defaults (see esi_sso_options_new() in erplink/esi_sso.h). */
static int http_defaults(erplink_http_options *h) {
  int rc = erplink_http_options_set_timeout_ms(h, 30000);
  if (rc == 0) rc = erplink_http_options_set_connect_timeout_ms(h, 10000);
  if (rc == 0) rc = erplink_http_options_set_max_attempts(h, 3);
  /* the PKCE verifier; `code`, `token`, `refresh_token` and `client_secret` are generic */
  if (rc == 0) rc = erplink_http_options_add_secret_name(h, "code_verifier");
  return rc;
}

int esi_sso_options_new(esi_sso_options **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_new: NULL out");
  *out = NULL;
  esi_sso_options *o = calloc(1, sizeof *o);
  if (!o) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  o->leeway_s = 60;
  o->jwks_interval_s = 60;
  o->login_max_age_s = 600;
  int rc = erplink_http_options_new(&o->http);
  if (rc == 0) rc = http_defaults(o->http);
  if (rc != 0) {
    esi_sso_options_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

void esi_sso_options_free(esi_sso_options *o) {
  if (!o) return;
  free(o->client_id);
  erplink__free_str(o->client_secret, true);
  free(o->redirect_uri);
  free(o->metadata_url);
  erplink_http_options_free(o->http);
  free(o);
}

erplink_http_options *esi_sso_options_http(esi_sso_options *o) { return o ? o->http : NULL; }

int esi_sso_options_set_client_id(esi_sso_options *o, const char *id) {
  if (!o || !esi__printable_ok(id) || strchr(id, ' ') || strchr(id, ':'))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_client_id: the client id must be a non-empty "
                                               "printable string without spaces or ':'");
  return erplink__set_str(&o->client_id, id, false);
}

int esi_sso_options_set_client_secret(esi_sso_options *o, const char *secret) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_client_secret: NULL options");
  if (secret && !esi__printable_ok(secret))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_client_secret: the secret must be non-empty and "
                                               "printable");
  return erplink__set_str(&o->client_secret, secret, true);
}

int esi_sso_options_set_redirect_uri(esi_sso_options *o, const char *uri) {
  if (!o || !esi__printable_ok(uri))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_redirect_uri: a non-empty URI without control "
                                               "characters is required");
  return erplink__set_str(&o->redirect_uri, uri, false);
}

static bool http_url(const char *u) {
  return esi__printable_ok(u) && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) && !strchr(u, ' ');
}

int esi_sso_options_set_metadata_url(esi_sso_options *o, const char *url) {
  if (!o || (url && !http_url(url)))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_metadata_url: an http(s) URL is required");
  return erplink__set_str(&o->metadata_url, url, false);
}

/* Sets *dst to s when lo <= s <= hi, else EINVAL naming the setter. */
static int set_range(int64_t *dst, int64_t s, int64_t lo, int64_t hi, const char *fn) {
  if (s < lo || s > hi)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: %lld outside %lld..%lld", fn, (long long)s, (long long)lo,
                               (long long)hi);
  *dst = s;
  return 0;
}

int esi_sso_options_set_leeway_s(esi_sso_options *o, int64_t s) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_leeway_s: NULL options");
  return set_range(&o->leeway_s, s, 0, 3600, "esi_sso_options_set_leeway_s");
}

int esi_sso_options_set_jwks_refresh_interval_s(esi_sso_options *o, int64_t s) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_jwks_refresh_interval_s: NULL options");
  return set_range(&o->jwks_interval_s, s, 0, 86400, "esi_sso_options_set_jwks_refresh_interval_s");
}

int esi_sso_options_set_login_max_age_s(esi_sso_options *o, int64_t s) {
  if (!o) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_options_set_login_max_age_s: NULL options");
  return set_range(&o->login_max_age_s, s, 1, 86400, "esi_sso_options_set_login_max_age_s");
}

/* ------------------------------------------------------------------ client */

static void meta_clear(esi__meta *m) {
  free(m->issuer);
  free(m->authorize);
  free(m->token);
  free(m->revoke);
  free(m->jwks_uri);
  memset(m, 0, sizeof *m);
}

void esi_sso_free(esi_sso *s) {
  if (!s) return;
  free(s->client_id);
  erplink__free_str(s->client_secret, true);
  free(s->redirect_uri);
  free(s->metadata_url);
  erplink_http_client_free(s->http);
  pthread_mutex_destroy(&s->mu);
  pthread_mutex_destroy(&s->fetch_mu);
  meta_clear(&s->m);
  esi_jwks_free(s->jwks);
  free(s);
}

int esi_sso_new(esi_sso **out, const esi_sso_options *o) {
  if (out) *out = NULL;
  if (!out || !o) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_new: NULL argument");
  if (!o->client_id)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_new: no client id (esi_sso_options_set_client_id)");
  if (!o->redirect_uri)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_new: no redirect URI (esi_sso_options_set_redirect_uri)");
  if (!erplink__http_options_user_agent(o->http))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_new: no User-Agent: CCP asks every application to identify "
                                               "itself with contact details (erplink_http_options_set_user_agent("
                                               "esi_sso_options_http(o), \"MyApp/1.0 (me@example.com)\"))");
  esi_sso *s = calloc(1, sizeof *s);
  if (!s) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  pthread_mutex_init(&s->mu, NULL);
  pthread_mutex_init(&s->fetch_mu, NULL);
  s->leeway_s = o->leeway_s;
  s->jwks_interval_ms = o->jwks_interval_s * 1000;
  s->login_max_age_s = o->login_max_age_s;
  int rc = 0;
  if (!(s->client_id = strdup(o->client_id)) || !(s->redirect_uri = strdup(o->redirect_uri)) ||
      !(s->metadata_url = strdup(o->metadata_url ? o->metadata_url : ESI_SSO_DEFAULT_METADATA_URL)) ||
      (o->client_secret && !(s->client_secret = strdup(o->client_secret))))
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0) rc = erplink_http_client_new(&s->http, o->http);
  if (rc != 0) {
    esi_sso_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

int esi_sso_is_confidential(const esi_sso *s) { return s && s->client_secret ? 1 : 0; }

/* GET url and decode the JSON answer. */
static int get_json(erplink_value **out, esi_sso *s, const char *url, const char *what) {
  erplink_http_request *rq = NULL;
  erplink_http_response *rs = NULL;
  *out = NULL;
  int rc = erplink_http_request_new(&rq, "GET", url);
  if (rc == 0) rc = erplink_http_request_set_header(rq, "Accept", "application/json");
  if (rc == 0) rc = erplink_http_client_send(&rs, s->http, rq);
  if (rc != 0) {
    erplink__error_prefix("fetching the SSO %s: ", what);
  } else {
    size_t len = 0;
    const char *body = erplink_http_response_body(rs, &len);
    rc = erplink_json_decode(out, body, len, NULL);
    if (rc != 0)
      erplink__error_prefix("SSO %s: ", what);
    else if (erplink_value_type(*out) != ERPLINK_TYPE_STRUCT) {
      erplink_value_free(*out);
      *out = NULL;
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "SSO %s: not a JSON object", what);
    }
  }
  erplink_http_request_free(rq);
  erplink_http_response_free(rs);
  return rc;
}

static int meta_member(char **dst, const erplink_value *doc, const char *name, bool url) {
  const erplink_value *v = erplink_value_struct_get(doc, name);
  const char *s = NULL;
  if (!v || erplink_value_get_string(&s, NULL, v) != 0 || !*s || (url && !http_url(s)))
    return erplink__error_setf(ERPLINK_EPROTOCOL, "SSO metadata: '%s' is missing or not %s", name,
                               url ? "an http(s) URL" : "a string");
  if (!(*dst = strdup(s))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  return 0;
}

int esi_sso_discover(esi_sso *s) {
  if (!s) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_discover: NULL client");
  pthread_mutex_lock(&s->mu);
  bool have = s->have_meta;
  pthread_mutex_unlock(&s->mu);
  if (have) return 0;
  pthread_mutex_lock(&s->fetch_mu);
  pthread_mutex_lock(&s->mu);
  have = s->have_meta;
  pthread_mutex_unlock(&s->mu);
  int rc = 0;
  if (!have) {
    erplink_value *doc = NULL;
    esi__meta m = {0};
    rc = get_json(&doc, s, s->metadata_url, "metadata document");
    if (rc == 0) rc = meta_member(&m.issuer, doc, "issuer", false);
    if (rc == 0) rc = meta_member(&m.authorize, doc, "authorization_endpoint", true);
    if (rc == 0) rc = meta_member(&m.token, doc, "token_endpoint", true);
    if (rc == 0) rc = meta_member(&m.revoke, doc, "revocation_endpoint", true);
    if (rc == 0) rc = meta_member(&m.jwks_uri, doc, "jwks_uri", true);
    erplink_value_free(doc);
    if (rc == 0) {
      pthread_mutex_lock(&s->mu);
      s->m = m;
      s->have_meta = true;
      pthread_mutex_unlock(&s->mu);
    } else {
      meta_clear(&m);
    }
  }
  pthread_mutex_unlock(&s->fetch_mu);
  return rc;
}

int esi_sso_endpoint(const char **out, esi_sso *s, const char *name) {
  if (out) *out = NULL;
  if (!out || !s || !name) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_endpoint: NULL argument");
  int rc = esi_sso_discover(s);
  if (rc != 0) return rc;
  /* once set, the metadata never changes: reading without the lock is safe */
  if (strcmp(name, "issuer") == 0)
    *out = s->m.issuer;
  else if (strcmp(name, "authorization_endpoint") == 0)
    *out = s->m.authorize;
  else if (strcmp(name, "token_endpoint") == 0)
    *out = s->m.token;
  else if (strcmp(name, "revocation_endpoint") == 0)
    *out = s->m.revoke;
  else if (strcmp(name, "jwks_uri") == 0)
    *out = s->m.jwks_uri;
  else
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_endpoint: unknown endpoint name");
  return 0;
}

/* ------------------------------------------------------------------ token endpoint */

void esi_sso_tokens_free(esi_sso_tokens *t) {
  if (!t) return;
  erplink__free_str(t->access, true);
  erplink__free_str(t->refresh, true);
  free(t);
}
const char *esi_sso_tokens_access_token(const esi_sso_tokens *t) { return t ? t->access : NULL; }
const char *esi_sso_tokens_refresh_token(const esi_sso_tokens *t) { return t ? t->refresh : NULL; }
int64_t esi_sso_tokens_expires_in(const esi_sso_tokens *t) { return t ? t->expires_in : 0; }
int64_t esi_sso_tokens_expires_at(const esi_sso_tokens *t) { return t ? t->expires_at : 0; }

typedef enum { OP_CODE, OP_REFRESH, OP_REVOKE } token_op;

static const char *op_hint(token_op op, const char *desc) {
  if (desc && strstr(desc, "Grant type is not supported"))
    return "EVE SSO says this when the request is not form-encoded or the client id is wrong/unknown, "
           "whatever the grant type";
  switch (op) {
  case OP_CODE:
    return "usually the authorization code was already used or is older than 5 minutes, the client id or "
           "redirect URI differs from the authorization request, or the PKCE code verifier does not match";
  case OP_REFRESH:
    return "usually the refresh token was revoked, replaced by a rotated one (always store the newest), "
           "expired after long disuse, or belongs to another client id";
  default: return "check the client id and secret";
  }
}

/* Turns a failed token-endpoint answer into an error (never quoting the request). */
static int token_error(int rc, erplink_http_response *rs, token_op op) {
  static const char *const what[] = {"exchanging the authorization code", "refreshing the token", "revoking the token"};
  if (!rs) {
    erplink__error_prefix("EVE SSO, %s: ", what[op]);
    return rc;
  }
  int status = erplink_http_response_status(rs);
  size_t len = 0;
  const char *body = erplink_http_response_body(rs, &len);
  erplink_value *doc = NULL;
  const char *err = NULL, *desc = NULL;
  if (erplink_json_decode(&doc, body, len, NULL) == 0) {
    const erplink_value *v;
    if ((v = erplink_value_struct_get(doc, "error"))) erplink_value_get_string(&err, NULL, v);
    if ((v = erplink_value_struct_get(doc, "error_description"))) erplink_value_get_string(&desc, NULL, v);
  }
  char e1[80], e2[240];
  if (err) esi__printable(e1, err, strlen(err), 64);
  if (desc) esi__printable(e2, desc, strlen(desc), 200);
  int code = rc;
  if (err && (strcmp(err, "invalid_grant") == 0 || strcmp(err, "invalid_client") == 0 ||
              strcmp(err, "unauthorized_client") == 0 || strcmp(err, "invalid_scope") == 0 ||
              strcmp(err, "invalid_token") == 0))
    code = ERPLINK_EAUTH;
  else if (status == 401)
    code = ERPLINK_EAUTH;
  if (err && strcmp(err, "invalid_grant") == 0)
    rc = erplink__error_setx(code, status, err, NULL, 0, -1, "EVE SSO refused %s: invalid_grant: %s (%s)", what[op],
                             desc ? e2 : "(no description)", op_hint(op, desc));
  else if (err && strcmp(err, "invalid_client") == 0)
    rc = erplink__error_setx(code, status, err, NULL, 0, -1,
                             "EVE SSO refused %s: invalid_client: %s (wrong client id or client secret)", what[op],
                             desc ? e2 : "(no description)");
  else if (err)
    rc = erplink__error_setx(code, status, err, NULL, 0, -1, "EVE SSO refused %s: %s: %s (HTTP %d)", what[op], e1,
                             desc ? e2 : "(no description)", status);
  else
    erplink__error_prefix("EVE SSO, %s: ", what[op]);
  erplink_value_free(doc);
  return rc;
}

/* POSTs a form to url (Basic auth for web applications). The form buffer is secret. */
static int post_form(erplink_http_response **rs, esi_sso *s, const char *url, const erplink_buf *form) {
  erplink_http_request *rq = NULL;
  *rs = NULL;
  int rc = erplink_http_request_new(&rq, "POST", url);
  if (rc == 0) rc = erplink_http_request_set_header(rq, "Content-Type", "application/x-www-form-urlencoded");
  if (rc == 0) rc = erplink_http_request_set_header(rq, "Accept", "application/json");
  if (rc == 0 && s->client_secret) {
    erplink_buf cred = ERPLINK_BUF_INIT, hv = ERPLINK_BUF_INIT;
    cred.secret = hv.secret = true;
    erplink_buf_printf(&cred, "%s:%s", s->client_id, s->client_secret);
    erplink_buf_puts(&hv, "Basic ");
    if (!cred.oom) erplink__base64_put(&hv, cred.ptr, cred.len, ERPLINK_BASE64_STD);
    if (cred.oom || hv.oom)
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    else
      rc = erplink_http_request_set_header(rq, "Authorization", hv.ptr);
    erplink_buf_free(&cred);
    erplink_buf_free(&hv);
  }
  if (rc == 0) rc = erplink_http_request_set_body(rq, form->ptr, form->len);
  if (rc == 0) rc = erplink_http_client_send(rs, s->http, rq);
  erplink_http_request_free(rq);
  return rc;
}

static int parse_tokens(esi_sso_tokens **out, erplink_http_response *rs, const char *old_refresh, token_op op) {
  size_t len = 0;
  const char *body = erplink_http_response_body(rs, &len);
  erplink_value *doc = NULL;
  *out = NULL;
  if (erplink_json_decode(&doc, body, len, NULL) != 0 || erplink_value_type(doc) != ERPLINK_TYPE_STRUCT) {
    erplink_value_free(doc);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "EVE SSO token endpoint: the answer is not a JSON object");
  }
  const char *at = NULL, *rt = NULL;
  int64_t exp = 0;
  const erplink_value *v;
  if ((v = erplink_value_struct_get(doc, "access_token"))) erplink_value_get_string(&at, NULL, v);
  if ((v = erplink_value_struct_get(doc, "refresh_token"))) erplink_value_get_string(&rt, NULL, v);
  if ((v = erplink_value_struct_get(doc, "expires_in"))) {
    double d;
    if (erplink_value_get_int(&exp, v) != 0 && erplink_value_get_double(&d, v) == 0) exp = (int64_t)d;
  }
  int rc = 0;
  if (!at || !*at)
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "EVE SSO token endpoint: no access_token in the answer");
  else if (exp <= 0 || exp > 86400 * 366)
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "EVE SSO token endpoint: missing or absurd expires_in");
  else if ((!rt || !*rt) && !old_refresh)
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "EVE SSO token endpoint: no refresh_token in the answer");
  esi_sso_tokens *t = NULL;
  if (rc == 0) {
    t = calloc(1, sizeof *t);
    if (!t || !(t->access = strdup(at)) || !(t->refresh = strdup(rt && *rt ? rt : old_refresh))) {
      esi_sso_tokens_free(t);
      t = NULL;
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    } else {
      t->expires_in = exp;
      t->expires_at = esi__now_s() + exp;
    }
  }
  (void)op;
  /* the decoded tree holds the tokens: wipe its strings before freeing */
  if (at) erplink__wipe((char *)at, strlen(at));
  if (rt) erplink__wipe((char *)rt, strlen(rt));
  erplink_value_free(doc);
  if (rc == 0) *out = t;
  return rc;
}

static void wipe_response(erplink_http_response *rs) {
  if (!rs) return;
  size_t len = 0;
  char *body = (char *)erplink_http_response_body(rs, &len);
  erplink__wipe(body, len);
  erplink_http_response_free(rs);
}

int esi_sso_exchange_code(esi_sso_tokens **out, esi_sso *s, const esi_sso_login *login, const char *code,
                          const char *returned_state) {
  if (out) *out = NULL;
  if (!out || !s || !login || !code || !returned_state)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_exchange_code: NULL argument");
  if (!*code || strnlen(code, 4097) > 4096)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_exchange_code: empty or oversized authorization code");
  if (strcmp(login->client_id, s->client_id) != 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_exchange_code: the login was started by a client with "
                                               "another client id");
  if (!erplink_ct_equal(login->state, strlen(login->state), returned_state, strlen(returned_state)))
    return erplink__error_setf(ERPLINK_EAUTH, "EVE SSO callback: the returned state does not match the login's state "
                                              "(stale or forged callback; start a new login)");
  int64_t age = esi__now_s() - login->created_s;
  if (age > s->login_max_age_s)
    return erplink__error_setf(ERPLINK_EAUTH,
                               "EVE SSO callback: the login expired: it was started %lld s ago, at "
                               "most %lld s are allowed (esi_sso_options_set_login_max_age_s); start a "
                               "new login",
                               (long long)age, (long long)s->login_max_age_s);
  if (age < -300)
    return erplink__error_setf(ERPLINK_EAUTH,
                               "EVE SSO callback: the login expired: its creation time is %lld s in "
                               "the future (clocks of the processes differ, or the export was altered)",
                               (long long)-age);
  if (!s->client_secret && !login->verifier)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_exchange_code: the login has no PKCE verifier (it was "
                                               "started by a web application)");
  int rc = esi_sso_discover(s);
  if (rc != 0) return rc;
  erplink_buf f = ERPLINK_BUF_INIT;
  f.secret = true;
  erplink__form_add(&f, "grant_type", "authorization_code");
  erplink__form_add(&f, "code", code);
  if (!s->client_secret) erplink__form_add(&f, "client_id", s->client_id);
  if (login->verifier) erplink__form_add(&f, "code_verifier", login->verifier);
  erplink_http_response *rs = NULL;
  if (f.oom)
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  else
    rc = post_form(&rs, s, s->m.token, &f);
  erplink_buf_free(&f);
  if (rc != 0)
    rc = token_error(rc, rs, OP_CODE);
  else
    rc = parse_tokens(out, rs, NULL, OP_CODE);
  wipe_response(rs);
  return rc;
}

int esi_sso_refresh(esi_sso_tokens **out, esi_sso *s, const char *refresh_token, const char *scope) {
  if (out) *out = NULL;
  if (!out || !s || !refresh_token) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_refresh: NULL argument");
  if (!*refresh_token || strnlen(refresh_token, 8193) > 8192)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_refresh: empty or oversized refresh token");
  if (scope && !esi__printable_ok(scope))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_refresh: the scope list is empty or has control characters");
  int rc = esi_sso_discover(s);
  if (rc != 0) return rc;
  erplink_buf f = ERPLINK_BUF_INIT;
  f.secret = true;
  erplink__form_add(&f, "grant_type", "refresh_token");
  erplink__form_add(&f, "refresh_token", refresh_token);
  if (scope) erplink__form_add(&f, "scope", scope);
  if (!s->client_secret) erplink__form_add(&f, "client_id", s->client_id);
  erplink_http_response *rs = NULL;
  if (f.oom)
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  else
    rc = post_form(&rs, s, s->m.token, &f);
  erplink_buf_free(&f);
  if (rc != 0)
    rc = token_error(rc, rs, OP_REFRESH);
  else
    rc = parse_tokens(out, rs, refresh_token, OP_REFRESH);
  wipe_response(rs);
  return rc;
}

int esi_sso_revoke(esi_sso *s, const char *refresh_token) {
  if (!s || !refresh_token || !*refresh_token)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_revoke: NULL client or empty token");
  int rc = esi_sso_discover(s);
  if (rc != 0) return rc;
  erplink_buf f = ERPLINK_BUF_INIT;
  f.secret = true;
  erplink__form_add(&f, "token_type_hint", "refresh_token");
  erplink__form_add(&f, "token", refresh_token);
  if (!s->client_secret) erplink__form_add(&f, "client_id", s->client_id);
  erplink_http_response *rs = NULL;
  if (f.oom)
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  else
    rc = post_form(&rs, s, s->m.revoke, &f);
  erplink_buf_free(&f);
  if (rc != 0) rc = token_error(rc, rs, OP_REVOKE);
  erplink_http_response_free(rs);
  return rc;
}

/* ------------------------------------------------------------------ JWKS-cached verification */

/* Fetches the JWKS unless another thread replaced it since `seen` (then just uses that). */
static int refresh_jwks(esi_sso *s, const esi_jwks *seen, bool forced) {
  int rc = esi_sso_discover(s);
  if (rc != 0) return rc;
  pthread_mutex_lock(&s->fetch_mu);
  pthread_mutex_lock(&s->mu);
  bool changed = s->jwks != seen;
  int64_t age = erplink__now_mono_ms() - s->jwks_fetched_ms;
  pthread_mutex_unlock(&s->mu);
  if (changed || (forced && s->jwks_fetched_ms && age < s->jwks_interval_ms)) {
    pthread_mutex_unlock(&s->fetch_mu);
    return 0;
  }
  erplink_http_request *rq = NULL;
  erplink_http_response *rs = NULL;
  esi_jwks *k = NULL;
  rc = erplink_http_request_new(&rq, "GET", s->m.jwks_uri);
  if (rc == 0) rc = erplink_http_client_send(&rs, s->http, rq);
  if (rc != 0) {
    erplink__error_prefix("fetching the SSO JWKS: ");
  } else {
    size_t len = 0;
    const char *body = erplink_http_response_body(rs, &len);
    rc = esi__jwks_parse(&k, body, len, erplink__http_client_logger(s->http));
  }
  erplink_http_request_free(rq);
  erplink_http_response_free(rs);
  pthread_mutex_lock(&s->mu);
  s->jwks_fetched_ms = erplink__now_mono_ms();
  if (rc == 0) {
    esi_jwks_free(s->jwks);
    s->jwks = k;
  }
  pthread_mutex_unlock(&s->mu);
  pthread_mutex_unlock(&s->fetch_mu);
  return rc;
}

static esi_jwks *current_jwks(esi_sso *s) {
  pthread_mutex_lock(&s->mu);
  esi_jwks *k = esi__jwks_ref(s->jwks);
  pthread_mutex_unlock(&s->mu);
  return k;
}

int esi_sso_verify(esi_token_claims **out, esi_sso *s, const char *token) {
  if (out) *out = NULL;
  if (!out || !s || !token) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_verify: NULL argument");
  esi_jwks *k = current_jwks(s);
  int rc = 0;
  if (!k) {
    rc = refresh_jwks(s, NULL, false);
    if (rc != 0) return rc;
    k = current_jwks(s);
  }
  bool unknown = false;
  rc = esi__jwt_verify(out, k, token, s->client_id, esi__now_s(), s->leeway_s, &unknown);
  if (rc != 0 && unknown) {
    erplink__error_saved *saved = erplink__error_save();
    int frc = refresh_jwks(s, k, true);
    esi_jwks *k2 = current_jwks(s);
    if (frc == 0 && k2 != k) {
      erplink__error_restore(saved);
      saved = NULL;
      rc = esi__jwt_verify(out, k2, token, s->client_id, esi__now_s(), s->leeway_s, NULL);
    } else if (frc != 0) {
      erplink__error_restore(saved);
      saved = NULL;
      erplink__error_prefix("(the JWKS could not be re-fetched) ");
    }
    if (saved) erplink__error_restore(saved);
    esi_jwks_free(k2);
  }
  esi_jwks_free(k);
  return rc;
}
