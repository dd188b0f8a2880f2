/* Small helpers shared by the files of src/esi (see esi_internal.h). */
#include "esi_internal.h"

char *esi__printable(char *out, const char *s, size_t len, size_t max) {
  size_t n = len < max ? len : max, i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    out[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
  }
  out[n] = '\0';
  if (len > max && max >= 3) memcpy(out + max - 3, "...", 3);
  return out;
}

bool esi__printable_ok(const char *s) { return s && *s && !erplink__has_ctl(s, false); }

int esi__b64u_decode(unsigned char **out, size_t *out_len, const char *s, size_t len) {
  unsigned char *p = malloc(erplink__base64_decoded_max(len) + 1);
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  int rc = erplink__base64_decode_to(p, out_len, s, len, ERPLINK_BASE64_URL | ERPLINK_BASE64_PAD_OPTIONAL);
  if (rc != 0) {
    free(p);
    return rc;
  }
  *out = p;
  return 0;
}

const char *esi__str_member(const erplink_value *obj, const char *key) {
  const erplink_value *v = erplink_value_struct_get(obj, key);
  const char *s = NULL;
  if (v && erplink_value_get_string(&s, NULL, v) == 0) return s;
  return NULL;
}

int64_t esi__now_s(void) { return erplink__now_wall_ms() / 1000; }
