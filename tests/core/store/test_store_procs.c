/* Several processes on one store file, and processes killed with SIGKILL at seeded random points.
 *
 * - Two processes hammer one dedup with the same ids in the same order: every id is accepted
 *   exactly once, and no call fails (no SQLITE_BUSY reaches a caller).
 * - Two processes produce into and consume from one outbox: every key's last value is
 *   delivered, nothing fails.
 * - Dedup crash: rounds of a child recording ids, killed after a seeded number of reports; no
 *   id is ever accepted twice across the kills, and every id reported accepted is still known.
 * - Outbox crash: rounds of a child enqueueing, claiming, "sending" (a report to the parent,
 *   which plays the server) and recording outcomes, killed at seeded points; after each kill
 *   every acknowledged value is either delivered or still there, no item is done that the
 *   server did not see, the file checks out; a last child drains everything.
 * Children are synchronised with pipes and waitpid only. The parent holds no connection to a
 * file while a child uses it (SQLite connections must not cross fork()). TAP. */
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "erplink/erplink.h"
#include "storetest.h"
#include "test.h"

static int wait_gate(int *gate) {
  close(gate[1]);
  char b;
  ssize_t r;
  while ((r = read(gate[0], &b, 1)) < 0 && errno == EINTR) {
  }
  return (int)r;
}

/* ================================================================ two processes, one dedup */

#define HAMMER_IDS 3000

static int dedup_hammer(void *arg, int fd) {
  wait_gate(arg);
  erplink_store *st = NULL;
  erplink_dedup *d = NULL;
  if (erplink_store_open(&st, st_path("hammer.db"), NULL) != 0 ||
      erplink_dedup_new_sqlite(&d, st, "events", HAMMER_IDS * 2, 100000000) != 0) {
    st_report(fd, "ERR %s", st_last_msg());
    return 1;
  }
  char id[32];
  for (int i = 0; i < HAMMER_IDS; i++) {
    snprintf(id, sizeof id, "evt_%05d", i);
    int seen = -1;
    int rc = erplink_dedup_seen(&seen, d, id, ST_T0);
    if (rc)
      st_report(fd, "ERR %d %s", rc, st_last_msg());
    else if (!seen)
      st_report(fd, "A %d", i);
  }
  erplink_dedup_free(d);
  erplink_store_close(st);
  return 0;
}

typedef struct tally {
  int *accepted;
  int n;
  int errors;
} tally;

static void tally_line(const char *line, void *ud) {
  tally *t = ud;
  int i = 0;
  if (sscanf(line, "A %d", &i) == 1 && i >= 0 && i < t->n)
    t->accepted[i]++;
  else if (strncmp(line, "ERR", 3) == 0) {
    if (t->errors++ < 5) printf("# %s\n", line);
  }
}

static void test_dedup_two_processes(void) {
  int gate[2];
  REQUIRE(pipe(gate) == 0);
  st_child a, b;
  REQUIRE(st_spawn(&a, dedup_hammer, gate) == 0);
  REQUIRE(st_spawn(&b, dedup_hammer, gate) == 0);
  close(gate[0]);
  close(gate[1]);
  static int accepted[HAMMER_IDS];
  tally t = {accepted, HAMMER_IDS, 0};
  /* read both pipes to the end (one after the other: each blocks only on its own child) */
  CHECK_EQ_INT(st_reap(&a, tally_line, &t), 0);
  CHECK_EQ_INT(st_reap(&b, tally_line, &t), 0);
  CHECK_EQ_INT(t.errors, 0);
  int twice = 0, never = 0;
  for (int i = 0; i < HAMMER_IDS; i++) {
    twice += accepted[i] > 1;
    never += accepted[i] == 0;
  }
  CHECK_EQ_INT(twice, 0);
  CHECK_EQ_INT(never, 0);
}

/* ================================================================ two processes, one outbox */

#define OB_KEYS 30
#define OB_VERSIONS 40

static int outbox_hammer(void *arg, int fd) {
  int *gate = arg;
  int me = gate[2];
  wait_gate(gate);
  erplink_store *st = NULL;
  erplink_outbox *ob = NULL;
  erplink_outbox_options *o = NULL;
  erplink_outbox_options_new(&o);
  erplink_outbox_options_set_lease_ms(o, 100000000);
  if (erplink_store_open(&st, st_path("hammer-ob.db"), NULL) != 0 || erplink_outbox_new_sqlite(&ob, st, "q", o) != 0) {
    st_report(fd, "ERR %s", st_last_msg());
    return 1;
  }
  erplink_outbox_options_free(o);
  char key[32], v[32];
  int errors = 0;
  for (int ver = 1; ver <= OB_VERSIONS; ver++) {
    for (int k = 0; k < OB_KEYS; k++) {
      snprintf(key, sizeof key, "p%d-k%d", me, k);
      snprintf(v, sizeof v, "%d", ver);
      if (erplink_outbox_enqueue(ob, key, v, strlen(v), ST_T0) != 0) {
        st_report(fd, "ERR enqueue %s", st_last_msg());
        errors++;
      }
    }
    /* consume whatever is due, from either producer */
    erplink_outbox_batch *b = NULL;
    if (erplink_outbox_claim(&b, ob, 20, ST_T0) != 0) {
      st_report(fd, "ERR claim %s", st_last_msg());
      errors++;
      continue;
    }
    for (size_t i = 0; i < erplink_outbox_batch_count(b); i++) {
      const erplink_outbox_item *it = erplink_outbox_batch_at(b, i);
      st_report(fd, "D %s %s", erplink_outbox_item_key(it), (const char *)erplink_outbox_item_payload(it, NULL));
      erplink_outbox_batch_done(b, i);
    }
    if (erplink_outbox_complete(NULL, ob, b, ST_T0) != 0) {
      st_report(fd, "ERR complete %s", st_last_msg());
      errors++;
    }
    erplink_outbox_batch_free(b);
  }
  erplink_outbox_free(ob);
  erplink_store_close(st);
  return errors ? 1 : 0;
}

typedef struct obt {
  int delivered[2][OB_KEYS]; /* highest version delivered */
  int errors;
} obt;

static void obt_line(const char *line, void *ud) {
  obt *t = ud;
  int p = 0, k = 0, v = 0;
  if (sscanf(line, "D p%d-k%d %d", &p, &k, &v) == 3 && p >= 0 && p < 2 && k >= 0 && k < OB_KEYS) {
    if (v > t->delivered[p][k]) t->delivered[p][k] = v;
  } else if (strncmp(line, "ERR", 3) == 0) {
    if (t->errors++ < 5) printf("# %s\n", line);
  }
}

static void test_outbox_two_processes(void) {
  int gate[3];
  REQUIRE(pipe(gate) == 0);
  st_child a, b;
  gate[2] = 0;
  REQUIRE(st_spawn(&a, outbox_hammer, gate) == 0);
  gate[2] = 1;
  REQUIRE(st_spawn(&b, outbox_hammer, gate) == 0);
  close(gate[0]);
  close(gate[1]);
  static obt t;
  CHECK_EQ_INT(st_reap(&a, obt_line, &t), 0);
  CHECK_EQ_INT(st_reap(&b, obt_line, &t), 0);
  CHECK_EQ_INT(t.errors, 0);
  /* drain what the producers left */
  erplink_store *st = NULL;
  erplink_outbox *ob = NULL;
  REQUIRE(erplink_store_open(&st, st_path("hammer-ob.db"), NULL) == 0);
  REQUIRE(erplink_outbox_new_sqlite(&ob, st, "q", NULL) == 0);
  for (int round = 0; round < 100; round++) {
    erplink_outbox_batch *bt = NULL;
    REQUIRE(erplink_outbox_claim(&bt, ob, 100, ST_T0) == 0);
    size_t n = erplink_outbox_batch_count(bt);
    for (size_t i = 0; i < n; i++) {
      char line[128];
      const erplink_outbox_item *it = erplink_outbox_batch_at(bt, i);
      snprintf(line, sizeof line, "D %s %s", erplink_outbox_item_key(it),
               (const char *)erplink_outbox_item_payload(it, NULL));
      obt_line(line, &t);
      erplink_outbox_batch_done(bt, i);
    }
    erplink_outbox_complete(NULL, ob, bt, ST_T0);
    erplink_outbox_batch_free(bt);
    if (n == 0) break;
  }
  int lost = 0;
  for (int p = 0; p < 2; p++)
    for (int k = 0; k < OB_KEYS; k++) lost += t.delivered[p][k] != OB_VERSIONS;
  CHECK_EQ_INT(lost, 0);
  size_t done = 0;
  CHECK_EQ_INT(erplink_outbox_count(&done, ob, ERPLINK_OUTBOX_DONE, ST_T0), 0);
  CHECK_EQ_INT(done, 2 * OB_KEYS);
  erplink_outbox_free(ob);
  erplink_store_close(st);
}

/* ================================================================ dedup crash */

#define CRASH_IDS 1500
#define CRASH_ROUNDS 12

typedef struct dd_round {
  uint64_t seed;
} dd_round;

static int dedup_crash_child(void *arg, int fd) {
  dd_round *r = arg;
  erplink_store *st = NULL;
  erplink_dedup *d = NULL;
  if (erplink_store_open(&st, st_path("crash-dedup.db"), NULL) != 0 ||
      erplink_dedup_new_sqlite(&d, st, "events", CRASH_IDS * 2, 100000000) != 0) {
    st_report(fd, "ERR %s", st_last_msg());
    return 1;
  }
  st_rng g = {r->seed};
  char id[32];
  for (int k = 0; k < CRASH_IDS; k++) {
    int i = (int)st_below(&g, CRASH_IDS);
    snprintf(id, sizeof id, "evt_%05d", i);
    int seen = -1;
    int rc = erplink_dedup_seen(&seen, d, id, ST_T0);
    if (rc)
      st_report(fd, "ERR %d %s", rc, st_last_msg());
    else
      st_report(fd, "%c %d", seen ? 'S' : 'A', i); /* after the call returned: acknowledged */
  }
  erplink_dedup_free(d);
  erplink_store_close(st);
  return 0;
}

static void test_dedup_crash(void) {
  static int accepted[CRASH_IDS];
  tally t = {accepted, CRASH_IDS, 0};
  st_rng g = {20260818};
  int kills = 0;
  for (int round = 0; round < CRASH_ROUNDS; round++) {
    dd_round r = {st_next(&g)};
    st_child c;
    REQUIRE(st_spawn(&c, dedup_crash_child, &r) == 0);
    kills += st_kill_after(&c, 1 + (int)st_below(&g, 600), tally_line, &t);
  }
  printf("# %d of %d rounds killed mid-way\n", kills, CRASH_ROUNDS);
  CHECK(kills >= CRASH_ROUNDS / 2);
  CHECK_EQ_INT(t.errors, 0);
  int twice = 0, accepted_total = 0;
  for (int i = 0; i < CRASH_IDS; i++) {
    twice += accepted[i] > 1;
    accepted_total += accepted[i] == 1;
  }
  CHECK_EQ_INT(twice, 0); /* no id accepted twice across the kills */
  CHECK(accepted_total > 100);
  /* every id reported accepted is still known */
  erplink_store *st = NULL;
  erplink_dedup *d = NULL;
  REQUIRE(erplink_store_open(&st, st_path("crash-dedup.db"), NULL) == 0);
  CHECK_EQ_INT(erplink_store_check(st), 0);
  REQUIRE(erplink_dedup_new_sqlite(&d, st, "events", CRASH_IDS * 2, 100000000) == 0);
  int forgotten = 0;
  char id[32];
  for (int i = 0; i < CRASH_IDS; i++) {
    if (!accepted[i]) continue;
    snprintf(id, sizeof id, "evt_%05d", i);
    int seen = 0;
    CHECK_EQ_INT(erplink_dedup_seen(&seen, d, id, ST_T0), 0);
    forgotten += !seen;
  }
  CHECK_EQ_INT(forgotten, 0);
  erplink_dedup_free(d);
  erplink_store_close(st);
}

/* ================================================================ outbox crash */

#define OC_KEYS 40
#define OC_ROUNDS 14
#define OC_STEPS 800

static erplink_outbox *oc_open(erplink_store **st) {
  erplink_outbox_options *o = NULL;
  erplink_outbox_options_new(&o);
  erplink_outbox_options_set_lease_ms(o, 1000);
  erplink_outbox_options_set_max_attempts(o, 1000000);
  erplink_outbox_options_set_backoff_ms(o, 1, 10);
  erplink_outbox *ob = NULL;
  if (erplink_store_open(st, st_path("crash-outbox.db"), NULL) != 0 ||
      erplink_outbox_new_sqlite(&ob, *st, "cartona.stock", o) != 0) {
    erplink_store_close(*st);
    *st = NULL;
    ob = NULL;
  }
  erplink_outbox_options_free(o);
  return ob;
}

static void oc_enqueue(erplink_outbox *ob, st_rng *g, int *ver, int64_t now, int fd) {
  char key[32], v[32];
  int k = (int)st_below(g, OC_KEYS);
  snprintf(key, sizeof key, "sku-%02d", k);
  snprintf(v, sizeof v, "%d", ++*ver);
  if (erplink_outbox_enqueue(ob, key, v, strlen(v), now) != 0)
    st_report(fd, "ERR enqueue %s", st_last_msg());
  else
    st_report(fd, "E %d %d", k, *ver); /* acknowledged */
}

/* "Sends" a claimed batch: the parent, playing the server, hears of each accepted payload
 * before its outcome is recorded; about one in ten fails with a 503 (not delivered). */
static void oc_send(erplink_outbox_batch *b, st_rng *g, bool drain, int fd) {
  for (size_t i = 0; i < erplink_outbox_batch_count(b); i++) {
    const erplink_outbox_item *it = erplink_outbox_batch_at(b, i);
    int k = atoi(erplink_outbox_item_key(it) + 4);
    int pv = atoi(erplink_outbox_item_payload(it, NULL));
    if (!drain && st_below(g, 10) == 0) {
      erplink_outbox_batch_failed(b, i, ERPLINK_EUNAVAILABLE, "503", -1);
    } else {
      st_report(fd, "S %d %d", k, pv);
      erplink_outbox_batch_done(b, i);
    }
  }
}

static erplink_outbox_batch *oc_claim(erplink_outbox *ob, st_rng *g, int64_t now, int fd) {
  erplink_outbox_batch *b = NULL;
  if (erplink_outbox_claim(&b, ob, 1 + st_below(g, 12), now) != 0) st_report(fd, "ERR claim %s", st_last_msg());
  return b;
}

static int outbox_crash_child(void *arg, int fd) {
  st_round *r = arg;
  erplink_store *st = NULL;
  erplink_outbox *ob = oc_open(&st);
  if (!ob) {
    st_report(fd, "ERR open %s", st_last_msg());
    return 1;
  }
  st_rng g = {r->seed};
  int64_t now = r->t0;
  int ver = r->first;
  for (int step = 0; step < (r->drain ? 100000 : OC_STEPS); step++) {
    now += 1;
    uint64_t what = r->drain ? 99 : st_below(&g, 20);
    if (what < 12) { /* enqueue */
      oc_enqueue(ob, &g, &ver, now, fd);
      continue;
    }
    erplink_outbox_batch *b = oc_claim(ob, &g, now, fd);
    if (!b) continue;
    size_t n = erplink_outbox_batch_count(b);
    erplink_outbox_batch *late = NULL;
    if (what == 12 && n) {
      /* a slow worker: its lease expires, another claim takes the items over (with values
       * enqueued meanwhile), then the slow one's outcomes arrive: they must be stale */
      late = b;
      now += 1001;
      for (int e = 0; e < 3; e++) oc_enqueue(ob, &g, &ver, now, fd);
      b = oc_claim(ob, &g, now, fd);
      oc_send(late, &g, false, fd);
      if (erplink_outbox_complete(NULL, ob, late, now) != 0) st_report(fd, "ERR complete %s", st_last_msg());
      erplink_outbox_batch_free(late);
      if (!b) continue;
      n = erplink_outbox_batch_count(b);
    } else if (what < 16) {
      /* values of any key, maybe a leased one, enqueued while the batch is out */
      for (uint64_t e = st_below(&g, 4); e > 0; e--) oc_enqueue(ob, &g, &ver, now, fd);
    }
    oc_send(b, &g, r->drain, fd);
    if (erplink_outbox_complete(NULL, ob, b, now) != 0) st_report(fd, "ERR complete %s", st_last_msg());
    erplink_outbox_batch_free(b);
    if (r->drain && n == 0) {
      /* nothing due now: jump past every retry time and lease once more, then stop */
      if (now > r->t0 + 1000000) break;
      now += 1000000;
    }
  }
  erplink_outbox_free(ob);
  erplink_store_close(st);
  return 0;
}

typedef struct oc_state {
  int acked[OC_KEYS];   /* highest acknowledged version */
  int maxseen[OC_KEYS]; /* highest version the server accepted */
  char *seen;           /* seen[k * VMAX + v]: the server accepted version v of key k */
  int errors;
} oc_state;

#define VMAX 200000

static void oc_line(const char *line, void *ud) {
  oc_state *s = ud;
  int k = 0, v = 0;
  if (sscanf(line, "E %d %d", &k, &v) == 2 && k >= 0 && k < OC_KEYS && v < VMAX) {
    if (v > s->acked[k]) s->acked[k] = v;
  } else if (sscanf(line, "S %d %d", &k, &v) == 2 && k >= 0 && k < OC_KEYS && v >= 0 && v < VMAX) {
    s->seen[(size_t)k * VMAX + (size_t)v] = 1;
    if (v > s->maxseen[k]) s->maxseen[k] = v;
  } else if (strncmp(line, "ERR", 3) == 0) {
    if (s->errors++ < 5) printf("# %s\n", line);
  }
}

typedef struct oc_rows {
  int have[OC_KEYS], state[OC_KEYS], cur[OC_KEYS], pay[OC_KEYS];
} oc_rows;

static void oc_row(const char *key, int state, const char *payload, const char *newer, void *ud) {
  oc_rows *r = ud;
  int k = atoi(key + 4); /* "sku-NN" */
  if (k < 0 || k >= OC_KEYS) return;
  r->have[k] = 1;
  r->state[k] = state;
  r->pay[k] = atoi(payload);
  r->cur[k] = newer ? atoi(newer) : r->pay[k];
}

/* Checks the file after a kill: nothing acknowledged is lost, nothing is done that the server
 * did not see. */
static int oc_verify(void *ud, bool final) {
  oc_state *s = ud;
  static oc_rows rows;
  memset(&rows, 0, sizeof rows);
  int bad = st_outbox_rows(st_path("crash-outbox.db"), oc_row, &rows) != 0;
  int *have = rows.have, *state = rows.state, *cur = rows.cur, *pay = rows.pay;
  for (int k = 0; k < OC_KEYS; k++) {
    if (!s->acked[k]) continue;
    if (!have[k]) { /* purged after the done retention: then it was delivered */
      if (s->maxseen[k] < s->acked[k]) {
        printf("# sku-%02d: acknowledged version %d is gone undelivered\n", k, s->acked[k]);
        bad++;
      }
      continue;
    }
    if (cur[k] < s->acked[k]) { /* lost: the row holds an older value than one acknowledged */
      printf("# sku-%02d: holds %d, version %d was acknowledged\n", k, cur[k], s->acked[k]);
      bad++;
    }
    if (state[k] == 3 && !s->seen[(size_t)k * VMAX + (size_t)pay[k]]) {
      printf("# sku-%02d: done with %d, which the server never saw\n", k, pay[k]);
      bad++;
    }
    if (final && state[k] != 3) {
      printf("# sku-%02d: still in state %d after the drain\n", k, state[k]);
      bad++;
    }
  }
  return bad;
}

static void test_outbox_crash(void) {
  static oc_state s;
  s.seen = calloc((size_t)OC_KEYS * VMAX, 1);
  REQUIRE(s.seen);
  int kills = 0;
  int bad = st_crash_rounds(OC_ROUNDS, 424242, 700, outbox_crash_child, oc_line, oc_verify, &s, &kills);
  printf("# %d of %d rounds killed mid-way\n", kills, OC_ROUNDS);
  CHECK(kills >= OC_ROUNDS / 2);
  CHECK_EQ_INT(s.errors, 0);
  CHECK_EQ_INT(bad, 0);
  int acked_keys = 0;
  for (int k = 0; k < OC_KEYS; k++) acked_keys += s.acked[k] > 0;
  CHECK(acked_keys == OC_KEYS);
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, st_path("crash-outbox.db"), NULL) == 0);
  CHECK_EQ_INT(erplink_store_check(st), 0);
  erplink_store_close(st);
  free(s.seen);
}

int main(void) {
  RUN(test_dedup_two_processes);
  RUN(test_outbox_two_processes);
  RUN(test_dedup_crash);
  RUN(test_outbox_crash);
  st_cleanup();
  return test_done();
}
