/*
 * Private to src/odoo/: the layouts and the functions the Odoo client's files share.
 *
 *   options.c   odoo_options: the service's own settings + the embedded transport options
 *   client.c    the client: creation, version detection, protocol choice, authentication
 *   exchange.c  one HTTP exchange: request, streaming decode, what a non-RPC answer means
 *   errors.c    remote errors to codes: XML-RPC faults, Odoo error objects, HTML answers,
 *               the unknown database
 *   xmlrpc.c    the XML-RPC envelope (/xmlrpc/2/<service>)
 *   jsonrpc.c   the JSON-RPC envelope (/jsonrpc)
 *   json2.c     the JSON-2 envelope (/json/2/<model>/<method>)
 *   call.c      execute_kw: the default context, positional → named arguments (JSON-2),
 *               keywords renamed between Odoo versions, dispatch to the protocol
 *   orm.c       the typed ORM calls (search, read, write, ...)
 *   cursor.c    the search_read cursor (id > last paging) and the callbacks on top of it
 *
 * Every function here returns 0 or a negative ERPLINK_E* code with the thread's last error set.
 */
#ifndef ERPLINK_ODOO_INTERNAL_H
#define ERPLINK_ODOO_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/http.h"
#include "erplink/odoo.h"
#include "erplink/xmlrpc.h"
#include "internal.h"

#define ODOO__MAX_COMPANIES 4096

struct odoo_options {
  char *url, *db, *login, *password, *api_key, *lang, *tz; /* password, api_key: secrets */
  int64_t *companies;
  size_t n_companies;
  odoo_protocol protocol;
  erplink_http_options *http; /* the transport options, filled with Odoo's defaults */
};

struct odoo_client {
  char *url, *db, *login, *secret, *lang, *tz; /* secret: the API key or else the password */
  int64_t *companies;
  size_t n_companies;
  int has_api_key;
  erplink_http_client *http;
  pthread_mutex_t mu;
  odoo_protocol proto; /* resolved; AUTO until known (under mu) */
  int64_t uid;         /* 0 until authenticated (under mu) */
  int major;           /* 0 until known (under mu) */
  atomic_llong next_id;
  erplink_xmlrpc_decoder *spare[8]; /* reusable XML-RPC decoders (under mu) */
  int n_spare;
};

/* ---------------------------------------------------------------- small helpers (options.c) */

/* ERPLINK_EINVAL with "odoo: <what>". */
int odoo__einval(const char *what);
/* Replaces *dst by a copy of s (NULL clears it); the old value is wiped first when secret. */
/* Wipes and frees a secret string (NULL is a no-op). */

/* ---------------------------------------------------------------- one exchange (exchange.c) */

typedef struct odoo__exchange {
  const char *proto;  /* "XML-RPC", "JSON-RPC", "JSON-2" or "JSON": what the answer should be */
  const char *path;   /* appended to the base URL */
  const char *method; /* "POST" (default) or "GET" */
  const char *ctype;  /* request Content-Type */
  const char *body;
  size_t body_len;
  const char *const *headers; /* extra request headers: name, value, name, value, ... */
  size_t n_headers;           /* number of pairs */
  int idempotent;
  int json2; /* a JSON-2 route (X-Odoo-Database sent: its HTML 404 names the database) */
  int xml;   /* decode the 2xx answer as XML-RPC (else JSON) */
  const erplink_value *log_value;
  const char *what; /* for messages */
} odoo__exchange;

/* Sends and decodes. On success *out is the decoded root (XML-RPC: the param or fault,
 * *is_fault set). On a non-2xx JSON answer holding an Odoo error object, *err_body receives
 * the decoded body and *status the status (the call still returns the HTTP error code).
 * is_fault, status and err_body may be NULL. */
int odoo__exchange_send(odoo_client *c, const odoo__exchange *x, erplink_value **out, int *is_fault, int *status,
                        erplink_value **err_body);

/* ---------------------------------------------------------------- errors (errors.c) */

/* "odoo.exceptions.AccessError" -> "AccessError" (NULL-safe). */
const char *odoo__short_class(const char *cls);
/* The string member @p key of a struct (NULL and *len 0 when absent or not a string). */
const char *odoo__str_member(const erplink_value *st, const char *key, size_t *len);
/* Sets the last error for a remote exception (code 0: from the class, then the status).
 * what = "res.partner.write" or "common.authenticate". */
int odoo__remote_error(int code, int status, const char *cls, const char *msg, size_t msg_len, const char *debug,
                       size_t debug_len, const char *what);
/* An Odoo error object {name, message, arguments, context, debug} (JSON-RPC data, JSON-2 body). */
int odoo__error_object(const erplink_value *e, int status, const char *what);
/* An XML-RPC fault {faultCode, faultString}. */
int odoo__xmlrpc_fault(const erplink_value *f, const char *what);
/* A remote psycopg2 'database "x" does not exist' becomes ERPLINK_EPROTOCOL naming the
 * database; other errors (rc) pass through. */
int odoo__database_error(int rc, const char *what);
/* The first bytes of a body open an HTML document. */
int odoo__looks_html(const char *b, size_t n);
/* An answer that is not the protocol asked for (HTML page, other media type): ERPLINK_EPROTOCOL. */
int odoo__not_rpc_answer(const odoo_client *c, const odoo__exchange *x, int status, const char *ctype, const char *body,
                         size_t len);

/* ---------------------------------------------------------------- protocols */

/* service.method(*params) over XML-RPC; params: an array (borrowed). */
int odoo__xmlrpc_call(erplink_value **out, odoo_client *c, const char *service, const char *method,
                      const erplink_value *params, int idempotent, const char *what);
/* service.method(*args) over JSON-RPC; args: an array (consumed, also on failure). */
int odoo__jsonrpc_call(erplink_value **out, odoo_client *c, const char *service, const char *method,
                       erplink_value *args, int idempotent, const char *what);
/* POST /json/2/<model>/<method> with body_v (a struct, borrowed) as the body. */
int odoo__json2_call(erplink_value **out, odoo_client *c, const char *model, const char *method,
                     const erplink_value *body_v, int idempotent, const char *what);

/* ---------------------------------------------------------------- client (client.c) */

/* The protocol in use (AUTO resolved, which may ask the server its version) and the uid,
 * authenticating on first use. */
int odoo__ensure_uid(odoo_client *c, odoo_protocol *p, int64_t *uid);
/* A new secret string value holding the client's password or key. */
int odoo__secret_value(const odoo_client *c, erplink_value **out);

/* ---------------------------------------------------------------- values for the ORM calls */

/* Checks a (names, n) string list: EINVAL for NULL names with n > 0 or a NULL name. what names
 * the parameter in the message. */
int odoo__check_names(const char *const *names, size_t n, const char *what);
/* A new array of the n strings. */
int odoo__strings_value(erplink_value **out, const char *const *names, size_t n);
/* EINVAL unless d is NULL or an array. */
int odoo__check_domain(const erplink_value *d);

#endif /* ERPLINK_ODOO_INTERNAL_H */
