/* A bump allocator for decoded trees. The arena header sits at the start of its first
 * block and the tree's root node immediately after it, so that freeing the root can find
 * and free the whole arena without a back pointer in every node.
 *
 * Retained memory: freed blocks of 64 KiB to 8 MiB go to a process-wide cache of at most
 * ERPLINK_ARENA_CACHE_MAX bytes (see arena.c) that the next arenas draw from, so that
 * consecutive decodes reuse pages already mapped. Thread-safe (one mutex). */
#ifndef ERPLINK_CORE_ARENA_H
#define ERPLINK_CORE_ARENA_H

#include <stddef.h>

#include "internal.h"

#define ERPLINK_ARENA_CACHE_MAX ((size_t)64 << 20)

struct erplink_arena_block;

struct erplink_arena {
  struct erplink_arena_block *blocks; /* extra blocks, newest first */
  char *cur, *end;
  size_t next_size;
  size_t total;      /* bytes of all blocks */
  size_t first_size; /* bytes of the first block (this header's) */
  size_t spare;      /* bytes of blocks given up unused (block headers, rooms left behind) */
};

/* Creates an arena whose first allocation is the root node; returns the root or NULL. */
erplink_value *erplink_arena_new_root(erplink_arena **out, size_t size_hint);
void *erplink_arena_alloc(erplink_arena *a, size_t size, size_t align);
erplink_arena *erplink_arena_of_root(erplink_value *root);
void erplink_arena_free(erplink_arena *a);

/* Room to write up to `size` bytes without allocating them yet (NULL when out of memory);
 * erplink_arena_commit() then keeps the `used` bytes actually written (used <= size). For
 * writers that overrun what they produce (SIMD stores) or only know an upper bound. */
static inline void *erplink_arena_room(erplink_arena *a, size_t size) {
  if (ERPLINK_LIKELY(size <= (size_t)(a->end - a->cur))) return a->cur;
  char *p = (char *)erplink_arena_alloc(a, size, 1);
  if (p && p + size == a->cur) a->cur = p; /* in the current block: not taken yet */
  return p;                                /* otherwise a block of its own */
}
static inline void erplink_arena_commit(erplink_arena *a, void *p, size_t used) {
  if ((char *)p == a->cur) a->cur += used;
}

/* Bytes of the arena's blocks actually allocated (header and root included): what a tree
 * occupies, as opposed to `total`, the size of its blocks. */
size_t erplink__arena_used(const erplink_arena *a);

/* The bytes the block cache holds now, and a way to release them all (tests). */
size_t erplink__arena_cache_bytes(void);
void erplink__arena_cache_drain(void);

#endif
