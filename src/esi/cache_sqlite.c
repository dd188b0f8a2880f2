/* The ESI HTTP cache in a store file: an esi_cache_store over an erplink_blob_cache (see
 * esi_cache_store_from_blob_cache() in include/erplink/esi_client.h). The blob cache bounds the size,
 * evicts the least recently used pages, checks every blob against its checksum and is shared
 * by every process using the file; this file only adapts the calls. */
#include <stdlib.h>

#include "erplink/esi.h"
#include "erplink/store.h"
#include "internal.h"

static int sq_get(const char *key, void **data, size_t *len, void *userdata) {
  int found = 0;
  *data = NULL;
  int rc = erplink_blob_cache_get(&found, data, len, userdata, key);
  if (rc == 0 && !found) *data = NULL; /* absent: 0 with no data (esi_cache_store's contract) */
  return rc;
}

static int sq_put(const char *key, const void *data, size_t len, void *userdata) {
  return erplink_blob_cache_put(userdata, key, data, len);
}

int esi_cache_store_from_blob_cache(esi_cache_store *out, erplink_blob_cache *cache) {
  if (!out || !cache) return erplink__error_setf(ERPLINK_EINVAL, "esi_cache_store_from_blob_cache: NULL argument");
  out->get = sq_get;
  out->put = sq_put;
  out->destroy = NULL; /* the cache is the caller's: it outlives the clients */
  out->userdata = cache;
  return 0;
}
