/**
 * @file erplink/crypto.h
 * @brief (being written)
 */
#include "common.h"
