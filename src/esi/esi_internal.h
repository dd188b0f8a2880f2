/* Private declarations shared by the files of src/esi (jwt.c, sso.c, client.c). */
#ifndef ERPLINK_ESI_INTERNAL_H
#define ERPLINK_ESI_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "erplink/esi.h"
#include "internal.h"

/* JWKS: refcounted so that esi_sso can swap its cached set while other threads verify with
 * the old one (esi_jwks_free drops one reference). */
esi_jwks *esi__jwks_ref(esi_jwks *k);

/* esi_jwks_new_from_json() that also logs (INFO, one line per set, kids and reasons only)
 * the keys it skipped; lg may be NULL. */
struct erplink__logger;
int esi__jwks_parse(esi_jwks **out, const char *json, size_t len, const struct erplink__logger *lg);

/* Verifies like esi_jwt_verify(); *unknown_kid is set when the failure is only that no key of
 * the set has the token's kid (the caller may re-fetch the set and try again). */
int esi__jwt_verify(esi_token_claims **out, const esi_jwks *jwks, const char *token, const char *client_id,
                    int64_t now_unix_s, int64_t leeway_s, bool *unknown_kid);

/* Copies claims. */
int esi__claims_clone(esi_token_claims **out, const esi_token_claims *c);

/* Copies at most max bytes of s into out (size >= max+1) for an error message, replacing
 * control and non-printable bytes with '?'. Returns out. */
char *esi__printable(char *out, const char *s, size_t len, size_t max);

/* Appends s percent-encoded (RFC 3986 unreserved characters kept). */
int esi__pct_put(erplink_buf *b, const char *s);

/* Strict validation of option strings: non-empty, printable (no control characters). */
bool esi__printable_ok(const char *s);

/* A valid access token (malloc'ed copy: wipe and free) and the character id, for esi_client. */
int esi__token_auth(esi_token *t, char **access, int64_t *character_id);

#endif
