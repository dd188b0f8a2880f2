/**
 * @file erplink/json.h
 * @brief JSON decoding into value trees (whole buffer or incremental) and compact JSON encoding.
 *
 * The decoder is built on simdjson (Debian's libsimdjson): its stage 1 (SIMD code chosen at run
 * time for the CPU) indexes the document's tokens and validates its UTF-8, then one pass over
 * those indexes checks the grammar and builds an arena-allocated value tree (see
 * erplink/value.h) directly, strings unescaped by simdjson's string parser, numbers read by its
 * number parser; what that pass does not decide alone (a scalar document, numbers beyond 64 bits
 * or beyond the double range, an exceeded cap, any error and its byte offset) goes through
 * simdjson's On-Demand API, walked the same way. Neither path recurses on the C stack, so a
 * hostile document nested 100,000 levels deep fails cleanly with ::ERPLINK_ELIMIT.
 *
 * Memory: the incremental decoder keeps the body as it arrives (in one buffer that grows
 * geometrically, so feeding is linear in the body's size however it is split) and parses it
 * in erplink_json_decoder_finish(); erplink_json_decode() parses the caller's buffer in place
 * (no copy). Beyond the tree it returns, decoding takes 4 bytes per token (about 0.7 times the
 * document for API answers, at most 4 times for a document of one-character tokens) plus
 * 32 bytes per child of the containers still open: with the body, about 1.9 times the body.
 * The tree itself takes about 2.8 (market orders) to 3.6 (Odoo records) times the document.
 * Each thread keeps its parser for its next document (decoders and erplink_json_decode()
 * alike): at most 16 MiB of token indexes and 4 MiB of scratch stay resident (typically a few
 * MiB), for documents up to 64 MiB (a larger one gets a parser of its own); a decoder keeps
 * its body buffer for its next document until erplink_json_decoder_free(). Freed trees give their arena
 * blocks (64 KiB to 8 MiB each) to a process-wide cache of at most 64 MiB that later decodes
 * (JSON and XML-RPC) reuse, so that consecutive decodes fill memory already mapped: that much
 * memory stays allocated after the trees are freed (the cache never grows beyond it).
 *
 * Decoding rules (RFC 8259, strict):
 * - `null`, `true`/`false`, strings, arrays and objects map to ::ERPLINK_TYPE_NIL,
 *   ::ERPLINK_TYPE_BOOL, ::ERPLINK_TYPE_STRING, ::ERPLINK_TYPE_ARRAY and
 *   ::ERPLINK_TYPE_STRUCT (members kept in document order; when a key repeats, every
 *   member is kept and erplink_value_struct_get() returns the last one, as Python's
 *   `json` module does).
 * - A number without fraction or exponent that fits in int64 becomes an exact
 *   ::ERPLINK_TYPE_INT (INT64_MIN and INT64_MAX included). An integer *beyond* int64 becomes
 *   the nearest ::ERPLINK_TYPE_DOUBLE, correctly rounded (as JavaScript's `JSON.parse` and
 *   Python's `float(n)` do; Python's `json` would keep an exact arbitrary-precision int, which
 *   erplink has no type for, so precision beyond 2^53 is lost). A number with a fraction or an
 *   exponent becomes the correctly rounded double (independently of the C locale); a number
 *   outside the range of a double (e.g. `1e400`) fails with ::ERPLINK_ERANGE, and a number
 *   written with more than 4096 characters fails with ::ERPLINK_ELIMIT.
 * - Strings must be valid UTF-8 (overlong forms, encoded surrogates and code points beyond
 *   U+10FFFF are rejected) and `\\u` escapes must form valid UTF-16 (a surrogate pair, never
 *   a lone surrogate). `\\u0000` is allowed: string values carry a length.
 * - Whitespace between tokens is RFC 8259's four characters (space, tab, line feed, carriage
 *   return) and nothing else: a form feed or a vertical tab is an error.
 * - Rejected with ::ERPLINK_EPROTOCOL: comments, `NaN`/`Infinity`, trailing garbage or a
 *   second top-level value, a truncated or empty document, invalid escapes, unescaped control
 *   characters in strings, a byte order mark. The message names the byte offset (from the
 *   start of the document) where the problem is and what it is (e.g. "invalid JSON at byte
 *   3: trailing garbage after the document"). A body whose first non-blank byte is `<`
 *   fails with the message "the server answered HTML, not JSON" and up to its first 200
 *   bytes (control bytes and invalid UTF-8 replaced by `?`) in erplink_error_detail().
 * - Exceeding a cap fails with ::ERPLINK_ELIMIT: nesting depth, element count (every
 *   value, containers included) and document size in bytes.
 *
 * Decoders never produce ::ERPLINK_TYPE_BYTES or ::ERPLINK_TYPE_DATETIME: JSON has no
 * such types, and an Odoo datetime arrives as the string "YYYY-MM-DD HH:MM:SS".
 */
#ifndef ERPLINK_JSON_H
#define ERPLINK_JSON_H

#include "common.h"
#include "limits.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/**
 * @brief Decodes one complete JSON document.
 *
 * @param out    receives the root of the decoded (read-only) tree; free it with
 *               erplink_value_free(). Set to NULL on failure.
 * @param data   the document (need not be NUL-terminated); may be NULL only when @p len is 0.
 * @param len    its length in bytes.
 * @param limits caps to enforce, or NULL for the defaults of erplink/limits.h.
 * @return 0; ::ERPLINK_EINVAL (@p out NULL, or @p data NULL with @p len > 0);
 *         ::ERPLINK_EPROTOCOL (not valid JSON, HTML, empty); ::ERPLINK_ELIMIT (a cap exceeded);
 *         ::ERPLINK_ERANGE (a number beyond the range of a double); ::ERPLINK_ENOMEM.
 *
 * Thread-safe (each thread has its own parser).
 */
ERPLINK_EXTERN int erplink_json_decode(erplink_value **out, const char *data, size_t len, const erplink_limits *limits);

/** @brief An incremental JSON decoder (opaque). */
typedef struct erplink_json_decoder erplink_json_decoder;

/**
 * @brief Creates an incremental decoder: feed it the document in pieces with
 *        erplink_json_decoder_feed(), then take the tree with erplink_json_decoder_finish().
 *
 * @param out    receives the decoder; free it with erplink_json_decoder_free().
 * @param limits caps to enforce (copied: @p limits may be freed afterwards), or NULL for the defaults.
 * @return 0, ::ERPLINK_EINVAL (@p out NULL) or ::ERPLINK_ENOMEM.
 *
 * Thread-safe. A decoder itself must be used by one thread at a time.
 */
ERPLINK_EXTERN int erplink_json_decoder_new(erplink_json_decoder **out, const erplink_limits *limits);

/**
 * @brief Tells the decoder how large the document is expected to be (e.g. a Content-Length),
 *        so that the buffer the body is kept in can be sized once.
 *
 * The hint is only an allocation hint: it is never trusted. It is clamped to the size cap and
 * to 8 MiB, so a huge claimed size reserves at most 8 MiB when the first bytes arrive (the
 * buffer then grows geometrically with what really arrives).
 *
 * @param d    the decoder; must not have been fed yet in the current document.
 * @param hint expected document size in bytes (0 = unknown).
 * @return 0, or ::ERPLINK_EINVAL if @p d is NULL or already received bytes of this document.
 *
 * Not thread-safe for @p d.
 */
ERPLINK_EXTERN int erplink_json_decoder_set_size_hint(erplink_json_decoder *d, size_t hint);

/**
 * @brief Feeds the next @p len bytes of the document (any split is allowed, even inside a
 *        token or a UTF-8 sequence).
 *
 * The bytes are kept (copied) until erplink_json_decoder_finish() parses the document; feeding
 * costs a copy, linear in the body's size whatever the split. What can be told before the
 * document is complete is told here: the size cap is checked before the piece is kept (a
 * piece that would take the document beyond it fails with ::ERPLINK_ELIMIT without being
 * copied), and an HTML body fails once 200 bytes of it are in. Errors are sticky: after a
 * failure, further calls return the same code (with the same message) until
 * erplink_json_decoder_finish() resets the decoder.
 *
 * @param d    the decoder.
 * @param data the bytes (not copied beyond what a token split across pieces needs); may be
 *             NULL only when @p len is 0.
 * @param len  number of bytes.
 * @return 0; ::ERPLINK_EINVAL (NULL arguments); ::ERPLINK_EPROTOCOL (HTML, or an earlier
 *         failure); ::ERPLINK_ELIMIT (the size cap); ::ERPLINK_ENOMEM.
 *
 * Not thread-safe for @p d.
 */
ERPLINK_EXTERN int erplink_json_decoder_feed(erplink_json_decoder *d, const char *data, size_t len);

/**
 * @brief Ends the document, parses it and returns its tree.
 *
 * Whatever the outcome, the decoder is reset afterwards and can decode a new document
 * with the same caps (its buffers are kept for it).
 *
 * @param out receives the root of the decoded tree (free it with erplink_value_free()),
 *            or NULL on failure.
 * @param d   the decoder.
 * @return 0; ::ERPLINK_EINVAL (NULL arguments); ::ERPLINK_EPROTOCOL (not valid JSON,
 *         truncated or empty document, HTML, or an earlier failure); ::ERPLINK_ELIMIT;
 *         ::ERPLINK_ERANGE; ::ERPLINK_ENOMEM (see erplink_json_decode()).
 *
 * Not thread-safe for @p d.
 */
ERPLINK_EXTERN int erplink_json_decoder_finish(erplink_value **out, erplink_json_decoder *d);

/**
 * @brief Frees a decoder, the partial document it holds and its buffers.
 * @param d the decoder, or NULL (no-op). Not thread-safe for @p d.
 */
ERPLINK_EXTERN void erplink_json_decoder_free(erplink_json_decoder *d);

/**
 * @brief Encodes a value tree as compact JSON (no insignificant whitespace).
 *
 * Mapping: nil → `null`; bool → `true`/`false`; int → integer; double → the shortest text
 * that reads back as the same double, subnormals included, in the layout of Python's
 * `repr()` (always with a `.` or an exponent, so it stays a float in every peer: `1.0`,
 * `0.1`, `1e+16`, `5e-324`); string (secret strings included) → a JSON string in UTF-8, with
 * `"`, `\\`, control characters (`\\n`, `\\t`, …, otherwise `\\u00XX`) and U+2028/U+2029
 * escaped; bytes → a standard base64 string with padding; datetime → the string
 * `"YYYY-MM-DD HH:MM:SS"` (Odoo's format; `.ffffff` appended when the microseconds are not
 * zero); array → array; struct → object with its members in order.
 *
 * The writer is erplink's own (straight into one growing buffer), and walks the tree with a
 * heap stack, so any nesting depth is safe.
 *
 * @param out     receives the NUL-terminated text; free it with erplink_free(). NULL on failure.
 * @param out_len receives its length in bytes (may be NULL).
 * @param v       the value to encode.
 * @return 0; ::ERPLINK_EINVAL (@p out or @p v NULL, or a double that is NaN or infinite —
 *         the message says where); ::ERPLINK_ENOMEM.
 *
 * Thread-safe for concurrent readers of @p v.
 */
ERPLINK_EXTERN int erplink_json_encode(char **out, size_t *out_len, const erplink_value *v);

ERPLINK_END_DECLS

#endif /* ERPLINK_JSON_H */
