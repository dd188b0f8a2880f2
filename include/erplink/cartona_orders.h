/**
 * @file erplink/cartona_orders.h
 * @brief Cartona orders: pulling and parsing orders, their lines, acknowledgement, status and
 *        detail updates, and the order intake (pull → import → acknowledge) in two shapes: the
 *        pull-style ::cartona_intake and the callback loop cartona_client_sync_orders() built
 *        on it.
 *
 * @par The intake
 * Cartona has no webhooks: orders wait in a pull queue (`GET order/pull-orders`) until they are
 * acknowledged with the status `synced`. An intake walks the queue page by page, hands the
 * orders out one at a time (cartona_intake_next()), records whether each was imported
 * (cartona_intake_done()) and, at the end, acknowledges exactly the imported ones
 * (cartona_intake_finish()). An order that failed, was never marked, or whose acknowledgement
 * failed stays in the queue and comes back on the next pull: the import must be idempotent on
 * the order's `hashed_id`. Nothing is acknowledged before cartona_intake_finish(), so an intake
 * freed without finishing (or a process that dies mid-way) acknowledges nothing.
 */
#ifndef ERPLINK_CARTONA_ORDERS_H
#define ERPLINK_CARTONA_ORDERS_H

#include "cartona.h" /* the client; it includes this header back */
#include "common.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/** @brief A list of pulled orders (opaque, read-only; safe to read from several threads). */
typedef struct cartona_orders cartona_orders;
/** @brief One order of a ::cartona_orders list or of an intake (opaque, owned by its list). */
typedef struct cartona_order cartona_order;
/** @brief One line (`order_details` entry) of an order (opaque, owned by the order's list). */
typedef struct cartona_order_line cartona_order_line;
/** @brief A set of changes to one order's lines (opaque). Not thread-safe to modify. */
typedef struct cartona_order_changes cartona_order_changes;
/** @brief A pull-style order intake (opaque; see the file documentation). One thread at a time. */
typedef struct cartona_intake cartona_intake;
/** @brief The report of an intake (opaque, read-only; safe to read from several threads). */
typedef struct cartona_sync_report cartona_sync_report;
/** @brief One order of a ::cartona_sync_report (opaque, owned by the report). */
typedef struct cartona_sync_entry cartona_sync_entry;

/** @brief The payment method of an order, derived from its amounts. */
typedef enum cartona_payment_method {
  CARTONA_PAYMENT_STANDARD = 0,  /**< none of the amounts below is positive */
  CARTONA_PAYMENT_INSTALMENT,    /**< `installment_cost` > 0 */
  CARTONA_PAYMENT_WALLET_TOP_UP, /**< else `wallet_top_up` > 0 */
  CARTONA_PAYMENT_CARTONA_CREDIT /**< else `cartona_credit` > 0 */
} cartona_payment_method;

/** @brief The outcome of one order in a ::cartona_sync_report. */
typedef enum cartona_sync_outcome {
  CARTONA_SYNC_ACKED = 1,         /**< imported, then acknowledged as `synced` */
  CARTONA_SYNC_IMPORT_FAILED = 2, /**< the import failed: not acknowledged (comes back next pull) */
  CARTONA_SYNC_ACK_FAILED = 3,    /**< imported, but the acknowledgement failed (comes back next pull) */
  CARTONA_SYNC_UNMARKED = 4       /**< handed out but never marked with cartona_intake_done(): not
                                       acknowledged (comes back next pull) */
} cartona_sync_outcome;

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

/* ------------------------------------------------------------------ pulling and parsing */

/**
 * @brief `GET order/pull-orders?page=&per_page=[&from=][&to=]`: the new and updated orders.
 * @param out      receives the parsed orders; free them with cartona_orders_free().
 * @param c        the client.
 * @param page     >= 1.
 * @param per_page 1 .. 1000.
 * @param from     ISO datetime lower bound, or NULL (whether the server honours it is unconfirmed).
 * @param to       ISO datetime upper bound, or NULL.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EPROTOCOL (not JSON, or an order without
 *         `hashed_id`/`status`; the message names it), ::ERPLINK_ECANCELLED or an
 *         HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_pull_orders(cartona_orders **out, cartona_client *c, int64_t page, int64_t per_page,
                                              const char *from, const char *to);

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

/**
 * @brief Frees an order list and its orders (NULL is a no-op).
 * @param l the list. Not thread-safe: nothing else may use @p l.
 */
ERPLINK_EXTERN void cartona_orders_free(cartona_orders *l);

/**
 * @brief The number of orders.
 * @param l the list.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_orders_count(const cartona_orders *l);

/**
 * @brief Order @p i.
 * @param l the list.
 * @param i the index.
 * @return the order (owned by @p l), or NULL when out of range. Thread-safe.
 */
ERPLINK_EXTERN const cartona_order *cartona_orders_at(const cartona_orders *l, size_t i);

/* ------------------------------------------------------------------ one order */

/**
 * @brief The order key.
 * @param o the order.
 * @return text owned by the list (never NULL for a parsed order; NULL for NULL @p o). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_order_hashed_id(const cartona_order *o);

/**
 * @brief The Cartona status.
 * @param o the order.
 * @return text owned by the list (never NULL for a parsed order; NULL for NULL @p o). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_order_status(const cartona_order *o);

/**
 * @brief Any top-level scalar field as text: strings as they are, integers in decimal, numbers
 *        in their shortest form, booleans as "true"/"false" (e.g. "supplier_code",
 *        "delivered_by", "pickup_otp", "estimated_delivery_day", "created_at").
 * @param o   the order.
 * @param key the member name.
 * @return text owned by the list, or NULL when absent, null or not a scalar. Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_order_text(const cartona_order *o, const char *key);

/**
 * @brief A top-level number field (e.g. "total_price", "cartona_credit", "installment_cost",
 *        "wallet_top_up", "applied_supplier_rebate"), accepting numbers and numeric strings.
 * @param out receives the number (0 when absent or null).
 * @param o   the order.
 * @param key the member name.
 * @return 0 (also when absent: *out = 0), ::ERPLINK_EINVAL or ::ERPLINK_ETYPE (not numeric).
 *         Thread-safe.
 */
ERPLINK_EXTERN int cartona_order_number(double *out, const cartona_order *o, const char *key);

/**
 * @brief A `retailer` member as text (retailer_name, retailer_code, retailer_number,
 *        retailer_number2, retailer_address, address_notes).
 * @param o   the order.
 * @param key the member name.
 * @return text owned by the list, or NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_order_retailer_text(const cartona_order *o, const char *key);

/**
 * @brief The payment method derived from the amounts (installment_cost > 0 → instalment; else
 *        wallet_top_up > 0 → wallet top-up; else cartona_credit > 0 → Cartona credit; else standard).
 * @param o the order.
 * @return the method (::CARTONA_PAYMENT_STANDARD for NULL). Thread-safe.
 */
ERPLINK_EXTERN cartona_payment_method cartona_order_payment_method(const cartona_order *o);

/**
 * @brief The stable name of a payment method: "standard", "instalment", "wallet_top_up", "cartona_credit".
 * @param m the method.
 * @return a static string ("unknown" otherwise). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_payment_method_name(cartona_payment_method m);

/**
 * @brief The order exactly as received (every field, unknown ones included).
 * @param o the order.
 * @return a struct owned by the list (read-only), or NULL for NULL @p o. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *cartona_order_raw(const cartona_order *o);

/**
 * @brief The number of lines (`order_details` entries that are objects).
 * @param o the order.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_order_line_count(const cartona_order *o);

/**
 * @brief Line @p i of an order.
 * @param o the order.
 * @param i the index.
 * @return the line (owned by the list), or NULL when out of range. Thread-safe.
 */
ERPLINK_EXTERN const cartona_order_line *cartona_order_line_at(const cartona_order *o, size_t i);

/**
 * @brief A scalar field of a line as text ("id", "supplier_product_id", "internal_product_id",
 *        "base_product_id", "unit", "unit_count", "product_name", "comment", …).
 * @param l   the line.
 * @param key the member name.
 * @return text owned by the list, or NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_order_line_text(const cartona_order_line *l, const char *key);

/**
 * @brief A number field of a line ("applied_supplier_discount", "applied_cartona_discount", …).
 * @param out receives the number (0 when absent or null).
 * @param l   the line.
 * @param key the member name.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe.
 */
ERPLINK_EXTERN int cartona_order_line_number(double *out, const cartona_order_line *l, const char *key);

/**
 * @brief The quantity of a line (Cartona's `amount` — a quantity, not money). Cannot fail.
 * @param l the line.
 * @return the quantity (0 when absent, not numeric, or @p l is NULL). Thread-safe.
 */
ERPLINK_EXTERN double cartona_order_line_quantity(const cartona_order_line *l);

/**
 * @brief The final unit price of a line (`selling_price`). Cannot fail.
 * @param l the line.
 * @return the price (0 when absent, not numeric, or @p l is NULL). Thread-safe.
 */
ERPLINK_EXTERN double cartona_order_line_unit_price(const cartona_order_line *l);

/**
 * @brief The line exactly as received.
 * @param l the line.
 * @return a struct owned by the list (read-only), or NULL for NULL @p l. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *cartona_order_line_raw(const cartona_order_line *l);

/* ------------------------------------------------------------------ acknowledgement, status, details */

/**
 * @brief Acknowledges orders as `synced` in one bulk request (`POST order/update-order-status`),
 *        removing them from the pull queue.
 * @param c          the client.
 * @param hashed_ids the orders' keys (NULL when @p n is 0).
 * @param n          their number (0: nothing is sent).
 * @return 0, ::ERPLINK_EINVAL (NULL or empty key), ::ERPLINK_ECANCELLED or an HTTP/transport
 *         error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_ack_orders(cartona_client *c, const char *const *hashed_ids, size_t n);

/**
 * @brief Bulk status update (`POST order/update-order-status`; documented not to fail per item).
 * @param c     the client.
 * @param items an array of status items `{"hashed_id", "status", ["retailer_otp"],
 *              ["cancellation_reason"], ["estimated_delivery_day"], ["delivery_day"]}`.
 *              Every item is checked first (hashed_id present, status settable, reason valid):
 *              on the first invalid item nothing is sent (::ERPLINK_EVALIDATION, naming it).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EVALIDATION, ::ERPLINK_ECANCELLED or an HTTP/transport
 *         error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_order_statuses(cartona_client *c, const erplink_value *items);

/**
 * @brief Single status update (`POST order/update-order-status/<hashed_id>`), which fails when
 *        the server refuses it: use it when the outcome matters (e.g. `delivered` with the
 *        retailer's OTP). Not retried on a 5xx (it is not idempotent).
 * @param c                      the client.
 * @param hashed_id              the order's key (percent-encoded in the path).
 * @param status                 a status a supplier may set (cartona_status_settable()).
 * @param retailer_otp           the retailer's OTP, or NULL (never logged).
 * @param cancellation_reason    a Cartona cancellation reason, or NULL.
 * @param estimated_delivery_day a date, or NULL.
 * @param delivery_day           a date, or NULL.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EVALIDATION (status or reason not valid; refused by the
 *         server), ::ERPLINK_ECANCELLED or an HTTP/transport error. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_update_order_status(cartona_client *c, const char *hashed_id, const char *status,
                                                      const char *retailer_otp, const char *cancellation_reason,
                                                      const char *estimated_delivery_day, const char *delivery_day);

/**
 * @brief Creates an empty set of line changes for one order.
 * @param out       receives the object; free it with cartona_order_changes_free().
 * @param hashed_id the order's key (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_order_changes_new(cartona_order_changes **out, const char *hashed_id);

/**
 * @brief Frees a change set (NULL is a no-op).
 * @param ch the change set. Not thread-safe: nothing else may use @p ch.
 */
ERPLINK_EXTERN void cartona_order_changes_free(cartona_order_changes *ch);

/**
 * @brief Changes the quantity of an existing line: `{"id", "amount"}`.
 * @param ch      the change set.
 * @param line_id the line's id (as in cartona_order_line_text(l, "id")).
 * @param amount  the new quantity, >= 0.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_order_changes_set_quantity(cartona_order_changes *ch, const char *line_id, int64_t amount);

/**
 * @brief Adds a line: `{"supplier_product_id"|"internal_product_id", "amount", "price"}`.
 * @param ch                  the change set.
 * @param supplier_product_id the product's Cartona id, or NULL.
 * @param internal_product_id the supplier's id, or NULL (one of the two is required).
 * @param amount              the quantity, >= 1.
 * @param price               the unit price, finite and >= 0.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_order_changes_add_line(cartona_order_changes *ch, const char *supplier_product_id,
                                                  const char *internal_product_id, int64_t amount, double price);

/**
 * @brief Cancels a line: `{"id", "cancelled": true}`.
 * @param ch      the change set.
 * @param line_id the line's id.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_order_changes_cancel_line(cartona_order_changes *ch, const char *line_id);

/**
 * @brief Sends line changes: `POST order/update-order-details` with
 *        `[{"hashed_id", "order_details": [...]}]`. Not retried on a 5xx.
 * @param c  the client.
 * @param ch the change set (not modified; must hold at least one change).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ECANCELLED or an HTTP/transport error. Thread-safe
 *         (@p ch must not be modified meanwhile).
 */
ERPLINK_EXTERN int cartona_client_update_order_details(cartona_client *c, const cartona_order_changes *ch);

/* ------------------------------------------------------------------ intake (pull-style) */

/**
 * @brief Starts an intake on @p c (nothing is sent yet: the first cartona_intake_next() pulls).
 * @param out       receives the intake; free it with cartona_intake_free().
 * @param c         the client (borrowed: it must outlive the intake).
 * @param max_pages the most pulls made, >= 1.
 * @param per_page  orders per pull, 1 .. 1000 (also the most orders per acknowledgement request).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_intake_new(cartona_intake **out, cartona_client *c, int max_pages, int64_t per_page);

/**
 * @brief Hands out the next order to import, pulling the next page of the queue when the
 *        current one is used up.
 *
 * The intake pulls pages 1, 2, ... of the queue (nothing is acknowledged meanwhile, so the
 * queue does not move under it) until a page comes back shorter than `per_page` or
 * `max_pages` pulls were made. An order seen before in the same intake (the queue moved, or a
 * concurrent consumer) is not handed out again.
 * @param out receives the order, borrowed from the intake (valid until cartona_intake_free()),
 *            or NULL at the end.
 * @param in  the intake.
 * @return 0 (also at the end); ::ERPLINK_EINVAL (NULL argument, or after
 *         cartona_intake_finish()); or the error of a failed pull (::ERPLINK_ECANCELLED,
 *         HTTP/transport, ::ERPLINK_EPROTOCOL), which ends the intake: later calls give NULL,
 *         and cartona_intake_finish() still acknowledges the orders marked imported.
 *         Not thread-safe (one thread per intake).
 */
ERPLINK_EXTERN int cartona_intake_next(const cartona_order **out, cartona_intake *in);

/**
 * @brief Records the import outcome of an order handed out by @p in.
 * @param in      the intake.
 * @param o       the order (from cartona_intake_next() on this intake).
 * @param ok      non-zero when the order was imported: cartona_intake_finish() then
 *                acknowledges it; 0 when the import failed: it is not acknowledged.
 * @param message why the import failed (copied into the report as "import failed: <message>"),
 *                or NULL; ignored when @p ok is non-zero.
 * @return 0, ::ERPLINK_EINVAL (NULL argument, an order not handed out by @p in, an order
 *         already marked, or after cartona_intake_finish()) or ::ERPLINK_ENOMEM.
 *         Not thread-safe (one thread per intake).
 */
ERPLINK_EXTERN int cartona_intake_done(cartona_intake *in, const cartona_order *o, int ok, const char *message);

/**
 * @brief Ends the intake: acknowledges as `synced` exactly the orders marked imported (in
 *        requests of at most `per_page` orders) and reports every order handed out. Orders
 *        marked failed or never marked are not acknowledged and come back on the next pull; when
 *        an acknowledgement request fails, its orders are ::CARTONA_SYNC_ACK_FAILED and come
 *        back too.
 * @param out receives the report (in hand-out order); free it with cartona_sync_report_free().
 * @param in  the intake (free it afterwards with cartona_intake_free(); the orders stay valid
 *            until then).
 * @return 0 (check the report for import and acknowledgement failures), ::ERPLINK_EINVAL (NULL
 *         argument, or a second call) or ::ERPLINK_ENOMEM (no report; nothing acknowledged).
 *         Not thread-safe (one thread per intake).
 */
ERPLINK_EXTERN int cartona_intake_finish(cartona_sync_report **out, cartona_intake *in);

/**
 * @brief Frees an intake and the orders it pulled (NULL is a no-op). Without
 *        cartona_intake_finish() nothing is acknowledged: every order comes back.
 * @param in the intake. Not thread-safe: nothing else may use @p in.
 */
ERPLINK_EXTERN void cartona_intake_free(cartona_intake *in);

/* ------------------------------------------------------------------ sync loop (callback) */

/**
 * @brief The order-intake loop as one call, on a ::cartona_intake: hands every new order of the
 *        queue to @p import, then acknowledges (`synced`) exactly the orders whose import
 *        succeeded (see cartona_intake_next() and cartona_intake_finish()).
 *
 * Orders whose import failed are left unacknowledged (they come back on the next pull). If a
 * pull fails, the loop stops, acknowledges what was imported, and returns the pull's error; the
 * report lists what happened.
 *
 * @param out       receives the report (also when a pull failed); free it with
 *                  cartona_sync_report_free().
 * @param c         the client.
 * @param max_pages the most pulls made, >= 1.
 * @param per_page  orders per pull, 1 .. 1000.
 * @param import    the import callback.
 * @param userdata  passed to @p import.
 * @return 0 (check the report for import or ack failures), ::ERPLINK_EINVAL,
 *         ::ERPLINK_ENOMEM or the error of a failed pull (::ERPLINK_ECANCELLED included).
 *         Thread-safe, but not reentrant for one @p c from the callback.
 */
ERPLINK_EXTERN int cartona_client_sync_orders(cartona_sync_report **out, cartona_client *c, int max_pages,
                                              int64_t per_page, cartona_import_fn import, void *userdata);

/* ------------------------------------------------------------------ sync report */

/**
 * @brief Frees a report (NULL is a no-op).
 * @param r the report. Not thread-safe: nothing else may use @p r.
 */
ERPLINK_EXTERN void cartona_sync_report_free(cartona_sync_report *r);

/**
 * @brief The number of orders in the report (in hand-out order).
 * @param r the report.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_sync_report_count(const cartona_sync_report *r);

/**
 * @brief Entry @p i of the report.
 * @param r the report.
 * @param i the index.
 * @return the entry, owned by @p r, or NULL when out of range. Thread-safe.
 */
ERPLINK_EXTERN const cartona_sync_entry *cartona_sync_report_at(const cartona_sync_report *r, size_t i);

/**
 * @brief How many orders ended with @p outcome.
 * @param r       the report.
 * @param outcome a ::cartona_sync_outcome.
 * @return the count. Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_sync_report_count_outcome(const cartona_sync_report *r, cartona_sync_outcome outcome);

/**
 * @brief The number of pulls made.
 * @param r the report.
 * @return the count. Thread-safe.
 */
ERPLINK_EXTERN size_t cartona_sync_report_pages(const cartona_sync_report *r);

/**
 * @brief The key of the entry's order.
 * @param e the entry.
 * @return text owned by the report, or NULL for NULL @p e. Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_sync_entry_hashed_id(const cartona_sync_entry *e);

/**
 * @brief The outcome of the entry's order.
 * @param e the entry.
 * @return a ::cartona_sync_outcome (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN cartona_sync_outcome cartona_sync_entry_outcome(const cartona_sync_entry *e);

/**
 * @brief Why the order was not acknowledged ("import failed: ...", "acknowledgement failed: ...",
 *        "not marked: ...").
 * @param e the entry.
 * @return text owned by the report, or NULL for acknowledged orders (and NULL @p e). Thread-safe.
 */
ERPLINK_EXTERN const char *cartona_sync_entry_message(const cartona_sync_entry *e);

ERPLINK_END_DECLS

#endif /* ERPLINK_CARTONA_ORDERS_H */
