/**
 * @file erplink/http.h
 * @brief The HTTP transport shared by every service client: libcurl with connection
 *        pooling, retries, rate limiting, size limits, TLS policy and redacted logging.
 *
 * Three kinds of object:
 * - ::erplink_http_options — configuration, built with typed setters and copied by
 *   erplink_http_client_new() (the options object may be freed or reused afterwards);
 * - ::erplink_http_client — a long-lived client. It keeps a bounded pool of libcurl easy
 *   handles (one keep-alive connection each, reused from request to request) and shares
 *   the DNS cache and TLS sessions between them; the connection cache is never shared
 *   across threads. **A client may be used from several threads at once.**
 * - ::erplink_http_request / ::erplink_http_response — one exchange.
 * - ::erplink_http_batch — many requests at once on the calling thread, multiplexed over one
 *   HTTP/2 connection when the server offers it (bounded parallel connections otherwise).
 *
 * @par Result rule (one rule for every status)
 * erplink_http_client_send() returns 0 only for a 2xx or a 304 (Not Modified) final
 * status. Any other completed exchange returns the mapped error code **and still hands
 * the response to the caller through @p out** (services need error bodies):
 * 429 → ::ERPLINK_ERATELIMIT, 401 → ::ERPLINK_EAUTH, 403 → ::ERPLINK_EACCESS,
 * 404 → ::ERPLINK_ENOTFOUND, 409 → ::ERPLINK_ECONFLICT, 502/503/504 → ::ERPLINK_EUNAVAILABLE,
 * other 5xx → ::ERPLINK_ESERVER, other 4xx (and 1xx/3xx answers that are not redirects)
 * → ::ERPLINK_EHTTP, and a redirect that is not followed → ::ERPLINK_EREDIRECT (the
 * message names the status and the host of the `Location`). The thread's last error then
 * carries the HTTP status, the first bytes of the body as its detail (at most 2048 bytes)
 * and the `Retry-After` delay when the server sent one. When no exchange completed
 * (connection refused, timeout, reset…) the error is returned and `*out` is set to NULL.
 *
 * @par Transport errors
 * refused/unreachable → ::ERPLINK_ECONNECT, name resolution → ::ERPLINK_EDNS,
 * reset/truncated/send or receive failure → ::ERPLINK_ERECV, timeouts → ::ERPLINK_ETIMEOUT
 * (the message says which: connect, total or low-speed), TLS and certificates →
 * ::ERPLINK_ETLS, body above the maximum size → ::ERPLINK_ETOOLARGE, cancelled →
 * ::ERPLINK_ECANCELLED, a malformed answer → ::ERPLINK_EPROTOCOL, a bad URL or method →
 * ::ERPLINK_EINVAL. Messages name the method, scheme, host, port and path — never URL
 * userinfo, and credential query parameters are shown as `<redacted>`.
 *
 * @par Retries and attempts
 * One call of erplink_http_client_send() makes up to `max_attempts` attempts (default 3).
 * An *attempt* is one try of the whole request; following a redirect is part of the
 * same attempt and is not counted. Between attempts the client waits for
 * `Retry-After` when the server sent one (seconds or HTTP-date), otherwise for a capped
 * exponential backoff with full jitter: `random(0, min(cap, base * 2^(n-1)))` after the
 * n-th attempt. What is retried:
 * - any request, when the failure proves the request never reached the server: connection
 *   refused, DNS failure, TLS handshake failure (not a certificate rejection), connect
 *   timeout — i.e. libcurl never started sending the request — and a 429 or 503 answer
 *   carrying `Retry-After`;
 * - in addition, *idempotent* requests (GET, HEAD, PUT, DELETE, OPTIONS by default, or any
 *   request marked with erplink_http_request_set_idempotent()) on 429 without
 *   `Retry-After`, 502, 503, 504, a reset or truncated exchange and a read timeout.
 *   500 is not retried unless erplink_http_options_set_retry_all_5xx() enables it.
 * - never: a `Retry-After` longer than the client's maximum (the error is returned at once
 *   with erplink_error_retry_after_ms() set), a cancellation, a sink error, a response too
 *   large, a certificate rejection, 4xx other than 429.
 * A retry budget per client stops retry storms: in any sliding 10-second window, retries
 * are allowed while their number stays below `max(min_retries, ratio × requests)`; when
 * the budget is spent the last error is returned as is (its message says that the budget
 * was exhausted). erplink_http_response_attempts() tells how many attempts were made;
 * when the call fails after more than one attempt, the error message ends with
 * "(after N attempts)" (useful when no response was received).
 *
 * @par Rate limiting
 * A token bucket per client (requests per second and burst; 0 = unlimited) is consulted
 * before every attempt: the caller's thread waits (cancellably), it never fails.
 * erplink_http_client_pause_ms() imposes a server-directed pause on every request of the
 * client.
 *
 * @par Cancellation
 * Every wait of a send or a batch (a free pooled connection, the rate limiter, a pause, a
 * backoff delay, the transfer itself) watches the cancellation tokens pushed on the calling
 * thread (erplink/cancel.h); a fired token ends the call with ::ERPLINK_ECANCELLED.
 *
 * @par Fork safety
 * A client remembers the pid that created its connections. Used in a child process after
 * `fork()`, it never reuses nor cleans up the parent's easy handles and TLS state (that
 * could send a TLS close_notify on the parent's connection or interleave bytes on a shared
 * socket): it *abandons* them — a deliberate, bounded leak of at most pool-size handles per
 * fork — and opens fresh connections. Forking while another thread of the parent is
 * inside a call on the same client is not supported.
 *
 * @par Library initialisation
 * Implicit and thread-safe: the first client created initialises libcurl once
 * (`curl_global_init` under `pthread_once`).
 */
#ifndef ERPLINK_HTTP_H
#define ERPLINK_HTTP_H

#include "common.h"
#include "error.h"
#include "log.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/** @brief Configuration of an HTTP client (opaque). Not thread-safe to modify. */
typedef struct erplink_http_options erplink_http_options;
/** @brief An HTTP client (opaque). Thread-safe: usable from several threads at once. */
typedef struct erplink_http_client erplink_http_client;
/** @brief One HTTP request (opaque). Not thread-safe to modify; once built it may be sent
 *  from several threads at once (sending does not modify it). */
typedef struct erplink_http_request erplink_http_request;
/** @brief One HTTP response (opaque). Read-only after it is returned; safe to read from several threads. */
typedef struct erplink_http_response erplink_http_response;

/* ------------------------------------------------------------------ options */

/**
 * @brief Creates an options object with the defaults: user agent "erplink/<version>",
 *        connect timeout 10 s, total timeout 60 s, no low-speed limit, maximum response
 *        size 256 MiB, the system CA store, proxy from the environment, redirects not
 *        followed (at most 5 when enabled), a pool of 8 connections, 3 attempts,
 *        backoff base 200 ms and cap 10 s, maximum Retry-After 120 s, retry budget
 *        ratio 0.2 with at least 10 retries per 10 s, no rate limit, no log callback.
 * @param out receives the object; free it with erplink_http_options_free().
 * @return 0, ::ERPLINK_EINVAL (NULL @p out) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_http_options_new(erplink_http_options **out);

/** @brief Frees @p o (NULL is a no-op). Not thread-safe with other uses of @p o. @param o the options. */
ERPLINK_EXTERN void erplink_http_options_free(erplink_http_options *o);

/**
 * @brief Copies an options object (every knob, the log callback and the secret names).
 * @param out receives the copy; free it with erplink_http_options_free().
 * @param o   the options to copy, e.g. the transport options of a service
 *            (odoo_options_http()) to reuse them elsewhere.
 * @return 0, ::ERPLINK_EINVAL (NULL argument) or ::ERPLINK_ENOMEM. Thread-safe as long as
 *         no other thread modifies @p o.
 */
ERPLINK_EXTERN int erplink_http_options_clone(erplink_http_options **out, const erplink_http_options *o);

/**
 * @brief Sets the User-Agent sent with every request (a request header `User-Agent` overrides it).
 * @param o  the options.
 * @param ua the user agent (copied); NULL or "" restores the default "erplink/<version>".
 * @return 0, ::ERPLINK_EINVAL (NULL @p o, or @p ua contains a control character) or ::ERPLINK_ENOMEM.
 *         Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_user_agent(erplink_http_options *o, const char *ua);

/**
 * @brief Sets the connect timeout (TCP + TLS handshake).
 * @param o  the options.
 * @param ms 1 .. 86400000 milliseconds.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_connect_timeout_ms(erplink_http_options *o, int64_t ms);

/**
 * @brief Sets the total timeout of one attempt (connect + send + receive); 0 = none.
 *        A request may override it (erplink_http_request_set_timeout_ms()).
 * @param o  the options.
 * @param ms 0 .. 86400000 milliseconds.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_timeout_ms(erplink_http_options *o, int64_t ms);

/**
 * @brief Aborts a transfer slower than @p bytes_per_second for @p seconds (::ERPLINK_ETIMEOUT,
 *        "low-speed limit"). 0 for either disables the check (the default).
 * @param o                the options.
 * @param bytes_per_second the minimum average speed, >= 0.
 * @param seconds          the period, >= 0.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_low_speed(erplink_http_options *o, long bytes_per_second, long seconds);

/**
 * @brief Sets the maximum size of a response body (after content decoding). Enforced
 *        while receiving, also for chunked bodies of unknown length: the transfer is
 *        aborted as soon as the limit is passed (::ERPLINK_ETOOLARGE).
 * @param o     the options.
 * @param bytes >= 1.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_max_response_bytes(erplink_http_options *o, size_t bytes);

/**
 * @brief Uses a CA bundle file (PEM) instead of the system store. Verification of the
 *        peer certificate and host name is always on; there is no switch to turn it off.
 * @param o    the options.
 * @param path the file (copied); NULL restores the system store.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 *         Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_ca_file(erplink_http_options *o, const char *path);

/**
 * @brief Uses a directory of hashed CA certificates (OpenSSL `c_rehash` layout).
 * @param o    the options.
 * @param path the directory (copied); NULL restores the default.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 *         Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_ca_dir(erplink_http_options *o, const char *path);

/**
 * @brief Sets an explicit proxy. By default (NULL) the standard environment variables
 *        (`http_proxy`, `https_proxy`, `no_proxy`, …) are honoured, as libcurl does.
 * @param o     the options.
 * @param proxy a proxy URL such as "http://proxy:3128" (copied), "" for "no proxy at all",
 *              or NULL for the environment.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 *         Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_proxy(erplink_http_options *o, const char *proxy);

/**
 * @brief Enables or disables following redirects (disabled by default: a redirect answer
 *        is returned as ::ERPLINK_EREDIRECT). When enabled, erplink follows 301, 302, 303,
 *        307 and 308 itself (303, and 301/302 after a POST, continue as GET without a body),
 *        at most `max_redirects` times, and **never forwards credentials to another
 *        origin**: when scheme, host or port change, the headers `Authorization`,
 *        `AuthorizationToken`, `Cookie` and every other header whose name denotes a
 *        credential are dropped for that hop and the following ones.
 * @param o       the options.
 * @param enabled non-zero to follow.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_follow_redirects(erplink_http_options *o, int enabled);

/**
 * @brief Sets the maximum number of redirects followed for one attempt (default 5).
 * @param o the options.
 * @param n 0 .. 50.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_max_redirects(erplink_http_options *o, int n);

/**
 * @brief Sets the maximum number of pooled connections (easy handles); also the maximum
 *        number of requests in flight at once — further threads wait for a free handle.
 * @param o the options.
 * @param n 1 .. 1024 (default 8).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_pool_size(erplink_http_options *o, int n);

/**
 * @brief Sets the maximum number of attempts of one request, the first one included.
 * @param o the options.
 * @param n 1 (no retry) .. 100 (default 3).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_max_attempts(erplink_http_options *o, int n);

/**
 * @brief Sets the exponential backoff: the delay after the n-th failed attempt is a uniform
 *        random value in [0, min(cap_ms, base_ms * 2^(n-1))] ("full jitter").
 * @param o       the options.
 * @param base_ms >= 0 (0 means retry at once; useful in tests).
 * @param cap_ms  >= base_ms.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_backoff_ms(erplink_http_options *o, int64_t base_ms, int64_t cap_ms);

/**
 * @brief Sets the longest `Retry-After` the client waits for. When a server asks for more,
 *        the request is not retried: the error (::ERPLINK_ERATELIMIT or
 *        ::ERPLINK_EUNAVAILABLE) is returned at once with erplink_error_retry_after_ms() set.
 * @param o  the options.
 * @param ms >= 0 (default 120000).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_max_retry_after_ms(erplink_http_options *o, int64_t ms);

/**
 * @brief Also retries idempotent requests on 500 and the other 5xx statuses (except 501 and
 *        505, which a retry cannot change).
 *
 * Off by default: a 500 usually means the request was processed and failed, and for most
 * APIs repeating it repeats the failure. Turn it on for an API whose documentation says
 * 5xx are temporary and whose writes are idempotent (Cartona's bulk updates, for example).
 * Non-idempotent requests are never retried on a 5xx, whatever this says.
 * @param o       the options.
 * @param enabled non-zero to enable.
 * @return 0 or ::ERPLINK_EINVAL (@p o NULL). Not thread-safe for @p o.
 */
ERPLINK_EXTERN int erplink_http_options_set_retry_all_5xx(erplink_http_options *o, int enabled);

/**
 * @brief Sets the per-client retry budget: within any 10-second window, a retry is allowed
 *        while `retries < max(min_retries, ratio × requests)` (requests = calls of
 *        erplink_http_client_send() in the window).
 * @param o           the options.
 * @param ratio       0.0 .. 1000.0 (default 0.2).
 * @param min_retries >= 0 (default 10).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_retry_budget(erplink_http_options *o, double ratio, int min_retries);

/**
 * @brief Seeds the client's jitter generator (each client has its own; there is no global
 *        random state). By default it is seeded from the operating system's random source.
 * @param o    the options.
 * @param seed any value; the same seed gives the same sequence of delays.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_retry_seed(erplink_http_options *o, uint64_t seed);

/**
 * @brief Sets the client's token bucket: at most @p burst requests at once, refilled at
 *        @p requests_per_second. Every attempt takes one token; a thread without a token
 *        waits (cancellably) rather than failing.
 * @param o                   the options.
 * @param requests_per_second > 0, or 0 for unlimited (the default).
 * @param burst               >= 1 (ignored when unlimited).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (an options object is configured by one thread, then copied).
 */
ERPLINK_EXTERN int erplink_http_options_set_rate_limit(erplink_http_options *o, double requests_per_second, int burst);

/**
 * @brief Installs a log callback.
 * @param o         the options.
 * @param max_level the most verbose level delivered (::ERPLINK_LOG_NONE .. ::ERPLINK_LOG_TRACE).
 * @param fn        the callback (see ::erplink_log_fn: it must be thread-safe when the client
 *                  is used from several threads), or NULL for none.
 * @param userdata  passed to every call; not owned (must outlive the client).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (options are not shared while modified).
 */
ERPLINK_EXTERN int erplink_http_options_set_log(erplink_http_options *o, int max_level, erplink_log_fn fn,
                                                void *userdata);

/**
 * @brief Declares a name whose values are secret in the log lines of clients made from @p o:
 *        a request or response header, a form field or query parameter, or a member of a
 *        logged request value (compared case-insensitively).
 *
 * The core redacts generic credential names by itself (`Authorization`, `Cookie`, anything
 * containing password, passwd, secret, token, api key, credential, private or signature, and
 * `key`, `otp`, `assertion`); a service declares its own field names here (EVE SSO: `code`,
 * `code_verifier`; Cartona: `retailer_otp`, `pickup_otp`), and so can a caller. Declared
 * request headers are also dropped when a redirect leaves the origin.
 * @param o    the options.
 * @param name the name (copied).
 * @return 0 (also when already declared), ::ERPLINK_EINVAL (NULL or empty name, control
 *         characters), ::ERPLINK_ERANGE (more than 64 names) or ::ERPLINK_ENOMEM.
 *         Not thread-safe.
 */
ERPLINK_EXTERN int erplink_http_options_add_secret_name(erplink_http_options *o, const char *name);

/* ------------------------------------------------------------------ client */

/**
 * @brief Creates a client. Initialises libcurl on first use (thread-safe).
 * @param out receives the client; free it with erplink_http_client_free().
 * @param o   the options (copied), or NULL for the defaults.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM (::ERPLINK_ENETWORK if libcurl cannot be
 *         initialised). Thread-safe.
 */
ERPLINK_EXTERN int erplink_http_client_new(erplink_http_client **out, const erplink_http_options *o);

/**
 * @brief Frees @p c, closing its connections (NULL is a no-op). In a child process after
 *        `fork()` the parent's connections are abandoned, not closed (see the file
 *        documentation). No other thread may be using @p c.
 * @param c the client. Not thread-safe: no other thread may be using the client.
 */
ERPLINK_EXTERN void erplink_http_client_free(erplink_http_client *c);

/**
 * @brief Sends @p req, with retries and rate limiting as configured.
 *
 * @param out receives the response when an HTTP exchange completed — also when the
 *            function returns an HTTP error code (see "Result rule" above); set to NULL
 *            otherwise. Free it with erplink_http_response_free(). May be NULL when the
 *            caller does not want the response.
 * @param c   the client.
 * @param req the request (not modified; it may be sent again or from several threads).
 * @return 0 for a 2xx or 304 final status, otherwise a negative code as described in the
 *         file documentation, with the thread's last error set. Thread-safe.
 */
ERPLINK_EXTERN int erplink_http_client_send(erplink_http_response **out, erplink_http_client *c,
                                            const erplink_http_request *req);

/**
 * @brief Imposes a pause: no request of @p c starts an attempt before @p ms milliseconds
 *        from now. Extends, never shortens, a pause already in force. For service modules
 *        that obey server directions (ESI error limit, 429 with a reset time).
 * @param c  the client.
 * @param ms 0 .. 86400000.
 * @return 0 or ::ERPLINK_EINVAL. Thread-safe.
 */
ERPLINK_EXTERN int erplink_http_client_pause_ms(erplink_http_client *c, int64_t ms);

/**
 * @brief How long the current pause still lasts.
 * @param c the client.
 * @return milliseconds left (0 when no pause is in force or @p c is NULL). Thread-safe.
 */
ERPLINK_EXTERN int64_t erplink_http_client_pause_remaining_ms(const erplink_http_client *c);

/* ------------------------------------------------------------------ batches */

/**
 * @brief A set of requests sent together on the calling thread, multiplexed over HTTP/2
 *        when the server offers it, with bounded concurrency otherwise.
 *
 * A batch drives every transfer through one libcurl multi handle on the thread that calls
 * erplink_http_batch_run(): no thread is created. Transfers ask for multiplexing
 * (`CURLPIPE_MULTIPLEX`) and, over `https://`, wait for a connection that can carry them
 * (`CURLOPT_PIPEWAIT`) instead of opening one each: with a server that offers HTTP/2 through ALPN,
 * the requests of a batch share one connection as concurrent streams; with an HTTP/1.1 server
 * (always for plain `http://`) up to `max_in_flight` connections run in parallel. The multi
 * handle and its connection cache are returned to the client when the batch is freed and
 * reused by the client's next batch (they are separate from the connections of
 * erplink_http_client_send()).
 *
 * Each request is sent exactly like erplink_http_client_send() sends it — headers and
 * credential redaction, User-Agent, timeouts, TLS and CA settings, proxy, size cap, response
 * sink, error mapping (the result rule in this file's description), logging — and with the
 * same retry rules, budget, backoff with jitter and `Retry-After`; the client's token bucket
 * and pause are consulted before every attempt. A failed attempt is scheduled again after its
 * delay while the other requests continue. **Redirects are never followed in a batch**,
 * whatever erplink_http_options_set_follow_redirects() says: a 3xx answer completes the
 * request with ::ERPLINK_EREDIRECT (the response is handed over). A cancellation token pushed
 * on the running thread (erplink/cancel.h) stops the waiting and running requests.
 *
 * Thread safety: a batch belongs to one thread at a time; several batches (and synchronous
 * sends) may use the same client from different threads at once.
 */
typedef struct erplink_http_batch erplink_http_batch;

/**
 * @brief Called by erplink_http_batch_run() on the thread running the batch each time a
 *        request is over (in completion order, not in the order of addition).
 * @param tag      the tag given to erplink_http_batch_add().
 * @param code     0, or the error code of the request; the thread's last error then describes
 *                 the failure (with "(after N attempts)" as for erplink_http_client_send()).
 * @param resp     the response (NULL when no exchange completed). **The callback owns it** and
 *                 frees it with erplink_http_response_free().
 * @param userdata the pointer given to erplink_http_batch_run().
 * @return 0 to go on; any other value stops the run: the requests still queued or running are
 *         abandoned without a callback and erplink_http_batch_run() returns that value. The
 *         callback may call erplink_http_batch_add() on the same batch (e.g. to keep a window of
 *         requests in flight), but not erplink_http_batch_run() nor erplink_http_batch_free().
 */
typedef int (*erplink_http_batch_done_fn)(size_t tag, int code, erplink_http_response *resp, void *userdata);

/** @brief One finished request of a batch, handed out by erplink_http_batch_next() (opaque). */
typedef struct erplink_http_batch_item erplink_http_batch_item;

/**
 * @brief Creates an empty batch on @p c.
 * @param out           receives the batch; free it with erplink_http_batch_free().
 * @param c             the client (borrowed: it must outlive the batch).
 * @param max_in_flight the most requests running at the same time (1 .. 1024); the other
 *                      added requests wait in the order of addition.
 * @return 0, ::ERPLINK_EINVAL (NULL argument or bad limit) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_http_batch_new(erplink_http_batch **out, erplink_http_client *c, int max_in_flight);

/**
 * @brief Frees @p b (NULL is a no-op); requests still queued are dropped without a callback
 *        and the multi handle goes back to the client for reuse.
 * @param b the batch. Not thread-safe (one thread per batch).
 */
ERPLINK_EXTERN void erplink_http_batch_free(erplink_http_batch *b);

/**
 * @brief Queues @p req (it starts at the next or the current erplink_http_batch_run()).
 * @param b   the batch.
 * @param req the request, borrowed: it must stay valid and unchanged until its callback has
 *            been called, or until the run stops or the batch is freed. The same request may
 *            be added again after its callback (e.g. with a refreshed header).
 * @param tag any value, handed back to the callback (e.g. an index).
 * @return 0, ::ERPLINK_EINVAL (NULL argument) or ::ERPLINK_ENOMEM. Not thread-safe (one
 *         thread per batch); may be called from the batch's callback.
 */
ERPLINK_EXTERN int erplink_http_batch_add(erplink_http_batch *b, const erplink_http_request *req, size_t tag);

/**
 * @brief Runs the batch until one request is over and hands it out (pull-style: the loop of
 *        a pager or an iterator).
 *
 * Requests may be added between two calls (they join the running ones). Items come out in
 * completion order. The request of an item is no longer used by the batch once its item is
 * handed out.
 * @param out receives the finished request (free it with erplink_http_batch_item_free()), or
 *            NULL when every request added so far is over.
 * @param b   the batch.
 * @return 0 (whatever the request's own result: see erplink_http_batch_item_code());
 *         ::ERPLINK_EINVAL (NULL argument, a batch made in another process before fork(), or
 *         a call from inside erplink_http_batch_next()); ::ERPLINK_ENETWORK for a libcurl multi
 *         failure or ::ERPLINK_ENOMEM — the remaining requests are then abandoned. A request
 *         cancelled through a token pushed on this thread (erplink/cancel.h) comes out as an
 *         item with ::ERPLINK_ECANCELLED. Not thread-safe (one thread per batch).
 */
ERPLINK_EXTERN int erplink_http_batch_next(erplink_http_batch_item **out, erplink_http_batch *b);

/**
 * @brief The tag given to erplink_http_batch_add() for this request.
 * @param it the item.
 * @return the tag (0 for NULL). Thread-safe (read-only).
 */
ERPLINK_EXTERN size_t erplink_http_batch_item_tag(const erplink_http_batch_item *it);

/**
 * @brief The request's result: 0 for a 2xx or 304, otherwise its error code as
 *        erplink_http_client_send() would have returned it.
 * @param it the item.
 * @return the code (::ERPLINK_EINVAL for NULL). Thread-safe (read-only).
 */
ERPLINK_EXTERN int erplink_http_batch_item_code(const erplink_http_batch_item *it);

/**
 * @brief The error of a failed request (message with "(after N attempts)" when retried,
 *        HTTP status, detail, retry-after), owned by the item.
 * @param it the item.
 * @return the error, or NULL when the request succeeded. Thread-safe (read-only).
 */
ERPLINK_EXTERN const erplink_error *erplink_http_batch_item_error(const erplink_http_batch_item *it);

/**
 * @brief The response (also for an HTTP error status), owned by the item.
 * @param it the item.
 * @return the response, or NULL when no exchange completed or it was taken. Thread-safe (read-only).
 */
ERPLINK_EXTERN const erplink_http_response *erplink_http_batch_item_response(const erplink_http_batch_item *it);

/**
 * @brief Moves the response out of the item.
 * @param it the item.
 * @return the response (the caller frees it with erplink_http_response_free()), or NULL.
 *         Not thread-safe.
 */
ERPLINK_EXTERN erplink_http_response *erplink_http_batch_item_take_response(erplink_http_batch_item *it);

/** @brief Frees an item and what it still owns (NULL is a no-op). Not thread-safe. @param it the item. */
ERPLINK_EXTERN void erplink_http_batch_item_free(erplink_http_batch_item *it);

/**
 * @brief Runs the queued requests (and those added by the callback) until all are over,
 *        calling @p on_done once for each (a loop over erplink_http_batch_next()).
 * @param b        the batch.
 * @param on_done  the completion callback (required).
 * @param userdata passed to @p on_done.
 * @return 0 when every request was reported (whatever their own results: those go to the
 *         callback), the callback's non-zero verdict when it stopped the run,
 *         ::ERPLINK_EINVAL (NULL argument, nested run, or a batch made in another process
 *         before fork()), or ::ERPLINK_ENETWORK / ::ERPLINK_ENOMEM for a batch-level failure
 *         (the remaining requests are then abandoned). The batch can be reused afterwards.
 *         Not thread-safe (one thread per batch).
 */
ERPLINK_EXTERN int erplink_http_batch_run(erplink_http_batch *b, erplink_http_batch_done_fn on_done, void *userdata);

/**
 * @brief How many connections the batch's requests opened so far (sum of
 *        erplink_http_response_new_connections() over the finished requests, failed ones
 *        included). With HTTP/2 multiplexing this stays at 1 for one host.
 * @param b the batch.
 * @return the count (0 for NULL). Not thread-safe (one thread per batch).
 */
ERPLINK_EXTERN int64_t erplink_http_batch_connections(const erplink_http_batch *b);

/**
 * @brief Sends @p n requests as one batch (see ::erplink_http_batch) and waits for all of them.
 * @param outs  optional array of @p n slots receiving the responses (NULL when no exchange
 *              completed); the caller frees each with erplink_http_response_free(). When
 *              NULL, the responses are freed.
 * @param codes optional array of @p n slots receiving each request's result (0 or an error
 *              code, per the result rule of erplink_http_client_send()).
 * @param c     the client.
 * @param reqs  the requests (borrowed for the duration of the call).
 * @param n     the number of requests (0 is allowed).
 * @param max_in_flight the most requests running at once (1 .. 1024).
 * @return 0 when every request succeeded; otherwise the code of the failed request with the
 *         lowest index, whose message (prefixed with the number of failures and the index)
 *         becomes the thread's last error; ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM for bad
 *         arguments or memory. Thread-safe (several threads may send batches on one client).
 */
ERPLINK_EXTERN int erplink_http_client_send_batch(erplink_http_response **outs, int *codes, erplink_http_client *c,
                                                  erplink_http_request *const *reqs, size_t n, int max_in_flight);

/* ------------------------------------------------------------------ request */

/**
 * @brief Creates a request.
 * @param out    receives the request; free it with erplink_http_request_free().
 * @param method an HTTP method token such as "GET" or "POST" (copied; case-sensitive).
 * @param url    an absolute `http://` or `https://` URL (copied).
 * @return 0, ::ERPLINK_EINVAL (NULL or malformed method, URL without an http(s) scheme or
 *         with control characters) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_http_request_new(erplink_http_request **out, const char *method, const char *url);

/**
 * @brief Frees @p r (NULL is a no-op); copied bodies and credential header values are wiped.
 * @param r the request. Not thread-safe: the request must not be in use.
 */
ERPLINK_EXTERN void erplink_http_request_free(erplink_http_request *r);

/**
 * @brief Adds a header (a second header of the same name is sent as well).
 *        Headers whose name denotes a credential (Authorization, AuthorizationToken,
 *        Cookie, X-Api-Key, …) are marked secret automatically: never logged, wiped when
 *        freed, and dropped when a redirect leaves the origin.
 * @param r     the request.
 * @param name  the header name (an HTTP token; copied).
 * @param value the value (copied; no CR or LF).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_add_header(erplink_http_request *r, const char *name, const char *value);

/**
 * @brief Sets a header, replacing every header of the same name (compared case-insensitively).
 * @param r     the request.
 * @param name  the header name (copied).
 * @param value the value (copied), or NULL to remove the header. An empty value sends
 *              the header with no value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_set_header(erplink_http_request *r, const char *name, const char *value);

/**
 * @brief Sets the body, copying it (the copy is wiped when the request is freed).
 *
 * Set a `Content-Type` header as well: without one, libcurl labels a body
 * `application/x-www-form-urlencoded`. A POST without a body is sent with `Content-Length: 0`.
 * @param r    the request.
 * @param body the bytes (may be NULL when @p len is 0).
 * @param len  the length.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_set_body(erplink_http_request *r, const void *body, size_t len);

/**
 * @brief Sets the body without copying it: @p body must stay valid and unchanged until the
 *        request is freed or gets another body (the caller owns and frees it).
 * @param r    the request.
 * @param body the bytes (may be NULL when @p len is 0).
 * @param len  the length.
 * @return 0 or ::ERPLINK_EINVAL.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_set_body_borrowed(erplink_http_request *r, const void *body, size_t len);

/**
 * @brief Overrides the client's total timeout for this request (each attempt).
 * @param r  the request.
 * @param ms 0 (none) .. 86400000, or -1 to use the client's.
 * @return 0 or ::ERPLINK_EINVAL.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_set_timeout_ms(erplink_http_request *r, int64_t ms);

/**
 * @brief Declares whether repeating the request is harmless. By default GET, HEAD, PUT,
 *        DELETE and OPTIONS are idempotent and every other method (POST, PATCH) is not.
 *        A service that knows a POST is a pure read (e.g. an XML-RPC `search_read`) may
 *        mark it idempotent so that it is retried after a reset or a 502/503/504.
 * @param r          the request.
 * @param idempotent non-zero if the request may safely be sent twice.
 * @return 0 or ::ERPLINK_EINVAL.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_set_idempotent(erplink_http_request *r, int idempotent);

/**
 * @brief Streams the body of a 2xx response to a sink instead of buffering it (for decoders
 *        that parse while receiving). Bodies of other statuses are still buffered in the
 *        response so that error details remain available.
 * @param r        the request.
 * @param write    called with each piece of the body; returns 0 to go on or a negative
 *                 `ERPLINK_E*` code (with the last error set, e.g. by a decoder) to abort:
 *                 the call then returns that code and its last error, without retrying.
 * @param reset    called before every attempt or redirect hop after the first, so that a
 *                 retried attempt starts the sink afresh (may be NULL if the sink cannot
 *                 be reset; retries are then still made).
 * @param userdata passed to both (not owned).
 * @return 0 or ::ERPLINK_EINVAL. With a sink, erplink_http_response_body() is empty for 2xx.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_set_sink(erplink_http_request *r,
                                                 int (*write)(const char *data, size_t len, void *userdata),
                                                 void (*reset)(void *userdata), void *userdata);

/**
 * @brief Attaches the value tree the body was encoded from, so that trace-level logs show
 *        it through erplink_value_dump() (secrets redacted) instead of only the length.
 * @param r the request.
 * @param v the tree, borrowed: it must stay alive while the request is sent; NULL to detach.
 * @return 0 or ::ERPLINK_EINVAL.
 *         Not thread-safe (a request is built by one thread; once built it may be sent from several).
 */
ERPLINK_EXTERN int erplink_http_request_set_log_value(erplink_http_request *r, const erplink_value *v);

/* ------------------------------------------------------------------ response */

/** @brief Frees @p r (NULL is a no-op). @param r the response. Not thread-safe: the response must not be in use. */
ERPLINK_EXTERN void erplink_http_response_free(erplink_http_response *r);

/**
 * @brief The final HTTP status (e.g. 200).
 * @param r the response.
 * @return the status, 0 if @p r is NULL. Thread-safe (read-only).
 */
ERPLINK_EXTERN int erplink_http_response_status(const erplink_http_response *r);

/**
 * @brief The first value of a response header, looked up case-insensitively.
 * @param r    the response.
 * @param name the header name.
 * @return a string owned by @p r, or NULL when absent. Thread-safe (read-only).
 */
ERPLINK_EXTERN const char *erplink_http_response_header(const erplink_http_response *r, const char *name);

/**
 * @brief The @p index-th value (from 0) of a header that may occur several times (Set-Cookie, Link).
 * @param r     the response.
 * @param name  the header name (case-insensitive).
 * @param index which occurrence.
 * @return a string owned by @p r, or NULL when there are fewer occurrences. Thread-safe (read-only).
 */
ERPLINK_EXTERN const char *erplink_http_response_header_nth(const erplink_http_response *r, const char *name,
                                                            size_t index);

/** @brief The number of response header lines. @param r the response. @return the count. Thread-safe (read-only). */
ERPLINK_EXTERN size_t erplink_http_response_header_count(const erplink_http_response *r);

/**
 * @brief The name of the @p index-th response header line, in the order received.
 * @param r     the response.
 * @param index 0 .. erplink_http_response_header_count() - 1.
 * @return the name (owned by @p r), or NULL when @p index is out of range. Thread-safe (read-only).
 */
ERPLINK_EXTERN const char *erplink_http_response_header_name_at(const erplink_http_response *r, size_t index);

/**
 * @brief The value of the @p index-th response header line.
 * @param r     the response.
 * @param index 0 .. erplink_http_response_header_count() - 1.
 * @return the value (owned by @p r), or NULL when @p index is out of range. Thread-safe (read-only).
 */
ERPLINK_EXTERN const char *erplink_http_response_header_value_at(const erplink_http_response *r, size_t index);

/**
 * @brief The buffered body (empty for a 2xx response streamed to a sink).
 * @param r   the response.
 * @param len receives the length; may be NULL.
 * @return a pointer owned by @p r, NUL-terminated (the NUL is not counted), never NULL for a non-NULL @p r.
 *         Thread-safe (read-only).
 */
ERPLINK_EXTERN const char *erplink_http_response_body(const erplink_http_response *r, size_t *len);

/**
 * @brief The `Content-Type` header, or NULL.
 * @param r the response.
 * @return a string owned by @p r. Thread-safe (read-only).
 */
ERPLINK_EXTERN const char *erplink_http_response_content_type(const erplink_http_response *r);

/**
 * @brief Tests the media type of the response, ignoring parameters and case:
 *        `text/html; charset=utf-8` matches "text/html".
 * @param r          the response.
 * @param media_type e.g. "text/xml".
 * @return 1 on a match, else 0. Thread-safe (read-only).
 */
ERPLINK_EXTERN int erplink_http_response_content_type_is(const erplink_http_response *r, const char *media_type);

/**
 * @brief Whether the answer looks like an HTML page (a login, maintenance or proxy error
 *        page) rather than a machine-readable document: the content type is text/html or
 *        application/xhtml+xml, or the body starts (after whitespace) with `<!DOCTYPE html`
 *        or `<html`.
 * @param r the response.
 * @return 1 or 0. Thread-safe (read-only).
 */
ERPLINK_EXTERN int erplink_http_response_is_html(const erplink_http_response *r);

/**
 * @brief How many attempts the call made (1 = no retry).
 * @param r the response.
 * @return the count. Thread-safe (read-only).
 */
ERPLINK_EXTERN int erplink_http_response_attempts(const erplink_http_response *r);

/**
 * @brief Wall time of the whole call (all attempts and waits), in ms.
 * @param r the response.
 * @return ms. Thread-safe (read-only).
 */
ERPLINK_EXTERN int64_t erplink_http_response_total_ms(const erplink_http_response *r);

/**
 * @brief The URL of the final answer (differs from the request URL after redirects).
 * @param r the response.
 * @return a string owned by @p r, as libcurl reports it (it may contain what the caller put in the URL).
 *         Thread-safe (read-only).
 */
ERPLINK_EXTERN const char *erplink_http_response_effective_url(const erplink_http_response *r);

/**
 * @brief How many new connections the call opened, over all its attempts (0 when every attempt
 *        reused a kept-alive connection or an HTTP/2 connection shared with other requests).
 * @param r the response.
 * @return the count (0 for NULL). Thread-safe for concurrent readers.
 */
ERPLINK_EXTERN int erplink_http_response_new_connections(const erplink_http_response *r);

/**
 * @brief The HTTP version of the final answer: 10 (HTTP/1.0), 11 (HTTP/1.1), 20 (HTTP/2) or
 *        30 (HTTP/3). HTTP/2 is used only over TLS when the server offers it through ALPN;
 *        plain `http://` always uses HTTP/1.1.
 * @param r the response.
 * @return the version, or 0 when unknown or @p r is NULL. Thread-safe for concurrent readers.
 */
ERPLINK_EXTERN int erplink_http_response_http_version(const erplink_http_response *r);

/**
 * @brief Parses a `Retry-After` value: delay-seconds ("120") or an HTTP-date
 *        ("Fri, 31 Dec 1999 23:59:59 GMT" and the obsolete forms).
 * @param out_ms receives the delay in milliseconds (0 for a date in the past; capped at
 *               1e12 ms for absurdly large values).
 * @param value  the header value.
 * @param now_unix_ms the current time for the date form (milliseconds since 1970, UTC).
 * @return 0, or ::ERPLINK_EINVAL for NULL, empty, negative or unparsable values. Thread-safe.
 */
ERPLINK_EXTERN int erplink_http_parse_retry_after(int64_t *out_ms, const char *value, int64_t now_unix_ms);

ERPLINK_END_DECLS

#endif /* ERPLINK_HTTP_H */
