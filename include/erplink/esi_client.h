/**
 * @file erplink/esi_client.h
 * @brief EVE Online: the ESI client — routes with parameters, an HTTP cache behind a store
 *        interface, paginated routes (collected, streamed to a callback, or pulled page by
 *        page with a pager), error-limit and rate-limit handling, and typed helpers. Part of
 *        erplink/esi.h.
 *
 * ::esi_client sends every request with `X-Compatibility-Date` (default
 * ::ESI_DEFAULT_COMPATIBILITY_DATE), `X-Tenant` and a User-Agent that must carry contact
 * details. It never requests a cached page before its `Expires`/`max-age`, then revalidates
 * it with `If-None-Match` (ETags are per page); every response tells whether it came from the
 * cache, from a 304 or from a full answer (::esi_cache_status). Paginated routes are fetched
 * concurrently and checked for a consistent `Last-Modified`. The error limit is tracked from
 * `X-ESI-Error-Limit-*`: at the floor, and after a 420, the whole client pauses until the
 * window resets. Rate-limit groups (`X-Ratelimit-*`) slow a route down near exhaustion and a
 * 429 waits for `Retry-After`. Only 502/503/504, network failures and 429 are retried.
 *
 * @par Transport
 * The options embed one ::erplink_http_options (esi_options_http()), filled with ESI's
 * defaults; every transport knob — timeouts, CA file or directory, proxy, response size cap,
 * low-speed limit, retries and backoff, retry budget, rate limit, log callback, user agent,
 * extra secret names — is set there with the `erplink_http_options_set_*` setters. ESI's own
 * settings (base URL, compatibility date, tenant, concurrency, error-limit floor, cache) stay
 * on ::esi_options. Every network fan-out (pages 2..N, universe-name chunks) goes through one
 * ::erplink_http_batch on the calling thread.
 *
 * @par Cancellation
 * Any call, a pager's next page included, is cancelled through an ::erplink_cancel token
 * pushed on the calling thread (erplink/cancel.h): transfers, backoff and pause waits stop and
 * the call fails with ::ERPLINK_ECANCELLED.
 *
 * @par Thread safety
 * Options and parameter objects are configured by one thread. A client may be used from
 * several threads at once (use one per application). Responses are immutable and readable from
 * several threads. A pager is used by one thread at a time.
 */
#ifndef ERPLINK_ESI_CLIENT_H
#define ERPLINK_ESI_CLIENT_H

#include "common.h"
#include "esi_token.h"
#include "http.h"
#include "store.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/** @brief The default ESI base URL. */
#define ESI_DEFAULT_BASE_URL "https://esi.evetech.net"
/**
 * @brief The compatibility date sent in `X-Compatibility-Date` unless
 *        esi_options_set_compatibility_date() says otherwise: the date of the OpenAPI
 *        specification erplink's typed helpers were written against. Pin your own date
 *        when you depend on a route's behaviour; without the header ESI would answer as
 *        on 2020-01-01.
 */
#define ESI_DEFAULT_COMPATIBILITY_DATE "2026-08-18"

/** @brief Configuration of an ESI client (opaque). Not thread-safe to modify. */
typedef struct esi_options esi_options;
/** @brief An ESI client (opaque). Thread-safe: use one per application. */
typedef struct esi_client esi_client;
/** @brief The answer of one ESI call, possibly several pages (opaque, immutable, readable from several threads). */
typedef struct esi_response esi_response;
/** @brief Path and query parameters of a call (opaque). Not thread-safe to modify. */
typedef struct esi_params esi_params;
/** @brief A pull-style walk over the pages of a paginated route (opaque; see esi_pager_new()). */
typedef struct esi_pager esi_pager;

/**
 * @brief A pluggable HTTP cache store. The client serialises each cached page into an
 *        opaque blob (validators, expiry and body) and hands it to the store; the default
 *        store keeps blobs in memory (bounded, see esi_options_set_cache_max_bytes()).
 *        The functions may be called from several threads at once; each takes the store's
 *        `userdata` last.
 */
typedef struct esi_cache_store {
  /** @brief Finds a blob. The client sets `*data` to NULL before the call; the store leaves
   *         it NULL when the key is absent, or sets `*data` to a `malloc`ed copy (the client
   *         calls `free()` on it) and `*len` to its length. Returns 0 (found or absent; for
   *         compatibility, 1 is read as 0) or a negative `ERPLINK_E*` code. */
  int (*get)(const char *key, void **data, size_t *len, void *userdata);
  /** @brief Stores (replaces) a blob (copy it; @p data is freed by the client); returns 0 or a negative code. */
  int (*put)(const char *key, const void *data, size_t len, void *userdata);
  /** @brief Called by esi_client_free() of every client created with this store — once per
   *         client, so a store shared by several clients must count its users (may be NULL). */
  void (*destroy)(void *userdata);
  /** @brief Passed to every function. */
  void *userdata;
} esi_cache_store;

/** @brief How a page was obtained. */
typedef enum esi_cache_status {
  ESI_CACHE_MISS = 0,       /**< fetched: the server sent a full 200 (or 201) answer */
  ESI_CACHE_HIT = 1,        /**< served from the cache before its expiry: no request was made */
  ESI_CACHE_REVALIDATED = 2 /**< the cached copy had expired; the server answered 304 Not Modified */
} esi_cache_status;

/* ------------------------------------------------------------------ options */

/**
 * @brief Creates ESI options with the defaults: base URL ::ESI_DEFAULT_BASE_URL, compatibility
 *        date ::ESI_DEFAULT_COMPATIBILITY_DATE, tenant "tranquility", concurrency 8,
 *        error-limit floor 10, in-memory cache of at most 512 MiB; and transport options
 *        (esi_options_http()) with ESI's defaults — connect timeout 10 s, total timeout 60 s
 *        per attempt, pool of 8 connections, 3 attempts with backoff base 200 ms and cap 10 s
 *        (retrying only 502/503/504, network failures and 429 — after its Retry-After; 500 is
 *        never retried), no User-Agent of the application's own yet (required); the other
 *        knobs as erplink_http_options_new() sets them.
 * @param out receives the options; free them with esi_options_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_options_new(esi_options **out);

/**
 * @brief Frees options, their transport options included (NULL is a no-op).
 * @param o the options. Not thread-safe: no other thread may use @p o.
 */
ERPLINK_EXTERN void esi_options_free(esi_options *o);

/**
 * @brief The transport options embedded in @p o, to set with the `erplink_http_options_set_*`
 *        setters. The User-Agent is required and must carry contact details (an e-mail
 *        address or a URL), e.g.
 *        `erplink_http_options_set_user_agent(esi_options_http(o), "MyApp/1.2.3 (me@example.com; +https://github.com/me/myapp)")`:
 *        CCP contacts or bans applications by it; "erplink/<version>" is appended.
 *        esi_client_new() copies them with the rest.
 * @param o the options.
 * @return the embedded object, borrowed: valid as long as @p o, freed with it (never free it
 *         yourself); NULL when @p o is NULL (the setters then return ::ERPLINK_EINVAL).
 *         Not thread-safe: the same as modifying @p o.
 */
ERPLINK_EXTERN erplink_http_options *esi_options_http(esi_options *o);

/**
 * @brief Sets the base URL (tests point it to a simulator).
 * @param o   the options.
 * @param url an http(s) URL without a query (copied; trailing '/' dropped).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_options_set_base_url(esi_options *o, const char *url);

/**
 * @brief Sets the `X-Compatibility-Date` sent with every request.
 * @param o    the options.
 * @param date "YYYY-MM-DD" (a valid calendar date).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_options_set_compatibility_date(esi_options *o, const char *date);

/**
 * @brief Sets the `X-Tenant` header (default "tranquility").
 * @param o      the options.
 * @param tenant a non-empty token (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_options_set_tenant(esi_options *o, const char *tenant);

/**
 * @brief Sets how many requests the client runs at once: pages of one call and chunks of
 *        esi_client_universe_names() are fetched concurrently up to this limit (as HTTP/2
 *        streams of one connection when the server offers HTTP/2, else on up to this many
 *        connections). Also sets the connection pool size of the transport options
 *        (erplink_http_options_set_pool_size()) for single requests from several threads;
 *        set that afterwards to make it differ.
 * @param o the options.
 * @param n 1 .. 256 (default 8).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_options_set_concurrency(esi_options *o, int n);

/**
 * @brief Sets the error-limit floor: when a response says `X-ESI-Error-Limit-Remain` <= @p floor,
 *        the client sends nothing more until `X-ESI-Error-Limit-Reset` has passed.
 * @param o     the options.
 * @param floor 0 .. 99 (default 10).
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_options_set_error_limit_floor(esi_options *o, int floor);

/**
 * @brief Sets the size cap of the default in-memory cache (when a new blob does not fit,
 *        the oldest stored blobs are dropped until 10 % of the cap is free again).
 * @param o     the options.
 * @param bytes 0 (no caching at all) .. SIZE_MAX.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_options_set_cache_max_bytes(esi_options *o, size_t bytes);

/**
 * @brief Makes every page of the client's answers also keep its body as received
 *        (esi_response_page_json(), esi_pager_json()), besides the decoded tree.
 *
 * For bindings whose language parses JSON into its own objects faster than it can walk a
 * tree (V8's JSON.parse): the text is handed over only after it decoded without error, so it
 * is valid JSON, and it is the same text the tree came from (a cached or revalidated page's
 * text is the cached body). Each page then holds its text as well (about twice the memory).
 * @param o  the options.
 * @param on nonzero to keep bodies (default 0).
 * @return 0; ::ERPLINK_EINVAL for NULL @p o. Not thread-safe (options belong to one thread).
 */
ERPLINK_EXTERN int esi_options_set_keep_json(esi_options *o, int on);

/**
 * @brief Replaces the in-memory cache with a store of yours (Redis, SQLite, disk…).
 * @param o     the options.
 * @param store the store (copied; its `userdata` must outlive every client made from @p o;
 *              `destroy` is called by each client's esi_client_free()), or NULL for the default.
 * @return 0 or ::ERPLINK_EINVAL (a function pointer is NULL). Not thread-safe (modifies @p o).
 */
ERPLINK_EXTERN int esi_options_set_cache_store(esi_options *o, const esi_cache_store *store);

/**
 * @brief Makes a cache store that keeps pages in an ::erplink_blob_cache (erplink/store.h): in
 *        a file that survives restarts and is shared by every process and client using it,
 *        bounded in size with least-recently-used eviction.
 *
 * @code
 * erplink_store *st;  erplink_blob_cache *bc;  esi_cache_store cs;
 * erplink_store_open(&st, "/var/lib/app/esi-cache.db", NULL);  // a damaged file fails here
 * erplink_blob_cache_new(&bc, st, "esi", (size_t)256 << 20);
 * esi_cache_store_from_blob_cache(&cs, bc);
 * esi_options_set_cache_store(o, &cs);                         // then esi_client_new()...
 * // after the clients: erplink_blob_cache_free(bc); erplink_store_close(st);
 * @endcode
 * If the file breaks while clients use it (a read or write fails), the clients keep working
 * without the cache: each such call fetches the page as if it were not cached (a warning is
 * logged once per client). A stored page that fails its checksum is never served.
 * @param out   receives the store (its `destroy` is NULL: the cache stays yours).
 * @param cache the blob cache (borrowed: it must outlive every client using @p out; one cache
 *              may serve any number of options and clients).
 * @return 0 or ::ERPLINK_EINVAL. Thread-safe.
 */
ERPLINK_EXTERN int esi_cache_store_from_blob_cache(esi_cache_store *out, erplink_blob_cache *cache);

/* ------------------------------------------------------------------ client */

/**
 * @brief Creates an ESI client.
 * @param out receives the client; free it with esi_client_free().
 * @param o   the options, their transport options included (copied).
 * @return 0; ::ERPLINK_EINVAL (NULL arguments, or no User-Agent with contact details on
 *         esi_options_http(): "ESI requires a User-Agent with contact details"); ::ERPLINK_ENOMEM.
 *         Thread-safe as long as no other thread modifies @p o.
 */
ERPLINK_EXTERN int esi_client_new(esi_client **out, const esi_options *o);

/**
 * @brief Frees a client (NULL is a no-op).
 * @param c the client. Not thread-safe: no other thread may be using it, and no pager made
 *          from it may be used afterwards.
 */
ERPLINK_EXTERN void esi_client_free(esi_client *c);

/**
 * @brief The client's view of the error limit, from the latest response.
 * @param remain  receives `X-ESI-Error-Limit-Remain` (-1 before any response carried it); may be NULL.
 * @param reset_s receives the seconds left until the window resets (-1 when unknown); may be NULL.
 * @param c       the client.
 * @return 0 or ::ERPLINK_EINVAL (NULL client). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_error_limit(int *remain, int *reset_s, const esi_client *c);

/**
 * @brief The HTTP client underneath (for pause inspection, e.g. erplink_http_client_pause_remaining_ms()).
 * @param c the client.
 * @return the transport, owned by @p c (NULL for NULL). Thread-safe.
 */
ERPLINK_EXTERN erplink_http_client *esi_client_http(esi_client *c);

/* ------------------------------------------------------------------ parameters */

/**
 * @brief Creates an empty parameter set.
 * @param out receives it; free with esi_params_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int esi_params_new(esi_params **out);

/**
 * @brief Frees parameters (NULL is a no-op).
 * @param p the parameters. Not thread-safe: no other thread may be using @p p.
 */
ERPLINK_EXTERN void esi_params_free(esi_params *p);

/**
 * @brief Sets a path parameter: `{name}` in the route template is replaced by @p value
 *        (percent-encoded).
 * @param p     the parameters.
 * @param name  the placeholder name, e.g. "region_id".
 * @param value the value (copied), non-empty.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p p).
 */
ERPLINK_EXTERN int esi_params_set_path(esi_params *p, const char *name, const char *value);

/**
 * @brief esi_params_set_path() with an integer.
 * @param p     the parameters.
 * @param name  the name.
 * @param value the value.
 * @return as esi_params_set_path(). Not thread-safe (modifies @p p).
 */
ERPLINK_EXTERN int esi_params_set_path_int(esi_params *p, const char *name, int64_t value);

/**
 * @brief Adds a query parameter (percent-encoded; order kept). `page` is managed by the
 *        paginated calls and refused here.
 * @param p     the parameters.
 * @param name  the name.
 * @param value the value (copied).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe (modifies @p p).
 */
ERPLINK_EXTERN int esi_params_add_query(esi_params *p, const char *name, const char *value);

/**
 * @brief esi_params_add_query() with an integer.
 * @param p     the parameters.
 * @param name  the name.
 * @param value the value.
 * @return as esi_params_add_query(). Not thread-safe (modifies @p p).
 */
ERPLINK_EXTERN int esi_params_add_query_int(esi_params *p, const char *name, int64_t value);

/* ------------------------------------------------------------------ calls */

/**
 * @brief GETs one route (one page: the `page` the server defaults to), through the cache.
 *
 * The route is a template such as `"/markets/{region_id}/orders"`; every `{name}` must have
 * a path parameter. Cache rule: a cached page is returned without a request until its
 * `Expires` / `max-age`; after that it is revalidated with `If-None-Match` (a 304 refreshes
 * its expiry). Error limit: a response with `X-ESI-Error-Limit-Remain` at or below the floor,
 * or a 420, pauses every request of the client until the reset (erplink_http_client_pause_ms()).
 * Rate-limit groups: when `X-Ratelimit-Remaining` falls under 10 % of the group's limit,
 * requests of that route are spaced by window/limit (at most 10 s); a 429 waits for
 * `Retry-After` (retried by the transport when it is at most the transport's maximum, 120 s
 * by default).
 * @param out    receives the response; free it with esi_response_free().
 * @param c      the client.
 * @param route  the route template (must start with '/').
 * @param params path/query parameters, or NULL.
 * @param token  the character's credentials for authenticated routes, or NULL.
 * @return 0; ::ERPLINK_EINVAL (bad route or a missing path parameter); ::ERPLINK_ERATELIMIT
 *         (420 — the client is paused — or a 429 beyond the wait limit); ::ERPLINK_EAUTH (401);
 *         ::ERPLINK_EACCESS (403, e.g. a missing scope); ::ERPLINK_ENOTFOUND; other HTTP and
 *         transport errors; ::ERPLINK_ECANCELLED; ::ERPLINK_EPROTOCOL (not JSON). The message
 *         names the method, the route and ESI's `error` text. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_get(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                                  esi_token *token);

/**
 * @brief Creates a pager over every page of a paginated route (`X-Pages`), to pull page after
 *        page with esi_pager_next(). Nothing is sent here.
 *
 * The first esi_pager_next() fetches page 1 (it says how many pages there are); the later ones
 * deliver pages 2..N in page order while fetching ahead: one ::erplink_http_batch on the
 * calling thread keeps up to the client's concurrency requests in flight (HTTP/2 streams of one
 * connection when the server offers it, else parallel connections), never more than
 * 2 × concurrency pages ahead of the page last delivered, so memory holds about
 * 2 × concurrency pages whatever the number of pages. Each page goes through the cache, the
 * error and rate limits and the transport's retries as in esi_client_get() (a failing page is
 * retried alone while the others continue). All pages must carry the `Last-Modified` of page 1
 * (ESI refreshes a resource's cache for all its pages at once): see esi_pager_next() for what
 * a roll-over in the middle of the walk does.
 * @param out    receives the pager; free it with esi_pager_free().
 * @param c      the client (borrowed: it must outlive the pager; it may serve other threads
 *               and pagers meanwhile).
 * @param route  the route template.
 * @param params parameters without `page` (copied), or NULL.
 * @param token  credentials, or NULL (borrowed: it must outlive the pager).
 * @return 0; ::ERPLINK_EINVAL (NULL @p out, @p c or @p route, a bad route or a missing path
 *         parameter); ::ERPLINK_ENOMEM. Thread-safe (the new pager is then used by one thread
 *         at a time).
 */
ERPLINK_EXTERN int esi_pager_new(esi_pager **out, esi_client *c, const char *route, const esi_params *params,
                                 esi_token *token);

/**
 * @brief Delivers the next page.
 *
 * When a page's `Last-Modified` differs from page 1's, ESI refreshed its cache in the middle
 * of the walk and the pages delivered so far belong to an older version of the resource:
 * esi_pager_next() then fails with ::ERPLINK_ECONFLICT ("Last-Modified changed … call
 * esi_pager_next() again to walk the new version from page 1"). Calling it again starts the
 * walk over from page 1, revalidating every page (once); a second roll-over is final
 * (::ERPLINK_ECONFLICT again, "the cache keeps rolling over"). Any other error is final too:
 * the pages delivered stay delivered and later calls return the same code.
 * @param items receives the page's decoded array (borrowed from @p p: valid until the next
 *              call or esi_pager_free()), or NULL at the end (every page delivered; and on
 *              every call after it) and on failure.
 * @param page  receives the page number (1 .. esi_pager_pages()), 0 at the end or on failure.
 * @param p     the pager.
 * @return 0; ::ERPLINK_ECONFLICT (a roll-over, as above); the error of the page (the message
 *         names the page; as esi_client_get()); ::ERPLINK_ECANCELLED when a token pushed on the
 *         calling thread fired; ::ERPLINK_EINVAL (NULL argument). Not thread-safe: one thread at
 *         a time per pager.
 */
ERPLINK_EXTERN int esi_pager_next(const erplink_value **items, int *page, esi_pager *p);

/**
 * @brief The number of pages of the walk (`X-Pages` of page 1).
 * @param p the pager.
 * @return the count once the first esi_pager_next() fetched page 1; 0 before (and for NULL).
 *         Not thread-safe with esi_pager_next() on the same pager.
 */
ERPLINK_EXTERN int esi_pager_pages(const esi_pager *p);

/**
 * @brief The body of the page esi_pager_next() delivered last, as received: JSON text that
 *        decoded without error (into the items esi_pager_next() gave), for callers that build
 *        their own objects with a JSON parser of their own (a JavaScript engine's JSON.parse).
 * @param p   the pager.
 * @param len receives the length in bytes (0 when NULL is returned); may be NULL.
 * @return the text (borrowed from @p p, NUL-terminated, valid until the next esi_pager_next()
 *         or esi_pager_free()); NULL when the client does not keep bodies
 *         (esi_options_set_keep_json()), before the first page, at the end, or for NULL @p p.
 *         Not thread-safe with esi_pager_next() on the same pager.
 */
ERPLINK_EXTERN const char *esi_pager_json(const esi_pager *p, size_t *len);

/**
 * @brief Frees a pager, at the end or before it (stopping early is fine: the requests still
 *        in flight are abandoned). NULL is a no-op.
 * @param p the pager. Not thread-safe: no other thread may be using @p p.
 */
ERPLINK_EXTERN void esi_pager_free(esi_pager *p);

/**
 * @brief GETs every page of a paginated route (`X-Pages`) into one response, in page order: a
 *        loop over an ::esi_pager (page 1 first, then the others concurrently) without the
 *        read-ahead bound. All pages must carry the same `Last-Modified`; when they do not (ESI
 *        refreshed its cache in the middle), the whole set is fetched again once, revalidating
 *        every page.
 * @param out    receives the response (one value per page, see esi_response_item_at());
 *               free it with esi_response_free().
 * @param c      the client.
 * @param route  the route template.
 * @param params parameters (without `page`), or NULL.
 * @param token  credentials, or NULL.
 * @return as esi_client_get(); ::ERPLINK_ECONFLICT when the pages still disagree after the
 *         second fetch. A failing page fails the call (after the transport's retries) with
 *         the message naming the page. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_get_all_pages(esi_response **out, esi_client *c, const char *route,
                                            const esi_params *params, esi_token *token);

/**
 * @brief Called by esi_client_get_pages() for each page, in page order, on the thread that
 *        called esi_client_get_pages().
 *
 * When ESI refreshes its cache in the middle of the walk (a page's Last-Modified differs from
 * page 1's), the callback is called once with @p page 0 and @p items NULL: discard what was
 * received so far; the pages are then delivered again from page 1 (revalidated).
 * @param page     the page number (from 1), or 0 for "the set starts over".
 * @param pages    the number of pages.
 * @param items    the page's decoded array (valid during the call only), NULL when @p page is 0.
 * @param userdata as given.
 * @return 0 to go on, or a negative code to stop (returned by esi_client_get_pages()).
 */
typedef int (*esi_page_fn)(int page, int pages, const erplink_value *items, void *userdata);

/**
 * @brief Streams every page of a paginated route to @p fn in page order with bounded memory:
 *        a loop over an ::esi_pager (see esi_pager_new() for the concurrency, the read-ahead
 *        bound of about 2 × concurrency pages and the cache and limits). A Last-Modified
 *        roll-over restarts the walk once (see ::esi_page_fn); a second roll-over fails with
 *        ::ERPLINK_ECONFLICT.
 * @param c        the client.
 * @param route    the route template.
 * @param params   parameters, or NULL.
 * @param token    credentials, or NULL.
 * @param fn       the callback.
 * @param userdata passed to @p fn.
 * @return 0; ::ERPLINK_EINVAL (NULL argument); the error of the first page that failed (the
 *         message names the page); ::ERPLINK_ECONFLICT; ::ERPLINK_ECANCELLED; or the callback's
 *         code. Thread-safe (the callback runs on the calling thread).
 */
ERPLINK_EXTERN int esi_client_get_pages(esi_client *c, const char *route, const esi_params *params, esi_token *token,
                                        esi_page_fn fn, void *userdata);

/**
 * @brief POSTs a JSON body to a route (never cached, never retried after the request may
 *        have reached the server).
 * @param out    receives the response; free it with esi_response_free().
 * @param c      the client.
 * @param route  the route template.
 * @param params parameters, or NULL.
 * @param body   the JSON body (encoded with erplink_json_encode()).
 * @param token  credentials, or NULL.
 * @return as esi_client_get(); ::ERPLINK_EVALIDATION for a 400/422. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_post(esi_response **out, esi_client *c, const char *route, const esi_params *params,
                                   const erplink_value *body, esi_token *token);

/* ------------------------------------------------------------------ response */

/**
 * @brief Frees a response (NULL is a no-op).
 * @param r the response. Not thread-safe: no other thread may be reading @p r.
 */
ERPLINK_EXTERN void esi_response_free(esi_response *r);

/**
 * @brief The decoded body of the first (or only) page (for a 304, the cached body).
 * @param r the response.
 * @return a tree owned by @p r, or NULL. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *esi_response_value(const esi_response *r);

/**
 * @brief The number of pages held (1 for a single call).
 * @param r the response.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t esi_response_page_count(const esi_response *r);

/**
 * @brief The decoded body of page @p i + 1.
 * @param r the response.
 * @param i 0 .. esi_response_page_count() - 1.
 * @return a tree owned by @p r, or NULL when @p i is out of range. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *esi_response_page_at(const esi_response *r, size_t i);

/**
 * @brief How page @p i + 1 was obtained.
 * @param r the response.
 * @param i the page index.
 * @return an ::esi_cache_status (::ESI_CACHE_MISS when out of range). Thread-safe.
 */
ERPLINK_EXTERN esi_cache_status esi_response_page_cache_status(const esi_response *r, size_t i);

/**
 * @brief The body of page @p i as received (JSON text that decoded into esi_response_page_at()),
 *        when the client keeps bodies (esi_options_set_keep_json()).
 * @param r   the response.
 * @param i   the page index (0-based).
 * @param len receives the length in bytes (0 when NULL is returned); may be NULL.
 * @return the NUL-terminated text, borrowed from @p r (valid until esi_response_free()); NULL
 *         when bodies are not kept, @p i is out of range or @p r is NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *esi_response_page_json(const esi_response *r, size_t i, size_t *len);

/**
 * @brief The total number of array items over all pages.
 * @param r the response.
 * @return the count (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN size_t esi_response_item_count(const esi_response *r);

/**
 * @brief The @p i-th array item over all pages, in page order.
 * @param r the response.
 * @param i 0 .. esi_response_item_count() - 1.
 * @return a tree owned by @p r, or NULL when @p i is out of range. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *esi_response_item_at(const esi_response *r, size_t i);

/**
 * @brief The HTTP status of the first page (200, 201, or 304 when revalidated; 200 for a cache hit).
 * @param r the response.
 * @return the status (0 for NULL). Thread-safe.
 */
ERPLINK_EXTERN int esi_response_status(const esi_response *r);

/**
 * @brief How the first page was obtained.
 * @param r the response.
 * @return an ::esi_cache_status. Thread-safe.
 */
ERPLINK_EXTERN esi_cache_status esi_response_cache_status(const esi_response *r);

/**
 * @brief The number of HTTP requests the call made, retries included (0 when everything came
 *        from the cache).
 * @param r the response.
 * @return the count. Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_response_requests(const esi_response *r);

/**
 * @brief The first page's `ETag`.
 * @param r the response.
 * @return a string owned by @p r, or NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *esi_response_etag(const esi_response *r);

/**
 * @brief The `Last-Modified` shared by the pages.
 * @param r the response.
 * @return a string owned by @p r, or NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *esi_response_last_modified(const esi_response *r);

/**
 * @brief When the first page expires from the cache, in ms since 1970.
 * @param r the response.
 * @return the time (0 when unknown). Thread-safe.
 */
ERPLINK_EXTERN int64_t esi_response_expires_ms(const esi_response *r);

/**
 * @brief `X-Pages` of the first page.
 * @param r the response.
 * @return the count (1 when absent). Thread-safe.
 */
ERPLINK_EXTERN int esi_response_pages(const esi_response *r);

/**
 * @brief The error-limit headers of the last request made for this response that carried
 *        them. Thread-safe.
 * @param remain  receives `X-ESI-Error-Limit-Remain` or -1; may be NULL.
 * @param reset_s receives `X-ESI-Error-Limit-Reset` or -1; may be NULL.
 * @param r       the response.
 */
ERPLINK_EXTERN void esi_response_error_limit(int *remain, int *reset_s, const esi_response *r);

/**
 * @brief The rate-limit headers of the first page's request. Thread-safe.
 * @param group     receives `X-Ratelimit-Group` (owned by @p r) or NULL; may be NULL.
 * @param limit     receives `X-Ratelimit-Limit` such as "150/15m" (owned by @p r) or NULL; may be NULL.
 * @param remaining receives `X-Ratelimit-Remaining` or -1; may be NULL.
 * @param used      receives `X-Ratelimit-Used` or -1; may be NULL.
 * @param r         the response.
 */
ERPLINK_EXTERN void esi_response_rate_limit(const char **group, const char **limit, int64_t *remaining, int64_t *used,
                                            const esi_response *r);

/* ------------------------------------------------------------------ typed helpers */

/**
 * @brief `GET /characters/{character_id}/assets`, every page (scope esi-assets.read_assets.v1).
 *        Items: item_id, type_id, quantity, location_id, location_type, location_flag,
 *        is_singleton, is_blueprint_copy (optional).
 * @param out          receives the response; free it with esi_response_free().
 * @param c            the client.
 * @param token        the character's credentials.
 * @param character_id the character.
 * @return as esi_client_get_all_pages(). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_character_assets(esi_response **out, esi_client *c, esi_token *token,
                                               int64_t character_id);

/**
 * @brief `GET /markets/{region_id}/orders`, every page (public).
 * @param out        receives the response; free it with esi_response_free().
 * @param c          the client.
 * @param region_id  e.g. 10000002 (The Forge).
 * @param order_type "buy", "sell", "all", or NULL for "all".
 * @param type_id    an item type to filter on (one page), or 0 for every type.
 * @return as esi_client_get_all_pages(); ::ERPLINK_EINVAL for a bad order type. Thread-safe.
 */
ERPLINK_EXTERN int esi_client_market_orders(esi_response **out, esi_client *c, int64_t region_id,
                                            const char *order_type, int64_t type_id);

/** @brief Decoded blueprint kinds (from `quantity`: -1 original, -2 copy, > 0 a stack of originals). */
typedef enum esi_blueprint_kind {
  ESI_BLUEPRINT_UNKNOWN = 0,  /**< not a blueprint item, or an unexpected quantity */
  ESI_BLUEPRINT_ORIGINAL = 1, /**< a single original (quantity -1; runs -1 = unlimited) */
  ESI_BLUEPRINT_COPY = 2,     /**< a copy (quantity -2; runs = runs left) */
  ESI_BLUEPRINT_STACK = 3     /**< a stack of originals (quantity > 0) */
} esi_blueprint_kind;

/**
 * @brief `GET /characters/{character_id}/blueprints`, every page (scope
 *        esi-characters.read_blueprints.v1). Decode each item with esi_blueprint_kind_of().
 * @param out          receives the response; free it with esi_response_free().
 * @param c            the client.
 * @param token        the character's credentials.
 * @param character_id the character.
 * @return as esi_client_get_all_pages(). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_character_blueprints(esi_response **out, esi_client *c, esi_token *token,
                                                   int64_t character_id);

/**
 * @brief Decodes a blueprint item's `quantity` (a pure function: it cannot fail).
 * @param item one item of esi_client_character_blueprints().
 * @return an ::esi_blueprint_kind (::ESI_BLUEPRINT_UNKNOWN for NULL). Thread-safe.
 */
ERPLINK_EXTERN esi_blueprint_kind esi_blueprint_kind_of(const erplink_value *item);

/**
 * @brief `GET /characters/{character_id}/wallet/transactions`, walking `from_id` backwards
 *        (newest first) until nothing older comes (scope esi-wallet.read_character_wallet.v1).
 *        The result holds one value per batch; esi_response_item_at() walks every transaction
 *        once, newest first (the record named by `from_id`, repeated by ESI, is skipped).
 * @param out          receives the response; free it with esi_response_free().
 * @param c            the client.
 * @param token        the character's credentials.
 * @param character_id the character.
 * @param from_id      start at this transaction id (inclusive), or 0 for the newest.
 * @param max_batches  stop after this many requests (1 .. 100000).
 * @return as esi_client_get(). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_wallet_transactions(esi_response **out, esi_client *c, esi_token *token,
                                                  int64_t character_id, int64_t from_id, int max_batches);

/** @brief One mail recipient. */
typedef struct esi_mail_recipient {
  int64_t recipient_id;       /**< the id */
  const char *recipient_type; /**< "alliance", "character", "corporation" or "mailing_list" */
} esi_mail_recipient;

/**
 * @brief `POST /characters/{character_id}/mail` (scope esi-mail.send_mail.v1). Validated
 *        before sending: 1–50 recipients with a valid type and positive id, a subject of at
 *        most 1000 characters and a body of at most 10000 (characters = Unicode code points,
 *        valid UTF-8 required), approved_cost >= 0.
 * @param mail_id       receives the new mail's id (the 201 body).
 * @param c             the client.
 * @param token         the sender's credentials.
 * @param character_id  the sender.
 * @param recipients    the recipients.
 * @param n_recipients  their number.
 * @param subject       the subject.
 * @param body          the body (EVE mail markup allowed).
 * @param approved_cost CSPA charge the sender accepts (0 by default).
 * @return 0; ::ERPLINK_EINVAL (validation; the message says which rule); errors of
 *         esi_client_post(); ::ERPLINK_EPROTOCOL (the 201 body is not an integer). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_send_mail(int64_t *mail_id, esi_client *c, esi_token *token, int64_t character_id,
                                        const esi_mail_recipient *recipients, size_t n_recipients, const char *subject,
                                        const char *body, int64_t approved_cost);

/**
 * @brief `POST /universe/names` for any number of ids: duplicates are dropped, the rest sent
 *        in chunks of at most 1000, concurrently (one ::erplink_http_batch on the calling
 *        thread, up to the client's concurrency). ESI fails a whole chunk with 404 when one
 *        id is invalid: such a chunk is bisected (its halves join the batch) until the invalid
 *        ids are isolated, and they are reported instead of failing the call.
 * @param out        receives the response: one value per successful request, in increasing id
 *                   order of their first id, items `{id, name, category}` (walk them with
 *                   esi_response_item_at()).
 * @param invalid    receives the invalid ids in increasing order (free with erplink_free();
 *                   NULL when none); may be NULL.
 * @param n_invalid  receives their number; may be NULL.
 * @param c          the client.
 * @param ids        the ids.
 * @param n_ids      their number (>= 1).
 * @return 0 (also when some ids were invalid); ::ERPLINK_EINVAL; other errors of
 *         esi_client_post() (the first failing chunk's). Thread-safe.
 */
ERPLINK_EXTERN int esi_client_universe_names(esi_response **out, int64_t **invalid, size_t *n_invalid, esi_client *c,
                                             const int64_t *ids, size_t n_ids);

ERPLINK_END_DECLS

#endif /* ERPLINK_ESI_CLIENT_H */
