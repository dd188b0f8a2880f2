/* One HTTP transfer over libcurl: the callbacks (headers, body with the size cap and the
 * optional sink, progress for cancellation, prereq to know whether the request went out),
 * header lists (credentials dropped across origins), the easy-handle setup shared by the
 * synchronous path and batches, the mapping of libcurl and HTTP outcomes to erplink errors,
 * and the TRACE lines of a request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_impl.h"

/* ---------------------------------------------------------------- URLs */

void erplink__http_url_origin(const char *url, char *out, size_t cap) {
  out[0] = '\0';
  CURLU *u = curl_url();
  if (!u) return;
  if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
    char *scheme = NULL, *host = NULL, *port = NULL;
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    if (scheme && host) {
      snprintf(out, cap, "%s://%s:%s", scheme, host, port ? port : "");
      for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p + 32);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
  }
  curl_url_cleanup(u);
}

int erplink__url_escape_into(erplink_buf *b, const char *s) {
  if (!*s) return b->oom ? ERPLINK_ENOMEM : 0;
  char *e = curl_easy_escape(NULL, s, (int)strlen(s));
  if (!e) {
    b->oom = true;
    return ERPLINK_ENOMEM;
  }
  int rc = erplink_buf_puts(b, e);
  erplink__wipe(e, strlen(e)); /* form values may be secrets */
  curl_free(e);
  return rc;
}

int erplink__form_add(erplink_buf *b, const char *name, const char *value) {
  if (b->len && b->ptr[b->len - 1] != '?') erplink_buf_putc(b, '&');
  erplink__url_escape_into(b, name);
  erplink_buf_putc(b, '=');
  erplink__url_escape_into(b, value);
  return b->oom ? ERPLINK_ENOMEM : 0;
}

/* "host:port" (for messages); "(unparsable URL)" when unparsable. */
static void url_hostport(const char *url, char *out, size_t cap) {
  char origin[512];
  erplink__http_url_origin(url, origin, sizeof origin);
  const char *p = strstr(origin, "://");
  snprintf(out, cap, "%s", p ? p + 3 : "(unparsable URL)");
}

char *erplink__http_redacted_url(const erplink_http_client *c, const char *url) {
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink__redact_url_into(&b, url, c ? &c->o.log : NULL);
  return erplink_buf_detach(&b, NULL);
}

/* ---------------------------------------------------------------- callbacks */

static void xfer_headers_clear(erplink__xfer *x) {
  erplink__http_hdrs_clear(x->h, x->nh);
  x->nh = 0;
}

void erplink__xfer_free(erplink__xfer *x) {
  xfer_headers_clear(x);
  free(x->h);
  x->h = NULL;
  x->caph = 0;
  erplink_buf_free(&x->body);
}

bool erplink__xfer_header_line(erplink__xfer *x, const char *data, size_t len, long status) {
  while (len && (data[len - 1] == '\n' || data[len - 1] == '\r')) len--;
  if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    /* a new response (an interim 1xx, or the final one): start over */
    xfer_headers_clear(x);
    x->reason[0] = '\0';
    const char *sp = memchr(data, ' ', len);
    if (sp) sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data));
    if (sp) {
      size_t rl = len - (size_t)(sp + 1 - data);
      if (rl >= sizeof x->reason) rl = sizeof x->reason - 1;
      memcpy(x->reason, sp + 1, rl);
      x->reason[rl] = '\0';
      for (char *p = x->reason; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    }
    return true;
  }
  if (len == 0) return true;
  if ((data[0] == ' ' || data[0] == '\t') && x->nh) {
    /* obsolete line folding: append to the previous value */
    erplink__hdr *last = &x->h[x->nh - 1];
    size_t ol = strlen(last->value);
    char *nv = realloc(last->value, ol + len + 1);
    if (!nv) {
      x->oom = true;
      return false;
    }
    memcpy(nv + ol, data, len);
    nv[ol + len] = '\0';
    last->value = nv;
    return true;
  }
  const char *colon = memchr(data, ':', len);
  if (!colon) return true; /* not a header line: ignore */
  size_t nlen = (size_t)(colon - data);
  const char *v = colon + 1;
  size_t vlen = len - nlen - 1;
  while (vlen && (*v == ' ' || *v == '\t')) v++, vlen--;
  while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t')) vlen--;
  if (x->nh == x->caph) {
    size_t ncap = x->caph ? x->caph * 2 : 16;
    if (ncap > 10000) return false; /* absurd header count: abort */
    erplink__hdr *nh = realloc(x->h, ncap * sizeof *nh);
    if (!nh) {
      x->oom = true;
      return false;
    }
    x->h = nh;
    x->caph = ncap;
  }
  erplink__hdr h = {strndup(data, nlen), strndup(v, vlen), erplink__is_secret_name(data, nlen)};
  if (!h.name || !h.value) {
    free(h.name);
    free(h.value);
    x->oom = true;
    return false;
  }
  x->h[x->nh++] = h;
  /* Early size check when the length is announced. */
  if (erplink__ascii_ieq(h.name, nlen, "content-length")) {
    int64_t cl = 0;
    bool bodyless = x->head || status == 204 || status == 304 || status < 200;
    if (!bodyless && erplink__parse_int64(h.value, vlen, &cl, NULL) && cl > 0 && (uint64_t)cl > x->max) {
      x->too_large = true;
      return false;
    }
  }
  return true;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud) {
  erplink__xfer *x = ud;
  size_t len = size * n;
  long st = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
  return erplink__xfer_header_line(x, data, len, st) ? len : 0;
}

static size_t on_write(char *data, size_t size, size_t n, void *ud) {
  erplink__xfer *x = ud;
  size_t len = size * n;
  if (!x->decided) {
    long st = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    x->to_sink = x->req->sink_write && st >= 200 && st < 300;
    x->decided = true;
  }
  if (len > x->max - x->received) {
    x->too_large = true;
    return 0;
  }
  x->received += len;
  if (x->to_sink) {
    int rc = x->req->sink_write(data, len, x->req->sink_ud);
    if (rc) {
      x->sink_err = rc < 0 ? rc : ERPLINK_EPROTOCOL;
      if (rc > 0) erplink__error_setf(ERPLINK_EPROTOCOL, "response sink returned %d", rc);
      return 0;
    }
    return len;
  }
  if (erplink_buf_put(&x->body, data, len) != 0) {
    x->oom = true;
    return 0;
  }
  return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
  erplink__xfer *x = ud;
  if (erplink__cancel_requested()) {
    x->cancelled = true;
    return 1;
  }
  return 0;
}

static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port, int local_port) {
  erplink__xfer *x = ud;
  x->sent = true; /* libcurl is about to send the request on an established connection */
  return CURL_PREREQFUNC_OK;
}

void erplink__http_slist_free_wiped(struct curl_slist *l) {
  for (struct curl_slist *p = l; p; p = p->next)
    if (p->data) erplink__wipe(p->data, strlen(p->data));
  curl_slist_free_all(l);
}

static int slist_add(struct curl_slist **l, const char *line) {
  struct curl_slist *n = curl_slist_append(*l, line);
  if (!n) return ERPLINK_ENOMEM;
  *l = n;
  return 0;
}

/* Builds the header list for one hop. cross_origin: drop credentials. */
static int build_headers(const erplink_http_request *r, const erplink__logger *lg, bool cross_origin,
                         struct curl_slist **out) {
  struct curl_slist *l = NULL;
  erplink_buf line = ERPLINK_BUF_INIT;
  line.secret = true;
  int rc = 0;
  for (size_t i = 0; i < r->nh && !rc; i++) {
    if (cross_origin && (r->h[i].secret || erplink__logger_is_secret(lg, r->h[i].name, strlen(r->h[i].name)))) continue;
    erplink_buf_clear(&line);
    if (r->h[i].value[0])
      erplink_buf_printf(&line, "%s: %s", r->h[i].name, r->h[i].value);
    else
      erplink_buf_printf(&line, "%s;", r->h[i].name); /* libcurl's syntax for an empty header */
    rc = line.oom ? ERPLINK_ENOMEM : slist_add(&l, line.ptr);
  }
  if (!rc && !erplink__http_request_header(r, "Expect")) rc = slist_add(&l, "Expect:"); /* no 100-continue round trip */
  erplink_buf_free(&line);
  if (rc) {
    erplink__http_slist_free_wiped(l);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory building request headers");
  }
  *out = l;
  return 0;
}

static int map_curl_error(CURLcode cc, const erplink__xfer *x, const erplink_http_client *c, int64_t timeout_ms,
                          const char *method, const char *safe_url, const char *url, const char *errbuf,
                          bool *permanent) {
  char hp[300];
  url_hostport(url, hp, sizeof hp);
  const char *cdesc = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(cc);
  *permanent = false;
  if (x->cancelled || cc == CURLE_ABORTED_BY_CALLBACK) {
    *permanent = true;
    return erplink__error_setf(ERPLINK_ECANCELLED, "%s %s: cancelled by the caller", method, safe_url);
  }
  if (x->too_large || cc == CURLE_FILESIZE_EXCEEDED) {
    *permanent = true;
    return erplink__error_setf(ERPLINK_ETOOLARGE, "%s %s: response body exceeds the maximum of %zu bytes", method,
                               safe_url, x->max);
  }
  if (x->sink_err) {
    *permanent = true;
    /* the sink set the last error; add the status it was answering, so that e.g. "the server
     * answered HTML, not XML-RPC" also says which HTTP status came with the HTML */
    long st = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
    erplink__error_annotate_http((int)st);
    return x->sink_err;
  }
  if (x->oom || cc == CURLE_OUT_OF_MEMORY) {
    *permanent = true;
    return erplink__error_setf(ERPLINK_ENOMEM, "%s %s: out of memory receiving the response", method, safe_url);
  }
  switch (cc) {
  case CURLE_COULDNT_CONNECT:
    return erplink__error_setf(ERPLINK_ECONNECT, "%s %s: could not connect to %s (%s)", method, safe_url, hp, cdesc);
  case CURLE_COULDNT_RESOLVE_HOST:
    return erplink__error_setf(ERPLINK_EDNS, "%s %s: could not resolve host %s (%s)", method, safe_url, hp, cdesc);
  case CURLE_COULDNT_RESOLVE_PROXY:
    return erplink__error_setf(ERPLINK_EDNS, "%s %s: could not resolve the proxy (%s)", method, safe_url, cdesc);
  case CURLE_OPERATION_TIMEDOUT: {
    curl_off_t tt = 0;
    curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME_T, &tt);
    int64_t el = (int64_t)(tt / 1000);
    if (!x->sent && timeout_ms > 0 && el + 5 >= timeout_ms && timeout_ms < c->o.connect_timeout_ms)
      return erplink__error_setf(ERPLINK_ETIMEOUT,
                                 "%s %s: total timeout of %lld ms expired before a connection to %s was established",
                                 method, safe_url, (long long)timeout_ms, hp);
    if (!x->sent)
      return erplink__error_setf(ERPLINK_ETIMEOUT, "%s %s: connect timeout: no connection to %s within %lld ms", method,
                                 safe_url, hp, (long long)el);
    if (errbuf && strstr(errbuf, "too slow"))
      return erplink__error_setf(
          ERPLINK_ETIMEOUT,
          "%s %s: low-speed limit: less than %ld bytes/s for %ld s (after %lld ms, %zu bytes received)", method,
          safe_url, c->o.low_speed_bps, c->o.low_speed_s, (long long)el, x->received);
    return erplink__error_setf(ERPLINK_ETIMEOUT, "%s %s: total timeout of %lld ms expired (%zu bytes received)", method,
                               safe_url, (long long)timeout_ms, x->received);
  }
  case CURLE_SSL_CONNECT_ERROR:
    return erplink__error_setf(ERPLINK_ETLS, "%s %s: TLS handshake with %s failed (%s)", method, safe_url, hp, cdesc);
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_USE_SSL_FAILED:
    *permanent = true;
    return erplink__error_setf(ERPLINK_ETLS, "%s %s: TLS verification of %s failed (%s)", method, safe_url, hp, cdesc);
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_GOT_NOTHING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_SSL_SHUTDOWN_FAILED:
    return erplink__error_setf(ERPLINK_ERECV, "%s %s: connection to %s lost (%s; %zu body bytes received)", method,
                               safe_url, hp, cdesc, x->received);
  case CURLE_WEIRD_SERVER_REPLY:
    *permanent = true;
    return erplink__error_setf(ERPLINK_EPROTOCOL, "%s %s: malformed HTTP answer from %s (%s)", method, safe_url, hp,
                               cdesc);
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
    *permanent = true;
    return erplink__error_setf(ERPLINK_EINVAL, "%s %s: unusable URL (%s)", method, safe_url, cdesc);
  case CURLE_WRITE_ERROR:
    *permanent = true;
    return erplink__error_setf(ERPLINK_ERECV, "%s %s: response processing aborted (%s)", method, safe_url, cdesc);
  default:
    return erplink__error_setf(ERPLINK_ENETWORK, "%s %s: network error talking to %s (%s)", method, safe_url, hp,
                               cdesc);
  }
}

static int status_code_of(int s) {
  if (s >= 200 && s < 300) return 0;
  if (s == 304) return 0;
  switch (s) {
  case 401: return ERPLINK_EAUTH;
  case 403: return ERPLINK_EACCESS;
  case 404: return ERPLINK_ENOTFOUND;
  case 409: return ERPLINK_ECONFLICT;
  case 429: return ERPLINK_ERATELIMIT;
  case 502:
  case 503:
  case 504: return ERPLINK_EUNAVAILABLE;
  default: break;
  }
  if (s >= 500) return ERPLINK_ESERVER;
  return ERPLINK_EHTTP;
}

static bool is_redirect(int s) { return s == 301 || s == 302 || s == 303 || s == 307 || s == 308; }

static const char *resp_hdr(const erplink__xfer *x, const char *name) {
  for (size_t i = 0; i < x->nh; i++)
    if (erplink__http_ieq(x->h[i].name, name)) return x->h[i].value;
  return NULL;
}

/* Moves the hop's data into a response object. */
static erplink_http_response *make_response(erplink__xfer *x, int status) {
  erplink_http_response *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->status = status;
  r->h = x->h;
  r->nh = x->nh;
  x->h = NULL;
  x->nh = x->caph = 0;
  r->body = erplink_buf_detach(&x->body, &r->body_len);
  char *eff = NULL;
  curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
  r->effective_url = strdup(eff ? eff : "");
  long hv = 0;
  curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &hv);
  r->http_version = hv == CURL_HTTP_VERSION_1_0   ? 10
                    : hv == CURL_HTTP_VERSION_1_1 ? 11
                    : hv == CURL_HTTP_VERSION_2_0 ? 20
                    : hv == CURL_HTTP_VERSION_3   ? 30
                                                  : 0;
  if (!r->body || !r->effective_url) {
    erplink_http_response_free(r);
    return NULL;
  }
  return r;
}

/* For the fuzz target of the header parser (see http_internal.h): the lines go through
 * erplink__xfer_header_line() exactly as libcurl would deliver them, without a transfer, with
 * the status of the last status line (so the early Content-Length check runs too). */
int erplink__http_response_from_head(erplink_http_response **out, const char *head, size_t head_len, const char *body,
                                     size_t body_len) {
  *out = NULL;
  erplink__xfer x;
  memset(&x, 0, sizeof x);
  x.max = SIZE_MAX;
  int status = 0, rc = 0;
  for (size_t i = 0; i < head_len && rc == 0;) {
    const char *nl = memchr(head + i, '\n', head_len - i);
    size_t n = nl ? (size_t)(nl - (head + i)) + 1 : head_len - i;
    if (n >= 12 && memcmp(head + i, "HTTP/", 5) == 0) {
      const char *sp = memchr(head + i, ' ', n);
      status = 0;
      for (int k = 1; sp && k <= 3 && (size_t)(sp + k - (head + i)) < n && sp[k] >= '0' && sp[k] <= '9'; k++)
        status = status * 10 + (sp[k] - '0');
    }
    if (!erplink__xfer_header_line(&x, head + i, n, status))
      rc = x.oom
               ? erplink__error_setf(ERPLINK_ENOMEM, "out of memory")
               : erplink__error_setf(ERPLINK_EPROTOCOL, "response header line refused (the transfer would be aborted)");
    i += n;
  }
  if (rc == 0 && erplink_buf_put(&x.body, body, body_len) != 0)
    rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (rc == 0 && !(*out = make_response(&x, status))) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink__xfer_free(&x);
  return rc;
}

void erplink__http_log_request(const erplink_http_client *c, const erplink_http_request *r, const char *method,
                               const char *safe_url, bool cross_origin) {
  const erplink__logger *lg = &c->o.log;
  if (!erplink__log_on(lg, ERPLINK_LOG_TRACE)) return;
  erplink__logf(lg, ERPLINK_LOG_TRACE, "> %s %s", method, safe_url);
  erplink__logf(lg, ERPLINK_LOG_TRACE, "> User-Agent: %s",
                erplink__http_request_header(r, "User-Agent")
                    ? "(set by the request)"
                    : (c->o.user_agent ? c->o.user_agent : ERPLINK__HTTP_DEFAULT_UA));
  for (size_t i = 0; i < r->nh; i++) {
    bool secret = r->h[i].secret || erplink__logger_is_secret(lg, r->h[i].name, strlen(r->h[i].name));
    if (cross_origin && secret) continue;
    if (erplink__http_ieq(r->h[i].name, "User-Agent")) {
      erplink__logf(lg, ERPLINK_LOG_TRACE, "> User-Agent: %s", r->h[i].value);
      continue;
    }
    erplink__logf(lg, ERPLINK_LOG_TRACE, "> %s: %s", r->h[i].name, secret ? "<redacted>" : r->h[i].value);
  }
  if (!r->body) return;
  const char *ct = erplink__http_request_header(r, "Content-Type");
  if (r->log_value) {
    char *dump = NULL;
    if (erplink__value_dump_for(&dump, r->log_value, lg) == 0) {
      erplink__logf(lg, ERPLINK_LOG_TRACE, "> body (%zu bytes, %s): %s", r->body_len, ct ? ct : "no content type",
                    dump);
      erplink_free(dump);
      return;
    }
  }
  bool form = ct ? erplink__http_starts_with_ci(ct, "application/x-www-form-urlencoded")
                 : (!strcmp(method, "POST") && r->body_len > 0); /* libcurl's default content type */
  if (form) {
    erplink_buf b = ERPLINK_BUF_INIT;
    erplink__redact_form_into(&b, r->body, r->body_len > 8192 ? 8192 : r->body_len, lg);
    if (!b.oom)
      erplink__logf(lg, ERPLINK_LOG_TRACE, "> body (%zu bytes, form): %s%s", r->body_len, b.ptr ? b.ptr : "",
                    r->body_len > 8192 ? "..." : "");
    erplink_buf_free(&b);
  } else {
    erplink__logf(lg, ERPLINK_LOG_TRACE, "> body: %zu bytes, %s", r->body_len, ct ? ct : "no content type");
  }
}
/* ---------------------------------------------------------------- configuring and classifying a hop */

/* Configures @p easy for one hop of @p req: every option of the transfer is set here, so that a
 * synchronous send and a batch transfer behave alike. The header list, error buffer and xfer
 * must outlive the transfer. */
void erplink__http_easy_setup(const erplink_http_client *c, CURL *easy, CURLSH *sh, erplink__xfer *x, const char *url,
                              const char *method, bool with_body, struct curl_slist *hl, char *errbuf,
                              int64_t timeout_ms) {
  const erplink_http_request *req = x->req;
  curl_easy_reset(easy);
  curl_easy_setopt(easy, CURLOPT_SHARE, sh);
  curl_easy_setopt(easy, CURLOPT_URL, url);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  /* HTTP/2 only when the TLS server offers it through ALPN; plain http stays HTTP/1.1. */
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L); /* redirects are followed by hand */
  curl_easy_setopt(easy, CURLOPT_UNRESTRICTED_AUTH, 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (c->o.ca_file) curl_easy_setopt(easy, CURLOPT_CAINFO, c->o.ca_file);
  if (c->o.ca_dir) curl_easy_setopt(easy, CURLOPT_CAPATH, c->o.ca_dir);
  if (c->o.proxy) curl_easy_setopt(easy, CURLOPT_PROXY, c->o.proxy); /* NULL: libcurl reads the environment */
  curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, c->o.user_agent ? c->o.user_agent : ERPLINK__HTTP_DEFAULT_UA);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, hl);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)c->o.connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
  if (c->o.low_speed_bps > 0 && c->o.low_speed_s > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, c->o.low_speed_bps);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, c->o.low_speed_s);
  }
  /* No CURLOPT_MAXFILESIZE: libcurl would also apply it to the Content-Length of HEAD and
   * 304 answers, which carry no body. on_header() and on_write() enforce the cap. */
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, x);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, x);
  curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(easy, CURLOPT_PREREQDATA, x);
  if (!strcmp(method, "HEAD")) {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (!strcmp(method, "GET") && !with_body) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else {
    if (strcmp(method, "POST") != 0) curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
    if (with_body || !strcmp(method, "POST")) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(with_body ? req->body_len : 0));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, with_body ? req->body : "");
    }
  }
}

/* Starts a hop: the xfer and the header list. Returns 0 or the error (last error set). */
int erplink__http_hop_prepare(erplink__xfer *x, const erplink_http_client *c, const erplink_http_request *req,
                              CURL *easy, const char *method, bool cross_origin, struct curl_slist **hl) {
  memset(x, 0, sizeof *x);
  x->req = req;
  x->easy = easy;
  x->max = c->o.max_response;
  x->head = !strcmp(method, "HEAD");
  return build_headers(req, &c->o.log, cross_origin, hl);
}

/* Classifies a finished hop (result of curl_easy_perform or of the multi's CURLMSG_DONE).
 * Returns 0 or the error code with the thread's last error set, and fills *a. *resp gets the
 * completed exchange (also for an HTTP error status and for a redirect that is not followed).
 * A redirect that may be followed (nofollow_why NULL and a Location present) returns 0 with
 * *follow set to a copy of the Location (caller frees) and *resp NULL. The xfer is not freed. */
int erplink__http_hop_finish(const erplink_http_client *c, erplink__xfer *x, CURLcode cc, const char *method,
                             const char *safe_url, const char *url, const char *errbuf, int64_t timeout_ms,
                             const char *nofollow_why, erplink__attempt *a, erplink_http_response **resp, char **follow,
                             int *status_out, long *connects) {
  *resp = NULL;
  if (follow) *follow = NULL;
  *status_out = 0;
  a->sent = a->sent || x->sent;
  long nc = 0;
  if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK && nc > 0) *connects += nc;
  if (cc != CURLE_OK || x->too_large || x->sink_err || x->oom) {
    bool permanent = false;
    int rc = map_curl_error(cc, x, c, timeout_ms, method, safe_url, url, errbuf, &permanent);
    /* A transfer aborted mid-body leaves the connection unusable: libcurl closes it. */
    a->permanent = permanent;
    a->code = rc;
    return rc;
  }
  long st = 0;
  curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &st);
  int status = (int)st;
  *status_out = status;
  const char *ra = resp_hdr(x, "Retry-After");
  int64_t ra_ms = -1;
  if (ra && erplink_http_parse_retry_after(&ra_ms, ra, erplink__now_wall_ms()) != 0) ra_ms = -1;

  if (is_redirect(status)) {
    char *loc = NULL;
    curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &loc);
    if (loc && !nofollow_why && follow) {
      *follow = strdup(loc);
      if (!*follow) {
        a->permanent = true;
        return a->code = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      }
      return 0;
    }
    char lochost[300] = "(no Location)";
    if (loc) url_hostport(loc, lochost, sizeof lochost);
    const char *why = !loc ? "without a usable Location" : nofollow_why;
    erplink_http_response *r = make_response(x, status);
    int rc = erplink__error_setx(ERPLINK_EREDIRECT, status, NULL, NULL, 0, ra_ms, "%s %s: HTTP %d redirect to %s %s",
                                 method, safe_url, status, lochost, why);
    a->code = rc;
    a->http_status = status;
    a->permanent = true;
    *resp = r;
    return rc;
  }

  int code = status_code_of(status);
  erplink_http_response *r = make_response(x, status);
  if (!r) {
    a->permanent = true;
    return a->code = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  int rc = 0;
  if (code) {
    const char *b = r->body ? r->body : "";
    size_t bl = r->body_len > ERPLINK__HTTP_ERROR_DETAIL_BYTES ? ERPLINK__HTTP_ERROR_DETAIL_BYTES : r->body_len;
    rc = erplink__error_setx(code, status, NULL, bl ? b : NULL, bl, ra_ms, "%s %s: HTTP %d%s%s", method, safe_url,
                             status, x->reason[0] ? " " : "", x->reason);
  }
  a->code = rc;
  a->http_status = status;
  a->retry_after_ms = ra_ms;
  *resp = r;
  return rc;
}
