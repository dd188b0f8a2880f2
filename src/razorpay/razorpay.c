/* Razorpay signature verification and webhook parsing (being written). */
#include "erplink/razorpay.h"
