/**
 * @file erplink/esi.h
 * @brief EVE Online: EVE SSO (OAuth 2.0 with PKCE or a client secret), local verification of
 *        the SSO's JWT access tokens against its JWKS, and the ESI client.
 *
 * @par Access-token verification (JWT)
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
 * 16384 bits) and `x`/`y` (EC P-256) members only; symmetric (`oct`) keys in a JWKS are
 * skipped, so a token can never select HMAC. See esi_jwks_new_from_json() for which keys are
 * skipped and which refuse the whole set.
 *
 * @par EVE SSO
 * A confidential ("web") application has a client secret: the token and revoke endpoints get
 * `Authorization: Basic`. A native application has none and uses PKCE (S256). The endpoints
 * come from the metadata document (RFC 8414), fetched once and cached. Secrets (client secret,
 * authorization code, PKCE verifier, access and refresh tokens) are sent only in credential
 * headers or wiped form bodies and never appear in logs or error messages.
 *
 * @par ESI client
 * ::esi_client sends every request with `X-Compatibility-Date` (default
 * ::ESI_DEFAULT_COMPATIBILITY_DATE), `X-Tenant` and a User-Agent that must carry contact
 * details. It never requests a cached page before its `Expires`/`max-age`, then revalidates
 * it with `If-None-Match` (ETags are per page); every response tells whether it came from the
 * cache, from a 304 or from a full answer (::esi_cache_status). Paginated routes are fetched
 * concurrently and checked for a consistent `Last-Modified`. The error limit is tracked from
 * `X-ESI-Error-Limit-*`: at the floor, and after a 420, the whole client pauses until the
 * window resets. Rate-limit groups (`X-Ratelimit-*`) slow a route down near exhaustion and a
 * 429 waits for `Retry-After`. Only 502/503/504, network failures and 429 are retried.
 */
#ifndef ERPLINK_ESI_H
#define ERPLINK_ESI_H

#include "common.h"
#include "http.h"
#include "store.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/* ================================================================== JWT */

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

/** @brief Frees a key set (NULL is a no-op). @param k the key set. */
ERPLINK_EXTERN void esi_jwks_free(esi_jwks *k);

/** @brief Number of usable keys in a key set. @param k the key set. @return the count (0 for NULL). */
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

/** @brief Frees claims (NULL is a no-op). @param c the claims. */
ERPLINK_EXTERN void esi_token_claims_free(esi_token_claims *c);

/** @brief The character id from `sub` (`CHARACTER:EVE:<id>`). @param c the claims. @return the id, 0 for NULL. */
ERPLINK_EXTERN int64_t esi_token_claims_character_id(const esi_token_claims *c);

/** @brief The character name (`name`). @param c the claims. @return a string owned by @p c ("" for NULL). */
ERPLINK_EXTERN const char *esi_token_claims_name(const esi_token_claims *c);

/**
 * @brief The owner hash (`owner`): it changes when the character changes hands, so key your
 *        users on (character id, owner hash).
 * @param c the claims.
 * @return a string owned by @p c ("" for NULL).
 */
ERPLINK_EXTERN const char *esi_token_claims_owner(const esi_token_claims *c);

/** @brief The expiry (`exp`) in seconds since 1970. @param c the claims. @return the time, 0 for NULL. */
ERPLINK_EXTERN int64_t esi_token_claims_expires_at(const esi_token_claims *c);

/** @brief The authorized party (`azp`, the client id) or "" when absent. @param c the claims. @return a string owned by @p c. */
ERPLINK_EXTERN const char *esi_token_claims_client_id(const esi_token_claims *c);

/** @brief Number of granted scopes (`scp` as a string counts as one). @param c the claims. @return the count. */
ERPLINK_EXTERN size_t esi_token_claims_scope_count(const esi_token_claims *c);

/**
 * @brief The @p i-th granted scope.
 * @param c the claims.
 * @param i 0 .. count-1.
 * @return a string owned by @p c, or NULL when @p i is out of range.
 */
ERPLINK_EXTERN const char *esi_token_claims_scope(const esi_token_claims *c, size_t i);

/**
 * @brief Tells whether a scope was granted.
 * @param c     the claims.
 * @param scope e.g. "esi-assets.read_assets.v1".
 * @return 1 or 0.
 */
ERPLINK_EXTERN int esi_token_claims_has_scope(const esi_token_claims *c, const char *scope);

/* ================================================================== SSO */

/** @brief Configuration of an SSO client (opaque). Not thread-safe to modify. */
typedef struct esi_sso_options esi_sso_options;
/** @brief An EVE SSO client (opaque). Thread-safe. */
typedef struct esi_sso esi_sso;
/** @brief One login attempt: authorization URL, `state`, PKCE verifier (opaque, immutable). */
typedef struct esi_sso_login esi_sso_login;
/** @brief Tokens returned by the token endpoint (opaque, immutable; secrets wiped when freed). */
typedef struct esi_sso_tokens esi_sso_tokens;

/** @brief The default metadata document URL of EVE SSO. */
#define ESI_SSO_DEFAULT_METADATA_URL "https://login.eveonline.com/.well-known/oauth-authorization-server"

/**
 * @brief Creates SSO options with the defaults: no client id (required), no secret (native
 *        PKCE application), no redirect URI (required), metadata URL
 *        ::ESI_SSO_DEFAULT_METADATA_URL, no User-Agent (required), timeout 30 s, `exp`
 *        leeway 60 s, JWKS re-fetch on an unknown `kid` at most every 60 s.
 * @param out receives the options; free them with esi_sso_options_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_options_new(esi_sso_options **out);

/** @brief Frees options; the client secret is wiped (NULL is a no-op). @param o the options. */
ERPLINK_EXTERN void esi_sso_options_free(esi_sso_options *o);

/**
 * @brief Sets the application's client id (from developers.eveonline.com).
 * @param o  the options.
 * @param id the client id (copied), non-empty, printable ASCII.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_sso_options_set_client_id(esi_sso_options *o, const char *id);

/**
 * @brief Sets the client secret, which makes the client a confidential ("web") application
 *        authenticating with HTTP Basic; without one it is a native application using PKCE.
 * @param o      the options.
 * @param secret the secret (copied, wiped when freed), or NULL to remove it.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_sso_options_set_client_secret(esi_sso_options *o, const char *secret);

/**
 * @brief Sets the redirect (callback) URI, exactly as registered with the application.
 * @param o   the options.
 * @param uri the URI (copied), non-empty, no control characters.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_sso_options_set_redirect_uri(esi_sso_options *o, const char *uri);

/**
 * @brief Sets the metadata (RFC 8414) URL; the other endpoints are read from it.
 * @param o   the options.
 * @param url an http(s) URL (copied), or NULL for ::ESI_SSO_DEFAULT_METADATA_URL.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_sso_options_set_metadata_url(esi_sso_options *o, const char *url);

/**
 * @brief Sets the User-Agent, which should name the application and a contact, e.g.
 *        `"MyApp/1.0 (me@example.com; +https://github.com/me/myapp)"`. Required.
 * @param o  the options.
 * @param ua the user agent (copied), non-empty, no control characters.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_sso_options_set_user_agent(esi_sso_options *o, const char *ua);

/**
 * @brief Sets the total timeout of one SSO request.
 * @param o  the options.
 * @param ms 1 .. 600000 milliseconds.
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_sso_options_set_timeout_ms(esi_sso_options *o, int64_t ms);

/**
 * @brief Sets the clock-skew leeway applied to `exp`, `nbf` and `iat` when verifying access tokens.
 * @param o the options.
 * @param s 0 .. 3600 seconds (default 60).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_sso_options_set_leeway_s(esi_sso_options *o, int64_t s);

/**
 * @brief Sets the minimum interval between two JWKS re-fetches caused by tokens with an
 *        unknown `kid` (protects the SSO from a flood of forged tokens).
 * @param o the options.
 * @param s 0 (re-fetch for every unknown kid; for tests) .. 86400 seconds (default 60).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_sso_options_set_jwks_refresh_interval_s(esi_sso_options *o, int64_t s);

/**
 * @brief Installs a log callback for the SSO client's requests (see erplink/log.h). The
 *        Authorization header and the form fields `code`, `code_verifier`, `refresh_token`,
 *        `token` and `client_secret` are redacted before any line is formed.
 * @param o         the options.
 * @param fn        the callback (thread-safe) or NULL.
 * @param userdata  passed to it.
 * @param max_level the most verbose level delivered.
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_sso_options_set_log(esi_sso_options *o, erplink_log_fn fn, void *userdata, int max_level);

/**
 * @brief Creates an SSO client. Nothing is fetched yet: the metadata document is fetched
 *        on first need and cached for the client's lifetime.
 * @param out receives the client; free it with esi_sso_free().
 * @param o   the options (copied).
 * @return 0; ::ERPLINK_EINVAL (NULL arguments; the message names what is missing: client id,
 *         redirect URI or User-Agent); ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_new(esi_sso **out, const esi_sso_options *o);

/** @brief Frees an SSO client (NULL is a no-op); no other thread may be using it. @param s the client. */
ERPLINK_EXTERN void esi_sso_free(esi_sso *s);

/**
 * @brief Whether the client is a confidential application (has a client secret).
 * @param s the client.
 * @return 1 (web application, Basic auth) or 0 (native application, PKCE).
 */
ERPLINK_EXTERN int esi_sso_is_confidential(const esi_sso *s);

/**
 * @brief Fetches the metadata document now if it is not cached yet (otherwise a no-op).
 * @param s the client.
 * @return 0; a transport or HTTP error of erplink_http_client_send(); ::ERPLINK_EPROTOCOL
 *         (not JSON, or an endpoint is missing: the message names it). Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_discover(esi_sso *s);

/**
 * @brief One endpoint from the metadata document (fetched if needed).
 * @param out  receives a string owned by @p s, valid until esi_sso_free().
 * @param s    the client.
 * @param name "issuer", "authorization_endpoint", "token_endpoint", "revocation_endpoint" or "jwks_uri".
 * @return 0, ::ERPLINK_EINVAL (unknown name) or an error of esi_sso_discover(). Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_endpoint(const char **out, esi_sso *s, const char *name);

/**
 * @brief Starts a login: builds the authorization URL to send the user's browser to, with a
 *        fresh `state` (32 random bytes, base64url) and, for a native application, a PKCE
 *        verifier (32 random bytes, base64url without padding) and its S256 challenge.
 * @param out      receives the login; free it with esi_sso_login_free().
 * @param s        the client.
 * @param scopes   the scopes to request (may be NULL when @p n_scopes is 0); each a
 *                 non-empty token without spaces.
 * @param n_scopes their number.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER (no random bytes), an error of
 *         esi_sso_discover(), ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_login_new(esi_sso_login **out, esi_sso *s, const char *const *scopes,
                                     size_t n_scopes);

/** @brief Frees a login; its verifier is wiped (NULL is a no-op). @param l the login. */
ERPLINK_EXTERN void esi_sso_login_free(esi_sso_login *l);

/** @brief The authorization URL. @param l the login. @return a string owned by @p l. */
ERPLINK_EXTERN const char *esi_sso_login_url(const esi_sso_login *l);

/** @brief The `state` value sent (not secret). @param l the login. @return a string owned by @p l. */
ERPLINK_EXTERN const char *esi_sso_login_state(const esi_sso_login *l);

/**
 * @brief Exchanges the authorization code received on the callback for tokens.
 *
 * Checks first that @p returned_state equals the login's state (constant-time). Then POSTs a
 * form-encoded `grant_type=authorization_code` request: with Basic auth for a web
 * application, with `client_id` and `code_verifier` for a native one.
 * @param out            receives the tokens; free them with esi_sso_tokens_free().
 * @param s              the client.
 * @param login          the login that produced the URL.
 * @param code           the `code` query parameter of the callback (secret; not logged).
 * @param returned_state the `state` query parameter of the callback.
 * @return 0; ::ERPLINK_EINVAL; ::ERPLINK_EAUTH (state mismatch; the SSO refused the code —
 *         `invalid_grant`: the message carries the server's `error` and `error_description`
 *         and what usually causes it; `invalid_client`: wrong client id or secret);
 *         ::ERPLINK_EPROTOCOL (the answer lacks a token); transport errors. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_exchange_code(esi_sso_tokens **out, esi_sso *s, const esi_sso_login *login,
                                         const char *code, const char *returned_state);

/**
 * @brief Refreshes an access token. The answer may carry a new refresh token: always store
 *        esi_sso_tokens_refresh_token() of the result (it is the old one when the SSO sent none).
 * @param out           receives the tokens; free them with esi_sso_tokens_free().
 * @param s             the client.
 * @param refresh_token the refresh token (secret; not logged).
 * @param scope         a space-separated subset of the granted scopes, or NULL for all.
 * @return 0; ::ERPLINK_EINVAL; ::ERPLINK_EAUTH (`invalid_grant`: revoked, replaced by a
 *         rotated token, expired, or issued to another client — the message says so);
 *         ::ERPLINK_EPROTOCOL; transport errors. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_refresh(esi_sso_tokens **out, esi_sso *s, const char *refresh_token,
                                   const char *scope);

/**
 * @brief Revokes a refresh token (`token_type_hint=refresh_token`). The SSO answers 200
 *        whatever the token's state.
 * @param s             the client.
 * @param refresh_token the token (secret; not logged).
 * @return 0; ::ERPLINK_EINVAL; ::ERPLINK_EAUTH (client authentication refused);
 *         transport and HTTP errors. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_revoke(esi_sso *s, const char *refresh_token);

/**
 * @brief Verifies an access token with the SSO's JWKS (fetched from `jwks_uri` and cached).
 *        When the token names a `kid` the cached set lacks, the set is re-fetched once (at
 *        most once per refresh interval, see esi_sso_options_set_jwks_refresh_interval_s())
 *        and the token verified again; the client id and leeway are the client's.
 * @param out   receives the claims; free them with esi_token_claims_free().
 * @param s     the client.
 * @param token the access token (not logged).
 * @return 0, or an error of esi_jwt_verify() or of fetching the metadata and JWKS. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_verify(esi_token_claims **out, esi_sso *s, const char *token);

/** @brief Frees tokens, wiping them (NULL is a no-op). @param t the tokens. */
ERPLINK_EXTERN void esi_sso_tokens_free(esi_sso_tokens *t);

/** @brief The access token (secret: do not log it). @param t the tokens. @return a string owned by @p t. */
ERPLINK_EXTERN const char *esi_sso_tokens_access_token(const esi_sso_tokens *t);

/** @brief The refresh token to store from now on (secret). @param t the tokens. @return a string owned by @p t. */
ERPLINK_EXTERN const char *esi_sso_tokens_refresh_token(const esi_sso_tokens *t);

/** @brief `expires_in` as received, in seconds. @param t the tokens. @return seconds. */
ERPLINK_EXTERN int64_t esi_sso_tokens_expires_in(const esi_sso_tokens *t);

/** @brief When the access token expires: receipt time + `expires_in`, seconds since 1970. @param t the tokens. @return the time. */
ERPLINK_EXTERN int64_t esi_sso_tokens_expires_at(const esi_sso_tokens *t);

/* ================================================================== self-refreshing token */

/** @brief A character's credentials that refresh themselves before expiry (opaque, thread-safe). */
typedef struct esi_token esi_token;

/**
 * @brief Called after every successful refresh, with the refresh token to store from now on
 *        (possibly rotated). Called on the thread that triggered the refresh, with the token's
 *        lock held: it must not call back into the same ::esi_token.
 * @param userdata      as given to esi_token_new().
 * @param refresh_token the refresh token to persist (secret; valid only during the call).
 * @param character_id  the character the token belongs to.
 */
typedef void (*esi_token_refresh_fn)(void *userdata, const char *refresh_token, int64_t character_id);

/**
 * @brief Creates a self-refreshing token from a stored refresh token. No request is made yet.
 * @param out           receives the token; free it with esi_token_free().
 * @param sso           the SSO client (borrowed: it must outlive the token).
 * @param refresh_token the stored refresh token (copied; secret).
 * @param on_refresh    called after each refresh (may be NULL, but then rotated refresh
 *                      tokens are lost when the program ends).
 * @param userdata      passed to @p on_refresh (not owned).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_token_new(esi_token **out, esi_sso *sso, const char *refresh_token,
                                 esi_token_refresh_fn on_refresh, void *userdata);

/**
 * @brief Creates a self-refreshing token from the result of a code exchange or a refresh
 *        (the access token is verified first, so no request is needed until it expires).
 * @param out        receives the token; free it with esi_token_free().
 * @param sso        the SSO client (borrowed: it must outlive the token).
 * @param tokens     the tokens (copied).
 * @param on_refresh called after each later refresh (may be NULL).
 * @param userdata   passed to @p on_refresh.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, or an error of esi_sso_verify(). Thread-safe.
 */
ERPLINK_EXTERN int esi_token_new_from_tokens(esi_token **out, esi_sso *sso, const esi_sso_tokens *tokens,
                                             esi_token_refresh_fn on_refresh, void *userdata);

/** @brief Frees a token, wiping its secrets (NULL is a no-op); no other thread may be using it. @param t the token. */
ERPLINK_EXTERN void esi_token_free(esi_token *t);

/**
 * @brief Sets how long before expiry the token refreshes itself (default 60 s).
 * @param t the token.
 * @param s 0 .. 3600 seconds.
 * @return 0 or ::ERPLINK_EINVAL. Thread-safe.
 */
ERPLINK_EXTERN int esi_token_set_refresh_margin_s(esi_token *t, int64_t s);

/**
 * @brief Returns a valid access token, refreshing (and verifying) it first when it expires
 *        within the margin. Concurrent callers wait for one refresh; they never refresh twice.
 * @param out receives a copy (secret: wipe it and free it with erplink_free()).
 * @param t   the token.
 * @return 0, ::ERPLINK_EINVAL, an error of esi_sso_refresh() or esi_sso_verify(). Thread-safe.
 */
ERPLINK_EXTERN int esi_token_access_token(char **out, esi_token *t);

/**
 * @brief Marks the current access token as unusable (e.g. after ESI answered 401), so that
 *        the next esi_token_access_token() refreshes.
 * @param t the token.
 * @return 0 or ::ERPLINK_EINVAL. Thread-safe.
 */
ERPLINK_EXTERN int esi_token_invalidate(esi_token *t);

/**
 * @brief The verified claims of the current access token (refreshing first if needed).
 * @param out receives a copy; free it with esi_token_claims_free().
 * @param t   the token.
 * @return 0 or an error of esi_token_access_token(). Thread-safe.
 */
ERPLINK_EXTERN int esi_token_get_claims(esi_token_claims **out, esi_token *t);

/**
 * @brief How many refreshes this token has made.
 * @param t the token.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_token_refresh_count(esi_token *t);

/* ================================================================== ESI client */

/** @brief The default ESI base URL. */
#define ESI_DEFAULT_BASE_URL "https://esi.evetech.net"
/**
 * @brief The compatibility date sent in `X-Compatibility-Date` unless
 *        esi_options_set_compatibility_date() says otherwise: the date of the OpenAPI
 *        specification erplink's typed helpers were written against. Pin your own date
 *        when you depend on a route's behaviour; without the header ESI would answer as
 *        on 2020-01-01.
 */
#define ESI_DEFAULT_COMPATIBILITY_DATE "2026-08-18"

/** @brief Configuration of an ESI client (opaque). Not thread-safe to modify. */
typedef struct esi_options esi_options;
/** @brief An ESI client (opaque). Thread-safe: use one per application. */
typedef struct esi_client esi_client;
/** @brief The answer of one ESI call, possibly several pages (opaque, immutable, readable from several threads). */
typedef struct esi_response esi_response;
/** @brief Path and query parameters of a call (opaque). Not thread-safe to modify. */
typedef struct esi_params esi_params;

/**
 * @brief A pluggable HTTP cache store. The client serialises each cached page into an
 *        opaque blob (validators, expiry and body) and hands it to the store; the default
 *        store keeps blobs in memory (bounded, see esi_options_set_cache_max_bytes()).
 *        All three functions may be called from several threads at once.
 */
typedef struct esi_cache_store {
  /** @brief Finds a blob: returns 1 and a `malloc`ed copy in `*data` (the client calls `free()`
   *         on it), 0 when absent, or a negative `ERPLINK_E*` code. */
  int (*get)(void *userdata, const char *key, void **data, size_t *len);
  /** @brief Stores (replaces) a blob (copy it; @p data is freed by the client); returns 0 or a negative code. */
  int (*put)(void *userdata, const char *key, const void *data, size_t len);
  /** @brief Called by esi_client_free() of every client created with this store — once per
   *         client, so a store shared by several clients must count its users (may be NULL). */
  void (*destroy)(void *userdata);
  /** @brief Passed to every function. */
  void *userdata;
} esi_cache_store;

/** @brief How a page was obtained. */
typedef enum esi_cache_status {
  ESI_CACHE_MISS = 0,       /**< fetched: the server sent a full 200 (or 201) answer */
  ESI_CACHE_HIT = 1,        /**< served from the cache before its expiry: no request was made */
  ESI_CACHE_REVALIDATED = 2 /**< the cached copy had expired; the server answered 304 Not Modified */
} esi_cache_status;

/**
 * @brief Creates ESI options with the defaults: base URL ::ESI_DEFAULT_BASE_URL, compatibility
 *        date ::ESI_DEFAULT_COMPATIBILITY_DATE, tenant "tranquility", no User-Agent (required),
 *        connect timeout 10 s, total timeout 60 s per request, concurrency 8, 3 attempts
 *        (retrying only 502/503/504, network failures and 429 — after its Retry-After),
 *        error-limit floor 10, in-memory cache of at most 512 MiB.
 * @param out receives the options; free them with esi_options_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_options_new(esi_options **out);

/** @brief Frees options (NULL is a no-op). @param o the options. */
ERPLINK_EXTERN void esi_options_free(esi_options *o);

/**
 * @brief Sets the base URL (tests point it to a simulator).
 * @param o   the options.
 * @param url an http(s) URL without a trailing path (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_options_set_base_url(esi_options *o, const char *url);

/**
 * @brief Sets the `X-Compatibility-Date` sent with every request.
 * @param o    the options.
 * @param date "YYYY-MM-DD" (a valid calendar date).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_options_set_compatibility_date(esi_options *o, const char *date);

/**
 * @brief Sets the `X-Tenant` header (default "tranquility").
 * @param o      the options.
 * @param tenant a non-empty token (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_options_set_tenant(esi_options *o, const char *tenant);

/**
 * @brief Sets the User-Agent. Required, and it must carry contact details (an e-mail address
 *        or a URL), e.g. `"MyApp/1.2.3 (me@example.com; +https://github.com/me/myapp)"`; CCP
 *        contacts or bans applications by it. "erplink/<version>" is appended.
 * @param o  the options.
 * @param ua the user agent (copied).
 * @return 0, ::ERPLINK_EINVAL (empty, control characters, or no '@' nor "://" in it) or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_options_set_user_agent(esi_options *o, const char *ua);

/**
 * @brief Sets the timeouts of each request.
 * @param o          the options.
 * @param connect_ms 1 .. 600000.
 * @param total_ms   1 .. 3600000 (one attempt, connect included).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_options_set_timeouts_ms(esi_options *o, int64_t connect_ms, int64_t total_ms);

/**
 * @brief Sets how many requests the client runs at once (pages of one call are fetched
 *        concurrently up to this limit, as HTTP/2 streams of one connection when the server
 *        offers HTTP/2, else on up to this many connections; it is also the connection pool
 *        size of single requests).
 * @param o the options.
 * @param n 1 .. 256 (default 8).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_options_set_concurrency(esi_options *o, int n);

/**
 * @brief Sets the number of attempts per request (only 502/503/504, network failures and 429
 *        are retried; see erplink/http.h) and the backoff.
 * @param o            the options.
 * @param max_attempts 1 .. 10.
 * @param backoff_base_ms 0 .. 60000.
 * @param backoff_cap_ms  >= @p backoff_base_ms, <= 600000.
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_options_set_retry(esi_options *o, int max_attempts, int64_t backoff_base_ms,
                                         int64_t backoff_cap_ms);

/**
 * @brief Sets the error-limit floor: when a response says `X-ESI-Error-Limit-Remain` <= @p floor,
 *        the client sends nothing more until `X-ESI-Error-Limit-Reset` has passed.
 * @param o     the options.
 * @param floor 0 .. 99 (default 10).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_options_set_error_limit_floor(esi_options *o, int floor);

/**
 * @brief Sets the size cap of the default in-memory cache (when a new blob does not fit,
 *        the oldest stored blobs are dropped until 10 % of the cap is free again).
 * @param o     the options.
 * @param bytes 0 (no caching at all) .. SIZE_MAX.
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_options_set_cache_max_bytes(esi_options *o, size_t bytes);

/**
 * @brief Replaces the in-memory cache with a store of yours (Redis, disk…).
 * @param o     the options.
 * @param store the store (copied; its `userdata` must outlive every client made from @p o;
 *              `destroy` is called by each client's esi_client_free()), or NULL for the default.
 * @return 0 or ::ERPLINK_EINVAL (a function pointer is NULL).
 */
ERPLINK_EXTERN int esi_options_set_cache_store(esi_options *o, const esi_cache_store *store);

/**
 * @brief Makes a cache store that keeps pages in an ::erplink_blob_cache (erplink/store.h): in
 *        a file that survives restarts and is shared by every process and client using it,
 *        bounded in size with least-recently-used eviction.
 *
 * @code
 * erplink_store *st;  erplink_blob_cache *bc;  esi_cache_store cs;
 * erplink_store_open(&st, "/var/lib/app/esi-cache.db", NULL);  // a damaged file fails here
 * erplink_blob_cache_new(&bc, st, "esi", (size_t)256 << 20);
 * esi_cache_store_from_blob_cache(&cs, bc);
 * esi_options_set_cache_store(o, &cs);                         // then esi_client_new()...
 * // after the clients: erplink_blob_cache_free(bc); erplink_store_close(st);
 * @endcode
 * If the file breaks while clients use it (a read or write fails), the clients keep working
 * without the cache: each such call fetches the page as if it were not cached (a warning is
 * logged once per client). A stored page that fails its checksum is never served.
 * @param out   receives the store (its `destroy` is NULL: the cache stays yours).
 * @param cache the blob cache (borrowed: it must outlive every client using @p out; one cache
 *              may serve any number of options and clients).
 * @return 0 or ::ERPLINK_EINVAL. Thread-safe.
 */
ERPLINK_EXTERN int esi_cache_store_from_blob_cache(esi_cache_store *out, erplink_blob_cache *cache);

/**
 * @brief Installs a log callback (see erplink/log.h; tokens are redacted).
 * @param o         the options.
 * @param fn        the callback (thread-safe) or NULL.
 * @param userdata  passed to it.
 * @param max_level the most verbose level delivered.
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int esi_options_set_log(esi_options *o, erplink_log_fn fn, void *userdata, int max_level);

/**
 * @brief Creates an ESI client.
 * @param out receives the client; free it with esi_client_free().
 * @param o   the options (copied).
 * @return 0; ::ERPLINK_EINVAL (NULL arguments, or no User-Agent: "ESI requires a User-Agent
 *         with contact details"); ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_new(esi_client **out, const esi_options *o);

/** @brief Frees a client (NULL is a no-op); no other thread may be using it. @param c the client. */
ERPLINK_EXTERN void esi_client_free(esi_client *c);

/**
 * @brief The client's view of the error limit, from the latest response.
 * @param c      the client.
 * @param remain receives `X-ESI-Error-Limit-Remain` (-1 before any response carried it); may be NULL.
 * @param reset_s receives the seconds left until the window resets (-1 when unknown); may be NULL.
 * @return 0 or ::ERPLINK_EINVAL. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_error_limit(const esi_client *c, int *remain, int *reset_s);

/**
 * @brief The HTTP client underneath (for pause inspection, e.g. erplink_http_client_pause_remaining_ms()).
 * @param c the client.
 * @return the transport, owned by @p c. Thread-safe.
 */
ERPLINK_EXTERN erplink_http_client *esi_client_http(esi_client *c);

/* ------------------------------------------------------------------ parameters */

/** @brief Creates an empty parameter set. @param out receives it; free with esi_params_free(). @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. */
ERPLINK_EXTERN int esi_params_new(esi_params **out);

/** @brief Frees parameters (NULL is a no-op). @param p the parameters. */
ERPLINK_EXTERN void esi_params_free(esi_params *p);

/**
 * @brief Sets a path parameter: `{name}` in the route template is replaced by @p value
 *        (percent-encoded).
 * @param p     the parameters.
 * @param name  the placeholder name, e.g. "region_id".
 * @param value the value (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_params_set_path(esi_params *p, const char *name, const char *value);

/** @brief esi_params_set_path() with an integer. @param p the parameters. @param name the name. @param value the value. @return as esi_params_set_path(). */
ERPLINK_EXTERN int esi_params_set_path_int(esi_params *p, const char *name, int64_t value);

/**
 * @brief Adds a query parameter (percent-encoded; order kept). `page` is managed by the
 *        paginated calls and refused here.
 * @param p     the parameters.
 * @param name  the name.
 * @param value the value (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int esi_params_add_query(esi_params *p, const char *name, const char *value);

/** @brief esi_params_add_query() with an integer. @param p the parameters. @param name the name. @param value the value. @return as esi_params_add_query(). */
ERPLINK_EXTERN int esi_params_add_query_int(esi_params *p, const char *name, int64_t value);

/* ------------------------------------------------------------------ calls */

/**
 * @brief GETs one route (one page: the `page` the server defaults to), through the cache.
 *
 * The route is a template such as `"/markets/{region_id}/orders"`; every `{name}` must have
 * a path parameter. Cache rule: a cached page is returned without a request until its
 * `Expires` / `max-age`; after that it is revalidated with `If-None-Match` (a 304 refreshes
 * its expiry). Error limit: a response with `X-ESI-Error-Limit-Remain` at or below the floor,
 * or a 420, pauses every request of the client until the reset (erplink_http_client_pause_ms()).
 * Rate-limit groups: when `X-Ratelimit-Remaining` falls under 10 % of the group's limit,
 * requests of that route are spaced by window/limit (at most 10 s); a 429 waits for
 * `Retry-After` (retried by the transport when it is at most 120 s).
 * @param out    receives the response; free it with esi_response_free().
 * @param c      the client.
 * @param route  the route template (must start with '/').
 * @param params path/query parameters, or NULL.
 * @param token  the character's credentials for authenticated routes, or NULL.
 * @return 0; ::ERPLINK_EINVAL (bad route or a missing path parameter); ::ERPLINK_ERATELIMIT
 *         (420 — the client is paused — or a 429 beyond the wait limit); ::ERPLINK_EAUTH (401);
 *         ::ERPLINK_EACCESS (403, e.g. a missing scope); ::ERPLINK_ENOTFOUND; other HTTP and
 *         transport errors; ::ERPLINK_EPROTOCOL (not JSON). The message names the method, the
 *         route and ESI's `error` text. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_get(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                                  esi_token *token);

/**
 * @brief GETs every page of a paginated route (`X-Pages`): page 1 first, then the others
 *        concurrently (up to the client's concurrency), kept in page order. Pages 2..N are
 *        sent as one ::erplink_http_batch on the calling thread: over HTTPS with a server
 *        that offers HTTP/2 they are multiplexed on one connection, otherwise up to
 *        `concurrency` connections run in parallel; each page keeps the transport's retries
 *        (a failing page is retried alone while the others continue). All pages must
 *        carry the same `Last-Modified`; when they do not (ESI refreshed its cache in the
 *        middle), the whole set is fetched again once, revalidating every page.
 * @param out    receives the response (one value per page, see esi_response_item());
 *               free it with esi_response_free().
 * @param c      the client.
 * @param route  the route template.
 * @param params parameters (without `page`), or NULL.
 * @param token  credentials, or NULL.
 * @return as esi_client_get(); ::ERPLINK_ECONFLICT when the pages still disagree after the
 *         second fetch. A failing page fails the call (after the transport's retries) with
 *         the message naming the page. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_get_all_pages(esi_response **out, esi_client *c, const char *route,
                                            const esi_params *params, esi_token *token);

/**
 * @brief Called by esi_client_get_pages() for each page, in page order, on the thread that
 *        called esi_client_get_pages().
 *
 * When ESI refreshes its cache in the middle of the walk (a page's Last-Modified differs from
 * the earlier pages'), the callback is called once with @p page 0 and @p items NULL: discard
 * what was received so far; the pages are then delivered again from page 1 (revalidated).
 * @param userdata as given.
 * @param page     the page number (from 1), or 0 for "the set starts over".
 * @param pages    the number of pages.
 * @param items    the page's decoded array (valid during the call only), NULL when @p page is 0.
 * @return 0 to go on, or a negative code to stop (returned by esi_client_get_pages()).
 */
typedef int (*esi_page_fn)(void *userdata, int page, int pages, const erplink_value *items);

/**
 * @brief Streams every page of a paginated route to @p fn in page order with bounded memory.
 *
 * Page 1 is fetched first (it gives X-Pages); the other pages are fetched concurrently (one
 * ::erplink_http_batch on the calling thread, HTTP/2 multiplexed when the server offers it, as
 * in esi_client_get_all_pages()) by up to
 * the client's concurrency limit, but never more than twice that many pages ahead of the last
 * page handed to @p fn, and each page is freed after its callback: memory holds about
 * 2 × concurrency pages, whatever the number of pages. The cache and the error/rate limits
 * apply to each page as in esi_client_get_all_pages(). A Last-Modified roll-over restarts
 * the walk once (see ::esi_page_fn); a second roll-over fails with ::ERPLINK_ECONFLICT.
 * @param c        the client.
 * @param route    the route template.
 * @param params   parameters, or NULL.
 * @param token    credentials, or NULL.
 * @param fn       the callback.
 * @param userdata passed to @p fn.
 * @return 0; ::ERPLINK_EINVAL (NULL argument); the error of the first page that failed (the
 *         message names the page); ::ERPLINK_ECONFLICT; or the callback's code.
 *         Thread-safe (the callback runs on the calling thread).
 */
ERPLINK_EXTERN int esi_client_get_pages(esi_client *c, const char *route, const esi_params *params, esi_token *token,
                                        esi_page_fn fn, void *userdata);

/**
 * @brief POSTs a JSON body to a route (never cached, never retried after the request may
 *        have reached the server).
 * @param out    receives the response; free it with esi_response_free().
 * @param c      the client.
 * @param route  the route template.
 * @param params parameters, or NULL.
 * @param body   the JSON body (encoded with erplink_json_encode()).
 * @param token  credentials, or NULL.
 * @return as esi_client_get(); ::ERPLINK_EVALIDATION for a 400/422. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_post(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                                   const erplink_value *body, esi_token *token);

/* ------------------------------------------------------------------ response */

/** @brief Frees a response (NULL is a no-op). @param r the response. */
ERPLINK_EXTERN void esi_response_free(esi_response *r);

/** @brief The decoded body of the first (or only) page. @param r the response. @return a tree owned by @p r, or NULL (e.g. a 304 has no body of its own: the cached body is returned instead). */
ERPLINK_EXTERN const erplink_value *esi_response_value(const esi_response *r);

/** @brief The number of pages held (1 for a single call). @param r the response. @return the count. */
ERPLINK_EXTERN size_t esi_response_page_count(const esi_response *r);

/** @brief The decoded body of page @p i + 1. @param r the response. @param i 0 .. count-1. @return a tree owned by @p r or NULL. */
ERPLINK_EXTERN const erplink_value *esi_response_page(const esi_response *r, size_t i);

/** @brief How page @p i + 1 was obtained. @param r the response. @param i the page index. @return an ::esi_cache_status. */
ERPLINK_EXTERN esi_cache_status esi_response_page_cache_status(const esi_response *r, size_t i);

/** @brief The total number of array items over all pages. @param r the response. @return the count. */
ERPLINK_EXTERN size_t esi_response_item_count(const esi_response *r);

/** @brief The @p i-th array item over all pages, in page order. @param r the response. @param i 0 .. item count-1. @return a tree owned by @p r, or NULL. */
ERPLINK_EXTERN const erplink_value *esi_response_item(const esi_response *r, size_t i);

/** @brief The HTTP status of the first page (200, 201, or 304 when revalidated; 200 for a cache hit). @param r the response. @return the status. */
ERPLINK_EXTERN int esi_response_status(const esi_response *r);

/** @brief How the first page was obtained. @param r the response. @return an ::esi_cache_status. */
ERPLINK_EXTERN esi_cache_status esi_response_cache_status(const esi_response *r);

/** @brief The number of HTTP requests the call made (0 when everything came from the cache). @param r the response. @return the count. */
ERPLINK_EXTERN int64_t esi_response_requests(const esi_response *r);

/** @brief The first page's `ETag`. @param r the response. @return a string owned by @p r, or NULL. */
ERPLINK_EXTERN const char *esi_response_etag(const esi_response *r);

/** @brief The `Last-Modified` shared by the pages. @param r the response. @return a string owned by @p r, or NULL. */
ERPLINK_EXTERN const char *esi_response_last_modified(const esi_response *r);

/** @brief When the first page expires from the cache, in ms since 1970 (0 when unknown). @param r the response. @return the time. */
ERPLINK_EXTERN int64_t esi_response_expires_ms(const esi_response *r);

/** @brief `X-Pages` (1 when absent). @param r the response. @return the count. */
ERPLINK_EXTERN int esi_response_pages(const esi_response *r);

/**
 * @brief The error-limit headers of the last request made for this response.
 * @param r       the response.
 * @param remain  receives `X-ESI-Error-Limit-Remain` or -1; may be NULL.
 * @param reset_s receives `X-ESI-Error-Limit-Reset` or -1; may be NULL.
 */
ERPLINK_EXTERN void esi_response_error_limit(const esi_response *r, int *remain, int *reset_s);

/**
 * @brief The rate-limit headers of the first page's request.
 * @param r         the response.
 * @param group     receives `X-Ratelimit-Group` (owned by @p r) or NULL; may be NULL.
 * @param limit     receives `X-Ratelimit-Limit` such as "150/15m" (owned by @p r) or NULL; may be NULL.
 * @param remaining receives `X-Ratelimit-Remaining` or -1; may be NULL.
 * @param used      receives `X-Ratelimit-Used` or -1; may be NULL.
 */
ERPLINK_EXTERN void esi_response_rate_limit(const esi_response *r, const char **group, const char **limit,
                                            int64_t *remaining, int64_t *used);

/* ------------------------------------------------------------------ typed helpers */

/**
 * @brief `GET /characters/{character_id}/assets`, every page (scope esi-assets.read_assets.v1).
 *        Items: item_id, type_id, quantity, location_id, location_type, location_flag,
 *        is_singleton, is_blueprint_copy (optional).
 * @param out          receives the response; free it with esi_response_free().
 * @param c            the client.
 * @param token        the character's credentials.
 * @param character_id the character.
 * @return as esi_client_get_all_pages(). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_character_assets(esi_response **out, esi_client *c, esi_token *token,
                                               int64_t character_id);

/**
 * @brief `GET /markets/{region_id}/orders`, every page (public).
 * @param out        receives the response; free it with esi_response_free().
 * @param c          the client.
 * @param region_id  e.g. 10000002 (The Forge).
 * @param order_type "buy", "sell", "all", or NULL for "all".
 * @param type_id    an item type to filter on (one page), or 0 for every type.
 * @return as esi_client_get_all_pages(); ::ERPLINK_EINVAL for a bad order type. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_market_orders(esi_response **out, esi_client *c, int64_t region_id,
                                            const char *order_type, int64_t type_id);

/** @brief Decoded blueprint kinds (from `quantity`: -1 original, -2 copy, > 0 a stack of originals). */
typedef enum esi_blueprint_kind {
  ESI_BLUEPRINT_UNKNOWN = 0,  /**< not a blueprint item, or an unexpected quantity */
  ESI_BLUEPRINT_ORIGINAL = 1, /**< a single original (quantity -1; runs -1 = unlimited) */
  ESI_BLUEPRINT_COPY = 2,     /**< a copy (quantity -2; runs = runs left) */
  ESI_BLUEPRINT_STACK = 3     /**< a stack of originals (quantity > 0) */
} esi_blueprint_kind;

/**
 * @brief `GET /characters/{character_id}/blueprints`, every page (scope
 *        esi-characters.read_blueprints.v1). Decode each item with esi_blueprint_kind_of().
 * @param out          receives the response; free it with esi_response_free().
 * @param c            the client.
 * @param token        the character's credentials.
 * @param character_id the character.
 * @return as esi_client_get_all_pages(). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_character_blueprints(esi_response **out, esi_client *c, esi_token *token,
                                                   int64_t character_id);

/**
 * @brief Decodes a blueprint item's `quantity`.
 * @param item one item of esi_client_character_blueprints().
 * @return an ::esi_blueprint_kind. Thread-safe.
 */
ERPLINK_EXTERN esi_blueprint_kind esi_blueprint_kind_of(const erplink_value *item);

/**
 * @brief `GET /characters/{character_id}/wallet/transactions`, walking `from_id` backwards
 *        (newest first) until nothing older comes (scope esi-wallet.read_character_wallet.v1).
 *        The result holds one value per batch; esi_response_item() walks every transaction
 *        once, newest first (the record named by `from_id`, repeated by ESI, is skipped).
 * @param out          receives the response; free it with esi_response_free().
 * @param c            the client.
 * @param token        the character's credentials.
 * @param character_id the character.
 * @param from_id      start at this transaction id (inclusive), or 0 for the newest.
 * @param max_batches  stop after this many requests (1 .. 100000).
 * @return as esi_client_get(). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_wallet_transactions(esi_response **out, esi_client *c, esi_token *token,
                                                  int64_t character_id, int64_t from_id, int max_batches);

/** @brief One mail recipient. */
typedef struct esi_mail_recipient {
  int64_t recipient_id;       /**< the id */
  const char *recipient_type; /**< "alliance", "character", "corporation" or "mailing_list" */
} esi_mail_recipient;

/**
 * @brief `POST /characters/{character_id}/mail` (scope esi-mail.send_mail.v1). Validated
 *        before sending: 1–50 recipients with a valid type and positive id, a subject of at
 *        most 1000 characters and a body of at most 10000 (characters = Unicode code points,
 *        valid UTF-8 required), approved_cost >= 0.
 * @param mail_id       receives the new mail's id (the 201 body).
 * @param c             the client.
 * @param token         the sender's credentials.
 * @param character_id  the sender.
 * @param recipients    the recipients.
 * @param n_recipients  their number.
 * @param subject       the subject.
 * @param body          the body (EVE mail markup allowed).
 * @param approved_cost CSPA charge the sender accepts (0 by default).
 * @return 0; ::ERPLINK_EINVAL (validation; the message says which rule); errors of
 *         esi_client_post(); ::ERPLINK_EPROTOCOL (the 201 body is not an integer). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_send_mail(int64_t *mail_id, esi_client *c, esi_token *token, int64_t character_id,
                                        const esi_mail_recipient *recipients, size_t n_recipients,
                                        const char *subject, const char *body, int64_t approved_cost);

/**
 * @brief `POST /universe/names` for any number of ids: duplicates are dropped, the rest sent
 *        in chunks of at most 1000 (concurrently). ESI fails a whole chunk with 404 when one
 *        id is invalid: such a chunk is bisected until the invalid ids are isolated, and they
 *        are reported instead of failing the call.
 * @param out        receives the response: one value per successful request, items
 *                   `{id, name, category}` (walk them with esi_response_item()).
 * @param invalid    receives the invalid ids (free with erplink_free(); NULL when none); may be NULL.
 * @param n_invalid  receives their number; may be NULL.
 * @param c          the client.
 * @param ids        the ids.
 * @param n_ids      their number (>= 1).
 * @return 0 (also when some ids were invalid); ::ERPLINK_EINVAL; other errors of
 *         esi_client_post(). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_universe_names(esi_response **out, int64_t **invalid, size_t *n_invalid, esi_client *c,
                                             const int64_t *ids, size_t n_ids);

ERPLINK_END_DECLS

#endif /* ERPLINK_ESI_H */
