/* One HTTP exchange with the server: the request (headers, body, idempotency, what to log),
 * the answer decoded while it is received (XML-RPC through reusable expat decoders, JSON gathered
 * and decoded by simdjson as soon as it is complete), and the triage of failed answers: an Odoo error object kept for the protocol to map,
 * an answer that is not RPC at all (HTML, another media type, empty) named as such. */
#include "erplink/json.h"
#include "odoo_internal.h"

typedef struct sink {
  int xml;
  erplink_xmlrpc_decoder *x;
  erplink_json_decoder *j;
  size_t bytes;
  int failed;
  char head[512]; /* the first bytes of the body, to tell an HTML page when decoding fails */
  size_t head_len;
} sink;

static int sink_write(const char *data, size_t len, void *ud) {
  sink *s = ud;
  if (s->head_len < sizeof s->head) {
    size_t n = len < sizeof s->head - s->head_len ? len : sizeof s->head - s->head_len;
    memcpy(s->head + s->head_len, data, n);
    s->head_len += n;
  }
  s->bytes += len;
  int rc = s->xml ? erplink_xmlrpc_decoder_feed(s->x, data, len) : erplink_json_decoder_feed(s->j, data, len);
  if (rc) s->failed = 1;
  return rc;
}

static void sink_reset(void *ud) {
  sink *s = ud;
  s->bytes = 0;
  s->failed = 0;
  s->head_len = 0;
  if (s->xml) {
    erplink_xmlrpc_decoder_reset(s->x);
  } else {
    erplink_json_decoder_free(s->j);
    s->j = NULL;
    erplink_json_decoder_new(&s->j, NULL);
  }
}

/* XML-RPC decoders are kept for reuse (creating an expat parser costs as much as decoding a
 * small answer). */
static int take_decoder(odoo_client *c, erplink_xmlrpc_decoder **out) {
  pthread_mutex_lock(&c->mu);
  *out = c->n_spare ? c->spare[--c->n_spare] : NULL;
  pthread_mutex_unlock(&c->mu);
  if (*out) return erplink_xmlrpc_decoder_reset(*out);
  return erplink_xmlrpc_decoder_new(out, NULL);
}

static void sink_free(odoo_client *c, sink *s) {
  if (s->x) {
    pthread_mutex_lock(&c->mu);
    if (c->n_spare < (int)(sizeof c->spare / sizeof c->spare[0])) {
      c->spare[c->n_spare++] = s->x;
      s->x = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    erplink_xmlrpc_decoder_free(s->x);
  }
  erplink_json_decoder_free(s->j);
}

/* Whether an error answer's Content-Type is the one of the protocol asked for. */
static int rpc_media_type(const erplink_http_response *resp, const odoo__exchange *x) {
  if (x->xml)
    return erplink_http_response_content_type_is(resp, "text/xml") ||
           erplink_http_response_content_type_is(resp, "application/xml");
  return erplink_http_response_content_type_is(resp, "application/json");
}

/* Statuses that keep their own (transient) code even with an HTML body: a rate limit or a
 * gateway error is retried, whatever page the proxy shows with it. */
static int transient_status(int st) { return st == 429 || st == 502 || st == 503 || st == 504; }

/* Sends and decodes. On success *out is the decoded root (XML-RPC: the param or fault,
 * *is_fault set). On a non-2xx JSON answer, *err_body receives the decoded body and
 * *status the status (the call still returns the HTTP error code). */
int odoo__exchange_send(odoo_client *c, const odoo__exchange *x, erplink_value **out, int *is_fault, int *status,
                        erplink_value **err_body) {
  *out = NULL;
  if (is_fault) *is_fault = 0;
  if (status) *status = 0;
  if (err_body) *err_body = NULL;
  erplink_buf url = {0};
  if (erplink_buf_puts(&url, c->url) || erplink_buf_puts(&url, x->path)) {
    erplink_buf_free(&url);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  erplink_http_request *req = NULL;
  erplink_http_response *resp = NULL;
  sink s = {0};
  s.xml = x->xml;
  int rc = erplink_http_request_new(&req, x->method ? x->method : "POST", url.ptr);
  erplink_buf_free(&url);
  if (rc) return rc;
  if (x->body) {
    if ((rc = erplink_http_request_set_body_borrowed(req, x->body, x->body_len)) ||
        (rc = erplink_http_request_set_header(req, "Content-Type", x->ctype)))
      goto done;
  }
  if ((rc = erplink_http_request_set_header(req, "Accept", x->xml ? "text/xml" : "application/json"))) goto done;
  for (size_t i = 0; i < x->n_headers; i++)
    if ((rc = erplink_http_request_set_header(req, x->headers[2 * i], x->headers[2 * i + 1]))) goto done;
  if (x->idempotent && (rc = erplink_http_request_set_idempotent(req, 1))) goto done;
  if (x->log_value && (rc = erplink_http_request_set_log_value(req, x->log_value))) goto done;
  rc = x->xml ? take_decoder(c, &s.x) : erplink_json_decoder_new(&s.j, NULL);
  if (rc) goto done;
  if ((rc = erplink_http_request_set_sink(req, sink_write, sink_reset, &s))) goto done;

  rc = erplink_http_client_send(&resp, c->http, req);
  if (rc) {
    int st = resp ? erplink_http_response_status(resp) : 0;
    if (status) *status = st;
    if (resp && st && err_body && erplink_http_response_content_type_is(resp, "application/json")) {
      size_t bl = 0;
      const char *b = erplink_http_response_body(resp, &bl);
      erplink__error_saved *sv = erplink__error_save();
      erplink_value *v = NULL;
      if (b && erplink_json_decode(&v, b, bl, NULL) == 0 && erplink_value_type(v) == ERPLINK_TYPE_STRUCT &&
          erplink_value_struct_get(v, "name")) {
        *err_body = v;
        erplink__error_restore(sv);
      } else {
        erplink_value_free(v);
        erplink__error_restore(sv);
      }
    }
    if (!(err_body && *err_body)) {
      if (resp && st && rc != ERPLINK_EREDIRECT && !transient_status(st) && !rpc_media_type(resp, x)) {
        size_t bl = 0;
        const char *b = erplink_http_response_body(resp, &bl);
        rc = odoo__not_rpc_answer(c, x, st, erplink_http_response_content_type(resp), b, bl);
        goto done;
      }
      if (!st) st = erplink_error_http_status(erplink_error_last());  /* the status of a body the decoder refused */
      if (!resp && s.bytes && odoo__looks_html(s.head, s.head_len)) { /* a 2xx HTML page the decoder refused */
        rc = odoo__not_rpc_answer(c, x, st, NULL, s.head, s.head_len);
        if (status) *status = st;
        goto done;
      }
      if (status) *status = st;
      if (st)
        erplink__error_prefix("odoo: %s (HTTP %d): ", x->what, st);
      else
        erplink__error_prefix("odoo: %s: ", x->what);
    }
    goto done;
  }
  if (status) *status = erplink_http_response_status(resp);
  if (s.bytes == 0) {
    rc = erplink__error_setx(ERPLINK_EPROTOCOL, erplink_http_response_status(resp), NULL, NULL, 0, -1,
                             "odoo: %s: the server sent an empty answer (HTTP %d), not %s", x->what,
                             erplink_http_response_status(resp), x->xml ? "XML-RPC" : "JSON");
    goto done;
  }
  if (x->xml) {
    int f = 0;
    rc = erplink_xmlrpc_decoder_finish(out, &f, s.x);
    if (is_fault) *is_fault = f;
  } else {
    rc = erplink_json_decoder_finish(out, s.j);
  }
  if (rc && odoo__looks_html(s.head, s.head_len)) {
    rc = odoo__not_rpc_answer(c, x, erplink_http_response_status(resp), erplink_http_response_content_type(resp),
                              s.head, s.head_len);
  } else if (rc) {
    erplink__error_annotate_http(erplink_http_response_status(resp));
    erplink__error_prefix("odoo: %s (HTTP %d): ", x->what, erplink_http_response_status(resp));
  }
done:
  erplink_http_response_free(resp);
  erplink_http_request_free(req);
  sink_free(c, &s);
  return rc;
}
