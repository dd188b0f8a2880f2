/* A bump allocator for decoded trees. The arena header sits at the start of its first
 * block and the tree's root node immediately after it, so that freeing the root can find
 * and free the whole arena without a back pointer in every node. */
#ifndef ERPLINK_CORE_ARENA_H
#define ERPLINK_CORE_ARENA_H

#include <stddef.h>

#include "internal.h"

struct erplink_arena_block;

struct erplink_arena {
  struct erplink_arena_block *blocks; /* extra blocks, newest first */
  char *cur, *end;
  size_t next_size;
  size_t total;
};

/* Creates an arena whose first allocation is the root node; returns the root or NULL. */
erplink_value *erplink_arena_new_root(erplink_arena **out, size_t size_hint);
void *erplink_arena_alloc(erplink_arena *a, size_t size, size_t align);
erplink_arena *erplink_arena_of_root(erplink_value *root);
void erplink_arena_free(erplink_arena *a);

#endif
