#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arena.h"

struct erplink_arena_block {
  struct erplink_arena_block *next;
  size_t size;
  max_align_t data[];
};

#define HDR_SIZE                                                                                                       \
  (((sizeof(struct erplink_arena) + alignof(max_align_t) - 1) / alignof(max_align_t)) * alignof(max_align_t))
#define BLK_HDR sizeof(struct erplink_arena_block)
#define MIN_BLOCK 4096u
#define MAX_BLOCK ((size_t)8 << 20)

/* ---------------------------------------------------------------- the block cache
 *
 * Freed blocks of CACHE_MIN_BLOCK..MAX_BLOCK bytes (whole malloc() allocations, power-of-two
 * sizes) are kept, up to ERPLINK_ARENA_CACHE_MAX bytes for the whole process, and handed to the
 * next arena that asks for that size: consecutive decode/free cycles (pages of a pull, one
 * answer after another) then fill memory whose pages are already mapped instead of having the
 * kernel fault in and zero fresh ones, which costs as much as parsing. Smaller blocks are
 * left to malloc, whose free lists already recycle them. One mutex, taken once per block
 * (blocks are large: a few times per decode). */
#define CACHE_MIN_SHIFT 16 /* 64 KiB */
#define CACHE_MAX_SHIFT 23 /* MAX_BLOCK */
#define N_CLASSES (CACHE_MAX_SHIFT - CACHE_MIN_SHIFT + 1)

typedef struct cached {
  struct cached *next;
} cached;

static pthread_mutex_t g_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cached *g_cache[N_CLASSES];
static size_t g_cache_bytes;

/* The class of an allocation of exactly `size` bytes, or -1 when it is not cached. */
static int class_of(size_t size) {
  if (size < ((size_t)1 << CACHE_MIN_SHIFT) || size > MAX_BLOCK || (size & (size - 1))) return -1;
  int k = 0;
  while (((size_t)1 << (CACHE_MIN_SHIFT + k)) < size) k++;
  return k;
}

void erplink__advise_huge(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  if (!p || n < 2 * huge) return;
  uintptr_t b = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);
  if (e > b) (void)madvise((void *)b, e - b, MADV_HUGEPAGE); /* advice only: failure is harmless */
#else
  (void)p;
  (void)n;
#endif
}

static void *block_get(size_t size) {
  int k = class_of(size);
  if (k >= 0) {
    pthread_mutex_lock(&g_cache_lock);
    cached *c = g_cache[k];
    if (c) {
      g_cache[k] = c->next;
      g_cache_bytes -= size;
    }
    pthread_mutex_unlock(&g_cache_lock);
    if (c) return c;
  }
  void *p = malloc(size);
  /* a fresh block is about to be filled densely: huge pages spare most of its page faults */
  erplink__advise_huge(p, size);
  return p;
}

static void block_put(void *p, size_t size) {
  int k = class_of(size);
  if (k >= 0) {
    pthread_mutex_lock(&g_cache_lock);
    bool keep = g_cache_bytes + size <= ERPLINK_ARENA_CACHE_MAX;
    if (keep) {
      cached *c = p;
      c->next = g_cache[k];
      g_cache[k] = c;
      g_cache_bytes += size;
    }
    pthread_mutex_unlock(&g_cache_lock);
    if (keep) return;
  }
  free(p);
}

size_t erplink__arena_cache_bytes(void) {
  pthread_mutex_lock(&g_cache_lock);
  size_t n = g_cache_bytes;
  pthread_mutex_unlock(&g_cache_lock);
  return n;
}

void erplink__arena_cache_drain(void) {
  pthread_mutex_lock(&g_cache_lock);
  cached *all[N_CLASSES];
  memcpy(all, g_cache, sizeof all);
  memset(g_cache, 0, sizeof g_cache);
  g_cache_bytes = 0;
  pthread_mutex_unlock(&g_cache_lock);
  for (int k = 0; k < N_CLASSES; k++) {
    while (all[k]) {
      cached *n = all[k]->next;
      free(all[k]);
      all[k] = n;
    }
  }
}

/* The smallest power of two >= n (n <= MAX_BLOCK). */
static size_t pow2_at_least(size_t n) {
  size_t s = MIN_BLOCK;
  while (s < n) s <<= 1;
  return s;
}

/* ---------------------------------------------------------------- arenas */

erplink_value *erplink_arena_new_root(erplink_arena **out, size_t size_hint) {
  /* the first block (header included) is a power of two, so that it can come from the cache */
  size_t want = size_hint > MAX_BLOCK - HDR_SIZE ? MAX_BLOCK : size_hint + HDR_SIZE;
  size_t first = pow2_at_least(want < MIN_BLOCK ? MIN_BLOCK : want);
  char *mem = block_get(first);
  if (!mem) return NULL;
  erplink_arena *a = (erplink_arena *)mem;
  a->blocks = NULL;
  a->cur = mem + HDR_SIZE;
  a->end = mem + first;
  a->next_size = first * 2 > MAX_BLOCK ? MAX_BLOCK : first * 2;
  a->total = first;
  a->first_size = first;
  a->spare = 0;
  erplink_value *root = (erplink_value *)a->cur;
  a->cur += sizeof(erplink_value);
  memset(root, 0, sizeof *root);
  root->flags = ERPLINK_VF_ARENA | ERPLINK_VF_ARENA_ROOT;
  *out = a;
  return root;
}

erplink_arena *erplink_arena_of_root(erplink_value *root) { return (erplink_arena *)((char *)root - HDR_SIZE); }

void *erplink_arena_alloc(erplink_arena *a, size_t size, size_t align) {
  uintptr_t p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
  if (ERPLINK_LIKELY(p <= (uintptr_t)a->end && size <= (size_t)((uintptr_t)a->end - p))) {
    a->cur = (char *)(p + size);
    return (void *)p;
  }
  size_t bsize = a->next_size; /* a power of two, header included */
  if (size > SIZE_MAX - BLK_HDR - align) return NULL;
  if (size + align + BLK_HDR > bsize) bsize = size + align + BLK_HDR; /* a big string gets a block of its own */
  struct erplink_arena_block *blk = block_get(bsize);
  if (!blk) return NULL;
  blk->size = bsize;
  a->total += bsize;
  blk->next = a->blocks;
  a->blocks = blk;
  if (a->next_size < MAX_BLOCK) a->next_size *= 2;
  char *base = (char *)blk->data;
  p = ((uintptr_t)base + (align - 1)) & ~(uintptr_t)(align - 1);
  /* Keep bump-allocating from whichever block has more room left (the other one's room is
   * given up). */
  char *nend = (char *)blk + bsize;
  if ((size_t)(nend - (char *)(p + size)) > (size_t)(a->end - a->cur)) {
    a->spare += (size_t)(a->end - a->cur) + (size_t)((char *)p - (char *)blk);
    a->cur = (char *)(p + size);
    a->end = nend;
  } else {
    a->spare += (size_t)(nend - (char *)(p + size)) + (size_t)((char *)p - (char *)blk);
  }
  return (void *)p;
}

size_t erplink__arena_used(const erplink_arena *a) { return a->total - a->spare - (size_t)(a->end - a->cur); }

void erplink_arena_free(erplink_arena *a) {
  if (!a) return;
  struct erplink_arena_block *b = a->blocks;
  while (b) {
    struct erplink_arena_block *n = b->next;
    block_put(b, b->size);
    b = n;
  }
  block_put(a, a->first_size);
}
