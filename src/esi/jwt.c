/* EVE SSO access-token verification: JWKS parsing (RSA n/e, EC P-256 x/y through
 * OSSL_PARAM_BLD + EVP_PKEY_fromdata) and RS256/ES256 signature checks with EVP_DigestVerify.
 * The algorithm is taken from the token header but must match the type of the key selected
 * by kid: HMAC is never an option, whatever the header says. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "erplink/crypto.h"
#include "erplink/json.h"
#include "esi_internal.h"

#define JWT_MAX_LEN (16 * 1024)
#define MIN_RSA_BITS 2048

enum { KEY_RSA = 1, KEY_EC = 2 };

typedef struct jwk {
  char *kid;
  char *alg; /* may be NULL */
  int type;
  EVP_PKEY *pkey;
} jwk;

struct esi_jwks {
  atomic_int refs;
  jwk *keys;
  size_t n;
};

struct esi_token_claims {
  int64_t character_id;
  int64_t exp;
  char *name;
  char *owner;
  char *azp;
  char **scopes;
  size_t n_scopes;
};

/* ------------------------------------------------------------------ small helpers */

char *esi__printable(char *out, const char *s, size_t len, size_t max) {
  size_t n = len < max ? len : max, i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    out[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
  }
  out[n] = '\0';
  if (len > max && max >= 3) memcpy(out + max - 3, "...", 3);
  return out;
}

bool esi__printable_ok(const char *s) {
  if (!s || !*s) return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
  return true;
}

int esi__pct_put(erplink_buf *b, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      erplink_buf_putc(b, (char)c);
    } else {
      char t[3] = {'%', hex[c >> 4], hex[c & 15]};
      erplink_buf_put(b, t, 3);
    }
  }
  return b->oom ? ERPLINK_ENOMEM : 0;
}

/* Decodes base64url (padding optional) into a fresh buffer. */
static int b64u_decode(unsigned char **out, size_t *out_len, const char *s, size_t len) {
  unsigned char *p = malloc(erplink__base64_decoded_max(len) + 1);
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  int rc = erplink__base64_decode_to(p, out_len, s, len, ERPLINK_BASE64_URL | ERPLINK_BASE64_PAD_OPTIONAL);
  if (rc != 0) {
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

static const char *str_member(const erplink_value *obj, const char *key) {
  const erplink_value *v = erplink_value_struct_get(obj, key);
  const char *s = NULL;
  if (v && erplink_value_get_string(&s, NULL, v) == 0) return s;
  return NULL;
}

/* ------------------------------------------------------------------ keys */

static int openssl_fail(const char *what) {
  return erplink__error_setf(ERPLINK_ESERVER, "OpenSSL failed to %s", what);
}

static int rsa_from_ne(EVP_PKEY **out, const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen,
                       const char *kid) {
  int rc = 0;
  BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL;
  *out = NULL;
  if (!bn || !be || !bld) {
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    goto done;
  }
  if (BN_num_bits(bn) < MIN_RSA_BITS) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': RSA modulus of %d bits (at least %d required)", kid,
                             BN_num_bits(bn), MIN_RSA_BITS);
    goto done;
  }
  if (BN_is_zero(be) || !BN_is_odd(be)) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': invalid RSA exponent", kid);
    goto done;
  }
  if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
      !(params = OSSL_PARAM_BLD_to_param(bld))) {
    rc = openssl_fail("build RSA key parameters");
    goto done;
  }
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
  if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    *out = NULL;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': OpenSSL refused the RSA key", kid);
  }
done:
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn);
  BN_free(be);
  return rc;
}

static int ec_from_xy(EVP_PKEY **out, const unsigned char *x, size_t xlen, const unsigned char *y, size_t ylen,
                      const char *kid) {
  int rc = 0;
  unsigned char point[65];
  OSSL_PARAM_BLD *bld = NULL;
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
  *out = NULL;
  if (xlen != 32 || ylen != 32)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': P-256 coordinates must be 32 bytes (got %zu and %zu)",
                               kid, xlen, ylen);
  point[0] = 0x04;
  memcpy(point + 1, x, 32);
  memcpy(point + 33, y, 32);
  bld = OSSL_PARAM_BLD_new();
  if (!bld) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) ||
      !(params = OSSL_PARAM_BLD_to_param(bld))) {
    rc = openssl_fail("build EC key parameters");
    goto done;
  }
  ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
    *out = NULL;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': OpenSSL refused the EC key (point not on P-256?)", kid);
    goto done;
  }
  chk = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
  if (!chk || EVP_PKEY_public_check(chk) <= 0) {
    EVP_PKEY_free(*out);
    *out = NULL;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': the EC point is not on the P-256 curve", kid);
  }
done:
  EVP_PKEY_CTX_free(chk);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  return rc;
}

static int b64_member(unsigned char **out, size_t *len, const erplink_value *k, const char *name, const char *kid) {
  const char *s = str_member(k, name);
  if (!s || !*s) return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': member '%s' missing", kid, name);
  if (b64u_decode(out, len, s, strlen(s)) != 0)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': member '%s' is not base64url", kid, name);
  return 0;
}

static void jwks_destroy(esi_jwks *k) {
  for (size_t i = 0; i < k->n; i++) {
    free(k->keys[i].kid);
    free(k->keys[i].alg);
    EVP_PKEY_free(k->keys[i].pkey);
  }
  free(k->keys);
  free(k);
}

void esi_jwks_free(esi_jwks *k) {
  if (k && atomic_fetch_sub(&k->refs, 1) == 1) jwks_destroy(k);
}

esi_jwks *esi__jwks_ref(esi_jwks *k) {
  if (k) atomic_fetch_add(&k->refs, 1);
  return k;
}

size_t esi_jwks_count(const esi_jwks *k) { return k ? k->n : 0; }

int esi_jwks_new_from_json(esi_jwks **out, const char *json, size_t len) {
  if (out) *out = NULL;
  if (!out || !json) return erplink__error_setf(ERPLINK_EINVAL, "esi_jwks_new_from_json: NULL argument");
  erplink_value *doc = NULL;
  int rc = erplink_json_decode(&doc, json, len, NULL);
  if (rc != 0) {
    erplink__error_prefix("JWKS: ");
    return rc == ERPLINK_ENOMEM ? rc : erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS is not valid JSON");
  }
  const erplink_value *keys = erplink_value_struct_get(doc, "keys");
  if (!keys || erplink_value_type(keys) != ERPLINK_TYPE_ARRAY) {
    erplink_value_free(doc);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS has no \"keys\" array");
  }
  size_t n = erplink_value_count(keys);
  esi_jwks *k = calloc(1, sizeof *k);
  if (!k || !(k->keys = calloc(n ? n : 1, sizeof *k->keys))) {
    free(k);
    erplink_value_free(doc);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  atomic_init(&k->refs, 1);
  for (size_t i = 0; i < n && rc == 0; i++) {
    const erplink_value *e = erplink_value_array_at(keys, i);
    const char *kty = str_member(e, "kty"), *kid = str_member(e, "kid"), *alg = str_member(e, "alg");
    const char *use = str_member(e, "use");
    char kidp[80];
    if (!kty || !kid || !*kid) continue; /* unusable without a kid: tokens select keys by kid */
    if (use && strcmp(use, "sig") != 0) continue;
    esi__printable(kidp, kid, strlen(kid), 64);
    unsigned char *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    EVP_PKEY *pkey = NULL;
    int type = 0;
    if (strcmp(kty, "RSA") == 0) {
      if (alg && strcmp(alg, "RS256") != 0) continue; /* RSA key meant for another algorithm */
      if ((rc = b64_member(&a, &al, e, "n", kidp)) == 0 && (rc = b64_member(&b, &bl, e, "e", kidp)) == 0)
        rc = rsa_from_ne(&pkey, a, al, b, bl, kidp);
      type = KEY_RSA;
    } else if (strcmp(kty, "EC") == 0) {
      const char *crv = str_member(e, "crv");
      if (!crv || strcmp(crv, "P-256") != 0) continue;
      if (alg && strcmp(alg, "ES256") != 0) continue;
      if ((rc = b64_member(&a, &al, e, "x", kidp)) == 0 && (rc = b64_member(&b, &bl, e, "y", kidp)) == 0)
        rc = ec_from_xy(&pkey, a, al, b, bl, kidp);
      type = KEY_EC;
    } else {
      continue; /* oct (HMAC) and unknown key types are never used */
    }
    free(a);
    free(b);
    if (rc != 0) break;
    jwk *j = &k->keys[k->n];
    j->kid = strdup(kid);
    j->alg = alg ? strdup(alg) : NULL;
    j->type = type;
    j->pkey = pkey;
    k->n++;
    if (!j->kid || (alg && !j->alg)) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  erplink_value_free(doc);
  if (rc == 0 && k->n == 0) rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS holds no usable RS256 or ES256 key");
  if (rc != 0) {
    jwks_destroy(k);
    return rc;
  }
  *out = k;
  return 0;
}

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
const char *esi_token_claims_scope(const esi_token_claims *c, size_t i) {
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
    if (!(d->scopes[i] = strdup(c->scopes[i]))) oom = true;
    else d->n_scopes++;
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
  if (b64u_decode(&raw, &rl, s, len) != 0)
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

static int verify_signature(const jwk *k, int want_type, const char *input, size_t input_len,
                            const unsigned char *sig, size_t sig_len) {
  unsigned char *der = NULL;
  int der_len = 0, rc = 0;
  if (want_type == KEY_EC) {
    if (sig_len != 64) return REJECT_SIG("ES256 signature of %zu bytes (64 expected)", sig_len);
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
      ECDSA_SIG_free(es);
      BN_free(r);
      BN_free(s);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    der_len = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (der_len <= 0) return openssl_fail("encode an ECDSA signature");
    sig = der;
    sig_len = (size_t)der_len;
  }
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!md) {
    OPENSSL_free(der);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k->pkey) <= 0) {
    rc = openssl_fail("initialise signature verification");
  } else if (EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)input, input_len) != 1) {
    rc = REJECT_SIG("the %s signature does not verify with key '%s' (token forged or altered)",
                    want_type == KEY_EC ? "ES256" : "RS256", k->kid);
  }
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  return rc;
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
  if (erplink_value_type(aud) == ERPLINK_TYPE_STRING) return erplink_value_get_string(&s, NULL, aud) == 0 && strcmp(s, want) == 0;
  size_t n = erplink_value_count(aud);
  for (size_t i = 0; i < n; i++) {
    const erplink_value *v = erplink_value_array_at(aud, i);
    if (v && erplink_value_get_string(&s, NULL, v) == 0 && strcmp(s, want) == 0) return true;
  }
  return false;
}

static int check_claims(esi_token_claims **out, const erplink_value *p, const char *client_id, int64_t now,
                        int64_t leeway) {
  char tmp[96];
  const char *iss = str_member(p, "iss");
  if (!iss) return REJECT_AUTH("no 'iss' claim");
  if (!iss_ok(iss))
    return REJECT_AUTH("issuer '%s' is not login.eveonline.com", esi__printable(tmp, iss, strlen(iss), 80));
  const erplink_value *aud = erplink_value_struct_get(p, "aud");
  if (!aud || (erplink_value_type(aud) != ERPLINK_TYPE_STRING && erplink_value_type(aud) != ERPLINK_TYPE_ARRAY))
    return REJECT_AUTH("no 'aud' claim");
  if (!aud_has(aud, client_id))
    return REJECT_AUTH("audience does not contain this application's client id '%s' (token issued to another "
                       "application)", esi__printable(tmp, client_id, strlen(client_id), 80));
  if (!aud_has(aud, "EVE Online")) return REJECT_AUTH("audience does not contain \"EVE Online\"");
  const erplink_value *ev = erplink_value_struct_get(p, "exp");
  int64_t exp = 0;
  double d;
  if (ev && erplink_value_get_int(&exp, ev) == 0) {
  } else if (ev && erplink_value_get_double(&d, ev) == 0 && d > 0 && d < 1e15) {
    exp = (int64_t)d;
  } else {
    return REJECT_AUTH("no numeric 'exp' claim");
  }
  if (now > exp + leeway)
    return REJECT_AUTH("expired %lld s ago (exp %lld, leeway %lld s)", (long long)(now - exp), (long long)exp,
                       (long long)leeway);
  const char *sub = str_member(p, "sub");
  static const char pre[] = "CHARACTER:EVE:";
  int64_t cid = 0;
  bool ovf = false;
  if (!sub || strncmp(sub, pre, sizeof pre - 1) != 0 ||
      !erplink__parse_int64(sub + sizeof pre - 1, strlen(sub + sizeof pre - 1), &cid, &ovf) || cid <= 0 ||
      sub[sizeof pre - 1] == '+')
    return REJECT_AUTH("'sub' is not CHARACTER:EVE:<character id>");
  const char *name = str_member(p, "name"), *owner = str_member(p, "owner"), *azp = str_member(p, "azp");
  if (!name) return REJECT_AUTH("no 'name' claim");
  if (!owner) return REJECT_AUTH("no 'owner' claim");
  const erplink_value *scp = erplink_value_struct_get(p, "scp");
  size_t ns = 0;
  if (scp) {
    if (erplink_value_type(scp) == ERPLINK_TYPE_STRING) ns = 1;
    else if (erplink_value_type(scp) == ERPLINK_TYPE_ARRAY) ns = erplink_value_count(scp);
    else return REJECT_AUTH("'scp' is neither a string nor an array");
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
    if (!(c->scopes[i] = strdup(s))) oom = true;
    else c->n_scopes++;
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
  if (!out || !jwks || !token || !client_id) return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: NULL argument");
  if (!*client_id) return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: empty client id");
  if (leeway_s < 0 || leeway_s > 3600)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: leeway %lld s outside 0..3600", (long long)leeway_s);
  size_t len = strnlen(token, JWT_MAX_LEN + 1);
  if (len > JWT_MAX_LEN) return erplink__error_setf(ERPLINK_EAUTH, "malformed access token: longer than %d bytes", JWT_MAX_LEN);
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
  const char *alg = str_member(hdr, "alg"), *kid = str_member(hdr, "kid");
  char tmp[96];
  int want = 0;
  if (!alg) {
    rc = REJECT_SIG("the header has no 'alg'");
  } else if (strcmp(alg, "RS256") == 0) {
    want = KEY_RSA;
  } else if (strcmp(alg, "ES256") == 0) {
    want = KEY_EC;
  } else if (erplink__ascii_ieq(alg, strlen(alg), "none")) {
    rc = REJECT_SIG("unsigned token (alg 'none') refused");
  } else {
    rc = REJECT_SIG("algorithm '%s' refused (only RS256 and ES256 are accepted)", esi__printable(tmp, alg, strlen(alg), 32));
  }
  const jwk *key = NULL;
  if (rc == 0 && erplink_value_struct_get(hdr, "crit"))
    rc = REJECT_SIG("the header lists critical extensions ('crit'), none of which is supported");
  if (rc == 0 && (!kid || !*kid)) rc = REJECT_SIG("the header has no 'kid'");
  if (rc == 0) {
    for (size_t i = 0; i < jwks->n && !key; i++)
      if (strcmp(jwks->keys[i].kid, kid) == 0) key = &jwks->keys[i];
    if (!key) {
      if (unknown_kid) *unknown_kid = true;
      rc = REJECT_SIG("no key with kid '%s' in the JWKS", esi__printable(tmp, kid, strlen(kid), 80));
    } else if (key->type != want || (key->alg && strcmp(key->alg, alg) != 0)) {
      rc = REJECT_SIG("key '%s' is an %s key but the token says %s (algorithm confusion refused)", key->kid,
                      key->type == KEY_RSA ? "RSA" : "EC P-256", alg);
    }
  }
  if (rc == 0 && b64u_decode(&sig, &sig_len, d2 + 1, len - (size_t)(d2 + 1 - token)) != 0)
    rc = erplink__error_setf(ERPLINK_EAUTH, "malformed access token: the signature is not base64url");
  if (rc == 0) rc = verify_signature(key, want, token, (size_t)(d2 - token), sig, sig_len);
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
