/* esi_response: the pages of one call (one for a single request), their items in page order
 * (found by binary search over the per-page offsets) and the first page's metadata. */
#include "esi_internal.h"

void esi_response_free(esi_response *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) esi__page_clear(&r->p[i]);
  free(r->p);
  free(r->offs);
  free(r);
}

static int response_finish(esi_response *r) {
  r->offs = calloc(r->n + 1, sizeof *r->offs);
  if (!r->offs) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  r->requests = 0;
  for (size_t i = 0; i < r->n; i++) {
    size_t k = erplink_value_type(r->p[i].value) == ERPLINK_TYPE_ARRAY ? erplink_value_count(r->p[i].value) : 0;
    r->offs[i + 1] = r->offs[i] + k;
    r->requests += r->p[i].requests;
  }
  return 0;
}

const erplink_value *esi_response_value(const esi_response *r) { return r && r->n ? r->p[0].value : NULL; }
size_t esi_response_page_count(const esi_response *r) { return r ? r->n : 0; }
const erplink_value *esi_response_page_at(const esi_response *r, size_t i) {
  return r && i < r->n ? r->p[i].value : NULL;
}
esi_cache_status esi_response_page_cache_status(const esi_response *r, size_t i) {
  return r && i < r->n ? r->p[i].cache : ESI_CACHE_MISS;
}
const char *esi_response_page_json(const esi_response *r, size_t i, size_t *len) {
  if (len) *len = 0;
  if (!r || i >= r->n || !r->p[i].json) return NULL;
  if (len) *len = r->p[i].json_len;
  return r->p[i].json;
}
size_t esi_response_item_count(const esi_response *r) { return r && r->offs ? r->offs[r->n] : 0; }
const erplink_value *esi_response_item_at(const esi_response *r, size_t i) {
  if (!r || !r->offs || i >= r->offs[r->n]) return NULL;
  size_t lo = 0, hi = r->n; /* find the page with offs[pg] <= i < offs[pg+1] */
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (r->offs[mid] <= i)
      lo = mid;
    else
      hi = mid;
  }
  return erplink_value_array_at(r->p[lo].value, i - r->offs[lo]);
}
int esi_response_status(const esi_response *r) { return r && r->n ? r->p[0].status : 0; }
esi_cache_status esi_response_cache_status(const esi_response *r) { return r && r->n ? r->p[0].cache : ESI_CACHE_MISS; }
int64_t esi_response_requests(const esi_response *r) { return r ? r->requests : 0; }
const char *esi_response_etag(const esi_response *r) { return r && r->n ? r->p[0].etag : NULL; }
const char *esi_response_last_modified(const esi_response *r) { return r && r->n ? r->p[0].lm : NULL; }
int64_t esi_response_expires_ms(const esi_response *r) { return r && r->n ? r->p[0].expires_ms : 0; }
int esi_response_pages(const esi_response *r) { return r && r->n ? r->p[0].pages : 1; }
void esi_response_error_limit(int *remain, int *reset_s, const esi_response *r) {
  int a = -1, b = -1;
  for (size_t i = 0; r && i < r->n; i++)
    if (r->p[i].el_remain >= 0) a = r->p[i].el_remain, b = r->p[i].el_reset;
  if (remain) *remain = a;
  if (reset_s) *reset_s = b;
}
void esi_response_rate_limit(const char **group, const char **limit, int64_t *remaining, int64_t *used,
                             const esi_response *r) {
  const esi__page *p = r && r->n ? &r->p[0] : NULL;
  if (group) *group = p ? p->rl_group : NULL;
  if (limit) *limit = p ? p->rl_limit : NULL;
  if (remaining) *remaining = p ? p->rl_remaining : -1;
  if (used) *used = p ? p->rl_used : -1;
}

esi_response *esi__response_new(size_t cap) {
  esi_response *r = calloc(1, sizeof *r);
  if (!r || !(r->p = calloc(cap ? cap : 1, sizeof *r->p))) {
    free(r);
    erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    return NULL;
  }
  r->cap = cap ? cap : 1;
  return r;
}

int esi__response_push(esi_response *r, esi__page *pg) {
  if (r->n == r->cap) {
    size_t cap = r->cap * 2;
    esi__page *np = realloc(r->p, cap * sizeof *np);
    if (!np) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    r->p = np;
    r->cap = cap;
  }
  r->p[r->n++] = *pg;
  esi__page_init(pg);
  return 0;
}

int esi__response_hand_over(esi_response **out, esi_response *r, int rc) {
  if (rc == 0) rc = response_finish(r);
  if (rc != 0) {
    erplink__error_saved *sv = erplink__error_save();
    esi_response_free(r);
    erplink__error_restore(sv);
    return rc;
  }
  *out = r;
  return 0;
}
