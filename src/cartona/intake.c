/* Cartona order intake: the pull-style cursor over the pull queue (cartona_intake_*), the sync
 * report it produces, and cartona_client_sync_orders() as a loop over it.
 *
 * The intake pulls pages 1, 2, ... and acknowledges nothing until cartona_intake_finish(): the
 * queue does not move under it, so page k+1 follows page k, and an intake freed early (or a
 * process that dies) acknowledges nothing — every order comes back. The pages stay alive until
 * the intake is freed, so the orders handed out stay valid and can be marked in any order. An
 * order is handed out once per intake (a hash set of hashed_ids), even if a moving queue shows
 * it twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cartona_internal.h"

/* ------------------------------------------------------------------ report */

struct cartona_sync_entry {
  char *hashed_id;
  cartona_sync_outcome outcome;
  char *message; /* NULL for acknowledged orders */
};

struct cartona_sync_report {
  cartona_sync_entry *e;
  size_t n;
  size_t pages;
};

/* Used when recording why an acknowledgement failed runs out of memory (never freed). */
static char k_ack_failed_nomem[] = "acknowledgement failed (out of memory recording why)";

void cartona_sync_report_free(cartona_sync_report *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) {
    free(r->e[i].hashed_id);
    if (r->e[i].message != k_ack_failed_nomem) free(r->e[i].message);
  }
  free(r->e);
  free(r);
}

size_t cartona_sync_report_count(const cartona_sync_report *r) { return r ? r->n : 0; }

const cartona_sync_entry *cartona_sync_report_at(const cartona_sync_report *r, size_t i) {
  return r && i < r->n ? &r->e[i] : NULL;
}

size_t cartona_sync_report_count_outcome(const cartona_sync_report *r, cartona_sync_outcome outcome) {
  size_t k = 0;
  for (size_t i = 0; r && i < r->n; i++) k += r->e[i].outcome == outcome;
  return k;
}

size_t cartona_sync_report_pages(const cartona_sync_report *r) { return r ? r->pages : 0; }

const char *cartona_sync_entry_hashed_id(const cartona_sync_entry *e) { return e ? e->hashed_id : NULL; }
cartona_sync_outcome cartona_sync_entry_outcome(const cartona_sync_entry *e) {
  return e ? e->outcome : (cartona_sync_outcome)0;
}
const char *cartona_sync_entry_message(const cartona_sync_entry *e) { return e ? e->message : NULL; }

/* ------------------------------------------------------------------ intake */

typedef enum { MARK_NONE = 0, MARK_OK, MARK_FAILED } mark_t;

typedef struct entry {
  const char *hashed_id; /* borrowed from its page */
  mark_t mark;
  char *message; /* "import failed: ..." (malloc'd) */
} entry;

struct cartona_intake {
  cartona_client *c;
  int max_pages;
  int64_t per_page;
  cartona_orders **pages; /* every page pulled, kept until free */
  size_t npages, cap_pages;
  size_t pulls;  /* pulls made, failed ones included */
  size_t cursor; /* next order of the last page */
  entry *e;      /* orders handed out, in order */
  size_t n, cap;
  size_t *slots; /* hash set of handed-out hashed_ids: entry index + 1, 0 = empty */
  size_t nslots; /* a power of two, or 0 */
  bool ended;    /* no further pull */
  bool finished;
};

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static bool seen_has(const cartona_intake *in, const char *hid) {
  if (!in->nslots) return false;
  size_t mask = in->nslots - 1;
  for (size_t i = (size_t)hash_str(hid) & mask;; i = (i + 1) & mask) {
    size_t v = in->slots[i];
    if (!v) return false;
    if (strcmp(in->e[v - 1].hashed_id, hid) == 0) return true;
  }
}

static void seen_put(size_t *slots, size_t nslots, const char *hid, size_t value) {
  size_t mask = nslots - 1;
  size_t i = (size_t)hash_str(hid) & mask;
  while (slots[i]) i = (i + 1) & mask;
  slots[i] = value;
}

/* Records o as handed out (entry + hash set); all or nothing. */
static int entry_add(cartona_intake *in, cartona_order *o) {
  if (in->n == in->cap) {
    size_t nc = in->cap ? in->cap * 2 : 64;
    entry *ne = realloc(in->e, nc * sizeof *ne);
    if (!ne) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    in->e = ne;
    in->cap = nc;
  }
  if ((in->n + 1) * 2 > in->nslots) { /* keep the load at most 1/2 */
    size_t ns = in->nslots ? in->nslots * 2 : 128;
    size_t *sl = calloc(ns, sizeof *sl);
    if (!sl) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    for (size_t i = 0; i < in->n; i++) seen_put(sl, ns, in->e[i].hashed_id, i + 1);
    free(in->slots);
    in->slots = sl;
    in->nslots = ns;
  }
  entry *e = &in->e[in->n];
  e->hashed_id = cartona_order_hashed_id(o);
  e->mark = MARK_NONE;
  e->message = NULL;
  seen_put(in->slots, in->nslots, e->hashed_id, in->n + 1);
  in->n++;
  o->intake = in;
  o->intake_entry = in->n;
  return 0;
}

int cartona_intake_new(cartona_intake **out, cartona_client *c, int max_pages, int64_t per_page) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_new: out is NULL");
  *out = NULL;
  if (!c || max_pages < 1 || per_page < 1 || per_page > 1000)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_new: a client, max_pages >= 1 and per_page 1..1000 "
                                               "are required");
  cartona_intake *in = calloc(1, sizeof *in);
  if (!in) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  in->c = c;
  in->max_pages = max_pages;
  in->per_page = per_page;
  *out = in;
  return 0;
}

void cartona_intake_free(cartona_intake *in) {
  if (!in) return;
  for (size_t i = 0; i < in->npages; i++) cartona_orders_free(in->pages[i]);
  free(in->pages);
  for (size_t i = 0; i < in->n; i++) free(in->e[i].message);
  free(in->e);
  free(in->slots);
  free(in);
}

/* Pulls page npages + 1 and keeps it. */
static int pull_next(cartona_intake *in) {
  if (in->npages == in->cap_pages) {
    size_t nc = in->cap_pages ? in->cap_pages * 2 : 8;
    cartona_orders **np = realloc(in->pages, nc * sizeof *np);
    if (!np) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    in->pages = np;
    in->cap_pages = nc;
  }
  cartona_orders *page = NULL;
  in->pulls++;
  int rc = cartona_client_pull_orders(&page, in->c, (int64_t)in->npages + 1, in->per_page, NULL, NULL);
  if (rc) return rc;
  in->pages[in->npages++] = page;
  in->cursor = 0;
  const erplink__logger *lg = cartona__logger(in->c);
  if (erplink__log_on(lg, ERPLINK_LOG_DEBUG))
    erplink__logf(lg, ERPLINK_LOG_DEBUG, "cartona intake: page %zu has %zu orders", in->npages, page->n);
  return 0;
}

int cartona_intake_next(const cartona_order **out, cartona_intake *in) {
  if (out) *out = NULL;
  if (!out || !in) return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_next: NULL argument");
  if (in->finished) return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_next: the intake is finished");
  for (;;) {
    cartona_orders *cur = in->npages ? in->pages[in->npages - 1] : NULL;
    while (cur && in->cursor < cur->n) {
      cartona_order *o = &cur->orders[in->cursor];
      if (seen_has(in, cartona_order_hashed_id(o))) { /* shown twice by a moving queue */
        in->cursor++;
        continue;
      }
      int rc = entry_add(in, o);
      if (rc) return rc; /* the order stays next */
      in->cursor++;
      *out = o;
      return 0;
    }
    if (in->ended) return 0;
    /* A short page (an empty one included) is the end of the queue. */
    if ((cur && cur->n < (size_t)in->per_page) || in->npages >= (size_t)in->max_pages) {
      in->ended = true;
      return 0;
    }
    int rc = pull_next(in);
    if (rc) {
      if (rc != ERPLINK_ENOMEM) in->ended = true; /* the error is returned once; finish() still acks */
      return rc;
    }
  }
}

int cartona_intake_done(cartona_intake *in, const cartona_order *o, int ok, const char *message) {
  if (!in || !o) return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_done: NULL argument");
  if (in->finished) return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_done: the intake is finished");
  if (o->intake != in || o->intake_entry == 0 || o->intake_entry > in->n)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_done: the order was not handed out by this intake");
  entry *e = &in->e[o->intake_entry - 1];
  if (e->mark != MARK_NONE)
    return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_done: order %.64s is already marked", e->hashed_id);
  if (!ok) {
    erplink_buf b = ERPLINK_BUF_INIT;
    erplink_buf_printf(&b, "import failed: %.500s", message && *message ? message : "(no reason given)");
    if (b.oom) {
      erplink_buf_free(&b);
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
    }
    e->message = erplink_buf_detach(&b, NULL);
    const erplink__logger *lg = cartona__logger(in->c);
    if (erplink__log_on(lg, ERPLINK_LOG_WARN))
      erplink__logf(lg, ERPLINK_LOG_WARN, "cartona intake: order %.64s not imported: %s", e->hashed_id, e->message);
  }
  e->mark = ok ? MARK_OK : MARK_FAILED;
  return 0;
}

int cartona_intake_finish(cartona_sync_report **out, cartona_intake *in) {
  if (out) *out = NULL;
  if (!out || !in) return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_finish: NULL argument");
  if (in->finished) return erplink__error_setf(ERPLINK_EINVAL, "cartona_intake_finish: called twice");
  /* Everything the report needs is allocated before anything is acknowledged. */
  cartona_sync_report *r = calloc(1, sizeof *r);
  cartona_sync_entry *re = r ? calloc(in->n ? in->n : 1, sizeof *re) : NULL;
  const char **ids = calloc(in->n ? in->n : 1, sizeof *ids);
  size_t *which = calloc(in->n ? in->n : 1, sizeof *which);
  bool oom = !r || !re || !ids || !which;
  if (r) r->e = re;
  size_t nok = 0;
  for (size_t i = 0; !oom && i < in->n; i++) {
    const entry *e = &in->e[i];
    cartona_sync_entry *x = &re[i];
    x->hashed_id = strdup(e->hashed_id);
    r->n = i + 1;
    if (e->mark == MARK_OK) {
      x->outcome = CARTONA_SYNC_ACKED;
      ids[nok] = e->hashed_id;
      which[nok++] = i;
    } else if (e->mark == MARK_FAILED) {
      x->outcome = CARTONA_SYNC_IMPORT_FAILED;
      x->message = strdup(e->message);
    } else {
      x->outcome = CARTONA_SYNC_UNMARKED;
      x->message = strdup("not marked: not acknowledged (comes back on the next pull)");
    }
    oom = !x->hashed_id || (x->outcome != CARTONA_SYNC_ACKED && !x->message);
  }
  if (oom) {
    cartona_sync_report_free(r);
    free(ids);
    free(which);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  in->finished = true;
  r->pages = in->pulls;
  const erplink__logger *lg = cartona__logger(in->c);
  for (size_t k = 0; k < nok; k += (size_t)in->per_page) {
    size_t m = nok - k < (size_t)in->per_page ? nok - k : (size_t)in->per_page;
    if (cartona_client_ack_orders(in->c, ids + k, m) == 0) continue;
    char msg[600];
    snprintf(msg, sizeof msg, "acknowledgement failed: %s", erplink_error_message(erplink_error_last()));
    if (erplink__log_on(lg, ERPLINK_LOG_WARN))
      erplink__logf(lg, ERPLINK_LOG_WARN, "cartona intake: %zu orders not acknowledged: %s", m, msg);
    for (size_t j = k; j < k + m; j++) {
      cartona_sync_entry *x = &re[which[j]];
      x->outcome = CARTONA_SYNC_ACK_FAILED;
      x->message = strdup(msg);
      if (!x->message) x->message = k_ack_failed_nomem;
    }
  }
  free(ids);
  free(which);
  if (erplink__log_on(lg, ERPLINK_LOG_INFO))
    erplink__logf(lg, ERPLINK_LOG_INFO,
                  "cartona intake: %zu pulls, %zu acknowledged, %zu import failures, %zu ack failures, %zu unmarked",
                  r->pages, cartona_sync_report_count_outcome(r, CARTONA_SYNC_ACKED),
                  cartona_sync_report_count_outcome(r, CARTONA_SYNC_IMPORT_FAILED),
                  cartona_sync_report_count_outcome(r, CARTONA_SYNC_ACK_FAILED),
                  cartona_sync_report_count_outcome(r, CARTONA_SYNC_UNMARKED));
  erplink_error_clear();
  *out = r;
  return 0;
}

/* ------------------------------------------------------------------ the callback loop */

int cartona_client_sync_orders(cartona_sync_report **out, cartona_client *c, int max_pages, int64_t per_page,
                               cartona_import_fn import, void *userdata) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "cartona_client_sync_orders: out is NULL");
  *out = NULL;
  if (!c || !import || max_pages < 1 || per_page < 1 || per_page > 1000)
    return erplink__error_setf(
        ERPLINK_EINVAL, "cartona_client_sync_orders: client and callback required, max_pages >= 1, per_page 1..1000");
  cartona_intake *in = NULL;
  int rc = cartona_intake_new(&in, c, max_pages, per_page);
  if (rc) return rc;
  int stop = 0; /* the error that ended the loop (a failed pull) */
  for (;;) {
    const cartona_order *o = NULL;
    stop = cartona_intake_next(&o, in);
    if (stop || !o) break;
    erplink_error_clear();
    int ir = import(o, userdata);
    const char *why = NULL;
    if (ir != 0) {
      why = erplink_error_message(erplink_error_last());
      if (!*why) why = "the import callback returned an error";
    }
    stop = cartona_intake_done(in, o, ir == 0, why);
    if (stop) break;
  }
  erplink__error_saved *sv = stop ? erplink__error_save() : NULL;
  rc = cartona_intake_finish(out, in);
  cartona_intake_free(in);
  if (rc) { /* no report: finish's error wins over the loop's */
    erplink__error_saved *mine = erplink__error_save();
    erplink__error_restore(sv);
    erplink__error_restore(mine);
    return rc;
  }
  erplink__error_restore(sv); /* finish() cleared the error: the failed pull's comes back */
  return stop;
}
