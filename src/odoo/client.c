/* The client: creation from the options (the transport options copied into its HTTP client),
 * version detection (common.version or /web/version), the choice of protocol for AUTO, and
 * authentication (common.authenticate, or res.users/context_get on JSON-2), kept once done. */
#include "http_internal.h"
#include "odoo_internal.h"

int odoo_client_new(odoo_client **out, const odoo_options *o) {
  if (!out || !o) return odoo__einval("odoo_client_new: NULL argument");
  *out = NULL;
  if (!o->url) return odoo__einval("no URL configured (odoo_options_set_url)");
  if (!o->db) return odoo__einval("no database configured (odoo_options_set_db)");
  if (!o->password && !o->api_key)
    return odoo__einval("no password nor API key configured (odoo_options_set_password / _set_api_key)");
  if (o->protocol == ODOO_PROTOCOL_JSON2 && !o->api_key)
    return odoo__einval("JSON-2 needs an API key (odoo_options_set_api_key)");
  if ((o->protocol == ODOO_PROTOCOL_XMLRPC || o->protocol == ODOO_PROTOCOL_JSONRPC || !o->api_key) && !o->login)
    return odoo__einval("XML-RPC and JSON-RPC need a login (odoo_options_set_login)");
  odoo_client *c = calloc(1, sizeof *c);
  if (!c) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  pthread_mutex_init(&c->mu, NULL);
  atomic_init(&c->next_id, 1);
  int rc = 0;
  if ((rc = erplink__set_str(&c->url, o->url, false)) || (rc = erplink__set_str(&c->db, o->db, false)) ||
      (rc = erplink__set_str(&c->login, o->login, false)) ||
      (rc = erplink__set_str(&c->secret, o->api_key ? o->api_key : o->password, true)) ||
      (rc = erplink__set_str(&c->lang, o->lang, false)) || (rc = erplink__set_str(&c->tz, o->tz, false)))
    goto fail;
  c->has_api_key = o->api_key != NULL;
  if (o->n_companies) {
    c->companies = malloc(o->n_companies * sizeof *c->companies);
    if (!c->companies) {
      rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
      goto fail;
    }
    memcpy(c->companies, o->companies, o->n_companies * sizeof *c->companies);
    c->n_companies = o->n_companies;
  }
  c->proto = o->protocol;
  if (c->proto == ODOO_PROTOCOL_AUTO && !c->has_api_key) c->proto = ODOO_PROTOCOL_XMLRPC;

  /* the transport options are copied by the HTTP client */
  rc = erplink_http_client_new(&c->http, o->http);
  if (rc) goto fail;
  *out = c;
  return 0;
fail:
  odoo_client_free(c);
  return rc;
}

void odoo_client_free(odoo_client *c) {
  if (!c) return;
  erplink_http_client_free(c->http);
  for (int i = 0; i < c->n_spare; i++) erplink_xmlrpc_decoder_free(c->spare[i]);
  free(c->url);
  free(c->db);
  free(c->login);
  erplink__free_str(c->secret, true);
  free(c->lang);
  free(c->tz);
  free(c->companies);
  pthread_mutex_destroy(&c->mu);
  free(c);
}

static int web_version(erplink_value **out, odoo_client *c) {
  odoo__exchange x = {
      .proto = "JSON", .path = "/web/version", .method = "GET", .xml = 0, .idempotent = 1, .what = "GET /web/version"};
  erplink_value *v = NULL;
  int rc = odoo__exchange_send(c, &x, &v, NULL, NULL, NULL);
  if (rc) return rc;
  if (erplink_value_type(v) != ERPLINK_TYPE_STRUCT || !erplink_value_struct_get(v, "version_info")) {
    erplink_value_free(v);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: GET /web/version: the answer has no version_info");
  }
  *out = v;
  return 0;
}

static int common_version(erplink_value **out, odoo_client *c, odoo_protocol p) {
  erplink_value *params = NULL;
  int rc = erplink_value_new_array(&params);
  if (rc) return rc;
  if (p == ODOO_PROTOCOL_JSONRPC) return odoo__jsonrpc_call(out, c, "common", "version", params, 1, "common.version");
  rc = odoo__xmlrpc_call(out, c, "common", "version", params, 1, "common.version");
  erplink_value_free(params);
  return rc;
}

static int major_of(const erplink_value *v, int *major) {
  const erplink_value *info = erplink_value_struct_get(v, "server_version_info");
  if (!info) info = erplink_value_struct_get(v, "version_info");
  int64_t m = 0;
  if (!info || erplink_value_count(info) < 1 || erplink_value_get_int(&m, erplink_value_array_at(info, 0)) != 0 ||
      m < 1 || m > 1000) {
    /* "saas~18.3" style version_info[0] strings: read the digits of server_serie */
    size_t sl = 0;
    const char *s = odoo__str_member(v, "server_serie", &sl);
    if (!s) s = odoo__str_member(v, "version", &sl);
    if (s) {
      const char *p = s;
      while (p < s + sl && (*p < '0' || *p > '9')) p++;
      m = 0;
      while (p < s + sl && *p >= '0' && *p <= '9' && m < 1000) m = m * 10 + (*p++ - '0');
    }
  }
  if (m < 1 || m >= 1000)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: the version answer has no major version");
  *major = (int)m;
  return 0;
}

static int resolve(odoo_client *c, odoo_protocol *out) {
  pthread_mutex_lock(&c->mu);
  odoo_protocol p = c->proto;
  pthread_mutex_unlock(&c->mu);
  if (p != ODOO_PROTOCOL_AUTO) {
    *out = p;
    return 0;
  }
  /* AUTO with an API key: JSON-2 if the server is 19+. */
  erplink_value *v = NULL;
  int major = 0;
  int rc = web_version(&v, c);
  if (rc == 0) rc = major_of(v, &major);
  erplink_value_free(v);
  v = NULL;
  if (rc) {
    erplink__error_saved *sv = erplink__error_save();
    rc = common_version(&v, c, ODOO_PROTOCOL_XMLRPC);
    if (rc == 0) rc = major_of(v, &major);
    erplink_value_free(v);
    if (rc) { /* report the XML-RPC failure, drop the /web/version one */
      erplink__error_saved *now = erplink__error_save();
      erplink__error_restore(sv);
      erplink__error_restore(now);
      return rc;
    }
    erplink__error_restore(sv);
    erplink_error_clear();
  }
  p = major >= 19 ? ODOO_PROTOCOL_JSON2 : ODOO_PROTOCOL_XMLRPC;
  erplink__logf(erplink__http_client_logger(c->http), ERPLINK_LOG_INFO, "odoo: server is Odoo %d: using %s", major,
                p == ODOO_PROTOCOL_JSON2 ? "JSON-2" : "XML-RPC");
  pthread_mutex_lock(&c->mu);
  c->proto = p;
  c->major = major;
  pthread_mutex_unlock(&c->mu);
  *out = p;
  return 0;
}

int odoo_client_protocol(odoo_protocol *out, odoo_client *c) {
  if (!out || !c) return odoo__einval("odoo_client_protocol: NULL argument");
  return resolve(c, out);
}

int odoo_client_version(erplink_value **out, odoo_client *c) {
  if (!out || !c) return odoo__einval("odoo_client_version: NULL argument");
  *out = NULL;
  odoo_protocol p;
  int rc = resolve(c, &p);
  if (rc) return rc;
  return p == ODOO_PROTOCOL_JSON2 ? web_version(out, c) : common_version(out, c, p);
}

int odoo_client_server_version(int *out, odoo_client *c) {
  if (!out || !c) return odoo__einval("odoo_client_server_version: NULL argument");
  pthread_mutex_lock(&c->mu);
  int m = c->major;
  pthread_mutex_unlock(&c->mu);
  if (!m) {
    erplink_value *v = NULL;
    int rc = odoo_client_version(&v, c);
    if (rc == 0) rc = major_of(v, &m);
    erplink_value_free(v);
    if (rc) return rc;
    pthread_mutex_lock(&c->mu);
    c->major = m;
    pthread_mutex_unlock(&c->mu);
  }
  *out = m;
  return 0;
}

/* ------------------------------------------------------------------ authentication */

int odoo__secret_value(const odoo_client *c, erplink_value **out) { return erplink_value_new_secret(out, c->secret); }

static int authenticate(odoo_client *c, odoo_protocol p, int64_t *uid) {
  erplink_value *res = NULL;
  int rc;
  if (p == ODOO_PROTOCOL_JSON2) {
    erplink_value *body = NULL;
    if ((rc = erplink_value_new_struct(&body))) return rc;
    rc = odoo__json2_call(&res, c, "res.users", "context_get", body, 1, "res.users.context_get");
    erplink_value_free(body);
    if (rc) return rc;
    int64_t u = 0;
    const erplink_value *uv = erplink_value_struct_get(res, "uid");
    if (!uv || erplink_value_get_int(&u, uv) != 0 || u <= 0) {
      erplink_value_free(res);
      return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: res.users.context_get: the answer has no uid");
    }
    erplink_value_free(res);
    *uid = u;
    return 0;
  }
  if (!c->login)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "odoo: %s needs a login (odoo_options_set_login): the server has no "
                               "JSON-2 (Odoo < 19) or another protocol was chosen",
                               p == ODOO_PROTOCOL_JSONRPC ? "JSON-RPC" : "XML-RPC");
  erplink_value *params = NULL, *sec = NULL, *env = NULL;
  if ((rc = erplink_value_new_array(&params)) || (rc = erplink_value_array_append_string(params, c->db)) ||
      (rc = erplink_value_array_append_string(params, c->login)) || (rc = odoo__secret_value(c, &sec)) ||
      (rc = erplink_value_array_append(params, sec)) || (rc = erplink_value_new_struct(&env)) ||
      (rc = erplink_value_array_append(params, env))) {
    erplink_value_free(params);
    return rc;
  }
  if (p == ODOO_PROTOCOL_JSONRPC) {
    rc = odoo__jsonrpc_call(&res, c, "common", "authenticate", params, 1, "common.authenticate");
  } else {
    rc = odoo__xmlrpc_call(&res, c, "common", "authenticate", params, 1, "common.authenticate");
    erplink_value_free(params);
  }
  if (rc) return rc;
  int64_t u = 0;
  if (erplink_value_type(res) == ERPLINK_TYPE_INT && erplink_value_get_int(&u, res) == 0 && u > 0) {
    erplink_value_free(res);
    *uid = u;
    return 0;
  }
  int is_false = erplink_value_type(res) == ERPLINK_TYPE_BOOL;
  erplink_value_free(res);
  if (is_false)
    return erplink__error_setx(ERPLINK_EAUTH, 0, NULL, NULL, 0, -1,
                               "odoo: authentication of login '%s' on database '%s' failed: the server answered "
                               "false (wrong login, password or API key)",
                               c->login, c->db);
  return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: common.authenticate answered neither a uid nor false");
}

int odoo__ensure_uid(odoo_client *c, odoo_protocol *p, int64_t *uid) {
  int rc = resolve(c, p);
  if (rc) return rc;
  pthread_mutex_lock(&c->mu);
  int64_t u = c->uid;
  pthread_mutex_unlock(&c->mu);
  if (u <= 0) {
    if ((rc = authenticate(c, *p, &u))) return rc;
    pthread_mutex_lock(&c->mu);
    c->uid = u;
    pthread_mutex_unlock(&c->mu);
  }
  *uid = u;
  return 0;
}

int odoo_client_authenticate(int64_t *uid, odoo_client *c) {
  if (!uid || !c) return odoo__einval("odoo_client_authenticate: NULL argument");
  odoo_protocol p;
  return odoo__ensure_uid(c, &p, uid);
}
