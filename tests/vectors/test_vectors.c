/*
 * test_vectors.c - the shared vectors of tests/vectors/ (also run by the Python binding's
 * tests/bindings/test_python_vectors.py, and by the Node binding's suite with issue 14):
 * razorpay_signatures.json, values.json, errors.json, cartona_status_map.json, store.json (the
 * dedup on its memory and SQLite backends, the outbox on SQLite; the Python suite adds custom
 * backends written in Python). Every language must give the results these files state; this
 * program checks the C library's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/cartona.h"
#include "erplink/error.h"
#include "erplink/json.h"
#include "erplink/razorpay.h"
#include "erplink/store.h"
#include "erplink/value.h"
#include "test.h"

#include <unistd.h>

static erplink_value *load(const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", ERPLINK_VECTORS_DIR, name);
  size_t len = 0;
  char *text = test_read_file(path, &len);
  if (!text) return NULL;
  erplink_value *doc = NULL;
  int rc = erplink_json_decode(&doc, text, len, NULL);
  free(text);
  return rc == 0 ? doc : NULL;
}

static const char *str(const erplink_value *v, const char *key) {
  const char *s = NULL;
  size_t n = 0;
  const erplink_value *m = erplink_value_struct_get(v, key);
  if (!m || erplink_value_get_string(&s, &n, m) != 0) return NULL;
  return s;
}

/* ------------------------------------------------------------------ error codes */

#define CODE(x)                                                                                                        \
  { #x, ERPLINK_##x }
static const struct {
  const char *name;
  int code;
} CODES[] = {{"OK", ERPLINK_OK},  CODE(EINVAL),         CODE(ENOMEM),    CODE(ERANGE),     CODE(ETYPE),
             CODE(ENETWORK),      CODE(ECONNECT),       CODE(EDNS),      CODE(ERECV),      CODE(ETIMEOUT),
             CODE(ETLS),          CODE(EHTTP),          CODE(EREDIRECT), CODE(EPROTOCOL),  CODE(ELIMIT),
             CODE(ETOOLARGE),     CODE(EFORBIDDEN_XML), CODE(EAUTH),     CODE(EACCESS),    CODE(EVALIDATION),
             CODE(ENOTFOUND),     CODE(ERATELIMIT),     CODE(ECONFLICT), CODE(ESIGNATURE), CODE(ECANCELLED),
             CODE(ESERVER),       CODE(EUNAVAILABLE),   CODE(EBUDGET),   CODE(ESTORE),     CODE(ESTORE_CORRUPT),
             CODE(ESTORE_VERSION)};
#define NCODES (sizeof CODES / sizeof CODES[0])

static int code_of(const char *name) {
  for (size_t i = 0; i < NCODES; i++)
    if (strcmp(CODES[i].name, name) == 0) return CODES[i].code;
  return 1; /* no such name */
}

static void test_errors(void) {
  erplink_value *doc = load("errors.json");
  REQUIRE(doc);
  const erplink_value *codes = erplink_value_struct_get(doc, "codes");
  size_t n = erplink_value_count(codes);
  CHECK_EQ_INT((int)n, (int)NCODES); /* every code of error.h has its vector */
  for (size_t i = 0; i < n; i++) {
    const erplink_value *c = erplink_value_array_at(codes, i);
    int64_t code = 0;
    int retryable = 0;
    erplink_value_get_int(&code, erplink_value_struct_get(c, "code"));
    erplink_value_get_bool(&retryable, erplink_value_struct_get(c, "retryable"));
    CHECK_EQ_INT(code_of(str(c, "name")), (int)code);
    CHECK_EQ_STR(erplink_error_category_name(erplink_error_category_of((int)code)), str(c, "category"));
    CHECK_EQ_INT(erplink_error_retryable((int)code), retryable);
  }
  erplink_value_free(doc);
}

/* ------------------------------------------------------------------ Razorpay */

static int verify(const erplink_value *c, int with_verifier) {
  const char *kind = str(c, "kind"), *sig = str(c, "signature"), *secret = str(c, "secret");
  razorpay_verifier *v = NULL;
  size_t idx = 99;
  if (with_verifier) {
    int rc = razorpay_verifier_new(&v, &secret, 1);
    if (rc) return rc;
  }
  int rc;
  if (strcmp(kind, "webhook") == 0) {
    const char *body = str(c, "body");
    char *file = NULL;
    size_t len = body ? strlen(body) : 0;
    if (!body) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s", ERPLINK_VECTORS_DIR, str(c, "body_file"));
      file = test_read_file(path, &len);
      body = file;
    }
    rc =
        v ? razorpay_verifier_verify_webhook(&idx, v, body, len, sig) : razorpay_verify_webhook(body, len, sig, secret);
    free(file);
  } else if (strcmp(kind, "payment") == 0) {
    rc = v ? razorpay_verifier_verify_payment(&idx, v, str(c, "order_id"), str(c, "payment_id"), sig)
           : razorpay_verify_payment(str(c, "order_id"), str(c, "payment_id"), sig, secret);
  } else if (strcmp(kind, "subscription") == 0) {
    rc = v ? razorpay_verifier_verify_subscription(&idx, v, str(c, "payment_id"), str(c, "subscription_id"), sig)
           : razorpay_verify_subscription(str(c, "payment_id"), str(c, "subscription_id"), sig, secret);
  } else {
    rc = v ? razorpay_verifier_verify_payment_link(&idx, v, str(c, "payment_link_id"),
                                                   str(c, "payment_link_reference_id"), str(c, "payment_link_status"),
                                                   str(c, "payment_id"), sig)
           : razorpay_verify_payment_link(str(c, "payment_link_id"), str(c, "payment_link_reference_id"),
                                          str(c, "payment_link_status"), str(c, "payment_id"), sig, secret);
  }
  if (v && rc == 0) CHECK_EQ_INT((int)idx, 0);
  razorpay_verifier_free(v);
  return rc;
}

static void test_razorpay(void) {
  erplink_value *doc = load("razorpay_signatures.json");
  REQUIRE(doc);
  const erplink_value *cases = erplink_value_struct_get(doc, "cases");
  size_t n = erplink_value_count(cases);
  CHECK(n >= 15);
  for (size_t i = 0; i < n; i++) {
    const erplink_value *c = erplink_value_array_at(cases, i);
    int want = code_of(str(c, "expect"));
    CHECK_EQ_INT(verify(c, 0), want);
    /* the verifier refuses an empty secret when created: that is the same EINVAL */
    CHECK_EQ_INT(verify(c, 1), want);
  }
  erplink_value_free(doc);
}

/* ------------------------------------------------------------------ values */

static erplink_value *build(const erplink_value *t) {
  const char *tag = erplink_value_struct_key_at(t, 0);
  const erplink_value *x = erplink_value_struct_value_at(t, 0);
  erplink_value *out = NULL;
  const char *s = NULL;
  size_t len = 0;
  if (strcmp(tag, "nil") == 0) {
    erplink_value_new_nil(&out);
  } else if (strcmp(tag, "bool") == 0) {
    int b = 0;
    erplink_value_get_bool(&b, x);
    erplink_value_new_bool(&out, b);
  } else if (strcmp(tag, "int") == 0) {
    erplink_value_get_string(&s, &len, x);
    erplink_value_new_int(&out, strtoll(s, NULL, 10));
  } else if (strcmp(tag, "double") == 0) {
    double d = 0;
    int64_t i = 0;
    if (erplink_value_get_double(&d, x) != 0 && erplink_value_get_int(&i, x) == 0) d = (double)i;
    erplink_value_new_double(&out, d);
  } else if (strcmp(tag, "string") == 0) {
    erplink_value_get_string(&s, &len, x);
    erplink_value_new_stringn(&out, s, len);
  } else if (strcmp(tag, "bytes_hex") == 0) {
    erplink_value_get_string(&s, &len, x);
    unsigned char buf[256];
    size_t n = len / 2;
    for (size_t i = 0; i < n && i < sizeof buf; i++) {
      unsigned v = 0;
      sscanf(s + 2 * i, "%2x", &v);
      buf[i] = (unsigned char)v;
    }
    erplink_value_new_bytes(&out, buf, n);
  } else if (strcmp(tag, "datetime") == 0) {
    int y, mo, d, h, mi, sec, us;
    erplink_value_get_string(&s, &len, x);
    if (sscanf(s, "%d-%d-%dT%d:%d:%d.%d", &y, &mo, &d, &h, &mi, &sec, &us) == 7)
      erplink_value_new_datetime(&out, y, mo, d, h, mi, sec, us);
  } else if (strcmp(tag, "array") == 0) {
    erplink_value_new_array(&out);
    for (size_t i = 0; i < erplink_value_count(x); i++)
      erplink_value_array_append(out, build(erplink_value_array_at(x, i)));
  } else if (strcmp(tag, "struct") == 0) {
    erplink_value_new_struct(&out);
    for (size_t i = 0; i < erplink_value_count(x); i++) {
      const erplink_value *pair = erplink_value_array_at(x, i);
      erplink_value_get_string(&s, &len, erplink_value_array_at(pair, 0));
      erplink_value_struct_append(out, s, build(erplink_value_array_at(pair, 1)));
    }
  }
  return out;
}

static void test_values(void) {
  erplink_value *doc = load("values.json");
  REQUIRE(doc);
  const erplink_value *cases = erplink_value_struct_get(doc, "cases");
  size_t n = erplink_value_count(cases);
  CHECK(n >= 20);
  for (size_t i = 0; i < n; i++) {
    const erplink_value *c = erplink_value_array_at(cases, i);
    erplink_value *v = build(erplink_value_struct_get(c, "value")), *copy = NULL;
    REQUIRE(v);
    CHECK_EQ_INT(erplink_value_clone(&copy, v), 0);
    char *d1 = NULL, *d2 = NULL;
    CHECK_EQ_INT(erplink_value_dump(&d1, v), 0);
    CHECK_EQ_INT(erplink_value_dump(&d2, copy), 0);
    CHECK_EQ_STR(d1, str(c, "dump"));
    CHECK_EQ_STR(d2, d1);
    erplink_free(d1);
    erplink_free(d2);
    erplink_value_free(v);
    erplink_value_free(copy);
  }
  erplink_value_free(doc);
}

/* ------------------------------------------------------------------ Cartona status map */

static void test_status_map(void) {
  erplink_value *doc = load("cartona_status_map.json");
  REQUIRE(doc);
  cartona_status_map *m = NULL;
  REQUIRE(cartona_status_map_new_default(&m) == 0);
  for (int dir = 0; dir < 2; dir++) {
    const erplink_value *t = erplink_value_struct_get(doc, dir ? "inbound" : "outbound");
    for (size_t i = 0; i < erplink_value_count(t); i++) {
      const char *from = erplink_value_struct_key_at(t, i);
      const erplink_value *want = erplink_value_struct_value_at(t, i);
      const char *got = NULL;
      int rc = dir ? cartona_status_map_to_odoo(&got, m, from) : cartona_status_map_to_cartona(&got, m, from);
      if (erplink_value_type(want) == ERPLINK_TYPE_NIL) {
        CHECK_EQ_INT(rc, ERPLINK_EVALIDATION);
      } else {
        const char *w = NULL;
        size_t len = 0;
        erplink_value_get_string(&w, &len, want);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_STR(got, w);
      }
    }
  }
  const erplink_value *t = erplink_value_struct_get(doc, "settable");
  for (size_t i = 0; i < erplink_value_count(t); i++) {
    int b = 0;
    erplink_value_get_bool(&b, erplink_value_struct_value_at(t, i));
    CHECK_EQ_INT(cartona_status_settable(erplink_value_struct_key_at(t, i)), b);
  }
  t = erplink_value_struct_get(doc, "cancellation_reasons");
  for (size_t i = 0; i < erplink_value_count(t); i++) {
    int b = 0;
    erplink_value_get_bool(&b, erplink_value_struct_value_at(t, i));
    CHECK_EQ_INT(cartona_cancellation_reason_valid(erplink_value_struct_key_at(t, i)), b);
  }
  cartona_status_map_free(m);
  erplink_value_free(doc);
}

/* ------------------------------------------------------------------ store semantics */

static const erplink_value *at(const erplink_value *a, size_t i) { return erplink_value_array_at(a, i); }

static int64_t num(const erplink_value *v) {
  int64_t i = 0;
  erplink_value_get_int(&i, v);
  return i;
}

static const char *text(const erplink_value *v) { /* NULL for null */
  const char *s = NULL;
  size_t n = 0;
  return erplink_value_get_string(&s, &n, v) == 0 ? s : NULL;
}

static int flag(const erplink_value *v) {
  int b = 0;
  erplink_value_get_bool(&b, v);
  return b;
}

static int g_store_failures; /* CHECK failures are counted by test.h; this names the step */

static void step_fail(const char *scenario, size_t n, const char *what) {
  printf("# store.json %s: step %zu: %s\n", scenario, n, what);
  g_store_failures++;
}

static void run_dedup_steps(erplink_dedup *d, const char *scen, const erplink_value *steps, int64_t t0) {
  for (size_t n = 0; n < erplink_value_count(steps); n++) {
    const erplink_value *st = at(steps, n);
    const char *op = text(at(st, 0));
    int got = -1;
    size_t cnt = 0;
    if (strcmp(op, "seen") == 0) {
      int rc = erplink_dedup_seen(&got, d, text(at(st, 1)), t0 + num(at(st, 2)));
      CHECK_EQ_INT(rc, 0);
      CHECK_EQ_INT(got, flag(at(st, 3)));
      if (rc || got != flag(at(st, 3))) step_fail(scen, n, op);
    } else if (strcmp(op, "forget") == 0) {
      CHECK_EQ_INT(erplink_dedup_forget(&got, d, text(at(st, 1))), 0);
      CHECK_EQ_INT(got, flag(at(st, 2)));
    } else if (strcmp(op, "count") == 0) {
      CHECK_EQ_INT(erplink_dedup_count(&cnt, d, t0 + num(at(st, 1))), 0);
      CHECK_EQ_INT((int)cnt, (int)num(at(st, 2)));
    } else {
      CHECK_EQ_INT(erplink_dedup_seen(&got, d, text(at(st, 1)), t0 + num(at(st, 2))), code_of(text(at(st, 3))));
    }
  }
}

/* "state name" -> erplink_outbox_state */
static erplink_outbox_state state_of(const char *s) {
  static const char *const names[] = {"pending", "retry_wait", "leased", "dead", "done"};
  for (int i = 0; i < 5; i++)
    if (strcmp(s, names[i]) == 0) return (erplink_outbox_state)i;
  return (erplink_outbox_state)99;
}

static const char *outcome_name(int o) {
  switch (o) {
  case ERPLINK_OUTBOX_OUTCOME_DONE: return "DONE";
  case ERPLINK_OUTBOX_OUTCOME_RETRY: return "RETRY";
  case ERPLINK_OUTBOX_OUTCOME_DEAD: return "DEAD";
  case ERPLINK_OUTBOX_OUTCOME_RELEASE: return "RELEASE";
  default: return NULL;
  }
}

static const char *code_name(int code) {
  for (size_t i = 0; i < NCODES; i++)
    if (CODES[i].code == code) return CODES[i].name;
  return "?";
}

/* Compares a batch with the vector's rows [key, payload, attempts, code, message (, changed)]. */
static void check_rows(const erplink_outbox_batch *b, const erplink_value *want, int with_changed, int64_t t0,
                       const char *scen, size_t n) {
  CHECK_EQ_INT((int)erplink_outbox_batch_count(b), (int)erplink_value_count(want));
  if (erplink_outbox_batch_count(b) != erplink_value_count(want)) {
    step_fail(scen, n, "row count");
    return;
  }
  for (size_t i = 0; i < erplink_value_count(want); i++) {
    const erplink_outbox_item *it = erplink_outbox_batch_at(b, i);
    const erplink_value *w = at(want, i);
    size_t len = 0;
    const char *pl = erplink_outbox_item_payload(it, &len);
    CHECK_EQ_STR(erplink_outbox_item_key(it), text(at(w, 0)));
    CHECK_EQ_STR(pl, text(at(w, 1)));
    CHECK_EQ_INT(erplink_outbox_item_attempts(it), (int)num(at(w, 2)));
    CHECK_EQ_STR(code_name(erplink_outbox_item_error_code(it)), text(at(w, 3)));
    const char *msg = erplink_outbox_item_error_message(it), *wmsg = text(at(w, 4));
    CHECK((msg == NULL) == (wmsg == NULL));
    if (msg && wmsg) CHECK_EQ_STR(msg, wmsg);
    if (with_changed) CHECK_EQ_INT((int)(erplink_outbox_item_changed_ms(it) - t0), (int)num(at(w, 5)));
  }
}

#define MAX_BATCHES 16
static void run_outbox_steps(erplink_outbox *ob, const char *scen, const erplink_value *steps, int64_t t0) {
  struct {
    char name[16];
    erplink_outbox_batch *b;
  } bs[MAX_BATCHES];
  int nb = 0;
  for (size_t n = 0; n < erplink_value_count(steps); n++) {
    const erplink_value *st = at(steps, n);
    const char *op = text(at(st, 0));
    erplink_outbox_batch *b = NULL;
    int k = -1;
    if (strcmp(op, "claim") == 0 || strcmp(op, "mark") == 0 || strcmp(op, "complete") == 0 || strcmp(op, "drop") == 0) {
      for (int i = 0; i < nb; i++)
        if (strcmp(bs[i].name, text(at(st, 1))) == 0) k = i;
      if (k < 0 && strcmp(op, "claim") == 0 && nb < MAX_BATCHES) {
        k = nb++;
        snprintf(bs[k].name, sizeof bs[k].name, "%s", text(at(st, 1)));
        bs[k].b = NULL;
      }
      REQUIRE(k >= 0);
      b = bs[k].b;
    }
    size_t cnt = 0;
    if (strcmp(op, "enqueue") == 0) {
      const char *p = text(at(st, 2));
      CHECK_EQ_INT(erplink_outbox_enqueue(ob, text(at(st, 1)), p, strlen(p), t0 + num(at(st, 3))), 0);
    } else if (strcmp(op, "enqueue_many") == 0) {
      const erplink_value *items = at(st, 1);
      size_t m = erplink_value_count(items);
      const char *keys[16];
      const void *pls[16];
      size_t lens[16];
      REQUIRE(m <= 16);
      for (size_t i = 0; i < m; i++) {
        keys[i] = text(at(at(items, i), 0));
        pls[i] = text(at(at(items, i), 1));
        lens[i] = strlen(pls[i]);
      }
      CHECK_EQ_INT(erplink_outbox_enqueue_many(ob, keys, pls, lens, m, t0 + num(at(st, 2))), 0);
    } else if (strcmp(op, "claim") == 0) {
      erplink_outbox_batch_free(b);
      bs[k].b = NULL;
      CHECK_EQ_INT(erplink_outbox_claim(&bs[k].b, ob, (size_t)num(at(st, 2)), t0 + num(at(st, 3))), 0);
      if (bs[k].b) check_rows(bs[k].b, at(st, 4), 0, t0, scen, n);
    } else if (strcmp(op, "mark") == 0) {
      size_t i = (size_t)num(at(st, 2));
      const char *how = text(at(st, 3));
      int rc;
      if (strcmp(how, "done") == 0)
        rc = erplink_outbox_batch_done(b, i);
      else if (strcmp(how, "release") == 0)
        rc = erplink_outbox_batch_release(b, i);
      else if (strcmp(how, "failed") == 0)
        rc = erplink_outbox_batch_failed(b, i, code_of(text(at(st, 4))), text(at(st, 5)), num(at(st, 6)));
      else
        rc = erplink_outbox_batch_retry(b, i, code_of(text(at(st, 4))), text(at(st, 5)), num(at(st, 6)));
      CHECK_EQ_INT(rc, 0);
    } else if (strcmp(op, "complete") == 0) {
      size_t stale = 99;
      CHECK_EQ_INT(erplink_outbox_complete(&stale, ob, b, t0 + num(at(st, 2))), 0);
      CHECK_EQ_INT((int)stale, (int)num(at(st, 3)));
      const erplink_value *want = at(st, 4);
      for (size_t i = 0; i < erplink_value_count(want); i++) {
        const char *o = outcome_name(erplink_outbox_item_outcome(erplink_outbox_batch_at(b, i))),
                   *w = text(at(want, i));
        CHECK((o == NULL) == (w == NULL));
        if (o && w) CHECK_EQ_STR(o, w);
        if ((o == NULL) != (w == NULL) || (o && w && strcmp(o, w) != 0)) step_fail(scen, n, "outcome");
      }
    } else if (strcmp(op, "drop") == 0) {
      erplink_outbox_batch_free(b);
      bs[k].b = NULL;
    } else if (strcmp(op, "count") == 0) {
      CHECK_EQ_INT(erplink_outbox_count(&cnt, ob, state_of(text(at(st, 1))), t0 + num(at(st, 2))), 0);
      CHECK_EQ_INT((int)cnt, (int)num(at(st, 3)));
      if ((int)cnt != (int)num(at(st, 3))) step_fail(scen, n, "count");
    } else if (strcmp(op, "list") == 0) {
      erplink_outbox_batch *l = NULL;
      CHECK_EQ_INT(
          erplink_outbox_list(&l, ob, state_of(text(at(st, 1))), (size_t)num(at(st, 2)), (size_t)num(at(st, 3))), 0);
      if (l) check_rows(l, at(st, 4), 1, t0, scen, n);
      erplink_outbox_batch_free(l);
    } else if (strcmp(op, "requeue") == 0) {
      CHECK_EQ_INT(erplink_outbox_requeue(&cnt, ob, text(at(st, 1)), t0 + num(at(st, 2))), 0);
      CHECK_EQ_INT((int)cnt, (int)num(at(st, 3)));
    } else {
      CHECK_EQ_STR(op, "discard");
      CHECK_EQ_INT(erplink_outbox_discard(&cnt, ob, text(at(st, 1))), 0);
      CHECK_EQ_INT((int)cnt, (int)num(at(st, 2)));
    }
  }
  for (int i = 0; i < nb; i++) erplink_outbox_batch_free(bs[i].b);
}

static void test_store(void) {
  erplink_value *doc = load("store.json");
  REQUIRE(doc);
  char dir[] = "/tmp/erplink-vectors-XXXXXX", path[64];
  REQUIRE(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/store.db", dir);
  erplink_store *st = NULL;
  REQUIRE(erplink_store_open(&st, path, NULL) == 0);
  int64_t t0 = num(erplink_value_struct_get(doc, "t0"));
  const erplink_value *dd = erplink_value_struct_get(doc, "dedup"), *ob = erplink_value_struct_get(doc, "outbox");
  CHECK(erplink_value_count(dd) >= 1 && erplink_value_count(ob) >= 4);
  for (size_t i = 0; i < erplink_value_count(dd); i++) {
    const erplink_value *c = at(dd, i);
    for (int sql = 0; sql < 2; sql++) {
      erplink_dedup *d = NULL;
      size_t cap = (size_t)num(erplink_value_struct_get(c, "capacity"));
      int64_t ttl = num(erplink_value_struct_get(c, "ttl_ms"));
      REQUIRE((sql ? erplink_dedup_new_sqlite(&d, st, str(c, "name"), cap, ttl)
                   : erplink_dedup_new_memory(&d, cap, ttl)) == 0);
      run_dedup_steps(d, str(c, "name"), erplink_value_struct_get(c, "steps"), t0);
      erplink_dedup_free(d);
    }
  }
  for (size_t i = 0; i < erplink_value_count(ob); i++) {
    const erplink_value *c = at(ob, i), *p = erplink_value_struct_get(c, "policy");
    erplink_outbox_options *o = NULL;
    REQUIRE(erplink_outbox_options_new(&o) == 0);
    const erplink_value *bo = erplink_value_struct_get(p, "backoff_ms");
    double jitter = 0;
    int64_t ji = 0;
    if (erplink_value_get_double(&jitter, erplink_value_struct_get(p, "jitter")) != 0 &&
        erplink_value_get_int(&ji, erplink_value_struct_get(p, "jitter")) == 0)
      jitter = (double)ji;
    CHECK_EQ_INT(erplink_outbox_options_set_lease_ms(o, num(erplink_value_struct_get(p, "lease_ms"))), 0);
    CHECK_EQ_INT(erplink_outbox_options_set_max_attempts(o, (int)num(erplink_value_struct_get(p, "max_attempts"))), 0);
    CHECK_EQ_INT(erplink_outbox_options_set_backoff_ms(o, num(at(bo, 0)), num(at(bo, 1))), 0);
    CHECK_EQ_INT(erplink_outbox_options_set_jitter(o, jitter), 0);
    erplink_outbox *box = NULL;
    REQUIRE(erplink_outbox_new_sqlite(&box, st, str(c, "name"), o) == 0);
    erplink_outbox_options_free(o);
    run_outbox_steps(box, str(c, "name"), erplink_value_struct_get(c, "steps"), t0);
    erplink_outbox_free(box);
  }
  CHECK_EQ_INT(g_store_failures, 0);
  erplink_store_close(st);
  char f[96];
  static const char *const parts[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    snprintf(f, sizeof f, "%s%s", path, parts[i]);
    unlink(f);
  }
  rmdir(dir);
  erplink_value_free(doc);
}

int main(void) {
  RUN(test_errors);
  RUN(test_razorpay);
  RUN(test_values);
  RUN(test_status_map);
  RUN(test_store);
  return test_done();
}
