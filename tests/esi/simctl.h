/* Helpers for the esi tests: drive tests/servers/esi_sim.py through its /_ctl endpoints. */
#ifndef ERPLINK_TEST_ESI_SIMCTL_H
#define ERPLINK_TEST_ESI_SIMCTL_H

#include <stdint.h>

#include "erplink/erplink.h"
#include "server.h"

/* Starts the simulator (extra args may be NULL); returns 0 or -1. */
int sim_start(test_server *s, const char *const *extra_args);
/* POSTs JSON to base + path; returns the HTTP status (or -1) and, when out is not NULL,
 * the decoded answer (free with erplink_value_free). */
int sim_ctl(const test_server *s, const char *path, const char *json, erplink_value **out);
/* The number of requests counted under key (e.g. "POST /v2/oauth/token"). */
int64_t sim_hits(const test_server *s, const char *key);
/* Signs a token through /_ctl/mint with the given JSON spec; returns a malloc'ed string or NULL. */
char *sim_mint(const test_server *s, const char *spec_json);
/* Follows a login URL to the simulator's authorize endpoint and returns the code and state
 * of the redirect (malloc'ed) or -1. */
int sim_authorize(const char *url, char **code, char **state);
/* Formats into a static rotating buffer. */
const char *fmt(const char *f, ...);

#endif
