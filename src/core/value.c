/* The value tree: heap-built nodes for callers, arena-built trees for decoders. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "http_internal.h"

/* ---------------------------------------------------------------- datetime helpers */

static int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return d[m - 1];
}

bool erplink__datetime_valid(int y, int mo, int d, int h, int mi, int s, int us) {
  return y >= 1 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h >= 0 && h <= 23 &&
         mi >= 0 && mi <= 59 && s >= 0 && s <= 59 && us >= 0 && us <= 999999;
}

/* Howard Hinnant's days_from_civil. */
int64_t erplink__days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = (int64_t)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

/* ---------------------------------------------------------------- heap nodes */

static erplink_value *node_new(uint8_t type) {
  erplink_value *v = calloc(1, sizeof *v);
  if (!v) {
    erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    return NULL;
  }
  v->type = type;
  return v;
}

static int new_scalar(erplink_value **out, uint8_t type, erplink_value **node) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "out is NULL");
  *out = NULL;
  *node = node_new(type);
  if (!*node) return ERPLINK_ENOMEM;
  *out = *node;
  return 0;
}

int erplink_value_new_nil(erplink_value **out) {
  erplink_value *v;
  return new_scalar(out, ERPLINK_TYPE_NIL, &v);
}

int erplink_value_new_bool(erplink_value **out, int b) {
  erplink_value *v;
  int rc = new_scalar(out, ERPLINK_TYPE_BOOL, &v);
  if (rc == 0) v->u.b = b != 0;
  return rc;
}

int erplink_value_new_int(erplink_value **out, int64_t i) {
  erplink_value *v;
  int rc = new_scalar(out, ERPLINK_TYPE_INT, &v);
  if (rc == 0) v->u.i = i;
  return rc;
}

int erplink_value_new_double(erplink_value **out, double d) {
  erplink_value *v;
  int rc = new_scalar(out, ERPLINK_TYPE_DOUBLE, &v);
  if (rc == 0) v->u.d = d;
  return rc;
}

static int new_blob(erplink_value **out, uint8_t type, const void *p, size_t len, bool utf8, bool secret) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "out is NULL");
  *out = NULL;
  if (!p && len) return erplink__error_setf(ERPLINK_EINVAL, "data is NULL");
  if (utf8 && !erplink__utf8_valid(p, len)) return erplink__error_setf(ERPLINK_EINVAL, "string is not valid UTF-8");
  if (len == SIZE_MAX) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink_value *v = node_new(type);
  if (!v) return ERPLINK_ENOMEM;
  v->u.s.ptr = malloc(len + 1);
  if (!v->u.s.ptr) {
    free(v);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  if (len) memcpy(v->u.s.ptr, p, len);
  v->u.s.ptr[len] = '\0';
  v->u.s.len = len;
  if (secret) v->flags |= ERPLINK_VF_SECRET;
  *out = v;
  return 0;
}

int erplink_value_new_string(erplink_value **out, const char *s) {
  if (!s) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "string is NULL");
  }
  return new_blob(out, ERPLINK_TYPE_STRING, s, strlen(s), true, false);
}

int erplink_value_new_stringn(erplink_value **out, const char *s, size_t len) {
  return new_blob(out, ERPLINK_TYPE_STRING, s, len, true, false);
}

int erplink_value_new_secret(erplink_value **out, const char *s) {
  if (!s) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "secret is NULL");
  }
  return new_blob(out, ERPLINK_TYPE_STRING, s, strlen(s), true, true);
}

int erplink_value_new_bytes(erplink_value **out, const void *data, size_t len) {
  return new_blob(out, ERPLINK_TYPE_BYTES, data, len, false, false);
}

int erplink_value_new_datetime(erplink_value **out, int year, int month, int day, int hour, int minute, int second,
                               int usec) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "out is NULL");
  *out = NULL;
  if (!erplink__datetime_valid(year, month, day, hour, minute, second, usec))
    return erplink__error_setf(ERPLINK_EINVAL, "invalid datetime %04d-%02d-%02d %02d:%02d:%02d.%06d", year, month, day,
                               hour, minute, second, usec);
  erplink_value *v;
  int rc = new_scalar(out, ERPLINK_TYPE_DATETIME, &v);
  if (rc) return rc;
  v->u.dt = (erplink_datetime){(int16_t)year,   (uint8_t)month,  (uint8_t)day,  (uint8_t)hour,
                               (uint8_t)minute, (uint8_t)second, (uint32_t)usec};
  return 0;
}

int erplink_value_new_datetime_unix_us(erplink_value **out, int64_t us) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "out is NULL");
  *out = NULL;
  /* 0001-01-01 .. 9999-12-31T23:59:59.999999 */
  const int64_t min_us = -62135596800LL * 1000000LL, max_us = 253402300799LL * 1000000LL + 999999;
  if (us < min_us || us > max_us) return erplink__error_setf(ERPLINK_ERANGE, "datetime outside years 1-9999");
  int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  int usec = (int)(us - secs * 1000000);
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t sod = secs - days * 86400;
  int y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  return erplink_value_new_datetime(out, y, (int)m, (int)d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60),
                                    usec);
}

int erplink_value_new_array(erplink_value **out) {
  erplink_value *v;
  return new_scalar(out, ERPLINK_TYPE_ARRAY, &v);
}

int erplink_value_new_struct(erplink_value **out) {
  erplink_value *v;
  return new_scalar(out, ERPLINK_TYPE_STRUCT, &v);
}

/* Frees a heap node and its heap children; an arena root child frees its arena. */
static void node_free(erplink_value *v) {
  if (!v) return;
  if (v->flags & ERPLINK_VF_ARENA) {
    if (v->flags & ERPLINK_VF_ARENA_ROOT) erplink_arena_free(erplink_arena_of_root(v));
    return;
  }
  switch (v->type) {
  case ERPLINK_TYPE_STRING:
  case ERPLINK_TYPE_BYTES:
    if (v->flags & ERPLINK_VF_SECRET) erplink__wipe(v->u.s.ptr, v->u.s.len);
    free(v->u.s.ptr);
    break;
  case ERPLINK_TYPE_ARRAY:
    for (size_t i = 0; i < v->u.a.len; i++) node_free(v->u.a.items[i]);
    free(v->u.a.items);
    break;
  case ERPLINK_TYPE_STRUCT:
    for (size_t i = 0; i < v->u.st.len; i++) {
      free((char *)v->u.st.m[i].key);
      node_free(v->u.st.m[i].val);
    }
    free(v->u.st.m);
    break;
  default: break;
  }
  free(v);
}

void erplink_value_free(erplink_value *v) {
  if (!v || (v->flags & ERPLINK_VF_CHILD)) return;
  if ((v->flags & ERPLINK_VF_ARENA) && !(v->flags & ERPLINK_VF_ARENA_ROOT)) return;
  node_free(v);
}

/* ---------------------------------------------------------------- accessors */

erplink_type erplink_value_type(const erplink_value *v) { return v ? (erplink_type)v->type : ERPLINK_TYPE_NIL; }

const char *erplink_type_name(erplink_type t) {
  static const char *const n[] = {"nil", "bool", "int", "double", "string", "bytes", "datetime", "array", "struct"};
  return (unsigned)t < sizeof n / sizeof n[0] ? n[t] : "unknown";
}

int erplink_value_is_secret(const erplink_value *v) { return v && (v->flags & ERPLINK_VF_SECRET) ? 1 : 0; }

static int check_type(const void *out, const erplink_value *v, erplink_type t) {
  if (!out || !v) return erplink__error_setf(ERPLINK_EINVAL, "NULL argument");
  if (v->type != t)
    return erplink__error_setf(ERPLINK_ETYPE, "expected %s, got %s", erplink_type_name(t),
                               erplink_type_name((erplink_type)v->type));
  return 0;
}

int erplink_value_get_bool(int *out, const erplink_value *v) {
  int rc = check_type(out, v, ERPLINK_TYPE_BOOL);
  if (!rc) *out = v->u.b;
  return rc;
}

int erplink_value_get_int(int64_t *out, const erplink_value *v) {
  int rc = check_type(out, v, ERPLINK_TYPE_INT);
  if (!rc) *out = v->u.i;
  return rc;
}

int erplink_value_get_double(double *out, const erplink_value *v) {
  if (out && v && v->type == ERPLINK_TYPE_INT) {
    *out = (double)v->u.i;
    return 0;
  }
  int rc = check_type(out, v, ERPLINK_TYPE_DOUBLE);
  if (!rc) *out = v->u.d;
  return rc;
}

int erplink_value_get_string(const char **out, size_t *out_len, const erplink_value *v) {
  int rc = check_type(out, v, ERPLINK_TYPE_STRING);
  if (!rc) {
    *out = v->u.s.ptr;
    if (out_len) *out_len = v->u.s.len;
  }
  return rc;
}

int erplink_value_get_bytes(const void **out, size_t *out_len, const erplink_value *v) {
  int rc = check_type(out, v, ERPLINK_TYPE_BYTES);
  if (!rc) {
    *out = v->u.s.ptr;
    if (out_len) *out_len = v->u.s.len;
  }
  return rc;
}

int erplink_value_get_datetime(int *year, int *month, int *day, int *hour, int *minute, int *second, int *usec,
                               const erplink_value *v) {
  int rc = check_type(v, v, ERPLINK_TYPE_DATETIME);
  if (rc) return rc;
  const erplink_datetime *dt = &v->u.dt;
  if (year) *year = dt->year;
  if (month) *month = dt->month;
  if (day) *day = dt->day;
  if (hour) *hour = dt->hour;
  if (minute) *minute = dt->minute;
  if (second) *second = dt->second;
  if (usec) *usec = (int)dt->usec;
  return 0;
}

int erplink_value_get_datetime_unix_us(int64_t *out, const erplink_value *v) {
  int rc = check_type(out, v, ERPLINK_TYPE_DATETIME);
  if (rc) return rc;
  const erplink_datetime *dt = &v->u.dt;
  int64_t days = erplink__days_from_civil(dt->year, dt->month, dt->day);
  *out = ((days * 86400 + dt->hour * 3600 + dt->minute * 60 + dt->second) * 1000000) + dt->usec;
  return 0;
}

size_t erplink_value_count(const erplink_value *v) {
  if (!v) return 0;
  if (v->type == ERPLINK_TYPE_ARRAY) return v->u.a.len;
  if (v->type == ERPLINK_TYPE_STRUCT) return v->u.st.len;
  return 0;
}

const erplink_value *erplink_value_array_at(const erplink_value *v, size_t i) {
  if (!v || v->type != ERPLINK_TYPE_ARRAY || i >= v->u.a.len) return NULL;
  return v->u.a.items[i];
}

const erplink_value *erplink_value_struct_getn(const erplink_value *v, const char *key, size_t klen) {
  if (!v || !key || v->type != ERPLINK_TYPE_STRUCT) return NULL;
  /* From the end: the last occurrence of a repeated key wins. */
  for (size_t i = v->u.st.len; i-- > 0;) {
    const erplink_member *m = &v->u.st.m[i];
    if (m->key_len == klen && memcmp(m->key, key, klen) == 0) return m->val;
  }
  return NULL;
}

const erplink_value *erplink_value_struct_get(const erplink_value *v, const char *key) {
  return key ? erplink_value_struct_getn(v, key, strlen(key)) : NULL;
}

static const erplink_member *member_at(const erplink_value *v, size_t i) {
  return v && v->type == ERPLINK_TYPE_STRUCT && i < v->u.st.len ? &v->u.st.m[i] : NULL;
}

const char *erplink_value_struct_key_at(const erplink_value *v, size_t i) {
  const erplink_member *m = member_at(v, i);
  return m ? m->key : NULL;
}

size_t erplink_value_struct_key_len_at(const erplink_value *v, size_t i) {
  const erplink_member *m = member_at(v, i);
  return m ? m->key_len : 0;
}

const erplink_value *erplink_value_struct_value_at(const erplink_value *v, size_t i) {
  const erplink_member *m = member_at(v, i);
  return m ? m->val : NULL;
}

/* ---------------------------------------------------------------- building */

/* Is needle inside the subtree of v? Only needed when the container is itself a child:
 * a root container cannot be inside the item, so the common bottom-up build never walks. */
static bool contains(const erplink_value *v, const erplink_value *needle, size_t depth) {
  if (v == needle) return true;
  if (depth > 100000 || (v->flags & ERPLINK_VF_ARENA)) return false;
  if (v->type == ERPLINK_TYPE_ARRAY) {
    for (size_t i = 0; i < v->u.a.len; i++)
      if (contains(v->u.a.items[i], needle, depth + 1)) return true;
  } else if (v->type == ERPLINK_TYPE_STRUCT) {
    for (size_t i = 0; i < v->u.st.len; i++)
      if (contains(v->u.st.m[i].val, needle, depth + 1)) return true;
  }
  return false;
}

static int check_container(erplink_value *c, erplink_type t, erplink_value *item) {
  if (!c || c->type != t)
    return erplink__error_setf(ERPLINK_EINVAL, "container is %s, expected %s",
                               c ? erplink_type_name((erplink_type)c->type) : "NULL", erplink_type_name(t));
  if (c->flags & ERPLINK_VF_ARENA)
    return erplink__error_setf(ERPLINK_EINVAL, "container belongs to a decoded (read-only) tree; clone it first");
  if (!item) return erplink__error_setf(ERPLINK_EINVAL, "item is NULL");
  if (item->flags & ERPLINK_VF_CHILD)
    return erplink__error_setf(ERPLINK_EINVAL, "item already belongs to a container; clone it");
  if ((item->flags & ERPLINK_VF_ARENA) && !(item->flags & ERPLINK_VF_ARENA_ROOT))
    return erplink__error_setf(ERPLINK_EINVAL, "item is inside a decoded tree; clone it");
  if (item == c || ((c->flags & ERPLINK_VF_CHILD) && contains(item, c, 0)))
    return erplink__error_setf(ERPLINK_EINVAL, "a container cannot contain itself");
  return 0;
}

/* Frees an item refused by a container, unless that would destroy the container itself. */
static void refuse(erplink_value *c, erplink_value *item) {
  if (item && item != c && !((c && (c->flags & ERPLINK_VF_CHILD)) && contains(item, c, 0))) erplink_value_free(item);
}

int erplink_value_array_append(erplink_value *a, erplink_value *item) {
  int rc = check_container(a, ERPLINK_TYPE_ARRAY, item);
  if (rc) {
    refuse(a, item);
    return rc;
  }
  if (a->u.a.len == a->u.a.cap) {
    size_t ncap = a->u.a.cap ? a->u.a.cap * 2 : 4;
    erplink_value **p = realloc(a->u.a.items, ncap * sizeof *p);
    if (!p) {
      erplink_value_free(item);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    a->u.a.items = p;
    a->u.a.cap = ncap;
  }
  item->flags |= ERPLINK_VF_CHILD;
  a->u.a.items[a->u.a.len++] = item;
  return 0;
}

static int struct_put(erplink_value *st, const char *key, erplink_value *item, bool replace) {
  int rc = check_container(st, ERPLINK_TYPE_STRUCT, item);
  if (!rc && !key) rc = erplink__error_setf(ERPLINK_EINVAL, "key is NULL");
  size_t klen = key ? strlen(key) : 0;
  if (!rc && !erplink__utf8_valid(key, klen)) rc = erplink__error_setf(ERPLINK_EINVAL, "key is not valid UTF-8");
  if (rc) {
    refuse(st, item);
    return rc;
  }
  for (size_t i = 0; replace && i < st->u.st.len; i++) {
    erplink_member *m = &st->u.st.m[i];
    if (m->key_len == klen && memcmp(m->key, key, klen) == 0) {
      m->val->flags &= (uint8_t)~ERPLINK_VF_CHILD;
      erplink_value_free(m->val);
      item->flags |= ERPLINK_VF_CHILD;
      m->val = item;
      return 0;
    }
  }
  if (st->u.st.len == st->u.st.cap) {
    size_t ncap = st->u.st.cap ? st->u.st.cap * 2 : 4;
    erplink_member *p = realloc(st->u.st.m, ncap * sizeof *p);
    if (!p) {
      erplink_value_free(item);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    st->u.st.m = p;
    st->u.st.cap = ncap;
  }
  char *k = malloc(klen + 1);
  if (!k) {
    erplink_value_free(item);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  memcpy(k, key, klen + 1);
  item->flags |= ERPLINK_VF_CHILD;
  st->u.st.m[st->u.st.len++] = (erplink_member){k, klen, item};
  return 0;
}

int erplink_value_struct_set(erplink_value *st, const char *key, erplink_value *item) {
  return struct_put(st, key, item, true);
}

int erplink_value_struct_append(erplink_value *st, const char *key, erplink_value *item) {
  return struct_put(st, key, item, false);
}

int erplink_value_array_append_string(erplink_value *a, const char *s) {
  erplink_value *v;
  int rc = erplink_value_new_string(&v, s);
  return rc ? rc : erplink_value_array_append(a, v);
}

int erplink_value_array_append_int(erplink_value *a, int64_t i) {
  erplink_value *v;
  int rc = erplink_value_new_int(&v, i);
  return rc ? rc : erplink_value_array_append(a, v);
}

int erplink_value_struct_set_string(erplink_value *st, const char *key, const char *s) {
  erplink_value *v;
  int rc = erplink_value_new_string(&v, s);
  return rc ? rc : erplink_value_struct_set(st, key, v);
}

int erplink_value_struct_set_int(erplink_value *st, const char *key, int64_t i) {
  erplink_value *v;
  int rc = erplink_value_new_int(&v, i);
  return rc ? rc : erplink_value_struct_set(st, key, v);
}

int erplink_value_struct_set_bool(erplink_value *st, const char *key, int b) {
  erplink_value *v;
  int rc = erplink_value_new_bool(&v, b);
  return rc ? rc : erplink_value_struct_set(st, key, v);
}

int erplink_value_struct_set_double(erplink_value *st, const char *key, double d) {
  erplink_value *v;
  int rc = erplink_value_new_double(&v, d);
  return rc ? rc : erplink_value_struct_set(st, key, v);
}

/* ---------------------------------------------------------------- clone / equal */

static erplink_value *clone_rec(const erplink_value *v, size_t depth) {
  erplink_value *c = NULL;
  if (depth > 100000) {
    erplink__error_setf(ERPLINK_ELIMIT, "value nested too deeply to clone");
    return NULL;
  }
  switch (v->type) {
  case ERPLINK_TYPE_STRING:
  case ERPLINK_TYPE_BYTES:
    if (new_blob(&c, v->type, v->u.s.ptr, v->u.s.len, false, (v->flags & ERPLINK_VF_SECRET) != 0)) return NULL;
    return c;
  case ERPLINK_TYPE_ARRAY:
    if (!(c = node_new(ERPLINK_TYPE_ARRAY))) return NULL;
    if (v->u.a.len) {
      c->u.a.items = malloc(v->u.a.len * sizeof *c->u.a.items);
      if (!c->u.a.items) goto oom;
      c->u.a.cap = v->u.a.len;
    }
    for (size_t i = 0; i < v->u.a.len; i++) {
      erplink_value *ch = clone_rec(v->u.a.items[i], depth + 1);
      if (!ch) goto fail;
      ch->flags |= ERPLINK_VF_CHILD;
      c->u.a.items[c->u.a.len++] = ch;
    }
    return c;
  case ERPLINK_TYPE_STRUCT:
    if (!(c = node_new(ERPLINK_TYPE_STRUCT))) return NULL;
    if (v->u.st.len) {
      c->u.st.m = malloc(v->u.st.len * sizeof *c->u.st.m);
      if (!c->u.st.m) goto oom;
      c->u.st.cap = v->u.st.len;
    }
    for (size_t i = 0; i < v->u.st.len; i++) {
      const erplink_member *m = &v->u.st.m[i];
      char *k = malloc(m->key_len + 1);
      if (!k) goto oom;
      memcpy(k, m->key, m->key_len);
      k[m->key_len] = '\0';
      erplink_value *ch = clone_rec(m->val, depth + 1);
      if (!ch) {
        free(k);
        goto fail;
      }
      ch->flags |= ERPLINK_VF_CHILD;
      c->u.st.m[c->u.st.len++] = (erplink_member){k, m->key_len, ch};
    }
    return c;
  default:
    if (!(c = node_new(v->type))) return NULL;
    c->u = v->u;
    return c;
  }
oom:
  erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
fail:
  node_free(c);
  return NULL;
}

int erplink_value_clone(erplink_value **out, const erplink_value *v) {
  if (!out || !v) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "NULL argument");
  }
  *out = clone_rec(v, 0);
  return *out ? 0 : erplink_error_code(erplink_error_last());
}

/* Is sub inside v's tree? (Iterative: the caller's tree may be deep.) */
static bool within(const erplink_value *v, const erplink_value *sub) {
  if (v == sub) return true;
  erplink_buf stack = ERPLINK_BUF_INIT; /* of const erplink_value * */
  bool found = false;
  const erplink_value *cur = v;
  for (;;) {
    size_t n = cur->type == ERPLINK_TYPE_ARRAY ? cur->u.a.len : cur->type == ERPLINK_TYPE_STRUCT ? cur->u.st.len : 0;
    for (size_t i = 0; i < n && !found; i++) {
      const erplink_value *c = cur->type == ERPLINK_TYPE_ARRAY ? cur->u.a.items[i] : cur->u.st.m[i].val;
      if (c == sub)
        found = true;
      else if ((c->type == ERPLINK_TYPE_ARRAY || c->type == ERPLINK_TYPE_STRUCT) &&
               erplink_buf_put(&stack, &c, sizeof c))
        break;
    }
    if (found || stack.oom || stack.len == 0) break;
    stack.len -= sizeof cur;
    memcpy(&cur, stack.ptr + stack.len, sizeof cur);
  }
  erplink_buf_free(&stack);
  return found;
}

int erplink__value_adopt_subtree(erplink_value **out, erplink_value *root, const erplink_value *sub) {
  *out = NULL;
  if (!root || !sub) {
    erplink_value_free(root);
    return erplink__error_setf(ERPLINK_EINVAL, "adopt: NULL value");
  }
  if (sub == root) {
    *out = root;
    return 0;
  }
  if (!(root->flags & ERPLINK_VF_ARENA_ROOT)) { /* a built tree: a copy, then the tree goes */
    int rc =
        within(root, sub) ? erplink_value_clone(out, sub) : erplink__error_setf(ERPLINK_EINVAL, "adopt: not a subtree");
    erplink_value_free(root);
    return rc;
  }
  /* A decoded tree: the root node (the arena's first allocation, which frees the arena) takes
   * sub's contents. Nodes have no parent pointers, so nothing points back at sub's old node. */
  if (!(sub->flags & ERPLINK_VF_ARENA) || (sub->flags & ERPLINK_VF_ARENA_ROOT)) {
    erplink_value_free(root);
    return erplink__error_setf(ERPLINK_EINVAL, "adopt: not a subtree");
  }
  root->type = sub->type;
  root->u = sub->u;
  *out = root;
  return 0;
}

int erplink_value_equal(const erplink_value *a, const erplink_value *b) {
  if (a == b) return 1;
  if (!a || !b || a->type != b->type) return 0;
  switch (a->type) {
  case ERPLINK_TYPE_NIL: return 1;
  case ERPLINK_TYPE_BOOL: return a->u.b == b->u.b;
  case ERPLINK_TYPE_INT: return a->u.i == b->u.i;
  case ERPLINK_TYPE_DOUBLE: return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d));
  case ERPLINK_TYPE_STRING:
  case ERPLINK_TYPE_BYTES: return a->u.s.len == b->u.s.len && memcmp(a->u.s.ptr, b->u.s.ptr, a->u.s.len) == 0;
  case ERPLINK_TYPE_DATETIME: return memcmp(&a->u.dt, &b->u.dt, sizeof a->u.dt) == 0;
  case ERPLINK_TYPE_ARRAY:
    if (a->u.a.len != b->u.a.len) return 0;
    for (size_t i = 0; i < a->u.a.len; i++)
      if (!erplink_value_equal(a->u.a.items[i], b->u.a.items[i])) return 0;
    return 1;
  case ERPLINK_TYPE_STRUCT:
    if (a->u.st.len != b->u.st.len) return 0;
    for (size_t i = 0; i < a->u.st.len; i++) {
      const erplink_member *x = &a->u.st.m[i], *y = &b->u.st.m[i];
      if (x->key_len != y->key_len || memcmp(x->key, y->key, x->key_len) != 0) return 0;
      if (!erplink_value_equal(x->val, y->val)) return 0;
    }
    return 1;
  }
  return 0;
}

/* ---------------------------------------------------------------- dump */

static void dump_str(erplink_buf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  erplink_buf_putc(b, '"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      erplink_buf_putc(b, '\\');
      erplink_buf_putc(b, (char)c);
    } else if (c < 0x20 || c == 0x7f) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      erplink_buf_put(b, e, 6);
    } else {
      erplink_buf_putc(b, (char)c);
    }
  }
  erplink_buf_putc(b, '"');
}

static void dump_rec(erplink_buf *b, const erplink_value *v, bool redact, size_t depth, const erplink__logger *lg) {
  if (depth > 200) {
    erplink_buf_puts(b, "...");
    return;
  }
  char num[40];
  switch (v->type) {
  case ERPLINK_TYPE_NIL: erplink_buf_puts(b, "null"); break;
  case ERPLINK_TYPE_BOOL: erplink_buf_puts(b, v->u.b ? "true" : "false"); break;
  case ERPLINK_TYPE_INT: erplink_buf_printf(b, "%lld", (long long)v->u.i); break;
  case ERPLINK_TYPE_DOUBLE:
    erplink__fmt_double(num, v->u.d);
    erplink_buf_puts(b, num);
    break;
  case ERPLINK_TYPE_STRING:
    if (redact || (v->flags & ERPLINK_VF_SECRET))
      erplink_buf_puts(b, "\"<redacted>\"");
    else
      dump_str(b, v->u.s.ptr, v->u.s.len);
    break;
  case ERPLINK_TYPE_BYTES:
    if (redact)
      erplink_buf_puts(b, "\"<redacted>\"");
    else
      erplink_buf_printf(b, "<%zu bytes>", v->u.s.len);
    break;
  case ERPLINK_TYPE_DATETIME: {
    const erplink_datetime *d = &v->u.dt;
    erplink_buf_printf(b, "dt\"%04d-%02d-%02dT%02d:%02d:%02d", d->year, d->month, d->day, d->hour, d->minute,
                       d->second);
    if (d->usec) erplink_buf_printf(b, ".%06u", (unsigned)d->usec);
    erplink_buf_putc(b, '"');
    break;
  }
  case ERPLINK_TYPE_ARRAY:
    erplink_buf_putc(b, '[');
    for (size_t i = 0; i < v->u.a.len; i++) {
      if (i) erplink_buf_puts(b, ", ");
      dump_rec(b, v->u.a.items[i], redact, depth + 1, lg);
    }
    erplink_buf_putc(b, ']');
    break;
  case ERPLINK_TYPE_STRUCT:
    erplink_buf_putc(b, '{');
    for (size_t i = 0; i < v->u.st.len; i++) {
      const erplink_member *m = &v->u.st.m[i];
      if (i) erplink_buf_puts(b, ", ");
      dump_str(b, m->key, m->key_len);
      erplink_buf_puts(b, ": ");
      bool r = redact || erplink__logger_is_secret(lg, m->key, m->key_len);
      /* A credential-named member is redacted whatever its type, but keep false/null visible. */
      if (r && m->val->type != ERPLINK_TYPE_ARRAY && m->val->type != ERPLINK_TYPE_STRUCT &&
          m->val->type != ERPLINK_TYPE_NIL && m->val->type != ERPLINK_TYPE_BOOL)
        erplink_buf_puts(b, "\"<redacted>\"");
      else
        dump_rec(b, m->val, r, depth + 1, lg);
    }
    erplink_buf_putc(b, '}');
    break;
  }
}

int erplink__value_dump_for(char **out, const erplink_value *v, const erplink__logger *lg) {
  if (!out || !v) {
    if (out) *out = NULL;
    return erplink__error_setf(ERPLINK_EINVAL, "NULL argument");
  }
  erplink_buf b = ERPLINK_BUF_INIT;
  dump_rec(&b, v, false, 0, lg);
  *out = erplink_buf_detach(&b, NULL);
  return *out ? 0 : erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
}

int erplink_value_dump(char **out, const erplink_value *v) { return erplink__value_dump_for(out, v, NULL); }
