/* Client-side rate limiting: a token bucket (tokens may go negative: each waiting thread
 * holds a reservation, so concurrent waiters are spaced exactly 1/rate apart) and a
 * server-directed pause that holds every request until a given monotonic time. */
#include <string.h>

#include "http_internal.h"

int erplink__ratelimit_init(erplink__ratelimit *rl, double rps, int burst, int64_t now_ms) {
  memset(rl, 0, sizeof *rl);
  rl->rate = rps > 0 ? rps / 1000.0 : 0;
  rl->burst = burst < 1 ? 1 : (double)burst;
  rl->tokens = rl->burst;
  rl->last_ms = now_ms;
  rl->pause_until_ms = 0;
  return pthread_mutex_init(&rl->mu, NULL) == 0 ? 0 : ERPLINK_ENOMEM;
}

void erplink__ratelimit_destroy(erplink__ratelimit *rl) { pthread_mutex_destroy(&rl->mu); }

static int64_t take_locked(erplink__ratelimit *rl, int64_t now_ms) {
  if (rl->rate <= 0) return 0;
  if (now_ms > rl->last_ms) {
    rl->tokens += (double)(now_ms - rl->last_ms) * rl->rate;
    if (rl->tokens > rl->burst) rl->tokens = rl->burst;
    rl->last_ms = now_ms;
  }
  rl->tokens -= 1.0;
  if (rl->tokens >= 0) return 0;
  double wait = -rl->tokens / rl->rate;
  int64_t w = (int64_t)wait;
  if ((double)w < wait) w++; /* round up: never start early */
  return w;
}

int64_t erplink__ratelimit_reserve(erplink__ratelimit *rl, int64_t now_ms) {
  pthread_mutex_lock(&rl->mu);
  int64_t w = take_locked(rl, now_ms);
  pthread_mutex_unlock(&rl->mu);
  return w;
}

void erplink__ratelimit_refund(erplink__ratelimit *rl) {
  pthread_mutex_lock(&rl->mu);
  if (rl->rate > 0) {
    rl->tokens += 1.0;
    if (rl->tokens > rl->burst) rl->tokens = rl->burst;
  }
  pthread_mutex_unlock(&rl->mu);
}

void erplink__ratelimit_pause(erplink__ratelimit *rl, int64_t now_ms, int64_t ms) {
  if (ms <= 0) return;
  pthread_mutex_lock(&rl->mu);
  int64_t until = now_ms + ms;
  if (until > rl->pause_until_ms) rl->pause_until_ms = until;
  pthread_mutex_unlock(&rl->mu);
}

int64_t erplink__ratelimit_pause_left(erplink__ratelimit *rl, int64_t now_ms) {
  pthread_mutex_lock(&rl->mu);
  int64_t left = rl->pause_until_ms - now_ms;
  pthread_mutex_unlock(&rl->mu);
  return left > 0 ? left : 0;
}

int erplink__ratelimit_acquire(erplink__ratelimit *rl, int (*cancel)(void *), void *ud, int64_t *waited_ms) {
  int64_t t0 = erplink__now_mono_ms();
  bool have_token = false;
  if (waited_ms) *waited_ms = 0;
  for (;;) {
    int64_t now = erplink__now_mono_ms();
    int64_t pause = erplink__ratelimit_pause_left(rl, now);
    if (pause > 0) {
      if (erplink__sleep_ms(pause, cancel, ud)) {
        if (have_token) erplink__ratelimit_refund(rl);
        return erplink__error_setf(ERPLINK_ECANCELLED, "cancelled while waiting for a rate-limit pause");
      }
      continue;
    }
    if (have_token) break;
    int64_t w = erplink__ratelimit_reserve(rl, now);
    have_token = true;
    if (w > 0 && erplink__sleep_ms(w, cancel, ud)) {
      erplink__ratelimit_refund(rl);
      return erplink__error_setf(ERPLINK_ECANCELLED, "cancelled while waiting for the rate limiter");
    }
    /* loop once more: a pause may have been imposed while we waited for the token */
  }
  if (waited_ms) *waited_ms = erplink__now_mono_ms() - t0;
  return 0;
}
