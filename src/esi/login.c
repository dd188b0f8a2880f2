/* EVE SSO logins: a fresh state and PKCE verifier (every client, web or native), the authorization
 * URL, and the export/import that lets another process finish the login.
 *
 * Export format (erplink/esi_sso.h): "v1." B64(payload) "." B64(tag), base64url without
 * padding, where payload is five lines without a final newline —
 *   client id \n state \n verifier ("" only in a web application's export made before web logins used PKCE) \n creation time \n scopes
 * (space-separated) — none of which can hold a newline or, except the scope list, a space
 * (the setters and esi_sso_login_new() refuse them). The tag covers "v1." B64(payload): for a
 * web application HMAC-SHA256 with a key derived from the client secret (so an export cannot
 * be forged or altered without it), for a native one SHA-256 (corruption only: there is no
 * secret to key it with). */
#include <inttypes.h>
#include <stdio.h>

#include "esi_internal.h"

#define EXPORT_PREFIX "v1."
#define EXPORT_MAX 8192
#define B64U_32 43 /* base64url length of 32 bytes, no padding */

void esi_sso_login_free(esi_sso_login *l) {
  if (!l) return;
  erplink__wipe(l->tag_key, sizeof l->tag_key);
  free(l->url);
  erplink__free_str(l->state, true);
  erplink__free_str(l->verifier, true);
  for (size_t i = 0; i < l->n_scopes; i++) free(l->scopes[i]);
  free(l->scopes);
  free(l->client_id);
  free(l);
}

const char *esi_sso_login_url(const esi_sso_login *l) { return l ? l->url : NULL; }
const char *esi_sso_login_state(const esi_sso_login *l) { return l ? l->state : NULL; }
int64_t esi_sso_login_created_at(const esi_sso_login *l) { return l ? l->created_s : 0; }

static int random_b64u(char **out) {
  unsigned char raw[32];
  int rc = erplink_random_bytes(raw, sizeof raw);
  if (rc == 0) rc = erplink_base64_encode(out, NULL, raw, sizeof raw, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
  erplink__wipe(raw, sizeof raw);
  return rc;
}

/* A scope: printable ASCII without spaces (so that the export's scope line splits on spaces). */
static bool scope_ok(const char *s, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return false;
  return true;
}

/* A login with client id, export key, room for the scopes and the creation time set; state
 * and verifier still NULL. The export key of a web application is derived from its client
 * secret (HMAC-SHA256(secret, label)), so the login never holds the secret itself. */
static int login_alloc(esi_sso_login **out, const esi_sso *s, size_t n_scopes) {
  static const char label[] = "erplink esi_sso login export v1";
  esi_sso_login *l = calloc(1, sizeof *l);
  if (!l || !(l->client_id = strdup(s->client_id)) ||
      !(l->scopes = calloc(n_scopes ? n_scopes : 1, sizeof *l->scopes))) {
    esi_sso_login_free(l);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  l->created_s = esi__now_s();
  if (s->client_secret) {
    int rc =
        erplink_hmac_sha256_oneshot(l->tag_key, s->client_secret, strlen(s->client_secret), label, sizeof label - 1);
    if (rc != 0) {
      esi_sso_login_free(l);
      return rc;
    }
    l->keyed = true;
  }
  *out = l;
  return 0;
}

static int add_scope(esi_sso_login *l, const char *s, size_t len) {
  if (!(l->scopes[l->n_scopes] = strndup(s, len))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  l->n_scopes++;
  return 0;
}

/* The authorization URL: authorize?response_type=code&redirect_uri=…&client_id=…&scope=…
 * &state=…[&code_challenge=…&code_challenge_method=S256], every value percent-encoded. */
static int build_url(esi_sso_login *l, const esi_sso *s, const char *challenge) {
  erplink_buf b = ERPLINK_BUF_INIT, sc = ERPLINK_BUF_INIT;
  for (size_t i = 0; i < l->n_scopes; i++) erplink_buf_printf(&sc, "%s%s", i ? " " : "", l->scopes[i]);
  erplink_buf_puts(&b, s->m.authorize);
  erplink_buf_puts(&b, strchr(s->m.authorize, '?') ? "&" : "?");
  erplink__form_add(&b, "response_type", "code");
  erplink__form_add(&b, "redirect_uri", s->redirect_uri);
  erplink__form_add(&b, "client_id", s->client_id);
  erplink__form_add(&b, "scope", sc.len ? sc.ptr : "");
  erplink__form_add(&b, "state", l->state);
  if (challenge) {
    erplink__form_add(&b, "code_challenge", challenge);
    erplink__form_add(&b, "code_challenge_method", "S256");
  }
  bool oom = b.oom || sc.oom;
  erplink_buf_free(&sc);
  if (oom) {
    erplink_buf_free(&b);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  l->url = erplink_buf_detach(&b, NULL);
  return 0;
}

int esi_sso_login_new(esi_sso_login **out, esi_sso *s, const char *const *scopes, size_t n_scopes) {
  if (out) *out = NULL;
  if (!out || !s || (!scopes && n_scopes))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_login_new: NULL argument");
  if (n_scopes > ESI__MAX_SCOPES)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_login_new: %zu scopes (at most %d)", n_scopes, ESI__MAX_SCOPES);
  for (size_t i = 0; i < n_scopes; i++)
    if (!scopes[i] || !scope_ok(scopes[i], strlen(scopes[i])))
      return erplink__error_setf(ERPLINK_EINVAL,
                                 "esi_sso_login_new: scope %zu is empty or holds a space, a control "
                                 "character or a non-ASCII byte",
                                 i);
  int rc = esi_sso_discover(s);
  if (rc != 0) return rc;
  esi_sso_login *l = NULL;
  if ((rc = login_alloc(&l, s, n_scopes)) != 0) return rc;
  for (size_t i = 0; rc == 0 && i < n_scopes; i++) rc = add_scope(l, scopes[i], strlen(scopes[i]));
  char *challenge = NULL;
  if (rc == 0) rc = random_b64u(&l->state);
  if (rc == 0) { /* PKCE for every client: a web application sends the verifier with its Basic auth */
    unsigned char dg[ERPLINK_SHA256_LEN];
    rc = random_b64u(&l->verifier);
    if (rc == 0) rc = erplink_sha256(dg, l->verifier, strlen(l->verifier));
    if (rc == 0) rc = erplink_base64_encode(&challenge, NULL, dg, sizeof dg, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
  }
  if (rc == 0) rc = build_url(l, s, challenge);
  erplink_free(challenge);
  if (rc != 0) {
    esi_sso_login_free(l);
    return rc;
  }
  *out = l;
  return 0;
}

/* ------------------------------------------------------------------ export and import */

/* The tag of "v1." B64(payload) (in[0..len)): HMAC-SHA256 with the login's key (web
 * applications), else SHA-256. */
static int export_tag(unsigned char tag[ERPLINK_SHA256_LEN], const esi_sso_login *l, const char *in, size_t len) {
  return l->keyed ? erplink_hmac_sha256_oneshot(tag, l->tag_key, sizeof l->tag_key, in, len)
                  : erplink_sha256(tag, in, len);
}

int esi_sso_login_export(char **out, const esi_sso_login *l) {
  if (out) *out = NULL;
  if (!out || !l || !l->state) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_login_export: NULL argument");
  erplink_buf p = ERPLINK_BUF_INIT, b = ERPLINK_BUF_INIT;
  p.secret = b.secret = true;
  erplink_buf_printf(&p, "%s\n%s\n%s\n%" PRId64 "\n", l->client_id, l->state, l->verifier ? l->verifier : "",
                     l->created_s);
  for (size_t i = 0; i < l->n_scopes; i++) erplink_buf_printf(&p, "%s%s", i ? " " : "", l->scopes[i]);
  erplink_buf_puts(&b, EXPORT_PREFIX);
  if (!p.oom) erplink__base64_put(&b, p.ptr, p.len, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
  int rc = p.oom || b.oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory") : 0;
  unsigned char tag[ERPLINK_SHA256_LEN];
  if (rc == 0) rc = export_tag(tag, l, b.ptr, b.len);
  if (rc == 0) {
    erplink_buf_putc(&b, '.');
    erplink__base64_put(&b, tag, sizeof tag, ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD);
    if (b.oom) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  erplink_buf_free(&p);
  if (rc != 0) {
    erplink_buf_free(&b);
    return rc;
  }
  b.secret = false; /* handed over: the caller wipes it */
  *out = erplink_buf_detach(&b, NULL);
  return 0;
}

static bool b64u_token(const char *s, size_t len) {
  if (len != B64U_32) return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  }
  return true;
}

#define BAD_EXPORT(...) erplink__error_setf(ERPLINK_EINVAL, "esi_sso_login_import: " __VA_ARGS__)

/* Parses the five payload lines into a new login for s. */
static int parse_payload(esi_sso_login **out, const esi_sso *s, const char *p, size_t len) {
  const char *f[5];
  size_t fl[5];
  size_t nf = 0, start = 0;
  if (memchr(p, '\0', len)) return BAD_EXPORT("not an exported login (malformed payload)");
  for (size_t i = 0; i <= len; i++)
    if (i == len || p[i] == '\n') {
      if (nf == 5) return BAD_EXPORT("not an exported login (malformed payload)");
      f[nf] = p + start;
      fl[nf++] = i - start;
      start = i + 1;
    }
  if (nf != 5) return BAD_EXPORT("not an exported login (malformed payload)");
  if (fl[0] != strlen(s->client_id) || memcmp(f[0], s->client_id, fl[0]) != 0)
    return BAD_EXPORT("the login was started for another client id");
  if (!b64u_token(f[1], fl[1])) return BAD_EXPORT("malformed state");
  /* a web application's export may have no verifier (one made before web logins used PKCE
   * too: its exchange authenticates with the secret alone); a native application's must have one */
  if ((fl[2] || !s->client_secret) && !b64u_token(f[2], fl[2])) return BAD_EXPORT("malformed or missing PKCE verifier");
  int64_t created = 0;
  bool ovf = false;
  if (fl[3] == 0 || fl[3] > 15 || f[3][0] == '+' || f[3][0] == '-' ||
      !erplink__parse_int64(f[3], fl[3], &created, &ovf) || created <= 0)
    return BAD_EXPORT("malformed creation time");
  size_t n_scopes = 0;
  for (size_t i = 0; i < fl[4]; i++) n_scopes += f[4][i] == ' ';
  n_scopes = fl[4] ? n_scopes + 1 : 0;
  if (n_scopes > ESI__MAX_SCOPES) return BAD_EXPORT("too many scopes");
  esi_sso_login *l = NULL;
  int rc = login_alloc(&l, s, n_scopes);
  for (size_t i = 0, st = 0; rc == 0 && fl[4] && i <= fl[4]; i++)
    if (i == fl[4] || f[4][i] == ' ') {
      if (!scope_ok(f[4] + st, i - st))
        rc = BAD_EXPORT("malformed scope list");
      else
        rc = add_scope(l, f[4] + st, i - st);
      st = i + 1;
    }
  if (rc == 0 && !(l->state = strndup(f[1], fl[1]))) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0 && fl[2] && !(l->verifier = strndup(f[2], fl[2])))
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc != 0) {
    esi_sso_login_free(l);
    return rc;
  }
  l->created_s = created;
  *out = l;
  return 0;
}

int esi_sso_login_import(esi_sso_login **out, esi_sso *s, const char *exported) {
  if (out) *out = NULL;
  if (!out || !s || !exported) return erplink__error_setf(ERPLINK_EINVAL, "esi_sso_login_import: NULL argument");
  size_t len = strnlen(exported, EXPORT_MAX + 1);
  if (len > EXPORT_MAX) return BAD_EXPORT("longer than %d bytes", EXPORT_MAX);
  size_t pl = sizeof EXPORT_PREFIX - 1;
  if (len < pl || memcmp(exported, EXPORT_PREFIX, pl) != 0)
    return BAD_EXPORT("%s", len > 2 && exported[0] == 'v' && strchr(exported, '.')
                                ? "an exported login of another version (this is v1)"
                                : "not an exported login (it starts with \"" EXPORT_PREFIX "\")");
  const char *dot = memchr(exported + pl, '.', len - pl);
  if (!dot || memchr(dot + 1, '.', len - (size_t)(dot + 1 - exported)))
    return BAD_EXPORT("not an exported login (three dot-separated parts expected)");
  unsigned char *payload = NULL, *tag = NULL;
  size_t payload_len = 0, tag_len = 0;
  int rc = 0;
  if (erplink_base64_decode(&payload, &payload_len, exported + pl, (size_t)(dot - exported) - pl,
                            ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD) != 0 ||
      erplink_base64_decode(&tag, &tag_len, dot + 1, len - (size_t)(dot + 1 - exported),
                            ERPLINK_BASE64_URL | ERPLINK_BASE64_NOPAD) != 0)
    rc = BAD_EXPORT("not an exported login (not base64url)");
  /* the tag first (with the key a login of s gets): nothing of an altered export is parsed */
  esi_sso_login *keyed = NULL;
  unsigned char want[ERPLINK_SHA256_LEN];
  if (rc == 0) rc = login_alloc(&keyed, s, 0);
  if (rc == 0) rc = export_tag(want, keyed, exported, (size_t)(dot - exported));
  esi_sso_login_free(keyed);
  if (rc == 0 && !erplink_ct_equal(want, sizeof want, tag, tag_len))
    rc = BAD_EXPORT("the export is corrupt or was altered, or it was made by a client with another client secret "
                    "(or by a %s application)",
                    s->client_secret ? "native" : "web");
  if (rc == 0) rc = parse_payload(out, s, (const char *)payload, payload_len);
  if (payload) erplink__wipe(payload, payload_len);
  erplink_free(payload);
  erplink_free(tag);
  return rc;
}
