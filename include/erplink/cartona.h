/**
 * @file erplink/cartona.h
 * @brief Cartona supplier-integration client: the options and the client. Includes the three
 *        headers of the module: cartona_products.h (product listing, bulk price/stock updates
 *        with a per-item outcome), cartona_orders.h (orders, status and detail updates, the
 *        pull → import → acknowledge intake) and cartona_status.h (Odoo ↔ Cartona status map,
 *        settable statuses, cancellation reasons).
 *
 * Cartona publishes no API reference; the facts honoured here come from Cartona's own Odoo
 * integration (see shared/spec/cartona.md). The client is strict where the facts are firm
 * (the `AuthorizationToken` header, the paths, required fields) and lenient where they are
 * thin (numbers sent as strings, unknown fields, response bodies that are `{}`, an object,
 * an array or empty).
 *
 * @par Transport
 * A ::cartona_options object embeds one ::erplink_http_options, filled with Cartona's defaults
 * when the options are created; cartona_options_http() hands it out and every transport knob
 * (timeouts, CA file or directory, proxy, size cap, low-speed limit, retry policy and budget,
 * rate limit, log callback, user agent, extra secret names) is set there with the
 * `erplink_http_options_set_*` setters. A ::cartona_client owns one ::erplink_http_client:
 * retries, backoff, the retry budget, rate limiting, TLS policy, size caps and log redaction
 * are the core's. Every request carries `AuthorizationToken: <token>` (the raw token, no
 * `Bearer`); the core redacts that header in every log line (its name contains "token") and
 * never puts it in an error message; Cartona declares its own secret fields (`retailer_otp`,
 * `pickup_otp`) on the embedded options.
 *
 * @par Errors
 * One taxonomy: the core's codes and categories (erplink/error.h). To decide what to do about a
 * failure, read erplink_error_get_category() and erplink_error_retryable() (temporary network or
 * server trouble and rate limits are retryable; data, credential, protocol, TLS and caller
 * errors are not).
 *
 * @par Cancellation
 * Every blocking call of the module (bulk updates, pulls, acknowledgements, status updates)
 * watches the cancellation tokens pushed on the calling thread (erplink/cancel.h) and stops
 * with ::ERPLINK_ECANCELLED when one fires.
 *
 * @par Thread safety
 * Options objects, item lists, change lists and status maps are not thread-safe to modify.
 * A ::cartona_client may be used from several threads at once. Results (bulk results,
 * orders, sync reports) are read-only once returned and may be read from several threads. An
 * intake (::cartona_intake) belongs to one thread at a time.
 *
 * @par Header layout
 * cartona.h declares the options and the client and then includes the three other headers;
 * each of them includes cartona.h first (as libcurl's `multi.h` includes `curl.h`), so any one
 * of the four may be included alone.
 */
#ifndef ERPLINK_CARTONA_H
#define ERPLINK_CARTONA_H

#include "common.h"
#include "http.h"

ERPLINK_BEGIN_DECLS

/** @brief Cartona's production base URL. */
#define CARTONA_BASE_URL_PRODUCTION "https://supplier-integrations.cartona.com/api/v1/"
/** @brief Cartona's staging base URL. */
#define CARTONA_BASE_URL_STAGING "https://supplier-integrations.cartona.space/api/v1/"

/** @brief Client configuration (opaque); copied by cartona_client_new(). Not thread-safe to modify. */
typedef struct cartona_options cartona_options;
/** @brief A Cartona client (opaque). Thread-safe: usable from several threads at once. */
typedef struct cartona_client cartona_client;

/* ------------------------------------------------------------------ options */

/**
 * @brief Creates options with the defaults: base URL ::CARTONA_BASE_URL_PRODUCTION, no token,
 *        no supplier code, batch size 100, concurrency 4; and, in the embedded transport
 *        options (cartona_options_http()): connect timeout 10 s, request timeout 30 s (the
 *        reference module's), 4 attempts with backoff 500 ms .. 10 s, 500 retried like the
 *        other 5xx for idempotent requests (erplink_http_options_set_retry_all_5xx(): the bulk
 *        updates and reads; single status updates and detail updates are never retried on a
 *        5xx), retry budget ratio 0.2 with at least 10 retries per 10 s, the system CA store,
 *        user agent "erplink/<version> cartona", no log callback, and the secret names
 *        `retailer_otp` and `pickup_otp`.
 * @param out receives the options; free them with cartona_options_free().
 * @return 0, ::ERPLINK_EINVAL (NULL @p out) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_options_new(cartona_options **out);

/**
 * @brief Frees options and their embedded transport options (NULL is a no-op); the token is wiped.
 * @param o the options. Not thread-safe: nothing else may use @p o.
 */
ERPLINK_EXTERN void cartona_options_free(cartona_options *o);

/**
 * @brief The transport options embedded in @p o, to set any transport knob with the
 *        `erplink_http_options_set_*` setters (timeouts, CA file, proxy, retry, budget, rate
 *        limit, log, user agent, secret names, ...).
 * @param o the options.
 * @return the embedded options, borrowed: valid as long as @p o, freed with it (never pass it
 *         to erplink_http_options_free()); NULL when @p o is NULL. Not thread-safe (the
 *         options are not shared while modified).
 */
ERPLINK_EXTERN erplink_http_options *cartona_options_http(cartona_options *o);

/**
 * @brief Sets the supplier's token, sent as `AuthorizationToken: <token>` (never logged).
 * @param o     the options.
 * @param token the raw token (copied; no CR/LF, not empty).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_options_set_token(cartona_options *o, const char *token);

/**
 * @brief Sets the base URL (::CARTONA_BASE_URL_PRODUCTION, ::CARTONA_BASE_URL_STAGING, or any
 *        http(s) URL for tests). A missing trailing `/` is added.
 * @param o   the options.
 * @param url the URL (copied).
 * @return 0, ::ERPLINK_EINVAL (not http/https, control characters) or ::ERPLINK_ENOMEM.
 *         Not thread-safe.
 */
ERPLINK_EXTERN int cartona_options_set_base_url(cartona_options *o, const char *url);

/**
 * @brief Sets the supplier code (price list) added as `supplier_code` to every product update
 *        item that has none (1 retail, 2 wholesale, 3 wholesale-to-wholesale are common).
 * @param o    the options.
 * @param code the code, >= 1; 0 removes it.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_options_set_supplier_code(cartona_options *o, int64_t code);

/**
 * @brief Sets the number of items per bulk request.
 * @param o the options.
 * @param n 1 .. 1000 (default 100).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_options_set_batch_size(cartona_options *o, int n);

/**
 * @brief Sets how many bulk requests a bulk update keeps in flight at once (the
 *        `max_in_flight` of its HTTP batch: that many connections over HTTP/1.1, as many
 *        streams of one connection over HTTP/2).
 * @param o the options.
 * @param n 1 .. 64 (default 4).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int cartona_options_set_concurrency(cartona_options *o, int n);

/* ------------------------------------------------------------------ client */

/**
 * @brief Creates a client (and its HTTP client, made from the embedded transport options).
 * @param out receives the client; free it with cartona_client_free().
 * @param o   the options (copied, transport options included; a token is required).
 * @return 0, ::ERPLINK_EINVAL (NULL arguments, no token) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_new(cartona_client **out, const cartona_options *o);

/**
 * @brief Frees a client (NULL is a no-op); the token is wiped.
 * @param c the client. Not thread-safe: no other thread may be using @p c.
 */
ERPLINK_EXTERN void cartona_client_free(cartona_client *c);

/**
 * @brief Tests the connection and the token: `GET supplier-product?page=1&per_page=1`.
 * @param c the client.
 * @return 0, or the HTTP/transport error (::ERPLINK_EAUTH for a refused token, …),
 *         ::ERPLINK_ECANCELLED when a token pushed on this thread fires. Thread-safe.
 */
ERPLINK_EXTERN int cartona_client_test_connection(cartona_client *c);

ERPLINK_END_DECLS

/* The other headers of the module (each includes this one first). */
#include "cartona_products.h"
#include "cartona_orders.h"
#include "cartona_status.h"
#include "cartona_outbox.h"

#endif /* ERPLINK_CARTONA_H */
