/* Store throughput: bench_store dedup|outbox FILE N [BATCH] [full]
 *
 * dedup:  N erplink_dedup_seen() calls on a fresh SQLite dedup in FILE: 9 in 10 ids new, 1 in
 *         10 a repeat of a recent one (webhook redeliveries); every call is its own committed
 *         transaction. Prints "<calls/s> <new ids>".
 * outbox: N erplink_outbox_enqueue() calls over 1000 keys in turn (N / 1000 versions of each:
 *         every enqueue of a key replaces its pending value: "coalesced"), each its own
 *         committed transaction; with BATCH > 1, erplink_outbox_enqueue_many() of BATCH items
 *         per call (one transaction each). Prints "<enqueues/s> <pending items>".
 * "full" opens the store with ERPLINK_STORE_SYNC_FULL (one fsync per commit) instead of NORMAL.
 * Run by bench/store/store_dedup.sh and store_outbox.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_common.h"
#include "erplink/erplink.h"

#define KEYS 1000

static void die(const char *what) {
  fprintf(stderr, "%s: %s\n", what, erplink_error_message(erplink_error_last()));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s dedup|outbox FILE N [BATCH] [full]\n", argv[0]);
    return 2;
  }
  long n = atol(argv[3]);
  long batch = argc > 4 ? atol(argv[4]) : 1;
  if (batch < 1 || batch > 1000) batch = 1;
  erplink_store_options *o = NULL;
  if (erplink_store_options_new(&o) != 0) die("options");
  if (argc > 5 && strcmp(argv[5], "full") == 0) erplink_store_options_set_sync(o, ERPLINK_STORE_SYNC_FULL);
  erplink_store *st = NULL;
  if (erplink_store_open(&st, argv[2], o) != 0) die("open");
  erplink_store_options_free(o);
  char id[64];
  const int64_t now = 1700000000000;
  if (strcmp(argv[1], "dedup") == 0) {
    erplink_dedup *d = NULL;
    if (erplink_dedup_new_sqlite(&d, st, "bench", 10000000, 86400000) != 0) die("dedup");
    long fresh = 0, news = 0;
    double t0 = bench_now();
    for (long i = 0; i < n; i++) {
      long k = i % 10 == 9 && fresh > 20 ? fresh - 1 - (i * 7919) % 20 : fresh++;
      snprintf(id, sizeof id, "evt_%012ld", k);
      int seen = 0;
      if (erplink_dedup_seen(&seen, d, id, now) != 0) die("seen");
      news += !seen;
    }
    double t = bench_now() - t0;
    printf("%.0f %ld\n", (double)n / t, news);
    erplink_dedup_free(d);
  } else if (strcmp(argv[1], "outbox") == 0) {
    erplink_outbox *ob = NULL;
    if (erplink_outbox_new_sqlite(&ob, st, "bench", NULL) != 0) die("outbox");
    static char ids[1000][32], pls[1000][128];
    const char *keys[1000];
    const void *pp[1000];
    size_t lens[1000];
    double t0 = bench_now();
    for (long i = 0; i < n; i += batch) {
      long m = batch < n - i ? batch : n - i;
      for (long j = 0; j < m; j++) {
        long k = (i + j) % KEYS, v = (i + j) / KEYS;
        snprintf(ids[j], sizeof ids[j], "sku-%06ld", k);
        lens[j] = (size_t)snprintf(pls[j], sizeof pls[j],
                                   "{\"base_product_id\":\"sku-%06ld\",\"available_stock_quantity\":%ld}", k, v);
        keys[j] = ids[j];
        pp[j] = pls[j];
      }
      int rc = batch == 1 ? erplink_outbox_enqueue(ob, keys[0], pp[0], lens[0], now)
                          : erplink_outbox_enqueue_many(ob, keys, pp, lens, (size_t)m, now);
      if (rc != 0) die("enqueue");
    }
    double t = bench_now() - t0;
    size_t pending = 0;
    if (erplink_outbox_count(&pending, ob, ERPLINK_OUTBOX_PENDING, now) != 0) die("count");
    printf("%.0f %zu\n", (double)n / t, pending);
    erplink_outbox_free(ob);
  } else {
    fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  erplink_store_close(st);
  return 0;
}
