/* The tree builder of the XML-RPC decoder (and of tests): it places decoded values, in document
 * order, into an arena tree owned by the root. The children of each open container wait as
 * whole nodes in a scratch stack until it closes; they then move, exactly sized and contiguous,
 * into the arena (one copy, no per-node allocation). Struct keys repeated at the same place of
 * consecutive structs (the fields of records) share one arena copy. The depth and element caps
 * are enforced as values arrive. Every function returns 0 or a negative code with the thread's
 * last error set. The hot paths are inline (builder.c holds the rest). Internal. */
#ifndef ERPLINK_CORE_BUILDER_H
#define ERPLINK_CORE_BUILDER_H

#include <stdalign.h>
#include <string.h>

#include "arena.h"
#include "internal.h"

#define ERPLINK_BUILDER_KEY_DEPTH 8  /* struct depths whose keys are shared... */
#define ERPLINK_BUILDER_KEY_SLOTS 32 /* ...for their first members */

typedef struct erplink__bframe {
  size_t vstart, kstart; /* first scratch slots of this container's children and keys */
  size_t slot;           /* this container's node in the value scratch; SIZE_MAX: the root */
  bool is_struct;
} erplink__bframe;

typedef struct erplink__bkey {
  const char *key;
  size_t len;
} erplink__bkey;

typedef struct erplink_builder {
  struct erplink_limits lim;
  size_t size_hint;
  erplink_arena *arena;
  erplink_value *root;
  bool root_used, done, have_key;
  erplink__bkey key; /* the pending member name */
  size_t elements;
  erplink__bframe *stack;
  size_t depth, stack_cap;
  erplink_value *vals; /* pending children */
  size_t vlen, vcap;
  erplink__bkey *keys; /* pending struct members' names */
  size_t klen, kcap;
  /* shared keys: [depth - 1][member index], valid for the document stamped in row_gen */
  uint64_t gen, row_gen[ERPLINK_BUILDER_KEY_DEPTH];
  erplink__bkey kc[ERPLINK_BUILDER_KEY_DEPTH][ERPLINK_BUILDER_KEY_SLOTS];
} erplink_builder;

int erplink_builder_new(erplink_builder **out, const erplink_limits *limits, size_t size_hint);
void erplink_builder_free(erplink_builder *b);
/* Resets to an empty document (keeps allocated scratch). */
void erplink_builder_reset(erplink_builder *b);
int erplink_builder_begin_array(erplink_builder *b);
int erplink_builder_begin_struct(erplink_builder *b);
int erplink_builder_end(erplink_builder *b); /* closes the innermost container */
int erplink_builder_datetime(erplink_builder *b, const erplink_datetime *dt);
/* Reserve len+1 bytes in the arena for a value built in place (e.g. base64 decode). */
char *erplink_builder_alloc(erplink_builder *b, size_t len);
int erplink_builder_bytes_inplace(erplink_builder *b, char *p, size_t len); /* p from _alloc */
int erplink_builder_bytes(erplink_builder *b, const void *p, size_t len);
size_t erplink_builder_depth(const erplink_builder *b);
/* True once a complete top-level value was added. */
bool erplink_builder_done(const erplink_builder *b);
/* Takes the finished root (caller owns it); the builder is reset. */
erplink_value *erplink_builder_take(erplink_builder *b);

/* The slow paths of erplink__builder_place(): the root, a missing key, the element cap, room. */
erplink_value *erplink__builder_place_slow(erplink_builder *b, uint8_t type);

/* Places a new value of `type` (root or container child) and returns its node (in the scratch
 * for a child: valid until the next placement), or NULL with the error set. */
static inline erplink_value *erplink__builder_place(erplink_builder *b, uint8_t type) {
  if (ERPLINK_UNLIKELY(b->depth == 0 || b->elements >= b->lim.max_elements || b->vlen == b->vcap || b->klen == b->kcap))
    return erplink__builder_place_slow(b, type);
  const erplink__bframe *f = &b->stack[b->depth - 1];
  if (f->is_struct) {
    if (ERPLINK_UNLIKELY(!b->have_key)) return erplink__builder_place_slow(b, type);
    b->keys[b->klen++] = b->key;
    b->have_key = false;
  }
  b->elements++;
  erplink_value *v = &b->vals[b->vlen++];
  v->type = type;
  v->flags = ERPLINK_VF_ARENA | ERPLINK_VF_CHILD;
  return v;
}

static inline int erplink__builder_fail_code(void) { return erplink_error_code(erplink_error_last()); }

static inline int erplink_builder_nil(erplink_builder *b) {
  return erplink__builder_place(b, ERPLINK_TYPE_NIL) ? 0 : erplink__builder_fail_code();
}

static inline int erplink_builder_bool(erplink_builder *b, int x) {
  erplink_value *v = erplink__builder_place(b, ERPLINK_TYPE_BOOL);
  if (!v) return erplink__builder_fail_code();
  v->u.b = x != 0;
  return 0;
}

static inline int erplink_builder_int(erplink_builder *b, int64_t x) {
  erplink_value *v = erplink__builder_place(b, ERPLINK_TYPE_INT);
  if (!v) return erplink__builder_fail_code();
  v->u.i = x;
  return 0;
}

static inline int erplink_builder_double(erplink_builder *b, double x) {
  erplink_value *v = erplink__builder_place(b, ERPLINK_TYPE_DOUBLE);
  if (!v) return erplink__builder_fail_code();
  v->u.d = x;
  return 0;
}

/* A copy of [s, s + len) and a NUL in the arena (NULL with the error set). */
char *erplink__builder_copy_slow(erplink_builder *b, const char *s, size_t len);
static inline char *erplink__builder_copy(erplink_builder *b, const char *s, size_t len) {
  erplink_arena *a = b->arena;
  if (ERPLINK_UNLIKELY(!a || len >= (size_t)(a->end - a->cur))) return erplink__builder_copy_slow(b, s, len);
  char *p = a->cur;
  a->cur += len + 1;
  if (len) memcpy(p, s, len);
  p[len] = '\0';
  return p;
}

static inline int erplink_builder_string(erplink_builder *b, const char *s, size_t len) {
  char *c = erplink__builder_copy(b, s, len);
  if (!c) return ERPLINK_ENOMEM;
  erplink_value *v = erplink__builder_place(b, ERPLINK_TYPE_STRING);
  if (!v) return erplink__builder_fail_code();
  v->u.s.ptr = c;
  v->u.s.len = len;
  return 0;
}

/* Member key for the next value added to the current struct (copied, or shared with the same
 * member of the previous struct at this depth: shared copies are followed by 8 readable bytes). */
int erplink__builder_key_slow(erplink_builder *b, const char *key, size_t len);
static inline int erplink__builder_key(erplink_builder *b, const char *key, size_t len, bool slack) {
  size_t d = b->depth;
  if (ERPLINK_LIKELY(d && d <= ERPLINK_BUILDER_KEY_DEPTH && b->stack[d - 1].is_struct && b->row_gen[d - 1] == b->gen)) {
    size_t mi = b->klen - b->stack[d - 1].kstart;
    if (ERPLINK_LIKELY(mi < ERPLINK_BUILDER_KEY_SLOTS)) {
      const erplink__bkey *slot = &b->kc[d - 1][mi];
      if (slot->key && slot->len == len) {
        bool same = true;
        if (slack) { /* 8 bytes at a time: both sides have 8 readable bytes beyond len */
          size_t i = 0;
          for (; same && i + 8 <= len; i += 8) same = memcmp(slot->key + i, key + i, 8) == 0;
          if (same && i < len) {
            uint64_t x, y;
            memcpy(&x, slot->key + i, 8);
            memcpy(&y, key + i, 8);
            uint64_t diff = x ^ y;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            same = (diff & ((UINT64_C(1) << (8 * (len - i))) - 1)) == 0;
#else
            same = (diff >> (8 * (8 - (len - i)))) == 0;
#endif
          }
        } else {
          for (size_t i = 0; same && i < len; i++) same = slot->key[i] == key[i];
        }
        if (same) {
          b->key = *slot;
          b->have_key = true;
          return 0;
        }
      }
    }
  }
  return erplink__builder_key_slow(b, key, len);
}
static inline int erplink_builder_key(erplink_builder *b, const char *key, size_t len) {
  return erplink__builder_key(b, key, len, false);
}

#endif
