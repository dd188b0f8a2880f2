/* Path and query parameters of a call, and the URL they make with a route template. */
#include <inttypes.h>
#include <stdio.h>

#include "esi_internal.h"

typedef struct kv {
  char *k, *v;
} kv;

struct esi_params {
  kv *path;
  size_t np;
  kv *query;
  size_t nq;
};

int esi_params_new(esi_params **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "esi_params_new: NULL out");
  if (!(*out = calloc(1, sizeof **out))) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  return 0;
}

void esi_params_free(esi_params *p) {
  if (!p) return;
  for (size_t i = 0; i < p->np; i++) free(p->path[i].k), free(p->path[i].v);
  for (size_t i = 0; i < p->nq; i++) free(p->query[i].k), free(p->query[i].v);
  free(p->path);
  free(p->query);
  free(p);
}

static int kv_add(kv **arr, size_t *n, const char *k, const char *v) {
  kv *na = realloc(*arr, (*n + 1) * sizeof **arr);
  if (!na) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  *arr = na;
  na[*n].k = strdup(k);
  na[*n].v = strdup(v);
  if (!na[*n].k || !na[*n].v) {
    free(na[*n].k);
    free(na[*n].v);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  (*n)++;
  return 0;
}

int esi_params_set_path(esi_params *p, const char *name, const char *value) {
  if (!p || !esi__printable_ok(name) || !value || !*value)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_params_set_path: a name and a non-empty value are required");
  for (size_t i = 0; i < p->np; i++)
    if (strcmp(p->path[i].k, name) == 0) return erplink__set_str(&p->path[i].v, value, false);
  return kv_add(&p->path, &p->np, name, value);
}

int esi_params_set_path_int(esi_params *p, const char *name, int64_t value) {
  char b[24];
  snprintf(b, sizeof b, "%" PRId64, value);
  return esi_params_set_path(p, name, b);
}

int esi_params_add_query(esi_params *p, const char *name, const char *value) {
  if (!p || !esi__printable_ok(name) || !value)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_params_add_query: a name and a value are required");
  if (strcmp(name, "page") == 0)
    return erplink__error_setf(ERPLINK_EINVAL, "esi_params_add_query: 'page' is managed by the paginated calls");
  return kv_add(&p->query, &p->nq, name, value);
}

int esi_params_add_query_int(esi_params *p, const char *name, int64_t value) {
  char b[24];
  snprintf(b, sizeof b, "%" PRId64, value);
  return esi_params_add_query(p, name, b);
}

int esi__build_url(char **out, const esi_client *c, const char *route, const esi_params *p, int page,
                   const char *extra_q, const char *extra_v) {
  *out = NULL;
  if (!route || route[0] != '/' || !esi__printable_ok(route) || strpbrk(route, " ?#"))
    return erplink__error_setf(ERPLINK_EINVAL, "ESI: the route must be a path template starting with '/'");
  erplink_buf b = ERPLINK_BUF_INIT;
  erplink_buf_puts(&b, c->base_url);
  for (const char *s = route; *s;) {
    if (*s == '{') {
      const char *e = strchr(s, '}');
      if (!e) {
        erplink_buf_free(&b);
        return erplink__error_setf(ERPLINK_EINVAL, "ESI: unbalanced '{' in the route %s", route);
      }
      size_t nl = (size_t)(e - s - 1);
      const char *val = NULL;
      for (size_t i = 0; p && i < p->np && !val; i++)
        if (strlen(p->path[i].k) == nl && memcmp(p->path[i].k, s + 1, nl) == 0) val = p->path[i].v;
      if (!val) {
        erplink_buf_free(&b);
        return erplink__error_setf(ERPLINK_EINVAL, "ESI: no value for the path parameter {%.*s} of %s", (int)nl, s + 1,
                                   route);
      }
      erplink__url_escape_into(&b, val);
      s = e + 1;
    } else {
      erplink_buf_putc(&b, *s++);
    }
  }
  erplink_buf_putc(&b, '?');
  for (size_t i = 0; p && i < p->nq; i++) erplink__form_add(&b, p->query[i].k, p->query[i].v);
  if (extra_q) erplink__form_add(&b, extra_q, extra_v);
  char pv[16];
  snprintf(pv, sizeof pv, "%d", page);
  if (page > 0) erplink__form_add(&b, "page", pv);
  if (!b.oom && b.len && b.ptr[b.len - 1] == '?') b.ptr[--b.len] = '\0'; /* no query at all */
  if (b.oom) {
    erplink_buf_free(&b);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  *out = erplink_buf_detach(&b, NULL);
  return 0;
}

int esi__params_clone(esi_params **out, const esi_params *src) {
  *out = NULL;
  if (!src) return 0;
  esi_params *d = NULL;
  int rc = esi_params_new(&d);
  for (size_t i = 0; rc == 0 && i < src->np; i++) rc = kv_add(&d->path, &d->np, src->path[i].k, src->path[i].v);
  for (size_t i = 0; rc == 0 && i < src->nq; i++) rc = kv_add(&d->query, &d->nq, src->query[i].k, src->query[i].v);
  if (rc != 0) {
    esi_params_free(d);
    return rc;
  }
  *out = d;
  return 0;
}
