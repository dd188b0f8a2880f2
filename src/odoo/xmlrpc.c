/* The XML-RPC envelope: `service.method(*params)` POSTed to /xmlrpc/2/<service> as a
 * methodCall, the answer a methodResponse param or a fault (mapped in errors.c). */
#include <stdio.h>

#include "odoo_internal.h"

int odoo__xmlrpc_call(erplink_value **out, odoo_client *c, const char *service, const char *method,
                      const erplink_value *params, int idempotent, const char *what) {
  char *body = NULL;
  size_t len = 0;
  int rc = erplink_xmlrpc_encode_call(&body, &len, method, params);
  if (rc) return rc;
  char path[64];
  snprintf(path, sizeof path, "/xmlrpc/2/%s", service);
  odoo__exchange x = {.proto = "XML-RPC",
                      .path = path,
                      .ctype = "text/xml",
                      .body = body,
                      .body_len = len,
                      .idempotent = idempotent,
                      .xml = 1,
                      .log_value = params,
                      .what = what};
  int fault = 0;
  erplink_value *v = NULL;
  rc = odoo__exchange_send(c, &x, &v, &fault, NULL, NULL);
  erplink__wipe(body, len); /* it holds the password or key */
  free(body);
  if (rc) return rc;
  if (fault) {
    rc = odoo__database_error(odoo__xmlrpc_fault(v, what), what);
    erplink_value_free(v);
    return rc;
  }
  *out = v;
  return 0;
}
