/**
 * @file erplink/store.h
 * @brief Durable state: a store file over SQLite, and three pieces built on it, each behind
 *        an interface a caller can implement over a shared store of its own — event
 *        deduplication (::erplink_dedup), a size-bounded blob cache (::erplink_blob_cache,
 *        used by the ESI HTTP cache) and a keyed outbox with leases, retries and dead letters
 *        (::erplink_outbox, flushed to Cartona by cartona_outbox_flush()).
 *
 * @par The store file
 * erplink_store_open() opens (or creates) one SQLite database file that a caller names. It
 * runs in WAL mode with `synchronous=NORMAL` (or `FULL`, see erplink_store_options_set_sync()),
 * may be used from several threads at once (a small pool of connections; writers of one
 * process queue on a mutex) and by several processes on the same machine at once (SQLite's
 * file locks; the file must be on a local file system: WAL needs shared memory, so never
 * on NFS/SMB). A lock held by another connection is waited for (a busy handler with short
 * sleeps, the transaction retried) up to the busy timeout: `SQLITE_BUSY` never reaches the
 * caller; only a lock held longer than the timeout ends in ::ERPLINK_ECONFLICT (retryable).
 * Several dedups, caches and outboxes may share one file: each has a name.
 *
 * @par Durability (what a crash can lose)
 * Every function that changes state returns only after its transaction committed.
 * - A **process crash** (SIGKILL, abort, OOM kill) loses nothing that was acknowledged (a
 *   call that returned 0): the committed transaction is in the WAL file, in the operating
 *   system's cache, whatever the sync level. A transaction cut short by the crash is rolled
 *   back when the file is next opened: a change is either wholly there or not at all.
 * - A **power loss or kernel crash** with the default ::ERPLINK_STORE_SYNC_NORMAL may lose the
 *   transactions committed since the last checkpoint: in WAL mode with `synchronous=NORMAL`,
 *   SQLite syncs the WAL only before each checkpoint (after about 1000 pages of changes, and
 *   at close), not at each commit. The operating system usually writes the WAL out within
 *   about half a minute anyway, but only a sync guarantees it. The file is never corrupted:
 *   it comes back as it was at an earlier commit (WAL frames are checksummed; a torn tail is
 *   discarded), so what survives is a prefix of the history. A lost dedup record means a
 *   redelivered event may be accepted once more; a lost outbox enqueue means the change is
 *   not sent (the caller's source of truth, e.g. the Odoo stock level, still has it); a lost
 *   outcome means an item is sent again (updates are idempotent). With
 *   ::ERPLINK_STORE_SYNC_FULL every commit is synced (`fsync`) before the call returns: a
 *   power loss loses nothing acknowledged either, at the cost of one sync per
 *   transaction (a few hundred per second on an SSD).
 *
 * @par Bad files
 * Each gives a typed error from erplink_store_open(), and the file is left untouched:
 * a directory or another non-regular file (::ERPLINK_ESTORE), a file that cannot be written
 * (read-only file, or a directory where the `-wal`/`-shm` companions cannot be created:
 * ::ERPLINK_ESTORE; erplink needs write access even to read), garbage or a truncated
 * database (::ERPLINK_ESTORE_CORRUPT), an SQLite database of another program
 * (::ERPLINK_ESTORE_CORRUPT), a store written by a newer erplink whose schema this library
 * does not know (::ERPLINK_ESTORE_VERSION). A **zero-length file** is taken as a new store
 * and initialised: SQLite creates a database file empty and writes its first page with the
 * first transaction, so a process killed during its very first open leaves exactly that; an
 * empty file holds no state to lose. Damage SQLite finds later (a page that fails its checks)
 * makes the call that touched it fail with ::ERPLINK_ESTORE_CORRUPT; erplink_store_check()
 * verifies the whole file on demand.
 *
 * @par Schema
 * The schema is versioned (`PRAGMA user_version`, ::ERPLINK_STORE_SCHEMA_VERSION) and tagged
 * as erplink's (`PRAGMA application_id`). Opening a file with an older schema migrates it in
 * one transaction (two processes opening it at once is safe: the second sees the result).
 *
 * @par Interfaces over other stores
 * ::erplink_dedup_ops and ::erplink_outbox_ops are storage primitives (insert-if-absent,
 * upsert, claim, record an outcome, list, count...) that a caller implements over a shared
 * store of its own: the Odoo addons over PostgreSQL through the ORM, a fleet over Redis or
 * PostgreSQL. The policy stays in erplink: TTLs and size bounds, leases and generations,
 * backoff, dead-letter thresholds. Each primitive returns 0 or a negative `ERPLINK_E*` code
 * (set a message with erplink_error_set()); `userdata` comes last.
 *
 * @par Thread safety
 * ::erplink_store, ::erplink_dedup, ::erplink_blob_cache and ::erplink_outbox are thread-safe
 * (for the custom backends: as thread-safe as the caller's ops). Options objects and
 * ::erplink_outbox_batch are not thread-safe to modify. Objects must not be used in a child
 * process after `fork()`: open the store again in the child (a use is detected and refused
 * with ::ERPLINK_EINVAL).
 */
#ifndef ERPLINK_STORE_H
#define ERPLINK_STORE_H

#include "common.h"
#include "error.h"

ERPLINK_BEGIN_DECLS

/* ================================================================ store file */

/** @brief The schema version this library writes (and the newest it can read). */
#define ERPLINK_STORE_SCHEMA_VERSION 1

/** @brief One SQLite store file (opaque). Thread-safe. */
typedef struct erplink_store erplink_store;
/** @brief How a store is opened (opaque). Not thread-safe to modify. */
typedef struct erplink_store_options erplink_store_options;

/** @brief When a commit is synced to disk (see the file documentation, "Durability"). */
typedef enum erplink_store_sync {
  ERPLINK_STORE_SYNC_NORMAL =
      1, /**< `synchronous=NORMAL`: no sync per commit; a power loss may lose the last commits, a process crash nothing (default) */
  ERPLINK_STORE_SYNC_FULL = 2 /**< `synchronous=FULL`: every commit is synced before the call returns */
} erplink_store_sync;

/**
 * @brief Creates store options with the defaults: create the file if missing, busy timeout
 *        10 s, ::ERPLINK_STORE_SYNC_NORMAL, up to 4 connections.
 * @param out receives the options; free them with erplink_store_options_free().
 * @return 0, ::ERPLINK_EINVAL (NULL @p out) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_store_options_new(erplink_store_options **out);

/** @brief Frees store options (NULL is a no-op). @param o the options. Thread-safe. */
ERPLINK_EXTERN void erplink_store_options_free(erplink_store_options *o);

/**
 * @brief Whether erplink_store_open() creates a missing file (default 1). With 0, a missing
 *        file is ::ERPLINK_ENOTFOUND.
 * @param o      the options.
 * @param create 1 or 0.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_store_options_set_create(erplink_store_options *o, int create);

/**
 * @brief How long one call waits, in total, for a lock held by another connection or process
 *        before failing with ::ERPLINK_ECONFLICT (default 10,000 ms).
 * @param o  the options.
 * @param ms 1 .. 3,600,000.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_store_options_set_busy_timeout_ms(erplink_store_options *o, int64_t ms);

/**
 * @brief Sets when commits are synced to disk (default ::ERPLINK_STORE_SYNC_NORMAL).
 * @param o    the options.
 * @param sync an ::erplink_store_sync.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_store_options_set_sync(erplink_store_options *o, erplink_store_sync sync);

/**
 * @brief The most SQLite connections the store opens (default 4; opened on first need).
 *        Readers run in parallel on separate connections; writers of one process take turns.
 *        1 gives one connection behind a mutex.
 * @param o the options.
 * @param n 1 .. 64.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_store_options_set_max_connections(erplink_store_options *o, int n);

/**
 * @brief Opens (or creates) a store file, checks it and migrates its schema.
 * @param out  receives the store; close it with erplink_store_close(). NULL on failure.
 * @param path the file's path (UTF-8; its directory must be writable for the `-wal` and
 *             `-shm` companions). ":memory:" and "" are refused: use the memory backends.
 * @param o    options, or NULL for the defaults (copied).
 * @return 0; ::ERPLINK_EINVAL (NULL or refused path); ::ERPLINK_ENOTFOUND (missing file with
 *         create off); ::ERPLINK_ESTORE (a directory, not a regular file, not writable, cannot
 *         be created, I/O error, disk full); ::ERPLINK_ESTORE_CORRUPT (garbage, truncated, a
 *         database of another program); ::ERPLINK_ESTORE_VERSION (written by a newer erplink);
 *         ::ERPLINK_ECONFLICT (locked by another process beyond the busy timeout);
 *         ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_store_open(erplink_store **out, const char *path, const erplink_store_options *o);

/**
 * @brief Closes a store (NULL is a no-op). Every dedup, cache and outbox made over it must be
 *        freed first.
 * @param st the store. Not thread-safe: no other call on @p st may be running.
 */
ERPLINK_EXTERN void erplink_store_close(erplink_store *st);

/**
 * @brief The path the store was opened with.
 * @param st the store.
 * @return a string owned by @p st ("" for NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_store_path(const erplink_store *st);

/**
 * @brief Verifies the whole file (SQLite's `PRAGMA quick_check`: reads every page; takes
 *        about a second per few hundred megabytes).
 * @param st the store.
 * @return 0 when sound, ::ERPLINK_ESTORE_CORRUPT with SQLite's first finding, or another
 *         store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_store_check(erplink_store *st);

/* ================================================================ dedup */

/**
 * @brief A bounded memory of recently seen ids, such as webhook event ids (opaque). Thread-safe.
 *
 * erplink_dedup_seen() records an id and tells whether it had been recorded within the TTL;
 * the TTL runs from the first recording. Three backends behave the same way:
 * - **memory** (erplink_dedup_new_memory()): per process, lost at exit; a fixed table of
 *   `capacity` entries allocated up front (about 56 bytes each) plus one allocation per id;
 *   O(1) per call (a hash table keyed with a random SipHash key, so chosen ids cannot
 *   degrade it, and a FIFO in recording order); when full, the oldest id is evicted.
 * - **SQLite** (erplink_dedup_new_sqlite()): survives restarts and is shared by the
 *   processes and threads using the file. erplink_dedup_seen() is one atomic
 *   insert-if-absent: two processes given the same id at the same moment get exactly one
 *   "new". Expired ids are purged every `capacity / 16` recordings (at least every 16); the
 *   oldest ids are then deleted beyond `capacity`, so the table holds at most
 *   `capacity + capacity / 16 + 16` ids.
 * - **custom** (erplink_dedup_new_custom()): your ::erplink_dedup_ops over a shared store;
 *   erplink computes the expiry times and decides when to purge.
 *
 * An id is forgotten when its TTL elapsed, or earlier when more than `capacity` newer ids
 * arrived: a redelivery arriving after that is accepted again. Size the capacity for the
 * event rate × the TTL (Razorpay retries for 24 hours).
 *
 * @par Pattern: seen → process → on failure forget
 * @code
 * int seen = 0;
 * if (erplink_dedup_seen(&seen, d, event_id, -1) != 0) return 503;  // store trouble: let it retry
 * if (seen) return 200;                                            // duplicate: acknowledge only
 * if (process(event) != 0) {
 *   erplink_dedup_forget(NULL, d, event_id);                       // so that the retry is processed
 *   return 500;
 * }
 * return 200;
 * @endcode
 * The record is committed before erplink_dedup_seen() returns, so an id is never accepted
 * twice, also across a crash — which makes the guarantee *at most once*: if the process dies
 * after "new" and before the work is committed, the redelivery is refused. When that matters
 * (creating a sale order), record the id in the same transaction as the work: implement
 * ::erplink_dedup_ops over the database that holds the work (the Odoo addons do so), or keep
 * a unique key on the event id there.
 */
typedef struct erplink_dedup erplink_dedup;

/** @brief The longest id erplink_dedup_seen() accepts, in bytes. */
#define ERPLINK_DEDUP_MAX_ID 1024

/**
 * @brief Storage primitives of a custom dedup backend (see erplink_dedup_new_custom()).
 *
 * Each returns 0 or a negative `ERPLINK_E*` code (with erplink_error_set() for the message).
 * They are called from the threads that call the ::erplink_dedup functions, possibly several
 * at once: make them thread-safe or use the dedup from one thread.
 */
typedef struct erplink_dedup_ops {
  /** @brief Atomically: if @p id is absent, or present with an expiry <= @p now_ms, store it
   *         with expiry @p expires_at_ms and set `*inserted = 1`; otherwise change nothing and
   *         set `*inserted = 0`. Must be atomic across every process sharing the store (an
   *         `INSERT ... ON CONFLICT DO UPDATE ... WHERE expires <= now`, a Redis `SET NX` with
   *         an expiry). Required. */
  int (*insert_if_absent)(int *inserted, const char *id, int64_t expires_at_ms, int64_t now_ms, void *userdata);
  /** @brief Deletes @p id; `*removed` = 1 if it was there, else 0. Required. */
  int (*remove)(int *removed, const char *id, void *userdata);
  /** @brief Deletes the ids whose expiry is <= @p now_ms, then, if more than @p max_entries
   *         remain, those expiring first until @p max_entries remain. May be NULL (a store that
   *         expires entries itself, e.g. Redis). */
  int (*purge)(int64_t now_ms, size_t max_entries, void *userdata);
  /** @brief Counts the ids whose expiry is > @p now_ms. May be NULL (erplink_dedup_count()
   *         then fails with ::ERPLINK_EINVAL). */
  int (*count)(size_t *count, int64_t now_ms, void *userdata);
  /** @brief Called once by erplink_dedup_free(). May be NULL. */
  void (*destroy)(void *userdata);
} erplink_dedup_ops;

/**
 * @brief Creates an in-memory dedup (per process, not persisted).
 * @param out      receives it; free it with erplink_dedup_free(). NULL on failure.
 * @param capacity the most ids kept, 1 to 16,777,216 (memory is allocated up front).
 * @param ttl_ms   how long an id is remembered after it was recorded (> 0).
 * @return 0, ::ERPLINK_EINVAL (NULL @p out, capacity or TTL out of range), ::ERPLINK_ENOMEM,
 *         ::ERPLINK_ESERVER (no random key available). Thread-safe.
 */
ERPLINK_EXTERN int erplink_dedup_new_memory(erplink_dedup **out, size_t capacity, int64_t ttl_ms);

/**
 * @brief Creates a dedup in a store file, shared by every process and thread using it.
 * @param out      receives it; free it with erplink_dedup_free(). NULL on failure.
 * @param st       the store (borrowed: it must outlive the dedup).
 * @param name     the dedup's name in the file (1 to 200 bytes of UTF-8, e.g.
 *                 "razorpay.events"): dedups of other names are independent.
 * @param capacity the most ids kept, 1 to 1,000,000,000 (see ::erplink_dedup for the bound).
 * @param ttl_ms   how long an id is remembered after it was recorded (> 0).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error (::ERPLINK_ESTORE...). Thread-safe.
 */
ERPLINK_EXTERN int erplink_dedup_new_sqlite(erplink_dedup **out, erplink_store *st, const char *name, size_t capacity,
                                            int64_t ttl_ms);

/**
 * @brief Creates a dedup over your own storage primitives.
 * @param out      receives it; free it with erplink_dedup_free(). NULL on failure.
 * @param capacity passed to `purge` as its bound (1 to 1,000,000,000).
 * @param ttl_ms   how long an id is remembered (> 0): erplink passes `now + ttl_ms` as the expiry.
 * @param ops      the primitives (copied; `insert_if_absent` and `remove` are required).
 * @param userdata passed to every primitive (must outlive the dedup).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_dedup_new_custom(erplink_dedup **out, size_t capacity, int64_t ttl_ms,
                                            const erplink_dedup_ops *ops, void *userdata);

/**
 * @brief Frees a dedup (NULL is a no-op); calls the custom `destroy`.
 * @param d the dedup. Not thread-safe: no other call on @p d may be running.
 */
ERPLINK_EXTERN void erplink_dedup_free(erplink_dedup *d);

/**
 * @brief Checks and records an id.
 *
 * If @p id was recorded less than the TTL ago, sets `*seen_before = 1` and changes nothing.
 * Otherwise records it (committed before the call returns) and sets `*seen_before = 0`.
 * @param seen_before receives 1 (a duplicate) or 0 (new, now recorded); untouched on failure.
 * @param d           the dedup.
 * @param id          the NUL-terminated id (copied), 1 to ::ERPLINK_DEDUP_MAX_ID bytes.
 * @param now_ms      the current time in ms since 1970, or a negative value for the system's
 *                    wall clock. Tests inject a clock here; use one clock for every call.
 * @return 0; ::ERPLINK_EINVAL (NULL argument, empty or overlong id); ::ERPLINK_ENOMEM; a store
 *         error (then nothing is known about the id: answer so that the sender retries).
 *         Thread-safe.
 */
ERPLINK_EXTERN int erplink_dedup_seen(int *seen_before, erplink_dedup *d, const char *id, int64_t now_ms);

/**
 * @brief Forgets an id, e.g. when processing a new event failed after erplink_dedup_seen()
 *        recorded it, so that the sender's retry is processed.
 * @param forgotten receives 1 if the id was recorded (and is now forgotten), 0 if not; may be NULL.
 * @param d         the dedup.
 * @param id        the NUL-terminated id.
 * @return 0, ::ERPLINK_EINVAL (NULL argument, empty or overlong id) or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_dedup_forget(int *forgotten, erplink_dedup *d, const char *id);

/**
 * @brief The number of ids recorded and not expired at @p now_ms (for the memory backend:
 *        recorded ids not evicted yet, expired ones included until a later call drops them).
 * @param count  receives the count.
 * @param d      the dedup.
 * @param now_ms the current time (as for erplink_dedup_seen()).
 * @return 0, ::ERPLINK_EINVAL (NULL argument, or a custom backend without `count`) or a store
 *         error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_dedup_count(size_t *count, erplink_dedup *d, int64_t now_ms);

/* ================================================================ blob cache */

/**
 * @brief A size-bounded cache of blobs by key in a store file (opaque). Thread-safe.
 *
 * Shared by every process and thread using the file, and kept across restarts. The total
 * size (keys + values) is bounded by `max_bytes`: when a put would exceed it, the least
 * recently used blobs are evicted until 10 % of the bound is free again (use times are
 * recorded with a granularity of a few seconds, so that reads stay reads). A blob larger
 * than the bound is not stored. Each blob carries a checksum of its key and value: a blob
 * that fails it (damaged file) is dropped and reported absent — a cache never hands out
 * wrong bytes.
 */
typedef struct erplink_blob_cache erplink_blob_cache;

/** @brief The longest key a blob cache accepts, in bytes. */
#define ERPLINK_BLOB_CACHE_MAX_KEY 4096

/**
 * @brief Creates a blob cache in a store file.
 * @param out       receives it; free it with erplink_blob_cache_free(). NULL on failure.
 * @param st        the store (borrowed: it must outlive the cache).
 * @param name      the cache's name in the file (1 to 200 bytes of UTF-8, e.g. "esi").
 * @param max_bytes the size bound, 1 .. 2^62; every process using the cache should pass the
 *                  same bound (each enforces its own on the puts it makes).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_blob_cache_new(erplink_blob_cache **out, erplink_store *st, const char *name,
                                          size_t max_bytes);

/**
 * @brief Frees a blob cache (NULL is a no-op); the blobs stay in the file.
 * @param c the cache. Not thread-safe: no other call on @p c may be running.
 */
ERPLINK_EXTERN void erplink_blob_cache_free(erplink_blob_cache *c);

/**
 * @brief Finds a blob.
 * @param found receives 1 (found: `*data` and `*len` set) or 0 (absent).
 * @param data  receives a copy (free it with erplink_free()), NULL when absent.
 * @param len   receives its length.
 * @param c     the cache.
 * @param key   the NUL-terminated key, 1 to ::ERPLINK_BLOB_CACHE_MAX_KEY bytes.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_blob_cache_get(int *found, void **data, size_t *len, erplink_blob_cache *c, const char *key);

/**
 * @brief Stores (replaces) a blob, evicting the least recently used ones if needed.
 * @param c    the cache.
 * @param key  the NUL-terminated key, 1 to ::ERPLINK_BLOB_CACHE_MAX_KEY bytes.
 * @param data the bytes (copied; may be NULL when @p len is 0).
 * @param len  their length.
 * @return 0 (also when the blob is larger than the bound and therefore not stored),
 *         ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_blob_cache_put(erplink_blob_cache *c, const char *key, const void *data, size_t len);

/**
 * @brief Removes a blob.
 * @param removed receives 1 if it was there, else 0; may be NULL.
 * @param c       the cache.
 * @param key     the key.
 * @return 0, ::ERPLINK_EINVAL or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_blob_cache_remove(int *removed, erplink_blob_cache *c, const char *key);

/**
 * @brief Evicts the least recently used blobs until at most @p target_bytes remain
 *        (0 empties the cache).
 * @param c            the cache.
 * @param target_bytes the size to get down to.
 * @return 0, ::ERPLINK_EINVAL (NULL @p c) or a store error (::ERPLINK_ESTORE, ::ERPLINK_ECONFLICT
 *         when the file stays locked). Thread-safe.
 */
ERPLINK_EXTERN int erplink_blob_cache_evict(erplink_blob_cache *c, size_t target_bytes);

/**
 * @brief The cache's current size and number of blobs (all processes' puts included).
 * @param bytes receives the total of keys + values; may be NULL.
 * @param count receives the number of blobs; may be NULL.
 * @param c     the cache.
 * @return 0, ::ERPLINK_EINVAL or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_blob_cache_size(size_t *bytes, size_t *count, erplink_blob_cache *c);

/* ================================================================ outbox */

/**
 * @brief A durable queue of keyed items with leases, retries and dead letters (opaque). Thread-safe.
 *
 * @par Items
 * An item is a key (e.g. a product id) and a payload (bytes, e.g. the JSON of one update).
 * The **latest value per key wins**: erplink_outbox_enqueue() of a key already waiting
 * replaces its payload, so 100 stock changes of one product leave one item with the last
 * quantity. Enqueueing a key that is being sent (leased) keeps the new value aside: it is
 * delivered after the current attempt, whatever its outcome — never lost, never overwritten
 * by the older value's outcome.
 *
 * @par States (::erplink_outbox_state)
 * pending (due now, or waiting for a retry time) → leased (claimed by a worker until
 * `now + lease_ms`) → done, or back to pending for a retry, or dead. Enqueueing a key that
 * is done or dead makes it pending again with the new payload (a new value supersedes a
 * dead letter; its attempt count starts over).
 *
 * @par Leases and generations
 * erplink_outbox_claim() leases up to N due items and gives each a new **generation**. An
 * outcome is recorded only if the item still has that generation and is leased: a worker
 * that died mid-flush leaves its items leased until the lease expires, then the next claim
 * takes them again (and counts the attempt); a late outcome from an expired lease whose
 * item was claimed again is ignored (counted as stale), so it cannot overwrite anything newer.
 *
 * @par Policy (erplink_outbox_options)
 * Each claim counts an attempt. A retryable failure (erplink_error_retryable() of its code,
 * or erplink_outbox_batch_retry()) waits `min(cap, base × 2^(attempt-1))`, less up to
 * `jitter` of it chosen at random, and at least the server's retry-after; after
 * `max_attempts` attempts the item becomes a **dead letter** with its last reason. A
 * non-retryable failure (the server rejected the data) is a dead letter at once: the same
 * payload would be rejected again. An item whose lease expired more than `max_attempts`
 * times (a worker dying on it) becomes a dead letter at its next claim. Done items are kept
 * for `done_retention_ms` (counted as done), then purged.
 *
 * @par At least once
 * An item is delivered at least once: if the worker dies after the server accepted an item
 * and before the outcome was recorded, the item is sent again when its lease expires
 * (Cartona's bulk updates are idempotent). An item is never reported done unless its
 * outcome was recorded by the worker that sent it.
 */
typedef struct erplink_outbox erplink_outbox;
/** @brief Outbox policy (opaque). Not thread-safe to modify. */
typedef struct erplink_outbox_options erplink_outbox_options;
/** @brief Claimed (or listed) items with their outcomes (opaque). Not thread-safe. */
typedef struct erplink_outbox_batch erplink_outbox_batch;
/** @brief One item of a batch (opaque, owned by the batch). */
typedef struct erplink_outbox_item erplink_outbox_item;
/** @brief Where a custom `claim` or `list` primitive hands its rows (opaque). */
typedef struct erplink_outbox_sink erplink_outbox_sink;

/** @brief The longest outbox key, in bytes. */
#define ERPLINK_OUTBOX_MAX_KEY 1024
/** @brief The largest outbox payload, in bytes (16 MiB). */
#define ERPLINK_OUTBOX_MAX_PAYLOAD ((size_t)16 << 20)

/** @brief The state of an outbox item (as counted and listed). */
typedef enum erplink_outbox_state {
  ERPLINK_OUTBOX_PENDING = 0,    /**< waiting and due now */
  ERPLINK_OUTBOX_RETRY_WAIT = 1, /**< waiting for its retry time (pending, due later) */
  ERPLINK_OUTBOX_LEASED = 2,     /**< claimed by a worker (also when the lease has expired and no claim took it yet) */
  ERPLINK_OUTBOX_DEAD = 3,       /**< a dead letter: given up, with the last reason */
  ERPLINK_OUTBOX_DONE = 4        /**< delivered (kept for the retention time) */
} erplink_outbox_state;

/** @brief An outcome handed to the custom `finish` primitive. */
typedef enum erplink_outbox_outcome {
  ERPLINK_OUTBOX_OUTCOME_DONE = 1,   /**< delivered: done (or pending again with the newer payload kept aside) */
  ERPLINK_OUTBOX_OUTCOME_RETRY = 2,  /**< failed: pending again, due at `ready_at_ms`, error kept */
  ERPLINK_OUTBOX_OUTCOME_DEAD = 3,   /**< failed for good: dead letter (or pending again with the newer payload) */
  ERPLINK_OUTBOX_OUTCOME_RELEASE = 4 /**< not attempted: pending again, due at `ready_at_ms`, the attempt not counted */
} erplink_outbox_outcome;

/**
 * @brief Storage primitives of a custom outbox backend (see erplink_outbox_new_custom()).
 *
 * A row holds: key, state (pending / leased / dead / done), payload, a *newer payload* slot
 * (set while leased), generation, attempts, a due time (`ready`: when a pending row is due or
 * a lease expires; none for dead and done rows), the time it entered its state, and the last
 * error (code and message). Each primitive returns 0 or a negative `ERPLINK_E*` code (with
 * erplink_error_set() for the message) and must be atomic against every process sharing the
 * store (a transaction; `SELECT ... FOR UPDATE SKIP LOCKED` for `claim` on PostgreSQL). They
 * are called from the threads that call the ::erplink_outbox functions, possibly at once.
 */
typedef struct erplink_outbox_ops {
  /** @brief Enqueue @p key with @p payload: no row, or a done or dead row → pending, payload set,
   *         attempts 0, due @p now_ms, error cleared; a pending row → payload replaced (attempts
   *         and due time kept); a leased row → the newer-payload slot set (the row stays leased).
   *         Required. */
  int (*upsert)(const char *key, const void *payload, size_t len, int64_t now_ms, void *userdata);
  /** @brief Lease up to @p max rows due at @p now_ms (pending or leased rows with `ready <= now`),
   *         earliest due first: for each, state leased, generation + 1, attempts + 1, payload
   *         replaced by the newer payload if one is set (slot cleared), `ready = lease_until_ms`;
   *         hand each to erplink_outbox_sink_add() with its new generation and attempts.
   *         Required. */
  int (*claim)(erplink_outbox_sink *sink, size_t max, int64_t now_ms, int64_t lease_until_ms, void *userdata);
  /** @brief Record an outcome, only if the row is leased with generation @p generation
   *         (`*applied` = 1), else change nothing (`*applied` = 0). A newer payload in the slot
   *         always survives: DONE and DEAD make the row pending with it (attempts 0, due
   *         @p now_ms, slot cleared) when it is set, else done / dead (time @p now_ms, DEAD keeps
   *         @p code and @p message); RETRY makes the row pending, due @p ready_at_ms, error kept,
   *         payload replaced by the newer one if set; RELEASE likewise with attempts − 1.
   *         Required. */
  int (*finish)(int *applied, const char *key, int64_t generation, erplink_outbox_outcome outcome, int64_t ready_at_ms,
                int code, const char *message, int64_t now_ms, void *userdata);
  /** @brief Hand to erplink_outbox_sink_add() up to @p max rows in @p state (DEAD, DONE, LEASED,
   *         or PENDING meaning every pending row), ordered by key, skipping the first @p offset.
   *         Required. */
  int (*list)(erplink_outbox_sink *sink, erplink_outbox_state state, size_t offset, size_t max, void *userdata);
  /** @brief Make dead rows pending again (attempts 0, due @p now_ms, error cleared): the one of
   *         @p key, or all when @p key is NULL; `*count` = how many. Required. */
  int (*requeue)(size_t *count, const char *key, int64_t now_ms, void *userdata);
  /** @brief Delete dead rows: the one of @p key, or all when @p key is NULL; `*count` = how many.
   *         Required. */
  int (*discard)(size_t *count, const char *key, void *userdata);
  /** @brief Count the rows in @p state at @p now_ms (PENDING: pending and due; RETRY_WAIT:
   *         pending and not due). Required. */
  int (*count)(size_t *count, erplink_outbox_state state, int64_t now_ms, void *userdata);
  /** @brief Delete done rows that became done before @p done_before_ms. May be NULL. */
  int (*purge)(int64_t done_before_ms, void *userdata);
  /** @brief Called once by erplink_outbox_free(). May be NULL. */
  void (*destroy)(void *userdata);
} erplink_outbox_ops;

/**
 * @brief Creates outbox options with the defaults: lease 300,000 ms, 8 attempts, backoff
 *        1,000 ms doubling up to 600,000 ms, jitter 0.5, done items kept 86,400,000 ms (24 h).
 * @param out receives the options; free them with erplink_outbox_options_free().
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_options_new(erplink_outbox_options **out);

/** @brief Frees outbox options (NULL is a no-op). @param o the options. Thread-safe. */
ERPLINK_EXTERN void erplink_outbox_options_free(erplink_outbox_options *o);

/**
 * @brief How long a claim leases its items: longer than a flush takes (a lease that expires
 *        mid-flush lets another worker send the same items; their outcomes then count as stale).
 * @param o  the options.
 * @param ms 1 .. 2^40.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_options_set_lease_ms(erplink_outbox_options *o, int64_t ms);

/**
 * @brief After how many attempts a retryable failure becomes a dead letter.
 * @param o the options.
 * @param n 1 .. 1,000,000.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_options_set_max_attempts(erplink_outbox_options *o, int n);

/**
 * @brief The retry backoff: `min(cap_ms, base_ms × 2^(attempt-1))`.
 * @param o       the options.
 * @param base_ms 0 (retry at once) .. 2^40.
 * @param cap_ms  @p base_ms .. 2^40.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_options_set_backoff_ms(erplink_outbox_options *o, int64_t base_ms, int64_t cap_ms);

/**
 * @brief The share of each backoff delay taken off at random (spreads retries of many items).
 * @param o      the options.
 * @param jitter 0.0 (none) .. 1.0.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_options_set_jitter(erplink_outbox_options *o, double jitter);

/**
 * @brief How long done items are kept (counted, listed) before they are purged.
 * @param o  the options.
 * @param ms 0 (purge at the next claim) .. 2^40.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_options_set_done_retention_ms(erplink_outbox_options *o, int64_t ms);

/**
 * @brief Creates an outbox in a store file, shared by every process and thread using it.
 * @param out  receives it; free it with erplink_outbox_free(). NULL on failure.
 * @param st   the store (borrowed: it must outlive the outbox).
 * @param name the outbox's name in the file (1 to 200 bytes of UTF-8, e.g. "cartona.stock").
 * @param o    the policy, or NULL for the defaults (copied).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_new_sqlite(erplink_outbox **out, erplink_store *st, const char *name,
                                             const erplink_outbox_options *o);

/**
 * @brief Creates an outbox over your own storage primitives (the policy stays erplink's).
 * @param out      receives it; free it with erplink_outbox_free(). NULL on failure.
 * @param o        the policy, or NULL for the defaults (copied).
 * @param ops      the primitives (copied; all but `purge` and `destroy` are required).
 * @param userdata passed to every primitive (must outlive the outbox).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_new_custom(erplink_outbox **out, const erplink_outbox_options *o,
                                             const erplink_outbox_ops *ops, void *userdata);

/**
 * @brief Frees an outbox (NULL is a no-op); the items stay in the store.
 * @param ob the outbox. Not thread-safe: no other call on @p ob may be running.
 */
ERPLINK_EXTERN void erplink_outbox_free(erplink_outbox *ob);

/**
 * @brief Enqueues the latest value of a key (committed before the call returns).
 * @param ob      the outbox.
 * @param key     the NUL-terminated key (UTF-8, 1 to ::ERPLINK_OUTBOX_MAX_KEY bytes).
 * @param payload the bytes (copied; may be NULL when @p len is 0).
 * @param len     up to ::ERPLINK_OUTBOX_MAX_PAYLOAD.
 * @param now_ms  the current time in ms since 1970, or negative for the wall clock.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error (then nothing was enqueued).
 *         Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_enqueue(erplink_outbox *ob, const char *key, const void *payload, size_t len,
                                          int64_t now_ms);

/**
 * @brief Enqueues several keys' latest values at once: for the SQLite backend in one
 *        transaction (all or nothing, committed before the call returns), which is what makes
 *        bulk changes fast — one commit instead of @p n (see the file documentation's
 *        durability notes: the promise is the same as for erplink_outbox_enqueue()).
 *
 * A key given twice ends with its last value. For a custom backend the items are upserted one
 * by one in order; after a failure the earlier ones stay enqueued (enqueueing them all again is
 * harmless: the latest value wins).
 * @param ob       the outbox.
 * @param keys     @p n NUL-terminated keys (as for erplink_outbox_enqueue()).
 * @param payloads @p n payloads (an entry may be NULL when its length is 0).
 * @param lens     @p n lengths.
 * @param n        0 .. 100,000 (0 is a no-op).
 * @param now_ms   the current time in ms since 1970, or negative for the wall clock.
 * @return 0, ::ERPLINK_EINVAL (a bad item: nothing enqueued), ::ERPLINK_ENOMEM or a store error.
 *         Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_enqueue_many(erplink_outbox *ob, const char *const *keys, const void *const *payloads,
                                               const size_t *lens, size_t n, int64_t now_ms);

/**
 * @brief Leases up to @p max_items due items (earliest due first) for `lease_ms`.
 *
 * Also purges done items older than the retention (now and then), and turns items whose
 * lease expired too often into dead letters (they are not returned).
 * @param out       receives the batch (possibly empty); free it with erplink_outbox_batch_free().
 * @param ob        the outbox.
 * @param max_items 1 .. 100,000.
 * @param now_ms    the current time in ms since 1970, or negative for the wall clock.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error (nothing leased). Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_claim(erplink_outbox_batch **out, erplink_outbox *ob, size_t max_items,
                                        int64_t now_ms);

/**
 * @brief Marks item @p i of a claimed batch delivered (recorded by erplink_outbox_complete()).
 * @param b the batch.
 * @param i the item's index.
 * @return 0 or ::ERPLINK_EINVAL (NULL, out of range, a listed batch). Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_batch_done(erplink_outbox_batch *b, size_t i);

/**
 * @brief Marks item @p i failed: retried with backoff when erplink_error_retryable(@p code),
 *        a dead letter at once otherwise.
 * @param b              the batch.
 * @param i              the item's index.
 * @param code           the `ERPLINK_E*` code of the failure (negative).
 * @param reason         why (copied; NULL for erplink_strerror(@p code)); kept with the item.
 * @param retry_after_ms the least wait the server asked for, or -1.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_batch_failed(erplink_outbox_batch *b, size_t i, int code, const char *reason,
                                               int64_t retry_after_ms);

/**
 * @brief Marks item @p i failed and to be retried whatever the code (it was not judged by
 *        the server: e.g. never sent); a dead letter after `max_attempts` attempts.
 * @param b              the batch.
 * @param i              the item's index.
 * @param code           the `ERPLINK_E*` code of the failure.
 * @param reason         why (copied; NULL for erplink_strerror(@p code)).
 * @param retry_after_ms the least wait, or -1.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_batch_retry(erplink_outbox_batch *b, size_t i, int code, const char *reason,
                                              int64_t retry_after_ms);

/**
 * @brief Marks item @p i not attempted (e.g. cancelled before sending): pending again at
 *        once, the attempt not counted. Items left unmarked at erplink_outbox_complete() are
 *        released the same way.
 * @param b the batch.
 * @param i the item's index.
 * @return 0 or ::ERPLINK_EINVAL. Not thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_batch_release(erplink_outbox_batch *b, size_t i);

/**
 * @brief Records the outcomes of a claimed batch (for the SQLite backend in one transaction).
 *
 * Outcomes of items whose lease was taken over by a later claim are ignored and counted in
 * `*stale`. A batch is completed once; completing it again is ::ERPLINK_EINVAL.
 * @param stale  receives the number of stale outcomes; may be NULL.
 * @param ob     the outbox the batch was claimed from.
 * @param b      the batch.
 * @param now_ms the current time in ms since 1970, or negative for the wall clock.
 * @return 0, ::ERPLINK_EINVAL or a store error (then no outcome of the SQLite backend was
 *         recorded: the items stay leased and are sent again after the lease). Thread-safe
 *         for distinct batches.
 */
ERPLINK_EXTERN int erplink_outbox_complete(size_t *stale, erplink_outbox *ob, erplink_outbox_batch *b, int64_t now_ms);

/**
 * @brief Lists items in a state, ordered by key (for dead letters: erplink_outbox_requeue()).
 * @param out    receives the batch (read-only: outcomes cannot be set); free it with
 *               erplink_outbox_batch_free().
 * @param ob     the outbox.
 * @param state  ::ERPLINK_OUTBOX_DEAD, ::ERPLINK_OUTBOX_DONE, ::ERPLINK_OUTBOX_LEASED or
 *               ::ERPLINK_OUTBOX_PENDING (every pending item, due or not).
 * @param offset how many to skip (paging).
 * @param max    the most to list, 1 .. 100,000.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_list(erplink_outbox_batch **out, erplink_outbox *ob, erplink_outbox_state state,
                                       size_t offset, size_t max);

/**
 * @brief Makes dead letters pending again (attempts start over).
 * @param count  receives how many were requeued; may be NULL.
 * @param ob     the outbox.
 * @param key    one key, or NULL for every dead letter.
 * @param now_ms the current time in ms since 1970, or negative for the wall clock.
 * @return 0, ::ERPLINK_EINVAL or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_requeue(size_t *count, erplink_outbox *ob, const char *key, int64_t now_ms);

/**
 * @brief Deletes dead letters.
 * @param count receives how many were deleted; may be NULL.
 * @param ob    the outbox.
 * @param key   one key, or NULL for every dead letter.
 * @return 0, ::ERPLINK_EINVAL or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_discard(size_t *count, erplink_outbox *ob, const char *key);

/**
 * @brief Counts the items in a state.
 * @param count  receives the count.
 * @param ob     the outbox.
 * @param state  the state (::ERPLINK_OUTBOX_PENDING: due now; ::ERPLINK_OUTBOX_RETRY_WAIT: due later).
 * @param now_ms the current time in ms since 1970, or negative for the wall clock.
 * @return 0, ::ERPLINK_EINVAL or a store error. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_count(size_t *count, erplink_outbox *ob, erplink_outbox_state state, int64_t now_ms);

/** @brief Frees a batch (NULL is a no-op); unrecorded outcomes are dropped (the items stay leased). @param b the batch. Not thread-safe. */
ERPLINK_EXTERN void erplink_outbox_batch_free(erplink_outbox_batch *b);

/** @brief The number of items of a batch. @param b the batch. @return the count (0 for NULL). Not thread-safe with setters. */
ERPLINK_EXTERN size_t erplink_outbox_batch_count(const erplink_outbox_batch *b);

/** @brief Item @p i of a batch. @param b the batch. @param i the index. @return the item (borrowed from @p b), or NULL when out of range. Not thread-safe with setters. */
ERPLINK_EXTERN const erplink_outbox_item *erplink_outbox_batch_at(const erplink_outbox_batch *b, size_t i);

/** @brief An item's key. @param it the item. @return a string owned by the batch ("" for NULL). Thread-safe. */
ERPLINK_EXTERN const char *erplink_outbox_item_key(const erplink_outbox_item *it);

/**
 * @brief An item's payload.
 * @param it  the item.
 * @param len receives the length; may be NULL.
 * @return bytes owned by the batch (NUL-terminated for convenience; never NULL for an item). Thread-safe.
 */
ERPLINK_EXTERN const void *erplink_outbox_item_payload(const erplink_outbox_item *it, size_t *len);

/** @brief An item's generation (the claim that leased it). @param it the item. @return the generation, 0 for NULL. Thread-safe. */
ERPLINK_EXTERN int64_t erplink_outbox_item_generation(const erplink_outbox_item *it);

/** @brief An item's attempt count (this claim included). @param it the item. @return the count, 0 for NULL. Thread-safe. */
ERPLINK_EXTERN int erplink_outbox_item_attempts(const erplink_outbox_item *it);

/** @brief The code of an item's last failure. @param it the item. @return a negative `ERPLINK_E*` code, or 0. Thread-safe. */
ERPLINK_EXTERN int erplink_outbox_item_error_code(const erplink_outbox_item *it);

/** @brief The reason of an item's last failure. @param it the item. @return a string owned by the batch, or NULL. Thread-safe. */
ERPLINK_EXTERN const char *erplink_outbox_item_error_message(const erplink_outbox_item *it);

/** @brief When a listed item entered its state (ms since 1970; 0 for claimed items). @param it the item. @return the time. Thread-safe. */
ERPLINK_EXTERN int64_t erplink_outbox_item_changed_ms(const erplink_outbox_item *it);

/**
 * @brief The outcome erplink_outbox_complete() recorded for an item (the policy's decision:
 *        e.g. a retry after the last attempt is recorded as ::ERPLINK_OUTBOX_OUTCOME_DEAD).
 * @param it the item.
 * @return an ::erplink_outbox_outcome, or 0 before completion and for stale items. Thread-safe.
 */
ERPLINK_EXTERN int erplink_outbox_item_outcome(const erplink_outbox_item *it);

/**
 * @brief Hands one row to erplink from a custom `claim` or `list` primitive (copied).
 * @param sink       the sink the primitive was given.
 * @param key        the row's key.
 * @param payload    its payload (may be NULL when @p len is 0).
 * @param len        its length.
 * @param generation its generation (after the claim's increment).
 * @param attempts   its attempts (after the claim's increment).
 * @param error_code its last error code (0 if none).
 * @param error_msg  its last error message, or NULL.
 * @param changed_ms when it entered its state (0 if unknown).
 * @return 0, ::ERPLINK_EINVAL (bad row, or more rows than asked for) or ::ERPLINK_ENOMEM:
 *         return it from the primitive. Not thread-safe (call it from the primitive's thread).
 */
ERPLINK_EXTERN int erplink_outbox_sink_add(erplink_outbox_sink *sink, const char *key, const void *payload, size_t len,
                                           int64_t generation, int attempts, int error_code, const char *error_msg,
                                           int64_t changed_ms);

ERPLINK_END_DECLS

#endif /* ERPLINK_STORE_H */
