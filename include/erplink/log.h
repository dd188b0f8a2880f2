/**
 * @file erplink/log.h
 * @brief Log levels, the log callback type and the redacting formatters erplink logs through.
 *
 * erplink never writes to stderr or a file by itself. A caller that wants log lines
 * installs a callback (for HTTP clients: erplink_http_options_set_log()); erplink then
 * calls it with one complete line per event: request start (method and sanitised URL),
 * response (status, time, size), retry decisions (why, delay), rate-limit waits and, at
 * ::ERPLINK_LOG_TRACE, request headers and a redacted view of the request body.
 *
 * **Redaction happens before any text is formed.** The values of the headers
 * `Authorization`, `Proxy-Authorization`, `AuthorizationToken`, `Cookie`, `Set-Cookie`,
 * and of every header, form field, query parameter or JSON/struct member whose *name*
 * denotes a credential (password, passwd, secret, token, api key, credential, private,
 * otp, code, signature…), as well as URL userinfo (`user:password@`), never reach the
 * callback: they are replaced by `<redacted>` (userinfo is dropped). Request bodies are
 * formatted only at ::ERPLINK_LOG_TRACE: form bodies (`application/x-www-form-urlencoded`)
 * field by field with credential fields redacted; other bodies only as their length and
 * content type, unless the caller attached the value tree the body was encoded from
 * (erplink_http_request_set_log_value()), which is printed with erplink_value_dump()
 * (secret strings and credential-named members redacted).
 *
 * The formatters below are the ones erplink uses internally; they are public so that
 * bindings and applications can log URLs and form bodies the same way.
 */
#ifndef ERPLINK_LOG_H
#define ERPLINK_LOG_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief Log levels, from the most to the least important. A higher number is more verbose. */
typedef enum erplink_log_level {
  ERPLINK_LOG_NONE = 0,  /**< as a threshold: log nothing */
  ERPLINK_LOG_ERROR = 1, /**< a request failed for good without an HTTP answer (network, timeout, TLS) */
  ERPLINK_LOG_WARN = 2,  /**< a retry decision, a pause imposed on the client, a final HTTP error status */
  ERPLINK_LOG_INFO = 3,  /**< one line per successful request: status, time, size, attempts */
  ERPLINK_LOG_DEBUG = 4, /**< request and attempt starts, redirects followed, rate-limit waits */
  ERPLINK_LOG_TRACE = 5  /**< request headers and redacted bodies */
} erplink_log_level;

/**
 * @brief The log callback.
 *
 * @param level    one of ::erplink_log_level (never ::ERPLINK_LOG_NONE).
 * @param message  one NUL-terminated line without a trailing newline, already redacted;
 *                 valid only during the call (copy it to keep it).
 * @param userdata the pointer given together with the callback.
 *
 * The callback may be called from several threads at once (every thread that uses the
 * client logs from its own thread) and must therefore be thread-safe. It must not call
 * back into the client that is logging.
 */
typedef void (*erplink_log_fn)(int level, const char *message, void *userdata);

/**
 * @brief The lowercase name of a level ("error", "warn", "info", "debug", "trace", "none").
 * @param level a level.
 * @return a static string, never NULL ("unknown" for an out-of-range level). Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_log_level_name(int level);

/**
 * @brief Formats a URL for logs and messages: userinfo dropped, fragment dropped, and the
 *        value of every query parameter whose name denotes a credential replaced by `<redacted>`.
 *
 * `https://bob:pw@host/p?api_key=K&page=2#x` becomes `https://host/p?api_key=<redacted>&page=2`.
 * Text that is not a URL is still processed (the query part after the first `?`).
 *
 * @param out receives a NUL-terminated string; free it with erplink_free().
 * @param url the URL (NUL-terminated).
 * @return 0, ::ERPLINK_EINVAL (NULL argument) or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_log_redact_url(char **out, const char *url);

/**
 * @brief Formats an `application/x-www-form-urlencoded` body for logs: the value of every
 *        field whose (percent-decoded) name denotes a credential becomes `<redacted>`.
 *
 * `grant_type=refresh_token&refresh_token=abc` becomes
 * `grant_type=refresh_token&refresh_token=<redacted>`. Control bytes in the output are
 * replaced by `?`.
 *
 * @param out  receives a NUL-terminated string; free it with erplink_free().
 * @param body the body bytes (need not be NUL-terminated; may be NULL when @p len is 0).
 * @param len  the body length.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_log_redact_form(char **out, const char *body, size_t len);

ERPLINK_END_DECLS

#endif /* ERPLINK_LOG_H */
