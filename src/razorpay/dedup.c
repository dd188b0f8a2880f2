/* A bounded, thread-safe memory of recently seen webhook event ids. See
 * include/erplink/razorpay.h (razorpay_dedup).
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
#include "erplink/razorpay.h"
#include "internal.h"

#define NONE UINT32_MAX
#define MAX_CAPACITY ((size_t)1 << 24)
#define MAX_ID_LEN 1024

typedef struct dd_entry {
  char *id;
  size_t len;
  uint64_t hash;
  int64_t t;      /* when it was recorded */
  uint32_t bnext; /* next in the bucket chain, or in the free list */
  uint32_t prev, next; /* FIFO neighbours */
} dd_entry;

struct razorpay_dedup {
  pthread_mutex_t lock;
  size_t capacity, count;
  int64_t ttl_ms;
  uint64_t k0, k1; /* SipHash key */
  size_t mask;     /* buckets - 1 */
  uint32_t *buckets;
  dd_entry *e;
  uint32_t free_head, head, tail;
};

/* ---------------------------------------------------------------- SipHash-2-4 */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                                 \
  do {                                                                                                           \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                                                    \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                                                       \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                                                       \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                                                    \
  } while (0)

static uint64_t load64_le(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static uint64_t siphash24(uint64_t k0, uint64_t k1, const unsigned char *in, size_t len) {
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  size_t end = len - len % 8;
  for (size_t i = 0; i < end; i += 8) {
    uint64_t m = load64_le(in + i);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
  }
  uint64_t b = (uint64_t)len << 56;
  for (size_t i = 0; i < len % 8; i++) b |= (uint64_t)in[end + i] << (8 * i);
  v3 ^= b;
  SIPROUND;
  SIPROUND;
  v0 ^= b;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

/* ---------------------------------------------------------------- table */

int razorpay_dedup_new(razorpay_dedup **out, size_t capacity, int64_t ttl_ms) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "razorpay_dedup_new: out is NULL");
  *out = NULL;
  if (capacity == 0 || capacity > MAX_CAPACITY)
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay_dedup_new: capacity %zu is out of range (1 to %zu)",
                               capacity, MAX_CAPACITY);
  if (ttl_ms <= 0)
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay_dedup_new: the TTL must be positive (got %lld ms)",
                               (long long)ttl_ms);
  razorpay_dedup *d = calloc(1, sizeof *d);
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
    return rc ? rc : erplink__error_setf(ERPLINK_ENOMEM, "razorpay_dedup_new: cannot create a mutex");
  }
  d->k0 = load64_le(key);
  d->k1 = load64_le(key + 8);
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

void razorpay_dedup_free(razorpay_dedup *d) {
  if (!d) return;
  for (uint32_t i = d->head; i != NONE; i = d->e[i].next) free(d->e[i].id);
  pthread_mutex_destroy(&d->lock);
  free(d->buckets);
  free(d->e);
  free(d);
}

/* Finds an id; returns its index or NONE. */
static uint32_t dd_find(const razorpay_dedup *d, uint64_t h, const char *id, size_t len) {
  for (uint32_t i = d->buckets[h & d->mask]; i != NONE; i = d->e[i].bnext) {
    const dd_entry *x = &d->e[i];
    if (x->hash == h && x->len == len && memcmp(x->id, id, len) == 0) return i;
  }
  return NONE;
}

/* Unlinks entry i from its bucket and the FIFO, frees its id and returns it to the pool. */
static void dd_remove(razorpay_dedup *d, uint32_t i) {
  dd_entry *x = &d->e[i];
  uint32_t *pp = &d->buckets[x->hash & d->mask];
  while (*pp != i) pp = &d->e[*pp].bnext;
  *pp = x->bnext;
  if (x->prev != NONE) d->e[x->prev].next = x->next;
  else d->head = x->next;
  if (x->next != NONE) d->e[x->next].prev = x->prev;
  else d->tail = x->prev;
  free(x->id);
  x->id = NULL;
  x->bnext = d->free_head;
  d->free_head = i;
  d->count--;
}

static int check_id(const char *event_id, size_t *len, const char *fn) {
  if (!event_id) return erplink__error_setf(ERPLINK_EINVAL, "%s: the event id is NULL", fn);
  *len = strnlen(event_id, MAX_ID_LEN + 1);
  if (*len == 0) return erplink__error_setf(ERPLINK_EINVAL, "%s: the event id is empty", fn);
  if (*len > MAX_ID_LEN)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the event id is longer than %d bytes", fn, MAX_ID_LEN);
  return 0;
}

int razorpay_dedup_seen(razorpay_dedup *d, const char *event_id, int64_t now_ms) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "razorpay_dedup_seen: the dedup memory is NULL");
  size_t len = 0;
  int rc = check_id(event_id, &len, "razorpay_dedup_seen");
  if (rc) return rc;
  if (now_ms < 0) now_ms = erplink__now_mono_ms();
  uint64_t h = siphash24(d->k0, d->k1, (const unsigned char *)event_id, len);
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
      return 1;
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
  if (d->tail != NONE) d->e[d->tail].next = i;
  else d->head = i;
  d->tail = i;
  d->count++;
  pthread_mutex_unlock(&d->lock);
  return 0;
}

int razorpay_dedup_forget(razorpay_dedup *d, const char *event_id) {
  if (!d) return erplink__error_setf(ERPLINK_EINVAL, "razorpay_dedup_forget: the dedup memory is NULL");
  size_t len = 0;
  int rc = check_id(event_id, &len, "razorpay_dedup_forget");
  if (rc) return rc;
  uint64_t h = siphash24(d->k0, d->k1, (const unsigned char *)event_id, len);
  pthread_mutex_lock(&d->lock);
  uint32_t i = dd_find(d, h, event_id, len);
  if (i != NONE) dd_remove(d, i);
  pthread_mutex_unlock(&d->lock);
  return i != NONE;
}

size_t razorpay_dedup_count(razorpay_dedup *d) {
  if (!d) return 0;
  pthread_mutex_lock(&d->lock);
  size_t n = d->count;
  pthread_mutex_unlock(&d->lock);
  return n;
}
