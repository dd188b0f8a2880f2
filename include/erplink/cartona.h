/**
 * @file erplink/cartona.h
 * @brief Cartona supplier-integration client: products (listing, bulk price/stock updates in
 *        concurrent batches with a per-item outcome), orders (pull, acknowledge, status and
 *        detail updates, the pull → import → ack loop), Odoo status mapping.
 *
 * Cartona publishes no API reference; the facts honoured here come from Cartona's own Odoo
 * integration (see shared/spec/cartona.md). The client is strict where the facts are firm
 * (the `AuthorizationToken` header, the paths, required fields) and lenient where they are
 * thin (numbers sent as strings, unknown fields, response bodies that are `{}`, an object,
 * an array or empty).
 *
 * @par Transport
 * A ::cartona_client owns one ::erplink_http_client: retries, backoff, the retry budget,
 * rate limiting, TLS policy, size caps and log redaction are the core's. Every request
 * carries `AuthorizationToken: <token>` (the raw token, no `Bearer`); the core redacts that
 * header in every log line and never puts it in an error message.
 *
 * @par Bulk updates (one engine for three endpoints)
 * cartona_client_update_products(), cartona_client_update_base_products() and
 * cartona_client_update_stock() validate every item first (invalid items are
 * ::CARTONA_ITEM_REJECTED_LOCALLY and never sent), split the valid ones into batches of
 * `batch_size` (default 100) and send the batches concurrently (`concurrency` threads,
 * default 4) over the shared HTTP client. Bulk updates are idempotent per product, so the
 * requests are marked idempotent: the core retries 502/503/504, resets and read timeouts
 * with backoff (within the client's retry budget) and honours `Retry-After` on 429/503.
 * Every item ends with exactly one outcome (::cartona_item_status); nothing accepted is lost.
 *
 * @par Per-item answers
 * The response format of the bulk endpoints is *undocumented*. The client reads, in a 2xx
 * answer: an array of per-item results (matched to the batch by position when the lengths
 * agree and the identifiers do not contradict it, otherwise by identifier), or an object
 * whose `results`, `data`, `errors` or `failed` member is such an array. A result is a
 * failure when its `status` is `error`/`failed`/`rejected`/`false` or `success` is false
 * (or, without a `status`, when it carries an `error`/`errors` member); its `message`
 * (or `error`) becomes the item's message. Items a 2xx answer does not mention — and every
 * item when the body is empty, `{}`, or any other shape — are ::CARTONA_ITEM_UPDATED.
 * A 400/422 answer whose body is such an array rejects item by item in the same way (items
 * it reports as updated are updated; items it does not mention are rejected with the batch's
 * message); otherwise it rejects the whole batch with the server's text. A 2xx answer that is
 * an HTML page (a proxy or login page) confirms nothing: its items are ::CARTONA_ITEM_NOT_SENT
 * with ::ERPLINK_EPROTOCOL.
 *
 * @par Error classes
 * cartona_error_class_of() turns an `ERPLINK_E*` code into what a caller can do:
 * - ::CARTONA_ERRCLASS_TEMPORARY: ::ERPLINK_ENETWORK, ::ERPLINK_ECONNECT, ::ERPLINK_EDNS,
 *   ::ERPLINK_ERECV, ::ERPLINK_ETIMEOUT, ::ERPLINK_ESERVER, ::ERPLINK_EUNAVAILABLE,
 *   ::ERPLINK_EBUDGET, ::ERPLINK_ECONFLICT — retry later;
 * - ::CARTONA_ERRCLASS_RATE_LIMITED: ::ERPLINK_ERATELIMIT — retry after the delay;
 * - ::CARTONA_ERRCLASS_DATA: ::ERPLINK_EVALIDATION, ::ERPLINK_EHTTP (other 4xx),
 *   ::ERPLINK_ENOTFOUND, ::ERPLINK_EINVAL, ::ERPLINK_ETYPE, ::ERPLINK_ERANGE — fix the item;
 * - ::CARTONA_ERRCLASS_AUTH: ::ERPLINK_EAUTH, ::ERPLINK_EACCESS — fix the token;
 * - ::CARTONA_ERRCLASS_CANCELLED: ::ERPLINK_ECANCELLED;
 * - ::CARTONA_ERRCLASS_OTHER: everything else (TLS, protocol, memory, limits) — fix the setup.
 *
 * @par Thread safety
 * Options objects, item lists, change lists and status maps are not thread-safe to modify.
 * A ::cartona_client may be used from several threads at once. Results (bulk results,
 * orders, sync reports) are read-only once returned and may be read from several threads.
 */
#ifndef ERPLINK_CARTONA_H
#define ERPLINK_CARTONA_H

#include "common.h"
#include "log.h"
#include "store.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/** @brief Cartona's production base URL. */
#define CARTONA_BASE_URL_PRODUCTION "https://supplier-integrations.cartona.com/api/v1/"
/** @brief Cartona's staging base URL. */
#define CARTONA_BASE_URL_STAGING "https://supplier-integrations.cartona.space/api/v1/"

/** @brief Client configuration (opaque); copied by cartona_client_new(). Not thread-safe to modify. */
typedef struct cartona_options cartona_options;
/** @brief A Cartona client (opaque). Thread-safe. */
typedef struct cartona_client cartona_client;
/** @brief A list of product update items (opaque). Not thread-safe to modify. */
typedef struct cartona_items cartona_items;
/** @brief The per-item outcome of a bulk update (opaque, read-only). */
typedef struct cartona_bulk_result cartona_bulk_result;
/** @brief A list of pulled orders (opaque, read-only). */
typedef struct cartona_orders cartona_orders;
/** @brief One order of a ::cartona_orders list (opaque, owned by the list). */
typedef struct cartona_order cartona_order;
/** @brief One line (`order_details` entry) of an order (opaque, owned by the order's list). */
typedef struct cartona_order_line cartona_order_line;
/** @brief A set of changes to one order's lines (opaque). Not thread-safe to modify. */
typedef struct cartona_order_changes cartona_order_changes;
/** @brief The report of cartona_client_sync_orders() (opaque, read-only). */
typedef struct cartona_sync_report cartona_sync_report;
/** @brief A mapping between Odoo sale.order states and Cartona statuses (opaque). */
typedef struct cartona_status_map cartona_status_map;

/** @brief What a caller can do about a failure (see the file documentation for the mapping). */
typedef enum cartona_error_class {
  CARTONA_ERRCLASS_NONE = 0,     /**< no error */
  CARTONA_ERRCLASS_TEMPORARY,    /**< network or server trouble: retry later */
  CARTONA_ERRCLASS_RATE_LIMITED, /**< rate limited: retry after the given delay */
  CARTONA_ERRCLASS_DATA,         /**< the data was refused: fix the item */
  CARTONA_ERRCLASS_AUTH,         /**< authentication or permission: fix the token */
  CARTONA_ERRCLASS_CANCELLED,    /**< the caller cancelled */
  CARTONA_ERRCLASS_OTHER         /**< configuration, TLS, protocol or memory: fix the setup */
} cartona_error_class;

/** @brief The final outcome of one item of a bulk update. */
typedef enum cartona_item_status {
  CARTONA_ITEM_UPDATED = 1,         /**< the server accepted the item */
  CARTONA_ITEM_REJECTED = 2,        /**< the server refused the item (its message says why) */
  CARTONA_ITEM_REJECTED_LOCALLY = 3,/**< invalid: never sent (the message names the problem) */
  CARTONA_ITEM_NOT_SENT = 4         /**< no confirmation: cancelled, auth error, or the batch failed
                                         after retries (network, timeout, 5xx, rate limit). When the
                                         request may have reached the server (timeout, 5xx) the
                                         update may or may not have been applied; sending it again
                                         is safe (updates are idempotent). */
} cartona_item_status;

/** @brief The payment method of an order, derived from its amounts. */
typedef enum cartona_payment_method {
  CARTONA_PAYMENT_STANDARD = 0,   /**< none of the amounts below is positive */
  CARTONA_PAYMENT_INSTALMENT,     /**< `installment_cost` > 0 */
  CARTONA_PAYMENT_WALLET_TOP_UP,  /**< else `wallet_top_up` > 0 */
  CARTONA_PAYMENT_CARTONA_CREDIT  /**< else `cartona_credit` > 0 */
} cartona_payment_method;

/** @brief The outcome of one order in a ::cartona_sync_report. */
typedef enum cartona_sync_outcome {
  CARTONA_SYNC_ACKED = 1,         /**< imported, then acknowledged as `synced` */
  CARTONA_SYNC_IMPORT_FAILED = 2, /**< the import callback failed: not acknowledged (comes back next pull) */
  CARTONA_SYNC_ACK_FAILED = 3     /**< imported, but the acknowledgement failed (comes back next pull) */
} cartona_sync_outcome;

/**
 * @brief Progress callback of bulk updates.
 *
 * Called after each batch completes, from the worker thread that sent it; erplink
 * serialises the calls (never two at once, under a mutex), so the callback need not lock,
 * but it must not call back into the same bulk operation.
 * @param done     items with a final outcome so far (locally rejected ones included).
 * @param total    all items of the call.
 * @param userdata the pointer given with the callback.
 */
typedef void (*cartona_progress_fn)(size_t done, size_t total, void *userdata);

/**
 * @brief Cancel callback of bulk updates: polled before each batch starts (serialised with the
 *        progress callback). Once it returns non-zero, batches not yet started end as
 *        ::CARTONA_ITEM_NOT_SENT with the message "cancelled"; batches in flight complete.
 * @param userdata the pointer given with the callback.
 * @return non-zero to cancel.
 */
typedef int (*cartona_cancel_fn)(void *userdata);

/**
 * @brief Import callback of cartona_client_sync_orders().
 *
 * Must be idempotent on the order's hashed_id: an order imported but not acknowledged comes
 * back on the next pull. Called on the thread that called cartona_client_sync_orders(), one
 * order at a time.
 * @param order    the order (borrowed: valid during the call only).
 * @param userdata the pointer given to cartona_client_sync_orders().
 * @return 0 when imported (the order is then acknowledged as `synced`); non-zero on failure
 *         (the order is not acknowledged). To explain the failure, record a message with
 *         erplink_error_set() before returning: the report keeps it.
 */
typedef int (*cartona_import_fn)(const cartona_order *order, void *userdata);

/* ------------------------------------------------------------------ errors, validation */

/**
 * @brief Classifies an error code (see the file documentation).
 * @param code an `ERPLINK_E*` code, or 0.
 * @return the class (::CARTONA_ERRCLASS_NONE for 0). Thread-safe.
 */
ERPLINK_EXTERN cartona_error_class cartona_error_class_of(int code);

/**
 * @brief The stable lowercase name of a class: "none", "temporary", "rate_limited", "data",
 *        "auth", "cancelled", "other".
 * @param cls a class.
 * @return a static string ("unknown" outside the enumeration). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_error_class_name(cartona_error_class cls);

/**
 * @brief The stable lowercase name of an item status: "updated", "rejected",
 *        "rejected_locally", "not_sent".
 * @param status a ::cartona_item_status.
 * @return a static string ("unknown" otherwise). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_item_status_name(int status);

/**
 * @brief Tells whether @p unit is one of Cartona's units (box, can, bottle, kg, piece, …).
 * @param unit the unit name (case-sensitive), or NULL.
 * @return 1 or 0. Thread-safe.
 */
ERPLINK_EXTERN int cartona_unit_valid(const char *unit);

/**
 * @brief Tells whether a supplier may set @p status: synced, pending, approved,
 *        assigned_to_salesman, delivered, cancelled_by_supplier.
 * @param status the status, or NULL.
 * @return 1 or 0. Thread-safe.
 */
ERPLINK_EXTERN int cartona_status_settable(const char *status);

/**
 * @brief Tells whether @p reason is one of Cartona's cancellation reasons (out_of_stock, …).
 * @param reason the reason, or NULL.
 * @return 1 or 0. Thread-safe.
 */
ERPLINK_EXTERN int cartona_cancellation_reason_valid(const char *reason);

/* ------------------------------------------------------------------ options */

/**
 * @brief Creates options with the defaults: base URL ::CARTONA_BASE_URL_PRODUCTION, no token,
 *        no supplier code, batch size 100, concurrency 4, connect timeout 10 s, request
 *        timeout 30 s (the reference module's), 4 attempts with backoff 500 ms .. 10 s,
 *        retry budget ratio 0.2 with at least 10 retries per 10 s, the system CA store,
 *        user agent "erplink/<version> cartona", no log callback.
 * @param out receives the options; free them with cartona_options_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_options_new(cartona_options **out);

/** @brief Frees options (NULL is a no-op); the token is wiped. @param o the options. */
ERPLINK_EXTERN void cartona_options_free(cartona_options *o);

/**
 * @brief Sets the supplier's token, sent as `AuthorizationToken: <token>` (never logged).
 * @param o     the options.
 * @param token the raw token (copied; no CR/LF, not empty).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_options_set_token(cartona_options *o, const char *token);

/**
 * @brief Sets the base URL (::CARTONA_BASE_URL_PRODUCTION, ::CARTONA_BASE_URL_STAGING, or any
 *        http(s) URL for tests). A missing trailing `/` is added.
 * @param o   the options.
 * @param url the URL (copied).
 * @return 0, ::ERPLINK_EINVAL (not http/https, control characters) or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_options_set_base_url(cartona_options *o, const char *url);

/**
 * @brief Sets the supplier code (price list) added as `supplier_code` to every product update
 *        item that has none (1 retail, 2 wholesale, 3 wholesale-to-wholesale are common).
 * @param o    the options.
 * @param code the code, >= 1; 0 removes it.
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int cartona_options_set_supplier_code(cartona_options *o, int64_t code);

/**
 * @brief Sets the number of items per bulk request.
 * @param o the options.
 * @param n 1 .. 1000 (default 100).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int cartona_options_set_batch_size(cartona_options *o, int n);

/**
 * @brief Sets how many batches are sent at once (also the HTTP connection pool size).
 * @param o the options.
 * @param n 1 .. 64 (default 4).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int cartona_options_set_concurrency(cartona_options *o, int n);

/**
 * @brief Sets the timeouts.
 * @param o                  the options.
 * @param connect_timeout_ms 1 .. 86400000 (default 10000).
 * @param timeout_ms         total time of one attempt, 1 .. 86400000 (default 30000).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int cartona_options_set_timeouts_ms(cartona_options *o, int64_t connect_timeout_ms,
                                                   int64_t timeout_ms);

/**
 * @brief Sets the retry policy of every request (see erplink/http.h for what is retried).
 * @param o            the options.
 * @param max_attempts 1 (no retry) .. 100 (default 4).
 * @param base_ms      backoff base, >= 0 (default 500).
 * @param cap_ms       backoff cap, >= @p base_ms (default 10000).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int cartona_options_set_retry(cartona_options *o, int max_attempts, int64_t base_ms,
                                             int64_t cap_ms);

/**
 * @brief Sets the retry budget (see erplink_http_options_set_retry_budget()).
 * @param o           the options.
 * @param ratio       0.0 .. 1000.0 (default 0.2).
 * @param min_retries >= 0 (default 10).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int cartona_options_set_retry_budget(cartona_options *o, double ratio, int min_retries);

/**
 * @brief Uses a CA bundle (PEM file) instead of the system store; verification stays on.
 * @param o    the options.
 * @param path the file (copied), or NULL for the system store.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_options_set_ca_file(cartona_options *o, const char *path);

/**
 * @brief Sets the User-Agent.
 * @param o  the options.
 * @param ua the user agent (copied), or NULL for the default.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_options_set_user_agent(cartona_options *o, const char *ua);

/**
 * @brief Installs a log callback (lines are redacted: the token never appears).
 * @param o         the options.
 * @param fn        the callback (thread-safe, see ::erplink_log_fn), or NULL.
 * @param userdata  passed to @p fn (not owned; must outlive the client).
 * @param max_level the most verbose level delivered (::ERPLINK_LOG_NONE .. ::ERPLINK_LOG_TRACE).
 * @return 0 or ::ERPLINK_EINVAL.
 */
ERPLINK_EXTERN int cartona_options_set_log(cartona_options *o, erplink_log_fn fn, void *userdata, int max_level);

/* ------------------------------------------------------------------ client */

/**
 * @brief Creates a client (and its HTTP client).
 * @param out receives the client; free it with cartona_client_free().
 * @param o   the options (copied; a token is required).
 * @return 0, ::ERPLINK_EINVAL (NULL arguments, no token) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_new(cartona_client **out, const cartona_options *o);

/** @brief Frees a client (NULL is a no-op); no other thread may be using it. @param c the client. */
ERPLINK_EXTERN void cartona_client_free(cartona_client *c);

/**
 * @brief Tests the connection and the token: `GET supplier-product?page=1&per_page=1`.
 * @param c the client.
 * @return 0, or the HTTP/transport error (::ERPLINK_EAUTH for a refused token, …). Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_test_connection(cartona_client *c);

/**
 * @brief Lists the supplier's products: `GET supplier-product?page=&per_page=[&internal_product_id=][&supplier_product_id=]`.
 * @param out                 receives the decoded answer (a JSON array, or whatever the server
 *                            sent: an object is accepted and returned as is); free it with
 *                            erplink_value_free().
 * @param c                   the client.
 * @param page                >= 1.
 * @param per_page            1 .. 1000.
 * @param internal_product_id filter, or NULL (percent-encoded: `904#2` is fine).
 * @param supplier_product_id filter, or NULL.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EPROTOCOL (not JSON) or an HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_list_products(erplink_value **out, cartona_client *c, int64_t page,
                                                int64_t per_page, const char *internal_product_id,
                                                const char *supplier_product_id);

/* ------------------------------------------------------------------ items */

/**
 * @brief Creates an empty item list.
 * @param out receives the list; free it with cartona_items_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_items_new(cartona_items **out);

/** @brief Frees an item list (NULL is a no-op). @param l the list. */
ERPLINK_EXTERN void cartona_items_free(cartona_items *l);

/** @brief The number of items. @param l the list. @return the count (0 for NULL). */
ERPLINK_EXTERN size_t cartona_items_count(const cartona_items *l);

/**
 * @brief Appends an empty item; set its fields with the setters below.
 * @param out_index receives the item's index (may be NULL).
 * @param l         the list.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_items_add(size_t *out_index, cartona_items *l);

/**
 * @brief Appends items given as values: an array of structs (or a single struct), cloned.
 *        Members are sent as given (unknown members included); validation happens when sent.
 * @param l the list.
 * @param v a struct or an array of structs.
 * @return 0, ::ERPLINK_EINVAL (NULL, or not a struct/array of structs; nothing is appended)
 *         or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_items_add_value(cartona_items *l, const erplink_value *v);

/**
 * @brief Sets a string field of item @p i. Known string fields: `supplier_product_id`,
 *        `internal_product_id`, `base_product_id`, `unit`, `notes`; any other name is sent
 *        as is.
 * @param l     the list.
 * @param i     the item's index.
 * @param field the JSON member name.
 * @param value UTF-8 text (copied), or NULL to remove the field.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE (no such item) or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_items_set_string(cartona_items *l, size_t i, const char *field, const char *value);

/**
 * @brief Sets an integer field of item @p i (`available_stock_quantity`, `min_order`,
 *        `max_order`, `remind_me_at_stock`, `unit_count`, `supplier_code`, or an id sent as
 *        a number).
 * @param l     the list.
 * @param i     the item's index.
 * @param field the JSON member name.
 * @param value the integer (range checks happen when sent).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_items_set_int(cartona_items *l, size_t i, const char *field, int64_t value);

/**
 * @brief Sets a number field of item @p i (`selling_price`).
 * @param l     the list.
 * @param i     the item's index.
 * @param field the JSON member name.
 * @param value the number (checked when sent: finite, >= 0).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_items_set_double(cartona_items *l, size_t i, const char *field, double value);

/**
 * @brief Sets a boolean field of item @p i (`in_stock`, `is_unlimited_stock`, `is_published`).
 * @param l     the list.
 * @param i     the item's index.
 * @param field the JSON member name.
 * @param value non-zero for true.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_items_set_bool(cartona_items *l, size_t i, const char *field, int value);

/**
 * @brief The item as a value (borrowed from the list; valid until the item changes or the list is freed).
 * @param l the list.
 * @param i the item's index.
 * @return the struct, or NULL when out of range.
 */
ERPLINK_EXTERN const erplink_value *cartona_items_get(const cartona_items *l, size_t i);

/* ------------------------------------------------------------------ bulk updates */

/**
 * @brief `POST supplier-product/bulk-update`: updates products in concurrent batches.
 *
 * An item must carry one identifier: `supplier_product_id`, `internal_product_id`, or
 * `base_product_id` + `unit` + `unit_count`. Checked before sending (else
 * ::CARTONA_ITEM_REJECTED_LOCALLY): ids are non-empty strings or integers; `unit` is a
 * Cartona unit; `unit_count`, `available_stock_quantity`, `min_order`, `max_order`,
 * `remind_me_at_stock` are integers >= 0 (`unit_count` >= 1); `selling_price` is a finite
 * number >= 0; `in_stock`, `is_unlimited_stock`, `is_published` are booleans; `notes` is a
 * string; `max_order` >= `min_order` when both are set.
 *
 * @param out      receives the per-item outcome (also when the function fails with an
 *                 outcome for every item); free it with cartona_bulk_result_free().
 * @param c        the client.
 * @param items    the items (not modified; may be empty).
 * @param progress progress callback or NULL (see ::cartona_progress_fn).
 * @param cancel   cancel callback or NULL (see ::cartona_cancel_fn).
 * @param userdata passed to both callbacks.
 * @return 0 when every item has an outcome (check them: items may be rejected or not sent),
 *         ::ERPLINK_EINVAL (NULL arguments) or ::ERPLINK_ENOMEM (no result). Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_products(cartona_bulk_result **out, cartona_client *c,
                                                  const cartona_items *items, cartona_progress_fn progress,
                                                  cartona_cancel_fn cancel, void *userdata);

/**
 * @brief `POST supplier-product/base-product/bulk-update`: as cartona_client_update_products()
 *        but every item must carry `base_product_id` (same engine and rules otherwise).
 * @param out      receives the per-item outcome; free it with cartona_bulk_result_free().
 * @param c        the client.
 * @param items    the items.
 * @param progress progress callback or NULL.
 * @param cancel   cancel callback or NULL.
 * @param userdata passed to both callbacks.
 * @return as cartona_client_update_products().
 */
ERPLINK_EXTERN int cartona_client_update_base_products(cartona_bulk_result **out, cartona_client *c,
                                                       const cartona_items *items, cartona_progress_fn progress,
                                                       cartona_cancel_fn cancel, void *userdata);

/**
 * @brief `POST supplier-product/base-product/bulk-update-stock`: items must carry
 *        `base_product_id` and `available_stock_quantity` (same engine and rules otherwise).
 * @param out      receives the per-item outcome; free it with cartona_bulk_result_free().
 * @param c        the client.
 * @param items    the items.
 * @param progress progress callback or NULL.
 * @param cancel   cancel callback or NULL.
 * @param userdata passed to both callbacks.
 * @return as cartona_client_update_products().
 */
ERPLINK_EXTERN int cartona_client_update_stock(cartona_bulk_result **out, cartona_client *c,
                                               const cartona_items *items, cartona_progress_fn progress,
                                               cartona_cancel_fn cancel, void *userdata);

/** @brief Frees a bulk result (NULL is a no-op). @param r the result. */
ERPLINK_EXTERN void cartona_bulk_result_free(cartona_bulk_result *r);

/** @brief The number of items (same order as the input). @param r the result. @return the count. */
ERPLINK_EXTERN size_t cartona_bulk_result_count(const cartona_bulk_result *r);

/**
 * @brief How many items ended with @p status.
 * @param r      the result.
 * @param status a ::cartona_item_status.
 * @return the count.
 */
ERPLINK_EXTERN size_t cartona_bulk_result_count_status(const cartona_bulk_result *r, int status);

/**
 * @brief The outcome of item @p i.
 * @param r the result.
 * @param i the item's index in the input list.
 * @return a ::cartona_item_status, or 0 when out of range.
 */
ERPLINK_EXTERN int cartona_bulk_result_status(const cartona_bulk_result *r, size_t i);

/**
 * @brief Why item @p i was not updated (the server's message, the local validation problem,
 *        "cancelled", or the transport error).
 * @param r the result.
 * @param i the item's index.
 * @return a string owned by @p r, or NULL for updated items and out-of-range indexes.
 */
ERPLINK_EXTERN const char *cartona_bulk_result_message(const cartona_bulk_result *r, size_t i);

/**
 * @brief The `ERPLINK_E*` code behind a failed item (::ERPLINK_EVALIDATION for rejections,
 *        ::ERPLINK_ECANCELLED for cancellation, the transport or HTTP code otherwise).
 * @param r the result.
 * @param i the item's index.
 * @return the code, 0 for updated items.
 */
ERPLINK_EXTERN int cartona_bulk_result_error_code(const cartona_bulk_result *r, size_t i);

/**
 * @brief The class of item @p i's failure (cartona_error_class_of() of its code).
 * @param r the result.
 * @param i the item's index.
 * @return the class, ::CARTONA_ERRCLASS_NONE for updated items.
 */
ERPLINK_EXTERN cartona_error_class cartona_bulk_result_error_class(const cartona_bulk_result *r, size_t i);

/**
 * @brief The HTTP status of the answer that decided item @p i (0 when none was received or
 *        the item was never sent).
 * @param r the result.
 * @param i the item's index.
 * @return the status.
 */
ERPLINK_EXTERN int cartona_bulk_result_http_status(const cartona_bulk_result *r, size_t i);

/**
 * @brief The delay the server asked for (rate-limited items).
 * @param r the result.
 * @param i the item's index.
 * @return milliseconds, or -1 when unknown.
 */
ERPLINK_EXTERN int64_t cartona_bulk_result_retry_after_ms(const cartona_bulk_result *r, size_t i);

/**
 * @brief The number of batches the valid items were split into.
 * @param r the result.
 * @return the count.
 */
ERPLINK_EXTERN size_t cartona_bulk_result_batches(const cartona_bulk_result *r);

/**
 * @brief The number of HTTP attempts made (retries included; 0 when nothing was sent). One
 *        attempt may reach the server twice when libcurl transparently re-sends a request whose
 *        reused keep-alive connection died before any answer.
 * @param r the result.
 * @return the count.
 */
ERPLINK_EXTERN size_t cartona_bulk_result_attempts(const cartona_bulk_result *r);

/* ------------------------------------------------------------------ orders */

/**
 * @brief `GET order/pull-orders?page=&per_page=[&from=][&to=]`: the new and updated orders.
 * @param out      receives the parsed orders; free them with cartona_orders_free().
 * @param c        the client.
 * @param page     >= 1.
 * @param per_page 1 .. 1000.
 * @param from     ISO datetime lower bound, or NULL (whether the server honours it is unconfirmed).
 * @param to       ISO datetime upper bound, or NULL.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EPROTOCOL (not JSON, or an order without
 *         `hashed_id`/`status`; the message names it) or an HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_pull_orders(cartona_orders **out, cartona_client *c, int64_t page,
                                              int64_t per_page, const char *from, const char *to);

/**
 * @brief Parses orders from JSON text (a bare array, a single order object, or an object with
 *        an `orders`/`data` array); lenient about numbers given as strings and missing
 *        optional fields, strict about `hashed_id` and `status`.
 * @param out  receives the orders; free them with cartona_orders_free().
 * @param json the text.
 * @param len  its length.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EPROTOCOL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_orders_parse(cartona_orders **out, const char *json, size_t len);

/**
 * @brief Parses orders from a decoded value (same rules as cartona_orders_parse()); @p v is cloned.
 * @param out receives the orders; free them with cartona_orders_free().
 * @param v   the value.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EPROTOCOL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_orders_from_value(cartona_orders **out, const erplink_value *v);

/** @brief Frees an order list and its orders (NULL is a no-op). @param l the list. */
ERPLINK_EXTERN void cartona_orders_free(cartona_orders *l);

/** @brief The number of orders. @param l the list. @return the count. */
ERPLINK_EXTERN size_t cartona_orders_count(const cartona_orders *l);

/**
 * @brief Order @p i.
 * @param l the list.
 * @param i the index.
 * @return the order (owned by @p l), or NULL when out of range.
 */
ERPLINK_EXTERN const cartona_order *cartona_orders_get(const cartona_orders *l, size_t i);

/** @brief The order key. @param o the order. @return text owned by the list (never NULL for a parsed order). */
ERPLINK_EXTERN const char *cartona_order_hashed_id(const cartona_order *o);

/** @brief The Cartona status. @param o the order. @return text owned by the list. */
ERPLINK_EXTERN const char *cartona_order_status(const cartona_order *o);

/**
 * @brief Any top-level scalar field as text: strings as they are, integers in decimal, numbers
 *        in their shortest form, booleans as "true"/"false" (e.g. "supplier_code",
 *        "delivered_by", "pickup_otp", "estimated_delivery_day", "created_at").
 * @param o   the order.
 * @param key the member name.
 * @return text owned by the list, or NULL when absent, null or not a scalar.
 */
ERPLINK_EXTERN const char *cartona_order_text(const cartona_order *o, const char *key);

/**
 * @brief A top-level number field (e.g. "total_price", "cartona_credit", "installment_cost",
 *        "wallet_top_up", "applied_supplier_rebate"), accepting numbers and numeric strings.
 * @param out receives the number (0 when absent or null).
 * @param o   the order.
 * @param key the member name.
 * @return 0 (also when absent: *out = 0), ::ERPLINK_EINVAL or ::ERPLINK_ETYPE (not numeric).
 */
ERPLINK_EXTERN int cartona_order_number(double *out, const cartona_order *o, const char *key);

/**
 * @brief A `retailer` member as text (retailer_name, retailer_code, retailer_number,
 *        retailer_number2, retailer_address, address_notes).
 * @param o   the order.
 * @param key the member name.
 * @return text owned by the list, or NULL.
 */
ERPLINK_EXTERN const char *cartona_order_retailer_text(const cartona_order *o, const char *key);

/**
 * @brief The payment method derived from the amounts (installment_cost > 0 → instalment; else
 *        wallet_top_up > 0 → wallet top-up; else cartona_credit > 0 → Cartona credit; else standard).
 * @param o the order.
 * @return the method.
 */
ERPLINK_EXTERN cartona_payment_method cartona_order_payment_method(const cartona_order *o);

/**
 * @brief The stable name of a payment method: "standard", "instalment", "wallet_top_up", "cartona_credit".
 * @param m the method.
 * @return a static string ("unknown" otherwise).
 */
ERPLINK_EXTERN const char *cartona_payment_method_name(cartona_payment_method m);

/**
 * @brief The order exactly as received (every field, unknown ones included).
 * @param o the order.
 * @return a struct owned by the list (read-only).
 */
ERPLINK_EXTERN const erplink_value *cartona_order_raw(const cartona_order *o);

/** @brief The number of lines (`order_details`). @param o the order. @return the count. */
ERPLINK_EXTERN size_t cartona_order_line_count(const cartona_order *o);

/**
 * @brief Line @p i of an order.
 * @param o the order.
 * @param i the index.
 * @return the line (owned by the list), or NULL.
 */
ERPLINK_EXTERN const cartona_order_line *cartona_order_line_at(const cartona_order *o, size_t i);

/**
 * @brief A scalar field of a line as text ("id", "supplier_product_id", "internal_product_id",
 *        "base_product_id", "unit", "unit_count", "product_name", "comment", …).
 * @param l   the line.
 * @param key the member name.
 * @return text owned by the list, or NULL.
 */
ERPLINK_EXTERN const char *cartona_order_line_text(const cartona_order_line *l, const char *key);

/**
 * @brief A number field of a line ("applied_supplier_discount", "applied_cartona_discount", …).
 * @param out receives the number (0 when absent or null).
 * @param l   the line.
 * @param key the member name.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE.
 */
ERPLINK_EXTERN int cartona_order_line_number(double *out, const cartona_order_line *l, const char *key);

/**
 * @brief The quantity of a line (Cartona's `amount` — a quantity, not money).
 * @param l the line.
 * @return the quantity (0 when absent or not numeric).
 */
ERPLINK_EXTERN double cartona_order_line_quantity(const cartona_order_line *l);

/**
 * @brief The final unit price of a line (`selling_price`).
 * @param l the line.
 * @return the price (0 when absent or not numeric).
 */
ERPLINK_EXTERN double cartona_order_line_unit_price(const cartona_order_line *l);

/**
 * @brief The line exactly as received.
 * @param l the line.
 * @return a struct owned by the list (read-only).
 */
ERPLINK_EXTERN const erplink_value *cartona_order_line_raw(const cartona_order_line *l);

/**
 * @brief Acknowledges orders as `synced` in one bulk request (`POST order/update-order-status`),
 *        removing them from the pull queue.
 * @param c          the client.
 * @param hashed_ids the orders' keys.
 * @param n          their number (0: nothing is sent).
 * @return 0, ::ERPLINK_EINVAL or an HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_ack_orders(cartona_client *c, const char *const *hashed_ids, size_t n);

/**
 * @brief Bulk status update (`POST order/update-order-status`; documented not to fail per item).
 * @param c     the client.
 * @param items an array of status items `{"hashed_id", "status", ["retailer_otp"],
 *              ["cancellation_reason"], ["estimated_delivery_day"], ["delivery_day"]}`.
 *              Every item is checked first (hashed_id present, status settable, reason valid):
 *              on the first invalid item nothing is sent (::ERPLINK_EVALIDATION, naming it).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EVALIDATION or an HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_order_statuses(cartona_client *c, const erplink_value *items);

/**
 * @brief Single status update (`POST order/update-order-status/<hashed_id>`), which fails when
 *        the server refuses it: use it when the outcome matters (e.g. `delivered` with the
 *        retailer's OTP).
 * @param c                      the client.
 * @param hashed_id              the order's key (percent-encoded in the path).
 * @param status                 a status a supplier may set (cartona_status_settable()).
 * @param retailer_otp           the retailer's OTP, or NULL (never logged).
 * @param cancellation_reason    a Cartona cancellation reason, or NULL.
 * @param estimated_delivery_day a date, or NULL.
 * @param delivery_day           a date, or NULL.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EVALIDATION (status or reason not valid; refused by the
 *         server) or an HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_order_status(cartona_client *c, const char *hashed_id, const char *status,
                                                      const char *retailer_otp, const char *cancellation_reason,
                                                      const char *estimated_delivery_day, const char *delivery_day);

/**
 * @brief Creates an empty set of line changes for one order.
 * @param out       receives the object; free it with cartona_order_changes_free().
 * @param hashed_id the order's key (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_order_changes_new(cartona_order_changes **out, const char *hashed_id);

/** @brief Frees a change set (NULL is a no-op). @param ch the change set. */
ERPLINK_EXTERN void cartona_order_changes_free(cartona_order_changes *ch);

/**
 * @brief Changes the quantity of an existing line: `{"id", "amount"}`.
 * @param ch      the change set.
 * @param line_id the line's id (as in cartona_order_line_text(l, "id")).
 * @param amount  the new quantity, >= 0.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_order_changes_set_quantity(cartona_order_changes *ch, const char *line_id, int64_t amount);

/**
 * @brief Adds a line: `{"supplier_product_id"|"internal_product_id", "amount", "price"}`.
 * @param ch                  the change set.
 * @param supplier_product_id the product's Cartona id, or NULL.
 * @param internal_product_id the supplier's id, or NULL (one of the two is required).
 * @param amount              the quantity, >= 1.
 * @param price               the unit price, finite and >= 0.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_order_changes_add_line(cartona_order_changes *ch, const char *supplier_product_id,
                                                  const char *internal_product_id, int64_t amount, double price);

/**
 * @brief Cancels a line: `{"id", "cancelled": true}`.
 * @param ch      the change set.
 * @param line_id the line's id.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_order_changes_cancel_line(cartona_order_changes *ch, const char *line_id);

/**
 * @brief Sends line changes: `POST order/update-order-details` with
 *        `[{"hashed_id", "order_details": [...]}]`.
 * @param c  the client.
 * @param ch the change set (not modified; must hold at least one change).
 * @return 0, ::ERPLINK_EINVAL or an HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_order_details(cartona_client *c, const cartona_order_changes *ch);

/* ------------------------------------------------------------------ sync loop */

/**
 * @brief The order-intake loop: pull a page, import each order through @p import, acknowledge
 *        (`synced`, one bulk request per page) exactly the orders whose import succeeded, and
 *        repeat until the queue has no new order or @p max_pages pulls were made.
 *
 * Orders whose import failed are left unacknowledged (they come back on the next pull) and
 * are not imported again within the same call. If a pull fails, the loop stops and returns
 * its error; the report still lists what happened before.
 *
 * @param out       receives the report (also on failure); free it with cartona_sync_report_free().
 * @param c         the client.
 * @param max_pages the most pulls made, >= 1.
 * @param per_page  orders per pull, 1 .. 1000.
 * @param import    the import callback.
 * @param userdata  passed to @p import.
 * @return 0 (check the report for import or ack failures), ::ERPLINK_EINVAL,
 *         ::ERPLINK_ENOMEM or the error of a failed pull. Not reentrant for one @p c from
 *         the callback.
 */
ERPLINK_EXTERN int cartona_client_sync_orders(cartona_sync_report **out, cartona_client *c, int max_pages,
                                              int64_t per_page, cartona_import_fn import, void *userdata);

/** @brief Frees a report (NULL is a no-op). @param r the report. */
ERPLINK_EXTERN void cartona_sync_report_free(cartona_sync_report *r);

/** @brief The number of orders in the report (in processing order). @param r the report. @return the count. */
ERPLINK_EXTERN size_t cartona_sync_report_count(const cartona_sync_report *r);

/**
 * @brief How many orders ended with @p outcome.
 * @param r       the report.
 * @param outcome a ::cartona_sync_outcome.
 * @return the count.
 */
ERPLINK_EXTERN size_t cartona_sync_report_count_outcome(const cartona_sync_report *r, int outcome);

/**
 * @brief The key of order @p i.
 * @param r the report.
 * @param i the index.
 * @return text owned by @p r, or NULL.
 */
ERPLINK_EXTERN const char *cartona_sync_report_hashed_id(const cartona_sync_report *r, size_t i);

/**
 * @brief The outcome of order @p i.
 * @param r the report.
 * @param i the index.
 * @return a ::cartona_sync_outcome, or 0 when out of range.
 */
ERPLINK_EXTERN int cartona_sync_report_outcome(const cartona_sync_report *r, size_t i);

/**
 * @brief The error message of order @p i (import callback's message or ack error).
 * @param r the report.
 * @param i the index.
 * @return text owned by @p r, or NULL for acknowledged orders.
 */
ERPLINK_EXTERN const char *cartona_sync_report_message(const cartona_sync_report *r, size_t i);

/** @brief The number of pulls made. @param r the report. @return the count. */
ERPLINK_EXTERN size_t cartona_sync_report_pages(const cartona_sync_report *r);

/* ------------------------------------------------------------------ status mapping */

/**
 * @brief Creates the default mapping. Outbound (Odoo → Cartona): draft, sent → pending;
 *        sale → approved; delivered → delivered; cancel → cancelled_by_supplier. Inbound
 *        (Cartona → Odoo): approved, assigned_to_salesman, delivered → sale;
 *        cancelled_by_supplier, cancelled_by_retailer → cancel; pending, editing, returned → draft.
 * @param out receives the map; free it with cartona_status_map_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_status_map_new_default(cartona_status_map **out);

/**
 * @brief Creates an empty mapping (every lookup fails until entries are set).
 * @param out receives the map; free it with cartona_status_map_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_status_map_new_empty(cartona_status_map **out);

/** @brief Frees a map (NULL is a no-op). @param m the map. */
ERPLINK_EXTERN void cartona_status_map_free(cartona_status_map *m);

/**
 * @brief Sets (or replaces) an outbound entry.
 * @param m              the map.
 * @param odoo_state     an Odoo state (non-empty; copied).
 * @param cartona_status a status a supplier may set (cartona_status_settable()), or NULL to remove the entry.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EVALIDATION (status not settable) or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_status_map_set_outbound(cartona_status_map *m, const char *odoo_state,
                                                   const char *cartona_status);

/**
 * @brief Sets (or replaces) an inbound entry.
 * @param m              the map.
 * @param cartona_status a Cartona status (non-empty; copied).
 * @param odoo_state     an Odoo state (copied), or NULL to remove the entry.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int cartona_status_map_set_inbound(cartona_status_map *m, const char *cartona_status,
                                                  const char *odoo_state);

/**
 * @brief Maps an Odoo state to the Cartona status to send.
 * @param out        receives the status (owned by @p m; valid until @p m changes).
 * @param m          the map.
 * @param odoo_state the state.
 * @return 0, ::ERPLINK_EINVAL, or ::ERPLINK_EVALIDATION for an unmapped state (named in the message).
 */
ERPLINK_EXTERN int cartona_status_map_to_cartona(const char **out, const cartona_status_map *m,
                                                 const char *odoo_state);

/**
 * @brief Maps a Cartona status to an Odoo state.
 * @param out            receives the state (owned by @p m; valid until @p m changes).
 * @param m              the map.
 * @param cartona_status the status.
 * @return 0, ::ERPLINK_EINVAL, or ::ERPLINK_EVALIDATION for an unmapped status (named in the message).
 */
ERPLINK_EXTERN int cartona_status_map_to_odoo(const char **out, const cartona_status_map *m,
                                              const char *cartona_status);

/* ------------------------------------------------------------------ outbox (erplink/store.h) */

/** @brief The counts of one cartona_outbox_flush() (opaque, read-only). */
typedef struct cartona_flush_report cartona_flush_report;

/**
 * @brief Enqueues a product update in an outbox (erplink/store.h), keyed by the product so
 *        that the latest update of each product wins.
 *
 * The key is the item's first identifier: `supplier_product_id`, else `internal_product_id`,
 * else `base_product_id` (with `unit` and `unit_count` when both are set). Use one identifier
 * per product consistently, and enqueue the **complete** state you want for it (every field
 * you manage, not a delta): a later enqueue replaces the earlier payload whole. The item is
 * stored as JSON; it is validated when flushed.
 * @param ob     the outbox (one per endpoint kind: see cartona_outbox_flush()).
 * @param item   the item, a struct (as for cartona_items_add_value()).
 * @param now_ms the current time in ms since 1970, or negative for the wall clock.
 * @return 0, ::ERPLINK_EINVAL (NULL, not a struct, no identifier), ::ERPLINK_ENOMEM or a store
 *         error (then nothing was enqueued). Thread-safe.
 */
ERPLINK_EXTERN int cartona_outbox_enqueue(erplink_outbox *ob, const erplink_value *item, int64_t now_ms);

/**
 * @brief Flushes an outbox to Cartona: claims up to @p max_items due items, sends them through
 *        the bulk update of @p endpoint_kind (in batches, as cartona_client_update_products()
 *        does) and records each item's outcome in the outbox.
 *
 * Mapping: ::CARTONA_ITEM_UPDATED → done; ::CARTONA_ITEM_REJECTED and
 * ::CARTONA_ITEM_REJECTED_LOCALLY → failed with the item's code (::ERPLINK_EVALIDATION for a
 * refusal: not retryable, so a dead letter at once with the server's message — the same
 * payload would be refused again; a newer enqueue of the product revives it); a payload
 * that is not a JSON object → a dead letter; ::CARTONA_ITEM_NOT_SENT → retried with backoff
 * whatever the code (the server did not judge the item: network, timeout, 5xx, rate limit —
 * its retry-after honoured — or authentication), a dead letter after the outbox's
 * `max_attempts`; cancelled (::ERPLINK_ECANCELLED) → released, the attempt not counted.
 * Delivery is at least once: a worker that dies after Cartona accepted items and before the
 * outcomes were recorded sends them again when their lease expires (bulk updates are
 * idempotent); an item is never recorded done unless Cartona confirmed it.
 * @param out           receives the counts; free them with cartona_flush_report_free().
 * @param ob            the outbox.
 * @param c             the client.
 * @param endpoint_kind "products" (cartona_client_update_products()), "base_products"
 *                      (cartona_client_update_base_products()) or "stock"
 *                      (cartona_client_update_stock()).
 * @param max_items     the most items claimed, 1 .. 100,000 (0 items due: nothing is sent).
 * @param now_ms        the current time in ms since 1970, or negative for the wall clock
 *                      (read again for the outcomes).
 * @return 0 when the outcomes are recorded (check the report: items may be retried or
 *         dead); ::ERPLINK_EINVAL; ::ERPLINK_ENOMEM; a store error (then the claimed items stay
 *         leased and are sent again after the lease). Thread-safe (several workers may flush
 *         one outbox: each claims different items).
 */
ERPLINK_EXTERN int cartona_outbox_flush(cartona_flush_report **out, erplink_outbox *ob, cartona_client *c,
                                        const char *endpoint_kind, size_t max_items, int64_t now_ms);

/** @brief Frees a flush report (NULL is a no-op). @param r the report. Thread-safe. */
ERPLINK_EXTERN void cartona_flush_report_free(cartona_flush_report *r);
/** @brief Items claimed. @param r the report. @return the count (0 for NULL). Thread-safe. */
ERPLINK_EXTERN size_t cartona_flush_report_claimed(const cartona_flush_report *r);
/** @brief Items Cartona accepted (recorded done). @param r the report. @return the count. Thread-safe. */
ERPLINK_EXTERN size_t cartona_flush_report_updated(const cartona_flush_report *r);
/** @brief Items to be retried later. @param r the report. @return the count. Thread-safe. */
ERPLINK_EXTERN size_t cartona_flush_report_retrying(const cartona_flush_report *r);
/** @brief Items that became dead letters. @param r the report. @return the count. Thread-safe. */
ERPLINK_EXTERN size_t cartona_flush_report_dead(const cartona_flush_report *r);
/** @brief Items released unattempted (cancelled). @param r the report. @return the count. Thread-safe. */
ERPLINK_EXTERN size_t cartona_flush_report_released(const cartona_flush_report *r);
/** @brief Outcomes ignored because the lease had been taken over. @param r the report. @return the count. Thread-safe. */
ERPLINK_EXTERN size_t cartona_flush_report_stale(const cartona_flush_report *r);

ERPLINK_END_DECLS

#endif /* ERPLINK_CARTONA_H */
