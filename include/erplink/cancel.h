/**
 * @file erplink/cancel.h
 * @brief Cancellation tokens: stop any blocking erplink call from another thread, a signal
 *        handler or a poll function.
 *
 * A token is pushed on the calling thread with erplink_cancel_push(); until the matching
 * erplink_cancel_pop(), every blocking wait that thread does inside erplink watches it: HTTP
 * transfers (at the latest one libcurl progress tick later, about a second on a stalled
 * connection), retry backoff sleeps, rate-limit waits and pauses, waits for a free pooled
 * connection, HTTP batches, and the loops of the services built on them (Odoo cursors, ESI
 * pagers, Cartona bulk updates). The call then fails with ::ERPLINK_ECANCELLED.
 *
 * A token fires when erplink_cancel_trigger() was called on it (from any thread, or from a
 * signal handler: it only stores to an atomic flag), or when its poll function returns
 * non-zero. The poll function runs on the thread that pushed the token, from inside the
 * blocking call, about every 50 ms while waiting and on every libcurl progress callback
 * during transfers: the Python binding uses it to check for Ctrl-C, the Node binding to see an
 * `AbortSignal`. Tokens nest (up to ::ERPLINK_CANCEL_MAX_DEPTH per thread): a call watches all
 * the tokens its thread has pushed.
 *
 * @par Thread safety
 * erplink_cancel_trigger() and erplink_cancel_is_triggered() are thread-safe (and
 * async-signal-safe). erplink_cancel_set_poll() must not race with a call watching the token.
 * Push and pop act on the calling thread only.
 */
#ifndef ERPLINK_CANCEL_H
#define ERPLINK_CANCEL_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief How many tokens one thread may have pushed at once. */
#define ERPLINK_CANCEL_MAX_DEPTH 8

/** @brief A cancellation token (opaque; see erplink_cancel_new()). */
typedef struct erplink_cancel erplink_cancel;

/**
 * @brief Poll function of a token: return non-zero to cancel.
 * @param userdata the pointer given to erplink_cancel_set_poll().
 */
typedef int (*erplink_cancel_poll_fn)(void *userdata);

/**
 * @brief Creates a token that has not fired.
 * @param out receives the token; free it with erplink_cancel_free().
 * @return 0, ::ERPLINK_EINVAL (NULL @p out) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_cancel_new(erplink_cancel **out);

/**
 * @brief Frees a token. It must not be pushed on any thread any more. NULL is a no-op.
 * @param c the token. Not thread-safe with calls watching the token.
 */
ERPLINK_EXTERN void erplink_cancel_free(erplink_cancel *c);

/**
 * @brief Fires the token: the blocking calls watching it stop with ::ERPLINK_ECANCELLED.
 *        A fired token stays fired.
 * @param c the token (NULL is a no-op). Thread-safe and async-signal-safe.
 */
ERPLINK_EXTERN void erplink_cancel_trigger(erplink_cancel *c);

/**
 * @brief Tells whether the token fired through erplink_cancel_trigger() (the poll function
 *        is not called here).
 * @param c the token.
 * @return 1 if fired, 0 if not or if @p c is NULL. Thread-safe.
 */
ERPLINK_EXTERN int erplink_cancel_is_triggered(const erplink_cancel *c);

/**
 * @brief Sets the token's poll function (NULL to remove it).
 * @param c        the token.
 * @param poll     called from inside blocking calls on the thread that pushed the token;
 *                 non-zero cancels (and fires the token).
 * @param userdata passed to @p poll.
 * @return 0 or ::ERPLINK_EINVAL (NULL @p c). Not thread-safe with calls watching the token.
 */
ERPLINK_EXTERN int erplink_cancel_set_poll(erplink_cancel *c, erplink_cancel_poll_fn poll, void *userdata);

/**
 * @brief Makes the calling thread's blocking erplink calls watch @p c until the matching
 *        erplink_cancel_pop(). The token is borrowed: keep it alive until then.
 * @param c the token.
 * @return 0; ::ERPLINK_EINVAL (NULL @p c); ::ERPLINK_ERANGE when the thread already has
 *         ::ERPLINK_CANCEL_MAX_DEPTH tokens pushed. Acts on the calling thread only.
 */
ERPLINK_EXTERN int erplink_cancel_push(erplink_cancel *c);

/**
 * @brief Removes the token pushed last on the calling thread (no-op when none is).
 *        Acts on the calling thread only.
 */
ERPLINK_EXTERN void erplink_cancel_pop(void);

ERPLINK_END_DECLS

#endif /* ERPLINK_CANCEL_H */
