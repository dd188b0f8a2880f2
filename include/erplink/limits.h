/**
 * @file erplink/limits.h
 * @brief Caps applied when decoding untrusted documents (XML-RPC, JSON).
 *
 * Every decoder in erplink enforces three caps and fails with ::ERPLINK_ELIMIT (category
 * ::ERPLINK_CAT_PROTOCOL) and a message naming the cap as soon as one is exceeded, before
 * memory grows further: nesting depth, number of elements (values, plus struct members),
 * and document size in bytes. Passing NULL where a function accepts limits means the
 * defaults below.
 */
#ifndef ERPLINK_LIMITS_H
#define ERPLINK_LIMITS_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief Default maximum nesting depth of arrays and structs. */
#define ERPLINK_DEFAULT_MAX_DEPTH 256
/** @brief Default maximum number of elements in one document. */
#define ERPLINK_DEFAULT_MAX_ELEMENTS 8000000
/** @brief Default maximum document size in bytes (256 MiB). */
#define ERPLINK_DEFAULT_MAX_BYTES (256u * 1024u * 1024u)

/**
 * @brief A set of decoding caps (opaque). Setting a cap is not thread-safe; a set that is no
 *        longer modified may be shared by any number of threads and decoders.
 */
typedef struct erplink_limits erplink_limits;

/**
 * @brief Creates a set of caps initialised to the defaults.
 * @param out receives the new object; free it with erplink_limits_free().
 * @return 0 or ::ERPLINK_ENOMEM. Not thread-safe (a limits object is configured by one thread; decoders copy it).
 */
ERPLINK_EXTERN int erplink_limits_new(erplink_limits **out);
/**
 * @brief Frees a set of caps.
 * @param l the caps, or NULL (no-op).
 * Not thread-safe (a limits object is configured by one thread; decoders copy it).
 */
ERPLINK_EXTERN void erplink_limits_free(erplink_limits *l);
/**
 * @brief Sets the maximum nesting depth of arrays and structs.
 * @param l the caps to change.
 * @param depth the depth, 1 .. 100000.
 * @return 0, or ::ERPLINK_EINVAL if @p l is NULL or @p depth is out of range.
 *         Not thread-safe (a limits object is configured by one thread; decoders copy it).
 */
ERPLINK_EXTERN int erplink_limits_set_max_depth(erplink_limits *l, size_t depth);
/**
 * @brief Sets the maximum number of elements in one document.
 * @param l the caps to change.
 * @param elements the count, at least 1.
 * @return 0, or ::ERPLINK_EINVAL if @p l is NULL or @p elements is 0.
 *         Not thread-safe (a limits object is configured by one thread; decoders copy it).
 */
ERPLINK_EXTERN int erplink_limits_set_max_elements(erplink_limits *l, size_t elements);
/**
 * @brief Sets the maximum document size in bytes.
 * @param l the caps to change.
 * @param bytes the size, at least 1.
 * @return 0, or ::ERPLINK_EINVAL if @p l is NULL or @p bytes is 0.
 *         Not thread-safe (a limits object is configured by one thread; decoders copy it).
 */
ERPLINK_EXTERN int erplink_limits_set_max_bytes(erplink_limits *l, size_t bytes);
/**
 * @brief Reads the depth cap.
 * @param l the caps, or NULL for the defaults.
 * @return the maximum depth. Thread-safe (read-only).
 */
ERPLINK_EXTERN size_t erplink_limits_max_depth(const erplink_limits *l);
/**
 * @brief Reads the element cap.
 * @param l the caps, or NULL for the defaults.
 * @return the maximum element count. Thread-safe (read-only).
 */
ERPLINK_EXTERN size_t erplink_limits_max_elements(const erplink_limits *l);
/**
 * @brief Reads the size cap.
 * @param l the caps, or NULL for the defaults.
 * @return the maximum document size in bytes. Thread-safe (read-only).
 */
ERPLINK_EXTERN size_t erplink_limits_max_bytes(const erplink_limits *l);

ERPLINK_END_DECLS

#endif /* ERPLINK_LIMITS_H */
