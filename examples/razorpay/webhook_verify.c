/* Verifies a Razorpay webhook and prints the parsed event — the first steps of a webhook
 * handler (verify the raw body, deduplicate by event id, parse), without the HTTP server.
 *
 *   RAZORPAY_WEBHOOK_SECRETS="new_secret,old_secret" [RAZORPAY_DEDUP_DB=events.db] \
 *     webhook_verify BODY_FILE SIGNATURE [EVENT_ID]
 *
 * BODY_FILE holds the raw request body exactly as received; SIGNATURE is the value of the
 * X-Razorpay-Signature header; EVENT_ID the value of X-Razorpay-Event-Id. With
 * RAZORPAY_DEDUP_DB, event ids are deduplicated in that store file (erplink_dedup over SQLite:
 * kept across restarts and shared by worker processes): a second run with the same event id
 * reports a duplicate. Without it, in memory (per process). The secrets come
 * from the environment (never from argv, where `ps` would show them), comma-separated, the
 * current one first: after a rotation, Razorpay retries older events with the old secret.
 * The secrets are never printed. Exit status: 0 verified, 1 rejected, 2 usage or I/O error.
 *
 * Uses only the public API. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <erplink/erplink.h>

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = cap > 16 * 1024 * 1024 ? NULL : realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

static int fail(const char *what, int rc) {
  const erplink_error *e = erplink_error_last();
  fprintf(stderr, "%s: %s [%s] %s\n", what, erplink_strerror(rc),
          erplink_error_category_name(erplink_error_get_category(e)), erplink_error_message(e));
  return 1;
}

static void print_entity(const char *name, const razorpay_entity *x) {
  if (!x) return;
  printf("%s:\n", name);
  printf("  id:       %s\n", razorpay_entity_id(x) ? razorpay_entity_id(x) : "-");
  if (razorpay_entity_order_id(x)) printf("  order_id: %s\n", razorpay_entity_order_id(x));
  int64_t amount;
  if (razorpay_entity_amount(&amount, x) == 0)
    printf("  amount:   %" PRId64 " (smallest unit) %s\n", amount,
           razorpay_entity_currency(x) ? razorpay_entity_currency(x) : "");
  if (razorpay_entity_status(x)) printf("  status:   %s\n", razorpay_entity_status(x));
  if (razorpay_entity_method(x)) printf("  method:   %s\n", razorpay_entity_method(x));
  if (razorpay_entity_email(x)) printf("  email:    %s\n", razorpay_entity_email(x));
  if (razorpay_entity_contact(x)) printf("  contact:  %s\n", razorpay_entity_contact(x));
  char *notes = NULL;
  if (erplink_json_encode(&notes, NULL, razorpay_entity_notes(x)) == 0) printf("  notes:    %s\n", notes);
  erplink_free(notes);
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: RAZORPAY_WEBHOOK_SECRETS=s1[,s2...] %s BODY_FILE SIGNATURE [EVENT_ID]\n", argv[0]);
    return 2;
  }
  const char *env = getenv("RAZORPAY_WEBHOOK_SECRETS");
  if (!env || !*env) {
    fprintf(stderr, "set RAZORPAY_WEBHOOK_SECRETS to the webhook secret(s), comma-separated\n");
    return 2;
  }
  size_t body_len = 0;
  char *body = read_file(argv[1], &body_len);
  if (!body) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 2;
  }
  /* split the secrets (a copy of the environment string, wiped at the end) */
  char *list = strdup(env);
  if (!list) {
    free(body);
    return 2;
  }
  const char *secrets[64];
  size_t n = 0;
  for (char *save = NULL, *s = strtok_r(list, ",", &save); s && n < 64; s = strtok_r(NULL, ",", &save))
    secrets[n++] = s;

  int status = 1;
  razorpay_verifier *v = NULL;
  razorpay_event *ev = NULL;
  erplink_store *store = NULL;
  erplink_dedup *dedup = NULL;
  int rc = razorpay_verifier_new(&v, secrets, n);
  if (rc) {
    status = fail("configuration", rc) + 1;
    goto done;
  }
  size_t matched = 0;
  rc = razorpay_verifier_verify_webhook(&matched, v, body, body_len, argv[2]);
  if (rc) {
    fail("rejected", rc); /* a handler answers 400 here */
    goto done;
  }
  printf("signature: valid (secret #%zu of %zu%s)\n", matched, n, matched ? ", an older secret" : "");

  const char *event_id = argc > 3 ? argv[3] : NULL;
  if (event_id) {
    /* a real handler opens the store and the dedup once, for the life of the process;
     * Razorpay retries for 24 hours: remember ids that long */
    const char *db = getenv("RAZORPAY_DEDUP_DB");
    if (db && *db) {
      rc = erplink_store_open(&store, db, NULL);
      if (rc == 0) rc = erplink_dedup_new_sqlite(&dedup, store, "razorpay.events", 1000000, 24LL * 3600 * 1000);
    } else {
      rc = erplink_dedup_new_memory(&dedup, 100000, 24LL * 3600 * 1000);
    }
    if (rc) {
      fail("dedup", rc); /* a handler answers 503 here: Razorpay retries */
      goto done;
    }
    int seen = 0;
    rc = erplink_dedup_seen(&seen, dedup, event_id, -1);
    if (rc) {
      fail("dedup", rc);
      goto done;
    }
    if (seen) {
      printf("duplicate delivery of %s: answer 200 without processing\n", event_id);
      status = 0;
      goto done;
    }
  }
  rc = razorpay_event_parse(&ev, body, body_len, event_id);
  if (rc) {
    /* processing failed after the id was recorded: forget it, so that the retry is processed */
    if (dedup) erplink_dedup_forget(NULL, dedup, event_id);
    fail("parsing the event", rc);
    goto done;
  }
  printf("event:     %s\n", razorpay_event_name(ev));
  printf("event id:  %s\n", razorpay_event_id(ev) ? razorpay_event_id(ev) : "-");
  if (razorpay_event_account_id(ev)) printf("account:   %s\n", razorpay_event_account_id(ev));
  int64_t created;
  if (razorpay_event_created_at(&created, ev) == 0) printf("created:   %" PRId64 "\n", created);
  printf("contains: ");
  for (size_t i = 0; i < razorpay_event_contains_count(ev); i++) printf(" %s", razorpay_event_contains_at(ev, i));
  printf("\n");
  print_entity("payment", razorpay_event_payment(ev));
  print_entity("order", razorpay_event_order(ev));
  status = 0;

done:
  razorpay_event_free(ev);
  erplink_dedup_free(dedup);
  erplink_store_close(store);
  razorpay_verifier_free(v);
  memset(list, 0, strlen(env));
  free(list);
  free(body);
  return status;
}
