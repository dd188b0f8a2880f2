/**
 * @file erplink/error.h
 * @brief Error codes, error categories and the per-thread last error.
 *
 * Every erplink function that can fail returns 0 on success or one of the negative
 * `ERPLINK_E*` codes below. Codes are precise ("connection refused"); categories
 * group them into what a caller can act on ("network: retry later", "auth: fix the
 * credentials"). erplink_error_category_of() maps a code to its category.
 *
 * After a failure, the calling thread's last error holds the details: code, category,
 * HTTP status, the remote exception class (for example `odoo.exceptions.AccessError`),
 * a human-readable message, server-side detail (such as a Python traceback) and the
 * retry-after delay the server asked for. It is the libgit2 pattern: the information
 * stays valid until the same thread's next failing erplink call, or until
 * erplink_error_clear(). Messages never contain credentials.
 */
#ifndef ERPLINK_ERROR_H
#define ERPLINK_ERROR_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief Error codes returned by erplink functions (0 is success). */
typedef enum erplink_error_code_t {
  ERPLINK_OK = 0,          /**< success */
  ERPLINK_EINVAL = -1,     /**< invalid argument passed by the caller */
  ERPLINK_ENOMEM = -2,     /**< out of memory */
  ERPLINK_ERANGE = -3,     /**< a value does not fit (integer overflow, index out of range) */
  ERPLINK_ETYPE = -4,      /**< a value has another type than the one asked for */
  ERPLINK_ENETWORK = -10,  /**< network failure not covered below */
  ERPLINK_ECONNECT = -11,  /**< could not connect (refused, unreachable); the request was not sent */
  ERPLINK_EDNS = -12,      /**< host name could not be resolved; the request was not sent */
  ERPLINK_ERECV = -13,     /**< connection lost while sending or receiving (reset, truncated body) */
  ERPLINK_ETIMEOUT = -20,  /**< a timeout fired (connect, total or low-speed) */
  ERPLINK_ETLS = -30,      /**< TLS handshake or certificate verification failed */
  ERPLINK_EHTTP = -40,     /**< an HTTP error status with no more specific mapping */
  ERPLINK_EREDIRECT = -41, /**< the server redirected and redirects are not allowed */
  ERPLINK_EPROTOCOL = -50, /**< the answer is malformed or not the expected protocol (e.g. HTML instead of XML-RPC) */
  ERPLINK_ELIMIT = -51,    /**< a document exceeds a decoding cap (depth, element count, size) */
  ERPLINK_ETOOLARGE = -52, /**< a response body exceeds the configured maximum size */
  ERPLINK_EFORBIDDEN_XML = -53, /**< an XML document carries a DOCTYPE or entity declaration */
  ERPLINK_EAUTH = -60,          /**< authentication failed (bad credentials, expired key or token) */
  ERPLINK_EACCESS = -70,        /**< authenticated but not allowed */
  ERPLINK_EVALIDATION = -80,    /**< the server rejected the data (validation or user error) */
  ERPLINK_ENOTFOUND = -90,      /**< the record, resource, route or method does not exist */
  ERPLINK_ERATELIMIT = -100,    /**< rate limited: see erplink_error_retry_after_ms() */
  ERPLINK_ECONFLICT = -110,     /**< a conflicting concurrent change or lock */
  ERPLINK_ESIGNATURE = -120,    /**< a signature did not verify */
  ERPLINK_ECANCELLED = -130,    /**< the caller cancelled the operation */
  ERPLINK_ESERVER = -140,       /**< the server failed (5xx, remote exception without a better class) */
  ERPLINK_EUNAVAILABLE = -141,  /**< the server is temporarily unavailable (502/503/504) */
  ERPLINK_EBUDGET = -150,       /**< a retry was needed but the client's retry budget is exhausted */
  /** a store file cannot be used: not a regular file, not writable, I/O error, disk full (erplink/store.h) */
  ERPLINK_ESTORE = -160,
  ERPLINK_ESTORE_CORRUPT = -161, /**< a store file is damaged, truncated, or not an erplink store */
  ERPLINK_ESTORE_VERSION = -162  /**< a store file was written by a newer erplink (its schema is unknown here) */
} erplink_error_code_t;

/** @brief What a caller can do about an error: the category of an error code. */
typedef enum erplink_error_category {
  ERPLINK_CAT_NONE = 0,   /**< no error */
  ERPLINK_CAT_INVALID,    /**< invalid argument: fix the call */
  ERPLINK_CAT_NOMEM,      /**< out of memory */
  ERPLINK_CAT_NETWORK,    /**< network: usually worth retrying later */
  ERPLINK_CAT_TIMEOUT,    /**< timeout: the outcome of a write may be unknown */
  ERPLINK_CAT_TLS,        /**< TLS: fix the CA or the server certificate */
  ERPLINK_CAT_HTTP,       /**< an HTTP status without a more specific category */
  ERPLINK_CAT_PROTOCOL,   /**< protocol or parse error: the peer is not what was expected */
  ERPLINK_CAT_AUTH,       /**< authentication: fix the credentials */
  ERPLINK_CAT_ACCESS,     /**< access: the credentials lack a right */
  ERPLINK_CAT_VALIDATION, /**< validation: fix the data */
  ERPLINK_CAT_NOTFOUND,   /**< not found */
  ERPLINK_CAT_RATELIMIT,  /**< rate limited: wait for the retry-after delay */
  ERPLINK_CAT_CONFLICT,   /**< conflict: retry after re-reading */
  ERPLINK_CAT_SIGNATURE,  /**< signature did not verify: reject the message */
  ERPLINK_CAT_CANCELLED,  /**< cancelled by the caller */
  ERPLINK_CAT_SERVER,     /**< the server failed */
  ERPLINK_CAT_STORE       /**< a local store file cannot be used: fix or replace the file */
} erplink_error_category;

/** @brief Opaque view of the calling thread's last error (see erplink_error_last()). */
typedef struct erplink_error erplink_error;

/**
 * @brief Maps an error code to its category.
 * @param code an `ERPLINK_E*` code (0 gives ::ERPLINK_CAT_NONE; an unknown negative code gives ::ERPLINK_CAT_SERVER).
 * @return the category. Thread-safe.
 */
ERPLINK_EXTERN erplink_error_category erplink_error_category_of(int code);

/**
 * @brief Returns a short static description of an error code, e.g. "connection refused".
 * @param code an `ERPLINK_E*` code.
 * @return a static string, never NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_strerror(int code);

/**
 * @brief Returns the stable lowercase name of a category, e.g. "rate_limited".
 * @param category a category.
 * @return a static string, never NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_error_category_name(erplink_error_category category);

/**
 * @brief Returns the last error recorded on the calling thread.
 *
 * @return a pointer owned by the library and valid until the calling thread's next
 *         erplink call that fails or clears the error, or until the thread exits; NULL
 *         when no error has been recorded since the last erplink_error_clear().
 *         Thread-safe: each thread has its own last error.
 */
ERPLINK_EXTERN const erplink_error *erplink_error_last(void);

/**
 * @brief Forgets the calling thread's last error. Thread-safe.
 */
ERPLINK_EXTERN void erplink_error_clear(void);

/**
 * @brief The `ERPLINK_E*` code of an error.
 * @param e an error from erplink_error_last(), or NULL.
 * @return the code, 0 if @p e is NULL. Thread-safe.
 */
ERPLINK_EXTERN int erplink_error_code(const erplink_error *e);

/**
 * @brief The category of an error.
 * @param e an error from erplink_error_last(), or NULL.
 * @return the category, ::ERPLINK_CAT_NONE if @p e is NULL. Thread-safe.
 */
ERPLINK_EXTERN erplink_error_category erplink_error_get_category(const erplink_error *e);

/**
 * @brief The human-readable message of an error; never contains credentials.
 * @param e an error from erplink_error_last(), or NULL.
 * @return a string owned by @p e, "" if @p e is NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_error_message(const erplink_error *e);

/**
 * @brief The HTTP status involved in an error.
 * @param e an error from erplink_error_last(), or NULL.
 * @return the status, or 0 when no HTTP response was received. Thread-safe.
 */
ERPLINK_EXTERN int erplink_error_http_status(const erplink_error *e);

/**
 * @brief The remote exception class, e.g. "odoo.exceptions.AccessError", when the server named one.
 * @param e an error from erplink_error_last(), or NULL.
 * @return a string owned by @p e, or NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_error_remote_class(const erplink_error *e);

/**
 * @brief Server-side detail such as a traceback or the first bytes of an unexpected body.
 * @param e an error from erplink_error_last(), or NULL.
 * @return a string owned by @p e, or NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_error_detail(const erplink_error *e);

/**
 * @brief The delay the server asked the caller to wait before retrying, in milliseconds.
 * @param e an error from erplink_error_last(), or NULL.
 * @return the delay, or -1 when the server did not say. Thread-safe.
 */
ERPLINK_EXTERN int64_t erplink_error_retry_after_ms(const erplink_error *e);

/**
 * @brief Records an error on the calling thread, replacing the previous one.
 *
 * For service modules and bindings that report their own failures in the same way
 * as the core. The message is copied; pass NULL for "no message" (erplink_strerror()
 * of @p code is used). Never pass secrets.
 *
 * @param code    the `ERPLINK_E*` code.
 * @param message the message, or NULL.
 * @return @p code, so that `return erplink_error_set(ERPLINK_EINVAL, "...");` reads well.
 *         Thread-safe.
 */
ERPLINK_EXTERN int erplink_error_set(int code, const char *message);

/**
 * @brief Makes an owned copy of an error, e.g. to keep the calling thread's last error past
 *        the next failing call.
 *
 * Per-item results (an HTTP batch item, a Cartona bulk outcome) carry such copies; read them
 * with the same `erplink_error_*` accessors.
 * @param out receives the copy; free it with erplink_error_free().
 * @param e   the error (for example erplink_error_last()).
 * @return 0, ::ERPLINK_EINVAL (NULL argument) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_error_clone(erplink_error **out, const erplink_error *e);

/**
 * @brief Frees an error made by erplink_error_clone() or handed out by a result object.
 *        Never pass erplink_error_last(). NULL is a no-op.
 * @param e the error. Thread-safe.
 */
ERPLINK_EXTERN void erplink_error_free(erplink_error *e);

/**
 * @brief Tells whether trying the same operation again later may succeed: temporary network
 *        or server trouble (::ERPLINK_ENETWORK, ::ERPLINK_ECONNECT, ::ERPLINK_EDNS,
 *        ::ERPLINK_ERECV, ::ERPLINK_ETIMEOUT, ::ERPLINK_ESERVER, ::ERPLINK_EUNAVAILABLE,
 *        ::ERPLINK_ECONFLICT, ::ERPLINK_EBUDGET) or a rate limit (::ERPLINK_ERATELIMIT: wait
 *        for erplink_error_retry_after_ms()). Data, credential, protocol, TLS and caller
 *        errors are not retryable: the same attempt would fail again.
 * @param code an `ERPLINK_E*` code.
 * @return 1 if retryable, 0 otherwise (also for 0). Thread-safe.
 */
ERPLINK_EXTERN int erplink_error_retryable(int code);

ERPLINK_END_DECLS

#endif /* ERPLINK_ERROR_H */
