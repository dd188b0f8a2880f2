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
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "erplink/crypto.h"
#include "erplink/json.h"
#include "esi_internal.h"
#include "http_internal.h"

#define JWT_MAX_LEN (16 * 1024)
#define MIN_RSA_BITS 2048
#define MAX_RSA_BITS 16384 /* OpenSSL's own ceiling; larger moduli only cost verification time */

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

/* Builds an RS256 verification key from n and e, refusing any key no honest issuer
 * publishes: with e = 1 "verification" of a PKCS#1 v1.5 signature s is the identity, so a
 * token "signed" without any private key would verify. Refused: e < 3, e even, e >= n, n even,
 * n outside 2048..16384 bits, and whatever OpenSSL's own public-key check refuses (n with
 * small factors, n prime or a prime power: SP 800-56B 6.4.2.2). */
static int rsa_from_ne(EVP_PKEY **out, const unsigned char *n, size_t nlen, const unsigned char *e, size_t elen,
                       const char *kid) {
  int rc = 0;
  BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL), *be = BN_bin2bn(e, (int)elen, NULL);
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = NULL, *chk = NULL;
  *out = NULL;
  if (!bn || !be || !bld) {
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    goto done;
  }
  if (BN_num_bits(bn) < MIN_RSA_BITS || BN_num_bits(bn) > MAX_RSA_BITS) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': RSA modulus of %d bits (%d to %d required)", kid,
                             BN_num_bits(bn), MIN_RSA_BITS, MAX_RSA_BITS);
    goto done;
  }
  if (!BN_is_odd(bn)) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': the RSA modulus is even (not an RSA key)", kid);
    goto done;
  }
  if (BN_is_word(be, 0) || BN_is_word(be, 1) || BN_is_word(be, 2) || !BN_is_odd(be) || BN_cmp(be, bn) >= 0) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': invalid RSA public exponent (an odd e with "
                             "3 <= e < n is required)", kid);
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
    goto done;
  }
  chk = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
  if (!chk || EVP_PKEY_public_check(chk) <= 0) {
    EVP_PKEY_free(*out);
    *out = NULL;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': OpenSSL's RSA public-key check refuses it (a "
                             "modulus with small factors, or prime)", kid);
  }
done:
  ERR_clear_error();
  EVP_PKEY_CTX_free(chk);
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
  ERR_clear_error();
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

/* A member that must be a string when present: 1 (a string in *out), 0 (absent or null), or
 * -1 (another JSON type). */
static int opt_string(const char **out, const erplink_value *obj, const char *key) {
  const erplink_value *v = erplink_value_struct_get(obj, key);
  *out = NULL;
  if (!v || erplink_value_type(v) == ERPLINK_TYPE_NIL) return 0;
  return erplink_value_get_string(out, NULL, v) == 0 ? 1 : -1;
}

/* Families of JWA algorithm names, to tell "meant for another algorithm of this key type"
 * (skipped) from "an algorithm no key of this type can have" (refused). */
static bool alg_family(const char *alg, const char *const *prefixes) {
  for (; *prefixes; prefixes++)
    if (strncmp(alg, *prefixes, strlen(*prefixes)) == 0) return true;
  return false;
}

/* One key of the set. Returns 0 with *pkey set (usable), 1 with why[] filled (skipped: not
 * meant for RS256/ES256 signature verification), or an error (the whole set is refused). */
static int parse_key(EVP_PKEY **pkey, int *type, const erplink_value *e, size_t index, char *why, size_t why_cap) {
  static const char *const rsa_algs[] = {"RS", "PS", "RSA", NULL};
  static const char *const ec_algs[] = {"ES", "ECDH", NULL};
  const char *kty, *kid, *alg, *use, *crv;
  char kidp[80], idx[32];
  *pkey = NULL;
  *type = 0;
  snprintf(idx, sizeof idx, "#%zu", index);
  if (erplink_value_type(e) != ERPLINK_TYPE_STRUCT)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key %s is not a JSON object", idx);
  int tk = opt_string(&kty, e, "kty"), ti = opt_string(&kid, e, "kid"), ta = opt_string(&alg, e, "alg"),
      tu = opt_string(&use, e, "use"), tc = opt_string(&crv, e, "crv");
  esi__printable(kidp, ti == 1 ? kid : idx, strlen(ti == 1 ? kid : idx), 64);
  if (tk < 0 || ti < 0 || ta < 0 || tu < 0 || tc < 0)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': 'kty', 'kid', 'alg', 'use' and 'crv' must be "
                               "strings", kidp);
  if (!kty) return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': no 'kty'", kidp);
  const erplink_value *ops = erplink_value_struct_get(e, "key_ops");
  bool verify_op = true;
  if (ops && erplink_value_type(ops) != ERPLINK_TYPE_NIL) {
    if (erplink_value_type(ops) != ERPLINK_TYPE_ARRAY)
      return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': 'key_ops' is not an array", kidp);
    verify_op = false;
    for (size_t i = 0; i < erplink_value_count(ops); i++) {
      const char *op = NULL;
      if (erplink_value_get_string(&op, NULL, erplink_value_array_at(ops, i)) != 0)
        return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': 'key_ops' holds a non-string", kidp);
      if (strcmp(op, "verify") == 0) verify_op = true;
    }
  }
  bool rsa = strcmp(kty, "RSA") == 0, ec = strcmp(kty, "EC") == 0;
  char tmp[40];
#define SKIP(...) (snprintf(why, why_cap, __VA_ARGS__), 1)
  if (!rsa && !ec) return SKIP("'%s': key type %s is not used", kidp, esi__printable(tmp, kty, strlen(kty), 16));
  if (alg && (erplink__ascii_ieq(alg, strlen(alg), "none") || strncmp(alg, "HS", 2) == 0 ||
              alg_family(alg, rsa ? ec_algs : rsa_algs)))
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': an %s key with 'alg' %s (refused: algorithm "
                               "confusion)", kidp, kty, esi__printable(tmp, alg, strlen(alg), 16));
  if (ec && !crv) return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': an EC key without 'crv'", kidp);
  if (use && strcmp(use, "sig") != 0) return SKIP("'%s': use %s", kidp, esi__printable(tmp, use, strlen(use), 16));
  if (!verify_op) return SKIP("'%s': key_ops without verify", kidp);
  if (ec && strcmp(crv, "P-256") != 0) return SKIP("'%s': curve %s is not used", kidp, esi__printable(tmp, crv, strlen(crv), 16));
  if (alg && strcmp(alg, rsa ? "RS256" : "ES256") != 0)
    return SKIP("'%s': algorithm %s is not used", kidp, esi__printable(tmp, alg, strlen(alg), 16));
  if (!kid || !*kid) return SKIP("key %s: no kid (tokens select keys by kid)", idx);
#undef SKIP
  unsigned char *a = NULL, *b = NULL;
  size_t al = 0, bl = 0;
  int rc;
  if ((rc = b64_member(&a, &al, e, rsa ? "n" : "x", kidp)) == 0 && (rc = b64_member(&b, &bl, e, rsa ? "e" : "y", kidp)) == 0)
    rc = rsa ? rsa_from_ne(pkey, a, al, b, bl, kidp) : ec_from_xy(pkey, a, al, b, bl, kidp);
  free(a);
  free(b);
  *type = rsa ? KEY_RSA : KEY_EC;
  return rc;
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

int esi__jwks_parse(esi_jwks **out, const char *json, size_t len, const struct erplink__logger *lg) {
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
  erplink_buf skipped = ERPLINK_BUF_INIT; /* "; "-separated reasons, for the log and the error */
  size_t nskipped = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const erplink_value *e = erplink_value_array_at(keys, i);
    EVP_PKEY *pkey = NULL;
    int type = 0;
    char why[160];
    rc = parse_key(&pkey, &type, e, i, why, sizeof why);
    if (rc == 1) {
      rc = 0;
      if (nskipped++ < 8) erplink_buf_printf(&skipped, "%s%s", skipped.len ? "; " : "", why);
      continue;
    }
    if (rc != 0) break;
    const char *kid = str_member(e, "kid"), *alg = str_member(e, "alg");
    for (size_t j = 0; j < k->n && rc == 0; j++)
      if (strcmp(k->keys[j].kid, kid) == 0) {
        char kidp[80];
        rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS: two keys have the kid '%s' (refused: a token could not "
                                 "tell them apart)", esi__printable(kidp, kid, strlen(kid), 64));
      }
    if (rc != 0) {
      EVP_PKEY_free(pkey);
      break;
    }
    jwk *j = &k->keys[k->n];
    j->kid = strdup(kid);
    j->alg = alg ? strdup(alg) : NULL;
    j->type = type;
    j->pkey = pkey;
    k->n++;
    if (!j->kid || (alg && !j->alg)) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  erplink_value_free(doc);
  if (rc == 0 && skipped.oom) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0 && k->n == 0)
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS holds no usable RS256 or ES256 key%s%s%s",
                             nskipped ? " (skipped: " : "", nskipped ? skipped.ptr : "", nskipped ? ")" : "");
  else if (rc == 0 && nskipped && erplink__log_on(lg, ERPLINK_LOG_INFO))
    erplink__logf(lg, ERPLINK_LOG_INFO, "JWKS: %zu usable key%s; skipped %zu that erplink does not use: %s%s", k->n,
                  k->n == 1 ? "" : "s", nskipped, skipped.ptr, nskipped > 8 ? "; ..." : "");
  erplink_buf_free(&skipped);
  if (rc != 0) {
    jwks_destroy(k);
    return rc;
  }
  *out = k;
  return 0;
}

int esi_jwks_new_from_json(esi_jwks **out, const char *json, size_t len) {
  return esi__jwks_parse(out, json, len, NULL);
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
  int64_t exp = 0, nbf = 0, iat = 0;
  int has_exp = numeric_date(&exp, p, "exp"), has_nbf = numeric_date(&nbf, p, "nbf"), has_iat = numeric_date(&iat, p, "iat");
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
    return REJECT_AUTH("issued %lld s in the future (iat %lld, leeway %lld s): the issuer's clock or the token is wrong",
                       (long long)(iat - now), (long long)iat, (long long)leeway);
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
  if (now_unix_s < 0 || now_unix_s > 1000000000000000LL)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_jwt_verify: now %lld outside 0..10^15", (long long)now_unix_s);
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
