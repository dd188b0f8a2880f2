/* Razorpay signature verification: webhooks, checkout payments, subscriptions and payment
 * links, one-shot or through a reusable verifier. See include/erplink/razorpay.h. Event parsing
 * is in event.c, the event-id memory in dedup.c.
 *
 * Order of work for every verification (the timing-relevant part):
 *   1. validate the caller's arguments and the *format* of the received signature (64
 *      lowercase hex digits) and decode it into 32 bytes — this depends only on public data;
 *   2. for every secret, compute HMAC-SHA256(secret, message) with a pre-keyed context and
 *      compare the 32 bytes with the core's constant-time erplink_ct_equal(); the first matching index
 *      is selected with arithmetic masks, so the loop has no branch on the comparison;
 *   3. branch once on "some secret matched" — the public outcome.
 * A wrong signature of the right format thus performs exactly the same HMACs and comparisons
 * as a right one; razorpay__verifier_hmac_count() lets the tests check that. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/crypto.h"
#include "erplink/razorpay.h"
#include "internal.h"
#include "razorpay/razorpay_internal.h"

#define MAX_SECRETS 64

/* ---------------------------------------------------------------- signature format */

/* Lowercase hex digit → value + 1; 0 for every other byte (upper case included). */
static const unsigned char g_lowhex[256] = {
    ['0'] = 1, ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16};

/* The precise complaint about a 64-character signature that is not all lowercase hex. */
static int bad_digit(const char *sig, const char *what) {
  for (size_t i = 0; i < RAZORPAY_SIGNATURE_LEN; i++) {
    unsigned char c = (unsigned char)sig[i];
    if (g_lowhex[c]) continue;
    if (c >= 'A' && c <= 'F')
      return erplink__error_setf(ERPLINK_EINVAL,
                                 "razorpay: the %s has an upper-case hex digit at offset %zu; Razorpay signatures are "
                                 "lowercase hex and are compared case-sensitively (as every official SDK does)",
                                 what, i);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
      return erplink__error_setf(ERPLINK_EINVAL,
                                 "razorpay: the %s has whitespace at offset %zu (trim the header value)", what, i);
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay: the %s has a character that is not a hex digit at offset %zu",
                               what, i);
  }
  return erplink__error_setf(ERPLINK_EINVAL, "razorpay: the %s is malformed", what); /* not reached */
}

/* Checks that sig is exactly 64 lowercase hex digits and decodes it into raw. Only public
 * data (the received signature) is examined; messages never quote it. */
static int parse_signature(unsigned char raw[ERPLINK_SHA256_LEN], const char *sig, const char *what) {
  if (!sig) return erplink__error_setf(ERPLINK_EINVAL, "razorpay: the %s is missing (NULL)", what);
  size_t len = strnlen(sig, 1025);
  if (len == 0) return erplink__error_setf(ERPLINK_EINVAL, "razorpay: the %s is empty", what);
  if (len != RAZORPAY_SIGNATURE_LEN) {
    if (len > 1024)
      return erplink__error_setf(
          ERPLINK_EINVAL, "razorpay: the %s has more than 1024 characters; expected 64 lowercase hex digits", what);
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay: the %s has %zu characters; expected 64 lowercase hex digits",
                               what, len);
  }
  const unsigned char *p = (const unsigned char *)sig;
  unsigned invalid = 0;
  for (size_t i = 0; i < ERPLINK_SHA256_LEN; i++) {
    unsigned h = g_lowhex[p[2 * i]], l = g_lowhex[p[2 * i + 1]];
    invalid |= (h == 0) | (l == 0);
    raw[i] = (unsigned char)(((h - 1) << 4) | ((l - 1) & 15));
  }
  if (invalid) return bad_digit(sig, what);
  return 0;
}

/* ---------------------------------------------------------------- messages */

typedef struct part {
  const void *p;
  size_t len;
} part;

/* Checks one id of a '|'-joined message: non-NULL, non-empty (unless may_be_empty), no '|'
 * (unless may_have_bar), no longer than 4096 bytes. */
static int check_id(part *out, const char *s, const char *name, bool may_be_empty, bool may_have_bar) {
  if (!s) return erplink__error_setf(ERPLINK_EINVAL, "razorpay: %s is NULL", name);
  size_t len = strnlen(s, 4097);
  if (len > 4096) return erplink__error_setf(ERPLINK_EINVAL, "razorpay: %s is longer than 4096 bytes", name);
  if (!len && !may_be_empty) return erplink__error_setf(ERPLINK_EINVAL, "razorpay: %s is empty", name);
  if (!may_have_bar && memchr(s, '|', len))
    return erplink__error_setf(ERPLINK_EINVAL,
                               "razorpay: %s contains '|', which would make the signed message ambiguous", name);
  out->p = s;
  out->len = len;
  return 0;
}

/* ---------------------------------------------------------------- the core comparison */

/* Computes the HMAC of the message (parts joined with '|') with every context, compares each
 * with raw in constant time, and stores the first matching index in *matched. Every context
 * is always used; *count is incremented once per HMAC. */
static int verify_core(size_t *matched, erplink_hmac *const *h, size_t n, const part *parts, size_t nparts,
                       const unsigned char raw[ERPLINK_SHA256_LEN], uint64_t *count, const char *what) {
  unsigned found = 0;
  size_t idx = 0;
  int rc = 0;
  unsigned char tag[ERPLINK_SHA256_LEN];
  for (size_t i = 0; i < n; i++) {
    if (nparts == 1) {
      rc = erplink_hmac_sha256(tag, h[i], parts[0].p, parts[0].len);
    } else {
      for (size_t k = 0; k < nparts && !rc; k++) {
        if (k) rc = erplink_hmac_update(h[i], "|", 1);
        if (!rc) rc = erplink_hmac_update(h[i], parts[k].p, parts[k].len);
      }
      if (!rc) rc = erplink_hmac_final(tag, h[i]);
    }
    if (rc) break; /* a crypto failure: independent of the data */
    (*count)++;
    unsigned eq = (unsigned)erplink_ct_equal(tag, sizeof tag, raw, ERPLINK_SHA256_LEN) & 1u;
    unsigned take = eq & (found ^ 1u);
    size_t mask = (size_t)0 - (size_t)take;
    idx = (idx & ~mask) | (i & mask);
    found |= eq;
  }
  erplink__wipe(tag, sizeof tag);
  if (rc) return rc;
  if (!found) {
    if (n == 1) return erplink__error_setf(ERPLINK_ESIGNATURE, "razorpay: the %s does not match", what);
    return erplink__error_setf(ERPLINK_ESIGNATURE, "razorpay: the %s matches none of the %zu secrets", what, n);
  }
  if (matched) *matched = idx;
  return 0;
}

/* ---------------------------------------------------------------- the reusable verifier */

typedef struct ctx_set {
  struct ctx_set *next;
  uint64_t hmacs; /* HMACs computed with this set */
  erplink_hmac *h[];
} ctx_set;

struct razorpay_verifier {
  size_t n;
  erplink_hmac **proto;    /* keyed once; only ever cloned, never computed with */
  _Atomic(ctx_set *) fast; /* one idle set, taken and given back without the mutex */
  pthread_mutex_t lock;
  ctx_set *pool;    /* further idle sets */
  size_t pool_size; /* sets created (in use or not) */
};

static void set_free(ctx_set *s, size_t n) {
  if (!s) return;
  for (size_t i = 0; i < n; i++) erplink_hmac_free(s->h[i]);
  free(s);
}

static int set_new(ctx_set **out, razorpay_verifier *v) {
  *out = NULL;
  ctx_set *s = calloc(1, sizeof *s + v->n * sizeof s->h[0]);
  if (!s) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  for (size_t i = 0; i < v->n; i++) {
    int rc = erplink_hmac_clone(&s->h[i], v->proto[i]);
    if (rc) {
      set_free(s, v->n);
      return rc;
    }
  }
  *out = s;
  return 0;
}

static int set_borrow(ctx_set **out, razorpay_verifier *v) {
  ctx_set *s = atomic_exchange_explicit(&v->fast, NULL, memory_order_acquire);
  if (s) {
    *out = s;
    return 0;
  }
  pthread_mutex_lock(&v->lock);
  s = v->pool;
  if (s) v->pool = s->next;
  pthread_mutex_unlock(&v->lock);
  if (s) {
    *out = s;
    return 0;
  }
  int rc = set_new(&s, v);
  if (rc) return rc;
  pthread_mutex_lock(&v->lock);
  v->pool_size++;
  pthread_mutex_unlock(&v->lock);
  *out = s;
  return 0;
}

static void set_return(razorpay_verifier *v, ctx_set *s) {
  ctx_set *expected = NULL;
  if (atomic_compare_exchange_strong_explicit(&v->fast, &expected, s, memory_order_release, memory_order_relaxed))
    return;
  pthread_mutex_lock(&v->lock);
  s->next = v->pool;
  v->pool = s;
  pthread_mutex_unlock(&v->lock);
}

static int check_secret(const char *s, size_t i, size_t n, const char *fn) {
  if (!s) return erplink__error_setf(ERPLINK_EINVAL, "%s: secret #%zu of %zu is NULL", fn, i, n);
  if (!*s)
    return erplink__error_setf(ERPLINK_EINVAL,
                               "%s: secret #%zu of %zu is empty (an empty secret is a configuration "
                               "error, never a match)",
                               fn, i, n);
  return 0;
}

static int check_secrets(const char *const *secrets, size_t n, const char *fn) {
  if (!secrets) return erplink__error_setf(ERPLINK_EINVAL, "%s: the list of secrets is NULL", fn);
  if (n == 0) return erplink__error_setf(ERPLINK_EINVAL, "%s: no secret given", fn);
  if (n > MAX_SECRETS)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: %zu secrets given; at most %d are supported", fn, n, MAX_SECRETS);
  for (size_t i = 0; i < n; i++) {
    int rc = check_secret(secrets[i], i, n, fn);
    if (rc) return rc;
  }
  return 0;
}

void razorpay_verifier_free(razorpay_verifier *v) {
  if (!v) return;
  set_free(atomic_load(&v->fast), v->n);
  ctx_set *s = v->pool;
  while (s) {
    ctx_set *next = s->next;
    set_free(s, v->n);
    s = next;
  }
  if (v->proto)
    for (size_t i = 0; i < v->n; i++) erplink_hmac_free(v->proto[i]);
  free(v->proto);
  pthread_mutex_destroy(&v->lock);
  free(v);
}

int razorpay_verifier_new(razorpay_verifier **out, const char *const *secrets, size_t n_secrets) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "razorpay_verifier_new: out is NULL");
  *out = NULL;
  int rc = check_secrets(secrets, n_secrets, "razorpay_verifier_new");
  if (rc) return rc;
  razorpay_verifier *v = calloc(1, sizeof *v);
  if (!v) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  atomic_init(&v->fast, NULL);
  if (pthread_mutex_init(&v->lock, NULL) != 0) {
    free(v);
    return erplink__error_setf(ERPLINK_ENOMEM, "razorpay_verifier_new: cannot create a mutex");
  }
  v->proto = calloc(n_secrets, sizeof *v->proto);
  if (!v->proto) {
    razorpay_verifier_free(v);
    return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  }
  v->n = n_secrets;
  for (size_t i = 0; i < n_secrets; i++) {
    rc = erplink_hmac_new(&v->proto[i], secrets[i], strlen(secrets[i]));
    if (rc) {
      razorpay_verifier_free(v);
      return rc;
    }
  }
  /* one ready set for the first caller */
  ctx_set *s;
  rc = set_new(&s, v);
  if (rc) {
    razorpay_verifier_free(v);
    return rc;
  }
  atomic_store(&v->fast, s);
  v->pool_size = 1;
  *out = v;
  return 0;
}

size_t razorpay_verifier_count(const razorpay_verifier *v) { return v ? v->n : 0; }

uint64_t razorpay__verifier_hmac_count(razorpay_verifier *v) {
  ctx_set *f = atomic_load(&v->fast);
  uint64_t total = f ? f->hmacs : 0;
  pthread_mutex_lock(&v->lock);
  for (ctx_set *s = v->pool; s; s = s->next) total += s->hmacs;
  pthread_mutex_unlock(&v->lock);
  return total;
}

size_t razorpay__verifier_pool_size(razorpay_verifier *v) {
  pthread_mutex_lock(&v->lock);
  size_t n = v->pool_size;
  pthread_mutex_unlock(&v->lock);
  return n;
}

static int verifier_run(size_t *matched, razorpay_verifier *v, const part *parts, size_t nparts,
                        const unsigned char raw[ERPLINK_SHA256_LEN], const char *what) {
  ctx_set *s;
  int rc = set_borrow(&s, v);
  if (rc) return rc;
  rc = verify_core(matched, s->h, v->n, parts, nparts, raw, &s->hmacs, what);
  set_return(v, s);
  return rc;
}

#define WEBHOOK_SIG "webhook signature (X-Razorpay-Signature)"
#define PAYMENT_SIG "payment signature (razorpay_signature)"
#define SUBSCRIPTION_SIG "subscription payment signature (razorpay_signature)"
#define LINK_SIG "payment link signature (razorpay_signature)"

static int webhook_args(part *body_part, unsigned char raw[ERPLINK_SHA256_LEN], const void *body, size_t body_len,
                        const char *signature, const char *fn) {
  if (!body && body_len)
    return erplink__error_setf(ERPLINK_EINVAL, "%s: the body is NULL but its length is %zu", fn, body_len);
  body_part->p = body;
  body_part->len = body_len;
  return parse_signature(raw, signature, WEBHOOK_SIG);
}

/* The verifier's functions: the arguments are checked first (args_rc), but a NULL verifier is
 * the error reported. */
static int verifier_call(size_t *matched, razorpay_verifier *v, const char *fn, int args_rc, const part *parts,
                         size_t nparts, const unsigned char raw[ERPLINK_SHA256_LEN], const char *what) {
  if (!v) return erplink__error_setf(ERPLINK_EINVAL, "%s: the verifier is NULL", fn);
  return args_rc ? args_rc : verifier_run(matched, v, parts, nparts, raw, what);
}

int razorpay_verifier_verify_webhook(size_t *matched_index, razorpay_verifier *v, const void *body, size_t body_len,
                                     const char *signature) {
  static const char fn[] = "razorpay_verifier_verify_webhook";
  part p = {NULL, 0};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = webhook_args(&p, raw, body, body_len, signature, fn);
  return verifier_call(matched_index, v, fn, rc, &p, 1, raw, WEBHOOK_SIG);
}

static int payment_args(part p[2], unsigned char raw[ERPLINK_SHA256_LEN], const char *order_id, const char *payment_id,
                        const char *signature) {
  int rc = check_id(&p[0], order_id, "order_id", false, false);
  if (!rc) rc = check_id(&p[1], payment_id, "payment_id", false, false);
  if (!rc) rc = parse_signature(raw, signature, PAYMENT_SIG);
  return rc;
}

static int subscription_args(part p[2], unsigned char raw[ERPLINK_SHA256_LEN], const char *payment_id,
                             const char *subscription_id, const char *signature) {
  int rc = check_id(&p[0], payment_id, "payment_id", false, false);
  if (!rc) rc = check_id(&p[1], subscription_id, "subscription_id", false, false);
  if (!rc) rc = parse_signature(raw, signature, SUBSCRIPTION_SIG);
  return rc;
}

static int link_args(part p[4], unsigned char raw[ERPLINK_SHA256_LEN], const char *link_id, const char *reference_id,
                     const char *status, const char *payment_id, const char *signature) {
  int rc = check_id(&p[0], link_id, "payment_link_id", false, false);
  if (!rc) rc = check_id(&p[1], reference_id, "payment_link_reference_id", true, true);
  if (!rc) rc = check_id(&p[2], status, "payment_link_status", false, false);
  if (!rc) rc = check_id(&p[3], payment_id, "payment_id", false, false);
  if (!rc) rc = parse_signature(raw, signature, LINK_SIG);
  return rc;
}

int razorpay_verifier_verify_payment(size_t *matched_index, razorpay_verifier *v, const char *order_id,
                                     const char *payment_id, const char *signature) {
  part p[2] = {{NULL, 0}};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = payment_args(p, raw, order_id, payment_id, signature);
  return verifier_call(matched_index, v, "razorpay_verifier_verify_payment", rc, p, 2, raw, PAYMENT_SIG);
}

int razorpay_verifier_verify_subscription(size_t *matched_index, razorpay_verifier *v, const char *payment_id,
                                          const char *subscription_id, const char *signature) {
  part p[2] = {{NULL, 0}};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = subscription_args(p, raw, payment_id, subscription_id, signature);
  return verifier_call(matched_index, v, "razorpay_verifier_verify_subscription", rc, p, 2, raw, SUBSCRIPTION_SIG);
}

int razorpay_verifier_verify_payment_link(size_t *matched_index, razorpay_verifier *v, const char *payment_link_id,
                                          const char *reference_id, const char *status, const char *payment_id,
                                          const char *signature) {
  part p[4] = {{NULL, 0}};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = link_args(p, raw, payment_link_id, reference_id, status, payment_id, signature);
  return verifier_call(matched_index, v, "razorpay_verifier_verify_payment_link", rc, p, 4, raw, LINK_SIG);
}

/* ---------------------------------------------------------------- one-shot functions */

/* Keys one context per secret for this call only, verifies, frees. */
static int oneshot(size_t *matched, const char *const *secrets, size_t n, const part *parts, size_t nparts,
                   const unsigned char raw[ERPLINK_SHA256_LEN], const char *what) {
  erplink_hmac *h[MAX_SECRETS] = {0};
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) rc = erplink_hmac_new(&h[i], secrets[i], strlen(secrets[i]));
  uint64_t count = 0;
  if (!rc) rc = verify_core(matched, h, n, parts, nparts, raw, &count, what);
  for (size_t i = 0; i < n; i++) erplink_hmac_free(h[i]);
  return rc;
}

int razorpay_verify_webhook_any(size_t *matched_index, const void *body, size_t body_len, const char *signature,
                                const char *const *secrets, size_t n_secrets) {
  int rc = check_secrets(secrets, n_secrets, "razorpay_verify_webhook_any");
  if (rc) return rc;
  part p;
  unsigned char raw[ERPLINK_SHA256_LEN];
  rc = webhook_args(&p, raw, body, body_len, signature, "razorpay_verify_webhook_any");
  if (rc) return rc;
  return oneshot(matched_index, secrets, n_secrets, &p, 1, raw, WEBHOOK_SIG);
}

/* Validates a single secret with a function-specific message. */
static int one_secret(const char *secret, const char *fn, const char *what) {
  if (!secret) return erplink__error_setf(ERPLINK_EINVAL, "%s: the %s is NULL", fn, what);
  if (!*secret)
    return erplink__error_setf(
        ERPLINK_EINVAL, "%s: the %s is empty (an empty secret is a configuration error, never a match)", fn, what);
  return 0;
}

/* The one-shot functions with one secret: the arguments are checked first (args_rc), but a
 * missing or empty secret is the error reported. */
static int oneshot_one(const char *secret, const char *fn, const char *secret_name, int args_rc, const part *parts,
                       size_t nparts, const unsigned char raw[ERPLINK_SHA256_LEN], const char *what) {
  int rc = one_secret(secret, fn, secret_name);
  if (rc) return rc;
  return args_rc ? args_rc : oneshot(NULL, &secret, 1, parts, nparts, raw, what);
}

int razorpay_verify_webhook(const void *body, size_t body_len, const char *signature, const char *webhook_secret) {
  static const char fn[] = "razorpay_verify_webhook";
  part p = {NULL, 0};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = webhook_args(&p, raw, body, body_len, signature, fn);
  return oneshot_one(webhook_secret, fn, "webhook secret", rc, &p, 1, raw, WEBHOOK_SIG);
}

int razorpay_verify_payment(const char *order_id, const char *payment_id, const char *signature,
                            const char *key_secret) {
  part p[2] = {{NULL, 0}};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = payment_args(p, raw, order_id, payment_id, signature);
  return oneshot_one(key_secret, "razorpay_verify_payment", "key secret", rc, p, 2, raw, PAYMENT_SIG);
}

int razorpay_verify_subscription(const char *payment_id, const char *subscription_id, const char *signature,
                                 const char *key_secret) {
  part p[2] = {{NULL, 0}};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = subscription_args(p, raw, payment_id, subscription_id, signature);
  return oneshot_one(key_secret, "razorpay_verify_subscription", "key secret", rc, p, 2, raw, SUBSCRIPTION_SIG);
}

int razorpay_verify_payment_link(const char *payment_link_id, const char *reference_id, const char *status,
                                 const char *payment_id, const char *signature, const char *key_secret) {
  part p[4] = {{NULL, 0}};
  unsigned char raw[ERPLINK_SHA256_LEN] = {0};
  int rc = link_args(p, raw, payment_link_id, reference_id, status, payment_id, signature);
  return oneshot_one(key_secret, "razorpay_verify_payment_link", "key secret", rc, p, 4, raw, LINK_SIG);
}
