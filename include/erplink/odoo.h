/**
 * @file erplink/odoo.h
 * @brief Odoo client over XML-RPC (`/xmlrpc/2`), JSON-RPC (`/jsonrpc`) and JSON-2
 *        (`/json/2/<model>/<method>`, Odoo 19+).
 *
 * An ::odoo_client is built from an ::odoo_options object (typed setters, copied by
 * odoo_client_new()). The options hold what is Odoo's own (URL, database, credentials,
 * protocol, default context) and embed one ::erplink_http_options, reached with
 * odoo_options_http() and set with the `erplink_http_options_set_*` setters (timeouts, CA
 * file or directory, proxy, response size cap, low-speed limit, retries, retry budget, rate
 * limit, log callback, user agent, extra secret names). The client owns one
 * ::erplink_http_client made from a copy of them: retries, rate limiting, TLS, timeouts and
 * redacted logging are decided there, and the client's own log lines (the protocol chosen)
 * go to the same log callback.
 *
 * @par Protocols
 * ::ODOO_PROTOCOL_AUTO (the default) asks the server its version on first use and picks
 * JSON-2 when the server is Odoo 19 or later **and** an API key is configured, else
 * XML-RPC. odoo_client_protocol() tells which one is in use.
 *
 * @par Authentication
 * XML-RPC and JSON-RPC authenticate lazily on the first call with
 * `common.authenticate(db, login, password_or_key, {})`; the uid is kept. A `false` answer
 * (bad credentials) gives ::ERPLINK_EAUTH. Each later call sends the password or key again
 * (Odoo is stateless here), always as a *secret* value so that logs redact it. JSON-2 sends
 * `Authorization: bearer <key>` and `X-Odoo-Database`, and gets the uid from
 * `res.users/context_get`.
 *
 * @par Errors
 * Remote exceptions are mapped to codes with the exception class kept in
 * erplink_error_remote_class() and the traceback (when sent) in erplink_error_detail():
 * `AccessDenied` and HTTP 401 → ::ERPLINK_EAUTH; `AccessError` and 403 → ::ERPLINK_EACCESS;
 * `ValidationError`, `UserError`, `RedirectWarning` and 422 → ::ERPLINK_EVALIDATION;
 * `MissingError` and 404 → ::ERPLINK_ENOTFOUND; `LockError` and 409 → ::ERPLINK_ECONFLICT;
 * anything else → ::ERPLINK_ESERVER. On `/xmlrpc/2` fault code 2 covers UserError,
 * ValidationError and MissingError alike: it becomes ::ERPLINK_EVALIDATION with no class,
 * and the message says that the class is unknown.
 *
 * An answer that is not the protocol asked for — an HTML page (a base URL that is not Odoo's,
 * e.g. one ending in `/web/login`, or a reverse proxy serving another application), another
 * media type, or an empty body — is ::ERPLINK_EPROTOCOL (category `protocol`: a misconfigured
 * endpoint) whatever its HTTP status, with a message saying what came instead ("the server
 * answered an HTML page (HTTP 404), not XML-RPC: is the URL the Odoo base URL …?"), the status
 * in erplink_error_http_status() and the first bytes in erplink_error_detail(). Only a rate limit
 * or gateway error (429, 502, 503, 504: retried for idempotent calls) and a redirect
 * (::ERPLINK_EREDIRECT) keep their own code whatever page comes with them. The JSON 404 of
 * JSON-2 for an unknown model or method, and `MissingError`, stay ::ERPLINK_ENOTFOUND.
 *
 * A database the server does not have is ::ERPLINK_EPROTOCOL on every protocol, the message
 * naming it: on XML-RPC and JSON-RPC Odoo answers a `psycopg2.OperationalError` (class and
 * traceback kept); on JSON-2 its HTML 404 "No database is selected" page, which the message
 * explains (the `X-Odoo-Database` header names a database that does not exist, or one the
 * server's dbfilter does not serve).
 *
 * @par Retries
 * Every call is an HTTP POST. A call is retried after a reset, a read timeout or a
 * 502/503/504 only when it is idempotent: search, search_count, read, search_read,
 * fields_get, name_search, read_group, default_get, context_get and version are, and
 * odoo_client_call() with ::ODOO_CALL_IDEMPOTENT marks any other call so.
 *
 * @par Streaming and cancellation
 * odoo_cursor_new() reads every record of a domain page by page (`id > last`, bounded
 * memory); odoo_client_search_read_pages() and odoo_client_search_read_each() are callback
 * loops over a cursor. Any call, a cursor's next page included, is cancelled through an
 * ::erplink_cancel token pushed on the calling thread (erplink/cancel.h): the transfer, a
 * backoff or a rate-limit wait stops and the call fails with ::ERPLINK_ECANCELLED.
 *
 * @par String lists
 * Field, attribute and group-by names are passed as `(names, n)`: an array of @p n strings
 * (borrowed for the duration of the call); NULL with 0 means "all fields" (or "all
 * attributes") where the function says so. NULL with n > 0, or a NULL name, is ::ERPLINK_EINVAL.
 *
 * @par Thread safety
 * Options objects are not thread-safe. A client may be used from several threads at once.
 * A cursor is used by one thread at a time.
 */
#ifndef ERPLINK_ODOO_H
#define ERPLINK_ODOO_H

#include "common.h"
#include "http.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/** @brief Configuration of an Odoo client (opaque; see odoo_options_new()). */
typedef struct odoo_options odoo_options;
/** @brief An Odoo client (opaque; see odoo_client_new()). */
typedef struct odoo_client odoo_client;
/** @brief A search_read cursor (opaque; see odoo_cursor_new()). */
typedef struct odoo_cursor odoo_cursor;

/** @brief The wire protocol used by a client. */
typedef enum odoo_protocol {
  ODOO_PROTOCOL_AUTO = 0, /**< JSON-2 on Odoo >= 19 with an API key, else XML-RPC */
  ODOO_PROTOCOL_XMLRPC,   /**< `/xmlrpc/2/common` and `/xmlrpc/2/object` */
  ODOO_PROTOCOL_JSONRPC,  /**< `/jsonrpc` */
  ODOO_PROTOCOL_JSON2     /**< `/json/2/<model>/<method>` (Odoo 19+, API key only) */
} odoo_protocol;

/** @brief Flag of odoo_client_call(): the call may safely be sent twice (retried). */
#define ODOO_CALL_IDEMPOTENT 1u

/* ------------------------------------------------------------------ options */

/**
 * @brief Creates an options object with the defaults: protocol AUTO, no default context, and
 *        transport options (odoo_options_http()) with Odoo's defaults — total timeout 120 s,
 *        connect timeout 10 s, 3 attempts, backoff base 200 ms and cap 5 s; the other knobs
 *        as erplink_http_options_new() sets them (system CA store, proxy from the
 *        environment, no rate limit, no log callback, user agent "erplink/<version>").
 * @param out receives the object; free it with odoo_options_free().
 * @return 0, ::ERPLINK_EINVAL (NULL @p out) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int odoo_options_new(odoo_options **out);
/**
 * @brief Frees an options object (its transport options included), wiping the password and
 *        API key. NULL is a no-op.
 * @param o the object. Not thread-safe: no other thread may use @p o.
 */
ERPLINK_EXTERN void odoo_options_free(odoo_options *o);
/**
 * @brief The transport options embedded in @p o, to set with the `erplink_http_options_set_*`
 *        setters (e.g. `erplink_http_options_set_timeout_ms(odoo_options_http(o), 30000)`,
 *        erplink_http_options_set_ca_file() — NULL is the system store —,
 *        erplink_http_options_set_log()). odoo_client_new() copies them with the rest.
 * @param o the options.
 * @return the embedded object, borrowed: valid as long as @p o, freed with it (never free it
 *         yourself); NULL when @p o is NULL (the setters then return ::ERPLINK_EINVAL).
 *         Not thread-safe: the same as modifying @p o.
 */
ERPLINK_EXTERN erplink_http_options *odoo_options_http(odoo_options *o);
/**
 * @brief Sets the server's base URL, e.g. `https://erp.example.com` (a path prefix is kept).
 * @param o the options.
 * @param url an `http://` or `https://` URL (copied).
 * @return 0, ::ERPLINK_EINVAL (NULL, other scheme) or ::ERPLINK_ENOMEM.
 *         Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_url(odoo_options *o, const char *url);
/**
 * @brief Sets the database name.
 * @param o the options.
 * @param db the name (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_db(odoo_options *o, const char *db);
/**
 * @brief Sets the login (user name), used by XML-RPC and JSON-RPC authentication.
 * @param o the options.
 * @param login the login (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_login(odoo_options *o, const char *login);
/**
 * @brief Sets the password (a secret: copied, wiped when freed, never logged).
 * @param o the options.
 * @param password the password.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_password(odoo_options *o, const char *password);
/**
 * @brief Sets an API key (a secret: copied, wiped when freed, never logged). It is used
 *        instead of the password on XML-RPC/JSON-RPC and as the bearer token on JSON-2.
 * @param o the options.
 * @param api_key the key (printable ASCII without spaces).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_api_key(odoo_options *o, const char *api_key);
/**
 * @brief Chooses the protocol (default ::ODOO_PROTOCOL_AUTO).
 * @param o the options.
 * @param protocol an ::odoo_protocol.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_protocol(odoo_options *o, odoo_protocol protocol);
/**
 * @brief Sets the `lang` merged into the context of every call (a context the caller
 *        passes wins key by key).
 * @param o    the options.
 * @param lang e.g. "fr_FR" (copied); NULL to unset.
 * @return 0 or ::ERPLINK_ENOMEM (::ERPLINK_EINVAL for a NULL @p o). Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_lang(odoo_options *o, const char *lang);
/**
 * @brief Sets the `tz` merged into the context of every call.
 * @param o  the options.
 * @param tz e.g. "Europe/Brussels" (copied); NULL to unset.
 * @return 0 or ::ERPLINK_ENOMEM (::ERPLINK_EINVAL for a NULL @p o). Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_tz(odoo_options *o, const char *tz);
/**
 * @brief Sets the `allowed_company_ids` merged into the context of every call.
 * @param o   the options.
 * @param ids the company ids (copied); NULL with @p n 0 to unset.
 * @param n   their number (at most 4096).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int odoo_options_set_allowed_company_ids(odoo_options *o, const int64_t *ids, size_t n);

/* ------------------------------------------------------------------ client */

/**
 * @brief Creates a client. No network traffic happens here.
 * @param out receives the client; free it with odoo_client_free().
 * @param o   the options, their transport options included (copied; @p o may be freed or
 *            changed afterwards without effect on the client).
 * @return 0; ::ERPLINK_EINVAL (no URL, no database, no password nor API key, XML-RPC or
 *         JSON-RPC without a login, JSON-2 without an API key); ::ERPLINK_ENOMEM.
 *         Thread-safe as long as no other thread modifies @p o.
 */
ERPLINK_EXTERN int odoo_client_new(odoo_client **out, const odoo_options *o);
/**
 * @brief Frees a client and wipes its copies of the secrets. NULL is a no-op.
 * @param c the client. Not thread-safe: no other thread may be using @p c, and no cursor
 *          made from it may be used afterwards.
 */
ERPLINK_EXTERN void odoo_client_free(odoo_client *c);
/**
 * @brief Tells which protocol the client uses, resolving ::ODOO_PROTOCOL_AUTO (which may
 *        ask the server its version).
 * @param out receives ::ODOO_PROTOCOL_XMLRPC, ::ODOO_PROTOCOL_JSONRPC or ::ODOO_PROTOCOL_JSON2.
 * @param c   the client.
 * @return 0, ::ERPLINK_EINVAL (NULL argument) or an error of the version request.
 *         Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_protocol(odoo_protocol *out, odoo_client *c);
/**
 * @brief The server's major version (17, 19, ...), from `common.version()` or
 *        `/web/version`; asked once and remembered.
 * @param out receives it.
 * @param c   the client.
 * @return 0, ::ERPLINK_EINVAL (NULL argument), a transport error, or ::ERPLINK_EPROTOCOL for
 *         an unexpected answer. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_server_version(int *out, odoo_client *c);
/**
 * @brief The version structure: `common.version()` on XML-RPC/JSON-RPC
 *        (`server_version`, `server_version_info`, ...), `/web/version` on JSON-2
 *        (`version`, `version_info`). Needs no authentication.
 * @param out receives the tree; free it with erplink_value_free().
 * @param c   the client.
 * @return 0 or an error as described in the file documentation. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_version(erplink_value **out, odoo_client *c);
/**
 * @brief Authenticates now (otherwise done by the first call) and returns the uid.
 * @param uid receives the user id.
 * @param c   the client.
 * @return 0, ::ERPLINK_EAUTH for bad credentials, ::ERPLINK_EINVAL (NULL argument, or no
 *         login where XML-RPC or JSON-RPC needs one), or another error. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_authenticate(int64_t *uid, odoo_client *c);

/**
 * @brief Calls `model.method(*args, **kwargs)` through `execute_kw` (XML-RPC, JSON-RPC) or
 *        `/json/2/<model>/<method>` (JSON-2). The configured default context is merged into
 *        `kwargs["context"]`.
 *
 * On JSON-2, positional arguments are mapped to the named parameters of the standard ORM
 * methods (ids first for record methods: read, write, unlink, copy, action_*...; then
 * search: domain, offset, limit, order; search_count: domain, limit; search_read: domain,
 * fields, offset, limit, order; read: fields, load; create: vals_list; write: vals;
 * fields_get: allfields, attributes; name_search: name, domain, operator, limit;
 * read_group: domain, fields, groupby, offset, limit, orderby, lazy; formatted_read_group:
 * domain, groupby, aggregates, having, offset, limit, order; default_get: fields;
 * name_create: name; copy: default). For other methods pass named parameters in @p kwargs
 * (and `ids` there for record methods); positional arguments are then refused
 * (::ERPLINK_EINVAL) unless the only one is a list of ids.
 *
 * Two keyword names differ between Odoo versions: name_search's domain is `args` in Odoo 16,
 * 17 and 18 and `domain` from 19; default_get's parameter is `fields_list` up to 18
 * (`default_fields` in res.partner's override) and `fields` from 19. Either name may be passed
 * in @p kwargs: on XML-RPC and JSON-RPC the value is sent positionally (which every version
 * takes; name_search's `name` then goes first, "" when absent), on JSON-2 under 19's name.
 * Every other keyword the client sends is named alike in Odoo 16 to 19.
 *
 * @param out    receives the result (a method returning None gives a nil value on JSON-RPC
 *               and JSON-2; on XML-RPC Odoo itself fails with "cannot marshal None");
 *               free it with erplink_value_free(). May be NULL to discard the result.
 * @param c      the client.
 * @param model  e.g. "res.partner".
 * @param method e.g. "search_read".
 * @param args   an array of positional arguments (borrowed), or NULL for none.
 * @param kwargs a struct of keyword arguments (borrowed), or NULL for none.
 * @return 0 or an error as described in the file documentation. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_execute_kw(erplink_value **out, odoo_client *c, const char *model, const char *method,
                                          const erplink_value *args, const erplink_value *kwargs);
/**
 * @brief odoo_client_execute_kw() with flags (::ODOO_CALL_IDEMPOTENT).
 * @param out    as for odoo_client_execute_kw().
 * @param c      the client.
 * @param model  the model.
 * @param method the method.
 * @param args   positional arguments (borrowed) or NULL.
 * @param kwargs keyword arguments (borrowed) or NULL.
 * @param flags  0 or ::ODOO_CALL_IDEMPOTENT.
 * @return as for odoo_client_execute_kw(). Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_call(erplink_value **out, odoo_client *c, const char *model, const char *method,
                                    const erplink_value *args, const erplink_value *kwargs, unsigned flags);

/* ------------------------------------------------------------------ ORM calls */

/**
 * @brief `search(domain, offset, limit, order)` → array of ids.
 * @param out    receives the array (free with erplink_value_free()).
 * @param c      the client.
 * @param model  the model.
 * @param domain an array (borrowed) or NULL for `[]`.
 * @param offset >= 0.
 * @param limit  > 0, or 0 for no limit.
 * @param order  e.g. "id" or NULL for the model's order.
 * @return 0 or an error as described in the file documentation. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_search(erplink_value **out, odoo_client *c, const char *model,
                                      const erplink_value *domain, int64_t offset, int64_t limit, const char *order);
/**
 * @brief `search_count(domain)`.
 * @param out    receives the count.
 * @param c      the client.
 * @param model  the model.
 * @param domain an array (borrowed) or NULL for `[]`.
 * @return 0 or an error as described in the file documentation (::ERPLINK_EPROTOCOL when
 *         the answer is not an integer). Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_search_count(int64_t *out, odoo_client *c, const char *model,
                                            const erplink_value *domain);
/**
 * @brief `read(ids, fields)` → array of records (structs).
 * @param out      receives the array (free with erplink_value_free()).
 * @param c        the client.
 * @param model    the model.
 * @param ids      the ids.
 * @param n_ids    their number.
 * @param fields   the field names (borrowed), or NULL with @p n_fields 0 for all fields.
 * @param n_fields their number.
 * @return 0 or an error as described in the file documentation. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_read(erplink_value **out, odoo_client *c, const char *model, const int64_t *ids,
                                    size_t n_ids, const char *const *fields, size_t n_fields);
/**
 * @brief `search_read(domain, fields, offset, limit, order)` → array of records.
 * @param out      receives the array (free with erplink_value_free()).
 * @param c        the client.
 * @param model    the model.
 * @param domain   an array (borrowed) or NULL for `[]`.
 * @param fields   the field names (borrowed), or NULL with @p n_fields 0 for all fields.
 * @param n_fields their number.
 * @param offset   >= 0.
 * @param limit    > 0, or 0 for no limit.
 * @param order    the order or NULL.
 * @return 0 or an error as described in the file documentation. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_search_read(erplink_value **out, odoo_client *c, const char *model,
                                           const erplink_value *domain, const char *const *fields, size_t n_fields,
                                           int64_t offset, int64_t limit, const char *order);
/**
 * @brief `create(vals)` of one record → its id.
 * @param out_id receives the new id.
 * @param c      the client.
 * @param model  the model.
 * @param vals   a struct of field values (borrowed).
 * @return 0 or an error as described in the file documentation. Never retried once it may
 *         have reached the server. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_create(int64_t *out_id, odoo_client *c, const char *model, const erplink_value *vals);
/**
 * @brief `create([vals, ...])` → array of new ids.
 * @param out       receives the array (free with erplink_value_free()).
 * @param c         the client.
 * @param model     the model.
 * @param vals_list an array of structs (borrowed).
 * @return 0 or an error as described in the file documentation. Never retried once it may
 *         have reached the server. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_create_many(erplink_value **out, odoo_client *c, const char *model,
                                           const erplink_value *vals_list);
/**
 * @brief `write(ids, vals)`.
 * @param c     the client.
 * @param model the model.
 * @param ids   the ids.
 * @param n_ids their number (> 0).
 * @param vals  a struct (borrowed).
 * @return 0 or an error as described in the file documentation. Never retried once it may
 *         have reached the server. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_write(odoo_client *c, const char *model, const int64_t *ids, size_t n_ids,
                                     const erplink_value *vals);
/**
 * @brief `unlink(ids)`.
 * @param c     the client.
 * @param model the model.
 * @param ids   the ids.
 * @param n_ids their number (> 0).
 * @return 0 or an error as described in the file documentation. Never retried once it may
 *         have reached the server. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_unlink(odoo_client *c, const char *model, const int64_t *ids, size_t n_ids);
/**
 * @brief `fields_get(attributes=...)` → struct of field descriptions.
 * @param out          receives the struct (free with erplink_value_free()).
 * @param c            the client.
 * @param model        the model.
 * @param attributes   attribute names (e.g. "string", "type"; borrowed), or NULL with
 *                     @p n_attributes 0 for all attributes.
 * @param n_attributes their number.
 * @return 0 or an error as described in the file documentation. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_fields_get(erplink_value **out, odoo_client *c, const char *model,
                                          const char *const *attributes, size_t n_attributes);
/**
 * @brief `name_search(name, domain, operator, limit)` → array of `[id, display_name]`.
 *
 * The domain is sent positionally after the name on XML-RPC and JSON-RPC (Odoo ≤ 18 names it
 * `args`, 19 `domain`), by name on JSON-2.
 * @param out      receives the array (free with erplink_value_free()).
 * @param c        the client.
 * @param model    the model.
 * @param name     the text searched.
 * @param domain   an array (borrowed) or NULL.
 * @param operator_ e.g. "ilike" or NULL for the default.
 * @param limit    > 0, or 0 for the server's default (100).
 * @return 0 or an error as described in the file documentation. Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_name_search(erplink_value **out, odoo_client *c, const char *model, const char *name,
                                           const erplink_value *domain, const char *operator_, int64_t limit);
/**
 * @brief `read_group(domain, fields, groupby, offset, limit, orderby, lazy)`.
 *
 * Same parameters in Odoo 16 to 19; deprecated since 19 (the server logs a warning, the answer
 * is unchanged), where `formatted_read_group(domain, groupby, aggregates, ...)` replaces it
 * (reachable with odoo_client_call()).
 * @param out       receives the array of groups (free with erplink_value_free()).
 * @param c         the client.
 * @param model     the model.
 * @param domain    an array (borrowed) or NULL for `[]`.
 * @param fields    aggregate specs (e.g. "amount_total:sum"; borrowed), or NULL with
 *                  @p n_fields 0 for none (sent as `[]`).
 * @param n_fields  their number.
 * @param groupby   group-by fields (borrowed).
 * @param n_groupby their number, at least 1.
 * @param offset    >= 0.
 * @param limit     > 0, or 0 for no limit.
 * @param orderby   the order or NULL.
 * @param lazy      non-zero to group by the first field only (Odoo's default).
 * @return 0 or an error as described in the file documentation (::ERPLINK_EINVAL without a
 *         group-by field). Thread-safe.
 */
ERPLINK_EXTERN int odoo_client_read_group(erplink_value **out, odoo_client *c, const char *model,
                                          const erplink_value *domain, const char *const *fields, size_t n_fields,
                                          const char *const *groupby, size_t n_groupby, int64_t offset, int64_t limit,
                                          const char *orderby, int lazy);

/* ------------------------------------------------------------------ streaming */

/**
 * @brief Creates a cursor over every record matching @p domain, read page by page ordered by
 *        id with an `id > last` leaf put in front of the domain (no OFFSET): memory is bounded
 *        by one page whatever the size of the result, and records created meanwhile behind the
 *        cursor are not skipped. No request is sent here; each odoo_cursor_next() sends one.
 *
 * Cancel a cursor through an ::erplink_cancel token pushed on the thread that calls
 * odoo_cursor_next() (erplink/cancel.h): the page in flight, a backoff or a rate-limit wait
 * stops and odoo_cursor_next() fails with ::ERPLINK_ECANCELLED. Stopping early needs nothing
 * but odoo_cursor_free(): no request is in flight outside odoo_cursor_next().
 * @param out       receives the cursor; free it with odoo_cursor_free().
 * @param c         the client (borrowed: it must outlive the cursor; it may serve other
 *                  threads and cursors meanwhile).
 * @param model     the model.
 * @param domain    an array (copied) or NULL for `[]`.
 * @param fields    the field names (copied), or NULL with @p n_fields 0 for all fields
 *                  ("id" is always read).
 * @param n_fields  their number.
 * @param page_size records per request, 1 .. 1000000 (0 = 1000).
 * @return 0, ::ERPLINK_EINVAL (NULL @p out, @p c or @p model, a domain that is not an array,
 *         a bad field list, @p page_size too large) or ::ERPLINK_ENOMEM. Thread-safe (the new
 *         cursor is then used by one thread at a time).
 */
ERPLINK_EXTERN int odoo_cursor_new(odoo_cursor **out, odoo_client *c, const char *model, const erplink_value *domain,
                                   const char *const *fields, size_t n_fields, size_t page_size);
/**
 * @brief Reads the next page: one `search_read` request.
 *
 * A page holds at most `page_size` records, in increasing id order. A page shorter than
 * `page_size` is the last one (the next call returns the end without a request). After an
 * error the cursor keeps its position: calling odoo_cursor_next() again asks for the same page
 * again (e.g. after a timeout), or the caller stops with odoo_cursor_free().
 * @param page receives the page, an array of records owned by the caller (free it with
 *             erplink_value_free()), or NULL at the end (every record delivered).
 * @param cur  the cursor.
 * @return 0 (with `*page == NULL` at the end, and on every call after it);
 *         ::ERPLINK_ECANCELLED when a token pushed on the calling thread fired;
 *         ::ERPLINK_EPROTOCOL when the answer is not a list or not ordered by id; another error
 *         as described in the file documentation (pages already delivered stay delivered).
 *         ::ERPLINK_EINVAL for a NULL argument. Not thread-safe: one thread at a time per cursor.
 */
ERPLINK_EXTERN int odoo_cursor_next(erplink_value **page, odoo_cursor *cur);
/**
 * @brief How many records the cursor delivered so far (the sum of the pages' lengths).
 * @param cur the cursor (NULL gives 0).
 * @return the count. Not thread-safe with odoo_cursor_next() on the same cursor.
 */
ERPLINK_EXTERN size_t odoo_cursor_count(const odoo_cursor *cur);
/**
 * @brief Frees a cursor, at the end or before it (stopping early is fine). NULL is a no-op.
 *        The pages it delivered belong to the caller and stay valid.
 * @param cur the cursor. Not thread-safe: no other thread may be using @p cur.
 */
ERPLINK_EXTERN void odoo_cursor_free(odoo_cursor *cur);

/**
 * @brief Callback of odoo_client_search_read_each(): one record (borrowed, valid during
 *        the call). Return 0 to go on, anything else to stop (the call then returns
 *        ::ERPLINK_ECANCELLED).
 * @param record   the record (a struct).
 * @param userdata the pointer given to odoo_client_search_read_each().
 */
typedef int (*odoo_record_fn)(const erplink_value *record, void *userdata);
/**
 * @brief Callback of odoo_client_search_read_pages(): one page, an array of records
 *        (borrowed, freed after the call). Return 0 to go on, anything else to stop (the
 *        call then returns ::ERPLINK_ECANCELLED).
 * @param page     the page.
 * @param userdata the pointer given to odoo_client_search_read_pages().
 */
typedef int (*odoo_page_fn)(const erplink_value *page, void *userdata);

/**
 * @brief Reads every record matching @p domain page by page, as an ::odoo_cursor does
 *        (ordered by id, `id > last` paging, memory bounded by one page), calling @p fn with
 *        each page. A token pushed on the calling thread cancels it (erplink/cancel.h).
 * @param c         the client.
 * @param model     the model.
 * @param domain    an array (borrowed) or NULL for `[]`.
 * @param fields    the field names (borrowed), or NULL with @p n_fields 0 for all fields
 *                  ("id" is always read).
 * @param n_fields  their number.
 * @param page_size records per request, 1 .. 1000000 (0 = 1000).
 * @param fn        called with each non-empty page, on the calling thread.
 * @param userdata  passed to @p fn.
 * @return 0 after the last page; ::ERPLINK_ECANCELLED when @p fn stopped or a token fired;
 *         ::ERPLINK_EINVAL (as odoo_cursor_new(), or a NULL @p fn); another error as
 *         described in the file documentation (pages already delivered stay delivered).
 *         Thread-safe (the client may be shared; @p fn runs on the calling thread).
 */
ERPLINK_EXTERN int odoo_client_search_read_pages(odoo_client *c, const char *model, const erplink_value *domain,
                                                 const char *const *fields, size_t n_fields, size_t page_size,
                                                 odoo_page_fn fn, void *userdata);
/**
 * @brief As odoo_client_search_read_pages(), one record at a time.
 * @param c         the client.
 * @param model     the model.
 * @param domain    an array (borrowed) or NULL for `[]`.
 * @param fields    the field names (borrowed), or NULL with @p n_fields 0 for all fields.
 * @param n_fields  their number.
 * @param page_size records per request (0 = 1000).
 * @param fn        called with each record, on the calling thread.
 * @param userdata  passed to @p fn.
 * @return as odoo_client_search_read_pages(). Thread-safe (as odoo_client_search_read_pages()).
 */
ERPLINK_EXTERN int odoo_client_search_read_each(odoo_client *c, const char *model, const erplink_value *domain,
                                                const char *const *fields, size_t n_fields, size_t page_size,
                                                odoo_record_fn fn, void *userdata);

ERPLINK_END_DECLS

#endif /* ERPLINK_ODOO_H */
