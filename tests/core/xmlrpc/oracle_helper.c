/* Helper for oracle.py: runs erplink's XML-RPC codec on batches received over stdin.
 *
 *   xmlrpc_oracle_helper MODE    (MODE: decode | decode_call | encode | encode_call)
 *
 * Framing, both ways: a sequence of frames, each a 4-byte little-endian length and that
 * many payload bytes; one output frame per input frame, in order.
 *
 * Tree serialisation (tagged, length-prefixed, little-endian):
 *   'n' nil | 't' true | 'f' false | 'i' int64 | 'd' double (8 bytes, IEEE bits)
 *   's' u32 len + UTF-8 | 'b' u32 len + bytes | 'D' u16 year, u8 month, day, hour, min, sec, u32 usec
 *   'a' u32 count + items | 'm' u32 count + (u32 len + key + value)*
 *
 * Payloads:
 *   decode       in: XML bytes            out: 'V' tree | 'F' tree (fault) | 'X' i32 code + message
 *   decode_call  in: XML bytes            out: 'C' u32 len + method + tree (array) | 'X' ...
 *   encode       in: tree                 out: 'V' XML (a methodResponse) | 'X' ...
 *   encode_call  in: u32 len + method + tree (array)   out: 'V' XML (a methodCall) | 'X' ...
 *   json_encode  in: tree                 out: 'V' JSON text (erplink_json_encode) | 'X' ...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/erplink.h"
#include "internal.h"

typedef struct rd {
  const unsigned char *p, *end;
  int bad;
} rd;

static uint64_t rd_n(rd *r, int n) {
  if (r->end - r->p < n) {
    r->bad = 1;
    return 0;
  }
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)r->p[i] << (8 * i);
  r->p += n;
  return v;
}

static const char *rd_bytes(rd *r, size_t n) {
  if ((size_t)(r->end - r->p) < n) {
    r->bad = 1;
    return NULL;
  }
  const char *s = (const char *)r->p;
  r->p += n;
  return s;
}

static erplink_value *read_tree(rd *r, int depth) {
  if (r->bad || depth > 200) {
    r->bad = 1;
    return NULL;
  }
  int tag = (int)rd_n(r, 1);
  erplink_value *v = NULL;
  switch (tag) {
  case 'n': erplink_value_new_nil(&v); break;
  case 't': erplink_value_new_bool(&v, 1); break;
  case 'f': erplink_value_new_bool(&v, 0); break;
  case 'i': erplink_value_new_int(&v, (int64_t)rd_n(r, 8)); break;
  case 'd': {
    uint64_t bits = rd_n(r, 8);
    double d;
    memcpy(&d, &bits, 8);
    erplink_value_new_double(&v, d);
    break;
  }
  case 's':
  case 'b': {
    size_t n = (size_t)rd_n(r, 4);
    const char *s = rd_bytes(r, n);
    if (!s) break;
    if (tag == 's')
      erplink_value_new_stringn(&v, s, n);
    else
      erplink_value_new_bytes(&v, s, n);
    break;
  }
  case 'D': {
    int y = (int)rd_n(r, 2), mo = (int)rd_n(r, 1), d = (int)rd_n(r, 1), h = (int)rd_n(r, 1), mi = (int)rd_n(r, 1),
        s = (int)rd_n(r, 1), us = (int)rd_n(r, 4);
    erplink_value_new_datetime(&v, y, mo, d, h, mi, s, us);
    break;
  }
  case 'a': {
    size_t n = (size_t)rd_n(r, 4);
    if (erplink_value_new_array(&v)) break;
    for (size_t i = 0; i < n && !r->bad; i++) {
      erplink_value *x = read_tree(r, depth + 1);
      if (!x || erplink_value_array_append(v, x)) r->bad = 1;
    }
    break;
  }
  case 'm': {
    size_t n = (size_t)rd_n(r, 4);
    if (erplink_value_new_struct(&v)) break;
    for (size_t i = 0; i < n && !r->bad; i++) {
      size_t kl = (size_t)rd_n(r, 4);
      const char *k = rd_bytes(r, kl);
      if (!k) break;
      char *key = malloc(kl + 1);
      memcpy(key, k, kl);
      key[kl] = '\0';
      erplink_value *x = read_tree(r, depth + 1);
      if (!x || erplink_value_struct_set(v, key, x)) r->bad = 1;
      free(key);
    }
    break;
  }
  default: r->bad = 1;
  }
  if (!v) r->bad = 1;
  if (r->bad) {
    erplink_value_free(v);
    return NULL;
  }
  return v;
}

static void w_n(erplink_buf *b, uint64_t v, int n) {
  char t[8];
  for (int i = 0; i < n; i++) t[i] = (char)(v >> (8 * i));
  erplink_buf_put(b, t, (size_t)n);
}

static void write_tree(erplink_buf *b, const erplink_value *v) {
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL: erplink_buf_putc(b, 'n'); break;
  case ERPLINK_TYPE_BOOL: {
    int x;
    erplink_value_get_bool(&x, v);
    erplink_buf_putc(b, x ? 't' : 'f');
    break;
  }
  case ERPLINK_TYPE_INT: {
    int64_t i;
    erplink_value_get_int(&i, v);
    erplink_buf_putc(b, 'i');
    w_n(b, (uint64_t)i, 8);
    break;
  }
  case ERPLINK_TYPE_DOUBLE: {
    double d;
    uint64_t bits;
    erplink_value_get_double(&d, v);
    memcpy(&bits, &d, 8);
    erplink_buf_putc(b, 'd');
    w_n(b, bits, 8);
    break;
  }
  case ERPLINK_TYPE_STRING: {
    const char *s;
    size_t n;
    erplink_value_get_string(&s, &n, v);
    erplink_buf_putc(b, 's');
    w_n(b, n, 4);
    erplink_buf_put(b, s, n);
    break;
  }
  case ERPLINK_TYPE_BYTES: {
    const void *s;
    size_t n;
    erplink_value_get_bytes(&s, &n, v);
    erplink_buf_putc(b, 'b');
    w_n(b, n, 4);
    erplink_buf_put(b, s, n);
    break;
  }
  case ERPLINK_TYPE_DATETIME: {
    int y, mo, d, h, mi, s, us;
    erplink_value_get_datetime(&y, &mo, &d, &h, &mi, &s, &us, v);
    erplink_buf_putc(b, 'D');
    w_n(b, (uint64_t)y, 2);
    w_n(b, (uint64_t)mo, 1);
    w_n(b, (uint64_t)d, 1);
    w_n(b, (uint64_t)h, 1);
    w_n(b, (uint64_t)mi, 1);
    w_n(b, (uint64_t)s, 1);
    w_n(b, (uint64_t)us, 4);
    break;
  }
  case ERPLINK_TYPE_ARRAY: {
    size_t n = erplink_value_count(v);
    erplink_buf_putc(b, 'a');
    w_n(b, n, 4);
    for (size_t i = 0; i < n; i++) write_tree(b, erplink_value_array_at(v, i));
    break;
  }
  case ERPLINK_TYPE_STRUCT: {
    size_t n = erplink_value_count(v);
    erplink_buf_putc(b, 'm');
    w_n(b, n, 4);
    for (size_t i = 0; i < n; i++) {
      const char *k;
      size_t kl;
      k = erplink_value_struct_key_at(v, i);
      kl = erplink_value_struct_key_len_at(v, i);
      const erplink_value *x = erplink_value_struct_value_at(v, i);
      w_n(b, kl, 4);
      erplink_buf_put(b, k, kl);
      write_tree(b, x);
    }
    break;
  }
  }
}

static void write_error(erplink_buf *b, int rc) {
  erplink_buf_putc(b, 'X');
  w_n(b, (uint64_t)(uint32_t)rc, 4);
  erplink_buf_puts(b, erplink_error_message(erplink_error_last()));
}

static int read_exact(void *p, size_t n) { return fread(p, 1, n, stdin) == n; }

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s decode|decode_call|encode|encode_call|json_encode\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  int m = !strcmp(mode, "decode")        ? 0
          : !strcmp(mode, "decode_call") ? 1
          : !strcmp(mode, "encode")      ? 2
          : !strcmp(mode, "encode_call") ? 3
          : !strcmp(mode, "json_encode") ? 4
                                         : -1;
  if (m < 0) {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  unsigned char lenb[4];
  while (read_exact(lenb, 4)) {
    size_t n = (size_t)lenb[0] | (size_t)lenb[1] << 8 | (size_t)lenb[2] << 16 | (size_t)lenb[3] << 24;
    char *in = malloc(n + 1);
    if (!in || (n && !read_exact(in, n))) {
      fprintf(stderr, "short frame\n");
      return 2;
    }
    erplink_buf out = ERPLINK_BUF_INIT;
    if (m == 0) {
      erplink_value *v;
      int fault = 0;
      int rc = erplink_xmlrpc_decode_response(&v, &fault, in, n, NULL);
      if (rc)
        write_error(&out, rc);
      else {
        erplink_buf_putc(&out, fault ? 'F' : 'V');
        write_tree(&out, v);
        erplink_value_free(v);
      }
    } else if (m == 1) {
      char *meth;
      erplink_value *v;
      int rc = erplink_xmlrpc_decode_call(&meth, &v, in, n, NULL);
      if (rc)
        write_error(&out, rc);
      else {
        erplink_buf_putc(&out, 'C');
        w_n(&out, strlen(meth), 4);
        erplink_buf_puts(&out, meth);
        write_tree(&out, v);
        erplink_value_free(v);
        erplink_free(meth);
      }
    } else {
      rd r = {(const unsigned char *)in, (const unsigned char *)in + n, 0};
      char *meth = NULL;
      if (m == 3) {
        size_t ml = (size_t)rd_n(&r, 4);
        const char *s = rd_bytes(&r, ml);
        if (s) {
          meth = malloc(ml + 1);
          memcpy(meth, s, ml);
          meth[ml] = '\0';
        }
      }
      erplink_value *v = read_tree(&r, 0);
      if (!v || r.p != r.end) {
        fprintf(stderr, "bad tree frame\n");
        return 2;
      }
      char *xml = NULL;
      size_t xl = 0;
      int rc = m == 2   ? erplink_xmlrpc_encode_response(&xml, &xl, v)
               : m == 4 ? erplink_json_encode(&xml, &xl, v)
                        : erplink_xmlrpc_encode_call(&xml, &xl, meth, v);
      if (rc)
        write_error(&out, rc);
      else {
        erplink_buf_putc(&out, 'V');
        erplink_buf_put(&out, xml, xl);
      }
      erplink_free(xml);
      erplink_value_free(v);
      free(meth);
    }
    free(in);
    if (out.oom) return 3;
    unsigned char ob[4] = {(unsigned char)out.len, (unsigned char)(out.len >> 8), (unsigned char)(out.len >> 16),
                           (unsigned char)(out.len >> 24)};
    fwrite(ob, 1, 4, stdout);
    fwrite(out.ptr, 1, out.len, stdout);
    erplink_buf_free(&out);
  }
  fflush(stdout);
  return ferror(stdout) ? 3 : 0;
}
