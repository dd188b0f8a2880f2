/**
 * @file erplink/xmlrpc.h
 * @brief (being written)
 */
#include "common.h"
