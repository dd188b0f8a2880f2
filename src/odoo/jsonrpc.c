/* The JSON-RPC envelope: {"jsonrpc": "2.0", "method": "call", "params": {"service", "method",
 * "args"}, "id"} POSTed to /jsonrpc; the answer's "result", or its "error" (an Odoo error object
 * in error.data, sent with HTTP 200) mapped in errors.c. */
#include "erplink/json.h"
#include "odoo_internal.h"

int odoo__jsonrpc_call(erplink_value **out, odoo_client *c, const char *service, const char *method,
                       erplink_value *args /* consumed */, int idempotent, const char *what) {
  erplink_value *env = NULL, *params = NULL;
  int rc;
  if ((rc = erplink_value_new_struct(&env)) || (rc = erplink_value_struct_set_string(env, "jsonrpc", "2.0")) ||
      (rc = erplink_value_struct_set_string(env, "method", "call")) || (rc = erplink_value_new_struct(&params))) {
    erplink_value_free(args);
    erplink_value_free(env);
    return rc;
  }
  if ((rc = erplink_value_struct_set(env, "params", params)) ||
      (rc = erplink_value_struct_set_string(params, "service", service)) ||
      (rc = erplink_value_struct_set_string(params, "method", method))) {
    erplink_value_free(args);
    erplink_value_free(env);
    return rc;
  }
  rc = erplink_value_struct_set(params, "args", args);
  if (!rc) rc = erplink_value_struct_set_int(env, "id", (int64_t)atomic_fetch_add(&c->next_id, 1));
  char *body = NULL;
  size_t len = 0;
  if (!rc) rc = erplink_json_encode(&body, &len, env);
  if (rc) {
    erplink_value_free(env);
    return rc;
  }
  odoo__exchange x = {.proto = "JSON-RPC",
                      .path = "/jsonrpc",
                      .ctype = "application/json",
                      .body = body,
                      .body_len = len,
                      .idempotent = idempotent,
                      .xml = 0,
                      .log_value = env,
                      .what = what};
  erplink_value *v = NULL;
  rc = odoo__exchange_send(c, &x, &v, NULL, NULL, NULL);
  erplink__wipe(body, len);
  free(body);
  erplink_value_free(env);
  if (rc) return rc;
  if (erplink_value_type(v) != ERPLINK_TYPE_STRUCT) {
    erplink_value_free(v);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "odoo: %s: the JSON-RPC answer is not an object", what);
  }
  const erplink_value *err = erplink_value_struct_get(v, "error");
  if (err) {
    const erplink_value *data = erplink_value_struct_get(err, "data");
    if (data && erplink_value_type(data) == ERPLINK_TYPE_STRUCT) {
      rc = odoo__error_object(data, 0, what);
    } else {
      size_t ml = 0;
      const char *m = odoo__str_member(err, "message", &ml);
      rc = odoo__remote_error(ERPLINK_ESERVER, 0, NULL, m, ml, NULL, 0, what);
    }
    erplink_value_free(v);
    return odoo__database_error(rc, what);
  }
  /* the result, handed out of the decoded envelope without a copy */
  const erplink_value *res = erplink_value_struct_get(v, "result");
  if (res) return erplink__value_adopt_subtree(out, v, res);
  erplink_value_free(v);
  return erplink_value_new_nil(out); /* a method that returned None */
}
