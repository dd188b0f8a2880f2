/*
 * Private to src/esi/: the layouts and the functions the files of the ESI and SSO module share.
 *
 *   util.c      small helpers: printable text for messages, strict option strings, secrets,
 *               base64url, JSON members, the wall clock in seconds
 *   jwks.c      JWKS parsing: which keys are kept, skipped or refused (keys through erplink_pkey)
 *   jwt.c       access-token verification (header, signature, claims) and the claims object
 *   sso.c       SSO options and client, metadata discovery, the token endpoint (code exchange,
 *               refresh, revoke), JWKS-cached verification
 *   login.c     logins: state, PKCE, authorization URL, export and import
 *   token.c     the self-refreshing esi_token
 *   client.c    ESI options and client, the error-limit and rate-limit state
 *   cache.c     the in-memory cache store and the cache blob format
 *   params.c    path and query parameters, URL building
 *   request.c   one call: GET through the cache or POST, in two halves (prepare, process) that
 *               the single-request path and the batch paths share; the answer's metadata; errors
 *   response.c  esi_response: pages, items, metadata
 *   pager.c     the pull pager (pages 2..N through one HTTP batch, bounded read-ahead,
 *               Last-Modified check), esi_client_get_pages and esi_client_get_all_pages on it
 *   helpers.c   typed helpers: assets, market orders, blueprints, wallet, mail, universe names
 *               (chunks and bisection through one HTTP batch)
 *
 * Every function here returns 0 or a negative ERPLINK_E* code with the thread's last error set,
 * unless it says otherwise. No file of src/esi includes an OpenSSL or libcurl header.
 */
#ifndef ERPLINK_ESI_INTERNAL_H
#define ERPLINK_ESI_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/crypto.h"
#include "erplink/esi.h"
#include "erplink/json.h"
#include "http_internal.h"
#include "internal.h"

/* ---------------------------------------------------------------- util.c */

/* Copies at most max bytes of s into out (size >= max+1) for an error message, replacing
 * control and non-printable bytes with '?'. Returns out. */
char *esi__printable(char *out, const char *s, size_t len, size_t max);
/* Strict validation of option strings: non-empty, printable (no control characters). */
bool esi__printable_ok(const char *s);
/* Decodes base64url (padding optional) into a fresh buffer (free()). */
int esi__b64u_decode(unsigned char **out, size_t *out_len, const char *s, size_t len);
/* The string member key of obj, or NULL (absent or not a string). */
const char *esi__str_member(const erplink_value *obj, const char *key);
/* The wall clock in seconds since 1970. */
int64_t esi__now_s(void);

/* ---------------------------------------------------------------- jwks.c */

/* One kept key of a set. */
typedef struct esi__jwk {
  char *kid;
  char *alg;           /* the key's own `alg`, or NULL */
  erplink_sig_alg sig; /* RS256 for an RSA key, ES256 for an EC P-256 key */
  erplink_pkey *pkey;
} esi__jwk;

/* The key with this kid, or NULL. */
const esi__jwk *esi__jwks_find(const esi_jwks *k, const char *kid);
/* JWKS are refcounted so that esi_sso can swap its cached set while other threads verify with
 * the old one (esi_jwks_free drops one reference). */
esi_jwks *esi__jwks_ref(esi_jwks *k);
/* esi_jwks_new_from_json() that also logs (INFO, one line per set, kids and reasons only)
 * the keys it skipped; lg may be NULL. */
int esi__jwks_parse(esi_jwks **out, const char *json, size_t len, const erplink__logger *lg);

/* ---------------------------------------------------------------- jwt.c */

/* Verifies like esi_jwt_verify(); *unknown_kid is set when the failure is only that no key of
 * the set has the token's kid (the caller may re-fetch the set and try again). */
int esi__jwt_verify(esi_token_claims **out, const esi_jwks *jwks, const char *token, const char *client_id,
                    int64_t now_unix_s, int64_t leeway_s, bool *unknown_kid);
/* Copies claims. */
int esi__claims_clone(esi_token_claims **out, const esi_token_claims *c);

/* ---------------------------------------------------------------- sso.c, login.c */

typedef struct esi__meta {
  char *issuer, *authorize, *token, *revoke, *jwks_uri;
} esi__meta;

struct esi_sso {
  char *client_id;
  char *client_secret; /* NULL for native applications */
  char *redirect_uri;
  char *metadata_url;
  int64_t leeway_s;
  int64_t jwks_interval_ms;
  int64_t login_max_age_s;
  erplink_http_client *http;
  pthread_mutex_t mu;       /* guards the cached metadata and JWKS pointers */
  pthread_mutex_t fetch_mu; /* serialises network fetches of metadata and JWKS */
  bool have_meta;
  esi__meta m; /* set once; never changed afterwards */
  esi_jwks *jwks;
  int64_t jwks_fetched_ms; /* monotonic; 0 = never */
};

struct esi_sso_tokens {
  char *access;  /* secret */
  char *refresh; /* secret */
  int64_t expires_in;
  int64_t expires_at;
};

#define ESI__MAX_SCOPES 256

struct esi_sso_login {
  char *url;      /* NULL for an imported login */
  char *state;    /* secret-ish: wiped */
  char *verifier; /* NULL for web applications; secret */
  int64_t created_s;
  char **scopes;
  size_t n_scopes;
  char *client_id;
  unsigned char tag_key[32]; /* web applications: the export key derived from the client secret */
  bool keyed;
};

/* ---------------------------------------------------------------- token.c */

/* A valid access token (malloc'ed copy: wipe and free) and the character id, for esi_client. */
int esi__token_auth(esi_token *t, char **access, int64_t *character_id);

/* ---------------------------------------------------------------- client.c */

#define ESI__MAX_GROUPS 64
#define ESI__MAX_ROUTES 256
#define ESI__MAX_PAGES 100000

typedef struct esi__rl_group {
  char name[48];
  int64_t limit;
  int64_t window_ms;
  int64_t remaining;
} esi__rl_group;

typedef struct esi__route_group {
  char route[160];
  int group;
} esi__route_group;

struct esi_client {
  char *base_url;
  char date[11];
  char *tenant;
  int concurrency;
  int floor;
  bool caching;
  bool keep_json; /* esi_options_set_keep_json() */
  esi_cache_store store;
  atomic_bool cache_warned; /* a failing cache store was reported (once per client) */
  erplink_http_client *http;
  pthread_mutex_t mu; /* error-limit and rate-limit state */
  int el_remain, el_reset;
  esi__rl_group groups[ESI__MAX_GROUPS];
  int n_groups;
  esi__route_group routes[ESI__MAX_ROUTES];
  int n_routes;
};

typedef struct esi__page esi__page;
/* An integer response header (surrounding spaces allowed), or dflt when absent or not an integer. */
int64_t esi__hdr_int(const erplink_http_response *rs, const char *name, int64_t dflt);
/* Updates the client's error/rate-limit state from any response (and records the headers in
 * pg), pausing the client when the error limit reaches the floor. */
void esi__observe(esi_client *c, const char *route, const erplink_http_response *rs, esi__page *pg);
/* Spaces requests of a route whose rate-limit group is nearly exhausted (sleeps, cancellably). */
void esi__slow_down(esi_client *c, const char *route);

/* ---------------------------------------------------------------- cache.c */

/* The default store: blobs in memory, at most max bytes (oldest dropped first). */
int esi__mcache_new(esi_cache_store *st, size_t max);

/* A cache blob: "ESI1\nE<etag>\nL<lm>\nX<expires>\nP<pages>\n\n<body>". */
typedef struct esi__blob {
  char *etag, *lm; /* point into the parsed data, or NULL */
  int64_t exp;
  int pages;
  const char *body;
  size_t len;
} esi__blob;
int esi__blob_make(erplink_buf *b, const char *etag, const char *lm, int64_t exp, int pages, const char *body,
                   size_t len);
/* Parses data in place (it is modified); false when it is not a blob of this version. */
bool esi__blob_parse(esi__blob *o, char *data, size_t len);

/* ---------------------------------------------------------------- params.c */

/* Builds base + route (placeholders substituted) + query (+ page when > 0, + extra_q=extra_v
 * when extra_q is not NULL). */
int esi__build_url(char **out, const esi_client *c, const char *route, const esi_params *p, int page,
                   const char *extra_q, const char *extra_v);
/* Copies parameters (src may be NULL: *out is then NULL). */
int esi__params_clone(esi_params **out, const esi_params *src);

/* ---------------------------------------------------------------- request.c */

/* What one call (one page) produced. */
struct esi__page {
  int status;
  esi_cache_status cache;
  erplink_value *value;
  char *etag, *lm;
  int64_t expires_ms;
  int pages;
  int el_remain, el_reset;
  char *rl_group, *rl_limit;
  int64_t rl_remaining, rl_used;
  int requests;
  char *json; /* the body as received (validated JSON text), when the client keeps it */
  size_t json_len;
};
void esi__page_init(esi__page *p);
void esi__page_clear(esi__page *p); /* frees what it holds and re-initialises it */

/* One call (GET through the cache, or POST) in two halves shared by the single-request path
 * (esi__fetch_one) and the batch paths (pager, universe names): esi__call_prepare() makes the
 * request (or answers from the cache), esi__call_process() digests the answer. */
typedef struct esi__call {
  esi__page *pg;
  esi_client *c;
  const char *method, *route, *url, *body;
  size_t blen;
  bool idempotent_post, is_get, force;
  esi_token *tok;
  int page;
  int auth_try;
  char *access, *key;
  int64_t char_id;
  void *cached;
  size_t cached_len;
  esi__blob cb;
  bool have_blob;
  bool active;
  erplink_http_request *rq;
} esi__call;

/* Sets up a call filling pg (which is initialised). url and body are borrowed until
 * esi__call_done(). force: revalidate a cached page even before its expiry. page: the page
 * number for messages (0 for none). */
void esi__call_init(esi__call *pc, esi__page *pg, esi_client *c, const char *method, const char *route, const char *url,
                    const char *body, size_t blen, bool idempotent_post, esi_token *tok, int page, bool force);
/* 0 with pc->rq set (send it, then call esi__call_process), 0 with pc->rq NULL (answered from
 * the cache: pc->pg is filled), or an error. */
int esi__call_prepare(esi__call *pc);
/* Digests the transport's answer to pc->rq (rc and rs as erplink_http_client_send() returns
 * them, the last error describing rc; takes rs). Returns 1 when the request must be prepared
 * and sent again (the token was refreshed after a 401), 0 when done, or an error. */
int esi__call_process(esi__call *pc, int rc, erplink_http_response *rs);
/* Ends a call: frees its state (not the page). No-op when not active. */
void esi__call_done(esi__call *pc);
/* Performs one call synchronously and fills pg. */
int esi__fetch_one(esi__page *pg, esi_client *c, const char *method, const char *route, const char *url,
                   const char *body, size_t blen, bool idempotent_post, esi_token *tok, int page, bool force);
/* One request of a route (no pagination) into a one-page response. */
int esi__single(esi_response **out, esi_client *c, const char *method, const char *route, const esi_params *params,
                const char *body, size_t len, bool idempotent, esi_token *token);

/* ---------------------------------------------------------------- response.c */

struct esi_response {
  esi__page *p;
  size_t n, cap;
  size_t *offs; /* offs[i] = items before page i; offs[n] = total */
  int64_t requests;
};

/* A response with room for cap pages (none held yet); NULL (ENOMEM set) on failure. */
esi_response *esi__response_new(size_t cap);
/* Moves *pg into r (pg is re-initialised). */
int esi__response_push(esi_response *r, esi__page *pg);
/* Finishes r (item offsets, request count) and gives it to the caller, or frees it (keeping
 * the error) when rc or finishing fails. */
int esi__response_hand_over(esi_response **out, esi_response *r, int rc);

/* ---------------------------------------------------------------- pager.c */

/* esi_pager_new() for esi_client_get_all_pages(): no read-ahead bound (every page is kept). */
int esi__pager_new(esi_pager **out, esi_client *c, const char *route, const esi_params *params, esi_token *token,
                   bool bounded);
/* The next page moved into *pg (0 with pg->value NULL at the end); otherwise as esi_pager_next(). */
int esi__pager_take(esi__page *pg, int *page, esi_pager *p);
/* How many HTTP requests the pager made so far (retries included). */
int64_t esi__pager_requests(const esi_pager *p);

#endif
