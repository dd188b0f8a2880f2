/**
 * @file erplink/log.h
 * @brief (being written)
 */
#include "common.h"
