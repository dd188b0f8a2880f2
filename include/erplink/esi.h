/**
 * @file erplink/esi.h
 * @brief EVE Online: EVE SSO (OAuth 2.0 with PKCE or a client secret), local verification of
 *        the SSO's JWT access tokens against its JWKS, self-refreshing credentials, and the
 *        ESI client. This umbrella header includes the four parts:
 *
 * | header | what |
 * |---|---|
 * | erplink/esi_jwt.h | ::esi_jwks, esi_jwt_verify(), ::esi_token_claims: token verification, no network |
 * | erplink/esi_sso.h | ::esi_sso_options, ::esi_sso, ::esi_sso_login (resumable across processes), ::esi_sso_tokens |
 * | erplink/esi_token.h | ::esi_token: a character's credentials that refresh themselves |
 * | erplink/esi_client.h | ::esi_options, ::esi_client, ::esi_params, ::esi_response, ::esi_pager, ::esi_cache_store, typed helpers |
 *
 * Both clients take their transport settings from an embedded ::erplink_http_options
 * (esi_sso_options_http(), esi_options_http()); both require a User-Agent of the
 * application's own, and ESI one with contact details.
 */
#ifndef ERPLINK_ESI_H
#define ERPLINK_ESI_H

#include "esi_jwt.h"
#include "esi_sso.h"
#include "esi_token.h"
#include "esi_client.h"

#endif /* ERPLINK_ESI_H */
