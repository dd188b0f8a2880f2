/* The tree builder shared by the XML-RPC and JSON decoders (see internal.h). */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "internal.h"

typedef struct frame {
  erplink_value *node;
  size_t start; /* first scratch slot of this container */
} frame;

struct erplink_builder {
  struct erplink_limits lim;
  size_t size_hint;
  erplink_arena *arena;
  erplink_value *root;
  bool root_used, done;
  frame *stack;
  size_t depth, stack_cap;
  erplink_member *scratch;
  size_t slen, scap;
  const char *key;
  size_t key_len;
  bool have_key;
  size_t elements;
};

int erplink_builder_new(erplink_builder **out, const erplink_limits *limits, size_t size_hint) {
  erplink_builder *b = calloc(1, sizeof *b);
  if (!b) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  erplink__limits_resolve(&b->lim, limits);
  b->size_hint = size_hint;
  *out = b;
  return 0;
}

void erplink_builder_reset(erplink_builder *b) {
  if (b->arena) erplink_arena_free(b->arena);
  b->arena = NULL;
  b->root = NULL;
  b->root_used = b->done = b->have_key = false;
  b->depth = b->slen = b->elements = 0;
}

void erplink_builder_free(erplink_builder *b) {
  if (!b) return;
  erplink_builder_reset(b);
  free(b->stack);
  free(b->scratch);
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

int erplink_builder_key(erplink_builder *b, const char *key, size_t len) {
  if (b->depth == 0 || b->stack[b->depth - 1].node->type != ERPLINK_TYPE_STRUCT)
    return erplink__error_setf(ERPLINK_EPROTOCOL, "member name outside a struct");
  char *k = erplink_builder_alloc(b, len);
  if (!k) return ERPLINK_ENOMEM;
  memcpy(k, key, len);
  k[len] = '\0';
  b->key = k;
  b->key_len = len;
  b->have_key = true;
  return 0;
}

/* Places a new node in the tree (root or container item) and returns it. */
static erplink_value *place(erplink_builder *b, uint8_t type) {
  if (ERPLINK_UNLIKELY(++b->elements > b->lim.max_elements)) {
    erplink__error_setf(ERPLINK_ELIMIT, "document has more than %zu elements (the element cap)", b->lim.max_elements);
    return NULL;
  }
  if (ensure_arena(b)) return NULL;
  erplink_value *v;
  if (b->depth == 0) {
    if (b->root_used) {
      erplink__error_setf(ERPLINK_EPROTOCOL, "more than one top-level value");
      return NULL;
    }
    b->root_used = true;
    v = b->root;
    v->type = type;
    return v;
  }
  frame *f = &b->stack[b->depth - 1];
  bool is_struct = f->node->type == ERPLINK_TYPE_STRUCT;
  if (is_struct && !b->have_key) {
    erplink__error_setf(ERPLINK_EPROTOCOL, "struct member without a name");
    return NULL;
  }
  v = erplink_arena_alloc(b->arena, sizeof *v, alignof(erplink_value));
  if (!v) {
    oom();
    return NULL;
  }
  memset(v, 0, sizeof *v);
  v->type = type;
  v->flags = ERPLINK_VF_ARENA | ERPLINK_VF_CHILD;
  if (b->slen == b->scap) {
    size_t ncap = b->scap ? b->scap * 2 : 256;
    erplink_member *p = realloc(b->scratch, ncap * sizeof *p);
    if (!p) {
      oom();
      return NULL;
    }
    b->scratch = p;
    b->scap = ncap;
  }
  erplink_member *m = &b->scratch[b->slen++];
  m->val = v;
  if (is_struct) {
    m->key = b->key;
    m->key_len = b->key_len;
    b->have_key = false;
  }
  return v;
}

static int scalar_done(erplink_builder *b) {
  if (b->depth == 0) b->done = true;
  return 0;
}

int erplink_builder_nil(erplink_builder *b) {
  return place(b, ERPLINK_TYPE_NIL) ? scalar_done(b) : erplink_error_code(erplink_error_last());
}

int erplink_builder_bool(erplink_builder *b, int x) {
  erplink_value *v = place(b, ERPLINK_TYPE_BOOL);
  if (!v) return erplink_error_code(erplink_error_last());
  v->u.b = x != 0;
  return scalar_done(b);
}

int erplink_builder_int(erplink_builder *b, int64_t x) {
  erplink_value *v = place(b, ERPLINK_TYPE_INT);
  if (!v) return erplink_error_code(erplink_error_last());
  v->u.i = x;
  return scalar_done(b);
}

int erplink_builder_double(erplink_builder *b, double x) {
  erplink_value *v = place(b, ERPLINK_TYPE_DOUBLE);
  if (!v) return erplink_error_code(erplink_error_last());
  v->u.d = x;
  return scalar_done(b);
}

static int blob(erplink_builder *b, uint8_t type, const void *p, size_t len) {
  char *s = erplink_builder_alloc(b, len);
  if (!s) return ERPLINK_ENOMEM;
  if (len) memcpy(s, p, len);
  s[len] = '\0';
  erplink_value *v = place(b, type);
  if (!v) return erplink_error_code(erplink_error_last());
  v->u.s.ptr = s;
  v->u.s.len = len;
  return scalar_done(b);
}

int erplink_builder_string(erplink_builder *b, const char *s, size_t len) {
  return blob(b, ERPLINK_TYPE_STRING, s, len);
}

int erplink_builder_bytes(erplink_builder *b, const void *p, size_t len) {
  return blob(b, ERPLINK_TYPE_BYTES, p, len);
}

int erplink_builder_bytes_inplace(erplink_builder *b, char *p, size_t len) {
  erplink_value *v = place(b, ERPLINK_TYPE_BYTES);
  if (!v) return erplink_error_code(erplink_error_last());
  p[len] = '\0';
  v->u.s.ptr = p;
  v->u.s.len = len;
  return scalar_done(b);
}

int erplink_builder_datetime(erplink_builder *b, const erplink_datetime *dt) {
  erplink_value *v = place(b, ERPLINK_TYPE_DATETIME);
  if (!v) return erplink_error_code(erplink_error_last());
  v->u.dt = *dt;
  return scalar_done(b);
}

static int begin(erplink_builder *b, uint8_t type) {
  if (b->depth >= b->lim.max_depth)
    return erplink__error_setf(ERPLINK_ELIMIT, "document nested deeper than %zu levels (the depth cap)", b->lim.max_depth);
  erplink_value *v = place(b, type);
  if (!v) return erplink_error_code(erplink_error_last());
  if (b->depth == b->stack_cap) {
    size_t ncap = b->stack_cap ? b->stack_cap * 2 : 32;
    frame *p = realloc(b->stack, ncap * sizeof *p);
    if (!p) return oom();
    b->stack = p;
    b->stack_cap = ncap;
  }
  b->stack[b->depth++] = (frame){v, b->slen};
  return 0;
}

int erplink_builder_begin_array(erplink_builder *b) { return begin(b, ERPLINK_TYPE_ARRAY); }
int erplink_builder_begin_struct(erplink_builder *b) { return begin(b, ERPLINK_TYPE_STRUCT); }

int erplink_builder_end(erplink_builder *b) {
  if (b->depth == 0) return erplink__error_setf(ERPLINK_EPROTOCOL, "unbalanced end of container");
  frame *f = &b->stack[b->depth - 1];
  if (b->have_key) return erplink__error_setf(ERPLINK_EPROTOCOL, "struct member without a value");
  size_t n = b->slen - f->start;
  erplink_value *v = f->node;
  if (v->type == ERPLINK_TYPE_ARRAY) {
    erplink_value **items = NULL;
    if (n) {
      items = erplink_arena_alloc(b->arena, n * sizeof *items, alignof(erplink_value *));
      if (!items) return oom();
      for (size_t i = 0; i < n; i++) items[i] = b->scratch[f->start + i].val;
    }
    v->u.a.items = items;
    v->u.a.len = v->u.a.cap = n;
  } else {
    erplink_member *m = NULL;
    if (n) {
      m = erplink_arena_alloc(b->arena, n * sizeof *m, alignof(erplink_member));
      if (!m) return oom();
      memcpy(m, b->scratch + f->start, n * sizeof *m);
    }
    v->u.st.m = m;
    v->u.st.len = v->u.st.cap = n;
  }
  b->slen = f->start;
  b->depth--;
  if (b->depth == 0) b->done = true;
  return 0;
}
