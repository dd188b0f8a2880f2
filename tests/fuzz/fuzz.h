/* The fuzz targets of erplink's parsers of untrusted input. Each takes arbitrary bytes,
 * checks properties (not only "no crash") and abort()s when one is violated, so that both
 * drivers notice: driver.c (a deterministic mutation loop run by every build's meson tests,
 * also under ASan/UBSan) and libfuzzer.c (clang's coverage-guided libFuzzer, -Dfuzzing=true).
 * See README.md in this folder. */
#ifndef ERPLINK_FUZZ_H
#define ERPLINK_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/* fuzz_targets.c */
int fuzz_xmlrpc_response(const uint8_t *data, size_t len); /* methodResponse: whole, split, re-encoded */
int fuzz_xmlrpc_call(const uint8_t *data, size_t len);     /* methodCall: whole, split, re-encoded */
int fuzz_xmlrpc(const uint8_t *data, size_t len);          /* both of the above */
int fuzz_json(const uint8_t *data, size_t len);            /* whole, split at two places, re-encoded */
/* fuzz_services.c */
int fuzz_cartona_orders(const uint8_t *data, size_t len); /* cartona_orders_parse() and accessors */
int fuzz_esi_pages(const uint8_t *data, size_t len);      /* ESI page bodies (NUL-separated) through the paginator */
int fuzz_http_headers(const uint8_t *data, size_t len);   /* response head (+ body) through the header callback */

/* Statistics for driver.c (test code only). */
extern long fuzz_accepted, fuzz_rejected;

/* Aborts with a description and the start of the input. */
void fuzz_fail(const char *what, const uint8_t *data, size_t len);
/* Checks a failure: negative code equal to the last error's, a category and a message. */
void fuzz_check_error(int rc, const uint8_t *data, size_t len);
#endif
