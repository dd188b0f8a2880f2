/* The JSON-2 envelope (Odoo 19+): the named parameters as a JSON object POSTed to
 * /json/2/<model>/<method> with `Authorization: bearer <key>` and `X-Odoo-Database`; the
 * answer is the bare result, an error a non-2xx status with an Odoo error object as the body
 * (mapped in errors.c). */
#include "erplink/json.h"
#include "odoo_internal.h"

int odoo__json2_call(erplink_value **out, odoo_client *c, const char *model, const char *method,
                     const erplink_value *body_v, int idempotent, const char *what) {
  char *body = NULL;
  size_t len = 0;
  int rc = erplink_json_encode(&body, &len, body_v);
  if (rc) return rc;
  erplink_buf path = {0}, auth = {0};
  auth.secret = 1; /* wiped when freed */
  if (erplink_buf_printf(&path, "/json/2/%s/%s", model, method) || erplink_buf_puts(&auth, "bearer ") ||
      erplink_buf_puts(&auth, c->secret)) {
    free(body);
    erplink_buf_free(&path);
    erplink_buf_free(&auth);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  const char *headers[] = {"Authorization", auth.ptr, "X-Odoo-Database", c->db};
  odoo__exchange x = {.proto = "JSON-2",
                      .path = path.ptr,
                      .ctype = "application/json",
                      .body = body,
                      .body_len = len,
                      .headers = headers,
                      .n_headers = 2,
                      .idempotent = idempotent,
                      .json2 = 1,
                      .xml = 0,
                      .log_value = body_v,
                      .what = what};
  erplink_value *v = NULL, *eb = NULL;
  int status = 0;
  rc = odoo__exchange_send(c, &x, &v, NULL, &status, &eb);
  free(body);
  erplink_buf_free(&path);
  erplink_buf_free(&auth);
  if (eb) {
    rc = odoo__error_object(eb, status, what);
    erplink_value_free(eb);
    return rc;
  }
  if (rc) return rc;
  *out = v;
  return 0;
}
