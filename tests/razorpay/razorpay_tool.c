/* Helper for razorpay_oracle.py: reads one case per line on stdin and prints the outcome of
 * erplink's verification, so that Python's hmac module (and the openssl command line) can act
 * as independent oracles.
 *
 *   input:  KIND SIGNATURE SECRETS FIELD...      (SECRETS: comma-separated hex; FIELD: hex, "-" = empty)
 *           KIND = webhook (1 field: the body) | payment (order_id payment_id)
 *                | subscription (payment_id subscription_id)
 *                | payment_link (link_id reference_id status payment_id)
 *   output: ONESHOT_RC VERIFIER_RC MATCHED_INDEX  (ONESHOT_RC is "na" for a multi-secret
 *           non-webhook case: only the verifier takes several key secrets) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/crypto.h"
#include "erplink/razorpay.h"

#define MAXF 8

static char *unhex(const char *h, size_t *len) {
  if (strcmp(h, "-") == 0) {
    *len = 0;
    return calloc(1, 1);
  }
  unsigned char *p = NULL;
  if (erplink_hex_decode(&p, len, h, strlen(h)) != 0) {
    fprintf(stderr, "bad hex\n");
    exit(2);
  }
  return (char *)p;
}

int main(void) {
  static char line[1 << 20];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *tok[3 + MAXF];
    int nt = 0;
    for (char *t = strtok(line, " "); t && nt < 3 + MAXF; t = strtok(NULL, " ")) tok[nt++] = t;
    if (nt < 4) {
      fprintf(stderr, "bad line\n");
      return 2;
    }
    const char *kind = tok[0], *sig = tok[1];
    char *secrets[64];
    size_t ns = 0, dummy;
    for (char *s = strtok(tok[2], ","); s && ns < 64; s = strtok(NULL, ",")) secrets[ns++] = unhex(s, &dummy);
    char *f[MAXF];
    size_t fl[MAXF];
    int nf = nt - 3;
    for (int i = 0; i < nf; i++) f[i] = unhex(tok[3 + i], &fl[i]);
    const char *const *sec = (const char *const *)secrets;
    razorpay_verifier *v = NULL;
    int vrc = razorpay_verifier_new(&v, sec, ns);
    size_t idx = 999;
    int one = 1; /* sentinel: "na" */
    int na = 0, rv = vrc;
    if (strcmp(kind, "webhook") == 0) {
      one = ns == 1 ? razorpay_verify_webhook(f[0], fl[0], sig, sec[0])
                    : razorpay_verify_webhook_any(NULL, f[0], fl[0], sig, sec, ns);
      if (!vrc) rv = razorpay_verifier_verify_webhook(&idx, v, f[0], fl[0], sig);
    } else if (strcmp(kind, "payment") == 0) {
      if (ns == 1)
        one = razorpay_verify_payment(f[0], f[1], sig, sec[0]);
      else
        na = 1;
      if (!vrc) rv = razorpay_verifier_verify_payment(&idx, v, f[0], f[1], sig);
    } else if (strcmp(kind, "subscription") == 0) {
      if (ns == 1)
        one = razorpay_verify_subscription(f[0], f[1], sig, sec[0]);
      else
        na = 1;
      if (!vrc) rv = razorpay_verifier_verify_subscription(&idx, v, f[0], f[1], sig);
    } else if (strcmp(kind, "payment_link") == 0) {
      if (ns == 1)
        one = razorpay_verify_payment_link(f[0], f[1], f[2], f[3], sig, sec[0]);
      else
        na = 1;
      if (!vrc) rv = razorpay_verifier_verify_payment_link(&idx, v, f[0], f[1], f[2], f[3], sig);
    } else {
      fprintf(stderr, "bad kind\n");
      return 2;
    }
    if (na)
      printf("na %d %d\n", rv, rv == 0 ? (int)idx : -1);
    else
      printf("%d %d %d\n", one, rv, rv == 0 ? (int)idx : -1);
    razorpay_verifier_free(v);
    for (size_t i = 0; i < ns; i++) free(secrets[i]);
    for (int i = 0; i < nf; i++) free(f[i]);
  }
  return 0;
}
