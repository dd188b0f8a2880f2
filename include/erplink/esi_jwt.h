/**
 * @file erplink/esi_jwt.h
 * @brief EVE Online: local verification of EVE SSO access tokens (JWT) against a JSON Web Key
 *        Set, and the verified claims. Part of erplink/esi.h.
 *
 * Tokens are verified locally, never through the deprecated `oauth/verify` endpoint. The
 * checks, in this order, and the error each failure returns (the message names the failing
 * check and never contains the token):
 * | check | error |
 * |---|---|
 * | the token has three base64url parts with JSON header and payload, at most 16 KiB | ::ERPLINK_EAUTH ("malformed access token: …") |
 * | header `alg` is RS256 or ES256 (`none`, HS256 and any other are refused) | ::ERPLINK_ESIGNATURE |
 * | the header has no `crit` member (no critical extension is supported) | ::ERPLINK_ESIGNATURE |
 * | header `kid` names a key of the JWKS (after one refresh of the JWKS, see esi_sso_verify()) | ::ERPLINK_ESIGNATURE |
 * | the key's type matches `alg` (RSA for RS256, EC P-256 for ES256) and its own `alg`, if any, too | ::ERPLINK_ESIGNATURE |
 * | the signature verifies (ES256: raw 64-byte r‖s) | ::ERPLINK_ESIGNATURE |
 * | `iss` is `login.eveonline.com` or `https://login.eveonline.com`, with or without a trailing `/` | ::ERPLINK_EAUTH |
 * | `aud` (string or array) contains both the client id and `"EVE Online"` | ::ERPLINK_EAUTH |
 * | `exp` is present and `now <= exp + leeway` | ::ERPLINK_EAUTH |
 * | `nbf`, if present, is `<= now + leeway` (RFC 7519 §4.1.5: "not valid yet") | ::ERPLINK_EAUTH |
 * | `iat`, if present, is `<= now + leeway` (a token issued in the future means a wrong clock or a forged token; PyJWT refuses it too) | ::ERPLINK_EAUTH |
 * | `sub` is `CHARACTER:EVE:<id>`; `name` and `owner` are strings; `scp` is absent, a string or an array of strings | ::ERPLINK_EAUTH |
 *
 * Rule of thumb: ::ERPLINK_ESIGNATURE means "this token was not signed by a key we trust with
 * an algorithm we accept" (forged, tampered, algorithm confusion, unknown key);
 * ::ERPLINK_EAUTH means "authentic or not, this token is not acceptable here" (malformed,
 * expired, not yet valid, issued to another application or by another issuer). `exp`, `nbf`
 * and `iat` are NumericDates: integers or fractions (truncated) from 0 to 10^15, anything
 * else is refused with ::ERPLINK_EAUTH. Keys are built from the JWKS `n`/`e` (RSA, 2048 to
 * 16384 bits) and `x`/`y` (EC P-256) members only, through erplink_pkey_new_rsa() and
 * erplink_pkey_new_ec_p256() (erplink/crypto.h); symmetric (`oct`) keys in a JWKS are
 * skipped, so a token can never select HMAC. See esi_jwks_new_from_json() for which keys are
 * skipped and which refuse the whole set.
 *
 * @par Thread safety
 * Key sets and claims are immutable once built: they may be read and used from several
 * threads at once. Every function is thread-safe; a `_free` must not race with other uses of
 * the same object.
 */
#ifndef ERPLINK_ESI_JWT_H
#define ERPLINK_ESI_JWT_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief A parsed JSON Web Key Set (opaque, immutable once built, safe to share between threads). */
typedef struct esi_jwks esi_jwks;

/** @brief The verified claims of an access token (opaque, immutable, safe to read from several threads). */
typedef struct esi_token_claims esi_token_claims;

/**
 * @brief Parses a JWKS document (`{"keys": [...]}`) into verification keys.
 *
 * Kept, with their `kid` and optional `alg`: RS256 keys (`kty` "RSA", members `n`, `e`) and
 * ES256 keys (`kty` "EC", `crv` "P-256", members `x`, `y`), whose `use` (if any) is "sig" and
 * whose `key_ops` (if any) include "verify".
 *
 * Where the line is drawn — one key the library cannot use must not stop every login, but
 * a key no honest issuer publishes means the document is corrupt or tampered with:
 * - **Skipped** (the set stays usable; esi_sso logs one INFO line per fetched set naming the
 *   skipped kids and why, never key material): keys meant for something else — `use` other
 *   than "sig" (e.g. "enc"), `key_ops` without "verify", a key type erplink does not use
 *   (`oct`, `OKP`, unknown), an EC curve other than P-256, another algorithm of the key's
 *   own family (RS512, PS256, RSA-OAEP, ES384, …), and keys without a `kid`.
 * - **Refused** (the whole set fails with ::ERPLINK_EPROTOCOL, even next to good keys): a
 *   key entry that is not an object; `kty`, `kid`, `alg`, `use` or `crv` that is not a
 *   string, `key_ops` that is not an array of strings; no `kty`; an `alg` that contradicts
 *   the key type (`none`, HS…, ES… on an RSA key, RS… or PS… on an EC key: algorithm
 *   confusion); an EC key without `crv`; and, for a key that would be kept, missing or
 *   non-base64url members, an EC point of the wrong size or off the curve, and an unsafe RSA
 *   key: modulus outside 2048 … 16384 bits or even, public exponent `e < 3`, even or
 *   `>= n` (with `e = 1` a PKCS#1 signature verifies as itself, so a token could be forged
 *   without any private key), or refused by OpenSSL's own public-key check (a modulus with
 *   small factors, a prime modulus); two kept keys with the same `kid`.
 * - A set in which nothing is kept fails with ::ERPLINK_EPROTOCOL ("no usable RS256 or ES256
 *   key (skipped: …)").
 * @param out  receives the key set; free it with esi_jwks_free().
 * @param json the document (need not be NUL-terminated).
 * @param len  its length in bytes.
 * @return 0; ::ERPLINK_EINVAL (NULL arguments); ::ERPLINK_EPROTOCOL (not JSON, no `keys`
 *         array, a refused key as above, or no usable key at all); ::ERPLINK_ENOMEM.
 *         Thread-safe.
 */
ERPLINK_EXTERN int esi_jwks_new_from_json(esi_jwks **out, const char *json, size_t len);

/**
 * @brief Frees a key set (NULL is a no-op).
 * @param k the key set. Not thread-safe: no other thread may be using @p k.
 */
ERPLINK_EXTERN void esi_jwks_free(esi_jwks *k);

/**
 * @brief Number of usable keys in a key set.
 * @param k the key set.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t esi_jwks_count(const esi_jwks *k);

/**
 * @brief Verifies an EVE SSO access token against a key set (no network), performing every
 *        check of the table in the file documentation.
 * @param out       receives the claims; free them with esi_token_claims_free(). NULL on failure.
 * @param jwks      the key set.
 * @param token     the access token (a JWT; not copied, not logged).
 * @param client_id the application's client id, which `aud` must contain (with "EVE Online").
 * @param now_unix_s the current time in seconds since 1970 (UTC), 0 .. 10^15.
 * @param leeway_s  tolerated clock skew for `exp`, `nbf` and `iat`, 0 .. 3600 seconds.
 * @return 0; ::ERPLINK_EINVAL (NULL arguments, empty client id, leeway or time out of range);
 *         ::ERPLINK_EAUTH or ::ERPLINK_ESIGNATURE as in the table; ::ERPLINK_ENOMEM;
 *         ::ERPLINK_ESERVER (an OpenSSL failure that is not the token's fault). Thread-safe.
 */
ERPLINK_EXTERN int esi_jwt_verify(esi_token_claims **out, const esi_jwks *jwks, const char *token,
                                  const char *client_id, int64_t now_unix_s, int64_t leeway_s);

/**
 * @brief Frees claims (NULL is a no-op).
 * @param c the claims. Not thread-safe: no other thread may be reading @p c.
 */
ERPLINK_EXTERN void esi_token_claims_free(esi_token_claims *c);

/**
 * @brief The character id from `sub` (`CHARACTER:EVE:<id>`).
 * @param c the claims.
 * @return the id, 0 for NULL. Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_token_claims_character_id(const esi_token_claims *c);

/**
 * @brief The character name (`name`).
 * @param c the claims.
 * @return a string owned by @p c ("" for NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *esi_token_claims_name(const esi_token_claims *c);

/**
 * @brief The owner hash (`owner`): it changes when the character changes hands, so key your
 *        users on (character id, owner hash).
 * @param c the claims.
 * @return a string owned by @p c ("" for NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *esi_token_claims_owner(const esi_token_claims *c);

/**
 * @brief The expiry (`exp`) in seconds since 1970.
 * @param c the claims.
 * @return the time, 0 for NULL. Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_token_claims_expires_at(const esi_token_claims *c);

/**
 * @brief The authorized party (`azp`, the client id).
 * @param c the claims.
 * @return a string owned by @p c, "" when absent or for NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *esi_token_claims_client_id(const esi_token_claims *c);

/**
 * @brief Number of granted scopes (`scp` as a string counts as one).
 * @param c the claims.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t esi_token_claims_scope_count(const esi_token_claims *c);

/**
 * @brief The @p i-th granted scope.
 * @param c the claims.
 * @param i 0 .. esi_token_claims_scope_count() - 1.
 * @return a string owned by @p c, or NULL when @p i is out of range. Thread-safe.
 */
ERPLINK_EXTERN const char *esi_token_claims_scope_at(const esi_token_claims *c, size_t i);

/**
 * @brief Tells whether a scope was granted (a pure predicate: it cannot fail).
 * @param c     the claims.
 * @param scope e.g. "esi-assets.read_assets.v1".
 * @return 1 or 0 (0 for NULL arguments). Thread-safe.
 */
ERPLINK_EXTERN int esi_token_claims_has_scope(const esi_token_claims *c, const char *scope);

ERPLINK_END_DECLS

#endif /* ERPLINK_ESI_JWT_H */
