/* execute_kw, the one call every ORM method goes through: the default context merged into the
 * caller's, the positional → named mapping of the standard ORM methods for JSON-2, the keywords
 * Odoo renamed between versions sent positionally on XML-RPC and JSON-RPC, and the dispatch to
 * the protocol in use. */
#include <stdio.h>

#include "odoo_internal.h"

static int is_idempotent_method(const char *m) {
  static const char *const names[] = {
      "search",     "search_count", "read",        "search_read",          "fields_get",          "name_search",
      "read_group", "default_get",  "context_get", "formatted_read_group", "check_access_rights", NULL};
  for (int i = 0; names[i]; i++)
    if (!strcmp(m, names[i])) return 1;
  return 0;
}

/* The merged context: defaults from the options, then the caller's keys. NULL if empty. */
static int merged_context(odoo_client *c, const erplink_value *caller, erplink_value **out) {
  *out = NULL;
  if (!c->lang && !c->tz && !c->n_companies && !caller) return 0;
  if (caller && erplink_value_type(caller) != ERPLINK_TYPE_STRUCT)
    return odoo__einval("kwargs[\"context\"] must be a struct");
  erplink_value *ctx = NULL;
  int rc = erplink_value_new_struct(&ctx);
  if (rc) return rc;
  if (c->lang && (rc = erplink_value_struct_set_string(ctx, "lang", c->lang))) goto fail;
  if (c->tz && (rc = erplink_value_struct_set_string(ctx, "tz", c->tz))) goto fail;
  if (c->n_companies) {
    erplink_value *a = NULL;
    if ((rc = erplink_value_new_array(&a))) goto fail;
    for (size_t i = 0; i < c->n_companies && !rc; i++) rc = erplink_value_array_append_int(a, c->companies[i]);
    if (rc) {
      erplink_value_free(a);
      goto fail;
    }
    if ((rc = erplink_value_struct_set(ctx, "allowed_company_ids", a))) goto fail;
  }
  if (caller) {
    size_t n = erplink_value_count(caller);
    for (size_t i = 0; i < n; i++) {
      const char *k = NULL;
      size_t kl = 0;
      k = erplink_value_struct_key_at(caller, i);
      kl = erplink_value_struct_key_len_at(caller, i);
      const erplink_value *v = erplink_value_struct_value_at(caller, i);
      erplink_value *cv = NULL;
      char key[256];
      if (kl >= sizeof key) continue;
      memcpy(key, k, kl);
      key[kl] = '\0';
      if ((rc = erplink_value_clone(&cv, v)) || (rc = erplink_value_struct_set(ctx, key, cv))) goto fail;
    }
  }
  *out = ctx;
  return 0;
fail:
  erplink_value_free(ctx);
  return rc;
}

/* Parameters of the standard ORM methods whose keyword name differs between Odoo versions, read
 * from BaseModel in odoo/models.py of 16.0, 17.0, 18.0 and 19.0 (odoo/orm/models.py) and from the
 * overrides in odoo/addons/base/models: name_search(name, args, ...) up to 18 became
 * name_search(name, domain, ...) in 19; default_get(fields_list) up to 18 (res.partner's override:
 * default_get(default_fields)) became default_get(fields) in 19. Every other parameter the client
 * names (see json2_sig) is named alike in the four versions. Positionally every version takes
 * them: on XML-RPC and JSON-RPC the client sends them so, whichever name the caller used; on
 * JSON-2 (Odoo 19 on) it sends 19's name. */
typedef struct renamed_param {
  const char *method;
  size_t pos;           /* positional index (ids excluded) */
  const char *json2;    /* the name Odoo 19 takes */
  const char *names[4]; /* every name the versions use, NULL-terminated */
} renamed_param;

static const renamed_param RENAMED[] = {
    {"name_search", 1, "domain", {"domain", "args", NULL}},
    {"default_get", 0, "fields", {"fields", "fields_list", "default_fields", NULL}},
};

static const renamed_param *find_renamed(const char *method) {
  for (size_t i = 0; i < sizeof RENAMED / sizeof RENAMED[0]; i++)
    if (!strcmp(RENAMED[i].method, method)) return &RENAMED[i];
  return NULL;
}

static int is_renamed_key(const renamed_param *r, const char *k, size_t kl) {
  for (size_t i = 0; r && r->names[i]; i++)
    if (strlen(r->names[i]) == kl && !memcmp(r->names[i], k, kl)) return 1;
  return 0;
}

static int key_in(const char *const *keys, const char *k, size_t kl) {
  for (size_t i = 0; keys && keys[i]; i++)
    if (strlen(keys[i]) == kl && !memcmp(keys[i], k, kl)) return 1;
  return 0;
}

/* kwargs without "context" and the @p skip keys, cloned into dst (a struct), the names of
 * @p rename given its JSON-2 name; returns the caller's context. */
static int copy_kwargs(erplink_value *dst, const erplink_value *kwargs, const erplink_value **ctx,
                       const char *const *skip, const renamed_param *rename) {
  *ctx = NULL;
  if (!kwargs) return 0;
  size_t n = erplink_value_count(kwargs);
  for (size_t i = 0; i < n; i++) {
    const char *k = NULL;
    size_t kl = 0;
    k = erplink_value_struct_key_at(kwargs, i);
    kl = erplink_value_struct_key_len_at(kwargs, i);
    const erplink_value *v = erplink_value_struct_value_at(kwargs, i);
    if (kl == 7 && !memcmp(k, "context", 7)) {
      *ctx = v;
      continue;
    }
    if (key_in(skip, k, kl)) continue;
    if (is_renamed_key(rename, k, kl)) k = rename->json2, kl = strlen(k);
    char *key = strndup(k, kl);
    if (!key) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    erplink_value *cv = NULL;
    int rc = erplink_value_clone(&cv, v);
    if (!rc) rc = erplink_value_struct_set(dst, key, cv);
    free(key);
    if (rc) return rc;
  }
  return 0;
}

typedef struct json2_sig {
  const char *method;
  int record; /* takes ids */
  const char *names[8];
} json2_sig;

static const json2_sig SIGS[] = {
    {"search", 0, {"domain", "offset", "limit", "order", NULL}},
    {"search_count", 0, {"domain", "limit", NULL}},
    {"search_read", 0, {"domain", "fields", "offset", "limit", "order", NULL}},
    {"read", 1, {"fields", "load", NULL}},
    {"create", 0, {"vals_list", NULL}},
    {"write", 1, {"vals", NULL}},
    {"unlink", 1, {NULL}},
    {"copy", 1, {"default", NULL}},
    {"fields_get", 0, {"allfields", "attributes", NULL}},
    {"name_search", 0, {"name", "domain", "operator", "limit", NULL}},
    {"name_create", 0, {"name", NULL}},
    {"read_group", 0, {"domain", "fields", "groupby", "offset", "limit", "orderby", "lazy", NULL}},
    {"formatted_read_group", 0, {"domain", "groupby", "aggregates", "having", "offset", "limit", "order", NULL}},
    {"default_get", 0, {"fields", NULL}},
    {"context_get", 0, {NULL}},
    {"has_group", 1, {"group_ext_id", NULL}},
    {"check_access_rule", 1, {"operation", NULL}},
    {"action_archive", 1, {NULL}},
    {"action_unarchive", 1, {NULL}},
};

static const json2_sig *find_sig(const char *m) {
  for (size_t i = 0; i < sizeof SIGS / sizeof SIGS[0]; i++)
    if (!strcmp(SIGS[i].method, m)) return &SIGS[i];
  return NULL;
}

static int ids_value(erplink_value **out, const erplink_value *v) {
  if (erplink_value_type(v) == ERPLINK_TYPE_INT) {
    int64_t i = 0;
    erplink_value_get_int(&i, v);
    int rc = erplink_value_new_array(out);
    if (!rc) rc = erplink_value_array_append_int(*out, i);
    return rc;
  }
  return erplink_value_clone(out, v);
}

static int is_id_list(const erplink_value *v) {
  if (erplink_value_type(v) != ERPLINK_TYPE_ARRAY) return 0;
  size_t n = erplink_value_count(v);
  for (size_t i = 0; i < n; i++)
    if (erplink_value_type(erplink_value_array_at(v, i)) != ERPLINK_TYPE_INT) return 0;
  return 1;
}

static int json2_body(odoo_client *c, erplink_value **out, const char *method, const erplink_value *args,
                      const erplink_value *kwargs) {
  const json2_sig *sig = find_sig(method);
  int record = sig ? sig->record : (!strncmp(method, "action_", 7) || !strncmp(method, "button_", 7));
  size_t nargs = args ? erplink_value_count(args) : 0;
  erplink_value *body = NULL;
  int rc = erplink_value_new_struct(&body);
  if (rc) return rc;
  size_t i = 0;
  if (nargs && (record || (!sig && nargs == 1 && is_id_list(erplink_value_array_at(args, 0))))) {
    erplink_value *ids = NULL;
    const erplink_value *a0 = erplink_value_array_at(args, 0);
    if (erplink_value_type(a0) != ERPLINK_TYPE_INT && !is_id_list(a0)) {
      rc = erplink__error_setf(ERPLINK_EINVAL, "odoo: %s: the first positional argument must be the ids", method);
      goto fail;
    }
    if ((rc = ids_value(&ids, a0)) || (rc = erplink_value_struct_set(body, "ids", ids))) goto fail;
    i = 1;
  }
  for (size_t k = 0; i < nargs; i++, k++) {
    const char *name = sig && k < 8 ? sig->names[k] : NULL;
    if (!name) {
      rc = erplink__error_setf(ERPLINK_EINVAL,
                               "odoo: %s: JSON-2 takes named parameters only; pass argument %zu in kwargs by its name",
                               method, i + 1);
      goto fail;
    }
    erplink_value *cv = NULL;
    if ((rc = erplink_value_clone(&cv, erplink_value_array_at(args, i))) ||
        (rc = erplink_value_struct_set(body, name, cv)))
      goto fail;
  }
  const erplink_value *caller_ctx = NULL;
  if ((rc = copy_kwargs(body, kwargs, &caller_ctx, NULL, find_renamed(method)))) goto fail;
  erplink_value *ctx = NULL;
  if ((rc = merged_context(c, caller_ctx, &ctx))) goto fail;
  if (ctx && (rc = erplink_value_struct_set(body, "context", ctx))) goto fail;
  *out = body;
  return 0;
fail:
  erplink_value_free(body);
  return rc;
}

/* The positional arguments of an execute_kw call (a new array in *out): @p args, then a
 * keyword argument whose name Odoo renamed between versions (RENAMED), moved to its position
 * when the arguments before it are given (name_search's name may come from kwargs, else '' as
 * Odoo's default). @p skip receives the keys moved (NULL-terminated, at most 2). */
static int rpc_args(erplink_value **out, const char **skip, const char *method, const erplink_value *args,
                    const erplink_value *kwargs) {
  skip[0] = NULL;
  int rc = args ? erplink_value_clone(out, args) : erplink_value_new_array(out);
  if (rc) return rc;
  const renamed_param *r = find_renamed(method);
  size_t nargs = args ? erplink_value_count(args) : 0;
  if (!r || !kwargs || nargs > r->pos) return 0;
  const char *key = NULL;
  const erplink_value *moved = NULL;
  for (size_t i = 0; !moved && r->names[i]; i++)
    if ((moved = erplink_value_struct_get(kwargs, r->names[i]))) key = r->names[i];
  if (!moved) return 0;
  size_t ns = 0;
  erplink_value *v = NULL;
  if (nargs < r->pos) { /* name_search(name=..., domain=...): the name goes first */
    const erplink_value *name = erplink_value_struct_get(kwargs, "name");
    if (name) skip[ns++] = "name";
    rc = name ? erplink_value_clone(&v, name) : erplink_value_new_string(&v, "");
    if (!rc) rc = erplink_value_array_append(*out, v);
  }
  v = NULL;
  if (!rc) rc = erplink_value_clone(&v, moved);
  if (!rc) rc = erplink_value_array_append(*out, v);
  if (rc) {
    erplink_value_free(*out);
    *out = NULL;
    return rc;
  }
  skip[ns++] = key;
  skip[ns] = NULL;
  return 0;
}

int odoo_client_call(erplink_value **out, odoo_client *c, const char *model, const char *method,
                     const erplink_value *args, const erplink_value *kwargs, unsigned flags) {
  if (out) *out = NULL;
  if (!c || !model || !*model || !method || !*method) return odoo__einval("execute_kw: NULL or empty argument");
  if (args && erplink_value_type(args) != ERPLINK_TYPE_ARRAY) return odoo__einval("execute_kw: args must be an array");
  if (kwargs && erplink_value_type(kwargs) != ERPLINK_TYPE_STRUCT)
    return odoo__einval("execute_kw: kwargs must be a struct");
  for (const char *p = model; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_'))
      return odoo__einval("execute_kw: the model name may only hold letters, digits, '.' and '_'");
  for (const char *p = method; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
      return odoo__einval("execute_kw: the method name may only hold letters, digits and '_'");
  int idem = (flags & ODOO_CALL_IDEMPOTENT) || is_idempotent_method(method);
  char what[300];
  snprintf(what, sizeof what, "%.140s.%.140s", model, method);
  odoo_protocol p;
  int64_t uid = 0;
  int rc = odoo__ensure_uid(c, &p, &uid);
  if (rc) return rc;
  erplink_value *res = NULL;
  if (p == ODOO_PROTOCOL_JSON2) {
    erplink_value *body = NULL;
    if ((rc = json2_body(c, &body, method, args, kwargs))) return rc;
    rc = odoo__json2_call(&res, c, model, method, body, idem, what);
    erplink_value_free(body);
  } else {
    erplink_value *params = NULL, *sec = NULL, *a = NULL, *kw = NULL, *ctx = NULL;
    const erplink_value *caller_ctx = NULL;
    const char *moved[3] = {NULL, NULL, NULL};
    if ((rc = erplink_value_new_array(&params)) || (rc = erplink_value_array_append_string(params, c->db)) ||
        (rc = erplink_value_array_append_int(params, uid)) || (rc = odoo__secret_value(c, &sec)) ||
        (rc = erplink_value_array_append(params, sec)) || (rc = erplink_value_array_append_string(params, model)) ||
        (rc = erplink_value_array_append_string(params, method)) || (rc = rpc_args(&a, moved, method, args, kwargs)) ||
        (rc = erplink_value_array_append(params, a)) || (rc = erplink_value_new_struct(&kw)) ||
        (rc = copy_kwargs(kw, kwargs, &caller_ctx, moved, NULL)) || (rc = merged_context(c, caller_ctx, &ctx)) ||
        (ctx && (rc = erplink_value_struct_set(kw, "context", ctx)))) {
      erplink_value_free(kw);
      erplink_value_free(params);
      return rc;
    }
    /* kwargs travel only when there are some (as Odoo's own clients do) */
    if (erplink_value_count(kw) == 0)
      erplink_value_free(kw);
    else if ((rc = erplink_value_array_append(params, kw))) {
      erplink_value_free(params);
      return rc;
    }
    if (p == ODOO_PROTOCOL_JSONRPC) {
      rc = odoo__jsonrpc_call(&res, c, "object", "execute_kw", params, idem, what);
    } else {
      rc = odoo__xmlrpc_call(&res, c, "object", "execute_kw", params, idem, what);
      erplink_value_free(params);
    }
  }
  if (rc) return rc;
  if (out)
    *out = res;
  else
    erplink_value_free(res);
  return 0;
}

int odoo_client_execute_kw(erplink_value **out, odoo_client *c, const char *model, const char *method,
                           const erplink_value *args, const erplink_value *kwargs) {
  return odoo_client_call(out, c, model, method, args, kwargs, 0);
}
