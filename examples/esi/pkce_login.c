/* EVE SSO login for a native application (PKCE, no client secret), then a verified token,
 * a self-refreshing credential and an authenticated ESI call. The login is started by one SSO
 * client and finished by another, as when the redirect and the callback land in different
 * worker processes: the login travels as an exported string (esi_sso_login_export/_import).
 *
 *   pkce_login SSO_METADATA_URL ESI_BASE_URL CLIENT_ID
 *
 * A real application sends the user's browser to the printed URL and receives the callback
 * on its redirect URI; against the simulator (tests/servers/esi_sim.py) this program plays
 * the browser itself by requesting the URL and reading the redirect. Uses only the public API. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <erplink/erplink.h>

static char *param(const char *url, const char *name) {
  const char *q = strchr(url, '?');
  size_t nl = strlen(name);
  for (; q; q = strchr(q, '&')) {
    q++;
    if (strncmp(q, name, nl) == 0 && q[nl] == '=') {
      size_t l = strcspn(q + nl + 1, "&#");
      char *v = malloc(l + 1);
      if (v) memcpy(v, q + nl + 1, l), v[l] = 0;
      return v;
    }
  }
  return NULL;
}

/* Plays the user's browser: open the authorization URL, read where the SSO redirects to. */
static int simulate_browser(const char *url, char **code, char **state) {
  erplink_http_client *h = NULL;
  erplink_http_request *rq = NULL;
  erplink_http_response *rs = NULL;
  int rc = erplink_http_client_new(&h, NULL);
  if (rc == 0) rc = erplink_http_request_new(&rq, "GET", url);
  if (rc == 0) erplink_http_client_send(&rs, h, rq); /* a 302 is "an error" for a client that does not follow */
  const char *loc = rs ? erplink_http_response_header(rs, "Location") : NULL;
  *code = loc ? param(loc, "code") : NULL;
  *state = loc ? param(loc, "state") : NULL;
  erplink_http_response_free(rs);
  erplink_http_request_free(rq);
  erplink_http_client_free(h);
  return *code && *state ? 0 : -1;
}

/* Where a real application would store the (possibly rotated) refresh token. */
static void store_refresh_token(const char *refresh_token, int64_t character_id, void *ud) {
  int *count = ud;
  (*count)++;
  printf("refresh token rotated for character %" PRId64 " (%zu characters; store it securely)\n", character_id,
         strlen(refresh_token));
}

static int fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, erplink_error_message(erplink_error_last()));
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: pkce_login SSO_METADATA_URL ESI_BASE_URL CLIENT_ID\n");
    return 2;
  }
  const char *ua = "erplink-example/1.0 (erplink-example@example.com)";
  esi_sso_options *so = NULL;
  esi_sso *sso = NULL;
  if (esi_sso_options_new(&so) != 0 || esi_sso_options_set_client_id(so, argv[3]) != 0 ||
      esi_sso_options_set_redirect_uri(so, "http://localhost/callback") != 0 ||
      esi_sso_options_set_metadata_url(so, argv[1]) != 0 ||
      erplink_http_options_set_user_agent(esi_sso_options_http(so), ua) != 0 || esi_sso_new(&sso, so) != 0)
    return fail("SSO setup");

  const char *scopes[] = {"esi-assets.read_assets.v1", "esi-wallet.read_character_wallet.v1"};
  esi_sso_login *login = NULL;
  if (esi_sso_login_new(&login, sso, scopes, 2) != 0) return fail("starting the login");
  printf("1. send the user to:\n   %.80s...\n", esi_sso_login_url(login));
  /* keep the login where the user cannot change it (a signed session cookie, a store) */
  char *exported = NULL;
  if (esi_sso_login_export(&exported, login) != 0) return fail("exporting the login");

  char *code = NULL, *state = NULL;
  if (simulate_browser(esi_sso_login_url(login), &code, &state) != 0) {
    fprintf(stderr, "the SSO did not redirect back with a code\n");
    return 1;
  }
  printf("2. the callback received a code and state=%s\n", state);
  esi_sso_login_free(login);

  /* the process that receives the callback: its own SSO client rebuilds the login */
  esi_sso *callback_sso = NULL;
  esi_sso_login *resumed = NULL;
  if (esi_sso_new(&callback_sso, so) != 0 || esi_sso_login_import(&resumed, callback_sso, exported) != 0)
    return fail("resuming the login");
  esi_sso_options_free(so);
  memset(exported, 0, strlen(exported)); /* a secret */
  erplink_free(exported);
  esi_sso_tokens *tokens = NULL;
  int rc = esi_sso_exchange_code(&tokens, callback_sso, resumed, code, state);
  free(code);
  free(state);
  esi_sso_login_free(resumed);
  esi_sso_free(callback_sso);
  if (rc != 0) return fail("exchanging the code");
  printf("   finished by another SSO client from the exported login\n");

  esi_token_claims *claims = NULL;
  if (esi_sso_verify(&claims, sso, esi_sso_tokens_access_token(tokens)) != 0) return fail("verifying the token");
  int64_t char_id = esi_token_claims_character_id(claims);
  printf("3. logged in as %s (character %" PRId64 ", owner %s), %zu scopes, token valid for %" PRId64 " s\n",
         esi_token_claims_name(claims), char_id, esi_token_claims_owner(claims), esi_token_claims_scope_count(claims),
         esi_sso_tokens_expires_in(tokens));
  esi_token_claims_free(claims);

  int rotations = 0;
  esi_token *tok = NULL;
  if (esi_token_new_from_tokens(&tok, sso, tokens, store_refresh_token, &rotations) != 0) return fail("token");
  esi_token_invalidate(tok); /* force one refresh to show the rotation callback */

  esi_options *eo = NULL;
  esi_client *esi = NULL;
  esi_response *r = NULL;
  if (esi_options_new(&eo) != 0 || esi_options_set_base_url(eo, argv[2]) != 0 ||
      erplink_http_options_set_user_agent(esi_options_http(eo), ua) != 0 || esi_client_new(&esi, eo) != 0)
    return fail("ESI setup");
  esi_options_free(eo);
  if (esi_client_character_assets(&r, esi, tok, char_id) != 0) return fail("assets");
  printf("4. %zu assets on %zu pages\n", esi_response_item_count(r), esi_response_page_count(r));
  esi_response_free(r);

  /* logging out: revoke the refresh token */
  if (esi_sso_revoke(sso, esi_sso_tokens_refresh_token(tokens)) != 0) return fail("revoking");
  printf("5. refresh token revoked\n");
  esi_client_free(esi);
  esi_token_free(tok);
  esi_sso_tokens_free(tokens);
  esi_sso_free(sso);
  return rotations == 1 ? 0 : 1;
}
