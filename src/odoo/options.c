/* odoo_options: the service's own settings (URL, database, credentials, protocol, default
 * context) and the embedded transport options, filled with Odoo's defaults. */
#include "odoo_internal.h"

int odoo__einval(const char *what) { return erplink__error_setf(ERPLINK_EINVAL, "odoo: %s", what); }

/* Odoo's transport defaults: a long total timeout (a big search_read or a report takes a
 * while), a short connect timeout, 3 attempts with a backoff capped at 5 s. */
static int http_defaults(erplink_http_options *h) {
  int rc;
  if ((rc = erplink_http_options_set_timeout_ms(h, 120000)) ||
      (rc = erplink_http_options_set_connect_timeout_ms(h, 10000)) ||
      (rc = erplink_http_options_set_max_attempts(h, 3)) || (rc = erplink_http_options_set_backoff_ms(h, 200, 5000)))
    return rc;
  return 0;
}

int odoo_options_new(odoo_options **out) {
  if (!out) return odoo__einval("odoo_options_new: out is NULL");
  *out = NULL;
  odoo_options *o = calloc(1, sizeof *o);
  if (!o) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  o->protocol = ODOO_PROTOCOL_AUTO;
  int rc = erplink_http_options_new(&o->http);
  if (!rc) rc = http_defaults(o->http);
  if (rc) {
    odoo_options_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

void odoo_options_free(odoo_options *o) {
  if (!o) return;
  free(o->url);
  free(o->db);
  free(o->login);
  erplink__free_str(o->password, true);
  erplink__free_str(o->api_key, true);
  free(o->lang);
  free(o->tz);
  free(o->companies);
  erplink_http_options_free(o->http);
  free(o);
}

erplink_http_options *odoo_options_http(odoo_options *o) { return o ? o->http : NULL; }

int odoo_options_set_url(odoo_options *o, const char *url) {
  if (!o || !url) return odoo__einval("odoo_options_set_url: NULL argument");
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
    return odoo__einval("the URL must start with http:// or https://");
  int rc = erplink__set_str(&o->url, url, false);
  if (rc) return rc;
  size_t n = strlen(o->url);
  while (n > 8 && o->url[n - 1] == '/') o->url[--n] = '\0';
  return 0;
}

int odoo_options_set_db(odoo_options *o, const char *db) {
  if (!o || !db || !*db) return odoo__einval("odoo_options_set_db: NULL or empty argument");
  return erplink__set_str(&o->db, db, false);
}

int odoo_options_set_login(odoo_options *o, const char *login) {
  if (!o || !login || !*login) return odoo__einval("odoo_options_set_login: NULL or empty argument");
  return erplink__set_str(&o->login, login, false);
}

int odoo_options_set_password(odoo_options *o, const char *password) {
  if (!o || !password) return odoo__einval("odoo_options_set_password: NULL argument");
  return erplink__set_str(&o->password, password, true);
}

int odoo_options_set_api_key(odoo_options *o, const char *api_key) {
  if (!o || !api_key || !*api_key) return odoo__einval("odoo_options_set_api_key: NULL or empty argument");
  for (const char *p = api_key; *p; p++)
    if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
      return odoo__einval("odoo_options_set_api_key: the key contains a space or control character");
  return erplink__set_str(&o->api_key, api_key, true);
}

int odoo_options_set_protocol(odoo_options *o, odoo_protocol protocol) {
  if (!o || (int)protocol < ODOO_PROTOCOL_AUTO || protocol > ODOO_PROTOCOL_JSON2)
    return odoo__einval("odoo_options_set_protocol: invalid protocol");
  o->protocol = protocol;
  return 0;
}

int odoo_options_set_lang(odoo_options *o, const char *lang) {
  if (!o) return odoo__einval("odoo_options_set_lang: NULL options");
  return erplink__set_str(&o->lang, lang, false);
}

int odoo_options_set_tz(odoo_options *o, const char *tz) {
  if (!o) return odoo__einval("odoo_options_set_tz: NULL options");
  return erplink__set_str(&o->tz, tz, false);
}

int odoo_options_set_allowed_company_ids(odoo_options *o, const int64_t *ids, size_t n) {
  if (!o || (n && !ids) || n > ODOO__MAX_COMPANIES)
    return odoo__einval("odoo_options_set_allowed_company_ids: bad arguments");
  int64_t *copy = NULL;
  if (n) {
    copy = malloc(n * sizeof *copy);
    if (!copy) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    memcpy(copy, ids, n * sizeof *copy);
  }
  free(o->companies);
  o->companies = copy;
  o->n_companies = n;
  return 0;
}
