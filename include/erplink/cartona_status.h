/**
 * @file erplink/cartona_status.h
 * @brief Cartona order statuses: the statuses a supplier may set, the cancellation reasons, and
 *        a mapping between Odoo `sale.order` states and Cartona statuses.
 *
 * Needs no client: the functions here send nothing.
 */
#ifndef ERPLINK_CARTONA_STATUS_H
#define ERPLINK_CARTONA_STATUS_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief A mapping between Odoo sale.order states and Cartona statuses (opaque). Not
 *  thread-safe to modify; lookups may run from several threads while nobody modifies it. */
typedef struct cartona_status_map cartona_status_map;

/* ------------------------------------------------------------------ vocabularies */

/**
 * @brief Tells whether a supplier may set @p status: synced, pending, approved,
 *        assigned_to_salesman, delivered, cancelled_by_supplier. A pure predicate: it cannot fail.
 * @param status the status, or NULL.
 * @return 1 or 0 (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int cartona_status_settable(const char *status);

/**
 * @brief Tells whether @p reason is one of Cartona's cancellation reasons (out_of_stock, …).
 *        A pure predicate: it cannot fail.
 * @param reason the reason, or NULL.
 * @return 1 or 0 (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int cartona_cancellation_reason_valid(const char *reason);

/* ------------------------------------------------------------------ status map */

/**
 * @brief Creates the default mapping. Outbound (Odoo → Cartona): draft, sent → pending;
 *        sale → approved; delivered → delivered; cancel → cancelled_by_supplier. Inbound
 *        (Cartona → Odoo): approved, assigned_to_salesman, delivered → sale;
 *        cancelled_by_supplier, cancelled_by_retailer → cancel; pending, editing, returned → draft.
 * @param out receives the map; free it with cartona_status_map_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_status_map_new_default(cartona_status_map **out);

/**
 * @brief Creates an empty mapping (every lookup fails until entries are set).
 * @param out receives the map; free it with cartona_status_map_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_status_map_new_empty(cartona_status_map **out);

/**
 * @brief Frees a map (NULL is a no-op).
 * @param m the map. Not thread-safe: nothing else may use @p m.
 */
ERPLINK_EXTERN void cartona_status_map_free(cartona_status_map *m);

/**
 * @brief Sets (or replaces) an outbound entry.
 * @param m              the map.
 * @param odoo_state     an Odoo state (non-empty; copied).
 * @param cartona_status a status a supplier may set (cartona_status_settable()), or NULL to remove the entry.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_EVALIDATION (status not settable) or ::ERPLINK_ENOMEM.
 *         Not thread-safe.
 */
ERPLINK_EXTERN int cartona_status_map_set_outbound(cartona_status_map *m, const char *odoo_state,
                                                   const char *cartona_status);

/**
 * @brief Sets (or replaces) an inbound entry.
 * @param m              the map.
 * @param cartona_status a Cartona status (non-empty; copied).
 * @param odoo_state     an Odoo state (copied), or NULL to remove the entry.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_status_map_set_inbound(cartona_status_map *m, const char *cartona_status,
                                                  const char *odoo_state);

/**
 * @brief Maps an Odoo state to the Cartona status to send.
 * @param out        receives the status (owned by @p m; valid until @p m changes).
 * @param m          the map.
 * @param odoo_state the state.
 * @return 0, ::ERPLINK_EINVAL, or ::ERPLINK_EVALIDATION for an unmapped state (named in the
 *         message). Thread-safe while nobody modifies @p m.
 */
ERPLINK_EXTERN int cartona_status_map_to_cartona(const char **out, const cartona_status_map *m, const char *odoo_state);

/**
 * @brief Maps a Cartona status to an Odoo state.
 * @param out            receives the state (owned by @p m; valid until @p m changes).
 * @param m              the map.
 * @param cartona_status the status.
 * @return 0, ::ERPLINK_EINVAL, or ::ERPLINK_EVALIDATION for an unmapped status (named in the
 *         message). Thread-safe while nobody modifies @p m.
 */
ERPLINK_EXTERN int cartona_status_map_to_odoo(const char **out, const cartona_status_map *m,
                                              const char *cartona_status);

ERPLINK_END_DECLS

#endif /* ERPLINK_CARTONA_STATUS_H */
