/* The self-refreshing esi_token: one lock per token, so that concurrent callers wait for one
 * refresh; a rotated refresh token replaces the old one at once (the old one may be dead
 * already) and is handed to the application's callback. */
#include "esi_internal.h"

struct esi_token {
  esi_sso *sso;
  pthread_mutex_t mu;
  char *refresh;
  char *access; /* NULL until the first refresh */
  esi_token_claims *claims;
  int64_t expires_at; /* wall seconds */
  int64_t margin_s;
  int64_t refreshes;
  esi_token_refresh_fn cb;
  void *ud;
};

static int token_alloc(esi_token **out, esi_sso *sso, const char *refresh, esi_token_refresh_fn cb, void *ud) {
  esi_token *t = calloc(1, sizeof *t);
  if (!t || !(t->refresh = strdup(refresh))) {
    free(t);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  pthread_mutex_init(&t->mu, NULL);
  t->sso = sso;
  t->margin_s = 60;
  t->cb = cb;
  t->ud = ud;
  *out = t;
  return 0;
}

int esi_token_new(esi_token **out, esi_sso *sso, const char *refresh_token, esi_token_refresh_fn on_refresh,
                  void *userdata) {
  if (out) *out = NULL;
  if (!out || !sso || !refresh_token || !*refresh_token)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_token_new: NULL argument or empty refresh token");
  return token_alloc(out, sso, refresh_token, on_refresh, userdata);
}

int esi_token_new_from_tokens(esi_token **out, esi_sso *sso, const esi_sso_tokens *tokens,
                              esi_token_refresh_fn on_refresh, void *userdata) {
  if (out) *out = NULL;
  if (!out || !sso || !tokens) return erplink__error_setf(ERPLINK_EINVAL, "esi_token_new_from_tokens: NULL argument");
  esi_token_claims *c = NULL;
  int rc = esi_sso_verify(&c, sso, tokens->access);
  if (rc != 0) return rc;
  esi_token *t = NULL;
  rc = token_alloc(&t, sso, tokens->refresh, on_refresh, userdata);
  if (rc == 0 && !(t->access = strdup(tokens->access))) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc != 0) {
    esi_token_claims_free(c);
    esi_token_free(t);
    return rc;
  }
  t->claims = c;
  t->expires_at =
      tokens->expires_at < esi_token_claims_expires_at(c) ? tokens->expires_at : esi_token_claims_expires_at(c);
  *out = t;
  return 0;
}

void esi_token_free(esi_token *t) {
  if (!t) return;
  erplink__free_str(t->refresh, true);
  erplink__free_str(t->access, true);
  esi_token_claims_free(t->claims);
  pthread_mutex_destroy(&t->mu);
  free(t);
}

int esi_token_set_refresh_margin_s(esi_token *t, int64_t s) {
  if (!t || s < 0 || s > 3600)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_token_set_refresh_margin_s: %lld outside 0..3600", (long long)s);
  pthread_mutex_lock(&t->mu);
  t->margin_s = s;
  pthread_mutex_unlock(&t->mu);
  return 0;
}

int esi_token_invalidate(esi_token *t) {
  if (!t) return erplink__error_setf(ERPLINK_EINVAL, "esi_token_invalidate: NULL token");
  pthread_mutex_lock(&t->mu);
  t->expires_at = 0;
  pthread_mutex_unlock(&t->mu);
  return 0;
}

/* Called with t->mu held. */
static int ensure_fresh(esi_token *t) {
  if (t->access && esi__now_s() + t->margin_s < t->expires_at) return 0;
  esi_sso_tokens *nt = NULL;
  esi_token_claims *c = NULL;
  int rc = esi_sso_refresh(&nt, t->sso, t->refresh, NULL);
  if (rc != 0) return rc;
  /* the new refresh token replaces the old one even if the access token fails to verify:
   * the old one may be dead already after rotation */
  bool rotated = strcmp(nt->refresh, t->refresh) != 0;
  char *nr = strdup(nt->refresh), *na = strdup(nt->access);
  if (!nr || !na) {
    erplink__free_str(nr, true);
    erplink__free_str(na, true);
    esi_sso_tokens_free(nt);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  erplink__free_str(t->refresh, true);
  t->refresh = nr;
  rc = esi_sso_verify(&c, t->sso, nt->access);
  int64_t exp = nt->expires_at;
  esi_sso_tokens_free(nt);
  if (rc != 0) {
    erplink__free_str(na, true);
    if (rotated && t->cb) t->cb(t->refresh, t->claims ? esi_token_claims_character_id(t->claims) : 0, t->ud);
    erplink__error_prefix("the refreshed access token failed verification: ");
    return rc;
  }
  erplink__free_str(t->access, true);
  t->access = na;
  esi_token_claims_free(t->claims);
  t->claims = c;
  t->expires_at = exp < esi_token_claims_expires_at(c) ? exp : esi_token_claims_expires_at(c);
  t->refreshes++;
  if (t->cb) t->cb(t->refresh, esi_token_claims_character_id(c), t->ud);
  return 0;
}

int esi_token_access_token(char **out, esi_token *t) {
  if (out) *out = NULL;
  if (!out || !t) return erplink__error_setf(ERPLINK_EINVAL, "esi_token_access_token: NULL argument");
  pthread_mutex_lock(&t->mu);
  int rc = ensure_fresh(t);
  if (rc == 0 && !(*out = strdup(t->access))) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  pthread_mutex_unlock(&t->mu);
  return rc;
}

int esi_token_get_claims(esi_token_claims **out, esi_token *t) {
  if (out) *out = NULL;
  if (!out || !t) return erplink__error_setf(ERPLINK_EINVAL, "esi_token_get_claims: NULL argument");
  pthread_mutex_lock(&t->mu);
  int rc = ensure_fresh(t);
  if (rc == 0) rc = esi__claims_clone(out, t->claims);
  pthread_mutex_unlock(&t->mu);
  return rc;
}

int64_t esi_token_refresh_count(esi_token *t) {
  if (!t) return 0;
  pthread_mutex_lock(&t->mu);
  int64_t n = t->refreshes;
  pthread_mutex_unlock(&t->mu);
  return n;
}

int esi__token_auth(esi_token *t, char **access, int64_t *character_id) {
  *access = NULL;
  *character_id = 0;
  pthread_mutex_lock(&t->mu);
  int rc = ensure_fresh(t);
  if (rc == 0) {
    if (!(*access = strdup(t->access)))
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    else
      *character_id = esi_token_claims_character_id(t->claims);
  }
  pthread_mutex_unlock(&t->mu);
  return rc;
}
