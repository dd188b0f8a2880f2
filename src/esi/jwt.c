/* EVE SSO access-token verification (the table of erplink/esi_jwt.h): the header, the key
 * selected by kid (its type must match the token's alg: HMAC is never an option, whatever the
 * header says), the signature through the core's erplink_pkey_verify(), then the claims. */
#include <stdio.h>

#include "esi_internal.h"

#define JWT_MAX_LEN (16 * 1024)

struct esi_token_claims {
  int64_t character_id;
  int64_t exp;
  char *name;
  char *owner;
  char *azp;
  char **scopes;
  size_t n_scopes;
};

/* ------------------------------------------------------------------ claims */

void esi_token_claims_free(esi_token_claims *c) {
  if (!c) return;
  free(c->name);
  free(c->owner);
  free(c->azp);
  for (size_t i = 0; i < c->n_scopes; i++) free(c->scopes[i]);
  free(c->scopes);
  free(c);
}

int64_t esi_token_claims_character_id(const esi_token_claims *c) { return c ? c->character_id : 0; }
const char *esi_token_claims_name(const esi_token_claims *c) { return c && c->name ? c->name : ""; }
const char *esi_token_claims_owner(const esi_token_claims *c) { return c && c->owner ? c->owner : ""; }
const char *esi_token_claims_client_id(const esi_token_claims *c) { return c && c->azp ? c->azp : ""; }
int64_t esi_token_claims_expires_at(const esi_token_claims *c) { return c ? c->exp : 0; }
size_t esi_token_claims_scope_count(const esi_token_claims *c) { return c ? c->n_scopes : 0; }
const char *esi_token_claims_scope_at(const esi_token_claims *c, size_t i) {
  return c && i < c->n_scopes ? c->scopes[i] : NULL;
}
int esi_token_claims_has_scope(const esi_token_claims *c, const char *scope) {
  if (!c || !scope) return 0;
  for (size_t i = 0; i < c->n_scopes; i++)
    if (strcmp(c->scopes[i], scope) == 0) return 1;
  return 0;
}

int esi__claims_clone(esi_token_claims **out, const esi_token_claims *c) {
  esi_token_claims *d = calloc(1, sizeof *d);
  if (!d) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  d->character_id = c->character_id;
  d->exp = c->exp;
  d->name = strdup(c->name ? c->name : "");
  d->owner = strdup(c->owner ? c->owner : "");
  d->azp = strdup(c->azp ? c->azp : "");
  d->scopes = calloc(c->n_scopes ? c->n_scopes : 1, sizeof *d->scopes);
  bool oom = !d->name || !d->owner || !d->azp || !d->scopes;
  for (size_t i = 0; !oom && i < c->n_scopes; i++) {
    if (!(d->scopes[i] = strdup(c->scopes[i])))
      oom = true;
    else
      d->n_scopes++;
  }
  if (oom) {
    esi_token_claims_free(d);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  *out = d;
  return 0;
}

/* ------------------------------------------------------------------ verification */

#define REJECT_SIG(...) erplink__error_setf(ERPLINK_ESIGNATURE, "access token rejected: " __VA_ARGS__)
#define REJECT_AUTH(...) erplink__error_setf(ERPLINK_EAUTH, "access token rejected: " __VA_ARGS__)

static int decode_part(erplink_value **out, const char *s, size_t len, const char *what) {
  unsigned char *raw = NULL;
  size_t rl = 0;
  *out = NULL;
  if (esi__b64u_decode(&raw, &rl, s, len) != 0)
    return erplink__error_setf(ERPLINK_EAUTH, "malformed access token: the %s is not base64url", what);
  int rc = erplink_json_decode(out, (const char *)raw, rl, NULL);
  free(raw);
  if (rc == ERPLINK_ENOMEM) return rc;
  if (rc != 0 || erplink_value_type(*out) != ERPLINK_TYPE_STRUCT) {
    erplink_value_free(*out);
    *out = NULL;
    return erplink__error_setf(ERPLINK_EAUTH, "malformed access token: the %s is not a JSON object", what);
  }
  return 0;
}

static bool iss_ok(const char *iss) {
  static const char *const ok[] = {"login.eveonline.com", "login.eveonline.com/", "https://login.eveonline.com",
                                   "https://login.eveonline.com/"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (strcmp(iss, ok[i]) == 0) return true;
  return false;
}

static bool aud_has(const erplink_value *aud, const char *want) {
  const char *s;
  if (erplink_value_type(aud) == ERPLINK_TYPE_STRING)
    return erplink_value_get_string(&s, NULL, aud) == 0 && strcmp(s, want) == 0;
  size_t n = erplink_value_count(aud);
  for (size_t i = 0; i < n; i++) {
    const erplink_value *v = erplink_value_array_at(aud, i);
    if (v && erplink_value_get_string(&s, NULL, v) == 0 && strcmp(s, want) == 0) return true;
  }
  return false;
}

/* A NumericDate claim (RFC 7519 2: seconds since 1970, an integer or a fraction, truncated):
 * 1 with *out set, 0 when absent, -1 when not a number in 0 .. 10^15. */
static int numeric_date(int64_t *out, const erplink_value *p, const char *name) {
  const erplink_value *v = erplink_value_struct_get(p, name);
  int64_t i;
  double d;
  if (!v) return 0;
  if (erplink_value_get_int(&i, v) == 0 && erplink_value_type(v) == ERPLINK_TYPE_INT) {
    if (i < 0 || i > 1000000000000000LL) return -1;
    *out = i;
    return 1;
  }
  if (erplink_value_type(v) == ERPLINK_TYPE_DOUBLE && erplink_value_get_double(&d, v) == 0 && d >= 0 && d < 1e15) {
    *out = (int64_t)d;
    return 1;
  }
  return -1;
}

static int check_claims(esi_token_claims **out, const erplink_value *p, const char *client_id, int64_t now,
                        int64_t leeway) {
  char tmp[96];
  const char *iss = esi__str_member(p, "iss");
  if (!iss) return REJECT_AUTH("no 'iss' claim");
  if (!iss_ok(iss))
    return REJECT_AUTH("issuer '%s' is not login.eveonline.com", esi__printable(tmp, iss, strlen(iss), 80));
  const erplink_value *aud = erplink_value_struct_get(p, "aud");
  if (!aud || (erplink_value_type(aud) != ERPLINK_TYPE_STRING && erplink_value_type(aud) != ERPLINK_TYPE_ARRAY))
    return REJECT_AUTH("no 'aud' claim");
  if (!aud_has(aud, client_id))
    return REJECT_AUTH("audience does not contain this application's client id '%s' (token issued to another "
                       "application)",
                       esi__printable(tmp, client_id, strlen(client_id), 80));
  if (!aud_has(aud, "EVE Online")) return REJECT_AUTH("audience does not contain \"EVE Online\"");
  int64_t exp = 0, nbf = 0, iat = 0;
  int has_exp = numeric_date(&exp, p, "exp"), has_nbf = numeric_date(&nbf, p, "nbf"),
      has_iat = numeric_date(&iat, p, "iat");
  if (has_exp <= 0) return REJECT_AUTH("no numeric 'exp' claim");
  if (has_nbf < 0) return REJECT_AUTH("'nbf' is not a NumericDate");
  if (has_iat < 0) return REJECT_AUTH("'iat' is not a NumericDate");
  /* now and the dates are bounded (dates by numeric_date, now by the caller's check), so
   * none of these sums overflows */
  if (now > exp + leeway)
    return REJECT_AUTH("expired %lld s ago (exp %lld, leeway %lld s)", (long long)(now - exp), (long long)exp,
                       (long long)leeway);
  if (has_nbf && now + leeway < nbf)
    return REJECT_AUTH("not valid before %lld, %lld s from now (nbf; leeway %lld s)", (long long)nbf,
                       (long long)(nbf - now), (long long)leeway);
  if (has_iat && now + leeway < iat)
    return REJECT_AUTH(
        "issued %lld s in the future (iat %lld, leeway %lld s): the issuer's clock or the token is wrong",
        (long long)(iat - now), (long long)iat, (long long)leeway);
  const char *sub = esi__str_member(p, "sub");
  static const char pre[] = "CHARACTER:EVE:";
  int64_t cid = 0;
  bool ovf = false;
  if (!sub || strncmp(sub, pre, sizeof pre - 1) != 0 ||
      !erplink__parse_int64(sub + sizeof pre - 1, strlen(sub + sizeof pre - 1), &cid, &ovf) || cid <= 0 ||
      sub[sizeof pre - 1] == '+')
    return REJECT_AUTH("'sub' is not CHARACTER:EVE:<character id>");
  const char *name = esi__str_member(p, "name"), *owner = esi__str_member(p, "owner"), *azp = esi__str_member(p, "azp");
  if (!name) return REJECT_AUTH("no 'name' claim");
  if (!owner) return REJECT_AUTH("no 'owner' claim");
  const erplink_value *scp = erplink_value_struct_get(p, "scp");
  size_t ns = 0;
  if (scp) {
    if (erplink_value_type(scp) == ERPLINK_TYPE_STRING)
      ns = 1;
    else if (erplink_value_type(scp) == ERPLINK_TYPE_ARRAY)
      ns = erplink_value_count(scp);
    else
      return REJECT_AUTH("'scp' is neither a string nor an array");
  }
  esi_token_claims *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  c->character_id = cid;
  c->exp = exp;
  c->name = strdup(name);
  c->owner = strdup(owner);
  c->azp = strdup(azp ? azp : "");
  c->scopes = calloc(ns ? ns : 1, sizeof *c->scopes);
  bool oom = !c->name || !c->owner || !c->azp || !c->scopes;
  for (size_t i = 0; !oom && i < ns; i++) {
    const erplink_value *v = erplink_value_type(scp) == ERPLINK_TYPE_STRING ? scp : erplink_value_array_at(scp, i);
    const char *s;
    if (erplink_value_get_string(&s, NULL, v) != 0) {
      esi_token_claims_free(c);
      return REJECT_AUTH("'scp' holds a non-string");
    }
    if (!(c->scopes[i] = strdup(s)))
      oom = true;
    else
      c->n_scopes++;
  }
  if (oom) {
    esi_token_claims_free(c);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  *out = c;
  return 0;
}

int esi__jwt_verify(esi_token_claims **out, const esi_jwks *jwks, const char *token, const char *client_id,
                    int64_t now_unix_s, int64_t leeway_s, bool *unknown_kid) {
  if (unknown_kid) *unknown_kid = false;
  if (out) *out = NULL;
  if (!out || !jwks || !token || !client_id)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: NULL argument");
  if (!*client_id) return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: empty client id");
  if (leeway_s < 0 || leeway_s > 3600)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: leeway %lld s outside 0..3600", (long long)leeway_s);
  if (now_unix_s < 0 || now_unix_s > 1000000000000000LL)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: now %lld outside 0..10^15", (long long)now_unix_s);
  size_t len = strnlen(token, JWT_MAX_LEN + 1);
  if (len > JWT_MAX_LEN)
    return erplink__error_setf(ERPLINK_EAUTH, "malformed access token: longer than %d bytes", JWT_MAX_LEN);
  if (len == 0) return erplink__error_setf(ERPLINK_EAUTH, "malformed access token: empty");
  const char *d1 = memchr(token, '.', len);
  const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
  if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
    return erplink__error_setf(ERPLINK_EAUTH, "malformed access token: not three dot-separated parts (is it a JWT?)");
  erplink_value *hdr = NULL, *pay = NULL;
  unsigned char *sig = NULL;
  size_t sig_len = 0;
  int rc = decode_part(&hdr, token, (size_t)(d1 - token), "header");
  if (rc != 0) return rc;
  const char *alg = esi__str_member(hdr, "alg"), *kid = esi__str_member(hdr, "kid");
  char tmp[96];
  erplink_sig_alg want = ERPLINK_SIG_RS256;
  if (!alg) {
    rc = REJECT_SIG("the header has no 'alg'");
  } else if (strcmp(alg, "RS256") == 0) {
    want = ERPLINK_SIG_RS256;
  } else if (strcmp(alg, "ES256") == 0) {
    want = ERPLINK_SIG_ES256;
  } else if (erplink__ascii_ieq(alg, strlen(alg), "none")) {
    rc = REJECT_SIG("unsigned token (alg 'none') refused");
  } else {
    rc = REJECT_SIG("algorithm '%s' refused (only RS256 and ES256 are accepted)",
                    esi__printable(tmp, alg, strlen(alg), 32));
  }
  const esi__jwk *key = NULL;
  if (rc == 0 && erplink_value_struct_get(hdr, "crit"))
    rc = REJECT_SIG("the header lists critical extensions ('crit'), none of which is supported");
  if (rc == 0 && (!kid || !*kid)) rc = REJECT_SIG("the header has no 'kid'");
  if (rc == 0) {
    key = esi__jwks_find(jwks, kid);
    if (!key) {
      if (unknown_kid) *unknown_kid = true;
      rc = REJECT_SIG("no key with kid '%s' in the JWKS", esi__printable(tmp, kid, strlen(kid), 80));
    } else if (key->sig != want || (key->alg && strcmp(key->alg, alg) != 0)) {
      rc = REJECT_SIG("key '%s' is an %s key but the token says %s (algorithm confusion refused)", key->kid,
                      key->sig == ERPLINK_SIG_RS256 ? "RSA" : "EC P-256", alg);
    }
  }
  if (rc == 0 && esi__b64u_decode(&sig, &sig_len, d2 + 1, len - (size_t)(d2 + 1 - token)) != 0)
    rc = erplink__error_setf(ERPLINK_EAUTH, "malformed access token: the signature is not base64url");
  if (rc == 0 && want == ERPLINK_SIG_ES256 && sig_len != 64)
    rc = REJECT_SIG("ES256 signature of %zu bytes (64 expected)", sig_len);
  /* the signing input is the token up to the second dot */
  if (rc == 0 &&
      (rc = erplink_pkey_verify(key->pkey, want, token, (size_t)(d2 - token), sig, sig_len)) == ERPLINK_ESIGNATURE)
    rc = REJECT_SIG("the %s signature does not verify with key '%s' (token forged or altered)",
                    want == ERPLINK_SIG_RS256 ? "RS256" : "ES256", key->kid);
  if (rc == 0) rc = decode_part(&pay, d1 + 1, (size_t)(d2 - d1 - 1), "payload");
  if (rc == 0) rc = check_claims(out, pay, client_id, now_unix_s, leeway_s);
  free(sig);
  erplink_value_free(hdr);
  erplink_value_free(pay);
  return rc;
}

int esi_jwt_verify(esi_token_claims **out, const esi_jwks *jwks, const char *token, const char *client_id,
                   int64_t now_unix_s, int64_t leeway_s) {
  return esi__jwt_verify(out, jwks, token, client_id, now_unix_s, leeway_s, NULL);
}
