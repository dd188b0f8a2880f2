/* Declarations private to src/razorpay (not part of the public ABI: not exported from the
 * shared library; the tests reach them through the static library). */
#ifndef ERPLINK_RAZORPAY_INTERNAL_H
#define ERPLINK_RAZORPAY_INTERNAL_H

#include <stdint.h>

#include "erplink/razorpay.h"

/* Test hook: how many HMAC-SHA256 computations the verifier has done so far (summed over its
 * pool of context sets; call it while no verification is running on v). The tests use it to
 * assert structurally that a wrong signature of the right format costs exactly as many HMACs
 * as a right one (one per secret), and that a malformed signature costs none. */
uint64_t razorpay__verifier_hmac_count(razorpay_verifier *v);

/* Test hook: number of context sets in the verifier's pool. */
size_t razorpay__verifier_pool_size(razorpay_verifier *v);

#endif
