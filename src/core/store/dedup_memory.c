/* The memory backend of erplink_dedup (see include/erplink/store.h): a bounded, thread-safe
 * memory of recently seen ids (moved here from the Razorpay module, which used it for webhook
 * event ids).
 *
 * Layout: a fixed pool of `capacity` entries allocated up front; a chained hash table
 * (power-of-two buckets, at least 2 × capacity, chains linked through entry indices); a
 * doubly linked FIFO of the live entries in recording order. Expired entries are removed
 * from the FIFO head on every call (amortised O(1)); when the pool is full the head (the
 * oldest) is evicted. The hash is SipHash-2-4 with a random per-table key, so ids chosen by
 * an attacker cannot pile up in one chain. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/crypto.h"
#include "store_internal.h"

#define NONE UINT32_MAX
#define MAX_CAPACITY ((size_t)1 << 24)

typedef struct dd_entry {
  char *id;
  size_t len;
  uint64_t hash;
  int64_t t;           /* when it was recorded */
  uint32_t bnext;      /* next in the bucket chain, or in the free list */
  uint32_t prev, next; /* FIFO neighbours */
} dd_entry;

struct erplink__dd_mem {
  pthread_mutex_t lock;
  size_t capacity, count;
  int64_t ttl_ms;
  uint64_t k0, k1; /* SipHash key */
  size_t mask;     /* buckets - 1 */
  uint32_t *buckets;
  dd_entry *e;
  uint32_t free_head, head, tail;
};

/* ---------------------------------------------------------------- table */

int erplink__dd_mem_new(erplink__dd_mem **out, size_t capacity, int64_t ttl_ms) {
  *out = NULL;
  if (capacity == 0 || capacity > MAX_CAPACITY)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_new_memory: capacity %zu is out of range (1 to %zu)",
                               capacity, MAX_CAPACITY);
  if (ttl_ms <= 0)
    return erplink__error_setf(ERPLINK_EINVAL, "erplink_dedup_new_memory: the TTL must be positive (got %lld ms)",
                               (long long)ttl_ms);
  erplink__dd_mem *d = calloc(1, sizeof *d);
  if (!d) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  size_t nb = 16;
  while (nb < 2 * capacity) nb <<= 1;
  d->buckets = malloc(nb * sizeof *d->buckets);
  d->e = calloc(capacity, sizeof *d->e);
  if (!d->buckets || !d->e) {
    free(d->buckets);
    free(d->e);
    free(d);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory (dedup table of %zu entries)", capacity);
  }
  unsigned char key[16];
  int rc = erplink_random_bytes(key, sizeof key);
  if (rc || pthread_mutex_init(&d->lock, NULL) != 0) {
    free(d->buckets);
    free(d->e);
    free(d);
    return rc ? rc : erplink__error_setf(ERPLINK_ENOMEM, "erplink_dedup_new_memory: cannot create a mutex");
  }
  memcpy(&d->k0, key, 8);
  memcpy(&d->k1, key + 8, 8);
  erplink__wipe(key, sizeof key);
  for (size_t i = 0; i < nb; i++) d->buckets[i] = NONE;
  d->mask = nb - 1;
  d->capacity = capacity;
  d->ttl_ms = ttl_ms;
  for (size_t i = 0; i < capacity; i++) d->e[i].bnext = i + 1 < capacity ? (uint32_t)(i + 1) : NONE;
  d->free_head = 0;
  d->head = d->tail = NONE;
  *out = d;
  return 0;
}

void erplink__dd_mem_free(erplink__dd_mem *d) {
  if (!d) return;
  for (uint32_t i = d->head; i != NONE; i = d->e[i].next) free(d->e[i].id);
  pthread_mutex_destroy(&d->lock);
  free(d->buckets);
  free(d->e);
  free(d);
}

/* Finds an id; returns its index or NONE. */
static uint32_t dd_find(const erplink__dd_mem *d, uint64_t h, const char *id, size_t len) {
  for (uint32_t i = d->buckets[h & d->mask]; i != NONE; i = d->e[i].bnext) {
    const dd_entry *x = &d->e[i];
    if (x->hash == h && x->len == len && memcmp(x->id, id, len) == 0) return i;
  }
  return NONE;
}

/* Unlinks entry i from its bucket and the FIFO, frees its id and returns it to the pool. */
static void dd_remove(erplink__dd_mem *d, uint32_t i) {
  dd_entry *x = &d->e[i];
  uint32_t *pp = &d->buckets[x->hash & d->mask];
  while (*pp != i) pp = &d->e[*pp].bnext;
  *pp = x->bnext;
  if (x->prev != NONE)
    d->e[x->prev].next = x->next;
  else
    d->head = x->next;
  if (x->next != NONE)
    d->e[x->next].prev = x->prev;
  else
    d->tail = x->prev;
  free(x->id);
  x->id = NULL;
  x->bnext = d->free_head;
  d->free_head = i;
  d->count--;
}

int erplink__dd_mem_seen(int *seen_before, erplink__dd_mem *d, const char *event_id, size_t len, int64_t now_ms) {
  uint64_t h = erplink__siphash24(d->k0, d->k1, event_id, len);
  char *copy = malloc(len + 1); /* outside the lock; freed again for a duplicate */
  if (!copy) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  memcpy(copy, event_id, len + 1);

  pthread_mutex_lock(&d->lock);
  /* drop expired ids from the head (the FIFO is in recording order) */
  while (d->head != NONE && now_ms - d->e[d->head].t >= d->ttl_ms) dd_remove(d, d->head);
  uint32_t i = dd_find(d, h, event_id, len);
  if (i != NONE) {
    /* a clock that went backwards can leave an expired id behind a younger head */
    if (now_ms - d->e[i].t < d->ttl_ms) {
      pthread_mutex_unlock(&d->lock);
      free(copy);
      *seen_before = 1;
      return 0;
    }
    dd_remove(d, i);
  }
  if (d->count == d->capacity) dd_remove(d, d->head); /* full: evict the oldest */
  i = d->free_head;
  dd_entry *x = &d->e[i];
  d->free_head = x->bnext;
  x->id = copy;
  x->len = len;
  x->hash = h;
  x->t = now_ms;
  x->bnext = d->buckets[h & d->mask];
  d->buckets[h & d->mask] = i;
  x->next = NONE;
  x->prev = d->tail;
  if (d->tail != NONE)
    d->e[d->tail].next = i;
  else
    d->head = i;
  d->tail = i;
  d->count++;
  pthread_mutex_unlock(&d->lock);
  *seen_before = 0;
  return 0;
}

bool erplink__dd_mem_forget(erplink__dd_mem *d, const char *event_id, size_t len) {
  uint64_t h = erplink__siphash24(d->k0, d->k1, event_id, len);
  pthread_mutex_lock(&d->lock);
  uint32_t i = dd_find(d, h, event_id, len);
  if (i != NONE) dd_remove(d, i);
  pthread_mutex_unlock(&d->lock);
  return i != NONE;
}

size_t erplink__dd_mem_count(erplink__dd_mem *d) {
  pthread_mutex_lock(&d->lock);
  size_t n = d->count;
  pthread_mutex_unlock(&d->lock);
  return n;
}
