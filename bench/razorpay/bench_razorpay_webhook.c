/* Razorpay webhook verification throughput: bench_razorpay_webhook BODY_FILE SIGNATURE SECRET [RUNS] [SECONDS]
 *
 * Verifies BODY_FILE against SIGNATURE with one reusable razorpay_verifier (one secret) in a
 * tight loop; prints "verifier <best calls/s>" (best of RUNS runs of SECONDS each), then the
 * same for the one-shot razorpay_verify_webhook() (keys an HMAC per call): "oneshot <calls/s>".
 * Every call must return 0 (checked). Run by bench/razorpay/razorpay_webhook_verify.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../bench_common.h"
#include "erplink/error.h"
#include "erplink/razorpay.h"

static double measure(int oneshot, razorpay_verifier *v, const char *body, size_t len, const char *sig,
                      const char *secret, double seconds) {
  long calls = 0;
  double t0 = bench_now(), t;
  do {
    for (int i = 0; i < 1000; i++) {
      int rc = oneshot ? razorpay_verify_webhook(body, len, sig, secret)
                       : razorpay_verifier_verify_webhook(NULL, v, body, len, sig);
      if (rc) {
        fprintf(stderr, "verification failed: %s\n", erplink_error_message(erplink_error_last()));
        exit(1);
      }
    }
    calls += 1000;
    t = bench_now();
  } while (t - t0 < seconds);
  return (double)calls / (t - t0);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s BODY_FILE SIGNATURE SECRET [RUNS] [SECONDS]\n", argv[0]);
    return 2;
  }
  size_t len;
  char *body = bench_load(argv[1], &len);
  int runs = argc > 4 ? atoi(argv[4]) : 5;
  double seconds = argc > 5 ? atof(argv[5]) : 1.0;
  const char *secrets[] = {argv[3]};
  razorpay_verifier *v;
  if (razorpay_verifier_new(&v, secrets, 1) != 0) {
    fprintf(stderr, "%s\n", erplink_error_message(erplink_error_last()));
    return 1;
  }
  measure(0, v, body, len, argv[2], argv[3], 0.2); /* warm-up */
  double best = 0, best1 = 0;
  for (int r = 0; r < runs; r++) {
    double x = measure(0, v, body, len, argv[2], argv[3], seconds);
    if (x > best) best = x;
  }
  for (int r = 0; r < runs; r++) {
    double x = measure(1, v, body, len, argv[2], argv[3], seconds / 2);
    if (x > best1) best1 = x;
  }
  printf("verifier %.0f\noneshot %.0f\n", best, best1);
  razorpay_verifier_free(v);
  free(body);
  return 0;
}
