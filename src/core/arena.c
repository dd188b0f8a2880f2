#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

struct erplink_arena_block {
  struct erplink_arena_block *next;
  size_t size;
  max_align_t data[];
};

#define HDR_SIZE (((sizeof(struct erplink_arena) + alignof(max_align_t) - 1) / alignof(max_align_t)) * alignof(max_align_t))
#define MIN_BLOCK 4096u
#define MAX_BLOCK (8u * 1024u * 1024u)

erplink_value *erplink_arena_new_root(erplink_arena **out, size_t size_hint) {
  size_t first = size_hint < MIN_BLOCK ? MIN_BLOCK : size_hint > MAX_BLOCK ? MAX_BLOCK : size_hint;
  char *mem = malloc(HDR_SIZE + first);
  if (!mem) return NULL;
  erplink_arena *a = (erplink_arena *)mem;
  a->blocks = NULL;
  a->cur = mem + HDR_SIZE;
  a->end = mem + HDR_SIZE + first;
  a->next_size = first * 2 > MAX_BLOCK ? MAX_BLOCK : first * 2;
  a->total = HDR_SIZE + first;
  erplink_value *root = (erplink_value *)a->cur;
  a->cur += sizeof(erplink_value);
  memset(root, 0, sizeof *root);
  root->flags = ERPLINK_VF_ARENA | ERPLINK_VF_ARENA_ROOT;
  *out = a;
  return root;
}

erplink_arena *erplink_arena_of_root(erplink_value *root) {
  return (erplink_arena *)((char *)root - HDR_SIZE);
}

void *erplink_arena_alloc(erplink_arena *a, size_t size, size_t align) {
  uintptr_t p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
  if (ERPLINK_LIKELY(p <= (uintptr_t)a->end && size <= (size_t)((uintptr_t)a->end - p))) {
    a->cur = (char *)(p + size);
    return (void *)p;
  }
  size_t bsize = a->next_size;
  if (size + align > bsize) bsize = size + align; /* a big string gets a block of its own */
  if (bsize > SIZE_MAX - sizeof(struct erplink_arena_block)) return NULL;
  struct erplink_arena_block *blk = malloc(sizeof *blk + bsize);
  if (!blk) return NULL;
  blk->size = bsize;
  a->total += bsize;
  blk->next = a->blocks;
  a->blocks = blk;
  if (a->next_size < MAX_BLOCK) a->next_size *= 2;
  char *base = (char *)blk->data;
  p = ((uintptr_t)base + (align - 1)) & ~(uintptr_t)(align - 1);
  /* Keep bump-allocating from whichever block has more room left. */
  char *nend = base + bsize;
  if ((size_t)(nend - (char *)(p + size)) > (size_t)(a->end - a->cur)) {
    a->cur = (char *)(p + size);
    a->end = nend;
  }
  return (void *)p;
}

void erplink_arena_free(erplink_arena *a) {
  if (!a) return;
  struct erplink_arena_block *b = a->blocks;
  while (b) {
    struct erplink_arena_block *n = b->next;
    free(b);
    b = n;
  }
  free(a);
}
