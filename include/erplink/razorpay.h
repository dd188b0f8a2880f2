/**
 * @file erplink/razorpay.h
 * @brief Razorpay signature verification and webhook parsing (being written; nothing is declared yet).
 */
#ifndef ERPLINK_RAZORPAY_H
#define ERPLINK_RAZORPAY_H

#include "common.h"

#endif
