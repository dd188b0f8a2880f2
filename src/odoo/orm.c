/* The typed ORM calls: search, search_count, read, search_read, create, write, unlink,
 * fields_get, name_search, read_group, each built as an execute_kw call (call.c). */
#include "odoo_internal.h"

int odoo__check_names(const char *const *names, size_t n, const char *what) {
  if (n && !names) return erplink__error_setf(ERPLINK_EINVAL, "odoo: %s is NULL with a count of %zu", what, n);
  for (size_t i = 0; i < n; i++)
    if (!names[i]) return erplink__error_setf(ERPLINK_EINVAL, "odoo: %s[%zu] is NULL", what, i);
  return 0;
}

int odoo__strings_value(erplink_value **out, const char *const *names, size_t n) {
  int rc = erplink_value_new_array(out);
  for (size_t i = 0; !rc && i < n; i++) rc = erplink_value_array_append_string(*out, names[i]);
  if (rc) {
    erplink_value_free(*out);
    *out = NULL;
  }
  return rc;
}

static int ids_array(erplink_value **out, const int64_t *ids, size_t n) {
  int rc = erplink_value_new_array(out);
  for (size_t i = 0; !rc && i < n; i++) rc = erplink_value_array_append_int(*out, ids[i]);
  if (rc) {
    erplink_value_free(*out);
    *out = NULL;
  }
  return rc;
}

/* args = [first], first cloned or [] when NULL (consumes nothing). */
static int args_with(erplink_value **args, const erplink_value *first, int empty_array_if_null) {
  int rc = erplink_value_new_array(args);
  if (rc) return rc;
  erplink_value *v = NULL;
  if (first)
    rc = erplink_value_clone(&v, first);
  else if (empty_array_if_null)
    rc = erplink_value_new_array(&v);
  else
    return 0;
  if (!rc) rc = erplink_value_array_append(*args, v);
  if (rc) {
    erplink_value_free(*args);
    *args = NULL;
  }
  return rc;
}

int odoo__check_domain(const erplink_value *d) {
  if (d && erplink_value_type(d) != ERPLINK_TYPE_ARRAY) return odoo__einval("the domain must be an array");
  return 0;
}

int odoo_client_search(erplink_value **out, odoo_client *c, const char *model, const erplink_value *domain,
                       int64_t offset, int64_t limit, const char *order) {
  if (!out || !c || offset < 0 || limit < 0) return odoo__einval("odoo_client_search: bad arguments");
  *out = NULL;
  int rc = odoo__check_domain(domain);
  if (rc) return rc;
  erplink_value *args = NULL, *kw = NULL;
  if ((rc = args_with(&args, domain, 1)) || (rc = erplink_value_new_struct(&kw)) ||
      (offset && (rc = erplink_value_struct_set_int(kw, "offset", offset))) ||
      (limit && (rc = erplink_value_struct_set_int(kw, "limit", limit))) ||
      (order && (rc = erplink_value_struct_set_string(kw, "order", order))))
    goto done;
  rc = odoo_client_execute_kw(out, c, model, "search", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_search_count(int64_t *out, odoo_client *c, const char *model, const erplink_value *domain) {
  if (!out || !c) return odoo__einval("odoo_client_search_count: NULL argument");
  int rc = odoo__check_domain(domain);
  if (rc) return rc;
  erplink_value *args = NULL, *res = NULL;
  if ((rc = args_with(&args, domain, 1))) return rc;
  rc = odoo_client_execute_kw(&res, c, model, "search_count", args, NULL);
  erplink_value_free(args);
  if (rc) return rc;
  rc = erplink_value_get_int(out, res);
  if (rc)
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.search_count answered a %s, not an integer", model,
                             erplink_type_name(erplink_value_type(res)));
  erplink_value_free(res);
  return rc;
}

int odoo_client_read(erplink_value **out, odoo_client *c, const char *model, const int64_t *ids, size_t n_ids,
                     const char *const *fields, size_t n_fields) {
  if (!out || !c || (n_ids && !ids)) return odoo__einval("odoo_client_read: bad arguments");
  *out = NULL;
  int rc = odoo__check_names(fields, n_fields, "odoo_client_read: fields");
  if (rc) return rc;
  erplink_value *args = NULL, *idv = NULL, *kw = NULL, *fv = NULL;
  if ((rc = erplink_value_new_array(&args)) || (rc = ids_array(&idv, ids, n_ids)) ||
      (rc = erplink_value_array_append(args, idv)) || (rc = erplink_value_new_struct(&kw)))
    goto done;
  if (n_fields &&
      ((rc = odoo__strings_value(&fv, fields, n_fields)) || (rc = erplink_value_struct_set(kw, "fields", fv))))
    goto done;
  rc = odoo_client_execute_kw(out, c, model, "read", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

static int search_read_kw(erplink_value **kw, const char *const *fields, size_t n_fields, int64_t offset, int64_t limit,
                          const char *order) {
  erplink_value *fv = NULL;
  int rc = erplink_value_new_struct(kw);
  if (!rc && n_fields) {
    rc = odoo__strings_value(&fv, fields, n_fields);
    if (!rc) rc = erplink_value_struct_set(*kw, "fields", fv);
  }
  if (!rc && offset) rc = erplink_value_struct_set_int(*kw, "offset", offset);
  if (!rc && limit) rc = erplink_value_struct_set_int(*kw, "limit", limit);
  if (!rc && order) rc = erplink_value_struct_set_string(*kw, "order", order);
  return rc;
}

int odoo_client_search_read(erplink_value **out, odoo_client *c, const char *model, const erplink_value *domain,
                            const char *const *fields, size_t n_fields, int64_t offset, int64_t limit,
                            const char *order) {
  if (!out || !c || offset < 0 || limit < 0) return odoo__einval("odoo_client_search_read: bad arguments");
  *out = NULL;
  int rc = odoo__check_domain(domain);
  if (!rc) rc = odoo__check_names(fields, n_fields, "odoo_client_search_read: fields");
  if (rc) return rc;
  erplink_value *args = NULL, *kw = NULL;
  if (!(rc = args_with(&args, domain, 1)) && !(rc = search_read_kw(&kw, fields, n_fields, offset, limit, order)))
    rc = odoo_client_execute_kw(out, c, model, "search_read", args, kw);
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_create(int64_t *out_id, odoo_client *c, const char *model, const erplink_value *vals) {
  if (!out_id || !c || !vals || erplink_value_type(vals) != ERPLINK_TYPE_STRUCT)
    return odoo__einval("odoo_client_create: vals must be a struct");
  erplink_value *args = NULL, *res = NULL;
  int rc = args_with(&args, vals, 0);
  if (rc) return rc;
  rc = odoo_client_execute_kw(&res, c, model, "create", args, NULL);
  erplink_value_free(args);
  if (rc) return rc;
  const erplink_value *idv = res;
  if (erplink_value_type(res) == ERPLINK_TYPE_ARRAY && erplink_value_count(res) == 1)
    idv = erplink_value_array_at(res, 0);
  rc = erplink_value_get_int(out_id, idv);
  if (rc)
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.create answered a %s, not an id", model,
                             erplink_type_name(erplink_value_type(res)));
  erplink_value_free(res);
  return rc;
}

int odoo_client_create_many(erplink_value **out, odoo_client *c, const char *model, const erplink_value *vals_list) {
  if (!out || !c || !vals_list || erplink_value_type(vals_list) != ERPLINK_TYPE_ARRAY)
    return odoo__einval("odoo_client_create_many: vals_list must be an array");
  *out = NULL;
  erplink_value *args = NULL;
  int rc = args_with(&args, vals_list, 0);
  if (rc) return rc;
  rc = odoo_client_execute_kw(out, c, model, "create", args, NULL);
  erplink_value_free(args);
  if (!rc && erplink_value_type(*out) != ERPLINK_TYPE_ARRAY) {
    erplink_value_free(*out);
    *out = NULL;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s.create of a list did not answer a list of ids", model);
  }
  return rc;
}

static int ids_call(odoo_client *c, const char *model, const char *method, const int64_t *ids, size_t n,
                    const erplink_value *second) {
  if (!c || !ids || !n) return odoo__einval("the ids must not be empty");
  erplink_value *args = NULL, *idv = NULL, *v2 = NULL;
  int rc;
  if ((rc = erplink_value_new_array(&args)) || (rc = ids_array(&idv, ids, n)) ||
      (rc = erplink_value_array_append(args, idv)) ||
      (second && ((rc = erplink_value_clone(&v2, second)) || (rc = erplink_value_array_append(args, v2))))) {
    erplink_value_free(args);
    return rc;
  }
  rc = odoo_client_execute_kw(NULL, c, model, method, args, NULL);
  erplink_value_free(args);
  return rc;
}

int odoo_client_write(odoo_client *c, const char *model, const int64_t *ids, size_t n_ids, const erplink_value *vals) {
  if (!vals || erplink_value_type(vals) != ERPLINK_TYPE_STRUCT)
    return odoo__einval("odoo_client_write: vals must be a struct");
  return ids_call(c, model, "write", ids, n_ids, vals);
}

int odoo_client_unlink(odoo_client *c, const char *model, const int64_t *ids, size_t n_ids) {
  return ids_call(c, model, "unlink", ids, n_ids, NULL);
}

int odoo_client_fields_get(erplink_value **out, odoo_client *c, const char *model, const char *const *attributes,
                           size_t n_attributes) {
  if (!out || !c) return odoo__einval("odoo_client_fields_get: NULL argument");
  *out = NULL;
  int rc = odoo__check_names(attributes, n_attributes, "odoo_client_fields_get: attributes");
  if (rc) return rc;
  erplink_value *kw = NULL, *av = NULL;
  rc = erplink_value_new_struct(&kw);
  if (!rc && n_attributes) {
    rc = odoo__strings_value(&av, attributes, n_attributes);
    if (!rc) rc = erplink_value_struct_set(kw, "attributes", av);
  }
  if (!rc) rc = odoo_client_execute_kw(out, c, model, "fields_get", NULL, kw);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_name_search(erplink_value **out, odoo_client *c, const char *model, const char *name,
                            const erplink_value *domain, const char *operator_, int64_t limit) {
  if (!out || !c || !name || limit < 0) return odoo__einval("odoo_client_name_search: bad arguments");
  *out = NULL;
  int rc = odoo__check_domain(domain);
  if (rc) return rc;
  /* the domain is named "args" up to Odoo 18 and "domain" from 19 (see RENAMED): it travels
   * positionally, after the name (JSON-2 names both); without one, the name is a keyword as in
   * Odoo's own examples */
  erplink_value *args = NULL, *kw = NULL, *dv = NULL;
  if ((domain && ((rc = erplink_value_new_array(&args)) || (rc = erplink_value_array_append_string(args, name)) ||
                  (rc = erplink_value_clone(&dv, domain)) || (rc = erplink_value_array_append(args, dv)))) ||
      (rc = erplink_value_new_struct(&kw)) || (!domain && (rc = erplink_value_struct_set_string(kw, "name", name))) ||
      (operator_ && (rc = erplink_value_struct_set_string(kw, "operator", operator_))) ||
      (limit && (rc = erplink_value_struct_set_int(kw, "limit", limit))))
    goto done;
  rc = odoo_client_execute_kw(out, c, model, "name_search", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}

int odoo_client_read_group(erplink_value **out, odoo_client *c, const char *model, const erplink_value *domain,
                           const char *const *fields, size_t n_fields, const char *const *groupby, size_t n_groupby,
                           int64_t offset, int64_t limit, const char *orderby, int lazy) {
  if (!out || !c || !n_groupby || offset < 0 || limit < 0)
    return odoo__einval("odoo_client_read_group: bad arguments (groupby needs at least one field)");
  *out = NULL;
  int rc = odoo__check_domain(domain);
  if (!rc) rc = odoo__check_names(fields, n_fields, "odoo_client_read_group: fields");
  if (!rc) rc = odoo__check_names(groupby, n_groupby, "odoo_client_read_group: groupby");
  if (rc) return rc;
  erplink_value *args = NULL, *kw = NULL, *fv = NULL, *gv = NULL;
  /* positional domain, fields, groupby as Odoo's documentation shows (JSON-2 names them) */
  if ((rc = args_with(&args, domain, 1)) || (rc = odoo__strings_value(&fv, fields, n_fields)) ||
      (rc = erplink_value_array_append(args, fv)) || (rc = odoo__strings_value(&gv, groupby, n_groupby)) ||
      (rc = erplink_value_array_append(args, gv)) || (rc = erplink_value_new_struct(&kw)) ||
      (offset && (rc = erplink_value_struct_set_int(kw, "offset", offset))) ||
      (limit && (rc = erplink_value_struct_set_int(kw, "limit", limit))) ||
      (orderby && (rc = erplink_value_struct_set_string(kw, "orderby", orderby))) ||
      (rc = erplink_value_struct_set_bool(kw, "lazy", lazy != 0)))
    goto done;
  rc = odoo_client_execute_kw(out, c, model, "read_group", args, kw);
done:
  erplink_value_free(args);
  erplink_value_free(kw);
  return rc;
}
