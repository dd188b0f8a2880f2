/**
 * @file erplink/esi_token.h
 * @brief EVE Online: a character's credentials that refresh (and verify) themselves before
 *        they expire, for the ESI client's authenticated routes. Part of erplink/esi.h.
 *
 * An ::esi_token holds a refresh token and the current access token of one character. When
 * the access token expires within the margin (or ESI refused it with 401), the next use
 * refreshes it through the ::esi_sso client, verifies the new access token and hands the
 * possibly rotated refresh token to the application's callback to store.
 *
 * @par Thread safety
 * A token may be used from several threads at once: concurrent callers wait for one refresh
 * and never refresh twice.
 */
#ifndef ERPLINK_ESI_TOKEN_H
#define ERPLINK_ESI_TOKEN_H

#include "common.h"
#include "esi_jwt.h"
#include "esi_sso.h"

ERPLINK_BEGIN_DECLS

/** @brief A character's credentials that refresh themselves before expiry (opaque, thread-safe). */
typedef struct esi_token esi_token;

/**
 * @brief Called after every successful refresh, with the refresh token to store from now on
 *        (possibly rotated). Called on the thread that triggered the refresh, with the token's
 *        lock held: it must not call back into the same ::esi_token.
 * @param refresh_token the refresh token to persist (secret; valid only during the call).
 * @param character_id  the character the token belongs to (0 when the refreshed access token
 *                      failed verification before the character was ever known).
 * @param userdata      as given to esi_token_new().
 */
typedef void (*esi_token_refresh_fn)(const char *refresh_token, int64_t character_id, void *userdata);

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

/**
 * @brief Frees a token, wiping its secrets (NULL is a no-op).
 * @param t the token. Not thread-safe: no other thread may be using it.
 */
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
 * @return 0, ::ERPLINK_EINVAL, or an error of esi_token_access_token(). Thread-safe.
 */
ERPLINK_EXTERN int esi_token_get_claims(esi_token_claims **out, esi_token *t);

/**
 * @brief How many refreshes this token has made.
 * @param t the token.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_token_refresh_count(esi_token *t);

ERPLINK_END_DECLS

#endif /* ERPLINK_ESI_TOKEN_H */
