/**
 * @file erplink/cartona_outbox.h
 * @brief Cartona over a durable outbox (erplink/store.h): price and stock changes accepted into
 *        an outbox survive the process, are coalesced per product (the latest value wins) and
 *        flushed through the bulk updates, with one recorded outcome per item.
 *
 * A change is enqueued with cartona_outbox_enqueue(); a worker (a cron, a queue job, a thread)
 * calls cartona_outbox_flush() to claim due items, send them with cartona_client_update_products()
 * (or the base-product / stock variant) and record each outcome: updated → done; refused by the
 * server or invalid locally → a dead letter at once, with the server's message; not sent
 * (network, timeout, 5xx, rate limit) → retried with the outbox's capped backoff, dead after its
 * maximum attempts; cancelled → released for the next flush. Nothing accepted is lost.
 *
 * @par Thread safety
 * As stated per function: several workers (threads or processes) may flush one outbox.
 */
#ifndef ERPLINK_CARTONA_OUTBOX_H
#define ERPLINK_CARTONA_OUTBOX_H

#include "cartona.h"
#include "store.h"

ERPLINK_BEGIN_DECLS

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

#endif /* ERPLINK_CARTONA_OUTBOX_H */
