/* JSON Web Key Sets: which keys are kept (RS256 from n/e, ES256 from P-256 x/y, built and
 * checked by the core's erplink_pkey_*), which are skipped (meant for something else) and
 * which refuse the whole set (corrupt or tampered with). See esi_jwks_new_from_json(). */
#include <stdio.h>

#include "esi_internal.h"

struct esi_jwks {
  atomic_int refs;
  esi__jwk *keys;
  size_t n;
};

/* A member that must be a string when present: 1 (a string in *out), 0 (absent or null), or
 * -1 (another JSON type). */
static int opt_string(const char **out, const erplink_value *obj, const char *key) {
  const erplink_value *v = erplink_value_struct_get(obj, key);
  *out = NULL;
  if (!v || erplink_value_type(v) == ERPLINK_TYPE_NIL) return 0;
  return erplink_value_get_string(out, NULL, v) == 0 ? 1 : -1;
}

static int b64_member(unsigned char **out, size_t *len, const erplink_value *k, const char *name, const char *kid) {
  const char *s = esi__str_member(k, name);
  if (!s || !*s) return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': member '%s' missing", kid, name);
  if (esi__b64u_decode(out, len, s, strlen(s)) != 0)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': member '%s' is not base64url", kid, name);
  return 0;
}

/* Families of JWA algorithm names, to tell "meant for another algorithm of this key type"
 * (skipped) from "an algorithm no key of this type can have" (refused). */
static bool alg_family(const char *alg, const char *const *prefixes) {
  for (; *prefixes; prefixes++)
    if (strncmp(alg, *prefixes, strlen(*prefixes)) == 0) return true;
  return false;
}

/* Builds the key from its base64url members through the core; a key the core refuses (an
 * unsafe RSA key, a point off the curve) refuses the whole set. */
static int build_key(erplink_pkey **pkey, const erplink_value *e, bool rsa, const char *kid) {
  unsigned char *a = NULL, *b = NULL;
  size_t al = 0, bl = 0;
  int rc;
  if ((rc = b64_member(&a, &al, e, rsa ? "n" : "x", kid)) == 0 &&
      (rc = b64_member(&b, &bl, e, rsa ? "e" : "y", kid)) == 0) {
    rc = rsa ? erplink_pkey_new_rsa(pkey, a, al, b, bl) : erplink_pkey_new_ec_p256(pkey, a, al, b, bl);
    if (rc == ERPLINK_EINVAL) {
      char msg[300];
      snprintf(msg, sizeof msg, "%s", erplink_error_message(erplink_error_last()));
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': %s", kid, msg);
    }
  }
  free(a);
  free(b);
  return rc;
}

/* One key of the set. Returns 0 with *pkey set (usable), 1 with why[] filled (skipped: not
 * meant for RS256/ES256 signature verification), or an error (the whole set is refused). */
static int parse_key(erplink_pkey **pkey, erplink_sig_alg *sig, const erplink_value *e, size_t index, char *why,
                     size_t why_cap) {
  static const char *const rsa_algs[] = {"RS", "PS", "RSA", NULL};
  static const char *const ec_algs[] = {"ES", "ECDH", NULL};
  const char *kty, *kid, *alg, *use, *crv;
  char kidp[80], idx[32];
  *pkey = NULL;
  snprintf(idx, sizeof idx, "#%zu", index);
  if (erplink_value_type(e) != ERPLINK_TYPE_STRUCT)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key %s is not a JSON object", idx);
  int tk = opt_string(&kty, e, "kty"), ti = opt_string(&kid, e, "kid"), ta = opt_string(&alg, e, "alg"),
      tu = opt_string(&use, e, "use"), tc = opt_string(&crv, e, "crv");
  esi__printable(kidp, ti == 1 ? kid : idx, strlen(ti == 1 ? kid : idx), 64);
  if (tk < 0 || ti < 0 || ta < 0 || tu < 0 || tc < 0)
    return erplink__error_setf(ERPLINK_EPROTOCOL,
                               "JWKS key '%s': 'kty', 'kid', 'alg', 'use' and 'crv' must be "
                               "strings",
                               kidp);
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
    return erplink__error_setf(ERPLINK_EPROTOCOL,
                               "JWKS key '%s': an %s key with 'alg' %s (refused: algorithm "
                               "confusion)",
                               kidp, kty, esi__printable(tmp, alg, strlen(alg), 16));
  if (ec && !crv) return erplink__error_setf(ERPLINK_EPROTOCOL, "JWKS key '%s': an EC key without 'crv'", kidp);
  if (use && strcmp(use, "sig") != 0) return SKIP("'%s': use %s", kidp, esi__printable(tmp, use, strlen(use), 16));
  if (!verify_op) return SKIP("'%s': key_ops without verify", kidp);
  if (ec && strcmp(crv, "P-256") != 0)
    return SKIP("'%s': curve %s is not used", kidp, esi__printable(tmp, crv, strlen(crv), 16));
  if (alg && strcmp(alg, rsa ? "RS256" : "ES256") != 0)
    return SKIP("'%s': algorithm %s is not used", kidp, esi__printable(tmp, alg, strlen(alg), 16));
  if (!kid || !*kid) return SKIP("key %s: no kid (tokens select keys by kid)", idx);
#undef SKIP
  *sig = rsa ? ERPLINK_SIG_RS256 : ERPLINK_SIG_ES256;
  return build_key(pkey, e, rsa, kidp);
}

static void jwks_destroy(esi_jwks *k) {
  for (size_t i = 0; i < k->n; i++) {
    free(k->keys[i].kid);
    free(k->keys[i].alg);
    erplink_pkey_free(k->keys[i].pkey);
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

const esi__jwk *esi__jwks_find(const esi_jwks *k, const char *kid) {
  for (size_t i = 0; k && i < k->n; i++)
    if (strcmp(k->keys[i].kid, kid) == 0) return &k->keys[i];
  return NULL;
}

/* Appends the kept key of entry e (whose kid must be new) to k; takes pkey. */
static int keep_key(esi_jwks *k, const erplink_value *e, erplink_pkey *pkey, erplink_sig_alg sig) {
  const char *kid = esi__str_member(e, "kid"), *alg = esi__str_member(e, "alg");
  if (esi__jwks_find(k, kid)) {
    char kidp[80];
    erplink_pkey_free(pkey);
    return erplink__error_setf(ERPLINK_EPROTOCOL,
                               "JWKS: two keys have the kid '%s' (refused: a token could not "
                               "tell them apart)",
                               esi__printable(kidp, kid, strlen(kid), 64));
  }
  esi__jwk *j = &k->keys[k->n++];
  j->kid = strdup(kid);
  j->alg = alg ? strdup(alg) : NULL;
  j->sig = sig;
  j->pkey = pkey;
  return !j->kid || (alg && !j->alg) ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory") : 0;
}

int esi__jwks_parse(esi_jwks **out, const char *json, size_t len, const erplink__logger *lg) {
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
    erplink_pkey *pkey = NULL;
    erplink_sig_alg sig = ERPLINK_SIG_RS256;
    char why[160];
    rc = parse_key(&pkey, &sig, e, i, why, sizeof why);
    if (rc == 1) {
      rc = 0;
      if (nskipped++ < 8) erplink_buf_printf(&skipped, "%s%s", skipped.len ? "; " : "", why);
    } else if (rc == 0) {
      rc = keep_key(k, e, pkey, sig);
    }
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
