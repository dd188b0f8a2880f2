/* Quick measurement (not a test, not the benchmark): HMAC-SHA256 of a 1 KiB body with a
 * reusable keyed context and with one-shot keying, in calls per second.
 * Usage: hmac_speed [seconds] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "erplink/erplink.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double secs = argc > 1 ? atof(argv[1]) : 3.0;
  unsigned char body[1024], tag[32];
  for (int i = 0; i < 1024; i++) body[i] = (unsigned char)i;
  const char *key = "whsec_0123456789abcdef0123456789";
  erplink_hmac *h;
  if (erplink_hmac_new(&h, key, strlen(key))) return 1;
  long n = 0;
  double t0 = now(), t;
  do {
    for (int i = 0; i < 1000; i++) erplink_hmac_sha256(tag, h, body, sizeof body);
    n += 1000;
  } while ((t = now()) - t0 < secs);
  printf("reusable context: %.0f calls/s (%.1f MB/s)\n", n / (t - t0), n * 1024.0 / (t - t0) / 1e6);
  n = 0;
  t0 = now();
  do {
    for (int i = 0; i < 1000; i++) erplink_hmac_sha256_oneshot(tag, key, strlen(key), body, sizeof body);
    n += 1000;
  } while ((t = now()) - t0 < secs);
  printf("one-shot (keyed per call): %.0f calls/s\n", n / (t - t0));
  erplink_hmac_free(h);
  return 0;
}
