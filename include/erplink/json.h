/**
 * @file erplink/json.h
 * @brief (being written)
 */
#include "common.h"
