/**
 * @file erplink/common.h
 * @brief Export macro, basic types and memory helpers shared by every erplink header.
 *
 * Every public erplink function is declared with ::ERPLINK_EXTERN, which marks it
 * visible in the shared library (the library is otherwise compiled with
 * `-fvisibility=hidden`) and gives it C linkage when the header is included from C++.
 *
 * Conventions that hold for the whole API (see README.md, "API conventions"):
 * - functions return `int`: 0 on success or a negative `ERPLINK_E*` code (see erplink/error.h);
 * - results come back through `out` parameters, which are placed first;
 * - every object returned through an `out` parameter is owned by the caller and is
 *   released with the matching `_free` function; `_free(NULL)` is always a no-op;
 * - detailed information about the last failure of the calling thread is available from
 *   erplink_error_last().
 */
#ifndef ERPLINK_COMMON_H
#define ERPLINK_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
/** @cond INTERNAL */
#define ERPLINK_BEGIN_DECLS extern "C" {
#define ERPLINK_END_DECLS }
/** @endcond */
#else
/** @cond INTERNAL */
#define ERPLINK_BEGIN_DECLS
#define ERPLINK_END_DECLS
/** @endcond */
#endif

/**
 * @def ERPLINK_EXTERN
 * @brief Marks a function as part of erplink's public ABI.
 *
 * When building the shared library (`ERPLINK_BUILDING` defined) it sets default
 * visibility; when building or consuming the static library (`ERPLINK_STATIC`
 * defined) it expands to nothing.
 */
#if defined(ERPLINK_STATIC)
#define ERPLINK_EXTERN
#elif defined(ERPLINK_BUILDING) && (defined(__GNUC__) || defined(__clang__))
#define ERPLINK_EXTERN __attribute__((visibility("default")))
#else
#define ERPLINK_EXTERN
#endif

ERPLINK_BEGIN_DECLS

/**
 * @brief Frees memory that an erplink function returned as a plain buffer
 *        (`char **out` parameters such as encoded documents or formatted text).
 *
 * @param ptr a buffer returned by erplink, or NULL (no-op).
 *
 * Thread-safe.
 */
ERPLINK_EXTERN void erplink_free(void *ptr);

ERPLINK_END_DECLS

#endif /* ERPLINK_COMMON_H */
