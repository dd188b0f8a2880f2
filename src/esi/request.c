/* One ESI call: a GET through the cache (fresh until Expires/max-age, then revalidated with
 * If-None-Match) or a POST, with the error and rate limits observed, a 401 answered by one
 * token refresh, and ESI's error text in the message. The call is split in two halves —
 * esi__call_prepare() and esi__call_process() — so that the batch paths (pager, universe
 * names) send it through an erplink_http_batch while the single path sends it at once. */
#include <inttypes.h>
#include <stdio.h>

#include "esi_internal.h"

void esi__page_init(esi__page *p) {
  memset(p, 0, sizeof *p);
  p->el_remain = p->el_reset = -1;
  p->rl_remaining = p->rl_used = -1;
  p->pages = 1;
}

void esi__page_clear(esi__page *p) {
  erplink_value_free(p->value);
  free(p->json);
  free(p->etag);
  free(p->lm);
  free(p->rl_group);
  free(p->rl_limit);
  esi__page_init(p);
}

/* Keeps a copy of the page's validated body when the client asks for it (esi_options_set_keep_json). */
static int keep_json(esi_client *c, esi__page *pg, const char *body, size_t len) {
  if (!c->keep_json) return 0;
  free(pg->json);
  pg->json = malloc(len + 1);
  if (!pg->json) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  memcpy(pg->json, body, len);
  pg->json[len] = '\0';
  pg->json_len = len;
  return 0;
}

static char *hdr_dup(const erplink_http_response *rs, const char *name) {
  const char *v = erplink_http_response_header(rs, name);
  return v ? strdup(v) : NULL;
}

/* Expiry of a response in wall ms: max-age, else Expires - Date, else Expires; 0 = not cacheable. */
static int64_t expiry_ms(const erplink_http_response *rs) {
  int64_t now = erplink__now_wall_ms();
  const char *cc = erplink_http_response_header(rs, "Cache-Control");
  if (cc) {
    if (strstr(cc, "no-store") || strstr(cc, "no-cache")) return 0;
    const char *m = strstr(cc, "max-age=");
    if (m) {
      long long a = atoll(m + 8);
      if (a >= 0 && a < 86400LL * 365) return now + a * 1000;
    }
  }
  const char *ex = erplink_http_response_header(rs, "Expires");
  if (ex) {
    int64_t until = 0;
    if (erplink_http_parse_retry_after(&until, ex, now) == 0) {
      const char *dt = erplink_http_response_header(rs, "Date");
      int64_t dd = 0;
      /* compute relative to the server's Date to be immune to clock skew */
      if (dt && erplink_http_parse_retry_after(&dd, dt, now - 86400000) == 0 && dd >= 86400000 - 600000) {
        int64_t server_now = now - 86400000 + dd;
        int64_t abs_exp = now + until;
        return now + (abs_exp - server_now > 0 ? abs_exp - server_now : 0);
      }
      return now + until;
    }
  }
  return 0;
}

static int set_esi_error(int rc, erplink_http_response *rs, const char *method, const char *route, int page) {
  int status = erplink_http_response_status(rs);
  int64_t ra = erplink_error_retry_after_ms(erplink_error_last());
  size_t len = 0;
  const char *body = erplink_http_response_body(rs, &len);
  erplink_value *doc = NULL;
  const char *msg = NULL;
  if (erplink_json_decode(&doc, body, len, NULL) == 0) {
    const erplink_value *v = erplink_value_struct_get(doc, "error");
    if (v) erplink_value_get_string(&msg, NULL, v);
  }
  char m[300], pg[32] = "";
  if (page > 0) snprintf(pg, sizeof pg, " (page %d)", page);
  if (strcmp(method, "POST") == 0 && (status == 400 || status == 422)) rc = ERPLINK_EVALIDATION;
  const char *hint = status == 420 ? " — the error limit is exhausted: every request of this client is paused until "
                                     "the window resets"
                     : status == 403 ? " — check the token's scopes and character"
                                     : "";
  rc = erplink__error_setx(rc, status, NULL, body, len < 2048 ? len : 2048, ra, "ESI %s %s%s: HTTP %d: %s%s", method,
                           route, pg, status, msg ? esi__printable(m, msg, strlen(msg), 256) : "(no error text)", hint);
  erplink_value_free(doc);
  return rc;
}

void esi__call_init(esi__call *pc, esi__page *pg, esi_client *c, const char *method, const char *route, const char *url,
                    const char *body, size_t blen, bool idempotent_post, esi_token *tok, int page, bool force) {
  memset(pc, 0, sizeof *pc);
  pc->pg = pg;
  pc->c = c;
  pc->method = method;
  pc->route = route;
  pc->url = url;
  pc->body = body;
  pc->blen = blen;
  pc->idempotent_post = idempotent_post;
  pc->is_get = strcmp(method, "GET") == 0;
  pc->force = force;
  pc->tok = tok;
  pc->page = page;
  pc->active = true;
  esi__page_init(pg);
}

/* A cache store that fails (a file that broke, a store server that is down) never fails a call:
 * the page is fetched as if it were not cached, and the first failure is logged (once). */
static void cache_trouble(esi_client *c, const char *op, int code) {
  if (atomic_exchange(&c->cache_warned, true)) return;
  const erplink__logger *lg = erplink__http_client_logger(c->http);
  if (!erplink__log_on(lg, ERPLINK_LOG_WARN)) return;
  const erplink_error *e = erplink_error_last();
  erplink__logf(lg, ERPLINK_LOG_WARN,
                "ESI cache store: %s failed (%s): pages are fetched without the cache while it "
                "fails (further failures are not logged)",
                op, e && erplink_error_code(e) == code ? erplink_error_message(e) : erplink_strerror(code));
}

int esi__call_prepare(esi__call *pc) {
  esi_client *c = pc->c;
  esi__page *pg = pc->pg;
  int rc = 0;
  pc->rq = NULL;
  if (pc->tok) {
    if (pc->access) erplink__wipe(pc->access, strlen(pc->access));
    free(pc->access);
    pc->access = NULL;
    if ((rc = esi__token_auth(pc->tok, &pc->access, &pc->char_id)) != 0) return rc;
  }
  if (pc->is_get && c->caching && !pc->key) {
    erplink_buf kb = ERPLINK_BUF_INIT;
    erplink_buf_printf(&kb, "GET %s|t=%s|d=%s|c=%" PRId64, pc->url, c->tenant, c->date, pc->char_id);
    if (kb.oom) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    pc->key = erplink_buf_detach(&kb, NULL);
    pc->cached = NULL;
    pc->cached_len = 0;
    int g = c->store.get(pc->key, &pc->cached, &pc->cached_len, c->store.userdata);
    if (g < 0) {
      cache_trouble(c, "get", g);
      free(pc->cached);
      pc->cached = NULL;
      pc->cached_len = 0;
    }
    pc->have_blob = pc->cached && esi__blob_parse(&pc->cb, pc->cached, pc->cached_len);
    if (pc->have_blob && !pc->force && erplink__now_wall_ms() < pc->cb.exp &&
        erplink_json_decode(&pg->value, pc->cb.body, pc->cb.len, NULL) != 0) {
      pc->have_blob = false; /* a stored body that does not decode is never served: fetch */
      pg->value = NULL;
    }
    if (pc->have_blob && !pc->force && erplink__now_wall_ms() < pc->cb.exp) {
      pg->status = 200;
      pg->cache = ESI_CACHE_HIT;
      pg->etag = pc->cb.etag ? strdup(pc->cb.etag) : NULL;
      pg->lm = pc->cb.lm ? strdup(pc->cb.lm) : NULL;
      pg->expires_ms = pc->cb.exp;
      pg->pages = pc->cb.pages > 0 ? pc->cb.pages : 1;
      return keep_json(c, pg, pc->cb.body, pc->cb.len);
    }
  }
  esi__slow_down(c, pc->route);
  erplink_http_request *rq = NULL;
  rc = erplink_http_request_new(&rq, pc->method, pc->url);
  if (rc == 0) rc = erplink_http_request_set_header(rq, "Accept", "application/json");
  if (rc == 0) rc = erplink_http_request_set_header(rq, "X-Compatibility-Date", c->date);
  if (rc == 0) rc = erplink_http_request_set_header(rq, "X-Tenant", c->tenant);
  if (rc == 0 && pc->have_blob && pc->cb.etag) rc = erplink_http_request_set_header(rq, "If-None-Match", pc->cb.etag);
  if (rc == 0 && pc->access) {
    erplink_buf hb = ERPLINK_BUF_INIT;
    hb.secret = true;
    erplink_buf_printf(&hb, "Bearer %s", pc->access);
    rc = hb.oom ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory")
                : erplink_http_request_set_header(rq, "Authorization", hb.ptr);
    erplink_buf_free(&hb);
  }
  if (rc == 0 && pc->body) {
    rc = erplink_http_request_set_header(rq, "Content-Type", "application/json");
    if (rc == 0) rc = erplink_http_request_set_body(rq, pc->body, pc->blen);
    if (rc == 0 && pc->idempotent_post) rc = erplink_http_request_set_idempotent(rq, 1);
  }
  if (rc != 0) {
    erplink_http_request_free(rq);
    return rc;
  }
  pc->rq = rq;
  return 0;
}

/* Digests the transport's answer to pc->rq (rc and rs as erplink_http_client_send() returns
 * them, the last error describing rc; takes rs). Returns 1 when the request must be prepared
 * and sent again (the token was refreshed after a 401), 0 when done, or an error. */
int esi__call_process(esi__call *pc, int rc, erplink_http_response *rs) {
  esi_client *c = pc->c;
  esi__page *pg = pc->pg;
  const char *method = pc->method, *route = pc->route;
  erplink_http_request_free(pc->rq);
  pc->rq = NULL;
  pg->requests += rs ? erplink_http_response_attempts(rs) : 1;
  if (!rs) {
    char pgn[32] = "";
    if (pc->page > 0) snprintf(pgn, sizeof pgn, " (page %d)", pc->page);
    if (rc != 0) erplink__error_prefix("ESI %s %s%s: ", method, route, pgn);
    return rc;
  }
  esi__observe(c, route, rs, pg);
  int status = erplink_http_response_status(rs);
  pg->status = status;
  if (status == 401 && pc->tok && pc->auth_try == 0) {
    erplink_http_response_free(rs);
    esi_token_invalidate(pc->tok);
    pc->auth_try++;
    return 1;
  }
  if (status == 420) {
    int64_t reset = esi__hdr_int(rs, "X-ESI-Error-Limit-Reset", 60);
    erplink_http_client_pause_ms(c->http, (reset > 0 ? reset : 1) * 1000 + 100);
    rc = set_esi_error(ERPLINK_ERATELIMIT, rs, method, route, pc->page);
    erplink_http_response_free(rs);
    return rc;
  }
  if (rc != 0) {
    rc = set_esi_error(rc, rs, method, route, pc->page);
    erplink_http_response_free(rs);
    return rc;
  }
  pg->etag = hdr_dup(rs, "ETag");
  pg->lm = hdr_dup(rs, "Last-Modified");
  pg->pages = (int)esi__hdr_int(rs, "X-Pages", 1);
  if (pg->pages < 1 || pg->pages > ESI__MAX_PAGES) pg->pages = 1;
  pg->expires_ms = expiry_ms(rs);
  const char *rbody = NULL;
  size_t rlen = 0;
  if (status == 304 && pc->have_blob) {
    pg->cache = ESI_CACHE_REVALIDATED;
    rbody = pc->cb.body;
    rlen = pc->cb.len;
    if (!pg->etag && pc->cb.etag) pg->etag = strdup(pc->cb.etag);
    if (!pg->lm && pc->cb.lm) pg->lm = strdup(pc->cb.lm);
    if (!erplink_http_response_header(rs, "X-Pages") && pc->cb.pages > 0) pg->pages = pc->cb.pages;
  } else if (status == 304) {
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "ESI %s %s: 304 Not Modified without a cached copy", method, route);
    erplink_http_response_free(rs);
    return rc;
  } else {
    pg->cache = ESI_CACHE_MISS;
    rbody = erplink_http_response_body(rs, &rlen);
  }
  rc = erplink_json_decode(&pg->value, rbody, rlen, NULL);
  if (rc != 0) erplink__error_prefix("ESI %s %s: ", method, route);
  if (rc == 0) rc = keep_json(c, pg, rbody, rlen);
  if (rc == 0 && pc->is_get && pc->key && (status / 100 == 2 || status == 304)) {
    erplink_buf bb = ERPLINK_BUF_INIT;
    if (esi__blob_make(&bb, pg->etag, pg->lm, pg->expires_ms, pg->pages, rbody, rlen) == 0) {
      int p = c->store.put(pc->key, bb.ptr, bb.len, c->store.userdata);
      if (p < 0) cache_trouble(c, "put", p);
    }
    erplink_buf_free(&bb);
  }
  erplink_http_response_free(rs);
  return rc;
}

void esi__call_done(esi__call *pc) {
  if (!pc->active) return;
  if (pc->access) {
    erplink__wipe(pc->access, strlen(pc->access));
    free(pc->access);
  }
  erplink_http_request_free(pc->rq);
  free(pc->key);
  free(pc->cached);
  pc->access = pc->key = NULL;
  pc->cached = NULL;
  pc->rq = NULL;
  pc->active = false;
}

int esi__fetch_one(esi__page *pg, esi_client *c, const char *method, const char *route, const char *url,
                   const char *body, size_t blen, bool idempotent_post, esi_token *tok, int page, bool force) {
  esi__call pc;
  esi__call_init(&pc, pg, c, method, route, url, body, blen, idempotent_post, tok, page, force);
  int rc;
  for (;;) {
    rc = esi__call_prepare(&pc);
    if (rc != 0 || !pc.rq) break;
    erplink_http_response *rs = NULL;
    rc = erplink_http_client_send(&rs, c->http, pc.rq);
    rc = esi__call_process(&pc, rc, rs);
    if (rc != 1) break;
  }
  esi__call_done(&pc);
  return rc;
}

int esi__single(esi_response **out, esi_client *c, const char *method, const char *route, const esi_params *params,
                const char *body, size_t len, bool idempotent, esi_token *token) {
  char *url = NULL;
  int rc = esi__build_url(&url, c, route, params, 0, NULL, NULL);
  if (rc != 0) return rc;
  esi_response *r = esi__response_new(1);
  if (!r) {
    free(url);
    return ERPLINK_ENOMEM;
  }
  esi__page pg;
  rc = esi__fetch_one(&pg, c, method, route, url, body, len, idempotent, token, 0, false);
  free(url);
  if (rc == 0) rc = esi__response_push(r, &pg);
  erplink__error_saved *sv = rc ? erplink__error_save() : NULL;
  esi__page_clear(&pg);
  if (sv) erplink__error_restore(sv);
  return esi__response_hand_over(out, r, rc);
}

int esi_client_get(esi_response **out, esi_client *c, const char *route, const esi_params *params, esi_token *token) {
  if (out) *out = NULL;
  if (!out || !c || !route) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_get: NULL argument");
  return esi__single(out, c, "GET", route, params, NULL, 0, false, token);
}
