/**
 * @file erplink/esi_sso.h
 * @brief EVE Online: the EVE SSO client (OAuth 2.0 with PKCE or a client secret) — logins that
 *        can be resumed in another process, code exchange, refresh, revoke and JWKS-cached
 *        token verification. Part of erplink/esi.h.
 *
 * A confidential ("web") application has a client secret: the token and revoke endpoints get
 * `Authorization: Basic`. A native application has none. Every login uses PKCE (S256), as
 * OAuth 2.1 asks of confidential clients too: a web application sends its verifier with its
 * Basic auth, so an intercepted code is useless without both. The endpoints
 * come from the metadata document (RFC 8414), fetched once and cached.
 *
 * @par Transport
 * The options embed one ::erplink_http_options (esi_sso_options_http()), filled with the SSO's
 * defaults; every transport knob — timeouts, CA file or directory, proxy, response size cap,
 * low-speed limit, retries, rate limit, log callback, user agent — is set there with the
 * `erplink_http_options_set_*` setters. A User-Agent of the application's own is required
 * (CCP asks every application to identify itself).
 *
 * @par Secrets
 * The client secret, authorization codes, PKCE verifiers, exported logins, access and refresh
 * tokens are sent only in credential headers or wiped form bodies and never appear in logs or
 * error messages: the SSO declares its form field `code_verifier` secret to the transport's
 * redaction (erplink_http_options_add_secret_name(); `code`, `token`, `refresh_token` and
 * `client_secret` are credential names for the core already).
 *
 * @par Logins across processes
 * A web application with several worker processes sends the user to the SSO from one process
 * and receives the callback in another. esi_sso_login_export() turns a login into one string
 * to keep in the user's signed session cookie or a server-side store; esi_sso_login_import()
 * rebuilds it in the process that receives the callback, and esi_sso_exchange_code() finishes
 * it. A login expires after esi_sso_options_set_login_max_age_s() (default 600 s).
 *
 * @par Thread safety
 * Options objects are configured by one thread. An ::esi_sso client may be used from several
 * threads at once. Logins and tokens are immutable once made.
 */
#ifndef ERPLINK_ESI_SSO_H
#define ERPLINK_ESI_SSO_H

#include "common.h"
#include "esi_jwt.h"
#include "http.h"

ERPLINK_BEGIN_DECLS

/** @brief Configuration of an SSO client (opaque). Not thread-safe to modify. */
typedef struct esi_sso_options esi_sso_options;
/** @brief An EVE SSO client (opaque). Thread-safe. */
typedef struct esi_sso esi_sso;
/** @brief One login attempt: authorization URL, `state`, PKCE verifier, creation time, scopes (opaque, immutable). */
typedef struct esi_sso_login esi_sso_login;
/** @brief Tokens returned by the token endpoint (opaque, immutable; secrets wiped when freed). */
typedef struct esi_sso_tokens esi_sso_tokens;

/** @brief The default metadata document URL of EVE SSO. */
#define ESI_SSO_DEFAULT_METADATA_URL "https://login.eveonline.com/.well-known/oauth-authorization-server"

/* ------------------------------------------------------------------ options */

/**
 * @brief Creates SSO options with the defaults: no client id (required), no secret (native
 *        PKCE application), no redirect URI (required), metadata URL
 *        ::ESI_SSO_DEFAULT_METADATA_URL, `exp` leeway 60 s, JWKS re-fetch on an unknown `kid`
 *        at most every 60 s, logins valid for 600 s; and transport options
 *        (esi_sso_options_http()) with the SSO's defaults — total timeout 30 s, connect
 *        timeout 10 s, 3 attempts, the secret name `code_verifier`, no
 *        User-Agent of the application's own yet (required); the other knobs as
 *        erplink_http_options_new() sets them.
 * @param out receives the options; free them with esi_sso_options_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_options_new(esi_sso_options **out);

/**
 * @brief Frees options, their transport options included; the client secret is wiped (NULL is a no-op).
 * @param o the options. Not thread-safe: no other thread may use @p o.
 */
ERPLINK_EXTERN void esi_sso_options_free(esi_sso_options *o);

/**
 * @brief The transport options embedded in @p o, to set with the `erplink_http_options_set_*`
 *        setters: the User-Agent (required; it should name the application and a contact,
 *        e.g. `"MyApp/1.0 (me@example.com; +https://github.com/me/myapp)"`), timeouts, CA
 *        file — NULL is the system store —, proxy, log callback, more secret names…
 *        esi_sso_new() copies them with the rest.
 * @param o the options.
 * @return the embedded object, borrowed: valid as long as @p o, freed with it (never free it
 *         yourself); NULL when @p o is NULL (the setters then return ::ERPLINK_EINVAL).
 *         Not thread-safe: the same as modifying @p o.
 */
ERPLINK_EXTERN erplink_http_options *esi_sso_options_http(esi_sso_options *o);

/**
 * @brief Sets the application's client id (from developers.eveonline.com).
 * @param o  the options.
 * @param id the client id (copied), non-empty, printable ASCII without spaces or ':'.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_sso_options_set_client_id(esi_sso_options *o, const char *id);

/**
 * @brief Sets the client secret, which makes the client a confidential ("web") application
 *        authenticating with HTTP Basic; without one it is a native application using PKCE.
 * @param o      the options.
 * @param secret the secret (copied, wiped when freed), or NULL to remove it.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_sso_options_set_client_secret(esi_sso_options *o, const char *secret);

/**
 * @brief Sets the redirect (callback) URI, exactly as registered with the application.
 * @param o   the options.
 * @param uri the URI (copied), non-empty, no control characters.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_sso_options_set_redirect_uri(esi_sso_options *o, const char *uri);

/**
 * @brief Sets the metadata (RFC 8414) URL; the other endpoints are read from it.
 * @param o   the options.
 * @param url an http(s) URL (copied), or NULL for ::ESI_SSO_DEFAULT_METADATA_URL.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_sso_options_set_metadata_url(esi_sso_options *o, const char *url);

/**
 * @brief Sets the clock-skew leeway applied to `exp`, `nbf` and `iat` when verifying access tokens.
 * @param o the options.
 * @param s 0 .. 3600 seconds (default 60).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_sso_options_set_leeway_s(esi_sso_options *o, int64_t s);

/**
 * @brief Sets the minimum interval between two JWKS re-fetches caused by tokens with an
 *        unknown `kid` (protects the SSO from a flood of forged tokens).
 * @param o the options.
 * @param s 0 (re-fetch for every unknown kid; for tests) .. 86400 seconds (default 60).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_sso_options_set_jwks_refresh_interval_s(esi_sso_options *o, int64_t s);

/**
 * @brief Sets how long a login may take: esi_sso_exchange_code() refuses a login started
 *        longer ago (the user left the SSO page open, or an exported login was replayed).
 *        EVE SSO's codes themselves expire 5 minutes after the user consented.
 * @param o the options.
 * @param s 1 .. 86400 seconds (default 600).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_sso_options_set_login_max_age_s(esi_sso_options *o, int64_t s);

/* ------------------------------------------------------------------ client */

/**
 * @brief Creates an SSO client. Nothing is fetched yet: the metadata document is fetched
 *        on first need and cached for the client's lifetime.
 * @param out receives the client; free it with esi_sso_free().
 * @param o   the options, their transport options included (copied).
 * @return 0; ::ERPLINK_EINVAL (NULL arguments; the message names what is missing: client id,
 *         redirect URI or User-Agent); ::ERPLINK_ENOMEM. Thread-safe as long as no other
 *         thread modifies @p o.
 */
ERPLINK_EXTERN int esi_sso_new(esi_sso **out, const esi_sso_options *o);

/**
 * @brief Frees an SSO client (NULL is a no-op).
 * @param s the client. Not thread-safe: no other thread may be using it, and the logins and
 *          ::esi_token objects made with it must not be used afterwards.
 */
ERPLINK_EXTERN void esi_sso_free(esi_sso *s);

/**
 * @brief Whether the client is a confidential application (has a client secret); a pure
 *        predicate.
 * @param s the client.
 * @return 1 (web application, Basic auth) or 0 (native application, PKCE; also for NULL). Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_is_confidential(const esi_sso *s);

/**
 * @brief Fetches the metadata document now if it is not cached yet (otherwise a no-op).
 * @param s the client.
 * @return 0; ::ERPLINK_EINVAL (NULL client); a transport or HTTP error of
 *         erplink_http_client_send(); ::ERPLINK_EPROTOCOL (not JSON, or an endpoint is
 *         missing: the message names it). Thread-safe.
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

/* ------------------------------------------------------------------ logins */

/**
 * @brief Starts a login: builds the authorization URL to send the user's browser to, with a
 *        fresh `state` (32 random bytes, base64url) and a PKCE verifier (32 random bytes,
 *        base64url without padding) whose S256 challenge the URL carries (web and native
 *        applications alike).
 * @param out      receives the login; free it with esi_sso_login_free().
 * @param s        the client.
 * @param scopes   the scopes to request (may be NULL when @p n_scopes is 0); each a
 *                 non-empty token without spaces.
 * @param n_scopes their number (at most 256).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER (no random bytes), an error of
 *         esi_sso_discover(), ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_login_new(esi_sso_login **out, esi_sso *s, const char *const *scopes, size_t n_scopes);

/**
 * @brief Frees a login; its state and verifier are wiped (NULL is a no-op).
 * @param l the login. Not thread-safe: no other thread may be using @p l.
 */
ERPLINK_EXTERN void esi_sso_login_free(esi_sso_login *l);

/**
 * @brief The authorization URL.
 * @param l the login.
 * @return a string owned by @p l; NULL for a login rebuilt by esi_sso_login_import() (its
 *         URL was used by the process that started it) or for NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *esi_sso_login_url(const esi_sso_login *l);

/**
 * @brief The `state` value sent.
 * @param l the login.
 * @return a string owned by @p l (NULL for NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *esi_sso_login_state(const esi_sso_login *l);

/**
 * @brief When the login was started, in seconds since 1970 (kept across export and import).
 * @param l the login.
 * @return the time (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_sso_login_created_at(const esi_sso_login *l);

/**
 * @brief Turns a login into one opaque string, so that another process can finish it
 *        (esi_sso_login_import()).
 *
 * The string is a **secret** (it holds the state and the PKCE
 * verifier; also the creation time, the scopes and the client id): keep it where the user's
 * browser cannot change it — a signed session cookie, or a server-side store keyed by the
 * session — and drop it once the login is finished. Its form is `v1.<payload>.<tag>`
 * (base64url, at most 8 KiB). For a web application the tag is an HMAC-SHA256 keyed with a key
 * derived from the client secret, so every process with the same secret can check it and
 * nobody without the secret can forge or alter an export; for a native application (no
 * secret) the tag only detects corruption, so the store must protect the string itself.
 * @param out receives the string (NUL-terminated); wipe it and free it with erplink_free().
 * @param l   the login.
 * @return 0, ::ERPLINK_EINVAL (NULL argument), ::ERPLINK_ENOMEM or ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_login_export(char **out, const esi_sso_login *l);

/**
 * @brief Rebuilds a login exported by esi_sso_login_export(), possibly in another process, to
 *        finish it with esi_sso_exchange_code() (the rebuilt login has no URL).
 *
 * Parsing is strict: the `v1.` prefix, canonical base64url without padding, the tag (checked
 * in constant time), a JSON payload with exactly the expected members and types, a state and
 * verifier of the form esi_sso_login_new() makes, a verifier for a native application and
 * none for a web one, and the importing client's own client id. An expired login is imported
 * (esi_sso_exchange_code() refuses it with the reason).
 * @param out      receives the login; free it with esi_sso_login_free(). NULL on failure.
 * @param s        the client that finishes the login (same client id, and the same secret
 *                 for a web application, as the one that started it).
 * @param exported the string.
 * @return 0; ::ERPLINK_EINVAL (NULL argument; garbage, a truncated or altered export, another
 *         version, one made for another client id or with another client secret — the message
 *         says which, never quoting the export); ::ERPLINK_ENOMEM; ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_login_import(esi_sso_login **out, esi_sso *s, const char *exported);

/**
 * @brief Exchanges the authorization code received on the callback for tokens.
 *
 * Checks first that @p returned_state equals the login's state (constant-time) and that the
 * login is not older than esi_sso_options_set_login_max_age_s(). Then POSTs a form-encoded
 * `grant_type=authorization_code` request with the login's `code_verifier`, and Basic auth for
 * a web application or `client_id` for a native one. (A web application's login imported from
 * an export made before web logins used PKCE has no verifier: the code is exchanged with the
 * secret alone.)
 * @param out            receives the tokens; free them with esi_sso_tokens_free().
 * @param s              the client.
 * @param login          the login that produced the URL, or its import.
 * @param code           the `code` query parameter of the callback (secret; not logged).
 * @param returned_state the `state` query parameter of the callback.
 * @return 0; ::ERPLINK_EINVAL; ::ERPLINK_EAUTH (state mismatch; "login expired" — older than
 *         the maximum age, or created in the future by more than 5 minutes; the SSO refused the
 *         code — `invalid_grant`: the message carries the server's `error` and
 *         `error_description` and what usually causes it; `invalid_client`: wrong client id
 *         or secret); ::ERPLINK_EPROTOCOL (the answer lacks a token); transport errors.
 *         Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_exchange_code(esi_sso_tokens **out, esi_sso *s, const esi_sso_login *login, const char *code,
                                         const char *returned_state);

/* ------------------------------------------------------------------ tokens */

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
ERPLINK_EXTERN int esi_sso_refresh(esi_sso_tokens **out, esi_sso *s, const char *refresh_token, const char *scope);

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
 * @return 0, ::ERPLINK_EINVAL, or an error of esi_jwt_verify() or of fetching the metadata
 *         and JWKS. Thread-safe.
 */
ERPLINK_EXTERN int esi_sso_verify(esi_token_claims **out, esi_sso *s, const char *token);

/**
 * @brief Frees tokens, wiping them (NULL is a no-op).
 * @param t the tokens. Not thread-safe: no other thread may be reading @p t.
 */
ERPLINK_EXTERN void esi_sso_tokens_free(esi_sso_tokens *t);

/**
 * @brief The access token (secret: do not log it).
 * @param t the tokens.
 * @return a string owned by @p t (NULL for NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *esi_sso_tokens_access_token(const esi_sso_tokens *t);

/**
 * @brief The refresh token to store from now on (secret).
 * @param t the tokens.
 * @return a string owned by @p t (NULL for NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *esi_sso_tokens_refresh_token(const esi_sso_tokens *t);

/**
 * @brief `expires_in` as received, in seconds.
 * @param t the tokens.
 * @return seconds (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_sso_tokens_expires_in(const esi_sso_tokens *t);

/**
 * @brief When the access token expires: receipt time + `expires_in`, seconds since 1970.
 * @param t the tokens.
 * @return the time (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_sso_tokens_expires_at(const esi_sso_tokens *t);

ERPLINK_END_DECLS

#endif /* ERPLINK_ESI_SSO_H */
