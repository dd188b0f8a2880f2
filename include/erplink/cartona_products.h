/**
 * @file erplink/cartona_products.h
 * @brief Cartona products: listing, item lists, bulk price/stock updates through the HTTP batch
 *        engine, and their per-item outcomes.
 *
 * @par Bulk updates (one engine for three endpoints)
 * cartona_client_update_products(), cartona_client_update_base_products() and
 * cartona_client_update_stock() validate every item first (invalid items are
 * ::CARTONA_ITEM_REJECTED_LOCALLY and never sent), split the valid ones into batches of
 * `batch_size` (default 100) and send the batches through one ::erplink_http_batch of the
 * client's HTTP client, on the calling thread, with up to `concurrency` requests in flight
 * (default 4; no thread is created). Bulk updates are idempotent per product, so the requests
 * are marked idempotent: the core retries 500/502/503/504, resets and read timeouts with
 * backoff (within the client's retry budget) and honours `Retry-After` on 429/503, while the
 * other batches go on. Every item ends with exactly one outcome (::cartona_item_status);
 * nothing accepted is lost.
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
 * A 4xx answer (other than 401, 403, 409 and 429) whose body is such an array rejects item by
 * item in the same way (items it reports as updated are updated; items it does not mention are
 * rejected with the batch's message); otherwise it rejects the whole batch with the server's
 * text. A 2xx answer that is an HTML page (a proxy or login page) confirms nothing: its items
 * are ::CARTONA_ITEM_NOT_SENT with ::ERPLINK_EPROTOCOL.
 *
 * @par Outcomes and errors
 * Each item's outcome (cartona_bulk_result_at()) carries an ::erplink_error (owned by the
 * result; NULL for updated items), read with the usual accessors: erplink_error_code(),
 * erplink_error_get_category(), erplink_error_http_status(), erplink_error_retry_after_ms(),
 * erplink_error_detail(). Its code is ::ERPLINK_EVALIDATION for items the server or the local
 * validation refused, the HTTP code of a refused batch (::ERPLINK_EHTTP, ::ERPLINK_ENOTFOUND,
 * ...), the transport or HTTP code of a batch that got no confirmation, ::ERPLINK_ECANCELLED for
 * items a cancellation left unsent, and ::ERPLINK_EPROTOCOL for a batch answered with HTML.
 * erplink_error_retryable() of the code says whether sending the item again later may succeed.
 *
 * @par Authentication failure
 * When a batch is refused with 401 or 403, no further batch is started: every batch not yet
 * sent ends ::CARTONA_ITEM_NOT_SENT with that batch's code and the message "not sent: an
 * earlier batch failed authentication (...)".
 */
#ifndef ERPLINK_CARTONA_PRODUCTS_H
#define ERPLINK_CARTONA_PRODUCTS_H

#include "cartona.h" /* the client; it includes this header back */
#include "common.h"
#include "error.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/** @brief A list of product update items (opaque). Not thread-safe to modify. */
typedef struct cartona_items cartona_items;
/** @brief The per-item outcomes of a bulk update (opaque, read-only; safe to read from several threads). */
typedef struct cartona_bulk_result cartona_bulk_result;
/** @brief The outcome of one item of a bulk update (opaque, owned by its ::cartona_bulk_result). */
typedef struct cartona_outcome cartona_outcome;

/** @brief The final outcome of one item of a bulk update. */
typedef enum cartona_item_status {
  CARTONA_ITEM_UPDATED = 1,          /**< the server accepted the item */
  CARTONA_ITEM_REJECTED = 2,         /**< the server refused the item (its message says why) */
  CARTONA_ITEM_REJECTED_LOCALLY = 3, /**< invalid: never sent (the message names the problem) */
  CARTONA_ITEM_NOT_SENT = 4          /**< no confirmation: cancelled, auth error, or the batch failed
                                         after retries (network, timeout, 5xx, rate limit). When the
                                         request may have reached the server (timeout, 5xx, a
                                         cancellation during the transfer) the update may or may not
                                         have been applied; sending it again is safe (updates are
                                         idempotent). */
} cartona_item_status;

/**
 * @brief Progress callback of bulk updates, called on the thread that called the bulk update,
 *        after each batch completes (and once more at the end when batches were never sent);
 *        it must not call back into the same bulk operation. It may fire a cancellation token
 *        (erplink_cancel_trigger()) to stop the update.
 * @param done     items with a final outcome so far (locally rejected ones included).
 * @param total    all items of the call.
 * @param userdata the pointer given with the callback.
 */
typedef void (*cartona_progress_fn)(size_t done, size_t total, void *userdata);

/* ------------------------------------------------------------------ vocabulary */

/**
 * @brief Tells whether @p unit is one of Cartona's units (box, can, bottle, kg, piece, …).
 *        A pure predicate: it cannot fail.
 * @param unit the unit name (case-sensitive), or NULL.
 * @return 1 or 0 (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int cartona_unit_valid(const char *unit);

/**
 * @brief The stable lowercase name of an item status: "updated", "rejected",
 *        "rejected_locally", "not_sent".
 * @param status a ::cartona_item_status.
 * @return a static string ("unknown" otherwise). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_item_status_name(cartona_item_status status);

/* ------------------------------------------------------------------ listing */

/**
 * @brief Lists the supplier's products: `GET supplier-product?page=&per_page=[&internal_product_id=][&supplier_product_id=]`.
 * @param out                 receives the decoded answer (a JSON array, or whatever the server
 *                            sent: an object is accepted and returned as is; an empty body gives
 *                            an empty array); free it with erplink_value_free().
 * @param c                   the client.
 * @param page                >= 1.
 * @param per_page            1 .. 1000.
 * @param internal_product_id filter, or NULL (percent-encoded: `904#2` is fine).
 * @param supplier_product_id filter, or NULL.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EPROTOCOL (not JSON), ::ERPLINK_ECANCELLED or an
 *         HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_list_products(erplink_value **out, cartona_client *c, int64_t page, int64_t per_page,
                                                const char *internal_product_id, const char *supplier_product_id);

/* ------------------------------------------------------------------ items */

/**
 * @brief Creates an empty item list.
 * @param out receives the list; free it with cartona_items_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_items_new(cartona_items **out);

/**
 * @brief Frees an item list (NULL is a no-op).
 * @param l the list. Not thread-safe: nothing else may use @p l.
 */
ERPLINK_EXTERN void cartona_items_free(cartona_items *l);

/**
 * @brief The number of items.
 * @param l the list.
 * @return the count (0 for NULL). Thread-safe for readers (not while the list is modified).
 */
ERPLINK_EXTERN size_t cartona_items_count(const cartona_items *l);

/**
 * @brief The item as a value.
 * @param l the list.
 * @param i the item's index.
 * @return the struct, borrowed from the list (valid until the item changes or the list is
 *         freed), or NULL when out of range. Thread-safe for readers (not while the list is
 *         modified).
 */
ERPLINK_EXTERN const erplink_value *cartona_items_at(const cartona_items *l, size_t i);

/**
 * @brief Appends an empty item; set its fields with the setters below.
 * @param out_index receives the item's index (may be NULL).
 * @param l         the list.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_items_add(size_t *out_index, cartona_items *l);

/**
 * @brief Appends items given as values: an array of structs (or a single struct), cloned.
 *        Members are sent as given (unknown members included); validation happens when sent.
 * @param l the list.
 * @param v a struct or an array of structs.
 * @return 0, ::ERPLINK_EINVAL (NULL, or not a struct/array of structs; nothing is appended)
 *         or ::ERPLINK_ENOMEM (nothing is appended). Not thread-safe.
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
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE (no such item) or ::ERPLINK_ENOMEM. Not thread-safe.
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
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_items_set_int(cartona_items *l, size_t i, const char *field, int64_t value);

/**
 * @brief Sets a number field of item @p i (`selling_price`).
 * @param l     the list.
 * @param i     the item's index.
 * @param field the JSON member name.
 * @param value the number (checked when sent: finite, >= 0).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_items_set_double(cartona_items *l, size_t i, const char *field, double value);

/**
 * @brief Sets a boolean field of item @p i (`in_stock`, `is_unlimited_stock`, `is_published`).
 * @param l     the list.
 * @param i     the item's index.
 * @param field the JSON member name.
 * @param value non-zero for true.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ERANGE or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_items_set_bool(cartona_items *l, size_t i, const char *field, int value);

/* ------------------------------------------------------------------ bulk updates */

/**
 * @brief `POST supplier-product/bulk-update`: updates products in batches sent through the
 *        HTTP batch engine (see the file documentation).
 *
 * An item must carry one identifier: `supplier_product_id`, `internal_product_id`, or
 * `base_product_id` + `unit` + `unit_count`. Checked before sending (else
 * ::CARTONA_ITEM_REJECTED_LOCALLY): ids are non-empty strings or integers; `unit` is a
 * Cartona unit; `unit_count`, `available_stock_quantity`, `min_order`, `max_order`,
 * `remind_me_at_stock` are integers >= 0 (`unit_count` >= 1); `selling_price` is a finite
 * number >= 0; `in_stock`, `is_unlimited_stock`, `is_published` are booleans; `notes` is a
 * string; `max_order` >= `min_order` when both are set.
 *
 * Cancellation: when a token pushed on this thread (erplink/cancel.h) fires, no further batch
 * starts and the transfers in flight stop; every item not confirmed by then ends
 * ::CARTONA_ITEM_NOT_SENT with ::ERPLINK_ECANCELLED, the items confirmed before keep their
 * outcome, and the call returns ::ERPLINK_ECANCELLED **with** the result in @p out.
 *
 * @param out      receives the per-item outcomes (when the call returns 0 or
 *                 ::ERPLINK_ECANCELLED; NULL otherwise); free it with cartona_bulk_result_free().
 * @param c        the client.
 * @param items    the items (not modified during the call; may be empty).
 * @param progress progress callback or NULL (see ::cartona_progress_fn).
 * @param userdata passed to @p progress.
 * @return 0 when every item has an outcome (check them: items may be rejected or not sent),
 *         ::ERPLINK_ECANCELLED (every item still has an outcome, see above), ::ERPLINK_EINVAL
 *         (NULL arguments) or ::ERPLINK_ENOMEM (no result). Thread-safe (several threads may
 *         run bulk updates on one client; @p items must not be modified meanwhile).
 */
ERPLINK_EXTERN int cartona_client_update_products(cartona_bulk_result **out, cartona_client *c,
                                                  const cartona_items *items, cartona_progress_fn progress,
                                                  void *userdata);

/**
 * @brief `POST supplier-product/base-product/bulk-update`: as cartona_client_update_products()
 *        but every item must carry `base_product_id` (same engine and rules otherwise).
 * @param out      receives the per-item outcomes; free it with cartona_bulk_result_free().
 * @param c        the client.
 * @param items    the items.
 * @param progress progress callback or NULL.
 * @param userdata passed to @p progress.
 * @return as cartona_client_update_products(). Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_base_products(cartona_bulk_result **out, cartona_client *c,
                                                       const cartona_items *items, cartona_progress_fn progress,
                                                       void *userdata);

/**
 * @brief `POST supplier-product/base-product/bulk-update-stock`: items must carry
 *        `base_product_id` and `available_stock_quantity` (same engine and rules otherwise).
 * @param out      receives the per-item outcomes; free it with cartona_bulk_result_free().
 * @param c        the client.
 * @param items    the items.
 * @param progress progress callback or NULL.
 * @param userdata passed to @p progress.
 * @return as cartona_client_update_products(). Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_stock(cartona_bulk_result **out, cartona_client *c, const cartona_items *items,
                                               cartona_progress_fn progress, void *userdata);

/* ------------------------------------------------------------------ results */

/**
 * @brief Frees a bulk result, its outcomes and their errors (NULL is a no-op).
 * @param r the result. Not thread-safe: nothing else may use @p r.
 */
ERPLINK_EXTERN void cartona_bulk_result_free(cartona_bulk_result *r);

/**
 * @brief The number of outcomes: one per input item.
 * @param r the result.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_bulk_result_count(const cartona_bulk_result *r);

/**
 * @brief Outcome @p i. Outcomes are in the order of the input list:
 *        `cartona_outcome_index(cartona_bulk_result_at(r, i)) == i`.
 * @param r the result.
 * @param i the index.
 * @return the outcome, borrowed from @p r (valid until cartona_bulk_result_free()), or NULL
 *         when out of range. Thread-safe.
 */
ERPLINK_EXTERN const cartona_outcome *cartona_bulk_result_at(const cartona_bulk_result *r, size_t i);

/**
 * @brief How many items ended with @p status.
 * @param r      the result.
 * @param status a ::cartona_item_status.
 * @return the count. Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_bulk_result_count_status(const cartona_bulk_result *r, cartona_item_status status);

/**
 * @brief The number of batches the valid items were split into.
 * @param r the result.
 * @return the count. Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_bulk_result_batches(const cartona_bulk_result *r);

/**
 * @brief The number of HTTP attempts made (retries included; 0 when nothing was sent). One
 *        attempt may reach the server twice when libcurl transparently re-sends a request whose
 *        reused keep-alive connection died before any answer.
 * @param r the result.
 * @return the count. Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_bulk_result_attempts(const cartona_bulk_result *r);

/**
 * @brief The index of the outcome's item in the input list.
 * @param o the outcome.
 * @return the index (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_outcome_index(const cartona_outcome *o);

/**
 * @brief The item's final status.
 * @param o the outcome.
 * @return a ::cartona_item_status (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN cartona_item_status cartona_outcome_status(const cartona_outcome *o);

/**
 * @brief Why the item was not updated: the server's message, the local validation problem
 *        ("rejected locally: ..."), or "not sent: ..." with the transport error, the
 *        cancellation or the authentication stop. The same text as erplink_error_message() of
 *        cartona_outcome_error().
 * @param o the outcome.
 * @return a string owned by the result, or NULL for updated items (and NULL @p o). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_outcome_message(const cartona_outcome *o);

/**
 * @brief The error behind a failed item (see the file documentation for its code), to read
 *        with the `erplink_error_*` accessors; erplink_error_retryable() of its code says
 *        whether sending the item again later may succeed.
 * @param o the outcome.
 * @return the error, owned by the result (never free it; several outcomes of one batch may
 *         share it), or NULL for updated items (and NULL @p o). Thread-safe.
 */
ERPLINK_EXTERN const erplink_error *cartona_outcome_error(const cartona_outcome *o);

/**
 * @brief The HTTP status of the answer that decided the item (0 when none was received or
 *        the item was never sent).
 * @param o the outcome.
 * @return the status. Thread-safe.
 */
ERPLINK_EXTERN int cartona_outcome_http_status(const cartona_outcome *o);

ERPLINK_END_DECLS

#endif /* ERPLINK_CARTONA_PRODUCTS_H */
