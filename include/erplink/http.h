/**
 * @file erplink/http.h
 * @brief (being written)
 */
#include "common.h"
