/* The search_read cursor: every record of a domain, page by page, ordered by id and paged with
 * an `id > last` leaf put in front of the caller's domain (no OFFSET: records created behind the
 * cursor meanwhile are not skipped, and one page is all the memory it holds). The callback
 * streams (search_read_pages, search_read_each) are loops over it. */
#include "odoo_internal.h"

#define DEFAULT_PAGE 1000
#define MAX_PAGE 1000000

struct odoo_cursor {
  odoo_client *c; /* borrowed */
  char *model;
  erplink_value *domain; /* the caller's leaves (a copy), or NULL */
  erplink_value *kw;     /* {fields?, limit, order: "id"}, the same for every page */
  size_t page_size;
  int64_t last; /* the id of the last record delivered (0 before the first page) */
  size_t count; /* records delivered */
  int done;
};

/* The keyword arguments of every page: the fields (with "id", which paging needs) or none for
 * all fields, the page size as the limit, ordered by id. */
static int page_kwargs(erplink_value **out, const char *const *fields, size_t n_fields, size_t page_size) {
  erplink_value *kw = NULL, *fv = NULL;
  int rc = erplink_value_new_struct(&kw);
  if (!rc && n_fields) {
    int has_id = 0;
    for (size_t i = 0; i < n_fields; i++)
      if (!strcmp(fields[i], "id")) has_id = 1;
    rc = odoo__strings_value(&fv, fields, n_fields);
    if (!rc && !has_id) rc = erplink_value_array_append_string(fv, "id");
    if (rc)
      erplink_value_free(fv);
    else
      rc = erplink_value_struct_set(kw, "fields", fv);
  }
  if (!rc) rc = erplink_value_struct_set_int(kw, "limit", (int64_t)page_size);
  if (!rc) rc = erplink_value_struct_set_string(kw, "order", "id");
  if (rc) {
    erplink_value_free(kw);
    return rc;
  }
  *out = kw;
  return 0;
}

int odoo_cursor_new(odoo_cursor **out, odoo_client *c, const char *model, const erplink_value *domain,
                    const char *const *fields, size_t n_fields, size_t page_size) {
  if (out) *out = NULL;
  if (!out || !c || !model || !*model || page_size > MAX_PAGE)
    return odoo__einval("odoo_cursor_new: bad arguments (NULL out, client or model, or page_size above 1000000)");
  int rc = odoo__check_domain(domain);
  if (!rc) rc = odoo__check_names(fields, n_fields, "odoo_cursor_new: fields");
  if (rc) return rc;
  odoo_cursor *cur = calloc(1, sizeof *cur);
  if (!cur) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  cur->c = c;
  cur->page_size = page_size ? page_size : DEFAULT_PAGE;
  if ((rc = erplink__set_str(&cur->model, model, false)) ||
      (domain && (rc = erplink_value_clone(&cur->domain, domain))) ||
      (rc = page_kwargs(&cur->kw, fields, n_fields, cur->page_size))) {
    odoo_cursor_free(cur);
    return rc;
  }
  *out = cur;
  return 0;
}

void odoo_cursor_free(odoo_cursor *cur) {
  if (!cur) return;
  free(cur->model);
  erplink_value_free(cur->domain);
  erplink_value_free(cur->kw);
  free(cur);
}

size_t odoo_cursor_count(const odoo_cursor *cur) { return cur ? cur->count : 0; }

/* args = [[["id", ">", last], *domain]] (an appended value is consumed, also on failure) */
static int page_args(erplink_value **out, const odoo_cursor *cur) {
  erplink_value *leaf = NULL, *dom = NULL, *args = NULL;
  int rc = erplink_value_new_array(&leaf);
  if (rc) return rc;
  if ((rc = erplink_value_array_append_string(leaf, "id")) || (rc = erplink_value_array_append_string(leaf, ">")) ||
      (rc = erplink_value_array_append_int(leaf, cur->last)) || (rc = erplink_value_new_array(&dom))) {
    erplink_value_free(leaf);
    return rc;
  }
  rc = erplink_value_array_append(dom, leaf);
  size_t nd = cur->domain ? erplink_value_count(cur->domain) : 0;
  for (size_t i = 0; i < nd && !rc; i++) {
    erplink_value *cv = NULL;
    rc = erplink_value_clone(&cv, erplink_value_array_at(cur->domain, i));
    if (!rc) rc = erplink_value_array_append(dom, cv);
  }
  if (!rc && (rc = erplink_value_new_array(&args))) {
    erplink_value_free(dom);
    return rc;
  }
  if (rc || (rc = erplink_value_array_append(args, dom))) {
    if (!args) erplink_value_free(dom);
    erplink_value_free(args);
    return rc;
  }
  *out = args;
  return 0;
}

int odoo_cursor_next(erplink_value **page, odoo_cursor *cur) {
  if (page) *page = NULL;
  if (!page || !cur) return odoo__einval("odoo_cursor_next: NULL argument");
  if (cur->done) return 0;
  if (erplink__cancel_requested())
    return erplink__error_setf(ERPLINK_ECANCELLED, "odoo: %s.search_read cursor: cancelled after %zu records",
                               cur->model, cur->count);
  erplink_value *args = NULL, *pg = NULL;
  int rc = page_args(&args, cur);
  if (rc) return rc;
  rc = odoo_client_execute_kw(&pg, cur->c, cur->model, "search_read", args, cur->kw);
  erplink_value_free(args);
  if (rc) return rc; /* the position is kept: the next call asks for the same page again */
  if (erplink_value_type(pg) != ERPLINK_TYPE_ARRAY) {
    erplink_value_free(pg);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.search_read did not answer a list", cur->model);
  }
  size_t n = erplink_value_count(pg);
  if (n == 0) {
    erplink_value_free(pg);
    cur->done = 1;
    return 0;
  }
  int64_t next = cur->last;
  const erplink_value *idv = erplink_value_struct_get(erplink_value_array_at(pg, n - 1), "id");
  if (!idv || erplink_value_get_int(&next, idv) != 0 || next <= cur->last) {
    erplink_value_free(pg);
    return erplink__error_setf(ERPLINK_EPROTOCOL,
                               "odoo: %s.search_read paging: the records are not ordered by increasing id", cur->model);
  }
  if (n < cur->page_size) cur->done = 1; /* a short page is the last one: no request for an empty one */
  cur->last = next;
  cur->count += n;
  *page = pg;
  return 0;
}

/* ------------------------------------------------------------------ callbacks on the cursor */

int odoo_client_search_read_pages(odoo_client *c, const char *model, const erplink_value *domain,
                                  const char *const *fields, size_t n_fields, size_t page_size, odoo_page_fn fn,
                                  void *userdata) {
  if (!fn) return odoo__einval("odoo_client_search_read_pages: NULL callback");
  odoo_cursor *cur = NULL;
  int rc = odoo_cursor_new(&cur, c, model, domain, fields, n_fields, page_size);
  while (!rc) {
    erplink_value *page = NULL;
    if ((rc = odoo_cursor_next(&page, cur)) || !page) break;
    int stop = fn(page, userdata);
    erplink_value_free(page);
    if (stop)
      rc = erplink__error_setf(ERPLINK_ECANCELLED, "odoo: %s: streaming search_read stopped by the callback", model);
  }
  odoo_cursor_free(cur);
  return rc;
}

typedef struct each_ctx {
  odoo_record_fn fn;
  void *userdata;
} each_ctx;

static int each_page(const erplink_value *page, void *userdata) {
  each_ctx *e = userdata;
  size_t n = erplink_value_count(page);
  for (size_t i = 0; i < n; i++)
    if (e->fn(erplink_value_array_at(page, i), e->userdata)) return 1;
  return 0;
}

int odoo_client_search_read_each(odoo_client *c, const char *model, const erplink_value *domain,
                                 const char *const *fields, size_t n_fields, size_t page_size, odoo_record_fn fn,
                                 void *userdata) {
  if (!fn) return odoo__einval("odoo_client_search_read_each: NULL callback");
  each_ctx e = {fn, userdata};
  return odoo_client_search_read_pages(c, model, domain, fields, n_fields, page_size, each_page, &e);
}
