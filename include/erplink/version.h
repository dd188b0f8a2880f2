/**
 * @file erplink/version.h
 * @brief Compile-time and run-time version of erplink.
 *
 * The compile-time macros describe the headers a program was built against;
 * erplink_version() and erplink_version_number() describe the library that is
 * actually loaded. A program can compare the two to detect a mismatch.
 */
#ifndef ERPLINK_VERSION_H
#define ERPLINK_VERSION_H

#include "common.h"

/** @brief Major version: from 1.0 on, changes only on an ABI break (it is the SONAME). */
#define ERPLINK_VERSION_MAJOR 0
/** @brief Minor version: new functions, compatible with earlier minors (before 1.0 a minor
 *         release may change the API: the SONAME is then liberplink.so.0.MINOR). */
#define ERPLINK_VERSION_MINOR 2
/** @brief Patch version: fixes only. */
#define ERPLINK_VERSION_PATCH 0
/** @brief The version as a string, "MAJOR.MINOR.PATCH". */
#define ERPLINK_VERSION "0.2.0"
/** @brief The version as one number, `MAJOR * 10000 + MINOR * 100 + PATCH`. */
#define ERPLINK_VERSION_NUMBER (ERPLINK_VERSION_MAJOR * 10000 + ERPLINK_VERSION_MINOR * 100 + ERPLINK_VERSION_PATCH)

ERPLINK_BEGIN_DECLS

/**
 * @brief Returns the version string of the loaded library, e.g. "0.2.0".
 * @return a static string owned by the library; never NULL. Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_version(void);

/**
 * @brief Returns the version of the loaded library as ::ERPLINK_VERSION_NUMBER encodes it.
 * @return the version number. Thread-safe.
 */
ERPLINK_EXTERN int erplink_version_number(void);

ERPLINK_END_DECLS

#endif /* ERPLINK_VERSION_H */
