/**
 * @file erplink/xmlrpc.h
 * @brief XML-RPC encoder and decoder (over expat), building erplink value trees.
 *
 * Encoding writes a complete XML-RPC document (`methodCall`, `methodResponse` or a fault)
 * into a buffer the caller frees with erplink_free(). Values map to XML-RPC as follows:
 * nil → `<nil/>`; bool → `<boolean>`; int → `<int>` when it fits 32 bits, else `<i8>`;
 * double → `<double>` (the shortest text that reads back as the same double, subnormals
 * included, laid out as Python's `repr()`: `0.1`, `100.0`, `1e+16`, `5e-324`; NaN and
 * infinities are refused, see "Doubles" below);
 * string → `<string>` (escaping `&`, `<`, `>` and carriage return as `&#13;` so that it
 * survives XML newline normalisation); bytes → `<base64>`; datetime →
 * `<dateTime.iso8601>YYYYMMDDTHH:MM:SS</dateTime.iso8601>` (Python's format: microseconds
 * are not sent); array → `<array><data>`; struct → `<struct>` with members in order.
 *
 * Decoding accepts every type Python's `xmlrpc.client` accepts: `int`, `i1`, `i2`, `i4`,
 * `i8`, `bigint` (range-checked into int64), `boolean` (0 or 1), `double`, `float`,
 * `bigdecimal` (read as a double), `string`, untyped text inside `<value>`, empty
 * `<value/>`, `nil` (also with any namespace prefix such as `ex:nil`, `ex:i8`),
 * `dateTime.iso8601` (`YYYYMMDDTHH:MM:SS` or `YYYY-MM-DDTHH:MM:SS`, optional fractional
 * seconds), `base64` (whitespace allowed), `array` and `struct` (repeated member names are
 * kept; erplink_value_struct_get() returns the last). Decoded trees live in one arena owned
 * by their root: free the root with erplink_value_free().
 *
 * Doubles: one rule both ways — XML-RPC carries finite doubles only (the specification has
 * no infinity or NaN). The encoder refuses NaN and infinities (::ERPLINK_EINVAL); the decoder
 * refuses with ::ERPLINK_ERANGE ("… is not a finite double") a `double`, `float` or
 * `bigdecimal` whose text is out of the double range (`1e400`, which Python would read as
 * infinity) or a non-finite spelling (`inf`, `Infinity`, `nan`, any case and sign). The text
 * must be a decimal number — optional sign, digits with an optional `.` (`.5` and `5.`
 * included), optional exponent, surrounding whitespace allowed — else ::ERPLINK_EPROTOCOL
 * ("invalid double"; Python's `float()` also takes `_` between digits and non-ASCII digits:
 * erplink does not). A number too small for a double reads as the nearest one (0 or a
 * subnormal), as in Python; a number written with more than 4096 characters fails with
 * ::ERPLINK_ELIMIT.
 *
 * Character encodings: documents in UTF-8, UTF-16, ISO-8859-1 and US-ASCII (expat's own),
 * and — like Python's `xmlrpc.client` — in any ASCII-compatible single-byte encoding the
 * C library's iconv knows by the declared name (also with `_` for `-`, and `latin-1`):
 * `windows-1250` … `windows-1258`, `ISO-8859-2` … `ISO-8859-16`, `KOI8-R`, `KOI8-U`, `cp437`,
 * `cp850`, `cp866`, `TIS-620`, …; a byte the encoding leaves undefined fails like invalid
 * UTF-8. Any other declared encoding (multi-byte such as Shift_JIS, EUC-JP or GB2312;
 * stateful such as ISO-2022-JP; unknown ones, including `mac-roman`; EBCDIC) fails with
 * ::ERPLINK_EPROTOCOL and a message naming it ("unsupported document encoding 'EUC-JP'").
 *
 * Security: any DOCTYPE or entity declaration is refused (::ERPLINK_EFORBIDDEN_XML),
 * external entities are never loaded, and the caps of an ::erplink_limits object (size in
 * bytes, nesting depth, element count) are enforced while parsing (::ERPLINK_ELIMIT). A
 * document that is HTML rather than XML-RPC fails with ::ERPLINK_EPROTOCOL and the
 * message "the server answered HTML, not XML-RPC"; the first bytes of the document
 * (sanitised) are in erplink_error_detail(). Other malformed documents fail with
 * ::ERPLINK_EPROTOCOL (invalid XML, invalid UTF-8, unknown tags, "truncated document", …)
 * and a message giving the line and column; out-of-range integers and doubles with
 * ::ERPLINK_ERANGE.
 *
 * Thread safety: the encode and one-shot decode functions are thread-safe. A decoder
 * object must not be used from two threads at once; distinct decoders are independent.
 */
#ifndef ERPLINK_XMLRPC_H
#define ERPLINK_XMLRPC_H

#include "common.h"
#include "limits.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/**
 * @brief Encodes an XML-RPC `methodCall`.
 *
 * @param out     receives the NUL-terminated document; free it with erplink_free().
 *                Set to NULL on failure.
 * @param out_len receives the document length in bytes (may be NULL).
 * @param method  the method name (non-empty UTF-8, e.g. "execute_kw").
 * @param params  an array of the call's parameters (borrowed), or NULL for none.
 * @return 0; ::ERPLINK_EINVAL when an argument is NULL or invalid, @p params is not an
 *         array, a double is NaN or infinite, a string contains a character XML 1.0 cannot
 *         carry (a control character other than tab, LF, CR; U+FFFE; U+FFFF), or the tree
 *         is nested deeper than 100000 levels; ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_xmlrpc_encode_call(char **out, size_t *out_len, const char *method,
                                              const erplink_value *params);

/**
 * @brief Encodes an XML-RPC `methodResponse` carrying one value.
 *
 * @param out     receives the NUL-terminated document; free it with erplink_free().
 *                Set to NULL on failure.
 * @param out_len receives the document length in bytes (may be NULL).
 * @param result  the value returned (borrowed).
 * @return 0; ::ERPLINK_EINVAL (as for erplink_xmlrpc_encode_call()); ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_xmlrpc_encode_response(char **out, size_t *out_len, const erplink_value *result);

/**
 * @brief Encodes an XML-RPC fault response `{faultCode, faultString}`.
 *
 * @param out          receives the NUL-terminated document; free it with erplink_free().
 *                     Set to NULL on failure.
 * @param out_len      receives the document length in bytes (may be NULL).
 * @param fault_code   the fault code (Odoo uses 1–4).
 * @param fault_string the fault message (UTF-8).
 * @return 0; ::ERPLINK_EINVAL (NULL or invalid text); ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_xmlrpc_encode_fault(char **out, size_t *out_len, int fault_code, const char *fault_string);

/**
 * @brief Decodes a complete XML-RPC `methodResponse` held in memory.
 *
 * @param out      receives the result (a root owned by the caller: free it with
 *                 erplink_value_free()); for a fault, the fault struct with members
 *                 `faultCode` and `faultString`. Set to NULL on failure.
 * @param is_fault receives 1 when the response is a fault, else 0 (may be NULL).
 * @param data     the document bytes.
 * @param len      the document length.
 * @param limits   decoding caps, or NULL for the defaults.
 * @return 0 (also for a fault: see @p is_fault); ::ERPLINK_EINVAL (NULL argument);
 *         ::ERPLINK_EPROTOCOL (not XML-RPC, invalid XML or UTF-8, truncated, HTML);
 *         ::ERPLINK_EFORBIDDEN_XML (DOCTYPE or entity declaration); ::ERPLINK_ELIMIT;
 *         ::ERPLINK_ERANGE (an integer beyond 64 bits); ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_xmlrpc_decode_response(erplink_value **out, int *is_fault, const char *data, size_t len,
                                                  const erplink_limits *limits);

/**
 * @brief Decodes a complete XML-RPC `methodCall` held in memory (for servers and tests).
 *
 * @param method_out receives the method name, NUL-terminated; free it with erplink_free().
 * @param params_out receives the parameters as an array (a root owned by the caller: free
 *                   it with erplink_value_free()); an empty array when the call has none.
 * @param data       the document bytes.
 * @param len        the document length.
 * @param limits     decoding caps, or NULL for the defaults.
 * @return 0 or the errors of erplink_xmlrpc_decode_response(); on failure both outputs
 *         are set to NULL. Thread-safe.
 */
ERPLINK_EXTERN int erplink_xmlrpc_decode_call(char **method_out, erplink_value **params_out, const char *data,
                                              size_t len, const erplink_limits *limits);

/**
 * @brief An incremental XML-RPC decoder (opaque): feed it the document in pieces as they
 *        arrive, then call erplink_xmlrpc_decoder_finish() (responses) or
 *        erplink_xmlrpc_decoder_finish_call() (calls). Not thread-safe: use one decoder per
 *        thread at a time.
 */
typedef struct erplink_xmlrpc_decoder erplink_xmlrpc_decoder;

/**
 * @brief Creates an incremental decoder for a `methodResponse`.
 *
 * @param out    receives the decoder; free it with erplink_xmlrpc_decoder_free().
 * @param limits decoding caps (copied), or NULL for the defaults.
 * @return 0, ::ERPLINK_EINVAL (@p out NULL) or ::ERPLINK_ENOMEM. Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN int erplink_xmlrpc_decoder_new(erplink_xmlrpc_decoder **out, const erplink_limits *limits);

/**
 * @brief Creates an incremental decoder for a `methodCall` (finish it with
 *        erplink_xmlrpc_decoder_finish_call()).
 *
 * @param out    receives the decoder; free it with erplink_xmlrpc_decoder_free().
 * @param limits decoding caps (copied), or NULL for the defaults.
 * @return 0, ::ERPLINK_EINVAL (@p out NULL) or ::ERPLINK_ENOMEM. Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN int erplink_xmlrpc_decoder_new_call(erplink_xmlrpc_decoder **out, const erplink_limits *limits);

/**
 * @brief Tells the decoder how large the document is expected to be (e.g. the HTTP
 *        Content-Length), so that it sizes its memory in one step. Optional; only
 *        effective before the first erplink_xmlrpc_decoder_feed().
 *
 * @param dec   the decoder.
 * @param bytes the expected document size in bytes.
 * @return 0 or ::ERPLINK_EINVAL (@p dec NULL). Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN int erplink_xmlrpc_decoder_set_size_hint(erplink_xmlrpc_decoder *dec, size_t bytes);

/**
 * @brief Feeds the next @p len bytes of the document.
 *
 * Once the total exceeds the size cap, fails with ::ERPLINK_ELIMIT without parsing the
 * excess. After a failure every later call returns the same code.
 *
 * @param dec  the decoder.
 * @param data the bytes (borrowed; may be NULL when @p len is 0).
 * @param len  their number.
 * @return 0 or the errors of erplink_xmlrpc_decode_response() (except truncation, which is
 *         only known at finish). Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN int erplink_xmlrpc_decoder_feed(erplink_xmlrpc_decoder *dec, const void *data, size_t len);

/**
 * @brief Ends a response document and hands over its value.
 *
 * @param out      receives the result or the fault struct (a root owned by the caller:
 *                 free it with erplink_value_free()); NULL on failure.
 * @param is_fault receives 1 for a fault, else 0 (may be NULL).
 * @param dec      a decoder made by erplink_xmlrpc_decoder_new().
 * @return 0; ::ERPLINK_EPROTOCOL with "truncated document" when the document is
 *         incomplete; the errors of erplink_xmlrpc_decoder_feed(); ::ERPLINK_EINVAL for a
 *         call decoder. The decoder must be reset before reuse. Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN int erplink_xmlrpc_decoder_finish(erplink_value **out, int *is_fault, erplink_xmlrpc_decoder *dec);

/**
 * @brief Ends a call document and hands over its method name and parameters.
 *
 * @param method_out receives the method name; free it with erplink_free(). NULL on failure.
 * @param params_out receives the parameter array; free it with erplink_value_free(). NULL on failure.
 * @param dec        a decoder made by erplink_xmlrpc_decoder_new_call().
 * @return as erplink_xmlrpc_decoder_finish(); ::ERPLINK_EINVAL for a response decoder.
 *         Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN int erplink_xmlrpc_decoder_finish_call(char **method_out, erplink_value **params_out,
                                                      erplink_xmlrpc_decoder *dec);

/**
 * @brief Resets a decoder so that it can decode another document (keeps its limits and
 *        kind; drops a partial tree and the size hint).
 *
 * @param dec the decoder.
 * @return 0, ::ERPLINK_EINVAL (@p dec NULL) or ::ERPLINK_ENOMEM. Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN int erplink_xmlrpc_decoder_reset(erplink_xmlrpc_decoder *dec);

/**
 * @brief Frees a decoder and any partial tree it holds.
 * @param dec the decoder, or NULL (no-op). Not thread-safe (one decoder per thread at a time).
 */
ERPLINK_EXTERN void erplink_xmlrpc_decoder_free(erplink_xmlrpc_decoder *dec);

ERPLINK_END_DECLS

#endif /* ERPLINK_XMLRPC_H */
