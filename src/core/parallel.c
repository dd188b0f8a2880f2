/* A bounded fork-join helper for service modules that send independent requests at the same
 * time (Cartona batches, ESI pages): items are claimed in order from an atomic counter by up
 * to `concurrency` threads, the calling thread included. Blocking sends on one
 * erplink_http_client from several threads are safe: the client keeps a pool of handles. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "internal.h"

typedef struct {
  size_t n;
  atomic_size_t next;
  erplink__task_fn fn;
  void *ud;
  const atomic_int *cancel;
  atomic_size_t started;
} job;

static void *worker(void *arg) {
  job *j = arg;
  for (;;) {
    if (j->cancel && atomic_load(j->cancel)) break;
    size_t i = atomic_fetch_add(&j->next, 1);
    if (i >= j->n) break;
    atomic_fetch_add(&j->started, 1);
    j->fn(i, j->ud);
  }
  return NULL;
}

size_t erplink__parallel_for(size_t n, int concurrency, erplink__task_fn fn, void *ud, const atomic_int *cancel) {
  if (n == 0 || !fn) return 0;
  job j = {.n = n, .fn = fn, .ud = ud, .cancel = cancel};
  atomic_init(&j.next, 0);
  atomic_init(&j.started, 0);
  size_t want = concurrency < 1 ? 1 : (size_t)concurrency;
  if (want > n) want = n;
  pthread_t *t = want > 1 ? malloc((want - 1) * sizeof *t) : NULL;
  size_t made = 0;
  for (size_t k = 0; t && k + 1 < want; k++) {
    if (pthread_create(&t[made], NULL, worker, &j) != 0) break; /* run with fewer threads */
    made++;
  }
  worker(&j); /* the calling thread works too, so progress never depends on thread creation */
  for (size_t k = 0; k < made; k++) pthread_join(t[k], NULL);
  free(t);
  return atomic_load(&j.started);
}
