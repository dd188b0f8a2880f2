/* The JSON parser behind erplink_json_decode() and the incremental decoder: simdjson's stage 1
 * and erplink's own stage 2 building the arena tree directly (no DOM tape), with simdjson's
 * On-Demand API, walked without recursion, as the exact path. C interface, implemented in C++
 * (json_parse.cpp). Internal. */
#ifndef ERPLINK_CORE_JSON_PARSE_H
#define ERPLINK_CORE_JSON_PARSE_H

#include <stddef.h>

#include "erplink/value.h"

#ifdef __cplusplus
extern "C" {
#endif

struct erplink_limits;

/* Readable bytes that must follow the document in a buffer passed to erplink__json_parse()
 * (simdjson reads ahead in 32- or 64-byte blocks); json_parse.cpp checks that it equals
 * SIMDJSON_PADDING. */
#define ERPLINK_JSON_PADDING 64

/* A reusable parser: simdjson's stage-1 parser (4 bytes of structural indexes per byte of the
 * largest document it parsed, touched only where tokens are) and the tree builder's scratch,
 * kept for the next document. */
typedef struct erplink__json_parser erplink__json_parser;
erplink__json_parser *erplink__json_parser_new(void);    /* NULL when out of memory */
void erplink__json_parser_free(erplink__json_parser *p); /* NULL: no-op */

/* Parses the whole document [buf, buf + len) (followed by ERPLINK_JSON_PADDING readable
 * bytes, whose content does not matter) into an arena tree, enforcing the depth and element
 * caps of lim (the size cap is the caller's). size_hint sizes the tree's first arena block.
 * parser: a reusable parser, or NULL for the calling thread's (kept between calls, with at
 * most about 20 MiB of it resident: see json_parse.cpp). Returns 0 and *out (a root for erplink_value_free()), or a
 * negative code with the thread's error set ("invalid JSON at byte N: ..." and the codes of
 * erplink/json.h). The caller has already rejected empty documents and HTML. Thread-safe
 * for distinct parsers. */
int erplink__json_parse(erplink__json_parser *parser, erplink_value **out, const char *buf, size_t len,
                        const struct erplink_limits *lim, size_t size_hint);
/* erplink__json_parse() of any buffer (no padding needed: the last tokens are read from a
 * padded copy of the document's tail, and only the exact path copies the whole document),
 * with the calling thread's parser. */
int erplink__json_parse_unpadded(erplink_value **out, const char *data, size_t len, const struct erplink_limits *lim);
/* The same with the On-Demand walker only (the exact path, used for errors, scalar documents,
 * caps and numbers the fast path leaves to it): lets the tests check that both paths agree. */
int erplink__json_parse_ondemand(erplink_value **out, const char *buf, size_t len, const struct erplink_limits *lim,
                                 size_t size_hint);
/* The fast path alone, on an unpadded buffer (tests): 0 and *out, 1 when it leaves the document
 * to the exact path (*out NULL), or a negative code. */
int erplink__json_parse_fast(erplink_value **out, const char *buf, size_t len, const struct erplink_limits *lim);

#ifdef __cplusplus
}
#endif

#endif
