/* The tree builder of the XML-RPC decoder (see builder.h): its slow paths and cold API. */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"

int erplink_builder_new(erplink_builder **out, const erplink_limits *limits, size_t size_hint) {
  erplink_builder *b = calloc(1, sizeof *b);
  if (!b) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink__limits_resolve(&b->lim, limits);
  b->size_hint = size_hint;
  b->gen = 1;
  *out = b;
  return 0;
}

void erplink_builder_reset(erplink_builder *b) {
  if (b->arena) erplink_arena_free(b->arena);
  b->arena = NULL;
  b->root = NULL;
  b->root_used = b->done = b->have_key = false;
  b->depth = b->vlen = b->klen = b->elements = 0;
  b->gen++; /* the shared keys were the old arena's */
}

void erplink_builder_free(erplink_builder *b) {
  if (!b) return;
  erplink_builder_reset(b);
  free(b->stack);
  free(b->vals);
  free(b->keys);
  free(b);
}

size_t erplink_builder_depth(const erplink_builder *b) { return b->depth; }
bool erplink_builder_done(const erplink_builder *b) { return b->done; }

erplink_value *erplink_builder_take(erplink_builder *b) {
  if (!b->done) return NULL;
  erplink_value *r = b->root;
  b->arena = NULL; /* now owned by r */
  erplink_builder_reset(b);
  return r;
}

static int oom(void) { return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding"); }

static int ensure_arena(erplink_builder *b) {
  if (b->arena) return 0;
  size_t hint = b->size_hint ? b->size_hint + b->size_hint / 2 : 0;
  b->root = erplink_arena_new_root(&b->arena, hint);
  return b->root ? 0 : oom();
}

char *erplink_builder_alloc(erplink_builder *b, size_t len) {
  if (ensure_arena(b)) return NULL;
  if (len == SIZE_MAX) {
    oom();
    return NULL;
  }
  char *p = erplink_arena_alloc(b->arena, len + 1, 1);
  if (!p) oom();
  return p;
}

char *erplink__builder_copy_slow(erplink_builder *b, const char *s, size_t len) {
  char *p = erplink_builder_alloc(b, len);
  if (!p) return NULL;
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

/* Grows a scratch array of elements of `size` bytes; false when out of memory. */
static bool grow(void **p, size_t *cap, size_t size) {
  size_t ncap = *cap ? *cap * 2 : 256;
  if (ncap > SIZE_MAX / size) return false;
  void *q = realloc(*p, ncap * size);
  if (!q) return false;
  *p = q;
  *cap = ncap;
  return true;
}

erplink_value *erplink__builder_place_slow(erplink_builder *b, uint8_t type) {
  if (ERPLINK_UNLIKELY(b->elements >= b->lim.max_elements)) {
    erplink__error_setf(ERPLINK_ELIMIT, "document has more than %zu elements (the element cap)", b->lim.max_elements);
    return NULL;
  }
  if (ensure_arena(b)) return NULL;
  if (b->depth == 0) {
    if (b->root_used) {
      erplink__error_setf(ERPLINK_EPROTOCOL, "more than one top-level value");
      return NULL;
    }
    b->elements++;
    b->root_used = true;
    b->root->type = type;
    if (type != ERPLINK_TYPE_ARRAY && type != ERPLINK_TYPE_STRUCT) b->done = true; /* a scalar document */
    return b->root;
  }
  if (b->stack[b->depth - 1].is_struct && !b->have_key) {
    erplink__error_setf(ERPLINK_EPROTOCOL, "struct member without a name");
    return NULL;
  }
  if ((b->vlen == b->vcap && !grow((void **)&b->vals, &b->vcap, sizeof *b->vals)) ||
      (b->klen == b->kcap && !grow((void **)&b->keys, &b->kcap, sizeof *b->keys))) {
    oom();
    return NULL;
  }
  return erplink__builder_place(b, type); /* now the fast path */
}

int erplink__builder_key_slow(erplink_builder *b, const char *key, size_t len) {
  if (b->depth == 0 || !b->stack[b->depth - 1].is_struct)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "member name outside a struct");
  /* the same name at the same place of the previous struct at this depth: its copy */
  size_t mi = b->klen - b->stack[b->depth - 1].kstart;
  erplink__bkey *slot = NULL;
  if (b->depth <= ERPLINK_BUILDER_KEY_DEPTH && mi < ERPLINK_BUILDER_KEY_SLOTS) {
    size_t r = b->depth - 1;
    if (b->row_gen[r] != b->gen) {
      memset(b->kc[r], 0, sizeof b->kc[r]);
      b->row_gen[r] = b->gen;
    }
    slot = &b->kc[r][mi];
    if (slot->key && slot->len == len && memcmp(slot->key, key, len) == 0) {
      b->key = *slot;
      b->have_key = true;
      return 0;
    }
  }
  /* (with 8 readable bytes after it, for erplink__builder_key()'s word comparisons) */
  char *k = len <= SIZE_MAX - 16 ? erplink_builder_alloc(b, len + 7) : NULL;
  if (!k) return ERPLINK_ENOMEM;
  if (len) memcpy(k, key, len);
  memset(k + len, 0, 8);
  b->key = (erplink__bkey){k, len};
  b->have_key = true;
  if (slot) *slot = b->key;
  return 0;
}

static int begin(erplink_builder *b, uint8_t type) {
  if (b->depth >= b->lim.max_depth)
    return erplink__error_setf(ERPLINK_ELIMIT, "document nested deeper than %zu levels (the depth cap)",
                               b->lim.max_depth);
  erplink_value *v = erplink__builder_place(b, type);
  if (!v) return erplink__builder_fail_code();
  if (b->depth == b->stack_cap && !grow((void **)&b->stack, &b->stack_cap, sizeof *b->stack)) return oom();
  size_t slot = v == b->root ? SIZE_MAX : (size_t)(v - b->vals);
  b->stack[b->depth++] = (erplink__bframe){b->vlen, b->klen, slot, type == ERPLINK_TYPE_STRUCT};
  return 0;
}

int erplink_builder_begin_array(erplink_builder *b) { return begin(b, ERPLINK_TYPE_ARRAY); }
int erplink_builder_begin_struct(erplink_builder *b) { return begin(b, ERPLINK_TYPE_STRUCT); }

int erplink_builder_end(erplink_builder *b) {
  if (b->depth == 0) return erplink__error_setf(ERPLINK_EPROTOCOL, "unbalanced end of container");
  if (b->have_key) return erplink__error_setf(ERPLINK_EPROTOCOL, "struct member without a value");
  const erplink__bframe *f = &b->stack[b->depth - 1];
  size_t n = b->vlen - f->vstart;
  erplink_value *node = f->slot == SIZE_MAX ? b->root : &b->vals[f->slot];
  /* the children move into the arena, contiguous */
  erplink_value *kids = NULL;
  if (n) {
    kids = erplink_arena_alloc(b->arena, n * sizeof *kids, alignof(erplink_value));
    if (!kids) return oom();
    memcpy(kids, b->vals + f->vstart, n * sizeof *kids);
  }
  if (f->is_struct) {
    erplink_member *m = NULL;
    if (n) {
      m = erplink_arena_alloc(b->arena, n * sizeof *m, alignof(erplink_member));
      if (!m) return oom();
      const erplink__bkey *k = b->keys + f->kstart;
      for (size_t i = 0; i < n; i++) m[i] = (erplink_member){k[i].key, k[i].len, &kids[i]};
    }
    node->u.st.m = m;
    node->u.st.len = node->u.st.cap = n;
    b->klen = f->kstart;
  } else {
    erplink_value **items = NULL;
    if (n) {
      items = erplink_arena_alloc(b->arena, n * sizeof *items, alignof(erplink_value *));
      if (!items) return oom();
      for (size_t i = 0; i < n; i++) items[i] = &kids[i];
    }
    node->u.a.items = items;
    node->u.a.len = node->u.a.cap = n;
  }
  b->vlen = f->vstart;
  b->depth--;
  if (b->depth == 0) b->done = true;
  return 0;
}

int erplink_builder_bytes_inplace(erplink_builder *b, char *p, size_t len) {
  erplink_value *v = erplink__builder_place(b, ERPLINK_TYPE_BYTES);
  if (!v) return erplink__builder_fail_code();
  p[len] = '\0';
  v->u.s.ptr = p;
  v->u.s.len = len;
  return 0;
}

int erplink_builder_bytes(erplink_builder *b, const void *p, size_t len) {
  char *s = erplink__builder_copy(b, p, len);
  if (!s) return ERPLINK_ENOMEM;
  return erplink_builder_bytes_inplace(b, s, len);
}

int erplink_builder_datetime(erplink_builder *b, const erplink_datetime *dt) {
  erplink_value *v = erplink__builder_place(b, ERPLINK_TYPE_DATETIME);
  if (!v) return erplink__builder_fail_code();
  /* field by field over zeros: erplink_value_equal() compares the whole struct, padding included */
  memset(&v->u, 0, sizeof v->u);
  v->u.dt.year = dt->year;
  v->u.dt.month = dt->month;
  v->u.dt.day = dt->day;
  v->u.dt.hour = dt->hour;
  v->u.dt.minute = dt->minute;
  v->u.dt.second = dt->second;
  v->u.dt.usec = dt->usec;
  return 0;
}
