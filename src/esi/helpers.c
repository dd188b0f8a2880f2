/* Typed helpers over the generic calls: the paginated character routes and regional market
 * orders, blueprint kinds, wallet transactions walked by from_id, mail (validated before
 * sending) and universe names (chunks of 1000 and bisection of invalid ids, all through one
 * HTTP batch on the calling thread). */
#include <inttypes.h>
#include <stdio.h>

#include "esi_internal.h"

int esi_client_post(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                    const erplink_value *body, esi_token *token) {
  if (out) *out = NULL;
  if (!out || !c || !route || !body) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_post: NULL argument");
  char *json = NULL;
  size_t len = 0;
  int rc = erplink_json_encode(&json, &len, body);
  if (rc != 0) return rc;
  rc = esi__single(out, c, "POST", route, params, json, len, false, token);
  erplink_free(json);
  return rc;
}

/* ------------------------------------------------------------------ typed helpers */

static int paged_char_route(esi_response **out, esi_client *c, esi_token *token, int64_t character_id,
                            const char *route, const char *fn) {
  if (out) *out = NULL;
  if (!out || !c || !token || character_id <= 0)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: NULL argument or invalid character id", fn);
  esi_params *p = NULL;
  int rc = esi_params_new(&p);
  if (rc == 0) rc = esi_params_set_path_int(p, "character_id", character_id);
  if (rc == 0) rc = esi_client_get_all_pages(out, c, route, p, token);
  esi_params_free(p);
  return rc;
}

int esi_client_character_assets(esi_response **out, esi_client *c, esi_token *token, int64_t character_id) {
  return paged_char_route(out, c, token, character_id, "/characters/{character_id}/assets",
                          "esi_client_character_assets");
}

int esi_client_character_blueprints(esi_response **out, esi_client *c, esi_token *token, int64_t character_id) {
  return paged_char_route(out, c, token, character_id, "/characters/{character_id}/blueprints",
                          "esi_client_character_blueprints");
}

esi_blueprint_kind esi_blueprint_kind_of(const erplink_value *item) {
  int64_t q = 0;
  const erplink_value *v = erplink_value_struct_get(item, "quantity");
  if (!v || erplink_value_get_int(&q, v) != 0) return ESI_BLUEPRINT_UNKNOWN;
  if (q == -1) return ESI_BLUEPRINT_ORIGINAL;
  if (q == -2) return ESI_BLUEPRINT_COPY;
  if (q > 0) return ESI_BLUEPRINT_STACK;
  return ESI_BLUEPRINT_UNKNOWN;
}

int esi_client_market_orders(esi_response **out, esi_client *c, int64_t region_id, const char *order_type,
                             int64_t type_id) {
  if (out) *out = NULL;
  if (!out || !c || region_id <= 0 || type_id < 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_market_orders: NULL argument or invalid id");
  if (order_type && strcmp(order_type, "buy") != 0 && strcmp(order_type, "sell") != 0 && strcmp(order_type, "all") != 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_market_orders: order_type must be buy, sell or all");
  esi_params *p = NULL;
  int rc = esi_params_new(&p);
  if (rc == 0) rc = esi_params_set_path_int(p, "region_id", region_id);
  if (rc == 0) rc = esi_params_add_query(p, "order_type", order_type ? order_type : "all");
  if (rc == 0 && type_id > 0) rc = esi_params_add_query_int(p, "type_id", type_id);
  if (rc == 0) rc = esi_client_get_all_pages(out, c, "/markets/{region_id}/orders", p, NULL);
  esi_params_free(p);
  return rc;
}

int esi_client_wallet_transactions(esi_response **out, esi_client *c, esi_token *token, int64_t character_id,
                                   int64_t from_id, int max_batches) {
  if (out) *out = NULL;
  if (!out || !c || !token || character_id <= 0 || from_id < 0 || max_batches < 1 || max_batches > 100000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_wallet_transactions: NULL argument or value out of range");
  static const char route[] = "/characters/{character_id}/wallet/transactions";
  esi_params *p = NULL;
  esi_response *r = esi__response_new(4);
  int rc = r ? esi_params_new(&p) : ERPLINK_ENOMEM;
  if (rc == 0) rc = esi_params_set_path_int(p, "character_id", character_id);
  int64_t next = from_id;
  for (int batch = 0; rc == 0 && batch < max_batches; batch++) {
    char *url = NULL, fv[24];
    snprintf(fv, sizeof fv, "%" PRId64, next);
    rc = esi__build_url(&url, c, route, p, 0, next > 0 ? "from_id" : NULL, fv);
    esi__page pr;
    esi__page_init(&pr);
    if (rc == 0) rc = esi__fetch_one(&pr, c, "GET", route, url, NULL, 0, false, token, 0, false);
    free(url);
    if (rc != 0) {
      erplink__error_saved *sv = erplink__error_save();
      esi__page_clear(&pr);
      erplink__error_restore(sv);
      break;
    }
    if (erplink_value_type(pr.value) != ERPLINK_TYPE_ARRAY) {
      esi__page_clear(&pr);
      rc = erplink__error_setf(ERPLINK_EPROTOCOL, "ESI GET %s: the answer is not an array", route);
      break;
    }
    int64_t min_id = INT64_MAX;
    size_t n = erplink_value_count(pr.value);
    for (size_t i = 0; i < n; i++) {
      int64_t id;
      const erplink_value *v = erplink_value_struct_get(erplink_value_array_at(pr.value, i), "transaction_id");
      if (v && erplink_value_get_int(&id, v) == 0 && id < min_id) min_id = id;
    }
    bool older = n > 0 && min_id != INT64_MAX && (next == 0 || min_id <= next);
    if (!older) {
      esi__page_clear(&pr);
      break;
    }
    if ((rc = esi__response_push(r, &pr)) != 0) {
      esi__page_clear(&pr);
      break;
    }
    if (min_id <= 1) break;
    next = min_id - 1; /* strictly older than everything seen */
  }
  esi_params_free(p);
  return r ? esi__response_hand_over(out, r, rc) : rc;
}

static size_t utf8_chars(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    if (((unsigned char)*s & 0xC0) != 0x80) n++;
  return n;
}

int esi_client_send_mail(int64_t *mail_id, esi_client *c, esi_token *token, int64_t character_id,
                         const esi_mail_recipient *recipients, size_t n_recipients, const char *subject,
                         const char *body, int64_t approved_cost) {
  if (mail_id) *mail_id = 0;
  if (!mail_id || !c || !token || character_id <= 0 || !subject || !body || (!recipients && n_recipients))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: NULL argument or invalid character id");
  if (n_recipients < 1 || n_recipients > 50)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: %zu recipients (1 to 50 allowed)", n_recipients);
  for (size_t i = 0; i < n_recipients; i++) {
    const char *t = recipients[i].recipient_type;
    if (recipients[i].recipient_id <= 0)
      return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: recipient %zu has an invalid id", i);
    if (!t || (strcmp(t, "alliance") != 0 && strcmp(t, "character") != 0 && strcmp(t, "corporation") != 0 &&
               strcmp(t, "mailing_list") != 0))
      return erplink__error_setf(ERPLINK_EINVAL,
                                 "esi_client_send_mail: recipient %zu: recipient_type must be "
                                 "alliance, character, corporation or mailing_list",
                                 i);
  }
  if (!erplink__utf8_valid(subject, strlen(subject)) || !erplink__utf8_valid(body, strlen(body)))
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: subject and body must be valid UTF-8");
  size_t sl = utf8_chars(subject), bl = utf8_chars(body);
  if (sl > 1000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: subject of %zu characters (at most 1000)", sl);
  if (bl > 10000)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: body of %zu characters (at most 10000)", bl);
  if (approved_cost < 0) return erplink__error_setf(ERPLINK_EINVAL, "esi_client_send_mail: negative approved_cost");
  erplink_value *m = NULL, *rec = NULL;
  int rc = erplink_value_new_struct(&m);
  if (rc == 0) rc = erplink_value_struct_set_int(m, "approved_cost", approved_cost);
  if (rc == 0) rc = erplink_value_struct_set_string(m, "body", body);
  if (rc == 0) rc = erplink_value_new_array(&rec);
  for (size_t i = 0; rc == 0 && i < n_recipients; i++) {
    erplink_value *e = NULL;
    rc = erplink_value_new_struct(&e);
    if (rc == 0) rc = erplink_value_struct_set_int(e, "recipient_id", recipients[i].recipient_id);
    if (rc == 0) rc = erplink_value_struct_set_string(e, "recipient_type", recipients[i].recipient_type);
    if (rc == 0)
      rc = erplink_value_array_append(rec, e);
    else
      erplink_value_free(e);
  }
  if (rc == 0) {
    rc = erplink_value_struct_set(m, "recipients", rec);
    if (rc == 0) rec = NULL;
  }
  if (rc == 0) rc = erplink_value_struct_set_string(m, "subject", subject);
  esi_params *p = NULL;
  esi_response *r = NULL;
  if (rc == 0) rc = esi_params_new(&p);
  if (rc == 0) rc = esi_params_set_path_int(p, "character_id", character_id);
  if (rc == 0) rc = esi_client_post(&r, c, "/characters/{character_id}/mail", p, m, token);
  if (rc == 0) {
    int64_t id = 0;
    if (erplink_value_get_int(&id, esi_response_value(r)) != 0 || id <= 0)
      rc = erplink__error_setf(ERPLINK_EPROTOCOL,
                               "ESI POST /characters/{character_id}/mail: the answer is not a mail id");
    else
      *mail_id = id;
  }
  esi_response_free(r);
  esi_params_free(p);
  erplink_value_free(rec);
  erplink_value_free(m);
  return rc;
}

/* ---------------------------------------------------------------- universe names
 *
 * The unique ids, sorted, are cut into chunks of at most 1000; every chunk is one POST of one
 * HTTP batch (up to `concurrency` in flight). ESI answers 404 for the whole chunk when one id
 * is invalid: such a chunk is split in two halves that join the batch, until the invalid ids
 * are alone (a single id answered 404 is invalid). The answers are kept in id order. */

#define NAMES_CHUNK 1000

typedef struct names_req {
  size_t off, n; /* the slice of the sorted ids */
  char *body;
  size_t blen;
  esi__call call;
  esi__page pg;
  bool done;
} names_req;

typedef struct names_run {
  esi_client *c;
  const int64_t *ids;
  char *url;
  names_req **req;
  size_t nreq, capreq;
  erplink_http_batch *b;
  int64_t *bad;
  size_t nbad;
} names_run;

/* Adds the POST of ids[off, off+n) to the batch. */
static int names_add(names_run *nr, size_t off, size_t n) {
  if (nr->nreq == nr->capreq) {
    size_t cap = nr->capreq ? nr->capreq * 2 : 8;
    names_req **nq = realloc(nr->req, cap * sizeof *nq);
    if (!nq) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    nr->req = nq;
    nr->capreq = cap;
  }
  names_req *q = calloc(1, sizeof *q);
  if (!q) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  nr->req[nr->nreq++] = q;
  q->off = off;
  q->n = n;
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_putc(&b, '[');
  for (size_t i = 0; i < n; i++) erplink_buf_printf(&b, i ? ",%" PRId64 : "%" PRId64, nr->ids[off + i]);
  erplink_buf_putc(&b, ']');
  if (b.oom) {
    erplink_buf_free(&b);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  q->body = erplink_buf_detach(&b, &q->blen);
  /* a pure read: retried after a reset or a 502/503/504 like a GET */
  esi__call_init(&q->call, &q->pg, nr->c, "POST", "/universe/names", nr->url, q->body, q->blen, true, NULL, 0, false);
  int rc = esi__call_prepare(&q->call);
  if (rc == 0 && q->call.rq) rc = erplink_http_batch_add(nr->b, q->call.rq, nr->nreq - 1);
  return rc;
}

/* Digests one answer: keeps it, bisects the chunk (404), or fails. */
static int names_take(names_run *nr, erplink_http_batch_item *it) {
  names_req *q = nr->req[erplink_http_batch_item_tag(it)];
  int code = erplink_http_batch_item_code(it);
  erplink_http_response *rs = erplink_http_batch_item_take_response(it);
  if (code != 0) erplink__error_set_from(erplink_http_batch_item_error(it));
  erplink_http_batch_item_free(it);
  int rc = esi__call_process(&q->call, code, rs);
  esi__call_done(&q->call);
  if (rc != ERPLINK_ENOTFOUND) {
    q->done = rc == 0;
    return rc;
  }
  erplink_error_clear();
  esi__page_clear(&q->pg);
  if (q->n > 1) {
    rc = names_add(nr, q->off, q->n / 2);
    return rc ? rc : names_add(nr, q->off + q->n / 2, q->n - q->n / 2);
  }
  int64_t *nb = realloc(nr->bad, (nr->nbad + 1) * sizeof *nb);
  if (!nb) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  nr->bad = nb;
  nr->bad[nr->nbad++] = nr->ids[q->off];
  return 0;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_req(const void *a, const void *b) {
  size_t x = (*(names_req *const *)a)->off, y = (*(names_req *const *)b)->off;
  return x < y ? -1 : x > y;
}

static void names_free(names_run *nr) {
  erplink_http_batch_free(nr->b); /* before the requests it borrows */
  for (size_t i = 0; i < nr->nreq; i++) {
    esi__call_done(&nr->req[i]->call);
    esi__page_clear(&nr->req[i]->pg);
    free(nr->req[i]->body);
    free(nr->req[i]);
  }
  free(nr->req);
  free(nr->url);
  free(nr->bad);
}

int esi_client_universe_names(esi_response **out, int64_t **invalid, size_t *n_invalid, esi_client *c,
                              const int64_t *ids, size_t n_ids) {
  if (out) *out = NULL;
  if (invalid) *invalid = NULL;
  if (n_invalid) *n_invalid = 0;
  if (!out || !c || !ids || n_ids == 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_client_universe_names: NULL argument or no ids");
  int64_t *u = malloc(n_ids * sizeof *u);
  if (!u) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  memcpy(u, ids, n_ids * sizeof *u);
  qsort(u, n_ids, sizeof *u, cmp_i64);
  size_t n = 0;
  for (size_t i = 0; i < n_ids; i++)
    if (i == 0 || u[i] != u[i - 1]) u[n++] = u[i];
  names_run nr = {c, u, NULL, NULL, 0, 0, NULL, NULL, 0};
  int rc = esi__build_url(&nr.url, c, "/universe/names", NULL, 0, NULL, NULL);
  if (rc == 0) rc = erplink_http_batch_new(&nr.b, c->http, c->concurrency < 1 ? 1 : c->concurrency);
  for (size_t off = 0; rc == 0 && off < n; off += NAMES_CHUNK)
    rc = names_add(&nr, off, n - off < NAMES_CHUNK ? n - off : NAMES_CHUNK);
  for (;;) {
    erplink_http_batch_item *it = NULL;
    if (rc != 0 || (rc = erplink_http_batch_next(&it, nr.b)) != 0 || !it) break;
    rc = names_take(&nr, it);
  }
  esi_response *r = rc == 0 ? esi__response_new(nr.nreq) : NULL;
  if (rc == 0 && !r) rc = ERPLINK_ENOMEM;
  if (rc == 0) {
    qsort(nr.req, nr.nreq, sizeof *nr.req, cmp_req);
    for (size_t i = 0; rc == 0 && i < nr.nreq; i++)
      if (nr.req[i]->done) rc = esi__response_push(r, &nr.req[i]->pg);
  }
  if (rc == 0) {
    qsort(nr.bad, nr.nbad, sizeof *nr.bad, cmp_i64);
    if (n_invalid) *n_invalid = nr.nbad;
    if (invalid) {
      *invalid = nr.bad;
      nr.bad = NULL;
    }
  }
  erplink__error_saved *sv = rc ? erplink__error_save() : NULL;
  names_free(&nr);
  free(u);
  if (sv) erplink__error_restore(sv);
  if (rc != 0 && n_invalid) *n_invalid = 0;
  return r ? esi__response_hand_over(out, r, rc) : rc;
}
