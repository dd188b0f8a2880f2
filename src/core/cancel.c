/* Cancellation tokens and the per-thread stack of tokens that blocking waits watch. */
#include <stdatomic.h>
#include <stdlib.h>

#include "erplink/cancel.h"
#include "internal.h"

struct erplink_cancel {
  atomic_int fired;
  erplink_cancel_poll_fn poll;
  void *userdata;
};

/* The tokens pushed by this thread (documented per-thread state). */
static _Thread_local erplink_cancel *tl_stack[ERPLINK_CANCEL_MAX_DEPTH];
static _Thread_local int tl_depth;

int erplink_cancel_new(erplink_cancel **out) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "erplink_cancel_new: out is NULL");
  *out = calloc(1, sizeof **out);
  if (!*out) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  atomic_init(&(*out)->fired, 0);
  return 0;
}

void erplink_cancel_free(erplink_cancel *c) { free(c); }

void erplink_cancel_trigger(erplink_cancel *c) {
  if (c) atomic_store(&c->fired, 1);
}

int erplink_cancel_is_triggered(const erplink_cancel *c) {
  return c && atomic_load(&((erplink_cancel *)c)->fired) ? 1 : 0;
}

int erplink_cancel_set_poll(erplink_cancel *c, erplink_cancel_poll_fn poll, void *userdata) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "erplink_cancel_set_poll: token is NULL");
  c->poll = poll;
  c->userdata = userdata;
  return 0;
}

int erplink_cancel_push(erplink_cancel *c) {
  if (!c) return erplink__error_setf(ERPLINK_EINVAL, "erplink_cancel_push: token is NULL");
  if (tl_depth >= ERPLINK_CANCEL_MAX_DEPTH)
    return erplink__error_setf(ERPLINK_ERANGE, "erplink_cancel_push: this thread already has %d tokens pushed",
                               ERPLINK_CANCEL_MAX_DEPTH);
  tl_stack[tl_depth++] = c;
  return 0;
}

void erplink_cancel_pop(void) {
  if (tl_depth > 0) tl_stack[--tl_depth] = NULL;
}

bool erplink__cancel_requested(void) {
  for (int i = tl_depth - 1; i >= 0; i--) {
    erplink_cancel *c = tl_stack[i];
    if (atomic_load(&c->fired)) return true;
    if (c->poll && c->poll(c->userdata)) {
      atomic_store(&c->fired, 1);
      return true;
    }
  }
  return false;
}

bool erplink__cancel_watched(void) { return tl_depth > 0; }
